/* Fuzz the outstation database and its event buffers: random updates,
 * batches, freezes, class changes, and for two buffers random selects,
 * writes, confirms, confirm timeouts and reconnects.
 *
 * Input: byte 0..5 configure (class capacities of buffer 0 and 1, per-type
 * capacity of analogs and of both command kinds, policies, event modes);
 * then a stream of operations (updates, freezes, batches, command events
 * (g13/g43) recorded between them, buffer steps),
 * each an opcode byte followed by the bytes it reads (missing bytes are 0).
 *
 * Invariants checked after every operation:
 *  - count conservation per buffer, class and type: added == confirmed +
 *    held + discarded + superseded, and the held sum equals the class count;
 *  - every event the database made for a class went to each buffer (added
 *    grows by exactly the events made since the buffer joined);
 *  - confirmed totals equal what the confirms returned; discards only ever
 *    happen with the overflow flag set;
 *  - held <= class capacity, unwritten <= held;
 *  - a selection is in strictly increasing sequence order (also when
 *    several selects add up) and takes the oldest: when a select of every
 *    type stops short of max, no unwritten event of its classes is left;
 *  - the buffer agrees with a naive reference model of the documented rules
 *    (fed the exact events the database made, read through a third, observer
 *    buffer): counts, discarded and superseded counters per class and type,
 *    the overflow flag, every selection entry, every write/confirm/unwrite
 *    result. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "dnp3/database.h"
#include "fuzz_check.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NPOINTS 3
#define NBUF    2

/* ---- reference model -------------------------------------------------------
 * A second, deliberately naive implementation of the documented buffer rules
 * (arrays and linear scans), fed the exact events the database made: an
 * observer buffer is drained after every operation. The real buffer must
 * agree with it on counts, counters, the overflow flag and every selection. */
#define MAXM 64

enum { M_UNWRITTEN = 1, M_SELECTED, M_WRITTEN };

typedef struct mev {
    uint64_t seq;
    uint32_t index;
    uint8_t cls, type, state, key;
} mev_t;

typedef struct model {
    mev_t ev[MAXM]; /* held events in SOE order */
    uint32_t n;
    uint64_t sel[MAXM]; /* selection (seq; 0 = left through overflow) */
    uint32_t nsel;
    uint64_t latest[DNP3_PT_COUNT_][NPOINTS]; /* seq of the newest unwritten, 0 none */
    uint32_t cap[3], tcap[DNP3_EV_TYPE_COUNT_];
    uint8_t policy;
    bool every_change;
    bool overflow;
    uint64_t discarded[3][DNP3_EV_TYPE_COUNT_], superseded[3][DNP3_EV_TYPE_COUNT_];
} model_t;

/* Command events have no point: never superseded, no latest entry. */
static uint64_t *m_latest(model_t *m, uint8_t type, uint32_t index)
{
    static uint64_t none;
    if (type >= DNP3_PT_COUNT_) {
        none = 0;
        return &none;
    }
    CHECK(index < NPOINTS);
    return &m->latest[type][index];
}

static uint32_t m_find(const model_t *m, uint64_t seq)
{
    for (uint32_t i = 0; i < m->n; i++)
        if (m->ev[i].seq == seq)
            return i;
    CHECK(0);
    return 0;
}

static void m_remove(model_t *m, uint32_t i, uint64_t (*why)[DNP3_EV_TYPE_COUNT_])
{
    mev_t e = m->ev[i];
    if (why)
        why[e.cls - 1][e.type]++;
    for (uint32_t k = 0; k < m->nsel; k++)
        if (m->sel[k] == e.seq)
            m->sel[k] = 0;
    if (*m_latest(m, e.type, e.index) == e.seq)
        *m_latest(m, e.type, e.index) = 0;
    memmove(&m->ev[i], &m->ev[i + 1], (m->n - i - 1) * sizeof m->ev[0]);
    m->n--;
}

