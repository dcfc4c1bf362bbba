/* outstation_config: the `outstations:` list (stations, their points and
 * their associations). */
#include <stdlib.h>
#include <string.h>

#include "outstation_config_internal.h"

#define DAY_MS (24ull * 3600 * 1000)

void osc_station_default(osc_station_t *st)
{
    memset(st, 0, sizeof *st);
    st->address = 10;
    dnp3_db_config_default(&st->db);
}

void osc_assoc_default(const osc_station_t *st, osc_assoc_t *a, uint16_t master)
{
    memset(a, 0, sizeof *a);
    dnp3_outstation_config_default(&a->session);
    a->session.local_address = st->address;
    a->session.master_address = master;
}

/* Allowed variations per type, bit v set for variation v (database.h). */
static const uint32_t static_vars[DNP3_PT_COUNT_] = {0x6, 0x6, 0x6, 0x66, 0x666, 0x7E, 0x1E, 0};
static const uint32_t event_vars[DNP3_PT_COUNT_] = {0xE, 0xE, 0x6, 0x66, 0x66, 0x1FE, 0x1FE, 0};

static int read_variation(cy_t *cy, const yaml_node_t *m, const char *p, const char *key,
                          dnp3_point_type_t t, bool event, uint8_t *out)
{
    const yaml_node_t *v = cy_get(cy, m, key);
    if (!v)
        return 0;
    char f[CY_FIELD_MAX];
    uint64_t var;
    if (cy_uint(cy, v, cy_field(f, p, key), 0, 255, &var) < 0)
        return -1;
    uint32_t allowed = event ? event_vars[t] : static_vars[t];
    uint8_t group = event ? dnp3_point_type_event_group(t) : dnp3_point_type_static_group(t);
    if (t != DNP3_PT_OCTET_STRING && (var > 31 || !(allowed & (1u << var))))
        return cy_error(cy, v, f, "g%uv%u is not %s variation this outstation reports", group,
                        (unsigned)var, event ? "an event" : "a static");
    *out = (uint8_t)var;
    return 0;
}

/* class, variations, event_mode, deadband of a point or a type's default. */
static int read_point_settings(cy_t *cy, const yaml_node_t *m, const char *p, dnp3_point_type_t t,
                               dnp3_point_config_t *pc)
{
    static const char *const modes[] = {"all", "most_recent", NULL};
    uint64_t cls = pc->event_class;
    if (osc_opt_uint(cy, m, p, "class", 0, 3, &cls) < 0 ||
        read_variation(cy, m, p, "static_variation", t, false, &pc->static_variation) < 0 ||
        read_variation(cy, m, p, "event_variation", t, true, &pc->event_variation) < 0)
        return -1;
    pc->event_class = (uint8_t)cls;
    char f[CY_FIELD_MAX];
    const yaml_node_t *v = cy_get(cy, m, "event_mode");
    unsigned mode;
    if (v) {
        if (cy_enum(cy, v, cy_field(f, p, "event_mode"), modes, &mode) < 0)
            return -1;
        pc->event_mode = (uint8_t)mode;
    }
    v = cy_get(cy, m, "deadband");
    if (v) {
        if (t != DNP3_PT_ANALOG && t != DNP3_PT_ANALOG_OUTPUT && t != DNP3_PT_COUNTER)
            return cy_error(cy, v, cy_field(f, p, "deadband"),
                            "only analog, analog_output and counter points have a deadband");
        if (cy_double(cy, v, f, 0, 1e300, &pc->deadband) < 0)
            return -1;
    }
    return 0;
}

