/* master_config_yaml: `dnp3 master --config FILE.yaml`, read with the YAML
 * layer of config_yaml.h (one message "FILE:LINE: FIELD: why" for any
 * error; unknown keys listed with the known ones). The fields are those of
 * examples/master.yaml, which documents each. */
#include <stdio.h>
#include <string.h>

#include "config_yaml.h"
#include "master_config.h"

static const char *const top_keys[] = {"defaults", "associations", "pool", NULL};
static const char *const pool_keys[] = {"slots", "bytes", NULL};
static const char *const assoc_keys[] = {
    "name",           "channel",          "endpoints",          "address",
    "master",         "response_timeout", "connect_timeout",    "integrity_period",
    "class_poll",     "unsolicited",      "time_sync",          "reconnect_min",
    "reconnect_max",  "link_keepalive",   "reassembly_timeout", "task_retry_min",
    "task_retry_max", "class1_poll",      "class2_poll",        "class3_poll",
    "range_scans",    "comm_lost",        "link_reset",         NULL};

/* 30 days, as opts_duration_ms. */
#define DURATION_MAX 2592000000ull

/* The node of key for an error's line, else the mapping's. */
static const yaml_node_t *at(cy_t *cy, const yaml_node_t *map, const char *key)
{
    const yaml_node_t *v = cy_get(cy, map, key);
    return v ? v : map;
}

static int endpoints(cy_t *cy, const yaml_node_t *v, const char *field, master_assoc_conf_t *ac)
{
    if (cy_expect_seq(cy, v, field) < 0)
        return -1;
    size_t n = cy_seq_len(v);
    if (n < 1 || n > DNP3_RUNTIME_ENDPOINT_MAX)
        return cy_error(cy, v, field, "1 to %u endpoints (primary, then backups)",
                        DNP3_RUNTIME_ENDPOINT_MAX);
    for (size_t i = 0; i < n; i++) {
        char f[CY_FIELD_MAX];
        ac->ports[i] = STATION_DEFAULT_PORT;
        if (cy_host_port(cy, cy_seq_item(cy, v, i), cy_index(f, field, i), ac->hosts[i],
                         sizeof ac->hosts[i], &ac->ports[i]) < 0)
            return -1;
    }
    ac->n_endpoints = n;
    return 0;
}

/* `unsolicited: true|false` (classes 1-3 or none) or a list of classes. */
static int unsol_classes(cy_t *cy, const yaml_node_t *v, const char *field, uint8_t *out)
{
    if (v->type != YAML_SEQUENCE_NODE) {
        bool on;
        if (cy_bool(cy, v, field, &on) < 0)
            return -1;
        *out = on ? DNP3_MASTER_CLASS_1 | DNP3_MASTER_CLASS_2 | DNP3_MASTER_CLASS_3 : 0;
        return 0;
    }
    *out = 0;
    for (size_t i = 0; i < cy_seq_len(v); i++) {
        char f[CY_FIELD_MAX];
        uint64_t c;
        if (cy_uint(cy, cy_seq_item(cy, v, i), cy_index(f, field, i), 1, 3, &c) < 0)
            return -1;
        *out |= (uint8_t)(1u << (c - 1));
    }
    return 0;
}

static const char *const scan_keys[] = {"group", "variation", "start", "stop", "period", NULL};

