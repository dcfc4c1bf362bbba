/* Classic pcap writer with synthetic Ethernet/IPv4/TCP-or-UDP headers.
 * See include/dnp3/pcap.h for the format and the TCP bookkeeping. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3/pcap.h"
#include "runtime/pcap_internal.h"
#include "util/byteorder.h"

enum { CLIENT = 0, SERVER = 1 };

#define ETH_LEN   14u
#define IP_LEN    20u
#define TCP_LEN   20u
#define UDP_LEN   8u
#define PROTO_TCP 6u
#define PROTO_UDP 17u

#define TCP_FIN 0x01u
#define TCP_SYN 0x02u
#define TCP_PSH 0x08u
#define TCP_ACK 0x10u

#define TCP_WINDOW 65535u
/* Write a pure ACK before one side has this much unacknowledged data, so
 * the other side's advertised window never fills. */
#define ACK_EVERY 32768u

struct dnp3_pcap_writer {
    FILE *f;
    uint32_t ip[2];
    uint16_t port[2];
    bool udp;
    bool control;         /* write SYN handshake and FIN exchange */
    bool started;         /* TCP conversation begun (handshake written if control) */
    uint32_t next_seq[2]; /* next sequence number each side will send */
    uint32_t acked[2];    /* highest of each side's sequence numbers the peer acknowledged */
    uint16_t ip_id[2];
    unsigned conversation; /* varies the initial sequence numbers */
    uint64_t last_ts;
    uint64_t count;
};

/* RFC 1071 one's-complement sum, continued from sum. */
static uint32_t csum_add(uint32_t sum, const uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 1 < n; i += 2)
        sum += (uint32_t)p[i] << 8 | p[i + 1];
    if (n & 1u)
        sum += (uint32_t)p[n - 1] << 8;
    return sum;
}

static uint16_t csum_fold(uint32_t sum)
{
    while (sum >> 16)
        sum = (sum & 0xFFFFu) + (sum >> 16);
    return (uint16_t)~sum;
}

static int write_all(dnp3_pcap_writer_t *w, const void *p, size_t n)
{
    return fwrite(p, 1, n, w->f) == n ? 0 : DNP3_E_IO;
}

/* One record: Ethernet + IPv4 + transport header, then the payload. */
static int write_packet(dnp3_pcap_writer_t *w, int side, uint8_t tcp_flags, uint32_t seq,
                        uint32_t ack, uint64_t ts_us, const uint8_t *payload, size_t len)
{
    int peer = 1 - side;
    size_t l4 = w->udp ? UDP_LEN : TCP_LEN;
    size_t hdr_len = ETH_LEN + IP_LEN + l4;
    size_t ip_total = IP_LEN + l4 + len;
    uint8_t h[ETH_LEN + IP_LEN + TCP_LEN];
    memset(h, 0, sizeof h);

    /* Ethernet II: locally administered MACs 02:00:00:00:00:01 (client) and
     * :02 (server); EtherType IPv4. */
    uint8_t *eth = h;
    eth[0] = 0x02;
    eth[5] = (uint8_t)(peer + 1);
    eth[6] = 0x02;
    eth[11] = (uint8_t)(side + 1);
    dnp3i_put_be16(eth + 12, 0x0800);

    uint8_t *ip = h + ETH_LEN;
    ip[0] = 0x45; /* version 4, 5 words */
    dnp3i_put_be16(ip + 2, (uint32_t)ip_total);
    dnp3i_put_be16(ip + 4, w->ip_id[side]++);
    dnp3i_put_be16(ip + 6, 0x4000); /* don't fragment */
    ip[8] = 64;                     /* TTL */
    ip[9] = (uint8_t)(w->udp ? PROTO_UDP : PROTO_TCP);
    dnp3i_put_be32(ip + 12, w->ip[side]);
    dnp3i_put_be32(ip + 16, w->ip[peer]);
    dnp3i_put_be16(ip + 10, csum_fold(csum_add(0, ip, IP_LEN)));

    uint8_t *l4h = ip + IP_LEN;
    dnp3i_put_be16(l4h, w->port[side]);
    dnp3i_put_be16(l4h + 2, w->port[peer]);
    if (w->udp) {
        dnp3i_put_be16(l4h + 4, (uint32_t)(UDP_LEN + len));
    } else {
        dnp3i_put_be32(l4h + 4, seq);
        dnp3i_put_be32(l4h + 8, ack);
        l4h[12] = (uint8_t)((TCP_LEN / 4) << 4);
        l4h[13] = tcp_flags;
        dnp3i_put_be16(l4h + 14, TCP_WINDOW);
    }
    /* Pseudo-header (RFC 793 / RFC 768): src, dst, zero, protocol, length. */
    uint8_t pseudo[12];
    memcpy(pseudo, ip + 12, 8);
    pseudo[8] = 0;
    pseudo[9] = ip[9];
    dnp3i_put_be16(pseudo + 10, (uint32_t)(l4 + len));
    uint32_t sum = csum_add(0, pseudo, sizeof pseudo);
    sum = csum_add(sum, l4h, l4);
    /* The header length is even, so the payload's byte pairs line up. */
    sum = csum_add(sum, payload, len);
    uint16_t c = csum_fold(sum);
    if (w->udp && c == 0)
        c = 0xFFFF; /* RFC 768: a computed 0 is sent as all ones */
    dnp3i_put_be16(l4h + (w->udp ? 6 : 16), c);

    uint8_t rec[16];
    dnp3i_put_le32(rec, (uint32_t)(ts_us / 1000000u));
    dnp3i_put_le32(rec + 4, (uint32_t)(ts_us % 1000000u));
    dnp3i_put_le32(rec + 8, (uint32_t)(hdr_len + len));
    dnp3i_put_le32(rec + 12, (uint32_t)(hdr_len + len));
    if (write_all(w, rec, sizeof rec) || write_all(w, h, hdr_len) ||
        (len && write_all(w, payload, len)))
        return DNP3_E_IO;
    w->count++;
    w->last_ts = ts_us;
    return 0;
}

