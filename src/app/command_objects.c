/* Command objects (CROB, analog output block) written straight from the
 * master's command points: one header with an index-prefixed count
 * qualifier, then index + value + status per object, the layout taken from
 * the object table. The general writer (writer.c) would take a
 * dnp3_point_t per object and re-check the header's kind for each; a
 * command's objects are all of one known shape, so this writes them in one
 * pass after one size check (the master's per-command path). */
#include <float.h>
#include <limits.h>
#include <math.h>

#include "app/app_internal.h"
#include "dnp3/master.h"

/* A whole number in [lo, hi] (NaN fails every comparison). */
static bool whole_in(double v, double lo, double hi)
{
    return v >= lo && v <= hi && (double)(int32_t)v == v;
}

/* An analog output block's value (between its index prefix and its status
 * byte) as the table's val column lays it out (IEEE 1815-2012 A.23). Out of
 * line: the usual command is a CROB, whose loop then keeps no
 * floating-point constants live. */
__attribute__((noinline)) static int put_analog(uint8_t val, double v, uint8_t *q)
{
    switch (val) {
    case DNP3_VAL_I32:
        if (!whole_in(v, INT32_MIN, INT32_MAX))
            return DNP3_E_APP_VALUE;
        dnp3i_put_le32(q, (uint32_t)(int32_t)v);
        return DNP3_OK;
    case DNP3_VAL_I16:
        if (!whole_in(v, INT16_MIN, INT16_MAX))
            return DNP3_E_APP_VALUE;
        dnp3i_put_le16(q, (uint16_t)(int16_t)v);
        return DNP3_OK;
    case DNP3_VAL_F32:
        /* The infinities and NaN have a binary32 form; a finite value
         * beyond it would have to be changed, and a command is not. */
        if (isfinite(v) && fabs(v) > FLT_MAX)
            return DNP3_E_APP_VALUE;
        dnp3i_put_f32(q, v);
        return DNP3_OK;
    case DNP3_VAL_F64:
        dnp3i_put_f64(q, v);
        return DNP3_OK;
    default: /* a status last but neither a CROB nor an analog value */
        return DNP3_E_INVALID_ARG;
    }
}

/* The header and objects of d for an index width iw of 1, 2 or 4 (a
 * constant where it is inlined: each width gets its own loop). */
static inline int write_objects(uint8_t *out, size_t cap, const dnp3i_command_objects_t *d,
                                const dnp3_obj_info_t *info, int iw)
{
    const size_t n = d->n;
    const uint32_t most = iw == 4 ? UINT32_MAX : (1u << (8 * iw)) - 1;
    if (n > most)
        return DNP3_E_APP_COUNT;
    /* n <= 2^32 - 1 and stride < 2^17: no overflow in 64 bits */
    const size_t stride = (size_t)iw + info->size;
    const uint64_t need = 3 + (uint64_t)iw + (uint64_t)n * stride;
    if (need > cap)
        return DNP3_E_NOSPACE;
    if (need > INT_MAX) /* the length is returned as an int */
        return DNP3_E_APP_COUNT;
    out[0] = d->group;
    out[1] = d->variation;
    out[2] = d->qualifier;
    dnp3i_put_le_n(out + 3, iw, (uint32_t)n);
    uint8_t *p = out + 3 + iw;
    const uint8_t val = info->val;
    for (size_t i = 0; i < n; i++, p += stride) {
        const dnp3_command_point_t *c = &d->pts[i];
        if (c->index > most)
            return DNP3_E_APP_VALUE;
        dnp3i_put_le_n(p, iw, c->index);
        if (val == DNP3_VAL_CROB) {
            DNP3I_PUT_CROB(p + iw, c);
        } else {
            int rc = put_analog(val, c->value, p + iw);
            if (rc < 0)
                return rc;
        }
        p[stride - 1] = 0; /* status: filled in by the outstation */
    }
    return (int)need;
}

int dnp3i_app_write_command_objects(uint8_t *out, size_t cap, const dnp3i_command_objects_t *d)
{
    if (!d->pts || d->n == 0)
        return DNP3_E_INVALID_ARG;
    /* A command object: a fixed size, its status byte last (CROB, analog
     * output block; put_analog() refuses any other value). */
    const dnp3_obj_info_t *info = dnp3_obj_lookup(d->group, d->variation);
    if (!info)
        return DNP3_E_APP_OBJECT_UNKNOWN;
    if (info->size_kind != DNP3_SK_FIXED || info->post != DNP3_POST_STATUS)
        return DNP3_E_INVALID_ARG;
    /* index-prefixed count qualifiers (IEEE 1815-2012 4.2.2.7.3) */
    switch (d->qualifier) {
    case 0x17:
        return write_objects(out, cap, d, info, 1);
    case 0x28:
        return write_objects(out, cap, d, info, 2);
    case 0x39:
        return write_objects(out, cap, d, info, 4);
    default:
        return DNP3_E_APP_QUALIFIER;
    }
}
