/* A pool of queued tasks shared by associations (dnp3_master_config_t.pool):
 * each association keeps its own caps, a pool that runs out refuses the
 * task with DNP3_E_POOL_EXHAUSTED (counted, logged), freed associations give
 * their slots back, the object bytes of one association's command stay
 * right while another's leave (compaction), and the shared scratch is not
 * read after the call that wrote it (a SELECT's echo is checked against
 * the pooled objects even after another association built a command). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "master_harness.h"

static mh_t h1, h2;
static dnp3_master_pool_t *pool;
static uint16_t h1_max_tasks = 16;

static int teardown(void **state)
{
    (void)state;
    mh_close(&h1);
    mh_close(&h2);
    dnp3_master_pool_free(pool);
    pool = NULL;
    h1_max_tasks = 16;
    return 0;
}

static void make_pool(uint32_t tasks, size_t bytes)
{
    dnp3_master_pool_config_t pc;
    dnp3_master_pool_config_default(&pc);
    pc.max_tasks = tasks;
    pc.max_bytes = bytes;
    assert_int_equal(dnp3_master_pool_new(&pc, &pool), 0);
}

static void shared_h1(dnp3_master_config_t *cfg)
{
    cfg->pool = pool;
    cfg->max_queued_tasks = h1_max_tasks;
}

static void shared_h2(dnp3_master_config_t *cfg)
{
    cfg->pool = pool;
}

static dnp3_master_pool_usage_t usage(void)
{
    dnp3_master_pool_usage_t u;
    assert_int_equal(dnp3_master_pool_usage(pool, &u), 0);
    return u;
}

static uint64_t exhausted(const mh_t *h)
{
    dnp3_master_counters_t c;
    assert_int_equal(dnp3_master_assoc_counters(h->a, &c), 0);
    return c.pool_exhausted;
}

/* Three slots for two associations; the first may queue two tasks. */
static void slots_shared_caps_kept(void **state)
{
    (void)state;
    make_pool(3, 64);
    h1_max_tasks = 2;
    mh_open(&h1, shared_h1);
    mh_open(&h2, shared_h2);
    h2.record_logs = true;
    assert_int_equal(usage().associations, 2);
    assert_int_equal(dnp3_master_assoc_integrity_poll(h1.a, h1.now), 1);
    assert_int_equal(dnp3_master_assoc_integrity_poll(h1.a, h1.now), 2);
    /* its own cap, with a slot still free in the pool */
    assert_int_equal(dnp3_master_assoc_integrity_poll(h1.a, h1.now), DNP3_E_QUEUE_FULL);
    assert_int_equal(exhausted(&h1), 0);
    assert_int_equal(dnp3_master_assoc_class_poll(h2.a, h2.now, DNP3_MASTER_CLASS_1), 1);
    assert_int_equal(usage().tasks, 3);
    /* the pool's last slot is gone: refused, counted, logged */
    assert_int_equal(dnp3_master_assoc_class_poll(h2.a, h2.now, DNP3_MASTER_CLASS_1),
                     DNP3_E_POOL_EXHAUSTED);
    assert_int_equal(exhausted(&h2), 1);
    mh_expect_events(&h2, "log WARN assoc 1->10: task refused: shared pool exhausted (3 of 3 "
                          "tasks, 0 of 64 bytes in use, 0 asked)\n");
    /* the first association goes: its tasks are cancelled, its slots free */
    mh_close(&h1);
    mh_expect_events(&h1, "task integrity 1 CANCELLED\ntask integrity 2 CANCELLED\n");
    assert_int_equal(usage().tasks, 1);
    assert_int_equal(usage().associations, 1);
    assert_int_equal(dnp3_master_assoc_class_poll(h2.a, h2.now, DNP3_MASTER_CLASS_1), 2);
    assert_int_equal(usage().tasks, 2);
    /* the tasks run as usual once the link is up */
    mh_link_up(&h2);
    mh_expect_tx(&h2, "C0 15 3C 02 06 3C 03 06 3C 04 06");
}

