/* dnp3c: the channel - data link layer (IEEE 1815-2012 clause 9) and transport
 * function (clause 8) joined for one connection, sans-IO.
 *
 * A channel turns the bytes of one connection (a TCP stream, a serial line,
 * one direction of a captured flow) into application fragments with their
 * link addresses, and application fragments into framed bytes. It holds the
 * link layer's own state: as secondary station (9.2.6) it answers
 * REQUEST_LINK_STATUS, RESET_LINK_STATES, TEST_LINK_STATES and
 * CONFIRMED_USER_DATA; as primary station it sends unconfirmed or confirmed
 * user data (confirm timeout, retries, frame count bit), resets the peer's
 * link and sends REQUEST_LINK_STATUS as a keep-alive.
 *
 * The channel never does I/O and never reads a clock: bytes come in through
 * dnp3_channel_on_bytes(), time as a dnp3_timestamp_t argument, bytes to
 * send go out through dnp3_channel_take_output(), and
 * dnp3_channel_next_deadline() says when dnp3_channel_on_timer() is due.
 *
 * Peers. A "slot" is one (local address, remote address) pair with its own
 * transport reassembler and link station state (FCBs, reset flags,
 * keep-alive clock). Slots are taken on first use (a frame received, a
 * confirmed send) up to max_peers. Frames to the self address (0xFFFC) and
 * broadcast frames use the slot of (first local address, source).
 *
 * Two modes:
 * - SESSION (for outstation and master sessions): frames are filtered by
 *   direction and destination, the link layer answers, and nothing is
 *   allocated after dnp3_channel_new() (every reassembly buffer is
 *   rx_fragment_max bytes from the start). A full slot table drops frames
 *   from new peers (DNP3_CHANNEL_EV_SLOT_FULL).
 * - MONITOR (for a decoder watching a capture): frames of any direction and
 *   any destination are accepted, nothing is ever answered or sent, slots are
 *   keyed by (source, destination). The slot table starts empty and doubles
 *   on demand up to max_peers (which is then a cap, not a size); when it is
 *   at max_peers the least recently used slot is evicted
 *   (DNP3_CHANNEL_EV_SLOT_EVICTED). Reassembly buffers start empty and grow
 *   (doubling) up to rx_fragment_max when a fragment needs them. Nothing a
 *   station needs (reply queue, primary station, tx buffer, a deep event
 *   queue) is allocated, so a channel per captured flow stays small;
 *   dnp3_channel_memory() reports what is held so a table of many channels
 *   can enforce a memory limit, and dnp3_channel_pending() what would be
 *   lost by dropping one. A single-segment fragment (FIR and FIN) never
 *   needs a buffer.
 *
 * Events. Every input call reports at most one event; a frame may cause
 * several (say FRAME, TP_DROP for a partial fragment a FIR restarted, then
 * FRAGMENT), which are queued inside the channel and handed out one per
 * call, in order, before any further input is looked at. Call each input
 * function until it reports DNP3_CHANNEL_EV_NONE:
 *
 *     dnp3_channel_event_t ev;
 *     for (;;) {
 *         size_t n = dnp3_channel_on_bytes(ch, now, data, len, &ev);
 *         data += n; len -= n;
 *         if (ev.kind == DNP3_CHANNEL_EV_NONE) break;   // len is 0 now
 *         handle(&ev);
 *     }
 *
 * The events do not depend on how the input is chunked: feeding a stream
 * one byte at a time gives exactly the sequence that feeding it whole gives.
 *
 * Pointer lifetime. The pointers in an event (frame.user, data) stay valid
 * until the call after the one that handed out the last event of the same
 * received frame (the first with more false): an owner may keep the FRAME
 * event's user data and add the frame's TP_DROP and FRAGMENT to it before
 * using the lot. Pointers of other events stay valid until the next call.
 * Events not caused by a frame have more false. */
#ifndef DNP3_CHANNEL_H
#define DNP3_CHANNEL_H

