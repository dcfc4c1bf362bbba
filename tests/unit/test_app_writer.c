/* The fragment writer: exact bytes, qualifier choice, and every misuse it
 * must refuse. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dnp3/app.h"

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

/* Every capacity smaller than the fragment fails with NOSPACE and never
 * writes past the capacity. */
static void test_nospace_every_capacity(void **state)
{
    (void)state;
    uint8_t buf[64];
    dnp3_app_writer_t w;
    for (size_t cap = 0; cap <= 40; cap++) {
        memset(buf, 0xEE, sizeof buf);
        dnp3_app_writer_init(&w, buf, cap);
        dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
        dnp3_app_write_header(&w, 1, 1, 0x00, 0, 20);
        for (uint32_t i = 0; i <= 20; i++) {
            dnp3_point_t b;
            memset(&b, 0, sizeof b);
            b.type = DNP3_VT_BINARY;
            b.index = i;
            b.v.binary = i & 1;
            dnp3_app_write_point(&w, &b);
        }
        dnp3_app_write_free_format(&w, 70, 8, (const uint8_t *)"/etc", 4);
        int rc = dnp3_app_writer_finish(&w);
        const size_t total = 4 + 5 + 3 + 6 + 4;
        if (cap < total)
            assert_int_equal(rc, DNP3_E_NOSPACE);
        else
            assert_int_equal(rc, (int)total);
        for (size_t i = cap; i < sizeof buf; i++)
            assert_int_equal(buf[i], 0xEE);
    }
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
        cmocka_unit_test(test_nospace_every_capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
