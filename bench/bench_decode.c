/* `dnp3 decode` on a capture, against tshark decoding the same file.
 *
 * Builds a capture of realistic polling traffic with our encoders (integrity
 * polls answered by 2 KiB 9-segment responses and event polls with 20 stamped
 * events; 9,336 link frames over one TCP connection), then times
 *   ours:      cmd_decode("--pcap F --json") in process, output to /dev/null
 *   reference: tshark -r F -d tcp.port==20000,dnp3 -T json > /dev/null
 * tshark's start-up (timed on a one-packet capture) is subtracted, so the
 * ratio compares decoding rates, not process start. Both produce a full
 * JSON decode of every frame. Prints a table and
 *   BENCH decode.capture_json <frames/s> frames/s reference=<tshark> ratio=<ours/ref>
 * (higher is better). Without tshark the reference is left out. Exits
 * non-zero if our decode does not exit 0 (every frame decoded) so a broken
 * decoder cannot post a figure. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "cmd_decode.h"
#include "decode_session.h"
#include "dnp3/channel.h"
#include "dnp3/codec.h"
#include "dnp3/pcap.h"

#define ROUNDS 2000 /* every third an integrity poll (9-segment response), else an event poll */
#define REPS   3

typedef struct gen {
    dnp3_pcap_writer_t *w;
    uint64_t ts;
    dnp3_channel_t *ch[2]; /* [master]: each sender's link and transport */
    uint8_t app_seq;
    unsigned frames;
} gen_t;

/* One fragment through the sender's channel, one frame per packet. */
static int send_apdu(gen_t *g, bool master, const uint8_t *apdu, size_t len)
{
    if (!g->ch[master]) {
        dnp3_channel_config_t cfg;
        dnp3_channel_config_default(&cfg);
        cfg.role = master ? DNP3_CHANNEL_ROLE_MASTER : DNP3_CHANNEL_ROLE_OUTSTATION;
        cfg.local[0] = master ? 1 : 10;
        g->ch[master] = dnp3_channel_new(&cfg, NULL);
        if (!g->ch[master])
            return -1;
    }
    dnp3_channel_t *ch = g->ch[master];
    if (dnp3_channel_send(ch, 0, master ? 1 : 10, master ? 10 : 1, apdu, len, false) < 0)
        return -1;
    uint8_t out[16 * DNP3_LINK_MAX_FRAME];
    size_t n = dnp3_channel_take_output(ch, 0, out, sizeof out);
    for (size_t at = 0; at < n;) {
        size_t f = dnp3_link_frame_size((size_t)out[at + 2] - DNP3_LINK_MIN_LENGTH);
        if (dnp3_pcap_writer_packet(g->w, master, g->ts += 250, out + at, f) < 0)
            return -1;
        g->frames++;
        at += f;
    }
    dnp3_channel_event_t ev;
    do /* TX_DONE */
        dnp3_channel_on_timer(ch, 0, &ev);
    while (ev.kind != DNP3_CHANNEL_EV_NONE);
    return dnp3_channel_want_write(ch) ? -1 : 0;
}

