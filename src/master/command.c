/* Commands: CROB (g12v1) and analog output blocks (g41v1-v4), several
 * points per request, by SELECT then OPERATE (the OPERATE repeats
 * the SELECT's objects byte for byte, so they are built once, at queue
 * time), DIRECT_OPERATE or DIRECT_OPERATE_NR. The outstation echoes the
 * objects with each status filled in; anything else in the echo is a
 * mismatch. A command is never retried automatically. */
#include <string.h>

#include "app/app_internal.h"
#include "master/master_internal.h"
#include "util/byteorder.h"

/* The objects the master commands (dnp3_master_assoc_operate's doc). */
static bool commandable(uint8_t group, uint8_t variation)
{
    return group == 12 ? variation == 1 : group == 41 && variation >= 1 && variation <= 4;
}

/* The request's objects into the scratch after the room for its 2-byte
 * application header (the queue keeps the objects only: the function goes
 * in at send time): one index-prefixed header per run of points of the
 * same group and variation, the qualifier the narrowest that fits the
 * run's count and indices. Returns the objects' length or an error. */
static int build(dnp3_master_assoc_t *a, const dnp3_command_point_t *pts, size_t n)
{
    uint8_t *b = dnp3i_scratch(a) + 2;
    const size_t cap = a->cfg.max_tx_fragment - 2; /* _new keeps it at 249 or more */
    size_t len = 0;
    for (size_t i = 0; i < n;) {
        const uint8_t g = pts[i].group, v = pts[i].variation;
        if (!commandable(g, v))
            return DNP3_E_INVALID_ARG;
        uint32_t max_index = pts[i].index;
        size_t j = i + 1;
        for (; j < n && pts[j].group == g && pts[j].variation == v; j++) {
            if (pts[j].index > max_index)
                max_index = pts[j].index;
        }
        const dnp3i_command_objects_t d = {
            .group = g,
            .variation = v,
            .qualifier = dnp3i_indexed_qualifier((uint32_t)(j - i), max_index),
            .pts = pts + i,
            .n = j - i,
        };
        int rc = dnp3i_app_write_command_objects(b + len, cap - len, &d);
        if (rc < 0)
            return rc;
        len += (size_t)rc;
        i = j;
    }
    return (int)len;
}

int dnp3_master_assoc_operate(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                              dnp3_command_mode_t mode, const dnp3_command_point_t *pts, size_t n)
{
    if (!a || !pts || n == 0 || n > a->cfg.max_command_points ||
        (unsigned)mode > DNP3_COMMAND_DIRECT_NO_ACK)
        return DNP3_E_INVALID_ARG;
    (void)now;
    int len = build(a, pts, n);
    if (len < 0)
        return len;
    int err = 0;
    dnp3i_task_t *t = dnp3i_queue_add(a, dnp3i_scratch(a) + 2, (size_t)len, &err);
    if (!t)
        return err;
    dnp3i_task_defaults(a, t, DNP3_TASK_COMMAND,
                        mode == DNP3_COMMAND_SELECT_OPERATE ? DNP3_FC_SELECT
                        : mode == DNP3_COMMAND_DIRECT       ? DNP3_FC_DIRECT_OPERATE
                                                            : DNP3_FC_DIRECT_OPERATE_NR);
    t->safe = false;
    t->mode = (uint8_t)mode;
    t->npts = (uint16_t)n;
    return (int)t->id;
}

/* Width of the count and of each index prefix of a header build() wrote
 * (qualifiers 0x17, 0x28, 0x39); 0 for any other qualifier. */
static size_t index_width(uint8_t q)
{
    switch (q) {
    case 0x17:
        return 1;
    case 0x28:
        return 2;
    case 0x39:
        return 4;
    default:
        return 0;
    }
}

/* Bytes per object (its w-byte index prefix included) of the header at h,
 * `left` bytes after its count field, `count` objects; 0 if unknown. A
 * header holding the command's last points is its last one (build() writes
 * no empty header), so its objects share the rest (a remainder fails the
 * next header's checks); the others' size comes from the object table. */
static size_t object_stride(const uint8_t *h, size_t w, size_t left, uint32_t count, bool last)
{
    if (last)
        return left / count;
    const dnp3_obj_info_t *info = dnp3_obj_lookup(h[0], h[1]);
    return info && info->size_kind == DNP3_SK_FIXED && info->size > 0 ? w + info->size : 0;
}

