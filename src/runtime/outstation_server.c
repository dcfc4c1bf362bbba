/* The outstation server: stations and associations hosted on listening
 * ports and outgoing connections, one mux per connection, associations
 * attached on the first frame that names them (see
 * dnp3/outstation_server.h). */
#include <stdlib.h>
#include <string.h>

#include "runtime/outstation_server_internal.h"

void dnp3_outstation_server_config_default(dnp3_outstation_server_config_t *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    dnp3_channel_config_default(&cfg->link);
    cfg->link.keepalive_ms = 60000;
    cfg->replace_connections = true;
    cfg->max_associations_per_connection = 4;
    cfg->update_queue_size = 4096;
    cfg->foreign_log_interval_ms = 10000;
    cfg->first_frame_timeout_ms = 30000;
    cfg->partial_frame_timeout_ms = 10000;
}

void dnp3_outstation_association_config_default(dnp3_outstation_association_config_t *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    dnp3_outstation_config_default(&cfg->session);
}

dnp3_outstation_server_t *
dnp3_outstation_server_new(dnp3_runtime_t *rt, const dnp3_outstation_server_config_t *cfg, int *err)
{
    int dummy;
    err = err ? err : &dummy;
    *err = DNP3_E_INVALID_ARG;
    if (!rt || !cfg || cfg->update_queue_size == 0 || cfg->max_associations_per_connection == 0 ||
        cfg->max_associations_per_connection > DNP3_MUX_MAX_SESSIONS)
        return NULL;
    *err = DNP3_E_NOMEM;
    dnp3_outstation_server_t *srv = calloc(1, sizeof *srv);
    if (!srv)
        return NULL;
    srv->queue = calloc(cfg->update_queue_size, sizeof *srv->queue);
    if (!srv->queue || uv_mutex_init(&srv->lock) != 0) {
        free(srv->queue);
        free(srv);
        return NULL;
    }
    srv->rt = rt;
    srv->cfg = *cfg;
    dnp3i_list_init(&srv->conns);
    *err = 0;
    return srv;
}

void dnp3_outstation_server_free(dnp3_outstation_server_t *srv)
{
    if (!srv)
        return;
    while (srv->conns.next != &srv->conns) {
        dnp3i_os_conn_t *c = DNP3I_CONTAINER(srv->conns.next, dnp3i_os_conn_t, link);
        dnp3i_list_remove(&c->link);
        dnp3_mux_free(c->mux);
        free(c);
    }
    for (size_t i = 0; i < srv->assoc_count; i++) {
        dnp3_outstation_free(srv->assocs[i].session);
        free(srv->assocs[i].allow);
    }
    free(srv->assocs);
    uv_mutex_destroy(&srv->lock);
    free(srv->queue);
    free(srv);
}

static bool has_open_conns(const dnp3_outstation_server_t *srv)
{
    return srv->conns.next != &srv->conns;
}

static const dnp3i_os_station_t *find_station(const dnp3_outstation_server_t *srv, uint16_t address)
{
    for (size_t i = 0; i < srv->station_count; i++) {
        if (srv->stations[i].address == address)
            return &srv->stations[i];
    }
    return NULL;
}

bool dnp3i_os_hosts_db(const dnp3_outstation_server_t *srv, const dnp3_db_t *db)
{
    for (size_t i = 0; i < srv->station_count; i++) {
        if (srv->stations[i].db == db)
            return true;
    }
    return false;
}

int dnp3_outstation_server_add_station(dnp3_outstation_server_t *srv, uint16_t address,
                                       dnp3_db_t *db)
{
    if (!srv || !db || address >= 0xFFF0)
        return DNP3_E_INVALID_ARG;
    if (find_station(srv, address) || dnp3i_os_hosts_db(srv, db) || has_open_conns(srv))
        return DNP3_E_STATE;
    if (srv->station_count == DNP3_OUTSTATION_SERVER_MAX_STATIONS)
        return DNP3_E_NOSPACE;
    srv->stations[srv->station_count].address = address;
    srv->stations[srv->station_count].db = db;
    srv->station_count++;
    return 0;
}

static dnp3i_os_assoc_t *find_assoc(dnp3_outstation_server_t *srv, uint16_t local, uint16_t master)
{
    for (size_t i = 0; i < srv->assoc_count; i++) {
        if (srv->assocs[i].local == local && srv->assocs[i].master == master)
            return &srv->assocs[i];
    }
    return NULL;
}

