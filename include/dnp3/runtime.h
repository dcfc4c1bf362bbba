/* dnp3c: the network runtime (libuv), the only part of the library that
 * does I/O, reads a clock or starts timers.
 *
 * The runtime drives any sans-IO session (outstation, master, or a test's
 * fake) through the small vtable dnp3_session_ops_t: it feeds the session
 * the bytes it receives and the current time, takes the bytes the session
 * wants to send, and arms one timer per connection at the session's next
 * deadline. The session knows nothing of sockets; the runtime knows nothing
 * of DNP3.
 *
 *     dnp3_runtime_config_t cfg;
 *     dnp3_runtime_config_default(&cfg);
 *     cfg.stop_on_signals = true;                 // SIGINT/SIGTERM: clean stop
 *     dnp3_runtime_t *rt = dnp3_runtime_new(&cfg, err, sizeof err);
 *
 *     dnp3_tcp_server_config_t sc;                 // 0.0.0.0:20000, 4 connections
 *     dnp3_tcp_server_config_default(&sc);
 *     sc.accept = my_accept;                       // fills a dnp3_session_t
 *     sc.accept_user = my_outstation;
 *     int rc = dnp3_runtime_add_tcp_server(rt, &sc, NULL);  // DNP3_E_ADDR_IN_USE, ...
 *
 *     dnp3_runtime_run(rt);                        // until dnp3_runtime_stop()
 *     dnp3_runtime_free(rt);
 *
 * A session adapter is a few lines over a sans-IO core, e.g.
 *     static int my_bytes(void *ctx, dnp3_timestamp_t now, const uint8_t *d, size_t n)
 *     { return dnp3_outstation_on_bytes(ctx, now, d, n); }
 *
 * Threading: one runtime = one libuv loop, run by dnp3_runtime_run() on the
 * caller's thread (the "loop thread"). Every function here must be called on
 * the loop thread (from a session callback or a posted closure) or before
 * dnp3_runtime_run(), EXCEPT dnp3_runtime_post() and dnp3_runtime_stop(),
 * which may be called from any thread (and stop from a signal handler).
 *
 * Memory: a connection's buffers are allocated when it is accepted or
 * connected (sizes from the configuration); nothing is allocated per byte
 * received or sent (a backlog chunk, below, is taken from a pool that
 * grows up to write_backlog_max and is reused). A connection costs about
 * 0.75 KiB (its record with its timer, the libuv TCP handle); the read
 * and write buffers are one each for the whole runtime, and a connection
 * holds a backlog chunk (write_buffer_size) only while the kernel has not
 * taken all it wrote. A client adds about 0.75 KiB. At most
 * max_connecting connects are in progress at once. */
#ifndef DNP3_RUNTIME_H
#define DNP3_RUNTIME_H

#include "dnp3/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dnp3_runtime dnp3_runtime_t;
typedef struct dnp3_conn dnp3_conn_t;
typedef struct dnp3_listener dnp3_listener_t;
typedef struct dnp3_tcp_client dnp3_tcp_client_t;

/* ---- endpoints ------------------------------------------------------------ */

/* A transport endpoint: IPv4 or IPv6 address and port (host byte order). An
 * IPv4-mapped IPv6 address (::ffff:a.b.c.d, as a dual-stack listener on ::
 * reports IPv4 peers) is stored as IPv4. */
typedef struct dnp3_endpoint {
    uint8_t family;   /* 4 or 6; 0 = unknown (e.g. serial, later) */
    uint8_t addr[16]; /* IPv4 in addr[0..3], network order */
    uint16_t port;
} dnp3_endpoint_t;

/* Longest text dnp3_endpoint_format() writes, NUL included ("[v6]:port"). */
#define DNP3_ENDPOINT_TEXT_MAX 56u

/* Write "a.b.c.d:port" or "[v6]:port" into buf. Returns the length, or
 * DNP3_E_INVALID_ARG (NULL argument) / DNP3_E_NOSPACE (cap too small). */
DNP3_API int dnp3_endpoint_format(const dnp3_endpoint_t *ep, char *buf, size_t cap);

/* An IP network in CIDR form, for allow-lists (per listening port here;
 * per association in the sessions, matched against dnp3_conn_info_t.peer). */
