/* What runs next: periodic scans coming due, the automatic tasks, the
 * caller's queue, in priority order (commands, restart clearing, the
 * start-up sequence, the caller's other tasks, time sync, integrity, event
 * polls, range scans). One transaction at a time. */
#include <string.h>

#include "master/master_internal.h"

void dnp3i_task_defaults(dnp3_master_assoc_t *a, dnp3i_task_t *t, uint8_t kind, uint8_t func)
{
    t->kind = kind;
    t->func = func;
    t->safe = true;
    if (t->backoff_ms == 0)
        t->backoff_ms = a->cfg.task_retry_ms;
}

void dnp3i_auto_set(dnp3_master_assoc_t *a, int kind, dnp3_timestamp_t now)
{
    dnp3i_auto_state_t *st = &a->autos[kind];
    if (st->pending)
        return; /* already waiting (maybe for its retry time) */
    st->pending = true;
    st->ready_at = now;
    st->backoff_ms = a->cfg.task_retry_ms;
}

static void auto_task(dnp3_master_assoc_t *a, int kind, dnp3i_task_t *t)
{
    memset(t, 0, sizeof *t);
    switch (kind) {
    case DNP3I_AUTO_CLEAR_RESTART:
        dnp3i_task_defaults(a, t, DNP3_TASK_CLEAR_RESTART, DNP3_FC_WRITE);
        break;
    case DNP3I_AUTO_DISABLE_UNSOL:
        dnp3i_task_defaults(a, t, DNP3_TASK_DISABLE_UNSOL, DNP3_FC_DISABLE_UNSOLICITED);
        t->classes = DNP3_MASTER_CLASS_1 | DNP3_MASTER_CLASS_2 | DNP3_MASTER_CLASS_3;
        break;
    case DNP3I_AUTO_INTEGRITY:
        dnp3i_task_defaults(a, t, DNP3_TASK_INTEGRITY, DNP3_FC_READ);
        t->classes = DNP3_MASTER_CLASS_ALL;
        break;
    case DNP3I_AUTO_ENABLE_UNSOL:
        dnp3i_task_defaults(a, t, DNP3_TASK_ENABLE_UNSOL, DNP3_FC_ENABLE_UNSOLICITED);
        t->classes = a->cfg.unsolicited_classes;
        break;
    case DNP3I_AUTO_TIME_SYNC:
        dnp3i_task_defaults(a, t, DNP3_TASK_TIME_SYNC,
                            a->cfg.time_sync_on_need_time == DNP3_TIME_SYNC_LAN
                                ? DNP3_FC_RECORD_CURRENT_TIME
                                : DNP3_FC_DELAY_MEASURE);
        t->mode = (uint8_t)a->cfg.time_sync_on_need_time;
        break;
    default: /* DNP3I_AUTO_EVENT_POLL */
        dnp3i_task_defaults(a, t, DNP3_TASK_EVENT_POLL, DNP3_FC_READ);
        t->classes = a->event_classes;
        break;
    }
}

/* Whether pending automatic task `kind` may run now (ignoring its retry
 * time): the start-up steps run in order, the rest after start-up. */
static bool auto_in_order(const dnp3_master_assoc_t *a, int kind)
{
    switch (kind) {
    case DNP3I_AUTO_CLEAR_RESTART:
    case DNP3I_AUTO_DISABLE_UNSOL:
        return true;
    case DNP3I_AUTO_INTEGRITY:
        return !a->autos[DNP3I_AUTO_DISABLE_UNSOL].pending;
    case DNP3I_AUTO_ENABLE_UNSOL:
        return !a->autos[DNP3I_AUTO_DISABLE_UNSOL].pending &&
               !a->autos[DNP3I_AUTO_INTEGRITY].pending;
    default:
        return a->startup_done;
    }
}

/* Whether automatic task `kind` may run now (ignoring its retry time).
 * The scans ask it of every kind, most of them not pending: that answer
 * is had without a call. */
static inline bool auto_eligible(const dnp3_master_assoc_t *a, int kind)
{
    return a->autos[kind].pending && auto_in_order(a, kind);
}

