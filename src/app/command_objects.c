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

/* The value of one object (between its index prefix and its status byte)
 * as the table's val column lays it out (IEEE 1815-2012 A.8, A.23). */
static int put_value(uint8_t val, const dnp3_command_point_t *c, uint8_t *q)
{
    const double v = c->value;
    switch (val) {
    case DNP3_VAL_CROB:
        dnp3i_put_crob(q, c->code, c->count, c->on_ms, c->off_ms);
        return DNP3_OK;
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
    default: /* DNP3_VAL_F64: command_layout() lets no other through */
        dnp3i_put_f64(q, v);
        return DNP3_OK;
    }
}

/* The table line of a command object: a fixed size, a CROB or analog
 * output value, the status byte last. */
static int command_layout(uint8_t group, uint8_t variation, const dnp3_obj_info_t **out)
{
    const dnp3_obj_info_t *info = dnp3_obj_lookup(group, variation);
    if (!info)
        return DNP3_E_APP_OBJECT_UNKNOWN;
    const uint8_t val = info->val;
    if (info->size_kind != DNP3_SK_FIXED || info->pre != DNP3_PRE_NONE ||
        info->post != DNP3_POST_STATUS ||
        (val != DNP3_VAL_CROB && val != DNP3_VAL_I32 && val != DNP3_VAL_I16 &&
         val != DNP3_VAL_F32 && val != DNP3_VAL_F64))
        return DNP3_E_INVALID_ARG;
    *out = info;
    return DNP3_OK;
}

int dnp3i_app_write_command_objects(uint8_t *out, size_t cap, const dnp3i_command_objects_t *d)
{
    const dnp3_obj_info_t *info = NULL;
    if (!d->pts || d->n == 0)
        return DNP3_E_INVALID_ARG;
    int rc = command_layout(d->group, d->variation, &info);
    if (rc < 0)
        return rc;
    const uint8_t q = d->qualifier;
    if (q != 0x17 && q != 0x28 && q != 0x39)
        return DNP3_E_APP_QUALIFIER;
    const int iw = dnp3i_prefix_size(q); /* the count field is as wide */
    const uint32_t most = iw == 4 ? UINT32_MAX : (1u << (8 * iw)) - 1;
    if (d->n > most)
        return DNP3_E_APP_COUNT;
    const size_t stride = (size_t)iw + info->size;
    if (cap < 3 + (size_t)iw || (cap - 3 - (size_t)iw) / stride < d->n)
        return DNP3_E_NOSPACE;
    if (3 + (size_t)iw + d->n * stride > INT_MAX) /* the length is returned as an int */
        return DNP3_E_APP_COUNT;
    out[0] = d->group;
    out[1] = d->variation;
    out[2] = q;
    dnp3i_put_le_n(out + 3, iw, (uint32_t)d->n);
    uint8_t *p = out + 3 + iw;
    for (size_t i = 0; i < d->n; i++, p += stride) {
        const dnp3_command_point_t *c = &d->pts[i];
        if (c->index > most)
            return DNP3_E_APP_VALUE;
        dnp3i_put_le_n(p, iw, c->index);
        rc = put_value(info->val, c, p + iw);
        if (rc < 0)
            return rc;
        p[stride - 1] = 0; /* status: filled in by the outstation */
    }
    return (int)(p - out);
}
