/* Transport function, receiving side: join segments into an application
 * fragment in a caller-provided buffer (IEEE 1815-2012 clause 8.2). The
 * rules and their order are documented in include/dnp3/transport.h. */
#include <string.h>

#include "dnp3/transport.h"
#include "transport/transport_internal.h"

int dnp3_tp_reassembler_init(dnp3_tp_reassembler_t *r, uint8_t *buf, size_t cap)
{
    if (!r || !buf || cap == 0 || cap > DNP3_FRAGMENT_SIZE_MAX)
        return DNP3_E_INVALID_ARG;
    memset(r, 0, sizeof *r);
    r->buf = buf;
    r->cap = cap;
    return DNP3_OK;
}

void dnp3_tp_reassembler_reset(dnp3_tp_reassembler_t *r)
{
    if (!r)
        return;
    r->len = 0;
    r->in_progress = false;
}

const dnp3_tp_counters_t *dnp3_tp_reassembler_counters(const dnp3_tp_reassembler_t *r)
{
    return r ? &r->counters : NULL;
}

/* Count a discarded segment (and, when drop_partial, the fragment in
 * progress) and return the reason. */
static int discard(dnp3_tp_reassembler_t *r, dnp3_tp_result_t *res, int reason, size_t payload,
                   bool drop_partial)
{
    size_t bytes = payload;
    if (drop_partial && r->in_progress) {
        bytes += r->len;
        r->len = 0;
        r->in_progress = false;
    }
    switch (reason) {
    case DNP3_E_TP_EMPTY:
        r->counters.empty++;
        break;
    case DNP3_E_TP_NO_FIR:
        r->counters.no_fir++;
        break;
    case DNP3_E_TP_ADDRESS:
        r->counters.address++;
        break;
    case DNP3_E_TP_DUPLICATE:
        r->counters.duplicate++;
        break;
    case DNP3_E_TP_SEQUENCE:
        r->counters.sequence++;
        break;
    case DNP3_E_TP_OVERFLOW:
        r->counters.overflow++;
        break;
    default:
        break;
    }
    r->counters.dropped_bytes += bytes;
    res->dropped = reason;
    res->dropped_bytes += bytes;
    return reason;
}

/* A FIR always starts a new fragment, whatever its SEQ: a partial one in
 * progress is dropped and reported as a restart. */
static void start_fragment(dnp3_tp_reassembler_t *r, dnp3_tp_result_t *res, uint16_t src,
                           uint16_t dst)
{
    if (r->in_progress) {
        r->counters.fir_restart++;
        r->counters.dropped_bytes += r->len;
        res->dropped = DNP3_E_TP_FIR_RESTART;
        res->dropped_bytes = r->len;
    }
    r->len = 0;
    r->in_progress = true;
    r->src = src;
    r->dst = dst;
}

int dnp3i_tp_reassembler_feed_single(dnp3_tp_reassembler_t *r, uint16_t src, uint16_t dst,
                                     const uint8_t *tpdu, size_t len, size_t max,
                                     dnp3_tp_result_t *res)
{
    memset(res, 0, sizeof *res);
    r->counters.segments++;
    start_fragment(r, res, src, dst);
    size_t plen = len - 1;
    if (plen > max)
        return discard(r, res, DNP3_E_TP_OVERFLOW, plen, true);
    r->last_seq = (uint8_t)(tpdu[0] & DNP3_TP_SEQ_MASK);
    r->in_progress = false;
    r->counters.fragments++;
    res->fragment = tpdu + 1;
    res->len = plen;
    return 1;
}

int dnp3_tp_reassembler_feed(dnp3_tp_reassembler_t *r, uint16_t src, uint16_t dst,
                             const uint8_t *tpdu, size_t len, dnp3_tp_result_t *res)
{
    dnp3_tp_result_t scratch;
    if (!res)
        res = &scratch;
    memset(res, 0, sizeof *res);
    if (!r || (!tpdu && len > 0))
        return DNP3_E_INVALID_ARG;

    r->counters.segments++;
    if (len == 0)
        return discard(r, res, DNP3_E_TP_EMPTY, 0, false);

    uint8_t th = tpdu[0];
    bool fir = (th & DNP3_TP_FIR) != 0;
    bool fin = (th & DNP3_TP_FIN) != 0;
    uint8_t seq = (uint8_t)(th & DNP3_TP_SEQ_MASK);
    const uint8_t *payload = tpdu + 1;
    size_t plen = len - 1;

    if (fir) {
        start_fragment(r, res, src, dst);
    } else {
        if (!r->in_progress)
            return discard(r, res, DNP3_E_TP_NO_FIR, plen, false);
        if (src != r->src || dst != r->dst)
            return discard(r, res, DNP3_E_TP_ADDRESS, plen, false);
        if (seq == r->last_seq)
            return discard(r, res, DNP3_E_TP_DUPLICATE, plen, false);
        if (seq != ((r->last_seq + 1u) & DNP3_TP_SEQ_MASK))
            return discard(r, res, DNP3_E_TP_SEQUENCE, plen, true);
    }

    if (plen > r->cap - r->len)
        return discard(r, res, DNP3_E_TP_OVERFLOW, plen, true);
    if (plen > 0)
        memcpy(r->buf + r->len, payload, plen);
    r->len += plen;
    r->last_seq = seq;

    if (!fin)
        return 0;

    r->in_progress = false;
    r->counters.fragments++;
    res->fragment = r->buf;
    res->len = r->len;
    return 1;
}
