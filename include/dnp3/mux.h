/* dnp3c: the application multiplexer — one connection's channel shared by
 * the application-layer sessions that speak over it.
 *
 * A connection (TCP, later TLS, UDP or serial) carries one byte stream and
 * so one channel (dnp3/channel.h: link + transport). Over it speak one or
 * more application sessions, each identified by a pair of link addresses:
 *   - an outstation association: (outstation address, master address);
 *     a data concentrator hosts several outstations on one connection,
 *     and an outstation may serve several masters (one association each);
 *   - a master association: (master address, outstation address); a
 *     multi-drop master polls several outstations over one connection.
 * The mux routes each received fragment to the session whose pair it
 * names, hands the sessions' fragments to the channel one at a time (round
 * robin, so one busy session cannot starve the others), and reports what
 * no session claimed (frames for a foreign address: the "TCP connects but
 * no data" diagnosis, with both addresses). It is sans-IO like everything
 * under it: bytes and time in, bytes and deadlines out; it implements the
 * runtime's session operations (dnp3/runtime.h) through
 * dnp3_mux_session_ops(), so a runtime connection drives it directly.
 *
 * Sessions plug in through dnp3_app_session_ops_t, the fragment-level
 * interface that the outstation (dnp3/outstation.h) and the master
 * (dnp3/master.h) implement. */
#ifndef DNP3_MUX_H
#define DNP3_MUX_H

#include "dnp3/channel.h"
#include "dnp3/format.h"
#include "dnp3/runtime.h"
#include "dnp3/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the fragment-level session interface ------------------------------ */

/* What the mux tells a session about the connection under it. */
typedef enum dnp3_link_state_event {
    DNP3_LINK_UP,       /* a connection now carries this session */
    DNP3_LINK_DOWN,     /* the connection is gone (closed, reset, keep-alive failed) */
    DNP3_LINK_TX_DONE,  /* the fragment last taken from this session is all sent */
    DNP3_LINK_TX_FAILED /* it could not be sent (link-layer confirm failed) */
} dnp3_link_state_event_t;

typedef struct dnp3_app_session_ops {
    /* A fragment from src for dst (this session's local address, the self
     * address 0xFFFC, or a broadcast address 0xFFFD..0xFFFF). data is valid
     * during the call only. */
    void (*on_fragment)(void *s, dnp3_timestamp_t now, uint16_t src, uint16_t dst,
                        const uint8_t *data, size_t len);
    /* The next fragment to send, if any: written into buf (cap is at least
     * the mux's tx fragment size); returns its length, 0 when there is
     * nothing to send now. *dst receives its destination. *confirmed asks
     * for link-layer confirmed user data (rare on TCP; false by default). */
    size_t (*take_fragment)(void *s, dnp3_timestamp_t now, uint8_t *buf, size_t cap, uint16_t *dst,
                            bool *confirmed);
    /* Optional: whether take_fragment has something (NULL: always ask). */
    bool (*want_send)(void *s);
    /* The next time on_timer must run; DNP3_TIMESTAMP_NEVER for none. */
    dnp3_timestamp_t (*next_deadline)(void *s);
    void (*on_timer)(void *s, dnp3_timestamp_t now);
    /* Connection up/down and transmit results (see dnp3_link_state_event_t). */
    void (*on_link_event)(void *s, dnp3_timestamp_t now, dnp3_link_state_event_t ev);
} dnp3_app_session_ops_t;

typedef struct dnp3_app_session {
    const dnp3_app_session_ops_t *ops;
    void *s;
    uint16_t local;  /* our link address in this pair */
    uint16_t remote; /* the peer's link address */
} dnp3_app_session_t;

/* ---- the multiplexer ----------------------------------------------------- */

/* Most sessions one mux can hold (dnp3_mux_config_t.max_sessions). */
#define DNP3_MUX_MAX_SESSIONS 256u

typedef struct dnp3_mux dnp3_mux_t;

/* Why a mux closed its connection (a negative return from on_bytes,
 * on_timer or take_output; counted in dnp3_mux_counters_t.closes). */
typedef enum dnp3_mux_close_reason {
    DNP3_MUX_CLOSE_FRAMING = 0,   /* CLOSE policy: a framing error (9.2.4) */
    DNP3_MUX_CLOSE_KEEPALIVE = 1, /* REQUEST_LINK_STATUS unanswered after every retry */
    DNP3_MUX_CLOSE_REFUSED = 2,   /* the unclaimed callback refused the connection */
    DNP3_MUX_CLOSE_SILENT = 3,    /* no valid frame within first_frame_timeout_ms of opening */
    DNP3_MUX_CLOSE_STALLED = 4,   /* a partial frame incomplete for partial_frame_timeout_ms */
    DNP3_MUX_CLOSE_REASON_COUNT
} dnp3_mux_close_reason_t;