/* LATCH_ON, count 1, on 100 ms, off 200 ms: 16 object bytes each. */
#define CROB(i) "0C 01 17 01 0" #i " 03 01 64 00 00 00 C8 00 00 00 00"

static const dnp3_command_point_t latch3 = {
    .group = 12, .variation = 1, .index = 3, .code = 0x03, .count = 1, .on_ms = 100, .off_ms = 200};
static const dnp3_command_point_t latch4 = {
    .group = 12, .variation = 1, .index = 4, .code = 0x03, .count = 1, .on_ms = 100, .off_ms = 200};
static const dnp3_command_point_t latch5 = {
    .group = 12, .variation = 1, .index = 5, .code = 0x03, .count = 1, .on_ms = 100, .off_ms = 200};

/* 40 bytes: two commands' objects. */
static void bytes_shared_and_compacted(void **state)
{
    (void)state;
    make_pool(8, 40);
    mh_open(&h1, shared_h1);
    mh_open(&h2, shared_h2);
    mh_startup(&h1);
    mh_startup(&h2);
    h2.record_logs = true;
    assert_int_equal(
        dnp3_master_assoc_operate(h1.a, h1.now, DNP3_COMMAND_SELECT_OPERATE, &latch3, 1), 1);
    assert_int_equal(dnp3_master_assoc_operate(h2.a, h2.now, DNP3_COMMAND_DIRECT, &latch4, 1), 1);
    assert_int_equal(usage().bytes, 32);
    assert_int_equal(dnp3_master_assoc_operate(h2.a, h2.now, DNP3_COMMAND_DIRECT, &latch5, 1),
                     DNP3_E_POOL_EXHAUSTED);
    mh_expect_events(&h2, "log WARN assoc 1->10: task refused: shared pool exhausted (2 of 8 "
                          "tasks, 32 of 40 bytes in use, 16 asked)\n");
    assert_int_equal(exhausted(&h2), 1);
    h2.record_logs = false;

    mh_expect_tx(&h1, "C2 03 " CROB(3));
    mh_expect_tx(&h2, "C2 05 " CROB(4));
    /* The scratch is overwritten by another association's command (refused
     * here for want of bytes, but built first): the SELECT's echo is
     * checked against the pooled objects, not the scratch. */
    assert_int_equal(dnp3_master_assoc_operate(h2.a, h2.now, DNP3_COMMAND_DIRECT, &latch5, 1),
                     DNP3_E_POOL_EXHAUSTED);
    mh_clear_events(&h2);
    mh_rx(&h1, "C2 81 00 00 " CROB(3));
    mh_expect_tx(&h1, "C3 04 " CROB(3));
    mh_rx(&h1, "C3 81 00 00 " CROB(3));
    mh_expect_events(&h1, "command 1 SUCCESS [SUCCESS]\n");
    /* h1's bytes left from the front of the pool: h2's moved down, and
     * its echo is still checked against its own objects. */
    assert_int_equal(usage().bytes, 16);
    mh_rx(&h2, "C2 81 00 00 " CROB(4));
    mh_expect_events(&h2, "command 1 SUCCESS [SUCCESS]\n");
    assert_int_equal(usage().bytes, 0);
    assert_int_equal(usage().tasks, 0);
    /* room again */
    assert_int_equal(dnp3_master_assoc_operate(h2.a, h2.now, DNP3_COMMAND_DIRECT, &latch5, 1), 2);
    mh_expect_tx(&h2, "C3 05 " CROB(5));
}

/* A task removed from the middle of the pool: the bytes after it move
 * down and the tasks that own them send their own objects. */
