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
#include <sys/socket.h>
#include <unistd.h>

#include "channel/channel_internal.h"
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_connect_refused_reaches_health),
        cmocka_unit_test(test_arguments),
        cmocka_unit_test(test_listener),
        cmocka_unit_test(test_listener_closes_silent_dial_in),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
