/* A connection: drives one sans-IO session over one byte stream. Bytes in
 * go to on_bytes; after every event the session's output is collected into
 * the connection's write buffer and sent in ONE write, and the connection's
 * single timer is re-armed at the session's next deadline. */
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
    uint8_t *wbuf = malloc(rt->cfg.write_buffer_size);
    if (!conn || !wbuf) {
        free(conn);
        free(wbuf);
        return NULL;
    }
    conn->rt = rt;
    conn->stream = stream;
    stream->conn = conn;
    conn->listener = listener;
    conn->client = client;
    conn->session = session;
    conn->info = *info;
    conn->info.id = rt->next_conn_id++;
    conn->wbuf = wbuf;
    conn->wcap = rt->cfg.write_buffer_size;
    dnp3_endpoint_format(&conn->info.peer, conn->peer_text, sizeof conn->peer_text);
    dnp3_endpoint_format(&conn->info.local, conn->local_text, sizeof conn->local_text);
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

/* Collect the session's output into wbuf and send it in one write.
 * Returns DNP3I_STREAM_WRITTEN when the stream took it whole at once (the
 * buffer is free again), 0 otherwise (nothing to send, a write in flight,
 * or the connection closed). */
static int conn_flush_once(dnp3_conn_t *conn)
{
    const dnp3_session_ops_t *ops = conn->session.ops;
    dnp3_timestamp_t now = dnp3_runtime_now(conn->rt);
    size_t used = 0;
    conn->flushing = true;
    while (used < conn->wcap && (!ops->want_write || ops->want_write(conn->session.ctx))) {
        int n = ops->take_output(conn->session.ctx, now, conn->wbuf + used, conn->wcap - used);
        if (n < 0) {
            dnp3i_conn_close(conn, DNP3_DISCONNECT_SESSION, dnp3_strerror(n));
            conn->flushing = false;
            return 0;
        }
        if (n == 0)
            break;
        used += (size_t)n > conn->wcap - used ? conn->wcap - used : (size_t)n;
    }
    conn->flushing = false;
    if (used == 0)
        return 0;
    /* A full buffer may leave output behind: ask again after this write. */
    conn->flush_again = used == conn->wcap;
    dnp3i_capture_bytes(conn->rt, conn, true, conn->wbuf, used);
    int rc = conn->stream->ops->write(conn->stream, conn->wbuf, used);
    if (rc < 0) {
        dnp3i_conn_close(conn, DNP3_DISCONNECT_RESET, dnp3_strerror(rc));
        return 0;
    }
    conn->write_pending = rc != DNP3I_STREAM_WRITTEN;
    conn->bytes_out += used;
    conn->rt->counters.bytes_out += used;
    conn->rt->counters.writes++;
    return rc;
}

/* Send the session's output. While a write is in flight the buffer is
 * busy: flush again when it completes. A write the stream took at once
 * frees the buffer, so a full one is followed by the next at once.
 * (dnp3i_conn_close flushes once more just before it marks the connection
 * closing.) */
static void conn_flush(dnp3_conn_t *conn)
{
    if (conn->closing)
        return;
    if (conn->write_pending) {
        conn->flush_again = true;
        return;
    }
    while (conn_flush_once(conn) == DNP3I_STREAM_WRITTEN && conn->flush_again && !conn->closing)
        conn->flush_again = false;
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
    if (conn->pending_close && !conn->closing)
        dnp3i_conn_close(conn, conn->pending_reason, conn->pending_why);
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
    dnp3i_list_remove(&conn->link);
    free(conn->wbuf);
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
    dnp3i_log(rt, level, "%s %s: connection %llu with %s closed: %s%s%s (in %llu, out %llu bytes)",
              conn->info.transport, conn->local_text, (unsigned long long)conn->info.id,
              conn->peer_text, dnp3_disconnect_reason_name(conn->reason), why && *why ? ": " : "",
              why ? why : "", (unsigned long long)conn->bytes_in,
              (unsigned long long)conn->bytes_out);
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
            snprintf(conn->pending_why, sizeof conn->pending_why, "%s", why ? why : "");
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
