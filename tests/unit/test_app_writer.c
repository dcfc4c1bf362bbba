/* The fragment writer: exact bytes, qualifier choice, and every misuse it
 * must refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <math.h>
#include <string.h>

#include <cmocka.h>

#include "dnp3/app.h"
#include "dnp3/master.h"
#include "app/app_internal.h" /* dnp3i_app_write_command_objects */
#include "dnp3test.h"

static dnp3_point_t analog(uint32_t index, int32_t v)
{
    dnp3_point_t pt;
    memset(&pt, 0, sizeof pt);
    pt.index = index;
    pt.type = DNP3_VT_ANALOG_INT;
    pt.flags = 0x01;
    pt.v.analog_i = v;
    return pt;
}

/* The FACTS READ and CROB vectors, written byte for byte. */
static void test_writes_facts_vectors(void **state)
{
    (void)state;
    uint8_t buf[64];
    dnp3_app_writer_t w;
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_request(&w, 0xC3, DNP3_FC_READ);
    for (uint8_t v = 2; v <= 4; v++)
        dnp3_app_write_header(&w, 60, v, 0x06, 0, 0);
    dnp3_app_write_header(&w, 60, 1, 0x06, 0, 0);
    static const uint8_t read[] = {0xC3, 0x01, 0x3C, 0x02, 0x06, 0x3C, 0x03,
                                   0x06, 0x3C, 0x04, 0x06, 0x3C, 0x01, 0x06};
    assert_int_equal(dnp3_app_writer_finish(&w), sizeof read);
    assert_memory_equal(buf, read, sizeof read);

    dnp3_point_t crob;
    memset(&crob, 0, sizeof crob);
    crob.type = DNP3_VT_CROB;
    crob.index = 3;
    crob.v.crob.code = 0x01;
    crob.v.crob.count = 1;
    crob.v.crob.on_ms = crob.v.crob.off_ms = 100;
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_request(&w, 0xC1, DNP3_FC_DIRECT_OPERATE);
    assert_int_equal(dnp3_app_write_header(&w, 12, 1, 0x28, 1, 0), 0);
    assert_int_equal(dnp3_app_write_point(&w, &crob), 0);
    static const uint8_t op[] = {0xC1, 0x05, 0x0C, 0x01, 0x28, 0x01, 0x00, 0x03, 0x00, 0x01,
                                 0x01, 0x64, 0x00, 0x00, 0x00, 0x64, 0x00, 0x00, 0x00, 0x00};
    assert_int_equal(dnp3_app_writer_finish(&w), sizeof op);
    assert_memory_equal(buf, op, sizeof op);
    assert_int_equal(dnp3_app_writer_len(&w), sizeof op);
}

/* A g2v3 event given only an absolute time gets its offset from the CTO
 * written before it (FACTS 4.3 example: 1000 + 10 ms). */
static void test_relative_time_from_cto(void **state)
{
    (void)state;
    uint8_t buf[64];
    dnp3_app_writer_t w;
    dnp3_point_t cto, ev;
    memset(&cto, 0, sizeof cto);
    cto.type = DNP3_VT_CTO;
    cto.time = 1000;
    memset(&ev, 0, sizeof ev);
    ev.type = DNP3_VT_BINARY;
    ev.index = 5;
    ev.flags = 0x01;
    ev.v.binary = true;
    ev.has_time = true;
    ev.time = 1010;
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, 0xE1, DNP3_FC_RESPONSE, 0);
    dnp3_app_write_header(&w, 51, 1, 0x07, 1, 0);
    assert_int_equal(dnp3_app_write_point(&w, &cto), 0);
    dnp3_app_write_header(&w, 2, 3, 0x28, 1, 0);
    assert_int_equal(dnp3_app_write_point(&w, &ev), 0);
    static const uint8_t want[] = {0xE1, 0x81, 0x00, 0x00, 0x33, 0x01, 0x07, 0x01,
                                   0xE8, 0x03, 0x00, 0x00, 0x00, 0x00, 0x02, 0x03,
                                   0x28, 0x01, 0x00, 0x05, 0x00, 0x81, 0x0A, 0x00};
    assert_int_equal(dnp3_app_writer_finish(&w), sizeof want);
    assert_memory_equal(buf, want, sizeof want);

    /* more than 65535 ms after the CTO cannot be expressed */
    ev.time = 1000 + 70000;
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, 0xE1, DNP3_FC_RESPONSE, 0);
    dnp3_app_write_header(&w, 51, 1, 0x07, 1, 0);
    dnp3_app_write_point(&w, &cto);
    dnp3_app_write_header(&w, 2, 3, 0x28, 1, 0);
    assert_int_equal(dnp3_app_write_point(&w, &ev), DNP3_E_APP_VALUE);
    assert_int_equal(dnp3_app_writer_finish(&w), DNP3_E_APP_VALUE); /* sticky */
}

static void test_qualifier_choice(void **state)
{
    (void)state;
    uint8_t buf[64];
    dnp3_app_writer_t w;
    static const struct {
        uint32_t start, stop;
        uint8_t q;
        size_t len;
    } r[] = {{0, 255, 0x00, 5}, {0, 256, 0x01, 7}, {10, 65535, 0x01, 7}, {0, 65536, 0x02, 11}};
    for (size_t i = 0; i < sizeof r / sizeof r[0]; i++) {
        dnp3_app_writer_init(&w, buf, sizeof buf);
        dnp3_app_write_request(&w, 0xC0, DNP3_FC_READ);
        assert_int_equal(dnp3_app_write_range(&w, 30, 0, r[i].start, r[i].stop), 0);
        assert_int_equal(dnp3_app_writer_finish(&w), 2 + (int)r[i].len);
        assert_int_equal(buf[4], r[i].q);
    }
    static const struct {
        uint32_t count, max;
        uint8_t q;
    } x[] = {{1, 255, 0x17}, {1, 256, 0x28}, {300, 3, 0x28}, {1, 65536, 0x39}};
    for (size_t i = 0; i < sizeof x / sizeof x[0]; i++) {
        dnp3_app_writer_init(&w, buf, sizeof buf);
        dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
        assert_int_equal(dnp3_app_write_indexed(&w, 32, 1, x[i].count, x[i].max), 0);
        assert_int_equal(buf[6], x[i].q);
    }
}

