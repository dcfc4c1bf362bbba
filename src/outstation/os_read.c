/* READ (4.4.1): every header is checked and turned into an item of a plan
 * first; the response is then written fragment by fragment from the plan,
 * events first (they ask for a confirm), then static data in the order the
 * headers asked for it. */
#include "outstation/outstation_internal.h"

#include <string.h>

static dnp3i_item_t *new_item(dnp3_outstation_t *o, uint8_t kind, const dnp3_obj_header_t *h)
{
    if (o->item_count >= DNP3I_OS_MAX_ITEMS)
        return NULL;
    dnp3i_item_t *it = &o->items[o->item_count++];
    memset(it, 0, sizeof *it);
    it->kind = kind;
    it->group = h->group;
    it->variation = h->variation;
    if (kind == DNP3I_ITEM_EVENTS)
        it->max = UINT32_MAX; /* shares its place with next */
    return it;
}

static uint32_t event_limit(const dnp3_obj_header_t *h)
{
    /* 0x07/0x08: at most `count` events (4.4.1, limited-count reads). */
    return (h->qualifier == 0x07 || h->qualifier == 0x08) ? h->count : UINT32_MAX;
}

/* Static item of a type over the header's range or list. */
static uint16_t plan_static(dnp3_outstation_t *o, dnp3_point_type_t type,
                            const dnp3_obj_header_t *h, uint8_t group, uint8_t variation)
{
    const uint32_t n = dnp3_db_count(o->db, type);
    dnp3_obj_header_t all = *h;
    if (h->qualifier == 0x06) {
        all.start = n ? 0 : 1; /* an empty type: an empty item */
        all.stop = n ? n - 1 : 0;
    } else if (h->qualifier == 0x17 || h->qualifier == 0x28) {
        const size_t ps = h->qualifier == 0x17 ? 1 : 2;
        for (uint32_t k = 0; k < h->count; k++) {
            uint32_t idx = h->data[k * ps] | (ps == 2 ? (uint32_t)h->data[k * ps + 1] << 8 : 0);
            if (idx >= n)
                return DNP3_IIN_PARAMETER_ERROR;
        }
    } else if (h->stop >= n) {
        return DNP3_IIN_PARAMETER_ERROR;
    }
    dnp3i_item_t *it = new_item(o, DNP3I_ITEM_STATIC, h);
    if (!it)
        return DNP3_IIN_PARAMETER_ERROR;
    it->type = (uint8_t)type;
    it->group = group;
    it->variation = variation;
    if (h->qualifier == 0x17 || h->qualifier == 0x28) {
        /* The request is not kept: its list is, in tx (which a READ's
         * response does not use; the lists are part of the request, and
         * tx is at least max_rx_fragment long). */
        const size_t bytes = (size_t)h->count * (h->qualifier == 0x17 ? 1u : 2u);
        if (bytes > o->tx_cap - o->list_len)
            return DNP3_IIN_PARAMETER_ERROR;
        memcpy(o->tx + o->list_len, h->data, bytes);
        it->kind = DNP3I_ITEM_INDEXED;
        it->list = o->list_len;
        o->list_len += (uint32_t)bytes;
        it->prefix_size = h->qualifier == 0x17 ? 1 : 2;
        it->start = 0;
        it->stop = h->count - 1;
    } else {
        it->start = all.start;
        it->stop = all.stop;
    }
    return 0;
}

static uint16_t plan_class0(dnp3_outstation_t *o, const dnp3_obj_header_t *h)
{
    for (int t = 0; t < DNP3_PT_COUNT_; t++) {
        if (dnp3_db_count(o->db, (dnp3_point_type_t)t) == 0)
            continue;
        uint16_t e = plan_static(o, (dnp3_point_type_t)t, h,
                                 dnp3_point_type_static_group((dnp3_point_type_t)t), 0);
        if (e)
            return e;
    }
    return 0;
}

static uint16_t plan_header(dnp3_outstation_t *o, const dnp3_obj_header_t *h)
{
    dnp3i_item_t *it;
    if (h->group == 60) {
        if (h->variation == 1)
            return plan_class0(o, h);
        if (!(it = new_item(o, DNP3I_ITEM_EVENTS, h)))
            return DNP3_IIN_PARAMETER_ERROR;
        it->class_mask = (uint8_t)(1u << (h->variation - 2));
        it->type_mask = DNP3_TYPE_MASK_ALL;
        it->variation = 0;
        it->max = event_limit(h);
        return 0;
    }
    if (h->group == 80) {
        uint32_t start = h->qualifier == 0x06 ? 0 : h->start;
        uint32_t stop = h->qualifier == 0x06 ? 15 : h->stop;
        if (stop > 15 || !(it = new_item(o, DNP3I_ITEM_IIN, h)))
            return DNP3_IIN_PARAMETER_ERROR;
        it->start = start;
        it->stop = stop;
        return 0;
    }
    if (h->group == 0) {
        /* Set 0 only (the standard set, Annex A group 0). */
        if (h->qualifier != 0x06 && (h->start != 0 || h->stop != 0))
            return DNP3_IIN_PARAMETER_ERROR;
        if (!(it = new_item(o, DNP3I_ITEM_ATTR, h)))
            return DNP3_IIN_PARAMETER_ERROR;
        it->start = h->variation;
        it->next = 209;
        return 0;
    }
    if (h->group == 50) {
        if ((h->qualifier == 0x07 && h->count != 1) || !(it = new_item(o, DNP3I_ITEM_TIME, h)))
            return DNP3_IIN_PARAMETER_ERROR;
        return 0;
    }
    if (h->group == 34)
        return plan_static(o, DNP3_PT_ANALOG, h, 34, h->variation);
    dnp3_point_type_t t = dnp3i_os_static_type(h->group);
    if (t != DNP3_PT_COUNT_)
        return plan_static(o, t, h, h->group, h->variation);
    /* An event group (g13/g43: the command kinds). */
    if (!(it = new_item(o, DNP3I_ITEM_EVENTS, h)))
        return DNP3_IIN_PARAMETER_ERROR;
    t = dnp3i_os_event_type(h->group);
    it->class_mask = DNP3_CLASS_MASK_ALL;
    it->type_mask = t == DNP3_EV_TYPE_COUNT_ ? 0 : DNP3_TYPE_MASK(t);
    it->max = event_limit(h);
    return 0;
}