typedef struct dnp3_network {
    uint8_t family; /* 4 or 6 */
    uint8_t addr[16];
    uint8_t prefix; /* leading bits that must match: 0..32 or 0..128 */
} dnp3_network_t;

/* Read "a.b.c.d/n", "v6/n", or a plain address (one host: /32 or /128).
 * Bits beyond the prefix are ignored. Returns 0, DNP3_E_INVALID_ARG (NULL)
 * or DNP3_E_ADDRESS (not a numeric address, bad or too long prefix). */
DNP3_API int dnp3_network_read(const char *text, dnp3_network_t *out);

/* Whether ep's address lies in net (port ignored; an IPv4 address never
 * matches an IPv6 network, and the reverse). NULL arguments: false. */
DNP3_API bool dnp3_network_contains(const dnp3_network_t *net, const dnp3_endpoint_t *ep);

/* ---- logging -------------------------------------------------------------- */

typedef enum dnp3_log_level {
    DNP3_LOG_ERROR = 0,
    DNP3_LOG_WARN = 1,
    DNP3_LOG_INFO = 2,
    DNP3_LOG_DEBUG = 3,
} dnp3_log_level_t;

/* Receives one formatted line (no trailing newline). Called on the loop
 * thread only. */
typedef void (*dnp3_log_fn)(void *ctx, dnp3_log_level_t level, const char *msg);

typedef struct dnp3_logger {
    dnp3_log_fn log;        /* NULL = the default: stderr, "<UTC time> <LEVEL> <msg>" */
    void *ctx;              /* passed to log */
    dnp3_log_level_t level; /* messages above this level are dropped */
} dnp3_logger_t;

/* A dnp3_log_fn that writes to syslog(3) (ctx unused; call openlog() first
 * to choose the identity and facility). ERROR, WARN, INFO, DEBUG map to
 * LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG. */
DNP3_API void dnp3_log_syslog(void *ctx, dnp3_log_level_t level, const char *msg);

/* "ERROR", "WARN", "INFO", "DEBUG" (never NULL). */
DNP3_API const char *dnp3_log_level_name(dnp3_log_level_t level);

/* ---- why connections end or are refused ----------------------------------- */

typedef enum dnp3_disconnect_reason {
    DNP3_DISCONNECT_PEER_CLOSED = 0, /* the peer closed its side (EOF) */
    DNP3_DISCONNECT_RESET = 1,       /* read or write error (reset, timed out keep-alive) */
    DNP3_DISCONNECT_SESSION = 2,     /* the session returned an error or closed it */
    DNP3_DISCONNECT_LOCAL = 3,       /* dnp3_conn_close() by the application */
    DNP3_DISCONNECT_STOP = 4,        /* dnp3_runtime_stop() */
    DNP3_DISCONNECT_REASON_COUNT
} dnp3_disconnect_reason_t;

typedef enum dnp3_refuse_reason {
    DNP3_REFUSE_LIMIT = 0,      /* max_connections of the listening port reached */
    DNP3_REFUSE_ALLOW_LIST = 1, /* source outside every allowed network of the port */
    DNP3_REFUSE_SESSION = 2,    /* the accept callback refused it */
    DNP3_REFUSE_ERROR = 3,      /* accept or socket setup failed */
    /* The socket took the last file descriptor the open file limit
     * (RLIMIT_NOFILE) allows: closed at once, so that one stays free and
     * every further connection is counted and logged at ERROR instead of
     * being dropped unseen by the system. */
    DNP3_REFUSE_NO_FILES = 4,
    DNP3_REFUSE_REASON_COUNT
} dnp3_refuse_reason_t;

/* Short lower-case names ("peer closed", "limit", ...); never NULL. */
DNP3_API const char *dnp3_disconnect_reason_name(dnp3_disconnect_reason_t r);
DNP3_API const char *dnp3_refuse_reason_name(dnp3_refuse_reason_t r);

/* ---- the session interface ------------------------------------------------ */

