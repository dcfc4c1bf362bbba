/* Outstation READ: class 0/1/2/3, limited event reads, groups by
 * variation 0 and specific, qualifiers 0x00/0x01/0x06/0x17/0x28, g80v1, g0,
 * multi-fragment responses with their confirms. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "scenario.h"

/* 2 binary inputs, 1 analog input, nothing else. */
static void small_db(dnp3_db_config_t *d)
{
    scn_db_config(d);
    for (int i = 0; i < DNP3_PT_COUNT_; i++)
        d->count[i] = 0;
    d->count[DNP3_PT_BINARY] = 2;
    d->count[DNP3_PT_ANALOG] = 1;
}

static void test_class0(void **state)
{
    (void)state;
    scn_t t;
    dnp3_db_config_t d;
    small_db(&d);
    scn_setup(&t, &d, NULL);
    dnp3_db_update_binary(t.db, 1, true, DNP3_FLAG_ONLINE, 1000);
    dnp3_db_update_analog(t.db, 0, 1234.0, DNP3_FLAG_ONLINE, 1000);
    /* IIN 92 00: restart, need time, class 1 events (the two updates) */
    send_hex(&t, "C0 01 3C 01 06");
    expect_hex(&t, "C0 81 92 00"
                   " 01 02 00 00 01 00 81"            /* g1v2 0..1: offline 0, online 1 */
                   " 1E 01 00 00 00 01 D2 04 00 00"); /* g30v1 0: 1234 */
    expect_none(&t);
    scn_teardown(&t);
}

/* Class 1 events, confirmed: they leave the buffer only on the confirm. */
static void test_class1_events_confirm(void **state)
{
    (void)state;
    scn_t t;
    dnp3_db_config_t d;
    small_db(&d);
    scn_setup(&t, &d, NULL);
    dnp3_db_update_binary(t.db, 1, true, DNP3_FLAG_ONLINE, 0x0102030405ull);
    dnp3_db_update_analog(t.db, 0, -2.0, DNP3_FLAG_ONLINE, 1000);
    send_hex(&t, "C3 01 3C 02 06");
    /* E3: FIR FIN CON seq 3; g2v2 0x28 index 1 flags 81 time; g32v1 0x28 */
    expect_hex(&t, "E3 81 90 00"
                   " 02 02 28 01 00 01 00 81 05 04 03 02 01 00"
                   " 20 01 28 01 00 00 00 01 FE FF FF FF");
    /* not confirmed yet: a class 1 poll with another sequence sees nothing
     * new, and the events are still held */
    send_hex(&t, "C0 00 D3"); /* confirm with the wrong sequence: ignored */
    expect_none(&t);
    assert_int_equal(counters(&t).confirms_unexpected, 1);
    send_hex(&t, "C3 00");
    expect_none(&t);
    assert_int_equal(counters(&t).events_confirmed, 2);
    assert_int_equal(counters(&t).events_sent, 2);
    send_hex(&t, "C4 01 3C 02 06");
    expect_hex(&t, "C4 81 90 00");
    scn_teardown(&t);
}

/* No confirm within the timeout: the events go back and are sent again. */
static void test_confirm_timeout(void **state)
{
    (void)state;
    scn_t t;
    dnp3_db_config_t d;
    small_db(&d);
    scn_setup(&t, &d, NULL);
    dnp3_db_update_binary(t.db, 0, true, DNP3_FLAG_ONLINE, 1);
    send_hex(&t, "C1 01 3C 02 06");
    expect_hex(&t, "E1 81 90 00 02 02 28 01 00 00 00 81 01 00 00 00 00 00");
    advance(&t, 4999);
    assert_int_equal(counters(&t).confirms_timed_out, 0);
    advance(&t, 1);
    assert_int_equal(counters(&t).confirms_timed_out, 1);
    send_hex(&t, "C1 00"); /* too late: matches nothing */
    assert_int_equal(counters(&t).confirms_unexpected, 1);
    send_hex(&t, "C2 01 3C 02 06");
    expect_hex(&t, "E2 81 90 00 02 02 28 01 00 00 00 81 01 00 00 00 00 00");
    scn_teardown(&t);
}

