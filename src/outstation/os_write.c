/* WRITE (4.4.2): g80v1 index 7 (clear DEVICE_RESTART), g50v1 and g50v3
 * (time, 5.2), g34 deadbands. The request is checked whole first (execute
 * false), then applied. */
#include "outstation/outstation_internal.h"

static uint16_t write_iin(dnp3_outstation_t *o, const dnp3_obj_header_t *h, bool execute)
{
    /* Only IIN1.7 can be written, and only to 0 (4.2.2.7.2, IIN1.7). */
    if (h->start != 7 || h->stop != 7)
        return DNP3_IIN_PARAMETER_ERROR;
    dnp3_point_iter_t pi;
    dnp3_point_t pt;
    dnp3_point_iter_init(&pi, h, NULL);
    if (dnp3_point_iter_next(&pi, &pt) != 1 || pt.v.binary)
        return DNP3_IIN_PARAMETER_ERROR;
    if (execute)
        o->restart_iin = false;
    return 0;
}

static void time_set(dnp3_outstation_t *o, dnp3_time_t utc, dnp3_timestamp_t at)
{
    o->time_valid = true;
    o->utc_base = utc;
    o->utc_at = at;
    o->need_time = false;
    o->need_time_at =
        o->cfg.need_time_period_ms ? o->now + o->cfg.need_time_period_ms : DNP3_TIMESTAMP_NEVER;
}

static uint16_t write_time(dnp3_outstation_t *o, const dnp3_obj_header_t *h, bool execute)
{
    if (h->count != 1)
        return DNP3_IIN_PARAMETER_ERROR;
    /* g50v3 only after RECORD_CURRENT_TIME (5.2.2, LAN procedure). */
    if (h->variation == 3 && !o->record_valid)
        return DNP3_IIN_PARAMETER_ERROR;
    if (!execute)
        return 0;
    dnp3_point_iter_t pi;
    dnp3_point_t pt;
    dnp3_point_iter_init(&pi, h, NULL);
    if (dnp3_point_iter_next(&pi, &pt) != 1)
        return DNP3_IIN_PARAMETER_ERROR;
    dnp3_timestamp_t at = h->variation == 3 ? o->record_at : o->now;
    if (o->cb.time_written && !o->cb.time_written(o->ctx, pt.time, at))
        return DNP3_IIN_PARAMETER_ERROR;
    if (h->variation == 3)
        o->record_valid = false;
    time_set(o, pt.time, at);
    return 0;
}

static uint16_t write_deadband(dnp3_outstation_t *o, const dnp3_obj_header_t *h, bool execute)
{
    dnp3_point_iter_t pi;
    dnp3_point_t pt;
    const uint32_t n = dnp3_db_count(o->db, DNP3_PT_ANALOG);
    dnp3_point_iter_init(&pi, h, NULL);
    int rc;
    while ((rc = dnp3_point_iter_next(&pi, &pt)) > 0) {
        double d = pt.type == DNP3_VT_DEADBAND_FLOAT ? pt.v.analog_f : (double)pt.v.counter;
        if (pt.index >= n || !(d >= 0))
            return DNP3_IIN_PARAMETER_ERROR;
        if (execute)
            dnp3_db_set_deadband(o->db, DNP3_PT_ANALOG, pt.index, d);
    }
    return rc < 0 ? DNP3_IIN_PARAMETER_ERROR : 0;
}

uint16_t dnp3i_os_write(dnp3_outstation_t *o, const dnp3i_req_t *r, bool execute)
{
    dnp3_obj_iter_t it;
    dnp3_obj_header_t h;
    uint16_t err = 0;
    dnp3_obj_iter_init(&it, r->frag, r->len, r->h);
    while (!err && dnp3_obj_iter_next(&it, &h) > 0) {
        switch (h.group) {
        case 80:
            err = write_iin(o, &h, execute);
            break;
        case 50:
            err = write_time(o, &h, execute);
            break;
        case 34:
            err = write_deadband(o, &h, execute);
            break;
        default:
            err = DNP3_IIN_OBJECT_UNKNOWN;
            break;
        }
    }
    return err;
}
