/* Protocol trace of the link layer and the transport function: each frame
 * received (the channel's FRAME events) and each frame sent (read back from
 * the bytes the channel wrote) becomes lines of dnp3/format.h text, one log
 * line per text line, at the levels of the mux's configuration. Text is
 * staged on the stack: nothing is allocated. */
#include <stdio.h>
#include <string.h>

#include "mux_internal.h"

typedef struct trace_line {
    const dnp3_mux_t *mux;
    const char *prefix;
    char text[192];
    size_t len;
} trace_line_t;

static void line_flush(trace_line_t *t)
{
    if (t->len > 0)
        dnp3i_mux_log(t->mux, DNP3_LOG_INFO, "%s%s", t->prefix, t->text);
    t->len = 0;
    t->text[0] = 0;
}

/* dnp3_format_sink_t.write: cuts the text at newlines (and at the line
 * buffer's end, so a long hex dump still comes out whole). */
static int line_write(void *ctx, const char *text, size_t len)
{
    trace_line_t *t = ctx;
    for (size_t i = 0; i < len; i++) {
        if (text[i] == '\n') {
            line_flush(t);
            continue;
        }
        t->text[t->len++] = text[i];
        t->text[t->len] = 0;
        if (t->len + 1 >= sizeof t->text)
            line_flush(t);
    }
    return 0;
}

bool dnp3i_mux_tracing(const dnp3_mux_t *mux)
{
    return mux->cfg.logger.log && mux->cfg.logger.level >= DNP3_LOG_INFO &&
           (mux->cfg.decode_link != DNP3_LINK_DECODE_NOTHING ||
            mux->cfg.decode_transport != DNP3_TRANSPORT_DECODE_NOTHING);
}

/* User data of a primary frame is a transport segment (clause 8.2). */
static bool carries_segment(const dnp3_link_frame_t *f)
{
    uint8_t func = dnp3_link_hdr_func(&f->hdr);
    return dnp3_link_hdr_prm(&f->hdr) && f->user_len > 0 &&
           (func == DNP3_LINK_CONFIRMED_USER_DATA || func == DNP3_LINK_UNCONFIRMED_USER_DATA);
}

void dnp3i_mux_trace_frame(const dnp3_mux_t *mux, bool tx, const dnp3_link_frame_t *f)
{
    if (!dnp3i_mux_tracing(mux))
        return;
    trace_line_t t = {.mux = mux, .prefix = tx ? "tx " : "rx "};
    dnp3_format_sink_t sink = {.write = line_write, .ctx = &t};
    dnp3_format_link(&sink, mux->cfg.decode_link, &f->hdr, f->user, f->user_len);
    line_flush(&t);
    if (carries_segment(f))
        dnp3_format_segment(&sink, mux->cfg.decode_transport, f->user, f->user_len);
    line_flush(&t);
}

/* The channel writes whole frames; one that does not read back (never
 * expected) ends the trace of this batch with a line saying so. */
void dnp3i_mux_trace_output(const dnp3_mux_t *mux, const uint8_t *bytes, size_t len)
{
    uint8_t user[DNP3_LINK_MAX_USER_DATA];
    size_t at = 0;
    while (at < len) {
        dnp3_link_frame_t f;
        int n = dnp3_link_frame_read(bytes + at, len - at, &f, user, NULL);
        if (n <= 0) {
            dnp3i_mux_log(mux, DNP3_LOG_INFO, "tx %zu bytes not a frame: %s", len - at,
                          dnp3_strerror(n));
            return;
        }
        dnp3i_mux_trace_frame(mux, true, &f);
        at += (size_t)n;
    }
}
