/* Outstation database: configuration, the event rules of IEEE 1815-2012
 * (Annex A per group), freezes, batches, deadbands, classes. Each test
 * reads the events through one attached event buffer. */
#include <math.h>
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dnp3/database.h"

#define T0 1700000000000ull /* a DNP3 time: ms since 1970 */

typedef struct fixture {
    dnp3_db_t *db;
    dnp3_event_buffer_t *buf;
} fixture_t;

static fixture_t fx;

/* 4 points of every type, class 1, event mode ALL, deadband 0, optionally
 * changed by `tweak` before creation. */
static void open_db(void (*tweak)(dnp3_db_config_t *))
{
    dnp3_db_config_t cfg;
    dnp3_db_config_default(&cfg);
    for (unsigned t = 0; t < DNP3_PT_COUNT_; t++)
        cfg.count[t] = 4;
    if (tweak)
        tweak(&cfg);
    assert_int_equal(dnp3_db_new(&cfg, &fx.db), 0);
    dnp3_event_buffer_config_t bc;
    dnp3_event_buffer_config_default(&bc);
    assert_int_equal(dnp3_event_buffer_new(fx.db, &bc, &fx.buf), 0);
}

static int teardown(void **state)
{
    (void)state;
    dnp3_event_buffer_free(fx.buf);
    dnp3_db_free(fx.db);
    memset(&fx, 0, sizeof fx);
    return 0;
}

/* Number of events buffered now (all classes, unwritten). */
static uint32_t events(void)
{
    return dnp3_event_buffer_count(fx.buf, 1, true) + dnp3_event_buffer_count(fx.buf, 2, true) +
           dnp3_event_buffer_count(fx.buf, 3, true);
}

/* Take the one expected new event out of the buffer (select, write, confirm). */
static dnp3_event_t take_one(void)
{
    dnp3_event_t ev;
    assert_int_equal(dnp3_event_buffer_select(fx.buf, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL, 100),
                     1);
    assert_int_equal(dnp3_event_buffer_selected(fx.buf, 0, &ev), 0);
    assert_int_equal(dnp3_event_buffer_write(fx.buf, 1, 0, false), 1);
    assert_int_equal(dnp3_event_buffer_confirm(fx.buf, 0, false), 1);
    return ev;
}

static void test_config_default(void **state)
{
    (void)state;
    dnp3_db_config_t cfg;
    dnp3_db_config_default(&cfg);
    assert_int_equal(cfg.count[DNP3_PT_ANALOG], 0);
    assert_int_equal(cfg.defaults[DNP3_PT_BINARY].event_class, DNP3_CLASS_1);
    assert_int_equal(cfg.defaults[DNP3_PT_BINARY].static_variation, 2);
    assert_int_equal(cfg.defaults[DNP3_PT_BINARY].event_variation, 2);
    assert_int_equal(cfg.defaults[DNP3_PT_ANALOG].static_variation, 1);
    assert_int_equal(cfg.defaults[DNP3_PT_ANALOG].event_mode, DNP3_EVENT_MODE_ALL);
    assert_int_equal(cfg.octet_string_size, 255);
    assert_int_equal(cfg.batch_capacity, 256);
    assert_int_equal(dnp3_point_type_static_group(DNP3_PT_FROZEN_COUNTER), 21);
    assert_int_equal(dnp3_point_type_event_group(DNP3_PT_OCTET_STRING), 111);
    assert_string_equal(dnp3_point_type_name(DNP3_PT_DOUBLE_BIT), "double_bit");
    /* The command kinds follow the 8 point types: events only. */
    assert_string_equal(dnp3_point_type_name(DNP3_EV_BINARY_COMMAND), "binary_output_command");
    assert_string_equal(dnp3_point_type_name(DNP3_EV_ANALOG_COMMAND), "analog_output_command");
    assert_int_equal(dnp3_point_type_event_group(DNP3_EV_BINARY_COMMAND), 13);
    assert_int_equal(dnp3_point_type_event_group(DNP3_EV_ANALOG_COMMAND), 43);
    assert_int_equal(dnp3_point_type_static_group(DNP3_EV_ANALOG_COMMAND), 0);
    assert_null(dnp3_point_type_name(DNP3_EV_TYPE_COUNT_));
}

static void expect_rejected(void (*tweak)(dnp3_db_config_t *))
{
    dnp3_db_config_t cfg;
    dnp3_db_config_default(&cfg);
    cfg.count[DNP3_PT_BINARY_OUTPUT] = 1;
    tweak(&cfg);
    dnp3_db_t *db = (dnp3_db_t *)&cfg; /* must be overwritten with NULL */
    assert_int_equal(dnp3_db_new(&cfg, &db), DNP3_E_INVALID_ARG);
    assert_null(db);
}

