/* The channel's cost over the bare codec pieces it joins.
 *
 * Receive: a stream of 2048-byte fragments (9 frames each) fed in 4 KiB
 * reads to an outstation channel (SESSION, link checks, slot, transport),
 * against the link parser + one reassembler driven by hand over the same
 * bytes. Send: the same fragments through dnp3_channel_send +
 * dnp3_channel_take_output, against the segmenter + frame writer by hand.
 * Prints a table and
 *   BENCH channel.rx <MB/s> MB/s reference=<by hand> ratio=<ours/ref>
 *   BENCH channel.tx <MB/s> MB/s reference=<by hand> ratio=<ours/ref>
 * (MB = 10^6 stream bytes; higher is better). Exits non-zero if either
 * path does not deliver exactly the fragments sent, so a broken channel
 * cannot post a figure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

#include "dnp3/channel.h"

#define FRAGMENTS 2000
#define FRAG_LEN  DNP3_FRAGMENT_SIZE_DEFAULT
#define READ_SIZE 4096
#define REPS      21

typedef struct bench {
    uint8_t apdu[FRAG_LEN];
    uint8_t *stream;
    size_t n;
    uint64_t want_sum; /* sum over fragments of their last byte, plus lengths */
    int ok;
} bench_t;

static dnp3_channel_t *master_channel(void)
{
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.local[0] = 1;
    return dnp3_channel_new(&cfg, NULL);
}

static dnp3_channel_t *outstation_channel(void)
{
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.role = DNP3_CHANNEL_ROLE_OUTSTATION;
    cfg.local[0] = 1024;
    return dnp3_channel_new(&cfg, NULL);
}

/* ---- send ------------------------------------------------------------------------ */

static size_t tx_channel(bench_t *b, uint8_t *out, size_t cap)
{
    dnp3_channel_t *ch = master_channel();
    size_t w = 0;
    for (int i = 0; i < FRAGMENTS && ch; i++) {
        b->apdu[0] = (uint8_t)i;
        if (dnp3_channel_send(ch, 0, 1, 1024, b->apdu, FRAG_LEN, false) < 0)
            b->ok = 0;
        size_t n;
        while ((n = dnp3_channel_take_output(ch, 0, out + w, cap - w)) > 0)
            w += n;
        dnp3_channel_event_t ev;
        do /* TX_DONE */
            dnp3_channel_on_timer(ch, 0, &ev);
        while (ev.kind != DNP3_CHANNEL_EV_NONE);
    }
    dnp3_channel_free(ch);
    return w;
}

static size_t tx_by_hand(bench_t *b, uint8_t *out, size_t cap)
{
    uint8_t seq = 0;
    size_t w = 0;
    uint8_t control = dnp3_link_control(true, true, false, false, DNP3_LINK_UNCONFIRMED_USER_DATA);
    for (int i = 0; i < FRAGMENTS; i++) {
        b->apdu[0] = (uint8_t)i;
        dnp3_tp_segmenter_t s;
        uint8_t seg[DNP3_TP_MAX_SEGMENT];
        int n;
        dnp3_tp_segmenter_init(&s, b->apdu, FRAG_LEN, seq);
        while ((n = dnp3_tp_segmenter_next(&s, seg, sizeof seg)) > 0) {
            int f = dnp3_link_frame_write(out + w, cap - w, control, 1024, 1, seg, (size_t)n);
            if (f < 0) {
                b->ok = 0;
                return w;
            }
            w += (size_t)f;
        }
        seq = dnp3_tp_segmenter_next_seq(&s);
    }
    return w;
}

/* One timed send pass; checks the bytes. */
static double time_tx(bench_t *b, bool channel, uint8_t *out, size_t cap)
{
    double t0 = bench_now_s();
    size_t n = channel ? tx_channel(b, out, cap) : tx_by_hand(b, out, cap);
    double t = bench_now_s() - t0;
    if (n != b->n || memcmp(out, b->stream, n) != 0) {
        fprintf(stderr, "bench_channel: %s send path wrote other bytes\n",
                channel ? "channel" : "hand-made");
        b->ok = 0;
    }
    return t;
}

/* ---- receive ---------------------------------------------------------------------- */

static uint64_t rx_channel(const bench_t *b)
{
    dnp3_channel_t *ch = outstation_channel();
    uint64_t sum = 0;
    for (size_t off = 0; off < b->n && ch;) {
        size_t len = b->n - off < READ_SIZE ? b->n - off : READ_SIZE;
        const uint8_t *p = b->stream + off;
        off += len;
        for (;;) {
            dnp3_channel_event_t ev;
            size_t used = dnp3_channel_on_bytes(ch, 0, p, len, &ev);
            p += used;
            len -= used;
            if (ev.kind == DNP3_CHANNEL_EV_NONE)
                break;
            if (ev.kind == DNP3_CHANNEL_EV_FRAGMENT)
                sum += ev.len + ev.data[0];
        }
    }
    dnp3_channel_free(ch);
    return sum;
}

