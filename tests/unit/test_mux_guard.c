/* The mux's slow and idle peer guard (first_frame_timeout_ms,
 * partial_frame_timeout_ms): a peer that connects and sends nothing, one
 * that sends only bytes that never frame, and one that sends half a frame
 * and stalls are each closed at their deadline, to the millisecond, with
 * the reason logged and counted; a peer that speaks DNP3 is never touched,
 * and both guards are off by default. Time is advanced by hand. */
#include "mux_harness.h"

typedef mh_single_t fixture_t;

/* Outstation 10 with master 1's session, opened at `at`: silent after
 * 3000 ms without a frame, stalled after 2000 ms of a partial frame. */
static fixture_t *fx_new(dnp3_link_policy_t policy, dnp3_timestamp_t at)
{
    fixture_t *fx = mh_single_alloc();
    dnp3_mux_config_t cfg;
    mh_outstation_config(&cfg, &fx->log);
    cfg.channel.policy = policy;
    cfg.first_frame_timeout_ms = 3000;
    cfg.partial_frame_timeout_ms = 2000;
    mh_single_open(fx, &cfg, at);
    return fx;
}

#define fx_free mh_single_free

static void closes(const fixture_t *fx, uint64_t silent, uint64_t stalled)
{
    dnp3_mux_counters_t c;
    dnp3_mux_counters(fx->mux, &c);
    assert_int_equal(c.closes[DNP3_MUX_CLOSE_SILENT], silent);
    assert_int_equal(c.closes[DNP3_MUX_CLOSE_STALLED], stalled);
}

/* A read request from master 1 (18 bytes on the wire). */
static void request(mh_stream_t *s, uint8_t seq)
{
    mh_fragment(s, true, 10, 1, seq, "C0 01 3C 02 06");
}

static void test_off_by_default(void **state)
{
    (void)state;
    dnp3_mux_config_t cfg;
    mh_text_t log = {0};
    mh_outstation_config(&cfg, &log);
    assert_int_equal(cfg.first_frame_timeout_ms, 0);
    assert_int_equal(cfg.partial_frame_timeout_ms, 0);
    dnp3_mux_t *mux = dnp3_mux_new(&cfg, NULL);
    assert_non_null(mux);
    dnp3_mux_on_open(mux, 1000);
    uint8_t half[] = {0x05, 0x64, 0x0B};
    assert_int_equal(dnp3_mux_on_bytes(mux, 1000, half, sizeof half), 0);
    assert_int_equal(dnp3_mux_next_deadline(mux), DNP3_TIMESTAMP_NEVER);
    assert_int_equal(dnp3_mux_on_timer(mux, 1000000), 0);
    assert_false(dnp3_mux_closed(mux));
    dnp3_mux_free(mux);
}

static void test_idle_peer_closed_at_first_frame_timeout(void **state)
{
    (void)state;
    fixture_t *fx = fx_new(DNP3_LINK_POLICY_CLOSE, 1000);
    assert_int_equal(dnp3_mux_next_deadline(fx->mux), 4000);
    assert_int_equal(dnp3_mux_on_timer(fx->mux, 3999), 0);
    assert_false(dnp3_mux_closed(fx->mux));
    assert_int_equal(dnp3_mux_on_timer(fx->mux, 4000), DNP3_E_LINK_SILENT);
    assert_true(dnp3_mux_closed(fx->mux));
    mh_expect(&fx->calls, "A up\nA down\n");
    mh_expect(&fx->log, "WARN closing the connection (silent): no valid frame within 3000 ms of "
                        "connecting (0 bytes received)\n");
    closes(fx, 1, 0);
    assert_int_equal(dnp3_mux_next_deadline(fx->mux), DNP3_TIMESTAMP_NEVER);
    assert_string_equal(dnp3_mux_close_reason_name(DNP3_MUX_CLOSE_SILENT), "silent");

    /* The next connection on this mux starts its own clock. */
    dnp3_mux_on_close(fx->mux, 4001);
    dnp3_mux_on_open(fx->mux, 10000);
    assert_int_equal(dnp3_mux_next_deadline(fx->mux), 13000);
    fx_free(fx);
}

