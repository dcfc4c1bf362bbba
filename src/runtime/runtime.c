/* The runtime: its loop, the clock, closures posted from other threads, and
 * the stop that closes everything cleanly. */
#define _DEFAULT_SOURCE
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "runtime/runtime_internal.h"

void dnp3i_list_init(dnp3i_link_t *head)
{
    head->prev = head->next = head;
}

void dnp3i_list_push(dnp3i_link_t *head, dnp3i_link_t *item)
{
    item->prev = head->prev;
    item->next = head;
    head->prev->next = item;
    head->prev = item;
}

void dnp3i_list_remove(dnp3i_link_t *item)
{
    item->prev->next = item->next;
    item->next->prev = item->prev;
    item->prev = item->next = item;
}

void dnp3_runtime_config_default(dnp3_runtime_config_t *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->logger.level = DNP3_LOG_INFO;
    cfg->refusal_log_interval_ms = 10000;
    cfg->post_queue_size = 4096;
    cfg->write_buffer_size = 8192;
    cfg->read_buffer_size = 4096;
    cfg->write_backlog_max = 1024u * 1024u;
    cfg->fragment_pool_buffers = 256;
    cfg->fragment_pool_buffer_size = DNP3_FRAGMENT_SIZE_DEFAULT;
    cfg->stop_linger_ms = 2000;
    cfg->max_connecting = 256;
    cfg->pcap_flush_ms = 1000;
}

dnp3_timestamp_t dnp3_runtime_now(const dnp3_runtime_t *rt)
{
    (void)rt;
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (dnp3_timestamp_t)ts.tv_sec * 1000u + (dnp3_timestamp_t)ts.tv_nsec / 1000000u;
}

uint64_t dnp3i_wall_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void set_err(char *err, size_t errlen, const char *msg)
{
    if (err && errlen)
        snprintf(err, errlen, "%s", msg);
}

static void on_stop_async(uv_async_t *h);

/* libuv writes to sockets with write(2): a peer that reset the connection
 * would raise SIGPIPE, whose default action kills the process. The write
 * failing with EPIPE is what we want (the connection closes with a
 * reason). A handler the application installed is left alone. */
static void ignore_sigpipe(void)
{
    struct sigaction old;
    if (sigaction(SIGPIPE, NULL, &old) == 0 && old.sa_handler == SIG_DFL) {
        struct sigaction ign;
        memset(&ign, 0, sizeof ign);
        ign.sa_handler = SIG_IGN;
        sigemptyset(&ign.sa_mask);
        sigaction(SIGPIPE, &ign, NULL);
    }
}
static void on_post_async(uv_async_t *h);
static void on_summary_timer(uv_timer_t *h);
static void on_flush_timer(uv_timer_t *h);
static void stop_on_signal(void *arg, int signum);

/* The handles every runtime has. The timers are unref'd: they never keep
 * the loop alive on their own. */
static int init_handles(dnp3_runtime_t *rt)
{
    if (uv_loop_init(&rt->loop))
        return -1;
    rt->loop.data = rt;
    uv_async_init(&rt->loop, &rt->stop_async, on_stop_async);
    uv_async_init(&rt->loop, &rt->post_async, on_post_async);
    rt->stop_async.data = rt->post_async.data = rt;
    uv_timer_init(&rt->loop, &rt->summary_timer);
    uv_timer_init(&rt->loop, &rt->linger_timer);
    uv_timer_init(&rt->loop, &rt->flush_timer);
    uv_timer_init(&rt->loop, &rt->pace_timer);
    rt->pace_timer.data = rt;
    rt->summary_timer.data = rt->linger_timer.data = rt->flush_timer.data = rt;
    uv_unref((uv_handle_t *)&rt->summary_timer);
    uv_unref((uv_handle_t *)&rt->linger_timer);
    uv_unref((uv_handle_t *)&rt->flush_timer);
    if (rt->pcap && rt->cfg.pcap_flush_ms)
        uv_timer_start(&rt->flush_timer, on_flush_timer, rt->cfg.pcap_flush_ms,
                       rt->cfg.pcap_flush_ms);
    uint64_t iv = rt->cfg.refusal_log_interval_ms;
    uv_timer_start(&rt->summary_timer, on_summary_timer, iv, iv);
    if (rt->cfg.stop_on_signals) {
        dnp3_runtime_on_signal(rt, SIGINT, stop_on_signal, rt);
        dnp3_runtime_on_signal(rt, SIGTERM, stop_on_signal, rt);
    }
    return 0;
}

