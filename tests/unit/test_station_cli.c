/* station commands' command lines: CROB code names, analog values and their
 * variation, the usage errors of probe/poll/operate/timesync/restart/master
 * (exit 2, one line, before any connection), the target operand, the JSON
 * and text lines of a measurement, and `dnp3 master --config` files
 * (examples/master.yaml loaded, every error with file:line and field). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "cmd_station.h"
#include "master_config.h"
#include "operate_args.h"
#include "station.h"

static char msg[512];

/* ---- CROB codes and analog values ------------------------------------------ */

static void test_codes(void **state)
{
    (void)state;
    assert_int_equal(operate_code("pulse-on"), 0x01);
    assert_int_equal(operate_code("pulse-off"), 0x02);
    assert_int_equal(operate_code("latch-on"), 0x03);
    assert_int_equal(operate_code("latch-off"), 0x04);
    assert_int_equal(operate_code("close"), 0x41); /* TCC CLOSE | PULSE_ON */
    assert_int_equal(operate_code("trip"), 0x81);  /* TCC TRIP | PULSE_ON */
    assert_int_equal(operate_code("LATCH-ON"), -1);
    assert_int_equal(operate_code("latch_on"), -1);
    assert_int_equal(operate_code(""), -1);
}

static void analog_ok(const char *text, int var, uint8_t want_var, double want)
{
    dnp3_command_point_t pt = {0};
    assert_int_equal(operate_analog(text, var, &pt, msg, sizeof msg), 0);
    assert_int_equal(pt.group, 41);
    assert_int_equal(pt.variation, want_var);
    assert_true(pt.value == want);
}

static void analog_bad(const char *text, int var, const char *want)
{
    dnp3_command_point_t pt = {0};
    assert_int_equal(operate_analog(text, var, &pt, msg, sizeof msg), -1);
    assert_string_equal(msg, want);
}

static void test_analog(void **state)
{
    (void)state;
    analog_ok("12", 0, 1, 12.0);
    analog_ok("-7", 0, 1, -7.0);
    analog_ok("12.5", 0, 3, 12.5);
    analog_ok("3000000000", 0, 3, 3e9); /* whole but beyond int32 */
    analog_ok("12", 2, 2, 12.0);
    analog_ok("12", 3, 3, 12.0);
    analog_ok("0.1", 4, 4, 0.1);
    analog_bad("12.5", 1, "--analog: 12.5 does not fit g41v1 (a whole number in int32)");
    analog_bad("40000", 2, "--analog: 40000 does not fit g41v2 (a whole number in int16)");
    analog_bad("1e39", 3, "--analog: 1e39 does not fit g41v3 (a float32)");
    analog_bad("abc", 0, "--analog: 'abc' is not a number");
    analog_bad("12x", 0, "--analog: '12x' is not a number");
    analog_bad(" 1", 0, "--analog: ' 1' is not a number");
    analog_bad("", 0, "--analog: '' is not a number");
    analog_bad("nan", 0, "--analog: 'nan' is not a number");
    analog_bad("1", 5, "--variation: 5 is not 1..4");
}

/* ---- usage errors: status 2 and one line, nothing connected ---------------- */

typedef int (*cmd_fn)(int argc, char **argv, FILE *in, FILE *out, FILE *err);

static int run(cmd_fn fn, const char *line, char *errtext, size_t cap)
{
    char buf[512], *argv[32];
    int argc = 0;
    snprintf(buf, sizeof buf, "%s", line);
    for (char *t = strtok(buf, " "); t && argc < 31; t = strtok(NULL, " "))
        argv[argc++] = t;
    argv[argc] = NULL;
    FILE *out = tmpfile(), *err = tmpfile();
    assert_non_null(out);
    assert_non_null(err);
    int rc = fn(argc, argv, stdin, out, err);
    rewind(err);
    size_t n = fread(errtext, 1, cap - 1, err);
    errtext[n] = '\0';
    fclose(out);
    fclose(err);
    return rc;
}

static void usage_error(cmd_fn fn, const char *line, const char *want)
{
    char e[1024];
    assert_int_equal(run(fn, line, e, sizeof e), 2);
    if (strcmp(e, want) != 0)
        fail_msg("%s\n got: %s want: %s", line, e, want);
}

