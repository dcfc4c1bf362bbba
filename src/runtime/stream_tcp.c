/* The TCP byte stream (dnp3i_stream_ops_t over a libuv TCP handle), and the
 * socket options every DNP3 TCP connection gets. */
#define _DEFAULT_SOURCE
#include <errno.h>
#include <limits.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>

#include "runtime/runtime_internal.h"

static dnp3i_tcp_stream_t *tcp_of(dnp3i_stream_t *s)
{
    return DNP3I_CONTAINER(s, dnp3i_tcp_stream_t, base);
}

static void on_tcp_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)suggested;
    dnp3i_tcp_stream_t *t = h->data;
    uint8_t *base;
    size_t cap;
    dnp3i_conn_stream_buffer(t->base.conn, &base, &cap);
    *buf = uv_buf_init((char *)base, (unsigned)cap);
}

/* The stream's end (code 0) or a read error, found by libuv's read or by
 * a direct one (tcp_try_read): reading stops and the connection hears it. */
static void read_ended(dnp3i_tcp_stream_t *t, int code)
{
    t->reading = false;
    uv_read_stop((uv_stream_t *)&t->tcp);
    dnp3i_conn_stream_ended(t->base.conn, code);
}

static void on_tcp_read(uv_stream_t *h, ssize_t n, const uv_buf_t *buf)
{
    dnp3i_tcp_stream_t *t = h->data;
    if (n > 0) {
        dnp3i_conn_stream_read(t->base.conn, (const uint8_t *)buf->base, (size_t)n);
        return;
    }
    if (n == 0)
        return; /* EAGAIN */
    read_ended(t, n == UV_EOF ? 0 : dnp3i_error_from_uv((int)n));
}

static int tcp_start_read(dnp3i_stream_t *s)
{
    dnp3i_tcp_stream_t *t = tcp_of(s);
    int rc = uv_read_start((uv_stream_t *)&t->tcp, on_tcp_alloc, on_tcp_read);
    if (rc == 0 && uv_fileno((const uv_handle_t *)&t->tcp, &t->fd) == 0)
        t->reading = true;
    return dnp3i_error_from_uv(rc);
}

/* Busy polling's direct read: recv(MSG_DONTWAIT) on the socket libuv
 * watches, into the buffer on_tcp_alloc would give, reported as
 * on_tcp_read reports. Reading behind libuv's back is safe for a TCP
 * stream (checked against libuv 1.44's uv__read, Debian 12): libuv keeps
 * no read state between its reads (no buffered bytes, no count), reads
 * only when epoll says the socket is readable (level-triggered: bytes we
 * took are no longer reported), and takes an EAGAIN in its stride (read_cb
 * with 0, POLLIN still watched). Its EOF/error handling is the same as
 * ours: EINTR retried, EAGAIN nothing, 0 the end (read stopped, UV_EOF),
 * an errno the end with UV__ERR(errno) (= uv_translate_sys_error). */
static int tcp_try_read(dnp3i_stream_t *s)
{
    dnp3i_tcp_stream_t *t = tcp_of(s);
    if (!t->reading || t->closing)
        return 0;
    uint8_t *buf;
    size_t cap;
    dnp3i_conn_stream_buffer(t->base.conn, &buf, &cap);
    if (cap > INT_MAX)
        cap = INT_MAX;
    ssize_t n;
    do
        n = recv(t->fd, buf, cap, MSG_DONTWAIT);
    while (n < 0 && errno == EINTR);
    if (n > 0) {
        dnp3i_conn_stream_read(t->base.conn, buf, (size_t)n);
        return (int)n;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK))
        return 0;
    read_ended(t, n == 0 ? 0 : dnp3i_error_from_uv(uv_translate_sys_error(errno)));
    return -1;
}

static void on_tcp_written(uv_write_t *req, int status)
{
    dnp3i_tcp_stream_t *t = req->data;
    /* req is in the connection's backlog chunk: the connection frees it
     * from here on. A write cancelled by our own close is not an error to report. */
    if (status == UV_ECANCELED)
        status = 0;
    dnp3i_conn_stream_written(t->base.conn, dnp3i_error_from_uv(status));
}

/* The socket is tried first (dnp3i_conn flushes through try_write): with
 * room in its send buffer (the usual case for DNP3's request/response
 * traffic) the bytes go out in this one send, with no write request, no
 * POLLOUT interest to add and remove (an epoll_ctl) and no loop iteration
 * before the next flush may write. */
static int tcp_try_write(dnp3i_stream_t *s, const uint8_t *data, size_t len)
{
    dnp3i_tcp_stream_t *t = tcp_of(s);
    uv_buf_t buf = uv_buf_init((char *)(uintptr_t)data, (unsigned)len);
    int n = uv_try_write((uv_stream_t *)&t->tcp, &buf, 1);
    if (n == UV_EAGAIN)
        return 0;
    return n < 0 ? dnp3i_error_from_uv(n) : n;
}

