/* cmd_decode: `dnp3 decode [options] [HEX... | -]`.
 *
 * Input: hex arguments (joined), hex text on standard input ("-" or no
 * argument), --file F (raw bytes) or --pcap F (pcap/pcapng; TCP reassembled
 * per flow by capture.c, port --port N, default 20000). --app treats the
 * bytes as one bare application fragment. Every link event goes through
 * decode_session (link parser per flow -> transport reassembler per
 * flow/addresses -> fragment) and is printed by render_text / render_json. */
#include "cmd_decode.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "capture.h"
#include "decode_session.h"
#include "hex.h"
#include "render.h"

const char cmd_decode_summary[] =
    "decode DNP3 frames from hex, a raw file or a pcap/pcapng capture";

static void usage(FILE *f)
{
    fputs("usage: dnp3 decode [--json] [--app] [HEX... | -]\n"
          "       dnp3 decode [--json] [--app] --file FILE\n"
          "       dnp3 decode [--json] --pcap FILE [--port N]\n"
          "\n"
          "Decode DNP3 (IEEE 1815-2012) link frames, transport segments and application\n"
          "fragments, and show them as a tree (or JSON Lines with --json).\n"
          "\n"
          "  HEX...       hex bytes; arguments are joined, spaces and colons optional\n"
          "  -            read hex text from standard input (also with no HEX argument)\n"
          "  --file FILE  read raw bytes from FILE\n"
          "  --pcap FILE  read a pcap or pcapng capture; TCP is reassembled per flow\n"
          "  --port N     TCP/UDP port of the DNP3 traffic in the capture (default 20000)\n"
          "  --app        the input is one bare application fragment (no link/transport)\n"
          "  --json       one JSON object per link frame (JSON Lines)\n"
          "  -h, --help   this text\n"
          "\n"
          "Exit status: 0 everything decoded, 3 some frames had errors, 1 nothing decoded,\n"
          "2 usage error.\n",
          f);
}

typedef struct decode_ctx {
    FILE *out;
    bool json;
    bool positional; /* number records by position (hex/file input) */
    uint64_t position;
    uint64_t decoded;
    uint64_t errors;
    uint64_t records;
} decode_ctx_t;

static void on_record(void *vctx, const ds_record_t *rec)
{
    decode_ctx_t *ctx = vctx;
    ds_record_t r = *rec;
    ctx->records++;
    if (ctx->positional)
        r.frame_no = ++ctx->position;
    unsigned res = ctx->json ? render_json_record(ctx->out, &r) : render_text_record(ctx->out, &r);
    if (res & RENDER_DECODED)
        ctx->decoded++;
    if (res & RENDER_ERROR)
        ctx->errors++;
}

/* Whole stream into memory (bounded by what the machine has; inputs are
 * hex dumps and frame files, not captures). */
static unsigned char *read_all(FILE *f, size_t *len)
{
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    if (!buf)
        return NULL;
    for (;;) {
        if (n == cap) {
            unsigned char *nb = realloc(buf, cap * 2);
            if (!nb) {
                free(buf);
                return NULL;
            }
            buf = nb;
            cap *= 2;
        }
        size_t got = fread(buf + n, 1, cap - n, f);
        n += got;
        if (got == 0)
            break;
    }
    if (ferror(f)) {
        free(buf);
        return NULL;
    }
    *len = n;
    return buf;
}

static int exit_status(const decode_ctx_t *ctx)
{
    if (ctx->decoded == 0)
        return DECODE_EXIT_NOTHING;
    return ctx->errors ? DECODE_EXIT_ERRORS : DECODE_EXIT_OK;
}

static int decode_bytes(decode_ctx_t *ctx, bool app, const unsigned char *data, size_t len,
                        FILE *err)
{
    if (app) {
        ds_record_t rec;
        memset(&rec, 0, sizeof(rec));
        rec.kind = DS_REC_APP;
        rec.apdu = data;
        rec.apdu_len = len;
        ctx->positional = false;
        rec.frame_no = 1;
        on_record(ctx, &rec);
        return exit_status(ctx);
    }
    decode_session_t *s = decode_session_new(0, on_record, ctx);
    if (!s) {
        fputs("dnp3 decode: out of memory\n", err);
        return DECODE_EXIT_NOTHING;
    }
    ctx->positional = true;
    decode_session_feed(s, NULL, 1, data, len, 0);
    decode_session_finish(s);
    decode_session_free(s);
    return exit_status(ctx);
}

