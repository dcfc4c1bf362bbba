/* Object library: table integrity, and an encode -> decode round trip for
 * every line of src/app/objects.def. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "app/layout.h"
#include "dnp3/app.h"

static const uint8_t some_bytes[600] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 0xFF, 0x80};

/* A distinct, exactly representable value for every field of the layout. */
static void fill_point(const dnp3_obj_info_t *info, uint8_t variation, uint32_t index, int k,
                       dnp3_point_t *pt)
{
    memset(pt, 0, sizeof *pt);
    pt->index = index;
    pt->type = (dnp3_value_type_t)info->value_type;
    switch (info->pre) {
    case DNP3_PRE_FLAGS:
        pt->has_flags = true;
        pt->flags = (uint8_t)(0x01 | (k & 1 ? 0x04 : 0x00));
        if (pt->type == DNP3_VT_BINARY) {
            pt->v.binary = k & 1;
            pt->flags |= k & 1 ? 0x80 : 0;
        } else if (pt->type == DNP3_VT_DOUBLE_BIT) {
            pt->v.double_bit = (uint8_t)(k & 3);
            pt->flags |= (uint8_t)((k & 3) << 6);
        } else {
            pt->flags |= 0x40;
        }
        break;
    case DNP3_PRE_STATUS:
        pt->has_status = true;
        pt->status = (uint8_t)(4 + k);
        break;
    case DNP3_PRE_CMD:
        pt->has_status = true;
        pt->status = (uint8_t)(3 + k);
        pt->v.binary = !(k & 1);
        break;
    default:
        break;
    }
    switch (info->val) {
    case DNP3_VAL_U16:
        pt->v.counter = 0x1234u + (uint32_t)k;
        break;
    case DNP3_VAL_U32:
        pt->v.counter = 0x89ABCDEFu + (uint32_t)k;
        break;
    case DNP3_VAL_U8:
        pt->v.counter = 0xA5u + (uint32_t)k;
        break;
    case DNP3_VAL_I16:
        pt->v.analog_i = -1234 - k;
        break;
    case DNP3_VAL_I32:
        pt->v.analog_i = -123456789 - k;
        break;
    case DNP3_VAL_F32:
        pt->v.analog_f = 1.5 + k;
        break;
    case DNP3_VAL_F64:
        pt->v.analog_f = -2.25e10 + k;
        break;
    case DNP3_VAL_CROB:
        pt->v.crob.code = 0x41;
        pt->v.crob.count = (uint8_t)(2 + k);
        pt->v.crob.on_ms = 100;
        pt->v.crob.off_ms = 200000;
        break;
    case DNP3_VAL_TIME48:
        pt->has_time = true;
        pt->time = 0x00F0AA6CB8F8ull + (uint64_t)k;
        break;
    case DNP3_VAL_TIME_U32:
        pt->has_time = true;
        pt->time = 0x00F0AA6CB8F8ull;
        pt->v.interval.interval = 5000u + (uint32_t)k;
        break;
    case DNP3_VAL_TIME_U32_U8:
        pt->has_time = true;
        pt->time = 0x00F0AA6CB8F8ull;
        pt->v.interval.interval = 7u + (uint32_t)k;
        pt->v.interval.units = 3;
        break;
    case DNP3_VAL_DELAY_S:
        pt->v.delay.ms = 5000u * (uint32_t)(k + 1);
        break;
    case DNP3_VAL_DELAY_MS:
        pt->v.delay.ms = 1234u + (uint32_t)k;
        break;
    case DNP3_VAL_SEC_STAT:
        pt->v.sec_stat.assoc = (uint16_t)(2 + k);
        pt->v.sec_stat.count = 77u + (uint32_t)k;
        break;
    case DNP3_VAL_BYTES: {
        size_t n = info->size_kind == DNP3_SK_BY_VARIATION ? variation : info->size;
        n -= (info->pre ? 1 : 0) + (info->post == DNP3_POST_STATUS ? 1 : 0);
        pt->v.bytes.data = some_bytes + k;
        pt->v.bytes.len = n;
        break;
    }
    default:
        break;
    }
    switch (info->post) {
    case DNP3_POST_STATUS:
        pt->has_status = true;
        pt->status = (uint8_t)(7 + k);
        break;
    case DNP3_POST_TIME48:
        pt->has_time = true;
        pt->time = 0x0000123456789ABCull + (uint64_t)k;
        break;
    case DNP3_POST_REL16:
        pt->has_rel = true;
        pt->rel_ms = (uint16_t)(10 + k);
        break;
    default:
        break;
    }
}

