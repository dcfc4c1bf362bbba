/* netdissect: link layer -> IP -> TCP/UDP over hand-built packets. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "netdissect.h"
#include "util/byteorder.h"

static const uint8_t V4_SRC[4] = {10, 0, 0, 1};
static const uint8_t V4_DST[4] = {10, 0, 0, 2};
static const uint8_t V6_SRC[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 1};
static const uint8_t V6_DST[16] = {0x20, 0x01, 0x0d, 0xb8, [15] = 2};
static const uint8_t PAYLOAD[] = {0x05, 0x64, 0x05, 0xC9, 0x01, 0x00, 0x00, 0x04, 0xE9, 0x21};

/* TCP header (with opt_len bytes of NOP options) + payload; returns length. */
static size_t tcp_seg(uint8_t *o, uint16_t sport, uint16_t dport, uint32_t seq, uint8_t flags,
                      size_t opt_len, const uint8_t *pl, size_t plen)
{
    size_t h = 20 + opt_len;
    memset(o, 0, h);
    dnp3i_put_be16(o, sport);
    dnp3i_put_be16(o + 2, dport);
    dnp3i_put_be32(o + 4, seq);
    dnp3i_put_be32(o + 8, 1);
    o[12] = (uint8_t)((h / 4) << 4);
    o[13] = flags;
    dnp3i_put_be16(o + 14, 65535);
    memset(o + 20, 1, opt_len); /* NOP */
    if (plen)
        memcpy(o + h, pl, plen);
    return h + plen;
}

static size_t udp_dgram(uint8_t *o, uint16_t sport, uint16_t dport, const uint8_t *pl, size_t plen)
{
    dnp3i_put_be16(o, sport);
    dnp3i_put_be16(o + 2, dport);
    dnp3i_put_be16(o + 4, (unsigned)(8 + plen));
    dnp3i_put_be16(o + 6, 0);
    memcpy(o + 8, pl, plen);
    return 8 + plen;
}

/* IPv4 header with opt_len bytes of options (multiple of 4) + l4. */
static size_t ipv4(uint8_t *o, uint8_t proto, size_t opt_len, uint16_t frag, const uint8_t *l4,
                   size_t l4len)
{
    size_t ihl = 20 + opt_len;
    memset(o, 0, ihl);
    o[0] = (uint8_t)(0x40 | (ihl / 4));
    dnp3i_put_be16(o + 2, (unsigned)(ihl + l4len));
    dnp3i_put_be16(o + 6, frag);
    o[8] = 64;
    o[9] = proto;
    memcpy(o + 12, V4_SRC, 4);
    memcpy(o + 16, V4_DST, 4);
    memmove(o + ihl, l4, l4len);
    return ihl + l4len;
}

/* IPv6 header + ext (already chained, first next-header nh) + l4. */
static size_t ipv6(uint8_t *o, uint8_t nh, const uint8_t *ext, size_t extlen, const uint8_t *l4,
                   size_t l4len)
{
    memset(o, 0, 40);
    o[0] = 0x60;
    dnp3i_put_be16(o + 4, (unsigned)(extlen + l4len));
    o[6] = nh;
    o[7] = 64;
    memcpy(o + 8, V6_SRC, 16);
    memcpy(o + 24, V6_DST, 16);
    if (extlen)
        memcpy(o + 40, ext, extlen);
    if (l4len)
        memcpy(o + 40 + extlen, l4, l4len);
    return 40 + extlen + l4len;
}

/* A plain IPv4/TCP packet to port 20000 carrying PAYLOAD. */
static size_t v4_tcp(uint8_t *o)
{
    uint8_t l4[128];
    size_t n = tcp_seg(l4, 49152, 20000, 0x11223344u, 0x18, 0, PAYLOAD, sizeof PAYLOAD);
    return ipv4(o, 6, 0, 0x4000, l4, n);
}

