/* os_generate: `dnp3 outstation --generate N`, a known event sequence for
 * the no-loss tests (tests/e2e/test_noloss*.py) and for anyone who wants to
 * check a master end to end. Step k (1..N) sets, in one batch of every
 * station, counter 0 to base + k and binary input 0 to (k odd), both with
 * the step's time; the times strictly increase from step to step, so a
 * time names its step. Every step is an event (with the default deadband
 * 0 and event mode `all`), so a master must receive exactly the values
 * base+1 .. base+N, in order, and N binary changes. The updates go through
 * dnp3_outstation_server_update from a thread of its own, as an
 * application's would; a full update queue is waited out, never skipped. */
#include <time.h>

#include "os_app.h"

static dnp3_time_t utc_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (dnp3_time_t)ts.tv_sec * 1000u + (dnp3_time_t)(ts.tv_nsec / 1000000);
}

static uint64_t mono_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000u + (uint64_t)ts.tv_nsec / 1000u;
}

static void sleep_us(uint64_t us)
{
    struct timespec ts = {.tv_sec = (time_t)(us / 1000000u),
                          .tv_nsec = (long)(us % 1000000u) * 1000L};
    nanosleep(&ts, NULL);
}

/* Sleeps until the monotonic time `at` (µs) or a stop, in slices of at
 * most 50 ms. Returns false on a stop. */
static bool wait_until(os_app_t *app, uint64_t at)
{
    for (;;) {
        if (atomic_load(&app->gen_stop))
            return false;
        uint64_t now = mono_us();
        if (now >= at)
            return true;
        sleep_us(at - now < 50000u ? at - now : 50000u);
    }
}

/* Step k's updates for a station: counter 0 and binary input 0 (each when
 * the station has one). */
static size_t step_updates(const os_app_t *app, const osc_station_t *st, uint64_t k, dnp3_time_t t,
                           dnp3_point_update_t *u)
{
    size_t n = 0;
    if (st->db.count[DNP3_PT_COUNTER])
        u[n++] = (dnp3_point_update_t){.type = DNP3_PT_COUNTER,
                                       .index = 0,
                                       .flags = DNP3_FLAG_ONLINE,
                                       .time = t,
                                       .value.counter = (uint32_t)(app->cfg->generate_base + k)};
    if (st->db.count[DNP3_PT_BINARY])
        u[n++] = (dnp3_point_update_t){.type = DNP3_PT_BINARY,
                                       .index = 0,
                                       .flags = DNP3_FLAG_ONLINE,
                                       .time = t,
                                       .value.binary = (k & 1u) != 0};
    return n;
}

/* Queue one batch, waiting while the update queue is full. False when the
 * runtime stopped (or the generator is stopped). */
static bool apply(os_app_t *app, size_t s, const dnp3_point_update_t *u, size_t n)
{
    for (;;) {
        int rc = dnp3_outstation_server_update(os_app_server(app, s), app->dbs[s], u, n);
        if (rc != DNP3_E_QUEUE_FULL)
            return rc >= 0;
        if (atomic_load(&app->gen_stop))
            return false;
        sleep_us(1000);
    }
}

static void log_done(void *arg)
{
    os_app_t *app = arg;
    const osc_config_t *c = app->cfg;
    dnp3_runtime_log(
        app->rt, DNP3_LOG_INFO, "generator: %lu steps done (counter 0 = %lu, binary input 0 = %d)",
        (unsigned long)c->generate_count, (unsigned long)(c->generate_base + c->generate_count),
        (int)(c->generate_count & 1u));
}

static void *gen_main(void *arg)
{
    os_app_t *app = arg;
    const osc_config_t *c = app->cfg;
    dnp3_point_update_t u[2];
    uint64_t start = mono_us() + (uint64_t)c->generate_delay_ms * 1000u;
    if (!wait_until(app, start))
        return NULL;
    dnp3_time_t last = 0;
    for (uint64_t k = 1; k <= c->generate_count; k++) {
        if (k > c->generate_burst && c->generate_rate) {
            uint64_t due = start + (k - c->generate_burst) * 1000000u / c->generate_rate;
            if (!wait_until(app, due))
                return NULL;
        }
        /* Strictly increasing: the time names the step. */
        dnp3_time_t t = utc_ms();
        t = t > last ? t : last + 1;
        last = t;
        for (size_t s = 0; s < c->station_count; s++) {
            size_t n = step_updates(app, &c->stations[s], k, t, u);
            if (n && !apply(app, s, u, n))
                return NULL;
        }
        atomic_store(&app->gen_step, k);
    }
    (void)dnp3_runtime_post(app->rt, log_done, app);
    return NULL;
}

int os_generate_start(os_app_t *app)
{
    atomic_store(&app->gen_stop, false);
    atomic_store(&app->gen_step, 0);
    if (pthread_create(&app->gen_thread, NULL, gen_main, app) != 0)
        return -1;
    app->gen_started = true;
    return 0;
}

void os_generate_stop(os_app_t *app)
{
    if (!app->gen_started)
        return;
    atomic_store(&app->gen_stop, true);
    pthread_join(app->gen_thread, NULL);
    app->gen_started = false;
}

void os_generate_print(os_app_t *app, FILE *f)
{
    const osc_config_t *c = app->cfg;
    if (!c->generate_count)
        return;
    uint64_t k = atomic_load(&app->gen_step);
    fprintf(f, "generator: steps=%lu of %lu counter0=%lu\n", (unsigned long)k,
            (unsigned long)c->generate_count, (unsigned long)(c->generate_base + k));
}