#include "dnp3/link.h"
#include "dnp3/transport.h"
#include "dnp3/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Local link addresses one channel can answer for: a data concentrator
 * hosts several outstations on one connection. */
#define DNP3_CHANNEL_MAX_LOCAL 16

/* Smallest rx/tx maximum fragment size: one full transport segment. */
#define DNP3_CHANNEL_FRAGMENT_MIN DNP3_TP_MAX_PAYLOAD

typedef enum dnp3_channel_role {
    DNP3_CHANNEL_ROLE_MASTER,    /* sends DIR=1 (9.2.4.1.3), accepts DIR=0 */
    DNP3_CHANNEL_ROLE_OUTSTATION /* sends DIR=0, accepts DIR=1 */
} dnp3_channel_role_t;

typedef enum dnp3_channel_mode {
    DNP3_CHANNEL_MODE_SESSION, /* a station: filter, answer, send */
    DNP3_CHANNEL_MODE_MONITOR  /* a bystander: accept everything, answer nothing */
} dnp3_channel_mode_t;

/* ---- fragment buffer pool ------------------------------------------------------
 *
 * Buffers for application fragments shared by the channels of one thread
 * (a runtime's connections): a SESSION channel given a pool keeps no
 * fragment buffer of its own. It takes one only
 *   - to reassemble a fragment of several transport segments (8.2), from
 *     its FIR segment to its FIN (a one-segment fragment, nearly every
 *     request and short response, is handed over from the frame's user
 *     data without a copy), given back once the fragment is handed out,
 *     or at once when its next segment is reassembly_timeout_ms late;
 *   - to keep a fragment being sent that does not go out in the call that
 *     sent it: confirmed user data (9.2.6), or a fragment handed to
 *     dnp3_channel_send() (the mux frames its sessions' fragments straight
 *     into the caller's output buffer), given back when it is out.
 * The channels of a pool also share their frame parser's user-data buffer
 * (250 bytes): an event's frame.user, and the data of a fragment that came
 * in one segment, stay valid until any channel of the pool is next given
 * bytes (not only the same channel, as without a pool); a mux hands every
 * event out before it returns, so its sessions see no difference.
 * When none is free, a fragment being received is dropped: one
 * DNP3_CHANNEL_EV_TP_DROP with reason DNP3_E_TP_POOL_EMPTY for its first
 * segment (and for each later segment of it), counted in the channel's
 * pool_empty and the pool's exhausted; dnp3_channel_send() returns
 * DNP3_E_TP_POOL_EMPTY. The pool is sized once, at _new; it takes no lock
 * (its channels are used from one thread) and allocates nothing
 * afterwards. */
typedef struct dnp3_fragment_pool dnp3_fragment_pool_t;

typedef struct dnp3_fragment_pool_counters {
    uint64_t taken;     /* buffers handed out */
    uint64_t exhausted; /* requests refused: every buffer was in use */
    size_t in_use;      /* buffers held now */
    size_t peak;        /* most buffers held at once */
} dnp3_fragment_pool_counters_t;

/* Allocates buffers buffers of buffer_size bytes each (buffer_size
 * DNP3_CHANNEL_FRAGMENT_MIN..DNP3_FRAGMENT_SIZE_MAX, buffers >= 1). Returns
 * NULL on invalid arguments (*err DNP3_E_INVALID_ARG) or when memory is
 * short (DNP3_E_NOMEM); err may be NULL. */
DNP3_API dnp3_fragment_pool_t *dnp3_fragment_pool_new(size_t buffers, size_t buffer_size, int *err);
/* Frees the pool (NULL allowed). Channels still using it keep it alive:
 * it goes with the last of them (so an owner may free it before them). */
DNP3_API void dnp3_fragment_pool_free(dnp3_fragment_pool_t *pool);
/* Copies the counters into *out (zeros when pool is NULL; nothing when out
 * is NULL). */
DNP3_API void dnp3_fragment_pool_counters(const dnp3_fragment_pool_t *pool,
                                          dnp3_fragment_pool_counters_t *out);
