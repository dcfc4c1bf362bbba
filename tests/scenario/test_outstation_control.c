/* Outstation controls: SELECT/OPERATE, DIRECT_OPERATE(_NR), CROB and
 * analog output blocks, every check the outstation makes itself, and a
 * repeated request never carried out twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "outstation/outstation_internal.h"
#include "scenario.h"

/* CROB index 3: pulse on, count 1, on 100 ms, off 100 ms, status 0. */
#define CROB3 "0C 01 28 01 00 03 00 01 01 64 00 00 00 64 00 00 00"

static void test_direct_operate(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    send_hex(&t, "C1 05 " CROB3 " 00");
    expect_hex(&t, "C1 81 90 00 " CROB3 " 00");
    assert_int_equal(t.controls, 1);
    assert_int_equal(t.last_control.mode, DNP3_CONTROL_DIRECT);
    assert_int_equal(t.last_control.group, 12);
    assert_int_equal(t.last_control.index, 3);
    assert_int_equal(t.last_control.v.crob.code, 0x01);
    assert_int_equal(t.last_control.v.crob.count, 1);
    assert_int_equal(t.last_control.v.crob.on_ms, 100);
    assert_int_equal(t.last_control.v.crob.off_ms, 100);
    /* the application's status is echoed */
    t.control_status = DNP3_CS_HARDWARE_ERROR;
    send_hex(&t, "C2 05 " CROB3 " 00");
    expect_hex(&t, "C2 81 90 00 " CROB3 " 06");
    assert_int_equal(counters(&t).controls[DNP3_CS_SUCCESS], 1);
    assert_int_equal(counters(&t).controls[DNP3_CS_HARDWARE_ERROR], 1);
    scn_teardown(&t);
}

/* Every command status the standard defines (0..18, 126, 127) that the
 * application returns is echoed as is, and counted under its code. */
static void test_every_status_echoed(void **state)
{
    (void)state;
    static const uint8_t codes[] = {0,  1,  2,  3,  4,  5,  6,  7,  8,   9,  10,
                                    11, 12, 13, 14, 15, 16, 17, 18, 126, 127};
    scn_t t;
    scn_setup(&t, NULL, NULL);
    for (size_t i = 0; i < sizeof codes; i++) {
        char req[96], rsp[96];
        unsigned seq = (unsigned)(i & 0x0F);
        t.control_status = codes[i];
        snprintf(req, sizeof req, "%02X 05 " CROB3 " 00", 0xC0 | seq);
        snprintf(rsp, sizeof rsp, "%02X 81 90 00 " CROB3 " %02X", 0xC0 | seq, codes[i]);
        send_hex(&t, req);
        expect_hex(&t, rsp);
        assert_int_equal(counters(&t).controls[codes[i]], 1);
    }
    assert_int_equal(t.controls, sizeof codes);
    /* A status 1815-2012 does not define is echoed, and counted apart. */
    t.control_status = 50;
    send_hex(&t, "C5 05 " CROB3 " 00");
    expect_hex(&t, "C5 81 90 00 " CROB3 " 32");
    assert_int_equal(counters(&t).controls_other, 1);
    assert_int_equal(counters(&t).controls[50], 0);
    assert_int_equal(counters(&t).controls[DNP3_CS_UNDEFINED], 1);
    scn_teardown(&t);
}

/* A repeated request (same sequence, same bytes) gets the same response and
 * the control is not carried out again. */
static void test_repeat_not_executed_twice(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    send_hex(&t, "C1 05 " CROB3 " 00");
    expect_hex(&t, "C1 81 90 00 " CROB3 " 00");
    send_hex(&t, "C1 05 " CROB3 " 00");
    expect_hex(&t, "C1 81 90 00 " CROB3 " 00");
    assert_int_equal(t.controls, 1);
    assert_int_equal(counters(&t).repeats, 1);
    /* the next sequence number is a new request */
    send_hex(&t, "C2 05 " CROB3 " 00");
    expect_hex(&t, "C2 81 90 00 " CROB3 " 00");
    assert_int_equal(t.controls, 2);
    scn_teardown(&t);
}