static void bad_g11_variation(dnp3_db_config_t *c)
{
    c->defaults[DNP3_PT_BINARY_OUTPUT].event_variation = 3; /* g11 has v1, v2 */
}
static void bad_g20_variation(dnp3_db_config_t *c)
{
    c->defaults[DNP3_PT_COUNTER].static_variation = 3; /* g20v3/v4 are obsolete delta */
}
static void bad_class(dnp3_db_config_t *c)
{
    c->defaults[DNP3_PT_ANALOG].event_class = 4;
}
static void bad_deadband(dnp3_db_config_t *c)
{
    c->defaults[DNP3_PT_ANALOG].deadband = -1;
}
static void nan_deadband(dnp3_db_config_t *c)
{
    c->defaults[DNP3_PT_ANALOG].deadband = NAN;
}
static void bad_octet_size(dnp3_db_config_t *c)
{
    c->octet_string_size = 256;
}
static void bad_batch(dnp3_db_config_t *c)
{
    c->batch_capacity = 0;
}
static void bad_mode(dnp3_db_config_t *c)
{
    c->defaults[DNP3_PT_BINARY].event_mode = 2;
}

static void test_config_rejected(void **state)
{
    (void)state;
    expect_rejected(bad_g11_variation);
    expect_rejected(bad_g20_variation);
    expect_rejected(bad_class);
    expect_rejected(bad_deadband);
    expect_rejected(nan_deadband);
    expect_rejected(bad_octet_size);
    expect_rejected(bad_batch);
    expect_rejected(bad_mode);
    assert_int_equal(dnp3_db_new(NULL, NULL), DNP3_E_INVALID_ARG);
}

static void test_binary_state_and_flag_changes(void **state)
{
    (void)state;
    open_db(NULL);
    /* Initial state: false, flags 0. The same value and flags: no event. */
    assert_int_equal(dnp3_db_update_binary(fx.db, 1, false, 0, T0), 0);
    assert_int_equal(events(), 0);
    /* Flags ONLINE: a flag change is an event. */
    assert_int_equal(dnp3_db_update_binary(fx.db, 1, false, DNP3_FLAG_ONLINE, T0 + 1), 0);
    dnp3_event_t ev = take_one();
    assert_int_equal(ev.type, DNP3_PT_BINARY);
    assert_int_equal(ev.index, 1);
    assert_false(ev.value.binary);
    assert_int_equal(ev.flags, DNP3_FLAG_ONLINE);
    assert_int_equal(ev.time, T0 + 1);
    assert_int_equal(ev.variation, 2);
    assert_int_equal(ev.event_class, 1);
    /* State change. */
    assert_int_equal(dnp3_db_update_binary(fx.db, 1, true, DNP3_FLAG_ONLINE, T0 + 2), 0);
    ev = take_one();
    assert_true(ev.value.binary);
    assert_int_equal(ev.time, T0 + 2);
    /* Bit 7 of the flags (the state bit on the wire) is not a quality flag. */
    assert_int_equal(dnp3_db_update_binary(fx.db, 1, true, 0x80 | DNP3_FLAG_ONLINE, T0 + 3), 0);
    assert_int_equal(events(), 0);
    dnp3_db_point_t p;
    assert_int_equal(dnp3_db_read(fx.db, DNP3_PT_BINARY, 1, &p), 0);
    assert_true(p.value.binary);
    assert_int_equal(p.flags, DNP3_FLAG_ONLINE);
    assert_int_equal(p.time, T0 + 3); /* the value's time follows every update */
    assert_int_equal(dnp3_db_update_binary(fx.db, 4, true, 0, T0), DNP3_E_INVALID_ARG);
    /* DNP3 time is 48 bits: a larger time is refused, not wrapped. */
    assert_int_equal(dnp3_db_update_binary(fx.db, 1, false, 0, DNP3_TIME_MAX + 1),
                     DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_db_update_binary(fx.db, 1, false, 0, DNP3_TIME_MAX), 0);
    assert_int_equal(take_one().time, DNP3_TIME_MAX);
    assert_int_equal(dnp3_db_freeze(fx.db, 0, 0, false, DNP3_TIME_MAX + 1), DNP3_E_INVALID_ARG);
}

