/* Association health: connection progress, response timeouts and the
 * retry of safe tasks (delay doubling), link loss failing every task (a
 * control included), and the points seen re-reported with COMM_LOST or as
 * stale. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "master_harness.h"

static mh_t h;

static int teardown(void **state)
{
    (void)state;
    mh_close(&h);
    return 0;
}

#define INTEGRITY(seq) seq " 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06"

/* Start-up whose integrity poll returns g1v2 0-1 and g30v1 3. */
static void startup_with_points(void)
{
    mh_link_up(&h);
    mh_expect_tx(&h, "C0 15 3C 02 06 3C 03 06 3C 04 06");
    mh_rx(&h, "C0 81 00 00");
    mh_expect_tx(&h, INTEGRITY("C1"));
    mh_rx(&h, "C1 81 00 00 01 02 00 00 01 81 01 1E 01 00 03 03 01 0A 00 00 00");
    mh_clear_events(&h);
}

static void connection_progress(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    dnp3_master_assoc_on_connecting(h.a, h.now);
    dnp3_master_assoc_on_connect_failed(h.a, h.now, DNP3_E_CONN_REFUSED);
    dnp3_master_assoc_on_connecting(h.a, h.now);
    mh_link_up(&h);
    mh_expect_events(&h, "state connecting\n"
                         "state failed connect_failed -70\n"
                         "state connecting\n"
                         "state connected\n");
    assert_int_equal(dnp3_master_assoc_health(h.a).state, DNP3_MASTER_CONNECTED);
}

static void timeout_then_retry_with_backoff(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(dnp3_master_assoc_integrity_poll(h.a, h.now), 1);
    mh_expect_tx(&h, INTEGRITY("C2"));
    assert_int_equal(dnp3_master_assoc_next_deadline(h.a), h.now + 5000);
    mh_advance(&h, 5000);
    mh_expect_events(&h, "state failed response_timeout\ntask integrity 1 TIMEOUT retry\n");
    assert_int_equal(dnp3_master_assoc_next_deadline(h.a), h.now + 5000);
    mh_advance(&h, 4999);
    mh_expect_no_tx(&h);
    mh_advance(&h, 1);
    mh_expect_tx(&h, INTEGRITY("C3"));
    mh_advance(&h, 5000);
    mh_expect_events(&h, "task integrity 1 TIMEOUT retry\n");
    assert_int_equal(dnp3_master_assoc_next_deadline(h.a), h.now + 10000); /* doubled */
    mh_advance(&h, 10000);
    mh_expect_tx(&h, INTEGRITY("C4"));
    mh_rx(&h, "C4 81 00 00");
    mh_expect_events(&h, "state polling\ntask integrity 1 SUCCESS\n");
    dnp3_master_counters_t c;
    dnp3_master_assoc_counters(h.a, &c);
    assert_int_equal(c.timeouts, 2);
    assert_int_equal(c.retries, 2);
    assert_int_equal(c.requests_sent, 5);
}

/* What the connection carried, as the master channel's probe tells it. */
static uint64_t probe_sent, probe_received;

static bool probe_silent(void *ctx, uint64_t *bytes_out)
{
    (void)ctx;
    if (probe_received)
        return false;
    *bytes_out = probe_sent;
    return true;
}

#define SILENCE_HINT(sent)                                                                         \
    "nothing at all came back on this connection (" sent " bytes sent, 0 received since it "       \
    "opened): check that the outstation's link address is 10 and that it accepts master "          \
    "address 1"

/* A request to an address nobody answers: not one byte comes back, and the
 * timeout's line says so and names the addresses to check. Once something
 * came back (a slow outstation sends something), the line is as before. */
