/* outstation_config: defaults, quick flags, and the top level of the YAML
 * file (network, link, logging, simulation). */
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "outstation_config_internal.h"

const char *const osc_type_names[DNP3_PT_COUNT_ + 1] = {
    "binary", "double_bit",    "binary_output", "counter", "frozen_counter",
    "analog", "analog_output", "octet_string",  NULL};

void osc_default(osc_config_t *c)
{
    memset(c, 0, sizeof *c);
    c->listen = true;
    snprintf(c->listen_host, sizeof c->listen_host, "0.0.0.0");
    c->listen_port = 20000;
    c->max_connections = 4;
    c->tcp_keepalive =
        (dnp3_keepalive_t){.enabled = true, .idle_s = 60, .interval_s = 10, .count = 6};
    dnp3_outstation_server_config_default(&c->server);
    c->connect_port = 20000;
    c->connect_master = 1;
    c->backoff_min_ms = 1000;
    c->backoff_max_ms = 60000;
    c->connect_timeout_ms = 5000;
    c->log_level = DNP3_LOG_INFO;
    c->simulate_period_ms = 1000;
    c->restart_delay_ms = 10000;
}

void osc_quick(osc_config_t *c, uint16_t address, uint16_t master, uint32_t points)
{
    osc_free(c);
    c->station_count = 1;
    osc_station_t *st = &c->stations[0];
    osc_station_default(st);
    st->address = address;
    for (int t = 0; t < DNP3_PT_COUNT_; t++)
        st->db.count[t] = points;
    st->db.defaults[DNP3_PT_ANALOG].event_class = DNP3_CLASS_2;
    st->db.defaults[DNP3_PT_COUNTER].event_class = DNP3_CLASS_2;
    st->db.defaults[DNP3_PT_FROZEN_COUNTER].event_class = DNP3_CLASS_2;
    st->db.defaults[DNP3_PT_ANALOG_OUTPUT].event_class = DNP3_CLASS_3;
    st->db.defaults[DNP3_PT_OCTET_STRING].event_class = DNP3_CLASS_3;
    st->assoc_count = 1;
    osc_assoc_default(st, &st->assocs[0], master);
}

void osc_free(osc_config_t *c)
{
    for (size_t s = 0; s < OSC_MAX_STATIONS; s++) {
        for (int t = 0; t < DNP3_PT_COUNT_; t++) {
            free(c->stations[s].points[t]);
            c->stations[s].points[t] = NULL;
            c->stations[s].db.points[t] = NULL;
        }
    }
    c->station_count = 0;
}

/* ---- small optional-key readers ----------------------------------------------- */

int osc_opt_uint(cy_t *cy, const yaml_node_t *map, const char *parent, const char *key,
                 uint64_t min, uint64_t max, uint64_t *out)
{
    const yaml_node_t *v = cy_get(cy, map, key);
    char f[CY_FIELD_MAX];
    return v ? cy_uint(cy, v, cy_field(f, parent, key), min, max, out) : 0;
}

int osc_opt_bool(cy_t *cy, const yaml_node_t *map, const char *parent, const char *key, bool *out)
{
    const yaml_node_t *v = cy_get(cy, map, key);
    char f[CY_FIELD_MAX];
    return v ? cy_bool(cy, v, cy_field(f, parent, key), out) : 0;
}

#define DAY_MS (24ull * 3600 * 1000)

/* ---- sections ---------------------------------------------------------------- */

static int read_tcp_keepalive(cy_t *cy, const yaml_node_t *m, osc_config_t *c)
{
    static const char *const keys[] = {"enabled", "idle", "interval", "count", NULL};
    const char *p = "tcp_keepalive";
    if (cy_check_keys(cy, m, p, keys) < 0)
        return -1;
    uint32_t idle = c->tcp_keepalive.idle_s * 1000u, intv = c->tcp_keepalive.interval_s * 1000u;
    uint64_t count = c->tcp_keepalive.count;
    if (osc_opt_bool(cy, m, p, "enabled", &c->tcp_keepalive.enabled) < 0 ||
        cy_opt_duration(cy, m, p, "idle", DAY_MS, &idle) < 0 ||
        cy_opt_duration(cy, m, p, "interval", DAY_MS, &intv) < 0 ||
        osc_opt_uint(cy, m, p, "count", 1, 100, &count) < 0)
        return -1;
    if (idle < 1000 || intv < 1000)
        return cy_error(cy, m, p, "idle and interval are whole seconds, at least 1s");
    c->tcp_keepalive.idle_s = idle / 1000;
    c->tcp_keepalive.interval_s = intv / 1000;
    c->tcp_keepalive.count = (uint32_t)count;
    return 0;
}

