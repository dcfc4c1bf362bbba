/* format: the library's text for a link frame, a transport segment and an
 * application fragment at each decode level, held to hand-checked text
 * (the vectors are IEEE 1815-2012 examples and fragments built by hand;
 * every expected line was worked out from the bytes, not copied from the
 * output), and the fragment walker's visits and error offsets. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "dnp3/format.h"
#include "dnp3/link.h"

/* ---- helpers ----------------------------------------------------------------- */
static size_t from_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    unsigned v = 0;
    int half = 0;
    for (const char *c = hex; *c; c++) {
        int d;
        if (*c >= '0' && *c <= '9')
            d = *c - '0';
        else if (*c >= 'A' && *c <= 'F')
            d = *c - 'A' + 10;
        else if (*c >= 'a' && *c <= 'f')
            d = *c - 'a' + 10;
        else
            continue;
        v = (v << 4) | (unsigned)d;
        if (++half == 2) {
            assert_true(n < cap);
            out[n++] = (uint8_t)v;
            v = 0;
            half = 0;
        }
    }
    assert_int_equal(half, 0);
    return n;
}

typedef struct text {
    char buf[4096];
    dnp3_format_buffer_t b;
    dnp3_format_sink_t sink;
} text_t;

static void text_init(text_t *t)
{
    dnp3_format_buffer_init(&t->b, t->buf, sizeof t->buf);
    t->sink = dnp3_format_buffer_sink(&t->b);
}

/* The fragment's text at a level; *rc and *diag get the result. */
static const char *fragment_text(text_t *t, dnp3_app_decode_t level, const char *hex, int *rc,
                                 dnp3_diag_t *diag)
{
    uint8_t apdu[512];
    size_t n = from_hex(hex, apdu, sizeof apdu);
    text_init(t);
    *rc = dnp3_format_fragment(&t->sink, level, apdu, n, diag);
    assert_false(t->b.truncated);
    return t->buf;
}

/* Text at every application level, and the same result at each. */
static void expect_fragment(const char *hex, const char *at_header, const char *at_objects,
                            const char *at_values, int code, size_t offset)
{
    text_t t;
    int rc;
    dnp3_diag_t d;
    assert_string_equal(fragment_text(&t, DNP3_APP_DECODE_NOTHING, hex, &rc, &d), "");
    assert_string_equal(fragment_text(&t, DNP3_APP_DECODE_HEADER, hex, &rc, &d), at_header);
    assert_string_equal(fragment_text(&t, DNP3_APP_DECODE_OBJECT_HEADERS, hex, &rc, &d),
                        at_objects);
    assert_int_equal(rc, code);
    assert_int_equal(d.code, code);
    assert_int_equal(d.offset, offset);
    assert_string_equal(fragment_text(&t, DNP3_APP_DECODE_OBJECT_VALUES, hex, &rc, &d), at_values);
    assert_int_equal(rc, code);
    assert_int_equal(d.code, code);
    assert_int_equal(d.offset, offset);
}

/* ---- levels and sinks ------------------------------------------------------------ */
static void default_level_is_one_line_per_fragment(void **state)
{
    (void)state;
    dnp3_decode_level_t l;
    memset(&l, 0xFF, sizeof l);
    dnp3_decode_level_default(&l);
    assert_int_equal(l.app, DNP3_APP_DECODE_HEADER);
    assert_int_equal(l.transport, DNP3_TRANSPORT_DECODE_NOTHING);
    assert_int_equal(l.link, DNP3_LINK_DECODE_NOTHING);
}

static void buffer_sink_cuts_and_stays_terminated(void **state)
{
    (void)state;
    char small[16];
    dnp3_format_buffer_t b;
    dnp3_format_buffer_init(&b, small, sizeof small);
    dnp3_format_sink_t s = dnp3_format_buffer_sink(&b);
    uint8_t apdu[] = {0xC0, 0x01, 0x3C, 0x02, 0x06};
    assert_int_equal(
        dnp3_format_fragment(&s, DNP3_APP_DECODE_OBJECT_VALUES, apdu, sizeof apdu, NULL), 0);
    assert_true(b.truncated);
    assert_int_equal(b.len, 15);
    assert_string_equal(small, "Application: FI");
}

/* A sink that refuses: the walk's result does not depend on it. */
static int refuse(void *ctx, const char *text, size_t len)
{
    (void)text;
    (*(size_t *)ctx) += len;
    return DNP3_E_IO;
}

