/* capture: pcap/pcapng files built in the test (every link type, VLAN, IPv6,
 * TCP reassembly, UDP, port filter, damaged packets and files). The shared
 * real captures are checked in test_capture_real.c, which can skip on its
 * own when they are absent. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture.h"
#include "dnp3/types.h"
#include "netdissect.h"
#include "util/byteorder.h"

/* ---- building capture files ------------------------------------------------ */

typedef struct buf {
    uint8_t *p;
    size_t n, cap;
} buf_t;

static void put(buf_t *b, const void *data, size_t len)
{
    if (b->n + len > b->cap) {
        size_t c = b->cap ? b->cap : 4096;
        while (c < b->n + len)
            c *= 2;
        b->p = realloc(b->p, c);
        assert_non_null(b->p);
        b->cap = c;
    }
    if (len)
        memcpy(b->p + b->n, data, len);
    b->n += len;
}

static void put_le32(buf_t *b, uint32_t v)
{
    uint8_t x[4];
    dnp3i_put_le32(x, v);
    put(b, x, 4);
}

static void put_le16(buf_t *b, uint16_t v)
{
    uint8_t x[2];
    dnp3i_put_le16(x, v);
    put(b, x, 2);
}

static void set32(uint8_t *p, uint32_t v)
{
    dnp3i_put_be16(p, v >> 16);
    dnp3i_put_be16(p + 2, v & 0xFFFFu);
}

/* Classic pcap, little-endian, microseconds. */
static void pcap_begin(buf_t *b, uint32_t linktype)
{
    b->n = 0;
    put_le32(b, 0xA1B2C3D4u);
    put_le16(b, 2);
    put_le16(b, 4);
    put_le32(b, 0);
    put_le32(b, 0);
    put_le32(b, 65535);
    put_le32(b, linktype);
}

static uint32_t g_clock_us; /* record time; test-local, reset per file */

static void pcap_record(buf_t *b, const uint8_t *frame, size_t caplen, size_t wirelen)
{
    g_clock_us += 1000;
    put_le32(b, 1700000000u);
    put_le32(b, g_clock_us);
    put_le32(b, (uint32_t)caplen);
    put_le32(b, (uint32_t)wirelen);
    put(b, frame, caplen);
}

/* ---- building packets ------------------------------------------------------- */

typedef struct ep {
    uint8_t ipv; /* 4 or 6 */
    uint8_t addr[16];
    uint16_t port;
} ep_t;

static ep_t v4(uint8_t last, uint16_t port)
{
    ep_t e = {4, {10, 0, 0, last}, port};
    return e;
}

static ep_t v6(uint8_t last, uint16_t port)
{
    ep_t e = {6, {0x20, 0x01, 0x0d, 0xb8, [15] = last}, port};
    return e;
}

/* IP + TCP (proto 6) or UDP (17) packet; returns its length. */
static size_t ip_packet(uint8_t *o, uint8_t proto, ep_t s, ep_t d, uint32_t seq, uint8_t flags,
                        const uint8_t *pl, size_t plen)
{
    uint8_t l4[2048];
    size_t n;
    if (proto == 6) {
        memset(l4, 0, 20);
        dnp3i_put_be16(l4, s.port);
        dnp3i_put_be16(l4 + 2, d.port);
        set32(l4 + 4, seq);
        l4[12] = 0x50;
        l4[13] = flags;
        n = 20;
    } else {
        dnp3i_put_be16(l4, s.port);
        dnp3i_put_be16(l4 + 2, d.port);
        dnp3i_put_be16(l4 + 4, (unsigned)(8 + plen));
        dnp3i_put_be16(l4 + 6, 0);
        n = 8;
    }
    if (plen)
        memcpy(l4 + n, pl, plen);
    n += plen;
    if (s.ipv == 4) {
        memset(o, 0, 20);
        o[0] = 0x45;
        dnp3i_put_be16(o + 2, (unsigned)(20 + n));
        o[8] = 64;
        o[9] = proto;
        memcpy(o + 12, s.addr, 4);
        memcpy(o + 16, d.addr, 4);
        memcpy(o + 20, l4, n);
        return 20 + n;
    }
    /* IPv6 with a hop-by-hop and a destination options header in front. */
    memset(o, 0, 56);
    o[0] = 0x60;
    dnp3i_put_be16(o + 4, (unsigned)(16 + n));
    o[6] = 0;
    o[7] = 64;
    memcpy(o + 8, s.addr, 16);
    memcpy(o + 24, d.addr, 16);
    o[40] = 60;
    o[48] = proto;
    memcpy(o + 56, l4, n);
    return 56 + n;
}

