/* Responses and unsolicited responses: multi-fragment with confirms and
 * sequence checks, the response timeout restarted per fragment, every
 * measurement type, CTO-relative times, the repeated unsolicited response
 * (confirmed again, not delivered twice), malformed fragments. */
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

static dnp3_master_counters_t counters(void)
{
    dnp3_master_counters_t c;
    assert_int_equal(dnp3_master_assoc_counters(h.a, &c), 0);
    return c;
}

static void multi_fragment_with_confirms(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    h.log_fragments = true;
    assert_int_equal(dnp3_master_assoc_integrity_poll(h.a, h.now), 1);
    mh_expect_tx(&h, "C2 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    mh_advance(&h, 4000);
    mh_rx(&h, "A2 81 00 00 01 02 00 00 00 81"); /* FIR CON seq 2 */
    mh_expect_tx(&h, "C2 00");
    mh_expect_no_tx(&h);
    mh_advance(&h, 4000); /* 8 s after the request: the timeout restarted */
    mh_rx(&h, "23 81 00 00 1E 01 00 00 00 01 0A 00 00 00"); /* CON seq 3 */
    mh_expect_tx(&h, "C3 00");
    mh_advance(&h, 4000);
    mh_rx(&h, "64 81 00 00 14 01 00 00 00 01 64 00 00 00"); /* FIN CON seq 4 */
    mh_expect_tx(&h, "C4 00");
    mh_expect_events(&h, "begin sol seq 2\n"
                         "binary_input g1v2 #0 1 f=81 static sol\n"
                         "end sol\n"
                         "begin sol seq 3\n"
                         "analog_input g30v1 #0 10 f=01 static sol\n"
                         "end sol\n"
                         "begin sol seq 4\n"
                         "counter g20v1 #0 100 f=01 static sol\n"
                         "end sol\n"
                         "task integrity 1 SUCCESS\n");
    mh_expect_no_tx(&h);
    assert_int_equal(counters().confirms_sent, 3);
    assert_int_equal(counters().timeouts, 0);
}

static void fragments_out_of_sequence_ignored(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(dnp3_master_assoc_integrity_poll(h.a, h.now), 1);
    mh_expect_tx(&h, "C2 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    mh_rx(&h, "C5 81 00 00");                   /* another request's sequence */
    mh_rx(&h, "42 81 00 00");                   /* FIN without FIR first */
    mh_rx(&h, "82 81 00 00 01 02 00 00 00 81"); /* FIR seq 2: accepted */
    mh_rx(&h, "82 81 00 00 01 02 00 00 00 81"); /* FIR again: ignored */
    mh_rx(&h, "45 81 00 00");                   /* FIN seq 5 (3 expected): ignored */
    mh_rx(&h, "43 81 00 00 01 02 00 01 01 01"); /* FIN seq 3 */
    mh_expect_events(&h, "binary_input g1v2 #0 1 f=81 static sol\n"
                         "binary_input g1v2 #1 0 f=01 static sol\n"
                         "task integrity 1 SUCCESS\n");
    assert_int_equal(counters().unexpected, 4);
    mh_rx(&h, "C2 81 00 00"); /* nothing outstanding */
    assert_int_equal(counters().unexpected, 5);
    mh_expect_no_tx(&h);
}

static void every_measurement_type(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(dnp3_master_assoc_integrity_poll(h.a, h.now), 1);
    mh_expect_tx(&h, "C2 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    mh_rx(&h, "C2 81 00 00"
              " 01 01 00 00 02 05"             /* g1v1 packed 0-2 */
              " 03 02 00 00 00 81"             /* g3v2 */
              " 0A 02 00 00 00 81"             /* g10v2 */
              " 14 01 00 00 00 01 64 00 00 00" /* g20v1 */
              " 15 01 00 00 00 01 C8 00 00 00" /* g21v1 */
              " 1E 05 00 00 00 01 00 00 48 41" /* g30v5 12.5 */
              " 28 01 00 00 00 01 05 00 00 00" /* g40v1 */
              " 6E 03 00 00 00 41 42 43"       /* g110v3 */
              " 04 01 17 01 00 41"             /* g4v1 */
              " 0B 01 17 01 01 01"             /* g11v1 */
              " 0D 01 17 01 02 81"             /* g13v1 */
              " 16 01 17 01 03 01 07 00 00 00" /* g22v1 */
              " 17 01 17 01 03 01 08 00 00 00" /* g23v1 */
              " 20 01 17 01 04 01 FF FF FF FF" /* g32v1 */
              " 2A 01 17 01 05 01 02 00 00 00" /* g42v1 */
              " 2B 01 17 01 06 04 03 00 00 00" /* g43v1 */
              " 6F 02 17 01 07 61 62");        /* g111v2 */
    mh_expect_events(&h, "binary_input g1v1 #0 1 f=81 static sol\n"
                         "binary_input g1v1 #1 0 f=01 static sol\n"
                         "binary_input g1v1 #2 1 f=81 static sol\n"
                         "double_bit_input g3v2 #0 2 f=81 static sol\n"
                         "binary_output_status g10v2 #0 1 f=81 static sol\n"
                         "counter g20v1 #0 100 f=01 static sol\n"
                         "frozen_counter g21v1 #0 200 f=01 static sol\n"
                         "analog_input g30v5 #0 12.5 f=01 static sol\n"
                         "analog_output_status g40v1 #0 5 f=01 static sol\n"
                         "octet_string g110v3 #0 \"414243\" f=01 static sol\n"
                         "double_bit_input g4v1 #0 1 f=41 event sol\n"
                         "binary_output_status g11v1 #1 0 f=01 event sol\n"
                         "binary_output_command_event g13v1 #2 1 f=81 s=1 event sol\n"
                         "counter g22v1 #3 7 f=01 event sol\n"
                         "frozen_counter g23v1 #3 8 f=01 event sol\n"
                         "analog_input g32v1 #4 -1 f=01 event sol\n"
                         "analog_output_status g42v1 #5 2 f=01 event sol\n"
                         "analog_output_command_event g43v1 #6 3 f=01 s=4 event sol\n"
                         "octet_string g111v2 #7 \"6162\" f=01 event sol\n"
                         "task integrity 1 SUCCESS\n");
    assert_int_equal(counters().measurements, 19);
}

static void unsolicited_confirmed_and_delivered(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    /* g51v1 CTO 10000 ms, g2v3 index 4 at +500 ms; g2v1 index 2 */
    mh_rx(&h, "F5 82 00 00 33 01 07 01 10 27 00 00 00 00 02 03 17 01 04 81 F4 01"
              " 02 01 17 01 02 01");
    mh_expect_tx(&h, "D5 00");
    mh_expect_events(&h, "binary_input g2v3 #4 1 f=81 t=10500 event unsol\n"
                         "binary_input g2v1 #2 0 f=01 event unsol\n");
    /* no CON: no confirm */
    mh_rx(&h, "D6 82 00 00 02 01 17 01 02 81");
    mh_expect_events(&h, "binary_input g2v1 #2 1 f=81 event unsol\n");
    mh_expect_no_tx(&h);
    assert_int_equal(counters().unsolicited, 2);
}

static void confirm_first(dnp3_master_config_t *cfg)
{
    cfg->confirm_first = true;
}

/* confirm_first: the confirm is ready before any measurement
 * is delivered; the delivery is due at once (next_deadline is now) and is
 * made by on_timer, or before the next fragment is handled, or at a link
 * loss. A response without CON is delivered at once as before. */
static void unsolicited_confirm_first(void **state)
{
    (void)state;
    mh_open(&h, confirm_first);
    mh_startup(&h);
    mh_rx(&h, "F5 82 00 00 02 01 17 01 02 81");
    mh_expect_events(&h, "");
    assert_int_equal(dnp3_master_assoc_next_deadline(h.a), h.now);
    mh_expect_tx(&h, "D5 00");
    mh_advance(&h, 0);
    mh_expect_events(&h, "binary_input g2v1 #2 1 f=81 event unsol\n");
    assert_int_not_equal(dnp3_master_assoc_next_deadline(h.a), h.now);
    /* the next fragment delivers the pending one first, in order */
    mh_rx(&h, "F6 82 00 00 02 01 17 01 02 01");
    mh_rx(&h, "D7 82 00 00 02 01 17 01 03 81");
    mh_expect_events(&h, "binary_input g2v1 #2 0 f=01 event unsol\n"
                         "binary_input g2v1 #3 1 f=81 event unsol\n");
    mh_expect_tx(&h, "D6 00");
    mh_expect_no_tx(&h);
    /* the link lost with a delivery pending: delivered, not dropped */
    mh_rx(&h, "F8 82 00 00 02 01 17 01 01 81");
    mh_expect_tx(&h, "D8 00");
    h.log_fragments = false;
    mh_link_down(&h);
    assert_true(strstr(h.events, "binary_input g2v1 #1 1 f=81 event unsol\n") == h.events);
    assert_int_equal(counters().unsolicited, 4);
    assert_int_equal(counters().measurements, 4);
}

/* confirm_first with a read's multi-fragment response: each non-final
 * fragment's confirm is ready before its measurements are delivered (by
 * on_timer, or before the next fragment); the final one is delivered at
 * once, before the task's result. */
static void solicited_confirm_first(void **state)
{
    (void)state;
    mh_open(&h, confirm_first);
    mh_startup(&h);
    h.log_fragments = true;
    assert_int_equal(dnp3_master_assoc_integrity_poll(h.a, h.now), 1);
    mh_expect_tx(&h, "C2 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    mh_rx(&h, "A2 81 00 00 01 02 00 00 00 81"); /* FIR CON seq 2 */
    mh_expect_events(&h, "");
    assert_int_equal(dnp3_master_assoc_next_deadline(h.a), h.now);
    mh_expect_tx(&h, "C2 00");
    mh_advance(&h, 0);
    mh_expect_events(&h, "begin sol seq 2\n"
                         "binary_input g1v2 #0 1 f=81 static sol\n"
                         "end sol\n");
    mh_rx(&h, "23 81 00 00 1E 01 00 00 00 01 0A 00 00 00"); /* CON seq 3 */
    mh_expect_tx(&h, "C3 00");
    mh_rx(&h, "64 81 00 00 14 01 00 00 00 01 64 00 00 00"); /* FIN CON seq 4 */
    mh_expect_tx(&h, "C4 00");
    mh_expect_events(&h, "begin sol seq 3\n"
                         "analog_input g30v1 #0 10 f=01 static sol\n"
                         "end sol\n"
                         "begin sol seq 4\n"
                         "counter g20v1 #0 100 f=01 static sol\n"
                         "end sol\n"
                         "task integrity 1 SUCCESS\n");
    mh_expect_no_tx(&h);
    assert_int_equal(counters().confirms_sent, 3);
}

/* Our confirm was lost: the outstation repeats the same fragment (same
 * sequence, same bytes). Confirmed again, not delivered twice. */
static void repeated_unsolicited_not_delivered_twice(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    mh_rx(&h, "F7 82 00 00 02 01 17 01 02 81");
    mh_expect_tx(&h, "D7 00");
    mh_expect_events(&h, "binary_input g2v1 #2 1 f=81 event unsol\n");
    mh_advance(&h, 5000);
    mh_rx(&h, "F7 82 00 00 02 01 17 01 02 81");
    mh_expect_tx(&h, "D7 00");
    mh_expect_events(&h, "");
    /* Same sequence, other bytes: a new response (the outstation restarted). */
    mh_rx(&h, "F7 82 00 00 02 01 17 01 02 01");
    mh_expect_tx(&h, "D7 00");
    mh_expect_events(&h, "binary_input g2v1 #2 0 f=01 event unsol\n");
    assert_int_equal(counters().unsolicited, 2);
    assert_int_equal(counters().unsolicited_repeats, 1);
    assert_int_equal(counters().confirms_sent, 3);
}

static void unsolicited_during_poll(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(dnp3_master_assoc_class_poll(h.a, h.now, DNP3_MASTER_CLASS_1), 1);
    mh_expect_tx(&h, "C2 01 3C 02 06");
    mh_rx(&h, "F0 82 00 00 02 01 17 01 00 81");
    mh_expect_tx(&h, "D0 00");
    mh_rx(&h, "C2 81 00 00 02 01 17 01 01 81");
    mh_expect_events(&h, "binary_input g2v1 #0 1 f=81 event unsol\n"
                         "binary_input g2v1 #1 1 f=81 event sol\n"
                         "task event_poll 1 SUCCESS\n");
}

static void malformed_response_retried(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(dnp3_master_assoc_integrity_poll(h.a, h.now), 1);
    mh_expect_tx(&h, "C2 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    mh_rx(&h, "C2 81 00 00 1E 01 00 00 05 01 0A 00"); /* g30v1 0-5: data cut short */
    mh_expect_events(&h, "state failed bad_response\ntask integrity 1 RESPONSE_ERROR retry\n");
    assert_int_equal(counters().malformed, 1);
    mh_expect_no_tx(&h);
    assert_int_equal(dnp3_master_assoc_next_deadline(h.a), h.now + 5000);
    mh_advance(&h, 5000);
    mh_expect_tx(&h, "C3 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    mh_rx(&h, "C3 81 00 00");
    mh_expect_events(&h, "state polling\ntask integrity 1 SUCCESS\n");
}

static void malformed_unsolicited_not_confirmed(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    mh_rx(&h, "F1 82 00 00 02 01 17 05 02 81");
    mh_rx(&h, "F1 82"); /* shorter than a response header */
    mh_expect_no_tx(&h);
    mh_expect_events(&h, "");
    assert_int_equal(counters().malformed, 2);
}

static void fragments_for_others_ignored(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    uint8_t f[] = {0xF1, 0x82, 0x00, 0x00};
    dnp3_master_assoc_on_fragment(h.a, h.now, 11, 1, f, sizeof f); /* another outstation */
    dnp3_master_assoc_on_fragment(h.a, h.now, 10, 2, f, sizeof f); /* another master */
    uint8_t req[] = {0xC1, 0x01};
    dnp3_master_assoc_on_fragment(h.a, h.now, 10, 1, req, sizeof req); /* a request */
    mh_expect_no_tx(&h);
    assert_int_equal(counters().unexpected, 3);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(multi_fragment_with_confirms, teardown),
        cmocka_unit_test_teardown(fragments_out_of_sequence_ignored, teardown),
        cmocka_unit_test_teardown(every_measurement_type, teardown),
        cmocka_unit_test_teardown(unsolicited_confirmed_and_delivered, teardown),
        cmocka_unit_test_teardown(unsolicited_confirm_first, teardown),
        cmocka_unit_test_teardown(solicited_confirm_first, teardown),
        cmocka_unit_test_teardown(repeated_unsolicited_not_delivered_twice, teardown),
        cmocka_unit_test_teardown(unsolicited_during_poll, teardown),
        cmocka_unit_test_teardown(malformed_response_retried, teardown),
        cmocka_unit_test_teardown(malformed_unsolicited_not_confirmed, teardown),
        cmocka_unit_test_teardown(fragments_for_others_ignored, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
