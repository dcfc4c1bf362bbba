/* Hex text parsing for `dnp3 decode HEX...` (tools/dnp3/hex.c). */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>

#include "hex.h"

static const uint8_t FRAME[] = {0x05, 0x64, 0x05, 0xC9, 0x0A, 0x00, 0x01, 0x00, 0xFE, 0xDA};

static void expect_frame(const char *text)
{
    uint8_t out[32];
    size_t len = 99, pos = 77;
    assert_int_equal(hex_parse(text, out, sizeof out, &len, &pos), 0);
    assert_int_equal(len, sizeof FRAME);
    assert_memory_equal(out, FRAME, sizeof FRAME);
    assert_int_equal(pos, 77); /* untouched on success */
}

static void test_separators(void **state)
{
    (void)state;
    expect_frame("05 64 05 C9 0A 00 01 00 FE DA");
    expect_frame("056405C90A000100FEDA");
    expect_frame("05:64:05:c9:0a:00:01:00:fe:da");
    expect_frame("05-64-05-C9-0A-00-01-00-FE-DA");
    expect_frame("05,64,05,C9,0A,00,01,00,FE,DA");
    expect_frame("\t05 6405\r\nC9  0A0001\n00 FEDA\n");
    expect_frame("0x05 0x64 0X05 0xC9 0x0A000100FEDA");
    expect_frame("0x0564, 0x05C9 :: 0A-00-01-00 FE DA -");
}

static void test_empty(void **state)
{
    (void)state;
    uint8_t out[4];
    size_t len = 99;
    assert_int_equal(hex_parse("", out, sizeof out, &len, NULL), 0);
    assert_int_equal(len, 0);
    assert_int_equal(hex_parse(" \n:,-\t", out, sizeof out, &len, NULL), 0);
    assert_int_equal(len, 0);
    assert_int_equal(hex_parse("", NULL, 0, &len, NULL), 0);
}

static void expect_format(const char *text, size_t want_pos, size_t want_len)
{
    uint8_t out[32];
    size_t len = 99, pos = 99;
    assert_int_equal(hex_parse(text, out, sizeof out, &len, &pos), DNP3_E_FORMAT);
    assert_int_equal(pos, want_pos);
    assert_int_equal(len, want_len);
}

static void test_format_errors(void **state)
{
    (void)state;
    expect_format("05 6", 3, 1);     /* odd token: position of its start */
    expect_format("05 640", 3, 2);   /* odd token after a good pair */
    expect_format("abc", 0, 1);      /* three digits */
    expect_format("05 6g", 4, 1);    /* non-hex second digit */
    expect_format("05 g6", 3, 1);    /* non-hex first digit */
    expect_format("05;64", 2, 1);    /* ';' is no separator */
    expect_format("0x", 0, 0);       /* bare prefix */
    expect_format("01 0x 02", 3, 1); /* bare prefix mid-text */
    expect_format("0x5", 0, 0);      /* odd after the prefix */
    expect_format("050x12", 3, 1);   /* 0x only at a token start: the x is bad */
    expect_format("x05", 0, 0);
    expect_format("05 64 ZZ", 6, 2);
    expect_format("05\xC3\xA9", 2, 1); /* UTF-8 is not hex */
}

static void test_nospace(void **state)
{
    (void)state;
    uint8_t out[3] = {0};
    size_t len = 99, pos = 99;
    assert_int_equal(hex_parse("01 02 03", out, 3, &len, &pos), 0);
    assert_int_equal(len, 3);
    assert_int_equal(hex_parse("01 02 03 04", out, 3, &len, &pos), DNP3_E_NOSPACE);
    assert_int_equal(len, 3);
    assert_int_equal(pos, 9);
    assert_int_equal(out[2], 0x03);
    assert_int_equal(hex_parse("0102030405", out, 3, &len, &pos), DNP3_E_NOSPACE);
    assert_int_equal(pos, 6);
    assert_int_equal(hex_parse("01", NULL, 0, &len, &pos), DNP3_E_NOSPACE);
    assert_int_equal(pos, 0);
    assert_int_equal(len, 0);
}

static void test_invalid_args(void **state)
{
    (void)state;
    uint8_t out[4];
    size_t len;
    assert_int_equal(hex_parse(NULL, out, 4, &len, NULL), DNP3_E_INVALID_ARG);
    assert_int_equal(hex_parse("01", out, 4, NULL, NULL), DNP3_E_INVALID_ARG);
    assert_int_equal(hex_parse("01", NULL, 4, &len, NULL), DNP3_E_INVALID_ARG);
}

