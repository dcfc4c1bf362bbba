/* Link frames: control byte, names, addresses, writer (byte for byte against
 * DNP3-FACTS 1.7) and the one-shot reader. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dnp3/link.h"
#include "dnp3test.h"

static const uint8_t TWO_BLOCK[] = {
    0x05, 0x64, 0x19, 0x44, 0x00, 0x04, 0x01, 0x00, 0xC8, 0xB5, /* header */
    0xC1, 0xC3, 0x81, 0x00, 0x00, 0x1E, 0x01, 0x00, 0x00, 0x01,
    0x01, 0x64, 0x00, 0x00, 0x00, 0x01, 0x4F, 0xD6, /* 16 + CRC */
    0xFE, 0xFF, 0xFF, 0xFF, 0x67, 0xB8};            /* 4 + CRC */

static void test_control_byte(void **state)
{
    (void)state;
    /* The typical control bytes of DNP3-FACTS 1.3. */
    assert_int_equal(dnp3_link_control(true, true, false, false, DNP3_LINK_RESET_LINK_STATES),
                     0xC0);
    assert_int_equal(dnp3_link_control(true, true, false, false, DNP3_LINK_UNCONFIRMED_USER_DATA),
                     0xC4);
    assert_int_equal(dnp3_link_control(false, true, false, false, DNP3_LINK_UNCONFIRMED_USER_DATA),
                     0x44);
    assert_int_equal(dnp3_link_control(true, true, false, false, DNP3_LINK_REQUEST_LINK_STATUS),
                     0xC9);
    assert_int_equal(dnp3_link_control(false, true, false, false, DNP3_LINK_REQUEST_LINK_STATUS),
                     0x49);
    assert_int_equal(dnp3_link_control(false, false, false, false, DNP3_LINK_LINK_STATUS), 0x0B);
    assert_int_equal(dnp3_link_control(true, false, false, false, DNP3_LINK_LINK_STATUS), 0x8B);
    assert_int_equal(dnp3_link_control(false, false, false, false, DNP3_LINK_ACK), 0x00);
    assert_int_equal(dnp3_link_control(true, false, false, false, DNP3_LINK_ACK), 0x80);
    assert_int_equal(dnp3_link_control(true, true, true, true, DNP3_LINK_CONFIRMED_USER_DATA),
                     0xF3);
    assert_int_equal(dnp3_link_control(true, true, false, true, DNP3_LINK_CONFIRMED_USER_DATA),
                     0xD3);
    assert_int_equal(dnp3_link_control(false, false, false, true, DNP3_LINK_ACK), 0x10); /* DFC */
    assert_int_equal(dnp3_link_control(false, false, false, false, 0xFF), 0x0F); /* masked */
}

static void test_header_accessors(void **state)
{
    (void)state;
    dnp3_link_header_t h = {.length = 5, .control = 0xF3, .dst = 1, .src = 1024};
    assert_true(dnp3_link_hdr_dir(&h));
    assert_true(dnp3_link_hdr_prm(&h));
    assert_true(dnp3_link_hdr_fcb(&h));
    assert_true(dnp3_link_hdr_fcv(&h));
    assert_int_equal(dnp3_link_hdr_func(&h), DNP3_LINK_CONFIRMED_USER_DATA);
    h.control = 0x0B;
    assert_false(dnp3_link_hdr_dir(&h));
    assert_false(dnp3_link_hdr_prm(&h));
    assert_false(dnp3_link_hdr_fcb(&h));
    assert_false(dnp3_link_hdr_dfc(&h));
    assert_int_equal(dnp3_link_hdr_func(&h), DNP3_LINK_LINK_STATUS);
    h.control = 0x10;
    assert_true(dnp3_link_hdr_dfc(&h));
}