static int read_point_list(cy_t *cy, const yaml_node_t *list, const char *p, osc_station_t *st,
                           dnp3_point_type_t t)
{
    static const char *const keys[] = {
        "index", "class", "static_variation", "event_variation", "event_mode", "deadband", NULL};
    if (cy_expect_seq(cy, list, p) < 0)
        return -1;
    uint32_t count = st->db.count[t];
    if (count == 0)
        return cy_error(cy, list, p, "points listed but count is 0");
    st->points[t] = calloc(count, sizeof *st->points[t]);
    if (!st->points[t])
        return cy_error(cy, list, p, "out of memory");
    for (uint32_t i = 0; i < count; i++)
        st->points[t][i] = st->db.defaults[t];
    st->db.points[t] = st->points[t];
    char f[CY_FIELD_MAX], fi[CY_FIELD_MAX];
    for (size_t i = 0; i < cy_seq_len(list); i++) {
        const yaml_node_t *it = cy_seq_item(cy, list, i);
        cy_index(f, p, i);
        if (cy_check_keys(cy, it, f, keys) < 0)
            return -1;
        const yaml_node_t *iv = cy_get(cy, it, "index");
        uint64_t idx;
        if (!iv)
            return cy_error(cy, it, f, "'index' is required");
        if (cy_uint(cy, iv, cy_field(fi, f, "index"), 0, count - 1, &idx) < 0 ||
            read_point_settings(cy, it, f, t, &st->points[t][idx]) < 0)
            return -1;
    }
    return 0;
}

static int read_type(cy_t *cy, const yaml_node_t *m, const char *p, osc_station_t *st,
                     dnp3_point_type_t t)
{
    static const char *const keys[] = {"count",           "class",      "static_variation",
                                       "event_variation", "event_mode", "deadband",
                                       "points",          NULL};
    if (cy_check_keys(cy, m, p, keys) < 0)
        return -1;
    uint64_t count = 0;
    if (osc_opt_uint(cy, m, p, "count", 0, 65536, &count) < 0 ||
        read_point_settings(cy, m, p, t, &st->db.defaults[t]) < 0)
        return -1;
    st->db.count[t] = (uint32_t)count;
    const yaml_node_t *pl = cy_get(cy, m, "points");
    char f[CY_FIELD_MAX];
    return pl ? read_point_list(cy, pl, cy_field(f, p, "points"), st, t) : 0;
}

static int read_points(cy_t *cy, const yaml_node_t *m, const char *p, osc_station_t *st)
{
    if (cy_check_keys(cy, m, p, osc_type_names) < 0)
        return -1;
    char f[CY_FIELD_MAX];
    for (int t = 0; t < DNP3_PT_COUNT_; t++) {
        const yaml_node_t *v = cy_get(cy, m, osc_type_names[t]);
        if (v && read_type(cy, v, cy_field(f, p, osc_type_names[t]), st, (dnp3_point_type_t)t) < 0)
            return -1;
    }
    return 0;
}

static int read_device(cy_t *cy, const yaml_node_t *m, const char *p, osc_station_t *st)
{
    static const char *const keys[] = {"name",     "vendor",        "product", "hardware",
                                       "location", "serial_number", NULL};
    char *slots[] = {st->name, st->vendor, st->product, st->hardware, st->location, st->serial};
    if (cy_check_keys(cy, m, p, keys) < 0)
        return -1;
    char f[CY_FIELD_MAX];
    for (size_t i = 0; keys[i]; i++) {
        const yaml_node_t *v = cy_get(cy, m, keys[i]);
        if (v && cy_str(cy, v, cy_field(f, p, keys[i]), slots[i], OSC_ATTR_MAX + 1) < 0)
            return -1;
    }
    return 0;
}

/* ---- associations ------------------------------------------------------------- */

