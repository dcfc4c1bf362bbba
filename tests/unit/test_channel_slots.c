/* The channel's peer slot table in MONITOR mode (a decoder watching a
 * capture): any direction and destination accepted, nothing answered,
 * slots by (source, destination) in a table that grows on demand up to
 * max_peers, least-recently-used eviction beyond, and reassembly buffers
 * that grow only when a fragment needs them. */
#include "channel_harness.h"

#include "channel/channel_internal.h" /* sizeof(ch_slot_t): the table's growth */

#include "dnp3/link.h"
#include "dnp3/transport.h"

static harness_t *monitor(size_t peers)
{
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.mode = DNP3_CHANNEL_MODE_MONITOR;
    cfg.policy = DNP3_LINK_POLICY_DISCARD;
    cfg.max_peers = peers;
    cfg.rx_fragment_max = DNP3_FRAGMENT_SIZE_MAX;
    return h_new(&cfg);
}

/* Feeds one UNCONFIRMED_USER_DATA frame src -> dst carrying a segment. */
static void segment(harness_t *h, uint8_t control, uint16_t src, uint16_t dst, bool fir, bool fin,
                    uint8_t seq, size_t len)
{
    uint8_t seg[DNP3_TP_MAX_SEGMENT];
    uint8_t frame[DNP3_LINK_MAX_FRAME];
    seg[0] = dnp3_tp_header(fir, fin, seq);
    for (size_t i = 0; i < len; i++)
        seg[1 + i] = (uint8_t)(seq + i);
    int n = dnp3_link_frame_write(frame, sizeof frame, control, dst, src, seg, len + 1);
    assert_true(n > 0);
    h_feed(h, frame, (size_t)n);
}

static void any_direction_any_destination(void **state)
{
    (void)state;
    harness_t *h = monitor(4);
    size_t at = 0;
    segment(h, 0xC4, 1024, 1, true, true, 0, 5);    /* master -> outstation */
    segment(h, 0x44, 1, 1024, true, true, 0, 5);    /* outstation -> master */
    segment(h, 0xC4, 1024, 7, true, true, 1, 5);    /* someone else's outstation */
    h_feed_hex(h, "05 64 05 C9 01 00 00 04 A6 57"); /* link status request */
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT, DNP3_CHANNEL_EV_FRAGMENT, DNP3_CHANNEL_EV_FRAGMENT);
    assert_int_equal(h->ev[1].src, 1);
    assert_int_equal(h->ev[1].dst, 1024);
    assert_int_equal(h->ev[2].dst, 7);
    h_expect_no_output(h); /* a bystander never answers */
    assert_int_equal(dnp3_channel_send(h->ch, 0, 1, 2, (const uint8_t *)"\xC0\x01", 2, false),
                     DNP3_E_STATE);
    assert_int_equal(dnp3_channel_reset_link(h->ch, 0, 2), DNP3_E_STATE);
    dnp3_channel_counters_t c = h_counters(h);
    assert_int_equal(c.rx_user_data, 3);
    assert_int_equal(c.rx_link_control, 1);
    h_check_invariants(h);
    h_free(h);
}

static void lru_eviction_reports_bytes_lost(void **state)
{
    (void)state;
    harness_t *h = monitor(2);
    size_t m0 = dnp3_channel_memory(h->ch);
    size_t at = 0;
    segment(h, 0xC4, 1024, 1, true, true, 0, 5); /* A */
    segment(h, 0x44, 1, 1024, true, true, 0, 5); /* B */
    /* Single-segment fragments never need a buffer: only the table grew,
     * to one slot, then two. */
    assert_int_equal(dnp3_channel_memory(h->ch), m0 + 2 * sizeof(ch_slot_t));
    m0 += 2 * sizeof(ch_slot_t);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT, DNP3_CHANNEL_EV_FRAGMENT);

    segment(h, 0xC4, 7, 8, true, false, 0, 249); /* C: evicts A (LRU), idle */
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_SLOT_EVICTED);
    assert_int_equal(h->ev[2].src, 1024);
    assert_int_equal(h->ev[2].dst, 1);
    assert_int_equal(h->ev[2].bytes, 0);
    assert_int_equal(dnp3_channel_memory(h->ch), m0 + 512); /* first buffer */

    segment(h, 0xC4, 9, 10, true, true, 0, 5);   /* D: evicts B */
    segment(h, 0xC4, 1024, 1, true, true, 1, 5); /* A again: evicts C mid-fragment */
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_SLOT_EVICTED, DNP3_CHANNEL_EV_FRAGMENT,
             DNP3_CHANNEL_EV_SLOT_EVICTED, DNP3_CHANNEL_EV_FRAGMENT);
    assert_int_equal(h->ev[3].src, 1);
    assert_int_equal(h->ev[3].dst, 1024);
    assert_int_equal(h->ev[5].src, 7);
    assert_int_equal(h->ev[5].dst, 8);
    assert_int_equal(h->ev[5].bytes, 249);
    /* The buffer stays with the slot: no more memory, none given back. */
    assert_int_equal(dnp3_channel_memory(h->ch), m0 + 512);

    /* C's continuation finds nothing in progress. */
    segment(h, 0xC4, 7, 8, false, true, 1, 10);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_SLOT_EVICTED, DNP3_CHANNEL_EV_TP_DROP);
    assert_int_equal(h->ev[8].reason, DNP3_E_TP_NO_FIR);

    dnp3_channel_counters_t c = h_counters(h);
    assert_int_equal(c.evictions, 4);
    assert_int_equal(c.evicted_bytes, 249);
    /* Counters of evicted slots are kept. */
    assert_int_equal(c.transport.segments, 6);
    assert_int_equal(c.transport.fragments, 4);
    assert_int_equal(c.transport.no_fir, 1);
    h_check_invariants(h);
    h_free(h);
}