/* Link-layer framing for a given LINKTYPE around an IP packet. */
static size_t frame(uint8_t *o, uint32_t linktype, const uint8_t *ip, size_t iplen)
{
    unsigned etype = (ip[0] >> 4) == 4 ? 0x0800 : 0x86DD;
    size_t h = 0;
    switch (linktype) {
    case ND_LINKTYPE_ETHERNET:
        memset(o, 0x11, 12);
        dnp3i_put_be16(o + 12, etype);
        h = 14;
        break;
    case 1000: /* Ethernet with stacked 802.1ad + 802.1Q tags (still LINKTYPE 1) */
        memset(o, 0x11, 12);
        dnp3i_put_be16(o + 12, 0x88A8);
        dnp3i_put_be16(o + 14, 10);
        dnp3i_put_be16(o + 16, 0x8100);
        dnp3i_put_be16(o + 18, 20);
        dnp3i_put_be16(o + 20, etype);
        h = 22;
        break;
    case ND_LINKTYPE_NULL: /* host order of a little-endian capturer */
        o[0] = etype == 0x0800 ? 2 : 30;
        o[1] = o[2] = o[3] = 0;
        h = 4;
        break;
    case ND_LINKTYPE_LOOP:
        set32(o, etype == 0x0800 ? 2 : 24);
        h = 4;
        break;
    case ND_LINKTYPE_LINUX_SLL:
        memset(o, 0, 16);
        dnp3i_put_be16(o + 2, 1);
        dnp3i_put_be16(o + 4, 6);
        dnp3i_put_be16(o + 14, etype);
        h = 16;
        break;
    case ND_LINKTYPE_LINUX_SLL2:
        memset(o, 0, 20);
        dnp3i_put_be16(o, etype);
        set32(o + 4, 3);
        dnp3i_put_be16(o + 8, 1);
        o[11] = 6;
        h = 20;
        break;
    default: /* RAW, IPV4, IPV6 */
        break;
    }
    memcpy(o + h, ip, iplen);
    return h + iplen;
}

/* One TCP/UDP packet as a capture record. */
static void add(buf_t *b, uint32_t lt, uint8_t proto, ep_t s, ep_t d, uint32_t seq, uint8_t flags,
                const uint8_t *pl, size_t plen)
{
    uint8_t ip[2048], f[2100];
    size_t n = ip_packet(ip, proto, s, d, seq, flags, pl, plen);
    n = frame(f, lt, ip, n);
    pcap_record(b, f, n, n);
}

/* ---- reading ------------------------------------------------------------------ */

#define MAXC 256

typedef struct got {
    cap_chunk_t c[MAXC];
    uint8_t data[MAXC][512];
    char name[MAXC][120];
    size_t n;
    int rc;
    cap_counters_t st;
    unsigned flows;
    unsigned notes;
    unsigned ends; /* stream_end chunks (not kept in c[]) */
} got_t;

static void count_note(void *ctx, uint64_t packet_no, const char *msg)
{
    got_t *g = ctx;
    assert_true(packet_no > 0);
    assert_non_null(msg);
    g->notes++;
}

static void count_note_n(void *ctx, uint64_t packet_no, const char *msg)
{
    (void)packet_no;
    (void)msg;
    (*(unsigned *)ctx)++;
}