static int read_events(cy_t *cy, const yaml_node_t *m, const char *p, osc_assoc_t *a)
{
    static const char *const keys[] = {"class1",       "class2",   "class3", "overflow",
                                       "every_change", "per_type", NULL};
    static const char *const policies[] = {"discard_oldest", "discard_newest", NULL};
    dnp3_event_buffer_config_t *e = &a->session.events;
    if (cy_check_keys(cy, m, p, keys) < 0)
        return -1;
    for (int k = 0; k < 3; k++) {
        uint64_t v = e->class_capacity[k];
        if (osc_opt_uint(cy, m, p, keys[k], 0, 1000000, &v) < 0)
            return -1;
        e->class_capacity[k] = (uint32_t)v;
    }
    if (osc_opt_bool(cy, m, p, "every_change", &e->every_change) < 0)
        return -1;
    char f[CY_FIELD_MAX];
    const yaml_node_t *v = cy_get(cy, m, "overflow");
    unsigned pol;
    if (v) {
        if (cy_enum(cy, v, cy_field(f, p, "overflow"), policies, &pol) < 0)
            return -1;
        e->overflow_policy = (uint8_t)pol;
    }
    const yaml_node_t *pt = cy_get(cy, m, "per_type");
    if (!pt)
        return 0;
    cy_field(f, p, "per_type");
    if (cy_check_keys(cy, pt, f, osc_type_names) < 0)
        return -1;
    for (int t = 0; t < DNP3_PT_COUNT_; t++) {
        uint64_t cap = e->type_capacity[t];
        if (osc_opt_uint(cy, pt, f, osc_type_names[t], 0, 1000000, &cap) < 0)
            return -1;
        e->type_capacity[t] = (uint32_t)cap;
    }
    return 0;
}

static int read_classes(cy_t *cy, const yaml_node_t *v, const char *p, uint8_t *mask)
{
    char f[CY_FIELD_MAX];
    if (cy_expect_seq(cy, v, p) < 0)
        return -1;
    *mask = 0;
    for (size_t i = 0; i < cy_seq_len(v); i++) {
        uint64_t cls;
        if (cy_uint(cy, cy_seq_item(cy, v, i), cy_index(f, p, i), 1, 3, &cls) < 0)
            return -1;
        *mask |= (uint8_t)(1u << (cls - 1));
    }
    return 0;
}

static int read_unsolicited(cy_t *cy, const yaml_node_t *m, const char *p, osc_assoc_t *a)
{
    static const char *const keys[] = {"enabled",         "classes", "hold",        "hold_count",
                                       "confirm_timeout", "retries", "retry_delay", NULL};
    dnp3_outstation_config_t *s = &a->session;
    if (cy_check_keys(cy, m, p, keys) < 0)
        return -1;
    uint64_t hc = s->unsolicited_hold_count;
    char f[CY_FIELD_MAX];
    const yaml_node_t *v;
    if (osc_opt_bool(cy, m, p, "enabled", &s->unsolicited) < 0 ||
        ((v = cy_get(cy, m, "classes")) &&
         read_classes(cy, v, cy_field(f, p, "classes"), &s->unsolicited_classes_at_start) < 0) ||
        cy_opt_duration(cy, m, p, "hold", DAY_MS, &s->unsolicited_hold_ms) < 0 ||
        osc_opt_uint(cy, m, p, "hold_count", 1, 100000, &hc) < 0 ||
        cy_opt_duration(cy, m, p, "confirm_timeout", DAY_MS, &s->unsolicited_confirm_timeout_ms) <
            0 ||
        cy_opt_duration(cy, m, p, "retry_delay", DAY_MS, &s->unsolicited_retry_delay_ms) < 0)
        return -1;
    s->unsolicited_hold_count = (uint32_t)hc;
    v = cy_get(cy, m, "retries");
    if (v && !(v->type == YAML_SCALAR_NODE && strcmp(cy_text(v), "unlimited") == 0)) {
        uint64_t r;
        if (cy_uint(cy, v, cy_field(f, p, "retries"), 0, UINT32_MAX - 1, &r) < 0)
            return -1;
        s->unsolicited_retries = (uint32_t)r;
    } else if (v) {
        s->unsolicited_retries = DNP3_OUTSTATION_RETRIES_UNLIMITED;
    }
    return 0;
}

