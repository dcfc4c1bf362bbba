/* The mux, send side: sessions polled round robin whenever the channel can
 * take a fragment (exact bytes checked by a master channel reading them
 * back), one fragment in flight, TX_DONE / TX_FAILED to the session that
 * sent, session timers, and the runtime's session operations. */
#include "mux_harness.h"

typedef struct fixture {
    mh_text_t calls;
    mh_text_t log;
    mh_text_t seen; /* fragments a master channel reads from the output */
    dnp3_mux_t *mux;
    dnp3_channel_t *peer;
    fake_t a, b, c;
} fixture_t;

static fixture_t *fx_new(uint32_t confirm_timeout_ms)
{
    fixture_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    dnp3_mux_config_t cfg;
    mh_outstation_config(&cfg, &fx->log);
    cfg.channel.confirm_timeout_ms = confirm_timeout_ms;
    fx->mux = dnp3_mux_new(&cfg, NULL);
    assert_non_null(fx->mux);

    dnp3_channel_config_t pc; /* masters 1 and 2 reading what the outstations send */
    dnp3_channel_config_default(&pc);
    pc.local[0] = 1;
    pc.local[1] = 2;
    pc.n_local = 2;
    pc.max_peers = 4;
    fx->peer = dnp3_channel_new(&pc, NULL);
    assert_non_null(fx->peer);

    fake_init(&fx->a, 'A', &fx->calls, 10, 1);
    fake_init(&fx->b, 'B', &fx->calls, 11, 1);
    fake_init(&fx->c, 'C', &fx->calls, 10, 2);
    fx->c.as.ops = &fake_ops_plain; /* no want_send: always asked */
    assert_int_equal(dnp3_mux_attach(fx->mux, &fx->a.as), 0);
    assert_int_equal(dnp3_mux_attach(fx->mux, &fx->b.as), 0);
    assert_int_equal(dnp3_mux_attach(fx->mux, &fx->c.as), 0);
    dnp3_mux_on_open(fx->mux, 0);
    return fx;
}

static void fx_free(fixture_t *fx)
{
    dnp3_mux_free(fx->mux);
    dnp3_channel_free(fx->peer);
    free(fx);
}

/* Takes output into a buffer of cap bytes until none is left; the master
 * channel reads it and every fragment is noted as "10>1 41 01 02 ...". */
static size_t drain(fixture_t *fx, dnp3_timestamp_t now, size_t cap)
{
    uint8_t buf[4096];
    assert_true(cap <= sizeof buf);
    size_t total = 0;
    for (;;) {
        int n = dnp3_mux_take_output(fx->mux, now, buf, cap);
        assert_true(n >= 0 && (size_t)n <= cap);
        if (n == 0)
            break;
        total += (size_t)n;
        const uint8_t *p = buf;
        size_t left = (size_t)n;
        for (;;) {
            dnp3_channel_event_t ev;
            size_t used = dnp3_channel_on_bytes(fx->peer, now, p, left, &ev);
            p += used;
            left -= used;
            if (ev.kind == DNP3_CHANNEL_EV_NONE)
                break;
            if (ev.kind != DNP3_CHANNEL_EV_FRAGMENT)
                continue;
            mh_printf(&fx->seen, "%u>%u", ev.src, ev.dst);
            for (size_t i = 0; i < ev.len; i++)
                mh_printf(&fx->seen, " %02X", ev.data[i]);
            mh_printf(&fx->seen, "\n");
        }
    }
    return total;
}

