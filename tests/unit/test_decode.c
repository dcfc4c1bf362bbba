/* decode_session: the per-flow stack of `dnp3 decode`, driven in-process.
 * Frames are built with the link writer, so only the session's stacking is
 * under test here (link parser per flow, reassembler per flow + addresses,
 * gap handling, frame numbering). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "decode_session.h"
#include "dnp3/app.h"
#include "dnp3/link.h"
#include "dnp3/transport.h"

#define MAX_RECS 64

typedef struct rec_copy {
    ds_record_kind_t kind;
    uint64_t frame_no;
    char flow[64];
    uint16_t src, dst;
    bool has_transport;
    int tp_error;
    int link_error;
    size_t discarded;
    size_t apdu_len;
    uint8_t apdu[4096];
} rec_copy_t;

typedef struct sink {
    int n;
    rec_copy_t r[MAX_RECS];
} sink_t;

static void on_rec(void *ctx, const ds_record_t *rec)
{
    sink_t *s = ctx;
    assert_true(s->n < MAX_RECS);
    rec_copy_t *c = &s->r[s->n++];
    memset(c, 0, sizeof(*c));
    c->kind = rec->kind;
    c->frame_no = rec->frame_no;
    if (rec->flow)
        strncpy(c->flow, rec->flow, sizeof c->flow - 1);
    c->src = rec->link.src;
    c->dst = rec->link.dst;
    c->has_transport = rec->has_transport;
    c->tp_error = rec->tp_error;
    c->link_error = rec->link_error;
    c->discarded = rec->discarded;
    if (rec->apdu) {
        assert_true(rec->apdu_len <= sizeof c->apdu);
        memcpy(c->apdu, rec->apdu, rec->apdu_len);
        c->apdu_len = rec->apdu_len;
    }
}

/* One unconfirmed user-data frame carrying transport header th + payload. */
static size_t user_frame(uint8_t *out, uint16_t dst, uint16_t src, uint8_t th, const uint8_t *p,
                         size_t n)
{
    uint8_t user[DNP3_TP_MAX_SEGMENT];
    user[0] = th;
    memcpy(user + 1, p, n);
    int len = dnp3_link_frame_write(out, DNP3_LINK_MAX_FRAME, 0x44, dst, src, user, n + 1);
    assert_true(len > 0);
    return (size_t)len;
}

static const uint8_t resp_null[] = {0xC0, 0x81, 0x00, 0x00};

static void frame_spanning_chunks(void **state)
{
    (void)state;
    sink_t s = {0};
    decode_session_t *d = decode_session_new(0, on_rec, &s);
    assert_non_null(d);
    uint8_t f[DNP3_LINK_MAX_FRAME];
    size_t n = user_frame(f, 1, 1024, 0xC0, resp_null, sizeof resp_null);
    /* Three packets: the frame completes in the third; it is numbered so. */
    assert_int_equal(decode_session_feed(d, "a>b", 5, f, 3, 0), 0);
    assert_int_equal(decode_session_feed(d, "a>b", 6, f + 3, 7, 0), 0);
    assert_int_equal(s.n, 0);
    assert_int_equal(decode_session_feed(d, "a>b", 7, f + 10, n - 10, 0), 0);
    decode_session_finish(d);
    assert_int_equal(s.n, 1);
    assert_int_equal(s.r[0].kind, DS_REC_FRAME);
    assert_int_equal(s.r[0].frame_no, 7);
    assert_string_equal(s.r[0].flow, "a>b");
    assert_int_equal(s.r[0].apdu_len, sizeof resp_null);
    assert_memory_equal(s.r[0].apdu, resp_null, sizeof resp_null);
    decode_session_free(d);
}

