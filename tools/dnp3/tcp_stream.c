/* tcp_stream: one direction of a TCP connection, reassembled by sequence
 * number. See tcp_stream.h for the rules. */
#include "tcp_stream.h"

#include <stdlib.h>
#include <string.h>

#define FLAG_FIN 0x01u
#define FLAG_SYN 0x02u
#define FLAG_RST 0x04u

/* a - b in sequence space, in [-2^31, 2^31) (RFC 9293 3.4 comparisons). */
static int64_t seq_diff(uint32_t a, uint32_t b)
{
    uint32_t d = a - b;
    return d < 0x80000000u ? (int64_t)d : (int64_t)d - ((int64_t)1 << 32);
}

void tcp_stream_init(tcp_stream_t *s)
{
    memset(s, 0, sizeof *s);
}

/* Memory a held copy of n bytes takes (glibc: 8-byte size word, 16-byte
 * granules, 32 at least). */
static size_t copy_mem(size_t n)
{
    size_t m = (n + 8u + 15u) & ~(size_t)15u;
    return m < 32u ? 32u : m;
}

#define LIST_MEM (TCP_STREAM_MAX_SEGS * sizeof(tcp_stream_seg_t) + 16u)

static void remove_first(tcp_stream_t *s)
{
    s->held_bytes -= s->held[0].cap_len;
    s->held_mem -= copy_mem(s->held[0].cap_len);
    free(s->held[0].data);
    s->nheld--;
    memmove(&s->held[0], &s->held[1], s->nheld * sizeof s->held[0]);
    if (s->nheld == 0) {
        free(s->held);
        s->held = NULL;
        s->held_mem -= LIST_MEM;
    }
}

void tcp_stream_free(tcp_stream_t *s)
{
    while (s->nheld > 0)
        remove_first(s);
}

static void mark_gap(tcp_stream_t *s)
{
    if (!s->pending_gap) {
        s->pending_gap = true;
        s->counters.gaps++;
    }
}

/* Delivers a segment that starts exactly at next_seq. */
static void deliver(tcp_stream_t *s, const uint8_t *data, uint32_t cap_len, uint32_t wire_len,
                    tcp_stream_tag_t tag, tcp_stream_emit_fn emit, void *ctx)
{
    if (cap_len > 0) {
        unsigned flags =
            (s->pending_gap ? TCP_STREAM_GAP : 0u) | (s->pending_start ? TCP_STREAM_START : 0u);
        s->pending_gap = false;
        s->pending_start = false;
        s->counters.bytes_delivered += cap_len;
        emit(ctx, data, cap_len, flags, tag);
    }
    s->next_seq += wire_len;
    /* Bytes the capture did not keep (snap length) are lost: a gap. */
    if (cap_len < wire_len)
        mark_gap(s);
}

/* Trims the first k sequence bytes off a segment view. */
static void trim_front(const uint8_t **data, uint32_t *cap_len, uint32_t *wire_len, uint32_t k)
{
    uint32_t c = k < *cap_len ? k : *cap_len;
    *data += c;
    *cap_len -= c;
    *wire_len -= k;
}

/* Delivers held segments that have become contiguous with next_seq. own_tags:
 * the segments are being given up on (each keeps the tag of the packet that
 * brought it); otherwise the packet being fed made them deliverable. */
static void drain(tcp_stream_t *s, bool own_tags, tcp_stream_tag_t tag, tcp_stream_emit_fn emit,
                  void *ctx)
{
    while (s->nheld > 0) {
        tcp_stream_seg_t *g = &s->held[0];
        int64_t d = seq_diff(g->seq, s->next_seq);
        if (d > 0)
            break;
        uint64_t old = (uint64_t)(-d);
        if (old >= g->wire_len) {
            s->counters.retrans_bytes += g->wire_len;
            s->counters.retrans_segments++;
            remove_first(s);
            continue;
        }
        const uint8_t *data = g->data;
        uint32_t cap = g->cap_len, wire = g->wire_len;
        trim_front(&data, &cap, &wire, (uint32_t)old);
        s->counters.retrans_bytes += old;
        deliver(s, data, cap, wire, own_tags ? g->tag : tag, emit, ctx);
        remove_first(s);
    }
}

/* Gives up on the hole before the first held segment. */
static void give_up_hole(tcp_stream_t *s, tcp_stream_emit_fn emit, void *ctx)
{
    if (s->nheld == 0)
        return;
    s->next_seq = s->held[0].seq;
    mark_gap(s);
    tcp_stream_tag_t none = {0, 0};
    drain(s, true, none, emit, ctx);
}

void tcp_stream_flush(tcp_stream_t *s, tcp_stream_emit_fn emit, void *ctx)
{
    while (s->nheld > 0)
        give_up_hole(s, emit, ctx);
}