static void test_round_robin_fairness(void **state)
{
    (void)state;
    static const size_t caps[] = {4096, DNP3_LINK_MAX_FRAME};
    for (size_t k = 0; k < 2; k++) {
        fixture_t *fx = fx_new(2000);
        for (int i = 0; i < 3; i++) {
            fake_queue(&fx->a, 3, 1, false);
            fake_queue(&fx->b, 4, 1, false);
        }
        fake_queue(&fx->c, 2, 2, false);
        assert_true(dnp3_mux_want_write(fx->mux));
        /* Each frame: 10 header + (1 + n) user + 2 CRC. */
        assert_int_equal(drain(fx, 7, caps[k]), 3 * 16 + 3 * 17 + 15);
        mh_expect(&fx->calls, "A up\nB up\nC up\n"
                              "A sent 3\nA tx_done\nB sent 4\nB tx_done\nC sent 2\nC tx_done\n"
                              "A sent 3\nA tx_done\nB sent 4\nB tx_done\n"
                              "A sent 3\nA tx_done\nB sent 4\nB tx_done\n");
        mh_expect(&fx->seen, "10>1 41 01 02\n11>1 42 01 02 03\n10>2 43 01\n"
                             "10>1 41 01 02\n11>1 42 01 02 03\n"
                             "10>1 41 01 02\n11>1 42 01 02 03\n");
        dnp3_mux_session_counters_t sc;
        assert_int_equal(dnp3_mux_session_counters(fx->mux, 11, 1, &sc), 0);
        assert_int_equal(sc.fragments_out, 3);
        assert_int_equal(sc.tx_done, 3);
        dnp3_mux_counters_t c;
        dnp3_mux_counters(fx->mux, &c);
        assert_int_equal(c.fragments_out, 7);
        assert_int_equal(c.channel.fragments_tx, 7);
        fx_free(fx);
    }
}

static void test_exact_frame_bytes(void **state)
{
    (void)state;
    fixture_t *fx = fx_new(2000);
    fake_queue(&fx->b, 2, 1, false);
    uint8_t out[512];
    int n = dnp3_mux_take_output(fx->mux, 0, out, sizeof out);
    /* From 11 to 1, DIR=0 PRM=1 UNCONFIRMED_USER_DATA (0x44), transport
     * FIR|FIN seq 0 (0xC0), then the fragment 42 01. */
    mh_stream_t want = {0};
    static const uint8_t user[] = {0xC0, 0x42, 0x01};
    mh_frame(&want, 0x44, 1, 11, user, sizeof user);
    assert_int_equal(n, (int)want.n);
    assert_memory_equal(out, want.b, want.n);
    assert_int_equal(out[3], 0x44);
    assert_int_equal(out[4] | out[5] << 8, 1);
    assert_int_equal(out[6] | out[7] << 8, 11);
    fx_free(fx);
}

static void test_large_fragment_not_interleaved(void **state)
{
    (void)state;
    fixture_t *fx = fx_new(2000);
    fake_queue(&fx->a, 600, 1, false); /* three segments */
    fake_queue(&fx->b, 2, 1, false);
    drain(fx, 0, DNP3_LINK_MAX_FRAME);
    mh_expect(&fx->calls, "A up\nB up\nC up\nA sent 600\nA tx_done\nB sent 2\nB tx_done\n");
    assert_int_equal(strncmp(fx->seen.s, "10>1 41 01 02", 13), 0);
    assert_non_null(strstr(fx->seen.s, "\n11>1 42 01\n"));
    fx_free(fx);
}

static void feed(fixture_t *fx, dnp3_timestamp_t now, const mh_stream_t *s)
{
    assert_int_equal(mh_feed(fx->mux, now, s, 0), 0);
}

static void test_confirmed_tx_done_to_sender(void **state)
{
    (void)state;
    fixture_t *fx = fx_new(2000);
    fake_queue(&fx->a, 3, 1, true);
    fake_queue(&fx->b, 4, 1, false);
    uint8_t out[512];
    /* RESET_LINK_STATES 10 -> 1 first (9.2.6); B waits its turn. */
    mh_stream_t reset = {0};
    mh_link(&reset, false, true, DNP3_LINK_RESET_LINK_STATES, 1, 10);
    assert_int_equal(dnp3_mux_take_output(fx->mux, 0, out, sizeof out), (int)reset.n);
    assert_memory_equal(out, reset.b, reset.n);
    assert_false(dnp3_mux_want_write(fx->mux));
    mh_stream_t ack = {0};
    mh_link(&ack, true, false, DNP3_LINK_ACK, 10, 1);
    feed(fx, 10, &ack);
    assert_int_equal(dnp3_mux_take_output(fx->mux, 10, out, sizeof out), 16); /* the data */
    assert_int_equal(out[3], 0x73); /* PRM FCB FCV CONFIRMED_USER_DATA */
    assert_false(dnp3_mux_want_write(fx->mux));
    feed(fx, 20, &ack);
    drain(fx, 20, 512);
    mh_expect(&fx->calls, "A up\nB up\nC up\nA sent 3\nA tx_done\nB sent 4\nB tx_done\n");
    fx_free(fx);
}

