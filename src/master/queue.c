/* The caller's tasks: a list of slots of the association's pool (its own
 * or one shared by a master's associations), and their object bytes in
 * the pool. Each association keeps its own caps (max_queued_tasks,
 * max_queued_bytes); a shared pool that runs out refuses the task with
 * DNP3_E_POOL_EXHAUSTED, counted and logged. */
#include <string.h>

#include "master/master_internal.h"

static int refuse_exhausted(dnp3_master_assoc_t *a, size_t len)
{
    const dnp3_master_pool_t *p = a->pool;
    a->counters.pool_exhausted++;
    dnp3i_master_log(a, DNP3_LOG_WARN,
                     "task refused: shared pool exhausted (%u of %u tasks, %zu of %zu bytes in "
                     "use, %zu asked)",
                     (unsigned)p->n_used, (unsigned)p->n_slots, p->used, p->cap, len);
    return DNP3_E_POOL_EXHAUSTED;
}

dnp3i_task_t *dnp3i_queue_add(dnp3_master_assoc_t *a, const uint8_t *bytes, size_t len, int *err)
{
    if (len > a->cfg.max_queued_bytes - a->q_bytes || a->n_queued >= a->cfg.max_queued_tasks) {
        *err = DNP3_E_QUEUE_FULL;
        return NULL;
    }
    const uint32_t i = dnp3i_pool_take(a->pool, len);
    if (i == DNP3I_NIL) {
        *err = refuse_exhausted(a, len);
        return NULL;
    }
    dnp3i_slot_t *s = &a->pool->slots[i]; /* not doomed: queued after any failing sweep began */
    s->next = a->q_head;
    a->q_head = i;
    a->n_queued++;
    a->q_bytes += (uint32_t)len;
    if (len && bytes)
        memcpy(a->pool->bytes + s->t.off, bytes, len);
    s->t.id = a->next_id++;
    if (a->next_id == 0 || a->next_id > 0x7FFFFFFF) /* ids stay positive ints */
        a->next_id = 1;
    s->t.order = a->next_order++;
    s->t.backoff_ms = a->cfg.task_retry_ms;
    return &s->t;
}

void dnp3i_queue_remove(dnp3_master_assoc_t *a, int slot)
{
    dnp3_master_pool_t *p = a->pool;
    const uint32_t i = (uint32_t)slot;
    if (!p->slots[i].used)
        return;
    uint32_t *link = &a->q_head;
    while (*link != DNP3I_NIL && *link != i)
        link = &p->slots[*link].next;
    if (*link != i)
        return; /* not this association's */
    *link = p->slots[i].next;
    a->n_queued--;
    a->q_bytes -= p->slots[i].t.len;
    dnp3i_pool_give(p, i);
}

bool dnp3i_queue_owns(const dnp3_master_assoc_t *a, int slot)
{
    for (uint32_t i = a->q_head; i != DNP3I_NIL; i = a->pool->slots[i].next)
        if (i == (uint32_t)slot)
            return true;
    return false;
}

const uint8_t *dnp3i_queue_bytes(const dnp3_master_assoc_t *a, const dnp3i_task_t *t)
{
    return a->pool->bytes + t->off;
}

int dnp3i_queue_best(const dnp3_master_assoc_t *a, dnp3_timestamp_t now, bool commands)
{
    int best = -1;
    const dnp3i_slot_t *slots = a->pool->slots;
    for (uint32_t i = a->q_head; i != DNP3I_NIL; i = slots[i].next) {
        const dnp3i_slot_t *s = &slots[i];
        if (s->t.ready_at > now || (s->t.kind == DNP3_TASK_COMMAND) != commands)
            continue;
        if (a->cur.active && a->cur.source == DNP3I_SRC_USER && a->cur.index == (int)i)
            continue;
        /* Wrap-safe FIFO: the smaller distance from next_order is older. */
        if (best < 0 || (uint32_t)(a->next_order - s->t.order) >
                            (uint32_t)(a->next_order - slots[best].t.order))
            best = (int)i;
    }
    return best;
}

dnp3_timestamp_t dnp3i_queue_next_ready(const dnp3_master_assoc_t *a)
{
    dnp3_timestamp_t t = DNP3_TIMESTAMP_NEVER;
    const dnp3i_slot_t *slots = a->pool->slots;
    for (uint32_t i = a->q_head; i != DNP3I_NIL; i = slots[i].next)
        t = dnp3_timestamp_min(t, slots[i].t.ready_at);
    return t;
}

int dnp3i_queue_count(const dnp3_master_assoc_t *a)
{
    return a->n_queued;
}

void dnp3i_report(dnp3_master_assoc_t *a, const dnp3i_task_t *t, dnp3_master_result_t r,
                  bool will_retry, uint16_t iin, uint32_t delay_ms)
{
    if (t->kind == DNP3_TASK_COMMAND) {
        dnp3i_command_report(a, t, r, iin);
        return;
    }
    dnp3i_master_log(a, r == DNP3_MASTER_SUCCESS ? DNP3_LOG_DEBUG : DNP3_LOG_WARN,
                     "task %s (id %u): %s%s", dnp3_task_kind_name((dnp3_task_kind_t)t->kind),
                     (unsigned)t->id, dnp3_master_result_name(r), will_retry ? ", will retry" : "");
    if (!a->cb.on_task_done)
        return;
    dnp3_task_result_t res = {t->id, (dnp3_task_kind_t)t->kind, r, will_retry, iin, delay_ms};
    a->cb.on_task_done(a->ctx, &res);
}

void dnp3i_queue_fail_all(dnp3_master_assoc_t *a, dnp3_master_result_t result)
{
    dnp3i_slot_t *slots = a->pool->slots;
    /* Only what is queued now: a callback queueing a task again (on
     * LINK_DOWN, say) must not make this loop forever. */
    for (uint32_t i = a->q_head; i != DNP3I_NIL; i = slots[i].next)
        slots[i].doomed = true;
    /* Oldest first, so the caller hears about them in the order it asked. */
    for (;;) {
        int best = -1;
        for (uint32_t i = a->q_head; i != DNP3I_NIL; i = slots[i].next) {
            if (!slots[i].doomed)
                continue;
            if (best < 0 || (uint32_t)(a->next_order - slots[i].t.order) >
                                (uint32_t)(a->next_order - slots[best].t.order))
                best = (int)i;
        }
        if (best < 0)
            return;
        dnp3i_task_t t = slots[best].t;
        dnp3i_queue_remove(a, best);
        dnp3i_report(a, &t, result, false, 0, 0);
    }
}
