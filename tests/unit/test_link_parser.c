/* Streaming link parser: frames, resynchronisation, discarded runs, policies,
 * counters, and chunk independence (one byte at a time == whole buffer). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dnp3/link.h"

/* ---- fixtures ---------------------------------------------------------------- */

static const uint8_t RESET_M1024_O1[] = {0x05, 0x64, 0x05, 0xC0, 0x01,
                                         0x00, 0x00, 0x04, 0xE9, 0x21};
static const uint8_t STATUS_REQ_M1_O10[] = {0x05, 0x64, 0x05, 0xC9, 0x0A,
                                            0x00, 0x01, 0x00, 0xFE, 0xDA};
static const uint8_t STATUS_RSP_O10_M1[] = {0x05, 0x64, 0x05, 0x0B, 0x01,
                                            0x00, 0x0A, 0x00, 0x6D, 0xED};
static const uint8_t TWO_BLOCK[] = {0x05, 0x64, 0x19, 0x44, 0x00, 0x04, 0x01, 0x00, 0xC8,
                                    0xB5, 0xC1, 0xC3, 0x81, 0x00, 0x00, 0x1E, 0x01, 0x00,
                                    0x00, 0x01, 0x01, 0x64, 0x00, 0x00, 0x00, 0x01, 0x4F,
                                    0xD6, 0xFE, 0xFF, 0xFF, 0xFF, 0x67, 0xB8};
static const uint8_t TWO_BLOCK_USER[20] = {0xC1, 0xC3, 0x81, 0x00, 0x00, 0x1E, 0x01,
                                           0x00, 0x00, 0x01, 0x01, 0x64, 0x00, 0x00,
                                           0x00, 0x01, 0xFE, 0xFF, 0xFF, 0xFF};

/* A stream under construction. */
typedef struct stream {
    uint8_t b[8192];
    size_t n;
} stream_t;

static void put(stream_t *s, const void *bytes, size_t n)
{
    assert_true(s->n + n <= sizeof s->b);
    memcpy(s->b + s->n, bytes, n);
    s->n += n;
}

/* Appends a frame whose user data is user_len bytes of fill+i (never 0x05
 * when fill is chosen so), returns its offset. */
static size_t put_frame(stream_t *s, uint8_t control, size_t user_len, uint8_t fill)
{
    uint8_t user[DNP3_LINK_MAX_USER_DATA];
    for (size_t i = 0; i < user_len; i++)
        user[i] = (uint8_t)(fill + i);
    size_t at = s->n;
    int w =
        dnp3_link_frame_write(s->b + s->n, sizeof s->b - s->n, control, 1, 1024, user, user_len);
    assert_true(w > 0);
    s->n += (size_t)w;
    return at;
}

/* ---- recording events ----------------------------------------------------------- */

typedef struct rec {
    dnp3_link_event_kind_t kind;
    int reason;
    size_t discarded;
    unsigned block;
    uint64_t offset;
    dnp3_link_header_t hdr;
    size_t user_len;
    uint8_t user[DNP3_LINK_MAX_USER_DATA];
} rec_t;

typedef struct log {
    rec_t ev[256];
    size_t n;
    dnp3_link_counters_t counters;
} log_t;

static void record(log_t *l, const dnp3_link_event_t *ev)
{
    if (ev->kind == DNP3_LINK_EV_NONE)
        return;
    assert_true(l->n < sizeof l->ev / sizeof l->ev[0]);
    rec_t *r = &l->ev[l->n++];
    memset(r, 0, sizeof *r);
    r->kind = ev->kind;
    r->reason = ev->reason;
    r->discarded = ev->discarded;
    r->block = ev->block;
    r->offset = ev->offset;
    if (ev->kind == DNP3_LINK_EV_FRAME) {
        r->hdr = ev->frame.hdr;
        r->user_len = ev->frame.user_len;
        assert_non_null(ev->frame.user);
        assert_int_equal(ev->frame.user_len, ev->frame.hdr.length - 5u);
        memcpy(r->user, ev->frame.user, ev->frame.user_len);
    }
}

/* Feeds s in chunks (sizes cycled from chunks[], 0-terminated; NULL = all at
 * once), then finishes. */
