/* Byte order helpers: the one place that turns wire bytes into integers.
 * DNP3 is little-endian throughout (IEEE 1815-2012 11.3); the big-endian
 * pair serves the IP/TCP/UDP headers of the capture writer. Every function
 * works on unaligned bytes and never reads or writes past the width named. */
#ifndef DNP3I_UTIL_BYTEORDER_H
#define DNP3I_UTIL_BYTEORDER_H

#include <stdint.h>

static inline uint16_t dnp3i_get_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t dnp3i_get_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t dnp3i_get_le48(const uint8_t *p)
{
    return (uint64_t)dnp3i_get_le32(p) | ((uint64_t)dnp3i_get_le16(p + 4) << 32);
}

static inline uint64_t dnp3i_get_le64(const uint8_t *p)
{
    return (uint64_t)dnp3i_get_le32(p) | ((uint64_t)dnp3i_get_le32(p + 4) << 32);
}

static inline void dnp3i_put_le16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void dnp3i_put_le32(uint8_t *p, uint32_t v)
{
    dnp3i_put_le16(p, (uint16_t)v);
    dnp3i_put_le16(p + 2, (uint16_t)(v >> 16));
}

static inline void dnp3i_put_le48(uint8_t *p, uint64_t v)
{
    dnp3i_put_le32(p, (uint32_t)v);
    dnp3i_put_le16(p + 4, (uint16_t)(v >> 32));
}

static inline void dnp3i_put_le64(uint8_t *p, uint64_t v)
{
    dnp3i_put_le32(p, (uint32_t)v);
    dnp3i_put_le32(p + 4, (uint32_t)(v >> 32));
}

/* Little-endian unsigned of 1, 2 or 4 bytes (qualifier prefixes and ranges). */
static inline uint32_t dnp3i_get_le_n(const uint8_t *p, int n)
{
    return n == 1 ? p[0] : n == 2 ? dnp3i_get_le16(p) : dnp3i_get_le32(p);
}

static inline void dnp3i_put_le_n(uint8_t *p, int n, uint32_t v)
{
    if (n == 1)
        p[0] = (uint8_t)v;
    else if (n == 2)
        dnp3i_put_le16(p, (uint16_t)v);
    else
        dnp3i_put_le32(p, v);
}

static inline uint16_t dnp3i_get_be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static inline uint32_t dnp3i_get_be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static inline void dnp3i_put_be16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

static inline void dnp3i_put_be32(uint8_t *p, uint32_t v)
{
    dnp3i_put_be16(p, (uint16_t)(v >> 16));
    dnp3i_put_be16(p + 2, (uint16_t)v);
}

#endif
