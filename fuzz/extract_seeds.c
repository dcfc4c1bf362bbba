/* extract_seeds CAPTURE_DIR OUT_DIR
 *
 * Turns the shared real-world captures into fuzz seeds at build time, so the
 * fuzzers and the corpus replay tests start from what real devices send
 * without any capture bytes being committed:
 *   OUT/capture/<file>       small capture files as they are (fuzz_capture)
 *   OUT/link/<file>.<flow>   a flow's TCP/UDP byte stream (fuzz_link)
 *   OUT/transport/<file>.<n> TPDUs in fuzz_transport's record format
 *   OUT/app/<file>.<n>       complete application fragments (fuzz_app)
 *   OUT/decode/<file>.<flow> a flow's bytes in fuzz_decode's record format
 *   OUT/outstation/<file>    the capture's requests as a fuzz_outstation program
 *   OUT/master/<file>        its responses as a fuzz_master program
 * A missing capture directory is not an error: it prints why and writes no
 * seeds (the committed ones in fuzz/corpus still run). */
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "capture.h"
#include "dnp3/codec.h"

#define MAX_CAPTURE_SEED (64 * 1024) /* larger captures make slow fuzz inputs */
#define MAX_LINK_SEED    (8 * 1024)
#define MAX_FLOWS        8
#define MAX_APP_SEEDS    24 /* per capture */
#define MAX_TP_RECORDS   48 /* per transport seed */
#define MAX_SESSION_SEED (8 * 1024)

typedef struct flow_state {
    dnp3_link_parser_t link;
    dnp3_tp_reassembler_t tp;
    uint8_t frag[DNP3_FRAGMENT_SIZE_MAX];
    uint8_t stream[MAX_LINK_SEED];
    size_t stream_len;
    uint8_t records[MAX_TP_RECORDS * 128];
    size_t records_len;
    unsigned record_count;
} flow_state_t;

static int write_file(const char *dir, const char *name, const uint8_t *data, size_t len)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    FILE *f = fopen(path, "wb");
    if (!f) {
        fprintf(stderr, "extract_seeds: %s: %s\n", path, strerror(errno));
        return -1;
    }
    size_t n = fwrite(data, 1, len, f);
    int rc = fclose(f);
    return (n == len && rc == 0) ? 0 : -1;
}

static int make_dir(const char *path)
{
    if (mkdir(path, 0755) != 0 && errno != EEXIST) {
        fprintf(stderr, "extract_seeds: mkdir %s: %s\n", path, strerror(errno));
        return -1;
    }
    return 0;
}

static bool has_suffix(const char *s, const char *suffix)
{
    size_t a = strlen(s), b = strlen(suffix);
    return a >= b && strcmp(s + a - b, suffix) == 0;
}

typedef struct outdirs {
    char capture[4096], link[4096], transport[4096], app[4096], decode[4096];
    char outstation[4096], master[4096];
} outdirs_t;

/* The session targets' programs (fuzz_outstation.c, fuzz_master.c document
 * the operation bytes), one of each per capture. */
typedef struct session_seeds {
    uint8_t os[MAX_SESSION_SEED], ms[MAX_SESSION_SEED];
    size_t os_len, ms_len;
} session_seeds_t;

static session_seeds_t seeds;

static void seed_put(uint8_t *buf, size_t *len, const uint8_t *b, size_t n)
{
    if (*len + n <= MAX_SESSION_SEED) {
        memcpy(buf + *len, b, n);
        *len += n;
    }
}

/* A request (function below RESPONSE) becomes an outstation operation 0
 * (raw request from master 1 to address 10: selector 0, length of what
 * follows the control byte, the fragment), then 8 (take the answer) and 4
 * with byte 1 (confirm the last response). A response becomes a master operation 0 with
 * arg bit 0 (sequence set to the last request's; an unsolicited response
 * keeps its own), then 2 (take what the master sends: confirms, requests)
 * and 1 with arg 4 (one second on). Fragments over 256 bytes do not fit a
 * length byte and are left out. */
