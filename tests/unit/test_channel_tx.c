/* The channel's send path: fragments in, whole frames out (unconfirmed user
 * data, the TCP norm), transport sequence numbers carried from fragment to
 * fragment, link replies ahead of data, and the argument checks. */
#include "channel_harness.h"

#include "dnp3/link.h"
#include "dnp3/transport.h"

/* A null response: C0 81 00 00 (FIR FIN, seq 0; IIN 00 00). */
static const uint8_t NULL_RESPONSE[] = {0xC0, 0x81, 0x00, 0x00};

static void unconfirmed_single_frame(void **state)
{
    (void)state;
    harness_t *h = h_new_outstation();
    assert_int_equal(dnp3_channel_send(h->ch, 0, 1, 1024, NULL_RESPONSE, 4, false), DNP3_OK);
    assert_true(dnp3_channel_want_write(h->ch));
    assert_false(dnp3_channel_can_send(h->ch));
    /* TH C0 (FIR FIN seq 0), then the APDU; DIR=0 from an outstation. */
    h_expect_output_hex(h, "05 64 0A 44 00 04 01 00 59 5E C0 C0 81 00 00 9C E8");
    assert_true(dnp3_channel_can_send(h->ch));
    /* TX_DONE waits in the queue: the deadline says "now". */
    assert_int_equal(dnp3_channel_next_deadline(h->ch), 0);
    h_timer(h);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_TX_DONE);
    assert_int_equal(h->ev[0].src, 1);
    assert_int_equal(h->ev[0].dst, 1024);
    /* The next fragment carries transport SEQ 1. */
    assert_int_equal(dnp3_channel_send(h->ch, 0, 1, 1024, NULL_RESPONSE, 4, false), DNP3_OK);
    h_expect_output_hex(h, "05 64 0A 44 00 04 01 00 59 5E C1 C0 81 00 00 9A CB");
    dnp3_channel_counters_t c = h_counters(h);
    assert_int_equal(c.fragments_tx, 2);
    assert_int_equal(c.frames_tx, 2);
    assert_int_equal(c.bytes_tx, 34);
    h_free(h);
}

/* The same bytes as the segmenter and the frame writer by hand. */
static size_t by_hand(const uint8_t *apdu, size_t len, uint8_t seq, uint8_t *out, size_t cap)
{
    dnp3_tp_segmenter_t s;
    uint8_t seg[DNP3_TP_MAX_SEGMENT];
    size_t w = 0;
    dnp3_tp_segmenter_init(&s, apdu, len, seq);
    int n;
    while ((n = dnp3_tp_segmenter_next(&s, seg, sizeof seg)) > 0) {
        int f = dnp3_link_frame_write(out + w, cap - w, 0x44, 1024, 1, seg, (size_t)n);
        assert_true(f > 0);
        w += (size_t)f;
    }
    return w;
}

static void multi_frame_whole_frames_only(void **state)
{
    (void)state;
    harness_t *h = h_new_outstation();
    uint8_t apdu[2048];
    for (size_t i = 0; i < sizeof apdu; i++)
        apdu[i] = (uint8_t)(i * 13 + 5);
    uint8_t want[4096];
    size_t nw = by_hand(apdu, sizeof apdu, 0, want, sizeof want);
    assert_int_equal(dnp3_channel_send(h->ch, 0, 1, 1024, apdu, sizeof apdu, false), DNP3_OK);
    /* 2048 = 8 full segments of 249 + 56: 8 frames of 292, one of 75. */
    uint8_t got[4096];
    size_t ng = 0;
    assert_int_equal(dnp3_channel_take_output(h->ch, 0, got, 291), 0);
    while (dnp3_channel_want_write(h->ch)) {
        size_t n = dnp3_channel_take_output(h->ch, 0, got + ng, 300);
        assert_true(n == 292 || n == 75);
        ng += n;
    }
    assert_int_equal(ng, nw);
    assert_memory_equal(got, want, nw);
    assert_int_equal(h_counters(h).frames_tx, 9);
    /* A receiver gets the fragment back. */
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.local[0] = 1024;
    harness_t *m = h_new(&cfg);
    h_feed(m, got, ng);
    size_t at = 0;
    H_EXPECT(m, &at, DNP3_CHANNEL_EV_FRAGMENT);
    assert_int_equal(m->ev[0].len, sizeof apdu);
    assert_memory_equal(m->ev[0].data, apdu, sizeof apdu);
    h_free(m);
    h_free(h);
}

