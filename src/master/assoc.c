/* Master association: configuration, creation, names, counters, logging. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "master/master_internal.h"

void dnp3_master_config_default(dnp3_master_config_t *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->master_address = 1;
    cfg->outstation_address = 10;
    cfg->response_timeout_ms = 5000;
    cfg->task_retry_ms = 5000;
    cfg->task_retry_max_ms = 60000;
    cfg->startup_disable_unsolicited = true;
    cfg->startup_integrity_poll = true;
    cfg->clear_restart = true;
    cfg->integrity_on_overflow = true;
    cfg->event_poll_on_iin = DNP3_MASTER_CLASS_1 | DNP3_MASTER_CLASS_2 | DNP3_MASTER_CLASS_3;
    cfg->time_sync_on_need_time = DNP3_TIME_SYNC_NONE;
    cfg->select_timeout_ms = 5000;
    cfg->max_command_points = 32;
    cfg->max_queued_tasks = 16;
    cfg->max_queued_bytes = 4096;
    cfg->comm_lost_mode = DNP3_COMM_LOST_FLAG;
    cfg->comm_lost_max_points = 256;
    cfg->max_rx_fragment = 2048;
    cfg->max_tx_fragment = 2048;
    cfg->log_level = DNP3_LOG_INFO;
}

/* Link addresses 0xFFF0..0xFFFF are reserved (clause 9). */
static bool config_valid(const dnp3_master_config_t *c)
{
    if (c->master_address == c->outstation_address || c->master_address > 0xFFEF ||
        c->outstation_address > 0xFFEF)
        return false;
    if (c->max_tx_fragment < 249 || c->max_tx_fragment > 65535 || c->response_timeout_ms == 0)
        return false;
    if (c->max_rx_fragment < 4 || c->max_command_points == 0 || c->max_queued_tasks == 0 ||
        c->max_queued_bytes > UINT32_MAX)
        return false;
    if (c->pool && c->max_tx_fragment > c->pool->scratch_len)
        return false;
    if (c->n_range_scans && !c->range_scans)
        return false;
    for (size_t i = 0; i < c->n_range_scans; i++)
        if (c->range_scans[i].stop < c->range_scans[i].start || c->range_scans[i].group == 0)
            return false;
    return (unsigned)c->comm_lost_mode <= DNP3_COMM_LOST_STALE &&
           (unsigned)c->time_sync_on_need_time <= DNP3_TIME_SYNC_NON_LAN;
}

/* The bytes of each table _new allocates with the association, in one
 * block, from the configuration (one place, so that
 * dnp3_master_assoc_memory is what is really allocated). The 8-byte
 * aligned tables come first (ranges, then the 4-byte aligned comm-lost
 * table), the byte arrays last: no padding. */
typedef struct table_sizes {
    size_t ranges, seen, statuses, held;
} table_sizes_t;

static table_sizes_t sizes_of(const dnp3_master_config_t *c)
{
    table_sizes_t z;
    /* No comm-lost reports: nothing to remember. */
    z.seen = c->comm_lost_mode == DNP3_COMM_LOST_NONE
                 ? 0
                 : (size_t)c->comm_lost_max_points * sizeof(dnp3i_seen_t);
    z.ranges = c->n_range_scans * sizeof(dnp3i_range_t);
    z.statuses = c->max_command_points;
    z.held = c->confirm_first ? c->max_rx_fragment : 0;
    return z;
}

static size_t block_size(const table_sizes_t *z)
{
    return sizeof(struct dnp3_master_assoc) + z->seen + z->ranges + z->statuses + z->held;
}

/* The tables in the block after the record; the queue's pool: the shared
 * one, or an own one sized by this association's caps. */
static int attach_tables(dnp3_master_assoc_t *a)
{
    const table_sizes_t z = sizes_of(&a->cfg);
    uint8_t *p = (uint8_t *)(a + 1);
    a->ranges = (dnp3i_range_t *)(void *)p;
    p += z.ranges;
    a->seen = z.seen ? (dnp3i_seen_t *)(void *)p : NULL;
    p += z.seen;
    a->statuses = p;
    p += z.statuses;
    a->held = z.held ? p : NULL;
    if (!a->pool) {
        a->pool = dnp3i_pool_create(a->cfg.max_queued_tasks, a->cfg.max_queued_bytes,
                                    a->cfg.max_tx_fragment);
        if (!a->pool)
            return DNP3_E_NOMEM;
        a->own_pool = true;
    }
    a->pool->n_assocs++;
    return DNP3_OK;
}

size_t dnp3_master_assoc_memory(const dnp3_master_assoc_t *a)
{
    if (!a)
        return 0;
    const table_sizes_t z = sizes_of(&a->cfg);
    return block_size(&z) + (a->own_pool ? a->pool->memory : 0);
}

int dnp3_master_assoc_new(const dnp3_master_config_t *cfg, const dnp3_master_callbacks_t *callbacks,
                          void *ctx, dnp3_master_assoc_t **out)
{
    if (!cfg || !out)
        return DNP3_E_INVALID_ARG;
    *out = NULL;
    if (!config_valid(cfg))
        return DNP3_E_INVALID_ARG;
    const table_sizes_t z = sizes_of(cfg);
    dnp3_master_assoc_t *a = calloc(1, block_size(&z));
    if (!a)
        return DNP3_E_NOMEM;
    a->cfg = *cfg;
    a->cfg.range_scans = NULL;
    a->n_ranges = cfg->n_range_scans;
    if (callbacks)
        a->cb = *callbacks;
    a->ctx = ctx;
    a->pool = cfg->pool;
    a->q_head = DNP3I_NIL;
    if (attach_tables(a) != DNP3_OK) {
        dnp3_master_assoc_free(a);
        return DNP3_E_NOMEM;
    }
    for (size_t i = 0; i < a->n_ranges; i++) {
        a->ranges[i].cfg = cfg->range_scans[i];
        a->ranges[i].due = DNP3_TIMESTAMP_NEVER;
    }
    a->integrity_due = DNP3_TIMESTAMP_NEVER;
    for (int i = 0; i < 3; i++)
        a->class_due[i] = DNP3_TIMESTAMP_NEVER;
    a->next_id = 1;
    a->health.state = DNP3_MASTER_IDLE;
    *out = a;
    return DNP3_OK;
}

