/* The link layer's primary station (IEEE 1815-2012 9.2.6): requests that
 * wait for an answer - RESET_LINK_STATES and CONFIRMED_USER_DATA (ACK),
 * REQUEST_LINK_STATUS (LINK_STATUS) - one at a time, each resent after the
 * confirm timeout up to confirm_retries times.
 *
 * Confirmed user data follows the frame count bit rules: the first
 * confirmed frame after a reset carries FCB=1, each acknowledged frame
 * toggles it, and a frame resent after a timeout keeps its FCB so the
 * secondary can tell a repeat from a new frame. A NACK or NOT_SUPPORTED
 * answer, or silence after the last retry, fails the request at once and
 * marks the peer's link as not reset (the next confirmed send resets it).
 *
 * Keep-alive: when keepalive_ms passed without a frame from a peer, a
 * REQUEST_LINK_STATUS goes out; LINK_STATUS is success, silence after the
 * retries is failure (the peer is presumed dead; the idle period restarts). */
#include <string.h>

#include "channel/channel_internal.h"

static ch_slot_t *pri_slot(dnp3_channel_t *ch)
{
    return &ch->slots[ch->ses->pri.slot];
}

static void push_peer(dnp3_channel_t *ch, dnp3_channel_event_kind_t kind, const ch_slot_t *s)
{
    ch_event_t *ev = dnp3i_channel_push(ch, kind);
    if (ev) {
        ev->src = s->remote;
        ev->dst = s->local;
    }
}

/* Queues a request frame without user data for take_output. */
static void start_request(dnp3_channel_t *ch, ch_pri_state_t state, ch_slot_t *s, uint8_t func)
{
    ch_primary_t *p = &ch->ses->pri;
    p->state = state;
    p->slot = (size_t)(s - ch->slots);
    p->keepalive = state == CH_PRI_STATUS;
    p->frame_pending = true;
    p->deadline = DNP3_TIMESTAMP_NEVER;
    p->tries = 0;
    uint8_t control = dnp3_link_control(dnp3i_channel_our_dir(ch), true, false, false, func);
    p->frame_len = (size_t)dnp3_link_frame_write(p->frame, sizeof p->frame, control, s->remote,
                                                 s->local, NULL, 0);
}

/* Queues the next segment of the fragment as CONFIRMED_USER_DATA. */
static void start_data(dnp3_channel_t *ch, ch_slot_t *s)
{
    ch_primary_t *p = &ch->ses->pri;
    const dnp3_tp_segmenter_t *g = &ch->ses->tx.seg;
    const uint8_t *payload = g->apdu + g->pos; /* the segment's bytes, kept until tx ends */
    uint8_t seg[DNP3_TP_MAX_SEGMENT];
    int n = dnp3_tp_segmenter_next(&ch->ses->tx.seg, seg, sizeof seg);
    ch->ses->tx.seq = dnp3_tp_segmenter_next_seq(&ch->ses->tx.seg);
    p->state = CH_PRI_DATA;
    p->slot = (size_t)(s - ch->slots);
    p->keepalive = false;
    p->frame_pending = true;
    p->deadline = DNP3_TIMESTAMP_NEVER;
    p->tries = 0;
    p->control = dnp3_link_control(dnp3i_channel_our_dir(ch), true, s->pri_fcb, true,
                                   DNP3_LINK_CONFIRMED_USER_DATA);
    p->th = seg[0];
    p->dst = s->remote;
    p->src = s->local;
    p->user_len = n > 0 ? (size_t)n : 0;
    p->data = payload;
    p->frame_len = dnp3_link_frame_size(p->user_len);
}

static void tx_done(dnp3_channel_t *ch)
{
    ch->counters.fragments_tx++;
    ch_event_t *ev = dnp3i_channel_push(ch, DNP3_CHANNEL_EV_TX_DONE);
    if (ev) {
        ev->src = ch->ses->tx.src;
        ev->dst = ch->ses->tx.dst;
    }
    dnp3i_channel_tx_end(ch);
}

/* Starts the next step of a confirmed send or a link reset once the
 * primary station is free. */
