/* cmd_outstation: `dnp3 outstation` - a DNP3 outstation (RTU) on TCP, from
 * quick flags or a YAML configuration (os_app.c does the work). */
#include "cmd_outstation.h"

#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "os_app.h"

const char cmd_outstation_summary[] = "run an outstation (RTU) on TCP port 20000";

static void usage(FILE *f)
{
    fputs("usage: dnp3 outstation [--config FILE.yaml] [options]\n"
          "\n"
          "Run a DNP3 outstation: listen on TCP (default 0.0.0.0:20000) for masters,\n"
          "answer polls from its database, buffer events until the master confirms\n"
          "them, carry out (and log) controls. Without --config: one outstation with\n"
          "--points points of every type and one association.\n"
          "\n"
          "options:\n"
          "  --config FILE       YAML configuration (see examples/outstation.yaml)\n"
          "  --check             load and check the configuration, then exit (0 or 2)\n"
          "  --listen HOST[:PORT]  listen address (default 0.0.0.0:20000; [::]:20000 for IPv6)\n"
          "  --connect HOST[:PORT] dual end point: connect out to a listening master\n"
          "                      (reconnecting with backoff) instead of listening\n"
          "  --address N         outstation link address (default 10)\n"
          "  --master N          master link address (default 1)\n"
          "  --points N          points of every type (default 10)\n"
          "  --max-connections N concurrent connections on the port (default 4)\n"
          "  --allow CIDR        accept masters only from this network (repeatable)\n"
          "  --simulate          move values every --period so events flow; a CROB on a\n"
          "                      binary output drives the binary input of the same index\n"
          "  --period DURATION   simulation period (default 1s; 500ms, 10s, 1m)\n"
          "  --generate N        a known event sequence (not with --simulate): step k =\n"
          "                      1..N sets counter 0 to BASE+k and binary input 0 to\n"
          "                      (k odd) in one batch, times strictly increasing\n"
          "  --generate-rate R   steps per second (default 10; 0: no pause)\n"
          "  --generate-base B   BASE (default 0)\n"
          "  --generate-burst M  the first M steps at once, then R per second\n"
          "  --generate-delay D  wait D before the first step (default 0s)\n"
          "  --log-level LEVEL   error, warn, info (default) or debug\n"
          "  --decode LEVEL      protocol trace of every request and response: none\n"
          "                      (default), header, objects (object headers) or values;\n"
          "                      per layer: link=L,transport=L,app=LEVEL with L none,\n"
          "                      header or payload (e.g. link=header,app=values)\n"
          "  --syslog            log to syslog (daemon) instead of stderr (no /dev/log:\n"
          "                      says so and logs to stderr)\n"
          "  --pcap FILE         capture everything sent and received (Wireshark opens it)\n"
          "  --busy-poll US      after traffic, poll for US microseconds more before\n"
          "                      sleeping (default 0 = off): lower command latency for a\n"
          "                      core kept busy while traffic flows (up to 1000000)\n"
          "  --help              this text\n"
          "\n"
          "SIGUSR1 prints the counters on stdout; SIGUSR2 turns local mode on or off\n"
          "(controls answer LOCAL, IIN1.5); SIGINT and SIGTERM close the connections\n"
          "cleanly and exit 0.\n"
          "\n"
          "exit status:\n"
          "  0  stopped by SIGINT/SIGTERM (or --check passed)\n"
          "  1  other failure (out of memory, capture file cannot be written)\n"
          "  2  bad command line or configuration (one line: FILE:LINE: field: why)\n"
          "  3  the port is already in use\n"
          "  4  permission denied (a port below 1024 needs privileges)\n"
          "  5  bad address (not a numeric address of this host)\n",
          f);
}

/* A usage error: the line is written, -1 goes up. */
#define UERR(...) (opts_usage_error(__VA_ARGS__), -1)

