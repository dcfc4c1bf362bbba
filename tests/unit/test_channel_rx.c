/* Channel receive path: bytes -> frames -> transport -> fragments, with
 * every discard counted, and the same events for any chunking of the
 * input (every split point, one byte at a time). */
#include "channel_harness.h"

#include "dnp3/link.h"
#include "dnp3/transport.h"

/* An outstation at address 1 talking to a master at 1024. */
static dnp3_channel_config_t outstation_cfg(dnp3_link_policy_t policy)
{
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.role = DNP3_CHANNEL_ROLE_OUTSTATION;
    cfg.local[0] = 1;
    cfg.policy = policy;
    cfg.report_frames = true;
    return cfg;
}

typedef struct stream {
    uint8_t b[16384];
    size_t n;
} stream_t;

static void put_bytes(stream_t *s, const char *hex)
{
    s->n += h_hex(hex, s->b + s->n, sizeof s->b - s->n);
}

static void put_frame(stream_t *s, uint8_t control, uint16_t dst, uint16_t src, const uint8_t *user,
                      size_t len)
{
    int w = dnp3_link_frame_write(s->b + s->n, sizeof s->b - s->n, control, dst, src, user, len);
    assert_true(w > 0);
    s->n += (size_t)w;
}

/* One segment from the master (1024) to the outstation (1). */
static void put_segment(stream_t *s, bool fir, bool fin, uint8_t seq, const uint8_t *apdu,
                        size_t len)
{
    uint8_t seg[DNP3_TP_MAX_SEGMENT];
    seg[0] = dnp3_tp_header(fir, fin, seq);
    memcpy(seg + 1, apdu, len);
    put_frame(s, 0xC4, 1, 1024, seg, len + 1);
}

static const uint8_t READ_CLASS0[] = {0xC1, 0x01, 0x3C, 0x01, 0x06};

/* ---- basics ------------------------------------------------------------------------ */

static void unconfirmed_frame_gives_fragment(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg = outstation_cfg(DNP3_LINK_POLICY_CLOSE);
    cfg.report_frames = false;
    harness_t *h = h_new(&cfg);
    /* UNCONFIRMED_USER_DATA 1024 -> 1: TH C0, READ class 1 (3C 02 06). */
    h_feed_hex(h, "05 64 0B C4 01 00 00 04 F4 5C C0 C1 01 3C 02 06 52 C3");
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT);
    assert_int_equal(h->ev[0].src, 1024);
    assert_int_equal(h->ev[0].dst, 1);
    assert_int_equal(h->ev[0].len, 5);
    assert_memory_equal(h->ev[0].data, "\xC1\x01\x3C\x02\x06", 5);
    assert_true(h->ev[0].has_frame);
    assert_int_equal(h->ev[0].control, 0xC4);
    h_expect_no_output(h); /* unconfirmed data is never answered */
    dnp3_channel_counters_t c = h_counters(h);
    assert_int_equal(c.link.frames, 1);
    assert_int_equal(c.rx_user_data, 1);
    assert_int_equal(c.fragments_rx, 1);
    assert_int_equal(c.transport.fragments, 1);
    assert_int_equal(c.rx_frame_bytes, 18);
    h_check_invariants(h);
    h_free(h);
}

static void multi_segment_fragment(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg = outstation_cfg(DNP3_LINK_POLICY_CLOSE);
    harness_t *h = h_new(&cfg);
    uint8_t apdu[600];
    for (size_t i = 0; i < sizeof apdu; i++)
        apdu[i] = (uint8_t)(i * 7);
    stream_t s = {.n = 0};
    put_segment(&s, true, false, 62, apdu, 249);
    put_segment(&s, false, false, 63, apdu + 249, 249);
    put_segment(&s, false, true, 0, apdu + 498, 102); /* SEQ wraps 63 -> 0 */
    h_feed(h, s.b, s.n);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAME, DNP3_CHANNEL_EV_FRAME, DNP3_CHANNEL_EV_FRAME,
             DNP3_CHANNEL_EV_FRAGMENT);
    assert_int_equal(h->ev[3].len, 600);
    assert_memory_equal(h->ev[3].data, apdu, 600);
    assert_int_equal(h->ev[1].offset, 292); /* a full frame is 292 bytes */
    h_free(h);
}