static void m_unwrite(model_t *m, mev_t *e)
{
    e->state = M_UNWRITTEN;
    uint64_t *latest = m_latest(m, e->type, e->index);
    if (*latest < e->seq)
        *latest = e->seq;
}

static uint32_t m_count(const model_t *m, int cls, int type, bool unwritten)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->n; i++)
        if ((cls < 0 || m->ev[i].cls == cls) && (type < 0 || m->ev[i].type == type) &&
            (!unwritten || m->ev[i].state == M_UNWRITTEN))
            n++;
    return n;
}

static int m_oldest(const model_t *m, int cls, int type)
{
    for (uint32_t i = 0; i < m->n; i++)
        if ((cls < 0 || m->ev[i].cls == cls) && (type < 0 || m->ev[i].type == type))
            return (int)i;
    return -1;
}

static void m_offer(model_t *m, const dnp3_event_t *ev, bool most_recent)
{
    unsigned c = ev->event_class - 1u, t = ev->type;
    uint64_t *latest = m_latest(m, (uint8_t)t, ev->index);
    if (most_recent && !m->every_change && *latest)
        m_remove(m, m_find(m, *latest), m->superseded);
    latest = m_latest(m, (uint8_t)t, ev->index);
    bool class_full = m_count(m, (int)c + 1, -1, false) >= m->cap[c];
    bool type_full = m->tcap[t] && m_count(m, -1, (int)t, false) >= m->tcap[t];
    if (class_full || type_full) {
        m->overflow = true;
        if (m->policy == DNP3_OVERFLOW_DISCARD_NEWEST ||
            (class_full && m_oldest(m, (int)c + 1, -1) < 0)) {
            m->discarded[c][t]++;
            return;
        }
        if (class_full)
            m_remove(m, (uint32_t)m_oldest(m, (int)c + 1, -1), m->discarded);
        if (type_full && m_count(m, -1, (int)t, false) >= m->tcap[t])
            m_remove(m, (uint32_t)m_oldest(m, -1, (int)t), m->discarded);
    }
    CHECK(m->n < MAXM);
    m->ev[m->n++] = (mev_t){ev->seq, ev->index, ev->event_class, (uint8_t)t, M_UNWRITTEN, 0};
    *latest = ev->seq;
}

static void m_select(model_t *m, uint8_t mask, uint16_t tmask, uint32_t max)
{
    uint32_t k = 0;
    for (uint32_t i = 0; i < m->nsel; i++)
        if (m->sel[i])
            m->sel[k++] = m->sel[i];
    m->nsel = k;
    uint32_t added = 0;
    for (uint32_t i = 0; i < m->n && added < max; i++) {
        mev_t *e = &m->ev[i];
        if (e->state != M_UNWRITTEN || !((mask >> (e->cls - 1)) & 1u) || !((tmask >> e->type) & 1u))
            continue;
        e->state = M_SELECTED;
        if (*m_latest(m, e->type, e->index) == e->seq)
            *m_latest(m, e->type, e->index) = 0;
        /* insert in seq order */
        uint32_t j = m->nsel++;
        while (j > 0 && m->sel[j - 1] > e->seq) {
            m->sel[j] = m->sel[j - 1];
            j--;
        }
        m->sel[j] = e->seq;
        added++;
    }
}

static uint32_t m_write(model_t *m, uint32_t n, uint8_t key)
{
    uint32_t written = 0;
    for (uint32_t i = 0; i < m->nsel; i++) {
        if (!m->sel[i])
            continue;
        mev_t *e = &m->ev[m_find(m, m->sel[i])];
        if (i < n) {
            e->state = M_WRITTEN;
            e->key = key;
            written++;
        } else {
            m_unwrite(m, e);
        }
    }
    m->nsel = 0;
    return written;
}

static uint32_t m_confirm(model_t *m, uint8_t key)
{
    uint32_t n = 0;
    for (uint32_t i = m->n; i-- > 0;) {
        if (m->ev[i].state == M_WRITTEN && m->ev[i].key == key) {
            m_remove(m, i, NULL);
            n++;
        }
    }
    return n;
}

