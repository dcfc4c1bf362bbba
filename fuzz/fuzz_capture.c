/* Fuzz target for capture reading: the input is a capture file image (pcap
 * or pcapng) opened from memory through libpcap and read to the end, once
 * with the DNP3 port filter and once with every port. The same bytes are
 * also dissected directly as one packet of every supported link type.
 * Checked on every input:
 * - every chunk is non-empty, names a flow that exists, and carries that
 *   flow's name; packet numbers are within the packets read;
 * - the chunk bytes add up to the delivered-bytes counter;
 * - after the end (0) or an error (<0) the same value keeps coming back;
 * - nd_dissect's payload always lies inside the buffer it was given.
 * Checks abort() (not assert(), which NDEBUG builds compile out). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "netdissect.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void read_capture(const uint8_t *data, size_t size, uint16_t port)
{
    char err[256];
    capture_t *c = capture_open_memory(data, size, port, err, sizeof err);
    if (!c) {
        CHECK(memchr(err, '\0', sizeof err) != NULL);
        return;
    }
    cap_chunk_t ch;
    int rc;
    uint64_t bytes = 0, chunks = 0;
    while ((rc = capture_next(c, &ch)) > 0) {
        CHECK((ch.len > 0 || ch.stream_end) && ch.data != NULL);
        CHECK(ch.flow_id < capture_flow_count(c));
        CHECK(ch.flow_name == capture_flow_name(c, ch.flow_id));
        cap_counters_t st;
        capture_get_counters(c, &st);
        CHECK(ch.packet_no >= 1 && ch.packet_no <= st.packets);
        /* Touch every byte so a bad pointer shows under ASan. */
        volatile uint8_t sink = 0;
        for (size_t i = 0; i < ch.len; i++)
            sink ^= ch.data[i];
        (void)sink;
        bytes += ch.len;
        chunks++;
    }
    cap_counters_t st;
    capture_get_counters(c, &st);
    CHECK(st.bytes_delivered == bytes);
    CHECK(st.chunks == chunks);
    /* Every packet is matched, non-matching, or skipped as malformed / a
     * fragment (a matched packet may also count as malformed or fragment). */
    CHECK(st.matched + st.non_matching <= st.packets);
    CHECK(st.matched + st.non_matching + st.malformed + st.fragments >= st.packets);
    CHECK(capture_next(c, &ch) == rc);
    capture_close(c);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const int linktypes[] = {ND_LINKTYPE_NULL, ND_LINKTYPE_ETHERNET,  ND_LINKTYPE_RAW,
                                    ND_LINKTYPE_LOOP, ND_LINKTYPE_LINUX_SLL, ND_LINKTYPE_IPV4,
                                    ND_LINKTYPE_IPV6, ND_LINKTYPE_LINUX_SLL2};
    for (size_t i = 0; i < sizeof linktypes / sizeof linktypes[0]; i++) {
        nd_packet_t p;
        if (nd_dissect(linktypes[i], data, size, &p) == ND_OK) {
            CHECK(p.payload >= data && p.payload + p.payload_len <= data + size);
            CHECK(p.payload_len <= p.payload_wire_len);
        } else {
            CHECK(p.reason != NULL);
        }
    }
    read_capture(data, size, CAP_DEFAULT_PORT);
    read_capture(data, size, 0);
    return 0;
}
