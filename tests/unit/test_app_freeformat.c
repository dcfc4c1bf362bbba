/* src/app/freeformat.c: typed g70 / g120 free-format objects.
 *
 * Every vector below is written by hand from the layouts of IEEE 1815-2012
 * A.23 (g70) and A.45 (g120) as summarised in DNP3-FACTS 5.8 and 10; the
 * g70v4 and g120v1/v2 vectors are also the bodies seen in the shared
 * captures (iti_file_read, iti_auth_control_challenge_response). Decoding
 * works on exact-size heap copies so that ASan catches any read past the
 * body. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnp3/app.h"
#include "dnp3/freeformat.h"
#include "dnp3test.h"
#include "format/format_internal.h"

typedef struct vec {
    uint8_t g, v;
    const char *hex;
} vec_t;

/* One valid body per variation with a layout (in the order checked in
 * test_decode_fields). */
static const vec_t VALID[] = {
    /* g70v2: name off 12 len 4, pwd off 16 len 2, auth key 0x11223344, "user", "pw" */
    {70, 2,
     "0c000400100002004433221175736572"
     "7077"},
    /* g70v3: name off 26 len 13, created 1700000000000, perms 0o644, auth 0, size 0,
     * mode READ, max block 1024, request 7, "/data/log.txt" */
    {70, 3,
     "1a000d000068e5cf8b01a401000000000000000001000004"
     "0700"
     "2f646174612f6c6f672e747874"},
    /* g70v4: handle 0x12345678, size 19, max block 1024, request 4, status 0 */
    {70, 4, "78563412130000000004040000"},
    /* g70v5: handle 0x12345678, block 5 | last, data "ab" */
    {70, 5, "78563412050000806162"},
    /* g70v6: handle 0x12345678, block 2, status 7 (write block size), text "x" */
    {70, 6, "78563412020000000778"},
    /* g70v7: name off 20 len 3, type 1 (file), size 1000, created 1700000000000,
     * perms 0o755, request 9, "abc" */
    {70, 7,
     "14000300"
     "0100"
     "e8030000"
     "0068e5cf8b01"
     "ed01"
     "0900"
     "616263"},
    /* g70v8: "*.txt" */
    {70, 8, "2a2e747874"},
    /* g120v1: CSQ 3, user 0, MAC 4, reason 1, challenge "stev" */
    {120, 1, "030000000000040173746576"},
    /* g120v2: CSQ 3, user 1, 16-byte MAC */
    {120, 2, "03000000010006fae1911a2cce2dda8abfece1cac8c4"},
    /* g120v3: CSQ 9, user 1 */
    {120, 3, "090000000100"},
    /* g120v4: user 1 */
    {120, 4, "0100"},
    /* g120v5: KSQ 5, user 1, key wrap 1, status 1, MAC 4, challenge len 4 01020304,
     * MAC aabbccdd */
    {120, 5,
     "050000000100010104"
     "0400"
     "01020304"
     "aabbccdd"},
    /* g120v6: KSQ 5, user 1, wrapped key 8 bytes */
    {120, 6, "0500000001000102030405060708"},
    /* g120v7: seq 3, user 1, assoc 2, error 1, time 1700000000000, "bad" */
    {120, 7,
     "03000000"
     "0100"
     "0200"
     "01"
     "0068e5cf8b01"
     "626164"},
    /* g120v8: method 4, cert type 1, certificate 3 bytes */
    {120, 8, "0401c0ffee"},
    /* g120v9: MAC */
    {120, 9, "ba8db44d5e72cd0ad418e5e415256867"},
    /* g120v10: method 4, op 1, SCSQ 7, role 2, expiry 30, lens 3/2/1, "bob", key, cert */
    {120, 10,
     "0401"
     "07000000"
     "0200"
     "1e00"
     "0300"
     "0200"
     "0100"
     "626f62"
     "aabb"
     "cc"},
    /* g120v11: method 4, name len 3, challenge len 4, "bob", challenge */
    {120, 11,
     "04"
     "0300"
     "0400"
     "626f62"
     "01020304"},
    /* g120v12: KSQ 7, user 1, challenge len 4, challenge */
    {120, 12,
     "07000000"
     "0100"
     "0400"
     "05060708"},
    /* g120v13: KSQ 7, user 1, key len 2, key */
    {120, 13,
     "07000000"
     "0100"
     "0200"
     "beef"},
    /* g120v14: signature */
    {120, 14, "5151"},
    /* g120v15: MAC */
    {120, 15, "0102030405060708"},
};
#define NVALID (sizeof VALID / sizeof VALID[0])

/* Heap copy of exactly the body (NULL for an empty one). */
typedef struct body {
    uint8_t *p;
    size_t len;
} body_t;

static body_t body_from_hex(const char *hex)
{
    body_t b = {NULL, strlen(hex) / 2};
    if (b.len) {
        b.p = malloc(b.len);
        assert_non_null(b.p);
        assert_int_equal(dnp3t_hex(hex, b.p, b.len), b.len);
    }
    return b;
}

