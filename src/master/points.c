/* Points seen, remembered (in first-seen order) so that a loss of
 * communication can re-report them with COMM_LOST or as stale instead of
 * leaving them looking fresh. Open addressing over a table allocated by
 * _new; no allocation here. */
#include "master/master_internal.h"

static uint32_t key_hash(uint8_t type, uint32_t index)
{
    uint64_t k = ((uint64_t)type << 32) | index;
    k *= 0x9E3779B97F4A7C15ull;
    return (uint32_t)(k >> 32);
}

void dnp3i_seen_record(dnp3_master_assoc_t *a, const dnp3_measurement_t *m)
{
    if (!a->seen || a->cfg.comm_lost_mode == DNP3_COMM_LOST_NONE)
        return;
    uint32_t h = key_hash((uint8_t)m->type, m->index) & a->seen_mask;
    for (;;) {
        uint32_t e = a->seen_hash[h];
        if (e == 0)
            break;
        dnp3i_seen_t *s = &a->seen[e - 1];
        if (s->type == m->type && s->index == m->index) {
            s->group = m->group;
            s->variation = m->variation;
            s->flags = m->flags;
            s->value = m->value;
            s->is_float = m->is_float;
            return;
        }
        h = (h + 1) & a->seen_mask;
    }
    if (a->n_seen >= a->cfg.comm_lost_max_points) {
        a->counters.untracked_points++;
        return;
    }
    dnp3i_seen_t *s = &a->seen[a->n_seen];
    s->type = (uint8_t)m->type;
    s->index = m->index;
    s->group = m->group;
    s->variation = m->variation;
    s->flags = m->flags;
    s->value = m->value;
    s->is_float = m->is_float;
    a->seen_hash[h] = ++a->n_seen;
}

void dnp3i_seen_report_lost(dnp3_master_assoc_t *a)
{
    if (a->cfg.comm_lost_mode == DNP3_COMM_LOST_NONE || a->comm_lost_reported || a->n_seen == 0)
        return;
    a->comm_lost_reported = true;
    dnp3_master_rx_info_t info = {0};
    info.kind = DNP3_TASK_KIND_COUNT_;
    if (a->cb.on_fragment_begin)
        a->cb.on_fragment_begin(a->ctx, &info);
    for (uint32_t i = 0; i < a->n_seen && a->cb.on_measurement; i++) {
        const dnp3i_seen_t *s = &a->seen[i];
        dnp3_measurement_t m = {0};
        m.type = (dnp3_meas_type_t)s->type;
        m.group = s->group;
        m.variation = s->variation;
        m.index = s->index;
        m.value = s->value;
        m.is_float = s->is_float;
        m.flags = s->flags;
        if (a->cfg.comm_lost_mode == DNP3_COMM_LOST_FLAG)
            m.flags = (uint8_t)((m.flags | DNP3_FLAG_COMM_LOST) & ~DNP3_FLAG_ONLINE);
        m.has_flags = true;
        m.stale = true;
        a->cb.on_measurement(a->ctx, &m);
    }
    if (a->cb.on_fragment_end)
        a->cb.on_fragment_end(a->ctx, &info);
}
