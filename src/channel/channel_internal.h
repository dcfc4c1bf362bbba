/* Channel internals shared by the files of src/channel: the channel struct, the peer
 * slot table, the event and reply queues, and the primary station. */
#ifndef DNP3_CHANNEL_INTERNAL_H
#define DNP3_CHANNEL_INTERNAL_H

#include "dnp3/channel.h"
#include "link/link_internal.h"

/* Events one received frame can cause at most: FRAME, SLOT_EVICTED,
 * TP_DROP, FRAGMENT, and one primary-station event (LINK_RESET_DONE ...),
 * with room for those take_output and the timers add before the owner
 * drains the queue (a mux drains it after every call; an owner that sends
 * fragments without ever draining loses TX_DONEs, counted in
 * events_dropped). 8, not 16: 384 bytes less per connection. */
#define CH_EVENT_QUEUE 8
/* MONITOR: nothing is sent and no timer runs, so one received frame's
 * events (FRAME, SLOT_EVICTED, TP_DROP, FRAGMENT) are the most ever queued. */
#define CH_EVENT_QUEUE_MONITOR 4
/* Link replies (10-byte frames) waiting for take_output. */
#define CH_REPLY_QUEUE 16
/* First buffer of a growing (MONITOR) reassembler. */
#define CH_MONITOR_FIRST_BUFFER 512u
/* First slot table of a MONITOR channel: a flow (one direction of a
 * connection) mostly carries one address pair. The table doubles up to
 * max_peers. */
#define CH_MONITOR_FIRST_SLOTS 1u
/* dnp3_channel.reasm: a slot may hold a multi-segment fragment in progress;
 * a split frame waits in a pool buffer (pbuf). */
#define CH_REASM_FRAGMENT 1u
#define CH_REASM_FRAME    2u

/* One (local, remote) address pair. In MONITOR mode local is the frame's
 * destination and remote its source. */
typedef struct ch_slot {
    bool used;
    uint16_t local;
    uint16_t remote;
    uint64_t last_use; /* channel tick of the last frame (LRU) */
    dnp3_tp_reassembler_t r;
    /* Secondary station (9.2.6): reset by the peer, FCB expected next. */
    bool sec_reset;
    bool sec_fcb;
    /* Primary station: we reset the peer's link, FCB we send next. */
    bool pri_reset;
    bool pri_fcb;
    /* Pool channel: the fragment in progress found no pool buffer; its
     * later segments are dropped (DNP3_E_TP_POOL_EMPTY) up to its FIN. */
    bool starved;
    dnp3_timestamp_t last_rx; /* last frame heard from remote (keep-alive) */
    dnp3_timestamp_t seg_at;  /* last segment added to the fragment in progress */
} ch_slot_t;

/* What the primary station waits for (one request at a time). */
typedef enum ch_pri_state {
    CH_PRI_IDLE,
    CH_PRI_RESET, /* RESET_LINK_STATES sent (or to send): wait ACK */
    CH_PRI_DATA,  /* CONFIRMED_USER_DATA sent (or to send): wait ACK */
    CH_PRI_STATUS /* REQUEST_LINK_STATUS sent (or to send): wait LINK_STATUS */
} ch_pri_state_t;

typedef enum ch_tx_kind {
    CH_TX_NONE,
    CH_TX_UNCONFIRMED,
    CH_TX_CONFIRMED,
    CH_TX_RESET_ONLY /* dnp3_channel_reset_link(): no fragment */
} ch_tx_kind_t;

typedef struct ch_primary {
    ch_pri_state_t state;
    size_t slot;               /* slot index the request is for */
    bool keepalive;            /* CH_PRI_STATUS started as a keep-alive */
    bool frame_pending;        /* frame[] waits for take_output */
    dnp3_timestamp_t deadline; /* confirm timeout (NEVER until the frame is taken) */
    unsigned tries;            /* sends of the current frame so far */
    size_t frame_len;
    /* CH_PRI_DATA: the frame is written when taken (and again for a
     * retry) from its segment, which stays in the fragment being sent
     * until tx ends: header octet th, then user_len - 1 bytes at data.
     * Other requests are the 10 bytes of frame[]. */
    uint8_t control;
    uint8_t th;
    uint16_t dst;
    uint16_t src;
    size_t user_len;
    const uint8_t *data;
    uint8_t frame[DNP3_LINK_HEADER_SIZE];
} ch_primary_t;

