/* cmd_master: the long-running poller. One association from the command
 * line, or several from a YAML file (master_config.h); every measurement
 * printed as a line or a JSON object; connects, disconnects, retries and IIN
 * changes logged; SIGINT/SIGTERM end it with status 0. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include "cmd_station.h"
#include "master_config.h"
#include "station.h"

const char cmd_master_summary[] = "the long-running master: polls, events, unsolicited";

enum {
    OPT_TIMEOUT = OPTS_OWN,
    OPT_INTEGRITY,
    OPT_CLASS_POLL,
    OPT_UNSOL,
    OPT_LINK_RESET,
    OPT_QUIET,
    OPT_TOGGLE,
    OPT_TOGGLE_PERIOD,
    OPT_LISTEN,
    OPT_TIME_SYNC,
    OPT_POOL_SLOTS,
    OPT_POOL_BYTES,
};

/* --toggle: latch a binary output on and off in turn (a demonstration that
 * commands run ahead of the scans; with --simulate our outstation's binary
 * input of the same index follows). */
typedef struct toggle {
    bool on; /* --toggle given */
    uint32_t index;
    uint32_t period_ms; /* default 5000 */
    dnp3_timestamp_t next;
    bool latch_on; /* the next command */
} toggle_t;

static void usage(FILE *f)
{
    fputs("usage: dnp3 master HOST[:PORT] [options]\n"
          "       dnp3 master --config FILE.yaml [--json] [--pcap FILE] [--busy-poll US]\n"
          "       dnp3 master --listen HOST:PORT [options]   (the outstation dials in)\n"
          "\n"
          "Keep one outstation's data current (or every association of the file): at\n"
          "connect DISABLE_UNSOLICITED, an integrity poll, ENABLE_UNSOLICITED (--unsol);\n"
          "then the scheduled polls and the reactions to the outstation's IIN. Every\n"
          "measurement is printed; connects, disconnects, retries and IIN changes are\n"
          "logged on the error stream. Reconnects with backoff; SIGINT or SIGTERM end it.\n"
          "\n"
          "options:\n"
          "  --integrity-period DUR  integrity poll period (default 60s; 0 = only at start)\n"
          "  --class-poll DUR        class 1, 2, 3 event poll period (default 0 = none)\n"
          "  --unsol                 enable unsolicited responses for classes 1, 2, 3\n"
          "  --link-reset            RESET_LINK_STATES at connect, before the start-up\n"
          "  --time-sync MODE        set the outstation's clock when it asks (IIN1.4):\n"
          "                          lan (record current time), non-lan (delay\n"
          "                          measurement first) or none (default)\n"
          "  --address N             the outstation's link address (default 10)\n"
          "  --master N              our link address (default 1)\n"
          "  --timeout DUR           connect and response timeout (default 5s)\n"
          "  --config FILE           associations from a YAML file (examples/master.yaml)\n"
          "  --listen HOST:PORT      wait for the outstation to connect (dual end point;\n"
          "                          port 0: any free port, logged;\n"
          "                          identified by the link address of its first fragment)\n"
          "  --json                  one JSON object per measurement\n"
          "  -q, --quiet             no measurement lines (the log only)\n"
          "  --toggle N              operate binary output N, LATCH_ON then LATCH_OFF in turn\n"
          "                          (select-before-operate), checked as responses arrive\n"
          "  --toggle-period DUR     time between the toggles (default 5s)\n"
          "  --pcap FILE             write the traffic to a capture\n"
          "  --busy-poll US          after traffic, poll for US microseconds more before\n"
          "                          sleeping (default 0 = off): lower command latency for\n"
          "                          a core kept busy while traffic flows (up to 1000000)\n"
          "  --pool-slots N          commands queued or running at once, all associations\n"
          "                          together (default 4 per association, at least 64, at\n"
          "                          most 16 per association; also `pool: {slots: N}` in\n"
          "                          the file)\n"
          "  --pool-bytes SIZE       their object bytes (default 256 per slot; 512K, 1M ...;\n"
          "                          `pool: {bytes: N}` in the file)\n"
          "  --help                  show this text\n"
          "\n"
          "Commands of every association share one pool. A command that finds it full is\n"
          "refused, not queued: logged at WARN (\"task refused: shared pool exhausted\"),\n"
          "counted, and the pool's use and the refusals are logged at exit and on SIGUSR1.\n"
          "\n"
          "Measurements that cannot be written (a full disk, a closed pipe) stop it: the\n"
          "outstations keep the events not yet confirmed.\n"
          "\n"
          "exit status: 0 stopped by a signal (refused commands included), 1 stopped\n"
          "because its output failed, 2 usage or configuration error\n",
          f);
}