dnp3_runtime_t *dnp3_runtime_new(const dnp3_runtime_config_t *cfg, char *err, size_t errlen)
{
    if (!cfg || cfg->post_queue_size == 0 || cfg->write_buffer_size == 0 ||
        cfg->write_buffer_size > INT_MAX || cfg->write_backlog_max < cfg->write_buffer_size ||
        cfg->read_buffer_size == 0 || cfg->refusal_log_interval_ms == 0 ||
        cfg->busy_poll_us > DNP3I_BUSY_POLL_MAX_US) {
        set_err(err, errlen, "runtime: invalid configuration");
        return NULL;
    }
    dnp3_runtime_t *rt = calloc(1, sizeof *rt);
    if (!rt) {
        set_err(err, errlen, "runtime: out of memory");
        return NULL;
    }
    rt->cfg = *cfg;
    rt->cfg.pcap_path = NULL;
    rt->logger = cfg->logger;
    rt->posts = calloc(cfg->post_queue_size, sizeof *rt->posts);
    rt->rbuf = malloc(cfg->read_buffer_size);
    rt->wbuf = malloc(cfg->write_buffer_size);
    int pool_err = DNP3_OK;
    if (cfg->fragment_pool_buffers > 0)
        rt->frag_pool = dnp3_fragment_pool_new(cfg->fragment_pool_buffers,
                                               cfg->fragment_pool_buffer_size, &pool_err);
    if (!rt->posts || !rt->rbuf || !rt->wbuf || pool_err || uv_mutex_init(&rt->post_lock)) {
        dnp3_fragment_pool_free(rt->frag_pool);
        free(rt->wbuf);
        free(rt->rbuf);
        free(rt->posts);
        free(rt);
        set_err(err, errlen, "runtime: out of memory");
        return NULL;
    }
    if (cfg->pcap_path) {
        rt->pcap = dnp3_pcap_writer_open(cfg->pcap_path, err, errlen);
        if (!rt->pcap) {
            uv_mutex_destroy(&rt->post_lock);
            dnp3_fragment_pool_free(rt->frag_pool);
            free(rt->wbuf);
            free(rt->rbuf);
            free(rt->posts);
            free(rt);
            return NULL;
        }
        /* Each connection is a stream from SYN to FIN. */
        dnp3_pcap_writer_set_tcp_control(rt->pcap, true);
    }
    ignore_sigpipe();
    atomic_init(&rt->stop_requested, false);
    dnp3i_list_init(&rt->conns);
    dnp3i_list_init(&rt->listeners);
    dnp3i_list_init(&rt->clients);
    dnp3i_list_init(&rt->connect_wait);
    rt->next_conn_id = 1;
    atomic_init(&rt->busy_polls, 0);
    atomic_init(&rt->busy_sleeps, 0);
    if (init_handles(rt)) {
        dnp3_pcap_writer_close(rt->pcap);
        uv_mutex_destroy(&rt->post_lock);
        free(rt->wbuf);
        free(rt->rbuf);
        free(rt->posts);
        free(rt);
        set_err(err, errlen, "runtime: cannot create the event loop");
        return NULL;
    }
    return rt;
}

int dnp3_runtime_stop(dnp3_runtime_t *rt)
{
    if (!rt)
        return DNP3_E_INVALID_ARG;
    /* Only the first request signals the loop: after run returned the
     * handle is closed and must not be touched. */
    if (atomic_exchange(&rt->stop_requested, true))
        return 0;
    uv_async_send(&rt->stop_async);
    return 0;
}

