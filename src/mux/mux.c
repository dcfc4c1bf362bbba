/* The mux's life cycle: configuration, the session table (attach, detach,
 * the channel's local addresses), connection open/close, closing with a
 * reason, logging and counters. Routing is in mux_rx.c, output in mux_tx.c. */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

#include "../channel/channel_internal.h"
#include "mux_internal.h"
#include "util/logline.h"

void dnp3_mux_config_default(dnp3_mux_config_t *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    dnp3_channel_config_default(&cfg->channel);
    cfg->max_sessions = 4;
    cfg->logger.level = DNP3_LOG_INFO;
    cfg->foreign_log_interval_ms = 10000;
}

static bool config_valid(const dnp3_mux_config_t *cfg)
{
    return cfg->channel.mode == DNP3_CHANNEL_MODE_SESSION && cfg->max_sessions >= 1 &&
           cfg->max_sessions <= DNP3_MUX_MAX_SESSIONS;
}

dnp3_mux_t *dnp3_mux_new(const dnp3_mux_config_t *cfg, int *err)
{
    int e = DNP3_E_INVALID_ARG;
    dnp3_mux_t *mux = NULL;
    if (!cfg || !config_valid(cfg))
        goto fail;
    e = DNP3_E_NOMEM;
    mux = calloc(1, sizeof *mux);
    if (!mux)
        goto fail;
    mux->cfg = (mux_cfg_t){
        .max_sessions = cfg->max_sessions,
        .on_unclaimed = cfg->on_unclaimed,
        .user = cfg->user,
        .logger = cfg->logger,
        .foreign_log_interval_ms = cfg->foreign_log_interval_ms,
        .first_frame_timeout_ms = cfg->first_frame_timeout_ms,
        .partial_frame_timeout_ms = cfg->partial_frame_timeout_ms,
        .decode_link = cfg->decode_link,
        .decode_transport = cfg->decode_transport,
        .on_conn_open = cfg->on_conn_open,
        .on_conn_close = cfg->on_conn_close,
    };
    memcpy(mux->cfg.local, cfg->channel.local, sizeof mux->cfg.local);
    mux->cfg.n_local = cfg->channel.n_local;
    dnp3_channel_config_t chc = cfg->channel;
    if (chc.max_peers < cfg->max_sessions)
        chc.max_peers = cfg->max_sessions;
    if (dnp3i_mux_tracing(mux))
        chc.report_frames = true; /* the trace sees every frame received */
    mux->ch = dnp3_channel_new(&chc, &e);
    if (!mux->ch)
        goto fail;
    mux->tx_max = (uint16_t)chc.tx_fragment_max;
    if (dnp3i_channel_pooled(mux->ch))
        mux->tx_need =
            (uint32_t)(chc.tx_fragment_max + dnp3i_channel_framed_size(chc.tx_fragment_max) +
                       dnp3i_channel_out_slack());
    e = DNP3_E_NOMEM;
    mux->slots = calloc(cfg->max_sessions, sizeof *mux->slots);
    if (!mux->slots)
        goto fail;
    if (err)
        *err = DNP3_OK;
    return mux;
fail:
    dnp3_mux_free(mux);
    if (err)
        *err = e;
    return NULL;
}

void dnp3_mux_free(dnp3_mux_t *mux)
{
    if (!mux)
        return;
    dnp3_channel_free(mux->ch);
    free(mux->slots);
    free(mux);
}

/* ---- logging and closing ------------------------------------------------- */

void dnp3i_mux_log(const dnp3_mux_t *mux, dnp3_log_level_t level, const char *fmt, ...)
{
    if (!mux->cfg.logger.log || level > mux->cfg.logger.level)
        return;
    va_list ap;
    va_start(ap, fmt);
    dnp3i_log_vline(mux->cfg.logger.log, mux->cfg.logger.ctx, level, fmt, ap);
    va_end(ap);
}

static const char *const close_names[DNP3_MUX_CLOSE_REASON_COUNT] = {
    [DNP3_MUX_CLOSE_FRAMING] = "framing", [DNP3_MUX_CLOSE_KEEPALIVE] = "keep-alive",
    [DNP3_MUX_CLOSE_REFUSED] = "refused", [DNP3_MUX_CLOSE_SILENT] = "silent",
    [DNP3_MUX_CLOSE_STALLED] = "stalled",
};

