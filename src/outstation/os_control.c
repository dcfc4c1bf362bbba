/* Controls (4.4.3 - 4.4.6): SELECT, OPERATE, DIRECT_OPERATE(_NR) with CROB
 * (g12v1) and analog output blocks (g41v1-v4). The response echoes the
 * request's objects byte for byte with each status filled in. */
#include "outstation/outstation_internal.h"

#include <string.h>

#include "app/app_internal.h"
#include "util/byteorder.h"

typedef struct ctl_walk {
    uint32_t total;           /* controls in the request */
    dnp3_control_mode_t mode; /* of the request's function */
    uint8_t fixed;            /* status of every control, or SUCCESS: each decided */
    bool all_ok;              /* every control's status was SUCCESS */
    uint8_t *out;             /* the echo (execute only) */
} ctl_walk_t;

static dnp3_control_mode_t mode_of(uint8_t func)
{
    switch (func) {
    case DNP3_FC_SELECT:
        return DNP3_CONTROL_SELECT;
    case DNP3_FC_OPERATE:
        return DNP3_CONTROL_OPERATE;
    case DNP3_FC_DIRECT_OPERATE:
        return DNP3_CONTROL_DIRECT;
    default:
        return DNP3_CONTROL_DIRECT_NR;
    }
}

/* Checks the outstation makes before the application is asked. */
static uint8_t precheck(dnp3_outstation_t *o, const dnp3_point_t *pt, uint8_t group)
{
    dnp3_point_type_t t = group == 12 ? DNP3_PT_BINARY_OUTPUT : DNP3_PT_ANALOG_OUTPUT;
    if (pt->index >= dnp3_db_count(o->db, t) || !o->cb.control)
        return DNP3_CS_NOT_SUPPORTED;
    if (group == 12) {
        uint8_t op = pt->v.crob.code & DNP3_CROB_OP_MASK;
        /* The queue bit is obsolete: NOT_SUPPORTED (Annex A group 12). */
        if (pt->v.crob.code & DNP3_CROB_QUEUE)
            return DNP3_CS_NOT_SUPPORTED;
        if (op > 4 || (pt->v.crob.code & DNP3_CROB_TCC_MASK) == DNP3_CROB_TCC_MASK)
            return DNP3_CS_FORMAT_ERROR;
    }
    if (o->local)
        return DNP3_CS_LOCAL;
    return DNP3_CS_SUCCESS;
}

static uint8_t decide(dnp3_outstation_t *o, const dnp3_point_t *pt, uint8_t group,
                      uint8_t variation, dnp3_control_mode_t mode)
{
    uint8_t st = precheck(o, pt, group);
    if (st != DNP3_CS_SUCCESS)
        return st;
    dnp3_control_t c = {.mode = mode, .group = group, .variation = variation, .index = pt->index};
    if (group == 12) {
        c.v.crob.code = pt->v.crob.code;
        c.v.crob.count = pt->v.crob.count;
        c.v.crob.on_ms = pt->v.crob.on_ms;
        c.v.crob.off_ms = pt->v.crob.off_ms;
    } else if (pt->type == DNP3_VT_AO_FLOAT) {
        c.v.analog_float = pt->v.analog_f;
    } else {
        c.v.analog_int = pt->v.analog_i;
    }
    uint8_t status = (uint8_t)(o->cb.control(o->ctx, &c) & 0x7F);
    if (mode != DNP3_CONTROL_SELECT)
        dnp3i_os_command_event(o, &c, status);
    return status;
}

/* FNV-1a's step over 8-byte words (the last one zero-padded), then a final
 * avalanche (splitmix64's), so that objects differing in one bit differ in
 * about half the hash bits. Each step is a bijection of the state for a
 * given word (xor, then a multiply by an odd constant), so two inputs of
 * the same length that differ in one word never collide; callers compare
 * lengths as well. A word per step, not a byte: 8 times fewer multiplies. */
uint64_t dnp3i_os_hash(const uint8_t *p, size_t len)
{
    uint64_t h = 0xcbf29ce484222325u, w;
    for (; len >= 8; p += 8, len -= 8) {
        memcpy(&w, p, 8);
        h = (h ^ w) * 0x100000001b3u;
    }
    if (len) {
        w = 0;
        for (size_t i = 0; i < len; i++)
            w |= (uint64_t)p[i] << (8 * i);
        h = (h ^ w ^ ((uint64_t)len << 56)) * 0x100000001b3u;
    }
    h ^= h >> 30;
    h *= 0xbf58476d1ce4e5b9u;
    h ^= h >> 27;
    h *= 0x94d049bb133111ebu;
    return h ^ (h >> 31);
}