static void test_double_bit_transitions(void **state)
{
    (void)state;
    open_db(NULL);
    /* From INTERMEDIATE (0) through every state, each a change. */
    const uint8_t seq[] = {DNP3_DBIT_OFF,          DNP3_DBIT_ON, DNP3_DBIT_INDETERMINATE,
                           DNP3_DBIT_INTERMEDIATE, DNP3_DBIT_ON, DNP3_DBIT_OFF};
    for (size_t i = 0; i < sizeof seq; i++) {
        assert_int_equal(dnp3_db_update_double_bit(fx.db, 0, seq[i], 1, T0 + i), 0);
        dnp3_event_t ev = take_one();
        assert_int_equal(ev.type, DNP3_PT_DOUBLE_BIT);
        assert_int_equal(ev.value.double_bit, seq[i]);
        assert_int_equal(ev.time, T0 + i);
    }
    assert_int_equal(dnp3_db_update_double_bit(fx.db, 0, DNP3_DBIT_OFF, 1, T0), 0);
    assert_int_equal(events(), 0);
    assert_int_equal(dnp3_db_update_double_bit(fx.db, 0, 4, 1, T0), DNP3_E_INVALID_ARG);
    dnp3_db_counters_t c;
    assert_int_equal(dnp3_db_counters(fx.db, &c), 0);
    assert_int_equal(c.rejected, 1);
    assert_int_equal(c.events[DNP3_PT_DOUBLE_BIT], 6);
}

static void analog_deadband_1(dnp3_db_config_t *c)
{
    c->defaults[DNP3_PT_ANALOG].deadband = 1.0;
}

static void test_analog_deadband_edges(void **state)
{
    (void)state;
    open_db(analog_deadband_1);
    /* Reported value starts at 0. Exactly the deadband is not "exceeded". */
    assert_int_equal(dnp3_db_update_analog(fx.db, 0, 1.0, 0, T0), 0);
    assert_int_equal(events(), 0);
    assert_int_equal(dnp3_db_update_analog(fx.db, 0, -1.0, 0, T0), 0);
    assert_int_equal(events(), 0);
    /* Just over it, downwards. */
    assert_int_equal(dnp3_db_update_analog(fx.db, 0, -1.0000001, 0, T0 + 5), 0);
    dnp3_event_t ev = take_one();
    assert_true(ev.value.analog == -1.0000001);
    assert_int_equal(ev.time, T0 + 5);
    /* The reference is now the reported -1.0000001: drift adds up. */
    assert_int_equal(dnp3_db_update_analog(fx.db, 0, -0.5, 0, T0 + 6), 0);
    assert_int_equal(dnp3_db_update_analog(fx.db, 0, -0.01, 0, T0 + 7), 0);
    assert_int_equal(events(), 0);
    assert_int_equal(dnp3_db_update_analog(fx.db, 0, 0.1, 0, T0 + 8), 0);
    ev = take_one();
    assert_true(ev.value.analog == 0.1);
    /* Inside the deadband but with a flag change: an event. */
    assert_int_equal(dnp3_db_update_analog(fx.db, 0, 0.2, DNP3_FLAG_COMM_LOST, T0 + 9), 0);
    ev = take_one();
    assert_int_equal(ev.flags, DNP3_FLAG_COMM_LOST);
    /* NaN: a change to and from it, not NaN to NaN; infinity likewise. */
    assert_int_equal(dnp3_db_update_analog(fx.db, 0, NAN, DNP3_FLAG_COMM_LOST, T0), 0);
    assert_true(isnan(take_one().value.analog));
    assert_int_equal(dnp3_db_update_analog(fx.db, 0, NAN, DNP3_FLAG_COMM_LOST, T0), 0);
    assert_int_equal(events(), 0);
    assert_int_equal(dnp3_db_update_analog(fx.db, 0, INFINITY, DNP3_FLAG_COMM_LOST, T0), 0);
    assert_true(isinf(take_one().value.analog));
    assert_int_equal(dnp3_db_update_analog(fx.db, 0, INFINITY, DNP3_FLAG_COMM_LOST, T0), 0);
    assert_int_equal(events(), 0);
    /* Huge finite values do not overflow into a missed event. */
    assert_int_equal(dnp3_db_update_analog(fx.db, 0, -1e308, DNP3_FLAG_COMM_LOST, T0), 0);
    assert_int_equal(dnp3_db_update_analog(fx.db, 0, 1e308, DNP3_FLAG_COMM_LOST, T0), 0);
    assert_int_equal(events(), 2);
}

