/* render_text: the readable tree of `dnp3 decode`, one block per link frame,
 * laid out the way Wireshark's packet details show DNP3:
 *
 *   Frame 3  10.0.0.2:20000>10.0.0.1:49152
 *     Link: len=26 DIR=0 PRM=1 FCV=0 FCB=0 func=4 UNCONFIRMED_USER_DATA dst=1 src=10
 *     Transport: FIR FIN seq=22
 *     Application: FIR FIN seq=0 func=129 RESPONSE  IIN=0x8000 [DEVICE_RESTART]
 *       g30v3 Analog Input - 32-bit without flag  qualifier=0x00 start=1 stop=7 (7 points)
 *         [1] value=123
 */
#include "render.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnp3/app.h"
#include "dnp3/freeformat.h"
#include "dnp3/objects.h"

void render_format_time(char *buf, size_t len, dnp3_time_t ms)
{
    time_t secs = (time_t)(ms / 1000u);
    struct tm tm;
    if (!gmtime_r(&secs, &tm)) {
        snprintf(buf, len, "%" PRIu64 "ms", (uint64_t)ms);
        return;
    }
    snprintf(buf, len, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000u));
}

const char *render_link_func_name(const dnp3_link_header_t *h)
{
    const char *n = dnp3_link_func_name(dnp3_link_hdr_prm(h), dnp3_link_hdr_func(h));
    return n ? n : "UNKNOWN";
}

bool render_record_error(const ds_record_t *rec, int app_code, size_t app_offset, char *buf,
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
    if (rec->tp_error) {
        used += (size_t)snprintf(buf, len, "%s", dnp3_strerror(rec->tp_error));
        if (rec->tp_dropped && used < len)
            used += (size_t)snprintf(buf + used, len - used, " (%zu byte%s dropped)",
                                     rec->tp_dropped, rec->tp_dropped == 1 ? "" : "s");
    }
    if (app_code && used < len) {
        snprintf(buf + used, len - used, "%s%s at offset %zu", used ? "; " : "",
                 dnp3_strerror(app_code), app_offset);
    }
    return buf[0] != '\0';
}

static void text_bytes(FILE *out, const uint8_t *p, size_t n)
{
    size_t shown = n > 64 ? 64 : n;
    for (size_t i = 0; i < shown; i++)
        fprintf(out, "%s%02X", i ? " " : "", p[i]);
    if (shown < n)
        fprintf(out, " ... (%zu bytes)", n);
}

static void text_printable(FILE *out, const uint8_t *p, size_t n)
{
    fputc('"', out);
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7F && p[i] != '"' && p[i] != '\\')
            fputc(p[i], out);
        else
            fprintf(out, "\\x%02X", p[i]);
    }
    fputc('"', out);
}

void render_format_float(char *buf, size_t len, double v, bool single)
{
    if (isnan(v)) {
        snprintf(buf, len, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, len, "%s", v > 0 ? "Infinity" : "-Infinity");
        return;
    }
    /* 9 (binary32) and 17 (binary64) significant digits always round-trip;
     * try fewer first. */
    int max = single ? 9 : 17;
    for (int prec = single ? 6 : 15; prec <= max; prec++) {
        snprintf(buf, len, "%.*g", prec, v);
        double back = strtod(buf, NULL);
        if (single ? (float)back == (float)v : back == v)
            return;
    }
}

bool render_point_is_f32(const dnp3_point_t *pt)
{
    const dnp3_obj_info_t *info = dnp3_obj_lookup(pt->group, pt->variation);
    return info && info->val == DNP3_VAL_F32;
}

static void text_float(FILE *out, double v, bool single)
{
    char buf[64];
    render_format_float(buf, sizeof buf, v, single);
    fputs(buf, out);
}

