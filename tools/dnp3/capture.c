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
    struct cap_flow *hnext;       /* hash chain */
    struct cap_flow *prev, *next; /* LRU list, most recent first */
    uint32_t hash;
    bool ended; /* end reported: freed once the queue no longer names it */
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
    bool udp, gap, start, end;
    size_t off, len;
} cap_entry_t;

/* READING packets; FLUSHING held data after the last packet (or a read
 * error: fail_code is then set); DONE. */
typedef enum cap_state { CAP_READING, CAP_FLUSHING, CAP_DONE } cap_state_t;

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

    /* Flows: flows[id] (NULL once freed), a chained hash over the live ones
     * and an LRU list of them. */
    cap_flow_t **flows;
    unsigned nflows, flows_cap;
    cap_flow_t **buckets;
    size_t nbuckets, nlive;
    cap_flow_t *lru_head, *lru_tail;
    cap_flow_t *dead;    /* ended flows waiting for the queue to move on (chained by hnext) */
    unsigned flush_next; /* end of capture: next flow whose held data is delivered */

    uint64_t mem_limit;
    uint64_t mem;                  /* flows, ids, buckets and held segments (tcp_stream held_mem) */
    uint8_t ports_seen[65536 / 8]; /* the lower port of each non-matching packet */
    uint8_t syn_ports[65536 / 8];  /* ports non-matching connections were opened to */

    /* Chunk queue, refilled only when empty, so returned pointers stay valid
     * until the next call. */
    cap_entry_t *queue;
    size_t qhead, qlen, qcap;
    uint8_t *arena;
    size_t arena_used, arena_cap;
    bool oom;

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
        (cap_entry_t){packet_no, ts_us, f->id, udp, gap, start, false, c->arena_used, len};
    c->arena_used += len;
}

