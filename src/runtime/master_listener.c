/* Master listener: outstations that dial in. Each accepted connection gets
 * its own mux; the first fragment names the outstation (its link source
 * address) and the registered association of that address is attached to
 * the connection. Records are allocated at accept (connection setup) and
 * freed in the mux's close hook, the last call for the connection. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3/link.h"
#include "dnp3/master_client.h"

typedef struct ml_conn ml_conn_t;

typedef struct ml_assoc {
    dnp3_master_assoc_t *a;
    uint16_t local, remote;
    ml_conn_t *conn; /* the connection it is attached to, NULL if none */
} ml_assoc_t;

struct ml_conn {
    dnp3_master_listener_t *l;
    dnp3_mux_t *mux;
    dnp3_conn_t *conn;
    dnp3_conn_info_t info;
};

struct dnp3_master_listener {
    dnp3_runtime_t *rt;
    dnp3_master_listener_config_t cfg;
    dnp3_listener_t *tcp;
    ml_assoc_t *assocs;
    size_t n_assocs;
    uint16_t masters[DNP3_CHANNEL_MAX_LOCAL]; /* distinct master addresses registered */
    size_t n_masters;
};

void dnp3_master_listener_config_default(dnp3_master_listener_config_t *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    dnp3_tcp_server_config_t sc;
    dnp3_tcp_server_config_default(&sc);
    cfg->address = "0.0.0.0";
    cfg->port = 20000;
    cfg->max_connections = 64;
    cfg->tcp_keepalive = sc.keepalive;
    cfg->max_associations = 64;
    cfg->link_keepalive_ms = 60000;
    cfg->link_confirm_timeout_ms = 2000;
    cfg->reassembly_timeout_ms = 10000;
    cfg->max_rx_fragment = 2048;
    cfg->max_tx_fragment = 2048;
    cfg->first_frame_timeout_ms = 30000;
    cfg->partial_frame_timeout_ms = 10000;
    cfg->logger.level = DNP3_LOG_INFO;
}

static ml_assoc_t *find(dnp3_master_listener_t *l, uint16_t local, uint16_t remote)
{
    for (size_t i = 0; i < l->n_assocs; i++) {
        if (l->assocs[i].remote == remote &&
            (l->assocs[i].local == local || local >= DNP3_ADDR_SELF))
            return &l->assocs[i];
    }
    return NULL;
}

static void notify(dnp3_master_listener_t *l, ml_assoc_t *m, const dnp3_conn_info_t *info,
                   bool attached)
{
    if (l->cfg.on_attach)
        l->cfg.on_attach(l->cfg.user, m->a, info, attached);
}

/* The first fragment of an unknown pair: attach its association (taking
 * it from an older connection of the same outstation), or refuse. */
static int on_unclaimed(void *user, dnp3_mux_t *mux, dnp3_timestamp_t now, uint16_t src,
                        uint16_t dst)
{
    (void)now;
    ml_conn_t *c = user;
    dnp3_master_listener_t *l = c->l;
    ml_assoc_t *m = find(l, dst, src);
    if (!m) {
        dnp3_runtime_log(l->rt, DNP3_LOG_WARN,
                         "master listener: connection %llu: outstation %u (to %u) is not "
                         "configured: closing",
                         (unsigned long long)c->info.id, src, dst);
        return DNP3_E_STATE;
    }
    if (m->conn && m->conn != c) {
        ml_conn_t *old = m->conn;
        dnp3_mux_detach(old->mux, m->local, m->remote);
        m->conn = NULL;
        dnp3_master_assoc_on_link_event(m->a, now, DNP3_LINK_DOWN);
        if (old->conn)
            dnp3_conn_close(old->conn, DNP3_DISCONNECT_LOCAL, "the outstation dialled in again");
    }
    dnp3_app_session_t s;
    int rc = dnp3_master_assoc_app_session(m->a, &s);
    if (rc == 0)
        rc = dnp3_mux_attach(mux, &s);
    if (rc < 0)
        return rc;
    m->conn = c;
    dnp3_runtime_log(l->rt, DNP3_LOG_INFO,
                     "master listener: connection %llu is outstation %u (master %u)",
                     (unsigned long long)c->info.id, src, m->local);
    notify(l, m, &c->info, true);
    return 0;
}

static void on_conn_open(void *user, dnp3_mux_t *mux, dnp3_conn_t *conn,
                         const dnp3_conn_info_t *info)
{
    (void)mux;
    ml_conn_t *c = user;
    c->conn = conn;
    c->info = *info;
}

/* The last call for the connection: its association (already told
 * LINK_DOWN by the mux) is free again; the record goes. */
static void on_conn_close(void *user, dnp3_mux_t *mux, dnp3_disconnect_reason_t reason)
{
    (void)reason;
    ml_conn_t *c = user;
    dnp3_master_listener_t *l = c->l;
    for (size_t i = 0; i < l->n_assocs; i++) {
        if (l->assocs[i].conn == c) {
            l->assocs[i].conn = NULL;
            notify(l, &l->assocs[i], &c->info, false);
        }
    }
    dnp3_mux_free(mux);
    free(c);
}

/* The mux's diagnostics through the runtime's logger when the owner gave
 * no log function (runtime.h: NULL is the default logger, not silence). */
static void conn_log(void *ctx, dnp3_log_level_t level, const char *msg)
{
    ml_conn_t *c = ctx;
    dnp3_runtime_log(c->l->rt, level, "master listener: connection %llu: %s",
                     (unsigned long long)c->info.id, msg);
}