static void fragment_per_flow(void **state)
{
    (void)state;
    /* Two flows carry the first halves of two fragments with the SAME link
     * addresses; each completes with its own second half. */
    sink_t s = {0};
    decode_session_t *d = decode_session_new(0, on_rec, &s);
    uint8_t apdu_a[300], apdu_b[300];
    memset(apdu_a, 0xAA, sizeof apdu_a);
    memset(apdu_b, 0xBB, sizeof apdu_b);
    apdu_a[0] = apdu_b[0] = 0xC0;
    apdu_a[1] = apdu_b[1] = 0x81;
    uint8_t f[DNP3_LINK_MAX_FRAME];
    size_t n;
    n = user_frame(f, 1, 1024, 0x40 | 10, apdu_a, 249);
    decode_session_feed(d, "A", 1, f, n, 0);
    n = user_frame(f, 1, 1024, 0x40 | 20, apdu_b, 249);
    decode_session_feed(d, "B", 2, f, n, 0);
    n = user_frame(f, 1, 1024, 0x80 | 11, apdu_a + 249, 51);
    decode_session_feed(d, "A", 3, f, n, 0);
    n = user_frame(f, 1, 1024, 0x80 | 21, apdu_b + 249, 51);
    decode_session_feed(d, "B", 4, f, n, 0);
    decode_session_finish(d);
    assert_int_equal(s.n, 4);
    for (int i = 0; i < 4; i++)
        assert_int_equal(s.r[i].tp_error, 0);
    assert_int_equal(s.r[2].apdu_len, 300);
    assert_memory_equal(s.r[2].apdu, apdu_a, 300);
    assert_int_equal(s.r[3].apdu_len, 300);
    assert_memory_equal(s.r[3].apdu, apdu_b, 300);
    decode_session_free(d);
}

static void interleaved_addresses(void **state)
{
    (void)state;
    /* One connection, two outstations answering at once (e.g. a gateway):
     * segments of different source addresses interleave. */
    sink_t s = {0};
    decode_session_t *d = decode_session_new(0, on_rec, &s);
    uint8_t a[260], b[260];
    memset(a, 0x11, sizeof a);
    memset(b, 0x22, sizeof b);
    uint8_t f[DNP3_LINK_MAX_FRAME];
    size_t n;
    n = user_frame(f, 1, 10, 0x40 | 0, a, 249);
    decode_session_feed(d, NULL, 1, f, n, 0);
    n = user_frame(f, 1, 11, 0x40 | 5, b, 249);
    decode_session_feed(d, NULL, 2, f, n, 0);
    n = user_frame(f, 1, 10, 0x80 | 1, a + 249, 11);
    decode_session_feed(d, NULL, 3, f, n, 0);
    n = user_frame(f, 1, 11, 0x80 | 6, b + 249, 11);
    decode_session_feed(d, NULL, 4, f, n, 0);
    decode_session_finish(d);
    assert_int_equal(s.n, 4);
    assert_int_equal(s.r[2].src, 10);
    assert_int_equal(s.r[2].apdu_len, 260);
    assert_memory_equal(s.r[2].apdu, a, 260);
    assert_int_equal(s.r[3].src, 11);
    assert_int_equal(s.r[3].apdu_len, 260);
    assert_memory_equal(s.r[3].apdu, b, 260);
    assert_string_equal(s.r[0].flow, ""); /* anonymous stream: no flow label */
    decode_session_free(d);
}

static void gap_resets_parser(void **state)
{
    (void)state;
    sink_t s = {0};
    decode_session_t *d = decode_session_new(0, on_rec, &s);
    uint8_t f[DNP3_LINK_MAX_FRAME];
    size_t n = user_frame(f, 1, 1024, 0xC0, resp_null, sizeof resp_null);
    /* Half a frame, then a hole: the half is reported (truncated, numbered
     * with the packet that brought it) and the next frame decodes cleanly
     * even though its bytes would otherwise have been taken as the rest. */
    decode_session_feed(d, "f", 1, f, 12, 0);
    decode_session_feed(d, "f", 2, f, n, DS_CHUNK_GAP);
    decode_session_finish(d);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.r[0].kind, DS_REC_DISCARD);
    assert_int_equal(s.r[0].frame_no, 1);
    assert_int_equal(s.r[0].link_error, DNP3_E_TRUNCATED);
    assert_int_equal(s.r[0].discarded, 12);
    assert_int_equal(s.r[1].kind, DS_REC_FRAME);
    assert_int_equal(s.r[1].frame_no, 2);
    assert_int_equal(s.r[1].apdu_len, sizeof resp_null);

    /* Without the gap flag the same bytes make one bad run instead. */
    sink_t s2 = {0};
    decode_session_t *d2 = decode_session_new(0, on_rec, &s2);
    decode_session_feed(d2, "f", 1, f, 12, 0);
    decode_session_feed(d2, "f", 2, f, n, 0);
    decode_session_finish(d2);
    assert_true(s2.n >= 1);
    assert_int_equal(s2.r[0].kind, DS_REC_DISCARD);
    decode_session_free(d2);
    decode_session_free(d);
}