static void expect_v4_tcp(nd_result_t r, const nd_packet_t *p)
{
    assert_int_equal(r, ND_OK);
    assert_int_equal(p->ip_version, 4);
    assert_memory_equal(p->src, V4_SRC, 4);
    assert_memory_equal(p->dst, V4_DST, 4);
    assert_int_equal(p->proto, ND_PROTO_TCP);
    assert_int_equal(p->sport, 49152);
    assert_int_equal(p->dport, 20000);
    assert_int_equal(p->seq, 0x11223344u);
    assert_int_equal(p->tcp_flags, 0x18);
    assert_int_equal(p->payload_len, sizeof PAYLOAD);
    assert_int_equal(p->payload_wire_len, sizeof PAYLOAD);
    assert_memory_equal(p->payload, PAYLOAD, sizeof PAYLOAD);
}

static void test_ethernet_ipv4_tcp_padding(void **state)
{
    (void)state;
    uint8_t f[128] = {0};
    dnp3i_put_be16(f + 12, 0x0800);
    size_t n = 14 + v4_tcp(f + 14);
    nd_packet_t p;
    expect_v4_tcp(nd_dissect(ND_LINKTYPE_ETHERNET, f, n, &p), &p);
    assert_false(p.first_fragment);
    /* Ethernet pads short frames to 60 bytes: the padding is not payload. */
    uint8_t l4[64];
    size_t k = tcp_seg(l4, 20000, 49152, 1, 0x18, 0, PAYLOAD, 2);
    n = 14 + ipv4(f + 14, 6, 0, 0, l4, k);
    assert_true(n < 60);
    memset(f + n, 0xEE, 60 - n);
    assert_int_equal(nd_dissect(ND_LINKTYPE_ETHERNET, f, 60, &p), ND_OK);
    assert_int_equal(p.payload_len, 2);
    assert_int_equal(p.payload_wire_len, 2);
}

static void test_ethernet_vlan_stacked(void **state)
{
    (void)state;
    uint8_t f[256] = {0};
    dnp3i_put_be16(f + 12, 0x88A8); /* S-tag */
    dnp3i_put_be16(f + 14, 100);
    dnp3i_put_be16(f + 16, 0x8100); /* C-tag */
    dnp3i_put_be16(f + 18, 200);
    dnp3i_put_be16(f + 20, 0x0800);
    size_t n = 22 + v4_tcp(f + 22);
    nd_packet_t p;
    expect_v4_tcp(nd_dissect(ND_LINKTYPE_ETHERNET, f, n, &p), &p);
    /* Tag cut short */
    assert_int_equal(nd_dissect(ND_LINKTYPE_ETHERNET, f, 17, &p), ND_MALFORMED);
    /* Endless tags are refused, not looped over. */
    uint8_t g[14 + 4 * (ND_MAX_VLAN_TAGS + 2)] = {0};
    for (size_t i = 12; i + 4 <= sizeof g; i += 4)
        dnp3i_put_be16(g + i, 0x8100);
    assert_int_equal(nd_dissect(ND_LINKTYPE_ETHERNET, g, sizeof g, &p), ND_MALFORMED);
}

static void test_ethernet_snap_and_not_ip(void **state)
{
    (void)state;
    uint8_t f[256] = {0};
    static const uint8_t snap[8] = {0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00};
    size_t ipn = v4_tcp(f + 22);
    dnp3i_put_be16(f + 12, (unsigned)(8 + ipn)); /* 802.3 length */
    memcpy(f + 14, snap, 8);
    nd_packet_t p;
    expect_v4_tcp(nd_dissect(ND_LINKTYPE_ETHERNET, f, 22 + ipn, &p), &p);
    dnp3i_put_be16(f + 12, 0x0806); /* ARP */
    assert_int_equal(nd_dissect(ND_LINKTYPE_ETHERNET, f, 60, &p), ND_NOT_IP);
}

static void test_ipv4_options_and_tcp_options(void **state)
{
    (void)state;
    uint8_t l4[128], pkt[256];
    size_t n = tcp_seg(l4, 49152, 20000, 0x11223344u, 0x18, 12, PAYLOAD, sizeof PAYLOAD);
    n = ipv4(pkt, 6, 8, 0, l4, n);
    nd_packet_t p;
    expect_v4_tcp(nd_dissect(ND_LINKTYPE_RAW, pkt, n, &p), &p);
}

