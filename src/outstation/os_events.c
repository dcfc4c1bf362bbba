/* Event data of a response: the selection of every event item of the
 * plan, in sequence-of-events order, written as runs of one group and
 * variation with two-byte indices (qualifier 0x28, as both reference
 * stacks do), g2v3/g4v3 runs behind a g51 CTO (Annex A group 51: offsets
 * 0..65535 ms after it). Events that do not fit stay selected only until
 * dnp3_event_buffer_write returns them to the buffer. */
#include "outstation/outstation_internal.h"

/* The item of the plan an event is counted against and the variation it is
 * reported in (the item's, or the event's own). */
static dnp3i_item_t *claim(dnp3_outstation_t *o, const dnp3_event_t *ev)
{
    for (uint32_t i = 0; i < o->item_count; i++) {
        dnp3i_item_t *it = &o->items[i];
        if (it->kind != DNP3I_ITEM_EVENTS || it->max == 0)
            continue;
        if ((it->class_mask & (1u << (ev->event_class - 1))) &&
            (it->type_mask & DNP3_TYPE_MASK(ev->type)))
            return it;
    }
    return NULL;
}

static uint8_t event_var(dnp3_outstation_t *o, const dnp3_event_t *ev)
{
    const dnp3i_item_t *it = claim(o, ev);
    if (ev->type == DNP3_PT_OCTET_STRING)
        return ev->value.octets.len;
    if (it && it->variation)
        return it->variation;
    return ev->variation;
}

static bool rel_time(uint8_t g, uint8_t v)
{
    return v == 3 && (g == 2 || g == 4);
}

/* Events [pos, end) that can share one header with the event at pos. */
static uint32_t run_length(dnp3_outstation_t *o, uint32_t pos, uint32_t end, uint8_t g, uint8_t v,
                           dnp3_time_t cto)
{
    uint32_t n = 0;
    for (uint32_t i = pos; i < end; i++) {
        dnp3_event_t ev;
        if (dnp3_event_buffer_selected(o->eb, i, &ev) < 0)
            break; /* left through overflow: ends the run (skipped alone) */
        if (dnp3_point_type_event_group(ev.type) != g || event_var(o, &ev) != v)
            break;
        if (rel_time(g, v) && (ev.time < cto || ev.time - cto > 0xFFFF))
            break;
        n++;
    }
    return n;
}

static bool write_cto(dnp3_outstation_t *o, dnp3_app_writer_t *w, dnp3_time_t t)
{
    if (w->cap - w->len < 10)
        return false;
    /* g51v1 when the clock was set by the master, else g51v2. */
    uint8_t v = o->time_valid ? 1 : 2;
    dnp3_app_write_header(w, 51, v, 0x07, 1, 0);
    dnp3_point_t pt = {.type = DNP3_VT_CTO, .time = t & DNP3_TIME_MAX, .has_time = true};
    dnp3_app_write_point(w, &pt);
    return true;
}

uint32_t dnp3i_os_write_events(dnp3_outstation_t *o, dnp3_app_writer_t *w, bool *full)
{
    const uint32_t end = dnp3_event_buffer_selected_count(o->eb);
    uint32_t pos = 0;
    *full = false;
    while (pos < end) {
        dnp3_event_t ev;
        if (dnp3_event_buffer_selected(o->eb, pos, &ev) < 0) {
            pos++;
            continue;
        }
        const uint8_t g = dnp3_point_type_event_group(ev.type);
        const uint8_t v = event_var(o, &ev);
        const dnp3_obj_info_t *info = dnp3_obj_lookup(g, v);
        if (!info) { /* cannot happen for database variations: skip it */
            pos++;
            continue;
        }
        dnp3_app_writer_t save = *w;
        if (rel_time(g, v) && !write_cto(o, w, ev.time)) {
            *full = true;
            break;
        }
        uint32_t run = run_length(o, pos, end, g, v, ev.time);
        size_t per = 2 + (info->size_kind == DNP3_SK_BY_VARIATION ? v : info->size);
        size_t room = w->cap - w->len;
        uint32_t m = room < 5 ? 0 : (uint32_t)((room - 5) / per);
        if (m > run)
            m = run;
        if (m == 0) {
            *w = save;
            *full = true;
            break;
        }
        dnp3_app_write_header(w, g, v, 0x28, m, 0);
        for (uint32_t k = 0; k < m; k++) {
            dnp3_event_buffer_selected(o->eb, pos + k, &ev);
            dnp3_point_t pt;
            dnp3i_os_event_to_point(&ev, g, v, &pt);
            dnp3_app_write_point(w, &pt);
            dnp3i_item_t *it = claim(o, &ev);
            if (it && it->max != UINT32_MAX)
                it->max--;
        }
        pos += m;
        if (m < run) {
            *full = true;
            break;
        }
    }
    return pos;
}
