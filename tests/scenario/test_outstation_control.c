/* Outstation controls: SELECT/OPERATE, DIRECT_OPERATE(_NR), CROB and
 * analog output blocks, every check the outstation makes itself, and a
 * repeated request never carried out twice. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>

#include <cmocka.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_direct_operate),    cmocka_unit_test(test_repeat_not_executed_twice),
        cmocka_unit_test(test_select_operate),    cmocka_unit_test(test_operate_mismatch),
        cmocka_unit_test(test_select_timeout),    cmocka_unit_test(test_direct_operate_nr),
        cmocka_unit_test(test_outstation_checks), cmocka_unit_test(test_too_many),
        cmocka_unit_test(test_analog_output),     cmocka_unit_test(test_malformed_not_executed),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
