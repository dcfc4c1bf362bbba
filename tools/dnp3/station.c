/* station: one master association on a runtime TCP connection, for the
 * commands that talk to an outstation. A one-shot command ends at the first
 * connect failure (with the exit status that names it); a long-running one
 * keeps retrying and prints what happens. */
#include "station.h"

#include <errno.h>
#include <stdlib.h>
#include <sys/resource.h>
#include <string.h>

#include "dnp3/app.h"

int station_target_read(const opts_t *o, int argc, char **argv, station_target_t *t)
{
    memset(t, 0, sizeof *t);
    t->port = STATION_DEFAULT_PORT;
    t->address = o->have_address ? o->address : 10;
    t->master = o->have_master ? o->master : 1;
    int n = argc - o->first_operand;
    if (n < 1)
        return opts_usage_error(o, "missing HOST[:PORT] (try --help)"), -1;
    if (n > 1)
        return opts_usage_error(o, "unexpected argument '%s'", argv[o->first_operand + 1]), -1;
    char msg[160];
    if (opts_host_port(argv[o->first_operand], t->host, sizeof t->host, &t->port, msg, sizeof msg) <
        0)
        return opts_usage_error(o, "%s", msg), -1;
    if (t->address == t->master)
        return opts_usage_error(o, "--address and --master are both %u", t->address), -1;
    bool v6 = strchr(t->host, ':') != NULL;
    snprintf(t->name, sizeof t->name, "%s%s%s:%u/%u", v6 ? "[" : "", t->host, v6 ? "]" : "",
             t->port, t->address);
    return 0;
}

int station_connect_exit(int code)
{
    switch (code) {
    case DNP3_E_CONN_REFUSED:
        return STATION_EXIT_CONN_REFUSE;
    case DNP3_E_CONN_TIMEOUT:
        return STATION_EXIT_CONN_TIME;
    default:
        return STATION_EXIT_UNREACHABLE;
    }
}

void station_connect_message(FILE *err, const char *cmd, const station_target_t *t, int code)
{
    const char *what;
    switch (code) {
    case DNP3_E_CONN_REFUSED:
        what = "connection refused (nothing listening on that port)";
        break;
    case DNP3_E_CONN_TIMEOUT:
        what = "TCP connect timed out (host down, or a firewall dropping packets)";
        break;
    case DNP3_E_HOST_UNREACHABLE:
        what = "host unreachable";
        break;
    default:
        what = dnp3_strerror(code);
        break;
    }
    fprintf(err, "dnp3 %s: %s:%u: %s\n", cmd, t->host, t->port, what);
}

void station_run_opts_default(station_run_opts_t *r)
{
    memset(r, 0, sizeof *r);
    r->response_timeout_ms = 5000;
    r->connect_timeout_ms = 5000;
    r->log_level = DNP3_LOG_ERROR;
    r->reassembly_timeout_ms = 10000;
}

void station_oneshot_config(dnp3_master_config_t *mc)
{
    dnp3_master_config_default(mc);
    mc->startup_disable_unsolicited = false;
    mc->startup_integrity_poll = false;
    mc->clear_restart = false;
    mc->integrity_on_overflow = false;
    mc->event_poll_on_iin = 0;
    mc->comm_lost_mode = DNP3_COMM_LOST_NONE;
    mc->task_retry_ms = 3600000u;
    mc->task_retry_max_ms = 3600000u;
}

void station_finish(station_t *st, int code)
{
    if (st->finished)
        return;
    st->finished = true;
    st->exit_code = code;
    if (st->rt)
        dnp3_runtime_stop(st->rt);
}

const char *station_silence_hint(const station_t *st, char *buf, size_t cap)
{
    if (cap < 3)
        return cap ? (buf[0] = '\0', buf) : buf;
    buf[0] = '\0';
    if (dnp3_master_assoc_silence_hint(st->a, buf + 2, cap - 2) > 0)
        memcpy(buf, "; ", 2);
    return buf;
}

int station_timeout_opt(const opts_t *o, const char *arg, uint32_t *ms)
{
    uint64_t v;
    char msg[160];
    if (opts_duration_ms(arg, &v, msg, sizeof msg) < 0)
        return opts_usage_error(o, "--timeout: %s", msg), -1;
    if (v == 0 || v > 3600000u)
        return opts_usage_error(o, "--timeout: between 1ms and 1h"), -1;
    *ms = (uint32_t)v;
    return 0;
}

