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
        return ev->value.octets.len ? ev->value.octets.len : 1;
    if (it && it->variation)
        return it->variation;
    return ev->variation;
}

static bool rel_time(uint8_t g, uint8_t v)
{
    return v == 3 && (g == 2 || g == 4);
}

static int write_cto(dnp3_outstation_t *o, dnp3_app_writer_t *w, dnp3_time_t t)
{
    /* g51v1 when the clock was set by the master, else g51v2. */
    uint8_t v = o->time_valid ? 1 : 2;
    int rc = dnp3_app_write_header(w, 51, v, 0x07, 1, 0);
    if (rc < 0)
        return rc;
    dnp3_point_t pt = {.type = DNP3_VT_CTO, .time = t & DNP3_TIME_MAX, .has_time = true};
    return dnp3_app_write_point(w, &pt);
}

/* Open a header for an event of g/v (behind a CTO for relative times). */
static int open_run(dnp3_outstation_t *o, dnp3_app_writer_t *w, uint8_t g, uint8_t v, dnp3_time_t t)
{
    int rc = dnp3_app_write_close_header(w);
    if (rc >= 0 && rel_time(g, v))
        rc = write_cto(o, w, t);
    if (rc >= 0)
        rc = dnp3_app_write_open_header(w, g, v, 0x28, 0);
    return rc;
}

/* The smallest event object: a 2-octet index and a 1-octet value (g2v1,
 * g4v1, g111 of length 1). */
#define MIN_EVENT_OCTETS 3u

uint32_t dnp3i_os_events_fit(const dnp3_app_writer_t *w)
{
    size_t room = w->cap > w->len ? w->cap - w->len : 0;
    size_t n = room / MIN_EVENT_OCTETS;
    return n > UINT32_MAX ? UINT32_MAX : (uint32_t)n;
}

uint32_t dnp3i_os_write_events(dnp3_outstation_t *o, dnp3_app_writer_t *w, bool *full)
{
    const uint32_t end = dnp3_event_buffer_selected_count(o->eb);
    uint32_t pos = 0;
    bool open = false;
    uint8_t cg = 0, cv = 0;
    dnp3_time_t cto = 0;
    *full = false;
    while (pos < end) {
        dnp3_event_t ev;
        if (dnp3_event_buffer_selected(o->eb, pos, &ev) < 0) {
            pos++; /* left through overflow: nothing to write */
            continue;
        }
        const uint8_t g = dnp3_point_type_event_group(ev.type);
        const uint8_t v = event_var(o, &ev);
        const bool rel = rel_time(g, v);
        dnp3_app_writer_mark_t m;
        dnp3_app_writer_mark(w, &m);
        if (!open || g != cg || v != cv || (rel && (ev.time < cto || ev.time - cto > 0xFFFF))) {
            if (open_run(o, w, g, v, ev.time) < 0) {
                dnp3_app_writer_rollback(w, &m);
                *full = true;
                break;
            }
            open = true;
            cg = g;
            cv = v;
            cto = ev.time;
        }
        dnp3_point_t pt;
        dnp3i_os_event_to_point(&ev, g, v, &pt);
        int rc = dnp3_app_write_point(w, &pt);
        if (rc == DNP3_E_APP_COUNT) { /* the count field is full: a new header */
            open = false;
            continue;
        }
        if (rc == DNP3_E_NOSPACE) {
            dnp3_app_writer_rollback(w, &m);
            *full = true;
            break;
        }
        if (rc < 0) {
            /* A value the variation cannot carry: reported as sent rather
             * than blocking every later event (and logged). */
            dnp3_app_writer_rollback(w, &m);
            open = false;
            dnp3i_os_log(o, DNP3_LOG_WARN, "event g%uv%u index %u not writable: %s", g, v,
                         (unsigned)ev.index, dnp3_strerror(rc));
        }
        dnp3i_item_t *it = claim(o, &ev);
        if (it && it->max != UINT32_MAX)
            it->max--;
        pos++;
    }
    dnp3_app_write_close_header(w);
    return pos;
}
