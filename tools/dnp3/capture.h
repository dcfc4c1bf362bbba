/* capture: read a pcap or pcapng file through libpcap and hand back, in
 * capture order, the TCP/UDP payload bytes exchanged on one port (DNP3:
 * 20000), per flow, with TCP reassembled (tcp_stream.h).
 *
 *     char err[256];
 *     capture_t *c = capture_open(path, 20000, err, sizeof err);
 *     if (!c) { fprintf(stderr, "%s\n", err); ... }
 *     cap_chunk_t ch;
 *     int rc;
 *     while ((rc = capture_next(c, &ch)) > 0)
 *         feed(parser[ch.flow_id], ch.data, ch.len);   // reset it on gap_before/stream_start/udp
 *     if (rc < 0) fprintf(stderr, "%s\n", capture_error(c));
 *     capture_close(c);
 *
 * Memory is allocated at open and while reading, and is bounded by a figure
 * (CAP_MEMORY_DEFAULT unless set): the flows (one per direction) and the
 * segments held beyond TCP holes, each counted with its allocator overhead.
 * A flow whose connection ended (FIN or RST, nothing held) is reported with
 * an empty chunk flagged stream_end and forgotten; over the limit, the least
 * recently used flow delivers what it holds (past its holes: a gap, noted)
 * and is forgotten; its later packets carry on as a new flow of the same
 * name. When the current flow alone still holds too much, it gives up its
 * holes (noted). */
#ifndef DNP3_TOOL_CAPTURE_H
#define DNP3_TOOL_CAPTURE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CAP_DEFAULT_PORT 20000 /* IANA-assigned DNP3 port, TCP and UDP */
/* Default memory limit of the flow table and held segments. */
#define CAP_MEMORY_DEFAULT (256u * 1024u * 1024u)

typedef struct cap_chunk {
    uint64_t packet_no; /* 1-based number of the packet that delivered these bytes (as Wireshark
                           numbers frames); for bytes delivered past a hole that never filled,
                           the packet that carried them */
    uint64_t ts_us;     /* that packet's time, microseconds since 1970 */
    unsigned flow_id;   /* 0..capture_flow_count()-1, one per direction, stable for the capture */
    const char *flow_name; /* "10.0.0.1:49152>10.0.0.2:20000", "[2001:db8::1]:49152>[...]:20000";
                              valid until capture_close() */
    bool udp;              /* a whole UDP datagram: treat as a fresh byte run */
    bool gap_before;       /* bytes were lost before this chunk in this flow */
    bool stream_start; /* first bytes of a new TCP stream on this flow (SYN seen): reset parsers */
    bool stream_end;   /* the connection of this flow ended (FIN/RST): an empty chunk; the
                          flow is forgotten and its id's name lasts until the next call */
    const uint8_t *data; /* valid until the next capture_next() or capture_close() */
    size_t len;          /* > 0, except with stream_end (0) */
} cap_chunk_t;

typedef struct cap_counters {
    uint64_t packets;          /* records read from the file */
    uint64_t matched;          /* TCP/UDP packets with either port == the selected port */
    uint64_t non_matching;     /* not IP, not TCP/UDP, or another port */
    uint64_t malformed;        /* headers inconsistent or cut short: skipped (see notes); also a
                                  matched packet whose IP length claims more than the frame holds
                                  (its bytes are delivered as far as the frame goes) */
    uint64_t fragments;        /* IP fragments: non-first ones skipped, first ones partial */
    uint64_t truncated;        /* payload cut short by the snap length (rest is a gap) */
    uint64_t flows_ended;      /* flows forgotten because their connection ended */
    uint64_t flows_evicted;    /* flows forgotten at the memory limit */
    uint64_t chunks;           /* chunks returned */
    uint64_t bytes_delivered;  /* payload bytes returned (TCP and UDP) */
    uint64_t udp_datagrams;    /* UDP datagrams returned */
    uint64_t tcp_streams;      /* TCP streams started by a SYN */
    uint64_t retrans_bytes;    /* TCP bytes not delivered because already delivered */
    uint64_t retrans_segments; /* TCP segments with payload that brought no new byte */
    uint64_t gaps;             /* TCP holes given up on (chunks flagged gap_before) */
    uint64_t held_overflow;    /* times the memory limit forced a hole to be given up */
} cap_counters_t;

typedef struct capture capture_t;

/* Called for every packet skipped or damaged (malformed, fragment, snap
 * length) and every hole given up at the memory limit, with the packet number
 * and a one-line reason. */
typedef void (*cap_note_fn)(void *ctx, uint64_t packet_no, const char *msg);

/* Opens a pcap or pcapng file. port: keep TCP segments / UDP datagrams with
 * either port equal to it (0: keep every port). On failure returns NULL and
 * writes a message to err (file not readable, not a capture, or a link-layer
 * type we cannot dissect, named in the message). */
capture_t *capture_open(const char *path, uint16_t port, char *err, size_t errlen);

/* Same over a capture file image in memory (copied; data may be freed after). */
capture_t *capture_open_memory(const uint8_t *data, size_t len, uint16_t port, char *err,
                               size_t errlen);

/* The capture file is damaged or cut short (capture_error() has libpcap's
 * text). The tool's own code, outside the library's DNP3_E_* range. */
#define CAPTURE_E_READ (-1000)

/* Optional: receive notes about skipped/damaged packets. */
void capture_set_note_fn(capture_t *c, cap_note_fn fn, void *ctx);

/* Next chunk in capture order. Returns 1 and fills *out, 0 at the end of the
 * capture (after the held TCP data has been flushed), or a negative DNP3_E_*
 * code: CAPTURE_E_READ (file damaged or cut short: every chunk read before
 * the damage has been returned first; capture_error() has libpcap's text) or
 * DNP3_E_NOMEM. After 0 or an error, further calls return the same. */
int capture_next(capture_t *c, cap_chunk_t *out);

/* Memory limit in bytes (default CAP_MEMORY_DEFAULT), and what is counted now. */
void capture_set_memory_limit(capture_t *c, uint64_t bytes);
uint64_t capture_memory(const capture_t *c);

/* The ports of the TCP/UDP traffic that did not match the selected port,
 * ascending, at most max of them: the ports TCP connections were opened to
 * (SYN), or when the capture has no SYN, the lower port of each packet.
 * Returns how many were written. */
size_t capture_ports_seen(const capture_t *c, uint16_t *out, size_t max);

/* Counters so far. */
void capture_get_counters(const capture_t *c, cap_counters_t *out);

/* Flows seen so far (ids are 0..count-1) and the name of one (NULL if out of
 * range or forgotten). */
unsigned capture_flow_count(const capture_t *c);
const char *capture_flow_name(const capture_t *c, unsigned flow_id);

/* LINKTYPE_* number of the file (ND_LINKTYPE_*). */
int capture_linktype(const capture_t *c);

/* Message for the last negative capture_next() return ("" if none). */
const char *capture_error(const capture_t *c);

void capture_close(capture_t *c);

#endif
