/* dnp3c: the master association — the SCADA side of one (master address,
 * outstation address) pair, as a sans-IO state machine.
 *
 * An association keeps one outstation's data current and carries the
 * operator's commands. It speaks whole application fragments (IEEE
 * 1815-2012 clause 4) through dnp3_app_session_ops_t (dnp3/mux.h): the mux
 * joins it with the connection's channel (link + transport); a multi-drop
 * master puts several associations on one mux. It never reads a clock: the
 * monotonic time comes in as `now` on every call, and the UTC time that time
 * synchronisation writes comes from the utc_now callback (or from the anchor
 * given to dnp3_master_assoc_set_utc).
 *
 * What it does:
 *   - start-up when the link comes up: DISABLE_UNSOLICITED, integrity poll (class 1, 2, 3, 0),
 *     ENABLE_UNSOLICITED for the configured classes;
 *   - reactions to the outstation's IIN (4.2.2.7.2): DEVICE_RESTART ->
 *     write g80v1 index 7 = 0 then an integrity poll; NEED_TIME -> time sync
 *     (when configured); EVENT_BUFFER_OVERFLOW -> integrity poll; class
 *     1/2/3 events -> an event poll (configurable per class);
 *   - scheduled scans (integrity, class 1/2/3, range scans) and a priority
 *     task queue: one request outstanding at a time; commands run first;
 *   - responses: multi-fragment (FIR/FIN, sequence checked), CON answered
 *     with an application confirm, unsolicited responses confirmed; a
 *     repeated unsolicited fragment (same sequence, same bytes: our confirm
 *     was lost) is confirmed again but not delivered twice;
 *   - every measurement handed to on_measurement in response order;
 *   - commands: SELECT/OPERATE, DIRECT_OPERATE, DIRECT_OPERATE_NR for g12v1
 *     CROB and g41v1-v4 analog outputs; a control is NEVER retried after a
 *     timeout (the outstation may have carried it out); polls are;
 *   - LAN and non-LAN time synchronisation, restarts, freezes,
 *     ASSIGN_CLASS, g34 deadbands, device attributes (g0) and any request
 *     with caller-built object headers;
 *   - health: on_state at every change; when communication is lost, the
 *     points seen so far are re-reported with COMM_LOST (or as stale).
 *
 * Usage (the runtime glue does this for a TCP connection):
 *     dnp3_master_config_t cfg;
 *     dnp3_master_config_default(&cfg);
 *     cfg.outstation_address = 10;
 *     cfg.class_period_ms[0] = 1000;
 *     dnp3_master_callbacks_t cb = {.on_measurement = print_point, .utc_now = my_utc};
 *     dnp3_master_assoc_t *a;
 *     dnp3_master_assoc_new(&cfg, &cb, me, &a);
 *     dnp3_app_session_t s;
 *     dnp3_master_assoc_app_session(a, &s);   // add s to the connection's mux
 *     ...
 *     int id = dnp3_master_assoc_operate(a, now, DNP3_COMMAND_SELECT_OPERATE, pts, 1);
 *
 * Threading: none; call everything from one thread (the runtime's loop).
 * Callbacks run inside the call that caused them (on_fragment, on_timer,
 * on_link_event, take_fragment or a command function); they may queue new
 * tasks (dnp3_master_assoc_* functions) but must not free the association. */
#ifndef DNP3_MASTER_H
#define DNP3_MASTER_H

#include "dnp3/app.h"
#include "dnp3/format.h"
#include "dnp3/mux.h"
#include "dnp3/objects.h"
#include "dnp3/runtime.h" /* dnp3_log_level_t only: the core does no I/O */
#include "dnp3/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- measurements ------------------------------------------------------- */

/* What a received measurement is (the kind, independent of the variation). */
typedef enum dnp3_meas_type {
    DNP3_MEAS_BINARY_INPUT = 0,            /* g1, g2 */
    DNP3_MEAS_DOUBLE_BIT_INPUT,            /* g3, g4 */
    DNP3_MEAS_BINARY_OUTPUT_STATUS,        /* g10, g11 */
    DNP3_MEAS_BINARY_OUTPUT_COMMAND_EVENT, /* g13 */
    DNP3_MEAS_COUNTER,                     /* g20, g22 */
    DNP3_MEAS_FROZEN_COUNTER,              /* g21, g23 */
    DNP3_MEAS_ANALOG_INPUT,                /* g30, g32 */
    DNP3_MEAS_ANALOG_OUTPUT_STATUS,        /* g40, g42 */
    DNP3_MEAS_ANALOG_OUTPUT_COMMAND_EVENT, /* g43 */
    DNP3_MEAS_OCTET_STRING,                /* g110, g111 */
    DNP3_MEAS_COUNT_                       /* number of types (not a type) */
} dnp3_meas_type_t;

