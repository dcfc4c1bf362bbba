/* decode_session: link parser per flow -> transport reassembler per
 * (flow, link source, link destination) -> completed fragments. Flows live in
 * a hash table and an LRU list; memory is counted against a limit. See the
 * header for the model. */
#include "decode_session.h"

#include <stdlib.h>
#include <string.h>

#include "dnp3/types.h"

/* What the allocator takes beyond the bytes asked for (glibc: a size word,
 * rounded to 16), counted with every allocation. */
#define ALLOC_OVERHEAD 16u
#define TP_MIN_ALLOC   256u

typedef struct ds_tp {
    struct ds_tp *next;
    uint16_t src, dst;
    dnp3_tp_reassembler_t r;
    uint8_t *buf;
    size_t alloc; /* bytes of buf; the reassembler's cap stays fragment_cap */
} ds_tp_t;

typedef struct ds_flow {
    struct ds_flow *hnext;         /* hash chain */
    struct ds_flow *prev, *next;   /* LRU list, most recent first */
    struct ds_flow *older, *newer; /* creation order (the end of input drains in it) */
    uint32_t hash;
    uint64_t last_frame; /* last packet that fed this flow */
    ds_tp_t *tps;
    dnp3_link_parser_t parser;
    char label[]; /* NUL-terminated */
} ds_flow_t;

struct decode_session {
    ds_emit_fn emit;
    void *ctx;
    ds_evict_fn evict;
    void *evict_ctx;
    size_t fragment_cap;
    uint64_t limit;
    uint64_t mem;
    ds_flow_t **buckets;
    size_t nbuckets; /* power of two */
    size_t nflows;
    ds_flow_t *lru_head, *lru_tail;
    ds_flow_t *oldest, *newest;
    bool finishing;     /* no eviction while every flow is drained */
    uint64_t now_frame; /* packet being fed (for eviction reports) */
    decode_session_counters_t counters;
};

decode_session_t *decode_session_new(size_t fragment_cap, ds_emit_fn emit, void *ctx)
{
    if (fragment_cap == 0 || fragment_cap > DNP3_FRAGMENT_SIZE_MAX)
        fragment_cap = DNP3_FRAGMENT_SIZE_MAX;
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
    s->fragment_cap = fragment_cap;
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

static uint32_t label_hash(const char *label)
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (const unsigned char *p = (const unsigned char *)label; *p; p++)
        h = (h ^ *p) * 16777619u;
    return h;
}

static size_t flow_size(const ds_flow_t *f)
{
    return sizeof *f + strlen(f->label) + 1 + ALLOC_OVERHEAD;
}

