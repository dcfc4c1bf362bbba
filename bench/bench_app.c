/* Application layer codec speed on a realistic event poll: one 2048-byte
 * response fragment full of g32v3 analog input events (32-bit + flag +
 * time48, qualifier 0x28: 13 bytes per event with its index).
 *
 * decode = application header + every object header + every point
 *          (dnp3_app_header_read, dnp3_obj_iter_next, dnp3_point_iter_next)
 * encode = dnp3_app_write_response + write_header + one write_point per event
 *          + dnp3_app_writer_finish
 * The reference beside each figure is the floor for this one shape: a
 * decoder and an encoder written by hand for exactly "g32v3, qualifier 0x28"
 * (fixed offsets, no table, no qualifier logic, no checks beyond length), so
 * the ratio says what the generic, table-driven, bounds-checked codec costs.
 * Each figure is the best of REPS repetitions of LOOPS fragments, divided by
 * the number of objects. Prints a table and the lines
 *   BENCH codec.app_decode <ns> ns/object reference=<ns> ratio=<ref/ours>
 *   BENCH codec.app_encode <ns> ns/object reference=<ns> ratio=<ref/ours>
 * (lower is better, so ratio = reference / ours: 1.0 means no overhead).
 * Exits non-zero if decode does not return exactly the events written (index,
 * value, flags, time) or encode does not reproduce the fragment, so a broken
 * codec cannot post a figure. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "bench_util.h"

#include "dnp3/app.h"

#define FRAG_CAP 2048
#define REPS     15
#define LOOPS    2000

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
    if (dnp3_app_header_read(buf, len, &ah) < 0)
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
    bench_sink += acc;
    return rc < 0 ? -1 : n;
}

static uint32_t rd32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static void wr32(uint8_t *p, uint32_t v)
{
    p[0] = (uint8_t)v;
    p[1] = (uint8_t)(v >> 8);
    p[2] = (uint8_t)(v >> 16);
    p[3] = (uint8_t)(v >> 24);
}

/* Reference: decodes the one fragment shape of this benchmark by hand. */
static long ref_decode(const uint8_t *buf, size_t len)
{
    if (len < 9 || buf[4] != 32 || buf[5] != 3 || buf[6] != 0x28)
        return -1;
    uint32_t count = (uint32_t)buf[7] | (uint32_t)buf[8] << 8;
    if (9 + (size_t)count * 13 > len)
        return -1;
    uint64_t acc = 0;
    const uint8_t *p = buf + 9;
    for (uint32_t i = 0; i < count; i++, p += 13) {
        uint32_t index = (uint32_t)p[0] | (uint32_t)p[1] << 8;
        int32_t value = (int32_t)rd32(p + 3);
        uint64_t time = rd32(p + 7) | (uint64_t)(p[11] | p[12] << 8) << 32;
        acc += (uint64_t)value + time + index + p[2];
    }
    bench_sink += acc;
    return (long)count;
}

/* Reference: encodes the same fragment by hand. */
static int ref_encode(uint8_t *buf, const dnp3_point_t *ev, uint32_t n)
{
    static const uint8_t head[] = {0xE3, DNP3_FC_RESPONSE, 0x04, 0x00, 32, 3, 0x28};
    memcpy(buf, head, sizeof head);
    buf[7] = (uint8_t)n;
    buf[8] = (uint8_t)(n >> 8);
    uint8_t *p = buf + 9;
    for (uint32_t i = 0; i < n; i++, p += 13) {
        p[0] = (uint8_t)ev[i].index;
        p[1] = (uint8_t)(ev[i].index >> 8);
        p[2] = ev[i].flags;
        wr32(p + 3, (uint32_t)ev[i].v.analog_i);
        wr32(p + 7, (uint32_t)ev[i].time);
        p[11] = (uint8_t)(ev[i].time >> 32);
        p[12] = (uint8_t)(ev[i].time >> 40);
    }
    return (int)(p - buf);
}

typedef long (*decode_fn)(const uint8_t *buf, size_t len, const dnp3_point_t *ev);
typedef int (*encode_fn)(uint8_t *buf, const dnp3_point_t *ev, uint32_t n);