/* "binary_input", "double_bit_input", "binary_output_status",
 * "binary_output_command_event", "counter", "frozen_counter",
 * "analog_input", "analog_output_status", "analog_output_command_event",
 * "octet_string"; NULL for an undefined type. */
DNP3_API const char *dnp3_meas_type_name(dnp3_meas_type_t type);

/* One measurement, valid during the callback only. */
typedef struct dnp3_measurement {
    dnp3_meas_type_t type;
    uint8_t group, variation; /* as received (the last received, for comm-lost reports) */
    uint32_t index;
    /* Binary: 0/1; double-bit: 0..3 (0 intermediate, 1 off, 2 on, 3
     * indeterminate); counters and integer analogs: exact (every u32 and
     * i32 fits a double); float analogs: as sent; command events: the
     * commanded state or value. Unused for octet strings. */
    double value;
    bool is_float;        /* a float variation (g30v5, g32v7, g43v7, ...) */
    const uint8_t *bytes; /* octet string: its bytes (NULL, len 0 in comm-lost reports) */
    size_t len;
    /* Quality (Annex A, per group: DNP3_FLAG_*). Variations without a flags
     * byte (g1v1, g10v1, packed g3v1, g20v5, g30v3, ...) get ONLINE plus the
     * state bit(s) here, and has_flags false. */
    uint8_t flags;
    bool has_flags;
    uint8_t status; /* command events (g13, g43): the command status */
    bool has_time;
    dnp3_time_t time; /* ms since 1970 UTC; CTO-relative times resolved */
    bool event;       /* from an event object (g2, g4, g11, g13, g22, ...) */
    bool unsol;       /* from an unsolicited response */
    bool stale;       /* a comm-lost re-report, not received (see comm_lost_mode) */
} dnp3_measurement_t;

/* ---- scans and configuration -------------------------------------------- */

/* A periodic read of part of one group, e.g. g30 (variation 0 = any)
 * indexes 0-9 every 10 s. */
typedef struct dnp3_master_range_scan {
    uint8_t group, variation;
    uint32_t start, stop; /* inclusive; written with the narrowest 0x00/0x01/0x02 qualifier */
    uint32_t period_ms;   /* 0: never (only on demand) */
} dnp3_master_range_scan_t;

typedef enum dnp3_time_sync_mode {
    DNP3_TIME_SYNC_NONE = 0,
    DNP3_TIME_SYNC_LAN = 1,    /* RECORD_CURRENT_TIME, then WRITE g50v3 (LAN procedure) */
    DNP3_TIME_SYNC_NON_LAN = 2 /* DELAY_MEASURE, then WRITE g50v1 corrected for the delay */
} dnp3_time_sync_mode_t;

/* What the master does to the points it has seen when communication is lost. */
typedef enum dnp3_comm_lost_mode {
    DNP3_COMM_LOST_NONE = 0, /* nothing: only on_state reports the loss */
    DNP3_COMM_LOST_FLAG = 1, /* re-report each with COMM_LOST set and ONLINE cleared */
    DNP3_COMM_LOST_STALE = 2 /* re-report each unchanged with stale = true */
} dnp3_comm_lost_mode_t;

/* Class bits for the masks below (class 1, 2, 3; class 0 = static data). */
#define DNP3_MASTER_CLASS_1   0x01
#define DNP3_MASTER_CLASS_2   0x02
#define DNP3_MASTER_CLASS_3   0x04
#define DNP3_MASTER_CLASS_0   0x08
#define DNP3_MASTER_CLASS_ALL 0x0F

