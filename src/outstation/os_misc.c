/* Freezes (4.4.7-4.4.10), ASSIGN_CLASS (4.4.12), ENABLE/DISABLE_UNSOLICITED
 * (4.4.11), COLD/WARM_RESTART (4.4.13). */
#include "outstation/outstation_internal.h"

/* Range of a header over count points (0x06: all); false if outside. */
static bool range_of(const dnp3_obj_header_t *h, uint32_t count, uint32_t *start, uint32_t *stop)
{
    if (count == 0)
        return false;
    if (h->qualifier == 0x06) {
        *start = 0;
        *stop = count - 1;
        return true;
    }
    *start = h->start;
    *stop = h->stop;
    return h->stop < count;
}

static bool freeze_clear(uint8_t func)
{
    return func == DNP3_FC_FREEZE_CLEAR || func == DNP3_FC_FREEZE_CLEAR_NR;
}

static bool freeze_at_time(uint8_t func)
{
    return func == DNP3_FC_FREEZE_AT_TIME || func == DNP3_FC_FREEZE_AT_TIME_NR;
}

uint16_t dnp3i_os_freeze(dnp3_outstation_t *o, const dnp3i_req_t *r, bool execute)
{
    dnp3_obj_iter_t it;
    dnp3_obj_header_t h;
    const uint8_t func = r->h->func;
    const bool at_time = freeze_at_time(func);
    uint32_t n = dnp3_db_count(o->db, DNP3_PT_COUNTER);
    uint32_t nf = dnp3_db_count(o->db, DNP3_PT_FROZEN_COUNTER);
    /* A freeze copies counter i into frozen counter i: both must exist. */
    const uint32_t both = n < nf ? n : nf;
    dnp3_freeze_t f = {.func = func, .at_time = at_time};
    bool first = true;
    if (at_time && !o->cb.freeze)
        return DNP3_IIN_NO_FUNC_CODE_SUPPORT;
    dnp3_obj_iter_init(&it, r->frag, r->len, r->h);
    while (dnp3_obj_iter_next(&it, &h) > 0) {
        if (h.group == 50) {
            dnp3_point_iter_t pi;
            dnp3_point_t pt;
            dnp3_point_iter_init(&pi, &h, &it);
            if (!first || h.count != 1 || dnp3_point_iter_next(&pi, &pt) != 1)
                return DNP3_IIN_PARAMETER_ERROR;
            f.time = pt.time;
            f.interval_ms = pt.v.interval.interval;
            first = false;
            continue;
        }
        if (at_time && first)
            return DNP3_IIN_PARAMETER_ERROR; /* the time comes first */
        first = false;
        if (!range_of(&h, both, &f.start, &f.stop))
            return DNP3_IIN_PARAMETER_ERROR;
        if (!execute)
            continue;
        if (at_time) {
            if (!o->cb.freeze(o->ctx, &f))
                return DNP3_IIN_PARAMETER_ERROR;
            continue;
        }
        dnp3_db_freeze(o->db, f.start, f.stop, freeze_clear(func), dnp3i_os_utc(o));
        if (o->cb.freeze)
            o->cb.freeze(o->ctx, &f);
    }
    return 0;
}

uint16_t dnp3i_os_assign_class(dnp3_outstation_t *o, const dnp3i_req_t *r, bool execute)
{
    dnp3_obj_iter_t it;
    dnp3_obj_header_t h;
    int cls = -1;
    dnp3_obj_iter_init(&it, r->frag, r->len, r->h);
    while (dnp3_obj_iter_next(&it, &h) > 0) {
        if (h.group == 60) {
            cls = h.variation - 1; /* g60v1 = class 0: no events */
            continue;
        }
        if (cls < 0)
            return DNP3_IIN_PARAMETER_ERROR; /* a point header needs a class first */
        dnp3_point_type_t t = dnp3i_os_static_type(h.group);
        uint32_t start, stop;
        if (t == DNP3_PT_COUNT_ || !range_of(&h, dnp3_db_count(o->db, t), &start, &stop))
            return DNP3_IIN_PARAMETER_ERROR;
        if (!execute)
            continue;
        dnp3_db_assign_class(o->db, t, start, stop, (uint8_t)cls);
        if (o->cb.class_assigned)
            o->cb.class_assigned(o->ctx, t, start, stop, (uint8_t)cls);
    }
    return 0;
}

uint16_t dnp3i_os_unsol_enable(dnp3_outstation_t *o, const dnp3i_req_t *r, bool execute)
{
    if (!o->cfg.unsolicited)
        return DNP3_IIN_NO_FUNC_CODE_SUPPORT;
    if (!execute)
        return 0;
    dnp3_obj_iter_t it;
    dnp3_obj_header_t h;
    uint8_t mask = 0;
    dnp3_obj_iter_init(&it, r->frag, r->len, r->h);
    while (dnp3_obj_iter_next(&it, &h) > 0)
        mask |= (uint8_t)(1u << (h.variation - 2));
    if (r->h->func == DNP3_FC_ENABLE_UNSOLICITED)
        o->uns_enabled |= mask;
    else
        o->uns_enabled &= (uint8_t)~mask;
    return 0;
}

uint16_t dnp3i_os_restart(dnp3_outstation_t *o, const dnp3i_req_t *r, bool execute,
                          dnp3_app_writer_t *w)
{
    if (!o->cb.restart)
        return DNP3_IIN_NO_FUNC_CODE_SUPPORT;
    if (!execute)
        return 0;
    uint32_t delay = 0;
    if (o->cb.restart(o->ctx, r->h->func == DNP3_FC_COLD_RESTART, &delay) < 0)
        return DNP3_IIN_NO_FUNC_CODE_SUPPORT;
    dnp3_point_t pt = {.type = DNP3_VT_DELAY};
    if (o->cfg.restart_delay_seconds) {
        /* g52v1 counts whole seconds: round up, never promise too early. */
        uint32_t s = delay / 1000u + (delay % 1000u ? 1u : 0u);
        pt.v.delay.ms = (s > 0xFFFF ? 0xFFFF : s) * 1000u;
        dnp3_app_write_header(w, 52, 1, 0x07, 1, 0);
    } else {
        pt.v.delay.ms = delay > 0xFFFF ? 0xFFFF : delay;
        dnp3_app_write_header(w, 52, 2, 0x07, 1, 0);
    }
    dnp3_app_write_point(w, &pt);
    return 0;
}