/* Copies a segment beyond a hole into the held list (sorted). */
static void hold(tcp_stream_t *s, uint32_t seq, const uint8_t *data, uint32_t cap_len,
                 uint32_t wire_len, tcp_stream_tag_t tag)
{
    int64_t d = seq_diff(seq, s->next_seq);
    size_t i = 0;
    while (i < s->nheld && seq_diff(s->held[i].seq, s->next_seq) <= d) {
        /* An exact repeat of a held segment brings nothing. */
        if (s->held[i].seq == seq && s->held[i].wire_len == wire_len &&
            s->held[i].cap_len >= cap_len) {
            s->counters.retrans_bytes += wire_len;
            s->counters.retrans_segments++;
            return;
        }
        i++;
    }
    if (!s->held) {
        s->held = malloc(TCP_STREAM_MAX_SEGS * sizeof *s->held);
        if (!s->held) {
            s->counters.alloc_failures++;
            return;
        }
        s->held_mem += LIST_MEM;
    }
    uint8_t *copy = malloc(cap_len ? cap_len : 1);
    if (!copy) {
        s->counters.alloc_failures++;
        if (s->nheld == 0) {
            free(s->held);
            s->held = NULL;
            s->held_mem -= LIST_MEM;
        }
        return;
    }
    if (cap_len)
        memcpy(copy, data, cap_len);
    memmove(&s->held[i + 1], &s->held[i], (s->nheld - i) * sizeof s->held[0]);
    s->held[i] = (tcp_stream_seg_t){seq, wire_len, cap_len, copy, tag};
    s->nheld++;
    s->held_bytes += cap_len;
    s->held_mem += copy_mem(cap_len ? cap_len : 1);
}

static void on_payload(tcp_stream_t *s, uint32_t seq, const uint8_t *data, uint32_t cap_len,
                       uint32_t wire_len, tcp_stream_tag_t tag, tcp_stream_emit_fn emit, void *ctx)
{
    for (;;) {
        int64_t d = seq_diff(seq, s->next_seq);
        if (d <= 0) {
            uint64_t old = (uint64_t)(-d);
            if (old >= wire_len) {
                s->counters.retrans_bytes += wire_len;
                s->counters.retrans_segments++;
                return;
            }
            trim_front(&data, &cap_len, &wire_len, (uint32_t)old);
            s->counters.retrans_bytes += old;
            deliver(s, data, cap_len, wire_len, tag, emit, ctx);
            drain(s, false, tag, emit, ctx);
            return;
        }
        size_t more = copy_mem(cap_len ? cap_len : 1) + (s->held ? 0 : LIST_MEM);
        if (s->nheld < TCP_STREAM_MAX_SEGS && s->held_mem + more <= TCP_STREAM_MAX_BYTES) {
            hold(s, seq, data, cap_len, wire_len, tag);
            return;
        }
        /* Holding it would overrun the bound: the oldest hole will not fill
         * in time. Deliver past it, then look at this segment again. */
        give_up_hole(s, emit, ctx);
    }
}

void tcp_stream_segment(tcp_stream_t *s, uint32_t seq, unsigned flags, const uint8_t *payload,
                        size_t cap_len, size_t wire_len, tcp_stream_tag_t tag,
                        tcp_stream_emit_fn emit, void *ctx)
{
    if (wire_len < cap_len)
        wire_len = cap_len;
    /* An IP packet carries at most 64 KiB (jumbograms aside); anything larger
     * is not a real segment. Keep the arithmetic in 32 bits. */
    if (wire_len > 0x7FFFFFFFu) {
        wire_len = 0x7FFFFFFFu;
        if (cap_len > wire_len)
            cap_len = wire_len;
    }
    if (flags & FLAG_SYN) {
        if (!(s->syn_seen && seq == s->isn)) {
            /* A new connection on this direction (or the first one seen). */
            if (s->have_origin)
                tcp_stream_flush(s, emit, ctx);
            s->have_origin = true;
            s->syn_seen = true;
            s->isn = seq;
            s->next_seq = seq + 1u;
            s->pending_gap = false;
            s->pending_start = true;
            s->counters.streams++;
        }
        seq += 1u; /* data on a SYN starts after it */
    } else if (!s->have_origin) {
        s->have_origin = true;
        s->next_seq = seq;
    }
    if (wire_len > 0)
        on_payload(s, seq, payload, (uint32_t)cap_len, (uint32_t)wire_len, tag, emit, ctx);
    if (flags & FLAG_RST) {
        /* The connection is gone: nothing will fill the holes. */
        tcp_stream_flush(s, emit, ctx);
        return;
    }
    while (s->nheld > 0 && tag.ts_us > s->held[0].tag.ts_us &&
           tag.ts_us - s->held[0].tag.ts_us > TCP_STREAM_HOLD_US)
        give_up_hole(s, emit, ctx);
}
