/* TCP clients: connect to a list of endpoints in order (primary, backups),
 * with a connect timeout, and reconnect with exponential backoff. Connect
 * failures are told apart (refused, timed out, unreachable, name). */
#define _DEFAULT_SOURCE
#include <netdb.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "runtime/runtime_internal.h"

void dnp3_tcp_client_config_default(dnp3_tcp_client_config_t *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->connect_timeout_ms = 5000;
    cfg->backoff_min_ms = 1000;
    cfg->backoff_max_ms = 60000;
    dnp3i_keepalive_default(&cfg->keepalive);
}

static void try_endpoint(dnp3_tcp_client_t *c);

/* ---- connect pacing (max_connecting) ----------------------------------------
 * A slot is held from the start of an attempt on an endpoint until it
 * fails, or, once connected, until the peer sends its first bytes (its
 * server has accepted the connection and is serving it), the connection
 * closes, or the connect timeout passes again: a connect completes in the
 * kernel before the server accepts, so counting connects alone would still
 * overflow a slow server's listen backlog. Clients beyond the limit wait
 * in order, and are started from the pace timer, never from inside another
 * client's callback (a run of synchronous failures would recurse). */

static bool pace_full(const dnp3_runtime_t *rt)
{
    return rt->cfg.max_connecting && rt->connecting >= rt->cfg.max_connecting;
}

static void on_pace_timer(uv_timer_t *t)
{
    dnp3_runtime_t *rt = t->data;
    while (!rt->stopping && rt->connect_wait.next != &rt->connect_wait && !pace_full(rt)) {
        dnp3i_link_t *it = rt->connect_wait.next;
        dnp3i_list_remove(it);
        dnp3_tcp_client_t *c = DNP3I_CONTAINER(it, dnp3_tcp_client_t, wait_link);
        c->waiting = false;
        c->has_slot = true;
        rt->connecting++;
        try_endpoint(c);
    }
}

/* True when c may start an attempt now; else it is queued. */
static bool acquire_slot(dnp3_tcp_client_t *c)
{
    dnp3_runtime_t *rt = c->rt;
    if (c->has_slot)
        return true;
    if (pace_full(rt) || (rt->connect_wait.next != &rt->connect_wait && !c->waiting)) {
        if (!c->waiting) {
            c->waiting = true;
            dnp3i_list_push(&rt->connect_wait, &c->wait_link);
        }
        return false;
    }
    rt->connecting++;
    c->has_slot = true;
    return true;
}

static void release_slot(dnp3_tcp_client_t *c)
{
    dnp3_runtime_t *rt = c->rt;
    if (c->waiting) {
        dnp3i_list_remove(&c->wait_link);
        c->waiting = false;
    }
    if (!c->has_slot)
        return;
    c->has_slot = false;
    rt->connecting--;
    if (!rt->stopping && rt->connect_wait.next != &rt->connect_wait &&
        !uv_is_active((uv_handle_t *)&rt->pace_timer))
        uv_timer_start(&rt->pace_timer, on_pace_timer, 0, 0);
}

/* "host:port" of the endpoint being tried, formatted when a line or a
 * callback needs it (not kept in every client's record). */
typedef struct ep_text {
    char s[DNP3_ENDPOINT_TEXT_MAX + 256];
} ep_text_t;

static const char *endpoint_text(const dnp3_tcp_client_t *c, ep_text_t *t)
{
    const char *host = c->hosts[c->current];
    bool v6 = strchr(host, ':') != NULL && host[0] != '[';
    snprintf(t->s, sizeof t->s, "%s%s%s:%u", v6 ? "[" : "", host, v6 ? "]" : "",
             (unsigned)c->ports[c->current]);
    return t->s;
}

static void on_retry_timer(uv_timer_t *t)
{
    try_endpoint(t->data);
}

static void schedule(dnp3_tcp_client_t *c, uint64_t delay_ms)
{
    uv_timer_stop(&c->timer);
    uv_timer_start(&c->timer, on_retry_timer, delay_ms, 0);
}

static void count_failure(dnp3_runtime_t *rt, int code)
{
    if (code == DNP3_E_CONN_REFUSED)
        rt->counters.connect_refused++;
    else if (code == DNP3_E_CONN_TIMEOUT)
        rt->counters.connect_timeout++;
    else if (code == DNP3_E_HOST_UNREACHABLE)
        rt->counters.connect_unreachable++;
    else
        rt->counters.connect_other++;
}

