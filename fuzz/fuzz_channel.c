/* Fuzz the channel (link + transport, sans-IO) as a whole: bytes in at any
 * chunking, timer ticks, sends, output taken, finish / flush / reset.
 *
 * Input: byte 0 picks the configuration (bit 0 outstation, bit 1 MONITOR,
 * bit 2 DISCARD policy, bit 3 report frames, bit 4 keep-alive, bits 5..6
 * max_peers - 1, bit 7 small rx_fragment_max). Then operations, each one
 * byte (op = low 3 bits, arg = high 5 bits) and maybe an argument byte:
 *   0..3  feed the next L bytes (L = next byte + 1)
 *   4     advance time by arg * 250 ms and run the timers
 *   5     take output into a buffer of arg * 16 bytes
 *   6     send a fragment of (next byte + 1) * 9 bytes, confirmed = arg & 1,
 *         to peer (arg >> 1) & 3 (3: broadcast)
 *   7     arg % 4: 0 finish, 1 flush a pending run, 2 reset, 3 reset_link
 *
 * Every input runs twice: the channels with fragment buffers of their own,
 * then each with a pool (dnp3_fragment_pool_t, used in SESSION mode) of
 * six: one per peer's partial fragment, the fragment being sent, a frame
 * split between feeds. Never short (B, fed byte by byte, holds a frame
 * buffer where A does not: running out would tell them apart);
 * tests/unit/test_channel_pool.c covers running out.
 *
 * Two channels run in lockstep, A fed each chunk whole and B one byte at a
 * time; invariants:
 *  - both report the same events (CLOSED's byte count aside: it says what
 *    its call dropped) and write the same output;
 *  - on_bytes consumes at most what it is given, and all of it by NONE;
 *  - every output byte belongs to a valid frame (a fresh parser finds no
 *    garbage), and take_output never writes past cap;
 *  - a fragment is at most rx_fragment_max bytes;
 *  - every received frame lands in exactly one counter bucket, and after
 *    finish every byte in is in a frame or a discarded run;
 *  - a SESSION channel's memory never changes after _new. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3/channel.h"
#include "fuzz_check.h"
#include "fuzz_frames.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct side {
    dnp3_channel_t *ch;
    uint64_t digest; /* of every event reported, in order */
    uint64_t events;
} side_t;

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    return h * 0xFF51AFD7ED558CCDull;
}

static void record(side_t *s, const dnp3_channel_config_t *cfg, const dnp3_channel_event_t *ev)
{
    CHECK(ev->kind != DNP3_CHANNEL_EV_NONE);
    if (ev->kind == DNP3_CHANNEL_EV_FRAGMENT) {
        CHECK(ev->len <= cfg->rx_fragment_max);
        CHECK(ev->len == 0 || ev->data != NULL);
        for (size_t i = 0; i < ev->len; i++)
            s->digest = mix(s->digest, ev->data[i]);
    }
    if (ev->kind == DNP3_CHANNEL_EV_FRAME)
        CHECK(ev->frame.user != NULL && ev->frame.user_len == ev->frame.hdr.length - 5u);
    s->digest = mix(s->digest, (uint64_t)ev->kind);
    s->digest = mix(s->digest, ((uint64_t)ev->src << 16) | ev->dst);
    s->digest = mix(s->digest, (uint64_t)(int64_t)ev->reason);
    s->digest = mix(s->digest, ev->offset);
    s->digest = mix(s->digest, ev->len);
    s->digest = mix(s->digest, ev->more);
    if (ev->kind != DNP3_CHANNEL_EV_CLOSED)
        s->digest = mix(s->digest, ev->bytes);
    s->events++;
}

static void feed(side_t *s, const dnp3_channel_config_t *cfg, uint64_t now, const uint8_t *d,
                 size_t len, size_t chunk)
{
    size_t pos = 0;
    while (pos < len) {
        size_t take = len - pos < chunk ? len - pos : chunk;
        const uint8_t *p = d + pos;
        size_t left = take;
        for (;;) {
            dnp3_channel_event_t ev;
            size_t n = dnp3_channel_on_bytes(s->ch, now, p, left, &ev);
            CHECK(n <= left);
            p += n;
            left -= n;
            if (ev.kind == DNP3_CHANNEL_EV_NONE)
                break;
            record(s, cfg, &ev);
        }
        CHECK(left == 0);
        pos += take;
    }
}

