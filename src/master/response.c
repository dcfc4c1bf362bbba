/* Received fragments: solicited responses (sequence and FIR/FIN checked,
 * CON confirmed, multi-fragment with the response timeout restarted per
 * fragment) and unsolicited responses (confirmed; a repeat of the last one,
 * byte for byte, confirmed again but not delivered twice: our confirm was
 * lost). Task completion and retry. */
#include <string.h>

#include "master/master_internal.h"
#include "util/byteorder.h"

void dnp3i_confirm_queue(dnp3_master_assoc_t *a, uint8_t seq, bool uns)
{
    if (a->n_confirms == DNP3I_MAX_CONFIRMS) { /* the oldest is moot by now */
        memmove(a->confirms, a->confirms + 1, DNP3I_MAX_CONFIRMS - 1);
        a->n_confirms--;
    }
    a->confirms[a->n_confirms++] =
        (uint8_t)(DNP3_AC_FIR | DNP3_AC_FIN | (uns ? DNP3_AC_UNS : 0) | (seq & DNP3_AC_SEQ_MASK));
}

static bool retryable(const dnp3_master_assoc_t *a, const dnp3i_task_t *t, dnp3_master_result_t r)
{
    return t->safe && a->link_up &&
           (r == DNP3_MASTER_TIMEOUT || r == DNP3_MASTER_RESPONSE_ERROR ||
            r == DNP3_MASTER_TX_FAILED);
}

static void backoff(const dnp3_master_assoc_t *a, dnp3_timestamp_t now, dnp3_timestamp_t *ready,
                    uint32_t *delay)
{
    *ready = now + *delay;
    uint32_t next = *delay > a->cfg.task_retry_max_ms / 2 ? a->cfg.task_retry_max_ms : *delay * 2;
    *delay = next ? next : 1;
}

static void finish_auto(dnp3_master_assoc_t *a, dnp3_timestamp_t now, const dnp3i_cur_t *c,
                        dnp3_master_result_t r)
{
    dnp3i_auto_state_t *st =
        c->source == DNP3I_SRC_AUTO ? &a->autos[c->index] : &a->ranges[c->index].st;
    /* A clearing write or time sync whose answer still shows the bit did
     * not work: retry later rather than loop. */
    if (r == DNP3_MASTER_SUCCESS && c->source == DNP3I_SRC_AUTO &&
        ((c->index == DNP3I_AUTO_CLEAR_RESTART && (c->iin & DNP3_IIN_DEVICE_RESTART)) ||
         (c->index == DNP3I_AUTO_TIME_SYNC && (c->iin & DNP3_IIN_NEED_TIME))))
        r = DNP3_MASTER_RESPONSE_ERROR;
    bool retry = retryable(a, &c->t, r);
    const bool event_poll = c->source == DNP3I_SRC_AUTO && c->index == DNP3I_AUTO_EVENT_POLL;
    if (retry) {
        backoff(a, now, &st->ready_at, &st->backoff_ms);
        a->counters.retries++;
        if (event_poll) /* read those classes again, with any that came due */
            a->event_classes |= c->t.classes;
    } else {
        st->pending = false;
        st->backoff_ms = a->cfg.task_retry_ms;
        if (c->source == DNP3I_SRC_AUTO && c->index == DNP3I_AUTO_INTEGRITY &&
            r == DNP3_MASTER_SUCCESS) { /* it read every class */
            a->autos[DNP3I_AUTO_EVENT_POLL].pending = false;
            a->event_classes = 0;
        }
        /* classes that came due while this poll was out */
        if (event_poll && a->event_classes)
            dnp3i_auto_set(a, DNP3I_AUTO_EVENT_POLL, now);
    }
    dnp3i_report(a, &c->t, r, retry, c->iin, c->delay_ms);
    dnp3i_startup_check(a, now);
}

bool dnp3i_single_response_ok(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                              const dnp3_app_header_t *h)
{
    if ((h->control & (DNP3_AC_FIR | DNP3_AC_FIN)) != (DNP3_AC_FIR | DNP3_AC_FIN)) {
        dnp3i_finish(a, now, DNP3_MASTER_RESPONSE_ERROR);
        return false;
    }
    if (dnp3i_iin2_error(h->iin)) {
        dnp3i_finish(a, now, DNP3_MASTER_IIN2_ERROR);
        return false;
    }
    return true;
}

/* Which classes the outstation now reports unsolicited, as far as this
 * master changed them. */
static void track_unsolicited(dnp3_master_assoc_t *a, const dnp3i_task_t *t, dnp3_master_result_t r)
{
    const uint8_t classes =
        t->classes & (DNP3_MASTER_CLASS_1 | DNP3_MASTER_CLASS_2 | DNP3_MASTER_CLASS_3);
    if (r != DNP3_MASTER_SUCCESS)
        return;
    if (t->kind == DNP3_TASK_ENABLE_UNSOL)
        a->unsol_enabled |= classes;
    else if (t->kind == DNP3_TASK_DISABLE_UNSOL)
        a->unsol_enabled &= (uint8_t)~classes;
}

