/* Unsolicited responses: the null response at start, events only once
 * enabled, hold time and count, confirm timeout and retries, link loss. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "scenario.h"

/* 4 binary inputs, unsolicited responses on; max_tx and class1 (the
 * class 1 event capacity) 0: the defaults. */
static void setup_unsol_sized(scn_t *t, uint32_t retries, uint32_t hold_count, uint32_t max_tx,
                              uint32_t class1)
{
    dnp3_db_config_t d;
    dnp3_outstation_config_t c;
    scn_db_config(&d);
    for (int i = 0; i < DNP3_PT_COUNT_; i++)
        d.count[i] = 0;
    d.count[DNP3_PT_BINARY] = 4;
    scn_os_config(&c);
    c.unsolicited = true;
    c.unsolicited_retries = retries;
    c.unsolicited_hold_count = hold_count;
    if (max_tx)
        c.max_tx_fragment = max_tx;
    if (class1)
        c.events.class_capacity[0] = class1;
    scn_setup(t, &d, &c);
}

static void setup_unsol_max(scn_t *t, uint32_t retries, uint32_t hold_count, uint32_t max_tx)
{
    setup_unsol_sized(t, retries, hold_count, max_tx, 0);
}

static void setup_unsol(scn_t *t, uint32_t retries, uint32_t hold_count)
{
    setup_unsol_max(t, retries, hold_count, 0);
}

/* Null unsolicited response, confirmed; then class 1 enabled. */
static void start(scn_t *t)
{
    expect_hex(t, "F0 82 90 00");
    send_hex(t, "D0 00");
    send_hex(t, "C0 14 3C 02 06");
    expect_hex(t, "C0 81 90 00");
}

/* Binary input 0 goes on (time 1) after start(): the first unsolicited
 * response, sequence 1, carries that one event. */
static const char FIRST_UNSOL[] = "F1 82 90 00 02 02 28 01 00 00 00 81 01 00 00 00 00 00";

static void first_event_sent(scn_t *t)
{
    dnp3_db_update_binary(t->db, 0, true, 1, 1);
    advance(t, 0);
    expect_hex(t, FIRST_UNSOL);
}

static void test_null_then_enabled_events(void **state)
{
    (void)state;
    scn_t t;
    setup_unsol(&t, DNP3_OUTSTATION_RETRIES_UNLIMITED, 10);
    /* before enabling: events wait for a poll */
    expect_hex(&t, "F0 82 90 00");
    dnp3_db_update_binary(t.db, 1, true, 1, 5);
    advance(&t, 4999);
    expect_none(&t); /* the null response is not confirmed yet */
    send_hex(&t, "D0 00");
    advance(&t, 10000);
    expect_none(&t); /* not enabled */
    send_hex(&t, "C0 14 3C 02 06");
    expect_hex(&t, "C0 81 92 00");
    /* held for the hold time (1 s) */
    advance(&t, 999);
    expect_none(&t);
    advance(&t, 1);
    expect_hex(&t, "F1 82 90 00 02 02 28 01 00 01 00 81 05 00 00 00 00 00");
    send_hex(&t, "D1 00");
    assert_int_equal(counters(&t).unsolicited_confirmed, 2);
    assert_int_equal(counters(&t).events_confirmed, 1);
    /* disabled again: nothing */
    send_hex(&t, "C1 15 3C 02 06");
    expect_hex(&t, "C1 81 90 00");
    dnp3_db_update_binary(t.db, 1, false, 1, 6);
    advance(&t, 10000);
    expect_none(&t);
    scn_teardown(&t);
}

static void test_hold_count(void **state)
{
    (void)state;
    scn_t t;
    setup_unsol(&t, DNP3_OUTSTATION_RETRIES_UNLIMITED, 2);
    start(&t);
    dnp3_db_update_binary(t.db, 0, true, 1, 1);
    advance(&t, 0);
    expect_none(&t);
    dnp3_db_update_binary(t.db, 1, true, 1, 2);
    advance(&t, 0); /* the count is reached: at once */
    expect_hex(&t, "F1 82 90 00 02 02 28 02 00"
                   " 00 00 81 01 00 00 00 00 00"
                   " 01 00 81 02 00 00 00 00 00");
    scn_teardown(&t);
}

