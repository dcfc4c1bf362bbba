/* Fuzz the master association (sans-IO) as a whole: response and
 * unsolicited fragments, time advances, link events, commands and tasks,
 * all from the fuzzer's bytes.
 *
 * Input: byte 0 picks the configuration (bit 0 unsolicited classes, bits
 * 1..2 time sync on NEED_TIME, bit 3 stale comm-lost mode, bit 4 four
 * tracked points, bit 5 periodic integrity and class polls, bit 6 a range
 * scan, bit 7 protocol trace at OBJECT_VALUES). Then operations, one byte
 * each (op = low 3 bits, arg = high 5 bits), with their own bytes:
 *   0  a fragment from the outstation: length byte, then that many bytes;
 *      arg bit 0: its sequence set to the last request's; bits 1..2: its
 *      function forced to RESPONSE / UNSOLICITED_RESPONSE
 *   1  advance time by arg * 250 ms and run the timers
 *   2  take every fragment to send and check it
 *   3  link event arg % 4 (UP, DOWN, TX_DONE, TX_FAILED)
 *   4  a command of arg % 4 + 1 points, 6 bytes each, mode (arg >> 2) % 3;
 *      arg bit 4: queued on the neighbour instead
 *   5  a task (arg % 12) with parameters from the next bytes
 *   6  connecting / connect failed; arg bit 1: the neighbour's link goes
 *      up or down instead (down fails its queued tasks: their bytes leave
 *      the shared pool from under the association's)
 *   7  a repeat of the last fragment fed (the outstation retrying)
 *
 * The association shares a small pool of queued tasks (10 slots, 1,024
 * bytes) with a neighbour association that only queues commands and sees
 * its link go up and down.
 *
 * Invariants: every fragment the master sends reads back with our own
 * parser (a request of a defined function, or a 2-byte CONFIRM) and fits
 * max_tx_fragment; nothing is sent while the link is down; callbacks get
 * values in range; each caller's task completes at most once; whether
 * something is ready to send (dnp3i_schedule_ready) agrees with the full
 * schedule walk (dnp3i_schedule_deadline), now and a little later. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3/master.h"
#include "fuzz_check.h"
#include "master/master_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

typedef struct cursor {
    const uint8_t *d;
    size_t n, pos;
} cursor_t;

static uint8_t next(cursor_t *c)
{
    return c->pos < c->n ? c->d[c->pos++] : 0;
}

static uint32_t next32(cursor_t *c)
{
    uint32_t v = 0;
    for (int i = 0; i < 4; i++)
        v = v << 8 | next(c);
    return v;
}

typedef struct state {
    dnp3_master_assoc_t *a;
    dnp3_master_assoc_t *b; /* the neighbour sharing the pool */
    bool b_up;
    dnp3_timestamp_t now;
    bool link_up;
    uint8_t last_seq;
    uint8_t done[256]; /* completions per task id (ids stay below 256 here) */
    size_t max_tx;
    uint32_t max_points; /* comm_lost_max_points */
    int64_t stale_key;   /* (type, index) of the last comm-lost re-report; -1 at a fragment */
    uint32_t stale_n;    /* re-reports since the fragment began */
} state_t;

static void on_fragment_begin(void *ctx, const dnp3_master_rx_info_t *info)
{
    (void)info;
    state_t *s = ctx;
    s->stale_key = -1;
    s->stale_n = 0;
}

static void on_measurement(void *ctx, const dnp3_measurement_t *m)
{
    state_t *s = ctx;
    CHECK(dnp3_meas_type_name(m->type) != NULL);
    if (m->stale) { /* a comm-lost report: each point once, in (type, index) order */
        int64_t key = (int64_t)m->type << 32 | m->index;
        CHECK(key > s->stale_key && ++s->stale_n <= s->max_points);
        s->stale_key = key;
    }
    CHECK(m->len == 0 || m->bytes != NULL);
    CHECK(!m->has_time || m->time <= DNP3_TIME_MAX);
}

