/* Master channels: a runtime TCP client driving a mux of master
 * associations. The runtime's session operations are the mux's, plus the
 * connect progress (connecting / failed) that only a client has, which the
 * associations' health and the owner's event callback want. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3/master_client.h"
#include "util/logline.h"

struct dnp3_master_channel {
    dnp3_runtime_t *rt;
    char name[72]; /* "host:port" of the first endpoint, for the mux's log lines */
    dnp3_mux_t *mux;
    dnp3_conn_t *conn;
    size_t n_assocs, max_assocs;
    dnp3_logger_t logger; /* the mux's: the owner's, or channel_log */
    /* The start-up link resets of this connection: assocs[reset_next..]
     * are still to be considered; while reset_busy, the one to reset_dst is
     * on the channel, begun when its send_failures counter was
     * reset_failures. */
    size_t reset_next;
    bool reset_busy;
    uint16_t reset_dst;
    uint64_t reset_failures;
    void (*on_event)(void *user, dnp3_master_channel_t *ch, const dnp3_master_channel_event_t *ev);
    void *user;
    dnp3_master_assoc_t *assocs[]; /* attached, max_associations slots (one allocation) */
};

void dnp3_master_channel_config_default(dnp3_master_channel_config_t *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    dnp3_tcp_client_config_t tc;
    dnp3_tcp_client_config_default(&tc);
    cfg->connect_timeout_ms = tc.connect_timeout_ms;
    cfg->backoff_min_ms = tc.backoff_min_ms;
    cfg->backoff_max_ms = tc.backoff_max_ms;
    cfg->tcp_keepalive = tc.keepalive;
    cfg->link_keepalive_ms = 60000;
    cfg->link_confirm_timeout_ms = 2000;
    cfg->reassembly_timeout_ms = 10000;
    cfg->max_associations = 1;
    cfg->max_rx_fragment = 2048;
    cfg->max_tx_fragment = 2048;
    cfg->logger.level = DNP3_LOG_INFO;
}

const char *dnp3_master_channel_event_name(dnp3_master_channel_event_kind_t k)
{
    switch (k) {
    case DNP3_MASTER_CHANNEL_CONNECTING:
        return "connecting";
    case DNP3_MASTER_CHANNEL_CONNECTED:
        return "connected";
    case DNP3_MASTER_CHANNEL_CONNECT_FAILED:
        return "connect failed";
    case DNP3_MASTER_CHANNEL_DISCONNECTED:
        return "disconnected";
    }
    return "?";
}

static void emit(dnp3_master_channel_t *ch, const dnp3_master_channel_event_t *ev)
{
    if (ch->on_event)
        ch->on_event(ch->user, ch, ev);
}

/* ---- the runtime session operations ----------------------------------------- */

static void client_log(const dnp3_master_channel_t *ch, dnp3_log_level_t level, const char *fmt,
                       ...)
{
    if (!ch->logger.log || level > ch->logger.level)
        return;
    va_list ap;
    va_start(ap, fmt);
    dnp3i_log_vline(ch->logger.log, ch->logger.ctx, level, fmt, ap);
    va_end(ap);
}

static uint64_t send_failures(const dnp3_channel_t *lc)
{
    dnp3_channel_counters_t c;
    dnp3_channel_counters(lc, &c);
    return c.send_failures;
}

/* The reset in flight ended when the channel can send again (its primary
 * station answered LINK_RESET_DONE or SEND_FAILED) or counted a failure;
 * a failure is reported: the outstation may refuse confirmed data. */
static bool reset_settled(dnp3_master_channel_t *ch, dnp3_channel_t *lc)
{
    bool failed = send_failures(lc) != ch->reset_failures;
    if (!failed && !dnp3_channel_can_send(lc))
        return false;
    ch->reset_busy = false;
    if (failed)
        client_log(ch, DNP3_LOG_WARN,
                   "outstation %u: start-up RESET_LINK_STATES not acknowledged (no ACK after "
                   "the retries, NACK or NOT_SUPPORTED)",
                   (unsigned)ch->reset_dst);
    return true;
}

