/* master_client: the glue between master associations and the runtime.
 * A master channel to a closed port (loopback) tells its associations'
 * health: connecting, then FAILED with CONNECT_FAILED and the runtime's
 * code, and its owner the same through on_event, retrying with backoff;
 * argument checks of every function; a listener binds an ephemeral port
 * and refuses a second registration of the same pair. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include <netinet/in.h>
#include <pthread.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "channel/channel_internal.h"
#include "dnp3/link.h"
#include "dnp3/master_client.h"

typedef struct seen {
    dnp3_runtime_t *rt;
    int connecting, failed, connected, disconnected;
    int last_error;
    char endpoint[64];
    int states[32];
    size_t n_states;
    dnp3_master_health_t last;
} seen_t;

static void on_state(void *ctx, const dnp3_master_health_t *h)
{
    seen_t *s = ctx;
    if (s->n_states < 32)
        s->states[s->n_states++] = (int)h->state;
    s->last = *h;
}

static void on_event(void *user, dnp3_master_channel_t *ch, const dnp3_master_channel_event_t *ev)
{
    (void)ch;
    seen_t *s = user;
    switch (ev->kind) {
    case DNP3_MASTER_CHANNEL_CONNECTING:
        s->connecting++;
        snprintf(s->endpoint, sizeof s->endpoint, "%s", ev->endpoint);
        break;
    case DNP3_MASTER_CHANNEL_CONNECT_FAILED:
        s->failed++;
        s->last_error = ev->error;
        if (s->failed == 2) /* one retry seen: enough */
            dnp3_runtime_stop(s->rt);
        break;
    case DNP3_MASTER_CHANNEL_CONNECTED:
        s->connected++;
        break;
    case DNP3_MASTER_CHANNEL_DISCONNECTED:
        s->disconnected++;
        break;
    }
}

static uint16_t closed_port(void)
{
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(fd, (struct sockaddr *)&a, sizeof a), 0);
    socklen_t len = sizeof a;
    getsockname(fd, (struct sockaddr *)&a, &len);
    close(fd);
    return ntohs(a.sin_port);
}

static dnp3_runtime_t *quiet_runtime(void)
{
    dnp3_runtime_config_t rc;
    dnp3_runtime_config_default(&rc);
    rc.logger.level = DNP3_LOG_ERROR;
    dnp3_runtime_t *rt = dnp3_runtime_new(&rc, NULL, 0);
    assert_non_null(rt);
    return rt;
}

static void test_connect_refused_reaches_health(void **state)
{
    (void)state;
    seen_t s = {0};
    s.rt = quiet_runtime();
    dnp3_master_config_t mc;
    dnp3_master_config_default(&mc);
    dnp3_master_callbacks_t cb = {.on_state = on_state};
    dnp3_master_assoc_t *a = NULL;
    assert_int_equal(dnp3_master_assoc_new(&mc, &cb, &s, &a), 0);

    char port_text[8];
    uint16_t port = closed_port();
    snprintf(port_text, sizeof port_text, "%u", port);
    dnp3_tcp_endpoint_t ep = {.host = "127.0.0.1", .port = port};
    dnp3_master_channel_config_t cc;
    dnp3_master_channel_config_default(&cc);
    cc.endpoints = &ep;
    cc.endpoint_count = 1;
    cc.backoff_min_ms = 10;
    cc.backoff_max_ms = 20;
    cc.on_event = on_event;
    cc.user = &s;
    dnp3_master_channel_t *ch = NULL;
    assert_int_equal(dnp3_master_channel_new(s.rt, &cc, &ch), 0);
    assert_int_equal(dnp3_master_channel_add(ch, a), 0);
    assert_int_equal(dnp3_master_channel_add(ch, a), DNP3_E_NOSPACE); /* max 1 */
    assert_null(dnp3_master_channel_conn(ch));
    assert_non_null(dnp3_master_channel_mux(ch));
    assert_int_equal(dnp3_master_channel_wake(ch), 0); /* not connected: nothing to do */

    assert_int_equal(dnp3_runtime_run(s.rt), 0);
    assert_int_equal(s.connecting, 2);
    assert_int_equal(s.failed, 2);
    assert_int_equal(s.connected, 0);
    assert_int_equal(s.last_error, DNP3_E_CONN_REFUSED);
    char want[32];
    snprintf(want, sizeof want, "127.0.0.1:%u", port);
    assert_string_equal(s.endpoint, want);
    /* The first attempt began at dnp3_master_channel_new, before the
     * association was added: it learns of it when it fails. Then
     * connecting, failed (refused). */
    assert_int_equal(s.n_states, 3);
    assert_int_equal(s.states[0], DNP3_MASTER_FAILED);
    assert_int_equal(s.states[1], DNP3_MASTER_CONNECTING);
    assert_int_equal(s.states[2], DNP3_MASTER_FAILED);
    assert_int_equal(s.last.reason, DNP3_MASTER_REASON_CONNECT_FAILED);
    assert_int_equal(s.last.error, DNP3_E_CONN_REFUSED);
    dnp3_runtime_free(s.rt);
    dnp3_master_channel_free(ch);
    dnp3_master_assoc_free(a);
}