/* 0x07: at most n events; the rest stay and IIN1.1 says so. */
static void test_limited_count(void **state)
{
    (void)state;
    scn_t t;
    dnp3_db_config_t d;
    small_db(&d);
    scn_setup(&t, &d, NULL);
    dnp3_db_update_binary(t.db, 0, true, 1, 1);
    dnp3_db_update_binary(t.db, 1, true, 1, 2);
    dnp3_db_update_binary(t.db, 0, false, 1, 3);
    send_hex(&t, "C5 01 3C 02 07 02");
    expect_hex(&t, "E5 81 92 00 02 02 28 02 00"
                   " 00 00 81 01 00 00 00 00 00"
                   " 01 00 81 02 00 00 00 00 00");
    send_hex(&t, "C5 00");
    send_hex(&t, "C6 01 3C 02 07 02");
    expect_hex(&t, "E6 81 90 00 02 02 28 01 00 00 00 01 03 00 00 00 00 00");
    scn_teardown(&t);
}

/* g2v1 (a specific variation) and g32v0 (each event's own). */
static void test_event_groups(void **state)
{
    (void)state;
    scn_t t;
    dnp3_db_config_t d;
    small_db(&d);
    scn_setup(&t, &d, NULL);
    dnp3_db_update_binary(t.db, 0, true, 1, 1);
    dnp3_db_update_analog(t.db, 0, 5.0, 1, 1);
    send_hex(&t, "C0 01 02 01 06");
    expect_hex(&t, "E0 81 92 00 02 01 28 01 00 00 00 81");
    send_hex(&t, "C0 00");
    send_hex(&t, "C1 01 20 00 06");
    expect_hex(&t, "E1 81 90 00 20 01 28 01 00 00 00 01 05 00 00 00");
    scn_teardown(&t);
}

/* Static ranges and index lists, variation 0 and specific. */
static void test_static_qualifiers(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    dnp3_db_update_counter(t.db, 3, 0x11223344u, 1, 1);
    /* g20v0 0x00 2..3 */
    send_hex(&t, "C0 01 14 00 00 02 03");
    expect_hex(&t, "C0 81 92 00 14 01 00 02 03 00 00 00 00 00 01 44 33 22 11");
    /* g20v6 (16-bit, no flag) 0x01 3..3 */
    send_hex(&t, "C1 01 14 06 01 03 00 03 00");
    expect_hex(&t, "C1 81 92 00 14 06 00 03 03 44 33");
    /* g20v5 0x17 list 3, 0 */
    send_hex(&t, "C2 01 14 05 17 02 03 00");
    expect_hex(&t, "C2 81 92 00 14 05 17 02 03 44 33 22 11 00 00 00 00 00");
    /* g20v1 0x28 list 9 */
    send_hex(&t, "C3 01 14 01 28 01 00 09 00");
    expect_hex(&t, "C3 81 92 00 14 01 28 01 00 09 00 00 00 00 00 00");
    /* g1v1 packed 0x06 (10 points) */
    dnp3_db_update_binary(t.db, 9, true, 1, 1);
    send_hex(&t, "C4 01 01 01 06");
    expect_hex(&t, "C4 81 92 00 01 01 00 00 09 00 02");
    /* out of range: IIN2.2 and nothing else */
    send_hex(&t, "C5 01 14 00 00 02 0A");
    expect_hex(&t, "C5 81 92 04");
    scn_teardown(&t);
}

/* g80v1: the IIN as packed bits. */
static void test_read_iin(void **state)
{
    (void)state;
    scn_t t;
    dnp3_db_config_t d;
    small_db(&d);
    scn_setup(&t, &d, NULL);
    send_hex(&t, "C0 01 50 01 00 00 0F");
    expect_hex(&t, "C0 81 90 00 50 01 00 00 0F 90 00");
    scn_teardown(&t);
}

/* g0: device attributes of set 0. */
static void test_device_attributes(void **state)
{
    (void)state;
    scn_t t;
    dnp3_db_config_t d;
    small_db(&d);
    scn_setup(&t, &d, NULL);
    /* v252 manufacturer: VSTR "dnp3c" */
    send_hex(&t, "C0 01 00 FC 00 00 00");
    expect_hex(&t, "C0 81 90 00 00 FC 00 00 00 01 05 64 6E 70 33 63");
    /* v239 number of binary inputs: UINT 2 */
    send_hex(&t, "C1 01 00 EF 00 00 00");
    expect_hex(&t, "C1 81 90 00 00 EF 00 00 00 02 04 02 00 00 00");
    /* an attribute we do not keep: IIN2.1 */
    send_hex(&t, "C2 01 00 C4 00 00 00");
    expect_hex(&t, "C2 81 90 02");
    scn_teardown(&t);
}

