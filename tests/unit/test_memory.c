/* The memory accessors (dnp3_master_assoc_memory, dnp3_channel_memory,
 * dnp3_mux_memory) against exact figures for known configurations: every
 * buffer a configuration asks for, and nothing a configuration does not
 * ask for (a master no longer keeps a copy of the last unsolicited
 * fragment; a mux has no fragment buffer of its own). The records' own
 * sizes come from the private headers, so a field added to a struct moves
 * the figure without breaking the test; a buffer added or dropped does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "channel/channel_internal.h"
#include "dnp3/channel.h"
#include "dnp3/master.h"
#include "dnp3/mux.h"
#include "master/master_internal.h"
#include "mux/mux_internal.h"

static size_t assoc_memory(const dnp3_master_config_t *cfg)
{
    dnp3_master_assoc_t *a = NULL;
    assert_int_equal(dnp3_master_assoc_new(cfg, NULL, NULL, &a), 0);
    size_t n = dnp3_master_assoc_memory(a);
    dnp3_master_assoc_free(a);
    return n;
}

/* The association's own pool of queued tasks (no shared pool): the pool
 * record (rounded to 16), the slots, the object bytes, the scratch for
 * requests being built. */
static size_t own_pool(size_t tasks, size_t bytes, size_t scratch)
{
    return ((sizeof(dnp3_master_pool_t) + 15) & ~(size_t)15) + tasks * sizeof(dnp3i_slot_t) +
           bytes + scratch;
}

/* Defaults: an own pool of 16 task slots, a 4,096-byte object area and a
 * 2,048-byte scratch; 32 command statuses, no range record (none
 * configured), 256 comm-lost cells of 12 bytes; the tables in one block
 * with the record. */
static void master_assoc_defaults(void **state)
{
    (void)state;
    dnp3_master_config_t cfg;
    dnp3_master_config_default(&cfg);
    assert_int_equal(sizeof(dnp3i_slot_t), 56);
    assert_int_equal(sizeof(dnp3i_seen_t), 12);
    size_t expect = sizeof(struct dnp3_master_assoc) + own_pool(16, 4096, 2048) + 32 + 256 * 12;
    assert_int_equal(assoc_memory(&cfg), expect);
    /* x86-64: 792 + (80 + 896 + 4096 + 2048) + 32 + 3072 */
    if (sizeof(void *) == 8)
        assert_int_equal(assoc_memory(&cfg), 11016);
}

static void master_assoc_sized_from_config(void **state)
{
    (void)state;
    dnp3_master_config_t cfg;
    dnp3_master_config_default(&cfg);
    size_t base = assoc_memory(&cfg);
    /* No comm-lost reports: no table of seen points. */
    cfg.comm_lost_mode = DNP3_COMM_LOST_NONE;
    assert_int_equal(assoc_memory(&cfg), base - 256 * 12);
    /* Comm-lost sized to an outstation of 100 points. */
    cfg.comm_lost_mode = DNP3_COMM_LOST_FLAG;
    cfg.comm_lost_max_points = 100;
    assert_int_equal(assoc_memory(&cfg), base - 156 * 12);
    /* Responses of any size are read in place: no per-association copy. */
    cfg.max_rx_fragment = 65535;
    assert_int_equal(assoc_memory(&cfg), base - 156 * 12);
    /* The scratch follows max_tx_fragment, the object area
     * max_queued_bytes, the slots max_queued_tasks. */
    cfg.max_tx_fragment = 249;
    cfg.max_queued_bytes = 1024;
    cfg.max_queued_tasks = 4;
    const size_t small = base - 156 * 12 - (2048 - 249) - (4096 - 1024) - 12 * sizeof(dnp3i_slot_t);
    assert_int_equal(assoc_memory(&cfg), small);
    /* A record per configured range scan. */
    const dnp3_master_range_scan_t scans[2] = {{30, 0, 0, 9, 1000}, {1, 2, 0, 7, 0}};
    cfg.range_scans = scans;
    cfg.n_range_scans = 2;
    assert_int_equal(assoc_memory(&cfg), small + 2 * sizeof(dnp3i_range_t));
}

/* A shared pool (issue 10's thousands of associations): the association
 * holds only its record, command statuses, range records and comm-lost
 * table; the pool is counted once, by dnp3_master_pool_memory. */
static void master_assoc_shared_pool(void **state)
{
    (void)state;
    dnp3_master_pool_config_t pc;
    dnp3_master_pool_config_default(&pc);
    dnp3_master_pool_t *pool = NULL;
    assert_int_equal(dnp3_master_pool_new(&pc, &pool), 0);
    assert_int_equal(dnp3_master_pool_memory(pool), own_pool(1024, 65536, 2048));
    dnp3_master_config_t cfg;
    dnp3_master_config_default(&cfg);
    cfg.pool = pool;
    cfg.comm_lost_max_points = 100; /* the sessions bench's outstations */
    size_t expect = sizeof(struct dnp3_master_assoc) + 32 + 100 * 12;
    assert_int_equal(assoc_memory(&cfg), expect);
    /* x86-64: 792 + 32 + 1200 */
    if (sizeof(void *) == 8) {
        assert_int_equal(assoc_memory(&cfg), 2024);
        assert_int_equal(dnp3_master_pool_memory(pool), 125008);
    }
    dnp3_master_pool_free(pool);
}

/* A master's channel with one peer: the record and its event queue, the
 * session block with the fragment being sent, one peer slot with its
 * reassembly buffer. */