static void test_garbage_without_frames_closed_as_silent(void **state)
{
    (void)state;
    /* DISCARD policy (serial-like): bytes that never frame are dropped, and
     * the peer that sends only those is silent as far as DNP3 goes. */
    fixture_t *fx = fx_new(DNP3_LINK_POLICY_DISCARD, 0);
    uint8_t junk[13] = {0x00, 0x11, 0x22, 0x33, 0x44, 0x55, 0x66,
                        0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC};
    for (dnp3_timestamp_t t = 0; t < 3000; t += 1000)
        assert_int_equal(dnp3_mux_on_bytes(fx->mux, t, junk, sizeof junk), 0);
    assert_int_equal(dnp3_mux_next_deadline(fx->mux), 3000);
    assert_int_equal(dnp3_mux_on_timer(fx->mux, 3000), DNP3_E_LINK_SILENT);
    mh_expect(&fx->log, "WARN closing the connection (silent): no valid frame within 3000 ms of "
                        "connecting (39 bytes received)\n");
    closes(fx, 1, 0);
    fx_free(fx);
}

static void test_speaking_peer_never_closed(void **state)
{
    (void)state;
    fixture_t *fx = fx_new(DNP3_LINK_POLICY_CLOSE, 0);
    mh_stream_t s = {0};
    request(&s, 0);
    assert_int_equal(mh_feed(fx->mux, 2999, &s, 5), 0);
    assert_int_equal(dnp3_mux_next_deadline(fx->mux), DNP3_TIMESTAMP_NEVER);
    assert_int_equal(dnp3_mux_on_timer(fx->mux, 1000000), 0);
    assert_false(dnp3_mux_closed(fx->mux));
    mh_expect(&fx->calls, "A up\nA frag 1>10 C0 01 3C 02 06\n");
    closes(fx, 0, 0);
    fx_free(fx);
}

static void test_half_frame_closed_at_partial_frame_timeout(void **state)
{
    (void)state;
    fixture_t *fx = fx_new(DNP3_LINK_POLICY_CLOSE, 0);
    mh_stream_t s = {0};
    request(&s, 0);
    request(&s, 1);
    assert_int_equal(s.n, 36u);
    /* The first request, then 10 bytes of the second at 1000: the partial
     * frame's clock starts there. */
    assert_int_equal(dnp3_mux_on_bytes(fx->mux, 1000, s.b, 28), 0);
    assert_int_equal(dnp3_mux_next_deadline(fx->mux), 3000);
    /* More of it later does not restart the clock... */
    assert_int_equal(dnp3_mux_on_bytes(fx->mux, 2500, s.b + 28, 4), 0);
    assert_int_equal(dnp3_mux_next_deadline(fx->mux), 3000);
    assert_int_equal(dnp3_mux_on_timer(fx->mux, 2999), 0);
    /* ...and the peer that stalls there is closed at 3000. */
    assert_int_equal(dnp3_mux_on_timer(fx->mux, 3000), DNP3_E_LINK_STALLED);
    mh_expect(&fx->calls, "A up\nA frag 1>10 C0 01 3C 02 06\nA down\n");
    mh_expect(&fx->log, "WARN closing the connection (stalled): 14 bytes of an incomplete frame "
                        "waited 2000 ms for the rest\n");
    closes(fx, 0, 1);
    assert_string_equal(dnp3_mux_close_reason_name(DNP3_MUX_CLOSE_STALLED), "stalled");
    fx_free(fx);
}

