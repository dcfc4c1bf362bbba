/* Typed views of free-format objects: g70 file transfer (IEEE 1815-2012
 * A.23.2-A.23.8) and g120 secure authentication (A.45.1-A.45.15; layouts in
 * DNP3-FACTS 5.8 and 10).
 *
 * The body is hostile input: decode first checks that the fixed part is
 * there, reads it at constant offsets, then checks every length and offset
 * against what remains before making a view. Layouts without a trailing
 * "rest" field must be consumed exactly (a length that disagrees with the
 * size prefix is an inconsistency, not padding). */
#include "dnp3/freeformat.h"

#include <string.h>

#include "app_internal.h"

static int ff_fail(dnp3_ff_t *out, size_t at)
{
    out->err_offset = at;
    return DNP3_E_APP_FREE_FORMAT;
}

static dnp3_ff_bytes_t view(const uint8_t *p, size_t off, size_t n)
{
    dnp3_ff_bytes_t b;
    b.data = n ? p + off : NULL;
    b.len = n;
    return b;
}

static dnp3_ff_bytes_t rest(const uint8_t *p, size_t len, size_t off)
{
    return view(p, off, len - off); /* callers have checked off <= len */
}

/* A string located by an (offset, length) pair from the start of the object
 * (g70v2, v3, v7): it must lie after the fixed part and inside the body. An
 * empty string is accepted whatever its offset (nothing is read). */
static bool string_ok(size_t off, size_t n, size_t fixed, size_t len)
{
    if (n == 0)
        return true;
    return off >= fixed && off <= len && n <= len - off;
}

/* Several u16 lengths then their data back to back from `at`, which must
 * end exactly at the end of the body (g120v10-v13). */
static int seq_views(dnp3_ff_t *out, const uint8_t *p, size_t len, size_t at, const size_t *lens,
                     size_t nlens, size_t len_field_at, dnp3_ff_bytes_t **dst)
{
    size_t pos = at;
    for (size_t i = 0; i < nlens; i++) {
        if (lens[i] > len - pos)
            return ff_fail(out, len_field_at + 2 * i);
        *dst[i] = view(p, pos, lens[i]);
        pos += lens[i];
    }
    if (pos != len)
        return ff_fail(out, pos); /* bytes the lengths do not account for */
    return DNP3_OK;
}

/* g70v3 / g70v7: name offset u16 and length u16 first, the name the only
 * variable part and the last thing in the body (which it must end exactly). */
static int only_name(const uint8_t *p, size_t len, size_t fixed, dnp3_ff_t *out, uint16_t *noff,
                     dnp3_ff_bytes_t *name)
{
    uint16_t off = dnp3i_get_le16(p), n = dnp3i_get_le16(p + 2);
    if (!string_ok(off, n, fixed, len))
        return ff_fail(out, 0);
    size_t end = n ? (size_t)off + n : fixed;
    if (end != len)
        return ff_fail(out, end);
    *noff = off;
    *name = view(p, off, n);
    return DNP3_OK;
}