static int round_trip(gen_t *g, uint32_t r)
{
    uint8_t buf[DNP3_FRAGMENT_SIZE_DEFAULT];
    dnp3_app_writer_t w;
    uint8_t seq = g->app_seq;
    g->app_seq = (uint8_t)((seq + 1) & DNP3_AC_SEQ_MASK);
    uint8_t ctl = DNP3_AC_FIR | DNP3_AC_FIN | seq;

    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_request(&w, ctl, DNP3_FC_READ);
    dnp3_app_write_header(&w, 60, (uint8_t)(r % 3 == 0 ? 1 : 2), 0x06, 0, 0);
    int len = dnp3_app_writer_finish(&w);
    if (len < 0 || send_apdu(g, true, buf, (size_t)len) < 0)
        return -1;

    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, ctl, DNP3_FC_RESPONSE, 0);
    if (r % 3 == 0) { /* integrity poll: 400 analogs, g30v1 (5 bytes each) */
        dnp3_app_write_range(&w, 30, 1, 0, 399);
        for (uint32_t i = 0; i < 400; i++) {
            dnp3_point_t p;
            memset(&p, 0, sizeof p);
            p.type = DNP3_VT_ANALOG_INT;
            p.index = i;
            p.has_flags = true;
            p.flags = 0x01;
            p.v.analog_i = (int32_t)(r * 7 + i);
            dnp3_app_write_point(&w, &p);
        }
    } else { /* event poll: 20 time-stamped binary events */
        dnp3_app_write_indexed(&w, 2, 2, 20, 255);
        for (uint32_t i = 0; i < 20; i++) {
            dnp3_point_t p;
            memset(&p, 0, sizeof p);
            p.type = DNP3_VT_BINARY;
            p.index = (r + i) % 256;
            p.has_flags = true;
            p.flags = 0x81;
            p.v.binary = true;
            p.has_time = true;
            p.time = 1700000000000ull + r * 1000u + i;
            dnp3_app_write_point(&w, &p);
        }
    }
    len = dnp3_app_writer_finish(&w);
    if (len < 0 || send_apdu(g, false, buf, (size_t)len) < 0)
        return -1;
    return 0;
}

static int make_capture(const char *path, unsigned rounds, unsigned *frames)
{
    char err[256];
    gen_t g;
    memset(&g, 0, sizeof g);
    g.w = dnp3_pcap_writer_open(path, err, sizeof err);
    if (!g.w) {
        fprintf(stderr, "bench_decode: %s\n", err);
        return -1;
    }
    g.ts = 1700000000000000ull;
    for (unsigned r = 0; r < rounds; r++)
        if (round_trip(&g, r) < 0) {
            dnp3_channel_free(g.ch[0]);
            dnp3_channel_free(g.ch[1]);
            dnp3_pcap_writer_close(g.w);
            return -1;
        }
    *frames = g.frames;
    dnp3_channel_free(g.ch[0]);
    dnp3_channel_free(g.ch[1]);
    return dnp3_pcap_writer_close(g.w);
}

static double time_ours(const char *path, int *status)
{
    FILE *out = fopen("/dev/null", "w");
    if (!out)
        return -1;
    char *argv[] = {"decode", "--pcap", (char *)path, "--json", NULL};
    double t0 = bench_now_s();
    *status = cmd_decode(4, argv, stdin, out, stderr);
    double t = bench_now_s() - t0;
    fclose(out);
    return t;
}

/* Wall time of tshark's full JSON decode of path, or -1 if tshark is absent. */
static double time_tshark(const char *path)
{
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    double t0 = bench_now_s();
    if (pid == 0) {
        if (!freopen("/dev/null", "w", stdout) || !freopen("/dev/null", "w", stderr))
            _exit(126);
        execlp("tshark", "tshark", "-n", "-r", path, "-d", "tcp.port==20000,dnp3", "-T", "json",
               (char *)NULL);
        _exit(127);
    }
    int st;
    if (waitpid(pid, &st, 0) < 0 || !WIFEXITED(st) || WEXITSTATUS(st) != 0)
        return -1;
    return bench_now_s() - t0;
}

/* ---- many flows: decode_session's flow lookup (issue 6 item 11) ---------------- */

#define FLOW_FRAMES 1000000u

static void count_records(void *ctx, const ds_record_t *rec)
{
    (void)rec;
    (*(uint64_t *)ctx)++;
}

/* Frames/s through decode_session (link parser, flow lookup, reassembly; no
 * rendering) with FLOW_FRAMES one-frame responses spread round-robin over
 * nflows flows. Returns -1 on failure. */
