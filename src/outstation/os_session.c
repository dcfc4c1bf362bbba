/* The session: which fragments are ours, confirms, repeated requests, and
 * the dispatch of a request (validate all of it, then carry it out). */
#include "outstation/outstation_internal.h"

#include <string.h>

static bool is_broadcast(uint16_t dst)
{
    return dst >= DNP3I_ADDR_BCAST_NOCF;
}

/* Requests an outstation carries out when broadcast (no response can tell
 * the master anything else). */
static bool broadcast_allowed(uint8_t func)
{
    switch (func) {
    case DNP3_FC_WRITE:
    case DNP3_FC_DIRECT_OPERATE_NR:
    case DNP3_FC_IMMED_FREEZE_NR:
    case DNP3_FC_FREEZE_CLEAR_NR:
    case DNP3_FC_FREEZE_AT_TIME_NR:
    case DNP3_FC_RECORD_CURRENT_TIME:
    case DNP3_FC_ENABLE_UNSOLICITED:
    case DNP3_FC_DISABLE_UNSOLICITED:
        return true;
    default:
        return false;
    }
}

static bool no_response(uint8_t func)
{
    return func == DNP3_FC_DIRECT_OPERATE_NR || func == DNP3_FC_IMMED_FREEZE_NR ||
           func == DNP3_FC_FREEZE_CLEAR_NR || func == DNP3_FC_FREEZE_AT_TIME_NR;
}

/* A response in progress is dropped: its written events go back. */
void dnp3i_os_sol_abandon(dnp3_outstation_t *o)
{
    if (o->sol_state == DNP3I_SOL_WAIT_CONFIRM || o->sol_state == DNP3I_SOL_READY)
        dnp3i_os_ev_unwrite(o, o->sol_seq, false);
    o->sol_state = DNP3I_SOL_IDLE;
    o->sol_more = false;
    o->sol_read = false;
    o->item_count = 0;
    o->read_deferred = false;
}

/* Every header parses and is in the conformance table. Counts the
 * objects on the way (r->objects, r->fixed_only) and keeps the first
 * header (r->first, r->headers). */
static uint16_t check_headers(dnp3_outstation_t *o, dnp3i_req_t *r)
{
    const dnp3_app_header_t *h = r->h;
    dnp3_obj_iter_t it;
    dnp3_obj_header_t oh;
    uint16_t err = 0;
    int rc;
    dnp3_obj_iter_init(&it, r->frag, r->len, h);
    r->objects = 0;
    r->fixed_only = true;
    r->headers = 0;
    while ((rc = dnp3_obj_iter_next(&it, &oh)) > 0) {
        err |= dnp3i_os_conform(h->func, &oh);
        if (r->headers == 0)
            r->first = oh;
        r->headers = (uint8_t)(r->headers < 2 ? r->headers + 1 : 2);
        r->objects += oh.count;
        r->fixed_only = r->fixed_only && dnp3i_os_fixed_size(&oh);
    }
    if (rc < 0) {
        o->counters.malformed++;
        dnp3i_os_log(o, DNP3_LOG_WARN, "malformed %s request: %s at offset %zu",
                     dnp3_fc_name(h->func), dnp3_strerror(it.diag.code), it.diag.offset);
        /* An unknown object of unknown size cannot be skipped: the object
         * is what is wrong (4.2.2.7.2 IIN2.1), not the parameters. */
        err |= it.diag.code == DNP3_E_APP_OBJECT_UNKNOWN ? DNP3_IIN_OBJECT_UNKNOWN
                                                         : DNP3_IIN_PARAMETER_ERROR;
    }
    return err;
}

