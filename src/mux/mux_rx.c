/* Receiving: channel events to sessions. Fragments are routed by address
 * pair (broadcast and self address by the source alone), frames for a
 * foreign destination are counted and logged, transmit results go to the
 * session that sent, and a framing error (CLOSE policy) or an unanswered
 * keep-alive closes the connection. */
#include <stdio.h>

#include "channel/channel_internal.h"
#include "mux_internal.h"

/* Kept out of line: the rare paths' log buffers off the hot path's stack. */
#if defined(__GNUC__) || defined(__clang__)
#define MUX_OUT_OF_LINE __attribute__((noinline))
#else
#define MUX_OUT_OF_LINE
#endif

static void to_session(dnp3_mux_t *mux, size_t i, dnp3_timestamp_t now,
                       const dnp3_channel_event_t *ev)
{
    mux_slot_t *m = &mux->slots[i];
    m->counters.fragments_in++;
    m->s.ops->on_fragment(m->s.s, now, ev->src, ev->dst, ev->data, ev->len);
}

/* Hands the fragment to every session it is for; returns how many. A
 * session may attach or detach sessions from inside on_fragment: each slot
 * is looked at once, and only while it is in use. */
static size_t deliver(dnp3_mux_t *mux, dnp3_timestamp_t now, const dnp3_channel_event_t *ev)
{
    bool broadcast = dnp3_link_addr_is_broadcast(ev->dst);
    bool self = ev->dst == DNP3_ADDR_SELF;
    size_t hits = 0;
    for (size_t i = 0; i < mux->cfg.max_sessions; i++) {
        const mux_slot_t *m = &mux->slots[i];
        if (!m->used || m->s.remote != ev->src)
            continue;
        if (!broadcast && !self && m->s.local != ev->dst)
            continue;
        to_session(mux, i, now, ev);
        hits++;
        if (!broadcast)
            break; /* one pair, one session; the self address: the first */
    }
    if (hits > 0) {
        mux->counters.fragments_in++;
        mux->counters.broadcast_in += broadcast;
        mux->counters.self_in += self;
    }
    return hits;
}

/* "this outstation is 10" / "this master is 1, 2": every local address. */
static void describe_locals(const dnp3_mux_t *mux, char *buf, size_t cap)
{
    uint16_t local[DNP3_CHANNEL_MAX_LOCAL];
    size_t n = dnp3i_mux_locals(mux, local, DNP3_CHANNEL_MAX_LOCAL);
    bool outstation = dnp3i_channel_config(mux->ch)->role == DNP3_CHANNEL_ROLE_OUTSTATION;
    int w = snprintf(buf, cap, "this %s is", outstation ? "outstation" : "master");
    for (size_t i = 0; i < n && w > 0 && (size_t)w < cap; i++)
        w += snprintf(buf + w, cap - (size_t)w, "%s %u", i ? "," : "", local[i]);
}

/* "this master talks to outstation 11, 12": the attached sessions' peers. */
static void describe_remotes(const dnp3_mux_t *mux, bool outstation, char *buf, size_t cap)
{
    int w = snprintf(buf, cap, "this %s talks to %s", outstation ? "outstation" : "master",
                     outstation ? "master" : "outstation");
    size_t k = 0;
    for (size_t i = 0; i < mux->span && w > 0 && (size_t)w < cap; i++)
        if (mux->slots[i].used)
            w +=
                snprintf(buf + w, cap - (size_t)w, "%s %u", k++ ? "," : "", mux->slots[i].s.remote);
    if (k == 0 && w > 0 && (size_t)w < cap)
        snprintf(buf + w, cap - (size_t)w, " none yet");
}

/* True when this stray item gets a log line (the limiter's rule); *quiet
 * is how many went unsaid before it. */
