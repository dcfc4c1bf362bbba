/* Channel internals shared by the files of src/channel: the channel struct, the peer
 * slot table, the event and reply queues, and the primary station. */
#ifndef DNP3_CHANNEL_INTERNAL_H
#define DNP3_CHANNEL_INTERNAL_H

#include "dnp3/channel.h"

/* Events one received frame can cause at most: FRAME, SLOT_EVICTED,
 * TP_DROP, FRAGMENT, and one primary-station event (LINK_RESET_DONE ...),
 * with room for those take_output and the timers add before the owner
 * drains the queue. */
#define CH_EVENT_QUEUE 16
/* Link replies (10-byte frames) waiting for take_output. */
#define CH_REPLY_QUEUE 16
/* First buffer of a growing (MONITOR) reassembler. */
#define CH_MONITOR_FIRST_BUFFER 512u

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
    dnp3_timestamp_t last_rx; /* last frame heard from remote (keep-alive) */
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
    uint8_t frame[DNP3_LINK_MAX_FRAME];
} ch_primary_t;

typedef struct ch_tx {
    ch_tx_kind_t kind;
    uint16_t src;
    uint16_t dst;
    uint8_t seq; /* transport sequence number of the next segment (one per channel) */
    dnp3_tp_segmenter_t seg;
    uint8_t *apdu; /* tx_fragment_max bytes */
} ch_tx_t;

struct dnp3_channel {
    dnp3_channel_config_t cfg;
    dnp3_link_parser_t parser;
    ch_slot_t *slots; /* cfg.max_peers */
    uint64_t tick;
    size_t memory;
    dnp3_timestamp_t now;     /* time of the last on_bytes call */
    uint64_t reset_discarded; /* bytes the parser held at dnp3_channel_reset */

    dnp3_channel_event_t events[CH_EVENT_QUEUE];
    unsigned ev_head;
    unsigned ev_count;

    uint8_t replies[CH_REPLY_QUEUE][DNP3_LINK_HEADER_SIZE];
    unsigned rp_head;
    unsigned rp_count;

    ch_tx_t tx;
    ch_primary_t pri;

    dnp3_channel_counters_t counters; /* transport: of evicted/reset reassemblers only */
};

/* channel.c */
bool dnp3i_channel_our_dir(const dnp3_channel_t *ch);
bool dnp3i_channel_is_local(const dnp3_channel_t *ch, uint16_t addr);
/* Replaces the local addresses (SESSION mode; n 1..DNP3_CHANNEL_MAX_LOCAL,
 * else nothing changes): the mux answers for the addresses of the sessions
 * attached to it. Slots of an address dropped stay until the next reset. */
void dnp3i_channel_set_local(dnp3_channel_t *ch, const uint16_t *local, size_t n);
dnp3_channel_event_t *dnp3i_channel_push(dnp3_channel_t *ch, dnp3_channel_event_kind_t kind);
/* Queues an event caused by frame f (frame, src, dst and reason set). */
dnp3_channel_event_t *dnp3i_channel_push_frame(dnp3_channel_t *ch, dnp3_channel_event_kind_t kind,
                                               const dnp3_link_frame_t *f, int reason);
bool dnp3i_channel_pop(dnp3_channel_t *ch, dnp3_channel_event_t *ev);
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

/* tx.c */
size_t dnp3i_channel_write_data(dnp3_channel_t *ch, uint8_t *buf, size_t cap);

#endif