typedef struct dnp3_master_config {
    uint16_t master_address;      /* ours; default 1 */
    uint16_t outstation_address;  /* default 10 */
    uint32_t response_timeout_ms; /* for each response fragment; default 5000 */
    uint32_t task_retry_ms;       /* first retry of a failed safe task; default 5000 */
    uint32_t task_retry_max_ms;   /* the retry delay doubles up to this; default 60000 */
    uint32_t integrity_period_ms; /* 0: only at start-up and on IIN; default 0 */
    uint32_t class_period_ms[3];  /* class 1, 2, 3 event polls; 0: none; default 0 */
    const dnp3_master_range_scan_t *range_scans; /* copied by _new */
    size_t n_range_scans;

    /* Start-up (after DNP3_LINK_UP). The link reset is the channel's
     * business (dnp3/channel.h); the flag is here so one configuration
     * describes the association; the glue reads it. Default false. */
    bool startup_link_reset;
    bool startup_disable_unsolicited; /* DISABLE_UNSOLICITED class 1-3 first; default true */
    bool startup_integrity_poll;      /* default true */
    uint8_t unsolicited_classes;      /* DNP3_MASTER_CLASS_1..3 to ENABLE_UNSOLICITED; default 0 */

    /* IIN reactions (4.2.2.7.2). */
    bool clear_restart;         /* IIN1.7: write g80v1 index 7 = 0, then integrity; default true */
    bool integrity_on_overflow; /* IIN2.3: integrity poll; default true */
    /* A fragment that asks for a confirm, unsolicited or a non-final
     * fragment of a read's response (integrity, event poll, range scan):
     * confirm first, deliver its measurements at the next
     * dnp3_master_assoc_on_timer (due at once: next_deadline is now), so the
     * confirm leaves before the application's callbacks run and the
     * outstation prepares its next fragment meanwhile (it waits for the
     * confirm: 4.6.2, 4.2.2.4.3). The fragment is validated whole before
     * the confirm either way, and a pending delivery is made before any
     * later fragment, timer or link event is handled, so the order of
     * callbacks is the same. Costs one fragment buffer (max_rx_fragment)
     * more. Default false (delivered inside dnp3_master_assoc_on_fragment). */
    bool confirm_first;
    /* IIN1.1-1.3 -> read those classes; default CLASS_1|2|3. Not the
     * classes this master enabled for unsolicited reporting on the link
     * (their events come unsolicited), until a DISABLE_UNSOLICITED of the
     * class, a DEVICE_RESTART or a link down. */
    uint8_t event_poll_on_iin;
    dnp3_time_sync_mode_t time_sync_on_need_time; /* IIN1.4; default NONE */

    /* Commands. An OPERATE must reach the outstation within its select
     * timeout; a SELECT response arriving later than this after the SELECT
     * was sent fails the command (DNP3_MASTER_TIMEOUT) instead. Default 5000. */
    uint32_t select_timeout_ms;
    uint16_t max_command_points; /* points in one command; default 32 */
    uint16_t max_queued_tasks;   /* user tasks waiting (not counting scans); default 16 */
    /* Bytes of object data held for queued commands, deadband writes and
     * caller-built requests; default 4096 (at most UINT32_MAX). */
    size_t max_queued_bytes;
    /* Where queued tasks and their object bytes are kept, and requests are
     * built. NULL (default): a pool of the association's own, allocated by
     * _new with max_queued_tasks slots, max_queued_bytes bytes and a
     * max_tx_fragment scratch (about 7.6 KB with the defaults). Else a
     * pool shared with other associations (dnp3_master_pool_new), which
     * must outlive them: max_queued_tasks and max_queued_bytes still cap
     * this association, and a task the pool has no room for is refused
     * with DNP3_E_POOL_EXHAUSTED (counted in pool_exhausted, logged at
     * WARN). max_tx_fragment must not exceed the pool's. */
    struct dnp3_master_pool *pool;

    /* Health. */
    dnp3_comm_lost_mode_t comm_lost_mode; /* default DNP3_COMM_LOST_FLAG */
    /* Points remembered for comm-lost reports: cells of 12 bytes,
     * allocated by _new (size it to the outstation's point count; nothing
     * is allocated under DNP3_COMM_LOST_NONE). A point takes one cell; one
     * whose value is a 64-bit float that no 32-bit float equals takes two
     * (every value is re-reported bit for bit). Points beyond it are not
     * re-reported (counted in untracked_points, logged once at WARN).
     * Default 256 (3 KB). */
    uint32_t comm_lost_max_points;

    size_t max_rx_fragment;     /* largest response accepted; default 2048 */
    size_t max_tx_fragment;     /* largest request written; default 2048 */
    dnp3_log_level_t log_level; /* on_log receives messages up to this level; default INFO */
    /* Protocol trace: each fragment sent and received formatted at this
     * level (dnp3/format.h), one on_log line (INFO) per text line, "TX " or
     * "RX " first. Default DNP3_APP_DECODE_NOTHING (thousands of
     * associations would flood a log). */
    dnp3_app_decode_t decode;
} dnp3_master_config_t;

/* Fill cfg with the defaults above. */
DNP3_API void dnp3_master_config_default(dnp3_master_config_t *cfg);

/* ---- results ------------------------------------------------------------ */