static void test_ipv4_bad_headers(void **state)
{
    (void)state;
    uint8_t pkt[256];
    size_t n = v4_tcp(pkt);
    nd_packet_t p;
    /* Every prefix too short for the headers is malformed, never a crash. */
    for (size_t len = 0; len < 40; len++)
        assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, len, &p), ND_MALFORMED);
    /* IHL below 5 */
    pkt[0] = 0x44;
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, n, &p), ND_MALFORMED);
    pkt[0] = 0x45;
    /* Total length below the header */
    dnp3i_put_be16(pkt + 2, 12);
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, n, &p), ND_MALFORMED);
    /* Total length 0 (segmentation offload): the captured length is used. */
    dnp3i_put_be16(pkt + 2, 0);
    expect_v4_tcp(nd_dissect(ND_LINKTYPE_RAW, pkt, n, &p), &p);
    /* Total length beyond the capture: payload is what is there, wire length what is claimed. */
    dnp3i_put_be16(pkt + 2, (unsigned)(n + 100));
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, n, &p), ND_OK);
    assert_int_equal(p.payload_len, sizeof PAYLOAD);
    assert_int_equal(p.payload_wire_len, sizeof PAYLOAD + 100);
    dnp3i_put_be16(pkt + 2, (unsigned)n);
    /* TCP data offset below 5 and beyond the packet */
    pkt[20 + 12] = 0x40;
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, n, &p), ND_MALFORMED);
    pkt[20 + 12] = 0xF0;
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, n, &p), ND_MALFORMED);
    /* Not TCP/UDP */
    pkt[20 + 12] = 0x50;
    pkt[9] = 1; /* ICMP */
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, n, &p), ND_NOT_TCPUDP);
    /* Neither IPv4 nor IPv6 */
    pkt[0] = 0x55;
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, n, &p), ND_NOT_IP);
}

static void test_ipv4_fragments(void **state)
{
    (void)state;
    uint8_t l4[128], pkt[256];
    size_t n = tcp_seg(l4, 49152, 20000, 0x11223344u, 0x18, 0, PAYLOAD, sizeof PAYLOAD);
    size_t m = ipv4(pkt, 6, 0, 0x2000, l4, n); /* MF, offset 0 */
    nd_packet_t p;
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, m, &p), ND_OK);
    assert_true(p.first_fragment);
    m = ipv4(pkt, 6, 0, 0x0003, l4, n); /* offset 24 bytes */
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, m, &p), ND_FRAGMENT);
    assert_non_null(p.reason);
}

static void test_udp(void **state)
{
    (void)state;
    uint8_t l4[128], pkt[256];
    size_t n = udp_dgram(l4, 20000, 20000, PAYLOAD, sizeof PAYLOAD);
    size_t m = ipv4(pkt, 17, 0, 0, l4, n);
    nd_packet_t p;
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, m, &p), ND_OK);
    assert_int_equal(p.proto, ND_PROTO_UDP);
    assert_int_equal(p.payload_len, sizeof PAYLOAD);
    assert_memory_equal(p.payload, PAYLOAD, sizeof PAYLOAD);
    /* UDP length shorter than the IP payload: trailing bytes are not payload. */
    dnp3i_put_be16(pkt + 20 + 4, 8 + 4);
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, m, &p), ND_OK);
    assert_int_equal(p.payload_len, 4);
    dnp3i_put_be16(pkt + 20 + 4, 7);
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, m, &p), ND_MALFORMED);
    dnp3i_put_be16(pkt + 20 + 4, (unsigned)(n + 1));
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, m, &p), ND_MALFORMED);
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, 20 + 7, &p), ND_MALFORMED);
}