static int range_scan(cy_t *cy, const yaml_node_t *n, const char *field,
                      dnp3_master_range_scan_t *rs)
{
    char f[CY_FIELD_MAX];
    if (cy_expect_map(cy, n, field) < 0 || cy_check_keys(cy, n, field, scan_keys) < 0)
        return -1;
    static const char *const required[] = {"group", "start", "stop", "period"};
    for (size_t i = 0; i < 4; i++)
        if (!cy_get(cy, n, required[i]))
            return cy_error(cy, n, cy_field(f, field, required[i]), "required");
    uint64_t g, var = 0, start, stop;
    const yaml_node_t *v = cy_get(cy, n, "variation");
    if (cy_uint(cy, cy_get(cy, n, "group"), cy_field(f, field, "group"), 1, 255, &g) < 0 ||
        (v && cy_uint(cy, v, cy_field(f, field, "variation"), 0, 255, &var) < 0) ||
        cy_uint(cy, cy_get(cy, n, "start"), cy_field(f, field, "start"), 0, 65535, &start) < 0 ||
        cy_uint(cy, cy_get(cy, n, "stop"), cy_field(f, field, "stop"), 0, 65535, &stop) < 0 ||
        cy_opt_duration(cy, n, field, "period", DURATION_MAX, &rs->period_ms) < 0)
        return -1;
    if (stop < start)
        return cy_error(cy, cy_get(cy, n, "stop"), cy_field(f, field, "stop"), "below start (%u)",
                        (unsigned)start);
    rs->group = (uint8_t)g;
    rs->variation = (uint8_t)var;
    rs->start = (uint32_t)start;
    rs->stop = (uint32_t)stop;
    return 0;
}

static int range_scans(cy_t *cy, const yaml_node_t *v, const char *field, master_assoc_conf_t *ac)
{
    if (cy_expect_seq(cy, v, field) < 0)
        return -1;
    size_t n = cy_seq_len(v);
    if (n > MASTER_RANGE_SCAN_MAX)
        return cy_error(cy, v, field, "at most %u range scans", MASTER_RANGE_SCAN_MAX);
    for (size_t i = 0; i < n; i++) {
        char f[CY_FIELD_MAX];
        if (range_scan(cy, cy_seq_item(cy, v, i), cy_index(f, field, i), &ac->range_scans[i]) < 0)
            return -1;
    }
    ac->n_range_scans = n;
    return 0;
}

/* class_poll sets the three periods; class1_poll.. then override one. */
static int class_polls(cy_t *cy, const yaml_node_t *map, const char *parent,
                       master_assoc_conf_t *ac)
{
    uint32_t all = UINT32_MAX;
    if (cy_opt_duration(cy, map, parent, "class_poll", DURATION_MAX, &all) < 0)
        return -1;
    static const char *const keys[] = {"class1_poll", "class2_poll", "class3_poll"};
    for (int i = 0; i < 3; i++) {
        if (all != UINT32_MAX)
            ac->class_period_ms[i] = all;
        if (cy_opt_duration(cy, map, parent, keys[i], DURATION_MAX, &ac->class_period_ms[i]) < 0)
            return -1;
    }
    return 0;
}

static int enums(cy_t *cy, const yaml_node_t *map, const char *parent, master_assoc_conf_t *ac)
{
    char f[CY_FIELD_MAX];
    const yaml_node_t *v;
    static const char *const sync_names[] = {"none", "lan", "non-lan", NULL};
    static const char *const lost_names[] = {"none", "flag", "stale", NULL};
    unsigned e;
    if ((v = cy_get(cy, map, "time_sync"))) {
        if (cy_enum(cy, v, cy_field(f, parent, "time_sync"), sync_names, &e) < 0)
            return -1;
        ac->time_sync = (dnp3_time_sync_mode_t)e;
    }
    if ((v = cy_get(cy, map, "comm_lost"))) {
        if (cy_enum(cy, v, cy_field(f, parent, "comm_lost"), lost_names, &e) < 0)
            return -1;
        ac->comm_lost = (dnp3_comm_lost_mode_t)e;
    }
    return 0;
}

/* Every field but the endpoints and the name (shared by defaults and an
 * association). */