static void test_func_names(void **state)
{
    (void)state;
    assert_string_equal(dnp3_link_func_name(true, 0), "RESET_LINK_STATES");
    assert_string_equal(dnp3_link_func_name(true, 1), "RESET_USER_PROCESS");
    assert_string_equal(dnp3_link_func_name(true, 2), "TEST_LINK_STATES");
    assert_string_equal(dnp3_link_func_name(true, 3), "CONFIRMED_USER_DATA");
    assert_string_equal(dnp3_link_func_name(true, 4), "UNCONFIRMED_USER_DATA");
    assert_string_equal(dnp3_link_func_name(true, 9), "REQUEST_LINK_STATUS");
    assert_string_equal(dnp3_link_func_name(false, 0), "ACK");
    assert_string_equal(dnp3_link_func_name(false, 1), "NACK");
    assert_string_equal(dnp3_link_func_name(false, 11), "LINK_STATUS");
    assert_string_equal(dnp3_link_func_name(false, 14), "NOT_FUNCTIONING");
    assert_string_equal(dnp3_link_func_name(false, 15), "NOT_SUPPORTED");
    /* Exactly 6 primary and 5 secondary codes are defined. */
    int prim = 0, sec = 0;
    for (unsigned f = 0; f < 256; f++) {
        prim += dnp3_link_func_name(true, (uint8_t)f) != NULL;
        sec += dnp3_link_func_name(false, (uint8_t)f) != NULL;
    }
    assert_int_equal(prim, 6);
    assert_int_equal(sec, 5);
    assert_null(dnp3_link_func_name(true, 5));
    assert_null(dnp3_link_func_name(false, 9));
}

static void test_addresses(void **state)
{
    (void)state;
    assert_false(dnp3_link_addr_is_broadcast(0));
    assert_false(dnp3_link_addr_is_broadcast(1024));
    assert_false(dnp3_link_addr_is_broadcast(0xFFEF));
    assert_false(dnp3_link_addr_is_broadcast(DNP3_ADDR_SELF));
    assert_true(dnp3_link_addr_is_broadcast(DNP3_ADDR_BROADCAST_NO_CONFIRM));
    assert_true(dnp3_link_addr_is_broadcast(DNP3_ADDR_BROADCAST_CONFIRM));
    assert_true(dnp3_link_addr_is_broadcast(DNP3_ADDR_BROADCAST_OPTIONAL));
}

static void test_frame_size(void **state)
{
    (void)state;
    assert_int_equal(dnp3_link_frame_size(0), 10);
    assert_int_equal(dnp3_link_frame_size(1), 13);
    assert_int_equal(dnp3_link_frame_size(15), 27);
    assert_int_equal(dnp3_link_frame_size(16), 28);
    assert_int_equal(dnp3_link_frame_size(17), 31);
    assert_int_equal(dnp3_link_frame_size(20), sizeof TWO_BLOCK);
    assert_int_equal(dnp3_link_frame_size(249), 291);
    assert_int_equal(dnp3_link_frame_size(250), DNP3_LINK_MAX_FRAME);
    assert_int_equal(dnp3_link_frame_size(251), 0);
}

/* The writer's frame is byte for byte the FACTS frame, and so is the one the
 * test support builds with its own CRC. */
static void expect_written(uint8_t control, uint16_t dst, uint16_t src, const char *user_hex,
                           const char *want_hex)
{
    uint8_t user[DNP3_LINK_MAX_USER_DATA], out[DNP3_LINK_MAX_FRAME], ref[DNP3_LINK_MAX_FRAME];
    size_t user_len = dnp3t_hex(user_hex, user, sizeof user);
    int n = dnp3_link_frame_write(out, sizeof out, control, dst, src, user, user_len);
    assert_true(n > 0);
    assert_hex_equal(out, (size_t)n, want_hex);
    size_t m = dnp3t_frame(ref, sizeof ref, control, dst, src, user, user_len);
    assert_hex_equal(ref, m, want_hex);
}

