/* The mux, receive side: fragments routed by (local, remote) pair across
 * sessions of one connection, broadcast fan-out, the self address, frames
 * for foreign addresses counted and logged with both addresses, sessions
 * attached on demand from the first frame (or the connection refused), link
 * up/down, and closes (keep-alive failure, CLOSE policy) with time advanced
 * by hand. Every scenario gives the same calls for any chunking. */
#include "mux_harness.h"

/* A data concentrator: outstations 10 and 11 on one connection; master 1
 * talks to both, master 2 to outstation 10. */
typedef struct fixture {
    mh_text_t calls;
    mh_text_t log;
    dnp3_mux_t *mux;
    fake_t a, b, c;
    int unclaimed_rc; /* what on_unclaimed returns */
    bool attach_on_demand;
    fake_t late; /* the session on_unclaimed attaches */
} fixture_t;

static dnp3_mux_config_t outstation_cfg(fixture_t *fx)
{
    dnp3_mux_config_t cfg;
    mh_outstation_config(&cfg, &fx->log);
    cfg.logger.level = DNP3_LOG_DEBUG;
    cfg.user = fx;
    return cfg;
}

static void fx_open(fixture_t *fx, const dnp3_mux_config_t *cfg, bool sessions)
{
    memset(fx, 0, sizeof *fx);
    int err = 1;
    fx->mux = dnp3_mux_new(cfg, &err);
    assert_non_null(fx->mux);
    assert_int_equal(err, DNP3_OK);
    fake_init(&fx->a, 'A', &fx->calls, 10, 1);
    fake_init(&fx->b, 'B', &fx->calls, 11, 1);
    fake_init(&fx->c, 'C', &fx->calls, 10, 2);
    if (sessions) {
        assert_int_equal(dnp3_mux_attach(fx->mux, &fx->a.as), 0);
        assert_int_equal(dnp3_mux_attach(fx->mux, &fx->b.as), 0);
        assert_int_equal(dnp3_mux_attach(fx->mux, &fx->c.as), 0);
    }
    dnp3_mux_on_open(fx->mux, 0);
}

static fixture_t *fx_new(bool sessions)
{
    fixture_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    dnp3_mux_config_t cfg = outstation_cfg(fx);
    fx_open(fx, &cfg, sessions);
    return fx;
}

/* A master channel at address 1 with no session yet; sessions > 0 caps the
 * sessions and peer slots (a master channel of that many associations). */
static fixture_t *fx_master(size_t sessions)
{
    fixture_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    dnp3_mux_config_t cfg = outstation_cfg(fx);
    cfg.channel.role = DNP3_CHANNEL_ROLE_MASTER;
    cfg.channel.local[0] = 1;
    if (sessions) {
        cfg.channel.max_peers = sessions;
        cfg.max_sessions = sessions;
    }
    fx_open(fx, &cfg, false);
    return fx;
}

static void fx_free(fixture_t *fx)
{
    dnp3_mux_free(fx->mux);
    free(fx);
}

/* ---- routing ------------------------------------------------------------------- */

static void routing_stream(mh_stream_t *s)
{
    memset(s, 0, sizeof *s);
    mh_fragment(s, true, 10, 1, 0, "C0 01 3C 02 06");             /* master 1 -> outstation 10 */
    mh_fragment(s, true, 11, 1, 1, "C1 01 3C 03 06");             /* master 1 -> outstation 11 */
    mh_fragment(s, true, 10, 2, 0, "C2 01 3C 04 06");             /* master 2 -> outstation 10 */
    mh_fragment(s, true, 0xFFFF, 1, 2, "C3 0D");                  /* broadcast from master 1 */
    mh_fragment(s, true, DNP3_ADDR_SELF, 2, 1, "C4 01 3C 01 06"); /* self address, master 2 */
}

static const char routing_calls[] = "A up\nB up\nC up\n"
                                    "A frag 1>10 C0 01 3C 02 06\n"
                                    "B frag 1>11 C1 01 3C 03 06\n"
                                    "C frag 2>10 C2 01 3C 04 06\n"
                                    "A frag 1>65535 C3 0D\n"
                                    "B frag 1>65535 C3 0D\n"
                                    "C frag 2>65532 C4 01 3C 01 06\n";

