/* Event buffers: what the compact layout must keep. 32-bit links and
 * entries above 65,534 events (the same behaviour as with 16-bit ones),
 * 32-bit sequence numbers that order events across the 2^32 boundary and
 * are given back whole, an event left behind by 2^30 newer ones discarded
 * as on overflow (counted, IIN2.3), and the capacity limit checked at
 * creation. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dnp3/database.h"
#include "outstation/event_buffer_internal.h"

#define T0 1700000000000ull

static dnp3_db_t *db;
static dnp3_event_buffer_t *buf;

/* 1,000 analogs in class 1, 8 counters in class 3. */
static void open_db(void)
{
    dnp3_db_config_t cfg;
    dnp3_db_config_default(&cfg);
    cfg.count[DNP3_PT_ANALOG] = 1000;
    cfg.count[DNP3_PT_COUNTER] = 8;
    cfg.defaults[DNP3_PT_COUNTER].event_class = DNP3_CLASS_3;
    cfg.batch_capacity = 1024;
    assert_int_equal(dnp3_db_new(&cfg, &db), 0);
}

static void open_buf(uint32_t c1, uint32_t c3)
{
    dnp3_event_buffer_config_t bc;
    dnp3_event_buffer_config_default(&bc);
    bc.class_capacity[0] = c1;
    bc.class_capacity[2] = c3;
    assert_int_equal(dnp3_event_buffer_new(db, &bc, &buf), 0);
}

static int teardown(void **state)
{
    (void)state;
    dnp3_event_buffer_free(buf);
    buf = NULL;
    dnp3_db_free(db);
    db = NULL;
    return 0;
}

static void analog(uint32_t n, uint64_t first_value)
{
    for (uint32_t k = 0; k < n; k++) {
        uint64_t v = first_value + k;
        assert_int_equal(dnp3_db_update_analog(db, (uint32_t)(v % 1000), (double)v, 1, T0 + v), 0);
    }
}

static uint64_t counter_of(uint64_t (*cells)[DNP3_EV_TYPE_COUNT_], unsigned c, unsigned t)
{
    return cells[c][t];
}

/* 70,001 events into a buffer of 70,000: one discarded, the oldest; the
 * rest selected in order with their values, then confirmed. */
static void test_wide_buffer_above_65534(void **state)
{
    (void)state;
    open_db();
    open_buf(70000, 0);
    assert_false(buf->narrow);
    for (uint64_t v = 1; v <= 70001; v += 1000) {
        assert_int_equal(dnp3_db_begin(db), 0);
        analog(v + 1000 > 70002 ? (uint32_t)(70002 - v) : 1000, v);
        assert_true(dnp3_db_commit(db) >= 0);
    }
    dnp3_event_buffer_counters_t c;
    assert_int_equal(dnp3_event_buffer_counters(buf, &c), 0);
    assert_int_equal(counter_of(c.discarded, 0, DNP3_PT_ANALOG), 1);
    assert_int_equal(dnp3_event_buffer_count(buf, 1, false), 70000);
    assert_true(dnp3_event_buffer_overflow(buf));
    assert_int_equal(dnp3_event_buffer_select(buf, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL, 70000),
                     70000);
    dnp3_event_t ev;
    for (uint32_t i = 0; i < 70000; i += 6999) {
        assert_int_equal(dnp3_event_buffer_selected(buf, i, &ev), 0);
        assert_int_equal(ev.seq, i + 2);
        assert_true(ev.value.analog == (double)(i + 2));
        assert_int_equal(ev.index, (i + 2) % 1000);
        assert_int_equal(ev.time, T0 + i + 2);
    }
    assert_int_equal(dnp3_event_buffer_write(buf, 70000, 3, true), 70000);
    assert_int_equal(dnp3_event_buffer_confirm(buf, 3, true), 70000);
    assert_int_equal(dnp3_event_buffer_counters(buf, &c), 0);
    assert_int_equal(counter_of(c.confirmed, 0, DNP3_PT_ANALOG), 70000);
    assert_int_equal(dnp3_event_buffer_count(buf, 1, false), 0);
}

