/* The association as a mux session: fragments out (confirms first, then
 * the current task's request), deadlines, timers and link events. */
#include <stdio.h>
#include <string.h>

#include "master/master_internal.h"

static void sent(dnp3_master_assoc_t *a, dnp3_timestamp_t now, uint8_t seq, uint8_t func)
{
    dnp3i_cur_t *c = &a->cur;
    c->need_send = false;
    c->sent = true;
    c->got_fir = false;
    c->seq = seq;
    c->sent_at = now;
    c->deadline = now + a->cfg.response_timeout_ms;
    a->counters.requests_sent++;
    dnp3i_master_log(a, DNP3_LOG_DEBUG, "request %s seq %u (%s)", dnp3_fc_name(func), (unsigned)seq,
                     dnp3_task_kind_name((dnp3_task_kind_t)c->t.kind));
    if (dnp3i_fc_no_response(func))
        dnp3i_finish(a, now, DNP3_MASTER_SENT);
}

/* The current request into buf; 0 if none can be written now. */
static size_t take_request(dnp3_master_assoc_t *a, dnp3_timestamp_t now, uint8_t *buf, size_t cap)
{
    /* A task whose request cannot be built fails; try the next one (each
     * failure removes or defers its task, so this ends). */
    for (int tries = 0; tries < 8; tries++) {
        if (!dnp3i_master_pick(a, now) || !a->cur.need_send)
            return 0;
        if (cap < a->cfg.max_tx_fragment)
            return 0;
        uint8_t seq = a->seq;
        int n = dnp3i_request_write(a, now, buf, a->cfg.max_tx_fragment, seq);
        if (n < 0) {
            dnp3i_master_log(a, DNP3_LOG_WARN, "request not written: %s", dnp3_strerror(n));
            dnp3i_finish(a, now,
                         n == DNP3_E_STATE ? DNP3_MASTER_NO_CLOCK : DNP3_MASTER_RESPONSE_ERROR);
            continue;
        }
        a->seq = (uint8_t)((seq + 1) & DNP3_AC_SEQ_MASK);
        dnp3i_master_trace(a, true, buf, (size_t)n);
        sent(a, now, seq, buf[1]);
        return (size_t)n;
    }
    return 0;
}

size_t dnp3_master_assoc_take_fragment(dnp3_master_assoc_t *a, dnp3_timestamp_t now, uint8_t *buf,
                                       size_t cap, uint16_t *dst, bool *confirmed)
{
    if (!a || !buf)
        return 0;
    a->now = now;
    if (dst)
        *dst = a->cfg.outstation_address;
    if (confirmed)
        *confirmed = false;
    if (!a->link_up)
        return 0;
    if (a->n_confirms) {
        if (cap < 2)
            return 0;
        buf[0] = a->confirms[0];
        buf[1] = DNP3_FC_CONFIRM;
        memmove(a->confirms, a->confirms + 1, --a->n_confirms);
        a->counters.confirms_sent++;
        dnp3i_master_trace(a, true, buf, 2);
        return 2;
    }
    return take_request(a, now, buf, cap);
}

bool dnp3_master_assoc_want_send(const dnp3_master_assoc_t *a)
{
    if (!a || !a->link_up)
        return false;
    if (a->n_confirms)
        return true;
    if (a->cur.active)
        return a->cur.need_send;
    return dnp3i_schedule_ready(a, a->now);
}

dnp3_timestamp_t dnp3_master_assoc_next_deadline(const dnp3_master_assoc_t *a)
{
    if (!a || !a->link_up)
        return DNP3_TIMESTAMP_NEVER;
    if (a->pending)
        return a->now; /* deliver at once, after the confirm went out */
    if (a->cur.active)
        return a->cur.sent ? a->cur.deadline : DNP3_TIMESTAMP_NEVER;
    bool ready;
    return dnp3i_schedule_deadline(a, a->now, &ready);
}

int dnp3_master_assoc_set_traffic_probe(dnp3_master_assoc_t *a,
                                        bool (*silent)(void *ctx, uint64_t *bytes_out), void *ctx)
{
    if (!a)
        return DNP3_E_INVALID_ARG;
    a->silent = silent;
    a->silent_ctx = silent ? ctx : NULL;
    return 0;
}

size_t dnp3_master_assoc_silence_hint(const dnp3_master_assoc_t *a, char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return 0;
    buf[0] = '\0';
    uint64_t out = 0;
    if (!a || !a->silent || !a->silent(a->silent_ctx, &out))
        return 0;
    int n = snprintf(buf, cap,
                     "nothing at all came back on this connection (%llu bytes sent, 0 received "
                     "since it opened): check that the outstation's link address is %u and that "
                     "it accepts master address %u",
                     (unsigned long long)out, (unsigned)a->cfg.outstation_address,
                     (unsigned)a->cfg.master_address);
    if (n < 0)
        return buf[0] = '\0', 0;
    return (size_t)n < cap ? (size_t)n : cap - 1;
}