static void test_write_facts_frames(void **state)
{
    (void)state;
    expect_written(0xC0, 1, 1024, "", "05 64 05 C0 01 00 00 04 E9 21");
    expect_written(0xC9, 10, 1, "", "05 64 05 C9 0A 00 01 00 FE DA");
    expect_written(0x0B, 1, 10, "", "05 64 05 0B 01 00 0A 00 6D ED");
    expect_written(0x44, 1024, 1, "C1 C3 81 00 00 1E 01 00 00 01 01 64 00 00 00 01 FE FF FF FF",
                   "05 64 19 44 00 04 01 00 C8 B5"
                   " C1 C3 81 00 00 1E 01 00 00 01 01 64 00 00 00 01 4F D6"
                   " FE FF FF FF 67 B8");
}

static void test_write_read_round_trip(void **state)
{
    (void)state;
    static const size_t lens[] = {0, 1, 15, 16, 17, 249, 250};
    uint8_t user[DNP3_LINK_MAX_USER_DATA];
    for (size_t i = 0; i < sizeof user; i++)
        user[i] = (uint8_t)(i * 7 + 3);
    for (size_t k = 0; k < sizeof lens / sizeof lens[0]; k++) {
        size_t n = lens[k];
        uint8_t out[DNP3_LINK_MAX_FRAME + 8];
        memset(out, 0xAA, sizeof out);
        int w = dnp3_link_frame_write(out, sizeof out, 0xC4, 0x1234, 0xFFFD, user, n);
        assert_int_equal(w, (int)dnp3_link_frame_size(n));
        assert_int_equal(out[w], 0xAA); /* nothing past the frame */
        assert_int_equal(out[2], 5 + n);

        dnp3_link_frame_t f;
        uint8_t ubuf[DNP3_LINK_MAX_USER_DATA];
        dnp3_diag_t diag;
        assert_int_equal(dnp3_link_frame_read(out, (size_t)w, &f, ubuf, &diag), w);
        assert_int_equal(diag.code, DNP3_OK);
        assert_int_equal(f.hdr.length, 5 + n);
        assert_int_equal(f.hdr.control, 0xC4);
        assert_int_equal(f.hdr.dst, 0x1234);
        assert_int_equal(f.hdr.src, 0xFFFD);
        assert_int_equal(f.user_len, n);
        assert_ptr_equal(f.user, ubuf);
        if (n > 0)
            assert_memory_equal(f.user, user, n);
        /* One byte short is truncated. */
        assert_int_equal(dnp3_link_frame_read(out, (size_t)w - 1, &f, ubuf, &diag),
                         DNP3_E_TRUNCATED);
    }
}

static void test_write_errors(void **state)
{
    (void)state;
    uint8_t user[DNP3_LINK_MAX_USER_DATA + 1] = {0};
    uint8_t out[DNP3_LINK_MAX_FRAME + 4];
    memset(out, 0xAA, sizeof out);
    assert_int_equal(dnp3_link_frame_write(out, sizeof out, 0xC4, 1, 2, user, 251),
                     DNP3_E_LINK_USER_DATA);
    assert_int_equal(dnp3_link_frame_write(out, 9, 0xC0, 1, 2, NULL, 0), DNP3_E_NOSPACE);
    assert_int_equal(dnp3_link_frame_write(out, 27, 0xC4, 1, 2, user, 16), DNP3_E_NOSPACE);
    assert_int_equal(dnp3_link_frame_write(out, 291, 0xC4, 1, 2, user, 250), DNP3_E_NOSPACE);
    assert_int_equal(out[0], 0xAA); /* nothing written on error */
    assert_int_equal(dnp3_link_frame_write(NULL, 100, 0xC0, 1, 2, NULL, 0), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_link_frame_write(out, sizeof out, 0xC4, 1, 2, NULL, 3),
                     DNP3_E_INVALID_ARG);
    /* Exact capacity is enough. */
    assert_int_equal(dnp3_link_frame_write(out, 28, 0xC4, 1, 2, user, 16), 28);
    assert_int_equal(dnp3_link_frame_write(out, 292, 0xC4, 1, 2, user, 250), 292);
}

static void expect_read_error(const uint8_t *in, size_t len, int code, size_t offset)
{
    dnp3_link_frame_t f;
    uint8_t ubuf[DNP3_LINK_MAX_USER_DATA];
    dnp3_diag_t diag = {0, 999};
    assert_int_equal(dnp3_link_frame_read(in, len, &f, ubuf, &diag), code);
    assert_int_equal(diag.code, code);
    assert_int_equal(diag.offset, offset);
}