static void run(log_t *l, dnp3_link_policy_t policy, const uint8_t *b, size_t n,
                const size_t *chunks)
{
    dnp3_link_parser_t p;
    dnp3_link_parser_init(&p, policy);
    memset(l, 0, sizeof *l);
    size_t off = 0, ci = 0;
    while (off < n) {
        size_t c = n - off;
        if (chunks != NULL) {
            if (chunks[ci] == 0)
                ci = 0;
            if (chunks[ci] < c)
                c = chunks[ci];
            ci++;
        }
        /* One chunk may take several calls. */
        size_t end = off + c;
        while (off < end) {
            dnp3_link_event_t ev;
            size_t used = dnp3_link_parser_feed(&p, b + off, end - off, &ev);
            assert_true(used <= end - off);
            if (ev.kind == DNP3_LINK_EV_NONE)
                assert_int_equal(used, end - off);
            off += used;
            record(l, &ev);
        }
    }
    dnp3_link_event_t ev;
    int guard = 0;
    while (dnp3_link_parser_finish(&p, &ev) == 1) {
        assert_int_not_equal(ev.kind, DNP3_LINK_EV_NONE);
        record(l, &ev);
        assert_true(++guard < 1000);
    }
    assert_int_equal(ev.kind, DNP3_LINK_EV_NONE);
    assert_int_equal(dnp3_link_parser_finish(&p, &ev), 0);
    l->counters = p.st.counters;
    assert_int_equal(p.st.counters.bytes_in, n);
}

static void expect_frame(const log_t *l, size_t i, uint64_t offset, uint8_t control,
                         size_t user_len)
{
    assert_true(i < l->n);
    assert_int_equal(l->ev[i].kind, DNP3_LINK_EV_FRAME);
    assert_int_equal(l->ev[i].offset, offset);
    assert_int_equal(l->ev[i].hdr.control, control);
    assert_int_equal(l->ev[i].user_len, user_len);
}

static void expect_discard(const log_t *l, size_t i, uint64_t offset, int reason, size_t len)
{
    assert_true(i < l->n);
    assert_int_equal(l->ev[i].kind, DNP3_LINK_EV_DISCARD);
    assert_int_equal(l->ev[i].reason, reason);
    assert_int_equal(l->ev[i].offset, offset);
    assert_int_equal(l->ev[i].discarded, len);
}

static void expect_same(const log_t *a, const log_t *b)
{
    assert_int_equal(a->n, b->n);
    for (size_t i = 0; i < a->n; i++) {
        const rec_t *x = &a->ev[i], *y = &b->ev[i];
        assert_int_equal(x->kind, y->kind);
        assert_int_equal(x->reason, y->reason);
        assert_int_equal(x->discarded, y->discarded);
        assert_int_equal(x->block, y->block);
        assert_int_equal(x->offset, y->offset);
        assert_int_equal(x->hdr.length, y->hdr.length);
        assert_int_equal(x->hdr.control, y->hdr.control);
        assert_int_equal(x->hdr.dst, y->hdr.dst);
        assert_int_equal(x->hdr.src, y->hdr.src);
        assert_int_equal(x->user_len, y->user_len);
        assert_memory_equal(x->user, y->user, sizeof x->user);
    }
    assert_memory_equal(&a->counters, &b->counters, sizeof a->counters);
}

/* Frames and discarded runs tile the stream: each starts where the previous
 * one ended and together they cover every byte. */
static void expect_tiling(const log_t *l, size_t n)
{
    uint64_t at = 0, dropped = 0;
    for (size_t i = 0; i < l->n; i++) {
        assert_int_equal(l->ev[i].offset, at);
        if (l->ev[i].kind == DNP3_LINK_EV_FRAME) {
            at += dnp3_link_frame_size(l->ev[i].user_len);
        } else {
            assert_true(l->ev[i].discarded > 0);
            at += l->ev[i].discarded;
            dropped += l->ev[i].discarded;
        }
    }
    assert_int_equal(at, n);
    assert_int_equal(l->counters.discarded_bytes, dropped);
}

static const size_t ONE[] = {1, 0};

/* ---- tests ----------------------------------------------------------------------- */

/* Every whole frame of DNP3-FACTS 1.7, back to back, decoded exactly. */
static void test_facts_frames(void **state)
{
    (void)state;
    stream_t s = {.n = 0};
    put(&s, RESET_M1024_O1, sizeof RESET_M1024_O1);
    put(&s, STATUS_REQ_M1_O10, sizeof STATUS_REQ_M1_O10);
    put(&s, STATUS_RSP_O10_M1, sizeof STATUS_RSP_O10_M1);
    put(&s, TWO_BLOCK, sizeof TWO_BLOCK);
    static log_t l;
    run(&l, DNP3_LINK_POLICY_DISCARD, s.b, s.n, NULL);
    assert_int_equal(l.n, 4);
    expect_frame(&l, 0, 0, 0xC0, 0);
    assert_int_equal(l.ev[0].hdr.length, 5);
    assert_int_equal(l.ev[0].hdr.dst, 1);
    assert_int_equal(l.ev[0].hdr.src, 1024);
    expect_frame(&l, 1, 10, 0xC9, 0);
    assert_int_equal(l.ev[1].hdr.dst, 10);
    assert_int_equal(l.ev[1].hdr.src, 1);
    expect_frame(&l, 2, 20, 0x0B, 0);
    assert_int_equal(l.ev[2].hdr.dst, 1);
    assert_int_equal(l.ev[2].hdr.src, 10);
    expect_frame(&l, 3, 30, 0x44, 20);
    assert_int_equal(l.ev[3].hdr.length, 0x19);
    assert_int_equal(l.ev[3].hdr.dst, 1024);
    assert_int_equal(l.ev[3].hdr.src, 1);
    assert_memory_equal(l.ev[3].user, TWO_BLOCK_USER, 20);
    assert_int_equal(l.counters.frames, 4);
    assert_int_equal(l.counters.bytes_in, 64);
    assert_int_equal(l.counters.discarded_bytes, 0);

    static log_t one;
    run(&one, DNP3_LINK_POLICY_DISCARD, s.b, s.n, ONE);
    expect_same(&l, &one);
}

