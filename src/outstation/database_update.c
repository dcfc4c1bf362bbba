/* Database updates: the event rules (IEEE 1815-2012 Annex A, per group),
 * freezes (the freeze function codes of Table 4-1), batches, and the fan-out
 * of every event to the attached buffers. */
#include <math.h>
#include <string.h>

#include "outstation/event_buffer_internal.h"

#define QUALITY_MASK 0x7Fu /* bit 7 is the state bit of g1/g10 (g3: 7..6): kept in the value */

/* Make one event from a point's current state and offer it to every buffer.
 * Returns 1 when an event was made (the point has a class), else 0. */
static uint64_t emit(dnp3_db_t *db, dnp3_point_type_t type, uint32_t index)
{
    dnp3i_point_t *p = &db->points[type][index];
    if (p->cfg.event_class == DNP3_CLASS_NONE)
        return 0;
    /* The value as dnp3_db_read gives it, without copying the rest. */
    dnp3_point_value_t value = p->value;
    if (type == DNP3_PT_OCTET_STRING) {
        value.octets.data = db->octets + (size_t)index * db->octet_size;
        value.octets.len = p->octet_len;
    }
    dnp3_event_t ev = {
        .seq = db->next_seq++,
        .type = type,
        .index = index,
        .event_class = p->cfg.event_class,
        .variation = p->cfg.event_variation,
        .flags = p->flags,
        .time = p->time,
        .value = value,
    };
    p->reported = p->value;
    db->counters.events[type]++;
    uint32_t slot = db->base[type] + index;
    for (dnp3_event_buffer_t *b = db->buffers; b; b = b->next_attached)
        dnp3i_event_buffer_offer(b, &ev, slot, (dnp3_event_mode_t)p->cfg.event_mode);
    return 1;
}

/* |new - reported| > deadband for analogs; NaN and infinities compare by
 * identity (a move to or from NaN is a change, NaN to NaN is not). */
static bool analog_exceeds(double now, double ref, double deadband)
{
    double d = now - ref;
    if (isfinite(d)) /* both finite: the usual case, one subtraction */
        return fabs(d) > deadband;
    if (isnan(now) || isnan(ref))
        return isnan(now) != isnan(ref);
    if (isinf(now) || isinf(ref))
        return now != ref;
    return fabs(now - ref) > deadband;
}

/* Counters compare modulo 2^32: the shorter way round, so a rollover is a
 * small change, not a jump of 4 billion. */
static bool counter_exceeds(uint32_t now, uint32_t ref, double deadband)
{
    uint32_t up = now - ref, down = ref - now;
    uint32_t d = up < down ? up : down;
    return d != 0 && (double)d > deadband;
}

static bool value_changed(const dnp3_db_t *db, dnp3_point_type_t type, const dnp3i_point_t *p,
                          const dnp3i_op_t *op, const uint8_t *octets)
{
    switch (type) {
    case DNP3_PT_BINARY:
    case DNP3_PT_BINARY_OUTPUT:
        return op->value.binary != p->value.binary;
    case DNP3_PT_DOUBLE_BIT:
        return op->value.double_bit != p->value.double_bit;
    case DNP3_PT_COUNTER:
        return counter_exceeds(op->value.counter, p->reported.counter, p->cfg.deadband);
    case DNP3_PT_FROZEN_COUNTER:
        return op->value.counter != p->value.counter;
    case DNP3_PT_ANALOG:
    case DNP3_PT_ANALOG_OUTPUT:
        return analog_exceeds(op->value.analog, p->reported.analog, p->cfg.deadband);
    default:
        return op->octet_len != p->octet_len ||
               memcmp(db->octets + (size_t)op->index * db->octet_size, octets, op->octet_len) != 0;
    }
}

static uint64_t apply_update(dnp3_db_t *db, const dnp3i_op_t *op, const uint8_t *octets)
{
    dnp3_point_type_t type = (dnp3_point_type_t)op->kind;
    dnp3i_point_t *p = &db->points[type][op->index];
    bool changed = op->flags != p->flags || value_changed(db, type, p, op, octets);
    p->value = op->value;
    p->flags = op->flags;
    p->time = op->time;
    if (type == DNP3_PT_OCTET_STRING) {
        memcpy(db->octets + (size_t)op->index * db->octet_size, octets, op->octet_len);
        p->octet_len = op->octet_len;
    }
    db->counters.updates++;
    return changed ? emit(db, type, op->index) : 0;
}

