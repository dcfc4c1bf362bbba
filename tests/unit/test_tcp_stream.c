/* tcp_stream: reassembly of one TCP direction by sequence number. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "tcp_stream.h"

#define SYN 0x02u
#define FIN 0x01u
#define RST 0x04u

/* What the stream delivered, chunk by chunk. */
typedef struct sink {
    uint8_t bytes[1 << 20];
    size_t n;
    struct {
        size_t off, len;
        unsigned flags;
        uint64_t packet_no;
    } chunk[4096];
    size_t nchunks;
} sink_t;

static void collect(void *ctx, const uint8_t *data, size_t len, unsigned flags,
                    tcp_stream_tag_t tag)
{
    sink_t *k = ctx;
    assert_true(len > 0);
    assert_true(k->n + len <= sizeof k->bytes);
    assert_true(k->nchunks < sizeof k->chunk / sizeof k->chunk[0]);
    k->chunk[k->nchunks].off = k->n;
    k->chunk[k->nchunks].len = len;
    k->chunk[k->nchunks].flags = flags;
    k->chunk[k->nchunks].packet_no = tag.packet_no;
    k->nchunks++;
    memcpy(k->bytes + k->n, data, len);
    k->n += len;
}

/* The stream's bytes: msg[i] = i * 13 + 5, so any misplaced byte shows. */
static uint8_t msg[300000];

static void fill_msg(void)
{
    for (size_t i = 0; i < sizeof msg; i++)
        msg[i] = (uint8_t)(i * 13u + 5u);
}

static sink_t *new_sink(void)
{
    fill_msg();
    sink_t *k = calloc(1, sizeof *k);
    assert_non_null(k);
    return k;
}

/* Feeds msg[off, off+len) as the segment at isn + 1 + off, packet number pkt,
 * time pkt milliseconds. */
static void feed(tcp_stream_t *s, sink_t *k, uint32_t isn, size_t off, size_t len, uint64_t pkt)
{
    tcp_stream_tag_t tag = {pkt, pkt * 1000u};
    tcp_stream_segment(s, isn + 1u + (uint32_t)off, 0x10u, msg + off, len, len, tag, collect, k);
}

static void syn(tcp_stream_t *s, sink_t *k, uint32_t isn, uint64_t pkt)
{
    tcp_stream_tag_t tag = {pkt, pkt * 1000u};
    tcp_stream_segment(s, isn, SYN, NULL, 0, 0, tag, collect, k);
}

static void test_in_order(void **state)
{
    (void)state;
    sink_t *k = new_sink();
    tcp_stream_t s;
    tcp_stream_init(&s);
    syn(&s, k, 1000, 1);
    feed(&s, k, 1000, 0, 10, 2);
    feed(&s, k, 1000, 10, 20, 3);
    assert_int_equal(k->nchunks, 2);
    assert_int_equal(k->n, 30);
    assert_memory_equal(k->bytes, msg, 30);
    assert_int_equal(k->chunk[0].flags, TCP_STREAM_START); /* first chunk after the SYN */
    assert_int_equal(k->chunk[1].flags, 0);
    assert_int_equal(k->chunk[1].packet_no, 3);
    assert_int_equal(s.counters.streams, 1);
    tcp_stream_free(&s);
    free(k);
}

static void test_no_syn_origin(void **state)
{
    (void)state;
    sink_t *k = new_sink();
    tcp_stream_t s;
    tcp_stream_init(&s);
    /* Capture starts mid-stream: the first sequence number seen is the origin. */
    feed(&s, k, 5000, 100, 10, 1);
    feed(&s, k, 5000, 110, 10, 2);
    assert_int_equal(k->n, 20);
    assert_memory_equal(k->bytes, msg + 100, 20);
    assert_int_equal(k->chunk[0].flags, 0);
    tcp_stream_free(&s);
    free(k);
}

static void test_out_of_order(void **state)
{
    (void)state;
    sink_t *k = new_sink();
    tcp_stream_t s;
    tcp_stream_init(&s);
    syn(&s, k, 7, 1);
    feed(&s, k, 7, 0, 10, 2);
    feed(&s, k, 7, 30, 10, 3); /* held */
    feed(&s, k, 7, 20, 10, 4); /* held */
    assert_int_equal(k->n, 10);
    assert_int_equal(s.nheld, 2);
    feed(&s, k, 7, 10, 10, 5); /* fills the hole: 3 chunks delivered by packet 5 */
    assert_int_equal(k->n, 40);
    assert_memory_equal(k->bytes, msg, 40);
    assert_int_equal(k->nchunks, 4);
    for (size_t i = 1; i < 4; i++) {
        assert_int_equal(k->chunk[i].packet_no, 5);
        assert_int_equal(k->chunk[i].flags, 0);
    }
    assert_int_equal(s.nheld, 0);
    assert_int_equal(s.held_bytes, 0);
    assert_int_equal(s.counters.gaps, 0);
    tcp_stream_free(&s);
    free(k);
}