/* Status of an OPERATE before any control is looked at: it must follow
 * the SELECT with the next sequence number, the same objects, in time. */
static uint8_t operate_check(dnp3_outstation_t *o, const dnp3i_req_t *r)
{
    const uint8_t seq = r->h->control & DNP3_AC_SEQ_MASK;
    if (!o->sel_valid || seq != ((o->sel_seq + 1) & DNP3_AC_SEQ_MASK) || r->len - 2 != o->sel_len ||
        dnp3i_os_hash(r->frag + 2, o->sel_len) != o->sel_hash)
        return DNP3_CS_NO_SELECT;
    if (o->now - o->sel_time > o->cfg.select_timeout_ms) {
        o->counters.select_timeouts++;
        return DNP3_CS_TIMEOUT;
    }
    return DNP3_CS_SUCCESS;
}

bool dnp3i_os_fixed_size(const dnp3_obj_header_t *h)
{
    return h->has_data && !h->partial && h->info && h->info->size_kind == DNP3_SK_FIXED &&
           h->info->size > 0 && h->prefix_code < DNP3_PREFIX_SIZE8;
}

/* One control: decided (or given the request's status for all, cw->fixed),
 * counted, and its status patched into the echo at cw->out[at] (the last
 * byte of the object, g12v1 and g41). */
static void one_control(dnp3_outstation_t *o, const dnp3_point_t *pt, uint8_t group,
                        uint8_t variation, ctl_walk_t *cw, size_t at)
{
    uint8_t st = cw->fixed;
    if (st == DNP3_CS_SUCCESS)
        st = decide(o, pt, group, variation, cw->mode);
    if (st != DNP3_CS_SUCCESS)
        cw->all_ok = false;
    o->counters.controls[dnp3i_os_cs_slot(st & 0x7F)]++;
    cw->out[at] = st;
}

/* Controls of one object header; with execute, decide each and patch its
 * status into the echo at out (the request's objects copied). */
static uint16_t walk_header(dnp3_outstation_t *o, const dnp3i_req_t *r, const dnp3_obj_header_t *h,
                            const dnp3_obj_iter_t *ctx, bool execute, ctl_walk_t *cw)
{
    dnp3_point_iter_t pi;
    dnp3_point_t pt;
    int rc;
    dnp3_point_iter_init(&pi, h, ctx);
    /* pi.ps: the index prefix's size, the qualifier checked once by init */
    const size_t size = dnp3_obj_fixed_size(h->info) + (size_t)pi.ps;
    size_t at = (size_t)(h->data - r->frag) - 2 + size - 1;
    while ((rc = dnp3_point_iter_next(&pi, &pt)) > 0) {
        cw->total++;
        if (execute)
            one_control(o, &pt, h->group, h->variation, cw, at);
        at += size;
    }
    return rc < 0 ? DNP3_IIN_PARAMETER_ERROR : 0;
}

/* Walk every control. A request of one object header (the usual) uses the
 * header the conformance walk kept (r->first: no g51 CTO precedes it, so
 * no iterator context is needed) instead of parsing it again. */
static uint16_t walk(dnp3_outstation_t *o, const dnp3i_req_t *r, bool execute, ctl_walk_t *cw)
{
    if (r->headers == 1)
        return walk_header(o, r, &r->first, NULL, execute, cw);
    dnp3_obj_iter_t it;
    dnp3_obj_header_t h;
    dnp3_obj_iter_init(&it, r->frag, r->len, r->h);
    while (dnp3_obj_iter_next(&it, &h) > 0) {
        uint16_t err = walk_header(o, r, &h, &it, execute, cw);
        if (err)
            return err;
    }
    return 0;
}

/* The request's objects, as recognised by control_shape: one header of
 * CROBs (g12v1) with 1- or 2-byte index prefixes. */
typedef struct ctl_shape {
    size_t hdr;     /* bytes of the object header (4 or 5) */
    size_t ps;      /* index prefix size (1 or 2) */
    uint32_t count; /* CROBs */
} ctl_shape_t;

#define CROB_SIZE 11u

/* The CROBs of a recognised request, read in place (g12v1, Annex A: code,
 * count, on-time, off-time, status), each decided like walk_header's. */
