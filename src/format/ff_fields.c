/* A decoded free-format object as a list of named fields in wire order,
 * so every renderer (the text formatter, the tool's JSON) shows exactly the
 * same thing: the walker hands them over with the point. Uses only the
 * public dnp3_ff_t view and the name tables. */
#include "format/format_internal.h"

#include <stddef.h>
#include <string.h>

typedef struct ffl {
    dnp3_format_field_t *out;
    size_t cap, n;
} ffl_t;

static dnp3_format_field_t *f_add(ffl_t *l, const char *key, uint8_t kind)
{
    /* Past cap the field is only counted (the caller's array is full). */
    dnp3_format_field_t *f = l->n < l->cap ? &l->out[l->n] : NULL;
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
    dnp3_format_field_t *f = f_add(l, key, DNP3_FORMAT_FIELD_UINT);
    if (f) {
        f->u = v;
        f->name = name;
    }
}

static void f_kind(ffl_t *l, const char *key, uint8_t kind, uint64_t v)
{
    dnp3_format_field_t *f = f_add(l, key, kind);
    if (f)
        f->u = v;
}

static void f_detail(ffl_t *l, const char *key, uint64_t v)
{
    dnp3_format_field_t *f = f_add(l, key, DNP3_FORMAT_FIELD_UINT);
    if (f) {
        f->u = v;
        f->detail = true;
    }
}

static void f_bytes(ffl_t *l, const char *key, uint8_t kind, dnp3_ff_bytes_t b)
{
    dnp3_format_field_t *f = f_add(l, key, kind);
    if (f) {
        f->data = b.data;
        f->len = b.len;
    }
}

#define F_STR(l, k, b) f_bytes((l), (k), DNP3_FORMAT_FIELD_STRING, (b))
#define F_HEX(l, k, b) f_bytes((l), (k), DNP3_FORMAT_FIELD_BYTES, (b))

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
        f_kind(l, "permissions", DNP3_FORMAT_FIELD_PERMS, ff->u.file_cmd.permissions);
        f_uint(l, "max_block", ff->u.file_cmd.max_block, NULL);
        f_uint(l, "request_id", ff->u.file_cmd.request_id, NULL);
        f_uint(l, "auth_key", ff->u.file_cmd.auth_key, NULL);
        f_uint(l, "file_size", ff->u.file_cmd.file_size, NULL);
        f_kind(l, "created", DNP3_FORMAT_FIELD_TIME, ff->u.file_cmd.created);
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
        f_kind(l, "last", DNP3_FORMAT_FIELD_BOOL, ff->u.file_transport.last);
        F_HEX(l, "data", ff->u.file_transport.data);
        break;
    case 6:
        f_uint(l, "handle", ff->u.file_transport_status.handle, NULL);
        f_uint(l, "block", ff->u.file_transport_status.block, NULL);
        f_kind(l, "last", DNP3_FORMAT_FIELD_BOOL, ff->u.file_transport_status.last);
        f_uint(l, "status", ff->u.file_transport_status.status,
               dnp3_file_status_name(ff->u.file_transport_status.status));
        F_STR(l, "text", ff->u.file_transport_status.text);
        break;
    case 7:
        F_STR(l, "name", ff->u.file_desc.name);
        f_uint(l, "type", ff->u.file_desc.type, dnp3_file_type_name(ff->u.file_desc.type));
        f_uint(l, "size", ff->u.file_desc.size, NULL);
        f_kind(l, "permissions", DNP3_FORMAT_FIELD_PERMS, ff->u.file_desc.permissions);
        f_uint(l, "request_id", ff->u.file_desc.request_id, NULL);
        f_kind(l, "created", DNP3_FORMAT_FIELD_TIME, ff->u.file_desc.created);
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
        f_kind(l, "time", DNP3_FORMAT_FIELD_TIME, ff->u.sa_error.time);
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

size_t dnp3i_ff_fields(const dnp3_ff_t *ff, dnp3_format_field_t *out, size_t cap)
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
