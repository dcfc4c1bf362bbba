/* cmd_operate: one control to one point - a CROB (g12v1) or an analog
 * output (g41v1-v4) - select-before-operate by default, and the status the
 * outstation returned. */
#include <stdlib.h>
#include <string.h>

#include "cmd_station.h"
#include "dnp3/app.h"
#include "operate_args.h"
#include "station.h"

const char cmd_operate_summary[] = "operate one output point (CROB or analog), SBO by default";

enum {
    OPT_TIMEOUT = OPTS_OWN,
    OPT_INDEX,
    OPT_CODE,
    OPT_ANALOG,
    OPT_VARIATION,
    OPT_SBO,
    OPT_DIRECT,
    OPT_NO_ACK,
    OPT_ON,
    OPT_OFF,
    OPT_COUNT,
};

static void usage(FILE *f)
{
    fputs("usage: dnp3 operate HOST[:PORT] --index N (--code CODE | --analog VALUE) [options]\n"
          "\n"
          "Send one control to the outstation and print the status it returned.\n"
          "\n"
          "options:\n"
          "  --index N         the output point's index (required)\n"
          "  --code CODE       a binary output (CROB, g12v1): latch-on, latch-off, pulse-on,\n"
          "                    pulse-off, trip, close (trip and close: the trip-close code\n"
          "                    with PULSE_ON)\n"
          "  --on DUR --off DUR --count N\n"
          "                    CROB on and off times and count (default 100ms, 100ms, 1)\n"
          "  --analog VALUE    an analog output (g41): g41v1 for a whole number, else g41v3\n"
          "  --variation 1..4  the g41 variation (int32, int16, float32, float64)\n"
          "  --sbo             SELECT then OPERATE (the default)\n"
          "  --direct          DIRECT_OPERATE\n"
          "  --no-ack          DIRECT_OPERATE_NR (no response: only 'sent' is known)\n"
          "  --address N       the outstation's link address (default 10)\n"
          "  --master N        our link address (default 1)\n"
          "  --timeout DUR     connect and response timeout (default 5s)\n" STATION_VERBOSE_HELP
          "  --pcap FILE       write the session's traffic to a capture\n"
          "  --json            the result as one JSON object\n"
          "  --help            show this text\n"
          "\n"
          "exit status: 0 SUCCESS, 1 refused (a status other than SUCCESS, an IIN2 error,\n"
          "select mismatch), 2 usage, 3 connection refused, 4 connect timed out, 5 host\n"
          "unreachable, 6 no DNP3 answer in time\n",
          f);
}

typedef struct operate_cmd {
    dnp3_command_point_t pt;
    dnp3_command_mode_t mode;
    const char *code_text, *analog_text, *variation_text;
    const char *on, *off, *count;
    int modes;
} operate_cmd_t;

static const char *mode_name(dnp3_command_mode_t m)
{
    return m == DNP3_COMMAND_SELECT_OPERATE ? "select-before-operate"
           : m == DNP3_COMMAND_DIRECT       ? "direct operate"
                                            : "direct operate, no ack";
}