static int decode_g70(const uint8_t *p, size_t len, dnp3_ff_t *out)
{
    switch (out->variation) {
    case 2: { /* authentication: A.23.2 */
        if (len < DNP3_FF_G70V2_FIXED)
            return ff_fail(out, len);
        uint16_t noff = dnp3i_get_le16(p), nlen = dnp3i_get_le16(p + 2);
        uint16_t poff = dnp3i_get_le16(p + 4), plen = dnp3i_get_le16(p + 6);
        if (!string_ok(noff, nlen, DNP3_FF_G70V2_FIXED, len))
            return ff_fail(out, 0);
        if (!string_ok(poff, plen, DNP3_FF_G70V2_FIXED, len))
            return ff_fail(out, 4);
        if (nlen && plen && noff < (size_t)poff + plen && poff < (size_t)noff + nlen)
            return ff_fail(out, 4); /* the two strings overlap */
        size_t end = DNP3_FF_G70V2_FIXED;
        if (nlen && (size_t)noff + nlen > end)
            end = (size_t)noff + nlen;
        if (plen && (size_t)poff + plen > end)
            end = (size_t)poff + plen;
        if (end != len)
            return ff_fail(out, end);
        out->u.file_auth.name_offset = noff;
        out->u.file_auth.pwd_offset = poff;
        out->u.file_auth.auth_key = dnp3i_get_le32(p + 8);
        out->u.file_auth.user_name = view(p, noff, nlen);
        out->u.file_auth.password = view(p, poff, plen);
        return DNP3_OK;
    }
    case 3: { /* file command: A.23.3 */
        if (len < DNP3_FF_G70V3_FIXED)
            return ff_fail(out, len);
        int rc = only_name(p, len, DNP3_FF_G70V3_FIXED, out, &out->u.file_cmd.name_offset,
                           &out->u.file_cmd.name);
        if (rc < 0)
            return rc;
        out->u.file_cmd.created = dnp3i_get_le48(p + 4);
        out->u.file_cmd.permissions = dnp3i_get_le16(p + 10);
        out->u.file_cmd.auth_key = dnp3i_get_le32(p + 12);
        out->u.file_cmd.file_size = dnp3i_get_le32(p + 16);
        out->u.file_cmd.mode = dnp3i_get_le16(p + 20);
        out->u.file_cmd.max_block = dnp3i_get_le16(p + 22);
        out->u.file_cmd.request_id = dnp3i_get_le16(p + 24);
        return DNP3_OK;
    }
    case 4: /* file command status: A.23.4 */
        if (len < DNP3_FF_G70V4_FIXED)
            return ff_fail(out, len);
        out->u.file_cmd_status.handle = dnp3i_get_le32(p);
        out->u.file_cmd_status.file_size = dnp3i_get_le32(p + 4);
        out->u.file_cmd_status.max_block = dnp3i_get_le16(p + 8);
        out->u.file_cmd_status.request_id = dnp3i_get_le16(p + 10);
        out->u.file_cmd_status.status = p[12];
        out->u.file_cmd_status.text = rest(p, len, DNP3_FF_G70V4_FIXED);
        return DNP3_OK;
    case 5: { /* file transport: A.23.5 */
        if (len < DNP3_FF_G70V5_FIXED)
            return ff_fail(out, len);
        uint32_t blk = dnp3i_get_le32(p + 4);
        out->u.file_transport.handle = dnp3i_get_le32(p);
        out->u.file_transport.block = blk & ~DNP3_FILE_LAST_BLOCK;
        out->u.file_transport.last = (blk & DNP3_FILE_LAST_BLOCK) != 0;
        out->u.file_transport.data = rest(p, len, DNP3_FF_G70V5_FIXED);
        return DNP3_OK;
    }
    case 6: { /* file transport status: A.23.6 */
        if (len < DNP3_FF_G70V6_FIXED)
            return ff_fail(out, len);
        uint32_t blk = dnp3i_get_le32(p + 4);
        out->u.file_transport_status.handle = dnp3i_get_le32(p);
        out->u.file_transport_status.block = blk & ~DNP3_FILE_LAST_BLOCK;
        out->u.file_transport_status.last = (blk & DNP3_FILE_LAST_BLOCK) != 0;
        out->u.file_transport_status.status = p[8];
        out->u.file_transport_status.text = rest(p, len, DNP3_FF_G70V6_FIXED);
        return DNP3_OK;
    }
    case 7: { /* file descriptor: A.23.7 */
        if (len < DNP3_FF_G70V7_FIXED)
            return ff_fail(out, len);
        int rc = only_name(p, len, DNP3_FF_G70V7_FIXED, out, &out->u.file_desc.name_offset,
                           &out->u.file_desc.name);
        if (rc < 0)
            return rc;
        out->u.file_desc.type = dnp3i_get_le16(p + 4);
        out->u.file_desc.size = dnp3i_get_le32(p + 6);
        out->u.file_desc.created = dnp3i_get_le48(p + 10);
        out->u.file_desc.permissions = dnp3i_get_le16(p + 16);
        out->u.file_desc.request_id = dnp3i_get_le16(p + 18);
        return DNP3_OK;
    }
    case 8: /* file specification string: A.23.8 */
        out->u.file_spec.spec = rest(p, len, 0);
        return DNP3_OK;
    default:
        return DNP3_E_UNSUPPORTED;
    }
}