static void kick(dnp3_channel_t *ch)
{
    if (ch->ses->pri.state != CH_PRI_IDLE)
        return;
    if (ch->ses->tx.kind != CH_TX_CONFIRMED && ch->ses->tx.kind != CH_TX_RESET_ONLY)
        return;
    ch_slot_t *s = dnp3i_channel_slot_find(ch, ch->ses->tx.src, ch->ses->tx.dst);
    if (!s) {
        dnp3i_channel_tx_end(ch);
        return;
    }
    if (ch->ses->tx.kind == CH_TX_RESET_ONLY || !s->pri_reset)
        start_request(ch, CH_PRI_RESET, s, DNP3_LINK_RESET_LINK_STATES);
    else if (!dnp3_tp_segmenter_done(&ch->ses->tx.seg))
        start_data(ch, s);
    else
        tx_done(ch);
}

static void idle(dnp3_channel_t *ch)
{
    ch->ses->pri.state = CH_PRI_IDLE;
    ch->ses->pri.frame_pending = false;
    ch->ses->pri.deadline = DNP3_TIMESTAMP_NEVER;
}

/* The request failed: no answer after the retries, NACK or NOT_SUPPORTED. */
static void fail(dnp3_channel_t *ch, dnp3_timestamp_t now)
{
    ch_slot_t *s = pri_slot(ch);
    if (ch->ses->pri.state == CH_PRI_STATUS) {
        ch->counters.keepalive_failures++;
        push_peer(ch, DNP3_CHANNEL_EV_KEEPALIVE_FAILED, s);
        s->last_rx = now;
    } else {
        ch->counters.send_failures++;
        push_peer(ch, DNP3_CHANNEL_EV_SEND_FAILED, s);
        s->pri_reset = false;
        dnp3i_channel_tx_end(ch);
    }
    idle(ch);
}

static void on_ack(dnp3_channel_t *ch, ch_slot_t *s)
{
    if (ch->ses->pri.state == CH_PRI_RESET) {
        s->pri_reset = true;
        s->pri_fcb = true;
        push_peer(ch, DNP3_CHANNEL_EV_LINK_RESET_DONE, s);
        if (ch->ses->tx.kind == CH_TX_RESET_ONLY)
            dnp3i_channel_tx_end(ch);
    } else {
        s->pri_fcb = !s->pri_fcb;
    }
    idle(ch);
    kick(ch);
}

void dnp3i_channel_primary_on_reply(dnp3_channel_t *ch, ch_slot_t *s, const dnp3_link_frame_t *f,
                                    dnp3_timestamp_t now)
{
    ch_primary_t *p = &ch->ses->pri;
    uint8_t func = dnp3_link_hdr_func(&f->hdr);
    bool waiting = p->state != CH_PRI_IDLE && !p->frame_pending && pri_slot(ch) == s;
    bool wants_ack = p->state == CH_PRI_RESET || p->state == CH_PRI_DATA;
    if (func == DNP3_LINK_NACK)
        ch->counters.nacks++;
    else if (func == DNP3_LINK_NOT_SUPPORTED)
        ch->counters.not_supported++;
    bool handled = false;
    if (waiting) {
        handled = true;
        if (func == DNP3_LINK_ACK && wants_ack)
            on_ack(ch, s);
        else if (func == DNP3_LINK_LINK_STATUS && p->state == CH_PRI_STATUS) {
            push_peer(ch, DNP3_CHANNEL_EV_KEEPALIVE_OK, s);
            idle(ch);
            kick(ch);
        } else if (func == DNP3_LINK_NACK || func == DNP3_LINK_NOT_SUPPORTED) {
            fail(ch, now);
            kick(ch);
        } else {
            handled = false;
        }
    }
    if (handled) {
        ch->hot.rx_link_control++;
        return;
    }
    ch->counters.ignored_unexpected++;
    dnp3i_channel_push_frame(ch, DNP3_CHANNEL_EV_IGNORED, f, DNP3_CHANNEL_IGNORE_UNEXPECTED);
}

static void keepalive_check(dnp3_channel_t *ch, dnp3_timestamp_t now)
{
    uint32_t period = ch->cfg.keepalive_ms;
    if (period == 0 || ch->ses->pri.state != CH_PRI_IDLE ||
        ch->cfg.mode != DNP3_CHANNEL_MODE_SESSION)
        return;
    for (size_t i = 0, n = dnp3i_channel_slot_span(ch); i < n; i++) {
        ch_slot_t *s = &ch->slots[i];
        if (s->used && now >= s->last_rx && now - s->last_rx >= period) {
            ch->counters.keepalives++;
            start_request(ch, CH_PRI_STATUS, s, DNP3_LINK_REQUEST_LINK_STATUS);
            return;
        }
    }
}

