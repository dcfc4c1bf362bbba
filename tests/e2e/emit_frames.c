/* emit_frames: write a capture of frames built by OUR encoders (app writer ->
 * channel: transport segmenter and link frame writer -> pcap writer) plus a manifest
 * of what every link frame is, for test_tshark_interop.py to hold against
 * tshark and against `dnp3 decode`.
 *
 *   emit_frames OUT.pcap OUT.jsonl [PORT]
 *
 * Content: for every line of the object table (dnp3_obj_table) a request or
 * response as a master or outstation would send it (READ for the request-
 * only variation-0 / class objects), a 2048-byte response (9 segments),
 * every link function, broadcast destinations, unsolicited + confirm, and
 * two responses with abnormal IIN bits. One link frame per TCP packet.
 *
 * Manifest: JSON Lines, one per link frame in order:
 *   {"n","from_master","prm","func","dst","src",
 *    "app": {"func","iin"?,"objects":[[group,variation,qualifier,count,attr_type?]...]} or null,
 *    "iin_abnormal": bool}
 * app is on the frame that completes the fragment. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app/layout.h"
#include "dnp3/app.h"
#include "dnp3/channel.h"
#include "dnp3/link.h"
#include "dnp3/objects.h"
#include "dnp3/pcap.h"
#include "dnp3/transport.h"
#include "util/byteorder.h"

#define MASTER     1u
#define OUTSTATION 1024u
#define MAX_OBJS   64
#define T0_MS      1700000000000ull /* 2023-11-14T22:13:20Z: any fixed time */

typedef struct obj_rec {
    uint8_t g, v, q;
    uint32_t count;
    int attr_type; /* g0: attribute data type, else -1 */
} obj_rec_t;

typedef struct frag {
    dnp3_app_writer_t w;
    uint8_t buf[4096];
    uint8_t func;
    bool resp;
    uint16_t iin;
    int nobj;
    obj_rec_t obj[MAX_OBJS];
} frag_t;

typedef struct emitter {
    dnp3_pcap_writer_t *pw;
    FILE *man;
    uint64_t ts_us;
    dnp3_channel_t *master, *out; /* each sender's link and transport */
    uint8_t tseq_out;             /* the outstation's next transport SEQ (for the wrap) */
    uint8_t aseq_master, aseq_out;
    unsigned n;
} em_t;

static void die(const char *what, int rc)
{
    fprintf(stderr, "emit_frames: %s: %s\n", what, dnp3_strerror(rc));
    exit(1);
}

static void check(const char *what, int rc)
{
    if (rc < 0)
        die(what, rc);
}

/* ---- fragments ------------------------------------------------------------ */

static void frag_request(frag_t *f, em_t *em, uint8_t func)
{
    memset(f, 0, sizeof(*f));
    dnp3_app_writer_init(&f->w, f->buf, sizeof f->buf);
    f->func = func;
    uint8_t ac = (uint8_t)(DNP3_AC_FIR | DNP3_AC_FIN | (em->aseq_master++ & DNP3_AC_SEQ_MASK));
    check("request header", dnp3_app_write_request(&f->w, ac, func));
}

static void frag_response(frag_t *f, em_t *em, uint8_t func, uint16_t iin)
{
    memset(f, 0, sizeof(*f));
    dnp3_app_writer_init(&f->w, f->buf, sizeof f->buf);
    f->func = func;
    f->resp = true;
    f->iin = iin;
    uint8_t ac = (uint8_t)(DNP3_AC_FIR | DNP3_AC_FIN | (em->aseq_out++ & DNP3_AC_SEQ_MASK));
    if (func == DNP3_FC_UNSOLICITED_RESPONSE)
        ac |= DNP3_AC_CON | DNP3_AC_UNS;
    check("response header", dnp3_app_write_response(&f->w, ac, func, iin));
}

static uint32_t range_count(uint8_t q, uint32_t a, uint32_t b)
{
    switch (DNP3_QUAL_RANGE(q)) {
    case 0x0:
    case 0x1:
    case 0x2:
        return b - a + 1;
    case 0x3:
    case 0x4:
    case 0x5:
        return 1;
    case 0x6:
        return 0;
    default:
        return a;
    }
}

static void frag_header(frag_t *f, uint8_t g, uint8_t v, uint8_t q, uint32_t a, uint32_t b)
{
    check("object header", dnp3_app_write_header(&f->w, g, v, q, a, b));
    if (f->nobj < MAX_OBJS)
        f->obj[f->nobj++] = (obj_rec_t){g, v, q, range_count(q, a, b), -1};
}

static void frag_free(frag_t *f, uint8_t g, uint8_t v, const uint8_t *body, size_t len)
{
    check("free-format object", dnp3_app_write_free_format(&f->w, g, v, body, len));
    if (f->nobj < MAX_OBJS)
        f->obj[f->nobj++] = (obj_rec_t){g, v, 0x5B, 1, -1};
}

/* ---- points ------------------------------------------------------------------ */