/* Retries: the same fragment, same sequence, each confirm timeout. */
static void test_retries(void **state)
{
    (void)state;
    scn_t t;
    setup_unsol(&t, 2, 1);
    start(&t);
    first_event_sent(&t);
    const char *frag = FIRST_UNSOL;
    advance(&t, 5000);
    expect_hex(&t, frag);
    advance(&t, 5000);
    expect_hex(&t, frag);
    /* two retries done: the events go back, a new try after 60 s */
    advance(&t, 5000);
    expect_none(&t);
    assert_int_equal(counters(&t).unsolicited_retried, 2);
    assert_int_equal(counters(&t).confirms_timed_out, 3);
    assert_int_equal(dnp3_outstation_iin(t.o) & DNP3_IIN_CLASS_1_EVENTS, DNP3_IIN_CLASS_1_EVENTS);
    advance(&t, 60000);
    expect_hex(&t, "F2 82 90 00 02 02 28 01 00 00 00 81 01 00 00 00 00 00");
    send_hex(&t, "D2 00");
    assert_int_equal(counters(&t).events_confirmed, 1);
    scn_teardown(&t);
}

/* A retry is written again when taken (no copy is kept), and is still the
 * same bytes (4.6.2): not the newer event nor the IIN bit that came after
 * the first send. */
static void test_retry_same_bytes(void **state)
{
    (void)state;
    scn_t t;
    setup_unsol(&t, 2, 1);
    start(&t);
    first_event_sent(&t);
    const char *frag = FIRST_UNSOL;
    dnp3_db_update_binary(t.db, 1, true, 1, 2);
    dnp3_outstation_set_iin(t.o, DNP3_IIN_DEVICE_TROUBLE, true);
    advance(&t, 5000);
    expect_hex(&t, frag);
    send_hex(&t, "D1 00");
    assert_int_equal(counters(&t).events_confirmed, 1);
    /* the newer event: the next response, with the IIN of now */
    advance(&t, 0);
    expect_hex(&t, "F2 82 D0 00 02 02 28 01 00 01 00 81 02 00 00 00 00 00");
    send_hex(&t, "D2 00");
    assert_int_equal(counters(&t).events_confirmed, 2);
    assert_int_equal(counters(&t).unsolicited_retried, 1);
    assert_int_equal(counters(&t).unsolicited_retries_replaced, 0); /* the same bytes */
    scn_teardown(&t);
}

static dnp3_event_buffer_counters_t eb_counters(const scn_t *t)
{
    dnp3_event_buffer_counters_t e;
    assert_int_equal(dnp3_event_buffer_counters(dnp3_outstation_event_buffer(t->o), &e), 0);
    return e;
}

/* The events of an unconfirmed response lost to overflow before its retry:
 * the same bytes cannot be written again (4.6.2), so what is left goes out
 * as a new response (the next sequence number), logged and counted. Class 1
 * holds one event, the default policy discards the oldest. */