static void middle_removed(void **state)
{
    (void)state;
    make_pool(8, 256);
    mh_open(&h1, shared_h1);
    mh_open(&h2, shared_h2);
    assert_int_equal(dnp3_master_assoc_operate(h2.a, h2.now, DNP3_COMMAND_DIRECT, &latch3, 1), 1);
    assert_int_equal(dnp3_master_assoc_operate(h1.a, h1.now, DNP3_COMMAND_DIRECT, &latch4, 1), 1);
    assert_int_equal(dnp3_master_assoc_operate(h2.a, h2.now, DNP3_COMMAND_DIRECT, &latch5, 1), 2);
    mh_close(&h1); /* its command, between h2's two, is cancelled */
    mh_expect_events(&h1, "command 1 CANCELLED\n");
    assert_int_equal(usage().bytes, 32);
    mh_link_up(&h2); /* commands first, ahead of the start-up */
    mh_expect_tx(&h2, "C0 05 " CROB(3));
    mh_rx(&h2, "C0 81 00 00 " CROB(3));
    mh_expect_tx(&h2, "C1 05 " CROB(5));
    mh_rx(&h2, "C1 81 00 00 " CROB(5));
    mh_expect_events(&h2, "state connected\ncommand 1 SUCCESS [SUCCESS]\n"
                          "command 2 SUCCESS [SUCCESS]\n");
    assert_int_equal(usage().bytes, 0);
}

static void config_checked(void **state)
{
    (void)state;
    dnp3_master_pool_config_t pc;
    dnp3_master_pool_config_default(&pc);
    assert_int_equal(pc.max_tasks, 1024);
    assert_int_equal(pc.max_bytes, 65536);
    assert_int_equal(pc.max_tx_fragment, 2048);
    dnp3_master_pool_t *p = (dnp3_master_pool_t *)1;
    assert_int_equal(dnp3_master_pool_new(NULL, &p), DNP3_E_INVALID_ARG);
    assert_null(p);
    assert_int_equal(dnp3_master_pool_new(&pc, NULL), DNP3_E_INVALID_ARG);
    pc.max_tasks = 0;
    assert_int_equal(dnp3_master_pool_new(&pc, &p), DNP3_E_INVALID_ARG);
    pc.max_tasks = 1;
    pc.max_tx_fragment = 248;
    assert_int_equal(dnp3_master_pool_new(&pc, &p), DNP3_E_INVALID_ARG);
    pc.max_tx_fragment = 65536;
    assert_int_equal(dnp3_master_pool_new(&pc, &p), DNP3_E_INVALID_ARG);
    pc.max_tx_fragment = 1024;
    pc.max_bytes = 0; /* polls only: no object bytes */
    assert_int_equal(dnp3_master_pool_new(&pc, &pool), 0);
    /* an association whose requests would not fit the pool's scratch */
    dnp3_master_config_t c;
    dnp3_master_config_default(&c);
    c.pool = pool;
    dnp3_master_assoc_t *a = (dnp3_master_assoc_t *)1;
    assert_int_equal(dnp3_master_assoc_new(&c, NULL, NULL, &a), DNP3_E_INVALID_ARG);
    assert_null(a);
    c.max_tx_fragment = 1024;
    assert_int_equal(dnp3_master_assoc_new(&c, NULL, NULL, &a), 0);
    assert_int_equal(usage().associations, 1);
    /* a command needs bytes the pool does not have; a poll needs none */
    assert_int_equal(dnp3_master_assoc_operate(a, 0, DNP3_COMMAND_DIRECT, &latch3, 1),
                     DNP3_E_POOL_EXHAUSTED);
    assert_int_equal(dnp3_master_assoc_integrity_poll(a, 0), 1);
    dnp3_master_assoc_free(a);
    assert_int_equal(usage().associations, 0);
    assert_int_equal(usage().tasks, 0);
    dnp3_master_pool_usage_t u;
    assert_int_equal(dnp3_master_pool_usage(NULL, &u), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_master_pool_memory(NULL), 0);
    dnp3_master_pool_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(slots_shared_caps_kept, teardown),
        cmocka_unit_test_teardown(bytes_shared_and_compacted, teardown),
        cmocka_unit_test_teardown(middle_removed, teardown),
        cmocka_unit_test_teardown(config_checked, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
