/* Private helpers shared by the application-layer modules (src/app). */
#ifndef DNP3_APP_INTERNAL_H
#define DNP3_APP_INTERNAL_H

#include "dnp3/app.h"

#include <string.h>

static inline uint16_t app_rd16(const uint8_t *p)
{
    return (uint16_t)(p[0] | (p[1] << 8));
}

static inline uint32_t app_rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}

static inline uint64_t app_rd48(const uint8_t *p)
{
    return (uint64_t)app_rd32(p) | ((uint64_t)app_rd16(p + 4) << 32);
}

static inline uint64_t app_rd64(const uint8_t *p)
{
    return (uint64_t)app_rd32(p) | ((uint64_t)app_rd32(p + 4) << 32);
}

static inline void app_wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
}

static inline void app_wr32(uint8_t *p, uint32_t v)
{
    app_wr16(p, (uint16_t)v);
    app_wr16(p + 2, (uint16_t)(v >> 16));
}

static inline void app_wr48(uint8_t *p, uint64_t v)
{
    app_wr32(p, (uint32_t)v);
    app_wr16(p + 4, (uint16_t)(v >> 32));
}

static inline void app_wr64(uint8_t *p, uint64_t v)
{
    app_wr32(p, (uint32_t)v);
    app_wr32(p + 4, (uint32_t)(v >> 32));
}

/* Little-endian unsigned of 1, 2 or 4 bytes (prefixes and range fields). */
static inline uint32_t app_rdn(const uint8_t *p, int n)
{
    return n == 1 ? p[0] : n == 2 ? app_rd16(p) : app_rd32(p);
}

static inline void app_wrn(uint8_t *p, int n, uint32_t v)
{
    if (n == 1)
        p[0] = (uint8_t)v;
    else if (n == 2)
        app_wr16(p, (uint16_t)v);
    else
        app_wr32(p, v);
}

/* Size in bytes of the value part of one object (pre + val + post) for
 * FIXED and BY_VARIATION objects; 0 for the other kinds. */
static inline size_t app_obj_size(const dnp3_obj_info_t *info, uint8_t variation)
{
    if (info->size_kind == DNP3_SK_FIXED)
        return info->size;
    if (info->size_kind == DNP3_SK_BY_VARIATION)
        return variation;
    return 0;
}

/* Decode one fixed-layout object (len bytes at p) into pt's value fields.
 * cto (if has_cto) resolves relative times. */
void app_decode_fields(const dnp3_obj_info_t *info, const uint8_t *p, size_t len, bool has_cto,
                       dnp3_time_t cto, dnp3_point_t *pt);

/* Encode pt's value into `size` bytes at out (fixed-layout objects).
 * has_cto/cto let a REL16 object be derived from pt->time.
 * Returns DNP3_OK or DNP3_E_APP_VALUE. */
int app_encode_fields(const dnp3_obj_info_t *info, size_t size, const dnp3_point_t *pt,
                      bool has_cto, dnp3_time_t cto, uint8_t *out);

/* Prefix size of a qualifier that dnp3_qualifier_check() has already
 * accepted (header parse or write time): the per-object hot paths skip the
 * re-check. */
static inline int app_prefix_size(uint8_t qualifier)
{
    static const int8_t sizes[8] = {0, 1, 2, 4, 1, 2, 4, 0};
    return sizes[DNP3_QUAL_PREFIX(qualifier)];
}

#endif
