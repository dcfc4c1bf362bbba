/* Qualifier codes (IEEE 1815-2012 4.2.2.7.3/4): every prefix x range
 * combination, reserved codes, truncation and hostile counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dnp3/app.h"

static void put_le(uint8_t *p, int n, uint32_t v)
{
    for (int i = 0; i < n; i++)
        p[i] = (uint8_t)(v >> (8 * i));
}

static bool expect_valid(uint8_t q)
{
    uint8_t prefix = (q >> 4) & 7, range = q & 0xF;
    if (q & 0x80 || prefix == 7 || range == 0xA || range > 0xB)
        return false;
    if (range == 6 && prefix != 0)
        return false;
    if (range == 0xB && prefix < 4)
        return false;
    return true;
}

/* Every one of the 256 qualifier bytes is classified as the standard says. */
static void test_every_qualifier_byte(void **state)
{
    (void)state;
    unsigned valid = 0;
    for (unsigned q = 0; q < 256; q++) {
        bool ok = expect_valid((uint8_t)q);
        assert_int_equal(dnp3_qualifier_check((uint8_t)q) == DNP3_OK, ok);
        assert_int_equal(dnp3_qualifier_range_size((uint8_t)q) >= 0, ok);
        valid += ok;
        if (!ok) {
            /* a reserved qualifier stops parsing at the qualifier byte */
            uint8_t f[] = {0xC0, 0x81, 0x00, 0x00, 30, 1, (uint8_t)q, 0, 0, 0, 0, 0, 0, 0, 0};
            dnp3_app_header_t h;
            dnp3_app_header_read(f, sizeof f, &h);
            dnp3_obj_iter_t it;
            dnp3_obj_header_t oh;
            dnp3_obj_iter_init(&it, f, sizeof f, &h);
            assert_int_equal(dnp3_obj_iter_next(&it, &oh), DNP3_E_APP_QUALIFIER);
            assert_int_equal(it.diag.offset, 6);
            assert_true(oh.partial);
            assert_int_equal(oh.group, 30);
            assert_int_equal(oh.qualifier, q);
        }
    }
    /* prefix 0-6 x ranges 0-9 minus (1-6 x 6), plus prefix 4-6 x 0xB */
    assert_int_equal(valid, 7 * 10 - 6 + 3);
    assert_int_equal(dnp3_qualifier_range_size(0x17), 1);
    assert_int_equal(dnp3_qualifier_range_size(0x28), 2);
    assert_int_equal(dnp3_qualifier_range_size(0x39), 4);
    assert_int_equal(dnp3_qualifier_range_size(0x5B), 1);
    assert_int_equal(dnp3_qualifier_range_size(0x02), 8);
    assert_int_equal(dnp3_qualifier_prefix_size(0x5B), 2);
    assert_int_equal(dnp3_qualifier_prefix_size(0x39), 4);
    assert_int_equal(dnp3_qualifier_prefix_size(0x6B), 4);
}

/* Build a response holding 3 g30v1 objects (5 bytes each) under qualifier q,
 * by hand from the definitions, and check the parsed header and indices. */