typedef enum dnp3_master_result {
    DNP3_MASTER_SUCCESS = 0,
    DNP3_MASTER_REFUSED,         /* command: a point's status is not SUCCESS (see statuses) */
    DNP3_MASTER_TIMEOUT,         /* no (complete) response within response_timeout_ms */
    DNP3_MASTER_RESPONSE_ERROR,  /* malformed or unexpected response (e.g. objects not echoed) */
    DNP3_MASTER_SELECT_MISMATCH, /* SELECT response objects differ from the request: no OPERATE */
    DNP3_MASTER_IIN2_ERROR,      /* IIN2.0-2.2 set: function, object or parameter refused */
    DNP3_MASTER_SENT,      /* DIRECT_OPERATE_NR / *_NR: handed to the link, nothing more known */
    DNP3_MASTER_LINK_DOWN, /* the link went down (a control sent may or may not have run) */
    DNP3_MASTER_TX_FAILED, /* the link could not send the request */
    DNP3_MASTER_NO_CLOCK,  /* time sync without utc_now or a UTC anchor */
    DNP3_MASTER_CANCELLED  /* removed by dnp3_master_assoc_free */
} dnp3_master_result_t;

/* "SUCCESS", "REFUSED", "TIMEOUT", ...; NULL for an undefined value. */
DNP3_API const char *dnp3_master_result_name(dnp3_master_result_t r);

/* The kind of task a result is for. */
typedef enum dnp3_task_kind {
    DNP3_TASK_INTEGRITY = 0,   /* READ class 1, 2, 3, 0 */
    DNP3_TASK_EVENT_POLL,      /* READ of event classes (scheduled or on IIN) */
    DNP3_TASK_RANGE_SCAN,      /* READ of a configured or on-demand range */
    DNP3_TASK_DISABLE_UNSOL,   /* DISABLE_UNSOLICITED */
    DNP3_TASK_ENABLE_UNSOL,    /* ENABLE_UNSOLICITED */
    DNP3_TASK_CLEAR_RESTART,   /* WRITE g80v1 index 7 = 0 */
    DNP3_TASK_TIME_SYNC,       /* LAN or non-LAN */
    DNP3_TASK_RESTART,         /* COLD_RESTART / WARM_RESTART */
    DNP3_TASK_FREEZE,          /* IMMED_FREEZE(_NR), FREEZE_CLEAR(_NR) */
    DNP3_TASK_ASSIGN_CLASS,    /* ASSIGN_CLASS */
    DNP3_TASK_WRITE_DEADBANDS, /* WRITE g34 */
    DNP3_TASK_ATTRIBUTES,      /* READ g0 */
    DNP3_TASK_COMMAND,         /* SELECT/OPERATE, DIRECT_OPERATE(_NR): see on_command_done */
    DNP3_TASK_REQUEST,         /* caller-built request */
    DNP3_TASK_KIND_COUNT_
} dnp3_task_kind_t;

/* "integrity", "event_poll", "range_scan", "disable_unsol", ...; NULL if undefined. */
DNP3_API const char *dnp3_task_kind_name(dnp3_task_kind_t kind);

typedef struct dnp3_task_result {
    uint32_t id; /* as returned by the function that queued it; 0 for automatic tasks */
    dnp3_task_kind_t kind;
    dnp3_master_result_t result;
    bool
        will_retry; /* a failed safe task (poll, sync, ...) is queued again after the retry delay */
    uint16_t iin;   /* of the last response (0 if none) */
    uint32_t delay_ms; /* RESTART: the outstation's g52 delay; TIME_SYNC non-LAN: the measured
                          one-way delay; else 0 */
} dnp3_task_result_t;

/* ---- commands ------------------------------------------------------------ */

typedef enum dnp3_command_mode {
    DNP3_COMMAND_SELECT_OPERATE = 0, /* SELECT, check the echo, OPERATE */
    DNP3_COMMAND_DIRECT = 1,         /* DIRECT_OPERATE */
    DNP3_COMMAND_DIRECT_NO_ACK = 2   /* DIRECT_OPERATE_NR: no response (result SENT) */
} dnp3_command_mode_t;

/* One point of a command. Consecutive points of the same group and
 * variation go in one object header (index prefix 0x17 or 0x28). */
typedef struct dnp3_command_point {
    uint8_t group; /* 12 (CROB, variation 1) or 41 (analog output, variation 1-4) */
    uint8_t variation;
    uint32_t index;
    /* g12v1: control code (DNP3_CROB_* op | TCC bits), count, on and off times. */
    uint8_t code, count;
    uint32_t on_ms, off_ms;
    /* g41: the value (v1 i32, v2 i16, v3 f32, v4 f64; range checked). */
    double value;
} dnp3_command_point_t;

typedef struct dnp3_command_result {
    uint32_t id;
    dnp3_command_mode_t mode;
    dnp3_master_result_t result;
    uint16_t iin;
    /* Per-point status from the (OPERATE / DIRECT_OPERATE) response, in
     * request order; n is 0 when no response gave statuses. */
    const uint8_t *statuses; /* enum dnp3_command_status */
    size_t n;
} dnp3_command_result_t;