/* Bytes the pool holds on the heap (0 for NULL). */
DNP3_API size_t dnp3_fragment_pool_memory(const dnp3_fragment_pool_t *pool);

typedef struct dnp3_channel_config {
    dnp3_channel_role_t role;               /* default MASTER */
    dnp3_channel_mode_t mode;               /* default SESSION */
    uint16_t local[DNP3_CHANNEL_MAX_LOCAL]; /* our link addresses (SESSION) */
    size_t n_local;            /* 1..DNP3_CHANNEL_MAX_LOCAL in SESSION (default 1: address 1) */
    dnp3_link_policy_t policy; /* framing errors: default CLOSE (TCP); DISCARD for serial */
    size_t rx_fragment_max;    /* 249..65535, default 2048 (DNP3_FRAGMENT_SIZE_DEFAULT) */
    size_t tx_fragment_max;    /* 249..65535, default 2048: largest fragment send() takes */
    size_t max_peers;          /* slots, >= 1, default 1 (MONITOR: the table's cap) */
    bool accept_self;          /* treat 0xFFFC as our address (9.2.4.1.4), default true */
    bool accept_broadcast;     /* accept 0xFFFD..0xFFFF, default true */
    bool report_frames;        /* report every valid frame (DNP3_CHANNEL_EV_FRAME), default false */
    uint32_t confirm_timeout_ms; /* wait for ACK / LINK_STATUS, >= 1, default 2000 */
    unsigned confirm_retries;    /* resends after the first try, default 2 */
    uint32_t keepalive_ms;       /* idle period before REQUEST_LINK_STATUS; 0 = off (default) */
    /* SESSION: a fragment of several transport segments (8.2) whose next
     * segment has not come reassembly_timeout_ms after the last one is
     * discarded (TP_DROP DNP3_E_TP_TIMEOUT) and its pool buffer given back
     * at once; with a pool, a link frame split between reads whose rest has
     * not come reassembly_timeout_ms after it began is dropped with its
     * buffer, and the stream, now missing bytes, closes (CLOSED
     * DNP3_E_LINK_STALLED). Both counted in reassembly_timeouts. 0 = never
     * (a partial fragment then waits for its next segment, a FIR or
     * dnp3_channel_reset). Default 10000: a fragment's segments are sent
     * back to back, and one segment delayed by the link layer's own
     * retries (confirm_timeout_ms x (confirm_retries + 1), 6 s by default)
     * still arrives in time; a master has given up on the response by then
     * (its application response timeout is 5 s by default). MONITOR mode
     * runs no timers and ignores it. */
    uint32_t reassembly_timeout_ms;
    /* Fragment buffers (see above); NULL (default): the channel allocates
     * its own at _new, one reassembly buffer per slot and one for the
     * fragment being sent. Used in SESSION mode only, and only when its
     * buffers hold rx_fragment_max and tx_fragment_max (else the channel
     * keeps its own, as with NULL). */
    dnp3_fragment_pool_t *pool;
} dnp3_channel_config_t;

/* Fills *cfg with the defaults listed above. */
DNP3_API void dnp3_channel_config_default(dnp3_channel_config_t *cfg);

typedef struct dnp3_channel dnp3_channel_t;

/* Allocates a channel and everything it will need in SESSION mode (slots,
 * reassembly buffers, the tx fragment buffer; with a pool, no fragment
 * buffer: see dnp3_fragment_pool_t). Returns NULL when cfg is
 * NULL or invalid (fragment sizes out of 249..65535, max_peers 0, n_local
 * 0 or above DNP3_CHANNEL_MAX_LOCAL in SESSION mode, confirm_timeout_ms 0)
 * or when memory is short; with err not NULL, *err says which:
 * DNP3_E_INVALID_ARG or DNP3_E_NOMEM. */
DNP3_API dnp3_channel_t *dnp3_channel_new(const dnp3_channel_config_t *cfg, int *err);

/* Frees the channel and everything it holds; NULL is allowed. */
DNP3_API void dnp3_channel_free(dnp3_channel_t *ch);

