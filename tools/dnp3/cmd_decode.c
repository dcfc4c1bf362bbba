/* cmd_decode: `dnp3 decode [options] [HEX... | -]`.
 *
 * Input: hex arguments (joined), hex text on standard input ("-" or no
 * argument), --file F (raw bytes; "-" for standard input) or --pcap F
 * (pcap/pcapng; TCP reassembled per flow by capture.c, port --port N, default
 * 20000). --app treats the bytes as one bare application fragment. Every link
 * event goes through decode_session (link parser per flow -> transport
 * reassembler per flow/addresses -> fragment) and is printed by render_text /
 * render_json. Hex text and raw files are read in fixed chunks, so memory does
 * not grow with the input. Whatever could not be decoded or had to be dropped
 * (unreadable packets, flows evicted at the memory limit) is reported on the
 * error stream and makes the exit status 3. */
#include "cmd_decode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "decode_session.h"
#include "hex.h"
#include "opts.h"
#include "render.h"

const char cmd_decode_summary[] =
    "decode DNP3 frames from hex, a raw file or a pcap/pcapng capture";

#define CHUNK 65536u /* bytes read from a file or standard input at a time */

static void usage(FILE *f)
{
    fputs("usage: dnp3 decode [--json] [--app] [HEX... | -]\n"
          "       dnp3 decode [--json] [--app] --file FILE\n"
          "       dnp3 decode [--json] --pcap FILE [--port N]\n"
          "\n"
          "Decode DNP3 (IEEE 1815-2012) link frames, transport segments and application\n"
          "fragments, and show them as a tree (or JSON Lines with --json).\n"
          "\n"
          "  HEX...           hex bytes; arguments are joined, spaces and colons optional\n"
          "  -                read hex text from standard input (also with no HEX argument)\n"
          "  --file FILE      read raw bytes from FILE (- for standard input)\n"
          "  --pcap FILE      read a pcap or pcapng capture; TCP is reassembled per flow\n"
          "  --port N         TCP/UDP port of the DNP3 traffic in the capture (default 20000)\n"
          "  --app            the input is one bare application fragment (no link/transport)\n"
          "  --json           one JSON object per link frame (JSON Lines)\n"
          "  --max-memory SZ  memory for per-flow state (default 256M; K, M, G suffixes);\n"
          "                   beyond it the least recently used flow is dropped and reported\n"
          "  -h, --help       this text\n"
          "\n"
          "Exit status: 0 everything decoded, 3 some frames had errors or input was lost\n"
          "(reported on standard error), 1 nothing decoded, 2 usage error.\n",
          f);
}

/* ---- options -------------------------------------------------------------- */

enum { OPT_APP = OPTS_OWN, OPT_FILE, OPT_PORT, OPT_MAX_MEMORY };

typedef struct decode_args {
    bool json, app;
    const char *pcap, *file, *port_arg, *memory_arg;
    uint16_t port;
    uint64_t max_memory;
    int nhex;   /* HEX operands (a "-" operand is want_stdin) */
    char **hex; /* argv entries of the HEX operands, in order */
    bool want_stdin;
} decode_args_t;

static const struct option decode_options[] = {
    {"app", no_argument, NULL, OPT_APP},
    {"file", required_argument, NULL, OPT_FILE},
    {"port", required_argument, NULL, OPT_PORT},
    {"max-memory", required_argument, NULL, OPT_MAX_MEMORY},
    {NULL, 0, NULL, 0},
};

/* Values and operands once getopt is done. */
static int check_args(opts_t *o, decode_args_t *a, int argc, char **argv)
{
    char msg[160];
    if (a->port_arg && opts_port(a->port_arg, &a->port, msg, sizeof msg) < 0)
        return opts_usage_error(o, "--port: %s", msg);
    if (a->memory_arg) {
        if (opts_size(a->memory_arg, &a->max_memory, msg, sizeof msg) < 0)
            return opts_usage_error(o, "--max-memory: %s", msg);
        if (a->max_memory < DS_MEMORY_MIN)
            return opts_usage_error(o, "--max-memory: at least %uK", DS_MEMORY_MIN / 1024u);
    }
    for (int i = o->first_operand; i < argc; i++) {
        if (strcmp(argv[i], "-") == 0)
            a->want_stdin = true;
        else
            a->hex[a->nhex++] = argv[i];
    }
    if (a->want_stdin && a->nhex > 0)
        return opts_usage_error(o, "give one input: HEX arguments or - (standard input)");
    int sources = (a->file != NULL) + (a->pcap != NULL) + (a->nhex > 0 || a->want_stdin);
    if (sources > 1)
        return opts_usage_error(o, "give one input: HEX, -, --file or --pcap");
    if (a->pcap && a->app)
        return opts_usage_error(o, "--app does not apply to --pcap");
    if (a->port_arg && !a->pcap)
        return opts_usage_error(o, "--port applies only to --pcap");
    return 0;
}