static got_t *read_all(const buf_t *b, uint16_t port)
{
    got_t *g = calloc(1, sizeof *g);
    assert_non_null(g);
    char err[256];
    capture_t *c = capture_open_memory(b->p, b->n, port, err, sizeof err);
    if (!c)
        fail_msg("open: %s", err);
    capture_set_note_fn(c, count_note, g);
    cap_chunk_t ch;
    while ((g->rc = capture_next(c, &ch)) > 0) {
        if (ch.stream_end) {
            assert_int_equal(ch.len, 0);
            g->ends++;
            continue;
        }
        assert_true(g->n < MAXC);
        assert_true(ch.len > 0 && ch.len <= sizeof g->data[0]);
        g->c[g->n] = ch;
        memcpy(g->data[g->n], ch.data, ch.len);
        snprintf(g->name[g->n], sizeof g->name[0], "%s", ch.flow_name);
        g->n++;
    }
    capture_get_counters(c, &g->st);
    g->flows = capture_flow_count(c);
    capture_close(c);
    return g;
}

static const uint8_t DATA[] = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";

/* ---- tests ---------------------------------------------------------------------- */

static void check_one_linktype(uint32_t lt, uint32_t file_lt, bool ipv6)
{
    buf_t b = {0};
    g_clock_us = 0;
    pcap_begin(&b, file_lt);
    ep_t m = ipv6 ? v6(1, 49152) : v4(1, 49152);
    ep_t o = ipv6 ? v6(2, 20000) : v4(2, 20000);
    add(&b, lt, 6, m, o, 1000, 0x02, NULL, 0);
    add(&b, lt, 6, o, m, 5000, 0x12, NULL, 0);
    add(&b, lt, 6, m, o, 1001, 0x18, DATA, 10);
    add(&b, lt, 6, o, m, 5001, 0x18, DATA + 10, 7);
    got_t *g = read_all(&b, CAP_DEFAULT_PORT);
    assert_int_equal(g->rc, 0);
    assert_int_equal(g->n, 2);
    assert_int_equal(g->flows, 2);
    assert_int_equal(g->c[0].packet_no, 3);
    assert_int_equal(g->c[0].len, 10);
    assert_memory_equal(g->data[0], DATA, 10);
    assert_true(g->c[0].stream_start);
    assert_false(g->c[0].udp);
    assert_int_equal(g->c[0].flow_id, 0);
    assert_int_equal(g->c[1].flow_id, 1);
    assert_int_equal(g->c[1].packet_no, 4);
    assert_memory_equal(g->data[1], DATA + 10, 7);
    assert_int_equal(g->c[0].ts_us, 1700000000ull * 1000000u + 3000u);
    if (ipv6) {
        assert_string_equal(g->name[0], "[2001:db8::1]:49152>[2001:db8::2]:20000");
        assert_string_equal(g->name[1], "[2001:db8::2]:20000>[2001:db8::1]:49152");
    } else {
        assert_string_equal(g->name[0], "10.0.0.1:49152>10.0.0.2:20000");
        assert_string_equal(g->name[1], "10.0.0.2:20000>10.0.0.1:49152");
    }
    assert_int_equal(g->st.packets, 4);
    assert_int_equal(g->st.matched, 4);
    assert_int_equal(g->st.malformed, 0);
    assert_int_equal(g->st.tcp_streams, 2);
    free(g);
    free(b.p);
}

static void test_link_types(void **state)
{
    (void)state;
    check_one_linktype(ND_LINKTYPE_ETHERNET, 1, false);
    check_one_linktype(ND_LINKTYPE_ETHERNET, 1, true);
    check_one_linktype(1000, 1, false); /* stacked VLAN tags */
    check_one_linktype(1000, 1, true);
    check_one_linktype(ND_LINKTYPE_NULL, 0, false);
    check_one_linktype(ND_LINKTYPE_NULL, 0, true);
    check_one_linktype(ND_LINKTYPE_LOOP, 108, false);
    check_one_linktype(ND_LINKTYPE_LOOP, 108, true);
    check_one_linktype(ND_LINKTYPE_RAW, 101, false); /* libpcap reports DLT_RAW (12) */
    check_one_linktype(ND_LINKTYPE_RAW, 101, true);
    check_one_linktype(ND_LINKTYPE_RAW, 12, false);
    check_one_linktype(ND_LINKTYPE_IPV4, 228, false);
    check_one_linktype(ND_LINKTYPE_IPV6, 229, true);
    check_one_linktype(ND_LINKTYPE_LINUX_SLL, 113, false);
    check_one_linktype(ND_LINKTYPE_LINUX_SLL, 113, true);
    check_one_linktype(ND_LINKTYPE_LINUX_SLL2, 276, false);
    check_one_linktype(ND_LINKTYPE_LINUX_SLL2, 276, true);
}

