/* Channel lifetime, configuration, the event queue, counters and time. */
#include <stdlib.h>
#include <string.h>

#include "channel/channel_internal.h"

void dnp3_channel_config_default(dnp3_channel_config_t *cfg)
{
    if (!cfg)
        return;
    memset(cfg, 0, sizeof *cfg);
    cfg->role = DNP3_CHANNEL_ROLE_MASTER;
    cfg->mode = DNP3_CHANNEL_MODE_SESSION;
    cfg->local[0] = 1;
    cfg->n_local = 1;
    /* On TCP a framing error means the stream is unusable (9.2.4 gives no
     * resynchronisation there): close and let the runtime reconnect. */
    cfg->policy = DNP3_LINK_POLICY_CLOSE;
    cfg->rx_fragment_max = DNP3_FRAGMENT_SIZE_DEFAULT;
    cfg->tx_fragment_max = DNP3_FRAGMENT_SIZE_DEFAULT;
    cfg->max_peers = 1;
    cfg->accept_self = true;
    cfg->accept_broadcast = true;
    cfg->confirm_timeout_ms = 2000;
    cfg->confirm_retries = 2;
    cfg->reassembly_timeout_ms = 10000;
}

static bool fragment_size_ok(size_t n)
{
    return n >= DNP3_CHANNEL_FRAGMENT_MIN && n <= DNP3_FRAGMENT_SIZE_MAX;
}

static bool config_ok(const dnp3_channel_config_t *cfg)
{
    if (!fragment_size_ok(cfg->rx_fragment_max) || !fragment_size_ok(cfg->tx_fragment_max))
        return false;
    if (cfg->max_peers == 0 || cfg->max_peers > SIZE_MAX / sizeof(ch_slot_t))
        return false;
    if (cfg->confirm_timeout_ms == 0)
        return false;
    if (cfg->role != DNP3_CHANNEL_ROLE_MASTER && cfg->role != DNP3_CHANNEL_ROLE_OUTSTATION)
        return false;
    if (cfg->policy != DNP3_LINK_POLICY_CLOSE && cfg->policy != DNP3_LINK_POLICY_DISCARD)
        return false;
    if (cfg->mode == DNP3_CHANNEL_MODE_MONITOR)
        return true;
    return cfg->mode == DNP3_CHANNEL_MODE_SESSION && cfg->n_local >= 1 &&
           cfg->n_local <= DNP3_CHANNEL_MAX_LOCAL;
}

/* The session block with the tx fragment buffer as its tail (none with a
 * pool: fragments are framed from the caller's bytes or a pool buffer). */
static int session_alloc(dnp3_channel_t *ch)
{
    size_t n = sizeof *ch->ses + (ch->pool ? 0 : ch->cfg.tx_fragment_max);
    ch->ses = calloc(1, n);
    if (!ch->ses)
        return DNP3_E_NOMEM;
    ch->ses->tx.own = ch->pool ? NULL : (uint8_t *)(ch->ses + 1);
    ch->memory += n;
    return DNP3_OK;
}

/* The configured pool, when it can serve this channel. */
static dnp3_fragment_pool_t *usable_pool(const dnp3_channel_config_t *cfg)
{
    if (!cfg->pool || cfg->mode != DNP3_CHANNEL_MODE_SESSION)
        return NULL;
    size_t size = dnp3i_fragment_pool_size(cfg->pool);
    return size >= cfg->rx_fragment_max && size >= cfg->tx_fragment_max ? cfg->pool : NULL;
}

dnp3_channel_t *dnp3_channel_new(const dnp3_channel_config_t *cfg, int *err)
{
    int e = DNP3_E_INVALID_ARG;
    dnp3_channel_t *ch = NULL;
    if (!cfg || !config_ok(cfg))
        goto fail;
    e = DNP3_E_NOMEM;
    bool session = cfg->mode == DNP3_CHANNEL_MODE_SESSION;
    unsigned ev_cap = session ? CH_EVENT_QUEUE : CH_EVENT_QUEUE_MONITOR;
    dnp3_fragment_pool_t *pool = usable_pool(cfg);
    size_t size = sizeof *ch + ev_cap * sizeof ch->events[0] +
                  (pool ? 0 : DNP3_LINK_MAX_USER_DATA + DNP3_LINK_MAX_FRAME);
    ch = calloc(1, size);
    if (!ch)
        goto fail;
    ch->cfg = *cfg;
    ch->monitor = !session;
    ch->report_frames = cfg->report_frames;
    ch->rx_max = cfg->rx_fragment_max;
    ch->ev_cap = ev_cap;
    ch->events = (ch_event_t *)(ch + 1);
    ch->memory = size;
    ch->pool = pool;
    ch->user = pool ? dnp3i_fragment_pool_user(pool) : (uint8_t *)(ch->events + ev_cap);
    ch->pbuf = pool ? NULL : ch->user + DNP3_LINK_MAX_USER_DATA;
    if (ch->pool)
        dnp3i_fragment_pool_use(ch->pool);
    dnp3i_link_parser_init(&ch->parser, cfg->policy);
    if (session && session_alloc(ch) != 0)
        goto fail;
    if (dnp3i_channel_slots_alloc(ch) != 0)
        goto fail;
    if (err)
        *err = DNP3_OK;
    return ch;
fail:
    dnp3_channel_free(ch);
    if (err)
        *err = e;
    return NULL;
}

