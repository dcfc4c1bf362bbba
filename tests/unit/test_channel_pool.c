/* Channels taking their fragment buffers from a shared pool
 * (dnp3_fragment_pool_t): a one-segment fragment needs none, a fragment of
 * several segments holds one from its FIR to the call after it was handed
 * out, and a pool with none free drops the fragment, says so (TP_DROP
 * DNP3_E_TP_POOL_EMPTY for each of its segments) and counts it. Sending
 * keeps a pool buffer until the fragment is out. */
#include "channel_harness.h"

/* One master (100) to outstation (1) user-data frame carrying a transport
 * segment: header th, then n payload bytes of value fill. */
static size_t segment(uint8_t *out, uint8_t th, size_t n, uint8_t fill)
{
    uint8_t user[DNP3_TP_MAX_SEGMENT];
    user[0] = th;
    memset(user + 1, fill, n);
    uint8_t control = dnp3_link_control(true, true, false, false, DNP3_LINK_UNCONFIRMED_USER_DATA);
    int w = dnp3_link_frame_write(out, DNP3_LINK_MAX_FRAME, control, 1, 100, user, n + 1);
    assert_true(w > 0);
    return (size_t)w;
}

static void feed_segment(harness_t *h, uint8_t th, size_t n, uint8_t fill)
{
    uint8_t f[DNP3_LINK_MAX_FRAME];
    h_feed(h, f, segment(f, th, n, fill));
}

/* An outstation channel at address 1 taking its buffers from pool. */
static dnp3_channel_config_t pooled_config(dnp3_fragment_pool_t *pool)
{
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.role = DNP3_CHANNEL_ROLE_OUTSTATION;
    cfg.local[0] = 1;
    cfg.pool = pool;
    return cfg;
}

static harness_t *pooled(dnp3_fragment_pool_t *pool)
{
    dnp3_channel_config_t cfg = pooled_config(pool);
    return h_new(&cfg);
}

static dnp3_fragment_pool_counters_t pool_counters(const dnp3_fragment_pool_t *pool)
{
    dnp3_fragment_pool_counters_t c;
    dnp3_fragment_pool_counters(pool, &c);
    return c;
}

static uint64_t pool_empty(const harness_t *h)
{
    dnp3_channel_counters_t c;
    dnp3_channel_counters(h->ch, &c);
    return c.pool_empty;
}

#define FIR DNP3_TP_FIR
#define FIN DNP3_TP_FIN

/* A request in one segment is handed over from the frame: no buffer. */
static void one_segment_takes_no_buffer(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(1, 2048, NULL);
    harness_t *h = pooled(pool);
    feed_segment(h, FIR | FIN | 0, 10, 0xC0);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT);
    assert_int_equal(h->ev[0].len, 10);
    assert_int_equal(pool_counters(pool).taken, 0);
    h_free(h);
    dnp3_fragment_pool_free(pool);
}

/* 249 + 249 + 2 bytes in three segments: one buffer from FIR, back once the
 * fragment was handed out and the channel reported NONE. */
static void three_segments_hold_one_buffer(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(1, 2048, NULL);
    harness_t *h = pooled(pool);
    feed_segment(h, FIR | 0, 249, 0x11);
    assert_int_equal(pool_counters(pool).in_use, 1);
    feed_segment(h, 1, 249, 0x22);
    feed_segment(h, FIN | 2, 2, 0x33);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT);
    assert_int_equal(h->ev[0].len, 500);
    assert_int_equal(h->ev[0].data[0], 0x11);
    assert_int_equal(h->ev[0].data[249], 0x22);
    assert_int_equal(h->ev[0].data[499], 0x33);
    dnp3_fragment_pool_counters_t c = pool_counters(pool);
    assert_int_equal(c.taken, 1);
    assert_int_equal(c.in_use, 0);
    assert_int_equal(c.peak, 1);
    assert_int_equal(c.exhausted, 0);
    h_free(h);
    dnp3_fragment_pool_free(pool);
}

/* One buffer, two connections each receiving a fragment of two segments:
 * the second finds the pool empty and loses its fragment, each segment
 * reported; once the first is done, the second's next fragment comes. */
