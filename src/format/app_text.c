/* Text of an application fragment: a visitor of dnp3_fragment_walk() that
 * writes the lines of `dnp3 decode`'s tree (header, object headers,
 * points). */
#include "format/format_internal.h"

#include <inttypes.h>
#include <string.h>

static void text_float(dnp3i_out_t *o, double v, bool single)
{
    char buf[64];
    dnp3_format_float(buf, sizeof buf, v, single);
    dnp3i_out_puts(o, buf);
}

static void text_time(dnp3i_out_t *o, const char *key, dnp3_time_t t)
{
    char tb[40];
    dnp3_format_time(tb, sizeof tb, t);
    dnp3i_out_puts(o, key);
    dnp3i_out_puts(o, tb);
}

static void text_attribute(dnp3i_out_t *o, const dnp3_point_t *pt)
{
    dnp3_attr_value_t av;
    const char *tn = dnp3_attr_type_name(pt->v.bytes.attr_type);
    dnp3i_out_printf(o, " attribute=%u type=%s", pt->variation, tn ? tn : "?");
    if (dnp3_attr_read(pt, &av) < 0) {
        dnp3i_out_puts(o, " value=");
        dnp3i_out_bytes(o, pt->v.bytes.data, pt->v.bytes.len);
        return;
    }
    switch (av.type) {
    case DNP3_ATTR_UINT:
        dnp3i_out_printf(o, " value=%" PRIu32, av.n.u);
        break;
    case DNP3_ATTR_INT:
        dnp3i_out_printf(o, " value=%" PRId32, av.n.i);
        break;
    case DNP3_ATTR_FLT:
        dnp3i_out_puts(o, " value=");
        text_float(o, av.n.f, pt->v.bytes.len == 4);
        break;
    case DNP3_ATTR_TIME:
        text_time(o, " value=", av.n.t);
        break;
    case DNP3_ATTR_VSTR:
    case DNP3_ATTR_UNCD:
        dnp3i_out_puts(o, " value=");
        dnp3i_out_printable(o, av.data, av.len);
        break;
    default:
        dnp3i_out_puts(o, " value=");
        dnp3i_out_bytes(o, av.data, av.len);
        break;
    }
}

/* " [ONLINE STATE]": the set bits by their meaning for this point type. */
static void text_flags(dnp3i_out_t *o, uint8_t group, uint8_t flags)
{
    const char *sep = " [";
    for (unsigned bit = 0; bit < 8; bit++) {
        if (!(flags & (1u << bit)))
            continue;
        const char *name = dnp3_flag_name(group, bit);
        dnp3i_out_puts(o, sep);
        if (name) {
            dnp3i_out_puts(o, name);
        } else {
            dnp3i_out_puts(o, "RESERVED_");
            dnp3i_out_u64(o, bit);
        }
        sep = " ";
    }
    if (flags)
        dnp3i_out_putc(o, ']');
}

/* " [TRIP PULSE_ON CLEAR]" */
static void text_crob_code(dnp3i_out_t *o, uint8_t code)
{
    const char *tcc = dnp3_crob_tcc_name(code);
    const char *op = dnp3_crob_op_name(code);
    dnp3i_out_puts(o, " [");
    if (!tcc)
        dnp3i_out_puts(o, "TCC_RESERVED ");
    else if (code & DNP3_CROB_TCC_MASK)
        dnp3i_out_printf(o, "%s ", tcc);
    if (op)
        dnp3i_out_puts(o, op);
    else
        dnp3i_out_printf(o, "OP_%u", (unsigned)(code & DNP3_CROB_OP_MASK));
    if (code & DNP3_CROB_QUEUE)
        dnp3i_out_puts(o, " QUEUE");
    if (code & DNP3_CROB_CLEAR)
        dnp3i_out_puts(o, " CLEAR");
    dnp3i_out_putc(o, ']');
}

/* Compact hex of a binary field, cut at 64 bytes. */
static void text_hex(dnp3i_out_t *o, const uint8_t *p, size_t n)
{
    size_t shown = n > 64 ? 64 : n;
    for (size_t i = 0; i < shown; i++)
        dnp3i_out_printf(o, "%02x", p[i]);
    if (shown < n)
        dnp3i_out_printf(o, "... (%zu bytes)", n);
    else if (n == 0)
        dnp3i_out_puts(o, "\"\"");
}

static void text_field(dnp3i_out_t *o, const dnp3_format_field_t *f)
{
    dnp3i_out_printf(o, " %s=", f->key);
    switch (f->kind) {
    case DNP3_FORMAT_FIELD_UINT:
        if (f->name)
            dnp3i_out_printf(o, "%s(%" PRIu64 ")", f->name, f->u);
        else
            dnp3i_out_printf(o, "%" PRIu64, f->u);
        break;
    case DNP3_FORMAT_FIELD_BOOL:
        dnp3i_out_puts(o, f->u ? "true" : "false");
        break;
    case DNP3_FORMAT_FIELD_PERMS:
        dnp3i_out_printf(o, "0o%03" PRIo64, f->u);
        break;
    case DNP3_FORMAT_FIELD_TIME:
        text_time(o, "", f->u);
        break;
    case DNP3_FORMAT_FIELD_STRING:
        dnp3i_out_printable(o, f->data, f->len);
        break;
    default:
        text_hex(o, f->data, f->len);
        break;
    }
}

