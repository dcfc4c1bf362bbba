/* os_app: `dnp3 outstation` put together (os_app.h). */
#include "os_app.h"

#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "dnp3/app.h"

/* ---- logging --------------------------------------------------------------- */

/* Where glibc's syslog(3) sends its lines (_PATH_LOG). */
#define DNP3_SYSLOG_SOCKET "/dev/log"

static void log_line(void *ctx, dnp3_log_level_t level, const char *msg)
{
    os_app_t *app = ctx;
    if (app->quiet)
        return;
    if (app->syslog) {
        dnp3_log_syslog(NULL, level, msg);
        return;
    }
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    struct tm tm;
    gmtime_r(&ts.tv_sec, &tm);
    fprintf(stderr, "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %-5s %s\n", tm.tm_year + 1900,
            tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, ts.tv_nsec / 1000000,
            dnp3_log_level_name(level), msg);
    fflush(stderr);
}

static void session_log(void *ctx, dnp3_log_level_t level, const char *msg)
{
    os_assoc_ctx_t *a = ctx;
    dnp3_runtime_log(a->app->rt, level, "outstation %u / master %u: %s", a->local, a->master, msg);
}

/* ---- callbacks ---------------------------------------------------------------- */

static const char *mode_name(dnp3_control_mode_t m)
{
    static const char *const names[] = {"SELECT", "OPERATE", "DIRECT_OPERATE", "DIRECT_OPERATE_NR"};
    return (unsigned)m < 4 ? names[m] : "?";
}

static const char *crob_op_name(uint8_t code)
{
    static const char *const ops[] = {"NUL", "PULSE_ON", "PULSE_OFF", "LATCH_ON", "LATCH_OFF"};
    static const char *const tcc[] = {"", "CLOSE ", "TRIP ", "RESERVED "};
    static char buf[32]; /* loop thread only */
    unsigned op = code & 0x0Fu;
    snprintf(buf, sizeof buf, "%s%s", tcc[(code >> 6) & 3u], op <= 4 ? ops[op] : "OP?");
    return buf;
}

static uint8_t on_control(void *ctx, const dnp3_control_t *c)
{
    os_assoc_ctx_t *a = ctx;
    if (c->group == 12)
        dnp3_runtime_log(a->app->rt, DNP3_LOG_INFO,
                         "outstation %u / master %u: control %s g12v1 index %" PRIu32
                         " %s count %u on %" PRIu32 " ms off %" PRIu32 " ms: SUCCESS",
                         a->local, a->master, mode_name(c->mode), c->index,
                         crob_op_name(c->v.crob.code), c->v.crob.count, c->v.crob.on_ms,
                         c->v.crob.off_ms);
    else
        dnp3_runtime_log(a->app->rt, DNP3_LOG_INFO,
                         "outstation %u / master %u: control %s g41v%u index %" PRIu32
                         " value %g: SUCCESS",
                         a->local, a->master, mode_name(c->mode), c->variation, c->index,
                         c->variation <= 2 ? (double)c->v.analog_int : c->v.analog_float);
    if (c->mode != DNP3_CONTROL_SELECT)
        os_simulate_control(a->app, a->station, c);
    return DNP3_CS_SUCCESS;
}

/* Posted by on_restart: runs after the request's handling, so the g52
 * answer is already queued and the stop flushes it before closing. */
static void stop_for_restart(void *arg)
{
    os_app_t *app = arg;
    dnp3_runtime_stop(app->rt);
}

static int on_restart(void *ctx, bool cold, uint32_t *delay_ms)
{
    os_assoc_ctx_t *a = ctx;
    os_app_t *app = a->app;
    const char *kind = cold ? "cold" : "warm";
    if (!app->cfg->restart_exit) {
        dnp3_runtime_log(app->rt, DNP3_LOG_WARN,
                         "outstation %u / master %u: %s restart requested: refused "
                         "(restart.mode: refuse)",
                         a->local, a->master, kind);
        return -1;
    }
    *delay_ms = app->cfg->restart_delay_ms;
    dnp3_runtime_log(app->rt, DNP3_LOG_WARN,
                     "outstation %u / master %u: %s restart requested: stopping, exit status %d "
                     "(back in %u ms, by the supervisor)",
                     a->local, a->master, kind, OS_EXIT_RESTART,
                     (unsigned)app->cfg->restart_delay_ms);
    if (!app->restarting && dnp3_runtime_post(app->rt, stop_for_restart, app) == 0)
        app->restarting = true;
    return 0;
}