/* A frame of each user length, split at every position into two feeds. */
static void test_every_split(void **state)
{
    (void)state;
    static const size_t lens[] = {0, 1, 15, 16, 17, 249, 250};
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        stream_t s = {.n = 0};
        put_frame(&s, 0xC4, lens[k], 0x10);
        static log_t whole;
        run(&whole, DNP3_LINK_POLICY_DISCARD, s.b, s.n, NULL);
        assert_int_equal(whole.n, 1);
        expect_frame(&whole, 0, 0, 0xC4, lens[k]);
        for (size_t i = 0; i < lens[k]; i++)
            assert_int_equal(whole.ev[0].user[i], (uint8_t)(0x10 + i));
        for (size_t cut = 1; cut < s.n; cut++) {
            size_t chunks[] = {cut, s.n, 0};
            static log_t split;
            run(&split, DNP3_LINK_POLICY_DISCARD, s.b, s.n, chunks);
            expect_same(&whole, &split);
        }
    }
}

/* Garbage before, between and after frames: one run each, reported when
 * the next start is found (or at finish). */
static void test_garbage_runs(void **state)
{
    (void)state;
    stream_t s = {.n = 0};
    put(&s, "\xAA\xBB\xCC", 3);
    put(&s, RESET_M1024_O1, sizeof RESET_M1024_O1);
    put(&s, "\x05\x05\x11\x64", 4); /* 05 not followed by 64 is garbage too */
    put(&s, STATUS_REQ_M1_O10, sizeof STATUS_REQ_M1_O10);
    put(&s, "\x00\x05", 2); /* trailing garbage ending in a lone 05 */
    static log_t l, one;
    run(&l, DNP3_LINK_POLICY_DISCARD, s.b, s.n, NULL);
    assert_int_equal(l.n, 5);
    expect_discard(&l, 0, 0, DNP3_E_LINK_START, 3);
    expect_frame(&l, 1, 3, 0xC0, 0);
    expect_discard(&l, 2, 13, DNP3_E_LINK_START, 4);
    expect_frame(&l, 3, 17, 0xC9, 0);
    expect_discard(&l, 4, 27, DNP3_E_LINK_START, 2);
    assert_int_equal(l.counters.bad_start, 3);
    assert_int_equal(l.counters.discarded_bytes, 9);
    assert_int_equal(l.counters.frames, 2);
    expect_tiling(&l, s.n);
    run(&one, DNP3_LINK_POLICY_DISCARD, s.b, s.n, ONE);
    expect_same(&l, &one);
}

static void test_bad_length(void **state)
{
    (void)state;
    stream_t s = {.n = 0};
    uint8_t bad[sizeof RESET_M1024_O1];
    memcpy(bad, RESET_M1024_O1, sizeof bad);
    bad[2] = 4; /* LENGTH < 5 */
    put(&s, bad, sizeof bad);
    put(&s, RESET_M1024_O1, sizeof RESET_M1024_O1);
    static log_t l, one;
    run(&l, DNP3_LINK_POLICY_DISCARD, s.b, s.n, NULL);
    assert_int_equal(l.n, 2);
    expect_discard(&l, 0, 0, DNP3_E_LINK_LENGTH, 10);
    expect_frame(&l, 1, 10, 0xC0, 0);
    assert_int_equal(l.counters.bad_length, 1);
    assert_int_equal(l.counters.bad_start, 0);
    run(&one, DNP3_LINK_POLICY_DISCARD, s.b, s.n, ONE);
    expect_same(&l, &one);
}

static void test_header_crc(void **state)
{
    (void)state;
    stream_t s = {.n = 0};
    put(&s, RESET_M1024_O1, sizeof RESET_M1024_O1);
    uint8_t bad[sizeof TWO_BLOCK];
    memcpy(bad, TWO_BLOCK, sizeof bad);
    bad[9] ^= 0x80; /* header CRC high byte */
    put(&s, bad, sizeof bad);
    put(&s, STATUS_RSP_O10_M1, sizeof STATUS_RSP_O10_M1);
    static log_t l, one;
    run(&l, DNP3_LINK_POLICY_DISCARD, s.b, s.n, NULL);
    assert_int_equal(l.n, 3);
    expect_frame(&l, 0, 0, 0xC0, 0);
    /* The whole bad frame is one run: its body holds no 05 64. */
    expect_discard(&l, 1, 10, DNP3_E_LINK_HEADER_CRC, sizeof TWO_BLOCK);
    expect_frame(&l, 2, 10 + sizeof TWO_BLOCK, 0x0B, 0);
    assert_int_equal(l.counters.header_crc, 1);
    assert_int_equal(l.counters.discarded_bytes, sizeof TWO_BLOCK);
    run(&one, DNP3_LINK_POLICY_DISCARD, s.b, s.n, ONE);
    expect_same(&l, &one);
}