static int decode_g120(const uint8_t *p, size_t len, dnp3_ff_t *out)
{
    switch (out->variation) {
    case 1:
        if (len < DNP3_FF_G120V1_FIXED)
            return ff_fail(out, len);
        out->u.sa_challenge.csq = dnp3i_get_le32(p);
        out->u.sa_challenge.user = dnp3i_get_le16(p + 4);
        out->u.sa_challenge.mac_algo = p[6];
        out->u.sa_challenge.reason = p[7];
        out->u.sa_challenge.challenge = rest(p, len, DNP3_FF_G120V1_FIXED);
        return DNP3_OK;
    case 2:
        if (len < 6)
            return ff_fail(out, len);
        out->u.sa_reply.csq = dnp3i_get_le32(p);
        out->u.sa_reply.user = dnp3i_get_le16(p + 4);
        out->u.sa_reply.mac = rest(p, len, 6);
        return DNP3_OK;
    case 3: /* fixed size (qualifier 0x07): exactly CSQ + user */
        if (len != 6)
            return ff_fail(out, len < 6 ? len : 6);
        out->u.sa_aggressive.csq = dnp3i_get_le32(p);
        out->u.sa_aggressive.user = dnp3i_get_le16(p + 4);
        return DNP3_OK;
    case 4:
        if (len != 2)
            return ff_fail(out, len < 2 ? len : 2);
        out->u.sa_key_status_req.user = dnp3i_get_le16(p);
        return DNP3_OK;
    case 5: {
        if (len < DNP3_FF_G120V5_FIXED)
            return ff_fail(out, len);
        size_t clen = dnp3i_get_le16(p + 9);
        if (clen > len - DNP3_FF_G120V5_FIXED)
            return ff_fail(out, 9);
        out->u.sa_key_status.ksq = dnp3i_get_le32(p);
        out->u.sa_key_status.user = dnp3i_get_le16(p + 4);
        out->u.sa_key_status.key_wrap = p[6];
        out->u.sa_key_status.key_status = p[7];
        out->u.sa_key_status.mac_algo = p[8];
        out->u.sa_key_status.challenge = view(p, DNP3_FF_G120V5_FIXED, clen);
        /* The MAC is what remains; its length follows from the algorithm
         * but is not enforced here (a renderer can compare it with
         * dnp3_sa_mac_len). */
        out->u.sa_key_status.mac = rest(p, len, DNP3_FF_G120V5_FIXED + clen);
        return DNP3_OK;
    }
    case 6:
        if (len < 6)
            return ff_fail(out, len);
        out->u.sa_key_change.ksq = dnp3i_get_le32(p);
        out->u.sa_key_change.user = dnp3i_get_le16(p + 4);
        out->u.sa_key_change.wrapped_key = rest(p, len, 6);
        return DNP3_OK;
    case 7:
        if (len < DNP3_FF_G120V7_FIXED)
            return ff_fail(out, len);
        out->u.sa_error.seq = dnp3i_get_le32(p);
        out->u.sa_error.user = dnp3i_get_le16(p + 4);
        out->u.sa_error.assoc = dnp3i_get_le16(p + 6);
        out->u.sa_error.error = p[8];
        out->u.sa_error.time = dnp3i_get_le48(p + 9);
        out->u.sa_error.text = rest(p, len, DNP3_FF_G120V7_FIXED);
        return DNP3_OK;
    case 8:
        if (len < 2)
            return ff_fail(out, len);
        out->u.sa_user_cert.method = p[0];
        out->u.sa_user_cert.cert_type = p[1];
        out->u.sa_user_cert.certificate = rest(p, len, 2);
        return DNP3_OK;
    case 9:
    case 14:
    case 15:
        out->u.sa_value.value = rest(p, len, 0);
        return DNP3_OK;
    case 10: {
        if (len < DNP3_FF_G120V10_FIXED)
            return ff_fail(out, len);
        out->u.sa_user_status.method = p[0];
        out->u.sa_user_status.operation = p[1];
        out->u.sa_user_status.scsq = dnp3i_get_le32(p + 2);
        out->u.sa_user_status.role = dnp3i_get_le16(p + 6);
        out->u.sa_user_status.role_expiry_days = dnp3i_get_le16(p + 8);
        const size_t lens[3] = {dnp3i_get_le16(p + 10), dnp3i_get_le16(p + 12),
                                dnp3i_get_le16(p + 14)};
        dnp3_ff_bytes_t *dst[3] = {&out->u.sa_user_status.user_name,
                                   &out->u.sa_user_status.user_public_key,
                                   &out->u.sa_user_status.cert_data};
        return seq_views(out, p, len, DNP3_FF_G120V10_FIXED, lens, 3, 10, dst);
    }
    case 11: {
        if (len < 5)
            return ff_fail(out, len);
        out->u.sa_ukc_request.method = p[0];
        const size_t lens[2] = {dnp3i_get_le16(p + 1), dnp3i_get_le16(p + 3)};
        dnp3_ff_bytes_t *dst[2] = {&out->u.sa_ukc_request.user_name,
                                   &out->u.sa_ukc_request.challenge};
        return seq_views(out, p, len, 5, lens, 2, 1, dst);
    }
    case 12:
    case 13: {
        if (len < 8)
            return ff_fail(out, len);
        /* v12 and v13 share the shape ksq, user, u16 length, data. */
        const size_t lens[1] = {dnp3i_get_le16(p + 6)};
        dnp3_ff_bytes_t *dst[1] = {out->variation == 12 ? &out->u.sa_ukc_reply.challenge
                                                        : &out->u.sa_ukc.encrypted_key};
        if (out->variation == 12) {
            out->u.sa_ukc_reply.ksq = dnp3i_get_le32(p);
            out->u.sa_ukc_reply.user = dnp3i_get_le16(p + 4);
        } else {
            out->u.sa_ukc.ksq = dnp3i_get_le32(p);
            out->u.sa_ukc.user = dnp3i_get_le16(p + 4);
        }
        return seq_views(out, p, len, 8, lens, 1, 6, dst);
    }
    default:
        return DNP3_E_UNSUPPORTED;
    }
}

