/* Unsolicited responses (4.6): the null unsolicited response after a
 * restart, then events of the classes the master enabled, held for a time
 * or a count, each response confirmed or retried with the same sequence
 * number, and after the last retry given back to the buffer. */
#include "outstation/outstation_internal.h"

#include <string.h>

static uint32_t pending(const dnp3_outstation_t *o)
{
    uint32_t n = 0;
    for (uint8_t c = 1; c <= 3; c++)
        if (o->uns_enabled & (1u << (c - 1)))
            n += dnp3i_os_ev_unwritten(o, c);
    return n;
}

static void start_fragment(dnp3_outstation_t *o, dnp3_app_writer_t *w)
{
    dnp3_app_writer_init(w, o->uns_tx, o->cfg.max_tx_fragment);
    dnp3_app_write_response(
        w, (uint8_t)(DNP3_AC_FIR | DNP3_AC_FIN | DNP3_AC_CON | DNP3_AC_UNS | o->uns_seq),
        DNP3_FC_UNSOLICITED_RESPONSE, 0);
}

static void seal(dnp3_outstation_t *o, dnp3_app_writer_t *w)
{
    dnp3_app_writer_finish(w);
    o->uns_len = w->len;
    uint16_t iin = dnp3i_os_iin(o);
    o->uns_tx[2] = (uint8_t)(iin >> 8);
    o->uns_tx[3] = (uint8_t)iin;
    o->uns_tries = 0;
    o->uns_state = DNP3I_UNS_READY;
}

static void build_null(dnp3_outstation_t *o)
{
    dnp3_app_writer_t w;
    start_fragment(o, &w);
    o->uns_is_null = true;
    seal(o, &w);
}

static void build_events(dnp3_outstation_t *o)
{
    dnp3_app_writer_t w;
    start_fragment(o, &w);
    /* No READ plan applies: every event in its own variation. */
    const uint32_t saved = o->item_count;
    o->item_count = 0;
    bool full; /* what does not fit goes in the next unsolicited response */
    uint32_t n = dnp3i_os_write_class_events(o, &w, o->uns_enabled, &full);
    int written = dnp3_event_buffer_write(o->eb, n, o->uns_seq, true);
    o->item_count = saved;
    if (written > 0)
        o->counters.events_sent += (uint64_t)written;
    o->uns_is_null = false;
    seal(o, &w);
}

void dnp3i_os_unsol_link(dnp3_outstation_t *o, bool up)
{
    if (!up) {
        if (o->uns_state == DNP3I_UNS_READY || o->uns_state == DNP3I_UNS_WAIT)
            dnp3i_os_ev_unwrite(o, o->uns_seq, true);
        o->uns_state = DNP3I_UNS_OFF;
        return;
    }
    if (o->cfg.unsolicited)
        o->uns_state = o->uns_null_done ? DNP3I_UNS_IDLE : DNP3I_UNS_NULL;
}

static void on_confirm_timeout(dnp3_outstation_t *o, dnp3_timestamp_t now)
{
    o->counters.confirms_timed_out++;
    if (o->read_deferred) {
        /* A READ waits: no retry, it reports the events instead, in order
         * with the newer ones (the master may have them: a duplicate). */
        dnp3i_os_log(o, DNP3_LOG_INFO,
                     "unsolicited seq %u not confirmed: a READ reports its events", o->uns_seq);
        dnp3i_os_ev_unwrite(o, o->uns_seq, true);
        o->uns_seq = (uint8_t)((o->uns_seq + 1) & DNP3_AC_SEQ_MASK);
        o->uns_state = DNP3I_UNS_IDLE;
        return;
    }
    if (o->cfg.unsolicited_retries == DNP3_OUTSTATION_RETRIES_UNLIMITED ||
        o->uns_tries <= o->cfg.unsolicited_retries) {
        o->counters.unsolicited_retried++;
        dnp3i_os_log(o, DNP3_LOG_INFO, "unsolicited seq %u not confirmed: retry %u", o->uns_seq,
                     (unsigned)o->uns_tries);
        o->uns_state = DNP3I_UNS_READY;
        return;
    }
    dnp3i_os_log(o, DNP3_LOG_WARN, "unsolicited seq %u not confirmed after %u tries", o->uns_seq,
                 (unsigned)o->uns_tries);
    dnp3i_os_ev_unwrite(o, o->uns_seq, true);
    o->uns_seq = (uint8_t)((o->uns_seq + 1) & DNP3_AC_SEQ_MASK);
    o->uns_state = DNP3I_UNS_BACKOFF;
    o->uns_deadline = now + o->cfg.unsolicited_retry_delay_ms;
}