static int read_assoc_timing(cy_t *cy, const yaml_node_t *m, const char *p, osc_assoc_t *a)
{
    dnp3_outstation_config_t *s = &a->session;
    uint64_t maxc = s->max_controls_per_request, cec = s->command_event_class;
    uint64_t rx = s->max_rx_fragment, tx = s->max_tx_fragment;
    if (cy_opt_duration(cy, m, p, "confirm_timeout", DAY_MS, &s->confirm_timeout_ms) < 0 ||
        cy_opt_duration(cy, m, p, "select_timeout", DAY_MS, &s->select_timeout_ms) < 0 ||
        osc_opt_uint(cy, m, p, "max_controls", 1, 65535, &maxc) < 0 ||
        osc_opt_bool(cy, m, p, "need_time", &s->need_time_at_start) < 0 ||
        cy_opt_duration(cy, m, p, "need_time_period", 365 * DAY_MS, &s->need_time_period_ms) < 0 ||
        osc_opt_bool(cy, m, p, "restart_delay_seconds", &s->restart_delay_seconds) < 0 ||
        osc_opt_uint(cy, m, p, "command_event_class", 0, 3, &cec) < 0 ||
        osc_opt_uint(cy, m, p, "max_rx_fragment", 249, 65535, &rx) < 0 ||
        osc_opt_uint(cy, m, p, "max_tx_fragment", 249, 65535, &tx) < 0 ||
        osc_opt_bool(cy, m, p, "self_address", &s->self_address) < 0 ||
        osc_opt_bool(cy, m, p, "broadcast", &s->broadcast) < 0)
        return -1;
    s->max_controls_per_request = (uint16_t)maxc;
    s->command_event_class = (uint8_t)cec;
    s->max_rx_fragment = (uint32_t)rx;
    s->max_tx_fragment = (uint32_t)tx;
    return 0;
}

static int read_assoc(cy_t *cy, const yaml_node_t *m, const char *p, osc_station_t *st,
                      osc_assoc_t *a)
{
    static const char *const keys[] = {"master",
                                       "allow",
                                       "events",
                                       "unsolicited",
                                       "confirm_timeout",
                                       "select_timeout",
                                       "max_controls",
                                       "need_time",
                                       "need_time_period",
                                       "restart_delay_seconds",
                                       "command_event_class",
                                       "max_rx_fragment",
                                       "max_tx_fragment",
                                       "self_address",
                                       "broadcast",
                                       NULL};
    if (cy_check_keys(cy, m, p, keys) < 0)
        return -1;
    char f[CY_FIELD_MAX];
    const yaml_node_t *v = cy_get(cy, m, "master");
    uint16_t master;
    if (!v)
        return cy_error(cy, m, p, "'master' (the master's link address) is required");
    if (cy_link_address(cy, v, cy_field(f, p, "master"), &master) < 0)
        return -1;
    for (osc_assoc_t *o = st->assocs; o < a; o++) {
        if (o->session.master_address == master)
            return cy_error(cy, v, f, "master %u is already an association of outstation %u",
                            master, st->address);
    }
    osc_assoc_default(st, a, master);
    if (((v = cy_get(cy, m, "allow")) &&
         cy_cidr_list(cy, v, cy_field(f, p, "allow"), a->allow, DNP3_OUTSTATION_ALLOW_MAX,
                      &a->allow_count) < 0) ||
        ((v = cy_get(cy, m, "events")) && read_events(cy, v, cy_field(f, p, "events"), a) < 0) ||
        ((v = cy_get(cy, m, "unsolicited")) &&
         read_unsolicited(cy, v, cy_field(f, p, "unsolicited"), a) < 0))
        return -1;
    return read_assoc_timing(cy, m, p, a);
}