static void failing_sink_does_not_change_the_result(void **state)
{
    (void)state;
    size_t offered = 0;
    dnp3_format_sink_t s = {refuse, &offered};
    uint8_t apdu[] = {0xC0, 0x01, 0x63, 0x01, 0x06}; /* READ g99v1: unknown */
    dnp3_diag_t d;
    assert_int_equal(dnp3_format_fragment(&s, DNP3_APP_DECODE_OBJECT_VALUES, apdu, sizeof apdu, &d),
                     DNP3_E_APP_OBJECT_UNKNOWN);
    assert_int_equal(d.offset, 2);
    assert_true(offered > 0);
}

/* ---- link ----------------------------------------------------------------------- */
static void link_status_request_and_reply(void **state)
{
    (void)state;
    /* IEEE 1815-2012 example frames: REQUEST_LINK_STATUS from master 1 to
     * outstation 10, and the LINK_STATUS answer. */
    uint8_t raw[32], user[DNP3_LINK_MAX_USER_DATA];
    dnp3_link_frame_t f;
    text_t t;
    size_t n = from_hex("05 64 05 C9 0A 00 01 00 FE DA", raw, sizeof raw);
    assert_int_equal(dnp3_link_frame_read(raw, n, &f, user, NULL), 10);
    text_init(&t);
    assert_int_equal(
        dnp3_format_link(&t.sink, DNP3_LINK_DECODE_NOTHING, &f.hdr, f.user, f.user_len), 0);
    assert_string_equal(t.buf, "");
    assert_int_equal(
        dnp3_format_link(&t.sink, DNP3_LINK_DECODE_PAYLOAD, &f.hdr, f.user, f.user_len), 0);
    assert_string_equal(t.buf,
                        "Link: len=5 DIR=1 PRM=1 FCV=0 FCB=0 func=9 REQUEST_LINK_STATUS dst=10 "
                        "src=1\n");

    n = from_hex("05 64 05 0B 01 00 0A 00 6D ED", raw, sizeof raw);
    assert_int_equal(dnp3_link_frame_read(raw, n, &f, user, NULL), 10);
    text_init(&t);
    assert_int_equal(dnp3_format_link(&t.sink, DNP3_LINK_DECODE_HEADER, &f.hdr, f.user, f.user_len),
                     0);
    assert_string_equal(t.buf, "Link: len=5 DIR=0 PRM=0 DFC=0 func=11 LINK_STATUS dst=1 src=10\n");
}

static void link_user_data_at_each_level(void **state)
{
    (void)state;
    /* Unconfirmed user data, master 1 -> outstation 10: transport FIR FIN
     * seq 0 and READ class 1. */
    dnp3_link_header_t h = {11, 0xC4, 10, 1};
    uint8_t user[] = {0xC0, 0xC0, 0x01, 0x3C, 0x02, 0x06};
    text_t t;
    text_init(&t);
    assert_int_equal(dnp3_format_link(&t.sink, DNP3_LINK_DECODE_HEADER, &h, user, sizeof user), 0);
    assert_string_equal(
        t.buf, "Link: len=11 DIR=1 PRM=1 FCV=0 FCB=0 func=4 UNCONFIRMED_USER_DATA dst=10 src=1\n");
    text_init(&t);
    assert_int_equal(dnp3_format_link(&t.sink, DNP3_LINK_DECODE_PAYLOAD, &h, user, sizeof user), 0);
    assert_string_equal(t.buf, "Link: len=11 DIR=1 PRM=1 FCV=0 FCB=0 func=4 UNCONFIRMED_USER_DATA "
                               "dst=10 src=1\n"
                               "User data: C0 C0 01 3C 02 06\n");
}

static void link_undefined_function_is_an_error(void **state)
{
    (void)state;
    /* Primary function 5 and secondary function 2 are undefined (9.2.4.1.3):
     * shown by number, named UNKNOWN, reported at every level. */
    dnp3_link_header_t prm5 = {5, 0xC5, 10, 1};
    dnp3_link_header_t sec2 = {5, 0x02, 1, 10};
    text_t t;
    text_init(&t);
    assert_int_equal(dnp3_format_link(&t.sink, DNP3_LINK_DECODE_HEADER, &prm5, NULL, 0),
                     DNP3_E_LINK_FUNCTION);
    assert_string_equal(t.buf, "Link: len=5 DIR=1 PRM=1 FCV=0 FCB=0 func=5 UNKNOWN dst=10 src=1\n");
    assert_int_equal(dnp3_format_link(NULL, DNP3_LINK_DECODE_NOTHING, &sec2, NULL, 0),
                     DNP3_E_LINK_FUNCTION);
    text_init(&t);
    dnp3_diag_t d = {DNP3_E_LINK_FUNCTION, 0};
    dnp3_format_error(&t.sink, &d);
    assert_string_equal(t.buf, "Error: link: undefined function code\n");
    assert_string_equal(dnp3_format_link_func_name(&sec2), "UNKNOWN");
}

