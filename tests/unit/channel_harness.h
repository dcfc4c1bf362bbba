/* Test harness for the channel tests: a channel, a hand-driven clock, and
 * every event it reports recorded (fragments copied), so a test reads like
 * the exchange: feed_hex(h, "05 64 ..."); expect_output_hex(h, "05 64 ...");
 * advance(h, 2000). Header-only (static inline) so each test program stays
 * one file. */
#ifndef DNP3_TEST_CHANNEL_HARNESS_H
#define DNP3_TEST_CHANNEL_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnp3/channel.h"
#include "dnp3test.h"

#define H_MAX_EVENTS 4096
#define H_MAX_DATA   4096

typedef struct h_event {
    dnp3_channel_event_kind_t kind;
    uint16_t src, dst;
    int reason;
    size_t bytes;
    unsigned block;
    uint64_t offset;
    uint8_t control; /* frame.hdr.control when the event came from a frame */
    bool has_frame;
    bool more;
    size_t len;
    uint8_t data[H_MAX_DATA]; /* FRAGMENT bytes */
} h_event_t;

typedef struct harness {
    dnp3_channel_t *ch;
    dnp3_timestamp_t now;
    h_event_t *ev; /* H_MAX_EVENTS */
    size_t n;
} harness_t;

/* Hex text to bytes (tests/support's reader: pairs, separated by white space, ':' or '-'). */
static inline size_t h_hex(const char *s, uint8_t *out, size_t cap)
{
    return dnp3t_hex(s, out, cap);
}

static inline harness_t *h_new(const dnp3_channel_config_t *cfg)
{
    harness_t *h = calloc(1, sizeof *h);
    assert_non_null(h);
    h->ev = calloc(H_MAX_EVENTS, sizeof *h->ev);
    assert_non_null(h->ev);
    int err = 1;
    h->ch = dnp3_channel_new(cfg, &err);
    assert_non_null(h->ch);
    assert_int_equal(err, DNP3_OK);
    return h;
}

/* A harness on an outstation channel with link address 1, defaults otherwise. */
static inline harness_t *h_new_outstation(void)
{
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.role = DNP3_CHANNEL_ROLE_OUTSTATION;
    cfg.local[0] = 1;
    return h_new(&cfg);
}

static inline void h_free(harness_t *h)
{
    dnp3_channel_free(h->ch);
    free(h->ev);
    free(h);
}

static inline void h_record(harness_t *h, const dnp3_channel_event_t *e)
{
    assert_true(h->n < H_MAX_EVENTS);
    h_event_t *r = &h->ev[h->n++];
    memset(r, 0, sizeof *r);
    r->kind = e->kind;
    r->src = e->src;
    r->dst = e->dst;
    r->reason = e->reason;
    r->bytes = e->bytes;
    r->block = e->block;
    r->offset = e->offset;
    r->has_frame = e->frame.user != NULL;
    r->more = e->more;
    r->control = e->frame.hdr.control;
    if (e->kind == DNP3_CHANNEL_EV_FRAGMENT) {
        assert_true(e->len <= H_MAX_DATA);
        assert_true(e->len == 0 || e->data != NULL);
        if (e->len > 0)
            memcpy(r->data, e->data, e->len);
        r->len = e->len;
    }
}

/* Feeds data[0..len) in chunks of at most chunk bytes (0: all at once),
 * recording every event. */
static inline void h_feed_chunked(harness_t *h, const uint8_t *data, size_t len, size_t chunk)
{
    size_t pos = 0;
    do {
        size_t take = chunk == 0 || len - pos < chunk ? len - pos : chunk;
        const uint8_t *p = data + pos;
        size_t left = take;
        for (;;) {
            dnp3_channel_event_t e;
            size_t n = dnp3_channel_on_bytes(h->ch, h->now, p, left, &e);
            assert_true(n <= left);
            p += n;
            left -= n;
            if (e.kind == DNP3_CHANNEL_EV_NONE)
                break;
            h_record(h, &e);
        }
        assert_int_equal(left, 0);
        pos += take;
    } while (pos < len);
}

static inline void h_feed(harness_t *h, const uint8_t *data, size_t len)
{
    h_feed_chunked(h, data, len, 0);
}

static inline void h_feed_hex(harness_t *h, const char *hex)
{
    uint8_t b[4096];
    size_t n = h_hex(hex, b, sizeof b);
    h_feed(h, b, n);
}

static inline void h_finish(harness_t *h)
{
    dnp3_channel_event_t e;
    while (dnp3_channel_finish(h->ch, &e) == 1)
        h_record(h, &e);
    assert_int_equal(e.kind, DNP3_CHANNEL_EV_NONE);
}

/* Runs the timers at the current time and records their events. */
static inline void h_timer(harness_t *h)
{
    for (;;) {
        dnp3_channel_event_t e;
        dnp3_channel_on_timer(h->ch, h->now, &e);
        if (e.kind == DNP3_CHANNEL_EV_NONE)
            break;
        h_record(h, &e);
    }
}

static inline void h_advance(harness_t *h, dnp3_timestamp_t ms)
{
    h->now += ms;
    h_timer(h);
}

/* Asserts take_output gives exactly the frames in hex. */
static inline void h_expect_output_hex(harness_t *h, const char *hex)
{
    uint8_t got[4096];
    size_t ng = dnp3_channel_take_output(h->ch, h->now, got, sizeof got);
    assert_hex_equal(got, ng, hex);
    assert_false(dnp3_channel_want_write(h->ch));
}

static inline void h_expect_no_output(harness_t *h)
{
    uint8_t got[512];
    assert_false(dnp3_channel_want_write(h->ch));
    assert_int_equal(dnp3_channel_take_output(h->ch, h->now, got, sizeof got), 0);
}

/* Asserts the events recorded since index *from are exactly kinds[], and
 * moves *from past them. */
static inline void h_expect_kinds(harness_t *h, size_t *from,
                                  const dnp3_channel_event_kind_t *kinds, size_t n)
{
    if (h->n - *from != n) {
        for (size_t i = *from; i < h->n; i++)
            fprintf(stderr, "  event %zu: %s\n", i, dnp3_channel_event_name(h->ev[i].kind));
    }
    assert_int_equal(h->n - *from, n);
    for (size_t i = 0; i < n; i++)
        assert_string_equal(dnp3_channel_event_name(h->ev[*from + i].kind),
                            dnp3_channel_event_name(kinds[i]));
    *from += n;
}

#define H_EXPECT(h, from, ...)                                                                     \
    do {                                                                                           \
        const dnp3_channel_event_kind_t k_[] = {__VA_ARGS__};                                      \
        h_expect_kinds((h), (from), k_, sizeof k_ / sizeof k_[0]);                                 \
    } while (0)

static inline dnp3_channel_counters_t h_counters(harness_t *h)
{
    dnp3_channel_counters_t c;
    memset(&c, 0xAA, sizeof c);
    dnp3_channel_counters(h->ch, &c);
    return c;
}

/* Every frame lands in exactly one bucket, every byte in a frame or a
 * discarded run (after finish). */
static inline void h_check_invariants(harness_t *h)
{
    dnp3_channel_counters_t c = h_counters(h);
    assert_int_equal(c.link.frames, c.rx_user_data + c.rx_link_control + c.foreign +
                                        c.ignored_direction + c.ignored_source + c.duplicates +
                                        c.ignored_not_reset + c.ignored_function +
                                        c.ignored_broadcast + c.ignored_unexpected + c.no_slot);
}

#endif
