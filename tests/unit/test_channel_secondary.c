/* The channel's link secondary station (IEEE 1815-2012 9.2.6), byte-exact:
 * a request frame in, the reply frame out (CRCs included). An outstation
 * at address 1, a master at 1024. */
#include "channel_harness.h"

/* Master 1024 -> outstation 1 (DIR=1, PRM=1). */
#define RESET_LINK      "05 64 05 C0 01 00 00 04 E9 21"
#define TEST_FCB1       "05 64 05 F2 01 00 00 04 2A D5"
#define TEST_FCB0       "05 64 05 D2 01 00 00 04 77 CD"
#define CONFIRMED_FCB1  "05 64 0B F3 01 00 00 04 29 07 C0 C1 01 3C 02 06 52 C3"
#define CONFIRMED_FCB0  "05 64 0B D3 01 00 00 04 74 1F C1 C2 01 3C 03 06 F1 B8"
#define LINK_STATUS_REQ "05 64 05 C9 01 00 00 04 A6 57"
#define RESET_USER_PROC "05 64 05 C1 01 00 00 04 EF 02"
/* Outstation 1 -> master 1024 (DIR=0, PRM=0). */
#define ACK           "05 64 05 00 00 04 01 00 19 A6"
#define LINK_STATUS   "05 64 05 0B 00 04 01 00 5A 96"
#define NOT_SUPPORTED "05 64 05 0F 00 04 01 00 42 1A"

static void link_status_request_answered(void **state)
{
    (void)state;
    harness_t *h = h_new_outstation();
    h_feed_hex(h, LINK_STATUS_REQ);
    h_expect_output_hex(h, LINK_STATUS);
    assert_int_equal(h->n, 0);
    h_check_invariants(h);
    h_free(h);
}

static void reset_link_states_acked(void **state)
{
    (void)state;
    harness_t *h = h_new_outstation();
    h_feed_hex(h, RESET_LINK);
    h_expect_output_hex(h, ACK);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_PEER_RESET);
    assert_int_equal(h->ev[0].src, 1024);
    assert_int_equal(h->ev[0].dst, 1);
    assert_int_equal(h_counters(h).peer_resets, 1);
    h_free(h);
}

static void confirmed_data_before_reset_ignored(void **state)
{
    (void)state;
    harness_t *h = h_new_outstation();
    h_feed_hex(h, CONFIRMED_FCB1);
    h_expect_no_output(h);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_IGNORED);
    assert_int_equal(h->ev[0].reason, DNP3_CHANNEL_IGNORE_NOT_RESET);
    h_feed_hex(h, TEST_FCB1);
    h_expect_no_output(h);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_IGNORED);
    dnp3_channel_counters_t c = h_counters(h);
    assert_int_equal(c.ignored_not_reset, 2);
    assert_int_equal(c.fragments_rx, 0);
    h_check_invariants(h);
    h_free(h);
}

static void repeated_fcb_acked_not_delivered(void **state)
{
    (void)state;
    harness_t *h = h_new_outstation();
    size_t at = 0;
    h_feed_hex(h, RESET_LINK);
    h_expect_output_hex(h, ACK);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_PEER_RESET);

    /* First confirmed frame after a reset: FCB=1 expected. */
    h_feed_hex(h, CONFIRMED_FCB1);
    h_expect_output_hex(h, ACK);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT);
    assert_memory_equal(h->ev[at - 1].data, "\xC1\x01\x3C\x02\x06", 5);

    /* Our ACK was lost: the master repeats with the same FCB. */
    h_feed_hex(h, CONFIRMED_FCB1);
    h_expect_output_hex(h, ACK);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_IGNORED);
    assert_int_equal(h->ev[at - 1].reason, DNP3_CHANNEL_IGNORE_DUPLICATE);

    /* The next new frame toggles the FCB. */
    h_feed_hex(h, CONFIRMED_FCB0);
    h_expect_output_hex(h, ACK);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT);
    assert_memory_equal(h->ev[at - 1].data, "\xC2\x01\x3C\x03\x06", 5);

    dnp3_channel_counters_t c = h_counters(h);
    assert_int_equal(c.duplicates, 1);
    assert_int_equal(c.fragments_rx, 2);
    h_check_invariants(h);
    h_free(h);
}

