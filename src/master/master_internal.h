/* The master association: private layout shared by the src/master files.
 *
 * One request is outstanding at a time (`cur`). What runs next is chosen
 * when the mux asks for a fragment (dnp3i_master_pick): commands first, then
 * the automatic tasks (restart clearing, the start-up sequence), then the
 * caller's other tasks, then time sync, integrity, event polls and range
 * scans. Automatic tasks are bits with a retry time, not queue entries, so
 * a repeated IIN never fills the queue. The caller's tasks live in slots
 * of a pool (the association's own, or one shared by a process's
 * associations: dnp3_master_pool_t), linked into this association's
 * queue; their object bytes (commands, deadbands, caller-built requests)
 * in the pool's byte area, compacted as tasks complete. Everything is
 * allocated by dnp3_master_assoc_new (or dnp3_master_pool_new). */
#ifndef DNP3I_MASTER_INTERNAL_H
#define DNP3I_MASTER_INTERNAL_H

#include "dnp3/master.h"

/* Automatic tasks, in priority order (after the caller's commands). */
enum dnp3i_auto {
    DNP3I_AUTO_CLEAR_RESTART = 0,
    DNP3I_AUTO_DISABLE_UNSOL,
    DNP3I_AUTO_INTEGRITY,
    DNP3I_AUTO_ENABLE_UNSOL,
    DNP3I_AUTO_TIME_SYNC,
    DNP3I_AUTO_EVENT_POLL,
    DNP3I_AUTO_COUNT
};

/* Where the current task came from. */
enum dnp3i_source { DNP3I_SRC_USER = 0, DNP3I_SRC_AUTO, DNP3I_SRC_RANGE };

/* A task's parameters (the request is built when it is sent). */
typedef struct dnp3i_task {
    uint32_t id;               /* caller's tasks: > 0; automatic: 0 */
    uint32_t order;            /* FIFO among equals */
    uint32_t start, stop;      /* range scans, freezes, class assignment, attributes */
    uint32_t off, len;         /* object bytes in the pool */
    dnp3_timestamp_t ready_at; /* not before (retry) */
    uint32_t backoff_ms;       /* next retry delay */
    uint16_t npts;             /* command points */
    uint8_t kind;              /* dnp3_task_kind_t */
    uint8_t func;              /* function code of the (first) request */
    uint8_t mode;              /* command mode, time sync mode */
    bool safe;                 /* may be retried after a timeout or a bad response */
    uint8_t classes;           /* polls, unsolicited: DNP3_MASTER_CLASS_* */
    uint8_t group, variation, cls;
    bool all;
} dnp3i_task_t;

/* No slot (end of a list). */
#define DNP3I_NIL UINT32_MAX

/* A task slot of a pool: on the free list, or on one association's queue. */
typedef struct dnp3i_slot {
    dnp3i_task_t t;
    uint32_t next; /* the next slot of the same list; DNP3I_NIL at the end */
    bool used;
    bool doomed; /* to be failed by dnp3i_queue_fail_all (not tasks queued meanwhile) */
} dnp3i_slot_t;

/* The caller's queued tasks of one or several associations: the slots, the
 * object bytes (compacted as tasks leave), and the scratch where requests
 * and commands are built and echoes checked (each use is done before the
 * call that made it returns, so one scratch serves every association of
 * the pool: they all run on one thread). */
struct dnp3_master_pool {
    dnp3i_slot_t *slots;
    uint32_t n_slots;
    uint32_t free_head; /* first free slot; DNP3I_NIL when all are used */
    uint32_t n_used;
    uint32_t n_assocs; /* associations using it */
    uint8_t *bytes;
    size_t cap, used;
    uint8_t *scratch;
    size_t scratch_len;
    size_t memory; /* bytes allocated for it */
};

typedef struct dnp3i_auto_state {
    dnp3_timestamp_t ready_at;
    uint32_t backoff_ms;
    bool pending;
} dnp3i_auto_state_t;

typedef struct dnp3i_range {
    dnp3_master_range_scan_t cfg;
    dnp3i_auto_state_t st;
    dnp3_timestamp_t due; /* next periodic run; NEVER when none */
} dnp3i_range_t;