static void empty_pool_drops_and_says_so(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(1, 2048, NULL);
    harness_t *a = pooled(pool);
    harness_t *b = pooled(pool);
    feed_segment(a, FIR | 0, 249, 0xAA);
    feed_segment(b, FIR | 5, 249, 0xBB);
    feed_segment(b, FIN | 6, 20, 0xBB);
    size_t at = 0;
    H_EXPECT(b, &at, DNP3_CHANNEL_EV_TP_DROP, DNP3_CHANNEL_EV_TP_DROP);
    assert_int_equal(b->ev[0].reason, DNP3_E_TP_POOL_EMPTY);
    assert_int_equal(b->ev[0].bytes, 249);
    assert_int_equal(b->ev[0].src, 100);
    assert_int_equal(b->ev[0].dst, 1);
    assert_int_equal(b->ev[1].reason, DNP3_E_TP_POOL_EMPTY);
    assert_int_equal(b->ev[1].bytes, 20);
    assert_int_equal(pool_empty(b), 2);
    dnp3_channel_counters_t cb;
    dnp3_channel_counters(b->ch, &cb);
    assert_int_equal(cb.transport.dropped_bytes, 269);
    assert_int_equal(cb.fragments_rx, 0);
    assert_int_equal(pool_counters(pool).exhausted, 1);

    feed_segment(a, FIN | 1, 1, 0xAA);
    size_t at_a = 0;
    H_EXPECT(a, &at_a, DNP3_CHANNEL_EV_FRAGMENT);
    assert_int_equal(a->ev[0].len, 250);
    feed_segment(b, FIR | 7, 249, 0xBC);
    feed_segment(b, FIN | 8, 3, 0xBD);
    H_EXPECT(b, &at, DNP3_CHANNEL_EV_FRAGMENT);
    assert_int_equal(b->ev[2].len, 252);
    assert_int_equal(pool_empty(b), 2);
    h_free(a);
    h_free(b);
    dnp3_fragment_pool_free(pool);
}

/* A reset (a new connection) gives back the buffer of a partial fragment. */
static void reset_gives_buffer_back(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(1, 2048, NULL);
    harness_t *h = pooled(pool);
    feed_segment(h, FIR | 0, 249, 0x11);
    assert_int_equal(pool_counters(pool).in_use, 1);
    dnp3_channel_reset(h->ch);
    assert_int_equal(pool_counters(pool).in_use, 0);
    h_free(h);
    dnp3_fragment_pool_free(pool);
}

/* send() keeps the fragment in a pool buffer until its last frame is
 * taken; with none free it says so. */
static void send_keeps_a_buffer_until_out(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(1, 2048, NULL);
    harness_t *a = pooled(pool);
    harness_t *b = pooled(pool);
    uint8_t apdu[300];
    memset(apdu, 0x5A, sizeof apdu);
    assert_int_equal(dnp3_channel_send(a->ch, 0, 1, 100, apdu, sizeof apdu, false), 0);
    assert_int_equal(pool_counters(pool).in_use, 1);
    assert_int_equal(dnp3_channel_send(b->ch, 0, 1, 100, apdu, sizeof apdu, false),
                     DNP3_E_TP_POOL_EMPTY);
    assert_true(dnp3_channel_can_send(b->ch));
    uint8_t out[1024];
    size_t n = dnp3_channel_take_output(a->ch, 0, out, sizeof out);
    assert_int_equal(n, 292 + 70); /* 249 + 51 bytes: 250 and 52 of user data */
    assert_int_equal(pool_counters(pool).in_use, 0);
    assert_int_equal(dnp3_channel_send(b->ch, 0, 1, 100, apdu, sizeof apdu, false), 0);
    h_free(a);
    h_free(b); /* a fragment not sent yet: its buffer goes back too */
    assert_int_equal(pool_counters(pool).in_use, 0);
    dnp3_fragment_pool_free(pool);
}

/* A frame split between two reads waits in a pool buffer, not in the
 * channel, and the buffer goes back once the frame is whole. */