static void test_select_operate(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    send_hex(&t, "C4 03 " CROB3 " 00");
    expect_hex(&t, "C4 81 90 00 " CROB3 " 00");
    assert_int_equal(t.last_control.mode, DNP3_CONTROL_SELECT);
    advance(&t, 4000);
    send_hex(&t, "C5 04 " CROB3 " 00");
    expect_hex(&t, "C5 81 90 00 " CROB3 " 00");
    assert_int_equal(t.last_control.mode, DNP3_CONTROL_OPERATE);
    assert_int_equal(t.controls, 2);
    /* the select is used up */
    send_hex(&t, "C6 04 " CROB3 " 00");
    expect_hex(&t, "C6 81 90 00 " CROB3 " 02");
    assert_int_equal(t.controls, 2);
    scn_teardown(&t);
}

static void test_operate_mismatch(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    /* no select at all */
    send_hex(&t, "C4 04 " CROB3 " 00");
    expect_hex(&t, "C4 81 90 00 " CROB3 " 02");
    /* other on-time than selected */
    send_hex(&t, "C5 03 " CROB3 " 00");
    expect_hex(&t, "C5 81 90 00 " CROB3 " 00");
    send_hex(&t, "C6 04 0C 01 28 01 00 03 00 01 01 65 00 00 00 64 00 00 00 00");
    expect_hex(&t, "C6 81 90 00 0C 01 28 01 00 03 00 01 01 65 00 00 00 64 00 00 00 02");
    /* not the next sequence number */
    send_hex(&t, "C7 03 " CROB3 " 00");
    expect_hex(&t, "C7 81 90 00 " CROB3 " 00");
    send_hex(&t, "C9 04 " CROB3 " 00");
    expect_hex(&t, "C9 81 90 00 " CROB3 " 02");
    assert_int_equal(t.controls, 2); /* the two selects only */
    assert_int_equal(counters(&t).controls[DNP3_CS_NO_SELECT], 3);
    scn_teardown(&t);
}

static void test_select_timeout(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    send_hex(&t, "C4 03 " CROB3 " 00");
    expect_hex(&t, "C4 81 90 00 " CROB3 " 00");
    advance(&t, 5001);
    send_hex(&t, "C5 04 " CROB3 " 00");
    expect_hex(&t, "C5 81 90 00 " CROB3 " 01");
    assert_int_equal(t.controls, 1);
    assert_int_equal(counters(&t).select_timeouts, 1);
    scn_teardown(&t);
}

static void test_direct_operate_nr(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    send_hex(&t, "C1 06 " CROB3 " 00");
    expect_none(&t);
    assert_int_equal(t.controls, 1);
    assert_int_equal(t.last_control.mode, DNP3_CONTROL_DIRECT_NR);
    scn_teardown(&t);
}

/* Checks made before the application is asked. */
static void test_outstation_checks(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    /* index 32 does not exist */
    send_hex(&t, "C1 05 0C 01 28 01 00 20 00 01 01 64 00 00 00 64 00 00 00 00");
    expect_hex(&t, "C1 81 90 00 0C 01 28 01 00 20 00 01 01 64 00 00 00 64 00 00 00 04");
    /* queue bit: NOT_SUPPORTED; trip-close 3: FORMAT_ERROR; op 5: FORMAT_ERROR */
    send_hex(&t, "C2 05 0C 01 17 03"
                 " 00 11 01 64 00 00 00 64 00 00 00 00"
                 " 01 C1 01 64 00 00 00 64 00 00 00 00"
                 " 02 05 01 64 00 00 00 64 00 00 00 00");
    expect_hex(&t, "C2 81 90 00 0C 01 17 03"
                   " 00 11 01 64 00 00 00 64 00 00 00 04"
                   " 01 C1 01 64 00 00 00 64 00 00 00 03"
                   " 02 05 01 64 00 00 00 64 00 00 00 03");
    assert_int_equal(t.controls, 0);
    /* local mode: LOCAL, and IIN1.5 */
    dnp3_outstation_set_local(t.o, true);
    send_hex(&t, "C3 05 " CROB3 " 00");
    expect_hex(&t, "C3 81 B0 00 " CROB3 " 07");
    assert_int_equal(t.controls, 0);
    scn_teardown(&t);
}

static void test_too_many(void **state)
{
    (void)state;
    scn_t t;
    dnp3_outstation_config_t c;
    scn_os_config(&c);
    c.max_controls_per_request = 1;
    scn_setup(&t, NULL, &c);
    send_hex(&t, "C1 05 0C 01 17 02"
                 " 00 03 01 64 00 00 00 64 00 00 00 00"
                 " 01 03 01 64 00 00 00 64 00 00 00 00");
    expect_hex(&t, "C1 81 90 00 0C 01 17 02"
                   " 00 03 01 64 00 00 00 64 00 00 00 08"
                   " 01 03 01 64 00 00 00 64 00 00 00 08");
    assert_int_equal(t.controls, 0);
    scn_teardown(&t);
}