typedef struct ch_tx {
    ch_tx_kind_t kind;
    uint16_t src;
    uint16_t dst;
    uint8_t seq; /* transport sequence number of the next segment (one per channel) */
    dnp3_tp_segmenter_t seg;
    uint8_t *own;      /* the channel's own buffer (tx_fragment_max bytes); NULL with a pool */
    uint8_t *pool_buf; /* a pool buffer held for the fragment being sent, else NULL */
    bool borrowed;     /* seg reads the caller's bytes: all framed by the next take_output */
} ch_tx_t;

/* What only a station sends and waits for: allocated in SESSION mode only
 * (a MONITOR channel, one per captured flow, stays small). */
/* A queued link reply: a frame without user data, written when taken. */
typedef struct ch_reply {
    uint8_t control;
    uint16_t dst;
    uint16_t src;
} ch_reply_t;

typedef struct ch_session {
    ch_reply_t replies[CH_REPLY_QUEUE];
    unsigned rp_head;
    unsigned rp_count;

    ch_tx_t tx; /* tx.own: tx_fragment_max bytes after this struct (no pool) */
    ch_primary_t pri;
} ch_session_t;

/* A queued event, packed: the queue holds these (48 bytes) rather than
 * dnp3_channel_event_t (88), and the frame they were caused by is kept once
 * in the channel (every frame-caused event in the queue is of one frame:
 * input is only looked at when the queue is empty). The full event is put
 * together when handed out. A decoder writes two of these per frame, so
 * their size is cache lines per frame. */
typedef struct ch_event {
    uint8_t kind; /* dnp3_channel_event_kind_t */
    bool more;
    bool has_frame; /* caused by ch->frame */
    uint16_t src;
    uint16_t dst;
    int reason;
    unsigned block;
    uint64_t offset;
    size_t bytes;
    const uint8_t *data;
    size_t len;
} ch_event_t;

/* Counters the receive path bumps for every frame, kept next to the fields
 * it reads (folded into dnp3_channel_counters_t when asked). */
typedef struct ch_hot_counters {
    uint64_t rx_frame_bytes;
    uint64_t rx_user_data;
    uint64_t rx_link_control;
    uint64_t fragments_rx;
} ch_hot_counters_t;

/* dnp3_channel_counters_t without what others keep: the parser its link
 * counters, the hot counters above their four (folded in when asked). */
/* clang-format off: one counter per line */
#define CH_COLD_COUNTERS(X)                                                                        \
    X(foreign)                                                                                     \
    X(ignored_direction)                                                                           \
    X(ignored_source)                                                                              \
    X(duplicates)                                                                                  \
    X(ignored_not_reset)                                                                           \
    X(ignored_function)                                                                            \
    X(ignored_broadcast)                                                                           \
    X(ignored_unexpected)                                                                          \
    X(no_slot)                                                                                     \
    X(evictions)                                                                                   \
    X(evicted_bytes)                                                                               \
    X(fragments_tx)                                                                                \
    X(frames_tx)                                                                                   \
    X(bytes_tx)                                                                                    \
    X(replies_dropped)                                                                             \
    X(events_dropped)                                                                              \
    X(peer_resets)                                                                                 \
    X(nacks)                                                                                       \
    X(not_supported)                                                                               \
    X(retries)                                                                                     \
    X(timeouts)                                                                                    \
    X(send_failures)                                                                               \
    X(keepalives)                                                                                  \
    X(keepalive_failures)                                                                          \
    X(pool_empty)                                                                                  \
    X(reassembly_timeouts)
/* clang-format on */
typedef struct ch_counters {
    dnp3_tp_counters_t transport; /* of evicted/reset reassemblers only */
#define CH_COUNTER_FIELD(name) uint64_t name;
    CH_COLD_COUNTERS(CH_COUNTER_FIELD)
#undef CH_COUNTER_FIELD
} ch_counters_t;

/* Fields in the order the receive path touches them: a decoder keeps one
 * channel per flow, and with thousands of flows each frame's cache misses
 * are what it costs. The hot fields, the frame and the event queue come
 * first and together; the station parts, the configuration and the cold
 * counters after the parser. */
