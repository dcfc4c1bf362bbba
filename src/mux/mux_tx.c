/* Sending: whenever the channel can take a fragment, the sessions are asked
 * for one in turn (round robin), one fragment in flight at a time; its
 * result goes back to the session that sent it. */
#include "channel/channel_internal.h"
#include "mux_internal.h"

void dnp3i_mux_tx_result(dnp3_mux_t *mux, dnp3_timestamp_t now, bool ok)
{
    if (!mux->tx.busy)
        return;
    mux->tx.busy = false;
    mux_slot_t *m = &mux->slots[mux->tx.slot];
    if (!m->used || m->gen != mux->tx.gen)
        return; /* detached since: nobody to tell */
    if (ok)
        m->counters.tx_done++;
    else
        m->counters.tx_failed++;
    m->s.ops->on_link_event(m->s.s, now, ok ? DNP3_LINK_TX_DONE : DNP3_LINK_TX_FAILED);
}

static bool may_have(const mux_slot_t *m)
{
    return m->used && (!m->s.ops->want_send || m->s.ops->want_send(m->s.s));
}

/* Gives the fragment taken from slot i to the channel. A fragment the
 * channel refuses (a reserved destination, no slot for a confirmed send)
 * fails at once. */
static void send_one(dnp3_mux_t *mux, size_t i, dnp3_timestamp_t now, const uint8_t *frag,
                     size_t len, uint16_t dst, bool confirmed, bool borrowed)
{
    mux_slot_t *m = &mux->slots[i];
    m->counters.fragments_out++;
    mux->counters.fragments_out++;
    mux->tx =
        (mux_inflight_t){.busy = true, .slot = i, .gen = m->gen, .src = m->s.local, .dst = dst};
    /* A fragment in the caller's output buffer is framed by the next
     * take_output, at once; confirmed data waits for ACKs, so the channel
     * keeps a copy. */
    int rc = borrowed && !confirmed
                 ? dnp3i_channel_send_borrowed(mux->ch, now, m->s.local, dst, frag, len)
                 : dnp3_channel_send(mux->ch, now, m->s.local, dst, frag, len, confirmed);
    if (rc < 0) {
        dnp3i_mux_log(mux, DNP3_LOG_WARN, "fragment from %u to %u (%zu bytes) not sent: %s",
                      m->s.local, dst, len, dnp3_strerror(rc));
        dnp3i_mux_tx_result(mux, now, false);
    }
}

/* Where a session writes the next fragment (tx_fragment_max bytes): a
 * channel with its own buffers: there (free while the channel can send).
 * A pool channel: the tail of the caller's output buffer buf[w..cap) when
 * every frame of the fragment and any queued link frame fit before it (the
 * fragment is framed at once and never kept); else, when the caller's whole
 * buffer is too small for that, a pool buffer. NULL: not now (no pool
 * buffer free, or the caller is asked to come back with an emptied
 * buffer). */
static uint8_t *fragment_space(dnp3_mux_t *mux, uint8_t *buf, size_t cap, size_t w, bool *borrowed)
{
    *borrowed = false;
    if (mux->tx_need == 0)
        return dnp3i_channel_tx_buffer(mux->ch);
    if (cap - w >= mux->tx_need) {
        *borrowed = true;
        return buf + cap - mux->tx_max;
    }
    if (w > 0)
        return NULL;
    return dnp3i_channel_tx_buffer(mux->ch);
}

/* One round: the first session, from mux->rr on, that has a fragment sends
 * it, and the next round starts after it. Returns whether one was sent. */
