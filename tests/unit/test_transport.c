/* Transport function: segmentation and reassembly (IEEE 1815-2012 clause 8). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dnp3/transport.h"
#include "dnp3test.h"

#define SRC 1024
#define DST 1

static uint8_t apdu[DNP3_FRAGMENT_SIZE_MAX];
static uint8_t rxbuf[DNP3_FRAGMENT_SIZE_MAX];
static uint8_t seg[64 * 1024 / 249 + 2][DNP3_TP_MAX_SEGMENT];
static size_t seg_len[64 * 1024 / 249 + 2];

static void fill(size_t n)
{
    for (size_t i = 0; i < n; i++)
        apdu[i] = (uint8_t)(i * 7u + 3u);
}

/* Segment apdu[0..n) starting at first_seq; returns the number of segments. */
static size_t segment_all(size_t n, uint8_t first_seq, uint8_t *next_seq)
{
    dnp3_tp_segmenter_t s;
    dnp3_tp_segmenter_init(&s, apdu, n, first_seq);
    size_t count = 0;
    for (;;) {
        int rc = dnp3_tp_segmenter_next(&s, seg[count], sizeof seg[count]);
        assert_true(rc >= 0);
        if (rc == 0)
            break;
        seg_len[count++] = (size_t)rc;
        assert_true(count < sizeof seg / sizeof seg[0]);
    }
    assert_true(dnp3_tp_segmenter_done(&s));
    if (next_seq)
        *next_seq = dnp3_tp_segmenter_next_seq(&s);
    return count;
}

static void roundtrip(size_t n, size_t expect_segments, size_t cap)
{
    fill(n);
    uint8_t next = 0;
    size_t count = segment_all(n, 5, &next);
    assert_int_equal(count, expect_segments);
    assert_int_equal(next, (5 + expect_segments) % 64);

    size_t total = 0;
    for (size_t i = 0; i < count; i++) {
        bool first = i == 0, last = i + 1 == count;
        size_t want = last ? n - i * 249 : 249;
        assert_int_equal(seg_len[i], want + 1);
        assert_int_equal(seg[i][0], dnp3_tp_header(first, last, (uint8_t)((5 + i) % 64)));
        assert_int_equal((seg[i][0] & DNP3_TP_FIR) != 0, first);
        assert_int_equal((seg[i][0] & DNP3_TP_FIN) != 0, last);
        assert_int_equal(seg[i][0] & DNP3_TP_SEQ_MASK, (5 + i) % 64);
        total += seg_len[i] - 1;
    }
    assert_int_equal(total, n);

    dnp3_tp_reassembler_t r;
    assert_int_equal(dnp3_tp_reassembler_init(&r, rxbuf, cap), 0);
    dnp3_tp_result_t res;
    for (size_t i = 0; i < count; i++) {
        int rc = dnp3_tp_reassembler_feed(&r, SRC, DST, seg[i], seg_len[i], &res);
        assert_int_equal(res.dropped, 0);
        if (i + 1 < count) {
            assert_int_equal(rc, 0);
            assert_null(res.fragment);
        } else {
            assert_int_equal(rc, 1);
            assert_int_equal(res.len, n);
            assert_ptr_equal(res.fragment, rxbuf);
            assert_memory_equal(res.fragment, apdu, n);
        }
    }
    assert_int_equal(r.counters.segments, count);
    assert_int_equal(r.counters.fragments, count ? 1 : 0);
    assert_int_equal(r.counters.dropped_bytes, 0);
}

/* An empty APDU yields no segment and does not consume a sequence number. */
static void test_roundtrip_empty(void **state)
{
    (void)state;
    uint8_t next = 99;
    assert_int_equal(segment_all(0, 17, &next), 0);
    assert_int_equal(next, 17);
    roundtrip(0, 0, DNP3_FRAGMENT_SIZE_DEFAULT);
}

static void test_roundtrip_sizes(void **state)
{
    (void)state;
    roundtrip(1, 1, DNP3_FRAGMENT_SIZE_DEFAULT);
    roundtrip(248, 1, DNP3_FRAGMENT_SIZE_DEFAULT);
    roundtrip(249, 1, DNP3_FRAGMENT_SIZE_DEFAULT);
    roundtrip(250, 2, DNP3_FRAGMENT_SIZE_DEFAULT);
    roundtrip(498, 2, DNP3_FRAGMENT_SIZE_DEFAULT);
    roundtrip(499, 3, DNP3_FRAGMENT_SIZE_DEFAULT);
    roundtrip(2048, 9, DNP3_FRAGMENT_SIZE_DEFAULT); /* 8 * 249 = 1992, 56 left */
}

