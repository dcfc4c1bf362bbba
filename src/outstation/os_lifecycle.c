/* The outstation: configuration, creation, the application's setters and
 * counters. */
#include "outstation/outstation_internal.h"

#include <stdlib.h>
#include <string.h>

void dnp3_outstation_config_default(dnp3_outstation_config_t *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->local_address = 10;
    cfg->master_address = 1;
    cfg->self_address = true;
    cfg->broadcast = true;
    cfg->max_rx_fragment = 2048;
    cfg->max_tx_fragment = 2048;
    dnp3_event_buffer_config_default(&cfg->events);
    cfg->confirm_timeout_ms = 5000;
    cfg->select_timeout_ms = 5000;
    cfg->max_controls_per_request = 16;
    cfg->need_time_at_start = true;
    cfg->need_time_period_ms = 600000;
    cfg->command_event_class = DNP3_CLASS_3;
    cfg->command_event_capacity = 32;
    cfg->unsolicited = true;
    cfg->unsolicited_hold_ms = 1000;
    cfg->unsolicited_hold_count = 10;
    cfg->unsolicited_confirm_timeout_ms = 5000;
    cfg->unsolicited_retries = DNP3_OUTSTATION_RETRIES_UNLIMITED;
    cfg->unsolicited_retry_delay_ms = 60000;
    cfg->device_name = "dnp3c";
    cfg->vendor_name = "dnp3c";
    cfg->product_name = "dnp3c outstation";
    cfg->software_version = "0.1";
    cfg->hardware_version = "";
    cfg->location = "";
    cfg->serial_number = "";
    cfg->log_level = DNP3_LOG_INFO;
}

static int copy_attrs(dnp3_outstation_t *o, const dnp3_outstation_config_t *cfg)
{
    const char *src[7] = {cfg->device_name,      cfg->vendor_name,      cfg->product_name,
                          cfg->software_version, cfg->hardware_version, cfg->location,
                          cfg->serial_number};
    const char **dst[7] = {&o->cfg.device_name,      &o->cfg.vendor_name,      &o->cfg.product_name,
                           &o->cfg.software_version, &o->cfg.hardware_version, &o->cfg.location,
                           &o->cfg.serial_number};
    size_t total = 0;
    for (int i = 0; i < 7; i++) {
        size_t n = strlen(src[i] ? src[i] : "");
        if (n > DNP3_OUTSTATION_ATTR_MAX)
            return DNP3_E_INVALID_ARG;
        total += n + 1;
    }
    o->attr = malloc(total);
    if (!o->attr)
        return DNP3_E_NOMEM;
    o->attr_bytes = (uint32_t)total;
    /* The copies are what the configuration points at from now on. */
    char *p = o->attr;
    for (int i = 0; i < 7; i++) {
        const char *s = src[i] ? src[i] : "";
        size_t n = strlen(s) + 1;
        memcpy(p, s, n);
        *dst[i] = p;
        p += n;
    }
    return DNP3_OK;
}

static int check_config(const dnp3_outstation_config_t *cfg)
{
    /* 249: the smallest fragment (one transport segment's payload) keeps
     * any single object header with one object writable (4.2.2.1). */
    if (cfg->max_tx_fragment < 249 || cfg->max_rx_fragment < 2)
        return DNP3_E_INVALID_ARG;
    if (cfg->command_event_class > DNP3_CLASS_3)
        return DNP3_E_INVALID_ARG;
    if (cfg->unsolicited_classes_at_start & ~DNP3_CLASS_MASK_ALL)
        return DNP3_E_INVALID_ARG;
    return DNP3_OK;
}