int dnp3_ff_read(const dnp3_point_t *pt, dnp3_ff_t *out)
{
    if (!pt || !out || pt->type != DNP3_VT_FREE_FORMAT)
        return DNP3_E_INVALID_ARG;
    const uint8_t *p = pt->v.bytes.data;
    size_t len = pt->v.bytes.len;
    if (len && !p)
        return DNP3_E_INVALID_ARG;
    memset(out, 0, sizeof *out);
    out->group = pt->group;
    out->variation = pt->variation;
    if (pt->group == 70)
        return decode_g70(p, len, out);
    if (pt->group == 120)
        return decode_g120(p, len, out);
    return DNP3_E_UNSUPPORTED;
}

/* ---- encode --------------------------------------------------------------- */

typedef struct ffw {
    uint8_t *p;
    size_t cap, len;
    int err;
} ffw_t;

static uint8_t *w_take(ffw_t *w, size_t n)
{
    if (w->err)
        return NULL;
    if (n > w->cap - w->len) {
        w->err = DNP3_E_NOSPACE;
        return NULL;
    }
    uint8_t *q = w->p + w->len;
    w->len += n;
    return q;
}

static void w_u8(ffw_t *w, uint8_t v)
{
    uint8_t *q = w_take(w, 1);
    if (q)
        q[0] = v;
}

static void w_u16(ffw_t *w, uint16_t v)
{
    uint8_t *q = w_take(w, 2);
    if (q)
        dnp3i_put_le16(q, v);
}

static void w_u32(ffw_t *w, uint32_t v)
{
    uint8_t *q = w_take(w, 4);
    if (q)
        dnp3i_put_le32(q, v);
}

static void w_time(ffw_t *w, dnp3_time_t t)
{
    if (t > DNP3_TIME_MAX && !w->err)
        w->err = DNP3_E_APP_VALUE;
    uint8_t *q = w_take(w, 6);
    if (q)
        dnp3i_put_le48(q, t);
}

static void w_bytes(ffw_t *w, dnp3_ff_bytes_t b)
{
    if (b.len && !b.data && !w->err)
        w->err = DNP3_E_APP_VALUE;
    uint8_t *q = w_take(w, b.len);
    if (q && b.len)
        memcpy(q, b.data, b.len);
}