static void buffer_grows_to_fragment(void **state)
{
    (void)state;
    harness_t *h = monitor(1);
    size_t m0 = dnp3_channel_memory(h->ch);
    segment(h, 0x44, 1, 1024, true, false, 10, 249);
    segment(h, 0x44, 1, 1024, false, false, 11, 249);
    m0 += sizeof(ch_slot_t); /* a table of one slot (max_peers) */
    assert_int_equal(dnp3_channel_memory(h->ch), m0 + 512);
    segment(h, 0x44, 1, 1024, false, true, 12, 249);
    assert_int_equal(dnp3_channel_memory(h->ch), m0 + 1024);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_FRAGMENT);
    assert_int_equal(h->ev[0].len, 747);
    assert_int_equal(h->ev[0].data[0], 10);
    assert_int_equal(h->ev[0].data[249], 11);
    assert_int_equal(h->ev[0].data[746], (uint8_t)(12 + 248));
    h_free(h);
}

static void growth_stops_at_rx_max(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.mode = DNP3_CHANNEL_MODE_MONITOR;
    cfg.rx_fragment_max = 600;
    harness_t *h = h_new(&cfg);
    size_t m0 = dnp3_channel_memory(h->ch);
    segment(h, 0x44, 1, 1024, true, false, 0, 249);
    segment(h, 0x44, 1, 1024, false, false, 1, 249);
    segment(h, 0x44, 1, 1024, false, true, 2, 249); /* 747 > 600 */
    /* No growth for a fragment that cannot fit anyway. */
    assert_int_equal(dnp3_channel_memory(h->ch), m0 + sizeof(ch_slot_t) + 512);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_TP_DROP);
    assert_int_equal(h->ev[0].reason, DNP3_E_TP_OVERFLOW);
    assert_int_equal(h->ev[0].bytes, 747);
    h_free(h);
}

/* ---- a table that grows, a small channel, what it holds, pointer lifetime ---- */

/* 300 address pairs interleaved on one MONITOR channel, each a fragment in
 * two segments: the table grows (1, 2, 4, ... 512 slots) instead of evicting,
 * and every fragment completes. */
static void table_grows_on_demand(void **state)
{
    (void)state;
    harness_t *h = monitor(100000);
    size_t m0 = dnp3_channel_memory(h->ch);
    for (int fin = 0; fin < 2; fin++) {
        for (uint16_t k = 0; k < 300; k++)
            segment(h, 0xC4, (uint16_t)(10 + k), (uint16_t)(2000 + k), !fin, fin, (uint8_t)fin, 5);
    }
    dnp3_channel_counters_t c = h_counters(h);
    assert_int_equal(c.fragments_rx, 300);
    assert_int_equal(c.evictions, 0);
    assert_int_equal(h->n, 300);
    assert_int_equal(dnp3_channel_memory(h->ch), m0 + 512 * sizeof(ch_slot_t) + 300 * 512);
    h_check_invariants(h);
    h_free(h);
}

/* At max_peers the table stops growing and the least recently used slot
 * goes, as before. */
static void table_stops_at_max_peers(void **state)
{
    (void)state;
    harness_t *h = monitor(3);
    for (uint16_t k = 0; k < 4; k++)
        segment(h, 0xC4, (uint16_t)(10 + k), 1, true, false, 0, 5);
    size_t at = 0;
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_SLOT_EVICTED);
    assert_int_equal(h->ev[0].src, 10);
    assert_int_equal(h->ev[0].bytes, 5);
    assert_int_equal(h_counters(h).evictions, 1);
    h_free(h);
}