/* --listen: where the master waits for outstations that dial in. */
typedef struct listen_opt {
    char host[OPTS_HOST_MAX];
    uint16_t port;
    bool on;
} listen_opt_t;

static int duration_opt(const opts_t *o, const char *name, const char *arg, uint32_t *ms)
{
    uint64_t v;
    char msg[160];
    if (opts_duration_ms(arg, &v, msg, sizeof msg) < 0)
        return opts_usage_error(o, "%s: %s", name, msg), -1;
    *ms = (uint32_t)v;
    return 0;
}

/* --pool-slots / --pool-bytes: process-wide, so allowed with --config. */
static int pool_opt(const opts_t *o, int id, const char *arg, master_conf_t *mc)
{
    char msg[160];
    uint64_t v;
    if (id == OPT_POOL_BYTES) {
        if (opts_size(arg, &v, msg, sizeof msg) < 0 || v == 0 || v > MASTER_POOL_BYTES_MAX)
            return opts_usage_error(o, "--pool-bytes: '%s' is not a size of 1 to 4G-1 bytes", arg),
                   -1;
        mc->pool_bytes = v;
        return 0;
    }
    if (opts_uint(arg, MASTER_POOL_SLOTS_MAX, &v) < 0 || v == 0)
        return opts_usage_error(o, "--pool-slots: '%s' is not a count of 1 to %u", arg,
                                MASTER_POOL_SLOTS_MAX),
               -1;
    mc->pool_slots = (uint32_t)v;
    return 0;
}

static int time_sync_opt(const opts_t *o, const char *arg, dnp3_time_sync_mode_t *mode)
{
    if (strcmp(arg, "none") == 0)
        *mode = DNP3_TIME_SYNC_NONE;
    else if (strcmp(arg, "lan") == 0)
        *mode = DNP3_TIME_SYNC_LAN;
    else if (strcmp(arg, "non-lan") == 0)
        *mode = DNP3_TIME_SYNC_NON_LAN;
    else
        return opts_usage_error(o, "--time-sync: '%s' is not none, lan or non-lan", arg), -1;
    return 0;
}

static int toggle_index(const opts_t *o, const char *arg, toggle_t *t)
{
    char *end;
    unsigned long v = strtoul(arg, &end, 10);
    if (*end || end == arg || arg[0] == '-' || v > 65535)
        return opts_usage_error(o, "--toggle: '%s' is not an index 0..65535", arg), -1;
    t->on = true;
    t->index = (uint32_t)v;
    return 0;
}

static int listen_arg(const opts_t *o, const char *arg, listen_opt_t *lo)
{
    char msg[160], text[OPTS_HOST_MAX + 8];
    lo->port = STATION_DEFAULT_PORT;
    /* Port 0 (any free port, e.g. in tests) is allowed here only. */
    size_t n = strlen(arg);
    bool any = n > 2 && strcmp(arg + n - 2, ":0") == 0;
    snprintf(text, sizeof text, "%.*s", (int)(any ? n - 2 : n), arg);
    if (opts_host_port(text, lo->host, sizeof lo->host, &lo->port, msg, sizeof msg) < 0)
        return opts_usage_error(o, "--listen: %s", msg), -1;
    if (any)
        lo->port = 0;
    lo->on = true;
    return 0;
}