static void test_analog_deadband_zero_and_g34(void **state)
{
    (void)state;
    open_db(NULL);
    /* Deadband 0: every change. */
    assert_int_equal(dnp3_db_update_analog(fx.db, 2, 1e-300, 0, T0), 0);
    assert_true(take_one().value.analog == 1e-300);
    /* g34 write: the new deadband takes effect at once. */
    double d = -1;
    assert_int_equal(dnp3_db_set_deadband(fx.db, DNP3_PT_ANALOG, 2, 10.0), 0);
    assert_int_equal(dnp3_db_get_deadband(fx.db, DNP3_PT_ANALOG, 2, &d), 0);
    assert_true(d == 10.0);
    assert_int_equal(dnp3_db_update_analog(fx.db, 2, 10.0, 0, T0), 0);
    assert_int_equal(events(), 0);
    assert_int_equal(dnp3_db_update_analog(fx.db, 2, 10.5, 0, T0), 0);
    assert_true(take_one().value.analog == 10.5);
    /* Only analogs, analog outputs and counters have a deadband. */
    assert_int_equal(dnp3_db_set_deadband(fx.db, DNP3_PT_BINARY, 0, 1), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_db_set_deadband(fx.db, DNP3_PT_ANALOG, 4, 1), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_db_set_deadband(fx.db, DNP3_PT_ANALOG, 0, -0.5), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_db_set_deadband(fx.db, DNP3_PT_ANALOG, 0, NAN), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_db_set_deadband(fx.db, DNP3_PT_COUNTER, 0, 3), 0);
    assert_int_equal(dnp3_db_get_deadband(fx.db, DNP3_PT_COUNTER, 0, &d), 0);
    assert_true(d == 3.0);
    assert_int_equal(dnp3_db_get_deadband(fx.db, DNP3_PT_OCTET_STRING, 0, &d), DNP3_E_INVALID_ARG);
}

static void test_counter_change_and_rollover(void **state)
{
    (void)state;
    open_db(NULL);
    assert_int_equal(dnp3_db_update_counter(fx.db, 0, 0xFFFFFFFFu, 1, T0), 0);
    assert_int_equal(take_one().value.counter, 0xFFFFFFFFu);
    /* Rollover to 0 is a change (of 1). */
    assert_int_equal(dnp3_db_update_counter(fx.db, 0, 0, 1, T0 + 1), 0);
    dnp3_event_t ev = take_one();
    assert_int_equal(ev.value.counter, 0);
    assert_int_equal(ev.type, DNP3_PT_COUNTER);
    assert_int_equal(dnp3_db_update_counter(fx.db, 0, 0, 1, T0 + 2), 0);
    assert_int_equal(events(), 0);
    /* Counter deadband 5, measured the short way round 2^32. */
    assert_int_equal(dnp3_db_set_deadband(fx.db, DNP3_PT_COUNTER, 0, 5), 0);
    assert_int_equal(dnp3_db_update_counter(fx.db, 0, 0xFFFFFFFBu, 1, T0), 0); /* -5 */
    assert_int_equal(events(), 0);
    assert_int_equal(dnp3_db_update_counter(fx.db, 0, 5, 1, T0), 0);
    assert_int_equal(events(), 0);
    assert_int_equal(dnp3_db_update_counter(fx.db, 0, 6, 1, T0), 0);
    assert_int_equal(take_one().value.counter, 6);
    /* From 6 (reported) to 0xFFFFFFFF + 2 = 1 away... 0xFFFFFFFF is 7 back. */
    assert_int_equal(dnp3_db_update_counter(fx.db, 0, 0xFFFFFFFFu, 1, T0), 0);
    assert_int_equal(take_one().value.counter, 0xFFFFFFFFu);
    /* ... and 0xFFFFFFFF -> 4 is a rollover of 5: not over the deadband. */
    assert_int_equal(dnp3_db_update_counter(fx.db, 0, 4, 1, T0), 0);
    assert_int_equal(events(), 0);
    assert_int_equal(dnp3_db_update_counter(fx.db, 0, 5, 1, T0), 0);
    assert_int_equal(take_one().value.counter, 5);
}

