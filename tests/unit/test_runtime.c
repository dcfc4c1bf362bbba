/* runtime: the libuv runtime driving fake sessions over loopback (127.0.0.1
 * and ::1, ephemeral ports). Every test stops itself when what it waits for
 * has happened; a watchdog thread stops a stuck one after a generous bound
 * (and the test then fails). No test measures a duration. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "capture.h"
#include "dnp3/runtime.h"
#include "runtime/runtime_internal.h"

#define WATCHDOG_S 30
#define MAX_FAKES  32
#define MAX_LOG    512

/* ---- a scripted session -------------------------------------------------- */

typedef struct fake {
    bool used;
    bool server;
    dnp3_conn_t *conn;
    dnp3_conn_info_t info;
    uint8_t out[4096];
    size_t out_len, out_pos;
    size_t chunk; /* most bytes per take_output call (0 = all) */
    uint8_t in[4096];
    size_t in_len;
    size_t reply_after;  /* server: once this many bytes came in, answer them upper-cased */
    uint32_t timer_step; /* deadline every timer_step ms after open ... */
    int timer_limit;     /* ... this many times */
    dnp3_timestamp_t deadline;
    int timer_calls, timer_early;
    int opens, closes;
    dnp3_disconnect_reason_t reason;
    int connecting, failures;
    int failure_codes[16];
    char failure_endpoint[64];
} fake_t;

static struct {
    dnp3_runtime_t *rt;
    fake_t fakes[MAX_FAKES];
    char log[MAX_LOG][256];
    size_t nlog;
    void (*check)(void); /* after every session event: stop when done */
    const char *refuse;  /* accept callback refuses with this text */
    fake_t *server_template;
    const dnp3_session_ops_t *server_ops, *client_ops; /* NULL: FAKE_OPS */
    pthread_t watchdog;
    pthread_mutex_t lock;
    pthread_cond_t cond;
    bool done, watchdog_fired;
    /* test_client_backoff: the server appears after failures */
    dnp3_tcp_server_config_t late_server;
    int late_after;
    /* Busy polling for the runtimes the test makes (0: off), and the polls
     * the last run made without sleeping. */
    uint32_t busy_poll_us;
    uint64_t busy_polls;
} T;

static void queue_out(fake_t *f, const void *data, size_t len)
{
    assert_true(f->out_len + len <= sizeof f->out);
    memcpy(f->out + f->out_len, data, len);
    f->out_len += len;
}

static void check(void)
{
    if (T.check)
        T.check();
}

static void fake_open(void *ctx, dnp3_conn_t *conn, const dnp3_conn_info_t *info,
                      dnp3_timestamp_t now)
{
    fake_t *f = ctx;
    assert_ptr_equal(dnp3_conn_runtime(conn), T.rt);
    assert_int_equal(dnp3_conn_info(conn)->id, info->id);
    f->conn = conn;
    f->info = *info;
    f->opens++;
    f->deadline = f->timer_limit ? now + f->timer_step : DNP3_TIMESTAMP_NEVER;
    check();
}

static int fake_bytes(void *ctx, dnp3_timestamp_t now, const uint8_t *data, size_t len)
{
    (void)now;
    fake_t *f = ctx;
    assert_true(f->in_len + len <= sizeof f->in);
    memcpy(f->in + f->in_len, data, len);
    f->in_len += len;
    if (f->server && f->reply_after && f->in_len == f->reply_after) {
        for (size_t i = 0; i < f->in_len; i++) {
            uint8_t c = f->in[i];
            c = (uint8_t)(c >= 'a' && c <= 'z' ? c - 32 : c);
            queue_out(f, &c, 1);
        }
    }
    check();
    return 0;
}

static int fake_take(void *ctx, dnp3_timestamp_t now, uint8_t *buf, size_t cap)
{
    (void)now;
    fake_t *f = ctx;
    size_t n = f->out_len - f->out_pos;
    if (f->chunk && n > f->chunk)
        n = f->chunk;
    if (n > cap)
        n = cap;
    memcpy(buf, f->out + f->out_pos, n);
    f->out_pos += n;
    return (int)n;
}

static bool fake_want(void *ctx)
{
    fake_t *f = ctx;
    return f->out_pos < f->out_len;
}

static dnp3_timestamp_t fake_deadline(void *ctx)
{
    fake_t *f = ctx;
    return f->deadline;
}

static int fake_timer(void *ctx, dnp3_timestamp_t now)
{
    fake_t *f = ctx;
    f->timer_calls++;
    if (now < f->deadline)
        f->timer_early++;
    f->deadline =
        f->timer_calls < f->timer_limit ? f->deadline + f->timer_step : DNP3_TIMESTAMP_NEVER;
    check();
    return 0;
}

static void fake_close(void *ctx, dnp3_disconnect_reason_t reason)
{
    fake_t *f = ctx;
    f->closes++;
    f->reason = reason;
    f->conn = NULL;
    check();
}

static void fake_connect_failed(void *ctx, const char *endpoint, int code)
{
    fake_t *f = ctx;
    if (f->failures < 16)
        f->failure_codes[f->failures] = code;
    f->failures++;
    snprintf(f->failure_endpoint, sizeof f->failure_endpoint, "%s", endpoint);
    if (T.late_after && f->failures == T.late_after)
        assert_int_equal(dnp3_runtime_add_tcp_server(T.rt, &T.late_server, NULL), 0);
    check();
}

static void fake_connecting(void *ctx, const char *endpoint)
{
    fake_t *f = ctx;
    assert_non_null(endpoint);
    f->connecting++;
    check();
}

static const dnp3_session_ops_t FAKE_OPS = {
    .on_open = fake_open,
    .on_bytes = fake_bytes,
    .take_output = fake_take,
    .want_write = fake_want,
    .next_deadline = fake_deadline,
    .on_timer = fake_timer,
    .on_close = fake_close,
    .on_connect_failed = fake_connect_failed,
    .on_connecting = fake_connecting,
};

static fake_t *fake_new(bool server)
{
    for (size_t i = 0; i < MAX_FAKES; i++) {
        if (!T.fakes[i].used) {
            fake_t *f = &T.fakes[i];
            memset(f, 0, sizeof *f);
            f->used = true;
            f->server = server;
            f->deadline = DNP3_TIMESTAMP_NEVER;
            return f;
        }
    }
    fail_msg("no free fake session");
    return NULL;
}

/* Server sessions, counted by state. */
static int count_fakes(bool server, int opens, int closes)
{
    int n = 0;
    for (size_t i = 0; i < MAX_FAKES; i++) {
        fake_t *f = &T.fakes[i];
        if (f->used && f->server == server && f->opens >= opens && f->closes >= closes)
            n++;
    }
    return n;
}

static int accept_fake(void *user, const dnp3_conn_info_t *info, dnp3_session_t *session, char *why,
                       size_t why_cap)
{
    (void)user;
    (void)info;
    if (T.refuse) {
        snprintf(why, why_cap, "%s", T.refuse);
        return DNP3_E_STATE;
    }
    fake_t *f = fake_new(true);
    if (T.server_template) {
        f->reply_after = T.server_template->reply_after;
        f->chunk = T.server_template->chunk;
        f->timer_step = T.server_template->timer_step;
        f->timer_limit = T.server_template->timer_limit;
    }
    session->ops = T.server_ops ? T.server_ops : &FAKE_OPS;
    session->ctx = f;
    return 0;
}

/* ---- the runtime under test ------------------------------------------------ */

static void test_logger(void *ctx, dnp3_log_level_t level, const char *msg)
{
    (void)ctx;
    if (getenv("DNP3C_TEST_VERBOSE"))
        fprintf(stderr, "[%s] %s\n", dnp3_log_level_name(level), msg);
    if (T.nlog < MAX_LOG)
        snprintf(T.log[T.nlog++], sizeof T.log[0], "%s", msg);
}

static int log_count(const char *needle)
{
    int n = 0;
    for (size_t i = 0; i < T.nlog; i++)
        if (strstr(T.log[i], needle))
            n++;
    return n;
}

static dnp3_runtime_t *rt_new(const char *pcap)
{
    dnp3_runtime_config_t cfg;
    dnp3_runtime_config_default(&cfg);
    cfg.logger.log = test_logger;
    cfg.logger.level = DNP3_LOG_DEBUG;
    /* Long enough that summaries come only at the stop: the lines are exact. */
    cfg.refusal_log_interval_ms = 600000;
    cfg.pcap_path = pcap;
    cfg.busy_poll_us = T.busy_poll_us;
    char err[128];
    T.rt = dnp3_runtime_new(&cfg, err, sizeof err);
    assert_non_null(T.rt);
    return T.rt;
}

static uint16_t server_add(const char *address, size_t max, const char *const *allow, size_t nallow)
{
    dnp3_tcp_server_config_t cfg;
    dnp3_tcp_server_config_default(&cfg);
    cfg.address = address;
    cfg.port = 0;
    cfg.max_connections = max;
    cfg.allow = allow;
    cfg.allow_count = nallow;
    cfg.accept = accept_fake;
    dnp3_listener_t *l = NULL;
    int rc = dnp3_runtime_add_tcp_server(T.rt, &cfg, &l);
    if (rc != 0)
        return 0;
    dnp3_endpoint_t ep;
    assert_int_equal(dnp3_listener_endpoint(l, &ep), 0);
    assert_int_not_equal(ep.port, 0);
    return ep.port;
}

/* A client with its own fake session over eps[0..n). */
static fake_t *client_add_eps(const dnp3_tcp_endpoint_t *eps, size_t n, uint32_t connect_timeout,
                              uint32_t backoff_min, uint32_t backoff_max, dnp3_tcp_client_t **out)
{
    fake_t *f = fake_new(false);
    dnp3_tcp_client_config_t cfg;
    dnp3_tcp_client_config_default(&cfg);
    cfg.endpoints = eps;
    cfg.endpoint_count = n;
    cfg.connect_timeout_ms = connect_timeout;
    cfg.backoff_min_ms = backoff_min;
    cfg.backoff_max_ms = backoff_max;
    cfg.session.ops = T.client_ops ? T.client_ops : &FAKE_OPS;
    cfg.session.ctx = f;
    assert_int_equal(dnp3_runtime_add_tcp_client(T.rt, &cfg, out), 0);
    return f;
}

static fake_t *client_add(const char *host, uint16_t port, uint32_t backoff_min,
                          uint32_t backoff_max)
{
    dnp3_tcp_endpoint_t ep = {.host = host, .port = port};
    return client_add_eps(&ep, 1, 5000, backoff_min, backoff_max, NULL);
}

static void *watchdog_main(void *arg)
{
    (void)arg;
    struct timespec until;
    clock_gettime(CLOCK_REALTIME, &until);
    until.tv_sec += WATCHDOG_S;
    pthread_mutex_lock(&T.lock);
    while (!T.done) {
        if (pthread_cond_timedwait(&T.cond, &T.lock, &until) == ETIMEDOUT) {
            T.watchdog_fired = true;
            dnp3_runtime_stop(T.rt);
            break;
        }
    }
    pthread_mutex_unlock(&T.lock);
    return NULL;
}

/* Run until the test's check() stops the runtime (or the watchdog does). */
static void run(void)
{
    T.done = false;
    T.watchdog_fired = false;
    assert_int_equal(pthread_create(&T.watchdog, NULL, watchdog_main, NULL), 0);
    assert_int_equal(dnp3_runtime_run(T.rt), 0);
    T.busy_polls = atomic_load(&T.rt->busy_polls);
    /* With busy polling the loop did poll without sleeping (and none
     * without it). */
    if (T.busy_poll_us)
        assert_true(T.busy_polls > 0);
    else
        assert_int_equal(T.busy_polls, 0);
    pthread_mutex_lock(&T.lock);
    T.done = true;
    pthread_cond_signal(&T.cond);
    pthread_mutex_unlock(&T.lock);
    pthread_join(T.watchdog, NULL);
    assert_false(T.watchdog_fired);
}

