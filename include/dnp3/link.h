/* dnp3c: data link layer (IEEE 1815-2012 clause 9): FT3 frames, CRC-16/DNP,
 * a frame writer and a streaming frame parser.
 *
 * Frame on the wire (9.2.4): 05 64 LENGTH CONTROL DST(le16) SRC(le16) CRC(le16),
 * then the user data in blocks of up to 16 bytes, each followed by its own
 * CRC (le16). LENGTH counts CONTROL + DST + SRC + user data (5..255).
 *
 * Nothing here allocates, does I/O or keeps global state: the parser is a
 * fixed-size struct the caller owns. */
#ifndef DNP3_LINK_H
#define DNP3_LINK_H

#include "dnp3/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- sizes (9.2.4) -------------------------------------------------------- */
#define DNP3_LINK_START1        0x05
#define DNP3_LINK_START2        0x64
#define DNP3_LINK_HEADER_SIZE   10  /* start(2) length(1) control(1) dst(2) src(2) crc(2) */
#define DNP3_LINK_MIN_LENGTH    5   /* LENGTH with no user data: control + dst + src */
#define DNP3_LINK_MAX_USER_DATA 250 /* LENGTH is one byte: 255 - 5 */
#define DNP3_LINK_BLOCK_SIZE    16  /* user data bytes per CRC block */
#define DNP3_LINK_MAX_FRAME     292 /* 10 + 250 + 16 blocks * 2 CRC bytes */

/* ---- addresses (9.2.4.1.4; IEEE 1815-2012 table 9-2) ----------------------- */
#define DNP3_ADDR_SELF                 0xFFFC /* optional "self address" */
#define DNP3_ADDR_BROADCAST_NO_CONFIRM 0xFFFD /* application confirm not required */
#define DNP3_ADDR_BROADCAST_CONFIRM    0xFFFE /* application confirm mandatory */
#define DNP3_ADDR_BROADCAST_OPTIONAL   0xFFFF /* application confirm optional */

/* True for the three broadcast destinations 0xFFFD..0xFFFF. */
DNP3_API bool dnp3_link_addr_is_broadcast(uint16_t addr);

/* ---- control byte (9.2.4.1.3) --------------------------------------------- */
#define DNP3_LINK_CTL_DIR  0x80 /* 1: sent by the master */
#define DNP3_LINK_CTL_PRM  0x40 /* 1: primary (initiating) frame */
#define DNP3_LINK_CTL_FCB  0x20 /* primary: frame count bit */
#define DNP3_LINK_CTL_FCV  0x10 /* primary: FCB valid */
#define DNP3_LINK_CTL_DFC  0x10 /* secondary: data flow control (buffers full) */
#define DNP3_LINK_CTL_FUNC 0x0F /* function code */

/* Primary (PRM=1) function codes. */
enum {
    DNP3_LINK_RESET_LINK_STATES = 0,
    DNP3_LINK_RESET_USER_PROCESS = 1, /* obsolete */
    DNP3_LINK_TEST_LINK_STATES = 2,
    DNP3_LINK_CONFIRMED_USER_DATA = 3,
    DNP3_LINK_UNCONFIRMED_USER_DATA = 4,
    DNP3_LINK_REQUEST_LINK_STATUS = 9
};

/* Secondary (PRM=0) function codes. */
enum {
    DNP3_LINK_ACK = 0,
    DNP3_LINK_NACK = 1,
    DNP3_LINK_LINK_STATUS = 11,
    DNP3_LINK_NOT_FUNCTIONING = 14, /* obsolete */
    DNP3_LINK_NOT_SUPPORTED = 15
};

/* Upper snake case name of a function code ("UNCONFIRMED_USER_DATA",
 * "LINK_STATUS", ...); NULL when the code is undefined for that PRM. */
DNP3_API const char *dnp3_link_func_name(bool prm, uint8_t func);

/* Builds a control byte. fcv_dfc is FCV for a primary frame, DFC for a
 * secondary one; fcb is only meaningful for a primary frame. func is masked
 * to 4 bits. */