/* Sequence numbers 2^32 - 2 .. 2^32 + 1 across two classes: selected in
 * that order, given back as 64-bit numbers. */
static void test_sequence_numbers_across_2_pow_32(void **state)
{
    (void)state;
    open_db();
    open_buf(100, 100);
    assert_true(buf->narrow);
    db->next_seq = (1ull << 32) - 2;
    assert_int_equal(dnp3_db_update_counter(db, 0, 1, 1, T0), 0); /* 2^32 - 2, class 3 */
    analog(1, 1);                                                 /* 2^32 - 1, class 1 */
    assert_int_equal(dnp3_db_update_counter(db, 1, 1, 1, T0), 0); /* 2^32, class 3 */
    analog(1, 2);                                                 /* 2^32 + 1, class 1 */
    assert_int_equal(dnp3_event_buffer_select(buf, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL, 10), 4);
    const dnp3_point_type_t types[4] = {DNP3_PT_COUNTER, DNP3_PT_ANALOG, DNP3_PT_COUNTER,
                                        DNP3_PT_ANALOG};
    for (uint32_t i = 0; i < 4; i++) {
        dnp3_event_t ev;
        assert_int_equal(dnp3_event_buffer_selected(buf, i, &ev), 0);
        assert_int_equal(ev.seq, (1ull << 32) - 2 + i);
        assert_int_equal(ev.type, types[i]);
    }
}

/* A class-3 event nobody reads while 2^30 newer events are made: it is
 * discarded as on overflow (counted, IIN2.3) at the next check, so the
 * 32-bit numbers of what stays keep their order. */
static void test_event_left_2_pow_30_behind_is_discarded(void **state)
{
    (void)state;
    open_db();
    open_buf(100, 100);
    assert_int_equal(dnp3_db_update_counter(db, 0, 1, 1, T0), 0);
    analog(1, 1);
    assert_false(dnp3_event_buffer_overflow(buf));
    db->next_seq += DNP3I_SEQ_SPAN - DNP3I_SEQ_CHECK;
    analog(1, 2);
    dnp3_event_buffer_counters_t c;
    assert_int_equal(dnp3_event_buffer_counters(buf, &c), 0);
    assert_int_equal(counter_of(c.discarded, 2, DNP3_PT_COUNTER), 1);
    assert_int_equal(counter_of(c.discarded, 0, DNP3_PT_ANALOG), 1);
    assert_int_equal(dnp3_event_buffer_count(buf, 3, false), 0);
    assert_int_equal(dnp3_event_buffer_count(buf, 1, false), 1);
    assert_true(dnp3_event_buffer_overflow(buf));
}

/* More than DNP3_EVENT_BUFFER_MAX_EVENTS: refused at creation. */
static void test_capacity_limit(void **state)
{
    (void)state;
    open_db();
    dnp3_event_buffer_config_t bc;
    dnp3_event_buffer_config_default(&bc);
    bc.class_capacity[0] = DNP3_EVENT_BUFFER_MAX_EVENTS;
    bc.class_capacity[1] = 1;
    bc.class_capacity[2] = 0;
    dnp3_event_buffer_t *b = NULL;
    assert_int_equal(dnp3_event_buffer_new(db, &bc, &b), DNP3_E_CAPACITY);
    assert_null(b);
    /* Every type limited: the type capacities are the bound. */
    for (unsigned t = 0; t < DNP3_EV_TYPE_COUNT_; t++)
        bc.type_capacity[t] = 10;
    assert_int_equal(dnp3_event_buffer_new(db, &bc, &b), 0);
    assert_int_equal(b->pool_size, 10 * DNP3_EV_TYPE_COUNT_);
    dnp3_event_buffer_free(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_wide_buffer_above_65534, teardown),
        cmocka_unit_test_teardown(test_sequence_numbers_across_2_pow_32, teardown),
        cmocka_unit_test_teardown(test_event_left_2_pow_30_behind_is_discarded, teardown),
        cmocka_unit_test_teardown(test_capacity_limit, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