static void fragment_too_big_for_rx_max(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg = outstation_cfg(DNP3_LINK_POLICY_CLOSE);
    cfg.rx_fragment_max = 300;
    cfg.report_frames = false;
    harness_t *h = h_new(&cfg);
    uint8_t apdu[498] = {0xC1, 0x01};
    stream_t s = {.n = 0};
    put_segment(&s, true, false, 0, apdu, 249);
    put_segment(&s, false, true, 1, apdu + 249, 249);
    h_feed(h, s.b, s.n);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_TP_DROP);
    assert_int_equal(h->ev[0].reason, DNP3_E_TP_OVERFLOW);
    assert_int_equal(h->ev[0].bytes, 498);
    dnp3_channel_counters_t c = h_counters(h);
    assert_int_equal(c.transport.overflow, 1);
    assert_int_equal(c.transport.dropped_bytes, 498);
    h_free(h);
}

/* ---- the mixed stream: every kind of discard ------------------------------------------- */

/* Builds a stream (DISCARD policy) with: garbage, a good single-segment
 * fragment, a frame with a bad block CRC, a non-FIR segment with nothing in
 * progress, a frame for another outstation, an echo (DIR=0), a two-segment
 * fragment interrupted by a FIR (restart), a sequence gap, a link status
 * request, and a partial frame at the end. */
static const uint8_t *apdu_mixed(void)
{
    static uint8_t apdu[400];
    for (size_t i = 0; i < sizeof apdu; i++)
        apdu[i] = (uint8_t)(0x10 + i * 3);
    return apdu;
}

static void build_mixed(stream_t *s, bool lead_garbage)
{
    const uint8_t *apdu = apdu_mixed();
    if (lead_garbage)
        put_bytes(s, "FF 00 05 11");                                /* 4 bytes garbage */
    put_segment(s, true, true, 0, READ_CLASS0, sizeof READ_CLASS0); /* fragment 1 */
    size_t bad = s->n;
    put_segment(s, true, true, 1, READ_CLASS0, sizeof READ_CLASS0);
    s->b[bad + 12] ^= 0x01;                                          /* corrupt block 0 */
    put_segment(s, false, true, 2, apdu, 10);                        /* NO_FIR */
    put_frame(s, 0xC4, 2, 1024, (const uint8_t *)"\xC0\xC1\x01", 3); /* foreign */
    put_frame(s, 0x44, 1, 1024, (const uint8_t *)"\xC0\xC1\x01", 3); /* echo, DIR=0 */
    put_segment(s, true, false, 3, apdu, 249);                       /* partial ... */
    put_segment(s, true, false, 4, apdu, 249);                       /* ... restarted by FIR */
    put_segment(s, false, true, 6, apdu + 249, 20);                  /* SEQ 6 after 4: gap */
    put_segment(s, true, false, 7, apdu, 249);                       /* a good three-segment one */
    put_segment(s, false, false, 8, apdu + 249, 100);
    put_segment(s, false, false, 8, apdu + 249, 100); /* transport repeat */
    put_segment(s, false, true, 9, apdu + 349, 51);
    put_frame(s, 0xC9, 1, 1024, NULL, 0); /* REQUEST_LINK_STATUS */
    put_bytes(s, "05 64 0B C4 01");       /* partial frame */
}