static void on_command(station_t *st, const dnp3_command_result_t *r)
{
    const operate_cmd_t *oc = st->ctx;
    const char *status = r->n > 0 ? dnp3_command_status_name(r->statuses[0]) : NULL;
    int code = STATION_EXIT_OK;
    if (r->result == DNP3_MASTER_TIMEOUT)
        code = STATION_EXIT_NO_ANSWER;
    else if (r->result != DNP3_MASTER_SUCCESS && r->result != DNP3_MASTER_SENT)
        code = STATION_EXIT_REFUSED;
    if (st->json) {
        fprintf(st->out,
                "{\"assoc\": \"%s\", \"index\": %lu, \"group\": %u, \"variation\": %u, "
                "\"mode\": \"%s\", \"result\": \"%s\", \"status\": %s%s%s, \"iin\": %u}\n",
                st->target.name, (unsigned long)oc->pt.index, oc->pt.group, oc->pt.variation,
                mode_name(r->mode), dnp3_master_result_name(r->result), status ? "\"" : "",
                status ? status : "null", status ? "\"" : "", r->iin);
    } else {
        fprintf(st->out, "%s: g%uv%u index %lu (%s): %s", st->target.name, oc->pt.group,
                oc->pt.variation, (unsigned long)oc->pt.index, mode_name(r->mode),
                r->result == DNP3_MASTER_SENT ? "sent (no response expected)"
                                              : dnp3_master_result_name(r->result));
        if (status)
            fprintf(st->out, ", status %s (%u)", status, r->statuses[0]);
        if (r->result == DNP3_MASTER_IIN2_ERROR) {
            char bits[200];
            station_iin_text(r->iin, bits, sizeof bits);
            fprintf(st->out, " (IIN %04x: %s)", r->iin, bits);
        }
        fputc('\n', st->out);
    }
    char hint[256];
    if (code == STATION_EXIT_NO_ANSWER)
        fprintf(st->err,
                "dnp3 operate: %s: no answer in time (the control may or may not have "
                "been carried out; it is not retried)%s\n",
                st->target.name, station_silence_hint(st, hint, sizeof hint));
    station_finish(st, code);
}

/* The point from the options; 0, or -1 after the usage error. */
static int build_point(const opts_t *o, operate_cmd_t *oc)
{
    char msg[200];
    if (oc->modes > 1)
        return opts_usage_error(o, "--sbo, --direct and --no-ack exclude each other"), -1;
    if (!oc->code_text == !oc->analog_text)
        return opts_usage_error(o, "give one of --code or --analog"), -1;
    if (oc->analog_text) {
        if (oc->on || oc->off || oc->count)
            return opts_usage_error(o, "--on, --off and --count are for --code"), -1;
        int var = 0;
        if (oc->variation_text) {
            var = atoi(oc->variation_text);
            if (strlen(oc->variation_text) != 1 || var < 1 || var > 4)
                return opts_usage_error(o, "--variation: '%s' is not 1..4", oc->variation_text), -1;
        }
        if (operate_analog(oc->analog_text, var, &oc->pt, msg, sizeof msg) < 0)
            return opts_usage_error(o, "%s", msg), -1;
        return 0;
    }
    if (oc->variation_text)
        return opts_usage_error(o, "--variation is for --analog"), -1;
    int code = operate_code(oc->code_text);
    if (code < 0)
        return opts_usage_error(o,
                                "--code: '%s' is not latch-on, latch-off, pulse-on, "
                                "pulse-off, trip or close",
                                oc->code_text),
               -1;
    oc->pt.group = 12;
    oc->pt.variation = 1;
    oc->pt.code = (uint8_t)code;
    uint64_t on = 100, off = 100;
    if ((oc->on && opts_duration_ms(oc->on, &on, msg, sizeof msg) < 0) ||
        (oc->off && opts_duration_ms(oc->off, &off, msg, sizeof msg) < 0))
        return opts_usage_error(o, "--on/--off: %s", msg), -1;
    oc->pt.on_ms = (uint32_t)on;
    oc->pt.off_ms = (uint32_t)off;
    oc->pt.count = 1;
    if (oc->count) {
        char *end;
        long n = strtol(oc->count, &end, 10);
        if (*end || end == oc->count || n < 0 || n > 255 || oc->count[0] == '-')
            return opts_usage_error(o, "--count: '%s' is not 0..255", oc->count), -1;
        oc->pt.count = (uint8_t)n;
    }
    return 0;
}

static int read_index(const opts_t *o, const char *arg, uint32_t *index)
{
    char *end;
    unsigned long v = strtoul(arg, &end, 10);
    if (*end || end == arg || arg[0] == '-' || arg[0] == '+' || v > 65535)
        return opts_usage_error(o, "--index: '%s' is not 0..65535", arg), -1;
    *index = (uint32_t)v;
    return 0;
}