/* What a session is told when its connection opens. */
typedef struct dnp3_conn_info {
    uint64_t id;           /* unique within the runtime, from 1 */
    dnp3_endpoint_t local; /* our end */
    dnp3_endpoint_t peer;  /* the other end */
    bool outgoing;         /* true: we connected out (client); false: accepted */
    const char *transport; /* "tcp" (later "tls", "udp", "serial") */
} dnp3_conn_info_t;

/* A sans-IO session as the runtime drives it. Every function receives ctx
 * (dnp3_session_t.ctx) first and is called on the loop thread. Functions
 * marked optional may be NULL.
 *
 * Order: on_open once per connection, then any of on_bytes / on_timer /
 * take_output, then on_close exactly once; after on_close nothing more is
 * called for that connection. A server's session (from the accept callback)
 * lives for one connection and may free itself in on_close (also called,
 * without on_open, when the runtime cannot set up the accepted connection);
 * a client's session lives across reconnections (on_open ... on_close per
 * connection) until the runtime is freed.
 *
 * Re-entrancy: a session is never called from inside one of its own
 * callbacks. dnp3_conn_close() or dnp3_conn_wake() on its own connection
 * from inside a callback take effect when the callback returns. Closing
 * ANOTHER connection (e.g. an older one of the same association) runs that
 * connection's on_close at once.
 *
 * After every on_open / on_bytes / on_timer and every dnp3_conn_wake(), the
 * runtime collects output (take_output until it returns 0, want_write
 * returns false or the output buffer is full), sends what it collected in
 * ONE write, and re-arms the connection's timer at next_deadline. */
typedef struct dnp3_session_ops {
    /* conn stays valid until on_close returns. */
    void (*on_open)(void *ctx, dnp3_conn_t *conn, const dnp3_conn_info_t *info,
                    dnp3_timestamp_t now);
    /* Received bytes (any split). A negative return closes the connection
     * (DNP3_DISCONNECT_SESSION). */
    int (*on_bytes)(void *ctx, dnp3_timestamp_t now, const uint8_t *data, size_t len);
    /* Copy up to cap bytes to send into buf; return the count (0 = nothing
     * more now) or a negative code (closes the connection). */
    int (*take_output)(void *ctx, dnp3_timestamp_t now, uint8_t *buf, size_t cap);
    /* Optional: whether take_output has something (NULL: always ask). */
    bool (*want_write)(void *ctx);
    /* Optional: the next time on_timer must run, DNP3_TIMESTAMP_NEVER for none. */
    dnp3_timestamp_t (*next_deadline)(void *ctx);
    /* Optional: called at or after the deadline; negative return closes. */
    int (*on_timer)(void *ctx, dnp3_timestamp_t now);
    /* Optional: the connection is gone (why). */
    void (*on_close)(void *ctx, dnp3_disconnect_reason_t reason);
    /* Optional, clients only: an attempt to connect to endpoint (text
     * "host:port") failed with code (DNP3_E_CONN_REFUSED,
     * DNP3_E_CONN_TIMEOUT, DNP3_E_HOST_UNREACHABLE, DNP3_E_RESOLVE,
     * DNP3_E_ADDRESS or DNP3_E_IO). The client retries after its backoff
     * unless the callback stops the runtime. */
    void (*on_connect_failed)(void *ctx, const char *endpoint, int code);
    /* Optional, clients only: an attempt to connect to endpoint begins
     * (for a health display: "connecting"). */
    void (*on_connecting)(void *ctx, const char *endpoint);
} dnp3_session_ops_t;

typedef struct dnp3_session {
    const dnp3_session_ops_t *ops;
    void *ctx;
} dnp3_session_t;

/* ---- the runtime ---------------------------------------------------------- */