static bool on_time(void *ctx, dnp3_time_t utc_ms, dnp3_timestamp_t at)
{
    os_assoc_ctx_t *a = ctx;
    (void)at;
    dnp3_runtime_log(a->app->rt, DNP3_LOG_INFO,
                     "outstation %u / master %u: time written: %" PRIu64 " ms since 1970 UTC",
                     a->local, a->master, (uint64_t)utc_ms);
    return true;
}

/* ---- counters (SIGUSR1) ------------------------------------------------------- */

static void print_assoc(FILE *f, dnp3_outstation_t *o, uint16_t local, uint16_t master,
                        bool connected)
{
    dnp3_outstation_counters_t c;
    if (dnp3_outstation_counters(o, &c) < 0)
        return;
    uint64_t requests = c.requests_other, controls = c.controls_other;
    for (size_t i = 0; i < 256; i++)
        requests += c.requests[i];
    for (size_t i = 0; i < 128; i++)
        controls += c.controls[i];
    fprintf(f,
            "association %u/%u: connected=%d requests=%" PRIu64 " responses=%" PRIu64
            " repeats=%" PRIu64 " unsolicited=%" PRIu64 " unsolicited_confirmed=%" PRIu64
            " unsolicited_retries_replaced=%" PRIu64 " confirm_timeouts=%" PRIu64
            " controls=%" PRIu64 " controls_success=%" PRIu64 " malformed=%" PRIu64
            " too_large=%" PRIu64 " errors_iin=%" PRIu64 " wrong_address=%" PRIu64
            " events_sent=%" PRIu64 " events_confirmed=%" PRIu64 " link_up=%" PRIu64
            " link_down=%" PRIu64 "\n",
            local, master, connected, requests, c.responses, c.repeats, c.unsolicited_sent,
            c.unsolicited_confirmed, c.unsolicited_retries_replaced, c.confirms_timed_out, controls,
            c.controls[DNP3_CS_SUCCESS], c.malformed, c.too_large, c.errors_iin, c.wrong_address,
            c.events_sent, c.events_confirmed, c.link_up, c.link_down);
}

/* One line per association's event buffer: every way an event left it. */
static void print_events(FILE *f, dnp3_outstation_t *o, uint16_t local, uint16_t master)
{
    dnp3_event_buffer_counters_t e;
    if (dnp3_event_buffer_counters(dnp3_outstation_event_buffer(o), &e) < 0)
        return;
    uint64_t sum[5] = {0};
    for (int c = 0; c < 3; c++) {
        for (int t = 0; t < DNP3_PT_COUNT_; t++) {
            sum[0] += e.added[c][t];
            sum[1] += e.confirmed[c][t];
            sum[2] += e.discarded[c][t];
            sum[3] += e.superseded[c][t];
            sum[4] += e.held[c][t];
        }
    }
    fprintf(f,
            "events %u/%u: added=%" PRIu64 " confirmed=%" PRIu64 " discarded=%" PRIu64
            " superseded=%" PRIu64 " held=%" PRIu64 " overflows=%" PRIu64 "\n",
            local, master, sum[0], sum[1], sum[2], sum[3], sum[4], e.overflows);
}

static void print_db(FILE *f, uint16_t address, const dnp3_db_t *db)
{
    dnp3_db_counters_t c;
    if (dnp3_db_counters(db, &c) < 0)
        return;
    uint64_t events = 0;
    for (int t = 0; t < DNP3_PT_COUNT_; t++)
        events += c.events[t];
    fprintf(f,
            "database %u: updates=%" PRIu64 " rejected=%" PRIu64 " batches=%" PRIu64
            " events=%" PRIu64 "\n",
            address, c.updates, c.rejected, c.batches, events);
}

