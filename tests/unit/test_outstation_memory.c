/* dnp3_outstation_memory and dnp3_event_buffer_memory against exact figures
 * for known configurations: every buffer a configuration asks for, and
 * nothing else (an outstation keeps no copy of a SELECT's objects, only
 * their length and hash). The records' own sizes come from the private
 * headers, so a field added to a struct moves the figure without breaking
 * the test; a buffer added or dropped, or an event record that grows, does. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dnp3/database.h"
#include "dnp3/outstation.h"
#include "outstation/event_buffer_internal.h"
#include "outstation/outstation_internal.h"

static dnp3_db_t *analog_db(uint32_t n)
{
    dnp3_db_config_t cfg;
    dnp3_db_config_default(&cfg);
    cfg.count[DNP3_PT_ANALOG] = n;
    dnp3_db_t *db = NULL;
    assert_int_equal(dnp3_db_new(&cfg, &db), 0);
    return db;
}

/* Per event of capacity (up to 65,534: 16-bit entries): its record, its
 * class and key links, its selection entry; its type links only when some
 * point type has a capacity. */
#define PER_EVENT  (sizeof(dnp3i_ev_t) + 4 * 2 + 2)
#define TYPE_LINKS (2 * 2)

/* x86-64: the buffer record, 300 * 36, 101 latest entries. */
#define EB_X86_64 (1560 + 10800 + 202)

/* 100 events per class: 300 records; 100 points and the command slot;
 * no octet string points: no octet store. */
static void event_buffer_defaults(void **state)
{
    (void)state;
    dnp3_db_t *db = analog_db(100);
    dnp3_event_buffer_config_t bc;
    dnp3_event_buffer_config_default(&bc);
    dnp3_event_buffer_t *b = NULL;
    assert_int_equal(dnp3_event_buffer_new(db, &bc, &b), 0);
    size_t expect = sizeof(struct dnp3_event_buffer) + 300 * PER_EVENT + 101 * 2;
    assert_int_equal(dnp3_event_buffer_memory(b), expect);
    assert_int_equal(sizeof(dnp3i_ev_t), 26);
    assert_int_equal(300 * PER_EVENT, 10800);
    if (sizeof(void *) == 8)
        assert_int_equal(dnp3_event_buffer_memory(b), EB_X86_64);
    dnp3_event_buffer_free(b);
    /* Every type limited to 10: 100 records, below the classes' 300. */
    for (unsigned t = 0; t < DNP3_EV_TYPE_COUNT_; t++)
        bc.type_capacity[t] = 10;
    assert_int_equal(dnp3_event_buffer_new(db, &bc, &b), 0);
    assert_int_equal(dnp3_event_buffer_memory(b), expect - 200 * PER_EVENT + 100 * TYPE_LINKS);
    dnp3_event_buffer_free(b);
    assert_int_equal(dnp3_event_buffer_memory(NULL), 0);
    dnp3_db_free(db);

    /* With octet string points: an octet store of octet_string_size bytes
     * and a free-list link per record (the octet type has no limit). */
    dnp3_db_config_t cfg;
    dnp3_db_config_default(&cfg);
    cfg.count[DNP3_PT_ANALOG] = 100;
    cfg.count[DNP3_PT_OCTET_STRING] = 2;
    cfg.octet_string_size = 16;
    assert_int_equal(dnp3_db_new(&cfg, &db), 0);
    dnp3_event_buffer_config_default(&bc);
    assert_int_equal(dnp3_event_buffer_new(db, &bc, &b), 0);
    assert_int_equal(dnp3_event_buffer_memory(b),
                     sizeof(struct dnp3_event_buffer) + 300 * PER_EVENT + 103 * 2 + 300 * (16 + 4));
    dnp3_event_buffer_free(b);
    dnp3_db_free(db);
}

/* The session record, the attribute strings end to end (the defaults:
 * "dnp3c", "dnp3c", "dnp3c outstation", "0.1" and three empty ones, 36
 * bytes), one buffer (tx: the response to a non-READ request, kept for a
 * repeat, or a READ's index lists; the larger of max_tx_fragment and
 * max_rx_fragment) and the event buffer. No copy of the request (a repeat
 * is known by its length and hash, a READ is planned when it comes) and no
 * buffer for a READ's or an unsolicited response: they are written when
 * taken, into the caller's buffer. */
