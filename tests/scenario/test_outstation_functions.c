/* Outstation requests other than READ and controls: WRITE (IIN, time,
 * deadbands), time procedures and NEED_TIME, restarts, freezes,
 * ASSIGN_CLASS, every IIN2 error path, addresses, broadcast, limits. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

#include "scenario.h"

static void test_clear_restart(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    /* writing 1, or other bits, is a parameter error */
    send_hex(&t, "C0 02 50 01 00 07 07 01");
    expect_hex(&t, "C0 81 90 04");
    send_hex(&t, "C1 02 50 01 00 04 07 00");
    expect_hex(&t, "C1 81 90 04");
    send_hex(&t, "C2 02 50 01 00 07 07 00");
    expect_hex(&t, "C2 81 10 00");
    assert_int_equal(counters(&t).errors_iin, 2);
    scn_teardown(&t);
}

/* WRITE g50v1: NEED_TIME clears, and rises again after the period. */
static void test_write_time(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    t.now = 100;
    send_hex(&t, "C0 02 32 01 07 01 F8 B8 6C AA F0 00");
    expect_hex(&t, "C0 81 80 00");
    assert_int_equal(t.time_calls, 1);
    assert_true(t.time_utc == 0x00F0AA6CB8F8ull);
    assert_int_equal(t.time_at, 100);
    assert_int_equal(dnp3_outstation_next_deadline(t.o), 100 + 600000);
    advance(&t, 599999);
    assert_int_equal(dnp3_outstation_iin(t.o), 0x8000);
    advance(&t, 1);
    assert_int_equal(dnp3_outstation_iin(t.o), 0x9000);
    /* READ g50v1: the time now (set + elapsed) */
    send_hex(&t, "C2 01 32 01 07 01");
    expect_hex(&t, "C2 81 90 00 32 01 07 01 B8 E0 75 AA F0 00");
    /* count must be 1 */
    send_hex(&t, "C1 02 32 01 07 02 F8 B8 6C AA F0 00 F8 B8 6C AA F0 00");
    expect_hex(&t, "C1 81 90 04");
    scn_teardown(&t);
}

/* LAN procedure: RECORD_CURRENT_TIME, then g50v3 carries the master's time
 * at that moment. g50v3 without it is a parameter error. */
static void test_record_current_time(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    send_hex(&t, "C0 02 32 03 07 01 00 10 00 00 00 00");
    expect_hex(&t, "C0 81 90 04");
    t.now = 50;
    send_hex(&t, "C1 18");
    expect_hex(&t, "C1 81 90 00");
    advance(&t, 30);
    send_hex(&t, "C2 02 32 03 07 01 00 10 00 00 00 00");
    expect_hex(&t, "C2 81 80 00");
    assert_int_equal(t.time_calls, 1);
    assert_int_equal(t.time_utc, 0x1000);
    assert_int_equal(t.time_at, 50);
    /* the recorded time is used once */
    send_hex(&t, "C3 02 32 03 07 01 00 10 00 00 00 00");
    expect_hex(&t, "C3 81 80 04");
    scn_teardown(&t);
}

/* DELAY_MEASURE: g52v2 holds the time from request to response. */
static void test_delay_measure(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    send_hex(&t, "C0 17");
    advance(&t, 7);
    expect_hex(&t, "C0 81 90 00 34 02 07 01 07 00");
    /* The master lost it and asks again (4.4.1): the response as it was
     * built is sent again, not measured anew. */
    advance(&t, 5);
    send_hex(&t, "C0 17");
    expect_hex(&t, "C0 81 90 00 34 02 07 01 00 00");
    assert_int_equal(counters(&t).repeats, 1);
    /* objects are not expected */
    send_hex(&t, "C1 17 3C 01 06");
    expect_hex(&t, "C1 81 90 02");
    scn_teardown(&t);
}