static void test_count_mismatch(void **state)
{
    (void)state;
    uint8_t buf[64];
    dnp3_app_writer_t w;
    dnp3_point_t pt = analog(0, 5);
    /* fewer points than the header announced */
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
    dnp3_app_write_header(&w, 30, 1, 0x00, 0, 1);
    dnp3_app_write_point(&w, &pt);
    assert_int_equal(dnp3_app_writer_finish(&w), DNP3_E_APP_COUNT);
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
    dnp3_app_write_header(&w, 30, 1, 0x00, 0, 1);
    assert_int_equal(dnp3_app_write_header(&w, 30, 1, 0x00, 0, 1), DNP3_E_APP_COUNT);
    /* more */
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
    dnp3_app_write_header(&w, 30, 1, 0x07, 1, 0);
    assert_int_equal(dnp3_app_write_point(&w, &pt), 0);
    assert_int_equal(dnp3_app_write_point(&w, &pt), DNP3_E_APP_COUNT);
}

static void test_misuse(void **state)
{
    (void)state;
    uint8_t buf[64];
    dnp3_app_writer_t w;
    dnp3_point_t pt = analog(0, 5);
    /* header before the application header */
    dnp3_app_writer_init(&w, buf, sizeof buf);
    assert_int_equal(dnp3_app_write_header(&w, 30, 1, 0x06, 0, 0), DNP3_E_APP_STATE);
    /* response code as a request and the reverse */
    dnp3_app_writer_init(&w, buf, sizeof buf);
    assert_int_equal(dnp3_app_write_request(&w, 0xC0, DNP3_FC_RESPONSE), DNP3_E_APP_STATE);
    dnp3_app_writer_init(&w, buf, sizeof buf);
    assert_int_equal(dnp3_app_write_response(&w, 0xC0, DNP3_FC_READ, 0), DNP3_E_APP_STATE);
    /* point without header; point in a READ header (no data) */
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_request(&w, 0xC0, DNP3_FC_READ);
    assert_int_equal(dnp3_app_write_point(&w, &pt), DNP3_E_APP_STATE);
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_request(&w, 0xC0, DNP3_FC_READ);
    dnp3_app_write_header(&w, 30, 1, 0x00, 0, 3);
    assert_int_equal(dnp3_app_write_point(&w, &pt), DNP3_E_APP_STATE);
    /* reserved qualifier, stop < start, start too big for the field */
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_request(&w, 0xC0, DNP3_FC_READ);
    assert_int_equal(dnp3_app_write_header(&w, 30, 1, 0x0A, 0, 0), DNP3_E_APP_QUALIFIER);
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_request(&w, 0xC0, DNP3_FC_READ);
    assert_int_equal(dnp3_app_write_header(&w, 30, 1, 0x00, 5, 4), DNP3_E_APP_RANGE);
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_request(&w, 0xC0, DNP3_FC_READ);
    assert_int_equal(dnp3_app_write_header(&w, 30, 1, 0x00, 0, 256), DNP3_E_APP_VALUE);
    /* unknown object with data */
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
    assert_int_equal(dnp3_app_write_header(&w, 99, 1, 0x00, 0, 0), DNP3_E_APP_OBJECT_UNKNOWN);
}

static void test_value_checks(void **state)
{
    (void)state;
    uint8_t buf[64];
    dnp3_app_writer_t w;
    dnp3_point_t pt = analog(0, 40000);
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
    dnp3_app_write_header(&w, 30, 2, 0x00, 0, 0); /* 16-bit */
    assert_int_equal(dnp3_app_write_point(&w, &pt), DNP3_E_APP_VALUE);
    /* index over 255 with a 1-byte prefix */
    pt = analog(256, 1);
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
    dnp3_app_write_header(&w, 32, 1, 0x17, 1, 0);
    assert_int_equal(dnp3_app_write_point(&w, &pt), DNP3_E_APP_VALUE);
    /* wrong value type for the variation */
    pt = analog(0, 1);
    pt.type = DNP3_VT_COUNTER;
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
    dnp3_app_write_header(&w, 30, 1, 0x00, 0, 0);
    assert_int_equal(dnp3_app_write_point(&w, &pt), DNP3_E_APP_VALUE);
    /* g52v1 is whole seconds */
    memset(&pt, 0, sizeof pt);
    pt.type = DNP3_VT_DELAY;
    pt.v.delay.ms = 1500;
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
    dnp3_app_write_header(&w, 52, 1, 0x07, 1, 0);
    assert_int_equal(dnp3_app_write_point(&w, &pt), DNP3_E_APP_VALUE);
    /* time beyond 48 bits */
    memset(&pt, 0, sizeof pt);
    pt.type = DNP3_VT_TIME;
    pt.time = DNP3_TIME_MAX + 1;
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_request(&w, 0xC0, DNP3_FC_WRITE);
    dnp3_app_write_header(&w, 50, 1, 0x07, 1, 0);
    assert_int_equal(dnp3_app_write_point(&w, &pt), DNP3_E_APP_VALUE);
}

/* Variation 0 only where objects carry no values; g0 attributes 1..255
 * with start = stop = the attribute set. */
