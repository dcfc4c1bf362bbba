/* Event buffers: creation, arrival of events from the database, overflow
 * (IIN2.3) and removal. The response life cycle is in event_buffer_select.c. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "outstation/event_buffer_internal.h"

#define LINK(pool, r, off) ((dnp3i_link_t *)((char *)&(pool)[r] + (off)))
#define BY_CLASS           offsetof(dnp3i_ev_t, by_class)
#define BY_TYPE            offsetof(dnp3i_ev_t, by_type)
#define BY_KEY             offsetof(dnp3i_ev_t, by_key)

void dnp3i_ev_list_append(dnp3i_ev_t *pool, dnp3i_list_t *l, size_t off, uint32_t r)
{
    dnp3i_link_t *k = LINK(pool, r, off);
    k->prev = l->tail;
    k->next = DNP3I_NIL;
    if (l->tail != DNP3I_NIL)
        LINK(pool, l->tail, off)->next = r;
    else
        l->head = r;
    l->tail = r;
}

void dnp3i_ev_list_unlink(dnp3i_ev_t *pool, dnp3i_list_t *l, size_t off, uint32_t r)
{
    dnp3i_link_t *k = LINK(pool, r, off);
    if (k->prev != DNP3I_NIL)
        LINK(pool, k->prev, off)->next = k->next;
    else
        l->head = k->next;
    if (k->next != DNP3I_NIL)
        LINK(pool, k->next, off)->prev = k->prev;
    else
        l->tail = k->prev;
    k->prev = k->next = DNP3I_NIL;
}

void dnp3_event_buffer_config_default(dnp3_event_buffer_config_t *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    for (unsigned c = 0; c < DNP3I_NCLASS; c++)
        cfg->class_capacity[c] = 100;
    cfg->overflow_policy = DNP3_OVERFLOW_DISCARD_OLDEST;
}

/* Records needed: every event has a class 1..3, so the class capacities
 * bound the total; when every type has its own limit, so do they. */
static uint32_t pool_size(const dnp3_event_buffer_config_t *cfg)
{
    uint64_t by_class = 0, by_type = 0;
    bool all_typed = true;
    for (unsigned c = 0; c < DNP3I_NCLASS; c++)
        by_class += cfg->class_capacity[c];
    for (unsigned t = 0; t < DNP3_EV_TYPE_COUNT_; t++) {
        by_type += cfg->type_capacity[t];
        all_typed = all_typed && cfg->type_capacity[t] != 0;
    }
    uint64_t n = all_typed && by_type < by_class ? by_type : by_class;
    return n < DNP3I_NIL ? (uint32_t)n : DNP3I_NIL - 1;
}

static void *alloc_array(size_t n, size_t size)
{
    return calloc(n ? n : 1, size);
}

static int alloc_buffer(dnp3_event_buffer_t *b, const dnp3_db_t *db)
{
    b->pool_size = pool_size(&b->cfg);
    uint32_t otype = b->cfg.type_capacity[DNP3_PT_OCTET_STRING];
    b->octet_slots = db->count[DNP3_PT_OCTET_STRING] == 0 ? 0
                     : otype && otype < b->pool_size      ? otype
                                                          : b->pool_size;
    b->octet_size = db->octet_size;
    b->pool = alloc_array(b->pool_size, sizeof *b->pool);
    b->selection = alloc_array(b->pool_size, sizeof *b->selection);
    b->scratch = alloc_array(b->pool_size, sizeof *b->scratch);
    b->latest = alloc_array((size_t)db->total_points + 1, sizeof *b->latest);
    b->octets = alloc_array(b->octet_slots, b->octet_size);
    b->octet_next = alloc_array(b->octet_slots, sizeof *b->octet_next);
    if (!b->pool || !b->selection || !b->scratch || !b->latest || !b->octets || !b->octet_next)
        return DNP3_E_NOMEM;
    for (uint64_t i = 0; i <= db->total_points; i++)
        b->latest[i] = DNP3I_NIL;
    b->cmd_slot = db->total_points;
    memcpy(b->slot_base, db->base, sizeof b->slot_base);
    b->free_head = DNP3I_NIL;
    for (uint32_t i = b->pool_size; i-- > 0;) {
        b->pool[i].by_class.next = b->free_head;
        b->free_head = i;
    }
    b->octet_free = DNP3I_NIL;
    for (uint32_t i = b->octet_slots; i-- > 0;) {
        b->octet_next[i] = b->octet_free;
        b->octet_free = i;
    }
    dnp3i_list_t empty = {DNP3I_NIL, DNP3I_NIL};
    for (unsigned c = 0; c < DNP3I_NCLASS; c++)
        b->class_list[c] = empty;
    for (unsigned t = 0; t < DNP3_EV_TYPE_COUNT_; t++)
        b->type_list[t] = empty;
    for (unsigned k = 0; k < DNP3I_NKEYS; k++)
        b->key_list[k] = empty;
    return DNP3_OK;
}

