/* Static data of a READ response: ranges of one point type in each point's
 * own or the requested variation, g34 deadbands, g80v1 and g0 attributes.
 * Every header is sized before it is written, so it always announces the
 * objects that follow; what does not fit waits for the next fragment. */
#include "outstation/outstation_internal.h"

#include <string.h>

/* Bytes n objects of info need (packed bits share bytes). */
static size_t objs_bytes(const dnp3_obj_info_t *info, uint8_t variation, uint32_t n, size_t ps)
{
    if (info->size_kind == DNP3_SK_PACKED1)
        return ps ? n * (ps + 1) : (n + 7u) / 8u;
    if (info->size_kind == DNP3_SK_PACKED2)
        return ps ? n * (ps + 1) : (n + 3u) / 4u;
    size_t sz = info->size_kind == DNP3_SK_BY_VARIATION ? variation : info->size;
    return n * (ps + sz);
}

/* How many of n objects fit after a header of hdr bytes. */
static uint32_t fit(const dnp3_app_writer_t *w, const dnp3_obj_info_t *info, uint8_t variation,
                    uint32_t n, size_t hdr, size_t ps)
{
    size_t room = w->cap - w->len;
    if (room < hdr)
        return 0;
    room -= hdr;
    uint32_t lo = 0, hi = n;
    while (lo < hi) { /* the largest m with objs_bytes(m) <= room */
        uint32_t mid = lo + (hi - lo + 1) / 2;
        if (objs_bytes(info, variation, mid, ps) <= room)
            lo = mid;
        else
            hi = mid - 1;
    }
    return lo;
}

static uint8_t group_of(const dnp3i_item_t *it)
{
    return it->group == 34 ? 34 : dnp3_point_type_static_group((dnp3_point_type_t)it->type);
}

/* The variation point i is written in. */
static uint8_t var_of(const dnp3i_item_t *it, const dnp3_db_point_t *dp)
{
    if (it->group == 34)
        return it->variation ? it->variation : 1;
    if (it->variation && dp->type != DNP3_PT_OCTET_STRING)
        return it->variation;
    return dnp3i_os_static_var(dp);
}

static void to_point(const dnp3i_item_t *it, const dnp3_db_point_t *dp, uint8_t v, dnp3_point_t *pt)
{
    if (it->group != 34) {
        dnp3i_os_db_to_point(dp, group_of(it), v, pt);
        return;
    }
    *pt = (dnp3_point_t){0};
    pt->index = dp->index;
    if (v == 3) {
        pt->type = DNP3_VT_DEADBAND_FLOAT;
        pt->v.analog_f = dp->config.deadband;
    } else {
        double lim = v == 1 ? 65535.0 : 4294967295.0;
        double d = dp->config.deadband > lim ? lim : dp->config.deadband;
        pt->type = DNP3_VT_DEADBAND_INT;
        pt->v.counter = (uint32_t)d;
    }
}

/* Index k of the item (range or list). */
static uint32_t index_at(const dnp3_outstation_t *o, const dnp3i_item_t *it, uint32_t k)
{
    if (it->kind != DNP3I_ITEM_INDEXED)
        return it->start + k;
    const uint8_t *p = o->tx + it->list + (size_t)k * it->prefix_size;
    uint32_t v = 0;
    for (unsigned b = 0; b < it->prefix_size; b++)
        v |= (uint32_t)p[b] << (8 * b);
    return v;
}

static uint32_t item_len(const dnp3i_item_t *it)
{
    return it->stop - it->start + 1;
}

/* One header of points with the same variation (and octet length) from
 * it->next; false when the fragment is full. */