static void connect_to(dnp3_tcp_client_t *c, const struct sockaddr *sa);

/* The wait before the next round; the one after it doubles, up to max. */
static uint32_t next_backoff(dnp3_tcp_client_t *c)
{
    uint32_t delay = c->backoff_ms;
    c->backoff_ms = delay > c->backoff_max_ms / 2 ? c->backoff_max_ms : delay * 2;
    return delay;
}

/* Out of file descriptors: the clients that cannot connect are counted,
 * and said at ERROR (at most once a second) with the limit. */
static void note_no_files(dnp3_tcp_client_t *c, int code)
{
    dnp3_runtime_t *rt = c->rt;
    if (code != DNP3_E_NO_FILES) {
        if (c->nofile) {
            c->nofile = false;
            rt->nofile_clients--;
        }
        return;
    }
    if (!c->nofile) {
        c->nofile = true;
        rt->nofile_clients++;
    }
    dnp3_timestamp_t now = dnp3_runtime_now(rt);
    if (rt->nofile_logged && now < rt->nofile_logged + 1000)
        return;
    rt->nofile_logged = now;
    struct rlimit rl;
    unsigned long long limit = getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur != RLIM_INFINITY
                                   ? (unsigned long long)rl.rlim_cur
                                   : 0;
    size_t clients = 0;
    ep_text_t ep;
    for (dnp3i_link_t *it = rt->clients.next; it != &rt->clients; it = it->next)
        clients++;
    dnp3i_log(rt, DNP3_LOG_ERROR,
              "tcp: no file descriptor for a connection to %s: the open file limit "
              "(RLIMIT_NOFILE) is %llu, %llu connections are open; %zu of %zu clients cannot "
              "connect (raise it with ulimit -n)",
              endpoint_text(c, &ep), limit, (unsigned long long)rt->counters.open_connections,
              rt->nofile_clients, clients);
}

/* One endpoint failed: its next address, else the next endpoint now, else
 * the first again after the backoff. */
static void attempt_failed(dnp3_tcp_client_t *c, int code)
{
    dnp3_runtime_t *rt = c->rt;
    ep_text_t ep;
    if (c->resolved_next < c->nresolved && !c->stopping && !rt->stopping) {
        /* A host name with several addresses: the next one first. */
        dnp3i_log(rt, DNP3_LOG_DEBUG, "tcp: %s: address %zu failed (%s), trying the next",
                  endpoint_text(c, &ep), c->resolved_next, dnp3_strerror(code));
        connect_to(c, (const struct sockaddr *)&c->resolved[c->resolved_next++]);
        return;
    }
    c->nresolved = c->resolved_next = 0;
    release_slot(c);
    note_no_files(c, code);
    count_failure(rt, code);
    endpoint_text(c, &ep);
    dnp3i_log(rt, DNP3_LOG_WARN, "tcp: connect to %s failed: %s", ep.s, dnp3_strerror(code));
    if (c->session.ops->on_connect_failed)
        c->session.ops->on_connect_failed(c->session.ctx, ep.s, code);
    if (c->stopping || rt->stopping)
        return;
    if (++c->current < c->endpoint_count) {
        try_endpoint(c);
        return;
    }
    c->current = 0;
    uint32_t delay = next_backoff(c);
    dnp3i_log(rt, DNP3_LOG_INFO, "tcp: next connection attempt in %u ms", (unsigned)delay);
    schedule(c, delay);
}

static void on_settle_timer(uv_timer_t *t)
{
    release_slot(t->data);
}

void dnp3i_client_answered(dnp3_tcp_client_t *c)
{
    if (!c->has_slot)
        return;
    uv_timer_stop(&c->timer);
    release_slot(c);
}

