/* dnp3c: typed views of free-format objects (qualifier 0x5B, u16 size
 * prefix): g70 file transfer (IEEE 1815-2012 A.23) and g120 secure
 * authentication (IEEE 1815-2012 Annex A, groups 70 and 120; clause 7).
 *
 * dnp3_ff_read() reads a DNP3_VT_FREE_FORMAT point (whose v.bytes is the
 * whole object body) into a dnp3_ff_t. Every string and byte field is a
 * view into the point's bytes (zero-copy: valid while the fragment is);
 * nothing is read outside pt->v.bytes. dnp3_ff_write() writes a body back
 * (for dnp3_app_write_free_format). No allocation, no global state. */
#ifndef DNP3_FREEFORMAT_H
#define DNP3_FREEFORMAT_H

#include "dnp3/objects.h"
#include "dnp3/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* A byte range inside the object (data may be NULL when len is 0). */
typedef struct dnp3_ff_bytes {
    const uint8_t *data;
    size_t len;
} dnp3_ff_bytes_t;

/* g70v5/g70v6 block field: bit 31 marks the last block (Annex A, group 70). */
#define DNP3_FILE_LAST_BLOCK 0x80000000u

/* g70v3 mode (Annex A, group 70). */
#define DNP3_FILE_MODE_NULL   0
#define DNP3_FILE_MODE_READ   1
#define DNP3_FILE_MODE_WRITE  2
#define DNP3_FILE_MODE_APPEND 3

/* Sizes of the fixed part that precedes the variable data. */
#define DNP3_FF_G70V2_FIXED   12
#define DNP3_FF_G70V3_FIXED   26
#define DNP3_FF_G70V4_FIXED   13
#define DNP3_FF_G70V5_FIXED   8
#define DNP3_FF_G70V6_FIXED   9
#define DNP3_FF_G70V7_FIXED   20
#define DNP3_FF_G120V1_FIXED  8
#define DNP3_FF_G120V5_FIXED  11
#define DNP3_FF_G120V7_FIXED  15
#define DNP3_FF_G120V10_FIXED 16

typedef struct dnp3_ff {
    uint8_t group, variation; /* selects the member of u */
    size_t err_offset;        /* DNP3_E_APP_FREE_FORMAT: body offset of the bad field */
    union {
        struct {                              /* g70v2 authentication */
            uint16_t name_offset, pwd_offset; /* as read; ignored by encode */
            uint32_t auth_key;
            dnp3_ff_bytes_t user_name, password;
        } file_auth;
        struct {                  /* g70v3 file command */
            uint16_t name_offset; /* as read; ignored by encode */
            dnp3_time_t created;
            uint16_t permissions; /* bits 0-2 world x/w/r, 3-5 group, 6-8 owner */
            uint32_t auth_key, file_size;
            uint16_t mode; /* DNP3_FILE_MODE_* */
            uint16_t max_block, request_id;
            dnp3_ff_bytes_t name;
        } file_cmd;
        struct { /* g70v4 file command status */
            uint32_t handle, file_size;
            uint16_t max_block, request_id;
            uint8_t status; /* dnp3_file_status_name() */
            dnp3_ff_bytes_t text;
        } file_cmd_status;
        struct {             /* g70v5 file transport */
            uint32_t handle; /* */
            uint32_t block;  /* block number, bit 31 cleared */
            bool last;       /* bit 31 */
            dnp3_ff_bytes_t data;
        } file_transport;
        struct { /* g70v6 file transport status */
            uint32_t handle, block;
            bool last;
            uint8_t status;
            dnp3_ff_bytes_t text;
        } file_transport_status;
        struct {                  /* g70v7 file descriptor */
            uint16_t name_offset; /* as read; ignored by encode */
            uint16_t type;        /* 0 directory, 1 file */
            uint32_t size;
            dnp3_time_t created;
            uint16_t permissions, request_id;
            dnp3_ff_bytes_t name;
        } file_desc;
        struct { /* g70v8 file specification string */
            dnp3_ff_bytes_t spec;
        } file_spec;
        struct { /* g120v1 authentication challenge */
            uint32_t csq;
            uint16_t user;
            uint8_t mac_algo, reason; /* reason 1 = critical */
            dnp3_ff_bytes_t challenge;
        } sa_challenge;
        struct { /* g120v2 authentication reply */
            uint32_t csq;
            uint16_t user;
            dnp3_ff_bytes_t mac;
        } sa_reply;
        struct { /* g120v3 aggressive mode request (exactly 6 bytes) */
            uint32_t csq;
            uint16_t user;
        } sa_aggressive;
        struct { /* g120v4 session key status request (exactly 2 bytes) */
            uint16_t user;
        } sa_key_status_req;
        struct { /* g120v5 session key status */
            uint32_t ksq;
            uint16_t user;
            uint8_t key_wrap, key_status, mac_algo;
            dnp3_ff_bytes_t challenge; /* u16 length on the wire */
            dnp3_ff_bytes_t mac;       /* the rest */
        } sa_key_status;
        struct { /* g120v6 session key change */
            uint32_t ksq;
            uint16_t user;
            dnp3_ff_bytes_t wrapped_key;
        } sa_key_change;
        struct {          /* g120v7 authentication error */
            uint32_t seq; /* CSQ or KSQ */
            uint16_t user, assoc;
            uint8_t error;
            dnp3_time_t time;
            dnp3_ff_bytes_t text;
        } sa_error;
        struct {                       /* g120v8 user certificate */
            uint8_t method, cert_type; /* cert_type 1 ID, 2 attribute */
            dnp3_ff_bytes_t certificate;
        } sa_user_cert;
        struct { /* g120v9 MAC, v14 signature, v15 update key change confirmation */
            dnp3_ff_bytes_t value;
        } sa_value;
        struct {                       /* g120v10 user status change */
            uint8_t method, operation; /* operation 1 add, 2 delete, 3 change */
            uint32_t scsq;
            uint16_t role, role_expiry_days;
            dnp3_ff_bytes_t user_name, user_public_key, cert_data; /* u16 lengths first */
        } sa_user_status;
        struct { /* g120v11 update key change request */
            uint8_t method;
            dnp3_ff_bytes_t user_name, challenge; /* u16 lengths first */
        } sa_ukc_request;
        struct { /* g120v12 update key change reply */
            uint32_t ksq;
            uint16_t user;
            dnp3_ff_bytes_t challenge; /* u16 length first */
        } sa_ukc_reply;
        struct { /* g120v13 update key change */
            uint32_t ksq;
            uint16_t user;
            dnp3_ff_bytes_t encrypted_key; /* u16 length first */
        } sa_ukc;
    } u;
} dnp3_ff_t;