/* A MONITOR channel holds no station parts: the struct, its four-event
 * queue and the parser's user data after it, nothing else until frames
 * come. A SESSION channel's memory
 * is the struct, 16 queued events after it, the station block with the tx
 * buffer, every slot with its buffer. */
static void monitor_channel_is_small(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.mode = DNP3_CHANNEL_MODE_MONITOR;
    dnp3_channel_t *ch = dnp3_channel_new(&cfg, NULL);
    size_t mon = sizeof(dnp3_channel_t) + CH_EVENT_QUEUE_MONITOR * sizeof(ch_event_t) +
                 DNP3_LINK_MAX_USER_DATA + DNP3_LINK_MAX_FRAME;
    assert_int_equal(dnp3_channel_memory(ch), mon);
    dnp3_channel_free(ch);

    cfg.mode = DNP3_CHANNEL_MODE_SESSION;
    cfg.max_peers = 3;
    ch = dnp3_channel_new(&cfg, NULL);
    assert_int_equal(dnp3_channel_memory(ch),
                     sizeof(dnp3_channel_t) + CH_EVENT_QUEUE * sizeof(ch_event_t) +
                         DNP3_LINK_MAX_USER_DATA + DNP3_LINK_MAX_FRAME + sizeof(ch_session_t) +
                         cfg.tx_fragment_max + 3 * (sizeof(ch_slot_t) + cfg.rx_fragment_max));
    dnp3_channel_free(ch);
}

/* What dropping a channel would lose: part of a frame, a garbage run not
 * yet reported, partial fragments of two pairs. */
static void pending_says_what_is_held(void **state)
{
    (void)state;
    harness_t *h = monitor(8);
    dnp3_channel_pending_t p;
    dnp3_channel_pending(h->ch, &p);
    assert_int_equal(p.frame_bytes + p.discard_bytes + p.fragments + p.fragment_bytes, 0);

    segment(h, 0xC4, 1, 1024, true, false, 0, 5);  /* 5 bytes of a fragment */
    segment(h, 0x44, 1024, 1, true, false, 0, 30); /* 30 of another */
    segment(h, 0x44, 1024, 2, true, true, 0, 30);  /* whole: not held */
    h_feed_hex(h, "00 11 22");                     /* garbage, not reported yet */
    dnp3_channel_pending(h->ch, &p);
    assert_int_equal(p.discard_bytes, 3);
    h_feed_hex(h, "05 64 05 C0 01 00 00 04 E9"); /* 9 bytes of a frame */
    dnp3_channel_pending(h->ch, &p);
    assert_int_equal(p.frame_bytes, 9);
    assert_int_equal(p.discard_bytes, 0); /* reported when the frame start was found */
    assert_int_equal(p.fragments, 2);
    assert_int_equal(p.fragment_bytes, 35);

    dnp3_channel_pending(NULL, &p);
    assert_int_equal(p.frame_bytes + p.fragments, 0);
    dnp3_channel_pending(h->ch, NULL); /* nothing to fill */
    h_free(h);
}

/* A frame whose FIR restarts a partial fragment and completes a new one
 * gives FRAME, TP_DROP, FRAGMENT: the first two say more follow, and the
 * FRAME event's user data is still intact when the FRAGMENT comes out. */
static void frame_pointers_live_until_last_event(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.mode = DNP3_CHANNEL_MODE_MONITOR;
    cfg.report_frames = true;
    dnp3_channel_t *ch = dnp3_channel_new(&cfg, NULL);
    uint8_t wire[2 * DNP3_LINK_MAX_FRAME];
    static const uint8_t part[] = {0x40, 0xC0, 0x81}, whole[] = {0xC1, 0xC1, 0x81, 0x00, 0x00};
    int a = dnp3_link_frame_write(wire, sizeof wire, 0x44, 1, 1024, part, sizeof part);
    int b = dnp3_link_frame_write(wire + a, sizeof wire - (size_t)a, 0x44, 1, 1024, whole,
                                  sizeof whole);
    /* Both frames in one call, then another copy of the first frame right
     * behind, so the parser would overwrite its user data if fed early. */
    memcpy(wire + a + b, wire, (size_t)a);
    size_t len = (size_t)(2 * a + b), used = 0;
    dnp3_channel_event_t ev, frame = {0};
    dnp3_channel_event_kind_t kinds[8];
    bool more[8];
    size_t n = 0;
    for (;;) {
        used += dnp3_channel_on_bytes(ch, 0, wire + used, len - used, &ev);
        if (ev.kind == DNP3_CHANNEL_EV_NONE)
            break;
        assert_true(n < 8);
        kinds[n] = ev.kind;
        more[n++] = ev.more;
        if (ev.kind == DNP3_CHANNEL_EV_FRAME && ev.frame.user[0] == whole[0])
            frame = ev;
        if (ev.kind == DNP3_CHANNEL_EV_FRAGMENT) {
            assert_ptr_equal(ev.frame.user, frame.frame.user);
            assert_memory_equal(frame.frame.user, whole, sizeof whole);
            assert_memory_equal(ev.data, whole + 1, sizeof whole - 1);
        }
    }
    assert_int_equal(n, 5);
    assert_int_equal(kinds[0], DNP3_CHANNEL_EV_FRAME);
    assert_false(more[0]); /* the first frame's only event */
    assert_int_equal(kinds[1], DNP3_CHANNEL_EV_FRAME);
    assert_true(more[1]);
    assert_int_equal(kinds[2], DNP3_CHANNEL_EV_TP_DROP);
    assert_true(more[2]);
    assert_int_equal(kinds[3], DNP3_CHANNEL_EV_FRAGMENT);
    assert_false(more[3]);
    assert_int_equal(kinds[4], DNP3_CHANNEL_EV_FRAME);
    assert_false(more[4]);
    dnp3_channel_free(ch);
}