void dnp3_channel_free(dnp3_channel_t *ch)
{
    if (!ch)
        return;
    dnp3i_channel_slots_free(ch);
    if (ch->pool) {
        ch->parser.have = 0;
        dnp3i_channel_frame_release(ch);
    }
    if (ch->ses)
        dnp3i_channel_tx_end(ch);
    free(ch->ses);
    if (ch->pool)
        dnp3i_fragment_pool_unuse(ch->pool);
    free(ch);
}

void dnp3_channel_reset(dnp3_channel_t *ch)
{
    if (!ch)
        return;
    /* What the parser still holds (a partial frame, a pending garbage run)
     * is lost with the connection: counted as discarded, without an event. */
    ch->reset_discarded += ch->parser.have + ch->parser.run_len;
    dnp3i_link_parser_reset(&ch->parser);
    dnp3i_channel_frame_release(ch);
    for (size_t i = 0; i < ch->n_slots; i++) {
        if (ch->slots[i].used)
            dnp3i_channel_slot_release(ch, &ch->slots[i]);
    }
    ch->ev_head = ch->ev_count = 0;
    ch->reasm = 0;
    if (ch->ses) {
        ch->ses->rp_head = ch->ses->rp_count = 0;
        dnp3i_channel_primary_forget(ch);
        dnp3i_channel_tx_end(ch);
        ch->ses->tx.seq = 0;
    }
}

bool dnp3_channel_closed(const dnp3_channel_t *ch)
{
    return ch && ch->parser.closed;
}

bool dnp3i_channel_is_local(const dnp3_channel_t *ch, uint16_t addr)
{
    for (size_t i = 0; i < ch->cfg.n_local; i++) {
        if (ch->cfg.local[i] == addr)
            return true;
    }
    return false;
}

void dnp3i_channel_set_local(dnp3_channel_t *ch, const uint16_t *local, size_t n)
{
    if (!ch || !local || n == 0 || n > DNP3_CHANNEL_MAX_LOCAL)
        return;
    memcpy(ch->cfg.local, local, n * sizeof *local);
    ch->cfg.n_local = n;
}

const dnp3_channel_config_t *dnp3i_channel_config(const dnp3_channel_t *ch)
{
    return &ch->cfg;
}

bool dnp3i_channel_our_dir(const dnp3_channel_t *ch)
{
    return ch->cfg.role == DNP3_CHANNEL_ROLE_MASTER;
}

/* ---- event queue -------------------------------------------------------------- */

static const char *const EVENT_NAMES[] = {
    [DNP3_CHANNEL_EV_NONE] = "NONE",
    [DNP3_CHANNEL_EV_FRAME] = "FRAME",
    [DNP3_CHANNEL_EV_FRAGMENT] = "FRAGMENT",
    [DNP3_CHANNEL_EV_LINK_DISCARD] = "LINK_DISCARD",
    [DNP3_CHANNEL_EV_CLOSED] = "CLOSED",
    [DNP3_CHANNEL_EV_TP_DROP] = "TP_DROP",
    [DNP3_CHANNEL_EV_FOREIGN] = "FOREIGN",
    [DNP3_CHANNEL_EV_IGNORED] = "IGNORED",
    [DNP3_CHANNEL_EV_PEER_RESET] = "PEER_RESET",
    [DNP3_CHANNEL_EV_KEEPALIVE_OK] = "KEEPALIVE_OK",
    [DNP3_CHANNEL_EV_KEEPALIVE_FAILED] = "KEEPALIVE_FAILED",
    [DNP3_CHANNEL_EV_LINK_RESET_DONE] = "LINK_RESET_DONE",
    [DNP3_CHANNEL_EV_SEND_FAILED] = "SEND_FAILED",
    [DNP3_CHANNEL_EV_TX_DONE] = "TX_DONE",
    [DNP3_CHANNEL_EV_SLOT_FULL] = "SLOT_FULL",
    [DNP3_CHANNEL_EV_SLOT_EVICTED] = "SLOT_EVICTED",
};