static void test_pcapng_and_file_path(void **state)
{
    (void)state;
    /* Minimal pcapng: SHB, IDB (Ethernet), one EPB. */
    uint8_t ip[256], f[300];
    size_t n = ip_packet(ip, 6, v4(1, 40000), v4(2, 20000), 77, 0x18, DATA, 5);
    n = frame(f, ND_LINKTYPE_ETHERNET, ip, n);
    size_t padded = (n + 3) & ~(size_t)3;
    buf_t b = {0};
    put_le32(&b, 0x0A0D0D0Au);
    put_le32(&b, 28);
    put_le32(&b, 0x1A2B3C4Du);
    put_le16(&b, 1);
    put_le16(&b, 0);
    put_le32(&b, 0xFFFFFFFFu);
    put_le32(&b, 0xFFFFFFFFu);
    put_le32(&b, 28);
    put_le32(&b, 1); /* IDB */
    put_le32(&b, 20);
    put_le16(&b, 1);
    put_le16(&b, 0);
    put_le32(&b, 65535);
    put_le32(&b, 20);
    put_le32(&b, 6); /* EPB */
    put_le32(&b, (uint32_t)(32 + padded));
    put_le32(&b, 0);
    put_le32(&b, 0);
    put_le32(&b, 1000);
    put_le32(&b, (uint32_t)n);
    put_le32(&b, (uint32_t)n);
    put(&b, f, n);
    put(&b, "\0\0\0", padded - n);
    put_le32(&b, (uint32_t)(32 + padded));
    got_t *g = read_all(&b, CAP_DEFAULT_PORT);
    assert_int_equal(g->rc, 0);
    assert_int_equal(g->n, 1);
    assert_memory_equal(g->data[0], DATA, 5);
    free(g);

    /* The same bytes through capture_open() on a file. */
    char path[] = "/tmp/test_capture_XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, b.p, b.n), (ssize_t)b.n);
    close(fd);
    char err[256];
    capture_t *c = capture_open(path, CAP_DEFAULT_PORT, err, sizeof err);
    assert_non_null(c);
    assert_int_equal(capture_linktype(c), ND_LINKTYPE_ETHERNET);
    cap_chunk_t ch;
    assert_int_equal(capture_next(c, &ch), 1);
    assert_int_equal(ch.len, 5);
    assert_int_equal(capture_next(c, &ch), 0);
    assert_int_equal(capture_next(c, &ch), 0);
    capture_close(c);
    unlink(path);
    assert_null(capture_open("/nonexistent/x.pcap", CAP_DEFAULT_PORT, err, sizeof err));
    assert_non_null(strstr(err, "/nonexistent/x.pcap"));
    free(b.p);
}