static void test_analog_output(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    /* g41v2 index 1 = 100 */
    send_hex(&t, "C1 05 29 02 28 01 00 01 00 64 00 00");
    expect_hex(&t, "C1 81 90 00 29 02 28 01 00 01 00 64 00 00");
    assert_int_equal(t.last_control.group, 41);
    assert_int_equal(t.last_control.variation, 2);
    assert_int_equal(t.last_control.v.analog_int, 100);
    /* g41v1 index 2 = -1 */
    send_hex(&t, "C2 05 29 01 17 01 02 FF FF FF FF 00");
    expect_hex(&t, "C2 81 90 00 29 01 17 01 02 FF FF FF FF 00");
    assert_int_equal(t.last_control.v.analog_int, -1);
    /* g41v3 index 0 = 1.5f; g41v4 index 0 = 2.5 */
    send_hex(&t, "C3 05 29 03 17 01 00 00 00 C0 3F 00 29 04 17 01 00 00 00 00 00 00 00 04 40 00");
    expect_hex(
        &t, "C3 81 90 00 29 03 17 01 00 00 00 C0 3F 00 29 04 17 01 00 00 00 00 00 00 00 04 40 00");
    assert_true(t.last_control.v.analog_float == 2.5);
    assert_int_equal(t.controls, 4);
    /* index 10 does not exist */
    send_hex(&t, "C4 05 29 02 28 01 00 0A 00 64 00 00");
    expect_hex(&t, "C4 81 90 00 29 02 28 01 00 0A 00 64 00 04");
    scn_teardown(&t);
}

/* A malformed control request is not half carried out. */
static void test_malformed_not_executed(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    /* a good CROB, then a header cut short */
    send_hex(&t, "C1 05 " CROB3 " 00 0C 01 28 01 00 04");
    expect_hex(&t, "C1 81 90 04");
    assert_int_equal(t.controls, 0);
    assert_int_equal(counters(&t).malformed, 1);
    /* a good CROB, then an object the function does not take */
    send_hex(&t, "C2 05 " CROB3 " 00 1E 01 00 00 00 01 00 00 00 00");
    expect_hex(&t, "C2 81 90 02");
    assert_int_equal(t.controls, 0);
    scn_teardown(&t);
}

/* Command events: g13 for a CROB, g43 for an analog output, with the
 * status the application answered; not for a SELECT. */
static void test_command_events(void **state)
{
    (void)state;
    scn_t t;
    dnp3_outstation_config_t c;
    scn_os_config(&c);
    c.command_event_class = DNP3_CLASS_2;
    c.command_event_capacity = 2;
    scn_setup(&t, NULL, &c);
    /* the clock: 0x1000 at time 0 */
    send_hex(&t, "C0 02 32 01 07 01 00 10 00 00 00 00");
    expect_hex(&t, "C0 81 80 00");
    send_hex(&t, "C1 03 " CROB3 " 00");
    expect_hex(&t, "C1 81 80 00 " CROB3 " 00");
    advance(&t, 5);
    send_hex(&t, "C2 04 " CROB3 " 00");
    expect_hex(&t, "C2 81 84 00 " CROB3 " 00");
    t.control_status = DNP3_CS_OUT_OF_RANGE;
    send_hex(&t, "C3 05 29 02 28 01 00 01 00 64 00 00");
    expect_hex(&t, "C3 81 84 00 29 02 28 01 00 01 00 64 00 0C");
    /* class 2 poll: g13v2 index 3 on, SUCCESS, at 0x1005; g43v4 index 1
     * OUT_OF_RANGE, 100, at 0x1005 */
    send_hex(&t, "C4 01 3C 03 06");
    expect_hex(&t, "E4 81 80 00"
                   " 0D 02 28 01 00 03 00 80 05 10 00 00 00 00"
                   " 2B 04 28 01 00 01 00 0C 64 00 05 10 00 00 00 00");
    send_hex(&t, "C4 00");
    assert_int_equal(counters(&t).events_confirmed, 2);
    assert_int_equal(counters(&t).command_events, 2);
    /* a third and fourth, the store holds 2... and a fifth: IIN2.3 */
    t.control_status = DNP3_CS_SUCCESS;
    send_hex(&t, "C5 06 " CROB3 " 00");
    send_hex(&t, "C6 06 " CROB3 " 00");
    send_hex(&t, "C7 06 " CROB3 " 00");
    assert_int_equal(counters(&t).command_events_discarded, 1);
    send_hex(&t, "C8 01 0D 00 06"); /* g13v0 */
    expect_hex(&t, "E8 81 80 08"
                   " 0D 02 28 02 00 03 00 80 05 10 00 00 00 00 03 00 80 05 10 00 00 00 00");
    send_hex(&t, "C8 00");
    send_hex(&t, "C9 18");
    expect_hex(&t, "C9 81 80 00");
    scn_teardown(&t);
}

