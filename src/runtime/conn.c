/* A connection: drives one sans-IO session over one byte stream. Bytes in
 * go to on_bytes; after every event the session's output is collected into
 * the runtime's write buffer and sent in ONE write (what the kernel does
 * not take waits in a backlog chunk of this connection), and the
 * connection's single timer is re-armed at the session's next deadline. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_internal.h"

static void conn_after_event(dnp3_conn_t *conn);

static void on_conn_handle_closed(uv_handle_t *h);

dnp3_conn_t *dnp3i_conn_new(dnp3_runtime_t *rt, dnp3i_stream_t *stream, dnp3_session_t session,
                            dnp3_listener_t *listener, dnp3_tcp_client_t *client,
                            const dnp3_conn_info_t *info)
{
    dnp3_conn_t *conn = calloc(1, sizeof *conn);
    if (!conn)
        return NULL;
    conn->rt = rt;
    conn->stream = stream;
    stream->conn = conn;
    conn->listener = listener;
    conn->client = client;
    conn->session = session;
    conn->info = *info;
    conn->info.id = rt->next_conn_id++;
    uv_timer_init(&rt->loop, &conn->timer);
    conn->timer.data = conn;
    conn->timer_at = DNP3_TIMESTAMP_NEVER;
    conn->handles = 2; /* timer + stream */
    dnp3i_list_push(&rt->conns, &conn->link);
    rt->counters.open_connections++;
    return conn;
}

void dnp3i_conn_start(dnp3_conn_t *conn)
{
    dnp3_runtime_t *rt = conn->rt;
    dnp3i_capture_open(rt, conn);
    conn->opened = true;
    if (conn->session.ops->on_open) {
        conn->in_session = true;
        conn->session.ops->on_open(conn->session.ctx, conn, &conn->info, dnp3_runtime_now(rt));
        conn->in_session = false;
    }
    if (conn->pending_close || conn->closing) {
        conn_after_event(conn);
        return;
    }
    int rc = conn->stream->ops->start_read(conn->stream);
    if (rc) {
        dnp3i_conn_close(conn, DNP3_DISCONNECT_RESET, dnp3_strerror(rc));
        return;
    }
    conn_after_event(conn);
}

/* A backlog chunk from the runtime's pool: a free one, or a new one while
 * the pool is under write_backlog_max. NULL when it is full. */
static dnp3i_backlog_t *backlog_take(dnp3_runtime_t *rt)
{
    dnp3i_backlog_t *chunk = rt->backlog_free;
    if (chunk) {
        memcpy(&rt->backlog_free, chunk, sizeof rt->backlog_free);
    } else {
        size_t size = rt->cfg.write_buffer_size;
        if ((rt->backlog_chunks + 1) * size > rt->cfg.write_backlog_max)
            return NULL;
        chunk = malloc(sizeof *chunk + size);
        if (!chunk)
            return NULL;
        rt->backlog_chunks++;
    }
    rt->backlog_held++;
    return chunk;
}

static void backlog_give(dnp3_runtime_t *rt, dnp3i_backlog_t **chunk)
{
    if (!*chunk)
        return;
    memcpy(*chunk, &rt->backlog_free, sizeof rt->backlog_free);
    rt->backlog_free = *chunk;
    rt->backlog_held--;
    *chunk = NULL;
}

void dnp3i_runtime_backlog_free(dnp3_runtime_t *rt)
{
    while (rt->backlog_free) {
        void *chunk = rt->backlog_free;
        memcpy(&rt->backlog_free, chunk, sizeof rt->backlog_free);
        free(chunk);
        rt->backlog_chunks--;
    }
}

/* What the kernel did not take of a write: copied out of the shared
 * buffer into a backlog chunk, sent from there; the connection takes no
 * more output until it is (back-pressure on its session). With the pool
 * full the bytes cannot be kept: the connection is closed, and says why. */
static void conn_hold_backlog(dnp3_conn_t *conn, const uint8_t *rest, size_t len)
{
    dnp3_runtime_t *rt = conn->rt;
    conn->backlog = backlog_take(rt);
    if (!conn->backlog) {
        dnp3i_log(rt, DNP3_LOG_ERROR,
                  "connection %llu: the kernel did not take %zu bytes and the write backlog is "
                  "full (write_backlog_max %zu bytes, %zu connections waiting)",
                  (unsigned long long)conn->info.id, len, rt->cfg.write_backlog_max,
                  rt->backlog_held);
        dnp3i_conn_close(conn, DNP3_DISCONNECT_RESET, "write backlog full");
        return;
    }
    memcpy(conn->backlog->data, rest, len);
    int rc = conn->stream->ops->write(conn->stream, &conn->backlog->req, conn->backlog->data, len);
    if (rc < 0) {
        backlog_give(rt, &conn->backlog);
        dnp3i_conn_close(conn, DNP3_DISCONNECT_RESET, dnp3_strerror(rc));
        return;
    }
    conn->write_pending = true;
}