/* A fragment from src for dst that no attached session claims: dst is one
 * of the channel's local addresses (or self / broadcast) but no session
 * has the pair (dst, src) (for self / broadcast: no session has remote
 * src). The owner may attach a session now (dnp3_mux_attach, e.g. the
 * association of master src) and return 0: the fragment is then routed
 * again, and dropped (counted unclaimed) if still nobody claims it.
 * Return 0 without attaching to drop it, or a negative code to close the
 * connection (DNP3_MUX_CLOSE_REFUSED; the mux's on_bytes returns that
 * code). It may attach and detach sessions, but must not free the mux.
 * A link-layer frame (REQUEST_LINK_STATUS, RESET_LINK_STATES) to a local
 * address is answered by the channel whether or not a session claims it;
 * only fragments reach this callback. */
typedef int (*dnp3_mux_unclaimed_fn)(void *user, dnp3_mux_t *mux, dnp3_timestamp_t now,
                                     uint16_t src, uint16_t dst);

typedef struct dnp3_mux_config {
    /* The channel under the mux, passed through: role, policy, fragment
     * sizes, confirm timeout/retries, keep-alive, self/broadcast. Its
     * local[] addresses are answered (link layer) from the start, before
     * any session is attached (e.g. the outstation addresses a server
     * hosts); every attached session's local address is added.
     * max_peers is raised to max_sessions if smaller. */
    dnp3_channel_config_t channel;
    size_t max_sessions;                /* 1..DNP3_MUX_MAX_SESSIONS, default 4 */
    dnp3_mux_unclaimed_fn on_unclaimed; /* NULL: unclaimed fragments dropped */
    void *user;                         /* passed to the callbacks */
    /* Diagnostics (foreign frames, closes, refusals). log NULL: none (the
     * core never writes anywhere on its own). */
    dnp3_logger_t logger;
    /* Frames for a foreign address are each counted; the log line is
     * written for the first, then at most once per interval (with the
     * number folded in), so a misconfigured peer cannot flood the log.
     * Fragments no session takes, without on_unclaimed, the same (WARN). */
    uint32_t foreign_log_interval_ms; /* default 10000 */
    /* Slow and idle peers: a peer that holds a connection without speaking
     * DNP3 must not hold it for ever (a listening port's connection slots
     * are few, and the link keep-alive, 9.2.6.4, only probes a peer that
     * has been heard). first_frame_timeout_ms: no valid frame (any frame
     * with good CRCs, for us or not) received that long after on_open:
     * the connection is closed (DNP3_MUX_CLOSE_SILENT, DNP3_E_LINK_SILENT).
     * partial_frame_timeout_ms: the bytes of an incomplete frame held that
     * long without the frame completing (a peer that sent half a frame and
     * stalled): closed (DNP3_MUX_CLOSE_STALLED, DNP3_E_LINK_STALLED). 0 =
     * off, the default for both (the outstation server turns them on). */
    uint32_t first_frame_timeout_ms;
    uint32_t partial_frame_timeout_ms;
    /* Protocol trace of the link layer (clause 9) and the transport
     * function (clause 8): every valid frame received and every frame sent
     * is written to the logger at INFO, one line per layer in the layout of
     * dnp3/format.h, prefixed "rx " or "tx ". Default NOTHING for both (a
     * line per frame costs; turn a layer up to diagnose it). The
     * application layer is the session's to trace (it knows the fragment's
     * meaning). */
    dnp3_link_decode_t decode_link;
    dnp3_transport_decode_t decode_transport;
    /* Optional, through dnp3_mux_session_ops(): the connection opened
     * (after every session got LINK_UP) / closed (after LINK_DOWN). The
     * close hook is the last call for that connection: a per-connection
     * owner may free the mux there. */
    void (*on_conn_open)(void *user, dnp3_mux_t *mux, dnp3_conn_t *conn,
                         const dnp3_conn_info_t *info);
    void (*on_conn_close)(void *user, dnp3_mux_t *mux, dnp3_disconnect_reason_t reason);
} dnp3_mux_config_t;

/* Fills *cfg: channel defaults (dnp3_channel_config_default), 4 sessions,
 * no callbacks, no logger (level INFO), foreign log interval 10 s. */
