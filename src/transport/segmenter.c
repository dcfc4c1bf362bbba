/* Transport function, sending side: cut an APDU into segments of at most
 * 249 APDU octets behind a one-octet header (IEEE 1815-2012 clause 8.2). */
#include <string.h>

#include "dnp3/transport.h"

void dnp3_tp_segmenter_init(dnp3_tp_segmenter_t *s, const uint8_t *apdu, size_t len,
                            uint8_t first_seq)
{
    if (!s)
        return;
    s->apdu = apdu;
    /* A NULL APDU can only be empty. */
    s->len = apdu ? len : 0;
    s->pos = 0;
    s->seq = (uint8_t)(first_seq & DNP3_TP_SEQ_MASK);
    s->started = false;
}

bool dnp3_tp_segmenter_done(const dnp3_tp_segmenter_t *s)
{
    return !s || s->pos >= s->len;
}

int dnp3_tp_segmenter_next(dnp3_tp_segmenter_t *s, uint8_t *out, size_t cap)
{
    if (!s || !out)
        return DNP3_E_INVALID_ARG;
    /* An empty APDU yields no segment (see transport.h). */
    if (s->pos >= s->len)
        return 0;

    size_t remaining = s->len - s->pos;
    size_t chunk = remaining > DNP3_TP_MAX_PAYLOAD ? DNP3_TP_MAX_PAYLOAD : remaining;
    if (cap < chunk + 1)
        return DNP3_E_NOSPACE;

    bool fir = !s->started;
    bool fin = chunk == remaining;
    out[0] = dnp3_tp_header(fir, fin, s->seq);
    memcpy(out + 1, s->apdu + s->pos, chunk);

    s->pos += chunk;
    s->started = true;
    /* One counter per sender, never reset at FIR; wraps 63 -> 0. */
    s->seq = (uint8_t)((s->seq + 1u) & DNP3_TP_SEQ_MASK);
    return (int)(chunk + 1);
}

uint8_t dnp3_tp_segmenter_next_seq(const dnp3_tp_segmenter_t *s)
{
    return s ? s->seq : 0;
}
