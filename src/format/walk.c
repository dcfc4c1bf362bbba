/* The fragment walker: one pass over an application fragment with the
 * app layer's zero-copy iterators, handing every piece to a visitor and
 * keeping the first error with its offset. */
#include "format/format_internal.h"

#include <string.h>

#include "app/layout.h"

typedef struct walk {
    const dnp3_walk_visitor_t *v;
    const uint8_t *frag;
    dnp3_diag_t err; /* first error */
} walk_t;

static void walk_fail(walk_t *w, int code, size_t offset)
{
    if (!w->err.code) {
        w->err.code = code;
        w->err.offset = offset;
    }
}

/* A free-format point: read by its layout so the visitor gets its fields;
 * a body that contradicts its layout is an error at the bad field. */
static void walk_free_format(walk_t *w, const dnp3_obj_header_t *oh, dnp3_walk_point_t *wp)
{
    dnp3_ff_t ff;
    dnp3_format_field_t fields[DNP3_FORMAT_MAX_FIELDS];
    memset(&ff, 0, sizeof ff);
    int rc = dnp3_ff_read(wp->pt, &ff);
    if (rc == 0) {
        wp->kind = dnp3_ff_kind_name(ff.group, ff.variation);
        wp->fields = fields;
        wp->n_fields = dnp3i_ff_fields(&ff, fields, DNP3_FORMAT_MAX_FIELDS);
    } else if (rc == DNP3_E_APP_FREE_FORMAT) {
        const uint8_t *body = wp->pt->v.bytes.data;
        walk_fail(w, rc, (body ? (size_t)(body - w->frag) : 0) + ff.err_offset);
    }
    if (w->v->point)
        w->v->point(w->v->ctx, oh, wp);
}

static void walk_points(walk_t *w, const dnp3_obj_header_t *oh, const dnp3_obj_iter_t *it)
{
    dnp3_walk_point_t wp;
    memset(&wp, 0, sizeof wp);
    wp.single = oh->info && oh->info->val == DNP3_VAL_F32;
    dnp3_point_iter_t pi;
    dnp3_point_iter_init(&pi, oh, it);
    dnp3_point_t pt;
    wp.pt = &pt;
    int rc;
    while ((rc = dnp3_point_iter_next(&pi, &pt)) == 1) {
        if (pt.type == DNP3_VT_FREE_FORMAT) {
            walk_free_format(w, oh, &wp);
            wp.kind = NULL;
            wp.fields = NULL;
            wp.n_fields = 0;
        } else {
            w->v->point(w->v->ctx, oh, &wp);
        }
    }
    if (rc < 0)
        walk_fail(w, pi.diag.code, pi.diag.offset);
}

static void walk_object(walk_t *w, const dnp3_obj_header_t *oh, const dnp3_obj_iter_t *it)
{
    const dnp3_walk_visitor_t *v = w->v;
    if (v->object)
        v->object(v->ctx, oh);
    if (!oh->info)
        /* Headers-only objects of unknown groups parse, but nothing can
         * say what they mean: report them. */
        walk_fail(w, DNP3_E_APP_OBJECT_UNKNOWN, oh->offset);
    if (v->point && !oh->partial)
        walk_points(w, oh, it);
    if (v->object_end)
        v->object_end(v->ctx, oh);
}

int dnp3_fragment_walk(const uint8_t *apdu, size_t len, const dnp3_walk_visitor_t *v,
                       dnp3_diag_t *diag)
{
    static const dnp3_walk_visitor_t none;
    walk_t w = {v ? v : &none, apdu, {0, 0}};
    dnp3_app_header_t h;
    int n = apdu ? dnp3_app_header_read(apdu, len, &h) : DNP3_E_APP_SHORT;
    if (n < 0) {
        walk_fail(&w, n, 0);
    } else {
        if (w.v->header)
            w.v->header(w.v->ctx, &h, len);
        dnp3_obj_iter_t it;
        dnp3_obj_iter_init(&it, apdu, len, &h);
        dnp3_obj_header_t oh;
        int rc;
        while ((rc = dnp3_obj_iter_next(&it, &oh)) == 1)
            walk_object(&w, &oh, &it);
        if (rc < 0) {
            /* Show what was read of the failing header (as tshark does)
             * when its group, variation and qualifier are there. */
            if (oh.offset + 3 <= len && w.v->object) {
                w.v->object(w.v->ctx, &oh);
                if (w.v->object_end)
                    w.v->object_end(w.v->ctx, &oh);
            }
            walk_fail(&w, it.diag.code, it.diag.offset);
        } else if (it.opaque) {
            walk_fail(&w, DNP3_E_APP_FUNCTION, 1);
            if (it.pos < len && w.v->opaque)
                w.v->opaque(w.v->ctx, apdu + it.pos, len - it.pos);
        }
    }
    if (diag)
        *diag = w.err;
    return w.err.code;
}