static const uint8_t some_bytes[] = "DNP3 octets 0123456789abcdefghijklmnopqrstuvwxyz";
static const uint8_t bcd_bytes[8] = {0x12, 0x34, 0x56, 0x78, 0x90, 0x12, 0x34, 0x56};

static void fill_point(const dnp3_obj_info_t *info, uint8_t variation, uint32_t index, uint32_t i,
                       dnp3_point_t *pt)
{
    memset(pt, 0, sizeof(*pt));
    pt->type = (dnp3_value_type_t)info->value_type;
    pt->index = index;
    pt->group = info->group;
    pt->variation = variation;
    pt->has_flags = info->pre == DNP3_PRE_FLAGS;
    pt->flags = 0x01; /* ONLINE */
    pt->has_time = info->post == DNP3_POST_TIME48 || info->val == DNP3_VAL_TIME48 ||
                   info->val == DNP3_VAL_TIME_U32 || info->val == DNP3_VAL_TIME_U32_U8 ||
                   info->value_type == DNP3_VT_CTO;
    pt->time = T0_MS + 1000u * i;
    pt->has_rel = info->post == DNP3_POST_REL16;
    pt->rel_ms = (uint16_t)(10u * (i + 1));
    pt->has_status =
        info->pre == DNP3_PRE_STATUS || info->post == DNP3_POST_STATUS || info->pre == DNP3_PRE_CMD;
    pt->status = 0;
    switch (pt->type) {
    case DNP3_VT_BINARY:
    case DNP3_VT_BO_CMD_EVENT:
        pt->v.binary = (i & 1) != 0;
        if (pt->v.binary)
            pt->flags |= 0x80;
        break;
    case DNP3_VT_IIN_BIT:
        pt->v.binary = false; /* clear DEVICE_RESTART */
        break;
    case DNP3_VT_DOUBLE_BIT:
        pt->v.double_bit = (uint8_t)(1 + (i & 1));
        pt->flags |= (uint8_t)(pt->v.double_bit << 6);
        break;
    case DNP3_VT_COUNTER:
    case DNP3_VT_DEADBAND_INT:
        pt->v.counter = 1000u + i;
        break;
    case DNP3_VT_UINT8:
        pt->v.counter = 7u + i;
        break;
    case DNP3_VT_ANALOG_INT:
    case DNP3_VT_AO_INT:
    case DNP3_VT_AO_CMD_EVENT_INT:
        pt->v.analog_i = -100 + (int32_t)(250 * i);
        break;
    case DNP3_VT_ANALOG_FLOAT:
    case DNP3_VT_DEADBAND_FLOAT:
    case DNP3_VT_AO_FLOAT:
    case DNP3_VT_AO_CMD_EVENT_FLOAT:
        pt->v.analog_f = 1.5 + i;
        break;
    case DNP3_VT_CROB:
        pt->v.crob.code = 0x01; /* pulse on */
        pt->v.crob.count = 1;
        pt->v.crob.on_ms = 100;
        pt->v.crob.off_ms = 100;
        break;
    case DNP3_VT_TIME_INTERVAL:
        pt->v.interval.interval = 60000;
        pt->v.interval.units = 2; /* seconds (g50v4) */
        break;
    case DNP3_VT_DELAY:
        pt->v.delay.ms = variation == 1 ? 2000u : 250u;
        break;
    case DNP3_VT_SEC_STAT:
        pt->v.sec_stat.assoc = 1;
        pt->v.sec_stat.count = 42u + i;
        break;
    case DNP3_VT_OCTETS:
        pt->v.bytes.data = some_bytes;
        pt->v.bytes.len = variation;
        break;
    case DNP3_VT_BCD:
    case DNP3_VT_FREE_FORMAT:
        pt->v.bytes.data = bcd_bytes;
        pt->v.bytes.len = info->size;
        break;
    default:
        break;
    }
}

static void frag_points(frag_t *f, const dnp3_obj_info_t *info, uint8_t variation,
                        uint32_t first_index, uint32_t step, uint32_t n)
{
    for (uint32_t i = 0; i < n; i++) {
        dnp3_point_t pt;
        fill_point(info, variation, first_index + i * step, i, &pt);
        check("point", dnp3_app_write_point(&f->w, &pt));
    }
}

/* ---- link + transport + pcap ------------------------------------------------ */

static void manifest_frame(em_t *em, bool from_master, uint8_t control, uint16_t dst, uint16_t src,
                           const frag_t *app, bool iin_abnormal, bool tp_wrap)
{
    em->n++;
    fprintf(em->man,
            "{\"n\":%u,\"from_master\":%s,\"prm\":%s,\"func\":%u,\"dst\":%u,\"src\":%u,\"app\":",
            em->n, from_master ? "true" : "false", (control & DNP3_LINK_CTL_PRM) ? "true" : "false",
            control & DNP3_LINK_CTL_FUNC, dst, src);
    if (!app) {
        fputs("null", em->man);
    } else {
        fprintf(em->man, "{\"func\":%u,", app->func);
        if (app->resp)
            fprintf(em->man, "\"iin\":%u,", app->iin);
        fputs("\"objects\":[", em->man);
        for (int i = 0; i < app->nobj; i++) {
            const obj_rec_t *o = &app->obj[i];
            fprintf(em->man, "%s[%u,%u,%u,%u", i ? "," : "", o->g, o->v, o->q, o->count);
            if (o->attr_type >= 0)
                fprintf(em->man, ",%d", o->attr_type);
            fputc(']', em->man);
        }
        fputs("]}", em->man);
    }
    fprintf(em->man, ",\"iin_abnormal\":%s%s}\n", iin_abnormal ? "true" : "false",
            tp_wrap ? ",\"tp_wrap\":true" : "");
}