static void on_command_done(void *ctx, const dnp3_command_result_t *r)
{
    state_t *s = ctx;
    CHECK(dnp3_master_result_name(r->result) != NULL);
    CHECK(r->n <= 32 && (r->n == 0 || r->statuses != NULL));
    CHECK(r->id > 0 && r->id < 256);
    CHECK(s->done[r->id]++ == 0);
}

static void on_task_done(void *ctx, const dnp3_task_result_t *r)
{
    state_t *s = ctx;
    CHECK(dnp3_task_kind_name(r->kind) != NULL);
    CHECK(dnp3_master_result_name(r->result) != NULL);
    if (r->id && !r->will_retry) {
        CHECK(r->id < 256);
        CHECK(s->done[r->id]++ == 0);
    }
}

static void on_state(void *ctx, const dnp3_master_health_t *h)
{
    (void)ctx;
    CHECK(dnp3_master_state_name(h->state) != NULL);
    CHECK(dnp3_master_reason_name(h->reason) != NULL);
}

static void on_log(void *ctx, dnp3_log_level_t level, const char *msg)
{
    (void)ctx;
    CHECK(level <= DNP3_LOG_DEBUG && msg != NULL);
}

static dnp3_time_t utc_now(void *ctx, dnp3_timestamp_t now)
{
    (void)ctx;
    return 1700000000000ull + now;
}

/* A fragment we send must read back: request header of a defined
 * function, every object header and point readable. */
static void check_sent(const state_t *s, const uint8_t *b, size_t n)
{
    CHECK(n >= 2 && n <= s->max_tx);
    dnp3_app_header_t h;
    CHECK(dnp3_app_header_read(b, n, &h) == 2);
    CHECK(dnp3_fc_is_defined(h.func) && !dnp3_fc_is_response(h.func));
    CHECK((h.control & (DNP3_AC_FIR | DNP3_AC_FIN)) == (DNP3_AC_FIR | DNP3_AC_FIN));
    if (h.func == DNP3_FC_CONFIRM)
        CHECK(n == 2);
    dnp3_obj_iter_t it;
    dnp3_obj_header_t oh;
    dnp3_obj_iter_init(&it, b, n, &h);
    int rc;
    while ((rc = dnp3_obj_iter_next(&it, &oh)) == 1) {
        dnp3_point_iter_t pi;
        dnp3_point_t pt;
        dnp3_point_iter_init(&pi, &oh, &it);
        int prc;
        while ((prc = dnp3_point_iter_next(&pi, &pt)) == 1) {
        }
        CHECK(prc == 0);
    }
    CHECK(rc == 0);
}

static void take_all(state_t *s)
{
    static uint8_t buf[4096];
    for (int i = 0; i < 16; i++) {
        uint16_t dst = 0;
        bool confirmed = true;
        size_t n = dnp3_master_assoc_take_fragment(s->a, s->now, buf, sizeof buf, &dst, &confirmed);
        if (n == 0)
            break;
        CHECK(s->link_up && dst == 10 && !confirmed);
        check_sent(s, buf, n);
        if (buf[1] != DNP3_FC_CONFIRM)
            s->last_seq = buf[0] & DNP3_AC_SEQ_MASK;
    }
}

static void feed(state_t *s, cursor_t *c, uint8_t arg, uint8_t *last, size_t *last_len)
{
    size_t len = next(c);
    if (len > c->n - c->pos)
        len = c->n - c->pos;
    memcpy(last, c->d + c->pos, len);
    c->pos += len;
    if (len >= 1 && (arg & 1))
        last[0] = (uint8_t)((last[0] & 0xF0) | s->last_seq);
    if (len >= 2 && (arg & 6))
        last[1] = (arg & 2) ? DNP3_FC_RESPONSE : DNP3_FC_UNSOLICITED_RESPONSE;
    *last_len = len;
    dnp3_master_assoc_on_fragment(s->a, s->now, 10, 1, last, len);
}

