/* The channel's link primary station (IEEE 1815-2012 9.2.6): confirmed user
 * data with the frame count bit, confirm timeouts and retries, link reset,
 * and keep-alive, with time advanced by hand. A master at 1024, an
 * outstation at 1. */
#include "channel_harness.h"

/* Master 1024 -> outstation 1 (DIR=1, PRM=1). */
#define RESET_LINK      "05 64 05 C0 01 00 00 04 E9 21"
#define CONFIRMED_FCB1  "05 64 0B F3 01 00 00 04 29 07 C0 C1 01 3C 02 06 52 C3"
#define CONFIRMED_FCB0  "05 64 0B D3 01 00 00 04 74 1F C1 C2 01 3C 03 06 F1 B8"
#define LINK_STATUS_REQ "05 64 05 C9 01 00 00 04 A6 57"
/* Outstation 1 -> master 1024 (DIR=0). */
#define ACK           "05 64 05 00 00 04 01 00 19 A6"
#define NACK          "05 64 05 01 00 04 01 00 1F 85"
#define NOT_SUPPORTED "05 64 05 0F 00 04 01 00 42 1A"
#define LINK_STATUS   "05 64 05 0B 00 04 01 00 5A 96"
#define UNSOLICITED   "05 64 0A 44 00 04 01 00 59 5E C0 C0 81 00 00 9C E8"

static const uint8_t READ_CLASS1[] = {0xC1, 0x01, 0x3C, 0x02, 0x06};
static const uint8_t READ_CLASS2[] = {0xC2, 0x01, 0x3C, 0x03, 0x06};

static harness_t *master(uint32_t keepalive_ms)
{
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.local[0] = 1024;
    cfg.confirm_timeout_ms = 2000;
    cfg.confirm_retries = 2;
    cfg.keepalive_ms = keepalive_ms;
    return h_new(&cfg);
}

static void send_confirmed(harness_t *h, const uint8_t *apdu, size_t len)
{
    assert_true(dnp3_channel_can_send(h->ch));
    assert_int_equal(dnp3_channel_send(h->ch, h->now, 1024, 1, apdu, len, true), DNP3_OK);
    assert_false(dnp3_channel_can_send(h->ch));
}

static void confirmed_data_with_reset_timeout_and_retry(void **state)
{
    (void)state;
    harness_t *h = master(0);
    size_t at = 0;
    send_confirmed(h, READ_CLASS1, sizeof READ_CLASS1);
    /* The peer's link was never reset: reset first. */
    h_expect_output_hex(h, RESET_LINK);
    assert_int_equal(dnp3_channel_next_deadline(h->ch), 2000);
    h_advance(h, 1999);
    h_expect_no_output(h);
    h_feed_hex(h, ACK);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_LINK_RESET_DONE);
    assert_int_equal(h->ev[0].src, 1);
    /* First confirmed frame after a reset: FCB=1. */
    h_expect_output_hex(h, CONFIRMED_FCB1);
    assert_int_equal(dnp3_channel_next_deadline(h->ch), 1999 + 2000);
    /* The ACK is lost: resent after the timeout with the same FCB. */
    h_advance(h, 2000);
    h_expect_output_hex(h, CONFIRMED_FCB1);
    h_feed_hex(h, ACK);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_TX_DONE);
    assert_int_equal(h->ev[1].src, 1024);
    assert_int_equal(h->ev[1].dst, 1);
    assert_true(dnp3_channel_can_send(h->ch));
    assert_int_equal(dnp3_channel_next_deadline(h->ch), DNP3_TIMESTAMP_NEVER);

    /* The next fragment: no reset, FCB toggled to 0, transport SEQ 1. */
    send_confirmed(h, READ_CLASS2, sizeof READ_CLASS2);
    h_expect_output_hex(h, CONFIRMED_FCB0);
    h_feed_hex(h, ACK);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_TX_DONE);

    dnp3_channel_counters_t c = h_counters(h);
    assert_int_equal(c.timeouts, 1);
    assert_int_equal(c.retries, 1);
    assert_int_equal(c.fragments_tx, 2);
    assert_int_equal(c.frames_tx, 4);
    assert_int_equal(c.rx_link_control, 3);
    h_check_invariants(h);
    h_free(h);
}