/* ---- association callbacks ---------------------------------------------------- */

static void cb_measurement(void *ctx, const dnp3_measurement_t *m)
{
    station_t *st = ctx;
    st->had_data = true;
    if (st->discard_measurements)
        return;
    const bool failed_before = ferror(st->out) != 0;
    errno = 0;
    if (st->on_measurement)
        st->on_measurement(st, m);
    else
        station_print_measurement(st->out, st->json, st->target.name, station_utc_ms(), m);
    /* Said once: the stream's error flag stays set, so the other
     * associations' later failures do not repeat it. */
    if (st->on_output_failed && !failed_before && ferror(st->out))
        st->on_output_failed(st, errno);
}

static void cb_object(void *ctx, const dnp3_master_rx_info_t *info, const dnp3_point_t *pt)
{
    station_t *st = ctx;
    if (st->on_object)
        st->on_object(st, info, pt);
}

static void cb_fragment_end(void *ctx, const dnp3_master_rx_info_t *info)
{
    (void)info;
    station_t *st = ctx;
    if (st->on_activity && !st->finished)
        st->on_activity(st);
}

static void cb_task(void *ctx, const dnp3_task_result_t *r)
{
    station_t *st = ctx;
    if (!st->quiet && r->result != DNP3_MASTER_SUCCESS && r->result != DNP3_MASTER_SENT)
        dnp3_runtime_log(st->rt, DNP3_LOG_WARN, "%s: %s: %s%s", st->target.name,
                         dnp3_task_kind_name(r->kind), dnp3_master_result_name(r->result),
                         r->will_retry ? " (will retry)" : "");
    if (st->on_task_done)
        st->on_task_done(st, r);
}

static void cb_command(void *ctx, const dnp3_command_result_t *r)
{
    station_t *st = ctx;
    if (st->on_command_done)
        st->on_command_done(st, r);
}

/* The two IIN bits that mean events were lost, said plainly (the
 * association's IIN line only names them): the event record has a gap, and
 * the integrity poll that follows (on by default) refreshes the values. */
static void cb_iin(void *ctx, uint16_t old_iin, uint16_t new_iin)
{
    station_t *st = ctx;
    uint16_t set = (uint16_t)(new_iin & ~old_iin);
    /* `dnp3 master` (keep_trying) polls; the one-shot commands do not. */
    const char *poll = st->keep_trying ? "; integrity poll follows" : "";
    if (st->quiet || !st->rt)
        return;
    /* Every outstation says it restarted until a master clears the bit:
     * news only once we had data from it; at the first contact it is not. */
    if ((set & DNP3_IIN_DEVICE_RESTART) && st->had_data)
        dnp3_runtime_log(st->rt, DNP3_LOG_WARN,
                         "%s: the outstation restarted (IIN1.7 DEVICE_RESTART): events it had "
                         "not had confirmed before the restart may be lost%s",
                         st->target.name, poll);
    else if (set & DNP3_IIN_DEVICE_RESTART)
        dnp3_runtime_log(st->rt, DNP3_LOG_INFO,
                         "%s: the outstation reports a restart from before this master first "
                         "heard it (IIN1.7 DEVICE_RESTART)%s",
                         st->target.name, poll);
    if (set & DNP3_IIN_EVENT_BUFFER_OVERFLOW)
        dnp3_runtime_log(st->rt, DNP3_LOG_WARN,
                         "%s: the outstation's event buffer overflowed (IIN2.3 "
                         "EVENT_BUFFER_OVERFLOW): events were lost%s",
                         st->target.name, poll);
}

static void cb_log(void *ctx, dnp3_log_level_t level, const char *msg)
{
    station_t *st = ctx;
    /* Once the command stops on purpose (a signal, its verdict, a failed
     * output), the links going down and the tasks they fail are expected:
     * no warnings. */
    if (st->finished && level == DNP3_LOG_WARN)
        level = DNP3_LOG_INFO;
    if (st->rt)
        dnp3_runtime_log(st->rt, level, "%s: %s", st->target.name, msg);
}