static void straddling_frame_holds_a_buffer(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(1, 2048, NULL);
    harness_t *h = pooled(pool);
    uint8_t f[DNP3_LINK_MAX_FRAME];
    size_t n = segment(f, FIR | FIN | 0, 30, 0x77);
    h_feed(h, f, 17);
    assert_int_equal(pool_counters(pool).in_use, 1);
    dnp3_channel_pending_t pend;
    dnp3_channel_pending(h->ch, &pend);
    assert_int_equal(pend.frame_bytes, 17);
    h_feed(h, f + 17, n - 17);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT);
    assert_int_equal(h->ev[0].len, 30);
    assert_int_equal(h->ev[0].data[29], 0x77);
    assert_int_equal(pool_counters(pool).in_use, 0);
    h_free(h);
    dnp3_fragment_pool_free(pool);
}

/* No buffer for a frame split between reads: its bytes cannot be kept, and
 * a TCP stream with a hole is unusable, so the channel closes and says
 * why. */
static void straddling_frame_without_buffer_closes(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(1, 2048, NULL);
    harness_t *a = pooled(pool);
    harness_t *b = pooled(pool);
    feed_segment(a, FIR | 0, 249, 0xAA); /* holds the only buffer */
    uint8_t f[DNP3_LINK_MAX_FRAME];
    segment(f, FIR | FIN | 0, 30, 0x77);
    h_feed(b, f, 17);
    size_t at = 0;
    H_EXPECT(b, &at, DNP3_CHANNEL_EV_CLOSED);
    assert_int_equal(b->ev[0].reason, DNP3_E_TP_POOL_EMPTY);
    assert_int_equal(b->ev[0].bytes, 17);
    assert_int_equal(b->ev[0].offset, 0);
    assert_true(dnp3_channel_closed(b->ch));
    assert_int_equal(pool_empty(b), 1);
    dnp3_channel_counters_t c;
    dnp3_channel_counters(b->ch, &c);
    assert_int_equal(c.link.bytes_in, 17);
    assert_int_equal(c.link.discarded_bytes, 17);
    /* A new connection: open again. */
    dnp3_channel_reset(b->ch);
    assert_false(dnp3_channel_closed(b->ch));
    h_free(a);
    h_free(b);
    dnp3_fragment_pool_free(pool);
}

/* ---- the reassembly timeout (reassembly_timeout_ms, default 10 s) ---- */

static uint64_t reasm_timeouts(const harness_t *h)
{
    dnp3_channel_counters_t c;
    dnp3_channel_counters(h->ch, &c);
    return c.reassembly_timeouts;
}

/* A user-data frame from src to outstation 1 (segment() is from 100). */
static void feed_segment_from(harness_t *h, uint16_t src, uint8_t th, size_t n, uint8_t fill)
{
    uint8_t user[DNP3_TP_MAX_SEGMENT];
    user[0] = th;
    memset(user + 1, fill, n);
    uint8_t control = dnp3_link_control(true, true, false, false, DNP3_LINK_UNCONFIRMED_USER_DATA);
    uint8_t f[DNP3_LINK_MAX_FRAME];
    int w = dnp3_link_frame_write(f, sizeof f, control, 1, src, user, n + 1);
    assert_true(w > 0);
    h_feed(h, f, (size_t)w);
}

/* A first segment, then silence: ten seconds after it the fragment is
 * discarded, its buffer is back in the pool at once, and the drop is
 * reported and counted; the peer's next fragment then completes. */