static void test_retransmission_full(void **state)
{
    (void)state;
    sink_t *k = new_sink();
    tcp_stream_t s;
    tcp_stream_init(&s);
    syn(&s, k, 0xFFFFFF00u, 1);
    feed(&s, k, 0xFFFFFF00u, 0, 50, 2);
    feed(&s, k, 0xFFFFFF00u, 0, 50, 3); /* spurious retransmission */
    feed(&s, k, 0xFFFFFF00u, 50, 50, 4);
    feed(&s, k, 0xFFFFFF00u, 50, 50, 5);
    assert_int_equal(k->n, 100);
    assert_memory_equal(k->bytes, msg, 100);
    assert_int_equal(s.counters.retrans_segments, 2);
    assert_int_equal(s.counters.retrans_bytes, 100);
    tcp_stream_free(&s);
    free(k);
}

static void test_retransmission_partial(void **state)
{
    (void)state;
    sink_t *k = new_sink();
    tcp_stream_t s;
    tcp_stream_init(&s);
    syn(&s, k, 100, 1);
    feed(&s, k, 100, 0, 40, 2);
    feed(&s, k, 100, 30, 30, 3); /* 10 old + 20 new */
    assert_int_equal(k->n, 60);
    assert_memory_equal(k->bytes, msg, 60);
    assert_int_equal(s.counters.retrans_bytes, 10);
    /* Overlaps between held segments are trimmed too. */
    feed(&s, k, 100, 80, 20, 4); /* held [80,100) */
    feed(&s, k, 100, 70, 40, 5); /* held [70,110), overlaps */
    feed(&s, k, 100, 80, 20, 6); /* exact repeat of a held segment */
    feed(&s, k, 100, 55, 20, 7); /* [55,75): 5 old, fills to 75 */
    assert_int_equal(k->n, 110);
    assert_memory_equal(k->bytes, msg, 110);
    /* 10 + 5 (pkt 7) + 20 (repeat) + 5 ([70,75) of pkt 5) + 20 ([80,100) of pkt 4) */
    assert_int_equal(s.counters.retrans_bytes, 60);
    assert_int_equal(s.nheld, 0);
    tcp_stream_free(&s);
    free(k);
}

static void test_hole_flushed_at_end(void **state)
{
    (void)state;
    sink_t *k = new_sink();
    tcp_stream_t s;
    tcp_stream_init(&s);
    syn(&s, k, 1, 1);
    feed(&s, k, 1, 0, 10, 2);
    feed(&s, k, 1, 20, 10, 3); /* [10,20) never captured */
    feed(&s, k, 1, 30, 10, 4);
    assert_int_equal(k->n, 10);
    tcp_stream_flush(&s, collect, k);
    assert_int_equal(k->n, 30);
    assert_memory_equal(k->bytes + 10, msg + 20, 20);
    assert_int_equal(k->nchunks, 3);
    assert_int_equal(k->chunk[1].flags, TCP_STREAM_GAP);
    assert_int_equal(k->chunk[1].packet_no, 3); /* given up: tagged with its own packet */
    assert_int_equal(k->chunk[2].flags, 0);
    assert_int_equal(k->chunk[2].packet_no, 4);
    assert_int_equal(s.counters.gaps, 1);
    /* Later in-order data continues after the gap. */
    feed(&s, k, 1, 40, 5, 5);
    assert_int_equal(k->n, 35);
    assert_int_equal(k->chunk[3].flags, 0);
    tcp_stream_free(&s);
    free(k);
}