/* A g70/g120 object by its typed fields, e.g. " g70v3 file command:
 * name=\"/data/log.txt\" mode=READ(1) ..."; without a typed layout (or with
 * a malformed body) its bytes. */
static void text_free_format(dnp3i_out_t *o, const dnp3_walk_point_t *wp)
{
    const dnp3_point_t *pt = wp->pt;
    if (!wp->kind) {
        if (pt->v.bytes.data || pt->v.bytes.len) {
            dnp3i_out_puts(o, " bytes=");
            dnp3i_out_bytes(o, pt->v.bytes.data, pt->v.bytes.len);
        }
        return;
    }
    const char *kind = wp->kind;
    if (strncmp(kind, "sa_", 3) == 0)
        kind += 3;
    dnp3i_out_printf(o, " g%uv%u ", pt->group, pt->variation);
    for (const char *c = kind; *c; c++)
        dnp3i_out_putc(o, *c == '_' ? ' ' : *c);
    dnp3i_out_putc(o, ':');
    for (size_t i = 0; i < wp->n_fields; i++) {
        if (!wp->fields[i].detail)
            text_field(o, &wp->fields[i]);
    }
}

/* The value of a measurement or counter; false for the other types. */
static bool text_number(dnp3i_out_t *o, const dnp3_walk_point_t *wp)
{
    const dnp3_point_t *pt = wp->pt;
    switch (pt->type) {
    case DNP3_VT_BINARY:
    case DNP3_VT_IIN_BIT:
    case DNP3_VT_BO_CMD_EVENT:
        dnp3i_out_puts(o, pt->v.binary ? " value=1" : " value=0");
        return true;
    case DNP3_VT_DOUBLE_BIT:
        dnp3i_out_puts(o, " value=");
        dnp3i_out_u64(o, pt->v.double_bit);
        return true;
    case DNP3_VT_COUNTER:
    case DNP3_VT_DEADBAND_INT:
    case DNP3_VT_UINT8:
        dnp3i_out_puts(o, " value=");
        dnp3i_out_u64(o, pt->v.counter);
        return true;
    case DNP3_VT_ANALOG_INT:
    case DNP3_VT_AO_INT:
    case DNP3_VT_AO_CMD_EVENT_INT:
        dnp3i_out_puts(o, " value=");
        dnp3i_out_i64(o, pt->v.analog_i);
        return true;
    case DNP3_VT_ANALOG_FLOAT:
    case DNP3_VT_DEADBAND_FLOAT:
    case DNP3_VT_AO_FLOAT:
    case DNP3_VT_AO_CMD_EVENT_FLOAT:
        dnp3i_out_puts(o, " value=");
        text_float(o, pt->v.analog_f, wp->single);
        return true;
    default:
        return false;
    }
}

static void text_value(dnp3i_out_t *o, const dnp3_walk_point_t *wp)
{
    const dnp3_point_t *pt = wp->pt;
    if (text_number(o, wp))
        return;
    switch (pt->type) {
    case DNP3_VT_CROB:
        dnp3i_out_printf(o, " code=0x%02X", pt->v.crob.code);
        text_crob_code(o, pt->v.crob.code);
        dnp3i_out_printf(o, " count=%u on=%" PRIu32 "ms off=%" PRIu32 "ms", pt->v.crob.count,
                         pt->v.crob.on_ms, pt->v.crob.off_ms);
        break;
    case DNP3_VT_TIME_INTERVAL:
        dnp3i_out_printf(o, " interval=%" PRIu32, pt->v.interval.interval);
        if (pt->variation == 4)
            dnp3i_out_printf(o, " units=%u", pt->v.interval.units);
        break;
    case DNP3_VT_DELAY:
        dnp3i_out_printf(o, " delay=%" PRIu32 "ms", pt->v.delay.ms);
        break;
    case DNP3_VT_SEC_STAT:
        dnp3i_out_printf(o, " assoc=%u value=%" PRIu32, pt->v.sec_stat.assoc, pt->v.sec_stat.count);
        break;
    case DNP3_VT_ATTRIBUTE:
        text_attribute(o, pt);
        break;
    case DNP3_VT_FREE_FORMAT:
        text_free_format(o, wp);
        break;
    case DNP3_VT_OCTETS:
    case DNP3_VT_BCD:
    case DNP3_VT_NONE:
        if (pt->v.bytes.data || pt->v.bytes.len) {
            dnp3i_out_puts(o, " bytes=");
            dnp3i_out_bytes(o, pt->v.bytes.data, pt->v.bytes.len);
        }
        break;
    default:
        break;
    }
}