/* ---- health ------------------------------------------------------------- */

typedef enum dnp3_master_state {
    DNP3_MASTER_IDLE = 0,   /* created; no connection yet */
    DNP3_MASTER_CONNECTING, /* the glue is connecting (dnp3_master_assoc_on_connecting) */
    DNP3_MASTER_CONNECTED,  /* link up, start-up sequence running */
    DNP3_MASTER_POLLING,    /* start-up done, responses arriving */
    DNP3_MASTER_FAILED      /* see the reason */
} dnp3_master_state_t;

typedef enum dnp3_master_reason {
    DNP3_MASTER_REASON_NONE = 0,
    DNP3_MASTER_REASON_CONNECT_FAILED,   /* error holds the DNP3_E_* code from the glue */
    DNP3_MASTER_REASON_LINK_DOWN,        /* the connection closed */
    DNP3_MASTER_REASON_RESPONSE_TIMEOUT, /* the outstation stopped answering */
    DNP3_MASTER_REASON_BAD_RESPONSE      /* the outstation's responses could not be used */
} dnp3_master_reason_t;

/* "idle", "connecting", "connected", "polling", "failed"; NULL if undefined. */
DNP3_API const char *dnp3_master_state_name(dnp3_master_state_t s);
/* "none", "connect_failed", "link_down", "response_timeout", "bad_response". */
DNP3_API const char *dnp3_master_reason_name(dnp3_master_reason_t r);

typedef struct dnp3_master_health {
    dnp3_master_state_t state;
    dnp3_master_reason_t reason; /* why FAILED; NONE otherwise */
    int error;                   /* CONNECT_FAILED: DNP3_E_*; else 0 */
} dnp3_master_health_t;

/* ---- callbacks ------------------------------------------------------------ */

/* About the fragment whose measurements follow (on_fragment_begin/_end). */
typedef struct dnp3_master_rx_info {
    bool unsol;
    uint8_t seq;
    uint8_t control; /* FIR/FIN/CON/UNS bits as received */
    uint16_t iin;
    uint32_t task_id;      /* the task this solicited response answers (0: automatic or unsol) */
    dnp3_task_kind_t kind; /* of that task (DNP3_TASK_KIND_COUNT_ for unsolicited) */
} dnp3_master_rx_info_t;

typedef struct dnp3_master_callbacks {
    /* Every measurement in response order. */
    void (*on_measurement)(void *ctx, const dnp3_measurement_t *m);
    /* Around the measurements of one response fragment (to batch them);
     * also around a comm-lost re-report (info->seq 0, iin 0). */
    void (*on_fragment_begin)(void *ctx, const dnp3_master_rx_info_t *info);
    void (*on_fragment_end)(void *ctx, const dnp3_master_rx_info_t *info);
    /* Objects that are not measurements (g0 attributes, g50/g52 times, g12
     * and g41 echoes, ...), as the codec decoded them. */
    void (*on_object)(void *ctx, const dnp3_master_rx_info_t *info, const dnp3_point_t *pt);
    /* The outstation's IIN changed (first response after link up: old = 0). */
    void (*on_iin)(void *ctx, uint16_t old_iin, uint16_t new_iin);
    void (*on_state)(void *ctx, const dnp3_master_health_t *h);
    void (*on_command_done)(void *ctx, const dnp3_command_result_t *r);
    /* Every task other than commands, automatic ones included (id 0). */
    void (*on_task_done)(void *ctx, const dnp3_task_result_t *r);
    /* A caller-built request's response fragment, raw (valid during the call). */
    void (*on_response)(void *ctx, uint32_t task_id, const uint8_t *frag, size_t len);
    void (*on_log)(void *ctx, dnp3_log_level_t level, const char *msg);
    /* UTC now (ms since 1970) at monotonic `now`, for time sync. NULL: use
     * the anchor of dnp3_master_assoc_set_utc. */
    dnp3_time_t (*utc_now)(void *ctx, dnp3_timestamp_t now);
} dnp3_master_callbacks_t;

/* ---- a pool of queued tasks shared by associations ------------------------
 *
 * Each association needs room for the tasks its caller queues (commands,
 * polls on demand, deadband writes, caller-built requests: a slot each,
 * plus their object bytes) and a scratch where requests are built. A
 * master process with thousands of associations that seldom queue
 * anything can give them one pool (dnp3_master_config_t.pool) instead of
 * one each: its size is chosen for the whole process, each association
 * keeping its own caps. The scratch is used only inside the call that
 * needs it, so one serves all. Scheduled and automatic polls take no
 * slot. Threading: the associations sharing a pool run on one thread (a
 * runtime's loop). */