static void assert_point_eq(const dnp3_point_t *want, const dnp3_point_t *got)
{
    assert_int_equal(want->index, got->index);
    assert_int_equal(want->type, got->type);
    assert_int_equal(want->has_flags, got->has_flags);
    assert_int_equal(want->flags, got->flags);
    assert_int_equal(want->has_time, got->has_time);
    assert_true(want->time == got->time);
    assert_int_equal(want->has_rel, got->has_rel);
    assert_int_equal(want->rel_ms, got->rel_ms);
    assert_int_equal(want->has_status, got->has_status);
    assert_int_equal(want->status, got->status);
    switch (want->type) {
    case DNP3_VT_BINARY:
    case DNP3_VT_IIN_BIT:
        assert_int_equal(want->v.binary, got->v.binary);
        break;
    case DNP3_VT_BO_CMD_EVENT:
        assert_int_equal(want->v.binary, got->v.binary);
        break;
    case DNP3_VT_DOUBLE_BIT:
        assert_int_equal(want->v.double_bit, got->v.double_bit);
        break;
    case DNP3_VT_COUNTER:
    case DNP3_VT_DEADBAND_INT:
    case DNP3_VT_UINT8:
        assert_int_equal(want->v.counter, got->v.counter);
        break;
    case DNP3_VT_ANALOG_INT:
    case DNP3_VT_AO_INT:
    case DNP3_VT_AO_CMD_EVENT_INT:
        assert_int_equal(want->v.analog_i, got->v.analog_i);
        break;
    case DNP3_VT_ANALOG_FLOAT:
    case DNP3_VT_AO_FLOAT:
    case DNP3_VT_AO_CMD_EVENT_FLOAT:
    case DNP3_VT_DEADBAND_FLOAT:
        assert_true(want->v.analog_f == got->v.analog_f);
        break;
    case DNP3_VT_CROB:
        assert_int_equal(want->v.crob.code, got->v.crob.code);
        assert_int_equal(want->v.crob.count, got->v.crob.count);
        assert_int_equal(want->v.crob.on_ms, got->v.crob.on_ms);
        assert_int_equal(want->v.crob.off_ms, got->v.crob.off_ms);
        break;
    case DNP3_VT_TIME_INTERVAL:
        assert_int_equal(want->v.interval.interval, got->v.interval.interval);
        assert_int_equal(want->v.interval.units, got->v.interval.units);
        break;
    case DNP3_VT_DELAY:
        assert_int_equal(want->v.delay.ms, got->v.delay.ms);
        break;
    case DNP3_VT_SEC_STAT:
        assert_int_equal(want->v.sec_stat.assoc, got->v.sec_stat.assoc);
        assert_int_equal(want->v.sec_stat.count, got->v.sec_stat.count);
        break;
    case DNP3_VT_OCTETS:
    case DNP3_VT_ATTRIBUTE:
    case DNP3_VT_FREE_FORMAT:
    case DNP3_VT_BCD:
        assert_int_equal(want->v.bytes.len, got->v.bytes.len);
        assert_int_equal(want->v.bytes.attr_type, got->v.bytes.attr_type);
        assert_memory_equal(want->v.bytes.data, got->v.bytes.data, want->v.bytes.len);
        break;
    default:
        break;
    }
}

/* Parse buf as one fragment holding one header; return it. */
static void parse_one(const uint8_t *buf, size_t len, dnp3_obj_iter_t *it, dnp3_obj_header_t *oh)
{
    dnp3_app_header_t ah;
    assert_true(dnp3_app_header_read(buf, len, &ah) > 0);
    dnp3_obj_iter_init(it, buf, len, &ah);
    assert_int_equal(dnp3_obj_iter_next(it, oh), 1);
}