static int read_link(cy_t *cy, const yaml_node_t *m, osc_config_t *c)
{
    static const char *const keys[] = {"keepalive",
                                       "confirm_timeout",
                                       "retries",
                                       "max_fragment",
                                       "framing_errors",
                                       "first_frame_timeout",
                                       "partial_frame_timeout",
                                       "reassembly_timeout",
                                       NULL};
    static const char *const policies[] = {"close", "discard", NULL};
    const char *p = "link";
    dnp3_channel_config_t *l = &c->server.link;
    if (cy_check_keys(cy, m, p, keys) < 0)
        return -1;
    uint64_t retries = l->confirm_retries, frag = l->rx_fragment_max;
    if (cy_opt_duration(cy, m, p, "keepalive", DAY_MS, &l->keepalive_ms) < 0 ||
        cy_opt_duration(cy, m, p, "confirm_timeout", 3600000, &l->confirm_timeout_ms) < 0 ||
        osc_opt_uint(cy, m, p, "retries", 0, 100, &retries) < 0 ||
        osc_opt_uint(cy, m, p, "max_fragment", 249, 65535, &frag) < 0 ||
        cy_opt_duration(cy, m, p, "first_frame_timeout", DAY_MS,
                        &c->server.first_frame_timeout_ms) < 0 ||
        cy_opt_duration(cy, m, p, "partial_frame_timeout", DAY_MS,
                        &c->server.partial_frame_timeout_ms) < 0 ||
        cy_opt_duration(cy, m, p, "reassembly_timeout", DAY_MS, &l->reassembly_timeout_ms) < 0)
        return -1;
    if (l->confirm_timeout_ms == 0)
        return cy_error(cy, cy_get(cy, m, "confirm_timeout"), "link.confirm_timeout",
                        "must be at least 1ms");
    l->confirm_retries = (unsigned)retries;
    l->rx_fragment_max = l->tx_fragment_max = (size_t)frag;
    const yaml_node_t *v = cy_get(cy, m, "framing_errors");
    unsigned pol;
    if (v) {
        if (cy_enum(cy, v, "link.framing_errors", policies, &pol) < 0)
            return -1;
        l->policy = pol == 0 ? DNP3_LINK_POLICY_CLOSE : DNP3_LINK_POLICY_DISCARD;
    }
    return 0;
}

static int read_connect(cy_t *cy, const yaml_node_t *m, osc_config_t *c)
{
    static const char *const keys[] = {"master",      "endpoint",        "backoff_min",
                                       "backoff_max", "connect_timeout", NULL};
    const char *p = "connect";
    if (cy_check_keys(cy, m, p, keys) < 0)
        return -1;
    const yaml_node_t *ep = cy_get(cy, m, "endpoint");
    if (!ep)
        return cy_error(cy, m, p, "'endpoint' (the master's HOST:PORT) is required");
    if (cy_host_port(cy, ep, "connect.endpoint", c->connect_host, sizeof c->connect_host,
                     &c->connect_port) < 0)
        return -1;
    const yaml_node_t *ma = cy_get(cy, m, "master");
    if (ma && cy_link_address(cy, ma, "connect.master", &c->connect_master) < 0)
        return -1;
    if (cy_opt_duration(cy, m, p, "backoff_min", DAY_MS, &c->backoff_min_ms) < 0 ||
        cy_opt_duration(cy, m, p, "backoff_max", DAY_MS, &c->backoff_max_ms) < 0 ||
        cy_opt_duration(cy, m, p, "connect_timeout", 3600000, &c->connect_timeout_ms) < 0)
        return -1;
    if (c->backoff_min_ms > c->backoff_max_ms)
        return cy_error(cy, m, p, "backoff_min is above backoff_max");
    c->connect = true;
    return 0;
}

static const char *const app_decodes[] = {"none", "header", "objects", "values", NULL};
static const char *const frame_decodes[] = {"none", "header", "payload", NULL};

/* log.decode: an application level (the short form), or a map of levels
 * per layer: {link: header, transport: header, app: values}. */