static int decode_pcap(decode_ctx_t *ctx, const char *path, unsigned port, FILE *err)
{
    char msg[256];
    capture_t *c = capture_open(path, (uint16_t)port, msg, sizeof msg);
    if (!c) {
        fprintf(err, "dnp3 decode: %s\n", msg);
        return DECODE_EXIT_NOTHING;
    }
    decode_session_t *s = decode_session_new(0, on_record, ctx);
    if (!s) {
        capture_close(c);
        fputs("dnp3 decode: out of memory\n", err);
        return DECODE_EXIT_NOTHING;
    }
    ctx->positional = false;
    cap_chunk_t ch;
    int rc;
    while ((rc = capture_next(c, &ch)) > 0) {
        unsigned flags = 0;
        if (ch.gap_before)
            flags |= DS_CHUNK_GAP;
        if (ch.stream_start)
            flags |= DS_CHUNK_START;
        if (ch.udp)
            flags |= DS_CHUNK_DATAGRAM;
        decode_session_feed(s, ch.flow_name, ch.packet_no, ch.data, ch.len, flags);
    }
    decode_session_finish(s);
    int status = exit_status(ctx);
    if (rc < 0) {
        fprintf(err, "dnp3 decode: %s: %s\n", path, capture_error(c));
        if (status == DECODE_EXIT_OK)
            status = DECODE_EXIT_ERRORS;
    }
    decode_session_free(s);
    capture_close(c);
    return status;
}

/* "--opt VALUE" or "--opt=VALUE". Returns the value or NULL (and advances *i). */
static const char *opt_value(int argc, char **argv, int *i, const char *name, bool *matched)
{
    size_t n = strlen(name);
    const char *a = argv[*i];
    *matched = false;
    if (strncmp(a, name, n) != 0)
        return NULL;
    if (a[n] == '=') {
        *matched = true;
        return a + n + 1;
    }
    if (a[n] != '\0')
        return NULL;
    *matched = true;
    if (*i + 1 >= argc)
        return NULL;
    (*i)++;
    return argv[*i];
}