static void stream_start_forgets_fragment(void **state)
{
    (void)state;
    sink_t s = {0};
    decode_session_t *d = decode_session_new(0, on_rec, &s);
    uint8_t apdu[300];
    memset(apdu, 0x33, sizeof apdu);
    uint8_t f[DNP3_LINK_MAX_FRAME];
    size_t n = user_frame(f, 1, 1024, 0x40 | 1, apdu, 249);
    decode_session_feed(d, "c", 1, f, n, 0);
    /* New connection on the same flow label: the continuation is an orphan. */
    n = user_frame(f, 1, 1024, 0x80 | 2, apdu + 249, 51);
    decode_session_feed(d, "c", 2, f, n, DS_CHUNK_START);
    decode_session_finish(d);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.r[1].apdu_len, 0);
    assert_int_equal(s.r[1].tp_error, DNP3_E_TP_NO_FIR);
    decode_session_free(d);
}

static void empty_user_data_frame(void **state)
{
    (void)state;
    /* LENGTH 5 on a user-data function: no transport header at all. */
    sink_t s = {0};
    decode_session_t *d = decode_session_new(0, on_rec, &s);
    uint8_t f[DNP3_LINK_MAX_FRAME];
    int n = dnp3_link_frame_write(f, sizeof f, 0xC4, 1024, 1, NULL, 0);
    assert_true(n == 10);
    decode_session_feed(d, NULL, 1, f, (size_t)n, 0);
    decode_session_finish(d);
    assert_int_equal(s.n, 1);
    assert_false(s.r[0].has_transport);
    assert_int_equal(s.r[0].tp_error, DNP3_E_TP_EMPTY);
    decode_session_free(d);
}

static void datagram_reports_leftover(void **state)
{
    (void)state;
    sink_t s = {0};
    decode_session_t *d = decode_session_new(0, on_rec, &s);
    uint8_t f[DNP3_LINK_MAX_FRAME];
    size_t n = user_frame(f, 1, 1024, 0xC0, resp_null, sizeof resp_null);
    decode_session_feed(d, "u", 9, f, n - 3, DS_CHUNK_DATAGRAM);
    assert_int_equal(s.n, 1); /* reported at once, not at the next datagram */
    assert_int_equal(s.r[0].kind, DS_REC_DISCARD);
    assert_int_equal(s.r[0].frame_no, 9);
    decode_session_feed(d, "u", 10, f, n, DS_CHUNK_DATAGRAM);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.r[1].kind, DS_REC_FRAME);
    decode_session_free(d);
}

/* ---- flows at scale, memory (issue 6 items 7 and 11) ------------------------- */

static void count_rec(void *ctx, const ds_record_t *rec)
{
    unsigned *c = ctx;
    c[rec->kind]++;
    if (rec->apdu)
        c[3]++;
}

static void label(char *buf, size_t len, unsigned i)
{
    snprintf(buf, len, "10.%u.%u.%u:%u>10.0.0.254:20000", i >> 16 & 255, i >> 8 & 255, i & 255,
             1024 + i % 50000);
}

/* 5,000 flows each holding the first half of a frame, then the second
 * halves: every frame decodes (a fixed table of 4,096 lost them all). */