/* The flow's connection is over: an empty chunk flagged stream_end. */
static void push_end(capture_t *c, const cap_flow_t *f)
{
    if (!grow((void **)&c->queue, &c->qcap, c->qlen + 1, sizeof *c->queue)) {
        c->oom = true;
        return;
    }
    c->queue[c->qlen++] =
        (cap_entry_t){c->packet_no, c->ts_us, f->id, false, false, false, true, 0, 0};
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

/* Delivers what a flow holds beyond its holes, keeping the memory count. */
static void flow_flush(capture_t *c, cap_flow_t *f)
{
    emit_ctx_t e = {c, f};
    size_t before = f->tcp.held_mem;
    tcp_stream_flush(&f->tcp, on_tcp_chunk, &e);
    c->mem = c->mem - before + f->tcp.held_mem;
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

/* Memory a flow takes beyond its held segments (allocator overhead included).
 * Its slot in flows[] (8 bytes per flow ever seen, so ids stay stable) is
 * counted as the array grows. */
#define FLOW_MEM (sizeof(cap_flow_t) + 16u)

static void lru_unlink(capture_t *c, cap_flow_t *f)
{
    if (f->prev)
        f->prev->next = f->next;
    else
        c->lru_head = f->next;
    if (f->next)
        f->next->prev = f->prev;
    else
        c->lru_tail = f->prev;
    f->prev = f->next = NULL;
}

static void lru_front(capture_t *c, cap_flow_t *f)
{
    if (c->lru_head == f)
        return;
    if (f->prev || f->next || c->lru_tail == f)
        lru_unlink(c, f);
    f->next = c->lru_head;
    if (c->lru_head)
        c->lru_head->prev = f;
    c->lru_head = f;
    if (!c->lru_tail)
        c->lru_tail = f;
}

/* Takes a flow out of the table. Its id and name stay valid until the queue
 * has moved on (free_dead). */
static void flow_retire(capture_t *c, cap_flow_t *f)
{
    cap_flow_t **pp = &c->buckets[f->hash & (c->nbuckets - 1)];
    while (*pp != f)
        pp = &(*pp)->hnext;
    *pp = f->hnext;
    lru_unlink(c, f);
    c->nlive--;
    c->mem -= f->tcp.held_mem + FLOW_MEM; /* freed at the next refill */
    f->hnext = c->dead;
    c->dead = f;
}

static void free_dead(capture_t *c)
{
    while (c->dead) {
        cap_flow_t *f = c->dead;
        c->dead = f->hnext;
        /* Its tallies outlive it. */
        c->counters.tcp_streams += f->tcp.counters.streams;
        c->counters.retrans_bytes += f->tcp.counters.retrans_bytes;
        c->counters.retrans_segments += f->tcp.counters.retrans_segments;
        c->counters.gaps += f->tcp.counters.gaps;
        tcp_stream_free(&f->tcp);
        c->flows[f->id] = NULL;
        free(f);
    }
}

/* The connection of this direction is over and nothing is held: report the
 * end and forget the flow. */
static void flow_end(capture_t *c, cap_flow_t *f)
{
    /* Already over: a reset whose two directions are one flow (a packet
     * from an address and port to the same address and port) ends it as
     * the reverse direction first. */
    if (f->ended || f->tcp.nheld > 0)
        return;
    f->ended = true;
    c->counters.flows_ended++;
    push_end(c, f);
    flow_retire(c, f);
}

/* Over the memory limit: the least recently used flow delivers what it holds
 * (past its holes) and is forgotten; a later packet of it starts a new flow
 * that carries on where it stopped. */
static void evict_lru(capture_t *c, const cap_flow_t *keep)
{
    cap_flow_t *f = c->lru_tail;
    if (!f || f == keep)
        return;
    if (f->tcp.nheld > 0)
        note(c, c->packet_no, "%s: memory limit reached: flow dropped, giving up on a hole",
             f->name);
    flow_flush(c, f);
    c->counters.flows_evicted++;
    flow_retire(c, f);
}

static void rehash(capture_t *c)
{
    size_t n = c->nbuckets * 2;
    cap_flow_t **b = calloc(n, sizeof *b);
    if (!b)
        return; /* longer chains, still correct */
    for (size_t i = 0; i < c->nbuckets; i++) {
        while (c->buckets[i]) {
            cap_flow_t *f = c->buckets[i];
            c->buckets[i] = f->hnext;
            f->hnext = b[f->hash & (n - 1)];
            b[f->hash & (n - 1)] = f;
        }
    }
    c->mem += (n - c->nbuckets) * sizeof *b;
    free(c->buckets);
    c->buckets = b;
    c->nbuckets = n;
}

static cap_flow_t *flow_find(const capture_t *c, const nd_packet_t *p, uint32_t h)
{
    for (cap_flow_t *f = c->buckets[h & (c->nbuckets - 1)]; f; f = f->hnext) {
        if (f->hash == h && flow_matches(f, p))
            return f;
    }
    return NULL;
}

static cap_flow_t *flow_new(capture_t *c, const nd_packet_t *p, uint32_t h)
{
    size_t fcap = c->flows_cap;
    if (!grow((void **)&c->flows, &fcap, c->nflows + 1u, sizeof *c->flows)) {
        c->oom = true;
        return NULL;
    }
    c->mem += (fcap - c->flows_cap) * sizeof *c->flows;
    c->flows_cap = (unsigned)fcap;
    while (c->mem + FLOW_MEM > c->mem_limit && c->lru_tail)
        evict_lru(c, NULL);
    cap_flow_t *f = calloc(1, sizeof *f);
    if (!f) {
        c->oom = true;
        return NULL;
    }
    f->hash = h;
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
    c->flows[c->nflows++] = f;
    f->hnext = c->buckets[h & (c->nbuckets - 1)];
    c->buckets[h & (c->nbuckets - 1)] = f;
    c->nlive++;
    c->mem += FLOW_MEM;
    if (c->nlive > c->nbuckets)
        rehash(c);
    return f;
}

/* The flow of this packet; a new one only for a packet that brings bytes or
 * opens a connection (a bare ACK or FIN of a forgotten flow starts nothing).
 * NULL when there is none or memory ran out. */
static cap_flow_t *flow_get(capture_t *c, const nd_packet_t *p)
{
    uint32_t h = flow_hash(p);
    cap_flow_t *f = flow_find(c, p, h);
    if (!f) {
        bool opens =
            p->proto == ND_PROTO_UDP || p->payload_wire_len > 0 || (p->tcp_flags & ND_TCP_SYN);
        if (!opens)
            return NULL;
        f = flow_new(c, p, h);
        if (!f)
            return NULL;
    }
    lru_front(c, f);
    return f;
}

static void note_port(capture_t *c, const nd_packet_t *p)
{
    uint16_t port = p->sport < p->dport ? p->sport : p->dport;
    c->ports_seen[port >> 3] |= (uint8_t)(1u << (port & 7));
    if (p->proto == ND_PROTO_TCP && (p->tcp_flags & (ND_TCP_SYN | ND_TCP_ACK)) == ND_TCP_SYN)
        c->syn_ports[p->dport >> 3] |= (uint8_t)(1u << (p->dport & 7));
}

static size_t ports_in(const uint8_t *bits, uint16_t *out, size_t max)
{
    size_t n = 0;
    for (unsigned port = 0; port < 65536 && n < max; port++) {
        if (bits[port >> 3] & (1u << (port & 7)))
            out[n++] = (uint16_t)port;
    }
    return n;
}

size_t capture_ports_seen(const capture_t *c, uint16_t *out, size_t max)
{
    /* Servers' ports are those connections were opened to; without any SYN
     * in the capture, the lower port of each packet is the best guess. */
    size_t n = ports_in(c->syn_ports, out, max);
    return n > 0 ? n : ports_in(c->ports_seen, out, max);
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
        c->buckets = calloc(1024, sizeof *c->buckets);
    if (!c || !c->buckets) {
        snprintf(err, errlen, "out of memory");
        free(c);
        pcap_close(p);
        free(image);
        return NULL;
    }
    c->nbuckets = 1024;
    c->mem_limit = CAP_MEMORY_DEFAULT;
    c->mem = sizeof *c + c->nbuckets * sizeof *c->buckets;
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
        /* libpcap names the file itself in some messages, not in others. */
        if (strstr(perr, path))
            snprintf(err, errlen, "%s", perr);
        else
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
        if (c->flows[i])
            tcp_stream_free(&c->flows[i]->tcp);
        free(c->flows[i]);
    }
    free(c->flows);
    free(c->buckets);
    free(c->queue);
    free(c->arena);
    pcap_close(c->pcap); /* closes the fmemopen FILE too */
    free(c->image);
    free(c);
}

/* ---- reading ---------------------------------------------------------------------- */

void capture_set_memory_limit(capture_t *c, uint64_t bytes)
{
    c->mem_limit = bytes;
}

uint64_t capture_memory(const capture_t *c)
{
    return c->mem;
}

/* An RST ends both directions. */
static void end_reverse(capture_t *c, const nd_packet_t *pk)
{
    nd_packet_t r = *pk;
    memcpy(r.src, pk->dst, sizeof r.src);
    memcpy(r.dst, pk->src, sizeof r.dst);
    r.sport = pk->dport;
    r.dport = pk->sport;
    cap_flow_t *f = flow_find(c, &r, flow_hash(&r));
    if (f) {
        flow_flush(c, f);
        flow_end(c, f);
    }
}

static void tcp_feed(capture_t *c, cap_flow_t *f, const nd_packet_t *pk, size_t wire_len)
{
    emit_ctx_t e = {c, f};
    tcp_stream_tag_t tag = {c->packet_no, c->ts_us};
    size_t before = f->tcp.held_mem;
    tcp_stream_segment(&f->tcp, pk->seq, pk->tcp_flags, pk->payload, pk->payload_len, wire_len, tag,
                       on_tcp_chunk, &e);
    c->mem = c->mem - before + f->tcp.held_mem;
    while (c->mem > c->mem_limit && c->lru_tail && c->lru_tail != f)
        evict_lru(c, f);
    if (c->mem > c->mem_limit && f->tcp.nheld > 0) {
        /* Still over the bound: this flow gives up its holes now. */
        c->counters.held_overflow++;
        note(c, c->packet_no, "%s: too much out-of-order data held; giving up on a hole", f->name);
        flow_flush(c, f);
    }
    if (pk->tcp_flags & ND_TCP_RST)
        end_reverse(c, pk);
    if (pk->tcp_flags & (ND_TCP_FIN | ND_TCP_RST))
        flow_end(c, f);
}

/* Why a packet cannot be read, counted and noted. */
static void unreadable(capture_t *c, nd_result_t r, const nd_packet_t *pk)
{
    if (r == ND_FRAGMENT)
        c->counters.fragments++;
    else
        c->counters.malformed++;
    note(c, c->packet_no, "%s", pk->reason ? pk->reason : "unreadable packet");
}

/* Payload bytes the packet carries on the wire (the snap length or a lying
 * IP header may leave fewer here); notes what is missing. */
static size_t wire_length(capture_t *c, const struct pcap_pkthdr *h, const nd_packet_t *pk)
{
    size_t wire_len = pk->payload_wire_len;
    if (pk->first_fragment) {
        c->counters.fragments++;
        note(c, c->packet_no, "first IP fragment: only %zu payload bytes of the %s are here",
             pk->payload_len, pk->proto == ND_PROTO_TCP ? "segment" : "datagram");
        if (pk->proto == ND_PROTO_TCP)
            wire_len = pk->payload_len; /* the segment's real length is unknown */
    } else if (pk->payload_len < pk->payload_wire_len) {
        if (h->caplen < h->len) {
            c->counters.truncated++;
            note(c, c->packet_no, "snap length kept %zu of %zu payload bytes", pk->payload_len,
                 pk->payload_wire_len);
        } else {
            /* The frame was captured whole: the IP length lies. Trust the frame. */
            c->counters.malformed++;
            note(c, c->packet_no, "IP length claims %zu payload bytes, the frame has %zu",
                 pk->payload_wire_len, pk->payload_len);
            wire_len = pk->payload_len;
        }
    }
    return wire_len;
}

static void on_packet(capture_t *c, const struct pcap_pkthdr *h, const uint8_t *data)
{
    c->packet_no++;
    c->counters.packets++;
    c->ts_us = h->ts.tv_sec < 0 ? 0 : (uint64_t)h->ts.tv_sec * 1000000u + (uint64_t)h->ts.tv_usec;
    nd_packet_t pk;
    nd_result_t r = nd_dissect(c->linktype, data, h->caplen, &pk);
    if (r == ND_NOT_IP || r == ND_NOT_TCPUDP) {
        c->counters.non_matching++;
        return;
    }
    if (r != ND_OK) {
        unreadable(c, r, &pk);
        return;
    }
    if (c->port != 0 && pk.sport != c->port && pk.dport != c->port) {
        c->counters.non_matching++;
        note_port(c, &pk);
        return;
    }
    c->counters.matched++;
    size_t wire_len = wire_length(c, h, &pk);
    cap_flow_t *f = flow_get(c, &pk);
    if (!f)
        return;
    if (pk.proto == ND_PROTO_UDP) {
        if (pk.payload_len > 0) {
            c->counters.udp_datagrams++;
            push(c, f, pk.payload, pk.payload_len, true, false, false, c->packet_no, c->ts_us);
        }
        return;
    }
    tcp_feed(c, f, &pk, wire_len);
}

/* End of the capture: one flow's held data at a time, so the queue never
 * holds a second copy of everything held. Returns false when none is left. */
static bool flush_next(capture_t *c)
{
    while (c->flush_next < c->nflows) {
        cap_flow_t *f = c->flows[c->flush_next++];
        if (f && !f->ended && f->tcp.nheld > 0) {
            flow_flush(c, f);
            return true;
        }
    }
    return false;
}

static void read_packet(capture_t *c)
{
    struct pcap_pkthdr *h;
    const u_char *data;
    int rc = pcap_next_ex(c->pcap, &h, &data);
    if (rc == 1) {
        on_packet(c, h, data);
        return;
    }
    if (rc != PCAP_ERROR_BREAK) {
        if (c->packet_no == 0)
            snprintf(c->errmsg, sizeof c->errmsg, "cannot read the first packet: %s",
                     pcap_geterr(c->pcap));
        else
            snprintf(c->errmsg, sizeof c->errmsg, "damaged or cut short after packet %llu: %s",
                     (unsigned long long)c->packet_no, pcap_geterr(c->pcap));
        c->fail_code = CAPTURE_E_READ;
    }
    c->state = CAP_FLUSHING;
}

int capture_next(capture_t *c, cap_chunk_t *out)
{
    if (c->qhead == c->qlen) {
        c->qhead = c->qlen = 0;
        c->arena_used = 0;
        free_dead(c);
        while (c->qlen == 0 && c->state != CAP_DONE && !c->oom) {
            if (c->state == CAP_READING)
                read_packet(c);
            else if (!flush_next(c))
                c->state = CAP_DONE;
        }
        if (c->oom) {
            snprintf(c->errmsg, sizeof c->errmsg, "out of memory");
            c->state = CAP_DONE;
            c->fail_code = DNP3_E_NOMEM;
            c->qhead = c->qlen = 0;
            return c->fail_code;
        }
        if (c->qlen == 0)
            return c->fail_code;
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
    out->stream_end = e->end;
    out->data = e->len ? c->arena + e->off : (const uint8_t *)"";
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
        if (!c->flows[i])
            continue;
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
    return flow_id < c->nflows && c->flows[flow_id] ? c->flows[flow_id]->name : NULL;
}

int capture_linktype(const capture_t *c)
{
    return c->linktype;
}

const char *capture_error(const capture_t *c)
{
    return c->errmsg;
}