static size_t tp_size(const ds_tp_t *t)
{
    return sizeof *t + ALLOC_OVERHEAD + (t->buf ? t->alloc + ALLOC_OVERHEAD : 0);
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

static void tps_free(decode_session_t *s, ds_flow_t *f)
{
    while (f->tps) {
        ds_tp_t *t = f->tps;
        f->tps = t->next;
        s->mem -= tp_size(t);
        free(t->buf);
        free(t);
    }
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
    tps_free(s, f);
    s->mem -= flow_size(f);
    s->nflows--;
    free(f);
}

/* Drops the least recently used flow, reporting what it held. */
static void evict_one(decode_session_t *s)
{
    ds_flow_t *f = s->lru_tail;
    ds_eviction_t ev = {f->label, s->now_frame, f->parser.have, 0, 0};
    for (const ds_tp_t *t = f->tps; t; t = t->next) {
        if (t->r.in_progress) {
            ev.fragments++;
            ev.fragment_bytes += t->r.len;
        }
    }
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
 * fragment. */
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
    reserve(s, NULL, sizeof *f + n + 1 + ALLOC_OVERHEAD);
    f = calloc(1, sizeof *f + n + 1);
    if (!f)
        return NULL;
    memcpy(f->label, label, n + 1);
    f->hash = h;
    /* Discard-and-resynchronise: a decoder shows what it can of a damaged
     * stream rather than giving up on the connection. */
    dnp3_link_parser_init(&f->parser, DNP3_LINK_POLICY_DISCARD);
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
    s->mem += flow_size(f);
    if (s->nflows > s->nbuckets)
        rehash(s);
    return f;
}

/* ---- reassemblers ------------------------------------------------------------- */

static ds_tp_t *tp_get(decode_session_t *s, ds_flow_t *f, uint16_t src, uint16_t dst)
{
    for (ds_tp_t **pp = &f->tps; *pp; pp = &(*pp)->next) {
        ds_tp_t *t = *pp;
        if (t->src == src && t->dst == dst) {
            *pp = t->next; /* to the front: the next frame is likely the same pair */
            t->next = f->tps;
            f->tps = t;
            return t;
        }
    }
    reserve(s, f, sizeof(ds_tp_t) + ALLOC_OVERHEAD);
    ds_tp_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->src = src;
    t->dst = dst;
    t->next = f->tps;
    f->tps = t;
    s->mem += tp_size(t);
    return t;
}

/* The fragment buffer grows with the fragment: a segment of len bytes may
 * add len - 1 to what the reassembler holds, never past fragment_cap. */
static bool tp_room(decode_session_t *s, ds_flow_t *f, ds_tp_t *t, size_t len)
{
    size_t need = (t->r.in_progress ? t->r.len : 0) + len;
    if (need > s->fragment_cap)
        need = s->fragment_cap;
    if (t->buf && t->alloc >= need)
        return true;
    size_t n = t->alloc ? t->alloc * 2 : TP_MIN_ALLOC;
    while (n < need)
        n *= 2;
    if (n > s->fragment_cap)
        n = s->fragment_cap;
    reserve(s, f, n - t->alloc + (t->buf ? 0 : ALLOC_OVERHEAD));
    uint8_t *b = realloc(t->buf, n);
    if (!b)
        return false;
    s->mem -= tp_size(t);
    if (!t->buf)
        dnp3_tp_reassembler_init(&t->r, b, s->fragment_cap);
    t->buf = b;
    t->alloc = n;
    /* The reassembler writes into r.buf; cap stays fragment_cap and the
     * buffer always holds what it may write next (need above). */
    t->r.buf = b;
    s->mem += tp_size(t);
    return true;
}

static void transport_feed(decode_session_t *s, ds_flow_t *f, const dnp3_link_event_t *ev,
                           ds_record_t *rec)
{
    ds_tp_t *t = tp_get(s, f, ev->frame.hdr.src, ev->frame.hdr.dst);
    if (!t || !tp_room(s, f, t, ev->frame.user_len))
        return;
    dnp3_tp_result_t res;
    memset(&res, 0, sizeof(res));
    int rc = dnp3_tp_reassembler_feed(&t->r, ev->frame.hdr.src, ev->frame.hdr.dst, ev->frame.user,
                                      ev->frame.user_len, &res);
    if (res.dropped) {
        rec->tp_error = res.dropped;
        rec->tp_dropped = res.dropped_bytes;
        s->counters.tp_drops++;
    } else if (rc < 0) {
        rec->tp_error = rc;
        s->counters.tp_drops++;
    }
    if (rc == 1) {
        rec->apdu = res.fragment;
        rec->apdu_len = res.len;
        s->counters.fragments++;
    }
}

static void handle_event(decode_session_t *s, ds_flow_t *f, const dnp3_link_event_t *ev)
{
    ds_record_t rec;
    memset(&rec, 0, sizeof(rec));
    rec.frame_no = f->last_frame;
    rec.flow = f->label[0] ? f->label : NULL;
    rec.offset = ev->offset;
    if (ev->kind == DNP3_LINK_EV_DISCARD || ev->kind == DNP3_LINK_EV_CLOSED) {
        rec.kind = DS_REC_DISCARD;
        rec.link_error = ev->reason;
        rec.discarded = ev->discarded;
        rec.block = ev->block;
        s->counters.discards++;
        emit_record(s, &rec);
        return;
    }
    if (ev->kind != DNP3_LINK_EV_FRAME)
        return;
    rec.kind = DS_REC_FRAME;
    rec.link = ev->frame.hdr;
    rec.user = ev->frame.user;
    rec.user_len = ev->frame.user_len;
    s->counters.frames++;
    /* Only user-data frames carry a transport segment (9.2.4.1.3: primary
     * functions 3 and 4); other frames with stray user data show it raw. */
    uint8_t func = dnp3_link_hdr_func(&ev->frame.hdr);
    bool user_data = dnp3_link_hdr_prm(&ev->frame.hdr) && (func == DNP3_LINK_CONFIRMED_USER_DATA ||
                                                           func == DNP3_LINK_UNCONFIRMED_USER_DATA);
    if (user_data && ev->frame.user_len == 0) {
        /* A user-data frame must carry at least the transport header
         * (8.2): LENGTH 5 here means the sender got LENGTH wrong. */
        rec.tp_error = DNP3_E_TP_EMPTY;
        s->counters.tp_drops++;
    } else if (user_data) {
        rec.has_transport = true;
        rec.tp_header = ev->frame.user[0];
        transport_feed(s, f, ev, &rec);
    }
    emit_record(s, &rec);
}

/* Report what a flow's parser still holds, then empty it. */
static void flow_drain(decode_session_t *s, ds_flow_t *f)
{
    dnp3_link_event_t ev;
    while (dnp3_link_parser_finish(&f->parser, &ev) == 1)
        handle_event(s, f, &ev);
    dnp3_link_parser_reset(&f->parser);
}

static void flow_parse(decode_session_t *s, ds_flow_t *f, const uint8_t *data, size_t len)
{
    while (len > 0) {
        dnp3_link_event_t ev;
        size_t n = dnp3_link_parser_feed(&f->parser, data, len, &ev);
        data += n;
        len -= n;
        if (ev.kind != DNP3_LINK_EV_NONE)
            handle_event(s, f, &ev);
        else if (n == 0)
            break; /* defensive: no progress and nothing to report */
    }
    /* Garbage is shown with the packet that carried it, as Wireshark shows
     * it, not when the flow next resynchronises (maybe only at the end). */
    dnp3_link_event_t run;
    if (dnp3_link_parser_flush_run(&f->parser, &run) == 1)
        handle_event(s, f, &run);
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
            tps_free(s, f);
    }
    f->last_frame = frame_no;
    if (flags & DS_CHUNK_DATAGRAM)
        flow_drain(s, f);
    flow_parse(s, f, data, len);
    if (flags & (DS_CHUNK_DATAGRAM | DS_CHUNK_END))
        flow_drain(s, f);
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
    for (ds_flow_t *f = s->oldest; f; f = f->newer)
        flow_drain(s, f);
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