/* ---- transport -------------------------------------------------------------------- */
static void segment_at_each_level(void **state)
{
    (void)state;
    uint8_t seg[] = {0x81, 0xC1, 0x81, 0x00, 0x00}; /* FIN, not FIR, seq 1 */
    text_t t;
    text_init(&t);
    assert_int_equal(dnp3_format_segment(&t.sink, DNP3_TRANSPORT_DECODE_NOTHING, seg, 5), 0);
    assert_string_equal(t.buf, "");
    assert_int_equal(dnp3_format_segment(&t.sink, DNP3_TRANSPORT_DECODE_HEADER, seg, 5), 0);
    assert_string_equal(t.buf, "Transport: FIN seq=1\n");
    text_init(&t);
    assert_int_equal(dnp3_format_segment(&t.sink, DNP3_TRANSPORT_DECODE_PAYLOAD, seg, 5), 0);
    assert_string_equal(t.buf, "Transport: FIN seq=1\nTransport data: C1 81 00 00\n");
    text_init(&t);
    assert_int_equal(dnp3_format_segment(&t.sink, DNP3_TRANSPORT_DECODE_PAYLOAD, seg, 0),
                     DNP3_E_TP_EMPTY);
    assert_string_equal(t.buf, "");
}

static void long_payload_is_cut_at_64_bytes(void **state)
{
    (void)state;
    uint8_t seg[101];
    memset(seg, 0xAB, sizeof seg);
    seg[0] = 0x40 | 63; /* FIR, seq 63 */
    text_t t;
    text_init(&t);
    assert_int_equal(dnp3_format_segment(&t.sink, DNP3_TRANSPORT_DECODE_PAYLOAD, seg, 101), 0);
    char want[512] = "Transport: FIR seq=63\nTransport data: AB";
    for (int i = 1; i < 64; i++)
        strcat(want, " AB");
    strcat(want, " ... (100 bytes)\n");
    assert_string_equal(t.buf, want);
}

/* ---- application ------------------------------------------------------------------ */
static void read_class_1(void **state)
{
    (void)state;
    expect_fragment("C0 01 3C 02 06", "Application: FIR FIN seq=0 func=1 READ\n",
                    "Application: FIR FIN seq=0 func=1 READ\n"
                    "  g60v2 Class Objects - Class 1 Data  qualifier=0x06 all\n",
                    "Application: FIR FIN seq=0 func=1 READ\n"
                    "  g60v2 Class Objects - Class 1 Data  qualifier=0x06 all\n",
                    0, 0);
}

static void response_with_analogs(void **state)
{
    (void)state;
    /* seq 1, IIN1.7 DEVICE_RESTART; g30v1 range 0..1: ONLINE 100, ONLINE -5. */
    expect_fragment("C1 81 80 00 1E 01 00 00 01 01 64 00 00 00 01 FB FF FF FF",
                    "Application: FIR FIN seq=1 func=129 RESPONSE  IIN=0x8000 [DEVICE_RESTART]\n",
                    "Application: FIR FIN seq=1 func=129 RESPONSE  IIN=0x8000 [DEVICE_RESTART]\n"
                    "  g30v1 Analog Input - 32-bit With Flag  qualifier=0x00 start=0 stop=1 "
                    "(2 points)\n",
                    "Application: FIR FIN seq=1 func=129 RESPONSE  IIN=0x8000 [DEVICE_RESTART]\n"
                    "  g30v1 Analog Input - 32-bit With Flag  qualifier=0x00 start=0 stop=1 "
                    "(2 points)\n"
                    "    [0] value=100 flags=0x01 [ONLINE]\n"
                    "    [1] value=-5 flags=0x01 [ONLINE]\n",
                    0, 0);
}

