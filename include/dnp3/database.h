/* dnp3c: the outstation database and its event buffers (IEEE 1815-2012:
 * the point types and their event rules are those of Annex A, group by group;
 * the IIN bits those of 4.2.2.7.2).
 *
 * A dnp3_db_t holds the current value, flags, time and settings of every
 * point. Updates from the application change those values and, by the rules
 * of the standard, produce events; each event gets the next number of one
 * global sequence (sequence-of-events order across all point types) and is
 * handed to every event buffer attached to the database (one buffer per
 * association, so several masters each see every event). The command events
 * an outstation records for each control it carried out (g13/g43,
 * dnp3_db_record_command_event) take their place in the same sequence.
 *
 * A dnp3_event_buffer_t holds the events of one association until that
 * master confirms the response that carried them:
 *
 *   select (class and type masks, max count; once per object header)
 *                                              -> events SELECTED, SOE order
 *   write  (n written into fragment seq S)     -> first n WRITTEN(S), rest back
 *   confirm(S)                                 -> WRITTEN(S) removed
 *   unwrite (confirm timeout, new or lost connection) -> WRITTEN back to unwritten
 *
 * An event leaves a buffer in exactly three ways, each counted per class and
 * point type: confirmed, discarded on overflow (IIN2.3, 4.2.2.7.2), or
 * superseded by a newer event of the same point in "most recent" mode.
 *
 * In use (error checks left out):
 *
 *   dnp3_db_config_t cfg;
 *   dnp3_db_config_default(&cfg);
 *   cfg.count[DNP3_PT_BINARY] = 10;
 *   cfg.count[DNP3_PT_ANALOG] = 10;
 *   cfg.defaults[DNP3_PT_ANALOG].event_class = DNP3_CLASS_2;
 *   cfg.defaults[DNP3_PT_ANALOG].deadband = 0.5;
 *   dnp3_db_new(&cfg, &db);
 *   dnp3_event_buffer_config_default(&bc);
 *   dnp3_event_buffer_new(db, &bc, &master1);      (one per association)
 *
 *   dnp3_db_begin(db);            (the application; utc_ms: ms since 1970 UTC)
 *   dnp3_db_update_binary(db, 3, true, DNP3_FLAG_ONLINE, utc_ms);
 *   dnp3_db_update_analog(db, 0, 231.7, DNP3_FLAG_ONLINE, utc_ms);
 *   dnp3_db_commit(db);
 *
 *   n = dnp3_event_buffer_select(master1, DNP3_CLASS_MASK_ALL,   (a class poll)
 *                                DNP3_TYPE_MASK_ALL, UINT32_MAX);
 *   for (i = 0; i < n; i++) dnp3_event_buffer_selected(master1, i, &ev) ... write objects
 *   dnp3_event_buffer_write(master1, fitted, seq, false);
 *   ... on CONFIRM with seq:   dnp3_event_buffer_confirm(master1, seq, false);
 *   ... on confirm timeout:    dnp3_event_buffer_unwrite(master1, seq, false);
 *
 * Everything is allocated by dnp3_db_new / dnp3_event_buffer_new from the
 * configuration; no other function allocates. Nothing here reads a clock,
 * does I/O or takes a lock: the runtime serialises calls (one loop thread);
 * a batch (dnp3_db_begin .. dnp3_db_commit) is what makes a group of updates
 * atomic for a reader. */
#ifndef DNP3_DATABASE_H
#define DNP3_DATABASE_H