static bool poll_sessions(dnp3_mux_t *mux, dnp3_timestamp_t now, uint8_t *buf, size_t bcap,
                          size_t w)
{
    size_t n = mux->cfg.max_sessions;
    size_t cap = mux->tx_max;
    /* Called only while the channel can send: the session writes straight
     * into the space the fragment is framed from. The round goes round the
     * used slots only (up to span; the slots from there on are free), and
     * ends after the last session attached when it began. */
    bool borrowed = false;
    uint8_t *frag = NULL;
    size_t left = mux->attached;
    size_t i = mux->rr < mux->span ? mux->rr : 0;
    for (size_t k = 0; k < n && left > 0; k++, i = i + 1 < mux->span ? i + 1 : 0) {
        mux_slot_t *m = &mux->slots[i];
        if (!m->used)
            continue;
        left--;
        if (!may_have(m))
            continue;
        if (!frag)
            frag = fragment_space(mux, buf, bcap, w, &borrowed);
        if (!frag)
            return false;
        uint16_t dst = m->s.remote;
        bool confirmed = false;
        size_t len = m->s.ops->take_fragment(m->s.s, now, frag, cap, &dst, &confirmed);
        if (len == 0 || !m->used)
            continue;
        mux->rr = i + 1; /* from 0 again when it reaches span */
        if (len > cap) {
            dnp3i_mux_log(mux, DNP3_LOG_ERROR, "session %u->%u gave %zu bytes for a %zu buffer",
                          m->s.local, m->s.remote, len, cap);
            mux->tx = (mux_inflight_t){.busy = true, .slot = i, .gen = m->gen};
            dnp3i_channel_tx_unused(mux->ch);
            dnp3i_mux_tx_result(mux, now, false);
            return true;
        }
        send_one(mux, i, now, frag, len, dst, confirmed, borrowed);
        if (!borrowed)
            dnp3i_channel_tx_unused(mux->ch); /* a pool buffer the send did not keep */
        return true;
    }
    /* Only fragment_space takes a pool buffer: none taken, none to give. */
    if (frag && !borrowed)
        dnp3i_channel_tx_unused(mux->ch);
    return false;
}

/* The fragment in flight ended without an event (one the channel could not
 * queue, or its peer slot went away): the session must not wait forever. */
static void settle(dnp3_mux_t *mux, dnp3_timestamp_t now)
{
    if (mux->tx.busy && dnp3i_channel_can_send(mux->ch))
        dnp3i_mux_tx_result(mux, now, false);
}

int dnp3_mux_take_output(dnp3_mux_t *mux, dnp3_timestamp_t now, uint8_t *buf, size_t cap)
{
    if (!mux || !buf)
        return mux ? 0 : DNP3_E_INVALID_ARG;
    if (mux->closed)
        return 0;
    mux->now = now;
    size_t w = 0;
    for (;;) {
        /* A channel with nothing to write (no link reply, request frame
         * or data) writes nothing and changes nothing: not asked. */
        size_t n = dnp3i_channel_want_write(mux->ch)
                       ? dnp3_channel_take_output(mux->ch, now, buf + w, cap - w)
                       : 0;
        if (n > 0 && dnp3i_mux_tracing(mux))
            dnp3i_mux_trace_output(mux, buf + w, n);
        w += n;
        /* A fragment finished by this take queued TX_DONE: hand it to its
         * session before the next is taken. */
        int rc = dnp3i_mux_drain_timer(mux, now);
        if (rc < 0)
            return rc;
        settle(mux, now);
        if (!mux->up || mux->tx.busy || !dnp3i_channel_can_send(mux->ch))
            break;
        if (!poll_sessions(mux, now, buf, cap, w))
            break;
    }
    return (int)w;
}

bool dnp3_mux_want_write(const dnp3_mux_t *mux)
{
    if (!mux || mux->closed)
        return false;
    if (dnp3i_channel_want_write(mux->ch))
        return true;
    if (!mux->up || mux->tx.busy || !dnp3i_channel_can_send(mux->ch))
        return false;
    size_t left = mux->attached;
    for (size_t i = 0; left > 0 && i < mux->span; i++) {
        const mux_slot_t *m = &mux->slots[i];
        if (!m->used)
            continue;
        left--;
        if (may_have(m))
            return true;
    }
    return false;
}

dnp3_timestamp_t dnp3_mux_next_deadline(const dnp3_mux_t *mux)
{
    if (!mux || mux->closed)
        return DNP3_TIMESTAMP_NEVER;
    dnp3_timestamp_t next =
        dnp3_timestamp_min(dnp3_channel_next_deadline(mux->ch), dnp3i_mux_guard_deadline(mux));
    size_t left = mux->attached;
    for (size_t i = 0; left > 0 && i < mux->span; i++) {
        const mux_slot_t *m = &mux->slots[i];
        left -= m->used;
        if (m->used && m->s.ops->next_deadline && m->s.ops->on_timer)
            next = dnp3_timestamp_min(next, m->s.ops->next_deadline(m->s.s));
    }
    return next;
}