static int parse(opts_t *o, operate_cmd_t *oc, station_run_opts_t *r, bool *have_index)
{
    int id;
    const char *arg;
    while ((id = opts_next(o, &arg)) > 0) {
        int bad = 0;
        switch (id) {
        case OPT_TIMEOUT:
            bad = station_timeout_opt(o, arg, &r->response_timeout_ms);
            break;
        case 'v':
        case STATION_OPT_VERBOSE:
            r->log_level = DNP3_LOG_INFO;
            break;
        case OPT_INDEX:
            bad = read_index(o, arg, &oc->pt.index);
            *have_index = true;
            break;
        case OPT_CODE:
            bad = opts_once(o, &oc->code_text, arg, "--code");
            break;
        case OPT_ANALOG:
            bad = opts_once(o, &oc->analog_text, arg, "--analog");
            break;
        case OPT_VARIATION:
            bad = opts_once(o, &oc->variation_text, arg, "--variation");
            break;
        case OPT_ON:
            bad = opts_once(o, &oc->on, arg, "--on");
            break;
        case OPT_OFF:
            bad = opts_once(o, &oc->off, arg, "--off");
            break;
        case OPT_COUNT:
            bad = opts_once(o, &oc->count, arg, "--count");
            break;
        case OPT_SBO:
        case OPT_DIRECT:
        case OPT_NO_ACK:
            oc->mode = id == OPT_SBO      ? DNP3_COMMAND_SELECT_OPERATE
                       : id == OPT_DIRECT ? DNP3_COMMAND_DIRECT
                                          : DNP3_COMMAND_DIRECT_NO_ACK;
            oc->modes++;
            break;
        }
        if (bad < 0)
            return -1;
    }
    return id;
}

int cmd_operate(int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
    (void)in;
    static const struct option own[] = {{"timeout", required_argument, NULL, OPT_TIMEOUT},
                                        {"verbose", no_argument, NULL, STATION_OPT_VERBOSE},
                                        {"index", required_argument, NULL, OPT_INDEX},
                                        {"code", required_argument, NULL, OPT_CODE},
                                        {"analog", required_argument, NULL, OPT_ANALOG},
                                        {"variation", required_argument, NULL, OPT_VARIATION},
                                        {"sbo", no_argument, NULL, OPT_SBO},
                                        {"direct", no_argument, NULL, OPT_DIRECT},
                                        {"no-ack", no_argument, NULL, OPT_NO_ACK},
                                        {"on", required_argument, NULL, OPT_ON},
                                        {"off", required_argument, NULL, OPT_OFF},
                                        {"count", required_argument, NULL, OPT_COUNT},
                                        {0, 0, 0, 0}};
    opts_t o;
    opts_begin(&o, "operate", OPTS_JSON | OPTS_PCAP | OPTS_ADDRESS | OPTS_MASTER, own, "v", argc,
               argv, err);
    station_run_opts_t r;
    station_run_opts_default(&r);
    operate_cmd_t oc = {.mode = DNP3_COMMAND_SELECT_OPERATE};
    bool have_index = false;
    if (parse(&o, &oc, &r, &have_index) < 0)
        return OPTS_EXIT_USAGE;
    if (o.help) {
        usage(out);
        return opts_finish_output("operate", out, err, 0, 0);
    }
    station_t st = {.cmd = "operate", .out = out, .err = err, .json = o.json, .quiet = true};
    if (station_target_read(&o, argc, argv, &st.target) < 0)
        return OPTS_EXIT_USAGE;
    if (!have_index)
        return opts_usage_error(&o, "--index N is required");
    if (build_point(&o, &oc) < 0)
        return OPTS_EXIT_USAGE;
    r.connect_timeout_ms = r.response_timeout_ms;
    r.pcap = o.pcap;
    st.ctx = &oc;
    st.on_command_done = on_command;
    dnp3_master_config_t mc;
    station_oneshot_config(&mc);
    mc.select_timeout_ms = r.response_timeout_ms;
    int rc = station_open(&st, &r, &mc);
    if (rc == 0) {
        int id = dnp3_master_assoc_operate(st.a, 0, oc.mode, &oc.pt, 1);
        if (id < 0) {
            fprintf(err, "dnp3 operate: %s\n", dnp3_strerror(id));
            rc = STATION_EXIT_USAGE;
        }
    }
    if (rc) {
        station_close(&st);
        return rc;
    }
    rc = station_run(&st);
    return opts_finish_output("operate", out, err, rc, 0);
}