static void confirmed_data_fails_after_retries(void **state)
{
    (void)state;
    harness_t *h = master(0);
    size_t at = 0;
    send_confirmed(h, READ_CLASS1, sizeof READ_CLASS1);
    h_expect_output_hex(h, RESET_LINK);
    h_feed_hex(h, ACK);
    h_expect_output_hex(h, CONFIRMED_FCB1);
    h_advance(h, 2000);
    h_expect_output_hex(h, CONFIRMED_FCB1); /* retry 1 */
    h_advance(h, 2000);
    h_expect_output_hex(h, CONFIRMED_FCB1); /* retry 2 */
    h_advance(h, 1999);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_LINK_RESET_DONE);
    h_advance(h, 1);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_SEND_FAILED);
    assert_int_equal(h->ev[1].src, 1);
    h_expect_no_output(h);
    assert_true(dnp3_channel_can_send(h->ch));
    /* The link must be reset again before the next confirmed data. */
    send_confirmed(h, READ_CLASS1, sizeof READ_CLASS1);
    h_expect_output_hex(h, RESET_LINK);
    dnp3_channel_counters_t c = h_counters(h);
    assert_int_equal(c.timeouts, 3);
    assert_int_equal(c.retries, 2);
    assert_int_equal(c.send_failures, 1);
    h_free(h);
}

static void reset_unanswered_fails(void **state)
{
    (void)state;
    harness_t *h = master(0);
    size_t at = 0;
    assert_int_equal(dnp3_channel_reset_link(h->ch, h->now, 1), DNP3_OK);
    assert_int_equal(dnp3_channel_reset_link(h->ch, h->now, 1), DNP3_E_STATE);
    for (int i = 0; i < 3; i++) {
        h_expect_output_hex(h, RESET_LINK);
        h_advance(h, 2000);
    }
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_SEND_FAILED);
    h_free(h);
}

static void reset_link_then_data_needs_no_reset(void **state)
{
    (void)state;
    harness_t *h = master(0);
    size_t at = 0;
    assert_int_equal(dnp3_channel_reset_link(h->ch, h->now, 1), DNP3_OK);
    h_expect_output_hex(h, RESET_LINK);
    h_feed_hex(h, ACK);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_LINK_RESET_DONE);
    send_confirmed(h, READ_CLASS1, sizeof READ_CLASS1);
    h_expect_output_hex(h, CONFIRMED_FCB1);
    h_free(h);
}

static void nack_and_not_supported_fail_at_once(void **state)
{
    (void)state;
    harness_t *h = master(0);
    size_t at = 0;
    send_confirmed(h, READ_CLASS1, sizeof READ_CLASS1);
    h_expect_output_hex(h, RESET_LINK);
    h_feed_hex(h, NACK);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_SEND_FAILED);
    send_confirmed(h, READ_CLASS1, sizeof READ_CLASS1);
    h_expect_output_hex(h, RESET_LINK);
    h_feed_hex(h, NOT_SUPPORTED);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_SEND_FAILED);
    dnp3_channel_counters_t c = h_counters(h);
    assert_int_equal(c.nacks, 1);
    assert_int_equal(c.not_supported, 1);
    assert_int_equal(c.send_failures, 2);
    h_check_invariants(h);
    h_free(h);
}