static void test_ipv6_extension_headers(void **state)
{
    (void)state;
    uint8_t l4[128], pkt[512], ext[64] = {0};
    size_t n = tcp_seg(l4, 49152, 20000, 7, 0x18, 4, PAYLOAD, sizeof PAYLOAD);
    /* hop-by-hop (8) -> routing (16) -> fragment (8, offset 0) -> dest opts (8) -> TCP */
    ext[0] = 43;
    ext[1] = 0;
    ext[8] = 44;
    ext[9] = 1;
    ext[24] = 60;
    ext[26] = 0;
    ext[27] = 0;
    ext[32] = 6;
    ext[33] = 0;
    size_t m = ipv6(pkt, 0, ext, 40, l4, n);
    nd_packet_t p;
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, m, &p), ND_OK);
    assert_int_equal(p.ip_version, 6);
    assert_memory_equal(p.src, V6_SRC, 16);
    assert_int_equal(p.proto, ND_PROTO_TCP);
    assert_int_equal(p.seq, 7);
    assert_memory_equal(p.payload, PAYLOAD, sizeof PAYLOAD);
    assert_false(p.first_fragment);
    /* Every prefix inside the headers is malformed. */
    for (size_t len = 0; len < 40 + 40 + 24; len++)
        assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, len, &p), ND_MALFORMED);
    /* Non-first fragment */
    dnp3i_put_be16(pkt + 40 + 24 + 2, 8 << 3);
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, m, &p), ND_FRAGMENT);
    /* First fragment (M set) */
    dnp3i_put_be16(pkt + 40 + 24 + 2, 1);
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, m, &p), ND_OK);
    assert_true(p.first_fragment);
    /* Extension header length running past the packet */
    pkt[40 + 8 + 1] = 200;
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, m, &p), ND_MALFORMED);
    /* No next header, ESP: not TCP/UDP */
    m = ipv6(pkt, 59, NULL, 0, NULL, 0);
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, m, &p), ND_NOT_TCPUDP);
}

static void test_ipv6_ext_loop_bounded(void **state)
{
    (void)state;
    uint8_t pkt[40 + 8 * 40] = {0};
    uint8_t ext[8 * 40] = {0};
    for (size_t i = 0; i < 40; i++)
        ext[i * 8] = 60; /* dest opts forever */
    size_t m = ipv6(pkt, 60, ext, sizeof ext, NULL, 0);
    nd_packet_t p;
    assert_int_equal(nd_dissect(ND_LINKTYPE_IPV6, pkt, m, &p), ND_MALFORMED);
}

static void test_loopback_null_and_loop(void **state)
{
    (void)state;
    uint8_t f[256];
    size_t n = 4 + v4_tcp(f + 4);
    nd_packet_t p;
    /* DLT_NULL: family 2 written little-endian (x86 capturer) ... */
    memcpy(f, (uint8_t[]){2, 0, 0, 0}, 4);
    expect_v4_tcp(nd_dissect(ND_LINKTYPE_NULL, f, n, &p), &p);
    /* ... or big-endian (a big-endian capturer) */
    memcpy(f, (uint8_t[]){0, 0, 0, 2}, 4);
    expect_v4_tcp(nd_dissect(ND_LINKTYPE_NULL, f, n, &p), &p);
    /* DLT_LOOP: always big-endian */
    expect_v4_tcp(nd_dissect(ND_LINKTYPE_LOOP, f, n, &p), &p);
    /* Not IP */
    memcpy(f, (uint8_t[]){7, 0, 0, 0}, 4);
    assert_int_equal(nd_dissect(ND_LINKTYPE_NULL, f, n, &p), ND_NOT_IP);
    assert_int_equal(nd_dissect(ND_LINKTYPE_NULL, f, 3, &p), ND_MALFORMED);
    /* IPv6 over loopback: Darwin's family 30 */
    uint8_t l4[64];
    size_t k = udp_dgram(l4, 1, 20000, PAYLOAD, 4);
    n = 4 + ipv6(f + 4, 17, NULL, 0, l4, k);
    memcpy(f, (uint8_t[]){30, 0, 0, 0}, 4);
    assert_int_equal(nd_dissect(ND_LINKTYPE_NULL, f, n, &p), ND_OK);
    assert_int_equal(p.ip_version, 6);
    assert_int_equal(p.proto, ND_PROTO_UDP);
    /* Family says IPv4, packet is IPv6 */
    memcpy(f, (uint8_t[]){2, 0, 0, 0}, 4);
    assert_int_equal(nd_dissect(ND_LINKTYPE_NULL, f, n, &p), ND_MALFORMED);
}