void os_app_print_counters(os_app_t *app, FILE *f)
{
    dnp3_runtime_counters_t r;
    dnp3_outstation_server_counters_t s;
    if (dnp3_runtime_counters(app->rt, &r) == 0)
        fprintf(f,
                "runtime: accepted=%" PRIu64 " refused_limit=%" PRIu64
                " refused_allow_list=%" PRIu64 " open=%" PRIu64 " bytes_in=%" PRIu64
                " bytes_out=%" PRIu64 " connect_attempts=%" PRIu64 " connected=%" PRIu64 "\n",
                r.accepted, r.refused[DNP3_REFUSE_LIMIT], r.refused[DNP3_REFUSE_ALLOW_LIST],
                r.open_connections, r.bytes_in, r.bytes_out, r.connect_attempts, r.connected);
    dnp3_fragment_pool_t *pool = dnp3_runtime_fragment_pool(app->rt);
    if (pool) {
        dnp3_fragment_pool_counters_t p;
        dnp3_fragment_pool_counters(pool, &p);
        fprintf(f, "fragment_pool: taken=%" PRIu64 " in_use=%zu peak=%zu exhausted=%" PRIu64 "\n",
                p.taken, p.in_use, p.peak, p.exhausted);
    }
    dnp3_outstation_server_counters_t total;
    memset(&total, 0, sizeof total);
    for (size_t g = 0; g < app->group_count; g++) {
        if (dnp3_outstation_server_counters(app->groups[g].srv, &s) < 0)
            continue;
        uint64_t *t = (uint64_t *)&total;
        const uint64_t *v = (const uint64_t *)&s;
        for (size_t k = 0; k < sizeof s / sizeof(uint64_t); k++)
            t[k] += v[k];
    }
    s = total;
    if (app->group_count)
        fprintf(f,
                "server: connections=%" PRIu64 " open=%" PRIu64 " attaches=%" PRIu64
                " replaced=%" PRIu64 " refused_duplicate=%" PRIu64
                " refused_association_allow_list=%" PRIu64 " unknown_master=%" PRIu64
                " foreign_frames=%" PRIu64 " link_closes=%" PRIu64 " update_batches=%" PRIu64
                " updates_rejected=%" PRIu64 " reassembly_timeouts=%" PRIu64 "\n",
                s.connections, s.connections_open, s.attaches, s.replaced, s.refused_duplicate,
                s.refused_allow_list, s.unknown_master, s.foreign_frames, s.link_closes,
                s.update_batches, s.updates_rejected, s.reassembly_timeouts);
    for (size_t i = 0; i < app->cfg->station_count; i++)
        print_db(f, app->cfg->stations[i].address, app->dbs[i]);
    for (size_t g = 0; g < app->group_count; g++) {
        const dnp3_outstation_server_t *srv = app->groups[g].srv;
        for (size_t i = 0; i < dnp3_outstation_server_association_count(srv); i++) {
            uint16_t local, master;
            bool connected;
            dnp3_outstation_t *o =
                dnp3_outstation_server_association(srv, i, &local, &master, &connected);
            print_events(f, o, local, master);
            print_assoc(f, o, local, master, connected);
        }
    }
    os_generate_print(app, f);
    fflush(f);
}

static void on_usr1(void *arg, int signum)
{
    (void)signum;
    os_app_t *app = arg;
    os_app_print_counters(app, app->out);
}

/* SIGUSR2: local mode on or off for every association, as the
 * local/remote switch of a real RTU: while on, controls answer LOCAL and
 * every response carries IIN1.5. */
static void on_usr2(void *arg, int signum)
{
    (void)signum;
    os_app_t *app = arg;
    app->local = !app->local;
    for (size_t i = 0; i < app->ctx_count; i++)
        dnp3_outstation_set_local(app->ctx[i].o, app->local);
    dnp3_runtime_log(app->rt, DNP3_LOG_WARN, "%s",
                     app->local ? "local mode on: controls answer LOCAL (IIN1.5); SIGUSR2 again "
                                  "for remote"
                                : "local mode off: controls are carried out again");
}

/* ---- building ------------------------------------------------------------------ */

static int fail(FILE *err, int status, const char *fmt, const char *a, const char *b)
{
    fputs("dnp3 outstation: ", err);
    fprintf(err, fmt, a, b);
    fputc('\n', err);
    return status;
}

dnp3_outstation_server_t *os_app_server(const os_app_t *app, size_t s)
{
    return app->groups[app->group_of[s]].srv;
}

