/* Fuzz target for the streaming link parser (src/link/parser.c).
 *
 * The input is the byte stream; its first bytes also seed the chunk sizes.
 * Checked on every input:
 * - feed never consumes more than it was given, and reports NONE only once
 *   it has consumed everything; finish terminates;
 * - frames and discarded runs tile the stream (offsets contiguous, sizes add
 *   up to the input length, counters agree with the events);
 * - every FRAME re-encodes with dnp3_link_frame_write to exactly the bytes it
 *   was parsed from, and dnp3_link_frame_read gives back the same frame;
 * - DISCARD policy: whole-buffer, chunked and one-byte feeding give the same
 *   events (compared by digest) and the same counters;
 * - CLOSE policy: the same frames up to the first error, which is reported
 *   at the same offset with the same reason.
 * Checks abort() (not assert(), which NDEBUG builds compile out). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3/link.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n);

typedef struct outcome {
    uint64_t digest; /* over every event */
    uint64_t frames; /* FRAME events */
    uint64_t first_bad_offset;
    int first_bad_reason; /* DNP3_OK if none */
    uint64_t frames_before_bad;
    dnp3_link_counters_t counters;
} outcome_t;

static uint64_t mix(uint64_t h, uint64_t v)
{
    for (int i = 0; i < 8; i++) {
        h ^= (v >> (8 * i)) & 0xFF;
        h *= 0x100000001B3ull;
    }
    return h;
}

typedef struct chunker {
    int mode; /* 0 whole, 1 one byte, 2 pseudo-random sizes */
    uint32_t x;
} chunker_t;

static size_t next_chunk(chunker_t *c, size_t left)
{
    size_t k = left;
    if (c->mode == 1) {
        k = 1;
    } else if (c->mode == 2) {
        c->x ^= c->x << 13;
        c->x ^= c->x >> 17;
        c->x ^= c->x << 5;
        /* Mostly small pieces, sometimes more than a whole frame. */
        k = (c->x & 0x100) ? 1 + (c->x % 600) : 1 + (c->x % 40);
    }
    return k < left ? k : left;
}

static void check_frame(const uint8_t *d, size_t n, const dnp3_link_event_t *ev)
{
    const dnp3_link_frame_t *f = &ev->frame;
    CHECK(f->hdr.length >= 5);
    CHECK(f->user_len == (size_t)f->hdr.length - 5);
    CHECK(f->user != NULL);
    size_t size = dnp3_link_frame_size(f->user_len);
    CHECK(size >= DNP3_LINK_HEADER_SIZE && size <= DNP3_LINK_MAX_FRAME);
    CHECK(ev->offset + size <= n);

    uint8_t wire[DNP3_LINK_MAX_FRAME];
    int w = dnp3_link_frame_write(wire, sizeof wire, f->hdr.control, f->hdr.dst, f->hdr.src,
                                  f->user, f->user_len);
    CHECK(w == (int)size);
    CHECK(memcmp(wire, d + ev->offset, size) == 0);

    dnp3_link_frame_t back;
    uint8_t ubuf[DNP3_LINK_MAX_USER_DATA];
    dnp3_diag_t diag;
    CHECK(dnp3_link_frame_read(wire, size, &back, ubuf, &diag) == (int)size);
    CHECK(back.hdr.length == f->hdr.length && back.hdr.control == f->hdr.control);
    CHECK(back.hdr.dst == f->hdr.dst && back.hdr.src == f->hdr.src);
    CHECK(back.user_len == f->user_len);
    CHECK(memcmp(back.user, f->user, f->user_len) == 0);
}

