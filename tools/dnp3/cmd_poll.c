/* cmd_poll: one integrity poll (READ class 1, 2, 3, 0) and the points it
 * returned, as a table or as JSON objects. */
#include "cmd_station.h"

#include <string.h>

#include "station.h"

const char cmd_poll_summary[] = "one integrity poll of an outstation: a table of its points";

enum { OPT_TIMEOUT = OPTS_OWN };

static void usage(FILE *f)
{
    fputs("usage: dnp3 poll HOST[:PORT] [options]\n"
          "\n"
          "Connect to the outstation (port 20000 by default), read class 1, 2, 3 and 0\n"
          "(an integrity poll) and print every point of the response.\n"
          "\n"
          "options:\n"
          "  --address N       the outstation's link address (default 10)\n"
          "  --master N        our link address (default 1)\n"
          "  --timeout DUR     connect and response timeout (default 5s)\n" STATION_VERBOSE_HELP
          "  --json            one JSON object per measurement\n"
          "  --pcap FILE       write the session's traffic to a capture\n"
          "  --help            show this text\n"
          "\n"
          "exit status: 0 ok, 1 refused (IIN2 error), 2 usage, 3 connection refused,\n"
          "4 connect timed out, 5 host unreachable, 6 no DNP3 answer in time\n",
          f);
}

/* The table's header comes with its first row, or with the successful end
 * of a poll that returned no points: a poll that failed prints no table. */
static void table_header(station_t *st)
{
    bool *printed = st->ctx;
    if (st->json || *printed)
        return;
    *printed = true;
    fprintf(st->out, "%-28s %-4s %-4s %6s %14s  %-10s  %-24s %s\n", "type", "grp", "var", "index",
            "value", "flags", "time", "kind");
}

static void on_task(station_t *st, const dnp3_task_result_t *r)
{
    /* finished: the task a stopping runtime fails (LINK_DOWN) is no news */
    if (r->kind != DNP3_TASK_INTEGRITY || st->finished)
        return;
    if (r->result == DNP3_MASTER_SUCCESS) {
        table_header(st);
        station_finish(st, STATION_EXIT_OK);
    } else if (r->result == DNP3_MASTER_TIMEOUT) {
        char hint[256];
        fprintf(st->err, "dnp3 poll: %s: no answer to the integrity poll in time%s\n",
                st->target.name, station_silence_hint(st, hint, sizeof hint));
        station_finish(st, STATION_EXIT_NO_ANSWER);
    } else {
        char bits[200];
        station_iin_text(r->iin, bits, sizeof bits);
        fprintf(st->err, "dnp3 poll: %s: %s (IIN %04x: %s)\n", st->target.name,
                dnp3_master_result_name(r->result), r->iin, bits);
        station_finish(st, STATION_EXIT_REFUSED);
    }
}

static void on_meas(station_t *st, const dnp3_measurement_t *m)
{
    table_header(st);
    station_print_measurement(st->out, st->json, st->json ? st->target.name : NULL,
                              station_utc_ms(), m);
}

int cmd_poll(int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
    (void)in;
    static const struct option own[] = {{"timeout", required_argument, NULL, OPT_TIMEOUT},
                                        {"verbose", no_argument, NULL, STATION_OPT_VERBOSE},
                                        {0, 0, 0, 0}};
    opts_t o;
    opts_begin(&o, "poll", OPTS_JSON | OPTS_PCAP | OPTS_ADDRESS | OPTS_MASTER, own, "v", argc, argv,
               err);
    station_run_opts_t r;
    station_run_opts_default(&r);
    int id;
    const char *arg;
    while ((id = opts_next(&o, &arg)) > 0) {
        if (id == OPT_TIMEOUT && station_timeout_opt(&o, arg, &r.response_timeout_ms) < 0)
            return OPTS_EXIT_USAGE;
        if (id == STATION_OPT_VERBOSE || id == 'v')
            r.log_level = DNP3_LOG_INFO;
    }
    if (id < 0)
        return OPTS_EXIT_USAGE;
    if (o.help) {
        usage(out);
        return opts_finish_output("poll", out, err, 0, 0);
    }
    bool header_printed = false;
    station_t st = {.cmd = "poll",
                    .out = out,
                    .err = err,
                    .json = o.json,
                    .quiet = true,
                    .ctx = &header_printed};
    if (station_target_read(&o, argc, argv, &st.target) < 0)
        return OPTS_EXIT_USAGE;
    r.connect_timeout_ms = r.response_timeout_ms;
    r.pcap = o.pcap;
    st.on_task_done = on_task;
    st.on_measurement = on_meas;
    dnp3_master_config_t mc;
    station_oneshot_config(&mc);
    int rc = station_open(&st, &r, &mc);
    if (rc == 0 && dnp3_master_assoc_integrity_poll(st.a, 0) < 0)
        rc = STATION_EXIT_USAGE;
    if (rc) {
        station_close(&st);
        return rc;
    }
    rc = station_run(&st);
    return opts_finish_output("poll", out, err, rc, 0);
}