/* Decode a free-format point. 0 on success. DNP3_E_INVALID_ARG: pt or out
 * NULL, or pt not DNP3_VT_FREE_FORMAT. DNP3_E_UNSUPPORTED: no typed layout
 * for the group/variation (g70v1, g85-g88, g90, g91, ...): show the hex.
 * DNP3_E_APP_FREE_FORMAT: the body is shorter than the fixed part, a length
 * or offset points outside it, strings overlap the fixed part or each other,
 * or bytes are left over where the layout has no "rest" field
 * (out->err_offset says where). */
DNP3_API int dnp3_ff_read(const dnp3_point_t *pt, dnp3_ff_t *out);

/* Encode ff's fields as an object body into out[cap]; returns the body
 * length (>= 0). Strings go right after the fixed part in field order (the
 * *_offset fields are ignored and the canonical offsets written).
 * DNP3_E_UNSUPPORTED (no layout), DNP3_E_APP_VALUE (a field does not fit:
 * block >= 2^31, time > 48 bits, a length > 65535, len without data),
 * DNP3_E_NOSPACE. */
DNP3_API int dnp3_ff_write(const dnp3_ff_t *ff, uint8_t *out, size_t cap);

/* Short name of the layout ("file_command", "sa_challenge", ...), NULL if
 * dnp3_ff_read has none for group/variation. */
DNP3_API const char *dnp3_ff_kind_name(uint8_t group, uint8_t variation);

/* Name tables: upper-snake names, NULL for an undefined value. */
DNP3_API const char *dnp3_file_status_name(uint8_t status);     /* "SUCCESS", "NOT_FOUND" */
DNP3_API const char *dnp3_file_mode_name(uint16_t mode);        /* "NULL", "READ", ... */
DNP3_API const char *dnp3_file_type_name(uint16_t type);        /* "DIRECTORY", "FILE" */
DNP3_API const char *dnp3_sa_mac_algo_name(uint8_t algo);       /* "HMAC_SHA256_TRUNC16" */
DNP3_API const char *dnp3_sa_key_status_name(uint8_t status);   /* "OK", "NOT_INIT" */
DNP3_API const char *dnp3_sa_error_name(uint8_t code);          /* "AUTHENTICATION_FAILED" */
DNP3_API const char *dnp3_sa_key_wrap_name(uint8_t algo);       /* "AES_128", "AES_256" */
DNP3_API const char *dnp3_sa_key_change_method_name(uint8_t m); /* "AES_128_SHA1_HMAC" */
DNP3_API const char *dnp3_sa_challenge_reason_name(uint8_t r);  /* "CRITICAL" */
DNP3_API const char *dnp3_sa_user_role_name(uint16_t role);     /* "VIEWER", ... */
DNP3_API const char *dnp3_sa_user_operation_name(uint8_t op);   /* "ADD", "DELETE", "CHANGE" */
DNP3_API const char *dnp3_sa_cert_type_name(uint8_t type);      /* "ID_CERTIFICATE", ... */

/* MAC length in bytes for a MAC algorithm (4, 10, 8, 16, 8, 12), 0 if
 * unknown or none (clause 7, Secure Authentication). */
DNP3_API size_t dnp3_sa_mac_len(uint8_t algo);

#ifdef __cplusplus
}
#endif
#endif
