/* dnp3c: the transport function (IEEE 1815-2012 clause 8).
 *
 * Each link frame's user data (at most 250 octets, clause 9) starts with one
 * transport header octet followed by a piece of an application fragment. The
 * segmenter cuts an APDU into such segments; the reassembler glues received
 * segments back into a fragment in a caller-provided buffer. Neither
 * allocates, reads a clock or does I/O; both are plain structs the caller
 * owns (one segmenter per sender, one reassembler per association and
 * direction). */
#ifndef DNP3_TRANSPORT_H
#define DNP3_TRANSPORT_H

#include "dnp3/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* Transport header octet (clause 8.2): FIN bit 7, FIR bit 6, SEQ bits 5..0.
 * Note the order is the reverse of the application control octet, where
 * FIR is bit 7 and FIN bit 6. */
#define DNP3_TP_FIN      0x80u
#define DNP3_TP_FIR      0x40u
#define DNP3_TP_SEQ_MASK 0x3Fu

/* APDU octets per segment: the link layer carries at most 250 user data
 * octets per frame (clause 9: LENGTH <= 255 = 5 header octets + 250), one of which
 * is the transport header (clause 8.2). */
#define DNP3_TP_MAX_PAYLOAD 249u
/* Largest transport segment (header + payload) = link user data maximum. */
#define DNP3_TP_MAX_SEGMENT (DNP3_TP_MAX_PAYLOAD + 1u)

/* Application fragment size limits. Clause 4 leaves the maximum fragment
 * size to configuration (reported in the device profile and in device
 * attributes g0v240/g0v241 as an unsigned integer). 2048 octets is the
 * customary default, used by opendnp3 and stepfunc dnp3 for both directions;
 * 65535 is our ceiling (a 16-bit size). */
#define DNP3_FRAGMENT_SIZE_DEFAULT 2048u
#define DNP3_FRAGMENT_SIZE_MAX     65535u

/* Build a transport header octet. seq is taken modulo 64. */
static inline uint8_t dnp3_tp_header(bool fir, bool fin, uint8_t seq)
{
    return (uint8_t)((fin ? DNP3_TP_FIN : 0u) | (fir ? DNP3_TP_FIR : 0u) |
                     (seq & DNP3_TP_SEQ_MASK));
}

/* ---- segmenter (sending, clause 8.2) ----------------------------------------
 *
 * The sequence number is one counter per sender: it increments (mod 64) for
 * every segment sent and is NOT reset by FIR, so a segmenter's next_seq is
 * carried over from one APDU to the next (first_seq of the next init =
 * dnp3_tp_segmenter_next_seq() of the previous one).
 *
 * An empty APDU (len 0) yields no segment at all: every segment carries 1 to
 * 249 APDU octets, and no application fragment is shorter than its 2-octet
 * request header (clause 4.2.2), so there is nothing valid to send. The
 * sequence number is then not consumed. */
typedef struct dnp3_tp_segmenter {
    const uint8_t *apdu; /* borrowed; must stay valid until done */
    size_t len;          /* APDU length */
    size_t pos;          /* octets already segmented */
    uint8_t seq;         /* sequence number of the next segment (0..63) */
    bool started;        /* the FIR segment has been written */
} dnp3_tp_segmenter_t;

/* Prepare to segment apdu[0..len). first_seq is taken modulo 64. */
DNP3_API void dnp3_tp_segmenter_init(dnp3_tp_segmenter_t *s, const uint8_t *apdu, size_t len,
                                     uint8_t first_seq);

/* Write the next segment (header + up to 249 APDU octets) to out.
 * Returns the segment length (2..250), 0 when every segment has been
 * written, DNP3_E_NOSPACE if cap cannot hold this segment (nothing is
 * consumed; retry with a larger buffer), DNP3_E_INVALID_ARG on NULL. */
DNP3_API int dnp3_tp_segmenter_next(dnp3_tp_segmenter_t *s, uint8_t *out, size_t cap);

/* Sequence number the next segment will carry (0..63). */
DNP3_API uint8_t dnp3_tp_segmenter_next_seq(const dnp3_tp_segmenter_t *s);

/* True when every segment has been written. */
DNP3_API bool dnp3_tp_segmenter_done(const dnp3_tp_segmenter_t *s);