/* A class 0 response larger than the fragment: FIR, then middle, then FIN,
 * each confirmed, each with the next sequence number. */
static void test_multi_fragment(void **state)
{
    (void)state;
    scn_t t;
    dnp3_db_config_t d;
    dnp3_outstation_config_t c;
    scn_db_config(&d);
    for (int i = 0; i < DNP3_PT_COUNT_; i++)
        d.count[i] = 0;
    d.count[DNP3_PT_ANALOG] = 100; /* 100 x g30v1 (5 bytes) = 500 bytes */
    scn_os_config(&c);
    c.max_tx_fragment = 249;
    scn_setup(&t, &d, &c);
    uint8_t buf[4096];
    send_hex(&t, "C7 01 3C 01 06");
    /* first fragment: FIR CON seq 7; 4 + 5 + 48 * 5 = 249 bytes */
    size_t n = take(&t, buf, sizeof buf);
    assert_int_equal(n, 249);
    assert_int_equal(buf[0], 0xA7);
    assert_int_equal(buf[8], 47); /* g30v1 0x00 0..47 */
    expect_none(&t);
    send_hex(&t, "C7 00");
    n = take(&t, buf, sizeof buf);
    assert_int_equal(n, 249);
    assert_int_equal(buf[0], 0x28); /* seq 8, CON, neither FIR nor FIN */
    assert_int_equal(buf[7], 48);
    assert_int_equal(buf[8], 95);
    send_hex(&t, "C8 00");
    n = take(&t, buf, sizeof buf);
    assert_int_equal(n, 4 + 5 + 4 * 5);
    assert_int_equal(buf[0], 0x49); /* FIN, seq 9, no confirm */
    send_hex(&t, "C9 00");
    assert_int_equal(counters(&t).confirms_unexpected, 1);
    scn_teardown(&t);
}

/* An index list (0x28) whose response takes two fragments: the request is
 * not kept (its bytes are overwritten here as soon as it was handed over),
 * the list is, and the second fragment carries the indices that follow. */
static void test_indexed_multi_fragment(void **state)
{
    (void)state;
    scn_t t;
    dnp3_db_config_t d;
    dnp3_outstation_config_t c;
    scn_db_config(&d);
    d.count[DNP3_PT_ANALOG] = 100;
    scn_os_config(&c);
    c.max_tx_fragment = 249;
    scn_setup(&t, &d, &c);
    /* g30v1 0x28, 60 indices: 99, 98, ..., 40 */
    uint8_t req[7 + 120] = {0xC3, 0x01, 0x1E, 0x01, 0x28, 60, 0};
    for (int k = 0; k < 60; k++) {
        req[7 + 2 * k] = (uint8_t)(99 - k);
        req[8 + 2 * k] = 0;
    }
    send_bytes(&t, t.master, t.local, req, 7 + 120);
    memset(req, 0xEE, sizeof req);
    uint8_t buf[4096];
    /* FIR CON seq 3; 4 + 5 + 34 x (2 + 5) = 247 bytes */
    size_t n = take(&t, buf, sizeof buf);
    assert_int_equal(n, 247);
    assert_int_equal(buf[0], 0xA3);
    const uint8_t h1[7] = {0x1E, 0x01, 0x28, 34, 0, 99, 0};
    assert_memory_equal(buf + 4, h1, 7);
    assert_int_equal(buf[4 + 5 + 33 * 7], 66); /* the 34th: index 66 */
    send_hex(&t, "C3 00");
    /* FIN seq 4; the other 26, from index 65 */
    n = take(&t, buf, sizeof buf);
    assert_int_equal(n, 4 + 5 + 26 * 7);
    assert_int_equal(buf[0], 0x44);
    const uint8_t h2[7] = {0x1E, 0x01, 0x28, 26, 0, 65, 0};
    assert_memory_equal(buf + 4, h2, 7);
    assert_int_equal(buf[4 + 5 + 25 * 7], 40);
    scn_teardown(&t);
}

