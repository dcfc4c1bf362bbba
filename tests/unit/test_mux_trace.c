/* The mux's protocol trace of the link layer and the transport function:
 * each frame received and sent gives one log line per layer, at the
 * configured level (dnp3/format.h layout), and nothing when both levels
 * are NOTHING. */
#include "mux_harness.h"

typedef mh_single_t fixture_t;

static fixture_t *fx_new(dnp3_link_decode_t link, dnp3_transport_decode_t transport)
{
    fixture_t *fx = mh_single_alloc();
    dnp3_mux_config_t cfg;
    mh_outstation_config(&cfg, &fx->log);
    cfg.logger.level = DNP3_LOG_INFO;
    cfg.decode_link = link;
    cfg.decode_transport = transport;
    mh_single_open(fx, &cfg, 0);
    return fx;
}

#define fx_free mh_single_free

/* A READ class 0 from master 1, REQUEST_LINK_STATUS, then the session's
 * 3-byte answer: what goes out is traced as it is written. */
static void exchange(fixture_t *fx)
{
    mh_stream_t s = {0};
    mh_fragment(&s, true, 10, 1, 5, "C0 01 3C 01 06");
    mh_link(&s, true, true, DNP3_LINK_REQUEST_LINK_STATUS, 10, 1);
    assert_int_equal(mh_feed(fx->mux, 1, &s, 0), 0);
    fake_queue(&fx->a, 3, 1, false);
    uint8_t out[1024];
    int n = dnp3_mux_take_output(fx->mux, 2, out, sizeof out);
    assert_true(n > 0);
    mh_expect(&fx->calls, "A up\nA frag 1>10 C0 01 3C 01 06\nA sent 3\nA tx_done\n");
    dnp3_mux_counters_t c;
    dnp3_mux_counters(fx->mux, &c);
    assert_int_equal(c.channel.events_dropped, 0); /* the trace's FRAME events cost no other */
    assert_int_equal(c.fragments_in, 1);
}

static void test_link_and_transport_headers(void **state)
{
    (void)state;
    fixture_t *fx = fx_new(DNP3_LINK_DECODE_HEADER, DNP3_TRANSPORT_DECODE_HEADER);
    exchange(fx);
    mh_expect(&fx->log,
              "INFO rx Link: len=11 DIR=1 PRM=1 FCV=0 FCB=0 func=4 UNCONFIRMED_USER_DATA dst=10 "
              "src=1\n"
              "INFO rx Transport: FIR FIN seq=5\n"
              "INFO rx Link: len=5 DIR=1 PRM=1 FCV=0 FCB=0 func=9 REQUEST_LINK_STATUS dst=10 "
              "src=1\n"
              "INFO tx Link: len=5 DIR=0 PRM=0 DFC=0 func=11 LINK_STATUS dst=1 src=10\n"
              "INFO tx Link: len=9 DIR=0 PRM=1 FCV=0 FCB=0 func=4 UNCONFIRMED_USER_DATA dst=1 "
              "src=10\n"
              "INFO tx Transport: FIR FIN seq=0\n");
    fx_free(fx);
}

static void test_payload_levels_show_bytes(void **state)
{
    (void)state;
    fixture_t *fx = fx_new(DNP3_LINK_DECODE_NOTHING, DNP3_TRANSPORT_DECODE_PAYLOAD);
    exchange(fx);
    mh_expect(&fx->log, "INFO rx Transport: FIR FIN seq=5\n"
                        "INFO rx Transport data: C0 01 3C 01 06\n"
                        "INFO tx Transport: FIR FIN seq=0\n"
                        "INFO tx Transport data: 41 01 02\n");
    fx_free(fx);
}

static void test_nothing_traced_by_default(void **state)
{
    (void)state;
    fixture_t *fx = fx_new(DNP3_LINK_DECODE_NOTHING, DNP3_TRANSPORT_DECODE_NOTHING);
    exchange(fx);
    mh_expect(&fx->log, "");
    fx_free(fx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_and_transport_headers),
        cmocka_unit_test(test_payload_levels_show_bytes),
        cmocka_unit_test(test_nothing_traced_by_default),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