static void test_args(void **state)
{
    (void)state;
    char *argv[] = {"05", "64 05", "C9:0A", "0x000100", "FEDA"};
    uint8_t out[32];
    size_t len = 0, pos = 99;
    int arg = -1;
    assert_int_equal(hex_append_args(5, argv, out, sizeof out, &len, &arg, &pos), 0);
    assert_int_equal(len, sizeof FRAME);
    assert_memory_equal(out, FRAME, sizeof FRAME);
    assert_int_equal(arg, -1);

    /* Appends after what is there. */
    char *more[] = {"11", "22"};
    assert_int_equal(hex_append_args(2, more, out, sizeof out, &len, &arg, &pos), 0);
    assert_int_equal(len, 12);
    assert_int_equal(out[10], 0x11);
    assert_int_equal(out[11], 0x22);

    /* A token does not span arguments: "0" "5" is two odd tokens. */
    char *split[] = {"01", "0", "5"};
    len = 0;
    assert_int_equal(hex_append_args(3, split, out, sizeof out, &len, &arg, &pos), DNP3_E_FORMAT);
    assert_int_equal(arg, 1);
    assert_int_equal(pos, 0);
    assert_int_equal(len, 1);

    char *bad[] = {"01 02", "03 zz"};
    len = 0;
    assert_int_equal(hex_append_args(2, bad, out, sizeof out, &len, &arg, &pos), DNP3_E_FORMAT);
    assert_int_equal(arg, 1);
    assert_int_equal(pos, 3);
    assert_int_equal(len, 3);

    char *big[] = {"0102", "0304"};
    len = 0;
    assert_int_equal(hex_append_args(2, big, out, 3, &len, &arg, &pos), DNP3_E_NOSPACE);
    assert_int_equal(arg, 1);
    assert_int_equal(pos, 2);
    assert_int_equal(len, 3);

    len = 0;
    assert_int_equal(hex_append_args(0, NULL, out, sizeof out, &len, NULL, NULL), 0);
    assert_int_equal(len, 0);
    len = 5;
    assert_int_equal(hex_append_args(1, argv, out, 4, &len, NULL, NULL), DNP3_E_INVALID_ARG);
}

/* ---- the streaming form: any chunking gives the same bytes and errors ---- */

static void test_stream_any_chunking(void **state)
{
    (void)state;
    const char *text = "0x0564 05:C9\n0A-00 01 00\r\nFE,DA\n";
    size_t len = strlen(text);
    for (size_t step = 1; step <= len; step++) {
        hex_stream_t h;
        hex_stream_init(&h);
        uint8_t out[32];
        size_t total = 0;
        for (size_t off = 0; off < len; off += step) {
            size_t k = len - off < step ? len - off : step, got = 0;
            assert_int_equal(
                hex_stream_feed(&h, text + off, k, out + total, sizeof out - total, &got), 0);
            total += got;
        }
        assert_int_equal(hex_stream_finish(&h), 0);
        assert_int_equal(total, sizeof FRAME);
        assert_memory_equal(out, FRAME, sizeof FRAME);
    }
}

static void stream_error(const char *a, const char *b, uint64_t pos, uint64_t line, uint64_t col,
                         char c)
{
    hex_stream_t h;
    hex_stream_init(&h);
    uint8_t out[32];
    size_t got = 0;
    int rc = hex_stream_feed(&h, a, strlen(a), out, sizeof out, &got);
    if (rc == 0 && b)
        rc = hex_stream_feed(&h, b, b[0] ? strlen(b) : 1, out, sizeof out, &got); /* "" = NUL */
    if (rc == 0)
        rc = hex_stream_finish(&h);
    assert_int_equal(rc, DNP3_E_FORMAT);
    assert_int_equal(h.err_pos, pos);
    assert_int_equal(h.err_line, line);
    assert_int_equal(h.err_col, col);
    assert_int_equal(h.err_char, c);
}

static void test_stream_errors(void **state)
{
    (void)state;
    /* A bad character, with its line and column. */
    stream_error("05 64\n05 C0 z", NULL, 12, 2, 7, 'z');
    /* An odd token split over two chunks: reported at its start. */
    stream_error("05 6", "4 5", 6, 1, 7, '5');
    /* A NUL byte is a bad character, not the end of the text. */
    stream_error("05 64 ", "", 6, 1, 7, '\0');
    /* A bare 0x at the end, with "0" and "x" in two chunks. */
    stream_error("05 0", "x", 3, 1, 4, '0');
    /* An odd count at the very end. */
    stream_error("05 6", NULL, 3, 1, 4, '6');
}

static void test_stream_nospace(void **state)
{
    (void)state;
    hex_stream_t h;
    hex_stream_init(&h);
    uint8_t out[2];
    size_t got = 0;
    assert_int_equal(hex_stream_feed(&h, "01 02 03", 8, out, sizeof out, &got), DNP3_E_NOSPACE);
    assert_int_equal(got, 2);
    assert_int_equal(h.err_pos, 6);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_separators),          cmocka_unit_test(test_empty),
        cmocka_unit_test(test_format_errors),       cmocka_unit_test(test_nospace),
        cmocka_unit_test(test_invalid_args),        cmocka_unit_test(test_args),
        cmocka_unit_test(test_stream_any_chunking), cmocka_unit_test(test_stream_errors),
        cmocka_unit_test(test_stream_nospace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