static dnp3_point_t ff_point(uint8_t g, uint8_t v, const uint8_t *p, size_t len)
{
    dnp3_point_t pt;
    memset(&pt, 0, sizeof pt);
    pt.type = DNP3_VT_FREE_FORMAT;
    pt.group = g;
    pt.variation = v;
    pt.v.bytes.data = p;
    pt.v.bytes.len = len;
    return pt;
}

static int decode_hex(uint8_t g, uint8_t v, const char *hex, dnp3_ff_t *ff, body_t *keep)
{
    *keep = body_from_hex(hex);
    dnp3_point_t pt = ff_point(g, v, keep->p, keep->len);
    return dnp3_ff_read(&pt, ff);
}

static void assert_bytes(dnp3_ff_bytes_t b, const char *s, size_t n)
{
    assert_int_equal(b.len, n);
    if (n)
        assert_memory_equal(b.data, s, n);
}
#define ASSERT_STR(b, lit) assert_bytes((b), (lit), sizeof(lit) - 1)

static void test_decode_fields(void **state)
{
    (void)state;
    dnp3_ff_t ff;
    body_t b[NVALID];
    for (size_t i = 0; i < NVALID; i++) {
        int rc = decode_hex(VALID[i].g, VALID[i].v, VALID[i].hex, &ff, &b[i]);
        if (rc != 0)
            fail_msg("g%uv%u: %d", VALID[i].g, VALID[i].v, rc);
        assert_int_equal(ff.group, VALID[i].g);
        assert_int_equal(ff.variation, VALID[i].v);
        switch (VALID[i].g * 256 + VALID[i].v) {
        case 70 * 256 + 2:
            assert_int_equal(ff.u.file_auth.name_offset, 12);
            assert_int_equal(ff.u.file_auth.pwd_offset, 16);
            assert_int_equal(ff.u.file_auth.auth_key, 0x11223344);
            ASSERT_STR(ff.u.file_auth.user_name, "user");
            ASSERT_STR(ff.u.file_auth.password, "pw");
            break;
        case 70 * 256 + 3:
            assert_int_equal(ff.u.file_cmd.name_offset, 26);
            assert_true(ff.u.file_cmd.created == 1700000000000ull);
            assert_int_equal(ff.u.file_cmd.permissions, 0644);
            assert_int_equal(ff.u.file_cmd.auth_key, 0);
            assert_int_equal(ff.u.file_cmd.file_size, 0);
            assert_int_equal(ff.u.file_cmd.mode, DNP3_FILE_MODE_READ);
            assert_int_equal(ff.u.file_cmd.max_block, 1024);
            assert_int_equal(ff.u.file_cmd.request_id, 7);
            ASSERT_STR(ff.u.file_cmd.name, "/data/log.txt");
            break;
        case 70 * 256 + 4:
            assert_int_equal(ff.u.file_cmd_status.handle, 0x12345678);
            assert_int_equal(ff.u.file_cmd_status.file_size, 19);
            assert_int_equal(ff.u.file_cmd_status.max_block, 1024);
            assert_int_equal(ff.u.file_cmd_status.request_id, 4);
            assert_int_equal(ff.u.file_cmd_status.status, 0);
            assert_int_equal(ff.u.file_cmd_status.text.len, 0);
            break;
        case 70 * 256 + 5:
            assert_int_equal(ff.u.file_transport.handle, 0x12345678);
            assert_int_equal(ff.u.file_transport.block, 5);
            assert_true(ff.u.file_transport.last);
            ASSERT_STR(ff.u.file_transport.data, "ab");
            break;
        case 70 * 256 + 6:
            assert_int_equal(ff.u.file_transport_status.handle, 0x12345678);
            assert_int_equal(ff.u.file_transport_status.block, 2);
            assert_false(ff.u.file_transport_status.last);
            assert_int_equal(ff.u.file_transport_status.status, 7);
            ASSERT_STR(ff.u.file_transport_status.text, "x");
            break;
        case 70 * 256 + 7:
            assert_int_equal(ff.u.file_desc.name_offset, 20);
            assert_int_equal(ff.u.file_desc.type, 1);
            assert_int_equal(ff.u.file_desc.size, 1000);
            assert_true(ff.u.file_desc.created == 1700000000000ull);
            assert_int_equal(ff.u.file_desc.permissions, 0755);
            assert_int_equal(ff.u.file_desc.request_id, 9);
            ASSERT_STR(ff.u.file_desc.name, "abc");
            break;
        case 70 * 256 + 8:
            ASSERT_STR(ff.u.file_spec.spec, "*.txt");
            break;
        case 120 * 256 + 1:
            assert_int_equal(ff.u.sa_challenge.csq, 3);
            assert_int_equal(ff.u.sa_challenge.user, 0);
            assert_int_equal(ff.u.sa_challenge.mac_algo, 4);
            assert_int_equal(ff.u.sa_challenge.reason, 1);
            ASSERT_STR(ff.u.sa_challenge.challenge, "stev");
            break;
        case 120 * 256 + 2:
            assert_int_equal(ff.u.sa_reply.csq, 3);
            assert_int_equal(ff.u.sa_reply.user, 1);
            assert_int_equal(ff.u.sa_reply.mac.len, 16);
            assert_int_equal(ff.u.sa_reply.mac.data[0], 0x06);
            assert_int_equal(ff.u.sa_reply.mac.data[15], 0xc4);
            break;
        case 120 * 256 + 3:
            assert_int_equal(ff.u.sa_aggressive.csq, 9);
            assert_int_equal(ff.u.sa_aggressive.user, 1);
            break;
        case 120 * 256 + 4:
            assert_int_equal(ff.u.sa_key_status_req.user, 1);
            break;
        case 120 * 256 + 5:
            assert_int_equal(ff.u.sa_key_status.ksq, 5);
            assert_int_equal(ff.u.sa_key_status.user, 1);
            assert_int_equal(ff.u.sa_key_status.key_wrap, 1);
            assert_int_equal(ff.u.sa_key_status.key_status, 1);
            assert_int_equal(ff.u.sa_key_status.mac_algo, 4);
            assert_bytes(ff.u.sa_key_status.challenge, "\x01\x02\x03\x04", 4);
            assert_bytes(ff.u.sa_key_status.mac, "\xaa\xbb\xcc\xdd", 4);
            break;
        case 120 * 256 + 6:
            assert_int_equal(ff.u.sa_key_change.ksq, 5);
            assert_int_equal(ff.u.sa_key_change.user, 1);
            assert_bytes(ff.u.sa_key_change.wrapped_key, "\x01\x02\x03\x04\x05\x06\x07\x08", 8);
            break;
        case 120 * 256 + 7:
            assert_int_equal(ff.u.sa_error.seq, 3);
            assert_int_equal(ff.u.sa_error.user, 1);
            assert_int_equal(ff.u.sa_error.assoc, 2);
            assert_int_equal(ff.u.sa_error.error, 1);
            assert_true(ff.u.sa_error.time == 1700000000000ull);
            ASSERT_STR(ff.u.sa_error.text, "bad");
            break;
        case 120 * 256 + 8:
            assert_int_equal(ff.u.sa_user_cert.method, 4);
            assert_int_equal(ff.u.sa_user_cert.cert_type, 1);
            assert_bytes(ff.u.sa_user_cert.certificate, "\xc0\xff\xee", 3);
            break;
        case 120 * 256 + 9:
            assert_int_equal(ff.u.sa_value.value.len, 16);
            assert_int_equal(ff.u.sa_value.value.data[0], 0xba);
            break;
        case 120 * 256 + 10:
            assert_int_equal(ff.u.sa_user_status.method, 4);
            assert_int_equal(ff.u.sa_user_status.operation, 1);
            assert_int_equal(ff.u.sa_user_status.scsq, 7);
            assert_int_equal(ff.u.sa_user_status.role, 2);
            assert_int_equal(ff.u.sa_user_status.role_expiry_days, 30);
            ASSERT_STR(ff.u.sa_user_status.user_name, "bob");
            assert_bytes(ff.u.sa_user_status.user_public_key, "\xaa\xbb", 2);
            assert_bytes(ff.u.sa_user_status.cert_data, "\xcc", 1);
            break;
        case 120 * 256 + 11:
            assert_int_equal(ff.u.sa_ukc_request.method, 4);
            ASSERT_STR(ff.u.sa_ukc_request.user_name, "bob");
            assert_bytes(ff.u.sa_ukc_request.challenge, "\x01\x02\x03\x04", 4);
            break;
        case 120 * 256 + 12:
            assert_int_equal(ff.u.sa_ukc_reply.ksq, 7);
            assert_int_equal(ff.u.sa_ukc_reply.user, 1);
            assert_bytes(ff.u.sa_ukc_reply.challenge, "\x05\x06\x07\x08", 4);
            break;
        case 120 * 256 + 13:
            assert_int_equal(ff.u.sa_ukc.ksq, 7);
            assert_int_equal(ff.u.sa_ukc.user, 1);
            assert_bytes(ff.u.sa_ukc.encrypted_key, "\xbe\xef", 2);
            break;
        case 120 * 256 + 14:
            assert_bytes(ff.u.sa_value.value, "\x51\x51", 2);
            break;
        case 120 * 256 + 15:
            assert_int_equal(ff.u.sa_value.value.len, 8);
            break;
        default:
            fail_msg("vector without checks: g%uv%u", VALID[i].g, VALID[i].v);
        }
    }
    for (size_t i = 0; i < NVALID; i++)
        free(b[i].p);
}

