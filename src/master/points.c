/* Points seen, remembered so that a loss of communication can re-report
 * them with COMM_LOST or as stale instead of leaving them looking fresh.
 *
 * One compact table allocated by _new (16 bytes a point, no hash table):
 * entries kept sorted by (type, index), found by binary search. A new
 * point is inserted in place; responses list points in ascending index
 * order type by type, so the insertion is almost always at the end of its
 * type's run and moves little. Each point is added once, so the moving is
 * bounded by the table's size over the association's life. */
#include <string.h>

#include "master/master_internal.h"

#define SEEN_FLOAT 0x80u /* in type_bits: a float variation */

static uint64_t key_of(uint8_t type, uint32_t index)
{
    return ((uint64_t)type << 32) | index;
}

static uint64_t entry_key(const dnp3i_seen_t *s)
{
    return key_of((uint8_t)(s->type_bits & ~SEEN_FLOAT), s->index);
}

/* The first entry whose key is not below key (n_seen if none). */
static uint32_t lower_bound(const dnp3_master_assoc_t *a, uint64_t key)
{
    uint32_t lo = 0, hi = a->n_seen;
    while (lo < hi) {
        uint32_t mid = lo + (hi - lo) / 2;
        if (entry_key(&a->seen[mid]) < key)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}

static void fill(dnp3i_seen_t *s, const dnp3_measurement_t *m)
{
    s->index = m->index;
    s->type_bits = (uint8_t)((uint8_t)m->type | (m->is_float ? SEEN_FLOAT : 0));
    s->group = m->group;
    s->variation = m->variation;
    s->flags = m->flags;
    s->value = m->value;
}

void dnp3i_seen_record(dnp3_master_assoc_t *a, const dnp3_measurement_t *m)
{
    if (!a->seen || a->cfg.comm_lost_mode == DNP3_COMM_LOST_NONE)
        return;
    const uint64_t key = key_of((uint8_t)m->type, m->index);
    /* Responses list points in index order: the entry after the last one
     * recorded is almost always the one, found without a search. */
    uint32_t i = a->seen_hint;
    if (i >= a->n_seen || entry_key(&a->seen[i]) != key)
        i = lower_bound(a, key);
    if (i < a->n_seen && entry_key(&a->seen[i]) == key) {
        fill(&a->seen[i], m);
        a->seen_hint = i + 1;
        return;
    }
    if (a->n_seen >= a->cfg.comm_lost_max_points) {
        if (a->counters.untracked_points++ == 0)
            dnp3i_master_log(a, DNP3_LOG_WARN,
                             "more points than comm_lost_max_points (%u): the rest will not be "
                             "re-reported when communication is lost",
                             (unsigned)a->cfg.comm_lost_max_points);
        return;
    }
    memmove(&a->seen[i + 1], &a->seen[i], (a->n_seen - i) * sizeof a->seen[0]);
    fill(&a->seen[i], m);
    a->n_seen++;
    a->seen_hint = i + 1;
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
        m.type = (dnp3_meas_type_t)(s->type_bits & ~SEEN_FLOAT);
        m.group = s->group;
        m.variation = s->variation;
        m.index = s->index;
        m.value = s->value;
        m.is_float = (s->type_bits & SEEN_FLOAT) != 0;
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