static void test_retry_after_overflow(void **state)
{
    (void)state;
    scn_t t;
    setup_unsol_sized(&t, DNP3_OUTSTATION_RETRIES_UNLIMITED, 1, 0, 1);
    start(&t);
    first_event_sent(&t);                       /* seq 1: binary 0 on at 1 ms */
    dnp3_db_update_binary(t.db, 1, true, 1, 2); /* discards the event of seq 1 */
    dnp3_event_buffer_counters_t e = eb_counters(&t);
    assert_int_equal(e.added[0][DNP3_PT_BINARY], 2);
    assert_int_equal(e.discarded[0][DNP3_PT_BINARY], 1);
    assert_int_equal(e.held[0][DNP3_PT_BINARY], 1);
    assert_int_equal(e.overflows, 1);
    assert_int_equal(dnp3_outstation_iin(t.o) & DNP3_IIN_EVENT_BUFFER_OVERFLOW,
                     DNP3_IIN_EVENT_BUFFER_OVERFLOW);
    advance(&t, 5000);           /* the confirm timeout: the retry is a new response, seq 2 */
    expect_hex(&t, "F2 82 90 08" /* IIN2.3 */
                   " 02 02 28 01 00 01 00 81 02 00 00 00 00 00"); /* binary 1 on at 2 ms */
    assert_non_null(strstr(t.last_log, "unsolicited seq 1: its events changed before the retry"));
    assert_int_equal(counters(&t).unsolicited_retries_replaced, 1);
    assert_int_equal(counters(&t).unsolicited_retried, 1);
    assert_int_equal(counters(&t).unsolicited_sent, 3); /* null, seq 1, seq 2 */
    assert_int_equal(counters(&t).confirms_timed_out, 1);
    assert_int_equal(counters(&t).events_sent, 2);
    send_hex(&t, "D2 00");
    assert_int_equal(counters(&t).events_confirmed, 1);
    assert_int_equal(counters(&t).unsolicited_confirmed, 2);
    assert_int_equal(counters(&t).confirms_unexpected, 0);
    e = eb_counters(&t);
    assert_int_equal(e.confirmed[0][DNP3_PT_BINARY], 1);
    assert_int_equal(e.discarded[0][DNP3_PT_BINARY], 1);
    assert_int_equal(e.held[0][DNP3_PT_BINARY], 0);
    assert_int_equal(e.overflows, 1);
    /* nothing more to send; the next retry of a response is counted only
     * when it too has to be replaced */
    advance(&t, 10000);
    expect_none(&t);
    assert_int_equal(counters(&t).unsolicited_retries_replaced, 1);
    scn_teardown(&t);
}

static void test_unlimited_retries(void **state)
{
    (void)state;
    scn_t t;
    setup_unsol(&t, DNP3_OUTSTATION_RETRIES_UNLIMITED, 1);
    expect_hex(&t, "F0 82 90 00");
    for (int i = 0; i < 50; i++) {
        advance(&t, 5000);
        expect_hex(&t, "F0 82 90 00");
    }
    assert_int_equal(counters(&t).unsolicited_retried, 50);
    scn_teardown(&t);
}

/* The link goes down with an unconfirmed unsolicited response: its events
 * return; on the next link they are reported again. */
static void test_link_down(void **state)
{
    (void)state;
    scn_t t;
    setup_unsol(&t, DNP3_OUTSTATION_RETRIES_UNLIMITED, 1);
    start(&t);
    first_event_sent(&t);
    dnp3_outstation_on_link_event(t.o, t.now, DNP3_LINK_DOWN);
    assert_int_equal(dnp3_outstation_next_deadline(t.o), DNP3_TIMESTAMP_NEVER);
    dnp3_outstation_on_link_event(t.o, t.now, DNP3_LINK_UP);
    advance(&t, 0);
    expect_hex(&t, "F1 82 90 00 02 02 28 01 00 00 00 81 01 00 00 00 00 00");
    send_hex(&t, "D1 00");
    assert_int_equal(counters(&t).events_confirmed, 1);
    scn_teardown(&t);
}

/* A READ while an unsolicited response with events waits for its confirm
 * is answered after the confirm (as opendnp3 does too): answered at once,
 * a point's newer events could reach the master before the older ones of
 * the unsolicited response, when that is lost and retried. */
static void test_read_during_unsol(void **state)
{
    (void)state;
    scn_t t;
    setup_unsol(&t, DNP3_OUTSTATION_RETRIES_UNLIMITED, 1);
    start(&t);
    first_event_sent(&t);
    dnp3_db_update_binary(t.db, 0, false, 1, 2);
    send_hex(&t, "C1 01 3C 02 06");
    expect_none(&t); /* deferred */
    send_hex(&t, "D1 00");
    expect_hex(&t, "E1 81 90 00 02 02 28 01 00 00 00 01 02 00 00 00 00 00");
    send_hex(&t, "C1 00");
    assert_int_equal(counters(&t).events_confirmed, 2);
    scn_teardown(&t);
}

/* A deferred READ is planned when it comes (the request is not kept: its
 * bytes are overwritten here once handed over) and answered from the plan
 * after the confirm: an index list (0x17) too. */