#include "dnp3/objects.h" /* DNP3_FLAG_* */
#include "dnp3/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- point types ------------------------------------------------------------ */
typedef enum dnp3_point_type {
    DNP3_PT_BINARY = 0,     /* binary input: static g1, events g2 */
    DNP3_PT_DOUBLE_BIT,     /* double-bit binary input: g3, events g4 */
    DNP3_PT_BINARY_OUTPUT,  /* binary output status: g10, events g11 */
    DNP3_PT_COUNTER,        /* counter: g20, events g22 */
    DNP3_PT_FROZEN_COUNTER, /* frozen counter: g21, events g23 */
    DNP3_PT_ANALOG,         /* analog input: g30, events g32, deadband g34 */
    DNP3_PT_ANALOG_OUTPUT,  /* analog output status: g40, events g42 */
    DNP3_PT_OCTET_STRING,   /* octet string: g110, events g111 */
    DNP3_PT_COUNT_,         /* number of point types (not a type) */
    /* Event-only kinds: command events (Annex A groups 13 and 43), one per
     * control the outstation carried out, with the commanded state or value
     * and the status it answered. They have no points (dnp3_db_count is 0)
     * and come only from dnp3_db_record_command_event; in the event buffers
     * they are events like the others (one sequence of events, the same
     * select/write/confirm life cycle, capacities, overflow and counters). */
    DNP3_EV_BINARY_COMMAND = DNP3_PT_COUNT_, /* binary output command: events g13 */
    DNP3_EV_ANALOG_COMMAND,                  /* analog output command: events g43 */
    DNP3_EV_TYPE_COUNT_ /* number of event kinds: point types + command kinds */
} dnp3_point_type_t;

/* "binary", "double_bit", ..., "binary_output_command",
 * "analog_output_command"; NULL for an undefined type. */
DNP3_API const char *dnp3_point_type_name(dnp3_point_type_t type);

/* Static and event group of a point type (1 and 2 for DNP3_PT_BINARY, ...;
 * 0 and 13 / 43 for the command kinds); 0 for an undefined type. */
DNP3_API uint8_t dnp3_point_type_static_group(dnp3_point_type_t type);
DNP3_API uint8_t dnp3_point_type_event_group(dnp3_point_type_t type);

/* Event classes (4.2.2.7.2 IIN1.1-1.3; class 0 = static data only). */
#define DNP3_CLASS_NONE 0
#define DNP3_CLASS_1    1
#define DNP3_CLASS_2    2
#define DNP3_CLASS_3    3
/* Class masks for selection: bit (class - 1). */
#define DNP3_CLASS_MASK_1   0x01
#define DNP3_CLASS_MASK_2   0x02
#define DNP3_CLASS_MASK_3   0x04
#define DNP3_CLASS_MASK_ALL 0x07

/* Double-bit states (Annex A, group 3). */
#define DNP3_DBIT_INTERMEDIATE  0
#define DNP3_DBIT_OFF           1
#define DNP3_DBIT_ON            2
#define DNP3_DBIT_INDETERMINATE 3

/* Longest octet string (g110/g111: the variation is the length, 1..255). */
#define DNP3_OCTET_STRING_MAX 255

/* How a point's changes are kept in the event buffers (an outstation may
 * report every change of a point or only its latest value). */
typedef enum dnp3_event_mode {
    DNP3_EVENT_MODE_ALL = 0,    /* every change: a sequence of events */
    DNP3_EVENT_MODE_MOST_RECENT /* a new event replaces the point's earlier unwritten one */
} dnp3_event_mode_t;

/* Settings of one point. Variations are those of the static and event groups
 * of the point type (0 = the type's default variation in the database
 * config; for octet strings a variation of 0 means "the string's length").
 * Allowed: g1 v1-2 / g2 v1-3; g3 v1-2 / g4 v1-3; g10 v1-2 / g11 v1-2;
 * g20 v1,2,5,6 / g22 v1,2,5,6; g21 v1,2,5,6,9,10 / g23 v1,2,5,6;
 * g30 v1-6 / g32 v1-8; g40 v1-4 / g42 v1-8; g110 / g111 v0-255. */
typedef struct dnp3_point_config {
    uint8_t event_class; /* DNP3_CLASS_NONE: no events */
    uint8_t static_variation;
    uint8_t event_variation;
    uint8_t event_mode; /* dnp3_event_mode_t */
    /* Analog input, analog output status, counter (Annex A, group 34): an
     * event needs |new - last reported| > deadband; 0 = every change. Other
     * types ignore it. Must be >= 0 and not NaN. */
    double deadband;
} dnp3_point_config_t;

