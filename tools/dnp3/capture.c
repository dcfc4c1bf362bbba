/* capture: libpcap reading, flow table and the chunk queue. The dissection
 * (netdissect.c) and TCP reassembly (tcp_stream.c) are sans-IO; this file is
 * the only one that touches libpcap. */
#include "capture.h"

#include "dnp3/types.h"
#include "netdissect.h"
#include "tcp_stream.h"

#include <pcap/pcap.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cap_flow {
    uint8_t ip_version;
    uint8_t proto;
    uint16_t sport, dport;
    uint8_t src[16], dst[16];
    unsigned id;
    char name[2 * ND_ENDPOINT_MAX + 2];
    tcp_stream_t tcp;
} cap_flow_t;

/* One queued chunk; its bytes live in the arena at off. */
typedef struct cap_entry {
    uint64_t packet_no;
    uint64_t ts_us;
    unsigned flow_id;
    bool udp, gap, start;
    size_t off, len;
} cap_entry_t;

typedef enum cap_state { CAP_READING, CAP_DONE, CAP_FAILED } cap_state_t;

struct capture {
    pcap_t *pcap;
    uint8_t *image; /* capture_open_memory: our copy of the file */
    int linktype;   /* ND_LINKTYPE_* */
    uint16_t port;
    cap_state_t state;
    int fail_code;
    char errmsg[PCAP_ERRBUF_SIZE + 64];
    uint64_t packet_no; /* packets read so far */
    uint64_t ts_us;     /* time of the last packet read */

    cap_note_fn note_fn;
    void *note_ctx;

    /* Flows: flows[id]; hash slots hold id + 1 (0 = empty), open addressing. */
    cap_flow_t **flows;
    unsigned nflows, flows_cap;
    uint32_t *slots;
    size_t nslots;

    /* Chunk queue, refilled only when empty, so returned pointers stay valid
     * until the next call. */
    cap_entry_t *queue;
    size_t qhead, qlen, qcap;
    uint8_t *arena;
    size_t arena_used, arena_cap;
    bool oom;

    size_t held_total;
    cap_counters_t counters;
};