typedef struct dnp3_master_pool dnp3_master_pool_t;

typedef struct dnp3_master_pool_config {
    uint32_t max_tasks;     /* task slots for all the associations (56 bytes each); default 1024 */
    size_t max_bytes;       /* object bytes for all (at most UINT32_MAX); default 65536 */
    size_t max_tx_fragment; /* the scratch: the largest max_tx_fragment of its associations
                               (249..65535); default 2048 */
} dnp3_master_pool_config_t;

/* Fill cfg with the defaults above (125,008 bytes on x86-64). */
DNP3_API void dnp3_master_pool_config_default(dnp3_master_pool_config_t *cfg);
/* Allocate the pool (one block). Errors: DNP3_E_INVALID_ARG (NULL, max_tasks
 * 0 or above 0x7FFFFFFF, max_bytes above UINT32_MAX, max_tx_fragment out of
 * range), DNP3_E_NOMEM. */
DNP3_API int dnp3_master_pool_new(const dnp3_master_pool_config_t *cfg, dnp3_master_pool_t **out);
/* The bytes dnp3_master_pool_new allocated; 0 for NULL. */
DNP3_API size_t dnp3_master_pool_memory(const dnp3_master_pool_t *p);

typedef struct dnp3_master_pool_usage {
    uint32_t tasks;        /* slots in use */
    size_t bytes;          /* object bytes in use */
    uint32_t associations; /* associations created with it and not yet freed */
} dnp3_master_pool_usage_t;

/* What is in use now. Errors: DNP3_E_INVALID_ARG. */
DNP3_API int dnp3_master_pool_usage(const dnp3_master_pool_t *p, dnp3_master_pool_usage_t *out);
/* Free the pool, after every association created with it was freed. NULL
 * is ignored. */
DNP3_API void dnp3_master_pool_free(dnp3_master_pool_t *p);

/* ---- the association ------------------------------------------------------ */

typedef struct dnp3_master_assoc dnp3_master_assoc_t;

/* Create an association: copies cfg (and its range scans) and callbacks
 * (NULL callbacks = none), allocates every buffer it will use. Memory
 * (dnp3_master_assoc_memory): about 0.8 KB + max_command_points + 12 bytes
 * per comm-lost cell + 40 per range scan, and, without a shared pool
 * (cfg.pool), its own pool: 56 bytes per queued task + max_queued_bytes +
 * max_tx_fragment (scratch). About 11 KB with the defaults, 7.9 KB with
 * comm_lost_max_points 0, 2 KB with a shared pool and 100 comm-lost cells (a repeated
 * unsolicited fragment is recognised by its length and hash, not a copy).
 * Errors: DNP3_E_INVALID_ARG (NULL cfg/out, equal addresses, an address
 * above 0xFFEF, max_tx_fragment below 249 or above 65535 or above the
 * shared pool's, max_rx_fragment below 4, response_timeout_ms,
 * max_command_points or max_queued_tasks 0, max_queued_bytes above
 * UINT32_MAX, a range scan with stop < start or group 0, n_range_scans
 * without range_scans, an undefined comm_lost_mode or
 * time_sync_on_need_time), DNP3_E_NOMEM. */
DNP3_API int dnp3_master_assoc_new(const dnp3_master_config_t *cfg,
                                   const dnp3_master_callbacks_t *callbacks, void *ctx,
                                   dnp3_master_assoc_t **out);
/* The bytes _new allocated for a (the association and every table sized
 * from its configuration, its own pool included, a shared pool not; not
 * the allocator's own overhead); 0 for NULL. */
DNP3_API size_t dnp3_master_assoc_memory(const dnp3_master_assoc_t *a);
/* Queued and outstanding tasks complete with CANCELLED; NULL is ignored. */
DNP3_API void dnp3_master_assoc_free(dnp3_master_assoc_t *a);

/* Fill *session (ops, a, local = master address, remote = outstation
 * address) for the mux. Errors: DNP3_E_INVALID_ARG. */
DNP3_API int dnp3_master_assoc_app_session(dnp3_master_assoc_t *a, dnp3_app_session_t *session);

/* What the connection under the association carried, for the response
 * timeout's diagnostic: a host that sees the connection (the master
 * channel of dnp3/master_client.h installs one) tells the association
 * whether not one byte came back on it since it opened. An outstation that
 * is slow sends something; a request to a link address nobody has, or to
 * an outstation that refuses this master address, gets silence (9.2.5:
 * frames for another destination are discarded unanswered).
 * silent(ctx, &bytes_out): true when the current connection has received
 * nothing since it opened, *bytes_out then the bytes it sent; false when
 * something came back or there is no connection. It must stay valid while
 * the association is driven (NULL removes it). Errors: DNP3_E_INVALID_ARG
 * (a NULL). */
