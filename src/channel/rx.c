/* The receive path: bytes -> link parser -> address and direction checks ->
 * link station (secondary.c, primary.c) -> transport reassembler -> events.
 *
 * Chunk independence: input is only looked at when the event queue is
 * empty, and every event comes from the parser's events, which do not depend
 * on chunking (link.h), so the whole sequence does not either. */
#include <string.h>

#include "channel/channel_internal.h"
#include "transport/transport_internal.h"

static void clear(dnp3_channel_event_t *ev)
{
    dnp3i_channel_event_clear(ev, DNP3_CHANNEL_EV_NONE);
}

void dnp3i_channel_frame_release(dnp3_channel_t *ch)
{
    if (ch->pool && ch->pbuf && ch->parser.have == 0) {
        dnp3i_fragment_pool_give(ch->pool, ch->pbuf);
        ch->pbuf = NULL;
        ch->reasm &= (uint8_t)~CH_REASM_FRAME;
    }
}

/* Where the parser keeps a frame straddling feeds: the channel's own
 * buffer or the pool buffer it holds, else the pool's shared one (the
 * frame moves into a pool buffer if still held after the call). */
static uint8_t *frame_buf(dnp3_channel_t *ch)
{
    return ch->pbuf ? ch->pbuf : dnp3i_fragment_pool_frame(ch->pool);
}

static void on_link_event(dnp3_channel_t *ch, dnp3_timestamp_t now, const dnp3_link_event_t *lev);

void dnp3i_channel_frame_drop(dnp3_channel_t *ch, int reason)
{
    dnp3_link_parser_state_t *p = &ch->parser;
    /* DISCARD policy: a run of garbage before the frame is reported first
     * (a closed parser would never report it, and its bytes would be in no
     * counter). */
    dnp3_link_event_t lev;
    if (dnp3i_link_parser_flush_run(p, &lev) == 1)
        on_link_event(ch, ch->now, &lev);
    ch_event_t *ev = dnp3i_channel_push(ch, DNP3_CHANNEL_EV_CLOSED);
    if (ev) {
        ev->reason = reason;
        ev->bytes = p->have;
        ev->offset = p->pos;
    }
    p->counters.discarded_bytes += p->have;
    p->pos += p->have;
    p->have = 0;
    p->need = 0;
    p->closed = true;
    dnp3i_channel_frame_release(ch);
}

/* Pool channel, after a parser call: a frame left straddling moves from the
 * shared buffer into a pool buffer; with none free its bytes are lost, and
 * a stream with a hole is unusable: the channel closes (CLOSED,
 * DNP3_E_TP_POOL_EMPTY), counted in pool_empty. A frame that starts
 * straddling (a new stream offset) starts the reassembly timeout. */
static void frame_settle(dnp3_channel_t *ch, const uint8_t *used)
{
    if (!ch->pool)
        return;
    dnp3_link_parser_state_t *p = &ch->parser;
    if (p->have == 0) {
        dnp3i_channel_frame_release(ch);
        return;
    }
    if (!ch->pbuf) {
        ch->pbuf = dnp3i_fragment_pool_take(ch->pool);
        if (!ch->pbuf) {
            ch->counters.pool_empty++;
            dnp3i_channel_frame_drop(ch, DNP3_E_TP_POOL_EMPTY);
            return;
        }
        memcpy(ch->pbuf, used, p->have);
        ch->pbuf_pos = p->pos + 1; /* differs: the clock starts below */
        if (ch->cfg.reassembly_timeout_ms != 0)
            ch->reasm |= CH_REASM_FRAME;
    }
    if (p->pos != ch->pbuf_pos) {
        ch->pbuf_since = ch->now;
        ch->pbuf_pos = p->pos;
    }
}

/* on_bytes reports NONE: every event was handed out by earlier calls, so
 * the pool buffers of completed fragments go back now, not with the
 * connection's next bytes (which may be a poll period away). */
static void clear_idle(dnp3_channel_t *ch, dnp3_channel_event_t *ev)
{
    clear(ev);
    if (ch->rx_release)
        dnp3i_channel_rx_release(ch);
}

