/* The outstation configuration loader (tools/dnp3/outstation_config*.c over
 * config_yaml.c): the documented example loads with the values it shows, and
 * every kind of mistake gets its one message with file:line and field. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "outstation_config.h"

static char err[512];

static osc_config_t *load(const char *text, int expect_rc)
{
    osc_config_t *c = calloc(1, sizeof *c);
    assert_non_null(c);
    osc_default(c);
    err[0] = '\0';
    int rc = osc_load_string(c, "site.yaml", text, err, sizeof err);
    assert_int_equal(rc, expect_rc);
    return c;
}

static void done(osc_config_t *c)
{
    osc_free(c);
    free(c);
}

/* The text fails with exactly this message. */
static void fails_with(const char *text, const char *message)
{
    osc_config_t *c = load(text, -1);
    assert_string_equal(err, message);
    assert_int_equal(c->station_count, 0);
    done(c);
}

#define MINIMAL "outstations:\n  - associations:\n      - master: 1\n"

static void example_file_loads(void **state)
{
    (void)state;
    char path[1024];
    const char *src = __FILE__; /* .../tests/unit/test_config_outstation.c */
    const char *cut = strstr(src, "tests/unit/");
    assert_non_null(cut);
    snprintf(path, sizeof path, "%.*sexamples/outstation.yaml", (int)(cut - src), src);
    osc_config_t *c = calloc(1, sizeof *c);
    assert_non_null(c);
    osc_default(c);
    int rc = osc_load(c, path, err, sizeof err);
    if (rc != 0)
        fail_msg("%s", err);
    assert_string_equal(c->listen_host, "0.0.0.0");
    assert_int_equal(c->listen_port, 20000);
    assert_int_equal(c->allow_count, 3);
    assert_string_equal(c->allow[2], "::1");
    assert_int_equal(c->server.link.keepalive_ms, 60000);
    assert_int_equal(c->server.first_frame_timeout_ms, 30000);
    assert_int_equal(c->server.partial_frame_timeout_ms, 10000);
    assert_int_equal(c->server.link.reassembly_timeout_ms, 10000);
    assert_int_equal(c->server.link.policy, DNP3_LINK_POLICY_CLOSE);
    assert_false(c->connect);
    assert_int_equal(c->decode, DNP3_APP_DECODE_NOTHING);
    assert_int_equal(c->station_count, 1);
    const osc_station_t *st = &c->stations[0];
    assert_int_equal(st->address, 10);
    assert_string_equal(st->name, "pump station 3");
    assert_int_equal(st->db.count[DNP3_PT_BINARY], 10);
    assert_int_equal(st->db.count[DNP3_PT_DOUBLE_BIT], 4);
    assert_int_equal(st->db.defaults[DNP3_PT_ANALOG].event_class, 2);
    assert_true(st->db.defaults[DNP3_PT_ANALOG].deadband == 0.5);
    assert_non_null(st->db.points[DNP3_PT_ANALOG]);
    assert_true(st->db.points[DNP3_PT_ANALOG][3].deadband == 2.5);
    assert_int_equal(st->db.points[DNP3_PT_ANALOG][3].event_mode, DNP3_EVENT_MODE_MOST_RECENT);
    assert_true(st->db.points[DNP3_PT_ANALOG][2].deadband == 0.5);
    assert_int_equal(st->assoc_count, 2);
    const dnp3_outstation_config_t *s = &st->assocs[0].session;
    assert_int_equal(s->local_address, 10);
    assert_int_equal(s->master_address, 1);
    assert_int_equal(st->assocs[0].allow_count, 2);
    assert_int_equal(s->unsolicited_retries, DNP3_OUTSTATION_RETRIES_UNLIMITED);
    assert_int_equal(s->unsolicited_retry_delay_ms, 60000);
    assert_int_equal(s->need_time_period_ms, 600000);
    assert_string_equal(s->device_name, "pump station 3");
    assert_int_equal(st->assocs[1].session.master_address, 2);
    assert_int_equal(st->assocs[1].session.events.class_capacity[0], 500);
    assert_true(st->assocs[1].session.events.every_change);
    osc_free(c);
    free(c);
}

static void minimal_file_takes_defaults(void **state)
{
    (void)state;
    osc_config_t *c = load(MINIMAL, 0);
    assert_int_equal(c->station_count, 1);
    assert_int_equal(c->stations[0].address, 10);
    assert_int_equal(c->stations[0].assocs[0].session.master_address, 1);
    assert_int_equal(c->max_connections, 4);
    assert_true(c->server.replace_connections);
    done(c);
}