static void single_precision_shows_as_sent(void **state)
{
    (void)state;
    /* g30v5 11.02f (0x41305 1EC): binary32 digits, not 11.0200005. */
    expect_fragment("C0 81 00 00 1E 05 00 00 00 01 EC 51 30 41",
                    "Application: FIR FIN seq=0 func=129 RESPONSE  IIN=0x0000\n",
                    "Application: FIR FIN seq=0 func=129 RESPONSE  IIN=0x0000\n"
                    "  g30v5 Analog Input - Single-precision With Flag  qualifier=0x00 start=0 "
                    "stop=0 (1 point)\n",
                    "Application: FIR FIN seq=0 func=129 RESPONSE  IIN=0x0000\n"
                    "  g30v5 Analog Input - Single-precision With Flag  qualifier=0x00 start=0 "
                    "stop=0 (1 point)\n"
                    "    [0] value=11.02 flags=0x01 [ONLINE]\n",
                    0, 0);
}

static void command_status_with_reserved_bit_7(void **state)
{
    (void)state;
    /* CROB echo, index 3, PULSE_ON 100/100 ms. Status 1 is TIMEOUT; 0x81
     * (bit 7 reserved, Annex A group 12) is no defined code: its number
     * only, like the reserved codes 19..125, and not an error. */
    const char *head = "Application: FIR FIN seq=0 func=129 RESPONSE  IIN=0x0000\n"
                       "  g12v1 Binary Output Command - Control Relay Output Block  "
                       "qualifier=0x17 count=1 (1 point)\n";
    char want[512];
    snprintf(want, sizeof want, "%s%s", head,
             "    [3] code=0x01 [PULSE_ON] count=1 on=100ms off=100ms status=1 TIMEOUT\n");
    expect_fragment("C0 81 00 00 0C 01 17 01 03 01 01 64 00 00 00 64 00 00 00 01",
                    "Application: FIR FIN seq=0 func=129 RESPONSE  IIN=0x0000\n", head, want, 0, 0);
    snprintf(want, sizeof want, "%s%s", head,
             "    [3] code=0x01 [PULSE_ON] count=1 on=100ms off=100ms status=129\n");
    expect_fragment("C0 81 00 00 0C 01 17 01 03 01 01 64 00 00 00 64 00 00 00 81",
                    "Application: FIR FIN seq=0 func=129 RESPONSE  IIN=0x0000\n", head, want, 0, 0);
}

static void undefined_function_is_an_error_at_every_level(void **state)
{
    (void)state;
    text_t t;
    int rc;
    dnp3_diag_t d;
    expect_fragment("C0 70 01 02", "Application: FIR FIN seq=0 func=112 UNKNOWN\n",
                    "Application: FIR FIN seq=0 func=112 UNKNOWN\n"
                    "  data: 01 02\n",
                    "Application: FIR FIN seq=0 func=112 UNKNOWN\n"
                    "  data: 01 02\n",
                    DNP3_E_APP_FUNCTION, 1);
    fragment_text(&t, DNP3_APP_DECODE_HEADER, "C0 70 01 02", &rc, &d);
    assert_int_equal(rc, DNP3_E_APP_FUNCTION);
    assert_int_equal(d.offset, 1);
    fragment_text(&t, DNP3_APP_DECODE_NOTHING, "C0 70", &rc, &d);
    assert_int_equal(rc, DNP3_E_APP_FUNCTION);
}

static void errors_carry_their_offset(void **state)
{
    (void)state;
    /* READ g99v1 (no such group): shown, and reported at its header. */
    expect_fragment("C0 01 63 01 06", "Application: FIR FIN seq=0 func=1 READ\n",
                    "Application: FIR FIN seq=0 func=1 READ\n"
                    "  g99v1 (unknown object)  qualifier=0x06 all\n",
                    "Application: FIR FIN seq=0 func=1 READ\n"
                    "  g99v1 (unknown object)  qualifier=0x06 all\n",
                    DNP3_E_APP_OBJECT_UNKNOWN, 2);
    /* g30v1 start 0 stop 1 with one object: the header is shown as far as
     * it was read, the error points where the second object should be. */
    expect_fragment("C0 81 00 00 1E 01 00 00 01 01 64 00 00 00",
                    "Application: FIR FIN seq=0 func=129 RESPONSE  IIN=0x0000\n",
                    "Application: FIR FIN seq=0 func=129 RESPONSE  IIN=0x0000\n"
                    "  g30v1 Analog Input - 32-bit With Flag  qualifier=0x00 (incomplete)\n",
                    "Application: FIR FIN seq=0 func=129 RESPONSE  IIN=0x0000\n"
                    "  g30v1 Analog Input - 32-bit With Flag  qualifier=0x00 (incomplete)\n",
                    DNP3_E_APP_OBJECT_DATA, 14);
    /* Object header cut after its group and variation: nothing to show;
     * the error points where its qualifier should be. */
    expect_fragment("C0 01 3C 02", "Application: FIR FIN seq=0 func=1 READ\n",
                    "Application: FIR FIN seq=0 func=1 READ\n",
                    "Application: FIR FIN seq=0 func=1 READ\n", DNP3_E_APP_HEADER_TRUNCATED, 4);

    text_t t;
    int rc;
    dnp3_diag_t d;
    assert_string_equal(fragment_text(&t, DNP3_APP_DECODE_OBJECT_VALUES, "C0", &rc, &d), "");
    assert_int_equal(rc, DNP3_E_APP_SHORT);
    text_init(&t);
    dnp3_format_error(&t.sink, &d);
    assert_string_equal(t.buf, "Error: app: fragment shorter than its header at offset 0\n");
}

