/* Fuzz target for TCP reassembly (tools/dnp3/tcp_stream.c), driven directly:
 * the input is a list of segments, 6 bytes each:
 *   flags(1) seq step(2, signed, big-endian) length(1) cut(1) time step(1)
 * Segment payloads are not taken from the input: the byte at sequence number
 * s is always BYTE(s), so every delivered byte can be checked against the
 * position it is delivered at. Length is scaled (x1 or x64 by flag bit 7)
 * to reach the hold bounds; "cut" bytes are dropped off the end as a snap
 * length would.
 * Checked on every segment:
 * - each delivered byte equals BYTE(its sequence number): nothing delivered
 *   twice, out of place or invented;
 * - the hold bounds (TCP_STREAM_MAX_SEGS / _BYTES) are never exceeded, and
 *   held_bytes agrees with the held list;
 * - after tcp_stream_flush() nothing is held. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcp_stream.h"
#include "fuzz_check.h"

#define BYTE(s) ((uint8_t)(((s)*2654435761u) >> 24))

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct harness {
    tcp_stream_t *s;
    uint64_t delivered;
} harness_t;

static void on_chunk(void *ctx, const uint8_t *d, size_t len, unsigned flags, tcp_stream_tag_t tag)
{
    harness_t *h = ctx;
    (void)flags;
    (void)tag;
    CHECK(len > 0);
    /* While a chunk is emitted, next_seq is the sequence number of its first byte. */
    uint32_t seq = h->s->next_seq;
    for (size_t i = 0; i < len; i++)
        CHECK(d[i] == BYTE(seq + (uint32_t)i));
    h->delivered += len;
}

static void check_bounds(const tcp_stream_t *s)
{
    CHECK(s->nheld <= TCP_STREAM_MAX_SEGS);
    CHECK(s->held_bytes <= TCP_STREAM_MAX_BYTES);
    size_t sum = 0;
    for (size_t i = 0; i < s->nheld; i++)
        sum += s->held[i].cap_len;
    CHECK(sum == s->held_bytes);
    CHECK((s->nheld == 0) == (s->held == NULL));
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static uint8_t payload[255 * 64];
    tcp_stream_t s;
    tcp_stream_init(&s);
    harness_t h = {&s, 0};
    uint32_t cursor =
        size >= 4
            ? ((uint32_t)data[0] << 24 | (uint32_t)data[1] << 16 | (uint32_t)data[2] << 8 | data[3])
            : 0;
    uint64_t ts = 0, pkt = 0;
    for (size_t off = 4; off + 6 <= size; off += 6) {
        const uint8_t *r = data + off;
        unsigned flags = r[0] & 0x1Fu;
        int16_t step = (int16_t)(uint16_t)((r[1] << 8) | r[2]);
        size_t len = r[3] * ((r[0] & 0x80u) ? 64u : 1u);
        size_t cut = r[4] < len ? r[4] : len;
        ts += (uint64_t)r[5] * 100000u; /* up to 25.5 s per step: reaches the hold timeout */
        cursor += (uint32_t)(int32_t)step;
        uint32_t first = cursor + ((flags & 0x02u) ? 1u : 0u);
        for (size_t i = 0; i < len - cut; i++)
            payload[i] = BYTE(first + (uint32_t)i);
        tcp_stream_tag_t tag = {++pkt, ts};
        tcp_stream_segment(&s, cursor, flags, payload, len - cut, len, tag, on_chunk, &h);
        check_bounds(&s);
    }
    tcp_stream_flush(&s, on_chunk, &h);
    CHECK(s.nheld == 0 && s.held_bytes == 0);
    CHECK(s.counters.bytes_delivered == h.delivered);
    tcp_stream_free(&s);
    return 0;
}