static void roundtrip_fixed(const dnp3_obj_info_t *info, uint8_t variation, uint8_t qualifier)
{
    enum { N = 3 };
    const uint32_t idx[N] = {5, DNP3_QUAL_PREFIX(qualifier) == 1 ? 200u : 300u, 7};
    uint8_t buf[4096];
    dnp3_app_writer_t w;
    dnp3_point_t want[N], got;
    const bool ranged = DNP3_QUAL_PREFIX(qualifier) == 0 || DNP3_QUAL_PREFIX(qualifier) >= 4;
    const bool counted = DNP3_QUAL_RANGE(qualifier) >= 7;

    dnp3_app_writer_init(&w, buf, sizeof buf);
    assert_int_equal(dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0), 0);
    assert_int_equal(dnp3_app_write_header(&w, info->group, variation, qualifier, counted ? N : 10,
                                           counted ? 0 : 10 + N - 1),
                     0);
    for (int k = 0; k < N; k++) {
        uint32_t index = ranged ? (counted ? (uint32_t)k : 10u + (uint32_t)k) : idx[k];
        fill_point(info, variation, index, k, &want[k]);
        int rc = dnp3_app_write_point(&w, &want[k]);
        if (rc != 0)
            fail_msg("g%uv%u q%02X: write_point %s", info->group, variation, qualifier,
                     dnp3_error_name(rc));
    }
    int len = dnp3_app_writer_finish(&w);
    assert_true(len > 4);

    dnp3_obj_iter_t it;
    dnp3_obj_header_t oh;
    parse_one(buf, (size_t)len, &it, &oh);
    assert_int_equal(oh.group, info->group);
    assert_int_equal(oh.variation, variation);
    assert_int_equal(oh.qualifier, qualifier);
    assert_int_equal(oh.count, N);
    assert_ptr_equal(oh.info, info);
    dnp3_point_iter_t pi;
    dnp3_point_iter_init(&pi, &oh, &it);
    for (int k = 0; k < N; k++) {
        assert_int_equal(dnp3_point_iter_next(&pi, &got), 1);
        assert_point_eq(&want[k], &got);
    }
    assert_int_equal(dnp3_point_iter_next(&pi, &got), 0);
    assert_int_equal(dnp3_obj_iter_next(&it, &oh), 0);
}

static void roundtrip_packed(const dnp3_obj_info_t *info, uint8_t qualifier)
{
    uint8_t buf[256];
    dnp3_app_writer_t w;
    dnp3_point_t want[11], got;
    const bool prefixed = DNP3_QUAL_PREFIX(qualifier) != 0;
    const uint32_t n = 11;

    dnp3_app_writer_init(&w, buf, sizeof buf);
    /* g80v1 and g12v3 are written by the master; any function code that
     * carries data does for the codec. */
    assert_int_equal(dnp3_app_write_request(&w, 0xC0, DNP3_FC_WRITE), 0);
    assert_int_equal(dnp3_app_write_header(&w, info->group, info->variation, qualifier,
                                           prefixed ? n : 3, prefixed ? 0 : 3 + n - 1),
                     0);
    for (uint32_t k = 0; k < n; k++) {
        memset(&want[k], 0, sizeof want[k]);
        want[k].type = (dnp3_value_type_t)info->value_type;
        want[k].index = prefixed ? 40 + 3 * k : 3 + k;
        if (info->size_kind == DNP3_SK_PACKED1)
            want[k].v.binary = (k * 7 + 1) % 3 == 0;
        else
            want[k].v.double_bit = (uint8_t)((k * 5 + 1) % 4);
        assert_int_equal(dnp3_app_write_point(&w, &want[k]), 0);
    }
    int len = dnp3_app_writer_finish(&w);
    assert_true(len > 0);
    dnp3_obj_iter_t it;
    dnp3_obj_header_t oh;
    parse_one(buf, (size_t)len, &it, &oh);
    assert_int_equal(oh.count, n);
    dnp3_point_iter_t pi;
    dnp3_point_iter_init(&pi, &oh, &it);
    for (uint32_t k = 0; k < n; k++) {
        assert_int_equal(dnp3_point_iter_next(&pi, &got), 1);
        assert_point_eq(&want[k], &got);
    }
    assert_int_equal(dnp3_point_iter_next(&pi, &got), 0);
}

