/* The association's events: command events recorded into the database
 * (groups 13 and 43), and the steps of the response life cycle on the
 * association's event buffer with the session's counters.
 *
 * A command event is an event of the database like any other: it takes
 * the next number of the one sequence of events and goes to the buffer of
 * every association of the database, so it is reported, confirmed,
 * returned and discarded on overflow exactly like the point events around
 * it. Every master is told, not only the one that asked: the event reports
 * what this outstation carried out (Annex A groups 13 and 43), which
 * matters to each master as much as the output status change it causes. */
#include "outstation/outstation_internal.h"

/* The state a CROB commands (Annex A group 13: on / close): TRIP_CLOSE
 * field close, or with no trip/close field PULSE_ON or LATCH_ON. */
static bool crob_state(uint8_t code)
{
    uint8_t op = code & DNP3_CROB_OP_MASK;
    uint8_t tcc = (uint8_t)((code & DNP3_CROB_TCC_MASK) >> 6);
    return tcc == 1 || (tcc == 0 && (op == 1 || op == 3));
}

void dnp3i_os_command_event(dnp3_outstation_t *o, const dnp3_control_t *c, uint8_t status)
{
    if (!o->cfg.command_event_class)
        return;
    dnp3_event_t ev = {
        .index = c->index,
        .event_class = o->cfg.command_event_class,
        .status = status & 0x7F,
        .time = dnp3i_os_utc(o) & DNP3_TIME_MAX,
    };
    if (c->group == 12) {
        ev.type = DNP3_EV_BINARY_COMMAND;
        ev.variation = 2;
        ev.value.binary = crob_state(c->v.crob.code);
    } else {
        /* g41v1..v4 -> g43 of the same value type with time: v3, v4, v7, v8. */
        static const uint8_t with_time[5] = {3, 3, 4, 7, 8};
        ev.type = DNP3_EV_ANALOG_COMMAND;
        ev.variation = with_time[c->variation <= 4 ? c->variation : 0];
        ev.value.analog = c->variation >= 3 ? c->v.analog_float : (double)c->v.analog_int;
    }
    if (dnp3_db_record_command_event(o->db, &ev) > 0)
        o->counters.command_events++;
}

int dnp3i_os_ev_confirm(dnp3_outstation_t *o, uint8_t seq, bool uns)
{
    int n = dnp3_event_buffer_confirm(o->eb, seq, uns);
    if (n > 0) {
        o->counters.events_confirmed += (uint64_t)n;
        /* The master has the events: the overflow is reported (4.2.2.7.2). */
        dnp3_event_buffer_clear_overflow(o->eb);
    }
    return n < 0 ? 0 : n;
}

int dnp3i_os_ev_unwrite(dnp3_outstation_t *o, uint8_t seq, bool uns)
{
    int n = dnp3_event_buffer_unwrite(o->eb, seq, uns);
    return n < 0 ? 0 : n;
}

void dnp3i_os_ev_unwrite_all(dnp3_outstation_t *o)
{
    dnp3_event_buffer_unwrite_all(o->eb);
}

uint32_t dnp3i_os_ev_unwritten(const dnp3_outstation_t *o, uint8_t event_class)
{
    return dnp3_event_buffer_count(o->eb, event_class, true);
}
