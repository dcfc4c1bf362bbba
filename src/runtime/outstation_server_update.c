/* The outstation server's update queue: point updates from any thread,
 * copied into a ring allocated at creation, applied on the loop thread one
 * batch at a time (dnp3_db_begin .. commit), so a response never shows half
 * of a batch. */
#include <string.h>

#include "runtime/outstation_server_internal.h"

static int apply_one(dnp3_db_t *db, const dnp3_point_update_t *u)
{
    switch (u->type) {
    case DNP3_PT_BINARY:
        return dnp3_db_update_binary(db, u->index, u->value.binary, u->flags, u->time);
    case DNP3_PT_DOUBLE_BIT:
        return dnp3_db_update_double_bit(db, u->index, u->value.double_bit, u->flags, u->time);
    case DNP3_PT_BINARY_OUTPUT:
        return dnp3_db_update_binary_output(db, u->index, u->value.binary, u->flags, u->time);
    case DNP3_PT_COUNTER:
        return dnp3_db_update_counter(db, u->index, u->value.counter, u->flags, u->time);
    case DNP3_PT_FROZEN_COUNTER:
        return dnp3_db_update_frozen_counter(db, u->index, u->value.counter, u->flags, u->time);
    case DNP3_PT_ANALOG:
        return dnp3_db_update_analog(db, u->index, u->value.analog, u->flags, u->time);
    case DNP3_PT_ANALOG_OUTPUT:
        return dnp3_db_update_analog_output(db, u->index, u->value.analog, u->flags, u->time);
    case DNP3_PT_OCTET_STRING:
        return dnp3_db_update_octet_string(db, u->index, u->value.octets.data, u->value.octets.len,
                                           u->flags, u->time);
    default:
        return DNP3_E_INVALID_ARG;
    }
}

/* Applies the batch starting at ring position pos (n updates). */
static void apply_batch(dnp3_outstation_server_t *srv, size_t pos, uint32_t n)
{
    size_t cap = srv->cfg.update_queue_size;
    dnp3_db_t *db = srv->queue[pos].db;
    int rc = dnp3_db_begin(db);
    for (uint32_t i = 0; rc >= 0 && i < n; i++)
        rc = apply_one(db, &srv->queue[(pos + i) % cap].u);
    if (rc < 0) {
        (void)dnp3_db_abort(db);
        srv->counters.updates_rejected++;
        dnp3_runtime_log(srv->rt, DNP3_LOG_WARN, "outstation: update batch of %u rejected: %s",
                         (unsigned)n, dnp3_strerror(rc));
        return;
    }
    (void)dnp3_db_commit(db);
    srv->counters.update_batches++;
    srv->counters.updates += n;
    dnp3i_os_wake_db(srv, db);
}

/* Events an association's buffer discarded so far (overflow, IIN2.3). */
static uint64_t discards(const dnp3i_os_assoc_t *a)
{
    dnp3_event_buffer_counters_t e;
    if (dnp3_event_buffer_counters(dnp3_outstation_event_buffer(a->session), &e) < 0)
        return 0;
    uint64_t n = 0;
    for (int c = 0; c < 3; c++)
        for (int t = 0; t < DNP3_EV_TYPE_COUNT_; t++)
            n += e.discarded[c][t];
    return n;
}

/* After updates: an event buffer that overflowed says so, with the count of
 * events lost (the master sees only IIN2.3). At most one line a second per
 * association under a sustained overflow; what a skipped line would have
 * said is in the next one. */
static void report_discards(dnp3_outstation_server_t *srv)
{
    dnp3_timestamp_t now = dnp3_runtime_now(srv->rt);
    for (size_t i = 0; i < srv->assoc_count; i++) {
        dnp3i_os_assoc_t *a = &srv->assocs[i];
        uint64_t n = discards(a);
        if (n == a->discards_logged || (a->discards_once && now - a->discards_logged_at < 1000))
            continue;
        dnp3_runtime_log(srv->rt, DNP3_LOG_WARN,
                         "outstation %u / master %u: event buffer full: %llu events discarded "
                         "(%llu in all; IIN2.3 EVENT_BUFFER_OVERFLOW)",
                         a->local, a->master, (unsigned long long)(n - a->discards_logged),
                         (unsigned long long)n);
        a->discards_logged = n;
        a->discards_logged_at = now;
        a->discards_once = true;
    }
}

static void drain(void *arg)
{
    dnp3_outstation_server_t *srv = arg;
    size_t cap = srv->cfg.update_queue_size;
    uv_mutex_lock(&srv->lock);
    srv->drain_posted = false;
    size_t head = srv->q_head, used = srv->q_used;
    uv_mutex_unlock(&srv->lock);

    /* Producers only append beyond q_head + q_used, so [head, head+used) is
     * ours until q_head moves. */
    size_t done = 0;
    while (done < used) {
        size_t pos = (head + done) % cap;
        uint32_t n = srv->queue[pos].batch;
        apply_batch(srv, pos, n);
        done += n;
    }
    uv_mutex_lock(&srv->lock);
    srv->q_head = (head + done) % cap;
    srv->q_used -= done;
    uv_mutex_unlock(&srv->lock);
    report_discards(srv);
}

int dnp3_outstation_server_update(dnp3_outstation_server_t *srv, dnp3_db_t *db,
                                  const dnp3_point_update_t *updates, size_t n)
{
    if (!srv || !db || !updates || n == 0 || n > UINT32_MAX || !dnp3i_os_hosts_db(srv, db))
        return DNP3_E_INVALID_ARG;
    size_t cap = srv->cfg.update_queue_size;
    uv_mutex_lock(&srv->lock);
    if (n > cap - srv->q_used) {
        uv_mutex_unlock(&srv->lock);
        return DNP3_E_QUEUE_FULL;
    }
    size_t tail = (srv->q_head + srv->q_used) % cap;
    for (size_t i = 0; i < n; i++) {
        dnp3i_os_update_t *r = &srv->queue[(tail + i) % cap];
        r->db = db;
        r->batch = i == 0 ? (uint32_t)n : 0;
        r->u = updates[i];
    }
    int rc = 0;
    if (!srv->drain_posted) {
        rc = dnp3_runtime_post(srv->rt, drain, srv);
        srv->drain_posted = rc == 0;
    }
    if (rc == 0)
        srv->q_used += n; /* else nothing was queued: the caller may retry */
    uv_mutex_unlock(&srv->lock);
    return rc;
}