static bool limit_pass(dnp3_mux_t *mux, mux_log_limit_t *l, dnp3_timestamp_t now,
                       uint64_t *suppressed, uint64_t *quiet)
{
    uint32_t every = mux->cfg.foreign_log_interval_ms;
    if (l->logged && now >= l->at && now - l->at < every) {
        if (l->quiet < UINT32_MAX)
            l->quiet++;
        (*suppressed)++;
        return false;
    }
    *quiet = l->quiet;
    l->logged = true;
    l->at = now;
    l->quiet = 0;
    return true;
}

/* A fragment no session took: the unclaimed callback may attach one (then
 * it is delivered again) or refuse the connection; else it is counted.
 * Without a callback nobody else can tell the user, so it is said at WARN:
 * on a master, the outstation answering from another address than the
 * association polls ("connected but no data"). Out of line: its log
 * buffers stay off the stack of every fragment's path. */
MUX_OUT_OF_LINE static int unclaimed(dnp3_mux_t *mux, dnp3_timestamp_t now,
                                     const dnp3_channel_event_t *ev)
{
    if (mux->cfg.on_unclaimed) {
        int rc = mux->cfg.on_unclaimed(mux->cfg.user, mux, now, ev->src, ev->dst);
        if (rc < 0) {
            char why[96];
            snprintf(why, sizeof why, "fragment from %u for %u refused (%s)", ev->src, ev->dst,
                     dnp3_strerror(rc));
            return dnp3i_mux_close(mux, DNP3_MUX_CLOSE_REFUSED, rc, why);
        }
        if (deliver(mux, now, ev) > 0)
            return 0;
    }
    mux->counters.unclaimed++;
    if (mux->cfg.on_unclaimed) {
        dnp3i_mux_log(mux, DNP3_LOG_DEBUG, "fragment from %u for %u: no session for that pair",
                      ev->src, ev->dst);
        return 0;
    }
    uint64_t quiet = 0;
    if (!limit_pass(mux, &mux->unclaimed_limit, now, &mux->counters.unclaimed_logs_suppressed,
                    &quiet))
        return 0;
    bool outstation = dnp3i_channel_config(mux->ch)->role == DNP3_CHANNEL_ROLE_OUTSTATION;
    const char *peer = outstation ? "master" : "outstation",
               *me = outstation ? "outstation" : "master";
    char peers[128], more[64] = "";
    describe_remotes(mux, outstation, peers, sizeof peers);
    if (quiet > 0)
        snprintf(more, sizeof more, " (%llu more since the last line)", (unsigned long long)quiet);
    dnp3i_mux_log(mux, DNP3_LOG_WARN,
                  "fragment from %s %u for %s %u: no association with %s %u on this connection "
                  "(%s): is %u the %s's link address?%s",
                  peer, ev->src, me, ev->dst, peer, ev->src, peers, ev->src, peer, more);
    return 0;
}

/* Every foreign frame is counted; the first gets a log line, then at most
 * one per foreign_log_interval_ms, carrying how many went unlogged. */
static void foreign(dnp3_mux_t *mux, dnp3_timestamp_t now, const dnp3_channel_event_t *ev)
{
    mux->counters.foreign++;
    uint64_t quiet = 0;
    if (!limit_pass(mux, &mux->foreign_limit, now, &mux->counters.foreign_logs_suppressed, &quiet))
        return;
    char mine[128];
    describe_locals(mux, mine, sizeof mine);
    if (quiet > 0)
        dnp3i_mux_log(mux, DNP3_LOG_WARN,
                      "frame for address %u from %u: %s (%llu more foreign frames since the last "
                      "line)",
                      ev->dst, ev->src, mine, (unsigned long long)quiet);
    else
        dnp3i_mux_log(mux, DNP3_LOG_WARN, "frame for address %u from %u: %s", ev->dst, ev->src,
                      mine);
}

static int route(dnp3_mux_t *mux, dnp3_timestamp_t now, const dnp3_channel_event_t *ev)
{
    if (deliver(mux, now, ev) > 0)
        return 0;
    return unclaimed(mux, now, ev);
}

/* A frame split between reads held a pool buffer for reassembly_timeout_ms
 * without its rest coming: the buffer went back, the stream has a hole. */
