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

static int decode_g70(const uint8_t *p, size_t len, dnp3_ff_t *out)
{
    switch (out->variation) {
    case 2: { /* authentication: A.23.2 */
        if (len < DNP3_FF_G70V2_FIXED)
            return ff_fail(out, len);
        uint16_t noff = app_rd16(p), nlen = app_rd16(p + 2);
        uint16_t poff = app_rd16(p + 4), plen = app_rd16(p + 6);
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
        out->u.file_auth.auth_key = app_rd32(p + 8);
        out->u.file_auth.user_name = view(p, noff, nlen);
        out->u.file_auth.password = view(p, poff, plen);
        return DNP3_OK;
    }
    case 3: { /* file command: A.23.3 */
        if (len < DNP3_FF_G70V3_FIXED)
            return ff_fail(out, len);
        uint16_t noff = app_rd16(p), nlen = app_rd16(p + 2);
        if (!string_ok(noff, nlen, DNP3_FF_G70V3_FIXED, len))
            return ff_fail(out, 0);
        size_t end = nlen ? (size_t)noff + nlen : DNP3_FF_G70V3_FIXED;
        if (end != len)
            return ff_fail(out, end);
        out->u.file_cmd.name_offset = noff;
        out->u.file_cmd.created = app_rd48(p + 4);
        out->u.file_cmd.permissions = app_rd16(p + 10);
        out->u.file_cmd.auth_key = app_rd32(p + 12);
        out->u.file_cmd.file_size = app_rd32(p + 16);
        out->u.file_cmd.mode = app_rd16(p + 20);
        out->u.file_cmd.max_block = app_rd16(p + 22);
        out->u.file_cmd.request_id = app_rd16(p + 24);
        out->u.file_cmd.name = view(p, noff, nlen);
        return DNP3_OK;
    }
    case 4: /* file command status: A.23.4 */
        if (len < DNP3_FF_G70V4_FIXED)
            return ff_fail(out, len);
        out->u.file_cmd_status.handle = app_rd32(p);
        out->u.file_cmd_status.file_size = app_rd32(p + 4);
        out->u.file_cmd_status.max_block = app_rd16(p + 8);
        out->u.file_cmd_status.request_id = app_rd16(p + 10);
        out->u.file_cmd_status.status = p[12];
        out->u.file_cmd_status.text = rest(p, len, DNP3_FF_G70V4_FIXED);
        return DNP3_OK;
    case 5: { /* file transport: A.23.5 */
        if (len < DNP3_FF_G70V5_FIXED)
            return ff_fail(out, len);
        uint32_t blk = app_rd32(p + 4);
        out->u.file_transport.handle = app_rd32(p);
        out->u.file_transport.block = blk & ~DNP3_FILE_LAST_BLOCK;
        out->u.file_transport.last = (blk & DNP3_FILE_LAST_BLOCK) != 0;
        out->u.file_transport.data = rest(p, len, DNP3_FF_G70V5_FIXED);
        return DNP3_OK;
    }
    case 6: { /* file transport status: A.23.6 */
        if (len < DNP3_FF_G70V6_FIXED)
            return ff_fail(out, len);
        uint32_t blk = app_rd32(p + 4);
        out->u.file_transport_status.handle = app_rd32(p);
        out->u.file_transport_status.block = blk & ~DNP3_FILE_LAST_BLOCK;
        out->u.file_transport_status.last = (blk & DNP3_FILE_LAST_BLOCK) != 0;
        out->u.file_transport_status.status = p[8];
        out->u.file_transport_status.text = rest(p, len, DNP3_FF_G70V6_FIXED);
        return DNP3_OK;
    }
    case 7: { /* file descriptor: A.23.7 */
        if (len < DNP3_FF_G70V7_FIXED)
            return ff_fail(out, len);
        uint16_t noff = app_rd16(p), nlen = app_rd16(p + 2);
        if (!string_ok(noff, nlen, DNP3_FF_G70V7_FIXED, len))
            return ff_fail(out, 0);
        size_t end = nlen ? (size_t)noff + nlen : DNP3_FF_G70V7_FIXED;
        if (end != len)
            return ff_fail(out, end);
        out->u.file_desc.name_offset = noff;
        out->u.file_desc.type = app_rd16(p + 4);
        out->u.file_desc.size = app_rd32(p + 6);
        out->u.file_desc.created = app_rd48(p + 10);
        out->u.file_desc.permissions = app_rd16(p + 16);
        out->u.file_desc.request_id = app_rd16(p + 18);
        out->u.file_desc.name = view(p, noff, nlen);
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
        out->u.sa_challenge.csq = app_rd32(p);
        out->u.sa_challenge.user = app_rd16(p + 4);
        out->u.sa_challenge.mac_algo = p[6];
        out->u.sa_challenge.reason = p[7];
        out->u.sa_challenge.challenge = rest(p, len, DNP3_FF_G120V1_FIXED);
        return DNP3_OK;
    case 2:
        if (len < 6)
            return ff_fail(out, len);
        out->u.sa_reply.csq = app_rd32(p);
        out->u.sa_reply.user = app_rd16(p + 4);
        out->u.sa_reply.mac = rest(p, len, 6);
        return DNP3_OK;
    case 3: /* fixed size (qualifier 0x07): exactly CSQ + user */
        if (len != 6)
            return ff_fail(out, len < 6 ? len : 6);
        out->u.sa_aggressive.csq = app_rd32(p);
        out->u.sa_aggressive.user = app_rd16(p + 4);
        return DNP3_OK;
    case 4:
        if (len != 2)
            return ff_fail(out, len < 2 ? len : 2);
        out->u.sa_key_status_req.user = app_rd16(p);
        return DNP3_OK;
    case 5: {
        if (len < DNP3_FF_G120V5_FIXED)
            return ff_fail(out, len);
        size_t clen = app_rd16(p + 9);
        if (clen > len - DNP3_FF_G120V5_FIXED)
            return ff_fail(out, 9);
        out->u.sa_key_status.ksq = app_rd32(p);
        out->u.sa_key_status.user = app_rd16(p + 4);
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
        out->u.sa_key_change.ksq = app_rd32(p);
        out->u.sa_key_change.user = app_rd16(p + 4);
        out->u.sa_key_change.wrapped_key = rest(p, len, 6);
        return DNP3_OK;
    case 7:
        if (len < DNP3_FF_G120V7_FIXED)
            return ff_fail(out, len);
        out->u.sa_error.seq = app_rd32(p);
        out->u.sa_error.user = app_rd16(p + 4);
        out->u.sa_error.assoc = app_rd16(p + 6);
        out->u.sa_error.error = p[8];
        out->u.sa_error.time = app_rd48(p + 9);
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
        out->u.sa_user_status.scsq = app_rd32(p + 2);
        out->u.sa_user_status.role = app_rd16(p + 6);
        out->u.sa_user_status.role_expiry_days = app_rd16(p + 8);
        const size_t lens[3] = {app_rd16(p + 10), app_rd16(p + 12), app_rd16(p + 14)};
        dnp3_ff_bytes_t *dst[3] = {&out->u.sa_user_status.user_name,
                                   &out->u.sa_user_status.user_public_key,
                                   &out->u.sa_user_status.cert_data};
        return seq_views(out, p, len, DNP3_FF_G120V10_FIXED, lens, 3, 10, dst);
    }
    case 11: {
        if (len < 5)
            return ff_fail(out, len);
        out->u.sa_ukc_request.method = p[0];
        const size_t lens[2] = {app_rd16(p + 1), app_rd16(p + 3)};
        dnp3_ff_bytes_t *dst[2] = {&out->u.sa_ukc_request.user_name,
                                   &out->u.sa_ukc_request.challenge};
        return seq_views(out, p, len, 5, lens, 2, 1, dst);
    }
    case 12:
    case 13: {
        if (len < 8)
            return ff_fail(out, len);
        /* v12 and v13 share the shape ksq, user, u16 length, data. */
        const size_t lens[1] = {app_rd16(p + 6)};
        dnp3_ff_bytes_t *dst[1] = {out->variation == 12 ? &out->u.sa_ukc_reply.challenge
                                                        : &out->u.sa_ukc.encrypted_key};
        if (out->variation == 12) {
            out->u.sa_ukc_reply.ksq = app_rd32(p);
            out->u.sa_ukc_reply.user = app_rd16(p + 4);
        } else {
            out->u.sa_ukc.ksq = app_rd32(p);
            out->u.sa_ukc.user = app_rd16(p + 4);
        }
        return seq_views(out, p, len, 8, lens, 1, 6, dst);
    }
    default:
        return DNP3_E_UNSUPPORTED;
    }
}

int dnp3_ff_decode(const dnp3_point_t *pt, dnp3_ff_t *out)
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
        app_wr16(q, v);
}

