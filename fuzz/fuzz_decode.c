/* Fuzz target for the whole `dnp3 decode` pipeline after capture reading:
 * decode_session (per-flow link parsers, transport reassembly keyed by link
 * addresses) feeding both renderers (text tree and JSON Lines), which walk
 * every object and point the app layer returns, attribute strings and
 * escaping included.
 *
 * Input format: records of one control byte then data. Control bits 0-5:
 * length of the data (0..63; a truncated last record uses what is left),
 * bit 6: which of two flows, bit 7: chunk flags (GAP on flow 0, DATAGRAM on
 * flow 1). So the fuzzer reaches frames split across chunks, interleaved
 * flows, gaps and UDP leftovers.
 *
 * Checked: the renderers' JSON output is balanced (every line opens and
 * closes as many braces and brackets outside strings as it closes) and has
 * no raw control characters; session counters agree with the records seen. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "decode_session.h"
#include "render.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct ctx {
    FILE *text;
    char json[1 << 16];
    uint64_t frames, discards;
} ctx_t;

/* One JSON line: balanced outside strings, escapes complete, no control
 * characters. */
static void check_json_line(const char *s, size_t n)
{
    int depth = 0;
    int in_str = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        CHECK(c >= 0x20);
        if (in_str) {
            if (c == '\\') {
                CHECK(i + 1 < n);
                i++;
            } else if (c == '"') {
                in_str = 0;
            }
            continue;
        }
        if (c == '"')
            in_str = 1;
        else if (c == '{' || c == '[')
            depth++;
        else if (c == '}' || c == ']')
            depth--;
        CHECK(depth >= 0);
    }
    CHECK(!in_str && depth == 0);
}

static void on_record(void *vctx, const ds_record_t *rec)
{
    ctx_t *c = vctx;
    if (rec->kind == DS_REC_FRAME)
        c->frames++;
    else if (rec->kind == DS_REC_DISCARD)
        c->discards++;
    render_text_record(c->text, rec);
    FILE *j = fmemopen(c->json, sizeof c->json, "w");
    CHECK(j != NULL);
    render_json_record(j, rec);
    long n = ftell(j);
    fclose(j);
    /* A record is at most a fragment's worth of points: far below 64 KiB
     * for the short inputs the fuzzer makes, else fmemopen truncated it. */
    if (n > 0 && (size_t)n < sizeof c->json - 1) {
        CHECK(c->json[n - 1] == '\n');
        check_json_line(c->json, (size_t)n - 1);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static ctx_t c;
    c.frames = c.discards = 0;
    c.text = fopen("/dev/null", "w");
    CHECK(c.text != NULL);
    decode_session_t *s = decode_session_new(4096, on_record, &c);
    CHECK(s != NULL);
    static const char *const flows[2] = {"10.0.0.1:49152>10.0.0.2:20000",
                                         "10.0.0.2:20000>10.0.0.1:49152"};
    size_t pos = 0;
    uint64_t packet = 0;
    while (pos < size) {
        uint8_t ctl = data[pos++];
        size_t n = ctl & 0x3F;
        if (n > size - pos)
            n = size - pos;
        unsigned flow = (ctl >> 6) & 1;
        unsigned flags = 0;
        if (ctl & 0x80)
            flags = flow == 0 ? DS_CHUNK_GAP : DS_CHUNK_DATAGRAM;
        CHECK(decode_session_feed(s, flows[flow], ++packet, data + pos, n, flags) == 0);
        pos += n;
    }
    decode_session_finish(s);
    const decode_session_counters_t *st = decode_session_counters(s);
    CHECK(st->frames == c.frames);
    CHECK(st->discards == c.discards);
    decode_session_free(s);
    fclose(c.text);
    return 0;
}