int cmd_decode(int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
    decode_ctx_t ctx;
    memset(&ctx, 0, sizeof(ctx));
    ctx.out = out;
    bool app = false, want_stdin = false, only_hex = false;
    const char *file = NULL, *pcap = NULL;
    unsigned port = CAP_DEFAULT_PORT;
    /* Hex arguments, in order (hex_append_args joins them). */
    size_t hex_chars = 0;
    int nhex = 0;
    char **hex = calloc((size_t)argc + 1, sizeof(*hex));
    if (!hex) {
        fputs("dnp3 decode: out of memory\n", err);
        return DECODE_EXIT_NOTHING;
    }

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        bool m;
        const char *v;
        if (only_hex || a[0] != '-' || (a[1] != '-' && a[1] != 'h' && a[1] != '\0')) {
            /* A hex argument (may start with '-'? no: hex never does). */
            if (a[0] == '-' && !only_hex) {
                fprintf(err, "dnp3 decode: unknown option '%s' (see dnp3 decode --help)\n", a);
                free(hex);
                return DECODE_EXIT_USAGE;
            }
            hex[nhex++] = argv[i];
            hex_chars += strlen(a) + 1;
            continue;
        }
        if (strcmp(a, "-") == 0) {
            want_stdin = true;
        } else if (strcmp(a, "--") == 0) {
            only_hex = true;
        } else if (strcmp(a, "-h") == 0 || strcmp(a, "--help") == 0) {
            usage(out);
            free(hex);
            return DECODE_EXIT_OK;
        } else if (strcmp(a, "--json") == 0) {
            ctx.json = true;
        } else if (strcmp(a, "--app") == 0) {
            app = true;
        } else if ((v = opt_value(argc, argv, &i, "--file", &m)), m) {
            if (!v || !*v) {
                fputs("dnp3 decode: --file needs a file name\n", err);
                free(hex);
                return DECODE_EXIT_USAGE;
            }
            file = v;
        } else if ((v = opt_value(argc, argv, &i, "--pcap", &m)), m) {
            if (!v || !*v) {
                fputs("dnp3 decode: --pcap needs a capture file name\n", err);
                free(hex);
                return DECODE_EXIT_USAGE;
            }
            pcap = v;
        } else if ((v = opt_value(argc, argv, &i, "--port", &m)), m) {
            char *end = NULL;
            errno = 0;
            unsigned long p = v ? strtoul(v, &end, 10) : 0;
            if (!v || !*v || *end || errno || p == 0 || p > 65535) {
                fprintf(err, "dnp3 decode: --port needs a port number 1..65535 (got '%s')\n",
                        v ? v : "");
                free(hex);
                return DECODE_EXIT_USAGE;
            }
            port = (unsigned)p;
        } else {
            fprintf(err, "dnp3 decode: unknown option '%s' (see dnp3 decode --help)\n", a);
            free(hex);
            return DECODE_EXIT_USAGE;
        }
    }
    int sources = (file != NULL) + (pcap != NULL) + (nhex > 0 || want_stdin);
    if (sources > 1) {
        fputs("dnp3 decode: give one input: HEX, -, --file or --pcap\n", err);
        free(hex);
        return DECODE_EXIT_USAGE;
    }
    if (pcap && app) {
        fputs("dnp3 decode: --app does not apply to --pcap\n", err);
        free(hex);
        return DECODE_EXIT_USAGE;
    }

    int status;
    if (pcap) {
        status = decode_pcap(&ctx, pcap, port, err);
    } else if (file) {
        FILE *f = fopen(file, "rb");
        if (!f) {
            fprintf(err, "dnp3 decode: %s: %s\n", file, strerror(errno));
            free(hex);
            return DECODE_EXIT_NOTHING;
        }
        size_t len = 0;
        unsigned char *data = read_all(f, &len);
        fclose(f);
        if (!data) {
            fprintf(err, "dnp3 decode: %s: read error\n", file);
            free(hex);
            return DECODE_EXIT_NOTHING;
        }
        status = decode_bytes(&ctx, app, data, len, err);
        free(data);
    } else {
        size_t cap = hex_chars / 2 + 1, n = 0, pos = 0;
        int bad_arg = 0, rc;
        unsigned char *stdin_buf = NULL;
        if (nhex == 0) {
            size_t text_len = 0;
            stdin_buf = read_all(in, &text_len);
            unsigned char *t = stdin_buf ? realloc(stdin_buf, text_len + 1) : NULL;
            if (!t) {
                free(stdin_buf);
                fputs("dnp3 decode: cannot read standard input\n", err);
                free(hex);
                return DECODE_EXIT_NOTHING;
            }
            stdin_buf = t;
            stdin_buf[text_len] = '\0';
            cap = text_len / 2 + 1;
        }
        unsigned char *bytes = malloc(cap);
        if (!bytes) {
            free(stdin_buf);
            free(hex);
            fputs("dnp3 decode: out of memory\n", err);
            return DECODE_EXIT_NOTHING;
        }
        if (stdin_buf)
            rc = hex_parse((const char *)stdin_buf, bytes, cap, &n, &pos);
        else
            rc = hex_append_args(nhex, hex, bytes, cap, &n, &bad_arg, &pos);
        if (rc < 0) {
            const char *text = stdin_buf ? (const char *)stdin_buf : hex[bad_arg];
            unsigned char c = (unsigned char)text[pos];
            if (stdin_buf) {
                /* Line and column help with files of hex dumps. */
                size_t line = 1, col = 1;
                for (size_t k = 0; k < pos; k++) {
                    col++;
                    if (text[k] == '\n') {
                        line++;
                        col = 1;
                    }
                }
                fprintf(err,
                        "dnp3 decode: bad hex on standard input at position %zu (line %zu, "
                        "column %zu): %s '%c'\n",
                        pos + 1, line, col, dnp3_strerror(rc), c >= 0x20 && c < 0x7F ? c : '?');
            } else {
                fprintf(err,
                        "dnp3 decode: bad hex in argument %d at position %zu: %s '%c' "
                        "(a byte is two hex digits; spaces and colons are optional)\n",
                        bad_arg + 1, pos + 1, dnp3_strerror(rc), c >= 0x20 && c < 0x7F ? c : '?');
            }
            free(bytes);
            free(stdin_buf);
            free(hex);
            return DECODE_EXIT_USAGE;
        }
        status = decode_bytes(&ctx, app, bytes, n, err);
        free(bytes);
        free(stdin_buf);
    }
    free(hex);
    fflush(out);
    return status;
}