void dnp3i_channel_rx_release(dnp3_channel_t *ch)
{
    ch->rx_release = false;
    for (size_t i = 0; i < ch->n_slots; i++) {
        dnp3_tp_reassembler_t *r = &ch->slots[i].r;
        if (!r->buf)
            continue;
        if (r->in_progress) {
            ch->rx_release = true; /* still needed: looked at again */
            continue;
        }
        dnp3i_fragment_pool_give(ch->pool, r->buf);
        r->buf = NULL;
        r->cap = 0;
    }
}

/* Pool channel, a segment that is not a whole fragment: its FIR takes a
 * pool buffer for the slot. Without one the fragment is dropped, this
 * segment and every later one up to its FIN, each reported as TP_DROP
 * DNP3_E_TP_POOL_EMPTY. Returns false when the segment was dropped. */
static bool pool_room(dnp3_channel_t *ch, ch_slot_t *s, const dnp3_link_frame_t *f)
{
    uint8_t th = f->user_len > 0 ? f->user[0] : 0;
    if (th & DNP3_TP_FIR) {
        s->starved = false;
        if (!s->r.buf) {
            s->r.buf = dnp3i_fragment_pool_take(ch->pool);
            s->r.cap = s->r.buf ? ch->rx_max : 0;
            s->starved = s->r.buf == NULL;
            ch->rx_release = true;
        }
    }
    if (!s->starved)
        return true;
    size_t bytes = f->user_len > 0 ? f->user_len - 1 : 0;
    s->r.counters.segments++;
    s->r.counters.dropped_bytes += bytes;
    ch->counters.pool_empty++;
    if (th & DNP3_TP_FIN)
        s->starved = false;
    ch_event_t *ev = dnp3i_channel_push_frame(ch, DNP3_CHANNEL_EV_TP_DROP, f, DNP3_E_TP_POOL_EMPTY);
    if (ev)
        ev->bytes = bytes;
    return false;
}

/* Hands the frame's user data (one transport segment) to the slot's
 * reassembler and reports what came of it. */
void dnp3i_channel_deliver(dnp3_channel_t *ch, ch_slot_t *s, const dnp3_link_frame_t *f)
{
    dnp3_tp_result_t res;
    uint16_t src = f->hdr.src;
    uint16_t dst = f->hdr.dst;
    int rc;
    ch->hot.rx_user_data++;
    if (f->user_len > 0 &&
        (f->user[0] & (DNP3_TP_FIR | DNP3_TP_FIN)) == (DNP3_TP_FIR | DNP3_TP_FIN)) {
        /* The common case: the fragment is this frame's user data. */
        s->starved = false;
        rc = dnp3i_tp_reassembler_feed_single(&s->r, src, dst, f->user, f->user_len, ch->rx_max,
                                              &res);
    } else {
        if (ch->monitor)
            dnp3i_channel_slot_room(ch, s, f->user, f->user_len);
        else if (ch->pool && !pool_room(ch, s, f))
            return;
        rc = dnp3_tp_reassembler_feed(&s->r, src, dst, f->user, f->user_len, &res);
        if (rc == 0 && s->r.in_progress && ch->ses && ch->cfg.reassembly_timeout_ms != 0) {
            /* A segment taken: the reassembly timeout starts again (SESSION
             * only: a MONITOR channel runs no timers). */
            s->seg_at = ch->now;
            ch->reasm |= CH_REASM_FRAGMENT;
        }
    }
    if ((ch->reasm & CH_REASM_FRAGMENT) && !s->r.in_progress)
        dnp3i_channel_partial_update(ch);
    if (res.dropped != 0 || rc < 0) {
        ch_event_t *ev = dnp3i_channel_push_frame(ch, DNP3_CHANNEL_EV_TP_DROP, f,
                                                  res.dropped != 0 ? res.dropped : rc);
        if (ev)
            ev->bytes = res.dropped_bytes;
    }
    if (rc == 1) {
        ch->hot.fragments_rx++;
        ch_event_t *ev = dnp3i_channel_push_frame(ch, DNP3_CHANNEL_EV_FRAGMENT, f, 0);
        if (ev) {
            ev->data = res.fragment;
            ev->len = res.len;
        }
    }
}