static void silent_fragment_gives_its_buffer_back(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(1, 2048, NULL);
    harness_t *h = pooled(pool);
    h->now = 1000;
    feed_segment(h, FIR | 0, 249, 0x11);
    assert_int_equal(pool_counters(pool).in_use, 1);
    assert_int_equal(dnp3_channel_next_deadline(h->ch), 11000);

    h_advance(h, 9999); /* 10999: not yet */
    assert_int_equal(h->n, 0);
    assert_int_equal(pool_counters(pool).in_use, 1);
    h_advance(h, 1); /* 11000 */
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_TP_DROP);
    assert_int_equal(h->ev[0].reason, DNP3_E_TP_TIMEOUT);
    assert_int_equal(h->ev[0].bytes, 249);
    assert_int_equal(h->ev[0].src, 100);
    assert_int_equal(h->ev[0].dst, 1);
    assert_false(h->ev[0].has_frame);
    assert_false(h->ev[0].more);
    dnp3_fragment_pool_counters_t pc = pool_counters(pool);
    assert_int_equal(pc.taken, 1);
    assert_int_equal(pc.in_use, 0);
    assert_int_equal(pc.exhausted, 0);
    assert_int_equal(reasm_timeouts(h), 1);
    dnp3_channel_counters_t c;
    dnp3_channel_counters(h->ch, &c);
    assert_int_equal(c.transport.dropped_bytes, 249);
    assert_int_equal(c.fragments_rx, 0);
    dnp3_channel_pending_t pend;
    dnp3_channel_pending(h->ch, &pend);
    assert_int_equal(pend.fragments, 0);
    assert_int_equal(dnp3_channel_next_deadline(h->ch), DNP3_TIMESTAMP_NEVER);

    /* The late segment is refused (no fragment in progress); the next
     * fragment comes through whole. */
    feed_segment(h, FIN | 1, 5, 0x12);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_TP_DROP);
    assert_int_equal(h->ev[1].reason, DNP3_E_TP_NO_FIR);
    feed_segment(h, FIR | 2, 249, 0x21);
    feed_segment(h, FIN | 3, 3, 0x22);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT);
    assert_int_equal(h->ev[2].len, 252);
    pc = pool_counters(pool);
    assert_int_equal(pc.taken, 2);
    assert_int_equal(pc.in_use, 0);
    assert_int_equal(reasm_timeouts(h), 1);
    h_free(h);
    dnp3_fragment_pool_free(pool);
}

/* Link frames from the peer (a keep-alive) are no segment: they do not
 * hold the fragment's buffer any longer. */
static void link_frames_do_not_extend_it(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(1, 2048, NULL);
    harness_t *h = pooled(pool);
    feed_segment(h, FIR | 0, 249, 0x11);
    h_advance(h, 5000);
    uint8_t req[DNP3_LINK_HEADER_SIZE];
    uint8_t status = dnp3_link_control(true, true, false, false, DNP3_LINK_REQUEST_LINK_STATUS);
    assert_int_equal(dnp3_link_frame_write(req, sizeof req, status, 1, 100, NULL, 0), sizeof req);
    h_feed(h, req, sizeof req);
    uint8_t out[64];
    assert_int_equal(dnp3_channel_take_output(h->ch, h->now, out, sizeof out), 10); /* answered */
    assert_int_equal(dnp3_channel_next_deadline(h->ch), 10000);
    h_advance(h, 5000);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_TP_DROP);
    assert_int_equal(h->ev[0].reason, DNP3_E_TP_TIMEOUT);
    assert_int_equal(pool_counters(pool).in_use, 0);
    h_free(h);
    dnp3_fragment_pool_free(pool);
}

/* Each segment starts the wait again; a fragment whose last segment comes
 * just before the deadline is delivered and nothing is counted. */
static void fragment_just_in_time(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(1, 2048, NULL);
    harness_t *h = pooled(pool);
    feed_segment(h, FIR | 0, 249, 0x11);
    h_advance(h, 9999);
    feed_segment(h, 1, 249, 0x22);
    assert_int_equal(dnp3_channel_next_deadline(h->ch), 19999);
    h_advance(h, 9999); /* 19998 */
    feed_segment(h, FIN | 2, 2, 0x33);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT);
    assert_int_equal(h->ev[0].len, 500);
    assert_int_equal(dnp3_channel_next_deadline(h->ch), DNP3_TIMESTAMP_NEVER);
    h_advance(h, 100000);
    assert_int_equal(h->n, 1);
    assert_int_equal(reasm_timeouts(h), 0);
    assert_int_equal(pool_counters(pool).in_use, 0);
    h_free(h);
    dnp3_fragment_pool_free(pool);
}