/* Field lists are equal: same keys, kinds, numbers, names and bytes. */
static void assert_same_fields(const dnp3_ff_t *a, const dnp3_ff_t *b)
{
    dnp3_format_field_t fa[DNP3_FORMAT_MAX_FIELDS], fb[DNP3_FORMAT_MAX_FIELDS];
    size_t na = dnp3i_ff_fields(a, fa, DNP3_FORMAT_MAX_FIELDS);
    size_t nb = dnp3i_ff_fields(b, fb, DNP3_FORMAT_MAX_FIELDS);
    assert_true(na > 0 && na <= DNP3_FORMAT_MAX_FIELDS);
    assert_int_equal(na, nb);
    for (size_t i = 0; i < na; i++) {
        assert_string_equal(fa[i].key, fb[i].key);
        assert_int_equal(fa[i].kind, fb[i].kind);
        assert_true(fa[i].u == fb[i].u);
        assert_true((fa[i].name == NULL) == (fb[i].name == NULL));
        if (fa[i].name)
            assert_string_equal(fa[i].name, fb[i].name);
        assert_int_equal(fa[i].len, fb[i].len);
        if (fa[i].len)
            assert_memory_equal(fa[i].data, fb[i].data, fa[i].len);
    }
}

/* encode(decode(v)) == v byte for byte (the vectors use the canonical
 * offsets), decode(encode(x)) == x, and every capacity below the body
 * length gives DNP3_E_NOSPACE without writing past it. */