static void text_attribute(FILE *out, const dnp3_point_t *pt)
{
    dnp3_attr_value_t av;
    const char *tn = dnp3_attr_type_name(pt->v.bytes.attr_type);
    fprintf(out, " attribute=%u type=%s", pt->variation, tn ? tn : "?");
    if (dnp3_attr_read(pt, &av) < 0) {
        fputs(" value=", out);
        text_bytes(out, pt->v.bytes.data, pt->v.bytes.len);
        return;
    }
    char tb[40];
    switch (av.type) {
    case DNP3_ATTR_UINT:
        fprintf(out, " value=%" PRIu32, av.n.u);
        break;
    case DNP3_ATTR_INT:
        fprintf(out, " value=%" PRId32, av.n.i);
        break;
    case DNP3_ATTR_FLT:
        fputs(" value=", out);
        text_float(out, av.n.f, pt->v.bytes.len == 4);
        break;
    case DNP3_ATTR_TIME:
        render_format_time(tb, sizeof tb, av.n.t);
        fprintf(out, " value=%s", tb);
        break;
    case DNP3_ATTR_VSTR:
    case DNP3_ATTR_UNCD:
        fputs(" value=", out);
        text_printable(out, av.data, av.len);
        break;
    default:
        fputs(" value=", out);
        text_bytes(out, av.data, av.len);
        break;
    }
}

/* " [ONLINE STATE]": the set bits by their meaning for this point type. */
static void text_flags(FILE *out, uint8_t group, uint8_t flags)
{
    const char *sep = " [";
    for (unsigned bit = 0; bit < 8; bit++) {
        if (!(flags & (1u << bit)))
            continue;
        const char *name = dnp3_flag_name(group, bit);
        if (name)
            fprintf(out, "%s%s", sep, name);
        else
            fprintf(out, "%sRESERVED_%u", sep, bit);
        sep = " ";
    }
    if (flags)
        fputc(']', out);
}

/* " [TRIP PULSE_ON CLEAR]" */
static void text_crob_code(FILE *out, uint8_t code)
{
    const char *tcc = dnp3_crob_tcc_name(code);
    const char *op = dnp3_crob_op_name(code);
    fputs(" [", out);
    if (!tcc)
        fputs("TCC_RESERVED ", out);
    else if (code & DNP3_CROB_TCC_MASK)
        fprintf(out, "%s ", tcc);
    if (op)
        fputs(op, out);
    else
        fprintf(out, "OP_%u", (unsigned)(code & DNP3_CROB_OP_MASK));
    if (code & DNP3_CROB_QUEUE)
        fputs(" QUEUE", out);
    if (code & DNP3_CROB_CLEAR)
        fputs(" CLEAR", out);
    fputc(']', out);
}

/* Compact hex of a binary field, cut at 64 bytes. */
static void text_hex(FILE *out, const uint8_t *p, size_t n)
{
    size_t shown = n > 64 ? 64 : n;
    for (size_t i = 0; i < shown; i++)
        fprintf(out, "%02x", p[i]);
    if (shown < n)
        fprintf(out, "... (%zu bytes)", n);
    else if (n == 0)
        fputs("\"\"", out);
}

/* A g70/g120 object by its typed fields (dnp3_ff_fields), e.g.
 * " g70v3 file command: name=\"/data/log.txt\" mode=READ(1) ...". Objects
 * without a typed layout show their bytes as before; a body that
 * contradicts its layout shows the bytes and returns DNP3_E_APP_FREE_FORMAT
 * with *bad = the offending offset in the body. */