static void test_usage_errors(void **state)
{
    (void)state;
    usage_error(cmd_probe, "probe", "dnp3 probe: missing HOST[:PORT] (try --help)\n");
    usage_error(cmd_probe, "probe a b", "dnp3 probe: unexpected argument 'b'\n");
    usage_error(cmd_probe, "probe host:0",
                "dnp3 probe: port must be a number 1..65535 (got '0')\n");
    usage_error(cmd_probe, "probe h --address 1",
                "dnp3 probe: --address and --master are both 1\n");
    usage_error(cmd_probe, "probe h --timeout 5",
                "dnp3 probe: --timeout: duration '5' needs a unit: ms, s, m or h (e.g. 5ms or "
                "5s)\n");
    usage_error(cmd_probe, "probe h --timeout 0ms", "dnp3 probe: --timeout: between 1ms and 1h\n");
    usage_error(cmd_poll, "poll h --address 65520",
                "dnp3 poll: --address: link address 65520 is reserved (0xFFF0..0xFFFF are not "
                "station addresses; use 0..65519)\n");
    usage_error(cmd_operate, "operate h --code latch-on", "dnp3 operate: --index N is required\n");
    usage_error(cmd_operate, "operate h --index 1",
                "dnp3 operate: give one of --code or --analog\n");
    usage_error(cmd_operate, "operate h --index 1 --code latch-on --analog 3",
                "dnp3 operate: give one of --code or --analog\n");
    usage_error(cmd_operate, "operate h --index 1 --code on",
                "dnp3 operate: --code: 'on' is not latch-on, latch-off, pulse-on, pulse-off, "
                "trip or close\n");
    usage_error(cmd_operate, "operate h --index 1 --code trip --sbo --direct",
                "dnp3 operate: --sbo, --direct and --no-ack exclude each other\n");
    usage_error(cmd_operate, "operate h --index x --code trip",
                "dnp3 operate: --index: 'x' is not 0..65535\n");
    usage_error(cmd_operate, "operate h --index 1 --code trip --count 256",
                "dnp3 operate: --count: '256' is not 0..255\n");
    usage_error(cmd_operate, "operate h --index 1 --code trip --variation 2",
                "dnp3 operate: --variation is for --analog\n");
    usage_error(cmd_operate, "operate h --index 1 --analog 1 --on 1s",
                "dnp3 operate: --on, --off and --count are for --code\n");
    usage_error(cmd_operate, "operate h --index 1 --analog 1.5 --variation 1",
                "dnp3 operate: --analog: 1.5 does not fit g41v1 (a whole number in int32)\n");
    usage_error(cmd_operate, "operate h --index 1 --analog 1 --variation 9",
                "dnp3 operate: --variation: '9' is not 1..4\n");
    usage_error(cmd_restart, "restart h", "dnp3 restart: give --cold or --warm\n");
    usage_error(cmd_restart, "restart h --cold --warm",
                "dnp3 restart: --cold and --warm exclude each other\n");
    usage_error(cmd_timesync, "timesync h --lan --non-lan",
                "dnp3 timesync: --lan and --non-lan exclude each other\n");
    usage_error(cmd_master, "master h --config x.yaml",
                "dnp3 master: --config FILE takes the associations from the file: no HOST or "
                "association options with it\n");
    usage_error(cmd_master, "master h --toggle-period 0ms",
                "dnp3 master: --toggle-period: must be above 0\n");
    usage_error(cmd_master, "master h --class-poll fast",
                "dnp3 master: --class-poll: 'fast' is not a duration (examples: 500ms, 10s, 1m, "
                "1h)\n");
}

static void test_help(void **state)
{
    (void)state;
    cmd_fn fns[] = {cmd_probe,   cmd_poll,       cmd_operate, cmd_timesync,
                    cmd_restart, cmd_attributes, cmd_master};
    const char *names[] = {"probe",   "poll",       "operate", "timesync",
                           "restart", "attributes", "master"};
    for (size_t i = 0; i < 7; i++) {
        char line[64], e[256];
        snprintf(line, sizeof line, "%s --help", names[i]);
        assert_int_equal(run(fns[i], line, e, sizeof e), 0);
        assert_string_equal(e, "");
    }
}

/* ---- the target operand ---------------------------------------------------- */

