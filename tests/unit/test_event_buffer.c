/* Event buffers: sequence-of-events order across types, the response life
 * cycle (select -> written in fragment S -> confirm S, or back to unwritten
 * on confirm timeout / new connection), overflow under both policies with
 * exact counts (IIN2.3), per-class and per-type limits, most-recent mode,
 * several buffers over one database (IEEE 1815-2012 4.2.2.7.2 for IIN2.3). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dnp3/database.h"

#define T0 1700000000000ull

static dnp3_db_t *db;
static dnp3_event_buffer_t *buf;
static uint32_t next_value = 1;

/* 8 points of every type; binaries class 1, analogs class 2, counters
 * class 3, the rest class 1. */
static void open_db(uint8_t mode)
{
    dnp3_db_config_t cfg;
    dnp3_db_config_default(&cfg);
    for (unsigned t = 0; t < DNP3_PT_COUNT_; t++) {
        cfg.count[t] = 8;
        cfg.defaults[t].event_mode = mode;
    }
    cfg.defaults[DNP3_PT_ANALOG].event_class = DNP3_CLASS_2;
    cfg.defaults[DNP3_PT_COUNTER].event_class = DNP3_CLASS_3;
    assert_int_equal(dnp3_db_new(&cfg, &db), 0);
    next_value = 1;
}

