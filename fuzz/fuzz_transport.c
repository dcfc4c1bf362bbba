/* Fuzz the transport reassembler (IEEE 1815-2012 clause 8).
 *
 * Input format: a sequence of records, each
 *   byte 0: bits 0..6 = TPDU length L (0..127), bit 7 = "from another
 *           address" (src/dst 2/3 instead of 1024/1)
 *   bytes 1..L: the TPDU (transport header + payload)
 * A truncated last record uses what is left. The reassembler gets a small
 * buffer (300 octets) so overflow is reachable.
 *
 * Invariants checked on every completed fragment:
 *  - its length never exceeds the buffer capacity and it lies inside it;
 *  - re-segmenting it and reassembling the segments in a fresh reassembler
 *    yields exactly the same bytes (skipped for a 0-length fragment, which
 *    the segmenter, by design, does not encode);
 *  - the return value agrees with res (1 <=> fragment set; <0 <=> dropped).
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3/transport.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define FUZZ_CAP 300u

static void check(int ok)
{
    if (!ok)
        abort();
}

static void resegment_check(const uint8_t *frag, size_t len, uint8_t seq)
{
    uint8_t buf[FUZZ_CAP];
    uint8_t seg[DNP3_TP_MAX_SEGMENT];
    dnp3_tp_reassembler_t r;
    dnp3_tp_result_t res;
    dnp3_tp_segmenter_t s;

    check(dnp3_tp_reassembler_init(&r, buf, sizeof buf) == 0);
    dnp3_tp_segmenter_init(&s, frag, len, seq);
    int done = 0;
    for (;;) {
        int n = dnp3_tp_segmenter_next(&s, seg, sizeof seg);
        check(n >= 0 && n <= (int)DNP3_TP_MAX_SEGMENT);
        if (n == 0)
            break;
        check(!done);
        int rc = dnp3_tp_reassembler_feed(&r, 5, 6, seg, (size_t)n, &res);
        check(rc == 0 || rc == 1);
        check(res.dropped == 0);
        if (rc == 1) {
            check(res.len == len && memcmp(res.fragment, frag, len) == 0);
            done = 1;
        }
    }
    check(done);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t buf[FUZZ_CAP];
    dnp3_tp_reassembler_t r;
    dnp3_tp_result_t res;
    check(dnp3_tp_reassembler_init(&r, buf, sizeof buf) == 0);

    size_t pos = 0;
    while (pos < size) {
        uint8_t ctl = data[pos++];
        size_t len = ctl & 0x7Fu;
        if (len > size - pos)
            len = size - pos;
        uint16_t src = (ctl & 0x80u) ? 2 : 1024;
        uint16_t dst = (ctl & 0x80u) ? 3 : 1;
        /* Copy so ASan catches any read past the TPDU. */
        uint8_t *tpdu = malloc(len ? len : 1);
        if (!tpdu)
            return 0;
        memcpy(tpdu, data + pos, len);
        pos += len;

        int rc = dnp3_tp_reassembler_feed(&r, src, dst, tpdu, len, &res);
        check(rc == 1 || rc == 0 || (rc <= DNP3_E_TP_EMPTY && rc >= DNP3_E_TP_DUPLICATE));
        if (rc == 1) {
            check(res.fragment == buf);
            check(res.len <= FUZZ_CAP);
            if (res.len > 0)
                resegment_check(res.fragment, res.len, tpdu[0] & DNP3_TP_SEQ_MASK);
        } else {
            check(res.fragment == NULL);
        }
        if (rc < 0)
            check(res.dropped == rc);
        else
            check(res.dropped == 0 || res.dropped == DNP3_E_TP_FIR_RESTART);
        check(r.len <= r.cap);
        free(tpdu);
    }
    const dnp3_tp_counters_t *c = dnp3_tp_reassembler_counters(&r);
    check(c->fragments + c->empty + c->no_fir + c->sequence + c->duplicate + c->address +
              c->overflow <=
          c->segments);
    return 0;
}