void dnp3i_channel_primary_timer(dnp3_channel_t *ch, dnp3_timestamp_t now)
{
    if (!ch->ses)
        return; /* MONITOR: no primary station */
    ch_primary_t *p = &ch->ses->pri;
    if (p->state != CH_PRI_IDLE && !p->frame_pending && now >= p->deadline) {
        ch->counters.timeouts++;
        if (p->tries <= ch->cfg.confirm_retries) {
            /* Resend the same frame: same FCB, same segment. */
            p->frame_pending = true;
            p->deadline = DNP3_TIMESTAMP_NEVER;
        } else {
            fail(ch, now);
            kick(ch);
        }
    }
    keepalive_check(ch, now);
}

dnp3_timestamp_t dnp3i_channel_primary_deadline(const dnp3_channel_t *ch)
{
    if (!ch->ses)
        return DNP3_TIMESTAMP_NEVER;
    const ch_primary_t *p = &ch->ses->pri;
    if (p->state != CH_PRI_IDLE)
        return p->frame_pending ? DNP3_TIMESTAMP_NEVER : p->deadline;
    uint32_t period = ch->cfg.keepalive_ms;
    if (period == 0 || ch->cfg.mode != DNP3_CHANNEL_MODE_SESSION)
        return DNP3_TIMESTAMP_NEVER;
    dnp3_timestamp_t next = DNP3_TIMESTAMP_NEVER;
    for (size_t i = 0, n = dnp3i_channel_slot_span(ch); i < n; i++) {
        const ch_slot_t *s = &ch->slots[i];
        if (s->used && s->last_rx <= DNP3_TIMESTAMP_NEVER - period)
            next = dnp3_timestamp_min(next, s->last_rx + period);
    }
    return next;
}

void dnp3i_channel_primary_forget(dnp3_channel_t *ch)
{
    if (ch->ses)
        idle(ch);
}

void dnp3i_channel_primary_slot_gone(dnp3_channel_t *ch, size_t index)
{
    if (ch->ses && ch->ses->pri.state != CH_PRI_IDLE && ch->ses->pri.slot == index)
        idle(ch);
}

/* ---- public entry points ------------------------------------------------------- */

void dnp3i_channel_tx_end(dnp3_channel_t *ch)
{
    ch_tx_t *tx = &ch->ses->tx;
    tx->kind = CH_TX_NONE;
    tx->borrowed = false;
    if (tx->pool_buf) {
        dnp3i_fragment_pool_give(ch->pool, tx->pool_buf);
        tx->pool_buf = NULL;
    }
}

bool dnp3i_channel_pooled(const dnp3_channel_t *ch)
{
    return ch->pool != NULL;
}

size_t dnp3i_channel_pool_buffers(const dnp3_channel_t *ch)
{
    return ch->pool ? dnp3i_fragment_pool_count(ch->pool) : 0;
}

uint8_t *dnp3i_channel_tx_buffer(dnp3_channel_t *ch)
{
    if (!ch || !ch->ses)
        return NULL;
    ch_tx_t *tx = &ch->ses->tx;
    if (!ch->pool)
        return tx->own;
    if (!tx->pool_buf)
        tx->pool_buf = dnp3i_fragment_pool_take(ch->pool);
    return tx->pool_buf;
}

void dnp3i_channel_tx_unused(dnp3_channel_t *ch)
{
    if (ch && ch->ses && ch->ses->tx.kind == CH_TX_NONE)
        dnp3i_channel_tx_end(ch);
}

size_t dnp3i_channel_framed_size(size_t len)
{
    size_t full = len / DNP3_TP_MAX_PAYLOAD, rest = len % DNP3_TP_MAX_PAYLOAD;
    size_t n = full * dnp3_link_frame_size(DNP3_TP_MAX_SEGMENT);
    return rest ? n + dnp3_link_frame_size(rest + 1) : n;
}

size_t dnp3i_channel_out_slack(void)
{
    return DNP3_LINK_MAX_FRAME + CH_REPLY_QUEUE * DNP3_LINK_HEADER_SIZE;
}