static void mixed_stream_events_and_counters(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg = outstation_cfg(DNP3_LINK_POLICY_DISCARD);
    harness_t *h = h_new(&cfg);
    stream_t s = {.n = 0};
    build_mixed(&s, true);
    h_feed(h, s.b, s.n);
    h_finish(h);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_LINK_DISCARD,            /* garbage */
             DNP3_CHANNEL_EV_FRAME, DNP3_CHANNEL_EV_FRAGMENT, /* fragment 1 */
             DNP3_CHANNEL_EV_LINK_DISCARD,                    /* block CRC */
             DNP3_CHANNEL_EV_FRAME, DNP3_CHANNEL_EV_TP_DROP,  /* NO_FIR */
             DNP3_CHANNEL_EV_FRAME, DNP3_CHANNEL_EV_FOREIGN,  /* to 2 */
             DNP3_CHANNEL_EV_FRAME, DNP3_CHANNEL_EV_IGNORED,  /* echo */
             DNP3_CHANNEL_EV_FRAME,                           /* partial */
             DNP3_CHANNEL_EV_FRAME, DNP3_CHANNEL_EV_TP_DROP,  /* restart */
             DNP3_CHANNEL_EV_FRAME, DNP3_CHANNEL_EV_TP_DROP,  /* gap */
             DNP3_CHANNEL_EV_FRAME, DNP3_CHANNEL_EV_FRAME,    /* FIR, 2nd */
             DNP3_CHANNEL_EV_FRAME, DNP3_CHANNEL_EV_TP_DROP,  /* repeat */
             DNP3_CHANNEL_EV_FRAME, DNP3_CHANNEL_EV_FRAGMENT, /* FIN */
             DNP3_CHANNEL_EV_FRAME,                           /* status request */
             DNP3_CHANNEL_EV_LINK_DISCARD);                   /* truncated */
    assert_int_equal(h->ev[0].reason, DNP3_E_LINK_START);
    assert_int_equal(h->ev[0].bytes, 4);
    assert_int_equal(h->ev[0].offset, 0);
    /* Runs: the events a frame causes come together, the last with more
     * false: discard | FRAME FRAGMENT | discard | FRAME TP_DROP | ... */
    static const bool MORE[] = {false, true,  false, false, true,  false, true,  false,
                                true,  false, false, true,  false, true,  false, false,
                                false, true,  false, true,  false, false, false};
    for (size_t i = 0; i < sizeof MORE / sizeof MORE[0]; i++)
        assert_int_equal(h->ev[i].more, MORE[i]);
    assert_int_equal(h->ev[3].reason, DNP3_E_LINK_BLOCK_CRC);
    assert_int_equal(h->ev[3].bytes, 18);
    assert_int_equal(h->ev[5].reason, DNP3_E_TP_NO_FIR);
    assert_int_equal(h->ev[5].bytes, 10);
    assert_int_equal(h->ev[7].src, 1024);
    assert_int_equal(h->ev[7].dst, 2);
    assert_int_equal(h->ev[9].reason, DNP3_CHANNEL_IGNORE_DIRECTION);
    assert_int_equal(h->ev[12].reason, DNP3_E_TP_FIR_RESTART);
    assert_int_equal(h->ev[12].bytes, 249);
    assert_int_equal(h->ev[14].reason, DNP3_E_TP_SEQUENCE);
    assert_int_equal(h->ev[14].bytes, 249 + 20);
    assert_int_equal(h->ev[18].reason, DNP3_E_TP_DUPLICATE);
    assert_int_equal(h->ev[18].bytes, 100);
    assert_int_equal(h->ev[20].len, 400);
    assert_memory_equal(h->ev[20].data, apdu_mixed(), 400);
    assert_int_equal(h->ev[22].reason, DNP3_E_TRUNCATED);
    assert_int_equal(h->ev[22].bytes, 5);

    dnp3_channel_counters_t c = h_counters(h);
    assert_int_equal(c.link.bytes_in, s.n);
    assert_int_equal(c.link.bytes_in, c.rx_frame_bytes + c.link.discarded_bytes);
    assert_int_equal(c.link.frames, 12);
    assert_int_equal(c.link.bad_start, 1);
    assert_int_equal(c.link.block_crc, 1);
    assert_int_equal(c.link.truncated, 1);
    assert_int_equal(c.link.discarded_bytes, 4 + 18 + 5);
    assert_int_equal(c.rx_user_data, 9);
    assert_int_equal(c.rx_link_control, 1);
    assert_int_equal(c.foreign, 1);
    assert_int_equal(c.ignored_direction, 1);
    assert_int_equal(c.transport.no_fir, 1);
    assert_int_equal(c.transport.fir_restart, 1);
    assert_int_equal(c.transport.sequence, 1);
    assert_int_equal(c.transport.duplicate, 1);
    assert_int_equal(c.transport.dropped_bytes, 10 + 249 + 269 + 100);
    assert_int_equal(c.fragments_rx, 2);
    h_check_invariants(h);
    /* The status request was answered: LINK_STATUS 1 -> 1024. */
    h_expect_output_hex(h, "05 64 05 0B 00 04 01 00 5A 96");
    h_free(h);
}