/* The channel's diagnostics (an outstation answering from another
 * address, foreign frames, stalls): `dnp3 master` logs them; a one-shot
 * command says them on its error stream, whatever its log level, since
 * they are why it got no answer. */
static void cb_channel_log(void *ctx, dnp3_log_level_t level, const char *msg)
{
    station_t *st = ctx;
    const char *kind = st->channel_name ? "channel " : "";
    const char *name = st->channel_name ? st->channel_name : st->target.name;
    if (st->keep_trying && st->rt)
        dnp3_runtime_log(st->rt, level, "%s%s: %s", kind, name, msg);
    else if (!st->keep_trying)
        fprintf(st->err, "dnp3 %s: %s%s: %s\n", st->cmd, kind, name, msg);
}

static dnp3_time_t cb_utc(void *ctx, dnp3_timestamp_t now)
{
    (void)ctx;
    (void)now;
    return station_utc_ms();
}

/* ---- channel events -------------------------------------------------------------- */

static void on_channel_event(void *user, dnp3_master_channel_t *ch,
                             const dnp3_master_channel_event_t *ev)
{
    (void)ch;
    station_t *st = user;
    switch (ev->kind) {
    case DNP3_MASTER_CHANNEL_CONNECTING:
        break;
    case DNP3_MASTER_CHANNEL_CONNECTED:
        if (!st->quiet)
            dnp3_runtime_log(st->rt, DNP3_LOG_INFO, "%s: connected to %s", st->target.name,
                             ev->endpoint);
        break;
    case DNP3_MASTER_CHANNEL_CONNECT_FAILED:
        if (!st->keep_trying) {
            station_connect_message(st->err, st->cmd, &st->target, ev->error);
            station_finish(st, station_connect_exit(ev->error));
        } else if (ev->error == DNP3_E_NO_FILES) {
            struct rlimit rl;
            getrlimit(RLIMIT_NOFILE, &rl);
            dnp3_runtime_log(st->rt, DNP3_LOG_ERROR,
                             "%s: no socket: the open file limit (RLIMIT_NOFILE) is %llu and "
                             "this process runs %zu associations; raise it (ulimit -n)",
                             st->target.name, (unsigned long long)rl.rlim_cur, st->n_total);
        }
        /* Otherwise the runtime logs the failure and the retry, the
         * association its state. */
        break;
    case DNP3_MASTER_CHANNEL_DISCONNECTED:
        if (ev->reason == DNP3_DISCONNECT_STOP)
            break;
        if (!st->keep_trying && !st->finished) {
            fprintf(st->err, "dnp3 %s: %s: connection closed (%s) before an answer\n", st->cmd,
                    st->target.name, dnp3_disconnect_reason_name(ev->reason));
            station_finish(st, STATION_EXIT_NO_ANSWER);
        } else if (st->keep_trying) {
            dnp3_runtime_log(st->rt, DNP3_LOG_WARN, "%s: disconnected (%s); reconnecting",
                             st->target.name, dnp3_disconnect_reason_name(ev->reason));
        }
        break;
    }
}

/* ---- open / run --------------------------------------------------------------------- */

dnp3_runtime_t *station_runtime_new(const char *cmd, FILE *errf, const station_run_opts_t *r)
{
    dnp3_runtime_config_t rc;
    dnp3_runtime_config_default(&rc);
    rc.logger.level = r->log_level;
    rc.pcap_path = r->pcap;
    rc.stop_on_signals = !r->own_signals;
    rc.busy_poll_us = r->busy_poll_us;
    char err[256] = "";
    dnp3_runtime_t *rt = dnp3_runtime_new(&rc, err, sizeof err);
    if (!rt)
        fprintf(errf, "dnp3 %s: %s\n", cmd, err[0] ? err : "cannot start the runtime");
    return rt;
}

/* The association alone (st->a), its callbacks on st. */
static int new_assoc(station_t *st, const station_run_opts_t *r, dnp3_master_config_t *mcfg)
{
    mcfg->master_address = st->target.master;
    mcfg->outstation_address = st->target.address;
    mcfg->response_timeout_ms = r->response_timeout_ms;
    dnp3_master_callbacks_t cb = {
        .on_measurement = cb_measurement,
        .on_object = cb_object,
        .on_fragment_end = cb_fragment_end,
        .on_command_done = cb_command,
        .on_task_done = cb_task,
        .on_iin = cb_iin,
        .on_log = cb_log,
        .utc_now = cb_utc,
    };
    int rc = dnp3_master_assoc_new(mcfg, &cb, st, &st->a);
    if (rc < 0) {
        fprintf(st->err, "dnp3 %s: %s: association: %s\n", st->cmd, st->target.name,
                dnp3_strerror(rc));
        return STATION_EXIT_USAGE;
    }
    return 0;
}