size_t dnp3_event_buffer_memory(const dnp3_event_buffer_t *b)
{
    if (!b)
        return 0;
    /* As alloc_buffer asks: alloc_array takes one element for none. */
    size_t pool = b->pool_size ? b->pool_size : 1;
    size_t octets = b->octet_slots ? b->octet_slots : 1;
    size_t points = (size_t)b->cmd_slot + 1; /* total_points + the command slot */
    return sizeof *b + pool * (sizeof *b->pool + sizeof *b->selection + sizeof *b->scratch) +
           points * sizeof *b->latest + octets * (b->octet_size + sizeof *b->octet_next);
}

static void release(dnp3_event_buffer_t *b)
{
    free(b->pool);
    free(b->selection);
    free(b->scratch);
    free(b->latest);
    free(b->octets);
    free(b->octet_next);
    free(b);
}

int dnp3_event_buffer_new(dnp3_db_t *db, const dnp3_event_buffer_config_t *cfg,
                          dnp3_event_buffer_t **out)
{
    if (!db || !cfg || !out)
        return DNP3_E_INVALID_ARG;
    *out = NULL;
    if (cfg->overflow_policy > DNP3_OVERFLOW_DISCARD_NEWEST)
        return DNP3_E_INVALID_ARG;
    if (db->in_batch)
        return DNP3_E_STATE;
    dnp3_event_buffer_t *b = calloc(1, sizeof *b);
    if (!b)
        return DNP3_E_NOMEM;
    b->cfg = *cfg;
    int rc = alloc_buffer(b, db);
    if (rc < 0) {
        release(b);
        return rc;
    }
    b->db = db;
    b->next_attached = db->buffers;
    db->buffers = b;
    *out = b;
    return DNP3_OK;
}

void dnp3_event_buffer_free(dnp3_event_buffer_t *b)
{
    if (!b)
        return;
    dnp3_event_buffer_t **p = b->db ? &b->db->buffers : NULL;
    for (; p && *p; p = &(*p)->next_attached) {
        if (*p == b) {
            *p = b->next_attached;
            break;
        }
    }
    release(b);
}

void dnp3i_event_buffer_detach(dnp3_event_buffer_t *b)
{
    b->db = NULL;
    b->next_attached = NULL;
}

dnp3_event_buffer_t *dnp3i_event_buffer_next(const dnp3_event_buffer_t *b)
{
    return b->next_attached;
}

void dnp3i_ev_remove(dnp3_event_buffer_t *b, uint32_t r, enum dnp3i_ev_exit why)
{
    dnp3i_ev_t *e = &b->pool[r];
    unsigned c = e->cls - 1u, t = e->type;
    b->resume_ok = false;
    dnp3i_ev_list_unlink(b->pool, &b->class_list[c], BY_CLASS, r);
    dnp3i_ev_list_unlink(b->pool, &b->type_list[t], BY_TYPE, r);
    if (DNP3I_EV_IS_WRITTEN(e))
        dnp3i_ev_list_unlink(b->pool, &b->key_list[DNP3I_EV_KEY(e)], BY_KEY, r);
    else if (e->state == DNP3I_EV_SELECTED) {
        b->selection[DNP3I_SEL_POS(e)] = DNP3I_NIL;
        b->sel_holes = true;
    }
    if (e->state != DNP3I_EV_UNWRITTEN)
        b->class_busy[c]--;
    if (dnp3i_ev_has_slot(e) && b->latest[e->ref] == r)
        b->latest[e->ref] = DNP3I_NIL;
    b->class_held[c]--;
    b->type_held[t]--;
    b->counters.held[c][t]--;
    if (why == DNP3I_EXIT_CONFIRMED)
        b->counters.confirmed[c][t]++;
    else if (why == DNP3I_EXIT_DISCARDED)
        b->counters.discarded[c][t]++;
    else
        b->counters.superseded[c][t]++;
    if (t == DNP3_PT_OCTET_STRING) {
        b->octet_next[(uint32_t)e->value] = b->octet_free;
        b->octet_free = (uint32_t)e->value;
    }
    e->state = DNP3I_EV_FREE;
    e->by_class.next = b->free_head;
    b->free_head = r;
}