static bool write_run(dnp3_outstation_t *o, dnp3i_item_t *it, dnp3_app_writer_t *w)
{
    const uint32_t total = item_len(it);
    dnp3_db_point_t dp;
    dnp3_db_read(o->db, (dnp3_point_type_t)it->type, index_at(o, it, it->next), &dp);
    const uint8_t v = var_of(it, &dp);
    const uint8_t g = group_of(it);
    const dnp3_obj_info_t *info = dnp3_obj_lookup(g, v);
    uint32_t run = 1;
    while (it->next + run < total) {
        dnp3_db_point_t nx;
        dnp3_db_read(o->db, (dnp3_point_type_t)it->type, index_at(o, it, it->next + run), &nx);
        if (var_of(it, &nx) != v)
            break;
        run++;
    }
    const bool indexed = it->kind == DNP3I_ITEM_INDEXED;
    const uint32_t first = index_at(o, it, it->next);
    size_t ps = indexed ? it->prefix_size : 0;
    uint8_t q;
    size_t hdr;
    if (indexed) {
        q = it->prefix_size == 1 ? 0x17 : 0x28;
        hdr = 3 + ps;
    } else {
        q = first + run - 1 <= 0xFF ? 0x00 : 0x01;
        hdr = q == 0x00 ? 5 : 7;
    }
    uint32_t m = info ? fit(w, info, v, run, hdr, ps) : 0;
    if (m == 0)
        return false;
    if (indexed)
        dnp3_app_write_header(w, g, v, q, m, 0);
    else
        dnp3_app_write_header(w, g, v, q, first, first + m - 1);
    for (uint32_t k = 0; k < m; k++) {
        dnp3_point_t pt;
        dnp3_db_read(o->db, (dnp3_point_type_t)it->type, index_at(o, it, it->next + k), &dp);
        to_point(it, &dp, v, &pt);
        dnp3_app_write_point(w, &pt);
    }
    it->next += m;
    return m == run;
}

static bool write_iin(dnp3_outstation_t *o, dnp3i_item_t *it, dnp3_app_writer_t *w)
{
    uint32_t n = it->stop - it->start + 1;
    if (w->cap - w->len < 5 + (n + 7) / 8)
        return false;
    uint16_t iin = dnp3i_os_iin(o);
    dnp3_app_write_header(w, 80, 1, 0x00, it->start, it->stop);
    for (uint32_t b = it->start; b <= it->stop; b++) {
        dnp3_point_t pt = {.index = b, .type = DNP3_VT_IIN_BIT};
        pt.v.binary = (iin & DNP3_IIN_MASK(b)) != 0;
        dnp3_app_write_point(w, &pt);
    }
    return true;
}

/* ---- g0 device attributes (Annex A group 0, set 0) ---- */
typedef struct attr_val {
    uint8_t type;
    uint32_t u;
    const char *s;
} attr_val_t;

static bool attr_get(const dnp3_outstation_t *o, uint8_t v, attr_val_t *a)
{
    const dnp3_db_t *db = o->db;
    static const struct {
        uint8_t var;
        int8_t type; /* point type whose count, or max index (-1: none) */
        bool max;
    } counts[] = {
        {220, DNP3_PT_ANALOG_OUTPUT, true}, {221, DNP3_PT_ANALOG_OUTPUT, false},
        {223, DNP3_PT_BINARY_OUTPUT, true}, {224, DNP3_PT_BINARY_OUTPUT, false},
        {228, DNP3_PT_COUNTER, true},       {229, DNP3_PT_COUNTER, false},
        {232, DNP3_PT_ANALOG, true},        {233, DNP3_PT_ANALOG, false},
        {235, DNP3_PT_DOUBLE_BIT, true},    {236, DNP3_PT_DOUBLE_BIT, false},
        {238, DNP3_PT_BINARY, true},        {239, DNP3_PT_BINARY, false},
    };
    *a = (attr_val_t){.type = DNP3_ATTR_UINT};
    for (size_t i = 0; i < sizeof counts / sizeof counts[0]; i++) {
        if (counts[i].var != v)
            continue;
        uint32_t n = dnp3_db_count(db, (dnp3_point_type_t)counts[i].type);
        /* A type without points reports max index 0 as well (Annex A). */
        a->u = counts[i].max ? (n ? n - 1 : 0) : n;
        return true;
    }
    a->type = DNP3_ATTR_VSTR;
    switch (v) {
    case 209: /* secure authentication version: none */
        a->type = DNP3_ATTR_UINT;
        a->u = 0;
        return true;
    case 222: /* supports binary output events: the bool attributes are INT */
        a->type = DNP3_ATTR_INT;
        a->u = 1;
        return true;
    case 240:
        a->type = DNP3_ATTR_UINT;
        a->u = o->cfg.max_tx_fragment;
        return true;
    case 241:
        a->type = DNP3_ATTR_UINT;
        a->u = o->cfg.max_rx_fragment;
        return true;
    case 242:
        a->s = o->cfg.software_version;
        return true;
    case 243:
        a->s = o->cfg.hardware_version;
        return true;
    case 245:
        a->s = o->cfg.location;
        return true;
    case 246:
        a->s = o->cfg.device_name;
        return true;
    case 247:
        a->s = o->cfg.device_name;
        return true;
    case 248:
        a->s = o->cfg.serial_number;
        return true;
    case 250:
        a->s = o->cfg.product_name;
        return true;
    case 252:
        a->s = o->cfg.vendor_name;
        return true;
    default:
        return false;
    }
}