static void test_port_filter(void **state)
{
    (void)state;
    buf_t b = {0};
    g_clock_us = 0;
    pcap_begin(&b, 1);
    add(&b, 1, 6, v4(1, 40000), v4(2, 20000), 1, 0x18, DATA, 3); /* dnp3 */
    add(&b, 1, 6, v4(1, 40001), v4(2, 502), 1, 0x18, DATA, 4);   /* modbus */
    add(&b, 1, 17, v4(3, 20000), v4(4, 30000), 0, 0, DATA, 5);   /* dnp3/udp, source port */
    uint8_t arp[60] = {0};
    dnp3i_put_be16(arp + 12, 0x0806);
    pcap_record(&b, arp, sizeof arp, sizeof arp);
    uint8_t ip[128], f[160];
    size_t n = ip_packet(ip, 6, v4(1, 1), v4(2, 20000), 1, 0x18, DATA, 1);
    ip[9] = 1; /* ICMP */
    n = frame(f, 1, ip, n);
    pcap_record(&b, f, n, n);

    got_t *g = read_all(&b, CAP_DEFAULT_PORT);
    assert_int_equal(g->n, 2);
    assert_int_equal(g->c[0].len, 3);
    assert_true(g->c[1].udp);
    assert_int_equal(g->c[1].len, 5);
    assert_int_equal(g->st.matched, 2);
    assert_int_equal(g->st.non_matching, 3);
    assert_int_equal(g->flows, 2);
    free(g);

    g = read_all(&b, 502);
    assert_int_equal(g->n, 1);
    assert_int_equal(g->c[0].len, 4);
    assert_int_equal(g->c[0].packet_no, 2);
    assert_string_equal(g->name[0], "10.0.0.1:40001>10.0.0.2:502");
    free(g);

    g = read_all(&b, 0); /* every port */
    assert_int_equal(g->n, 3);
    free(g);
    free(b.p);
}

static void test_tcp_reassembly(void **state)
{
    (void)state;
    buf_t b = {0};
    g_clock_us = 0;
    pcap_begin(&b, 1);
    ep_t m = v4(1, 49152), o = v4(2, 20000);
    uint32_t isn = 0xFFFFFFF0u;                         /* payload crosses the 32-bit wrap */
    add(&b, 1, 6, m, o, isn, 0x02, NULL, 0);            /* 1 SYN */
    add(&b, 1, 6, m, o, isn + 1, 0x18, DATA, 10);       /* 2 [0,10) */
    add(&b, 1, 6, m, o, isn + 31, 0x18, DATA + 30, 10); /* 3 [30,40) held */
    add(&b, 1, 6, m, o, isn + 1, 0x18, DATA, 10);       /* 4 full retransmission */
    add(&b, 1, 6, m, o, isn + 21, 0x18, DATA + 20, 10); /* 5 [20,30) held */
    add(&b, 1, 6, m, o, isn + 6, 0x18, DATA + 5, 15);   /* 6 [5,20): partial overlap, fills */
    add(&b, 1, 6, m, o, isn + 41, 0x19, DATA + 40, 5);  /* 7 [40,45) + FIN */
    got_t *g = read_all(&b, CAP_DEFAULT_PORT);
    assert_int_equal(g->rc, 0);
    uint8_t all[64];
    size_t total = 0;
    for (size_t i = 0; i < g->n; i++) {
        memcpy(all + total, g->data[i], g->c[i].len);
        total += g->c[i].len;
        assert_false(g->c[i].gap_before);
        assert_int_equal(g->c[i].stream_start, i == 0);
    }
    assert_int_equal(total, 45);
    assert_memory_equal(all, DATA, 45);
    /* Packet 6 made [5,20), [20,30) and [30,40) deliverable: Wireshark's numbering. */
    assert_int_equal(g->n, 5);
    assert_int_equal(g->c[0].packet_no, 2);
    assert_int_equal(g->c[1].packet_no, 6);
    assert_int_equal(g->c[2].packet_no, 6);
    assert_int_equal(g->c[3].packet_no, 6);
    assert_int_equal(g->c[4].packet_no, 7);
    assert_int_equal(g->st.retrans_segments, 1);
    assert_int_equal(g->st.retrans_bytes, 15);
    assert_int_equal(g->st.gaps, 0);
    assert_int_equal(g->st.bytes_delivered, 45);
    free(g);
    free(b.p);
}