static void test_variation0_and_g0_headers(void **state)
{
    (void)state;
    uint8_t buf[64];
    dnp3_app_writer_t w;
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
    assert_int_equal(dnp3_app_write_header(&w, 30, 0, 0x00, 0, 0), DNP3_E_APP_VARIATION);
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_request(&w, 0xC0, DNP3_FC_WRITE);
    assert_int_equal(dnp3_app_write_range(&w, 112, 0, 0, 65535), DNP3_E_APP_VARIATION);
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_request(&w, 0xC0, DNP3_FC_IMMED_FREEZE);
    assert_int_equal(dnp3_app_write_header(&w, 20, 0, 0x06, 0, 0), 0);
    assert_int_equal(dnp3_app_writer_finish(&w), 5);

    /* g0v100 of set 1 and g0v1 of set 0 are written like the named ones */
    dnp3_point_t attr;
    memset(&attr, 0, sizeof attr);
    attr.type = DNP3_VT_ATTRIBUTE;
    attr.v.bytes.attr_type = DNP3_ATTR_VSTR;
    attr.v.bytes.data = (const uint8_t *)"ab";
    attr.v.bytes.len = 2;
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
    assert_int_equal(dnp3_app_write_header(&w, 0, 100, 0x00, 1, 1), 0);
    assert_int_equal(dnp3_app_write_point(&w, &attr), 0);
    assert_int_equal(dnp3_app_write_open_header(&w, 0, 1, 0x00, 0), 0);
    assert_int_equal(dnp3_app_write_point(&w, &attr), 0);
    assert_int_equal(dnp3_app_write_point(&w, &attr), DNP3_E_APP_COUNT); /* one per g0 range */
    assert_true(dnp3_app_writer_finish(&w) > 0);
    assert_hex_equal(buf, dnp3_app_writer_len(&w),
                     "C0 81 00 00 00 64 00 01 01 01 02 61 62 00 01 00 00 00 01 02 61 62");
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
    assert_int_equal(dnp3_app_write_header(&w, 0, 242, 0x00, 0, 1), DNP3_E_APP_RANGE);

    /* an attribute that does not fit writes nothing past the capacity, and
     * one that fits exactly (an empty string) writes nothing past it either */
    attr.v.bytes.len = 0;
    for (size_t cap = 9; cap <= 11; cap++) {
        memset(buf, 0xEE, sizeof buf);
        dnp3_app_writer_init(&w, buf, cap);
        dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
        assert_int_equal(dnp3_app_write_header(&w, 0, 242, 0x00, 1, 1), 0);
        assert_int_equal(dnp3_app_write_point(&w, &attr), cap < 11 ? DNP3_E_NOSPACE : 0);
        for (size_t i = cap; i < sizeof buf; i++)
            assert_int_equal(buf[i], 0xEE);
    }
}

static dnp3_point_t float_point(dnp3_value_type_t type, double v)
{
    dnp3_point_t pt;
    memset(&pt, 0, sizeof pt);
    pt.type = type;
    pt.has_flags = true;
    pt.flags = DNP3_FLAG_ONLINE;
    pt.v.analog_f = v;
    return pt;
}

/* Writes one float object g<g>v<v> (0x00, index 0); returns write_point's
 * code and the object's bytes in hex. */
static int write_float(uint8_t g, uint8_t v, dnp3_value_type_t type, double d, char *hex)
{
    uint8_t buf[32];
    dnp3_app_writer_t w;
    dnp3_point_t pt = float_point(type, d);
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
    assert_int_equal(dnp3_app_write_header(&w, g, v, 0x00, 0, 0), 0);
    int rc = dnp3_app_write_point(&w, &pt);
    dnp3t_to_hex(buf + 9, dnp3_app_writer_len(&w) - 9, hex, 64);
    return rc;
}

/* Single precision: a command (g41v3), command event (g43v5) or deadband
 * (g34v3) beyond +-FLT_MAX is refused, as the 16-bit path refuses 40000; a
 * measurement is clamped to +-FLT_MAX with OVER_RANGE; NaN and Inf pass. */
static void test_single_precision_range(void **state)
{
    (void)state;
    char hex[64];
    assert_int_equal(write_float(41, 3, DNP3_VT_AO_FLOAT, 1e300, hex), DNP3_E_APP_VALUE);
    assert_int_equal(write_float(41, 3, DNP3_VT_AO_FLOAT, -1e39, hex), DNP3_E_APP_VALUE);
    assert_int_equal(write_float(43, 5, DNP3_VT_AO_CMD_EVENT_FLOAT, 1e300, hex), DNP3_E_APP_VALUE);
    assert_int_equal(write_float(34, 3, DNP3_VT_DEADBAND_FLOAT, 1e300, hex), DNP3_E_APP_VALUE);
    assert_int_equal(write_float(41, 3, DNP3_VT_AO_FLOAT, 3.4028234663852886e38, hex), 0);
    assert_string_equal(hex, "FF FF 7F 7F 00"); /* FLT_MAX itself */
    assert_int_equal(write_float(41, 3, DNP3_VT_AO_FLOAT, INFINITY, hex), 0);
    assert_string_equal(hex, "00 00 80 7F 00");
    assert_int_equal(write_float(41, 3, DNP3_VT_AO_FLOAT, NAN, hex), 0);
    assert_string_equal(hex, "00 00 C0 7F 00");

    assert_int_equal(write_float(30, 5, DNP3_VT_ANALOG_FLOAT, 1e300, hex), 0);
    assert_string_equal(hex, "21 FF FF 7F 7F"); /* ONLINE | OVER_RANGE, FLT_MAX */
    assert_int_equal(write_float(32, 7, DNP3_VT_ANALOG_FLOAT, -1e300, hex), 0);
    assert_string_equal(hex, "21 FF FF 7F FF 00 00 00 00 00 00");
    assert_int_equal(write_float(40, 3, DNP3_VT_ANALOG_FLOAT, -INFINITY, hex), 0);
    assert_string_equal(hex, "01 00 00 80 FF");
    assert_int_equal(write_float(42, 5, DNP3_VT_ANALOG_FLOAT, 1.5, hex), 0);
    assert_string_equal(hex, "01 00 00 C0 3F");
}

/* Every capacity smaller than the fragment: the first call that does not
 * fit returns NOSPACE, and nothing is ever written past the capacity. */
static void test_nospace_every_capacity(void **state)
{
    (void)state;
    uint8_t buf[64];
    dnp3_app_writer_t w;
    const size_t total = 4 + 5 + 3 + 6 + 4;
    for (size_t cap = 0; cap <= 40; cap++) {
        memset(buf, 0xEE, sizeof buf);
        dnp3_app_writer_init(&w, buf, cap);
        int first = dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
        int rc = dnp3_app_write_header(&w, 1, 1, 0x00, 0, 20);
        first = first ? first : rc;
        for (uint32_t i = 0; i <= 20; i++) {
            dnp3_point_t b;
            memset(&b, 0, sizeof b);
            b.type = DNP3_VT_BINARY;
            b.index = i;
            b.v.binary = i & 1;
            rc = dnp3_app_write_point(&w, &b);
            first = first ? first : rc;
        }
        rc = dnp3_app_write_free_format(&w, 70, 8, (const uint8_t *)"/etc", 4);
        first = first ? first : rc;
        rc = dnp3_app_writer_finish(&w);
        if (cap < total)
            assert_int_equal(first, DNP3_E_NOSPACE);
        else
            assert_int_equal(rc, (int)total);
        for (size_t i = cap; i < sizeof buf; i++)
            assert_int_equal(buf[i], 0xEE);
    }
}