/* The association's allow-list, exactly as long as configured. */
static int read_allow(const dnp3_outstation_association_config_t *cfg, dnp3i_os_assoc_t *a)
{
    if (cfg->allow_count == 0)
        return 0;
    a->allow = calloc(cfg->allow_count, sizeof *a->allow);
    if (!a->allow)
        return DNP3_E_NOMEM;
    for (size_t i = 0; i < cfg->allow_count; i++) {
        int rc = dnp3_network_read(cfg->allow[i], &a->allow[i]);
        if (rc < 0) {
            free(a->allow);
            a->allow = NULL;
            return rc;
        }
    }
    a->allow_count = (uint32_t)cfg->allow_count;
    return 0;
}

int dnp3_outstation_server_add_association(dnp3_outstation_server_t *srv,
                                           const dnp3_outstation_association_config_t *cfg,
                                           dnp3_outstation_t **out)
{
    if (!srv || !cfg || cfg->allow_count > DNP3_OUTSTATION_ALLOW_MAX ||
        (cfg->allow_count && !cfg->allow))
        return DNP3_E_INVALID_ARG;
    const dnp3i_os_station_t *st = find_station(srv, cfg->session.local_address);
    if (!st)
        return DNP3_E_INVALID_ARG;
    if (find_assoc(srv, cfg->session.local_address, cfg->session.master_address) ||
        has_open_conns(srv))
        return DNP3_E_STATE;
    if (srv->assoc_count == srv->assoc_cap) {
        size_t cap = srv->assoc_cap ? srv->assoc_cap * 2 : 4;
        dnp3i_os_assoc_t *n = realloc(srv->assocs, cap * sizeof *n);
        if (!n)
            return DNP3_E_NOMEM;
        srv->assocs = n;
        srv->assoc_cap = cap;
    }
    dnp3i_os_assoc_t a;
    memset(&a, 0, sizeof a);
    int rc = read_allow(cfg, &a);
    if (rc < 0)
        return rc;
    rc =
        dnp3_outstation_new(&cfg->session, st->db, &cfg->callbacks, cfg->callbacks_ctx, &a.session);
    if (rc < 0) {
        free(a.allow);
        return rc;
    }
    a.db = st->db;
    a.local = cfg->session.local_address;
    a.master = cfg->session.master_address;
    srv->assocs[srv->assoc_count++] = a;
    if (out)
        *out = a.session;
    return 0;
}

/* ---- connections ------------------------------------------------------------ */

static void conn_log(void *ctx, dnp3_log_level_t level, const char *msg)
{
    dnp3i_os_conn_t *c = ctx;
    dnp3_runtime_log(c->srv->rt, level, "conn %llu %s: %s", (unsigned long long)c->id, c->peer,
                     msg);
}

static void detach(dnp3i_os_conn_t *c, dnp3i_os_assoc_t *a, dnp3_timestamp_t now, bool tell)
{
    if (tell)
        dnp3_outstation_on_link_event(a->session, now, DNP3_LINK_DOWN);
    (void)dnp3_mux_detach(c->mux, a->local, a->master);
    a->conn = NULL;
}

static bool allowed(const dnp3i_os_assoc_t *a, const dnp3_endpoint_t *peer)
{
    if (a->allow_count == 0)
        return true;
    for (size_t i = 0; i < a->allow_count; i++) {
        if (dnp3_network_contains(&a->allow[i], peer))
            return true;
    }
    return false;
}

/* Takes a over from the connection carrying it (replace policy) or says
 * why not: 0 = go on, negative = close the new connection. */
static int take_over(dnp3i_os_conn_t *c, dnp3i_os_assoc_t *a, dnp3_timestamp_t now)
{
    dnp3_outstation_server_t *srv = c->srv;
    dnp3i_os_conn_t *old = a->conn;
    if (!srv->cfg.replace_connections) {
        srv->counters.refused_duplicate++;
        dnp3_runtime_log(srv->rt, DNP3_LOG_WARN,
                         "conn %llu %s: refused: outstation %u / master %u is already connected "
                         "(conn %llu %s)",
                         (unsigned long long)c->id, c->peer, a->local, a->master,
                         (unsigned long long)old->id, old->peer);
        return DNP3_E_STATE;
    }
    srv->counters.replaced++;
    dnp3_runtime_log(srv->rt, DNP3_LOG_WARN,
                     "conn %llu %s: outstation %u / master %u moves here; closing its old "
                     "connection conn %llu %s",
                     (unsigned long long)c->id, c->peer, a->local, a->master,
                     (unsigned long long)old->id, old->peer);
    detach(old, a, now, true);
    char why[96];
    snprintf(why, sizeof why, "replaced by conn %llu", (unsigned long long)c->id);
    if (old->conn)
        (void)dnp3_conn_close(old->conn, DNP3_DISCONNECT_LOCAL, why);
    return 0;
}