typedef struct dnp3_runtime_config {
    dnp3_logger_t logger;
    /* Capture every byte sent and received on every connection to this
     * classic pcap file (NULL = none). Each connection is its own TCP
     * stream (its real ports; SYN at open, FIN at close), so Wireshark
     * follows each one. The capture format is IPv4 only: IPv6 endpoints are
     * recorded as addresses in 198.18.0.0/15 (the benchmarking range, RFC
     * 2544) derived from the IPv6 address, and the mapping is logged. */
    const char *pcap_path;
    /* The capture is flushed to disk this often (and at the stop), so a
     * killed process leaves at most this much unwritten. */
    uint32_t pcap_flush_ms; /* default 1000 */
    /* Repeated refusals from one source are logged once, then summarised
     * with counts once per interval (bounded log under a flood). */
    uint32_t refusal_log_interval_ms; /* default 10000 */
    /* Closures dnp3_runtime_post() can hold at once. */
    size_t post_queue_size; /* default 4096 */
    /* Largest single write (output collected per flush), and the read
     * buffer: one each per runtime, shared by every connection (the loop
     * serves one connection at a time). Output the kernel does not take
     * at once is copied to a backlog chunk of write_buffer_size bytes held
     * by that connection until sent (meanwhile its session's output
     * waits); chunks are allocated when first needed, reused, and at most
     * write_backlog_max bytes of them exist: a connection that needs one
     * beyond it is closed, with an ERROR line saying so. */
    size_t write_buffer_size; /* default 8192 (a 2048-octet fragment framed is 2628) */
    size_t read_buffer_size;  /* default 4096 */
    size_t write_backlog_max; /* default 1 MiB (128 chunks); at least write_buffer_size */
    /* Fragment buffers shared by the connections' channels
     * (dnp3_fragment_pool_t, dnp3/channel.h): a connection holds one only
     * while it receives a fragment of several segments (FIR to FIN) or
     * sends one that does not go out at once, so no connection keeps
     * fragment buffers of its own. When all are in use a fragment being
     * received is dropped, with an ERROR line. fragment_pool_buffers 0: no
     * pool (every channel allocates its own); fragment_pool_buffer_size
     * 249..65535: a channel with larger fragments keeps its own. The block
     * is reserved at _new and its pages are touched only when used. */
    size_t fragment_pool_buffers;     /* default 256 */
    size_t fragment_pool_buffer_size; /* default 2048 (DNP3_FRAGMENT_SIZE_DEFAULT) */
    /* Outgoing connect attempts in progress at once (TCP clients, master
     * channels); further attempts wait their turn in order. An attempt
     * counts until it fails or, connected, until the peer sends its first
     * bytes, the connection closes or its connect timeout passes: a
     * connect completes in the kernel before the server accepts it.
     * Thousands of channels started together would otherwise overflow the
     * server's listen backlog (SYNs dropped, retried a second later).
     * 0 = no limit. Default 256. */
    size_t max_connecting;
    /* How long a stop waits for pending writes before closing abruptly. */
    uint32_t stop_linger_ms; /* default 2000 */
    /* Stop on SIGINT and SIGTERM (as dnp3_runtime_on_signal). Default false. */
    bool stop_on_signals;
    /* Adaptive busy polling (as Linux's net.core.busy_poll), in
     * microseconds; 0 (the default) = off: the loop sleeps in epoll_wait
     * whenever it has nothing to do, and the kernel wakes it when bytes
     * arrive. With a window W, after any traffic (bytes read or written, a
     * connection accepted or made, a posted closure, a signal) the loop
     * keeps polling without sleeping for up to W more microseconds before
     * it sleeps again; more traffic restarts the window. An answer that
     * arrives within the window is picked up without the wake-up of a
     * sleeping thread (most of a loopback round trip's cost: about a third
     * of a command's latency on a small VM). While polling, the (at most 4)
     * connections that carried traffic last are read directly between loop
     * rounds (a non-blocking recv, rounds of up to 20 us), so the call
     * that finds an answer also reads it, as a bare spinning receive does
     * (counter busy_reads).
     *   Cost: the loop thread keeps its core 100 % busy while traffic flows
     * with gaps shorter than W, and after the last traffic for at most W
     * (idle, it sleeps as without busy polling; a timer that produces no
     * traffic does not start a window).
     *   Use it for a master or an outstation that has a core of its own and
     * where command latency matters (e.g. W = 200-1000 us against a peer
     * that answers within that). Not for many processes sharing few cores:
     * spinning takes the core from them. A thread of the application that
     * shares the loop's core under SCHED_FIFO at the loop's priority does
     * not run while the loop spins: give it a higher priority or another
     * core. Stop, signals, timers, dnp3_runtime_post and the capture work
     * as without it. At most 1,000,000 (1 s). */
    uint32_t busy_poll_us;
} dnp3_runtime_config_t;