/* A control carried out between two analog changes: its g13 event sits
 * between them in the sequence of events, so a class 1 poll answers g32,
 * g13, g32 (three headers: each change of type opens a new one). */
static void test_command_event_in_soe_order(void **state)
{
    (void)state;
    scn_t t;
    dnp3_outstation_config_t c;
    scn_os_config(&c);
    c.command_event_class = DNP3_CLASS_1;
    scn_setup(&t, NULL, &c);
    /* A second association over the same database (another master). */
    dnp3_outstation_config_t c2 = c;
    c2.master_address = 2;
    dnp3_outstation_t *o2 = NULL;
    assert_int_equal(dnp3_outstation_new(&c2, t.db, NULL, NULL, &o2), 0);
    send_hex(&t, "C0 02 32 01 07 01 00 10 00 00 00 00"); /* the clock: 0x1000 at time 0 */
    expect_hex(&t, "C0 81 80 00");
    assert_int_equal(dnp3_db_update_analog(t.db, 2, 100.0, DNP3_FLAG_ONLINE, 0x2000), 0);
    send_hex(&t, "C1 05 " CROB3 " 00");
    expect_hex(&t, "C1 81 82 00 " CROB3 " 00");
    assert_int_equal(dnp3_db_update_analog(t.db, 2, 200.0, DNP3_FLAG_ONLINE, 0x3000), 0);
    send_hex(&t, "C2 01 3C 02 06");
    expect_hex(&t, "E2 81 80 00"
                   " 20 01 28 01 00 02 00 01 64 00 00 00"       /* g32v1 #2 100 */
                   " 0D 02 28 01 00 03 00 80 00 10 00 00 00 00" /* g13v2 #3 on, SUCCESS */
                   " 20 01 28 01 00 02 00 01 C8 00 00 00");     /* g32v1 #2 200 */
    send_hex(&t, "C2 00");
    assert_int_equal(counters(&t).events_confirmed, 3);
    assert_int_equal(counters(&t).command_events, 1);
    dnp3_event_buffer_counters_t bc;
    assert_int_equal(dnp3_event_buffer_counters(dnp3_outstation_event_buffer(t.o), &bc), 0);
    assert_int_equal(bc.confirmed[0][DNP3_EV_BINARY_COMMAND], 1);
    assert_int_equal(bc.confirmed[0][DNP3_PT_ANALOG], 2);
    assert_int_equal(bc.held[0][DNP3_EV_BINARY_COMMAND], 0);
    /* The other master's buffer got the command event too, unconfirmed. */
    assert_int_equal(dnp3_event_buffer_counters(dnp3_outstation_event_buffer(o2), &bc), 0);
    assert_int_equal(bc.added[0][DNP3_EV_BINARY_COMMAND], 1);
    assert_int_equal(bc.held[0][DNP3_EV_BINARY_COMMAND], 1);
    assert_int_equal(bc.held[0][DNP3_PT_ANALOG], 2);
    dnp3_outstation_free(o2);
    scn_teardown(&t);
}

/* Command events return to the buffer on a confirm timeout and are sent
 * again; over their per-kind capacity the oldest is discarded, counted,
 * and IIN2.3 reported until a confirm. */