/* A corrupted byte in data block N drops the whole frame and reports N. */
static void test_block_crc(void **state)
{
    (void)state;
    for (unsigned blk = 0; blk < 16; blk++) {
        stream_t s = {.n = 0};
        size_t at = put_frame(&s, 0xC4, 250, 0x20); /* user bytes 0x20..: no 05 */
        size_t size = s.n - at;
        s.b[at + 10 + blk * 18 + 3] ^= 0x01; /* 4th byte of block blk (last has 10) */
        put(&s, STATUS_RSP_O10_M1, sizeof STATUS_RSP_O10_M1);
        static log_t l, one;
        run(&l, DNP3_LINK_POLICY_DISCARD, s.b, s.n, NULL);
        assert_int_equal(l.n, 2);
        expect_discard(&l, 0, 0, DNP3_E_LINK_BLOCK_CRC, size);
        assert_int_equal(l.ev[0].block, blk);
        expect_frame(&l, 1, size, 0x0B, 0);
        assert_int_equal(l.counters.block_crc, 1);
        assert_int_equal(l.counters.frames, 1);
        run(&one, DNP3_LINK_POLICY_DISCARD, s.b, s.n, ONE);
        expect_same(&l, &one);
    }
    /* A bad CRC field (not data) in the short last block of FACTS' frame. */
    uint8_t bad[sizeof TWO_BLOCK];
    memcpy(bad, TWO_BLOCK, sizeof bad);
    bad[sizeof bad - 2] ^= 0xFF;
    static log_t l;
    run(&l, DNP3_LINK_POLICY_DISCARD, bad, sizeof bad, NULL);
    assert_int_equal(l.n, 1);
    expect_discard(&l, 0, 0, DNP3_E_LINK_BLOCK_CRC, sizeof bad);
    assert_int_equal(l.ev[0].block, 1);
}

/* A false 05 64 just before a real frame: the failed candidate drops one
 * byte and the rescan finds the real frame two bytes on. */
static void test_hidden_after_false_start(void **state)
{
    (void)state;
    stream_t s = {.n = 0};
    put(&s, "\x05\x64", 2);
    put(&s, RESET_M1024_O1, sizeof RESET_M1024_O1);
    static log_t l, one;
    run(&l, DNP3_LINK_POLICY_DISCARD, s.b, s.n, NULL);
    assert_int_equal(l.n, 2);
    expect_discard(&l, 0, 0, DNP3_E_LINK_HEADER_CRC, 2);
    expect_frame(&l, 1, 2, 0xC0, 0);
    run(&one, DNP3_LINK_POLICY_DISCARD, s.b, s.n, ONE);
    expect_same(&l, &one);
}

/* A header whose CRC is valid but announces a long frame, with real frames
 * inside its would-be body: the block CRC fails and the rescan recovers the
 * real frames, even though one-byte feeding has already buffered them. */
static void test_hidden_inside_bad_frame(void **state)
{
    (void)state;
    stream_t s = {.n = 0};
    put_frame(&s, 0xC4, 250, 0x20);
    s.n = 10;                                       /* keep only its (valid) header: LENGTH 255 */
    put(&s, RESET_M1024_O1, sizeof RESET_M1024_O1); /* at 10 */
    put(&s, TWO_BLOCK, sizeof TWO_BLOCK);           /* at 20 */
    while (s.n < 300)
        put(&s, "\x33", 1);                               /* filler past the would-be end (292) */
    put(&s, STATUS_REQ_M1_O10, sizeof STATUS_REQ_M1_O10); /* at 300 */
    static log_t l, one;
    run(&l, DNP3_LINK_POLICY_DISCARD, s.b, s.n, NULL);
    assert_int_equal(l.n, 5);
    expect_discard(&l, 0, 0, DNP3_E_LINK_BLOCK_CRC, 10);
    assert_int_equal(l.ev[0].block, 0);
    expect_frame(&l, 1, 10, 0xC0, 0);
    expect_frame(&l, 2, 20, 0x44, 20);
    assert_memory_equal(l.ev[2].user, TWO_BLOCK_USER, 20);
    expect_discard(&l, 3, 54, DNP3_E_LINK_START, 300 - 54);
    expect_frame(&l, 4, 300, 0xC9, 0);
    expect_tiling(&l, s.n);
    run(&one, DNP3_LINK_POLICY_DISCARD, s.b, s.n, ONE);
    expect_same(&l, &one);
    const size_t odd[] = {7, 1, 13, 292, 2, 0};
    run(&one, DNP3_LINK_POLICY_DISCARD, s.b, s.n, odd);
    expect_same(&l, &one);
}