static void test_link_states_fcb(void **state)
{
    (void)state;
    harness_t *h = h_new_outstation();
    size_t at = 0;
    h_feed_hex(h, RESET_LINK);
    h_expect_output_hex(h, ACK);
    h_feed_hex(h, TEST_FCB1);
    h_expect_output_hex(h, ACK);
    h_feed_hex(h, TEST_FCB1); /* repeat: ACK again */
    h_expect_output_hex(h, ACK);
    h_feed_hex(h, TEST_FCB0);
    h_expect_output_hex(h, ACK);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_PEER_RESET, DNP3_CHANNEL_EV_IGNORED);
    assert_int_equal(h->ev[1].reason, DNP3_CHANNEL_IGNORE_DUPLICATE);
    /* After a test, confirmed data continues the FCB alternation: 1. */
    h_feed_hex(h, CONFIRMED_FCB1);
    h_expect_output_hex(h, ACK);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT);
    h_check_invariants(h);
    h_free(h);
}

static void unsupported_function(void **state)
{
    (void)state;
    harness_t *h = h_new_outstation();
    h_feed_hex(h, RESET_USER_PROC);
    h_expect_output_hex(h, NOT_SUPPORTED);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_IGNORED);
    assert_int_equal(h->ev[0].reason, DNP3_CHANNEL_IGNORE_FUNCTION);
    assert_int_equal(h_counters(h).ignored_function, 1);
    h_free(h);
}

static void broadcast_never_answered(void **state)
{
    (void)state;
    harness_t *h = h_new_outstation();
    size_t at = 0;
    /* Unconfirmed to 0xFFFF: delivered with its destination. */
    h_feed_hex(h, "05 64 0B C4 FF FF 00 04 A9 7D C0 C1 01 3C 02 06 52 C3");
    h_expect_no_output(h);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT);
    assert_int_equal(h->ev[0].dst, 0xFFFF);
    /* Confirmed to 0xFFFD (link never reset): delivered, not ACKed. */
    h_feed_hex(h, "05 64 0B F3 FD FF 00 04 DD EE C0 C1 01 3C 02 06 52 C3");
    h_expect_no_output(h);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT);
    assert_int_equal(h->ev[1].dst, 0xFFFD);
    /* A link status request to 0xFFFF: refused, not answered. */
    h_feed_hex(h, "05 64 05 C9 FF FF 00 04 FB 76");
    h_expect_no_output(h);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_IGNORED);
    assert_int_equal(h->ev[2].reason, DNP3_CHANNEL_IGNORE_BROADCAST);
    /* An ACK to 0xFFFF: an answer is never for everyone. */
    h_feed_hex(h, "05 64 05 80 FF FF 00 04 0E 30");
    h_expect_no_output(h);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_IGNORED);
    assert_int_equal(h->ev[3].reason, DNP3_CHANNEL_IGNORE_BROADCAST);
    assert_int_equal(h_counters(h).ignored_broadcast, 2);
    h_check_invariants(h);
    h_free(h);
}

static void broadcast_refused_when_off(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.role = DNP3_CHANNEL_ROLE_OUTSTATION;
    cfg.accept_broadcast = false;
    cfg.accept_self = false;
    harness_t *h = h_new(&cfg);
    size_t at = 0;
    h_feed_hex(h, "05 64 0B C4 FF FF 00 04 A9 7D C0 C1 01 3C 02 06 52 C3");
    h_feed_hex(h, "05 64 05 C9 FC FF 00 04 BA 7C");
    h_expect_no_output(h);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FOREIGN, DNP3_CHANNEL_EV_FOREIGN);
    assert_int_equal(h->ev[1].dst, 0xFFFC);
    assert_int_equal(h_counters(h).foreign, 2);
    h_free(h);
}

static void self_address_answered_from_ours(void **state)
{
    (void)state;
    harness_t *h = h_new_outstation();
    h_feed_hex(h, "05 64 05 C9 FC FF 00 04 BA 7C");
    h_expect_output_hex(h, LINK_STATUS); /* from 1, not from 0xFFFC */
    h_free(h);
}

