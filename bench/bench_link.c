/* Link layer throughput: streaming parse + CRC check of max-size frames,
 * against our own fastest bare CRC-16/DNP pass (dnp3_crc16: slicing-by-16
 * over const tables) over the very same bytes.
 *
 * Prints a table and one line
 *   BENCH codec.link_parse <MB/s> MB/s reference=<bare-crc MB/s> ratio=<ours/ref>
 * (MB = 10^6 bytes; higher is better). The BENCH figure is the stream fed in
 * one call per event from one buffer; the table also shows 4 KiB and 1 KiB
 * reads (TCP-like). Exits non-zero if the parser does not return exactly the
 * frames that were written, so a broken parser cannot post a figure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

#include "dnp3/link.h"

#define STREAM_BYTES (8u * 1000u * 1000u)
#define REPS         15

static double time_crc(const uint8_t *b, size_t n)
{
    double best = 1e30;
    for (int r = 0; r < REPS; r++) {
        double t0 = bench_now_s();
        uint16_t c = dnp3_crc16(b, n);
        double t = bench_now_s() - t0;
        bench_sink += c;
        if (t < best)
            best = t;
    }
    return best;
}

/* Parses b[0..n) in reads of `chunk` bytes (0: all at once); returns the
 * best time and checks the frame count and user bytes on every repetition. */
static double time_parse(const uint8_t *b, size_t n, size_t chunk, uint64_t want_frames,
                         uint64_t want_user_sum, int *ok)
{
    double best = 1e30;
    for (int r = 0; r < REPS; r++) {
        dnp3_link_parser_t p;
        dnp3_link_parser_init(&p, DNP3_LINK_POLICY_DISCARD);
        uint64_t frames = 0, user_sum = 0, bad = 0;
        double t0 = bench_now_s();
        size_t off = 0;
        while (off < n) {
            size_t end = chunk == 0 || n - off < chunk ? n : off + chunk;
            while (off < end) {
                dnp3_link_event_t ev;
                off += dnp3_link_parser_feed(&p, b + off, end - off, &ev);
                if (ev.kind == DNP3_LINK_EV_FRAME) {
                    frames++;
                    user_sum += ev.frame.user[ev.frame.user_len - 1];
                } else if (ev.kind != DNP3_LINK_EV_NONE) {
                    bad++;
                }
            }
        }
        double t = bench_now_s() - t0;
        dnp3_link_event_t ev;
        while (dnp3_link_parser_finish(&p, &ev))
            bad++;
        if (frames != want_frames || user_sum != want_user_sum || bad != 0 ||
            p.st.counters.frames != want_frames || p.st.counters.discarded_bytes != 0) {
            fprintf(stderr,
                    "bench_link: parser returned %llu frames (want %llu), %llu errors, "
                    "user checksum %llu (want %llu)\n",
                    (unsigned long long)frames, (unsigned long long)want_frames,
                    (unsigned long long)bad, (unsigned long long)user_sum,
                    (unsigned long long)want_user_sum);
            *ok = 0;
        }
        if (t < best)
            best = t;
    }
    return best;
}

int main(void)
{
    size_t per = dnp3_link_frame_size(DNP3_LINK_MAX_USER_DATA);
    uint64_t nframes = STREAM_BYTES / per;
    size_t n = (size_t)nframes * per;
    uint8_t *b = malloc(n);
    if (b == NULL) {
        fprintf(stderr, "bench_link: out of memory\n");
        return 1;
    }
    uint8_t user[DNP3_LINK_MAX_USER_DATA];
    uint32_t x = 12345;
    uint64_t user_sum = 0;
    for (uint64_t i = 0; i < nframes; i++) {
        for (size_t k = 0; k < sizeof user; k++) {
            x = x * 1664525u + 1013904223u;
            user[k] = (uint8_t)(x >> 24);
        }
        user_sum += user[sizeof user - 1];
        int w = dnp3_link_frame_write(b + i * per, per, 0x44, 1024, 1, user, sizeof user);
        if (w != (int)per) {
            fprintf(stderr, "bench_link: frame write failed (%d)\n", w);
            return 1;
        }
    }

    int ok = 1;
    double t_crc = time_crc(b, n);
    double t_all = time_parse(b, n, 0, nframes, user_sum, &ok);
    double t_4k = time_parse(b, n, 4096, nframes, user_sum, &ok);
    double t_1k = time_parse(b, n, 1024, nframes, user_sum, &ok);
    free(b);
    if (!ok)
        return 1;

    double mb = (double)n / 1e6;
    printf("link layer: %llu frames of %zu bytes, %.2f MB, best of %d\n",
           (unsigned long long)nframes, per, mb, REPS);
    printf("  %-36s %10s %8s\n", "pass", "MB/s", "ratio");
    printf("  %-36s %10.1f %8.3f\n", "bare CRC-16/DNP (slicing-by-16)", mb / t_crc, 1.0);
    printf("  %-36s %10.1f %8.3f\n", "parse, one buffer", mb / t_all, t_crc / t_all);
    printf("  %-36s %10.1f %8.3f\n", "parse, 4096-byte reads", mb / t_4k, t_crc / t_4k);
    printf("  %-36s %10.1f %8.3f\n", "parse, 1024-byte reads", mb / t_1k, t_crc / t_1k);
    printf("BENCH codec.link_parse %.1f MB/s reference=%.1f ratio=%.3f\n", mb / t_all, mb / t_crc,
           t_crc / t_all);
    return 0;
}