static int read_decode(cy_t *cy, const yaml_node_t *v, osc_config_t *c)
{
    static const char *const keys[] = {"link", "transport", "app", NULL};
    unsigned lv;
    if (v->type != YAML_MAPPING_NODE) {
        if (cy_enum(cy, v, "log.decode", app_decodes, &lv) < 0)
            return -1;
        c->decode = (dnp3_app_decode_t)lv;
        return 0;
    }
    if (cy_check_keys(cy, v, "log.decode", keys) < 0)
        return -1;
    const yaml_node_t *n = cy_get(cy, v, "link");
    if (n) {
        if (cy_enum(cy, n, "log.decode.link", frame_decodes, &lv) < 0)
            return -1;
        c->server.decode_link = (dnp3_link_decode_t)lv;
    }
    n = cy_get(cy, v, "transport");
    if (n) {
        if (cy_enum(cy, n, "log.decode.transport", frame_decodes, &lv) < 0)
            return -1;
        c->server.decode_transport = (dnp3_transport_decode_t)lv;
    }
    n = cy_get(cy, v, "app");
    if (n) {
        if (cy_enum(cy, n, "log.decode.app", app_decodes, &lv) < 0)
            return -1;
        c->decode = (dnp3_app_decode_t)lv;
    }
    return 0;
}

static int read_log(cy_t *cy, const yaml_node_t *m, osc_config_t *c)
{
    static const char *const keys[] = {"level", "decode", "syslog", NULL};
    static const char *const levels[] = {"error", "warn", "info", "debug", NULL};
    if (cy_check_keys(cy, m, "log", keys) < 0)
        return -1;
    const yaml_node_t *v = cy_get(cy, m, "level");
    unsigned lv;
    if (v) {
        if (cy_enum(cy, v, "log.level", levels, &lv) < 0)
            return -1;
        c->log_level = (dnp3_log_level_t)lv;
    }
    v = cy_get(cy, m, "decode");
    if (v && read_decode(cy, v, c) < 0)
        return -1;
    return osc_opt_bool(cy, m, "log", "syslog", &c->syslog);
}

static int find_name(const char *const *names, const char *s, size_t len)
{
    for (int i = 0; names[i]; i++) {
        if (strlen(names[i]) == len && strncmp(names[i], s, len) == 0)
            return i;
    }
    return -1;
}

/* One "layer=level" item of --decode. */
static int decode_item(osc_config_t *c, const char *s, size_t len, char *why, size_t cap)
{
    const char *eq = memchr(s, '=', len);
    if (!eq) {
        int i = find_name(app_decodes, s, len);
        if (i < 0)
            goto bad;
        c->decode = (dnp3_app_decode_t)i;
        return 0;
    }
    size_t kl = (size_t)(eq - s), vl = len - kl - 1;
    bool app = kl == 3 && strncmp(s, "app", 3) == 0;
    int i = find_name(app ? app_decodes : frame_decodes, eq + 1, vl);
    if (i < 0) {
        snprintf(why, cap, "'%.*s' is not %s", (int)len, s,
                 app ? "app=none|header|objects|values" : "LAYER=none|header|payload");
        return -1;
    }
    if (app)
        c->decode = (dnp3_app_decode_t)i;
    else if (kl == 4 && strncmp(s, "link", 4) == 0)
        c->server.decode_link = (dnp3_link_decode_t)i;
    else if (kl == 9 && strncmp(s, "transport", 9) == 0)
        c->server.decode_transport = (dnp3_transport_decode_t)i;
    else
        goto bad;
    return 0;
bad:
    snprintf(why, cap,
             "'%.*s' is not an application level (none, header, objects, values) or "
             "link=/transport=none|header|payload, app=LEVEL",
             (int)len, s);
    return -1;
}

int osc_decode_text(osc_config_t *c, const char *spec, char *why, size_t cap)
{
    const char *s = spec;
    for (;;) {
        const char *comma = strchr(s, ',');
        size_t len = comma ? (size_t)(comma - s) : strlen(s);
        if (decode_item(c, s, len, why, cap) < 0)
            return -1;
        if (!comma)
            return 0;
        s = comma + 1;
    }
}

static int read_simulate(cy_t *cy, const yaml_node_t *m, osc_config_t *c)
{
    static const char *const keys[] = {"enabled", "period", NULL};
    if (cy_check_keys(cy, m, "simulate", keys) < 0 ||
        osc_opt_bool(cy, m, "simulate", "enabled", &c->simulate) < 0 ||
        cy_opt_duration(cy, m, "simulate", "period", DAY_MS, &c->simulate_period_ms) < 0)
        return -1;
    if (c->simulate_period_ms < 10)
        return cy_error(cy, cy_get(cy, m, "period"), "simulate.period", "at least 10ms");
    return 0;
}

static int read_restart(cy_t *cy, const yaml_node_t *m, osc_config_t *c)
{
    static const char *const keys[] = {"mode", "delay", NULL};
    static const char *const modes[] = {"refuse", "exit", NULL};
    if (cy_check_keys(cy, m, "restart", keys) < 0)
        return -1;
    const yaml_node_t *v = cy_get(cy, m, "mode");
    unsigned mode;
    if (v) {
        if (cy_enum(cy, v, "restart.mode", modes, &mode) < 0)
            return -1;
        c->restart_exit = mode == 1;
    }
    /* g52v2 carries 16 bits of milliseconds. */
    return cy_opt_duration(cy, m, "restart", "delay", 65535, &c->restart_delay_ms);
}