static void test_tcp_hole_gap(void **state)
{
    (void)state;
    buf_t b = {0};
    g_clock_us = 0;
    pcap_begin(&b, 1);
    ep_t m = v4(1, 49152), o = v4(2, 20000);
    add(&b, 1, 6, m, o, 100, 0x18, DATA, 10);      /* 1: origin (no SYN) */
    add(&b, 1, 6, m, o, 120, 0x18, DATA + 20, 10); /* 2: [110,120) never captured */
    add(&b, 1, 6, o, m, 900, 0x18, DATA + 50, 4);  /* 3: other direction */
    got_t *g = read_all(&b, CAP_DEFAULT_PORT);
    assert_int_equal(g->rc, 0);
    assert_int_equal(g->n, 3);
    assert_int_equal(g->c[0].packet_no, 1);
    assert_int_equal(g->c[1].packet_no, 3);
    /* Given up at the end of the capture: flagged, tagged with its own packet. */
    assert_true(g->c[2].gap_before);
    assert_int_equal(g->c[2].packet_no, 2);
    assert_int_equal(g->c[2].flow_id, 0);
    assert_memory_equal(g->data[2], DATA + 20, 10);
    assert_false(g->c[0].stream_start);
    assert_int_equal(g->st.gaps, 1);
    free(g);
    free(b.p);
}

static void test_port_reuse_new_stream(void **state)
{
    (void)state;
    buf_t b = {0};
    g_clock_us = 0;
    pcap_begin(&b, 0);
    ep_t m = v4(1, 49152), o = v4(2, 20000);
    for (uint32_t k = 0; k < 3; k++) {
        uint32_t isn = 1000u + k * 77777u;
        add(&b, 0, 6, m, o, isn, 0x02, NULL, 0);
        add(&b, 0, 6, m, o, isn + 1, 0x18, DATA, 6);
        add(&b, 0, 6, m, o, isn + 7, 0x11, NULL, 0);
    }
    got_t *g = read_all(&b, CAP_DEFAULT_PORT);
    assert_int_equal(g->n, 3);
    /* Each FIN ends its connection: the flow is forgotten, the next SYN on the
     * same ports starts a new one (same name, next id). */
    assert_int_equal(g->ends, 3);
    assert_int_equal(g->st.flows_ended, 3);
    assert_int_equal(g->flows, 3);
    for (size_t i = 0; i < 3; i++) {
        assert_true(g->c[i].stream_start);
        assert_int_equal(g->c[i].flow_id, i);
        assert_string_equal(g->name[i], "10.0.0.1:49152>10.0.0.2:20000");
        assert_memory_equal(g->data[i], DATA, 6);
    }
    assert_int_equal(g->st.tcp_streams, 3);
    assert_int_equal(g->st.retrans_bytes, 0);
    free(g);
    free(b.p);
}

static void test_udp_datagrams(void **state)
{
    (void)state;
    buf_t b = {0};
    g_clock_us = 0;
    pcap_begin(&b, 1);
    add(&b, 1, 17, v4(1, 20000), v4(2, 20000), 0, 0, DATA, 20);
    add(&b, 1, 17, v4(1, 20000), v4(2, 20000), 0, 0, DATA,
        20); /* same again: not a retransmission */
    add(&b, 1, 17, v6(2, 20000), v6(1, 20000), 0, 0, DATA + 3, 9);
    add(&b, 1, 17, v4(1, 20000), v4(2, 20000), 0, 0, NULL, 0); /* empty: no chunk */
    got_t *g = read_all(&b, CAP_DEFAULT_PORT);
    assert_int_equal(g->n, 3);
    for (size_t i = 0; i < 3; i++)
        assert_true(g->c[i].udp);
    assert_int_equal(g->c[0].flow_id, g->c[1].flow_id);
    assert_memory_equal(g->data[1], DATA, 20);
    assert_string_equal(g->name[2], "[2001:db8::2]:20000>[2001:db8::1]:20000");
    assert_int_equal(g->st.udp_datagrams, 3);
    assert_int_equal(g->flows, 2);
    free(g);
    free(b.p);
}

