/* The peer slot table: one (local, remote) address pair per slot, each with
 * its transport reassembler and link station state. SESSION channels size
 * the table and every buffer at _new and refuse new peers when full;
 * MONITOR channels grow the table (doubling up to max_peers) and the
 * buffers on demand, and evict the least recently used slot when the table
 * cannot grow. */
#include <stdlib.h>
#include <string.h>

#include "channel/channel_internal.h"

static bool monitor(const dnp3_channel_t *ch)
{
    return ch->monitor;
}

int dnp3i_channel_slots_alloc(dnp3_channel_t *ch)
{
    if (monitor(ch))
        return DNP3_OK; /* the table and buffers come when frames need them */
    size_t n = ch->cfg.max_peers;
    ch->slots = calloc(n, sizeof *ch->slots);
    if (!ch->slots)
        return DNP3_E_NOMEM;
    ch->n_slots = n;
    ch->memory += n * sizeof *ch->slots;
    if (ch->pool)
        return DNP3_OK; /* reassembly buffers come from the pool, per fragment */
    for (size_t i = 0; i < n; i++) {
        uint8_t *buf = malloc(ch->cfg.rx_fragment_max);
        if (!buf)
            return DNP3_E_NOMEM;
        dnp3_tp_reassembler_init(&ch->slots[i].r, buf, ch->cfg.rx_fragment_max);
        ch->memory += ch->cfg.rx_fragment_max;
    }
    return DNP3_OK;
}

void dnp3i_channel_slots_free(dnp3_channel_t *ch)
{
    if (!ch->slots)
        return;
    for (size_t i = 0; i < ch->n_slots; i++) {
        if (ch->pool)
            dnp3i_fragment_pool_give(ch->pool, ch->slots[i].r.buf);
        else
            free(ch->slots[i].r.buf);
    }
    free(ch->slots);
    ch->slots = NULL;
}

static bool slot_is(const ch_slot_t *s, uint16_t local, uint16_t remote)
{
    return s->used && s->local == local && s->remote == remote;
}

ch_slot_t *dnp3i_channel_slot_find(dnp3_channel_t *ch, uint16_t local, uint16_t remote)
{
    /* The next frame is most often of the pair the last one was. */
    if (ch->mru < ch->n_slots && slot_is(&ch->slots[ch->mru], local, remote))
        return &ch->slots[ch->mru];
    for (size_t i = 0; i < ch->n_slots; i++) {
        if (slot_is(&ch->slots[i], local, remote)) {
            ch->mru = i;
            return &ch->slots[i];
        }
    }
    return NULL;
}

/* MONITOR: doubles the table (up to max_peers); returns the first new slot,
 * NULL when the table is at max_peers or memory is short. */
static ch_slot_t *slots_grow(dnp3_channel_t *ch)
{
    size_t old = ch->n_slots;
    if (old >= ch->cfg.max_peers)
        return NULL;
    size_t n = old ? old * 2 : CH_MONITOR_FIRST_SLOTS;
    if (n > ch->cfg.max_peers)
        n = ch->cfg.max_peers;
    ch_slot_t *t = realloc(ch->slots, n * sizeof *t);
    if (!t)
        return NULL;
    /* Slots are referred to by index only (primary.c), so moving is safe. */
    memset(t + old, 0, (n - old) * sizeof *t);
    ch->slots = t;
    ch->n_slots = n;
    ch->memory += (n - old) * sizeof *t;
    return &t[old];
}

/* Empties a slot for reuse. Its transport counters move into the channel's
 * so the totals never go back; the buffer stays with the slot (a pool
 * buffer goes back to the pool). */