int dnp3_runtime_post(dnp3_runtime_t *rt, void (*fn)(void *arg), void *arg)
{
    if (!rt || !fn)
        return DNP3_E_INVALID_ARG;
    int rc = 0;
    uv_mutex_lock(&rt->post_lock);
    if (rt->post_closed) {
        rc = DNP3_E_STOPPED;
    } else if (rt->post_count == rt->cfg.post_queue_size) {
        rc = DNP3_E_QUEUE_FULL;
    } else {
        size_t slot = (rt->post_head + rt->post_count) % rt->cfg.post_queue_size;
        rt->posts[slot].fn = fn;
        rt->posts[slot].arg = arg;
        rt->post_count++;
        /* Sent under the lock: post_closed cannot become true (and the
         * handle be closed) between the check and the send. */
        uv_async_send(&rt->post_async);
    }
    uv_mutex_unlock(&rt->post_lock);
    return rc;
}

/* Run queued closures one at a time, the lock released around each call
 * (a closure may post again): all of them, until the queue is empty (at
 * the stop), or only those queued when the first was taken. Returns
 * whether closures are still queued. */
static bool drain_posts(dnp3_runtime_t *rt, bool all)
{
    size_t left = SIZE_MAX;
    for (;;) {
        uv_mutex_lock(&rt->post_lock);
        if (!all && left == SIZE_MAX)
            left = rt->post_count;
        if (rt->post_count == 0 || left == 0) {
            bool more = rt->post_count > 0;
            uv_mutex_unlock(&rt->post_lock);
            return more;
        }
        dnp3i_post_t p = rt->posts[rt->post_head];
        rt->post_head = (rt->post_head + 1) % rt->cfg.post_queue_size;
        rt->post_count--;
        left--;
        uv_mutex_unlock(&rt->post_lock);
        rt->activity++;
        p.fn(p.arg);
    }
}

/* Only the closures queued when the loop woke run now: one that posts
 * itself again (an application feeding its database in slices) runs again
 * after the loop has polled its connections, so it cannot keep a confirm
 * or a request waiting for as long as it has work. */
static void on_post_async(uv_async_t *h)
{
    dnp3_runtime_t *rt = h->data;
    if (drain_posts(rt, false))
        uv_async_send(&rt->post_async);
}

static void on_summary_timer(uv_timer_t *h)
{
    dnp3i_log_refusal_summary(h->data, false);
}

static void on_flush_timer(uv_timer_t *h)
{
    dnp3_runtime_t *rt = h->data;
    if (dnp3_pcap_writer_flush(rt->pcap) != 0)
        dnp3i_log(rt, DNP3_LOG_WARN, "capture: cannot write to the capture file");
}

static void stop_on_signal(void *arg, int signum)
{
    dnp3_runtime_t *rt = arg;
    dnp3i_log(rt, DNP3_LOG_INFO, "runtime: signal %d, stopping", signum);
    dnp3_runtime_stop(rt);
}

static void on_signal(uv_signal_t *h, int signum)
{
    dnp3_runtime_t *rt = h->loop->data;
    size_t i = (size_t)(h - rt->sig);
    rt->activity++;
    rt->sig_fn[i](rt->sig_arg[i], signum);
}

int dnp3_runtime_on_signal(dnp3_runtime_t *rt, int signum, void (*fn)(void *arg, int signum),
                           void *arg)
{
    if (!rt || !fn || signum <= 0)
        return DNP3_E_INVALID_ARG;
    if (rt->stopping)
        return DNP3_E_STOPPED;
    if (rt->nsig == DNP3_RUNTIME_SIGNAL_MAX)
        return DNP3_E_NOSPACE;
    uv_signal_t *h = &rt->sig[rt->nsig];
    if (uv_signal_init(&rt->loop, h) != 0)
        return DNP3_E_IO;
    if (uv_signal_start(h, on_signal, signum) != 0) {
        /* The slot stays used: its memory belongs to the closing handle. */
        uv_close((uv_handle_t *)h, NULL);
        rt->sig_fn[rt->nsig++] = NULL;
        return DNP3_E_IO;
    }
    uv_unref((uv_handle_t *)h);
    rt->sig_fn[rt->nsig] = fn;
    rt->sig_arg[rt->nsig] = arg;
    rt->nsig++;
    return 0;
}