static void command(state_t *s, cursor_t *c, uint8_t arg)
{
    dnp3_command_point_t pts[4];
    size_t n = (size_t)(arg % 4) + 1;
    for (size_t i = 0; i < n; i++) {
        uint8_t sel = next(c);
        memset(&pts[i], 0, sizeof pts[i]);
        pts[i].group = (sel & 7) < 4 ? 12 : 41;
        pts[i].variation = pts[i].group == 12 ? 1 : (uint8_t)((sel & 3) + 1);
        pts[i].index = next(c);
        pts[i].code = next(c);
        pts[i].count = next(c);
        pts[i].on_ms = next(c) * 10u;
        pts[i].value = (double)(int16_t)(next(c) << 8 | sel) / ((sel & 0x80) ? 4.0 : 1.0);
    }
    dnp3_master_assoc_operate((arg & 16) ? s->b : s->a, s->now,
                              (dnp3_command_mode_t)((arg >> 2) % 3), pts, n);
}

static void task(state_t *s, cursor_t *c, uint8_t arg)
{
    dnp3_master_assoc_t *a = s->a;
    uint8_t p = next(c), q = next(c);
    switch (arg % 12) {
    case 0:
        dnp3_master_assoc_integrity_poll(a, s->now);
        break;
    case 1:
        dnp3_master_assoc_class_poll(a, s->now, p & 0x0F);
        break;
    case 2:
        dnp3_master_assoc_range_scan(a, s->now, p, q, next(c), next(c));
        break;
    case 3:
        dnp3_master_assoc_unsolicited(a, s->now, p & 1, q & 7);
        break;
    case 4:
        dnp3_master_assoc_time_sync(a, s->now, (dnp3_time_sync_mode_t)(p % 3));
        break;
    case 5:
        dnp3_master_assoc_restart(a, s->now, p & 1);
        break;
    case 6:
        dnp3_master_assoc_freeze(a, s->now, p % 12, q & 1, next(c), next(c));
        break;
    case 7:
        dnp3_master_assoc_assign_class(a, s->now, p % 5, q, next(c), p & 0x80, next(c), next(c));
        break;
    case 8: {
        dnp3_deadband_t d[2] = {{p, q}, {next(c), (double)next32(c) / 3.0}};
        dnp3_master_assoc_write_deadbands(a, s->now, (uint8_t)(p % 4), d, (size_t)(q % 2) + 1);
        break;
    }
    case 9:
        dnp3_master_assoc_read_attributes(a, s->now, p, q);
        break;
    case 10: {
        size_t len = q % 32;
        if (len > c->n - c->pos)
            len = c->n - c->pos;
        dnp3_master_assoc_request(a, s->now, p, c->d + c->pos, len, p & 1);
        c->pos += len;
        break;
    }
    default:
        dnp3_master_assoc_set_utc(a, s->now, 1700000000000ull + next32(c));
        break;
    }
}

