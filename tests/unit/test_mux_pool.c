/* A mux whose channel takes its fragment buffers from a pool: the bytes
 * sent are the same as with buffers of its own, a fragment is framed
 * straight into the caller's output buffer when its frames fit before it
 * (no pool buffer taken), a pool buffer when they cannot; a fragment
 * received when the pool is empty is dropped with an ERROR line. */
#include "mux_harness.h"

typedef struct run {
    mh_text_t calls;
    mh_text_t log;
    dnp3_mux_t *mux;
    fake_t a, b;
} run_t;

static run_t *run_new(dnp3_fragment_pool_t *pool)
{
    run_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    dnp3_mux_config_t cfg;
    mh_outstation_config(&cfg, &r->log);
    cfg.channel.pool = pool;
    r->mux = dnp3_mux_new(&cfg, NULL);
    assert_non_null(r->mux);
    fake_init(&r->a, 'A', &r->calls, 10, 1);
    fake_init(&r->b, 'B', &r->calls, 10, 2);
    assert_int_equal(dnp3_mux_attach(r->mux, &r->a.as), 0);
    assert_int_equal(dnp3_mux_attach(r->mux, &r->b.as), 0);
    dnp3_mux_on_open(r->mux, 0);
    return r;
}

static void run_free(run_t *r)
{
    dnp3_mux_free(r->mux);
    free(r);
}

/* Queues the same fragments on both sessions, then takes the output with
 * buffers of cap bytes until none is left; returns its length. */
static size_t send_all(run_t *r, size_t cap, uint8_t *out, size_t out_cap)
{
    fake_queue(&r->a, 2048, 1, false);
    fake_queue(&r->b, 600, 2, false);
    fake_queue(&r->a, 10, 1, false);
    fake_queue(&r->b, 2048, 2, false);
    size_t total = 0;
    uint8_t *buf = malloc(cap);
    assert_non_null(buf);
    for (int idle = 0; idle < 2;) {
        int n = dnp3_mux_take_output(r->mux, 0, buf, cap);
        assert_true(n >= 0 && (size_t)n <= cap);
        idle = n == 0 ? idle + 1 : 0;
        assert_true(total + (size_t)n <= out_cap);
        memcpy(out + total, buf, (size_t)n);
        total += (size_t)n;
    }
    free(buf);
    return total;
}

static dnp3_fragment_pool_counters_t counters(const dnp3_fragment_pool_t *pool)
{
    dnp3_fragment_pool_counters_t c;
    dnp3_fragment_pool_counters(pool, &c);
    return c;
}

static void same_bytes(size_t cap, uint64_t expect_taken)
{
    static uint8_t own[16384], pooled[16384];
    run_t *r = run_new(NULL);
    size_t n_own = send_all(r, cap, own, sizeof own);
    run_free(r);
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(2, 2048, NULL);
    r = run_new(pool);
    size_t n_pool = send_all(r, cap, pooled, sizeof pooled);
    assert_int_equal(n_pool, n_own);
    assert_memory_equal(pooled, own, n_own);
    /* 2048 + 600 + 10 + 2048 bytes: 9 + 3 + 1 + 9 frames (the last of a
     * 2048-byte fragment carries 57 bytes of user data, 600's 103). */
    assert_int_equal(n_own, 2 * (8 * 292 + 75) + (2 * 292 + 127) + 23);
    mh_expect(&r->calls,
              "A up\nB up\nA sent 2048\nA tx_done\nB sent 600\nB tx_done\nA sent 10\nA tx_done\n"
              "B sent 2048\nB tx_done\n");
    assert_int_equal(counters(pool).taken, expect_taken);
    assert_int_equal(counters(pool).in_use, 0);
    run_free(r);
    dnp3_fragment_pool_free(pool);
}

/* The runtime's 8,192-byte write buffer: every fragment is framed where the
 * session wrote it, in that buffer; no pool buffer. */
