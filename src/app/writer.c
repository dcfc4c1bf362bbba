/* Fragment writer: application header, object headers and objects into the
 * caller's buffer.
 *
 * DNP3_E_NOSPACE (and DNP3_E_APP_COUNT from a full open header) leave the
 * writer exactly as it was, so a caller can fill a fragment until it is full
 * and carry the rest into the next. Every other error is sticky: after it
 * every call returns it, so a caller may check only dnp3_app_writer_finish().
 *
 * Every byte goes in at w->len except three things, each undone by rollback:
 * the count/stop field of an open header (patched at close), an empty open
 * header (removed at close) and packed bits (set in the last byte). */
#include "app/app_internal.h"

/* How the objects of the current header are written (w->kind). */
enum {
    K_NONE = 0,     /* no objects follow (READ-style header without prefixes) */
    K_INDEX_ONLY,   /* request index list: the prefix alone */
    K_PACKED,       /* bits without prefix, appended one byte at a time */
    K_PACKED_INDEX, /* packed type with an index prefix: one byte per point */
    K_ATTRIBUTE,    /* g0: type, length, value */
    K_FREE,         /* size prefix then the object's bytes */
    K_FIXED,        /* fixed layout (FIXED, BY_VARIATION) */
    K_BAD_QUALIFIER /* the qualifier cannot carry this object */
};

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

/* The one bounds check of the writer: n more bytes fit at w->len. */
static inline bool room(const dnp3_app_writer_t *w, size_t n)
{
    return w->cap - w->len >= n;
}

static int write_app_header(dnp3_app_writer_t *w, const uint8_t *h, size_t n, uint8_t func)
{
    if (w->error)
        return w->error;
    if (w->started || dnp3_fc_is_response(func) != (n == 4))
        return werr(w, DNP3_E_APP_STATE);
    if (!room(w, n))
        return DNP3_E_NOSPACE;
    memcpy(w->buf + w->len, h, n);
    w->len += n;
    w->started = true;
    w->func = func;
    return DNP3_OK;
}

int dnp3_app_write_request(dnp3_app_writer_t *w, uint8_t control, uint8_t func)
{
    const uint8_t h[2] = {control, func};
    return write_app_header(w, h, 2, func);
}

int dnp3_app_write_response(dnp3_app_writer_t *w, uint8_t control, uint8_t func, uint16_t iin)
{
    const uint8_t h[4] = {control, func, (uint8_t)(iin >> 8), (uint8_t)iin};
    return write_app_header(w, h, 4, func);
}

/* ---- open headers: the count or stop field follows the objects written -- */

static uint32_t field_max(int bytes)
{
    return bytes < 4 ? (1u << (8 * bytes)) - 1 : UINT32_MAX;
}

/* Write the current open header at w->header_at with its range field saying
 * `objects` objects. While the header is open the field holds the
 * placeholder for 0 (count 0, stop = start); it is patched at close. */
static void emit_open_header(dnp3_app_writer_t *w, uint32_t objects)
{
    uint8_t *h = w->buf + w->header_at;
    const int rs = dnp3_qualifier_range_size(w->qualifier);
    h[0] = w->group;
    h[1] = w->variation;
    h[2] = w->qualifier;
    if (DNP3_QUAL_RANGE(w->qualifier) <= DNP3_RANGE_START_STOP32) {
        const uint32_t stop = objects ? w->start + (objects - 1) : w->start;
        dnp3i_put_le_n(h + 3, rs / 2, w->start);
        dnp3i_put_le_n(h + 3 + rs / 2, rs / 2, stop);
    } else {
        dnp3i_put_le_n(h + 3, rs, objects);
    }
}

int dnp3_app_write_close_header(dnp3_app_writer_t *w)
{
    if (w->error)
        return w->error;
    if (!w->in_header)
        return DNP3_OK;
    if (w->open) {
        if (w->written == 0)
            w->len = w->header_at; /* nothing fitted: no header either */
        else
            emit_open_header(w, w->written);
    } else if (w->takes_points && w->written != w->expected) {
        return werr(w, DNP3_E_APP_COUNT);
    }
    w->in_header = false;
    return DNP3_OK;
}