/* 0 turns it off: the partial fragment keeps its buffer (the old way). */
static void timeout_zero_keeps_the_buffer(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(1, 2048, NULL);
    dnp3_channel_config_t cfg = pooled_config(pool);
    cfg.reassembly_timeout_ms = 0;
    harness_t *h = h_new(&cfg);
    feed_segment(h, FIR | 0, 249, 0x11);
    assert_int_equal(dnp3_channel_next_deadline(h->ch), DNP3_TIMESTAMP_NEVER);
    h_advance(h, 1000000);
    assert_int_equal(h->n, 0);
    assert_int_equal(pool_counters(pool).in_use, 1);
    feed_segment(h, FIN | 1, 1, 0x22);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT);
    assert_int_equal(h->ev[0].len, 250);
    assert_int_equal(reasm_timeouts(h), 0);
    h_free(h);
    dnp3_fragment_pool_free(pool);
}

/* Ten peers stall at once: more drops than the event queue holds, every
 * one reported (over further on_timer calls) and every buffer back. */
static void many_stalled_peers(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(10, 2048, NULL);
    dnp3_channel_config_t cfg = pooled_config(pool);
    cfg.max_peers = 10;
    harness_t *h = h_new(&cfg);
    for (uint16_t i = 0; i < 10; i++) {
        h->now = i;
        feed_segment_from(h, (uint16_t)(200 + i), FIR | 0, 249, (uint8_t)i);
    }
    assert_int_equal(pool_counters(pool).in_use, 10);
    assert_int_equal(dnp3_channel_next_deadline(h->ch), 10000);
    h_advance(h, 10000); /* 10009: all due */
    assert_int_equal(h->n, 10);
    for (size_t i = 0; i < 10; i++) {
        assert_int_equal(h->ev[i].kind, DNP3_CHANNEL_EV_TP_DROP);
        assert_int_equal(h->ev[i].reason, DNP3_E_TP_TIMEOUT);
        assert_int_equal(h->ev[i].src, 200 + i);
    }
    assert_int_equal(pool_counters(pool).in_use, 0);
    assert_int_equal(reasm_timeouts(h), 10);
    dnp3_channel_counters_t c;
    dnp3_channel_counters(h->ch, &c);
    assert_int_equal(c.events_dropped, 0);
    h_free(h);
    dnp3_fragment_pool_free(pool);
}

/* A frame split between reads whose rest never comes: its buffer goes
 * back after the timeout, and the stream, missing those bytes, closes. */
static void stalled_half_frame_closes(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(1, 2048, NULL);
    harness_t *h = pooled(pool);
    uint8_t f[DNP3_LINK_MAX_FRAME];
    size_t n = segment(f, FIR | FIN | 0, 30, 0x77);
    h->now = 500;
    h_feed(h, f, 17);
    assert_int_equal(pool_counters(pool).in_use, 1);
    assert_int_equal(dnp3_channel_next_deadline(h->ch), 10500);
    h_advance(h, 5000);
    h_feed(h, f + 17, 3); /* a trickle is not a new frame: no new clock */
    assert_int_equal(dnp3_channel_next_deadline(h->ch), 10500);
    h_advance(h, 4999);
    assert_int_equal(h->n, 0);
    h_advance(h, 1);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_CLOSED);
    assert_int_equal(h->ev[0].reason, DNP3_E_LINK_STALLED);
    assert_int_equal(h->ev[0].bytes, 20);
    assert_int_equal(h->ev[0].offset, 0);
    assert_true(dnp3_channel_closed(h->ch));
    assert_int_equal(pool_counters(pool).in_use, 0);
    assert_int_equal(reasm_timeouts(h), 1);
    dnp3_channel_counters_t c;
    dnp3_channel_counters(h->ch, &c);
    assert_int_equal(c.link.bytes_in, 20);
    assert_int_equal(c.link.discarded_bytes, 20);
    assert_int_equal(dnp3_channel_next_deadline(h->ch), DNP3_TIMESTAMP_NEVER);
    h_feed(h, f + 20, n - 20); /* dropped: closed until reset */
    assert_int_equal(h->n, 1);
    assert_int_equal(pool_counters(pool).in_use, 0);
    h_free(h);
    dnp3_fragment_pool_free(pool);
}

/* DISCARD policy (serial): garbage before the split frame is reported
 * before the close, so every byte received is still in a counter. */