static dnp3_runtime_counters_t counters(void)
{
    dnp3_runtime_counters_t c;
    assert_int_equal(dnp3_runtime_counters(T.rt, &c), 0);
    return c;
}

static int setup(void **state)
{
    (void)state;
    memset(T.fakes, 0, sizeof T.fakes);
    T.nlog = 0;
    T.check = NULL;
    T.refuse = NULL;
    T.server_template = NULL;
    T.server_ops = T.client_ops = NULL;
    T.late_after = 0;
    T.busy_poll_us = 0;
    T.busy_polls = 0;
    pthread_mutex_init(&T.lock, NULL);
    pthread_cond_init(&T.cond, NULL);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    dnp3_runtime_free(T.rt);
    T.rt = NULL;
    pthread_mutex_destroy(&T.lock);
    pthread_cond_destroy(&T.cond);
    return 0;
}

/* A port nothing listens on: bound, then released. */
static uint16_t closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    socklen_t len = sizeof sa;
    assert_int_equal(getsockname(fd, (struct sockaddr *)&sa, &len), 0);
    close(fd);
    return ntohs(sa.sin_port);
}

/* ---- echo: one request, one answer, each in one write --------------------- */

static fake_t *echo_client;

static void check_echo(void)
{
    if (echo_client->in_len == 11)
        dnp3_runtime_stop(T.rt);
}

static void echo_over(const char *address, const char *host)
{
    rt_new(NULL);
    fake_t tmpl = {.reply_after = 11, .chunk = 5};
    T.server_template = &tmpl;
    uint16_t port = server_add(address, 4, NULL, 0);
    if (port == 0)
        skip(); /* no IPv6 on this machine */
    echo_client = client_add(host, port, 1000, 1000);
    /* "hello world" handed over in pieces of 4: 4 + 4 + 3 bytes ... */
    echo_client->chunk = 4;
    queue_out(echo_client, "hello world", 11);
    T.check = check_echo;
    run();

    assert_memory_equal(echo_client->in, "HELLO WORLD", 11);
    fake_t *server = &T.fakes[1];
    assert_true(server->server);
    assert_memory_equal(server->in, "hello world", 11);
    dnp3_runtime_counters_t c = counters();
    /* ... yet sent in one write each way. */
    assert_int_equal(c.writes, 2);
    assert_int_equal(c.bytes_out, 22);
    assert_int_equal(c.bytes_in, 22);
    assert_int_equal(c.accepted, 1);
    assert_int_equal(c.connected, 1);
    assert_int_equal(c.disconnects[DNP3_DISCONNECT_STOP], 2);
    assert_int_equal(c.open_connections, 0);
    assert_int_equal(server->closes, 1);
    assert_int_equal(server->reason, DNP3_DISCONNECT_STOP);
    assert_int_equal(echo_client->closes, 1);
    assert_false(server->info.outgoing);
    assert_true(echo_client->info.outgoing);
    assert_int_equal(server->info.peer.port, echo_client->info.local.port);
    assert_int_equal(server->info.local.port, port);
    assert_string_equal(server->info.transport, "tcp");
    assert_int_equal(log_count("accepted connection 1 from"), 1);
    assert_int_equal(log_count("runtime stopping"), 2);
}

static void test_echo_ipv4(void **state)
{
    (void)state;
    echo_over("127.0.0.1", "127.0.0.1");
    assert_int_equal(echo_client->info.peer.family, 4);
}

/* Output larger than the write buffer: the first write takes a full
 * buffer, and the rest follows in further writes at once (each taken whole
 * by the socket, so no completion is waited for), in order. */
static fake_t *big_client;

static void check_big(void)
{
    if (T.fakes[1].in_len == 3000)
        dnp3_runtime_stop(T.rt);
}

static void test_output_beyond_write_buffer(void **state)
{
    (void)state;
    dnp3_runtime_config_t cfg;
    dnp3_runtime_config_default(&cfg);
    cfg.logger.log = test_logger;
    cfg.write_buffer_size = 1024;
    char err[128];
    T.rt = dnp3_runtime_new(&cfg, err, sizeof err);
    assert_non_null(T.rt);
    fake_t tmpl = {.reply_after = 0};
    T.server_template = &tmpl;
    uint16_t port = server_add("127.0.0.1", 4, NULL, 0);
    big_client = client_add("127.0.0.1", port, 1000, 1000);
    uint8_t data[3000];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 7u + i / 256u);
    queue_out(big_client, data, sizeof data);
    T.check = check_big;
    run();

    fake_t *server = &T.fakes[1];
    assert_true(server->server);
    assert_int_equal(server->in_len, 3000);
    assert_memory_equal(server->in, data, sizeof data);
    dnp3_runtime_counters_t c = counters();
    assert_int_equal(c.writes, 3); /* 1024 + 1024 + 952 */
    assert_int_equal(c.bytes_out, 3000);
}

/* ---- the shared write buffer and the backlog of partial writes -------------
 * A scripted stream stands for the kernel: it takes at most `room` bytes
 * of each try_write and keeps a queued write until the test completes it. */

typedef struct script_stream {
    dnp3i_stream_t base;
    size_t room; /* bytes each try_write takes */
    uint8_t sent[256];
    size_t sent_len;
    const uint8_t *queued; /* write in flight */
    size_t queued_len;
    bool closed;
} script_stream_t;

static int script_start_read(dnp3i_stream_t *s)
{
    (void)s;
    return 0;
}

static void script_keep(script_stream_t *st, const uint8_t *data, size_t len)
{
    assert_true(st->sent_len + len <= sizeof st->sent);
    memcpy(st->sent + st->sent_len, data, len);
    st->sent_len += len;
}

static int script_try_write(dnp3i_stream_t *s, const uint8_t *data, size_t len)
{
    script_stream_t *st = (script_stream_t *)s;
    assert_null(st->queued); /* never a second write while one is in flight */
    size_t n = len < st->room ? len : st->room;
    script_keep(st, data, n);
    return (int)n;
}

static int script_write(dnp3i_stream_t *s, dnp3i_write_req_t *req, const uint8_t *data, size_t len)
{
    script_stream_t *st = (script_stream_t *)s;
    assert_non_null(req);
    assert_null(st->queued);
    st->queued = data;
    st->queued_len = len;
    return 0;
}

static void script_close(dnp3i_stream_t *s)
{
    script_stream_t *st = (script_stream_t *)s;
    if (st->closed)
        return;
    st->closed = true;
    dnp3i_conn_stream_closed(s->conn);
}

static const dnp3i_stream_ops_t SCRIPT_OPS = {
    .name = "script",
    .start_read = script_start_read,
    .try_write = script_try_write,
    .write = script_write,
    .shutdown = script_close,
    .close = script_close,
};

/* The kernel sends what was queued. */
static void script_complete(script_stream_t *st)
{
    assert_non_null(st->queued);
    const uint8_t *data = st->queued;
    size_t len = st->queued_len;
    st->queued = NULL;
    script_keep(st, data, len);
    dnp3i_conn_stream_written(st->base.conn, 0);
}

static void script_runtime(size_t write_buffer, size_t backlog_max)
{
    dnp3_runtime_config_t cfg;
    dnp3_runtime_config_default(&cfg);
    cfg.logger.log = test_logger;
    cfg.write_buffer_size = write_buffer;
    cfg.write_backlog_max = backlog_max;
    T.rt = dnp3_runtime_new(&cfg, NULL, 0);
    assert_non_null(T.rt);
}

static fake_t *script_open(script_stream_t *st, size_t room)
{
    st->base.ops = &SCRIPT_OPS;
    st->room = room;
    fake_t *f = fake_new(false);
    dnp3_conn_info_t info = {.transport = "script"};
    dnp3_conn_t *conn = dnp3i_conn_new(
        T.rt, &st->base, (dnp3_session_t){.ops = &FAKE_OPS, .ctx = f}, NULL, NULL, &info);
    assert_non_null(conn);
    f->conn = conn; /* on_open comes at dnp3i_conn_start */
    return f;
}

static void test_partial_writes_keep_the_rest(void **state)
{
    (void)state;
    script_runtime(16, 32);
    static script_stream_t st;
    memset(&st, 0, sizeof st);
    fake_t *f = script_open(&st, 10);
    uint8_t data[40];
    for (size_t i = 0; i < sizeof data; i++)
        data[i] = (uint8_t)(i * 13u + 1u);
    queue_out(f, data, sizeof data);
    dnp3i_conn_start(f->conn);

    /* 16 bytes collected, the kernel took 10, 6 wait in a backlog chunk
     * (not in the shared buffer, which the next connection reuses), and
     * the session keeps the rest until they are sent. */
    assert_int_equal(st.sent_len, 10);
    assert_int_equal(st.queued_len, 6);
    assert_ptr_not_equal(st.queued, T.rt->wbuf);
    assert_int_equal(f->out_pos, 16);
    assert_int_equal(T.rt->backlog_held, 1);
    assert_int_equal(dnp3_conn_bytes_out(f->conn), 16);

    script_complete(&st); /* then 16 more: 10 now, 6 queued */
    assert_int_equal(st.sent_len, 26);
    assert_int_equal(st.queued_len, 6);
    assert_int_equal(f->out_pos, 32);
    script_complete(&st); /* the last 8: 8 taken at once */
    assert_null(st.queued);
    assert_int_equal(st.sent_len, 40);
    assert_memory_equal(st.sent, data, sizeof data);
    assert_int_equal(T.rt->backlog_held, 0);
    assert_int_equal(T.rt->backlog_chunks, 1); /* one chunk, reused */
    dnp3_runtime_counters_t c = counters();
    assert_int_equal(c.writes, 3);
    assert_int_equal(c.bytes_out, 40);
    assert_int_equal(f->closes, 0);
}

static void test_backlog_full_closes_and_says_why(void **state)
{
    (void)state;
    script_runtime(16, 16); /* room for one backlog chunk */
    static script_stream_t a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    fake_t *fa = script_open(&a, 4);
    fake_t *fb = script_open(&b, 4);
    queue_out(fa, "0123456789", 10);
    queue_out(fb, "abcdefghij", 10);
    dnp3i_conn_start(fa->conn);
    assert_int_equal(a.queued_len, 6);
    dnp3i_conn_start(fb->conn);
    /* b's 6 refused bytes have nowhere to go: closed, never dropped
     * silently. */
    assert_int_equal(fb->closes, 1);
    assert_int_equal(fb->reason, DNP3_DISCONNECT_RESET);
    assert_int_equal(log_count("did not take 6 bytes and the write backlog is full"), 1);
    assert_int_equal(log_count("closed: connection error: write backlog full"), 1);
    assert_int_equal(fa->closes, 0);
    script_complete(&a);
    assert_int_equal(a.sent_len, 10);
    assert_memory_equal(a.sent, "0123456789", 10);
    assert_int_equal(T.rt->backlog_held, 0);
}

/* A session that, while its output is being collected, wakes another
 * connection (an application callback could): that one must wait for the
 * shared buffer, then be flushed, and neither output is mixed. */
static dnp3_conn_t *wake_other;

static int take_and_wake(void *ctx, dnp3_timestamp_t now, uint8_t *buf, size_t cap)
{
    /* Part of this output is in the shared buffer when the other wakes. */
    int n = fake_take(ctx, now, buf, cap);
    if (wake_other) {
        dnp3_conn_t *other = wake_other;
        wake_other = NULL;
        assert_int_equal(dnp3_conn_wake(other), 0);
        assert_true(other->deferred);
    }
    return n;
}