static long ours_decode(const uint8_t *buf, size_t len, const dnp3_point_t *ev)
{
    return decode(buf, len, ev, false);
}

static long hand_decode(const uint8_t *buf, size_t len, const dnp3_point_t *ev)
{
    (void)ev;
    return ref_decode(buf, len);
}

/* Best time of REPS x LOOPS decodes; -1 if a decode miscounted. */
static double time_decode(decode_fn fn, const uint8_t *frag, size_t len, const dnp3_point_t *ev,
                          uint32_t n)
{
    double best = 1e30;
    for (int r = 0; r < REPS; r++) {
        double t0 = bench_now_s();
        long total = 0;
        for (int l = 0; l < LOOPS; l++)
            total += fn(frag, len, ev);
        double t = bench_now_s() - t0;
        if (total != (long)n * LOOPS) {
            fprintf(stderr, "bench_app: decode count %ld, want %ld\n", total, (long)n * LOOPS);
            return -1;
        }
        if (t < best)
            best = t;
    }
    return best;
}

/* Best time of REPS x LOOPS encodes; -1 if an encode differs from frag. */
static double time_encode(encode_fn fn, const uint8_t *frag, size_t len, const dnp3_point_t *ev,
                          uint32_t n)
{
    static uint8_t again[FRAG_CAP];
    double best = 1e30;
    for (int r = 0; r < REPS; r++) {
        double t0 = bench_now_s();
        long bytes = 0;
        for (int l = 0; l < LOOPS; l++)
            bytes += fn(again, ev, n);
        double t = bench_now_s() - t0;
        if (bytes != (long)len * LOOPS || memcmp(again, frag, len) != 0) {
            fprintf(stderr, "bench_app: encode did not reproduce the fragment\n");
            return -1;
        }
        if (t < best)
            best = t;
    }
    return best;
}

int main(void)
{
    /* 4 (app header) + 5 (g32v3 0x28 count16) + 13 per event <= 2048 */
    const uint32_t n = (FRAG_CAP - 9) / 13;
    static dnp3_point_t ev[FRAG_CAP / 13];
    static uint8_t frag[FRAG_CAP];
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

    const double dec = time_decode(ours_decode, frag, (size_t)len, ev, n);
    const double dec_ref = time_decode(hand_decode, frag, (size_t)len, ev, n);
    const double enc = time_encode(encode, frag, (size_t)len, ev, n);
    const double enc_ref = time_encode(ref_encode, frag, (size_t)len, ev, n);
    if (dec < 0 || dec_ref < 0 || enc < 0 || enc_ref < 0)
        return 1;

    const double per = 1e9 / ((double)n * LOOPS);
    const double mb = (double)len * LOOPS / 1e6;
    printf("%-36s %8s %10s %10s %8s\n", "case (g32v3, qualifier 0x28)", "objects", "ns/object",
           "MB/s", "ratio");
    printf("%-36s %8u %10.1f %10.1f %8.2f\n", "decode, dnp3c iterators", n, dec * per, mb / dec,
           dec_ref / dec);
    printf("%-36s %8u %10.1f %10.1f %8.2f\n", "decode, hand-written reference", n, dec_ref * per,
           mb / dec_ref, 1.0);
    printf("%-36s %8u %10.1f %10.1f %8.2f\n", "encode, dnp3c writer", n, enc * per, mb / enc,
           enc_ref / enc);
    printf("%-36s %8u %10.1f %10.1f %8.2f\n", "encode, hand-written reference", n, enc_ref * per,
           mb / enc_ref, 1.0);
    printf("fragment %d bytes, best of %d x %d fragments\n", len, REPS, LOOPS);
    printf("BENCH codec.app_decode %.1f ns/object reference=%.1f ratio=%.2f\n", dec * per,
           dec_ref * per, dec_ref / dec);
    printf("BENCH codec.app_encode %.1f ns/object reference=%.1f ratio=%.2f\n", enc * per,
           enc_ref * per, enc_ref / enc);
    return 0;
}
