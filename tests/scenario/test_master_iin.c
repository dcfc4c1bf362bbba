/* The master's reactions to the outstation's IIN (IEEE 1815-2012
 * 4.2.2.7.2): DEVICE_RESTART, NEED_TIME, EVENT_BUFFER_OVERFLOW, class 1/2/3
 * events, and IIN2 errors, as exact request bytes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "master_harness.h"

static mh_t h;

static int teardown(void **state)
{
    (void)state;
    mh_close(&h);
    return 0;
}

/* A null unsolicited response carrying `iin` (seq 1, CON), confirmed. */
static void unsol_iin(const char *iin_hex)
{
    char frag[32];
    snprintf(frag, sizeof frag, "F1 82 %s", iin_hex);
    mh_rx(&h, frag);
    mh_expect_tx(&h, "D1 00");
}

static void restart_clears_then_integrity(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    unsol_iin("80 00");
    mh_expect_tx(&h, "C2 02 50 01 00 07 07 00");
    mh_rx(&h, "C2 81 00 00");
    mh_expect_tx(&h, "C3 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    mh_rx(&h, "C3 81 00 00");
    mh_expect_events(&h, "iin 0000 -> 8000\n"
                         "iin 8000 -> 0000\n"
                         "task clear_restart SUCCESS\n"
                         "task integrity SUCCESS\n");
    mh_expect_no_tx(&h);
}

/* An outstation that keeps DEVICE_RESTART after the write: retried after
 * the retry delay, not in a loop. */
static void restart_not_cleared_retried_later(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    unsol_iin("80 00");
    mh_expect_tx(&h, "C2 02 50 01 00 07 07 00");
    mh_rx(&h, "C2 81 80 00");
    mh_expect_events(&h, "iin 0000 -> 8000\ntask clear_restart RESPONSE_ERROR retry\n");
    /* the integrity poll runs meanwhile */
    mh_expect_tx(&h, "C3 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    mh_rx(&h, "C3 81 80 00");
    mh_expect_events(&h, "task integrity SUCCESS\n");
    mh_expect_no_tx(&h);
    assert_int_equal(dnp3_master_assoc_next_deadline(h.a), h.now + 5000);
    mh_advance(&h, 5000);
    mh_expect_tx(&h, "C4 02 50 01 00 07 07 00");
}

static void lan_sync(dnp3_master_config_t *cfg)
{
    cfg->time_sync_on_need_time = DNP3_TIME_SYNC_LAN;
}

static void need_time_syncs(void **state)
{
    (void)state;
    mh_open(&h, lan_sync);
    mh_startup(&h);
    unsol_iin("10 00");
    mh_expect_tx(&h, "C2 18");
    mh_rx(&h, "C2 81 10 00");
    /* g50v3 = the UTC time when RECORD_CURRENT_TIME left: MH_UTC0 + 1000 */
    mh_expect_tx(&h, "C3 02 32 03 07 01 E8 6B E5 CF 8B 01");
    mh_rx(&h, "C3 81 00 00");
    mh_expect_events(&h, "iin 0000 -> 1000\niin 1000 -> 0000\ntask time_sync SUCCESS\n");
    mh_expect_no_tx(&h);
}

static void need_time_ignored_without_sync(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    unsol_iin("10 00");
    mh_expect_events(&h, "iin 0000 -> 1000\n");
    mh_expect_no_tx(&h);
}

static void overflow_integrity(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    unsol_iin("00 08");
    mh_expect_tx(&h, "C2 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    mh_rx(&h, "C2 81 00 00");
    mh_expect_events(&h, "iin 0000 -> 0008\niin 0008 -> 0000\ntask integrity SUCCESS\n");
    mh_expect_no_tx(&h);
}

static void class_events_polled(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    unsol_iin("02 00");
    mh_expect_tx(&h, "C2 01 3C 02 06");
    /* one g2v2 event, more events still there (class 1 and 3 now) */
    mh_rx(&h, "C2 81 0A 00 02 02 17 01 05 81 10 27 00 00 00 00");
    mh_expect_events(&h, "iin 0000 -> 0200\n"
                         "iin 0200 -> 0A00\n"
                         "binary_input g2v2 #5 1 f=81 t=10000 event sol\n"
                         "task event_poll SUCCESS\n");
    mh_expect_tx(&h, "C3 01 3C 02 06 3C 04 06");
    mh_rx(&h, "C3 81 00 00");
    mh_expect_events(&h, "iin 0A00 -> 0000\ntask event_poll SUCCESS\n");
    mh_expect_no_tx(&h);
}

static void class1_reaction_only(dnp3_master_config_t *cfg)
{
    cfg->event_poll_on_iin = DNP3_MASTER_CLASS_1;
}

static void class_reaction_configurable(void **state)
{
    (void)state;
    mh_open(&h, class1_reaction_only);
    mh_startup(&h);
    unsol_iin("0C 00"); /* classes 2 and 3: not configured */
    mh_expect_no_tx(&h);
    unsol_iin("0E 00");
    mh_expect_tx(&h, "C2 01 3C 02 06");
}

static void unsol_all_classes(dnp3_master_config_t *cfg)
{
    cfg->unsolicited_classes = DNP3_MASTER_CLASS_1 | DNP3_MASTER_CLASS_2 | DNP3_MASTER_CLASS_3;
}

/* Start-up with ENABLE_UNSOLICITED for classes 1-3, answered. */
static void startup_unsolicited(void)
{
    mh_open(&h, unsol_all_classes);
    mh_link_up(&h);
    mh_expect_tx(&h, "C0 15 3C 02 06 3C 03 06 3C 04 06");
    mh_rx(&h, "C0 81 00 00");
    mh_expect_tx(&h, "C1 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    mh_rx(&h, "C1 81 00 00");
    mh_expect_tx(&h, "C2 14 3C 02 06 3C 03 06 3C 04 06");
    mh_rx(&h, "C2 81 00 00");
    mh_clear_events(&h);
}

/* Classes the outstation reports unsolicited are not read on IIN1.1-1.3:
 * the events come unsolicited, and a READ would hold up a command queued
 * behind it. */
static void unsolicited_classes_not_polled(void **state)
{
    (void)state;
    startup_unsolicited();
    unsol_iin("0E 00");
    mh_expect_no_tx(&h);
    /* a solicited response saying so changes nothing either */
    dnp3_command_point_t pt = {.group = 12, .variation = 1, .index = 0, .code = 3, .count = 1};
    assert_true(dnp3_master_assoc_operate(h.a, h.now, DNP3_COMMAND_DIRECT, &pt, 1) > 0);
    mh_expect_tx(&h, "C3 05 0C 01 17 01 00 03 01 00 00 00 00 00 00 00 00 00");
    mh_rx(&h, "C3 81 02 00 0C 01 17 01 00 03 01 00 00 00 00 00 00 00 00 00");
    mh_expect_no_tx(&h);
}

/* After DISABLE_UNSOLICITED for class 1, class 1 is read on IIN1.1 again;
 * classes 2 and 3 are still reported unsolicited. */
static void disabled_class_polled_again(void **state)
{
    (void)state;
    startup_unsolicited();
    assert_true(dnp3_master_assoc_unsolicited(h.a, h.now, false, DNP3_MASTER_CLASS_1) > 0);
    mh_expect_tx(&h, "C3 15 3C 02 06");
    mh_rx(&h, "C3 81 00 00");
    unsol_iin("0E 00");
    mh_expect_tx(&h, "C4 01 3C 02 06");
}

/* A restarted outstation is back to its own unsolicited settings: once
 * the restart is handled, its class bits are read again. */
static void restart_polls_classes_again(void **state)
{
    (void)state;
    startup_unsolicited();
    unsol_iin("80 00");
    mh_expect_tx(&h, "C3 02 50 01 00 07 07 00");
    mh_rx(&h, "C3 81 00 00");
    mh_expect_tx(&h, "C4 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    mh_rx(&h, "C4 81 00 00");
    mh_expect_no_tx(&h);
    unsol_iin("02 00");
    mh_expect_tx(&h, "C5 01 3C 02 06");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(restart_clears_then_integrity, teardown),
        cmocka_unit_test_teardown(restart_not_cleared_retried_later, teardown),
        cmocka_unit_test_teardown(need_time_syncs, teardown),
        cmocka_unit_test_teardown(need_time_ignored_without_sync, teardown),
        cmocka_unit_test_teardown(overflow_integrity, teardown),
        cmocka_unit_test_teardown(class_events_polled, teardown),
        cmocka_unit_test_teardown(class_reaction_configurable, teardown),
        cmocka_unit_test_teardown(unsolicited_classes_not_polled, teardown),
        cmocka_unit_test_teardown(disabled_class_polled_again, teardown),
        cmocka_unit_test_teardown(restart_polls_classes_again, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
