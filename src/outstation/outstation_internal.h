/* The outstation session: private layout shared by src/outstation/os_*.c.
 *
 * Shape of one request's life:
 *   os_session.c   address filter, size check, confirm, dedupe, dispatch
 *   os_conform.c   the conformance table: validate every header first
 *   os_read.c      READ: a plan of items, written fragment by fragment
 *   os_events.c    event headers of a response (selection, CTO, counts)
 *   os_static.c    static data headers and g80 / g0 objects
 *   os_write.c     WRITE (g80v1, g50v1, g50v3, g34)
 *   os_control.c   SELECT/OPERATE/DIRECT_OPERATE(_NR)
 *   os_misc.c      time, restart, freeze, assign class, unsolicited enable
 *   os_unsol.c     the unsolicited state machine
 *   os_iin.c       IIN bits and log helper */
#ifndef DNP3I_OUTSTATION_INTERNAL_H
#define DNP3I_OUTSTATION_INTERNAL_H

#include "dnp3/outstation.h"

#include <stdarg.h>

/* Object headers one READ may carry (more: IIN2.2). */
#define DNP3I_OS_MAX_ITEMS 32

/* A broadcast request's destination (4.2.2.7.2 IIN1.0; clause 9 addresses). */
#define DNP3I_ADDR_SELF       0xFFFC
#define DNP3I_ADDR_BCAST_NOCF 0xFFFD
#define DNP3I_ADDR_BCAST_CF   0xFFFE
#define DNP3I_ADDR_BCAST_OPT  0xFFFF

/* What one READ header asks for. */
typedef enum dnp3i_item_kind {
    DNP3I_ITEM_EVENTS = 0, /* class or event group: selected events */
    DNP3I_ITEM_STATIC,     /* a range of one point type */
    DNP3I_ITEM_INDEXED,    /* an index list (0x17/0x28) of one point type */
    DNP3I_ITEM_IIN,        /* g80v1 */
    DNP3I_ITEM_ATTR,       /* g0 */
    DNP3I_ITEM_TIME        /* g50v1: the outstation's time */
} dnp3i_item_kind_t;

typedef struct dnp3i_item {
    uint32_t start, stop; /* static range, g80 bits, g0 variation in start */
    union {
        uint32_t next; /* static: next index (or next list entry) to write */
        uint32_t max;  /* events: count limit still open (UINT32_MAX: all) */
    };
    uint32_t list;      /* indexed: offset of the prefixes in o->tx */
    uint16_t type_mask; /* events: DNP3_TYPE_MASK bits */
    uint8_t kind;
    uint8_t group, variation; /* variation 0: each point's own */
    uint8_t class_mask;       /* events */
    uint8_t type;             /* static: dnp3_point_type_t */
    uint8_t prefix_size : 2;  /* indexed: 1 or 2 */
    uint8_t done : 1;
} dnp3i_item_t;

typedef enum dnp3i_sol_state {
    DNP3I_SOL_IDLE = 0,
    DNP3I_SOL_READY,       /* a fragment waits for take_fragment (in tx, or a READ's next) */
    DNP3I_SOL_WAIT_CONFIRM /* sent with CON: waiting for the master's confirm */
} dnp3i_sol_state_t;

typedef enum dnp3i_uns_state {
    DNP3I_UNS_OFF = 0, /* disabled by configuration, or no link */
    DNP3I_UNS_NULL,    /* the null unsolicited response is due */
    DNP3I_UNS_IDLE,    /* nothing to report */
    DNP3I_UNS_HOLD,    /* events waiting for the hold time or count */
    DNP3I_UNS_READY,   /* due: written (or written again) by take_fragment */
    DNP3I_UNS_WAIT,    /* sent: waiting for its confirm */
    DNP3I_UNS_BACKOFF  /* retries exhausted: waiting to start again */
} dnp3i_uns_state_t;

/* The session's counters, dense: dnp3_outstation_counters_t has a 64-bit
 * entry for every function code and every command status, most of them
 * undefined; an association keeps only the defined ones (its accessor
 * spreads them out). */
#define DNP3I_OS_FC_SLOTS 38 /* 0x00-0x21, 0x81-0x83, other */
#define DNP3I_OS_CS_SLOTS 22 /* 0-18, 126, 127, other */
#define DNP3I_OS_SCALARS(X)                                                                        \
    X(responses)                                                                                   \
    X(repeats)                                                                                     \
    X(unsolicited_sent)                                                                            \
    X(unsolicited_retried)                                                                         \
    X(unsolicited_retries_replaced)                                                                \
    X(unsolicited_confirmed)                                                                       \
    X(confirms_timed_out)                                                                          \
    X(confirms_unexpected)                                                                         \
    X(malformed)                                                                                   \
    X(too_large)                                                                                   \
    X(errors_iin)                                                                                  \
    X(broadcasts)                                                                                  \
    X(wrong_address)                                                                               \
    X(events_sent)                                                                                 \
    X(events_confirmed)                                                                            \
    X(command_events)                                                                              \
    X(select_timeouts)                                                                             \
    X(link_up)                                                                                     \
    X(link_down)