/* A u16 length field (or offset) for a value that must fit it. */
static void w_len16(ffw_t *w, size_t n)
{
    if (n > 0xFFFF && !w->err)
        w->err = DNP3_E_APP_VALUE;
    w_u16(w, (uint16_t)n);
}

static void w_block(ffw_t *w, uint32_t block, bool last)
{
    if ((block & DNP3_FILE_LAST_BLOCK) && !w->err)
        w->err = DNP3_E_APP_VALUE;
    w_u32(w, block | (last ? DNP3_FILE_LAST_BLOCK : 0));
}

static int encode_g70(const dnp3_ff_t *ff, ffw_t *w)
{
    switch (ff->variation) {
    case 2: {
        const size_t nl = ff->u.file_auth.user_name.len, pl = ff->u.file_auth.password.len;
        w_len16(w, DNP3_FF_G70V2_FIXED);
        w_len16(w, nl);
        w_len16(w, DNP3_FF_G70V2_FIXED + nl);
        w_len16(w, pl);
        w_u32(w, ff->u.file_auth.auth_key);
        w_bytes(w, ff->u.file_auth.user_name);
        w_bytes(w, ff->u.file_auth.password);
        return DNP3_OK;
    }
    case 3:
        w_len16(w, DNP3_FF_G70V3_FIXED);
        w_len16(w, ff->u.file_cmd.name.len);
        w_time(w, ff->u.file_cmd.created);
        w_u16(w, ff->u.file_cmd.permissions);
        w_u32(w, ff->u.file_cmd.auth_key);
        w_u32(w, ff->u.file_cmd.file_size);
        w_u16(w, ff->u.file_cmd.mode);
        w_u16(w, ff->u.file_cmd.max_block);
        w_u16(w, ff->u.file_cmd.request_id);
        w_bytes(w, ff->u.file_cmd.name);
        return DNP3_OK;
    case 4:
        w_u32(w, ff->u.file_cmd_status.handle);
        w_u32(w, ff->u.file_cmd_status.file_size);
        w_u16(w, ff->u.file_cmd_status.max_block);
        w_u16(w, ff->u.file_cmd_status.request_id);
        w_u8(w, ff->u.file_cmd_status.status);
        w_bytes(w, ff->u.file_cmd_status.text);
        return DNP3_OK;
    case 5:
        w_u32(w, ff->u.file_transport.handle);
        w_block(w, ff->u.file_transport.block, ff->u.file_transport.last);
        w_bytes(w, ff->u.file_transport.data);
        return DNP3_OK;
    case 6:
        w_u32(w, ff->u.file_transport_status.handle);
        w_block(w, ff->u.file_transport_status.block, ff->u.file_transport_status.last);
        w_u8(w, ff->u.file_transport_status.status);
        w_bytes(w, ff->u.file_transport_status.text);
        return DNP3_OK;
    case 7:
        w_len16(w, DNP3_FF_G70V7_FIXED);
        w_len16(w, ff->u.file_desc.name.len);
        w_u16(w, ff->u.file_desc.type);
        w_u32(w, ff->u.file_desc.size);
        w_time(w, ff->u.file_desc.created);
        w_u16(w, ff->u.file_desc.permissions);
        w_u16(w, ff->u.file_desc.request_id);
        w_bytes(w, ff->u.file_desc.name);
        return DNP3_OK;
    case 8:
        w_bytes(w, ff->u.file_spec.spec);
        return DNP3_OK;
    default:
        return DNP3_E_UNSUPPORTED;
    }
}