static void test_outputs_and_octets(void **state)
{
    (void)state;
    open_db(NULL);
    assert_int_equal(dnp3_db_update_binary_output(fx.db, 3, true, 1, T0), 0);
    dnp3_event_t ev = take_one();
    assert_int_equal(ev.type, DNP3_PT_BINARY_OUTPUT);
    assert_int_equal(ev.index, 3);
    assert_true(ev.value.binary);
    assert_int_equal(dnp3_db_update_binary_output(fx.db, 3, true, 1, T0), 0);
    assert_int_equal(dnp3_db_update_analog_output(fx.db, 3, 0.0, 0, T0), 0);
    assert_int_equal(events(), 0);
    assert_int_equal(dnp3_db_update_analog_output(fx.db, 3, 42.5, 0, T0), 0);
    ev = take_one();
    assert_int_equal(ev.type, DNP3_PT_ANALOG_OUTPUT);
    assert_true(ev.value.analog == 42.5);

    const uint8_t abc[] = {'a', 'b', 'c'};
    assert_int_equal(dnp3_db_update_octet_string(fx.db, 0, abc, 3, 0, T0), 0);
    assert_int_equal(dnp3_db_update_octet_string(fx.db, 0, abc, 3, 0, T0), 0); /* same */
    assert_int_equal(dnp3_db_update_octet_string(fx.db, 0, abc, 2, 0, T0), 0); /* shorter */
    assert_int_equal(dnp3_db_update_octet_string(fx.db, 0, (const uint8_t *)"ax", 2, 0, T0), 0);
    assert_int_equal(events(), 3);
    assert_int_equal(dnp3_event_buffer_select(fx.buf, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL, 10),
                     3);
    assert_int_equal(dnp3_event_buffer_selected(fx.buf, 0, &ev), 0);
    assert_int_equal(ev.value.octets.len, 3);
    assert_memory_equal(ev.value.octets.data, "abc", 3);
    assert_int_equal(dnp3_event_buffer_selected(fx.buf, 2, &ev), 0);
    assert_memory_equal(ev.value.octets.data, "ax", 2);
    uint8_t big[256] = {0};
    assert_int_equal(dnp3_db_update_octet_string(fx.db, 0, big, 256, 0, T0), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_db_update_octet_string(fx.db, 0, big, 0, 0, T0), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_db_update_octet_string(fx.db, 0, NULL, 1, 0, T0), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_db_update_octet_string(fx.db, 0, big, 255, 0, T0), 0);
    dnp3_db_point_t p;
    assert_int_equal(dnp3_db_read(fx.db, DNP3_PT_OCTET_STRING, 0, &p), 0);
    assert_int_equal(p.value.octets.len, 255);
}

static void test_freeze_and_freeze_clear(void **state)
{
    (void)state;
    open_db(NULL);
    assert_int_equal(dnp3_db_update_counter(fx.db, 1, 77, DNP3_FLAG_ONLINE, T0), 0);
    (void)take_one();
    /* Immediate freeze of 0..1: two frozen counter events, value and flags
     * from the counter, time from the freeze. */
    assert_int_equal(dnp3_db_freeze(fx.db, 0, 1, false, T0 + 100), 2);
    assert_int_equal(dnp3_event_buffer_select(fx.buf, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL, 10),
                     2);
    dnp3_event_t ev;
    assert_int_equal(dnp3_event_buffer_selected(fx.buf, 1, &ev), 0);
    assert_int_equal(ev.type, DNP3_PT_FROZEN_COUNTER);
    assert_int_equal(ev.index, 1);
    assert_int_equal(ev.value.counter, 77);
    assert_int_equal(ev.flags, DNP3_FLAG_ONLINE);
    assert_int_equal(ev.time, T0 + 100);
    assert_int_equal(dnp3_event_buffer_write(fx.buf, 2, 1, false), 2);
    assert_int_equal(dnp3_event_buffer_confirm(fx.buf, 1, false), 2);
    /* Every freeze is an event, even of an unchanged value. */
    assert_int_equal(dnp3_db_freeze(fx.db, 1, 1, false, T0 + 200), 1);
    assert_int_equal(take_one().time, T0 + 200);
    /* Freeze-and-clear: frozen 77, then the counter drops to 0 (an event). */
    assert_int_equal(dnp3_db_freeze(fx.db, 1, 1, true, T0 + 300), 1);
    assert_int_equal(dnp3_event_buffer_select(fx.buf, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL, 10),
                     2);
    assert_int_equal(dnp3_event_buffer_selected(fx.buf, 0, &ev), 0);
    assert_int_equal(ev.type, DNP3_PT_FROZEN_COUNTER);
    assert_int_equal(ev.value.counter, 77);
    assert_int_equal(dnp3_event_buffer_selected(fx.buf, 1, &ev), 0);
    assert_int_equal(ev.type, DNP3_PT_COUNTER);
    assert_int_equal(ev.value.counter, 0);
    assert_int_equal(ev.time, T0 + 300);
    dnp3_db_point_t p;
    assert_int_equal(dnp3_db_read(fx.db, DNP3_PT_FROZEN_COUNTER, 1, &p), 0);
    assert_int_equal(p.value.counter, 77);
    assert_int_equal(p.time, T0 + 300);
    /* Range clipped to the last counter; errors for empty ranges. */
    assert_int_equal(dnp3_db_freeze(fx.db, 2, 1000, false, T0), 2);
    assert_int_equal(dnp3_db_freeze(fx.db, 4, 5, false, T0), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_db_freeze(fx.db, 2, 1, false, T0), DNP3_E_INVALID_ARG);
    dnp3_db_counters_t c;
    assert_int_equal(dnp3_db_counters(fx.db, &c), 0);
    assert_int_equal(c.freezes, 2 + 1 + 1 + 2);
}