/* Returns 0 to go on, or the exit status of a usage error; *done when --help
 * was shown (the status is then the help's). */
static int parse_args(int argc, char **argv, FILE *out, FILE *err, decode_args_t *a, bool *done)
{
    opts_t o;
    opts_begin(&o, "decode", OPTS_JSON | OPTS_PCAP, decode_options, "", argc, argv, err);
    const char *v;
    int id;
    while ((id = opts_next(&o, &v)) > 0) {
        int rc = 0;
        if (id == OPT_APP)
            a->app = true;
        else if (id == OPT_FILE)
            rc = opts_once(&o, &a->file, v, "--file");
        else if (id == OPT_PORT)
            rc = opts_once(&o, &a->port_arg, v, "--port");
        else if (id == OPT_MAX_MEMORY)
            rc = opts_once(&o, &a->memory_arg, v, "--max-memory");
        if (rc < 0)
            return OPTS_EXIT_USAGE;
    }
    if (id < 0)
        return OPTS_EXIT_USAGE;
    if (o.help) {
        usage(out);
        *done = true;
        return opts_finish_output("decode", out, err, DECODE_EXIT_OK, 0);
    }
    a->json = o.json;
    a->pcap = o.pcap;
    return check_args(&o, a, argc, argv);
}

/* ---- records ----------------------------------------------------------------- */

typedef struct decode_ctx {
    FILE *out, *err;
    bool json;
    bool positional; /* number records by position (hex/file input) */
    bool stop;       /* the output is gone: stop decoding */
    int out_errno;
    uint64_t max_memory;
    uint64_t position;
    uint64_t decoded;
    uint64_t errors;
    uint64_t records;
    uint64_t lost; /* evictions and unreadable packets, reported on err */
    bool oom;      /* an allocation failed (reported once) */
} decode_ctx_t;

static void on_record(void *vctx, const ds_record_t *rec)
{
    decode_ctx_t *ctx = vctx;
    if (ctx->stop)
        return;
    ds_record_t r = *rec;
    ctx->records++;
    if (ctx->positional)
        r.frame_no = ++ctx->position;
    unsigned res = ctx->json ? render_json_record(ctx->out, &r) : render_text_record(ctx->out, &r);
    if (res & RENDER_DECODED)
        ctx->decoded++;
    if (res & RENDER_ERROR)
        ctx->errors++;
    if (opts_output_failed(ctx->out)) {
        ctx->out_errno = errno;
        ctx->stop = true;
    }
}

static void on_evict(void *vctx, const ds_eviction_t *ev)
{
    decode_ctx_t *ctx = vctx;
    ctx->lost++;
    fprintf(ctx->err,
            "dnp3 decode: memory limit (%llu bytes) reached at %s %llu: dropped flow %s: %zu "
            "bytes of a partial link frame and %u partial fragment(s) of %zu bytes lost\n",
            (unsigned long long)ctx->max_memory, ctx->positional ? "byte" : "packet",
            (unsigned long long)ev->frame_no, ev->flow && ev->flow[0] ? ev->flow : "(input)",
            ev->frame_bytes, ev->fragments, ev->fragment_bytes);
}

static decode_session_t *new_session(decode_ctx_t *ctx)
{
    decode_session_t *s = decode_session_new(0, on_record, ctx);
    if (!s)
        return NULL;
    decode_session_set_memory_limit(s, ctx->max_memory);
    decode_session_set_evict_fn(s, on_evict, ctx);
    return s;
}