/* Only what the socket refused is queued with uv_write. */
static int tcp_write(dnp3i_stream_t *s, dnp3i_write_req_t *req, const uint8_t *data, size_t len)
{
    dnp3i_tcp_stream_t *t = tcp_of(s);
    uv_buf_t buf = uv_buf_init((char *)(uintptr_t)data, (unsigned)len);
    req->uv.data = t;
    return dnp3i_error_from_uv(uv_write(&req->uv, (uv_stream_t *)&t->tcp, &buf, 1, on_tcp_written));
}

static void on_tcp_closed(uv_handle_t *h)
{
    dnp3i_tcp_stream_t *t = h->data;
    dnp3_conn_t *conn = t->base.conn;
    free(t);
    if (conn)
        dnp3i_conn_stream_closed(conn);
}

static void tcp_close(dnp3i_stream_t *s)
{
    dnp3i_tcp_stream_t *t = tcp_of(s);
    if (t->closing)
        return;
    t->closing = true;
    uv_close((uv_handle_t *)&t->tcp, on_tcp_closed);
}

static void on_tcp_shutdown(uv_shutdown_t *req, int status)
{
    (void)status;
    dnp3i_tcp_stream_t *t = req->data;
    tcp_close(&t->base);
}

static void tcp_shutdown(dnp3i_stream_t *s)
{
    dnp3i_tcp_stream_t *t = tcp_of(s);
    if (t->closing)
        return;
    t->reading = false;
    uv_read_stop((uv_stream_t *)&t->tcp);
    t->shutdown_req.data = t;
    /* libuv queues the FIN behind the pending write. */
    if (uv_shutdown(&t->shutdown_req, (uv_stream_t *)&t->tcp, on_tcp_shutdown) != 0)
        tcp_close(s);
}

static int tcp_address(const dnp3i_stream_t *s, bool peer, dnp3_endpoint_t *out)
{
    const dnp3i_tcp_stream_t *t = DNP3I_CONTAINER(s, const dnp3i_tcp_stream_t, base);
    struct sockaddr_storage ss;
    int len = (int)sizeof ss;
    int rc = peer ? uv_tcp_getpeername(&t->tcp, (struct sockaddr *)&ss, &len)
                  : uv_tcp_getsockname(&t->tcp, (struct sockaddr *)&ss, &len);
    if (rc)
        return dnp3i_error_from_uv(rc);
    return dnp3i_endpoint_from_sockaddr((const struct sockaddr *)&ss, out);
}

static const dnp3i_stream_ops_t TCP_OPS = {
    .name = "tcp",
    .start_read = tcp_start_read,
    .try_write = tcp_try_write,
    .write = tcp_write,
    .shutdown = tcp_shutdown,
    .close = tcp_close,
    .address = tcp_address,
    .try_read = tcp_try_read,
};

dnp3i_tcp_stream_t *dnp3i_tcp_stream_new(dnp3_runtime_t *rt)
{
    dnp3i_tcp_stream_t *t = calloc(1, sizeof *t);
    if (!t)
        return NULL;
    t->base.ops = &TCP_OPS;
    if (uv_tcp_init(&rt->loop, &t->tcp) != 0) {
        free(t);
        return NULL;
    }
    t->tcp.data = t;
    return t;
}

void dnp3i_tcp_stream_discard(dnp3i_tcp_stream_t *s)
{
    s->base.conn = NULL;
    tcp_close(&s->base);
}

void dnp3i_keepalive_default(dnp3_keepalive_t *ka)
{
    /* A dead peer is noticed in about 2 minutes (60 s + 6 x 10 s) instead
     * of the system's 2 hours. */
    ka->enabled = true;
    ka->idle_s = 60;
    ka->interval_s = 10;
    ka->count = 6;
}

void dnp3i_tcp_configure(dnp3_runtime_t *rt, uv_tcp_t *tcp, const dnp3_keepalive_t *ka)
{
    /* DNP3 frames are small and latency matters: no Nagle delay. */
    uv_tcp_nodelay(tcp, 1);
    uv_os_fd_t fd;
    if (uv_fileno((const uv_handle_t *)tcp, &fd) != 0)
        return;
    int on = ka->enabled ? 1 : 0;
    if (setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &on, sizeof on) != 0)
        dnp3i_log(rt, DNP3_LOG_WARN, "tcp: cannot set SO_KEEPALIVE");
    if (!on)
        return;
#if defined(TCP_KEEPIDLE) && defined(TCP_KEEPINTVL) && defined(TCP_KEEPCNT)
    int idle = ka->idle_s ? (int)ka->idle_s : 1;
    int intvl = ka->interval_s ? (int)ka->interval_s : 1;
    int cnt = ka->count ? (int)ka->count : 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &idle, sizeof idle) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &intvl, sizeof intvl) != 0 ||
        setsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &cnt, sizeof cnt) != 0)
        dnp3i_log(rt, DNP3_LOG_WARN, "tcp: cannot set the keep-alive timing");
#endif
}