static void test_class_none_and_assign_class(void **state)
{
    (void)state;
    open_db(NULL);
    assert_int_equal(dnp3_db_assign_class(fx.db, DNP3_PT_BINARY, 0, 3, DNP3_CLASS_NONE), 4);
    assert_int_equal(dnp3_db_update_binary(fx.db, 2, true, 0, T0), 0);
    assert_int_equal(events(), 0);
    assert_int_equal(dnp3_db_assign_class(fx.db, DNP3_PT_BINARY, 2, 2, DNP3_CLASS_3), 1);
    assert_int_equal(dnp3_db_update_binary(fx.db, 2, false, 0, T0), 0);
    assert_int_equal(dnp3_event_buffer_count(fx.buf, 3, true), 1);
    assert_int_equal(dnp3_event_buffer_count(fx.buf, 1, true), 0);
    assert_int_equal(take_one().event_class, 3);
    assert_int_equal(dnp3_db_assign_class(fx.db, DNP3_PT_BINARY, 2, 4, 1), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_db_assign_class(fx.db, DNP3_PT_BINARY, 2, 3, 4), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_db_assign_class(fx.db, DNP3_PT_BINARY, 3, 2, 1), DNP3_E_INVALID_ARG);
}

static dnp3_point_config_t analog_points[4];

static void per_point(dnp3_db_config_t *c)
{
    for (unsigned i = 0; i < 4; i++)
        analog_points[i] = c->defaults[DNP3_PT_ANALOG];
    analog_points[1].event_variation = 3;  /* g32v3: 32-bit with time */
    analog_points[1].static_variation = 0; /* 0: the type's default (g30v1) */
    analog_points[1].event_class = DNP3_CLASS_2;
    c->points[DNP3_PT_ANALOG] = analog_points;
    c->defaults[DNP3_PT_ANALOG].static_variation = 5;
}

static void test_per_point_settings(void **state)
{
    (void)state;
    open_db(per_point);
    dnp3_db_point_t p;
    assert_int_equal(dnp3_db_read(fx.db, DNP3_PT_ANALOG, 1, &p), 0);
    assert_int_equal(p.config.event_variation, 3);
    assert_int_equal(p.config.static_variation, 5);
    assert_int_equal(p.config.event_class, 2);
    assert_int_equal(dnp3_db_update_analog(fx.db, 1, 3.0, 0, T0), 0);
    dnp3_event_t ev = take_one();
    assert_int_equal(ev.variation, 3);
    assert_int_equal(ev.event_class, 2);
    dnp3_point_config_t pc = p.config;
    pc.event_variation = 9; /* g32 has v1..v8 */
    assert_int_equal(dnp3_db_configure_point(fx.db, DNP3_PT_ANALOG, 1, &pc), DNP3_E_INVALID_ARG);
    pc.event_variation = 7;
    assert_int_equal(dnp3_db_configure_point(fx.db, DNP3_PT_ANALOG, 1, &pc), 0);
    assert_int_equal(dnp3_db_update_analog(fx.db, 1, 4.0, 0, T0), 0);
    assert_int_equal(take_one().variation, 7);
}

