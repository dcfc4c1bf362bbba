/* tcp_stream: sans-IO reassembly of one direction of a TCP connection.
 *
 * Fed segments (sequence number, flags, payload) in capture order; hands back
 * the byte stream in order through a callback, each byte once:
 * - the first sequence number seen (or SYN + 1) is the origin;
 * - in-order bytes are delivered at once; bytes already delivered
 *   (retransmissions, partial overlaps) are trimmed and counted;
 * - segments beyond a hole are copied and held, at most TCP_STREAM_MAX_SEGS
 *   segments / TCP_STREAM_MAX_BYTES bytes of memory (the copies with the
 *   allocator's overhead, and the list), until the hole fills;
 * - a hole that does not fill is given up on ("flushed"): the held bytes are
 *   delivered with TCP_STREAM_GAP, so the consumer resynchronises. That
 *   happens when holding one more segment would overrun the bounds, when the
 *   oldest held segment is older than TCP_STREAM_HOLD_US (capture time), on
 *   RST, on a new SYN and on tcp_stream_flush() (end of capture);
 * - a SYN with another initial sequence number than the current stream's
 *   starts a new stream (port reuse): its first chunk carries TCP_STREAM_START.
 * Sequence numbers are compared modulo 2^32 (RFC 9293 3.4), so wrap-around works.
 *
 * Memory: the struct itself plus, only while segments are held, one array of
 * TCP_STREAM_MAX_SEGS entries and copies of the held payload. */
#ifndef DNP3_TOOL_TCP_STREAM_H
#define DNP3_TOOL_TCP_STREAM_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define TCP_STREAM_MAX_SEGS  64
#define TCP_STREAM_MAX_BYTES (256u * 1024u)
/* A TCP sender retransmits a lost segment within seconds (RTO is at most
 * 60 s, RFC 6298 2.5, and in practice ~1 s); 10 s of capture time without the
 * hole filling means the capture missed it. */
#define TCP_STREAM_HOLD_US (10u * 1000u * 1000u)

/* Chunk flags. */
#define TCP_STREAM_GAP   0x1u /* bytes were lost before this chunk */
#define TCP_STREAM_START 0x2u /* first chunk of a new stream (SYN seen) */

/* Who delivered a chunk: the caller's packet number and time. A chunk made
 * deliverable by the segment being fed carries that segment's tag; a chunk
 * given up on (flushed past a hole) carries the tag of the segment that
 * brought its bytes. */
typedef struct tcp_stream_tag {
    uint64_t packet_no;
    uint64_t ts_us;
} tcp_stream_tag_t;

/* Called once per in-order chunk; data is valid only during the call. */
typedef void (*tcp_stream_emit_fn)(void *ctx, const uint8_t *data, size_t len, unsigned flags,
                                   tcp_stream_tag_t tag);

typedef struct tcp_stream_seg {
    uint32_t seq;
    uint32_t wire_len; /* sequence space the segment covers */
    uint32_t cap_len;  /* bytes of it captured (<= wire_len) */
    uint8_t *data;
    tcp_stream_tag_t tag;
} tcp_stream_seg_t;

typedef struct tcp_stream_counters {
    uint64_t bytes_delivered;
    uint64_t retrans_bytes;    /* bytes trimmed because they were already delivered/held */
    uint64_t retrans_segments; /* segments with payload that brought nothing new */
    uint64_t gaps;             /* holes given up on (chunks flagged TCP_STREAM_GAP) */
    uint64_t streams;          /* streams started by a SYN */
    uint64_t alloc_failures;   /* segments that could not be held (out of memory) */
} tcp_stream_counters_t;

typedef struct tcp_stream {
    bool have_origin;
    bool syn_seen;
    bool pending_gap;       /* next chunk gets TCP_STREAM_GAP */
    bool pending_start;     /* next chunk gets TCP_STREAM_START */
    uint32_t isn;           /* valid when syn_seen */
    uint32_t next_seq;      /* next byte to deliver */
    tcp_stream_seg_t *held; /* sorted by seq relative to next_seq; NULL when empty */
    size_t nheld;
    size_t held_bytes; /* payload bytes held */
    size_t held_mem;   /* memory they take: the list, the copies, allocator overhead */
    tcp_stream_counters_t counters;
} tcp_stream_t;

void tcp_stream_init(tcp_stream_t *s);

/* Frees held segments (without delivering them). */
void tcp_stream_free(tcp_stream_t *s);

/* Feeds one segment. flags: ND_TCP_* bits (FIN 0x01, SYN 0x02, RST 0x04).
 * cap_len bytes of payload are present; wire_len >= cap_len is how much
 * sequence space the segment covers (larger when the capture cut it short:
 * the missing bytes become a gap). Chunks are delivered through emit. */
void tcp_stream_segment(tcp_stream_t *s, uint32_t seq, unsigned flags, const uint8_t *payload,
                        size_t cap_len, size_t wire_len, tcp_stream_tag_t tag,
                        tcp_stream_emit_fn emit, void *ctx);

/* Gives up on any hole: delivers everything held, flagged TCP_STREAM_GAP
 * (end of capture, or the caller's own memory bound). */
void tcp_stream_flush(tcp_stream_t *s, tcp_stream_emit_fn emit, void *ctx);

#endif