static void test_round_trip(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVALID; i++) {
        dnp3_ff_t ff, back;
        body_t b;
        assert_int_equal(decode_hex(VALID[i].g, VALID[i].v, VALID[i].hex, &ff, &b), 0);
        uint8_t out[256];
        int n = dnp3_ff_write(&ff, out, sizeof out);
        if (n != (int)b.len)
            fail_msg("g%uv%u: encode %d, expected %zu", VALID[i].g, VALID[i].v, n, b.len);
        if (b.len)
            assert_memory_equal(out, b.p, b.len);
        dnp3_point_t pt = ff_point(VALID[i].g, VALID[i].v, out, (size_t)n);
        assert_int_equal(dnp3_ff_read(&pt, &back), 0);
        assert_same_fields(&ff, &back);
        for (size_t cap = 0; cap < b.len; cap++) {
            uint8_t *small = malloc(cap ? cap : 1);
            assert_non_null(small);
            assert_int_equal(dnp3_ff_write(&ff, small, cap), DNP3_E_NOSPACE);
            free(small);
        }
        free(b.p);
    }
}

/* Round trip from values built by hand (not from a decode): the encoder
 * places strings itself and the decoder reports the canonical offsets. */
static void test_encode_from_values(void **state)
{
    (void)state;
    dnp3_ff_t x, y;
    memset(&x, 0, sizeof x);
    x.group = 70;
    x.variation = 2;
    x.u.file_auth.auth_key = 9;
    x.u.file_auth.user_name = (dnp3_ff_bytes_t){(const uint8_t *)"admin", 5};
    x.u.file_auth.password = (dnp3_ff_bytes_t){(const uint8_t *)"secret", 6};
    uint8_t out[64];
    int n = dnp3_ff_write(&x, out, sizeof out);
    assert_int_equal(n, 12 + 5 + 6);
    dnp3_point_t pt = ff_point(70, 2, out, (size_t)n);
    assert_int_equal(dnp3_ff_read(&pt, &y), 0);
    assert_int_equal(y.u.file_auth.name_offset, 12);
    assert_int_equal(y.u.file_auth.pwd_offset, 17);
    ASSERT_STR(y.u.file_auth.user_name, "admin");
    ASSERT_STR(y.u.file_auth.password, "secret");
    assert_int_equal(y.u.file_auth.auth_key, 9);

    /* g70v5 with a block number that needs bit 31: not representable. */
    memset(&x, 0, sizeof x);
    x.group = 70;
    x.variation = 5;
    x.u.file_transport.block = 0x80000000u;
    assert_int_equal(dnp3_ff_write(&x, out, sizeof out), DNP3_E_APP_VALUE);
    x.u.file_transport.block = 0x7FFFFFFFu;
    x.u.file_transport.last = true;
    assert_int_equal(dnp3_ff_write(&x, out, sizeof out), 8);
    assert_memory_equal(out + 4, "\xff\xff\xff\xff", 4);

    /* Times beyond 48 bits, and a length without data. */
    memset(&x, 0, sizeof x);
    x.group = 70;
    x.variation = 3;
    x.u.file_cmd.created = DNP3_TIME_MAX + 1;
    assert_int_equal(dnp3_ff_write(&x, out, sizeof out), DNP3_E_APP_VALUE);
    x.u.file_cmd.created = 0;
    x.u.file_cmd.name.len = 3;
    assert_int_equal(dnp3_ff_write(&x, out, sizeof out), DNP3_E_APP_VALUE);

    /* A body longer than the u16 size prefix can carry. */
    static uint8_t big[70000];
    static uint8_t bigout[70100];
    memset(&x, 0, sizeof x);
    x.group = 120;
    x.variation = 9;
    x.u.sa_value.value = (dnp3_ff_bytes_t){big, 65536};
    assert_int_equal(dnp3_ff_write(&x, bigout, sizeof bigout), DNP3_E_APP_VALUE);
    x.u.sa_value.value.len = 65535;
    assert_int_equal(dnp3_ff_write(&x, bigout, sizeof bigout), 65535);

    /* A g120v5 challenge longer than its u16 length field. */
    memset(&x, 0, sizeof x);
    x.group = 120;
    x.variation = 5;
    x.u.sa_key_status.challenge = (dnp3_ff_bytes_t){big, 65536};
    assert_int_equal(dnp3_ff_write(&x, bigout, sizeof bigout), DNP3_E_APP_VALUE);

    /* No layout. */
    memset(&x, 0, sizeof x);
    x.group = 70;
    x.variation = 1;
    assert_int_equal(dnp3_ff_write(&x, out, sizeof out), DNP3_E_UNSUPPORTED);
    x.group = 91;
    assert_int_equal(dnp3_ff_write(&x, out, sizeof out), DNP3_E_UNSUPPORTED);
    assert_int_equal(dnp3_ff_write(NULL, out, sizeof out), DNP3_E_INVALID_ARG);
}