static dnp3_event_buffer_t *open_buf(uint32_t c1, uint32_t c2, uint32_t c3, uint8_t policy)
{
    dnp3_event_buffer_config_t bc;
    dnp3_event_buffer_config_default(&bc);
    bc.class_capacity[0] = c1;
    bc.class_capacity[1] = c2;
    bc.class_capacity[2] = c3;
    bc.overflow_policy = policy;
    dnp3_event_buffer_t *b = NULL;
    assert_int_equal(dnp3_event_buffer_new(db, &bc, &b), 0);
    return b;
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

/* Each call changes the point, so each makes one event. */
static void bi(uint32_t i)
{
    dnp3_db_point_t p;
    assert_int_equal(dnp3_db_read(db, DNP3_PT_BINARY, i, &p), 0);
    assert_int_equal(dnp3_db_update_binary(db, i, !p.value.binary, 1, T0 + next_value++), 0);
}
static void ai(uint32_t i)
{
    assert_int_equal(dnp3_db_update_analog(db, i, (double)next_value, 1, T0 + next_value), 0);
    next_value++;
}
static void ctr(uint32_t i)
{
    assert_int_equal(dnp3_db_update_counter(db, i, next_value, 1, T0 + next_value), 0);
    next_value++;
}

/* For every class and type: added == confirmed + held + discarded + superseded. */
static void check_conservation(const dnp3_event_buffer_t *b)
{
    dnp3_event_buffer_counters_t c;
    assert_int_equal(dnp3_event_buffer_counters(b, &c), 0);
    for (unsigned k = 0; k < 3; k++) {
        uint64_t held = 0;
        for (unsigned t = 0; t < DNP3_EV_TYPE_COUNT_; t++) {
            assert_int_equal(c.added[k][t], c.confirmed[k][t] + c.held[k][t] + c.discarded[k][t] +
                                                c.superseded[k][t]);
            held += c.held[k][t];
        }
        assert_int_equal(held, dnp3_event_buffer_count(b, (uint8_t)(k + 1), false));
    }
}

/* End any earlier selection, select (mask, max) and expect exactly these
 * (type, index) pairs in order; sequence numbers strictly increase. The
 * selection stays open. */
typedef struct want {
    dnp3_point_type_t type;
    uint32_t index;
} want_t;

static void expect_selection(dnp3_event_buffer_t *b, uint8_t mask, uint32_t max, const want_t *w,
                             uint32_t n)
{
    assert_true(dnp3_event_buffer_write(b, 0, 0, false) >= 0);
    assert_int_equal(dnp3_event_buffer_select(b, mask, DNP3_TYPE_MASK_ALL, max), n);
    uint64_t last = 0;
    for (uint32_t i = 0; i < n; i++) {
        dnp3_event_t ev;
        assert_int_equal(dnp3_event_buffer_selected(b, i, &ev), 0);
        assert_int_equal(ev.type, w[i].type);
        assert_int_equal(ev.index, w[i].index);
        assert_true(ev.seq > last);
        last = ev.seq;
    }
    dnp3_event_t ev;
    assert_int_equal(dnp3_event_buffer_selected(b, n, &ev), DNP3_E_INVALID_ARG);
}

#define B(i)                                                                                       \
    {                                                                                              \
        DNP3_PT_BINARY, (i)                                                                        \
    }
#define A(i)                                                                                       \
    {                                                                                              \
        DNP3_PT_ANALOG, (i)                                                                        \
    }
#define C(i)                                                                                       \
    {                                                                                              \
        DNP3_PT_COUNTER, (i)                                                                       \
    }
#define BC(i)                                                                                      \
    {                                                                                              \
        DNP3_EV_BINARY_COMMAND, (i)                                                                \
    }
#define AC(i)                                                                                      \
    {                                                                                              \
        DNP3_EV_ANALOG_COMMAND, (i)                                                                \
    }
#define N(a) ((uint32_t)(sizeof(a) / sizeof((a)[0])))

/* A control carried out: a command event of class 1 (g13v2 / g43v3). */
static void cmd(dnp3_point_type_t kind, uint32_t i)
{
    dnp3_event_t ev = {.type = kind, .index = i, .event_class = DNP3_CLASS_1, .status = 4};
    ev.time = T0 + next_value;
    if (kind == DNP3_EV_BINARY_COMMAND)
        ev.value.binary = true;
    else
        ev.value.analog = (double)next_value;
    next_value++;
    assert_int_equal(dnp3_db_record_command_event(db, &ev), 1);
}

static void test_soe_order_across_types_and_classes(void **state)
{
    (void)state;
    open_db(DNP3_EVENT_MODE_ALL);
    buf = open_buf(10, 10, 10, DNP3_OVERFLOW_DISCARD_OLDEST);
    bi(0), ai(1), ctr(2), bi(3), ai(4), ctr(5), bi(0);
    const want_t all[] = {B(0), A(1), C(2), B(3), A(4), C(5), B(0)};
    expect_selection(buf, DNP3_CLASS_MASK_ALL, 100, all, N(all));
    const want_t c2[] = {A(1), A(4)};
    expect_selection(buf, DNP3_CLASS_MASK_2, 100, c2, N(c2));
    const want_t c13[] = {B(0), C(2), B(3)};
    expect_selection(buf, DNP3_CLASS_MASK_1 | DNP3_CLASS_MASK_3, 3, c13, N(c13));
    assert_int_equal(dnp3_event_buffer_select(buf, 0, DNP3_TYPE_MASK_ALL, 100), 0);
    assert_int_equal(dnp3_event_buffer_write(buf, 0, 0, false), 0); /* abandon the selection */
    assert_int_equal(dnp3_event_buffer_count(buf, 1, false), 3);
    assert_int_equal(dnp3_event_buffer_count(buf, 2, true), 2);
    assert_int_equal(dnp3_event_buffer_count(buf, 3, true), 2);
    assert_int_equal(dnp3_event_buffer_count(buf, 4, true), 0);
    assert_false(dnp3_event_buffer_overflow(buf));
    check_conservation(buf);
}

/* Walk the whole selection: (type, index) pairs in SOE order. */
static void expect_selected(dnp3_event_buffer_t *b, const want_t *w, uint32_t n)
{
    assert_int_equal(dnp3_event_buffer_selected_count(b), n);
    uint64_t last = 0;
    for (uint32_t i = 0; i < n; i++) {
        dnp3_event_t ev;
        assert_int_equal(dnp3_event_buffer_selected(b, i, &ev), 0);
        assert_int_equal(ev.type, w[i].type);
        assert_int_equal(ev.index, w[i].index);
        assert_true(ev.seq > last);
        last = ev.seq;
    }
}

/* READ g32v0 then g60v2 (class 1) in one request: the selections add up
 * and the response carries them in SOE order, each event once. */
static void test_select_by_type_and_additive(void **state)
{
    (void)state;
    open_db(DNP3_EVENT_MODE_ALL);
    buf = open_buf(10, 10, 10, DNP3_OVERFLOW_DISCARD_OLDEST);
    bi(0), ai(1), ctr(2), bi(3), ai(4), ai(5);
    assert_int_equal(
        dnp3_event_buffer_select(buf, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK(DNP3_PT_ANALOG), 2), 2);
    const want_t analogs[] = {A(1), A(4)};
    expect_selected(buf, analogs, N(analogs));
    assert_int_equal(dnp3_event_buffer_select(buf, DNP3_CLASS_MASK_1, DNP3_TYPE_MASK_ALL, 100), 2);
    const want_t merged[] = {B(0), A(1), B(3), A(4)};
    expect_selected(buf, merged, N(merged));
    /* Class 2 of the counter type only: nothing (counters are class 3). */
    assert_int_equal(
        dnp3_event_buffer_select(buf, DNP3_CLASS_MASK_2, DNP3_TYPE_MASK(DNP3_PT_COUNTER), 100), 0);
    /* Everything else: the rest slots into SOE order. */
    assert_int_equal(dnp3_event_buffer_select(buf, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL, 100),
                     2);
    const want_t all[] = {B(0), A(1), C(2), B(3), A(4), A(5)};
    expect_selected(buf, all, N(all));
    /* The first 4 fit the fragment. */
    assert_int_equal(dnp3_event_buffer_write(buf, 4, 2, false), 4);
    assert_int_equal(dnp3_event_buffer_selected_count(buf), 0);
    const want_t rest[] = {A(4), A(5)};
    expect_selection(buf, DNP3_CLASS_MASK_ALL, 10, rest, N(rest));
    check_conservation(buf);
}

static void test_select_write_confirm_cycle(void **state)
{
    (void)state;
    open_db(DNP3_EVENT_MODE_ALL);
    buf = open_buf(10, 10, 10, DNP3_OVERFLOW_DISCARD_OLDEST);
    bi(0), bi(1), bi(2), bi(3), bi(4);
    /* A response selects 3, has room for 2: fragment seq 4. */
    assert_int_equal(dnp3_event_buffer_select(buf, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL, 3), 3);
    assert_int_equal(dnp3_event_buffer_count(buf, 1, true), 2);
    assert_int_equal(dnp3_event_buffer_write(buf, 2, 4, false), 2);
    assert_int_equal(dnp3_event_buffer_count(buf, 1, true), 3); /* the third is back */
    assert_int_equal(dnp3_event_buffer_count(buf, 1, false), 5);
    /* Next fragment (seq 5) carries the rest, in order. */
    const want_t rest[] = {B(2), B(3), B(4)};
    expect_selection(buf, DNP3_CLASS_MASK_ALL, 10, rest, N(rest));
    assert_int_equal(dnp3_event_buffer_write(buf, 3, 5, false), 3);
    assert_int_equal(dnp3_event_buffer_count(buf, 1, true), 0);
    /* A confirm of another sequence number removes nothing. */
    assert_int_equal(dnp3_event_buffer_confirm(buf, 6, false), 0);
    assert_int_equal(dnp3_event_buffer_confirm(buf, 4, true), 0); /* unsolicited space */
    assert_int_equal(dnp3_event_buffer_confirm(buf, 4, false), 2);
    assert_int_equal(dnp3_event_buffer_count(buf, 1, false), 3);
    assert_int_equal(dnp3_event_buffer_confirm(buf, 4, false), 0); /* repeated confirm */
    assert_int_equal(dnp3_event_buffer_confirm(buf, 5, false), 3);
    assert_int_equal(dnp3_event_buffer_count(buf, 1, false), 0);
    dnp3_event_buffer_counters_t c;
    assert_int_equal(dnp3_event_buffer_counters(buf, &c), 0);
    assert_int_equal(c.confirmed[0][DNP3_PT_BINARY], 5);
    assert_int_equal(c.written, 5);
    assert_int_equal(c.returned, 0);
    check_conservation(buf);
    assert_int_equal(dnp3_event_buffer_write(buf, 1, 0, false), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_event_buffer_write(buf, 0, 16, false), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_event_buffer_confirm(buf, 16, false), DNP3_E_INVALID_ARG);
}

static void test_confirm_timeout_resends_in_order(void **state)
{
    (void)state;
    open_db(DNP3_EVENT_MODE_ALL);
    buf = open_buf(10, 10, 10, DNP3_OVERFLOW_DISCARD_OLDEST);
    bi(0), ai(0);
    assert_int_equal(dnp3_event_buffer_select(buf, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL, 10), 2);
    assert_int_equal(dnp3_event_buffer_write(buf, 2, 9, false), 2);
    bi(1); /* arrives while the response waits for its confirm */
    /* Confirm timeout: both go back and keep their place before the new one. */
    assert_int_equal(dnp3_event_buffer_unwrite(buf, 9, false), 2);
    const want_t again[] = {B(0), A(0), B(1)};
    expect_selection(buf, DNP3_CLASS_MASK_ALL, 10, again, N(again));
    assert_int_equal(dnp3_event_buffer_write(buf, 3, 10, false), 3);
    assert_int_equal(dnp3_event_buffer_confirm(buf, 9, false), 0); /* late confirm: stale */
    assert_int_equal(dnp3_event_buffer_confirm(buf, 10, false), 3);
    dnp3_event_buffer_counters_t c;
    assert_int_equal(dnp3_event_buffer_counters(buf, &c), 0);
    assert_int_equal(c.written, 5);
    assert_int_equal(c.returned, 2);
    check_conservation(buf);
}

static void test_new_connection_returns_everything(void **state)
{
    (void)state;
    open_db(DNP3_EVENT_MODE_ALL);
    buf = open_buf(10, 10, 10, DNP3_OVERFLOW_DISCARD_OLDEST);
    bi(0), bi(1), bi(2), bi(3);
    /* An unsolicited response (seq 0) and a solicited one (seq 0) in flight,
     * and an open selection. */
    assert_int_equal(dnp3_event_buffer_select(buf, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL, 1), 1);
    assert_int_equal(dnp3_event_buffer_write(buf, 1, 0, true), 1);
    assert_int_equal(dnp3_event_buffer_select(buf, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL, 2), 2);
    assert_int_equal(dnp3_event_buffer_write(buf, 2, 0, false), 2);
    assert_int_equal(dnp3_event_buffer_select(buf, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL, 5), 1);
    assert_int_equal(dnp3_event_buffer_count(buf, 1, true), 0);
    /* The connection is lost: everything is unwritten again, in order. */
    assert_int_equal(dnp3_event_buffer_unwrite_all(buf), 4);
    assert_int_equal(dnp3_event_buffer_count(buf, 1, true), 4);
    const want_t all[] = {B(0), B(1), B(2), B(3)};
    expect_selection(buf, DNP3_CLASS_MASK_ALL, 10, all, N(all));
    assert_int_equal(dnp3_event_buffer_confirm(buf, 0, true), 0);
    assert_int_equal(dnp3_event_buffer_confirm(buf, 0, false), 0);
    check_conservation(buf);
}

/* Class 1 holds 3; five events arrive. */
static void test_overflow_discard_oldest(void **state)
{
    (void)state;
    open_db(DNP3_EVENT_MODE_ALL);
    buf = open_buf(3, 10, 10, DNP3_OVERFLOW_DISCARD_OLDEST);
    bi(0), bi(1), bi(2);
    assert_false(dnp3_event_buffer_overflow(buf));
    bi(3), bi(4);
    assert_true(dnp3_event_buffer_overflow(buf));
    const want_t kept[] = {B(2), B(3), B(4)};
    expect_selection(buf, DNP3_CLASS_MASK_ALL, 10, kept, N(kept));
    dnp3_event_buffer_counters_t c;
    assert_int_equal(dnp3_event_buffer_counters(buf, &c), 0);
    assert_int_equal(c.added[0][DNP3_PT_BINARY], 5);
    assert_int_equal(c.discarded[0][DNP3_PT_BINARY], 2);
    assert_int_equal(c.held[0][DNP3_PT_BINARY], 3);
    assert_int_equal(c.overflows, 2);
    check_conservation(buf);
    /* Other classes are not affected by class 1 being full. */
    ai(0);
    assert_int_equal(dnp3_event_buffer_count(buf, 2, false), 1);
    dnp3_event_buffer_clear_overflow(buf);
    assert_false(dnp3_event_buffer_overflow(buf));
}

static void test_overflow_discard_newest(void **state)
{
    (void)state;
    open_db(DNP3_EVENT_MODE_ALL);
    buf = open_buf(3, 10, 10, DNP3_OVERFLOW_DISCARD_NEWEST);
    bi(0), bi(1), bi(2), bi(3), bi(4);
    assert_true(dnp3_event_buffer_overflow(buf));
    const want_t kept[] = {B(0), B(1), B(2)};
    expect_selection(buf, DNP3_CLASS_MASK_ALL, 10, kept, N(kept));
    dnp3_event_buffer_counters_t c;
    assert_int_equal(dnp3_event_buffer_counters(buf, &c), 0);
    assert_int_equal(c.added[0][DNP3_PT_BINARY], 5);
    assert_int_equal(c.discarded[0][DNP3_PT_BINARY], 2);
    assert_int_equal(c.held[0][DNP3_PT_BINARY], 3);
    check_conservation(buf);
    /* Room again after a confirm. */
    assert_int_equal(dnp3_event_buffer_write(buf, 3, 1, false), 3);
    assert_int_equal(dnp3_event_buffer_confirm(buf, 1, false), 3);
    bi(5);
    assert_int_equal(dnp3_event_buffer_count(buf, 1, false), 1);
    check_conservation(buf);
}

static void test_per_type_limit(void **state)
{
    (void)state;
    open_db(DNP3_EVENT_MODE_ALL);
    /* Binaries and analogs share class 1 here. */
    assert_int_equal(dnp3_db_assign_class(db, DNP3_PT_ANALOG, 0, 7, DNP3_CLASS_1), 8);
    dnp3_event_buffer_config_t bc;
    dnp3_event_buffer_config_default(&bc);
    bc.class_capacity[0] = 10;
    bc.type_capacity[DNP3_PT_ANALOG] = 2;
    assert_int_equal(dnp3_event_buffer_new(db, &bc, &buf), 0);
    ai(0), bi(0), ai(1), bi(1), ai(2);
    /* The analog type is full at 2: its oldest (A0) goes, binaries stay. */
    const want_t kept[] = {B(0), A(1), B(1), A(2)};
    expect_selection(buf, DNP3_CLASS_MASK_ALL, 10, kept, N(kept));
    dnp3_event_buffer_counters_t c;
    assert_int_equal(dnp3_event_buffer_counters(buf, &c), 0);
    assert_int_equal(c.discarded[0][DNP3_PT_ANALOG], 1);
    assert_int_equal(c.discarded[0][DNP3_PT_BINARY], 0);
    assert_true(dnp3_event_buffer_overflow(buf));
    check_conservation(buf);
}

/* Command events (g13/g43) are events of the buffer like the others: one
 * sequence of events with the point events around them, the per-type limit
 * and overflow policy of their kind, select by type, written, returned on
 * a confirm timeout, confirmed, each step counted. */
static void test_command_events_share_the_life_cycle(void **state)
{
    (void)state;
    open_db(DNP3_EVENT_MODE_ALL);
    dnp3_event_buffer_config_t bc;
    dnp3_event_buffer_config_default(&bc);
    bc.class_capacity[0] = 10;
    bc.type_capacity[DNP3_EV_BINARY_COMMAND] = 2;
    assert_int_equal(dnp3_event_buffer_new(db, &bc, &buf), 0);
    dnp3_event_buffer_t *other = open_buf(10, 10, 10, DNP3_OVERFLOW_DISCARD_OLDEST);
    bi(0), cmd(DNP3_EV_BINARY_COMMAND, 5), ai(0), cmd(DNP3_EV_ANALOG_COMMAND, 2);
    cmd(DNP3_EV_BINARY_COMMAND, 6), cmd(DNP3_EV_BINARY_COMMAND, 7);
    /* g13 is full at 2: its oldest (index 5) goes, counted, IIN2.3. */
    dnp3_event_buffer_counters_t c;
    assert_int_equal(dnp3_event_buffer_counters(buf, &c), 0);
    assert_int_equal(c.added[0][DNP3_EV_BINARY_COMMAND], 3);
    assert_int_equal(c.discarded[0][DNP3_EV_BINARY_COMMAND], 1);
    assert_int_equal(c.held[0][DNP3_EV_BINARY_COMMAND], 2);
    assert_int_equal(c.held[0][DNP3_EV_ANALOG_COMMAND], 1);
    assert_int_equal(c.overflows, 1);
    assert_true(dnp3_event_buffer_overflow(buf));
    const want_t kept[] = {B(0), A(0), AC(2), BC(6), BC(7)};
    expect_selection(buf, DNP3_CLASS_MASK_ALL, 10, kept, N(kept));
    /* The other association has its own buffer: it sees every command. */
    const want_t all[] = {B(0), BC(5), A(0), AC(2), BC(6), BC(7)};
    expect_selection(other, DNP3_CLASS_MASK_ALL, 10, all, N(all));
    dnp3_event_t ev;
    assert_int_equal(dnp3_event_buffer_selected(other, 1, &ev), 0);
    assert_int_equal(ev.seq, 2);
    assert_int_equal(ev.event_class, 1);
    assert_int_equal(ev.variation, 2); /* 0 asked: g13v2 */
    assert_int_equal(ev.status, 4);
    assert_true(ev.value.binary);
    assert_int_equal(ev.time, T0 + 2);
    assert_int_equal(dnp3_event_buffer_selected(other, 3, &ev), 0);
    assert_int_equal(ev.variation, 3); /* g43v3 */
    assert_true(ev.value.analog == 4.0);
    /* READ g13v0: the binary commands only, written in fragment 3. */
    assert_int_equal(dnp3_event_buffer_write(buf, 0, 0, false), 0);
    assert_int_equal(dnp3_event_buffer_select(buf, DNP3_CLASS_MASK_ALL,
                                              DNP3_TYPE_MASK(DNP3_EV_BINARY_COMMAND), 10),
                     2);
    assert_int_equal(dnp3_event_buffer_write(buf, 2, 3, false), 2);
    assert_int_equal(dnp3_event_buffer_count(buf, 1, true), 2);
    /* Confirm timeout: back to unwritten, in their SOE place. */
    assert_int_equal(dnp3_event_buffer_unwrite(buf, 3, false), 2);
    expect_selection(buf, DNP3_CLASS_MASK_1, 10, (const want_t[]){B(0), AC(2), BC(6), BC(7)}, 4);
    assert_int_equal(dnp3_event_buffer_write(buf, 4, 4, false), 4);
    assert_int_equal(dnp3_event_buffer_confirm(buf, 4, false), 4);
    assert_int_equal(dnp3_event_buffer_counters(buf, &c), 0);
    assert_int_equal(c.confirmed[0][DNP3_EV_BINARY_COMMAND], 2);
    assert_int_equal(c.confirmed[0][DNP3_EV_ANALOG_COMMAND], 1);
    assert_int_equal(c.confirmed[0][DNP3_PT_BINARY], 1);
    assert_int_equal(c.held[0][DNP3_EV_BINARY_COMMAND], 0);
    assert_int_equal(c.written, 6);
    assert_int_equal(c.returned, 2);
    assert_int_equal(dnp3_event_buffer_count(buf, 2, false), 1); /* A(0) */
    check_conservation(buf);
    check_conservation(other);
    dnp3_event_buffer_free(other);
}

static void test_zero_capacity_class_counts_everything(void **state)
{
    (void)state;
    open_db(DNP3_EVENT_MODE_ALL);
    buf = open_buf(10, 0, 10, DNP3_OVERFLOW_DISCARD_OLDEST);
    ai(0), ai(1);
    assert_int_equal(dnp3_event_buffer_count(buf, 2, false), 0);
    assert_true(dnp3_event_buffer_overflow(buf));
    dnp3_event_buffer_counters_t c;
    assert_int_equal(dnp3_event_buffer_counters(buf, &c), 0);
    assert_int_equal(c.discarded[1][DNP3_PT_ANALOG], 2);
    check_conservation(buf);
}

static void test_overflow_of_written_and_selected_events(void **state)
{
    (void)state;
    open_db(DNP3_EVENT_MODE_ALL);
    buf = open_buf(3, 10, 10, DNP3_OVERFLOW_DISCARD_OLDEST);
    bi(0), bi(1), bi(2);
    assert_int_equal(dnp3_event_buffer_select(buf, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL, 1), 1);
    assert_int_equal(dnp3_event_buffer_write(buf, 1, 7, false), 1);
    assert_int_equal(dnp3_event_buffer_select(buf, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL, 1), 1);
    bi(3); /* discards B0, written in seq 7 */
    bi(4); /* discards B1, currently selected */
    dnp3_event_t ev;
    assert_int_equal(dnp3_event_buffer_selected(buf, 0, &ev), DNP3_E_STATE);
    assert_int_equal(dnp3_event_buffer_write(buf, 1, 8, false), 0);
    assert_int_equal(dnp3_event_buffer_confirm(buf, 7, false), 0);
    assert_int_equal(dnp3_event_buffer_confirm(buf, 8, false), 0);
    const want_t kept[] = {B(2), B(3), B(4)};
    expect_selection(buf, DNP3_CLASS_MASK_ALL, 10, kept, N(kept));
    dnp3_event_buffer_counters_t c;
    assert_int_equal(dnp3_event_buffer_counters(buf, &c), 0);
    assert_int_equal(c.discarded[0][DNP3_PT_BINARY], 2);
    assert_int_equal(c.confirmed[0][DNP3_PT_BINARY], 0);
    check_conservation(buf);
}

static void test_most_recent_mode(void **state)
{
    (void)state;
    open_db(DNP3_EVENT_MODE_MOST_RECENT);
    buf = open_buf(10, 10, 10, DNP3_OVERFLOW_DISCARD_OLDEST);
    ai(0), ai(1), ai(0), ai(0);
    /* A0's two earlier unwritten events were replaced; the survivor is the
     * latest, in the position of its own sequence number. */
    assert_int_equal(dnp3_event_buffer_select(buf, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL, 10), 2);
    dnp3_event_t ev;
    assert_int_equal(dnp3_event_buffer_selected(buf, 0, &ev), 0);
    assert_int_equal(ev.index, 1);
    assert_int_equal(dnp3_event_buffer_selected(buf, 1, &ev), 0);
    assert_int_equal(ev.index, 0);
    assert_true(ev.value.analog == 4.0);
    /* A written event is not replaced: it may be on its way to the master. */
    assert_int_equal(dnp3_event_buffer_write(buf, 2, 3, false), 2);
    ai(0), ai(0);
    assert_int_equal(dnp3_event_buffer_count(buf, 2, false), 3);
    assert_int_equal(dnp3_event_buffer_count(buf, 2, true), 1);
    /* Returned written events keep their place; a newer one replaces the
     * newest unwritten event of the point. */
    assert_int_equal(dnp3_event_buffer_unwrite(buf, 3, false), 2);
    ai(0);
    const want_t left[] = {A(1), A(0), A(0)};
    expect_selection(buf, DNP3_CLASS_MASK_ALL, 10, left, N(left));
    assert_int_equal(dnp3_event_buffer_selected(buf, 2, &ev), 0);
    assert_true(ev.value.analog == 7.0);
    dnp3_event_buffer_counters_t c;
    assert_int_equal(dnp3_event_buffer_counters(buf, &c), 0);
    assert_int_equal(c.added[1][DNP3_PT_ANALOG], 7);
    assert_int_equal(c.superseded[1][DNP3_PT_ANALOG], 3 + 1); /* v1, v2, v5, v6 */
    check_conservation(buf);
}

/* A recorder association keeps every change of most-recent points. */
static void test_every_change_overrides_most_recent(void **state)
{
    (void)state;
    open_db(DNP3_EVENT_MODE_MOST_RECENT);
    buf = open_buf(10, 10, 10, DNP3_OVERFLOW_DISCARD_OLDEST);
    dnp3_event_buffer_config_t bc;
    dnp3_event_buffer_config_default(&bc);
    assert_false(bc.every_change);
    bc.every_change = true;
    dnp3_event_buffer_t *rec = NULL;
    assert_int_equal(dnp3_event_buffer_new(db, &bc, &rec), 0);
    ai(0), ai(0), ai(0);
    assert_int_equal(dnp3_event_buffer_count(buf, 2, false), 1);
    const want_t three[] = {A(0), A(0), A(0)};
    expect_selection(rec, DNP3_CLASS_MASK_ALL, 10, three, N(three));
    check_conservation(buf);
    check_conservation(rec);
    dnp3_event_buffer_free(rec);
}

static void test_fan_out_to_several_buffers(void **state)
{
    (void)state;
    open_db(DNP3_EVENT_MODE_ALL);
    buf = open_buf(10, 10, 10, DNP3_OVERFLOW_DISCARD_OLDEST);
    dnp3_event_buffer_t *small = open_buf(2, 10, 10, DNP3_OVERFLOW_DISCARD_NEWEST);
    bi(0), bi(1), bi(2);
    /* Each association sees every event, with the same sequence numbers. */
    const want_t all[] = {B(0), B(1), B(2)};
    const want_t first2[] = {B(0), B(1)};
    expect_selection(buf, DNP3_CLASS_MASK_ALL, 10, all, N(all));
    expect_selection(small, DNP3_CLASS_MASK_ALL, 10, first2, N(first2));
    dnp3_event_t e1, e2;
    assert_int_equal(dnp3_event_buffer_selected(buf, 1, &e1), 0);
    assert_int_equal(dnp3_event_buffer_selected(small, 1, &e2), 0);
    assert_int_equal(e1.seq, e2.seq);
    assert_true(dnp3_event_buffer_overflow(small));
    assert_false(dnp3_event_buffer_overflow(buf));
    /* One master's confirm does not touch the other's buffer. */
    assert_int_equal(dnp3_event_buffer_write(small, 2, 0, false), 2);
    assert_int_equal(dnp3_event_buffer_confirm(small, 0, false), 2);
    assert_int_equal(dnp3_event_buffer_count(buf, 1, false), 3);
    check_conservation(buf);
    check_conservation(small);
    /* A buffer leaves; the database goes on feeding the other. */
    dnp3_event_buffer_free(small);
    bi(3);
    assert_int_equal(dnp3_event_buffer_count(buf, 1, false), 4);
    /* A buffer created later sees only events made after it joined. */
    dnp3_event_buffer_t *late = open_buf(10, 10, 10, DNP3_OVERFLOW_DISCARD_OLDEST);
    assert_int_equal(dnp3_event_buffer_count(late, 1, false), 0);
    bi(4);
    assert_int_equal(dnp3_event_buffer_count(late, 1, false), 1);
    dnp3_event_buffer_free(late);
}

static void test_octet_events_keep_their_bytes(void **state)
{
    (void)state;
    open_db(DNP3_EVENT_MODE_ALL);
    buf = open_buf(10, 10, 10, DNP3_OVERFLOW_DISCARD_OLDEST);
    assert_int_equal(dnp3_db_update_octet_string(db, 5, (const uint8_t *)"one", 3, 0, T0), 0);
    assert_int_equal(dnp3_db_update_octet_string(db, 5, (const uint8_t *)"two!", 4, 0, T0), 0);
    assert_int_equal(dnp3_event_buffer_select(buf, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL, 10), 2);
    dnp3_event_t ev;
    assert_int_equal(dnp3_event_buffer_selected(buf, 0, &ev), 0);
    assert_int_equal(ev.type, DNP3_PT_OCTET_STRING);
    assert_int_equal(ev.value.octets.len, 3);
    assert_memory_equal(ev.value.octets.data, "one", 3);
    assert_int_equal(dnp3_event_buffer_selected(buf, 1, &ev), 0);
    assert_memory_equal(ev.value.octets.data, "two!", 4);
    assert_int_equal(dnp3_event_buffer_write(buf, 2, 0, false), 2);
    assert_int_equal(dnp3_event_buffer_confirm(buf, 0, false), 2);
    check_conservation(buf);
}

static void test_database_freed_before_its_buffer(void **state)
{
    (void)state;
    open_db(DNP3_EVENT_MODE_ALL);
    buf = open_buf(10, 10, 10, DNP3_OVERFLOW_DISCARD_OLDEST);
    bi(0);
    dnp3_db_free(db);
    db = NULL;
    /* The buffer is detached but still holds and hands out its event. */
    const want_t one[] = {B(0)};
    expect_selection(buf, DNP3_CLASS_MASK_ALL, 10, one, N(one));
    check_conservation(buf);
}

static void test_null_arguments(void **state)
{
    (void)state;
    assert_int_equal(dnp3_event_buffer_select(NULL, 7, DNP3_TYPE_MASK_ALL, 1), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_event_buffer_write(NULL, 0, 0, false), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_event_buffer_confirm(NULL, 0, false), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_event_buffer_unwrite(NULL, 0, false), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_event_buffer_unwrite_all(NULL), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_event_buffer_count(NULL, 1, false), 0);
    assert_false(dnp3_event_buffer_overflow(NULL));
    dnp3_event_buffer_free(NULL);
    dnp3_db_free(NULL);
    dnp3_event_buffer_config_t bc;
    dnp3_event_buffer_config_default(&bc);
    bc.overflow_policy = 2;
    open_db(DNP3_EVENT_MODE_ALL);
    dnp3_event_buffer_t *b = NULL;
    assert_int_equal(dnp3_event_buffer_new(db, &bc, &b), DNP3_E_INVALID_ARG);
    assert_null(b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(test_soe_order_across_types_and_classes, teardown),
        cmocka_unit_test_teardown(test_select_by_type_and_additive, teardown),
        cmocka_unit_test_teardown(test_select_write_confirm_cycle, teardown),
        cmocka_unit_test_teardown(test_confirm_timeout_resends_in_order, teardown),
        cmocka_unit_test_teardown(test_new_connection_returns_everything, teardown),
        cmocka_unit_test_teardown(test_overflow_discard_oldest, teardown),
        cmocka_unit_test_teardown(test_overflow_discard_newest, teardown),
        cmocka_unit_test_teardown(test_per_type_limit, teardown),
        cmocka_unit_test_teardown(test_command_events_share_the_life_cycle, teardown),
        cmocka_unit_test_teardown(test_zero_capacity_class_counts_everything, teardown),
        cmocka_unit_test_teardown(test_overflow_of_written_and_selected_events, teardown),
        cmocka_unit_test_teardown(test_most_recent_mode, teardown),
        cmocka_unit_test_teardown(test_every_change_overrides_most_recent, teardown),
        cmocka_unit_test_teardown(test_fan_out_to_several_buffers, teardown),
        cmocka_unit_test_teardown(test_octet_events_keep_their_bytes, teardown),
        cmocka_unit_test_teardown(test_database_freed_before_its_buffer, teardown),
        cmocka_unit_test_teardown(test_null_arguments, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