/* Collect the session's output into the shared buffer (at most
 * write_buffer_size bytes) and hand it to the stream. Returns true when
 * the kernel took it whole at once (nothing in flight), false otherwise
 * (nothing to send, a backlog in flight, or the connection closed). */
static bool conn_flush_once(dnp3_conn_t *conn)
{
    dnp3_runtime_t *rt = conn->rt;
    const dnp3_session_ops_t *ops = conn->session.ops;
    dnp3_timestamp_t now = dnp3_runtime_now(rt);
    uint8_t *buf = rt->wbuf;
    size_t cap = rt->cfg.write_buffer_size, used = 0;
    conn->flushing = true;
    rt->wbuf_busy = true;
    bool more = true; /* the session's last want_write answer */
    while (used < cap && (more = !ops->want_write || ops->want_write(conn->session.ctx))) {
        int n = ops->take_output(conn->session.ctx, now, buf + used, cap - used);
        if (n < 0) {
            rt->wbuf_busy = false;
            conn->flushing = false;
            dnp3i_conn_close(conn, DNP3_DISCONNECT_SESSION, dnp3_strerror(n));
            return false;
        }
        if (n == 0)
            break;
        used += (size_t)n > cap - used ? cap - used : (size_t)n;
    }
    conn->flushing = false;
    if (used == 0 || conn->closing) {
        rt->wbuf_busy = false;
        return false;
    }
    /* A full buffer may leave output behind, and a session may wait for
     * an emptied one (a mux frames a fragment only where all its frames
     * fit): ask again after this write. A round that then gets nothing
     * ends it. A session that has just said it has nothing to write is
     * not asked again (nothing ran in between). */
    conn->flush_again =
        used == cap || (more && (!ops->want_write || ops->want_write(conn->session.ctx)));
    dnp3i_capture_bytes(rt, conn, true, buf, used);
    conn->bytes_out += used;
    rt->counters.bytes_out += used;
    rt->counters.writes++;
    /* The answer to what is sent now comes on this connection. */
    if (rt->cfg.busy_poll_us)
        dnp3i_hot_add(conn);
    int n = conn->stream->ops->try_write(conn->stream, buf, used);
    if (n >= 0 && (size_t)n < used)
        conn_hold_backlog(conn, buf + n, used - (size_t)n);
    rt->wbuf_busy = false;
    if (n < 0)
        dnp3i_conn_close(conn, DNP3_DISCONNECT_RESET, dnp3_strerror(n));
    return n >= 0 && (size_t)n == used;
}

/* Connections woken while the shared buffer was collecting another's
 * output: flushed once it is free. */
static void conn_flush_deferred(dnp3_runtime_t *rt)
{
    while (rt->wbuf_deferred && !rt->wbuf_busy) {
        dnp3_conn_t *c = rt->wbuf_deferred;
        rt->wbuf_deferred = c->deferred_next;
        c->deferred = false;
        if (!c->closing)
            conn_after_event(c);
    }
}

/* Send the session's output. While a backlog is in flight the connection
 * waits: flush again when it completes. A write the kernel took whole
 * leaves nothing behind, so a full one is followed by the next at once.
 * (dnp3i_conn_close flushes once more just before it marks the connection
 * closing.) */
static void conn_flush(dnp3_conn_t *conn)
{
    dnp3_runtime_t *rt = conn->rt;
    if (conn->closing)
        return;
    if (conn->write_pending) {
        conn->flush_again = true;
        return;
    }
    if (rt->wbuf_busy) {
        if (!conn->deferred) {
            conn->deferred = true;
            conn->deferred_next = rt->wbuf_deferred;
            rt->wbuf_deferred = conn;
        }
        return;
    }
    while (conn_flush_once(conn) && conn->flush_again && !conn->closing)
        conn->flush_again = false;
    conn_flush_deferred(rt);
}

static void conn_arm_timer(dnp3_conn_t *conn);

static void on_conn_timer(uv_timer_t *t)
{
    dnp3_conn_t *conn = t->data;
    const dnp3_session_ops_t *ops = conn->session.ops;
    conn->timer_at = DNP3_TIMESTAMP_NEVER; /* one-shot: fired */
    if (conn->closing || !ops->on_timer)
        return;
    /* libuv's loop clock may be a coarse clock a few ms behind
     * CLOCK_MONOTONIC: never call the session before its deadline. */
    dnp3_timestamp_t now = dnp3_runtime_now(conn->rt);
    if (ops->next_deadline && now < ops->next_deadline(conn->session.ctx)) {
        conn_arm_timer(conn);
        return;
    }
    conn->in_session = true;
    int rc = ops->on_timer(conn->session.ctx, now);
    conn->in_session = false;
    if (rc < 0) {
        dnp3i_conn_close(conn, DNP3_DISCONNECT_SESSION, dnp3_strerror(rc));
        return;
    }
    conn_after_event(conn);
}