/* ---- object headers -------------------------------------------------------- */

static uint8_t header_kind(const dnp3_app_writer_t *w)
{
    const uint8_t prefix = DNP3_QUAL_PREFIX(w->qualifier);
    const bool index_prefix = prefix >= DNP3_PREFIX_INDEX8 && prefix <= DNP3_PREFIX_INDEX32;
    const bool size_prefix = prefix >= DNP3_PREFIX_SIZE8;
    if (!w->has_data)
        return index_prefix ? K_INDEX_ONLY : K_NONE;
    switch (w->info->size_kind) {
    case DNP3_SK_PACKED1:
    case DNP3_SK_PACKED2:
        return size_prefix ? K_BAD_QUALIFIER : index_prefix ? K_PACKED_INDEX : K_PACKED;
    case DNP3_SK_ATTRIBUTE:
        return size_prefix ? K_BAD_QUALIFIER : K_ATTRIBUTE;
    case DNP3_SK_FREE_FORMAT:
        return size_prefix ? K_FREE : K_BAD_QUALIFIER;
    default:
        return K_FIXED;
    }
}

/* Range field of a header being written: fills h + 3 and the start/count
 * the objects will follow. */
static int range_field(uint8_t qualifier, uint8_t group, uint32_t a, uint32_t b, uint8_t *h,
                       uint32_t *start, uint32_t *count)
{
    const int rs = dnp3i_range_size(qualifier); /* the caller checked the qualifier */
    const uint8_t range = DNP3_QUAL_RANGE(qualifier);
    *start = 0;
    *count = 0;
    switch (range) {
    case DNP3_RANGE_START_STOP8:
    case DNP3_RANGE_START_STOP16:
    case DNP3_RANGE_START_STOP32: {
        const int n = rs / 2;
        if (b < a || (group == 0 && a != b))
            return DNP3_E_APP_RANGE;
        if (b > field_max(n))
            return DNP3_E_APP_VALUE;
        if (a == 0 && b == UINT32_MAX)
            return DNP3_E_APP_COUNT;
        dnp3i_put_le_n(h + 3, n, a);
        dnp3i_put_le_n(h + 3 + n, n, b);
        *start = a;
        *count = b - a + 1;
        return DNP3_OK;
    }
    case DNP3_RANGE_ALL:
        return DNP3_OK;
    default: /* single address or count */
        if (a > field_max(rs))
            return DNP3_E_APP_VALUE;
        dnp3i_put_le_n(h + 3, rs, a);
        if (range <= DNP3_RANGE_ADDRESS32) {
            *start = a;
            *count = 1;
        } else {
            *count = a;
        }
        return DNP3_OK;
    }
}

/* Checks shared by every kind of header, then the header bytes h[0..n) go
 * in and the header becomes the current one. */
static int begin_header(dnp3_app_writer_t *w, const uint8_t *h, size_t n, uint32_t start,
                        uint32_t count, bool open)
{
    const uint8_t group = h[0], variation = h[1], qualifier = h[2];
    const dnp3_obj_info_t *info = dnp3_obj_lookup(group, variation);
    const bool has_data = dnp3i_app_obj_has_data(w->func, group, variation, qualifier, info);
    if (variation == 0 && !dnp3_app_var0_allowed(w->func, group))
        return werr(w, DNP3_E_APP_VARIATION);
    if (has_data && !info)
        return werr(w, DNP3_E_APP_OBJECT_UNKNOWN);
    if (!room(w, n))
        return DNP3_E_NOSPACE;
    /* Checked before closing the previous header so that NOSPACE changes
     * nothing; closing only ever gives bytes back. */
    int rc = dnp3_app_write_close_header(w);
    if (rc < 0)
        return rc;
    w->header_at = w->len;
    memcpy(w->buf + w->len, h, n);
    w->len += n;
    w->in_header = true;
    w->open = open;
    w->group = group;
    w->variation = variation;
    w->qualifier = qualifier;
    w->info = info;
    w->has_data = has_data;
    w->kind = header_kind(w);
    w->takes_points = w->kind != K_NONE;
    w->ps = (uint8_t)dnp3i_prefix_size(qualifier);
    w->obj_size = info ? dnp3i_obj_size(info, variation) : 0;
    w->start = start;
    w->expected = count;
    w->written = 0;
    w->packed_at = w->len;
    return DNP3_OK;
}