/* ---- filling fragments ------------------------------------------------------ */

static dnp3_point_t counter(uint32_t index, uint32_t v)
{
    dnp3_point_t pt;
    memset(&pt, 0, sizeof pt);
    pt.index = index;
    pt.type = DNP3_VT_COUNTER;
    pt.has_flags = true;
    pt.flags = 0x01;
    pt.v.counter = v;
    return pt;
}

/* An open header is closed with the count (or stop) of what it received;
 * an open header that received nothing disappears. */
static void test_open_header_patched_at_close(void **state)
{
    (void)state;
    uint8_t buf[64];
    dnp3_app_writer_t w;
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
    assert_int_equal(dnp3_app_write_open_header(&w, 20, 6, 0x28, 0), 0); /* 16-bit no flag */
    for (uint32_t i = 0; i < 3; i++) {
        dnp3_point_t pt = counter(300 + i, 7 + i);
        pt.has_flags = false;
        assert_int_equal(dnp3_app_write_point(&w, &pt), 0);
    }
    assert_int_equal(dnp3_app_write_open_header(&w, 1, 1, 0x00, 5), 0); /* packed, stop patched */
    for (uint32_t i = 0; i < 10; i++) {
        dnp3_point_t b;
        memset(&b, 0, sizeof b);
        b.type = DNP3_VT_BINARY;
        b.v.binary = i == 0 || i == 9;
        assert_int_equal(dnp3_app_write_point(&w, &b), 0);
    }
    assert_int_equal(dnp3_app_write_open_header(&w, 30, 1, 0x01, 7), 0); /* stays empty */
    assert_int_equal(dnp3_app_writer_finish(&w), 4 + 5 + 3 * 4 + 5 + 2);
    assert_hex_equal(buf, dnp3_app_writer_len(&w),
                     "C0 81 00 00"
                     " 14 06 28 03 00  2C 01 07 00  2D 01 08 00  2E 01 09 00"
                     " 01 01 00 05 0E  01 02");

    /* The count field can say no more: APP_COUNT, not sticky, nothing written. */
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
    assert_int_equal(dnp3_app_write_open_header(&w, 20, 1, 0x00, 254), 0);
    dnp3_point_t c = counter(0, 1);
    assert_int_equal(dnp3_app_write_point(&w, &c), 0);
    assert_int_equal(dnp3_app_write_point(&w, &c), 0);
    const size_t len = dnp3_app_writer_len(&w);
    assert_int_equal(dnp3_app_write_point(&w, &c), DNP3_E_APP_COUNT);
    assert_int_equal(dnp3_app_writer_len(&w), len);
    assert_int_equal(dnp3_app_write_open_header(&w, 20, 1, 0x01, 256), 0);
    assert_int_equal(dnp3_app_write_point(&w, &c), 0);
    assert_int_equal(dnp3_app_writer_finish(&w), 4 + 5 + 10 + 7 + 5);
    assert_hex_equal(buf, dnp3_app_writer_len(&w),
                     "C0 81 00 00  14 01 00 FE FF  01 01 00 00 00  01 01 00 00 00"
                     " 14 01 01 00 01 00 01  01 01 00 00 00");

    /* 0x5B: the count of free-format objects, each with its u16 size */
    static const uint8_t body[3] = {1, 2, 3};
    dnp3_point_t ff;
    memset(&ff, 0, sizeof ff);
    ff.type = DNP3_VT_FREE_FORMAT;
    ff.v.bytes.data = body;
    ff.v.bytes.len = sizeof body;
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
    assert_int_equal(dnp3_app_write_open_header(&w, 70, 4, 0x5B, 0), 0);
    assert_int_equal(dnp3_app_write_point(&w, &ff), 0);
    assert_int_equal(dnp3_app_write_point(&w, &ff), 0);
    assert_int_equal(dnp3_app_writer_finish(&w), 4 + 4 + 2 * 5);
    assert_hex_equal(buf, dnp3_app_writer_len(&w),
                     "C0 81 00 00 46 04 5B 02 03 00 01 02 03 03 00 01 02 03");

    /* Addresses and "all" cannot be open. */
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
    assert_int_equal(dnp3_app_write_open_header(&w, 20, 1, 0x03, 1), DNP3_E_APP_QUALIFIER);
    /* nor can a header that takes no objects */
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_request(&w, 0xC0, DNP3_FC_READ);
    assert_int_equal(dnp3_app_write_open_header(&w, 30, 1, 0x00, 0), DNP3_E_APP_STATE);
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_request(&w, 0xC0, DNP3_FC_READ);
    assert_int_equal(dnp3_app_write_open_header(&w, 30, 0, 0x17, 0), 0); /* index list */
    dnp3_point_t ix = counter(42, 0);
    assert_int_equal(dnp3_app_write_point(&w, &ix), 0);
    assert_int_equal(dnp3_app_writer_finish(&w), 7);
    assert_hex_equal(buf, 7, "C0 01 1E 00 17 01 2A");
}

/* NOSPACE changes nothing: not the bytes, not the state; the writer goes on
 * and a point that fits is still accepted after one that did not. */
