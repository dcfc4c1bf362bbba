/* Internals of the outstation server (src/runtime/outstation_server*.c):
 * outstation_server.c (stations, associations, connections and their
 * muxes), outstation_server_update.c (the cross-thread update queue). */
#ifndef DNP3I_OUTSTATION_SERVER_INTERNAL_H
#define DNP3I_OUTSTATION_SERVER_INTERNAL_H

#include <uv.h>

#include "dnp3/mux.h"
#include "dnp3/outstation_server.h"
#include "runtime/runtime_internal.h"

typedef struct dnp3i_os_conn dnp3i_os_conn_t;

typedef struct dnp3i_os_station {
    uint16_t address;
    dnp3_db_t *db;
} dnp3i_os_station_t;

typedef struct dnp3i_os_assoc {
    dnp3_outstation_t *session;
    dnp3_db_t *db;
    uint16_t local, master;
    /* The allow-list, allow_count entries allocated at creation (NULL when
     * empty, the usual case): not a DNP3_OUTSTATION_ALLOW_MAX array in
     * every association. */
    dnp3_network_t *allow;
    uint32_t allow_count;
    dnp3i_os_conn_t *conn; /* the connection carrying it, or NULL */
    /* Events its buffer discarded (overflow), as last logged, and when. */
    uint64_t discards_logged;
    dnp3_timestamp_t discards_logged_at;
    bool discards_once; /* logged at least once */
} dnp3i_os_assoc_t;

/* One connection (accepted: lives for it; a client's: for the client). */
struct dnp3i_os_conn {
    dnp3i_link_t link; /* srv->conns */
    dnp3_outstation_server_t *srv;
    dnp3_mux_t *mux;
    dnp3_conn_t *conn; /* while open */
    uint64_t id;
    char peer[DNP3_ENDPOINT_TEXT_MAX];
    dnp3_endpoint_t peer_ep;
    bool client;         /* a dnp3_outstation_server_connect connection */
    uint16_t master;     /* client: the master it connects to */
    bool unknown_logged; /* one "no association" line per connection */
};

/* One queued update; the first of a batch carries its length. */
typedef struct dnp3i_os_update {
    dnp3_db_t *db;
    uint32_t batch; /* updates in the batch this one starts; 0 inside a batch */
    dnp3_point_update_t u;
} dnp3i_os_update_t;

struct dnp3_outstation_server {
    dnp3_runtime_t *rt;
    dnp3_outstation_server_config_t cfg;
    dnp3i_os_station_t stations[DNP3_OUTSTATION_SERVER_MAX_STATIONS];
    size_t station_count;
    dnp3i_os_assoc_t *assocs;
    size_t assoc_count, assoc_cap;
    dnp3i_link_t conns;
    dnp3_outstation_server_counters_t counters;

    uv_mutex_t lock; /* the update queue */
    dnp3i_os_update_t *queue;
    size_t q_head, q_used; /* ring of cfg.update_queue_size */
    bool drain_posted;
};

/* Wake every open connection that carries an association of db. */
void dnp3i_os_wake_db(dnp3_outstation_server_t *srv, const dnp3_db_t *db);
/* Whether db is a hosted station's database. */
bool dnp3i_os_hosts_db(const dnp3_outstation_server_t *srv, const dnp3_db_t *db);

#endif