static void stalled_half_frame_after_garbage(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(1, 2048, NULL);
    dnp3_channel_config_t cfg = pooled_config(pool);
    cfg.policy = DNP3_LINK_POLICY_DISCARD;
    harness_t *h = h_new(&cfg);
    uint8_t f[3 + DNP3_LINK_MAX_FRAME] = {0x11, 0x22, 0x33};
    segment(f + 3, FIR | FIN | 0, 30, 0x77);
    h_feed(h, f, 3 + 17);
    h_advance(h, 10000);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_LINK_DISCARD, DNP3_CHANNEL_EV_CLOSED);
    assert_int_equal(h->ev[0].bytes, 3);
    assert_int_equal(h->ev[0].offset, 0);
    assert_int_equal(h->ev[1].reason, DNP3_E_LINK_STALLED);
    assert_int_equal(h->ev[1].bytes, 17);
    assert_int_equal(h->ev[1].offset, 3);
    h_finish(h);
    dnp3_channel_counters_t c;
    dnp3_channel_counters(h->ch, &c);
    assert_int_equal(c.link.bytes_in, 20);
    assert_int_equal(c.link.discarded_bytes, 20);
    assert_int_equal(c.rx_frame_bytes, 0);
    assert_int_equal(pool_counters(pool).in_use, 0);
    h_free(h);
    dnp3_fragment_pool_free(pool);
}

/* A channel with its own buffers drops a stale fragment the same way. */
static void own_buffers_time_out_too(void **state)
{
    (void)state;
    harness_t *h = h_new_outstation();
    feed_segment(h, FIR | 0, 249, 0x11);
    h_advance(h, 10000);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_TP_DROP);
    assert_int_equal(h->ev[0].reason, DNP3_E_TP_TIMEOUT);
    assert_int_equal(reasm_timeouts(h), 1);
    feed_segment(h, FIR | 1, 249, 0x21);
    feed_segment(h, FIN | 2, 1, 0x22);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT);
    assert_int_equal(h->ev[1].len, 250);
    h_free(h);
}

/* The owner may free the pool first: it goes with its last channel. */
static void pool_outlives_its_owner(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(2, 2048, NULL);
    harness_t *h = pooled(pool);
    dnp3_fragment_pool_free(pool);
    feed_segment(h, FIR | 0, 249, 0x11);
    feed_segment(h, FIN | 1, 1, 0x22);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT);
    h_free(h); /* ASan: no leak, no use after free */
}

static void pool_arguments(void **state)
{
    (void)state;
    int err = 0;
    assert_null(dnp3_fragment_pool_new(0, 2048, &err));
    assert_int_equal(err, DNP3_E_INVALID_ARG);
    assert_null(dnp3_fragment_pool_new(1, 248, &err));
    assert_int_equal(err, DNP3_E_INVALID_ARG);
    assert_null(dnp3_fragment_pool_new(1, 65536, &err));
    assert_int_equal(err, DNP3_E_INVALID_ARG);
    dnp3_fragment_pool_counters_t c;
    dnp3_fragment_pool_counters(NULL, &c);
    assert_int_equal(c.taken, 0);
    assert_int_equal(dnp3_fragment_pool_memory(NULL), 0);
    dnp3_fragment_pool_free(NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(one_segment_takes_no_buffer),
        cmocka_unit_test(three_segments_hold_one_buffer),
        cmocka_unit_test(empty_pool_drops_and_says_so),
        cmocka_unit_test(reset_gives_buffer_back),
        cmocka_unit_test(send_keeps_a_buffer_until_out),
        cmocka_unit_test(straddling_frame_holds_a_buffer),
        cmocka_unit_test(straddling_frame_without_buffer_closes),
        cmocka_unit_test(silent_fragment_gives_its_buffer_back),
        cmocka_unit_test(link_frames_do_not_extend_it),
        cmocka_unit_test(fragment_just_in_time),
        cmocka_unit_test(timeout_zero_keeps_the_buffer),
        cmocka_unit_test(many_stalled_peers),
        cmocka_unit_test(stalled_half_frame_closes),
        cmocka_unit_test(stalled_half_frame_after_garbage),
        cmocka_unit_test(own_buffers_time_out_too),
        cmocka_unit_test(pool_outlives_its_owner),
        cmocka_unit_test(pool_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