static void test_routing_by_pair_any_chunking(void **state)
{
    (void)state;
    mh_stream_t s;
    routing_stream(&s);
    static const size_t chunks[] = {0, 1, 2, 3, 7, 10, 13, 64};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        fixture_t *fx = fx_new(true);
        assert_int_equal(mh_feed(fx->mux, 5, &s, chunks[i]), 0);
        mh_expect(&fx->calls, routing_calls);

        dnp3_mux_counters_t c;
        dnp3_mux_counters(fx->mux, &c);
        assert_int_equal(c.fragments_in, 5);
        assert_int_equal(c.broadcast_in, 1);
        assert_int_equal(c.self_in, 1);
        assert_int_equal(c.unclaimed, 0);
        assert_int_equal(c.foreign, 0);
        assert_int_equal(c.channel.fragments_rx, 5);
        dnp3_mux_session_counters_t sc;
        assert_int_equal(dnp3_mux_session_counters(fx->mux, 10, 1, &sc), 0);
        assert_int_equal(sc.fragments_in, 2); /* its own and the broadcast */
        assert_int_equal(dnp3_mux_session_counters(fx->mux, 11, 1, &sc), 0);
        assert_int_equal(sc.fragments_in, 2);
        assert_int_equal(dnp3_mux_session_counters(fx->mux, 10, 2, &sc), 0);
        assert_int_equal(sc.fragments_in, 2);
        assert_int_equal(dnp3_mux_session_counters(fx->mux, 11, 2, &sc), DNP3_E_INVALID_ARG);
        fx_free(fx);
    }
}

static void test_self_address_disabled_is_foreign(void **state)
{
    (void)state;
    fixture_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    dnp3_mux_config_t cfg = outstation_cfg(fx);
    cfg.channel.accept_self = false;
    fx_open(fx, &cfg, true);
    mh_stream_t s = {0};
    mh_fragment(&s, true, DNP3_ADDR_SELF, 1, 0, "C0 01 3C 01 06");
    assert_int_equal(mh_feed(fx->mux, 0, &s, 0), 0);
    mh_expect(&fx->calls, "A up\nB up\nC up\n");
    mh_expect(&fx->log, "WARN frame for address 65532 from 1: this outstation is 10, 11\n");
    fx_free(fx);
}

/* ---- foreign destinations ---------------------------------------------------- */

static void test_foreign_counted_and_logged(void **state)
{
    (void)state;
    fixture_t *fx = fx_new(true);
    assert_int_equal(dnp3_mux_detach(fx->mux, 11, 1), 0); /* outstation 10 only */
    mh_stream_t s = {0};
    mh_fragment(&s, true, 12, 1, 0, "C0 01 3C 02 06");
    assert_int_equal(mh_feed(fx->mux, 1000, &s, 0), 0);
    assert_int_equal(mh_feed(fx->mux, 2000, &s, 1), 0);  /* within the interval: quiet */
    assert_int_equal(mh_feed(fx->mux, 11000, &s, 3), 0); /* 10 s later: logged again */
    mh_expect(&fx->calls, "A up\nB up\nC up\n");
    mh_expect(&fx->log, "WARN frame for address 12 from 1: this outstation is 10\n"
                        "WARN frame for address 12 from 1: this outstation is 10 (1 more foreign "
                        "frames since the last line)\n");
    dnp3_mux_counters_t c;
    dnp3_mux_counters(fx->mux, &c);
    assert_int_equal(c.foreign, 3);
    assert_int_equal(c.foreign_logs_suppressed, 1);
    assert_int_equal(c.channel.foreign, 3);
    assert_int_equal(c.fragments_in, 0);
    fx_free(fx);
}

static void test_foreign_master_wording(void **state)
{
    (void)state;
    fixture_t *fx = fx_master(0);
    mh_stream_t s = {0};
    mh_fragment(&s, false, 3, 10, 0, "C0 81 00 00"); /* outstation 10 answers master 3 */
    assert_int_equal(mh_feed(fx->mux, 0, &s, 0), 0);
    mh_expect(&fx->log, "WARN frame for address 3 from 10: this master is 1\n");
    fx_free(fx);
}

/* The master's side of "connected but no data": the outstation answers
 * from another address than the association polls. Its frames are for
 * this master (not foreign) and reach no session: said at WARN with both
 * addresses and what the association expects, then at most once per
 * interval, as foreign frames are. */
