/* Command events (Annex A groups 13 and 43): one per control the
 * application decided in OPERATE, DIRECT_OPERATE or DIRECT_OPERATE_NR,
 * carrying the commanded value and the status it answered. They live in a
 * small store of the association beside its event buffer, with the same
 * life cycle (unwritten, written into the response with sequence S, removed
 * by the confirm of S, back to unwritten on a timeout or a lost link) and
 * are written after the database's events of the same fragment. The
 * wrappers below apply each step to both, so the session sees one buffer. */
#include "outstation/outstation_internal.h"

#include <string.h>

#define UNWRITTEN 0xFF

static uint8_t key_of(uint8_t seq, bool uns)
{
    return (uint8_t)(seq | (uns ? 0x10 : 0));
}

static uint8_t cmd_class_mask(const dnp3_outstation_t *o)
{
    return o->cfg.command_event_class ? (uint8_t)(1u << (o->cfg.command_event_class - 1)) : 0;
}

void dnp3i_os_cmdev_add(dnp3_outstation_t *o, const dnp3_control_t *c, uint8_t status)
{
    if (!o->cmdev_cap || !o->cfg.command_event_class)
        return;
    if (o->cmdev_len == o->cmdev_cap) {
        /* Full: the oldest goes, counted and reported (IIN2.3). */
        memmove(o->cmdev, o->cmdev + 1, (o->cmdev_len - 1) * sizeof *o->cmdev);
        o->cmdev_len--;
        o->cmdev_overflow = true;
        o->counters.command_events_discarded++;
    }
    dnp3i_cmdev_t *e = &o->cmdev[o->cmdev_len++];
    memset(e, 0, sizeof *e);
    e->key = UNWRITTEN;
    e->index = c->index;
    e->status = status & 0x7F;
    e->time = dnp3i_os_utc(o);
    if (c->group == 12) {
        e->analog = false;
        uint8_t op = c->v.crob.code & DNP3_CROB_OP_MASK;
        uint8_t tcc = (uint8_t)((c->v.crob.code & DNP3_CROB_TCC_MASK) >> 6);
        /* commanded state: on / close (Annex A group 13) */
        e->state = tcc == 1 || (tcc == 0 && (op == 1 || op == 3));
        e->variation = 2;
    } else {
        e->analog = true;
        e->value = c->variation >= 3 ? c->v.analog_float : (double)c->v.analog_int;
        static const uint8_t with_time[5] = {0, 3, 4, 7, 8};
        e->variation = with_time[c->variation & 3 ? c->variation : 4];
    }
    o->counters.command_events++;
}

uint32_t dnp3i_os_cmdev_unwritten(const dnp3_outstation_t *o, uint8_t class_mask)
{
    if (!(class_mask & cmd_class_mask(o)))
        return 0;
    uint32_t n = 0;
    for (uint32_t i = 0; i < o->cmdev_len; i++)
        n += o->cmdev[i].key == UNWRITTEN;
    return n;
}

static void to_point(const dnp3i_cmdev_t *e, uint8_t v, dnp3_point_t *pt)
{
    *pt = (dnp3_point_t){.index = e->index, .time = e->time, .has_time = true};
    pt->status = e->status;
    pt->has_status = true;
    if (!e->analog) {
        pt->type = DNP3_VT_BO_CMD_EVENT;
        pt->v.binary = e->state;
        return;
    }
    const dnp3_obj_info_t *info = dnp3_obj_lookup(43, v);
    pt->type = info ? (dnp3_value_type_t)info->value_type : DNP3_VT_AO_CMD_EVENT_FLOAT;
    if (pt->type == DNP3_VT_AO_CMD_EVENT_FLOAT) {
        pt->v.analog_f = e->value;
    } else {
        double lim = (v == 2 || v == 4) ? 32767.0 : 2147483647.0;
        double x = e->value > lim ? lim : e->value < -lim - 1 ? -lim - 1 : e->value;
        pt->v.analog_i = (int32_t)x;
    }
}