static void test_restart(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    t.restart_delay = 1500;
    send_hex(&t, "C0 0D");
    expect_hex(&t, "C0 81 90 00 34 02 07 01 DC 05");
    send_hex(&t, "C1 0E");
    expect_hex(&t, "C1 81 90 00 34 02 07 01 DC 05");
    assert_int_equal(t.restarts, 2);
    t.restart_rc = -1; /* the application refuses */
    send_hex(&t, "C2 0D");
    expect_hex(&t, "C2 81 90 01");
    scn_teardown(&t);

    dnp3_outstation_config_t c;
    scn_os_config(&c);
    c.restart_delay_seconds = true;
    scn_setup(&t, NULL, &c);
    t.restart_delay = 1500; /* 2 s: rounded up */
    send_hex(&t, "C0 0D");
    expect_hex(&t, "C0 81 90 00 34 01 07 01 02 00");
    scn_teardown(&t);
}

static void test_freeze(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    dnp3_db_update_counter(t.db, 2, 7, 1, 1);
    send_hex(&t, "C0 07 14 00 00 02 02");
    expect_hex(&t, "C0 81 92 00");
    send_hex(&t, "C1 01 15 01 00 02 02");
    expect_hex(&t, "C1 81 92 00 15 01 00 02 02 01 07 00 00 00");
    /* FREEZE_CLEAR_NR: no response, the counter is 0 */
    send_hex(&t, "C2 0A 14 00 06");
    expect_none(&t);
    dnp3_db_point_t p;
    dnp3_db_read(t.db, DNP3_PT_COUNTER, 2, &p);
    assert_int_equal(p.value.counter, 0);
    /* beyond the counters: parameter error, nothing frozen */
    send_hex(&t, "C3 07 14 00 00 02 0A");
    expect_hex(&t, "C3 81 92 04");
    /* FREEZE_AT_TIME: handed to the application */
    send_hex(&t, "C4 0B 32 02 07 01 00 10 00 00 00 00 E8 03 00 00 14 00 06");
    expect_hex(&t, "C4 81 92 00");
    assert_true(t.last_freeze.at_time);
    assert_int_equal(t.last_freeze.time, 0x1000);
    assert_int_equal(t.last_freeze.interval_ms, 1000);
    assert_int_equal(t.last_freeze.stop, 9);
    /* the time must come first */
    send_hex(&t, "C5 0B 14 00 06");
    expect_hex(&t, "C5 81 92 04");
    scn_teardown(&t);
}

/* The other three freeze functions: IMMED_FREEZE_NR and FREEZE_AT_TIME_NR
 * act without a response; FREEZE_CLEAR answers, freezes, then clears. */
static void test_freeze_nr_and_clear(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    dnp3_db_update_counter(t.db, 3, 9, 1, 1);
    send_hex(&t, "C0 08 14 00 00 03 03"); /* IMMED_FREEZE_NR */
    expect_none(&t);
    send_hex(&t, "C1 01 15 01 00 03 03");
    expect_hex(&t, "C1 81 92 00 15 01 00 03 03 01 09 00 00 00");
    dnp3_db_update_counter(t.db, 3, 11, 1, 2);
    send_hex(&t, "C2 09 14 00 00 03 03"); /* FREEZE_CLEAR */
    expect_hex(&t, "C2 81 92 00");
    send_hex(&t, "C3 01 14 01 00 03 03 15 01 00 03 03");
    expect_hex(&t, "C3 81 92 00 14 01 00 03 03 01 00 00 00 00 15 01 00 03 03 01 0B 00 00 00");
    int before = t.freezes;
    send_hex(&t, "C4 0C 32 02 07 01 00 20 00 00 00 00 D0 07 00 00 14 00 06"); /* AT_TIME_NR */
    expect_none(&t);
    assert_int_equal(t.freezes, before + 1);
    assert_true(t.last_freeze.at_time);
    assert_int_equal(t.last_freeze.time, 0x2000);
    assert_int_equal(t.last_freeze.interval_ms, 2000);
    scn_teardown(&t);
}