static void test_roundtrip_max(void **state)
{
    (void)state;
    /* 65535 = 263 * 249 + 48: 264 segments; the sequence wraps four times. */
    roundtrip(65535, 264, DNP3_FRAGMENT_SIZE_MAX);
}

static void test_single_segment_header(void **state)
{
    (void)state;
    /* Read class 1,2,3,0 (DNP3-FACTS 1.7): one segment, header C0|seq. */
    static const uint8_t req[] = {0xC3, 0x01, 0x3C, 0x02, 0x06, 0x3C, 0x03,
                                  0x06, 0x3C, 0x04, 0x06, 0x3C, 0x01, 0x06};
    dnp3_tp_segmenter_t s;
    dnp3_tp_segmenter_init(&s, req, sizeof req, 0x41); /* seq taken mod 64 -> 1 */
    uint8_t out[DNP3_TP_MAX_SEGMENT];
    assert_int_equal(dnp3_tp_segmenter_next(&s, out, sizeof out), 15);
    assert_hex_equal(out, 15, "C1  C3 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    assert_int_equal(dnp3_tp_segmenter_next(&s, out, sizeof out), 0);
    assert_int_equal(dnp3_tp_segmenter_next_seq(&s), 2);
    assert_int_equal(dnp3_tp_header(true, true, 63), 0xFF);
    assert_int_equal(dnp3_tp_header(false, false, 64), 0x00);
    assert_int_equal(dnp3_tp_header(true, false, 1), 0x41);
    assert_int_equal(dnp3_tp_header(false, true, 2), 0x82);
}

static void test_segmenter_nospace(void **state)
{
    (void)state;
    fill(300);
    dnp3_tp_segmenter_t s;
    dnp3_tp_segmenter_init(&s, apdu, 300, 0);
    uint8_t out[DNP3_TP_MAX_SEGMENT];
    assert_int_equal(dnp3_tp_segmenter_next(&s, out, 249), DNP3_E_NOSPACE);
    assert_int_equal(dnp3_tp_segmenter_next_seq(&s), 0); /* nothing consumed */
    assert_int_equal(dnp3_tp_segmenter_next(&s, out, 250), 250);
    assert_int_equal(out[0], 0x40);
    assert_int_equal(dnp3_tp_segmenter_next(&s, out, 51), DNP3_E_NOSPACE);
    assert_int_equal(dnp3_tp_segmenter_next(&s, out, 52), 52);
    assert_int_equal(out[0], 0x81);
    assert_int_equal(dnp3_tp_segmenter_next(&s, NULL, 52), DNP3_E_INVALID_ARG);
}

/* The counter runs on per sender across APDUs and wraps 63 -> 0. */
static void test_sequence_wrap(void **state)
{
    (void)state;
    fill(600);
    uint8_t next = 0;
    assert_int_equal(segment_all(600, 62, &next), 3);
    assert_int_equal(seg[0][0], 0x40 | 62);
    assert_int_equal(seg[1][0], 0x00 | 63);
    assert_int_equal(seg[2][0], 0x80 | 0);
    assert_int_equal(next, 1);

    dnp3_tp_reassembler_t r;
    dnp3_tp_reassembler_init(&r, rxbuf, DNP3_FRAGMENT_SIZE_DEFAULT);
    dnp3_tp_result_t res;
    assert_int_equal(dnp3_tp_reassembler_feed(&r, SRC, DST, seg[0], seg_len[0], &res), 0);
    assert_int_equal(dnp3_tp_reassembler_feed(&r, SRC, DST, seg[1], seg_len[1], &res), 0);
    assert_int_equal(dnp3_tp_reassembler_feed(&r, SRC, DST, seg[2], seg_len[2], &res), 1);
    assert_int_equal(res.len, 600);
    assert_memory_equal(res.fragment, apdu, 600);

    /* The next APDU continues at 1, not 0: the FIR does not reset it. */
    assert_int_equal(segment_all(10, next, &next), 1);
    assert_int_equal(seg[0][0], 0xC1);
    assert_int_equal(next, 2);
}

static void test_limit_2048(void **state)
{
    (void)state;
    roundtrip(2048, 9, 2048);

    /* 2049 octets into a 2048 buffer: the 9th segment overflows. */
    fill(2049);
    size_t count = segment_all(2049, 0, NULL);
    assert_int_equal(count, 9);
    dnp3_tp_reassembler_t r;
    dnp3_tp_reassembler_init(&r, rxbuf, 2048);
    dnp3_tp_result_t res;
    for (size_t i = 0; i < 8; i++)
        assert_int_equal(dnp3_tp_reassembler_feed(&r, SRC, DST, seg[i], seg_len[i], &res), 0);
    assert_int_equal(dnp3_tp_reassembler_feed(&r, SRC, DST, seg[8], seg_len[8], &res),
                     DNP3_E_TP_OVERFLOW);
    assert_int_equal(res.dropped, DNP3_E_TP_OVERFLOW);
    assert_int_equal(res.dropped_bytes, 2049); /* 1992 partial + 57 in the segment */
    assert_null(res.fragment);
    assert_int_equal(r.counters.overflow, 1);
    assert_int_equal(r.counters.fragments, 0);
    assert_false(r.in_progress);
    /* The partial fragment is gone: a non-FIR now has nothing to join. */
    assert_int_equal(dnp3_tp_reassembler_feed(&r, SRC, DST, seg[8], seg_len[8], &res),
                     DNP3_E_TP_NO_FIR);
}

static void test_init_args(void **state)
{
    (void)state;
    dnp3_tp_reassembler_t r;
    assert_int_equal(dnp3_tp_reassembler_init(&r, rxbuf, 0), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_tp_reassembler_init(&r, rxbuf, 65536), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_tp_reassembler_init(&r, NULL, 10), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_tp_reassembler_init(NULL, rxbuf, 10), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_tp_reassembler_init(&r, rxbuf, 65535), 0);
    assert_int_equal(dnp3_tp_reassembler_feed(&r, SRC, DST, NULL, 3, NULL), DNP3_E_INVALID_ARG);
}

static int feed(dnp3_tp_reassembler_t *r, uint16_t src, uint16_t dst, uint8_t th, size_t plen,
                uint8_t fillv, dnp3_tp_result_t *res)
{
    uint8_t b[DNP3_TP_MAX_SEGMENT];
    b[0] = th;
    memset(b + 1, fillv, plen);
    return dnp3_tp_reassembler_feed(r, src, dst, b, plen + 1, res);
}

static void test_empty_tpdu(void **state)
{
    (void)state;
    dnp3_tp_reassembler_t r;
    dnp3_tp_reassembler_init(&r, rxbuf, 100);
    dnp3_tp_result_t res;
    assert_int_equal(feed(&r, SRC, DST, 0x40, 5, 0xAA, &res), 0);
    assert_int_equal(dnp3_tp_reassembler_feed(&r, SRC, DST, rxbuf, 0, &res), DNP3_E_TP_EMPTY);
    assert_int_equal(res.dropped, DNP3_E_TP_EMPTY);
    assert_int_equal(res.dropped_bytes, 0);
    assert_int_equal(r.counters.empty, 1);
    /* The series is untouched. */
    assert_int_equal(feed(&r, SRC, DST, 0x81, 2, 0xBB, &res), 1);
    assert_int_equal(res.len, 7);
    /* A header-only FIR|FIN is a complete (empty) fragment. */
    assert_int_equal(feed(&r, SRC, DST, 0xC2, 0, 0, &res), 1);
    assert_int_equal(res.len, 0);
}

static void test_fir_restart(void **state)
{
    (void)state;
    dnp3_tp_reassembler_t r;
    dnp3_tp_reassembler_init(&r, rxbuf, 1000);
    dnp3_tp_result_t res;
    assert_int_equal(feed(&r, SRC, DST, 0x40 | 10, 249, 0x11, &res), 0);
    assert_int_equal(feed(&r, SRC, DST, 0x00 | 11, 100, 0x22, &res), 0);
    /* A new FIR (any SEQ) throws the 349 octets away and starts over. */
    assert_int_equal(feed(&r, SRC, DST, 0x40 | 30, 20, 0x33, &res), 0);
    assert_int_equal(res.dropped, DNP3_E_TP_FIR_RESTART);
    assert_int_equal(res.dropped_bytes, 349);
    assert_int_equal(feed(&r, SRC, DST, 0x80 | 31, 5, 0x44, &res), 1);
    assert_int_equal(res.dropped, 0);
    assert_int_equal(res.len, 25);
    assert_int_equal(res.fragment[0], 0x33);
    assert_int_equal(res.fragment[19], 0x33);
    assert_int_equal(res.fragment[20], 0x44);
    assert_int_equal(r.counters.fir_restart, 1);
    assert_int_equal(r.counters.dropped_bytes, 349);
    /* FIR|FIN while a series runs: restart reported, fragment completes. */
    assert_int_equal(feed(&r, SRC, DST, 0x40 | 1, 3, 0x55, &res), 0);
    assert_int_equal(feed(&r, SRC, DST, 0xC0 | 9, 4, 0x66, &res), 1);
    assert_int_equal(res.dropped, DNP3_E_TP_FIR_RESTART);
    assert_int_equal(res.dropped_bytes, 3);
    assert_int_equal(res.len, 4);
    assert_int_equal(r.counters.fir_restart, 2);
    assert_int_equal(r.counters.fragments, 2);
}

static void test_out_of_sequence(void **state)
{
    (void)state;
    dnp3_tp_reassembler_t r;
    dnp3_tp_reassembler_init(&r, rxbuf, 1000);
    dnp3_tp_result_t res;
    assert_int_equal(feed(&r, SRC, DST, 0x40 | 63, 249, 0x11, &res), 0);
    assert_int_equal(feed(&r, SRC, DST, 0x00 | 0, 249, 0x22, &res), 0); /* 63 -> 0 ok */
    /* SEQ 2 where 1 was expected: segment 1 is lost, fragment abandoned. */
    assert_int_equal(feed(&r, SRC, DST, 0x80 | 2, 10, 0x33, &res), DNP3_E_TP_SEQUENCE);
    assert_int_equal(res.dropped, DNP3_E_TP_SEQUENCE);
    assert_int_equal(res.dropped_bytes, 498 + 10);
    assert_int_equal(r.counters.sequence, 1);
    assert_false(r.in_progress);
    /* The expected SEQ arriving late cannot resurrect it. */
    assert_int_equal(feed(&r, SRC, DST, 0x80 | 1, 10, 0x33, &res), DNP3_E_TP_NO_FIR);
    assert_int_equal(r.counters.no_fir, 1);
    assert_int_equal(r.counters.fragments, 0);
    assert_int_equal(r.counters.dropped_bytes, 498 + 10 + 10);
}

static void test_no_fir(void **state)
{
    (void)state;
    dnp3_tp_reassembler_t r;
    dnp3_tp_reassembler_init(&r, rxbuf, 100);
    dnp3_tp_result_t res;
    assert_int_equal(feed(&r, SRC, DST, 0x80 | 5, 7, 0, &res), DNP3_E_TP_NO_FIR);
    assert_int_equal(res.dropped, DNP3_E_TP_NO_FIR);
    assert_int_equal(res.dropped_bytes, 7);
    assert_null(res.fragment);
    assert_int_equal(feed(&r, SRC, DST, 0x00 | 6, 7, 0, NULL), DNP3_E_TP_NO_FIR);
    /* After a completed fragment, a non-FIR has nothing to join either. */
    assert_int_equal(feed(&r, SRC, DST, 0xC0 | 7, 7, 0, &res), 1);
    assert_int_equal(feed(&r, SRC, DST, 0x80 | 8, 7, 0, &res), DNP3_E_TP_NO_FIR);
    assert_int_equal(r.counters.no_fir, 3);
    assert_int_equal(r.counters.segments, 4);
}

static void test_address_mismatch(void **state)
{
    (void)state;
    dnp3_tp_reassembler_t r;
    dnp3_tp_reassembler_init(&r, rxbuf, 100);
    dnp3_tp_result_t res;
    assert_int_equal(feed(&r, SRC, DST, 0x40 | 0, 10, 0x11, &res), 0);
    assert_int_equal(feed(&r, SRC + 1, DST, 0x80 | 1, 4, 0x99, &res), DNP3_E_TP_ADDRESS);
    assert_int_equal(res.dropped, DNP3_E_TP_ADDRESS);
    assert_int_equal(res.dropped_bytes, 4);
    assert_int_equal(feed(&r, SRC, DST + 1, 0x80 | 1, 4, 0x99, &res), DNP3_E_TP_ADDRESS);
    assert_int_equal(r.counters.address, 2);
    /* The series from the right peer goes on. */
    assert_int_equal(feed(&r, SRC, DST, 0x80 | 1, 4, 0x22, &res), 1);
    assert_int_equal(res.len, 14);
    assert_int_equal(res.fragment[9], 0x11);
    assert_int_equal(res.fragment[10], 0x22);
    assert_int_equal(res.fragment[13], 0x22);
    /* A FIR from another address starts a new series for that address. */
    assert_int_equal(feed(&r, SRC, DST, 0x40 | 2, 3, 0x11, &res), 0);
    assert_int_equal(feed(&r, 7, 8, 0x40 | 40, 3, 0x77, &res), 0);
    assert_int_equal(res.dropped, DNP3_E_TP_FIR_RESTART);
    assert_int_equal(feed(&r, SRC, DST, 0x80 | 3, 3, 0x11, &res), DNP3_E_TP_ADDRESS);
    assert_int_equal(feed(&r, 7, 8, 0x80 | 41, 3, 0x77, &res), 1);
    assert_int_equal(res.len, 6);
}

static void test_duplicate_segment(void **state)
{
    (void)state;
    dnp3_tp_reassembler_t r;
    dnp3_tp_reassembler_init(&r, rxbuf, 100);
    dnp3_tp_result_t res;
    assert_int_equal(feed(&r, SRC, DST, 0x40 | 20, 5, 0x11, &res), 0);
    assert_int_equal(feed(&r, SRC, DST, 0x00 | 21, 5, 0x22, &res), 0);
    /* The same segment again (link retry): dropped, series kept. */
    assert_int_equal(feed(&r, SRC, DST, 0x00 | 21, 5, 0x22, &res), DNP3_E_TP_DUPLICATE);
    assert_int_equal(res.dropped, DNP3_E_TP_DUPLICATE);
    assert_int_equal(res.dropped_bytes, 5);
    assert_true(r.in_progress);
    assert_int_equal(r.counters.duplicate, 1);
    assert_int_equal(feed(&r, SRC, DST, 0x80 | 22, 5, 0x33, &res), 1);
    assert_int_equal(res.len, 15);
    assert_int_equal(res.fragment[5], 0x22);
    assert_int_equal(res.fragment[10], 0x33);
    /* A repeated FIR is not a duplicate: it restarts (rule 2). */
    assert_int_equal(feed(&r, SRC, DST, 0x40 | 23, 5, 0x44, &res), 0);
    assert_int_equal(feed(&r, SRC, DST, 0x40 | 23, 5, 0x44, &res), 0);
    assert_int_equal(res.dropped, DNP3_E_TP_FIR_RESTART);
    assert_int_equal(res.dropped_bytes, 5);
}

static void test_reset(void **state)
{
    (void)state;
    dnp3_tp_reassembler_t r;
    dnp3_tp_reassembler_init(&r, rxbuf, 100);
    dnp3_tp_result_t res;
    assert_int_equal(feed(&r, SRC, DST, 0x40 | 0, 5, 0x11, &res), 0);
    dnp3_tp_reassembler_reset(&r);
    assert_int_equal(feed(&r, SRC, DST, 0x80 | 1, 5, 0x11, &res), DNP3_E_TP_NO_FIR);
    assert_int_equal(dnp3_tp_reassembler_counters(&r)->segments, 2);
    assert_int_equal(dnp3_tp_reassembler_counters(&r)->no_fir, 1);
}

static void test_overflow_single_segment(void **state)
{
    (void)state;
    dnp3_tp_reassembler_t r;
    dnp3_tp_reassembler_init(&r, rxbuf, 10);
    dnp3_tp_result_t res;
    assert_int_equal(feed(&r, SRC, DST, 0xC0, 10, 0x11, &res), 1); /* exactly cap */
    assert_int_equal(res.len, 10);
    assert_int_equal(feed(&r, SRC, DST, 0xC1, 11, 0x11, &res), DNP3_E_TP_OVERFLOW);
    assert_int_equal(res.dropped_bytes, 11);
    assert_int_equal(r.counters.overflow, 1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_roundtrip_empty),
        cmocka_unit_test(test_roundtrip_sizes),
        cmocka_unit_test(test_roundtrip_max),
        cmocka_unit_test(test_single_segment_header),
        cmocka_unit_test(test_segmenter_nospace),
        cmocka_unit_test(test_sequence_wrap),
        cmocka_unit_test(test_limit_2048),
        cmocka_unit_test(test_init_args),
        cmocka_unit_test(test_empty_tpdu),
        cmocka_unit_test(test_fir_restart),
        cmocka_unit_test(test_out_of_sequence),
        cmocka_unit_test(test_no_fir),
        cmocka_unit_test(test_address_mismatch),
        cmocka_unit_test(test_duplicate_segment),
        cmocka_unit_test(test_reset),
        cmocka_unit_test(test_overflow_single_segment),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