/* ---- chunking ---------------------------------------------------------------------- */

static bool same_events(const harness_t *a, const harness_t *b)
{
    if (a->n != b->n)
        return false;
    for (size_t i = 0; i < a->n; i++) {
        const h_event_t *x = &a->ev[i], *y = &b->ev[i];
        if (x->kind != y->kind || x->src != y->src || x->dst != y->dst || x->reason != y->reason ||
            x->block != y->block || x->offset != y->offset || x->control != y->control ||
            x->len != y->len || memcmp(x->data, y->data, x->len) != 0)
            return false;
        /* CLOSED counts what its call dropped: chunking decides that. */
        if (x->kind != DNP3_CHANNEL_EV_CLOSED && x->bytes != y->bytes)
            return false;
        if (x->more != y->more)
            return false;
    }
    return true;
}

static void any_chunking_same_events(dnp3_link_policy_t policy)
{
    dnp3_channel_config_t cfg = outstation_cfg(policy);
    stream_t s = {.n = 0};
    /* Under CLOSE, no leading garbage: frames, then the bad CRC closes. */
    build_mixed(&s, policy == DNP3_LINK_POLICY_DISCARD);
    harness_t *ref = h_new(&cfg);
    h_feed(ref, s.b, s.n);
    h_finish(ref);
    assert_true(ref->n >= 3);
    uint8_t out_ref[512];
    size_t nref = dnp3_channel_take_output(ref->ch, 0, out_ref, sizeof out_ref);

    /* Every split point into two chunks, then one byte at a time. */
    for (size_t split = 0; split <= s.n + 1; split++) {
        harness_t *h = h_new(&cfg);
        if (split <= s.n) {
            h_feed(h, s.b, split);
            h_feed(h, s.b + split, s.n - split);
        } else {
            h_feed_chunked(h, s.b, s.n, 1);
        }
        h_finish(h);
        if (!same_events(ref, h))
            fail_msg("events differ when split at %zu", split);
        uint8_t out[512];
        assert_int_equal(dnp3_channel_take_output(h->ch, 0, out, sizeof out), nref);
        assert_memory_equal(out, out_ref, nref);
        dnp3_channel_counters_t a = h_counters(ref), b = h_counters(h);
        assert_memory_equal(&a, &b, sizeof a);
        h_free(h);
    }
    h_free(ref);
}

static void chunking_discard_policy(void **state)
{
    (void)state;
    any_chunking_same_events(DNP3_LINK_POLICY_DISCARD);
}

static void chunking_close_policy(void **state)
{
    (void)state;
    any_chunking_same_events(DNP3_LINK_POLICY_CLOSE);
}

/* A frame hidden inside a frame whose block CRC fails is found by the
 * rescan as soon as the bad frame's last byte arrives, whatever the
 * chunking: not only with the next input or at finish. */