DNP3_API void dnp3_mux_config_default(dnp3_mux_config_t *cfg);

/* Allocates a mux, its channel (dnp3_channel_new) and everything the data
 * path needs (session table, one tx fragment buffer). Returns NULL on a
 * NULL or invalid cfg (MONITOR mode, max_sessions 0 or above
 * DNP3_MUX_MAX_SESSIONS, anything dnp3_channel_new refuses) or short
 * memory; *err (if not NULL) says DNP3_E_INVALID_ARG or DNP3_E_NOMEM. */
DNP3_API dnp3_mux_t *dnp3_mux_new(const dnp3_mux_config_t *cfg, int *err);

/* Frees the mux and its channel; sessions are not told. NULL is allowed. */
DNP3_API void dnp3_mux_free(dnp3_mux_t *mux);

/* Attaches a session (the struct is copied). When the link is up it gets
 * DNP3_LINK_UP at once (with the time of the mux's last call). Allowed from
 * inside session callbacks and on_unclaimed. Returns 0, or
 *   DNP3_E_INVALID_ARG  NULL, ops without on_fragment / take_fragment /
 *                       on_link_event, local or remote >= 0xFFF0;
 *   DNP3_E_STATE        a session with the same (local, remote) is attached;
 *   DNP3_E_NOSPACE      max_sessions attached, or the local address would
 *                       be a 17th (DNP3_CHANNEL_MAX_LOCAL). */
DNP3_API int dnp3_mux_attach(dnp3_mux_t *mux, const dnp3_app_session_t *session);

/* Detaches the session of (local, remote); it is called no more (not even
 * LINK_DOWN; a fragment it was sending still goes out, its TX_DONE is
 * dropped). Allowed from inside callbacks, the session's own included.
 * Returns 0 or DNP3_E_INVALID_ARG (NULL mux, no such session). */
DNP3_API int dnp3_mux_detach(dnp3_mux_t *mux, uint16_t local, uint16_t remote);

/* Sessions attached now. */
DNP3_API size_t dnp3_mux_session_count(const dnp3_mux_t *mux);

/* ---- driving it (the dnp3_session_ops_t contract) ------------------------ */

/* A new connection: the channel is reset, every session gets LINK_UP, and
 * the first-frame clock (first_frame_timeout_ms) starts at now. */
DNP3_API void dnp3_mux_on_open(dnp3_mux_t *mux, dnp3_timestamp_t now);

/* The connection is gone: every session gets LINK_DOWN (unless a close
 * already told them), the channel is reset, and the mux is open again for
 * the next dnp3_mux_on_open. */
DNP3_API void dnp3_mux_on_close(dnp3_mux_t *mux, dnp3_timestamp_t now);

/* Received bytes (any split: the calls the sessions get do not depend on
 * it). Fragments are routed: to the session of (dst, src); a broadcast
 * dst (0xFFFD..0xFFFF) to every session whose remote is src; the self
 * address 0xFFFC (when the channel accepts it) to the first session whose
 * remote is src; otherwise on_unclaimed. Frames for a foreign destination
 * are counted and logged ("frame for address 11 from 1: this outstation
 * is 10"). TX_DONE / TX_FAILED go to the session that sent. Returns 0, or
 * a negative code that means "close the connection" (logged with its
 * reason, after LINK_DOWN to every session):
 *   DNP3_E_LINK_CLOSED     CLOSE policy and a framing error;
 *   DNP3_E_LINK_KEEPALIVE  the keep-alive went unanswered;
 *   DNP3_E_LINK_SILENT     first_frame_timeout_ms passed without a valid frame;
 *   DNP3_E_LINK_STALLED    a partial frame stalled for partial_frame_timeout_ms;
 *   the on_unclaimed callback's negative code (refused);
 *   DNP3_E_STATE           the mux closed earlier (until on_close/on_open);
 *   DNP3_E_INVALID_ARG     mux NULL. */
DNP3_API int dnp3_mux_on_bytes(dnp3_mux_t *mux, dnp3_timestamp_t now, const uint8_t *data,
                               size_t len);

/* Runs the channel's and the sessions' timers due at now, and closes a
 * silent or stalled peer (first_frame_timeout_ms, partial_frame_timeout_ms).
 * Returns 0 or a negative code as dnp3_mux_on_bytes (keep-alive failure,
 * DNP3_E_LINK_SILENT, DNP3_E_LINK_STALLED above all). */
DNP3_API int dnp3_mux_on_timer(dnp3_mux_t *mux, dnp3_timestamp_t now);