DNP3_API uint8_t dnp3_link_control(bool dir, bool prm, bool fcb, bool fcv_dfc, uint8_t func);

/* ---- header and frame ------------------------------------------------------ */
typedef struct dnp3_link_header {
    uint8_t length;  /* LENGTH field: 5 + user data bytes */
    uint8_t control; /* CONTROL byte */
    uint16_t dst;    /* destination address */
    uint16_t src;    /* source address */
} dnp3_link_header_t;

static inline bool dnp3_link_hdr_dir(const dnp3_link_header_t *h)
{
    return (h->control & DNP3_LINK_CTL_DIR) != 0;
}
static inline bool dnp3_link_hdr_prm(const dnp3_link_header_t *h)
{
    return (h->control & DNP3_LINK_CTL_PRM) != 0;
}
static inline bool dnp3_link_hdr_fcb(const dnp3_link_header_t *h)
{
    return (h->control & DNP3_LINK_CTL_FCB) != 0;
}
static inline bool dnp3_link_hdr_fcv(const dnp3_link_header_t *h)
{
    return (h->control & DNP3_LINK_CTL_FCV) != 0;
}
static inline bool dnp3_link_hdr_dfc(const dnp3_link_header_t *h)
{
    return (h->control & DNP3_LINK_CTL_DFC) != 0;
}
static inline uint8_t dnp3_link_hdr_func(const dnp3_link_header_t *h)
{
    return (uint8_t)(h->control & DNP3_LINK_CTL_FUNC);
}

/* A received frame: header plus a view of its user data (CRCs removed). */
typedef struct dnp3_link_frame {
    dnp3_link_header_t hdr;
    const uint8_t *user; /* user_len bytes; never NULL in a parser event */
    size_t user_len;     /* hdr.length - 5, 0..250 */
} dnp3_link_frame_t;

/* ---- CRC-16/DNP (9.2.4.2) ------------------------------------------------- */
/* Polynomial 0x3D65 (reflected 0xA6BC), init 0, input/output reflected, final
 * XOR 0xFFFF; check value crc("123456789") = 0xEA82. Placed low byte first.
 * Table-driven, slicing-by-16 over const tables. */
DNP3_API uint16_t dnp3_crc16(const uint8_t *data, size_t len);

/* ---- writer ---------------------------------------------------------------- */
/* Bytes on the wire for a frame carrying user_len user bytes:
 * 10 + n + 2 * ceil(n / 16). Returns 0 when user_len > 250. */
DNP3_API size_t dnp3_link_frame_size(size_t user_len);

/* Writes one complete frame (header, CRCs, blocks) into out[0..cap).
 * Returns the number of bytes written, or
 *   DNP3_E_LINK_USER_DATA  user_len > 250,
 *   DNP3_E_NOSPACE         cap < dnp3_link_frame_size(user_len),
 *   DNP3_E_INVALID_ARG     out NULL, or user NULL with user_len > 0, or user
 *                          overlapping out where one pass cannot frame it.
 * Nothing is written on error. In-place framing: user may lie inside out at
 * out + DNP3_LINK_HEADER_SIZE (the natural place: the frame is built from its
 * end backwards), anywhere up to 2 bytes further, anywhere before it, or far
 * enough ahead (user >= out + 8 + 2 * blocks, e.g. at the end of the
 * buffer); any other overlap with more than one block is refused. */
DNP3_API int dnp3_link_frame_write(uint8_t *out, size_t cap, uint8_t control, uint16_t dst,
                                   uint16_t src, const uint8_t *user, size_t user_len);

/* One-shot decoder of a frame that starts at in[0] (no scanning for a
 * start). On success fills *frame (frame->user points into user_buf, which
 * receives the user data without CRCs) and returns the frame's size on the
 * wire. Errors: DNP3_E_LINK_START (in[0..1] is not 05 64), DNP3_E_LINK_LENGTH,
 * DNP3_E_LINK_HEADER_CRC, DNP3_E_LINK_BLOCK_CRC, DNP3_E_TRUNCATED (len too
 * short for the frame its header announces), DNP3_E_INVALID_ARG. When diag
 * is not NULL it receives the code and the offset of the offending field
 * (for a block CRC: the offset of that block's first byte). */
