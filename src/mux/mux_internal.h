/* Mux internals shared by the files of src/mux: the mux struct, its session
 * table, the fragment in flight, and the routing / output helpers. */
#ifndef DNP3_MUX_INTERNAL_H
#define DNP3_MUX_INTERNAL_H

#include "dnp3/mux.h"

/* One attached session. gen changes at every attach so a TX_DONE for a
 * fragment of a detached session never reaches its successor in the slot. */
typedef struct mux_slot {
    bool used;
    uint32_t gen;
    dnp3_app_session_t s;
    dnp3_mux_session_counters_t counters;
} mux_slot_t;

/* The fragment given to the channel and not yet reported done/failed. */
typedef struct mux_inflight {
    bool busy;
    size_t slot;
    uint32_t gen;
    uint16_t src;
    uint16_t dst;
} mux_inflight_t;

/* dnp3_mux_counters_t without its channel part, which the channel keeps
 * and dnp3_mux_counters copies in when asked (not a second copy in every
 * mux's record). */
typedef struct mux_counters {
    uint64_t fragments_in, fragments_out, broadcast_in, self_in, unclaimed, foreign;
    uint64_t foreign_logs_suppressed, unclaimed_logs_suppressed, attaches, detaches;
    uint64_t closes[DNP3_MUX_CLOSE_REASON_COUNT];
} mux_counters_t;

/* Stray traffic (foreign frames, fragments no session takes) gets a log
 * line for the first, then at most one per foreign_log_interval_ms with
 * the number left unsaid: a misconfigured peer cannot flood the log. */
typedef struct mux_log_limit {
    dnp3_timestamp_t at;
    uint32_t quiet; /* since the last line (saturates) */
    bool logged;
} mux_log_limit_t;

/* dnp3_mux_config_t without its channel part, which the channel keeps
 * (dnp3i_channel_config): not a second copy in every connection's mux. */
typedef struct mux_cfg {
    /* The channel's configured local addresses (the channel's own list
     * also has the attached sessions'). */
    uint16_t local[DNP3_CHANNEL_MAX_LOCAL];
    size_t n_local;
    size_t max_sessions;
    dnp3_mux_unclaimed_fn on_unclaimed;
    void *user;
    dnp3_logger_t logger;
    uint32_t foreign_log_interval_ms;
    uint32_t first_frame_timeout_ms;
    uint32_t partial_frame_timeout_ms;
    dnp3_link_decode_t decode_link;
    dnp3_transport_decode_t decode_transport;
    void (*on_conn_open)(void *user, dnp3_mux_t *mux, dnp3_conn_t *conn,
                         const dnp3_conn_info_t *info);
    void (*on_conn_close)(void *user, dnp3_mux_t *mux, dnp3_disconnect_reason_t reason);
} mux_cfg_t;

struct dnp3_mux {
    mux_cfg_t cfg;
    dnp3_channel_t *ch;
    mux_slot_t *slots; /* cfg.max_sessions */
    size_t attached;
    uint32_t next_gen;
    /* One past the highest used slot (the rest are free): the session
     * scans stop there. In what was padding. */
    uint32_t span;
    size_t rr; /* slot polled first by the next round */
    mux_inflight_t tx;
    bool up;     /* between on_open and on_close */
    bool closed; /* returned a closing code */
    /* The channel's tx_fragment_max (at most 65,535), and the room a
     * fragment framed in the caller's buffer needs (0: the channel has its
     * own buffer): fixed at creation, kept here in what was padding so the
     * send path does not work them out again for every fragment. */
    uint16_t tx_max;
    uint32_t tx_need;
    dnp3_timestamp_t now;
    dnp3_conn_t *conn;
    mux_log_limit_t foreign_limit, unclaimed_limit;
    mux_counters_t counters;
    /* Slow and idle peer guard (mux_guard.c), per connection. */
    struct {
        dnp3_timestamp_t opened_at;
        bool heard;                     /* a valid frame since on_open */
        uint64_t frames;                /* the parser's frame count at the last look */
        uint64_t bytes_at_open;         /* the parser's byte count at on_open */
        dnp3_timestamp_t partial_since; /* bytes of an incomplete frame held since; NEVER: none */
        uint64_t partial_pos;           /* stream offset where those held bytes begin */
    } guard;
};

/* mux.c */
void dnp3i_mux_log(const dnp3_mux_t *mux, dnp3_log_level_t level, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;
void dnp3i_mux_link_event(dnp3_mux_t *mux, size_t slot, dnp3_timestamp_t now,
                          dnp3_link_state_event_t ev);
void dnp3i_mux_link_all(dnp3_mux_t *mux, dnp3_timestamp_t now, dnp3_link_state_event_t ev);
int dnp3i_mux_close(dnp3_mux_t *mux, dnp3_mux_close_reason_t reason, int code, const char *why);
size_t dnp3i_mux_locals(const dnp3_mux_t *mux, uint16_t *out, size_t cap);

/* mux_rx.c */
int dnp3i_mux_handle(dnp3_mux_t *mux, dnp3_timestamp_t now, const dnp3_channel_event_t *ev);
int dnp3i_mux_drain_timer(dnp3_mux_t *mux, dnp3_timestamp_t now);

/* mux_trace.c */
bool dnp3i_mux_tracing(const dnp3_mux_t *mux);
void dnp3i_mux_trace_frame(const dnp3_mux_t *mux, bool tx, const dnp3_link_frame_t *f);
void dnp3i_mux_trace_output(const dnp3_mux_t *mux, const uint8_t *bytes, size_t len);

/* mux_guard.c: first-frame and partial-frame timeouts */
void dnp3i_mux_guard_open(dnp3_mux_t *mux, dnp3_timestamp_t now);
void dnp3i_mux_guard_after_bytes(dnp3_mux_t *mux, dnp3_timestamp_t now);
dnp3_timestamp_t dnp3i_mux_guard_deadline(const dnp3_mux_t *mux);
/* Returns 0, or the closing code (the mux is then closed). */
int dnp3i_mux_guard_check(dnp3_mux_t *mux, dnp3_timestamp_t now);

/* mux_tx.c */
void dnp3i_mux_tx_result(dnp3_mux_t *mux, dnp3_timestamp_t now, bool ok);

#endif