static void walk_crobs(dnp3_outstation_t *o, const uint8_t *objs, const ctl_shape_t *s,
                       ctl_walk_t *cw)
{
    const size_t size = s->ps + CROB_SIZE;
    dnp3_point_t pt = {.type = DNP3_VT_CROB, .group = 12, .variation = 1, .has_status = true};
    size_t at = s->hdr;
    for (uint32_t k = 0; k < s->count; k++, at += size) {
        const uint8_t *q = objs + at;
        pt.index = s->ps == 1 ? q[0] : dnp3i_get_le16(q);
        q += s->ps;
        dnp3i_get_crob(q, &pt);
        pt.status = q[10];
        one_control(o, &pt, 12, 1, cw, at + size - 1);
    }
}

/* Carries out a validated request: echo its objects (r->len - 2 bytes)
 * into out (room bytes), decide each control (walk, or walk_crobs for a
 * request control_shape recognised), and keep or drop the SELECT.
 * objects: the request's controls. */
static uint16_t carry_out(dnp3_outstation_t *o, const dnp3i_req_t *r, uint32_t objects,
                          const ctl_shape_t *shape, uint8_t *out, size_t room)
{
    const size_t objs = r->len - 2;
    if (room < objs)
        return DNP3_IIN_PARAMETER_ERROR; /* the echo would not fit our fragment */
    ctl_walk_t cw = {.mode = mode_of(r->h->func), .fixed = DNP3_CS_SUCCESS, .all_ok = true};
    cw.out = out;
    memcpy(cw.out, r->frag + 2, objs);
    if (objects > o->cfg.max_controls_per_request)
        cw.fixed = DNP3_CS_TOO_MANY_OPS;
    else if (r->h->func == DNP3_FC_OPERATE)
        cw.fixed = operate_check(o, r);
    if (shape)
        walk_crobs(o, r->frag + 2, shape, &cw);
    else
        walk(o, r, true, &cw);
    if (r->h->func == DNP3_FC_SELECT && cw.all_ok) {
        o->sel_valid = true;
        o->sel_seq = r->h->control & DNP3_AC_SEQ_MASK;
        o->sel_time = o->now;
        o->sel_hash = dnp3i_os_hash(r->frag + 2, objs);
        o->sel_len = objs;
    } else {
        o->sel_valid = false;
    }
    return 0;
}

/* Validation (execute false) is done with the count, when executing; the
 * count and whether every object is of a fixed size come from the
 * conformance walk (r->objects, r->fixed_only): one walk of the request's
 * headers instead of three. It comes before anything
 * is written or carried out, so a request that fails it is answered as
 * one that failed a separate validation. */
uint16_t dnp3i_os_control(dnp3_outstation_t *o, const dnp3i_req_t *r, bool execute,
                          dnp3_app_writer_t *w)
{
    if (!execute)
        return 0;
    if (!r->fixed_only) {
        ctl_walk_t check = {0};
        uint16_t err = walk(o, r, false, &check);
        if (err)
            return err;
    }
    uint16_t err = carry_out(o, r, r->objects, NULL, w->buf + w->len, w->cap - w->len);
    /* The echo is raw bytes: the writer only moves its length. */
    if (!err)
        w->len += r->len - 2;
    return err;
}

/* Whether the request is one header of CROBs (g12v1) with qualifier 0x17
 * or 0x28, at least one object, and nothing after the last: the shape
 * every master sends for binary commands. Such a request passes the
 * object iterator and the conformance table (g12v1 with 0x17 and 0x28 is
 * a row of SELECT, OPERATE, DIRECT_OPERATE and DIRECT_OPERATE_NR; the test
 * checks the table) with exactly these objects. */
static bool control_shape(const dnp3i_req_t *r, ctl_shape_t *s)
{
    const uint8_t *p = r->frag + 2;
    const size_t n = r->len - 2;
    if (n < 4 || p[0] != 12 || p[1] != 1)
        return false;
    if (p[2] == 0x17) {
        s->hdr = 4;
        s->ps = 1;
        s->count = p[3];
    } else if (p[2] == 0x28 && n >= 5) {
        s->hdr = 5;
        s->ps = 2;
        s->count = dnp3i_get_le16(p + 3);
    } else {
        return false;
    }
    return s->count > 0 && n == s->hdr + (size_t)s->count * (s->ps + CROB_SIZE);
}

bool dnp3i_os_control_fast(dnp3_outstation_t *o, const dnp3i_req_t *r, uint8_t *out, size_t room,
                           uint16_t *err)
{
    ctl_shape_t s;
    if (!control_shape(r, &s))
        return false;
    *err = carry_out(o, r, s.count, &s, out, room);
    return true;
}
