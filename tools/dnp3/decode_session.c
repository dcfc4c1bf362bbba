/* decode_session: a flow table over MONITOR channels (dnp3/channel.h): one
 * channel per flow does the link parsing and the reassembly per (link
 * source, link destination); this file finds flows (hash), orders them
 * (LRU), counts their memory against the limit and turns channel events into
 * records. See the header for the model. */
#include "decode_session.h"

#include <stdlib.h>
#include <string.h>

#include "dnp3/channel.h"
#include "dnp3/types.h"

/* What the allocator takes beyond the bytes asked for (glibc: a size word,
 * rounded to 16), counted with every allocation. A channel makes at most
 * a few (struct, slot table, one buffer per partial fragment): CH_ALLOCS
 * is the allowance for them. */
#define ALLOC_OVERHEAD 16u
#define CH_ALLOCS      3u
/* Address pairs one flow may carry: bounded by the memory limit first. */
#define DS_MAX_PAIRS ((size_t)1 << 20)

typedef struct ds_flow {
    struct ds_flow *hnext;         /* hash chain */
    struct ds_flow *prev, *next;   /* LRU list, most recent first */
    struct ds_flow *older, *newer; /* creation order (the end of input drains in it) */
    uint32_t hash;
    uint64_t last_frame; /* last packet that fed this flow */
    size_t counted;      /* bytes counted for this flow in the session's mem */
    size_t own;          /* bytes of the flow itself and its label */
    dnp3_channel_t *ch;  /* link parser and reassemblers (MONITOR mode) */
    char label[];        /* NUL-terminated */
} ds_flow_t;

struct decode_session {
    ds_emit_fn emit;
    void *ctx;
    ds_evict_fn evict;
    void *evict_ctx;
    dnp3_channel_config_t chcfg;
    uint64_t limit;
    uint64_t mem;
    ds_flow_t **buckets;
    size_t nbuckets; /* power of two */
    size_t nflows;
    ds_flow_t *lru_head, *lru_tail;
    ds_flow_t *oldest, *newest;
    bool finishing;     /* no eviction while every flow is drained */
    uint64_t now_frame; /* packet being fed (for eviction reports) */
    ds_record_t rec;    /* the frame record being put together from its events */
    decode_session_counters_t counters;
};

decode_session_t *decode_session_new(size_t fragment_cap, ds_emit_fn emit, void *ctx)
{
    if (fragment_cap == 0 || fragment_cap > DNP3_FRAGMENT_SIZE_MAX)
        fragment_cap = DNP3_FRAGMENT_SIZE_MAX;
    if (fragment_cap < DNP3_CHANNEL_FRAGMENT_MIN)
        fragment_cap = DNP3_CHANNEL_FRAGMENT_MIN; /* one full segment always fits */
    decode_session_t *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->nbuckets = 64;
    s->buckets = calloc(s->nbuckets, sizeof *s->buckets);
    if (!s->buckets) {
        free(s);
        return NULL;
    }
    s->emit = emit;
    s->ctx = ctx;
    /* A bystander's channel: every frame reported, both directions and
     * any destination accepted, nothing answered. Discard-and-resynchronise:
     * a decoder shows what it can of a damaged stream rather than giving up
     * on the connection. */
    dnp3_channel_config_default(&s->chcfg);
    s->chcfg.mode = DNP3_CHANNEL_MODE_MONITOR;
    s->chcfg.policy = DNP3_LINK_POLICY_DISCARD;
    s->chcfg.rx_fragment_max = fragment_cap;
    s->chcfg.max_peers = DS_MAX_PAIRS;
    s->chcfg.report_frames = true;
    s->limit = DS_MEMORY_DEFAULT;
    s->mem = sizeof *s + s->nbuckets * sizeof *s->buckets + 2 * ALLOC_OVERHEAD;
    return s;
}

void decode_session_set_memory_limit(decode_session_t *s, uint64_t bytes)
{
    s->limit = bytes < DS_MEMORY_MIN ? DS_MEMORY_MIN : bytes;
}

void decode_session_set_evict_fn(decode_session_t *s, ds_evict_fn fn, void *ctx)
{
    s->evict = fn;
    s->evict_ctx = ctx;
}