static int attach(dnp3i_os_conn_t *c, dnp3i_os_assoc_t *a, dnp3_timestamp_t now)
{
    dnp3_outstation_server_t *srv = c->srv;
    if (a->conn == c)
        return 0;
    if (!allowed(a, &c->peer_ep)) {
        srv->counters.refused_allow_list++;
        dnp3_runtime_log(srv->rt, DNP3_LOG_WARN,
                         "conn %llu %s: refused: master %u of outstation %u is not allowed from "
                         "this source (association allow-list)",
                         (unsigned long long)c->id, c->peer, a->master, a->local);
        return DNP3_E_PERMISSION;
    }
    if (dnp3_mux_session_count(c->mux) >= srv->cfg.max_associations_per_connection) {
        srv->counters.refused_full++;
        dnp3_runtime_log(srv->rt, DNP3_LOG_WARN,
                         "conn %llu %s: outstation %u / master %u not attached: %zu associations "
                         "on this connection already",
                         (unsigned long long)c->id, c->peer, a->local, a->master,
                         srv->cfg.max_associations_per_connection);
        return 0;
    }
    if (a->conn) {
        int rc = take_over(c, a, now);
        if (rc < 0)
            return rc;
    }
    dnp3_app_session_t s;
    (void)dnp3_outstation_app_session(a->session, &s);
    int rc = dnp3_mux_attach(c->mux, &s);
    if (rc < 0) {
        dnp3_runtime_log(srv->rt, DNP3_LOG_ERROR, "conn %llu %s: attach of %u/%u failed: %s",
                         (unsigned long long)c->id, c->peer, a->local, a->master,
                         dnp3_strerror(rc));
        return 0;
    }
    a->conn = c;
    srv->counters.attaches++;
    dnp3_runtime_log(srv->rt, DNP3_LOG_INFO, "conn %llu %s: outstation %u / master %u attached",
                     (unsigned long long)c->id, c->peer, a->local, a->master);
    return 0;
}

static void log_unknown_master(dnp3i_os_conn_t *c, uint16_t src, uint16_t dst)
{
    dnp3_outstation_server_t *srv = c->srv;
    srv->counters.unknown_master++;
    if (c->unknown_logged)
        return;
    c->unknown_logged = true;
    dnp3_runtime_log(srv->rt, DNP3_LOG_WARN,
                     "conn %llu %s: request from master %u for outstation %u ignored: no "
                     "association for that master (check the master address; counted, logged "
                     "once per connection)",
                     (unsigned long long)c->id, c->peer, src, dst);
}

/* dnp3_mux_unclaimed_fn: the first frame of a pair names its association. */
static int on_unclaimed(void *user, dnp3_mux_t *mux, dnp3_timestamp_t now, uint16_t src,
                        uint16_t dst)
{
    (void)mux;
    dnp3i_os_conn_t *c = user;
    dnp3_outstation_server_t *srv = c->srv;
    bool any = dst >= 0xFFFC; /* self or broadcast: the associations of src */
    bool found = false;
    for (size_t i = 0; i < srv->assoc_count; i++) {
        dnp3i_os_assoc_t *a = &srv->assocs[i];
        if (a->master != src || (!any && a->local != dst))
            continue;
        found = true;
        int rc = attach(c, a, now);
        if (rc < 0)
            return rc;
        if (dst != 0xFFFD && dst != 0xFFFE && dst != 0xFFFF)
            break; /* a unicast or self request is for one association */
    }
    if (!found)
        log_unknown_master(c, src, dst);
    return 0;
}