static void test_unknown_outstation_said_on_master(void **state)
{
    (void)state;
    fixture_t *fx = fx_master(1);              /* as a master channel of one association */
    fake_init(&fx->a, 'A', &fx->calls, 1, 11); /* master 1 polls outstation 11 */
    assert_int_equal(dnp3_mux_attach(fx->mux, &fx->a.as), 0);
    mh_stream_t s = {0};
    mh_fragment(&s, false, 1, 10, 0, "F0 82 80 00"); /* outstation 10's null unsolicited */
    assert_int_equal(mh_feed(fx->mux, 1000, &s, 0), 0);
    assert_int_equal(mh_feed(fx->mux, 2000, &s, 0), 0);  /* within the interval: quiet */
    assert_int_equal(mh_feed(fx->mux, 11000, &s, 0), 0); /* 10 s later: said again */
    mh_expect(&fx->log,
              "WARN fragment from outstation 10 for master 1: no association with outstation 10 "
              "on this connection (this master talks to outstation 11): is 10 the outstation's "
              "link address?\n"
              "WARN fragment from outstation 10 for master 1: no association with outstation 10 "
              "on this connection (this master talks to outstation 11): is 10 the outstation's "
              "link address? (1 more since the last line)\n");
    dnp3_mux_counters_t c;
    dnp3_mux_counters(fx->mux, &c);
    assert_int_equal(c.unclaimed, 3);
    assert_int_equal(c.unclaimed_logs_suppressed, 1);
    assert_int_equal(c.fragments_in, 0);
    fx_free(fx);
}

/* ---- on-demand attach ---------------------------------------------------------- */

static int on_unclaimed(void *user, dnp3_mux_t *mux, dnp3_timestamp_t now, uint16_t src,
                        uint16_t dst)
{
    fixture_t *fx = user;
    mh_printf(&fx->calls, "unclaimed %u>%u at %llu\n", src, dst, (unsigned long long)now);
    if (fx->attach_on_demand) {
        fake_init(&fx->late, 'L', &fx->calls, dst, src);
        assert_int_equal(dnp3_mux_attach(mux, &fx->late.as), 0);
    }
    return fx->unclaimed_rc;
}

static fixture_t *fx_server(bool attach, int rc)
{
    fixture_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    dnp3_mux_config_t cfg = outstation_cfg(fx);
    cfg.on_unclaimed = on_unclaimed;
    fx_open(fx, &cfg, false);
    fx->attach_on_demand = attach;
    fx->unclaimed_rc = rc;
    return fx;
}

static void test_attach_on_demand_from_first_frame(void **state)
{
    (void)state;
    fixture_t *fx = fx_server(true, 0);
    mh_stream_t s = {0};
    mh_fragment(&s, true, 10, 7, 0, "C0 01 3C 02 06");
    mh_fragment(&s, true, 10, 7, 1, "C1 01 3C 03 06");
    assert_int_equal(mh_feed(fx->mux, 42, &s, 5), 0);
    /* Known from its first frame: master 7. The first fragment is not lost. */
    mh_expect(&fx->calls, "unclaimed 7>10 at 42\n"
                          "L up\n"
                          "L frag 7>10 C0 01 3C 02 06\n"
                          "L frag 7>10 C1 01 3C 03 06\n");
    assert_int_equal(dnp3_mux_session_count(fx->mux), 1);
    dnp3_mux_counters_t c;
    dnp3_mux_counters(fx->mux, &c);
    assert_int_equal(c.fragments_in, 2);
    assert_int_equal(c.unclaimed, 0);
    assert_int_equal(c.attaches, 1);
    fx_free(fx);
}

/* A master's first frame is often REQUEST_LINK_STATUS: the channel answers
 * for the configured address before any session exists. */
static void test_link_status_answered_before_attach(void **state)
{
    (void)state;
    fixture_t *fx = fx_server(true, 0);
    mh_stream_t s = {0};
    mh_link(&s, true, true, DNP3_LINK_REQUEST_LINK_STATUS, 10, 7);
    assert_int_equal(mh_feed(fx->mux, 0, &s, 1), 0);
    mh_stream_t want = {0};
    mh_link(&want, false, false, DNP3_LINK_LINK_STATUS, 7, 10);
    uint8_t out[64];
    assert_int_equal(dnp3_mux_take_output(fx->mux, 0, out, sizeof out), (int)want.n);
    assert_memory_equal(out, want.b, want.n);
    mh_expect(&fx->calls, "");
    assert_int_equal(dnp3_mux_session_count(fx->mux), 0);
    fx_free(fx);
}

