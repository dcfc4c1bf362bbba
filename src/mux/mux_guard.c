/* The slow and idle peer guard: a connection slot is held only by a peer
 * that speaks DNP3. A peer that connects and sends nothing (or nothing that
 * frames) is closed first_frame_timeout_ms after the connection opened; a
 * peer that sends part of a frame and stalls is closed once that partial
 * frame has waited partial_frame_timeout_ms. The link keep-alive (9.2.6.4)
 * covers a peer that has spoken and then went quiet; this covers the rest.
 * What counts is the frame parser's state after each input call: its count
 * of valid frames and the bytes it holds of a frame not yet complete. */
#include <stdio.h>

#include "../channel/channel_internal.h"
#include "mux_internal.h"

void dnp3i_mux_guard_open(dnp3_mux_t *mux, dnp3_timestamp_t now)
{
    mux->guard.opened_at = now;
    mux->guard.heard = false;
    mux->guard.frames = mux->ch->parser.counters.frames;
    mux->guard.bytes_at_open = mux->ch->parser.counters.bytes_in;
    mux->guard.partial_since = DNP3_TIMESTAMP_NEVER;
}

void dnp3i_mux_guard_after_bytes(dnp3_mux_t *mux, dnp3_timestamp_t now)
{
    const dnp3_link_parser_state_t *p = &mux->ch->parser;
    bool completed = p->counters.frames != mux->guard.frames;
    mux->guard.frames = p->counters.frames;
    if (completed)
        mux->guard.heard = true;
    /* The clock belongs to one candidate frame, known by its stream offset:
     * bytes trickling into it do not restart it, a new candidate (after a
     * complete frame or a rejected one) does. Judged by offset, not by what
     * happened inside the call, so the outcome does not depend on how the
     * stream was cut into reads. */
    if (p->have == 0) {
        mux->guard.partial_since = DNP3_TIMESTAMP_NEVER;
    } else if (mux->guard.partial_since == DNP3_TIMESTAMP_NEVER ||
               p->pos != mux->guard.partial_pos) {
        mux->guard.partial_since = now;
        mux->guard.partial_pos = p->pos;
    }
}

static dnp3_timestamp_t after(dnp3_timestamp_t t, uint32_t ms)
{
    if (ms == 0 || t == DNP3_TIMESTAMP_NEVER)
        return DNP3_TIMESTAMP_NEVER;
    return t + ms;
}

static dnp3_timestamp_t silent_deadline(const dnp3_mux_t *mux)
{
    return mux->guard.heard ? DNP3_TIMESTAMP_NEVER
                            : after(mux->guard.opened_at, mux->cfg.first_frame_timeout_ms);
}

static dnp3_timestamp_t stalled_deadline(const dnp3_mux_t *mux)
{
    return after(mux->guard.partial_since, mux->cfg.partial_frame_timeout_ms);
}

dnp3_timestamp_t dnp3i_mux_guard_deadline(const dnp3_mux_t *mux)
{
    if (!mux->up || mux->closed)
        return DNP3_TIMESTAMP_NEVER;
    return dnp3_timestamp_min(silent_deadline(mux), stalled_deadline(mux));
}

int dnp3i_mux_guard_check(dnp3_mux_t *mux, dnp3_timestamp_t now)
{
    if (!mux->up || mux->closed)
        return 0;
    char why[160];
    if (now >= silent_deadline(mux)) {
        uint64_t got = mux->ch->parser.counters.bytes_in - mux->guard.bytes_at_open;
        snprintf(why, sizeof why,
                 "no valid frame within %lu ms of connecting (%llu bytes received)",
                 (unsigned long)mux->cfg.first_frame_timeout_ms, (unsigned long long)got);
        return dnp3i_mux_close(mux, DNP3_MUX_CLOSE_SILENT, DNP3_E_LINK_SILENT, why);
    }
    if (now >= stalled_deadline(mux)) {
        snprintf(why, sizeof why, "%zu bytes of an incomplete frame waited %lu ms for the rest",
                 mux->ch->parser.have, (unsigned long)mux->cfg.partial_frame_timeout_ms);
        return dnp3i_mux_close(mux, DNP3_MUX_CLOSE_STALLED, DNP3_E_LINK_STALLED, why);
    }
    return 0;
}