static void test_every_valid_combination(void **state)
{
    (void)state;
    static const int rsz[12] = {2, 4, 8, 1, 2, 4, 0, 1, 2, 4, -1, 1};
    static const int psz[7] = {0, 1, 2, 4, 1, 2, 4};
    unsigned combos = 0;
    for (unsigned prefix = 0; prefix <= 6; prefix++) {
        for (unsigned range = 0; range <= 0xB; range++) {
            uint8_t q = (uint8_t)(prefix << 4 | range);
            if (!expect_valid(q))
                continue;
            combos++;
            uint8_t f[128] = {0xC0, 0x81, 0x00, 0x00, 30, 1, q};
            size_t n = 7;
            uint32_t count = (range >= 3 && range <= 5) ? 1 : 3;
            uint32_t start = 250; /* fits every range field */
            int rs = rsz[range], ps = psz[prefix];
            if (range <= 2) {
                put_le(f + n, rs / 2, start);
                put_le(f + n + rs / 2, rs / 2, start + count - 1);
            } else if (range <= 5) {
                put_le(f + n, rs, start);
            } else if (range != 6) {
                put_le(f + n, rs, count);
            }
            n += (size_t)rs;
            if (range == 6) {
                f[1] = DNP3_FC_READ; /* "all objects": a request, no data */
                f[2] = 30, f[3] = 1, f[4] = q;
                n = 5;
                count = 0;
            } else {
                for (uint32_t i = 0; i < count; i++) {
                    if (prefix >= 1 && prefix <= 3)
                        put_le(f + n, ps, 1000 * prefix + i);
                    else if (prefix >= 4)
                        put_le(f + n, ps, 5);
                    n += (size_t)ps;
                    f[n] = 0x01;
                    put_le(f + n + 1, 4, 0x100 + i);
                    n += 5;
                }
            }
            if (prefix == 1)
                for (uint32_t i = 0; i < count; i++) /* 1-byte indices */
                    f[7 + rs + i * 6] = (uint8_t)(10 + i);
            dnp3_app_header_t h;
            int hs = dnp3_app_header_read(f, n, &h);
            assert_true(hs > 0);
            dnp3_obj_iter_t it;
            dnp3_obj_header_t oh;
            dnp3_obj_iter_init(&it, f, n, &h);
            int rc = dnp3_obj_iter_next(&it, &oh);
            if (rc != 1)
                fail_msg("q%02X: %s at %zu", q, dnp3_error_name(rc), it.diag.offset);
            assert_int_equal(oh.prefix_code, prefix);
            assert_int_equal(oh.range_code, range);
            assert_int_equal(oh.count, count);
            assert_int_equal(oh.has_range, range <= 5);
            if (range <= 5)
                assert_int_equal(oh.start, start);
            assert_int_equal(oh.data_len, n - (size_t)(hs + 3 + rs));
            dnp3_point_iter_t pi;
            dnp3_point_t pt;
            dnp3_point_iter_init(&pi, &oh, &it);
            for (uint32_t i = 0; i < count; i++) {
                assert_int_equal(dnp3_point_iter_next(&pi, &pt), 1);
                uint32_t want_index = prefix == 1                  ? 10 + i
                                      : prefix <= 3 && prefix >= 2 ? 1000 * prefix + i
                                                                   : (range <= 5 ? start : 0) + i;
                if (prefix == 3)
                    want_index = 3000 + i;
                assert_int_equal(pt.index, want_index);
                assert_int_equal(pt.v.analog_i, 0x100 + (int)i);
                assert_int_equal(pt.flags, 0x01);
            }
            assert_int_equal(dnp3_point_iter_next(&pi, &pt), 0);
            assert_int_equal(dnp3_obj_iter_next(&it, &oh), 0);
        }
    }
    assert_int_equal(combos, 67);
}

static int parse_all(const uint8_t *f, size_t n, dnp3_obj_iter_t *it, unsigned *headers,
                     unsigned *points)
{
    dnp3_app_header_t h;
    int rc = dnp3_app_header_read(f, n, &h);
    if (rc < 0)
        return rc;
    dnp3_obj_header_t oh;
    dnp3_obj_iter_init(it, f, n, &h);
    *headers = *points = 0;
    while ((rc = dnp3_obj_iter_next(it, &oh)) == 1) {
        (*headers)++;
        dnp3_point_iter_t pi;
        dnp3_point_t pt;
        dnp3_point_iter_init(&pi, &oh, it);
        int r2;
        while ((r2 = dnp3_point_iter_next(&pi, &pt)) == 1)
            (*points)++;
        if (r2 < 0)
            return r2;
    }
    return rc;
}

/* Cutting a valid fragment at every byte either ends cleanly at a header
 * boundary or fails with an offset inside the cut fragment. */