static void test_completed_frame_clears_the_partial_clock(void **state)
{
    (void)state;
    fixture_t *fx = fx_new(DNP3_LINK_POLICY_CLOSE, 0);
    mh_stream_t s = {0};
    request(&s, 0);
    request(&s, 1);
    assert_int_equal(dnp3_mux_on_bytes(fx->mux, 100, s.b, 9), 0);
    assert_int_equal(dnp3_mux_next_deadline(fx->mux), 2100);
    /* The first frame completes at 2000 with 3 bytes of the next: that
     * one's clock starts at 2000. */
    assert_int_equal(dnp3_mux_on_bytes(fx->mux, 2000, s.b + 9, 12), 0);
    assert_int_equal(dnp3_mux_next_deadline(fx->mux), 4000);
    assert_int_equal(dnp3_mux_on_timer(fx->mux, 2100), 0);
    /* It completes too: nothing held, no deadline. */
    assert_int_equal(dnp3_mux_on_bytes(fx->mux, 3999, s.b + 21, s.n - 21), 0);
    assert_int_equal(dnp3_mux_next_deadline(fx->mux), DNP3_TIMESTAMP_NEVER);
    assert_int_equal(dnp3_mux_on_timer(fx->mux, 100000), 0);
    mh_expect(&fx->calls, "A up\nA frag 1>10 C0 01 3C 02 06\nA frag 1>10 C0 01 3C 02 06\n");
    closes(fx, 0, 0);
    fx_free(fx);
}

static void test_half_frame_before_any_frame_stalls_first(void **state)
{
    (void)state;
    /* The partial frame's deadline (500 + 2000) comes before the silent
     * one (3000): the reason logged is the one that fired. */
    fixture_t *fx = fx_new(DNP3_LINK_POLICY_CLOSE, 0);
    mh_stream_t s = {0};
    request(&s, 0);
    assert_int_equal(dnp3_mux_on_bytes(fx->mux, 500, s.b, 9), 0);
    assert_int_equal(dnp3_mux_next_deadline(fx->mux), 2500);
    assert_int_equal(dnp3_mux_on_timer(fx->mux, 2500), DNP3_E_LINK_STALLED);
    mh_expect(&fx->log, "WARN closing the connection (stalled): 9 bytes of an incomplete frame "
                        "waited 2000 ms for the rest\n");
    closes(fx, 0, 1);
    fx_free(fx);
}

/* A held candidate that turns out bad (header CRC) is dropped and a new
 * one, later in the same read, starts its own clock: the deadline is the
 * same whether the bytes came in one read or one at a time (found by
 * fuzz_mux, which feeds two muxes the same stream cut differently). */
static void guard_deadline_after(const uint8_t *b, size_t n, size_t step, dnp3_timestamp_t *out)
{
    fixture_t *fx = fx_new(DNP3_LINK_POLICY_DISCARD, 0);
    /* A candidate header begins at 100 ... */
    assert_int_equal(dnp3_mux_on_bytes(fx->mux, 100, b, 4), 0);
    assert_int_equal(dnp3_mux_next_deadline(fx->mux), 2100);
    /* ... and fails its CRC at 1000, where a new candidate begins. */
    for (size_t i = 4; i < n; i += step)
        assert_int_equal(dnp3_mux_on_bytes(fx->mux, 1000, b + i, i + step > n ? n - i : step), 0);
    *out = dnp3_mux_next_deadline(fx->mux);
    fx_free(fx);
}

static void test_new_candidate_restarts_the_clock_whatever_the_reads(void **state)
{
    (void)state;
    mh_stream_t s = {0};
    request(&s, 0);
    uint8_t b[64];
    memcpy(b, s.b, 10);
    b[8] ^= 0x01;           /* the header CRC: a bad candidate */
    memcpy(b + 10, s.b, 6); /* the start of a good one */
    dnp3_timestamp_t whole, bytewise;
    guard_deadline_after(b, 16, 12, &whole);
    guard_deadline_after(b, 16, 1, &bytewise);
    assert_int_equal(whole, 3000);
    assert_int_equal(bytewise, 3000);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_off_by_default),
        cmocka_unit_test(test_idle_peer_closed_at_first_frame_timeout),
        cmocka_unit_test(test_garbage_without_frames_closed_as_silent),
        cmocka_unit_test(test_speaking_peer_never_closed),
        cmocka_unit_test(test_half_frame_closed_at_partial_frame_timeout),
        cmocka_unit_test(test_completed_frame_clears_the_partial_clock),
        cmocka_unit_test(test_half_frame_before_any_frame_stalls_first),
        cmocka_unit_test(test_new_candidate_restarts_the_clock_whatever_the_reads),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