static void roundtrip_free(const dnp3_obj_info_t *info)
{
    uint8_t buf[256];
    dnp3_app_writer_t w;
    dnp3_point_t want, got;

    /* dnp3_app_write_free_format and write_point with a 0x5B header. */
    for (int mode = 0; mode < 2; mode++) {
        memset(&want, 0, sizeof want);
        want.type = (dnp3_value_type_t)info->value_type;
        want.v.bytes.data = some_bytes;
        want.v.bytes.len = 13;
        dnp3_app_writer_init(&w, buf, sizeof buf);
        assert_int_equal(dnp3_app_write_response(&w, 0xC0, DNP3_FC_AUTH_RESPONSE, 0), 0);
        if (mode == 0) {
            assert_int_equal(
                dnp3_app_write_free_format(&w, info->group, info->variation, some_bytes, 13), 0);
        } else {
            assert_int_equal(dnp3_app_write_header(&w, info->group, info->variation, 0x5B, 1, 0),
                             0);
            assert_int_equal(dnp3_app_write_point(&w, &want), 0);
        }
        int len = dnp3_app_writer_finish(&w);
        assert_int_equal(len, 4 + 6 + 13);
        dnp3_obj_iter_t it;
        dnp3_obj_header_t oh;
        parse_one(buf, (size_t)len, &it, &oh);
        assert_int_equal(oh.qualifier, 0x5B);
        assert_int_equal(oh.count, 1);
        dnp3_point_iter_t pi;
        dnp3_point_iter_init(&pi, &oh, &it);
        assert_int_equal(dnp3_point_iter_next(&pi, &got), 1);
        assert_point_eq(&want, &got);
        assert_int_equal(dnp3_point_iter_next(&pi, &got), 0);
    }
}

static void roundtrip_attr(const dnp3_obj_info_t *info)
{
    uint8_t buf[1024];
    dnp3_app_writer_t w;
    dnp3_point_t want, got;
    memset(&want, 0, sizeof want);
    want.type = DNP3_VT_ATTRIBUTE;
    want.v.bytes.data = some_bytes;
    want.v.bytes.len = info->variation == 255 ? 4 : 5;
    want.v.bytes.attr_type = info->variation == 255 ? DNP3_ATTR_LIST : DNP3_ATTR_OSTR;

    dnp3_app_writer_init(&w, buf, sizeof buf);
    assert_int_equal(dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0), 0);
    assert_int_equal(dnp3_app_write_header(&w, 0, info->variation, 0x00, 0, 0), 0);
    assert_int_equal(dnp3_app_write_point(&w, &want), 0);
    int len = dnp3_app_writer_finish(&w);
    assert_int_equal(len, 4 + 5 + 2 + (int)want.v.bytes.len);
    dnp3_obj_iter_t it;
    dnp3_obj_header_t oh;
    parse_one(buf, (size_t)len, &it, &oh);
    dnp3_point_iter_t pi;
    dnp3_point_iter_init(&pi, &oh, &it);
    assert_int_equal(dnp3_point_iter_next(&pi, &got), 1);
    assert_point_eq(&want, &got);
    assert_int_equal(got.variation, info->variation);
}

static void roundtrip_none(const dnp3_obj_info_t *info)
{
    uint8_t buf[16];
    dnp3_app_writer_t w;
    dnp3_app_writer_init(&w, buf, sizeof buf);
    assert_int_equal(dnp3_app_write_request(&w, 0xC0, DNP3_FC_READ), 0);
    assert_int_equal(dnp3_app_write_header(&w, info->group, info->variation, 0x06, 0, 0), 0);
    int len = dnp3_app_writer_finish(&w);
    assert_int_equal(len, 5);
    dnp3_obj_iter_t it;
    dnp3_obj_header_t oh;
    parse_one(buf, (size_t)len, &it, &oh);
    assert_int_equal(oh.group, info->group);
    assert_int_equal(oh.variation, info->variation);
    assert_false(oh.has_data);
    assert_int_equal(oh.data_len, 0);
}

/* Walks dnp3_obj_table(): every line survives encode -> decode with its
 * value, flags, time, relative time, status and index. */