static void start(dnp3_master_assoc_t *a, uint8_t source, int index, const dnp3i_task_t *t)
{
    memset(&a->cur, 0, sizeof a->cur);
    a->cur.active = true;
    a->cur.need_send = true;
    a->cur.t = *t;
    a->cur.source = source;
    a->cur.index = index;
}

static bool pick_auto(dnp3_master_assoc_t *a, dnp3_timestamp_t now, int from, int to)
{
    for (int k = from; k < to; k++) {
        if (!auto_eligible(a, k) || a->autos[k].ready_at > now)
            continue;
        dnp3i_task_t t;
        auto_task(a, k, &t);
        if (k == DNP3I_AUTO_EVENT_POLL)
            a->event_classes = 0; /* what comes due from now on is another poll */
        start(a, DNP3I_SRC_AUTO, k, &t);
        return true;
    }
    return false;
}

static bool pick_range(dnp3_master_assoc_t *a, dnp3_timestamp_t now)
{
    if (!a->startup_done)
        return false;
    for (size_t i = 0; i < a->n_ranges; i++) {
        dnp3i_range_t *r = &a->ranges[i];
        if (!r->st.pending || r->st.ready_at > now)
            continue;
        dnp3i_task_t t;
        memset(&t, 0, sizeof t);
        dnp3i_task_defaults(a, &t, DNP3_TASK_RANGE_SCAN, DNP3_FC_READ);
        t.group = r->cfg.group;
        t.variation = r->cfg.variation;
        t.start = r->cfg.start;
        t.stop = r->cfg.stop;
        start(a, DNP3I_SRC_RANGE, (int)i, &t);
        return true;
    }
    return false;
}

static bool pick_user(dnp3_master_assoc_t *a, dnp3_timestamp_t now, bool commands)
{
    if (!commands && !a->startup_done)
        return false;
    int s = dnp3i_queue_best(a, now, commands);
    if (s < 0)
        return false;
    start(a, DNP3I_SRC_USER, s, &dnp3i_slot(a, s)->t);
    return true;
}

bool dnp3i_master_pick(dnp3_master_assoc_t *a, dnp3_timestamp_t now)
{
    if (a->cur.active)
        return true;
    if (!a->link_up)
        return false;
    dnp3i_schedule_due(a, now);
    return pick_user(a, now, true) || pick_auto(a, now, 0, DNP3I_AUTO_TIME_SYNC) ||
           pick_user(a, now, false) || pick_auto(a, now, DNP3I_AUTO_TIME_SYNC, DNP3I_AUTO_COUNT) ||
           pick_range(a, now);
}

void dnp3i_schedule_link_up(dnp3_master_assoc_t *a, dnp3_timestamp_t now)
{
    (void)now;
    memset(a->autos, 0, sizeof a->autos);
    a->event_classes = 0;
    a->integrity_due = DNP3_TIMESTAMP_NEVER;
    for (int i = 0; i < 3; i++)
        a->class_due[i] = DNP3_TIMESTAMP_NEVER;
    for (size_t i = 0; i < a->n_ranges; i++) {
        memset(&a->ranges[i].st, 0, sizeof a->ranges[i].st);
        a->ranges[i].due = DNP3_TIMESTAMP_NEVER;
    }
}

static dnp3_timestamp_t after(dnp3_timestamp_t now, uint32_t period)
{
    return period ? now + period : DNP3_TIMESTAMP_NEVER;
}

void dnp3i_schedule_startup_done(dnp3_master_assoc_t *a, dnp3_timestamp_t now)
{
    a->integrity_due = after(now, a->cfg.integrity_period_ms);
    for (int i = 0; i < 3; i++)
        a->class_due[i] = after(now, a->cfg.class_period_ms[i]);
    /* Range scans first run right after start-up (the integrity poll does
     * not necessarily cover them: a range scan may ask a specific variation). */
    for (size_t i = 0; i < a->n_ranges; i++)
        a->ranges[i].due = a->ranges[i].cfg.period_ms ? now : DNP3_TIMESTAMP_NEVER;
}