static void channel_session(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.role = DNP3_CHANNEL_ROLE_MASTER;
    cfg.max_peers = 1;
    dnp3_channel_t *ch = dnp3_channel_new(&cfg, NULL);
    assert_non_null(ch);
    size_t expect = sizeof(struct dnp3_channel) + CH_EVENT_QUEUE * sizeof(ch_event_t) +
                    DNP3_LINK_MAX_USER_DATA + DNP3_LINK_MAX_FRAME + sizeof(ch_session_t) + 2048 +
                    sizeof(ch_slot_t) + 2048;
    assert_int_equal(dnp3_channel_memory(ch), expect);
    dnp3_channel_free(ch);
}

/* A mux: its record, its session table, its channel; no buffer of its own. */
static void mux_record_table_channel(void **state)
{
    (void)state;
    dnp3_mux_config_t cfg;
    dnp3_mux_config_default(&cfg);
    cfg.channel.role = DNP3_CHANNEL_ROLE_MASTER;
    cfg.max_sessions = 1;
    dnp3_mux_t *mux = dnp3_mux_new(&cfg, NULL);
    assert_non_null(mux);
    size_t ch = dnp3_channel_memory(dnp3_mux_channel(mux));
    assert_int_equal(dnp3_mux_memory(mux), sizeof(struct dnp3_mux) + sizeof(mux_slot_t) + ch);
    /* One peer slot: the channel has max_peers >= max_sessions. */
    assert_int_equal(ch, sizeof(struct dnp3_channel) + CH_EVENT_QUEUE * sizeof(ch_event_t) +
                             DNP3_LINK_MAX_USER_DATA + DNP3_LINK_MAX_FRAME + sizeof(ch_session_t) +
                             2048 + sizeof(ch_slot_t) + 2048);
    /* 6,638 without a pool: 6,622 before the unclaimed-fragment log limiter
     * (a second limiter, both 16 bytes, and its counter: +16); 6,582 before the reassembly timeout
     * (its configuration field, a clock per peer slot, the split frame's clock and stream offset, a
     * counter: +40); 7,568 before the pool's fields (+56), the MONITOR event queue that sat in
     * every channel (-192), the primary station's 292-byte frame (confirmed data is framed when
     * taken, from the fragment kept: -256), the channel's copy of the link counters and of its four
     * hot counters (-96), the mux's copy of the channel configuration (-64), an event queue of 8
     * rather than 16 (-384), link replies queued as address and control, not 10-byte frames (-64),
     * the parser's buffers after the event queue, a pointer to each (+14);
     * 7,928 while the mux record held its own copy of
     * the channel's counters. */
    if (sizeof(void *) == 8)
        assert_int_equal(dnp3_mux_memory(mux), 6638);
    dnp3_mux_free(mux);
    assert_int_equal(dnp3_mux_memory(NULL), 0);
}

/* A mux whose channel takes its fragment buffers from a pool: neither the
 * reassembly buffer nor the fragment being sent is its own, nor the
 * parser's buffers (the pool's, shared; a pool buffer only while a frame
 * straddles reads). */
static void mux_with_pool(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(4, 2048, NULL);
    assert_non_null(pool);
    dnp3_mux_config_t cfg;
    dnp3_mux_config_default(&cfg);
    cfg.channel.role = DNP3_CHANNEL_ROLE_MASTER;
    cfg.channel.pool = pool;
    cfg.max_sessions = 1;
    dnp3_mux_t *mux = dnp3_mux_new(&cfg, NULL);
    assert_non_null(mux);
    size_t ch = dnp3_channel_memory(dnp3_mux_channel(mux));
    assert_int_equal(ch, sizeof(struct dnp3_channel) + CH_EVENT_QUEUE * sizeof(ch_event_t) +
                             sizeof(ch_session_t) + sizeof(ch_slot_t));
    assert_int_equal(dnp3_mux_memory(mux), sizeof(struct dnp3_mux) + sizeof(mux_slot_t) + ch);
    if (sizeof(void *) == 8)
        assert_int_equal(dnp3_mux_memory(mux),
                         6638 - 2048 - 2048 - DNP3_LINK_MAX_USER_DATA - DNP3_LINK_MAX_FRAME);
    /* The pool, once per runtime: per buffer its bytes and a free-list
     * entry. */
    dnp3_fragment_pool_t *five = dnp3_fragment_pool_new(5, 2048, NULL);
    assert_int_equal(dnp3_fragment_pool_memory(five) - dnp3_fragment_pool_memory(pool),
                     2048 + sizeof(void *));
    dnp3_fragment_pool_free(five);
    /* A pool whose buffers are too small for the channel's fragments is
     * not used: the channel keeps its own. */
    dnp3_mux_free(mux);
    cfg.channel.rx_fragment_max = 4096;
    mux = dnp3_mux_new(&cfg, NULL);
    assert_non_null(mux);
    if (sizeof(void *) == 8)
        assert_int_equal(dnp3_mux_memory(mux), 6638 + 2048);
    dnp3_mux_free(mux);
    dnp3_fragment_pool_free(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(master_assoc_defaults),
        cmocka_unit_test(master_assoc_sized_from_config),
        cmocka_unit_test(master_assoc_shared_pool),
        cmocka_unit_test(channel_session),
        cmocka_unit_test(mux_record_table_channel),
        cmocka_unit_test(mux_with_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