uint64_t decode_session_memory(const decode_session_t *s)
{
    return s->mem;
}

const decode_session_counters_t *decode_session_counters(const decode_session_t *s)
{
    return &s->counters;
}

static void emit_record(decode_session_t *s, const ds_record_t *rec)
{
    if (s->emit)
        s->emit(s->ctx, rec);
}

/* ---- flows: hash, LRU, memory ---------------------------------------------- */

/* Hashes a label eight bytes at a time (multiply and fold): a byte-wise
 * hash of a 30-byte label was a quarter of the time spent per packet. */
static uint32_t label_hash(const char *label)
{
    size_t n = strlen(label);
    uint64_t h = 0x243F6A8885A308D3u ^ n;
    for (; n >= 8; n -= 8, label += 8) {
        uint64_t w;
        memcpy(&w, label, 8);
        h = (h ^ w) * 0x9E3779B97F4A7C15u;
        h ^= h >> 29;
    }
    uint64_t w = 0;
    for (size_t i = 0; i < n; i++)
        w |= (uint64_t)(unsigned char)label[i] << (8 * i);
    h = (h ^ w) * 0x9E3779B97F4A7C15u;
    h ^= h >> 32;
    return (uint32_t)h;
}

/* What a flow takes now: itself, its label, its channel. */
static size_t flow_size(const ds_flow_t *f)
{
    return f->own + dnp3_channel_memory(f->ch) + CH_ALLOCS * ALLOC_OVERHEAD;
}

/* Brings the session's count up to date with what the flow's channel grew
 * to. */
static void flow_recount(decode_session_t *s, ds_flow_t *f)
{
    size_t now = flow_size(f);
    s->mem = s->mem - f->counted + now;
    f->counted = now;
}

static void lru_unlink(decode_session_t *s, ds_flow_t *f)
{
    if (f->prev)
        f->prev->next = f->next;
    else
        s->lru_head = f->next;
    if (f->next)
        f->next->prev = f->prev;
    else
        s->lru_tail = f->prev;
    f->prev = f->next = NULL;
}

static void lru_push_front(decode_session_t *s, ds_flow_t *f)
{
    f->next = s->lru_head;
    f->prev = NULL;
    if (s->lru_head)
        s->lru_head->prev = f;
    s->lru_head = f;
    if (!s->lru_tail)
        s->lru_tail = f;
}

static void flow_remove(decode_session_t *s, ds_flow_t *f)
{
    ds_flow_t **pp = &s->buckets[f->hash & (s->nbuckets - 1)];
    while (*pp != f)
        pp = &(*pp)->hnext;
    *pp = f->hnext;
    lru_unlink(s, f);
    if (f->older)
        f->older->newer = f->newer;
    else
        s->oldest = f->newer;
    if (f->newer)
        f->newer->older = f->older;
    else
        s->newest = f->older;
    s->mem -= f->counted;
    s->nflows--;
    dnp3_channel_free(f->ch);
    free(f);
}

/* Drops the least recently used flow, reporting what it held. */
static void evict_one(decode_session_t *s)
{
    ds_flow_t *f = s->lru_tail;
    dnp3_channel_pending_t held;
    dnp3_channel_pending(f->ch, &held);
    ds_eviction_t ev = {f->label, s->now_frame, held.frame_bytes, (unsigned)held.fragments,
                        held.fragment_bytes};
    s->counters.evictions++;
    if (ev.frame_bytes > 0 || ev.fragments > 0) {
        s->counters.lost++;
        if (s->evict)
            s->evict(s->evict_ctx, &ev);
    }
    flow_remove(s, f);
}

/* Makes room for bytes more, dropping least recently used flows other than
 * keep (the flow being fed, always the most recent). When only keep is left
 * the allocation goes ahead: the limit is at least one flow with a full
 * fragment. A channel grows while it is fed (a slot, a fragment buffer):
 * the flow being fed is recounted afterwards and reserve(s, f, 0) brings the
 * total back under the limit. */
static void reserve(decode_session_t *s, const ds_flow_t *keep, size_t bytes)
{
    while (!s->finishing && s->mem + bytes > s->limit && s->lru_tail && s->lru_tail != keep)
        evict_one(s);
}