typedef struct dnp3_db_config {
    uint32_t count[DNP3_PT_COUNT_];                    /* points per type: indices 0..count-1 */
    dnp3_point_config_t defaults[DNP3_PT_COUNT_];      /* used for points without their own */
    const dnp3_point_config_t *points[DNP3_PT_COUNT_]; /* NULL, or count[type] settings */
    /* Bytes kept per octet string point and per octet string event (1..255). */
    uint16_t octet_string_size;
    /* Updates one batch can hold (dnp3_db_begin .. dnp3_db_commit), >= 1. */
    uint32_t batch_capacity;
} dnp3_db_config_t;

/* Defaults: no points; class 1, event mode ALL and deadband 0 for every
 * type; static variations with flags (g1v2, g3v2, g10v2, g20v1, g21v1,
 * g30v1, g40v1, g110 by length); event variations with absolute time for the
 * state types (g2v2, g4v2, g11v2: the time is what a sequence of events is
 * for) and without time for the others (g22v1, g23v1, g32v1, g42v1, g111
 * by length); octet_string_size 255; batch_capacity 256. */
DNP3_API void dnp3_db_config_default(dnp3_db_config_t *cfg);

typedef struct dnp3_db dnp3_db_t;
typedef struct dnp3_event_buffer dnp3_event_buffer_t;
typedef struct dnp3_event dnp3_event_t; /* below, with the event buffers */

/* Create a database from cfg (copied; cfg->points arrays are copied too).
 * Errors: DNP3_E_INVALID_ARG (NULL argument, a variation not allowed for its
 * type, a class above 3, an unknown event mode, a negative or NaN deadband,
 * octet_string_size 0 or above 255, batch_capacity 0), DNP3_E_NOMEM. */
DNP3_API int dnp3_db_new(const dnp3_db_config_t *cfg, dnp3_db_t **out);

/* Free the database. Buffers still attached are detached (they keep their
 * events and still need dnp3_event_buffer_free). NULL is ignored. */
DNP3_API void dnp3_db_free(dnp3_db_t *db);

/* Number of points of a type (0 for an undefined type). */
DNP3_API uint32_t dnp3_db_count(const dnp3_db_t *db, dnp3_point_type_t type);

/* ---- reading (the response builder) ----------------------------------------- */
typedef union dnp3_point_value {
    bool binary;        /* binary input, binary output status */
    uint8_t double_bit; /* DNP3_DBIT_* */
    uint32_t counter;   /* counter, frozen counter */
    double analog;      /* analog input, analog output status */
    struct {
        const uint8_t *data; /* valid until the next commit that changes this point */
        uint8_t len;
    } octets;
} dnp3_point_value_t;

/* A point as a response shows it. flags are the quality bits 0..6
 * (DNP3_FLAG_*); the state bits of g1/g3/g10 are in value. */
typedef struct dnp3_db_point {
    dnp3_point_type_t type;
    uint32_t index;
    dnp3_point_value_t value;
    uint8_t flags;
    dnp3_time_t time; /* of the last update */
    dnp3_point_config_t config;
} dnp3_db_point_t;

/* Read one point as of the last commit. Errors: DNP3_E_INVALID_ARG (NULL,
 * unknown type, index >= count). */
DNP3_API int dnp3_db_read(const dnp3_db_t *db, dnp3_point_type_t type, uint32_t index,
                          dnp3_db_point_t *out);

/* ---- updates ----------------------------------------------------------------- */
/* Every update takes the point's new value, its quality flags (bits 0..6,
 * DNP3_FLAG_*; bit 7 is ignored: the state lives in the value) and the time
 * at which the value was taken, which is also the time of the event it
 * makes. Outside a batch an update is applied at once; inside one it is
 * checked at once and applied at dnp3_db_commit.
 *
 * Event rules (IEEE 1815-2012 Annex A, per group): an event is made
 * when the point's class is not NONE and
 *  - binary, double-bit, binary output status: the state or the flags changed;
 *  - counter, analog input, analog output status: the flags changed or
 *    |new - last reported| > deadband (0: any change; counters compare modulo
 *    2^32, so a rollover from 0xFFFFFFFF to 0 is a change of 1);
 *  - frozen counter: every freeze (dnp3_db_freeze), or a change of value or
 *    flags through dnp3_db_update_frozen_counter;
 *  - octet string: the bytes, the length or the flags changed.
 * "last reported" is the value of the point's last event (the value at
 * creation, 0, before any), so a slow drift still reports once it adds up.
 *
 * Errors (all updates): DNP3_E_INVALID_ARG (NULL db, index >= count, a
 * time above DNP3_TIME_MAX (48 bits), a double-bit value above 3, octet length 0 or above
 * octet_string_size, NULL data with a length), DNP3_E_NOSPACE (the open batch is full: the update
 * is not recorded, the batch stays open). */