static void test_truncation_every_byte(void **state)
{
    (void)state;
    static const uint8_t v1[] = {0xC3, 0x01, 0x3C, 0x02, 0x06, 0x3C, 0x03,
                                 0x06, 0x3C, 0x04, 0x06, 0x3C, 0x01, 0x06};
    static const uint8_t v2[] = {0xC1, 0x05, 0x0C, 0x01, 0x28, 0x01, 0x00, 0x03, 0x00, 0x01,
                                 0x01, 0x64, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00};
    static const uint8_t v3[] = {0xE1, 0x81, 0x00, 0x00, 0x33, 0x01, 0x07, 0x01,
                                 0xE8, 0x03, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03,
                                 0x28, 0x01, 0x00, 0x05, 0x00, 0x81, 0x0A, 0x00};
    /* g1v1 0..9 packed, g0v252 VSTR, g70v5 free format, g32v3 0x17 */
    static const uint8_t v4[] = {0xC0, 0x81, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x09, 0xA5, 0x01,
                                 0x00, 0xFC, 0x00, 0x00, 0x00, 0x01, 0x02, 'h',  'i',  0x46, 0x05,
                                 0x5B, 0x01, 0x09, 0x00, 1,    2,    3,    4,    0,    0,    0,
                                 0x80, 'x',  0x20, 0x03, 0x17, 0x01, 0x07, 0x01, 1,    2,    3,
                                 4,    1,    2,    3,    4,    5,    6};
    const struct {
        const uint8_t *p;
        size_t n;
        unsigned headers, points;
    } v[] = {{v1, sizeof v1, 4, 0},
             {v2, sizeof v2, 1, 1},
             {v3, sizeof v3, 2, 2},
             {v4, sizeof v4, 4, 13}};
    for (size_t k = 0; k < sizeof v / sizeof v[0]; k++) {
        dnp3_obj_iter_t it;
        unsigned hs, ps;
        assert_int_equal(parse_all(v[k].p, v[k].n, &it, &hs, &ps), 0);
        assert_int_equal(hs, v[k].headers);
        assert_int_equal(ps, v[k].points);
        for (size_t n = 0; n < v[k].n; n++) {
            /* an exact-size copy so ASan sees any over-read */
            uint8_t cut[64];
            memcpy(cut, v[k].p, n);
            int rc = parse_all(cut, n, &it, &hs, &ps);
            if (rc < 0) {
                if (rc != DNP3_E_APP_SHORT) {
                    assert_true(it.diag.offset <= n);
                    assert_true(it.diag.offset >= 2);
                    assert_int_equal(it.diag.code, rc);
                }
            } else {
                assert_true(hs < v[k].headers); /* stopped at a header boundary */
            }
        }
    }
}

static int first_header(const uint8_t *f, size_t n, dnp3_obj_iter_t *it)
{
    dnp3_app_header_t h;
    dnp3_obj_header_t oh;
    dnp3_app_header_read(f, n, &h);
    dnp3_obj_iter_init(it, f, n, &h);
    return dnp3_obj_iter_next(it, &oh);
}

/* Counts far beyond the bytes present are rejected before any loop. No
 * timing is asserted (the machine is shared): an implementation that walked
 * 2^32-1 objects would instead hang here until ctest's timeout fails it. */
static void test_absurd_counts(void **state)
{
    (void)state;
    dnp3_obj_iter_t it;
    /* g30v1 count32 = 0xFFFFFFFF */
    static const uint8_t a[] = {0xC0, 0x81, 0, 0, 30, 1, 0x09, 0xFF, 0xFF, 0xFF, 0xFF, 1, 2, 3};
    assert_int_equal(first_header(a, sizeof a, &it), DNP3_E_APP_OBJECT_DATA);
    assert_int_equal(it.diag.offset, 11);
    /* g1v1 packed 0 .. 0xFFFFFFFE */
    static const uint8_t b[] = {0xC0, 0x81, 0,    0,    1,    1,    0x02, 0,   0,
                                0,    0,    0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF};
    assert_int_equal(first_header(b, sizeof b, &it), DNP3_E_APP_OBJECT_DATA);
    /* 0 .. 0xFFFFFFFF is 2^32 objects: does not fit a count */
    static const uint8_t c[] = {0xC0, 0x01, 1, 2, 0x02, 0, 0, 0, 0, 0xFF, 0xFF, 0xFF, 0xFF};
    assert_int_equal(first_header(c, sizeof c, &it), DNP3_E_APP_COUNT);
    /* free format 0x6B (4-byte size prefix, count u8 255), 1 byte of data */
    static const uint8_t d[] = {0xC0, 0x81, 0, 0, 70, 5, 0x6B, 0xFF, 1, 0, 0, 0, 0xAA};
    assert_int_equal(first_header(d, sizeof d, &it), DNP3_E_APP_COUNT);
    /* g0 attributes, count16 = 65535 */
    static const uint8_t e[] = {0xC0, 0x81, 0, 0, 0, 240, 0x08, 0xFF, 0xFF, 2, 1, 9};
    assert_int_equal(first_header(e, sizeof e, &it), DNP3_E_APP_COUNT);
    /* READ of an index list: 0x39 count 2^32-1 with no indices */
    static const uint8_t g[] = {0xC0, 0x01, 30, 0, 0x39, 0xFF, 0xFF, 0xFF, 0xFF, 1, 0, 0, 0};
    assert_int_equal(first_header(g, sizeof g, &it), DNP3_E_APP_OBJECT_DATA);
    /* stop below start */
    static const uint8_t r[] = {0xC0, 0x01, 30, 1, 0x00, 5, 4};
    assert_int_equal(first_header(r, sizeof r, &it), DNP3_E_APP_RANGE);
    assert_int_equal(it.diag.offset, 5);
}