static void text_point(void *ctx, const dnp3_obj_header_t *oh, const dnp3_walk_point_t *wp)
{
    dnp3i_out_t *o = ctx;
    const dnp3_point_t *pt = wp->pt;
    (void)oh;
    dnp3i_out_puts(o, "    [");
    dnp3i_out_u64(o, pt->index);
    dnp3i_out_putc(o, ']');
    text_value(o, wp);
    if (pt->has_flags) {
        dnp3i_out_puts(o, " flags=0x");
        dnp3i_out_hex2(o, pt->flags);
        text_flags(o, pt->group, pt->flags);
    }
    if (pt->has_status) {
        /* Bits 6..0 are the code and bit 7 is reserved (Annex A, group
         * 12): a byte with bit 7 set is no defined code, so it is shown as
         * sent, without a name, like the reserved codes 19..125. */
        const char *sn = (pt->status & 0x80) ? NULL : dnp3_command_status_name(pt->status);
        dnp3i_out_puts(o, " status=");
        dnp3i_out_u64(o, pt->status);
        if (sn) {
            dnp3i_out_putc(o, ' ');
            dnp3i_out_puts(o, sn);
        }
    }
    if (pt->has_time)
        text_time(o, " time=", pt->time);
    if (pt->has_rel)
        dnp3i_out_printf(o, " (+%u ms%s)", pt->rel_ms, pt->has_time ? " after CTO" : ", no CTO");
    dnp3i_out_putc(o, '\n');
}

static void text_object(void *ctx, const dnp3_obj_header_t *oh)
{
    dnp3i_out_t *o = ctx;
    dnp3i_out_printf(o, "  g%uv%u %s  qualifier=0x%02X", oh->group, oh->variation,
                     oh->info ? oh->info->name : "(unknown object)", oh->qualifier);
    if (oh->partial) {
        dnp3i_out_puts(o, " (incomplete)\n");
        return;
    }
    if (oh->range_code == DNP3_RANGE_ALL)
        dnp3i_out_puts(o, " all");
    else if (oh->has_range)
        dnp3i_out_printf(o, " start=%" PRIu32 " stop=%" PRIu32, oh->start, oh->stop);
    else
        dnp3i_out_printf(o, " count=%" PRIu32, oh->count);
    if (oh->range_code != DNP3_RANGE_ALL)
        dnp3i_out_printf(o, " (%" PRIu32 " point%s)", oh->count, oh->count == 1 ? "" : "s");
    dnp3i_out_putc(o, '\n');
}

static void text_header(void *ctx, const dnp3_app_header_t *h, size_t len)
{
    dnp3i_out_t *o = ctx;
    const char *fname = dnp3_fc_name(h->func);
    (void)len;
    dnp3i_out_printf(
        o, "Application:%s%s%s%s seq=%u func=%u %s", (h->control & DNP3_AC_FIR) ? " FIR" : "",
        (h->control & DNP3_AC_FIN) ? " FIN" : "", (h->control & DNP3_AC_CON) ? " CON" : "",
        (h->control & DNP3_AC_UNS) ? " UNS" : "", (unsigned)(h->control & DNP3_AC_SEQ_MASK),
        h->func, fname ? fname : "UNKNOWN");
    if (h->has_iin) {
        dnp3i_out_printf(o, "  IIN=0x%04X", h->iin);
        for (unsigned bit = 0; bit < 16; bit++) {
            if (h->iin & DNP3_IIN_MASK(bit))
                dnp3i_out_printf(o, " [%s]", dnp3_iin_bit_name(bit));
        }
    }
    dnp3i_out_putc(o, '\n');
}

static void text_opaque(void *ctx, const uint8_t *data, size_t len)
{
    dnp3i_out_t *o = ctx;
    dnp3i_out_puts(o, "  data: ");
    dnp3i_out_bytes(o, data, len);
    dnp3i_out_putc(o, '\n');
}

int dnp3i_format_app(dnp3i_out_t *o, dnp3_app_decode_t level, const uint8_t *apdu, size_t len,
                     dnp3_diag_t *diag)
{
    dnp3_walk_visitor_t v;
    memset(&v, 0, sizeof v);
    v.ctx = o;
    if (level >= DNP3_APP_DECODE_HEADER)
        v.header = text_header;
    if (level >= DNP3_APP_DECODE_OBJECT_HEADERS) {
        v.object = text_object;
        v.opaque = text_opaque;
    }
    if (level >= DNP3_APP_DECODE_OBJECT_VALUES)
        v.point = text_point;
    if (level > DNP3_APP_DECODE_HEADER)
        return dnp3_fragment_walk(apdu, len, &v, diag);
    /* Header (or nothing): the objects are not read. */
    dnp3_app_header_t h;
    int n = apdu ? dnp3_app_header_read(apdu, len, &h) : DNP3_E_APP_SHORT;
    if (n < 0 && diag) {
        diag->code = n;
        diag->offset = 0;
    } else if (diag) {
        diag->code = 0;
        diag->offset = 0;
    }
    if (n < 0)
        return n;
    if (v.header)
        text_header(o, &h, len);
    /* An undefined function code is an error whatever the level. */
    if (!dnp3_fc_is_defined(h.func)) {
        if (diag) {
            diag->code = DNP3_E_APP_FUNCTION;
            diag->offset = 1;
        }
        return DNP3_E_APP_FUNCTION;
    }
    return 0;
}
