/* The outstation database: creation from the configuration, settings and
 * reads. Updates, batches and the event rules are in database_update.c. */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "outstation/database_internal.h"

typedef struct point_type_info {
    const char *name;
    uint8_t static_group, event_group;
    uint16_t static_vars, event_vars; /* bit v set: variation v allowed */
    uint8_t static_default, event_default;
} point_type_info_t;

#define V(n) (1u << (n))

/* Variations per Annex A (groups 1-4, 10-11, 20-23, 30-32, 40-42, 110-111). */
static const point_type_info_t type_info[DNP3_EV_TYPE_COUNT_] = {
    [DNP3_PT_BINARY] = {"binary", 1, 2, V(1) | V(2), V(1) | V(2) | V(3), 2, 2},
    [DNP3_PT_DOUBLE_BIT] = {"double_bit", 3, 4, V(1) | V(2), V(1) | V(2) | V(3), 2, 2},
    [DNP3_PT_BINARY_OUTPUT] = {"binary_output", 10, 11, V(1) | V(2), V(1) | V(2), 2, 2},
    [DNP3_PT_COUNTER] = {"counter", 20, 22, V(1) | V(2) | V(5) | V(6), V(1) | V(2) | V(5) | V(6), 1,
                         1},
    [DNP3_PT_FROZEN_COUNTER] = {"frozen_counter", 21, 23, V(1) | V(2) | V(5) | V(6) | V(9) | V(10),
                                V(1) | V(2) | V(5) | V(6), 1, 1},
    [DNP3_PT_ANALOG] = {"analog", 30, 32, 0x7Eu, 0x1FEu, 1, 1},
    [DNP3_PT_ANALOG_OUTPUT] = {"analog_output", 40, 42, 0x1Eu, 0x1FEu, 1, 1},
    [DNP3_PT_OCTET_STRING] = {"octet_string", 110, 111, 0, 0, 0, 0},
    /* Command events (groups 13 and 43): no static group; v2 / v3 with time. */
    [DNP3_EV_BINARY_COMMAND] = {"binary_output_command", 0, 13, 0, V(1) | V(2), 0, 2},
    [DNP3_EV_ANALOG_COMMAND] = {"analog_output_command", 0, 43, 0, 0x1FEu, 0, 3},
};

bool dnp3i_db_command_variation_ok(dnp3_point_type_t kind, uint8_t v)
{
    return kind >= DNP3_EV_BINARY_COMMAND && kind < DNP3_EV_TYPE_COUNT_ && v < 16 &&
           (type_info[kind].event_vars & (1u << v)) != 0;
}

uint8_t dnp3i_db_command_default_variation(dnp3_point_type_t kind)
{
    return type_info[kind].event_default;
}

const char *dnp3_point_type_name(dnp3_point_type_t type)
{
    return (unsigned)type < DNP3_EV_TYPE_COUNT_ ? type_info[type].name : NULL;
}

uint8_t dnp3_point_type_static_group(dnp3_point_type_t type)
{
    return (unsigned)type < DNP3_EV_TYPE_COUNT_ ? type_info[type].static_group : 0;
}

uint8_t dnp3_point_type_event_group(dnp3_point_type_t type)
{
    return (unsigned)type < DNP3_EV_TYPE_COUNT_ ? type_info[type].event_group : 0;
}

static bool variation_ok(dnp3_point_type_t type, uint16_t allowed, uint8_t v)
{
    if (type == DNP3_PT_OCTET_STRING)
        return true; /* the variation is the length; 0 = the string's own */
    return v == 0 || (v < 16 && (allowed & (1u << v)) != 0);
}

int dnp3i_db_check_point_config(dnp3_point_type_t type, const dnp3_point_config_t *cfg)
{
    if ((unsigned)type >= DNP3_PT_COUNT_ || !cfg)
        return DNP3_E_INVALID_ARG;
    const point_type_info_t *ti = &type_info[type];
    if (cfg->event_class > DNP3_CLASS_3 || cfg->event_mode > DNP3_EVENT_MODE_MOST_RECENT)
        return DNP3_E_INVALID_ARG;
    if (!variation_ok(type, ti->static_vars, cfg->static_variation) ||
        !variation_ok(type, ti->event_vars, cfg->event_variation))
        return DNP3_E_INVALID_ARG;
    if (isnan(cfg->deadband) || cfg->deadband < 0)
        return DNP3_E_INVALID_ARG;
    return DNP3_OK;
}