static uint64_t apply_freeze(dnp3_db_t *db, const dnp3i_op_t *op)
{
    uint64_t events = 0;
    for (uint32_t i = op->index; i <= op->stop; i++) {
        const dnp3i_point_t *c = &db->points[DNP3_PT_COUNTER][i];
        dnp3i_point_t *f = &db->points[DNP3_PT_FROZEN_COUNTER][i];
        f->value.counter = c->value.counter;
        f->flags = c->flags;
        f->time = op->time;
        db->counters.freezes++;
        events += emit(db, DNP3_PT_FROZEN_COUNTER, i);
        if (op->clear) {
            dnp3i_op_t zero = {
                .kind = DNP3_PT_COUNTER, .flags = c->flags, .index = i, .time = op->time};
            events += apply_update(db, &zero, NULL);
        }
    }
    return events;
}

uint64_t dnp3i_db_apply(dnp3_db_t *db, const dnp3i_op_t *op, const uint8_t *octets)
{
    return op->kind == DNP3I_OP_FREEZE ? apply_freeze(db, op) : apply_update(db, op, octets);
}

/* Apply now, or record into the open batch. */
static int submit(dnp3_db_t *db, dnp3i_op_t *op, const uint8_t *octets)
{
    if (!db->in_batch) {
        (void)dnp3i_db_apply(db, op, octets);
        return DNP3_OK;
    }
    if (db->batch_len == db->batch_cap) {
        db->counters.rejected++;
        return DNP3_E_NOSPACE;
    }
    if (octets) {
        /* batch_cap ops of at most octet_size bytes: the store never fills. */
        op->octet_off = db->batch_octet_used;
        memcpy(db->batch_octets + op->octet_off, octets, op->octet_len);
        db->batch_octet_used += op->octet_len;
    }
    db->batch[db->batch_len++] = *op;
    return DNP3_OK;
}

static int update(dnp3_db_t *db, dnp3_point_type_t type, uint32_t index, dnp3i_value_t v,
                  uint8_t flags, dnp3_time_t time)
{
    if (!db)
        return DNP3_E_INVALID_ARG;
    if (index >= db->count[type] || time > DNP3_TIME_MAX ||
        (type == DNP3_PT_DOUBLE_BIT && v.double_bit > DNP3_DBIT_INDETERMINATE)) {
        db->counters.rejected++;
        return DNP3_E_INVALID_ARG;
    }
    dnp3i_op_t op = {.kind = (uint8_t)type,
                     .flags = flags & QUALITY_MASK,
                     .index = index,
                     .time = time,
                     .value = v};
    return submit(db, &op, NULL);
}

int dnp3_db_update_binary(dnp3_db_t *db, uint32_t index, bool value, uint8_t flags,
                          dnp3_time_t time)
{
    return update(db, DNP3_PT_BINARY, index, (dnp3i_value_t){.binary = value}, flags, time);
}

int dnp3_db_update_double_bit(dnp3_db_t *db, uint32_t index, uint8_t value, uint8_t flags,
                              dnp3_time_t time)
{
    return update(db, DNP3_PT_DOUBLE_BIT, index, (dnp3i_value_t){.double_bit = value}, flags, time);
}

int dnp3_db_update_binary_output(dnp3_db_t *db, uint32_t index, bool value, uint8_t flags,
                                 dnp3_time_t time)
{
    return update(db, DNP3_PT_BINARY_OUTPUT, index, (dnp3i_value_t){.binary = value}, flags, time);
}

int dnp3_db_update_counter(dnp3_db_t *db, uint32_t index, uint32_t value, uint8_t flags,
                           dnp3_time_t time)
{
    return update(db, DNP3_PT_COUNTER, index, (dnp3i_value_t){.counter = value}, flags, time);
}

int dnp3_db_update_frozen_counter(dnp3_db_t *db, uint32_t index, uint32_t value, uint8_t flags,
                                  dnp3_time_t time)
{
    return update(db, DNP3_PT_FROZEN_COUNTER, index, (dnp3i_value_t){.counter = value}, flags,
                  time);
}

int dnp3_db_update_analog(dnp3_db_t *db, uint32_t index, double value, uint8_t flags,
                          dnp3_time_t time)
{
    return update(db, DNP3_PT_ANALOG, index, (dnp3i_value_t){.analog = value}, flags, time);
}

int dnp3_db_update_analog_output(dnp3_db_t *db, uint32_t index, double value, uint8_t flags,
                                 dnp3_time_t time)
{
    return update(db, DNP3_PT_ANALOG_OUTPUT, index, (dnp3i_value_t){.analog = value}, flags, time);
}