/* End of stream inside a frame: finish reports it as truncated. */
static void test_truncated_at_finish(void **state)
{
    (void)state;
    stream_t s = {.n = 0};
    put(&s, RESET_M1024_O1, sizeof RESET_M1024_O1);
    put(&s, TWO_BLOCK, 15);
    dnp3_link_parser_t p;
    dnp3_link_parser_init(&p, DNP3_LINK_POLICY_DISCARD);
    dnp3_link_event_t ev;
    assert_int_equal(dnp3_link_parser_feed(&p, s.b, s.n, &ev), 10);
    assert_int_equal(ev.kind, DNP3_LINK_EV_FRAME);
    assert_int_equal(dnp3_link_parser_feed(&p, s.b + 10, s.n - 10, &ev), 15);
    assert_int_equal(ev.kind, DNP3_LINK_EV_NONE);
    assert_int_equal(dnp3_link_parser_finish(&p, &ev), 1);
    assert_int_equal(ev.kind, DNP3_LINK_EV_DISCARD);
    assert_int_equal(ev.reason, DNP3_E_TRUNCATED);
    assert_int_equal(ev.offset, 10);
    assert_int_equal(ev.discarded, 15);
    assert_int_equal(dnp3_link_parser_finish(&p, &ev), 0);
    assert_int_equal(ev.kind, DNP3_LINK_EV_NONE);
    assert_int_equal(p.st.counters.truncated, 1);
    assert_int_equal(p.st.counters.discarded_bytes, 15);
    assert_int_equal(p.st.counters.frames, 1);

    /* Two bytes of a start, and a lone 05 after garbage. */
    static log_t l;
    run(&l, DNP3_LINK_POLICY_DISCARD, (const uint8_t *)"\x05\x64", 2, NULL);
    assert_int_equal(l.n, 1);
    expect_discard(&l, 0, 0, DNP3_E_TRUNCATED, 2);
    run(&l, DNP3_LINK_POLICY_DISCARD, (const uint8_t *)"\x01\x05", 2, ONE);
    assert_int_equal(l.n, 1);
    expect_discard(&l, 0, 0, DNP3_E_LINK_START, 2);
}

/* A truncated candidate hiding a complete frame: finish keeps rescanning. */
static void test_truncated_hides_frame(void **state)
{
    (void)state;
    stream_t s = {.n = 0};
    put_frame(&s, 0xC4, 250, 0x20);
    s.n = 10; /* valid header announcing 292 bytes */
    put(&s, RESET_M1024_O1, sizeof RESET_M1024_O1);
    static log_t l, one;
    run(&l, DNP3_LINK_POLICY_DISCARD, s.b, s.n, NULL);
    assert_int_equal(l.n, 2);
    expect_discard(&l, 0, 0, DNP3_E_TRUNCATED, 10);
    expect_frame(&l, 1, 10, 0xC0, 0);
    run(&one, DNP3_LINK_POLICY_DISCARD, s.b, s.n, ONE);
    expect_same(&l, &one);
}

/* An unknown function code is still a frame; only the name is missing. */
static void test_unknown_function_is_a_frame(void **state)
{
    (void)state;
    stream_t s = {.n = 0};
    put_frame(&s, 0x47, 3, 0x20); /* PRM, function 7: undefined */
    put_frame(&s, 0x0C, 0, 0);    /* secondary, function 12: undefined */
    static log_t l;
    run(&l, DNP3_LINK_POLICY_DISCARD, s.b, s.n, NULL);
    assert_int_equal(l.n, 2);
    expect_frame(&l, 0, 0, 0x47, 3);
    expect_frame(&l, 1, 15, 0x0C, 0);
    assert_null(
        dnp3_link_func_name(dnp3_link_hdr_prm(&l.ev[0].hdr), dnp3_link_hdr_func(&l.ev[0].hdr)));
    assert_null(
        dnp3_link_func_name(dnp3_link_hdr_prm(&l.ev[1].hdr), dnp3_link_hdr_func(&l.ev[1].hdr)));
}

