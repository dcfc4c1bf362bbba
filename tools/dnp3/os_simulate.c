/* os_simulate: moving values for `dnp3 outstation --simulate`, applied
 * through dnp3_outstation_server_update from a thread of its own (the
 * cross-thread path a real application uses), and the effect of controls
 * on the points. */
#include <string.h>
#include <time.h>

#include "os_app.h"

#define SIM_MAX_PER_TYPE 32u /* points moved per type per step */

static dnp3_time_t utc_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (dnp3_time_t)ts.tv_sec * 1000u + (dnp3_time_t)(ts.tv_nsec / 1000000);
}

static uint32_t moved(const osc_station_t *st, dnp3_point_type_t t)
{
    uint32_t n = st->db.count[t];
    return n < SIM_MAX_PER_TYPE ? n : SIM_MAX_PER_TYPE;
}

/* One step's updates for a station: one binary input (of those no
 * control drives) and one double-bit input change state, every counter counts, every analog moves
 * by more than any sane deadband, one octet string changes. */
static size_t step_updates(const osc_station_t *st, uint64_t k, dnp3_point_update_t *u, size_t cap)
{
    size_t n = 0;
    dnp3_time_t now = utc_ms();
    const uint8_t online = DNP3_FLAG_ONLINE;
    /* Binary inputs with a binary output of the same index are the
     * controls' (os_simulate_control); the others toggle. */
    uint32_t nbo = st->db.count[DNP3_PT_BINARY_OUTPUT], nd = st->db.count[DNP3_PT_DOUBLE_BIT];
    uint32_t nb = st->db.count[DNP3_PT_BINARY] > nbo ? st->db.count[DNP3_PT_BINARY] - nbo : 0;
    if (nb && n < cap)
        u[n++] = (dnp3_point_update_t){.type = DNP3_PT_BINARY,
                                       .index = nbo + (uint32_t)(k % nb),
                                       .flags = online,
                                       .time = now,
                                       .value.binary = ((k / nb) % 2) == 0};
    if (nd && n < cap)
        u[n++] = (dnp3_point_update_t){.type = DNP3_PT_DOUBLE_BIT,
                                       .index = (uint32_t)(k % nd),
                                       .flags = online,
                                       .time = now,
                                       .value.double_bit =
                                           ((k / nd) % 2) ? DNP3_DBIT_OFF : DNP3_DBIT_ON};
    for (uint32_t i = 0; i < moved(st, DNP3_PT_COUNTER) && n < cap; i++)
        u[n++] = (dnp3_point_update_t){.type = DNP3_PT_COUNTER,
                                       .index = i,
                                       .flags = online,
                                       .time = now,
                                       .value.counter = (uint32_t)(k * (i + 1))};
    for (uint32_t i = 0; i < moved(st, DNP3_PT_ANALOG) && n < cap; i++)
        u[n++] = (dnp3_point_update_t){.type = DNP3_PT_ANALOG,
                                       .index = i,
                                       .flags = online,
                                       .time = now,
                                       .value.analog = (double)((k + i) % 100) * 10.0 + 0.5};
    uint32_t no = st->db.count[DNP3_PT_OCTET_STRING];
    if (no && n < cap) {
        dnp3_point_update_t o = {.type = DNP3_PT_OCTET_STRING,
                                 .index = (uint32_t)(k % no),
                                 .flags = online,
                                 .time = now};
        int len = snprintf((char *)o.value.octets.data, sizeof o.value.octets.data, "step %llu",
                           (unsigned long long)k);
        o.value.octets.len =
            (uint8_t)(len < st->db.octet_string_size ? len : st->db.octet_string_size);
        u[n++] = o;
    }
    return n;
}

static void sleep_ms(uint32_t ms)
{
    struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
}

