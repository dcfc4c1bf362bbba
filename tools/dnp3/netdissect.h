/* netdissect: from one captured packet (link-layer header onwards) to the
 * TCP segment or UDP datagram it carries. Sans-IO: no libpcap, no allocation,
 * no state; the result points into the caller's buffer.
 *
 * Link types are the on-file LINKTYPE_* numbers (tcpdump.org/linktypes.html),
 * not the platform's DLT_* values; capture.c maps one to the other. */
#ifndef DNP3_TOOL_NETDISSECT_H
#define DNP3_TOOL_NETDISSECT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Link-layer types understood by nd_dissect(). */
#define ND_LINKTYPE_NULL       0   /* BSD loopback: 4-byte address family, capturer's byte order */
#define ND_LINKTYPE_ETHERNET   1   /* Ethernet II / 802.3 (+SNAP), 802.1Q/802.1ad tags */
#define ND_LINKTYPE_RAW        101 /* bare IPv4 or IPv6, version nibble decides */
#define ND_LINKTYPE_LOOP       108 /* OpenBSD loopback: 4-byte family, big-endian */
#define ND_LINKTYPE_LINUX_SLL  113 /* Linux cooked capture v1, 16-byte header */
#define ND_LINKTYPE_IPV4       228 /* bare IPv4 */
#define ND_LINKTYPE_IPV6       229 /* bare IPv6 */
#define ND_LINKTYPE_LINUX_SLL2 276 /* Linux cooked capture v2, 20-byte header */

/* At most this many stacked VLAN tags / IPv6 extension headers are walked;
 * anything deeper is reported malformed rather than looped over. */
#define ND_MAX_VLAN_TAGS 8
#define ND_MAX_IPV6_EXT  16

#define ND_PROTO_TCP 6
#define ND_PROTO_UDP 17

/* TCP flag bits (RFC 9293 3.1). */
#define ND_TCP_FIN 0x01u
#define ND_TCP_SYN 0x02u
#define ND_TCP_RST 0x04u
#define ND_TCP_PSH 0x08u
#define ND_TCP_ACK 0x10u

typedef enum nd_result {
    ND_OK = 0,      /* a TCP segment or UDP datagram: the nd_packet_t is filled */
    ND_NOT_IP,      /* the link layer carries something else (ARP, LLDP, ...) */
    ND_NOT_TCPUDP,  /* IP, but another protocol (ICMP, ESP, no next header, ...) */
    ND_FRAGMENT,    /* a non-first IP fragment: no transport header to read */
    ND_MALFORMED,   /* a header is inconsistent or cut short: see reason */
    ND_BAD_LINKTYPE /* link-layer type not supported */
} nd_result_t;

typedef struct nd_packet {
    uint8_t ip_version; /* 4 or 6 */
    uint8_t src[16];    /* IPv4 uses the first 4 bytes */
    uint8_t dst[16];
    uint8_t proto; /* ND_PROTO_TCP or ND_PROTO_UDP */
    uint16_t sport;
    uint16_t dport;
    uint32_t seq; /* TCP only */
    uint32_t ack;
    uint8_t tcp_flags;
    bool first_fragment; /* IP "more fragments" set on offset 0: payload is partial */
    /* Payload bytes present in the buffer. */
    const uint8_t *payload;
    size_t payload_len;
    /* Payload length the IP/UDP headers claim; larger than payload_len when the
     * capture cut the packet short (snap length) or the header lies. */
    size_t payload_wire_len;
    /* For anything but ND_OK: a static one-line reason ("IPv4 header cut short"). */
    const char *reason;
} nd_packet_t;

/* True if nd_dissect() understands this LINKTYPE_* value. */
bool nd_linktype_supported(int linktype);

/* Dissects one packet of the given link type. Never reads outside
 * [data, data + caplen). On ND_OK, out->payload points into data. */
nd_result_t nd_dissect(int linktype, const uint8_t *data, size_t caplen, nd_packet_t *out);

/* Dissects from the IP header on (version nibble decides); used by the link
 * decoders and handy for tests. */
nd_result_t nd_dissect_ip(const uint8_t *data, size_t caplen, nd_packet_t *out);

/* Formats "a.b.c.d:port" or "[v6]:port" into buf (at least ND_ENDPOINT_MAX bytes). */
#define ND_ENDPOINT_MAX 56
void nd_format_endpoint(char *buf, size_t buflen, uint8_t ip_version, const uint8_t *addr,
                        uint16_t port);

#endif
