/* Test helpers (see dnp3test.h). Written against nothing but the C library
 * and cmocka, so a test's expectations never come from the code under test. */
#include "dnp3test.h"

#include <ctype.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

size_t dnp3t_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    for (const char *s = hex; *s;) {
        if (strchr(" \t\r\n:-", *s)) {
            s++;
            continue;
        }
        if (!isxdigit((unsigned char)s[0]) || !isxdigit((unsigned char)s[1]))
            fail_msg("malformed hex at offset %zu of \"%s\"", (size_t)(s - hex), hex);
        if (n == cap)
            fail_msg("hex longer than %zu bytes: \"%s\"", cap, hex);
        const char pair[3] = {s[0], s[1], '\0'};
        out[n++] = (uint8_t)strtoul(pair, NULL, 16);
        s += 2;
    }
    return n;
}

char *dnp3t_to_hex(const uint8_t *p, size_t n, char *out, size_t cap)
{
    size_t at = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n; i++) {
        if (at + 3 + 4 > cap) { /* room for " XX" and "...\0" */
            snprintf(out + at, cap - at, "...");
            return out;
        }
        at += (size_t)snprintf(out + at, cap - at, i ? " %02X" : "%02X", p[i]);
    }
    return out;
}

uint16_t dnp3t_crc16(const uint8_t *p, size_t n)
{
    uint16_t crc = 0;
    for (size_t i = 0; i < n; i++) {
        crc ^= p[i];
        for (int b = 0; b < 8; b++)
            crc = (crc & 1) ? (uint16_t)((crc >> 1) ^ 0xA6BC) : (uint16_t)(crc >> 1);
    }
    return (uint16_t)~crc;
}

static void put_crc(uint8_t *at, const uint8_t *p, size_t n)
{
    uint16_t crc = dnp3t_crc16(p, n);
    at[0] = (uint8_t)crc;
    at[1] = (uint8_t)(crc >> 8);
}

size_t dnp3t_frame(uint8_t *out, size_t cap, uint8_t control, uint16_t dst, uint16_t src,
                   const uint8_t *user, size_t len)
{
    if (len > 250)
        fail_msg("frame user data of %zu bytes (max 250)", len);
    size_t size = 10 + len + 2 * ((len + 15) / 16);
    if (size > cap)
        fail_msg("frame of %zu bytes in a buffer of %zu", size, cap);
    const uint8_t hdr[8] = {0x05,
                            0x64,
                            (uint8_t)(5 + len),
                            control,
                            (uint8_t)dst,
                            (uint8_t)(dst >> 8),
                            (uint8_t)src,
                            (uint8_t)(src >> 8)};
    memcpy(out, hdr, 8);
    put_crc(out + 8, out, 8);
    uint8_t *w = out + 10;
    for (size_t at = 0; at < len; at += 16) {
        size_t n = len - at < 16 ? len - at : 16;
        memcpy(w, user + at, n);
        put_crc(w + n, w, n);
        w += n + 2;
    }
    return size;
}

size_t dnp3t_frame_hex(uint8_t *out, size_t cap, uint8_t control, uint16_t dst, uint16_t src,
                       const char *user_hex)
{
    uint8_t user[250];
    size_t n = dnp3t_hex(user_hex, user, sizeof user);
    return dnp3t_frame(out, cap, control, dst, src, user, n);
}

void dnp3t_assert_bytes_equal(const uint8_t *got, size_t got_n, const uint8_t *want, size_t want_n,
                              const char *file, int line)
{
    size_t min = got_n < want_n ? got_n : want_n, at = 0;
    while (at < min && got[at] == want[at])
        at++;
    if (at == min && got_n == want_n)
        return;
    /* Show a window around the first difference, with a caret under it. */
    const size_t from = at > 8 ? at - 8 : 0;
    char g[200], w[200];
    dnp3t_to_hex(got + from, got_n - from < 48 ? got_n - from : 48, g, sizeof g);
    dnp3t_to_hex(want + from, want_n - from < 48 ? want_n - from : 48, w, sizeof w);
    print_error("bytes differ at offset %zu (got %zu bytes, want %zu), shown from offset %zu\n"
                "  got : %s\n  want: %s\n        %*s^^\n",
                at, got_n, want_n, from, g, w, (int)(3 * (at - from)), "");
    _fail(file, line);
}

void dnp3t_assert_hex_equal(const uint8_t *got, size_t n, const char *want_hex, const char *file,
                            int line)
{
    static uint8_t want[65536]; /* tests are single-threaded */
    size_t want_n = dnp3t_hex(want_hex, want, sizeof want);
    dnp3t_assert_bytes_equal(got, n, want, want_n, file, line);
}
