/* Application layer codec speed on a realistic event poll: one 2048-byte
 * response fragment full of g32v3 analog input events (32-bit + flag +
 * time48, qualifier 0x28: 13 bytes per event with its index).
 *
 * decode = application header + every object header + every point
 *          (dnp3_app_header_parse, dnp3_obj_iter_next, dnp3_point_iter_next)
 * encode = dnp3_app_write_response + write_header + one write_point per event
 *          + dnp3_app_writer_finish
 * Each figure is the best of REPS repetitions of LOOPS fragments, divided by
 * the number of objects. Prints a table and the lines
 *   BENCH codec.app_decode <ns> ns/object
 *   BENCH codec.app_encode <ns> ns/object
 * Exits non-zero if decode does not return exactly the events written (index,
 * value, flags, time) or encode does not reproduce the fragment, so a broken
 * codec cannot post a figure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnp3/app.h"

#define FRAG_CAP 2048
#define REPS     15
#define LOOPS    2000

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

static volatile uint64_t sink;

static void make_event(uint32_t i, dnp3_point_t *pt)
{
    memset(pt, 0, sizeof *pt);
    pt->type = DNP3_VT_ANALOG_INT;
    pt->index = 7 * i + 3;
    pt->has_flags = true;
    pt->flags = 0x01;
    pt->has_time = true;
    pt->time = 1700000000000ull + 17u * i;
    pt->v.analog_i = (int32_t)(i * 1000003u);
}

static int encode(uint8_t *buf, const dnp3_point_t *ev, uint32_t n)
{
    dnp3_app_writer_t w;
    dnp3_app_writer_init(&w, buf, FRAG_CAP);
    dnp3_app_write_response(&w, 0xE3, DNP3_FC_RESPONSE, DNP3_IIN_CLASS_2_EVENTS);
    dnp3_app_write_header(&w, 32, 3, 0x28, n, 0);
    for (uint32_t i = 0; i < n; i++)
        dnp3_app_write_point(&w, &ev[i]);
    return dnp3_app_writer_finish(&w);
}

/* Decodes once; returns the number of points, checks them against ev. */
static long decode(const uint8_t *buf, size_t len, const dnp3_point_t *ev, bool check)
{
    dnp3_app_header_t ah;
    if (dnp3_app_header_parse(buf, len, &ah) < 0)
        return -1;
    dnp3_obj_iter_t it;
    dnp3_obj_header_t oh;
    dnp3_obj_iter_init(&it, buf, len, &ah);
    long n = 0;
    uint64_t acc = 0;
    int rc;
    while ((rc = dnp3_obj_iter_next(&it, &oh)) == 1) {
        dnp3_point_iter_t pi;
        dnp3_point_t pt;
        dnp3_point_iter_init(&pi, &oh, &it);
        while (dnp3_point_iter_next(&pi, &pt) == 1) {
            if (check && (pt.index != ev[n].index || pt.v.analog_i != ev[n].v.analog_i ||
                          pt.flags != ev[n].flags || pt.time != ev[n].time))
                return -1;
            acc += (uint64_t)pt.v.analog_i + pt.time + pt.index;
            n++;
        }
    }
    sink += acc;
    return rc < 0 ? -1 : n;
}

int main(void)
{
    /* 4 (app header) + 5 (g32v3 0x28 count16) + 13 per event <= 2048 */
    const uint32_t n = (FRAG_CAP - 9) / 13;
    static dnp3_point_t ev[FRAG_CAP / 13];
    static uint8_t frag[FRAG_CAP], again[FRAG_CAP];
    for (uint32_t i = 0; i < n; i++)
        make_event(i, &ev[i]);
    int len = encode(frag, ev, n);
    if (len < 0) {
        fprintf(stderr, "bench_app: encode failed: %s\n", dnp3_strerror(len));
        return 1;
    }
    if (decode(frag, (size_t)len, ev, true) != (long)n) {
        fprintf(stderr, "bench_app: decode did not return the %u events written\n", n);
        return 1;
    }

    double best_dec = 1e30, best_enc = 1e30;
    for (int r = 0; r < REPS; r++) {
        double t0 = now_s();
        long total = 0;
        for (int l = 0; l < LOOPS; l++)
            total += decode(frag, (size_t)len, ev, false);
        double t = now_s() - t0;
        if (total != (long)n * LOOPS) {
            fprintf(stderr, "bench_app: decode count %ld, want %ld\n", total, (long)n * LOOPS);
            return 1;
        }
        if (t < best_dec)
            best_dec = t;

        t0 = now_s();
        long bytes = 0;
        for (int l = 0; l < LOOPS; l++)
            bytes += encode(again, ev, n);
        t = now_s() - t0;
        if (bytes != (long)len * LOOPS || memcmp(again, frag, (size_t)len) != 0) {
            fprintf(stderr, "bench_app: encode did not reproduce the fragment\n");
            return 1;
        }
        if (t < best_enc)
            best_enc = t;
    }
    const double objs = (double)n * LOOPS;
    const double dec_ns = best_dec * 1e9 / objs, enc_ns = best_enc * 1e9 / objs;
    printf("%-28s %10s %12s %12s\n", "case", "objects", "ns/object", "MB/s");
    printf("%-28s %10u %12.1f %12.1f\n", "decode g32v3 0x28 (2 KiB)", n, dec_ns,
           (double)len * LOOPS / best_dec / 1e6);
    printf("%-28s %10u %12.1f %12.1f\n", "encode g32v3 0x28 (2 KiB)", n, enc_ns,
           (double)len * LOOPS / best_enc / 1e6);
    printf("fragment %d bytes, best of %d x %d fragments\n", len, REPS, LOOPS);
    printf("BENCH codec.app_decode %.1f ns/object\n", dec_ns);
    printf("BENCH codec.app_encode %.1f ns/object\n", enc_ns);
    return 0;
}