static uint32_t m_unwrite_key(model_t *m, uint8_t key, bool all)
{
    uint32_t n = 0;
    for (uint32_t i = 0; i < m->n; i++) {
        mev_t *e = &m->ev[i];
        if ((e->state == M_WRITTEN && (all || e->key == key)) || (all && e->state == M_SELECTED)) {
            m_unwrite(m, e);
            n++;
        }
    }
    if (all)
        m->nsel = 0;
    return n;
}

static void m_check(const model_t *m, const dnp3_event_buffer_t *b)
{
    dnp3_event_buffer_counters_t c;
    CHECK(dnp3_event_buffer_counters(b, &c) == 0);
    for (unsigned k = 0; k < 3; k++) {
        CHECK(dnp3_event_buffer_count(b, (uint8_t)(k + 1), false) ==
              m_count(m, (int)k + 1, -1, false));
        CHECK(dnp3_event_buffer_count(b, (uint8_t)(k + 1), true) ==
              m_count(m, (int)k + 1, -1, true));
        for (unsigned t = 0; t < DNP3_EV_TYPE_COUNT_; t++) {
            CHECK(c.discarded[k][t] == m->discarded[k][t]);
            CHECK(c.superseded[k][t] == m->superseded[k][t]);
        }
    }
    CHECK(dnp3_event_buffer_overflow(b) == m->overflow);
    CHECK(dnp3_event_buffer_selected_count(b) == m->nsel);
    for (uint32_t i = 0; i < m->nsel; i++) {
        dnp3_event_t ev;
        int rc = dnp3_event_buffer_selected(b, i, &ev);
        CHECK(m->sel[i] ? rc == 0 && ev.seq == m->sel[i] : rc == DNP3_E_STATE);
    }
}

typedef struct shadow {
    dnp3_event_buffer_t *b;
    uint32_t cap[3];
    uint64_t confirmed; /* sum of confirm() returns */
    uint64_t discarded; /* as last seen */
    uint64_t written;   /* sum of write() returns */
    model_t m;
} shadow_t;

typedef struct world {
    dnp3_db_t *db;
    dnp3_event_buffer_t *observer; /* drained after every operation */
    shadow_t s[NBUF];
    uint64_t made; /* events made (db counters); every buffer joined before the first */
} world_t;

static uint64_t sum_events(const dnp3_db_t *db)
{
    dnp3_db_counters_t c;
    CHECK(dnp3_db_counters(db, &c) == 0);
    uint64_t n = 0;
    for (unsigned t = 0; t < DNP3_EV_TYPE_COUNT_; t++)
        n += c.events[t];
    return n;
}

static void check_buffer(world_t *w, shadow_t *s)
{
    dnp3_event_buffer_counters_t c;
    CHECK(dnp3_event_buffer_counters(s->b, &c) == 0);
    uint64_t added = 0, confirmed = 0, discarded = 0;
    for (unsigned k = 0; k < 3; k++) {
        uint64_t held = 0;
        for (unsigned t = 0; t < DNP3_EV_TYPE_COUNT_; t++) {
            CHECK(c.added[k][t] ==
                  c.confirmed[k][t] + c.held[k][t] + c.discarded[k][t] + c.superseded[k][t]);
            held += c.held[k][t];
            added += c.added[k][t];
            confirmed += c.confirmed[k][t];
            discarded += c.discarded[k][t];
        }
        uint32_t all = dnp3_event_buffer_count(s->b, (uint8_t)(k + 1), false);
        CHECK(held == all);
        CHECK(all <= s->cap[k]);
        CHECK(dnp3_event_buffer_count(s->b, (uint8_t)(k + 1), true) <= all);
    }
    CHECK(added == w->made);
    CHECK(confirmed == s->confirmed);
    CHECK(c.written == s->written);
    if (discarded != s->discarded)
        CHECK(dnp3_event_buffer_overflow(s->b));
    s->discarded = discarded;
}

