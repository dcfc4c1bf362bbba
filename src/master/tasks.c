/* The caller's tasks other than commands: polls, unsolicited control, time
 * sync, restarts, freezes, class assignment, deadbands, attributes and
 * caller-built requests. Each takes a queue slot; the request is written
 * when it is sent (request.c), except deadbands and caller-built objects,
 * whose bytes are kept in the queue's pool. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "master/master_internal.h"

static dnp3i_task_t *add(dnp3_master_assoc_t *a, uint8_t kind, uint8_t func, const uint8_t *bytes,
                         size_t len, int *err)
{
    dnp3i_task_t *t = dnp3i_queue_add(a, bytes, len, err);
    if (t)
        dnp3i_task_defaults(a, t, kind, func);
    return t;
}

#define ADD_OR_RETURN(t, a, kind, func, bytes, len)                                                \
    int err_ = 0;                                                                                  \
    dnp3i_task_t *t = add(a, kind, func, bytes, len, &err_);                                       \
    if (!t)                                                                                        \
    return err_

int dnp3_master_assoc_integrity_poll(dnp3_master_assoc_t *a, dnp3_timestamp_t now)
{
    (void)now;
    if (!a)
        return DNP3_E_INVALID_ARG;
    ADD_OR_RETURN(t, a, DNP3_TASK_INTEGRITY, DNP3_FC_READ, NULL, 0);
    t->classes = DNP3_MASTER_CLASS_ALL;
    return (int)t->id;
}

int dnp3_master_assoc_class_poll(dnp3_master_assoc_t *a, dnp3_timestamp_t now, uint8_t classes)
{
    (void)now;
    if (!a || (classes & DNP3_MASTER_CLASS_ALL) == 0 || (classes & ~DNP3_MASTER_CLASS_ALL))
        return DNP3_E_INVALID_ARG;
    ADD_OR_RETURN(t, a, DNP3_TASK_EVENT_POLL, DNP3_FC_READ, NULL, 0);
    t->classes = classes;
    return (int)t->id;
}

int dnp3_master_assoc_range_scan(dnp3_master_assoc_t *a, dnp3_timestamp_t now, uint8_t group,
                                 uint8_t variation, uint32_t start, uint32_t stop)
{
    (void)now;
    if (!a || stop < start || group == 0)
        return DNP3_E_INVALID_ARG;
    ADD_OR_RETURN(t, a, DNP3_TASK_RANGE_SCAN, DNP3_FC_READ, NULL, 0);
    t->group = group;
    t->variation = variation;
    t->start = start;
    t->stop = stop;
    return (int)t->id;
}

int dnp3_master_assoc_unsolicited(dnp3_master_assoc_t *a, dnp3_timestamp_t now, bool enable,
                                  uint8_t classes)
{
    (void)now;
    const uint8_t events = DNP3_MASTER_CLASS_1 | DNP3_MASTER_CLASS_2 | DNP3_MASTER_CLASS_3;
    if (!a || (classes & events) == 0 || (classes & ~events))
        return DNP3_E_INVALID_ARG;
    ADD_OR_RETURN(t, a, enable ? DNP3_TASK_ENABLE_UNSOL : DNP3_TASK_DISABLE_UNSOL,
                  enable ? DNP3_FC_ENABLE_UNSOLICITED : DNP3_FC_DISABLE_UNSOLICITED, NULL, 0);
    t->classes = classes;
    return (int)t->id;
}

int dnp3_master_assoc_time_sync(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                                dnp3_time_sync_mode_t mode)
{
    (void)now;
    if (!a || (mode != DNP3_TIME_SYNC_LAN && mode != DNP3_TIME_SYNC_NON_LAN))
        return DNP3_E_INVALID_ARG;
    if (!a->cb.utc_now && !a->have_utc_anchor)
        return DNP3_E_STATE; /* no UTC source: nothing to write */
    ADD_OR_RETURN(t, a, DNP3_TASK_TIME_SYNC,
                  mode == DNP3_TIME_SYNC_LAN ? DNP3_FC_RECORD_CURRENT_TIME : DNP3_FC_DELAY_MEASURE,
                  NULL, 0);
    t->mode = (uint8_t)mode;
    return (int)t->id;
}

int dnp3_master_assoc_restart(dnp3_master_assoc_t *a, dnp3_timestamp_t now, bool cold)
{
    (void)now;
    if (!a)
        return DNP3_E_INVALID_ARG;
    ADD_OR_RETURN(t, a, DNP3_TASK_RESTART, cold ? DNP3_FC_COLD_RESTART : DNP3_FC_WARM_RESTART, NULL,
                  0);
    t->safe = false; /* it may have restarted without answering */
    return (int)t->id;
}

int dnp3_master_assoc_freeze(dnp3_master_assoc_t *a, dnp3_timestamp_t now, uint8_t func, bool all,
                             uint32_t start, uint32_t stop)
{
    (void)now;
    if (!a || (!all && stop < start) ||
        (func != DNP3_FC_IMMED_FREEZE && func != DNP3_FC_IMMED_FREEZE_NR &&
         func != DNP3_FC_FREEZE_CLEAR && func != DNP3_FC_FREEZE_CLEAR_NR))
        return DNP3_E_INVALID_ARG;
    ADD_OR_RETURN(t, a, DNP3_TASK_FREEZE, func, NULL, 0);
    t->safe = false; /* a second freeze would overwrite the first */
    t->all = all;
    t->start = start;
    t->stop = stop;
    return (int)t->id;
}