/* One frame (whole, as written) to the capture and the manifest. */
static void emit_frame(em_t *em, bool from_master, const uint8_t *frame, size_t n,
                       const frag_t *app, bool iin_abnormal, bool tp_wrap)
{
    em->ts_us += 1000;
    check("pcap packet", dnp3_pcap_writer_packet(em->pw, from_master, em->ts_us, frame, n));
    uint16_t dst = (uint16_t)(frame[4] | frame[5] << 8);
    uint16_t src = (uint16_t)(frame[6] | frame[7] << 8);
    manifest_frame(em, from_master, frame[3], dst, src, app, iin_abnormal, tp_wrap);
}

static void send_link(em_t *em, bool from_master, uint8_t control, uint16_t dst, uint16_t src,
                      const uint8_t *user, size_t len, const frag_t *app, bool iin_abnormal)
{
    uint8_t frame[DNP3_LINK_MAX_FRAME];
    int n = dnp3_link_frame_write(frame, sizeof frame, control, dst, src, user, len);
    check("link frame", n);
    emit_frame(em, from_master, frame, (size_t)n, app, iin_abnormal, false);
}

/* Everything the sender's channel has to send, one frame per packet; the
 * manifest puts the fragment on the last frame. */
static void flush_channel(em_t *em, bool from_master, const frag_t *f, bool iin_abnormal)
{
    dnp3_channel_t *ch = from_master ? em->master : em->out;
    uint8_t out[16 * DNP3_LINK_MAX_FRAME];
    size_t n = dnp3_channel_take_output(ch, 0, out, sizeof out);
    check("channel output", dnp3_channel_want_write(ch) ? DNP3_E_NOSPACE : 0);
    bool wrapped = false;
    for (size_t at = 0; at < n;) {
        size_t len = dnp3_link_frame_size((size_t)out[at + 2] - DNP3_LINK_MIN_LENGTH);
        bool last = at + len == n;
        uint8_t th = len > DNP3_LINK_HEADER_SIZE ? out[at + DNP3_LINK_HEADER_SIZE] : 0;
        /* Record whether this fragment's SEQ wrapped 63 -> 0 (legal, 8.2). */
        if (len > DNP3_LINK_HEADER_SIZE && (th & DNP3_TP_SEQ_MASK) == 0 && !(th & DNP3_TP_FIR))
            wrapped = true;
        if (len > DNP3_LINK_HEADER_SIZE && !from_master)
            em->tseq_out = (uint8_t)(((th & DNP3_TP_SEQ_MASK) + 1u) & DNP3_TP_SEQ_MASK);
        emit_frame(em, from_master, out + at, len, last ? f : NULL, last && iin_abnormal,
                   last && wrapped);
        at += len;
    }
    dnp3_channel_event_t ev;
    do /* TX_DONE, LINK_RESET_DONE */
        dnp3_channel_on_timer(ch, 0, &ev);
    while (ev.kind != DNP3_CHANNEL_EV_NONE);
}

/* Hands a fragment to the sender's channel (UNCONFIRMED_USER_DATA, or
 * CONFIRMED once that channel reset the peer's link) and sends its frames. */
static void send_frag_ex(em_t *em, frag_t *f, bool from_master, uint16_t dst, uint16_t src,
                         bool confirmed, bool iin_abnormal)
{
    int len = dnp3_app_writer_finish(&f->w);
    check("finish fragment", len);
    dnp3_channel_t *ch = from_master ? em->master : em->out;
    check("channel send", dnp3_channel_send(ch, 0, src, dst, f->buf, (size_t)len, confirmed));
    flush_channel(em, from_master, f, iin_abnormal);
}

/* A frame from the peer into the sender's channel (an ACK it waits for). */
static void feed_channel(dnp3_channel_t *ch, uint8_t control, uint16_t dst, uint16_t src)
{
    uint8_t frame[DNP3_LINK_HEADER_SIZE];
    check("link frame", dnp3_link_frame_write(frame, sizeof frame, control, dst, src, NULL, 0));
    dnp3_channel_event_t ev;
    dnp3_channel_on_bytes(ch, 0, frame, sizeof frame, &ev);
    while (ev.kind != DNP3_CHANNEL_EV_NONE)
        dnp3_channel_on_bytes(ch, 0, NULL, 0, &ev);
}

static void send_request(em_t *em, frag_t *f)
{
    send_frag_ex(em, f, true, OUTSTATION, MASTER, false, false);
}

static void send_response(em_t *em, frag_t *f)
{
    send_frag_ex(em, f, false, MASTER, OUTSTATION, false, false);
}