static void test_hole_bound_segments(void **state)
{
    (void)state;
    sink_t *k = new_sink();
    tcp_stream_t s;
    tcp_stream_init(&s);
    syn(&s, k, 42, 1);
    /* Byte 0 lost; 1-byte segments after it: the 65th cannot be held. */
    for (size_t i = 1; i <= TCP_STREAM_MAX_SEGS; i++)
        feed(&s, k, 42, i, 1, 1 + i);
    assert_int_equal(k->n, 0);
    assert_int_equal(s.nheld, TCP_STREAM_MAX_SEGS);
    feed(&s, k, 42, TCP_STREAM_MAX_SEGS + 1, 1, 100);
    assert_int_equal(k->n, TCP_STREAM_MAX_SEGS + 1);
    assert_memory_equal(k->bytes, msg + 1, TCP_STREAM_MAX_SEGS + 1);
    assert_int_equal(k->chunk[0].flags, TCP_STREAM_GAP | TCP_STREAM_START);
    assert_int_equal(s.counters.gaps, 1);
    assert_int_equal(s.nheld, 0);
    /* The lost byte turning up late is a retransmission now, not data. */
    feed(&s, k, 42, 0, 1, 101);
    assert_int_equal(k->n, TCP_STREAM_MAX_SEGS + 1);
    tcp_stream_free(&s);
    free(k);
}

static void test_hole_bound_bytes(void **state)
{
    (void)state;
    sink_t *k = new_sink();
    tcp_stream_t s;
    tcp_stream_init(&s);
    syn(&s, k, 9, 1);
    /* 1000 bytes lost, then 8000-byte (offloaded) segments until the byte
     * bound trips, well before the segment bound. */
    size_t off = 1000, n = 0;
    while (s.held_bytes + 8000 <= TCP_STREAM_MAX_BYTES) {
        feed(&s, k, 9, off, 8000, 2 + n++);
        off += 8000;
    }
    assert_true(n < TCP_STREAM_MAX_SEGS);
    assert_int_equal(k->n, 0);
    feed(&s, k, 9, off, 8000, 1000);
    off += 8000;
    assert_int_equal(k->n, off - 1000);
    assert_memory_equal(k->bytes, msg + 1000, off - 1000);
    assert_true(k->chunk[0].flags & TCP_STREAM_GAP);
    assert_true(s.held_bytes <= TCP_STREAM_MAX_BYTES);
    tcp_stream_free(&s);
    free(k);
}

static void test_hole_timeout(void **state)
{
    (void)state;
    sink_t *k = new_sink();
    tcp_stream_t s;
    tcp_stream_init(&s);
    syn(&s, k, 9, 1);
    feed(&s, k, 9, 10, 10, 2); /* held at t = 2 ms */
    tcp_stream_tag_t late = {3, 2000u + TCP_STREAM_HOLD_US + 1u};
    tcp_stream_segment(&s, 9 + 1 + 20, 0x10u, msg + 20, 5, 5, late, collect, k);
    assert_int_equal(k->n, 15);
    assert_memory_equal(k->bytes, msg + 10, 15);
    assert_int_equal(k->chunk[0].flags, TCP_STREAM_GAP | TCP_STREAM_START);
    tcp_stream_free(&s);
    free(k);
}

static void test_seq_wrap(void **state)
{
    (void)state;
    sink_t *k = new_sink();
    tcp_stream_t s;
    tcp_stream_init(&s);
    uint32_t isn = 0xFFFFFFF0u; /* data crosses 2^32 after 15 bytes */
    syn(&s, k, isn, 1);
    feed(&s, k, isn, 0, 10, 2);
    feed(&s, k, isn, 30, 10, 3); /* beyond the wrap, held */
    feed(&s, k, isn, 10, 20, 4); /* straddles the wrap */
    feed(&s, k, isn, 5, 10, 5);  /* retransmission across it */
    assert_int_equal(k->n, 40);
    assert_memory_equal(k->bytes, msg, 40);
    assert_int_equal(s.counters.retrans_bytes, 10);
    assert_int_equal(s.counters.gaps, 0);
    tcp_stream_free(&s);
    free(k);
}

static void test_new_syn_new_stream(void **state)
{
    (void)state;
    sink_t *k = new_sink();
    tcp_stream_t s;
    tcp_stream_init(&s);
    syn(&s, k, 100, 1);
    feed(&s, k, 100, 0, 10, 2);
    feed(&s, k, 100, 20, 10, 3); /* hole: held */
    syn(&s, k, 100, 4);          /* retransmitted SYN: same stream */
    assert_int_equal(s.counters.streams, 1);
    /* Port reuse: a SYN with another ISN. The old stream's held bytes are
     * delivered past their hole first, then the new stream starts. */
    syn(&s, k, 90000, 5);
    feed(&s, k, 90000, 0, 10, 6);
    assert_int_equal(s.counters.streams, 2);
    assert_int_equal(k->nchunks, 3);
    assert_int_equal(k->chunk[1].flags, TCP_STREAM_GAP);
    assert_int_equal(k->chunk[2].flags, TCP_STREAM_START);
    assert_memory_equal(k->bytes + 20, msg, 10);
    tcp_stream_free(&s);
    free(k);
}