static uint64_t rx_by_hand(const bench_t *b, uint8_t *frag)
{
    dnp3_link_parser_t p;
    dnp3_tp_reassembler_t r;
    dnp3_link_parser_init(&p, DNP3_LINK_POLICY_CLOSE);
    dnp3_tp_reassembler_init(&r, frag, FRAG_LEN);
    uint64_t sum = 0;
    for (size_t off = 0; off < b->n;) {
        size_t end = b->n - off < READ_SIZE ? b->n : off + READ_SIZE;
        while (off < end) {
            dnp3_link_event_t ev;
            off += dnp3_link_parser_feed(&p, b->stream + off, end - off, &ev);
            if (ev.kind != DNP3_LINK_EV_FRAME)
                continue;
            dnp3_tp_result_t res;
            if (dnp3_tp_reassembler_feed(&r, ev.frame.hdr.src, ev.frame.hdr.dst, ev.frame.user,
                                         ev.frame.user_len, &res) == 1)
                sum += res.len + res.fragment[0];
        }
    }
    return sum;
}

/* One timed receive pass; checks the fragments. */
static double time_rx(bench_t *b, bool channel, uint8_t *frag)
{
    double t0 = bench_now_s();
    uint64_t sum = channel ? rx_channel(b) : rx_by_hand(b, frag);
    double t = bench_now_s() - t0;
    if (sum != b->want_sum) {
        fprintf(stderr, "bench_channel: %s receive path delivered other fragments\n",
                channel ? "channel" : "hand-made");
        b->ok = 0;
    }
    return t;
}

static double min_d(double a, double b)
{
    return a < b ? a : b;
}

int main(void)
{
    static bench_t b;
    b.ok = 1;
    for (size_t i = 0; i < FRAG_LEN; i++)
        b.apdu[i] = (uint8_t)(i * 37 + 11);
    /* 2048 = 8 x 249 + 56: 8 frames of 292 bytes and one of 75. */
    size_t cap = (size_t)FRAGMENTS * (8 * DNP3_LINK_MAX_FRAME + 75);
    b.stream = malloc(cap);
    uint8_t *out = malloc(cap);
    uint8_t *frag = malloc(FRAG_LEN);
    if (!b.stream || !out || !frag) {
        fprintf(stderr, "bench_channel: out of memory\n");
        return 1;
    }
    memset(out, 0, cap); /* no page faults inside the timed passes */
    memset(frag, 0, FRAG_LEN);
    b.n = tx_by_hand(&b, b.stream, cap);
    for (int i = 0; i < FRAGMENTS; i++)
        b.want_sum += FRAG_LEN + (uint8_t)i;

    /* Interleaved, best of REPS each: on a shared machine both sides of a
     * ratio then see the same load. */
    double t_tx_ref = 1e30, t_tx = 1e30, t_rx_ref = 1e30, t_rx = 1e30;
    for (int r = 0; r < REPS; r++) {
        t_tx_ref = min_d(t_tx_ref, time_tx(&b, false, out, cap));
        t_tx = min_d(t_tx, time_tx(&b, true, out, cap));
        t_rx_ref = min_d(t_rx_ref, time_rx(&b, false, frag));
        t_rx = min_d(t_rx, time_rx(&b, true, frag));
    }
    free(out);
    free(frag);
    free(b.stream);
    if (!b.ok)
        return 1;

    double mb = (double)b.n / 1e6;
    printf("channel: %d fragments of %d bytes, %.2f MB of frames, best of %d\n", FRAGMENTS,
           FRAG_LEN, mb, REPS);
    printf("  %-44s %10s %8s\n", "pass", "MB/s", "ratio");
    printf("  %-44s %10.1f %8.3f\n", "send: segmenter + frame writer by hand", mb / t_tx_ref, 1.0);
    printf("  %-44s %10.1f %8.3f\n", "send: channel send + take_output", mb / t_tx,
           t_tx_ref / t_tx);
    printf("  %-44s %10.1f %8.3f\n", "receive: link parser + reassembler by hand", mb / t_rx_ref,
           1.0);
    printf("  %-44s %10.1f %8.3f\n", "receive: channel on_bytes (4 KiB reads)", mb / t_rx,
           t_rx_ref / t_rx);
    printf("BENCH channel.rx %.1f MB/s reference=%.1f ratio=%.3f\n", mb / t_rx, mb / t_rx_ref,
           t_rx_ref / t_rx);
    printf("BENCH channel.tx %.1f MB/s reference=%.1f ratio=%.3f\n", mb / t_tx, mb / t_tx_ref,
           t_tx_ref / t_tx);
    return 0;
}
