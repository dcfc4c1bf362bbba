/* Scenario harness for the master association: see master_harness.h. */
#include "master_harness.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

static void add(mh_t *h, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(h->events + h->events_len, sizeof h->events - h->events_len, fmt, ap);
    va_end(ap);
    if (n > 0)
        h->events_len += (size_t)n;
    if (h->events_len >= sizeof h->events)
        h->events_len = sizeof h->events - 1;
}

static void on_measurement(void *ctx, const dnp3_measurement_t *m)
{
    mh_t *h = ctx;
    add(h, "%s g%uv%u #%u ", dnp3_meas_type_name(m->type), m->group, m->variation, m->index);
    if (m->type == DNP3_MEAS_OCTET_STRING) {
        add(h, "\"");
        for (size_t i = 0; i < m->len; i++)
            add(h, "%02X", m->bytes[i]);
        add(h, "\"");
    } else {
        add(h, "%.10g", m->value);
    }
    add(h, " f=%02X", m->flags);
    if (m->type == DNP3_MEAS_BINARY_OUTPUT_COMMAND_EVENT ||
        m->type == DNP3_MEAS_ANALOG_OUTPUT_COMMAND_EVENT)
        add(h, " s=%u", m->status);
    if (m->has_time)
        add(h, " t=%llu", (unsigned long long)m->time);
    add(h, " %s %s%s\n", m->event ? "event" : "static", m->unsol ? "unsol" : "sol",
        m->stale ? " stale" : "");
}

static void on_begin(void *ctx, const dnp3_master_rx_info_t *info)
{
    mh_t *h = ctx;
    if (h->log_fragments)
        add(h, "begin %s seq %u\n", info->unsol ? "unsol" : "sol", info->seq);
}

static void on_end(void *ctx, const dnp3_master_rx_info_t *info)
{
    mh_t *h = ctx;
    if (h->log_fragments)
        add(h, "end %s\n", info->unsol ? "unsol" : "sol");
}

static void on_object(void *ctx, const dnp3_master_rx_info_t *info, const dnp3_point_t *pt)
{
    (void)info;
    mh_t *h = ctx;
    add(h, "object g%uv%u #%u\n", pt->group, pt->variation, pt->index);
}

static void on_iin(void *ctx, uint16_t old_iin, uint16_t new_iin)
{
    add(ctx, "iin %04X -> %04X\n", old_iin, new_iin);
}

static void on_state(void *ctx, const dnp3_master_health_t *hl)
{
    mh_t *h = ctx;
    add(h, "state %s", dnp3_master_state_name(hl->state));
    if (hl->reason)
        add(h, " %s", dnp3_master_reason_name(hl->reason));
    if (hl->error)
        add(h, " %d", hl->error);
    add(h, "\n");
}

static void on_command_done(void *ctx, const dnp3_command_result_t *r)
{
    mh_t *h = ctx;
    add(h, "command %u %s", r->id, dnp3_master_result_name(r->result));
    for (size_t i = 0; i < r->n; i++)
        add(h, "%s%s", i ? "," : " [", dnp3_command_status_name(r->statuses[i]));
    add(h, "%s\n", r->n ? "]" : "");
}

static void on_task_done(void *ctx, const dnp3_task_result_t *r)
{
    mh_t *h = ctx;
    add(h, "task %s", dnp3_task_kind_name(r->kind));
    if (r->id)
        add(h, " %u", r->id);
    add(h, " %s", dnp3_master_result_name(r->result));
    if (r->will_retry)
        add(h, " retry");
    if (r->delay_ms)
        add(h, " delay=%u", r->delay_ms);
    add(h, "\n");
    if (h->requeue && r->result == DNP3_MASTER_LINK_DOWN)
        add(h, "requeued %d\n", dnp3_master_assoc_integrity_poll(h->a, h->now));
}

static void on_response(void *ctx, uint32_t id, const uint8_t *frag, size_t len)
{
    mh_t *h = ctx;
    add(h, "response %u:", id);
    for (size_t i = 0; i < len; i++)
        add(h, " %02X", frag[i]);
    add(h, "\n");
}

static void on_log(void *ctx, dnp3_log_level_t level, const char *msg)
{
    mh_t *h = ctx;
    if (h->record_logs)
        add(h, "log %s %s\n", dnp3_log_level_name(level), msg);
}

static dnp3_time_t utc_now(void *ctx, dnp3_timestamp_t now)
{
    (void)ctx;
    return MH_UTC0 + now;
}