void dnp3_db_config_default(dnp3_db_config_t *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    for (unsigned t = 0; t < DNP3_PT_COUNT_; t++) {
        cfg->defaults[t].event_class = DNP3_CLASS_1;
        cfg->defaults[t].static_variation = type_info[t].static_default;
        cfg->defaults[t].event_variation = type_info[t].event_default;
        cfg->defaults[t].event_mode = DNP3_EVENT_MODE_ALL;
        cfg->defaults[t].deadband = 0;
    }
    cfg->octet_string_size = DNP3_OCTET_STRING_MAX;
    cfg->batch_capacity = 256;
}

static int check_config(const dnp3_db_config_t *cfg)
{
    if (cfg->octet_string_size == 0 || cfg->octet_string_size > DNP3_OCTET_STRING_MAX ||
        cfg->batch_capacity == 0)
        return DNP3_E_INVALID_ARG;
    uint64_t total = 0;
    for (unsigned t = 0; t < DNP3_PT_COUNT_; t++) {
        total += cfg->count[t];
        int rc = dnp3i_db_check_point_config((dnp3_point_type_t)t, &cfg->defaults[t]);
        if (rc < 0)
            return rc;
        for (uint32_t i = 0; cfg->points[t] && i < cfg->count[t]; i++) {
            rc = dnp3i_db_check_point_config((dnp3_point_type_t)t, &cfg->points[t][i]);
            if (rc < 0)
                return rc;
        }
    }
    /* Point slots are uint32_t with UINT32_MAX reserved by the buffers. */
    return total < UINT32_MAX ? DNP3_OK : DNP3_E_INVALID_ARG;
}

/* The resolved settings of a point: per-point, with 0 variations taken from
 * the type's defaults. */
static dnp3_point_config_t resolve(const dnp3_db_t *db, dnp3_point_type_t type,
                                   const dnp3_point_config_t *c)
{
    dnp3_point_config_t r = *c;
    if (r.static_variation == 0)
        r.static_variation = db->defaults[type].static_variation;
    if (r.event_variation == 0)
        r.event_variation = db->defaults[type].event_variation;
    return r;
}

static int alloc_points(dnp3_db_t *db, const dnp3_db_config_t *cfg)
{
    uint32_t slot = 0;
    for (unsigned t = 0; t < DNP3_PT_COUNT_; t++) {
        db->count[t] = cfg->count[t];
        db->base[t] = slot;
        slot += cfg->count[t];
        db->defaults[t] = cfg->defaults[t];
        if (cfg->count[t] == 0)
            continue;
        db->points[t] = calloc(cfg->count[t], sizeof *db->points[t]);
        if (!db->points[t])
            return DNP3_E_NOMEM;
        for (uint32_t i = 0; i < cfg->count[t]; i++) {
            const dnp3_point_config_t *pc = cfg->points[t] ? &cfg->points[t][i] : &cfg->defaults[t];
            db->points[t][i].cfg = resolve(db, (dnp3_point_type_t)t, pc);
        }
    }
    db->total_points = slot;
    return DNP3_OK;
}

static int alloc_stores(dnp3_db_t *db, const dnp3_db_config_t *cfg)
{
    uint32_t octets = cfg->count[DNP3_PT_OCTET_STRING];
    db->octet_size = cfg->octet_string_size;
    if (octets) {
        db->octets = calloc(octets, db->octet_size);
        db->batch_octets = calloc(cfg->batch_capacity, db->octet_size);
        if (!db->octets || !db->batch_octets)
            return DNP3_E_NOMEM;
    }
    db->batch_cap = cfg->batch_capacity;
    db->batch = calloc(cfg->batch_capacity, sizeof *db->batch);
    return db->batch ? DNP3_OK : DNP3_E_NOMEM;
}