/* A new connection: drops buffered bytes (counted in the link counters'
 * discarded_bytes, without an event), partial fragments, queued events
 * and output, the fragment being sent, every slot and its link state (a
 * peer must reset the link again before confirmed data, 9.2.6). Stream
 * offsets restart at 0. Counters are kept. */
DNP3_API void dnp3_channel_reset(dnp3_channel_t *ch);

/* ---- events ------------------------------------------------------------------ */

typedef enum dnp3_channel_event_kind {
    /* Nothing (more) to report: the input is used up. */
    DNP3_CHANNEL_EV_NONE,
    /* A valid frame (only with report_frames): frame, offset. */
    DNP3_CHANNEL_EV_FRAME,
    /* An application fragment: src, dst, data, len. */
    DNP3_CHANNEL_EV_FRAGMENT,
    /* Bytes dropped by the frame parser: reason, bytes, offset, block. */
    DNP3_CHANNEL_EV_LINK_DISCARD,
    /* CLOSE policy: the stream is unusable (reason, bytes, offset). */
    DNP3_CHANNEL_EV_CLOSED,
    /* The transport function dropped data: reason (DNP3_E_TP_*), bytes.
     * DNP3_E_TP_TIMEOUT (from on_timer, no frame): the partial fragment
     * from src to dst waited reassembly_timeout_ms for its next segment. */
    DNP3_CHANNEL_EV_TP_DROP,
    /* A frame for a destination not ours: src, dst. */
    DNP3_CHANNEL_EV_FOREIGN,
    /* A frame the link layer refused: reason (dnp3_channel_ignore_t). */
    DNP3_CHANNEL_EV_IGNORED,
    /* The peer (src) reset our secondary link (RESET_LINK_STATES). */
    DNP3_CHANNEL_EV_PEER_RESET,
    /* LINK_STATUS answered our keep-alive: src is the peer. */
    DNP3_CHANNEL_EV_KEEPALIVE_OK,
    /* No LINK_STATUS after every retry: the peer (src) is presumed dead. */
    DNP3_CHANNEL_EV_KEEPALIVE_FAILED,
    /* Our RESET_LINK_STATES to the peer (src) was acknowledged. */
    DNP3_CHANNEL_EV_LINK_RESET_DONE,
    /* Confirmed data or a reset to the peer (src) failed: no ACK after the
     * retries, or NACK / NOT_SUPPORTED. The fragment is abandoned. */
    DNP3_CHANNEL_EV_SEND_FAILED,
    /* The fragment given to send() is all out (and confirmed): src, dst. */
    DNP3_CHANNEL_EV_TX_DONE,
    /* SESSION: a frame from a new peer (src, dst) dropped, no free slot. */
    DNP3_CHANNEL_EV_SLOT_FULL,
    /* MONITOR: slot (src, dst) evicted; bytes = partial fragment lost. */
    DNP3_CHANNEL_EV_SLOT_EVICTED
} dnp3_channel_event_kind_t;

/* Why the link layer refused a frame (DNP3_CHANNEL_EV_IGNORED reason). */
typedef enum dnp3_channel_ignore {
    DNP3_CHANNEL_IGNORE_DIRECTION = 1, /* DIR says it comes from our own role (an echo) */
    DNP3_CHANNEL_IGNORE_SOURCE,        /* source address is reserved or broadcast (>= 0xFFF0) */
    DNP3_CHANNEL_IGNORE_DUPLICATE, /* confirmed data / test with the previous FCB: ACKed again */
    DNP3_CHANNEL_IGNORE_NOT_RESET, /* confirmed data / test before RESET_LINK_STATES */
    DNP3_CHANNEL_IGNORE_FUNCTION,  /* function not supported (answered NOT_SUPPORTED) */
    DNP3_CHANNEL_IGNORE_BROADCAST, /* a function other than user data sent to a broadcast address */
    DNP3_CHANNEL_IGNORE_UNEXPECTED /* a secondary frame (ACK, LINK_STATUS...) nobody waited for */
} dnp3_channel_ignore_t;