/* The runtime's fragment pool (NULL when fragment_pool_buffers is 0): put
 * it in the channel configuration of a mux or channel driven by this
 * runtime, and read its counters (dnp3_fragment_pool_counters). */
typedef struct dnp3_fragment_pool dnp3_fragment_pool_t;
DNP3_API dnp3_fragment_pool_t *dnp3_runtime_fragment_pool(dnp3_runtime_t *rt);

/* Fill cfg with the defaults above (stderr logger at INFO). */
DNP3_API void dnp3_runtime_config_default(dnp3_runtime_config_t *cfg);

/* Create a runtime with its own libuv loop. If SIGPIPE is at its default
 * action, it is set to ignored (process-wide): a write to a connection the
 * peer reset must fail with an error, not kill the process; a handler the
 * application installed is left alone. Returns NULL on bad config, out of
 * memory or a capture file that cannot be created (err, when not NULL, says
 * which). */
DNP3_API dnp3_runtime_t *dnp3_runtime_new(const dnp3_runtime_config_t *cfg, char *err,
                                          size_t errlen);

/* Run the loop on this thread until dnp3_runtime_stop() has closed every
 * connection and listener. Returns 0, DNP3_E_STATE (already run: a
 * runtime runs once) or DNP3_E_INVALID_ARG. */
DNP3_API int dnp3_runtime_run(dnp3_runtime_t *rt);

/* Ask the loop to stop: listeners close, every connection flushes its
 * pending write, is shut down (FIN) and closed (sessions get on_close with
 * DNP3_DISCONNECT_STOP), queued closures run, then dnp3_runtime_run()
 * returns. Callable from any thread and from a signal handler
 * (async-signal-safe: an atomic flag and uv_async_send). Returns 0 (also
 * when a stop was already requested) or DNP3_E_INVALID_ARG. */
DNP3_API int dnp3_runtime_stop(dnp3_runtime_t *rt);

/* Run fn(arg) on the loop thread soon (FIFO order). Callable from any
 * thread. Returns 0, DNP3_E_INVALID_ARG, DNP3_E_QUEUE_FULL (post_queue_size
 * closures pending; try again) or DNP3_E_STOPPED (the loop has finished;
 * fn will never run). Closures posted before the stop completes run.
 * Each turn of the loop runs the closures queued when it woke; one posted
 * meanwhile (also by a closure, to itself) waits for the next turn, after
 * the connections were served: feeding a database in slices that re-post
 * themselves keeps confirms and requests answered between the slices. */
DNP3_API int dnp3_runtime_post(dnp3_runtime_t *rt, void (*fn)(void *arg), void *arg);

/* Most signals dnp3_runtime_on_signal() watches (stop_on_signals uses 2). */
#define DNP3_RUNTIME_SIGNAL_MAX 8u

/* Call fn(arg, signum) on the loop thread each time signum is delivered
 * (e.g. SIGUSR1 to print counters). fn runs as an ordinary loop callback,
 * not in signal context, so it may do anything a session callback may. The
 * watch does not keep the loop running on its own. Returns 0,
 * DNP3_E_INVALID_ARG, DNP3_E_NOSPACE (DNP3_RUNTIME_SIGNAL_MAX reached),
 * DNP3_E_IO (libuv refused the signal) or DNP3_E_STOPPED. */
DNP3_API int dnp3_runtime_on_signal(dnp3_runtime_t *rt, int signum,
                                    void (*fn)(void *arg, int signum), void *arg);

/* Free everything. Call after dnp3_runtime_run() returned, or instead of
 * running (then client sessions get no on_close: they were never opened).
 * NULL is accepted. */
DNP3_API void dnp3_runtime_free(dnp3_runtime_t *rt);

/* CLOCK_MONOTONIC in milliseconds: the "now" the runtime gives sessions. */
DNP3_API dnp3_timestamp_t dnp3_runtime_now(const dnp3_runtime_t *rt);

