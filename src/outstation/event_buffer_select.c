/* Event buffers: the response life cycle (select -> write -> confirm, or
 * back to unwritten) and the read-only queries (counts, IIN2.3, counters). */
#include <stddef.h>
#include <string.h>

#include "outstation/event_buffer_internal.h"

#define BY_KEY offsetof(dnp3i_ev_t, by_key)

static uint8_t key_of(uint8_t seq, bool unsolicited)
{
    return (uint8_t)(seq | (unsolicited ? 16u : 0u));
}

/* First UNWRITTEN event at or after r in its class list. */
static uint32_t next_unwritten(const dnp3_event_buffer_t *b, uint32_t r)
{
    while (r != DNP3I_NIL && b->pool[r].state != DNP3I_EV_UNWRITTEN)
        r = b->pool[r].by_class.next;
    return r;
}

static void mark_selected(dnp3_event_buffer_t *b, uint32_t r)
{
    dnp3i_ev_t *e = &b->pool[r];
    e->state = DNP3I_EV_SELECTED;
    e->sel_pos = b->sel_count;
    b->selection[b->sel_count++] = r;
    b->class_busy[e->cls - 1u]++;
    if (b->latest[e->point_slot] == r)
        b->latest[e->point_slot] = DNP3I_NIL;
}

int dnp3_event_buffer_select(dnp3_event_buffer_t *b, uint8_t class_mask, uint32_t max)
{
    if (!b)
        return DNP3_E_INVALID_ARG;
    if (b->sel_count)
        (void)dnp3_event_buffer_write(b, 0, 0, false);
    uint32_t cur[DNP3I_NCLASS];
    for (unsigned c = 0; c < DNP3I_NCLASS; c++)
        cur[c] = (class_mask >> c) & 1u ? next_unwritten(b, b->class_list[c].head) : DNP3I_NIL;
    /* Merge the class lists by sequence number: SOE order across classes. */
    while (b->sel_count < max) {
        unsigned best = DNP3I_NCLASS;
        for (unsigned c = 0; c < DNP3I_NCLASS; c++) {
            if (cur[c] != DNP3I_NIL &&
                (best == DNP3I_NCLASS || b->pool[cur[c]].seq < b->pool[cur[best]].seq))
                best = c;
        }
        if (best == DNP3I_NCLASS)
            break;
        uint32_t r = cur[best];
        cur[best] = next_unwritten(b, b->pool[r].by_class.next);
        mark_selected(b, r);
    }
    return dnp3i_clip_int(b->sel_count);
}

int dnp3_event_buffer_selected(const dnp3_event_buffer_t *b, uint32_t i, dnp3_event_t *out)
{
    if (!b || !out || i >= b->sel_count)
        return DNP3_E_INVALID_ARG;
    uint32_t r = b->selection[i];
    if (r == DNP3I_NIL)
        return DNP3_E_STATE;
    const dnp3i_ev_t *e = &b->pool[r];
    memset(out, 0, sizeof *out);
    out->seq = e->seq;
    out->type = (dnp3_point_type_t)e->type;
    out->index = e->index;
    out->event_class = e->cls;
    out->variation = e->variation;
    out->flags = e->flags;
    out->time = e->time;
    switch (out->type) {
    case DNP3_PT_BINARY:
    case DNP3_PT_BINARY_OUTPUT:
        out->value.binary = e->value.binary;
        break;
    case DNP3_PT_DOUBLE_BIT:
        out->value.double_bit = e->value.double_bit;
        break;
    case DNP3_PT_COUNTER:
    case DNP3_PT_FROZEN_COUNTER:
        out->value.counter = e->value.counter;
        break;
    case DNP3_PT_ANALOG:
    case DNP3_PT_ANALOG_OUTPUT:
        out->value.analog = e->value.analog;
        break;
    default:
        out->value.octets.data = b->octets + (size_t)e->octet_slot * b->octet_size;
        out->value.octets.len = e->octet_len;
        break;
    }
    return DNP3_OK;
}

int dnp3_event_buffer_write(dnp3_event_buffer_t *b, uint32_t n, uint8_t seq, bool unsolicited)
{
    if (!b || n > b->sel_count || seq > 15)
        return DNP3_E_INVALID_ARG;
    uint8_t key = key_of(seq, unsolicited);
    uint32_t written = 0;
    for (uint32_t i = 0; i < b->sel_count; i++) {
        uint32_t r = b->selection[i];
        if (r == DNP3I_NIL)
            continue;
        if (i < n) {
            b->pool[r].state = DNP3I_EV_WRITTEN;
            b->pool[r].key = key;
            dnp3i_ev_list_append(b->pool, &b->key_list[key], BY_KEY, r);
            b->counters.written++;
            written++;
        } else {
            dnp3i_ev_to_unwritten(b, r);
        }
    }
    b->sel_count = 0;
    return dnp3i_clip_int(written);
}

int dnp3_event_buffer_confirm(dnp3_event_buffer_t *b, uint8_t seq, bool unsolicited)
{
    if (!b || seq > 15)
        return DNP3_E_INVALID_ARG;
    dnp3i_list_t *l = &b->key_list[key_of(seq, unsolicited)];
    uint32_t n = 0;
    while (l->head != DNP3I_NIL) {
        dnp3i_ev_remove(b, l->head, DNP3I_EXIT_CONFIRMED);
        n++;
    }
    return dnp3i_clip_int(n);
}

int dnp3_event_buffer_unwrite(dnp3_event_buffer_t *b, uint8_t seq, bool unsolicited)
{
    if (!b || seq > 15)
        return DNP3_E_INVALID_ARG;
    dnp3i_list_t *l = &b->key_list[key_of(seq, unsolicited)];
    uint32_t n = 0;
    while (l->head != DNP3I_NIL) {
        dnp3i_ev_to_unwritten(b, l->head);
        n++;
    }
    return dnp3i_clip_int(n);
}

int dnp3_event_buffer_unwrite_all(dnp3_event_buffer_t *b)
{
    if (!b)
        return DNP3_E_INVALID_ARG;
    uint32_t n = 0;
    for (uint32_t i = 0; i < b->sel_count; i++) {
        if (b->selection[i] != DNP3I_NIL) {
            dnp3i_ev_to_unwritten(b, b->selection[i]);
            n++;
        }
    }
    b->sel_count = 0;
    for (uint8_t k = 0; k < DNP3I_NKEYS; k++)
        n += (uint32_t)dnp3_event_buffer_unwrite(b, k & 15u, k >= 16);
    return dnp3i_clip_int(n);
}

uint32_t dnp3_event_buffer_count(const dnp3_event_buffer_t *b, uint8_t event_class,
                                 bool unwritten_only)
{
    if (!b || event_class < 1 || event_class > 3)
        return 0;
    unsigned c = event_class - 1u;
    return unwritten_only ? b->class_held[c] - b->class_busy[c] : b->class_held[c];
}

bool dnp3_event_buffer_overflow(const dnp3_event_buffer_t *b)
{
    return b && b->overflow;
}

void dnp3_event_buffer_clear_overflow(dnp3_event_buffer_t *b)
{
    if (b)
        b->overflow = false;
}

int dnp3_event_buffer_counters(const dnp3_event_buffer_t *b, dnp3_event_buffer_counters_t *out)
{
    if (!b || !out)
        return DNP3_E_INVALID_ARG;
    *out = b->counters;
    return DNP3_OK;
}
