/* TCP listeners: bind, accept, and the checks made at accept (the per-port
 * connection limit, the allow-list of source networks, the application's
 * accept callback), each refusal logged and counted. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "runtime/runtime_internal.h"

void dnp3_tcp_server_config_default(dnp3_tcp_server_config_t *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->address = "0.0.0.0";
    cfg->port = 20000;
    cfg->max_connections = 4;
    dnp3i_keepalive_default(&cfg->keepalive);
    cfg->backlog = 64;
}

static bool allowed(const dnp3_listener_t *l, const dnp3_endpoint_t *peer)
{
    if (l->allow_count == 0)
        return true;
    for (size_t i = 0; i < l->allow_count; i++)
        if (dnp3_network_contains(&l->allow[i], peer))
            return true;
    return false;
}

static void refuse(dnp3_listener_t *l, dnp3i_tcp_stream_t *s, const dnp3_endpoint_t *peer,
                   dnp3_refuse_reason_t reason, const char *why)
{
    dnp3i_log_refusal(l->rt, l->text, peer, reason, why);
    dnp3i_tcp_stream_discard(s);
}

/* The accepted socket holds the last descriptor RLIMIT_NOFILE allows
 * (descriptors are handed out lowest first): *limit is that limit. Were it
 * kept, the next accept would fail with EMFILE, which libuv absorbs by
 * accepting and closing the waiting connections without telling us. */
static bool last_descriptor(dnp3i_tcp_stream_t *s, unsigned long long *limit)
{
    uv_os_fd_t fd;
    struct rlimit rl;
    if (uv_fileno((uv_handle_t *)&s->tcp, &fd) != 0 || getrlimit(RLIMIT_NOFILE, &rl) != 0 ||
        rl.rlim_cur == RLIM_INFINITY)
        return false;
    *limit = (unsigned long long)rl.rlim_cur;
    return (unsigned long long)fd + 1 >= *limit;
}

/* At ERROR, at most once a second: the limit, what is open, the count. */
static void refuse_no_files(dnp3_listener_t *l, dnp3i_tcp_stream_t *s, const dnp3_endpoint_t *peer,
                            unsigned long long limit)
{
    dnp3_runtime_t *rt = l->rt;
    uint64_t n = ++rt->counters.refused[DNP3_REFUSE_NO_FILES];
    dnp3_timestamp_t now = dnp3_runtime_now(rt);
    if (n == 1 || now >= l->nofile_logged + 1000) {
        l->nofile_logged = now;
        char src[DNP3_ENDPOINT_TEXT_MAX];
        dnp3_endpoint_format(peer, src, sizeof src);
        dnp3i_log(rt, DNP3_LOG_ERROR,
                  "tcp %s: refused connection from %s: no file descriptor left: the open file "
                  "limit (RLIMIT_NOFILE) is %llu, %llu connections are open; %llu connections "
                  "refused for it so far (raise it with ulimit -n)",
                  l->text, src, limit, (unsigned long long)rt->counters.open_connections,
                  (unsigned long long)n);
    } else {
        rt->counters.log_suppressed++;
    }
    dnp3i_tcp_stream_discard(s);
}

/* The checks of one accepted socket, then the connection. */
static void admit(dnp3_listener_t *l, dnp3i_tcp_stream_t *s)
{
    dnp3_runtime_t *rt = l->rt;
    dnp3_conn_info_t info = {.outgoing = false, .transport = "tcp"};
    if (s->base.ops->address(&s->base, true, &info.peer) ||
        s->base.ops->address(&s->base, false, &info.local)) {
        refuse(l, s, &info.peer, DNP3_REFUSE_ERROR, "no socket address");
        return;
    }
    unsigned long long limit;
    if (last_descriptor(s, &limit)) {
        refuse_no_files(l, s, &info.peer, limit);
        return;
    }
    if (!allowed(l, &info.peer)) {
        refuse(l, s, &info.peer, DNP3_REFUSE_ALLOW_LIST, NULL);
        return;
    }
    if (l->open >= l->max_connections) {
        char why[64];
        snprintf(why, sizeof why, "%zu of %zu open", l->open, l->max_connections);
        refuse(l, s, &info.peer, DNP3_REFUSE_LIMIT, why);
        return;
    }
    dnp3_session_t session = {0};
    char why[128] = "";
    info.id = rt->next_conn_id; /* what the connection will be given */
    int rc = l->accept(l->accept_user, &info, &session, why, sizeof why);
    if (rc < 0 || !session.ops || !session.ops->on_bytes || !session.ops->take_output) {
        refuse(l, s, &info.peer, DNP3_REFUSE_SESSION, why[0] ? why : dnp3_strerror(rc));
        return;
    }
    dnp3i_tcp_configure(rt, &s->tcp, &l->keepalive);
    dnp3_conn_t *conn = dnp3i_conn_new(rt, &s->base, session, l, NULL, &info);
    if (!conn) {
        if (session.ops->on_close)
            session.ops->on_close(session.ctx, DNP3_DISCONNECT_RESET);
        refuse(l, s, &info.peer, DNP3_REFUSE_ERROR, "out of memory");
        return;
    }
    l->open++;
    rt->counters.accepted++;
    if (dnp3i_log_enabled(rt, DNP3_LOG_INFO)) {
        char peer[DNP3_ENDPOINT_TEXT_MAX];
        dnp3_endpoint_format(&conn->info.peer, peer, sizeof peer);
        dnp3i_log(rt, DNP3_LOG_INFO, "tcp %s: accepted connection %llu from %s (%zu of %zu open)",
                  l->text, (unsigned long long)conn->info.id, peer, l->open, l->max_connections);
    }
    dnp3i_conn_start(conn);
}