static void framed_in_place(void **state)
{
    (void)state;
    same_bytes(8192, 0);
}

/* A 300-byte output buffer cannot hold a fragment and its frames: each
 * fragment waits in a pool buffer until its last frame is taken. */
static void small_buffer_uses_the_pool(void **state)
{
    (void)state;
    same_bytes(300, 4);
}

/* Unconfirmed user data from the master (1) to the outstation (10). */
#define DATA_CONTROL dnp3_link_control(true, true, false, false, DNP3_LINK_UNCONFIRMED_USER_DATA)

/* A connection on the pool whose partial fragment (a first segment of 249
 * octets, never finished) holds one of its buffers. */
static run_t *holding_the_buffer(dnp3_fragment_pool_t *pool)
{
    run_t *other = run_new(pool);
    uint8_t user[DNP3_TP_MAX_SEGMENT];
    memset(user, 0xC1, sizeof user);
    user[0] = DNP3_TP_FIR | 0;
    mh_stream_t s = {0};
    mh_frame(&s, DATA_CONTROL, 10, 1, user, sizeof user);
    assert_int_equal(mh_feed(other->mux, 0, &s, 0), 0);
    return other;
}

/* The only pool buffer is held by another connection's partial fragment:
 * a fragment of two segments is dropped, with an ERROR line (once, at its
 * FIR), and no session sees it. */
static void empty_pool_error_line(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(1, 2048, NULL);
    run_t *other = holding_the_buffer(pool);
    run_t *r = run_new(pool);
    uint8_t user[DNP3_TP_MAX_SEGMENT];
    memset(user, 0xC1, sizeof user);
    const uint8_t control = DATA_CONTROL;
    mh_stream_t s = {0};
    user[0] = DNP3_TP_FIR | 3;
    mh_frame(&s, control, 10, 1, user, sizeof user);
    user[0] = DNP3_TP_FIN | 4;
    mh_frame(&s, control, 10, 1, user, 5);
    assert_int_equal(mh_feed(r->mux, 0, &s, 0), 0);
    mh_expect(&r->log, "ERROR fragment from 1 for 10 dropped: no reassembly buffer free in the "
                       "fragment pool (1 buffers, all in use)\n");
    mh_expect(&r->calls, "A up\nB up\n");
    dnp3_channel_counters_t c;
    dnp3_channel_counters(dnp3_mux_channel(r->mux), &c);
    assert_int_equal(c.pool_empty, 2);
    assert_int_equal(counters(pool).exhausted, 1);
    run_free(r);
    run_free(other);
    dnp3_fragment_pool_free(pool);
}

/* The only pool buffer is taken: a frame split between reads cannot be
 * kept, and the connection closes with an ERROR line saying why. */
static void empty_pool_closes_on_split_frame(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(1, 2048, NULL);
    run_t *other = holding_the_buffer(pool);
    run_t *r = run_new(pool);
    uint8_t user[DNP3_TP_MAX_SEGMENT];
    memset(user, 0xC1, sizeof user);
    const uint8_t control = DATA_CONTROL;
    mh_stream_t s = {0};
    user[0] = DNP3_TP_FIR | DNP3_TP_FIN | 0;
    mh_frame(&s, control, 10, 1, user, 20);
    assert_int_equal(dnp3_mux_on_bytes(r->mux, 0, s.b, 12), DNP3_E_LINK_CLOSED);
    mh_expect(&r->log, "ERROR 12 bytes of a frame split between reads lost: no buffer free in the "
                       "fragment pool (1 buffers, all in use)\n"
                       "WARN closing the connection (framing): transport: no fragment buffer free "
                       "in the pool at stream offset 0\n");
    run_free(r);
    run_free(other);
    dnp3_fragment_pool_free(pool);
}