/* Compare the response's objects with the request's, all but each
 * object's status byte (the last byte of g12v1 and g41), and collect the
 * statuses. The echo repeats the request's objects byte for byte (4.4.3),
 * so only the request is walked and the response is compared at the same
 * offsets. The request is the one build() wrote (group, variation, an
 * index-prefixed count qualifier, the count, then objects of one fixed
 * size): it is read directly rather than through the object iterator,
 * every length still checked. 0 when the echo matches, -1 otherwise. */
static int check_echo(dnp3_master_assoc_t *a, const uint8_t *frag, size_t len)
{
    const dnp3i_task_t *t = &dnp3i_slot(a, a->cur.index)->t;
    const uint8_t *req = dnp3i_queue_bytes(a, t);
    const size_t n = t->len;
    /* Response header 4 bytes: echo[i] pairs with req[i]. */
    if (len != n + 4)
        return -1;
    const uint8_t *echo = frag + 4;
    size_t k = 0, at = 0;
    while (at < n) {
        if (n - at < 3)
            return -1;
        const size_t w = index_width(req[at + 2]);
        if (w == 0 || n - at < 3 + w)
            return -1;
        const size_t hdr = 3 + w, left = n - at - hdr;
        const uint32_t count = dnp3i_get_le_n(req + at + 3, (int)w);
        if (count == 0 || count > t->npts - k)
            return -1;
        const size_t stride = object_stride(req + at, w, left, count, count == t->npts - k);
        /* count < 2^32, stride < 2^17: the product fits 64 bits */
        if (stride <= w || (uint64_t)count * stride > left)
            return -1;
        /* The object header goes with the first object's bytes before its
         * status: one comparison, then one per further object. */
        size_t p = at + hdr;
        if (memcmp(echo + at, req + at, hdr + stride - 1) != 0)
            return -1;
        a->statuses[k++] = echo[p + stride - 1];
        for (uint32_t j = 1; j < count; j++) {
            p += stride;
            if (memcmp(echo + p, req + p, stride - 1) != 0)
                return -1;
            a->statuses[k++] = echo[p + stride - 1];
        }
        at = p + stride;
    }
    return k == t->npts ? 0 : -1;
}

/* a->statuses is read only after a matching echo, which has written each of
 * the command's statuses: nothing to clear first. */
bool dnp3i_command_echo(dnp3_master_assoc_t *a, const uint8_t *frag, size_t len)
{
    return check_echo(a, frag, len) == 0;
}

void dnp3i_command_response(dnp3_master_assoc_t *a, dnp3_timestamp_t now,
                            const dnp3_app_header_t *h, bool echo)
{
    dnp3i_cur_t *c = &a->cur;
    const bool select = c->t.mode == DNP3_COMMAND_SELECT_OPERATE && c->step == 0;
    if (!dnp3i_single_response_ok(a, now, h))
        return;
    if (!echo) {
        c->nstat = 0;
        dnp3i_finish(a, now, select ? DNP3_MASTER_SELECT_MISMATCH : DNP3_MASTER_RESPONSE_ERROR);
        return;
    }
    c->nstat = c->t.npts;
    for (size_t i = 0; i < c->t.npts; i++) {
        if (a->statuses[i] != DNP3_CS_SUCCESS) {
            dnp3i_finish(a, now, DNP3_MASTER_REFUSED);
            return;
        }
    }
    if (!select) {
        dnp3i_finish(a, now, DNP3_MASTER_SUCCESS);
        return;
    }
    /* The OPERATE must reach the outstation within its select timeout. */
    if (now - c->sent_at > a->cfg.select_timeout_ms) {
        dnp3i_finish(a, now, DNP3_MASTER_TIMEOUT);
        return;
    }
    c->step = 1;
    c->need_send = true;
    c->sent = false;
    c->got_fir = false;
}

void dnp3i_command_report(dnp3_master_assoc_t *a, const dnp3i_task_t *t, dnp3_master_result_t r,
                          uint16_t iin)
{
    dnp3_command_result_t res;
    memset(&res, 0, sizeof res);
    res.id = t->id;
    res.mode = (dnp3_command_mode_t)t->mode;
    res.result = r;
    res.iin = iin;
    if (r == DNP3_MASTER_SUCCESS || r == DNP3_MASTER_REFUSED) {
        res.statuses = a->statuses;
        res.n = t->npts;
    }
    dnp3i_master_log(
        a, r == DNP3_MASTER_SUCCESS || r == DNP3_MASTER_SENT ? DNP3_LOG_INFO : DNP3_LOG_WARN,
        "command (id %u, %u points): %s", (unsigned)t->id, (unsigned)t->npts,
        dnp3_master_result_name(r));
    if (a->cb.on_command_done)
        a->cb.on_command_done(a->ctx, &res);
}