/* The transaction in progress. */
typedef struct dnp3i_cur {
    bool active;
    bool need_send; /* the (next) request waits for take_fragment */
    bool sent;      /* a request was taken and its response is awaited */
    dnp3i_task_t t;
    uint8_t source; /* enum dnp3i_source */
    int index;      /* slot, auto kind or range index */
    uint8_t step;   /* 0 first request; 1 OPERATE / time write */
    uint8_t seq;    /* of the request */
    uint8_t expect_seq;
    bool got_fir;
    dnp3_timestamp_t sent_at, deadline;
    dnp3_time_t utc_sent; /* LAN time sync: UTC when RECORD_CURRENT_TIME left */
    uint32_t delay_ms;    /* restart delay, measured one-way delay */
    uint16_t iin;         /* of the last response fragment */
    bool iin2_error;      /* some fragment had IIN2.0-2.2 */
    uint16_t nstat;       /* command statuses received */
} dnp3i_cur_t;

/* A remembered point for comm-lost reports: one 12-byte cell, or two for
 * a value that needs 64 bits (a 64-bit float that no 32-bit float equals):
 * the second cell (SEEN_CONT, same type and index) holds its high half. */
typedef struct dnp3i_seen {
    uint32_t index;
    uint32_t value; /* by the encoding in bits: i32, u32, f32 bits or a double's low half */
    uint8_t bits;   /* dnp3_meas_type_t (low 4 bits) | encoding | SEEN_FLOAT | SEEN_CONT */
    uint8_t group, variation, flags;
} dnp3i_seen_t;

#define DNP3I_MAX_CONFIRMS 4

struct dnp3_master_assoc {
    dnp3_master_config_t cfg;
    dnp3_master_callbacks_t cb;
    void *ctx;

    bool link_up;
    bool startup_done;
    dnp3_timestamp_t now; /* latest time seen in any call */
    dnp3_master_health_t health;
    uint16_t iin;
    bool have_iin;
    uint8_t seq; /* next solicited request sequence */

    dnp3i_cur_t cur;
    dnp3i_auto_state_t autos[DNP3I_AUTO_COUNT];
    uint8_t event_classes; /* classes the pending event poll reads */
    /* Classes this master enabled for unsolicited reporting on this link
     * (ENABLE_UNSOLICITED answered without error; cleared by a DISABLE, a
     * DEVICE_RESTART or link down): their IIN1.1-1.3 bits start no event
     * poll, the events come unsolicited. */
    uint8_t unsol_enabled;

    dnp3_timestamp_t integrity_due, class_due[3];
    dnp3i_range_t *ranges;
    size_t n_ranges;

    /* The caller's tasks: a list of pool slots (shared pool or own). */
    dnp3_master_pool_t *pool;
    bool own_pool;     /* created by _new (no cfg.pool): freed with the association */
    uint32_t q_head;   /* first slot of this association's queue; DNP3I_NIL if empty */
    uint16_t n_queued; /* slots in the queue: the scans of an empty queue are skipped */
    uint32_t q_bytes;  /* object bytes of the queued tasks (max_queued_bytes) */
    uint32_t next_id, next_order;

    uint8_t confirms[DNP3I_MAX_CONFIRMS]; /* control bytes of confirms to send */
    bool confirm_uns[DNP3I_MAX_CONFIRMS];
    unsigned n_confirms;

    /* The last unsolicited fragment delivered, by its length and 64-bit
     * FNV-1a hash (not a copy: max_rx_fragment bytes per association), to
     * recognise its repeat (4.6.2: same sequence number and content). */
    uint64_t last_unsol_hash;
    size_t last_unsol_len;
    bool have_last_unsol;
    /* confirm_first: a fragment confirmed, not yet delivered (held: its
     * copy, max_rx_fragment bytes, allocated only with confirm_first) */
    uint8_t *held;
    bool pending;
    size_t pending_len;
    dnp3_app_header_t pending_h;
    dnp3_master_rx_info_t pending_info;

    uint8_t *statuses;

    dnp3i_seen_t *seen; /* comm_lost_max_points entries, sorted by (type, index) */
    uint32_t n_seen;
    uint32_t seen_hint; /* the entry after the last one recorded: the usual next */
    bool comm_lost_reported;

    bool have_utc_anchor;
    dnp3_timestamp_t utc_mono;
    dnp3_time_t utc_anchor;

    dnp3_master_counters_t counters;

    /* dnp3_master_assoc_set_traffic_probe: did the connection stay silent */
    bool (*silent)(void *ctx, uint64_t *bytes_out);
    void *silent_ctx;
};