static void test_wake_during_flush_waits_for_the_buffer(void **state)
{
    (void)state;
    script_runtime(64, 64);
    static script_stream_t a, b;
    memset(&a, 0, sizeof a);
    memset(&b, 0, sizeof b);
    static dnp3_session_ops_t waking;
    waking = FAKE_OPS;
    waking.take_output = take_and_wake;
    fake_t *fa = script_open(&a, 64);
    a.base.conn->session.ops = &waking;
    fake_t *fb = script_open(&b, 64);
    dnp3i_conn_start(fb->conn); /* nothing to send yet */
    queue_out(fb, "from b", 6);
    queue_out(fa, "from a", 6);
    fa->chunk = 3; /* two take_output calls */
    wake_other = fb->conn;
    dnp3i_conn_start(fa->conn);
    assert_int_equal(a.sent_len, 6);
    assert_memory_equal(a.sent, "from a", 6);
    assert_int_equal(b.sent_len, 6);
    assert_memory_equal(b.sent, "from b", 6);
    assert_false(fb->conn->deferred);
    assert_null(T.rt->wbuf_deferred);
}

static void test_echo_ipv6(void **state)
{
    (void)state;
    echo_over("::1", "::1");
    assert_int_equal(echo_client->info.peer.family, 6);
    assert_int_equal(log_count("accepted connection 1 from [::1]:"), 1);
}

/* ---- connect pacing (max_connecting) ---------------------------------------- */

#define PACED 4
static fake_t *paced[PACED];
static int paced_most_unanswered;

/* Clients that began connecting and have heard nothing from their server. */
static void check_paced(void)
{
    int unanswered = 0, answered = 0;
    for (size_t i = 0; i < PACED; i++) {
        if (!paced[i])
            return; /* still being added */
        if (paced[i]->connecting && paced[i]->in_len == 0)
            unanswered++;
        if (paced[i]->in_len == 2)
            answered++;
    }
    if (unanswered > paced_most_unanswered)
        paced_most_unanswered = unanswered;
    if (answered == PACED)
        dnp3_runtime_stop(T.rt);
}

/* With max_connecting 1, four clients started together connect one after
 * the other: the next begins only once the server answered the previous
 * one (its connect completed in the kernel before the accept), in the
 * order they were added. */
static void test_connect_pacing(void **state)
{
    (void)state;
    dnp3_runtime_config_t cfg;
    dnp3_runtime_config_default(&cfg);
    assert_int_equal(cfg.max_connecting, 256);
    cfg.logger.log = test_logger;
    cfg.logger.level = DNP3_LOG_DEBUG;
    cfg.max_connecting = 1;
    T.rt = dnp3_runtime_new(&cfg, NULL, 0);
    assert_non_null(T.rt);
    fake_t tmpl = {.reply_after = 2};
    T.server_template = &tmpl;
    uint16_t port = server_add("127.0.0.1", PACED, NULL, 0);
    memset(paced, 0, sizeof paced);
    paced_most_unanswered = 0;
    for (size_t i = 0; i < PACED; i++) {
        paced[i] = client_add("127.0.0.1", port, 1000, 1000);
        queue_out(paced[i], "hi", 2);
    }
    /* Only the first began: the others wait for its slot. */
    assert_int_equal(paced[0]->connecting, 1);
    assert_int_equal(paced[1]->connecting + paced[2]->connecting + paced[3]->connecting, 0);
    T.check = check_paced;
    run();

    assert_int_equal(paced_most_unanswered, 1);
    for (size_t i = 0; i < PACED; i++) {
        assert_int_equal(paced[i]->connecting, 1);
        assert_memory_equal(paced[i]->in, "HI", 2);
    }
    /* Accepted in the order added: server session k answers client k. */
    for (size_t i = 0; i < PACED; i++) {
        fake_t *server = &T.fakes[PACED + i];
        assert_true(server->server);
        assert_int_equal(server->info.peer.port, paced[i]->info.local.port);
    }
    assert_int_equal(counters().connect_attempts, PACED);
}

/* ---- refusals at accept ------------------------------------------------------ */

static void check_limit(void)
{
    /* Two held, the third closed by the server. */
    if (count_fakes(true, 1, 0) == 2 && count_fakes(false, 1, 1) == 1)
        dnp3_runtime_stop(T.rt);
}

static void test_max_connections(void **state)
{
    (void)state;
    rt_new(NULL);
    uint16_t port = server_add("127.0.0.1", 2, NULL, 0);
    for (int i = 0; i < 3; i++)
        client_add("127.0.0.1", port, 60000, 60000);
    T.check = check_limit;
    run();

    dnp3_runtime_counters_t c = counters();
    assert_int_equal(c.accepted, 2);
    assert_int_equal(c.refused[DNP3_REFUSE_LIMIT], 1);
    assert_int_equal(c.refused[DNP3_REFUSE_ALLOW_LIST], 0);
    assert_int_equal(c.connected, 3); /* TCP itself connected all three */
    assert_int_equal(count_fakes(true, 1, 1), 2);
    assert_int_equal(log_count("refused connection from 127.0.0.1:"), 1);
    assert_int_equal(log_count(": connection limit reached: 2 of 2 open"), 1);
    /* The refused client saw its peer close. */
    for (size_t i = 0; i < MAX_FAKES; i++)
        if (T.fakes[i].used && !T.fakes[i].server && T.fakes[i].reason != DNP3_DISCONNECT_STOP)
            assert_int_equal(T.fakes[i].reason, DNP3_DISCONNECT_PEER_CLOSED);
}

static void check_allow(void)
{
    if (count_fakes(true, 1, 0) == 1 && count_fakes(false, 1, 1) == 1)
        dnp3_runtime_stop(T.rt);
}

static void test_allow_list(void **state)
{
    (void)state;
    rt_new(NULL);
    static const char *const elsewhere[] = {"10.0.0.0/8", "2001:db8::/32", "127.0.0.2"};
    static const char *const loopback[] = {"192.168.0.0/16", "127.0.0.0/8"};
    uint16_t closed = server_add("127.0.0.1", 4, elsewhere, 3);
    uint16_t open = server_add("127.0.0.1", 4, loopback, 2);
    client_add("127.0.0.1", closed, 60000, 60000);
    client_add("127.0.0.1", open, 60000, 60000);
    T.check = check_allow;
    run();

    dnp3_runtime_counters_t c = counters();
    assert_int_equal(c.refused[DNP3_REFUSE_ALLOW_LIST], 1);
    assert_int_equal(c.refused[DNP3_REFUSE_LIMIT], 0);
    assert_int_equal(c.accepted, 1);
    assert_int_equal(log_count(": source not in allow-list"), 1);
}

static void check_session_refused(void)
{
    if (count_fakes(false, 1, 1) == 1)
        dnp3_runtime_stop(T.rt);
}

static void test_accept_callback_refuses(void **state)
{
    (void)state;
    rt_new(NULL);
    T.refuse = "no association for this port";
    uint16_t port = server_add("127.0.0.1", 4, NULL, 0);
    client_add("127.0.0.1", port, 60000, 60000);
    T.check = check_session_refused;
    run();
    assert_int_equal(counters().refused[DNP3_REFUSE_SESSION], 1);
    assert_int_equal(log_count("refused by session: no association for this port"), 1);
}

/* A flood from one source: one full line, then one summary with the count. */
#define FLOOD 12

static void check_flood(void)
{
    if (count_fakes(true, 1, 0) == 1 && count_fakes(false, 1, 1) == FLOOD)
        dnp3_runtime_stop(T.rt);
}

static void test_refusal_flood_summarised(void **state)
{
    (void)state;
    rt_new(NULL);
    uint16_t port = server_add("127.0.0.1", 1, NULL, 0);
    for (int i = 0; i < FLOOD + 1; i++)
        client_add("127.0.0.1", port, 60000, 60000);
    T.check = check_flood;
    run();

    dnp3_runtime_counters_t c = counters();
    assert_int_equal(c.refused[DNP3_REFUSE_LIMIT], FLOOD);
    assert_int_equal(c.log_suppressed, FLOOD - 1);
    assert_int_equal(log_count("refused connection from 127.0.0.1:"), 1);
    /* The stop writes the summary of the unfinished interval. */
    assert_int_equal(log_count("refused 11 more connections from 127.0.0.1 since the last "
                               "summary (limit 11)"),
                     1);
    /* At the stop, the exact totals in one line. */
    assert_int_equal(log_count("tcp: refused 12 connections since the start (limit 12); 1 "
                               "accepted"),
                     1);
}

/* ---- clients ------------------------------------------------------------------ */

static void check_connected(void)
{
    if (count_fakes(true, 1, 0) == 1)
        dnp3_runtime_stop(T.rt);
}

/* Nothing listens at first: refused, backoff 20, 40, 80, 80 ms; then the
 * server appears and the client connects. */
static void test_client_backoff(void **state)
{
    (void)state;
    rt_new(NULL);
    uint16_t port = closed_port();
    dnp3_tcp_server_config_default(&T.late_server);
    T.late_server.address = "127.0.0.1";
    T.late_server.port = port;
    T.late_server.accept = accept_fake;
    T.late_after = 4;
    fake_t *cl = client_add("127.0.0.1", port, 20, 80);
    T.check = check_connected;
    run();

    assert_int_equal(cl->failures, 4);
    assert_int_equal(cl->connecting, 5);
    for (int i = 0; i < 4; i++)
        assert_int_equal(cl->failure_codes[i], DNP3_E_CONN_REFUSED);
    char expect[64];
    snprintf(expect, sizeof expect, "127.0.0.1:%u", (unsigned)port);
    assert_string_equal(cl->failure_endpoint, expect);
    assert_int_equal(cl->opens, 1);
    dnp3_runtime_counters_t c = counters();
    assert_int_equal(c.connect_attempts, 5);
    assert_int_equal(c.connect_refused, 4);
    assert_int_equal(c.connected, 1);
    assert_int_equal(log_count("next connection attempt in 20 ms"), 1);
    assert_int_equal(log_count("next connection attempt in 40 ms"), 1);
    assert_int_equal(log_count("next connection attempt in 80 ms"), 2);
}

static fake_t *refused_client;

static void check_four_closes(void)
{
    if (refused_client->closes == 4)
        dnp3_runtime_stop(T.rt);
}

/* A server that closes every connection at accept: the client reconnects,
 * and since the peer never sent a byte the wait grows as after a failure. */
static void test_client_reconnect_after_refusal(void **state)
{
    (void)state;
    rt_new(NULL);
    T.refuse = "not now";
    uint16_t port = server_add("127.0.0.1", 4, NULL, 0);
    refused_client = client_add("127.0.0.1", port, 20, 80);
    T.check = check_four_closes;
    run();
    assert_int_equal(refused_client->opens, 4);
    assert_int_equal(refused_client->failures, 0);
    assert_int_equal(counters().refused[DNP3_REFUSE_SESSION], 4);
    assert_int_equal(log_count("reconnecting in 20 ms"), 1);
    assert_int_equal(log_count("reconnecting in 40 ms"), 1);
    assert_int_equal(log_count("reconnecting in 80 ms"), 2); /* capped at max */
}

/* The primary refuses: the backup is tried at once. */
static void test_client_backup_endpoint(void **state)
{
    (void)state;
    rt_new(NULL);
    uint16_t port = server_add("127.0.0.1", 4, NULL, 0);
    dnp3_tcp_endpoint_t eps[2] = {{"127.0.0.1", closed_port()}, {"127.0.0.1", port}};
    dnp3_tcp_client_t *client = NULL;
    fake_t *cl = client_add_eps(eps, 2, 5000, 60000, 60000, &client);
    T.check = check_connected;
    run();

    assert_int_equal(cl->failures, 1);
    assert_int_equal(cl->failure_codes[0], DNP3_E_CONN_REFUSED);
    assert_int_equal(cl->opens, 1);
    assert_int_equal(cl->info.peer.port, port);
    assert_int_equal(counters().connect_attempts, 2);
    assert_null(dnp3_tcp_client_conn(client)); /* closed by the stop */
}