static int parse(opts_t *o, master_assoc_conf_t *ac, bool *quiet, bool *cli_set, toggle_t *t,
                 listen_opt_t *lo, master_conf_t *pool)
{
    int id;
    const char *arg;
    while ((id = opts_next(o, &arg)) > 0) {
        int bad = 0;
        *cli_set |= id != OPT_QUIET && id != 'q' && id != OPT_TOGGLE && id != OPT_TOGGLE_PERIOD &&
                    id != OPT_LISTEN && id != OPT_POOL_SLOTS && id != OPT_POOL_BYTES;
        switch (id) {
        case OPT_POOL_SLOTS:
        case OPT_POOL_BYTES:
            bad = pool_opt(o, id, arg, pool);
            break;
        case OPT_TIMEOUT:
            bad = station_timeout_opt(o, arg, &ac->response_timeout_ms);
            break;
        case OPT_INTEGRITY:
            bad = duration_opt(o, "--integrity-period", arg, &ac->integrity_period_ms);
            break;
        case OPT_CLASS_POLL:
            bad = duration_opt(o, "--class-poll", arg, &ac->class_period_ms[0]);
            ac->class_period_ms[1] = ac->class_period_ms[2] = ac->class_period_ms[0];
            break;
        case OPT_LINK_RESET:
            ac->link_reset = true;
            break;
        case OPT_TIME_SYNC:
            bad = time_sync_opt(o, arg, &ac->time_sync);
            break;
        case OPT_UNSOL:
            ac->unsol_classes = DNP3_MASTER_CLASS_1 | DNP3_MASTER_CLASS_2 | DNP3_MASTER_CLASS_3;
            break;
        case 'q':
        case OPT_QUIET:
            *quiet = true;
            break;
        case OPT_TOGGLE:
            bad = toggle_index(o, arg, t);
            break;
        case OPT_LISTEN:
            bad = listen_arg(o, arg, lo);
            break;
        case OPT_TOGGLE_PERIOD:
            bad = duration_opt(o, "--toggle-period", arg, &t->period_ms);
            if (bad == 0 && t->period_ms == 0) {
                opts_usage_error(o, "--toggle-period: must be above 0");
                bad = -1;
            }
            break;
        }
        if (bad < 0)
            return -1;
    }
    return id;
}

/* Raise the soft limit on open files to the hard one: every association is
 * a socket. Says so at error level when that is still too few. */
static void raise_nofile(FILE *err, size_t sockets)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return;
    if (rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
        getrlimit(RLIMIT_NOFILE, &rl);
    }
    /* stdin/out/err, the capture, libuv's own descriptors. */
    if (rl.rlim_cur != RLIM_INFINITY && sockets + 16 > rl.rlim_cur)
        fprintf(err,
                "dnp3 master: ERROR: %zu associations need %zu sockets but the open file "
                "limit (RLIMIT_NOFILE) is %llu: associations beyond it cannot connect (raise "
                "it with ulimit -n)\n",
                sockets, sockets, (unsigned long long)rl.rlim_cur);
}

typedef struct master_run {
    dnp3_runtime_t *rt;
    station_t *sts;
    size_t n;
    dnp3_master_pool_t *pool; /* every association's queued commands */
    dnp3_master_pool_config_t pool_cfg;
    toggle_t *toggle; /* --toggle: the first association's */
    int output_errno; /* the measurements' output failed (EPIPE, ENOSPC ...) */
} master_run_t;