static int text_free_format(FILE *out, const dnp3_point_t *pt, size_t *bad)
{
    dnp3_ff_t ff;
    memset(&ff, 0, sizeof ff);
    int rc = dnp3_ff_read(pt, &ff);
    if (rc < 0) {
        if (pt->v.bytes.data || pt->v.bytes.len) {
            fputs(" bytes=", out);
            text_bytes(out, pt->v.bytes.data, pt->v.bytes.len);
        }
        *bad = ff.err_offset;
        return rc == DNP3_E_APP_FREE_FORMAT ? rc : 0;
    }
    const char *kind = dnp3_ff_kind_name(ff.group, ff.variation);
    if (kind && strncmp(kind, "sa_", 3) == 0)
        kind += 3;
    fprintf(out, " g%uv%u ", ff.group, ff.variation);
    for (const char *c = kind ? kind : "?"; *c; c++)
        fputc(*c == '_' ? ' ' : *c, out);
    fputc(':', out);
    dnp3_ff_field_t f[DNP3_FF_MAX_FIELDS];
    size_t n = dnp3_ff_fields(&ff, f, DNP3_FF_MAX_FIELDS);
    if (n > DNP3_FF_MAX_FIELDS)
        n = DNP3_FF_MAX_FIELDS;
    char tb[40];
    for (size_t i = 0; i < n; i++) {
        if (f[i].detail)
            continue;
        fprintf(out, " %s=", f[i].key);
        switch (f[i].kind) {
        case DNP3_FF_F_UINT:
            if (f[i].name)
                fprintf(out, "%s(%" PRIu64 ")", f[i].name, f[i].u);
            else
                fprintf(out, "%" PRIu64, f[i].u);
            break;
        case DNP3_FF_F_BOOL:
            fputs(f[i].u ? "true" : "false", out);
            break;
        case DNP3_FF_F_PERMS:
            fprintf(out, "0o%03" PRIo64, f[i].u);
            break;
        case DNP3_FF_F_TIME:
            render_format_time(tb, sizeof tb, f[i].u);
            fputs(tb, out);
            break;
        case DNP3_FF_F_STRING:
            text_printable(out, f[i].b.data, f[i].b.len);
            break;
        default:
            text_hex(out, f[i].b.data, f[i].b.len);
            break;
        }
    }
    return 0;
}

static void text_point(FILE *out, const dnp3_point_t *pt, const uint8_t *frag, int *code,
                       size_t *offset)
{
    fprintf(out, "      [%" PRIu32 "]", pt->index);
    switch (pt->type) {
    case DNP3_VT_BINARY:
    case DNP3_VT_IIN_BIT:
    case DNP3_VT_BO_CMD_EVENT:
        fprintf(out, " value=%d", pt->v.binary ? 1 : 0);
        break;
    case DNP3_VT_DOUBLE_BIT:
        fprintf(out, " value=%u", pt->v.double_bit);
        break;
    case DNP3_VT_COUNTER:
    case DNP3_VT_DEADBAND_INT:
    case DNP3_VT_UINT8:
        fprintf(out, " value=%" PRIu32, pt->v.counter);
        break;
    case DNP3_VT_ANALOG_INT:
    case DNP3_VT_AO_INT:
    case DNP3_VT_AO_CMD_EVENT_INT:
        fprintf(out, " value=%" PRId32, pt->v.analog_i);
        break;
    case DNP3_VT_ANALOG_FLOAT:
    case DNP3_VT_DEADBAND_FLOAT:
    case DNP3_VT_AO_FLOAT:
    case DNP3_VT_AO_CMD_EVENT_FLOAT:
        fputs(" value=", out);
        text_float(out, pt->v.analog_f, render_point_is_f32(pt));
        break;
    case DNP3_VT_CROB:
        fprintf(out, " code=0x%02X", pt->v.crob.code);
        text_crob_code(out, pt->v.crob.code);
        fprintf(out, " count=%u on=%" PRIu32 "ms off=%" PRIu32 "ms", pt->v.crob.count,
                pt->v.crob.on_ms, pt->v.crob.off_ms);
        break;
    case DNP3_VT_TIME_INTERVAL:
        fprintf(out, " interval=%" PRIu32, pt->v.interval.interval);
        if (pt->variation == 4)
            fprintf(out, " units=%u", pt->v.interval.units);
        break;
    case DNP3_VT_DELAY:
        fprintf(out, " delay=%" PRIu32 "ms", pt->v.delay.ms);
        break;
    case DNP3_VT_SEC_STAT:
        fprintf(out, " assoc=%u value=%" PRIu32, pt->v.sec_stat.assoc, pt->v.sec_stat.count);
        break;
    case DNP3_VT_ATTRIBUTE:
        text_attribute(out, pt);
        break;
    case DNP3_VT_FREE_FORMAT: {
        size_t bad = 0;
        int rc = text_free_format(out, pt, &bad);
        if (rc < 0 && !*code) {
            *code = rc;
            *offset = (pt->v.bytes.data ? (size_t)(pt->v.bytes.data - frag) : 0) + bad;
        }
        break;
    }
    case DNP3_VT_OCTETS:
    case DNP3_VT_BCD:
    case DNP3_VT_NONE:
        if (pt->v.bytes.data || pt->v.bytes.len) {
            fputs(" bytes=", out);
            text_bytes(out, pt->v.bytes.data, pt->v.bytes.len);
        }
        break;
    default:
        break;
    }
    if (pt->has_flags) {
        fprintf(out, " flags=0x%02X", pt->flags);
        text_flags(out, pt->group, pt->flags);
    }
    if (pt->has_status) {
        const char *sn = dnp3_command_status_name(pt->status);
        fprintf(out, " status=%u%s%s", pt->status, sn ? " " : "", sn ? sn : "");
    }
    if (pt->has_time) {
        char tb[40];
        render_format_time(tb, sizeof tb, pt->time);
        fprintf(out, " time=%s", tb);
    }
    if (pt->has_rel)
        fprintf(out, " (+%u ms%s)", pt->rel_ms, pt->has_time ? " after CTO" : ", no CTO");
    fputc('\n', out);
}

