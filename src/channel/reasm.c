/* The reassembly timeout (dnp3_channel_config_t.reassembly_timeout_ms): a
 * fragment of several transport segments (IEEE 1815-2012 8.2) whose next
 * segment is late, and with a pool a link frame split between reads whose
 * rest is late, give their buffers back. The standard sets no such limit;
 * without one, a peer that sends a FIR segment and then nothing (or only
 * link frames) holds a shared pool buffer for as long as its connection
 * lives.
 *
 * The scans run only while a slot may hold a fragment in progress
 * or the channel holds a pool buffer for a frame (ch->reasm): the timer
 * and deadline paths of an idle channel read one byte. */
#include "channel/channel_internal.h"

void dnp3i_channel_partial_update(dnp3_channel_t *ch)
{
    size_t span = dnp3i_channel_slot_span(ch);
    for (size_t i = 0; i < span; i++) {
        if (ch->slots[i].used && ch->slots[i].r.in_progress) {
            ch->reasm |= CH_REASM_FRAGMENT;
            return;
        }
    }
    ch->reasm &= (uint8_t)~CH_REASM_FRAGMENT;
}

static bool reasm_on(const dnp3_channel_t *ch)
{
    return !ch->monitor && ch->cfg.reassembly_timeout_ms != 0;
}

static dnp3_timestamp_t after(dnp3_timestamp_t t, uint32_t ms)
{
    return t > DNP3_TIMESTAMP_NEVER - ms ? DNP3_TIMESTAMP_NEVER : t + ms;
}

/* The frame held in a pool buffer: its deadline, NEVER when none is held. */
static dnp3_timestamp_t frame_deadline(const dnp3_channel_t *ch)
{
    if (!(ch->reasm & CH_REASM_FRAME) || ch->parser.have == 0)
        return DNP3_TIMESTAMP_NEVER;
    return after(ch->pbuf_since, ch->cfg.reassembly_timeout_ms);
}

dnp3_timestamp_t dnp3i_channel_reasm_deadline(const dnp3_channel_t *ch)
{
    if (!reasm_on(ch) || !dnp3i_channel_reasm_watch(ch))
        return DNP3_TIMESTAMP_NEVER;
    dnp3_timestamp_t next = frame_deadline(ch);
    if (!(ch->reasm & CH_REASM_FRAGMENT))
        return next;
    size_t span = dnp3i_channel_slot_span(ch);
    for (size_t i = 0; i < span; i++) {
        const ch_slot_t *s = &ch->slots[i];
        if (s->used && s->r.in_progress)
            next = dnp3_timestamp_min(next, after(s->seg_at, ch->cfg.reassembly_timeout_ms));
    }
    return next;
}

/* Discards the slot's partial fragment, gives its pool buffer back at once
 * and reports it (TP_DROP DNP3_E_TP_TIMEOUT, not caused by a frame). */
static void expire_fragment(dnp3_channel_t *ch, ch_slot_t *s)
{
    size_t bytes = s->r.len;
    s->r.counters.dropped_bytes += bytes;
    ch->counters.reassembly_timeouts++;
    ch_event_t *ev = dnp3i_channel_push(ch, DNP3_CHANNEL_EV_TP_DROP);
    if (ev) {
        ev->src = s->r.src;
        ev->dst = s->r.dst;
        ev->reason = DNP3_E_TP_TIMEOUT;
        ev->bytes = bytes;
    }
    dnp3_tp_reassembler_reset(&s->r);
    if (ch->pool && s->r.buf) {
        dnp3i_fragment_pool_give(ch->pool, s->r.buf);
        s->r.buf = NULL;
        s->r.cap = 0;
    }
}

void dnp3i_channel_reasm_timer(dnp3_channel_t *ch, dnp3_timestamp_t now)
{
    if (!reasm_on(ch) || !dnp3i_channel_reasm_watch(ch))
        return;
    if (now >= frame_deadline(ch)) {
        /* The rest of the frame is lost with its buffer: the stream has a
         * hole, so the channel closes as when no buffer was free. */
        ch->counters.reassembly_timeouts++;
        dnp3i_channel_frame_drop(ch, DNP3_E_LINK_STALLED);
    }
    if (!(ch->reasm & CH_REASM_FRAGMENT))
        return;
    size_t span = dnp3i_channel_slot_span(ch);
    for (size_t i = 0; i < span; i++) {
        ch_slot_t *s = &ch->slots[i];
        if (!s->used || !s->r.in_progress || now < after(s->seg_at, ch->cfg.reassembly_timeout_ms))
            continue;
        if (ch->ev_count == ch->ev_cap)
            return; /* the rest at the next call: its deadline has passed */
        expire_fragment(ch, s);
    }
    dnp3i_channel_partial_update(ch);
}
