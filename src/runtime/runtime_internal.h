/* Runtime internals shared by the files of src/runtime (never installed).
 *
 * Pieces: runtime.c (loop, stop, post, clock), log.c (logger, refusal
 * summaries), endpoint.c (addresses, CIDR, error mapping), conn.c (drives a
 * session over a byte stream), stream_tcp.c (the TCP byte stream),
 * server.c (listeners), client.c (connect, backoff), capture.c (pcap). */
#ifndef DNP3I_RUNTIME_INTERNAL_H
#define DNP3I_RUNTIME_INTERNAL_H

#include <stdarg.h>
#include <stdatomic.h>
#include <uv.h>

#include "dnp3/channel.h"
#include "dnp3/pcap.h"
#include "dnp3/runtime.h"
#include "runtime/pcap_internal.h"

/* Longest busy-poll window (dnp3_runtime_config_t.busy_poll_us). */
#define DNP3I_BUSY_POLL_MAX_US 1000000u

/* Hot connections: the most recent that carried bytes in this busy-poll
 * window, read directly between loop rounds. A pass over them costs one
 * non-blocking read (about 0.3-0.5 us) per connection that has nothing:
 * with 4, a pass stays under the ~2 us of a loop round, so an arrival on
 * any of them is still found sooner than the loop's epoll_wait would; the
 * command latency busy polling is for is one or two connections' (a
 * master's outstation, an outstation's master). */
#define DNP3I_HOT_MAX 4u

/* Intrusive doubly linked list (a ring with a sentinel head). */
typedef struct dnp3i_link {
    struct dnp3i_link *prev, *next;
} dnp3i_link_t;

void dnp3i_list_init(dnp3i_link_t *head);
void dnp3i_list_push(dnp3i_link_t *head, dnp3i_link_t *item);
void dnp3i_list_remove(dnp3i_link_t *item);
#define DNP3I_CONTAINER(ptr, type, member) ((type *)(void *)((char *)(ptr)-offsetof(type, member)))

/* ---- the byte stream interface -------------------------------------------
 * What a connection needs from its transport. TCP implements it now; TLS,
 * UDP and serial implement the same functions later, and neither the
 * connection code nor the sessions change. The stream reports back through
 * the dnp3i_conn_stream_* functions below. */
typedef struct dnp3i_stream dnp3i_stream_t;
/* The memory of one queued write, kept by the connection (in its backlog
 * chunk, not in every stream) until dnp3i_conn_stream_written. */
typedef union dnp3i_write_req {
    uv_write_t uv;
} dnp3i_write_req_t;

/* What the kernel did not take of one write: the request and the bytes
 * (write_buffer_size of room). */
typedef struct dnp3i_backlog {
    dnp3i_write_req_t req;
    uint8_t data[];
} dnp3i_backlog_t;

typedef struct dnp3i_stream_ops {
    const char *name; /* "tcp" */
    /* Begin delivering received bytes (dnp3i_conn_stream_read). */
    int (*start_read)(dnp3i_stream_t *s);
    /* Hand data[0..len) to the transport now, without waiting. Returns the
     * bytes it took (0..len; the rest is the caller's to keep) or a
     * negative DNP3_E_* code. The data need not outlive the call. */
    int (*try_write)(dnp3i_stream_t *s, const uint8_t *data, size_t len);
    /* Queue data[0..len) (what try_write did not take). Returns 0, then
     * dnp3i_conn_stream_written follows once it is all sent (req and the
     * bytes must stay valid until then), or a negative DNP3_E_* code. At
     * most one write is in flight. */
    int (*write)(dnp3i_stream_t *s, dnp3i_write_req_t *req, const uint8_t *data, size_t len);
    /* Graceful end: after the pending write, FIN, then close. */
    void (*shutdown)(dnp3i_stream_t *s);
    /* Abrupt end: close now. Both ends call dnp3i_conn_stream_closed once. */
    void (*close)(dnp3i_stream_t *s);
    /* Our address (peer false) or the peer's. */
    int (*address)(const dnp3i_stream_t *s, bool peer, dnp3_endpoint_t *out);
    /* Optional (NULL: the stream is never hot). Busy polling's direct
     * read: take what has arrived now, without waiting and without the
     * loop, and report it exactly as a read the loop made would
     * (dnp3i_conn_stream_read, or dnp3i_conn_stream_ended with the same
     * code). Returns the bytes delivered, 0 when nothing had arrived, or
     * -1 when the stream ended (reported). */
    int (*try_read)(dnp3i_stream_t *s);
} dnp3i_stream_ops_t;