static void test_command_events_unwritten_and_overflow(void **state)
{
    (void)state;
    scn_t t;
    dnp3_outstation_config_t c;
    scn_os_config(&c);
    c.command_event_class = DNP3_CLASS_3;
    c.command_event_capacity = 1;
    scn_setup(&t, NULL, &c);
    send_hex(&t, "C0 02 32 01 07 01 00 10 00 00 00 00");
    expect_hex(&t, "C0 81 80 00");
    send_hex(&t, "C1 05 " CROB3 " 00");
    expect_hex(&t, "C1 81 88 00 " CROB3 " 00");
    send_hex(&t, "C2 01 3C 04 06");
    expect_hex(&t, "E2 81 80 00 0D 02 28 01 00 03 00 80 00 10 00 00 00 00");
    advance(&t, 5000); /* no confirm: the event goes back, still class 3 data */
    assert_int_equal(counters(&t).confirms_timed_out, 1);
    send_hex(&t, "C3 01 3C 04 06");
    expect_hex(&t, "E3 81 80 00 0D 02 28 01 00 03 00 80 00 10 00 00 00 00");
    send_hex(&t, "C3 00");
    /* two more controls at 0x1000 + 5002 = 0x238A: the first one's event is discarded */
    advance(&t, 2);
    send_hex(&t, "C4 05 " CROB3 " 00");
    expect_hex(&t, "C4 81 88 00 " CROB3 " 00");
    send_hex(&t, "C5 05 0C 01 28 01 00 04 00 04 01 64 00 00 00 64 00 00 00 00");
    expect_hex(&t, "C5 81 88 08 0C 01 28 01 00 04 00 04 01 64 00 00 00 64 00 00 00 00");
    /* g13v2 #4 off (PULSE_OFF), SUCCESS */
    send_hex(&t, "C6 01 3C 04 06");
    expect_hex(&t, "E6 81 80 08 0D 02 28 01 00 04 00 00 8A 23 00 00 00 00");
    send_hex(&t, "C6 00");
    send_hex(&t, "C7 01 3C 04 06");
    expect_hex(&t, "C7 81 80 00");
    dnp3_outstation_counters_t oc = counters(&t);
    assert_int_equal(oc.command_events, 3);
    assert_int_equal(oc.command_events_discarded, 1);
    assert_int_equal(oc.events_confirmed, 2);
    assert_int_equal(oc.events_sent, 3);
    dnp3_event_buffer_counters_t bc;
    assert_int_equal(dnp3_event_buffer_counters(dnp3_outstation_event_buffer(t.o), &bc), 0);
    assert_int_equal(bc.added[2][DNP3_EV_BINARY_COMMAND], 3);
    assert_int_equal(bc.confirmed[2][DNP3_EV_BINARY_COMMAND], 2);
    assert_int_equal(bc.discarded[2][DNP3_EV_BINARY_COMMAND], 1);
    assert_int_equal(bc.held[2][DNP3_EV_BINARY_COMMAND], 0);
    assert_int_equal(bc.returned, 1);
    assert_int_equal(bc.overflows, 1);
    scn_teardown(&t);
}

/* ---- the fast path of a CROB request against the general one ---- */

/* The usual shape passes the conformance table for every control function:
 * dnp3i_os_control_fast skips the walk that would check it. */
static void test_fast_shape_conforms(void **state)
{
    (void)state;
    static const uint8_t funcs[] = {DNP3_FC_SELECT, DNP3_FC_OPERATE, DNP3_FC_DIRECT_OPERATE,
                                    DNP3_FC_DIRECT_OPERATE_NR};
    static const uint8_t quals[] = {0x17, 0x28};
    for (size_t f = 0; f < sizeof funcs; f++)
        for (size_t q = 0; q < sizeof quals; q++) {
            dnp3_obj_header_t h = {.group = 12, .variation = 1, .qualifier = quals[q]};
            assert_int_equal(dnp3i_os_conform(funcs[f], &h), 0);
        }
}

static uint32_t rnd(uint32_t *s)
{
    *s ^= *s << 13;
    *s ^= *s >> 17;
    *s ^= *s << 5;
    return *s;
}

/* A control request: mostly the fast path's shape (qualifier 0x17 or 0x28,
 * 1..3 CROBs, some past the 10 points, some of 2-byte indexes, any code), sometimes another
 * qualifier, a count of 0, a byte too many or too few. */