static void do_select(shadow_t *s, input_t *in)
{
    uint8_t mask = input_next(in) & 7u;
    uint16_t tmask = input_next(in);
    uint32_t max = input_next(in) % 12u;
    tmask = (uint16_t)(tmask | (input_next(in) & 3u) << DNP3_EV_BINARY_COMMAND); /* g13, g43 */
    if (tmask & 1u)
        tmask = DNP3_TYPE_MASK_ALL;
    m_select(&s->m, mask, tmask, max);
    uint32_t before = 0, after = 0;
    for (unsigned k = 0; k < 3; k++)
        before += dnp3_event_buffer_count(s->b, (uint8_t)(k + 1), true);
    int n = dnp3_event_buffer_select(s->b, mask, tmask, max);
    CHECK(n >= 0 && (uint32_t)n <= max);
    for (unsigned k = 0; k < 3; k++) {
        uint32_t left = dnp3_event_buffer_count(s->b, (uint8_t)(k + 1), true);
        /* Oldest first and as many as asked: stopping short means none left. */
        if ((mask & (1u << k)) && tmask == DNP3_TYPE_MASK_ALL && (uint32_t)n < max)
            CHECK(left == 0);
        after += left;
    }
    CHECK(before - after == (uint32_t)n);
    /* The whole selection (earlier selects included) is in SOE order. */
    uint64_t last = 0;
    for (uint32_t i = 0; i < dnp3_event_buffer_selected_count(s->b); i++) {
        dnp3_event_t ev;
        int rc = dnp3_event_buffer_selected(s->b, i, &ev);
        CHECK(rc == 0 || rc == DNP3_E_STATE);
        if (rc < 0)
            continue;
        CHECK(ev.seq > last);
        last = ev.seq;
        CHECK(ev.event_class >= 1 && ev.event_class <= 3);
        CHECK((unsigned)ev.type < DNP3_EV_TYPE_COUNT_ && ev.index < NPOINTS + 1u);
        if (ev.type >= DNP3_EV_BINARY_COMMAND)
            CHECK(ev.flags == 0 && ev.status < 128);
        else
            CHECK(ev.status == 0 && ev.index < NPOINTS);
    }
}

static void buffer_op(world_t *w, uint8_t op, input_t *in)
{
    shadow_t *s = &w->s[input_next(in) % NBUF];
    uint8_t arg = input_next(in);
    uint8_t seq = arg & 15u;
    bool uns = (arg & 16u) != 0;
    uint8_t key = arg & 31u;
    uint32_t n;
    int rc;
    switch (op) {
    case 0:
        do_select(s, in);
        break;
    case 1:
        n = input_next(in) % 6u;
        rc = dnp3_event_buffer_write(s->b, n, seq, uns);
        if (n > s->m.nsel) {
            CHECK(rc == DNP3_E_INVALID_ARG);
            break;
        }
        CHECK(rc >= 0 && (uint32_t)rc == m_write(&s->m, n, key));
        s->written += (uint64_t)rc;
        break;
    case 2:
        rc = dnp3_event_buffer_confirm(s->b, seq, uns);
        CHECK(rc >= 0 && (uint32_t)rc == m_confirm(&s->m, key));
        s->confirmed += (uint64_t)rc;
        break;
    case 3:
        rc = dnp3_event_buffer_unwrite(s->b, seq, uns);
        CHECK(rc >= 0 && (uint32_t)rc == m_unwrite_key(&s->m, key, false));
        break;
    case 4:
        rc = dnp3_event_buffer_unwrite_all(s->b);
        CHECK(rc >= 0 && (uint32_t)rc == m_unwrite_key(&s->m, 0, true));
        break;
    default:
        dnp3_event_buffer_clear_overflow(s->b);
        s->m.overflow = false;
        break;
    }
}

/* A control carried out: a g13 or g43 event, between the point events (in
 * or out of a batch); class 0, a bad variation or status are rejected. */