/* log.decode: an application level, or a level per layer. */
static void decode_levels_per_layer(void **state)
{
    (void)state;
    osc_config_t *c = load("log:\n  decode: objects\n" MINIMAL, 0);
    assert_int_equal(c->decode, DNP3_APP_DECODE_OBJECT_HEADERS);
    assert_int_equal(c->server.decode_link, DNP3_LINK_DECODE_NOTHING);
    assert_int_equal(c->server.decode_transport, DNP3_TRANSPORT_DECODE_NOTHING);
    done(c);
    c = load("log:\n  decode: {link: header, transport: payload, app: values}\n" MINIMAL, 0);
    assert_int_equal(c->decode, DNP3_APP_DECODE_OBJECT_VALUES);
    assert_int_equal(c->server.decode_link, DNP3_LINK_DECODE_HEADER);
    assert_int_equal(c->server.decode_transport, DNP3_TRANSPORT_DECODE_PAYLOAD);
    done(c);
    fails_with("log:\n  decode:\n    link: values\n" MINIMAL,
               "site.yaml:3: log.decode.link: 'values' is not one of: none, header, payload");
    fails_with("log:\n  decode:\n    session: header\n" MINIMAL,
               "site.yaml:3: log.decode: unknown key 'session' (known keys: link, transport, app)");
}

/* restart: refused by default; mode exit with its delay (16 bits of ms). */
static void restart_modes(void **state)
{
    (void)state;
    osc_config_t *c = load(MINIMAL, 0);
    assert_false(c->restart_exit);
    assert_int_equal(c->restart_delay_ms, 10000);
    done(c);
    c = load("restart:\n  mode: exit\n  delay: 30s\n" MINIMAL, 0);
    assert_true(c->restart_exit);
    assert_int_equal(c->restart_delay_ms, 30000);
    done(c);
    fails_with("restart:\n  mode: reboot\n" MINIMAL,
               "site.yaml:2: restart.mode: 'reboot' is not one of: refuse, exit");
    c = load("restart:\n  delay: 2m\n" MINIMAL, -1);
    assert_non_null(strstr(err, "site.yaml:2: restart.delay:"));
    done(c);
}

/* --decode: the same levels as one flag. */
static void decode_flag_text(void **state)
{
    (void)state;
    osc_config_t *c = calloc(1, sizeof *c);
    assert_non_null(c);
    osc_default(c);
    char why[160];
    assert_int_equal(osc_decode_text(c, "values", why, sizeof why), 0);
    assert_int_equal(c->decode, DNP3_APP_DECODE_OBJECT_VALUES);
    assert_int_equal(c->server.decode_link, DNP3_LINK_DECODE_NOTHING);
    assert_int_equal(
        osc_decode_text(c, "link=header,transport=payload,app=header", why, sizeof why), 0);
    assert_int_equal(c->decode, DNP3_APP_DECODE_HEADER);
    assert_int_equal(c->server.decode_link, DNP3_LINK_DECODE_HEADER);
    assert_int_equal(c->server.decode_transport, DNP3_TRANSPORT_DECODE_PAYLOAD);
    assert_int_equal(osc_decode_text(c, "link=values", why, sizeof why), -1);
    assert_string_equal(why, "'link=values' is not LAYER=none|header|payload");
    assert_int_equal(osc_decode_text(c, "app=payload", why, sizeof why), -1);
    assert_string_equal(why, "'app=payload' is not app=none|header|objects|values");
    assert_int_equal(osc_decode_text(c, "header,", why, sizeof why), -1);
    assert_int_equal(osc_decode_text(c, "tcp=header", why, sizeof why), -1);
    done(c);
}