static void maybe_toggle(station_t *st)
{
    const master_run_t *m = st->ctx;
    toggle_t *t = st == &m->sts[0] ? m->toggle : NULL;
    dnp3_timestamp_t now = dnp3_runtime_now(st->rt);
    if (!t || !t->on || now < t->next)
        return;
    t->next = now + t->period_ms;
    dnp3_command_point_t pt = {.group = 12,
                               .variation = 1,
                               .index = t->index,
                               .code = t->latch_on ? 0x03 : 0x04,
                               .count = 1};
    int id = dnp3_master_assoc_operate(st->a, now, DNP3_COMMAND_SELECT_OPERATE, &pt, 1);
    dnp3_runtime_log(st->rt, id > 0 ? DNP3_LOG_INFO : DNP3_LOG_WARN,
                     "%s: operate binary output %lu %s (select-before-operate)%s%s",
                     st->target.name, (unsigned long)t->index,
                     t->latch_on ? "LATCH_ON" : "LATCH_OFF", id > 0 ? "" : ": ",
                     id > 0 ? "" : dnp3_strerror(id));
    t->latch_on = !t->latch_on;
}

static void on_command_master(station_t *st, const dnp3_command_result_t *r)
{
    const char *status = r->n ? dnp3_command_status_name(r->statuses[0]) : "-";
    dnp3_runtime_log(st->rt, r->result == DNP3_MASTER_SUCCESS ? DNP3_LOG_INFO : DNP3_LOG_WARN,
                     "%s: command %lu: %s, status %s", st->target.name, (unsigned long)r->id,
                     dnp3_master_result_name(r->result), status ? status : "?");
}

static void on_task_master(station_t *st, const dnp3_task_result_t *r)
{
    if (r->result == DNP3_MASTER_SUCCESS && r->kind == DNP3_TASK_INTEGRITY)
        dnp3_runtime_log(st->rt, DNP3_LOG_INFO, "%s: integrity poll done", st->target.name);
}

/* The shared pool's use now, and the tasks it refused (every association's
 * pool_exhausted): WARN when it refused any. */
static void log_pool(const master_run_t *m, const char *when)
{
    dnp3_master_pool_usage_t u;
    if (!m->pool || dnp3_master_pool_usage(m->pool, &u) < 0)
        return;
    uint64_t refused = 0;
    for (size_t i = 0; i < m->n; i++) {
        dnp3_master_counters_t c;
        if (m->sts[i].a && dnp3_master_assoc_counters(m->sts[i].a, &c) == 0)
            refused += c.pool_exhausted;
    }
    dnp3_runtime_log(m->rt, refused ? DNP3_LOG_WARN : DNP3_LOG_INFO,
                     "master: pool %s: %lu of %lu task slots and %zu of %zu bytes in use; "
                     "pool_exhausted=%llu (commands refused)",
                     when, (unsigned long)u.tasks, (unsigned long)m->pool_cfg.max_tasks, u.bytes,
                     m->pool_cfg.max_bytes, (unsigned long long)refused);
}

/* SIGUSR1: the pool's line, as at exit. */
static void on_status_signal(void *arg, int signum)
{
    (void)signum;
    log_pool(arg, "now");
}

/* One pool for every association, sized from the configuration; NULL
 * after writing the error. */
static dnp3_master_pool_t *pool_new(const master_conf_t *mc, master_run_t *m, FILE *err)
{
    master_conf_pool(mc, &m->pool_cfg);
    int rc = dnp3_master_pool_new(&m->pool_cfg, &m->pool);
    if (rc < 0) {
        fprintf(err, "dnp3 master: pool of %lu task slots and %zu bytes: %s\n",
                (unsigned long)m->pool_cfg.max_tasks, m->pool_cfg.max_bytes, dnp3_strerror(rc));
        return NULL;
    }
    dnp3_runtime_log(m->rt, DNP3_LOG_INFO,
                     "master: %zu association%s, one pool of %lu command slots and %zu bytes "
                     "(%zu bytes allocated)",
                     mc->n_assocs, mc->n_assocs == 1 ? "" : "s",
                     (unsigned long)m->pool_cfg.max_tasks, m->pool_cfg.max_bytes,
                     dnp3_master_pool_memory(m->pool));
    return m->pool;
}

/* Stop, without printing the comm-lost re-reports that the closing
 * connections would cause (the data did not go stale: we left). */