DNP3_API int dnp3_link_frame_read(const uint8_t *in, size_t len, dnp3_link_frame_t *frame,
                                  uint8_t user_buf[DNP3_LINK_MAX_USER_DATA], dnp3_diag_t *diag);

/* ---- streaming parser -------------------------------------------------------- */
/* What to do on a framing error. DISCARD (serial links): drop the bad bytes,
 * report them, resynchronise on the next 05 64. CLOSE (TCP, where a framing
 * error means the stream is unusable): report one CLOSED event and ignore
 * everything afterwards until dnp3_link_parser_reset(). */
typedef enum dnp3_link_policy {
    DNP3_LINK_POLICY_DISCARD,
    DNP3_LINK_POLICY_CLOSE
} dnp3_link_policy_t;

/* Counters over the parser's lifetime (kept by reset, cleared by init).
 * bad_start..truncated count discarded runs (one per DISCARD or first
 * CLOSED event) by reason; discarded_bytes counts every byte not delivered
 * in a frame, including those ignored after a close. Once the stream has
 * been finished: bytes_in == sum of frame sizes + discarded_bytes. A
 * parser's are p->st.counters. */
typedef struct dnp3_link_counters {
    uint64_t frames;          /* valid frames delivered */
    uint64_t bytes_in;        /* bytes consumed by feed */
    uint64_t discarded_bytes; /* bytes dropped, any reason */
    uint64_t bad_start;       /* runs of bytes outside any frame (DNP3_E_LINK_START) */
    uint64_t bad_length;      /* LENGTH < 5 (DNP3_E_LINK_LENGTH) */
    uint64_t header_crc;      /* DNP3_E_LINK_HEADER_CRC */
    uint64_t block_crc;       /* DNP3_E_LINK_BLOCK_CRC */
    uint64_t truncated;       /* partial frame at finish (DNP3_E_TRUNCATED) */
} dnp3_link_counters_t;

/* The parser's state without its two buffers (what the library's channel
 * keeps per connection: it gives the parser buffers of its own choosing).
 * Treat the fields as private. */
typedef struct dnp3_link_parser_state {
    /* What every frame reads or counts first, then its user data: a
     * decoder keeps a parser per flow, and the lines a frame touches are
     * its cost. */
    bool closed;
    dnp3_link_policy_t policy;
    size_t have;      /* bytes held in buf */
    size_t need;      /* bytes the candidate in buf needs before it can be judged */
    uint64_t pos;     /* stream offset of buf[0] (or of the next input byte when have == 0) */
    uint64_t run_len; /* pending discarded run: bytes so far (0: none pending) */
    dnp3_link_counters_t counters;
    uint64_t run_off;   /* pending discarded run: stream offset of its first byte */
    int run_reason;     /* pending discarded run: DNP3_E_* */
    unsigned run_block; /* pending discarded run: failing block for DNP3_E_LINK_BLOCK_CRC */
} dnp3_link_parser_state_t;

/* All parser state; the caller owns it (stack, struct member, ...). Treat
 * the fields as private. 664 bytes on LP64. */
typedef struct dnp3_link_parser {
    dnp3_link_parser_state_t st;
    uint8_t user[DNP3_LINK_MAX_USER_DATA]; /* user data of the last frame event */
    uint8_t buf[DNP3_LINK_MAX_FRAME];      /* a frame in progress, across feeds */
} dnp3_link_parser_t;

typedef enum dnp3_link_event_kind {
    DNP3_LINK_EV_NONE,    /* input used up, nothing to report */
    DNP3_LINK_EV_FRAME,   /* a valid frame: see frame */
    DNP3_LINK_EV_DISCARD, /* a run of bytes was dropped: see reason, discarded, offset */
    DNP3_LINK_EV_CLOSED   /* close policy: the channel is unusable (see reason) */
} dnp3_link_event_kind_t;