static void free_format_by_its_fields(void **state)
{
    (void)state;
    /* g70v4 file command status, q 0x5B, size 13: handle 0x12345678,
     * SUCCESS, size 19, max block 1024, request 4, no text. */
    const char *hex = "C0 81 00 00 46 04 5B 01 0D 00 78 56 34 12 13 00 00 00 00 04 04 00 00";
    const char *line = "  g70v4 File-control - File Command Status  qualifier=0x5B count=1 "
                       "(1 point)\n";
    char want[512];
    snprintf(want, sizeof want, "%s%s%s",
             "Application: FIR FIN seq=0 func=129 RESPONSE  IIN=0x0000\n", line,
             "    [0] g70v4 file command status: handle=305419896 status=SUCCESS(0) "
             "file_size=19 max_block=1024 request_id=4 text=\"\"\n");
    text_t t;
    int rc;
    dnp3_diag_t d;
    assert_string_equal(fragment_text(&t, DNP3_APP_DECODE_OBJECT_VALUES, hex, &rc, &d), want);
    assert_int_equal(rc, 0);
    /* Size 12: no status byte. The body starts at offset 10, so the status
     * should be at 22. */
    hex = "C0 81 00 00 46 04 5B 01 0C 00 78 56 34 12 13 00 00 00 00 04 04 00";
    fragment_text(&t, DNP3_APP_DECODE_OBJECT_VALUES, hex, &rc, &d);
    assert_int_equal(rc, DNP3_E_APP_FREE_FORMAT);
    assert_int_equal(d.offset, 22);
    assert_non_null(strstr(t.buf, "    [0] bytes=78 56 34 12 13 00 00 00 00 04 04 00\n"));
    /* At OBJECT_HEADERS the bodies are not read. */
    fragment_text(&t, DNP3_APP_DECODE_OBJECT_HEADERS, hex, &rc, &d);
    assert_int_equal(rc, 0);
}

/* ---- the walker ----------------------------------------------------------------- */
typedef struct trace {
    char s[256];
    size_t fields;
} trace_t;

static void tr_header(void *ctx, const dnp3_app_header_t *h, size_t len)
{
    trace_t *t = ctx;
    snprintf(t->s + strlen(t->s), sizeof t->s - strlen(t->s), "H%u/%zu ", h->func, len);
}

static void tr_object(void *ctx, const dnp3_obj_header_t *oh)
{
    trace_t *t = ctx;
    snprintf(t->s + strlen(t->s), sizeof t->s - strlen(t->s), "O%uv%u%s ", oh->group, oh->variation,
             oh->partial ? "!" : "");
}

static void tr_point(void *ctx, const dnp3_obj_header_t *oh, const dnp3_walk_point_t *p)
{
    trace_t *t = ctx;
    (void)oh;
    snprintf(t->s + strlen(t->s), sizeof t->s - strlen(t->s), "P%u%s ", (unsigned)p->pt->index,
             p->single ? "f" : "");
    t->fields += p->n_fields;
}

static void tr_end(void *ctx, const dnp3_obj_header_t *oh)
{
    trace_t *t = ctx;
    (void)oh;
    strcat(t->s, "E ");
}

static void tr_opaque(void *ctx, const uint8_t *data, size_t len)
{
    trace_t *t = ctx;
    (void)data;
    snprintf(t->s + strlen(t->s), sizeof t->s - strlen(t->s), "X%zu ", len);
}