DNP3_API int dnp3_db_update_binary(dnp3_db_t *db, uint32_t index, bool value, uint8_t flags,
                                   dnp3_time_t time);
DNP3_API int dnp3_db_update_double_bit(dnp3_db_t *db, uint32_t index, uint8_t value, uint8_t flags,
                                       dnp3_time_t time);
DNP3_API int dnp3_db_update_binary_output(dnp3_db_t *db, uint32_t index, bool value, uint8_t flags,
                                          dnp3_time_t time);
DNP3_API int dnp3_db_update_counter(dnp3_db_t *db, uint32_t index, uint32_t value, uint8_t flags,
                                    dnp3_time_t time);
DNP3_API int dnp3_db_update_frozen_counter(dnp3_db_t *db, uint32_t index, uint32_t value,
                                           uint8_t flags, dnp3_time_t time);
DNP3_API int dnp3_db_update_analog(dnp3_db_t *db, uint32_t index, double value, uint8_t flags,
                                   dnp3_time_t time);
DNP3_API int dnp3_db_update_analog_output(dnp3_db_t *db, uint32_t index, double value,
                                          uint8_t flags, dnp3_time_t time);
DNP3_API int dnp3_db_update_octet_string(dnp3_db_t *db, uint32_t index, const uint8_t *data,
                                         size_t len, uint8_t flags, dnp3_time_t time);

/* Freeze counters start..stop (inclusive; stop is clipped to the last index
 * that has both a counter and a frozen counter): the frozen counter takes the
 * counter's value and flags and the given time, and makes a frozen counter
 * event (Annex A, group 21/23). With clear (FREEZE_CLEAR, Table 4-1) the counter
 * is then set to 0, which makes a counter event by the rules above. Inside a
 * batch it is applied at commit like an update. Returns the number of
 * counters frozen. Errors: DNP3_E_INVALID_ARG (NULL, start > stop, start
 * beyond the last frozen counter, time above DNP3_TIME_MAX), DNP3_E_NOSPACE (batch full). */
DNP3_API int dnp3_db_freeze(dnp3_db_t *db, uint32_t start, uint32_t stop, bool clear,
                            dnp3_time_t time);

/* Record a command event (Annex A groups 13 and 43): ev->type is
 * DNP3_EV_BINARY_COMMAND (value.binary: the commanded state, true = on /
 * close) or DNP3_EV_ANALOG_COMMAND (value.analog: the commanded value);
 * index is the output's index, event_class 1..3, variation the g13 (1..2)
 * or g43 (1..8) variation (0: g13v2 / g43v3, with time), status the
 * control status (0..127), time the time of execution; seq and flags are
 * ignored. The event takes the next number of the sequence of events and
 * goes to every attached buffer at once (in or out of a batch: it reports
 * what was executed, which is not a point value a batch holds back), since
 * every master of the outstation should see what it carried out, whichever
 * master asked. Returns 1 (the events made). Errors: DNP3_E_INVALID_ARG
 * (NULL, another type, class outside 1..3, a variation not allowed, a
 * status above 127, a time above DNP3_TIME_MAX). */
DNP3_API int dnp3_db_record_command_event(dnp3_db_t *db, const dnp3_event_t *ev);

/* ---- batches ----------------------------------------------------------------- */
/* Open a batch: the updates and freezes that follow are recorded, not
 * applied, until dnp3_db_commit applies them all in order in one step, so a
 * reader never sees part of a batch. Errors: DNP3_E_INVALID_ARG (NULL),
 * DNP3_E_STATE (a batch is already open). */