static void test_unclaimed_dropped_or_refused(void **state)
{
    (void)state;
    mh_stream_t s = {0};
    mh_fragment(&s, true, 10, 7, 0, "C0 01 3C 02 06");

    fixture_t *fx = fx_server(false, 0); /* not attached, not refused: dropped */
    assert_int_equal(mh_feed(fx->mux, 1, &s, 0), 0);
    dnp3_mux_counters_t c;
    dnp3_mux_counters(fx->mux, &c);
    assert_int_equal(c.unclaimed, 1);
    assert_false(dnp3_mux_closed(fx->mux));
    fx_free(fx);

    fx = fx_server(false, DNP3_E_STATE); /* refused: the connection closes */
    assert_int_equal(mh_feed(fx->mux, 1, &s, 0), DNP3_E_STATE);
    assert_true(dnp3_mux_closed(fx->mux));
    mh_expect(&fx->calls, "unclaimed 7>10 at 1\n");
    mh_expect(&fx->log, "WARN closing the connection (refused): fragment from 7 for 10 refused "
                        "(call not valid in the object's current state)\n");
    dnp3_mux_counters(fx->mux, &c);
    assert_int_equal(c.closes[DNP3_MUX_CLOSE_REFUSED], 1);
    assert_int_equal(dnp3_mux_on_bytes(fx->mux, 2, s.b, s.n), DNP3_E_STATE);
    assert_int_equal(dnp3_mux_next_deadline(fx->mux), DNP3_TIMESTAMP_NEVER);
    fx_free(fx);
}

/* ---- link up / down ------------------------------------------------------------ */

static void test_link_up_down_propagation(void **state)
{
    (void)state;
    fixture_t *fx = fx_new(true);
    dnp3_mux_on_close(fx->mux, 10);
    dnp3_mux_on_close(fx->mux, 11); /* told once */
    assert_int_equal(dnp3_mux_detach(fx->mux, 11, 1), 0);
    assert_int_equal(dnp3_mux_detach(fx->mux, 11, 1), DNP3_E_INVALID_ARG);
    dnp3_mux_on_open(fx->mux, 20);
    fake_t d;
    fake_init(&d, 'D', &fx->calls, 12, 3);
    assert_int_equal(dnp3_mux_attach(fx->mux, &d.as), 0); /* link up: told at once */
    assert_int_equal(dnp3_mux_attach(fx->mux, &d.as), DNP3_E_STATE);
    dnp3_mux_on_close(fx->mux, 30);
    mh_expect(&fx->calls, "A up\nB up\nC up\n"
                          "A down\nB down\nC down\n"
                          "A up\nC up\n"
                          "D up\n"
                          "A down\nD down\nC down\n"); /* D took B's slot */
    fx_free(fx);
}

static void test_attach_limits(void **state)
{
    (void)state;
    fixture_t *fx = fx_new(true);
    fake_t d;
    fake_init(&d, 'D', &fx->calls, 12, 3);
    assert_int_equal(dnp3_mux_attach(fx->mux, &d.as), 0);
    fake_t e;
    fake_init(&e, 'E', &fx->calls, 13, 3);
    assert_int_equal(dnp3_mux_attach(fx->mux, &e.as), DNP3_E_NOSPACE); /* 4 sessions */
    fake_init(&e, 'E', &fx->calls, 0xFFFC, 3);
    assert_int_equal(dnp3_mux_attach(fx->mux, &e.as), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_mux_attach(fx->mux, NULL), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_mux_session_count(fx->mux), 4);
    fx_free(fx);

    /* A data concentrator: 16 local addresses at most (the channel's). */
    dnp3_mux_config_t cfg;
    dnp3_mux_config_default(&cfg);
    cfg.max_sessions = 20;
    dnp3_mux_t *mux = dnp3_mux_new(&cfg, NULL);
    assert_non_null(mux);
    static fake_t many[18];
    mh_text_t *calls = calloc(1, sizeof *calls);
    assert_non_null(calls);
    for (uint16_t i = 0; i < 15; i++) { /* 1 configured + 15 = 16 */
        fake_init(&many[i], 'M', calls, (uint16_t)(100 + i), 1);
        assert_int_equal(dnp3_mux_attach(mux, &many[i].as), 0);
    }
    fake_init(&many[15], 'M', calls, 115, 1);
    assert_int_equal(dnp3_mux_attach(mux, &many[15].as), DNP3_E_NOSPACE);
    fake_init(&many[16], 'M', calls, 100, 2); /* a known address: fine */
    assert_int_equal(dnp3_mux_attach(mux, &many[16].as), 0);
    assert_int_equal(dnp3_mux_detach(mux, 114, 1), 0);
    assert_int_equal(dnp3_mux_attach(mux, &many[15].as), 0);
    dnp3_mux_free(mux);
    free(calls);

    cfg.max_sessions = 0;
    int err = 0;
    assert_null(dnp3_mux_new(&cfg, &err));
    assert_int_equal(err, DNP3_E_INVALID_ARG);
    cfg.max_sessions = 2;
    cfg.channel.mode = DNP3_CHANNEL_MODE_MONITOR;
    assert_null(dnp3_mux_new(&cfg, &err));
    assert_int_equal(err, DNP3_E_INVALID_ARG);
}