static void test_arguments(void **state)
{
    (void)state;
    dnp3_runtime_t *rt = quiet_runtime();
    dnp3_master_channel_config_t cc;
    dnp3_master_channel_config_default(&cc);
    assert_int_equal(cc.max_associations, 1);
    assert_int_equal(cc.link_keepalive_ms, 60000);
    assert_int_equal(cc.reassembly_timeout_ms, 10000);
    dnp3_master_channel_t *ch = NULL;
    assert_int_equal(dnp3_master_channel_new(rt, &cc, &ch), DNP3_E_INVALID_ARG); /* no endpoint */
    dnp3_tcp_endpoint_t ep = {.host = "127.0.0.1", .port = 1};
    cc.endpoints = &ep;
    cc.endpoint_count = 1;
    cc.max_associations = DNP3_MUX_MAX_SESSIONS + 1;
    assert_int_equal(dnp3_master_channel_new(rt, &cc, &ch), DNP3_E_INVALID_ARG);
    cc.max_associations = 1;
    cc.endpoint_count = DNP3_RUNTIME_ENDPOINT_MAX + 1;
    assert_int_equal(dnp3_master_channel_new(rt, &cc, &ch), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_master_channel_new(NULL, &cc, &ch), DNP3_E_INVALID_ARG);
    assert_null(ch);
    /* The reassembly timeout reaches the connection's channel. */
    cc.endpoint_count = 1;
    cc.reassembly_timeout_ms = 1234;
    assert_int_equal(dnp3_master_channel_new(rt, &cc, &ch), 0);
    const dnp3_channel_t *link = dnp3_mux_channel(dnp3_master_channel_mux(ch));
    assert_int_equal(dnp3i_channel_config(link)->reassembly_timeout_ms, 1234);
    dnp3_master_channel_free(ch);
    ch = NULL;
    assert_int_equal(dnp3_master_channel_add(NULL, NULL), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_master_channel_wake(NULL), DNP3_E_INVALID_ARG);
    assert_null(dnp3_master_channel_conn(NULL));
    assert_string_equal(dnp3_master_channel_event_name(DNP3_MASTER_CHANNEL_CONNECT_FAILED),
                        "connect failed");
    dnp3_master_channel_free(NULL);
    dnp3_runtime_free(rt);
}

static void test_listener(void **state)
{
    (void)state;
    dnp3_runtime_t *rt = quiet_runtime();
    dnp3_master_listener_config_t lc;
    dnp3_master_listener_config_default(&lc);
    lc.address = "127.0.0.1";
    lc.port = 0;
    lc.max_associations = 2;
    dnp3_master_listener_t *l = NULL;
    assert_int_equal(dnp3_master_listener_new(rt, &lc, &l), 0);
    dnp3_endpoint_t ep;
    assert_int_equal(dnp3_master_listener_endpoint(l, &ep), 0);
    assert_int_equal(ep.family, 4);
    assert_true(ep.port != 0);

    dnp3_master_config_t mc;
    dnp3_master_config_default(&mc);
    dnp3_master_assoc_t *a = NULL, *b = NULL, *c = NULL;
    assert_int_equal(dnp3_master_assoc_new(&mc, NULL, NULL, &a), 0);
    assert_int_equal(dnp3_master_assoc_new(&mc, NULL, NULL, &b), 0);
    mc.outstation_address = 11;
    assert_int_equal(dnp3_master_assoc_new(&mc, NULL, NULL, &c), 0);
    assert_int_equal(dnp3_master_listener_add(l, a), 0);
    assert_int_equal(dnp3_master_listener_add(l, b), DNP3_E_STATE); /* same pair 1/10 */
    assert_int_equal(dnp3_master_listener_add(l, c), 0);
    assert_int_equal(dnp3_master_listener_add(l, b), DNP3_E_STATE);
    assert_int_equal(dnp3_master_listener_wake(l, a), 0); /* not connected: nothing */
    assert_int_equal(dnp3_master_listener_wake(l, b), DNP3_E_INVALID_ARG); /* not registered */
    dnp3_runtime_free(rt);
    dnp3_master_listener_free(l);
    dnp3_master_assoc_free(a);
    dnp3_master_assoc_free(b);
    dnp3_master_assoc_free(c);
}