/* Every event: invariants, digest, tiling. */
static void on_event(const uint8_t *d, size_t n, dnp3_link_policy_t policy,
                     const dnp3_link_event_t *ev, outcome_t *o, uint64_t *at)
{
    if (ev->kind == DNP3_LINK_EV_NONE)
        return;
    CHECK(ev->offset == *at);
    o->digest = mix(o->digest, (uint64_t)ev->kind);
    o->digest = mix(o->digest, ev->offset);
    if (ev->kind == DNP3_LINK_EV_FRAME) {
        check_frame(d, n, ev);
        o->frames++;
        *at += dnp3_link_frame_size(ev->frame.user_len);
        o->digest = mix(o->digest, ev->frame.user_len);
        return;
    }
    CHECK(ev->kind == DNP3_LINK_EV_DISCARD || ev->kind == DNP3_LINK_EV_CLOSED);
    if (ev->kind == DNP3_LINK_EV_CLOSED)
        CHECK(policy == DNP3_LINK_POLICY_CLOSE);
    CHECK(ev->reason == DNP3_E_LINK_START || ev->reason == DNP3_E_LINK_LENGTH ||
          ev->reason == DNP3_E_LINK_HEADER_CRC || ev->reason == DNP3_E_LINK_BLOCK_CRC ||
          ev->reason == DNP3_E_TRUNCATED || ev->reason == DNP3_E_LINK_CLOSED);
    if (ev->reason == DNP3_E_LINK_BLOCK_CRC)
        CHECK(ev->block < 16);
    else
        CHECK(ev->block == 0);
    if (ev->kind == DNP3_LINK_EV_DISCARD)
        CHECK(ev->discarded > 0);
    CHECK(ev->offset + ev->discarded <= n);
    if (o->first_bad_reason == DNP3_OK) {
        o->first_bad_reason = ev->reason;
        o->first_bad_offset = ev->offset;
        o->frames_before_bad = o->frames;
    }
    *at += ev->discarded;
    o->digest = mix(o->digest, (uint64_t)(int64_t)ev->reason);
    o->digest = mix(o->digest, ev->discarded);
    o->digest = mix(o->digest, ev->block);
}

static void run(const uint8_t *d, size_t n, dnp3_link_policy_t policy, chunker_t ch, outcome_t *o)
{
    dnp3_link_parser_t p;
    dnp3_link_parser_init(&p, policy);
    memset(o, 0, sizeof *o);
    o->digest = 0xCBF29CE484222325ull;
    o->first_bad_reason = DNP3_OK;
    uint64_t at = 0;
    size_t off = 0;
    dnp3_link_event_t ev;
    while (off < n) {
        size_t end = off + next_chunk(&ch, n - off);
        while (off < end) {
            size_t used = dnp3_link_parser_feed(&p, d + off, end - off, &ev);
            CHECK(used <= end - off);
            if (ev.kind == DNP3_LINK_EV_NONE)
                CHECK(used == end - off);
            off += used;
            on_event(d, n, policy, &ev, o, &at);
        }
    }
    /* An empty feed changes nothing. */
    CHECK(dnp3_link_parser_feed(&p, NULL, 0, &ev) == 0);
    CHECK(ev.kind == DNP3_LINK_EV_NONE || ev.kind == DNP3_LINK_EV_FRAME ||
          ev.kind == DNP3_LINK_EV_DISCARD);
    on_event(d, n, policy, &ev, o, &at);
    int guard = 0;
    while (dnp3_link_parser_finish(&p, &ev) == 1) {
        CHECK(ev.kind != DNP3_LINK_EV_NONE);
        on_event(d, n, policy, &ev, o, &at);
        CHECK(++guard <= (int)n + 1);
    }
    CHECK(at == n);
    CHECK(p.st.counters.bytes_in == n);
    CHECK(p.st.counters.frames == o->frames);
    o->counters = p.st.counters;
}

int LLVMFuzzerTestOneInput(const uint8_t *d, size_t n)
{
    uint32_t seed = 0x9E3779B9u;
    for (size_t i = 0; i < n && i < 4; i++)
        seed = (seed << 8 | seed >> 24) ^ d[i];

    outcome_t whole, other, closed;
    run(d, n, DNP3_LINK_POLICY_DISCARD, (chunker_t){0, seed}, &whole);
    uint64_t frame_bytes = whole.counters.bytes_in - whole.counters.discarded_bytes;
    CHECK(whole.counters.discarded_bytes <= n);
    (void)frame_bytes;

    run(d, n, DNP3_LINK_POLICY_DISCARD, (chunker_t){2, seed | 1}, &other);
    CHECK(other.digest == whole.digest);
    CHECK(memcmp(&other.counters, &whole.counters, sizeof whole.counters) == 0);
    if (n <= 65536) {
        run(d, n, DNP3_LINK_POLICY_DISCARD, (chunker_t){1, seed}, &other);
        CHECK(other.digest == whole.digest);
        CHECK(memcmp(&other.counters, &whole.counters, sizeof whole.counters) == 0);
    }

    for (int mode = 0; mode < 3; mode++) {
        run(d, n, DNP3_LINK_POLICY_CLOSE, (chunker_t){mode, seed | 1}, &closed);
        CHECK(closed.first_bad_reason == whole.first_bad_reason);
        if (whole.first_bad_reason != DNP3_OK) {
            CHECK(closed.first_bad_offset == whole.first_bad_offset);
            CHECK(closed.frames_before_bad == whole.frames_before_bad);
            CHECK(closed.frames == whole.frames_before_bad);
        } else {
            CHECK(closed.digest == whole.digest);
        }
    }
    return 0;
}