static bool is_user_data(const dnp3_link_header_t *h)
{
    uint8_t func = dnp3_link_hdr_func(h);
    return dnp3_link_hdr_prm(h) &&
           (func == DNP3_LINK_CONFIRMED_USER_DATA || func == DNP3_LINK_UNCONFIRMED_USER_DATA);
}

/* MONITOR: every user-data frame goes to the transport function of its
 * (destination, source) pair; other frames are only counted. */
static void monitor_frame(dnp3_channel_t *ch, const dnp3_link_frame_t *f)
{
    if (!is_user_data(&f->hdr)) {
        ch->hot.rx_link_control++;
        return;
    }
    ch_slot_t *s = dnp3i_channel_slot_get(ch, f->hdr.dst, f->hdr.src, f);
    if (s) /* NULL only when memory is short (counted as no_slot) */
        dnp3i_channel_deliver(ch, s, f);
}

/* Marks every event the frame queued but its last with more: the frame's
 * pointers (user data in the parser, a one-segment fragment in it) stay
 * valid through them because the parser is fed only once the queue is
 * empty, and the owner learns which event is the frame's last. */
static void mark_more(dnp3_channel_t *ch, unsigned first)
{
    for (unsigned i = first; i + 1 < ch->ev_count; i++)
        ch->events[(ch->ev_head + i) & (ch->ev_cap - 1)].more = true;
}

/* SESSION: direction, source and destination checks (9.2.4.1.3,
 * 9.2.4.1.4), then the link station of the (local, remote) slot. */
static void session_frame(dnp3_channel_t *ch, dnp3_timestamp_t now, const dnp3_link_frame_t *f)
{
    const dnp3_link_header_t *h = &f->hdr;
    if (dnp3_link_hdr_dir(h) == dnp3i_channel_our_dir(ch)) {
        ch->counters.ignored_direction++;
        dnp3i_channel_push_frame(ch, DNP3_CHANNEL_EV_IGNORED, f, DNP3_CHANNEL_IGNORE_DIRECTION);
        return;
    }
    if (h->src >= 0xFFF0) {
        ch->counters.ignored_source++;
        dnp3i_channel_push_frame(ch, DNP3_CHANNEL_EV_IGNORED, f, DNP3_CHANNEL_IGNORE_SOURCE);
        return;
    }
    bool broadcast = false;
    uint16_t local = h->dst;
    if (!dnp3i_channel_is_local(ch, h->dst)) {
        broadcast = dnp3_link_addr_is_broadcast(h->dst) && ch->cfg.accept_broadcast;
        bool self = h->dst == DNP3_ADDR_SELF && ch->cfg.accept_self;
        if (!broadcast && !self) {
            ch->counters.foreign++;
            dnp3i_channel_push_frame(ch, DNP3_CHANNEL_EV_FOREIGN, f, 0);
            return;
        }
        local = ch->cfg.local[0];
    }
    if (broadcast && !dnp3_link_hdr_prm(h)) {
        /* An answer (ACK, LINK_STATUS...) answers one station, never all. */
        ch->counters.ignored_broadcast++;
        dnp3i_channel_push_frame(ch, DNP3_CHANNEL_EV_IGNORED, f, DNP3_CHANNEL_IGNORE_BROADCAST);
        return;
    }
    ch_slot_t *s = dnp3i_channel_slot_get(ch, local, h->src, f);
    if (!s)
        return;
    s->last_rx = now;
    if (dnp3_link_hdr_prm(h))
        dnp3i_channel_secondary(ch, s, f, broadcast);
    else
        dnp3i_channel_primary_on_reply(ch, s, f, now);
}

