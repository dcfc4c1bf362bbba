/* Field layouts of fixed-size objects: one decoder and one encoder driven by
 * the pre / value / post columns of objects.def, so adding a variation is
 * one table line and no code. */
#include "app/app_internal.h"

#include <float.h>
#include <math.h>

static size_t pre_size(uint8_t pre)
{
    return pre == DNP3_PRE_NONE ? 0 : 1;
}

static size_t post_size(uint8_t post)
{
    switch (post) {
    case DNP3_POST_STATUS:
        return 1;
    case DNP3_POST_TIME48:
        return 6;
    case DNP3_POST_REL16:
        return 2;
    default:
        return 0;
    }
}

static double rd_f32(const uint8_t *p)
{
    uint32_t b = dnp3i_get_le32(p);
    float f;
    memcpy(&f, &b, sizeof f);
    return f;
}

static double rd_f64(const uint8_t *p)
{
    uint64_t b = dnp3i_get_le64(p);
    double d;
    memcpy(&d, &b, sizeof d);
    return d;
}

void dnp3i_fields_read(const dnp3_obj_info_t *info, const uint8_t *p, size_t len, bool has_cto,
                       dnp3_time_t cto, dnp3_point_t *pt)
{
    const uint8_t *q = p;
    pt->type = (dnp3_value_type_t)info->value_type;

    switch (info->pre) {
    case DNP3_PRE_FLAGS:
        pt->has_flags = true;
        pt->flags = *q++;
        if (pt->type == DNP3_VT_BINARY)
            pt->v.binary = (pt->flags & 0x80) != 0;
        else if (pt->type == DNP3_VT_DOUBLE_BIT)
            pt->v.double_bit = (uint8_t)(pt->flags >> 6);
        break;
    case DNP3_PRE_STATUS:
        pt->has_status = true;
        pt->status = *q++;
        break;
    case DNP3_PRE_CMD:
        pt->v.binary = (*q & 0x80) != 0;
        pt->has_status = true;
        pt->status = *q & 0x7F;
        q++;
        break;
    default:
        break;
    }

    switch (info->val) {
    case DNP3_VAL_U16:
        pt->v.counter = dnp3i_get_le16(q);
        q += 2;
        break;
    case DNP3_VAL_U32:
        pt->v.counter = dnp3i_get_le32(q);
        q += 4;
        break;
    case DNP3_VAL_U8:
        pt->v.counter = *q++;
        break;
    case DNP3_VAL_I16:
        pt->v.analog_i = (int16_t)dnp3i_get_le16(q);
        q += 2;
        break;
    case DNP3_VAL_I32:
        pt->v.analog_i = (int32_t)dnp3i_get_le32(q);
        q += 4;
        break;
    case DNP3_VAL_F32:
        pt->v.analog_f = rd_f32(q);
        q += 4;
        break;
    case DNP3_VAL_F64:
        pt->v.analog_f = rd_f64(q);
        q += 8;
        break;
    case DNP3_VAL_CROB:
        dnp3i_get_crob(q, pt);
        q += 10;
        break;
    case DNP3_VAL_TIME48:
        pt->has_time = true;
        pt->time = dnp3i_get_le48(q);
        q += 6;
        break;
    case DNP3_VAL_TIME_U32:
        pt->has_time = true;
        pt->time = dnp3i_get_le48(q);
        pt->v.interval.interval = dnp3i_get_le32(q + 6);
        pt->v.interval.units = 0;
        q += 10;
        break;
    case DNP3_VAL_TIME_U32_U8:
        pt->has_time = true;
        pt->time = dnp3i_get_le48(q);
        pt->v.interval.interval = dnp3i_get_le32(q + 6);
        pt->v.interval.units = q[10];
        q += 11;
        break;
    case DNP3_VAL_DELAY_S:
        pt->v.delay.ms = (uint32_t)dnp3i_get_le16(q) * 1000u;
        q += 2;
        break;
    case DNP3_VAL_DELAY_MS:
        pt->v.delay.ms = dnp3i_get_le16(q);
        q += 2;
        break;
    case DNP3_VAL_SEC_STAT:
        pt->v.sec_stat.assoc = dnp3i_get_le16(q);
        pt->v.sec_stat.count = dnp3i_get_le32(q + 2);
        q += 6;
        break;
    case DNP3_VAL_BYTES: {
        size_t n = len - pre_size(info->pre) - post_size(info->post);
        pt->v.bytes.data = q;
        pt->v.bytes.len = n;
        q += n;
        break;
    }
    default:
        break;
    }

    switch (info->post) {
    case DNP3_POST_STATUS:
        pt->has_status = true;
        pt->status = *q;
        break;
    case DNP3_POST_TIME48:
        pt->has_time = true;
        pt->time = dnp3i_get_le48(q);
        break;
    case DNP3_POST_REL16:
        pt->has_rel = true;
        pt->rel_ms = dnp3i_get_le16(q);
        if (has_cto) {
            pt->has_time = true;
            pt->time = (cto + pt->rel_ms) & DNP3_TIME_MAX;
        }
        break;
    default:
        break;
    }
}

