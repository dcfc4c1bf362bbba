/* The caller's other tasks, as exact request bytes: restarts, freezes,
 * ASSIGN_CLASS, g34 deadbands, device attributes, unsolicited control, a
 * caller-built request; and the protocol trace through on_log. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "master_harness.h"

static mh_t h;

static int teardown(void **state)
{
    (void)state;
    mh_close(&h);
    return 0;
}

static void restarts(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(dnp3_master_assoc_restart(h.a, h.now, true), 1);
    mh_expect_tx(&h, "C2 0D");
    mh_rx(&h, "C2 81 00 00 34 01 07 01 05 00"); /* back in 5 s */
    assert_int_equal(dnp3_master_assoc_restart(h.a, h.now, false), 2);
    mh_expect_tx(&h, "C3 0E");
    mh_advance(&h, 5000); /* no answer: not retried (it may have restarted) */
    mh_expect_no_tx(&h);
    mh_expect_events(&h, "object g52v1 #0\n"
                         "task restart 1 SUCCESS delay=5000\n"
                         "state failed response_timeout\n"
                         "task restart 2 TIMEOUT\n");
}

static void freezes(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(dnp3_master_assoc_freeze(h.a, h.now, DNP3_FC_IMMED_FREEZE, true, 0, 0), 1);
    assert_int_equal(dnp3_master_assoc_freeze(h.a, h.now, DNP3_FC_FREEZE_CLEAR_NR, false, 0, 3), 2);
    assert_int_equal(dnp3_master_assoc_freeze(h.a, h.now, DNP3_FC_READ, true, 0, 0),
                     DNP3_E_INVALID_ARG);
    mh_expect_tx(&h, "C2 07 14 00 06");
    mh_rx(&h, "C2 81 00 00");
    mh_expect_tx(&h, "C3 0A 14 00 00 00 03");
    mh_expect_events(&h, "task freeze 1 SUCCESS\ntask freeze 2 SENT\n");
    mh_expect_no_tx(&h);
}

static void assign_class_and_deadbands(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(dnp3_master_assoc_assign_class(h.a, h.now, 2, 30, 0, false, 0, 9), 1);
    assert_int_equal(dnp3_master_assoc_assign_class(h.a, h.now, 0, 1, 0, true, 0, 0), 2);
    const dnp3_deadband_t db[] = {{0, 10}, {5, 1000}};
    assert_int_equal(dnp3_master_assoc_write_deadbands(h.a, h.now, 1, db, 2), 3);
    const dnp3_deadband_t dbf[] = {{300, 0.5}};
    assert_int_equal(dnp3_master_assoc_write_deadbands(h.a, h.now, 3, dbf, 1), 4);
    const dnp3_deadband_t bad[] = {{0, 70000}};
    assert_int_equal(dnp3_master_assoc_write_deadbands(h.a, h.now, 1, bad, 1), DNP3_E_APP_VALUE);
    mh_expect_tx(&h, "C2 16 3C 03 06 1E 00 00 00 09");
    mh_rx(&h, "C2 81 00 00");
    mh_expect_tx(&h, "C3 16 3C 01 06 01 00 06");
    mh_rx(&h, "C3 81 00 00");
    mh_expect_tx(&h, "C4 02 22 01 17 02 00 0A 00 05 E8 03");
    mh_rx(&h, "C4 81 00 00");
    mh_expect_tx(&h, "C5 02 22 03 28 01 00 2C 01 00 00 00 3F");
    mh_rx(&h, "C5 81 00 04"); /* PARAMETER_ERROR */
    mh_expect_events(&h, "task assign_class 1 SUCCESS\n"
                         "task assign_class 2 SUCCESS\n"
                         "task write_deadbands 3 SUCCESS\n"
                         "iin 0000 -> 0004\n"
                         "task write_deadbands 4 IIN2_ERROR\n");
}

static void attributes(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(dnp3_master_assoc_read_attributes(h.a, h.now, 0, 254), 1);
    mh_expect_tx(&h, "C2 01 00 FE 00 00 00");
    /* g0v252 manufacturer "AB" (VSTR), g0v250 product "X" */
    mh_rx(&h, "C2 81 00 00 00 FC 00 00 00 01 02 41 42 00 FA 00 00 00 01 01 58");
    mh_expect_events(&h, "object g0v252 #0\nobject g0v250 #0\ntask attributes 1 SUCCESS\n");
}

static void unsolicited_control(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(dnp3_master_assoc_unsolicited(h.a, h.now, true, DNP3_MASTER_CLASS_2), 1);
    assert_int_equal(dnp3_master_assoc_unsolicited(h.a, h.now, false, DNP3_MASTER_CLASS_0),
                     DNP3_E_INVALID_ARG);
    mh_expect_tx(&h, "C2 14 3C 03 06");
    mh_rx(&h, "C2 81 00 00");
    mh_expect_events(&h, "task enable_unsol 1 SUCCESS\n");
}