static void on_linger_timer(uv_timer_t *h)
{
    dnp3_runtime_t *rt = h->data;
    size_t n = 0;
    for (dnp3i_link_t *it = rt->conns.next; it != &rt->conns; it = it->next)
        n++;
    if (n)
        dnp3i_log(rt, DNP3_LOG_WARN,
                  "runtime: %zu connections still busy after %u ms: closing them abruptly", n,
                  (unsigned)rt->cfg.stop_linger_ms);
    dnp3i_link_t *it = rt->conns.next;
    while (it != &rt->conns) {
        dnp3i_link_t *next = it->next;
        dnp3i_conn_abort(DNP3I_CONTAINER(it, dnp3_conn_t, link));
        it = next;
    }
}

/* Close every listener, client and connection; queued closures still run.
 * The loop ends when the last handle has closed. */
static void begin_stop(dnp3_runtime_t *rt)
{
    if (rt->stopping)
        return;
    rt->stopping = true;
    dnp3i_log(rt, DNP3_LOG_INFO, "runtime: stopping");
    for (dnp3i_link_t *it = rt->listeners.next; it != &rt->listeners; it = it->next)
        dnp3i_listener_stop(DNP3I_CONTAINER(it, dnp3_listener_t, link));
    for (dnp3i_link_t *it = rt->clients.next; it != &rt->clients; it = it->next)
        dnp3i_client_stop(DNP3I_CONTAINER(it, dnp3_tcp_client_t, link));
    dnp3i_link_t *it = rt->conns.next;
    while (it != &rt->conns) {
        dnp3i_link_t *next = it->next;
        dnp3i_conn_close(DNP3I_CONTAINER(it, dnp3_conn_t, link), DNP3_DISCONNECT_STOP, NULL);
        it = next;
    }
    uv_timer_start(&rt->linger_timer, on_linger_timer, rt->cfg.stop_linger_ms, 0);
    uv_close((uv_handle_t *)&rt->pace_timer, NULL);
    dnp3i_log_refusal_summary(rt, true);
    dnp3i_log_refusal_total(rt);

    uv_mutex_lock(&rt->post_lock);
    rt->post_closed = true;
    uv_mutex_unlock(&rt->post_lock);
    drain_posts(rt, true);
    uv_close((uv_handle_t *)&rt->post_async, NULL);
    uv_close((uv_handle_t *)&rt->stop_async, NULL);
}

static void on_stop_async(uv_async_t *h)
{
    begin_stop(h->data);
}

/* After the last ref'd handle closed: close the unref'd ones too, so the
 * loop can be closed. */
static void close_leftovers(dnp3_runtime_t *rt)
{
    uv_handle_t *timers[] = {(uv_handle_t *)&rt->summary_timer, (uv_handle_t *)&rt->linger_timer,
                             (uv_handle_t *)&rt->flush_timer, (uv_handle_t *)&rt->pace_timer};
    for (size_t i = 0; i < 4; i++)
        if (!uv_is_closing(timers[i]))
            uv_close(timers[i], NULL);
    for (size_t i = 0; i < rt->nsig; i++)
        if (!uv_is_closing((uv_handle_t *)&rt->sig[i]))
            uv_close((uv_handle_t *)&rt->sig[i], NULL);
    uv_run(&rt->loop, UV_RUN_DEFAULT);
    if (rt->pcap)
        dnp3_pcap_writer_flush(rt->pcap);
}

/* What restarts a busy-poll window: any of these moving. */
static uint64_t activity(const dnp3_runtime_t *rt)
{
    const dnp3_runtime_counters_t *c = &rt->counters;
    return rt->activity + c->bytes_in + c->bytes_out + c->accepted + c->connected;
}