static void test_target(void **state)
{
    (void)state;
    char *argv[] = {"poll", "--address", "11", "--master", "3", "[::1]:20001", NULL};
    opts_t o;
    FILE *err = tmpfile();
    opts_begin(&o, "poll", OPTS_ADDRESS | OPTS_MASTER, NULL, "", 6, argv, err);
    const char *arg;
    assert_int_equal(opts_next(&o, &arg), 0);
    station_target_t t;
    assert_int_equal(station_target_read(&o, 6, argv, &t), 0);
    assert_string_equal(t.host, "::1");
    assert_int_equal(t.port, 20001);
    assert_int_equal(t.address, 11);
    assert_int_equal(t.master, 3);
    assert_string_equal(t.name, "[::1]:20001/11");
    fclose(err);
}

static void test_connect_exit(void **state)
{
    (void)state;
    assert_int_equal(station_connect_exit(DNP3_E_CONN_REFUSED), 3);
    assert_int_equal(station_connect_exit(DNP3_E_CONN_TIMEOUT), 4);
    assert_int_equal(station_connect_exit(DNP3_E_HOST_UNREACHABLE), 5);
    assert_int_equal(station_connect_exit(DNP3_E_RESOLVE), 5);
}

/* ---- measurement lines --------------------------------------------------------- */

