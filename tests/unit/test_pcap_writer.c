/* PCAP writer: file bytes, TCP bookkeeping, checksums, and (when tshark is
 * installed) an independent decode by tshark with no expert info. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dnp3/pcap.h"
#include "util/byteorder.h"

/* DNP3-FACTS 1.7: request link status M(1)->O(10) and its reply. */
static const uint8_t REQ[] = {0x05, 0x64, 0x05, 0xC9, 0x0A, 0x00, 0x01, 0x00, 0xFE, 0xDA};
static const uint8_t RSP[] = {0x05, 0x64, 0x05, 0x0B, 0x01, 0x00, 0x0A, 0x00, 0x6D, 0xED};

#define T0 1700000000123456ull

static uint8_t file[1 << 20];
static char path[64];

static size_t read_file(void)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    size_t n = fread(file, 1, sizeof file, f);
    fclose(f);
    return n;
}

static dnp3_pcap_writer_t *open_tmp(void)
{
    snprintf(path, sizeof path, "/tmp/dnp3c_pcap_XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    close(fd);
    char err[128];
    dnp3_pcap_writer_t *w = dnp3_pcap_writer_open(path, err, sizeof err);
    assert_non_null(w);
    return w;
}

/* Two frames each way, 1 ms apart. */
static void write_exchange(dnp3_pcap_writer_t *w)
{
    assert_int_equal(dnp3_pcap_writer_packet(w, true, T0, REQ, sizeof REQ), 0);
    assert_int_equal(dnp3_pcap_writer_packet(w, false, T0 + 1000, RSP, sizeof RSP), 0);
    assert_int_equal(dnp3_pcap_writer_packet(w, true, T0 + 2000, REQ, sizeof REQ), 0);
    assert_int_equal(dnp3_pcap_writer_packet(w, false, T0 + 3000, RSP, sizeof RSP), 0);
}

static uint16_t fold(uint32_t s)
{
    while (s >> 16)
        s = (s & 0xFFFF) + (s >> 16);
    return (uint16_t)s;
}

static uint32_t sum16(const uint8_t *p, size_t n)
{
    uint32_t s = 0;
    for (size_t i = 0; i + 1 < n; i += 2)
        s += dnp3i_get_be16(p + i);
    if (n & 1)
        s += (uint32_t)p[n - 1] << 8;
    return s;
}

/* Check one record's Ethernet/IPv4/L4 headers and checksums; returns the
 * offset of the next record. */
typedef struct rec {
    uint32_t ts_sec, ts_usec, caplen;
    uint32_t src_ip, dst_ip, sport, dport, seq, ack, flags;
    const uint8_t *payload;
    size_t plen;
} rec_t;

static size_t parse_rec(size_t off, bool udp, rec_t *r)
{
    const uint8_t *p = file + off;
    r->ts_sec = dnp3i_get_le32(p);
    r->ts_usec = dnp3i_get_le32(p + 4);
    r->caplen = dnp3i_get_le32(p + 8);
    assert_int_equal(dnp3i_get_le32(p + 12), r->caplen);
    const uint8_t *eth = p + 16;
    assert_int_equal(dnp3i_get_be16(eth + 12), 0x0800);
    const uint8_t *ip = eth + 14;
    assert_int_equal(ip[0], 0x45);
    assert_int_equal(dnp3i_get_be16(ip + 2), r->caplen - 14);
    assert_int_equal(ip[9], udp ? 17 : 6);
    assert_int_equal(fold(sum16(ip, 20)), 0xFFFF); /* header checksum verifies */
    r->src_ip = dnp3i_get_be32(ip + 12);
    r->dst_ip = dnp3i_get_be32(ip + 16);
    const uint8_t *l4 = ip + 20;
    size_t l4len = r->caplen - 34;
    r->sport = dnp3i_get_be16(l4);
    r->dport = dnp3i_get_be16(l4 + 2);
    size_t hl = udp ? 8 : 20;
    if (udp) {
        assert_int_equal(dnp3i_get_be16(l4 + 4), l4len);
    } else {
        r->seq = dnp3i_get_be32(l4 + 4);
        r->ack = dnp3i_get_be32(l4 + 8);
        assert_int_equal(l4[12], 0x50);
        r->flags = l4[13];
        assert_int_equal(dnp3i_get_be16(l4 + 14), 65535);
    }
    /* Pseudo-header + segment sums to all ones when the checksum is right. */
    uint32_t s = sum16(ip + 12, 8) + ip[9] + (uint32_t)l4len + sum16(l4, l4len);
    assert_int_equal(fold(s), 0xFFFF);
    r->payload = l4 + hl;
    r->plen = l4len - hl;
    return off + 16 + r->caplen;
}

static void test_global_header(void **state)
{
    (void)state;
    dnp3_pcap_writer_t *w = open_tmp();
    assert_int_equal(dnp3_pcap_writer_close(w), 0);
    assert_int_equal(read_file(), 24);
    static const uint8_t gh[24] = {0xD4, 0xC3, 0xB2, 0xA1, 0x02, 0x00, 0x04, 0x00,
                                   0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
                                   0xFF, 0xFF, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00};
    assert_memory_equal(file, gh, 24);
    unlink(path);

    char err[128] = "";
    assert_null(dnp3_pcap_writer_open("/nonexistent-dir/x.pcap", err, sizeof err));
    assert_true(strstr(err, "/nonexistent-dir/x.pcap") != NULL);
    assert_int_equal(dnp3_pcap_writer_close(NULL), 0);
}

static void test_tcp_exchange(void **state)
{
    (void)state;
    dnp3_pcap_writer_t *w = open_tmp();
    assert_int_equal(dnp3_pcap_writer_set_endpoints(w, 0x7F000001, 40001, 0x7F000002, 20000, false),
                     0);
    write_exchange(w);
    assert_int_equal(dnp3_pcap_writer_packet(w, true, T0, REQ, 0), 0); /* writes nothing */
    assert_int_equal(dnp3_pcap_writer_count(w), 4);
    assert_int_equal(dnp3_pcap_writer_close(w), 0);

    /* 24 + 4 * (16 record header + 14 + 20 + 20 + 10) */
    assert_int_equal(read_file(), 24 + 4 * 80);
    rec_t r[4];
    size_t off = 24;
    for (int i = 0; i < 4; i++)
        off = parse_rec(off, false, &r[i]);
    assert_int_equal(off, 24 + 4 * 80);
    for (int i = 0; i < 4; i++) {
        bool c = (i % 2) == 0;
        assert_int_equal(r[i].caplen, 64);
        assert_int_equal(r[i].ts_sec, 1700000000u);
        assert_int_equal(r[i].ts_usec, 123456u + 1000u * (uint32_t)i);
        assert_int_equal(r[i].src_ip, c ? 0x7F000001u : 0x7F000002u);
        assert_int_equal(r[i].dst_ip, c ? 0x7F000002u : 0x7F000001u);
        assert_int_equal(r[i].sport, c ? 40001 : 20000);
        assert_int_equal(r[i].dport, c ? 20000 : 40001);
        assert_int_equal(r[i].flags, 0x18); /* PSH|ACK */
        assert_int_equal(r[i].plen, 10);
        assert_memory_equal(r[i].payload, c ? REQ : RSP, 10);
    }
    /* Each side's sequence advances by 10; each ACK covers the peer's data. */
    assert_int_equal(r[2].seq, r[0].seq + 10);
    assert_int_equal(r[3].seq, r[1].seq + 10);
    assert_int_equal(r[0].ack, r[1].seq);
    assert_int_equal(r[1].ack, r[0].seq + 10);
    assert_int_equal(r[2].ack, r[1].seq + 10);
    assert_int_equal(r[3].ack, r[2].seq + 10);
    unlink(path);
}

static void test_tcp_control(void **state)
{
    (void)state;
    dnp3_pcap_writer_t *w = open_tmp();
    assert_int_equal(dnp3_pcap_writer_set_tcp_control(w, true), 0);
    write_exchange(w);
    assert_int_equal(dnp3_pcap_writer_close(w), 0);
    size_t n = read_file();
    assert_int_equal(n, 24 + 6 * 70 + 4 * 80);
    rec_t r[10];
    size_t off = 24;
    for (int i = 0; i < 10; i++)
        off = parse_rec(off, false, &r[i]);
    assert_int_equal(off, n);
    /* Default endpoints. */
    assert_int_equal(r[0].src_ip, DNP3_PCAP_DEFAULT_CLIENT_IP);
    assert_int_equal(r[0].dport, DNP3_PCAP_DEFAULT_SERVER_PORT);
    assert_int_equal(r[0].flags, 0x02); /* SYN */
    assert_int_equal(r[1].flags, 0x12); /* SYN|ACK */
    assert_int_equal(r[2].flags, 0x10); /* ACK */
    assert_int_equal(r[7].flags, 0x11); /* FIN|ACK from the client */
    assert_int_equal(r[8].flags, 0x11); /* FIN|ACK from the server */
    assert_int_equal(r[9].flags, 0x10); /* final ACK */
    assert_int_equal(r[1].ack, r[0].seq + 1);
    assert_int_equal(r[2].seq, r[0].seq + 1);
    assert_int_equal(r[2].ack, r[1].seq + 1);
    assert_int_equal(r[3].seq, r[0].seq + 1); /* SYN took one number */
    assert_int_equal(r[4].seq, r[1].seq + 1);
    assert_int_equal(r[7].seq, r[5].seq + 10);
    assert_int_equal(r[8].ack, r[7].seq + 1); /* FIN took one number */
    assert_int_equal(r[9].ack, r[8].seq + 1);
    assert_int_equal(r[0].ts_usec, 123456u); /* handshake at the first payload's time */
    assert_int_equal(r[9].ts_usec, 126456u); /* FIN at the last payload's time */
    unlink(path);
}

static void test_udp(void **state)
{
    (void)state;
    dnp3_pcap_writer_t *w = open_tmp();
    assert_int_equal(dnp3_pcap_writer_set_endpoints(w, 0xC0A80001, 20000, 0xC0A80002, 20000, true),
                     0);
    write_exchange(w);
    assert_int_equal(dnp3_pcap_writer_close(w), 0);
    assert_int_equal(read_file(), 24 + 4 * (16 + 14 + 20 + 8 + 10));
    rec_t r;
    size_t off = 24;
    for (int i = 0; i < 4; i++) {
        off = parse_rec(off, true, &r);
        assert_int_equal(r.src_ip, (i % 2) ? 0xC0A80002u : 0xC0A80001u);
        assert_int_equal(r.plen, 10);
    }
    unlink(path);
}

static void test_large_payload(void **state)
{
    (void)state;
    static uint8_t big[100000];
    for (size_t i = 0; i < sizeof big; i++)
        big[i] = (uint8_t)(i * 13);
    dnp3_pcap_writer_t *w = open_tmp();
    assert_int_equal(dnp3_pcap_writer_packet(w, false, T0, big, sizeof big), 0);
    /* 69 segments of <= 1460 octets; a pure client ACK before the
     * segment that would take unacked data past 32 KiB (3 of them). */
    assert_int_equal(dnp3_pcap_writer_count(w), 69 + 3);
    assert_int_equal(dnp3_pcap_writer_close(w), 0);
    size_t n = read_file();
    size_t off = 24, got = 0;
    uint32_t next = 0;
    int acks = 0;
    rec_t r;
    while (off < n) {
        off = parse_rec(off, false, &r);
        if (r.plen == 0) {
            acks++;
            assert_int_equal(r.ack, next);
            continue;
        }
        if (got)
            assert_int_equal(r.seq, next);
        assert_true(r.plen <= DNP3_PCAP_TCP_MSS);
        assert_memory_equal(r.payload, big + got, r.plen);
        got += r.plen;
        next = r.seq + (uint32_t)r.plen;
    }
    assert_int_equal(got, sizeof big);
    assert_int_equal(acks, 3);
    unlink(path);
}

static void test_args(void **state)
{
    (void)state;
    dnp3_pcap_writer_t *w = open_tmp();
    assert_int_equal(dnp3_pcap_writer_set_endpoints(NULL, 1, 1, 2, 2, false), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_pcap_writer_set_endpoints(w, 1, 0, 2, 2, false), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_pcap_writer_set_endpoints(w, 1, 5, 1, 5, false), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_pcap_writer_packet(w, true, T0, NULL, 3), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_pcap_writer_packet(NULL, true, T0, REQ, 3), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_pcap_writer_set_endpoints(w, 1, 5, 2, 5, true), 0);
    static uint8_t huge[DNP3_PCAP_UDP_MAX + 1];
    assert_int_equal(dnp3_pcap_writer_packet(w, true, T0, huge, sizeof huge), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_pcap_writer_flush(w), 0);
    assert_int_equal(dnp3_pcap_writer_count(w), 0);
    assert_int_equal(dnp3_pcap_writer_close(w), 0);
    unlink(path);
}

/* ---- tshark ---------------------------------------------------------------- */

static bool have_tshark(void)
{
    return system("command -v tshark >/dev/null 2>&1") == 0;
}

/* Run tshark with fields; returns the output (static buffer). */
static const char *tshark_fields(const char *decode_as, const char *fields)
{
    static char out[1 << 16];
    char cmd[1024];
    snprintf(cmd, sizeof cmd,
             "tshark -n -r %s -o tcp.check_checksum:TRUE -o ip.check_checksum:TRUE "
             "-o udp.check_checksum:TRUE -d %s -T fields %s 2>/dev/null",
             path, decode_as, fields);
    FILE *p = popen(cmd, "r");
    assert_non_null(p);
    size_t n = fread(out, 1, sizeof out - 1, p);
    out[n] = '\0';
    assert_int_equal(pclose(p), 0);
    return out;
}

static void test_tshark_tcp(void **state)
{
    (void)state;
    if (!have_tshark()) {
        printf("tshark not on PATH: skipping the tshark decode check (CI installs it)\n");
        skip();
    }
    dnp3_pcap_writer_t *w = open_tmp();
    assert_int_equal(dnp3_pcap_writer_set_endpoints(w, 0x7F000001, 40001, 0x7F000002, 20000, false),
                     0);
    write_exchange(w);
    assert_int_equal(dnp3_pcap_writer_close(w), 0);
    const char *out =
        tshark_fields("tcp.port==20000,dnp3", "-e dnp3.src -e dnp3.dst -e _ws.expert");
    assert_string_equal(out, "1\t10\t\n10\t1\t\n1\t10\t\n10\t1\t\n");
    unlink(path);
}

static void test_tshark_udp(void **state)
{
    (void)state;
    if (!have_tshark()) {
        printf("tshark not on PATH: skipping the tshark decode check (CI installs it)\n");
        skip();
    }
    dnp3_pcap_writer_t *w = open_tmp();
    assert_int_equal(dnp3_pcap_writer_set_endpoints(w, 0xC0A80001, 20001, 0xC0A80002, 20000, true),
                     0);
    write_exchange(w);
    assert_int_equal(dnp3_pcap_writer_close(w), 0);
    const char *out =
        tshark_fields("udp.port==20000,dnp3", "-e dnp3.src -e dnp3.dst -e _ws.expert");
    assert_string_equal(out, "1\t10\t\n10\t1\t\n1\t10\t\n10\t1\t\n");
    unlink(path);
}

/* A long one-way stream (window bookkeeping) and the optional handshake:
 * no expert item above Note anywhere, none at all on payload packets. */
static void test_tshark_stream(void **state)
{
    (void)state;
    if (!have_tshark()) {
        printf("tshark not on PATH: skipping the tshark stream check (CI installs it)\n");
        skip();
    }
    static uint8_t big[100000];
    memset(big, 0x5A, sizeof big);
    dnp3_pcap_writer_t *w = open_tmp();
    assert_int_equal(dnp3_pcap_writer_packet(w, true, T0, REQ, sizeof REQ), 0);
    assert_int_equal(dnp3_pcap_writer_packet(w, false, T0 + 10, big, sizeof big), 0);
    assert_int_equal(dnp3_pcap_writer_packet(w, true, T0 + 20, REQ, sizeof REQ), 0);
    assert_int_equal(dnp3_pcap_writer_close(w), 0);
    /* Port 20001 is not decoded as DNP3 here: only TCP's analysis matters. */
    const char *out = tshark_fields("tcp.port==20001,dnp3", "-e _ws.expert");
    for (const char *c = out; *c; c++)
        assert_true(*c == '\n');
    unlink(path);

    w = open_tmp();
    assert_int_equal(dnp3_pcap_writer_set_tcp_control(w, true), 0);
    write_exchange(w);
    assert_int_equal(dnp3_pcap_writer_close(w), 0);
    out = tshark_fields("tcp.port==20000,dnp3",
                        "-e tcp.len -e dnp3.src -e _ws.expert.severity -E occurrence=a "
                        "-E aggregator=,");
    /* Severity: Chat 0x200000, Note 0x400000, Warn 0x600000, Error 0x800000. */
    char copy[1 << 16];
    snprintf(copy, sizeof copy, "%s", out);
    int lines = 0, payload_lines = 0;
    char *save = NULL;
    for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        /* Three tab-separated fields, any of them possibly empty. */
        char *f1 = strchr(line, '\t');
        assert_non_null(f1);
        *f1++ = '\0';
        char *f2 = strchr(f1, '\t');
        assert_non_null(f2);
        *f2++ = '\0';
        if (strtoul(line, NULL, 10) > 0) {
            payload_lines++;
            assert_string_equal(f1, payload_lines % 2 ? "1" : "10"); /* decoded as DNP3 */
            assert_string_equal(f2, "");                             /* no expert item */
        } else {
            char *save2 = NULL;
            for (char *t = strtok_r(f2, ",", &save2); t; t = strtok_r(NULL, ",", &save2))
                assert_true(strtoul(t, NULL, 10) < 0x600000ul);
        }
        lines++;
    }
    assert_int_equal(lines, 10);
    assert_int_equal(payload_lines, 4);
    unlink(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_global_header), cmocka_unit_test(test_tcp_exchange),
        cmocka_unit_test(test_tcp_control),   cmocka_unit_test(test_udp),
        cmocka_unit_test(test_large_payload), cmocka_unit_test(test_args),
        cmocka_unit_test(test_tshark_tcp),    cmocka_unit_test(test_tshark_udp),
        cmocka_unit_test(test_tshark_stream),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
