/* Private helpers shared by the application-layer modules (src/app). */
#ifndef DNP3_APP_INTERNAL_H
#define DNP3_APP_INTERNAL_H

#include "dnp3/app.h"
#include "app/layout.h"
#include "util/byteorder.h"

#include <string.h>

/* Size in bytes of the value part of one object (pre + val + post) for
 * FIXED and BY_VARIATION objects; 0 for the other kinds. */
static inline size_t dnp3i_obj_size(const dnp3_obj_info_t *info, uint8_t variation)
{
    if (info->size_kind == DNP3_SK_FIXED)
        return info->size;
    if (info->size_kind == DNP3_SK_BY_VARIATION)
        return variation;
    return 0;
}

/* Decode one fixed-layout object (len bytes at p) into pt's value fields.
 * cto (if has_cto) resolves relative times. */
void dnp3i_fields_read(const dnp3_obj_info_t *info, const uint8_t *p, size_t len, bool has_cto,
                       dnp3_time_t cto, dnp3_point_t *pt);

/* Encode pt's value into `size` bytes at out (fixed-layout objects).
 * has_cto/cto let a REL16 object be derived from pt->time.
 * Returns DNP3_OK or DNP3_E_APP_VALUE. */
int dnp3i_fields_write(const dnp3_obj_info_t *info, size_t size, const dnp3_point_t *pt,
                       bool has_cto, dnp3_time_t cto, uint8_t *out);

/* The index-prefixed qualifier (0x17, 0x28, 0x39) a header of `count`
 * objects up to `max_index` takes: the narrowest prefix and count field
 * both fit in (dnp3_app_write_indexed, and the master's CROB fast path). */
static inline uint8_t dnp3i_indexed_qualifier(uint32_t count, uint32_t max_index)
{
    uint32_t m = count > max_index ? count : max_index;
    return m <= 0xFF ? 0x17 : m <= 0xFFFF ? 0x28 : 0x39;
}

/* Prefix size of a qualifier that dnp3_qualifier_check() has already
 * accepted (header parse or write time): the per-object hot paths skip the
 * re-check. */
static inline int dnp3i_prefix_size(uint8_t qualifier)
{
    static const int8_t sizes[8] = {0, 1, 2, 4, 1, 2, 4, 0};
    return sizes[DNP3_QUAL_PREFIX(qualifier)];
}

/* Range field size of an accepted qualifier (as dnp3_qualifier_range_size
 * without the re-check). */
static inline int dnp3i_range_size(uint8_t qualifier)
{
    static const int8_t sizes[16] = {2, 4, 8, 1, 2, 4, 0, 1, 2, 4, 0, 1, 0, 0, 0, 0};
    return sizes[DNP3_QUAL_RANGE(qualifier)];
}

/* dnp3_app_obj_has_data with the object's line already looked up (info:
 * dnp3_obj_lookup(group, variation), NULL for an unknown object). */
bool dnp3i_app_obj_has_data(uint8_t func, uint8_t group, uint8_t variation, uint8_t qualifier,
                            const dnp3_obj_info_t *info);

#endif
