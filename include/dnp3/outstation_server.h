/* dnp3c: outstations on the network runtime (the glue between the sans-IO
 * outstation sessions, dnp3/outstation.h, and the libuv runtime,
 * dnp3/runtime.h).
 *
 * One dnp3_outstation_server_t hosts any number of outstations (each its
 * own link address and database) and their associations (one per master
 * link address, each its own dnp3_outstation_t and event buffer over the
 * station's database). It serves them on TCP listening ports and/or by
 * connecting out to masters that listen (dual end point).
 *
 * Every connection gets its own mux (dnp3/mux.h). The association a
 * connection carries is learned from its first frame: the destination
 * names the outstation (link address), the source names the master; the
 * association of that pair is attached to the connection's mux, after its
 * own allow-list (CIDR) is checked against the connection's source. If the
 * association is already carried by another connection, the new one
 * replaces the old one (which is closed; the usual case is a half-open
 * connection left by a master that restarted) or, with
 * replace_connections false, the new one is closed. A server hosting ONE
 * association attaches it when a connection opens (if free, the source is
 * allowed and replace_connections is on: a stray connection can then never
 * lock the master out), so its null unsolicited response (4.6.2) goes out
 * at once. Frames for an address
 * no station has are counted and logged with both addresses by the mux;
 * frames from a master with no association are counted and logged here.
 *
 *     dnp3_outstation_server_config_t sc;
 *     dnp3_outstation_server_config_default(&sc);
 *     dnp3_outstation_server_t *srv = dnp3_outstation_server_new(rt, &sc, &err);
 *     dnp3_outstation_server_add_station(srv, 10, db);            // address 10
 *     dnp3_outstation_association_config_t ac;
 *     dnp3_outstation_association_config_default(&ac);         // 10 <- master 1
 *     dnp3_outstation_server_add_association(srv, db, &ac, &o);
 *     dnp3_tcp_server_config_t tc;
 *     dnp3_tcp_server_config_default(&tc);                        // 0.0.0.0:20000
 *     dnp3_outstation_server_listen(srv, &tc, &listener);
 *     ... dnp3_runtime_run(rt); dnp3_outstation_server_free(srv); dnp3_runtime_free(rt);
 *
 * Threading: every function is for the runtime's loop thread (or before
 * dnp3_runtime_run), except dnp3_outstation_server_update, which any
 * thread may call.
 *
 * Memory: the server allocates at _new (the update queue), at each _add
 * (the association's session and event buffer, dnp3_outstation_memory,
 * and its allow-list, as many entries as given) and per connection (its
 * mux and channel, dnp3_mux_memory: about 2 x max fragment size + 3 KB
 * with one association per connection; the runtime's write buffer is one
 * for all connections); nothing per frame or per update. */
#ifndef DNP3_OUTSTATION_SERVER_H
#define DNP3_OUTSTATION_SERVER_H

#include "dnp3/channel.h"
#include "dnp3/database.h"
#include "dnp3/outstation.h"
#include "dnp3/runtime.h"
#include "dnp3/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dnp3_outstation_server dnp3_outstation_server_t;

/* Most stations (outstation link addresses) one server hosts: every
 * connection's channel answers all of them (DNP3_CHANNEL_MAX_LOCAL). */
#define DNP3_OUTSTATION_SERVER_MAX_STATIONS 16u

typedef struct dnp3_outstation_server_config {
    /* Link layer of every connection: framing-error policy, fragment
     * sizes, link confirm timeout and retries, and keepalive_ms, the idle
     * period after which the outstation sends REQUEST_LINK_STATUS and
     * closes the connection if no answer comes (9.2.6.4; a half-open
     * connection then frees its slot), and reassembly_timeout_ms, after
     * which a request's partial fragment gives its shared buffer back.
     * role and local addresses are set by the server. Default: dnp3_channel_config_default with
     * keepalive_ms 60000. */
    dnp3_channel_config_t link;
    /* A connection for an association already connected replaces the old
     * connection (true, default) or is closed (false). Logged either way. */
    bool replace_connections;
    /* Associations one connection may carry (a master polling several
     * stations hosted here over one connection). Default 4. */
    size_t max_associations_per_connection;
    /* Updates dnp3_outstation_server_update can hold before the loop
     * applies them (the whole queue is allocated at _new). Default 4096. */
    size_t update_queue_size;
    /* Slow and idle peers (dnp3/mux.h): a connection that has not sent a
     * valid frame first_frame_timeout_ms after it opened, or whose partial
     * frame stayed incomplete for partial_frame_timeout_ms, is closed and
     * logged with the reason, so peers that connect and stay silent or
     * stall cannot hold the port's max_connections slots. 0 = off.
     * Defaults 30000 and 10000 (a master speaks at once after connecting:
     * an integrity poll or a confirm of the null unsolicited response; a
     * whole frame, 292 octets, takes far less than 10 s even at 1200 bit/s
     * behind a terminal server). */
    uint32_t first_frame_timeout_ms;
    uint32_t partial_frame_timeout_ms;
    /* The foreign-address log interval of every mux (dnp3/mux.h). */
    uint32_t foreign_log_interval_ms; /* default 10000 */
    /* Protocol trace of every connection's link layer and transport
     * function (dnp3/mux.h decode_link / decode_transport), at INFO through
     * the runtime's logger. Default NOTHING; the application layer is
     * traced per association (dnp3_outstation_config_t.decode). */
    dnp3_link_decode_t decode_link;
    dnp3_transport_decode_t decode_transport;
} dnp3_outstation_server_config_t;

