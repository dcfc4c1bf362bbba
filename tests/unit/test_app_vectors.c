/* Hand-written byte vectors (shared/DNP3-FACTS.md sections 4-10) decoded and
 * re-encoded byte for byte. Several of these objects are ones tshark 4.0
 * cannot check (TSHARK.md: g43v1/v3, g50v2, g52v1, g70v2/v7/v8, g112/g113,
 * FC 11 objects), so these vectors are the independent check. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dnp3/app.h"
#include "dnp3test.h"

typedef struct {
    dnp3_app_header_t ah;
    dnp3_obj_iter_t it;
    dnp3_obj_header_t oh;
    dnp3_point_iter_t pi;
} parser_t;

static void open_frag(parser_t *p, const uint8_t *f, size_t n)
{
    assert_true(dnp3_app_header_read(f, n, &p->ah) > 0);
    dnp3_obj_iter_init(&p->it, f, n, &p->ah);
}

static void next_header(parser_t *p, uint8_t g, uint8_t v, uint8_t q, uint32_t count)
{
    int rc = dnp3_obj_iter_next(&p->it, &p->oh);
    if (rc != 1)
        fail_msg("expected g%uv%u: %s at %zu", g, v, dnp3_error_name(rc), p->it.diag.offset);
    assert_int_equal(p->oh.group, g);
    assert_int_equal(p->oh.variation, v);
    assert_int_equal(p->oh.qualifier, q);
    assert_int_equal(p->oh.count, count);
    dnp3_point_iter_init(&p->pi, &p->oh, &p->it);
}

static void next_point(parser_t *p, dnp3_point_t *pt)
{
    int rc = dnp3_point_iter_next(&p->pi, pt);
    if (rc != 1)
        fail_msg("point: %d %s", rc, dnp3_error_name(rc));
}

static void end(parser_t *p)
{
    dnp3_point_t pt;
    assert_int_equal(dnp3_point_iter_next(&p->pi, &pt), 0);
    assert_int_equal(dnp3_obj_iter_next(&p->it, &p->oh), 0);
}

/* Re-encode each point of a one-header fragment and compare bytes. */
static void reencode(const uint8_t *f, size_t n)
{
    parser_t p;
    uint8_t out[512];
    dnp3_app_writer_t w;
    dnp3_point_t pt;
    open_frag(&p, f, n);
    dnp3_app_writer_init(&w, out, sizeof out);
    if (p.ah.has_iin)
        assert_int_equal(dnp3_app_write_response(&w, p.ah.control, p.ah.func, p.ah.iin), 0);
    else
        assert_int_equal(dnp3_app_write_request(&w, p.ah.control, p.ah.func), 0);
    int rc;
    while ((rc = dnp3_obj_iter_next(&p.it, &p.oh)) == 1) {
        uint32_t a = p.oh.has_range ? p.oh.start : p.oh.count, b = p.oh.stop;
        assert_int_equal(
            dnp3_app_write_header(&w, p.oh.group, p.oh.variation, p.oh.qualifier, a, b), 0);
        dnp3_point_iter_init(&p.pi, &p.oh, &p.it);
        while (dnp3_point_iter_next(&p.pi, &pt) == 1) {
            /* relative times are re-derived from the absolute time + CTO */
            if (pt.has_rel && pt.has_time)
                pt.has_rel = false;
            assert_int_equal(dnp3_app_write_point(&w, &pt), 0);
        }
    }
    assert_int_equal(rc, 0);
    assert_int_equal(dnp3_app_writer_finish(&w), (int)n);
    assert_memory_equal(out, f, n);
}

static void test_read_class_1230(void **state)
{
    (void)state;
    static const uint8_t f[] = {0xC3, 0x01, 0x3C, 0x02, 0x06, 0x3C, 0x03,
                                0x06, 0x3C, 0x04, 0x06, 0x3C, 0x01, 0x06};
    parser_t p;
    open_frag(&p, f, sizeof f);
    assert_int_equal(p.ah.func, DNP3_FC_READ);
    for (uint8_t v = 2; v <= 4; v++) {
        next_header(&p, 60, v, 0x06, 0);
        assert_false(p.oh.has_data);
        assert_string_equal(p.oh.info->name, v == 2   ? "Class Objects - Class 1 Data"
                                             : v == 3 ? "Class Objects - Class 2 Data"
                                                      : "Class Objects - Class 3 Data");
    }
    next_header(&p, 60, 1, 0x06, 0);
    assert_int_equal(p.oh.offset, 11);
    end(&p);
    reencode(f, sizeof f);
}

