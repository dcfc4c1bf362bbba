/* The master association on a connection's mux (sans-IO, time by hand):
 * the link keep-alive finds an outstation that has gone silent while
 * nothing is being polled (no response timeout could), the mux closes,
 * and the association reports the loss (FAILED link_down) and its points
 * with COMM_LOST. */
#include "mux_harness.h"

#include "dnp3/master.h"

typedef struct rec {
    mh_text_t log;
} rec_t;

static void on_state(void *ctx, const dnp3_master_health_t *hl)
{
    rec_t *r = ctx;
    mh_printf(&r->log, "state %s %s\n", dnp3_master_state_name(hl->state),
              dnp3_master_reason_name(hl->reason));
}

static void on_measurement(void *ctx, const dnp3_measurement_t *m)
{
    rec_t *r = ctx;
    mh_printf(&r->log, "%s #%u f=%02X%s\n", dnp3_meas_type_name(m->type), (unsigned)m->index,
              (unsigned)m->flags, m->stale ? " stale" : "");
}

static void keepalive_finds_silent_outstation(void **state)
{
    (void)state;
    rec_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    dnp3_mux_config_t mc;
    dnp3_mux_config_default(&mc);
    mc.channel.local[0] = 1;
    mc.channel.keepalive_ms = 10000;
    mc.channel.confirm_timeout_ms = 1000;
    mc.channel.confirm_retries = 1;
    int err = 1;
    dnp3_mux_t *mux = dnp3_mux_new(&mc, &err);
    assert_non_null(mux);

    dnp3_master_config_t cfg;
    dnp3_master_config_default(&cfg); /* master 1, outstation 10, response timeout 5 s */
    cfg.startup_disable_unsolicited = false;
    cfg.integrity_period_ms = 3600000; /* the next poll is an hour away */
    dnp3_master_callbacks_t cb = {.on_state = on_state, .on_measurement = on_measurement};
    dnp3_master_assoc_t *a = NULL;
    assert_int_equal(dnp3_master_assoc_new(&cfg, &cb, r, &a), 0);
    dnp3_app_session_t s;
    assert_int_equal(dnp3_master_assoc_app_session(a, &s), 0);
    assert_int_equal(dnp3_mux_attach(mux, &s), 0);

    /* Connected: the start-up integrity poll goes out and is answered. */
    dnp3_mux_on_open(mux, 0);
    uint8_t out[512];
    mh_stream_t req = {0};
    mh_fragment(&req, true, 10, 1, 0, "C0 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    assert_int_equal(dnp3_mux_take_output(mux, 0, out, sizeof out), (int)req.n);
    assert_memory_equal(out, req.b, req.n);
    mh_stream_t rsp = {0};
    mh_fragment(&rsp, false, 1, 10, 0, "C0 81 00 00 01 02 00 00 00 81");
    assert_int_equal(mh_feed(mux, 100, &rsp, 0), 0);
    mh_expect(&r->log, "state connected none\nbinary_input #0 f=81\nstate polling none\n");

    /* Silent for 10 s: REQUEST_LINK_STATUS, once more after 1 s, then the
     * connection is given up 12 s after the last frame, long before the
     * next poll (and its response timeout) would have noticed. */
    assert_int_equal(dnp3_mux_next_deadline(mux), 10100);
    mh_stream_t status = {0};
    mh_link(&status, true, true, DNP3_LINK_REQUEST_LINK_STATUS, 10, 1);
    for (dnp3_timestamp_t t = 10100; t <= 11100; t += 1000) {
        assert_int_equal(dnp3_mux_on_timer(mux, t), 0);
        assert_int_equal(dnp3_mux_take_output(mux, t, out, sizeof out), (int)status.n);
        assert_memory_equal(out, status.b, status.n);
    }
    assert_int_equal(dnp3_mux_on_timer(mux, 12100), DNP3_E_LINK_KEEPALIVE);
    assert_true(dnp3_mux_closed(mux));
    /* COMM_LOST (0x04) set, ONLINE (0x01) cleared */
    mh_expect(&r->log, "state connected none\nbinary_input #0 f=81\nstate polling none\n"
                       "state failed link_down\nbinary_input #0 f=84 stale\n");
    dnp3_master_counters_t c;
    assert_int_equal(dnp3_master_assoc_counters(a, &c), 0);
    assert_int_equal(c.timeouts, 0);
    assert_int_equal(c.requests_sent, 1);

    dnp3_mux_on_close(mux, 12101);
    dnp3_mux_free(mux);
    dnp3_master_assoc_free(a);
    free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(keepalive_finds_silent_outstation),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
