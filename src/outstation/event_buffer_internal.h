/* Event buffer layout, shared by event_buffer.c (creation, arrival,
 * overflow, removal) and event_buffer_select.c (the response life cycle).
 *
 * Records live in one pool allocated at creation and are linked by index
 * into intrusive doubly linked lists, each in sequence-of-events order
 * because events arrive with increasing sequence numbers and are appended:
 *  - one list per class (selection by class mask, "oldest of the class");
 *  - one list per point type ("oldest of the type", selection by type),
 *    kept only when the configuration limits some point type (else a
 *    selection by type walks the class lists, and so does the search for
 *    the oldest command event when a command kind is full);
 *  - one list per written key (seq | unsolicited << 4), so a confirm or a
 *    confirm timeout touches only the events of that response.
 * Every operation on one event is O(1).
 *
 * The links live beside the records, in arrays of 16-bit entries when the
 * pool has at most DNP3I_NARROW_MAX records (any buffer of up to 65,534
 * events: 8 bytes of links per event instead of 16), else 32-bit; the
 * selection and the latest-event table use the same width. */
#ifndef DNP3I_EVENT_BUFFER_INTERNAL_H
#define DNP3I_EVENT_BUFFER_INTERNAL_H

#include "outstation/database_internal.h"

#define DNP3I_NIL        UINT32_MAX
#define DNP3I_NIL16      UINT16_MAX
#define DNP3I_NARROW_MAX 0xFFFEu /* largest pool with 16-bit links (0xFFFF is NIL) */
#define DNP3I_NKEYS      32      /* 16 solicited + 16 unsolicited sequence numbers */
#define DNP3I_NCLASS     3

/* Links per record in `links`: class prev/next, key prev/next. A SELECTED
 * event, which is in no key list, keeps its position in the selection in
 * its key prev link and uses the key next link while selections merge;
 * a free record links the free list through its class next link. In
 * `tlinks` (only with type limits): type prev/next. */
enum { DNP3I_LK_CLASS = 0, DNP3I_LK_KEY = 2, DNP3I_LK_PER_EV = 4, DNP3I_TLK_PER_EV = 2 };

/* An event's state byte; WRITTEN + key (0..31) is WRITTEN into the
 * response of that key (seq | unsolicited << 4), so one byte holds both
 * and every test of it is a byte compare. */
enum dnp3i_ev_state { DNP3I_EV_FREE = 0, DNP3I_EV_UNWRITTEN, DNP3I_EV_SELECTED, DNP3I_EV_WRITTEN };
#define DNP3I_EV_IS_WRITTEN(e) ((e)->state >= DNP3I_EV_WRITTEN)
#define DNP3I_EV_KEY(e)        ((uint8_t)((e)->state - DNP3I_EV_WRITTEN))

/* One event, 26 bytes (a per-association buffer holds hundreds): the
 * value is the first 8 bytes of dnp3_point_value_t (every member but
 * octets fits there; an octet string keeps its slot and length instead),
 * the sequence number its low 32 bits (held events never span 2^31 of
 * them: see dnp3i_ev_seq_before), the time its 48 bits (11.9.4 DNP3TIME);
 * the index is computed from the point slot. Packed to 2-byte alignment:
 * the 32-bit members of every other record are not 4-byte aligned, which
 * the compiler handles (plain loads on x86-64). */
typedef struct __attribute__((packed, aligned(2))) dnp3i_ev {
    uint8_t value[8]; /* value bits, or octet slot (4 bytes) and length */
    uint32_t seq;
    uint32_t ref; /* point events: the point slot; command events: the index */
    uint32_t time_lo;
    uint16_t time_hi;
    uint8_t tc; /* type (dnp3_point_type_t, bits 0-3) | class index (0..2) << 4 */
    uint8_t variation;
    uint8_t flags; /* point events: quality bits; command events: the control's status */
    uint8_t state; /* enum dnp3i_ev_state, or WRITTEN + key */
} dnp3i_ev_t;

_Static_assert(sizeof(dnp3i_ev_t) == 26, "event record size");
_Static_assert(DNP3_EV_TYPE_COUNT_ <= 16, "event kinds fit 4 bits");

/* Held events span less than DNP3I_SEQ_SPAN sequence numbers: an event
 * that many behind the newest one is discarded as on overflow (checked
 * every DNP3I_SEQ_CHECK numbers), so 32-bit differences order them. */