/* A TCP segment from side: acknowledges everything the peer sent. */
static int write_tcp(dnp3_pcap_writer_t *w, int side, uint8_t flags, uint64_t ts_us,
                     const uint8_t *payload, size_t len)
{
    int peer = 1 - side;
    uint32_t ack = (flags & TCP_ACK) ? w->next_seq[peer] : 0;
    int rc = write_packet(w, side, flags, w->next_seq[side], ack, ts_us, payload, len);
    if (rc)
        return rc;
    /* SYN and FIN each take one sequence number. */
    w->next_seq[side] += (uint32_t)len + ((flags & (TCP_SYN | TCP_FIN)) ? 1u : 0u);
    if (flags & TCP_ACK)
        w->acked[peer] = ack;
    return 0;
}

static int handshake(dnp3_pcap_writer_t *w, uint64_t ts_us)
{
    /* Deterministic initial sequence numbers, distinct per conversation. */
    w->next_seq[CLIENT] = 0x1000u + w->conversation * 0x01000000u;
    w->next_seq[SERVER] = 0x8000u + w->conversation * 0x01000000u;
    w->acked[CLIENT] = w->next_seq[CLIENT];
    w->acked[SERVER] = w->next_seq[SERVER];
    int rc = 0;
    if (w->control) {
        /* The SYNs take one sequence number each. */
        w->next_seq[CLIENT]--;
        w->next_seq[SERVER]--;
        rc = write_tcp(w, CLIENT, TCP_SYN, ts_us, NULL, 0);
        if (!rc)
            rc = write_tcp(w, SERVER, TCP_SYN | TCP_ACK, ts_us, NULL, 0);
        if (!rc)
            rc = write_tcp(w, CLIENT, TCP_ACK, ts_us, NULL, 0);
    }
    if (!rc)
        w->started = true;
    return rc;
}

dnp3_pcap_writer_t *dnp3_pcap_writer_open(const char *path, char *err, size_t errlen)
{
    if (!path) {
        if (err && errlen)
            snprintf(err, errlen, "pcap: no path");
        return NULL;
    }
    dnp3_pcap_writer_t *w = calloc(1, sizeof *w);
    if (!w) {
        if (err && errlen)
            snprintf(err, errlen, "pcap: out of memory");
        return NULL;
    }
    w->f = fopen(path, "wb");
    if (!w->f) {
        if (err && errlen)
            snprintf(err, errlen, "pcap: cannot create %s: %s", path, strerror(errno));
        free(w);
        return NULL;
    }
    uint8_t gh[24];
    dnp3i_put_le32(gh, 0xA1B2C3D4u); /* microsecond timestamps */
    dnp3i_put_le16(gh + 4, 2);
    dnp3i_put_le16(gh + 6, 4);
    dnp3i_put_le32(gh + 8, 0);  /* thiszone: UTC */
    dnp3i_put_le32(gh + 12, 0); /* sigfigs */
    dnp3i_put_le32(gh + 16, DNP3_PCAP_SNAPLEN);
    dnp3i_put_le32(gh + 20, DNP3_PCAP_LINKTYPE_ETHERNET);
    if (write_all(w, gh, sizeof gh)) {
        if (err && errlen)
            snprintf(err, errlen, "pcap: cannot write %s", path);
        fclose(w->f);
        free(w);
        return NULL;
    }
    dnp3_pcap_writer_set_endpoints(w, DNP3_PCAP_DEFAULT_CLIENT_IP, DNP3_PCAP_DEFAULT_CLIENT_PORT,
                                   DNP3_PCAP_DEFAULT_SERVER_IP, DNP3_PCAP_DEFAULT_SERVER_PORT,
                                   false);
    w->conversation = 0;
    w->control = false;
    return w;
}