int dnp3_app_write_header(dnp3_app_writer_t *w, uint8_t group, uint8_t variation, uint8_t qualifier,
                          uint32_t a, uint32_t b)
{
    if (w->error)
        return w->error;
    if (!w->started)
        return werr(w, DNP3_E_APP_STATE);
    if (dnp3_qualifier_check(qualifier) != DNP3_OK)
        return werr(w, DNP3_E_APP_QUALIFIER);
    uint8_t h[11] = {group, variation, qualifier};
    uint32_t start, count;
    int rc = range_field(qualifier, group, a, b, h, &start, &count);
    if (rc < 0)
        return werr(w, rc);
    return begin_header(w, h, 3 + (size_t)dnp3i_range_size(qualifier), start, count, false);
}

int dnp3_app_write_open_header(dnp3_app_writer_t *w, uint8_t group, uint8_t variation,
                               uint8_t qualifier, uint32_t start)
{
    if (w->error)
        return w->error;
    if (!w->started)
        return werr(w, DNP3_E_APP_STATE);
    const uint8_t range = DNP3_QUAL_RANGE(qualifier);
    if (dnp3_qualifier_check(qualifier) != DNP3_OK ||
        (range >= DNP3_RANGE_ADDRESS8 && range <= DNP3_RANGE_ALL))
        return werr(w, DNP3_E_APP_QUALIFIER);
    /* Only a header whose objects are written can grow (not a READ range). */
    const uint8_t prefix = DNP3_QUAL_PREFIX(qualifier);
    if (!dnp3_app_obj_has_data(w->func, group, variation, qualifier) &&
        !(prefix >= DNP3_PREFIX_INDEX8 && prefix <= DNP3_PREFIX_INDEX32))
        return werr(w, DNP3_E_APP_STATE);
    const int rs = dnp3_qualifier_range_size(qualifier);
    uint32_t most;
    if (range <= DNP3_RANGE_START_STOP32) {
        const uint32_t max_stop = field_max(rs / 2);
        if (start > max_stop)
            return werr(w, DNP3_E_APP_VALUE);
        /* g0: start = stop = the attribute set, so one object at most. */
        most = group == 0 ? 1 : max_stop - start == UINT32_MAX ? UINT32_MAX : max_stop - start + 1;
    } else {
        start = 0;
        most = field_max(rs);
    }
    const uint8_t h[11] = {group, variation, qualifier};
    int rc = begin_header(w, h, 3 + (size_t)rs, start, most, true);
    if (rc < 0)
        return rc;
    emit_open_header(w, 0);
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
    return dnp3_app_write_header(w, group, variation, dnp3i_indexed_qualifier(count, max_index),
                                 count, 0);
}

/* ---- objects -----------------------------------------------------------------
 * dnp3_app_write_point: object_size() checks what the object's kind needs
 * and says how many bytes it takes, the one bounds check follows, then one
 * writer per kind puts the bytes at p = w->buf + w->len. */

static unsigned packed_bits(const dnp3_app_writer_t *w)
{
    return w->info->size_kind == DNP3_SK_PACKED1 ? 1 : 2;
}

static unsigned packed_value(const dnp3_app_writer_t *w, const dnp3_point_t *pt)
{
    return packed_bits(w) == 1 ? (pt->v.binary ? 1u : 0u) : pt->v.double_bit;
}