static void many_flows_each_complete(void **state)
{
    (void)state;
    unsigned c[4] = {0};
    decode_session_t *d = decode_session_new(0, count_rec, c);
    uint8_t f[DNP3_LINK_MAX_FRAME];
    size_t n = user_frame(f, 1, 1024, 0xC0, resp_null, sizeof resp_null);
    char name[64];
    for (int half = 0; half < 2; half++) {
        for (unsigned i = 0; i < 5000; i++) {
            label(name, sizeof name, i);
            size_t cut = n / 2;
            assert_int_equal(
                decode_session_feed(d, name, i + 1, half ? f + cut : f, half ? n - cut : cut, 0),
                0);
        }
    }
    decode_session_finish(d);
    assert_int_equal(c[DS_REC_FRAME], 5000);
    assert_int_equal(c[3], 5000);
    assert_int_equal(c[DS_REC_DISCARD], 0);
    assert_int_equal(decode_session_counters(d)->evictions, 0);
    decode_session_free(d);
}

/* 300 link-address pairs interleaved on one connection, each a fragment in
 * two segments: 300 fragments (256 reassemblers lost them all). */
static void many_address_pairs(void **state)
{
    (void)state;
    unsigned c[4] = {0};
    decode_session_t *d = decode_session_new(0, count_rec, c);
    uint8_t f[DNP3_LINK_MAX_FRAME];
    static const uint8_t first[] = {0xC0, 0x01, 0x3C, 0x02, 0x06}, last[] = {0x3C, 0x03, 0x06};
    for (int seg = 0; seg < 2; seg++) {
        for (uint16_t k = 0; k < 300; k++) {
            size_t n = seg ? user_frame(f, 2000 + k, 10 + k, 0x81, last, sizeof last)
                           : user_frame(f, 2000 + k, 10 + k, 0x40, first, sizeof first);
            assert_int_equal(decode_session_feed(d, "m>o", 1, f, n, 0), 0);
        }
    }
    decode_session_finish(d);
    assert_int_equal(c[3], 300);
    decode_session_free(d);
}

/* A connection that ends (DS_CHUNK_END) reports what its parser held and
 * gives back all its memory. */
static void ended_flow_freed(void **state)
{
    (void)state;
    sink_t s = {0};
    decode_session_t *d = decode_session_new(0, on_rec, &s);
    uint64_t base = decode_session_memory(d);
    uint8_t f[DNP3_LINK_MAX_FRAME];
    size_t n = user_frame(f, 1, 1024, 0xC0, resp_null, sizeof resp_null);
    assert_int_equal(decode_session_feed(d, "a>b", 3, f, n, 0), 0);
    assert_int_equal(decode_session_feed(d, "a>b", 4, f, 9, 0), 0);
    assert_true(decode_session_memory(d) > base);
    assert_int_equal(decode_session_feed(d, "a>b", 5, NULL, 0, DS_CHUNK_END), 0);
    assert_int_equal(decode_session_memory(d), base);
    assert_int_equal(decode_session_counters(d)->ended, 1);
    assert_int_equal(s.n, 2);
    assert_int_equal(s.r[1].kind, DS_REC_DISCARD);
    assert_int_equal(s.r[1].link_error, DNP3_E_TRUNCATED);
    assert_int_equal(s.r[1].discarded, 9);
    assert_int_equal(s.r[1].frame_no, 5);
    /* An end for a flow never fed is nothing. */
    assert_int_equal(decode_session_feed(d, "x>y", 6, NULL, 0, DS_CHUNK_END), 0);
    assert_int_equal(decode_session_memory(d), base);
    decode_session_finish(d);
    assert_int_equal(s.n, 2);
    decode_session_free(d);
}

typedef struct evictions {
    unsigned n;
    size_t frame_bytes, fragments, fragment_bytes;
    char first[64];
    uint64_t first_frame;
} evictions_t;

static void on_evict(void *ctx, const ds_eviction_t *ev)
{
    evictions_t *e = ctx;
    if (e->n++ == 0) {
        snprintf(e->first, sizeof e->first, "%s", ev->flow);
        e->first_frame = ev->frame_no;
    }
    e->frame_bytes += ev->frame_bytes;
    e->fragments += ev->fragments;
    e->fragment_bytes += ev->fragment_bytes;
}