DNP3_API int dnp3_master_assoc_set_traffic_probe(dnp3_master_assoc_t *a,
                                                 bool (*silent)(void *ctx, uint64_t *bytes_out),
                                                 void *ctx);
/* The hint a response timeout adds when the probe says nothing came back:
 * "nothing at all came back on this connection (24 bytes sent, 0 received
 * since it opened): check that the outstation's link address is 11 and
 * that it accepts master address 1", written (truncated, NUL-terminated)
 * into buf; buf gets "" when there is no probe or something came back.
 * Meant for an on_task_done / on_command_done reporting
 * DNP3_MASTER_TIMEOUT, when the connection is still the one that was
 * silent. Returns the length written, 0 for none or a NULL. */
DNP3_API size_t dnp3_master_assoc_silence_hint(const dnp3_master_assoc_t *a, char *buf, size_t cap);

/* The session operations, callable directly (tests, the fuzz target). */
DNP3_API void dnp3_master_assoc_on_fragment(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                                            uint16_t src, uint16_t dst, const uint8_t *data,
                                            size_t len);
/* The next request or confirm to send (0: nothing now). cap should be at
 * least max_tx_fragment; a smaller buffer gets 0 and the fragment waits. */
DNP3_API size_t dnp3_master_assoc_take_fragment(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                                                uint8_t *buf, size_t cap, uint16_t *dst,
                                                bool *confirmed);
DNP3_API bool dnp3_master_assoc_want_send(const dnp3_master_assoc_t *a);
DNP3_API dnp3_timestamp_t dnp3_master_assoc_next_deadline(const dnp3_master_assoc_t *a);
DNP3_API void dnp3_master_assoc_on_timer(dnp3_master_assoc_t *a, dnp3_timestamp_t now);
DNP3_API void dnp3_master_assoc_on_link_event(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                                              dnp3_link_state_event_t ev);

/* Connection progress from the runtime glue (health only): the glue is
 * connecting; or the attempt failed with a DNP3_E_* code (state FAILED,
 * reason CONNECT_FAILED). */
DNP3_API void dnp3_master_assoc_on_connecting(dnp3_master_assoc_t *a, dnp3_timestamp_t now);
DNP3_API void dnp3_master_assoc_on_connect_failed(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                                                  int error);

/* UTC anchor for time sync when utc_now is NULL: `utc` was the UTC time at
 * monotonic `mono`; later UTC = utc + (now - mono). */
DNP3_API void dnp3_master_assoc_set_utc(dnp3_master_assoc_t *a, dnp3_timestamp_t mono,
                                        dnp3_time_t utc);

DNP3_API dnp3_master_health_t dnp3_master_assoc_health(const dnp3_master_assoc_t *a);
/* The last IIN received (0 before any response). */
DNP3_API uint16_t dnp3_master_assoc_iin(const dnp3_master_assoc_t *a);
/* The association's configuration as _new copied it (range_scans pointing
 * at the association's copy), for the glue (startup_link_reset, the
 * addresses); NULL for NULL. */
DNP3_API const dnp3_master_config_t *dnp3_master_assoc_config(const dnp3_master_assoc_t *a);

/* ---- tasks -----------------------------------------------------------------
 * Each returns the task id (> 0), reported back in on_task_done /
 * on_command_done, or a negative error: DNP3_E_INVALID_ARG, DNP3_E_QUEUE_FULL
 * (max_queued_tasks waiting, or its object bytes would take the queued
 * bytes past max_queued_bytes: both clear as queued tasks complete),
 * DNP3_E_POOL_EXHAUSTED (a shared pool has no slot or bytes left for it:
 * counted in pool_exhausted and logged at WARN; clears as any of the
 * pool's associations' tasks complete),
 * DNP3_E_NOSPACE (the request would exceed max_tx_fragment). Tasks queued while
 * the link is down wait for it; commands then run ahead of everything else,
 * the other tasks after the start-up sequence. When the link goes down,
 * every task queued or outstanding completes with DNP3_MASTER_LINK_DOWN
 * (a control included: the caller always learns its fate). */

/* Commands (1..max_command_points points; g12v1 or g41v1-v4). Errors also
 * DNP3_E_APP_VALUE (a value that does not fit its variation). */
DNP3_API int dnp3_master_assoc_operate(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                                       dnp3_command_mode_t mode, const dnp3_command_point_t *pts,
                                       size_t n);