static void stations_may_listen_on_their_own_port(void **state)
{
    (void)state;
    osc_config_t *c = load("listen: off\n"
                           "outstations:\n"
                           "  - address: 10\n"
                           "    listen: 127.0.0.1:20010\n"
                           "    associations: [{master: 1}]\n"
                           "  - address: 11\n"
                           "    listen: \"[::1]:0\"\n"
                           "    associations: [{master: 1}]\n",
                           0);
    assert_false(c->listen);
    assert_true(c->stations[0].own_listen);
    assert_string_equal(c->stations[0].listen_host, "127.0.0.1");
    assert_int_equal(c->stations[0].listen_port, 20010);
    assert_string_equal(c->stations[1].listen_host, "::1");
    assert_int_equal(c->stations[1].listen_port, 0);
    done(c);
    fails_with("connect: {endpoint: 192.0.2.1:20000}\n"
               "outstations:\n  - listen: 127.0.0.1:20010\n    associations: [{master: 1}]\n",
               "site.yaml:1: connect: every outstation has its own listen; connect serves those "
               "without one");
}

static void durations_take_units(void **state)
{
    (void)state;
    osc_config_t *c = load("link:\n  keepalive: 500ms\n  confirm_timeout: 10s\n"
                           "  first_frame_timeout: 2s\n  partial_frame_timeout: 0ms\n"
                           "  reassembly_timeout: 2500ms\n"
                           "simulate:\n  period: 1m\n" MINIMAL,
                           0);
    assert_int_equal(c->server.link.keepalive_ms, 500);
    assert_int_equal(c->server.first_frame_timeout_ms, 2000);
    assert_int_equal(c->server.partial_frame_timeout_ms, 0);
    assert_int_equal(c->server.link.reassembly_timeout_ms, 2500);
    assert_int_equal(c->server.link.confirm_timeout_ms, 10000);
    assert_int_equal(c->simulate_period_ms, 60000);
    done(c);
}

static void errors_name_file_line_and_field(void **state)
{
    (void)state;
    fails_with("listn: 1\n" MINIMAL,
               "site.yaml:1: unknown key 'listn' (known keys: listen, max_connections, allow, "
               "replace_connections, tcp_keepalive, link, connect, log, simulate, restart, "
               "outstations)");
    fails_with("listen: 0.0.0.0:99999\n" MINIMAL,
               "site.yaml:1: listen: port must be a number 1..65535 (got '99999')");
    fails_with("max_connections: 0\n" MINIMAL,
               "site.yaml:1: max_connections: 0 is out of range (1..65535)");
    fails_with("link:\n  keepalive: 10\n" MINIMAL,
               "site.yaml:2: link.keepalive: duration '10' needs a unit: ms, s, m or h "
               "(e.g. 10ms or 10s)");
    fails_with("link:\n  framing_errors: ignore\n" MINIMAL,
               "site.yaml:2: link.framing_errors: 'ignore' is not one of: close, discard");
    fails_with("allow: [10.0.0.0/33]\n" MINIMAL,
               "site.yaml:1: allow[0]: '10.0.0.0/33' is not a network (CIDR: 10.0.0.0/8, "
               "192.168.1.7, 2001:db8::/32)");
    fails_with("replace_connections: maybe\n" MINIMAL,
               "site.yaml:1: replace_connections: 'maybe' is not true or false");
    fails_with("log:\n  level: loud\n" MINIMAL,
               "site.yaml:2: log.level: 'loud' is not one of: error, warn, info, debug");
    fails_with("log:\n  decode: all\n" MINIMAL,
               "site.yaml:2: log.decode: 'all' is not one of: none, header, objects, values");
    fails_with("listen: 0.0.0.0\n",
               "site.yaml:1: outstations: at least one outstation is required");
    fails_with("connect:\n  master: 1\n" MINIMAL,
               "site.yaml:2: connect: 'endpoint' (the master's HOST:PORT) is required");
    fails_with("listen: off\n" MINIMAL,
               "site.yaml:1: listen: 'listen: off' needs a 'connect' section (else nothing "
               "connects)");
}