static int encode_g120(const dnp3_ff_t *ff, ffw_t *w)
{
    switch (ff->variation) {
    case 1:
        w_u32(w, ff->u.sa_challenge.csq);
        w_u16(w, ff->u.sa_challenge.user);
        w_u8(w, ff->u.sa_challenge.mac_algo);
        w_u8(w, ff->u.sa_challenge.reason);
        w_bytes(w, ff->u.sa_challenge.challenge);
        return DNP3_OK;
    case 2:
        w_u32(w, ff->u.sa_reply.csq);
        w_u16(w, ff->u.sa_reply.user);
        w_bytes(w, ff->u.sa_reply.mac);
        return DNP3_OK;
    case 3:
        w_u32(w, ff->u.sa_aggressive.csq);
        w_u16(w, ff->u.sa_aggressive.user);
        return DNP3_OK;
    case 4:
        w_u16(w, ff->u.sa_key_status_req.user);
        return DNP3_OK;
    case 5:
        w_u32(w, ff->u.sa_key_status.ksq);
        w_u16(w, ff->u.sa_key_status.user);
        w_u8(w, ff->u.sa_key_status.key_wrap);
        w_u8(w, ff->u.sa_key_status.key_status);
        w_u8(w, ff->u.sa_key_status.mac_algo);
        w_len16(w, ff->u.sa_key_status.challenge.len);
        w_bytes(w, ff->u.sa_key_status.challenge);
        w_bytes(w, ff->u.sa_key_status.mac);
        return DNP3_OK;
    case 6:
        w_u32(w, ff->u.sa_key_change.ksq);
        w_u16(w, ff->u.sa_key_change.user);
        w_bytes(w, ff->u.sa_key_change.wrapped_key);
        return DNP3_OK;
    case 7:
        w_u32(w, ff->u.sa_error.seq);
        w_u16(w, ff->u.sa_error.user);
        w_u16(w, ff->u.sa_error.assoc);
        w_u8(w, ff->u.sa_error.error);
        w_time(w, ff->u.sa_error.time);
        w_bytes(w, ff->u.sa_error.text);
        return DNP3_OK;
    case 8:
        w_u8(w, ff->u.sa_user_cert.method);
        w_u8(w, ff->u.sa_user_cert.cert_type);
        w_bytes(w, ff->u.sa_user_cert.certificate);
        return DNP3_OK;
    case 9:
    case 14:
    case 15:
        w_bytes(w, ff->u.sa_value.value);
        return DNP3_OK;
    case 10:
        w_u8(w, ff->u.sa_user_status.method);
        w_u8(w, ff->u.sa_user_status.operation);
        w_u32(w, ff->u.sa_user_status.scsq);
        w_u16(w, ff->u.sa_user_status.role);
        w_u16(w, ff->u.sa_user_status.role_expiry_days);
        w_len16(w, ff->u.sa_user_status.user_name.len);
        w_len16(w, ff->u.sa_user_status.user_public_key.len);
        w_len16(w, ff->u.sa_user_status.cert_data.len);
        w_bytes(w, ff->u.sa_user_status.user_name);
        w_bytes(w, ff->u.sa_user_status.user_public_key);
        w_bytes(w, ff->u.sa_user_status.cert_data);
        return DNP3_OK;
    case 11:
        w_u8(w, ff->u.sa_ukc_request.method);
        w_len16(w, ff->u.sa_ukc_request.user_name.len);
        w_len16(w, ff->u.sa_ukc_request.challenge.len);
        w_bytes(w, ff->u.sa_ukc_request.user_name);
        w_bytes(w, ff->u.sa_ukc_request.challenge);
        return DNP3_OK;
    case 12:
        w_u32(w, ff->u.sa_ukc_reply.ksq);
        w_u16(w, ff->u.sa_ukc_reply.user);
        w_len16(w, ff->u.sa_ukc_reply.challenge.len);
        w_bytes(w, ff->u.sa_ukc_reply.challenge);
        return DNP3_OK;
    case 13:
        w_u32(w, ff->u.sa_ukc.ksq);
        w_u16(w, ff->u.sa_ukc.user);
        w_len16(w, ff->u.sa_ukc.encrypted_key.len);
        w_bytes(w, ff->u.sa_ukc.encrypted_key);
        return DNP3_OK;
    default:
        return DNP3_E_UNSUPPORTED;
    }
}

int dnp3_ff_write(const dnp3_ff_t *ff, uint8_t *out, size_t cap)
{
    if (!ff || (!out && cap))
        return DNP3_E_INVALID_ARG;
    ffw_t w = {out, cap, 0, 0};
    int rc = ff->group == 70    ? encode_g70(ff, &w)
             : ff->group == 120 ? encode_g120(ff, &w)
                                : DNP3_E_UNSUPPORTED;
    if (rc < 0)
        return rc;
    if (w.err)
        return w.err;
    if (w.len > 0xFFFF)
        return DNP3_E_APP_VALUE; /* the 0x5B size prefix is a u16 */
    return (int)w.len;
}