typedef struct bad {
    uint8_t g, v;
    const char *hex;
    size_t err_offset;
    const char *why;
} bad_t;

static const bad_t BAD[] = {
    {70, 2, "0c00040010000200443322", 11, "shorter than the fixed part"},
    {70, 2,
     "0c000500100002004433221175736572"
     "7077",
     4, "name runs into the password"},
    {70, 2,
     "0c000400110002004433221175736572"
     "7077",
     4, "password past the end"},
    {70, 2,
     "08000400100002004433221175736572"
     "7077",
     0, "name inside the fixed part"},
    {70, 2,
     "0c000400100002004433221175736572"
     "707700",
     18, "a byte after the strings"},
    {70, 3,
     "1a000d000068e5cf8b01a401000000000000000001000004"
     "0700",
     0, "no name although name_len 13"},
    {70, 3,
     "1a000e000068e5cf8b01a401000000000000000001000004"
     "0700"
     "2f646174612f6c6f672e747874",
     0, "name_len one past the end"},
    {70, 3,
     "ff000d000068e5cf8b01a401000000000000000001000004"
     "0700"
     "2f646174612f6c6f672e747874",
     0, "name offset outside the object"},
    {70, 3,
     "0a000d000068e5cf8b01a401000000000000000001000004"
     "0700"
     "2f646174612f6c6f672e747874",
     0, "name offset inside the fixed fields"},
    {70, 3,
     "1a000c000068e5cf8b01a401000000000000000001000004"
     "0700"
     "2f646174612f6c6f672e747874",
     38, "a byte after the name"},
    {70, 3, "1a00", 2, "truncated to the offset field"},
    {70, 4, "785634121300000000040400", 12, "no status byte"},
    {70, 5, "78563412050000", 7, "block number cut"},
    {70, 6, "7856341202000000", 8, "no status byte"},
    {70, 7,
     "14000400"
     "0100"
     "e8030000"
     "0068e5cf8b01"
     "ed01"
     "0900"
     "616263",
     0, "name_len past the end"},
    {70, 7, "1400", 2, "truncated"},
    {120, 1, "03000000000004", 7, "no reason byte"},
    {120, 2, "0300000001", 5, "user cut"},
    {120, 3, "0900000001", 5, "aggressive mode request of 5 bytes"},
    {120, 3, "09000000010000", 6, "aggressive mode request of 7 bytes"},
    {120, 4, "01", 1, "key status request of 1 byte"},
    {120, 4, "010000", 2, "key status request of 3 bytes"},
    {120, 5,
     "050000000100010104"
     "0500"
     "01020304",
     9, "challenge length past the end"},
    {120, 5, "05000000010001010404", 10, "challenge length cut"},
    {120, 6, "05000000", 4, "truncated"},
    {120, 7,
     "03000000010002000100"
     "68e5cf8b",
     14, "time cut"},
    {120, 8, "04", 1, "truncated"},
    {120, 10,
     "0401"
     "07000000"
     "0200"
     "1e00"
     "0300"
     "0200"
     "0200"
     "626f62"
     "aabb"
     "cc",
     14, "certification data length past the end"},
    {120, 10,
     "0401"
     "07000000"
     "0200"
     "1e00"
     "0300"
     "0200"
     "0000"
     "626f62"
     "aabb"
     "cc",
     21, "a byte the lengths do not cover"},
    {120, 10, "0401070000000200", 8, "truncated"},
    {120, 11,
     "04"
     "0400"
     "0400"
     "626f62"
     "01020304",
     3, "challenge pushed past the end"},
    {120, 11,
     "04"
     "0300",
     3, "truncated"},
    {120, 12,
     "07000000"
     "0100"
     "0500"
     "05060708",
     6, "challenge length past the end"},
    {120, 12,
     "07000000"
     "0100"
     "0300"
     "05060708",
     11, "a byte after the challenge"},
    {120, 13,
     "07000000"
     "0100"
     "0300"
     "beef",
     6, "key length past the end"},
    {120, 13,
     "07000000"
     "0100",
     6, "truncated"},
};