static void w_u32(ffw_t *w, uint32_t v)
{
    uint8_t *q = w_take(w, 4);
    if (q)
        app_wr32(q, v);
}

static void w_time(ffw_t *w, dnp3_time_t t)
{
    if (t > DNP3_TIME_MAX && !w->err)
        w->err = DNP3_E_APP_VALUE;
    uint8_t *q = w_take(w, 6);
    if (q)
        app_wr48(q, t);
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

int dnp3_ff_encode(const dnp3_ff_t *ff, uint8_t *out, size_t cap)
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

/* ---- names ---------------------------------------------------------------- */

const char *dnp3_ff_kind_name(uint8_t group, uint8_t variation)
{
    static const char *const g70[9] = {NULL,
                                       NULL,
                                       "file_auth",
                                       "file_command",
                                       "file_command_status",
                                       "file_transport",
                                       "file_transport_status",
                                       "file_descriptor",
                                       "file_spec"};
    static const char *const g120[16] = {NULL,
                                         "sa_challenge",
                                         "sa_reply",
                                         "sa_aggressive_mode",
                                         "sa_key_status_request",
                                         "sa_key_status",
                                         "sa_key_change",
                                         "sa_error",
                                         "sa_user_certificate",
                                         "sa_mac",
                                         "sa_user_status_change",
                                         "sa_update_key_change_request",
                                         "sa_update_key_change_reply",
                                         "sa_update_key_change",
                                         "sa_update_key_change_signature",
                                         "sa_update_key_change_confirmation"};
    if (group == 70 && variation < 9)
        return g70[variation];
    if (group == 120 && variation < 16)
        return g120[variation];
    return NULL;
}

const char *dnp3_file_status_name(uint8_t status)
{
    static const char *const low[10] = {
        "SUCCESS",       "PERMISSION_DENIED", "INVALID_MODE",     "NOT_FOUND", "FILE_LOCKED",
        "TOO_MANY_OPEN", "INVALID_HANDLE",    "WRITE_BLOCK_SIZE", "COMM_LOST", "CANNOT_ABORT"};
    static const char *const high[5] = {"NOT_OPENED", "HANDLE_EXPIRED", "BUFFER_OVERRUN", "FATAL",
                                        "BLOCK_SEQUENCE"};
    if (status < 10)
        return low[status];
    if (status >= 16 && status <= 20)
        return high[status - 16];
    if (status == 255)
        return "UNDEFINED";
    return NULL;
}

const char *dnp3_file_mode_name(uint16_t mode)
{
    static const char *const n[4] = {"NULL", "READ", "WRITE", "APPEND"};
    return mode < 4 ? n[mode] : NULL;
}

const char *dnp3_file_type_name(uint16_t type)
{
    return type == 0 ? "DIRECTORY" : type == 1 ? "FILE" : NULL;
}

const char *dnp3_sa_mac_algo_name(uint8_t algo)
{
    /* 1 is known only to Wireshark (FACTS 10, 11); the standard lists it. */
    static const char *const n[7] = {"NONE",
                                     "HMAC_SHA1_TRUNC4",
                                     "HMAC_SHA1_TRUNC10",
                                     "HMAC_SHA256_TRUNC8",
                                     "HMAC_SHA256_TRUNC16",
                                     "HMAC_SHA1_TRUNC8",
                                     "AES_GMAC"};
    return algo < 7 ? n[algo] : NULL;
}

size_t dnp3_sa_mac_len(uint8_t algo)
{
    static const uint8_t n[7] = {0, 4, 10, 8, 16, 8, 12};
    return algo < 7 ? n[algo] : 0;
}

const char *dnp3_sa_key_status_name(uint8_t status)
{
    static const char *const n[5] = {NULL, "OK", "NOT_INIT", "COMM_FAIL", "AUTH_FAIL"};
    return status < 5 ? n[status] : NULL;
}

const char *dnp3_sa_error_name(uint8_t code)
{
    static const char *const n[13] = {NULL,
                                      "AUTHENTICATION_FAILED",
                                      "UNEXPECTED_RESPONSE",
                                      "NO_RESPONSE",
                                      "AGGRESSIVE_MODE_UNSUPPORTED",
                                      "MAC_ALGO_UNSUPPORTED",
                                      "KEY_WRAP_UNSUPPORTED",
                                      "AUTHORIZATION_FAILED",
                                      "UPDATE_KEY_METHOD_NOT_PERMITTED",
                                      "INVALID_SIGNATURE",
                                      "INVALID_CERTIFICATION_DATA",
                                      "UNKNOWN_USER",
                                      "MAX_SESSION_KEY_STATUS_REQUESTS_EXCEEDED"};
    return code < 13 ? n[code] : NULL;
}

const char *dnp3_sa_key_wrap_name(uint8_t algo)
{
    return algo == 1 ? "AES_128" : algo == 2 ? "AES_256" : NULL;
}

const char *dnp3_sa_key_change_method_name(uint8_t m)
{
    /* 1, 2 and 64-66 are obsolete (Wireshark marks them so): unnamed. */
    switch (m) {
    case 3:
        return "AES_128_SHA1_HMAC";
    case 4:
        return "AES_256_SHA256_HMAC";
    case 5:
        return "AES_256_AES_GMAC";
    case 67:
        return "RSA_1024_DSA_SHA1_HMAC_SHA1";
    case 68:
        return "RSA_2048_DSA_SHA256_HMAC_SHA256";
    case 69:
        return "RSA_3072_DSA_SHA256_HMAC_SHA256";
    case 70:
        return "RSA_2048_DSA_SHA256_AES_GMAC";
    case 71:
        return "RSA_3072_DSA_SHA256_AES_GMAC";
    default:
        return NULL;
    }
}

const char *dnp3_sa_challenge_reason_name(uint8_t r)
{
    return r == 1 ? "CRITICAL" : NULL;
}

const char *dnp3_sa_user_role_name(uint16_t role)
{
    static const char *const n[7] = {"VIEWER",          "OPERATOR",       "ENGINEER",
                                     "INSTALLER",       "SECURITY_ADMIN", "SECURITY_AUDITOR",
                                     "RBAC_MAINTENANCE"};
    if (role < 7)
        return n[role];
    return role == 32768 ? "SINGLE_USER" : NULL;
}

const char *dnp3_sa_user_operation_name(uint8_t op)
{
    static const char *const n[4] = {NULL, "ADD", "DELETE", "CHANGE"};
    return op < 4 ? n[op] : NULL;
}

const char *dnp3_sa_cert_type_name(uint8_t type)
{
    return type == 1 ? "ID_CERTIFICATE" : type == 2 ? "ATTRIBUTE_CERTIFICATE" : NULL;
}

/* ---- fields for display --------------------------------------------------- */

typedef struct ffl {
    dnp3_ff_field_t *out;
    size_t cap, n;
} ffl_t;

static dnp3_ff_field_t *f_add(ffl_t *l, const char *key, uint8_t kind)
{
    /* Past cap the field is only counted (the caller's array is full). */
    dnp3_ff_field_t *f = l->n < l->cap ? &l->out[l->n] : NULL;
    l->n++;
    if (!f)
        return NULL;
    memset(f, 0, sizeof *f);
    f->key = key;
    f->kind = kind;
    return f;
}

static void f_uint(ffl_t *l, const char *key, uint64_t v, const char *name)
{
    dnp3_ff_field_t *f = f_add(l, key, DNP3_FF_F_UINT);
    if (f) {
        f->u = v;
        f->name = name;
    }
}

static void f_kind(ffl_t *l, const char *key, uint8_t kind, uint64_t v)
{
    dnp3_ff_field_t *f = f_add(l, key, kind);
    if (f)
        f->u = v;
}

static void f_detail(ffl_t *l, const char *key, uint64_t v)
{
    dnp3_ff_field_t *f = f_add(l, key, DNP3_FF_F_UINT);
    if (f) {
        f->u = v;
        f->detail = true;
    }
}

static void f_bytes(ffl_t *l, const char *key, uint8_t kind, dnp3_ff_bytes_t b)
{
    dnp3_ff_field_t *f = f_add(l, key, kind);
    if (f)
        f->b = b;
}

#define F_STR(l, k, b) f_bytes((l), (k), DNP3_FF_F_STRING, (b))
#define F_HEX(l, k, b) f_bytes((l), (k), DNP3_FF_F_BYTES, (b))

static void fields_g70(const dnp3_ff_t *ff, ffl_t *l)
{
    switch (ff->variation) {
    case 2:
        F_STR(l, "user_name", ff->u.file_auth.user_name);
        F_STR(l, "password", ff->u.file_auth.password);
        f_uint(l, "auth_key", ff->u.file_auth.auth_key, NULL);
        f_detail(l, "name_offset", ff->u.file_auth.name_offset);
        f_detail(l, "pwd_offset", ff->u.file_auth.pwd_offset);
        break;
    case 3:
        F_STR(l, "name", ff->u.file_cmd.name);
        f_uint(l, "mode", ff->u.file_cmd.mode, dnp3_file_mode_name(ff->u.file_cmd.mode));
        f_kind(l, "permissions", DNP3_FF_F_PERMS, ff->u.file_cmd.permissions);
        f_uint(l, "max_block", ff->u.file_cmd.max_block, NULL);
        f_uint(l, "request_id", ff->u.file_cmd.request_id, NULL);
        f_uint(l, "auth_key", ff->u.file_cmd.auth_key, NULL);
        f_uint(l, "file_size", ff->u.file_cmd.file_size, NULL);
        f_kind(l, "created", DNP3_FF_F_TIME, ff->u.file_cmd.created);
        f_detail(l, "name_offset", ff->u.file_cmd.name_offset);
        break;
    case 4:
        f_uint(l, "handle", ff->u.file_cmd_status.handle, NULL);
        f_uint(l, "status", ff->u.file_cmd_status.status,
               dnp3_file_status_name(ff->u.file_cmd_status.status));
        f_uint(l, "file_size", ff->u.file_cmd_status.file_size, NULL);
        f_uint(l, "max_block", ff->u.file_cmd_status.max_block, NULL);
        f_uint(l, "request_id", ff->u.file_cmd_status.request_id, NULL);
        F_STR(l, "text", ff->u.file_cmd_status.text);
        break;
    case 5:
        f_uint(l, "handle", ff->u.file_transport.handle, NULL);
        f_uint(l, "block", ff->u.file_transport.block, NULL);
        f_kind(l, "last", DNP3_FF_F_BOOL, ff->u.file_transport.last);
        F_HEX(l, "data", ff->u.file_transport.data);
        break;
    case 6:
        f_uint(l, "handle", ff->u.file_transport_status.handle, NULL);
        f_uint(l, "block", ff->u.file_transport_status.block, NULL);
        f_kind(l, "last", DNP3_FF_F_BOOL, ff->u.file_transport_status.last);
        f_uint(l, "status", ff->u.file_transport_status.status,
               dnp3_file_status_name(ff->u.file_transport_status.status));
        F_STR(l, "text", ff->u.file_transport_status.text);
        break;
    case 7:
        F_STR(l, "name", ff->u.file_desc.name);
        f_uint(l, "type", ff->u.file_desc.type, dnp3_file_type_name(ff->u.file_desc.type));
        f_uint(l, "size", ff->u.file_desc.size, NULL);
        f_kind(l, "permissions", DNP3_FF_F_PERMS, ff->u.file_desc.permissions);
        f_uint(l, "request_id", ff->u.file_desc.request_id, NULL);
        f_kind(l, "created", DNP3_FF_F_TIME, ff->u.file_desc.created);
        f_detail(l, "name_offset", ff->u.file_desc.name_offset);
        break;
    case 8:
        F_STR(l, "spec", ff->u.file_spec.spec);
        break;
    default:
        break;
    }
}

static void fields_g120(const dnp3_ff_t *ff, ffl_t *l)
{
    switch (ff->variation) {
    case 1:
        f_uint(l, "csq", ff->u.sa_challenge.csq, NULL);
        f_uint(l, "user", ff->u.sa_challenge.user, NULL);
        f_uint(l, "mac_algo", ff->u.sa_challenge.mac_algo,
               dnp3_sa_mac_algo_name(ff->u.sa_challenge.mac_algo));
        f_uint(l, "reason", ff->u.sa_challenge.reason,
               dnp3_sa_challenge_reason_name(ff->u.sa_challenge.reason));
        F_HEX(l, "challenge", ff->u.sa_challenge.challenge);
        break;
    case 2:
        f_uint(l, "csq", ff->u.sa_reply.csq, NULL);
        f_uint(l, "user", ff->u.sa_reply.user, NULL);
        F_HEX(l, "mac", ff->u.sa_reply.mac);
        break;
    case 3:
        f_uint(l, "csq", ff->u.sa_aggressive.csq, NULL);
        f_uint(l, "user", ff->u.sa_aggressive.user, NULL);
        break;
    case 4:
        f_uint(l, "user", ff->u.sa_key_status_req.user, NULL);
        break;
    case 5:
        f_uint(l, "ksq", ff->u.sa_key_status.ksq, NULL);
        f_uint(l, "user", ff->u.sa_key_status.user, NULL);
        f_uint(l, "key_wrap", ff->u.sa_key_status.key_wrap,
               dnp3_sa_key_wrap_name(ff->u.sa_key_status.key_wrap));
        f_uint(l, "key_status", ff->u.sa_key_status.key_status,
               dnp3_sa_key_status_name(ff->u.sa_key_status.key_status));
        f_uint(l, "mac_algo", ff->u.sa_key_status.mac_algo,
               dnp3_sa_mac_algo_name(ff->u.sa_key_status.mac_algo));
        F_HEX(l, "challenge", ff->u.sa_key_status.challenge);
        F_HEX(l, "mac", ff->u.sa_key_status.mac);
        break;
    case 6:
        f_uint(l, "ksq", ff->u.sa_key_change.ksq, NULL);
        f_uint(l, "user", ff->u.sa_key_change.user, NULL);
        F_HEX(l, "wrapped_key", ff->u.sa_key_change.wrapped_key);
        break;
    case 7:
        f_uint(l, "seq", ff->u.sa_error.seq, NULL);
        f_uint(l, "user", ff->u.sa_error.user, NULL);
        f_uint(l, "assoc", ff->u.sa_error.assoc, NULL);
        f_uint(l, "error", ff->u.sa_error.error, dnp3_sa_error_name(ff->u.sa_error.error));
        f_kind(l, "time", DNP3_FF_F_TIME, ff->u.sa_error.time);
        F_STR(l, "text", ff->u.sa_error.text);
        break;
    case 8:
        f_uint(l, "method", ff->u.sa_user_cert.method,
               dnp3_sa_key_change_method_name(ff->u.sa_user_cert.method));
        f_uint(l, "cert_type", ff->u.sa_user_cert.cert_type,
               dnp3_sa_cert_type_name(ff->u.sa_user_cert.cert_type));
        F_HEX(l, "certificate", ff->u.sa_user_cert.certificate);
        break;
    case 9:
    case 15:
        F_HEX(l, "mac", ff->u.sa_value.value);
        break;
    case 14:
        F_HEX(l, "signature", ff->u.sa_value.value);
        break;
    case 10:
        f_uint(l, "method", ff->u.sa_user_status.method,
               dnp3_sa_key_change_method_name(ff->u.sa_user_status.method));
        f_uint(l, "operation", ff->u.sa_user_status.operation,
               dnp3_sa_user_operation_name(ff->u.sa_user_status.operation));
        f_uint(l, "scsq", ff->u.sa_user_status.scsq, NULL);
        f_uint(l, "role", ff->u.sa_user_status.role,
               dnp3_sa_user_role_name(ff->u.sa_user_status.role));
        f_uint(l, "role_expiry_days", ff->u.sa_user_status.role_expiry_days, NULL);
        F_STR(l, "user_name", ff->u.sa_user_status.user_name);
        F_HEX(l, "user_public_key", ff->u.sa_user_status.user_public_key);
        F_HEX(l, "cert_data", ff->u.sa_user_status.cert_data);
        break;
    case 11:
        f_uint(l, "method", ff->u.sa_ukc_request.method,
               dnp3_sa_key_change_method_name(ff->u.sa_ukc_request.method));
        F_STR(l, "user_name", ff->u.sa_ukc_request.user_name);
        F_HEX(l, "challenge", ff->u.sa_ukc_request.challenge);
        break;
    case 12:
        f_uint(l, "ksq", ff->u.sa_ukc_reply.ksq, NULL);
        f_uint(l, "user", ff->u.sa_ukc_reply.user, NULL);
        F_HEX(l, "challenge", ff->u.sa_ukc_reply.challenge);
        break;
    case 13:
        f_uint(l, "ksq", ff->u.sa_ukc.ksq, NULL);
        f_uint(l, "user", ff->u.sa_ukc.user, NULL);
        F_HEX(l, "encrypted_key", ff->u.sa_ukc.encrypted_key);
        break;
    default:
        break;
    }
}

size_t dnp3_ff_fields(const dnp3_ff_t *ff, dnp3_ff_field_t *out, size_t cap)
{
    ffl_t l = {out, out ? cap : 0, 0};
    if (!ff)
        return 0;
    if (ff->group == 70)
        fields_g70(ff, &l);
    else if (ff->group == 120)
        fields_g120(ff, &l);
    return l.n;
}