void dnp3i_os_unsol_poll(dnp3_outstation_t *o, dnp3_timestamp_t now)
{
    switch (o->uns_state) {
    case DNP3I_UNS_NULL:
        build_null(o);
        return;
    case DNP3I_UNS_IDLE:
        if (!pending(o))
            return;
        o->uns_state = DNP3I_UNS_HOLD;
        o->uns_deadline = now + o->cfg.unsolicited_hold_ms;
        /* fall through: the count may already be reached */
        // fall through
    case DNP3I_UNS_HOLD: {
        uint32_t n = pending(o);
        if (n == 0)
            o->uns_state = DNP3I_UNS_IDLE;
        else if (now >= o->uns_deadline || n >= o->cfg.unsolicited_hold_count)
            build_events(o);
        return;
    }
    case DNP3I_UNS_WAIT:
        if (now >= o->uns_deadline)
            on_confirm_timeout(o, now);
        return;
    case DNP3I_UNS_BACKOFF:
        if (now >= o->uns_deadline) {
            o->uns_state = o->uns_null_done ? DNP3I_UNS_IDLE : DNP3I_UNS_NULL;
            dnp3i_os_unsol_poll(o, now);
        }
        return;
    default:
        return;
    }
}

void dnp3i_os_unsol_yield(dnp3_outstation_t *o)
{
    if (o->uns_state != DNP3I_UNS_READY || o->uns_is_null)
        return;
    /* A READ's response goes out before an unsolicited response that
     * waits to be sent (take_fragment), and would carry the NEWER events
     * of a point (the unsolicited one holds the older ones): the master
     * would see a point go back in time. The events go back to the buffer
     * and the READ reports them, oldest first. */
    int n = dnp3i_os_ev_unwrite(o, o->uns_seq, true);
    if (o->uns_tries == 0) {
        /* Never sent: the fragment never existed for the master. */
        o->counters.events_sent -= (uint64_t)n;
    } else {
        /* Sent before, unconfirmed: a retry. Its sequence is done with, so
         * that the next unsolicited response is not taken for a repeat. */
        o->uns_seq = (uint8_t)((o->uns_seq + 1) & DNP3_AC_SEQ_MASK);
    }
    o->uns_state = DNP3I_UNS_IDLE;
}

void dnp3i_os_unsol_confirm(dnp3_outstation_t *o, uint8_t seq)
{
    if (o->uns_state != DNP3I_UNS_WAIT || seq != o->uns_seq) {
        o->counters.confirms_unexpected++;
        return;
    }
    dnp3i_os_ev_confirm(o, seq, true);
    o->counters.unsolicited_confirmed++;
    if (o->uns_is_null)
        o->uns_null_done = true;
    o->uns_seq = (uint8_t)((seq + 1) & DNP3_AC_SEQ_MASK);
    o->uns_state = DNP3I_UNS_IDLE;
    dnp3i_os_unsol_poll(o, o->now);
}

size_t dnp3i_os_unsol_take(dnp3_outstation_t *o, dnp3_timestamp_t now, uint8_t *buf, size_t cap)
{
    if (o->uns_state != DNP3I_UNS_READY || cap < o->uns_len)
        return 0;
    memcpy(buf, o->uns_tx, o->uns_len);
    o->uns_tries++;
    o->counters.unsolicited_sent++;
    o->uns_state = DNP3I_UNS_WAIT;
    o->uns_deadline = now + o->cfg.unsolicited_confirm_timeout_ms;
    return o->uns_len;
}

dnp3_timestamp_t dnp3i_os_unsol_deadline(const dnp3_outstation_t *o)
{
    switch (o->uns_state) {
    case DNP3I_UNS_IDLE:
        /* New events start the hold timer at the next on_timer. */
        return o->uns_null_done && pending(o) ? 0 : DNP3_TIMESTAMP_NEVER;
    case DNP3I_UNS_HOLD:
    case DNP3I_UNS_WAIT:
    case DNP3I_UNS_BACKOFF:
        return o->uns_deadline;
    default:
        return DNP3_TIMESTAMP_NEVER;
    }
}