const char *dnp3_channel_event_name(dnp3_channel_event_kind_t kind)
{
    size_t k = (size_t)kind;
    if (k < sizeof EVENT_NAMES / sizeof EVENT_NAMES[0] && EVENT_NAMES[k])
        return EVENT_NAMES[k];
    return "UNKNOWN";
}

const char *dnp3_channel_ignore_name(int reason)
{
    switch (reason) {
    case DNP3_CHANNEL_IGNORE_DIRECTION:
        return "DIRECTION";
    case DNP3_CHANNEL_IGNORE_SOURCE:
        return "SOURCE";
    case DNP3_CHANNEL_IGNORE_DUPLICATE:
        return "DUPLICATE";
    case DNP3_CHANNEL_IGNORE_NOT_RESET:
        return "NOT_RESET";
    case DNP3_CHANNEL_IGNORE_FUNCTION:
        return "FUNCTION";
    case DNP3_CHANNEL_IGNORE_BROADCAST:
        return "BROADCAST";
    case DNP3_CHANNEL_IGNORE_UNEXPECTED:
        return "UNEXPECTED";
    default:
        return "UNKNOWN";
    }
}

/* ---- observing ------------------------------------------------------------------ */

static void add_tp(dnp3_tp_counters_t *sum, const dnp3_tp_counters_t *c)
{
    sum->segments += c->segments;
    sum->fragments += c->fragments;
    sum->empty += c->empty;
    sum->no_fir += c->no_fir;
    sum->sequence += c->sequence;
    sum->duplicate += c->duplicate;
    sum->address += c->address;
    sum->overflow += c->overflow;
    sum->fir_restart += c->fir_restart;
    sum->dropped_bytes += c->dropped_bytes;
}

/* Folds a slot's transport counters into the channel's before the slot is
 * reused, so nothing counted is ever lost. */
void dnp3i_channel_retire_tp(dnp3_channel_t *ch, const dnp3_tp_counters_t *c)
{
    add_tp(&ch->counters.transport, c);
}

void dnp3_channel_counters(const dnp3_channel_t *ch, dnp3_channel_counters_t *out)
{
    if (!ch || !out)
        return;
    memset(out, 0, sizeof *out);
    out->transport = ch->counters.transport;
#define CH_COUNTER_COPY(name) out->name = ch->counters.name;
    CH_COLD_COUNTERS(CH_COUNTER_COPY)
#undef CH_COUNTER_COPY
    out->rx_frame_bytes = ch->hot.rx_frame_bytes;
    out->rx_user_data = ch->hot.rx_user_data;
    out->rx_link_control = ch->hot.rx_link_control;
    out->fragments_rx = ch->hot.fragments_rx;
    out->link = ch->parser.counters;
    out->link.discarded_bytes += ch->reset_discarded;
    for (size_t i = 0; i < ch->n_slots; i++) {
        if (ch->slots[i].used)
            add_tp(&out->transport, &ch->slots[i].r.counters);
    }
}

size_t dnp3_channel_memory(const dnp3_channel_t *ch)
{
    return ch ? ch->memory : 0;
}

void dnp3_channel_pending(const dnp3_channel_t *ch, dnp3_channel_pending_t *out)
{
    if (!out)
        return;
    memset(out, 0, sizeof *out);
    if (!ch)
        return;
    out->frame_bytes = ch->parser.have;
    out->discard_bytes = (size_t)ch->parser.run_len;
    for (size_t i = 0; i < ch->n_slots; i++) {
        const ch_slot_t *s = &ch->slots[i];
        if (s->used && s->r.in_progress) {
            out->fragments++;
            out->fragment_bytes += s->r.len;
        }
    }
}

/* ---- time -------------------------------------------------------------------------- */

void dnp3_channel_on_timer(dnp3_channel_t *ch, dnp3_timestamp_t now, dnp3_channel_event_t *ev)
{
    dnp3i_channel_event_clear(ev, DNP3_CHANNEL_EV_NONE);
    if (!ch)
        return;
    if (dnp3i_channel_pop(ch, ev))
        return;
    dnp3i_channel_timers(ch, now);
    dnp3i_channel_pop(ch, ev);
}

dnp3_timestamp_t dnp3_channel_next_deadline(const dnp3_channel_t *ch)
{
    if (!ch)
        return DNP3_TIMESTAMP_NEVER;
    if (ch->ev_count > 0)
        return 0;
    if (dnp3i_channel_reasm_watch(ch)) /* rare: a fragment or frame in pieces */
        return dnp3_timestamp_min(dnp3i_channel_primary_deadline(ch),
                                  dnp3i_channel_reasm_deadline(ch));
    return dnp3i_channel_primary_deadline(ch); /* a tail call: asked after every event */
}
