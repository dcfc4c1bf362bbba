/* Scheduled scans: integrity period, class 1/2/3 event polls, range scans
 * with their own periods, all after the start-up sequence and behind the
 * automatic tasks. */
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

static const dnp3_master_range_scan_t g30_0_9 = {30, 0, 0, 9, 10000};

static void integrity_and_range(dnp3_master_config_t *cfg)
{
    cfg->integrity_period_ms = 60000;
    cfg->range_scans = &g30_0_9;
    cfg->n_range_scans = 1;
}

/* Answer the request in flight with an empty response. */
static void answer(uint8_t seq)
{
    char r[16];
    snprintf(r, sizeof r, "%02X 81 00 00", 0xC0 | seq);
    mh_rx(&h, r);
}

static void periodic_integrity_and_range_scan(void **state)
{
    (void)state;
    mh_open(&h, integrity_and_range);
    mh_startup(&h);                           /* done at 1000 */
    mh_expect_tx(&h, "C2 01 1E 00 00 00 09"); /* range scans run right after start-up */
    answer(2);
    assert_int_equal(dnp3_master_assoc_next_deadline(h.a), 11000);
    uint8_t seq = 3;
    for (int i = 0; i < 5; i++) { /* 11000 .. 51000 */
        mh_advance(&h, 10000);
        char tx[32];
        snprintf(tx, sizeof tx, "%02X 01 1E 00 00 00 09", 0xC0 | seq);
        mh_expect_tx(&h, tx);
        answer(seq++);
        mh_expect_no_tx(&h);
    }
    mh_advance(&h, 10000); /* 61000: integrity and range both due; integrity first */
    mh_expect_tx(&h, "C8 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    answer(8);
    mh_expect_tx(&h, "C9 01 1E 00 00 00 09");
    answer(9);
    assert_int_equal(dnp3_master_assoc_next_deadline(h.a), 71000);
    mh_clear_events(&h);
}

static void class_periods(dnp3_master_config_t *cfg)
{
    cfg->class_period_ms[0] = 1000;
    cfg->class_period_ms[1] = 2000;
}

static void periodic_event_polls(void **state)
{
    (void)state;
    mh_open(&h, class_periods);
    mh_startup(&h);
    assert_int_equal(dnp3_master_assoc_next_deadline(h.a), 2000);
    mh_expect_no_tx(&h);
    mh_advance(&h, 1000); /* 2000: class 1 */
    mh_expect_tx(&h, "C2 01 3C 02 06");
    answer(2);
    mh_advance(&h, 1000); /* 3000: class 1 and 2 in one request */
    mh_expect_tx(&h, "C3 01 3C 02 06 3C 03 06");
    answer(3);
    mh_expect_events(&h, "task event_poll SUCCESS\ntask event_poll SUCCESS\n");
    /* a late response: the poll due meanwhile is sent once, not twice */
    mh_advance(&h, 1000);
    mh_expect_tx(&h, "C4 01 3C 02 06");
    mh_advance(&h, 1500);
    answer(4);
    mh_expect_tx(&h, "C5 01 3C 02 06 3C 03 06");
    answer(5);
    mh_expect_no_tx(&h);
}

static void no_scans_before_startup_done(void **state)
{
    (void)state;
    mh_open(&h, class_periods);
    mh_link_up(&h);
    mh_expect_tx(&h, "C0 15 3C 02 06 3C 03 06 3C 04 06");
    mh_advance(&h, 4000);
    mh_rx(&h, "C0 81 00 00");
    mh_expect_tx(&h, "C1 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    mh_rx(&h, "C1 81 00 00");
    mh_expect_no_tx(&h);
    assert_int_equal(dnp3_master_assoc_next_deadline(h.a), h.now + 1000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(periodic_integrity_and_range_scan, teardown),
        cmocka_unit_test_teardown(periodic_event_polls, teardown),
        cmocka_unit_test_teardown(no_scans_before_startup_done, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