static void test_crob_direct_operate(void **state)
{
    (void)state;
    static const uint8_t f[] = {0xC1, 0x05, 0x0C, 0x01, 0x28, 0x01, 0x00, 0x03, 0x00, 0x01,
                                0x01, 0x64, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00};
    parser_t p;
    dnp3_point_t pt;
    open_frag(&p, f, sizeof f);
    next_header(&p, 12, 1, 0x28, 1);
    next_point(&p, &pt);
    assert_int_equal(pt.index, 3);
    assert_int_equal(pt.type, DNP3_VT_CROB);
    assert_int_equal(pt.v.crob.code, 0x01);
    assert_int_equal(pt.v.crob.count, 1);
    assert_int_equal(pt.v.crob.on_ms, 100);
    assert_int_equal(pt.v.crob.off_ms, 100);
    assert_true(pt.has_status);
    assert_int_equal(pt.status, 0);
    end(&p);
    reencode(f, sizeof f);
}

static void test_cto_relative_event(void **state)
{
    (void)state;
    static const uint8_t f[] = {0xE1, 0x81, 0x00, 0x00, 0x33, 0x01, 0x07, 0x01,
                                0xE8, 0x03, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03,
                                0x28, 0x01, 0x00, 0x05, 0x00, 0x81, 0x0A, 0x00};
    parser_t p;
    dnp3_point_t pt;
    open_frag(&p, f, sizeof f);
    next_header(&p, 51, 1, 0x07, 1);
    next_point(&p, &pt);
    assert_int_equal(pt.type, DNP3_VT_CTO);
    assert_true(pt.time == 1000);
    next_header(&p, 2, 3, 0x28, 1);
    assert_true(p.oh.has_cto);
    assert_int_equal(p.oh.cto_variation, 1);
    next_point(&p, &pt);
    assert_int_equal(pt.index, 5);
    assert_int_equal(pt.flags, 0x81);
    assert_true(pt.v.binary);
    assert_true(pt.has_rel);
    assert_int_equal(pt.rel_ms, 10);
    assert_true(pt.has_time);
    assert_true(pt.time == 1010);
    end(&p);
    reencode(f, sizeof f);

    /* without the CTO: relative offset only, not an error */
    static const uint8_t g[] = {0xE1, 0x81, 0x00, 0x00, 0x02, 0x03, 0x28,
                                0x01, 0x00, 0x05, 0x00, 0x81, 0x0A, 0x00};
    open_frag(&p, g, sizeof g);
    next_header(&p, 2, 3, 0x28, 1);
    assert_false(p.oh.has_cto);
    next_point(&p, &pt);
    assert_true(pt.has_rel);
    assert_false(pt.has_time);
    assert_int_equal(pt.rel_ms, 10);
    reencode(g, sizeof g);
}