static void unexpected_answers_ignored(void **state)
{
    (void)state;
    harness_t *h = master(0);
    size_t at = 0;
    h_feed_hex(h, ACK);         /* nobody asked */
    h_feed_hex(h, LINK_STATUS); /* nobody asked */
    send_confirmed(h, READ_CLASS1, sizeof READ_CLASS1);
    h_feed_hex(h, ACK); /* the reset is not even sent yet */
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_IGNORED, DNP3_CHANNEL_EV_IGNORED, DNP3_CHANNEL_EV_IGNORED);
    assert_int_equal(h->ev[0].reason, DNP3_CHANNEL_IGNORE_UNEXPECTED);
    h_expect_output_hex(h, RESET_LINK);
    h_feed_hex(h, LINK_STATUS); /* wrong answer to a reset */
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_IGNORED);
    assert_int_equal(h_counters(h).ignored_unexpected, 4);
    h_check_invariants(h);
    h_free(h);
}

static void keepalive_success_and_failure(void **state)
{
    (void)state;
    harness_t *h = master(10000);
    size_t at = 0;
    assert_int_equal(dnp3_channel_next_deadline(h->ch), DNP3_TIMESTAMP_NEVER);
    h_feed_hex(h, UNSOLICITED); /* at 0: the outstation is heard */
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT);
    assert_int_equal(dnp3_channel_next_deadline(h->ch), 10000);
    h_advance(h, 9999);
    h_expect_no_output(h);
    h_advance(h, 1);
    h_expect_output_hex(h, LINK_STATUS_REQ);
    h->now += 150;
    h_feed_hex(h, LINK_STATUS);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_KEEPALIVE_OK);
    assert_int_equal(h->ev[1].src, 1);
    /* Heard at 10150: the next keep-alive is due at 20150. */
    assert_int_equal(dnp3_channel_next_deadline(h->ch), 20150);
    h_advance(h, 10000);
    h_expect_output_hex(h, LINK_STATUS_REQ);
    h_advance(h, 2000);
    h_expect_output_hex(h, LINK_STATUS_REQ);
    h_advance(h, 2000);
    h_expect_output_hex(h, LINK_STATUS_REQ);
    h_advance(h, 2000);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_KEEPALIVE_FAILED);
    assert_int_equal(h->ev[2].dst, 1024);
    assert_int_equal(h->ev[2].src, 1);
    /* The idle period starts over. */
    assert_int_equal(dnp3_channel_next_deadline(h->ch), h->now + 10000);
    dnp3_channel_counters_t c = h_counters(h);
    assert_int_equal(c.keepalives, 2);
    assert_int_equal(c.keepalive_failures, 1);
    assert_int_equal(c.timeouts, 3);
    h_free(h);
}

static void traffic_postpones_keepalive(void **state)
{
    (void)state;
    harness_t *h = master(10000);
    h_feed_hex(h, UNSOLICITED);
    h_advance(h, 6000);
    h_feed_hex(h, UNSOLICITED);
    h_advance(h, 6000);
    h_expect_no_output(h);
    assert_int_equal(dnp3_channel_next_deadline(h->ch), 16000);
    h_free(h);
}

static void reset_forgets_link_state(void **state)
{
    (void)state;
    harness_t *h = master(0);
    send_confirmed(h, READ_CLASS1, sizeof READ_CLASS1);
    h_expect_output_hex(h, RESET_LINK);
    h_feed_hex(h, ACK);
    h_expect_output_hex(h, CONFIRMED_FCB1);
    dnp3_channel_reset(h->ch); /* the connection dropped */
    assert_int_equal(dnp3_channel_next_deadline(h->ch), DNP3_TIMESTAMP_NEVER);
    assert_true(dnp3_channel_can_send(h->ch));
    send_confirmed(h, READ_CLASS1, sizeof READ_CLASS1);
    h_expect_output_hex(h, RESET_LINK);
    h_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(confirmed_data_with_reset_timeout_and_retry),
        cmocka_unit_test(confirmed_data_fails_after_retries),
        cmocka_unit_test(reset_unanswered_fails),
        cmocka_unit_test(reset_link_then_data_needs_no_reset),
        cmocka_unit_test(nack_and_not_supported_fail_at_once),
        cmocka_unit_test(unexpected_answers_ignored),
        cmocka_unit_test(keepalive_success_and_failure),
        cmocka_unit_test(traffic_postpones_keepalive),
        cmocka_unit_test(reset_forgets_link_state),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