static void test_indexed_read_during_unsol(void **state)
{
    (void)state;
    scn_t t;
    setup_unsol(&t, DNP3_OUTSTATION_RETRIES_UNLIMITED, 1);
    start(&t);
    first_event_sent(&t);
    uint8_t req[8] = {0xC2, 0x01, 0x01, 0x02, 0x17, 0x02, 0x01, 0x00}; /* g1v2 [1, 0] */
    send_bytes(&t, t.master, t.local, req, sizeof req);
    memset(req, 0xEE, sizeof req);
    expect_none(&t); /* deferred */
    send_hex(&t, "D1 00");
    expect_hex(&t, "C2 81 90 00 01 02 17 02 01 00 00 81");
    scn_teardown(&t);
}

/* The unsolicited response is not confirmed while a READ waits: no retry;
 * the READ reports its events, then the newer one, in order. */
static void test_read_during_unsol_confirm_timeout(void **state)
{
    (void)state;
    scn_t t;
    setup_unsol(&t, DNP3_OUTSTATION_RETRIES_UNLIMITED, 1);
    start(&t);
    first_event_sent(&t);
    dnp3_db_update_binary(t.db, 0, false, 1, 2);
    send_hex(&t, "C1 01 3C 02 06");
    advance(&t, 4999);
    expect_none(&t);
    advance(&t, 1); /* the unsolicited confirm timeout */
    expect_hex(&t, "E1 81 90 00 02 02 28 02 00"
                   " 00 00 81 01 00 00 00 00 00"
                   " 00 00 01 02 00 00 00 00 00");
    send_hex(&t, "C1 00");
    advance(&t, 10000);
    expect_none(&t);
    assert_int_equal(counters(&t).events_confirmed, 2);
    assert_int_equal(counters(&t).unsolicited_retried, 0);
    assert_int_equal(counters(&t).confirms_timed_out, 1);
    scn_teardown(&t);
}

/* Only a READ waits for the unsolicited confirm (its response could report
 * the same events): a WRITE (clearing IIN1.7 here) is answered at once,
 * while the unsolicited response still waits, and the READ after it waits. */
static void test_write_during_unsol_answered_at_once(void **state)
{
    (void)state;
    scn_t t;
    setup_unsol(&t, DNP3_OUTSTATION_RETRIES_UNLIMITED, 1);
    start(&t);
    first_event_sent(&t);
    send_hex(&t, "C1 02 50 01 00 07 07 00");
    expect_hex(&t, "C1 81 10 00");
    send_hex(&t, "C2 01 3C 02 06");
    expect_none(&t); /* deferred */
    send_hex(&t, "D1 00");
    expect_hex(&t, "C2 81 10 00");
    assert_int_equal(counters(&t).confirms_timed_out, 0);
    scn_teardown(&t);
}

/* A READ comes after an unsolicited response was built (on the confirm of
 * the previous one) but before it was sent, and a newer event of the same
 * point came in between. The READ's response goes out first, so it must
 * carry the older event too, in order: the unsolicited response gives its
 * events back (without it the master saw 3 before 2, found by the no-loss
 * test through the fault proxy, tests/e2e/test_noloss_cuts.py). */
static void test_read_before_built_unsol_is_sent(void **state)
{
    (void)state;
    scn_t t;
    setup_unsol(&t, DNP3_OUTSTATION_RETRIES_UNLIMITED, 1);
    start(&t);
    first_event_sent(&t);
    dnp3_db_update_binary(t.db, 0, false, 1, 2);
    send_hex(&t, "D1 00"); /* the next unsolicited response is built: event 2 */
    dnp3_db_update_binary(t.db, 0, true, 1, 3);
    send_hex(&t, "C1 01 3C 02 06"); /* READ class 1 before it was taken */
    expect_hex(&t, "E1 81 90 00 02 02 28 02 00"
                   " 00 00 01 02 00 00 00 00 00"   /* event 2: false */
                   " 00 00 81 03 00 00 00 00 00"); /* event 3: true */
    send_hex(&t, "C1 00");
    advance(&t, 10000);
    expect_none(&t); /* nothing left for an unsolicited response */
    assert_int_equal(counters(&t).events_confirmed, 3);
    assert_int_equal(counters(&t).events_sent, 3);
    scn_teardown(&t);
}