/* Write the unwritten command events the masks ask for (bit 0: g13, bit 1:
 * g43; variation 0 = each event's own) into w, up to *max; mark them
 * written with seq. Returns false when the fragment is full. */
bool dnp3i_os_cmdev_write(dnp3_outstation_t *o, dnp3_app_writer_t *w, uint8_t class_mask,
                          uint8_t kinds, const uint8_t var[2], uint32_t *max, uint8_t seq, bool uns,
                          uint32_t *written)
{
    *written = 0;
    if (!(class_mask & cmd_class_mask(o)))
        return true;
    bool open = false;
    uint8_t cg = 0, cv = 0;
    for (uint32_t i = 0; i < o->cmdev_len && *max; i++) {
        dnp3i_cmdev_t *e = &o->cmdev[i];
        if (e->key != UNWRITTEN || !(kinds & (e->analog ? 2 : 1)))
            continue;
        uint8_t g = e->analog ? 43 : 13;
        uint8_t v = var[e->analog] ? var[e->analog] : e->variation;
        dnp3_app_writer_mark_t m;
        dnp3_app_writer_mark(w, &m);
        if (!open || g != cg || v != cv) {
            if (dnp3_app_write_close_header(w) < 0 ||
                dnp3_app_write_open_header(w, g, v, 0x28, 0) < 0) {
                dnp3_app_writer_rollback(w, &m);
                return false;
            }
            open = true;
            cg = g;
            cv = v;
        }
        dnp3_point_t pt;
        to_point(e, v, &pt);
        int rc = dnp3_app_write_point(w, &pt);
        if (rc == DNP3_E_APP_COUNT) {
            open = false;
            i--;
            continue;
        }
        if (rc < 0) {
            dnp3_app_writer_rollback(w, &m);
            if (rc == DNP3_E_NOSPACE)
                return false;
            open = false;
            continue; /* not writable in that variation: left for another read */
        }
        e->key = key_of(seq, uns);
        (*written)++;
        if (*max != UINT32_MAX)
            (*max)--;
    }
    dnp3_app_write_close_header(w);
    return true;
}

/* ---- one buffer: the database's events and the command events ---- */

int dnp3i_os_ev_confirm(dnp3_outstation_t *o, uint8_t seq, bool uns)
{
    int n = dnp3_event_buffer_confirm(o->eb, seq, uns);
    if (n < 0)
        n = 0;
    const uint8_t k = key_of(seq, uns);
    uint32_t j = 0;
    for (uint32_t i = 0; i < o->cmdev_len; i++) {
        if (o->cmdev[i].key == k)
            n++;
        else
            o->cmdev[j++] = o->cmdev[i];
    }
    o->cmdev_len = j;
    if (n > 0) {
        o->counters.events_confirmed += (uint64_t)n;
        /* The master has the events: the overflow is reported (4.2.2.7.2). */
        dnp3_event_buffer_clear_overflow(o->eb);
        o->cmdev_overflow = false;
    }
    return n;
}

int dnp3i_os_ev_unwrite(dnp3_outstation_t *o, uint8_t seq, bool uns)
{
    int n = dnp3_event_buffer_unwrite(o->eb, seq, uns);
    if (n < 0)
        n = 0;
    const uint8_t k = key_of(seq, uns);
    for (uint32_t i = 0; i < o->cmdev_len; i++)
        if (o->cmdev[i].key == k) {
            o->cmdev[i].key = UNWRITTEN;
            n++;
        }
    return n;
}

void dnp3i_os_ev_unwrite_all(dnp3_outstation_t *o)
{
    dnp3_event_buffer_unwrite_all(o->eb);
    for (uint32_t i = 0; i < o->cmdev_len; i++)
        o->cmdev[i].key = UNWRITTEN;
}

uint32_t dnp3i_os_ev_unwritten(const dnp3_outstation_t *o, uint8_t event_class)
{
    uint32_t n = dnp3_event_buffer_count(o->eb, event_class, true);
    return n + dnp3i_os_cmdev_unwritten(o, (uint8_t)(1u << (event_class - 1)));
}