static void rehash(decode_session_t *s)
{
    size_t n = s->nbuckets * 2;
    ds_flow_t **b = calloc(n, sizeof *b);
    if (!b)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < s->nbuckets; i++) {
        while (s->buckets[i]) {
            ds_flow_t *f = s->buckets[i];
            s->buckets[i] = f->hnext;
            f->hnext = b[f->hash & (n - 1)];
            b[f->hash & (n - 1)] = f;
        }
    }
    s->mem += (n - s->nbuckets) * sizeof *b;
    free(s->buckets);
    s->buckets = b;
    s->nbuckets = n;
}

static ds_flow_t *flow_find(decode_session_t *s, const char *label, uint32_t h)
{
    for (ds_flow_t *f = s->buckets[h & (s->nbuckets - 1)]; f; f = f->hnext) {
        if (f->hash == h && strcmp(f->label, label) == 0)
            return f;
    }
    return NULL;
}

static ds_flow_t *flow_get(decode_session_t *s, const char *label)
{
    /* Packets of one flow often come in a row: the most recent flow first. */
    if (s->lru_head && strcmp(s->lru_head->label, label) == 0)
        return s->lru_head;
    uint32_t h = label_hash(label);
    ds_flow_t *f = flow_find(s, label, h);
    if (f) {
        if (s->lru_head != f) {
            lru_unlink(s, f);
            lru_push_front(s, f);
        }
        return f;
    }
    size_t n = strlen(label);
    f = calloc(1, sizeof *f + n + 1);
    if (!f)
        return NULL;
    f->ch = dnp3_channel_new(&s->chcfg, NULL);
    if (!f->ch) {
        free(f);
        return NULL;
    }
    memcpy(f->label, label, n + 1);
    f->own = sizeof *f + n + 1 + ALLOC_OVERHEAD;
    f->hash = h;
    reserve(s, NULL, flow_size(f)); /* f is in no list yet: never evicted itself */
    f->hnext = s->buckets[h & (s->nbuckets - 1)];
    s->buckets[h & (s->nbuckets - 1)] = f;
    lru_push_front(s, f);
    f->older = s->newest;
    if (s->newest)
        s->newest->newer = f;
    else
        s->oldest = f;
    s->newest = f;
    s->nflows++;
    flow_recount(s, f);
    if (s->nflows > s->nbuckets)
        rehash(s);
    return f;
}

/* ---- records from channel events ------------------------------------------------ */

/* A frame's events (FRAME, then maybe TP_DROP and FRAGMENT) make one record,
 * emitted with the frame's last event; the channel keeps the frame's
 * pointers valid until then (channel.h). */
static void on_frame(decode_session_t *s, const dnp3_channel_event_t *ev, ds_record_t *rec)
{
    rec->kind = DS_REC_FRAME;
    rec->link = ev->frame.hdr;
    rec->user = ev->frame.user;
    rec->user_len = ev->frame.user_len;
    s->counters.frames++;
    /* Only user-data frames carry a transport segment (9.2.4.1.3: primary
     * functions 3 and 4); other frames with stray user data show it raw.
     * One with LENGTH 5 (no transport header, 8.2) comes back as a
     * TP_DROP (DNP3_E_TP_EMPTY). */
    uint8_t func = dnp3_link_hdr_func(&ev->frame.hdr);
    bool user_data = dnp3_link_hdr_prm(&ev->frame.hdr) && (func == DNP3_LINK_CONFIRMED_USER_DATA ||
                                                           func == DNP3_LINK_UNCONFIRMED_USER_DATA);
    if (user_data && ev->frame.user_len > 0) {
        rec->has_transport = true;
        rec->tp_header = ev->frame.user[0];
    }
}

