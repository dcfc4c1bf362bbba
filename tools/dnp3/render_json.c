/* render_json: `dnp3 decode --json`, JSON Lines, one object per link frame
 * (or discarded run, or --app fragment). Keys and types (docs/decode.md):
 *   frame (int), flow (string, captures only),
 *   link {dir, prm, fcb, fcv, dfc (bool), func, dst, src, len (int), func_name},
 *   transport {fir, fin (bool), seq} on frames carrying user data,
 *   app {fir, fin, con, uns (bool), seq, func, func_name, iin (responses only),
 *        objects [{group, variation, qualifier, name, start, stop, count, points [...]}]}
 *        on the frame that completes a fragment,
 *   error (string) only where something could not be decoded,
 *   discarded (int) bytes for a discarded run.
 * Strings are escaped per RFC 8259; non-finite floats are strings. */
#include "render.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3/app.h"
#include "dnp3/format.h"
#include "dnp3/objects.h"

/* Minimal streaming writer: remembers whether the current container needs a
 * comma before its next member. */
typedef struct jw {
    FILE *out;
    int depth;
    bool need_comma[16];
} jw_t;

/* The tool writes from one thread, so the unlocked stdio calls are safe,
 * and they keep the per-character cost of JSON down (most of its time). */
static void jw_putc(jw_t *w, char c)
{
    putc_unlocked(c, w->out);
}

static void jw_puts(jw_t *w, const char *s)
{
    while (*s)
        putc_unlocked(*s++, w->out);
}

static void jw_sep(jw_t *w)
{
    if (w->need_comma[w->depth])
        jw_putc(w, ',');
    w->need_comma[w->depth] = true;
}

static void jw_str_raw(jw_t *w, const char *s, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    jw_putc(w, '"');
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        switch (c) {
        case '"':
            jw_puts(w, "\\\"");
            break;
        case '\\':
            jw_puts(w, "\\\\");
            break;
        case '\n':
            jw_puts(w, "\\n");
            break;
        case '\r':
            jw_puts(w, "\\r");
            break;
        case '\t':
            jw_puts(w, "\\t");
            break;
        default:
            /* Control bytes and anything outside ASCII (the bytes are not
             * known to be UTF-8) as \u00XX: always valid JSON. */
            if (c < 0x20 || c >= 0x7F) {
                jw_puts(w, "\\u00");
                jw_putc(w, hex[c >> 4]);
                jw_putc(w, hex[c & 0xF]);
            } else {
                jw_putc(w, (char)c);
            }
        }
    }
    jw_putc(w, '"');
}

/* Keys are the renderer's own constants (plain ASCII, nothing to escape). */
static void jw_key(jw_t *w, const char *k)
{
    jw_sep(w);
    jw_putc(w, '"');
    jw_puts(w, k);
    jw_puts(w, "\":");
}