/* Bytes of a byte-string object (attribute, free-format) after its checks. */
static long bytes_size(const dnp3_app_writer_t *w, const dnp3_point_t *pt)
{
    const size_t len = pt->v.bytes.len;
    if (len && !pt->v.bytes.data)
        return DNP3_E_INVALID_ARG;
    if (w->kind == K_FREE)
        return len > field_max(w->ps) ? DNP3_E_APP_VALUE : (long)(w->ps + len);
    /* Lengths above 255 only exist for the extended list, whose length byte
     * says length - 256 (Annex A, group 0, data type 255). */
    if (pt->v.bytes.attr_type == DNP3_ATTR_EXLIST ? (len < 256 || len > 511) : len > 255)
        return DNP3_E_APP_VALUE;
    return (long)(w->ps + 2 + len);
}

/* Bytes the next object takes, or the error that refuses it: index prefix,
 * value type, and what its kind checks before writing. */
static long object_size(const dnp3_app_writer_t *w, const dnp3_point_t *pt)
{
    const uint8_t prefix = DNP3_QUAL_PREFIX(w->qualifier);
    if (prefix >= DNP3_PREFIX_INDEX8 && prefix <= DNP3_PREFIX_INDEX32 &&
        pt->index > field_max(w->ps))
        return DNP3_E_APP_VALUE;
    if (w->kind == K_INDEX_ONLY)
        return w->ps;
    if (pt->type != (dnp3_value_type_t)w->info->value_type)
        return DNP3_E_APP_VALUE;
    switch (w->kind) {
    case K_FIXED:
        return w->obj_size ? (long)(w->ps + w->obj_size) : DNP3_E_APP_STATE;
    case K_PACKED:
        if (packed_value(w, pt) > 3u)
            return DNP3_E_APP_VALUE;
        /* A new byte every 8 / bits points; the others share the last one. */
        return ((size_t)w->written * packed_bits(w)) % 8 == 0 ? 1 : 0;
    case K_PACKED_INDEX:
        return packed_value(w, pt) > 3u ? DNP3_E_APP_VALUE : w->ps + 1;
    case K_ATTRIBUTE:
    case K_FREE:
        return bytes_size(w, pt);
    default:
        return DNP3_E_APP_QUALIFIER_OBJECT;
    }
}

static void put_prefix(const dnp3_app_writer_t *w, uint8_t *p, uint32_t v)
{
    if (w->ps) /* dnp3i_put_le_n has no 0-byte form */
        dnp3i_put_le_n(p, w->ps, v);
}

/* First point in the low bits of the first byte (IEEE 1815-2012 4.2.2.7.5,
 * packed format); the byte at p is new when the point starts one. */
static void put_packed(dnp3_app_writer_t *w, const dnp3_point_t *pt, uint8_t *p)
{
    const size_t bit = (size_t)w->written * packed_bits(w);
    const unsigned v = packed_value(w, pt);
    if (bit % 8 == 0)
        *p = (uint8_t)v;
    else
        w->buf[w->packed_at + bit / 8] |= (uint8_t)(v << (bit % 8));
}

static void put_packed_index(const dnp3_app_writer_t *w, const dnp3_point_t *pt, uint8_t *p)
{
    put_prefix(w, p, pt->index);
    p[w->ps] = (uint8_t)packed_value(w, pt);
}

static void put_attribute(const dnp3_app_writer_t *w, const dnp3_point_t *pt, uint8_t *p)
{
    const size_t len = pt->v.bytes.len;
    const uint8_t type = pt->v.bytes.attr_type;
    put_prefix(w, p, pt->index);
    p += w->ps;
    p[0] = type;
    p[1] = (uint8_t)(type == DNP3_ATTR_EXLIST ? len - 256 : len);
    if (len)
        memcpy(p + 2, pt->v.bytes.data, len);
}

static void put_free(const dnp3_app_writer_t *w, const dnp3_point_t *pt, uint8_t *p)
{
    put_prefix(w, p, (uint32_t)pt->v.bytes.len);
    if (pt->v.bytes.len)
        memcpy(p + w->ps, pt->v.bytes.data, pt->v.bytes.len);
}

