/* decode_session: link parser per flow -> transport reassembler per
 * (flow, link source, link destination) -> completed fragments. See the
 * header for the model and the bounds. */
#include "decode_session.h"

#include <stdlib.h>
#include <string.h>

#include "dnp3/types.h"

typedef struct ds_flow {
    bool used;
    char label[DS_FLOW_LABEL_MAX];
    dnp3_link_parser_t parser;
    uint64_t last_frame; /* last packet that fed this flow */
    uint64_t last_use;
} ds_flow_t;

typedef struct ds_tp {
    bool used;
    char label[DS_FLOW_LABEL_MAX];
    uint16_t src, dst;
    dnp3_tp_reassembler_t r;
    uint8_t *buf;
    uint64_t last_use;
} ds_tp_t;

struct decode_session {
    ds_emit_fn emit;
    void *ctx;
    size_t fragment_cap;
    uint64_t clock; /* use counter for LRU eviction */
    ds_flow_t *flows;
    size_t nflows; /* slots in use or used before (high-water mark) */
    ds_tp_t tps[DS_MAX_REASSEMBLERS];
    decode_session_counters_t counters;
};

decode_session_t *decode_session_new(size_t fragment_cap, ds_emit_fn emit, void *ctx)
{
    if (fragment_cap == 0 || fragment_cap > DNP3_FRAGMENT_SIZE_MAX)
        fragment_cap = DNP3_FRAGMENT_SIZE_MAX;
    decode_session_t *s = calloc(1, sizeof(*s));
    if (!s)
        return NULL;
    s->emit = emit;
    s->ctx = ctx;
    s->fragment_cap = fragment_cap;
    return s;
}

void decode_session_free(decode_session_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < DS_MAX_REASSEMBLERS; i++)
        free(s->tps[i].buf);
    free(s->flows);
    free(s);
}

const decode_session_counters_t *decode_session_counters(const decode_session_t *s)
{
    return &s->counters;
}

static void copy_label(char dst[DS_FLOW_LABEL_MAX], const char *label)
{
    size_t n = strlen(label);
    if (n >= DS_FLOW_LABEL_MAX)
        n = DS_FLOW_LABEL_MAX - 1;
    memcpy(dst, label, n);
    dst[n] = '\0';
}

static bool label_eq(const char *a, const char *b)
{
    return strncmp(a, b, DS_FLOW_LABEL_MAX - 1) == 0;
}

static void emit_record(decode_session_t *s, const ds_record_t *rec)
{
    if (s->emit)
        s->emit(s->ctx, rec);
}

static ds_flow_t *flow_get(decode_session_t *s, const char *label)
{
    for (size_t i = 0; i < s->nflows; i++) {
        if (s->flows[i].used && label_eq(s->flows[i].label, label))
            return &s->flows[i];
    }
    if (!s->flows) {
        /* Zeroed pages cost nothing until touched. */
        s->flows = calloc(DS_MAX_FLOWS, sizeof(*s->flows));
        if (!s->flows)
            return NULL;
    }
    ds_flow_t *f;
    if (s->nflows < DS_MAX_FLOWS) {
        f = &s->flows[s->nflows++];
    } else {
        f = &s->flows[0];
        for (size_t i = 1; i < s->nflows; i++) {
            if (s->flows[i].last_use < f->last_use)
                f = &s->flows[i];
        }
        s->counters.evictions++;
    }
    memset(f, 0, sizeof(*f));
    f->used = true;
    copy_label(f->label, label);
    /* Discard-and-resynchronise: a decoder shows what it can of a damaged
     * stream rather than giving up on the connection. */
    dnp3_link_parser_init(&f->parser, DNP3_LINK_POLICY_DISCARD);
    return f;
}

static ds_tp_t *tp_get(decode_session_t *s, const char *label, uint16_t src, uint16_t dst)
{
    ds_tp_t *free_slot = NULL, *lru = NULL;
    for (size_t i = 0; i < DS_MAX_REASSEMBLERS; i++) {
        ds_tp_t *t = &s->tps[i];
        if (!t->used) {
            if (!free_slot)
                free_slot = t;
            continue;
        }
        if (t->src == src && t->dst == dst && label_eq(t->label, label))
            return t;
        if (!lru || t->last_use < lru->last_use)
            lru = t;
    }
    ds_tp_t *t = free_slot;
    if (!t) {
        t = lru;
        s->counters.evictions++;
    }
    if (!t->buf) {
        t->buf = malloc(s->fragment_cap);
        if (!t->buf)
            return NULL;
    }
    t->used = true;
    copy_label(t->label, label);
    t->src = src;
    t->dst = dst;
    dnp3_tp_reassembler_init(&t->r, t->buf, s->fragment_cap);
    return t;
}

/* Forget every partial fragment of a flow (a new connection). */
static void tp_forget_flow(decode_session_t *s, const char *label)
{
    for (size_t i = 0; i < DS_MAX_REASSEMBLERS; i++) {
        ds_tp_t *t = &s->tps[i];
        if (t->used && label_eq(t->label, label))
            t->used = false;
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
        ds_tp_t *t = tp_get(s, f->label, ev->frame.hdr.src, ev->frame.hdr.dst);
        if (t) {
            t->last_use = ++s->clock;
            dnp3_tp_result_t res;
            memset(&res, 0, sizeof(res));
            int rc = dnp3_tp_reassembler_feed(&t->r, ev->frame.hdr.src, ev->frame.hdr.dst,
                                              ev->frame.user, ev->frame.user_len, &res);
            if (res.dropped) {
                rec.tp_error = res.dropped;
                rec.tp_dropped = res.dropped_bytes;
                s->counters.tp_drops++;
            } else if (rc < 0) {
                rec.tp_error = rc;
                s->counters.tp_drops++;
            }
            if (rc == 1) {
                rec.apdu = res.fragment;
                rec.apdu_len = res.len;
                s->counters.fragments++;
            }
        }
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

int decode_session_feed(decode_session_t *s, const char *flow, uint64_t frame_no,
                        const uint8_t *data, size_t len, unsigned flags)
{
    if (!s || (!data && len > 0))
        return DNP3_E_INVALID_ARG;
    if (!flow)
        flow = "";
    ds_flow_t *f = flow_get(s, flow);
    if (!f)
        return DNP3_E_NOSPACE;
    f->last_use = ++s->clock;
    if (flags & (DS_CHUNK_GAP | DS_CHUNK_START)) {
        /* A hole or a new connection: what the parser holds can never be
         * completed; report it against the packet that brought it. */
        flow_drain(s, f);
        if (flags & DS_CHUNK_START)
            tp_forget_flow(s, f->label);
    }
    f->last_frame = frame_no;
    if (flags & DS_CHUNK_DATAGRAM)
        flow_drain(s, f);
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
    if (flags & DS_CHUNK_DATAGRAM)
        flow_drain(s, f);
    return 0;
}

void decode_session_finish(decode_session_t *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->nflows; i++) {
        if (s->flows[i].used)
            flow_drain(s, &s->flows[i]);
    }
}