typedef struct dnp3_channel_event {
    dnp3_channel_event_kind_t kind;
    /* The frame that caused the event (FRAME and every event a received
     * frame causes); frame.user is NULL for events not caused by a frame. */
    dnp3_link_frame_t frame;
    uint64_t offset;     /* stream offset of the frame / the discarded run */
    uint16_t src;        /* link source (the peer for link events) */
    uint16_t dst;        /* link destination (0xFFFD..0xFFFF for a broadcast fragment) */
    int reason;          /* LINK_DISCARD, CLOSED: DNP3_E_LINK_*, DNP3_E_TRUNCATED;
                            TP_DROP: DNP3_E_TP_*; IGNORED: dnp3_channel_ignore_t */
    size_t bytes;        /* LINK_DISCARD, CLOSED: bytes dropped; TP_DROP: APDU bytes dropped;
                            SLOT_EVICTED: bytes of the partial fragment lost */
    unsigned block;      /* LINK_DISCARD with DNP3_E_LINK_BLOCK_CRC: 0-based block */
    const uint8_t *data; /* FRAGMENT: the fragment (len bytes) */
    size_t len;
    /* More events of the same received frame follow (say FRAME, then its
     * TP_DROP and FRAGMENT): false on the frame's last event. */
    bool more;
} dnp3_channel_event_t;

/* Human name of an event kind ("FRAGMENT", ...) and of an ignore reason
 * ("DUPLICATE", ...); never NULL. */
DNP3_API const char *dnp3_channel_event_name(dnp3_channel_event_kind_t kind);
DNP3_API const char *dnp3_channel_ignore_name(int reason);

/* ---- receiving ----------------------------------------------------------------- */

/* Consumes bytes of data[0..len) until one event is ready, fills *ev and
 * returns the bytes consumed (0 when the event was queued earlier). kind
 * NONE means all len bytes were consumed and nothing is left to report.
 * Call until NONE (see the loop at the top). data may be NULL when len is 0;
 * a call with len 0 hands out queued events. now is recorded as the time the
 * peer was last heard from (keep-alive). Under CLOSE policy, the first
 * framing error gives one DNP3_CHANNEL_EV_CLOSED (its bytes: what that call
 * dropped, which depends on chunking; the total is in the link counters)
 * and later bytes are dropped and counted without an event, until
 * dnp3_channel_reset(). */
DNP3_API size_t dnp3_channel_on_bytes(dnp3_channel_t *ch, dnp3_timestamp_t now, const uint8_t *data,
                                      size_t len, dnp3_channel_event_t *ev);

/* End of the byte stream (or a hole in it): reports what the frame parser
 * still holds (a partial frame as LINK_DISCARD DNP3_E_TRUNCATED, a pending
 * garbage run, frames a rescan finds), one event per call; returns 1 when
 * *ev was filled, 0 when nothing is left. Afterwards the channel takes a new
 * stream: stream offsets restart at 0 and a closed channel is open again;
 * partial fragments and link states are KEPT (a capture gap), use
 * dnp3_channel_reset() for a new connection. */
DNP3_API int dnp3_channel_finish(dnp3_channel_t *ch, dnp3_channel_event_t *ev);

/* Reports a pending run of discarded bytes now rather than when the next
 * frame start is found (for a decoder showing garbage with the packet that
 * carried it, see dnp3_link_parser_flush_run). Returns 1 when *ev was filled
 * (LINK_DISCARD), 0 otherwise. Only call it when on_bytes reported NONE. */
DNP3_API int dnp3_channel_flush_run(dnp3_channel_t *ch, dnp3_channel_event_t *ev);

/* ---- time ------------------------------------------------------------------------- */

/* Runs the timers due at now (confirm timeouts, retries, keep-alives, the
 * reassembly timeout) and hands out queued events, one per call; NONE when
 * nothing is left. Call until NONE, whenever now >=
 * dnp3_channel_next_deadline(). */