enum {
    OPT_LISTEN = OPTS_OWN,
    OPT_CONNECT,
    OPT_POINTS,
    OPT_MAXCONN,
    OPT_ALLOW,
    OPT_SIMULATE,
    OPT_PERIOD,
    OPT_LEVEL,
    OPT_SYSLOG,
    OPT_CHECK,
    OPT_DECODE,
    OPT_GENERATE,
    OPT_GEN_RATE,
    OPT_GEN_BASE,
    OPT_GEN_BURST,
    OPT_GEN_DELAY
};

static const struct option own[] = {{"listen", required_argument, NULL, OPT_LISTEN},
                                    {"connect", required_argument, NULL, OPT_CONNECT},
                                    {"points", required_argument, NULL, OPT_POINTS},
                                    {"max-connections", required_argument, NULL, OPT_MAXCONN},
                                    {"allow", required_argument, NULL, OPT_ALLOW},
                                    {"simulate", no_argument, NULL, OPT_SIMULATE},
                                    {"period", required_argument, NULL, OPT_PERIOD},
                                    {"log-level", required_argument, NULL, OPT_LEVEL},
                                    {"syslog", no_argument, NULL, OPT_SYSLOG},
                                    {"check", no_argument, NULL, OPT_CHECK},
                                    {"decode", required_argument, NULL, OPT_DECODE},
                                    {"generate", required_argument, NULL, OPT_GENERATE},
                                    {"generate-rate", required_argument, NULL, OPT_GEN_RATE},
                                    {"generate-base", required_argument, NULL, OPT_GEN_BASE},
                                    {"generate-burst", required_argument, NULL, OPT_GEN_BURST},
                                    {"generate-delay", required_argument, NULL, OPT_GEN_DELAY},
                                    {NULL, 0, NULL, 0}};

typedef struct flags {
    const char *listen, *connect, *points, *maxconn, *period, *level, *decode;
    const char *gen[5]; /* --generate, -rate, -base, -burst, -delay */
    const char *allow[DNP3_RUNTIME_ALLOW_MAX];
    size_t allow_count;
    bool simulate, syslog, check;
} flags_t;

static const char *const gen_names[5] = {"--generate", "--generate-rate", "--generate-base",
                                         "--generate-burst", "--generate-delay"};

static int read_flags(opts_t *o, flags_t *f)
{
    int id;
    const char *arg;
    while ((id = opts_next(o, &arg)) > 0) {
        int rc = 0;
        switch (id) {
        case OPT_LISTEN:
            rc = opts_once(o, &f->listen, arg, "--listen");
            break;
        case OPT_CONNECT:
            rc = opts_once(o, &f->connect, arg, "--connect");
            break;
        case OPT_POINTS:
            rc = opts_once(o, &f->points, arg, "--points");
            break;
        case OPT_MAXCONN:
            rc = opts_once(o, &f->maxconn, arg, "--max-connections");
            break;
        case OPT_PERIOD:
            rc = opts_once(o, &f->period, arg, "--period");
            break;
        case OPT_LEVEL:
            rc = opts_once(o, &f->level, arg, "--log-level");
            break;
        case OPT_DECODE:
            rc = opts_once(o, &f->decode, arg, "--decode");
            break;
        case OPT_GENERATE:
        case OPT_GEN_RATE:
        case OPT_GEN_BASE:
        case OPT_GEN_BURST:
        case OPT_GEN_DELAY:
            rc = opts_once(o, &f->gen[id - OPT_GENERATE], arg, gen_names[id - OPT_GENERATE]);
            break;
        case OPT_SIMULATE:
            f->simulate = true;
            break;
        case OPT_SYSLOG:
            f->syslog = true;
            break;
        case OPT_CHECK:
            f->check = true;
            break;
        case OPT_ALLOW:
            if (f->allow_count == DNP3_RUNTIME_ALLOW_MAX)
                return UERR(o, "too many --allow (at most %u)", DNP3_RUNTIME_ALLOW_MAX);
            f->allow[f->allow_count++] = arg;
            break;
        default:
            break;
        }
        if (rc < 0)
            return -1;
    }
    if (id < 0)
        return -1;
    if (o->first_operand < o->argc)
        return UERR(o, "unexpected argument '%s'", o->argv[o->first_operand]);
    return 0;
}