static void test_roundtrip_every_table_entry(void **state)
{
    (void)state;
    const dnp3_obj_info_t *t;
    size_t n = dnp3_obj_table(&t);
    size_t done = 0;
    for (size_t i = 0; i < n; i++) {
        const dnp3_obj_info_t *info = &t[i];
        switch (info->size_kind) {
        case DNP3_SK_NONE:
            roundtrip_none(info);
            break;
        case DNP3_SK_FIXED:
            roundtrip_fixed(info, info->variation, 0x28);
            roundtrip_fixed(info, info->variation, 0x17);
            roundtrip_fixed(info, info->variation, 0x01);
            roundtrip_fixed(info, info->variation, 0x07);
            break;
        case DNP3_SK_BY_VARIATION:
            for (unsigned v = 1; v <= 255; v += 127)
                roundtrip_fixed(info, (uint8_t)v, 0x17);
            roundtrip_fixed(info, 9, 0x00);
            break;
        case DNP3_SK_PACKED1:
        case DNP3_SK_PACKED2:
            roundtrip_packed(info, 0x00);
            roundtrip_packed(info, 0x01);
            roundtrip_packed(info, 0x28);
            break;
        case DNP3_SK_FREE_FORMAT:
            roundtrip_free(info);
            break;
        case DNP3_SK_ATTRIBUTE:
            roundtrip_attr(info);
            break;
        default:
            fail_msg("g%uv%u: unknown size kind", info->group, info->variation);
        }
        done++;
    }
    assert_int_equal(done, n);
    assert_true(n > 200);
}

/* The table is sorted, has no duplicates, and every FIXED line's layout adds
 * up to its declared size; lookup finds each line. */
static void test_table_integrity(void **state)
{
    (void)state;
    const dnp3_obj_info_t *t;
    size_t n = dnp3_obj_table(&t);
    for (size_t i = 0; i < n; i++) {
        if (i > 0) {
            unsigned a = (unsigned)t[i - 1].group << 8 | t[i - 1].variation;
            unsigned b = (unsigned)t[i].group << 8 | t[i].variation;
            assert_true(a < b);
        }
        assert_ptr_equal(dnp3_obj_lookup(t[i].group, t[i].variation), &t[i]);
        assert_non_null(t[i].name);
        assert_non_null(dnp3_value_type_name((dnp3_value_type_t)t[i].value_type));
        if (t[i].size_kind == DNP3_SK_FIXED) {
            size_t sum = (t[i].pre ? 1u : 0u);
            switch (t[i].val) {
            case DNP3_VAL_U16:
            case DNP3_VAL_I16:
            case DNP3_VAL_DELAY_S:
            case DNP3_VAL_DELAY_MS:
                sum += 2;
                break;
            case DNP3_VAL_U32:
            case DNP3_VAL_I32:
            case DNP3_VAL_F32:
                sum += 4;
                break;
            case DNP3_VAL_F64:
                sum += 8;
                break;
            case DNP3_VAL_U8:
                sum += 1;
                break;
            case DNP3_VAL_CROB:
            case DNP3_VAL_TIME_U32:
                sum += 10;
                break;
            case DNP3_VAL_TIME_U32_U8:
                sum += 11;
                break;
            case DNP3_VAL_TIME48:
            case DNP3_VAL_SEC_STAT:
                sum += 6;
                break;
            case DNP3_VAL_BYTES:
                sum = t[i].size; /* opaque: nothing to add up */
                break;
            default:
                break;
            }
            sum += t[i].post == DNP3_POST_STATUS   ? 1
                   : t[i].post == DNP3_POST_TIME48 ? 6
                   : t[i].post == DNP3_POST_REL16  ? 2
                                                   : 0;
            if (sum != t[i].size)
                fail_msg("g%uv%u: layout %zu != size %u", t[i].group, t[i].variation, sum,
                         t[i].size);
        } else {
            assert_int_equal(t[i].size, 0);
        }
    }
}