#define DNP3I_OS_SCALAR_FIELD(name) uint64_t name;
typedef struct dnp3i_os_counters {
    uint64_t requests[DNP3I_OS_FC_SLOTS];
    uint64_t controls[DNP3I_OS_CS_SLOTS];
    DNP3I_OS_SCALARS(DNP3I_OS_SCALAR_FIELD)
} dnp3i_os_counters_t;

/* Slot of a function code / a command status in the dense tables. */
static inline unsigned dnp3i_os_fc_slot(uint8_t fc)
{
    return fc <= 0x21 ? fc : fc >= 0x81 && fc <= 0x83 ? 34u + (fc - 0x81u) : 37u;
}
static inline unsigned dnp3i_os_cs_slot(uint8_t st)
{
    return st <= 18 ? st : st == 126 ? 19u : st == 127 ? 20u : 21u;
}

struct dnp3_outstation {
    dnp3_outstation_config_t cfg;
    /* The seven attribute strings, copied end to end into one allocation
     * of attr_bytes (cfg's pointers point into it). */
    char *attr;
    uint32_t attr_bytes;
    bool link_up;
    dnp3_db_t *db;
    dnp3_event_buffer_t *eb;
    dnp3_outstation_callbacks_t cb;
    void *ctx;

    /* The last request answered, as its length and a 64-bit hash (a
     * repeat, 4.4.1, is recognised by them): no copy is kept. Handlers
     * read the request from the caller's bytes while on_fragment runs; a
     * READ is planned then (its index lists copied into tx), so nothing
     * later needs the request itself. */
    uint64_t rx_hash;
    uint32_t rx_len;
    /* The single-fragment response to that request, for a repeat: it stays
     * in tx (take_fragment copies it out and patches the copy), which
     * nothing else writes while rx is valid and not a READ. last_rsp_len
     * is its length (0: none). */
    uint32_t last_rsp_len;
    bool rx_valid;    /* rx_hash/rx_len are of the last request answered */
    bool rx_was_read; /* READs are answered afresh when repeated */

    /* SELECT state (4.4.3) */
    bool sel_valid;
    uint8_t sel_seq;
    /* The select's object bytes, as their length and a 64-bit hash (an
     * OPERATE must carry the same objects, 4.4.3): no copy is kept. */
    uint32_t sel_len;
    uint64_t sel_hash;
    dnp3_timestamp_t sel_time;

    /* solicited response */
    /* tx (max of max_tx_fragment and max_rx_fragment bytes) holds either
     * the response to a non-READ request, built at once and kept for a
     * repeat, or the index lists (0x17/0x28) of the READ being answered:
     * a READ's fragments are written when taken, straight into the
     * caller's buffer (the channel's), from the plan in items. */
    uint8_t *tx;
    uint32_t tx_len;
    uint32_t tx_cap;   /* bytes of tx */
    uint32_t list_len; /* bytes of index lists in tx */
    uint32_t delay_at; /* offset of the g52v2 value to patch, 0 = none */
    uint8_t sol_state;
    bool sol_read;  /* READY: write the READ's next fragment when taken */
    bool sol_first; /* that fragment is the first (FIR) */
    uint8_t sol_seq;
    bool sol_con; /* the fragment asks for a confirm */
    bool sol_has_events;
    bool sol_more;       /* another fragment follows the confirm */
    bool static_started; /* the plan has moved past its events */
    uint16_t req_iin;    /* error bits of the request being answered */
    uint32_t item_count;
    dnp3_timestamp_t sol_deadline;
    dnp3_timestamp_t rx_time; /* DELAY_MEASURE: when the request came in */
    dnp3i_item_t items[DNP3I_OS_MAX_ITEMS];

    /* unsolicited */
    uint8_t uns_state;
    bool uns_null_done;
    uint8_t uns_enabled; /* class mask */
    uint8_t uns_seq;
    /* The response due is written when taken, into the caller's buffer; a
     * retry is written again from the same events and checked against the
     * first send's length and hash (4.6.2: the same bytes). No copy. */
    uint8_t uns_classes; /* classes of the response due (uns_enabled then) */
    bool uns_is_null;
    bool uns_cto_valid; /* time_valid at the first send (g51v1 or v2) */
    /* The READ planned in items came while an unsolicited response with
     * events waited for its confirm: answered after the confirm or its
     * timeout. */
    bool read_deferred;
    uint16_t uns_iin;   /* IIN of the first send */
    uint32_t uns_len;   /* length of the first send */
    uint32_t uns_tries; /* sends of the response */
    uint64_t uns_hash;  /* hash of the first send */
    dnp3_timestamp_t uns_deadline;