static void test_confirmed_unanswered_tx_failed(void **state)
{
    (void)state;
    fixture_t *fx = fx_new(1000);
    fake_queue(&fx->a, 3, 1, true);
    uint8_t out[512];
    for (dnp3_timestamp_t t = 0; t <= 2000; t += 1000) {
        assert_int_equal(dnp3_mux_on_timer(fx->mux, t), 0);
        assert_int_equal(dnp3_mux_take_output(fx->mux, t, out, sizeof out), 10);
    }
    assert_int_equal(dnp3_mux_next_deadline(fx->mux), 3000);
    assert_int_equal(dnp3_mux_on_timer(fx->mux, 3000), 0); /* fails the send, not the link */
    assert_false(dnp3_mux_closed(fx->mux));
    mh_expect(&fx->calls, "A up\nB up\nC up\nA sent 3\nA tx_failed\n");
    dnp3_mux_session_counters_t sc;
    assert_int_equal(dnp3_mux_session_counters(fx->mux, 10, 1, &sc), 0);
    assert_int_equal(sc.tx_failed, 1);
    fx_free(fx);
}

static void test_refused_destination_fails_at_once(void **state)
{
    (void)state;
    fixture_t *fx = fx_new(2000);
    fake_queue(&fx->a, 3, 0xFFF5, false);
    fake_queue(&fx->b, 2, 1, false);
    drain(fx, 0, 512);
    mh_expect(&fx->calls, "A up\nB up\nC up\nA sent 3\nA tx_failed\nB sent 2\nB tx_done\n");
    mh_expect(&fx->log, "WARN fragment from 10 to 65525 (3 bytes) not sent: invalid argument\n");
    fx_free(fx);
}

static void test_detached_in_flight(void **state)
{
    (void)state;
    fixture_t *fx = fx_new(2000);
    fake_queue(&fx->a, 3, 1, true);
    fake_queue(&fx->b, 2, 1, false);
    uint8_t out[512];
    assert_int_equal(dnp3_mux_take_output(fx->mux, 0, out, sizeof out), 10);
    assert_int_equal(dnp3_mux_detach(fx->mux, 10, 1), 0);
    fake_t d;
    fake_init(&d, 'D', &fx->calls, 10, 1); /* a successor in the same slot */
    assert_int_equal(dnp3_mux_attach(fx->mux, &d.as), 0);
    mh_stream_t ack = {0};
    mh_link(&ack, true, false, DNP3_LINK_ACK, 10, 1);
    feed(fx, 1, &ack);
    assert_int_equal(dnp3_mux_take_output(fx->mux, 1, out, sizeof out), 16);
    feed(fx, 2, &ack);
    drain(fx, 2, 512);
    mh_expect(&fx->calls, "A up\nB up\nC up\nA sent 3\nD up\nB sent 2\nB tx_done\n");
    fx_free(fx);
}

static void test_session_timers(void **state)
{
    (void)state;
    fixture_t *fx = fx_new(2000);
    fx->a.deadline = 500;
    fx->b.deadline = 300;
    assert_int_equal(dnp3_mux_next_deadline(fx->mux), 300);
    assert_int_equal(dnp3_mux_on_timer(fx->mux, 299), 0);
    assert_int_equal(dnp3_mux_on_timer(fx->mux, 300), 0);
    assert_int_equal(dnp3_mux_next_deadline(fx->mux), 500);
    assert_int_equal(dnp3_mux_on_timer(fx->mux, 600), 0);
    assert_int_equal(dnp3_mux_next_deadline(fx->mux), DNP3_TIMESTAMP_NEVER);
    mh_expect(&fx->calls, "A up\nB up\nC up\nB timer 300\nA timer 600\n");
    fx_free(fx);
}