/* The group of station st: the shared one, or the one with its address. */
static os_group_t *group_for(os_app_t *app, const osc_station_t *st)
{
    const osc_config_t *c = app->cfg;
    const char *host = st->own_listen ? st->listen_host : c->listen_host;
    uint16_t port = st->own_listen ? st->listen_port : c->listen_port;
    for (size_t g = 0; g < app->group_count; g++) {
        os_group_t *gr = &app->groups[g];
        /* Port 0 means "any": never shared between groups. */
        if (gr->shared == !st->own_listen &&
            (!st->own_listen || (port != 0 && gr->port == port && strcmp(gr->host, host) == 0)))
            return gr;
    }
    os_group_t *gr = &app->groups[app->group_count++];
    gr->host = host;
    gr->port = port;
    gr->shared = !st->own_listen;
    gr->listen = st->own_listen || c->listen;
    return gr;
}

static int make_groups(os_app_t *app, FILE *err)
{
    for (size_t s = 0; s < app->cfg->station_count; s++) {
        os_group_t *g = group_for(app, &app->cfg->stations[s]);
        app->group_of[s] = (size_t)(g - app->groups);
        g->stations++;
        if (g->srv)
            continue;
        int e = 0;
        g->srv = dnp3_outstation_server_new(app->rt, &app->cfg->server, &e);
        if (!g->srv)
            return fail(err, OS_EXIT_FAILURE, "%s%s", dnp3_strerror(e), "");
    }
    return 0;
}

/* Every point starts ONLINE with value 0 (octet strings "point N"), set
 * before any association exists, so no event is made for it: a master's
 * first integrity poll sees good data, not RESTART/offline placeholders. */
static int initial_values(dnp3_db_t *db, const dnp3_db_config_t *dc)
{
    const uint8_t on = DNP3_FLAG_ONLINE;
    int rc = 0;
    for (uint32_t i = 0; rc == 0 && i < dc->count[DNP3_PT_BINARY]; i++)
        rc = dnp3_db_update_binary(db, i, false, on, 0);
    for (uint32_t i = 0; rc == 0 && i < dc->count[DNP3_PT_DOUBLE_BIT]; i++)
        rc = dnp3_db_update_double_bit(db, i, DNP3_DBIT_OFF, on, 0);
    for (uint32_t i = 0; rc == 0 && i < dc->count[DNP3_PT_BINARY_OUTPUT]; i++)
        rc = dnp3_db_update_binary_output(db, i, false, on, 0);
    for (uint32_t i = 0; rc == 0 && i < dc->count[DNP3_PT_COUNTER]; i++)
        rc = dnp3_db_update_counter(db, i, 0, on, 0);
    for (uint32_t i = 0; rc == 0 && i < dc->count[DNP3_PT_FROZEN_COUNTER]; i++)
        rc = dnp3_db_update_frozen_counter(db, i, 0, on, 0);
    for (uint32_t i = 0; rc == 0 && i < dc->count[DNP3_PT_ANALOG]; i++)
        rc = dnp3_db_update_analog(db, i, 0.0, on, 0);
    for (uint32_t i = 0; rc == 0 && i < dc->count[DNP3_PT_ANALOG_OUTPUT]; i++)
        rc = dnp3_db_update_analog_output(db, i, 0.0, on, 0);
    for (uint32_t i = 0; rc == 0 && i < dc->count[DNP3_PT_OCTET_STRING]; i++) {
        char text[16];
        int n = snprintf(text, sizeof text, "point %u", (unsigned)i);
        size_t len = (size_t)n < dc->octet_string_size ? (size_t)n : dc->octet_string_size;
        rc = dnp3_db_update_octet_string(db, i, (const uint8_t *)text, len, on, 0);
    }
    return rc;
}