static void test_packed_examples(void **state)
{
    (void)state;
    /* g1v1 0..9 = A5 01 -> 1,0,1,0,0,1,0,1,1,0 */
    static const uint8_t f[] = {0xC0, 0x81, 0x00, 0x00, 0x01, 0x01, 0x00, 0x00, 0x09, 0xA5, 0x01};
    static const bool bits[10] = {1, 0, 1, 0, 0, 1, 0, 1, 1, 0};
    parser_t p;
    dnp3_point_t pt;
    open_frag(&p, f, sizeof f);
    next_header(&p, 1, 1, 0x00, 10);
    for (unsigned i = 0; i < 10; i++) {
        next_point(&p, &pt);
        assert_int_equal(pt.index, i);
        assert_int_equal(pt.v.binary, bits[i]);
        assert_false(pt.has_flags);
    }
    end(&p);
    reencode(f, sizeof f);
    /* g3v1 0..4 = E4 02 -> 0,1,2,3,2 */
    static const uint8_t g[] = {0xC0, 0x81, 0x00, 0x00, 0x03, 0x01, 0x00, 0x00, 0x04, 0xE4, 0x02};
    static const uint8_t dbl[5] = {0, 1, 2, 3, 2};
    open_frag(&p, g, sizeof g);
    next_header(&p, 3, 1, 0x00, 5);
    for (unsigned i = 0; i < 5; i++) {
        next_point(&p, &pt);
        assert_int_equal(pt.v.double_bit, dbl[i]);
    }
    end(&p);
    reencode(g, sizeof g);
    /* clear IIN1.7: WRITE g80v1 index 7 = 0 */
    static const uint8_t c[] = {0xC0, 0x02, 0x50, 0x01, 0x00, 0x07, 0x07, 0x00};
    open_frag(&p, c, sizeof c);
    next_header(&p, 80, 1, 0x00, 1);
    next_point(&p, &pt);
    assert_int_equal(pt.type, DNP3_VT_IIN_BIT);
    assert_int_equal(pt.index, 7);
    assert_false(pt.v.binary);
    end(&p);
    reencode(c, sizeof c);
}

/* g43 status FIRST then value (FACTS 5.6), unlike g41 (value then status). */
static void test_g43_and_g41(void **state)
{
    (void)state;
    static const uint8_t f[] = {
        0xC0, 0x81, 0x00, 0x00,
        /* g43v1 0x17 count 1: index 2, status 4, value -2 */
        0x2B, 0x01, 0x17, 0x01, 0x02, 0x04, 0xFE, 0xFF, 0xFF, 0xFF,
        /* g43v3 0x17 count 1: index 9, status 0, value 1000, time 0x00F0AA6CB8F8 */
        0x2B, 0x03, 0x17, 0x01, 0x09, 0x00, 0xE8, 0x03, 0x00, 0x00, 0xF8, 0xB8, 0x6C, 0xAA, 0xF0,
        0x00,
        /* g41v2 0x28 count 1: index 1, value 300, status 0 */
        0x29, 0x02, 0x28, 0x01, 0x00, 0x01, 0x00, 0x2C, 0x01, 0x00};
    parser_t p;
    dnp3_point_t pt;
    open_frag(&p, f, sizeof f);
    next_header(&p, 43, 1, 0x17, 1);
    next_point(&p, &pt);
    assert_int_equal(pt.type, DNP3_VT_AO_CMD_EVENT_INT);
    assert_int_equal(pt.index, 2);
    assert_int_equal(pt.status, 4);
    assert_int_equal(pt.v.analog_i, -2);
    next_header(&p, 43, 3, 0x17, 1);
    next_point(&p, &pt);
    assert_int_equal(pt.index, 9);
    assert_int_equal(pt.v.analog_i, 1000);
    assert_true(pt.time == 0x00F0AA6CB8F8ull);
    next_header(&p, 41, 2, 0x28, 1);
    next_point(&p, &pt);
    assert_int_equal(pt.type, DNP3_VT_AO_INT);
    assert_int_equal(pt.v.analog_i, 300);
    assert_int_equal(pt.status, 0);
    end(&p);
    reencode(f, sizeof f);
}

/* FREEZE_AT_TIME: g50v2 carries time + interval; the point headers after it
 * carry no data. */
static void test_freeze_at_time_g50v2(void **state)
{
    (void)state;
    static const uint8_t f[] = {0xC2, 0x0B, 0x32, 0x02, 0x07, 0x01, 0xF8, 0xB8, 0x6C, 0xAA,
                                0xF0, 0x00, 0x60, 0xEA, 0x00, 0x00, 0x14, 0x00, 0x06};
    parser_t p;
    dnp3_point_t pt;
    open_frag(&p, f, sizeof f);
    next_header(&p, 50, 2, 0x07, 1);
    assert_true(p.oh.has_data);
    next_point(&p, &pt);
    assert_int_equal(pt.type, DNP3_VT_TIME_INTERVAL);
    assert_true(pt.time == 0x00F0AA6CB8F8ull);
    assert_int_equal(pt.v.interval.interval, 60000);
    next_header(&p, 20, 0, 0x06, 0);
    assert_false(p.oh.has_data);
    end(&p);
    reencode(f, sizeof f);
}

