/* The fragment buffer pool (dnp3/channel.h): one block of equal buffers
 * cut at _new, and a stack of the free ones. Taking and giving back are
 * O(1) and never allocate. */
#include <stdlib.h>
#include <string.h>

#include "channel/channel_internal.h"

struct dnp3_fragment_pool {
    size_t size;   /* bytes per buffer */
    size_t count;  /* buffers */
    size_t n_free; /* entries of free_list in use */
    uint8_t *mem;  /* count * size */
    uint8_t **free_list;
    size_t users; /* channels using the pool */
    uint8_t user[DNP3_LINK_MAX_USER_DATA];
    uint8_t frame[DNP3_LINK_MAX_FRAME];
    bool released; /* dnp3_fragment_pool_free was called */
    dnp3_fragment_pool_counters_t counters;
};

static void pool_destroy(dnp3_fragment_pool_t *pool)
{
    free(pool->mem);
    free(pool->free_list);
    free(pool);
}

dnp3_fragment_pool_t *dnp3_fragment_pool_new(size_t buffers, size_t buffer_size, int *err)
{
    int e = DNP3_E_INVALID_ARG;
    dnp3_fragment_pool_t *p = NULL;
    if (buffers == 0 || buffer_size < DNP3_CHANNEL_FRAGMENT_MIN ||
        buffer_size > DNP3_FRAGMENT_SIZE_MAX || buffers > SIZE_MAX / buffer_size)
        goto fail;
    e = DNP3_E_NOMEM;
    p = calloc(1, sizeof *p);
    if (!p)
        goto fail;
    /* Not touched until used: a large pool costs address space, and
     * resident memory only for the buffers ever taken. */
    p->mem = malloc(buffers * buffer_size);
    p->free_list = malloc(buffers * sizeof *p->free_list);
    if (!p->mem || !p->free_list)
        goto fail;
    p->size = buffer_size;
    p->count = buffers;
    /* Taken from the end: the first buffers are reused first (warm). */
    for (size_t i = 0; i < buffers; i++)
        p->free_list[i] = p->mem + (buffers - 1 - i) * buffer_size;
    p->n_free = buffers;
    if (err)
        *err = DNP3_OK;
    return p;
fail:
    if (p)
        pool_destroy(p);
    if (err)
        *err = e;
    return NULL;
}

void dnp3_fragment_pool_free(dnp3_fragment_pool_t *pool)
{
    if (!pool)
        return;
    pool->released = true;
    if (pool->users == 0)
        pool_destroy(pool);
}

void dnp3i_fragment_pool_use(dnp3_fragment_pool_t *pool)
{
    pool->users++;
}

void dnp3i_fragment_pool_unuse(dnp3_fragment_pool_t *pool)
{
    if (--pool->users == 0 && pool->released)
        pool_destroy(pool);
}

void dnp3_fragment_pool_counters(const dnp3_fragment_pool_t *pool,
                                 dnp3_fragment_pool_counters_t *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (pool)
        *out = pool->counters;
}

size_t dnp3_fragment_pool_memory(const dnp3_fragment_pool_t *pool)
{
    if (!pool)
        return 0;
    return sizeof *pool + pool->count * (pool->size + sizeof *pool->free_list);
}

size_t dnp3i_fragment_pool_size(const dnp3_fragment_pool_t *pool)
{
    return pool->size;
}

size_t dnp3i_fragment_pool_count(const dnp3_fragment_pool_t *pool)
{
    return pool->count;
}

uint8_t *dnp3i_fragment_pool_user(dnp3_fragment_pool_t *pool)
{
    return pool->user;
}

uint8_t *dnp3i_fragment_pool_frame(dnp3_fragment_pool_t *pool)
{
    return pool->frame;
}

uint8_t *dnp3i_fragment_pool_take(dnp3_fragment_pool_t *pool)
{
    if (pool->n_free == 0) {
        pool->counters.exhausted++;
        return NULL;
    }
    pool->counters.taken++;
    if (++pool->counters.in_use > pool->counters.peak)
        pool->counters.peak = pool->counters.in_use;
    return pool->free_list[--pool->n_free];
}

void dnp3i_fragment_pool_give(dnp3_fragment_pool_t *pool, uint8_t *buf)
{
    if (!buf)
        return;
    pool->free_list[pool->n_free++] = buf;
    pool->counters.in_use--;
}
