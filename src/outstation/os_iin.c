/* IIN bits of the responses (4.2.2.7.2), the outstation's idea of UTC, and
 * the log helper. */
#include "outstation/outstation_internal.h"
#include "util/logline.h"

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
    if (dnp3i_os_ev_unwritten(o, 1))
        iin |= DNP3_IIN_CLASS_1_EVENTS;
    if (dnp3i_os_ev_unwritten(o, 2))
        iin |= DNP3_IIN_CLASS_2_EVENTS;
    if (dnp3i_os_ev_unwritten(o, 3))
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
    if (!o->cb.log || level > o->cfg.log_level)
        return;
    va_list ap;
    va_start(ap, fmt);
    dnp3i_log_vline(o->cb.log, o->ctx, level, fmt, ap);
    va_end(ap);
}

/* A format sink that hands each line to the log callback. */
typedef struct trace_sink {
    dnp3_outstation_t *o;
    const char *prefix;
    char line[200];
    size_t len;
} trace_sink_t;

static void trace_flush(trace_sink_t *t)
{
    if (t->len)
        t->o->cb.log(t->o->ctx, DNP3_LOG_INFO, t->line);
    t->len = 0;
}

static int trace_write(void *ctx, const char *text, size_t len)
{
    trace_sink_t *t = ctx;
    for (size_t i = 0; i < len; i++) {
        if (t->len == 0)
            t->len = (size_t)snprintf(t->line, sizeof t->line, "%s", t->prefix);
        if (text[i] == '\n') {
            trace_flush(t);
            continue;
        }
        t->line[t->len++] = text[i];
        t->line[t->len] = 0;
        if (t->len + 1 >= sizeof t->line)
            trace_flush(t);
    }
    return 0;
}

void dnp3i_os_trace(dnp3_outstation_t *o, bool tx, uint16_t peer, const uint8_t *frag, size_t len)
{
    if (!o->cb.log || o->cfg.decode == DNP3_APP_DECODE_NOTHING || o->cfg.log_level < DNP3_LOG_INFO)
        return;
    char prefix[32];
    snprintf(prefix, sizeof prefix, "%s %u: ", tx ? "tx to" : "rx from", peer);
    trace_sink_t t = {.o = o, .prefix = prefix};
    dnp3_format_sink_t sink = {.write = trace_write, .ctx = &t};
    dnp3_format_fragment(&sink, o->cfg.decode, frag, len, NULL);
    trace_flush(&t);
}