static void stop_all(master_run_t *m)
{
    for (size_t i = 0; i < m->n; i++) {
        m->sts[i].discard_measurements = true;
        m->sts[i].quiet = true;
        m->sts[i].finished = true;
    }
    dnp3_runtime_stop(m->rt);
}

static void on_stop_signal(void *arg, int signum)
{
    master_run_t *m = arg;
    dnp3_runtime_log(m->rt, DNP3_LOG_INFO, "master: signal %d, stopping", signum);
    stop_all(m);
}

/* The measurements' output failed (a full disk, a closed pipe): stop every
 * association rather than go on confirming events that cannot be recorded
 * (the outstations keep the ones not yet confirmed for the next master),
 * and keep the errno for the exit's message and status. */
static void on_output_failed(station_t *st, int e)
{
    master_run_t *m = st->ctx;
    if (e == EPIPE)
        dnp3_runtime_log(m->rt, DNP3_LOG_INFO,
                         "master: the output was closed (its reader went away): stopping");
    else
        dnp3_runtime_log(m->rt, DNP3_LOG_ERROR,
                         "master: cannot write measurements (%s): stopping, so that the "
                         "outstations keep the events not yet confirmed",
                         e ? strerror(e) : "write error");
    m->output_errno = e ? e : EIO;
    stop_all(m);
}

static void on_listener_attach(void *user, dnp3_master_assoc_t *a, const dnp3_conn_info_t *info,
                               bool attached)
{
    (void)a;
    station_t *st = user;
    char peer[DNP3_ENDPOINT_TEXT_MAX];
    if (dnp3_endpoint_format(&info->peer, peer, sizeof peer) < 0)
        snprintf(peer, sizeof peer, "?");
    dnp3_runtime_log(st->rt, attached ? DNP3_LOG_INFO : DNP3_LOG_WARN,
                     attached ? "%s: the outstation dialled in from %s"
                              : "%s: the outstation's connection from %s closed; waiting for it",
                     st->target.name, peer);
}

static dnp3_master_listener_t *open_listener(dnp3_runtime_t *rt, const listen_opt_t *lo,
                                             station_t *first, FILE *err)
{
    dnp3_master_listener_config_t lc;
    dnp3_master_listener_config_default(&lc);
    lc.address = lo->host;
    lc.port = lo->port;
    lc.logger.level = DNP3_LOG_WARN;
    lc.on_attach = on_listener_attach;
    lc.user = first;
    dnp3_master_listener_t *l = NULL;
    int rc = dnp3_master_listener_new(rt, &lc, &l);
    if (rc < 0) {
        fprintf(err, "dnp3 master: --listen %s:%u: %s\n", lo->host, lo->port, dnp3_strerror(rc));
        return NULL;
    }
    dnp3_endpoint_t ep;
    char text[DNP3_ENDPOINT_TEXT_MAX] = "?";
    if (dnp3_master_listener_endpoint(l, &ep) == 0)
        dnp3_endpoint_format(&ep, text, sizeof text);
    dnp3_runtime_log(rt, DNP3_LOG_INFO, "master: listening on %s for outstations that dial in",
                     text);
    return l;
}

/* Multi-drop: the earlier station whose association names the same
 * channel (it owns the connection), NULL if none. */
static station_t *channel_owner(const master_conf_t *mc, station_t *sts, size_t i)
{
    if (!mc->assocs[i].channel[0])
        return NULL;
    for (size_t j = 0; j < i; j++) {
        if (strcmp(mc->assocs[j].channel, mc->assocs[i].channel) == 0)
            return &sts[j];
    }
    return NULL;
}

/* Associations on association i's channel. */
static size_t channel_count(const master_conf_t *mc, size_t i)
{
    if (!mc->assocs[i].channel[0])
        return 1;
    size_t n = 0;
    for (size_t j = 0; j < mc->n_assocs; j++)
        n += strcmp(mc->assocs[j].channel, mc->assocs[i].channel) == 0;
    return n;
}

