/* Event buffer layout, shared by event_buffer.c (creation, arrival,
 * overflow, removal) and event_buffer_select.c (the response life cycle).
 *
 * Records live in one pool allocated at creation and are linked by index
 * into intrusive doubly linked lists, each in sequence-of-events order
 * because events arrive with increasing sequence numbers and are appended:
 *  - one list per class (selection by class mask, "oldest of the class");
 *  - one list per point type ("oldest of the type");
 *  - one list per written key (seq | unsolicited << 4), so a confirm or a
 *    confirm timeout touches only the events of that response.
 * Every operation on one event is O(1). */
#ifndef DNP3I_EVENT_BUFFER_INTERNAL_H
#define DNP3I_EVENT_BUFFER_INTERNAL_H

#include "outstation/database_internal.h"

#define DNP3I_NIL    UINT32_MAX
#define DNP3I_NKEYS  32 /* 16 solicited + 16 unsolicited sequence numbers */
#define DNP3I_NCLASS 3

/* An event's state byte; WRITTEN + key (0..31) is WRITTEN into the
 * response of that key (seq | unsolicited << 4), so one byte holds both
 * and every test of it is a byte compare. */
enum dnp3i_ev_state { DNP3I_EV_FREE = 0, DNP3I_EV_UNWRITTEN, DNP3I_EV_SELECTED, DNP3I_EV_WRITTEN };
#define DNP3I_EV_IS_WRITTEN(e) ((e)->state >= DNP3I_EV_WRITTEN)
#define DNP3I_EV_KEY(e)        ((uint8_t)((e)->state - DNP3I_EV_WRITTEN))

typedef struct dnp3i_link {
    uint32_t prev, next;
} dnp3i_link_t;

typedef struct dnp3i_list {
    uint32_t head, tail;
} dnp3i_list_t;

/* One event, 56 bytes on x86-64 (a per-association buffer holds hundreds):
 * the value is the first 8 bytes of dnp3_point_value_t (every member but
 * octets fits there; an octet string keeps its slot in the octet store
 * instead), the time its 48 bits (11.9.4 DNP3TIME), the index is
 * computed from the point slot, and a SELECTED event, which is in no
 * key list, keeps its position in the selection in by_key.prev. */
typedef struct dnp3i_ev {
    uint64_t seq;
    uint64_t value;                         /* value bits, or octet slot | length << 32 */
    dnp3i_link_t by_class, by_type, by_key; /* by_class.next also links the free list */
    uint32_t ref; /* point events: the point slot; command events: the index */
    uint32_t time_lo;
    uint16_t time_hi;
    uint8_t type, cls, variation, flags;
    uint8_t status; /* command events: the control's status */
    uint8_t state;  /* enum dnp3i_ev_state, or WRITTEN + key */
} dnp3i_ev_t;

_Static_assert(sizeof(dnp3i_ev_t) <= 56, "event record grew");

#define DNP3I_SEL_POS(e) ((e)->by_key.prev) /* SELECTED: position in the selection */

struct dnp3_event_buffer {
    dnp3_db_t *db;
    dnp3_event_buffer_t *next_attached;
    dnp3_event_buffer_config_t cfg;

    uint32_t pool_size;
    dnp3i_ev_t *pool;
    uint32_t free_head;

    dnp3i_list_t class_list[DNP3I_NCLASS];
    dnp3i_list_t type_list[DNP3_EV_TYPE_COUNT_];
    dnp3i_list_t key_list[DNP3I_NKEYS];
    uint32_t class_held[DNP3I_NCLASS];
    uint32_t class_busy[DNP3I_NCLASS]; /* selected or written */
    uint32_t type_held[DNP3_EV_TYPE_COUNT_];

    /* Per point slot: its newest UNWRITTEN event or NIL (most-recent mode).
     * One slot more than the database has points: the slot of the command
     * events (DNP3I_SLOT_COMMAND), which are always kept in mode ALL, so
     * nothing reads it. */
    uint32_t *latest;
    /* Point slot of index 0 of each point type; command events all use
     * cmd_slot (the database's total_points). */
    uint32_t slot_base[DNP3_PT_COUNT_]; /* point slot of index 0 of each point type */
    uint32_t cmd_slot;

    uint32_t *selection; /* pool_size entries; NIL where a selected event left */
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
    uint32_t *scratch; /* pool_size entries: merging selections */

    uint16_t octet_size;
    uint32_t octet_slots;
    uint8_t *octets;
    uint32_t *octet_next; /* free list of octet slots */
    uint32_t octet_free;

    bool overflow;
    dnp3_event_buffer_counters_t counters;
};

/* Leaving reasons, for the counters. */
enum dnp3i_ev_exit { DNP3I_EXIT_CONFIRMED, DNP3I_EXIT_DISCARDED, DNP3I_EXIT_SUPERSEDED };

/* List primitives over the pool; `which` picks the link member. */
void dnp3i_ev_list_append(dnp3i_ev_t *pool, dnp3i_list_t *l, size_t link_off, uint32_t r);
void dnp3i_ev_list_unlink(dnp3i_ev_t *pool, dnp3i_list_t *l, size_t link_off, uint32_t r);

/* Point events: their point's slot in `latest`; command events have none
 * (they are always kept in mode ALL, so nothing supersedes them). */
static inline bool dnp3i_ev_has_slot(const dnp3i_ev_t *e)
{
    return e->type < DNP3_PT_COUNT_;
}

/* Take event r out of the buffer for the given reason (counted). */
void dnp3i_ev_remove(dnp3_event_buffer_t *b, uint32_t r, enum dnp3i_ev_exit why);

/* Move r to UNWRITTEN from SELECTED or WRITTEN (unlinks its key list). */
void dnp3i_ev_to_unwritten(dnp3_event_buffer_t *b, uint32_t r);

#endif