static int add_stations(os_app_t *app, FILE *err)
{
    char what[64];
    for (size_t s = 0; s < app->cfg->station_count; s++) {
        const osc_station_t *st = &app->cfg->stations[s];
        snprintf(what, sizeof what, "outstation %u", st->address);
        int rc = dnp3_db_new(&st->db, &app->dbs[s]);
        if (rc == 0)
            rc = initial_values(app->dbs[s], &st->db);
        if (rc == 0)
            rc =
                dnp3_outstation_server_add_station(os_app_server(app, s), st->address, app->dbs[s]);
        for (size_t i = 0; rc == 0 && i < st->assoc_count; i++) {
            const osc_assoc_t *a = &st->assocs[i];
            os_assoc_ctx_t *ctx = &app->ctx[app->ctx_count++];
            *ctx = (os_assoc_ctx_t){app, s, st->address, a->session.master_address, NULL};
            dnp3_outstation_association_config_t ac;
            dnp3_outstation_association_config_default(&ac);
            ac.session = a->session;
            ac.session.log_level = app->cfg->log_level;
            ac.session.decode = app->cfg->decode;
            ac.callbacks.control = on_control;
            ac.callbacks.restart = on_restart;
            ac.callbacks.time_written = on_time;
            ac.callbacks.log = session_log;
            ac.callbacks_ctx = ctx;
            const char *allow[DNP3_OUTSTATION_ALLOW_MAX];
            for (size_t k = 0; k < a->allow_count; k++)
                allow[k] = a->allow[k];
            ac.allow = allow;
            ac.allow_count = a->allow_count;
            rc = dnp3_outstation_server_add_association(os_app_server(app, s), &ac, &ctx->o);
        }
        if (rc < 0)
            return fail(err, OS_EXIT_CONFIG, "%s: %s", what, dnp3_strerror(rc));
    }
    return 0;
}

static int listen_status(int rc)
{
    switch (rc) {
    case DNP3_E_ADDR_IN_USE:
        return OS_EXIT_IN_USE;
    case DNP3_E_PERMISSION:
        return OS_EXIT_PERMISSION;
    case DNP3_E_ADDRESS:
        return OS_EXIT_ADDRESS;
    default:
        return OS_EXIT_FAILURE;
    }
}

static int start_listening(os_app_t *app, const os_group_t *g, FILE *err)
{
    const osc_config_t *c = app->cfg;
    dnp3_tcp_server_config_t tc;
    dnp3_tcp_server_config_default(&tc);
    tc.address = g->host;
    tc.port = g->port;
    tc.max_connections = c->max_connections;
    const char *allow[DNP3_RUNTIME_ALLOW_MAX];
    for (size_t i = 0; i < c->allow_count; i++)
        allow[i] = c->allow[i];
    tc.allow = allow;
    tc.allow_count = c->allow_count;
    tc.keepalive = c->tcp_keepalive;
    dnp3_listener_t *l = NULL;
    app->quiet = true; /* our line below says it */
    int rc = dnp3_outstation_server_listen(g->srv, &tc, &l);
    app->quiet = false;
    char where[OSC_HOST_MAX + 16];
    snprintf(where, sizeof where, strchr(g->host, ':') ? "[%s]:%u" : "%s:%u", g->host, g->port);
    if (rc < 0) {
        const char *hint = rc == DNP3_E_ADDR_IN_USE ? " (another program listens there)"
                           : rc == DNP3_E_ADDRESS   ? " (a numeric address of this host)"
                                                    : "";
        char msg[160];
        snprintf(msg, sizeof msg, "%s%s", dnp3_strerror(rc), hint);
        return fail(err, listen_status(rc), "cannot listen on %s: %s", where, msg);
    }
    dnp3_endpoint_t ep;
    char text[DNP3_ENDPOINT_TEXT_MAX] = "?";
    if (dnp3_listener_endpoint(l, &ep) == 0)
        (void)dnp3_endpoint_format(&ep, text, sizeof text);
    dnp3_runtime_log(app->rt, DNP3_LOG_INFO, "listening on %s (%zu stations, %zu associations)",
                     text, g->stations, dnp3_outstation_server_association_count(g->srv));
    return 0;
}

static int start_connecting(os_app_t *app, const os_group_t *g, FILE *err)
{
    const osc_config_t *c = app->cfg;
    dnp3_tcp_endpoint_t ep = {c->connect_host, c->connect_port};
    dnp3_tcp_client_config_t cc;
    dnp3_tcp_client_config_default(&cc);
    cc.endpoints = &ep;
    cc.endpoint_count = 1;
    cc.backoff_min_ms = c->backoff_min_ms;
    cc.backoff_max_ms = c->backoff_max_ms;
    cc.connect_timeout_ms = c->connect_timeout_ms;
    cc.keepalive = c->tcp_keepalive;
    int rc = dnp3_outstation_server_connect(g->srv, c->connect_master, &cc, NULL);
    if (rc < 0)
        return fail(err, OS_EXIT_FAILURE, "cannot connect to %s: %s", c->connect_host,
                    dnp3_strerror(rc));
    dnp3_runtime_log(app->rt, DNP3_LOG_INFO, "connecting to master %u at %s:%u", c->connect_master,
                     c->connect_host, c->connect_port);
    return 0;
}