#define DNP3I_SEQ_SPAN  (1u << 30)
#define DNP3I_SEQ_CHECK (1u << 20)

/* Largest buffer (records), so that a full buffer never spans
 * DNP3I_SEQ_SPAN numbers: DNP3_EVENT_BUFFER_MAX_EVENTS. */

typedef struct dnp3i_list {
    uint32_t head, tail;
} dnp3i_list_t;

/* The counters as kept: confirmed is what the others leave
 * (added = confirmed + held + discarded + superseded), held fits 32 bits. */
typedef struct dnp3i_ev_counters {
    uint64_t added[3][DNP3_EV_TYPE_COUNT_];
    uint64_t discarded[3][DNP3_EV_TYPE_COUNT_];
    uint64_t superseded[3][DNP3_EV_TYPE_COUNT_];
    uint32_t held[3][DNP3_EV_TYPE_COUNT_];
    uint64_t written, returned, overflows;
} dnp3i_ev_counters_t;

struct dnp3_event_buffer {
    dnp3_db_t *db;
    dnp3_event_buffer_t *next_attached;
    dnp3_event_buffer_config_t cfg;

    uint32_t pool_size;
    bool narrow; /* 16-bit links, selection and latest entries */
    bool typed;  /* some point type has a capacity: type lists kept */
    dnp3i_ev_t *pool;
    void *links;  /* DNP3I_LK_PER_EV per record */
    void *tlinks; /* DNP3I_TLK_PER_EV per record, or NULL */
    uint32_t free_head;

    dnp3i_list_t class_list[DNP3I_NCLASS];
    dnp3i_list_t type_list[DNP3_EV_TYPE_COUNT_];
    dnp3i_list_t key_list[DNP3I_NKEYS];
    uint32_t class_held[DNP3I_NCLASS];
    uint32_t class_busy[DNP3I_NCLASS]; /* selected or written */
    uint32_t type_held[DNP3_EV_TYPE_COUNT_];

    /* Newest sequence number offered, and the one at which held events
     * are next checked against DNP3I_SEQ_SPAN. */
    uint64_t last_seq, seq_check_at;

    /* Per point slot: its newest UNWRITTEN event or NIL (most-recent mode).
     * One slot more than the database has points: the slot of the command
     * events (DNP3I_SLOT_COMMAND), which are always kept in mode ALL, so
     * nothing reads it. */
    void *latest;
    /* Point slot of index 0 of each point type; command events all use
     * cmd_slot (the database's total_points). */
    uint32_t slot_base[DNP3_PT_COUNT_];
    uint32_t cmd_slot;

    void *selection; /* pool_size entries; NIL where a selected event left */
    uint32_t sel_count;
    bool sel_holes; /* an entry of the selection is NIL (its event left) */
    /* Where the last select stopped in each list it walked (the next
     * wanted event or NIL), so that the next select with the same masks
     * goes on from there instead of walking the events it selected again.
     * Any other change to the buffer invalidates it (resume_ok false). */
    bool resume_ok;
    uint8_t resume_class;
    uint16_t resume_type;
    uint32_t resume_at[DNP3_EV_TYPE_COUNT_];

    uint16_t octet_size;
    uint32_t octet_slots;
    uint8_t *octets;
    uint32_t *octet_next; /* free list of octet slots */
    uint32_t octet_free;

    bool overflow;
    dnp3i_ev_counters_t counters;
};

/* Entry i of a link, selection or latest array, in the buffer's width. */
static inline uint32_t dnp3i_ev_get(const dnp3_event_buffer_t *b, const void *a, size_t i)
{
    if (b->narrow) {
        uint16_t v = ((const uint16_t *)a)[i];
        return v == DNP3I_NIL16 ? DNP3I_NIL : v;
    }
    return ((const uint32_t *)a)[i];
}

static inline void dnp3i_ev_set(const dnp3_event_buffer_t *b, void *a, size_t i, uint32_t v)
{
    if (b->narrow)
        ((uint16_t *)a)[i] = (uint16_t)v; /* NIL becomes DNP3I_NIL16 */
    else
        ((uint32_t *)a)[i] = v;
}

/* Links of record r: class (k = DNP3I_LK_CLASS) or key (DNP3I_LK_KEY),
 * prev (+0) or next (+1). */
static inline uint32_t dnp3i_lk(const dnp3_event_buffer_t *b, uint32_t r, unsigned k)
{
    return dnp3i_ev_get(b, b->links, (size_t)r * DNP3I_LK_PER_EV + k);
}