/* A double beyond +-FLT_MAX into a single-precision field (kept out of
 * line: the common path stays as lean as before). The infinities are
 * values and pass unchanged. A finite value: a measurement (the object has
 * a flags byte, at `flags`: the byte before the value) is clamped to +-FLT_MAX with OVER_RANGE set,
 * as a device reports a reading outside its range; a command, a command event or a deadband (no
 * flags byte) is refused. */
__attribute__((noinline)) static int wr_f32_beyond(uint8_t *p, double d, uint8_t *flags)
{
    if (isfinite(d)) {
        if (!flags)
            return DNP3_E_APP_VALUE;
        *flags |= DNP3_FLAG_ANALOG_OVER_RANGE;
        d = d > 0 ? FLT_MAX : -FLT_MAX;
    }
    dnp3i_put_f32(p, d);
    return DNP3_OK;
}

int dnp3i_fields_write(const dnp3_obj_info_t *info, size_t size, const dnp3_point_t *pt,
                       bool has_cto, dnp3_time_t cto, uint8_t *out)
{
    uint8_t *q = out;

    switch (info->pre) {
    case DNP3_PRE_FLAGS: {
        uint8_t f = pt->flags;
        /* The state of a binary / double-bit object lives in its flags byte;
         * the typed value wins over whatever the caller left there. */
        if (info->value_type == DNP3_VT_BINARY)
            f = (uint8_t)((f & 0x7F) | (pt->v.binary ? 0x80 : 0));
        else if (info->value_type == DNP3_VT_DOUBLE_BIT) {
            if (pt->v.double_bit > 3)
                return DNP3_E_APP_VALUE;
            f = (uint8_t)((f & 0x3F) | (pt->v.double_bit << 6));
        }
        *q++ = f;
        break;
    }
    case DNP3_PRE_STATUS:
        *q++ = pt->status;
        break;
    case DNP3_PRE_CMD:
        if (pt->status > 0x7F)
            return DNP3_E_APP_VALUE;
        *q++ = (uint8_t)((pt->v.binary ? 0x80 : 0) | pt->status);
        break;
    default:
        break;
    }

    switch (info->val) {
    case DNP3_VAL_U16:
        if (pt->v.counter > 0xFFFF)
            return DNP3_E_APP_VALUE;
        dnp3i_put_le16(q, (uint16_t)pt->v.counter);
        q += 2;
        break;
    case DNP3_VAL_U32:
        dnp3i_put_le32(q, pt->v.counter);
        q += 4;
        break;
    case DNP3_VAL_U8:
        if (pt->v.counter > 0xFF)
            return DNP3_E_APP_VALUE;
        *q++ = (uint8_t)pt->v.counter;
        break;
    case DNP3_VAL_I16:
        if (pt->v.analog_i < INT16_MIN || pt->v.analog_i > INT16_MAX)
            return DNP3_E_APP_VALUE;
        dnp3i_put_le16(q, (uint16_t)(int16_t)pt->v.analog_i);
        q += 2;
        break;
    case DNP3_VAL_I32:
        dnp3i_put_le32(q, (uint32_t)pt->v.analog_i);
        q += 4;
        break;
    case DNP3_VAL_F32:
        /* NaN fails both comparisons and is written as it is. */
        if (!(fabs(pt->v.analog_f) > FLT_MAX))
            dnp3i_put_f32(q, pt->v.analog_f);
        else if (wr_f32_beyond(q, pt->v.analog_f, info->pre == DNP3_PRE_FLAGS ? q - 1 : NULL) < 0)
            return DNP3_E_APP_VALUE;
        q += 4;
        break;
    case DNP3_VAL_F64:
        dnp3i_put_f64(q, pt->v.analog_f);
        q += 8;
        break;
    case DNP3_VAL_CROB:
        DNP3I_PUT_CROB(q, &pt->v.crob);
        q += 10;
        break;
    case DNP3_VAL_TIME48:
    case DNP3_VAL_TIME_U32:
    case DNP3_VAL_TIME_U32_U8:
        if (pt->time > DNP3_TIME_MAX)
            return DNP3_E_APP_VALUE;
        dnp3i_put_le48(q, pt->time);
        q += 6;
        if (info->val != DNP3_VAL_TIME48) {
            dnp3i_put_le32(q, pt->v.interval.interval);
            q += 4;
            if (info->val == DNP3_VAL_TIME_U32_U8)
                *q++ = pt->v.interval.units;
        }
        break;
    case DNP3_VAL_DELAY_S:
        if (pt->v.delay.ms % 1000u || pt->v.delay.ms / 1000u > 0xFFFF)
            return DNP3_E_APP_VALUE;
        dnp3i_put_le16(q, (uint16_t)(pt->v.delay.ms / 1000u));
        q += 2;
        break;
    case DNP3_VAL_DELAY_MS:
        if (pt->v.delay.ms > 0xFFFF)
            return DNP3_E_APP_VALUE;
        dnp3i_put_le16(q, (uint16_t)pt->v.delay.ms);
        q += 2;
        break;
    case DNP3_VAL_SEC_STAT:
        dnp3i_put_le16(q, pt->v.sec_stat.assoc);
        dnp3i_put_le32(q + 2, pt->v.sec_stat.count);
        q += 6;
        break;
    case DNP3_VAL_BYTES: {
        size_t n = size - pre_size(info->pre) - post_size(info->post);
        if (pt->v.bytes.len != n || (n && !pt->v.bytes.data))
            return DNP3_E_APP_VALUE;
        if (n)
            memcpy(q, pt->v.bytes.data, n);
        q += n;
        break;
    }
    default:
        break;
    }

    switch (info->post) {
    case DNP3_POST_STATUS:
        *q = pt->status;
        break;
    case DNP3_POST_TIME48:
        if (pt->time > DNP3_TIME_MAX)
            return DNP3_E_APP_VALUE;
        dnp3i_put_le48(q, pt->time);
        break;
    case DNP3_POST_REL16: {
        uint16_t rel = pt->rel_ms;
        /* No explicit offset: derive it from the absolute time and the CTO
         * this writer emitted last (FACTS 8.2: 0..65535 ms after the CTO). */
        if (!pt->has_rel) {
            if (!pt->has_time || !has_cto || pt->time < cto || pt->time - cto > 0xFFFF)
                return DNP3_E_APP_VALUE;
            rel = (uint16_t)(pt->time - cto);
        }
        dnp3i_put_le16(q, rel);
        break;
    }
    default:
        break;
    }
    return DNP3_OK;
}