static size_t random_request(uint32_t *s, uint8_t *req)
{
    static const uint8_t funcs[] = {DNP3_FC_SELECT, DNP3_FC_OPERATE, DNP3_FC_DIRECT_OPERATE,
                                    DNP3_FC_DIRECT_OPERATE_NR};
    static const uint8_t codes[] = {0x01, 0x03, 0x04, 0x41, 0x81, 0x10, 0x05, 0xC1, 0x00, 0x02};
    req[0] = (uint8_t)(0xC0 | (rnd(s) & 15));
    req[1] = funcs[rnd(s) % 4];
    uint32_t pick = rnd(s) % 16;
    uint8_t qual = pick < 7 ? 0x17 : pick < 14 ? 0x28 : pick == 14 ? 0x00 : 0x07;
    uint32_t count = rnd(s) % 4; /* 0 now and then */
    if (rnd(s) % 8 == 0)
        count = 17 + rnd(s) % 3; /* above max_controls_per_request */
    size_t n = 2;
    req[n++] = 12;
    req[n++] = rnd(s) % 16 == 0 ? 2 : 1;
    req[n++] = qual;
    size_t ps = qual == 0x28 ? 2 : 1;
    if (qual == 0x28) {
        req[n++] = (uint8_t)count;
        req[n++] = 0;
    } else if (qual == 0x00) {
        req[n++] = 1; /* range 1..1 */
        req[n++] = 1;
        count = 1;
        ps = 0;
    } else {
        req[n++] = (uint8_t)count;
    }
    for (uint32_t k = 0; k < count; k++) {
        uint32_t idx = rnd(s) % 8 == 0 ? rnd(s) % 65536 : rnd(s) % 12;
        if (ps >= 1)
            req[n++] = (uint8_t)idx;
        if (ps == 2)
            req[n++] = (uint8_t)(idx >> 8);
        req[n++] = codes[rnd(s) % sizeof codes];
        req[n++] = (uint8_t)(rnd(s) % 3);
        for (int b = 0; b < 8; b++)
            req[n++] = (uint8_t)rnd(s);
        req[n++] = (uint8_t)(rnd(s) % 4 == 0 ? rnd(s) : 0);
    }
    uint32_t tail = rnd(s) % 16;
    if (tail == 0)
        req[n++] = 0;
    else if (tail == 1 && n > 5)
        n--;
    return n;
}

/* check_headers' walk (os_session.c), for the general path. Returns the
 * IIN2 bits. */
static uint16_t general_headers(dnp3i_req_t *r)
{
    dnp3_obj_iter_t it;
    dnp3_obj_header_t oh;
    uint16_t err = 0;
    int rc;
    dnp3_obj_iter_init(&it, r->frag, r->len, r->h);
    r->objects = 0;
    r->fixed_only = true;
    r->headers = 0;
    while ((rc = dnp3_obj_iter_next(&it, &oh)) > 0) {
        err |= dnp3i_os_conform(r->h->func, &oh);
        if (r->headers == 0)
            r->first = oh;
        r->headers = (uint8_t)(r->headers < 2 ? r->headers + 1 : 2);
        r->objects += oh.count;
        r->fixed_only = r->fixed_only && dnp3i_os_fixed_size(&oh);
    }
    return rc < 0 ? DNP3_IIN_PARAMETER_ERROR : err;
}

static void assert_same_state(const scn_t *a, const scn_t *b)
{
    const dnp3_outstation_t *x = a->o, *y = b->o;
    assert_int_equal(a->controls, b->controls);
    assert_int_equal(a->last_control.mode, b->last_control.mode);
    assert_int_equal(a->last_control.index, b->last_control.index);
    assert_int_equal(a->last_control.v.crob.code, b->last_control.v.crob.code);
    assert_int_equal(a->last_control.v.crob.count, b->last_control.v.crob.count);
    assert_int_equal(a->last_control.v.crob.on_ms, b->last_control.v.crob.on_ms);
    assert_int_equal(a->last_control.v.crob.off_ms, b->last_control.v.crob.off_ms);
    dnp3_outstation_counters_t ca = counters(a), cb = counters(b);
    assert_memory_equal(ca.controls, cb.controls, sizeof ca.controls);
    assert_int_equal(ca.controls_other, cb.controls_other);
    assert_int_equal(ca.select_timeouts, cb.select_timeouts);
    assert_int_equal(ca.command_events, cb.command_events);
    assert_int_equal(x->sel_valid, y->sel_valid);
    if (x->sel_valid) {
        assert_int_equal(x->sel_seq, y->sel_seq);
        assert_int_equal(x->sel_len, y->sel_len);
        assert_int_equal(x->sel_hash, y->sel_hash);
        assert_int_equal(x->sel_time, y->sel_time);
    }
}