static int closed_by_timeout(dnp3_mux_t *mux, const dnp3_channel_event_t *ev)
{
    uint32_t ms = dnp3i_channel_config(mux->ch)->reassembly_timeout_ms;
    dnp3i_mux_log(mux, DNP3_LOG_ERROR,
                  "%zu bytes of a frame split between reads dropped: the rest did not come "
                  "within %lu ms (reassembly timeout); its fragment pool buffer is free again",
                  ev->bytes, (unsigned long)ms);
    char why[128];
    snprintf(why, sizeof why, "%s at stream offset %llu", dnp3_strerror(ev->reason),
             (unsigned long long)ev->offset);
    return dnp3i_mux_close(mux, DNP3_MUX_CLOSE_STALLED, DNP3_E_LINK_STALLED, why);
}

/* Every other transport drop is the peer's doing and only counted; these
 * are logged: a pool shared by the connections too small for the fragments
 * in progress (once per fragment, at its FIR), and a fragment whose next
 * segment never came (its pool buffer is free again). */
static void tp_drop(dnp3_mux_t *mux, const dnp3_channel_event_t *ev)
{
    if (ev->reason == DNP3_E_TP_POOL_EMPTY && ev->frame.user_len > 0 &&
        (ev->frame.user[0] & DNP3_TP_FIR))
        dnp3i_mux_log(mux, DNP3_LOG_ERROR,
                      "fragment from %u for %u dropped: no reassembly buffer free in the "
                      "fragment pool (%zu buffers, all in use)",
                      ev->src, ev->dst, dnp3i_channel_pool_buffers(mux->ch));
    else if (ev->reason == DNP3_E_TP_TIMEOUT)
        dnp3i_mux_log(mux, DNP3_LOG_WARN,
                      "fragment from %u for %u discarded after %zu bytes: its next segment did "
                      "not come within %lu ms (reassembly timeout)",
                      ev->src, ev->dst, ev->bytes,
                      (unsigned long)dnp3i_channel_config(mux->ch)->reassembly_timeout_ms);
}

static int closed_by_framing(dnp3_mux_t *mux, const dnp3_channel_event_t *ev)
{
    if (ev->reason == DNP3_E_LINK_STALLED)
        return closed_by_timeout(mux, ev);
    if (ev->reason == DNP3_E_TP_POOL_EMPTY)
        dnp3i_mux_log(mux, DNP3_LOG_ERROR,
                      "%zu bytes of a frame split between reads lost: no buffer free in the "
                      "fragment pool (%zu buffers, all in use)",
                      ev->bytes, dnp3i_channel_pool_buffers(mux->ch));
    char why[128];
    snprintf(why, sizeof why, "%s at stream offset %llu", dnp3_strerror(ev->reason),
             (unsigned long long)ev->offset);
    return dnp3i_mux_close(mux, DNP3_MUX_CLOSE_FRAMING, DNP3_E_LINK_CLOSED, why);
}

static int keepalive_failed(dnp3_mux_t *mux, const dnp3_channel_event_t *ev)
{
    char why[128];
    snprintf(why, sizeof why, "REQUEST_LINK_STATUS to %u unanswered after %u retries", ev->src,
             dnp3i_channel_config(mux->ch)->confirm_retries);
    return dnp3i_mux_close(mux, DNP3_MUX_CLOSE_KEEPALIVE, DNP3_E_LINK_KEEPALIVE, why);
}

/* Every event but the two of each exchange (handle has those). Out of
 * line: its log buffers stay off the stack of every fragment's path. */