/* Validate (execute false) or carry out one non-READ request. */
static uint16_t handle(dnp3_outstation_t *o, const dnp3i_req_t *r, bool execute,
                       dnp3_app_writer_t *w)
{
    switch (r->h->func) {
    case DNP3_FC_WRITE:
        return dnp3i_os_write(o, r, execute);
    case DNP3_FC_SELECT:
    case DNP3_FC_OPERATE:
    case DNP3_FC_DIRECT_OPERATE:
    case DNP3_FC_DIRECT_OPERATE_NR:
        return dnp3i_os_control(o, r, execute, w);
    case DNP3_FC_IMMED_FREEZE:
    case DNP3_FC_IMMED_FREEZE_NR:
    case DNP3_FC_FREEZE_CLEAR:
    case DNP3_FC_FREEZE_CLEAR_NR:
    case DNP3_FC_FREEZE_AT_TIME:
    case DNP3_FC_FREEZE_AT_TIME_NR:
        return dnp3i_os_freeze(o, r, execute);
    case DNP3_FC_ASSIGN_CLASS:
        return dnp3i_os_assign_class(o, r, execute);
    case DNP3_FC_ENABLE_UNSOLICITED:
    case DNP3_FC_DISABLE_UNSOLICITED:
        return dnp3i_os_unsol_enable(o, r, execute);
    case DNP3_FC_COLD_RESTART:
    case DNP3_FC_WARM_RESTART:
        return dnp3i_os_restart(o, r, execute, w);
    case DNP3_FC_DELAY_MEASURE:
        if (execute) {
            /* g52v2 (5.2.1): the delay is patched in when the response
             * leaves (take_fragment), from the request's arrival. */
            dnp3_app_write_header(w, 52, 2, 0x07, 1, 0);
            o->delay_at = w->len;
            dnp3_point_t pt = {.type = DNP3_VT_DELAY};
            dnp3_app_write_point(w, &pt);
        }
        return 0;
    case DNP3_FC_RECORD_CURRENT_TIME:
        if (execute) {
            o->record_valid = true;
            o->record_at = o->now;
        }
        return 0;
    default:
        return DNP3_IIN_NO_FUNC_CODE_SUPPORT;
    }
}

/* The response in tx (its header's control and function written, len
 * bytes in all) is ready, with the IIN and err. */
static void ready_response(dnp3_outstation_t *o, size_t len, uint16_t err)
{
    o->tx_len = len;
    uint16_t iin = (uint16_t)(dnp3i_os_iin(o) | err);
    o->tx[2] = (uint8_t)(iin >> 8);
    o->tx[3] = (uint8_t)iin;
    o->sol_con = false;
    o->sol_more = false;
    o->sol_has_events = false;
    o->sol_state = DNP3I_SOL_READY;
    if (err & (DNP3_IIN_NO_FUNC_CODE_SUPPORT | DNP3_IIN_OBJECT_UNKNOWN | DNP3_IIN_PARAMETER_ERROR))
        o->counters.errors_iin++;
}

static void finish_response(dnp3_outstation_t *o, dnp3_app_writer_t *w, uint16_t err)
{
    if (dnp3_app_writer_finish(w) < 0) {
        /* The objects did not fit (a control echo larger than our
         * fragment): answer with the header only. */
        w->len = 4;
        err |= DNP3_IIN_PARAMETER_ERROR;
    }
    ready_response(o, w->len, err);
}

/* A READ is planned now (the request is not kept) and its fragments are
 * written when taken (dnp3i_os_read_fragment). */
static void answer_read(dnp3_outstation_t *o, const dnp3i_req_t *r, uint16_t err)
{
    o->req_iin = err;
    o->list_len = 0;
    if (!err)
        o->req_iin = dnp3i_os_read_plan(o, r->h, r->frag, r->len);
    if (o->req_iin) {
        o->item_count = 0;
        o->counters.errors_iin++;
    }
    o->static_started = o->item_count == 0 ? true : o->static_started;
    o->sol_first = true;
    o->sol_read = true;
    o->sol_state = DNP3I_SOL_READY;
}

static bool is_control(uint8_t func)
{
    return func == DNP3_FC_SELECT || func == DNP3_FC_OPERATE || func == DNP3_FC_DIRECT_OPERATE ||
           func == DNP3_FC_DIRECT_OPERATE_NR;
}

/* After a request was carried out: the log line of an error; true when
 * no response is due (broadcast, a _NR function), the session then idle. */