static void add_session_fragment(const uint8_t *f, size_t n)
{
    if (n < 2 || n > 256)
        return;
    if (f[1] < DNP3_FC_RESPONSE) {
        const uint8_t op[3] = {0, 0, (uint8_t)(n - 1)}, after[3] = {8, 4, 1};
        if (seeds.os_len + sizeof op + n + sizeof after <= MAX_SESSION_SEED) {
            seed_put(seeds.os, &seeds.os_len, op, sizeof op);
            seed_put(seeds.os, &seeds.os_len, f, n);
            seed_put(seeds.os, &seeds.os_len, after, sizeof after);
        }
    } else if (f[1] == DNP3_FC_RESPONSE || f[1] == DNP3_FC_UNSOLICITED_RESPONSE) {
        const uint8_t op[2] = {f[1] == DNP3_FC_RESPONSE ? 0x08 : 0x00, (uint8_t)n};
        const uint8_t after[2] = {0x02, 0x01 | 4 << 3};
        if (n < 256 && seeds.ms_len + sizeof op + n + sizeof after <= MAX_SESSION_SEED) {
            seed_put(seeds.ms, &seeds.ms_len, op, sizeof op);
            seed_put(seeds.ms, &seeds.ms_len, f, n);
            seed_put(seeds.ms, &seeds.ms_len, after, sizeof after);
        }
    }
}

/* The master program starts with its configuration byte (0: plain), the
 * link up (operation 3, arg 0) and an integrity poll (operation 5, task 0,
 * two parameter bytes) taken (operation 2). */
static void start_session_seeds(void)
{
    static const uint8_t start[] = {0x00, 0x03, 0x05, 0x00, 0x00, 0x02};
    seeds.os_len = 0;
    seeds.ms_len = 0;
    seed_put(seeds.ms, &seeds.ms_len, start, sizeof start);
}

/* One completed link frame: its TPDU goes to the transport record stream and
 * the reassembler; a completed fragment becomes an app seed. */
static void on_frame(const outdirs_t *o, const char *base, flow_state_t *fs,
                     const dnp3_link_frame_t *fr, unsigned *app_seeds)
{
    if (fr->user_len == 0)
        return;
    if (fs->record_count < MAX_TP_RECORDS) {
        size_t n = fr->user_len > 127 ? 127 : fr->user_len;
        fs->records[fs->records_len++] = (uint8_t)n;
        memcpy(fs->records + fs->records_len, fr->user, n);
        fs->records_len += n;
        fs->record_count++;
    }
    dnp3_tp_result_t res;
    int rc =
        dnp3_tp_reassembler_feed(&fs->tp, fr->hdr.src, fr->hdr.dst, fr->user, fr->user_len, &res);
    if (rc == 1)
        add_session_fragment(res.fragment, res.len);
    if (rc == 1 && *app_seeds < MAX_APP_SEEDS) {
        char name[512];
        snprintf(name, sizeof name, "%s.%u", base, (*app_seeds)++);
        write_file(o->app, name, res.fragment, res.len);
    }
}

/* fuzz_decode's format: records of a control byte (bits 0-5 length) and up
 * to 63 bytes, all on flow 0 with no flags. */
static void write_decode_seed(const outdirs_t *o, const char *name, const uint8_t *b, size_t n)
{
    static uint8_t rec[MAX_LINK_SEED + MAX_LINK_SEED / 63 + 1];
    size_t len = 0;
    for (size_t i = 0; i < n; i += 63) {
        size_t k = n - i < 63 ? n - i : 63;
        rec[len++] = (uint8_t)k;
        memcpy(rec + len, b + i, k);
        len += k;
    }
    write_file(o->decode, name, rec, len);
}

