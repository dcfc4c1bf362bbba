/* The link layer's secondary station (IEEE 1815-2012 9.2.6): answers the
 * peer's primary frames, one state per slot.
 *
 * - REQUEST_LINK_STATUS: LINK_STATUS, in any state.
 * - RESET_LINK_STATES: ACK; the link is reset and the next confirmed frame
 *   must carry FCB=1.
 * - TEST_LINK_STATES and CONFIRMED_USER_DATA: ignored (no answer) until the
 *   link was reset. Then: FCB as expected -> ACK, toggle the expected FCB
 *   (and pass the data up); FCB of the previous frame -> the peer missed our
 *   ACK and repeats itself: ACK again, and the data is NOT passed up twice.
 * - UNCONFIRMED_USER_DATA: passed up, never answered.
 * - Anything else: NOT_SUPPORTED.
 * Broadcast destinations (0xFFFD..0xFFFF) are never answered; only user
 * data is accepted from them, and confirmed data to a broadcast address is
 * passed up without FCB checks (nobody may ACK it). */
#include "channel/channel_internal.h"

void dnp3i_channel_reply(dnp3_channel_t *ch, const ch_slot_t *s, uint8_t func)
{
    if (ch->ses->rp_count == CH_REPLY_QUEUE) {
        ch->counters.replies_dropped++;
        return;
    }
    ch_reply_t *r = &ch->ses->replies[(ch->ses->rp_head + ch->ses->rp_count) % CH_REPLY_QUEUE];
    r->control = dnp3_link_control(dnp3i_channel_our_dir(ch), false, false, false, func);
    r->dst = s->remote;
    r->src = s->local;
    ch->ses->rp_count++;
}

static void ignored(dnp3_channel_t *ch, const dnp3_link_frame_t *f, int reason)
{
    dnp3i_channel_push_frame(ch, DNP3_CHANNEL_EV_IGNORED, f, reason);
}

static void peer_reset(dnp3_channel_t *ch, ch_slot_t *s, const dnp3_link_frame_t *f)
{
    s->sec_reset = true;
    s->sec_fcb = true;
    ch->counters.peer_resets++;
    ch->hot.rx_link_control++;
    dnp3i_channel_reply(ch, s, DNP3_LINK_ACK);
    dnp3i_channel_push_frame(ch, DNP3_CHANNEL_EV_PEER_RESET, f, 0);
}

/* TEST_LINK_STATES / CONFIRMED_USER_DATA after a reset: true when the FCB
 * is the expected one (a new frame). Both cases are acknowledged. */
static bool fcb_check(dnp3_channel_t *ch, ch_slot_t *s, const dnp3_link_frame_t *f)
{
    dnp3i_channel_reply(ch, s, DNP3_LINK_ACK);
    if (dnp3_link_hdr_fcb(&f->hdr) != s->sec_fcb) {
        ch->counters.duplicates++;
        ignored(ch, f, DNP3_CHANNEL_IGNORE_DUPLICATE);
        return false;
    }
    s->sec_fcb = !s->sec_fcb;
    return true;
}

static void confirmed(dnp3_channel_t *ch, ch_slot_t *s, const dnp3_link_frame_t *f, bool broadcast)
{
    if (broadcast) {
        dnp3i_channel_deliver(ch, s, f);
        return;
    }
    if (!s->sec_reset) {
        ch->counters.ignored_not_reset++;
        ignored(ch, f, DNP3_CHANNEL_IGNORE_NOT_RESET);
        return;
    }
    if (fcb_check(ch, s, f))
        dnp3i_channel_deliver(ch, s, f);
}

static void test_states(dnp3_channel_t *ch, ch_slot_t *s, const dnp3_link_frame_t *f)
{
    if (!s->sec_reset) {
        ch->counters.ignored_not_reset++;
        ignored(ch, f, DNP3_CHANNEL_IGNORE_NOT_RESET);
        return;
    }
    if (fcb_check(ch, s, f))
        ch->hot.rx_link_control++;
}

void dnp3i_channel_secondary(dnp3_channel_t *ch, ch_slot_t *s, const dnp3_link_frame_t *f,
                             bool broadcast)
{
    uint8_t func = dnp3_link_hdr_func(&f->hdr);
    bool user_data =
        func == DNP3_LINK_CONFIRMED_USER_DATA || func == DNP3_LINK_UNCONFIRMED_USER_DATA;
    if (broadcast && !user_data) {
        ch->counters.ignored_broadcast++;
        ignored(ch, f, DNP3_CHANNEL_IGNORE_BROADCAST);
        return;
    }
    switch (func) {
    case DNP3_LINK_RESET_LINK_STATES:
        peer_reset(ch, s, f);
        break;
    case DNP3_LINK_TEST_LINK_STATES:
        test_states(ch, s, f);
        break;
    case DNP3_LINK_CONFIRMED_USER_DATA:
        confirmed(ch, s, f, broadcast);
        break;
    case DNP3_LINK_UNCONFIRMED_USER_DATA:
        dnp3i_channel_deliver(ch, s, f);
        break;
    case DNP3_LINK_REQUEST_LINK_STATUS:
        ch->hot.rx_link_control++;
        dnp3i_channel_reply(ch, s, DNP3_LINK_LINK_STATUS);
        break;
    default:
        ch->counters.ignored_function++;
        ignored(ch, f, DNP3_CHANNEL_IGNORE_FUNCTION);
        dnp3i_channel_reply(ch, s, DNP3_LINK_NOT_SUPPORTED);
        break;
    }
}