/* ---- what each object looks like on the wire -------------------------------- */

/* g0 attribute data types by variation (IEEE 1815-2012 table 11-?, FACTS 5.1). */
static int attr_type_of(uint8_t var)
{
    switch (var) {
    case 198:
    case 199:
        return DNP3_ATTR_TIME;
    case 200:
        return DNP3_ATTR_OSTR;
    case 203:
    case 204:
    case 205:
        return DNP3_ATTR_FLT;
    case 219:
    case 222:
    case 225:
    case 226:
    case 227:
    case 230:
    case 231:
    case 234:
    case 237:
        return DNP3_ATTR_INT;
    case 209:
    case 210:
    case 212:
    case 213:
    case 214:
    case 215:
    case 216:
    case 217:
    case 218:
    case 220:
    case 221:
    case 223:
    case 224:
    case 228:
    case 229:
    case 232:
    case 233:
    case 235:
    case 236:
    case 238:
    case 239:
    case 240:
    case 241:
        return DNP3_ATTR_UINT;
    case 255:
        return DNP3_ATTR_LIST;
    case 251:
    case 253:
        return -1; /* unassigned: nobody sends them */
    default:
        return DNP3_ATTR_VSTR;
    }
}

static void emit_attribute(em_t *em, const dnp3_obj_info_t *info)
{
    int type = attr_type_of(info->variation);
    if (type < 0)
        return;
    static const uint8_t vstr[] = "dnp3c test";
    static const uint8_t u16v[] = {0x00, 0x08};             /* 2048 */
    static const uint8_t i8v[] = {0x01};                    /* true */
    static const uint8_t f32v[] = {0x00, 0x00, 0x20, 0x41}; /* 10.0 */
    static const uint8_t timev[] = {0xF8, 0xB8, 0x6C, 0xAA, 0xF0, 0x00};
    static const uint8_t ostr[] = {0xDE, 0xAD, 0xBE, 0xEF};
    static const uint8_t list[] = {196, 0, 250, 0, 252, 0, 255, 0};
    dnp3_point_t pt;
    memset(&pt, 0, sizeof(pt));
    pt.type = DNP3_VT_ATTRIBUTE;
    pt.group = 0;
    pt.variation = info->variation;
    pt.v.bytes.attr_type = (uint8_t)type;
    switch (type) {
    case DNP3_ATTR_TIME:
        pt.v.bytes.data = timev;
        pt.v.bytes.len = sizeof timev;
        break;
    case DNP3_ATTR_OSTR:
        pt.v.bytes.data = ostr;
        pt.v.bytes.len = sizeof ostr;
        break;
    case DNP3_ATTR_FLT:
        pt.v.bytes.data = f32v;
        pt.v.bytes.len = sizeof f32v;
        break;
    case DNP3_ATTR_INT:
        pt.v.bytes.data = i8v;
        pt.v.bytes.len = sizeof i8v;
        break;
    case DNP3_ATTR_UINT:
        pt.v.bytes.data = u16v;
        pt.v.bytes.len = sizeof u16v;
        break;
    case DNP3_ATTR_LIST:
        pt.v.bytes.data = list;
        pt.v.bytes.len = sizeof list;
        break;
    default:
        pt.v.bytes.data = vstr;
        pt.v.bytes.len = sizeof vstr - 1;
        break;
    }
    frag_t f;
    frag_response(&f, em, DNP3_FC_RESPONSE, 0);
    frag_header(&f, 0, info->variation, 0x00, 0, 0);
    f.obj[f.nobj - 1].attr_type = type;
    check("attribute", dnp3_app_write_point(&f.w, &pt));
    send_response(em, &f);
}

/* File objects (g70) and the other free-format objects. Bodies follow the
 * standard's layouts (A.36 for g70) so a dissector can walk them. */
