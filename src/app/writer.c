/* Fragment writer: application header, object headers and objects into the
 * caller's buffer. Errors are sticky: after the first one every call returns
 * it, so a caller may check only dnp3_app_writer_finish(). */
#include "app/app_internal.h"

void dnp3_app_writer_init(dnp3_app_writer_t *w, uint8_t *buf, size_t cap)
{
    memset(w, 0, sizeof *w);
    w->buf = buf;
    w->cap = buf ? cap : 0;
}

static int werr(dnp3_app_writer_t *w, int code)
{
    if (w->error == 0)
        w->error = code;
    return code;
}

static int put(dnp3_app_writer_t *w, const uint8_t *p, size_t n)
{
    if (w->cap - w->len < n)
        return werr(w, DNP3_E_NOSPACE);
    memcpy(w->buf + w->len, p, n);
    w->len += n;
    return DNP3_OK;
}

int dnp3_app_write_request(dnp3_app_writer_t *w, uint8_t control, uint8_t func)
{
    if (w->error)
        return w->error;
    if (w->started || dnp3_fc_is_response(func))
        return werr(w, DNP3_E_APP_STATE);
    uint8_t h[2] = {control, func};
    int rc = put(w, h, 2);
    if (rc == DNP3_OK) {
        w->started = true;
        w->func = func;
    }
    return rc;
}

int dnp3_app_write_response(dnp3_app_writer_t *w, uint8_t control, uint8_t func, uint16_t iin)
{
    if (w->error)
        return w->error;
    if (w->started || !dnp3_fc_is_response(func))
        return werr(w, DNP3_E_APP_STATE);
    uint8_t h[4] = {control, func, (uint8_t)(iin >> 8), (uint8_t)iin};
    int rc = put(w, h, 4);
    if (rc == DNP3_OK) {
        w->started = true;
        w->func = func;
    }
    return rc;
}

/* Does the current header expect write_point calls? */
static bool header_takes_points(const dnp3_app_writer_t *w)
{
    uint8_t prefix = DNP3_QUAL_PREFIX(w->qualifier);
    return w->has_data || (prefix >= DNP3_PREFIX_INDEX8 && prefix <= DNP3_PREFIX_INDEX32);
}

static int close_header(dnp3_app_writer_t *w)
{
    if (w->in_header && header_takes_points(w) && w->written != w->expected)
        return werr(w, DNP3_E_APP_COUNT);
    w->in_header = false;
    return DNP3_OK;
}

int dnp3_app_write_header(dnp3_app_writer_t *w, uint8_t group, uint8_t variation, uint8_t qualifier,
                          uint32_t a, uint32_t b)
{
    if (w->error)
        return w->error;
    if (!w->started)
        return werr(w, DNP3_E_APP_STATE);
    int rc = close_header(w);
    if (rc < 0)
        return rc;
    if (dnp3_qualifier_check(qualifier) != DNP3_OK)
        return werr(w, DNP3_E_APP_QUALIFIER);
    const int rs = dnp3_qualifier_range_size(qualifier);
    const uint8_t range = DNP3_QUAL_RANGE(qualifier);
    uint8_t h[11] = {group, variation, qualifier};
    uint32_t count = 0, start = 0;
    switch (range) {
    case DNP3_RANGE_START_STOP8:
    case DNP3_RANGE_START_STOP16:
    case DNP3_RANGE_START_STOP32: {
        const int n = rs / 2;
        if (b < a)
            return werr(w, DNP3_E_APP_RANGE);
        if (n < 4 && b >= (1u << (8 * n)))
            return werr(w, DNP3_E_APP_VALUE);
        if (a == 0 && b == UINT32_MAX)
            return werr(w, DNP3_E_APP_COUNT);
        dnp3i_put_le_n(h + 3, n, a);
        dnp3i_put_le_n(h + 3 + n, n, b);
        start = a;
        count = b - a + 1;
        break;
    }
    case DNP3_RANGE_ALL:
        break;
    default: /* single address or count */
        if (rs < 4 && a >= (1u << (8 * rs)))
            return werr(w, DNP3_E_APP_VALUE);
        dnp3i_put_le_n(h + 3, rs, a);
        if (range <= DNP3_RANGE_ADDRESS32) {
            start = a;
            count = 1;
        } else {
            count = a;
        }
        break;
    }

    const dnp3_obj_info_t *info = dnp3_obj_lookup(group, variation);
    const bool has_data = dnp3_app_obj_has_data(w->func, group, variation, qualifier);
    if (has_data && !info)
        return werr(w, DNP3_E_APP_OBJECT_UNKNOWN);
    rc = put(w, h, 3 + (size_t)rs);
    if (rc < 0)
        return rc;
    w->in_header = true;
    w->group = group;
    w->variation = variation;
    w->qualifier = qualifier;
    w->info = info;
    w->has_data = has_data;
    w->start = start;
    w->expected = count;
    w->written = 0;
    w->packed_at = w->len;

    /* Packed bits without prefixes: reserve and clear the whole bit field
     * now; points then set their bits in place. */
    if (has_data && DNP3_QUAL_PREFIX(qualifier) == DNP3_PREFIX_NONE &&
        (info->size_kind == DNP3_SK_PACKED1 || info->size_kind == DNP3_SK_PACKED2)) {
        uint64_t bits = (uint64_t)count * (info->size_kind == DNP3_SK_PACKED1 ? 1 : 2);
        uint64_t bytes = (bits + 7) / 8;
        if (bytes > w->cap - w->len)
            return werr(w, DNP3_E_NOSPACE);
        memset(w->buf + w->len, 0, (size_t)bytes);
        w->len += (size_t)bytes;
    }
    return DNP3_OK;
}

