/* The object library table (objects.def) and lookups. */
#include "app/app_internal.h"

enum obj_id {
#define DNP3_OBJ(g, v, sk, size, vt, pre, val, post, name) OBJ_ID_##g##_##v,
#include "app/objects.def"
#undef DNP3_OBJ
    OBJ_COUNT
};

static const dnp3_obj_info_t obj_table[OBJ_COUNT] = {
#define DNP3_OBJ(g, v, sk, size, vt, pre, val, post, name)                                         \
    {(g),                                                                                          \
     (v),                                                                                          \
     DNP3_SK_##sk,                                                                                 \
     (size),                                                                                       \
     DNP3_VT_##vt,                                                                                 \
     DNP3_PRE_##pre,                                                                               \
     DNP3_VAL_##val,                                                                               \
     DNP3_POST_##post,                                                                             \
     (name)},
#include "app/objects.def"
#undef DNP3_OBJ
};

/* g0 variations the table does not name (1..195: reserved for attributes
 * of the standard's set 0, free for private sets). The encoding is
 * self-describing (Annex A, group 0: data type, length, value), so each
 * reads and writes as an attribute like the named ones. */
static const dnp3_obj_info_t g0_unnamed = {
    .group = 0,
    .variation = 0,
    .size_kind = DNP3_SK_ATTRIBUTE,
    .size = 0,
    .value_type = DNP3_VT_ATTRIBUTE,
    .pre = DNP3_PRE_NONE,
    .val = DNP3_VAL_ATTR,
    .post = DNP3_POST_NONE,
    .name = "Device Attribute - Not named by the standard",
};