/* ---- closes ----------------------------------------------------------------------- */

static void test_keepalive_failure_closes(void **state)
{
    (void)state;
    fixture_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    dnp3_mux_config_t cfg = outstation_cfg(fx);
    cfg.channel.keepalive_ms = 60000;
    cfg.channel.confirm_timeout_ms = 2000;
    cfg.channel.confirm_retries = 1;
    fx_open(fx, &cfg, false);
    fake_init(&fx->a, 'A', &fx->calls, 10, 1);
    assert_int_equal(dnp3_mux_attach(fx->mux, &fx->a.as), 0);

    mh_stream_t s = {0};
    mh_fragment(&s, true, 10, 1, 0, "C0 01 3C 02 06");
    assert_int_equal(mh_feed(fx->mux, 1000, &s, 0), 0);
    assert_int_equal(dnp3_mux_next_deadline(fx->mux), 61000);

    /* Idle for the period: REQUEST_LINK_STATUS to 1, from 10, DIR=0. */
    mh_stream_t req = {0};
    mh_link(&req, false, true, DNP3_LINK_REQUEST_LINK_STATUS, 1, 10);
    uint8_t out[512];
    for (int attempt = 0; attempt < 2; attempt++) {
        dnp3_timestamp_t t = 61000 + (dnp3_timestamp_t)attempt * 2000;
        assert_int_equal(dnp3_mux_on_timer(fx->mux, t), 0);
        assert_true(dnp3_mux_want_write(fx->mux));
        assert_int_equal(dnp3_mux_take_output(fx->mux, t, out, sizeof out), (int)req.n);
        assert_memory_equal(out, req.b, req.n);
        assert_int_equal(dnp3_mux_next_deadline(fx->mux), t + 2000);
    }
    assert_int_equal(dnp3_mux_on_timer(fx->mux, 64999), 0);
    assert_int_equal(dnp3_mux_on_timer(fx->mux, 65000), DNP3_E_LINK_KEEPALIVE);
    assert_true(dnp3_mux_closed(fx->mux));
    mh_expect(&fx->calls, "A up\nA frag 1>10 C0 01 3C 02 06\nA down\n");
    mh_expect(&fx->log, "WARN closing the connection (keep-alive): REQUEST_LINK_STATUS to 1 "
                        "unanswered after 1 retries\n");
    dnp3_mux_counters_t c;
    dnp3_mux_counters(fx->mux, &c);
    assert_int_equal(c.closes[DNP3_MUX_CLOSE_KEEPALIVE], 1);
    assert_int_equal(c.channel.keepalives, 1);
    assert_int_equal(c.channel.keepalive_failures, 1);
    assert_int_equal(dnp3_mux_on_timer(fx->mux, 70000), DNP3_E_STATE);

    /* The runtime closes; nobody is told twice; a new connection works. */
    dnp3_mux_on_close(fx->mux, 65001);
    dnp3_mux_on_open(fx->mux, 70000);
    assert_int_equal(mh_feed(fx->mux, 70001, &s, 0), 0);
    mh_expect(&fx->calls, "A up\nA frag 1>10 C0 01 3C 02 06\nA down\n"
                          "A up\nA frag 1>10 C0 01 3C 02 06\n");
    fx_free(fx);
}