/* The timeout's WARN line, with the silence hint when nothing came back:
 * the clue that tells a wrong address from a slow outstation. */
static void log_timeout(dnp3_master_assoc_t *a)
{
    const dnp3i_cur_t *c = &a->cur;
    char hint[256];
    bool silent = dnp3_master_assoc_silence_hint(a, hint, sizeof hint) > 0;
    dnp3i_master_log(a, DNP3_LOG_WARN, "no response to %s seq %u within %u ms%s%s",
                     dnp3_task_kind_name((dnp3_task_kind_t)c->t.kind), (unsigned)c->seq,
                     (unsigned)a->cfg.response_timeout_ms, silent ? "; " : "", hint);
}

void dnp3_master_assoc_on_timer(dnp3_master_assoc_t *a, dnp3_timestamp_t now)
{
    if (!a)
        return;
    a->now = now;
    dnp3i_deliver_pending(a);
    dnp3i_cur_t *c = &a->cur;
    if (c->active && c->sent && now >= c->deadline) {
        a->counters.timeouts++;
        log_timeout(a);
        dnp3i_health_set(a, DNP3_MASTER_FAILED, DNP3_MASTER_REASON_RESPONSE_TIMEOUT, 0);
        dnp3i_finish(a, now, DNP3_MASTER_TIMEOUT);
    }
    dnp3i_schedule_due(a, now);
}

static void link_up(dnp3_master_assoc_t *a, dnp3_timestamp_t now)
{
    if (a->link_up)
        return;
    a->link_up = true;
    a->pending = false;
    memset(&a->cur, 0, sizeof a->cur);
    a->n_confirms = 0;
    a->have_last_unsol = false;
    a->have_iin = false;
    dnp3i_schedule_link_up(a, now);
    dnp3i_health_set(a, DNP3_MASTER_CONNECTED, DNP3_MASTER_REASON_NONE, 0);
    dnp3i_startup_begin(a, now);
}

static void link_down(dnp3_master_assoc_t *a, dnp3_timestamp_t now)
{
    if (!a->link_up)
        return;
    dnp3i_deliver_pending(a); /* received and confirmed: not lost */
    a->link_up = false;
    a->startup_done = false;
    a->unsol_enabled = 0;
    a->n_confirms = 0;
    dnp3i_health_set(a, DNP3_MASTER_FAILED, DNP3_MASTER_REASON_LINK_DOWN, 0);
    if (a->cur.active)
        dnp3i_finish(a, now, DNP3_MASTER_LINK_DOWN);
    dnp3i_queue_fail_all(a, DNP3_MASTER_LINK_DOWN);
    dnp3i_schedule_link_up(a, now);
}

void dnp3_master_assoc_on_link_event(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                                     dnp3_link_state_event_t ev)
{
    if (!a)
        return;
    a->now = now;
    switch (ev) {
    case DNP3_LINK_UP:
        link_up(a, now);
        break;
    case DNP3_LINK_DOWN:
        link_down(a, now);
        break;
    case DNP3_LINK_TX_FAILED:
        if (a->cur.active && a->cur.sent)
            dnp3i_finish(a, now, DNP3_MASTER_TX_FAILED);
        break;
    default:
        break;
    }
}

/* ---- dnp3_app_session_ops_t ---- */

static void ops_on_fragment(void *s, dnp3_timestamp_t now, uint16_t src, uint16_t dst,
                            const uint8_t *data, size_t len)
{
    dnp3_master_assoc_on_fragment(s, now, src, dst, data, len);
}

static size_t ops_take_fragment(void *s, dnp3_timestamp_t now, uint8_t *buf, size_t cap,
                                uint16_t *dst, bool *confirmed)
{
    return dnp3_master_assoc_take_fragment(s, now, buf, cap, dst, confirmed);
}

static bool ops_want_send(void *s)
{
    return dnp3_master_assoc_want_send(s);
}

static dnp3_timestamp_t ops_next_deadline(void *s)
{
    return dnp3_master_assoc_next_deadline(s);
}

static void ops_on_timer(void *s, dnp3_timestamp_t now)
{
    dnp3_master_assoc_on_timer(s, now);
}

static void ops_on_link_event(void *s, dnp3_timestamp_t now, dnp3_link_state_event_t ev)
{
    dnp3_master_assoc_on_link_event(s, now, ev);
}

static const dnp3_app_session_ops_t master_ops = {ops_on_fragment, ops_take_fragment,
                                                  ops_want_send,   ops_next_deadline,
                                                  ops_on_timer,    ops_on_link_event};

int dnp3_master_assoc_app_session(dnp3_master_assoc_t *a, dnp3_app_session_t *session)
{
    if (!a || !session)
        return DNP3_E_INVALID_ARG;
    session->ops = &master_ops;
    session->s = a;
    session->local = a->cfg.master_address;
    session->remote = a->cfg.outstation_address;
    return DNP3_OK;
}