/* At the memory limit the least recently used flow goes, and what it held
 * is reported: here 9 bytes of a frame and a partial fragment of 5 bytes. */
static void eviction_reported(void **state)
{
    (void)state;
    unsigned c[4] = {0};
    evictions_t e = {0};
    decode_session_t *d = decode_session_new(0, count_rec, c);
    decode_session_set_memory_limit(d, 1); /* raised to DS_MEMORY_MIN */
    decode_session_set_evict_fn(d, on_evict, &e);
    uint8_t f[DNP3_LINK_MAX_FRAME];
    static const uint8_t part[] = {0xC0, 0x81, 0x00, 0x00, 0x1E};
    size_t n = user_frame(f, 1, 1024, 0x40, part, sizeof part); /* FIR, no FIN */
    char name[64];
    uint64_t peak = 0;
    for (unsigned i = 0; i < 1000; i++) {
        label(name, sizeof name, i);
        decode_session_feed(d, name, i + 1, f, n, 0); /* a partial fragment */
        decode_session_feed(d, name, i + 1, f, 9, 0); /* and part of a frame */
        if (decode_session_memory(d) > peak)
            peak = decode_session_memory(d);
    }
    assert_true(peak <= DS_MEMORY_MIN);
    const decode_session_counters_t *st = decode_session_counters(d);
    assert_true(e.n > 500);
    assert_int_equal(st->lost, e.n);
    assert_int_equal(st->evictions, e.n);
    assert_int_equal(e.frame_bytes, 9u * e.n);
    assert_int_equal(e.fragments, e.n);
    assert_int_equal(e.fragment_bytes, sizeof part * e.n);
    label(name, sizeof name, 0);
    assert_string_equal(e.first, name); /* the oldest first */
    assert_true(e.first_frame > 1);
    decode_session_free(d);
}

/* A fragment much larger than the buffer's first size grows it. */
static void large_fragment(void **state)
{
    (void)state;
    sink_t s = {0};
    decode_session_t *d = decode_session_new(0, on_rec, &s);
    uint8_t apdu[4000];
    for (size_t i = 0; i < sizeof apdu; i++)
        apdu[i] = (uint8_t)(i * 7);
    apdu[0] = 0xC0;
    apdu[1] = 0x81;
    uint8_t f[DNP3_LINK_MAX_FRAME];
    size_t seg = DNP3_TP_MAX_SEGMENT - 1;
    uint8_t seq = 0;
    for (size_t off = 0; off < sizeof apdu; off += seg, seq++) {
        size_t k = sizeof apdu - off < seg ? sizeof apdu - off : seg;
        uint8_t th =
            (uint8_t)((seq & 0x3F) | (off == 0 ? 0x40 : 0) | (off + k == sizeof apdu ? 0x80 : 0));
        size_t n = user_frame(f, 1, 1024, th, apdu + off, k);
        assert_int_equal(decode_session_feed(d, "a>b", seq + 1u, f, n, 0), 0);
    }
    decode_session_finish(d);
    assert_int_equal(s.r[s.n - 1].apdu_len, sizeof apdu);
    assert_memory_equal(s.r[s.n - 1].apdu, apdu, sizeof apdu);
    decode_session_free(d);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(frame_spanning_chunks),
        cmocka_unit_test(fragment_per_flow),
        cmocka_unit_test(interleaved_addresses),
        cmocka_unit_test(gap_resets_parser),
        cmocka_unit_test(stream_start_forgets_fragment),
        cmocka_unit_test(empty_user_data_frame),
        cmocka_unit_test(datagram_reports_leftover),
        cmocka_unit_test(many_flows_each_complete),
        cmocka_unit_test(many_address_pairs),
        cmocka_unit_test(ended_flow_freed),
        cmocka_unit_test(eviction_reported),
        cmocka_unit_test(large_fragment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