/* Sizes straight from DNP3-FACTS section 5 for a sample of variations. */
static void test_table_sizes_from_facts(void **state)
{
    (void)state;
    static const struct {
        uint8_t g, v;
        uint16_t size;
    } want[] = {
        {1, 2, 1},   {2, 2, 7},   {2, 3, 3},    {4, 3, 3},   {11, 2, 7},  {12, 1, 11}, {13, 2, 7},
        {20, 1, 5},  {20, 6, 2},  {21, 5, 11},  {21, 10, 2}, {22, 6, 9},  {23, 7, 11}, {30, 6, 9},
        {31, 3, 11}, {32, 8, 15}, {33, 4, 9},   {34, 3, 4},  {40, 4, 9},  {41, 1, 5},  {41, 4, 9},
        {42, 7, 11}, {43, 1, 5},  {43, 8, 15},  {50, 1, 6},  {50, 2, 10}, {50, 4, 11}, {51, 2, 6},
        {52, 1, 2},  {101, 1, 2}, {101, 2, 4},  {101, 3, 8}, {102, 1, 1}, {120, 3, 6}, {120, 4, 2},
        {121, 1, 7}, {122, 1, 7}, {122, 2, 13},
    };
    for (size_t i = 0; i < sizeof want / sizeof want[0]; i++) {
        const dnp3_obj_info_t *info = dnp3_obj_lookup(want[i].g, want[i].v);
        assert_non_null(info);
        assert_int_equal(info->size_kind, DNP3_SK_FIXED);
        assert_int_equal(info->size, want[i].size);
        assert_int_equal(dnp3_obj_fixed_size(info), want[i].size);
    }
    assert_int_equal(dnp3_obj_lookup(1, 1)->size_kind, DNP3_SK_PACKED1);
    assert_int_equal(dnp3_obj_lookup(3, 1)->size_kind, DNP3_SK_PACKED2);
    assert_int_equal(dnp3_obj_lookup(80, 1)->size_kind, DNP3_SK_PACKED1);
    assert_int_equal(dnp3_obj_lookup(12, 3)->size_kind, DNP3_SK_PACKED1);
    assert_int_equal(dnp3_obj_lookup(70, 3)->size_kind, DNP3_SK_FREE_FORMAT);
    assert_int_equal(dnp3_obj_lookup(120, 9)->size_kind, DNP3_SK_FREE_FORMAT);
    assert_int_equal(dnp3_obj_lookup(0, 240)->size_kind, DNP3_SK_ATTRIBUTE);
    assert_int_equal(dnp3_obj_lookup(0, 254)->size_kind, DNP3_SK_NONE);
    assert_int_equal(dnp3_obj_lookup(60, 3)->size_kind, DNP3_SK_NONE);
    for (unsigned v = 0; v < 256; v++)
        assert_int_equal(dnp3_obj_lookup(112, (uint8_t)v)->size_kind, DNP3_SK_BY_VARIATION);
    assert_null(dnp3_obj_lookup(1, 9));
    assert_int_equal(dnp3_obj_lookup(0, 1)->size_kind, DNP3_SK_ATTRIBUTE); /* unnamed */
    assert_null(dnp3_obj_lookup(0, 0));
    assert_null(dnp3_obj_lookup(255, 255));
    assert_null(dnp3_obj_lookup(70, 9));
    assert_null(dnp3_obj_lookup(120, 16));
}

/* Attribute values decode to numbers, strings and times; the extended list
 * carries length + 256. */
/* dnp3_attr_read on every type and value length, built directly as points
 * (the wire path is covered above): valid lengths give the value, every
 * other length is DNP3_E_APP_ATTRIBUTE, and a non-attribute point is refused. */