int dnp3_db_update_octet_string(dnp3_db_t *db, uint32_t index, const uint8_t *data, size_t len,
                                uint8_t flags, dnp3_time_t time)
{
    if (!db)
        return DNP3_E_INVALID_ARG;
    if (index >= db->count[DNP3_PT_OCTET_STRING] || len == 0 || len > db->octet_size || !data ||
        time > DNP3_TIME_MAX) {
        db->counters.rejected++;
        return DNP3_E_INVALID_ARG;
    }
    dnp3i_op_t op = {.kind = DNP3_PT_OCTET_STRING,
                     .flags = flags & QUALITY_MASK,
                     .octet_len = (uint8_t)len,
                     .index = index,
                     .time = time};
    return submit(db, &op, data);
}

int dnp3_db_freeze(dnp3_db_t *db, uint32_t start, uint32_t stop, bool clear, dnp3_time_t time)
{
    if (!db)
        return DNP3_E_INVALID_ARG;
    uint32_t n = db->count[DNP3_PT_COUNTER] < db->count[DNP3_PT_FROZEN_COUNTER]
                     ? db->count[DNP3_PT_COUNTER]
                     : db->count[DNP3_PT_FROZEN_COUNTER];
    if (start > stop || start >= n || time > DNP3_TIME_MAX) {
        db->counters.rejected++;
        return DNP3_E_INVALID_ARG;
    }
    if (stop >= n)
        stop = n - 1;
    dnp3i_op_t op = {
        .kind = DNP3I_OP_FREEZE, .clear = clear, .index = start, .stop = stop, .time = time};
    int rc = submit(db, &op, NULL);
    return rc < 0 ? rc : dnp3i_clip_int((uint64_t)stop - start + 1);
}

int dnp3_db_begin(dnp3_db_t *db)
{
    if (!db)
        return DNP3_E_INVALID_ARG;
    if (db->in_batch)
        return DNP3_E_STATE;
    db->in_batch = true;
    db->batch_len = 0;
    db->batch_octet_used = 0;
    return DNP3_OK;
}

int dnp3_db_commit(dnp3_db_t *db)
{
    if (!db)
        return DNP3_E_INVALID_ARG;
    if (!db->in_batch)
        return DNP3_E_STATE;
    uint64_t events = 0;
    for (uint32_t i = 0; i < db->batch_len; i++) {
        const dnp3i_op_t *op = &db->batch[i];
        events += dnp3i_db_apply(db, op, op->octet_len ? db->batch_octets + op->octet_off : NULL);
    }
    db->in_batch = false;
    db->batch_len = 0;
    db->counters.batches++;
    return dnp3i_clip_int(events);
}

int dnp3_db_abort(dnp3_db_t *db)
{
    if (!db)
        return DNP3_E_INVALID_ARG;
    if (!db->in_batch)
        return DNP3_E_STATE;
    db->in_batch = false;
    db->batch_len = 0;
    db->counters.aborted++;
    return DNP3_OK;
}

int dnp3_db_record_command_event(dnp3_db_t *db, const dnp3_event_t *ev)
{
    if (!db || !ev || (ev->type != DNP3_EV_BINARY_COMMAND && ev->type != DNP3_EV_ANALOG_COMMAND))
        return DNP3_E_INVALID_ARG;
    if (ev->event_class < DNP3_CLASS_1 || ev->event_class > DNP3_CLASS_3 || ev->status > 127 ||
        ev->time > DNP3_TIME_MAX)
        return DNP3_E_INVALID_ARG;
    uint8_t v = ev->variation ? ev->variation : dnp3i_db_command_default_variation(ev->type);
    if (!dnp3i_db_command_variation_ok(ev->type, v))
        return DNP3_E_INVALID_ARG;
    dnp3_event_t e = {
        .seq = db->next_seq++,
        .type = ev->type,
        .index = ev->index,
        .event_class = ev->event_class,
        .variation = v,
        .time = ev->time,
        .status = ev->status,
    };
    if (ev->type == DNP3_EV_BINARY_COMMAND)
        e.value.binary = ev->value.binary;
    else
        e.value.analog = ev->value.analog;
    db->counters.events[ev->type]++;
    /* Command events have no point: they share the spare slot past the
     * points, and are always kept in mode ALL (each execution counts). */
    for (dnp3_event_buffer_t *b = db->buffers; b; b = dnp3i_event_buffer_next(b))
        dnp3i_event_buffer_offer(b, &e, db->total_points, DNP3_EVENT_MODE_ALL);
    return 1;
}