static void jw_u64(jw_t *w, uint64_t v)
{
    char d[20];
    size_t n = 0;
    do {
        d[n++] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    while (n)
        jw_putc(w, d[--n]);
}

static void jw_open(jw_t *w, char c)
{
    jw_putc(w, c);
    if (w->depth < 15)
        w->depth++;
    w->need_comma[w->depth] = false;
}

static void jw_close(jw_t *w, char c)
{
    if (w->depth > 0)
        w->depth--;
    jw_putc(w, c);
}

static void jw_obj_key(jw_t *w, const char *k)
{
    jw_key(w, k);
    jw_open(w, '{');
}

static void jw_arr_key(jw_t *w, const char *k)
{
    jw_key(w, k);
    jw_open(w, '[');
}

static void jw_elem_obj(jw_t *w)
{
    jw_sep(w);
    jw_open(w, '{');
}

static void kv_bool(jw_t *w, const char *k, bool v)
{
    jw_key(w, k);
    jw_puts(w, v ? "true" : "false");
}

static void kv_u64(jw_t *w, const char *k, uint64_t v)
{
    jw_key(w, k);
    jw_u64(w, v);
}

static void kv_i64(jw_t *w, const char *k, int64_t v)
{
    jw_key(w, k);
    if (v < 0) {
        jw_putc(w, '-');
        jw_u64(w, (uint64_t)0 - (uint64_t)v);
    } else {
        jw_u64(w, (uint64_t)v);
    }
}

static void kv_str(jw_t *w, const char *k, const char *v)
{
    jw_key(w, k);
    jw_str_raw(w, v, strlen(v));
}

static void kv_float(jw_t *w, const char *k, double v, bool single)
{
    char buf[64];
    dnp3_format_float(buf, sizeof buf, v, single);
    jw_key(w, k);
    bool str = isnan(v) || isinf(v);
    if (str)
        jw_putc(w, '"');
    jw_puts(w, buf);
    if (str)
        jw_putc(w, '"');
}

static void kv_hex(jw_t *w, const char *k, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789abcdef";
    jw_key(w, k);
    jw_putc(w, '"');
    for (size_t i = 0; i < n; i++) {
        jw_putc(w, hex[p[i] >> 4]);
        jw_putc(w, hex[p[i] & 0xF]);
    }
    jw_putc(w, '"');
}

static void json_attribute(jw_t *w, const dnp3_point_t *pt)
{
    dnp3_attr_value_t av;
    const char *tn = dnp3_attr_type_name(pt->v.bytes.attr_type);
    kv_u64(w, "attribute", pt->variation);
    kv_u64(w, "attr_type", pt->v.bytes.attr_type);
    if (tn)
        kv_str(w, "attr_type_name", tn);
    if (dnp3_attr_read(pt, &av) < 0) {
        kv_hex(w, "hex", pt->v.bytes.data, pt->v.bytes.len);
        return;
    }
    switch (av.type) {
    case DNP3_ATTR_UINT:
        kv_u64(w, "value", av.n.u);
        break;
    case DNP3_ATTR_INT:
        kv_i64(w, "value", av.n.i);
        break;
    case DNP3_ATTR_FLT:
        kv_float(w, "value", av.n.f, pt->v.bytes.len == 4);
        break;
    case DNP3_ATTR_TIME:
        kv_u64(w, "time", av.n.t);
        break;
    case DNP3_ATTR_VSTR:
    case DNP3_ATTR_UNCD:
        jw_key(w, "value");
        jw_str_raw(w, (const char *)av.data, av.len);
        kv_hex(w, "hex", av.data, av.len);
        break;
    default:
        kv_hex(w, "hex", av.data, av.len);
        break;
    }
}

/* A g70/g120 object: "kind" and its typed fields (as the walker hands them
 * over) as keys of the point, strings as JSON strings, binary as hex, times
 * in ms since 1970, named values with a "<key>_name" beside them; "hex"
 * (the whole body) always, so nothing is lost. */
static void json_free_format(jw_t *w, const dnp3_walk_point_t *wp)
{
    const dnp3_point_t *pt = wp->pt;
    if (wp->kind)
        kv_str(w, "kind", wp->kind);
    char nk[64];
    for (size_t i = 0; i < wp->n_fields; i++) {
        const dnp3_format_field_t *f = &wp->fields[i];
        switch (f->kind) {
        case DNP3_FORMAT_FIELD_BOOL:
            kv_bool(w, f->key, f->u != 0);
            break;
        case DNP3_FORMAT_FIELD_STRING:
            jw_key(w, f->key);
            jw_str_raw(w, (const char *)f->data, f->len);
            break;
        case DNP3_FORMAT_FIELD_BYTES:
            kv_hex(w, f->key, f->data, f->len);
            break;
        default: /* UINT, PERMS, TIME */
            kv_u64(w, f->key, f->u);
            if (f->name) {
                snprintf(nk, sizeof nk, "%s_name", f->key);
                kv_str(w, nk, f->name);
            }
            break;
        }
    }
    if (pt->v.bytes.data || pt->v.bytes.len)
        kv_hex(w, "hex", pt->v.bytes.data, pt->v.bytes.len);
}

/* The value of a measurement or counter; false for the other types. */
static bool json_number(jw_t *w, const dnp3_walk_point_t *wp)
{
    const dnp3_point_t *pt = wp->pt;
    switch (pt->type) {
    case DNP3_VT_BINARY:
    case DNP3_VT_IIN_BIT:
    case DNP3_VT_BO_CMD_EVENT:
        kv_u64(w, "value", pt->v.binary ? 1 : 0);
        return true;
    case DNP3_VT_DOUBLE_BIT:
        kv_u64(w, "value", pt->v.double_bit);
        return true;
    case DNP3_VT_COUNTER:
    case DNP3_VT_DEADBAND_INT:
    case DNP3_VT_UINT8:
        kv_u64(w, "value", pt->v.counter);
        return true;
    case DNP3_VT_ANALOG_INT:
    case DNP3_VT_AO_INT:
    case DNP3_VT_AO_CMD_EVENT_INT:
        kv_i64(w, "value", pt->v.analog_i);
        return true;
    case DNP3_VT_ANALOG_FLOAT:
    case DNP3_VT_DEADBAND_FLOAT:
    case DNP3_VT_AO_FLOAT:
    case DNP3_VT_AO_CMD_EVENT_FLOAT:
        kv_float(w, "value", pt->v.analog_f, wp->single);
        return true;
    default:
        return false;
    }
}

static void json_value(jw_t *w, const dnp3_walk_point_t *wp)
{
    const dnp3_point_t *pt = wp->pt;
    if (json_number(w, wp))
        return;
    switch (pt->type) {
    case DNP3_VT_CROB:
        kv_u64(w, "code", pt->v.crob.code);
        if (dnp3_crob_op_name(pt->v.crob.code))
            kv_str(w, "op", dnp3_crob_op_name(pt->v.crob.code));
        if (dnp3_crob_tcc_name(pt->v.crob.code))
            kv_str(w, "tcc", dnp3_crob_tcc_name(pt->v.crob.code));
        kv_u64(w, "count", pt->v.crob.count);
        kv_u64(w, "on_ms", pt->v.crob.on_ms);
        kv_u64(w, "off_ms", pt->v.crob.off_ms);
        break;
    case DNP3_VT_TIME_INTERVAL:
        kv_u64(w, "interval", pt->v.interval.interval);
        if (pt->variation == 4)
            kv_u64(w, "units", pt->v.interval.units);
        break;
    case DNP3_VT_DELAY:
        kv_u64(w, "delay_ms", pt->v.delay.ms);
        break;
    case DNP3_VT_SEC_STAT:
        kv_u64(w, "assoc", pt->v.sec_stat.assoc);
        kv_u64(w, "value", pt->v.sec_stat.count);
        break;
    case DNP3_VT_ATTRIBUTE:
        json_attribute(w, pt);
        break;
    case DNP3_VT_FREE_FORMAT:
        json_free_format(w, wp);
        break;
    case DNP3_VT_OCTETS:
    case DNP3_VT_BCD:
    case DNP3_VT_NONE:
        if (pt->v.bytes.data || pt->v.bytes.len)
            kv_hex(w, "hex", pt->v.bytes.data, pt->v.bytes.len);
        break;
    default:
        break;
    }
}

/* ---- visitor of dnp3_fragment_walk(): the "app" member ---------------------- */
typedef struct json_app {
    jw_t *w;
    bool objects_open; /* the "objects" array is still open */
} json_app_t;

static void json_point(void *ctx, const dnp3_obj_header_t *oh, const dnp3_walk_point_t *wp)
{
    jw_t *w = ((json_app_t *)ctx)->w;
    const dnp3_point_t *pt = wp->pt;
    /* Headers without data (a READ of indexes) list no points here: the
     * header's range or count says which. */
    if (!oh->has_data)
        return;
    jw_elem_obj(w);
    kv_u64(w, "index", pt->index);
    json_value(w, wp);
    if (pt->has_flags)
        kv_u64(w, "flags", pt->flags);
    if (pt->has_status)
        kv_u64(w, "status", pt->status);
    if (pt->has_time)
        kv_u64(w, "time", pt->time);
    if (pt->has_rel)
        kv_u64(w, "rel_ms", pt->rel_ms);
    jw_close(w, '}');
}

static void json_object(void *ctx, const dnp3_obj_header_t *oh)
{
    jw_t *w = ((json_app_t *)ctx)->w;
    jw_elem_obj(w);
    kv_u64(w, "group", oh->group);
    kv_u64(w, "variation", oh->variation);
    kv_u64(w, "qualifier", oh->qualifier);
    if (oh->info)
        kv_str(w, "name", oh->info->name);
    if (oh->partial) {
        kv_bool(w, "partial", true);
        return;
    }
    if (oh->has_range) {
        kv_u64(w, "start", oh->start);
        kv_u64(w, "stop", oh->stop);
    }
    kv_u64(w, "count", oh->count);
    if (oh->has_data)
        jw_arr_key(w, "points");
}

static void json_object_end(void *ctx, const dnp3_obj_header_t *oh)
{
    jw_t *w = ((json_app_t *)ctx)->w;
    if (!oh->partial && oh->has_data)
        jw_close(w, ']');
    jw_close(w, '}');
}

static void json_header(void *ctx, const dnp3_app_header_t *h, size_t len)
{
    json_app_t *a = ctx;
    jw_t *w = a->w;
    const char *fname = dnp3_fc_name(h->func);
    jw_obj_key(w, "app");
    kv_bool(w, "fir", (h->control & DNP3_AC_FIR) != 0);
    kv_bool(w, "fin", (h->control & DNP3_AC_FIN) != 0);
    kv_bool(w, "con", (h->control & DNP3_AC_CON) != 0);
    kv_bool(w, "uns", (h->control & DNP3_AC_UNS) != 0);
    kv_u64(w, "seq", h->control & DNP3_AC_SEQ_MASK);
    kv_u64(w, "func", h->func);
    kv_str(w, "func_name", fname ? fname : "UNKNOWN");
    if (h->has_iin)
        kv_u64(w, "iin", h->iin);
    kv_u64(w, "len", len);
    jw_arr_key(w, "objects");
    a->objects_open = true;
}

static void json_opaque(void *ctx, const uint8_t *data, size_t len)
{
    json_app_t *a = ctx;
    jw_close(a->w, ']');
    a->objects_open = false;
    kv_hex(a->w, "data", data, len);
}

/* Writes the "app" member (nothing when the header does not parse); the
 * walk's result in *diag. Returns true if the header parsed. */
static bool json_app(jw_t *w, const uint8_t *apdu, size_t len, dnp3_diag_t *diag)
{
    json_app_t a = {w, false};
    dnp3_walk_visitor_t v = {&a,         json_header,     json_object,
                             json_point, json_object_end, json_opaque};
    int rc = dnp3_fragment_walk(apdu, len, &v, diag);
    if (rc == DNP3_E_APP_SHORT)
        return false;
    if (a.objects_open)
        jw_close(w, ']');
    jw_close(w, '}');
    return true;
}

/* The "link" member; returns the link formatter's verdict on the frame
 * (DNP3_E_LINK_FUNCTION for an undefined function code, else 0). */
static int json_link(jw_t *w, const ds_record_t *rec)
{
    const dnp3_link_header_t *lh = &rec->link;
    bool prm = dnp3_link_hdr_prm(lh);
    jw_obj_key(w, "link");
    kv_bool(w, "dir", dnp3_link_hdr_dir(lh));
    kv_bool(w, "prm", prm);
    /* FCB/FCV belong to primary frames, DFC to secondary ones (the same
     * bit as FCV); the bit that does not apply is reported false. */
    kv_bool(w, "fcb", prm && dnp3_link_hdr_fcb(lh));
    kv_bool(w, "fcv", prm && dnp3_link_hdr_fcv(lh));
    kv_bool(w, "dfc", !prm && dnp3_link_hdr_dfc(lh));
    kv_u64(w, "func", dnp3_link_hdr_func(lh));
    kv_str(w, "func_name", dnp3_format_link_func_name(lh));
    kv_u64(w, "dst", lh->dst);
    kv_u64(w, "src", lh->src);
    kv_u64(w, "len", lh->length);
    kv_u64(w, "control", lh->control);
    jw_close(w, '}');
    return dnp3_format_link(NULL, DNP3_LINK_DECODE_NOTHING, lh, rec->user, rec->user_len);
}

unsigned render_json_record(FILE *out, const ds_record_t *rec)
{
    jw_t w;
    memset(&w, 0, sizeof(w));
    w.out = out;
    unsigned res = 0;
    int link_code = 0;
    dnp3_diag_t app = {0, 0};
    char err[256];

    jw_open(&w, '{');
    kv_u64(&w, "frame", rec->frame_no);
    if (rec->flow)
        kv_str(&w, "flow", rec->flow);
    if (rec->kind == DS_REC_DISCARD) {
        render_record_error(rec, 0, NULL, err, sizeof err);
        kv_str(&w, "error", err);
        kv_u64(&w, "discarded", rec->discarded);
        kv_u64(&w, "offset", rec->offset);
        jw_close(&w, '}');
        fputc('\n', out);
        return RENDER_ERROR;
    }
    if (rec->kind == DS_REC_APP) {
        if (json_app(&w, rec->apdu, rec->apdu_len, &app))
            res |= RENDER_DECODED;
    } else {
        res |= RENDER_DECODED;
        link_code = json_link(&w, rec);
        if (rec->has_transport) {
            jw_obj_key(&w, "transport");
            kv_bool(&w, "fir", (rec->tp_header & DNP3_TP_FIR) != 0);
            kv_bool(&w, "fin", (rec->tp_header & DNP3_TP_FIN) != 0);
            kv_u64(&w, "seq", rec->tp_header & DNP3_TP_SEQ_MASK);
            jw_close(&w, '}');
        } else if (rec->user_len > 0) {
            kv_hex(&w, "user_data", rec->user, rec->user_len);
        }
        if (rec->apdu)
            json_app(&w, rec->apdu, rec->apdu_len, &app);
    }
    if (render_record_error(rec, link_code, &app, err, sizeof err)) {
        kv_str(&w, "error", err);
        res |= RENDER_ERROR;
    }
    jw_close(&w, '}');
    fputc('\n', out);
    return res;
}