static int exit_status(const decode_ctx_t *ctx)
{
    if (ctx->decoded == 0)
        return DECODE_EXIT_NOTHING;
    return ctx->errors || ctx->lost ? DECODE_EXIT_ERRORS : DECODE_EXIT_OK;
}

/* ---- --app ---------------------------------------------------------------------- */

static void decode_app(decode_ctx_t *ctx, const uint8_t *data, size_t len)
{
    ds_record_t rec;
    memset(&rec, 0, sizeof(rec));
    rec.kind = DS_REC_APP;
    rec.apdu = data;
    rec.apdu_len = len;
    rec.frame_no = 1;
    on_record(ctx, &rec);
}

/* decode_session_feed, with an allocation failure reported (once) rather
 * than lost. */
static void feed_session(decode_ctx_t *ctx, decode_session_t *s, const char *flow,
                         uint64_t frame_no, const uint8_t *data, size_t len, unsigned flags)
{
    if (decode_session_feed(s, flow, frame_no, data, len, flags) < 0) {
        ctx->lost++;
        if (!ctx->oom)
            fprintf(ctx->err, "dnp3 decode: out of memory at %llu: bytes of %s not decoded\n",
                    (unsigned long long)frame_no, flow && flow[0] ? flow : "the input");
        ctx->oom = true;
    }
}

/* ---- byte sinks: where the input's bytes go ---------------------------------------- */

typedef struct sink {
    decode_ctx_t *ctx;
    decode_session_t *s; /* NULL with --app */
    uint8_t *app;        /* --app: the fragment, at most DNP3_FRAGMENT_SIZE_MAX */
    size_t app_len;
    bool app_overflow;
    uint64_t total;
    char *text;     /* CHUNK bytes read at a time */
    uint8_t *bytes; /* CHUNK / 2 + 1: the bytes of a chunk of hex text */
} sink_t;

static void sink_bytes(sink_t *k, const uint8_t *data, size_t len)
{
    k->total += len;
    if (k->s) {
        feed_session(k->ctx, k->s, NULL, k->total, data, len, 0);
        return;
    }
    size_t room = DNP3_FRAGMENT_SIZE_MAX - k->app_len;
    if (len > room) {
        k->app_overflow = true;
        len = room;
    }
    memcpy(k->app + k->app_len, data, len);
    k->app_len += len;
}

/* End of input: decode what --app collected, drain the session. */
static int sink_finish(sink_t *k)
{
    decode_ctx_t *ctx = k->ctx;
    if (k->total == 0) {
        fputs("dnp3 decode: the input is empty\n", ctx->err);
        return DECODE_EXIT_NOTHING;
    }
    if (k->s) {
        decode_session_finish(k->s);
    } else if (k->app_overflow) {
        fprintf(ctx->err,
                "dnp3 decode: --app: the input (%llu bytes) is longer than the largest "
                "fragment (%u bytes)\n",
                (unsigned long long)k->total, DNP3_FRAGMENT_SIZE_MAX);
        return DECODE_EXIT_NOTHING;
    } else {
        decode_app(ctx, k->app, k->app_len);
    }
    return exit_status(ctx);
}

/* ---- input: hex arguments, hex or raw streams ----------------------------------------- */

static void report_hex_error(decode_ctx_t *ctx, const hex_stream_t *h, int rc)
{
    unsigned char c = (unsigned char)h->err_char;
    char what[16];
    if (c >= 0x20 && c < 0x7F)
        snprintf(what, sizeof what, "'%c'", c);
    else
        snprintf(what, sizeof what, "byte 0x%02X", c);
    fprintf(ctx->err,
            "dnp3 decode: bad hex on standard input at position %llu (line %llu, column %llu): "
            "%s %s\n",
            (unsigned long long)h->err_pos + 1, (unsigned long long)h->err_line,
            (unsigned long long)h->err_col, dnp3_strerror(rc), what);
}

/* Reads f to the end in CHUNK-sized pieces; hex text is converted on the way.
 * Returns 0, or the exit status of a failure (reported). */