static void test_time_objects(void **state)
{
    (void)state;
    /* response: g52v1 5 s; g52v2 250 ms; g50v4 index 3 */
    static const uint8_t f[] = {0xC0, 0x81, 0x00, 0x00, 0x34, 0x01, 0x07, 0x01, 0x05, 0x00, 0x34,
                                0x02, 0x07, 0x01, 0xFA, 0x00, 0x32, 0x04, 0x17, 0x01, 0x03, 0xF8,
                                0xB8, 0x6C, 0xAA, 0xF0, 0x00, 0x0F, 0x00, 0x00, 0x00, 0x04};
    parser_t p;
    dnp3_point_t pt;
    open_frag(&p, f, sizeof f);
    next_header(&p, 52, 1, 0x07, 1);
    next_point(&p, &pt);
    assert_int_equal(pt.type, DNP3_VT_DELAY);
    assert_int_equal(pt.v.delay.ms, 5000);
    next_header(&p, 52, 2, 0x07, 1);
    next_point(&p, &pt);
    assert_int_equal(pt.v.delay.ms, 250);
    next_header(&p, 50, 4, 0x17, 1);
    next_point(&p, &pt);
    assert_int_equal(pt.index, 3);
    assert_int_equal(pt.v.interval.interval, 15);
    assert_int_equal(pt.v.interval.units, 4);
    end(&p);
    reencode(f, sizeof f);
}

/* g70 file objects, from the layouts in FACTS 5.8. */
static void test_file_objects(void **state)
{
    (void)state;
    /* AUTHENTICATE_FILE: g70v2 name_offset 12, name_len 4, pwd_offset 16,
     * pwd_len 3, key 0, "user", "pwd" */
    static const uint8_t a[] = {0xC4, 0x1D, 0x46, 0x02, 0x5B, 0x01, 0x13, 0x00, 0x0C,
                                0x00, 0x04, 0x00, 0x10, 0x00, 0x03, 0x00, 0x00, 0x00,
                                0x00, 0x00, 'u',  's',  'e',  'r',  'p',  'w',  'd'};
    parser_t p;
    dnp3_point_t pt;
    open_frag(&p, a, sizeof a);
    next_header(&p, 70, 2, 0x5B, 1);
    next_point(&p, &pt);
    assert_int_equal(pt.type, DNP3_VT_FREE_FORMAT);
    assert_int_equal(pt.v.bytes.len, 19);
    assert_memory_equal(pt.v.bytes.data + 12, "userpwd", 7);
    end(&p);
    reencode(a, sizeof a);
    /* response: g70v7 descriptor (20 + 1 name byte) and g70v8 "/a" */
    static const uint8_t b[] = {0xC0, 0x81, 0x00, 0x00, 0x46, 0x07, 0x5B, 0x01, 0x15, 0x00,
                                0x14, 0x00, 0x01, 0x00, 0x01, 0x00, 0x10, 0x00, 0x00, 0x00,
                                0xF8, 0xB8, 0x6C, 0xAA, 0xF0, 0x00, 0xFF, 0x01, 0x07, 0x00,
                                'f',  0x46, 0x08, 0x5B, 0x01, 0x02, 0x00, '/',  'a'};
    open_frag(&p, b, sizeof b);
    next_header(&p, 70, 7, 0x5B, 1);
    next_point(&p, &pt);
    assert_int_equal(pt.v.bytes.len, 21);
    assert_int_equal(pt.v.bytes.data[20], 'f');
    next_header(&p, 70, 8, 0x5B, 1);
    next_point(&p, &pt);
    assert_memory_equal(pt.v.bytes.data, "/a", 2);
    end(&p);
    reencode(b, sizeof b);
    /* READ g70v5 (0x5B) carries its object even in a READ (iti_file_read) */
    static const uint8_t c[] = {0xC2, 0x01, 0x46, 0x05, 0x5B, 0x01, 0x08, 0x00,
                                0x78, 0x56, 0x34, 0x12, 0x00, 0x00, 0x00, 0x00};
    open_frag(&p, c, sizeof c);
    next_header(&p, 70, 5, 0x5B, 1);
    assert_true(p.oh.has_data);
    next_point(&p, &pt);
    assert_int_equal(pt.v.bytes.len, 8);
    end(&p);
    reencode(c, sizeof c);
}