/* Overflow: IIN2.3 until the master has confirmed the events. */
static void test_overflow(void **state)
{
    (void)state;
    scn_t t;
    dnp3_db_config_t d;
    dnp3_outstation_config_t c;
    small_db(&d);
    scn_os_config(&c);
    c.events.class_capacity[0] = 2;
    scn_setup(&t, &d, &c);
    dnp3_db_update_binary(t.db, 0, true, 1, 1);
    dnp3_db_update_binary(t.db, 0, false, 1, 2);
    dnp3_db_update_binary(t.db, 0, true, 1, 3); /* the oldest is discarded */
    const dnp3_event_buffer_t *eb = dnp3_outstation_event_buffer(t.o);
    dnp3_event_buffer_counters_t ec;
    dnp3_event_buffer_counters(eb, &ec);
    assert_int_equal(ec.discarded[0][DNP3_PT_BINARY], 1);
    send_hex(&t, "C0 01 3C 02 06");
    expect_hex(&t, "E0 81 90 08 02 02 28 02 00"
                   " 00 00 01 02 00 00 00 00 00"
                   " 00 00 81 03 00 00 00 00 00");
    send_hex(&t, "C0 00");
    send_hex(&t, "C1 01 3C 02 06");
    expect_hex(&t, "C1 81 90 00");
    scn_teardown(&t);
}

/* Events over two fragments: each fragment's confirm removes its own
 * events only; the link lost before the second confirm keeps the rest. */
static void test_events_two_fragments(void **state)
{
    (void)state;
    scn_t t;
    dnp3_db_config_t d;
    dnp3_outstation_config_t c;
    small_db(&d);
    scn_os_config(&c);
    c.max_tx_fragment = 249;
    scn_setup(&t, &d, &c);
    for (int i = 0; i < 30; i++)
        dnp3_db_update_binary(t.db, 0, i % 2 == 0, 1, (dnp3_time_t)i);
    uint8_t buf[512];
    send_hex(&t, "C2 01 3C 02 06");
    /* 4 + 5 + 26 x 9 = 243: a 27th would not fit */
    assert_int_equal(take(&t, buf, sizeof buf), 243);
    assert_int_equal(buf[0], 0xA2); /* FIR CON */
    assert_int_equal(buf[2], 0x92); /* events still waiting */
    assert_int_equal(buf[7], 26);
    send_hex(&t, "C2 00");
    assert_int_equal(counters(&t).events_confirmed, 26);
    assert_int_equal(take(&t, buf, sizeof buf), 4 + 5 + 4 * 9);
    assert_int_equal(buf[0], 0x63); /* FIN CON seq 3 */
    assert_int_equal(buf[2], 0x90);
    dnp3_outstation_on_link_event(t.o, t.now, DNP3_LINK_DOWN);
    dnp3_outstation_on_link_event(t.o, t.now, DNP3_LINK_UP);
    assert_int_equal(counters(&t).events_confirmed, 26);
    assert_int_equal(dnp3_event_buffer_count(dnp3_outstation_event_buffer(t.o), 1, true), 4);
    send_hex(&t, "C4 01 3C 02 06");
    assert_int_equal(take(&t, buf, sizeof buf), 4 + 5 + 4 * 9);
    assert_int_equal(buf[0], 0xE4);
    send_hex(&t, "C4 00");
    assert_int_equal(counters(&t).events_confirmed, 30);
    scn_teardown(&t);
}

/* A READ of classes 1, 2 and 3 over several fragments: the events of all
 * classes in one sequence-of-events order, each fragment as full as it can
 * be. 20 binary events (class 1), 20 analog (class 2), 20 binary again. */
