/* The caller's tasks: fixed slots and one byte pool for their objects,
 * compacted when a task leaves (at most max_queued_tasks moves). */
#include <string.h>

#include "master/master_internal.h"

dnp3i_task_t *dnp3i_queue_add(dnp3_master_assoc_t *a, const uint8_t *bytes, size_t len, int *err)
{
    if (len > a->cfg.max_queued_bytes - a->pool_used) {
        *err = DNP3_E_QUEUE_FULL;
        return NULL;
    }
    for (int i = 0; i < a->cfg.max_queued_tasks; i++) {
        dnp3i_slot_t *s = &a->slots[i];
        if (s->used)
            continue;
        memset(s, 0, sizeof *s);
        s->used = true; /* not doomed: queued after any failing sweep began */
        a->n_queued++;
        s->t.off = a->pool_used;
        s->t.len = len;
        if (len && bytes)
            memcpy(a->pool + a->pool_used, bytes, len);
        a->pool_used += len;
        s->t.id = a->next_id++;
        if (a->next_id == 0 || a->next_id > 0x7FFFFFFF) /* ids stay positive ints */
            a->next_id = 1;
        s->t.order = a->next_order++;
        s->t.backoff_ms = a->cfg.task_retry_ms;
        return &s->t;
    }
    *err = DNP3_E_QUEUE_FULL;
    return NULL;
}

void dnp3i_queue_remove(dnp3_master_assoc_t *a, int slot)
{
    dnp3i_slot_t *s = &a->slots[slot];
    if (!s->used)
        return;
    size_t off = s->t.off, len = s->t.len;
    s->used = false;
    a->n_queued--;
    if (len == 0)
        return;
    memmove(a->pool + off, a->pool + off + len, a->pool_used - off - len);
    a->pool_used -= len;
    for (int i = 0; i < a->cfg.max_queued_tasks; i++)
        if (a->slots[i].used && a->slots[i].t.off > off)
            a->slots[i].t.off -= len;
    if (a->cur.active && a->cur.source == DNP3I_SRC_USER && a->cur.t.off > off)
        a->cur.t.off -= len;
}

const uint8_t *dnp3i_queue_bytes(const dnp3_master_assoc_t *a, const dnp3i_task_t *t)
{
    return a->pool + t->off;
}

int dnp3i_queue_best(const dnp3_master_assoc_t *a, dnp3_timestamp_t now, bool commands)
{
    int best = -1;
    for (int i = 0; a->n_queued && i < a->cfg.max_queued_tasks; i++) {
        const dnp3i_slot_t *s = &a->slots[i];
        if (!s->used || s->t.ready_at > now || (s->t.kind == DNP3_TASK_COMMAND) != commands)
            continue;
        if (a->cur.active && a->cur.source == DNP3I_SRC_USER && a->cur.index == i)
            continue;
        /* Wrap-safe FIFO: the smaller distance from next_order is older. */
        if (best < 0 || (uint32_t)(a->next_order - s->t.order) >
                            (uint32_t)(a->next_order - a->slots[best].t.order))
            best = i;
    }
    return best;
}

dnp3_timestamp_t dnp3i_queue_next_ready(const dnp3_master_assoc_t *a)
{
    dnp3_timestamp_t t = DNP3_TIMESTAMP_NEVER;
    for (int i = 0; i < a->cfg.max_queued_tasks; i++)
        if (a->slots[i].used)
            t = dnp3_timestamp_min(t, a->slots[i].t.ready_at);
    return t;
}

int dnp3i_queue_count(const dnp3_master_assoc_t *a)
{
    int n = 0;
    for (int i = 0; i < a->cfg.max_queued_tasks; i++)
        n += a->slots[i].used;
    return n;
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
    /* Only what is queued now: a callback queueing a task again (on
     * LINK_DOWN, say) must not make this loop forever. */
    for (int i = 0; i < a->cfg.max_queued_tasks; i++)
        a->slots[i].doomed = a->slots[i].used;
    /* Oldest first, so the caller hears about them in the order it asked. */
    for (;;) {
        int best = -1;
        for (int i = 0; i < a->cfg.max_queued_tasks; i++) {
            if (!a->slots[i].used || !a->slots[i].doomed)
                continue;
            if (best < 0 || (uint32_t)(a->next_order - a->slots[i].t.order) >
                                (uint32_t)(a->next_order - a->slots[best].t.order))
                best = i;
        }
        if (best < 0)
            return;
        dnp3i_task_t t = a->slots[best].t;
        dnp3i_queue_remove(a, best);
        dnp3i_report(a, &t, result, false, 0, 0);
    }
}