static bool none_due(dnp3_outstation_t *o, const dnp3_app_header_t *h, bool bcast, uint16_t err)
{
    if (err)
        dnp3i_os_log(o, DNP3_LOG_INFO, "%s request answered with IIN2 0x%02x",
                     dnp3_fc_name(h->func) ? dnp3_fc_name(h->func) : "undefined", err);
    if (bcast || no_response(h->func)) {
        o->sol_state = DNP3I_SOL_IDLE;
        o->last_rsp_len = 0;
        return true;
    }
    return false;
}

/* A control request of the usual shape (dnp3i_os_control_fast): the same
 * outcome as the general path without the header and point iterators and
 * without the writer (its response is the 4-byte header and the echo).
 * It is on the path of every command's response. false: not that shape. */
static bool control_fast(dnp3_outstation_t *o, const dnp3i_req_t *r, bool bcast)
{
    uint16_t err;
    /* max_tx_fragment is at least DNP3I_OS_MIN_TX: room for the header */
    if (!dnp3i_os_control_fast(o, r, o->tx + 4, o->cfg.max_tx_fragment - 4u, &err))
        return false;
    o->sol_read = false;
    if (none_due(o, r->h, bcast, err))
        return true;
    o->tx[0] = (uint8_t)(DNP3_AC_FIR | DNP3_AC_FIN | (r->h->control & DNP3_AC_SEQ_MASK));
    o->tx[1] = DNP3_FC_RESPONSE;
    ready_response(o, err ? 4 : r->len + 2, err);
    o->last_rsp_len = o->tx_len;
    return true;
}

static void dispatch(dnp3_outstation_t *o, const dnp3_app_header_t *h, bool bcast,
                     const uint8_t *data, size_t len)
{
    const uint8_t seq = h->control & DNP3_AC_SEQ_MASK;
    /* Not zero-filled whole: r.first (an object header, most of r's
     * bytes) is set by check_headers and read only after it. */
    dnp3i_req_t r;
    r.h = h;
    r.frag = data;
    r.len = len;
    r.broadcast = bcast;
    r.fixed_only = true;
    r.objects = 0;
    r.headers = 0;
    o->sol_seq = seq;
    o->delay_at = 0;
    if (is_control(h->func) && control_fast(o, &r, bcast))
        return;
    uint16_t err =
        dnp3i_os_func_supported(h->func) ? check_headers(o, &r) : DNP3_IIN_NO_FUNC_CODE_SUPPORT;
    if (h->func == DNP3_FC_READ && !bcast) {
        answer_read(o, &r, err);
        return;
    }
    dnp3_app_writer_t w;
    dnp3_app_writer_init(&w, o->tx, o->cfg.max_tx_fragment);
    dnp3_app_write_response(&w, (uint8_t)(DNP3_AC_FIR | DNP3_AC_FIN | seq), DNP3_FC_RESPONSE, 0);
    o->sol_read = false;
    if (!err)
        err = handle(o, &r, false, &w);
    if (!err)
        err = handle(o, &r, true, &w);
    if (none_due(o, h, bcast, err))
        return;
    finish_response(o, &w, err);
    o->last_rsp_len = o->tx_len;
}

/* The READ deferred while an unsolicited response waited for its confirm
 * (its answer, sent at once, could carry a point's newer events while the
 * older ones of the unsolicited response are still to reach the master:
 * lost on the way and retried later): answered
 * now that the confirm came or timed out. */
static void run_deferred(dnp3_outstation_t *o)
{
    if (!o->read_deferred || o->uns_state == DNP3I_UNS_WAIT)
        return;
    o->read_deferred = false;
    o->sol_state = DNP3I_SOL_READY; /* planned when it came */
}