static void test_damaged_packets(void **state)
{
    (void)state;
    buf_t b = {0};
    g_clock_us = 0;
    pcap_begin(&b, 1);
    uint8_t ip[256], f[300];
    ep_t m = v4(1, 49152), o = v4(2, 20000);
    /* 1: cut inside the IPv4 header */
    size_t n = frame(f, 1, ip, ip_packet(ip, 6, m, o, 1, 0x18, DATA, 10));
    pcap_record(&b, f, 14 + 12, 14 + 12);
    /* 2: cut inside the TCP header */
    pcap_record(&b, f, 14 + 20 + 10, n);
    /* 3: snap length kept 4 of 10 payload bytes */
    pcap_record(&b, f, n - 6, n);
    /* 4: the next 10 bytes, in full: delivered after a gap */
    n = frame(f, 1, ip, ip_packet(ip, 6, m, o, 11, 0x18, DATA + 10, 10));
    pcap_record(&b, f, n, n);
    /* 5: a non-first IPv4 fragment */
    n = ip_packet(ip, 6, m, o, 21, 0x18, DATA, 10);
    dnp3i_put_be16(ip + 6, 0x0010);
    n = frame(f, 1, ip, n);
    pcap_record(&b, f, n, n);
    /* 6: IP total length claims more than the whole frame */
    n = ip_packet(ip, 6, m, o, 21, 0x18, DATA + 20, 10);
    dnp3i_put_be16(ip + 2, 200);
    n = frame(f, 1, ip, n);
    pcap_record(&b, f, n, n);
    /* 7: an Ethernet frame of 3 bytes */
    pcap_record(&b, f, 3, 3);
    got_t *g = read_all(&b, CAP_DEFAULT_PORT);
    assert_int_equal(g->rc, 0);
    assert_int_equal(g->st.packets, 7);
    assert_int_equal(g->st.malformed, 4); /* 1, 2, 6 (length lies), 7 */
    assert_int_equal(g->st.truncated, 1);
    assert_int_equal(g->st.fragments, 1);
    assert_int_equal(g->notes, 6);
    assert_int_equal(g->n, 3);
    assert_int_equal(g->c[0].len, 4);
    assert_memory_equal(g->data[0], DATA, 4);
    assert_true(g->c[1].gap_before);
    assert_memory_equal(g->data[1], DATA + 10, 10);
    assert_false(g->c[2].gap_before); /* packet 6's bytes are trusted to the frame */
    assert_memory_equal(g->data[2], DATA + 20, 10);
    free(g);
    free(b.p);
}

static void test_bad_files(void **state)
{
    (void)state;
    char err[256] = "";
    /* Unknown link type: a clear message naming it. */
    buf_t b = {0};
    pcap_begin(&b, 147);
    assert_null(capture_open_memory(b.p, b.n, 20000, err, sizeof err));
    assert_non_null(strstr(err, "147"));
    assert_non_null(strstr(err, "unsupported link-layer type"));
    /* Not a capture at all */
    assert_null(capture_open_memory((const uint8_t *)"hello world, not a pcap", 23, 20000, err,
                                    sizeof err));
    assert_null(capture_open_memory(NULL, 0, 20000, err, sizeof err));
    /* A file cut inside the second record: the first record's chunk is
     * returned, then the damage as an error. */
    g_clock_us = 0;
    pcap_begin(&b, 1);
    add(&b, 1, 6, v4(1, 40000), v4(2, 20000), 1, 0x18, DATA, 8);
    add(&b, 1, 6, v4(1, 40000), v4(2, 20000), 9, 0x18, DATA, 8);
    capture_t *c = capture_open_memory(b.p, b.n - 5, 20000, err, sizeof err);
    assert_non_null(c);
    cap_chunk_t ch;
    assert_int_equal(capture_next(c, &ch), 1);
    assert_int_equal(ch.len, 8);
    assert_int_equal(capture_next(c, &ch), CAPTURE_E_READ);
    assert_true(strlen(capture_error(c)) > 0);
    assert_int_equal(capture_next(c, &ch), CAPTURE_E_READ);
    capture_close(c);
    free(b.p);
}

/* More flows than any fixed table would hold: every datagram is delivered;
 * at a small memory limit the least recently used flows are forgotten
 * (counted) and the memory stays under the limit. */
