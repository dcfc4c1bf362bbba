/* The pool of queued tasks: fixed slots on a free list, one byte area for
 * their objects (compacted when a task leaves) and a scratch for building
 * requests. An association has its own (sized from its configuration) or
 * shares one with the other associations of a master process
 * (dnp3_master_config_t.pool), so that a thousand associations that rarely
 * queue anything do not each hold room for a burst of commands. Everything
 * is allocated by the creation, in one block. */
#include <stdlib.h>
#include <string.h>

#include "master/master_internal.h"

void dnp3_master_pool_config_default(dnp3_master_pool_config_t *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->max_tasks = 1024;
    cfg->max_bytes = 65536;
    cfg->max_tx_fragment = 2048;
}

dnp3_master_pool_t *dnp3i_pool_create(uint32_t max_tasks, size_t max_bytes, size_t scratch_len)
{
    const size_t head = (sizeof(dnp3_master_pool_t) + 15) & ~(size_t)15;
    const size_t slots = (size_t)max_tasks * sizeof(dnp3i_slot_t);
    const size_t total = head + slots + max_bytes + scratch_len;
    uint8_t *block = calloc(1, total);
    if (!block)
        return NULL;
    dnp3_master_pool_t *p = (dnp3_master_pool_t *)(void *)block;
    p->slots = (dnp3i_slot_t *)(void *)(block + head);
    p->n_slots = max_tasks;
    for (uint32_t i = 0; i < max_tasks; i++)
        p->slots[i].next = i + 1 < max_tasks ? i + 1 : DNP3I_NIL;
    p->free_head = max_tasks ? 0 : DNP3I_NIL;
    p->bytes = block + head + slots;
    p->cap = max_bytes;
    p->scratch = p->bytes + max_bytes;
    p->scratch_len = scratch_len;
    p->memory = total;
    return p;
}

int dnp3_master_pool_new(const dnp3_master_pool_config_t *cfg, dnp3_master_pool_t **out)
{
    if (!out)
        return DNP3_E_INVALID_ARG;
    *out = NULL;
    if (!cfg || cfg->max_tasks == 0 || cfg->max_tasks > 0x7FFFFFFF || cfg->max_bytes > UINT32_MAX ||
        cfg->max_tx_fragment < 249 || cfg->max_tx_fragment > 65535)
        return DNP3_E_INVALID_ARG;
    *out = dnp3i_pool_create(cfg->max_tasks, cfg->max_bytes, cfg->max_tx_fragment);
    return *out ? DNP3_OK : DNP3_E_NOMEM;
}

size_t dnp3_master_pool_memory(const dnp3_master_pool_t *p)
{
    return p ? p->memory : 0;
}

int dnp3_master_pool_usage(const dnp3_master_pool_t *p, dnp3_master_pool_usage_t *out)
{
    if (!p || !out)
        return DNP3_E_INVALID_ARG;
    out->tasks = p->n_used;
    out->bytes = p->used;
    out->associations = p->n_assocs;
    return DNP3_OK;
}

void dnp3_master_pool_free(dnp3_master_pool_t *p)
{
    free(p);
}

uint32_t dnp3i_pool_take(dnp3_master_pool_t *p, size_t len)
{
    if (p->free_head == DNP3I_NIL || len > p->cap - p->used)
        return DNP3I_NIL;
    const uint32_t i = p->free_head;
    dnp3i_slot_t *s = &p->slots[i];
    p->free_head = s->next;
    memset(s, 0, sizeof *s);
    s->used = true;
    s->next = DNP3I_NIL;
    s->t.off = (uint32_t)p->used;
    s->t.len = (uint32_t)len;
    p->used += len;
    p->n_used++;
    return i;
}

void dnp3i_pool_give(dnp3_master_pool_t *p, uint32_t i)
{
    dnp3i_slot_t *s = &p->slots[i];
    const size_t off = s->t.off, len = s->t.len;
    s->used = false;
    s->doomed = false;
    s->next = p->free_head;
    p->free_head = i;
    p->n_used--;
    if (len == 0)
        return;
    if (off + len < p->used) { /* not the last bytes: close the gap */
        memmove(p->bytes + off, p->bytes + off + len, p->used - off - len);
        for (uint32_t k = 0; k < p->n_slots; k++)
            if (p->slots[k].used && p->slots[k].t.off > off)
                p->slots[k].t.off -= (uint32_t)len;
    }
    p->used -= len;
}