MUX_OUT_OF_LINE static int handle_other(dnp3_mux_t *mux, dnp3_timestamp_t now,
                                        const dnp3_channel_event_t *ev)
{
    switch (ev->kind) {
    case DNP3_CHANNEL_EV_FRAME:
        dnp3i_mux_trace_frame(mux, false, &ev->frame);
        return 0;
    case DNP3_CHANNEL_EV_FOREIGN:
        foreign(mux, now, ev);
        return 0;
    case DNP3_CHANNEL_EV_CLOSED:
        return closed_by_framing(mux, ev);
    case DNP3_CHANNEL_EV_KEEPALIVE_FAILED:
        return keepalive_failed(mux, ev);
    case DNP3_CHANNEL_EV_SEND_FAILED:
        if (mux->tx.busy && ev->src == mux->tx.dst) /* src: the peer */
            dnp3i_mux_tx_result(mux, now, false);
        return 0;
    case DNP3_CHANNEL_EV_TP_DROP:
        tp_drop(mux, ev);
        return 0;
    case DNP3_CHANNEL_EV_SLOT_FULL:
        dnp3i_mux_log(mux, DNP3_LOG_DEBUG, "frame from %u for %u dropped: no free peer slot",
                      ev->src, ev->dst);
        return 0;
    default:
        return 0; /* counted by the channel */
    }
}

int dnp3i_mux_handle(dnp3_mux_t *mux, dnp3_timestamp_t now, const dnp3_channel_event_t *ev)
{
    /* A request's fragment in, its response's TX_DONE: first. */
    if (ev->kind == DNP3_CHANNEL_EV_FRAGMENT)
        return route(mux, now, ev);
    if (ev->kind == DNP3_CHANNEL_EV_TX_DONE) {
        dnp3i_mux_tx_result(mux, now, true);
        return 0;
    }
    return handle_other(mux, now, ev);
}

int dnp3_mux_on_bytes(dnp3_mux_t *mux, dnp3_timestamp_t now, const uint8_t *data, size_t len)
{
    if (!mux)
        return DNP3_E_INVALID_ARG;
    if (mux->closed)
        return DNP3_E_STATE;
    if (!data)
        len = 0;
    mux->now = now;
    for (;;) {
        dnp3_channel_event_t ev;
        size_t n = dnp3_channel_on_bytes(mux->ch, now, data, len, &ev);
        if (n > 0) {
            data += n;
            len -= n;
        }
        if (ev.kind == DNP3_CHANNEL_EV_NONE) {
            dnp3i_mux_guard_after_bytes(mux, now);
            return 0;
        }
        int rc = dnp3i_mux_handle(mux, now, &ev);
        if (rc < 0)
            return rc;
    }
}

/* Runs the channel's timers and hands out its queued events. */
int dnp3i_mux_drain_timer(dnp3_mux_t *mux, dnp3_timestamp_t now)
{
    for (;;) {
        /* dnp3_channel_on_timer's own order (queued events first, then
         * the timers), without filling an event when none comes. */
        if (mux->ch->ev_count == 0) {
            dnp3i_channel_timers(mux->ch, now);
            if (mux->ch->ev_count == 0)
                return 0;
        }
        dnp3_channel_event_t ev;
        dnp3_channel_on_timer(mux->ch, now, &ev);
        if (ev.kind == DNP3_CHANNEL_EV_NONE)
            return 0;
        int rc = dnp3i_mux_handle(mux, now, &ev);
        if (rc < 0)
            return rc;
    }
}

int dnp3_mux_on_timer(dnp3_mux_t *mux, dnp3_timestamp_t now)
{
    if (!mux)
        return DNP3_E_INVALID_ARG;
    if (mux->closed)
        return DNP3_E_STATE;
    mux->now = now;
    int rc = dnp3i_mux_guard_check(mux, now);
    if (rc < 0)
        return rc;
    rc = dnp3i_mux_drain_timer(mux, now);
    if (rc < 0)
        return rc;
    for (size_t i = 0; i < mux->cfg.max_sessions; i++) {
        const mux_slot_t *m = &mux->slots[i];
        if (!m->used || !m->s.ops->on_timer || !m->s.ops->next_deadline)
            continue;
        if (m->s.ops->next_deadline(m->s.s) <= now)
            m->s.ops->on_timer(m->s.s, now);
    }
    return 0;
}