static void timeout_on_silent_connection(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    probe_sent = 24;
    probe_received = 0;
    assert_int_equal(dnp3_master_assoc_set_traffic_probe(h.a, probe_silent, NULL), 0);
    h.record_logs = true;
    mh_link_up(&h);
    mh_expect_tx(&h, "C0 15 3C 02 06 3C 03 06 3C 04 06");
    mh_clear_events(&h);
    mh_advance(&h, 5000);
    mh_expect_events(
        &h, "log WARN assoc 1->10: no response to disable_unsol seq 0 within 5000 "
            "ms; " SILENCE_HINT(
                "24") "\n"
                      "log WARN assoc 1->10: state failed: response_timeout\n"
                      "state failed response_timeout\n"
                      "log WARN assoc 1->10: task disable_unsol (id 0): TIMEOUT, will retry\n"
                      "task disable_unsol TIMEOUT retry\n");
    char hint[256];
    assert_int_equal(dnp3_master_assoc_silence_hint(h.a, hint, sizeof hint),
                     strlen(SILENCE_HINT("24")));
    assert_string_equal(hint, SILENCE_HINT("24"));
    /* truncated, still terminated */
    assert_int_equal(dnp3_master_assoc_silence_hint(h.a, hint, 8), 7);
    assert_string_equal(hint, "nothing");

    probe_received = 6;
    mh_advance(&h, 5000);
    mh_expect_tx(&h, "C1 15 3C 02 06 3C 03 06 3C 04 06");
    mh_clear_events(&h);
    mh_advance(&h, 5000);
    mh_expect_events(&h, "log WARN assoc 1->10: no response to disable_unsol seq 1 within 5000 "
                         "ms\n"
                         "log WARN assoc 1->10: task disable_unsol (id 0): TIMEOUT, will retry\n"
                         "task disable_unsol TIMEOUT retry\n");
    assert_int_equal(dnp3_master_assoc_silence_hint(h.a, hint, sizeof hint), 0);
    assert_string_equal(hint, "");

    /* no probe: as before */
    assert_int_equal(dnp3_master_assoc_set_traffic_probe(h.a, NULL, NULL), 0);
    probe_received = 0;
    assert_int_equal(dnp3_master_assoc_silence_hint(h.a, hint, sizeof hint), 0);
    assert_int_equal(dnp3_master_assoc_set_traffic_probe(NULL, probe_silent, NULL),
                     DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_master_assoc_silence_hint(NULL, hint, sizeof hint), 0);
}

static void link_down_comm_lost_flag(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    startup_with_points();
    mh_link_down(&h);
    mh_expect_events(&h, "state failed link_down\n"
                         "binary_input g1v2 #0 1 f=84 static sol stale\n"
                         "binary_input g1v2 #1 0 f=04 static sol stale\n"
                         "analog_input g30v1 #3 10 f=04 static sol stale\n");
    mh_expect_no_tx(&h);
    assert_int_equal(dnp3_master_assoc_next_deadline(h.a), DNP3_TIMESTAMP_NEVER);
}

/* The comm-lost table keeps one entry per (type, index), updated in
 * place, and reports in type then index order whatever the arrival order. */
static void comm_lost_table_sorted_and_updated(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    startup_with_points();
    mh_rx(&h, "F0 82 00 00"
              " 20 05 17 01 01 01 00 00 20 40"   /* g32v5 #1 2.5 */
              " 02 01 17 01 05 81"               /* g2v1 #5 1 */
              " 1E 01 00 03 03 01 14 00 00 00"   /* g30v1 #3 20 (was 10) */
              " 14 01 00 00 00 01 64 00 00 00"); /* g20v1 #0 100 */
    mh_expect_tx(&h, "D0 00");
    mh_clear_events(&h);
    mh_link_down(&h);
    mh_expect_events(&h, "state failed link_down\n"
                         "binary_input g1v2 #0 1 f=84 static sol stale\n"
                         "binary_input g1v2 #1 0 f=04 static sol stale\n"
                         "binary_input g2v1 #5 1 f=84 static sol stale\n"
                         "counter g20v1 #0 100 f=04 static sol stale\n"
                         "analog_input g32v5 #1 2.5 f=04 static sol stale\n"
                         "analog_input g30v1 #3 20 f=04 static sol stale\n");
    dnp3_master_counters_t c;
    dnp3_master_assoc_counters(h.a, &c);
    assert_int_equal(c.untracked_points, 0);
}

static void stale_mode(dnp3_master_config_t *cfg)
{
    cfg->comm_lost_mode = DNP3_COMM_LOST_STALE;
}

static void link_down_stale(void **state)
{
    (void)state;
    mh_open(&h, stale_mode);
    startup_with_points();
    mh_link_down(&h);
    mh_expect_events(&h, "state failed link_down\n"
                         "binary_input g1v2 #0 1 f=81 static sol stale\n"
                         "binary_input g1v2 #1 0 f=01 static sol stale\n"
                         "analog_input g30v1 #3 10 f=01 static sol stale\n");
}

static void none_mode(dnp3_master_config_t *cfg)
{
    cfg->comm_lost_mode = DNP3_COMM_LOST_NONE;
}