static void emit_free_format(em_t *em, const dnp3_obj_info_t *info)
{
    uint8_t body[128];
    size_t len = 0;
    uint8_t g = info->group, v = info->variation;
    frag_t f;
    static const char name[] = "/data/log.txt";
    memset(body, 0, sizeof body);
    if (g == 70 && v == 3) { /* file command: OPEN_FILE */
        dnp3i_put_le16(body, 26);
        dnp3i_put_le16(body + 2, (uint16_t)(sizeof name - 1));
        /* created time48 = 0, permissions 0x01A4, auth key 0, size 0 */
        dnp3i_put_le16(body + 10, 0x01A4);
        dnp3i_put_le16(body + 20, 1);    /* mode: read */
        dnp3i_put_le16(body + 22, 1024); /* max block */
        dnp3i_put_le16(body + 24, 7);    /* request id */
        memcpy(body + 26, name, sizeof name - 1);
        len = 26 + sizeof name - 1;
        frag_request(&f, em, DNP3_FC_OPEN_FILE);
        frag_free(&f, g, v, body, len);
        send_request(em, &f);
        return;
    }
    if (g == 70 && v == 2) { /* authentication: AUTHENTICATE_FILE */
        /* FACTS 5.8: name offset, name length, password offset, password
         * length, auth key u32, then the strings. */
        dnp3i_put_le16(body, 12);
        dnp3i_put_le16(body + 2, 4);
        dnp3i_put_le16(body + 4, 16);
        dnp3i_put_le16(body + 6, 4);
        dnp3i_put_le32(body + 8, 0);
        memcpy(body + 12, "userpass", 8);
        len = 20;
        frag_request(&f, em, DNP3_FC_AUTHENTICATE_FILE);
        frag_free(&f, g, v, body, len);
        send_request(em, &f);
        return;
    }
    if (g == 70 && v == 8) { /* file specification string: GET_FILE_INFO */
        memcpy(body, name, sizeof name - 1);
        len = sizeof name - 1;
        frag_request(&f, em, DNP3_FC_GET_FILE_INFO);
        frag_free(&f, g, v, body, len);
        send_request(em, &f);
        return;
    }
    if (g == 120) {
        /* SA objects: masters send v2-v4, v6, v8-v11, v13-v15 in AUTH_REQUEST;
         * outstations v1, v5, v7, v12 in AUTH_RESPONSE (IEEE 1815-2012 7.5). */
        bool from_out = v == 1 || v == 5 || v == 7 || v == 12;
        for (size_t i = 0; i < 24; i++)
            body[i] = (uint8_t)(i + 1);
        dnp3i_put_le32(body, 1);     /* CSQ/KSQ */
        dnp3i_put_le16(body + 4, 1); /* user */
        body[6] = 4;                 /* MAC algorithm: HMAC-SHA256 trunc 16 */
        body[7] = 1;                 /* reason: critical */
        len = 24;
        /* Length fields must add up to the 24-byte body (FACTS 10). */
        if (v == 5)
            dnp3i_put_le16(body + 9, 4); /* challenge 4, MAC the remaining 9 */
        else if (v == 10) {
            dnp3i_put_le16(body + 10, 3); /* user name, public key, certification data */
            dnp3i_put_le16(body + 12, 3);
            dnp3i_put_le16(body + 14, 2);
        } else if (v == 11) {
            dnp3i_put_le16(body + 1, 4); /* user name, challenge */
            dnp3i_put_le16(body + 3, 15);
        } else if (v == 12 || v == 13)
            dnp3i_put_le16(body + 6, 16); /* challenge / encrypted key */
        if (from_out)
            frag_response(&f, em, DNP3_FC_AUTH_RESPONSE, 0);
        else
            frag_request(&f, em, DNP3_FC_AUTH_REQUEST);
        if (info->size_kind == DNP3_SK_FIXED) {
            frag_header(&f, g, v, 0x07, 1, 0);
            frag_points(&f, info, v, 0, 1, 1);
        } else {
            frag_free(&f, g, v, body, len);
        }
        if (from_out)
            send_response(em, &f);
        else
            send_request(em, &f);
        return;
    }
    /* Responses: g70v1, v4-v7, g91v1. */
    if (g == 70 && v == 4) { /* file command status */
        dnp3i_put_le32(body, 0x1234);
        dnp3i_put_le32(body + 4, 100);
        dnp3i_put_le16(body + 8, 1024);
        dnp3i_put_le16(body + 10, 7);
        body[12] = 0; /* success */
        len = 13;
    } else if (g == 70 && v == 5) { /* file transport: last block */
        dnp3i_put_le32(body, 0x1234);
        dnp3i_put_le32(body + 4, 0x80000000u);
        memcpy(body + 8, "hello", 5);
        len = 13;
    } else if (g == 70 && v == 6) { /* file transport status */
        dnp3i_put_le32(body, 0x1234);
        dnp3i_put_le32(body + 4, 0x80000000u);
        body[8] = 0;
        len = 9;
    } else if (g == 70 && v == 7) { /* file descriptor */
        dnp3i_put_le16(body, 20);
        dnp3i_put_le16(body + 2, (uint16_t)(sizeof name - 1));
        dnp3i_put_le16(body + 4, 0); /* type: simple file */
        dnp3i_put_le32(body + 6, 100);
        dnp3i_put_le16(body + 16, 0x01A4);
        dnp3i_put_le16(body + 18, 7);
        memcpy(body + 20, name, sizeof name - 1);
        len = 20 + sizeof name - 1;
    } else if (g == 91) { /* activation config status: request id u8?, time, count, status */
        body[0] = 1;
        len = 8;
    } else { /* g70v1 file identifier (obsolete): opaque bytes */
        memcpy(body, "fileid", 6);
        len = 6;
    }
    frag_response(&f, em, DNP3_FC_RESPONSE, 0);
    frag_free(&f, g, v, body, len);
    send_response(em, &f);
}

static bool is_event_group(uint8_t g)
{
    switch (g) {
    case 2:
    case 4:
    case 11:
    case 13:
    case 22:
    case 23:
    case 32:
    case 33:
    case 42:
    case 43:
    case 122:
        return true;
    default:
        return false;
    }
}