static void test_rst_flushes(void **state)
{
    (void)state;
    sink_t *k = new_sink();
    tcp_stream_t s;
    tcp_stream_init(&s);
    syn(&s, k, 100, 1);
    feed(&s, k, 100, 20, 10, 2);
    assert_int_equal(k->n, 0);
    tcp_stream_tag_t tag = {3, 3000};
    tcp_stream_segment(&s, 100 + 1 + 30, RST, NULL, 0, 0, tag, collect, k);
    assert_int_equal(k->n, 10);
    assert_int_equal(k->chunk[0].flags, TCP_STREAM_GAP | TCP_STREAM_START);
    tcp_stream_free(&s);
    free(k);
}

static void test_truncated_segment(void **state)
{
    (void)state;
    sink_t *k = new_sink();
    tcp_stream_t s;
    tcp_stream_init(&s);
    syn(&s, k, 100, 1);
    /* 100-byte segment of which the capture kept 30: the rest is a gap. */
    tcp_stream_tag_t tag = {2, 2000};
    tcp_stream_segment(&s, 101, 0x10u, msg, 30, 100, tag, collect, k);
    feed(&s, k, 100, 100, 10, 3);
    assert_int_equal(k->n, 40);
    assert_memory_equal(k->bytes + 30, msg + 100, 10);
    assert_int_equal(k->chunk[1].flags, TCP_STREAM_GAP);
    assert_int_equal(s.counters.gaps, 1);
    tcp_stream_free(&s);
    free(k);
}

static void test_data_on_syn_and_fin(void **state)
{
    (void)state;
    sink_t *k = new_sink();
    tcp_stream_t s;
    tcp_stream_init(&s);
    tcp_stream_tag_t tag = {1, 1000};
    tcp_stream_segment(&s, 500, SYN, msg, 5, 5, tag, collect, k); /* TCP Fast Open style */
    tag.packet_no = 2;
    tcp_stream_segment(&s, 506, FIN | 0x10u, msg + 5, 5, 5, tag, collect, k);
    assert_int_equal(k->n, 10);
    assert_memory_equal(k->bytes, msg, 10);
    tcp_stream_free(&s);
    free(k);
}

/* Held memory is what the copies really take (allocator granules) plus the
 * list: 64 one-byte segments take 4,624 bytes, not 64 (issue 6 item 12). */
static void test_held_memory_counted(void **state)
{
    (void)state;
    sink_t *k = new_sink();
    tcp_stream_t s;
    tcp_stream_init(&s);
    syn(&s, k, 9, 1);
    for (size_t i = 0; i < TCP_STREAM_MAX_SEGS; i++)
        feed(&s, k, 9, 2 + 2 * i, 1, 2 + i); /* every other byte: all beyond the hole */
    assert_int_equal(s.nheld, TCP_STREAM_MAX_SEGS);
    assert_int_equal(s.held_bytes, TCP_STREAM_MAX_SEGS);
    assert_int_equal(s.held_mem, TCP_STREAM_MAX_SEGS * 32u +
                                     TCP_STREAM_MAX_SEGS * sizeof(tcp_stream_seg_t) + 16u);
    tcp_stream_flush(&s, collect, k);
    assert_int_equal(s.held_mem, 0);
    assert_int_equal(s.held_bytes, 0);
    tcp_stream_free(&s);
    free(k);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_in_order),
        cmocka_unit_test(test_no_syn_origin),
        cmocka_unit_test(test_out_of_order),
        cmocka_unit_test(test_retransmission_full),
        cmocka_unit_test(test_retransmission_partial),
        cmocka_unit_test(test_hole_flushed_at_end),
        cmocka_unit_test(test_hole_bound_segments),
        cmocka_unit_test(test_hole_bound_bytes),
        cmocka_unit_test(test_hole_timeout),
        cmocka_unit_test(test_seq_wrap),
        cmocka_unit_test(test_held_memory_counted),
        cmocka_unit_test(test_new_syn_new_stream),
        cmocka_unit_test(test_rst_flushes),
        cmocka_unit_test(test_truncated_segment),
        cmocka_unit_test(test_data_on_syn_and_fin),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
