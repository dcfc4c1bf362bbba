/* Helpers shared by the unit tests (tests/support, linked into every unit
 * test as libdnp3test): hex in and out, a link frame builder with its own
 * bitwise CRC (independent of the library's tables), and a byte comparison
 * that fails with a readable diff.
 *
 * Hex text is pairs of hex digits; spaces, tabs, newlines, ':' and '-'
 * between pairs are ignored ("05 64 05 C0", "0564:05c0"). */
#ifndef DNP3TEST_H
#define DNP3TEST_H

#include <stddef.h>
#include <stdint.h>

/* Bytes of `hex` into out[0..cap). Fails the running test (cmocka) on a
 * malformed string or when it does not fit. Returns the byte count. */
size_t dnp3t_hex(const char *hex, uint8_t *out, size_t cap);

/* "05 64 05 C0": upper case, one space between bytes, into out[0..cap)
 * (truncated with "..." when it does not fit; cap >= 4). Returns out. */
char *dnp3t_to_hex(const uint8_t *p, size_t n, char *out, size_t cap);

/* CRC-16/DNP computed bit by bit (IEEE 1815-2012 9.2.4.2), as a reference
 * for the library's table-driven one. */
uint16_t dnp3t_crc16(const uint8_t *p, size_t n);

/* A complete FT3 frame (header, block CRCs) carrying user[0..len), len <=
 * 250, built without the library. Returns the frame size; fails the test
 * when it does not fit in cap. */
size_t dnp3t_frame(uint8_t *out, size_t cap, uint8_t control, uint16_t dst, uint16_t src,
                   const uint8_t *user, size_t len);
/* The same with the user data given as hex. */
size_t dnp3t_frame_hex(uint8_t *out, size_t cap, uint8_t control, uint16_t dst, uint16_t src,
                       const char *user_hex);

/* Fails the test unless got[0..n) equals the bytes of want_hex; the message
 * shows both in hex, marks the first difference and the lengths. */
#define assert_hex_equal(got, n, want_hex)                                                         \
    dnp3t_assert_hex_equal((got), (n), (want_hex), __FILE__, __LINE__)
/* Same for two byte arrays. */
#define assert_bytes_equal(got, got_n, want, want_n)                                               \
    dnp3t_assert_bytes_equal((got), (got_n), (want), (want_n), __FILE__, __LINE__)

void dnp3t_assert_hex_equal(const uint8_t *got, size_t n, const char *want_hex, const char *file,
                            int line);
void dnp3t_assert_bytes_equal(const uint8_t *got, size_t got_n, const uint8_t *want, size_t want_n,
                              const char *file, int line);

#endif