static void test_nothing_sent_while_down(void **state)
{
    (void)state;
    fixture_t *fx = fx_new(2000);
    dnp3_mux_on_close(fx->mux, 0);
    fake_queue(&fx->a, 3, 1, false);
    assert_false(dnp3_mux_want_write(fx->mux));
    uint8_t out[64];
    assert_int_equal(dnp3_mux_take_output(fx->mux, 0, out, sizeof out), 0);
    dnp3_mux_on_open(fx->mux, 1);
    drain(fx, 1, 64);
    mh_expect(&fx->seen, "10>1 41 01 02\n");
    fx_free(fx);
}

/* ---- the runtime's view ------------------------------------------------------- */

static void hook_open(void *user, dnp3_mux_t *mux, dnp3_conn_t *conn, const dnp3_conn_info_t *info)
{
    fixture_t *fx = user;
    assert_non_null(mux);
    assert_null(conn);
    mh_printf(&fx->calls, "open %llu\n", (unsigned long long)info->id);
}

static void hook_close(void *user, dnp3_mux_t *mux, dnp3_disconnect_reason_t reason)
{
    fixture_t *fx = user;
    assert_non_null(mux);
    mh_printf(&fx->calls, "close %s\n", dnp3_disconnect_reason_name(reason));
}

static void test_runtime_session_ops(void **state)
{
    (void)state;
    fixture_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    dnp3_mux_config_t cfg;
    dnp3_mux_config_default(&cfg);
    cfg.channel.role = DNP3_CHANNEL_ROLE_OUTSTATION;
    cfg.channel.local[0] = 10;
    cfg.user = fx;
    cfg.on_conn_open = hook_open;
    cfg.on_conn_close = hook_close;
    fx->mux = dnp3_mux_new(&cfg, NULL);
    assert_non_null(fx->mux);
    fake_init(&fx->a, 'A', &fx->calls, 10, 1);
    assert_int_equal(dnp3_mux_attach(fx->mux, &fx->a.as), 0);

    const dnp3_session_ops_t *ops = dnp3_mux_session_ops();
    dnp3_conn_info_t info = {.id = 7, .transport = "tcp"};
    ops->on_open(fx->mux, NULL, &info, 100);
    mh_stream_t s = {0};
    mh_fragment(&s, true, 10, 1, 0, "C0 01 3C 02 06");
    assert_int_equal(ops->on_bytes(fx->mux, 101, s.b, s.n), 0);
    fake_queue(&fx->a, 2, 1, false);
    assert_true(ops->want_write(fx->mux));
    uint8_t out[64];
    assert_int_equal(ops->take_output(fx->mux, 102, out, sizeof out), 15);
    assert_int_equal(ops->next_deadline(fx->mux), DNP3_TIMESTAMP_NEVER);
    assert_int_equal(ops->on_timer(fx->mux, 103), 0);
    uint8_t garbage[] = {0x00};
    assert_int_equal(ops->on_bytes(fx->mux, 104, garbage, 1), DNP3_E_LINK_CLOSED);
    ops->on_close(fx->mux, DNP3_DISCONNECT_SESSION);
    mh_expect(&fx->calls, "A up\nopen 7\nA frag 1>10 C0 01 3C 02 06\nA sent 2\nA tx_done\n"
                          "A down\nclose closed by session\n");
    assert_null(dnp3_mux_conn(fx->mux));
    assert_non_null(dnp3_mux_channel(fx->mux));
    assert_string_equal(dnp3_mux_close_reason_name(DNP3_MUX_CLOSE_KEEPALIVE), "keep-alive");
    assert_string_equal(dnp3_mux_close_reason_name(DNP3_MUX_CLOSE_REASON_COUNT), "unknown");
    dnp3_mux_free(fx->mux);
    free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_round_robin_fairness),
        cmocka_unit_test(test_exact_frame_bytes),
        cmocka_unit_test(test_large_fragment_not_interleaved),
        cmocka_unit_test(test_confirmed_tx_done_to_sender),
        cmocka_unit_test(test_confirmed_unanswered_tx_failed),
        cmocka_unit_test(test_refused_destination_fails_at_once),
        cmocka_unit_test(test_detached_in_flight),
        cmocka_unit_test(test_session_timers),
        cmocka_unit_test(test_nothing_sent_while_down),
        cmocka_unit_test(test_runtime_session_ops),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