/* A listener whose accept queue is full drops SYNs: the connect times out,
 * which is reported apart from "refused". */
static void check_failed_once(void)
{
    for (size_t i = 0; i < MAX_FAKES; i++)
        if (T.fakes[i].used && !T.fakes[i].server && T.fakes[i].failures >= 1)
            dnp3_runtime_stop(T.rt);
}

static void test_connect_timeout(void **state)
{
    (void)state;
    int lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(lfd, 0), 0);
    socklen_t len = sizeof sa;
    getsockname(lfd, (struct sockaddr *)&sa, &len);
    /* Fill the queue (never accepted). */
    int fillers[3];
    for (int i = 0; i < 3; i++) {
        fillers[i] = socket(AF_INET, SOCK_STREAM, 0);
        fcntl(fillers[i], F_SETFL, O_NONBLOCK);
        connect(fillers[i], (struct sockaddr *)&sa, sizeof sa);
    }
    usleep(100000); /* let the handshakes settle (not a timing assertion) */

    rt_new(NULL);
    dnp3_tcp_endpoint_t ep = {"127.0.0.1", ntohs(sa.sin_port)};
    fake_t *cl = client_add_eps(&ep, 1, 300, 60000, 60000, NULL);
    T.check = check_failed_once;
    run();
    for (int i = 0; i < 3; i++)
        close(fillers[i]);
    close(lfd);

    assert_int_equal(cl->failures, 1);
    assert_int_equal(cl->failure_codes[0], DNP3_E_CONN_TIMEOUT);
    assert_int_equal(counters().connect_timeout, 1);
    assert_int_equal(log_count("connect timed out"), 1);
}

static void test_connect_refused(void **state)
{
    (void)state;
    rt_new(NULL);
    fake_t *cl = client_add("127.0.0.1", closed_port(), 60000, 60000);
    T.check = check_failed_once;
    run();
    assert_int_equal(cl->failures, 1);
    assert_int_equal(cl->failure_codes[0], DNP3_E_CONN_REFUSED);
    assert_int_equal(counters().connect_refused, 1);
    assert_int_equal(log_count("connection refused (nothing listening on that port)"), 1);
}

/* The codes a user must tell apart stay apart. Unreachable networks cannot
 * be made over loopback, so the mapping itself is checked. */
static void test_error_mapping(void **state)
{
    (void)state;
    assert_int_equal(dnp3i_error_from_uv(UV_ECONNREFUSED), DNP3_E_CONN_REFUSED);
    assert_int_equal(dnp3i_error_from_uv(UV_ETIMEDOUT), DNP3_E_CONN_TIMEOUT);
    assert_int_equal(dnp3i_error_from_uv(UV_EHOSTUNREACH), DNP3_E_HOST_UNREACHABLE);
    assert_int_equal(dnp3i_error_from_uv(UV_ENETUNREACH), DNP3_E_HOST_UNREACHABLE);
    assert_int_equal(dnp3i_error_from_uv(UV_EADDRINUSE), DNP3_E_ADDR_IN_USE);
    assert_int_equal(dnp3i_error_from_uv(UV_EACCES), DNP3_E_PERMISSION);
    assert_int_equal(dnp3i_error_from_uv(UV_EAI_NONAME), DNP3_E_RESOLVE);
    assert_int_equal(dnp3i_error_from_uv(UV_ECONNRESET), DNP3_E_CONN_RESET);
    assert_int_equal(dnp3i_error_from_uv(UV_EIO), DNP3_E_IO);
    assert_int_equal(DNP3_E_CONN_REFUSED, -70); /* part of the ABI */
    assert_string_not_equal(dnp3_strerror(DNP3_E_CONN_REFUSED),
                            dnp3_strerror(DNP3_E_HOST_UNREACHABLE));
}

static void test_listen_errors(void **state)
{
    (void)state;
    rt_new(NULL);
    uint16_t port = server_add("127.0.0.1", 4, NULL, 0);
    dnp3_tcp_server_config_t cfg;
    dnp3_tcp_server_config_default(&cfg);
    cfg.address = "127.0.0.1";
    cfg.port = port;
    cfg.accept = accept_fake;
    assert_int_equal(dnp3_runtime_add_tcp_server(T.rt, &cfg, NULL), DNP3_E_ADDR_IN_USE);
    cfg.address = "not an address";
    assert_int_equal(dnp3_runtime_add_tcp_server(T.rt, &cfg, NULL), DNP3_E_ADDRESS);
    static const char *const bad[] = {"10.0.0.0/33"};
    cfg.address = "127.0.0.1";
    cfg.port = 0;
    cfg.allow = bad;
    cfg.allow_count = 1;
    assert_int_equal(dnp3_runtime_add_tcp_server(T.rt, &cfg, NULL), DNP3_E_ADDRESS);
    cfg.allow_count = 0;
    cfg.accept = NULL;
    assert_int_equal(dnp3_runtime_add_tcp_server(T.rt, &cfg, NULL), DNP3_E_INVALID_ARG);
    assert_int_equal(log_count("address already in use"), 1);
    /* Freed without running: everything closes. */
}

/* ---- timers ------------------------------------------------------------------- */

static void check_timers(void)
{
    for (size_t i = 0; i < MAX_FAKES; i++)
        if (T.fakes[i].used && T.fakes[i].server && T.fakes[i].timer_calls == 3)
            dnp3_runtime_stop(T.rt);
}

static void test_timer_at_deadline(void **state)
{
    (void)state;
    rt_new(NULL);
    fake_t tmpl = {.timer_step = 30, .timer_limit = 3};
    T.server_template = &tmpl;
    uint16_t port = server_add("127.0.0.1", 4, NULL, 0);
    client_add("127.0.0.1", port, 60000, 60000);
    T.check = check_timers;
    run();
    fake_t *server = &T.fakes[1];
    assert_true(server->server);
    assert_int_equal(server->timer_calls, 3);
    assert_int_equal(server->timer_early, 0); /* never before its deadline */
}

/* ---- deadlines that move: later (the armed timer is kept and fires
 * early: the session is not called), then earlier (re-armed at once) ---- */

/* Server: deadline 30 ms after open; the client's "x" moves it an hour
 * later, its "y" (sent from the client's own timer, 60 ms after open)
 * 20 ms after that. */
static void moving_open(void *ctx, dnp3_conn_t *conn, const dnp3_conn_info_t *info,
                        dnp3_timestamp_t now)
{
    fake_t *f = ctx;
    fake_open(ctx, conn, info, now);
    if (f->server) {
        f->deadline = now + 30;
    } else {
        queue_out(f, "x", 1);
        f->deadline = now + 60;
    }
}

static int moving_bytes(void *ctx, dnp3_timestamp_t now, const uint8_t *data, size_t len)
{
    fake_t *f = ctx;
    fake_bytes(ctx, now, data, len);
    if (f->in_len == 1)
        f->deadline = now + 3600000;
    else if (f->in_len == 2)
        f->deadline = now + 20;
    return 0;
}

static int moving_client_timer(void *ctx, dnp3_timestamp_t now)
{
    fake_t *f = ctx;
    f->timer_calls++;
    if (now < f->deadline)
        f->timer_early++;
    queue_out(f, "y", 1);
    f->deadline = DNP3_TIMESTAMP_NEVER;
    return 0;
}

static const dnp3_session_ops_t MOVING_SERVER_OPS = {
    .on_open = moving_open,
    .on_bytes = moving_bytes,
    .take_output = fake_take,
    .want_write = fake_want,
    .next_deadline = fake_deadline,
    .on_timer = fake_timer,
    .on_close = fake_close,
};

static const dnp3_session_ops_t MOVING_CLIENT_OPS = {
    .on_open = moving_open,
    .on_bytes = fake_bytes,
    .take_output = fake_take,
    .want_write = fake_want,
    .next_deadline = fake_deadline,
    .on_timer = moving_client_timer,
    .on_close = fake_close,
};

static void check_moved(void)
{
    if (T.fakes[1].used && T.fakes[1].timer_calls == 1)
        dnp3_runtime_stop(T.rt);
}

static void test_timer_deadline_moves(void **state)
{
    (void)state;
    rt_new(NULL);
    T.server_ops = &MOVING_SERVER_OPS;
    T.client_ops = &MOVING_CLIENT_OPS;
    uint16_t port = server_add("127.0.0.1", 4, NULL, 0);
    fake_t *client = client_add("127.0.0.1", port, 60000, 60000);
    T.check = check_moved;
    run(); /* the watchdog fails the test if the earlier deadline is missed */
    fake_t *server = &T.fakes[1];
    assert_true(server->server);
    assert_int_equal(server->in_len, 2);
    assert_memory_equal(server->in, "xy", 2);
    assert_int_equal(server->timer_calls, 1); /* not at 30 ms: the deadline had moved */
    assert_int_equal(server->timer_early, 0);
    assert_int_equal(client->timer_calls, 1);
    assert_int_equal(client->timer_early, 0);
}

/* ---- closing from inside a session: its last output goes before the FIN ---- */

static int closing_bytes(void *ctx, dnp3_timestamp_t now, const uint8_t *data, size_t len)
{
    fake_t *f = ctx;
    fake_bytes(ctx, now, data, len);
    if (f->in_len == 3) {
        queue_out(f, "bye", 3);
        dnp3_conn_close(f->conn, DNP3_DISCONNECT_SESSION, "script done");
    }
    return 0;
}

static const dnp3_session_ops_t CLOSING_OPS = {
    .on_open = fake_open,
    .on_bytes = closing_bytes,
    .take_output = fake_take,
    .want_write = fake_want,
    .on_close = fake_close,
};

static int accept_closing(void *user, const dnp3_conn_info_t *info, dnp3_session_t *session,
                          char *why, size_t why_cap)
{
    accept_fake(user, info, session, why, why_cap);
    session->ops = &CLOSING_OPS;
    return 0;
}

static void check_bye(void)
{
    if (count_fakes(false, 1, 1) == 1)
        dnp3_runtime_stop(T.rt);
}

static void test_session_closes(void **state)
{
    (void)state;
    rt_new(NULL);
    dnp3_tcp_server_config_t cfg;
    dnp3_tcp_server_config_default(&cfg);
    cfg.address = "127.0.0.1";
    cfg.port = 0;
    cfg.accept = accept_closing;
    dnp3_listener_t *l;
    assert_int_equal(dnp3_runtime_add_tcp_server(T.rt, &cfg, &l), 0);
    dnp3_endpoint_t ep;
    dnp3_listener_endpoint(l, &ep);
    fake_t *cl = client_add("127.0.0.1", ep.port, 60000, 60000);
    queue_out(cl, "end", 3);
    T.check = check_bye;
    run();
    assert_int_equal(cl->in_len, 3);
    assert_memory_equal(cl->in, "bye", 3);
    assert_int_equal(cl->reason, DNP3_DISCONNECT_PEER_CLOSED);
    fake_t *server = &T.fakes[1];
    assert_int_equal(server->reason, DNP3_DISCONNECT_SESSION);
    assert_int_equal(counters().disconnects[DNP3_DISCONNECT_SESSION], 1);
    assert_int_equal(log_count("closed by session: script done"), 1);
}

/* ---- posting from another thread, stop from another thread ------------------ */

#define POSTS 200

static int posted_seen;
static int posted_out_of_order;
static int post_indexes[POSTS];

static void posted(void *arg)
{
    int i = *(int *)arg;
    if (i != posted_seen)
        posted_out_of_order++;
    posted_seen++;
    if (posted_seen == POSTS)
        dnp3_runtime_stop(T.rt);
}

static void *poster_main(void *arg)
{
    (void)arg;
    for (int i = 0; i < POSTS; i++) {
        post_indexes[i] = i;
        while (dnp3_runtime_post(T.rt, posted, &post_indexes[i]) == DNP3_E_QUEUE_FULL)
            usleep(1000);
    }
    return NULL;
}

