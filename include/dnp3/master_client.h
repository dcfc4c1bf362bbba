/* dnp3c: masters on the runtime — the glue that puts master associations
 * (dnp3/master.h) on TCP connections (dnp3/runtime.h).
 *
 * A master channel is one TCP client connection (to an endpoint list:
 * primary, then backups, with reconnect backoff) carrying one mux
 * (dnp3/mux.h) and the associations attached to it. One association per
 * channel is the common case; several associations with different
 * outstation addresses on one channel is multi-drop (a terminal server in
 * front of a serial bus of outstations, polled in turn by the mux's round
 * robin). Connect attempts, failures and disconnects are reported to every
 * association's health (dnp3_master_assoc_on_connecting, _on_connect_failed,
 * LINK_DOWN) and to the channel's on_event callback. On each connect, every
 * attached association whose configuration has startup_link_reset gets a
 * RESET_LINK_STATES (IEEE 1815-2012 9.2.6.2), in the order they were
 * added, one at a time (the next once the previous is ACKed or has failed
 * after the confirm retries; a failure is logged at WARN), all before any
 * association's first request. One added while connected gets its reset
 * when the primary station is next free. The listener (dial-in) does not
 * send it.
 *
 *     dnp3_master_channel_config_t cc;
 *     dnp3_master_channel_config_default(&cc);
 *     dnp3_tcp_endpoint_t eps[] = {{"10.0.0.5", 20000}, {"10.0.1.5", 20000}};
 *     cc.endpoints = eps;
 *     cc.endpoint_count = 2;
 *     dnp3_master_channel_t *ch;
 *     dnp3_master_channel_new(rt, &cc, &ch);
 *     dnp3_master_channel_add(ch, assoc);      // before or after the connect
 *     dnp3_runtime_run(rt);
 *     dnp3_runtime_free(rt);                   // then:
 *     dnp3_master_channel_free(ch);
 *
 * Threading: the runtime's loop thread only (see dnp3/runtime.h). After
 * queuing a task on an association from outside the channel's own callbacks
 * (a posted closure, a signal handler callback, another connection's
 * callback), call dnp3_master_channel_wake() so the request is sent now.
 *
 * Memory: the mux (its channel, session table, buffers) is allocated by
 * dnp3_master_channel_new; the runtime's TCP client adds its own (see
 * dnp3/runtime.h). Nothing is allocated per connection or per fragment. */
#ifndef DNP3_MASTER_CLIENT_H
#define DNP3_MASTER_CLIENT_H

#include "dnp3/master.h"
#include "dnp3/mux.h"
#include "dnp3/runtime.h"
#include "dnp3/types.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct dnp3_master_channel dnp3_master_channel_t;

/* What happened to the channel's connection (for a log or a display). */
typedef enum dnp3_master_channel_event_kind {
    DNP3_MASTER_CHANNEL_CONNECTING = 0, /* an attempt to endpoint begins */
    DNP3_MASTER_CHANNEL_CONNECTED,      /* connected to endpoint */
    DNP3_MASTER_CHANNEL_CONNECT_FAILED, /* endpoint: error (DNP3_E_CONN_*...); a retry follows */
    DNP3_MASTER_CHANNEL_DISCONNECTED    /* the connection closed: reason */
} dnp3_master_channel_event_kind_t;

typedef struct dnp3_master_channel_event {
    dnp3_master_channel_event_kind_t kind;
    const char *endpoint;            /* "host:port" (CONNECTING, CONNECTED, CONNECT_FAILED) */
    int error;                       /* CONNECT_FAILED: DNP3_E_CONN_REFUSED, _CONN_TIMEOUT,
                                        _HOST_UNREACHABLE, _RESOLVE, _ADDRESS, _IO */
    dnp3_disconnect_reason_t reason; /* DISCONNECTED */
    const dnp3_conn_info_t *info;    /* CONNECTED: the connection (valid during the call) */
} dnp3_master_channel_event_t;

