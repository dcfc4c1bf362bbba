/* Text for the link (IEEE 1815-2012 clause 9) and transport (clause 8)
 * layers, the public entry points, and the error line. */
#include "format/format_internal.h"

#include "dnp3/transport.h"

const char *dnp3_format_link_func_name(const dnp3_link_header_t *h)
{
    const char *n = h ? dnp3_link_func_name(dnp3_link_hdr_prm(h), dnp3_link_hdr_func(h)) : NULL;
    return n ? n : "UNKNOWN";
}

int dnp3_format_link(const dnp3_format_sink_t *sink, dnp3_link_decode_t level,
                     const dnp3_link_header_t *h, const uint8_t *user, size_t user_len)
{
    if (!h)
        return DNP3_E_INVALID_ARG;
    bool prm = dnp3_link_hdr_prm(h);
    /* 9.2.4.1.3 defines a closed set of codes per direction: a receiver
     * cannot know what any other code asks of it (a secondary answers
     * NOT_SUPPORTED), so the frame is an error, shown with its number. */
    int rc = dnp3_link_func_name(prm, dnp3_link_hdr_func(h)) ? 0 : DNP3_E_LINK_FUNCTION;
    if (level == DNP3_LINK_DECODE_NOTHING)
        return rc;
    dnp3i_out_t o;
    dnp3i_out_init(&o, sink);
    dnp3i_out_printf(&o, "Link: len=%u DIR=%d PRM=%d ", h->length, dnp3_link_hdr_dir(h), prm);
    if (prm)
        dnp3i_out_printf(&o, "FCV=%d FCB=%d", dnp3_link_hdr_fcv(h), dnp3_link_hdr_fcb(h));
    else
        dnp3i_out_printf(&o, "DFC=%d", dnp3_link_hdr_dfc(h));
    dnp3i_out_printf(&o, " func=%u %s dst=%u src=%u\n", dnp3_link_hdr_func(h),
                     dnp3_format_link_func_name(h), h->dst, h->src);
    if (level >= DNP3_LINK_DECODE_PAYLOAD && user && user_len) {
        dnp3i_out_puts(&o, "User data: ");
        dnp3i_out_bytes(&o, user, user_len);
        dnp3i_out_putc(&o, '\n');
    }
    dnp3i_out_flush(&o);
    return rc;
}

int dnp3_format_segment(const dnp3_format_sink_t *sink, dnp3_transport_decode_t level,
                        const uint8_t *seg, size_t len)
{
    if (!seg || !len)
        return DNP3_E_TP_EMPTY;
    if (level == DNP3_TRANSPORT_DECODE_NOTHING)
        return 0;
    dnp3i_out_t o;
    dnp3i_out_init(&o, sink);
    uint8_t th = seg[0];
    dnp3i_out_printf(&o, "Transport:%s%s seq=%u\n", (th & DNP3_TP_FIR) ? " FIR" : "",
                     (th & DNP3_TP_FIN) ? " FIN" : "", th & DNP3_TP_SEQ_MASK);
    if (level >= DNP3_TRANSPORT_DECODE_PAYLOAD && len > 1) {
        dnp3i_out_puts(&o, "Transport data: ");
        dnp3i_out_bytes(&o, seg + 1, len - 1);
        dnp3i_out_putc(&o, '\n');
    }
    dnp3i_out_flush(&o);
    return 0;
}

int dnp3_format_fragment(const dnp3_format_sink_t *sink, dnp3_app_decode_t level,
                         const uint8_t *apdu, size_t len, dnp3_diag_t *diag)
{
    dnp3i_out_t o;
    dnp3i_out_init(&o, sink);
    int rc = dnp3i_format_app(&o, level, apdu, len, diag);
    dnp3i_out_flush(&o);
    return rc;
}

void dnp3_format_error(const dnp3_format_sink_t *sink, const dnp3_diag_t *diag)
{
    if (!diag || !diag->code)
        return;
    dnp3i_out_t o;
    dnp3i_out_init(&o, sink);
    dnp3i_out_printf(&o, "Error: %s", dnp3_strerror(diag->code));
    /* Application codes (-30..-49) are the ones with an offset. */
    if (diag->code <= DNP3_E_APP_SHORT && diag->code > -50)
        dnp3i_out_printf(&o, " at offset %zu", diag->offset);
    dnp3i_out_putc(&o, '\n');
    dnp3i_out_flush(&o);
}