static void test_nospace_leaves_writer_usable(void **state)
{
    (void)state;
    uint8_t buf[32], before[32];
    dnp3_app_writer_t w, saved;
    dnp3_app_writer_init(&w, buf, 20);
    dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
    assert_int_equal(dnp3_app_write_open_header(&w, 110, 6, 0x00, 0), 0); /* 9 bytes so far */
    uint8_t big[12] = {1, 2, 3, 4, 5, 6};
    dnp3_point_t os;
    memset(&os, 0, sizeof os);
    os.type = DNP3_VT_OCTETS;
    os.v.bytes.data = big;
    os.v.bytes.len = 6;
    assert_int_equal(dnp3_app_write_point(&w, &os), 0); /* 15 */
    memcpy(before, buf, sizeof before);
    saved = w;
    assert_int_equal(dnp3_app_write_point(&w, &os), DNP3_E_NOSPACE);
    assert_memory_equal(&w, &saved, sizeof w);
    assert_memory_equal(buf, before, 15);
    assert_int_equal(dnp3_app_write_header(&w, 30, 1, 0x01, 0, 1), DNP3_E_NOSPACE);
    assert_memory_equal(&w, &saved, sizeof w);
    assert_int_equal(dnp3_app_write_free_format(&w, 70, 8, big, 4), DNP3_E_NOSPACE);
    assert_memory_equal(&w, &saved, sizeof w);
    /* still usable: a smaller object and a small header fit */
    assert_int_equal(dnp3_app_write_open_header(&w, 20, 6, 0x07, 0), 0); /* 18 */
    dnp3_point_t c = counter(0, 0x1234);
    assert_int_equal(dnp3_app_write_point(&w, &c), DNP3_E_NOSPACE);
    assert_int_equal(dnp3_app_writer_finish(&w), 15); /* the empty open header went away */
    assert_hex_equal(buf, 15, "C0 81 00 00 6E 06 00 00 00 01 02 03 04 05 06");
}

/* Rollback gives back the very bytes and state of the mark, whatever was
 * done since: points, a closed (patched) header, a removed empty header
 * overwritten by another, packed bits, a sticky error. */
static void test_rollback_byte_identical(void **state)
{
    (void)state;
    uint8_t buf[128], at_mark[128];
    dnp3_app_writer_t w, saved;
    dnp3_app_writer_mark_t m;
    for (int where = 0; where < 4; where++) {
        dnp3_app_writer_init(&w, buf, sizeof buf);
        dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
        dnp3_app_write_open_header(&w, 1, 1, 0x00, 0);
        dnp3_point_t b;
        memset(&b, 0, sizeof b);
        b.type = DNP3_VT_BINARY;
        for (int i = 0; i < 3 + where; i++) {
            b.v.binary = i & 1;
            dnp3_app_write_point(&w, &b);
        }
        if (where == 3)
            dnp3_app_write_open_header(&w, 20, 1, 0x17, 0); /* mark in an empty open header */
        dnp3_app_writer_mark(&w, &m);
        memcpy(at_mark, buf, sizeof buf);
        saved = w;
        b.v.binary = true;
        for (int i = 0; i < 9 && where < 3; i++)
            assert_int_equal(dnp3_app_write_point(&w, &b), 0); /* bits into the marked byte */
        assert_int_equal(dnp3_app_write_close_header(&w), 0);  /* where 3: removed */
        assert_int_equal(dnp3_app_write_open_header(&w, 30, 1, 0x28, 0), 0);
        dnp3_point_t a = analog(9, -1);
        assert_int_equal(dnp3_app_write_point(&w, &a), 0);
        dnp3_app_write_point(&w, &b); /* wrong type: sticky error */
        assert_int_equal(dnp3_app_writer_finish(&w), DNP3_E_APP_VALUE);
        assert_int_equal(dnp3_app_writer_rollback(&w, &m), 0);
        assert_memory_equal(&w, &saved, sizeof w);
        assert_bytes_equal(buf, dnp3_app_writer_len(&w), at_mark, saved.len);
        assert_true(dnp3_app_writer_finish(&w) > 0);
    }
    dnp3_app_writer_t other;
    uint8_t obuf[8];
    dnp3_app_writer_init(&other, obuf, sizeof obuf);
    assert_int_equal(dnp3_app_writer_rollback(&other, &m), DNP3_E_INVALID_ARG);
}

/* A response of many points of several kinds, written into fragments of
 * every size from the least that holds one object up to 2048, reads back as
 * the same points in the same order. */
typedef struct section {
    uint8_t group, variation, qualifier;
    uint32_t n;
} section_t;

static const section_t SECTIONS[] = {
    {1, 1, 0x00, 40},   /* packed binary, stop patched */
    {30, 1, 0x01, 30},  /* 32-bit analog with flags, 16-bit range */
    {20, 1, 0x00, 50},  /* 32-bit counters with flags */
    {32, 3, 0x28, 50},  /* analog events with time */
    {32, 7, 0x28, 40},  /* float analog events with time */
    {110, 5, 0x00, 20}, /* octet strings of 5 bytes */
    {2, 1, 0x17, 300},  /* more binary events than a 0x17 count can say */
};
#define NSECTIONS (sizeof SECTIONS / sizeof SECTIONS[0])
static const uint8_t OCTETS[5] = {'a', 'b', 'c', 'd', 'e'};

static dnp3_point_t section_point(const section_t *s, uint32_t i)
{
    dnp3_point_t pt;
    memset(&pt, 0, sizeof pt);
    pt.group = s->group;
    pt.variation = s->variation;
    pt.index = s->qualifier == 0x28 ? 7 * i + 3 : s->qualifier == 0x17 ? i % 256 : 10 + i;
    switch (s->group) {
    case 1:
    case 2:
        pt.type = DNP3_VT_BINARY;
        pt.v.binary = i % 3 == 0;
        pt.has_flags = s->group == 2;
        pt.flags = pt.has_flags ? (uint8_t)(0x01 | (pt.v.binary ? 0x80 : 0)) : 0;
        break;
    case 20:
        pt = (dnp3_point_t){.index = pt.index, .group = 20, .variation = 1};
        pt.type = DNP3_VT_COUNTER;
        pt.has_flags = true;
        pt.flags = 0x01;
        pt.v.counter = 100000u * i + 1;
        break;
    case 30:
    case 32:
        pt.type = s->variation == 7 ? DNP3_VT_ANALOG_FLOAT : DNP3_VT_ANALOG_INT;
        pt.has_flags = true;
        pt.flags = (uint8_t)(0x01 | (i & 1 ? 0x20 : 0));
        if (s->variation == 7)
            pt.v.analog_f = 0.25 * i - 3.5;
        else
            pt.v.analog_i = (int32_t)(i * 7919u) - 50000;
        pt.has_time = s->group == 32;
        pt.time = pt.has_time ? 1700000000000ull + 13u * i : 0;
        break;
    default:
        pt.type = DNP3_VT_OCTETS;
        pt.v.bytes.data = OCTETS;
        pt.v.bytes.len = sizeof OCTETS;
        break;
    }
    return pt;
}