static void caller_built_request(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    const uint8_t objs[] = {0x1E, 0x02, 0x00, 0x04, 0x04}; /* g30v2 4-4 */
    assert_int_equal(dnp3_master_assoc_request(h.a, h.now, DNP3_FC_READ, objs, sizeof objs, true),
                     1);
    mh_expect_tx(&h, "C2 01 1E 02 00 04 04");
    mh_advance(&h, 5000);
    mh_expect_tx(&h, "");
    mh_advance(&h, 5000); /* retry: asked for */
    mh_expect_tx(&h, "C3 01 1E 02 00 04 04");
    mh_rx(&h, "C3 81 00 00 1E 02 00 04 04 01 07 00");
    mh_expect_events(&h, "state failed response_timeout\n"
                         "task request 1 TIMEOUT retry\n"
                         "state polling\n"
                         "analog_input g30v2 #4 7 f=01 static sol\n"
                         "response 1: C3 81 00 00 1E 02 00 04 04 01 07 00\n"
                         "task request 1 SUCCESS\n");
    /* a control through the generic path is never retried */
    const uint8_t crob[] = {0x0C, 0x01, 0x17, 0x01, 0x00, 0x01, 0x01, 0x00,
                            0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00};
    assert_int_equal(
        dnp3_master_assoc_request(h.a, h.now, DNP3_FC_DIRECT_OPERATE, crob, sizeof crob, true), 2);
    mh_expect_tx(&h, "C4 05 0C 01 17 01 00 01 01 00 00 00 00 00 00 00 00 00");
    mh_advance(&h, 5000);
    mh_expect_events(&h, "state failed response_timeout\n"
                         "analog_input g30v2 #4 7 f=04 static sol stale\n"
                         "task request 2 TIMEOUT\n");
    mh_expect_no_tx(&h);
    /* nor a restart or a freeze, retry asked for or not: they may have acted */
    assert_int_equal(dnp3_master_assoc_request(h.a, h.now, DNP3_FC_COLD_RESTART, NULL, 0, true), 3);
    mh_expect_tx(&h, "C5 0D");
    mh_advance(&h, 5000);
    const uint8_t all_counters[] = {0x14, 0x00, 0x06};
    assert_int_equal(dnp3_master_assoc_request(h.a, h.now, DNP3_FC_IMMED_FREEZE, all_counters,
                                               sizeof all_counters, true),
                     4);
    mh_expect_tx(&h, "C6 07 14 00 06");
    mh_advance(&h, 5000);
    mh_expect_events(&h, "task request 3 TIMEOUT\ntask request 4 TIMEOUT\n");
    mh_advance(&h, 60000);
    mh_expect_no_tx(&h);
    assert_int_equal(dnp3_master_assoc_request(h.a, h.now, DNP3_FC_RESPONSE, NULL, 0, false),
                     DNP3_E_INVALID_ARG);
}

static void trace_headers(dnp3_master_config_t *cfg)
{
    cfg->decode = DNP3_APP_DECODE_HEADER;
    cfg->startup_disable_unsolicited = false;
}

static void protocol_trace(void **state)
{
    (void)state;
    mh_open(&h, trace_headers);
    h.record_logs = true;
    mh_link_up(&h);
    mh_expect_tx(&h, "C0 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    mh_rx(&h, "E0 81 80 00");
    mh_expect_tx(&h, "C0 00");
    mh_expect_events(&h, "log INFO assoc 1->10: state connected\n"
                         "state connected\n"
                         "log INFO assoc 1->10: TX Application: FIR FIN seq=0 func=1 READ\n"
                         "log INFO assoc 1->10: RX Application: FIR FIN CON seq=0 func=129 "
                         "RESPONSE  IIN=0x8000 [DEVICE_RESTART]\n"
                         "log INFO assoc 1->10: IIN 0000 -> 8000 set: DEVICE_RESTART\n"
                         "iin 0000 -> 8000\n"
                         "task integrity SUCCESS\n"
                         "log INFO assoc 1->10: start-up sequence done\n"
                         "log INFO assoc 1->10: state polling\n"
                         "state polling\n"
                         "log INFO assoc 1->10: TX Application: FIR FIN seq=0 func=0 CONFIRM\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(restarts, teardown),
        cmocka_unit_test_teardown(freezes, teardown),
        cmocka_unit_test_teardown(assign_class_and_deadbands, teardown),
        cmocka_unit_test_teardown(attributes, teardown),
        cmocka_unit_test_teardown(unsolicited_control, teardown),
        cmocka_unit_test_teardown(caller_built_request, teardown),
        cmocka_unit_test_teardown(protocol_trace, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
