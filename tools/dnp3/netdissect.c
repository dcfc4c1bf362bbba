/* netdissect: link layer -> IP -> TCP/UDP over one captured packet.
 * Every length is checked against the captured bytes before it is used. */
#include "netdissect.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <string.h>

#define ETHERTYPE_IPV4  0x0800u
#define ETHERTYPE_IPV6  0x86DDu
#define ETHERTYPE_VLAN  0x8100u /* IEEE 802.1Q C-tag */
#define ETHERTYPE_QINQ  0x88A8u /* IEEE 802.1ad S-tag */
#define ETHERTYPE_QINQ1 0x9100u /* pre-standard stacked tag, still seen in the field */

static uint16_t be16(const uint8_t *p)
{
    return (uint16_t)((p[0] << 8) | p[1]);
}

static uint32_t be32(const uint8_t *p)
{
    return ((uint32_t)p[0] << 24) | ((uint32_t)p[1] << 16) | ((uint32_t)p[2] << 8) | p[3];
}

static uint32_t le32(const uint8_t *p)
{
    return ((uint32_t)p[3] << 24) | ((uint32_t)p[2] << 16) | ((uint32_t)p[1] << 8) | p[0];
}

static nd_result_t fail(nd_packet_t *out, nd_result_t r, const char *reason)
{
    out->reason = reason;
    return r;
}

bool nd_linktype_supported(int linktype)
{
    switch (linktype) {
    case ND_LINKTYPE_NULL:
    case ND_LINKTYPE_ETHERNET:
    case ND_LINKTYPE_RAW:
    case ND_LINKTYPE_LOOP:
    case ND_LINKTYPE_LINUX_SLL:
    case ND_LINKTYPE_IPV4:
    case ND_LINKTYPE_IPV6:
    case ND_LINKTYPE_LINUX_SLL2:
        return true;
    default:
        return false;
    }
}

/* ---- transport ------------------------------------------------------------ */

/* seg/seg_len: the bytes after the IP headers that are present; wire_len: what
 * the IP header says the transport part is. */
static nd_result_t dissect_transport(uint8_t proto, const uint8_t *seg, size_t seg_len,
                                     size_t wire_len, nd_packet_t *out)
{
    out->proto = proto;
    if (proto == ND_PROTO_TCP) {
        if (seg_len < 20)
            return fail(out, ND_MALFORMED, "TCP header cut short");
        size_t hlen = (size_t)(seg[12] >> 4) * 4u;
        if (hlen < 20)
            return fail(out, ND_MALFORMED, "TCP data offset below 5");
        if (hlen > wire_len)
            return fail(out, ND_MALFORMED, "TCP data offset beyond the IP payload");
        if (hlen > seg_len)
            return fail(out, ND_MALFORMED, "TCP options cut short");
        out->sport = be16(seg);
        out->dport = be16(seg + 2);
        out->seq = be32(seg + 4);
        out->ack = be32(seg + 8);
        out->tcp_flags = seg[13];
        out->payload = seg + hlen;
        out->payload_len = seg_len - hlen;
        out->payload_wire_len = wire_len - hlen;
        return ND_OK;
    }
    if (proto == ND_PROTO_UDP) {
        if (seg_len < 8)
            return fail(out, ND_MALFORMED, "UDP header cut short");
        size_t ulen = be16(seg + 4);
        /* Length 0 is legal only for IPv6 jumbograms (RFC 2675); take the IP length. */
        if (ulen == 0)
            ulen = wire_len;
        if (ulen < 8)
            return fail(out, ND_MALFORMED, "UDP length below 8");
        if (ulen > wire_len && !out->first_fragment)
            return fail(out, ND_MALFORMED, "UDP length beyond the IP payload");
        out->sport = be16(seg);
        out->dport = be16(seg + 2);
        out->payload = seg + 8;
        out->payload_wire_len = ulen - 8;
        size_t have = seg_len - 8;
        out->payload_len = have < out->payload_wire_len ? have : out->payload_wire_len;
        return ND_OK;
    }
    return fail(out, ND_NOT_TCPUDP, "not TCP or UDP");
}

/* ---- IP ---------------------------------------------------------------------- */

static nd_result_t dissect_ipv4(const uint8_t *p, size_t caplen, nd_packet_t *out)
{
    if (caplen < 20)
        return fail(out, ND_MALFORMED, "IPv4 header cut short");
    size_t ihl = (size_t)(p[0] & 0x0F) * 4u;
    if (ihl < 20)
        return fail(out, ND_MALFORMED, "IPv4 IHL below 5");
    if (ihl > caplen)
        return fail(out, ND_MALFORMED, "IPv4 options cut short");
    size_t total = be16(p + 2);
    /* Total length 0 is what TCP segmentation offload leaves in locally
     * captured packets: trust the captured length then. */
    if (total == 0)
        total = caplen;
    if (total < ihl)
        return fail(out, ND_MALFORMED, "IPv4 total length below header length");
    out->ip_version = 4;
    memcpy(out->src, p + 12, 4);
    memcpy(out->dst, p + 16, 4);
    uint16_t frag = be16(p + 6);
    if ((frag & 0x1FFFu) != 0)
        return fail(out, ND_FRAGMENT, "non-first IPv4 fragment ignored");
    out->first_fragment = (frag & 0x2000u) != 0;
    /* Bytes past total length are link padding (Ethernet pads to 60). */
    size_t have = caplen < total ? caplen : total;
    return dissect_transport(p[9], p + ihl, have - ihl, total - ihl, out);
}