/* A mixed stream fed in many chunkings gives identical events and counters. */
static void test_chunking_invariance(void **state)
{
    (void)state;
    stream_t s = {.n = 0};
    put(&s, "\x05\x05\x64\x05", 4);
    put_frame(&s, 0xF3, 100, 0x40);
    put(&s, "\x64\x05\x64\x03\xFF", 5); /* bad length */
    put(&s, TWO_BLOCK, sizeof TWO_BLOCK);
    size_t bad = put_frame(&s, 0x44, 40, 0x60);
    s.b[bad + 10 + 18 + 5] ^= 0x10; /* block 1 */
    put(&s, STATUS_REQ_M1_O10, 9);  /* header CRC wrong below */
    put(&s, "\x00", 1);
    put(&s, RESET_M1024_O1, sizeof RESET_M1024_O1);
    put_frame(&s, 0xC4, 250, 0x70);
    put(&s, TWO_BLOCK, 20); /* truncated at the end */
    static log_t whole, other;
    run(&whole, DNP3_LINK_POLICY_DISCARD, s.b, s.n, NULL);
    expect_tiling(&whole, s.n);
    assert_int_equal(whole.n, 11);
    expect_discard(&whole, 0, 0, DNP3_E_LINK_START, 1);
    expect_discard(&whole, 1, 1, DNP3_E_LINK_HEADER_CRC, 3);
    expect_frame(&whole, 2, 4, 0xF3, 100);
    assert_int_equal(whole.counters.frames, 4);
    assert_int_equal(whole.counters.bad_start, 2);
    assert_int_equal(whole.counters.bad_length, 1);
    /* 2: the false start 05 64 05 at offset 1, and the cut status request. */
    assert_int_equal(whole.counters.header_crc, 2);
    assert_int_equal(whole.counters.block_crc, 1);
    assert_int_equal(whole.counters.truncated, 1);
    static const size_t patterns[][6] = {{1, 0},      {2, 0},     {3, 0},
                                         {7, 0},      {16, 0},    {17, 0},
                                         {291, 0},    {293, 0},   {1, 2, 3, 5, 8, 0},
                                         {100, 1, 0}, {9, 10, 0}, {300, 1, 299, 0}};
    for (size_t k = 0; k < sizeof patterns / sizeof patterns[0]; k++) {
        run(&other, DNP3_LINK_POLICY_DISCARD, s.b, s.n, patterns[k]);
        expect_same(&whole, &other);
    }
}

/* Counters: one run per reason, bytes add up. */
static void test_counters(void **state)
{
    (void)state;
    stream_t s = {.n = 0};
    put(&s, "\x01\x02", 2);                               /* start: 2 */
    put(&s, RESET_M1024_O1, sizeof RESET_M1024_O1);       /* frame */
    put(&s, "\x05\x64\x02", 3);                           /* length: 3 */
    put(&s, STATUS_REQ_M1_O10, sizeof STATUS_REQ_M1_O10); /* frame */
    uint8_t hb[sizeof RESET_M1024_O1];
    memcpy(hb, RESET_M1024_O1, sizeof hb);
    hb[4] = 2;
    put(&s, hb, sizeof hb);               /* header crc: 10 */
    put(&s, TWO_BLOCK, sizeof TWO_BLOCK); /* frame */
    static log_t l;
    run(&l, DNP3_LINK_POLICY_DISCARD, s.b, s.n, NULL);
    assert_int_equal(l.counters.frames, 3);
    assert_int_equal(l.counters.bytes_in, s.n);
    assert_int_equal(l.counters.discarded_bytes, 15);
    assert_int_equal(l.counters.bad_start, 1);
    assert_int_equal(l.counters.bad_length, 1);
    assert_int_equal(l.counters.header_crc, 1);
    assert_int_equal(l.counters.block_crc, 0);
    assert_int_equal(l.counters.truncated, 0);
    assert_int_equal(l.n, 6);
    expect_tiling(&l, s.n);
}

/* CLOSE: the first framing error closes; everything after is ignored and
 * reported as CLOSED until reset, which keeps the counters. */
/* flush_run: a pending discarded run is reported at once (a capture
 * decoder shows garbage with its packet), later bytes start a new run, a
 * held partial frame is untouched, and the stream is still tiled exactly. */