/* Counted for the tests (one writer, the loop thread: no atomic add). */
static void bump(atomic_uint_fast64_t *v)
{
    atomic_store_explicit(v, atomic_load_explicit(v, memory_order_relaxed) + 1,
                          memory_order_relaxed);
}

/* ---- hot connections (busy polling) ---------------------------------------- */

void dnp3i_hot_add(dnp3_conn_t *conn)
{
    dnp3_runtime_t *rt = conn->rt;
    if (rt->nhot && rt->hot[0] == conn)
        return; /* the usual case: the same connection again */
    if (conn->closing || !conn->stream->ops->try_read)
        return;
    size_t at = 0;
    if (conn->hot) {
        while (rt->hot[at] != conn)
            at++;
    } else if (rt->nhot < DNP3I_HOT_MAX) {
        at = rt->nhot++;
    } else {
        at = DNP3I_HOT_MAX - 1; /* the least recent leaves */
        rt->hot[at]->hot = false;
    }
    memmove(&rt->hot[1], &rt->hot[0], at * sizeof rt->hot[0]);
    rt->hot[0] = conn;
    conn->hot = true;
}

void dnp3i_hot_remove(dnp3_conn_t *conn)
{
    if (!conn->hot)
        return;
    dnp3_runtime_t *rt = conn->rt;
    size_t at = 0;
    while (rt->hot[at] != conn)
        at++;
    memmove(&rt->hot[at], &rt->hot[at + 1], (rt->nhot - at - 1) * sizeof rt->hot[0]);
    rt->nhot--;
    conn->hot = false;
}

/* The window ended: the next one starts with no hot connection. */
static void hot_clear(dnp3_runtime_t *rt)
{
    for (size_t i = 0; i < rt->nhot; i++)
        rt->hot[i]->hot = false;
    rt->nhot = 0;
}

/* How long the direct reads of the hot connections go on before the loop
 * runs a round again (its timers, posts, signals, accepts, closes and the
 * connections that are not hot). An arrival the loop's round finds instead
 * costs an epoll_wait and libuv's read (about 1 us more); one found by the
 * direct read costs nothing more. The answer to what a connection sent
 * comes a loopback round trip and the peer's processing later (9-20 us
 * here), so a round that ends before it often ends just as it comes: in
 * bench_latency's SELECT+OPERATE (slow VM state, loaded machine) the share
 * of reads made directly was 85-89 % with 3 us rounds, 93-98 % with 10 us
 * and 99.7-99.9 % with 20 us. A loop round at least every 20 us (plus the
 * work a delivery causes) delays timers, posts and accepts by at most that
 * much: nothing in DNP3 counts in microseconds. */
#define DNP3I_HOT_ROUND_NS 20000u

/* Read the hot connections directly until one of them delivers (bytes or
 * its end: then the loop runs at once, to do what that caused) or the
 * round is over. A try_read that finds nothing calls nothing, so the set
 * cannot change under the loop; one that delivers may change it (a
 * session closing its connection leaves it), and is the last. */
static void read_hot(dnp3_runtime_t *rt)
{
    if (rt->nhot == 0)
        return;
    const uint64_t end = uv_hrtime() + DNP3I_HOT_ROUND_NS;
    do {
        for (size_t i = 0; i < rt->nhot; i++) {
            dnp3_conn_t *conn = rt->hot[i];
            if (conn->stream->ops->try_read(conn->stream) != 0) {
                rt->counters.busy_reads++;
                return;
            }
        }
    } while (uv_hrtime() < end);
}