/* The number after a flag, min..max. */
static int flag_number(const opts_t *o, const char *s, const char *name, unsigned long max,
                       unsigned long *out)
{
    uint64_t v;
    if (opts_uint(s, max, &v) < 0)
        return UERR(o, "%s: '%s' is not a number 0..%lu", name, s, max);
    *out = (unsigned long)v;
    return 0;
}

/* --listen HOST[:PORT]; port 0 (any free port, logged) is allowed here. */
static int listen_flag(const char *s, osc_config_t *c, char *msg, size_t msglen)
{
    char text[OSC_HOST_MAX + 8];
    size_t n = strlen(s);
    bool any = n > 2 && strcmp(s + n - 2, ":0") == 0 && n < sizeof text;
    if (any) {
        memcpy(text, s, n - 2);
        text[n - 2] = '\0';
        s = text;
    }
    if (opts_host_port(s, c->listen_host, sizeof c->listen_host, &c->listen_port, msg, msglen) < 0)
        return -1;
    if (any)
        c->listen_port = 0;
    return 0;
}

/* --generate and its companions (os_generate.c). */
static int generate_flags(const opts_t *o, const flags_t *f, osc_config_t *c)
{
    unsigned long v[4] = {0, 10, 0, 0};
    static const unsigned long max[4] = {100000000ul, 1000000ul, 4294967295ul, 100000000ul};
    for (int i = 0; i < 4; i++) {
        if (f->gen[i] && flag_number(o, f->gen[i], gen_names[i], max[i], &v[i]) < 0)
            return -1;
    }
    if (f->gen[4]) {
        char msg[160];
        uint64_t ms;
        if (opts_duration_ms(f->gen[4], &ms, msg, sizeof msg) < 0 || ms > 86400000u)
            return UERR(o, "--generate-delay: %s", ms > 86400000u ? "at most 1 day" : msg);
        c->generate_delay_ms = (uint32_t)ms;
    }
    if (!f->gen[0] && (f->gen[1] || f->gen[2] || f->gen[3] || f->gen[4]))
        return UERR(o, "--generate-rate, -base, -burst and -delay need --generate N");
    if (f->gen[0] && v[0] == 0)
        return UERR(o, "--generate: at least 1 step");
    if (v[0] && (c->simulate || f->simulate))
        return UERR(o, "--generate and --simulate both move the points: one or the other");
    if (v[2] + v[0] > 0xFFFFFFFFul)
        return UERR(o, "--generate-base: base + steps must fit a 32-bit counter");
    c->generate_count = (uint32_t)v[0];
    c->generate_rate = (uint32_t)v[1];
    c->generate_base = (uint32_t)v[2];
    c->generate_burst = (uint32_t)v[3];
    return 0;
}