/* Virtual terminal / octet strings: the variation is the length. */
static void test_octet_strings(void **state)
{
    (void)state;
    static const uint8_t f[] = {0xC5, 0x02, 0x70, 0x03, 0x17, 0x01, 0x02, 'l', 's', '\n'};
    parser_t p;
    dnp3_point_t pt;
    open_frag(&p, f, sizeof f);
    next_header(&p, 112, 3, 0x17, 1);
    next_point(&p, &pt);
    assert_int_equal(pt.type, DNP3_VT_OCTETS);
    assert_int_equal(pt.index, 2);
    assert_int_equal(pt.v.bytes.len, 3);
    assert_memory_equal(pt.v.bytes.data, "ls\n", 3);
    end(&p);
    reencode(f, sizeof f);
    static const uint8_t g[] = {0xF0, 0x82, 0x00, 0x00, 0x71, 0x02, 0x28, 0x02, 0x00,
                                0x01, 0x00, 'o',  'k',  0x02, 0x00, '>',  ' ',  0x6E,
                                0x04, 0x00, 0x00, 0x00, 0xDE, 0xAD, 0xBE, 0xEF};
    open_frag(&p, g, sizeof g);
    next_header(&p, 113, 2, 0x28, 2);
    next_point(&p, &pt);
    assert_memory_equal(pt.v.bytes.data, "ok", 2);
    next_point(&p, &pt);
    assert_int_equal(pt.index, 2);
    next_header(&p, 110, 4, 0x00, 1);
    next_point(&p, &pt);
    assert_int_equal(pt.v.bytes.data[3], 0xEF);
    end(&p);
    reencode(g, sizeof g);
    /* READ g110v0 0x06: no data */
    static const uint8_t r[] = {0xC0, 0x01, 0x6E, 0x00, 0x06};
    open_frag(&p, r, sizeof r);
    next_header(&p, 110, 0, 0x06, 0);
    assert_false(p.oh.has_data);
    end(&p);
}

/* Aggressive mode: a READ that starts with g120v3 (qual 0x07) and ends with
 * g120v9 (0x5B) carries their data; g0v254 and g60 do not. */
static void test_aggressive_mode_read(void **state)
{
    (void)state;
    static const uint8_t f[] = {0xC1, 0x01, 0x78, 0x03, 0x07, 0x01, 0x05, 0x00, 0x00, 0x00,
                                0x01, 0x00, 0x00, 0xFE, 0x06, 0x3C, 0x01, 0x06, 0x78, 0x09,
                                0x5B, 0x01, 0x04, 0x00, 0xA1, 0xA2, 0xA3, 0xA4};
    parser_t p;
    dnp3_point_t pt;
    open_frag(&p, f, sizeof f);
    next_header(&p, 120, 3, 0x07, 1);
    next_point(&p, &pt);
    assert_int_equal(pt.v.bytes.len, 6);
    assert_int_equal(pt.v.bytes.data[0], 5);
    next_header(&p, 0, 254, 0x06, 0);
    assert_false(p.oh.has_data);
    next_header(&p, 60, 1, 0x06, 0);
    next_header(&p, 120, 9, 0x5B, 1);
    next_point(&p, &pt);
    assert_int_equal(pt.v.bytes.len, 4);
    end(&p);
    reencode(f, sizeof f);
}

/* READ with an index list (0x17): prefixes only, yielded as index-only
 * points; READ of a g0 attribute with 0x00 start = stop = 0 has no data. */
static void test_read_index_list(void **state)
{
    (void)state;
    static const uint8_t f[] = {0xC0, 0x01, 0x1E, 0x01, 0x17, 0x02, 0x03,
                                0x09, 0x00, 0xF2, 0x00, 0x00, 0x00};
    parser_t p;
    dnp3_point_t pt;
    open_frag(&p, f, sizeof f);
    next_header(&p, 30, 1, 0x17, 2);
    assert_false(p.oh.has_data);
    assert_int_equal(p.oh.data_len, 2);
    next_point(&p, &pt);
    assert_int_equal(pt.index, 3);
    assert_int_equal(pt.type, DNP3_VT_NONE);
    next_point(&p, &pt);
    assert_int_equal(pt.index, 9);
    next_header(&p, 0, 242, 0x00, 1);
    assert_false(p.oh.has_data);
    end(&p);
    reencode(f, sizeof f);
}