static void connected(dnp3_tcp_client_t *c, dnp3i_tcp_stream_t *s)
{
    dnp3_runtime_t *rt = c->rt;
    dnp3_conn_info_t info = {.outgoing = true, .transport = "tcp"};
    s->base.ops->address(&s->base, true, &info.peer);
    s->base.ops->address(&s->base, false, &info.local);
    dnp3i_tcp_configure(rt, &s->tcp, &c->keepalive);
    dnp3_conn_t *conn = dnp3i_conn_new(rt, &s->base, c->session, NULL, c, &info);
    if (!conn) {
        dnp3i_tcp_stream_discard(s);
        attempt_failed(c, DNP3_E_NOMEM);
        return;
    }
    rt->counters.connected++;
    note_no_files(c, 0);
    c->conn = conn;
    if (c->has_slot)
        uv_timer_start(&c->timer, on_settle_timer, c->connect_timeout_ms, 0);
    if (dnp3i_log_enabled(rt, DNP3_LOG_INFO)) {
        char local[DNP3_ENDPOINT_TEXT_MAX];
        ep_text_t ep;
        dnp3_endpoint_format(&conn->info.local, local, sizeof local);
        dnp3i_log(rt, DNP3_LOG_INFO, "tcp %s: connected to %s (connection %llu)", local,
                  endpoint_text(c, &ep), (unsigned long long)conn->info.id);
    }
    dnp3i_conn_start(conn);
}

static void on_connect(uv_connect_t *req, int status)
{
    dnp3_tcp_client_t *c = req->data;
    dnp3i_tcp_stream_t *s = c->attempt;
    c->attempt = NULL;
    if (!c->timer_closed)
        uv_timer_stop(&c->timer);
    if (c->stopping) {
        dnp3i_tcp_stream_discard(s);
        return;
    }
    if (status == 0) {
        connected(c, s);
        return;
    }
    int code = c->timed_out ? DNP3_E_CONN_TIMEOUT : dnp3i_error_from_uv(status);
    dnp3i_tcp_stream_discard(s);
    attempt_failed(c, code);
}

static void on_connect_timeout(uv_timer_t *t)
{
    dnp3_tcp_client_t *c = t->data;
    if (!c->attempt)
        return;
    /* Closing the socket cancels the connect: on_connect reports it. */
    c->timed_out = true;
    dnp3i_tcp_stream_discard(c->attempt);
}

static void connect_to(dnp3_tcp_client_t *c, const struct sockaddr *sa)
{
    dnp3_runtime_t *rt = c->rt;
    dnp3i_tcp_stream_t *s = dnp3i_tcp_stream_new(rt);
    if (!s) {
        attempt_failed(c, DNP3_E_NOMEM);
        return;
    }
    c->timed_out = false;
    c->connect_req.data = c;
    int rc = uv_tcp_connect(&c->connect_req, &s->tcp, sa, on_connect);
    if (rc != 0) {
        dnp3i_tcp_stream_discard(s);
        attempt_failed(c, dnp3i_error_from_uv(rc));
        return;
    }
    c->attempt = s;
    uv_timer_start(&c->timer, on_connect_timeout, c->connect_timeout_ms, 0);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *res)
{
    dnp3_tcp_client_t *c = req->data;
    c->resolving = false;
    if (c->stopping) {
        uv_freeaddrinfo(res);
        return;
    }
    c->nresolved = c->resolved_next = 0;
    for (struct addrinfo *ai = res; ai && c->nresolved < DNP3I_RESOLVED_MAX; ai = ai->ai_next) {
        if ((ai->ai_family == AF_INET || ai->ai_family == AF_INET6) &&
            ai->ai_addrlen <= sizeof c->resolved[0])
            memcpy(&c->resolved[c->nresolved++], ai->ai_addr, ai->ai_addrlen);
    }
    uv_freeaddrinfo(res);
    if (status != 0 || c->nresolved == 0) {
        attempt_failed(c, DNP3_E_RESOLVE);
        return;
    }
    c->resolved_next = 1;
    connect_to(c, (const struct sockaddr *)&c->resolved[0]);
}

static void try_endpoint(dnp3_tcp_client_t *c)
{
    dnp3_runtime_t *rt = c->rt;
    if (c->stopping || rt->stopping || !acquire_slot(c))
        return;
    c->nresolved = c->resolved_next = 0;
    rt->counters.connect_attempts++;
    ep_text_t ep;
    endpoint_text(c, &ep);
    dnp3i_log(rt, DNP3_LOG_INFO, "tcp: connecting to %s", ep.s);
    if (c->session.ops->on_connecting)
        c->session.ops->on_connecting(c->session.ctx, ep.s);
    struct sockaddr_storage ss;
    if (dnp3i_sockaddr_from_text(c->hosts[c->current], c->ports[c->current], &ss) == 0) {
        connect_to(c, (const struct sockaddr *)&ss);
        return;
    }
    /* A host name: resolved on libuv's thread pool, never blocking the loop. */
    char port[8];
    snprintf(port, sizeof port, "%u", (unsigned)c->ports[c->current]);
    struct addrinfo hints;
    memset(&hints, 0, sizeof hints);
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    c->resolve.data = c;
    int rc =
        uv_getaddrinfo(&rt->loop, &c->resolve, on_resolved, c->hosts[c->current], port, &hints);
    if (rc != 0) {
        attempt_failed(c, DNP3_E_RESOLVE);
        return;
    }
    c->resolving = true;
}