void dnp3i_ev_to_unwritten(dnp3_event_buffer_t *b, uint32_t r)
{
    dnp3i_ev_t *e = &b->pool[r];
    b->resume_ok = false;
    if (DNP3I_EV_IS_WRITTEN(e)) {
        dnp3i_ev_list_unlink(b->pool, &b->key_list[DNP3I_EV_KEY(e)], BY_KEY, r);
        b->counters.returned++;
    }
    b->class_busy[e->cls - 1u]--;
    e->state = DNP3I_EV_UNWRITTEN;
    if (!dnp3i_ev_has_slot(e))
        return;
    uint32_t *latest = &b->latest[e->ref];
    if (*latest == DNP3I_NIL || b->pool[*latest].seq < e->seq)
        *latest = r;
}

/* Make room for an event of class index c and type t. Returns false when
 * the arriving event is the one to discard. */
static bool make_room(dnp3_event_buffer_t *b, unsigned c, unsigned t)
{
    uint32_t tcap = b->cfg.type_capacity[t];
    bool class_full = b->class_held[c] >= b->cfg.class_capacity[c];
    bool type_full = tcap && b->type_held[t] >= tcap;
    if (!class_full && !type_full)
        return b->free_head != DNP3I_NIL;
    b->overflow = true;
    b->counters.overflows++;
    if (b->cfg.overflow_policy == DNP3_OVERFLOW_DISCARD_NEWEST)
        return false;
    if (class_full) {
        if (b->class_list[c].head == DNP3I_NIL)
            return false; /* capacity 0: this class is never kept */
        dnp3i_ev_remove(b, b->class_list[c].head, DNP3I_EXIT_DISCARDED);
    }
    if (tcap && b->type_held[t] >= tcap)
        dnp3i_ev_remove(b, b->type_list[t].head, DNP3I_EXIT_DISCARDED);
    return b->free_head != DNP3I_NIL;
}

static void store(dnp3_event_buffer_t *b, uint32_t r, const dnp3_event_t *ev, uint32_t slot)
{
    dnp3i_ev_t *e = &b->pool[r];
    b->free_head = e->by_class.next;
    e->seq = ev->seq;
    e->time_lo = (uint32_t)ev->time;
    e->time_hi = (uint16_t)(ev->time >> 32);
    e->variation = ev->variation;
    e->flags = ev->flags;
    e->ref = ev->type < DNP3_PT_COUNT_ ? slot : ev->index;
    e->type = (uint8_t)ev->type;
    e->cls = ev->event_class;
    e->status = ev->status;
    e->state = DNP3I_EV_UNWRITTEN;
    if (ev->type == DNP3_PT_OCTET_STRING) {
        uint32_t o = b->octet_free;
        b->octet_free = b->octet_next[o];
        e->value = o | (uint64_t)ev->value.octets.len << 32;
        memcpy(b->octets + (size_t)o * b->octet_size, ev->value.octets.data, ev->value.octets.len);
    } else {
        /* Every member but octets lies in the union's first 8 bytes. */
        memcpy(&e->value, &ev->value, sizeof e->value);
    }
}

void dnp3i_event_buffer_offer(dnp3_event_buffer_t *b, const dnp3_event_t *ev, uint32_t slot,
                              dnp3_event_mode_t mode)
{
    unsigned c = ev->event_class - 1u, t = ev->type;
    b->counters.added[c][t]++;
    b->resume_ok = false;
    if (mode == DNP3_EVENT_MODE_MOST_RECENT && !b->cfg.every_change && b->latest[slot] != DNP3I_NIL)
        dnp3i_ev_remove(b, b->latest[slot], DNP3I_EXIT_SUPERSEDED);
    /* An octet slot exists whenever a record does (octet_slots is the pool
     * size or the octet type's own capacity); checked all the same. */
    if (!make_room(b, c, t) || (t == DNP3_PT_OCTET_STRING && b->octet_free == DNP3I_NIL)) {
        b->overflow = true;
        b->counters.discarded[c][t]++;
        return;
    }
    uint32_t r = b->free_head;
    store(b, r, ev, slot);
    dnp3i_ev_list_append(b->pool, &b->class_list[c], BY_CLASS, r);
    dnp3i_ev_list_append(b->pool, &b->type_list[t], BY_TYPE, r);
    b->class_held[c]++;
    b->type_held[t]++;
    b->counters.held[c][t]++;
    b->latest[slot] = r;
}
