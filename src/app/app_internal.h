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

/* The value fields shared by every writer of command objects (the field
 * encoder dnp3i_fields_write and dnp3i_app_write_command_objects): one
 * copy of each layout. */

/* CROB value (g12v1, g12v2; IEEE 1815-2012 A.8) of src (a pointer to
 * anything with code, count, on_ms and off_ms members: a dnp3_point_t's
 * v.crob, a dnp3_command_point_t) at q: control code, count, on time, off
 * time; the status byte after it is the caller's. A macro because the
 * members are read in place: through an inline function's scalar
 * parameters GCC 12 assembles the bytes with ~40 shifts instead of ~9 moves. */
#define DNP3I_PUT_CROB(q, src)                                                                     \
    do {                                                                                           \
        (q)[0] = (src)->code;                                                                      \
        (q)[1] = (src)->count;                                                                     \
        dnp3i_put_le32((q) + 2, (src)->on_ms);                                                     \
        dnp3i_put_le32((q) + 6, (src)->off_ms);                                                    \
    } while (0)

/* The same CROB value read from q into pt's v.crob (its status byte, after
 * it, is the caller's): fields.c's decoder and the outstation's CROB path. */
static inline void dnp3i_get_crob(const uint8_t *q, dnp3_point_t *pt)
{
    pt->v.crob.code = q[0];
    pt->v.crob.count = q[1];
    pt->v.crob.on_ms = dnp3i_get_le32(q + 2);
    pt->v.crob.off_ms = dnp3i_get_le32(q + 6);
}

/* IEEE 754 binary32 of d; the caller keeps finite values within +-FLT_MAX
 * (converting one beyond it is undefined). */
static inline void dnp3i_put_f32(uint8_t *q, double d)
{
    float f = (float)d;
    uint32_t b;
    memcpy(&b, &f, sizeof b);
    dnp3i_put_le32(q, b);
}

static inline void dnp3i_put_f64(uint8_t *q, double d)
{
    uint64_t b;
    memcpy(&b, &d, sizeof b);
    dnp3i_put_le64(q, b);
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
 * both fit in (dnp3_app_write_indexed, and the master's commands through
 * dnp3i_app_write_command_objects). */
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

struct dnp3_command_point; /* dnp3/master.h */

/* One object header of index-prefixed command objects, for
 * dnp3i_app_write_command_objects: any object of the table whose layout is
 * a CROB or an analog output value followed by the command status (g12v1,
 * g12v2, g41v1-v4). */
typedef struct dnp3i_command_objects {
    uint8_t group, variation;
    uint8_t qualifier; /* 0x17, 0x28 or 0x39 (dnp3i_indexed_qualifier) */
    /* n objects: each point's index and the values its layout takes (code,
     * count, on_ms, off_ms for a CROB; value for g41). Their group and
     * variation are not read: the header's are. */
    const struct dnp3_command_point *pts;
    size_t n;
} dnp3i_command_objects_t;

/* The object header and objects of d into out (cap bytes), every status
 * byte 0 (the outstation fills it in its echo, IEEE 1815-2012 4.4.3).
 * Returns the bytes written, or:
 * DNP3_E_INVALID_ARG (no points, or an object this writer does not carry),
 * DNP3_E_APP_OBJECT_UNKNOWN (not in the table), DNP3_E_APP_QUALIFIER (not
 * an index-prefixed count qualifier), DNP3_E_APP_COUNT (n beyond the count
 * field), DNP3_E_NOSPACE (more than cap bytes: nothing written),
 * DNP3_E_APP_VALUE (an index beyond the prefix, an analog value that does
 * not fit the variation: an integer variation takes whole numbers in its
 * range, single precision any value but a finite one beyond +-FLT_MAX).
 * After an error out holds no usable bytes. */
int dnp3i_app_write_command_objects(uint8_t *out, size_t cap, const dnp3i_command_objects_t *d);

/* dnp3_app_obj_has_data with the object's line already looked up (info:
 * dnp3_obj_lookup(group, variation), NULL for an unknown object). */
bool dnp3i_app_obj_has_data(uint8_t func, uint8_t group, uint8_t variation, uint8_t qualifier,
                            const dnp3_obj_info_t *info);

#endif
