/* render_text: the readable tree of `dnp3 decode`, one block per link frame,
 * laid out the way Wireshark's packet details show DNP3:
 *
 *   Frame 3  10.0.0.2:20000>10.0.0.1:49152
 *     Link: len=26 DIR=0 PRM=1 FCV=0 FCB=0 func=4 UNCONFIRMED_USER_DATA dst=1 src=10
 *     Transport: FIR FIN seq=22
 *     Application: FIR FIN seq=0 func=129 RESPONSE  IIN=0x8000 [DEVICE_RESTART]
 *       g30v3 Analog Input - 32-bit without flag  qualifier=0x00 start=1 stop=7 (7 points)
 *         [1] value=123
 *
 * Everything under the Frame line is the library's formatter (dnp3/format.h)
 * at the fullest level, indented by two spaces: the tree is what a session
 * logs at that level. */
#include "render.h"

#include <inttypes.h>
#include <string.h>

#include "dnp3/format.h"

bool render_record_error(const ds_record_t *rec, int link_code, const dnp3_diag_t *app, char *buf,
                         size_t len)
{
    size_t used = 0;
    buf[0] = '\0';
    if (rec->kind == DS_REC_DISCARD) {
        used += (size_t)snprintf(buf, len, "%s", dnp3_strerror(rec->link_error));
        if (rec->link_error == DNP3_E_LINK_BLOCK_CRC && used < len)
            used += (size_t)snprintf(buf + used, len - used, " (block %u)", rec->block);
        if (used < len)
            snprintf(buf + used, len - used, ", %zu byte%s discarded", rec->discarded,
                     rec->discarded == 1 ? "" : "s");
        return true;
    }
    if (link_code)
        used += (size_t)snprintf(buf, len, "%s", dnp3_strerror(link_code));
    if (rec->tp_error && used < len) {
        used += (size_t)snprintf(buf + used, len - used, "%s%s", used ? "; " : "",
                                 dnp3_strerror(rec->tp_error));
        if (rec->tp_dropped && used < len)
            used += (size_t)snprintf(buf + used, len - used, " (%zu byte%s dropped)",
                                     rec->tp_dropped, rec->tp_dropped == 1 ? "" : "s");
    }
    if (app && app->code && used < len) {
        snprintf(buf + used, len - used, "%s%s at offset %zu", used ? "; " : "",
                 dnp3_strerror(app->code), app->offset);
    }
    return buf[0] != '\0';
}

/* The library's text into the tree: every line indented by two spaces. */
typedef struct tree_sink {
    FILE *out;
    bool line_start;
} tree_sink_t;

static int tree_write(void *vctx, const char *text, size_t len)
{
    tree_sink_t *t = vctx;
    while (len) {
        if (t->line_start)
            fputs("  ", t->out);
        const char *nl = memchr(text, '\n', len);
        size_t n = nl ? (size_t)(nl - text) + 1 : len;
        fwrite(text, 1, n, t->out);
        t->line_start = nl != NULL;
        text += n;
        len -= n;
    }
    return 0;
}

unsigned render_text_record(FILE *out, const ds_record_t *rec)
{
    unsigned res = 0;
    int link_code = 0;
    dnp3_diag_t app = {0, 0};
    char err[256];
    tree_sink_t t = {out, true};
    dnp3_format_sink_t sink = {tree_write, &t};

    fprintf(out, "Frame %" PRIu64, rec->frame_no);
    if (rec->flow)
        fprintf(out, "  %s", rec->flow);
    fputc('\n', out);

    if (rec->kind == DS_REC_DISCARD) {
        render_record_error(rec, 0, NULL, err, sizeof err);
        fprintf(out, "  Error: %s\n", err);
        return RENDER_ERROR;
    }
    if (rec->kind == DS_REC_APP) {
        if (dnp3_format_fragment(&sink, DNP3_APP_DECODE_OBJECT_VALUES, rec->apdu, rec->apdu_len,
                                 &app) != DNP3_E_APP_SHORT)
            res |= RENDER_DECODED;
    } else {
        res |= RENDER_DECODED;
        /* Frames that carry no transport segment show their user data. */
        link_code = dnp3_format_link(
            &sink, rec->has_transport ? DNP3_LINK_DECODE_HEADER : DNP3_LINK_DECODE_PAYLOAD,
            &rec->link, rec->user, rec->user_len);
        if (rec->has_transport)
            dnp3_format_segment(&sink, DNP3_TRANSPORT_DECODE_HEADER, rec->user, rec->user_len);
        if (rec->apdu)
            dnp3_format_fragment(&sink, DNP3_APP_DECODE_OBJECT_VALUES, rec->apdu, rec->apdu_len,
                                 &app);
    }
    if (render_record_error(rec, link_code, &app, err, sizeof err)) {
        fprintf(out, "  Error: %s\n", err);
        res |= RENDER_ERROR;
    }
    return res;
}