static void assert_same_point(const dnp3_point_t *want, const dnp3_point_t *got)
{
    assert_int_equal(got->group, want->group);
    assert_int_equal(got->variation, want->variation);
    assert_int_equal(got->index, want->index);
    assert_int_equal(got->type, want->type);
    assert_int_equal(got->has_flags, want->has_flags);
    assert_int_equal(got->flags, want->flags);
    assert_int_equal(got->has_time, want->has_time);
    assert_int_equal(got->time, want->time);
    switch (want->type) {
    case DNP3_VT_BINARY:
        assert_int_equal(got->v.binary, want->v.binary);
        break;
    case DNP3_VT_COUNTER:
        assert_int_equal(got->v.counter, want->v.counter);
        break;
    case DNP3_VT_ANALOG_INT:
        assert_int_equal(got->v.analog_i, want->v.analog_i);
        break;
    case DNP3_VT_ANALOG_FLOAT:
        assert_true(got->v.analog_f == want->v.analog_f);
        break;
    default:
        assert_bytes_equal(got->v.bytes.data, got->v.bytes.len, want->v.bytes.data,
                           want->v.bytes.len);
        break;
    }
}

typedef struct cursor {
    size_t sec;
    uint32_t i;
} cursor_t;

/* Reads one fragment back and checks every point against the next ones of
 * the sections; *check advances. */
static void read_back(const uint8_t *f, size_t len, cursor_t *check)
{
    dnp3_app_header_t ah;
    dnp3_obj_iter_t it;
    dnp3_obj_header_t oh;
    assert_int_equal(dnp3_app_header_read(f, len, &ah), 4);
    dnp3_obj_iter_init(&it, f, len, &ah);
    int rc;
    while ((rc = dnp3_obj_iter_next(&it, &oh)) == 1) {
        dnp3_point_iter_t pi;
        dnp3_point_t got;
        assert_true(oh.count > 0);
        dnp3_point_iter_init(&pi, &oh, &it);
        while ((rc = dnp3_point_iter_next(&pi, &got)) == 1) {
            if (check->i == SECTIONS[check->sec].n) {
                check->sec++;
                check->i = 0;
            }
            assert_true(check->sec < NSECTIONS);
            dnp3_point_t want = section_point(&SECTIONS[check->sec], check->i++);
            assert_same_point(&want, &got);
        }
        assert_int_equal(rc, 0);
    }
    assert_int_equal(rc, 0);
}

/* Fills one fragment from *at on; returns the number of objects written. */
static uint32_t fill_fragment(dnp3_app_writer_t *w, cursor_t *at)
{
    uint32_t written = 0;
    assert_int_equal(dnp3_app_write_response(w, 0xC0, DNP3_FC_RESPONSE, 0), 0);
    while (at->sec < NSECTIONS) {
        const section_t *s = &SECTIONS[at->sec];
        dnp3_point_t pt = section_point(s, at->i);
        uint32_t start = DNP3_QUAL_PREFIX(s->qualifier) ? 0 : pt.index;
        int rc = dnp3_app_write_open_header(w, s->group, s->variation, s->qualifier, start);
        if (rc == DNP3_E_NOSPACE)
            break;
        assert_int_equal(rc, 0);
        for (; at->i < s->n; at->i++) {
            pt = section_point(s, at->i);
            rc = dnp3_app_write_point(w, &pt);
            if (rc == DNP3_E_NOSPACE || rc == DNP3_E_APP_COUNT)
                break;
            assert_int_equal(rc, 0);
            written++;
        }
        assert_int_equal(dnp3_app_write_close_header(w), 0);
        if (at->i == s->n) {
            at->sec++;
            at->i = 0;
        } else if (rc == DNP3_E_NOSPACE) {
            break;
        }
    }
    return written;
}

/* The least fragment holding the largest single object with its header. */
static size_t least_fragment(void)
{
    size_t least = 0;
    for (size_t k = 0; k < NSECTIONS; k++) {
        const section_t *s = &SECTIONS[k];
        const dnp3_obj_info_t *info = dnp3_obj_lookup(s->group, s->variation);
        size_t obj = info->size_kind == DNP3_SK_PACKED1 ? 1 : dnp3_obj_fixed_size(info);
        if (info->size_kind == DNP3_SK_BY_VARIATION)
            obj = s->variation;
        size_t need = 4 + 3 + (size_t)dnp3_qualifier_range_size(s->qualifier) +
                      (size_t)dnp3_qualifier_prefix_size(s->qualifier) + obj;
        least = need > least ? need : least;
    }
    return least;
}

static void test_fill_every_fragment_size(void **state)
{
    (void)state;
    static uint8_t buf[2048];
    uint32_t total = 0;
    for (size_t k = 0; k < NSECTIONS; k++)
        total += SECTIONS[k].n;
    const size_t least = least_fragment();
    assert_int_equal(least, 4 + 5 + 2 + 11); /* g32v3 or g32v7 with a 0x28 header */

    /* One byte less cannot carry a g32v3 event at all. */
    dnp3_app_writer_t w;
    dnp3_app_writer_init(&w, buf, least - 1);
    cursor_t at = {3, 0};
    assert_int_equal(fill_fragment(&w, &at), 0);
    assert_int_equal(dnp3_app_writer_finish(&w), 4);
    assert_int_equal(at.sec, 3);
    assert_int_equal(at.i, 0);

    for (size_t cap = least; cap <= sizeof buf; cap++) {
        cursor_t write = {0, 0}, check = {0, 0};
        uint32_t objects = 0, fragments = 0;
        while (write.sec < NSECTIONS) {
            dnp3_app_writer_init(&w, buf, cap);
            uint32_t n = fill_fragment(&w, &write);
            if (n == 0)
                fail_msg("fragment size %zu: no progress at section %zu", cap, write.sec);
            int len = dnp3_app_writer_finish(&w);
            assert_true(len > 0 && (size_t)len <= cap);
            read_back(buf, (size_t)len, &check);
            objects += n;
            fragments++;
        }
        assert_int_equal(objects, total);
        assert_int_equal(check.sec, NSECTIONS - 1);
        assert_int_equal(check.i, SECTIONS[NSECTIONS - 1].n);
        if (cap == sizeof buf)
            assert_int_equal(fragments, 2);
    }
}

