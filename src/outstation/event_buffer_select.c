/* Event buffers: the response life cycle (select -> write -> confirm, or
 * back to unwritten) and the read-only queries (counts, IIN2.3, counters). */
#include <stddef.h>
#include <string.h>

#include "outstation/event_buffer_internal.h"

static uint8_t key_of(uint8_t seq, bool unsolicited)
{
    return (uint8_t)(seq | (unsolicited ? 16u : 0u));
}

/* A walk over one class list or one type list. */
typedef struct cursor {
    uint32_t r;
    dnp3i_chain_t ch;
    unsigned ordinal; /* its place among the lists opened (resume_at) */
} cursor_t;

static bool wanted(const dnp3i_ev_t *e, uint8_t class_mask, uint16_t type_mask)
{
    return e->state == DNP3I_EV_UNWRITTEN && ((class_mask >> dnp3i_ev_ci(e)) & 1u) &&
           ((type_mask >> dnp3i_ev_type(e)) & 1u);
}

/* Advance to the first wanted event at or after c->r. */
__attribute__((always_inline)) static inline void seek(const dnp3_event_buffer_t *b, cursor_t *c,
                                                       uint8_t class_mask, uint16_t type_mask)
{
    while (c->r != DNP3I_NIL && !wanted(&b->pool[c->r], class_mask, type_mask))
        c->r = dnp3i_chain_next(b, c->ch, c->r);
}

static uint32_t sel_at(const dnp3_event_buffer_t *b, uint32_t i)
{
    return dnp3i_ev_get(b, b->selection, i);
}

__attribute__((always_inline)) static inline void sel_put(dnp3_event_buffer_t *b, uint32_t i,
                                                          uint32_t r)
{
    dnp3i_ev_set(b, b->selection, i, r);
    dnp3i_lk_set(b, r, DNP3I_LK_KEY, i); /* SELECTED: its position */
}

static void mark_selected(dnp3_event_buffer_t *b, uint32_t r)
{
    dnp3i_ev_t *e = &b->pool[r];
    e->state = DNP3I_EV_SELECTED;
    sel_put(b, b->sel_count++, r);
    b->class_busy[dnp3i_ev_ci(e)]++;
    if (dnp3i_ev_has_slot(e) && dnp3i_ev_get(b, b->latest, e->ref) == r)
        dnp3i_ev_set(b, b->latest, e->ref, DNP3I_NIL);
}

/* The selection is selection[0..old) (earlier selects, SOE order) followed
 * by selection[old..sel_count) (this select, SOE order): merge the two runs
 * by sequence number (compact() has removed entries of events that left).
 * The merged order is chained through the events' key next links (a
 * selected event is in no key list), then written back. */
static void merge_runs(dnp3_event_buffer_t *b, uint32_t old)
{
    uint32_t i = 0, j = old, first = DNP3I_NIL, last = DNP3I_NIL, n = 0;
    while (i < old || j < b->sel_count) {
        uint32_t ri = i < old ? sel_at(b, i) : DNP3I_NIL;
        if (i < old && ri == DNP3I_NIL) {
            i++;
            continue;
        }
        uint32_t rj = j < b->sel_count ? sel_at(b, j) : DNP3I_NIL;
        bool take_i = rj == DNP3I_NIL ||
                      (ri != DNP3I_NIL && dnp3i_ev_seq_before(b->pool[ri].seq, b->pool[rj].seq));
        uint32_t r = take_i ? ri : rj;
        if (take_i)
            i++;
        else
            j++;
        if (last == DNP3I_NIL)
            first = r;
        else
            dnp3i_lk_set(b, last, DNP3I_LK_KEY + 1, r);
        last = r;
        n++;
    }
    for (uint32_t k = 0, r = first; k < n; k++, r = dnp3i_lk(b, r, DNP3I_LK_KEY + 1))
        sel_put(b, k, r);
    b->sel_count = n;
}

/* Drop the entries of selected events that have left through overflow, so
 * that the selection never holds more entries than the pool has records. */
static void compact(dnp3_event_buffer_t *b)
{
    if (!b->sel_holes)
        return;
    b->sel_holes = false;
    uint32_t n = 0;
    for (uint32_t i = 0; i < b->sel_count; i++) {
        uint32_t r = sel_at(b, i);
        if (r != DNP3I_NIL)
            sel_put(b, n++, r);
    }
    b->sel_count = n;
}

/* Open a cursor on each list to walk: the class lists when every type is
 * wanted (a class poll) or no type lists are kept, else the lists of the
 * wanted types (a READ of g2v0...). Returns the number of cursors. */
static unsigned open_cursors(dnp3_event_buffer_t *b, cursor_t *cur, uint8_t class_mask,
                             uint16_t type_mask)
{
    bool by_type = b->typed && (type_mask & DNP3_TYPE_MASK_ALL) != DNP3_TYPE_MASK_ALL;
    unsigned nlists = by_type ? DNP3_EV_TYPE_COUNT_ : DNP3I_NCLASS, ncur = 0;
    uint16_t mask = by_type ? type_mask : class_mask;
    bool resume = b->resume_ok && b->sel_count > 0 && b->resume_class == class_mask &&
                  b->resume_type == type_mask;
    for (unsigned k = 0; k < nlists; k++) {
        if (!((mask >> k) & 1u))
            continue;
        cur[ncur].r = resume    ? b->resume_at[ncur]
                      : by_type ? b->type_list[k].head
                                : b->class_list[k].head;
        cur[ncur].ch = by_type ? dnp3i_type_chain(b) : dnp3i_class_chain(b);
        cur[ncur].ordinal = ncur;
        b->resume_at[ncur] = DNP3I_NIL;
        seek(b, &cur[ncur], class_mask, type_mask);
        ncur++;
    }
    return ncur;
}