static int settings(cy_t *cy, const yaml_node_t *map, const char *parent, master_assoc_conf_t *ac)
{
    char f[CY_FIELD_MAX];
    const yaml_node_t *v;
    if ((v = cy_get(cy, map, "address")) &&
        cy_link_address(cy, v, cy_field(f, parent, "address"), &ac->target.address) < 0)
        return -1;
    if ((v = cy_get(cy, map, "master")) &&
        cy_link_address(cy, v, cy_field(f, parent, "master"), &ac->target.master) < 0)
        return -1;
    if ((v = cy_get(cy, map, "unsolicited")) &&
        unsol_classes(cy, v, cy_field(f, parent, "unsolicited"), &ac->unsol_classes) < 0)
        return -1;
    if ((v = cy_get(cy, map, "link_reset")) &&
        cy_bool(cy, v, cy_field(f, parent, "link_reset"), &ac->link_reset) < 0)
        return -1;
    if ((v = cy_get(cy, map, "range_scans")) &&
        range_scans(cy, v, cy_field(f, parent, "range_scans"), ac) < 0)
        return -1;
    if (enums(cy, map, parent, ac) < 0 || class_polls(cy, map, parent, ac) < 0 ||
        cy_opt_duration(cy, map, parent, "response_timeout", DURATION_MAX,
                        &ac->response_timeout_ms) < 0 ||
        cy_opt_duration(cy, map, parent, "connect_timeout", DURATION_MAX, &ac->connect_timeout_ms) <
            0 ||
        cy_opt_duration(cy, map, parent, "integrity_period", DURATION_MAX,
                        &ac->integrity_period_ms) < 0 ||
        cy_opt_duration(cy, map, parent, "reconnect_min", DURATION_MAX, &ac->backoff_min_ms) < 0 ||
        cy_opt_duration(cy, map, parent, "reconnect_max", DURATION_MAX, &ac->backoff_max_ms) < 0 ||
        cy_opt_duration(cy, map, parent, "link_keepalive", DURATION_MAX, &ac->link_keepalive_ms) <
            0 ||
        cy_opt_duration(cy, map, parent, "reassembly_timeout", DURATION_MAX,
                        &ac->reassembly_timeout_ms) < 0 ||
        cy_opt_duration(cy, map, parent, "task_retry_min", DURATION_MAX, &ac->task_retry_min_ms) <
            0 ||
        cy_opt_duration(cy, map, parent, "task_retry_max", DURATION_MAX, &ac->task_retry_max_ms) <
            0)
        return -1;
    if (ac->response_timeout_ms == 0)
        return cy_error(cy, at(cy, map, "response_timeout"),
                        cy_field(f, parent, "response_timeout"), "must be above 0");
    if (ac->connect_timeout_ms == 0)
        return cy_error(cy, at(cy, map, "connect_timeout"), cy_field(f, parent, "connect_timeout"),
                        "must be above 0");
    if (ac->backoff_min_ms == 0 || ac->backoff_min_ms > ac->backoff_max_ms)
        return cy_error(cy, map, cy_field(f, parent, "reconnect_min"),
                        "must be above 0 and at most reconnect_max");
    if (ac->task_retry_min_ms == 0 || ac->task_retry_min_ms > ac->task_retry_max_ms)
        return cy_error(cy, at(cy, map, "task_retry_min"), cy_field(f, parent, "task_retry_min"),
                        "must be above 0 and at most task_retry_max");
    return 0;
}

static void name_default(master_assoc_conf_t *ac)
{
    station_target_t *t = &ac->target;
    snprintf(t->host, sizeof t->host, "%s", ac->hosts[0]);
    t->port = ac->ports[0];
    if (t->name[0])
        return;
    bool v6 = strchr(t->host, ':') != NULL;
    snprintf(t->name, sizeof t->name, "%s%s%s:%u/%u", v6 ? "[" : "", t->host, v6 ? "]" : "",
             t->port, t->address);
}