/* ---- a stray dial-in that never speaks --------------------------------- */

typedef struct stray {
    dnp3_runtime_t *rt;
    char line[256];
    int lines;
} stray_t;

/* The muxes' logger: keeps the close line and stops the runtime. */
static void stray_log(void *ctx, dnp3_log_level_t level, const char *msg)
{
    stray_t *s = ctx;
    if (level != DNP3_LOG_WARN || !strstr(msg, "closing the connection"))
        return;
    snprintf(s->line, sizeof s->line, "%s", msg);
    s->lines++;
    dnp3_runtime_stop(s->rt);
}

static void test_listener_closes_silent_dial_in(void **state)
{
    (void)state;
    stray_t s = {.rt = quiet_runtime()};
    dnp3_master_listener_config_t lc;
    dnp3_master_listener_config_default(&lc);
    assert_int_equal(lc.first_frame_timeout_ms, 30000);
    assert_int_equal(lc.partial_frame_timeout_ms, 10000);
    assert_int_equal(lc.reassembly_timeout_ms, 10000);
    lc.address = "127.0.0.1";
    lc.port = 0;
    lc.first_frame_timeout_ms = 50;
    lc.logger.log = stray_log;
    lc.logger.ctx = &s;
    lc.logger.level = DNP3_LOG_DEBUG;
    dnp3_master_listener_t *l = NULL;
    assert_int_equal(dnp3_master_listener_new(s.rt, &lc, &l), 0);
    dnp3_endpoint_t ep;
    assert_int_equal(dnp3_master_listener_endpoint(l, &ep), 0);

    /* Connected before the loop runs: the kernel holds it for accept. */
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a = {.sin_family = AF_INET,
                            .sin_addr.s_addr = htonl(INADDR_LOOPBACK),
                            .sin_port = htons(ep.port)};
    assert_int_equal(connect(fd, (struct sockaddr *)&a, sizeof a), 0);
    alarm(20); /* never closed: the test fails instead of hanging */
    assert_int_equal(dnp3_runtime_run(s.rt), 0);
    alarm(0);
    assert_int_equal(s.lines, 1);
    assert_string_equal(s.line, "closing the connection (silent): no valid frame within 50 ms of "
                                "connecting (0 bytes received)");
    char b;
    assert_int_equal(read(fd, &b, 1), 0); /* the listener closed it (EOF) */
    close(fd);
    dnp3_runtime_free(s.rt);
    dnp3_master_listener_free(l);
}

/* ---- start-up link resets on a multi-drop channel ---------------------------------- */

/* A fake bus behind one connection (a thread, blocking sockets): it ACKs
 * every RESET_LINK_STATES, answers nothing else, and notes in order what
 * the master sent and what it answered: 'R' dst (a reset), 'A' dst (our
 * ACK), 'U' dst (user data: a request). When 10, 11 and 13 have sent their
 * first requests it has the loop add association 12 to the connected
 * channel; when 12's request came it ends the run. */
typedef struct bus {
    int lfd;
    dnp3_runtime_t *rt;
    dnp3_master_channel_t *ch;
    dnp3_master_assoc_t *late;
    char kind[64];
    uint16_t dst[64];
    size_t n;
} bus_t;

static void note(bus_t *b, char kind, uint16_t dst)
{
    if (b->n < 64) {
        b->kind[b->n] = kind;
        b->dst[b->n++] = dst;
    }
}

static bool requested(const bus_t *b, uint16_t dst)
{
    for (size_t i = 0; i < b->n; i++)
        if (b->kind[i] == 'U' && b->dst[i] == dst)
            return true;
    return false;
}

static void add_late(void *arg)
{
    bus_t *b = arg;
    assert_int_equal(dnp3_master_channel_add(b->ch, b->late), 0);
}

static void stop_run(void *arg)
{
    bus_t *b = arg;
    dnp3_runtime_stop(b->rt);
}

static bool read_all(int fd, uint8_t *p, size_t n)
{
    for (size_t got = 0; got < n;) {
        ssize_t r = read(fd, p + got, n - got);
        if (r <= 0)
            return false;
        got += (size_t)r;
    }
    return true;
}