struct dnp3i_stream {
    const dnp3i_stream_ops_t *ops;
    dnp3_conn_t *conn; /* set by dnp3i_conn_new */
};

/* ---- logging and refusal summaries ---------------------------------------- */

#define DNP3I_REFUSAL_SLOTS 32u

typedef struct dnp3i_refusal {
    bool used;
    dnp3_endpoint_t source; /* port ignored */
    uint64_t suppressed[DNP3_REFUSE_REASON_COUNT];
} dnp3i_refusal_t;

typedef struct dnp3i_post {
    void (*fn)(void *arg);
    void *arg;
} dnp3i_post_t;

struct dnp3_runtime {
    uv_loop_t loop;
    dnp3_runtime_config_t cfg;
    dnp3_logger_t logger;
    dnp3_pcap_writer_t *pcap;

    uv_async_t stop_async;
    uv_async_t post_async;
    uv_timer_t summary_timer; /* unref'd: refusal summaries */
    uv_timer_t linger_timer;  /* unref'd: abrupt close of what a stop left open */
    uv_timer_t flush_timer;   /* unref'd: capture flushed to disk */
    uv_signal_t sig[DNP3_RUNTIME_SIGNAL_MAX];
    void (*sig_fn[DNP3_RUNTIME_SIGNAL_MAX])(void *arg, int signum);
    void *sig_arg[DNP3_RUNTIME_SIGNAL_MAX];
    size_t nsig;

    atomic_bool stop_requested;
    bool stopping; /* the stop has begun on the loop thread */
    bool ran;

    uv_mutex_t post_lock;
    dnp3i_post_t *posts;
    size_t post_head, post_count;
    bool post_closed;

    /* The read buffer of every connection: a read is handed to its
     * session (which copies what it keeps) before the loop reads again, so
     * one buffer serves them all (read_buffer_size bytes, not one each). */
    uint8_t *rbuf;
    /* The write buffer of every connection (write_buffer_size): output is
     * collected here and handed to the kernel at once; only what it does
     * not take is copied to a backlog chunk (below) held by that
     * connection until sent. wbuf_busy: a flush is collecting into it;
     * a connection woken meanwhile waits in wbuf_deferred. */
    uint8_t *wbuf;
    bool wbuf_busy;
    /* Fragment buffers of the connections' channels (fragment_pool_*). */
    dnp3_fragment_pool_t *frag_pool;
    dnp3_conn_t *wbuf_deferred;
    /* Backlog chunks of write_buffer_size bytes, allocated when first
     * needed, up to write_backlog_max bytes in all, and reused (free list
     * threaded through the chunks). */
    /* The text of a close asked from inside a session callback, until the
     * callback returns: one session callback runs at a time, so one text
     * serves every connection (not 128 bytes in each). */
    char pending_why[128];
    dnp3_conn_t *pending_why_of;
    void *backlog_free;
    size_t backlog_chunks, backlog_held;

    dnp3i_link_t conns, listeners, clients;
    /* Connect pacing (max_connecting): clients waiting for a slot (FIFO),
     * attempts holding one, and the timer that starts waiting clients
     * (from the loop, never from inside another client's callback). */
    dnp3i_link_t connect_wait;
    size_t connecting;
    /* Clients whose last attempt found no file descriptor, and the last
     * ERROR line about it. */
    size_t nofile_clients;
    dnp3_timestamp_t nofile_logged;
    uv_timer_t pace_timer;
    uint64_t next_conn_id;
    dnp3_runtime_counters_t counters;
    /* Busy polling (cfg.busy_poll_us): posted closures run and signals
     * handled (with the counters' bytes and connections: the traffic that
     * restarts the window); polls without sleeping, and sleeps. The last
     * two are read by the tests from another thread (single writer). */
    uint64_t activity;
    atomic_uint_fast64_t busy_polls, busy_sleeps;
    /* The hot connections, the most recent first (busy polling only;
     * empty while the loop sleeps). A connection leaves at its close. */
    dnp3_conn_t *hot[DNP3I_HOT_MAX];
    size_t nhot;

    dnp3i_refusal_t refusals[DNP3I_REFUSAL_SLOTS];
    uint64_t refused_other[DNP3_REFUSE_REASON_COUNT]; /* sources beyond the slots */
};

void dnp3i_vlog(dnp3_runtime_t *rt, dnp3_log_level_t level, const char *fmt, va_list ap)
    __attribute__((format(printf, 3, 0)));