static void record_command(world_t *w, uint32_t i, uint8_t v, uint8_t flags, dnp3_time_t t)
{
    dnp3_event_t ev = {
        .type = (v & 1u) ? DNP3_EV_ANALOG_COMMAND : DNP3_EV_BINARY_COMMAND,
        .index = i,
        .event_class = flags & 3u,
        .variation = (uint8_t)((flags >> 2) % 10u),
        .status = (uint8_t)(v >> 1 | (flags & 0x80u)),
        .time = t,
    };
    if (ev.type == DNP3_EV_BINARY_COMMAND)
        ev.value.binary = (v & 2u) != 0;
    else
        ev.value.analog = (double)v - 100.0;
    uint64_t before = sum_events(w->db);
    int rc = dnp3_db_record_command_event(w->db, &ev);
    bool ok = ev.event_class != 0 && ev.status < 128 &&
              (ev.variation <= (ev.type == DNP3_EV_BINARY_COMMAND ? 2u : 8u));
    CHECK(ok ? rc == 1 : rc == DNP3_E_INVALID_ARG);
    CHECK(sum_events(w->db) == before + (ok ? 1u : 0u));
}

static void update_op(world_t *w, uint8_t op, input_t *in)
{
    uint32_t i = input_next(in) % (NPOINTS + 1u); /* NPOINTS: an invalid index */
    uint8_t v = input_next(in), flags = input_next(in);
    dnp3_time_t t = (dnp3_time_t)input_next(in) << 8;
    static const double analogs[] = {0, 0.5, 1, 1.5, -3, 1e308, -1e308, INFINITY, NAN};
    double a = analogs[v % (sizeof analogs / sizeof analogs[0])];
    uint8_t octets[4] = {v, flags, v, flags};
    switch (op) {
    case 0:
        (void)dnp3_db_update_binary(w->db, i, v & 1u, flags, t);
        break;
    case 1:
        (void)dnp3_db_update_double_bit(w->db, i, v % 5u, flags, t);
        break;
    case 2:
        (void)dnp3_db_update_binary_output(w->db, i, v & 1u, flags, t);
        break;
    case 3:
        (void)dnp3_db_update_counter(w->db, i, (uint32_t)v - 128u, flags, t);
        break;
    case 4:
        (void)dnp3_db_update_frozen_counter(w->db, i, v, flags, t);
        break;
    case 5:
        (void)dnp3_db_update_analog(w->db, i, a, flags, t);
        break;
    case 6:
        (void)dnp3_db_update_analog_output(w->db, i, a, flags, t);
        break;
    case 7:
        (void)dnp3_db_update_octet_string(w->db, i, octets, v % 6u, flags, t);
        break;
    case 8:
        (void)dnp3_db_freeze(w->db, i, i + (v & 3u), flags & 1u, t);
        break;
    case 9:
        (void)dnp3_db_begin(w->db);
        break;
    case 10:
        (void)dnp3_db_commit(w->db);
        break;
    case 11:
        (void)dnp3_db_abort(w->db);
        break;
    case 14:
        record_command(w, i, v, flags, t);
        break;
    case 12:
        (void)dnp3_db_assign_class(w->db, (dnp3_point_type_t)(v % DNP3_PT_COUNT_), i,
                                   i + (flags & 1u), flags >> 6);
        break;
    default:
        (void)dnp3_db_set_deadband(w->db, (dnp3_point_type_t)(v % DNP3_PT_COUNT_), i,
                                   (double)(flags & 3u));
        break;
    }
}