DNP3_API void dnp3_channel_on_timer(dnp3_channel_t *ch, dnp3_timestamp_t now,
                                    dnp3_channel_event_t *ev);

/* When on_timer is next due: the earliest confirm timeout, keep-alive or
 * reassembly timeout, 0 when events are queued (call on_timer now),
 * DNP3_TIMESTAMP_NEVER when nothing is pending. */
DNP3_API dnp3_timestamp_t dnp3_channel_next_deadline(const dnp3_channel_t *ch);

/* ---- sending ------------------------------------------------------------------- */

/* Sends one application fragment apdu[0..len) from local address src to dst:
 * copies it into the channel (its own buffer, or a pool buffer held until
 * the fragment is out) and segments it (clause 8); the frames come out
 * of dnp3_channel_take_output(). Unconfirmed user data (the TCP norm) is
 * done when its last frame is taken; confirmed user data (9.2.6) resets the
 * peer's link first if needed, then waits for an ACK per frame, resending
 * with the same FCB after confirm_timeout_ms, up to confirm_retries times;
 * after the last it reports SEND_FAILED. A broadcast dst is always sent
 * unconfirmed. TX_DONE is reported (through on_bytes / on_timer) when the
 * fragment is out (and confirmed). One fragment at a time.
 * Returns 0, or
 *   DNP3_E_INVALID_ARG  NULL, len 0 or above tx_fragment_max, src not a
 *                       local address, dst reserved (0xFFF0..0xFFFC);
 *   DNP3_E_STATE        a fragment is still being sent, the channel is
 *                       closed, or MONITOR mode;
 *   DNP3_E_NOSPACE      confirmed, and no slot is free for dst;
 *   DNP3_E_TP_POOL_EMPTY a pool channel found no free buffer to keep it. */
DNP3_API int dnp3_channel_send(dnp3_channel_t *ch, dnp3_timestamp_t now, uint16_t src, uint16_t dst,
                               const uint8_t *apdu, size_t len, bool confirmed);

/* True when dnp3_channel_send() would not return DNP3_E_STATE. */
DNP3_API bool dnp3_channel_can_send(const dnp3_channel_t *ch);

/* Sends RESET_LINK_STATES from our first local address to dst and waits for
 * the ACK (LINK_RESET_DONE, or SEND_FAILED after the retries). Returns 0,
 * DNP3_E_INVALID_ARG (NULL, dst reserved or broadcast), DNP3_E_STATE (the
 * primary station is busy, closed, MONITOR mode), DNP3_E_NOSPACE (no slot). */
DNP3_API int dnp3_channel_reset_link(dnp3_channel_t *ch, dnp3_timestamp_t now, uint16_t dst);

/* Writes whole frames into buf[0..cap): link replies first (ACK,
 * LINK_STATUS, NOT_SUPPORTED), then primary frames (reset, link status
 * request, confirmed data), then unconfirmed data. A frame that does not fit
 * stays for the next call (cap >= DNP3_LINK_MAX_FRAME always makes
 * progress). Returns the bytes written, 0 when nothing is waiting or buf is
 * NULL. now starts the confirm timeout of a frame that waits for an answer;
 * a finished fragment queues TX_DONE (see on_timer). */
DNP3_API size_t dnp3_channel_take_output(dnp3_channel_t *ch, dnp3_timestamp_t now, uint8_t *buf,
                                         size_t cap);

/* True when take_output has frames to write. */
DNP3_API bool dnp3_channel_want_write(const dnp3_channel_t *ch);

/* ---- observing --------------------------------------------------------------- */

/* Every frame and byte the channel dropped, by reason, since _new.
 * Invariants (after finish): link.bytes_in == rx_frame_bytes +
 * link.discarded_bytes; link.frames == rx_user_data + rx_link_control +
 * foreign + ignored_* + no_slot. */
