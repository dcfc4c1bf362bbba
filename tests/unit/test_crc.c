/* CRC-16/DNP: check value, tables, and the vectors of DNP3-FACTS 1.6/1.7. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dnp3/link.h"
#include "link/crc_internal.h"

static uint16_t crc_of(const char *s)
{
    return dnp3_crc16((const uint8_t *)s, strlen(s));
}

static void test_check_value(void **state)
{
    (void)state;
    assert_int_equal(crc_of("123456789"), 0xEA82);
    /* The empty input and a single zero byte both give ~0. */
    assert_int_equal(dnp3_crc16((const uint8_t *)"", 0), 0xFFFF);
    static const uint8_t zero[1] = {0};
    assert_int_equal(dnp3_crc16(zero, 1), 0xFFFF);
    assert_int_equal(dnp3_crc16(NULL, 0), 0xFFFF);
}

static void test_table_sanity(void **state)
{
    (void)state;
    assert_int_equal(dnp3i_crc_table[0][0], 0x0000);
    assert_int_equal(dnp3i_crc_table[0][1], 0x365E);
    assert_int_equal(dnp3i_crc_table[0][2], 0x6CBC);
    assert_int_equal(dnp3i_crc_table[0][255], 0x1235);
}

/* Every entry of every slice: table[k][i] is the raw register after byte i
 * followed by k zero bytes, computed here bit by bit. */
static void test_slicing_tables_bitwise(void **state)
{
    (void)state;
    uint8_t msg[16];
    for (unsigned k = 0; k < 16; k++) {
        for (unsigned i = 0; i < 256; i++) {
            memset(msg, 0, sizeof msg);
            msg[0] = (uint8_t)i;
            uint16_t raw = (uint16_t)~dnp3i_crc_bitwise(msg, k + 1);
            if (dnp3i_crc_table[k][i] != raw)
                fail_msg("table[%u][%u] = 0x%04X, bitwise 0x%04X", k, i, dnp3i_crc_table[k][i],
                         raw);
        }
    }
}

static void check_vector(const uint8_t *bytes, size_t n, uint16_t want)
{
    assert_int_equal(dnp3_crc16(bytes, n), want);
    assert_int_equal(dnp3i_crc_bitwise(bytes, n), want);
}

static void test_facts_vectors(void **state)
{
    (void)state;
    static const uint8_t reset[] = {0x05, 0x64, 0x05, 0xC0, 0x01, 0x00, 0x00, 0x04};
    static const uint8_t ack[] = {0x05, 0x64, 0x05, 0x00, 0x00, 0x04, 0x01, 0x00};
    static const uint8_t cud[] = {0x05, 0x64, 0x14, 0xF3, 0x01, 0x00, 0x00, 0x04};
    static const uint8_t block[] = {0xC0, 0xC3, 0x01, 0x3C, 0x02, 0x06, 0x3C, 0x03,
                                    0x06, 0x3C, 0x04, 0x06, 0x3C, 0x01, 0x06};
    static const uint8_t status[] = {0x05, 0x64, 0x05, 0xC9, 0x0A, 0x00, 0x01, 0x00};
    check_vector((const uint8_t *)"123456789", 9, 0xEA82);
    check_vector(reset, sizeof reset, 0x21E9);
    check_vector(ack, sizeof ack, 0xA619);
    check_vector(cud, sizeof cud, 0x3B0A);
    check_vector(block, sizeof block, 0x129A);
    check_vector(status, sizeof status, 0xDAFE);
}

/* The sliced paths (16, 8, 1 byte steps) agree with the bitwise definition
 * for every length 0..300 and every start alignment 0..7. */
static void test_all_lengths_and_alignments(void **state)
{
    (void)state;
    uint8_t data[320];
    uint32_t x = 0x12345678u;
    for (size_t i = 0; i < sizeof data; i++) {
        x = x * 1103515245u + 12345u;
        data[i] = (uint8_t)(x >> 16);
    }
    for (size_t align = 0; align < 8; align++) {
        for (size_t len = 0; len <= 300; len++) {
            uint16_t got = dnp3_crc16(data + align, len);
            uint16_t want = dnp3i_crc_bitwise(data + align, len);
            if (got != want)
                fail_msg("len %zu align %zu: 0x%04X != 0x%04X", len, align, got, want);
        }
    }
}

/* Incremental folding over any split equals one pass. */
static void test_incremental(void **state)
{
    (void)state;
    const uint8_t *m = (const uint8_t *)"The quick brown fox jumps over the lazy dog, twice over.";
    size_t n = strlen((const char *)m);
    uint16_t whole = dnp3_crc16(m, n);
    for (size_t cut = 0; cut <= n; cut++) {
        uint16_t reg = dnp3i_crc_update(0, m, cut);
        reg = dnp3i_crc_update(reg, m + cut, n - cut);
        assert_int_equal(dnp3i_crc_final(reg), whole);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_check_value),
        cmocka_unit_test(test_table_sanity),
        cmocka_unit_test(test_slicing_tables_bitwise),
        cmocka_unit_test(test_facts_vectors),
        cmocka_unit_test(test_all_lengths_and_alignments),
        cmocka_unit_test(test_incremental),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