static void test_post_from_thread(void **state)
{
    (void)state;
    rt_new(NULL);
    posted_seen = posted_out_of_order = 0;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, poster_main, NULL), 0);
    run();
    pthread_join(th, NULL);
    assert_int_equal(posted_seen, POSTS);
    assert_int_equal(posted_out_of_order, 0);
    assert_int_equal(dnp3_runtime_post(T.rt, posted, &post_indexes[0]), DNP3_E_STOPPED);
    assert_int_equal(dnp3_runtime_run(T.rt), DNP3_E_STATE);
}

/* A closure that posts itself again runs once per turn of the loop, not
 * in a loop of its own: the connections are served between its runs (an
 * application feeding its database in slices must not hold a confirm for
 * as long as it has work). Before, the echo never completed: the drain of
 * the post queue ran the closure forever. */
static int self_posts;

static void self_posting(void *arg)
{
    (void)arg;
    self_posts++;
    dnp3_runtime_post(T.rt, self_posting, NULL); /* DNP3_E_STOPPED once stopped */
}

static void test_self_posting_closure_does_not_starve_io(void **state)
{
    (void)state;
    rt_new(NULL);
    fake_t tmpl = {.reply_after = 11, .chunk = 5};
    T.server_template = &tmpl;
    uint16_t port = server_add("127.0.0.1", 4, NULL, 0);
    echo_client = client_add("127.0.0.1", port, 1000, 1000);
    queue_out(echo_client, "hello world", 11);
    T.check = check_echo;
    self_posts = 0;
    assert_int_equal(dnp3_runtime_post(T.rt, self_posting, NULL), 0);
    run();
    assert_memory_equal(echo_client->in, "HELLO WORLD", 11);
    /* it ran on every turn meanwhile, and once more at the stop */
    assert_true(self_posts > 2);
}

static atomic_bool all_open;

static void check_all_open(void)
{
    if (count_fakes(true, 1, 0) == 2 && count_fakes(false, 1, 0) == 2)
        atomic_store(&all_open, true);
}

static void *stopper_main(void *arg)
{
    (void)arg;
    while (!atomic_load(&all_open))
        usleep(1000);
    dnp3_runtime_stop(T.rt);
    dnp3_runtime_stop(T.rt); /* a second request is harmless */
    return NULL;
}

static void test_stop_with_open_connections(void **state)
{
    (void)state;
    rt_new(NULL);
    atomic_store(&all_open, false);
    uint16_t port = server_add("127.0.0.1", 4, NULL, 0);
    client_add("127.0.0.1", port, 60000, 60000);
    client_add("127.0.0.1", port, 60000, 60000);
    T.check = check_all_open;
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, stopper_main, NULL), 0);
    run();
    pthread_join(th, NULL);
    dnp3_runtime_counters_t c = counters();
    assert_int_equal(c.disconnects[DNP3_DISCONNECT_STOP], 4);
    assert_int_equal(c.open_connections, 0);
    assert_int_equal(count_fakes(true, 1, 1), 2);
    assert_int_equal(count_fakes(false, 1, 1), 2);
    for (size_t i = 0; i < MAX_FAKES; i++)
        if (T.fakes[i].used)
            assert_int_equal(T.fakes[i].reason, DNP3_DISCONNECT_STOP);
}

/* ---- a peer that never reads: the stop's linger ends the wait ------------- */

/* Calls of flood_take: one per write the runtime could start. */
static unsigned long flood_takes;

static int flood_take(void *ctx, dnp3_timestamp_t now, uint8_t *buf, size_t cap)
{
    (void)ctx;
    (void)now;
    flood_takes++;
    memset(buf, 0x5A, cap);
    return (int)cap;
}

static bool flood_want(void *ctx)
{
    (void)ctx;
    return true;
}

static dnp3_timestamp_t flood_deadline(void *ctx)
{
    fake_t *f = ctx;
    return f->deadline;
}

/* Polls (every 20 ms) until a write is stuck, then stops the runtime.
 * Stuck: pending, and no write completed (no new flood_take) over
 * FLOOD_STUCK_POLLS polls in a row, each a whole loop iteration in which
 * libuv would have written had the socket taken more. A write that is
 * merely pending at one poll (done, its callback not yet run: common under
 * valgrind's slowdown) completes before the next, and the stop then found
 * nothing to wait for. */
#define FLOOD_STUCK_POLLS 3
static unsigned long flood_takes_seen;
static int flood_still;

static int flood_timer(void *ctx, dnp3_timestamp_t now)
{
    fake_t *f = ctx;
    f->deadline = now + 20;
    bool pending = f->conn && f->conn->write_pending && dnp3_conn_bytes_out(f->conn) > 0;
    flood_still = pending && flood_takes == flood_takes_seen ? flood_still + 1 : 0;
    flood_takes_seen = flood_takes;
    if (flood_still == FLOOD_STUCK_POLLS) {
        f->timer_calls++;
        dnp3_runtime_stop(T.rt);
    }
    return 0;
}

static void flood_open(void *ctx, dnp3_conn_t *conn, const dnp3_conn_info_t *info,
                       dnp3_timestamp_t now)
{
    fake_open(ctx, conn, info, now);
    ((fake_t *)ctx)->deadline = now + 20;
}

static const dnp3_session_ops_t FLOOD_OPS = {
    .on_open = flood_open,
    .on_bytes = fake_bytes,
    .take_output = flood_take,
    .want_write = flood_want,
    .next_deadline = flood_deadline,
    .on_timer = flood_timer,
    .on_close = fake_close,
};

/* The flood without the poll: writes until the connection fails. */
static const dnp3_session_ops_t FLOOD_ONLY_OPS = {
    .on_open = fake_open,
    .on_bytes = fake_bytes,
    .take_output = flood_take,
    .want_write = flood_want,
    .on_close = fake_close,
};

static const dnp3_session_ops_t *flood_ops;

static int accept_flood(void *user, const dnp3_conn_info_t *info, dnp3_session_t *session,
                        char *why, size_t why_cap)
{
    accept_fake(user, info, session, why, why_cap);
    session->ops = flood_ops;
    return 0;
}

static void test_stop_linger(void **state)
{
    (void)state;
    dnp3_runtime_config_t rcfg;
    dnp3_runtime_config_default(&rcfg);
    rcfg.logger.log = test_logger;
    rcfg.stop_linger_ms = 100;
    T.rt = dnp3_runtime_new(&rcfg, NULL, 0);
    assert_non_null(T.rt);
    flood_ops = &FLOOD_OPS;
    flood_takes = flood_takes_seen = 0;
    flood_still = 0;
    dnp3_tcp_server_config_t cfg;
    dnp3_tcp_server_config_default(&cfg);
    cfg.address = "127.0.0.1";
    cfg.port = 0;
    cfg.accept = accept_flood;
    dnp3_listener_t *l;
    assert_int_equal(dnp3_runtime_add_tcp_server(T.rt, &cfg, &l), 0);
    dnp3_endpoint_t ep;
    dnp3_listener_endpoint(l, &ep);
    /* Connects and never reads, with a small receive buffer (fixed, so
     * not grown by autotuning) that the flood fills at once. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    int rcvbuf = 4096;
    assert_int_equal(setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf), 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                             .sin_port = htons(ep.port)};
    assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof sa), 0);
    run();
    close(fd);
    fake_t *server = &T.fakes[0];
    assert_int_equal(server->timer_calls, 1);
    assert_int_equal(server->reason, DNP3_DISCONNECT_STOP);
    assert_int_equal(log_count("1 connections still busy after 100 ms: closing them abruptly"), 1);
    assert_int_equal(counters().open_connections, 0);
}

/* A peer that resets the connection while we write: the connection closes
 * with the error as its reason. */
static void check_server_closed(void)
{
    if (count_fakes(true, 1, 1) == 1)
        dnp3_runtime_stop(T.rt);
}

static void *resetter_main(void *arg)
{
    uint16_t port = *(uint16_t *)arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {
        .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(port)};
    /* Linger 0 before connecting, so close sends RST whatever happens
     * below: a connect interrupted by a signal completes in the background,
     * and closing it then without linger would send a FIN (seen as a clean
     * close, not a reset). */
    struct linger lg = {.l_onoff = 1, .l_linger = 0};
    setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    int rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
    while (rc != 0 && (errno == EINTR || errno == EALREADY || errno == EINPROGRESS)) {
        struct pollfd pfd = {.fd = fd, .events = POLLOUT};
        (void)poll(&pfd, 1, 1000);
        rc = connect(fd, (struct sockaddr *)&sa, sizeof sa);
        if (rc != 0 && errno == EISCONN)
            rc = 0;
    }
    if (rc == 0) {
        char buf[4096];
        ssize_t n;
        do
            n = read(fd, buf, sizeof buf); /* the flood has begun */
        while (n < 0 && errno == EINTR);
    }
    close(fd);
    return NULL;
}

static void test_peer_reset(void **state)
{
    (void)state;
    rt_new(NULL);
    flood_ops = &FLOOD_ONLY_OPS;
    dnp3_tcp_server_config_t cfg;
    dnp3_tcp_server_config_default(&cfg);
    cfg.address = "127.0.0.1";
    cfg.port = 0;
    cfg.accept = accept_flood;
    dnp3_listener_t *l;
    assert_int_equal(dnp3_runtime_add_tcp_server(T.rt, &cfg, &l), 0);
    dnp3_endpoint_t ep;
    dnp3_listener_endpoint(l, &ep);
    pthread_t th;
    pthread_create(&th, NULL, resetter_main, &ep.port);
    T.check = check_server_closed;
    run();
    pthread_join(th, NULL);
    fake_t *server = &T.fakes[0];
    assert_int_equal(server->reason, DNP3_DISCONNECT_RESET);
    assert_int_equal(counters().disconnects[DNP3_DISCONNECT_RESET], 1);
    assert_int_equal(log_count("connection reset by peer"), 1);
}

/* ---- capture ------------------------------------------------------------------ */

typedef struct raw_client {
    uint16_t server_port;
    uint16_t local_port;
    const char *send;
    char got[32];
} raw_client_t;

/* A plain blocking socket: sends, reads the answer, closes. */
static void *raw_client_main(void *arg)
{
    raw_client_t *rc = arg;
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET,
                             .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                             .sin_port = htons(rc->server_port)};
    if (connect(fd, (struct sockaddr *)&sa, sizeof sa) == 0) {
        socklen_t len = sizeof sa;
        getsockname(fd, (struct sockaddr *)&sa, &len);
        rc->local_port = ntohs(sa.sin_port);
        size_t n = strlen(rc->send), got = 0;
        if (write(fd, rc->send, n) == (ssize_t)n) {
            while (got < n) {
                ssize_t r = read(fd, rc->got + got, n - got);
                if (r <= 0)
                    break;
                got += (size_t)r;
            }
        }
    }
    close(fd);
    return NULL;
}

static void check_two_closed(void)
{
    if (count_fakes(true, 1, 1) == 2)
        dnp3_runtime_stop(T.rt);
}

static void *raw_pair_main(void *arg)
{
    raw_client_t *rcs = arg;
    pthread_t th[2];
    for (int i = 0; i < 2; i++)
        pthread_create(&th[i], NULL, raw_client_main, &rcs[i]);
    for (int i = 0; i < 2; i++)
        pthread_join(th[i], NULL);
    return NULL;
}

/* When tshark is installed: two TCP streams, checksums right, and no expert
 * item above Note (Chat/Note are the SYN/FIN notes). */