static int read_stream(sink_t *k, FILE *f, const char *name, bool hex)
{
    decode_ctx_t *ctx = k->ctx;
    char *text = k->text;
    uint8_t *bytes = k->bytes;
    hex_stream_t h;
    hex_stream_init(&h);
    while (!ctx->stop) {
        size_t got = fread(text, 1, CHUNK, f);
        if (got == 0)
            break;
        if (!hex) {
            sink_bytes(k, (const uint8_t *)text, got);
            continue;
        }
        size_t n = 0;
        int rc = hex_stream_feed(&h, text, got, bytes, CHUNK / 2 + 1, &n);
        sink_bytes(k, bytes, n);
        if (rc != 0) {
            report_hex_error(ctx, &h, rc);
            return DECODE_EXIT_USAGE;
        }
    }
    if (ferror(f)) {
        fprintf(ctx->err, "dnp3 decode: %s: %s\n", name, strerror(errno));
        return DECODE_EXIT_NOTHING;
    }
    if (hex && !ctx->stop && hex_stream_finish(&h) != 0) {
        report_hex_error(ctx, &h, DNP3_E_FORMAT);
        return DECODE_EXIT_USAGE;
    }
    return 0;
}

static int parse_hex_args(decode_ctx_t *ctx, const decode_args_t *a, uint8_t **bytes, size_t *n)
{
    size_t cap = 1;
    for (int i = 0; i < a->nhex; i++)
        cap += strlen(a->hex[i]) / 2 + 1;
    *bytes = malloc(cap);
    if (!*bytes) {
        fputs("dnp3 decode: out of memory\n", ctx->err);
        return DECODE_EXIT_NOTHING;
    }
    int bad_arg = 0;
    size_t pos = 0;
    *n = 0;
    int rc = hex_append_args(a->nhex, a->hex, *bytes, cap, n, &bad_arg, &pos);
    if (rc < 0) {
        unsigned char c = (unsigned char)a->hex[bad_arg][pos];
        fprintf(ctx->err,
                "dnp3 decode: bad hex in argument %d at position %zu: %s '%c' "
                "(a byte is two hex digits; spaces and colons are optional)\n",
                bad_arg + 1, pos + 1, dnp3_strerror(rc), c >= 0x20 && c < 0x7F ? c : '?');
        return DECODE_EXIT_USAGE;
    }
    return 0;
}

/* Feeds the chosen input (hex arguments, standard input, --file) to k. */
static int read_input(sink_t *k, const decode_args_t *a, FILE *in)
{
    if (a->nhex > 0) {
        uint8_t *bytes = NULL;
        size_t n = 0;
        int rc = parse_hex_args(k->ctx, a, &bytes, &n);
        if (rc == 0)
            sink_bytes(k, bytes, n);
        free(bytes);
        return rc;
    }
    if (!a->file || strcmp(a->file, "-") == 0)
        return read_stream(k, in, "standard input", a->file == NULL);
    FILE *f = fopen(a->file, "rb");
    if (!f) {
        fprintf(k->ctx->err, "dnp3 decode: %s: %s\n", a->file, strerror(errno));
        return DECODE_EXIT_NOTHING;
    }
    int rc = read_stream(k, f, a->file, false);
    fclose(f);
    return rc;
}

static int decode_input(decode_ctx_t *ctx, const decode_args_t *a, FILE *in)
{
    sink_t k;
    memset(&k, 0, sizeof k);
    k.ctx = ctx;
    int status = DECODE_EXIT_NOTHING;
    k.text = malloc(CHUNK);
    k.bytes = malloc(CHUNK / 2 + 1);
    if (a->app)
        k.app = malloc(DNP3_FRAGMENT_SIZE_MAX);
    else
        k.s = new_session(ctx);
    if (!k.text || !k.bytes || (a->app ? !k.app : !k.s)) {
        fputs("dnp3 decode: out of memory\n", ctx->err);
    } else {
        ctx->positional = !a->app;
        status = read_input(&k, a, in);
        if (status == 0)
            status = sink_finish(&k);
    }
    decode_session_free(k.s);
    free(k.app);
    free(k.text);
    free(k.bytes);
    return status;
}

/* ---- input: captures ------------------------------------------------------------------- */

static void on_note(void *vctx, uint64_t packet_no, const char *msg)
{
    decode_ctx_t *ctx = vctx;
    ctx->lost++;
    fprintf(ctx->err, "dnp3 decode: packet %llu: %s\n", (unsigned long long)packet_no, msg);
}

/* After the capture: the summary of what could not be read, and a port that
 * matched nothing. */