/* Keep the cursors that have events left (none arrive during a select). */
static unsigned drop_spent(cursor_t *cur, unsigned ncur)
{
    unsigned n = 0;
    for (unsigned k = 0; k < ncur; k++) {
        if (cur[k].r != DNP3I_NIL)
            cur[n++] = cur[k];
    }
    return n;
}

int dnp3_event_buffer_select(dnp3_event_buffer_t *b, uint8_t class_mask, uint16_t type_mask,
                             uint32_t max)
{
    if (!b)
        return DNP3_E_INVALID_ARG;
    compact(b);
    cursor_t cur[DNP3_EV_TYPE_COUNT_];
    unsigned ncur = drop_spent(cur, open_cursors(b, cur, class_mask, type_mask));
    uint32_t old = b->sel_count, added = 0;
    /* Merge the lists by sequence number: SOE order across classes and
     * types (a spent list leaves the merge; the last one left is taken
     * as it comes). */
    while (added < max && ncur > 0) {
        unsigned best = 0;
        for (unsigned k = 1; k < ncur; k++) {
            if (dnp3i_ev_seq_before(b->pool[cur[k].r].seq, b->pool[cur[best].r].seq))
                best = k;
        }
        uint32_t r = cur[best].r;
        cur[best].r = dnp3i_chain_next(b, cur[best].ch, r);
        seek(b, &cur[best], class_mask, type_mask);
        mark_selected(b, r);
        added++;
        if (cur[best].r == DNP3I_NIL)
            cur[best] = cur[--ncur];
    }
    for (unsigned k = 0; k < ncur; k++)
        b->resume_at[cur[k].ordinal] = cur[k].r;
    b->resume_ok = true;
    b->resume_class = class_mask;
    b->resume_type = type_mask;
    /* The new run usually follows the old one (a response selecting step
     * by step): then the selection is in order already. */
    if (old && added &&
        dnp3i_ev_seq_before(b->pool[sel_at(b, old)].seq, b->pool[sel_at(b, old - 1)].seq))
        merge_runs(b, old);
    return dnp3i_clip_int(added);
}

uint32_t dnp3_event_buffer_selected_count(const dnp3_event_buffer_t *b)
{
    return b ? b->sel_count : 0;
}

int dnp3_event_buffer_selected(const dnp3_event_buffer_t *b, uint32_t i, dnp3_event_t *out)
{
    if (!b || !out || i >= b->sel_count)
        return DNP3_E_INVALID_ARG;
    uint32_t r = sel_at(b, i);
    if (r == DNP3I_NIL)
        return DNP3_E_STATE;
    const dnp3i_ev_t *e = &b->pool[r];
    memset(out, 0, sizeof *out);
    /* The full number: the newest offered, less how far behind it is. */
    out->seq = b->last_seq - (uint32_t)((uint32_t)b->last_seq - e->seq);
    out->type = (dnp3_point_type_t)dnp3i_ev_type(e);
    out->index = dnp3i_ev_has_slot(e) ? e->ref - b->slot_base[dnp3i_ev_type(e)] : e->ref;
    out->event_class = (uint8_t)(dnp3i_ev_ci(e) + 1u);
    out->variation = e->variation;
    out->flags = dnp3i_ev_has_slot(e) ? e->flags : 0;
    out->status = dnp3i_ev_has_slot(e) ? 0 : e->flags;
    out->time = (uint64_t)e->time_hi << 32 | e->time_lo;
    if (out->type == DNP3_PT_OCTET_STRING) {
        uint32_t o, len;
        memcpy(&o, e->value, sizeof o);
        memcpy(&len, e->value + 4, sizeof len);
        out->value.octets.data = b->octets + (size_t)o * b->octet_size;
        out->value.octets.len = (uint8_t)len;
    } else {
        memcpy(&out->value, e->value, sizeof e->value);
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
        uint32_t r = sel_at(b, i);
        if (r == DNP3I_NIL)
            continue;
        if (i < n) {
            b->pool[r].state = (uint8_t)(DNP3I_EV_WRITTEN + key);
            dnp3i_ev_list_append(b, dnp3i_key_chain(b), &b->key_list[key], r);
            written++;
        } else {
            dnp3i_ev_to_unwritten(b, r);
        }
    }
    b->counters.written += written;
    b->sel_count = 0;
    b->sel_holes = false;
    b->resume_ok = false;
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
        uint32_t r = sel_at(b, i);
        if (r != DNP3I_NIL) {
            dnp3i_ev_to_unwritten(b, r);
            n++;
        }
    }
    b->sel_count = 0;
    b->sel_holes = false;
    b->resume_ok = false;
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
    const dnp3i_ev_counters_t *k = &b->counters;
    for (unsigned c = 0; c < DNP3I_NCLASS; c++) {
        for (unsigned t = 0; t < DNP3_EV_TYPE_COUNT_; t++) {
            out->added[c][t] = k->added[c][t];
            out->discarded[c][t] = k->discarded[c][t];
            out->superseded[c][t] = k->superseded[c][t];
            out->held[c][t] = k->held[c][t];
            out->confirmed[c][t] =
                k->added[c][t] - k->held[c][t] - k->discarded[c][t] - k->superseded[c][t];
        }
    }
    out->written = k->written;
    out->returned = k->returned;
    out->overflows = k->overflows;
    return DNP3_OK;
}