void dnp3i_finish(dnp3_master_assoc_t *a, dnp3_timestamp_t now, dnp3_master_result_t r)
{
    dnp3i_cur_t c = a->cur;
    memset(&a->cur, 0, sizeof a->cur);
    if (c.iin2_error && r == DNP3_MASTER_SUCCESS)
        r = DNP3_MASTER_IIN2_ERROR;
    track_unsolicited(a, &c.t, r);
    if (c.source != DNP3I_SRC_USER) {
        finish_auto(a, now, &c, r);
        return;
    }
    if (!dnp3i_queue_owns(a, c.index))
        return; /* no longer queued (cannot happen: only finish removes the current task) */
    dnp3i_slot_t *s = dnp3i_slot(a, c.index);
    if (retryable(a, &s->t, r)) {
        backoff(a, now, &s->t.ready_at, &s->t.backoff_ms);
        a->counters.retries++;
        dnp3i_report(a, &s->t, r, true, c.iin, c.delay_ms);
        return;
    }
    dnp3i_task_t t = s->t;
    dnp3i_queue_remove(a, c.index);
    dnp3i_report(a, &t, r, false, c.iin, c.delay_ms);
}

/* confirm_first: copy data into held (the next fragment may overwrite it)
 * and deliver it at the next on_timer. */
static void hold(dnp3_master_assoc_t *a, const uint8_t *data, size_t len,
                 const dnp3_app_header_t *h, const dnp3_master_rx_info_t *info)
{
    memcpy(a->held, data, len);
    a->pending = true;
    a->pending_len = len;
    a->pending_h = *h;
    a->pending_info = *info;
}

static bool read_kind(uint8_t kind)
{
    return kind == DNP3_TASK_INTEGRITY || kind == DNP3_TASK_EVENT_POLL ||
           kind == DNP3_TASK_RANGE_SCAN;
}

/* A repeated unsolicited fragment is told by its length and this 64-bit
 * hash (FNV-1a over 8-byte words, then a final mix; a different fragment
 * with both equal is a chance of about 2^-64), a few hundred ns for 2 KB. */
static uint64_t fragment_hash(const uint8_t *data, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u;
    size_t i = 0;
    for (; i + 8 <= len; i += 8)
        h = (h ^ dnp3i_get_le64(data + i)) * 0x100000001b3u;
    for (; i < len; i++)
        h = (h ^ data[i]) * 0x100000001b3u;
    h ^= h >> 33;
    h *= 0xff51afd7ed558ccdu;
    h ^= h >> 33;
    return h;
}

static void on_unsolicited(dnp3_master_assoc_t *a, dnp3_timestamp_t now, const uint8_t *data,
                           size_t len, const dnp3_app_header_t *h)
{
    const uint8_t seq = h->control & DNP3_AC_SEQ_MASK;
    const bool con = (h->control & DNP3_AC_CON) != 0;
    const uint64_t hash = fragment_hash(data, len);
    if (a->have_last_unsol && len == a->last_unsol_len && hash == a->last_unsol_hash) {
        if (con)
            dnp3i_confirm_queue(a, seq, true);
        a->counters.unsolicited_repeats++;
        dnp3i_master_log(a, DNP3_LOG_DEBUG, "repeated unsolicited seq %u confirmed again",
                         (unsigned)seq);
        return;
    }
    int rc = dnp3i_measure_validate(data, len, h);
    if (rc < 0) {
        a->counters.malformed++;
        dnp3i_master_log(a, DNP3_LOG_WARN, "unsolicited response dropped: %s", dnp3_strerror(rc));
        return;
    }
    a->last_unsol_hash = hash;
    a->last_unsol_len = len;
    a->have_last_unsol = true;
    if (con)
        dnp3i_confirm_queue(a, seq, true);
    a->counters.unsolicited++;
    dnp3i_iin_update(a, h->iin);
    dnp3_master_rx_info_t info = {true, seq, h->control, h->iin, 0, DNP3_TASK_KIND_COUNT_};
    if (con && len > 4 && a->held)
        hold(a, data, len, h, &info);
    else if (len > 4)
        dnp3i_measure_deliver(a, data, len, h, &info);
    dnp3i_health_good(a);
    dnp3i_iin_react(a, now, h->iin);
}

void dnp3i_deliver_pending(dnp3_master_assoc_t *a)
{
    if (!a->pending)
        return;
    a->pending = false;
    dnp3i_measure_deliver(a, a->held, a->pending_len, &a->pending_h, &a->pending_info);
}