static bool write_attr(dnp3_outstation_t *o, uint8_t v, dnp3_app_writer_t *w)
{
    attr_val_t a;
    if (!attr_get(o, v, &a))
        return true; /* nothing to say about it */
    uint8_t num[4];
    dnp3_point_t pt = {.index = 0, .type = DNP3_VT_ATTRIBUTE};
    pt.v.bytes.attr_type = a.type;
    if (a.type == DNP3_ATTR_VSTR) {
        pt.v.bytes.data = (const uint8_t *)a.s;
        pt.v.bytes.len = strlen(a.s);
    } else {
        for (int i = 0; i < 4; i++)
            num[i] = (uint8_t)(a.u >> (8 * i));
        pt.v.bytes.data = num;
        pt.v.bytes.len = 4;
    }
    if (w->cap - w->len < 5 + 2 + pt.v.bytes.len)
        return false;
    dnp3_app_write_header(w, 0, v, 0x00, 0, 0);
    dnp3_app_write_point(w, &pt);
    return true;
}

/* g0v254 (all attributes) writes each one; next counts variations done. */
static bool write_attrs(dnp3_outstation_t *o, dnp3i_item_t *it, dnp3_app_writer_t *w)
{
    if (it->start != 254)
        return write_attr(o, (uint8_t)it->start, w);
    for (; it->next < 254; it->next++)
        if (!write_attr(o, (uint8_t)it->next, w))
            return false;
    return true;
}

/* g50v1: the time as the outstation knows it (0 until the master set it). */
static bool write_time(dnp3_outstation_t *o, dnp3_app_writer_t *w)
{
    dnp3_app_writer_mark_t m;
    dnp3_app_writer_mark(w, &m);
    dnp3_point_t pt = {.type = DNP3_VT_TIME, .time = dnp3i_os_utc(o), .has_time = true};
    if (dnp3_app_write_header(w, 50, 1, 0x07, 1, 0) < 0 || dnp3_app_write_point(w, &pt) < 0) {
        dnp3_app_writer_rollback(w, &m);
        return false;
    }
    return true;
}

bool dnp3i_os_write_static(dnp3_outstation_t *o, dnp3i_item_t *it, dnp3_app_writer_t *w)
{
    switch (it->kind) {
    case DNP3I_ITEM_TIME:
        return write_time(o, w);
    case DNP3I_ITEM_IIN:
        return write_iin(o, it, w);
    case DNP3I_ITEM_ATTR:
        return write_attrs(o, it, w);
    default:
        break;
    }
    if (it->stop < it->start) /* an empty type */
        return true;
    while (it->next < item_len(it))
        if (!write_run(o, it, w))
            return false;
    return true;
}