static void test_batch_is_atomic_for_a_reader(void **state)
{
    (void)state;
    open_db(NULL);
    assert_int_equal(dnp3_db_begin(fx.db), 0);
    assert_int_equal(dnp3_db_begin(fx.db), DNP3_E_STATE);
    assert_int_equal(dnp3_db_update_analog(fx.db, 0, 5.0, 1, T0), 0);
    assert_int_equal(dnp3_db_update_binary(fx.db, 0, true, 1, T0), 0);
    assert_int_equal(dnp3_db_update_octet_string(fx.db, 1, (const uint8_t *)"hi", 2, 0, T0), 0);
    assert_int_equal(dnp3_db_freeze(fx.db, 0, 0, false, T0), 1);
    /* A reader (the response builder) sees none of it yet. */
    dnp3_db_point_t p;
    assert_int_equal(dnp3_db_read(fx.db, DNP3_PT_ANALOG, 0, &p), 0);
    assert_true(p.value.analog == 0.0);
    assert_int_equal(dnp3_db_read(fx.db, DNP3_PT_BINARY, 0, &p), 0);
    assert_false(p.value.binary);
    assert_int_equal(dnp3_db_read(fx.db, DNP3_PT_OCTET_STRING, 1, &p), 0);
    assert_int_equal(p.value.octets.len, 0);
    assert_int_equal(events(), 0);
    /* Errors are reported at once and leave the batch open. */
    assert_int_equal(dnp3_db_update_analog(fx.db, 9, 5.0, 1, T0), DNP3_E_INVALID_ARG);
    /* Commit: all of it, in order, with its events. */
    assert_int_equal(dnp3_db_commit(fx.db), 4);
    assert_int_equal(dnp3_db_read(fx.db, DNP3_PT_ANALOG, 0, &p), 0);
    assert_true(p.value.analog == 5.0);
    assert_int_equal(dnp3_db_read(fx.db, DNP3_PT_OCTET_STRING, 1, &p), 0);
    assert_memory_equal(p.value.octets.data, "hi", 2);
    assert_int_equal(dnp3_event_buffer_select(fx.buf, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL, 10),
                     4);
    dnp3_event_t ev;
    const dnp3_point_type_t order[] = {DNP3_PT_ANALOG, DNP3_PT_BINARY, DNP3_PT_OCTET_STRING,
                                       DNP3_PT_FROZEN_COUNTER};
    for (uint32_t i = 0; i < 4; i++) {
        assert_int_equal(dnp3_event_buffer_selected(fx.buf, i, &ev), 0);
        assert_int_equal(ev.type, order[i]);
    }
    assert_int_equal(dnp3_db_commit(fx.db), DNP3_E_STATE);
    assert_int_equal(dnp3_db_abort(fx.db), DNP3_E_STATE);
}

static void test_batch_abort_and_full(void **state)
{
    (void)state;
    open_db(NULL);
    assert_int_equal(dnp3_db_begin(fx.db), 0);
    assert_int_equal(dnp3_db_update_analog(fx.db, 0, 5.0, 1, T0), 0);
    assert_int_equal(dnp3_db_abort(fx.db), 0);
    assert_int_equal(dnp3_db_commit(fx.db), DNP3_E_STATE);
    dnp3_db_point_t p;
    assert_int_equal(dnp3_db_read(fx.db, DNP3_PT_ANALOG, 0, &p), 0);
    assert_true(p.value.analog == 0.0);
    assert_int_equal(events(), 0);
    /* Fill a batch to its capacity (256): the 257th is refused. */
    assert_int_equal(dnp3_db_begin(fx.db), 0);
    for (int i = 0; i < 256; i++)
        assert_int_equal(dnp3_db_update_counter(fx.db, 0, (uint32_t)i + 1, 0, T0), 0);
    assert_int_equal(dnp3_db_update_counter(fx.db, 0, 999, 0, T0), DNP3_E_NOSPACE);
    assert_int_equal(dnp3_db_freeze(fx.db, 0, 0, false, T0), DNP3_E_NOSPACE);
    assert_int_equal(dnp3_db_commit(fx.db), 256);
    assert_int_equal(dnp3_db_read(fx.db, DNP3_PT_COUNTER, 0, &p), 0);
    assert_int_equal(p.value.counter, 256);
    dnp3_db_counters_t c;
    assert_int_equal(dnp3_db_counters(fx.db, &c), 0);
    assert_int_equal(c.batches, 1);
    assert_int_equal(c.aborted, 1);
    assert_int_equal(c.updates, 256);
    assert_int_equal(c.rejected, 2);
    /* A new buffer cannot join while a batch is open. */
    dnp3_event_buffer_config_t bc;
    dnp3_event_buffer_config_default(&bc);
    dnp3_event_buffer_t *b2 = NULL;
    assert_int_equal(dnp3_db_begin(fx.db), 0);
    assert_int_equal(dnp3_event_buffer_new(fx.db, &bc, &b2), DNP3_E_STATE);
    assert_int_equal(dnp3_db_abort(fx.db), 0);
}