static void test_classes_in_order_over_fragments(void **state)
{
    (void)state;
    scn_t t;
    dnp3_db_config_t d;
    dnp3_outstation_config_t c;
    small_db(&d);
    d.defaults[DNP3_PT_ANALOG].event_class = DNP3_CLASS_2;
    scn_os_config(&c);
    c.max_tx_fragment = 249;
    scn_setup(&t, &d, &c);
    for (int i = 0; i < 20; i++)
        dnp3_db_update_binary(t.db, 0, i % 2 == 0, 1, (dnp3_time_t)i);
    for (int i = 0; i < 20; i++)
        dnp3_db_update_analog(t.db, 0, (double)(i + 1), 1, 0);
    for (int i = 0; i < 20; i++)
        dnp3_db_update_binary(t.db, 1, i % 2 == 0, 1, (dnp3_time_t)i);
    uint8_t b[512];
    send_hex(&t, "C1 01 3C 02 06 3C 03 06 3C 04 06");
    /* 4 + (5 + 20 x 9) + (5 + 7 x 7) = 243: the eighth analog would not fit */
    assert_int_equal(take(&t, b, sizeof b), 243);
    assert_int_equal(b[0], 0xA1);
    const uint8_t run1[5] = {0x02, 0x02, 0x28, 20, 0}, run2[5] = {0x20, 0x01, 0x28, 7, 0};
    assert_memory_equal(b + 4, run1, 5);
    assert_memory_equal(b + 189, run2, 5);
    assert_int_equal(b[194 + 3], 1); /* the first analog event's value */
    send_hex(&t, "C1 00");
    /* 4 + (5 + 13 x 7) + (5 + 16 x 9) = 249 */
    assert_int_equal(take(&t, b, sizeof b), 249);
    assert_int_equal(b[0], 0x22);
    const uint8_t run3[5] = {0x20, 0x01, 0x28, 13, 0}, run4[5] = {0x02, 0x02, 0x28, 16, 0};
    assert_memory_equal(b + 4, run3, 5);
    assert_int_equal(b[9 + 3], 8); /* the eighth analog event's value */
    assert_memory_equal(b + 100, run4, 5);
    assert_int_equal(b[105], 1); /* index 1 */
    send_hex(&t, "C2 00");
    assert_int_equal(take(&t, b, sizeof b), 4 + 5 + 4 * 9);
    assert_int_equal(b[0], 0x63);
    send_hex(&t, "C3 00");
    assert_int_equal(counters(&t).events_confirmed, 60);
    scn_teardown(&t);
}

/* g2v3: relative times behind a g51 CTO (g51v2 until the clock is set). */
static void test_relative_time_events(void **state)
{
    (void)state;
    scn_t t;
    dnp3_db_config_t d;
    small_db(&d);
    d.defaults[DNP3_PT_BINARY].event_variation = 3;
    scn_setup(&t, &d, NULL);
    dnp3_db_update_binary(t.db, 0, true, 1, 1000);
    dnp3_db_update_binary(t.db, 1, true, 1, 1010);
    dnp3_db_update_binary(t.db, 0, false, 1, 1000 + 70000); /* beyond 65535: new CTO */
    send_hex(&t, "C0 01 3C 02 06");
    expect_hex(&t, "E0 81 90 00"
                   " 33 02 07 01 E8 03 00 00 00 00"
                   " 02 03 28 02 00 00 00 81 00 00 01 00 81 0A 00"
                   " 33 02 07 01 58 15 01 00 00 00"
                   " 02 03 28 01 00 00 00 01 00 00");
    scn_teardown(&t);
}

/* g0v254: every attribute kept; octet strings g110. */
static void test_all_attributes_and_octets(void **state)
{
    (void)state;
    scn_t t;
    dnp3_db_config_t d;
    small_db(&d);
    d.count[DNP3_PT_OCTET_STRING] = 2;
    scn_setup(&t, &d, NULL);
    uint8_t buf[4096];
    send_hex(&t, "C0 01 00 FE 06");
    size_t n = take(&t, buf, sizeof buf);
    assert_true(n > 100);
    assert_int_equal(buf[0], 0xC0);
    assert_int_equal(buf[3], 0x00);
    assert_int_equal(buf[4], 0x00);
    assert_int_equal(buf[5], 209); /* the first attribute kept */
    dnp3_db_update_octet_string(t.db, 1, (const uint8_t *)"abc", 3, 0, 5);
    send_hex(&t, "C1 01 6E 00 06");
    /* a string never set reads as one zero byte */
    expect_hex(&t, "C1 81 92 00 6E 01 00 00 00 00 6E 03 00 01 01 61 62 63");
    scn_teardown(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_class0),
        cmocka_unit_test(test_class1_events_confirm),
        cmocka_unit_test(test_confirm_timeout),
        cmocka_unit_test(test_limited_count),
        cmocka_unit_test(test_event_groups),
        cmocka_unit_test(test_static_qualifiers),
        cmocka_unit_test(test_read_iin),
        cmocka_unit_test(test_device_attributes),
        cmocka_unit_test(test_multi_fragment),
        cmocka_unit_test(test_indexed_multi_fragment),
        cmocka_unit_test(test_overflow),
        cmocka_unit_test(test_events_two_fragments),
        cmocka_unit_test(test_classes_in_order_over_fragments),
        cmocka_unit_test(test_relative_time_events),
        cmocka_unit_test(test_all_attributes_and_octets),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
