/* Fuzz target: the input is one application fragment. Parse the header,
 * every object header and every point; when the whole fragment parsed and
 * every object is one the writer re-creates bit for bit, re-encode it and
 * require the identical bytes. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3/app.h"
#include "dnp3/freeformat.h"
#include "format/format_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Objects whose bytes do not survive decode -> encode exactly: packed bits
 * (spare bits and the high bits of a prefixed point's byte are ignored),
 * unknown objects skipped by their size prefix, NaN floats (a signalling
 * NaN is quieted by the float/double conversion). */
static bool exact_point(const dnp3_obj_header_t *oh, const dnp3_point_t *pt)
{
    if (oh->info &&
        (oh->info->size_kind == DNP3_SK_PACKED1 || oh->info->size_kind == DNP3_SK_PACKED2))
        return false;
    if (oh->has_data && !oh->info)
        return false;
    switch (pt->type) {
    case DNP3_VT_ANALOG_FLOAT:
    case DNP3_VT_AO_FLOAT:
    case DNP3_VT_AO_CMD_EVENT_FLOAT:
    case DNP3_VT_DEADBAND_FLOAT:
        return !isnan(pt->v.analog_f);
    default:
        return true;
    }
}

/* A free-format point through the typed decoder: views must lie inside
 * the body; a decoded object must encode, and decode back to the same
 * field list (the encoder writes canonical offsets, so compare fields, not
 * bytes). */
static void check_free_format(const dnp3_point_t *pt)
{
    dnp3_ff_t ff, back;
    if (dnp3_ff_read(pt, &ff) != 0)
        return;
    dnp3_format_field_t f[DNP3_FORMAT_MAX_FIELDS], g[DNP3_FORMAT_MAX_FIELDS];
    size_t n = dnp3i_ff_fields(&ff, f, DNP3_FORMAT_MAX_FIELDS);
    if (n == 0 || n > DNP3_FORMAT_MAX_FIELDS)
        abort();
    const uint8_t *lo = pt->v.bytes.data, *hi = lo + pt->v.bytes.len;
    for (size_t i = 0; i < n; i++)
        if (f[i].len && (f[i].data < lo || f[i].data + f[i].len > hi))
            abort();
    uint8_t buf[65536];
    int len = dnp3_ff_write(&ff, buf, sizeof buf);
    if (len < 0)
        abort();
    dnp3_point_t p2 = *pt;
    p2.v.bytes.data = buf;
    p2.v.bytes.len = (size_t)len;
    if (dnp3_ff_read(&p2, &back) != 0 || dnp3i_ff_fields(&back, g, DNP3_FORMAT_MAX_FIELDS) != n)
        abort();
    for (size_t i = 0; i < n; i++) {
        if (f[i].detail)
            continue; /* string offsets: canonical after encode */
        if (strcmp(f[i].key, g[i].key) != 0 || f[i].u != g[i].u || f[i].len != g[i].len ||
            (f[i].len && memcmp(f[i].data, g[i].data, f[i].len) != 0))
            abort();
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    dnp3_app_header_t ah;
    int hs = dnp3_app_header_read(data, size, &ah);
    if (hs < 0)
        return 0;
    (void)dnp3_fc_name(ah.func);

    uint8_t out[4096];
    dnp3_app_writer_t w;
    bool compare = size <= sizeof out;
    dnp3_app_writer_init(&w, out, sizeof out);
    if (ah.has_iin)
        dnp3_app_write_response(&w, ah.control, ah.func, ah.iin);
    else
        dnp3_app_write_request(&w, ah.control, ah.func);

    dnp3_obj_iter_t it;
    dnp3_obj_header_t oh;
    dnp3_obj_iter_init(&it, data, size, &ah);
    int rc;
    while ((rc = dnp3_obj_iter_next(&it, &oh)) == 1) {
        if (oh.data + oh.data_len > data + size)
            abort(); /* a returned header must lie inside the fragment */
        if (compare) {
            uint32_t a = oh.has_range ? oh.start : oh.count;
            if (dnp3_app_write_header(&w, oh.group, oh.variation, oh.qualifier, a, oh.stop) < 0) {
                if (oh.has_data && !oh.info)
                    compare = false;
                else
                    abort(); /* a header we parsed must be writable */
            }
        }
        dnp3_point_iter_t pi;
        dnp3_point_t pt;
        dnp3_point_iter_init(&pi, &oh, &it);
        uint32_t n = 0;
        int prc;
        while ((prc = dnp3_point_iter_next(&pi, &pt)) == 1) {
            n++;
            if (pt.type == DNP3_VT_ATTRIBUTE) {
                dnp3_attr_value_t av;
                (void)dnp3_attr_read(&pt, &av);
            }
            if (pt.type == DNP3_VT_FREE_FORMAT)
                check_free_format(&pt);
            if (pt.type == DNP3_VT_OCTETS || pt.type == DNP3_VT_FREE_FORMAT ||
                pt.type == DNP3_VT_ATTRIBUTE || pt.type == DNP3_VT_BCD) {
                if (pt.v.bytes.data < data || pt.v.bytes.data + pt.v.bytes.len > data + size)
                    abort();
            }
            if (compare && !exact_point(&oh, &pt))
                compare = false;
            if (compare && dnp3_app_write_point(&w, &pt) < 0)
                abort();
        }
        if (prc < 0)
            abort(); /* headers are validated before they are returned */
        bool index_list = oh.prefix_code >= 1 && oh.prefix_code <= 3;
        if ((oh.has_data || index_list) && n != oh.count)
            abort();
    }
    if (rc < 0 || it.opaque)
        return 0;
    if (compare) {
        int len = dnp3_app_writer_finish(&w);
        if (len != (int)size || memcmp(out, data, size) != 0)
            abort();
    }
    return 0;
}