static void on_event(decode_session_t *s, ds_flow_t *f, const dnp3_channel_event_t *ev)
{
    /* Cleared by copying a constant: a memset of the record (or a compound
     * literal) compiles to a slow `rep stos` here, once per frame. */
    static const ds_record_t zero;
    ds_record_t *rec = &s->rec;
    switch (ev->kind) {
    case DNP3_CHANNEL_EV_LINK_DISCARD:
    case DNP3_CHANNEL_EV_CLOSED:
        *rec = zero;
        rec->kind = DS_REC_DISCARD;
        rec->link_error = ev->reason;
        rec->discarded = ev->bytes;
        rec->block = ev->block;
        rec->offset = ev->offset;
        s->counters.discards++;
        break;
    case DNP3_CHANNEL_EV_FRAME:
        *rec = zero;
        rec->offset = ev->offset;
        on_frame(s, ev, rec);
        break;
    case DNP3_CHANNEL_EV_TP_DROP:
        rec->tp_error = ev->reason;
        rec->tp_dropped = ev->bytes;
        s->counters.tp_drops++;
        break;
    case DNP3_CHANNEL_EV_FRAGMENT:
        rec->apdu = ev->data;
        rec->apdu_len = ev->len;
        s->counters.fragments++;
        break;
    case DNP3_CHANNEL_EV_SLOT_FULL:
        /* Memory short for the first slot: the frame is shown without its
         * transport result, as when the old buffer could not grow. */
        break;
    default:
        return; /* SLOT_EVICTED never ends a frame's events; nothing else comes */
    }
    if (ev->more)
        return;
    rec->frame_no = f->last_frame;
    rec->flow = f->label[0] ? f->label : NULL;
    emit_record(s, rec);
}

/* Report what a flow's parser still holds, then empty it. */
static void flow_drain(decode_session_t *s, ds_flow_t *f)
{
    dnp3_channel_event_t ev;
    while (dnp3_channel_finish(f->ch, &ev) == 1)
        on_event(s, f, &ev);
}

static void flow_parse(decode_session_t *s, ds_flow_t *f, const uint8_t *data, size_t len)
{
    dnp3_channel_event_t ev;
    size_t used = 0;
    for (;;) {
        used += dnp3_channel_on_bytes(f->ch, 0, data ? data + used : NULL, len - used, &ev);
        if (ev.kind == DNP3_CHANNEL_EV_NONE)
            break;
        on_event(s, f, &ev);
    }
    /* Garbage is shown with the packet that carried it, as Wireshark shows
     * it, not when the flow next resynchronises (maybe only at the end). */
    while (dnp3_channel_flush_run(f->ch, &ev) == 1)
        on_event(s, f, &ev);
}

int decode_session_feed(decode_session_t *s, const char *flow, uint64_t frame_no,
                        const uint8_t *data, size_t len, unsigned flags)
{
    if (!s || (!data && len > 0))
        return DNP3_E_INVALID_ARG;
    if (!flow)
        flow = "";
    s->now_frame = frame_no;
    if ((flags & DS_CHUNK_END) && len == 0 && !flow_find(s, flow, label_hash(flow)))
        return 0; /* a connection that ended without data for us */
    ds_flow_t *f = flow_get(s, flow);
    if (!f)
        return DNP3_E_NOMEM;
    if (flags & (DS_CHUNK_GAP | DS_CHUNK_START)) {
        /* A hole or a new connection: what the parser holds can never be
         * completed; report it against the packet that brought it. */
        flow_drain(s, f);
        if (flags & DS_CHUNK_START)
            dnp3_channel_reset(f->ch); /* partial fragments and every pair go */
    }
    f->last_frame = frame_no;
    if (flags & DS_CHUNK_DATAGRAM)
        flow_drain(s, f);
    flow_parse(s, f, data, len);
    if (flags & (DS_CHUNK_DATAGRAM | DS_CHUNK_END))
        flow_drain(s, f);
    flow_recount(s, f);
    if (s->mem > s->limit)
        reserve(s, f, 0);
    if (flags & DS_CHUNK_END) {
        s->counters.ended++;
        flow_remove(s, f);
    }
    return 0;
}

void decode_session_finish(decode_session_t *s)
{
    if (!s)
        return;
    /* In the order the flows appeared. */
    s->finishing = true;
    for (ds_flow_t *f = s->oldest; f; f = f->newer) {
        flow_drain(s, f);
        flow_recount(s, f);
    }
    s->finishing = false;
}

void decode_session_free(decode_session_t *s)
{
    if (!s)
        return;
    while (s->lru_head)
        flow_remove(s, s->lru_head);
    free(s->buckets);
    free(s);
}