static void link_down_no_reports(void **state)
{
    (void)state;
    mh_open(&h, none_mode);
    startup_with_points();
    mh_link_down(&h);
    mh_expect_events(&h, "state failed link_down\n");
}

static void two_points(dnp3_master_config_t *cfg)
{
    cfg->comm_lost_max_points = 2;
}

static void tracked_points_bounded(void **state)
{
    (void)state;
    mh_open(&h, two_points);
    startup_with_points();
    mh_link_down(&h);
    mh_expect_events(&h, "state failed link_down\n"
                         "binary_input g1v2 #0 1 f=84 static sol stale\n"
                         "binary_input g1v2 #1 0 f=04 static sol stale\n");
    dnp3_master_counters_t c;
    dnp3_master_assoc_counters(h.a, &c);
    assert_int_equal(c.untracked_points, 1);
}

/* The link goes down with a control outstanding and tasks queued: each
 * one's caller hears LINK_DOWN; nothing is sent again on the next link. */
static void link_down_fails_every_task(void **state)
{
    (void)state;
    mh_open(&h, none_mode);
    mh_startup(&h);
    const dnp3_command_point_t p = {.group = 12, .variation = 1, .index = 0, .code = 0x01};
    assert_int_equal(dnp3_master_assoc_operate(h.a, h.now, DNP3_COMMAND_DIRECT, &p, 1), 1);
    assert_int_equal(dnp3_master_assoc_restart(h.a, h.now, true), 2);
    assert_int_equal(dnp3_master_assoc_integrity_poll(h.a, h.now), 3);
    mh_expect_tx(&h, "C2 05 0C 01 17 01 00 01 00 00 00 00 00 00 00 00 00 00");
    mh_link_down(&h);
    mh_expect_events(&h, "state failed link_down\n"
                         "command 1 LINK_DOWN\n"
                         "task restart 2 LINK_DOWN\n"
                         "task integrity 3 LINK_DOWN\n");
    mh_link_up(&h);
    mh_expect_tx(&h, "C3 15 3C 02 06 3C 03 06 3C 04 06");
    mh_rx(&h, "C3 81 00 00");
    mh_expect_tx(&h, INTEGRITY("C4"));
    mh_rx(&h, "C4 81 00 00");
    mh_expect_no_tx(&h);
    mh_expect_events(&h, "state connected\n"
                         "task disable_unsol SUCCESS\n"
                         "task integrity SUCCESS\n"
                         "state polling\n");
}

/* Points are reported lost once per loss, again after a recovery. */
static void comm_lost_once_per_loss(void **state)
{
    (void)state;
    mh_open(&h, two_points);
    startup_with_points();
    assert_int_equal(dnp3_master_assoc_class_poll(h.a, h.now, DNP3_MASTER_CLASS_1), 1);
    mh_expect_tx(&h, "C2 01 3C 02 06");
    mh_advance(&h, 5000);
    mh_expect_events(&h, "state failed response_timeout\n"
                         "binary_input g1v2 #0 1 f=84 static sol stale\n"
                         "binary_input g1v2 #1 0 f=04 static sol stale\n"
                         "task event_poll 1 TIMEOUT retry\n");
    mh_advance(&h, 5000);
    mh_expect_tx(&h, "C3 01 3C 02 06");
    mh_advance(&h, 5000);
    mh_expect_events(&h, "task event_poll 1 TIMEOUT retry\n");
    mh_rx(&h, "F0 82 00 00"); /* an unsolicited response: the outstation is back */
    mh_expect_tx(&h, "D0 00");
    mh_expect_events(&h, "state polling\n");
    mh_advance(&h, 10000);
    mh_expect_tx(&h, "C4 01 3C 02 06");
    mh_advance(&h, 5000);
    mh_expect_events(&h, "state failed response_timeout\n"
                         "binary_input g1v2 #0 1 f=84 static sol stale\n"
                         "binary_input g1v2 #1 0 f=04 static sol stale\n"
                         "task event_poll 1 TIMEOUT retry\n");
}

/* A caller that queues its poll again when told LINK_DOWN: the new task
 * waits for the next link instead of failing in a loop. */
static void requeue_on_link_down(void **state)
{
    (void)state;
    mh_open(&h, none_mode);
    mh_startup(&h);
    h.requeue = true;
    assert_int_equal(dnp3_master_assoc_integrity_poll(h.a, h.now), 1);
    assert_int_equal(dnp3_master_assoc_integrity_poll(h.a, h.now), 2);
    mh_link_down(&h);
    mh_expect_events(&h, "state failed link_down\n"
                         "task integrity 1 LINK_DOWN\n"
                         "requeued 3\n"
                         "task integrity 2 LINK_DOWN\n"
                         "requeued 4\n");
    mh_expect_no_tx(&h);
}

