/* log_levels: what a session logs for one exchange at a decode level.
 *
 *   example_log_levels [app 0-3] [transport 0-2] [link 0-2]
 *
 * Writes a READ of class 1 and the outstation's response with the public
 * codec (app writer, segmenter, link frame writer), reads the frames back
 * as a receiving session would, and logs each layer through dnp3/format.h
 * into a sink that prefixes every line with the direction. With no
 * arguments the default level (one line per fragment) is used. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3/codec.h"

/* A sink that prints "TX " / "RX " before each line. */
typedef struct line_sink {
    const char *prefix;
    int at_line_start;
} line_sink_t;

static int print_lines(void *ctx, const char *text, size_t len)
{
    line_sink_t *s = ctx;
    for (size_t i = 0; i < len; i++) {
        if (s->at_line_start)
            fputs(s->prefix, stdout);
        putchar(text[i]);
        s->at_line_start = text[i] == '\n';
    }
    return 0;
}

/* Frame one fragment and log every frame as it is received. */
static int exchange(const dnp3_decode_level_t *lv, const char *who, bool master,
                    const uint8_t *apdu, size_t len)
{
    line_sink_t ls = {who, 1};
    dnp3_format_sink_t sink = {print_lines, &ls};
    dnp3_tp_segmenter_t seg;
    dnp3_tp_segmenter_init(&seg, apdu, len, 0);
    uint8_t tpdu[DNP3_TP_MAX_SEGMENT], frame[DNP3_LINK_MAX_FRAME];
    uint8_t user[DNP3_LINK_MAX_USER_DATA];
    int n;
    while ((n = dnp3_tp_segmenter_next(&seg, tpdu, sizeof tpdu)) > 0) {
        uint8_t ctl =
            dnp3_link_control(master, true, false, false, DNP3_LINK_UNCONFIRMED_USER_DATA);
        int f = dnp3_link_frame_write(frame, sizeof frame, ctl, master ? 1024 : 1,
                                      master ? 1 : 1024, tpdu, (size_t)n);
        dnp3_link_frame_t rx;
        if (f < 0 || dnp3_link_frame_read(frame, (size_t)f, &rx, user, NULL) < 0)
            return -1;
        dnp3_format_link(&sink, lv->link, &rx.hdr, rx.user, rx.user_len);
        dnp3_format_segment(&sink, lv->transport, rx.user, rx.user_len);
    }
    dnp3_diag_t diag;
    if (dnp3_format_fragment(&sink, lv->app, apdu, len, &diag) < 0)
        dnp3_format_error(&sink, &diag);
    return n;
}

int main(int argc, char **argv)
{
    dnp3_decode_level_t lv;
    dnp3_decode_level_default(&lv);
    if (argc > 1)
        lv.app = (dnp3_app_decode_t)atoi(argv[1]);
    if (argc > 2)
        lv.transport = (dnp3_transport_decode_t)atoi(argv[2]);
    if (argc > 3)
        lv.link = (dnp3_link_decode_t)atoi(argv[3]);

    uint8_t buf[2048];
    dnp3_app_writer_t w;
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_request(&w, DNP3_AC_FIR | DNP3_AC_FIN, DNP3_FC_READ);
    dnp3_app_write_header(&w, 60, 2, 0x06, 0, 0);
    int len = dnp3_app_writer_finish(&w);
    if (len < 0 || exchange(&lv, "TX ", true, buf, (size_t)len) < 0)
        return 1;

    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, DNP3_AC_FIR | DNP3_AC_FIN, DNP3_FC_RESPONSE, 0);
    dnp3_app_write_range(&w, 30, 1, 0, 2);
    for (uint32_t i = 0; i < 3; i++) {
        dnp3_point_t p;
        memset(&p, 0, sizeof p);
        p.type = DNP3_VT_ANALOG_INT;
        p.index = i;
        p.has_flags = true;
        p.flags = DNP3_FLAG_ONLINE;
        p.v.analog_i = (int32_t)(100 * i) - 50;
        dnp3_app_write_point(&w, &p);
    }
    len = dnp3_app_writer_finish(&w);
    if (len < 0 || exchange(&lv, "RX ", false, buf, (size_t)len) < 0)
        return 1;
    return 0;
}
