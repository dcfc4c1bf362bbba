/* dnp3c: writing the wire to a classic pcap file.
 *
 * The runtime's capture of what it sends and receives, and what tests use to
 * hand our frames to tshark. Self-contained (stdio only, no libpcap).
 *
 * Output: classic pcap (magic a1b2c3d4, version 2.4, microsecond
 * timestamps, written little-endian), LINKTYPE_ETHERNET (1). Each payload is
 * wrapped in synthetic Ethernet II + IPv4 + TCP (or UDP) headers for one
 * "conversation" between a client ip:port and a server ip:port:
 *  - TCP: each direction's sequence number advances by the payload length,
 *    every segment acknowledges everything the other side sent, payloads
 *    above 1460 octets are split into several segments, and a pure ACK is
 *    written when one side has sent 32 KiB the other has not yet
 *    acknowledged, so the 64 KiB window never fills. tshark 4.0 reports no
 *    expert item at all on such a stream (checked by test_pcap_writer).
 *  - Optionally (dnp3_pcap_writer_set_tcp_control) a SYN / SYN-ACK / ACK
 *    handshake before the first payload and a FIN / FIN-ACK / ACK exchange
 *    at close, so the stream is complete from start to end. tshark then
 *    attaches Chat/Note-level TCP items to those control packets only
 *    ("Connection establish request (SYN)", "... acknowledge (SYN+ACK)",
 *    "Connection finish (FIN)", "This frame initiates/undergoes the
 *    connection closing"); never a warning. Off by default so that "no
 *    expert info anywhere" holds for a default capture.
 *  - IPv4 header checksum and TCP/UDP checksums (with the pseudo-header) are
 *    correct, so no checksum complaint is possible.
 *
 * Allocation happens in open only; nothing here is shared between writers. */
#ifndef DNP3_PCAP_H
#define DNP3_PCAP_H

#include "dnp3/types.h"

#ifdef __cplusplus
extern "C" {
#endif

#define DNP3_PCAP_LINKTYPE_ETHERNET 1u
#define DNP3_PCAP_SNAPLEN           65535u
/* Largest TCP payload per written segment (Ethernet MTU 1500 - 40). */
#define DNP3_PCAP_TCP_MSS 1460u
/* Largest UDP payload we accept in one datagram (IPv4 limit). */
#define DNP3_PCAP_UDP_MAX 65507u

/* Default conversation, used until dnp3_pcap_writer_set_endpoints():
 * TCP 10.0.0.1:49152 (client, the master) -> 10.0.0.2:20000 (server). */
#define DNP3_PCAP_DEFAULT_CLIENT_IP   0x0A000001u
#define DNP3_PCAP_DEFAULT_CLIENT_PORT 49152u
#define DNP3_PCAP_DEFAULT_SERVER_IP   0x0A000002u
#define DNP3_PCAP_DEFAULT_SERVER_PORT 20000u

typedef struct dnp3_pcap_writer dnp3_pcap_writer_t;

/* Create (truncate) path and write the global header. Returns NULL on
 * failure with a message in err (when err is not NULL). */
DNP3_API dnp3_pcap_writer_t *dnp3_pcap_writer_open(const char *path, char *err, size_t errlen);

/* Choose the conversation (addresses and ports in host byte order; udp
 * selects UDP instead of TCP). Starts a new conversation: for TCP the next
 * packet is preceded by a fresh handshake. Returns 0 or DNP3_E_INVALID_ARG
 * (NULL writer, port 0, equal client and server endpoints). A TCP
 * conversation in progress is not closed (no FIN is written). */
DNP3_API int dnp3_pcap_writer_set_endpoints(dnp3_pcap_writer_t *w, uint32_t client_ip,
                                            uint16_t client_port, uint32_t server_ip,
                                            uint16_t server_port, bool udp);

/* Whether TCP conversations get the SYN handshake (written before the next
 * conversation's first payload, stamped with its time) and the closing FIN
 * exchange (stamped with the last packet's time). Default false: a
 * dissector then picks the stream up at the first payload. Call before the
 * first packet of a conversation. Returns 0 or DNP3_E_INVALID_ARG. */
DNP3_API int dnp3_pcap_writer_set_tcp_control(dnp3_pcap_writer_t *w, bool on);

/* Write payload[0..len) as sent by the client (from_client) or the server,
 * at ts_us microseconds since the Unix epoch. len 0 writes nothing.
 * Returns 0, DNP3_E_INVALID_ARG (NULL writer, NULL payload with len > 0,
 * UDP payload above DNP3_PCAP_UDP_MAX) or DNP3_E_IO. */
DNP3_API int dnp3_pcap_writer_packet(dnp3_pcap_writer_t *w, bool from_client, uint64_t ts_us,
                                     const uint8_t *payload, size_t len);

/* Push buffered records to the file. Returns 0 or DNP3_E_IO. */
DNP3_API int dnp3_pcap_writer_flush(dnp3_pcap_writer_t *w);

/* Packets (records) written so far, handshake and ACKs included. */
DNP3_API uint64_t dnp3_pcap_writer_count(const dnp3_pcap_writer_t *w);

/* End the TCP stream with the FIN exchange (when TCP control is on and a
 * stream was started), close the file and free the writer. Returns 0 or
 * DNP3_E_IO (the writer is freed either way). NULL is accepted. */
DNP3_API int dnp3_pcap_writer_close(dnp3_pcap_writer_t *w);

#ifdef __cplusplus
}
#endif
#endif