static int association(cy_t *cy, const yaml_node_t *n, const char *field,
                       const master_assoc_conf_t *defaults, master_conf_t *mc)
{
    char f[CY_FIELD_MAX];
    master_assoc_conf_t ac = *defaults;
    if (cy_expect_map(cy, n, field) < 0 || cy_check_keys(cy, n, field, assoc_keys) < 0)
        return -1;
    const yaml_node_t *v = cy_get(cy, n, "name");
    if (v && cy_str(cy, v, cy_field(f, field, "name"), ac.target.name, sizeof ac.target.name) < 0)
        return -1;
    v = cy_get(cy, n, "channel");
    if (v && cy_str(cy, v, cy_field(f, field, "channel"), ac.channel, sizeof ac.channel) < 0)
        return -1;
    v = cy_get(cy, n, "endpoints");
    if (!v)
        return cy_error(cy, n, cy_field(f, field, "endpoints"),
                        "required: [\"HOST:PORT\", ...] (primary, then backups)");
    if (endpoints(cy, v, cy_field(f, field, "endpoints"), &ac) < 0 ||
        settings(cy, n, field, &ac) < 0)
        return -1;
    if (ac.target.address == ac.target.master)
        return cy_error(cy, n, cy_field(f, field, "address"), "equal to master (%u)",
                        ac.target.master);
    name_default(&ac);
    if (master_conf_add(mc, &ac) < 0)
        return cy_error(cy, n, field, "out of memory");
    return 0;
}

/* `pool: {slots: N, bytes: N}`: the pool of queued commands every
 * association shares (0 or absent: sized from the associations). */
static int pool(cy_t *cy, const yaml_node_t *map, master_conf_t *mc)
{
    if (cy_expect_map(cy, map, "pool") < 0 || cy_check_keys(cy, map, "pool", pool_keys) < 0)
        return -1;
    uint64_t v;
    const yaml_node_t *n = cy_get(cy, map, "slots");
    if (n) {
        if (cy_uint(cy, n, "pool.slots", 0, MASTER_POOL_SLOTS_MAX, &v) < 0)
            return -1;
        mc->pool_slots = (uint32_t)v;
    }
    n = cy_get(cy, map, "bytes");
    if (n) {
        if (cy_uint(cy, n, "pool.bytes", 0, MASTER_POOL_BYTES_MAX, &v) < 0)
            return -1;
        mc->pool_bytes = v;
    }
    return 0;
}

static int read_top(cy_t *cy, master_conf_t *mc)
{
    const yaml_node_t *root = cy_root(cy);
    if (cy_expect_map(cy, root, "") < 0 || cy_check_keys(cy, root, "", top_keys) < 0)
        return -1;
    master_assoc_conf_t defaults;
    master_assoc_conf_default(&defaults);
    const yaml_node_t *d = cy_get(cy, root, "defaults");
    if (d) {
        if (cy_expect_map(cy, d, "defaults") < 0 ||
            cy_check_keys(cy, d, "defaults", assoc_keys + 3) < 0 ||
            settings(cy, d, "defaults", &defaults) < 0)
            return -1;
    }
    const yaml_node_t *p = cy_get(cy, root, "pool");
    if (p && pool(cy, p, mc) < 0)
        return -1;
    const yaml_node_t *list = cy_get(cy, root, "associations");
    if (!list)
        return cy_error(cy, root, "associations", "at least one association is required");
    if (cy_expect_seq(cy, list, "associations") < 0)
        return -1;
    if (cy_seq_len(list) == 0)
        return cy_error(cy, list, "associations", "at least one association is required");
    for (size_t i = 0; i < cy_seq_len(list); i++) {
        char f[CY_FIELD_MAX];
        if (association(cy, cy_seq_item(cy, list, i), cy_index(f, "associations", i), &defaults,
                        mc) < 0)
            return -1;
    }
    return 0;
}

static int load(cy_t *cy, master_conf_t *mc)
{
    int rc = read_top(cy, mc);
    cy_free(cy);
    if (rc < 0)
        master_conf_free(mc);
    return rc;
}

int master_conf_load(const char *path, master_conf_t *mc, char *msg, size_t msglen)
{
    cy_t cy;
    if (cy_load(&cy, path, msg, msglen) < 0)
        return -1;
    return load(&cy, mc);
}

int master_conf_load_string(const char *file, const char *text, master_conf_t *mc, char *msg,
                            size_t msglen)
{
    cy_t cy;
    if (cy_load_string(&cy, file, text, msg, msglen) < 0)
        return -1;
    return load(&cy, mc);
}