const dnp3_obj_info_t *dnp3_obj_lookup(uint8_t group, uint8_t variation)
{
    /* g110-g113: the variation is the object's length, so one line serves
     * every variation (IEEE 1815-2012 A.43-A.46). */
    if (group >= 110 && group <= 113)
        variation = 0;
    /* A switch over the dense (group << 8 | variation) keys: the compiler
     * turns it into jump tables, constant time and no runtime-built index. */
    switch (((unsigned)group << 8) | variation) {
#define DNP3_OBJ(g, v, sk, size, vt, pre, val, post, name)                                         \
    case ((g) << 8) | (v):                                                                         \
        return &obj_table[OBJ_ID_##g##_##v];
#include "app/objects.def"
#undef DNP3_OBJ
    default:
        return group == 0 && variation != 0 ? &g0_unnamed : NULL;
    }
}

size_t dnp3_obj_table(const dnp3_obj_info_t **out)
{
    if (out)
        *out = obj_table;
    return OBJ_COUNT;
}

size_t dnp3_obj_fixed_size(const dnp3_obj_info_t *info)
{
    if (!info)
        return 0;
    return dnp3i_obj_size(info, info->variation);
}

const char *dnp3_value_type_name(dnp3_value_type_t vt)
{
    static const char *const names[DNP3_VT_COUNT_] = {
        [DNP3_VT_NONE] = "NONE",
        [DNP3_VT_BINARY] = "BINARY",
        [DNP3_VT_DOUBLE_BIT] = "DOUBLE_BIT",
        [DNP3_VT_COUNTER] = "COUNTER",
        [DNP3_VT_ANALOG_INT] = "ANALOG_INT",
        [DNP3_VT_ANALOG_FLOAT] = "ANALOG_FLOAT",
        [DNP3_VT_DEADBAND_INT] = "DEADBAND_INT",
        [DNP3_VT_DEADBAND_FLOAT] = "DEADBAND_FLOAT",
        [DNP3_VT_CROB] = "CROB",
        [DNP3_VT_AO_INT] = "AO_INT",
        [DNP3_VT_AO_FLOAT] = "AO_FLOAT",
        [DNP3_VT_BO_CMD_EVENT] = "BO_CMD_EVENT",
        [DNP3_VT_AO_CMD_EVENT_INT] = "AO_CMD_EVENT_INT",
        [DNP3_VT_AO_CMD_EVENT_FLOAT] = "AO_CMD_EVENT_FLOAT",
        [DNP3_VT_TIME] = "TIME",
        [DNP3_VT_TIME_INTERVAL] = "TIME_INTERVAL",
        [DNP3_VT_DELAY] = "DELAY",
        [DNP3_VT_CTO] = "CTO",
        [DNP3_VT_OCTETS] = "OCTETS",
        [DNP3_VT_ATTRIBUTE] = "ATTRIBUTE",
        [DNP3_VT_FREE_FORMAT] = "FREE_FORMAT",
        [DNP3_VT_SEC_STAT] = "SEC_STAT",
        [DNP3_VT_BCD] = "BCD",
        [DNP3_VT_UINT8] = "UINT8",
        [DNP3_VT_IIN_BIT] = "IIN_BIT",
    };
    if ((unsigned)vt >= DNP3_VT_COUNT_)
        return NULL;
    return names[vt];
}

const char *dnp3_attr_type_name(uint8_t type)
{
    switch (type) {
    case DNP3_ATTR_VSTR:
        return "VSTR";
    case DNP3_ATTR_UINT:
        return "UINT";
    case DNP3_ATTR_INT:
        return "INT";
    case DNP3_ATTR_FLT:
        return "FLT";
    case DNP3_ATTR_OSTR:
        return "OSTR";
    case DNP3_ATTR_BSTR:
        return "BSTR";
    case DNP3_ATTR_TIME:
        return "TIME";
    case DNP3_ATTR_UNCD:
        return "UNCD";
    case DNP3_ATTR_LIST:
        return "U8BS8LIST";
    case DNP3_ATTR_EXLIST:
        return "U8BS8EXLIST";
    default:
        return NULL;
    }
}

int dnp3_attr_read(const dnp3_point_t *pt, dnp3_attr_value_t *out)
{
    if (!pt || !out || pt->type != DNP3_VT_ATTRIBUTE)
        return DNP3_E_INVALID_ARG;
    const uint8_t *p = pt->v.bytes.data;
    size_t n = pt->v.bytes.len;
    memset(out, 0, sizeof *out);
    out->type = pt->v.bytes.attr_type;
    out->data = p;
    out->len = n;
    switch (out->type) {
    case DNP3_ATTR_UINT:
        if (n != 1 && n != 2 && n != 4)
            return DNP3_E_APP_ATTRIBUTE;
        out->n.u = dnp3i_get_le_n(p, (int)n);
        return DNP3_OK;
    case DNP3_ATTR_INT:
        if (n == 1)
            out->n.i = (int8_t)p[0];
        else if (n == 2)
            out->n.i = (int16_t)dnp3i_get_le16(p);
        else if (n == 4)
            out->n.i = (int32_t)dnp3i_get_le32(p);
        else
            return DNP3_E_APP_ATTRIBUTE;
        return DNP3_OK;
    case DNP3_ATTR_FLT:
        if (n == 4) {
            uint32_t b = dnp3i_get_le32(p);
            float f;
            memcpy(&f, &b, sizeof f);
            out->n.f = f;
        } else if (n == 8) {
            uint64_t b = dnp3i_get_le64(p);
            memcpy(&out->n.f, &b, sizeof out->n.f);
        } else {
            return DNP3_E_APP_ATTRIBUTE;
        }
        return DNP3_OK;
    case DNP3_ATTR_TIME:
        if (n != 6)
            return DNP3_E_APP_ATTRIBUTE;
        out->n.t = dnp3i_get_le48(p);
        return DNP3_OK;
    case DNP3_ATTR_LIST:
    case DNP3_ATTR_EXLIST:
        return (n % 2) ? DNP3_E_APP_ATTRIBUTE : DNP3_OK;
    case DNP3_ATTR_VSTR:
    case DNP3_ATTR_OSTR:
    case DNP3_ATTR_BSTR:
    case DNP3_ATTR_UNCD:
        return DNP3_OK;
    default:
        return DNP3_E_APP_ATTRIBUTE;
    }
}
