/* Capture: every connection's bytes, both ways, into the runtime's one pcap
 * file. Each connection is its own TCP stream in the file (its real
 * endpoints, its own sequence numbers; SYN at open, FIN at close): the
 * writer follows one conversation at a time, so the connection keeps its
 * conversation state and hands it to the writer around each packet. */
#include <string.h>

#include "runtime/runtime_internal.h"

/* The capture format is IPv4 (see dnp3/pcap.h): an IPv6 address is recorded
 * as 198.18.x.y (RFC 2544 benchmarking range, never a real peer), x.y from a
 * hash of the address, so the streams of different hosts stay apart. */
static uint32_t capture_ipv4(const dnp3_endpoint_t *ep)
{
    if (ep->family == 4)
        return (uint32_t)ep->addr[0] << 24 | (uint32_t)ep->addr[1] << 16 |
               (uint32_t)ep->addr[2] << 8 | ep->addr[3];
    uint32_t h = 2166136261u; /* FNV-1a */
    for (int i = 0; i < 16; i++)
        h = (h ^ ep->addr[i]) * 16777619u;
    return 0xC6120000u | (h & 0x1FFFFu); /* 198.18.0.0/15 */
}

void dnp3i_capture_open(dnp3_runtime_t *rt, dnp3_conn_t *conn)
{
    if (!rt->pcap)
        return;
    /* The capture's "client" is the side that opened the TCP connection. */
    const dnp3_endpoint_t *client = conn->info.outgoing ? &conn->info.local : &conn->info.peer;
    const dnp3_endpoint_t *server = conn->info.outgoing ? &conn->info.peer : &conn->info.local;
    uint32_t cip = capture_ipv4(client), sip = capture_ipv4(server);
    if (client->family == 6 || server->family == 6) {
        char a[DNP3_ENDPOINT_TEXT_MAX], b[DNP3_ENDPOINT_TEXT_MAX];
        dnp3_endpoint_format(client, a, sizeof a);
        dnp3_endpoint_format(server, b, sizeof b);
        dnp3i_log(rt, DNP3_LOG_INFO,
                  "capture: connection %llu %s -> %s recorded as %u.%u.%u.%u -> %u.%u.%u.%u",
                  (unsigned long long)conn->info.id, a, b, cip >> 24, cip >> 16 & 0xFFu,
                  cip >> 8 & 0xFFu, cip & 0xFFu, sip >> 24, sip >> 16 & 0xFFu, sip >> 8 & 0xFFu,
                  sip & 0xFFu);
    }
    uint16_t cport = client->port ? client->port : 1, sport = server->port ? server->port : 1;
    if (cip == sip && cport == sport)
        sport++;
    dnp3_pcap_writer_set_endpoints(rt->pcap, cip, cport, sip, sport, false);
    dnp3i_pcap_writer_get_conv(rt->pcap, &conn->capture);
}

void dnp3i_capture_bytes(dnp3_runtime_t *rt, dnp3_conn_t *conn, bool sent, const uint8_t *data,
                         size_t len)
{
    if (!rt->pcap)
        return;
    /* We are the capture's client when we connected out. */
    bool from_client = sent == conn->info.outgoing;
    dnp3i_pcap_writer_set_conv(rt->pcap, &conn->capture);
    if (dnp3_pcap_writer_packet(rt->pcap, from_client, dnp3i_wall_us(), data, len) != 0)
        dnp3i_log(rt, DNP3_LOG_WARN, "capture: write failed");
    dnp3i_pcap_writer_get_conv(rt->pcap, &conn->capture);
}

void dnp3i_capture_close(dnp3_runtime_t *rt, dnp3_conn_t *conn)
{
    if (!rt->pcap || !conn->opened)
        return;
    dnp3i_pcap_writer_set_conv(rt->pcap, &conn->capture);
    dnp3i_pcap_writer_fin(rt->pcap, dnp3i_wall_us());
    dnp3i_pcap_writer_get_conv(rt->pcap, &conn->capture);
}