/* A READ's response is not confirmed (lost on the way); meanwhile a newer
 * event of the point made an unsolicited response, which waited behind it.
 * After the confirm timeout the older event goes out first, with the newer
 * one behind it in the same unsolicited response. */
static void test_unconfirmed_response_then_unsol_in_order(void **state)
{
    (void)state;
    scn_t t;
    setup_unsol(&t, DNP3_OUTSTATION_RETRIES_UNLIMITED, 1);
    start(&t);
    dnp3_db_update_binary(t.db, 0, true, 1, 1);
    send_hex(&t, "C1 01 3C 02 06");
    expect_hex(&t, "E1 81 90 00 02 02 28 01 00 00 00 81 01 00 00 00 00 00");
    dnp3_db_update_binary(t.db, 0, false, 1, 2);
    advance(&t, 0);
    expect_none(&t);   /* built, waits behind the response */
    advance(&t, 5000); /* the response's confirm timeout */
    expect_hex(&t, "F1 82 90 00 02 02 28 02 00"
                   " 00 00 81 01 00 00 00 00 00"
                   " 00 00 01 02 00 00 00 00 00");
    send_hex(&t, "D1 00");
    assert_int_equal(counters(&t).events_confirmed, 2);
    scn_teardown(&t);
}

/* The times (ms) of the g2v2 events of one response fragment, which has one
 * header (02 02 28 count16): returns the count. */
static size_t g2v2_times(const uint8_t *f, size_t len, uint64_t *times, size_t cap)
{
    assert_true(len >= 9);
    assert_int_equal(f[4], 2);
    assert_int_equal(f[5], 2);
    assert_int_equal(f[6], 0x28);
    size_t n = (size_t)f[7] | (size_t)f[8] << 8;
    assert_int_equal(len, 9 + 9 * n);
    assert_true(n <= cap);
    for (size_t i = 0; i < n; i++) {
        const uint8_t *e = f + 9 + 9 * i + 3;
        times[i] = 0;
        for (int b = 5; b >= 0; b--)
            times[i] = times[i] << 8 | e[b];
    }
    return n;
}

/* A READ's response takes two fragments; while the first waits for its
 * confirm, an unsolicited response is built with the events left over and
 * a newer event comes. The second fragment selects its events only after
 * the unsolicited response gave its (older) ones back: all in order. */
static void test_multi_fragment_read_and_unsol_in_order(void **state)
{
    (void)state;
    scn_t t;
    setup_unsol_max(&t, DNP3_OUTSTATION_RETRIES_UNLIMITED, 1, 249);
    start(&t);
    for (uint64_t k = 1; k <= 30; k++)
        dnp3_db_update_binary(t.db, 0, k & 1, 1, k);
    send_hex(&t, "C1 01 3C 02 06");
    uint8_t f[2048];
    uint64_t times[64];
    size_t len = take(&t, f, sizeof f);
    assert_int_equal(f[0], 0xA1); /* FIR CON seq 1 */
    size_t first = g2v2_times(f, len, times, 64);
    assert_int_equal(first, 26); /* (249 - 4 - 5) / 9 */
    assert_int_equal(times[25], 26);
    advance(&t, 0); /* the unsolicited response is built: 27..30 */
    expect_none(&t);
    dnp3_db_update_binary(t.db, 0, true, 1, 31);
    send_hex(&t, "C1 00");
    len = take(&t, f, sizeof f);
    assert_int_equal(f[0] & 0xC0, 0x40); /* FIN */
    size_t second = g2v2_times(f, len, times, 64);
    assert_int_equal(second, 5);
    for (size_t i = 0; i < second; i++)
        assert_int_equal(times[i], 27 + i);
    scn_teardown(&t);
}

/* A command event is reported unsolicited like the point events around it:
 * in sequence-of-events order (g2, g13, g2), sent again unchanged when the
 * confirm does not come, removed by the confirm. */