static bool ipv6_is_ext(uint8_t nh)
{
    /* Hop-by-hop, routing, destination options, mobility, HIP, shim6: all
     * share the (next header, length in 8-octet units - 1) layout (RFC 8200 4). */
    return nh == 0 || nh == 43 || nh == 60 || nh == 135 || nh == 139 || nh == 140;
}

static nd_result_t dissect_ipv6(const uint8_t *p, size_t caplen, nd_packet_t *out)
{
    if (caplen < 40)
        return fail(out, ND_MALFORMED, "IPv6 header cut short");
    out->ip_version = 6;
    memcpy(out->src, p + 8, 16);
    memcpy(out->dst, p + 24, 16);
    size_t plen = be16(p + 4);
    /* 0: jumbogram (RFC 2675) or segmentation offload: use what was captured. */
    if (plen == 0)
        plen = caplen - 40;
    size_t have = caplen - 40 < plen ? caplen - 40 : plen;
    const uint8_t *q = p + 40;
    uint8_t nh = p[6];
    for (int n = 0;; n++) {
        if (n > ND_MAX_IPV6_EXT)
            return fail(out, ND_MALFORMED, "IPv6: too many extension headers");
        size_t elen;
        if (ipv6_is_ext(nh)) {
            if (have < 2)
                return fail(out, ND_MALFORMED, "IPv6 extension header cut short");
            elen = ((size_t)q[1] + 1u) * 8u;
        } else if (nh == 44) { /* fragment header, RFC 8200 4.5 */
            if (have < 8)
                return fail(out, ND_MALFORMED, "IPv6 fragment header cut short");
            uint16_t off = be16(q + 2);
            if ((off & 0xFFF8u) != 0)
                return fail(out, ND_FRAGMENT, "non-first IPv6 fragment ignored");
            if (off & 1u)
                out->first_fragment = true;
            elen = 8;
        } else if (nh == 51) { /* AH: length in 4-octet units - 2, RFC 4302 2.2 */
            if (have < 2)
                return fail(out, ND_MALFORMED, "IPv6 AH header cut short");
            elen = ((size_t)q[1] + 2u) * 4u;
        } else {
            break;
        }
        if (elen > have || elen > plen)
            return fail(out, ND_MALFORMED, "IPv6 extension header cut short");
        nh = q[0];
        q += elen;
        have -= elen;
        plen -= elen;
    }
    return dissect_transport(nh, q, have, plen, out);
}

nd_result_t nd_dissect_ip(const uint8_t *data, size_t caplen, nd_packet_t *out)
{
    if (caplen < 1)
        return fail(out, ND_MALFORMED, "IP header missing");
    switch (data[0] >> 4) {
    case 4:
        return dissect_ipv4(data, caplen, out);
    case 6:
        return dissect_ipv6(data, caplen, out);
    default:
        return fail(out, ND_NOT_IP, "IP version neither 4 nor 6");
    }
}

/* ---- link layer -------------------------------------------------------------- */

/* p points at an EtherType (with the rest of the packet after it). Walks
 * stacked VLAN tags, then dispatches. */
static nd_result_t dissect_ethertype(const uint8_t *p, size_t len, nd_packet_t *out)
{
    for (int tags = 0;; tags++) {
        if (len < 2)
            return fail(out, ND_MALFORMED, "EtherType cut short");
        uint16_t type = be16(p);
        if (type == ETHERTYPE_VLAN || type == ETHERTYPE_QINQ || type == ETHERTYPE_QINQ1) {
            if (tags >= ND_MAX_VLAN_TAGS)
                return fail(out, ND_MALFORMED, "too many stacked VLAN tags");
            if (len < 6)
                return fail(out, ND_MALFORMED, "VLAN tag cut short");
            p += 4; /* skip type + TCI: the next type follows the TCI */
            len -= 4;
            continue;
        }
        if (type == ETHERTYPE_IPV4 || type == ETHERTYPE_IPV6)
            return nd_dissect_ip(p + 2, len - 2, out);
        if (type <= 1500) {
            /* 802.3 length field: IP only behind LLC/SNAP AA AA 03 00 00 00 <type>. */
            static const uint8_t snap[6] = {0xAA, 0xAA, 0x03, 0x00, 0x00, 0x00};
            if (len >= 2 + 8 && memcmp(p + 2, snap, sizeof snap) == 0) {
                p += 8;
                len -= 8;
                uint16_t inner = be16(p);
                if (inner == ETHERTYPE_IPV4 || inner == ETHERTYPE_IPV6)
                    return nd_dissect_ip(p + 2, len - 2, out);
            }
        }
        return fail(out, ND_NOT_IP, "link layer carries no IP");
    }
}