void dnp3i_channel_slot_release(dnp3_channel_t *ch, ch_slot_t *s)
{
    dnp3i_channel_retire_tp(ch, &s->r.counters);
    memset(&s->r.counters, 0, sizeof s->r.counters);
    dnp3_tp_reassembler_reset(&s->r);
    s->starved = false;
    if (ch->pool && s->r.buf) {
        dnp3i_fragment_pool_give(ch->pool, s->r.buf);
        s->r.buf = NULL;
        s->r.cap = 0;
    }
    dnp3i_channel_primary_slot_gone(ch, (size_t)(s - ch->slots));
    s->used = false;
    while (ch->slot_span > 0 && ch->slot_span != UINT32_MAX && !ch->slots[ch->slot_span - 1].used)
        ch->slot_span--;
}

static ch_slot_t *evict_lru(dnp3_channel_t *ch)
{
    ch_slot_t *lru = &ch->slots[0];
    for (size_t i = 1; i < ch->n_slots; i++) {
        if (ch->slots[i].last_use < lru->last_use)
            lru = &ch->slots[i];
    }
    size_t lost = lru->r.in_progress ? lru->r.len : 0;
    ch_event_t *ev = dnp3i_channel_push(ch, DNP3_CHANNEL_EV_SLOT_EVICTED);
    if (ev) {
        ev->src = lru->remote;
        ev->dst = lru->local;
        ev->bytes = lost;
    }
    ch->counters.evictions++;
    ch->counters.evicted_bytes += lost;
    dnp3i_channel_slot_release(ch, lru);
    return lru;
}

ch_slot_t *dnp3i_channel_slot_get(dnp3_channel_t *ch, uint16_t local, uint16_t remote,
                                  const dnp3_link_frame_t *frame)
{
    ch_slot_t *s = dnp3i_channel_slot_find(ch, local, remote);
    if (s) {
        s->last_use = ++ch->tick;
        return s;
    }
    for (size_t i = 0; i < ch->n_slots && !s; i++) {
        if (!ch->slots[i].used)
            s = &ch->slots[i];
    }
    if (!s && monitor(ch))
        s = slots_grow(ch);
    if (!s && monitor(ch) && ch->n_slots > 0) {
        s = evict_lru(ch);
    } else if (!s) {
        if (frame) {
            ch->counters.no_slot++;
            dnp3i_channel_push_frame(ch, DNP3_CHANNEL_EV_SLOT_FULL, frame, 0);
        }
        return NULL;
    }
    ch->mru = (size_t)(s - ch->slots);
    if (ch->slot_span != UINT32_MAX && ch->mru >= ch->slot_span)
        ch->slot_span = ch->mru < UINT32_MAX - 1 ? (uint32_t)ch->mru + 1 : UINT32_MAX;
    s->used = true;
    s->local = local;
    s->remote = remote;
    s->last_use = ++ch->tick;
    s->sec_reset = s->sec_fcb = false;
    s->pri_reset = s->pri_fcb = false;
    s->last_rx = 0;
    return s;
}

/* MONITOR: makes the slot's buffer big enough for the segment tpdu[0..len)
 * about to be fed, doubling up to rx_fragment_max. Without memory (or past
 * the maximum) the reassembler reports the overflow itself. */
bool dnp3i_channel_slot_room(dnp3_channel_t *ch, ch_slot_t *s, const uint8_t *tpdu, size_t len)
{
    dnp3_tp_reassembler_t *r = &s->r;
    if (len < 2)
        return true;
    size_t need;
    if (tpdu[0] & DNP3_TP_FIR)
        need = len - 1;
    else if (r->in_progress)
        need = r->len + len - 1;
    else
        return true;
    if (need <= r->cap || need > ch->rx_max)
        return need <= r->cap;
    size_t cap = r->cap ? r->cap : CH_MONITOR_FIRST_BUFFER;
    while (cap < need)
        cap *= 2;
    if (cap > ch->rx_max)
        cap = ch->rx_max;
    uint8_t *buf = realloc(r->buf, cap);
    if (!buf)
        return false;
    ch->memory += cap - r->cap;
    /* The reassembler's buffer is the caller's (transport.h): swapping it
     * for a larger copy of itself keeps the fragment in progress. */
    r->buf = buf;
    r->cap = cap;
    return true;
}