static void emit_object(em_t *em, const dnp3_obj_info_t *info)
{
    uint8_t g = info->group, v = info->variation;
    frag_t f;
    if (g >= 110 && g <= 113)
        v = 4; /* one representative length */
    if (info->size_kind == DNP3_SK_NONE) {
        /* Request-only objects: a READ of all points / all events. */
        frag_request(&f, em, DNP3_FC_READ);
        frag_header(&f, g, v, 0x06, 0, 0);
        send_request(em, &f);
        return;
    }
    if (info->size_kind == DNP3_SK_ATTRIBUTE) {
        emit_attribute(em, info);
        return;
    }
    if (info->size_kind == DNP3_SK_FREE_FORMAT || g == 120) {
        emit_free_format(em, info);
        return;
    }
    switch (g) {
    case 12:
        frag_request(&f, em, DNP3_FC_DIRECT_OPERATE);
        if (v == 3) { /* pattern mask follows a pattern control block */
            const dnp3_obj_info_t *pcb = dnp3_obj_lookup(12, 2);
            frag_header(&f, 12, 2, 0x07, 1, 0);
            frag_points(&f, pcb, 2, 0, 1, 1);
            frag_header(&f, 12, 3, 0x00, 0, 7);
            frag_points(&f, info, v, 0, 1, 8);
        } else {
            frag_header(&f, g, v, 0x28, 2, 0);
            frag_points(&f, info, v, 3, 4, 2);
        }
        send_request(em, &f);
        return;
    case 41:
        frag_request(&f, em, DNP3_FC_DIRECT_OPERATE);
        frag_header(&f, g, v, 0x28, 2, 0);
        frag_points(&f, info, v, 3, 4, 2);
        send_request(em, &f);
        return;
    case 34:
        frag_request(&f, em, DNP3_FC_WRITE);
        frag_header(&f, g, v, 0x01, 0, 1);
        frag_points(&f, info, v, 0, 1, 2);
        send_request(em, &f);
        return;
    case 80:
        frag_request(&f, em, DNP3_FC_WRITE);
        frag_header(&f, g, v, 0x00, 7, 7);
        frag_points(&f, info, v, 7, 1, 1);
        send_request(em, &f);
        return;
    case 112: /* virtual terminal output: master writes */
        frag_request(&f, em, DNP3_FC_WRITE);
        frag_header(&f, g, v, 0x17, 1, 0);
        frag_points(&f, info, v, 0, 1, 1);
        send_request(em, &f);
        return;
    case 50:
        if (v == 1 || v == 3) {
            frag_request(&f, em, DNP3_FC_WRITE);
            frag_header(&f, g, v, 0x07, 1, 0);
            frag_points(&f, info, v, 0, 1, 1);
            send_request(em, &f);
        } else if (v == 2) {
            frag_request(&f, em, DNP3_FC_FREEZE_AT_TIME);
            frag_header(&f, g, v, 0x07, 1, 0);
            frag_points(&f, info, v, 0, 1, 1);
            frag_header(&f, 20, 0, 0x06, 0, 0);
            send_request(em, &f);
        } else {
            frag_response(&f, em, DNP3_FC_RESPONSE, 0);
            frag_header(&f, g, v, 0x01, 0, 1);
            frag_points(&f, info, v, 0, 1, 2);
            send_response(em, &f);
        }
        return;
    case 51:
    case 52:
        frag_response(&f, em, DNP3_FC_RESPONSE, 0);
        frag_header(&f, g, v, 0x07, 1, 0);
        frag_points(&f, info, v, 0, 1, 1);
        send_response(em, &f);
        return;
    default:
        break;
    }
    frag_response(&f, em, DNP3_FC_RESPONSE, 0);
    if (info->post == DNP3_POST_REL16) {
        const dnp3_obj_info_t *cto = dnp3_obj_lookup(51, 1);
        frag_header(&f, 51, 1, 0x07, 1, 0);
        frag_points(&f, cto, 1, 0, 1, 1);
    }
    if (is_event_group(g)) {
        frag_header(&f, g, v, 0x28, 2, 0);
        frag_points(&f, info, v, 3, 4, 2);
    } else if (info->size_kind == DNP3_SK_PACKED1 || info->size_kind == DNP3_SK_PACKED2) {
        frag_header(&f, g, v, 0x00, 0, 9);
        frag_points(&f, info, v, 0, 1, 10);
    } else {
        frag_header(&f, g, v, 0x01, 0, 1);
        frag_points(&f, info, v, 0, 1, 2);
    }
    send_response(em, &f);
}

/* ---- the rest: link functions, big fragment, broadcast, IIN ---------------- */

