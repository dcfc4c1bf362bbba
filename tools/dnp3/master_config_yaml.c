/* master_config_yaml: `dnp3 master --config FILE.yaml`, read with the YAML
 * layer of config_yaml.h (one message "FILE:LINE: FIELD: why" for any
 * error; unknown keys listed with the known ones). The fields are those of
 * examples/master.yaml, which documents each. */
#include <stdio.h>
#include <string.h>

#include "config_yaml.h"
#include "master_config.h"

static const char *const top_keys[] = {"defaults", "associations", NULL};
static const char *const assoc_keys[] = {"name",
                                         "channel",
                                         "endpoints",
                                         "address",
                                         "master",
                                         "response_timeout",
                                         "connect_timeout",
                                         "integrity_period",
                                         "class_poll",
                                         "unsolicited",
                                         "time_sync",
                                         "reconnect_min",
                                         "reconnect_max",
                                         "link_keepalive",
                                         NULL};

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
        cy_bool(cy, v, cy_field(f, parent, "unsolicited"), &ac->unsolicited) < 0)
        return -1;
    static const char *const sync_names[] = {"none", "lan", "non-lan", NULL};
    unsigned sync;
    if ((v = cy_get(cy, map, "time_sync"))) {
        if (cy_enum(cy, v, cy_field(f, parent, "time_sync"), sync_names, &sync) < 0)
            return -1;
        ac->time_sync = (dnp3_time_sync_mode_t)sync;
    }
    if (cy_opt_duration(cy, map, parent, "response_timeout", DURATION_MAX,
                        &ac->response_timeout_ms) < 0 ||
        cy_opt_duration(cy, map, parent, "connect_timeout", DURATION_MAX, &ac->connect_timeout_ms) <
            0 ||
        cy_opt_duration(cy, map, parent, "integrity_period", DURATION_MAX,
                        &ac->integrity_period_ms) < 0 ||
        cy_opt_duration(cy, map, parent, "class_poll", DURATION_MAX, &ac->class_period_ms) < 0 ||
        cy_opt_duration(cy, map, parent, "reconnect_min", DURATION_MAX, &ac->backoff_min_ms) < 0 ||
        cy_opt_duration(cy, map, parent, "reconnect_max", DURATION_MAX, &ac->backoff_max_ms) < 0 ||
        cy_opt_duration(cy, map, parent, "link_keepalive", DURATION_MAX, &ac->link_keepalive_ms) <
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

static int read_top(cy_t *cy, master_conf_t *mc)
{
    const yaml_node_t *root = cy_root(cy);
    if (cy_expect_map(cy, root, "") < 0 || cy_check_keys(cy, root, "", top_keys) < 0)
        return -1;
    master_assoc_conf_t defaults;
    master_assoc_conf_default(&defaults);
    const yaml_node_t *d = cy_get(cy, root, "defaults");
    if (d) {
        static const char *const default_keys[] = {
            "address",          "master",        "response_timeout", "connect_timeout",
            "integrity_period", "class_poll",    "unsolicited",      "time_sync",
            "reconnect_min",    "reconnect_max", "link_keepalive",   NULL};
        if (cy_expect_map(cy, d, "defaults") < 0 ||
            cy_check_keys(cy, d, "defaults", default_keys) < 0 ||
            settings(cy, d, "defaults", &defaults) < 0)
            return -1;
    }
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