int osc_read_listen(cy_t *cy, const yaml_node_t *v, const char *field, char *host, size_t hostlen,
                    uint16_t *port)
{
    /* Port 0: any free port (the one bound is logged); for tests. */
    const char *t = cy_text(v);
    size_t n = strlen(t);
    if (v->type == YAML_SCALAR_NODE && n > 2 && strcmp(t + n - 2, ":0") == 0) {
        char msg[256];
        char text[OSC_HOST_MAX + 8];
        if (n - 2 >= sizeof text)
            return cy_error(cy, v, field, "host name too long");
        memcpy(text, t, n - 2);
        text[n - 2] = '\0';
        if (opts_host_port(text, host, hostlen, port, msg, sizeof msg) < 0)
            return cy_error(cy, v, field, "%s", msg);
        *port = 0;
        return 0;
    }
    return cy_host_port(cy, v, field, host, hostlen, port);
}

static int read_listen(cy_t *cy, const yaml_node_t *v, osc_config_t *c)
{
    if (v->type == YAML_SCALAR_NODE && strcmp(cy_text(v), "off") == 0) {
        c->listen = false;
        return 0;
    }
    return osc_read_listen(cy, v, "listen", c->listen_host, sizeof c->listen_host, &c->listen_port);
}

static int read_top(cy_t *cy, const yaml_node_t *root, osc_config_t *c)
{
    static const char *const keys[] = {"listen",        "max_connections",
                                       "allow",         "replace_connections",
                                       "tcp_keepalive", "link",
                                       "connect",       "log",
                                       "simulate",      "restart",
                                       "outstations",   NULL};
    if (cy_check_keys(cy, root, "", keys) < 0)
        return -1;
    const yaml_node_t *v;
    uint64_t maxc = c->max_connections;
    if (((v = cy_get(cy, root, "listen")) && read_listen(cy, v, c) < 0) ||
        osc_opt_uint(cy, root, "", "max_connections", 1, 65535, &maxc) < 0 ||
        ((v = cy_get(cy, root, "allow")) &&
         cy_cidr_list(cy, v, "allow", c->allow, DNP3_RUNTIME_ALLOW_MAX, &c->allow_count) < 0) ||
        osc_opt_bool(cy, root, "", "replace_connections", &c->server.replace_connections) < 0 ||
        ((v = cy_get(cy, root, "tcp_keepalive")) && read_tcp_keepalive(cy, v, c) < 0) ||
        ((v = cy_get(cy, root, "link")) && read_link(cy, v, c) < 0) ||
        ((v = cy_get(cy, root, "connect")) && read_connect(cy, v, c) < 0) ||
        ((v = cy_get(cy, root, "log")) && read_log(cy, v, c) < 0) ||
        ((v = cy_get(cy, root, "simulate")) && read_simulate(cy, v, c) < 0) ||
        ((v = cy_get(cy, root, "restart")) && read_restart(cy, v, c) < 0))
        return -1;
    c->max_connections = (size_t)maxc;
    v = cy_get(cy, root, "outstations");
    if (!v)
        return cy_error(cy, root, "outstations", "at least one outstation is required");
    if (osc_read_stations(cy, v, c) < 0)
        return -1;
    size_t shared = 0; /* stations on the top-level listen / connect */
    for (size_t i = 0; i < c->station_count; i++)
        shared += !c->stations[i].own_listen;
    if (shared && !c->listen && !c->connect)
        return cy_error(cy, root, "listen",
                        "'listen: off' needs a 'connect' section (else nothing connects)");
    if (!shared && c->connect)
        return cy_error(cy, cy_get(cy, root, "connect"), "connect",
                        "every outstation has its own listen; connect serves those without one");
    return 0;
}

static int load(cy_t *cy, osc_config_t *c)
{
    osc_free(c);
    int rc = read_top(cy, cy_root(cy), c);
    cy_free(cy);
    if (rc < 0)
        osc_free(c);
    return rc;
}

int osc_load(osc_config_t *c, const char *path, char *err, size_t errlen)
{
    cy_t cy;
    if (cy_load(&cy, path, err, errlen) < 0)
        return -1;
    return load(&cy, c);
}

int osc_load_string(osc_config_t *c, const char *file, const char *text, char *err, size_t errlen)
{
    cy_t cy;
    if (cy_load_string(&cy, file, text, err, errlen) < 0)
        return -1;
    return load(&cy, c);
}
