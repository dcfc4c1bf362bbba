/* decode_session: the per-flow stack behind `dnp3 decode`.
 *
 * Bytes arrive as chunks tagged with a flow label (one per direction of a
 * TCP connection or UDP pair: "10.0.0.1:49152>10.0.0.2:20000"; "" for plain
 * hex or file input) and the number of the packet that brought them. Each
 * label has its own channel (dnp3/channel.h) in MONITOR mode with the
 * discard-and-resynchronise policy: its link parser, and a transport
 * reassembler per (link source, link destination) with a fragment buffer
 * that grows up to fragment_cap (DNP3_FRAGMENT_SIZE_MAX), so interleaved
 * frames of different associations on one connection never mix. For every
 * link event the session hands one record to the caller's callback: a valid
 * frame (with the transport header and, when it completed a fragment, the
 * fragment; the channel's FRAME, TP_DROP and FRAGMENT events of one frame
 * make one record) or a discarded run of bytes with its reason.
 *
 * Flows are found by hash. Memory is bounded by a figure, not by counts:
 * every flow (its label and its channel, dnp3_channel_memory) is counted
 * with an allowance for the allocator's overhead; when a new flow would
 * pass the limit (DS_MEMORY_DEFAULT unless set), or a flow's channel grew
 * past it while fed, the least recently used other flows are
 * dropped until it fits. A dropped flow that held data (part of a link frame,
 * partial fragments) is reported through the eviction callback; its later
 * bytes start afresh. A flow whose connection ended (DS_CHUNK_END) is drained
 * and freed at once. */
#ifndef DNP3_TOOL_DECODE_SESSION_H
#define DNP3_TOOL_DECODE_SESSION_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnp3/link.h"
#include "dnp3/transport.h"

/* Default memory limit: room for ~250,000 flows each holding part of a frame. */
#define DS_MEMORY_DEFAULT (256u * 1024u * 1024u)
/* The smallest limit accepted: one flow with a full-size fragment. */
#define DS_MEMORY_MIN (256u * 1024u)

/* Chunk flags (same meaning as the capture reader's). */
#define DS_CHUNK_GAP   0x1u /* bytes were lost before this chunk: resynchronise */
#define DS_CHUNK_START 0x2u /* first chunk of a new connection: forget the old state */
/* A whole datagram (UDP): frames never continue from one datagram to the
 * next, so whatever is left at its end is reported at once. */
#define DS_CHUNK_DATAGRAM 0x4u
/* The connection ended after this chunk (FIN, RST): what the flow holds is
 * reported and the flow is freed. The chunk may be empty. */
#define DS_CHUNK_END 0x8u

typedef enum ds_record_kind {
    DS_REC_FRAME = 0, /* a valid link frame */
    DS_REC_DISCARD,   /* a run of bytes the link parser dropped */
    DS_REC_APP        /* a bare application fragment (no link or transport layer) */
} ds_record_kind_t;

/* One link event. Pointers are valid only during the callback. */
typedef struct ds_record {
    ds_record_kind_t kind;
    uint64_t frame_no; /* packet (or input position) that completed the frame / run */
    const char *flow;  /* flow label; NULL when the input has no flows */

    /* DS_REC_FRAME */
    dnp3_link_header_t link;
    const uint8_t *user; /* link user data (CRCs removed) */
    size_t user_len;
    bool has_transport;  /* the frame carries user data (a transport segment) */
    uint8_t tp_header;   /* transport header octet */
    int tp_error;        /* DNP3_E_TP_* when the segment (or a partial fragment) was dropped */
    size_t tp_dropped;   /* APDU octets dropped by this segment */
    const uint8_t *apdu; /* non-NULL when this frame completed a fragment (and for DS_REC_APP) */
    size_t apdu_len;

    /* DS_REC_DISCARD */
    int link_error;   /* DNP3_E_LINK_START, _LENGTH, _HEADER_CRC, _BLOCK_CRC, DNP3_E_TRUNCATED */
    size_t discarded; /* bytes dropped */
    unsigned block;   /* DNP3_E_LINK_BLOCK_CRC: 0-based block index */
    uint64_t offset;  /* stream offset of the run in its flow */
} ds_record_t;

typedef void (*ds_emit_fn)(void *ctx, const ds_record_t *rec);

typedef struct decode_session_counters {
    uint64_t frames;    /* valid link frames */
    uint64_t discards;  /* discarded runs */
    uint64_t fragments; /* application fragments completed */
    uint64_t tp_drops;  /* segments / partial fragments dropped by transport */
    uint64_t evictions; /* flows dropped to stay within the memory limit */
    uint64_t lost;      /* of those, flows that held data (reported) */
    uint64_t ended;     /* flows freed because their connection ended */
} decode_session_counters_t;

/* A flow dropped at the memory limit while it held data. */
typedef struct ds_eviction {
    const char *flow;      /* its label ("" for the anonymous stream) */
    uint64_t frame_no;     /* the packet being fed when it was dropped */
    size_t frame_bytes;    /* bytes of a partial link frame lost */
    unsigned fragments;    /* partial application fragments lost */
    size_t fragment_bytes; /* their bytes */
} ds_eviction_t;

typedef void (*ds_evict_fn)(void *ctx, const ds_eviction_t *ev);

typedef struct decode_session decode_session_t;

/* NULL on allocation failure. fragment_cap 0 means DNP3_FRAGMENT_SIZE_MAX;
 * below DNP3_CHANNEL_FRAGMENT_MIN (one full segment) it is raised to it. */
decode_session_t *decode_session_new(size_t fragment_cap, ds_emit_fn emit, void *ctx);
void decode_session_free(decode_session_t *s);

/* Memory limit in bytes (at least DS_MEMORY_MIN; smaller values are raised). */
void decode_session_set_memory_limit(decode_session_t *s, uint64_t bytes);

/* Called for every flow dropped at the memory limit that held data. */
void decode_session_set_evict_fn(decode_session_t *s, ds_evict_fn fn, void *ctx);

/* Memory counted against the limit now. */
uint64_t decode_session_memory(const decode_session_t *s);

/* Feed one chunk of a flow's byte stream. flow NULL or "" is the anonymous
 * stream. With DS_CHUNK_GAP or DS_CHUNK_START the flow's parser first
 * reports whatever it held (as a truncated run) and restarts; START also
 * forgets the flow's partial fragments. Records are emitted before return.
 * With DS_CHUNK_END the flow is drained (as at the end of input) and freed
 * after the chunk. Returns 0, or DNP3_E_INVALID_ARG / DNP3_E_NOMEM. */
int decode_session_feed(decode_session_t *s, const char *flow, uint64_t frame_no,
                        const uint8_t *data, size_t len, unsigned flags);

/* End of input for every flow: pending partial frames and garbage runs are
 * reported (numbered with the last packet that fed their flow). */
void decode_session_finish(decode_session_t *s);

const decode_session_counters_t *decode_session_counters(const decode_session_t *s);

#endif