static void config(dnp3_master_config_t *cfg, uint8_t b, dnp3_master_range_scan_t *range)
{
    dnp3_master_config_default(cfg);
    cfg->max_tx_fragment = 512;
    cfg->max_queued_tasks = 8;
    if (b & 1)
        cfg->unsolicited_classes = DNP3_MASTER_CLASS_1 | DNP3_MASTER_CLASS_3;
    cfg->time_sync_on_need_time = (dnp3_time_sync_mode_t)((b >> 1) & 3) == 3
                                      ? DNP3_TIME_SYNC_NONE
                                      : (dnp3_time_sync_mode_t)((b >> 1) & 3);
    if (b & 8)
        cfg->comm_lost_mode = DNP3_COMM_LOST_STALE;
    if (b & 16)
        cfg->comm_lost_max_points = 4;
    if (b & 32) {
        cfg->integrity_period_ms = 3000;
        cfg->class_period_ms[0] = 500;
        cfg->class_period_ms[2] = 750;
    }
    if (b & 64) {
        cfg->range_scans = range;
        cfg->n_range_scans = 1;
    }
    if (b & 128) {
        cfg->decode = DNP3_APP_DECODE_OBJECT_VALUES;
        cfg->log_level = DNP3_LOG_DEBUG;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    cursor_t c = {data, size, 1};
    static state_t s;
    memset(&s, 0, sizeof s);
    dnp3_master_range_scan_t range = {30, 0, 0, 9, 1000};
    dnp3_master_config_t cfg;
    config(&cfg, data[0], &range);
    s.max_tx = cfg.max_tx_fragment;
    s.max_points = cfg.comm_lost_max_points;
    dnp3_master_callbacks_t cb = {0};
    cb.on_measurement = on_measurement;
    cb.on_fragment_begin = on_fragment_begin;
    cb.on_command_done = on_command_done;
    cb.on_task_done = on_task_done;
    cb.on_state = on_state;
    cb.on_log = on_log;
    cb.utc_now = (data[0] & 4) ? NULL : utc_now;
    dnp3_master_pool_config_t pc;
    dnp3_master_pool_config_default(&pc);
    pc.max_tasks = 10;
    pc.max_bytes = 1024;
    pc.max_tx_fragment = cfg.max_tx_fragment;
    dnp3_master_pool_t *pool = NULL;
    CHECK(dnp3_master_pool_new(&pc, &pool) == 0);
    cfg.pool = pool;
    CHECK(dnp3_master_assoc_new(&cfg, &cb, &s, &s.a) == 0);
    dnp3_master_config_t bcfg;
    dnp3_master_config_default(&bcfg);
    bcfg.outstation_address = 11;
    bcfg.max_tx_fragment = cfg.max_tx_fragment;
    bcfg.pool = pool;
    CHECK(dnp3_master_assoc_new(&bcfg, NULL, NULL, &s.b) == 0);
    s.now = 1;
    static uint8_t last[256];
    size_t last_len = 0;
    while (c.pos < c.n) {
        uint8_t b = next(&c), op = b & 7, arg = b >> 3;
        switch (op) {
        case 0:
            feed(&s, &c, arg, last, &last_len);
            break;
        case 1:
            s.now += (uint64_t)arg * 250;
            dnp3_master_assoc_on_timer(s.a, s.now);
            break;
        case 2:
            take_all(&s);
            break;
        case 3:
            dnp3_master_assoc_on_link_event(s.a, s.now, (dnp3_link_state_event_t)(arg % 4));
            if (arg % 4 == DNP3_LINK_UP)
                s.link_up = true;
            else if (arg % 4 == DNP3_LINK_DOWN)
                s.link_up = false;
            break;
        case 4:
            command(&s, &c, arg);
            break;
        case 5:
            task(&s, &c, arg);
            break;
        case 6:
            if (arg & 2) {
                s.b_up = !s.b_up;
                dnp3_master_assoc_on_link_event(s.b, s.now, s.b_up ? DNP3_LINK_UP : DNP3_LINK_DOWN);
            } else if (arg & 1)
                dnp3_master_assoc_on_connect_failed(s.a, s.now, DNP3_E_CONN_TIMEOUT);
            else
                dnp3_master_assoc_on_connecting(s.a, s.now);
            break;
        default:
            dnp3_master_assoc_on_fragment(s.a, s.now, 10, 1, last, last_len);
            break;
        }
        CHECK(s.link_up || !dnp3_master_assoc_want_send(s.a));
        /* want_send's early-exit check agrees with the full schedule walk */
        for (dnp3_timestamp_t d = 0; d <= 1000; d += 500) {
            bool ready;
            (void)dnp3i_schedule_deadline(s.a, s.now + d, &ready);
            CHECK(ready == dnp3i_schedule_ready(s.a, s.now + d));
        }
        dnp3_timestamp_t dl = dnp3_master_assoc_next_deadline(s.a);
        CHECK(s.link_up || dl == DNP3_TIMESTAMP_NEVER);
    }
    take_all(&s);
    dnp3_master_assoc_free(s.b);
    dnp3_master_assoc_free(s.a);
    dnp3_master_pool_usage_t u;
    CHECK(dnp3_master_pool_usage(pool, &u) == 0 && u.tasks == 0 && u.bytes == 0 &&
          u.associations == 0);
    dnp3_master_pool_free(pool);
    return 0;
}