static int run_all(master_conf_t *mc, const opts_t *o, bool quiet, toggle_t *toggle,
                   const listen_opt_t *lo, FILE *out, FILE *err, int *output_errno)
{
    bool json = o->json;
    raise_nofile(err, mc->n_assocs);
    station_run_opts_t r;
    station_run_opts_default(&r);
    r.pcap = o->pcap;
    r.busy_poll_us = o->busy_poll_us;
    r.log_level = DNP3_LOG_INFO;
    r.own_signals = true;
    dnp3_runtime_t *rt = station_runtime_new("master", err, &r);
    if (!rt)
        return STATION_EXIT_USAGE;
    station_t *sts = calloc(mc->n_assocs, sizeof *sts);
    int rc = sts ? 0 : STATION_EXIT_USAGE;
    master_run_t m = {.rt = rt, .sts = sts, .n = mc->n_assocs, .toggle = toggle};
    if (rc == 0 && (dnp3_runtime_on_signal(rt, SIGINT, on_stop_signal, &m) < 0 ||
                    dnp3_runtime_on_signal(rt, SIGTERM, on_stop_signal, &m) < 0 ||
                    dnp3_runtime_on_signal(rt, SIGUSR1, on_status_signal, &m) < 0))
        rc = STATION_EXIT_USAGE;
    if (rc == 0 && !pool_new(mc, &m, err))
        rc = STATION_EXIT_USAGE;
    size_t made = 0;
    dnp3_master_listener_t *listener = NULL;
    if (rc == 0 && lo->on) {
        sts[0].rt = rt;
        listener = open_listener(rt, lo, &sts[0], err);
        if (!listener)
            rc = STATION_EXIT_USAGE;
    }
    for (; rc == 0 && made < mc->n_assocs; made++) {
        master_assoc_conf_t *ac = &mc->assocs[made];
        station_t *st = &sts[made];
        *st = (station_t){.cmd = "master",
                          .out = out,
                          .err = err,
                          .json = json,
                          .keep_trying = true,
                          .rt = rt,
                          .target = ac->target};
        st->n_total = mc->n_assocs;
        st->on_task_done = on_task_master;
        st->on_command_done = on_command_master;
        st->on_activity = maybe_toggle;
        st->on_output_failed = on_output_failed;
        st->ctx = &m;
        st->discard_measurements = quiet;
        dnp3_master_config_t cfg;
        master_conf_to_master(ac, &cfg);
        cfg.pool = m.pool;
        master_conf_to_run(ac, &r);
        dnp3_tcp_endpoint_t eps[DNP3_RUNTIME_ENDPOINT_MAX];
        size_t n = master_conf_endpoints(ac, eps);
        station_t *owner = channel_owner(mc, sts, made);
        r.channel_associations = channel_count(mc, made);
        r.channel_name = ac->channel;
        if (listener)
            rc = station_attach_listener(st, &r, &cfg, listener);
        else if (owner)
            rc = station_attach_shared(st, &r, &cfg, owner->ch);
        else
            rc = station_attach(st, &r, &cfg, eps, n);
    }
    if (rc == 0) {
        dnp3_runtime_log(rt, DNP3_LOG_INFO, "master: %zu association%s; SIGINT or SIGTERM to stop",
                         mc->n_assocs, mc->n_assocs == 1 ? "" : "s");
        dnp3_runtime_run(rt);
        log_pool(&m, "at exit");
    }
    dnp3_runtime_free(rt);
    *output_errno = m.output_errno;
    for (size_t i = 0; i < made; i++)
        station_release(&sts[i]);
    dnp3_master_listener_free(listener);
    /* Last: every association that used it is freed. */
    dnp3_master_pool_free(m.pool);
    free(sts);
    return rc;
}