void dnp3i_log(dnp3_runtime_t *rt, dnp3_log_level_t level, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
bool dnp3i_log_enabled(const dnp3_runtime_t *rt, dnp3_log_level_t level);
/* Log (or fold into the next summary) a refusal at accept. */
void dnp3i_log_refusal(dnp3_runtime_t *rt, const char *local, const dnp3_endpoint_t *peer,
                       dnp3_refuse_reason_t reason, const char *why);
/* Write the summaries of the interval that ended and start a new one
 * (final: at the stop, a part of an interval, worded "since the last
 * summary"). */
void dnp3i_log_refusal_summary(dnp3_runtime_t *rt, bool final);
/* At the stop: every refusal since dnp3_runtime_new in one line, by reason
 * (the exact totals, whatever the summaries folded), when there was any. */
void dnp3i_log_refusal_total(dnp3_runtime_t *rt);

/* ---- addresses, networks, errors -------------------------------------------- */

/* From a sockaddr_in / sockaddr_in6 (IPv4-mapped IPv6 becomes IPv4). */
int dnp3i_endpoint_from_sockaddr(const struct sockaddr *sa, dnp3_endpoint_t *out);
/* Numeric host + port into a sockaddr_storage. Returns 0 or DNP3_E_ADDRESS. */
int dnp3i_sockaddr_from_text(const char *host, uint16_t port, struct sockaddr_storage *out);
/* A libuv error code as a DNP3_E_* code (refused, timed out, unreachable,
 * in use, permission, ... distinct; the rest DNP3_E_IO). */
int dnp3i_error_from_uv(int uv_code);

/* ---- connections ---------------------------------------------------------- */

struct dnp3_conn {
    dnp3_runtime_t *rt;
    dnp3i_link_t link; /* rt->conns */
    dnp3i_stream_t *stream;
    dnp3_listener_t *listener; /* accepted here, or NULL */
    dnp3_tcp_client_t *client; /* connected by this client, or NULL */
    dnp3_session_t session;
    dnp3_conn_info_t info;
    uv_timer_t timer;
    dnp3_timestamp_t timer_at;  /* the deadline the timer is armed for; NEVER: not armed */
    int handles;                /* stream + timer still open; freed at 0 */
    dnp3i_backlog_t *backlog;   /* what the kernel did not take, in flight; or NULL */
    dnp3_conn_t *deferred_next; /* rt->wbuf_deferred */
    bool deferred;
    bool opened, closing, write_pending, flush_again;
    bool in_session, flushing; /* inside a session callback / collecting output */
    bool pending_close;        /* close asked from inside a session callback */
    bool hot;                  /* in rt->hot */
    dnp3_disconnect_reason_t reason, pending_reason;
    uint64_t bytes_in, bytes_out;
    dnp3i_pcap_conv_t capture; /* this connection's TCP stream in the capture */
};

/* Create a connection over an open stream and open the session. Returns
 * NULL on allocation failure (the stream is then closed by the caller). */
dnp3_conn_t *dnp3i_conn_new(dnp3_runtime_t *rt, dnp3i_stream_t *stream, dnp3_session_t session,
                            dnp3_listener_t *listener, dnp3_tcp_client_t *client,
                            const dnp3_conn_info_t *info);
/* Opens the session (on_open), starts reading, first flush. */
void dnp3i_conn_start(dnp3_conn_t *conn);
void dnp3i_conn_close(dnp3_conn_t *conn, dnp3_disconnect_reason_t reason, const char *why);
/* Close what is left abruptly (the end of a stop's linger). */
void dnp3i_conn_abort(dnp3_conn_t *conn);

/* Busy polling: conn carried bytes (read or written) and becomes the most
 * recent hot connection, if its stream has try_read; it leaves the set at
 * its close (dnp3i_hot_remove). */
void dnp3i_hot_add(dnp3_conn_t *conn);
void dnp3i_hot_remove(dnp3_conn_t *conn);

/* Free the runtime's unused backlog chunks (at dnp3_runtime_free). */
void dnp3i_runtime_backlog_free(dnp3_runtime_t *rt);

/* What a stream reports. */
void dnp3i_conn_stream_buffer(dnp3_conn_t *conn, uint8_t **buf, size_t *cap);
void dnp3i_conn_stream_read(dnp3_conn_t *conn, const uint8_t *data, size_t len);
/* End of stream: code 0 = EOF, else a DNP3_E_* code. */
void dnp3i_conn_stream_ended(dnp3_conn_t *conn, int code);
void dnp3i_conn_stream_written(dnp3_conn_t *conn, int code);
void dnp3i_conn_stream_closed(dnp3_conn_t *conn);

/* ---- TCP streams ---------------------------------------------------------- */

typedef struct dnp3i_tcp_stream {
    dnp3i_stream_t base;
    uv_tcp_t tcp;
    uv_shutdown_t shutdown_req;
    uv_os_fd_t fd; /* the socket, while reading (try_read) */
    bool closing;
    bool reading; /* between start_read and the end of reading */
} dnp3i_tcp_stream_t;

/* Allocate and uv_tcp_init a stream on rt's loop. NULL if out of memory. */
dnp3i_tcp_stream_t *dnp3i_tcp_stream_new(dnp3_runtime_t *rt);
/* Close a stream that never became a connection (frees it). */
void dnp3i_tcp_stream_discard(dnp3i_tcp_stream_t *s);
/* Keep-alive on, idle 60 s, probes every 10 s, 6 probes. */
void dnp3i_keepalive_default(dnp3_keepalive_t *ka);
/* TCP_NODELAY and keep-alive on an open socket. */
void dnp3i_tcp_configure(dnp3_runtime_t *rt, uv_tcp_t *tcp, const dnp3_keepalive_t *ka);

/* ---- listeners and clients ------------------------------------------------ */

struct dnp3_listener {
    dnp3_runtime_t *rt;
    dnp3i_link_t link; /* rt->listeners */
    uv_tcp_t tcp;
    size_t max_connections;
    dnp3_network_t allow[DNP3_RUNTIME_ALLOW_MAX];
    size_t allow_count;
    dnp3_keepalive_t keepalive;
    dnp3_accept_fn accept;
    void *accept_user;
    dnp3_endpoint_t bound;
    char text[DNP3_ENDPOINT_TEXT_MAX];
    size_t open; /* connections now */
    bool closing;
    dnp3_timestamp_t nofile_logged; /* last ERROR line about the file limit */
};

void dnp3i_listener_conn_closed(dnp3_listener_t *l);
void dnp3i_listener_stop(dnp3_listener_t *l);
void dnp3i_listener_free(dnp3_listener_t *l);

/* Addresses of one host name tried before moving to the next endpoint. */
#define DNP3I_RESOLVED_MAX 4u

struct dnp3_tcp_client {
    dnp3_runtime_t *rt;
    dnp3i_link_t link; /* rt->clients */
    char *hosts[DNP3_RUNTIME_ENDPOINT_MAX];
    uint16_t ports[DNP3_RUNTIME_ENDPOINT_MAX];
    size_t endpoint_count;
    size_t current; /* endpoint being tried */
    uint32_t connect_timeout_ms, backoff_min_ms, backoff_max_ms, backoff_ms;
    dnp3_keepalive_t keepalive;
    dnp3_session_t session;
    uv_timer_t timer; /* connect timeout, or the wait before the next round */
    /* A name is resolved, then its addresses connected to: never both
     * requests in flight at once (libuv is done with the resolve request
     * when on_resolved runs, and a connect starts from there), so they
     * share their memory. */
    union {
        uv_getaddrinfo_t resolve;
        uv_connect_t connect_req;
    };
    /* Addresses of a host name: IPv4 or IPv6 only, so sockaddr_in6 (28
     * bytes) holds either (sockaddr_storage would take 128 each). */
    struct sockaddr_in6 resolved[DNP3I_RESOLVED_MAX];
    size_t nresolved, resolved_next;
    dnp3i_tcp_stream_t *attempt; /* socket of the attempt in progress */
    bool resolving, timed_out, stopping, timer_closed;
    bool waiting, has_slot; /* in rt->connect_wait / holds a connect slot */
    bool nofile;            /* counted in rt->nofile_clients */
    dnp3i_link_t wait_link; /* rt->connect_wait */
    dnp3_conn_t *conn;
};

void dnp3i_client_conn_closed(dnp3_tcp_client_t *c);
/* The client's connection received its first bytes (connect pacing). */
void dnp3i_client_answered(dnp3_tcp_client_t *c);
void dnp3i_client_stop(dnp3_tcp_client_t *c);
void dnp3i_client_free(dnp3_tcp_client_t *c);

/* ---- capture -------------------------------------------------------------- */

void dnp3i_capture_open(dnp3_runtime_t *rt, dnp3_conn_t *conn);
void dnp3i_capture_bytes(dnp3_runtime_t *rt, dnp3_conn_t *conn, bool sent, const uint8_t *data,
                         size_t len);
void dnp3i_capture_close(dnp3_runtime_t *rt, dnp3_conn_t *conn);

/* Wall clock in microseconds since 1970 (capture timestamps). */
uint64_t dnp3i_wall_us(void);

#endif
