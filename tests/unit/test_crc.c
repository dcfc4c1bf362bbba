/* CRC-16/DNP: check value, tables, and the vectors of DNP3-FACTS 1.6/1.7. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dnp3/link.h"
#include "dnp3test.h"
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

/* The library's CRC, its bitwise definition and the test support's own
 * bit-by-bit CRC all give `want` for the bytes of `hex`. */
static void check_vector(const char *hex, uint16_t want)
{
    uint8_t bytes[64];
    size_t n = dnp3t_hex(hex, bytes, sizeof bytes);
    assert_int_equal(dnp3_crc16(bytes, n), want);
    assert_int_equal(dnp3i_crc_bitwise(bytes, n), want);
    assert_int_equal(dnp3t_crc16(bytes, n), want);
}

static void test_facts_vectors(void **state)
{
    (void)state;
    check_vector("31 32 33 34 35 36 37 38 39", 0xEA82);                   /* "123456789" */
    check_vector("05 64 05 C0 01 00 00 04", 0x21E9);                      /* reset link */
    check_vector("05 64 05 00 00 04 01 00", 0xA619);                      /* ACK */
    check_vector("05 64 14 F3 01 00 00 04", 0x3B0A);                      /* confirmed user data */
    check_vector("C0 C3 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06", 0x129A); /* a block */
    check_vector("05 64 05 C9 0A 00 01 00", 0xDAFE);                      /* request link status */
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
