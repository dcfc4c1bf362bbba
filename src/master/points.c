/* Points seen, remembered so that a loss of communication can re-report
 * them with COMM_LOST or as stale instead of leaving them looking fresh.
 *
 * One compact table allocated by _new (12-byte cells, no hash table):
 * entries kept sorted by (type, index), found by binary search. A value
 * is kept exactly in 32 bits when it is an i32, a u32 or a 32-bit float
 * (every integer and 32-bit float variation); a 64-bit float that no
 * 32-bit float equals takes a second cell for its high half. A new point
 * is inserted in place; responses list points in ascending index order
 * type by type, so the insertion is almost always at the end of its
 * type's run and moves little. Each point is added once, so the moving is
 * bounded by the table's size over the association's life. */
#include <float.h>
#include <math.h>
#include <string.h>

#include "master/master_internal.h"

#define SEEN_TYPE  0x0Fu /* dnp3_meas_type_t */
#define SEEN_ENC   0x30u /* how value holds the value: */
#define SEEN_I32   0x00u
#define SEEN_U32   0x10u
#define SEEN_F32   0x20u
#define SEEN_F64   0x30u /* low half here, high half in the next cell */
#define SEEN_FLOAT 0x40u /* a float variation (m->is_float) */
#define SEEN_CONT  0x80u /* the high half of the cell before */

static uint64_t key_of(uint8_t type, uint32_t index)
{
    return ((uint64_t)type << 32) | index;
}

static uint64_t entry_key(const dnp3i_seen_t *s)
{
    return key_of((uint8_t)(s->bits & SEEN_TYPE), s->index);
}

static uint32_t cells_of(const dnp3i_seen_t *s)
{
    return (s->bits & SEEN_ENC) == SEEN_F64 ? 2 : 1;
}

/* The first cell whose key is not below key (n_seen if none): a point's
 * first cell, since its second has the same key. */
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

/* The encoding of v that gives it back bit for bit; *lo and *hi its cells'
 * values (hi only for SEEN_F64). */
static uint8_t encode(double v, bool is_float, uint32_t *lo, uint32_t *hi)
{
    uint64_t bits;
    memcpy(&bits, &v, sizeof bits);
    *lo = (uint32_t)bits;
    *hi = (uint32_t)(bits >> 32);
    if (is_float) {
        if (isfinite(v) && fabs(v) > FLT_MAX)
            return SEEN_F64; /* no float holds it (and converting would be undefined) */
        const float f = (float)v;
        const double back = f;
        uint64_t bb;
        memcpy(&bb, &back, sizeof bb);
        if (bb != bits)
            return SEEN_F64;
        memcpy(lo, &f, sizeof *lo);
        return SEEN_F32;
    }
    /* Integer variations; NaN fails the range test, -0 is kept as a double. */
    if (!(v >= -2147483648.0 && v <= 4294967295.0) || (v == 0 && signbit(v)))
        return SEEN_F64;
    if (v <= 2147483647.0) {
        const int32_t k = (int32_t)v;
        if ((double)k != v)
            return SEEN_F64;
        *lo = (uint32_t)k;
        return SEEN_I32;
    }
    const uint32_t u = (uint32_t)v;
    if ((double)u != v)
        return SEEN_F64;
    *lo = u;
    return SEEN_U32;
}

static double decode(const dnp3i_seen_t *s)
{
    switch (s->bits & SEEN_ENC) {
    case SEEN_I32:
        return (double)(int32_t)s->value;
    case SEEN_U32:
        return (double)s->value;
    case SEEN_F32: {
        float f;
        memcpy(&f, &s->value, sizeof f);
        return f;
    }
    default: {
        const uint64_t bits = ((uint64_t)s[1].value << 32) | s->value;
        double v;
        memcpy(&v, &bits, sizeof v);
        return v;
    }
    }
}

/* add > 0: room for add cells at i; add < 0: the -add cells at i removed. */
static void make_room(dnp3_master_assoc_t *a, uint32_t i, int add)
{
    if (add > 0) {
        memmove(&a->seen[i + (uint32_t)add], &a->seen[i], (a->n_seen - i) * sizeof a->seen[0]);
        a->n_seen += (uint32_t)add;
    } else if (add < 0) {
        const uint32_t r = (uint32_t)-add;
        memmove(&a->seen[i], &a->seen[i + r], (a->n_seen - i - r) * sizeof a->seen[0]);
        a->n_seen -= r;
    }
}

static void untracked(dnp3_master_assoc_t *a)
{
    if (a->counters.untracked_points++ == 0)
        dnp3i_master_log(a, DNP3_LOG_WARN,
                         "more points than comm_lost_max_points (%u): the rest will not be "
                         "re-reported when communication is lost",
                         (unsigned)a->cfg.comm_lost_max_points);
}

static void fill(dnp3i_seen_t *s, const dnp3_measurement_t *m, uint8_t enc, uint32_t lo,
                 uint32_t hi)
{
    const uint8_t type = (uint8_t)((uint8_t)m->type & SEEN_TYPE);
    s->index = m->index;
    s->value = lo;
    s->bits = (uint8_t)(type | enc | (m->is_float ? SEEN_FLOAT : 0));
    s->group = m->group;
    s->variation = m->variation;
    s->flags = m->flags;
    if (enc == SEEN_F64) {
        memset(&s[1], 0, sizeof s[1]);
        s[1].index = m->index;
        s[1].value = hi;
        s[1].bits = (uint8_t)(type | SEEN_CONT);
    }
}

void dnp3i_seen_record(dnp3_master_assoc_t *a, const dnp3_measurement_t *m)
{
    if (!a->seen || a->cfg.comm_lost_mode == DNP3_COMM_LOST_NONE)
        return;
    const uint64_t key = key_of((uint8_t)m->type, m->index);
    uint32_t lo, hi;
    const uint8_t enc = encode(m->value, m->is_float, &lo, &hi);
    const uint32_t need = enc == SEEN_F64 ? 2 : 1;
    /* Responses list points in index order: the cell after the last point
     * recorded is almost always the one, found without a search. */
    uint32_t i = a->seen_hint;
    if (i >= a->n_seen || entry_key(&a->seen[i]) != key || (a->seen[i].bits & SEEN_CONT))
        i = lower_bound(a, key);
    uint32_t have = 0;
    if (i < a->n_seen && entry_key(&a->seen[i]) == key)
        have = cells_of(&a->seen[i]);
    if (need > have && a->n_seen + (need - have) > a->cfg.comm_lost_max_points) {
        /* No room (a new point, or one whose value now needs a second
         * cell): not remembered, like any point beyond the table. */
        if (have)
            make_room(a, i, -(int)have);
        untracked(a);
        return;
    }
    /* more cells after the point's, or fewer: its second one goes */
    make_room(a, i + (need < have ? need : have), (int)need - (int)have);
    fill(&a->seen[i], m, enc, lo, hi);
    a->seen_hint = i + need;
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
    for (uint32_t i = 0; i < a->n_seen && a->cb.on_measurement; i += cells_of(&a->seen[i])) {
        const dnp3i_seen_t *s = &a->seen[i];
        dnp3_measurement_t m = {0};
        m.type = (dnp3_meas_type_t)(s->bits & SEEN_TYPE);
        m.group = s->group;
        m.variation = s->variation;
        m.index = s->index;
        m.value = decode(s);
        m.is_float = (s->bits & SEEN_FLOAT) != 0;
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