/* Log through the runtime's logger (printf format). */
DNP3_API void dnp3_runtime_log(dnp3_runtime_t *rt, dnp3_log_level_t level, const char *fmt, ...)
#if defined(__GNUC__) || defined(__clang__)
    __attribute__((format(printf, 3, 4)))
#endif
    ;

/* Tallies since dnp3_runtime_new. Read them on the loop thread (e.g. in a
 * posted closure) or after run returned. */
typedef struct dnp3_runtime_counters {
    uint64_t accepted;                          /* connections accepted by listeners */
    uint64_t refused[DNP3_REFUSE_REASON_COUNT]; /* closed at accept, by reason */
    uint64_t connect_attempts;                  /* client connection attempts */
    uint64_t connected;                         /* ... that succeeded */
    uint64_t connect_refused;                   /* ... that failed: refused */
    uint64_t connect_timeout;                   /* ... timed out */
    uint64_t connect_unreachable;               /* ... host/network unreachable */
    uint64_t connect_other;                     /* ... any other failure (resolve, I/O) */
    uint64_t disconnects[DNP3_DISCONNECT_REASON_COUNT];
    uint64_t open_connections; /* now */
    uint64_t bytes_in;
    uint64_t bytes_out;
    uint64_t writes;         /* socket writes (one per flush) */
    uint64_t log_suppressed; /* refusal lines folded into summaries */
    /* Busy polling (busy_poll_us): reads that found bytes (also counted in
     * bytes_in) or the end of the stream by reading a connection that
     * carried traffic in the window directly, between rounds of the loop,
     * instead of waiting for the loop to find it readable. */
    uint64_t busy_reads;
} dnp3_runtime_counters_t;

/* Copy the counters into out. Returns 0 or DNP3_E_INVALID_ARG. */
DNP3_API int dnp3_runtime_counters(const dnp3_runtime_t *rt, dnp3_runtime_counters_t *out);

/* ---- connections (handles given to sessions in on_open) ------------------- */

/* The connection's description (valid while the connection is). */
DNP3_API const dnp3_conn_info_t *dnp3_conn_info(const dnp3_conn_t *conn);

/* The runtime the connection belongs to (for dnp3_runtime_log, post, now). */
DNP3_API dnp3_runtime_t *dnp3_conn_runtime(const dnp3_conn_t *conn);

/* The session has new output or a new deadline because of something other
 * than bytes or its timer (e.g. a database update posted by the
 * application): collect output, write it, re-arm the timer. Inside one of
 * the connection's session callbacks this is a no-op (the runtime does it
 * when the callback returns). Returns 0 or DNP3_E_INVALID_ARG. */
DNP3_API int dnp3_conn_wake(dnp3_conn_t *conn);

/* Close the connection: pending output is flushed, then FIN. The session's
 * on_close gets reason (DNP3_DISCONNECT_SESSION when a session closes
 * itself, DNP3_DISCONNECT_LOCAL for an application decision); why, if not
 * NULL, is logged with the disconnect. Idempotent. Returns 0 or
 * DNP3_E_INVALID_ARG. */
DNP3_API int dnp3_conn_close(dnp3_conn_t *conn, dnp3_disconnect_reason_t reason, const char *why);

/* Bytes received and sent on this connection. */
DNP3_API uint64_t dnp3_conn_bytes_in(const dnp3_conn_t *conn);
DNP3_API uint64_t dnp3_conn_bytes_out(const dnp3_conn_t *conn);

/* ---- TCP keep-alive (SO_KEEPALIVE) ---------------------------------------- */

typedef struct dnp3_keepalive {
    bool enabled;        /* default true */
    uint32_t idle_s;     /* idle time before the first probe (TCP_KEEPIDLE), default 60 */
    uint32_t interval_s; /* between probes (TCP_KEEPINTVL), default 10 */
    uint32_t count;      /* unanswered probes before the connection is dropped, default 6 */
} dnp3_keepalive_t;

/* ---- TCP server --------------------------------------------------------- */

/* Decide on an accepted connection (it already passed max_connections and
 * the allow-list). Return 0 and fill *session to take it, or a negative
 * code to refuse it (why, up to why_cap bytes, is logged). */
typedef int (*dnp3_accept_fn)(void *user, const dnp3_conn_info_t *info, dnp3_session_t *session,
                              char *why, size_t why_cap);