/* The start-up link resets (dnp3_master_config_t.startup_link_reset): one
 * RESET_LINK_STATES (9.2.6.2) to every association that asks for it, in
 * the order they were added, one at a time as the primary station allows
 * (the next once the previous is ACKed or failed after the retries). Each
 * holds the channel, so the associations' requests, which wait for it, go
 * after the resets. Called after every step of the connection (open,
 * bytes, timer, output) and when an association is added while connected. */
static void link_resets_pump(dnp3_master_channel_t *ch, dnp3_timestamp_t now)
{
    /* The usual case, on every read, timer and flush: all done. */
    if (!ch->conn || (!ch->reset_busy && ch->reset_next == ch->n_assocs))
        return;
    dnp3_channel_t *lc = dnp3_mux_channel(ch->mux);
    if (ch->reset_busy && !reset_settled(ch, lc))
        return;
    while (ch->reset_next < ch->n_assocs) {
        const dnp3_master_config_t *c = dnp3_master_assoc_config(ch->assocs[ch->reset_next]);
        if (!c->startup_link_reset) {
            ch->reset_next++;
            continue;
        }
        uint64_t failures = send_failures(lc);
        int rc = dnp3_channel_reset_link(lc, now, c->outstation_address);
        if (rc == DNP3_E_STATE)
            return; /* the primary station is busy: when it is done */
        ch->reset_next++;
        if (rc < 0) {
            client_log(ch, DNP3_LOG_WARN, "outstation %u: start-up RESET_LINK_STATES not sent: %s",
                       (unsigned)c->outstation_address, dnp3_strerror(rc));
            continue;
        }
        ch->reset_busy = true;
        ch->reset_dst = c->outstation_address;
        ch->reset_failures = failures;
        return;
    }
}

static void s_open(void *ctx, dnp3_conn_t *conn, const dnp3_conn_info_t *info, dnp3_timestamp_t now)
{
    dnp3_master_channel_t *ch = ctx;
    ch->conn = conn;
    dnp3_mux_on_open(ch->mux, now);
    ch->reset_next = 0;
    ch->reset_busy = false;
    link_resets_pump(ch, now);
    char text[DNP3_ENDPOINT_TEXT_MAX];
    if (dnp3_endpoint_format(&info->peer, text, sizeof text) < 0)
        strcpy(text, "?");
    dnp3_master_channel_event_t ev = {
        .kind = DNP3_MASTER_CHANNEL_CONNECTED, .endpoint = text, .info = info};
    emit(ch, &ev);
}

static int s_bytes(void *ctx, dnp3_timestamp_t now, const uint8_t *data, size_t len)
{
    dnp3_master_channel_t *ch = ctx;
    int rc = dnp3_mux_on_bytes(ch->mux, now, data, len);
    link_resets_pump(ch, now);
    return rc;
}

static int s_take(void *ctx, dnp3_timestamp_t now, uint8_t *buf, size_t cap)
{
    dnp3_master_channel_t *ch = ctx;
    link_resets_pump(ch, now);
    return dnp3_mux_take_output(ch->mux, now, buf, cap);
}

static bool s_want(void *ctx)
{
    const dnp3_master_channel_t *ch = ctx;
    return dnp3_mux_want_write(ch->mux);
}

static dnp3_timestamp_t s_deadline(void *ctx)
{
    const dnp3_master_channel_t *ch = ctx;
    return dnp3_mux_next_deadline(ch->mux);
}

static int s_timer(void *ctx, dnp3_timestamp_t now)
{
    dnp3_master_channel_t *ch = ctx;
    int rc = dnp3_mux_on_timer(ch->mux, now);
    link_resets_pump(ch, now);
    return rc;
}