bool dnp3_channel_can_send(const dnp3_channel_t *ch)
{
    return ch && dnp3i_channel_can_send(ch);
}

/* Reserved destinations (0xFFF0..0xFFFB) and the self address are never
 * sent to: 9.2.4.1.4 gives them no station. */
static bool dst_reserved(uint16_t dst)
{
    return dst >= 0xFFF0 && !dnp3_link_addr_is_broadcast(dst);
}

/* The slot a request to dst goes through; its idle clock starts now. */
static ch_slot_t *tx_slot(dnp3_channel_t *ch, uint16_t src, uint16_t dst, dnp3_timestamp_t now)
{
    bool fresh = dnp3i_channel_slot_find(ch, src, dst) == NULL;
    ch_slot_t *s = dnp3i_channel_slot_get(ch, src, dst, NULL);
    if (s && fresh)
        s->last_rx = now;
    return s;
}

/* What both ways of sending refuse: bad arguments, a channel that cannot
 * send now, a fragment too long, an address not ours to send from or a
 * reserved destination. */
static int send_check(const dnp3_channel_t *ch, uint16_t src, uint16_t dst, const uint8_t *apdu,
                      size_t len)
{
    if (!ch || !apdu || len == 0)
        return DNP3_E_INVALID_ARG;
    if (!dnp3_channel_can_send(ch))
        return DNP3_E_STATE;
    if (len > ch->cfg.tx_fragment_max || !dnp3i_channel_is_local(ch, src) || dst_reserved(dst))
        return DNP3_E_INVALID_ARG;
    return DNP3_OK;
}

int dnp3_channel_send(dnp3_channel_t *ch, dnp3_timestamp_t now, uint16_t src, uint16_t dst,
                      const uint8_t *apdu, size_t len, bool confirmed)
{
    int err = send_check(ch, src, dst, apdu, len);
    if (err)
        return err;
    if (dnp3_link_addr_is_broadcast(dst))
        confirmed = false; /* nobody may ACK a broadcast (9.2.6) */
    if (confirmed && !tx_slot(ch, src, dst, now))
        return DNP3_E_NOSPACE;
    ch_tx_t *tx = &ch->ses->tx;
    /* The fragment is kept until its last frame is out: in the channel's
     * own buffer, or a pool buffer. Written there already
     * (dnp3i_channel_tx_buffer): not copied. */
    uint8_t *keep = dnp3i_channel_tx_buffer(ch);
    if (!keep)
        return DNP3_E_TP_POOL_EMPTY;
    if (apdu != keep)
        memcpy(keep, apdu, len);
    dnp3_tp_segmenter_init(&tx->seg, keep, len, tx->seq);
    tx->src = src;
    tx->dst = dst;
    tx->kind = confirmed ? CH_TX_CONFIRMED : CH_TX_UNCONFIRMED;
    kick(ch);
    return DNP3_OK;
}

int dnp3i_channel_send_borrowed(dnp3_channel_t *ch, dnp3_timestamp_t now, uint16_t src,
                                uint16_t dst, const uint8_t *apdu, size_t len)
{
    (void)now;
    int err = send_check(ch, src, dst, apdu, len);
    if (err)
        return err;
    ch_tx_t *tx = &ch->ses->tx;
    dnp3_tp_segmenter_init(&tx->seg, apdu, len, tx->seq);
    tx->src = src;
    tx->dst = dst;
    tx->kind = CH_TX_UNCONFIRMED;
    tx->borrowed = true;
    return DNP3_OK;
}

int dnp3_channel_reset_link(dnp3_channel_t *ch, dnp3_timestamp_t now, uint16_t dst)
{
    if (!ch)
        return DNP3_E_INVALID_ARG;
    if (dst_reserved(dst) || dnp3_link_addr_is_broadcast(dst))
        return DNP3_E_INVALID_ARG;
    if (!dnp3_channel_can_send(ch) || ch->ses->pri.state != CH_PRI_IDLE)
        return DNP3_E_STATE;
    ch_slot_t *s = tx_slot(ch, ch->cfg.local[0], dst, now);
    if (!s)
        return DNP3_E_NOSPACE;
    s->pri_reset = false;
    ch->ses->tx.src = ch->cfg.local[0];
    ch->ses->tx.dst = dst;
    ch->ses->tx.kind = CH_TX_RESET_ONLY;
    kick(ch);
    return DNP3_OK;
}