static void tshark_check(const char *path)
{
    if (system("command -v tshark >/dev/null 2>&1") != 0) {
        printf("tshark not on PATH: skipping the tshark check of the capture\n");
        return;
    }
    char cmd[512];
    snprintf(cmd, sizeof cmd,
             "tshark -n -r %s -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE "
             "-T fields -e tcp.stream -e _ws.expert.severity -E occurrence=a -E aggregator=, "
             "2>/dev/null",
             path);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    char line[256];
    bool stream_seen[8] = {false};
    int packets = 0;
    while (fgets(line, sizeof line, p)) {
        packets++;
        unsigned stream = (unsigned)strtoul(line, NULL, 10);
        assert_true(stream < 8);
        stream_seen[stream] = true;
        /* Severity: Chat 0x200000, Note 0x400000, Warn 0x600000, Error 0x800000. */
        for (char *c = strchr(line, '\t'); c && *c; c++) {
            unsigned long sev = strtoul(c + 1, &c, 10);
            assert_true(sev < 0x600000u);
            if (*c != ',')
                break;
        }
    }
    assert_int_equal(pclose(p), 0);
    assert_true(packets >= 2 * (3 + 2 + 3)); /* handshake, data both ways, FIN exchange */
    assert_true(stream_seen[0] && stream_seen[1] && !stream_seen[2]);
}

static void test_capture(void **state)
{
    (void)state;
    char path[] = "/tmp/dnp3c_rt_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    rt_new(path);
    fake_t tmpl = {.reply_after = 5};
    T.server_template = &tmpl;
    uint16_t port = server_add("127.0.0.1", 4, NULL, 0);
    raw_client_t rcs[2] = {{.server_port = port, .send = "ping1"},
                           {.server_port = port, .send = "ping2"}};
    pthread_t th;
    pthread_create(&th, NULL, raw_pair_main, rcs);
    T.check = check_two_closed;
    run();
    pthread_join(th, NULL);
    assert_string_equal(rcs[0].got, "PING1");
    assert_string_equal(rcs[1].got, "PING2");
    dnp3_runtime_free(T.rt);
    T.rt = NULL;

    /* Read back with the tool's capture reader: four flows (two streams, both
     * ways), each with exactly its bytes, no gap, no retransmission. */
    char err[256];
    capture_t *cap = capture_open(path, port, err, sizeof err);
    assert_non_null(cap);
    char flows[4][64] = {{0}};
    char bytes[4][16] = {{0}};
    cap_chunk_t ch;
    int rc;
    while ((rc = capture_next(cap, &ch)) > 0) {
        assert_true(ch.flow_id < 4);
        snprintf(flows[ch.flow_id], sizeof flows[0], "%s", ch.flow_name);
        strncat(bytes[ch.flow_id], (const char *)ch.data, ch.len);
    }
    assert_int_equal(rc, 0);
    cap_counters_t cc;
    capture_get_counters(cap, &cc);
    assert_int_equal(capture_flow_count(cap), 4);
    assert_int_equal(cc.gaps, 0);
    assert_int_equal(cc.malformed, 0);
    assert_int_equal(cc.retrans_bytes, 0);
    assert_int_equal(cc.bytes_delivered, 20);
    for (int i = 0; i < 2; i++) {
        char up[64], down[64], expect_down[8];
        snprintf(up, sizeof up, "127.0.0.1:%u>127.0.0.1:%u", rcs[i].local_port, port);
        snprintf(down, sizeof down, "127.0.0.1:%u>127.0.0.1:%u", port, rcs[i].local_port);
        snprintf(expect_down, sizeof expect_down, "PING%d", i + 1);
        int seen = 0;
        for (int f = 0; f < 4; f++) {
            if (strcmp(flows[f], up) == 0) {
                assert_string_equal(bytes[f], rcs[i].send);
                seen++;
            }
            if (strcmp(flows[f], down) == 0) {
                assert_string_equal(bytes[f], expect_down);
                seen++;
            }
        }
        assert_int_equal(seen, 2);
    }
    capture_close(cap);
    tshark_check(path);
    unlink(path);
}

/* A host name is resolved off the loop; "localhost" may give ::1 first
 * while only 127.0.0.1 listens: every address is tried. */
static void test_client_host_name(void **state)
{
    (void)state;
    rt_new(NULL);
    uint16_t port = server_add("127.0.0.1", 4, NULL, 0);
    fake_t *cl = client_add("localhost", port, 60000, 60000);
    T.check = check_connected;
    run();
    assert_int_equal(cl->opens, 1);
    assert_int_equal(cl->failures, 0);
    assert_int_equal(cl->info.peer.family, 4);
    assert_int_equal(counters().connect_attempts, 1);
}

static int usr1_seen;

static void on_usr1(void *arg, int signum)
{
    assert_ptr_equal(arg, &usr1_seen);
    assert_int_equal(signum, SIGUSR1);
    usr1_seen++;
    raise(SIGTERM); /* stop_on_signals: the runtime stops itself */
}

static void raise_usr1(void *arg)
{
    (void)arg;
    raise(SIGUSR1);
}

static void test_signals(void **state)
{
    (void)state;
    dnp3_runtime_config_t cfg;
    dnp3_runtime_config_default(&cfg);
    cfg.logger.log = test_logger;
    cfg.stop_on_signals = true;
    cfg.busy_poll_us = T.busy_poll_us;
    T.rt = dnp3_runtime_new(&cfg, NULL, 0);
    assert_non_null(T.rt);
    usr1_seen = 0;
    assert_int_equal(dnp3_runtime_on_signal(T.rt, SIGUSR1, on_usr1, &usr1_seen), 0);
    uint16_t port = server_add("127.0.0.1", 4, NULL, 0);
    client_add("127.0.0.1", port, 60000, 60000);
    assert_int_equal(dnp3_runtime_post(T.rt, raise_usr1, NULL), 0);
    run();
    assert_int_equal(usr1_seen, 1);
    assert_int_equal(log_count("signal 15, stopping"), 1);
    assert_int_equal(counters().disconnects[DNP3_DISCONNECT_STOP], counters().accepted * 2);
}

/* Every connection's socket: no Nagle delay, keep-alive with our timing. */
static void test_socket_options(void **state)
{
    (void)state;
    rt_new(NULL);
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(fd >= 0);
    dnp3i_tcp_stream_t *s = dnp3i_tcp_stream_new(T.rt);
    assert_int_equal(uv_tcp_open(&s->tcp, fd), 0);
    dnp3_keepalive_t ka = {.enabled = true, .idle_s = 7, .interval_s = 3, .count = 4};
    dnp3i_tcp_configure(T.rt, &s->tcp, &ka);
    int v = 0;
    socklen_t len = sizeof v;
    assert_int_equal(getsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &v, &len), 0);
    assert_int_equal(v, 1);
    assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &v, &len), 0);
    assert_int_equal(v, 1);
    assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_KEEPIDLE, &v, &len), 0);
    assert_int_equal(v, 7);
    assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_KEEPINTVL, &v, &len), 0);
    assert_int_equal(v, 3);
    assert_int_equal(getsockopt(fd, IPPROTO_TCP, TCP_KEEPCNT, &v, &len), 0);
    assert_int_equal(v, 4);
    dnp3i_tcp_stream_discard(s); /* closed (and freed) when the runtime is */
}

/* The default logger: stderr, "<UTC time> <LEVEL> <message>", by level. */
static void test_default_logger(void **state)
{
    (void)state;
    char path[] = "/tmp/dnp3c_rtlog_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    fflush(stderr);
    int saved = dup(2);
    dup2(fd, 2);
    dnp3_runtime_config_t cfg;
    dnp3_runtime_config_default(&cfg);
    dnp3_runtime_t *rt = dnp3_runtime_new(&cfg, NULL, 0);
    assert_non_null(rt);
    dnp3_runtime_log(rt, DNP3_LOG_INFO, "hello %d", 42);
    dnp3_runtime_log(rt, DNP3_LOG_DEBUG, "not shown at INFO");
    dnp3_runtime_log(rt, DNP3_LOG_ERROR, "bad %s", "thing");
    dnp3_runtime_free(rt);
    fflush(stderr);
    dup2(saved, 2);
    close(saved);
    char text[1024] = {0};
    lseek(fd, 0, SEEK_SET);
    ssize_t n = read(fd, text, sizeof text - 1);
    close(fd);
    unlink(path);
    assert_true(n > 0);
    /* 2026-12-01T08:15:00.123Z INFO  hello 42 */
    char *line2 = strchr(text, '\n');
    assert_non_null(line2);
    *line2++ = '\0';
    assert_int_equal(strlen(text), 24 + 1 + 5 + 1 + 8);
    assert_true(text[4] == '-' && text[10] == 'T' && text[19] == '.' && text[23] == 'Z');
    assert_string_equal(text + 24, " INFO  hello 42");
    assert_non_null(strstr(line2, "Z ERROR bad thing\n"));
    assert_null(strstr(line2, "not shown"));
}

/* ---- addresses ------------------------------------------------------------------ */

static bool in_net(const char *net, const char *host)
{
    dnp3_network_t c;
    assert_int_equal(dnp3_network_read(net, &c), 0);
    /* Addresses as the runtime reports peers (sockaddr -> endpoint). */
    struct sockaddr_storage ss;
    assert_int_equal(dnp3i_sockaddr_from_text(host, 1, &ss), 0);
    dnp3_endpoint_t ep;
    assert_int_equal(dnp3i_endpoint_from_sockaddr((struct sockaddr *)&ss, &ep), 0);
    return dnp3_network_contains(&c, &ep);
}

static void test_cidr(void **state)
{
    (void)state;
    assert_true(in_net("10.0.0.0/8", "10.255.1.2"));
    assert_false(in_net("10.0.0.0/8", "11.0.0.1"));
    assert_true(in_net("192.168.1.0/25", "192.168.1.127"));
    assert_false(in_net("192.168.1.0/25", "192.168.1.128"));
    assert_true(in_net("0.0.0.0/0", "8.8.8.8"));
    assert_true(in_net("127.0.0.1", "127.0.0.1"));
    assert_false(in_net("127.0.0.1", "127.0.0.2"));
    assert_true(in_net("2001:db8::/32", "2001:db8:ffff::1"));
    assert_false(in_net("2001:db8::/32", "2001:db9::1"));
    assert_false(in_net("::/0", "10.0.0.1")); /* families never mix */
    /* A dual-stack listener reports IPv4 peers as ::ffff:a.b.c.d. */
    assert_true(in_net("10.0.0.0/8", "::ffff:10.1.2.3"));
    dnp3_network_t c;
    assert_int_equal(dnp3_network_read("10.0.0.0/33", &c), DNP3_E_ADDRESS);
    assert_int_equal(dnp3_network_read("::/129", &c), DNP3_E_ADDRESS);
    assert_int_equal(dnp3_network_read("10.0.0.0/", &c), DNP3_E_ADDRESS);
    assert_int_equal(dnp3_network_read("10.0.0.0/8x", &c), DNP3_E_ADDRESS);
    assert_int_equal(dnp3_network_read("example.com", &c), DNP3_E_ADDRESS);
    assert_int_equal(dnp3_network_read("", &c), DNP3_E_ADDRESS);
    assert_int_equal(dnp3_network_read(NULL, &c), DNP3_E_INVALID_ARG);
    assert_false(dnp3_network_contains(NULL, NULL));
}

static void test_endpoint_format(void **state)
{
    (void)state;
    dnp3_endpoint_t v4 = {.family = 4, .addr = {192, 0, 2, 7}, .port = 20000};
    dnp3_endpoint_t v6 = {.family = 6, .addr = {0x20, 0x01, 0x0d, 0xb8, [15] = 1}, .port = 20000};
    char buf[DNP3_ENDPOINT_TEXT_MAX];
    assert_int_equal(dnp3_endpoint_format(&v4, buf, sizeof buf), 15);
    assert_string_equal(buf, "192.0.2.7:20000");
    assert_int_equal(dnp3_endpoint_format(&v6, buf, sizeof buf), 19);
    assert_string_equal(buf, "[2001:db8::1]:20000");
    assert_int_equal(dnp3_endpoint_format(&v4, buf, 8), DNP3_E_NOSPACE);
    assert_int_equal(dnp3_endpoint_format(NULL, buf, sizeof buf), DNP3_E_INVALID_ARG);
}