static void test_raw_ipv4_ipv6_linktypes(void **state)
{
    (void)state;
    uint8_t pkt[256];
    size_t n = v4_tcp(pkt);
    nd_packet_t p;
    expect_v4_tcp(nd_dissect(ND_LINKTYPE_IPV4, pkt, n, &p), &p);
    assert_int_equal(nd_dissect(ND_LINKTYPE_IPV6, pkt, n, &p), ND_MALFORMED);
    uint8_t l4[64];
    size_t k = tcp_seg(l4, 1, 20000, 1, 0x02, 0, NULL, 0);
    n = ipv6(pkt, 6, NULL, 0, l4, k);
    assert_int_equal(nd_dissect(ND_LINKTYPE_IPV6, pkt, n, &p), ND_OK);
    assert_int_equal(nd_dissect(ND_LINKTYPE_IPV4, pkt, n, &p), ND_MALFORMED);
    assert_int_equal(nd_dissect(ND_LINKTYPE_RAW, pkt, n, &p), ND_OK);
    assert_int_equal(p.payload_len, 0);
}

static void test_linux_sll_and_sll2(void **state)
{
    (void)state;
    uint8_t f[256] = {0};
    nd_packet_t p;
    /* SLL: protocol at offset 14 */
    dnp3i_put_be16(f + 2, 1); /* ARPHRD_ETHER */
    dnp3i_put_be16(f + 4, 6);
    dnp3i_put_be16(f + 14, 0x0800);
    size_t n = 16 + v4_tcp(f + 16);
    expect_v4_tcp(nd_dissect(ND_LINKTYPE_LINUX_SLL, f, n, &p), &p);
    assert_int_equal(nd_dissect(ND_LINKTYPE_LINUX_SLL, f, 15, &p), ND_MALFORMED);
    /* SLL2: protocol at offset 0, 20-byte header */
    memset(f, 0, sizeof f);
    dnp3i_put_be16(f, 0x0800);
    dnp3i_put_be32(f + 4, 2);
    dnp3i_put_be16(f + 8, 1);
    f[11] = 6;
    n = 20 + v4_tcp(f + 20);
    expect_v4_tcp(nd_dissect(ND_LINKTYPE_LINUX_SLL2, f, n, &p), &p);
    assert_int_equal(nd_dissect(ND_LINKTYPE_LINUX_SLL2, f, 19, &p), ND_MALFORMED);
    /* SLL2 carrying a VLAN tag */
    memset(f, 0, sizeof f);
    dnp3i_put_be16(f, 0x8100);
    dnp3i_put_be16(f + 20, 5);
    dnp3i_put_be16(f + 22, 0x0800);
    n = 24 + v4_tcp(f + 24);
    expect_v4_tcp(nd_dissect(ND_LINKTYPE_LINUX_SLL2, f, n, &p), &p);
    dnp3i_put_be16(f, 0x0806);
    assert_int_equal(nd_dissect(ND_LINKTYPE_LINUX_SLL2, f, n, &p), ND_NOT_IP);
}

static void test_unsupported_linktype(void **state)
{
    (void)state;
    uint8_t f[64] = {0};
    nd_packet_t p;
    assert_false(nd_linktype_supported(147));
    assert_true(nd_linktype_supported(ND_LINKTYPE_LINUX_SLL2));
    assert_int_equal(nd_dissect(147, f, sizeof f, &p), ND_BAD_LINKTYPE);
}

static void test_format_endpoint(void **state)
{
    (void)state;
    char buf[ND_ENDPOINT_MAX];
    nd_format_endpoint(buf, sizeof buf, 4, V4_SRC, 49152);
    assert_string_equal(buf, "10.0.0.1:49152");
    nd_format_endpoint(buf, sizeof buf, 6, V6_DST, 20000);
    assert_string_equal(buf, "[2001:db8::2]:20000");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_ethernet_ipv4_tcp_padding),
        cmocka_unit_test(test_ethernet_vlan_stacked),
        cmocka_unit_test(test_ethernet_snap_and_not_ip),
        cmocka_unit_test(test_ipv4_options_and_tcp_options),
        cmocka_unit_test(test_ipv4_bad_headers),
        cmocka_unit_test(test_ipv4_fragments),
        cmocka_unit_test(test_udp),
        cmocka_unit_test(test_ipv6_extension_headers),
        cmocka_unit_test(test_ipv6_ext_loop_bounded),
        cmocka_unit_test(test_loopback_null_and_loop),
        cmocka_unit_test(test_raw_ipv4_ipv6_linktypes),
        cmocka_unit_test(test_linux_sll_and_sll2),
        cmocka_unit_test(test_unsupported_linktype),
        cmocka_unit_test(test_format_endpoint),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
