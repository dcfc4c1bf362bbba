/* The send path's output: whole frames into the caller's buffer, link
 * replies first (a peer's primary station is waiting for them), then our
 * primary station's request, then unconfirmed user data. */
#include <string.h>

#include "channel/channel_internal.h"

static void count_out(dnp3_channel_t *ch, size_t n)
{
    ch->counters.frames_tx++;
    ch->counters.bytes_tx += n;
}

static size_t write_replies(dnp3_channel_t *ch, uint8_t *buf, size_t cap)
{
    size_t w = 0;
    while (ch->ses->rp_count > 0 && cap - w >= DNP3_LINK_HEADER_SIZE) {
        const ch_reply_t *r = &ch->ses->replies[ch->ses->rp_head];
        dnp3_link_frame_write(buf + w, DNP3_LINK_HEADER_SIZE, r->control, r->dst, r->src, NULL, 0);
        ch->ses->rp_head = (ch->ses->rp_head + 1) % CH_REPLY_QUEUE;
        ch->ses->rp_count--;
        w += DNP3_LINK_HEADER_SIZE;
        count_out(ch, DNP3_LINK_HEADER_SIZE);
    }
    return w;
}

/* The primary request frame; its confirm timeout runs from now on. */
static size_t write_request(dnp3_channel_t *ch, dnp3_timestamp_t now, uint8_t *buf, size_t cap)
{
    ch_primary_t *p = &ch->ses->pri;
    if (!p->frame_pending || cap < p->frame_len)
        return 0;
    if (p->state == CH_PRI_DATA) {
        uint8_t user[DNP3_TP_MAX_SEGMENT];
        if (p->user_len > 0) {
            user[0] = p->th;
            memcpy(user + 1, p->data, p->user_len - 1);
        }
        dnp3_link_frame_write(buf, cap, p->control, p->dst, p->src, user, p->user_len);
    } else {
        memcpy(buf, p->frame, p->frame_len);
    }
    p->frame_pending = false;
    if (p->tries++ > 0)
        ch->counters.retries++;
    uint32_t t = ch->cfg.confirm_timeout_ms;
    p->deadline = now <= DNP3_TIMESTAMP_NEVER - t ? now + t : DNP3_TIMESTAMP_NEVER - 1;
    count_out(ch, p->frame_len);
    return p->frame_len;
}

/* Unconfirmed user data: as many whole frames as fit. */
size_t dnp3i_channel_write_data(dnp3_channel_t *ch, uint8_t *buf, size_t cap)
{
    ch_tx_t *tx = &ch->ses->tx;
    size_t w = 0;
    if (tx->kind != CH_TX_UNCONFIRMED)
        return 0;
    uint8_t control = dnp3_link_control(dnp3i_channel_our_dir(ch), true, false, false,
                                        DNP3_LINK_UNCONFIRMED_USER_DATA);
    while (tx->kind == CH_TX_UNCONFIRMED) {
        size_t left = tx->seg.len - tx->seg.pos;
        size_t chunk = left < DNP3_TP_MAX_PAYLOAD ? left : DNP3_TP_MAX_PAYLOAD;
        size_t size = dnp3_link_frame_size(chunk + 1);
        if (cap - w < size)
            break;
        uint8_t seg[DNP3_TP_MAX_SEGMENT];
        int n = dnp3_tp_segmenter_next(&tx->seg, seg, sizeof seg);
        tx->seq = dnp3_tp_segmenter_next_seq(&tx->seg);
        int f = dnp3_link_frame_write(buf + w, cap - w, control, tx->dst, tx->src, seg,
                                      n > 0 ? (size_t)n : 0);
        if (f > 0) {
            w += (size_t)f;
            count_out(ch, (size_t)f);
        }
        if (dnp3_tp_segmenter_done(&tx->seg)) {
            dnp3i_channel_tx_end(ch);
            ch->counters.fragments_tx++;
            ch_event_t *ev = dnp3i_channel_push(ch, DNP3_CHANNEL_EV_TX_DONE);
            if (ev) {
                ev->src = tx->src;
                ev->dst = tx->dst;
            }
        }
    }
    return w;
}

/* A borrowed fragment (dnp3i_channel_send_borrowed) must be all out when
 * take_output returns: the caller's bytes are gone afterwards. Should its
 * caller have left too little room, the rest moves into a pool buffer;
 * with none free the fragment is abandoned (SEND_FAILED). */
static void keep_borrowed_rest(dnp3_channel_t *ch)
{
    ch_tx_t *tx = &ch->ses->tx;
    if (!tx->borrowed || tx->kind != CH_TX_UNCONFIRMED)
        return;
    tx->borrowed = false;
    uint8_t *keep = dnp3i_fragment_pool_take(ch->pool);
    if (!keep) {
        ch->counters.send_failures++;
        ch_event_t *ev = dnp3i_channel_push(ch, DNP3_CHANNEL_EV_SEND_FAILED);
        if (ev) {
            ev->src = tx->dst; /* the peer, as for a confirmed send */
            ev->dst = tx->src;
            ev->reason = DNP3_E_TP_POOL_EMPTY;
        }
        dnp3i_channel_tx_end(ch);
        return;
    }
    size_t rest = tx->seg.len - tx->seg.pos;
    memcpy(keep, tx->seg.apdu + tx->seg.pos, rest);
    tx->pool_buf = keep;
    /* The segmenter carries on over the copy: same SEQ, FIR already sent. */
    tx->seg.apdu = keep;
    tx->seg.len = rest;
    tx->seg.pos = 0;
}

size_t dnp3_channel_take_output(dnp3_channel_t *ch, dnp3_timestamp_t now, uint8_t *buf, size_t cap)
{
    if (!ch || !buf || !ch->ses)
        return 0;
    size_t w = write_replies(ch, buf, cap);
    if (ch->ses->rp_count == 0) { /* keep the order: nothing may overtake a reply */
        size_t n = ch->ses->pri.frame_pending ? write_request(ch, now, buf + w, cap - w) : 0;
        w += n;
        if (n > 0 || !ch->ses->pri.frame_pending)
            w += dnp3i_channel_write_data(ch, buf + w, cap - w);
    }
    keep_borrowed_rest(ch);
    return w;
}

bool dnp3_channel_want_write(const dnp3_channel_t *ch)
{
    return ch && dnp3i_channel_want_write(ch);
}