/* Quick flags over (or instead of) the configuration. */
static int apply_flags(const opts_t *o, const flags_t *f, osc_config_t *c)
{
    char msg[256];
    unsigned long v = 1;
    if (!o->config) {
        unsigned long points = 10;
        if (f->points && flag_number(o, f->points, "--points", 65536, &points) < 0)
            return -1;
        osc_quick(c, o->have_address ? o->address : 10, o->have_master ? o->master : 1,
                  (uint32_t)points);
    } else if (o->have_address || o->have_master || f->points) {
        return UERR(o, "--address, --master and --points are for use without "
                       "--config (the file names the outstations)");
    }
    if (f->listen && listen_flag(f->listen, c, msg, sizeof msg) < 0)
        return UERR(o, "--listen: %s", msg);
    if (f->connect) {
        if (opts_host_port(f->connect, c->connect_host, sizeof c->connect_host, &c->connect_port,
                           msg, sizeof msg) < 0)
            return UERR(o, "--connect: %s", msg);
        c->connect = true;
        c->listen = f->listen != NULL;
        if (o->have_master)
            c->connect_master = o->master;
    }
    if (f->maxconn) {
        if (flag_number(o, f->maxconn, "--max-connections", 65535, &v) < 0 || v == 0)
            return v == 0 ? UERR(o, "--max-connections: at least 1") : -1;
        c->max_connections = v;
    }
    for (size_t i = 0; i < f->allow_count; i++) {
        dnp3_network_t net;
        if (dnp3_network_read(f->allow[i], &net) < 0)
            return UERR(o, "--allow: '%s' is not a network (CIDR: 10.0.0.0/8)", f->allow[i]);
        if (c->allow_count == DNP3_RUNTIME_ALLOW_MAX)
            return UERR(o, "--allow: more than %u networks with the file's",
                        DNP3_RUNTIME_ALLOW_MAX);
        snprintf(c->allow[c->allow_count++], sizeof c->allow[0], "%s", f->allow[i]);
    }
    if (f->period) {
        uint64_t ms;
        if (opts_duration_ms(f->period, &ms, msg, sizeof msg) < 0 || ms < 10)
            return UERR(o, "--period: %s", ms < 10 ? "at least 10ms" : msg);
        c->simulate_period_ms = (uint32_t)ms;
    }
    if (f->level) {
        static const char *const levels[] = {"error", "warn", "info", "debug"};
        size_t i = 0;
        while (i < 4 && strcmp(levels[i], f->level) != 0)
            i++;
        if (i == 4)
            return UERR(o, "--log-level: '%s' is not error, warn, info or debug", f->level);
        c->log_level = (dnp3_log_level_t)i;
    }
    if (f->decode) {
        char why[160];
        if (osc_decode_text(c, f->decode, why, sizeof why) < 0)
            return UERR(o, "--decode: %s", why);
    }
    if (generate_flags(o, f, c) < 0)
        return -1;
    if (o->have_busy_poll)
        c->busy_poll_us = o->busy_poll_us;
    c->simulate = c->simulate || f->simulate;
    c->syslog = c->syslog || f->syslog;
    return 0;
}

static int run(const opts_t *o, const flags_t *f, osc_config_t *c, FILE *out, FILE *err)
{
    char msg[512];
    if (o->config && osc_load(c, o->config, msg, sizeof msg) < 0) {
        fprintf(err, "dnp3 outstation: %s\n", msg);
        return OS_EXIT_CONFIG;
    }
    if (apply_flags(o, f, c) < 0)
        return OS_EXIT_CONFIG;
    if (f->check) {
        fprintf(out, "%s: configuration OK (%zu outstations)\n", o->config ? o->config : "flags",
                c->station_count);
        return OS_EXIT_OK;
    }
    os_app_t *app = calloc(1, sizeof *app);
    if (!app) {
        fputs("dnp3 outstation: out of memory\n", err);
        return OS_EXIT_FAILURE;
    }
    int status = os_app_start(app, c, o->pcap, out, err);
    if (status == 0)
        status = os_app_run(app);
    os_app_free(app);
    free(app);
    return status;
}

int cmd_outstation(int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
    (void)in;
    opts_t o;
    flags_t f;
    memset(&f, 0, sizeof f);
    opts_begin(&o, "outstation",
               OPTS_CONFIG | OPTS_PCAP | OPTS_ADDRESS | OPTS_MASTER | OPTS_BUSY_POLL, own, "", argc,
               argv, err);
    if (read_flags(&o, &f) < 0)
        return OS_EXIT_CONFIG;
    if (o.help) {
        usage(out);
        return opts_finish_output("outstation", out, err, 0, 0);
    }
    osc_config_t *c = calloc(1, sizeof *c);
    if (!c) {
        fputs("dnp3 outstation: out of memory\n", err);
        return OS_EXIT_FAILURE;
    }
    osc_default(c);
    int status = run(&o, &f, c, out, err);
    osc_free(c);
    free(c);
    return status;
}