/* ---- notes and errors ------------------------------------------------------ */

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static void
note(capture_t *c, uint64_t packet_no, const char *fmt, ...)
{
    if (!c->note_fn)
        return;
    char msg[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    c->note_fn(c->note_ctx, packet_no, msg);
}

void capture_set_note_fn(capture_t *c, cap_note_fn fn, void *ctx)
{
    c->note_fn = fn;
    c->note_ctx = ctx;
}

/* ---- queue ------------------------------------------------------------------- */

static bool grow(void **p, size_t *cap, size_t need, size_t elem)
{
    if (need <= *cap)
        return true;
    size_t n = *cap ? *cap : 16;
    while (n < need)
        n *= 2;
    void *q = realloc(*p, n * elem);
    if (!q)
        return false;
    *p = q;
    *cap = n;
    return true;
}

static void push(capture_t *c, const cap_flow_t *f, const uint8_t *data, size_t len, bool udp,
                 bool gap, bool start, uint64_t packet_no, uint64_t ts_us)
{
    if (len == 0)
        return;
    if (!grow((void **)&c->arena, &c->arena_cap, c->arena_used + len, 1) ||
        !grow((void **)&c->queue, &c->qcap, c->qlen + 1, sizeof *c->queue)) {
        c->oom = true;
        return;
    }
    memcpy(c->arena + c->arena_used, data, len);
    c->queue[c->qlen++] =
        (cap_entry_t){packet_no, ts_us, f->id, udp, gap, start, c->arena_used, len};
    c->arena_used += len;
}

typedef struct emit_ctx {
    capture_t *c;
    cap_flow_t *f;
} emit_ctx_t;

static void on_tcp_chunk(void *ctx, const uint8_t *data, size_t len, unsigned flags,
                         tcp_stream_tag_t tag)
{
    emit_ctx_t *e = ctx;
    push(e->c, e->f, data, len, false, (flags & TCP_STREAM_GAP) != 0,
         (flags & TCP_STREAM_START) != 0, tag.packet_no, tag.ts_us);
}

/* ---- flows --------------------------------------------------------------------- */

static uint32_t flow_hash(const nd_packet_t *p)
{
    /* FNV-1a over the 5-tuple. */
    uint32_t h = 2166136261u;
    size_t alen = p->ip_version == 6 ? 16 : 4;
    uint8_t head[6] = {p->ip_version,
                       p->proto,
                       (uint8_t)(p->sport >> 8),
                       (uint8_t)p->sport,
                       (uint8_t)(p->dport >> 8),
                       (uint8_t)p->dport};
    for (size_t i = 0; i < sizeof head; i++)
        h = (h ^ head[i]) * 16777619u;
    for (size_t i = 0; i < alen; i++)
        h = (h ^ p->src[i]) * 16777619u;
    for (size_t i = 0; i < alen; i++)
        h = (h ^ p->dst[i]) * 16777619u;
    return h;
}

static bool flow_matches(const cap_flow_t *f, const nd_packet_t *p)
{
    size_t alen = p->ip_version == 6 ? 16 : 4;
    return f->ip_version == p->ip_version && f->proto == p->proto && f->sport == p->sport &&
           f->dport == p->dport && memcmp(f->src, p->src, alen) == 0 &&
           memcmp(f->dst, p->dst, alen) == 0;
}

static bool rehash(capture_t *c, size_t nslots)
{
    uint32_t *s = calloc(nslots, sizeof *s);
    if (!s)
        return false;
    for (unsigned id = 0; id < c->nflows; id++) {
        nd_packet_t k = {0};
        const cap_flow_t *f = c->flows[id];
        k.ip_version = f->ip_version;
        k.proto = f->proto;
        k.sport = f->sport;
        k.dport = f->dport;
        memcpy(k.src, f->src, 16);
        memcpy(k.dst, f->dst, 16);
        size_t i = flow_hash(&k) & (nslots - 1);
        while (s[i])
            i = (i + 1) & (nslots - 1);
        s[i] = id + 1;
    }
    free(c->slots);
    c->slots = s;
    c->nslots = nslots;
    return true;
}

/* The flow of this packet, created on first sight; NULL when the table is
 * full (counted by the caller) or memory ran out. */
static cap_flow_t *flow_get(capture_t *c, const nd_packet_t *p, bool *full)
{
    *full = false;
    size_t mask = c->nslots - 1;
    size_t i = flow_hash(p) & mask;
    while (c->slots[i]) {
        cap_flow_t *f = c->flows[c->slots[i] - 1];
        if (flow_matches(f, p))
            return f;
        i = (i + 1) & mask;
    }
    if (c->nflows >= CAP_MAX_FLOWS) {
        *full = true;
        return NULL;
    }
    size_t fcap = c->flows_cap;
    if (!grow((void **)&c->flows, &fcap, c->nflows + 1u, sizeof *c->flows)) {
        c->oom = true;
        return NULL;
    }
    c->flows_cap = (unsigned)fcap;
    cap_flow_t *f = calloc(1, sizeof *f);
    if (!f) {
        c->oom = true;
        return NULL;
    }
    f->ip_version = p->ip_version;
    f->proto = p->proto;
    f->sport = p->sport;
    f->dport = p->dport;
    memcpy(f->src, p->src, 16);
    memcpy(f->dst, p->dst, 16);
    f->id = c->nflows;
    char a[ND_ENDPOINT_MAX], b[ND_ENDPOINT_MAX];
    nd_format_endpoint(a, sizeof a, p->ip_version, p->src, p->sport);
    nd_format_endpoint(b, sizeof b, p->ip_version, p->dst, p->dport);
    snprintf(f->name, sizeof f->name, "%s>%s", a, b);
    tcp_stream_init(&f->tcp);
    c->flows[c->nflows] = f;
    c->slots[i] = ++c->nflows;
    /* Keep the load factor at most 1/2. */
    if ((size_t)c->nflows * 2 > c->nslots && !rehash(c, c->nslots * 2))
        c->oom = true;
    return f;
}

/* ---- open / close -------------------------------------------------------------- */

/* Platform DLT_* -> on-file LINKTYPE_* (they differ for RAW and LOOP on some
 * systems); -1 when we do not dissect it. */
static int linktype_of(int dlt)
{
    switch (dlt) {
    case DLT_NULL:
        return ND_LINKTYPE_NULL;
    case DLT_EN10MB:
        return ND_LINKTYPE_ETHERNET;
    case DLT_RAW:
        return ND_LINKTYPE_RAW;
    case DLT_LOOP:
        return ND_LINKTYPE_LOOP;
#ifdef DLT_LINUX_SLL
    case DLT_LINUX_SLL:
        return ND_LINKTYPE_LINUX_SLL;
#endif
#ifdef DLT_IPV4
    case DLT_IPV4:
        return ND_LINKTYPE_IPV4;
#endif
#ifdef DLT_IPV6
    case DLT_IPV6:
        return ND_LINKTYPE_IPV6;
#endif
#ifdef DLT_LINUX_SLL2
    case DLT_LINUX_SLL2:
        return ND_LINKTYPE_LINUX_SLL2;
#endif
    default:
        /* OpenBSD's DLT_RAW value, kept as raw IP by libpcap elsewhere. */
        if (dlt == 14)
            return ND_LINKTYPE_RAW;
        return -1;
    }
}

static capture_t *finish_open(pcap_t *p, uint8_t *image, uint16_t port, char *err, size_t errlen)
{
    int dlt = pcap_datalink(p);
    int lt = linktype_of(dlt);
    if (lt < 0 || !nd_linktype_supported(lt)) {
        const char *name = pcap_datalink_val_to_name(dlt);
        const char *desc = pcap_datalink_val_to_description(dlt);
        snprintf(err, errlen,
                 "unsupported link-layer type %d (%s%s%s); supported: Ethernet, NULL/Loopback, "
                 "raw IPv4/IPv6, Linux cooked (SLL, SLL2)",
                 dlt, name ? name : "unknown", desc ? ": " : "", desc ? desc : "");
        pcap_close(p);
        free(image);
        return NULL;
    }
    capture_t *c = calloc(1, sizeof *c);
    if (c)
        c->slots = calloc(1024, sizeof *c->slots);
    if (!c || !c->slots) {
        snprintf(err, errlen, "out of memory");
        free(c);
        pcap_close(p);
        free(image);
        return NULL;
    }
    c->nslots = 1024;
    c->pcap = p;
    c->image = image;
    c->linktype = lt;
    c->port = port;
    return c;
}

capture_t *capture_open(const char *path, uint16_t port, char *err, size_t errlen)
{
    char perr[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_open_offline(path, perr);
    if (!p) {
        snprintf(err, errlen, "%s: %s", path, perr);
        return NULL;
    }
    return finish_open(p, NULL, port, err, errlen);
}

capture_t *capture_open_memory(const uint8_t *data, size_t len, uint16_t port, char *err,
                               size_t errlen)
{
    if (len == 0) {
        snprintf(err, errlen, "empty capture");
        return NULL;
    }
    uint8_t *image = malloc(len);
    if (!image) {
        snprintf(err, errlen, "out of memory");
        return NULL;
    }
    memcpy(image, data, len);
    FILE *f = fmemopen(image, len, "rb");
    if (!f) {
        snprintf(err, errlen, "fmemopen failed");
        free(image);
        return NULL;
    }
    char perr[PCAP_ERRBUF_SIZE] = "";
    pcap_t *p = pcap_fopen_offline(f, perr);
    if (!p) {
        /* On failure libpcap leaves the FILE to us. */
        fclose(f);
        free(image);
        snprintf(err, errlen, "%s", perr);
        return NULL;
    }
    return finish_open(p, image, port, err, errlen);
}

void capture_close(capture_t *c)
{
    if (!c)
        return;
    for (unsigned i = 0; i < c->nflows; i++) {
        tcp_stream_free(&c->flows[i]->tcp);
        free(c->flows[i]);
    }
    free(c->flows);
    free(c->slots);
    free(c->queue);
    free(c->arena);
    pcap_close(c->pcap); /* closes the fmemopen FILE too */
    free(c->image);
    free(c);
}

/* ---- reading ---------------------------------------------------------------------- */

static void tcp_feed(capture_t *c, cap_flow_t *f, const nd_packet_t *pk, size_t wire_len)
{
    emit_ctx_t e = {c, f};
    tcp_stream_tag_t tag = {c->packet_no, c->ts_us};
    size_t before = f->tcp.held_bytes;
    tcp_stream_segment(&f->tcp, pk->seq, pk->tcp_flags, pk->payload, pk->payload_len, wire_len, tag,
                       on_tcp_chunk, &e);
    c->held_total = c->held_total - before + f->tcp.held_bytes;
    if (c->held_total > CAP_MAX_HELD_TOTAL) {
        /* Over the global bound: this flow gives up its holes now. */
        c->counters.held_overflow++;
        note(c, c->packet_no, "%s: too much out-of-order data held; giving up on a hole", f->name);
        before = f->tcp.held_bytes;
        tcp_stream_flush(&f->tcp, on_tcp_chunk, &e);
        c->held_total = c->held_total - before + f->tcp.held_bytes;
    }
}

static void on_packet(capture_t *c, const struct pcap_pkthdr *h, const uint8_t *data)
{
    c->packet_no++;
    c->counters.packets++;
    c->ts_us = h->ts.tv_sec < 0 ? 0 : (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    nd_packet_t pk;
    nd_result_t r = nd_dissect(c->linktype, data, h->caplen, &pk);
    switch (r) {
    case ND_OK:
        break;
    case ND_NOT_IP:
    case ND_NOT_TCPUDP:
        c->counters.non_matching++;
        return;
    case ND_FRAGMENT:
        c->counters.fragments++;
        note(c, c->packet_no, "%s", pk.reason);
        return;
    case ND_MALFORMED:
    case ND_BAD_LINKTYPE:
    default:
        c->counters.malformed++;
        note(c, c->packet_no, "%s", pk.reason);
        return;
    }
    if (c->port != 0 && pk.sport != c->port && pk.dport != c->port) {
        c->counters.non_matching++;
        return;
    }
    c->counters.matched++;
    size_t wire_len = pk.payload_wire_len;
    if (pk.first_fragment) {
        c->counters.fragments++;
        note(c, c->packet_no, "first IP fragment: only %zu payload bytes of the %s are here",
             pk.payload_len, pk.proto == ND_PROTO_TCP ? "segment" : "datagram");
        if (pk.proto == ND_PROTO_TCP)
            wire_len = pk.payload_len; /* the segment's real length is unknown */
    } else if (pk.payload_len < pk.payload_wire_len) {
        if (h->caplen < h->len) {
            c->counters.truncated++;
            note(c, c->packet_no, "snap length kept %zu of %zu payload bytes", pk.payload_len,
                 pk.payload_wire_len);
        } else {
            /* The frame was captured whole: the IP length lies. Trust the frame. */
            c->counters.malformed++;
            note(c, c->packet_no, "IP length claims %zu payload bytes, the frame has %zu",
                 pk.payload_wire_len, pk.payload_len);
            wire_len = pk.payload_len;
        }
    }
    bool full;
    cap_flow_t *f = flow_get(c, &pk, &full);
    if (!f) {
        if (full) {
            if (c->counters.flow_overflow == 0)
                note(c, c->packet_no, "more than %u flows: packets of new flows are dropped",
                     CAP_MAX_FLOWS);
            c->counters.flow_overflow++;
        }
        return;
    }
    if (pk.proto == ND_PROTO_UDP) {
        if (pk.payload_len > 0) {
            c->counters.udp_datagrams++;
            push(c, f, pk.payload, pk.payload_len, true, false, false, c->packet_no, c->ts_us);
        }
        return;
    }
    tcp_feed(c, f, &pk, wire_len);
}

static void flush_all(capture_t *c)
{
    for (unsigned i = 0; i < c->nflows; i++) {
        emit_ctx_t e = {c, c->flows[i]};
        tcp_stream_flush(&c->flows[i]->tcp, on_tcp_chunk, &e);
    }
    c->held_total = 0;
}

int capture_next(capture_t *c, cap_chunk_t *out)
{
    if (c->qhead == c->qlen) {
        c->qhead = c->qlen = 0;
        c->arena_used = 0;
        while (c->qlen == 0 && c->state == CAP_READING && !c->oom) {
            struct pcap_pkthdr *h;
            const u_char *data;
            int rc = pcap_next_ex(c->pcap, &h, &data);
            if (rc == 1) {
                on_packet(c, h, data);
            } else if (rc == PCAP_ERROR_BREAK) {
                flush_all(c);
                c->state = CAP_DONE;
            } else {
                snprintf(c->errmsg, sizeof c->errmsg, "after packet %llu: %s",
                         (unsigned long long)c->packet_no, pcap_geterr(c->pcap));
                c->fail_code = CAPTURE_E_READ;
                flush_all(c);
                c->state = CAP_FAILED;
            }
        }
        if (c->oom) {
            snprintf(c->errmsg, sizeof c->errmsg, "out of memory");
            c->state = CAP_FAILED;
            c->fail_code = DNP3_E_NOMEM;
            c->qhead = c->qlen = 0;
            return c->fail_code;
        }
        if (c->qlen == 0)
            return c->state == CAP_FAILED ? c->fail_code : 0;
    }
    const cap_entry_t *e = &c->queue[c->qhead++];
    const cap_flow_t *f = c->flows[e->flow_id];
    out->packet_no = e->packet_no;
    out->ts_us = e->ts_us;
    out->flow_id = e->flow_id;
    out->flow_name = f->name;
    out->udp = e->udp;
    out->gap_before = e->gap;
    out->stream_start = e->start;
    out->data = c->arena + e->off;
    out->len = e->len;
    c->counters.chunks++;
    c->counters.bytes_delivered += e->len;
    return 1;
}

/* ---- queries ------------------------------------------------------------------------- */

void capture_get_counters(const capture_t *c, cap_counters_t *out)
{
    *out = c->counters;
    for (unsigned i = 0; i < c->nflows; i++) {
        const tcp_stream_counters_t *s = &c->flows[i]->tcp.counters;
        out->tcp_streams += s->streams;
        out->retrans_bytes += s->retrans_bytes;
        out->retrans_segments += s->retrans_segments;
        out->gaps += s->gaps;
    }
}

unsigned capture_flow_count(const capture_t *c)
{
    return c->nflows;
}

const char *capture_flow_name(const capture_t *c, unsigned flow_id)
{
    return flow_id < c->nflows ? c->flows[flow_id]->name : NULL;
}

int capture_linktype(const capture_t *c)
{
    return c->linktype;
}

const char *capture_error(const capture_t *c)
{
    return c->errmsg;
}