static void test_config_defaults(void **state)
{
    (void)state;
    dnp3_tcp_server_config_t s;
    dnp3_tcp_server_config_default(&s);
    assert_string_equal(s.address, "0.0.0.0");
    assert_int_equal(s.port, 20000);
    assert_int_equal(s.max_connections, 4);
    assert_true(s.keepalive.enabled);
    dnp3_tcp_client_config_t c;
    dnp3_tcp_client_config_default(&c);
    assert_true(c.backoff_min_ms <= c.backoff_max_ms);
    /* A client with no endpoint or no session is refused. */
    rt_new(NULL);
    assert_int_equal(dnp3_runtime_add_tcp_client(T.rt, &c, NULL), DNP3_E_INVALID_ARG);
    /* The backlog must hold at least one write buffer. */
    dnp3_runtime_config_t rc;
    dnp3_runtime_config_default(&rc);
    assert_int_equal(rc.write_backlog_max, 1024 * 1024);
    rc.write_backlog_max = rc.write_buffer_size - 1;
    assert_null(dnp3_runtime_new(&rc, NULL, 0));
}

/* ---- busy polling (busy_poll_us) ----------------------------------------------
 * The same exchanges with a window of 1 s, longer than any of these tests:
 * the loop polls without sleeping from start to stop, and every echo,
 * timer, closure posted from another thread, signal, stop and capture
 * behaves as with the sleeping loop (run() checks that it did poll). */

#define BUSY_LONG_US 1000000u

static void test_busy_echo(void **state)
{
    T.busy_poll_us = BUSY_LONG_US;
    test_echo_ipv4(state);
}

static void test_busy_timer_at_deadline(void **state)
{
    T.busy_poll_us = BUSY_LONG_US;
    test_timer_at_deadline(state);
}

static void test_busy_post_from_thread(void **state)
{
    T.busy_poll_us = BUSY_LONG_US;
    test_post_from_thread(state);
}

static void test_busy_stop_with_open_connections(void **state)
{
    T.busy_poll_us = BUSY_LONG_US;
    test_stop_with_open_connections(state);
}

static void test_busy_signals(void **state)
{
    T.busy_poll_us = BUSY_LONG_US;
    test_signals(state);
}

static void test_busy_capture(void **state)
{
    T.busy_poll_us = BUSY_LONG_US;
    test_capture(state);
}

/* With a short window and nothing to do, the loop goes to sleep: its
 * count of polls stops moving while it sleeps. A closure posted from
 * another thread wakes it; that is traffic, so it polls a window again,
 * then sleeps a second time; a second closure stops it. */
static atomic_int idle_posts_run;

static void idle_posted(void *arg)
{
    (void)arg;
    atomic_fetch_add(&idle_posts_run, 1);
}

static void stop_posted(void *arg)
{
    (void)arg;
    dnp3_runtime_stop(T.rt);
}

/* Wait (bounded by the watchdog) until the loop has gone to sleep n times. */
static void wait_sleeps(uint64_t n)
{
    while (atomic_load(&T.rt->busy_sleeps) < n && !T.watchdog_fired)
        usleep(1000);
}

static void *idle_main(void *arg)
{
    uint64_t *polls = arg;
    wait_sleeps(1);
    polls[0] = atomic_load(&T.rt->busy_polls);
    usleep(100000); /* asleep: not one poll meanwhile */
    polls[1] = atomic_load(&T.rt->busy_polls);
    dnp3_runtime_post(T.rt, idle_posted, NULL);
    wait_sleeps(2);
    polls[2] = atomic_load(&T.rt->busy_polls);
    dnp3_runtime_post(T.rt, stop_posted, NULL);
    return NULL;
}

static void test_busy_poll_sleeps_when_idle(void **state)
{
    (void)state;
    T.busy_poll_us = 2000;
    rt_new(NULL);
    atomic_store(&idle_posts_run, 0);
    uint64_t polls[3] = {0, 0, 0};
    pthread_t th;
    assert_int_equal(pthread_create(&th, NULL, idle_main, polls), 0);
    run();
    pthread_join(th, NULL);
    assert_int_equal(atomic_load(&idle_posts_run), 1);
    assert_true(polls[0] > 0);                         /* the first window was polled ... */
    assert_int_equal(polls[1], polls[0]);              /* ... then it slept ... */
    assert_true(polls[2] > polls[1]);                  /* ... the post started a window ... */
    assert_true(atomic_load(&T.rt->busy_sleeps) >= 2); /* ... which ended in sleep */
}

/* Off by default; a window beyond 1 s is refused. */
static void test_busy_poll_config(void **state)
{
    (void)state;
    dnp3_runtime_config_t rc;
    dnp3_runtime_config_default(&rc);
    assert_int_equal(rc.busy_poll_us, 0);
    rc.busy_poll_us = 1000001;
    char err[128] = "";
    assert_null(dnp3_runtime_new(&rc, err, sizeof err));
    assert_string_equal(err, "runtime: invalid configuration");
    rc.busy_poll_us = 1000000;
    T.rt = dnp3_runtime_new(&rc, NULL, 0);
    assert_non_null(T.rt);
}

/* ---- busy polling's direct reads of hot connections ---------------------------
 * A ping-pong session: the client sends "ping" (4 bytes), the server
 * answers each with "pong", the client sends the next ping on each pong
 * until it has sent its rounds (0: forever). A server may close its
 * connection after close_after pongs. */

#define PP_MAX 4

typedef struct pp {
    bool used, server;
    dnp3_conn_t *conn;
    int rounds;      /* client: pings to send (0: no limit) */
    int sent, got;   /* messages sent, whole messages received */
    int close_after; /* server: close after this many pongs (0: never) */
    size_t partial;  /* bytes of the message being received */
    uint8_t out[64];
    size_t out_len, out_pos;
    uint64_t bytes_in;
    int closes;
    dnp3_disconnect_reason_t reason;
    bool hot_at_close; /* still in the runtime's hot set at on_close */
} pp_t;

static pp_t pps[PP_MAX];
static void (*pp_check)(void);

static void pp_send(pp_t *p, const char *msg)
{
    assert_true(p->out_len + 4 <= sizeof p->out);
    memcpy(p->out + p->out_len, msg, 4);
    p->out_len += 4;
    p->sent++;
}

static bool in_hot_set(const dnp3_conn_t *conn)
{
    for (size_t i = 0; i < T.rt->nhot; i++)
        if (T.rt->hot[i] == conn)
            return true;
    return false;
}

static void pp_open(void *ctx, dnp3_conn_t *conn, const dnp3_conn_info_t *info,
                    dnp3_timestamp_t now)
{
    (void)info;
    (void)now;
    pp_t *p = ctx;
    p->conn = conn;
    if (!p->server)
        pp_send(p, "ping");
}

static int pp_bytes(void *ctx, dnp3_timestamp_t now, const uint8_t *data, size_t len)
{
    (void)now;
    (void)data;
    pp_t *p = ctx;
    p->bytes_in += len;
    for (p->partial += len; p->partial >= 4; p->partial -= 4) {
        p->got++;
        if (p->server) {
            pp_send(p, "pong");
            if (p->close_after && p->sent == p->close_after)
                dnp3_conn_close(p->conn, DNP3_DISCONNECT_LOCAL, "enough pongs");
        } else if (p->rounds == 0 || p->sent < p->rounds) {
            pp_send(p, "ping");
        }
    }
    if (pp_check)
        pp_check();
    return 0;
}

static int pp_take(void *ctx, dnp3_timestamp_t now, uint8_t *buf, size_t cap)
{
    (void)now;
    pp_t *p = ctx;
    size_t n = p->out_len - p->out_pos;
    if (n > cap)
        n = cap;
    memcpy(buf, p->out + p->out_pos, n);
    p->out_pos += n;
    if (p->out_pos == p->out_len)
        p->out_pos = p->out_len = 0;
    return (int)n;
}

static void pp_close(void *ctx, dnp3_disconnect_reason_t reason)
{
    pp_t *p = ctx;
    p->hot_at_close = in_hot_set(p->conn);
    p->closes++;
    p->reason = reason;
    p->conn = NULL;
    if (pp_check)
        pp_check();
}

static const dnp3_session_ops_t PP_OPS = {
    .on_open = pp_open,
    .on_bytes = pp_bytes,
    .take_output = pp_take,
    .on_close = pp_close,
};

static pp_t *pp_new(bool server)
{
    for (size_t i = 0; i < PP_MAX; i++) {
        if (!pps[i].used) {
            memset(&pps[i], 0, sizeof pps[i]);
            pps[i].used = true;
            pps[i].server = server;
            return &pps[i];
        }
    }
    fail_msg("no free ping-pong session");
    return NULL;
}

/* user: the pongs after which the server closes (0: never). */
static int accept_pp(void *user, const dnp3_conn_info_t *info, dnp3_session_t *session, char *why,
                     size_t why_cap)
{
    (void)info;
    (void)why;
    (void)why_cap;
    pp_t *p = pp_new(true);
    p->close_after = *(const int *)user;
    session->ops = &PP_OPS;
    session->ctx = p;
    return 0;
}

static uint16_t pp_server_add(const int *close_after)
{
    dnp3_tcp_server_config_t cfg;
    dnp3_tcp_server_config_default(&cfg);
    cfg.address = "127.0.0.1";
    cfg.port = 0;
    cfg.accept = accept_pp;
    cfg.accept_user = (void *)(uintptr_t)close_after;
    dnp3_listener_t *l = NULL;
    assert_int_equal(dnp3_runtime_add_tcp_server(T.rt, &cfg, &l), 0);
    dnp3_endpoint_t ep;
    assert_int_equal(dnp3_listener_endpoint(l, &ep), 0);
    return ep.port;
}

static const int PP_NEVER = 0, PP_AFTER_5 = 5;

static pp_t *pp_client_add(uint16_t port, int rounds)
{
    pp_t *p = pp_new(false);
    p->rounds = rounds;
    dnp3_tcp_endpoint_t ep = {.host = "127.0.0.1", .port = port};
    dnp3_tcp_client_config_t cfg;
    dnp3_tcp_client_config_default(&cfg);
    cfg.endpoints = &ep;
    cfg.endpoint_count = 1;
    cfg.backoff_min_ms = cfg.backoff_max_ms = 60000;
    cfg.session.ops = &PP_OPS;
    cfg.session.ctx = p;
    assert_int_equal(dnp3_runtime_add_tcp_client(T.rt, &cfg, NULL), 0);
    return p;
}

static void pp_reset(void)
{
    memset(pps, 0, sizeof pps);
    pp_check = NULL;
}

/* The server session that closes (close_after set), or NULL. */
static pp_t *pp_closer(void)
{
    for (size_t i = 0; i < PP_MAX; i++)
        if (pps[i].used && pps[i].server && pps[i].close_after)
            return &pps[i];
    return NULL;
}

#define PP_ROUNDS 200

static void check_pp_rounds(void)
{
    if (pps[0].got == PP_ROUNDS)
        dnp3_runtime_stop(T.rt);
}

/* 200 request/answer exchanges with busy polling: the answers are found by
 * reading the connections that carry them directly (busy_reads moves), and
 * every byte arrives once, in order, as through the loop. */
static void test_busy_direct_reads(void **state)
{
    (void)state;
    pp_reset();
    T.busy_poll_us = BUSY_LONG_US;
    rt_new(NULL);
    uint16_t port = pp_server_add(&PP_NEVER);
    pp_t *client = pp_client_add(port, PP_ROUNDS);
    pp_check = check_pp_rounds;
    run();
    pp_t *server = &pps[1];
    assert_true(server->server);
    assert_int_equal(client->got, PP_ROUNDS);
    assert_int_equal(server->got, PP_ROUNDS);
    assert_int_equal(client->bytes_in, 4 * PP_ROUNDS);
    assert_int_equal(server->bytes_in, 4 * PP_ROUNDS);
    dnp3_runtime_counters_t c = counters();
    assert_int_equal(c.bytes_in, 8 * PP_ROUNDS);
    assert_int_equal(c.bytes_out, 8 * PP_ROUNDS);
    assert_true(c.busy_reads > 0);
    assert_true(c.busy_reads <= 2 * PP_ROUNDS);
    /* The stop emptied the hot set. */
    assert_int_equal(T.rt->nhot, 0);
}