static const char *printed(bool json, const char *assoc, const dnp3_measurement_t *m)
{
    static char buf[1024];
    FILE *f = tmpfile();
    station_print_measurement(f, json, assoc, 1700000000123ull, m);
    rewind(f);
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void test_json(void **state)
{
    (void)state;
    dnp3_measurement_t m = {.type = DNP3_MEAS_ANALOG_INPUT,
                            .group = 32,
                            .variation = 7,
                            .index = 3,
                            .value = (double)12.3f,
                            .is_float = true,
                            .flags = 1,
                            .has_time = true,
                            .time = 1700000000000ull,
                            .event = true};
    assert_string_equal(printed(true, "10.0.0.5:20000/10", &m),
                        "{\"ts\": 1700000000123, \"assoc\": \"10.0.0.5:20000/10\", \"type\": "
                        "\"analog_input\", \"group\": 32, \"variation\": 7, \"index\": 3, "
                        "\"value\": 12.3, \"flags\": 1, \"time\": 1700000000000, \"event\": "
                        "true, \"unsol\": false}\n");
    dnp3_measurement_t b = {.type = DNP3_MEAS_BINARY_INPUT,
                            .group = 1,
                            .variation = 2,
                            .index = 0,
                            .value = 1,
                            .flags = 0x81,
                            .unsol = true};
    assert_string_equal(printed(true, "a/10", &b),
                        "{\"ts\": 1700000000123, \"assoc\": \"a/10\", \"type\": "
                        "\"binary_input\", \"group\": 1, \"variation\": 2, \"index\": 0, "
                        "\"value\": 1, \"flags\": 129, \"time\": null, \"event\": false, "
                        "\"unsol\": true}\n");
    static const uint8_t hi[] = {'h', 'i'};
    dnp3_measurement_t s = {.type = DNP3_MEAS_OCTET_STRING,
                            .group = 110,
                            .variation = 2,
                            .index = 4,
                            .bytes = hi,
                            .len = 2,
                            .flags = 1};
    assert_string_equal(printed(true, "a/10", &s),
                        "{\"ts\": 1700000000123, \"assoc\": \"a/10\", \"type\": "
                        "\"octet_string\", \"group\": 110, \"variation\": 2, \"index\": 4, "
                        "\"value\": \"6869\", \"flags\": 1, \"time\": null, \"event\": false, "
                        "\"unsol\": false}\n");
    assert_non_null(
        strstr(printed(true, "pump \"3\"\\x", &b), "\"assoc\": \"pump \\\"3\\\"\\\\x\","));
    dnp3_measurement_t d = {.type = DNP3_MEAS_ANALOG_INPUT,
                            .group = 30,
                            .variation = 6,
                            .value = 0.1,
                            .is_float = true,
                            .flags = 1};
    assert_non_null(strstr(printed(true, "a/10", &d), "\"value\": 0.1,"));
    dnp3_measurement_t c = {
        .type = DNP3_MEAS_COUNTER, .group = 20, .variation = 1, .value = 4294967295.0, .flags = 1};
    assert_non_null(strstr(printed(true, "a/10", &c), "\"value\": 4294967295,"));
}

static void test_text(void **state)
{
    (void)state;
    dnp3_measurement_t m = {.type = DNP3_MEAS_ANALOG_INPUT,
                            .group = 32,
                            .variation = 3,
                            .index = 3,
                            .value = 125,
                            .flags = 1,
                            .has_time = true,
                            .time = 1700000000123ull,
                            .event = true,
                            .unsol = true};
    assert_string_equal(printed(false, NULL, &m),
                        "analog_input                 g32  v3        3            125  flags "
                        "0x01  2023-11-14T22:13:20.123Z event unsol\n");
}

/* ---- configuration files ------------------------------------------------------- */

static void test_example_file(void **state)
{
    (void)state;
    char path[1024];
    const char *src = __FILE__;
    const char *cut = strstr(src, "tests/unit/");
    assert_non_null(cut);
    snprintf(path, sizeof path, "%.*sexamples/master.yaml", (int)(cut - src), src);
    master_conf_t mc;
    master_conf_init(&mc);
    if (master_conf_load(path, &mc, msg, sizeof msg) != 0)
        fail_msg("%s", msg);
    assert_int_equal(mc.n_assocs, 4);
    assert_string_equal(mc.assocs[0].channel, "");
    assert_string_equal(mc.assocs[2].channel, "bus-1");
    assert_string_equal(mc.assocs[3].channel, "bus-1");
    assert_int_equal(mc.assocs[3].target.address, 21);
    const master_assoc_conf_t *a = &mc.assocs[0];
    assert_string_equal(a->target.name, "pump station 3");
    assert_int_equal(a->n_endpoints, 2);
    assert_string_equal(a->hosts[0], "127.0.0.1");
    assert_int_equal(a->ports[0], 20000);
    assert_string_equal(a->hosts[1], "::1");
    assert_int_equal(a->target.address, 10);
    assert_int_equal(a->target.master, 1);
    assert_int_equal(a->class_period_ms[0], 1000);
    assert_int_equal(a->class_period_ms[1], 1000);
    assert_int_equal(a->class_period_ms[2], 10000);
    assert_int_equal(a->unsol_classes, 0x07);
    assert_int_equal(a->n_range_scans, 0);
    assert_int_equal(a->comm_lost, DNP3_COMM_LOST_FLAG);
    assert_int_equal(a->task_retry_min_ms, 5000);
    assert_int_equal(a->task_retry_max_ms, 60000);
    assert_int_equal(a->reassembly_timeout_ms, 10000);
    assert_false(a->link_reset);
    assert_int_equal(a->time_sync, DNP3_TIME_SYNC_LAN);
    assert_int_equal(a->integrity_period_ms, 60000);
    assert_int_equal(a->response_timeout_ms, 5000);
    assert_int_equal(a->link_keepalive_ms, 60000);
    const master_assoc_conf_t *b = &mc.assocs[1];
    assert_string_equal(b->target.name, "127.0.0.1:20001/11");
    assert_int_equal(b->target.master, 2);
    assert_int_equal(b->integrity_period_ms, 600000);
    assert_int_equal(b->unsol_classes, 0x03);
    assert_int_equal(b->time_sync, DNP3_TIME_SYNC_NONE);
    assert_int_equal(b->comm_lost, DNP3_COMM_LOST_STALE);
    assert_int_equal(b->task_retry_min_ms, 2000);
    assert_int_equal(b->task_retry_max_ms, 30000);
    assert_int_equal(b->class_period_ms[0] | b->class_period_ms[1] | b->class_period_ms[2], 0);
    assert_int_equal(b->n_range_scans, 2);
    const dnp3_master_range_scan_t want[2] = {{30, 1, 0, 9, 10000}, {1, 0, 5, 5, 60000}};
    for (size_t i = 0; i < 2; i++) {
        const dnp3_master_range_scan_t *r = &b->range_scans[i];
        assert_int_equal(r->group, want[i].group);
        assert_int_equal(r->variation, want[i].variation);
        assert_int_equal(r->start, want[i].start);
        assert_int_equal(r->stop, want[i].stop);
        assert_int_equal(r->period_ms, want[i].period_ms);
    }
    assert_int_equal(mc.assocs[2].unsol_classes, 0);
    dnp3_master_config_t cfg;
    master_conf_to_master(a, &cfg);
    assert_int_equal(cfg.unsolicited_classes, 0x07);
    assert_int_equal(cfg.class_period_ms[0], 1000);
    assert_int_equal(cfg.class_period_ms[2], 10000);
    master_conf_to_master(b, &cfg);
    assert_int_equal(cfg.unsolicited_classes, 0x03);
    assert_int_equal(cfg.comm_lost_mode, DNP3_COMM_LOST_STALE);
    assert_int_equal(cfg.task_retry_ms, 2000);
    assert_int_equal(cfg.task_retry_max_ms, 30000);
    assert_int_equal(cfg.n_range_scans, 2);
    assert_true(cfg.startup_link_reset);
    assert_int_equal(cfg.range_scans[0].stop, 9);
    /* pool: 0 and 0, the defaults: 64 slots for the four associations */
    assert_int_equal(mc.pool_slots, 0);
    assert_int_equal(mc.pool_bytes, 0);
    dnp3_master_pool_config_t pc;
    master_conf_pool(&mc, &pc);
    assert_int_equal(pc.max_tasks, 64);
    assert_int_equal(pc.max_bytes, 64 * 256);
    assert_int_equal(pc.max_tx_fragment, 2048);
    master_conf_free(&mc);
}

/* The shared pool of `dnp3 master`: 4 slots per association, at least 64,
 * never more than the 16 per association that private pools would hold;
 * 256 bytes per slot; pool: of the file overrides. */
static uint32_t default_slots(size_t n_assocs)
{
    master_conf_t mc;
    master_conf_init(&mc);
    mc.n_assocs = n_assocs;
    dnp3_master_pool_config_t pc;
    master_conf_pool(&mc, &pc);
    assert_int_equal(pc.max_bytes, (size_t)pc.max_tasks * 256);
    return pc.max_tasks;
}

static void test_pool(void **state)
{
    (void)state;
    assert_int_equal(default_slots(1), 16);
    assert_int_equal(default_slots(3), 48);
    assert_int_equal(default_slots(4), 64);
    assert_int_equal(default_slots(16), 64);
    assert_int_equal(default_slots(17), 68);
    assert_int_equal(default_slots(1000), 4000);
    master_conf_t mc;
    master_conf_init(&mc);
    assert_int_equal(master_conf_load_string("m.yaml",
                                             "associations:\n  - endpoints: [h]\n"
                                             "pool: {slots: 3, bytes: 100}\n",
                                             &mc, msg, sizeof msg),
                     0);
    dnp3_master_pool_config_t pc;
    master_conf_pool(&mc, &pc);
    assert_int_equal(pc.max_tasks, 3);
    assert_int_equal(pc.max_bytes, 100);
    mc.pool_bytes = 0; /* 256 per slot */
    master_conf_pool(&mc, &pc);
    assert_int_equal(pc.max_bytes, 768);
    mc.pool_slots = 0x7FFFFFFF;
    master_conf_pool(&mc, &pc);
    assert_int_equal(pc.max_bytes, 0xFFFFFFFFu); /* capped: the pool takes at most UINT32_MAX */
    master_conf_free(&mc);
}

static void bad_file(const char *text, const char *want)
{
    master_conf_t mc;
    master_conf_init(&mc);
    assert_int_equal(master_conf_load_string("m.yaml", text, &mc, msg, sizeof msg), -1);
    if (strcmp(msg, want) != 0)
        fail_msg("got:  %s\nwant: %s", msg, want);
    assert_int_equal(mc.n_assocs, 0);
}

static void test_bad_files(void **state)
{
    (void)state;
    bad_file(
        "associations:\n  - endpoints: [h]\n    adress: 3\n",
        "m.yaml:3: associations[0]: unknown key 'adress' (known keys: name, channel, endpoints, "
        "address, master, response_timeout, connect_timeout, integrity_period, class_poll, "
        "unsolicited, time_sync, reconnect_min, reconnect_max, link_keepalive, reassembly_timeout, "
        "task_retry_min, "
        "task_retry_max, class1_poll, class2_poll, class3_poll, range_scans, comm_lost, "
        "link_reset)");
    bad_file("association: []\n",
             "m.yaml:1: unknown key 'association' (known keys: defaults, associations, pool)");
    bad_file("associations:\n  - endpoints: [h]\npool: {slot: 3}\n",
             "m.yaml:3: pool: unknown key 'slot' (known keys: slots, bytes)");
    bad_file("associations:\n  - endpoints: [h]\npool: {slots: 2147483648}\n",
             "m.yaml:3: pool.slots: 2147483648 is out of range (0..2147483647)");
    bad_file("associations:\n  - endpoints: [h]\npool: 5\n",
             "m.yaml:3: pool: expected a mapping (key: value lines), found a value");
    bad_file("defaults:\n  master: 1\n", "m.yaml:1: associations: at least one association is "
                                         "required");
    bad_file("associations:\n  - address: 3\n",
             "m.yaml:2: associations[0].endpoints: required: [\"HOST:PORT\", ...] (primary, "
             "then backups)");
    bad_file("associations:\n  - endpoints: [h]\n    class_poll: 5\n",
             "m.yaml:3: associations[0].class_poll: duration '5' needs a unit: ms, s, m or h "
             "(e.g. 5ms or 5s)");
    bad_file("associations:\n  - endpoints: [\"h:0\"]\n",
             "m.yaml:2: associations[0].endpoints[0]: port must be a number 1..65535 (got '0')");
    bad_file("associations:\n  - endpoints: [h]\n    address: 1\n",
             "m.yaml:2: associations[0].address: equal to master (1)");
    bad_file("defaults:\n  time_sync: gps\nassociations:\n  - endpoints: [h]\n",
             "m.yaml:2: defaults.time_sync: 'gps' is not one of: none, lan, non-lan");
    bad_file("associations:\n  - endpoints: [h]\n    unsolicited: maybe\n",
             "m.yaml:3: associations[0].unsolicited: 'maybe' is not true or false");
    bad_file("associations:\n  - endpoints: [h]\n    unsolicited: [1, 4]\n",
             "m.yaml:3: associations[0].unsolicited[1]: 4 is out of range (1..3)");
    bad_file("defaults:\n  class2_poll: 2\nassociations:\n  - endpoints: [h]\n",
             "m.yaml:2: defaults.class2_poll: duration '2' needs a unit: ms, s, m or h "
             "(e.g. 2ms or 2s)");
    bad_file("associations:\n  - endpoints: [h]\n    task_retry_min: 2m\n",
             "m.yaml:3: associations[0].task_retry_min: must be above 0 and at most "
             "task_retry_max");
    bad_file("associations:\n  - endpoints: [h]\n    link_reset: 1\n",
             "m.yaml:3: associations[0].link_reset: '1' is not true or false");
    bad_file("associations:\n  - endpoints: [h]\n    comm_lost: gone\n",
             "m.yaml:3: associations[0].comm_lost: 'gone' is not one of: none, flag, stale");
    bad_file("associations:\n  - endpoints: [h]\n    range_scans:\n"
             "      - {group: 30, start: 5, stop: 2, period: 1s}\n",
             "m.yaml:4: associations[0].range_scans[0].stop: below start (5)");
    bad_file("associations:\n  - endpoints: [h]\n    range_scans:\n"
             "      - {group: 30, stop: 2, period: 1s}\n",
             "m.yaml:4: associations[0].range_scans[0].start: required");
    bad_file("associations:\n  - endpoints: [h]\n    range_scans:\n"
             "      - {group: 0, start: 0, stop: 2, period: 1s}\n",
             "m.yaml:4: associations[0].range_scans[0].group: 0 is out of range (1..255)");
    bad_file("associations:\n  - endpoints: [h]\n    range_scans:\n"
             "      - {group: 30, start: 0, stop: 2, period: 1s, every: 1s}\n",
             "m.yaml:4: associations[0].range_scans[0]: unknown key 'every' (known keys: group, "
             "variation, start, stop, period)");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_codes),        cmocka_unit_test(test_analog),
        cmocka_unit_test(test_usage_errors), cmocka_unit_test(test_help),
        cmocka_unit_test(test_target),       cmocka_unit_test(test_connect_exit),
        cmocka_unit_test(test_json),         cmocka_unit_test(test_text),
        cmocka_unit_test(test_example_file), cmocka_unit_test(test_bad_files),
        cmocka_unit_test(test_pool),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