static void test_assign_class(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    send_hex(&t, "C0 16 3C 03 06 1E 00 00 00 01");
    expect_hex(&t, "C0 81 90 00");
    dnp3_db_update_analog(t.db, 1, 3.0, 1, 1);
    send_hex(&t, "C1 01 3C 03 06");
    expect_hex(&t, "E1 81 90 00 20 01 28 01 00 01 00 01 03 00 00 00");
    send_hex(&t, "C1 00");
    /* class 0: no more events */
    send_hex(&t, "C2 16 3C 01 06 1E 00 00 00 01");
    expect_hex(&t, "C2 81 90 00");
    dnp3_db_update_analog(t.db, 1, 4.0, 1, 1);
    assert_int_equal(dnp3_outstation_iin(t.o) & 0x0E00, 0);
    /* a point header without a class first */
    send_hex(&t, "C3 16 1E 00 06");
    expect_hex(&t, "C3 81 90 04");
    scn_teardown(&t);
}

static void test_deadband(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    send_hex(&t, "C0 02 22 01 17 01 02 0A 00");
    expect_hex(&t, "C0 81 90 00");
    double d = 0;
    dnp3_db_get_deadband(t.db, DNP3_PT_ANALOG, 2, &d);
    assert_true(d == 10.0);
    send_hex(&t, "C1 01 22 01 00 02 02");
    expect_hex(&t, "C1 81 90 00 22 01 00 02 02 0A 00");
    /* index 10 does not exist */
    send_hex(&t, "C2 02 22 01 17 01 0A 0A 00");
    expect_hex(&t, "C2 81 90 04");
    scn_teardown(&t);
}

/* IIN2.0 / IIN2.1 / IIN2.2 */
static void test_error_bits(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    send_hex(&t, "C0 1F"); /* ACTIVATE_CONFIG: not supported */
    expect_hex(&t, "C0 81 90 01");
    send_hex(&t, "C1 70"); /* undefined function code */
    expect_hex(&t, "C1 81 90 01");
    send_hex(&t, "C2 14 3C 02 06"); /* unsolicited off by configuration */
    expect_hex(&t, "C2 81 90 01");
    send_hex(&t, "C3 01 1E 07 06"); /* g30v7 does not exist */
    expect_hex(&t, "C3 81 90 02");
    send_hex(&t, "C4 01 01 02 07 01"); /* g1v2 with a count qualifier */
    expect_hex(&t, "C4 81 90 04");
    send_hex(&t, "C5 01 01 02 00 05"); /* header cut short */
    expect_hex(&t, "C5 81 90 04");
    send_hex(&t, "C6 01 01 02 99"); /* reserved qualifier */
    expect_hex(&t, "C6 81 90 04");
    send_hex(&t, "C7 01 46 03 06"); /* file objects: not supported */
    expect_hex(&t, "C7 81 90 02");
    assert_int_equal(counters(&t).errors_iin, 8);
    assert_int_equal(counters(&t).requests[DNP3_FC_READ], 5);
    /* 0x70 is no code 1815-2012 defines: counted apart, not in requests[0x70]. */
    assert_int_equal(counters(&t).requests_other, 1);
    assert_int_equal(counters(&t).requests[0x70], 0);
    scn_teardown(&t);
}

static void test_addresses(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    uint8_t req[] = {0xC0, 0x01, 0x50, 0x01, 0x00, 0x07, 0x07};
    send_bytes(&t, 2, 10, req, sizeof req); /* another master */
    expect_none(&t);
    send_bytes(&t, 1, 11, req, sizeof req); /* another outstation */
    expect_none(&t);
    assert_int_equal(counters(&t).wrong_address, 2);
    assert_true(t.logs >= 2);
    send_bytes(&t, 1, 0xFFFC, req, sizeof req); /* self address */
    expect_hex(&t, "C0 81 90 00 50 01 00 07 07 01");
    scn_teardown(&t);

    dnp3_outstation_config_t c;
    scn_os_config(&c);
    c.self_address = false;
    scn_setup(&t, NULL, &c);
    send_bytes(&t, 1, 0xFFFC, req, sizeof req);
    expect_none(&t);
    scn_teardown(&t);
}