static void s_close(void *ctx, dnp3_disconnect_reason_t reason)
{
    dnp3_master_channel_t *ch = ctx;
    ch->conn = NULL;
    ch->reset_busy = false;
    dnp3_mux_on_close(ch->mux, dnp3_runtime_now(ch->rt));
    dnp3_master_channel_event_t ev = {.kind = DNP3_MASTER_CHANNEL_DISCONNECTED, .reason = reason};
    emit(ch, &ev);
}

static void s_connect_failed(void *ctx, const char *endpoint, int code)
{
    dnp3_master_channel_t *ch = ctx;
    dnp3_timestamp_t now = dnp3_runtime_now(ch->rt);
    for (size_t i = 0; i < ch->n_assocs; i++)
        dnp3_master_assoc_on_connect_failed(ch->assocs[i], now, code);
    dnp3_master_channel_event_t ev = {
        .kind = DNP3_MASTER_CHANNEL_CONNECT_FAILED, .endpoint = endpoint, .error = code};
    emit(ch, &ev);
}

static void s_connecting(void *ctx, const char *endpoint)
{
    dnp3_master_channel_t *ch = ctx;
    dnp3_timestamp_t now = dnp3_runtime_now(ch->rt);
    for (size_t i = 0; i < ch->n_assocs; i++)
        dnp3_master_assoc_on_connecting(ch->assocs[i], now);
    dnp3_master_channel_event_t ev = {.kind = DNP3_MASTER_CHANNEL_CONNECTING, .endpoint = endpoint};
    emit(ch, &ev);
}

static const dnp3_session_ops_t channel_ops = {
    .on_open = s_open,
    .on_bytes = s_bytes,
    .take_output = s_take,
    .want_write = s_want,
    .next_deadline = s_deadline,
    .on_timer = s_timer,
    .on_close = s_close,
    .on_connect_failed = s_connect_failed,
    .on_connecting = s_connecting,
};

/* The associations' traffic probe (dnp3_master_assoc_set_traffic_probe):
 * the connection's own byte counts, so that a response timeout can say
 * that not one byte came back. */
static bool assoc_silent(void *ctx, uint64_t *bytes_out)
{
    const dnp3_master_channel_t *ch = ctx;
    if (!ch->conn || dnp3_conn_bytes_in(ch->conn) > 0)
        return false;
    *bytes_out = dnp3_conn_bytes_out(ch->conn);
    return true;
}

/* ---- creation ---------------------------------------------------------------- */

/* The mux's diagnostics (an outstation speaking from an address no
 * association polls, foreign frames, stalls) through the runtime's logger
 * when the owner gave no log function: as runtime.h's NULL means, not
 * silence (the mux on its own writes nowhere). */
static void channel_log(void *ctx, dnp3_log_level_t level, const char *msg)
{
    dnp3_master_channel_t *ch = ctx;
    dnp3_runtime_log(ch->rt, level, "channel %s: %s", ch->name, msg);
}

static dnp3_mux_t *make_mux(dnp3_runtime_t *rt, dnp3_master_channel_t *ch,
                            const dnp3_master_channel_config_t *cfg, int *err)
{
    dnp3_mux_config_t mc;
    dnp3_mux_config_default(&mc);
    mc.channel.role = DNP3_CHANNEL_ROLE_MASTER;
    mc.channel.keepalive_ms = cfg->link_keepalive_ms;
    mc.channel.confirm_timeout_ms = cfg->link_confirm_timeout_ms;
    mc.channel.reassembly_timeout_ms = cfg->reassembly_timeout_ms;
    mc.channel.rx_fragment_max = cfg->max_rx_fragment;
    mc.channel.tx_fragment_max = cfg->max_tx_fragment;
    mc.channel.max_peers = cfg->max_associations;
    mc.channel.pool = dnp3_runtime_fragment_pool(rt);
    mc.max_sessions = cfg->max_associations;
    mc.logger = ch->logger;
    return dnp3_mux_new(&mc, err);
}