int cmd_master(int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
    (void)in;
    static const struct option own[] = {
        {"timeout", required_argument, NULL, OPT_TIMEOUT},
        {"integrity-period", required_argument, NULL, OPT_INTEGRITY},
        {"class-poll", required_argument, NULL, OPT_CLASS_POLL},
        {"unsol", no_argument, NULL, OPT_UNSOL},
        {"link-reset", no_argument, NULL, OPT_LINK_RESET},
        {"time-sync", required_argument, NULL, OPT_TIME_SYNC},
        {"quiet", no_argument, NULL, OPT_QUIET},
        {"toggle", required_argument, NULL, OPT_TOGGLE},
        {"toggle-period", required_argument, NULL, OPT_TOGGLE_PERIOD},
        {"listen", required_argument, NULL, OPT_LISTEN},
        {"pool-slots", required_argument, NULL, OPT_POOL_SLOTS},
        {"pool-bytes", required_argument, NULL, OPT_POOL_BYTES},
        {0, 0, 0, 0}};
    opts_t o;
    opts_begin(&o, "master",
               OPTS_JSON | OPTS_PCAP | OPTS_CONFIG | OPTS_ADDRESS | OPTS_MASTER | OPTS_BUSY_POLL,
               own, "q", argc, argv, err);
    master_conf_t mc;
    master_conf_init(&mc);
    master_assoc_conf_t cli;
    master_assoc_conf_default(&cli);
    bool quiet = false, cli_set = false;
    toggle_t toggle = {.period_ms = 5000, .latch_on = true};
    listen_opt_t lo = {.on = false};
    master_conf_t pool_opts; /* --pool-slots / --pool-bytes: over the file's */
    master_conf_init(&pool_opts);
    if (parse(&o, &cli, &quiet, &cli_set, &toggle, &lo, &pool_opts) < 0)
        return OPTS_EXIT_USAGE;
    if (o.help) {
        usage(out);
        return opts_finish_output("master", out, err, 0, 0);
    }
    int rc;
    if (o.config && lo.on)
        return opts_usage_error(&o, "--listen is for one association from the command line");
    if (o.config) {
        if (cli_set || o.have_address || o.have_master || argc > o.first_operand)
            return opts_usage_error(&o, "--config FILE takes the associations from the file: "
                                        "no HOST or association options with it");
        char msg[512];
        if (master_conf_load(o.config, &mc, msg, sizeof msg) < 0) {
            fprintf(err, "dnp3 master: %s\n", msg);
            master_conf_free(&mc);
            return STATION_EXIT_USAGE;
        }
    } else if (lo.on) {
        if (argc > o.first_operand)
            return opts_usage_error(&o, "--listen takes no HOST (the outstation connects)");
        cli.target.address = o.have_address ? o.address : 10;
        cli.target.master = o.have_master ? o.master : 1;
        snprintf(cli.target.host, sizeof cli.target.host, "%s", lo.host);
        cli.target.port = lo.port;
        snprintf(cli.target.name, sizeof cli.target.name, "dial-in/%u", cli.target.address);
        if (master_conf_add(&mc, &cli) < 0)
            return STATION_EXIT_USAGE;
    } else {
        if (station_target_read(&o, argc, argv, &cli.target) < 0)
            return OPTS_EXIT_USAGE;
        if (master_conf_add(&mc, &cli) < 0) {
            fprintf(err, "dnp3 master: out of memory\n");
            return STATION_EXIT_USAGE;
        }
    }
    if (pool_opts.pool_slots)
        mc.pool_slots = pool_opts.pool_slots;
    if (pool_opts.pool_bytes)
        mc.pool_bytes = pool_opts.pool_bytes;
    /* A long-running producer: each line reaches a pipe or file when it is
     * complete, not when a buffer fills. */
    setvbuf(out, NULL, _IOLBF, 0);
    int output_errno = 0;
    rc = run_all(&mc, &o, quiet, &toggle, &lo, out, err, &output_errno);
    master_conf_free(&mc);
    return opts_finish_output("master", out, err, rc, output_errno);
}