/* One frame from the master: its control octet and destination. */
static bool bus_frame(int fd, uint8_t *control, uint16_t *dst)
{
    uint8_t f[292];
    if (!read_all(fd, f, 10) || f[0] != 0x05 || f[1] != 0x64 || f[2] < 5)
        return false;
    size_t user = (size_t)f[2] - 5;
    if (!read_all(fd, f + 10, user + 2 * ((user + 15) / 16)))
        return false;
    *control = f[3];
    *dst = (uint16_t)(f[4] | f[5] << 8);
    return true;
}

static void *bus_run(void *arg)
{
    bus_t *b = arg;
    int fd = accept(b->lfd, NULL, NULL);
    struct timeval tv = {.tv_sec = 10};
    setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
    bool added = false;
    uint8_t control;
    uint16_t dst;
    while (fd >= 0 && !requested(b, 12) && bus_frame(fd, &control, &dst)) {
        uint8_t func = control & 0x0F;
        if (control == dnp3_link_control(true, true, false, false, DNP3_LINK_RESET_LINK_STATES)) {
            note(b, 'R', dst);
            uint8_t ack[10];
            int n = dnp3_link_frame_write(
                ack, sizeof ack, dnp3_link_control(false, false, false, false, DNP3_LINK_ACK), 1,
                dst, NULL, 0);
            if (write(fd, ack, (size_t)n) != n)
                break;
            note(b, 'A', dst);
        } else if ((control & 0x40) && (func == 3 || func == 4)) {
            note(b, 'U', dst);
        }
        if (!added && requested(b, 10) && requested(b, 11) && requested(b, 13)) {
            added = true;
            dnp3_runtime_post(b->rt, add_late, b);
        }
    }
    if (fd >= 0)
        close(fd);
    dnp3_runtime_post(b->rt, stop_run, b);
    return NULL;
}

static dnp3_master_assoc_t *assoc_to(uint16_t outstation, bool link_reset)
{
    dnp3_master_config_t mc;
    dnp3_master_config_default(&mc);
    mc.outstation_address = outstation;
    mc.startup_link_reset = link_reset;
    dnp3_master_assoc_t *a = NULL;
    assert_int_equal(dnp3_master_assoc_new(&mc, NULL, NULL, &a), 0);
    return a;
}

/* 10 and 11 ask for a reset, 13 does not: R10 A10, then R11 A11, then the
 * three first requests; 12, added while connected, gets its reset before
 * its first request. Nothing else is reset. */
static void test_multidrop_link_resets(void **state)
{
    (void)state;
    bus_t b = {.rt = quiet_runtime()};
    b.lfd = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
    assert_int_equal(bind(b.lfd, (struct sockaddr *)&sa, sizeof sa), 0);
    assert_int_equal(listen(b.lfd, 1), 0);
    socklen_t len = sizeof sa;
    getsockname(b.lfd, (struct sockaddr *)&sa, &len);

    dnp3_tcp_endpoint_t ep = {.host = "127.0.0.1", .port = ntohs(sa.sin_port)};
    dnp3_master_channel_config_t cc;
    dnp3_master_channel_config_default(&cc);
    cc.endpoints = &ep;
    cc.endpoint_count = 1;
    cc.max_associations = 4;
    assert_int_equal(dnp3_master_channel_new(b.rt, &cc, &b.ch), 0);
    dnp3_master_assoc_t *a[3] = {assoc_to(10, true), assoc_to(11, true), assoc_to(13, false)};
    for (size_t i = 0; i < 3; i++)
        assert_int_equal(dnp3_master_channel_add(b.ch, a[i]), 0);
    b.late = assoc_to(12, true);
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, bus_run, &b), 0);
    assert_int_equal(dnp3_runtime_run(b.rt), 0);
    pthread_join(t, NULL);
    close(b.lfd);

    const char *want_kind = "RARAUUURAU";
    const uint16_t want_dst[] = {10, 10, 11, 11, 0, 0, 0, 12, 12, 12};
    assert_int_equal(b.n, 10);
    assert_memory_equal(b.kind, want_kind, 10);
    for (size_t i = 0; i < 10; i++)
        if (want_dst[i])
            assert_int_equal(b.dst[i], want_dst[i]);
    assert_true(requested(&b, 10) && requested(&b, 11) && requested(&b, 13));
    dnp3_runtime_free(b.rt);
    dnp3_master_channel_free(b.ch);
    for (size_t i = 0; i < 3; i++)
        dnp3_master_assoc_free(a[i]);
    dnp3_master_assoc_free(b.late);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_refused_reaches_health),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_listener),
        cmocka_unit_test(test_listener_closes_silent_dial_in),
        cmocka_unit_test(test_multidrop_link_resets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