/* BSD loopback families: IPv4 is 2 everywhere; IPv6 differs by OS
 * (Linux 10, Windows 23, NetBSD/OpenBSD 24, FreeBSD 28, Darwin 30). */
static nd_result_t dissect_family(uint32_t family, const uint8_t *p, size_t len, nd_packet_t *out)
{
    switch (family) {
    case 2:
    case 10:
    case 23:
    case 24:
    case 28:
    case 30:
        if (len < 1)
            return fail(out, ND_MALFORMED, "IP header missing");
        /* The family only says "IP"; the version nibble must agree. */
        if ((family == 2) != ((p[0] >> 4) == 4))
            return fail(out, ND_MALFORMED, "loopback family does not match IP version");
        return nd_dissect_ip(p, len, out);
    default:
        return fail(out, ND_NOT_IP, "loopback family is not IP");
    }
}

nd_result_t nd_dissect(int linktype, const uint8_t *data, size_t caplen, nd_packet_t *out)
{
    memset(out, 0, sizeof *out);
    switch (linktype) {
    case ND_LINKTYPE_ETHERNET:
        if (caplen < 14)
            return fail(out, ND_MALFORMED, "Ethernet header cut short");
        return dissect_ethertype(data + 12, caplen - 12, out);
    case ND_LINKTYPE_NULL: {
        if (caplen < 4)
            return fail(out, ND_MALFORMED, "loopback header cut short");
        /* Host byte order of the machine that captured, which may not be
         * ours: families are small, so a value above 0xFFFF is byte-swapped. */
        uint32_t fam = le32(data);
        if (fam > 0xFFFFu)
            fam = be32(data);
        return dissect_family(fam, data + 4, caplen - 4, out);
    }
    case ND_LINKTYPE_LOOP:
        if (caplen < 4)
            return fail(out, ND_MALFORMED, "loopback header cut short");
        return dissect_family(be32(data), data + 4, caplen - 4, out);
    case ND_LINKTYPE_RAW:
        return nd_dissect_ip(data, caplen, out);
    case ND_LINKTYPE_IPV4:
        if (caplen >= 1 && (data[0] >> 4) != 4)
            return fail(out, ND_MALFORMED, "IPv4 link type but IP version is not 4");
        return nd_dissect_ip(data, caplen, out);
    case ND_LINKTYPE_IPV6:
        if (caplen >= 1 && (data[0] >> 4) != 6)
            return fail(out, ND_MALFORMED, "IPv6 link type but IP version is not 6");
        return nd_dissect_ip(data, caplen, out);
    case ND_LINKTYPE_LINUX_SLL:
        /* packet type(2) ARPHRD(2) addr len(2) addr(8) protocol(2) */
        if (caplen < 16)
            return fail(out, ND_MALFORMED, "Linux cooked header cut short");
        return dissect_ethertype(data + 14, caplen - 14, out);
    case ND_LINKTYPE_LINUX_SLL2: {
        /* protocol(2) reserved(2) ifindex(4) ARPHRD(2) packet type(1) addr len(1) addr(8) */
        if (caplen < 20)
            return fail(out, ND_MALFORMED, "Linux cooked v2 header cut short");
        uint16_t type = be16(data);
        if (type != ETHERTYPE_IPV4 && type != ETHERTYPE_IPV6 && type != ETHERTYPE_VLAN &&
            type != ETHERTYPE_QINQ && type != ETHERTYPE_QINQ1)
            return fail(out, ND_NOT_IP, "link layer carries no IP");
        /* Re-use the EtherType walker: build the view "type | payload" without
         * copying by dispatching on the type here. */
        if (type == ETHERTYPE_IPV4 || type == ETHERTYPE_IPV6)
            return nd_dissect_ip(data + 20, caplen - 20, out);
        /* A VLAN tag right after the SLL2 header: its TCI is at +20, the next
         * EtherType at +22. */
        if (caplen < 24)
            return fail(out, ND_MALFORMED, "VLAN tag cut short");
        return dissect_ethertype(data + 22, caplen - 22, out);
    }
    default:
        return fail(out, ND_BAD_LINKTYPE, "unsupported link-layer type");
    }
}

void nd_format_endpoint(char *buf, size_t buflen, uint8_t ip_version, const uint8_t *addr,
                        uint16_t port)
{
    char ip[INET6_ADDRSTRLEN];
    if (ip_version == 6) {
        if (!inet_ntop(AF_INET6, addr, ip, sizeof ip))
            snprintf(ip, sizeof ip, "?");
        snprintf(buf, buflen, "[%s]:%u", ip, (unsigned)port);
    } else {
        if (!inet_ntop(AF_INET, addr, ip, sizeof ip))
            snprintf(ip, sizeof ip, "?");
        snprintf(buf, buflen, "%s:%u", ip, (unsigned)port);
    }
}