static void text_object_header(FILE *out, const dnp3_obj_header_t *oh)
{
    fprintf(out, "    g%uv%u %s  qualifier=0x%02X", oh->group, oh->variation,
            oh->info ? oh->info->name : "(unknown object)", oh->qualifier);
    if (oh->partial) {
        fputs(" (incomplete)\n", out);
        return;
    }
    if (oh->range_code == DNP3_RANGE_ALL)
        fputs(" all", out);
    else if (oh->has_range)
        fprintf(out, " start=%" PRIu32 " stop=%" PRIu32, oh->start, oh->stop);
    else
        fprintf(out, " count=%" PRIu32, oh->count);
    if (oh->range_code != DNP3_RANGE_ALL)
        fprintf(out, " (%" PRIu32 " point%s)", oh->count, oh->count == 1 ? "" : "s");
    fputc('\n', out);
}

/* Walks a fragment; returns true if its header parsed. code and offset get the
 * first error (0 when none). */
static bool text_app(FILE *out, const uint8_t *apdu, size_t len, int *code, size_t *offset)
{
    dnp3_app_header_t h;
    int n = dnp3_app_header_read(apdu, len, &h);
    if (n < 0) {
        *code = n;
        *offset = 0;
        return false;
    }
    const char *fname = dnp3_fc_name(h.func);
    fprintf(out, "  Application:%s%s%s%s seq=%u func=%u %s",
            (h.control & DNP3_AC_FIR) ? " FIR" : "", (h.control & DNP3_AC_FIN) ? " FIN" : "",
            (h.control & DNP3_AC_CON) ? " CON" : "", (h.control & DNP3_AC_UNS) ? " UNS" : "",
            (unsigned)(h.control & DNP3_AC_SEQ_MASK), h.func, fname ? fname : "UNKNOWN");
    if (h.has_iin) {
        fprintf(out, "  IIN=0x%04X", h.iin);
        for (unsigned bit = 0; bit < 16; bit++) {
            if (h.iin & DNP3_IIN_MASK(bit))
                fprintf(out, " [%s]", dnp3_iin_bit_name(bit));
        }
    }
    fputc('\n', out);
    dnp3_obj_iter_t it;
    dnp3_obj_iter_init(&it, apdu, len, &h);
    dnp3_obj_header_t oh;
    int rc;
    while ((rc = dnp3_obj_iter_next(&it, &oh)) == 1) {
        text_object_header(out, &oh);
        if (!oh.info && !*code) {
            /* Headers-only objects of unknown groups parse, but nothing
             * can say what they mean: report them. */
            *code = DNP3_E_APP_OBJECT_UNKNOWN;
            *offset = oh.offset;
        }
        dnp3_point_iter_t pi;
        dnp3_point_iter_init(&pi, &oh, &it);
        dnp3_point_t pt;
        int prc;
        while ((prc = dnp3_point_iter_next(&pi, &pt)) == 1)
            text_point(out, &pt, apdu, code, offset);
        if (prc < 0 && !*code) {
            *code = pi.diag.code;
            *offset = pi.diag.offset;
        }
    }
    if (rc < 0) {
        if (oh.offset + 3 <= len)
            text_object_header(out, &oh);
        if (!*code) {
            *code = it.diag.code;
            *offset = it.diag.offset;
        }
    } else if (it.opaque && !*code) {
        *code = DNP3_E_APP_FUNCTION;
        *offset = 1;
        if (it.pos < len) {
            fputs("    data: ", out);
            text_bytes(out, apdu + it.pos, len - it.pos);
            fputc('\n', out);
        }
    }
    return true;
}