/* cfg.busy_poll_us: poll without sleeping (epoll_wait with a zero timeout,
 * timers, posts, signals: one uv_run(NOWAIT) is every phase of the loop)
 * until the window after the last traffic has passed, then sleep
 * (uv_run(ONCE)) until something happens; whatever woke the loop is
 * handled by that call. A wake-up that brought traffic starts a window; one
 * that did not (a timer with nothing to send) sleeps again. Between two
 * polls the hot connections are read directly (read_hot): most answers
 * are then found by the read that takes them, not by an epoll_wait that
 * says they are there and the read libuv makes after it. Returns when the
 * loop has no more handles (the stop is complete). */
static void run_busy(dnp3_runtime_t *rt)
{
    const uint64_t window_ns = (uint64_t)rt->cfg.busy_poll_us * 1000u;
    uint64_t seen = activity(rt), until = uv_hrtime() + window_ns;
    for (;;) {
        if (uv_run(&rt->loop, UV_RUN_NOWAIT) == 0)
            return;
        bump(&rt->busy_polls);
        read_hot(rt);
        uint64_t a = activity(rt);
        if (a != seen) {
            seen = a;
            until = uv_hrtime() + window_ns;
            continue;
        }
        if (uv_hrtime() < until)
            continue;
        hot_clear(rt);
        do {
            bump(&rt->busy_sleeps);
            if (uv_run(&rt->loop, UV_RUN_ONCE) == 0)
                return;
        } while (activity(rt) == seen);
        seen = activity(rt);
        until = uv_hrtime() + window_ns;
    }
}

int dnp3_runtime_run(dnp3_runtime_t *rt)
{
    if (!rt)
        return DNP3_E_INVALID_ARG;
    if (rt->ran)
        return DNP3_E_STATE;
    rt->ran = true;
    if (rt->cfg.busy_poll_us) {
        dnp3i_log(rt, DNP3_LOG_INFO, "runtime: busy polling for %u us after traffic",
                  (unsigned)rt->cfg.busy_poll_us);
        run_busy(rt);
    } else {
        uv_run(&rt->loop, UV_RUN_DEFAULT);
    }
    close_leftovers(rt);
    return 0;
}

void dnp3_runtime_free(dnp3_runtime_t *rt)
{
    if (!rt)
        return;
    if (!rt->ran) {
        /* Never run: stop here, on this thread, so handles close. */
        rt->ran = true;
        atomic_store(&rt->stop_requested, true);
        begin_stop(rt);
        uv_run(&rt->loop, UV_RUN_DEFAULT);
        close_leftovers(rt);
    }
    while (rt->listeners.next != &rt->listeners) {
        dnp3i_link_t *it = rt->listeners.next;
        dnp3i_list_remove(it);
        dnp3i_listener_free(DNP3I_CONTAINER(it, dnp3_listener_t, link));
    }
    while (rt->clients.next != &rt->clients) {
        dnp3i_link_t *it = rt->clients.next;
        dnp3i_list_remove(it);
        dnp3i_client_free(DNP3I_CONTAINER(it, dnp3_tcp_client_t, link));
    }
    uv_loop_close(&rt->loop);
    dnp3_pcap_writer_close(rt->pcap);
    uv_mutex_destroy(&rt->post_lock);
    dnp3i_runtime_backlog_free(rt);
    /* Master channels are freed after the runtime: the pool goes with the
     * last channel still using it. */
    dnp3_fragment_pool_free(rt->frag_pool);
    free(rt->wbuf);
    free(rt->rbuf);
    free(rt->posts);
    free(rt);
}

dnp3_fragment_pool_t *dnp3_runtime_fragment_pool(dnp3_runtime_t *rt)
{
    return rt ? rt->frag_pool : NULL;
}

int dnp3_runtime_counters(const dnp3_runtime_t *rt, dnp3_runtime_counters_t *out)
{
    if (!rt || !out)
        return DNP3_E_INVALID_ARG;
    *out = rt->counters;
    return 0;
}

void dnp3_runtime_log(dnp3_runtime_t *rt, dnp3_log_level_t level, const char *fmt, ...)
{
    if (!rt || !fmt)
        return;
    va_list ap;
    va_start(ap, fmt);
    dnp3i_vlog(rt, level, fmt, ap);
    va_end(ap);
}