static void outstation_defaults(void **state)
{
    (void)state;
    dnp3_db_t *db = analog_db(100);
    dnp3_outstation_config_t cfg;
    dnp3_outstation_config_default(&cfg);
    dnp3_outstation_t *o = NULL;
    assert_int_equal(dnp3_outstation_new(&cfg, db, NULL, NULL, &o), 0);
    size_t eb = dnp3_event_buffer_memory(dnp3_outstation_event_buffer(o));
    /* command_event_capacity limits only the command kinds: no type links. */
    assert_int_equal(eb, sizeof(struct dnp3_event_buffer) + 300 * PER_EVENT + 101 * 2);
    assert_int_equal(dnp3_outstation_memory(o), sizeof(struct dnp3_outstation) + 36 + 2048 + eb);
    /* x86-64, the session's own part: 1,864 + 36 + 2,048 (was 3,128 +
     * 2,048 of request copy + 2 x 2,048 of response buffers = 9,272); the
     * event buffer 1,560 + 10,800 + 202 (was 21,759). */
    if (sizeof(void *) == 8) {
        assert_int_equal(sizeof(struct dnp3_outstation), 1864);
        assert_int_equal(sizeof(dnp3i_item_t), 24);
        assert_int_equal(dnp3_outstation_memory(o) - eb, 3948);
        assert_int_equal(dnp3_outstation_memory(o), 16510);
    }
    /* The counters are the defined codes and statuses only. */
    assert_int_equal(sizeof(dnp3i_os_counters_t), (38 + 22 + 19) * 8);
    dnp3_outstation_free(o);

    /* The fragment buffers follow the configuration. */
    cfg.max_rx_fragment = 249;
    cfg.max_tx_fragment = 512;
    cfg.events.class_capacity[1] = 0;
    cfg.events.class_capacity[2] = 0;
    assert_int_equal(dnp3_outstation_new(&cfg, db, NULL, NULL, &o), 0);
    assert_int_equal(dnp3_outstation_memory(o),
                     sizeof(struct dnp3_outstation) + 36 + 512 + eb - 200 * PER_EVENT);
    dnp3_outstation_free(o);

    /* Requests larger than responses: tx holds a READ's index lists. */
    cfg.max_rx_fragment = 1000;
    cfg.device_name = "rtu-7";
    cfg.location = "";
    assert_int_equal(dnp3_outstation_new(&cfg, db, NULL, NULL, &o), 0);
    assert_int_equal(dnp3_outstation_memory(o),
                     sizeof(struct dnp3_outstation) + 36 + 1000 + eb - 200 * PER_EVENT);
    dnp3_outstation_free(o);
    assert_int_equal(dnp3_outstation_memory(NULL), 0);
    dnp3_db_free(db);
}

/* The counters API keeps its meaning for the defined codes and statuses;
 * the others are summed in requests_other / controls_other. */
static void counters_slots(void **state)
{
    (void)state;
    assert_int_equal(dnp3i_os_fc_slot(0x00), 0);
    assert_int_equal(dnp3i_os_fc_slot(0x21), 0x21);
    assert_int_equal(dnp3i_os_fc_slot(0x22), DNP3I_OS_FC_SLOTS - 1);
    assert_int_equal(dnp3i_os_fc_slot(0x81), 34);
    assert_int_equal(dnp3i_os_fc_slot(0x83), 36);
    assert_int_equal(dnp3i_os_fc_slot(0xFF), DNP3I_OS_FC_SLOTS - 1);
    assert_int_equal(dnp3i_os_cs_slot(18), 18);
    assert_int_equal(dnp3i_os_cs_slot(19), DNP3I_OS_CS_SLOTS - 1);
    assert_int_equal(dnp3i_os_cs_slot(126), 19);
    assert_int_equal(dnp3i_os_cs_slot(127), 20);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(event_buffer_defaults),
        cmocka_unit_test(outstation_defaults),
        cmocka_unit_test(counters_slots),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