/* READ class 1, 2, 3, 0. */
DNP3_API int dnp3_master_assoc_integrity_poll(dnp3_master_assoc_t *a, dnp3_timestamp_t now);
/* READ of the classes in `classes` (DNP3_MASTER_CLASS_* bits, class 0 included if set). */
DNP3_API int dnp3_master_assoc_class_poll(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                                          uint8_t classes);
/* READ group/variation start..stop (variation 0: any). */
DNP3_API int dnp3_master_assoc_range_scan(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                                          uint8_t group, uint8_t variation, uint32_t start,
                                          uint32_t stop);
/* ENABLE_UNSOLICITED (enable) or DISABLE_UNSOLICITED for classes 1-3 bits. */
DNP3_API int dnp3_master_assoc_unsolicited(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                                           bool enable, uint8_t classes);
/* Time sync now (mode LAN or NON_LAN). Also DNP3_E_STATE when there is no
 * UTC source (neither utc_now nor dnp3_master_assoc_set_utc). */
DNP3_API int dnp3_master_assoc_time_sync(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                                         dnp3_time_sync_mode_t mode);
/* COLD_RESTART (cold) or WARM_RESTART; the result carries the g52 delay. */
DNP3_API int dnp3_master_assoc_restart(dnp3_master_assoc_t *a, dnp3_timestamp_t now, bool cold);
/* Counter freeze: func IMMED_FREEZE, IMMED_FREEZE_NR, FREEZE_CLEAR or
 * FREEZE_CLEAR_NR on g20v0 indexes start..stop, or all counters (qualifier
 * 0x06) when all is true. */
DNP3_API int dnp3_master_assoc_freeze(dnp3_master_assoc_t *a, dnp3_timestamp_t now, uint8_t func,
                                      bool all, uint32_t start, uint32_t stop);
/* ASSIGN_CLASS: g60 v1..v4 (class 0..3) followed by group/variation
 * start..stop, or all of the group when all is true. */
DNP3_API int dnp3_master_assoc_assign_class(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                                            uint8_t cls, uint8_t group, uint8_t variation, bool all,
                                            uint32_t start, uint32_t stop);

/* One analog input deadband to write. */
typedef struct dnp3_deadband {
    uint32_t index;
    double value; /* g34v1: u16, g34v2: u32, g34v3: f32 */
} dnp3_deadband_t;

/* WRITE g34 variation 1..3 with n deadbands (index prefixed). */
DNP3_API int dnp3_master_assoc_write_deadbands(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                                               uint8_t variation, const dnp3_deadband_t *items,
                                               size_t n);
/* READ g0 attribute `variation` (254: all attributes; 255: the list) of
 * set `set` (0: the standard set). Values arrive through on_object. */
DNP3_API int dnp3_master_assoc_read_attributes(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                                               uint8_t set, uint8_t variation);
/* Any request: function code func and the object headers (and objects)
 * `objects` as the caller built them (copied). Measurements in the
 * response go to on_measurement as usual; the raw fragments to on_response.
 * A request function that expects no response (..._NR) completes with SENT.
 * Retried after a timeout only when retry is true (never for controls, restarts
 * and freezes: they may have acted).
 * Errors also: DNP3_E_APP_FUNCTION (func undefined) and the errors of
 * dnp3_obj_iter_next / dnp3_point_iter_next when the objects do not read
 * back as func's objects (nothing unreadable is sent). */
DNP3_API int dnp3_master_assoc_request(dnp3_master_assoc_t *a, dnp3_timestamp_t now, uint8_t func,
                                       const uint8_t *objects, size_t len, bool retry);

/* ---- counters ------------------------------------------------------------ */

typedef struct dnp3_master_counters {
    uint64_t requests_sent;       /* requests taken for transmission (retries included) */
    uint64_t confirms_sent;       /* application confirms */
    uint64_t responses;           /* solicited response fragments accepted */
    uint64_t unsolicited;         /* unsolicited fragments delivered */
    uint64_t unsolicited_repeats; /* repeated unsolicited fragments confirmed, not delivered */
    uint64_t measurements;        /* on_measurement calls for received points */
    uint64_t timeouts;            /* response timeouts */
    uint64_t retries;             /* safe tasks queued again after a failure */
    uint64_t malformed;           /* fragments the parser rejected */
    uint64_t unexpected;          /* fragments ignored (wrong sequence, none expected, ...) */
    uint64_t untracked_points;    /* points not remembered for comm-lost (no cell left) */
    uint64_t pool_exhausted;      /* tasks refused: the shared pool had no room (config.pool) */
} dnp3_master_counters_t;

/* Copy the counters. Errors: DNP3_E_INVALID_ARG. */
DNP3_API int dnp3_master_assoc_counters(const dnp3_master_assoc_t *a, dnp3_master_counters_t *out);

#ifdef __cplusplus
}
#endif
#endif