static void on_confirm(dnp3_outstation_t *o, const dnp3_app_header_t *h)
{
    const uint8_t seq = h->control & DNP3_AC_SEQ_MASK;
    if (h->control & DNP3_AC_UNS) {
        dnp3i_os_unsol_confirm(o, seq);
        run_deferred(o);
        return;
    }
    if (o->sol_state != DNP3I_SOL_WAIT_CONFIRM || seq != o->sol_seq) {
        o->counters.confirms_unexpected++;
        return;
    }
    dnp3i_os_ev_confirm(o, seq, false);
    o->bcast_confirm = false;
    o->bcast_pending = false;
    if (o->sol_more) {
        o->sol_seq = (uint8_t)((seq + 1) & DNP3_AC_SEQ_MASK);
        o->sol_first = false;
        o->sol_state = DNP3I_SOL_READY; /* written when taken */
    } else {
        o->sol_state = DNP3I_SOL_IDLE;
    }
}

static bool accept_address(dnp3_outstation_t *o, uint16_t src, uint16_t dst)
{
    if (src != o->cfg.master_address ||
        !(dst == o->cfg.local_address || (dst == DNP3I_ADDR_SELF && o->cfg.self_address) ||
          (is_broadcast(dst) && o->cfg.broadcast))) {
        o->counters.wrong_address++;
        dnp3i_os_log(o, DNP3_LOG_WARN, "fragment from %u to %u ignored (association %u -> %u)", src,
                     dst, o->cfg.master_address, o->cfg.local_address);
        return false;
    }
    return true;
}

/* The request is the one answered last (same sequence, same bytes: the
 * master lost our response, 4.4.1): send that response again. */
static bool repeat(dnp3_outstation_t *o, size_t len, uint64_t hash)
{
    if (!o->rx_valid || o->rx_was_read || len != o->rx_len || hash != o->rx_hash)
        return false;
    o->counters.repeats++;
    if (o->last_rsp_len) {
        /* tx still holds it as built (take_fragment patches its copy). */
        o->tx_len = o->last_rsp_len;
        o->sol_read = false;
        o->sol_con = false;
        o->sol_more = false;
        o->sol_state = DNP3I_SOL_READY;
    }
    return true;
}

void dnp3_outstation_on_fragment(dnp3_outstation_t *o, dnp3_timestamp_t now, uint16_t src,
                                 uint16_t dst, const uint8_t *data, size_t len)
{
    if (!o || (!data && len))
        return;
    o->now = now;
    if (!accept_address(o, src, dst))
        return;
    dnp3_app_header_t h;
    if (dnp3_app_header_read(data, len, &h) < 0 || dnp3_fc_is_response(h.func)) {
        o->counters.malformed++;
        dnp3i_os_log(o, DNP3_LOG_WARN, "malformed request of %zu bytes ignored", len);
        return;
    }
    o->counters.requests[dnp3i_os_fc_slot(h.func)]++;
    dnp3i_os_trace(o, false, src, data, len);
    if (h.func == DNP3_FC_CONFIRM) {
        on_confirm(o, &h);
        return;
    }
    const bool bcast = is_broadcast(dst);
    if (len > o->cfg.max_rx_fragment) {
        o->counters.too_large++;
        dnp3i_os_log(o, DNP3_LOG_WARN, "request of %zu bytes above the limit %u", len,
                     (unsigned)o->cfg.max_rx_fragment);
        dnp3i_os_sol_abandon(o);
        o->rx_valid = false;
        o->last_rsp_len = 0;
        if (!bcast) {
            o->sol_read = false;
            dnp3_app_writer_t w;
            dnp3_app_writer_init(&w, o->tx, o->cfg.max_tx_fragment);
            dnp3_app_write_response(&w, (uint8_t)(DNP3_AC_FIR | DNP3_AC_FIN | (h.control & 15)),
                                    DNP3_FC_RESPONSE, 0);
            finish_response(o, &w, DNP3_IIN_PARAMETER_ERROR);
        }
        return;
    }
    const uint64_t hash = dnp3i_os_hash(data, len);
    if (!bcast && repeat(o, len, hash))
        return;
    dnp3i_os_sol_abandon(o);
    if (bcast) {
        o->rx_valid = false;
        if (!broadcast_allowed(h.func)) {
            dnp3i_os_log(o, DNP3_LOG_INFO, "broadcast %s ignored",
                         dnp3_fc_name(h.func) ? dnp3_fc_name(h.func) : "undefined");
            return;
        }
        o->counters.broadcasts++;
        o->bcast_pending = true;
        o->bcast_confirm = o->bcast_confirm || dst == DNP3I_ADDR_BCAST_CF;
    }
    o->rx_hash = hash;
    o->rx_len = len;
    o->rx_valid = !bcast;
    o->rx_was_read = h.func == DNP3_FC_READ;
    o->rx_time = now;
    o->last_rsp_len = 0;
    dispatch(o, &h, bcast, data, len);
    if (o->sol_read && o->sol_state == DNP3I_SOL_READY && o->uns_state == DNP3I_UNS_WAIT &&
        !o->uns_is_null) {
        /* Planned; answered after the unsolicited response's confirm. */
        o->sol_state = DNP3I_SOL_IDLE;
        o->read_deferred = true;
    }
}