static void replies_go_first(void **state)
{
    (void)state;
    harness_t *h = h_new_outstation();
    assert_int_equal(dnp3_channel_send(h->ch, 0, 1, 1024, NULL_RESPONSE, 4, false), DNP3_OK);
    h_feed_hex(h, "05 64 05 C9 01 00 00 04 A6 57"); /* link status request */
    /* A buffer with room for the reply only: the reply, nothing after. */
    uint8_t out[64];
    assert_int_equal(dnp3_channel_take_output(h->ch, 0, out, 20), 10);
    h_expect_output_hex(h, "05 64 0A 44 00 04 01 00 59 5E C0 C0 81 00 00 9C E8");
    h_free(h);
}

static void broadcast_sent_unconfirmed(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.local[0] = 1024;
    harness_t *h = h_new(&cfg);
    static const uint8_t READ[] = {0xC1, 0x01, 0x3C, 0x02, 0x06};
    assert_int_equal(dnp3_channel_send(h->ch, 0, 1024, 0xFFFF, READ, sizeof READ, true), DNP3_OK);
    h_expect_output_hex(h, "05 64 0B C4 FF FF 00 04 A9 7D C0 C1 01 3C 02 06 52 C3");
    h_free(h);
}

static void send_errors(void **state)
{
    (void)state;
    harness_t *h = h_new_outstation();
    uint8_t big[DNP3_FRAGMENT_SIZE_DEFAULT + 1] = {0};
    assert_int_equal(dnp3_channel_send(NULL, 0, 1, 1024, NULL_RESPONSE, 4, false),
                     DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_channel_send(h->ch, 0, 1, 1024, NULL, 4, false), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_channel_send(h->ch, 0, 1, 1024, NULL_RESPONSE, 0, false),
                     DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_channel_send(h->ch, 0, 1, 1024, big, sizeof big, false),
                     DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_channel_send(h->ch, 0, 2, 1024, NULL_RESPONSE, 4, false),
                     DNP3_E_INVALID_ARG); /* 2 is not ours */
    assert_int_equal(dnp3_channel_send(h->ch, 0, 1, 0xFFF5, NULL_RESPONSE, 4, false),
                     DNP3_E_INVALID_ARG); /* reserved */
    assert_int_equal(dnp3_channel_send(h->ch, 0, 1, DNP3_ADDR_SELF, NULL_RESPONSE, 4, false),
                     DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_channel_reset_link(h->ch, 0, 0xFFFF), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_channel_send(h->ch, 0, 1, 1024, big, sizeof big - 1, false), DNP3_OK);
    assert_int_equal(dnp3_channel_send(h->ch, 0, 1, 1024, NULL_RESPONSE, 4, false),
                     DNP3_E_STATE); /* one fragment at a time */
    assert_int_equal(dnp3_channel_reset_link(h->ch, 0, 1024), DNP3_E_STATE);
    /* Confirmed to a second peer: no slot left (max_peers 1). */
    dnp3_channel_reset(h->ch);
    assert_int_equal(dnp3_channel_send(h->ch, 0, 1, 1024, NULL_RESPONSE, 4, true), DNP3_OK);
    dnp3_channel_reset(h->ch);
    h_feed_hex(h, "05 64 05 C9 01 00 00 04 A6 57"); /* 1024 takes the slot */
    assert_int_equal(dnp3_channel_send(h->ch, 0, 1, 7, NULL_RESPONSE, 4, true), DNP3_E_NOSPACE);
    assert_int_equal(dnp3_channel_take_output(h->ch, 0, NULL, 100), 0);
    h_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unconfirmed_single_frame),
        cmocka_unit_test(multi_frame_whole_frames_only),
        cmocka_unit_test(replies_go_first),
        cmocka_unit_test(broadcast_sent_unconfirmed),
        cmocka_unit_test(send_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