typedef struct dnp3_master_channel_config {
    /* Tried in order; copied by _new (1..DNP3_RUNTIME_ENDPOINT_MAX). */
    const dnp3_tcp_endpoint_t *endpoints;
    size_t endpoint_count;
    uint32_t connect_timeout_ms; /* default 5000 */
    uint32_t backoff_min_ms;     /* default 1000 */
    uint32_t backoff_max_ms;     /* default 60000 */
    dnp3_keepalive_t tcp_keepalive;
    /* Link-layer keep-alive: REQUEST_LINK_STATUS when the line has been
     * idle this long (9.2.6.4); unanswered after the retries, the
     * connection is closed and re-opened, so a dead peer is found before a
     * poll times out. 0 = off. Default 60000. */
    uint32_t link_keepalive_ms;
    uint32_t link_confirm_timeout_ms; /* link replies (keep-alive); default 2000 */
    /* A partial fragment (or, in a pool buffer, a split frame) dropped when
     * its next part is this late: dnp3_channel_config_t
     * reassembly_timeout_ms. 0 = never; default 10000. */
    uint32_t reassembly_timeout_ms;
    /* Associations this channel can hold (1..DNP3_MUX_MAX_SESSIONS,
     * at most 16 distinct master addresses). Default 1. */
    size_t max_associations;
    size_t max_rx_fragment; /* default 2048 (4.2.2.1) */
    size_t max_tx_fragment; /* default 2048 */
    /* Diagnostics of the mux (an outstation speaking from an address no
     * association polls, foreign frames, stalls). log NULL: the runtime's
     * logger (its level filters too); level as runtime.h. */
    dnp3_logger_t logger;
    /* Optional: connection events (called on the loop thread). */
    void (*on_event)(void *user, dnp3_master_channel_t *ch, const dnp3_master_channel_event_t *ev);
    void *user;
} dnp3_master_channel_config_t;

/* Fill cfg with the defaults above (no endpoint: set endpoints). */
DNP3_API void dnp3_master_channel_config_default(dnp3_master_channel_config_t *cfg);

/* Create the channel and start connecting (the first attempt at once, or
 * when the runtime runs). Returns 0, DNP3_E_INVALID_ARG (NULL, no endpoint,
 * too many, max_associations out of range, a bad fragment size),
 * DNP3_E_NOMEM or DNP3_E_STOPPED (the runtime has stopped). */
DNP3_API int dnp3_master_channel_new(dnp3_runtime_t *rt, const dnp3_master_channel_config_t *cfg,
                                     dnp3_master_channel_t **out);

/* Free the channel's mux and record. The associations are not freed (the
 * caller owns them). Call after dnp3_runtime_free() (the runtime drives
 * the channel until then). NULL is accepted. */
DNP3_API void dnp3_master_channel_free(dnp3_master_channel_t *ch);

/* Attach an association (its master and outstation addresses tell it
 * apart). While connected it gets LINK_UP at once; added while an attempt
 * is under way (the first starts in _new), it learns of that attempt when
 * it ends. The channel installs its traffic probe in the association
 * (dnp3_master_assoc_set_traffic_probe): a response timeout on a
 * connection that received not one byte says so and names the addresses
 * to check; drive the association no more once the channel is freed.
 * Returns 0,
 * DNP3_E_INVALID_ARG, DNP3_E_STATE (the same address pair is attached),
 * DNP3_E_NOSPACE (max_associations reached). */
DNP3_API int dnp3_master_channel_add(dnp3_master_channel_t *ch, dnp3_master_assoc_t *a);

/* Send what the associations have queued now (see Threading). Returns 0
 * (also when not connected: it goes out on connect) or DNP3_E_INVALID_ARG. */
DNP3_API int dnp3_master_channel_wake(dnp3_master_channel_t *ch);

/* The connection now, NULL while not connected. */
DNP3_API dnp3_conn_t *dnp3_master_channel_conn(const dnp3_master_channel_t *ch);

/* The mux, for its counters and the channel under it. */
DNP3_API dnp3_mux_t *dnp3_master_channel_mux(dnp3_master_channel_t *ch);