/* Hand the events the last operation made, in SOE order, to the models. */
static void drain(world_t *w)
{
    for (;;) {
        int n =
            dnp3_event_buffer_select(w->observer, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL, 1000);
        CHECK(n >= 0);
        if (n == 0)
            break;
        for (uint32_t i = 0; i < (uint32_t)n; i++) {
            dnp3_event_t ev;
            dnp3_db_point_t p;
            bool most_recent = false; /* command events: always every one */
            CHECK(dnp3_event_buffer_selected(w->observer, i, &ev) == 0);
            if (ev.type < DNP3_PT_COUNT_) {
                CHECK(dnp3_db_read(w->db, ev.type, ev.index, &p) == 0);
                most_recent = p.config.event_mode == DNP3_EVENT_MODE_MOST_RECENT;
            }
            for (unsigned k = 0; k < NBUF; k++)
                m_offer(&w->s[k].m, &ev, most_recent);
        }
        CHECK(dnp3_event_buffer_write(w->observer, (uint32_t)n, 0, false) == n);
        CHECK(dnp3_event_buffer_confirm(w->observer, 0, false) == n);
    }
    CHECK(!dnp3_event_buffer_overflow(w->observer));
}

static bool open_world(world_t *w, input_t *in)
{
    memset(w, 0, sizeof *w);
    dnp3_db_config_t cfg;
    dnp3_db_config_default(&cfg);
    cfg.batch_capacity = 8;
    cfg.octet_string_size = 4;
    uint8_t modes = input_next(in), classes = input_next(in);
    for (unsigned t = 0; t < DNP3_PT_COUNT_; t++) {
        cfg.count[t] = NPOINTS;
        cfg.defaults[t].event_mode = (modes >> t) & 1u;
        cfg.defaults[t].event_class = (uint8_t)(((classes >> (t % 4 * 2)) & 3u));
    }
    if (dnp3_db_new(&cfg, &w->db) != 0)
        return false;
    for (unsigned k = 0; k < NBUF; k++) {
        dnp3_event_buffer_config_t bc;
        dnp3_event_buffer_config_default(&bc);
        uint8_t caps = input_next(in);
        model_t *m = &w->s[k].m;
        for (unsigned c = 0; c < 3; c++)
            bc.class_capacity[c] = w->s[k].cap[c] =
                (caps >> (c * 2)) & 3u ? ((caps >> (c * 2)) & 3u) * 2u : 0;
        bc.type_capacity[DNP3_PT_ANALOG] = (caps >> 6) & 3u;
        uint8_t pol = input_next(in);
        bc.overflow_policy = pol & 1u;
        m->every_change = bc.every_change = (pol & 2u) != 0;
        bc.type_capacity[DNP3_EV_BINARY_COMMAND] = (pol >> 2) & 3u;
        bc.type_capacity[DNP3_EV_ANALOG_COMMAND] = (pol >> 4) & 3u;
        memcpy(m->cap, bc.class_capacity, sizeof m->cap);
        memcpy(m->tcap, bc.type_capacity, sizeof m->tcap);
        m->policy = bc.overflow_policy;
        CHECK(dnp3_event_buffer_new(w->db, &bc, &w->s[k].b) == 0);
    }
    dnp3_event_buffer_config_t oc;
    dnp3_event_buffer_config_default(&oc);
    for (unsigned c = 0; c < 3; c++)
        oc.class_capacity[c] = 256; /* > events one operation can make (8 x 4 x 2) */
    oc.every_change = true;         /* so that it sees the events the others supersede */
    CHECK(dnp3_event_buffer_new(w->db, &oc, &w->observer) == 0);
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input_t in = {data, size};
    world_t w;
    if (!open_world(&w, &in))
        return 0;
    while (in.left) {
        uint8_t op = input_next(&in);
        if (op & 0x80u)
            buffer_op(&w, op % 6u, &in);
        else
            update_op(&w, op % 15u, &in);
        w.made = sum_events(w.db);
        drain(&w);
        for (unsigned k = 0; k < NBUF; k++) {
            check_buffer(&w, &w.s[k]);
            m_check(&w.s[k].m, w.s[k].b);
        }
    }
    for (unsigned k = 0; k < NBUF; k++)
        dnp3_event_buffer_free(w.s[k].b);
    dnp3_event_buffer_free(w.observer);
    dnp3_db_free(w.db);
    return 0;
}