int dnp3_app_write_range(dnp3_app_writer_t *w, uint8_t group, uint8_t variation, uint32_t start,
                         uint32_t stop)
{
    uint8_t q = stop <= 0xFF ? 0x00 : stop <= 0xFFFF ? 0x01 : 0x02;
    return dnp3_app_write_header(w, group, variation, q, start, stop);
}

int dnp3_app_write_indexed(dnp3_app_writer_t *w, uint8_t group, uint8_t variation, uint32_t count,
                           uint32_t max_index)
{
    uint32_t m = count > max_index ? count : max_index;
    uint8_t q = m <= 0xFF ? 0x17 : m <= 0xFFFF ? 0x28 : 0x39;
    return dnp3_app_write_header(w, group, variation, q, count, 0);
}

int dnp3_app_write_point(dnp3_app_writer_t *w, const dnp3_point_t *pt)
{
    if (w->error)
        return w->error;
    if (!pt)
        return werr(w, DNP3_E_INVALID_ARG);
    if (!w->in_header || !header_takes_points(w))
        return werr(w, DNP3_E_APP_STATE);
    if (w->written >= w->expected)
        return werr(w, DNP3_E_APP_COUNT);

    const uint8_t prefix = DNP3_QUAL_PREFIX(w->qualifier);
    const int ps = dnp3i_prefix_size(w->qualifier); /* checked by write_header */
    const bool index_prefix = prefix >= DNP3_PREFIX_INDEX8 && prefix <= DNP3_PREFIX_INDEX32;
    const dnp3_obj_info_t *info = w->info;
    uint8_t *p;

    if (index_prefix && ps < 4 && pt->index >= (1u << (8 * ps)))
        return werr(w, DNP3_E_APP_VALUE);
    if (!w->has_data) { /* index list of a request */
        if (w->cap - w->len < (size_t)ps)
            return werr(w, DNP3_E_NOSPACE);
        dnp3i_put_le_n(w->buf + w->len, ps, pt->index);
        w->len += (size_t)ps;
        w->written++;
        return DNP3_OK;
    }
    if (pt->type != (dnp3_value_type_t)info->value_type)
        return werr(w, DNP3_E_APP_VALUE);

    /* Packed bits without prefix: set the bit(s) reserved by the header. */
    if ((info->size_kind == DNP3_SK_PACKED1 || info->size_kind == DNP3_SK_PACKED2)) {
        const unsigned bits = info->size_kind == DNP3_SK_PACKED1 ? 1 : 2;
        unsigned v = bits == 1 ? (pt->v.binary ? 1u : 0u) : pt->v.double_bit;
        if (v > 3u)
            return werr(w, DNP3_E_APP_VALUE);
        if (ps == 0) {
            size_t bit = (size_t)w->written * bits;
            w->buf[w->packed_at + bit / 8] |= (uint8_t)(v << (bit % 8));
        } else { /* with an index prefix: one byte per point */
            if (prefix >= DNP3_PREFIX_SIZE8)
                return werr(w, DNP3_E_APP_QUALIFIER_OBJECT);
            if (w->cap - w->len < (size_t)ps + 1)
                return werr(w, DNP3_E_NOSPACE);
            dnp3i_put_le_n(w->buf + w->len, ps, pt->index);
            w->buf[w->len + (size_t)ps] = (uint8_t)v;
            w->len += (size_t)ps + 1;
        }
        w->written++;
        return DNP3_OK;
    }

    size_t n;
    switch (info->size_kind) {
    case DNP3_SK_ATTRIBUTE: {
        if (!index_prefix && prefix != DNP3_PREFIX_NONE)
            return werr(w, DNP3_E_APP_QUALIFIER_OBJECT);
        size_t len = pt->v.bytes.len;
        uint8_t type = pt->v.bytes.attr_type;
        /* Lengths above 255 only exist for the extended list (FACTS 5.1). */
        if (type == DNP3_ATTR_EXLIST ? (len < 256 || len > 511) : len > 255)
            return werr(w, DNP3_E_APP_VALUE);
        if (len && !pt->v.bytes.data)
            return werr(w, DNP3_E_INVALID_ARG);
        if (w->cap - w->len < (size_t)ps + 2 + len)
            return werr(w, DNP3_E_NOSPACE);
        p = w->buf + w->len;
        if (ps)
            dnp3i_put_le_n(p, ps, pt->index);
        p += ps;
        p[0] = type;
        p[1] = (uint8_t)(type == DNP3_ATTR_EXLIST ? len - 256 : len);
        if (len)
            memcpy(p + 2, pt->v.bytes.data, len);
        w->len += (size_t)ps + 2 + len;
        w->written++;
        return DNP3_OK;
    }
    case DNP3_SK_FREE_FORMAT:
        if (prefix < DNP3_PREFIX_SIZE8)
            return werr(w, DNP3_E_APP_QUALIFIER_OBJECT);
        n = pt->v.bytes.len;
        if (ps < 4 && n >= (1u << (8 * ps)))
            return werr(w, DNP3_E_APP_VALUE);
        if (n && !pt->v.bytes.data)
            return werr(w, DNP3_E_INVALID_ARG);
        if (w->cap - w->len < (size_t)ps + n)
            return werr(w, DNP3_E_NOSPACE);
        p = w->buf + w->len;
        dnp3i_put_le_n(p, ps, (uint32_t)n);
        if (n)
            memcpy(p + ps, pt->v.bytes.data, n);
        w->len += (size_t)ps + n;
        w->written++;
        return DNP3_OK;
    default:
        break;
    }

    n = dnp3i_obj_size(info, w->variation);
    if (n == 0)
        return werr(w, DNP3_E_APP_STATE);
    if (w->cap - w->len < (size_t)ps + n)
        return werr(w, DNP3_E_NOSPACE);
    p = w->buf + w->len;
    if (ps)
        dnp3i_put_le_n(p, ps, index_prefix ? pt->index : (uint32_t)n);
    int rc = dnp3i_fields_write(info, n, pt, w->has_cto, w->cto, p + ps);
    if (rc < 0)
        return werr(w, rc);
    if (info->group == 51) {
        w->has_cto = true;
        w->cto = pt->time;
    }
    w->len += (size_t)ps + n;
    w->written++;
    return DNP3_OK;
}