typedef struct dnp3_channel_counters {
    dnp3_link_counters_t link;    /* the frame parser's */
    dnp3_tp_counters_t transport; /* every reassembler's, evicted slots included */
    uint64_t rx_frame_bytes;      /* bytes of valid frames */
    uint64_t rx_user_data;        /* frames passed to the transport function */
    uint64_t rx_link_control;     /* link frames handled (reset, status, test, ACK...) */
    uint64_t foreign;             /* frames for another destination */
    uint64_t ignored_direction;   /* DNP3_CHANNEL_IGNORE_DIRECTION */
    uint64_t ignored_source;      /* DNP3_CHANNEL_IGNORE_SOURCE */
    uint64_t duplicates;          /* DNP3_CHANNEL_IGNORE_DUPLICATE (ACKed, not delivered) */
    uint64_t ignored_not_reset;   /* DNP3_CHANNEL_IGNORE_NOT_RESET */
    uint64_t ignored_function;    /* DNP3_CHANNEL_IGNORE_FUNCTION */
    uint64_t ignored_broadcast;   /* DNP3_CHANNEL_IGNORE_BROADCAST */
    uint64_t ignored_unexpected;  /* DNP3_CHANNEL_IGNORE_UNEXPECTED */
    uint64_t no_slot;             /* SESSION: frames dropped, slot table full */
    uint64_t evictions;           /* MONITOR: slots evicted */
    uint64_t evicted_bytes;       /* MONITOR: partial fragment bytes lost by evictions */
    uint64_t fragments_rx;        /* fragments delivered */
    uint64_t fragments_tx;        /* fragments sent completely (TX_DONE) */
    uint64_t frames_tx;           /* frames written by take_output */
    uint64_t bytes_tx;            /* bytes written by take_output */
    uint64_t replies_dropped;     /* link replies lost: reply queue full (output not taken) */
    uint64_t events_dropped;      /* events lost: queue full (an owner that never drains it) */
    uint64_t peer_resets;         /* RESET_LINK_STATES received */
    uint64_t nacks;               /* NACK received */
    uint64_t not_supported;       /* NOT_SUPPORTED received */
    uint64_t retries;             /* primary frames resent after a timeout */
    uint64_t timeouts;            /* confirm timeouts */
    uint64_t send_failures;       /* SEND_FAILED events */
    uint64_t keepalives;          /* REQUEST_LINK_STATUS sent as keep-alive */
    uint64_t keepalive_failures;  /* KEEPALIVE_FAILED events */
    uint64_t pool_empty; /* segments dropped: no pool buffer for their fragment (TP_DROP) */
    /* Partial fragments discarded (TP_DROP DNP3_E_TP_TIMEOUT) and split
     * frames dropped (CLOSED DNP3_E_LINK_STALLED): reassembly_timeout_ms. */
    uint64_t reassembly_timeouts;
} dnp3_channel_counters_t;

/* Copies the counters into *out (nothing when either is NULL). */
DNP3_API void dnp3_channel_counters(const dnp3_channel_t *ch, dnp3_channel_counters_t *out);

/* Bytes the channel holds on the heap (struct, slots, buffers; not the
 * allocator's own overhead). Grows in MONITOR mode only. */
DNP3_API size_t dnp3_channel_memory(const dnp3_channel_t *ch);

/* What the channel holds that more bytes could still complete: what
 * dropping the channel now (or dnp3_channel_reset) would lose. */
typedef struct dnp3_channel_pending {
    size_t frame_bytes;    /* bytes of a partial link frame in the parser */
    size_t discard_bytes;  /* a run of discarded bytes not reported yet */
    size_t fragments;      /* partial application fragments (one per slot at most) */
    size_t fragment_bytes; /* their bytes so far */
} dnp3_channel_pending_t;

/* Fills *out (zeros when ch is NULL; nothing when out is NULL). */
DNP3_API void dnp3_channel_pending(const dnp3_channel_t *ch, dnp3_channel_pending_t *out);

/* True once a CLOSE-policy channel met a framing error (until reset). */
DNP3_API bool dnp3_channel_closed(const dnp3_channel_t *ch);

#ifdef __cplusplus
}
#endif
#endif