/* Fill cfg with the defaults above. */
DNP3_API void dnp3_outstation_server_config_default(dnp3_outstation_server_config_t *cfg);

/* Create a server on rt (which must outlive it; logs go through the
 * runtime's logger). Returns NULL on a NULL argument, an invalid cfg or
 * short memory; *err (if not NULL) says DNP3_E_INVALID_ARG or
 * DNP3_E_NOMEM. */
DNP3_API dnp3_outstation_server_t *
dnp3_outstation_server_new(dnp3_runtime_t *rt, const dnp3_outstation_server_config_t *cfg,
                           int *err);

/* Free the server and its associations (not the databases: they are the
 * application's). Call after dnp3_runtime_run returned (every connection
 * is then closed and every queued update applied) or, if the runtime never
 * ran, after dnp3_runtime_free (which runs the closures still posted,
 * among them the server's update drain). NULL is ignored. */
DNP3_API void dnp3_outstation_server_free(dnp3_outstation_server_t *srv);

/* Host an outstation at link address `address` (0..0xFFEF) with database
 * db (which must outlive the server). Errors: DNP3_E_INVALID_ARG (NULL,
 * address reserved), DNP3_E_STATE (address or db already hosted, or
 * a connection is open or dnp3_outstation_server_connect was called: a
 * connection's link layer answers the addresses hosted when it was made),
 * DNP3_E_NOSPACE (DNP3_OUTSTATION_SERVER_MAX_STATIONS). */
DNP3_API int dnp3_outstation_server_add_station(dnp3_outstation_server_t *srv, uint16_t address,
                                                dnp3_db_t *db);

/* Most allowed networks of one association. */
#define DNP3_OUTSTATION_ALLOW_MAX 16u

typedef struct dnp3_outstation_association_config {
    /* The session: local_address names the station (added before),
     * master_address the master. */
    dnp3_outstation_config_t session;
    dnp3_outstation_callbacks_t callbacks;
    void *callbacks_ctx;
    /* Source networks this master may connect from (CIDR text, copied);
     * allow_count 0 allows any source. Checked when a connection's first
     * frame names this association; outside them, the connection is
     * closed and logged. */
    const char *const *allow;
    size_t allow_count;
} dnp3_outstation_association_config_t;

/* session: dnp3_outstation_config_default; no callbacks, any source. */
DNP3_API void dnp3_outstation_association_config_default(dnp3_outstation_association_config_t *cfg);

/* Create the association (its session over the station's database) and
 * host it. *out (optional) receives the session, for its counters and
 * the application's IIN and local mode (loop thread only). Errors:
 * DNP3_E_INVALID_ARG (NULL, no station at session.local_address, more
 * than DNP3_OUTSTATION_ALLOW_MAX networks), DNP3_E_ADDRESS (an allow
 * entry is not CIDR), DNP3_E_STATE (the pair exists already, or
 * a connection is open or dnp3_outstation_server_connect was called), and
 * dnp3_outstation_new's errors. */
DNP3_API int dnp3_outstation_server_add_association(dnp3_outstation_server_t *srv,
                                                    const dnp3_outstation_association_config_t *cfg,
                                                    dnp3_outstation_t **out);

/* Listen on a TCP port for masters (any number of ports). cfg's accept
 * and accept_user are set by the server; the rest (address, port,
 * max_connections, port allow-list, keep-alive, backlog) is used as
 * given. Errors: those of dnp3_runtime_add_tcp_server (DNP3_E_ADDR_IN_USE,
 * DNP3_E_PERMISSION, DNP3_E_ADDRESS, ...), DNP3_E_INVALID_ARG (NULL). */
DNP3_API int dnp3_outstation_server_listen(dnp3_outstation_server_t *srv,
                                           const dnp3_tcp_server_config_t *cfg,
                                           dnp3_listener_t **out);

