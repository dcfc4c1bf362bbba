/* Event buffers: creation, arrival of events from the database, overflow
 * (IIN2.3) and removal. The response life cycle is in event_buffer_select.c. */
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include "outstation/event_buffer_internal.h"

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
static uint64_t pool_size(const dnp3_event_buffer_config_t *cfg)
{
    uint64_t by_class = 0, by_type = 0;
    bool all_typed = true;
    for (unsigned c = 0; c < DNP3I_NCLASS; c++)
        by_class += cfg->class_capacity[c];
    for (unsigned t = 0; t < DNP3_EV_TYPE_COUNT_; t++) {
        by_type += cfg->type_capacity[t];
        all_typed = all_typed && cfg->type_capacity[t] != 0;
    }
    return all_typed && by_type < by_class ? by_type : by_class;
}

/* Type lists are kept when some point type has a capacity. The command
 * kinds' capacities (an outstation sets them by default) do without: their
 * oldest event is looked for along the class lists (oldest_of_type), which
 * costs a walk only when a command event arrives and its kind is full. */
static bool any_typed(const dnp3_event_buffer_config_t *cfg)
{
    for (unsigned t = 0; t < DNP3_PT_COUNT_; t++) {
        if (cfg->type_capacity[t])
            return true;
    }
    return false;
}

/* Bytes of each part, as alloc_buffer asks for them (one record for a
 * buffer of none, so that no allocation is of 0 bytes; no octet store
 * without octet string points); dnp3_event_buffer_memory adds them up. */
typedef struct parts {
    size_t pool, links, tlinks, latest, selection, octets, octet_next;
} parts_t;

static parts_t parts_of(const dnp3_event_buffer_t *b)
{
    size_t w = b->narrow ? sizeof(uint16_t) : sizeof(uint32_t);
    size_t n = b->pool_size ? b->pool_size : 1;
    size_t o = b->octet_slots; /* none at all without octet string points */
    return (parts_t){
        .pool = n * sizeof(dnp3i_ev_t),
        .links = n * DNP3I_LK_PER_EV * w,
        .tlinks = b->typed ? n * DNP3I_TLK_PER_EV * w : 0,
        .latest = ((size_t)b->cmd_slot + 1) * w, /* total_points + the command slot */
        .selection = n * w,
        .octets = o * b->octet_size,
        .octet_next = o * sizeof(uint32_t),
    };
}

static void init_lists(dnp3_event_buffer_t *b)
{
    b->free_head = DNP3I_NIL;
    for (uint32_t i = b->pool_size; i-- > 0;) {
        dnp3i_lk_set(b, i, DNP3I_LK_CLASS + 1, b->free_head);
        b->free_head = i;
    }
    for (uint32_t i = 0; i <= b->cmd_slot; i++)
        dnp3i_ev_set(b, b->latest, i, DNP3I_NIL);
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
}

static int alloc_buffer(dnp3_event_buffer_t *b, const dnp3_db_t *db)
{
    b->pool_size = (uint32_t)pool_size(&b->cfg);
    b->narrow = b->pool_size <= DNP3I_NARROW_MAX;
    b->typed = any_typed(&b->cfg);
    uint32_t otype = b->cfg.type_capacity[DNP3_PT_OCTET_STRING];
    b->octet_slots = db->count[DNP3_PT_OCTET_STRING] == 0 ? 0
                     : otype && otype < b->pool_size      ? otype
                                                          : b->pool_size;
    b->octet_size = db->octet_size;
    b->cmd_slot = db->total_points;
    memcpy(b->slot_base, db->base, sizeof b->slot_base);
    parts_t p = parts_of(b);
    b->pool = calloc(1, p.pool);
    b->links = calloc(1, p.links);
    b->tlinks = b->typed ? calloc(1, p.tlinks) : NULL;
    b->latest = calloc(1, p.latest);
    b->selection = calloc(1, p.selection);
    if (b->octet_slots) {
        b->octets = calloc(b->octet_slots, b->octet_size);
        b->octet_next = calloc(b->octet_slots, sizeof *b->octet_next);
        if (!b->octets || !b->octet_next)
            return DNP3_E_NOMEM;
    }
    if (!b->pool || !b->links || (b->typed && !b->tlinks) || !b->latest || !b->selection)
        return DNP3_E_NOMEM;
    init_lists(b);
    return DNP3_OK;
}

size_t dnp3_event_buffer_memory(const dnp3_event_buffer_t *b)
{
    if (!b)
        return 0;
    parts_t p = parts_of(b);
    return sizeof *b + p.pool + p.links + p.tlinks + p.latest + p.selection + p.octets +
           p.octet_next;
}