static void rescan_events_not_delayed(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg = outstation_cfg(DNP3_LINK_POLICY_DISCARD);
    cfg.report_frames = false;
    stream_t s = {.n = 0};
    uint8_t user[40] = {0xC0};
    int w = dnp3_link_frame_write(s.b, sizeof s.b, 0xC4, 1, 1024, user, sizeof user);
    assert_int_equal(w, 56);
    /* A complete UNCONFIRMED_USER_DATA frame inside the user data, whose
     * CRCs the outer frame's block CRCs then fail on. */
    size_t inner = h_hex("05 64 0B C4 01 00 00 04 F4 5C C0 C1 01 3C 02 06 52 C3", s.b + 12, 18);
    assert_int_equal(inner, 18);
    s.n = (size_t)w;
    for (size_t chunk = 1; chunk <= s.n; chunk++) {
        harness_t *h = h_new(&cfg);
        h_feed_chunked(h, s.b, s.n, chunk);
        size_t at = 0;
        H_EXPECT(h, &at, DNP3_CHANNEL_EV_LINK_DISCARD, DNP3_CHANNEL_EV_FRAGMENT);
        assert_int_equal(h->ev[0].reason, DNP3_E_LINK_BLOCK_CRC);
        assert_int_equal(h->ev[0].bytes, 12);
        h_finish(h);
        H_EXPECT(h, &at, DNP3_CHANNEL_EV_LINK_DISCARD);
        assert_int_equal(h->ev[2].bytes, 56 - 12 - 18);
        h_free(h);
    }
}

/* ---- close policy, finish, reset ------------------------------------------------------ */

static void close_policy_closes(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg = outstation_cfg(DNP3_LINK_POLICY_CLOSE);
    cfg.report_frames = false;
    harness_t *h = h_new(&cfg);
    h_feed_hex(h, "05 64 0B C4 01 00 00 04 F4 5C C0 C1 01 3C 02 06 52 C3 AA BB");
    h_feed_hex(h, "05 64 0B C4 01 00 00 04 F4 5C C0 C1 01 3C 02 06 52 C3");
    size_t at = 0;
    /* One CLOSED event; what follows is dropped and counted, silently. */
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT, DNP3_CHANNEL_EV_CLOSED);
    assert_int_equal(h->ev[1].reason, DNP3_E_LINK_START);
    assert_int_equal(h->ev[1].bytes, 2);
    assert_int_equal(h->ev[1].offset, 18);
    assert_true(dnp3_channel_closed(h->ch));
    assert_false(dnp3_channel_can_send(h->ch));
    /* A new connection: open again, offsets from 0, counters kept. */
    dnp3_channel_reset(h->ch);
    assert_false(dnp3_channel_closed(h->ch));
    h_feed_hex(h, "05 64 0B C4 01 00 00 04 F4 5C C0 C1 01 3C 02 06 52 C3");
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT);
    dnp3_channel_counters_t c = h_counters(h);
    assert_int_equal(c.link.frames, 2);
    assert_int_equal(c.link.discarded_bytes, 20);
    assert_int_equal(c.link.bytes_in, 56);
    h_free(h);
}

static void finish_reports_partial_and_keeps_fragments(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg = outstation_cfg(DNP3_LINK_POLICY_DISCARD);
    cfg.report_frames = false;
    harness_t *h = h_new(&cfg);
    uint8_t apdu[300] = {0xC1, 0x01};
    stream_t s = {.n = 0};
    put_segment(&s, true, false, 0, apdu, 249);
    put_bytes(&s, "05 64 0B");
    h_feed(h, s.b, s.n);
    h_finish(h); /* a capture gap: the partial frame goes ... */
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_LINK_DISCARD);
    assert_int_equal(h->ev[0].reason, DNP3_E_TRUNCATED);
    assert_int_equal(h->ev[0].offset, 292);
    /* ... the partial fragment stays, and offsets restart at 0. */
    s.n = 0;
    put_segment(&s, false, true, 1, apdu + 249, 51);
    h_feed(h, s.b, s.n);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT);
    assert_int_equal(h->ev[1].len, 300);
    /* A new connection forgets it. */
    s.n = 0;
    put_segment(&s, true, false, 2, apdu, 249);
    h_feed(h, s.b, s.n);
    dnp3_channel_reset(h->ch);
    s.n = 0;
    put_segment(&s, false, true, 3, apdu + 249, 51);
    h_feed(h, s.b, s.n);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_TP_DROP);
    assert_int_equal(h->ev[2].reason, DNP3_E_TP_NO_FIR);
    h_free(h);
}

