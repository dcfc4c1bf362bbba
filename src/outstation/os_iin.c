/* IIN bits of the responses (4.2.2.7.2), the outstation's idea of UTC, and
 * the log helper. */
#include "outstation/outstation_internal.h"

#include <stdio.h>

uint16_t dnp3i_os_iin(const dnp3_outstation_t *o)
{
    uint16_t iin = o->app_iin;
    if (o->local)
        iin |= DNP3_IIN_LOCAL_CONTROL;
    if (o->restart_iin)
        iin |= DNP3_IIN_DEVICE_RESTART;
    if (o->need_time)
        iin |= DNP3_IIN_NEED_TIME;
    if (o->bcast_pending)
        iin |= DNP3_IIN_BROADCAST;
    /* IIN1.1-1.3: events of the class not yet reported (written events are
     * on their way, 4.2.2.7.2). */
    if (dnp3_event_buffer_count(o->eb, 1, true))
        iin |= DNP3_IIN_CLASS_1_EVENTS;
    if (dnp3_event_buffer_count(o->eb, 2, true))
        iin |= DNP3_IIN_CLASS_2_EVENTS;
    if (dnp3_event_buffer_count(o->eb, 3, true))
        iin |= DNP3_IIN_CLASS_3_EVENTS;
    if (dnp3_event_buffer_overflow(o->eb))
        iin |= DNP3_IIN_EVENT_BUFFER_OVERFLOW;
    return iin;
}

dnp3_time_t dnp3i_os_utc(const dnp3_outstation_t *o)
{
    if (!o->time_valid)
        return 0;
    return (o->utc_base + (o->now - o->utc_at)) & DNP3_TIME_MAX;
}

void dnp3i_os_log(dnp3_outstation_t *o, dnp3_log_level_t level, const char *fmt, ...)
{
    if (!o->cb.log)
        return;
    char line[256];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(line, sizeof line, fmt, ap);
    va_end(ap);
    o->cb.log(o->ctx, level, line);
}