static void on_conn_open(void *user, dnp3_mux_t *mux, dnp3_conn_t *conn,
                         const dnp3_conn_info_t *info)
{
    dnp3i_os_conn_t *c = user;
    c->conn = conn;
    c->id = info->id;
    c->peer_ep = info->peer;
    c->unknown_logged = false;
    if (dnp3_endpoint_format(&info->peer, c->peer, sizeof c->peer) < 0)
        snprintf(c->peer, sizeof c->peer, "?");
    c->srv->counters.connections++;
    c->srv->counters.connections_open++;
    dnp3_timestamp_t now = dnp3_runtime_now(c->srv->rt);
    if (!c->client) {
        /* A port with one association: it is attached at once (so its null
         * unsolicited response goes out, 4.6.2) when it is free and this
         * source is allowed; otherwise the first frame decides. Not under
         * the refuse policy: a stray connection would then lock the real
         * master out until it closes. */
        if (c->srv->assoc_count != 1 || !c->srv->cfg.replace_connections)
            return;
        dnp3i_os_assoc_t *a = &c->srv->assocs[0];
        if (!a->conn && allowed(a, &c->peer_ep))
            (void)attach(c, a, now);
        return;
    }
    for (size_t i = 0; i < c->srv->assoc_count; i++) {
        dnp3i_os_assoc_t *a = &c->srv->assocs[i];
        if (a->master == c->master && !a->conn && attach(c, a, now) < 0)
            break;
    }
    (void)mux;
}

/* Closes by the link layer or the slow-peer guard (not refusals). */
static uint64_t link_closes(const dnp3_mux_counters_t *mc)
{
    uint64_t n = 0;
    for (size_t i = 0; i < DNP3_MUX_CLOSE_REASON_COUNT; i++) {
        if (i != DNP3_MUX_CLOSE_REFUSED)
            n += mc->closes[i];
    }
    return n;
}

/* Folds the mux's counters into the server's before it goes. */
static void keep_mux_counters(dnp3_outstation_server_t *srv, const dnp3_mux_t *mux)
{
    dnp3_mux_counters_t mc;
    memset(&mc, 0, sizeof mc);
    dnp3_mux_counters(mux, &mc);
    srv->counters.foreign_frames += mc.foreign;
    srv->counters.link_closes += link_closes(&mc);
    srv->counters.reassembly_timeouts += mc.channel.reassembly_timeouts;
}

static void on_conn_close(void *user, dnp3_mux_t *mux, dnp3_disconnect_reason_t reason)
{
    (void)reason;
    dnp3i_os_conn_t *c = user;
    dnp3_outstation_server_t *srv = c->srv;
    dnp3_timestamp_t now = dnp3_runtime_now(srv->rt);
    for (size_t i = 0; i < srv->assoc_count; i++) {
        if (srv->assocs[i].conn == c)
            detach(c, &srv->assocs[i], now, false); /* the mux told them LINK_DOWN */
    }
    if (c->conn && srv->counters.connections_open > 0)
        srv->counters.connections_open--;
    c->conn = NULL;
    if (c->client)
        return; /* the client's record lives until the server is freed */
    keep_mux_counters(srv, mux);
    dnp3i_list_remove(&c->link);
    dnp3_mux_free(mux);
    free(c);
}

static dnp3i_os_conn_t *conn_new(dnp3_outstation_server_t *srv, int *err)
{
    dnp3i_os_conn_t *c = calloc(1, sizeof *c);
    if (!c) {
        *err = DNP3_E_NOMEM;
        return NULL;
    }
    dnp3_mux_config_t mc;
    dnp3_mux_config_default(&mc);
    mc.channel = srv->cfg.link;
    mc.channel.role = DNP3_CHANNEL_ROLE_OUTSTATION;
    if (!mc.channel.pool)
        mc.channel.pool = dnp3_runtime_fragment_pool(srv->rt);
    mc.channel.n_local = srv->station_count;
    for (size_t i = 0; i < srv->station_count; i++)
        mc.channel.local[i] = srv->stations[i].address;
    mc.max_sessions = srv->cfg.max_associations_per_connection;
    mc.on_unclaimed = on_unclaimed;
    mc.on_conn_open = on_conn_open;
    mc.on_conn_close = on_conn_close;
    mc.user = c;
    mc.logger.log = conn_log;
    mc.logger.ctx = c;
    mc.logger.level = DNP3_LOG_DEBUG; /* the runtime's logger filters */
    mc.foreign_log_interval_ms = srv->cfg.foreign_log_interval_ms;
    mc.first_frame_timeout_ms = srv->cfg.first_frame_timeout_ms;
    mc.partial_frame_timeout_ms = srv->cfg.partial_frame_timeout_ms;
    mc.decode_link = srv->cfg.decode_link;
    mc.decode_transport = srv->cfg.decode_transport;
    c->mux = dnp3_mux_new(&mc, err);
    if (!c->mux) {
        free(c);
        return NULL;
    }
    c->srv = srv;
    snprintf(c->peer, sizeof c->peer, "?");
    dnp3i_list_push(&srv->conns, &c->link);
    return c;
}

