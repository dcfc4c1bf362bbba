/* Zero-copy iterators: object headers of a fragment, points of a header.
 *
 * dnp3_obj_iter_next() validates the whole extent of a header's objects
 * before returning it, so dnp3_point_iter_next() can never run past the
 * data. Every count is checked against the bytes that remain before any
 * loop runs, and every loop advances at least one byte, so hostile counts
 * cost O(fragment length). */
#include "app/app_internal.h"

void dnp3_obj_iter_init(dnp3_obj_iter_t *it, const uint8_t *frag, size_t len,
                        const dnp3_app_header_t *h)
{
    memset(it, 0, sizeof *it);
    it->frag = frag;
    it->len = frag ? len : 0;
    it->func = h ? h->func : 0;
    it->pos = (h && h->has_iin) ? 4 : 2;
    if (it->pos > it->len)
        it->pos = it->len;
    /* Undefined function code: the layout of what follows is unknown, so
     * the bytes are left to the caller (who answers IIN2.0). */
    if (h && !dnp3_fc_is_defined(h->func))
        it->opaque = true;
}

static int fail(dnp3_obj_iter_t *it, dnp3_obj_header_t *out, int code, size_t offset)
{
    it->diag.code = code;
    it->diag.offset = offset;
    it->stopped = true;
    out->partial = true;
    return code;
}

/* Walk `count` objects that each carry their own length (size prefixes,
 * g0 attributes) and return the bytes they span, or an error with the
 * offset of the failing object. */
static int walk_sized(const dnp3_obj_iter_t *it, const dnp3_obj_header_t *h, int ps, size_t start,
                      size_t *span, size_t *err_off)
{
    size_t pos = start;
    const bool size_prefix = h->prefix_code >= DNP3_PREFIX_SIZE8;
    const bool attr = !size_prefix && h->info && h->info->size_kind == DNP3_SK_ATTRIBUTE;
    const size_t fixed = h->info ? dnp3i_obj_size(h->info, h->variation) : 0;
    const bool exact = h->info && (h->info->size_kind == DNP3_SK_FIXED ||
                                   h->info->size_kind == DNP3_SK_BY_VARIATION);

    for (uint32_t i = 0; i < h->count; i++) {
        *err_off = pos;
        if (it->len - pos < (size_t)ps)
            return DNP3_E_APP_OBJECT_DATA;
        size_t n;
        if (size_prefix) {
            n = dnp3i_get_le_n(it->frag + pos, ps);
            if (exact && n != fixed)
                return DNP3_E_APP_FREE_FORMAT; /* size prefix contradicts the variation */
            if (h->info &&
                (h->info->size_kind == DNP3_SK_ATTRIBUTE || h->info->size_kind == DNP3_SK_PACKED1 ||
                 h->info->size_kind == DNP3_SK_PACKED2))
                return DNP3_E_APP_QUALIFIER_OBJECT;
            pos += (size_t)ps;
        } else {
            pos += (size_t)ps;
            if (attr) {
                if (it->len - pos < 2)
                    return DNP3_E_APP_OBJECT_DATA;
                uint8_t type = it->frag[pos];
                n = it->frag[pos + 1];
                if (type == DNP3_ATTR_EXLIST)
                    n += 256; /* FACTS 5.1: the extended list's length is length + 256 */
                pos += 2;
                *err_off = pos - 2;
            } else {
                return DNP3_E_APP_QUALIFIER_OBJECT;
            }
        }
        if (it->len - pos < n)
            return DNP3_E_APP_OBJECT_DATA;
        pos += n;
    }
    *span = pos - start;
    return DNP3_OK;
}