/* Security statistics (g121/g122) and BCD / unsigned 8 (g101, g102). */
static void test_misc_objects(void **state)
{
    (void)state;
    static const uint8_t f[] = {0xC0, 0x81, 0x00, 0x00, 0x79, 0x01, 0x00, 0x05, 0x05, 0x01,
                                0x01, 0x00, 0x2A, 0x00, 0x00, 0x00, 0x65, 0x01, 0x00, 0x00,
                                0x00, 0x34, 0x12, 0x66, 0x01, 0x00, 0x01, 0x02, 0x07, 0xFF};
    parser_t p;
    dnp3_point_t pt;
    open_frag(&p, f, sizeof f);
    next_header(&p, 121, 1, 0x00, 1);
    next_point(&p, &pt);
    assert_int_equal(pt.index, 5);
    assert_int_equal(pt.flags, 1);
    assert_int_equal(pt.v.sec_stat.assoc, 1);
    assert_int_equal(pt.v.sec_stat.count, 42);
    next_header(&p, 101, 1, 0x00, 1);
    next_point(&p, &pt);
    assert_int_equal(pt.type, DNP3_VT_BCD);
    assert_int_equal(pt.v.bytes.data[1], 0x12);
    next_header(&p, 102, 1, 0x00, 2);
    next_point(&p, &pt);
    assert_int_equal(pt.v.counter, 7);
    next_point(&p, &pt);
    assert_int_equal(pt.v.counter, 255);
    assert_int_equal(pt.index, 2);
    end(&p);
    reencode(f, sizeof f);
}

/* The first header of a fragment given as hex fails with `code` at `offset`. */
static void first_header_fails(const char *hex, int code, size_t offset)
{
    uint8_t f[64];
    size_t n = dnp3t_hex(hex, f, sizeof f);
    parser_t p;
    open_frag(&p, f, n);
    assert_int_equal(dnp3_obj_iter_next(&p.it, &p.oh), code);
    assert_int_equal(p.it.diag.code, code);
    assert_int_equal(p.it.diag.offset, offset);
    assert_true(p.oh.partial);
}

/* Variation 0 names points without values: legal in READ, the freezes,
 * ASSIGN_CLASS; an error at the header wherever the objects carry values
 * (the issue 6 vectors, their application fragments). */
static void test_variation0_only_where_legal(void **state)
{
    (void)state;
    /* WRITE g112v0 q 0x01 0..65535 */
    first_header_fails("C0 02 70 00 01 00 00 FF FF", DNP3_E_APP_VARIATION, 2);
    /* RESPONSE g110v0 q 0x00 1..2 */
    first_header_fails("C0 81 00 00 6E 00 00 01 02", DNP3_E_APP_VARIATION, 4);
    /* RESPONSE g30v0, then bytes that would have misled as "g1v100" */
    first_header_fails("C0 81 00 00 1E 00 00 00 00", DNP3_E_APP_VARIATION, 4);
    first_header_fails("C0 81 00 00 1E 00 00 00 00 01 64 00 00 00", DNP3_E_APP_VARIATION, 4);
    /* DIRECT_OPERATE g12v0, SELECT g41v0, FREEZE_AT_TIME g50v0 */
    first_header_fails("C0 05 0C 00 17 01 03", DNP3_E_APP_VARIATION, 2);
    first_header_fails("C0 03 29 00 28 01 00 01 00", DNP3_E_APP_VARIATION, 2);
    first_header_fails("C0 0B 32 00 07 01", DNP3_E_APP_VARIATION, 2);

    /* Legal: READ g30v0 0x00, READ g1v0 0x06, IMMED_FREEZE g20v0,
     * ASSIGN_CLASS g30v0 after g60v2, FREEZE_AT_TIME g20v0 after g50v2. */
    static const char *const legal[] = {
        "C0 01 1E 00 00 00 09",
        "C0 01 01 00 06",
        "C0 07 14 00 06",
        "C0 16 3C 02 06 1E 00 06",
        "C0 0B 32 02 07 01 00 00 00 00 00 00 10 27 00 00 14 00 06",
    };
    for (size_t i = 0; i < sizeof legal / sizeof legal[0]; i++) {
        uint8_t f[64];
        size_t n = dnp3t_hex(legal[i], f, sizeof f);
        parser_t p;
        open_frag(&p, f, n);
        int rc;
        while ((rc = dnp3_obj_iter_next(&p.it, &p.oh)) == 1)
            ;
        if (rc != 0)
            fail_msg("\"%s\": %s", legal[i], dnp3_error_name(rc));
    }
    assert_true(dnp3_app_var0_allowed(DNP3_FC_READ, 30));
    assert_true(dnp3_app_var0_allowed(DNP3_FC_FREEZE_AT_TIME, 20));
    assert_false(dnp3_app_var0_allowed(DNP3_FC_FREEZE_AT_TIME, 50));
    assert_false(dnp3_app_var0_allowed(DNP3_FC_UNSOLICITED_RESPONSE, 2));
    assert_false(dnp3_app_var0_allowed(DNP3_FC_WRITE, 80));
}