void dnp3_master_assoc_free(dnp3_master_assoc_t *a)
{
    if (!a)
        return;
    if (a->pool) { /* attached: attach_tables counted it in n_assocs */
        if (a->cur.active && a->cur.source == DNP3I_SRC_USER)
            dnp3i_finish(a, a->now, DNP3_MASTER_CANCELLED);
        dnp3i_queue_fail_all(a, DNP3_MASTER_CANCELLED);
        a->pool->n_assocs--;
    }
    if (a->own_pool)
        dnp3_master_pool_free(a->pool);
    free(a);
}

void dnp3_master_assoc_set_utc(dnp3_master_assoc_t *a, dnp3_timestamp_t mono, dnp3_time_t utc)
{
    if (!a)
        return;
    a->have_utc_anchor = true;
    a->utc_mono = mono;
    a->utc_anchor = utc;
}

bool dnp3i_master_utc(dnp3_master_assoc_t *a, dnp3_timestamp_t now, dnp3_time_t *out)
{
    if (a->cb.utc_now) {
        *out = a->cb.utc_now(a->ctx, now) & DNP3_TIME_MAX;
        return true;
    }
    if (!a->have_utc_anchor)
        return false;
    /* Monotonic time before the anchor: count back (never below 0). */
    if (now >= a->utc_mono)
        *out = (a->utc_anchor + (now - a->utc_mono)) & DNP3_TIME_MAX;
    else
        *out = a->utc_mono - now > a->utc_anchor ? 0 : a->utc_anchor - (a->utc_mono - now);
    return true;
}

dnp3_master_health_t dnp3_master_assoc_health(const dnp3_master_assoc_t *a)
{
    dnp3_master_health_t h = {DNP3_MASTER_IDLE, DNP3_MASTER_REASON_NONE, 0};
    return a ? a->health : h;
}

uint16_t dnp3_master_assoc_iin(const dnp3_master_assoc_t *a)
{
    return a ? a->iin : 0;
}

const dnp3_master_config_t *dnp3_master_assoc_config(const dnp3_master_assoc_t *a)
{
    return a ? &a->cfg : NULL;
}

int dnp3_master_assoc_counters(const dnp3_master_assoc_t *a, dnp3_master_counters_t *out)
{
    if (!a || !out)
        return DNP3_E_INVALID_ARG;
    *out = a->counters;
    return DNP3_OK;
}

void dnp3i_master_log_line(dnp3_master_assoc_t *a, dnp3_log_level_t level, const char *fmt, ...)
{
    char msg[320]; /* the longest: a response timeout with its silence hint */
    int n = snprintf(msg, sizeof msg, "assoc %u->%u: ", (unsigned)a->cfg.master_address,
                     (unsigned)a->cfg.outstation_address);
    if (n < 0 || (size_t)n >= sizeof msg)
        n = 0;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    a->cb.on_log(a->ctx, level, msg);
}

/* ---- names ------------------------------------------------------------------ */

const char *dnp3_meas_type_name(dnp3_meas_type_t type)
{
    static const char *const names[DNP3_MEAS_COUNT_] = {"binary_input",
                                                        "double_bit_input",
                                                        "binary_output_status",
                                                        "binary_output_command_event",
                                                        "counter",
                                                        "frozen_counter",
                                                        "analog_input",
                                                        "analog_output_status",
                                                        "analog_output_command_event",
                                                        "octet_string"};
    return (unsigned)type < DNP3_MEAS_COUNT_ ? names[type] : NULL;
}

const char *dnp3_master_result_name(dnp3_master_result_t r)
{
    static const char *const names[] = {
        "SUCCESS", "REFUSED",   "TIMEOUT",   "RESPONSE_ERROR", "SELECT_MISMATCH", "IIN2_ERROR",
        "SENT",    "LINK_DOWN", "TX_FAILED", "NO_CLOCK",       "CANCELLED"};
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : NULL;
}

const char *dnp3_task_kind_name(dnp3_task_kind_t kind)
{
    static const char *const names[DNP3_TASK_KIND_COUNT_] = {
        "integrity",       "event_poll", "range_scan", "disable_unsol", "enable_unsol",
        "clear_restart",   "time_sync",  "restart",    "freeze",        "assign_class",
        "write_deadbands", "attributes", "command",    "request"};
    return (unsigned)kind < DNP3_TASK_KIND_COUNT_ ? names[kind] : NULL;
}

const char *dnp3_master_state_name(dnp3_master_state_t s)
{
    static const char *const names[] = {"idle", "connecting", "connected", "polling", "failed"};
    return (unsigned)s < sizeof names / sizeof names[0] ? names[s] : NULL;
}

const char *dnp3_master_reason_name(dnp3_master_reason_t r)
{
    static const char *const names[] = {"none", "connect_failed", "link_down", "response_timeout",
                                        "bad_response"};
    return (unsigned)r < sizeof names / sizeof names[0] ? names[r] : NULL;
}