/* dnp3_accept_fn */
static int on_accept(void *user, const dnp3_conn_info_t *info, dnp3_session_t *session, char *why,
                     size_t why_cap)
{
    (void)info;
    dnp3_outstation_server_t *srv = user;
    int err = 0;
    dnp3i_os_conn_t *c = conn_new(srv, &err);
    if (!c) {
        snprintf(why, why_cap, "no mux: %s", dnp3_strerror(err));
        return err;
    }
    session->ops = dnp3_mux_session_ops();
    session->ctx = c->mux;
    return 0;
}

int dnp3_outstation_server_listen(dnp3_outstation_server_t *srv,
                                  const dnp3_tcp_server_config_t *cfg, dnp3_listener_t **out)
{
    if (!srv || !cfg || srv->station_count == 0)
        return DNP3_E_INVALID_ARG;
    dnp3_tcp_server_config_t tc = *cfg;
    tc.accept = on_accept;
    tc.accept_user = srv;
    return dnp3_runtime_add_tcp_server(srv->rt, &tc, out);
}

int dnp3_outstation_server_connect(dnp3_outstation_server_t *srv, uint16_t master,
                                   const dnp3_tcp_client_config_t *cfg, dnp3_tcp_client_t **out)
{
    if (!srv || !cfg || srv->station_count == 0)
        return DNP3_E_INVALID_ARG;
    int err = 0;
    dnp3i_os_conn_t *c = conn_new(srv, &err);
    if (!c)
        return err;
    c->client = true;
    c->master = master;
    dnp3_tcp_client_config_t cc = *cfg;
    cc.session.ops = dnp3_mux_session_ops();
    cc.session.ctx = c->mux;
    int rc = dnp3_runtime_add_tcp_client(srv->rt, &cc, out);
    if (rc < 0) {
        dnp3i_list_remove(&c->link);
        dnp3_mux_free(c->mux);
        free(c);
    }
    return rc;
}

void dnp3i_os_wake_db(dnp3_outstation_server_t *srv, const dnp3_db_t *db)
{
    for (size_t i = 0; i < srv->assoc_count; i++) {
        dnp3i_os_assoc_t *a = &srv->assocs[i];
        if (a->db == db && a->conn && a->conn->conn)
            (void)dnp3_conn_wake(a->conn->conn);
    }
}

int dnp3_outstation_server_changed(dnp3_outstation_server_t *srv, dnp3_db_t *db)
{
    if (!srv || !db || !dnp3i_os_hosts_db(srv, db))
        return DNP3_E_INVALID_ARG;
    dnp3i_os_wake_db(srv, db);
    return 0;
}

int dnp3_outstation_server_counters(const dnp3_outstation_server_t *srv,
                                    dnp3_outstation_server_counters_t *out)
{
    if (!srv || !out)
        return DNP3_E_INVALID_ARG;
    *out = srv->counters;
    /* Live muxes: their counters are folded in only when they close. */
    for (const dnp3i_link_t *l = srv->conns.next; l != &srv->conns; l = l->next) {
        const dnp3i_os_conn_t *c = DNP3I_CONTAINER(l, dnp3i_os_conn_t, link);
        dnp3_mux_counters_t mc;
        memset(&mc, 0, sizeof mc);
        dnp3_mux_counters(c->mux, &mc);
        out->foreign_frames += mc.foreign;
        out->link_closes += link_closes(&mc);
        out->reassembly_timeouts += mc.channel.reassembly_timeouts;
    }
    return 0;
}

size_t dnp3_outstation_server_association_count(const dnp3_outstation_server_t *srv)
{
    return srv ? srv->assoc_count : 0;
}

dnp3_outstation_t *dnp3_outstation_server_association(const dnp3_outstation_server_t *srv, size_t i,
                                                      uint16_t *local, uint16_t *master,
                                                      bool *connected)
{
    if (!srv || i >= srv->assoc_count)
        return NULL;
    const dnp3i_os_assoc_t *a = &srv->assocs[i];
    if (local)
        *local = a->local;
    if (master)
        *master = a->master;
    if (connected)
        *connected = a->conn != NULL && a->conn->conn != NULL;
    return a->session;
}