static void release(dnp3_event_buffer_t *b)
{
    free(b->pool);
    free(b->links);
    free(b->tlinks);
    free(b->latest);
    free(b->selection);
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
    if (pool_size(cfg) > DNP3_EVENT_BUFFER_MAX_EVENTS)
        return DNP3_E_CAPACITY;
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

/* The counters of why, per class and type (confirmed ones are what the
 * others leave of added). */
__attribute__((always_inline)) static inline void count_exit(dnp3_event_buffer_t *b, unsigned c,
                                                             unsigned t, enum dnp3i_ev_exit why)
{
    b->class_held[c]--;
    b->type_held[t]--;
    b->counters.held[c][t]--;
    if (why == DNP3I_EXIT_DISCARDED)
        b->counters.discarded[c][t]++;
    else if (why == DNP3I_EXIT_SUPERSEDED)
        b->counters.superseded[c][t]++;
}

/* Take r out of every list and count it; its record is the caller's
 * (freed, or reused at once for an arriving event). */
__attribute__((always_inline)) static inline void detach(dnp3_event_buffer_t *b, uint32_t r,
                                                         enum dnp3i_ev_exit why)
{
    dnp3i_ev_t *e = &b->pool[r];
    unsigned c = dnp3i_ev_ci(e), t = dnp3i_ev_type(e);
    b->resume_ok = false;
    dnp3i_ev_list_unlink(b, dnp3i_class_chain(b), &b->class_list[c], r);
    if (b->typed)
        dnp3i_ev_list_unlink(b, dnp3i_type_chain(b), &b->type_list[t], r);
    if (e->state != DNP3I_EV_UNWRITTEN) {
        if (DNP3I_EV_IS_WRITTEN(e)) {
            dnp3i_ev_list_unlink(b, dnp3i_key_chain(b), &b->key_list[DNP3I_EV_KEY(e)], r);
        } else {
            dnp3i_ev_set(b, b->selection, dnp3i_lk(b, r, DNP3I_LK_KEY), DNP3I_NIL);
            b->sel_holes = true;
        }
        b->class_busy[c]--;
    } else if (dnp3i_ev_has_slot(e) && dnp3i_ev_get(b, b->latest, e->ref) == r) {
        /* Only an unwritten event can be its point's latest. */
        dnp3i_ev_set(b, b->latest, e->ref, DNP3I_NIL);
    }
    count_exit(b, c, t, why);
    if (t == DNP3_PT_OCTET_STRING) {
        uint32_t o;
        memcpy(&o, e->value, sizeof o);
        b->octet_next[o] = b->octet_free;
        b->octet_free = o;
    }
}

static void free_record(dnp3_event_buffer_t *b, uint32_t r)
{
    b->pool[r].state = DNP3I_EV_FREE;
    dnp3i_lk_set(b, r, DNP3I_LK_CLASS + 1, b->free_head);
    b->free_head = r;
}

void dnp3i_ev_remove(dnp3_event_buffer_t *b, uint32_t r, enum dnp3i_ev_exit why)
{
    detach(b, r, why);
    free_record(b, r);
}

void dnp3i_ev_to_unwritten(dnp3_event_buffer_t *b, uint32_t r)
{
    dnp3i_ev_t *e = &b->pool[r];
    b->resume_ok = false;
    if (DNP3I_EV_IS_WRITTEN(e)) {
        dnp3i_ev_list_unlink(b, dnp3i_key_chain(b), &b->key_list[DNP3I_EV_KEY(e)], r);
        b->counters.returned++;
    }
    b->class_busy[dnp3i_ev_ci(e)]--;
    e->state = DNP3I_EV_UNWRITTEN;
    if (!dnp3i_ev_has_slot(e))
        return;
    uint32_t latest = dnp3i_ev_get(b, b->latest, e->ref);
    if (latest == DNP3I_NIL || dnp3i_ev_seq_before(b->pool[latest].seq, e->seq))
        dnp3i_ev_set(b, b->latest, e->ref, r);
}

/* The oldest held event of type t without type lists: the first of that
 * type on each class list, the oldest of those. */
static uint32_t oldest_of_type(const dnp3_event_buffer_t *b, unsigned t)
{
    uint32_t best = DNP3I_NIL;
    for (unsigned c = 0; c < DNP3I_NCLASS; c++) {
        uint32_t r = b->class_list[c].head;
        while (r != DNP3I_NIL && dnp3i_ev_type(&b->pool[r]) != t)
            r = dnp3i_lk(b, r, DNP3I_LK_CLASS + 1);
        if (r != DNP3I_NIL &&
            (best == DNP3I_NIL || dnp3i_ev_seq_before(b->pool[r].seq, b->pool[best].seq)))
            best = r;
    }
    return best;
}

static uint32_t pop_free(dnp3_event_buffer_t *b)
{
    uint32_t r = b->free_head;
    if (r != DNP3I_NIL)
        b->free_head = dnp3i_lk(b, r, DNP3I_LK_CLASS + 1);
    return r;
}

/* The record for an arriving event of class index c and type t, making
 * room by the overflow policy; NIL when the arriving event is the one to
 * discard. With DISCARD_OLDEST and the class full (an overload), the
 * oldest event of the class leaves and its record takes the new one at
 * once: no trip through the free list. */
static uint32_t take_record(dnp3_event_buffer_t *b, unsigned c, unsigned t)
{
    uint32_t tcap = b->cfg.type_capacity[t];
    bool class_full = b->class_held[c] >= b->cfg.class_capacity[c];
    bool type_full = tcap && b->type_held[t] >= tcap;
    if (!class_full && !type_full)
        return pop_free(b);
    b->overflow = true;
    b->counters.overflows++;
    if (b->cfg.overflow_policy == DNP3_OVERFLOW_DISCARD_NEWEST)
        return DNP3I_NIL;
    uint32_t r = DNP3I_NIL;
    if (class_full) {
        r = b->class_list[c].head;
        if (r == DNP3I_NIL)
            return DNP3I_NIL; /* capacity 0: this class is never kept */
        detach(b, r, DNP3I_EXIT_DISCARDED);
    }
    if (tcap && b->type_held[t] >= tcap)
        dnp3i_ev_remove(b, b->typed ? b->type_list[t].head : oldest_of_type(b, t),
                        DNP3I_EXIT_DISCARDED);
    return r != DNP3I_NIL ? r : pop_free(b);
}

/* Held events DNP3I_SEQ_SPAN numbers behind the newest leave as on
 * overflow, so that 32-bit sequence numbers keep ordering the rest. Only
 * an event kept for a billion newer ones (a class never read) gets there. */
static void drop_ancient(dnp3_event_buffer_t *b, uint64_t seq)
{
    b->seq_check_at = seq + DNP3I_SEQ_CHECK;
    for (unsigned c = 0; c < DNP3I_NCLASS; c++) {
        uint32_t r;
        while ((r = b->class_list[c].head) != DNP3I_NIL &&
               (uint32_t)((uint32_t)seq - b->pool[r].seq) >= DNP3I_SEQ_SPAN - DNP3I_SEQ_CHECK) {
            dnp3i_ev_remove(b, r, DNP3I_EXIT_DISCARDED);
            b->overflow = true;
        }
    }
}

static void store(dnp3_event_buffer_t *b, uint32_t r, const dnp3_event_t *ev, uint32_t slot)
{
    dnp3i_ev_t *e = &b->pool[r];
    e->seq = (uint32_t)ev->seq;
    e->time_lo = (uint32_t)ev->time;
    e->time_hi = (uint16_t)(ev->time >> 32);
    e->variation = ev->variation;
    /* Point events have no status, command events no flags: one byte. */
    e->flags = ev->type < DNP3_PT_COUNT_ ? ev->flags : ev->status;
    e->ref = ev->type < DNP3_PT_COUNT_ ? slot : ev->index;
    e->tc = (uint8_t)(((unsigned)ev->type & 15u) | ((ev->event_class - 1u) & 3u) << 4);
    e->state = DNP3I_EV_UNWRITTEN;
    if (ev->type == DNP3_PT_OCTET_STRING) {
        uint32_t o = b->octet_free;
        b->octet_free = b->octet_next[o];
        uint32_t len = ev->value.octets.len;
        memcpy(e->value, &o, sizeof o);
        memcpy(e->value + 4, &len, sizeof len);
        memcpy(b->octets + (size_t)o * b->octet_size, ev->value.octets.data, ev->value.octets.len);
    } else {
        /* Every member but octets lies in the union's first 8 bytes. */
        memcpy(e->value, &ev->value, sizeof e->value);
    }
}

void dnp3i_event_buffer_offer(dnp3_event_buffer_t *b, const dnp3_event_t *ev, uint32_t slot,
                              dnp3_event_mode_t mode)
{
    unsigned c = ev->event_class - 1u, t = ev->type;
    b->counters.added[c][t]++;
    b->resume_ok = false;
    b->last_seq = ev->seq;
    if (ev->seq >= b->seq_check_at)
        drop_ancient(b, ev->seq);
    if (mode == DNP3_EVENT_MODE_MOST_RECENT && !b->cfg.every_change) {
        uint32_t prev = dnp3i_ev_get(b, b->latest, slot);
        if (prev != DNP3I_NIL)
            dnp3i_ev_remove(b, prev, DNP3I_EXIT_SUPERSEDED);
    }
    uint32_t r = take_record(b, c, t);
    /* An octet slot exists whenever a record does (octet_slots is the pool
     * size or the octet type's own capacity); checked all the same. */
    if (r != DNP3I_NIL && t == DNP3_PT_OCTET_STRING && b->octet_free == DNP3I_NIL) {
        free_record(b, r);
        r = DNP3I_NIL;
    }
    if (r == DNP3I_NIL) {
        b->overflow = true;
        b->counters.discarded[c][t]++;
        return;
    }
    store(b, r, ev, slot);
    dnp3i_ev_list_append(b, dnp3i_class_chain(b), &b->class_list[c], r);
    if (b->typed)
        dnp3i_ev_list_append(b, dnp3i_type_chain(b), &b->type_list[t], r);
    b->class_held[c]++;
    b->type_held[t]++;
    b->counters.held[c][t]++;
    dnp3i_ev_set(b, b->latest, slot, r);
}