/* ---- command objects: dnp3i_app_write_command_objects -------------------- */

/* One header of command objects into buf: the length or the error. */
static int write_commands(uint8_t g, uint8_t v, uint8_t q, const dnp3_command_point_t *pts,
                          size_t n, uint8_t *buf, size_t cap)
{
    const dnp3i_command_objects_t d = {
        .group = g, .variation = v, .qualifier = q, .pts = pts, .n = n};
    return dnp3i_app_write_command_objects(buf, cap, &d);
}

static void assert_commands(uint8_t g, uint8_t v, uint8_t q, const dnp3_command_point_t *pts,
                            size_t n, const char *want_hex)
{
    uint8_t buf[600];
    uint8_t want[600];
    const size_t want_n = dnp3t_hex(want_hex, want, sizeof want);
    memset(buf, 0xAA, sizeof buf);
    assert_int_equal(write_commands(g, v, q, pts, n, buf, sizeof buf), (int)want_n);
    assert_bytes_equal(buf, want_n, want, want_n);
    assert_int_equal(buf[want_n], 0xAA); /* nothing past the objects */
}

/* LATCH_ON, count 1, on 100 ms, off 200 ms, index 3; then two CROBs whose
 * index 300 needs 2-byte prefixes (and a 2-byte count with them). */
static void test_command_objects_crob(void **state)
{
    (void)state;
    const dnp3_command_point_t latch3 = {
        .index = 3, .code = 0x03, .count = 1, .on_ms = 100, .off_ms = 200};
    assert_commands(12, 1, 0x17, &latch3, 1, "0C 01 17 01 03 03 01 64 00 00 00 C8 00 00 00 00");
    const dnp3_command_point_t two[] = {
        {.index = 300, .code = 0x41, .count = 1, .on_ms = 1000},
        {.index = 5, .code = 0x81, .count = 2, .off_ms = 500},
    };
    assert_commands(12, 1, 0x28, two, 2,
                    "0C 01 28 02 00"
                    " 2C 01 41 01 E8 03 00 00 00 00 00 00 00"
                    " 05 00 81 02 00 00 00 00 F4 01 00 00 00");
    /* g12v2 (pattern control block) shares the CROB layout */
    assert_commands(12, 2, 0x17, &latch3, 1, "0C 02 17 01 03 03 01 64 00 00 00 C8 00 00 00 00");
}

static void test_command_objects_analog(void **state)
{
    (void)state;
    const dnp3_command_point_t hundred = {.index = 0, .value = 100};
    const dnp3_command_point_t low = {.index = 0x0102, .value = -2147483648.0};
    assert_commands(41, 1, 0x17, &hundred, 1, "29 01 17 01 00 64 00 00 00 00");
    assert_commands(41, 1, 0x28, &low, 1, "29 01 28 01 00 02 01 00 00 00 80 00");

    const dnp3_command_point_t minus5 = {.index = 1, .value = -5};
    const dnp3_command_point_t top16 = {.index = 300, .value = 32767};
    assert_commands(41, 2, 0x17, &minus5, 1, "29 02 17 01 01 FB FF 00");
    assert_commands(41, 2, 0x28, &top16, 1, "29 02 28 01 00 2C 01 FF 7F 00");

    const dnp3_command_point_t f32[] = {{.index = 2, .value = 12.5}, {.index = 256, .value = -1.0}};
    assert_commands(41, 3, 0x17, f32, 1, "29 03 17 01 02 00 00 48 41 00");
    assert_commands(41, 3, 0x28, f32, 2,
                    "29 03 28 02 00 02 00 00 00 48 41 00 00 01 00 00 80 BF 00");
    const dnp3_command_point_t inf = {.index = 7, .value = INFINITY};
    assert_commands(41, 3, 0x17, &inf, 1, "29 03 17 01 07 00 00 80 7F 00");

    const dnp3_command_point_t tenth = {.index = 3, .value = 0.1};
    const dnp3_command_point_t one = {.index = 65535, .value = 1.0};
    assert_commands(41, 4, 0x17, &tenth, 1, "29 04 17 01 03 9A 99 99 99 99 99 B9 3F 00");
    assert_commands(41, 4, 0x28, &one, 1, "29 04 28 01 00 FF FF 00 00 00 00 00 00 F0 3F 00");
}

/* The same objects through the general writer (a dnp3_point_t each): the
 * two agree byte for byte for every command variation. */
static void test_command_objects_match_general_writer(void **state)
{
    (void)state;
    static const struct {
        uint8_t g, v;
        dnp3_value_type_t type;
    } kinds[] = {{12, 1, DNP3_VT_CROB},
                 {41, 1, DNP3_VT_AO_INT},
                 {41, 2, DNP3_VT_AO_INT},
                 {41, 3, DNP3_VT_AO_FLOAT},
                 {41, 4, DNP3_VT_AO_FLOAT}};
    const dnp3_command_point_t pts[] = {
        {.index = 9, .code = 0x41, .count = 2, .on_ms = 0x01020304, .off_ms = 7, .value = -300},
        {.index = 260, .code = 0x81, .count = 1, .on_ms = 5, .off_ms = 0xFFFFFFFF, .value = 12},
    };
    for (size_t k = 0; k < sizeof kinds / sizeof kinds[0]; k++) {
        uint8_t fast[128], general[128];
        int n = write_commands(kinds[k].g, kinds[k].v, 0x28, pts, 2, fast, sizeof fast);
        assert_true(n > 0);
        dnp3_app_writer_t w;
        dnp3_app_writer_init(&w, general, sizeof general);
        dnp3_app_write_request(&w, 0xC0, DNP3_FC_SELECT);
        dnp3_app_write_indexed(&w, kinds[k].g, kinds[k].v, 2, 260);
        for (size_t i = 0; i < 2; i++) {
            dnp3_point_t p;
            memset(&p, 0, sizeof p);
            p.index = pts[i].index;
            p.type = kinds[k].type;
            p.v.crob.code = pts[i].code;
            p.v.crob.count = pts[i].count;
            p.v.crob.on_ms = pts[i].on_ms;
            p.v.crob.off_ms = pts[i].off_ms;
            if (kinds[k].type == DNP3_VT_AO_INT)
                p.v.analog_i = (int32_t)pts[i].value;
            else if (kinds[k].type == DNP3_VT_AO_FLOAT)
                p.v.analog_f = pts[i].value;
            assert_int_equal(dnp3_app_write_point(&w, &p), 0);
        }
        assert_int_equal(dnp3_app_writer_finish(&w), n + 2);
        assert_bytes_equal(fast, (size_t)n, general + 2, (size_t)n);
    }
}