const char *dnp3_mux_close_reason_name(dnp3_mux_close_reason_t r)
{
    return (unsigned)r < DNP3_MUX_CLOSE_REASON_COUNT ? close_names[r] : "unknown";
}

/* Marks the mux closed, tells every session the link is down, logs why and
 * returns code for the caller to hand to the runtime. */
int dnp3i_mux_close(dnp3_mux_t *mux, dnp3_mux_close_reason_t reason, int code, const char *why)
{
    mux->closed = true;
    mux->counters.closes[reason]++;
    dnp3i_mux_log(mux, DNP3_LOG_WARN, "closing the connection (%s): %s",
                  dnp3_mux_close_reason_name(reason), why);
    if (mux->up) {
        mux->up = false;
        dnp3i_mux_link_all(mux, mux->now, DNP3_LINK_DOWN);
    }
    mux->tx.busy = false;
    return code;
}

/* ---- sessions -------------------------------------------------------------- */

void dnp3i_mux_link_event(dnp3_mux_t *mux, size_t slot, dnp3_timestamp_t now,
                          dnp3_link_state_event_t ev)
{
    mux_slot_t *m = &mux->slots[slot];
    if (m->used)
        m->s.ops->on_link_event(m->s.s, now, ev);
}

void dnp3i_mux_link_all(dnp3_mux_t *mux, dnp3_timestamp_t now, dnp3_link_state_event_t ev)
{
    for (size_t i = 0; i < mux->cfg.max_sessions; i++)
        dnp3i_mux_link_event(mux, i, now, ev);
}

static bool has_addr(const uint16_t *a, size_t n, uint16_t v)
{
    for (size_t i = 0; i < n; i++) {
        if (a[i] == v)
            return true;
    }
    return false;
}

/* The channel's local addresses: the configured ones, then those of the
 * attached sessions, each once, at most cap. Returns how many. */
size_t dnp3i_mux_locals(const dnp3_mux_t *mux, uint16_t *out, size_t cap)
{
    size_t n = 0;
    const mux_cfg_t *c = &mux->cfg;
    for (size_t i = 0; i < c->n_local && n < cap; i++) {
        if (!has_addr(out, n, c->local[i]))
            out[n++] = c->local[i];
    }
    for (size_t i = 0; i < mux->cfg.max_sessions && n < cap; i++) {
        const mux_slot_t *m = &mux->slots[i];
        if (m->used && !has_addr(out, n, m->s.local))
            out[n++] = m->s.local;
    }
    return n;
}

static void update_locals(dnp3_mux_t *mux)
{
    uint16_t local[DNP3_CHANNEL_MAX_LOCAL];
    size_t n = dnp3i_mux_locals(mux, local, DNP3_CHANNEL_MAX_LOCAL);
    dnp3i_channel_set_local(mux->ch, local, n);
}

static long find_slot(const dnp3_mux_t *mux, uint16_t local, uint16_t remote)
{
    for (size_t i = 0; i < mux->cfg.max_sessions; i++) {
        const mux_slot_t *m = &mux->slots[i];
        if (m->used && m->s.local == local && m->s.remote == remote)
            return (long)i;
    }
    return -1;
}

static bool session_valid(const dnp3_app_session_t *s)
{
    return s && s->ops && s->ops->on_fragment && s->ops->take_fragment && s->ops->on_link_event &&
           s->local < 0xFFF0 && s->remote < 0xFFF0;
}

int dnp3_mux_attach(dnp3_mux_t *mux, const dnp3_app_session_t *session)
{
    if (!mux || !session_valid(session))
        return DNP3_E_INVALID_ARG;
    if (find_slot(mux, session->local, session->remote) >= 0)
        return DNP3_E_STATE;
    uint16_t local[DNP3_CHANNEL_MAX_LOCAL];
    size_t n = dnp3i_mux_locals(mux, local, DNP3_CHANNEL_MAX_LOCAL);
    if (!has_addr(local, n, session->local) && n >= DNP3_CHANNEL_MAX_LOCAL)
        return DNP3_E_NOSPACE;
    for (size_t i = 0; i < mux->cfg.max_sessions; i++) {
        mux_slot_t *m = &mux->slots[i];
        if (m->used)
            continue;
        memset(m, 0, sizeof *m);
        m->used = true;
        m->gen = ++mux->next_gen;
        m->s = *session;
        mux->attached++;
        if (i >= mux->span)
            mux->span = (uint32_t)i + 1;
        mux->counters.attaches++;
        update_locals(mux);
        if (mux->up)
            dnp3i_mux_link_event(mux, i, mux->now, DNP3_LINK_UP);
        return DNP3_OK;
    }
    return DNP3_E_NOSPACE;
}