int dnp3_db_new(const dnp3_db_config_t *cfg, dnp3_db_t **out)
{
    if (!cfg || !out)
        return DNP3_E_INVALID_ARG;
    *out = NULL;
    int rc = check_config(cfg);
    if (rc < 0)
        return rc;
    dnp3_db_t *db = calloc(1, sizeof *db);
    if (!db)
        return DNP3_E_NOMEM;
    db->next_seq = 1;
    rc = alloc_points(db, cfg);
    if (rc == 0)
        rc = alloc_stores(db, cfg);
    if (rc < 0) {
        dnp3_db_free(db);
        return rc;
    }
    *out = db;
    return DNP3_OK;
}

void dnp3_db_free(dnp3_db_t *db)
{
    if (!db)
        return;
    while (db->buffers) {
        dnp3_event_buffer_t *b = db->buffers;
        db->buffers = dnp3i_event_buffer_next(b);
        dnp3i_event_buffer_detach(b);
    }
    for (unsigned t = 0; t < DNP3_PT_COUNT_; t++)
        free(db->points[t]);
    free(db->octets);
    free(db->batch_octets);
    free(db->batch);
    free(db);
}

uint32_t dnp3_db_count(const dnp3_db_t *db, dnp3_point_type_t type)
{
    return db && (unsigned)type < DNP3_PT_COUNT_ ? db->count[type] : 0;
}

static dnp3i_point_t *point_at(const dnp3_db_t *db, dnp3_point_type_t type, uint32_t index)
{
    if (!db || (unsigned)type >= DNP3_PT_COUNT_ || index >= db->count[type])
        return NULL;
    return &db->points[type][index];
}

int dnp3_db_read(const dnp3_db_t *db, dnp3_point_type_t type, uint32_t index, dnp3_db_point_t *out)
{
    const dnp3i_point_t *p = point_at(db, type, index);
    if (!p || !out)
        return DNP3_E_INVALID_ARG;
    memset(out, 0, sizeof *out);
    out->type = type;
    out->index = index;
    out->flags = p->flags;
    out->time = p->time;
    out->config = p->cfg;
    if (type == DNP3_PT_OCTET_STRING) {
        out->value.octets.data = db->octets + (size_t)index * db->octet_size;
        out->value.octets.len = p->octet_len;
    } else {
        out->value = p->value;
    }
    return DNP3_OK;
}

static bool has_deadband(dnp3_point_type_t type)
{
    return type == DNP3_PT_ANALOG || type == DNP3_PT_ANALOG_OUTPUT || type == DNP3_PT_COUNTER;
}

int dnp3_db_set_deadband(dnp3_db_t *db, dnp3_point_type_t type, uint32_t index, double deadband)
{
    dnp3i_point_t *p = point_at(db, type, index);
    if (!p || !has_deadband(type) || isnan(deadband) || deadband < 0)
        return DNP3_E_INVALID_ARG;
    p->cfg.deadband = deadband;
    return DNP3_OK;
}

int dnp3_db_get_deadband(const dnp3_db_t *db, dnp3_point_type_t type, uint32_t index, double *out)
{
    const dnp3i_point_t *p = point_at(db, type, index);
    if (!p || !has_deadband(type) || !out)
        return DNP3_E_INVALID_ARG;
    *out = p->cfg.deadband;
    return DNP3_OK;
}

int dnp3_db_assign_class(dnp3_db_t *db, dnp3_point_type_t type, uint32_t start, uint32_t stop,
                         uint8_t event_class)
{
    if (!point_at(db, type, stop) || start > stop || event_class > DNP3_CLASS_3)
        return DNP3_E_INVALID_ARG;
    for (uint32_t i = start; i <= stop; i++)
        db->points[type][i].cfg.event_class = event_class;
    return dnp3i_clip_int((uint64_t)stop - start + 1);
}

int dnp3_db_configure_point(dnp3_db_t *db, dnp3_point_type_t type, uint32_t index,
                            const dnp3_point_config_t *cfg)
{
    dnp3i_point_t *p = point_at(db, type, index);
    if (!p)
        return DNP3_E_INVALID_ARG;
    int rc = dnp3i_db_check_point_config(type, cfg);
    if (rc < 0)
        return rc;
    p->cfg = resolve(db, type, cfg);
    return DNP3_OK;
}

int dnp3_db_counters(const dnp3_db_t *db, dnp3_db_counters_t *out)
{
    if (!db || !out)
        return DNP3_E_INVALID_ARG;
    *out = db->counters;
    return DNP3_OK;
}