static int put_fixed(dnp3_app_writer_t *w, const dnp3_point_t *pt, uint8_t *p)
{
    const bool index_prefix = DNP3_QUAL_PREFIX(w->qualifier) <= DNP3_PREFIX_INDEX32;
    put_prefix(w, p, index_prefix ? pt->index : (uint32_t)w->obj_size);
    int rc = dnp3i_fields_write(w->info, w->obj_size, pt, w->has_cto, w->cto, p + w->ps);
    if (rc < 0)
        return rc;
    if (w->group == 51) {
        w->has_cto = true;
        w->cto = pt->time;
    }
    return DNP3_OK;
}

int dnp3_app_write_point(dnp3_app_writer_t *w, const dnp3_point_t *pt)
{
    if (w->error)
        return w->error;
    if (!pt)
        return werr(w, DNP3_E_INVALID_ARG);
    if (!w->in_header || !w->takes_points)
        return werr(w, DNP3_E_APP_STATE);
    if (w->written >= w->expected)
        return w->open ? DNP3_E_APP_COUNT : werr(w, DNP3_E_APP_COUNT);
    const long need = object_size(w, pt);
    if (need < 0)
        return werr(w, (int)need);
    if (!room(w, (size_t)need))
        return DNP3_E_NOSPACE;
    uint8_t *p = w->buf + w->len;
    switch (w->kind) {
    case K_FIXED: {
        int rc = put_fixed(w, pt, p);
        if (rc < 0)
            return werr(w, rc);
        break;
    }
    case K_INDEX_ONLY:
        put_prefix(w, p, pt->index);
        break;
    case K_PACKED:
        put_packed(w, pt, p);
        break;
    case K_PACKED_INDEX:
        put_packed_index(w, pt, p);
        break;
    case K_ATTRIBUTE:
        put_attribute(w, pt, p);
        break;
    default: /* K_FREE: object_size refused the others */
        put_free(w, pt, p);
        break;
    }
    w->len += (size_t)need;
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
    if (!w->started)
        return werr(w, DNP3_E_APP_STATE);
    if (!room(w, 6 + len))
        return DNP3_E_NOSPACE;
    int rc = dnp3_app_write_close_header(w);
    if (rc < 0)
        return rc;
    uint8_t *p = w->buf + w->len;
    p[0] = group;
    p[1] = variation;
    p[2] = 0x5B;
    p[3] = 1;
    dnp3i_put_le16(p + 4, (uint16_t)len);
    if (len)
        memcpy(p + 6, obj, len);
    w->len += 6 + len;
    return DNP3_OK;
}

void dnp3_app_writer_mark(const dnp3_app_writer_t *w, dnp3_app_writer_mark_t *m)
{
    m->at = *w;
}

int dnp3_app_writer_rollback(dnp3_app_writer_t *w, const dnp3_app_writer_mark_t *m)
{
    if (!w || !m || m->at.buf != w->buf || m->at.cap != w->cap)
        return DNP3_E_INVALID_ARG;
    *w = m->at;
    if (!w->in_header)
        return DNP3_OK;
    /* Undo what may have changed before the mark's length: the open
     * header's field (or the whole header, removed when it closed empty and
     * overwritten since), and bits packed into the last byte. */
    if (w->open)
        emit_open_header(w, 0);
    if (w->kind == K_PACKED) {
        const unsigned bits = w->info->size_kind == DNP3_SK_PACKED1 ? 1 : 2;
        const size_t used = ((size_t)w->written * bits) % 8;
        if (used)
            w->buf[w->len - 1] &= (uint8_t)((1u << used) - 1);
    }
    return DNP3_OK;
}

int dnp3_app_writer_finish(dnp3_app_writer_t *w)
{
    if (w->error)
        return w->error;
    if (!w->started)
        return werr(w, DNP3_E_APP_STATE);
    int rc = dnp3_app_write_close_header(w);
    if (rc < 0)
        return rc;
    return (int)w->len;
}

size_t dnp3_app_writer_len(const dnp3_app_writer_t *w)
{
    return w->len;
}
