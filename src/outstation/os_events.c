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

/* Where writing the selection stands: the next position and the run
 * (object header) open, so a later selection continues it. */
typedef struct ev_run {
    uint32_t pos;
    bool open;
    uint8_t g, v;
    dnp3_time_t cto;
} ev_run_t;

/* Write one selected event; false when the fragment is full. */
static bool write_one(dnp3_outstation_t *o, dnp3_app_writer_t *w, ev_run_t *r,
                      const dnp3_event_t *ev)
{
    const uint8_t g = dnp3_point_type_event_group(ev->type);
    const uint8_t v = event_var(o, ev);
    const bool rel = rel_time(g, v);
    dnp3_app_writer_mark_t m;
    dnp3_app_writer_mark(w, &m);
    if (!r->open || g != r->g || v != r->v ||
        (rel && (ev->time < r->cto || ev->time - r->cto > 0xFFFF))) {
        if (open_run(o, w, g, v, ev->time) < 0) {
            dnp3_app_writer_rollback(w, &m);
            return false;
        }
        r->open = true;
        r->g = g;
        r->v = v;
        r->cto = ev->time;
    }
    dnp3_point_t pt;
    dnp3i_os_event_to_point(ev, g, v, &pt);
    int rc = dnp3_app_write_point(w, &pt);
    if (rc == DNP3_E_APP_COUNT) { /* the count field is full: a new header */
        r->open = false;
        return write_one(o, w, r, ev);
    }
    if (rc == DNP3_E_NOSPACE) {
        dnp3_app_writer_rollback(w, &m);
        return false;
    }
    if (rc < 0) {
        /* A value the variation cannot carry: reported as sent rather
         * than blocking every later event (and logged). */
        dnp3_app_writer_rollback(w, &m);
        r->open = false;
        dnp3i_os_log(o, DNP3_LOG_WARN, "event g%uv%u index %u not writable: %s", g, v,
                     (unsigned)ev->index, dnp3_strerror(rc));
    }
    dnp3i_item_t *it = claim(o, ev);
    if (it && it->max != UINT32_MAX)
        it->max--;
    return true;
}

/* Write the selection from r->pos on; true when the fragment is full. */
static bool write_selected(dnp3_outstation_t *o, dnp3_app_writer_t *w, ev_run_t *r)
{
    const uint32_t end = dnp3_event_buffer_selected_count(o->eb);
    while (r->pos < end) {
        dnp3_event_t ev;
        if (dnp3_event_buffer_selected(o->eb, r->pos, &ev) < 0) {
            r->pos++; /* left through overflow: nothing to write */
            continue;
        }
        if (!write_one(o, w, r, &ev))
            return true;
        r->pos++;
    }
    return false;
}

uint32_t dnp3i_os_write_events(dnp3_outstation_t *o, dnp3_app_writer_t *w, bool *full)
{
    ev_run_t r = {0};
    *full = write_selected(o, w, &r);
    dnp3_app_write_close_header(w);
    return r.pos;
}

/* Events selected per step: a sixteenth of the room left, so that the
 * objects up to 16 octets (every analog event with time but g32v8/g42v8)
 * never select more than fits; the room shrinks with each step. */
#define STEP_DIVISOR 16u

uint32_t dnp3i_os_write_class_events(dnp3_outstation_t *o, dnp3_app_writer_t *w, uint8_t class_mask,
                                     bool *full)
{
    ev_run_t r = {0};
    *full = false;
    while (!*full) {
        uint32_t step = dnp3i_os_events_fit(w) * MIN_EVENT_OCTETS / STEP_DIVISOR;
        if (dnp3_event_buffer_select(o->eb, class_mask, DNP3_TYPE_MASK_ALL, step ? step : 1) <= 0)
            break;
        *full = write_selected(o, w, &r);
    }
    dnp3_app_write_close_header(w);
    return r.pos;
}