/* ---- assoc.c ---- */
#if defined(__GNUC__) || defined(__clang__)
__attribute__((format(printf, 3, 4)))
#endif
void dnp3i_master_log_line(dnp3_master_assoc_t *a, dnp3_log_level_t level, const char *fmt, ...);
/* Log a line when the level is on: the level is checked before the
 * arguments are evaluated or the variadic call is made (a command logs at
 * DEBUG and INFO on every exchange). `a` and `level` are evaluated twice. */
#define dnp3i_master_log(a, level, ...)                                                            \
    do {                                                                                           \
        if ((a)->cb.on_log && (level) <= (a)->cfg.log_level)                                       \
            dnp3i_master_log_line((a), (level), __VA_ARGS__);                                      \
    } while (0)
bool dnp3i_master_utc(dnp3_master_assoc_t *a, dnp3_timestamp_t now, dnp3_time_t *out);

/* ---- trace.c ---- */
void dnp3i_master_trace(dnp3_master_assoc_t *a, bool tx, const uint8_t *frag, size_t len);

/* ---- pool.c: the slots and bytes of queued tasks ---- */
/* A pool of max_tasks slots, max_bytes object bytes and a scratch of
 * scratch_len bytes (one allocation); NULL when out of memory. */
dnp3_master_pool_t *dnp3i_pool_create(uint32_t max_tasks, size_t max_bytes, size_t scratch_len);
/* A free slot taken off the free list (cleared, used) and len bytes
 * reserved at its t.off; DNP3I_NIL when no slot or not len bytes are free. */
uint32_t dnp3i_pool_take(dnp3_master_pool_t *p, size_t len);
/* Slot i back to the free list, its bytes released (the bytes after them
 * move down and every slot's offset follows). */
void dnp3i_pool_give(dnp3_master_pool_t *p, uint32_t i);

static inline dnp3i_slot_t *dnp3i_slot(const dnp3_master_assoc_t *a, int i)
{
    return &a->pool->slots[i];
}

static inline uint8_t *dnp3i_scratch(const dnp3_master_assoc_t *a)
{
    return a->pool->scratch;
}

/* ---- queue.c: the caller's tasks ---- */
/* Reserve a slot (and len pool bytes, copied from bytes when not NULL).
 * Returns the slot or NULL with *err = DNP3_E_QUEUE_FULL (this
 * association's max_queued_tasks or max_queued_bytes) or
 * DNP3_E_POOL_EXHAUSTED (a shared pool has no slot or bytes left: counted
 * and logged). */
dnp3i_task_t *dnp3i_queue_add(dnp3_master_assoc_t *a, const uint8_t *bytes, size_t len, int *err);
void dnp3i_queue_remove(dnp3_master_assoc_t *a, int slot);
/* Whether slot is on a's queue (a shared pool's other slots are not). */
bool dnp3i_queue_owns(const dnp3_master_assoc_t *a, int slot);
const uint8_t *dnp3i_queue_bytes(const dnp3_master_assoc_t *a, const dnp3i_task_t *t);
/* Ready slot with the best priority (commands first, FIFO); -1 if none. */
int dnp3i_queue_best(const dnp3_master_assoc_t *a, dnp3_timestamp_t now, bool commands);
/* Finish every queued task with `result` (link down, free). */
void dnp3i_queue_fail_all(dnp3_master_assoc_t *a, dnp3_master_result_t result);
/* Earliest retry time among queued tasks (NEVER if none wait). */
dnp3_timestamp_t dnp3i_queue_next_ready(const dnp3_master_assoc_t *a);
int dnp3i_queue_count(const dnp3_master_assoc_t *a);
/* Report a caller's task outcome through on_task_done / on_command_done. */
void dnp3i_report(dnp3_master_assoc_t *a, const dnp3i_task_t *t, dnp3_master_result_t r,
                  bool will_retry, uint16_t iin, uint32_t delay_ms);