static void on_link_event(dnp3_channel_t *ch, dnp3_timestamp_t now, const dnp3_link_event_t *lev)
{
    if (lev->kind == DNP3_LINK_EV_CLOSED && lev->reason == DNP3_E_LINK_CLOSED)
        return; /* reported once (counted by the parser), not once per call */
    if (lev->kind == DNP3_LINK_EV_DISCARD || lev->kind == DNP3_LINK_EV_CLOSED) {
        ch_event_t *ev =
            dnp3i_channel_push(ch, lev->kind == DNP3_LINK_EV_CLOSED ? DNP3_CHANNEL_EV_CLOSED
                                                                    : DNP3_CHANNEL_EV_LINK_DISCARD);
        if (ev) {
            ev->reason = lev->reason;
            ev->bytes = lev->discarded;
            ev->block = lev->block;
            ev->offset = lev->offset;
        }
        return;
    }
    if (lev->kind != DNP3_LINK_EV_FRAME)
        return;
    const dnp3_link_frame_t *f = &lev->frame;
    unsigned first = ch->ev_count;
    ch->hot.rx_frame_bytes += dnp3_link_frame_size(f->user_len);
    ch->frame = *f; /* the queue is empty: no event refers to the last one */
    if (ch->report_frames) {
        ch_event_t *ev = dnp3i_channel_push_frame(ch, DNP3_CHANNEL_EV_FRAME, f, 0);
        if (ev)
            ev->offset = lev->offset;
    }
    if (ch->monitor)
        monitor_frame(ch, f);
    else
        session_frame(ch, now, f);
    mark_more(ch, first);
}

size_t dnp3_channel_on_bytes(dnp3_channel_t *ch, dnp3_timestamp_t now, const uint8_t *data,
                             size_t len, dnp3_channel_event_t *ev)
{
    if (!ch) {
        clear(ev);
        return 0;
    }
    ch->now = now;
    if (dnp3i_channel_pop(ch, ev))
        return 0; /* queued earlier: no input looked at */
    if (!data)
        len = 0;
    size_t used = 0;
    /* *ev is cleared (kind NONE) only on the returns without an event: a
     * popped event is written whole. */
    do {
        /* Asked even when the input is used up: bytes held from earlier
         * feeds may still decide an event (a frame found by the rescan
         * after a bad one). Reporting it now rather than with the next
         * input keeps the events' timing independent of chunking. A parser
         * holding nothing has nothing to decide (the common end of a
         * call: skipping it saves a parser call per frame). */
        if (used == len && ch->parser.have == 0) {
            clear_idle(ch, ev);
            return used;
        }
        dnp3_link_event_t lev;
        if (ch->rx_release)
            dnp3i_channel_rx_release(ch); /* the last frame's events are all out */
        uint8_t *fb = frame_buf(ch);
        size_t n = dnp3i_link_parser_feed(&ch->parser, ch->user, fb,
                                          used < len ? data + used : NULL, len - used, &lev);
        used += n;
        frame_settle(ch, fb);
        if (lev.kind == DNP3_LINK_EV_NONE) {
            if (dnp3i_channel_pop(ch, ev))
                return used; /* the frame held could not be kept */
            clear_idle(ch, ev);
            return used; /* the parser consumed everything */
        }
        on_link_event(ch, now, &lev);
    } while (!dnp3i_channel_pop(ch, ev));
    return used;
}

int dnp3_channel_finish(dnp3_channel_t *ch, dnp3_channel_event_t *ev)
{
    clear(ev);
    if (!ch)
        return 0;
    while (!dnp3i_channel_pop(ch, ev)) {
        dnp3_link_event_t lev;
        if (ch->rx_release)
            dnp3i_channel_rx_release(ch);
        uint8_t *fb = frame_buf(ch);
        int got = dnp3i_link_parser_finish(&ch->parser, ch->user, fb, &lev);
        frame_settle(ch, fb);
        if (got == 0) {
            /* Nothing held: the next bytes are a new stream. */
            dnp3i_link_parser_reset(&ch->parser);
            return 0;
        }
        /* Frames a rescan finds arrived with the last bytes. */
        on_link_event(ch, ch->now, &lev);
    }
    return 1;
}

int dnp3_channel_flush_run(dnp3_channel_t *ch, dnp3_channel_event_t *ev)
{
    if (ch && dnp3i_channel_pop(ch, ev))
        return 1;
    clear(ev);
    /* Nothing pending: the common case, answered without a parser call. */
    if (!ch || ch->parser.closed || ch->parser.run_len == 0)
        return 0;
    dnp3_link_event_t lev;
    if (dnp3i_link_parser_flush_run(&ch->parser, &lev) == 0)
        return 0;
    on_link_event(ch, ch->now, &lev);
    return dnp3i_channel_pop(ch, ev) ? 1 : 0;
}