/* Broadcast: carried out, no response, IIN1.0 in the next response. */
static void test_broadcast(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    send_hex_to(&t, 0xFFFF, "C0 02 50 01 00 07 07 00");
    expect_none(&t);
    send_hex(&t, "C1 01 50 01 00 00 07");
    expect_hex(&t, "C1 81 11 00 50 01 00 00 07 11");
    send_hex(&t, "C2 01 50 01 00 00 07"); /* reported once */
    expect_hex(&t, "C2 81 10 00 50 01 00 00 07 10");
    /* a READ is not carried out by broadcast */
    send_hex_to(&t, 0xFFFD, "C3 01 3C 01 06");
    expect_none(&t);
    send_hex(&t, "C4 17");
    expect_hex(&t, "C4 81 10 00 34 02 07 01 00 00");
    /* 0xFFFE: the next response asks for a confirm; IIN1.0 until then */
    send_hex_to(&t, 0xFFFE,
                "C5 06 "
                "0C 01 28 01 00 03 00 01 01 64 00 00 00 64 00 00 00 00");
    expect_none(&t);
    assert_int_equal(t.controls, 1);
    send_hex(&t, "C6 18");
    expect_hex(&t, "E6 81 11 00");
    /* not confirmed: the next response asks again */
    send_hex(&t, "C7 18");
    expect_hex(&t, "E7 81 11 00");
    send_hex(&t, "C7 00");
    send_hex(&t, "C8 18");
    expect_hex(&t, "C8 81 10 00");
    assert_int_equal(counters(&t).broadcasts, 2);
    scn_teardown(&t);
}

/* A response or an unsolicited response sent TO an outstation (a master
 * talking to another master, or a reflected stream): not a request, so no
 * answer and nothing carried out; counted as malformed, and the next real
 * request is answered as usual. */
static void test_response_to_outstation(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    send_hex(&t, "C0 81 00 00 3C 02 06"); /* RESPONSE */
    expect_none(&t);
    send_hex(&t, "F1 82 00 00"); /* UNSOLICITED_RESPONSE */
    expect_none(&t);
    assert_int_equal(counters(&t).malformed, 2);
    send_hex(&t, "C2 01 50 01 00 07 07");
    expect_hex(&t, "C2 81 90 00 50 01 00 07 07 01");
    scn_teardown(&t);
}

static void test_too_large(void **state)
{
    (void)state;
    scn_t t;
    dnp3_outstation_config_t c;
    scn_os_config(&c);
    c.max_rx_fragment = 8;
    scn_setup(&t, NULL, &c);
    send_hex(&t, "C0 01 3C 02 06 3C 03 06 3C 04 06");
    expect_hex(&t, "C0 81 90 04");
    assert_int_equal(counters(&t).too_large, 1);
    send_hex(&t, "C1"); /* shorter than a header: dropped */
    expect_none(&t);
    assert_int_equal(counters(&t).malformed, 1);
    scn_teardown(&t);
}

/* Application-owned IIN bits. */
static void test_app_iin(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    assert_int_equal(
        dnp3_outstation_set_iin(t.o, DNP3_IIN_DEVICE_TROUBLE | DNP3_IIN_CONFIG_CORRUPT, true), 0);
    assert_int_equal(dnp3_outstation_set_iin(t.o, DNP3_IIN_NEED_TIME, true), DNP3_E_INVALID_ARG);
    send_hex(&t, "C0 18");
    expect_hex(&t, "C0 81 D0 20");
    dnp3_outstation_set_iin(t.o, DNP3_IIN_CONFIG_CORRUPT, false);
    dnp3_outstation_set_iin(t.o, DNP3_IIN_ALREADY_EXECUTING, true);
    send_hex(&t, "C1 18");
    expect_hex(&t, "C1 81 D0 10");
    scn_teardown(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_clear_restart),
        cmocka_unit_test(test_write_time),
        cmocka_unit_test(test_record_current_time),
        cmocka_unit_test(test_delay_measure),
        cmocka_unit_test(test_restart),
        cmocka_unit_test(test_freeze),
        cmocka_unit_test(test_freeze_nr_and_clear),
        cmocka_unit_test(test_assign_class),
        cmocka_unit_test(test_deadband),
        cmocka_unit_test(test_error_bits),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_broadcast),
        cmocka_unit_test(test_too_large),
        cmocka_unit_test(test_response_to_outstation),
        cmocka_unit_test(test_app_iin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