static void emit_link_functions(em_t *em)
{
    /* Primary functions from the master, secondary answers from the
     * outstation. The master's channel resets the link and sends the
     * confirmed data (FCB=1); the outstation's ACKs are fed back to it. */
    uint8_t ack = dnp3_link_control(false, false, false, false, DNP3_LINK_ACK);
    check("reset link", dnp3_channel_reset_link(em->master, 0, OUTSTATION));
    flush_channel(em, true, NULL, false);
    send_link(em, false, ack, MASTER, OUTSTATION, NULL, 0, NULL, false);
    feed_channel(em->master, ack, MASTER, OUTSTATION);
    send_link(em, true, dnp3_link_control(true, true, true, true, DNP3_LINK_TEST_LINK_STATES),
              OUTSTATION, MASTER, NULL, 0, NULL, false);
    send_link(em, false, dnp3_link_control(false, false, false, false, DNP3_LINK_NACK), MASTER,
              OUTSTATION, NULL, 0, NULL, false);
    frag_t f;
    frag_request(&f, em, DNP3_FC_READ);
    frag_header(&f, 60, 1, 0x06, 0, 0);
    send_frag_ex(em, &f, true, OUTSTATION, MASTER, true, false);
    send_link(em, false, ack, MASTER, OUTSTATION, NULL, 0, NULL, false);
    feed_channel(em->master, ack, MASTER, OUTSTATION);
    send_link(em, true, dnp3_link_control(true, true, false, false, DNP3_LINK_REQUEST_LINK_STATUS),
              OUTSTATION, MASTER, NULL, 0, NULL, false);
    send_link(em, false, dnp3_link_control(false, false, false, false, DNP3_LINK_LINK_STATUS),
              MASTER, OUTSTATION, NULL, 0, NULL, false);
    send_link(em, true, dnp3_link_control(true, true, false, false, DNP3_LINK_REQUEST_LINK_STATUS),
              OUTSTATION, MASTER, NULL, 0, NULL, false);
    send_link(em, false, dnp3_link_control(false, false, false, true, DNP3_LINK_NOT_SUPPORTED),
              MASTER, OUTSTATION, NULL, 0, NULL, false);
    /* The outstation may poll the master's link too. */
    send_link(em, false,
              dnp3_link_control(false, true, false, false, DNP3_LINK_REQUEST_LINK_STATUS), MASTER,
              OUTSTATION, NULL, 0, NULL, false);
    send_link(em, true, dnp3_link_control(true, false, false, false, DNP3_LINK_LINK_STATUS),
              OUTSTATION, MASTER, NULL, 0, NULL, false);
}

static void emit_big_response(em_t *em)
{
    /* 4 + (7 + 400 * 5) + (7 + 30) = 2048 bytes: 9 segments of <= 249. */
    frag_t f;
    frag_response(&f, em, DNP3_FC_RESPONSE, 0);
    frag_header(&f, 30, 1, 0x01, 0, 399);
    frag_points(&f, dnp3_obj_lookup(30, 1), 1, 0, 1, 400);
    frag_header(&f, 1, 2, 0x01, 0, 29);
    frag_points(&f, dnp3_obj_lookup(1, 2), 2, 0, 1, 30);
    if (dnp3_app_writer_len(&f.w) != 2048) {
        fprintf(stderr, "emit_frames: big response is %zu bytes, not 2048\n",
                dnp3_app_writer_len(&f.w));
        exit(1);
    }
    send_response(em, &f);
}