void dnp3i_schedule_due(dnp3_master_assoc_t *a, dnp3_timestamp_t now)
{
    if (!a->startup_done || !a->link_up)
        return;
    if (a->integrity_due <= now) {
        dnp3i_auto_set(a, DNP3I_AUTO_INTEGRITY, now);
        a->integrity_due = after(now, a->cfg.integrity_period_ms);
    }
    for (int i = 0; i < 3; i++) {
        if (a->class_due[i] > now)
            continue;
        a->event_classes |= (uint8_t)(1u << i);
        dnp3i_auto_set(a, DNP3I_AUTO_EVENT_POLL, now);
        a->class_due[i] = after(now, a->cfg.class_period_ms[i]);
    }
    for (size_t i = 0; i < a->n_ranges; i++) {
        dnp3i_range_t *r = &a->ranges[i];
        if (r->due > now)
            continue;
        if (!r->st.pending) {
            r->st.pending = true;
            r->st.ready_at = now;
            r->st.backoff_ms = a->cfg.task_retry_ms;
        }
        r->due = after(now, r->cfg.period_ms);
    }
}

/* Fold one time into the deadline (times after `now`) or the ready flag. */
static void fold(dnp3_timestamp_t t, dnp3_timestamp_t now, dnp3_timestamp_t *dl, bool *ready)
{
    if (t == DNP3_TIMESTAMP_NEVER)
        return;
    if (t <= now)
        *ready = true;
    else
        *dl = dnp3_timestamp_min(*dl, t);
}

/* The next time something becomes sendable or a periodic scan comes due
 * (after now), and whether something could be sent at once. */
dnp3_timestamp_t dnp3i_schedule_deadline(const dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                                         bool *ready)
{
    dnp3_timestamp_t t = DNP3_TIMESTAMP_NEVER;
    *ready = false;
    if (!a->link_up)
        return t;
    for (int k = 0; k < DNP3I_AUTO_COUNT; k++)
        if (auto_eligible(a, k))
            fold(a->autos[k].ready_at, now, &t, ready);
    for (uint32_t i = a->q_head; i != DNP3I_NIL; i = a->pool->slots[i].next) {
        const dnp3i_slot_t *s = &a->pool->slots[i];
        if (a->startup_done || s->t.kind == DNP3_TASK_COMMAND)
            fold(s->t.ready_at, now, &t, ready);
    }
    if (a->startup_done) {
        fold(a->integrity_due, now, &t, ready);
        for (int i = 0; i < 3; i++)
            fold(a->class_due[i], now, &t, ready);
        for (size_t i = 0; i < a->n_ranges; i++) {
            fold(a->ranges[i].due, now, &t, ready);
            if (a->ranges[i].st.pending)
                fold(a->ranges[i].st.ready_at, now, &t, ready);
        }
    }
    return t;
}

/* Whether something could be sent at once: dnp3i_schedule_deadline's
 * ready flag without the deadline, returning at the first thing due (the
 * caller's queue first: a queued command is what is usually waiting). */
static bool due(dnp3_timestamp_t t, dnp3_timestamp_t now)
{
    return t != DNP3_TIMESTAMP_NEVER && t <= now;
}

bool dnp3i_schedule_ready(const dnp3_master_assoc_t *a, dnp3_timestamp_t now)
{
    if (!a->link_up)
        return false;
    for (uint32_t i = a->q_head; i != DNP3I_NIL; i = a->pool->slots[i].next) {
        const dnp3i_slot_t *s = &a->pool->slots[i];
        if ((a->startup_done || s->t.kind == DNP3_TASK_COMMAND) && due(s->t.ready_at, now))
            return true;
    }
    for (int k = 0; k < DNP3I_AUTO_COUNT; k++)
        if (auto_eligible(a, k) && due(a->autos[k].ready_at, now))
            return true;
    if (!a->startup_done)
        return false;
    if (due(a->integrity_due, now))
        return true;
    for (int i = 0; i < 3; i++)
        if (due(a->class_due[i], now))
            return true;
    for (size_t i = 0; i < a->n_ranges; i++)
        if (due(a->ranges[i].due, now) ||
            (a->ranges[i].st.pending && due(a->ranges[i].st.ready_at, now)))
            return true;
    return false;
}
