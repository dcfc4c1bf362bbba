/* cmd_device: the one-request device commands - `dnp3 timesync`,
 * `dnp3 restart` and `dnp3 attributes` - each one task on a fresh
 * association, its result printed, the exit status from the result. */
#include <string.h>

#include "cmd_station.h"
#include "dnp3/objects.h"
#include "station.h"

const char cmd_timesync_summary[] = "synchronise the outstation's clock (LAN or non-LAN)";
const char cmd_restart_summary[] = "cold or warm restart of the outstation";
const char cmd_attributes_summary[] = "read the outstation's device attributes (g0)";

enum { OPT_TIMEOUT = OPTS_OWN, OPT_A, OPT_B };

typedef struct device_cmd {
    const char *name;
    const char *synopsis, *text, *opt_a, *opt_b; /* opt_a/b: "--lan" style flags or NULL */
    const char *help_a, *help_b;
} device_cmd_t;

static void usage(FILE *f, const device_cmd_t *d)
{
    fprintf(f, "usage: dnp3 %s HOST[:PORT] %s[options]\n\n%s\n\noptions:\n", d->name, d->synopsis,
            d->text);
    if (d->opt_a)
        fprintf(f, "  --%-15s %s\n  --%-15s %s\n", d->opt_a, d->help_a, d->opt_b, d->help_b);
    fputs(STATION_VERBOSE_HELP
          "  --address N       the outstation's link address (default 10)\n"
          "  --master N        our link address (default 1)\n"
          "  --timeout DUR     connect and response timeout (default 5s)\n"
          "  --pcap FILE       write the session's traffic to a capture\n"
          "  --help            show this text\n"
          "\n"
          "exit status: 0 ok, 1 refused (an IIN2 error), 2 usage, 3 connection refused,\n"
          "4 connect timed out, 5 host unreachable, 6 no DNP3 answer in time\n",
          f);
}

/* Exit status and the error line for a finished task. */
static int task_exit(station_t *st, const dnp3_task_result_t *r)
{
    if (r->result == DNP3_MASTER_SUCCESS || r->result == DNP3_MASTER_SENT)
        return STATION_EXIT_OK;
    if (r->result == DNP3_MASTER_TIMEOUT) {
        char hint[256];
        fprintf(st->err, "dnp3 %s: %s: no answer in time%s\n", st->cmd, st->target.name,
                station_silence_hint(st, hint, sizeof hint));
        return STATION_EXIT_NO_ANSWER;
    }
    char bits[200];
    station_iin_text(r->iin, bits, sizeof bits);
    fprintf(st->err, "dnp3 %s: %s: %s (IIN %04x: %s)\n", st->cmd, st->target.name,
            dnp3_master_result_name(r->result), r->iin, bits);
    return STATION_EXIT_REFUSED;
}

static void on_task(station_t *st, const dnp3_task_result_t *r)
{
    if (r->kind == DNP3_TASK_TIME_SYNC && r->result == DNP3_MASTER_SUCCESS && !st->ctx)
        fprintf(st->out, "%s: time synchronised (LAN procedure)\n", st->target.name);
    if (r->kind == DNP3_TASK_TIME_SYNC && r->result == DNP3_MASTER_SUCCESS && st->ctx)
        fprintf(st->out, "%s: time synchronised (non-LAN procedure, one-way delay %lu ms)\n",
                st->target.name, (unsigned long)r->delay_ms);
    if (r->kind == DNP3_TASK_RESTART && r->result == DNP3_MASTER_SUCCESS)
        fprintf(st->out, "%s: restart accepted; the outstation expects to be back in %lu ms\n",
                st->target.name, (unsigned long)r->delay_ms);
    if (r->kind == DNP3_TASK_ATTRIBUTES && r->result == DNP3_MASTER_SUCCESS)
        fprintf(st->out, "%s: end of attributes\n", st->target.name);
    if (r->kind == DNP3_TASK_TIME_SYNC || r->kind == DNP3_TASK_RESTART ||
        r->kind == DNP3_TASK_ATTRIBUTES)
        station_finish(st, task_exit(st, r));
}

static void print_attr_value(FILE *out, const dnp3_attr_value_t *v)
{
    switch (v->type) {
    case DNP3_ATTR_UINT:
        fprintf(out, "%lu", (unsigned long)v->n.u);
        break;
    case DNP3_ATTR_INT:
        fprintf(out, "%ld", (long)v->n.i);
        break;
    case DNP3_ATTR_FLT:
        fprintf(out, "%g", v->n.f);
        break;
    case DNP3_ATTR_TIME:
        fprintf(out, "%llu ms since 1970", (unsigned long long)v->n.t);
        break;
    case DNP3_ATTR_VSTR:
        fprintf(out, "\"%.*s\"", (int)v->len, (const char *)v->data);
        break;
    default:
        for (size_t i = 0; i < v->len; i++)
            fprintf(out, "%s%02x", i ? " " : "", v->data[i]);
        break;
    }
}

static void on_object(station_t *st, const dnp3_master_rx_info_t *info, const dnp3_point_t *pt)
{
    (void)info;
    if (pt->group != 0)
        return;
    const dnp3_obj_info_t *oi = dnp3_obj_lookup(0, pt->variation);
    dnp3_attr_value_t v;
    fprintf(st->out, "g0v%-3u %-48s ", pt->variation, oi && oi->name ? oi->name : "?");
    if (dnp3_attr_read(pt, &v) == 0)
        print_attr_value(st->out, &v);
    else
        fputs("(malformed)", st->out);
    fputc('\n', st->out);
}

