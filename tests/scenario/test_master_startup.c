/* Master start-up after the link comes up (DISABLE_UNSOLICITED, integrity
 * poll class 1, 2, 3, 0, ENABLE_UNSOLICITED), as exact request bytes. */
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

#define DISABLE_UNSOL_0 "C0 15 3C 02 06 3C 03 06 3C 04 06"
#define INTEGRITY_1     "C1 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06"

static void startup_default(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_expect_no_tx(&h); /* nothing before the link is up */
    mh_link_up(&h);
    mh_expect_events(&h, "state connected\n");
    mh_expect_tx(&h, DISABLE_UNSOL_0);
    mh_expect_no_tx(&h); /* one request outstanding at a time */
    mh_rx(&h, "C0 81 00 00");
    mh_expect_events(&h, "task disable_unsol SUCCESS\n");
    mh_expect_tx(&h, INTEGRITY_1);
    /* g1v2 0-1, g30v1 3-3 */
    mh_rx(&h, "C1 81 00 00 01 02 00 00 01 81 01 1E 01 00 03 03 01 0A 00 00 00");
    mh_expect_events(&h, "binary_input g1v2 #0 1 f=81 static sol\n"
                         "binary_input g1v2 #1 0 f=01 static sol\n"
                         "analog_input g30v1 #3 10 f=01 static sol\n"
                         "task integrity SUCCESS\n"
                         "state polling\n");
    mh_expect_no_tx(&h);
    assert_int_equal(dnp3_master_assoc_next_deadline(h.a), DNP3_TIMESTAMP_NEVER);
}

static void unsol_classes(dnp3_master_config_t *cfg)
{
    cfg->unsolicited_classes = DNP3_MASTER_CLASS_1 | DNP3_MASTER_CLASS_2 | DNP3_MASTER_CLASS_3;
}

static void startup_enables_unsolicited(void **state)
{
    (void)state;
    mh_open(&h, unsol_classes);
    mh_link_up(&h);
    mh_expect_tx(&h, DISABLE_UNSOL_0);
    mh_rx(&h, "C0 81 00 00");
    mh_expect_tx(&h, INTEGRITY_1);
    mh_rx(&h, "C1 81 00 00");
    mh_expect_tx(&h, "C2 14 3C 02 06 3C 03 06 3C 04 06");
    mh_rx(&h, "C2 81 00 00");
    mh_expect_events(&h, "state connected\n"
                         "task disable_unsol SUCCESS\n"
                         "task integrity SUCCESS\n"
                         "task enable_unsol SUCCESS\n"
                         "state polling\n");
    mh_expect_no_tx(&h);
}

static void class1_only(dnp3_master_config_t *cfg)
{
    cfg->unsolicited_classes = DNP3_MASTER_CLASS_1;
    cfg->startup_disable_unsolicited = false;
    cfg->startup_integrity_poll = false;
}

static void startup_enable_only_class1(void **state)
{
    (void)state;
    mh_open(&h, class1_only);
    mh_link_up(&h);
    mh_expect_tx(&h, "C0 14 3C 02 06");
    mh_rx(&h, "C0 81 00 00");
    mh_expect_events(&h, "state connected\ntask enable_unsol SUCCESS\nstate polling\n");
}

static void no_startup(dnp3_master_config_t *cfg)
{
    cfg->startup_disable_unsolicited = false;
    cfg->startup_integrity_poll = false;
}

static void startup_nothing_configured(void **state)
{
    (void)state;
    mh_open(&h, no_startup);
    mh_link_up(&h);
    mh_expect_events(&h, "state connected\nstate polling\n");
    mh_expect_no_tx(&h);
}

/* An outstation without unsolicited support refuses DISABLE_UNSOLICITED
 * (IIN2.0); start-up goes on. */
static void startup_disable_refused(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_link_up(&h);
    mh_expect_tx(&h, DISABLE_UNSOL_0);
    mh_rx(&h, "C0 81 00 01");
    mh_expect_tx(&h, INTEGRITY_1);
    mh_rx(&h, "C1 81 00 00");
    mh_expect_events(&h, "state connected\n"
                         "iin 0000 -> 0001\n"
                         "task disable_unsol IIN2_ERROR\n"
                         "iin 0001 -> 0000\n"
                         "task integrity SUCCESS\n"
                         "state polling\n");
}

/* The outstation's initial null unsolicited response (after its restart)
 * is confirmed at once, and its DEVICE_RESTART cleared before the
 * integrity poll. */
static void startup_initial_null_unsolicited(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_link_up(&h);
    mh_expect_tx(&h, DISABLE_UNSOL_0);
    mh_rx(&h, "F0 82 80 00");
    mh_expect_tx(&h, "D0 00");
    mh_rx(&h, "C0 81 80 00");
    mh_expect_tx(&h, "C1 02 50 01 00 07 07 00");
    mh_rx(&h, "C1 81 00 00");
    mh_expect_tx(&h, "C2 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    mh_rx(&h, "C2 81 00 00");
    mh_expect_events(&h, "state connected\n"
                         "iin 0000 -> 8000\n"
                         "task disable_unsol SUCCESS\n"
                         "iin 8000 -> 0000\n"
                         "task clear_restart SUCCESS\n"
                         "task integrity SUCCESS\n"
                         "state polling\n");
    mh_expect_no_tx(&h);
}

/* The caller's tasks queued before the link is up wait for the start-up
 * sequence; commands do not. */
static void user_tasks_wait_for_startup(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    assert_int_equal(dnp3_master_assoc_restart(h.a, h.now, false), 1);
    dnp3_command_point_t p = {.group = 12, .variation = 1, .index = 3, .code = 0x03};
    assert_int_equal(dnp3_master_assoc_operate(h.a, h.now, DNP3_COMMAND_DIRECT, &p, 1), 2);
    mh_expect_no_tx(&h);
    mh_link_up(&h);
    mh_expect_tx(&h, "C0 05 0C 01 17 01 03 03 00 00 00 00 00 00 00 00 00 00");
    mh_rx(&h, "C0 81 00 00 0C 01 17 01 03 03 00 00 00 00 00 00 00 00 00 00");
    mh_expect_tx(&h, "C1 15 3C 02 06 3C 03 06 3C 04 06");
    mh_rx(&h, "C1 81 00 00");
    mh_expect_tx(&h, "C2 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    mh_rx(&h, "C2 81 00 00");
    mh_expect_tx(&h, "C3 0E");
    mh_rx(&h, "C3 81 00 00 34 02 07 01 F4 01");
    mh_expect_events(&h, "state connected\n"
                         "command 2 SUCCESS [SUCCESS]\n"
                         "task disable_unsol SUCCESS\n"
                         "task integrity SUCCESS\n"
                         "state polling\n"
                         "object g52v2 #0\n"
                         "task restart 1 SUCCESS delay=500\n");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(startup_default, teardown),
        cmocka_unit_test_teardown(startup_enables_unsolicited, teardown),
        cmocka_unit_test_teardown(startup_enable_only_class1, teardown),
        cmocka_unit_test_teardown(startup_nothing_configured, teardown),
        cmocka_unit_test_teardown(startup_disable_refused, teardown),
        cmocka_unit_test_teardown(startup_initial_null_unsolicited, teardown),
        cmocka_unit_test_teardown(user_tasks_wait_for_startup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