static void open_with(mh_t *h, void (*tweak)(dnp3_master_config_t *), bool clock)
{
    memset(h, 0, sizeof *h);
    dnp3_master_config_t cfg;
    dnp3_master_config_default(&cfg);
    if (tweak)
        tweak(&cfg);
    dnp3_master_callbacks_t cb = {0};
    cb.on_measurement = on_measurement;
    cb.on_fragment_begin = on_begin;
    cb.on_fragment_end = on_end;
    cb.on_object = on_object;
    cb.on_iin = on_iin;
    cb.on_state = on_state;
    cb.on_command_done = on_command_done;
    cb.on_task_done = on_task_done;
    cb.on_response = on_response;
    cb.utc_now = clock ? utc_now : NULL;
    cb.on_log = on_log;
    h->no_clock = !clock;
    assert_int_equal(dnp3_master_assoc_new(&cfg, &cb, h, &h->a), 0);
    h->now = 1000;
}

void mh_open(mh_t *h, void (*tweak)(dnp3_master_config_t *cfg))
{
    open_with(h, tweak, true);
}

void mh_open_no_clock(mh_t *h, void (*tweak)(dnp3_master_config_t *cfg))
{
    open_with(h, tweak, false);
}

void mh_close(mh_t *h)
{
    dnp3_master_assoc_free(h->a);
    h->a = NULL;
}

void mh_link_up(mh_t *h)
{
    dnp3_master_assoc_on_link_event(h->a, h->now, DNP3_LINK_UP);
}

void mh_startup(mh_t *h)
{
    mh_link_up(h);
    mh_expect_tx(h, "C0 15 3C 02 06 3C 03 06 3C 04 06");
    mh_rx(h, "C0 81 00 00");
    mh_expect_tx(h, "C1 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    mh_rx(h, "C1 81 00 00");
    mh_expect_events(h, "state connected\n"
                        "task disable_unsol SUCCESS\n"
                        "task integrity SUCCESS\n"
                        "state polling\n");
}

void mh_link_down(mh_t *h)
{
    dnp3_master_assoc_on_link_event(h->a, h->now, DNP3_LINK_DOWN);
}

size_t mh_hex(const char *hex, uint8_t *out, size_t cap)
{
    size_t n = 0;
    int hi = -1;
    for (const char *p = hex; *p; p++) {
        int v;
        if (*p >= '0' && *p <= '9')
            v = *p - '0';
        else if (*p >= 'a' && *p <= 'f')
            v = *p - 'a' + 10;
        else if (*p >= 'A' && *p <= 'F')
            v = *p - 'A' + 10;
        else
            continue;
        if (hi < 0) {
            hi = v;
            continue;
        }
        assert_true(n < cap);
        out[n++] = (uint8_t)(hi << 4 | v);
        hi = -1;
    }
    assert_int_equal(hi, -1);
    return n;
}

/* Canonical "C0 01 3C" form of bytes. */
static void to_hex(const uint8_t *b, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    out[0] = '\0';
    for (size_t i = 0; i < n && o + 4 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, "%s%02X", i ? " " : "", b[i]);
}

void mh_expect_tx(mh_t *h, const char *hex)
{
    static uint8_t want[4096], got[4096];
    static char ws[12288], gs[12288];
    size_t wn = mh_hex(hex, want, sizeof want);
    uint16_t dst = 0;
    bool confirmed = true;
    size_t gn = dnp3_master_assoc_take_fragment(h->a, h->now, got, sizeof got, &dst, &confirmed);
    to_hex(want, wn, ws, sizeof ws);
    to_hex(got, gn, gs, sizeof gs);
    assert_string_equal(gs, ws);
    assert_int_equal(dst, 10);
    assert_false(confirmed);
}

void mh_expect_no_tx(mh_t *h)
{
    uint8_t got[4096];
    char gs[12288];
    uint16_t dst;
    bool confirmed;
    assert_false(dnp3_master_assoc_want_send(h->a));
    size_t gn = dnp3_master_assoc_take_fragment(h->a, h->now, got, sizeof got, &dst, &confirmed);
    to_hex(got, gn, gs, sizeof gs);
    assert_string_equal(gs, "");
}

void mh_rx(mh_t *h, const char *hex)
{
    static uint8_t b[4096];
    size_t n = mh_hex(hex, b, sizeof b);
    dnp3_master_assoc_on_fragment(h->a, h->now, 10, 1, b, n);
}

void mh_advance(mh_t *h, uint64_t ms)
{
    h->now += ms;
    dnp3_master_assoc_on_timer(h->a, h->now);
}

void mh_expect_events(mh_t *h, const char *lines)
{
    h->events[h->events_len] = '\0';
    assert_string_equal(h->events, lines);
    mh_clear_events(h);
}

void mh_clear_events(mh_t *h)
{
    h->events_len = 0;
    h->events[0] = '\0';
}