DNP3_API int dnp3_db_begin(dnp3_db_t *db);
/* Apply the open batch; returns the number of events made. Errors:
 * DNP3_E_INVALID_ARG (NULL), DNP3_E_STATE (no batch open). */
DNP3_API int dnp3_db_commit(dnp3_db_t *db);
/* Drop the open batch without applying anything. Errors as dnp3_db_commit. */
DNP3_API int dnp3_db_abort(dnp3_db_t *db);

/* ---- settings at run time ------------------------------------------------------ */
/* Deadband of an analog input, analog output status or counter (g34 read and
 * WRITE, Annex A group 34). Errors: DNP3_E_INVALID_ARG (NULL, index >=
 * count, a type without deadband, value < 0 or NaN). Takes effect at once
 * (settings are not part of batches). */
DNP3_API int dnp3_db_set_deadband(dnp3_db_t *db, dnp3_point_type_t type, uint32_t index,
                                  double deadband);
DNP3_API int dnp3_db_get_deadband(const dnp3_db_t *db, dnp3_point_type_t type, uint32_t index,
                                  double *out);

/* ASSIGN_CLASS (Table 4-1): points start..stop (inclusive) of a type move to
 * event_class. Events already buffered keep their class. Returns the number
 * of points changed. Errors: DNP3_E_INVALID_ARG (NULL, unknown type, class
 * above 3, start > stop, stop >= count). */
DNP3_API int dnp3_db_assign_class(dnp3_db_t *db, dnp3_point_type_t type, uint32_t start,
                                  uint32_t stop, uint8_t event_class);

/* Replace a point's settings. Errors as dnp3_db_new's for the settings, plus
 * DNP3_E_INVALID_ARG for an index >= count. */
DNP3_API int dnp3_db_configure_point(dnp3_db_t *db, dnp3_point_type_t type, uint32_t index,
                                     const dnp3_point_config_t *cfg);

typedef struct dnp3_db_counters {
    uint64_t updates;                     /* updates applied (inside and outside batches) */
    uint64_t rejected;                    /* update and freeze calls that returned an error */
    uint64_t batches;                     /* batches committed */
    uint64_t aborted;                     /* batches aborted */
    uint64_t freezes;                     /* counters frozen */
    uint64_t events[DNP3_EV_TYPE_COUNT_]; /* events made, per kind (each goes to every buffer) */
} dnp3_db_counters_t;

/* Copy the counters. Errors: DNP3_E_INVALID_ARG (NULL). */
DNP3_API int dnp3_db_counters(const dnp3_db_t *db, dnp3_db_counters_t *out);

/* ---- event buffers -------------------------------------------------------------- */
/* What a buffer does when an event arrives and its class or its type is at
 * capacity. Either way the IIN2.3 flag is set and each discarded event is
 * counted in `discarded`. */
typedef enum dnp3_overflow_policy {
    /* Default: remove the oldest event of the full class (then, if the type
     * is still full, the oldest of that type) and keep the new one: a master
     * sees the latest state. The removed event may already have been written
     * into an unconfirmed response; it is then no longer confirmed. */
    DNP3_OVERFLOW_DISCARD_OLDEST = 0,
    /* Keep what is buffered and discard the arriving event. */
    DNP3_OVERFLOW_DISCARD_NEWEST
} dnp3_overflow_policy_t;

typedef struct dnp3_event_buffer_config {
    uint32_t class_capacity[3];                  /* events of class 1, 2, 3 (0: none kept) */
    uint32_t type_capacity[DNP3_EV_TYPE_COUNT_]; /* per kind; 0 = no limit of its own */
    uint8_t overflow_policy;                     /* dnp3_overflow_policy_t */
    /* Keep every change even of points in most-recent mode: for an
     * association that records the full sequence of events (a historian)
     * beside masters that want only the latest. */
    bool every_change;
} dnp3_event_buffer_config_t;

/* Defaults: 100 events per class, no per-type limits, DISCARD_OLDEST, the
 * points' own event modes (every_change false). */
DNP3_API void dnp3_event_buffer_config_default(dnp3_event_buffer_config_t *cfg);