int dnp3_pcap_writer_set_endpoints(dnp3_pcap_writer_t *w, uint32_t client_ip, uint16_t client_port,
                                   uint32_t server_ip, uint16_t server_port, bool udp)
{
    if (!w || client_port == 0 || server_port == 0 ||
        (client_ip == server_ip && client_port == server_port))
        return DNP3_E_INVALID_ARG;
    w->ip[CLIENT] = client_ip;
    w->ip[SERVER] = server_ip;
    w->port[CLIENT] = client_port;
    w->port[SERVER] = server_port;
    w->udp = udp;
    w->started = false;
    w->conversation++;
    return 0;
}

int dnp3_pcap_writer_set_tcp_control(dnp3_pcap_writer_t *w, bool on)
{
    if (!w)
        return DNP3_E_INVALID_ARG;
    w->control = on;
    return 0;
}

int dnp3_pcap_writer_packet(dnp3_pcap_writer_t *w, bool from_client, uint64_t ts_us,
                            const uint8_t *payload, size_t len)
{
    if (!w || (!payload && len > 0))
        return DNP3_E_INVALID_ARG;
    if (len == 0)
        return 0;
    int side = from_client ? CLIENT : SERVER;
    if (w->udp) {
        if (len > DNP3_PCAP_UDP_MAX)
            return DNP3_E_INVALID_ARG;
        return write_packet(w, side, 0, 0, 0, ts_us, payload, len);
    }
    int rc = 0;
    if (!w->started && (rc = handshake(w, ts_us)) != 0)
        return rc;
    size_t pos = 0;
    while (pos < len) {
        size_t chunk = len - pos > DNP3_PCAP_TCP_MSS ? DNP3_PCAP_TCP_MSS : len - pos;
        uint32_t unacked = w->next_seq[side] - w->acked[side];
        if (unacked + chunk > ACK_EVERY && (rc = write_tcp(w, 1 - side, TCP_ACK, ts_us, NULL, 0)))
            return rc;
        if ((rc = write_tcp(w, side, TCP_PSH | TCP_ACK, ts_us, payload + pos, chunk)) != 0)
            return rc;
        pos += chunk;
    }
    return 0;
}

int dnp3_pcap_writer_flush(dnp3_pcap_writer_t *w)
{
    if (!w)
        return DNP3_E_INVALID_ARG;
    return fflush(w->f) == 0 ? 0 : DNP3_E_IO;
}

uint64_t dnp3_pcap_writer_count(const dnp3_pcap_writer_t *w)
{
    return w ? w->count : 0;
}

void dnp3i_pcap_writer_get_conv(const dnp3_pcap_writer_t *w, dnp3i_pcap_conv_t *out)
{
    memcpy(out->ip, w->ip, sizeof out->ip);
    memcpy(out->port, w->port, sizeof out->port);
    out->udp = w->udp;
    out->started = w->started;
    memcpy(out->next_seq, w->next_seq, sizeof out->next_seq);
    memcpy(out->acked, w->acked, sizeof out->acked);
    memcpy(out->ip_id, w->ip_id, sizeof out->ip_id);
}

void dnp3i_pcap_writer_set_conv(dnp3_pcap_writer_t *w, const dnp3i_pcap_conv_t *conv)
{
    memcpy(w->ip, conv->ip, sizeof w->ip);
    memcpy(w->port, conv->port, sizeof w->port);
    w->udp = conv->udp;
    w->started = conv->started;
    memcpy(w->next_seq, conv->next_seq, sizeof w->next_seq);
    memcpy(w->acked, conv->acked, sizeof w->acked);
    memcpy(w->ip_id, conv->ip_id, sizeof w->ip_id);
}

int dnp3i_pcap_writer_fin(dnp3_pcap_writer_t *w, uint64_t ts_us)
{
    int rc = 0;
    if (!w->udp && w->started && w->control) {
        rc = write_tcp(w, CLIENT, TCP_FIN | TCP_ACK, ts_us, NULL, 0);
        if (!rc)
            rc = write_tcp(w, SERVER, TCP_FIN | TCP_ACK, ts_us, NULL, 0);
        if (!rc)
            rc = write_tcp(w, CLIENT, TCP_ACK, ts_us, NULL, 0);
    }
    w->started = false;
    return rc;
}

int dnp3_pcap_writer_close(dnp3_pcap_writer_t *w)
{
    if (!w)
        return 0;
    int rc = dnp3i_pcap_writer_fin(w, w->last_ts);
    if (fclose(w->f) != 0)
        rc = DNP3_E_IO;
    free(w);
    return rc;
}