/* Dual end point: connect out to a master that listens, reconnecting with
 * the client's backoff (dnp3/runtime.h). On each connection every
 * association whose master_address is `master` and that is not carried by
 * another connection is attached at once (so the null unsolicited
 * response goes out), others on their first frame as on a server. cfg's
 * session is set by the server. Errors: those of
 * dnp3_runtime_add_tcp_client, DNP3_E_NOMEM. */
DNP3_API int dnp3_outstation_server_connect(dnp3_outstation_server_t *srv, uint16_t master,
                                            const dnp3_tcp_client_config_t *cfg,
                                            dnp3_tcp_client_t **out);

/* ---- database updates from any thread -------------------------------------- */

/* One point update (the arguments of a dnp3_db_update_* call). */
typedef struct dnp3_point_update {
    dnp3_point_type_t type;
    uint32_t index;
    uint8_t flags;    /* DNP3_FLAG_* quality bits */
    dnp3_time_t time; /* UTC ms of the value */
    union {
        bool binary;        /* binary input, binary output status */
        uint8_t double_bit; /* DNP3_DBIT_* */
        uint32_t counter;   /* counter, frozen counter */
        double analog;      /* analog input, analog output status */
        struct {
            uint8_t len;
            uint8_t data[DNP3_OCTET_STRING_MAX];
        } octets;
    } value;
} dnp3_point_update_t;

/* Apply n updates to the station database db as ONE batch (dnp3_db_begin
 * .. dnp3_db_commit on the loop thread), so no response shows part of
 * them; then every connection carrying an association of db is woken
 * (events may start an unsolicited response). The updates are copied:
 * callable from any thread, and returns before they are applied. A batch
 * that fails on the loop (a bad index: dnp3_db_update_* errors) is aborted
 * whole and counted in updates_rejected, with a log line. Errors:
 * DNP3_E_INVALID_ARG (NULL, n 0, db not hosted), DNP3_E_QUEUE_FULL (n
 * more would not fit in update_queue_size: nothing queued, try again),
 * DNP3_E_STOPPED (the runtime has stopped). */
DNP3_API int dnp3_outstation_server_update(dnp3_outstation_server_t *srv, dnp3_db_t *db,
                                           const dnp3_point_update_t *updates, size_t n);

/* On the loop thread: the application changed db directly (its own
 * dnp3_db_begin .. commit); wake the connections that carry its
 * associations. Errors: DNP3_E_INVALID_ARG (NULL, db not hosted). */
DNP3_API int dnp3_outstation_server_changed(dnp3_outstation_server_t *srv, dnp3_db_t *db);

/* ---- counters ----------------------------------------------------------------- */

typedef struct dnp3_outstation_server_counters {
    uint64_t connections;        /* connections that got a mux (accepted or connected out) */
    uint64_t connections_open;   /* now */
    uint64_t attaches;           /* associations attached to a connection */
    uint64_t replaced;           /* old connections closed for a new one of their association */
    uint64_t refused_duplicate;  /* new connections closed: association already connected */
    uint64_t refused_allow_list; /* connections closed: source outside the association's list */
    uint64_t refused_full;       /* attaches refused: max_associations_per_connection */
    uint64_t unknown_master;     /* fragments from a master with no association here */
    uint64_t foreign_frames;     /* frames for a link address no station has (all muxes) */
    uint64_t link_closes;        /* connections closed by the link (keep-alive, framing,
                                  * silent or stalled peer) */
    uint64_t update_batches;     /* dnp3_outstation_server_update batches applied */
    uint64_t updates;            /* ... their updates */
    uint64_t updates_rejected;   /* batches aborted on the loop */
    /* Partial fragments and split frames dropped by the reassembly timeout
     * (link.reassembly_timeout_ms, dnp3/channel.h; all muxes). */
    uint64_t reassembly_timeouts;
} dnp3_outstation_server_counters_t;

/* Copy the counters (loop thread, or after run returned). Errors:
 * DNP3_E_INVALID_ARG (NULL). */
DNP3_API int dnp3_outstation_server_counters(const dnp3_outstation_server_t *srv,
                                             dnp3_outstation_server_counters_t *out);

/* The hosted associations, for iteration (0 .. count-1, in the order they
 * were added); NULL beyond. Loop thread. */
DNP3_API size_t dnp3_outstation_server_association_count(const dnp3_outstation_server_t *srv);
DNP3_API dnp3_outstation_t *dnp3_outstation_server_association(const dnp3_outstation_server_t *srv,
                                                               size_t i, uint16_t *local,
                                                               uint16_t *master, bool *connected);

#ifdef __cplusplus
}
#endif
#endif