static void test_decode_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof BAD / sizeof BAD[0]; i++) {
        dnp3_ff_t ff;
        body_t b;
        int rc = decode_hex(BAD[i].g, BAD[i].v, BAD[i].hex, &ff, &b);
        if (rc != DNP3_E_APP_FREE_FORMAT)
            fail_msg("g%uv%u %s: rc %d", BAD[i].g, BAD[i].v, BAD[i].why, rc);
        if (ff.err_offset != BAD[i].err_offset)
            fail_msg("g%uv%u %s: err_offset %zu, expected %zu", BAD[i].g, BAD[i].v, BAD[i].why,
                     ff.err_offset, BAD[i].err_offset);
        free(b.p);
    }
}

/* Every prefix of every valid body, each in an exact-size heap buffer: the
 * decoder either refuses it or returns views inside it (and ASan sees any
 * read past it). Also appending a byte. */
static void test_truncation_sweep(void **state)
{
    (void)state;
    for (size_t i = 0; i < NVALID; i++) {
        body_t full = body_from_hex(VALID[i].hex);
        for (size_t n = 0; n <= full.len + 1; n++) {
            uint8_t *p = malloc(n ? n : 1);
            assert_non_null(p);
            for (size_t k = 0; k < n; k++)
                p[k] = k < full.len ? full.p[k] : 0x00;
            dnp3_point_t pt = ff_point(VALID[i].g, VALID[i].v, p, n);
            dnp3_ff_t ff;
            int rc = dnp3_ff_read(&pt, &ff);
            assert_true(rc == 0 || rc == DNP3_E_APP_FREE_FORMAT);
            if (rc == 0) {
                dnp3_format_field_t f[DNP3_FORMAT_MAX_FIELDS];
                size_t nf = dnp3i_ff_fields(&ff, f, DNP3_FORMAT_MAX_FIELDS);
                assert_true(nf <= DNP3_FORMAT_MAX_FIELDS);
                for (size_t k = 0; k < nf; k++)
                    if (f[k].len)
                        assert_true(f[k].data >= p && f[k].data + f[k].len <= p + n);
            } else {
                assert_true(ff.err_offset <= n + 2);
            }
            if (n == full.len)
                assert_int_equal(rc, 0);
            free(p);
        }
        free(full.p);
    }
}

static void test_invalid_and_unsupported(void **state)
{
    (void)state;
    dnp3_ff_t ff;
    uint8_t one[1] = {0};
    dnp3_point_t pt = ff_point(70, 1, one, 1);
    assert_int_equal(dnp3_ff_read(&pt, &ff), DNP3_E_UNSUPPORTED); /* g70v1: obsolete */
    static const uint8_t others[][2] = {{85, 1}, {86, 1}, {87, 1},   {88, 1}, {90, 1},
                                        {91, 1}, {70, 9}, {120, 16}, {120, 0}};
    for (size_t i = 0; i < sizeof others / sizeof others[0]; i++) {
        pt = ff_point(others[i][0], others[i][1], one, 1);
        assert_int_equal(dnp3_ff_read(&pt, &ff), DNP3_E_UNSUPPORTED);
        assert_null(dnp3_ff_kind_name(others[i][0], others[i][1]));
    }
    pt.type = DNP3_VT_OCTETS;
    pt.group = 70;
    pt.variation = 3;
    assert_int_equal(dnp3_ff_read(&pt, &ff), DNP3_E_INVALID_ARG);
    pt.type = DNP3_VT_FREE_FORMAT;
    assert_int_equal(dnp3_ff_read(NULL, &ff), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_ff_read(&pt, NULL), DNP3_E_INVALID_ARG);
    pt.v.bytes.data = NULL; /* a length without bytes */
    assert_int_equal(dnp3_ff_read(&pt, &ff), DNP3_E_INVALID_ARG);
    /* Empty bodies: fine where everything is "rest". */
    pt = ff_point(70, 8, NULL, 0);
    assert_int_equal(dnp3_ff_read(&pt, &ff), 0);
    assert_int_equal(ff.u.file_spec.spec.len, 0);
    pt = ff_point(120, 9, NULL, 0);
    assert_int_equal(dnp3_ff_read(&pt, &ff), 0);
    pt = ff_point(120, 1, NULL, 0);
    assert_int_equal(dnp3_ff_read(&pt, &ff), DNP3_E_APP_FREE_FORMAT);
    /* An empty name may carry any offset (nothing is read). */
    uint8_t v3[26] = {0xff, 0xff, 0, 0};
    pt = ff_point(70, 3, v3, sizeof v3);
    assert_int_equal(dnp3_ff_read(&pt, &ff), 0);
    assert_int_equal(ff.u.file_cmd.name.len, 0);
    assert_int_equal(ff.u.file_cmd.name_offset, 0xffff);
}