static void timers(side_t *s, const dnp3_channel_config_t *cfg, uint64_t now)
{
    for (;;) {
        dnp3_channel_event_t ev;
        dnp3_channel_on_timer(s->ch, now, &ev);
        if (ev.kind == DNP3_CHANNEL_EV_NONE)
            break;
        record(s, cfg, &ev);
    }
}

static void finish(side_t *s, const dnp3_channel_config_t *cfg)
{
    dnp3_channel_event_t ev;
    while (dnp3_channel_finish(s->ch, &ev) == 1)
        record(s, cfg, &ev);
    CHECK(ev.kind == DNP3_CHANNEL_EV_NONE);
}

static void check_counters(const dnp3_channel_t *ch, bool finished)
{
    dnp3_channel_counters_t c;
    dnp3_channel_counters(ch, &c);
    CHECK(c.link.frames == c.rx_user_data + c.rx_link_control + c.foreign + c.ignored_direction +
                               c.ignored_source + c.duplicates + c.ignored_not_reset +
                               c.ignored_function + c.ignored_broadcast + c.ignored_unexpected +
                               c.no_slot);
    CHECK(c.link.bytes_in >= c.rx_frame_bytes + c.link.discarded_bytes);
    if (finished)
        CHECK(c.link.bytes_in == c.rx_frame_bytes + c.link.discarded_bytes);
    CHECK(c.transport.fragments == c.fragments_rx);
}

static dnp3_channel_config_t config(uint8_t b)
{
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.role = (b & 1) ? DNP3_CHANNEL_ROLE_OUTSTATION : DNP3_CHANNEL_ROLE_MASTER;
    cfg.mode = (b & 2) ? DNP3_CHANNEL_MODE_MONITOR : DNP3_CHANNEL_MODE_SESSION;
    cfg.policy = (b & 4) ? DNP3_LINK_POLICY_DISCARD : DNP3_LINK_POLICY_CLOSE;
    cfg.report_frames = (b & 8) != 0;
    cfg.keepalive_ms = (b & 16) ? 1000 : 0;
    cfg.max_peers = 1u + ((b >> 5) & 3u);
    cfg.rx_fragment_max = (b & 128) ? DNP3_CHANNEL_FRAGMENT_MIN : DNP3_FRAGMENT_SIZE_DEFAULT;
    cfg.confirm_timeout_ms = 500;
    cfg.confirm_retries = 1;
    /* Addresses the seeds use: 1 (outstation) and 1024 (master). */
    cfg.local[0] = (b & 1) ? 1 : 1024;
    cfg.local[1] = 2;
    cfg.n_local = 2;
    return cfg;
}

static void do_send(side_t *s, const dnp3_channel_config_t *cfg, uint64_t now, unsigned arg,
                    size_t len)
{
    static const uint16_t peers_out[] = {1024, 1025, 7, 0xFFFF};
    static const uint16_t peers_master[] = {1, 3, 7, 0xFFFF};
    uint8_t apdu[256 * 9];
    for (size_t i = 0; i < len; i++)
        apdu[i] = (uint8_t)(i * 31 + arg);
    bool out = cfg->role == DNP3_CHANNEL_ROLE_OUTSTATION;
    uint16_t dst = (out ? peers_out : peers_master)[(arg >> 1) & 3u];
    int rc = dnp3_channel_send(s->ch, now, cfg->local[0], dst, apdu, len, (arg & 1) != 0);
    CHECK(rc == DNP3_OK || rc == DNP3_E_STATE || rc == DNP3_E_NOSPACE ||
          (rc == DNP3_E_INVALID_ARG && len > cfg->tx_fragment_max));
}

static void take(side_t *a, side_t *b, uint64_t now, size_t cap)
{
    uint8_t oa[512 + 8], ob[512 + 8];
    memset(oa, 0xA5, sizeof oa);
    size_t na = dnp3_channel_take_output(a->ch, now, oa, cap);
    size_t nb = dnp3_channel_take_output(b->ch, now, ob, cap);
    CHECK(na <= cap && na == nb && memcmp(oa, ob, na) == 0);
    CHECK(oa[cap] == 0xA5); /* never past cap */
    check_frames(oa, na);
}