unsigned render_text_record(FILE *out, const ds_record_t *rec)
{
    unsigned res = 0;
    int app_code = 0;
    size_t app_off = 0;
    char err[256];

    fprintf(out, "Frame %" PRIu64, rec->frame_no);
    if (rec->flow)
        fprintf(out, "  %s", rec->flow);
    fputc('\n', out);

    if (rec->kind == DS_REC_DISCARD) {
        render_record_error(rec, 0, 0, err, sizeof err);
        fprintf(out, "  Error: %s\n", err);
        return RENDER_ERROR;
    }
    if (rec->kind == DS_REC_APP) {
        if (text_app(out, rec->apdu, rec->apdu_len, &app_code, &app_off))
            res |= RENDER_DECODED;
    } else {
        const dnp3_link_header_t *lh = &rec->link;
        res |= RENDER_DECODED;
        bool prm = dnp3_link_hdr_prm(lh);
        fprintf(out, "  Link: len=%u DIR=%d PRM=%d ", lh->length, dnp3_link_hdr_dir(lh), prm);
        if (prm)
            fprintf(out, "FCV=%d FCB=%d", dnp3_link_hdr_fcv(lh), dnp3_link_hdr_fcb(lh));
        else
            fprintf(out, "DFC=%d", dnp3_link_hdr_dfc(lh));
        fprintf(out, " func=%u %s dst=%u src=%u\n", dnp3_link_hdr_func(lh),
                render_link_func_name(lh), lh->dst, lh->src);
        if (rec->has_transport) {
            uint8_t th = rec->tp_header;
            fprintf(out, "  Transport:%s%s seq=%u\n", (th & DNP3_TP_FIR) ? " FIR" : "",
                    (th & DNP3_TP_FIN) ? " FIN" : "", th & DNP3_TP_SEQ_MASK);
        } else if (rec->user_len > 0) {
            fputs("  User data: ", out);
            text_bytes(out, rec->user, rec->user_len);
            fputc('\n', out);
        }
        if (rec->apdu && !text_app(out, rec->apdu, rec->apdu_len, &app_code, &app_off)) {
            /* header error already in app_code */
        }
    }
    if (render_record_error(rec, app_code, app_off, err, sizeof err)) {
        fprintf(out, "  Error: %s\n", err);
        res |= RENDER_ERROR;
    }
    return res;
}