static void test_flush_run(void **state)
{
    (void)state;
    dnp3_link_parser_t p;
    dnp3_link_event_t ev;
    log_t l;
    memset(&l, 0, sizeof l);
    dnp3_link_parser_init(&p, DNP3_LINK_POLICY_DISCARD);
    assert_int_equal(dnp3_link_parser_flush_run(&p, &ev), 0);
    assert_int_equal(ev.kind, DNP3_LINK_EV_NONE);

    static const uint8_t garbage[] = {0xAA, 0xBB, 0xCC};
    assert_int_equal(dnp3_link_parser_feed(&p, garbage, sizeof garbage, &ev), sizeof garbage);
    assert_int_equal(ev.kind, DNP3_LINK_EV_NONE); /* the run's end is not known yet */
    assert_int_equal(dnp3_link_parser_flush_run(&p, &ev), 1);
    record(&l, &ev);
    assert_int_equal(dnp3_link_parser_flush_run(&p, &ev), 0);

    /* DD then a lone 05: DD is a new run; the 05 is held as a candidate. */
    static const uint8_t more[] = {0xDD, 0x05};
    assert_int_equal(dnp3_link_parser_feed(&p, more, sizeof more, &ev), sizeof more);
    assert_int_equal(dnp3_link_parser_flush_run(&p, &ev), 1);
    record(&l, &ev);
    /* The rest of the link status request completes the held 05. */
    size_t used =
        dnp3_link_parser_feed(&p, STATUS_REQ_M1_O10 + 1, sizeof STATUS_REQ_M1_O10 - 1, &ev);
    assert_int_equal(used, sizeof STATUS_REQ_M1_O10 - 1);
    record(&l, &ev);
    assert_int_equal(dnp3_link_parser_flush_run(&p, &ev), 0);
    assert_int_equal(dnp3_link_parser_finish(&p, &ev), 0);
    l.counters = p.st.counters;

    assert_int_equal(l.n, 3);
    expect_discard(&l, 0, 0, DNP3_E_LINK_START, 3);
    expect_discard(&l, 1, 3, DNP3_E_LINK_START, 1);
    expect_frame(&l, 2, 4, 0xC9, 0);
    expect_tiling(&l, sizeof garbage + sizeof more + sizeof STATUS_REQ_M1_O10 - 1);
    assert_int_equal(p.st.counters.bad_start, 2);
    assert_int_equal(p.st.counters.frames, 1);

    /* Nothing to flush once a CLOSE-policy parser has closed. */
    dnp3_link_parser_init(&p, DNP3_LINK_POLICY_CLOSE);
    dnp3_link_parser_feed(&p, garbage, sizeof garbage, &ev);
    assert_int_equal(ev.kind, DNP3_LINK_EV_CLOSED);
    assert_int_equal(dnp3_link_parser_flush_run(&p, &ev), 0);
}

static void test_close_policy(void **state)
{
    (void)state;
    stream_t s = {.n = 0};
    put(&s, RESET_M1024_O1, sizeof RESET_M1024_O1);
    put(&s, "\x99", 1);
    put(&s, STATUS_REQ_M1_O10, sizeof STATUS_REQ_M1_O10);
    dnp3_link_parser_t p;
    dnp3_link_parser_init(&p, DNP3_LINK_POLICY_CLOSE);
    dnp3_link_event_t ev;
    assert_int_equal(dnp3_link_parser_feed(&p, s.b, s.n, &ev), 10);
    assert_int_equal(ev.kind, DNP3_LINK_EV_FRAME);
    assert_false(dnp3_link_parser_closed(&p));
    assert_int_equal(dnp3_link_parser_feed(&p, s.b + 10, s.n - 10, &ev), 11);
    assert_int_equal(ev.kind, DNP3_LINK_EV_CLOSED);
    assert_int_equal(ev.reason, DNP3_E_LINK_START);
    assert_int_equal(ev.offset, 10);
    assert_int_equal(ev.discarded, 11); /* the bad byte and the rest of the input */
    assert_true(dnp3_link_parser_closed(&p));
    assert_int_equal(dnp3_link_parser_feed(&p, RESET_M1024_O1, 10, &ev), 10);
    assert_int_equal(ev.kind, DNP3_LINK_EV_CLOSED);
    assert_int_equal(ev.reason, DNP3_E_LINK_CLOSED);
    assert_int_equal(ev.offset, 21);
    assert_int_equal(ev.discarded, 10);
    assert_int_equal(dnp3_link_parser_feed(&p, NULL, 0, &ev), 0);
    assert_int_equal(ev.kind, DNP3_LINK_EV_NONE);
    assert_int_equal(dnp3_link_parser_finish(&p, &ev), 0);
    assert_int_equal(p.st.counters.frames, 1);
    assert_int_equal(p.st.counters.bad_start, 1);
    assert_int_equal(p.st.counters.bytes_in, 31);
    assert_int_equal(p.st.counters.discarded_bytes, 21);

    dnp3_link_parser_reset(&p);
    assert_false(dnp3_link_parser_closed(&p));
    assert_int_equal(p.st.policy, DNP3_LINK_POLICY_CLOSE);
    assert_int_equal(dnp3_link_parser_feed(&p, TWO_BLOCK, sizeof TWO_BLOCK, &ev), sizeof TWO_BLOCK);
    assert_int_equal(ev.kind, DNP3_LINK_EV_FRAME);
    assert_int_equal(ev.offset, 0);            /* offsets restart */
    assert_int_equal(p.st.counters.frames, 2); /* counters kept */
}