static void on_read_like(dnp3_master_assoc_t *a, dnp3_timestamp_t now, const uint8_t *data,
                         size_t len, const dnp3_app_header_t *h)
{
    dnp3i_cur_t *c = &a->cur;
    dnp3_master_rx_info_t info = {false,   h->control & DNP3_AC_SEQ_MASK, h->control, h->iin,
                                  c->t.id, (dnp3_task_kind_t)c->t.kind};
    const uint8_t more = DNP3_AC_CON | DNP3_AC_FIN;
    if (len > 4 && a->held && (h->control & more) == DNP3_AC_CON && read_kind(c->t.kind))
        hold(a, data, len, h, &info);
    else if (len > 4)
        dnp3i_measure_deliver(a, data, len, h, &info);
    if (c->t.kind == DNP3_TASK_REQUEST && a->cb.on_response)
        a->cb.on_response(a->ctx, c->t.id, data, len);
    if (c->t.kind == DNP3_TASK_RESTART) {
        uint32_t d = dnp3i_measure_delay(data, len, h);
        c->delay_ms = d == UINT32_MAX ? 0 : d;
    }
    if (h->control & DNP3_AC_FIN)
        dnp3i_finish(a, now, DNP3_MASTER_SUCCESS);
    else
        c->deadline = now + a->cfg.response_timeout_ms;
}

static bool in_sequence(const dnp3i_cur_t *c, const dnp3_app_header_t *h)
{
    const uint8_t seq = h->control & DNP3_AC_SEQ_MASK;
    const bool fir = (h->control & DNP3_AC_FIR) != 0;
    if (!c->got_fir)
        return fir && seq == c->seq;
    return !fir && seq == c->expect_seq;
}

static void on_solicited(dnp3_master_assoc_t *a, dnp3_timestamp_t now, const uint8_t *data,
                         size_t len, const dnp3_app_header_t *h)
{
    dnp3i_cur_t *c = &a->cur;
    if (!c->active || !c->sent || !in_sequence(c, h)) {
        a->counters.unexpected++;
        dnp3i_master_log(a, DNP3_LOG_DEBUG, "response seq %u ignored (not awaited)",
                         (unsigned)(h->control & DNP3_AC_SEQ_MASK));
        return;
    }
    /* A command's echo is compared with the request first: when it matches,
     * the walk that validates every other response is not needed. */
    const bool echo = c->t.kind == DNP3_TASK_COMMAND && dnp3i_command_echo(a, data, len);
    int rc = echo ? 0 : dnp3i_measure_validate(data, len, h);
    if (rc < 0) {
        a->counters.malformed++;
        dnp3i_master_log(a, DNP3_LOG_WARN, "response dropped: %s", dnp3_strerror(rc));
        dnp3i_health_set(a, DNP3_MASTER_FAILED, DNP3_MASTER_REASON_BAD_RESPONSE, 0);
        dnp3i_finish(a, now, DNP3_MASTER_RESPONSE_ERROR);
        return;
    }
    const uint8_t seq = h->control & DNP3_AC_SEQ_MASK;
    if (h->control & DNP3_AC_CON)
        dnp3i_confirm_queue(a, seq, false);
    a->counters.responses++;
    c->got_fir = true;
    c->expect_seq = (uint8_t)((seq + 1) & DNP3_AC_SEQ_MASK);
    c->iin = h->iin;
    if (dnp3i_iin2_error(h->iin))
        c->iin2_error = true;
    dnp3i_iin_update(a, h->iin);
    dnp3i_health_good(a);
    if (c->t.kind == DNP3_TASK_COMMAND)
        dnp3i_command_response(a, now, h, echo);
    else if (c->t.kind == DNP3_TASK_TIME_SYNC)
        dnp3i_timesync_response(a, now, data, len, h);
    else
        on_read_like(a, now, data, len, h);
    if (h->control & DNP3_AC_FIN)
        dnp3i_iin_react(a, now, h->iin);
}

void dnp3_master_assoc_on_fragment(dnp3_master_assoc_t *a, dnp3_timestamp_t now, uint16_t src,
                                   uint16_t dst, const uint8_t *data, size_t len)
{
    if (!a || (!data && len))
        return;
    a->now = now;
    dnp3i_deliver_pending(a);
    dnp3_app_header_t h;
    if (!a->link_up || src != a->cfg.outstation_address || dst != a->cfg.master_address) {
        a->counters.unexpected++;
        return;
    }
    dnp3i_master_trace(a, false, data, len);
    if (len > a->cfg.max_rx_fragment || dnp3_app_header_read(data, len, &h) < 0) {
        a->counters.malformed++;
        return;
    }
    if (h.func == DNP3_FC_UNSOLICITED_RESPONSE && h.has_iin)
        on_unsolicited(a, now, data, len, &h);
    else if (h.func == DNP3_FC_RESPONSE && h.has_iin)
        on_solicited(a, now, data, len, &h);
    else
        a->counters.unexpected++;
}