int dnp3_obj_iter_next(dnp3_obj_iter_t *it, dnp3_obj_header_t *out)
{
    if (!it || !out)
        return DNP3_E_INVALID_ARG;
    memset(out, 0, sizeof *out);
    if (it->stopped)
        return it->diag.code < 0 ? it->diag.code : 0;
    if (it->opaque || it->pos >= it->len) {
        it->stopped = true;
        return 0;
    }

    const uint8_t *f = it->frag;
    const size_t off = it->pos;
    const size_t avail = it->len - off;
    out->offset = off;
    if (avail < 1)
        return fail(it, out, DNP3_E_APP_HEADER_TRUNCATED, off);
    out->group = f[off];
    if (avail < 2)
        return fail(it, out, DNP3_E_APP_HEADER_TRUNCATED, off + 1);
    out->variation = f[off + 1];
    out->info = dnp3_obj_lookup(out->group, out->variation);
    if (avail < 3)
        return fail(it, out, DNP3_E_APP_HEADER_TRUNCATED, off + 2);
    const uint8_t q = f[off + 2];
    out->qualifier = q;
    out->prefix_code = DNP3_QUAL_PREFIX(q);
    out->range_code = DNP3_QUAL_RANGE(q);
    if (dnp3_qualifier_check(q) != DNP3_OK)
        return fail(it, out, DNP3_E_APP_QUALIFIER, off + 2);

    /* Checked above: the sizes come from the tables without a re-check. */
    const int rs = dnp3i_range_size(q);
    if (avail - 3 < (size_t)rs)
        return fail(it, out, DNP3_E_APP_HEADER_TRUNCATED, off + 3);
    const uint8_t *r = f + off + 3;
    switch (out->range_code) {
    case DNP3_RANGE_START_STOP8:
    case DNP3_RANGE_START_STOP16:
    case DNP3_RANGE_START_STOP32: {
        const int n = rs / 2;
        out->has_range = true;
        out->start = dnp3i_get_le_n(r, n);
        out->stop = dnp3i_get_le_n(r + n, n);
        if (out->stop < out->start || (out->group == 0 && out->stop != out->start))
            return fail(it, out, DNP3_E_APP_RANGE, off + 3);
        uint64_t c = (uint64_t)out->stop - out->start + 1;
        if (c > UINT32_MAX)
            return fail(it, out, DNP3_E_APP_COUNT, off + 3); /* 2^32 objects */
        out->count = (uint32_t)c;
        break;
    }
    case DNP3_RANGE_ADDRESS8:
    case DNP3_RANGE_ADDRESS16:
    case DNP3_RANGE_ADDRESS32:
        out->has_range = true;
        out->start = out->stop = dnp3i_get_le_n(r, rs);
        out->count = 1;
        break;
    case DNP3_RANGE_ALL:
        break;
    default: /* counts 0x7-0x9, 0xB */
        out->count = dnp3i_get_le_n(r, rs);
        break;
    }

    if (out->variation == 0 && !dnp3_app_var0_allowed(it->func, out->group))
        return fail(it, out, DNP3_E_APP_VARIATION, off);

    const size_t data_off = off + 3 + (size_t)rs;
    const size_t rem = it->len - data_off;
    const int ps = dnp3i_prefix_size(q);
    out->data = f + data_off;
    out->has_data = dnp3i_app_obj_has_data(it->func, out->group, out->variation, q, out->info);
    out->has_cto = it->has_cto;
    out->cto = it->cto;
    out->cto_variation = it->cto_variation;

    size_t span = 0;
    if (!out->has_data) {
        /* Headers only; an index prefix still precedes each (absent) object,
         * e.g. READ g32v0 0x17 with a list of indices. */
        if (out->prefix_code >= DNP3_PREFIX_INDEX8 && out->prefix_code <= DNP3_PREFIX_INDEX32) {
            if ((uint64_t)out->count * (uint64_t)ps > rem)
                return fail(it, out, DNP3_E_APP_OBJECT_DATA, data_off + (rem / ps) * ps);
            span = (size_t)out->count * (size_t)ps;
        }
    } else if (out->prefix_code >= DNP3_PREFIX_SIZE8 ||
               (out->info && out->info->size_kind == DNP3_SK_ATTRIBUTE)) {
        /* Objects sized one by one. Each takes at least `ps` bytes (attributes
         * at least ps + 2), which bounds the count before walking. */
        size_t min = (size_t)ps + (out->prefix_code >= DNP3_PREFIX_SIZE8 ? 0 : 2);
        if (min && (uint64_t)out->count * min > rem)
            return fail(it, out, out->count > rem ? DNP3_E_APP_COUNT : DNP3_E_APP_OBJECT_DATA,
                        data_off);
        size_t err_off = data_off;
        int rc = walk_sized(it, out, ps, data_off, &span, &err_off);
        if (rc < 0) {
            out->data_len = rem;
            return fail(it, out, rc, err_off);
        }
    } else if (!out->info) {
        out->data_len = rem;
        return fail(it, out, DNP3_E_APP_OBJECT_UNKNOWN, off);
    } else {
        const dnp3_obj_info_t *info = out->info;
        uint64_t need;
        size_t each;
        if (info->size_kind == DNP3_SK_FREE_FORMAT)
            return fail(it, out, DNP3_E_APP_QUALIFIER_OBJECT, off + 2);
        if (info->size_kind == DNP3_SK_PACKED1 || info->size_kind == DNP3_SK_PACKED2) {
            const unsigned bits = info->size_kind == DNP3_SK_PACKED1 ? 1 : 2;
            if (ps == 0) {
                need = ((uint64_t)out->count * bits + 7) / 8;
                each = 1;
            } else {
                /* With an index prefix each point takes its own byte. */
                each = (size_t)ps + 1;
                need = (uint64_t)out->count * each;
            }
        } else {
            each = (size_t)ps + dnp3i_obj_size(info, out->variation);
            need = (uint64_t)out->count * each;
        }
        if (need > rem) {
            size_t whole = each ? (rem / each) * each : 0;
            return fail(it, out, DNP3_E_APP_OBJECT_DATA, data_off + whole);
        }
        span = (size_t)need;
        /* Remember the CTO (the last one of the header applies onward). */
        if (out->group == 51 && out->count > 0) {
            it->has_cto = true;
            it->cto_variation = out->variation;
            it->cto = dnp3i_get_le48(f + data_off + span - 6);
        }
    }
    out->data_len = span;
    it->pos = data_off + span;
    return 1;
}