typedef struct dnp3_link_event {
    dnp3_link_event_kind_t kind;
    /* FRAME: frame.user points into the parser, valid until the next call
     * on it. */
    dnp3_link_frame_t frame;
    /* DISCARD / CLOSED: DNP3_E_LINK_START, _LENGTH, _HEADER_CRC, _BLOCK_CRC,
     * DNP3_E_TRUNCATED (finish only); DNP3_E_LINK_CLOSED for input fed to an
     * already closed parser. */
    int reason;
    size_t discarded; /* DISCARD / CLOSED: bytes dropped in this run */
    unsigned block;   /* reason DNP3_E_LINK_BLOCK_CRC: 0-based data block index */
    uint64_t offset;  /* stream offset (bytes since init/reset) where the frame or run starts */
} dnp3_link_event_t;

/* init: policy set, state and counters cleared. reset: a new stream (stream
 * offsets restart at 0, buffered bytes and the closed flag are dropped);
 * keeps the policy and the counters. */
DNP3_API void dnp3_link_parser_init(dnp3_link_parser_t *p, dnp3_link_policy_t policy);
DNP3_API void dnp3_link_parser_reset(dnp3_link_parser_t *p);

/* Consumes bytes of data[0..len) until it has one event to report, fills *ev
 * and returns the number of bytes consumed (possibly 0 when the event comes
 * from bytes buffered earlier). kind NONE means all len bytes were consumed
 * and nothing is to be reported. Call in a loop until all input is consumed:
 *
 *     while (len > 0) { size_t n = dnp3_link_parser_feed(p, data, len, &ev);
 *                       data += n; len -= n; handle(&ev); }
 *
 * Chunking never changes the events: feeding one byte at a time gives the
 * same sequence as feeding the whole stream at once. Frames and discarded
 * runs are reported in stream order and tile the stream without gaps.
 * Under DISCARD a discarded run is reported when the next 05 64 start is
 * found (or at finish), so it covers every byte up to there. Under CLOSE the
 * first framing error is reported at once as CLOSED, together with the rest
 * of that input; later calls consume everything and report CLOSED with
 * reason DNP3_E_LINK_CLOSED. len 0 is allowed (data may then be NULL). */
DNP3_API size_t dnp3_link_parser_feed(dnp3_link_parser_t *p, const uint8_t *data, size_t len,
                                      dnp3_link_event_t *ev);

/* End of stream: reports what is still pending, one event per call.
 * DISCARD policy: a pending run as DISCARD (its reason), a partial frame as
 * DISCARD DNP3_E_TRUNCATED covering the bytes up to the next 05 64 inside
 * it, and then whatever the rescan of the rest finds (possibly a FRAME).
 * CLOSE policy: held bytes as one DISCARD DNP3_E_TRUNCATED (a lone 05:
 * DNP3_E_LINK_START), no rescan;
 * nothing once closed. Returns 1 when *ev was filled, 0 when nothing is
 * left; call until it returns 0. Afterwards the parser holds nothing;
 * use dnp3_link_parser_reset() before feeding a new stream. */
DNP3_API int dnp3_link_parser_finish(dnp3_link_parser_t *p, dnp3_link_event_t *ev);

/* Reports the pending discarded run now, instead of when its end becomes
 * known (the next 05 64, or finish). For callers that show a stream packet
 * by packet, such as a capture decoder: garbage is reported with the packet
 * that carried it, and bytes fed afterwards start a new run. A partial frame
 * held for more bytes is left alone. Returns 1 when *ev was filled (a
 * DISCARD), 0 when no run is pending. */
DNP3_API int dnp3_link_parser_flush_run(dnp3_link_parser_t *p, dnp3_link_event_t *ev);

/* True once a CLOSE-policy parser met a framing error (until reset). */
DNP3_API bool dnp3_link_parser_closed(const dnp3_link_parser_t *p);

#ifdef __cplusplus
}
#endif
#endif