static int walk_hex(const char *hex, trace_t *t, bool points, dnp3_diag_t *d)
{
    uint8_t apdu[512];
    size_t n = from_hex(hex, apdu, sizeof apdu);
    memset(t, 0, sizeof *t);
    dnp3_walk_visitor_t v = {t, tr_header, tr_object, points ? tr_point : NULL, tr_end, tr_opaque};
    return dnp3_fragment_walk(apdu, n, &v, d);
}

static void walker_visits_in_order(void **state)
{
    (void)state;
    trace_t t;
    dnp3_diag_t d;
    /* g30v1 0..1, then g30v5 [0], then g70v4. */
    const char *hex = "C0 81 00 00 1E 01 00 00 01 01 64 00 00 00 01 FB FF FF FF"
                      " 1E 05 00 00 00 01 EC 51 30 41"
                      " 46 04 5B 01 0D 00 78 56 34 12 13 00 00 00 00 04 04 00 00";
    assert_int_equal(walk_hex(hex, &t, true, &d), 0);
    assert_string_equal(t.s, "H129/48 O30v1 P0 P1 E O30v5 P0f E O70v4 P0 E ");
    assert_int_equal(t.fields, 6);
    assert_int_equal(d.code, 0);
    /* Without a point callback the points are not visited. */
    assert_int_equal(walk_hex(hex, &t, false, &d), 0);
    assert_string_equal(t.s, "H129/48 O30v1 E O30v5 E O70v4 E ");
    /* The failing header is visited as far as it was read. */
    assert_int_equal(walk_hex("C0 81 00 00 1E 01 00 00 01 01 64 00 00 00", &t, true, &d),
                     DNP3_E_APP_OBJECT_DATA);
    assert_string_equal(t.s, "H129/14 O30v1! E ");
    assert_int_equal(d.offset, 14);
    /* Undefined function: the bytes after the header, uninterpreted. */
    assert_int_equal(walk_hex("C0 70 01 02 03", &t, true, &d), DNP3_E_APP_FUNCTION);
    assert_string_equal(t.s, "H112/5 X3 ");
    assert_int_equal(d.offset, 1);
    /* No header: no visit. */
    assert_int_equal(walk_hex("", &t, true, &d), DNP3_E_APP_SHORT);
    assert_string_equal(t.s, "");
    assert_int_equal(dnp3_fragment_walk(NULL, 0, NULL, NULL), DNP3_E_APP_SHORT);
}

/* ---- shared pieces ------------------------------------------------------------------ */
static void floats_and_times(void **state)
{
    (void)state;
    char b[64];
    dnp3_format_float(b, sizeof b, 11.020000457763672, true);
    assert_string_equal(b, "11.02");
    dnp3_format_float(b, sizeof b, 11.020000457763672, false);
    assert_string_equal(b, "11.020000457763672");
    dnp3_format_float(b, sizeof b, -1.0 / 0.0, false);
    assert_string_equal(b, "-Infinity");
    dnp3_format_time(b, sizeof b, 1706702400123ull);
    assert_string_equal(b, "2024-01-31T12:00:00.123Z");
    dnp3_format_time(b, sizeof b, DNP3_TIME_MAX); /* 2^48 - 1 ms: year 10889 */
    assert_memory_equal(b, "10889-", 6);
    assert_string_equal(b + strlen(b) - 5, ".655Z");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(default_level_is_one_line_per_fragment),
        cmocka_unit_test(buffer_sink_cuts_and_stays_terminated),
        cmocka_unit_test(failing_sink_does_not_change_the_result),
        cmocka_unit_test(link_status_request_and_reply),
        cmocka_unit_test(link_user_data_at_each_level),
        cmocka_unit_test(link_undefined_function_is_an_error),
        cmocka_unit_test(segment_at_each_level),
        cmocka_unit_test(long_payload_is_cut_at_64_bytes),
        cmocka_unit_test(read_class_1),
        cmocka_unit_test(response_with_analogs),
        cmocka_unit_test(single_precision_shows_as_sent),
        cmocka_unit_test(command_status_with_reserved_bit_7),
        cmocka_unit_test(undefined_function_is_an_error_at_every_level),
        cmocka_unit_test(errors_carry_their_offset),
        cmocka_unit_test(free_format_by_its_fields),
        cmocka_unit_test(walker_visits_in_order),
        cmocka_unit_test(floats_and_times),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