static void test_command_event_unsolicited(void **state)
{
    (void)state;
    scn_t t;
    dnp3_db_config_t d;
    dnp3_outstation_config_t c;
    scn_db_config(&d);
    for (int i = 0; i < DNP3_PT_COUNT_; i++)
        d.count[i] = 0;
    d.count[DNP3_PT_BINARY] = 4;
    d.count[DNP3_PT_BINARY_OUTPUT] = 4;
    scn_os_config(&c);
    c.unsolicited = true;
    c.command_event_class = DNP3_CLASS_1;
    scn_setup(&t, &d, &c);
    start(&t);
    dnp3_db_update_binary(t.db, 1, true, 1, 5);
    advance(&t, 2);
    /* DIRECT_OPERATE CROB index 3 latch off; no time written yet: time 0 */
    send_hex(&t, "C1 05 0C 01 28 01 00 03 00 04 01 64 00 00 00 64 00 00 00 00");
    expect_hex(&t, "C1 81 92 00 0C 01 28 01 00 03 00 04 01 64 00 00 00 64 00 00 00 00");
    dnp3_db_update_binary(t.db, 2, true, 1, 7);
    advance(&t, 998);
    const char *uns = "F1 82 90 00"
                      " 02 02 28 01 00 01 00 81 05 00 00 00 00 00"  /* g2v2 #1 on */
                      " 0D 02 28 01 00 03 00 00 00 00 00 00 00 00"  /* g13v2 #3 off, SUCCESS */
                      " 02 02 28 01 00 02 00 81 07 00 00 00 00 00"; /* g2v2 #2 on */
    expect_hex(&t, uns);
    advance(&t, 5000); /* no confirm: the same fragment again */
    expect_hex(&t, uns);
    send_hex(&t, "D1 00");
    assert_int_equal(counters(&t).events_confirmed, 3);
    assert_int_equal(counters(&t).command_events, 1);
    assert_int_equal(counters(&t).unsolicited_retried, 1);
    send_hex(&t, "C2 01 3C 02 06");
    expect_hex(&t, "C2 81 90 00");
    scn_teardown(&t);
}

/* ENABLE / DISABLE_UNSOLICITED name classes: only events of the enabled
 * classes go out unsolicited; the others wait for a poll (and show in
 * IIN1.1..1.3). Binaries are class 1, analogs class 2. */
static void test_enable_per_class(void **state)
{
    (void)state;
    scn_t t;
    dnp3_db_config_t d;
    dnp3_outstation_config_t c;
    scn_db_config(&d);
    for (int i = 0; i < DNP3_PT_COUNT_; i++)
        d.count[i] = 0;
    d.count[DNP3_PT_BINARY] = 4;
    d.count[DNP3_PT_ANALOG] = 4;
    d.defaults[DNP3_PT_ANALOG].event_class = DNP3_CLASS_2;
    scn_os_config(&c);
    c.unsolicited = true;
    c.unsolicited_hold_count = 1;
    scn_setup(&t, &d, &c);
    expect_hex(&t, "F0 82 90 00");
    send_hex(&t, "D0 00");
    /* class 2 only */
    send_hex(&t, "C0 14 3C 03 06");
    expect_hex(&t, "C0 81 90 00");
    dnp3_db_update_binary(t.db, 1, true, 1, 5);
    advance(&t, 10000);
    expect_none(&t); /* class 1: not enabled, waits (IIN1.1) */
    assert_int_equal(dnp3_outstation_iin(t.o) & 0x0E00, DNP3_IIN_CLASS_1_EVENTS);
    dnp3_db_update_analog(t.db, 0, 5.0, 1, 6);
    advance(&t, 0);
    expect_hex(&t, "F1 82 92 00 20 01 28 01 00 00 00 01 05 00 00 00");
    send_hex(&t, "D1 00");
    /* class 1 too: the waiting binary event goes out */
    send_hex(&t, "C1 14 3C 02 06");
    expect_hex(&t, "C1 81 92 00");
    advance(&t, 0);
    expect_hex(&t, "F2 82 90 00 02 02 28 01 00 01 00 81 05 00 00 00 00 00");
    send_hex(&t, "D2 00");
    /* class 1 off again, class 2 still on */
    send_hex(&t, "C2 15 3C 02 06");
    expect_hex(&t, "C2 81 90 00");
    dnp3_db_update_binary(t.db, 2, true, 1, 7);
    dnp3_db_update_analog(t.db, 1, 7.0, 1, 8);
    advance(&t, 0);
    expect_hex(&t, "F3 82 92 00 20 01 28 01 00 01 00 01 07 00 00 00");
    send_hex(&t, "D3 00");
    assert_int_equal(counters(&t).events_confirmed, 3);
    scn_teardown(&t);
}