static void on_connection(uv_stream_t *server, int status)
{
    dnp3_listener_t *l = server->data;
    dnp3_runtime_t *rt = l->rt;
    if (status < 0) {
        dnp3i_log(rt, DNP3_LOG_WARN, "tcp %s: accept failed: %s", l->text, uv_strerror(status));
        return;
    }
    dnp3i_tcp_stream_t *s = dnp3i_tcp_stream_new(rt);
    if (!s) {
        dnp3i_log(rt, DNP3_LOG_ERROR, "tcp %s: out of memory at accept", l->text);
        return;
    }
    if (uv_accept(server, (uv_stream_t *)&s->tcp) != 0) {
        dnp3i_tcp_stream_discard(s);
        return;
    }
    if (rt->stopping) {
        dnp3i_tcp_stream_discard(s);
        return;
    }
    admit(l, s);
}

static int read_allow_list(dnp3_listener_t *l, const dnp3_tcp_server_config_t *cfg)
{
    for (size_t i = 0; i < cfg->allow_count; i++) {
        if (dnp3_network_read(cfg->allow[i], &l->allow[i]) != 0) {
            dnp3i_log(l->rt, DNP3_LOG_ERROR, "tcp: bad allowed network \"%s\"",
                      cfg->allow[i] ? cfg->allow[i] : "(null)");
            return DNP3_E_ADDRESS;
        }
    }
    l->allow_count = cfg->allow_count;
    return 0;
}

static int bind_listen(dnp3_listener_t *l, const dnp3_tcp_server_config_t *cfg)
{
    struct sockaddr_storage ss;
    if (dnp3i_sockaddr_from_text(cfg->address, cfg->port, &ss) != 0) {
        dnp3i_log(l->rt, DNP3_LOG_ERROR, "tcp: bad listen address \"%s\"",
                  cfg->address ? cfg->address : "(null)");
        return DNP3_E_ADDRESS;
    }
    int rc = uv_tcp_bind(&l->tcp, (const struct sockaddr *)&ss, 0);
    if (rc == 0)
        rc = uv_listen((uv_stream_t *)&l->tcp, cfg->backlog > 0 ? cfg->backlog : 64, on_connection);
    if (rc == 0) {
        struct sockaddr_storage bound;
        int len = (int)sizeof bound;
        rc = uv_tcp_getsockname(&l->tcp, (struct sockaddr *)&bound, &len);
        if (rc == 0)
            dnp3i_endpoint_from_sockaddr((const struct sockaddr *)&bound, &l->bound);
    }
    if (rc != 0) {
        dnp3i_log(l->rt, DNP3_LOG_ERROR, "tcp: cannot listen on %s port %u: %s", cfg->address,
                  (unsigned)cfg->port, uv_strerror(rc));
        return dnp3i_error_from_uv(rc);
    }
    dnp3_endpoint_format(&l->bound, l->text, sizeof l->text);
    return 0;
}

static void on_listener_closed(uv_handle_t *h)
{
    dnp3_listener_t *l = h->data;
    /* A listener that failed to start is freed here; a running one is
     * freed with the runtime (connections may still point at it). */
    if (l->link.next == &l->link)
        free(l);
}

int dnp3_runtime_add_tcp_server(dnp3_runtime_t *rt, const dnp3_tcp_server_config_t *cfg,
                                dnp3_listener_t **out)
{
    if (!rt || !cfg || !cfg->accept || cfg->max_connections == 0 ||
        cfg->allow_count > DNP3_RUNTIME_ALLOW_MAX || (cfg->allow_count && !cfg->allow))
        return DNP3_E_INVALID_ARG;
    if (rt->stopping)
        return DNP3_E_STOPPED;
    dnp3_listener_t *l = calloc(1, sizeof *l);
    if (!l)
        return DNP3_E_NOMEM;
    l->rt = rt;
    dnp3i_list_init(&l->link);
    l->max_connections = cfg->max_connections;
    l->keepalive = cfg->keepalive;
    l->accept = cfg->accept;
    l->accept_user = cfg->accept_user;
    int rc = read_allow_list(l, cfg);
    if (rc) {
        free(l);
        return rc;
    }
    uv_tcp_init(&rt->loop, &l->tcp);
    l->tcp.data = l;
    rc = bind_listen(l, cfg);
    if (rc) {
        uv_close((uv_handle_t *)&l->tcp, on_listener_closed);
        return rc;
    }
    dnp3i_list_push(&rt->listeners, &l->link);
    dnp3i_log(rt, DNP3_LOG_INFO, "tcp %s: listening (max %zu connections, %zu allowed networks)",
              l->text, l->max_connections, l->allow_count);
    if (out)
        *out = l;
    return 0;
}

void dnp3i_listener_conn_closed(dnp3_listener_t *l)
{
    if (l->open)
        l->open--;
}

void dnp3i_listener_stop(dnp3_listener_t *l)
{
    if (l->closing)
        return;
    l->closing = true;
    uv_close((uv_handle_t *)&l->tcp, on_listener_closed);
}

void dnp3i_listener_free(dnp3_listener_t *l)
{
    free(l);
}

int dnp3_listener_endpoint(const dnp3_listener_t *l, dnp3_endpoint_t *out)
{
    if (!l || !out)
        return DNP3_E_INVALID_ARG;
    *out = l->bound;
    return 0;
}

size_t dnp3_listener_connections(const dnp3_listener_t *l)
{
    return l ? l->open : 0;
}