static void point_device_strings(osc_station_t *st)
{
    for (size_t i = 0; i < st->assoc_count; i++) {
        dnp3_outstation_config_t *s = &st->assocs[i].session;
        s->local_address = st->address;
        if (st->name[0])
            s->device_name = st->name;
        if (st->vendor[0])
            s->vendor_name = st->vendor;
        if (st->product[0])
            s->product_name = st->product;
        s->hardware_version = st->hardware;
        s->location = st->location;
        s->serial_number = st->serial;
    }
}

static int read_station(cy_t *cy, const yaml_node_t *m, const char *p, osc_config_t *c,
                        osc_station_t *st)
{
    static const char *const keys[] = {
        "address",           "listen",         "device",       "points",
        "octet_string_size", "batch_capacity", "associations", NULL};
    if (cy_check_keys(cy, m, p, keys) < 0)
        return -1;
    char f[CY_FIELD_MAX];
    const yaml_node_t *v = cy_get(cy, m, "address");
    cy_field(f, p, "address");
    if (v && cy_link_address(cy, v, f, &st->address) < 0)
        return -1;
    for (osc_station_t *o = c->stations; o < st; o++) {
        if (o->address == st->address)
            return cy_error(cy, v ? v : m, f, "address %u is used by another outstation",
                            st->address);
    }
    v = cy_get(cy, m, "listen");
    if (v) {
        st->listen_port = 20000;
        if (osc_read_listen(cy, v, cy_field(f, p, "listen"), st->listen_host,
                            sizeof st->listen_host, &st->listen_port) < 0)
            return -1;
        st->own_listen = true;
    }
    uint64_t oss = st->db.octet_string_size, bc = st->db.batch_capacity;
    if (((v = cy_get(cy, m, "device")) && read_device(cy, v, cy_field(f, p, "device"), st) < 0) ||
        ((v = cy_get(cy, m, "points")) && read_points(cy, v, cy_field(f, p, "points"), st) < 0) ||
        osc_opt_uint(cy, m, p, "octet_string_size", 1, 255, &oss) < 0 ||
        osc_opt_uint(cy, m, p, "batch_capacity", 1, 1000000, &bc) < 0)
        return -1;
    st->db.octet_string_size = (uint16_t)oss;
    st->db.batch_capacity = (uint32_t)bc;
    v = cy_get(cy, m, "associations");
    if (!v)
        return cy_error(cy, m, p, "'associations' (at least one master) is required");
    cy_field(f, p, "associations");
    if (cy_expect_seq(cy, v, f) < 0)
        return -1;
    if (cy_seq_len(v) == 0 || cy_seq_len(v) > OSC_MAX_ASSOCS)
        return cy_error(cy, v, f, "between 1 and %u associations", OSC_MAX_ASSOCS);
    char fi[CY_FIELD_MAX];
    for (size_t i = 0; i < cy_seq_len(v); i++) {
        st->assoc_count = i;
        if (read_assoc(cy, cy_seq_item(cy, v, i), cy_index(fi, f, i), st, &st->assocs[i]) < 0)
            return -1;
    }
    st->assoc_count = cy_seq_len(v);
    point_device_strings(st);
    return 0;
}

int osc_read_stations(cy_t *cy, const yaml_node_t *list, osc_config_t *c)
{
    const char *p = "outstations";
    if (cy_expect_seq(cy, list, p) < 0)
        return -1;
    size_t n = cy_seq_len(list);
    if (n == 0 || n > OSC_MAX_STATIONS)
        return cy_error(cy, list, p, "between 1 and %u outstations", OSC_MAX_STATIONS);
    char f[CY_FIELD_MAX];
    for (size_t i = 0; i < n; i++) {
        osc_station_t *st = &c->stations[i];
        osc_station_default(st);
        c->station_count = i + 1; /* so osc_free frees what this one allocates */
        if (read_station(cy, cy_seq_item(cy, list, i), cy_index(f, p, i), c, st) < 0)
            return -1;
    }
    return 0;
}