/* Parse; 0 to go on (flag a/b set), 1 help shown, -1 usage error. */
static int parse(opts_t *o, const device_cmd_t *d, station_run_opts_t *r, int *flag)
{
    int id;
    const char *arg;
    *flag = 0;
    while ((id = opts_next(o, &arg)) > 0) {
        if (id == OPT_TIMEOUT && station_timeout_opt(o, arg, &r->response_timeout_ms) < 0)
            return -1;
        if (id == STATION_OPT_VERBOSE || id == 'v')
            r->log_level = DNP3_LOG_INFO;
        if (id == OPT_A || id == OPT_B) {
            int f = id == OPT_A ? 1 : 2;
            if (*flag && *flag != f)
                return opts_usage_error(o, "--%s and --%s exclude each other", d->opt_a, d->opt_b),
                       -1;
            *flag = f;
        }
    }
    return id < 0 ? -1 : 0;
}

static int run_device(const device_cmd_t *d, int argc, char **argv, FILE *out, FILE *err, int *flag,
                      station_t *st, station_run_opts_t *r)
{
    struct option own[] = {{"timeout", required_argument, NULL, OPT_TIMEOUT},
                           {"verbose", no_argument, NULL, STATION_OPT_VERBOSE},
                           {d->opt_a, no_argument, NULL, OPT_A},
                           {d->opt_b, no_argument, NULL, OPT_B},
                           {0, 0, 0, 0}};
    if (!d->opt_a)
        own[2] = own[4];
    opts_t o;
    opts_begin(&o, d->name, OPTS_PCAP | OPTS_ADDRESS | OPTS_MASTER, own, "v", argc, argv, err);
    station_run_opts_default(r);
    if (parse(&o, d, r, flag) < 0)
        return OPTS_EXIT_USAGE;
    if (o.help) {
        usage(out, d);
        return opts_finish_output(d->name, out, err, 0, 0) ? 1 : -1;
    }
    *st = (station_t){.cmd = d->name, .out = out, .err = err, .quiet = true};
    if (station_target_read(&o, argc, argv, &st->target) < 0)
        return OPTS_EXIT_USAGE;
    r->connect_timeout_ms = r->response_timeout_ms;
    r->pcap = o.pcap;
    st->on_task_done = on_task;
    st->on_object = on_object;
    return 0;
}

/* Open the association quiet (only the command's task runs). */
static int open_quiet(station_t *st, const station_run_opts_t *r)
{
    dnp3_master_config_t mc;
    station_oneshot_config(&mc);
    return station_open(st, r, &mc);
}

static int finish(station_t *st, int queued, FILE *out, FILE *err)
{
    if (queued < 0) {
        fprintf(err, "dnp3 %s: %s\n", st->cmd, dnp3_strerror(queued));
        station_close(st);
        return STATION_EXIT_USAGE;
    }
    int rc = station_run(st);
    return opts_finish_output(st->cmd, out, err, rc, 0);
}

static const device_cmd_t timesync_cmd = {
    "timesync",
    "[--lan|--non-lan] ",
    "Set the outstation's clock from ours: the LAN procedure (RECORD_CURRENT_TIME,\n"
    "then WRITE g50v3; the default) or the non-LAN one (DELAY_MEASURE, then WRITE\n"
    "g50v1 corrected for the measured delay).",
    "lan",
    "non-lan",
    "LAN procedure (default)",
    "non-LAN procedure (delay measured)"};

int cmd_timesync(int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
    (void)in;
    station_t st;
    station_run_opts_t r;
    int flag;
    int rc = run_device(&timesync_cmd, argc, argv, out, err, &flag, &st, &r);
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((rc = open_quiet(&st, &r)) != 0) {
        station_close(&st);
        return rc;
    }
    st.ctx = flag == 2 ? &st : NULL; /* non-NULL: non-LAN */
    dnp3_time_sync_mode_t mode = flag == 2 ? DNP3_TIME_SYNC_NON_LAN : DNP3_TIME_SYNC_LAN;
    return finish(&st, dnp3_master_assoc_time_sync(st.a, 0, mode), out, err);
}

static const device_cmd_t restart_cmd = {
    "restart",
    "--cold|--warm ",
    "Ask the outstation to restart: COLD_RESTART or WARM_RESTART. Prints the delay\n"
    "the outstation gives (g52) before it can be talked to again.",
    "cold",
    "warm",
    "COLD_RESTART",
    "WARM_RESTART"};

int cmd_restart(int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
    (void)in;
    station_t st;
    station_run_opts_t r;
    int flag;
    int rc = run_device(&restart_cmd, argc, argv, out, err, &flag, &st, &r);
    if (rc)
        return rc < 0 ? 0 : rc;
    if (flag == 0) {
        fprintf(err, "dnp3 restart: give --cold or --warm\n");
        return OPTS_EXIT_USAGE;
    }
    if ((rc = open_quiet(&st, &r)) != 0) {
        station_close(&st);
        return rc;
    }
    return finish(&st, dnp3_master_assoc_restart(st.a, 0, flag == 1), out, err);
}

static const device_cmd_t attributes_cmd = {
    "attributes",
    "",
    "Read every device attribute of the standard set (READ g0v254) and print them\n"
    "by variation (g0v252 device manufacturer's name, g0v250 product name, ...).",
    NULL,
    NULL,
    NULL,
    NULL};

int cmd_attributes(int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
    (void)in;
    station_t st;
    station_run_opts_t r;
    int flag;
    int rc = run_device(&attributes_cmd, argc, argv, out, err, &flag, &st, &r);
    if (rc)
        return rc < 0 ? 0 : rc;
    if ((rc = open_quiet(&st, &r)) != 0) {
        station_close(&st);
        return rc;
    }
    return finish(&st, dnp3_master_assoc_read_attributes(st.a, 0, 0, 254), out, err);
}