static void foreign_echo_and_reserved_source(void **state)
{
    (void)state;
    harness_t *h = h_new_outstation();
    size_t at = 0;
    /* To outstation 2: the "TCP connects but nothing answers" case. */
    h_feed_hex(h, "05 64 0B C4 02 00 00 04 B5 56 C0 C1 01 3C 02 06 52 C3");
    /* DIR=0: sent by an outstation, so our own kind (an echo). */
    h_feed_hex(h, "05 64 0B 44 01 00 00 04 80 3D C0 C1 01 3C 02 06 52 C3");
    /* From 0xFFF0: no station sends from a reserved address. */
    h_feed_hex(h, "05 64 0B C4 01 00 F0 FF BC 0B C0 C1 01 3C 02 06 52 C3");
    h_expect_no_output(h);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FOREIGN, DNP3_CHANNEL_EV_IGNORED, DNP3_CHANNEL_EV_IGNORED);
    assert_int_equal(h->ev[0].src, 1024);
    assert_int_equal(h->ev[0].dst, 2);
    assert_int_equal(h->ev[1].reason, DNP3_CHANNEL_IGNORE_DIRECTION);
    assert_int_equal(h->ev[2].reason, DNP3_CHANNEL_IGNORE_SOURCE);
    dnp3_channel_counters_t c = h_counters(h);
    assert_int_equal(c.foreign, 1);
    assert_int_equal(c.ignored_direction, 1);
    assert_int_equal(c.ignored_source, 1);
    assert_int_equal(c.fragments_rx, 0);
    h_check_invariants(h);
    h_free(h);
}

static void several_local_addresses(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.role = DNP3_CHANNEL_ROLE_OUTSTATION;
    cfg.local[0] = 1;
    cfg.local[1] = 2;
    cfg.n_local = 2;
    cfg.max_peers = 2;
    harness_t *h = h_new(&cfg);
    h_feed_hex(h, "05 64 05 C9 02 00 00 04 E7 5D"); /* to 2 */
    h_feed_hex(h, LINK_STATUS_REQ);                 /* to 1 */
    h_expect_output_hex(h, "05 64 05 0B 00 04 02 00 F1 26" LINK_STATUS);
    h_free(h);
}

static void slot_table_full(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.role = DNP3_CHANNEL_ROLE_OUTSTATION;
    cfg.local[0] = 1;
    cfg.local[1] = 2;
    cfg.n_local = 2;
    harness_t *h = h_new(&cfg); /* max_peers 1 */
    h_feed_hex(h, LINK_STATUS_REQ);
    h_feed_hex(h, "05 64 05 C9 02 00 00 04 E7 5D");
    h_expect_output_hex(h, LINK_STATUS);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_SLOT_FULL);
    assert_int_equal(h->ev[0].src, 1024);
    assert_int_equal(h->ev[0].dst, 2);
    assert_int_equal(h_counters(h).no_slot, 1);
    h_check_invariants(h);
    h_free(h);
}

static void master_answers_with_dir_set(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.local[0] = 1024; /* a master */
    harness_t *h = h_new(&cfg);
    h_feed_hex(h, "05 64 05 49 00 04 01 00 EC E0");          /* status request from 1 */
    h_expect_output_hex(h, "05 64 05 8B 01 00 00 04 10 21"); /* LINK_STATUS, DIR=1 */
    h_free(h);
}

static void reply_queue_bounded(void **state)
{
    (void)state;
    harness_t *h = h_new_outstation();
    for (int i = 0; i < 17; i++)
        h_feed_hex(h, LINK_STATUS_REQ);
    uint8_t out[512];
    assert_int_equal(dnp3_channel_take_output(h->ch, 0, out, sizeof out), 16 * 10);
    dnp3_channel_counters_t c = h_counters(h);
    assert_int_equal(c.replies_dropped, 1);
    assert_int_equal(c.frames_tx, 16);
    assert_int_equal(c.bytes_tx, 160);
    h_free(h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(link_status_request_answered),
        cmocka_unit_test(reset_link_states_acked),
        cmocka_unit_test(confirmed_data_before_reset_ignored),
        cmocka_unit_test(repeated_fcb_acked_not_delivered),
        cmocka_unit_test(test_link_states_fcb),
        cmocka_unit_test(unsupported_function),
        cmocka_unit_test(broadcast_never_answered),
        cmocka_unit_test(broadcast_refused_when_off),
        cmocka_unit_test(self_address_answered_from_ours),
        cmocka_unit_test(foreign_echo_and_reserved_source),
        cmocka_unit_test(several_local_addresses),
        cmocka_unit_test(slot_table_full),
        cmocka_unit_test(master_answers_with_dir_set),
        cmocka_unit_test(reply_queue_bounded),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