static dnp3_mux_t *conn_mux(dnp3_master_listener_t *l, ml_conn_t *c, int *err)
{
    dnp3_mux_config_t mc;
    dnp3_mux_config_default(&mc);
    mc.channel.role = DNP3_CHANNEL_ROLE_MASTER;
    memcpy(mc.channel.local, l->masters, sizeof l->masters);
    mc.channel.n_local = l->n_masters ? l->n_masters : 1;
    if (!l->n_masters)
        mc.channel.local[0] = 1;
    mc.channel.keepalive_ms = l->cfg.link_keepalive_ms;
    mc.channel.confirm_timeout_ms = l->cfg.link_confirm_timeout_ms;
    mc.channel.reassembly_timeout_ms = l->cfg.reassembly_timeout_ms;
    mc.channel.rx_fragment_max = l->cfg.max_rx_fragment;
    mc.channel.tx_fragment_max = l->cfg.max_tx_fragment;
    mc.channel.pool = dnp3_runtime_fragment_pool(l->rt);
    mc.first_frame_timeout_ms = l->cfg.first_frame_timeout_ms;
    mc.partial_frame_timeout_ms = l->cfg.partial_frame_timeout_ms;
    mc.max_sessions = 1;
    mc.on_unclaimed = on_unclaimed;
    mc.on_conn_open = on_conn_open;
    mc.on_conn_close = on_conn_close;
    mc.user = c;
    mc.logger = l->cfg.logger;
    if (!mc.logger.log) {
        mc.logger.log = conn_log;
        mc.logger.ctx = c;
    }
    return dnp3_mux_new(&mc, err);
}

static int on_accept(void *user, const dnp3_conn_info_t *info, dnp3_session_t *session, char *why,
                     size_t why_cap)
{
    (void)info;
    dnp3_master_listener_t *l = user;
    ml_conn_t *c = calloc(1, sizeof *c);
    int err = DNP3_E_NOMEM;
    if (c) {
        c->l = l;
        c->mux = conn_mux(l, c, &err);
    }
    if (!c || !c->mux) {
        free(c);
        snprintf(why, why_cap, "%s", dnp3_strerror(err));
        return err;
    }
    session->ops = dnp3_mux_session_ops();
    session->ctx = c->mux;
    return 0;
}

int dnp3_master_listener_new(dnp3_runtime_t *rt, const dnp3_master_listener_config_t *cfg,
                             dnp3_master_listener_t **out)
{
    if (!rt || !cfg || !out || cfg->max_associations == 0)
        return DNP3_E_INVALID_ARG;
    *out = NULL;
    dnp3_master_listener_t *l = calloc(1, sizeof *l);
    if (!l || !(l->assocs = calloc(cfg->max_associations, sizeof *l->assocs))) {
        free(l);
        return DNP3_E_NOMEM;
    }
    l->rt = rt;
    l->cfg = *cfg;
    dnp3_tcp_server_config_t sc;
    dnp3_tcp_server_config_default(&sc);
    sc.address = cfg->address;
    sc.port = cfg->port;
    sc.max_connections = cfg->max_connections;
    sc.allow = cfg->allow;
    sc.allow_count = cfg->allow_count;
    sc.keepalive = cfg->tcp_keepalive;
    sc.accept = on_accept;
    sc.accept_user = l;
    int rc = dnp3_runtime_add_tcp_server(rt, &sc, &l->tcp);
    if (rc < 0) {
        dnp3_master_listener_free(l);
        return rc;
    }
    l->cfg.address = NULL; /* not kept: the caller's string */
    l->cfg.allow = NULL;
    *out = l;
    return 0;
}

int dnp3_master_listener_add(dnp3_master_listener_t *l, dnp3_master_assoc_t *a)
{
    dnp3_app_session_t s;
    if (!l || !a || dnp3_master_assoc_app_session(a, &s) < 0)
        return DNP3_E_INVALID_ARG;
    for (size_t i = 0; i < l->n_assocs; i++) {
        if (l->assocs[i].local == s.local && l->assocs[i].remote == s.remote)
            return DNP3_E_STATE;
    }
    if (l->n_assocs == l->cfg.max_associations)
        return DNP3_E_NOSPACE;
    bool known = false;
    for (size_t i = 0; i < l->n_masters; i++)
        known |= l->masters[i] == s.local;
    if (!known) {
        if (l->n_masters == DNP3_CHANNEL_MAX_LOCAL)
            return DNP3_E_NOSPACE;
        l->masters[l->n_masters++] = s.local;
    }
    l->assocs[l->n_assocs++] = (ml_assoc_t){.a = a, .local = s.local, .remote = s.remote};
    return 0;
}

int dnp3_master_listener_endpoint(const dnp3_master_listener_t *l, dnp3_endpoint_t *out)
{
    if (!l)
        return DNP3_E_INVALID_ARG;
    return dnp3_listener_endpoint(l->tcp, out);
}

int dnp3_master_listener_wake(dnp3_master_listener_t *l, dnp3_master_assoc_t *a)
{
    if (!l || !a)
        return DNP3_E_INVALID_ARG;
    for (size_t i = 0; i < l->n_assocs; i++) {
        if (l->assocs[i].a != a)
            continue;
        if (l->assocs[i].conn && l->assocs[i].conn->conn)
            dnp3_conn_wake(l->assocs[i].conn->conn);
        return 0;
    }
    return DNP3_E_INVALID_ARG;
}

void dnp3_master_listener_free(dnp3_master_listener_t *l)
{
    if (!l)
        return;
    free(l->assocs);
    free(l);
}