/* The response due, into buf: a READ's next fragment written there, or
 * tx's copied (tx keeps it as built, for a repeat, and the copy gets the
 * DELAY_MEASURE value). 0 when cap is too small. */
static size_t take_response(dnp3_outstation_t *o, dnp3_timestamp_t now, uint8_t *buf, size_t cap)
{
    if (o->sol_read) {
        const size_t c = cap < o->cfg.max_tx_fragment ? cap : o->cfg.max_tx_fragment;
        return c < DNP3I_OS_MIN_TX ? 0 : dnp3i_os_read_fragment(o, buf, c);
    }
    if (cap < o->tx_len)
        return 0;
    memcpy(buf, o->tx, o->tx_len);
    if (o->delay_at) {
        uint64_t d = now - o->rx_time;
        if (d > 0xFFFF)
            d = 0xFFFF;
        buf[o->delay_at] = (uint8_t)d;
        buf[o->delay_at + 1] = (uint8_t)(d >> 8);
        o->delay_at = 0;
    }
    return o->tx_len;
}

size_t dnp3_outstation_take_fragment(dnp3_outstation_t *o, dnp3_timestamp_t now, uint8_t *buf,
                                     size_t cap, uint16_t *dst, bool *confirmed)
{
    if (!o || !buf)
        return 0;
    o->now = now;
    if (dst)
        *dst = o->cfg.master_address;
    if (confirmed)
        *confirmed = false;
    if (o->sol_state == DNP3I_SOL_READY) {
        size_t len = take_response(o, now, buf, cap);
        if (!len)
            return 0;
        if (o->bcast_pending && !o->bcast_confirm) {
            o->bcast_pending = false; /* reported once (0xFFFD/0xFFFF) */
        } else if (o->bcast_pending && (buf[2] & 0x01)) {
            buf[0] |= DNP3_AC_CON; /* 0xFFFE: the master must confirm it */
            o->sol_con = true;
        }
        o->counters.responses++;
        dnp3i_os_trace(o, true, o->cfg.master_address, buf, len);
        if (o->sol_con) {
            o->sol_state = DNP3I_SOL_WAIT_CONFIRM;
            o->sol_deadline = now + o->cfg.confirm_timeout_ms;
        } else {
            o->sol_state = DNP3I_SOL_IDLE;
        }
        return len;
    }
    if (o->sol_state != DNP3I_SOL_IDLE)
        return 0; /* no unsolicited response while a response waits (4.6) */
    size_t n = dnp3i_os_unsol_take(o, now, buf, cap);
    if (n)
        dnp3i_os_trace(o, true, o->cfg.master_address, buf, n);
    return n;
}

bool dnp3_outstation_want_send(const dnp3_outstation_t *o)
{
    if (!o)
        return false;
    return o->sol_state == DNP3I_SOL_READY ||
           (o->sol_state == DNP3I_SOL_IDLE && o->uns_state == DNP3I_UNS_READY);
}

dnp3_timestamp_t dnp3_outstation_next_deadline(const dnp3_outstation_t *o)
{
    if (!o)
        return DNP3_TIMESTAMP_NEVER;
    dnp3_timestamp_t d = o->need_time ? DNP3_TIMESTAMP_NEVER : o->need_time_at;
    if (o->sol_state == DNP3I_SOL_WAIT_CONFIRM)
        d = dnp3_timestamp_min(d, o->sol_deadline);
    return dnp3_timestamp_min(d, dnp3i_os_unsol_deadline(o));
}

