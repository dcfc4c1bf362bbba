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

/* The response is due (READY): it is written when taken, straight into
 * the caller's buffer (the channel's), from the classes enabled now. */
static void make_due(dnp3_outstation_t *o, bool null)
{
    o->uns_is_null = null;
    o->uns_classes = o->uns_enabled;
    o->uns_tries = 0;
    o->uns_state = DNP3I_UNS_READY;
}

/* Write the unsolicited response into buf: its header (IIN left to the
 * caller), then (not
 * the null response) the oldest events of uns_classes that fit in cap.
 * Returns its length; *written the events it wrote (under uns_seq). */
static size_t write_response(dnp3_outstation_t *o, uint8_t *buf, size_t cap, int *written)
{
    dnp3_app_writer_t w;
    dnp3_app_writer_init(&w, buf, cap);
    dnp3_app_write_response(
        &w, (uint8_t)(DNP3_AC_FIR | DNP3_AC_FIN | DNP3_AC_CON | DNP3_AC_UNS | o->uns_seq),
        DNP3_FC_UNSOLICITED_RESPONSE, 0);
    *written = 0;
    if (!o->uns_is_null) {
        /* No READ plan applies: every event in its own variation; what
         * does not fit goes in the next unsolicited response. */
        const uint32_t saved = o->item_count;
        o->item_count = 0;
        bool full;
        uint32_t n = dnp3i_os_write_class_events(o, &w, o->uns_classes, &full);
        *written = dnp3_event_buffer_write(o->eb, n, o->uns_seq, true);
        o->item_count = saved;
    }
    dnp3_app_writer_finish(&w);
    return w.len;
}

static void put_iin(uint8_t *buf, uint16_t iin)
{
    buf[2] = (uint8_t)(iin >> 8);
    buf[3] = (uint8_t)iin;
}

/* The first send: written now, its length and hash kept for the retries. */
static size_t write_first(dnp3_outstation_t *o, uint8_t *buf, size_t cap)
{
    const size_t c = cap < o->cfg.max_tx_fragment ? cap : o->cfg.max_tx_fragment;
    if (c < DNP3I_OS_MIN_TX)
        return 0;
    o->uns_cto_valid = o->time_valid;
    int written;
    size_t len = write_response(o, buf, c, &written);
    if (written > 0)
        o->counters.events_sent += (uint64_t)written;
    /* The IIN as after the events were written (their class bits say
     * whether more wait). */
    o->uns_iin = dnp3i_os_iin(o);
    put_iin(buf, o->uns_iin);
    o->uns_len = (uint32_t)len;
    o->uns_hash = dnp3i_os_hash(buf, len);
    return len;
}

/* A retry must be the same bytes (4.6.2): the same events, still written
 * under uns_seq and in the buffer in sequence-of-events order, are
 * written again, oldest first, into exactly the length of the first send
 * (so no newer event fits), with the first send's IIN and CTO variation;
 * the hash proves it. Events lost meanwhile (overflow) make a different
 * response: it goes out as a new one, with the next sequence number. */
static size_t write_retry(dnp3_outstation_t *o, uint8_t *buf, size_t cap)
{
    if (cap < o->uns_len)
        return 0;
    (void)dnp3_event_buffer_unwrite(o->eb, o->uns_seq, true);
    const bool time_valid = o->time_valid;
    o->time_valid = o->uns_cto_valid;
    int written;
    size_t len = write_response(o, buf, o->uns_len, &written);
    o->time_valid = time_valid;
    put_iin(buf, o->uns_iin);
    if (len == o->uns_len && dnp3i_os_hash(buf, len) == o->uns_hash)
        return len;
    o->counters.unsolicited_retries_replaced++;
    dnp3i_os_log(o, DNP3_LOG_WARN,
                 "unsolicited seq %u: its events changed before the retry (overflow): sent as new",
                 o->uns_seq);
    (void)dnp3_event_buffer_unwrite(o->eb, o->uns_seq, true);
    o->uns_seq = (uint8_t)((o->uns_seq + 1) & DNP3_AC_SEQ_MASK);
    o->uns_tries = 0;
    return write_first(o, buf, cap);
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
        make_due(o, true);
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
            make_due(o, false);
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
    if (o->uns_tries == 0) {
        /* Not written yet: nothing to give back; due again after the
         * hold, as a response built and given back was. */
        o->uns_state = DNP3I_UNS_IDLE;
        return;
    }
    /* A READ's response goes out before an unsolicited response that
     * waits to be sent (take_fragment), and would carry the NEWER events
     * of a point (the unsolicited one holds the older ones): the master
     * would see a point go back in time. The events go back to the buffer
     * and the READ reports them, oldest first. */
    /* Sent before, unconfirmed: a retry. Its sequence is done with, so
     * that the next unsolicited response is not taken for a repeat. */
    dnp3i_os_ev_unwrite(o, o->uns_seq, true);
    o->uns_seq = (uint8_t)((o->uns_seq + 1) & DNP3_AC_SEQ_MASK);
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
    if (o->uns_state != DNP3I_UNS_READY)
        return 0;
    size_t len = o->uns_tries == 0 ? write_first(o, buf, cap) : write_retry(o, buf, cap);
    if (len == 0)
        return 0;
    o->uns_tries++;
    o->counters.unsolicited_sent++;
    o->uns_state = DNP3I_UNS_WAIT;
    o->uns_deadline = now + o->cfg.unsolicited_confirm_timeout_ms;
    return len;
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