void dnp3_point_iter_init(dnp3_point_iter_t *pi, const dnp3_obj_header_t *h,
                          const dnp3_obj_iter_t *ctx)
{
    memset(pi, 0, sizeof *pi);
    pi->h = h;
    /* Headers from dnp3_obj_iter_next are already checked; one the caller
     * built is checked here, once, rather than for every object. */
    pi->ps = h ? dnp3_qualifier_prefix_size(h->qualifier) : -1;
    if (h && h->has_cto) {
        pi->has_cto = true;
        pi->cto = h->cto;
    } else if (ctx && ctx->has_cto) {
        pi->has_cto = true;
        pi->cto = ctx->cto;
    }
}

static int pfail(dnp3_point_iter_t *pi, int code, size_t pos)
{
    pi->diag.code = code;
    /* Offset into the fragment: the objects start after the header's
     * 3 bytes and its range field. */
    int rs = dnp3_qualifier_range_size(pi->h->qualifier);
    pi->diag.offset = pi->h->offset + 3 + (size_t)(rs > 0 ? rs : 0) + pos;
    pi->i = pi->h->count;
    return code;
}

int dnp3_point_iter_next(dnp3_point_iter_t *pi, dnp3_point_t *pt)
{
    if (!pi || !pt || !pi->h)
        return DNP3_E_INVALID_ARG;
    const dnp3_obj_header_t *h = pi->h;
    if (pi->i >= h->count || h->partial)
        return 0;
    const int ps = pi->ps;
    if (ps < 0)
        return 0;
    const bool index_prefix =
        h->prefix_code >= DNP3_PREFIX_INDEX8 && h->prefix_code <= DNP3_PREFIX_INDEX32;
    const bool size_prefix = h->prefix_code >= DNP3_PREFIX_SIZE8;
    if (!h->has_data && !index_prefix)
        return 0;

    memset(pt, 0, sizeof *pt);
    pt->group = h->group;
    pt->variation = h->variation;
    pt->index = h->start + pi->i;
    const uint8_t *d = h->data;
    const size_t len = h->data_len;
    size_t pos = pi->pos;
    size_t obj_len = 0;

    if (ps) {
        if (len - pos < (size_t)ps)
            return pfail(pi, DNP3_E_APP_OBJECT_DATA, pos);
        uint32_t v = dnp3i_get_le_n(d + pos, ps);
        if (index_prefix)
            pt->index = v;
        else
            obj_len = v;
        pos += (size_t)ps;
    }
    if (!h->has_data) { /* index-only entry of a request */
        pi->pos = pos;
        pi->i++;
        return 1;
    }

    const dnp3_obj_info_t *info = h->info;
    if (!info) { /* unknown, skipped by its size prefix: raw bytes */
        if (len - pos < obj_len)
            return pfail(pi, DNP3_E_APP_OBJECT_DATA, pos);
        pt->type = DNP3_VT_NONE;
        pt->v.bytes.data = d + pos;
        pt->v.bytes.len = obj_len;
        pi->pos = pos + obj_len;
        pi->i++;
        return 1;
    }

    switch (info->size_kind) {
    case DNP3_SK_PACKED1:
    case DNP3_SK_PACKED2: {
        const unsigned bits = info->size_kind == DNP3_SK_PACKED1 ? 1 : 2;
        uint8_t v;
        if (ps == 0) {
            /* First point in the low bits of the first byte (FACTS 5.2). */
            size_t bit = (size_t)pi->i * bits;
            if (bit / 8 >= len)
                return pfail(pi, DNP3_E_APP_OBJECT_DATA, bit / 8);
            v = (uint8_t)((d[bit / 8] >> (bit % 8)) & ((1u << bits) - 1));
        } else {
            if (len - pos < 1)
                return pfail(pi, DNP3_E_APP_OBJECT_DATA, pos);
            v = (uint8_t)(d[pos] & ((1u << bits) - 1));
            pos += 1;
        }
        pt->type = (dnp3_value_type_t)info->value_type;
        if (bits == 1)
            pt->v.binary = v != 0;
        else
            pt->v.double_bit = v;
        break;
    }
    case DNP3_SK_ATTRIBUTE: {
        if (len - pos < 2)
            return pfail(pi, DNP3_E_APP_OBJECT_DATA, pos);
        uint8_t type = d[pos];
        size_t n = d[pos + 1];
        if (type == DNP3_ATTR_EXLIST)
            n += 256;
        pos += 2;
        if (len - pos < n)
            return pfail(pi, DNP3_E_APP_OBJECT_DATA, pos);
        pt->type = DNP3_VT_ATTRIBUTE;
        pt->v.bytes.attr_type = type;
        pt->v.bytes.data = d + pos;
        pt->v.bytes.len = n;
        pos += n;
        break;
    }
    case DNP3_SK_FREE_FORMAT:
        if (len - pos < obj_len)
            return pfail(pi, DNP3_E_APP_OBJECT_DATA, pos);
        pt->type = (dnp3_value_type_t)info->value_type;
        pt->v.bytes.data = d + pos;
        pt->v.bytes.len = obj_len;
        pos += obj_len;
        break;
    default: {
        size_t n = dnp3i_obj_size(info, h->variation);
        if ((size_prefix && obj_len != n) || len - pos < n || n == 0)
            return pfail(pi, DNP3_E_APP_OBJECT_DATA, pos);
        dnp3i_fields_read(info, d + pos, n, pi->has_cto, pi->cto, pt);
        pos += n;
        break;
    }
    }
    pi->pos = pos;
    pi->i++;
    return 1;
}