uint16_t dnp3i_os_read_plan(dnp3_outstation_t *o, const dnp3_app_header_t *ah, const uint8_t *frag,
                            size_t len)
{
    dnp3_obj_iter_t iter;
    dnp3_obj_header_t h;
    int rc;
    o->item_count = 0;
    o->list_len = 0;
    o->static_started = false;
    dnp3_obj_iter_init(&iter, frag, len, ah);
    while ((rc = dnp3_obj_iter_next(&iter, &h)) > 0) {
        uint16_t e = plan_header(o, &h);
        if (e) {
            o->item_count = 0;
            return e;
        }
    }
    return 0;
}

/* The classes of the event items when every one is a whole class (g60v2-4,
 * all events of every type, each in its own variation): they are then one
 * selection in sequence-of-events order, made step by step. 0 otherwise. */
static uint8_t whole_classes(const dnp3_outstation_t *o)
{
    uint8_t mask = 0;
    for (uint32_t i = 0; i < o->item_count; i++) {
        const dnp3i_item_t *it = &o->items[i];
        if (it->kind != DNP3I_ITEM_EVENTS)
            continue;
        if (it->type_mask != DNP3_TYPE_MASK_ALL || it->max != UINT32_MAX || it->variation)
            return 0;
        mask = (uint8_t)(mask | it->class_mask);
    }
    return mask;
}

/* Select each event item's events, no more than could fit (the rest would
 * only go back), and write them; *full also when more may wait. */
static uint32_t item_events(dnp3_outstation_t *o, dnp3_app_writer_t *w, bool *full)
{
    const uint32_t fit = dnp3i_os_events_fit(w);
    bool capped = false;
    for (uint32_t i = 0; i < o->item_count; i++) {
        dnp3i_item_t *it = &o->items[i];
        if (it->kind != DNP3I_ITEM_EVENTS || it->max == 0 || !it->type_mask)
            continue;
        uint32_t max = it->max < fit ? it->max : fit;
        if (dnp3_event_buffer_select(o->eb, it->class_mask, it->type_mask, max) == (int)max &&
            max < it->max)
            capped = true;
    }
    uint32_t n = dnp3i_os_write_events(o, w, full);
    *full = *full || capped;
    return n;
}

/* Event part of a fragment: select, write what fits, mark it written. */
static void fragment_events(dnp3_outstation_t *o, dnp3_app_writer_t *w)
{
    const uint8_t classes = whole_classes(o);
    bool full;
    uint32_t n =
        classes ? dnp3i_os_write_class_events(o, w, classes, &full) : item_events(o, w, &full);
    int written = dnp3_event_buffer_write(o->eb, n, o->sol_seq, false);
    if (written > 0) {
        o->sol_has_events = true;
        o->counters.events_sent += (uint64_t)written;
    }
    if (!full)
        o->static_started = true;
}

static bool fragment_static(dnp3_outstation_t *o, dnp3_app_writer_t *w)
{
    for (uint32_t i = 0; i < o->item_count; i++) {
        dnp3i_item_t *it = &o->items[i];
        if (it->kind == DNP3I_ITEM_EVENTS || it->done)
            continue;
        if (!dnp3i_os_write_static(o, it, w))
            return false;
        it->done = true;
    }
    return true;
}

size_t dnp3i_os_read_fragment(dnp3_outstation_t *o, uint8_t *buf, size_t cap)
{
    /* Every fragment selects its events afresh: an unsolicited response
     * built meanwhile (but not sent) gives its older ones back first. */
    dnp3i_os_unsol_yield(o);
    dnp3_app_writer_t w;
    dnp3_app_writer_init(&w, buf, cap);
    dnp3_app_write_response(&w, (uint8_t)((o->sol_first ? DNP3_AC_FIR : 0) | o->sol_seq),
                            DNP3_FC_RESPONSE, 0);
    o->sol_has_events = false;
    if (!o->static_started)
        fragment_events(o, &w);
    bool fin = o->static_started && fragment_static(o, &w);
    dnp3_app_writer_finish(&w);
    if (!fin && w.len == 4) {
        /* Not one object fits an empty fragment (a long octet string in a
         * small fragment): end here rather than send empty fragments. */
        dnp3i_os_log(o, DNP3_LOG_WARN, "response object larger than a fragment: omitted");
        for (uint32_t i = 0; i < o->item_count; i++)
            o->items[i].done = true;
        o->static_started = true;
        fin = true;
    }
    o->sol_more = !fin;
    o->sol_con = o->sol_has_events || !fin;
    buf[0] = (uint8_t)(buf[0] | (fin ? DNP3_AC_FIN : 0) | (o->sol_con ? DNP3_AC_CON : 0));
    uint16_t iin = (uint16_t)(dnp3i_os_iin(o) | o->req_iin);
    buf[2] = (uint8_t)(iin >> 8);
    buf[3] = (uint8_t)iin;
    return w.len;
}