/* SESSION: a multi-drop master (1024) with outstations 1 and 2, each with
 * its own link state and keep-alive clock. */
static void multi_drop_master(void **state)
{
    (void)state;
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.local[0] = 1024;
    cfg.max_peers = 2;
    cfg.keepalive_ms = 10000;
    cfg.confirm_retries = 0;
    harness_t *h = h_new(&cfg);
    size_t m0 = dnp3_channel_memory(h->ch);
    size_t at = 0;
    assert_int_equal(dnp3_channel_reset_link(h->ch, h->now, 1), DNP3_OK);
    h_expect_output_hex(h, "05 64 05 C0 01 00 00 04 E9 21");
    h_feed_hex(h, "05 64 05 00 00 04 01 00 19 A6");
    h->now = 4000;
    assert_int_equal(dnp3_channel_reset_link(h->ch, h->now, 2), DNP3_OK);
    h_expect_output_hex(h, "05 64 05 C0 02 00 00 04 A8 2B");
    h_feed_hex(h, "05 64 05 00 00 04 02 00 B2 16");
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_LINK_RESET_DONE, DNP3_CHANNEL_EV_LINK_RESET_DONE);
    assert_int_equal(h->ev[0].src, 1);
    assert_int_equal(h->ev[1].src, 2);
    /* A third outstation finds no slot. */
    assert_int_equal(dnp3_channel_reset_link(h->ch, h->now, 3), DNP3_E_NOSPACE);
    /* Outstation 1 was last heard at 0, outstation 2 at 4000. */
    assert_int_equal(dnp3_channel_next_deadline(h->ch), 10000);
    h->now = 10000;
    h_timer(h);
    h_expect_output_hex(h, "05 64 05 C9 01 00 00 04 A6 57");
    h->now = 12000; /* no answer from 1 */
    h_timer(h);
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_KEEPALIVE_FAILED);
    assert_int_equal(h->ev[2].src, 1);
    /* Then outstation 2's turn (due since 14000). */
    h->now = 14000;
    h_timer(h);
    h_expect_output_hex(h, "05 64 05 C9 02 00 00 04 E7 5D");
    h_feed_hex(h, "05 64 05 0B 00 04 02 00 F1 26");
    H_EXPECT(h, &at, DNP3_CHANNEL_EV_KEEPALIVE_OK);
    assert_int_equal(h->ev[3].src, 2);
    /* Nothing was allocated along the way. */
    assert_int_equal(dnp3_channel_memory(h->ch), m0);
    h_free(h);
}

static void names(void **state)
{
    (void)state;
    assert_string_equal(dnp3_channel_event_name(DNP3_CHANNEL_EV_FRAGMENT), "FRAGMENT");
    assert_string_equal(dnp3_channel_event_name(DNP3_CHANNEL_EV_SLOT_EVICTED), "SLOT_EVICTED");
    assert_string_equal(dnp3_channel_event_name((dnp3_channel_event_kind_t)99), "UNKNOWN");
    assert_string_equal(dnp3_channel_ignore_name(DNP3_CHANNEL_IGNORE_DUPLICATE), "DUPLICATE");
    assert_string_equal(dnp3_channel_ignore_name(0), "UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(any_direction_any_destination),
        cmocka_unit_test(lru_eviction_reports_bytes_lost),
        cmocka_unit_test(buffer_grows_to_fragment),
        cmocka_unit_test(growth_stops_at_rx_max),
        cmocka_unit_test(multi_drop_master),
        cmocka_unit_test(names),
        cmocka_unit_test(table_grows_on_demand),
        cmocka_unit_test(table_stops_at_max_peers),
        cmocka_unit_test(monitor_channel_is_small),
        cmocka_unit_test(pending_says_what_is_held),
        cmocka_unit_test(frame_pointers_live_until_last_event),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