/* The same exchanges with the sleeping loop: no direct read. */
static void test_sleeping_loop_reads_through_libuv(void **state)
{
    (void)state;
    pp_reset();
    rt_new(NULL);
    uint16_t port = pp_server_add(&PP_NEVER);
    pp_client_add(port, PP_ROUNDS);
    pp_check = check_pp_rounds;
    run();
    assert_int_equal(counters().bytes_in, 8 * PP_ROUNDS);
    assert_int_equal(counters().busy_reads, 0);
    assert_int_equal(T.rt->nhot, 0);
}

/* A session closes its connection while it is hot (after 5 pongs): it
 * leaves the hot set at the close, before its memory goes, and is never
 * read again (ASan), while a second pair of connections keeps exchanging
 * through many more rounds of direct reads. */
static pp_t *closing_client, *busy_client;

static void check_closed_while_hot(void)
{
    pp_t *closer = pp_closer();
    if (closer && closer->closes == 1 && closing_client->closes == 1 &&
        busy_client->got >= PP_ROUNDS)
        dnp3_runtime_stop(T.rt);
}

static void test_busy_session_closes_hot_connection(void **state)
{
    (void)state;
    pp_reset();
    T.busy_poll_us = BUSY_LONG_US;
    rt_new(NULL);
    closing_client = pp_client_add(pp_server_add(&PP_AFTER_5), 0);
    busy_client = pp_client_add(pp_server_add(&PP_NEVER), 0);
    pp_check = check_closed_while_hot;
    run();
    pp_t *closer = pp_closer();
    assert_non_null(closer);
    assert_int_equal(closer->sent, 5);
    assert_int_equal(closer->reason, DNP3_DISCONNECT_LOCAL);
    assert_false(closer->hot_at_close);
    assert_int_equal(closing_client->got, 5);
    assert_int_equal(closing_client->reason, DNP3_DISCONNECT_PEER_CLOSED);
    assert_false(closing_client->hot_at_close);
    assert_true(busy_client->got >= PP_ROUNDS);
    assert_int_equal(busy_client->reason, DNP3_DISCONNECT_STOP);
    assert_true(counters().busy_reads > 0);
    assert_int_equal(log_count("closed: closed by application: enough pongs"), 1);
}

/* A timer on another connection fires at its deadline while one pair of
 * connections is hot and exchanging without a pause: the loop still runs
 * its rounds between the direct reads. */
static int pp_got_at_timer[3];
static bool hot_at_timer[3];

static void check_timer_beside_hot(void)
{
    fake_t *f = &T.fakes[0];
    int i = f->timer_calls - 1;
    if (i < 0 || i >= 3 || hot_at_timer[i])
        return;
    pp_got_at_timer[i] = pps[0].got;
    hot_at_timer[i] = pps[0].conn && pps[0].conn->hot;
    if (f->timer_calls == 3)
        dnp3_runtime_stop(T.rt);
}

/* Each deadline timer_step after the call (not after the last deadline):
 * a loop held off its CPU past one deadline cannot owe two at once, so the
 * exchange goes on between any two calls. */
static int timed_timer(void *ctx, dnp3_timestamp_t now)
{
    fake_t *f = ctx;
    f->timer_calls++;
    if (now < f->deadline)
        f->timer_early++;
    f->deadline = f->timer_calls < f->timer_limit ? now + f->timer_step : DNP3_TIMESTAMP_NEVER;
    check();
    return 0;
}

static const dnp3_session_ops_t TIMED_OPS = {
    .on_open = fake_open,
    .on_bytes = fake_bytes,
    .take_output = fake_take,
    .want_write = fake_want,
    .next_deadline = fake_deadline,
    .on_timer = timed_timer,
    .on_close = fake_close,
};

static void test_busy_timer_beside_hot_connection(void **state)
{
    (void)state;
    pp_reset();
    T.busy_poll_us = BUSY_LONG_US;
    rt_new(NULL);
    memset(pp_got_at_timer, 0, sizeof pp_got_at_timer);
    memset(hot_at_timer, 0, sizeof hot_at_timer);
    pp_t *pinger = pp_client_add(pp_server_add(&PP_NEVER), 0);
    T.client_ops = &TIMED_OPS;
    fake_t *timed = client_add("127.0.0.1", server_add("127.0.0.1", 4, NULL, 0), 60000, 60000);
    assert_ptr_equal(timed, &T.fakes[0]);
    timed->timer_step = 20;
    timed->timer_limit = 3;
    T.check = check_timer_beside_hot;
    run();
    assert_int_equal(timed->timer_calls, 3);
    assert_int_equal(timed->timer_early, 0);
    /* Each deadline came while the exchange went on, its connection hot. */
    for (int i = 0; i < 3; i++)
        assert_true(hot_at_timer[i]);
    assert_true(pp_got_at_timer[0] > 0);
    assert_true(pp_got_at_timer[2] > pp_got_at_timer[1]);
    assert_true(pp_got_at_timer[1] > pp_got_at_timer[0]);
    assert_true(pinger->got >= pp_got_at_timer[2]);
    assert_true(counters().busy_reads > 0);
}

/* ---- a peer that ends its connection while it is hot ----------------------------
 * A plain socket sends 2 bytes; the server session, on reading them (its
 * connection now hot), has the peer close (FIN) or reset (RST) and waits
 * until that has reached the server's socket. With busy polling, the next
 * thing the loop does is the direct read of its hot connections: it finds
 * the end there (busy_reads 1). The connection closes with the reason and
 * the words the loop's own read gives (the sleeping loop, busy_reads 0). */
static int ending_peer_fd = -1;
static bool ending_peer_resets;

static void check_peer_ends(void)
{
    fake_t *server = &T.fakes[0];
    if (server->closes == 1) {
        dnp3_runtime_stop(T.rt);
        return;
    }
    if (ending_peer_fd < 0 || server->in_len != 2)
        return;
    assert_true(server->conn->hot == (T.busy_poll_us != 0));
    if (ending_peer_resets) {
        struct linger lg = {.l_onoff = 1, .l_linger = 0};
        assert_int_equal(setsockopt(ending_peer_fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg), 0);
    }
    close(ending_peer_fd);
    ending_peer_fd = -1;
    dnp3i_tcp_stream_t *t = DNP3I_CONTAINER(server->conn->stream, dnp3i_tcp_stream_t, base);
    struct pollfd pfd = {.fd = t->fd, .events = POLLIN};
    assert_int_equal(poll(&pfd, 1, 10000), 1);
}

static void peer_ends(bool reset, uint32_t busy_poll_us)
{
    T.busy_poll_us = busy_poll_us;
    rt_new(NULL);
    uint16_t port = server_add("127.0.0.1", 4, NULL, 0);
    ending_peer_fd = socket(AF_INET, SOCK_STREAM, 0);
    assert_true(ending_peer_fd >= 0);
    struct sockaddr_in sa = {
        .sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK), .sin_port = htons(port)};
    /* The kernel completes the handshake before the loop accepts. */
    assert_int_equal(connect(ending_peer_fd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(write(ending_peer_fd, "hi", 2), 2);
    ending_peer_resets = reset;
    T.check = check_peer_ends;
    run();
    assert_int_equal(ending_peer_fd, -1);
    fake_t *server = &T.fakes[0];
    assert_true(server->server);
    assert_memory_equal(server->in, "hi", 2);
    assert_int_equal(server->closes, 1);
    dnp3_runtime_counters_t c = counters();
    assert_int_equal(c.bytes_in, 2);
    assert_int_equal(c.busy_reads, busy_poll_us ? 1 : 0);
    if (reset) {
        assert_int_equal(server->reason, DNP3_DISCONNECT_RESET);
        assert_int_equal(c.disconnects[DNP3_DISCONNECT_RESET], 1);
        assert_int_equal(log_count("closed: connection error: connection reset by peer (in 2, "
                                   "out 0 bytes)"),
                         1);
    } else {
        assert_int_equal(server->reason, DNP3_DISCONNECT_PEER_CLOSED);
        assert_int_equal(c.disconnects[DNP3_DISCONNECT_PEER_CLOSED], 1);
        assert_int_equal(log_count("closed: peer closed (in 2, out 0 bytes)"), 1);
    }
}

static void test_peer_closes_while_read(void **state)
{
    (void)state;
    peer_ends(false, 0);
}

static void test_busy_peer_closes_while_hot(void **state)
{
    (void)state;
    peer_ends(false, BUSY_LONG_US);
}

static void test_peer_resets_while_read(void **state)
{
    (void)state;
    peer_ends(true, 0);
}

static void test_busy_peer_resets_while_hot(void **state)
{
    (void)state;
    peer_ends(true, BUSY_LONG_US);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_echo_ipv4, setup, teardown),
        cmocka_unit_test_setup_teardown(test_echo_ipv6, setup, teardown),
        cmocka_unit_test_setup_teardown(test_output_beyond_write_buffer, setup, teardown),
        cmocka_unit_test_setup_teardown(test_partial_writes_keep_the_rest, setup, teardown),
        cmocka_unit_test_setup_teardown(test_backlog_full_closes_and_says_why, setup, teardown),
        cmocka_unit_test_setup_teardown(test_wake_during_flush_waits_for_the_buffer, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_max_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_allow_list, setup, teardown),
        cmocka_unit_test_setup_teardown(test_accept_callback_refuses, setup, teardown),
        cmocka_unit_test_setup_teardown(test_refusal_flood_summarised, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_backoff, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_backup_endpoint, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_reconnect_after_refusal, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_refused, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_pacing, setup, teardown),
        cmocka_unit_test_setup_teardown(test_connect_timeout, setup, teardown),
        cmocka_unit_test_setup_teardown(test_error_mapping, setup, teardown),
        cmocka_unit_test_setup_teardown(test_listen_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_at_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_timer_deadline_moves, setup, teardown),
        cmocka_unit_test_setup_teardown(test_session_closes, setup, teardown),
        cmocka_unit_test_setup_teardown(test_post_from_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_self_posting_closure_does_not_starve_io, setup,
                                        teardown),
        cmocka_unit_test_setup_teardown(test_stop_with_open_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_stop_linger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_reset, setup, teardown),
        cmocka_unit_test_setup_teardown(test_capture, setup, teardown),
        cmocka_unit_test_setup_teardown(test_client_host_name, setup, teardown),
        cmocka_unit_test_setup_teardown(test_signals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_socket_options, setup, teardown),
        cmocka_unit_test_setup_teardown(test_default_logger, setup, teardown),
        cmocka_unit_test_setup_teardown(test_cidr, setup, teardown),
        cmocka_unit_test_setup_teardown(test_endpoint_format, setup, teardown),
        cmocka_unit_test_setup_teardown(test_config_defaults, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_echo, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_timer_at_deadline, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_post_from_thread, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_stop_with_open_connections, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_signals, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_capture, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_poll_sleeps_when_idle, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_poll_config, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_direct_reads, setup, teardown),
        cmocka_unit_test_setup_teardown(test_sleeping_loop_reads_through_libuv, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_session_closes_hot_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_timer_beside_hot_connection, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_closes_while_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_peer_closes_while_hot, setup, teardown),
        cmocka_unit_test_setup_teardown(test_peer_resets_while_read, setup, teardown),
        cmocka_unit_test_setup_teardown(test_busy_peer_resets_while_hot, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