int dnp3_app_write_free_format(dnp3_app_writer_t *w, uint8_t group, uint8_t variation,
                               const uint8_t *obj, size_t len)
{
    if (w->error)
        return w->error;
    if (len > 0xFFFF || (len && !obj))
        return werr(w, DNP3_E_APP_VALUE);
    int rc = close_header(w);
    if (rc < 0)
        return rc;
    if (!w->started)
        return werr(w, DNP3_E_APP_STATE);
    if (w->cap - w->len < 6 + len)
        return werr(w, DNP3_E_NOSPACE);
    uint8_t *p = w->buf + w->len;
    p[0] = group;
    p[1] = variation;
    p[2] = 0x5B;
    p[3] = 1;
    dnp3i_put_le16(p + 4, (uint16_t)len);
    if (len)
        memcpy(p + 6, obj, len);
    w->len += 6 + len;
    w->in_header = false;
    return DNP3_OK;
}

int dnp3_app_writer_finish(dnp3_app_writer_t *w)
{
    if (w->error)
        return w->error;
    if (!w->started)
        return werr(w, DNP3_E_APP_STATE);
    int rc = close_header(w);
    if (rc < 0)
        return rc;
    return (int)w->len;
}

size_t dnp3_app_writer_len(const dnp3_app_writer_t *w)
{
    return w->len;
}