int dnp3_mux_detach(dnp3_mux_t *mux, uint16_t local, uint16_t remote)
{
    long i = mux ? find_slot(mux, local, remote) : -1;
    if (i < 0)
        return DNP3_E_INVALID_ARG;
    mux->slots[i].used = false;
    mux->attached--;
    while (mux->span > 0 && !mux->slots[mux->span - 1].used)
        mux->span--;
    mux->counters.detaches++;
    update_locals(mux);
    return DNP3_OK;
}

size_t dnp3_mux_session_count(const dnp3_mux_t *mux)
{
    return mux ? mux->attached : 0;
}

/* ---- connection ------------------------------------------------------------ */

static void restart(dnp3_mux_t *mux, dnp3_timestamp_t now)
{
    mux->now = now;
    dnp3_channel_reset(mux->ch);
    mux->closed = false;
    mux->tx.busy = false;
    memset(&mux->foreign_limit, 0, sizeof mux->foreign_limit);
    memset(&mux->unclaimed_limit, 0, sizeof mux->unclaimed_limit);
}

void dnp3_mux_on_open(dnp3_mux_t *mux, dnp3_timestamp_t now)
{
    if (!mux)
        return;
    if (mux->up)
        dnp3i_mux_link_all(mux, now, DNP3_LINK_DOWN);
    restart(mux, now);
    dnp3i_mux_guard_open(mux, now);
    mux->up = true;
    dnp3i_mux_link_all(mux, now, DNP3_LINK_UP);
}

void dnp3_mux_on_close(dnp3_mux_t *mux, dnp3_timestamp_t now)
{
    if (!mux)
        return;
    bool was_up = mux->up;
    mux->up = false;
    mux->now = now;
    if (was_up)
        dnp3i_mux_link_all(mux, now, DNP3_LINK_DOWN);
    restart(mux, now);
}

bool dnp3_mux_closed(const dnp3_mux_t *mux)
{
    return mux && mux->closed;
}

dnp3_conn_t *dnp3_mux_conn(const dnp3_mux_t *mux)
{
    return mux ? mux->conn : NULL;
}

size_t dnp3_mux_memory(const dnp3_mux_t *mux)
{
    if (!mux)
        return 0;
    return sizeof *mux + mux->cfg.max_sessions * sizeof *mux->slots + dnp3_channel_memory(mux->ch);
}

dnp3_channel_t *dnp3_mux_channel(dnp3_mux_t *mux)
{
    return mux ? mux->ch : NULL;
}

/* ---- counters -------------------------------------------------------------- */

void dnp3_mux_counters(const dnp3_mux_t *mux, dnp3_mux_counters_t *out)
{
    if (!mux || !out)
        return;
    const mux_counters_t *c = &mux->counters;
    memset(out, 0, sizeof *out);
    dnp3_channel_counters(mux->ch, &out->channel);
    out->fragments_in = c->fragments_in;
    out->fragments_out = c->fragments_out;
    out->broadcast_in = c->broadcast_in;
    out->self_in = c->self_in;
    out->unclaimed = c->unclaimed;
    out->foreign = c->foreign;
    out->foreign_logs_suppressed = c->foreign_logs_suppressed;
    out->unclaimed_logs_suppressed = c->unclaimed_logs_suppressed;
    out->attaches = c->attaches;
    out->detaches = c->detaches;
    memcpy(out->closes, c->closes, sizeof out->closes);
}

int dnp3_mux_session_counters(const dnp3_mux_t *mux, uint16_t local, uint16_t remote,
                              dnp3_mux_session_counters_t *out)
{
    long i = mux && out ? find_slot(mux, local, remote) : -1;
    if (i < 0)
        return DNP3_E_INVALID_ARG;
    *out = mux->slots[i].counters;
    return DNP3_OK;
}