int dnp3_master_assoc_assign_class(dnp3_master_assoc_t *a, dnp3_timestamp_t now, uint8_t cls,
                                   uint8_t group, uint8_t variation, bool all, uint32_t start,
                                   uint32_t stop)
{
    (void)now;
    if (!a || cls > 3 || group == 0 || (!all && stop < start))
        return DNP3_E_INVALID_ARG;
    ADD_OR_RETURN(t, a, DNP3_TASK_ASSIGN_CLASS, DNP3_FC_ASSIGN_CLASS, NULL, 0);
    t->cls = cls;
    t->group = group;
    t->variation = variation;
    t->all = all;
    t->start = start;
    t->stop = stop;
    return (int)t->id;
}

static int deadband_point(uint8_t variation, const dnp3_deadband_t *d, dnp3_point_t *p)
{
    memset(p, 0, sizeof *p);
    p->index = d->index;
    const double v = d->value;
    if (variation == 3) {
        if (isfinite(v) && (v > FLT_MAX || v < -FLT_MAX))
            return DNP3_E_APP_VALUE;
        p->type = DNP3_VT_DEADBAND_FLOAT;
        p->v.analog_f = v;
        return DNP3_OK;
    }
    const double hi = variation == 1 ? 65535.0 : 4294967295.0;
    if (!(v >= 0 && v <= hi) || (double)(uint32_t)v != v)
        return DNP3_E_APP_VALUE;
    p->type = DNP3_VT_DEADBAND_INT;
    p->v.counter = (uint32_t)v;
    return DNP3_OK;
}

int dnp3_master_assoc_write_deadbands(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                                      uint8_t variation, const dnp3_deadband_t *items, size_t n)
{
    (void)now;
    if (!a || !items || n == 0 || variation < 1 || variation > 3 || n > UINT32_MAX)
        return DNP3_E_INVALID_ARG;
    uint32_t max_index = 0;
    for (size_t i = 0; i < n; i++)
        if (items[i].index > max_index)
            max_index = items[i].index;
    dnp3_app_writer_t w;
    dnp3_app_writer_init(&w, dnp3i_scratch(a), a->cfg.max_tx_fragment);
    dnp3_app_write_request(&w, DNP3_AC_FIR | DNP3_AC_FIN, DNP3_FC_WRITE);
    dnp3_app_write_indexed(&w, 34, variation, (uint32_t)n, max_index);
    for (size_t i = 0; i < n; i++) {
        dnp3_point_t p;
        int rc = deadband_point(variation, &items[i], &p);
        if (rc < 0)
            return rc;
        dnp3_app_write_point(&w, &p);
    }
    int len = dnp3_app_writer_finish(&w);
    if (len < 0)
        return len;
    ADD_OR_RETURN(t, a, DNP3_TASK_WRITE_DEADBANDS, DNP3_FC_WRITE, dnp3i_scratch(a) + 2,
                  (size_t)len - 2);
    return (int)t->id;
}

int dnp3_master_assoc_read_attributes(dnp3_master_assoc_t *a, dnp3_timestamp_t now, uint8_t set,
                                      uint8_t variation)
{
    (void)now;
    if (!a || variation == 0)
        return DNP3_E_INVALID_ARG;
    ADD_OR_RETURN(t, a, DNP3_TASK_ATTRIBUTES, DNP3_FC_READ, NULL, 0);
    t->variation = variation;
    t->start = set;
    return (int)t->id;
}

/* Functions whose request may have acted even though its answer was lost:
 * controls, restarts and freezes (a second freeze overwrites the first).
 * The caller's retry flag does not make them safe. */
static bool never_retried(uint8_t func)
{
    switch (func) {
    case DNP3_FC_SELECT:
    case DNP3_FC_OPERATE:
    case DNP3_FC_DIRECT_OPERATE:
    case DNP3_FC_DIRECT_OPERATE_NR:
    case DNP3_FC_IMMED_FREEZE:
    case DNP3_FC_IMMED_FREEZE_NR:
    case DNP3_FC_FREEZE_CLEAR:
    case DNP3_FC_FREEZE_CLEAR_NR:
    case DNP3_FC_FREEZE_AT_TIME:
    case DNP3_FC_FREEZE_AT_TIME_NR:
    case DNP3_FC_COLD_RESTART:
    case DNP3_FC_WARM_RESTART:
        return true;
    default:
        return false;
    }
}

int dnp3_master_assoc_request(dnp3_master_assoc_t *a, dnp3_timestamp_t now, uint8_t func,
                              const uint8_t *objects, size_t len, bool retry)
{
    (void)now;
    if (!a || (len && !objects) || dnp3_fc_is_response(func) || func == DNP3_FC_CONFIRM)
        return DNP3_E_INVALID_ARG;
    if (len > a->cfg.max_tx_fragment - 2)
        return DNP3_E_NOSPACE;
    /* Send only what our own parser reads as this function's objects. */
    uint8_t *scratch = dnp3i_scratch(a);
    scratch[0] = DNP3_AC_FIR | DNP3_AC_FIN;
    scratch[1] = func;
    if (len)
        memcpy(scratch + 2, objects, len);
    dnp3_app_header_t h;
    dnp3_app_header_read(scratch, len + 2, &h);
    int rc = dnp3i_measure_validate(scratch, len + 2, &h);
    if (rc < 0)
        return rc;
    ADD_OR_RETURN(t, a, DNP3_TASK_REQUEST, func, objects, len);
    t->safe = retry && !never_retried(func) && !dnp3i_fc_no_response(func);
    return (int)t->id;
}