struct dnp3_channel {
    unsigned ev_cap; /* CH_EVENT_QUEUE or CH_EVENT_QUEUE_MONITOR: a power of two (masks) */
    unsigned ev_head;
    unsigned ev_count;
    bool monitor;       /* cfg.mode == MONITOR, cfg.report_frames and cfg.rx_fragment_max */
    bool report_frames; /* copied here: the receive path then never reads cfg */
    size_t rx_max;
    ch_slot_t *slots; /* n_slots: max_peers in SESSION, growing in MONITOR */
    size_t n_slots;
    size_t mru; /* index of the slot used last (checked first) */
    uint64_t tick;
    dnp3_timestamp_t now; /* time of the last on_bytes call */
    size_t memory;        /* asked after every feed by a decoder counting its flows */
    ch_hot_counters_t hot;
    dnp3_link_frame_t frame; /* the frame the queued frame events are of */
    /* ev_cap entries, right after the struct (in the same allocation: a
     * SESSION channel carries no MONITOR-sized queue besides its own). */
    ch_event_t *events;
    dnp3_link_parser_state_t parser;
    /* The parser's user data of the last frame (frame.user, a one-segment
     * fragment): DNP3_LINK_MAX_USER_DATA bytes after the event queue, or
     * with a pool the pool's, shared by its channels (its contents are
     * handed out before any channel of the pool is fed again). */
    uint8_t *user;
    uint64_t reset_discarded;   /* bytes the parser held at dnp3_channel_reset */
    ch_session_t *ses;          /* SESSION mode only, else NULL */
    dnp3_fragment_pool_t *pool; /* cfg.pool when used (SESSION, buffers big enough), else NULL */
    bool rx_release;            /* a slot may hold a pool buffer with no fragment in progress */
    /* What the reassembly timeout watches (CH_REASM_*; 0: nothing, its
     * deadline and timer paths end at this byte). */
    uint8_t reasm;
    /* One past the highest used slot (the rest are free), for the keepalive
     * scans; UINT32_MAX: not known, scan all n_slots. In what was padding. */
    uint32_t slot_span;
    dnp3_channel_config_t cfg;

    ch_counters_t counters;
    /* The parser's frame straddling feeds (DNP3_LINK_MAX_FRAME bytes): the
     * channel's own, after the user data; with a pool, a pool buffer held
     * only while a frame straddles (NULL otherwise: the parser then works
     * in the pool's shared frame buffer, see rx.c). */
    uint8_t *pbuf;
    /* Pool channel: when the frame held in pbuf began straddling feeds, and
     * its stream offset (a new frame restarts the reassembly timeout). */
    dnp3_timestamp_t pbuf_since;
    uint64_t pbuf_pos;
};

/* Something the reassembly timeout watches may be held: a multi-segment
 * fragment in progress, or a split frame in a pool buffer (a channel with
 * its own buffers has no buffer to give back). */
static inline bool dnp3i_channel_reasm_watch(const dnp3_channel_t *ch)
{
    return ch->reasm != 0;
}

/* dnp3_channel_can_send and dnp3_channel_want_write for a channel known to
 * exist: inline, for the mux, which asks them several times per fragment. */
static inline bool dnp3i_channel_can_send(const dnp3_channel_t *ch)
{
    return ch->ses && ch->ses->tx.kind == CH_TX_NONE && !ch->parser.closed;
}

static inline bool dnp3i_channel_want_write(const dnp3_channel_t *ch)
{
    return ch->ses && (ch->ses->rp_count > 0 || ch->ses->pri.frame_pending ||
                       ch->ses->tx.kind == CH_TX_UNCONFIRMED);
}

/* A cleared event of the given kind. Copied from a constant rather than
 * memset: compilers copy these 88 bytes with a few vector moves, where a
 * memset (or a compound literal) becomes a `rep stos` whose start-up cost
 * showed on the decode path (several clears per frame). */
/* How many slots from the first the scans for used slots look at. */
static inline size_t dnp3i_channel_slot_span(const dnp3_channel_t *ch)
{
    return ch->slot_span == UINT32_MAX ? ch->n_slots : ch->slot_span;
}

static inline void dnp3i_channel_event_clear(dnp3_channel_event_t *ev,
                                             dnp3_channel_event_kind_t kind)
{
    static const dnp3_channel_event_t zero;
    *ev = zero;
    ev->kind = kind;
}

/* Queues an event of the given kind and returns it (cleared) to be filled,
 * or NULL when the queue is full (counted). Inline: called for every event
 * on the receive path. */
static inline ch_event_t *dnp3i_channel_push(dnp3_channel_t *ch, dnp3_channel_event_kind_t kind)
{
    if (ch->ev_count == ch->ev_cap) {
        /* Only an owner that never drains (take_output and send in a loop
         * without on_timer) gets here: count the loss. */
        ch->counters.events_dropped++;
        return NULL;
    }
    ch_event_t *ev = &ch->events[(ch->ev_head + ch->ev_count) & (ch->ev_cap - 1)];
    ch->ev_count++;
    static const ch_event_t zero;
    *ev = zero;
    ev->kind = (uint8_t)kind;
    return ev;
}