static void report_capture(decode_ctx_t *ctx, const capture_t *c, unsigned port)
{
    cap_counters_t st;
    capture_get_counters(c, &st);
    uint64_t unread = st.malformed + st.fragments + st.truncated;
    if (unread > 0)
        fprintf(ctx->err,
                "dnp3 decode: %llu packet(s) not read whole: %llu malformed, %llu IP "
                "fragment(s), %llu cut by the snap length (each named above)\n",
                (unsigned long long)unread, (unsigned long long)st.malformed,
                (unsigned long long)st.fragments, (unsigned long long)st.truncated);
    if (st.matched > 0 || port == 0)
        return;
    uint16_t seen[10];
    size_t n = capture_ports_seen(c, seen, sizeof seen / sizeof seen[0]);
    fprintf(ctx->err, "dnp3 decode: no DNP3 traffic on port %u; ", port);
    if (n == 0)
        fputs("the capture has no TCP or UDP traffic\n", ctx->err);
    else
        fputs("ports seen:", ctx->err);
    for (size_t i = 0; i < n; i++)
        fprintf(ctx->err, "%s %u", i ? "," : "", seen[i]);
    if (n > 0)
        fputs(n == sizeof seen / sizeof seen[0] ? ", ... (use --port)\n" : " (use --port)\n",
              ctx->err);
}

static int feed_capture(decode_ctx_t *ctx, capture_t *c, decode_session_t *s)
{
    cap_chunk_t ch;
    int rc;
    while (!ctx->stop && (rc = capture_next(c, &ch)) > 0) {
        unsigned flags = 0;
        if (ch.gap_before)
            flags |= DS_CHUNK_GAP;
        if (ch.stream_start)
            flags |= DS_CHUNK_START;
        if (ch.udp)
            flags |= DS_CHUNK_DATAGRAM;
        if (ch.stream_end)
            flags |= DS_CHUNK_END;
        feed_session(ctx, s, ch.flow_name, ch.packet_no, ch.data, ch.len, flags);
    }
    return ctx->stop ? 0 : rc;
}

static int decode_pcap(decode_ctx_t *ctx, const char *path, unsigned port)
{
    char msg[512];
    capture_t *c = capture_open(path, (uint16_t)port, msg, sizeof msg);
    if (!c) {
        fprintf(ctx->err, "dnp3 decode: %s\n", msg);
        return DECODE_EXIT_NOTHING;
    }
    capture_set_note_fn(c, on_note, ctx);
    capture_set_memory_limit(c, ctx->max_memory);
    decode_session_t *s = new_session(ctx);
    int status = DECODE_EXIT_NOTHING;
    if (!s)
        fputs("dnp3 decode: out of memory\n", ctx->err);
    if (s) {
        int rc = feed_capture(ctx, c, s);
        decode_session_finish(s);
        if (!ctx->stop)
            report_capture(ctx, c, port);
        status = exit_status(ctx);
        if (rc < 0) {
            fprintf(ctx->err, "dnp3 decode: %s: %s\n", path, capture_error(c));
            if (status == DECODE_EXIT_OK)
                status = DECODE_EXIT_ERRORS;
        }
    }
    decode_session_free(s);
    capture_close(c);
    return status;
}

int cmd_decode(int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
    decode_args_t a;
    memset(&a, 0, sizeof a);
    a.port = CAP_DEFAULT_PORT;
    a.max_memory = DS_MEMORY_DEFAULT;
    a.hex = calloc((size_t)argc + 1, sizeof *a.hex);
    if (!a.hex) {
        fputs("dnp3 decode: out of memory\n", err);
        return DECODE_EXIT_NOTHING;
    }
    bool done = false;
    int status = parse_args(argc, argv, out, err, &a, &done);
    if (status == 0 && !done) {
        decode_ctx_t ctx;
        memset(&ctx, 0, sizeof ctx);
        ctx.out = out;
        ctx.err = err;
        ctx.json = a.json;
        ctx.max_memory = a.max_memory;
        status = a.pcap ? decode_pcap(&ctx, a.pcap, a.port) : decode_input(&ctx, &a, in);
        status = opts_finish_output("decode", out, err, status, ctx.out_errno);
    }
    free(a.hex);
    return status;
}
