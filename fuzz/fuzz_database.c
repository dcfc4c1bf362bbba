/* Fuzz the outstation database and its event buffers: random updates,
 * batches, freezes, class changes, and for two buffers random selects,
 * writes, confirms, confirm timeouts and reconnects.
 *
 * Input: byte 0..5 configure (class capacities of buffer 0 and 1, per-type
 * capacity of analogs, policies, event modes); then a stream of operations,
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
 *    type stops short of max, no unwritten event of its classes is left. */
#include <math.h>
#include <stdint.h>
#include <string.h>

#include "dnp3/database.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define NPOINTS 3
#define NBUF    2

typedef struct input {
    const uint8_t *p;
    size_t left;
} input_t;

static uint8_t next(input_t *in)
{
    if (!in->left)
        return 0;
    in->left--;
    return *in->p++;
}

typedef struct shadow {
    dnp3_event_buffer_t *b;
    uint32_t cap[3];
    uint64_t confirmed; /* sum of confirm() returns */
    uint64_t discarded; /* as last seen */
    uint64_t written;   /* sum of write() returns */
} shadow_t;

typedef struct world {
    dnp3_db_t *db;
    shadow_t s[NBUF];
    uint64_t made; /* events made (db counters) */
} world_t;

static uint64_t sum_events(const dnp3_db_t *db)
{
    dnp3_db_counters_t c;
    CHECK(dnp3_db_counters(db, &c) == 0);
    uint64_t n = 0;
    for (unsigned t = 0; t < DNP3_PT_COUNT_; t++)
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
        for (unsigned t = 0; t < DNP3_PT_COUNT_; t++) {
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
    uint8_t mask = next(in) & 7u;
    uint8_t tmask = next(in);
    uint32_t max = next(in) % 12u;
    if (tmask & 1u)
        tmask = DNP3_TYPE_MASK_ALL;
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
        CHECK((unsigned)ev.type < DNP3_PT_COUNT_ && ev.index < NPOINTS);
    }
}

static void buffer_op(world_t *w, uint8_t op, input_t *in)
{
    shadow_t *s = &w->s[next(in) % NBUF];
    uint8_t arg = next(in);
    uint8_t seq = arg & 15u;
    bool uns = (arg & 16u) != 0;
    int rc;
    switch (op) {
    case 0:
        do_select(s, in);
        break;
    case 1:
        rc = dnp3_event_buffer_write(s->b, next(in) % 6u, seq, uns);
        if (rc >= 0)
            s->written += (uint64_t)rc;
        else
            CHECK(rc == DNP3_E_INVALID_ARG);
        break;
    case 2:
        rc = dnp3_event_buffer_confirm(s->b, seq, uns);
        CHECK(rc >= 0);
        s->confirmed += (uint64_t)rc;
        break;
    case 3:
        CHECK(dnp3_event_buffer_unwrite(s->b, seq, uns) >= 0);
        break;
    case 4:
        CHECK(dnp3_event_buffer_unwrite_all(s->b) >= 0);
        break;
    default:
        dnp3_event_buffer_clear_overflow(s->b);
        break;
    }
}

static void update_op(world_t *w, uint8_t op, input_t *in)
{
    uint32_t i = next(in) % (NPOINTS + 1u); /* NPOINTS: an invalid index */
    uint8_t v = next(in), flags = next(in);
    dnp3_time_t t = (dnp3_time_t)next(in) << 8;
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

static bool open_world(world_t *w, input_t *in)
{
    memset(w, 0, sizeof *w);
    dnp3_db_config_t cfg;
    dnp3_db_config_default(&cfg);
    cfg.batch_capacity = 8;
    cfg.octet_string_size = 4;
    uint8_t modes = next(in), classes = next(in);
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
        uint8_t caps = next(in);
        for (unsigned c = 0; c < 3; c++)
            bc.class_capacity[c] = w->s[k].cap[c] =
                (caps >> (c * 2)) & 3u ? ((caps >> (c * 2)) & 3u) * 2u : 0;
        bc.type_capacity[DNP3_PT_ANALOG] = (caps >> 6) & 3u;
        bc.overflow_policy = next(in) & 1u;
        CHECK(dnp3_event_buffer_new(w->db, &bc, &w->s[k].b) == 0);
    }
    return true;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input_t in = {data, size};
    world_t w;
    if (!open_world(&w, &in))
        return 0;
    while (in.left) {
        uint8_t op = next(&in);
        if (op & 0x80u)
            buffer_op(&w, op % 6u, &in);
        else
            update_op(&w, op % 14u, &in);
        w.made = sum_events(w.db);
        for (unsigned k = 0; k < NBUF; k++)
            check_buffer(&w, &w.s[k]);
    }
    for (unsigned k = 0; k < NBUF; k++)
        dnp3_event_buffer_free(w.s[k].b);
    dnp3_db_free(w.db);
    return 0;
}