static double flows_rate(unsigned nflows)
{
    static const uint8_t tpdu[] = {0xC0, 0xC0, 0x81, 0x00, 0x00};
    uint8_t frame[DNP3_LINK_MAX_FRAME];
    int n = dnp3_link_frame_write(frame, sizeof frame, 0x44, 1, 1024, tpdu, sizeof tpdu);
    char(*labels)[48] = calloc(nflows, sizeof *labels);
    uint64_t records = 0;
    decode_session_t *s = decode_session_new(0, count_records, &records);
    if (n < 0 || !labels || !s) {
        free(labels);
        decode_session_free(s);
        return -1;
    }
    for (unsigned i = 0; i < nflows; i++)
        snprintf(labels[i], sizeof labels[i], "10.0.%u.%u:%u>10.0.0.254:20000", i >> 8 & 255,
                 i & 255, 1024 + i);
    double t0 = bench_now_s();
    for (unsigned k = 0; k < FLOW_FRAMES; k++)
        decode_session_feed(s, labels[k % nflows], k + 1, frame, (size_t)n, 0);
    decode_session_finish(s);
    double t = bench_now_s() - t0;
    bench_sink += records;
    decode_session_free(s);
    free(labels);
    return records == FLOW_FRAMES ? FLOW_FRAMES / t : -1;
}

static int bench_flows(void)
{
    double one = flows_rate(1), many = flows_rate(5000);
    if (one < 0 || many < 0)
        return -1;
    printf("decode_session: %u one-frame responses, no rendering\n", FLOW_FRAMES);
    printf("  %-34s %14.0f frames/s\n", "one flow", one);
    printf("  %-34s %14.0f frames/s\n", "5,000 flows, round-robin", many);
    printf("BENCH decode.flows_1 %.0f frames/s\n", one);
    printf("BENCH decode.flows_5000 %.0f frames/s\n", many);
    return 0;
}

int main(void)
{
    char dir[] = "/tmp/dnp3c-bench-XXXXXX";
    if (!mkdtemp(dir))
        return 1;
    char big[64], small[64];
    snprintf(big, sizeof big, "%s/big.pcap", dir);
    snprintf(small, sizeof small, "%s/small.pcap", dir);
    unsigned frames = 0, small_frames = 0;
    if (make_capture(big, ROUNDS, &frames) < 0 || make_capture(small, 1, &small_frames) < 0)
        return 1;

    double ours = 1e30;
    for (int r = 0; r < REPS; r++) {
        int status = -1;
        double t = time_ours(big, &status);
        if (t < 0 || status != DECODE_EXIT_OK) {
            fprintf(stderr, "bench_decode: our decode exited %d\n", status);
            return 1;
        }
        if (t < ours)
            ours = t;
    }
    double ts_big = 1e30, ts_small = 1e30;
    bool have_tshark = true;
    for (int r = 0; r < 2 && have_tshark; r++) {
        double a = time_tshark(big), b = time_tshark(small);
        if (a < 0 || b < 0)
            have_tshark = false;
        if (a < ts_big)
            ts_big = a;
        if (b < ts_small)
            ts_small = b;
    }
    unlink(big);
    unlink(small);
    rmdir(dir);

    if (bench_flows() < 0) {
        fprintf(stderr, "bench_decode: the many-flow decode lost frames\n");
        return 1;
    }
    const double our_rate = frames / ours;
    printf("capture: %u link frames (%u rounds of poll + response), JSON decode of every frame\n",
           frames, ROUNDS);
    printf("  %-34s %10s %14s\n", "decoder", "seconds", "frames/s");
    printf("  %-34s %10.3f %14.0f\n", "dnp3 decode --json", ours, our_rate);
    if (!have_tshark) {
        printf("  tshark not installed: no reference\n");
        printf("BENCH decode.capture_json %.0f frames/s\n", our_rate);
        return 0;
    }
    double net = ts_big - ts_small; /* tshark start-up removed */
    if (net <= 0)
        net = ts_big;
    const double ref_rate = frames / net;
    printf("  %-34s %10.3f %14.0f\n", "tshark -T json (start-up removed)", net, ref_rate);
    printf("  (tshark start-up on a one-round capture: %.3f s)\n", ts_small);
    printf("BENCH decode.capture_json %.0f frames/s reference=%.0f ratio=%.1f\n", our_rate,
           ref_rate, our_rate / ref_rate);
    return 0;
}