/* Most events one buffer holds (the sum of class capacities, lowered to
 * the sum of type capacities when every type has one). */
#define DNP3_EVENT_BUFFER_MAX_EVENTS (1u << 28)

/* Create a buffer and attach it to db: from then on every event db makes is
 * offered to it. Memory (dnp3_event_buffer_memory): about 1.5 KB, plus 36
 * bytes per event of capacity (the sum of class capacities, lowered to the
 * sum of type capacities when every type has one; 4 more when some point
 * type has a capacity of its own) and 2 bytes per point of db; above 65,534
 * events those entries are twice as wide (46 bytes per event, 54 with
 * point type capacities, and 4 per point); when db has octet string
 * points, octet_string_size + 4 bytes per event of capacity (of the octet
 * type's capacity when it has one). An event held while 2^30 - 2^20 newer
 * events were made is discarded as on overflow (a class never read): held
 * events are ordered by 32-bit sequence differences. Errors:
 * DNP3_E_INVALID_ARG (NULL argument, unknown policy), DNP3_E_CAPACITY (more
 * than DNP3_EVENT_BUFFER_MAX_EVENTS events), DNP3_E_STATE (a batch is open
 * on db), DNP3_E_NOMEM. */
DNP3_API int dnp3_event_buffer_new(dnp3_db_t *db, const dnp3_event_buffer_config_t *cfg,
                                   dnp3_event_buffer_t **out);
/* The bytes dnp3_event_buffer_new allocated for b (not the allocator's own
 * overhead); 0 for NULL. */
DNP3_API size_t dnp3_event_buffer_memory(const dnp3_event_buffer_t *b);
/* Detach from the database and free; the held events are dropped (counted
 * nowhere: the buffer and its counters are gone). NULL is ignored. */
DNP3_API void dnp3_event_buffer_free(dnp3_event_buffer_t *b);

/* One buffered event. */
struct dnp3_event {
    uint64_t seq; /* global sequence-of-events number (1, 2, ...), same in every buffer */
    dnp3_point_type_t type;
    uint32_t index;
    uint8_t event_class;      /* 1..3, as the point's class was when the event was made */
    uint8_t variation;        /* event variation of the point when the event was made */
    uint8_t flags;            /* quality bits 0..6 (0 for command events) */
    dnp3_time_t time;         /* the update's time (its 48 bits, 11.9.4: a buffer keeps no more) */
    dnp3_point_value_t value; /* octets point into the buffer: valid while the event is held;
                                 command events: binary (g13 commanded state: on/close) or
                                 analog (g43 commanded value) */
    uint8_t status;           /* command events: the control's status (0..127), else 0 */
};

/* Type masks for selection: bit dnp3_point_type_t, command kinds included
 * (READ g2v0 selects DNP3_TYPE_MASK(DNP3_PT_BINARY), g13v0
 * DNP3_TYPE_MASK(DNP3_EV_BINARY_COMMAND)). */
#define DNP3_TYPE_MASK(type) ((uint16_t)(1u << (type)))
#define DNP3_TYPE_MASK_ALL   ((uint16_t)((1u << DNP3_EV_TYPE_COUNT_) - 1u))

/* Add to the selection for a response: up to max more of the unwritten,
 * unselected events whose class is in class_mask and whose type is in
 * type_mask, oldest first. Selections add up (one call per object header of
 * a READ: g60v2 then g32v0 ...) until dnp3_event_buffer_write ends them; the
 * whole selection is kept in sequence-of-events order across types and
 * classes, so indices given by dnp3_event_buffer_selected are valid only
 * until the next select. Returns the number added. Cost: O(added + events
 * skipped on the walked lists (written or selected ones, or of another
 * type/class; a selection by type walks the class lists unless some point
 * type has a capacity of its own) + selection size when adding to an
 * earlier selection).
 * Errors: DNP3_E_INVALID_ARG (NULL). */
DNP3_API int dnp3_event_buffer_select(dnp3_event_buffer_t *b, uint8_t class_mask,
                                      uint16_t type_mask, uint32_t max);