/* Qualifiers that do not fit the object. */
static void test_qualifier_object_mismatch(void **state)
{
    (void)state;
    dnp3_obj_iter_t it;
    /* g70v3 (free format) with a count qualifier and no size prefix */
    static const uint8_t a[] = {0xC0, 0x19, 70, 3, 0x07, 1, 0, 0, 0};
    assert_int_equal(first_header(a, sizeof a, &it), DNP3_E_APP_QUALIFIER_OBJECT);
    /* g30v1 with a 0x5B size prefix that contradicts its 5 bytes */
    static const uint8_t b[] = {0xC0, 0x81, 0, 0, 30, 1, 0x5B, 1, 4, 0, 1, 2, 3, 4};
    assert_int_equal(first_header(b, sizeof b, &it), DNP3_E_APP_FREE_FORMAT);
    /* ... and one that agrees is fine */
    static const uint8_t c[] = {0xC0, 0x81, 0, 0, 30, 1, 0x5B, 1, 5, 0, 1, 2, 3, 4, 5};
    assert_int_equal(first_header(c, sizeof c, &it), 1);
    /* unknown object with data: cannot be sized */
    static const uint8_t d[] = {0xC0, 0x81, 0, 0, 99, 1, 0x00, 0, 0, 1};
    assert_int_equal(first_header(d, sizeof d, &it), DNP3_E_APP_OBJECT_UNKNOWN);
    assert_int_equal(it.diag.offset, 4);
    /* ... unless it carries size prefixes: then it is skipped as raw bytes */
    static const uint8_t e[] = {0xC0, 0x81, 0, 0, 99, 1, 0x5B, 1, 2, 0, 0xAB, 0xCD, 60, 1, 6};
    dnp3_app_header_t h;
    dnp3_obj_header_t oh;
    dnp3_app_header_read(e, sizeof e, &h);
    dnp3_obj_iter_init(&it, e, sizeof e, &h);
    assert_int_equal(dnp3_obj_iter_next(&it, &oh), 1);
    assert_null(oh.info);
    dnp3_point_iter_t pi;
    dnp3_point_t pt;
    dnp3_point_iter_init(&pi, &oh, &it);
    assert_int_equal(dnp3_point_iter_next(&pi, &pt), 1);
    assert_int_equal(pt.type, DNP3_VT_NONE);
    assert_int_equal(pt.v.bytes.len, 2);
    assert_int_equal(pt.v.bytes.data[0], 0xAB);
    assert_int_equal(dnp3_obj_iter_next(&it, &oh), 1);
    assert_int_equal(oh.group, 60);
    /* after an error the iterator stays stopped and repeats the error */
    assert_int_equal(first_header(d, sizeof d, &it), DNP3_E_APP_OBJECT_UNKNOWN);
    assert_int_equal(dnp3_obj_iter_next(&it, &oh), DNP3_E_APP_OBJECT_UNKNOWN);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_qualifier_byte),
        cmocka_unit_test(test_every_valid_combination),
        cmocka_unit_test(test_truncation_every_byte),
        cmocka_unit_test(test_absurd_counts),
        cmocka_unit_test(test_qualifier_object_mismatch),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