    /* IIN */
    uint16_t app_iin;
    bool local;
    bool restart_iin;
    bool need_time;
    bool bcast_pending; /* IIN1.0 for the next response */
    bool bcast_confirm; /* 0xFFFE: keep IIN1.0 until confirmed */
    /* time */
    bool record_valid; /* RECORD_CURRENT_TIME seen: g50v3 allowed */
    bool time_valid;
    dnp3_timestamp_t need_time_at; /* when NEED_TIME rises again */
    dnp3_timestamp_t record_at;
    dnp3_time_t utc_base;
    dnp3_timestamp_t utc_at;
    dnp3_timestamp_t now; /* of the call in progress */

    dnp3i_os_counters_t counters;
};

/* ---- os_iin.c ---- */
void dnp3i_os_log(dnp3_outstation_t *o, dnp3_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The protocol trace of a fragment received (tx false) or sent. */
void dnp3i_os_trace(dnp3_outstation_t *o, bool tx, uint16_t peer, const uint8_t *frag, size_t len);
/* IIN of a response now (without request error bits). */
uint16_t dnp3i_os_iin(const dnp3_outstation_t *o);
/* UTC now if the time was ever written, else 0. */
dnp3_time_t dnp3i_os_utc(const dnp3_outstation_t *o);

/* ---- os_conform.c ---- */
/* 0, or the IIN2 bit the header deserves for func (OBJECT_UNKNOWN,
 * PARAMETER_ERROR). */
uint16_t dnp3i_os_conform(uint8_t func, const dnp3_obj_header_t *h);
/* Function codes answered (0..255 -> whether dispatch handles it). */
bool dnp3i_os_func_supported(uint8_t func);
/* Point type of a static group (DNP3_PT_COUNT_ if none), or point type or
 * command kind of an event group (DNP3_EV_TYPE_COUNT_ if none). */
dnp3_point_type_t dnp3i_os_static_type(uint8_t group);
dnp3_point_type_t dnp3i_os_event_type(uint8_t group);

typedef struct dnp3i_conf_row {
    uint8_t func;
    uint8_t group, vmin, vmax;
    uint16_t quals; /* DNP3I_Q_* bits */
    const char *note;
} dnp3i_conf_row_t;
#define DNP3I_Q_00 0x0001
#define DNP3I_Q_01 0x0002
#define DNP3I_Q_06 0x0004
#define DNP3I_Q_07 0x0008
#define DNP3I_Q_08 0x0010
#define DNP3I_Q_17 0x0020
#define DNP3I_Q_28 0x0040
size_t dnp3i_os_conf_table(const dnp3i_conf_row_t **out);

/* ---- os_read.c ---- */
/* Validate and plan the READ in frag (0 or IIN2 bits); its index lists
 * are copied into o->tx. */
uint16_t dnp3i_os_read_plan(dnp3_outstation_t *o, const dnp3_app_header_t *h, const uint8_t *frag,
                            size_t len);
/* Write the next fragment of the planned response into buf (cap at least
 * DNP3I_OS_MIN_TX); returns its length. */
size_t dnp3i_os_read_fragment(dnp3_outstation_t *o, uint8_t *buf, size_t cap);
/* The smallest fragment a READ's response is written into (one transport
 * segment's payload, as max_tx_fragment's own lower bound). */
#define DNP3I_OS_MIN_TX 249u
/* A 64-bit hash of len bytes (a repeated request, a SELECT's objects). */
uint64_t dnp3i_os_hash(const uint8_t *p, size_t len);

/* ---- os_events.c / os_static.c ---- */
/* Write events of the plan into w; returns the number written (the
 * selection is left to the caller to mark) or sets *full. */
uint32_t dnp3i_os_write_events(dnp3_outstation_t *o, dnp3_app_writer_t *w, bool *full);
/* Most events that could still fit in w (each takes at least 3 octets with
 * qualifier 0x28): what a response selects, so the work per fragment does
 * not grow with the events the buffer holds. */
uint32_t dnp3i_os_events_fit(const dnp3_app_writer_t *w);
/* Select and write the oldest events of the classes in class_mask, step by
 * step as the room left allows (the selection never runs far past what
 * fits). Returns the count to pass to dnp3_event_buffer_write; *full says
 * that events were left for a later fragment. */
uint32_t dnp3i_os_write_class_events(dnp3_outstation_t *o, dnp3_app_writer_t *w, uint8_t class_mask,
                                     bool *full);
/* Write one static item from item->next; true when it finished. */
bool dnp3i_os_write_static(dnp3_outstation_t *o, dnp3i_item_t *it, dnp3_app_writer_t *w);
/* Fill a point for the writer from a database point in group/variation. */
void dnp3i_os_db_to_point(const dnp3_db_point_t *dp, uint8_t group, uint8_t variation,
                          dnp3_point_t *pt);
void dnp3i_os_event_to_point(const dnp3_event_t *ev, uint8_t group, uint8_t variation,
                             dnp3_point_t *pt);
/* Default static/event variation of a point's settings. */
uint8_t dnp3i_os_static_var(const dnp3_db_point_t *dp);

/* ---- handlers: each validates the whole request (execute false) or
 * carries it out and writes its objects into w (execute true). Return IIN2
 * error bits. ---- */
typedef struct dnp3i_req {
    const dnp3_app_header_t *h;
    const uint8_t *frag;
    size_t len;
    bool broadcast;
    /* From the conformance walk of the headers (check_headers): the sum
     * of the object headers' counts, and whether every header holds
     * fixed-size objects without size prefixes (dnp3i_os_fixed_size). */
    bool fixed_only;
    uint32_t objects;
    /* Object headers that parsed (counted up to 2), and the first of them. */
    uint8_t headers;
    dnp3_obj_header_t first;
} dnp3i_req_t;

/* Objects of one fixed size without size prefixes (g12v1, g41): the
 * header's checks bounded every object, and reading one cannot fail. */
bool dnp3i_os_fixed_size(const dnp3_obj_header_t *h);

uint16_t dnp3i_os_write(dnp3_outstation_t *o, const dnp3i_req_t *r, bool execute);
uint16_t dnp3i_os_control(dnp3_outstation_t *o, const dnp3i_req_t *r, bool execute,
                          dnp3_app_writer_t *w);
/* A control request of the usual shape (one header of CROBs, qualifier
 * 0x17 or 0x28, nothing after the objects), validated and carried out
 * without the object iterators: returns true with *err set as
 * dnp3i_os_control would, and (err 0) the echo of the request's objects,
 * r->len - 2 bytes, in out (room bytes); the same statuses, counters and
 * SELECT. false: not that shape, nothing done; the general path follows. */
bool dnp3i_os_control_fast(dnp3_outstation_t *o, const dnp3i_req_t *r, uint8_t *out, size_t room,
                           uint16_t *err);
uint16_t dnp3i_os_freeze(dnp3_outstation_t *o, const dnp3i_req_t *r, bool execute);
uint16_t dnp3i_os_assign_class(dnp3_outstation_t *o, const dnp3i_req_t *r, bool execute);
uint16_t dnp3i_os_unsol_enable(dnp3_outstation_t *o, const dnp3i_req_t *r, bool execute);
uint16_t dnp3i_os_restart(dnp3_outstation_t *o, const dnp3i_req_t *r, bool execute,
                          dnp3_app_writer_t *w);

/* ---- os_evbuf.c ---- */
/* Record the command event (g13/g43) of a control carried out with status. */
void dnp3i_os_command_event(dnp3_outstation_t *o, const dnp3_control_t *c, uint8_t status);
/* The association's event buffer, with the session's counters. */
int dnp3i_os_ev_confirm(dnp3_outstation_t *o, uint8_t seq, bool uns);
int dnp3i_os_ev_unwrite(dnp3_outstation_t *o, uint8_t seq, bool uns);
void dnp3i_os_ev_unwrite_all(dnp3_outstation_t *o);
uint32_t dnp3i_os_ev_unwritten(const dnp3_outstation_t *o, uint8_t event_class);

/* ---- os_unsol.c ---- */
void dnp3i_os_unsol_poll(dnp3_outstation_t *o, dnp3_timestamp_t now);
void dnp3i_os_unsol_confirm(dnp3_outstation_t *o, uint8_t seq);
/* Before each fragment of a READ's response (and when the events of an
 * unconfirmed response come back): an unsolicited response built but not
 * sent (or waiting for its retry) gives its events back to the buffer, so
 * the response, which goes out first, reports them in order. */
void dnp3i_os_unsol_yield(dnp3_outstation_t *o);
void dnp3i_os_unsol_link(dnp3_outstation_t *o, bool up);
size_t dnp3i_os_unsol_take(dnp3_outstation_t *o, dnp3_timestamp_t now, uint8_t *buf, size_t cap);
dnp3_timestamp_t dnp3i_os_unsol_deadline(const dnp3_outstation_t *o);

/* the session (os_session.c) */
void dnp3i_os_sol_abandon(dnp3_outstation_t *o);

#endif