static void reset_counts_held_bytes(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg = outstation_cfg(DNP3_LINK_POLICY_DISCARD);
    harness_t *h = h_new(&cfg);
    h_feed_hex(h, "AA BB 05 64 0B C4"); /* a garbage run, then a partial frame */
    assert_int_equal(h->n, 1);          /* the run, ended by the start */
    dnp3_channel_reset(h->ch);
    h_feed_hex(h, "11 22 33");
    dnp3_channel_reset(h->ch);
    dnp3_channel_counters_t c = h_counters(h);
    assert_int_equal(c.link.bytes_in, 9);
    assert_int_equal(c.link.discarded_bytes, 9);
    assert_int_equal(h->n, 1); /* without events */
    h_free(h);
}

static void flush_run_reports_garbage_now(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg = outstation_cfg(DNP3_LINK_POLICY_DISCARD);
    harness_t *h = h_new(&cfg);
    h_feed_hex(h, "01 02 03");
    assert_int_equal(h->n, 0); /* the run's end is not known yet */
    dnp3_channel_event_t e;
    assert_int_equal(dnp3_channel_flush_run(h->ch, &e), 1);
    assert_int_equal(e.kind, DNP3_CHANNEL_EV_LINK_DISCARD);
    assert_int_equal(e.bytes, 3);
    assert_int_equal(dnp3_channel_flush_run(h->ch, &e), 0);
    h_free(h);
}

static void config_errors(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg;
    int err = 0;
    assert_null(dnp3_channel_new(NULL, &err));
    assert_int_equal(err, DNP3_E_INVALID_ARG);
    dnp3_channel_config_default(&cfg);
    cfg.rx_fragment_max = 248;
    assert_null(dnp3_channel_new(&cfg, &err));
    assert_int_equal(err, DNP3_E_INVALID_ARG);
    dnp3_channel_config_default(&cfg);
    cfg.tx_fragment_max = 65536;
    assert_null(dnp3_channel_new(&cfg, &err));
    dnp3_channel_config_default(&cfg);
    cfg.max_peers = 0;
    assert_null(dnp3_channel_new(&cfg, &err));
    dnp3_channel_config_default(&cfg);
    cfg.n_local = 0;
    assert_null(dnp3_channel_new(&cfg, &err));
    cfg.n_local = DNP3_CHANNEL_MAX_LOCAL + 1;
    assert_null(dnp3_channel_new(&cfg, &err));
    dnp3_channel_config_default(&cfg);
    cfg.confirm_timeout_ms = 0;
    assert_null(dnp3_channel_new(&cfg, &err));
    dnp3_channel_config_default(&cfg);
    dnp3_channel_t *ch = dnp3_channel_new(&cfg, &err);
    assert_non_null(ch);
    assert_int_equal(err, DNP3_OK);
    /* Session mode holds the tx buffer and one rx buffer from the start. */
    assert_true(dnp3_channel_memory(ch) >= 2 * DNP3_FRAGMENT_SIZE_DEFAULT);
    assert_int_equal(dnp3_channel_next_deadline(ch), DNP3_TIMESTAMP_NEVER);
    dnp3_channel_free(ch);
    dnp3_channel_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(unconfirmed_frame_gives_fragment),
        cmocka_unit_test(multi_segment_fragment),
        cmocka_unit_test(fragment_too_big_for_rx_max),
        cmocka_unit_test(mixed_stream_events_and_counters),
        cmocka_unit_test(chunking_discard_policy),
        cmocka_unit_test(chunking_close_policy),
        cmocka_unit_test(rescan_events_not_delayed),
        cmocka_unit_test(close_policy_closes),
        cmocka_unit_test(finish_reports_partial_and_keeps_fragments),
        cmocka_unit_test(reset_counts_held_bytes),
        cmocka_unit_test(flush_run_reports_garbage_now),
        cmocka_unit_test(config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