int station_attach_listener(station_t *st, const station_run_opts_t *r, dnp3_master_config_t *mcfg,
                            dnp3_master_listener_t *l)
{
    int rc = new_assoc(st, r, mcfg);
    if (rc)
        return rc;
    rc = dnp3_master_listener_add(l, st->a);
    if (rc < 0) {
        fprintf(st->err, "dnp3 %s: %s: %s\n", st->cmd, st->target.name, dnp3_strerror(rc));
        return STATION_EXIT_USAGE;
    }
    return 0;
}

int station_attach_shared(station_t *st, const station_run_opts_t *r, dnp3_master_config_t *mcfg,
                          dnp3_master_channel_t *ch)
{
    int rc = new_assoc(st, r, mcfg);
    if (rc)
        return rc;
    rc = dnp3_master_channel_add(ch, st->a);
    if (rc < 0) {
        fprintf(st->err, "dnp3 %s: %s: %s\n", st->cmd, st->target.name, dnp3_strerror(rc));
        return STATION_EXIT_USAGE;
    }
    return 0;
}

int station_attach(station_t *st, const station_run_opts_t *r, dnp3_master_config_t *mcfg,
                   const dnp3_tcp_endpoint_t *eps, size_t n_eps)
{
    int rc = new_assoc(st, r, mcfg);
    if (rc)
        return rc;
    dnp3_tcp_endpoint_t one = {.host = st->target.host, .port = st->target.port};
    dnp3_master_channel_config_t cc;
    dnp3_master_channel_config_default(&cc);
    cc.endpoints = eps ? eps : &one;
    cc.endpoint_count = eps ? n_eps : 1;
    cc.connect_timeout_ms = r->connect_timeout_ms;
    if (r->backoff_min_ms) {
        cc.backoff_min_ms = r->backoff_min_ms;
        cc.backoff_max_ms = r->backoff_max_ms;
    }
    cc.link_keepalive_ms = r->link_keepalive_ms;
    cc.reassembly_timeout_ms = r->reassembly_timeout_ms;
    cc.max_associations = r->channel_associations ? r->channel_associations : 1;
    if (cc.max_associations > 1 && r->channel_name && r->channel_name[0])
        st->channel_name = r->channel_name;
    cc.logger.level = DNP3_LOG_WARN;
    cc.logger.log = cb_channel_log;
    cc.logger.ctx = st;
    cc.on_event = on_channel_event;
    cc.user = st;
    rc = dnp3_master_channel_new(st->rt, &cc, &st->ch);
    if (rc == 0)
        rc = dnp3_master_channel_add(st->ch, st->a);
    if (rc < 0) {
        fprintf(st->err, "dnp3 %s: %s: %s\n", st->cmd, st->target.name, dnp3_strerror(rc));
        return STATION_EXIT_USAGE;
    }
    return 0;
}

int station_open(station_t *st, const station_run_opts_t *r, dnp3_master_config_t *mcfg)
{
    st->rt = station_runtime_new(st->cmd, st->err, r);
    if (!st->rt)
        return STATION_EXIT_USAGE;
    return station_attach(st, r, mcfg, NULL, 0);
}

int station_run(station_t *st)
{
    if (st->rt)
        dnp3_runtime_run(st->rt);
    return station_close(st);
}

int station_close(station_t *st)
{
    dnp3_runtime_free(st->rt);
    station_release(st);
    return st->exit_code;
}

void station_release(station_t *st)
{
    /* Freeing the association cancels what is still queued: nobody listens. */
    st->rt = NULL;
    st->finished = true;
    st->quiet = true;
    st->on_task_done = NULL;
    st->on_command_done = NULL;
    dnp3_master_channel_free(st->ch);
    dnp3_master_assoc_free(st->a);
    st->ch = NULL;
    st->a = NULL;
}