/* Feeds the segment th + payload[0..n) from master 1 to outstation 10 at now. */
static void feed_segment(run_t *r, dnp3_timestamp_t now, uint8_t th, const char *payload)
{
    uint8_t user[DNP3_TP_MAX_SEGMENT];
    size_t n = strlen(payload);
    user[0] = th;
    memcpy(user + 1, payload, n);
    mh_stream_t s = {0};
    mh_frame(&s, DATA_CONTROL, 10, 1, user, n + 1);
    assert_int_equal(mh_feed(r->mux, now, &s, 0), 0);
}

/* The only buffer is held by a peer that sent a first segment and went
 * quiet: ten seconds later (the default reassembly timeout) its fragment
 * is discarded with a WARN line and the buffer is back, so the other
 * connection's fragments of several segments come through again. */
static void stalled_fragment_frees_the_pool(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(1, 2048, NULL);
    run_t *other = holding_the_buffer(pool);
    run_t *r = run_new(pool);
    feed_segment(r, 4000, DNP3_TP_FIR | 0, "ab");
    feed_segment(r, 4000, DNP3_TP_FIN | 1, "c");
    mh_expect(&r->calls, "A up\nB up\n"); /* dropped: the pool is empty */
    assert_int_equal(dnp3_mux_next_deadline(other->mux), 10000);
    assert_int_equal(dnp3_mux_on_timer(other->mux, 9999), 0);
    assert_int_equal(counters(pool).in_use, 1);
    assert_int_equal(dnp3_mux_on_timer(other->mux, 10000), 0);
    mh_expect(&other->log, "WARN fragment from 1 for 10 discarded after 249 bytes: its next "
                           "segment did not come within 10000 ms (reassembly timeout)\n");
    assert_int_equal(counters(pool).in_use, 0);
    dnp3_channel_counters_t c;
    dnp3_channel_counters(dnp3_mux_channel(other->mux), &c);
    assert_int_equal(c.reassembly_timeouts, 1);
    assert_int_equal(dnp3_mux_next_deadline(other->mux), DNP3_TIMESTAMP_NEVER);

    feed_segment(r, 10001, DNP3_TP_FIR | 2, "ab");
    feed_segment(r, 10001, DNP3_TP_FIN | 3, "c");
    mh_expect(&r->calls, "A up\nB up\nA frag 1>10 61 62 63\n");
    dnp3_channel_counters(dnp3_mux_channel(r->mux), &c);
    assert_int_equal(c.reassembly_timeouts, 0);
    assert_int_equal(c.fragments_rx, 1);
    run_free(r);
    run_free(other);
    dnp3_fragment_pool_free(pool);
}

/* A frame split between reads whose rest never comes (the mux's own
 * partial-frame guard off): after the reassembly timeout its buffer goes
 * back and the connection, its stream now missing bytes, closes as
 * stalled with an ERROR line. */
static void stalled_split_frame_closes(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(1, 2048, NULL);
    run_t *r = calloc(1, sizeof *r);
    assert_non_null(r);
    dnp3_mux_config_t cfg;
    mh_outstation_config(&cfg, &r->log);
    cfg.channel.pool = pool;
    cfg.channel.reassembly_timeout_ms = 3000;
    cfg.partial_frame_timeout_ms = 0;
    r->mux = dnp3_mux_new(&cfg, NULL);
    assert_non_null(r->mux);
    dnp3_mux_on_open(r->mux, 0);
    uint8_t user[DNP3_TP_MAX_SEGMENT];
    memset(user, 0xC1, sizeof user);
    user[0] = DNP3_TP_FIR | DNP3_TP_FIN | 0;
    mh_stream_t s = {0};
    mh_frame(&s, DATA_CONTROL, 10, 1, user, 20);
    assert_int_equal(dnp3_mux_on_bytes(r->mux, 100, s.b, 12), 0);
    assert_int_equal(counters(pool).in_use, 1);
    assert_int_equal(dnp3_mux_next_deadline(r->mux), 3100);
    assert_int_equal(dnp3_mux_on_timer(r->mux, 3100), DNP3_E_LINK_STALLED);
    mh_expect(&r->log, "ERROR 12 bytes of a frame split between reads dropped: the rest did not "
                       "come within 3000 ms (reassembly timeout); its fragment pool buffer is "
                       "free again\n"
                       "WARN closing the connection (stalled): link: partial frame left "
                       "incomplete for too long at stream offset 0\n");
    assert_int_equal(counters(pool).in_use, 0);
    dnp3_mux_counters_t mc;
    dnp3_mux_counters(r->mux, &mc);
    assert_int_equal(mc.closes[DNP3_MUX_CLOSE_STALLED], 1);
    assert_int_equal(mc.channel.reassembly_timeouts, 1);
    run_free(r);
    dnp3_fragment_pool_free(pool);
}