/* Queues an event caused by frame f (frame, src, dst and reason set); f is
 * the frame being handled, already in ch->frame. */
static inline ch_event_t *dnp3i_channel_push_frame(dnp3_channel_t *ch,
                                                   dnp3_channel_event_kind_t kind,
                                                   const dnp3_link_frame_t *f, int reason)
{
    ch_event_t *ev = dnp3i_channel_push(ch, kind);
    if (ev) {
        ev->has_frame = true;
        ev->src = f->hdr.src;
        ev->dst = f->hdr.dst;
        ev->reason = reason;
    }
    return ev;
}

/* Hands out the oldest queued event into *ev; false when none is queued
 * (*ev untouched). Inline: asked at the start of every input call. */
static inline bool dnp3i_channel_pop(dnp3_channel_t *ch, dnp3_channel_event_t *ev)
{
    if (ch->ev_count == 0)
        return false;
    const ch_event_t *q = &ch->events[ch->ev_head];
    dnp3i_channel_event_clear(ev, (dnp3_channel_event_kind_t)q->kind);
    if (q->has_frame)
        ev->frame = ch->frame;
    ev->offset = q->offset;
    ev->src = q->src;
    ev->dst = q->dst;
    ev->reason = q->reason;
    ev->bytes = q->bytes;
    ev->block = q->block;
    ev->data = q->data;
    ev->len = q->len;
    ev->more = q->more;
    ch->ev_head = (ch->ev_head + 1) & (ch->ev_cap - 1);
    /* An empty queue starts over at its first entry: a frame's events then
     * always land in the same few cache lines. */
    if (--ch->ev_count == 0)
        ch->ev_head = 0;
    return true;
}

/* pool.c */
size_t dnp3i_fragment_pool_size(const dnp3_fragment_pool_t *pool);
size_t dnp3i_fragment_pool_count(const dnp3_fragment_pool_t *pool);
/* The user-data scratch its channels' parsers share. */
uint8_t *dnp3i_fragment_pool_user(dnp3_fragment_pool_t *pool);
/* The frame scratch (DNP3_LINK_MAX_FRAME bytes) its channels' parsers
 * share while no frame of theirs straddles feeds. */
uint8_t *dnp3i_fragment_pool_frame(dnp3_fragment_pool_t *pool);
/* A free buffer (dnp3i_fragment_pool_size bytes), or NULL (counted). */
uint8_t *dnp3i_fragment_pool_take(dnp3_fragment_pool_t *pool);
/* Gives buf back (NULL: nothing). */
void dnp3i_fragment_pool_give(dnp3_fragment_pool_t *pool, uint8_t *buf);
/* A channel starts / stops using the pool: it lives until its creator
 * freed it and its last channel is gone. */
void dnp3i_fragment_pool_use(dnp3_fragment_pool_t *pool);
void dnp3i_fragment_pool_unuse(dnp3_fragment_pool_t *pool);

/* channel.c */
bool dnp3i_channel_our_dir(const dnp3_channel_t *ch);
bool dnp3i_channel_is_local(const dnp3_channel_t *ch, uint16_t addr);
/* Replaces the local addresses (SESSION mode; n 1..DNP3_CHANNEL_MAX_LOCAL,
 * else nothing changes): the mux answers for the addresses of the sessions
 * attached to it. Slots of an address dropped stay until the next reset. */
void dnp3i_channel_set_local(dnp3_channel_t *ch, const uint16_t *local, size_t n);
/* A buffer for the next fragment to send (tx_fragment_max bytes; SESSION
 * mode, while dnp3_channel_can_send): the channel's own, or with a pool a
 * pool buffer now held by the channel (NULL when none is free; give it back
 * with dnp3i_channel_tx_unused if no fragment comes). A fragment written
 * there and handed to dnp3_channel_send is not copied. */
uint8_t *dnp3i_channel_tx_buffer(dnp3_channel_t *ch);
void dnp3i_channel_tx_unused(dnp3_channel_t *ch);
/* The configuration the channel runs with (local[] as last set). */
const dnp3_channel_config_t *dnp3i_channel_config(const dnp3_channel_t *ch);
/* True when the channel keeps no fragment buffers of its own. */
bool dnp3i_channel_pooled(const dnp3_channel_t *ch);
/* Buffers in the channel's pool (0: none). */
size_t dnp3i_channel_pool_buffers(const dnp3_channel_t *ch);
/* dnp3_channel_send of unconfirmed user data without a copy: apdu is read
 * by the next dnp3_channel_take_output, which the caller must make at once
 * with room for every frame (dnp3i_channel_framed_size) plus any queued
 * link frames (DNP3_LINK_MAX_FRAME + the replies, dnp3i_channel_out_slack),
 * in a region not overlapping apdu. Same errors as dnp3_channel_send. */
