/* CRC-16/DNP internals shared by crc.c, frame.c and parser.c (and the tests).
 *
 * The register is kept un-complemented while bytes are folded in ("raw");
 * the CRC placed on the wire is ~raw. Start value 0. */
#ifndef DNP3_LINK_CRC_INTERNAL_H
#define DNP3_LINK_CRC_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

/* Slicing-by-16 tables, see crc_table.c. */
extern const uint16_t dnp3i_crc_table[16][256];

/* Folds one byte into the raw register (the classic table step). */
static inline uint16_t dnp3i_crc_byte(uint16_t reg, uint8_t b)
{
    return (uint16_t)(dnp3i_crc_table[0][(reg ^ b) & 0xFF] ^ (reg >> 8));
}

/* Folds exactly 8 bytes into the raw register: the link header (9.2.4.2
 * covers bytes 0..7) is one step. */
static inline uint16_t dnp3i_crc_fold8(uint16_t reg, const uint8_t *p)
{
    const uint16_t(*t)[256] = dnp3i_crc_table;
    return (uint16_t)(t[7][p[0] ^ (reg & 0xFF)] ^ t[6][p[1] ^ (reg >> 8)] ^ t[5][p[2]] ^
                      t[4][p[3]] ^ t[3][p[4]] ^ t[2][p[5]] ^ t[1][p[6]] ^ t[0][p[7]]);
}

/* Folds exactly 16 bytes into the raw register: one full data block. */
static inline uint16_t dnp3i_crc_fold16(uint16_t reg, const uint8_t *p)
{
    const uint16_t(*t)[256] = dnp3i_crc_table;
    return (uint16_t)(t[15][p[0] ^ (reg & 0xFF)] ^ t[14][p[1] ^ (reg >> 8)] ^ t[13][p[2]] ^
                      t[12][p[3]] ^ t[11][p[4]] ^ t[10][p[5]] ^ t[9][p[6]] ^ t[8][p[7]] ^
                      t[7][p[8]] ^ t[6][p[9]] ^ t[5][p[10]] ^ t[4][p[11]] ^ t[3][p[12]] ^
                      t[2][p[13]] ^ t[1][p[14]] ^ t[0][p[15]]);
}

/* Folds len bytes of any length into the raw register. */
static inline uint16_t dnp3i_crc_update(uint16_t reg, const uint8_t *p, size_t len)
{
    while (len >= 16) {
        reg = dnp3i_crc_fold16(reg, p);
        p += 16;
        len -= 16;
    }
    if (len >= 8) {
        reg = dnp3i_crc_fold8(reg, p);
        p += 8;
        len -= 8;
    }
    while (len > 0) {
        reg = dnp3i_crc_byte(reg, *p++);
        len--;
    }
    return reg;
}

/* The CRC as placed on the wire (low byte first). */
static inline uint16_t dnp3i_crc_final(uint16_t reg)
{
    return (uint16_t)~reg;
}

/* Reference bit-at-a-time CRC (tests only use it to check the tables). */
static inline uint16_t dnp3i_crc_bitwise(const uint8_t *p, size_t len)
{
    uint16_t c = 0;
    for (size_t i = 0; i < len; i++) {
        c ^= p[i];
        for (int b = 0; b < 8; b++)
            c = (uint16_t)((c & 1) ? (c >> 1) ^ 0xA6BC : c >> 1);
    }
    return (uint16_t)~c;
}

#endif