/* A master's mux (a master client's connection) does the same with a
 * response whose next segment never comes: WARN line, buffer back, and the
 * next response is delivered whole. */
static void master_side_times_out_too(void **state)
{
    (void)state;
    dnp3_fragment_pool_t *pool = dnp3_fragment_pool_new(1, 2048, NULL);
    mh_text_t calls = {0}, log = {0};
    dnp3_mux_config_t cfg;
    dnp3_mux_config_default(&cfg);
    cfg.channel.role = DNP3_CHANNEL_ROLE_MASTER;
    cfg.channel.local[0] = 1;
    cfg.channel.pool = pool;
    cfg.channel.reassembly_timeout_ms = 5000;
    cfg.logger.log = mh_logger;
    cfg.logger.ctx = &log;
    dnp3_mux_t *mux = dnp3_mux_new(&cfg, NULL);
    assert_non_null(mux);
    fake_t a;
    fake_init(&a, 'A', &calls, 1, 10);
    assert_int_equal(dnp3_mux_attach(mux, &a.as), 0);
    dnp3_mux_on_open(mux, 0);
    const uint8_t control =
        dnp3_link_control(false, true, false, false, DNP3_LINK_UNCONFIRMED_USER_DATA);
    mh_stream_t s = {0};
    const uint8_t fir[] = {DNP3_TP_FIR | 0, 0xC0, 0x81, 0x00};
    mh_frame(&s, control, 1, 10, fir, sizeof fir);
    assert_int_equal(mh_feed(mux, 1000, &s, 0), 0);
    assert_int_equal(counters(pool).in_use, 1);
    assert_int_equal(dnp3_mux_next_deadline(mux), 6000);
    assert_int_equal(dnp3_mux_on_timer(mux, 6000), 0);
    mh_expect(&log, "WARN fragment from 10 for 1 discarded after 3 bytes: its next segment did "
                    "not come within 5000 ms (reassembly timeout)\n");
    assert_int_equal(counters(pool).in_use, 0);
    mh_stream_t t = {0};
    const uint8_t one[] = {DNP3_TP_FIR | 1, 0xC1};
    const uint8_t two[] = {DNP3_TP_FIN | 2, 0x81, 0x00, 0x00};
    mh_frame(&t, control, 1, 10, one, sizeof one);
    mh_frame(&t, control, 1, 10, two, sizeof two);
    assert_int_equal(mh_feed(mux, 7000, &t, 0), 0);
    mh_expect(&calls, "A up\nA frag 10>1 C1 81 00 00\n");
    dnp3_mux_free(mux);
    dnp3_fragment_pool_free(pool);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(framed_in_place),
        cmocka_unit_test(small_buffer_uses_the_pool),
        cmocka_unit_test(empty_pool_error_line),
        cmocka_unit_test(empty_pool_closes_on_split_frame),
        cmocka_unit_test(stalled_fragment_frees_the_pool),
        cmocka_unit_test(stalled_split_frame_closes),
        cmocka_unit_test(master_side_times_out_too),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