/* Through the application layer: write a 0x5B header with the encoded
 * body, parse the fragment back and decode the point; and a g120v3 sent the
 * usual way (qualifier 0x07, fixed 6 bytes) decodes too. */
static void test_through_app_layer(void **state)
{
    (void)state;
    dnp3_ff_t x, y;
    memset(&x, 0, sizeof x);
    x.group = 70;
    x.variation = 3;
    x.u.file_cmd.name = (dnp3_ff_bytes_t){(const uint8_t *)"/data/log.txt", 13};
    x.u.file_cmd.mode = DNP3_FILE_MODE_WRITE;
    x.u.file_cmd.permissions = 0644;
    x.u.file_cmd.max_block = 1024;
    x.u.file_cmd.request_id = 7;
    x.u.file_cmd.file_size = 12345;
    x.u.file_cmd.created = 1700000000000ull;
    uint8_t body[64], frag[128];
    int n = dnp3_ff_write(&x, body, sizeof body);
    assert_int_equal(n, 26 + 13);
    dnp3_app_writer_t w;
    dnp3_app_writer_init(&w, frag, sizeof frag);
    assert_int_equal(dnp3_app_write_request(&w, 0xC1, DNP3_FC_OPEN_FILE), 0);
    assert_int_equal(dnp3_app_write_free_format(&w, 70, 3, body, (size_t)n), 0);
    int flen = dnp3_app_writer_finish(&w);
    assert_int_equal(flen, 2 + 6 + n);

    dnp3_app_header_t h;
    assert_int_equal(dnp3_app_header_read(frag, (size_t)flen, &h), 2);
    dnp3_obj_iter_t it;
    dnp3_obj_header_t oh;
    dnp3_obj_iter_init(&it, frag, (size_t)flen, &h);
    assert_int_equal(dnp3_obj_iter_next(&it, &oh), 1);
    dnp3_point_iter_t pi;
    dnp3_point_t pt;
    dnp3_point_iter_init(&pi, &oh, &it);
    assert_int_equal(dnp3_point_iter_next(&pi, &pt), 1);
    assert_int_equal(pt.type, DNP3_VT_FREE_FORMAT);
    assert_int_equal(dnp3_ff_read(&pt, &y), 0);
    x.u.file_cmd.name_offset = 26;
    assert_same_fields(&x, &y);
    assert_ptr_equal(y.u.file_cmd.name.data, frag + 8 + 26); /* zero-copy */

    /* Aggressive mode request as iti_operate_aggressive_mode sends it. */
    static const uint8_t agg[] = {0xCC, 0x05, 0x78, 0x03, 0x07, 0x01,
                                  0x09, 0x00, 0x00, 0x00, 0x01, 0x00};
    assert_int_equal(dnp3_app_header_read(agg, sizeof agg, &h), 2);
    dnp3_obj_iter_init(&it, agg, sizeof agg, &h);
    assert_int_equal(dnp3_obj_iter_next(&it, &oh), 1);
    dnp3_point_iter_init(&pi, &oh, &it);
    assert_int_equal(dnp3_point_iter_next(&pi, &pt), 1);
    assert_int_equal(dnp3_ff_read(&pt, &y), 0);
    assert_int_equal(y.u.sa_aggressive.csq, 9);
    assert_int_equal(y.u.sa_aggressive.user, 1);
}

static void test_fields_cap(void **state)
{
    (void)state;
    dnp3_ff_t ff;
    body_t b;
    assert_int_equal(decode_hex(70, 3, VALID[1].hex, &ff, &b), 0);
    dnp3_format_field_t f[3];
    size_t n = dnp3i_ff_fields(&ff, f, 3); /* counts them all, fills 3 */
    assert_int_equal(n, 9);
    assert_string_equal(f[0].key, "name");
    assert_int_equal(f[0].kind, DNP3_FORMAT_FIELD_STRING);
    assert_string_equal(f[1].key, "mode");
    assert_string_equal(f[1].name, "READ");
    assert_int_equal(f[2].kind, DNP3_FORMAT_FIELD_PERMS);
    assert_int_equal(dnp3i_ff_fields(&ff, NULL, 0), 9);
    assert_int_equal(dnp3i_ff_fields(NULL, f, 3), 0);
    free(b.p);
    /* Every layout fits DNP3_FORMAT_MAX_FIELDS and has a kind name. */
    for (size_t i = 0; i < NVALID; i++) {
        assert_int_equal(decode_hex(VALID[i].g, VALID[i].v, VALID[i].hex, &ff, &b), 0);
        assert_true(dnp3i_ff_fields(&ff, NULL, 0) <= DNP3_FORMAT_MAX_FIELDS);
        assert_non_null(dnp3_ff_kind_name(VALID[i].g, VALID[i].v));
        free(b.p);
    }
}