/* Number of entries in the current selection (0 for NULL). */
DNP3_API uint32_t dnp3_event_buffer_selected_count(const dnp3_event_buffer_t *b);

/* The i-th selected event (0-based, SOE order). Errors: DNP3_E_INVALID_ARG
 * (NULL, i >= selected count), DNP3_E_STATE (that event has since left the
 * buffer through overflow: skip it). */
DNP3_API int dnp3_event_buffer_selected(const dnp3_event_buffer_t *b, uint32_t i,
                                        dnp3_event_t *out);

/* The first n selected events were written into the response fragment with
 * application sequence number seq (0..15; unsolicited tells the solicited and
 * unsolicited sequence spaces apart, 4.2.2.4): they become WRITTEN(seq);
 * the others return to unwritten; the selection ends (n = 0: nothing was
 * sent, e.g. the response was abandoned). Returns the number
 * marked written (selected events that left through overflow are not).
 * Errors: DNP3_E_INVALID_ARG (NULL, n above the selected count, seq > 15). */
DNP3_API int dnp3_event_buffer_write(dnp3_event_buffer_t *b, uint32_t n, uint8_t seq,
                                     bool unsolicited);

/* The master confirmed the response with seq: its written events leave the
 * buffer (counted as confirmed). Returns how many. A confirm that matches
 * nothing returns 0. Errors: DNP3_E_INVALID_ARG (NULL, seq > 15). */
DNP3_API int dnp3_event_buffer_confirm(dnp3_event_buffer_t *b, uint8_t seq, bool unsolicited);

/* Confirm timeout for the response with seq: its written events return to
 * unwritten (they keep their SOE position). Returns how many. Errors:
 * DNP3_E_INVALID_ARG (NULL, seq > 15). */
DNP3_API int dnp3_event_buffer_unwrite(dnp3_event_buffer_t *b, uint8_t seq, bool unsolicited);

/* New or lost connection: every written or selected event returns to
 * unwritten. Returns how many. Errors: DNP3_E_INVALID_ARG (NULL). */
DNP3_API int dnp3_event_buffer_unwrite_all(dnp3_event_buffer_t *b);

/* Events held of one class (1..3): all of them, or only those neither
 * written nor selected (IIN1.1-1.3 report the class has data to send). 0 for
 * NULL or a class outside 1..3. */
DNP3_API uint32_t dnp3_event_buffer_count(const dnp3_event_buffer_t *b, uint8_t event_class,
                                          bool unwritten_only);

/* IIN2.3 EVENT_BUFFER_OVERFLOW (4.2.2.7.2): true once an event was discarded
 * since the last clear. The session clears it (dnp3_event_buffer_clear_overflow)
 * when the master has read the events; the counters keep the totals. */
DNP3_API bool dnp3_event_buffer_overflow(const dnp3_event_buffer_t *b);
DNP3_API void dnp3_event_buffer_clear_overflow(dnp3_event_buffer_t *b);

/* Per class (index 0..2 = class 1..3) and point type. For every cell,
 * added == confirmed + held + discarded + superseded at all times. */
typedef struct dnp3_event_buffer_counters {
    uint64_t added[3][DNP3_EV_TYPE_COUNT_];      /* events offered to this buffer */
    uint64_t confirmed[3][DNP3_EV_TYPE_COUNT_];  /* removed by a confirm */
    uint64_t discarded[3][DNP3_EV_TYPE_COUNT_];  /* lost to overflow (either policy) */
    uint64_t superseded[3][DNP3_EV_TYPE_COUNT_]; /* replaced in most-recent mode */
    uint64_t held[3][DNP3_EV_TYPE_COUNT_];       /* in the buffer now */
    uint64_t written;                            /* events marked written (a resend counts again) */
    uint64_t returned;                           /* written events returned to unwritten */
    uint64_t overflows;                          /* arrivals that found their class or type full */
} dnp3_event_buffer_counters_t;

/* Copy the counters. Errors: DNP3_E_INVALID_ARG (NULL). */
DNP3_API int dnp3_event_buffer_counters(const dnp3_event_buffer_t *b,
                                        dnp3_event_buffer_counters_t *out);

#ifdef __cplusplus
}
#endif
#endif