static void test_attribute_every_type_and_length(void **state)
{
    (void)state;
    static const uint8_t v[8] = {0xFE, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xBF};
    static const struct {
        uint8_t type;
        size_t len;
        int rc;
    } cases[] = {
        {DNP3_ATTR_UINT, 1, 0},    {DNP3_ATTR_UINT, 2, 0},  {DNP3_ATTR_UINT, 4, 0},
        {DNP3_ATTR_UINT, 3, -1},   {DNP3_ATTR_UINT, 8, -1}, {DNP3_ATTR_INT, 1, 0},
        {DNP3_ATTR_INT, 2, 0},     {DNP3_ATTR_INT, 4, 0},   {DNP3_ATTR_INT, 0, -1},
        {DNP3_ATTR_INT, 3, -1},    {DNP3_ATTR_FLT, 4, 0},   {DNP3_ATTR_FLT, 8, 0},
        {DNP3_ATTR_FLT, 2, -1},    {DNP3_ATTR_TIME, 6, 0},  {DNP3_ATTR_TIME, 4, -1},
        {DNP3_ATTR_LIST, 4, 0},    {DNP3_ATTR_LIST, 3, -1}, {DNP3_ATTR_EXLIST, 2, 0},
        {DNP3_ATTR_EXLIST, 1, -1}, {DNP3_ATTR_VSTR, 0, 0},  {DNP3_ATTR_OSTR, 8, 0},
        {DNP3_ATTR_BSTR, 3, 0},    {DNP3_ATTR_UNCD, 2, 0},  {9, 1, -1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        dnp3_point_t pt;
        memset(&pt, 0, sizeof pt);
        pt.type = DNP3_VT_ATTRIBUTE;
        pt.v.bytes.attr_type = cases[i].type;
        pt.v.bytes.data = v;
        pt.v.bytes.len = cases[i].len;
        dnp3_attr_value_t av;
        int rc = dnp3_attr_read(&pt, &av);
        assert_int_equal(rc, cases[i].rc ? DNP3_E_APP_ATTRIBUTE : DNP3_OK);
        if (rc != 0)
            continue;
        assert_int_equal(av.type, cases[i].type);
        assert_ptr_equal(av.data, v);
        assert_int_equal(av.len, cases[i].len);
        if (cases[i].type == DNP3_ATTR_UINT)
            assert_int_equal(av.n.u, cases[i].len == 1   ? 0xFEu
                                     : cases[i].len == 2 ? 0xFFFEu
                                                         : 0xFFFFFFFEu);
        if (cases[i].type == DNP3_ATTR_INT) /* sign-extended: all -2 */
            assert_int_equal(av.n.i, -2);
        if (cases[i].type == DNP3_ATTR_TIME)
            assert_int_equal(av.n.t, 0xFFFFFFFFFFFEull);
        if (cases[i].type == DNP3_ATTR_FLT && cases[i].len == 8) {
            uint64_t bits;
            memcpy(&bits, &av.n.f, sizeof bits);
            assert_int_equal(bits, 0xBFFFFFFFFFFFFFFEull);
        }
    }
    /* every named type has a name; an undefined one does not */
    static const uint8_t named[] = {1, 2, 3, 4, 5, 6, 7, 8, 254, 255};
    for (size_t i = 0; i < sizeof named; i++)
        assert_non_null(dnp3_attr_type_name(named[i]));
    assert_null(dnp3_attr_type_name(9));

    dnp3_point_t not_attr;
    memset(&not_attr, 0, sizeof not_attr);
    not_attr.type = DNP3_VT_COUNTER;
    dnp3_attr_value_t av;
    assert_int_equal(dnp3_attr_read(&not_attr, &av), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_attr_read(NULL, &av), DNP3_E_INVALID_ARG);
}

static void test_attribute_values(void **state)
{
    (void)state;
    /* response: g0v240 UINT 2 = 2048; g0v252 VSTR "ACME"; g0v203 FLT 4 = 1.5;
     * g0v198 TIME; g0v219 INT 1 = -1 */
    static const uint8_t frag[] = {
        0xC0, 0x81, 0x00, 0x00, 0x00, 0xF0, 0x00, 0x00, 0x00, 0x02, 0x02, 0x00, 0x08, 0x00,
        0xFC, 0x00, 0x00, 0x00, 0x01, 0x04, 'A',  'C',  'M',  'E',  0x00, 0xCB, 0x00, 0x00,
        0x00, 0x04, 0x04, 0x00, 0x00, 0xC0, 0x3F, 0x00, 0xC6, 0x00, 0x00, 0x00, 0x07, 0x06,
        0xF8, 0xB8, 0x6C, 0xAA, 0xF0, 0x00, 0x00, 0xDB, 0x00, 0x00, 0x00, 0x03, 0x01, 0xFF,
    };
    dnp3_app_header_t ah;
    assert_int_equal(dnp3_app_header_read(frag, sizeof frag, &ah), 4);
    dnp3_obj_iter_t it;
    dnp3_obj_iter_init(&it, frag, sizeof frag, &ah);
    dnp3_obj_header_t oh;
    dnp3_point_iter_t pi;
    dnp3_point_t pt;
    dnp3_attr_value_t av;

    assert_int_equal(dnp3_obj_iter_next(&it, &oh), 1);
    dnp3_point_iter_init(&pi, &oh, &it);
    assert_int_equal(dnp3_point_iter_next(&pi, &pt), 1);
    assert_int_equal(pt.variation, 240);
    assert_int_equal(pt.index, 0);
    assert_int_equal(dnp3_attr_read(&pt, &av), 0);
    assert_int_equal(av.type, DNP3_ATTR_UINT);
    assert_int_equal(av.n.u, 2048);

    assert_int_equal(dnp3_obj_iter_next(&it, &oh), 1);
    dnp3_point_iter_init(&pi, &oh, &it);
    assert_int_equal(dnp3_point_iter_next(&pi, &pt), 1);
    assert_int_equal(dnp3_attr_read(&pt, &av), 0);
    assert_int_equal(av.len, 4);
    assert_memory_equal(av.data, "ACME", 4);

    assert_int_equal(dnp3_obj_iter_next(&it, &oh), 1);
    dnp3_point_iter_init(&pi, &oh, &it);
    assert_int_equal(dnp3_point_iter_next(&pi, &pt), 1);
    assert_int_equal(dnp3_attr_read(&pt, &av), 0);
    assert_true(av.n.f == 1.5);

    assert_int_equal(dnp3_obj_iter_next(&it, &oh), 1);
    dnp3_point_iter_init(&pi, &oh, &it);
    assert_int_equal(dnp3_point_iter_next(&pi, &pt), 1);
    assert_int_equal(dnp3_attr_read(&pt, &av), 0);
    assert_true(av.n.t == 0x00F0AA6CB8F8ull);

    assert_int_equal(dnp3_obj_iter_next(&it, &oh), 1);
    dnp3_point_iter_init(&pi, &oh, &it);
    assert_int_equal(dnp3_point_iter_next(&pi, &pt), 1);
    assert_int_equal(dnp3_attr_read(&pt, &av), 0);
    assert_int_equal(av.n.i, -1);
    assert_int_equal(dnp3_obj_iter_next(&it, &oh), 0);

    /* UINT of 3 bytes is malformed; decode says so */
    pt.v.bytes.attr_type = DNP3_ATTR_UINT;
    pt.v.bytes.len = 3;
    assert_int_equal(dnp3_attr_read(&pt, &av), DNP3_E_APP_ATTRIBUTE);
    assert_string_equal(dnp3_attr_type_name(DNP3_ATTR_LIST), "U8BS8LIST");
    assert_null(dnp3_attr_type_name(9));

    /* extended list: 300 bytes travel as length 44 */
    uint8_t buf[512];
    dnp3_app_writer_t w;
    memset(&pt, 0, sizeof pt);
    pt.type = DNP3_VT_ATTRIBUTE;
    pt.v.bytes.attr_type = DNP3_ATTR_EXLIST;
    pt.v.bytes.data = some_bytes;
    pt.v.bytes.len = 300;
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, 0xC0, DNP3_FC_RESPONSE, 0);
    dnp3_app_write_header(&w, 0, 255, 0x00, 0, 0);
    assert_int_equal(dnp3_app_write_point(&w, &pt), 0);
    int len = dnp3_app_writer_finish(&w);
    assert_int_equal(len, 4 + 5 + 2 + 300);
    assert_int_equal(buf[9], 255);
    assert_int_equal(buf[10], 44);
    dnp3_obj_iter_init(&it, buf, (size_t)len, &ah);
    assert_int_equal(dnp3_obj_iter_next(&it, &oh), 1);
    dnp3_point_iter_init(&pi, &oh, &it);
    assert_int_equal(dnp3_point_iter_next(&pi, &pt), 1);
    assert_int_equal(pt.v.bytes.len, 300);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_integrity),
        cmocka_unit_test(test_table_sizes_from_facts),
        cmocka_unit_test(test_roundtrip_every_table_entry),
        cmocka_unit_test(test_attribute_values),
        cmocka_unit_test(test_attribute_every_type_and_length),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