/* g0: every variation 1..255 is an attribute (type, length, value); the
 * header's range is start = stop = the attribute set. */
static void test_g0_every_attribute(void **state)
{
    (void)state;
    uint8_t f[64];
    size_t n =
        dnp3t_hex("C0 81 00 00  00 64 00 01 01 01 02 61 62  1E 04 00 00 00 01 00", f, sizeof f);
    parser_t p;
    dnp3_point_t pt;
    open_frag(&p, f, n);
    next_header(&p, 0, 100, 0x00, 1);
    assert_non_null(p.oh.info);
    assert_int_equal(p.oh.info->size_kind, DNP3_SK_ATTRIBUTE);
    next_point(&p, &pt);
    assert_int_equal(pt.index, 1);
    assert_int_equal(pt.variation, 100);
    assert_int_equal(pt.type, DNP3_VT_ATTRIBUTE);
    assert_int_equal(pt.v.bytes.attr_type, DNP3_ATTR_VSTR);
    assert_bytes_equal(pt.v.bytes.data, pt.v.bytes.len, (const uint8_t *)"ab", 2);
    next_header(&p, 30, 4, 0x00, 1);
    next_point(&p, &pt);
    assert_int_equal(pt.v.analog_i, 1);
    end(&p);
    reencode(f, 13); /* the g0v100 header alone, byte for byte */

    for (unsigned v = 1; v <= 255; v++) {
        const dnp3_obj_info_t *info = dnp3_obj_lookup(0, (uint8_t)v);
        assert_non_null(info);
        assert_int_equal(info->size_kind, v == 254 ? DNP3_SK_NONE : DNP3_SK_ATTRIBUTE);
    }
    assert_null(dnp3_obj_lookup(0, 0));

    /* start != stop: an error at the range, not two invented attributes */
    first_header_fails("C0 81 00 00 00 F2 00 00 01 01 01 61 01 01 62", DNP3_E_APP_RANGE, 7);
    first_header_fails("C0 01 00 FE 01 00 00 01 00", DNP3_E_APP_RANGE, 5);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_read_class_1230),
        cmocka_unit_test(test_crob_direct_operate),
        cmocka_unit_test(test_cto_relative_event),
        cmocka_unit_test(test_packed_examples),
        cmocka_unit_test(test_g43_and_g41),
        cmocka_unit_test(test_freeze_at_time_g50v2),
        cmocka_unit_test(test_time_objects),
        cmocka_unit_test(test_file_objects),
        cmocka_unit_test(test_octet_strings),
        cmocka_unit_test(test_aggressive_mode_read),
        cmocka_unit_test(test_read_index_list),
        cmocka_unit_test(test_misc_objects),
        cmocka_unit_test(test_variation0_only_where_legal),
        cmocka_unit_test(test_g0_every_attribute),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