static void emit_misc(em_t *em)
{
    frag_t f;
    /* Broadcasts (IEEE 1815-2012 table 9-2): each of the three addresses. */
    frag_request(&f, em, DNP3_FC_WRITE);
    frag_header(&f, 80, 1, 0x00, 7, 7);
    frag_points(&f, dnp3_obj_lookup(80, 1), 1, 7, 1, 1);
    send_frag_ex(em, &f, true, DNP3_ADDR_BROADCAST_OPTIONAL, MASTER, false, false);
    frag_request(&f, em, DNP3_FC_DIRECT_OPERATE_NR);
    frag_header(&f, 12, 1, 0x17, 1, 0);
    frag_points(&f, dnp3_obj_lookup(12, 1), 1, 5, 1, 1);
    send_frag_ex(em, &f, true, DNP3_ADDR_BROADCAST_NO_CONFIRM, MASTER, false, false);
    frag_request(&f, em, DNP3_FC_DISABLE_UNSOLICITED);
    frag_header(&f, 60, 2, 0x06, 0, 0);
    frag_header(&f, 60, 3, 0x06, 0, 0);
    frag_header(&f, 60, 4, 0x06, 0, 0);
    send_frag_ex(em, &f, true, DNP3_ADDR_BROADCAST_CONFIRM, MASTER, false, false);
    /* Response after a broadcast: IIN1.0. */
    frag_response(&f, em, DNP3_FC_RESPONSE, DNP3_IIN_BROADCAST);
    send_response(em, &f);

    /* Unsolicited response with an event, and the master's confirm. */
    frag_response(&f, em, DNP3_FC_UNSOLICITED_RESPONSE, DNP3_IIN_CLASS_1_EVENTS);
    frag_header(&f, 2, 1, 0x28, 1, 0);
    frag_points(&f, dnp3_obj_lookup(2, 1), 1, 4, 1, 1);
    send_response(em, &f);
    memset(&f, 0, sizeof(f));
    dnp3_app_writer_init(&f.w, f.buf, sizeof f.buf);
    f.func = DNP3_FC_CONFIRM;
    check("confirm", dnp3_app_write_request(&f.w,
                                            DNP3_AC_FIR | DNP3_AC_FIN | DNP3_AC_UNS |
                                                ((em->aseq_out - 1) & DNP3_AC_SEQ_MASK),
                                            DNP3_FC_CONFIRM));
    send_request(em, &f);

    /* Requests without objects. */
    static const uint8_t bare[] = {DNP3_FC_COLD_RESTART,    DNP3_FC_WARM_RESTART,
                                   DNP3_FC_DELAY_MEASURE,   DNP3_FC_RECORD_CURRENT_TIME,
                                   DNP3_FC_INITIALIZE_DATA, DNP3_FC_SAVE_CONFIG};
    for (size_t i = 0; i < sizeof bare; i++) {
        frag_request(&f, em, bare[i]);
        send_request(em, &f);
    }
    /* Class polls and freezes. */
    frag_request(&f, em, DNP3_FC_READ);
    frag_header(&f, 60, 2, 0x06, 0, 0);
    frag_header(&f, 60, 3, 0x06, 0, 0);
    frag_header(&f, 60, 4, 0x06, 0, 0);
    frag_header(&f, 60, 1, 0x06, 0, 0);
    send_request(em, &f);
    frag_request(&f, em, DNP3_FC_IMMED_FREEZE);
    frag_header(&f, 20, 0, 0x06, 0, 0);
    send_request(em, &f);
    frag_request(&f, em, DNP3_FC_ENABLE_UNSOLICITED);
    frag_header(&f, 60, 2, 0x06, 0, 0);
    send_request(em, &f);
    /* Limited-count and ranged reads. */
    frag_request(&f, em, DNP3_FC_READ);
    frag_header(&f, 2, 0, 0x07, 5, 0);
    frag_header(&f, 30, 1, 0x01, 0, 99);
    send_request(em, &f);

    /* Deliberately abnormal IIN (tshark's dnp3.iin_abnormal is expected on exactly these). */
    frag_response(&f, em, DNP3_FC_RESPONSE, DNP3_IIN_OBJECT_UNKNOWN);
    send_frag_ex(em, &f, false, MASTER, OUTSTATION, false, true);
    frag_response(&f, em, DNP3_FC_RESPONSE, DNP3_IIN_DEVICE_TROUBLE | DNP3_IIN_NEED_TIME);
    send_frag_ex(em, &f, false, MASTER, OUTSTATION, false, true);
    frag_response(&f, em, DNP3_FC_RESPONSE,
                  DNP3_IIN_NO_FUNC_CODE_SUPPORT | DNP3_IIN_PARAMETER_ERROR |
                      DNP3_IIN_DEVICE_RESTART);
    send_frag_ex(em, &f, false, MASTER, OUTSTATION, false, true);
}

int main(int argc, char **argv)
{
    if (argc < 3) {
        fprintf(stderr, "usage: emit_frames OUT.pcap OUT.jsonl [PORT]\n");
        return 2;
    }
    unsigned port = argc > 3 ? (unsigned)strtoul(argv[3], NULL, 10) : 20000u;
    char err[256];
    em_t em;
    memset(&em, 0, sizeof(em));
    em.ts_us = T0_MS * 1000u;
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.local[0] = MASTER;
    em.master = dnp3_channel_new(&cfg, NULL);
    cfg.role = DNP3_CHANNEL_ROLE_OUTSTATION;
    cfg.local[0] = OUTSTATION;
    em.out = dnp3_channel_new(&cfg, NULL);
    if (!em.master || !em.out)
        die("channel", DNP3_E_NOMEM);
    em.pw = dnp3_pcap_writer_open(argv[1], err, sizeof err);
    if (!em.pw) {
        fprintf(stderr, "emit_frames: %s\n", err);
        return 1;
    }
    check("endpoints", dnp3_pcap_writer_set_endpoints(
                           em.pw, DNP3_PCAP_DEFAULT_CLIENT_IP, DNP3_PCAP_DEFAULT_CLIENT_PORT,
                           DNP3_PCAP_DEFAULT_SERVER_IP, (uint16_t)port, false));
    em.man = fopen(argv[2], "w");
    if (!em.man) {
        perror(argv[2]);
        return 1;
    }
    emit_link_functions(&em);
    emit_big_response(&em); /* transport SEQ 0..8 */
    const dnp3_obj_info_t *table;
    size_t n = dnp3_obj_table(&table);
    for (size_t i = 0; i < n; i++)
        emit_object(&em, &table[i]);
    emit_misc(&em);
    /* Again, now with the outstation's transport SEQ running across 63 -> 0. */
    while (em.tseq_out < 60) {
        frag_t f;
        frag_response(&f, &em, DNP3_FC_RESPONSE, 0);
        send_response(&em, &f);
    }
    emit_big_response(&em);
    check("pcap close", dnp3_pcap_writer_close(em.pw));
    dnp3_channel_free(em.master);
    dnp3_channel_free(em.out);
    if (fclose(em.man) != 0) {
        perror(argv[2]);
        return 1;
    }
    fprintf(stderr, "emit_frames: %u link frames, %zu table lines\n", em.n, n);
    return 0;
}