/* Every capacity short of the objects is refused with NOSPACE and nothing
 * written; the exact size fits. */
static void test_command_objects_nospace(void **state)
{
    (void)state;
    const dnp3_command_point_t two[] = {{.index = 1, .value = 1.5}, {.index = 2, .value = 2.5}};
    const size_t need = 3 + 1 + 2 * (1 + 9); /* g41v4, 1-byte count and indices */
    uint8_t buf[64];
    for (size_t cap = 0; cap < need; cap++) {
        memset(buf, 0xAA, sizeof buf);
        assert_int_equal(write_commands(41, 4, 0x17, two, 2, buf, cap), DNP3_E_NOSPACE);
        for (size_t i = 0; i < sizeof buf; i++)
            assert_int_equal(buf[i], 0xAA);
    }
    assert_int_equal(write_commands(41, 4, 0x17, two, 2, buf, need), (int)need);
}

/* Indices and counts beyond the qualifier's fields, values beyond the
 * variation, qualifiers and objects the writer does not carry. */
static void test_command_objects_refusals(void **state)
{
    (void)state;
    uint8_t buf[4096];
    const dnp3_command_point_t i256 = {.index = 256, .code = 0x03, .count = 1};
    const dnp3_command_point_t i65536 = {.index = 65536, .code = 0x03, .count = 1};
    assert_int_equal(write_commands(12, 1, 0x17, &i256, 1, buf, sizeof buf), DNP3_E_APP_VALUE);
    assert_int_equal(write_commands(12, 1, 0x28, &i65536, 1, buf, sizeof buf), DNP3_E_APP_VALUE);
    assert_int_equal(write_commands(12, 1, 0x39, &i65536, 1, buf, sizeof buf), 3 + 4 + 4 + 11);
    /* the second object's index is the one too large */
    const dnp3_command_point_t pair[] = {{.index = 255}, {.index = 256}};
    assert_int_equal(write_commands(12, 1, 0x17, pair, 2, buf, sizeof buf), DNP3_E_APP_VALUE);

    static dnp3_command_point_t many[256]; /* index 0, all zero */
    assert_int_equal(write_commands(12, 1, 0x17, many, 256, buf, sizeof buf), DNP3_E_APP_COUNT);
    assert_int_equal(write_commands(12, 1, 0x17, many, 255, buf, sizeof buf), 4 + 255 * 12);

    dnp3_command_point_t p = {.index = 1, .value = 40000};
    assert_int_equal(write_commands(41, 2, 0x17, &p, 1, buf, sizeof buf), DNP3_E_APP_VALUE);
    p.value = 1.5;
    assert_int_equal(write_commands(41, 1, 0x17, &p, 1, buf, sizeof buf), DNP3_E_APP_VALUE);
    p.value = 2147483648.0;
    assert_int_equal(write_commands(41, 1, 0x17, &p, 1, buf, sizeof buf), DNP3_E_APP_VALUE);
    p.value = NAN;
    assert_int_equal(write_commands(41, 1, 0x17, &p, 1, buf, sizeof buf), DNP3_E_APP_VALUE);
    assert_int_equal(write_commands(41, 2, 0x17, &p, 1, buf, sizeof buf), DNP3_E_APP_VALUE);
    p.value = 1e300; /* finite, beyond single precision */
    assert_int_equal(write_commands(41, 3, 0x17, &p, 1, buf, sizeof buf), DNP3_E_APP_VALUE);
    assert_int_equal(write_commands(41, 4, 0x17, &p, 1, buf, sizeof buf), 3 + 1 + 1 + 9);

    assert_int_equal(write_commands(12, 1, 0x07, &p, 1, buf, sizeof buf), DNP3_E_APP_QUALIFIER);
    assert_int_equal(write_commands(12, 1, 0x5B, &p, 1, buf, sizeof buf), DNP3_E_APP_QUALIFIER);
    assert_int_equal(write_commands(12, 1, 0x17, &p, 0, buf, sizeof buf), DNP3_E_INVALID_ARG);
    assert_int_equal(write_commands(12, 1, 0x17, NULL, 1, buf, sizeof buf), DNP3_E_INVALID_ARG);
    assert_int_equal(write_commands(12, 9, 0x17, &p, 1, buf, sizeof buf),
                     DNP3_E_APP_OBJECT_UNKNOWN);
    /* known objects that are not commands: no status byte, variation 0, packed */
    assert_int_equal(write_commands(30, 1, 0x17, &p, 1, buf, sizeof buf), DNP3_E_INVALID_ARG);
    assert_int_equal(write_commands(41, 0, 0x17, &p, 1, buf, sizeof buf), DNP3_E_INVALID_ARG);
    assert_int_equal(write_commands(12, 3, 0x17, &p, 1, buf, sizeof buf), DNP3_E_INVALID_ARG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_writes_facts_vectors),
        cmocka_unit_test(test_relative_time_from_cto),
        cmocka_unit_test(test_qualifier_choice),
        cmocka_unit_test(test_count_mismatch),
        cmocka_unit_test(test_misuse),
        cmocka_unit_test(test_value_checks),
        cmocka_unit_test(test_variation0_and_g0_headers),
        cmocka_unit_test(test_single_precision_range),
        cmocka_unit_test(test_nospace_every_capacity),
        cmocka_unit_test(test_open_header_patched_at_close),
        cmocka_unit_test(test_nospace_leaves_writer_usable),
        cmocka_unit_test(test_rollback_byte_identical),
        cmocka_unit_test(test_fill_every_fragment_size),
        cmocka_unit_test(test_command_objects_crob),
        cmocka_unit_test(test_command_objects_analog),
        cmocka_unit_test(test_command_objects_match_general_writer),
        cmocka_unit_test(test_command_objects_nospace),
        cmocka_unit_test(test_command_objects_refusals),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