static bool config_ok(const dnp3_master_channel_config_t *cfg)
{
    return cfg->endpoints && cfg->endpoint_count >= 1 &&
           cfg->endpoint_count <= DNP3_RUNTIME_ENDPOINT_MAX && cfg->max_associations >= 1 &&
           cfg->max_associations <= DNP3_MUX_MAX_SESSIONS && cfg->link_confirm_timeout_ms > 0;
}

int dnp3_master_channel_new(dnp3_runtime_t *rt, const dnp3_master_channel_config_t *cfg,
                            dnp3_master_channel_t **out)
{
    if (!rt || !cfg || !out || !config_ok(cfg))
        return DNP3_E_INVALID_ARG;
    *out = NULL;
    dnp3_master_channel_t *ch =
        calloc(1, sizeof *ch + cfg->max_associations * sizeof(dnp3_master_assoc_t *));
    if (!ch)
        return DNP3_E_NOMEM;
    int err = DNP3_E_NOMEM;
    ch->rt = rt;
    snprintf(ch->name, sizeof ch->name, "%.60s:%u",
             cfg->endpoints[0].host ? cfg->endpoints[0].host : "?",
             cfg->endpoints[0].port ? cfg->endpoints[0].port : 20000u);
    ch->logger = cfg->logger;
    if (!ch->logger.log) {
        ch->logger.log = channel_log;
        ch->logger.ctx = ch;
    }
    ch->mux = make_mux(rt, ch, cfg, &err);
    if (!ch->mux) {
        dnp3_master_channel_free(ch);
        return err;
    }
    ch->max_assocs = cfg->max_associations;
    ch->on_event = cfg->on_event;
    ch->user = cfg->user;

    dnp3_tcp_client_config_t tc;
    dnp3_tcp_client_config_default(&tc);
    tc.endpoints = cfg->endpoints;
    tc.endpoint_count = cfg->endpoint_count;
    tc.connect_timeout_ms = cfg->connect_timeout_ms;
    tc.backoff_min_ms = cfg->backoff_min_ms;
    tc.backoff_max_ms = cfg->backoff_max_ms;
    tc.keepalive = cfg->tcp_keepalive;
    tc.session.ops = &channel_ops;
    tc.session.ctx = ch;
    int rc = dnp3_runtime_add_tcp_client(rt, &tc, NULL);
    if (rc < 0) {
        dnp3_master_channel_free(ch);
        return rc;
    }
    *out = ch;
    return 0;
}

void dnp3_master_channel_free(dnp3_master_channel_t *ch)
{
    if (!ch)
        return;
    dnp3_mux_free(ch->mux);
    free(ch);
}

int dnp3_master_channel_add(dnp3_master_channel_t *ch, dnp3_master_assoc_t *a)
{
    if (!ch || !a)
        return DNP3_E_INVALID_ARG;
    if (ch->n_assocs == ch->max_assocs)
        return DNP3_E_NOSPACE;
    dnp3_app_session_t s;
    int rc = dnp3_master_assoc_app_session(a, &s);
    if (rc == 0)
        rc = dnp3_mux_attach(ch->mux, &s);
    if (rc < 0)
        return rc;
    ch->assocs[ch->n_assocs++] = a;
    (void)dnp3_master_assoc_set_traffic_probe(a, assoc_silent, ch);
    if (ch->conn) {
        link_resets_pump(ch, dnp3_runtime_now(ch->rt));
        dnp3_conn_wake(ch->conn);
    }
    return 0;
}

int dnp3_master_channel_wake(dnp3_master_channel_t *ch)
{
    if (!ch)
        return DNP3_E_INVALID_ARG;
    if (ch->conn)
        dnp3_conn_wake(ch->conn);
    return 0;
}

dnp3_conn_t *dnp3_master_channel_conn(const dnp3_master_channel_t *ch)
{
    return ch ? ch->conn : NULL;
}

dnp3_mux_t *dnp3_master_channel_mux(dnp3_master_channel_t *ch)
{
    return ch ? ch->mux : NULL;
}