/* Writes frames to send into buf[0..cap): link replies and requests
 * first, then user data. Whenever the channel can take a fragment the
 * sessions are asked in turn (round robin from the one after the last
 * that sent), so every session with something to say gets its turn.
 * cap >= DNP3_LINK_MAX_FRAME always makes progress. Returns the bytes
 * written (0: nothing now) or a negative code as dnp3_mux_on_bytes. */
DNP3_API int dnp3_mux_take_output(dnp3_mux_t *mux, dnp3_timestamp_t now, uint8_t *buf, size_t cap);

/* True when take_output would write something (or a session says, or may
 * say, it has a fragment while the channel can take one). */
DNP3_API bool dnp3_mux_want_write(const dnp3_mux_t *mux);

/* The earliest of the channel's and the sessions' deadlines;
 * DNP3_TIMESTAMP_NEVER when none. */
DNP3_API dnp3_timestamp_t dnp3_mux_next_deadline(const dnp3_mux_t *mux);

/* True after the mux returned a closing code, until on_close / on_open. */
DNP3_API bool dnp3_mux_closed(const dnp3_mux_t *mux);

/* The runtime's session operations over a mux: dnp3_session_t{ops =
 * dnp3_mux_session_ops(), ctx = mux}. on_open/on_close map to
 * dnp3_mux_on_open/_on_close plus the config's on_conn_open /
 * on_conn_close hooks. */
DNP3_API const dnp3_session_ops_t *dnp3_mux_session_ops(void);

/* The connection a runtime opened the mux on (for dnp3_conn_wake when a
 * session has new output); NULL outside one. */
DNP3_API dnp3_conn_t *dnp3_mux_conn(const dnp3_mux_t *mux);

/* The channel under the mux, for link requests a session makes itself
 * (dnp3_channel_reset_link) and for its counters. Never feed it, drain it
 * or take its output directly: the mux does. */
DNP3_API dnp3_channel_t *dnp3_mux_channel(dnp3_mux_t *mux);

/* Bytes the mux holds on the heap: its record, its session table
 * (max_sessions entries) and its channel (dnp3_channel_memory; the
 * sessions write their fragments straight into the channel's buffer, so
 * the mux has none of its own). 0 for NULL. */
DNP3_API size_t dnp3_mux_memory(const dnp3_mux_t *mux);

/* "framing", "keep-alive", "refused", "silent", "stalled"; never NULL. */
DNP3_API const char *dnp3_mux_close_reason_name(dnp3_mux_close_reason_t r);

/* ---- counters -------------------------------------------------------------- */

typedef struct dnp3_mux_session_counters {
    uint64_t fragments_in;  /* fragments routed to the session (broadcast included) */
    uint64_t fragments_out; /* fragments taken from it and given to the channel */
    uint64_t tx_done;       /* DNP3_LINK_TX_DONE reported to it */
    uint64_t tx_failed;     /* DNP3_LINK_TX_FAILED reported to it */
} dnp3_mux_session_counters_t;

typedef struct dnp3_mux_counters {
    dnp3_channel_counters_t channel;
    uint64_t fragments_in;            /* fragments routed to at least one session */
    uint64_t fragments_out;           /* fragments sent, every session */
    uint64_t broadcast_in;            /* broadcast fragments routed (counted once) */
    uint64_t self_in;                 /* self-address fragments routed */
    uint64_t unclaimed;               /* fragments no session claimed (dropped) */
    uint64_t foreign;                 /* frames for a foreign destination */
    uint64_t foreign_logs_suppressed; /* foreign frames not given a log line */
    /* Unclaimed fragments not given a log line (a mux without
     * on_unclaimed says the first at WARN, then one per interval). */
    uint64_t unclaimed_logs_suppressed;
    uint64_t attaches;
    uint64_t detaches;
    uint64_t closes[DNP3_MUX_CLOSE_REASON_COUNT];
} dnp3_mux_counters_t;

/* Copies the counters (channel's included); nothing when either is NULL. */
DNP3_API void dnp3_mux_counters(const dnp3_mux_t *mux, dnp3_mux_counters_t *out);

/* The counters of the attached session (local, remote), since its attach.
 * Returns 0 or DNP3_E_INVALID_ARG (NULL, no such session). */
DNP3_API int dnp3_mux_session_counters(const dnp3_mux_t *mux, uint16_t local, uint16_t remote,
                                       dnp3_mux_session_counters_t *out);

#ifdef __cplusplus
}
#endif
#endif