/* Arm the timer at the session's next deadline, after every event. A
 * timer already armed no later than the deadline is left alone (also when
 * there is no deadline now): when it fires, on_conn_timer asks the session
 * again and re-arms, without calling it early. Deadlines usually move
 * later (a response timeout restarted per request, a keep-alive per
 * frame), so most events touch no timer at all. */
static void conn_arm_timer(dnp3_conn_t *conn)
{
    const dnp3_session_ops_t *ops = conn->session.ops;
    dnp3_timestamp_t deadline =
        ops->next_deadline ? ops->next_deadline(conn->session.ctx) : DNP3_TIMESTAMP_NEVER;
    if (deadline == DNP3_TIMESTAMP_NEVER || conn->timer_at <= deadline)
        return;
    conn->timer_at = deadline;
    dnp3_timestamp_t now = dnp3_runtime_now(conn->rt);
    uint64_t delay = deadline > now ? deadline - now : 0;
    /* The loop clock is cached: refresh it so the delay counts from now. */
    uv_update_time(&conn->rt->loop);
    uv_timer_start(&conn->timer, on_conn_timer, delay, 0);
}

static void conn_after_event(dnp3_conn_t *conn)
{
    if (conn->pending_close && !conn->closing) {
        dnp3_runtime_t *rt = conn->rt;
        bool mine = rt->pending_why_of == conn;
        dnp3i_conn_close(conn, conn->pending_reason, mine ? rt->pending_why : NULL);
        if (mine)
            rt->pending_why_of = NULL;
    }
    if (conn->closing)
        return;
    conn_flush(conn);
    if (!conn->closing)
        conn_arm_timer(conn);
}

void dnp3i_conn_stream_buffer(dnp3_conn_t *conn, uint8_t **buf, size_t *cap)
{
    *buf = conn->rt->rbuf;
    *cap = conn->rt->cfg.read_buffer_size;
}

void dnp3i_conn_stream_read(dnp3_conn_t *conn, const uint8_t *data, size_t len)
{
    if (conn->closing || len == 0)
        return;
    if (conn->client && conn->bytes_in == 0)
        dnp3i_client_answered(conn->client);
    conn->bytes_in += len;
    conn->rt->counters.bytes_in += len;
    if (conn->rt->cfg.busy_poll_us)
        dnp3i_hot_add(conn);
    dnp3i_capture_bytes(conn->rt, conn, false, data, len);
    conn->in_session = true;
    int rc = conn->session.ops->on_bytes(conn->session.ctx, dnp3_runtime_now(conn->rt), data, len);
    conn->in_session = false;
    if (rc < 0) {
        dnp3i_conn_close(conn, DNP3_DISCONNECT_SESSION, dnp3_strerror(rc));
        return;
    }
    conn_after_event(conn);
}

void dnp3i_conn_stream_ended(dnp3_conn_t *conn, int code)
{
    if (code == 0)
        dnp3i_conn_close(conn, DNP3_DISCONNECT_PEER_CLOSED, NULL);
    else
        dnp3i_conn_close(conn, DNP3_DISCONNECT_RESET, dnp3_strerror(code));
}

void dnp3i_conn_stream_written(dnp3_conn_t *conn, int code)
{
    conn->write_pending = false;
    backlog_give(conn->rt, &conn->backlog);
    if (code) {
        dnp3i_conn_close(conn, DNP3_DISCONNECT_RESET, dnp3_strerror(code));
        return;
    }
    if (conn->flush_again && !conn->closing) {
        conn->flush_again = false;
        conn_after_event(conn);
    }
}

static void conn_release(dnp3_conn_t *conn)
{
    if (--conn->handles > 0)
        return;
    dnp3i_hot_remove(conn);
    dnp3i_list_remove(&conn->link);
    backlog_give(conn->rt, &conn->backlog);
    if (conn->rt->pending_why_of == conn)
        conn->rt->pending_why_of = NULL;
    if (conn->deferred) {
        dnp3_conn_t **p = &conn->rt->wbuf_deferred;
        while (*p != conn)
            p = &(*p)->deferred_next;
        *p = conn->deferred_next;
    }
    free(conn);
}

