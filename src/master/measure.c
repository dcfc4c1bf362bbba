/* Measurements out of response fragments: every point of the fragment in
 * order, mapped to its measurement type (static or event by its group).
 * The fragment is validated whole first, so a malformed one delivers
 * nothing rather than half of itself. */
#include <string.h>

#include "master/master_internal.h"

typedef struct group_map {
    uint8_t group;
    uint8_t type; /* dnp3_meas_type_t */
    bool event;
} group_map_t;

static const group_map_t groups[] = {
    {1, DNP3_MEAS_BINARY_INPUT, false},
    {2, DNP3_MEAS_BINARY_INPUT, true},
    {3, DNP3_MEAS_DOUBLE_BIT_INPUT, false},
    {4, DNP3_MEAS_DOUBLE_BIT_INPUT, true},
    {10, DNP3_MEAS_BINARY_OUTPUT_STATUS, false},
    {11, DNP3_MEAS_BINARY_OUTPUT_STATUS, true},
    {13, DNP3_MEAS_BINARY_OUTPUT_COMMAND_EVENT, true},
    {20, DNP3_MEAS_COUNTER, false},
    {21, DNP3_MEAS_FROZEN_COUNTER, false},
    {22, DNP3_MEAS_COUNTER, true},
    {23, DNP3_MEAS_FROZEN_COUNTER, true},
    {30, DNP3_MEAS_ANALOG_INPUT, false},
    {32, DNP3_MEAS_ANALOG_INPUT, true},
    {40, DNP3_MEAS_ANALOG_OUTPUT_STATUS, false},
    {42, DNP3_MEAS_ANALOG_OUTPUT_STATUS, true},
    {43, DNP3_MEAS_ANALOG_OUTPUT_COMMAND_EVENT, true},
    {110, DNP3_MEAS_OCTET_STRING, false},
    {111, DNP3_MEAS_OCTET_STRING, true},
};

static const group_map_t *group_lookup(uint8_t group)
{
    for (size_t i = 0; i < sizeof groups / sizeof groups[0]; i++)
        if (groups[i].group == group)
            return &groups[i];
    return NULL;
}

/* The value of pt into m; false when pt's value type is not a measurement
 * (a variation-0 header, an unknown object). */
static bool take_value(const dnp3_point_t *pt, dnp3_measurement_t *m)
{
    uint8_t synth = DNP3_FLAG_ONLINE;
    switch (pt->type) {
    case DNP3_VT_BINARY:
    case DNP3_VT_BO_CMD_EVENT:
        m->value = pt->v.binary ? 1.0 : 0.0;
        synth = (uint8_t)(synth | (pt->v.binary ? 0x80 : 0));
        break;
    case DNP3_VT_DOUBLE_BIT:
        m->value = pt->v.double_bit;
        synth = (uint8_t)(synth | (pt->v.double_bit << 6));
        break;
    case DNP3_VT_COUNTER:
        m->value = pt->v.counter;
        break;
    case DNP3_VT_ANALOG_INT:
    case DNP3_VT_AO_CMD_EVENT_INT:
        m->value = pt->v.analog_i;
        break;
    case DNP3_VT_ANALOG_FLOAT:
    case DNP3_VT_AO_CMD_EVENT_FLOAT:
        m->value = pt->v.analog_f;
        m->is_float = true;
        break;
    case DNP3_VT_OCTETS:
        m->bytes = pt->v.bytes.data;
        m->len = pt->v.bytes.len;
        break;
    default:
        return false;
    }
    m->has_flags = pt->has_flags;
    m->flags = pt->has_flags ? pt->flags : synth;
    m->status = pt->has_status ? pt->status : 0;
    m->has_time = pt->has_time;
    m->time = pt->has_time ? pt->time : 0;
    return true;
}

/* A header of fixed-size objects without size prefixes (g32v1, g2v2, ...):
 * dnp3_obj_iter_next checked count x (prefix + size) against the data, and
 * reading such an object cannot fail, so its points need no walk to be
 * known good. */
static bool fixed_size(const dnp3_obj_header_t *h)
{
    return h->has_data && !h->partial && h->info && h->info->size_kind == DNP3_SK_FIXED &&
           h->info->size > 0 && h->prefix_code < DNP3_PREFIX_SIZE8;
}

int dnp3i_measure_validate(const uint8_t *frag, size_t len, const dnp3_app_header_t *h)
{
    dnp3_obj_iter_t it;
    dnp3_obj_header_t oh;
    dnp3_obj_iter_init(&it, frag, len, h);
    int rc;
    while ((rc = dnp3_obj_iter_next(&it, &oh)) == 1) {
        if (fixed_size(&oh))
            continue; /* the header's checks have bounded every object */
        dnp3_point_iter_t pi;
        dnp3_point_t pt;
        dnp3_point_iter_init(&pi, &oh, &it);
        int prc;
        while ((prc = dnp3_point_iter_next(&pi, &pt)) == 1) {
        }
        if (prc < 0)
            return prc;
    }
    if (rc == 0 && it.opaque)
        return DNP3_E_APP_FUNCTION;
    return rc;
}

static void deliver_point(dnp3_master_assoc_t *a, const dnp3_point_t *pt,
                          const dnp3_master_rx_info_t *info)
{
    const group_map_t *g = group_lookup(pt->group);
    dnp3_measurement_t m;
    memset(&m, 0, sizeof m);
    if (!g || !take_value(pt, &m)) {
        /* A CTO is context for the times that follow, already applied. */
        if (a->cb.on_object && pt->type != DNP3_VT_CTO)
            a->cb.on_object(a->ctx, info, pt);
        return;
    }
    m.type = (dnp3_meas_type_t)g->type;
    m.group = pt->group;
    m.variation = pt->variation;
    m.index = pt->index;
    m.event = g->event;
    m.unsol = info->unsol;
    a->counters.measurements++;
    dnp3i_seen_record(a, &m);
    if (a->cb.on_measurement)
        a->cb.on_measurement(a->ctx, &m);
}

void dnp3i_measure_deliver(dnp3_master_assoc_t *a, const uint8_t *frag, size_t len,
                           const dnp3_app_header_t *h, const dnp3_master_rx_info_t *info)
{
    dnp3_obj_iter_t it;
    dnp3_obj_header_t oh;
    dnp3_obj_iter_init(&it, frag, len, h);
    if (a->cb.on_fragment_begin)
        a->cb.on_fragment_begin(a->ctx, info);
    while (dnp3_obj_iter_next(&it, &oh) == 1) {
        dnp3_point_iter_t pi;
        dnp3_point_t pt;
        dnp3_point_iter_init(&pi, &oh, &it);
        while (dnp3_point_iter_next(&pi, &pt) == 1)
            deliver_point(a, &pt, info);
    }
    if (a->cb.on_fragment_end)
        a->cb.on_fragment_end(a->ctx, info);
}

uint32_t dnp3i_measure_delay(const uint8_t *frag, size_t len, const dnp3_app_header_t *h)
{
    dnp3_obj_iter_t it;
    dnp3_obj_header_t oh;
    dnp3_obj_iter_init(&it, frag, len, h);
    while (dnp3_obj_iter_next(&it, &oh) == 1) {
        dnp3_point_iter_t pi;
        dnp3_point_t pt;
        dnp3_point_iter_init(&pi, &oh, &it);
        while (dnp3_point_iter_next(&pi, &pt) == 1)
            if (pt.type == DNP3_VT_DELAY)
                return pt.v.delay.ms;
    }
    return UINT32_MAX;
}