/* ---- schedule.c: periodic scans, the choice of the next task, retries ---- */
void dnp3i_schedule_link_up(dnp3_master_assoc_t *a, dnp3_timestamp_t now);
void dnp3i_schedule_startup_done(dnp3_master_assoc_t *a, dnp3_timestamp_t now);
void dnp3i_schedule_due(dnp3_master_assoc_t *a, dnp3_timestamp_t now);
bool dnp3i_master_pick(dnp3_master_assoc_t *a, dnp3_timestamp_t now);
dnp3_timestamp_t dnp3i_schedule_deadline(const dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                                         bool *ready);
/* dnp3i_schedule_deadline's *ready alone (stops at the first thing due). */
bool dnp3i_schedule_ready(const dnp3_master_assoc_t *a, dnp3_timestamp_t now);
void dnp3i_auto_set(dnp3_master_assoc_t *a, int kind, dnp3_timestamp_t now);
void dnp3i_task_defaults(dnp3_master_assoc_t *a, dnp3i_task_t *t, uint8_t kind, uint8_t func);

/* ---- startup.c / iin.c ---- */
void dnp3i_startup_begin(dnp3_master_assoc_t *a, dnp3_timestamp_t now);
void dnp3i_startup_check(dnp3_master_assoc_t *a, dnp3_timestamp_t now);
void dnp3i_iin_update(dnp3_master_assoc_t *a, uint16_t iin);
void dnp3i_iin_react(dnp3_master_assoc_t *a, dnp3_timestamp_t now, uint16_t iin);
bool dnp3i_iin2_error(uint16_t iin);

/* ---- request.c: the bytes of each request ---- */
/* Write the current task's request (step cur->step) into buf; returns its
 * length or a negative error. */
int dnp3i_request_write(dnp3_master_assoc_t *a, dnp3_timestamp_t now, uint8_t *buf, size_t cap,
                        uint8_t seq);
bool dnp3i_fc_no_response(uint8_t func);

/* ---- response.c ---- */
void dnp3i_finish(dnp3_master_assoc_t *a, dnp3_timestamp_t now, dnp3_master_result_t r);
/* Commands and time sync take exactly one fragment with no IIN2 error bit:
 * anything else finishes the task (RESPONSE_ERROR or IIN2_ERROR) and
 * returns false. */
bool dnp3i_single_response_ok(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                              const dnp3_app_header_t *h);
void dnp3i_confirm_queue(dnp3_master_assoc_t *a, uint8_t seq, bool uns);
/* Deliver a fragment confirmed first (confirm_first). */
void dnp3i_deliver_pending(dnp3_master_assoc_t *a);

/* ---- measure.c ---- */
/* 0 if every header and point of the fragment parses, else the error. */
int dnp3i_measure_validate(const uint8_t *frag, size_t len, const dnp3_app_header_t *h);
void dnp3i_measure_deliver(dnp3_master_assoc_t *a, const uint8_t *frag, size_t len,
                           const dnp3_app_header_t *h, const dnp3_master_rx_info_t *info);

/* The first g52 time delay of a fragment in ms; UINT32_MAX if none. */
uint32_t dnp3i_measure_delay(const uint8_t *frag, size_t len, const dnp3_app_header_t *h);

/* ---- points.c: comm-lost memory ---- */
void dnp3i_seen_record(dnp3_master_assoc_t *a, const dnp3_measurement_t *m);
void dnp3i_seen_report_lost(dnp3_master_assoc_t *a);

/* ---- health.c ---- */
void dnp3i_health_set(dnp3_master_assoc_t *a, dnp3_master_state_t s, dnp3_master_reason_t r,
                      int error);
void dnp3i_health_good(dnp3_master_assoc_t *a);

/* ---- command.c ---- */
/* Whether a response fragment echoes the running command's objects (all
 * but their status bytes, which are collected). Such a fragment is well
 * formed, as the request was: it needs no validation walk. */
bool dnp3i_command_echo(dnp3_master_assoc_t *a, const uint8_t *frag, size_t len);
/* Handle a response fragment for a command; echo: what dnp3i_command_echo
 * said of it. */
void dnp3i_command_response(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                            const dnp3_app_header_t *h, bool echo);
void dnp3i_command_report(dnp3_master_assoc_t *a, const dnp3i_task_t *t, dnp3_master_result_t r,
                          uint16_t iin);

/* ---- timesync.c ---- */
void dnp3i_timesync_response(dnp3_master_assoc_t *a, dnp3_timestamp_t now, const uint8_t *frag,
                             size_t len, const dnp3_app_header_t *h);
int dnp3i_timesync_write(dnp3_master_assoc_t *a, dnp3_timestamp_t now, dnp3_app_writer_t *w,
                         uint8_t control);

#endif