/* syslog(3) drops every line without a word when nothing listens on its
 * socket (a container, a machine without a syslog daemon or journald's
 * socket): look once at start, and when it is not there say so and log on
 * the error stream instead (where a service manager collects it). */
static bool syslog_reachable(FILE *err)
{
    struct sockaddr_un a = {.sun_family = AF_UNIX};
    snprintf(a.sun_path, sizeof a.sun_path, "%s", DNP3_SYSLOG_SOCKET);
    int fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    bool ok = fd >= 0 && connect(fd, (const struct sockaddr *)&a, sizeof a) == 0;
    int e = errno;
    if (fd >= 0)
        close(fd);
    if (!ok)
        fprintf(err,
                "dnp3 outstation: --syslog: %s: %s (no syslog daemon?): logging to the error "
                "stream instead\n",
                DNP3_SYSLOG_SOCKET, strerror(e));
    return ok;
}

int os_app_start(os_app_t *app, const osc_config_t *cfg, const char *pcap, FILE *out, FILE *err)
{
    memset(app, 0, sizeof *app);
    app->cfg = cfg;
    app->pcap = pcap;
    app->out = out;
    if (cfg->syslog && syslog_reachable(err))
        app->syslog = true;
    if (app->syslog)
        openlog("dnp3-outstation", LOG_PID, LOG_DAEMON);
    dnp3_runtime_config_t rc;
    dnp3_runtime_config_default(&rc);
    rc.logger = (dnp3_logger_t){log_line, app, cfg->log_level};
    rc.pcap_path = pcap;
    rc.stop_on_signals = true;
    rc.busy_poll_us = cfg->busy_poll_us;
    char msg[256] = "";
    app->rt = dnp3_runtime_new(&rc, msg, sizeof msg);
    if (!app->rt)
        return fail(err, OS_EXIT_FAILURE, "%s%s", msg, pcap ? " (--pcap)" : "");
    int status = make_groups(app, err);
    if (status == 0)
        status = add_stations(app, err);
    /* SIGUSR1 is watched before "listening on" is logged: whoever waits for
     * that line may signal at once. */
    if (status == 0 && dnp3_runtime_on_signal(app->rt, SIGUSR1, on_usr1, app) < 0)
        status = fail(err, OS_EXIT_FAILURE, "%s%s", "cannot watch SIGUSR1", "");
    if (status == 0 && dnp3_runtime_on_signal(app->rt, SIGUSR2, on_usr2, app) < 0)
        status = fail(err, OS_EXIT_FAILURE, "%s%s", "cannot watch SIGUSR2", "");
    for (size_t g = 0; status == 0 && g < app->group_count; g++) {
        if (app->groups[g].listen)
            status = start_listening(app, &app->groups[g], err);
        if (status == 0 && app->groups[g].shared && cfg->connect)
            status = start_connecting(app, &app->groups[g], err);
    }
    if (status == 0 && cfg->simulate && os_simulate_start(app) < 0)
        status = fail(err, OS_EXIT_FAILURE, "%s%s", "cannot start the simulation thread", "");
    if (status == 0 && cfg->generate_count && os_generate_start(app) < 0)
        status = fail(err, OS_EXIT_FAILURE, "%s%s", "cannot start the generator thread", "");
    app->quiet = status != 0; /* the line above said it all: no teardown lines */
    return status;
}

int os_app_run(os_app_t *app)
{
    int rc = dnp3_runtime_run(app->rt);
    os_simulate_stop(app);
    os_generate_stop(app);
    dnp3_runtime_log(app->rt, DNP3_LOG_INFO, "stopped");
    if (rc < 0)
        return OS_EXIT_FAILURE;
    return app->restarting ? OS_EXIT_RESTART : OS_EXIT_OK;
}

void os_app_free(os_app_t *app)
{
    os_simulate_stop(app);
    os_generate_stop(app);
    dnp3_runtime_free(app->rt); /* first: it runs closures still posted to the servers */
    for (size_t g = 0; g < app->group_count; g++)
        dnp3_outstation_server_free(app->groups[g].srv);
    for (size_t i = 0; i < OSC_MAX_STATIONS; i++)
        dnp3_db_free(app->dbs[i]);
    if (app->syslog)
        closelog();
}
