/* The bytes of each request, written when the request is sent (so the
 * sequence number and, for time sync, the time are those of sending). */
#include <string.h>

#include "master/master_internal.h"

bool dnp3i_fc_no_response(uint8_t func)
{
    return func == DNP3_FC_DIRECT_OPERATE_NR || func == DNP3_FC_IMMED_FREEZE_NR ||
           func == DNP3_FC_FREEZE_CLEAR_NR || func == DNP3_FC_FREEZE_AT_TIME_NR ||
           func == DNP3_FC_AUTH_REQUEST_NO_ACK;
}

/* Class data headers (g60, qualifier 0x06): classes 1, 2, 3 then 0, the
 * order of an integrity poll. */
static void write_classes(dnp3_app_writer_t *w, uint8_t classes)
{
    static const uint8_t bits[4] = {DNP3_MASTER_CLASS_1, DNP3_MASTER_CLASS_2, DNP3_MASTER_CLASS_3,
                                    DNP3_MASTER_CLASS_0};
    static const uint8_t vars[4] = {2, 3, 4, 1};
    for (int i = 0; i < 4; i++)
        if (classes & bits[i])
            dnp3_app_write_header(w, 60, vars[i], DNP3_QUAL(0, DNP3_RANGE_ALL), 0, 0);
}

static void write_range_or_all(dnp3_app_writer_t *w, uint8_t group, uint8_t variation, bool all,
                               uint32_t start, uint32_t stop)
{
    if (all)
        dnp3_app_write_header(w, group, variation, DNP3_QUAL(0, DNP3_RANGE_ALL), 0, 0);
    else
        dnp3_app_write_range(w, group, variation, start, stop);
}

/* Requests whose objects were built at queue time: the header, then them. */
static int write_raw(const dnp3_master_assoc_t *a, uint8_t *buf, size_t cap, uint8_t control,
                     uint8_t func)
{
    const dnp3i_task_t *t = &dnp3i_slot(a, a->cur.index)->t;
    if (t->len > cap - 2)
        return DNP3_E_NOSPACE;
    buf[0] = control;
    buf[1] = func;
    memcpy(buf + 2, dnp3i_queue_bytes(a, t), t->len);
    return (int)(t->len + 2);
}

static uint8_t command_func(const dnp3i_cur_t *c)
{
    if (c->step == 1)
        return DNP3_FC_OPERATE;
    switch (c->t.mode) {
    case DNP3_COMMAND_SELECT_OPERATE:
        return DNP3_FC_SELECT;
    case DNP3_COMMAND_DIRECT:
        return DNP3_FC_DIRECT_OPERATE;
    default:
        return DNP3_FC_DIRECT_OPERATE_NR;
    }
}

static void write_objects(dnp3_app_writer_t *w, const dnp3i_task_t *t)
{
    switch (t->kind) {
    case DNP3_TASK_INTEGRITY:
    case DNP3_TASK_EVENT_POLL:
        write_classes(w, t->classes);
        break;
    case DNP3_TASK_DISABLE_UNSOL:
    case DNP3_TASK_ENABLE_UNSOL:
        write_classes(w, t->classes & (uint8_t)~DNP3_MASTER_CLASS_0);
        break;
    case DNP3_TASK_RANGE_SCAN:
        dnp3_app_write_range(w, t->group, t->variation, t->start, t->stop);
        break;
    case DNP3_TASK_CLEAR_RESTART: { /* IIN1.7 is g80v1 index 7 (4.2.2.7.2) */
        dnp3_point_t p;
        memset(&p, 0, sizeof p);
        p.type = DNP3_VT_IIN_BIT;
        p.index = 7;
        dnp3_app_write_header(w, 80, 1, DNP3_QUAL(0, DNP3_RANGE_START_STOP8), 7, 7);
        dnp3_app_write_point(w, &p);
        break;
    }
    case DNP3_TASK_FREEZE:
        write_range_or_all(w, 20, 0, t->all, t->start, t->stop);
        break;
    case DNP3_TASK_ASSIGN_CLASS:
        dnp3_app_write_header(w, 60, (uint8_t)(t->cls + 1), DNP3_QUAL(0, DNP3_RANGE_ALL), 0, 0);
        write_range_or_all(w, t->group, t->variation, t->all, t->start, t->stop);
        break;
    case DNP3_TASK_ATTRIBUTES:
        dnp3_app_write_header(w, 0, t->variation, DNP3_QUAL(0, DNP3_RANGE_START_STOP8), t->start,
                              t->start);
        break;
    default: /* RESTART: no objects */
        break;
    }
}

int dnp3i_request_write(dnp3_master_assoc_t *a, dnp3_timestamp_t now, uint8_t *buf, size_t cap,
                        uint8_t seq)
{
    const dnp3i_task_t *t = &a->cur.t;
    const uint8_t control = (uint8_t)(DNP3_AC_FIR | DNP3_AC_FIN | (seq & DNP3_AC_SEQ_MASK));
    if (t->kind == DNP3_TASK_COMMAND)
        return write_raw(a, buf, cap, control, command_func(&a->cur));
    if (t->kind == DNP3_TASK_REQUEST || t->kind == DNP3_TASK_WRITE_DEADBANDS)
        return write_raw(a, buf, cap, control, t->func);
    dnp3_app_writer_t w;
    dnp3_app_writer_init(&w, buf, cap);
    if (t->kind == DNP3_TASK_TIME_SYNC) {
        int rc = dnp3i_timesync_write(a, now, &w, control);
        if (rc < 0)
            return rc;
    } else {
        dnp3_app_write_request(&w, control, t->func);
        write_objects(&w, t);
    }
    return dnp3_app_writer_finish(&w);
}