static void test_flow_table_bound(void **state)
{
    (void)state;
    buf_t b = {0};
    g_clock_us = 0;
    pcap_begin(&b, 101);
    uint8_t ip[128];
    const uint32_t flows = 70000;
    for (uint32_t i = 0; i < flows; i++) {
        ep_t s = v4(1, (uint16_t)(1024 + (i & 0x3FFF)));
        s.addr[1] = (uint8_t)(i >> 14);
        size_t n = ip_packet(ip, 17, s, v4(2, 20000), 0, 0, DATA, 1);
        pcap_record(&b, ip, n, n);
    }
    for (int limited = 0; limited < 2; limited++) {
        char err[256];
        capture_t *c = capture_open_memory(b.p, b.n, 20000, err, sizeof err);
        assert_non_null(c);
        if (limited)
            capture_set_memory_limit(c, 4u << 20);
        cap_chunk_t ch;
        size_t chunks = 0;
        uint64_t peak = 0;
        int rc;
        while ((rc = capture_next(c, &ch)) > 0) {
            assert_true(ch.flow_id < flows);
            chunks++;
            if (capture_memory(c) > peak)
                peak = capture_memory(c);
        }
        assert_int_equal(rc, 0);
        assert_int_equal(chunks, flows);
        assert_int_equal(capture_flow_count(c), flows);
        cap_counters_t st;
        capture_get_counters(c, &st);
        if (limited) {
            if (peak > 4u << 20)
                fail_msg("peak %llu", (unsigned long long)peak);
            assert_true(st.flows_evicted > flows / 2);
            assert_null(capture_flow_name(c, 0)); /* forgotten */
        } else {
            assert_int_equal(st.flows_evicted, 0);
            assert_string_equal(capture_flow_name(c, 0), "10.0.0.1:1024>10.0.0.2:20000");
        }
        capture_close(c);
    }
    free(b.p);
}

/* 2,000 flows each holding 64 one-byte segments beyond a hole: held memory
 * is counted as it really is (per-segment overhead), so the capture stays
 * within its limit, giving up holes (noted), and every byte is delivered. */
static void test_held_memory_bound(void **state)
{
    (void)state;
    buf_t b = {0};
    g_clock_us = 0;
    pcap_begin(&b, 1);
    const unsigned flows = 2000, segs = 64;
    for (unsigned i = 0; i < flows; i++)
        add(&b, 1, 6, v4(1, (uint16_t)(1024 + i)), v4(2, 20000), 0, 0x02, NULL, 0);
    for (unsigned k = 0; k < segs; k++) {
        for (unsigned i = 0; i < flows; i++)
            add(&b, 1, 6, v4(1, (uint16_t)(1024 + i)), v4(2, 20000), 2 + 2 * k, 0x18, DATA, 1);
    }
    char err[256];
    capture_t *c = capture_open_memory(b.p, b.n, 20000, err, sizeof err);
    assert_non_null(c);
    const uint64_t limit = 4u << 20;
    capture_set_memory_limit(c, limit);
    unsigned notes = 0;
    capture_set_note_fn(c, count_note_n, &notes);
    cap_chunk_t ch;
    uint64_t peak = 0, bytes = 0;
    int rc;
    while ((rc = capture_next(c, &ch)) > 0) {
        bytes += ch.len;
        if (capture_memory(c) > peak)
            peak = capture_memory(c);
    }
    assert_int_equal(rc, 0);
    assert_int_equal(bytes, flows * segs);
    if (peak > limit)
        fail_msg("peak %llu over %llu", (unsigned long long)peak, (unsigned long long)limit);
    assert_true(notes > 0);
    capture_close(c);
    free(b.p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_link_types),        cmocka_unit_test(test_pcapng_and_file_path),
        cmocka_unit_test(test_port_filter),       cmocka_unit_test(test_tcp_reassembly),
        cmocka_unit_test(test_tcp_hole_gap),      cmocka_unit_test(test_port_reuse_new_stream),
        cmocka_unit_test(test_udp_datagrams),     cmocka_unit_test(test_damaged_packets),
        cmocka_unit_test(test_bad_files),         cmocka_unit_test(test_flow_table_bound),
        cmocka_unit_test(test_held_memory_bound),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