static void extract_one(const outdirs_t *o, const char *dir, const char *file, flow_state_t *flows)
{
    char path[4096];
    snprintf(path, sizeof path, "%s/%s", dir, file);
    struct stat st;
    if (stat(path, &st) == 0 && st.st_size <= MAX_CAPTURE_SEED) {
        FILE *f = fopen(path, "rb");
        if (f) {
            static uint8_t buf[MAX_CAPTURE_SEED];
            size_t n = fread(buf, 1, sizeof buf, f);
            fclose(f);
            write_file(o->capture, file, buf, n);
        }
    }

    char err[256];
    capture_t *c = capture_open(path, 20000, err, sizeof err);
    if (!c) {
        fprintf(stderr, "extract_seeds: %s: %s (skipped)\n", file, err);
        return;
    }
    for (unsigned i = 0; i < MAX_FLOWS; i++) {
        dnp3_link_parser_init(&flows[i].link, DNP3_LINK_POLICY_DISCARD);
        dnp3_tp_reassembler_init(&flows[i].tp, flows[i].frag, sizeof flows[i].frag);
        flows[i].stream_len = flows[i].records_len = 0;
        flows[i].record_count = 0;
    }
    unsigned app_seeds = 0;
    start_session_seeds();
    cap_chunk_t ch;
    while (capture_next(c, &ch) == 1) {
        if (ch.flow_id >= MAX_FLOWS)
            continue;
        flow_state_t *fs = &flows[ch.flow_id];
        size_t room = sizeof fs->stream - fs->stream_len;
        size_t take = ch.len < room ? ch.len : room;
        memcpy(fs->stream + fs->stream_len, ch.data, take);
        fs->stream_len += take;

        size_t off = 0;
        while (off < ch.len) {
            dnp3_link_event_t ev;
            off += dnp3_link_parser_feed(&fs->link, ch.data + off, ch.len - off, &ev);
            if (ev.kind == DNP3_LINK_EV_FRAME)
                on_frame(o, file, fs, &ev.frame, &app_seeds);
        }
    }
    capture_close(c);
    if (seeds.os_len > 0)
        write_file(o->outstation, file, seeds.os, seeds.os_len);
    if (seeds.ms_len > 6)
        write_file(o->master, file, seeds.ms, seeds.ms_len);

    for (unsigned i = 0; i < MAX_FLOWS; i++) {
        char name[512];
        if (flows[i].stream_len > 0) {
            snprintf(name, sizeof name, "%s.%u", file, i);
            write_file(o->link, name, flows[i].stream, flows[i].stream_len);
            write_decode_seed(o, name, flows[i].stream, flows[i].stream_len);
        }
        if (flows[i].records_len > 0) {
            snprintf(name, sizeof name, "%s.%u", file, i);
            write_file(o->transport, name, flows[i].records, flows[i].records_len);
        }
    }
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: %s CAPTURE_DIR OUT_DIR\n", argv[0]);
        return 2;
    }
    outdirs_t o;
    snprintf(o.capture, sizeof o.capture, "%s/capture", argv[2]);
    snprintf(o.link, sizeof o.link, "%s/link", argv[2]);
    snprintf(o.transport, sizeof o.transport, "%s/transport", argv[2]);
    snprintf(o.app, sizeof o.app, "%s/app", argv[2]);
    snprintf(o.decode, sizeof o.decode, "%s/decode", argv[2]);
    snprintf(o.outstation, sizeof o.outstation, "%s/outstation", argv[2]);
    snprintf(o.master, sizeof o.master, "%s/master", argv[2]);
    if (make_dir(argv[2]) || make_dir(o.capture) || make_dir(o.link) || make_dir(o.transport) ||
        make_dir(o.app) || make_dir(o.decode) || make_dir(o.outstation) || make_dir(o.master))
        return 1;

    DIR *d = opendir(argv[1]);
    if (!d) {
        printf("extract_seeds: %s: %s; no seeds extracted (set DNP3C_CAPTURES)\n", argv[1],
               strerror(errno));
        return 0;
    }
    flow_state_t *flows = calloc(MAX_FLOWS, sizeof *flows);
    if (!flows) {
        closedir(d);
        return 1;
    }
    unsigned files = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!has_suffix(e->d_name, ".pcap") && !has_suffix(e->d_name, ".pcapng"))
            continue;
        extract_one(&o, argv[1], e->d_name, flows);
        files++;
    }
    closedir(d);
    free(flows);
    printf("extract_seeds: seeds from %u captures in %s\n", files, argv[2]);
    return 0;
}