static bool client_config_ok(const dnp3_tcp_client_config_t *cfg)
{
    if (!cfg->endpoints || cfg->endpoint_count == 0 ||
        cfg->endpoint_count > DNP3_RUNTIME_ENDPOINT_MAX || cfg->backoff_min_ms == 0 ||
        cfg->backoff_min_ms > cfg->backoff_max_ms || cfg->connect_timeout_ms == 0)
        return false;
    const dnp3_session_ops_t *ops = cfg->session.ops;
    if (!ops || !ops->on_bytes || !ops->take_output)
        return false;
    for (size_t i = 0; i < cfg->endpoint_count; i++)
        if (!cfg->endpoints[i].host || !*cfg->endpoints[i].host)
            return false;
    return true;
}

int dnp3_runtime_add_tcp_client(dnp3_runtime_t *rt, const dnp3_tcp_client_config_t *cfg,
                                dnp3_tcp_client_t **out)
{
    if (!rt || !cfg || !client_config_ok(cfg))
        return DNP3_E_INVALID_ARG;
    if (rt->stopping)
        return DNP3_E_STOPPED;
    dnp3_tcp_client_t *c = calloc(1, sizeof *c);
    if (!c)
        return DNP3_E_NOMEM;
    c->rt = rt;
    for (size_t i = 0; i < cfg->endpoint_count; i++) {
        c->hosts[i] = strdup(cfg->endpoints[i].host);
        c->ports[i] = cfg->endpoints[i].port ? cfg->endpoints[i].port : 20000;
        if (!c->hosts[i]) {
            dnp3i_client_free(c);
            return DNP3_E_NOMEM;
        }
    }
    c->endpoint_count = cfg->endpoint_count;
    c->connect_timeout_ms = cfg->connect_timeout_ms;
    c->backoff_min_ms = c->backoff_ms = cfg->backoff_min_ms;
    c->backoff_max_ms = cfg->backoff_max_ms;
    c->keepalive = cfg->keepalive;
    c->session = cfg->session;
    uv_timer_init(&rt->loop, &c->timer);
    c->timer.data = c;
    dnp3i_list_push(&rt->clients, &c->link);
    if (out)
        *out = c;
    try_endpoint(c);
    return 0;
}

void dnp3i_client_conn_closed(dnp3_tcp_client_t *c)
{
    /* A peer that sent something was really there: start over from the
     * shortest wait. One that closed at once (a server refusing us at
     * accept) counts as a failed round, so we do not hammer it. */
    bool answered = c->conn && c->conn->bytes_in > 0;
    c->conn = NULL;
    release_slot(c);
    if (c->stopping || c->rt->stopping)
        return;
    c->current = 0;
    if (answered)
        c->backoff_ms = c->backoff_min_ms;
    uint32_t delay = next_backoff(c);
    dnp3i_log(c->rt, DNP3_LOG_INFO, "tcp: reconnecting in %u ms", (unsigned)delay);
    schedule(c, delay);
}

void dnp3i_client_stop(dnp3_tcp_client_t *c)
{
    if (c->stopping)
        return;
    c->stopping = true;
    release_slot(c);
    uv_timer_stop(&c->timer);
    uv_close((uv_handle_t *)&c->timer, NULL);
    c->timer_closed = true;
    if (c->attempt)
        dnp3i_tcp_stream_discard(c->attempt);
    if (c->resolving)
        uv_cancel((uv_req_t *)&c->resolve);
    if (c->conn)
        dnp3i_conn_close(c->conn, DNP3_DISCONNECT_STOP, NULL);
}

void dnp3i_client_free(dnp3_tcp_client_t *c)
{
    for (size_t i = 0; i < DNP3_RUNTIME_ENDPOINT_MAX; i++)
        free(c->hosts[i]);
    free(c);
}

dnp3_conn_t *dnp3_tcp_client_conn(const dnp3_tcp_client_t *c)
{
    return c ? c->conn : NULL;
}
