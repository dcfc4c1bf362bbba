/* Database points and buffered events as the writer's dnp3_point_t, in the
 * variation a response uses (Annex A: flags byte with the state in bit 7
 * or bits 7..6; integer variations clamp and report OVER_RANGE). */
#include "outstation/outstation_internal.h"

#include "app/layout.h" /* the wire width of a value field */

#include <math.h>

/* OVER_RANGE (flag bit 5) of analog and counter objects (Annex A g30/g40). */
#define FLAG_OVER_RANGE 0x20

static int32_t clamp_int(double v, int32_t lo, int32_t hi, uint8_t *flags)
{
    if (isnan(v)) {
        *flags |= FLAG_OVER_RANGE;
        return 0;
    }
    if (v < (double)lo) {
        *flags |= FLAG_OVER_RANGE;
        return lo;
    }
    if (v > (double)hi) {
        *flags |= FLAG_OVER_RANGE;
        return hi;
    }
    return (int32_t)lround(v);
}

static void fill_value(dnp3_point_type_t type, const dnp3_point_value_t *val, uint8_t flags,
                       const dnp3_obj_info_t *info, dnp3_point_t *pt)
{
    pt->flags = flags & 0x7F;
    switch (info->value_type) {
    case DNP3_VT_BINARY:
        pt->v.binary = val->binary;
        if (val->binary)
            pt->flags |= 0x80;
        break;
    case DNP3_VT_DOUBLE_BIT:
        pt->v.double_bit = val->double_bit & 3;
        pt->flags = (uint8_t)((flags & 0x3F) | (val->double_bit << 6));
        break;
    case DNP3_VT_COUNTER:
        /* 16-bit variations carry the low 16 bits (the counter rolls over). */
        pt->v.counter = info->val == DNP3_VAL_U16 ? val->counter & 0xFFFFu : val->counter;
        break;
    case DNP3_VT_ANALOG_INT:
        if (info->val == DNP3_VAL_I16)
            pt->v.analog_i = clamp_int(val->analog, INT16_MIN, INT16_MAX, &pt->flags);
        else
            pt->v.analog_i = clamp_int(val->analog, INT32_MIN, INT32_MAX, &pt->flags);
        break;
    case DNP3_VT_ANALOG_FLOAT:
        pt->v.analog_f = val->analog;
        break;
    case DNP3_VT_OCTETS: {
        /* A string never set has no bytes, but g110/g111 have no variation
         * 0 on the wire: it reads as one zero byte. */
        static const uint8_t zero = 0;
        pt->v.bytes.data = val->octets.len ? val->octets.data : &zero;
        pt->v.bytes.len = val->octets.len ? val->octets.len : 1;
        break;
    }
    default:
        break;
    }
    (void)type;
}

void dnp3i_os_db_to_point(const dnp3_db_point_t *dp, uint8_t group, uint8_t variation,
                          dnp3_point_t *pt)
{
    const dnp3_obj_info_t *info = dnp3_obj_lookup(group, variation);
    *pt = (dnp3_point_t){0};
    pt->index = dp->index;
    pt->time = dp->time & DNP3_TIME_MAX;
    pt->has_time = true;
    if (!info)
        return;
    pt->type = (dnp3_value_type_t)info->value_type;
    fill_value(dp->type, &dp->value, dp->flags, info, pt);
}

void dnp3i_os_event_to_point(const dnp3_event_t *ev, uint8_t group, uint8_t variation,
                             dnp3_point_t *pt)
{
    const dnp3_obj_info_t *info = dnp3_obj_lookup(group, variation);
    *pt = (dnp3_point_t){0};
    pt->index = ev->index;
    pt->time = ev->time & DNP3_TIME_MAX;
    pt->has_time = true;
    if (!info)
        return;
    pt->type = (dnp3_value_type_t)info->value_type;
    fill_value(ev->type, &ev->value, ev->flags, info, pt);
}

uint8_t dnp3i_os_static_var(const dnp3_db_point_t *dp)
{
    if (dp->type == DNP3_PT_OCTET_STRING)
        return dp->value.octets.len ? dp->value.octets.len : 1;
    return dp->config.static_variation;
}