static inline void dnp3i_lk_set(dnp3_event_buffer_t *b, uint32_t r, unsigned k, uint32_t v)
{
    dnp3i_ev_set(b, b->links, (size_t)r * DNP3I_LK_PER_EV + k, v);
}

/* A list's links: an array and the offset of the prev link (next: +1). */
typedef struct dnp3i_chain {
    void *arr;
    unsigned stride, off;
} dnp3i_chain_t;

static inline dnp3i_chain_t dnp3i_class_chain(const dnp3_event_buffer_t *b)
{
    return (dnp3i_chain_t){b->links, DNP3I_LK_PER_EV, DNP3I_LK_CLASS};
}

static inline dnp3i_chain_t dnp3i_key_chain(const dnp3_event_buffer_t *b)
{
    return (dnp3i_chain_t){b->links, DNP3I_LK_PER_EV, DNP3I_LK_KEY};
}

static inline dnp3i_chain_t dnp3i_type_chain(const dnp3_event_buffer_t *b)
{
    return (dnp3i_chain_t){b->tlinks, DNP3I_TLK_PER_EV, 0};
}

static inline uint32_t dnp3i_chain_next(const dnp3_event_buffer_t *b, dnp3i_chain_t ch, uint32_t r)
{
    return dnp3i_ev_get(b, ch.arr, (size_t)r * ch.stride + ch.off + 1);
}

/* a is older than c (32-bit sequence numbers, DNP3I_SEQ_SPAN apart at most). */
static inline bool dnp3i_ev_seq_before(uint32_t a, uint32_t c)
{
    return (uint32_t)(a - c) > 0x7FFFFFFFu;
}

/* Leaving reasons, for the counters. */
enum dnp3i_ev_exit { DNP3I_EXIT_CONFIRMED, DNP3I_EXIT_DISCARDED, DNP3I_EXIT_SUPERSEDED };

/* List primitives over a chain (inline: the chain is a constant at every
 * call, so the offsets fold). */
static inline void dnp3i_ev_list_append(dnp3_event_buffer_t *b, dnp3i_chain_t ch, dnp3i_list_t *l,
                                        uint32_t r)
{
    size_t k = (size_t)r * ch.stride + ch.off;
    dnp3i_ev_set(b, ch.arr, k, l->tail);
    dnp3i_ev_set(b, ch.arr, k + 1, DNP3I_NIL);
    if (l->tail != DNP3I_NIL)
        dnp3i_ev_set(b, ch.arr, (size_t)l->tail * ch.stride + ch.off + 1, r);
    else
        l->head = r;
    l->tail = r;
}

static inline void dnp3i_ev_list_unlink(dnp3_event_buffer_t *b, dnp3i_chain_t ch, dnp3i_list_t *l,
                                        uint32_t r)
{
    size_t k = (size_t)r * ch.stride + ch.off;
    uint32_t prev = dnp3i_ev_get(b, ch.arr, k), next = dnp3i_ev_get(b, ch.arr, k + 1);
    if (prev != DNP3I_NIL)
        dnp3i_ev_set(b, ch.arr, (size_t)prev * ch.stride + ch.off + 1, next);
    else
        l->head = next;
    if (next != DNP3I_NIL)
        dnp3i_ev_set(b, ch.arr, (size_t)next * ch.stride + ch.off, prev);
    else
        l->tail = prev;
}

/* An event's type and class index (class - 1). */
static inline unsigned dnp3i_ev_type(const dnp3i_ev_t *e)
{
    return e->tc & 15u;
}

static inline unsigned dnp3i_ev_ci(const dnp3i_ev_t *e)
{
    return e->tc >> 4;
}

/* Point events: their point's slot in `latest`; command events have none
 * (they are always kept in mode ALL, so nothing supersedes them). */
static inline bool dnp3i_ev_has_slot(const dnp3i_ev_t *e)
{
    return (e->tc & 15u) < DNP3_PT_COUNT_;
}

/* Take event r out of the buffer for the given reason (counted). */
void dnp3i_ev_remove(dnp3_event_buffer_t *b, uint32_t r, enum dnp3i_ev_exit why);

/* Move r to UNWRITTEN from SELECTED or WRITTEN (unlinks its key list). */
void dnp3i_ev_to_unwritten(dnp3_event_buffer_t *b, uint32_t r);

#endif