static void test_read_errors(void **state)
{
    (void)state;
    uint8_t b[sizeof TWO_BLOCK];
    memcpy(b, TWO_BLOCK, sizeof b);
    b[0] = 0x06;
    expect_read_error(b, sizeof b, DNP3_E_LINK_START, 0);
    b[0] = 0x05;
    b[1] = 0x65;
    expect_read_error(b, sizeof b, DNP3_E_LINK_START, 1);
    b[1] = 0x64;
    b[2] = 4;
    expect_read_error(b, sizeof b, DNP3_E_LINK_LENGTH, 2);
    b[2] = 0x19;
    b[8] ^= 1;
    expect_read_error(b, sizeof b, DNP3_E_LINK_HEADER_CRC, 8);
    b[8] ^= 1;
    b[12] ^= 0x40; /* block 0 data */
    expect_read_error(b, sizeof b, DNP3_E_LINK_BLOCK_CRC, 10);
    b[12] ^= 0x40;
    b[sizeof b - 1] ^= 0x01; /* block 1 CRC */
    expect_read_error(b, sizeof b, DNP3_E_LINK_BLOCK_CRC, 28);
    b[sizeof b - 1] ^= 0x01;
    expect_read_error(b, 9, DNP3_E_TRUNCATED, 9);
    expect_read_error(b, 1, DNP3_E_TRUNCATED, 1);
    expect_read_error(b, 0, DNP3_E_TRUNCATED, 0);
    dnp3_link_frame_t f;
    uint8_t ubuf[DNP3_LINK_MAX_USER_DATA];
    assert_int_equal(dnp3_link_frame_read(b, sizeof b, &f, ubuf, NULL), (int)sizeof b);
    assert_int_equal(dnp3_link_frame_read(b, sizeof b, NULL, ubuf, NULL), DNP3_E_INVALID_ARG);
}

/* In-place framing. The natural layout puts the fragment right after the
 * header (out + 10): every block moves 2 bytes further than the previous,
 * so a writer that goes forwards overwrites data before reading it (and
 * CRCs the damage). Every length 0..250, and the user data at every offset
 * from 20 bytes before out to past its end: the frame is exactly the one
 * built from a separate copy, or the call is refused and writes nothing. */
static void test_write_in_place(void **state)
{
    (void)state;
    static uint8_t user[250], want[300], arena[400], before[400];
    for (size_t i = 0; i < sizeof user; i++)
        user[i] = (uint8_t)(i * 37 + 11);
    uint8_t *const out = arena + 40;
    for (size_t len = 0; len <= 250; len++) {
        const size_t size = dnp3t_frame(want, sizeof want, 0x44, 3, 4, user, len);
        for (long off = -20; off <= (long)(size - len) + 2; off++) {
            memset(arena, 0xA5, sizeof arena);
            memcpy(out + off, user, len);
            memcpy(before, arena, sizeof arena);
            int n = dnp3_link_frame_write(out, 300, 0x44, 3, 4, out + off, len);
            const bool natural = off == 10, at_end = off == (long)(size - len);
            if (n == DNP3_E_INVALID_ARG && !natural && !at_end) {
                assert_memory_equal(arena, before, sizeof arena); /* nothing written */
                continue;
            }
            if (n != (int)size)
                fail_msg("len %zu at out%+ld: %d", len, off, n);
            assert_bytes_equal(out, size, want, size);
        }
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_control_byte),
        cmocka_unit_test(test_header_accessors),
        cmocka_unit_test(test_func_names),
        cmocka_unit_test(test_addresses),
        cmocka_unit_test(test_frame_size),
        cmocka_unit_test(test_write_facts_frames),
        cmocka_unit_test(test_write_read_round_trip),
        cmocka_unit_test(test_write_errors),
        cmocka_unit_test(test_write_in_place),
        cmocka_unit_test(test_read_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