/* One unsolicited fragment of 2048 octets carries the oldest events that
 * fit, as full as it can be (2048 = 4 + a 5-octet g32v1 header + 291
 * objects of 7 octets + 2 spare), in one header; the rest follow, each
 * after the confirm of the one before. */
static void expect_analog_run(scn_t *t, uint8_t control, uint32_t first, uint32_t n)
{
    uint8_t f[2048];
    size_t len = take(t, f, sizeof f);
    assert_int_equal(len, 4 + 5 + 7 * n);
    assert_int_equal(f[0], control);
    assert_int_equal(f[1], 0x82);
    const uint8_t hdr[5] = {0x20, 0x01, 0x28, (uint8_t)n, (uint8_t)(n >> 8)};
    assert_memory_equal(f + 4, hdr, sizeof hdr);
    for (uint32_t k = 0; k < n; k++) {
        const uint8_t *o = f + 9 + 7 * k;
        uint32_t i = first + k, v = i + 1;
        const uint8_t want[7] = {
            (uint8_t)i, (uint8_t)(i >> 8), 0x01, (uint8_t)v, (uint8_t)(v >> 8), 0, 0};
        assert_memory_equal(o, want, sizeof want);
    }
}

static void test_full_fragments(void **state)
{
    (void)state;
    scn_t t;
    dnp3_db_config_t d;
    dnp3_outstation_config_t c;
    scn_db_config(&d);
    for (int i = 0; i < DNP3_PT_COUNT_; i++)
        d.count[i] = 0;
    d.count[DNP3_PT_ANALOG] = 600;
    d.batch_capacity = 600;
    scn_os_config(&c);
    c.unsolicited = true;
    c.unsolicited_hold_count = 1;
    c.events.class_capacity[0] = 1000;
    scn_setup(&t, &d, &c);
    start(&t);
    dnp3_db_begin(t.db);
    for (uint32_t i = 0; i < 600; i++)
        dnp3_db_update_analog(t.db, i, (double)(i + 1), 1, 10);
    dnp3_db_commit(t.db);
    advance(&t, 0);
    expect_analog_run(&t, 0xF1, 0, 291);
    expect_none(&t);
    send_hex(&t, "D1 00");
    expect_analog_run(&t, 0xF2, 291, 291);
    send_hex(&t, "D2 00");
    expect_analog_run(&t, 0xF3, 582, 18);
    send_hex(&t, "D3 00");
    assert_int_equal(counters(&t).events_confirmed, 600);
    scn_teardown(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_full_fragments),
        cmocka_unit_test(test_enable_per_class),
        cmocka_unit_test(test_null_then_enabled_events),
        cmocka_unit_test(test_hold_count),
        cmocka_unit_test(test_retries),
        cmocka_unit_test(test_unlimited_retries),
        cmocka_unit_test(test_link_down),
        cmocka_unit_test(test_retry_same_bytes),
        cmocka_unit_test(test_retry_after_overflow),
        cmocka_unit_test(test_read_during_unsol),
        cmocka_unit_test(test_indexed_read_during_unsol),
        cmocka_unit_test(test_command_event_unsolicited),
        cmocka_unit_test(test_read_before_built_unsol_is_sent),
        cmocka_unit_test(test_read_during_unsol_confirm_timeout),
        cmocka_unit_test(test_write_during_unsol_answered_at_once),
        cmocka_unit_test(test_unconfirmed_response_then_unsol_in_order),
        cmocka_unit_test(test_multi_fragment_read_and_unsol_in_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