static void test_keepalive_answered_keeps_open(void **state)
{
    (void)state;
    fixture_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    dnp3_mux_config_t cfg = outstation_cfg(fx);
    cfg.channel.keepalive_ms = 1000;
    fx_open(fx, &cfg, true);
    mh_stream_t s = {0};
    mh_fragment(&s, true, 10, 1, 0, "C0 01 3C 02 06");
    assert_int_equal(mh_feed(fx->mux, 0, &s, 0), 0);
    uint8_t out[512];
    assert_int_equal(dnp3_mux_on_timer(fx->mux, 1000), 0);
    assert_true(dnp3_mux_take_output(fx->mux, 1000, out, sizeof out) > 0);
    mh_stream_t status = {0};
    mh_link(&status, true, false, DNP3_LINK_LINK_STATUS, 10, 1);
    assert_int_equal(mh_feed(fx->mux, 1100, &status, 0), 0);
    assert_int_equal(dnp3_mux_on_timer(fx->mux, 1100), 0);
    assert_false(dnp3_mux_closed(fx->mux));
    assert_int_equal(dnp3_mux_next_deadline(fx->mux), 2100);
    fx_free(fx);
}

static void test_close_policy_on_garbage(void **state)
{
    (void)state;
    static const size_t chunks[] = {0, 1, 4};
    for (size_t i = 0; i < sizeof chunks / sizeof chunks[0]; i++) {
        fixture_t *fx = fx_new(true);
        mh_stream_t s = {0};
        mh_fragment(&s, true, 10, 1, 0, "C0 01 3C 02 06");
        s.n += mh_hex("00 11 22 33 44 55 66 77 88 99 AA BB CC", s.b + s.n, sizeof s.b - s.n);
        mh_fragment(&s, true, 11, 1, 1, "C1 01 3C 02 06");
        assert_int_equal(mh_feed(fx->mux, 3, &s, chunks[i]), DNP3_E_LINK_CLOSED);
        mh_expect(&fx->calls, "A up\nB up\nC up\nA frag 1>10 C0 01 3C 02 06\n"
                              "A down\nB down\nC down\n");
        /* The garbage starts right after the first frame (10 + 6 + 2 bytes). */
        mh_expect(&fx->log, "WARN closing the connection (framing): link: bytes before a 0x05 "
                            "0x64 start sequence at stream offset 18\n");
        dnp3_mux_counters_t c;
        dnp3_mux_counters(fx->mux, &c);
        assert_int_equal(c.closes[DNP3_MUX_CLOSE_FRAMING], 1);
        assert_int_equal(dnp3_mux_take_output(fx->mux, 4, (uint8_t[64]){0}, 64), 0);
        assert_false(dnp3_mux_want_write(fx->mux));
        fx_free(fx);
    }
}

static void test_discard_policy_keeps_going(void **state)
{
    (void)state;
    fixture_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    dnp3_mux_config_t cfg = outstation_cfg(fx);
    cfg.channel.policy = DNP3_LINK_POLICY_DISCARD;
    fx_open(fx, &cfg, true);
    mh_stream_t s = {0};
    s.n += mh_hex("00 11 22", s.b, sizeof s.b);
    mh_fragment(&s, true, 11, 1, 1, "C1 01 3C 02 06");
    assert_int_equal(mh_feed(fx->mux, 3, &s, 1), 0);
    mh_expect(&fx->calls, "A up\nB up\nC up\nB frag 1>11 C1 01 3C 02 06\n");
    fx_free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_routing_by_pair_any_chunking),
        cmocka_unit_test(test_self_address_disabled_is_foreign),
        cmocka_unit_test(test_foreign_counted_and_logged),
        cmocka_unit_test(test_foreign_master_wording),
        cmocka_unit_test(test_unknown_outstation_said_on_master),
        cmocka_unit_test(test_attach_on_demand_from_first_frame),
        cmocka_unit_test(test_link_status_answered_before_attach),
        cmocka_unit_test(test_unclaimed_dropped_or_refused),
        cmocka_unit_test(test_link_up_down_propagation),
        cmocka_unit_test(test_attach_limits),
        cmocka_unit_test(test_keepalive_failure_closes),
        cmocka_unit_test(test_keepalive_answered_keeps_open),
        cmocka_unit_test(test_close_policy_on_garbage),
        cmocka_unit_test(test_discard_policy_keeps_going),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