/* ---- listening for outstations that dial in -------------------------------
 *
 * Outstations behind NAT (cellular sites) connect to the master instead
 * (a dual end point outstation). The listener accepts them and
 * tells them apart by the link source address of the first fragment they
 * send (an outstation sends its null unsolicited response at start-up):
 * the registered association with that outstation address (and master
 * address = the fragment's destination) is attached to the connection and
 * starts as on a client connection. A second connection of the same
 * outstation replaces the first (the site re-dialled). A fragment from an
 * address nobody registered closes the connection (logged). */

typedef struct dnp3_master_listener dnp3_master_listener_t;

typedef struct dnp3_master_listener_config {
    const char *address;      /* numeric; default "0.0.0.0" */
    uint16_t port;            /* default 20000; 0 = any free port */
    size_t max_connections;   /* default 64 */
    const char *const *allow; /* source networks (CIDR), as dnp3_tcp_server_config_t */
    size_t allow_count;
    dnp3_keepalive_t tcp_keepalive;
    size_t max_associations;          /* registered at most; default 64 */
    uint32_t link_keepalive_ms;       /* as the channel config; default 60000 */
    uint32_t link_confirm_timeout_ms; /* default 2000 */
    uint32_t reassembly_timeout_ms;   /* as the channel config; default 10000 */
    size_t max_rx_fragment;           /* default 2048 */
    size_t max_tx_fragment;           /* default 2048 */
    /* Slow and idle peers (dnp3/mux.h): a connection with no valid frame
     * first_frame_timeout_ms after it opened (an outstation sends its null
     * unsolicited response at once), or whose partial frame stayed
     * incomplete for partial_frame_timeout_ms, is closed and logged, so
     * strays cannot hold the max_connections slots. 0 = off. */
    uint32_t first_frame_timeout_ms;   /* default 30000 */
    uint32_t partial_frame_timeout_ms; /* default 10000 */
    dnp3_logger_t logger;              /* the muxes' diagnostics */
    /* Optional: an association was identified on a connection (attached
     * true) or its connection closed (attached false). */
    void (*on_attach)(void *user, dnp3_master_assoc_t *a, const dnp3_conn_info_t *info,
                      bool attached);
    void *user;
} dnp3_master_listener_config_t;

DNP3_API void dnp3_master_listener_config_default(dnp3_master_listener_config_t *cfg);

/* Bind and listen. Returns 0, DNP3_E_INVALID_ARG, DNP3_E_NOMEM, or the
 * errors of dnp3_runtime_add_tcp_server (DNP3_E_ADDR_IN_USE, ...). */
DNP3_API int dnp3_master_listener_new(dnp3_runtime_t *rt, const dnp3_master_listener_config_t *cfg,
                                      dnp3_master_listener_t **out);

/* Register an association to be attached when its outstation dials in
 * (its master address must be one of at most 16 distinct master
 * addresses). Returns 0, DNP3_E_INVALID_ARG, DNP3_E_STATE (the same pair
 * is registered), DNP3_E_NOSPACE (max_associations, or a 17th master
 * address). */
DNP3_API int dnp3_master_listener_add(dnp3_master_listener_t *l, dnp3_master_assoc_t *a);

/* The address bound (the port chosen when port was 0). */
DNP3_API int dnp3_master_listener_endpoint(const dnp3_master_listener_t *l, dnp3_endpoint_t *out);

/* Send what the association has queued now (no-op while its outstation is
 * not connected). Returns 0 or DNP3_E_INVALID_ARG (not registered). */
DNP3_API int dnp3_master_listener_wake(dnp3_master_listener_t *l, dnp3_master_assoc_t *a);

/* Free the listener's records (after dnp3_runtime_free). NULL is accepted. */
DNP3_API void dnp3_master_listener_free(dnp3_master_listener_t *l);

/* "connecting", "connected", "connect failed", "disconnected"; never NULL. */
DNP3_API const char *dnp3_master_channel_event_name(dnp3_master_channel_event_kind_t k);

#ifdef __cplusplus
}
#endif
#endif