/* Freeing the association completes what it still holds. */
static void free_cancels(void **state)
{
    (void)state;
    mh_open(&h, none_mode);
    mh_startup(&h);
    assert_int_equal(dnp3_master_assoc_integrity_poll(h.a, h.now), 1);
    assert_int_equal(dnp3_master_assoc_restart(h.a, h.now, false), 2);
    mh_expect_tx(&h, INTEGRITY("C2"));
    mh_close(&h);
    mh_expect_events(&h, "task integrity 1 CANCELLED\ntask restart 2 CANCELLED\n");
}

static void small_pool(dnp3_master_config_t *cfg)
{
    cfg->max_queued_bytes = 40;
}

/* The bytes of queued commands are bounded too. */
static void queued_bytes_bounded(void **state)
{
    (void)state;
    mh_open(&h, small_pool);
    const dnp3_command_point_t p = {.group = 12, .variation = 1, .index = 0, .code = 0x01};
    assert_int_equal(dnp3_master_assoc_operate(h.a, h.now, DNP3_COMMAND_DIRECT, &p, 1), 1);
    assert_int_equal(dnp3_master_assoc_operate(h.a, h.now, DNP3_COMMAND_DIRECT, &p, 1), 2);
    assert_int_equal(dnp3_master_assoc_operate(h.a, h.now, DNP3_COMMAND_DIRECT, &p, 1),
                     DNP3_E_QUEUE_FULL);                               /* 3 x 16 bytes > 40 */
    assert_int_equal(dnp3_master_assoc_integrity_poll(h.a, h.now), 3); /* no bytes needed */
    mh_link_up(&h);
    mh_expect_tx(&h, "C0 05 0C 01 17 01 00 01 00 00 00 00 00 00 00 00 00 00");
    mh_rx(&h, "C0 81 00 00 0C 01 17 01 00 01 00 00 00 00 00 00 00 00 00 00");
    assert_int_equal(dnp3_master_assoc_operate(h.a, h.now, DNP3_COMMAND_DIRECT, &p, 1), 4);
    mh_expect_tx(&h, "C1 05 0C 01 17 01 00 01 00 00 00 00 00 00 00 00 00 00");
    mh_rx(&h, "C1 81 00 00 0C 01 17 01 00 01 00 00 00 00 00 00 00 00 00 00");
    mh_expect_tx(&h, "C2 05 0C 01 17 01 00 01 00 00 00 00 00 00 00 00 00 00");
    mh_expect_events(&h,
                     "state connected\ncommand 1 SUCCESS [SUCCESS]\ncommand 2 SUCCESS [SUCCESS]\n");
}

static void tx_failed_poll_retried(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(dnp3_master_assoc_integrity_poll(h.a, h.now), 1);
    mh_expect_tx(&h, INTEGRITY("C2"));
    dnp3_master_assoc_on_link_event(h.a, h.now, DNP3_LINK_TX_DONE);
    mh_expect_events(&h, "");
    dnp3_master_assoc_on_link_event(h.a, h.now, DNP3_LINK_TX_FAILED);
    mh_expect_events(&h, "task integrity 1 TX_FAILED retry\n");
    mh_advance(&h, 5000);
    mh_expect_tx(&h, INTEGRITY("C3"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(connection_progress, teardown),
        cmocka_unit_test_teardown(timeout_then_retry_with_backoff, teardown),
        cmocka_unit_test_teardown(timeout_on_silent_connection, teardown),
        cmocka_unit_test_teardown(link_down_comm_lost_flag, teardown),
        cmocka_unit_test_teardown(link_down_stale, teardown),
        cmocka_unit_test_teardown(link_down_no_reports, teardown),
        cmocka_unit_test_teardown(comm_lost_table_sorted_and_updated, teardown),
        cmocka_unit_test_teardown(tracked_points_bounded, teardown),
        cmocka_unit_test_teardown(link_down_fails_every_task, teardown),
        cmocka_unit_test_teardown(comm_lost_once_per_loss, teardown),
        cmocka_unit_test_teardown(requeue_on_link_down, teardown),
        cmocka_unit_test(free_cancels),
        cmocka_unit_test_teardown(queued_bytes_bounded, teardown),
        cmocka_unit_test_teardown(tx_failed_poll_retried, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