static void *sim_main(void *arg)
{
    os_app_t *app = arg;
    static _Thread_local dnp3_point_update_t u[4 * SIM_MAX_PER_TYPE];
    while (!atomic_load(&app->sim_stop)) {
        /* Sleep in slices so a stop is quick. */
        for (uint32_t t = 0; t < app->cfg->simulate_period_ms && !atomic_load(&app->sim_stop);
             t += 50)
            sleep_ms(app->cfg->simulate_period_ms - t < 50 ? app->cfg->simulate_period_ms - t : 50);
        if (atomic_load(&app->sim_stop))
            break;
        app->sim_step++;
        for (size_t s = 0; s < app->cfg->station_count; s++) {
            const osc_station_t *st = &app->cfg->stations[s];
            size_t cap = st->db.batch_capacity < 4 * SIM_MAX_PER_TYPE ? st->db.batch_capacity
                                                                      : 4 * SIM_MAX_PER_TYPE;
            size_t n = step_updates(st, app->sim_step, u, cap);
            if (n)
                (void)dnp3_outstation_server_update(os_app_server(app, s), app->dbs[s], u, n);
        }
    }
    return NULL;
}

int os_simulate_start(os_app_t *app)
{
    atomic_store(&app->sim_stop, false);
    if (pthread_create(&app->sim_thread, NULL, sim_main, app) != 0)
        return -1;
    app->sim_started = true;
    return 0;
}

void os_simulate_stop(os_app_t *app)
{
    if (!app->sim_started)
        return;
    atomic_store(&app->sim_stop, true);
    pthread_join(app->sim_thread, NULL);
    app->sim_started = false;
}

/* CROB control code (Annex A group 12): the state it asks for, or -1. */
static int crob_state(uint8_t code)
{
    unsigned tcc = (code >> 6) & 3u, op = code & 0x0Fu;
    if (tcc == 1)
        return 1; /* CLOSE */
    if (tcc == 2)
        return 0; /* TRIP */
    if (op == 1 || op == 3)
        return 1; /* PULSE_ON, LATCH_ON */
    if (op == 2 || op == 4)
        return 0; /* PULSE_OFF, LATCH_OFF */
    return -1;
}

void os_simulate_control(os_app_t *app, size_t station, const dnp3_control_t *c)
{
    const osc_station_t *st = &app->cfg->stations[station];
    dnp3_point_update_t u[2];
    size_t n = 0;
    dnp3_time_t now = utc_ms();
    if (c->group == 12) {
        int s = crob_state(c->v.crob.code);
        if (s < 0)
            return;
        u[n++] = (dnp3_point_update_t){.type = DNP3_PT_BINARY_OUTPUT,
                                       .index = c->index,
                                       .flags = DNP3_FLAG_ONLINE,
                                       .time = now,
                                       .value.binary = s == 1};
        if (app->cfg->simulate && c->index < st->db.count[DNP3_PT_BINARY])
            u[n++] = (dnp3_point_update_t){.type = DNP3_PT_BINARY,
                                           .index = c->index,
                                           .flags = DNP3_FLAG_ONLINE,
                                           .time = now,
                                           .value.binary = s == 1};
    } else {
        double v = c->variation <= 2 ? (double)c->v.analog_int : c->v.analog_float;
        u[n++] = (dnp3_point_update_t){.type = DNP3_PT_ANALOG_OUTPUT,
                                       .index = c->index,
                                       .flags = DNP3_FLAG_ONLINE,
                                       .time = now,
                                       .value.analog = v};
        if (app->cfg->simulate && c->index < st->db.count[DNP3_PT_ANALOG])
            u[n++] = (dnp3_point_update_t){.type = DNP3_PT_ANALOG,
                                           .index = c->index,
                                           .flags = DNP3_FLAG_ONLINE,
                                           .time = now,
                                           .value.analog = v};
    }
    /* Applied after the response (queued for the loop): the response to
     * the control is built before the points move. */
    (void)dnp3_outstation_server_update(os_app_server(app, station), app->dbs[station], u, n);
}