static void station_errors(void **state)
{
    (void)state;
    fails_with("outstations:\n  - address: 10\n", "site.yaml:2: outstations[0]: 'associations' "
                                                  "(at least one master) is required");
    fails_with("outstations:\n  - address: 70000\n    associations:\n      - master: 1\n",
               "site.yaml:2: outstations[0].address: link address must be a number 0..65519 "
               "(got '70000')");
    fails_with("outstations:\n  - associations:\n      - master: 1\n"
               "  - associations:\n      - master: 1\n",
               "site.yaml:4: outstations[1].address: address 10 is used by another outstation");
    fails_with("outstations:\n  - associations:\n      - master: 1\n      - master: 1\n",
               "site.yaml:4: outstations[0].associations[1].master: master 1 is already an "
               "association of outstation 10");
    fails_with("outstations:\n  - associations:\n      - mastr: 1\n",
               "site.yaml:3: outstations[0].associations[0]: unknown key 'mastr' (known keys: "
               "master, allow, events, unsolicited, confirm_timeout, select_timeout, "
               "max_controls, need_time, need_time_period, restart_delay_seconds, "
               "command_event_class, max_rx_fragment, max_tx_fragment, self_address, "
               "broadcast)");
    fails_with("outstations:\n  - points:\n      analog:\n        event_variation: 9\n"
               "    associations:\n      - master: 1\n",
               "site.yaml:4: outstations[0].points.analog.event_variation: g32v9 is not an event "
               "variation this outstation reports");
    fails_with("outstations:\n  - points:\n      binary:\n        deadband: 1\n"
               "    associations:\n      - master: 1\n",
               "site.yaml:4: outstations[0].points.binary.deadband: only analog, analog_output "
               "and counter points have a deadband");
    fails_with("outstations:\n  - points:\n      analog:\n        count: 2\n        points:\n"
               "          - index: 2\n    associations:\n      - master: 1\n",
               "site.yaml:6: outstations[0].points.analog.points[0].index: 2 is out of range "
               "(0..1)");
    fails_with("outstations:\n  - points:\n      analogue:\n        count: 2\n"
               "    associations:\n      - master: 1\n",
               "site.yaml:3: outstations[0].points: unknown key 'analogue' (known keys: binary, "
               "double_bit, binary_output, counter, frozen_counter, analog, analog_output, "
               "octet_string)");
    fails_with("outstations:\n  - associations:\n      - master: 1\n        unsolicited:\n"
               "          classes: [4]\n",
               "site.yaml:5: outstations[0].associations[0].unsolicited.classes[0]: 4 is out of "
               "range (1..3)");
    fails_with("outstations:\n  - associations:\n      - master: 1\n        events:\n"
               "          overflow: drop\n",
               "site.yaml:5: outstations[0].associations[0].events.overflow: 'drop' is not one "
               "of: discard_oldest, discard_newest");
}

static void syntax_and_shape_errors(void **state)
{
    (void)state;
    osc_config_t *c = load("listen: [\n", -1);
    assert_string_equal(err, "site.yaml:2: YAML syntax error: did not find expected node content "
                             "while parsing a flow node");
    done(c);
    fails_with("", "site.yaml:1: the file is empty (a configuration is a YAML mapping)");
    fails_with("- 1\n", "site.yaml:1: expected a mapping (key: value lines), found a list");
    fails_with("outstations: 3\n",
               "site.yaml:1: outstations: expected a list (- item lines or [a, b]), found a value");
    fails_with("listen: 1.2.3.4\nlisten: 1.2.3.5\n" MINIMAL,
               "site.yaml:2: key 'listen' given twice");
}

static void missing_file_is_one_line(void **state)
{
    (void)state;
    osc_config_t *c = calloc(1, sizeof *c);
    assert_non_null(c);
    osc_default(c);
    assert_int_equal(osc_load(c, "/nonexistent/site.yaml", err, sizeof err), -1);
    assert_string_equal(err, "/nonexistent/site.yaml: cannot open the configuration: No such "
                             "file or directory");
    done(c);
}

/* A value with control characters (a quoted YAML scalar may hold any)
 * is echoed escaped, so the error stays one printable line (found by
 * fuzz/fuzz_master_yaml.c). */
static void control_characters_are_escaped(void **state)
{
    (void)state;
    fails_with("log:\n  level: \"lo\\nud\\t\\x01\"\n" MINIMAL,
               "site.yaml:2: log.level: 'lo\\nud\\t\\x01' is not one of: error, warn, info, "
               "debug");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(example_file_loads),
        cmocka_unit_test(minimal_file_takes_defaults),
        cmocka_unit_test(durations_take_units),
        cmocka_unit_test(stations_may_listen_on_their_own_port),
        cmocka_unit_test(decode_levels_per_layer),
        cmocka_unit_test(decode_flag_text),
        cmocka_unit_test(restart_modes),
        cmocka_unit_test(errors_name_file_line_and_field),
        cmocka_unit_test(station_errors),
        cmocka_unit_test(syntax_and_shape_errors),
        cmocka_unit_test(missing_file_is_one_line),
        cmocka_unit_test(control_characters_are_escaped),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