static void test_names(void **state)
{
    (void)state;
    /* FACTS 5.8 file status codes */
    assert_string_equal(dnp3_file_status_name(0), "SUCCESS");
    assert_string_equal(dnp3_file_status_name(1), "PERMISSION_DENIED");
    assert_string_equal(dnp3_file_status_name(3), "NOT_FOUND");
    assert_string_equal(dnp3_file_status_name(9), "CANNOT_ABORT");
    assert_null(dnp3_file_status_name(10));
    assert_null(dnp3_file_status_name(15));
    assert_string_equal(dnp3_file_status_name(16), "NOT_OPENED");
    assert_string_equal(dnp3_file_status_name(20), "BLOCK_SEQUENCE");
    assert_null(dnp3_file_status_name(21));
    assert_string_equal(dnp3_file_status_name(255), "UNDEFINED");
    assert_string_equal(dnp3_file_mode_name(0), "NULL");
    assert_string_equal(dnp3_file_mode_name(1), "READ");
    assert_string_equal(dnp3_file_mode_name(3), "APPEND");
    assert_null(dnp3_file_mode_name(4));
    assert_string_equal(dnp3_file_type_name(0), "DIRECTORY");
    assert_null(dnp3_file_type_name(2));
    /* FACTS 10 SA enumerations */
    assert_string_equal(dnp3_sa_mac_algo_name(1), "HMAC_SHA1_TRUNC4");
    assert_string_equal(dnp3_sa_mac_algo_name(4), "HMAC_SHA256_TRUNC16");
    assert_string_equal(dnp3_sa_mac_algo_name(6), "AES_GMAC");
    assert_null(dnp3_sa_mac_algo_name(7));
    assert_int_equal(dnp3_sa_mac_len(2), 10);
    assert_int_equal(dnp3_sa_mac_len(4), 16);
    assert_int_equal(dnp3_sa_mac_len(6), 12);
    assert_int_equal(dnp3_sa_mac_len(9), 0);
    assert_string_equal(dnp3_sa_key_status_name(1), "OK");
    assert_string_equal(dnp3_sa_key_status_name(4), "AUTH_FAIL");
    assert_null(dnp3_sa_key_status_name(0));
    assert_null(dnp3_sa_key_status_name(5));
    assert_string_equal(dnp3_sa_error_name(1), "AUTHENTICATION_FAILED");
    assert_string_equal(dnp3_sa_error_name(4), "AGGRESSIVE_MODE_UNSUPPORTED");
    assert_string_equal(dnp3_sa_error_name(12), "MAX_SESSION_KEY_STATUS_REQUESTS_EXCEEDED");
    assert_null(dnp3_sa_error_name(0));
    assert_null(dnp3_sa_error_name(13));
    assert_string_equal(dnp3_sa_key_wrap_name(1), "AES_128");
    assert_string_equal(dnp3_sa_key_wrap_name(2), "AES_256");
    assert_null(dnp3_sa_key_wrap_name(3));
    assert_string_equal(dnp3_sa_key_change_method_name(3), "AES_128_SHA1_HMAC");
    assert_string_equal(dnp3_sa_key_change_method_name(71), "RSA_3072_DSA_SHA256_AES_GMAC");
    assert_null(dnp3_sa_key_change_method_name(1));
    assert_null(dnp3_sa_key_change_method_name(64));
    assert_string_equal(dnp3_sa_challenge_reason_name(1), "CRITICAL");
    assert_null(dnp3_sa_challenge_reason_name(2));
    assert_string_equal(dnp3_sa_user_role_name(0), "VIEWER");
    assert_string_equal(dnp3_sa_user_role_name(6), "RBAC_MAINTENANCE");
    assert_string_equal(dnp3_sa_user_role_name(32768), "SINGLE_USER");
    assert_null(dnp3_sa_user_role_name(7));
    assert_string_equal(dnp3_sa_user_operation_name(3), "CHANGE");
    assert_null(dnp3_sa_user_operation_name(0));
    assert_string_equal(dnp3_sa_cert_type_name(2), "ATTRIBUTE_CERTIFICATE");
    assert_null(dnp3_sa_cert_type_name(0));
    assert_string_equal(dnp3_ff_kind_name(70, 3), "file_command");
    assert_string_equal(dnp3_ff_kind_name(120, 1), "sa_challenge");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_decode_fields),
        cmocka_unit_test(test_round_trip),
        cmocka_unit_test(test_encode_from_values),
        cmocka_unit_test(test_decode_errors),
        cmocka_unit_test(test_truncation_sweep),
        cmocka_unit_test(test_invalid_and_unsupported),
        cmocka_unit_test(test_through_app_layer),
        cmocka_unit_test(test_fields_cap),
        cmocka_unit_test(test_names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