int dnp3_outstation_new(const dnp3_outstation_config_t *cfg, dnp3_db_t *db,
                        const dnp3_outstation_callbacks_t *cb, void *ctx, dnp3_outstation_t **out)
{
    if (!cfg || !db || !out)
        return DNP3_E_INVALID_ARG;
    *out = NULL;
    int rc = check_config(cfg);
    if (rc < 0)
        return rc;
    dnp3_outstation_t *o = calloc(1, sizeof *o);
    if (!o)
        return DNP3_E_NOMEM;
    o->cfg = *cfg;
    rc = copy_attrs(o, cfg);
    if (rc < 0) {
        dnp3_outstation_free(o);
        return rc;
    }
    if (cb)
        o->cb = *cb;
    o->ctx = ctx;
    o->db = db;
    /* tx also holds a READ's index lists, a part of the request. */
    o->tx_cap =
        cfg->max_tx_fragment > cfg->max_rx_fragment ? cfg->max_tx_fragment : cfg->max_rx_fragment;
    o->tx = malloc(o->tx_cap);
    if (!o->tx) {
        dnp3_outstation_free(o);
        return DNP3_E_NOMEM;
    }
    /* command_event_capacity is the per-kind capacity of g13 and of g43
     * where the buffer's configuration leaves them open. */
    dnp3_event_buffer_config_t ebc = cfg->events;
    for (int k = DNP3_EV_BINARY_COMMAND; k <= DNP3_EV_ANALOG_COMMAND; k++)
        if (!ebc.type_capacity[k])
            ebc.type_capacity[k] = cfg->command_event_capacity;
    o->cfg.events = ebc;
    rc = dnp3_event_buffer_new(db, &ebc, &o->eb);
    if (rc < 0) {
        dnp3_outstation_free(o);
        return rc;
    }
    o->restart_iin = true;
    o->need_time = cfg->need_time_at_start;
    o->need_time_at = DNP3_TIMESTAMP_NEVER;
    o->uns_enabled = cfg->unsolicited_classes_at_start;
    *out = o;
    return DNP3_OK;
}

void dnp3_outstation_free(dnp3_outstation_t *o)
{
    if (!o)
        return;
    dnp3_event_buffer_free(o->eb);
    free(o->tx);
    free(o->attr);
    free(o);
}

#define APP_IIN_MASK                                                                               \
    (DNP3_IIN_LOCAL_CONTROL | DNP3_IIN_DEVICE_TROUBLE | DNP3_IIN_ALREADY_EXECUTING |               \
     DNP3_IIN_CONFIG_CORRUPT)

int dnp3_outstation_set_iin(dnp3_outstation_t *o, uint16_t mask, bool on)
{
    if (!o || (mask & ~APP_IIN_MASK))
        return DNP3_E_INVALID_ARG;
    if (on)
        o->app_iin |= mask;
    else
        o->app_iin &= (uint16_t)~mask;
    return DNP3_OK;
}

int dnp3_outstation_set_local(dnp3_outstation_t *o, bool local)
{
    if (!o)
        return DNP3_E_INVALID_ARG;
    o->local = local;
    return DNP3_OK;
}

uint16_t dnp3_outstation_iin(const dnp3_outstation_t *o)
{
    return o ? dnp3i_os_iin(o) : 0;
}

const dnp3_event_buffer_t *dnp3_outstation_event_buffer(const dnp3_outstation_t *o)
{
    return o ? o->eb : NULL;
}

size_t dnp3_outstation_memory(const dnp3_outstation_t *o)
{
    if (!o)
        return 0;
    return sizeof *o + o->attr_bytes + o->tx_cap + dnp3_event_buffer_memory(o->eb);
}

int dnp3_outstation_counters(const dnp3_outstation_t *o, dnp3_outstation_counters_t *out)
{
    if (!o || !out)
        return DNP3_E_INVALID_ARG;
    memset(out, 0, sizeof *out);
    const dnp3i_os_counters_t *oc = &o->counters;
    for (unsigned fc = 0; fc < 256; fc++) {
        unsigned k = dnp3i_os_fc_slot((uint8_t)fc);
        if (k != DNP3I_OS_FC_SLOTS - 1)
            out->requests[fc] = oc->requests[k];
    }
    out->requests_other = oc->requests[DNP3I_OS_FC_SLOTS - 1];
    for (unsigned st = 0; st < 128; st++) {
        unsigned k = dnp3i_os_cs_slot((uint8_t)st);
        if (k != DNP3I_OS_CS_SLOTS - 1)
            out->controls[st] = oc->controls[k];
    }
    out->controls_other = oc->controls[DNP3I_OS_CS_SLOTS - 1];
#define COPY_SCALAR(name) out->name = oc->name;
    DNP3I_OS_SCALARS(COPY_SCALAR)
#undef COPY_SCALAR
    /* Command events lost to overflow: the buffer counts them like the others. */
    dnp3_event_buffer_counters_t bc;
    if (dnp3_event_buffer_counters(o->eb, &bc) == DNP3_OK) {
        out->command_events_discarded = 0;
        for (int c = 0; c < 3; c++)
            out->command_events_discarded +=
                bc.discarded[c][DNP3_EV_BINARY_COMMAND] + bc.discarded[c][DNP3_EV_ANALOG_COMMAND];
    }
    return DNP3_OK;
}