/* Command events: checked, given the next sequence number, counted per
 * kind, and made at once even inside a batch (they are not point values). */
static void test_command_event_record(void **state)
{
    (void)state;
    open_db(NULL);
    dnp3_event_t ev = {.type = DNP3_EV_ANALOG_COMMAND,
                       .index = 9,
                       .event_class = 2,
                       .variation = 6,
                       .status = 0,
                       .time = T0};
    ev.value.analog = 12.5;
    dnp3_event_t bad = ev;
    bad.type = DNP3_PT_ANALOG;
    assert_int_equal(dnp3_db_record_command_event(fx.db, &bad), DNP3_E_INVALID_ARG);
    bad = ev;
    bad.event_class = DNP3_CLASS_NONE;
    assert_int_equal(dnp3_db_record_command_event(fx.db, &bad), DNP3_E_INVALID_ARG);
    bad = ev;
    bad.variation = 9;
    assert_int_equal(dnp3_db_record_command_event(fx.db, &bad), DNP3_E_INVALID_ARG);
    bad = ev;
    bad.type = DNP3_EV_BINARY_COMMAND;
    bad.variation = 3; /* g13 has v1 and v2 only */
    assert_int_equal(dnp3_db_record_command_event(fx.db, &bad), DNP3_E_INVALID_ARG);
    bad = ev;
    bad.status = 128;
    assert_int_equal(dnp3_db_record_command_event(fx.db, &bad), DNP3_E_INVALID_ARG);
    bad = ev;
    bad.time = DNP3_TIME_MAX + 1;
    assert_int_equal(dnp3_db_record_command_event(fx.db, &bad), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_db_record_command_event(NULL, &ev), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_db_record_command_event(fx.db, NULL), DNP3_E_INVALID_ARG);
    assert_int_equal(events(), 0);

    assert_int_equal(dnp3_db_begin(fx.db), 0);
    assert_int_equal(dnp3_db_update_binary(fx.db, 0, true, DNP3_FLAG_ONLINE, T0), 0);
    assert_int_equal(dnp3_db_record_command_event(fx.db, &ev), 1);
    assert_int_equal(events(), 1); /* the command now, the batch at commit */
    assert_int_equal(dnp3_db_commit(fx.db), 1);
    dnp3_event_t got;
    assert_int_equal(dnp3_event_buffer_select(fx.buf, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL, 9),
                     2);
    assert_int_equal(dnp3_event_buffer_selected(fx.buf, 0, &got), 0);
    assert_int_equal(got.type, DNP3_EV_ANALOG_COMMAND);
    assert_int_equal(got.seq, 1);
    assert_int_equal(got.index, 9);
    assert_int_equal(got.event_class, 2);
    assert_int_equal(got.variation, 6);
    assert_int_equal(got.flags, 0);
    assert_true(got.value.analog == 12.5);
    assert_int_equal(dnp3_event_buffer_selected(fx.buf, 1, &got), 0);
    assert_int_equal(got.type, DNP3_PT_BINARY);
    assert_int_equal(got.seq, 2);
    dnp3_db_counters_t c;
    assert_int_equal(dnp3_db_counters(fx.db, &c), 0);
    assert_int_equal(c.events[DNP3_EV_ANALOG_COMMAND], 1);
    assert_int_equal(c.events[DNP3_EV_BINARY_COMMAND], 0);
    assert_int_equal(c.events[DNP3_PT_BINARY], 1);
    assert_int_equal(dnp3_db_count(fx.db, DNP3_EV_ANALOG_COMMAND), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_config_default),
        cmocka_unit_test(test_config_rejected),
        cmocka_unit_test_teardown(test_binary_state_and_flag_changes, teardown),
        cmocka_unit_test_teardown(test_double_bit_transitions, teardown),
        cmocka_unit_test_teardown(test_analog_deadband_edges, teardown),
        cmocka_unit_test_teardown(test_analog_deadband_zero_and_g34, teardown),
        cmocka_unit_test_teardown(test_counter_change_and_rollover, teardown),
        cmocka_unit_test_teardown(test_outputs_and_octets, teardown),
        cmocka_unit_test_teardown(test_freeze_and_freeze_clear, teardown),
        cmocka_unit_test_teardown(test_class_none_and_assign_class, teardown),
        cmocka_unit_test_teardown(test_per_point_settings, teardown),
        cmocka_unit_test_teardown(test_batch_is_atomic_for_a_reader, teardown),
        cmocka_unit_test_teardown(test_batch_abort_and_full, teardown),
        cmocka_unit_test_teardown(test_command_event_record, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