void dnp3i_conn_stream_closed(dnp3_conn_t *conn)
{
    conn_release(conn);
}

static void on_conn_handle_closed(uv_handle_t *h)
{
    conn_release(h->data);
}

static void log_disconnect(dnp3_conn_t *conn, const char *why)
{
    dnp3_runtime_t *rt = conn->rt;
    dnp3_log_level_t level = conn->reason == DNP3_DISCONNECT_RESET ? DNP3_LOG_WARN : DNP3_LOG_INFO;
    if (!dnp3i_log_enabled(rt, level))
        return;
    /* Formatted here, not kept in every connection's record. */
    char local[DNP3_ENDPOINT_TEXT_MAX], peer[DNP3_ENDPOINT_TEXT_MAX];
    dnp3_endpoint_format(&conn->info.local, local, sizeof local);
    dnp3_endpoint_format(&conn->info.peer, peer, sizeof peer);
    dnp3i_log(rt, level, "%s %s: connection %llu with %s closed: %s%s%s (in %llu, out %llu bytes)",
              conn->info.transport, local, (unsigned long long)conn->info.id, peer,
              dnp3_disconnect_reason_name(conn->reason), why && *why ? ": " : "", why ? why : "",
              (unsigned long long)conn->bytes_in, (unsigned long long)conn->bytes_out);
}

void dnp3i_conn_close(dnp3_conn_t *conn, dnp3_disconnect_reason_t reason, const char *why)
{
    if (conn->closing)
        return;
    if (conn->in_session) {
        /* The session asked from inside one of its callbacks: finish that
         * call first (the session is not re-entered), then close. */
        if (!conn->pending_close) {
            conn->pending_close = true;
            conn->pending_reason = reason;
            dnp3_runtime_t *rt = conn->rt;
            if (!rt->pending_why_of) {
                rt->pending_why_of = conn;
                snprintf(rt->pending_why, sizeof rt->pending_why, "%s", why ? why : "");
            }
        }
        return;
    }
    dnp3_runtime_t *rt = conn->rt;
    bool graceful = reason == DNP3_DISCONNECT_SESSION || reason == DNP3_DISCONNECT_LOCAL ||
                    reason == DNP3_DISCONNECT_STOP;
    /* Last output the session has (a final response) goes before the FIN. */
    if (graceful && conn->opened && !conn->write_pending && !conn->flushing)
        conn_flush(conn);
    if (conn->closing)
        return;
    conn->closing = true;
    dnp3i_hot_remove(conn);
    conn->reason = reason;
    rt->counters.disconnects[reason]++;
    rt->counters.open_connections--;
    log_disconnect(conn, why);
    if (conn->opened && conn->session.ops->on_close)
        conn->session.ops->on_close(conn->session.ctx, reason);
    dnp3i_capture_close(rt, conn);
    if (conn->listener)
        dnp3i_listener_conn_closed(conn->listener);
    if (conn->client)
        dnp3i_client_conn_closed(conn->client);
    uv_timer_stop(&conn->timer);
    uv_close((uv_handle_t *)&conn->timer, on_conn_handle_closed);
    if (graceful)
        conn->stream->ops->shutdown(conn->stream);
    else
        conn->stream->ops->close(conn->stream);
}

void dnp3i_conn_abort(dnp3_conn_t *conn)
{
    if (!conn->closing)
        dnp3i_conn_close(conn, DNP3_DISCONNECT_STOP, NULL);
    conn->stream->ops->close(conn->stream);
}

const dnp3_conn_info_t *dnp3_conn_info(const dnp3_conn_t *conn)
{
    return conn ? &conn->info : NULL;
}

dnp3_runtime_t *dnp3_conn_runtime(const dnp3_conn_t *conn)
{
    return conn ? conn->rt : NULL;
}

int dnp3_conn_wake(dnp3_conn_t *conn)
{
    if (!conn)
        return DNP3_E_INVALID_ARG;
    /* Inside a session callback the runtime flushes when it returns: never
     * re-enter the session from its own call. */
    if (!conn->in_session && !conn->flushing)
        conn_after_event(conn);
    return 0;
}

int dnp3_conn_close(dnp3_conn_t *conn, dnp3_disconnect_reason_t reason, const char *why)
{
    if (!conn || (unsigned)reason >= DNP3_DISCONNECT_REASON_COUNT)
        return DNP3_E_INVALID_ARG;
    dnp3i_conn_close(conn, reason, why);
    return 0;
}

uint64_t dnp3_conn_bytes_in(const dnp3_conn_t *conn)
{
    return conn ? conn->bytes_in : 0;
}

uint64_t dnp3_conn_bytes_out(const dnp3_conn_t *conn)
{
    return conn ? conn->bytes_out : 0;
}