void dnp3_outstation_on_timer(dnp3_outstation_t *o, dnp3_timestamp_t now)
{
    if (!o)
        return;
    o->now = now;
    if (o->sol_state == DNP3I_SOL_WAIT_CONFIRM && now >= o->sol_deadline) {
        int n = dnp3i_os_ev_unwrite(o, o->sol_seq, false);
        /* An unsolicited response built meanwhile holds newer events than
         * these: rebuilt, oldest first. */
        dnp3i_os_unsol_yield(o);
        o->counters.confirms_timed_out++;
        dnp3i_os_log(o, DNP3_LOG_INFO, "no confirm for response seq %u: %d events kept", o->sol_seq,
                     n);
        o->sol_state = DNP3I_SOL_IDLE;
        o->sol_more = false;
    }
    if (!o->need_time && o->need_time_at != DNP3_TIMESTAMP_NEVER && now >= o->need_time_at) {
        o->need_time = true;
        o->need_time_at = DNP3_TIMESTAMP_NEVER;
    }
    dnp3i_os_unsol_poll(o, now);
    run_deferred(o);
}

void dnp3_outstation_on_link_event(dnp3_outstation_t *o, dnp3_timestamp_t now,
                                   dnp3_link_state_event_t ev)
{
    if (!o)
        return;
    o->now = now;
    switch (ev) {
    case DNP3_LINK_UP:
        o->counters.link_up++;
        o->link_up = true;
        dnp3i_os_unsol_link(o, true);
        dnp3i_os_unsol_poll(o, now);
        break;
    case DNP3_LINK_DOWN:
        o->counters.link_down++;
        o->link_up = false;
        o->sol_state = DNP3I_SOL_IDLE;
        o->sol_more = false;
        o->sol_read = false;
        o->item_count = 0;
        o->sel_valid = false;
        o->rx_valid = false;
        o->read_deferred = false;
        dnp3i_os_unsol_link(o, false);
        /* Nothing sent on the old connection counts as delivered (13.3). */
        dnp3i_os_ev_unwrite_all(o);
        break;
    default:
        break;
    }
}

/* ---- the mux's interface (dnp3/mux.h) ---- */
static void ops_on_fragment(void *s, dnp3_timestamp_t now, uint16_t src, uint16_t dst,
                            const uint8_t *data, size_t len)
{
    dnp3_outstation_on_fragment(s, now, src, dst, data, len);
}
static size_t ops_take(void *s, dnp3_timestamp_t now, uint8_t *buf, size_t cap, uint16_t *dst,
                       bool *confirmed)
{
    return dnp3_outstation_take_fragment(s, now, buf, cap, dst, confirmed);
}
static bool ops_want(void *s)
{
    return dnp3_outstation_want_send(s);
}
static dnp3_timestamp_t ops_deadline(void *s)
{
    return dnp3_outstation_next_deadline(s);
}
static void ops_timer(void *s, dnp3_timestamp_t now)
{
    dnp3_outstation_on_timer(s, now);
}
static void ops_link(void *s, dnp3_timestamp_t now, dnp3_link_state_event_t ev)
{
    dnp3_outstation_on_link_event(s, now, ev);
}

static const dnp3_app_session_ops_t outstation_ops = {
    .on_fragment = ops_on_fragment,
    .take_fragment = ops_take,
    .want_send = ops_want,
    .next_deadline = ops_deadline,
    .on_timer = ops_timer,
    .on_link_event = ops_link,
};

int dnp3_outstation_app_session(dnp3_outstation_t *o, dnp3_app_session_t *out)
{
    if (!o || !out)
        return DNP3_E_INVALID_ARG;
    out->ops = &outstation_ops;
    out->s = o;
    out->local = o->cfg.local_address;
    out->remote = o->cfg.master_address;
    return DNP3_OK;
}
