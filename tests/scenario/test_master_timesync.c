/* Time synchronisation: LAN (RECORD_CURRENT_TIME, WRITE g50v3 with the
 * time the first request left) and non-LAN (DELAY_MEASURE, WRITE g50v1
 * corrected by half the round trip minus the outstation's turnaround).
 * UTC in the harness = MH_UTC0 + now (1700000000000 + now ms). */
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

static void lan(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(dnp3_master_assoc_time_sync(h.a, h.now, DNP3_TIME_SYNC_LAN), 1);
    mh_expect_tx(&h, "C2 18"); /* at now 1000: UTC 1700000001000 */
    mh_advance(&h, 50);
    mh_rx(&h, "C2 81 00 00");
    mh_advance(&h, 20);
    mh_expect_tx(&h, "C3 02 32 03 07 01 E8 6B E5 CF 8B 01");
    mh_rx(&h, "C3 81 00 00");
    mh_expect_events(&h, "task time_sync 1 SUCCESS\n");
}

static void non_lan(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(dnp3_master_assoc_time_sync(h.a, h.now, DNP3_TIME_SYNC_NON_LAN), 1);
    mh_expect_tx(&h, "C2 17");
    mh_advance(&h, 300);
    mh_rx(&h, "C2 81 00 00 34 02 07 01 64 00"); /* turnaround 100 ms */
    /* one-way delay (300 - 100) / 2 = 100: UTC 1700000001300 + 100 */
    mh_expect_tx(&h, "C3 02 32 01 07 01 78 6D E5 CF 8B 01");
    mh_rx(&h, "C3 81 00 00");
    mh_expect_events(&h, "task time_sync 1 SUCCESS delay=100\n");
}

static void non_lan_without_delay_object(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(dnp3_master_assoc_time_sync(h.a, h.now, DNP3_TIME_SYNC_NON_LAN), 1);
    mh_expect_tx(&h, "C2 17");
    mh_rx(&h, "C2 81 00 00");
    mh_expect_events(&h, "task time_sync 1 RESPONSE_ERROR retry\n");
    mh_advance(&h, 5000);
    mh_expect_tx(&h, "C3 17");
}

/* Non-LAN arithmetic: the written time is our UTC time when the WRITE
 * leaves (not when the delay answer came) plus the one-way delay; a
 * turnaround longer than the round trip gives a delay of 0, not a wrap. */
static void non_lan_written_later_and_long_turnaround(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(dnp3_master_assoc_time_sync(h.a, h.now, DNP3_TIME_SYNC_NON_LAN), 1);
    mh_expect_tx(&h, "C2 17"); /* at now 1000 */
    mh_advance(&h, 300);
    mh_rx(&h, "C2 81 00 00 34 02 07 01 64 00"); /* turnaround 100 ms: delay 100 */
    mh_advance(&h, 20);
    /* the WRITE leaves at now 1320: UTC 1700000001320 + 100 */
    mh_expect_tx(&h, "C3 02 32 01 07 01 8C 6D E5 CF 8B 01");
    mh_rx(&h, "C3 81 00 00");
    mh_expect_events(&h, "task time_sync 1 SUCCESS delay=100\n");

    assert_int_equal(dnp3_master_assoc_time_sync(h.a, h.now, DNP3_TIME_SYNC_NON_LAN), 2);
    mh_expect_tx(&h, "C4 17");
    mh_advance(&h, 300);
    mh_rx(&h, "C4 81 00 00 34 02 07 01 F4 01");              /* turnaround 500 > round trip 300 */
    mh_expect_tx(&h, "C5 02 32 01 07 01 54 6E E5 CF 8B 01"); /* UTC 1700000001620 + 0 */
    mh_rx(&h, "C5 81 00 00");
    mh_expect_events(&h, "task time_sync 2 SUCCESS\n" /* delay 0 */);
}

static void lan_sync(dnp3_master_config_t *cfg)
{
    cfg->time_sync_on_need_time = DNP3_TIME_SYNC_LAN;
}

static void no_clock(void **state)
{
    (void)state;
    mh_open_no_clock(&h, lan_sync);
    mh_startup(&h);
    assert_int_equal(dnp3_master_assoc_time_sync(h.a, h.now, DNP3_TIME_SYNC_LAN), DNP3_E_STATE);
    /* NEED_TIME: the automatic sync fails for want of a clock, not retried */
    mh_rx(&h, "D1 82 10 00");
    mh_expect_tx(&h, "");
    mh_expect_events(&h, "iin 0000 -> 1000\ntask time_sync NO_CLOCK\n");
    mh_expect_no_tx(&h);
    /* A UTC anchor instead of the callback: UTC 1700000000000 at mono 0. */
    dnp3_master_assoc_set_utc(h.a, 0, MH_UTC0);
    assert_int_equal(dnp3_master_assoc_time_sync(h.a, h.now, DNP3_TIME_SYNC_LAN), 1);
    mh_expect_tx(&h, "C2 18");
    mh_rx(&h, "C2 81 00 00");
    mh_expect_tx(&h, "C3 02 32 03 07 01 E8 6B E5 CF 8B 01");
}

static void non_lan_sync(dnp3_master_config_t *cfg)
{
    cfg->time_sync_on_need_time = DNP3_TIME_SYNC_NON_LAN;
}

static void need_time_non_lan(void **state)
{
    (void)state;
    mh_open(&h, non_lan_sync);
    mh_startup(&h);
    mh_rx(&h, "D1 82 10 00");
    mh_expect_tx(&h, "C2 17");
    mh_advance(&h, 300);
    mh_rx(&h, "C2 81 10 00 34 01 07 01 00 00"); /* coarse delay: 0 s */
    mh_expect_tx(&h, "C3 02 32 01 07 01 AA 6D E5 CF 8B 01");
    mh_rx(&h, "C3 81 00 00");
    mh_expect_events(&h, "iin 0000 -> 1000\n"
                         "iin 1000 -> 0000\n"
                         "task time_sync SUCCESS delay=150\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(lan, teardown),
        cmocka_unit_test_teardown(non_lan, teardown),
        cmocka_unit_test_teardown(non_lan_written_later_and_long_turnaround, teardown),
        cmocka_unit_test_teardown(non_lan_without_delay_object, teardown),
        cmocka_unit_test_teardown(no_clock, teardown),
        cmocka_unit_test_teardown(need_time_non_lan, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