/* Most allowed networks one listener holds. */
#define DNP3_RUNTIME_ALLOW_MAX 64u

typedef struct dnp3_tcp_server_config {
    const char *address;    /* numeric IPv4 or IPv6; default "0.0.0.0" ("::" = both families) */
    uint16_t port;          /* default 20000 (IANA's DNP port); 0 = any free port */
    size_t max_connections; /* concurrent connections on this port, default 4 */
    /* Allowed source networks, CIDR ("10.0.0.0/8", "2001:db8::/32", or a
     * plain address = one host). allow_count 0 allows every source. */
    const char *const *allow;
    size_t allow_count;
    dnp3_keepalive_t keepalive;
    int backlog;           /* listen(2) backlog, default 64 */
    dnp3_accept_fn accept; /* required */
    void *accept_user;
} dnp3_tcp_server_config_t;

DNP3_API void dnp3_tcp_server_config_default(dnp3_tcp_server_config_t *cfg);

/* Bind and listen. *out (optional) receives the listener. Returns 0,
 * DNP3_E_INVALID_ARG (no accept callback, more than DNP3_RUNTIME_ALLOW_MAX
 * networks), DNP3_E_ADDRESS (address or an allow-list entry is not a
 * numeric address / CIDR), DNP3_E_ADDR_IN_USE, DNP3_E_PERMISSION, DNP3_E_IO
 * or DNP3_E_STOPPED. The failure is logged. */
DNP3_API int dnp3_runtime_add_tcp_server(dnp3_runtime_t *rt, const dnp3_tcp_server_config_t *cfg,
                                         dnp3_listener_t **out);

/* The address actually bound (the port chosen when port was 0). */
DNP3_API int dnp3_listener_endpoint(const dnp3_listener_t *l, dnp3_endpoint_t *out);

/* Connections open on this listener now. */
DNP3_API size_t dnp3_listener_connections(const dnp3_listener_t *l);

/* ---- TCP client ----------------------------------------------------------- */

/* Most endpoints one client tries. */
#define DNP3_RUNTIME_ENDPOINT_MAX 8u

typedef struct dnp3_tcp_endpoint {
    const char *host; /* numeric address or host name (resolved asynchronously) */
    uint16_t port;    /* 0 = 20000 */
} dnp3_tcp_endpoint_t;

typedef struct dnp3_tcp_client_config {
    /* Tried in order (primary, then backups); after all failed, the client
     * waits the backoff and starts again from the first. */
    const dnp3_tcp_endpoint_t *endpoints;
    size_t endpoint_count;
    uint32_t connect_timeout_ms; /* default 5000 */
    /* Wait between rounds: starts at backoff_min_ms and doubles after each
     * failed round up to backoff_max_ms. A lost connection is retried after
     * the current wait: back to backoff_min_ms if the peer had sent
     * something, else (a server that closes at once, e.g. refusing us at
     * accept) it counts as a failed round and the wait keeps growing. */
    uint32_t backoff_min_ms; /* default 1000 */
    uint32_t backoff_max_ms; /* default 60000 */
    dnp3_keepalive_t keepalive;
    dnp3_session_t session; /* required: ops, on_bytes and take_output */
} dnp3_tcp_client_config_t;

DNP3_API void dnp3_tcp_client_config_default(dnp3_tcp_client_config_t *cfg);

/* Start connecting (the first attempt is made at once). The host strings
 * are copied. *out (optional) receives the client. Returns 0,
 * DNP3_E_INVALID_ARG (no endpoint, more than DNP3_RUNTIME_ENDPOINT_MAX,
 * missing session functions, min > max), DNP3_E_NOMEM or DNP3_E_STOPPED. */
DNP3_API int dnp3_runtime_add_tcp_client(dnp3_runtime_t *rt, const dnp3_tcp_client_config_t *cfg,
                                         dnp3_tcp_client_t **out);

/* The client's current connection, NULL while not connected. */
DNP3_API dnp3_conn_t *dnp3_tcp_client_conn(const dnp3_tcp_client_t *c);

#ifdef __cplusplus
}
#endif
#endif