/* ---- reassembler (receiving, clause 8.2) --------------------------------------
 *
 * Rules, in the order they are applied to a segment:
 * 1. Empty TPDU (no header octet): discarded, DNP3_E_TP_EMPTY.
 * 2. FIR=1: always starts a new fragment, whatever its SEQ and addresses. A
 *    partial fragment in progress is discarded and reported through
 *    res->dropped = DNP3_E_TP_FIR_RESTART (the call itself still returns 0
 *    or 1 for the new segment).
 * 3. FIR=0 with nothing in progress: discarded, DNP3_E_TP_NO_FIR.
 * 4. FIR=0 from other addresses (src, dst) than the series in progress:
 *    the segment is discarded, DNP3_E_TP_ADDRESS, and the series from the
 *    right peer is kept: a stray frame from another station says nothing
 *    about the series in progress.
 * 5. FIR=0 with SEQ equal to the previous segment's: a repeat (for example
 *    a link-layer retry whose confirm was lost); the segment is discarded,
 *    DNP3_E_TP_DUPLICATE, and the series is kept since no data is missing.
 * 6. FIR=0 with any other SEQ than previous + 1 (mod 64): at least one
 *    segment is missing and the transport function never retransmits
 *    (clause 8), so the fragment can no longer be completed. The segment
 *    AND the partial fragment are discarded, DNP3_E_TP_SEQUENCE. (This
 *    follows stepfunc dnp3; opendnp3 keeps the partial fragment and waits
 *    for the expected SEQ, which on a link that never reorders frames is
 *    waiting for a segment that will not come.)
 * 7. Appending the payload would exceed the buffer: the segment and the
 *    partial fragment are discarded, DNP3_E_TP_OVERFLOW.
 * 8. FIN=1 completes the fragment.
 * A segment carrying no APDU octets (header only) is accepted like any
 * other; the application layer rejects a fragment that is too short. */
typedef struct dnp3_tp_counters {
    uint64_t segments;      /* feed calls with valid arguments */
    uint64_t fragments;     /* fragments completed */
    uint64_t empty;         /* DNP3_E_TP_EMPTY */
    uint64_t no_fir;        /* DNP3_E_TP_NO_FIR */
    uint64_t sequence;      /* DNP3_E_TP_SEQUENCE */
    uint64_t duplicate;     /* DNP3_E_TP_DUPLICATE */
    uint64_t address;       /* DNP3_E_TP_ADDRESS */
    uint64_t overflow;      /* DNP3_E_TP_OVERFLOW */
    uint64_t fir_restart;   /* partial fragments discarded by a new FIR */
    uint64_t dropped_bytes; /* APDU octets discarded, all reasons */
} dnp3_tp_counters_t;

typedef struct dnp3_tp_reassembler {
    uint8_t *buf;     /* caller's buffer, cap octets */
    size_t cap;       /* maximum fragment size */
    size_t len;       /* octets of the fragment in progress */
    bool in_progress; /* a FIR has been accepted, no FIN yet */
    uint8_t last_seq; /* SEQ of the last accepted segment */
    uint16_t src;     /* link addresses of the series in progress */
    uint16_t dst;
    dnp3_tp_counters_t counters;
} dnp3_tp_reassembler_t;

typedef struct dnp3_tp_result {
    const uint8_t *fragment; /* when complete: points into the buffer, valid until the next feed */
    size_t len;              /* when complete: fragment length */
    int dropped; /* DNP3_E_TP_* reason when this segment or a partial fragment was discarded,
                    else 0 */
    size_t dropped_bytes; /* APDU octets discarded by this call (partial fragment and/or segment) */
} dnp3_tp_result_t;

/* Use buf[0..cap) as the reassembly buffer. cap is the maximum fragment
 * size accepted: 1..DNP3_FRAGMENT_SIZE_MAX (DNP3_FRAGMENT_SIZE_DEFAULT is the
 * usual choice). Returns 0, or DNP3_E_INVALID_ARG (NULL, cap 0 or above
 * 65535). Counters start at zero. */
DNP3_API int dnp3_tp_reassembler_init(dnp3_tp_reassembler_t *r, uint8_t *buf, size_t cap);

/* Forget any fragment in progress (for example when the link or the TCP
 * connection is reset). Counters are kept. */
DNP3_API void dnp3_tp_reassembler_reset(dnp3_tp_reassembler_t *r);

/* Feed one TPDU (the user data of one link frame) received from link
 * address src for link address dst. res may be NULL. Returns:
 *   1  a fragment completed: res->fragment / res->len
 *   0  the segment was accepted, the fragment is still in progress
 *   <0 the segment was discarded: DNP3_E_TP_EMPTY, _NO_FIR, _ADDRESS,
 *      _DUPLICATE, _SEQUENCE or _OVERFLOW (res->dropped says the same), or
 *      DNP3_E_INVALID_ARG for a NULL r / tpdu with len > 0.
 * res->dropped is also DNP3_E_TP_FIR_RESTART when a FIR threw away a partial
 * fragment (the return value then describes the new segment). */
DNP3_API int dnp3_tp_reassembler_feed(dnp3_tp_reassembler_t *r, uint16_t src, uint16_t dst,
                                      const uint8_t *tpdu, size_t len, dnp3_tp_result_t *res);

/* Counters since init. */
DNP3_API const dnp3_tp_counters_t *dnp3_tp_reassembler_counters(const dnp3_tp_reassembler_t *r);

#ifdef __cplusplus
}
#endif
#endif