/* CLOSE with one-byte feeding on a header CRC error held across feeds. */
static void test_close_policy_one_byte(void **state)
{
    (void)state;
    stream_t s = {.n = 0};
    put(&s, TWO_BLOCK, sizeof TWO_BLOCK);
    uint8_t bad[sizeof RESET_M1024_O1];
    memcpy(bad, RESET_M1024_O1, sizeof bad);
    bad[8] ^= 0x01;
    put(&s, bad, sizeof bad);
    put(&s, RESET_M1024_O1, sizeof RESET_M1024_O1);
    static log_t l;
    run(&l, DNP3_LINK_POLICY_CLOSE, s.b, s.n, ONE);
    /* frame, CLOSED(header CRC) on the 10th byte, then 10 CLOSED(closed). */
    assert_int_equal(l.n, 12);
    expect_frame(&l, 0, 0, 0x44, 20);
    assert_int_equal(l.ev[1].kind, DNP3_LINK_EV_CLOSED);
    assert_int_equal(l.ev[1].reason, DNP3_E_LINK_HEADER_CRC);
    assert_int_equal(l.ev[1].offset, sizeof TWO_BLOCK);
    assert_int_equal(l.ev[1].discarded, 10);
    for (size_t i = 2; i < 12; i++) {
        assert_int_equal(l.ev[i].kind, DNP3_LINK_EV_CLOSED);
        assert_int_equal(l.ev[i].reason, DNP3_E_LINK_CLOSED);
        assert_int_equal(l.ev[i].offset, sizeof TWO_BLOCK + 10 + (i - 2));
        assert_int_equal(l.ev[i].discarded, 1);
    }
    assert_int_equal(l.counters.header_crc, 1);
    assert_int_equal(l.counters.discarded_bytes, 20);

    /* Whole-buffer feeding: one CLOSED event covering both frames. */
    run(&l, DNP3_LINK_POLICY_CLOSE, s.b, s.n, NULL);
    assert_int_equal(l.n, 2);
    assert_int_equal(l.ev[1].kind, DNP3_LINK_EV_CLOSED);
    assert_int_equal(l.ev[1].reason, DNP3_E_LINK_HEADER_CRC);
    assert_int_equal(l.ev[1].discarded, 20);
    expect_tiling(&l, s.n);

    /* A clean stream under CLOSE parses like DISCARD; a truncated tail is
     * reported by finish as a DISCARD, not a close. */
    run(&l, DNP3_LINK_POLICY_CLOSE, TWO_BLOCK, sizeof TWO_BLOCK - 1, ONE);
    assert_int_equal(l.n, 1);
    expect_discard(&l, 0, 0, DNP3_E_TRUNCATED, sizeof TWO_BLOCK - 1);
    /* CLOSE never rescans at finish: the held candidate goes whole. */
    stream_t t = {.n = 0};
    put_frame(&t, 0xC4, 250, 0x20);
    t.n = 10;
    put(&t, RESET_M1024_O1, sizeof RESET_M1024_O1);
    run(&l, DNP3_LINK_POLICY_CLOSE, t.b, t.n, NULL);
    assert_int_equal(l.n, 1);
    expect_discard(&l, 0, 0, DNP3_E_TRUNCATED, 20);
    /* A lone 05 at the end is garbage under both policies. */
    uint8_t tail[11];
    memcpy(tail, RESET_M1024_O1, 10);
    tail[10] = 0x05;
    run(&l, DNP3_LINK_POLICY_CLOSE, tail, sizeof tail, ONE);
    assert_int_equal(l.n, 2);
    expect_discard(&l, 1, 10, DNP3_E_LINK_START, 1);
}

/* The user pointer refers to the parser's storage, not the caller's. */
static void test_user_data_is_copied(void **state)
{
    (void)state;
    uint8_t buf[sizeof TWO_BLOCK];
    memcpy(buf, TWO_BLOCK, sizeof buf);
    dnp3_link_parser_t p;
    dnp3_link_parser_init(&p, DNP3_LINK_POLICY_DISCARD);
    dnp3_link_event_t ev;
    assert_int_equal(dnp3_link_parser_feed(&p, buf, sizeof buf, &ev), sizeof buf);
    assert_int_equal(ev.kind, DNP3_LINK_EV_FRAME);
    memset(buf, 0, sizeof buf);
    assert_memory_equal(ev.frame.user, TWO_BLOCK_USER, 20);
    assert_true(ev.frame.user < buf || ev.frame.user >= buf + sizeof buf);
    /* An empty feed reports nothing. */
    assert_int_equal(dnp3_link_parser_feed(&p, NULL, 0, &ev), 0);
    assert_int_equal(ev.kind, DNP3_LINK_EV_NONE);
    assert_int_equal(dnp3_link_parser_finish(&p, &ev), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_facts_frames),
        cmocka_unit_test(test_every_split),
        cmocka_unit_test(test_garbage_runs),
        cmocka_unit_test(test_flush_run),
        cmocka_unit_test(test_bad_length),
        cmocka_unit_test(test_header_crc),
        cmocka_unit_test(test_block_crc),
        cmocka_unit_test(test_hidden_after_false_start),
        cmocka_unit_test(test_hidden_inside_bad_frame),
        cmocka_unit_test(test_truncated_at_finish),
        cmocka_unit_test(test_truncated_hides_frame),
        cmocka_unit_test(test_unknown_function_is_a_frame),
        cmocka_unit_test(test_chunking_invariance),
        cmocka_unit_test(test_counters),
        cmocka_unit_test(test_close_policy),
        cmocka_unit_test(test_close_policy_one_byte),
        cmocka_unit_test(test_user_data_is_copied),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