/* 20,000 random control requests, each carried out by the fast path in
 * one outstation and by the general path (header walk, conformance,
 * dnp3i_os_control) in another in the same state: the same echo, IIN2,
 * callbacks, counters and SELECT, and the fast path takes exactly the
 * requests of its shape. A SELECT's objects come back as an OPERATE with
 * the next sequence number half of the time, so OPERATEs succeed too. */
static void test_fast_path_same_as_general(void **state)
{
    (void)state;
    dnp3_outstation_config_t cfg;
    scn_os_config(&cfg);
    cfg.command_event_class = 1;
    scn_t a, b;
    scn_setup(&a, NULL, &cfg);
    scn_setup(&b, NULL, &cfg);
    uint32_t s = 0x2545F491u;
    uint8_t req[300], last_select[300];
    size_t last_select_len = 0;
    uint8_t last_select_seq = 0;
    unsigned fast = 0, operated = 0;
    dnp3_timestamp_t now = 1000;
    for (int i = 0; i < 20000; i++) {
        size_t len = random_request(&s, req);
        if (last_select_len && rnd(&s) % 2 == 0) {
            memcpy(req, last_select, last_select_len);
            len = last_select_len;
            req[0] = (uint8_t)(0xC0 | ((last_select_seq + 1) & 15));
            req[1] = DNP3_FC_OPERATE;
        }
        if (req[1] == DNP3_FC_SELECT) {
            memcpy(last_select, req, len);
            last_select_len = len;
            last_select_seq = req[0] & 15;
        }
        now += rnd(&s) % 8 == 0 ? 6000 : rnd(&s) % 100;
        a.o->now = b.o->now = now;
        a.control_status = b.control_status = rnd(&s) % 5 == 0 ? DNP3_CS_HARDWARE_ERROR : 0;
        dnp3_app_header_t h;
        assert_true(dnp3_app_header_read(req, len, &h) >= 0);
        dnp3i_req_t ra = {.h = &h, .frag = req, .len = len}, rb = ra;
        uint8_t ea[256], eb[256];
        dnp3_app_writer_t wa, wb;
        dnp3_app_writer_init(&wa, ea, 249);
        dnp3_app_writer_init(&wb, eb, 249);
        uint16_t err_a = 0;
        bool took = dnp3i_os_control_fast(a.o, &ra, ea, wa.cap, &err_a);
        if (took && err_a == 0)
            wa.len = len - 2;
        const uint16_t hdr_b = general_headers(&rb);
        uint16_t err_b = hdr_b ? hdr_b : dnp3i_os_control(b.o, &rb, true, &wb);
        if (took) {
            fast++;
            operated += req[1] == DNP3_FC_OPERATE && err_a == 0 && ea[wa.len - 1] == 0;
            assert_int_equal(err_a, err_b);
            assert_int_equal(wa.len, wb.len);
            assert_memory_equal(ea, eb, wa.len);
        } else {
            /* not the shape: the general path's answer on both */
            uint16_t err = general_headers(&ra);
            if (!err)
                err = dnp3i_os_control(a.o, &ra, true, &wa);
            assert_int_equal(err, err_b);
        }
        /* the shape, exactly: CROBs, 0x17/0x28, a count, no byte more or less */
        bool shape = req[2] == 12 && req[3] == 1 && (req[4] == 0x17 || req[4] == 0x28) &&
                     hdr_b == 0 && rb.headers == 1 && rb.objects > 0;
        assert_int_equal(took, shape);
        assert_same_state(&a, &b);
    }
    /* the seed is fixed: 11,129 took the fast path, 114 OPERATEs succeeded */
    assert_int_equal(fast, 11129);
    assert_int_equal(operated, 114);
    scn_teardown(&a);
    scn_teardown(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_status_echoed),
        cmocka_unit_test(test_direct_operate),
        cmocka_unit_test(test_repeat_not_executed_twice),
        cmocka_unit_test(test_select_operate),
        cmocka_unit_test(test_operate_mismatch),
        cmocka_unit_test(test_select_timeout),
        cmocka_unit_test(test_direct_operate_nr),
        cmocka_unit_test(test_outstation_checks),
        cmocka_unit_test(test_too_many),
        cmocka_unit_test(test_analog_output),
        cmocka_unit_test(test_malformed_not_executed),
        cmocka_unit_test(test_command_events),
        cmocka_unit_test(test_command_event_in_soe_order),
        cmocka_unit_test(test_command_events_unwritten_and_overflow),
        cmocka_unit_test(test_fast_shape_conforms),
        cmocka_unit_test(test_fast_path_same_as_general),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