int dnp3i_channel_send_borrowed(dnp3_channel_t *ch, dnp3_timestamp_t now, uint16_t src,
                                uint16_t dst, const uint8_t *apdu, size_t len);
/* Bytes of the frames carrying a fragment of len bytes. */
size_t dnp3i_channel_framed_size(size_t len);
/* Most bytes of link frames (replies, a primary request) that take_output
 * may write before the user data. */
size_t dnp3i_channel_out_slack(void);
/* The fragment being sent is done, failed or dropped: no fragment any more,
 * its pool buffer given back. */
void dnp3i_channel_tx_end(dnp3_channel_t *ch);
/* Pool channel: gives back the reassembly buffers of slots with no
 * fragment in progress (a FRAGMENT event's data stays valid until then:
 * done before the parser is fed again). */
void dnp3i_channel_rx_release(dnp3_channel_t *ch);
void dnp3i_channel_retire_tp(dnp3_channel_t *ch, const dnp3_tp_counters_t *c);

/* slots.c */
ch_slot_t *dnp3i_channel_slot_find(dnp3_channel_t *ch, uint16_t local, uint16_t remote);
ch_slot_t *dnp3i_channel_slot_get(dnp3_channel_t *ch, uint16_t local, uint16_t remote,
                                  const dnp3_link_frame_t *frame);
void dnp3i_channel_slot_release(dnp3_channel_t *ch, ch_slot_t *s);
bool dnp3i_channel_slot_room(dnp3_channel_t *ch, ch_slot_t *s, const uint8_t *tpdu, size_t len);
int dnp3i_channel_slots_alloc(dnp3_channel_t *ch);
void dnp3i_channel_slots_free(dnp3_channel_t *ch);

/* rx.c */
/* Pool channel: gives back the frame buffer when the parser holds nothing. */
void dnp3i_channel_frame_release(dnp3_channel_t *ch);
/* Pool channel: drops the frame the parser holds (bytes lost: the stream
 * closes), queues CLOSED with reason and gives the frame buffer back. */
void dnp3i_channel_frame_drop(dnp3_channel_t *ch, int reason);
void dnp3i_channel_deliver(dnp3_channel_t *ch, ch_slot_t *s, const dnp3_link_frame_t *f);

/* secondary.c */
void dnp3i_channel_secondary(dnp3_channel_t *ch, ch_slot_t *s, const dnp3_link_frame_t *f,
                             bool broadcast);
void dnp3i_channel_reply(dnp3_channel_t *ch, const ch_slot_t *s, uint8_t func);

/* primary.c */
void dnp3i_channel_primary_on_reply(dnp3_channel_t *ch, ch_slot_t *s, const dnp3_link_frame_t *f,
                                    dnp3_timestamp_t now);
void dnp3i_channel_primary_timer(dnp3_channel_t *ch, dnp3_timestamp_t now);
dnp3_timestamp_t dnp3i_channel_primary_deadline(const dnp3_channel_t *ch);
void dnp3i_channel_primary_forget(dnp3_channel_t *ch);
void dnp3i_channel_primary_slot_gone(dnp3_channel_t *ch, size_t index);

/* reasm.c: the reassembly timeout */
/* Re-reads whether any slot has a fragment in progress (after one ended). */
void dnp3i_channel_partial_update(dnp3_channel_t *ch);
dnp3_timestamp_t dnp3i_channel_reasm_deadline(const dnp3_channel_t *ch);
void dnp3i_channel_reasm_timer(dnp3_channel_t *ch, dnp3_timestamp_t now);

/* tx.c */
size_t dnp3i_channel_write_data(dnp3_channel_t *ch, uint8_t *buf, size_t cap);

/* Every timer due at now (primary station, then reassembly). Inline: the
 * mux runs it at every timer call, and the reassembly part is rare. */
static inline void dnp3i_channel_timers(dnp3_channel_t *ch, dnp3_timestamp_t now)
{
    dnp3i_channel_primary_timer(ch, now);
    if (dnp3i_channel_reasm_watch(ch))
        dnp3i_channel_reasm_timer(ch, now);
}

#endif
