/* Scenario harness (see scenario.h). */
#include "scenario.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>

#include "hex.h"

static uint8_t on_control(void *ctx, const dnp3_control_t *c)
{
    scn_t *t = ctx;
    t->controls++;
    t->last_control = *c;
    return t->control_status;
}

static int on_restart(void *ctx, bool cold, uint32_t *delay_ms)
{
    scn_t *t = ctx;
    (void)cold;
    t->restarts++;
    *delay_ms = t->restart_delay;
    return t->restart_rc;
}

static bool on_time(void *ctx, dnp3_time_t utc, dnp3_timestamp_t at)
{
    scn_t *t = ctx;
    t->time_calls++;
    t->time_utc = utc;
    t->time_at = at;
    return true;
}

static bool on_freeze(void *ctx, const dnp3_freeze_t *f)
{
    scn_t *t = ctx;
    t->freezes++;
    t->last_freeze = *f;
    return t->freeze_ok;
}

static void on_log(void *ctx, dnp3_log_level_t level, const char *msg)
{
    scn_t *t = ctx;
    (void)level;
    t->logs++;
    snprintf(t->last_log, sizeof t->last_log, "%s", msg);
}

void scn_db_config(dnp3_db_config_t *dbc)
{
    dnp3_db_config_default(dbc);
    for (int i = 0; i < DNP3_PT_COUNT_; i++)
        dbc->count[i] = 10;
}

void scn_os_config(dnp3_outstation_config_t *cfg)
{
    dnp3_outstation_config_default(cfg);
    cfg->unsolicited = false;
    cfg->command_event_class = DNP3_CLASS_NONE; /* tests of them turn them on */
}

void scn_setup(scn_t *t, const dnp3_db_config_t *dbc, const dnp3_outstation_config_t *cfg)
{
    dnp3_db_config_t d;
    dnp3_outstation_config_t c;
    memset(t, 0, sizeof *t);
    if (!dbc) {
        scn_db_config(&d);
        dbc = &d;
    }
    if (!cfg) {
        scn_os_config(&c);
        cfg = &c;
    }
    t->cfg = *cfg;
    t->master = cfg->master_address;
    t->local = cfg->local_address;
    t->freeze_ok = true;
    assert_int_equal(dnp3_db_new(dbc, &t->db), 0);
    dnp3_outstation_callbacks_t cb = {
        .control = on_control,
        .restart = on_restart,
        .time_written = on_time,
        .freeze = on_freeze,
        .log = on_log,
    };
    assert_int_equal(dnp3_outstation_new(cfg, t->db, &cb, t, &t->o), 0);
    dnp3_outstation_on_link_event(t->o, t->now, DNP3_LINK_UP);
}

void scn_teardown(scn_t *t)
{
    dnp3_outstation_free(t->o);
    dnp3_db_free(t->db);
}

void send_bytes(scn_t *t, uint16_t src, uint16_t dst, const uint8_t *data, size_t len)
{
    dnp3_outstation_on_fragment(t->o, t->now, src, dst, data, len);
}

void send_hex_to(scn_t *t, uint16_t dst, const char *hex)
{
    uint8_t buf[4096];
    size_t n = 0, err = 0;
    assert_int_equal(hex_parse(hex, buf, sizeof buf, &n, &err), 0);
    send_bytes(t, t->master, dst, buf, n);
}

void send_hex(scn_t *t, const char *hex)
{
    send_hex_to(t, t->local, hex);
}

size_t take(scn_t *t, uint8_t *buf, size_t cap)
{
    uint16_t dst = 0;
    bool confirmed = true;
    size_t n = dnp3_outstation_take_fragment(t->o, t->now, buf, cap, &dst, &confirmed);
    if (n) {
        assert_int_equal(dst, t->master);
        assert_false(confirmed);
    }
    return n;
}

static void to_hex(const uint8_t *b, size_t n, char *out, size_t cap)
{
    size_t o = 0;
    for (size_t i = 0; i < n && o + 4 < cap; i++)
        o += (size_t)snprintf(out + o, cap - o, i ? " %02X" : "%02X", b[i]);
    out[o] = 0;
}

void expect_hex(scn_t *t, const char *hex)
{
    uint8_t want[4096], got[4096];
    size_t wn = 0, err = 0;
    assert_int_equal(hex_parse(hex, want, sizeof want, &wn, &err), 0);
    size_t gn = take(t, got, sizeof got);
    if (gn != wn || memcmp(got, want, wn) != 0) {
        char a[8192], b[8192];
        to_hex(want, wn, a, sizeof a);
        to_hex(got, gn, b, sizeof b);
        print_error("expected: %s\n     got: %s\n", a, b);
        fail();
    }
}

void expect_none(scn_t *t)
{
    uint8_t got[4096];
    size_t gn = take(t, got, sizeof got);
    if (gn) {
        char b[8192];
        to_hex(got, gn, b, sizeof b);
        print_error("expected nothing, got: %s\n", b);
        fail();
    }
}

void advance(scn_t *t, uint64_t ms)
{
    const dnp3_timestamp_t end = t->now + ms;
    for (int guard = 0; guard < 10000; guard++) {
        dnp3_timestamp_t d = dnp3_outstation_next_deadline(t->o);
        if (d > end)
            break;
        if (d > t->now)
            t->now = d;
        dnp3_outstation_on_timer(t->o, t->now);
        if (dnp3_outstation_next_deadline(t->o) <= t->now)
            break; /* nothing more happens at this instant */
    }
    t->now = end;
    dnp3_outstation_on_timer(t->o, t->now);
}

dnp3_outstation_counters_t counters(const scn_t *t)
{
    dnp3_outstation_counters_t c;
    dnp3_outstation_counters(t->o, &c);
    return c;
}