static void control(side_t *a, side_t *b, const dnp3_channel_config_t *cfg, uint64_t now,
                    unsigned arg)
{
    switch (arg % 4) {
    case 0:
        finish(a, cfg);
        finish(b, cfg);
        check_counters(a->ch, true);
        break;
    case 1: {
        dnp3_channel_event_t ev;
        if (dnp3_channel_flush_run(a->ch, &ev) == 1)
            record(a, cfg, &ev);
        if (dnp3_channel_flush_run(b->ch, &ev) == 1)
            record(b, cfg, &ev);
        break;
    }
    case 2:
        dnp3_channel_reset(a->ch);
        dnp3_channel_reset(b->ch);
        break;
    default: {
        int ra = dnp3_channel_reset_link(a->ch, now, cfg->role ? 1024 : 1);
        int rb = dnp3_channel_reset_link(b->ch, now, cfg->role ? 1024 : 1);
        CHECK(ra == rb);
        break;
    }
    }
}

static void run(const uint8_t *data, size_t size, bool pooled)
{
    dnp3_channel_config_t cfg = config(data[0]);
    dnp3_fragment_pool_t *pa = pooled ? dnp3_fragment_pool_new(6, 2048, NULL) : NULL;
    dnp3_fragment_pool_t *pb = pooled ? dnp3_fragment_pool_new(6, 2048, NULL) : NULL;
    CHECK(!pooled || (pa && pb));
    cfg.pool = pa;
    side_t a = {.ch = dnp3_channel_new(&cfg, NULL)};
    cfg.pool = pb;
    side_t b = {.ch = dnp3_channel_new(&cfg, NULL)};
    CHECK(a.ch && b.ch);
    size_t mem0 = dnp3_channel_memory(a.ch);
    uint64_t now = 0;
    size_t pos = 1;
    while (pos < size) {
        uint8_t op = data[pos++];
        unsigned arg = op >> 3;
        size_t n = pos < size ? (size_t)data[pos] + 1u : 1u;
        switch (op & 7u) {
        case 0:
        case 1:
        case 2:
        case 3: {
            pos += pos < size;
            if (n > size - pos)
                n = size - pos;
            feed(&a, &cfg, now, data + pos, n, n);
            feed(&b, &cfg, now, data + pos, n, 1);
            pos += n;
            break;
        }
        case 4:
            now += (uint64_t)arg * 250u;
            timers(&a, &cfg, now);
            timers(&b, &cfg, now);
            break;
        case 5:
            take(&a, &b, now, (size_t)arg * 16u);
            break;
        case 6:
            pos += pos < size;
            do_send(&a, &cfg, now, arg, n * 9u);
            do_send(&b, &cfg, now, arg, n * 9u);
            break;
        default:
            control(&a, &b, &cfg, now, arg);
            break;
        }
        CHECK(a.events == b.events && a.digest == b.digest);
        CHECK(dnp3_channel_next_deadline(a.ch) == dnp3_channel_next_deadline(b.ch));
        check_counters(a.ch, false);
        if (cfg.mode == DNP3_CHANNEL_MODE_SESSION)
            CHECK(dnp3_channel_memory(a.ch) == mem0);
    }
    finish(&a, &cfg);
    finish(&b, &cfg);
    CHECK(a.events == b.events && a.digest == b.digest);
    check_counters(a.ch, true);
    check_counters(b.ch, true);
    dnp3_channel_counters_t ca, cb;
    dnp3_channel_counters(a.ch, &ca);
    dnp3_channel_counters(b.ch, &cb);
    CHECK(memcmp(&ca, &cb, sizeof ca) == 0);
    dnp3_channel_free(a.ch);
    dnp3_channel_free(b.ch);
    dnp3_fragment_pool_counters_t qa, qb;
    dnp3_fragment_pool_counters(pa, &qa);
    dnp3_fragment_pool_counters(pb, &qb);
    CHECK(qa.in_use == 0 && qb.in_use == 0); /* every buffer back */
    CHECK(qa.exhausted == 0 && qb.exhausted == 0);
    dnp3_fragment_pool_free(pa);
    dnp3_fragment_pool_free(pb);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    run(data, size, false);
    run(data, size, true);
    return 0;
}
