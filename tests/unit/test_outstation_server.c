/* The outstation server's own rules (src/runtime/outstation_server*.c):
 * what it accepts as stations and associations, and the cross-thread update
 * queue (copied, applied on the loop as one batch each, a bad batch
 * rejected whole). Connections are exercised end to end by
 * tests/e2e/test_outstation_*.py. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dnp3/outstation_server.h"

typedef struct fixture {
    dnp3_runtime_t *rt;
    dnp3_outstation_server_t *srv;
    dnp3_db_t *db, *db2;
} fixture_t;

static dnp3_db_t *make_db(uint32_t analogs)
{
    dnp3_db_config_t dc;
    dnp3_db_config_default(&dc);
    dc.count[DNP3_PT_ANALOG] = analogs;
    dc.count[DNP3_PT_BINARY] = analogs;
    dnp3_db_t *db = NULL;
    assert_int_equal(dnp3_db_new(&dc, &db), 0);
    return db;
}

static int setup_queue(void **state, size_t queue)
{
    static fixture_t f;
    memset(&f, 0, sizeof f);
    dnp3_runtime_config_t rc;
    dnp3_runtime_config_default(&rc);
    rc.logger.level = DNP3_LOG_ERROR;
    f.rt = dnp3_runtime_new(&rc, NULL, 0);
    assert_non_null(f.rt);
    dnp3_outstation_server_config_t sc;
    dnp3_outstation_server_config_default(&sc);
    sc.update_queue_size = queue;
    int err = 1;
    f.srv = dnp3_outstation_server_new(f.rt, &sc, &err);
    assert_non_null(f.srv);
    assert_int_equal(err, 0);
    f.db = make_db(4);
    f.db2 = make_db(4);
    *state = &f;
    return 0;
}

static int setup(void **state)
{
    return setup_queue(state, 4);
}

static int teardown(void **state)
{
    fixture_t *f = *state;
    dnp3_runtime_free(f->rt); /* first: it runs what is still posted (drains) */
    dnp3_outstation_server_free(f->srv);
    dnp3_db_free(f->db);
    dnp3_db_free(f->db2);
    return 0;
}

static void defaults(void **state)
{
    (void)state;
    dnp3_outstation_server_config_t sc;
    dnp3_outstation_server_config_default(&sc);
    assert_true(sc.replace_connections);
    assert_int_equal(sc.max_associations_per_connection, 4);
    assert_int_equal(sc.update_queue_size, 4096);
    assert_int_equal(sc.link.keepalive_ms, 60000);
    dnp3_outstation_association_config_t ac;
    dnp3_outstation_association_config_default(&ac);
    assert_int_equal(ac.session.local_address, 10);
    assert_int_equal(ac.session.master_address, 1);
    assert_int_equal(ac.allow_count, 0);
}

static void bad_server_config(void **state)
{
    fixture_t *f = *state;
    dnp3_outstation_server_config_t sc;
    dnp3_outstation_server_config_default(&sc);
    sc.update_queue_size = 0;
    int err = 0;
    assert_null(dnp3_outstation_server_new(f->rt, &sc, &err));
    assert_int_equal(err, DNP3_E_INVALID_ARG);
    dnp3_outstation_server_config_default(&sc);
    sc.max_associations_per_connection = DNP3_MUX_MAX_SESSIONS + 1;
    assert_null(dnp3_outstation_server_new(f->rt, &sc, &err));
    assert_null(dnp3_outstation_server_new(NULL, &sc, &err));
}

static void stations(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(dnp3_outstation_server_add_station(f->srv, 0xFFF0, f->db), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_outstation_server_add_station(f->srv, 10, NULL), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_outstation_server_add_station(f->srv, 10, f->db), 0);
    assert_int_equal(dnp3_outstation_server_add_station(f->srv, 10, f->db2), DNP3_E_STATE);
    assert_int_equal(dnp3_outstation_server_add_station(f->srv, 11, f->db), DNP3_E_STATE);
    assert_int_equal(dnp3_outstation_server_add_station(f->srv, 11, f->db2), 0);
}

static void too_many_stations(void **state)
{
    fixture_t *f = *state;
    dnp3_db_t *dbs[DNP3_OUTSTATION_SERVER_MAX_STATIONS + 1];
    for (size_t i = 0; i <= DNP3_OUTSTATION_SERVER_MAX_STATIONS; i++) {
        dbs[i] = make_db(1);
        int rc = dnp3_outstation_server_add_station(f->srv, (uint16_t)(100 + i), dbs[i]);
        assert_int_equal(rc, i < DNP3_OUTSTATION_SERVER_MAX_STATIONS ? 0 : DNP3_E_NOSPACE);
    }
    dnp3_runtime_free(f->rt); /* before the databases the server refers to */
    f->rt = NULL;
    dnp3_outstation_server_free(f->srv);
    f->srv = NULL;
    for (size_t i = 0; i <= DNP3_OUTSTATION_SERVER_MAX_STATIONS; i++)
        dnp3_db_free(dbs[i]);
}

static void associations(void **state)
{
    fixture_t *f = *state;
    dnp3_outstation_association_config_t ac;
    dnp3_outstation_association_config_default(&ac);
    assert_int_equal(dnp3_outstation_server_add_association(f->srv, &ac, NULL),
                     DNP3_E_INVALID_ARG); /* no station 10 yet */
    assert_int_equal(dnp3_outstation_server_add_station(f->srv, 10, f->db), 0);
    const char *bad[] = {"10.0.0.0/8", "10.0.0.0/33"};
    ac.allow = bad;
    ac.allow_count = 2;
    assert_int_equal(dnp3_outstation_server_add_association(f->srv, &ac, NULL), DNP3_E_ADDRESS);
    ac.allow_count = DNP3_OUTSTATION_ALLOW_MAX + 1;
    assert_int_equal(dnp3_outstation_server_add_association(f->srv, &ac, NULL), DNP3_E_INVALID_ARG);
    const char *good[] = {"127.0.0.0/8", "::1"};
    ac.allow = good;
    ac.allow_count = 2;
    dnp3_outstation_t *o = NULL;
    assert_int_equal(dnp3_outstation_server_add_association(f->srv, &ac, &o), 0);
    assert_non_null(o);
    assert_int_equal(dnp3_outstation_server_add_association(f->srv, &ac, NULL), DNP3_E_STATE);
    ac.session.master_address = 2;
    assert_int_equal(dnp3_outstation_server_add_association(f->srv, &ac, NULL), 0);

    assert_int_equal(dnp3_outstation_server_association_count(f->srv), 2);
    uint16_t local = 0, master = 0;
    bool connected = true;
    assert_ptr_equal(dnp3_outstation_server_association(f->srv, 0, &local, &master, &connected), o);
    assert_int_equal(local, 10);
    assert_int_equal(master, 1);
    assert_false(connected);
    assert_non_null(dnp3_outstation_server_association(f->srv, 1, NULL, &master, NULL));
    assert_int_equal(master, 2);
    assert_null(dnp3_outstation_server_association(f->srv, 2, NULL, NULL, NULL));
}

/* ---- updates ----------------------------------------------------------------- */

static dnp3_point_update_t analog(uint32_t index, double v)
{
    dnp3_point_update_t u;
    memset(&u, 0, sizeof u);
    u.type = DNP3_PT_ANALOG;
    u.index = index;
    u.flags = DNP3_FLAG_ONLINE;
    u.time = 1000;
    u.value.analog = v;
    return u;
}

static void update_errors(void **state)
{
    fixture_t *f = *state;
    dnp3_point_update_t u[5] = {analog(0, 1), analog(1, 1), analog(2, 1), analog(3, 1),
                                analog(0, 2)};
    assert_int_equal(dnp3_outstation_server_update(f->srv, f->db, u, 1), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_outstation_server_add_station(f->srv, 10, f->db), 0);
    assert_int_equal(dnp3_outstation_server_update(f->srv, f->db2, u, 1), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_outstation_server_update(f->srv, f->db, u, 0), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_outstation_server_update(f->srv, f->db, u, 5), DNP3_E_QUEUE_FULL);
    assert_int_equal(dnp3_outstation_server_update(f->srv, f->db, u, 3), 0);
    assert_int_equal(dnp3_outstation_server_update(f->srv, f->db, u, 2), DNP3_E_QUEUE_FULL);
    assert_int_equal(dnp3_outstation_server_update(f->srv, f->db, u, 1), 0);
}

typedef struct check {
    fixture_t *f;
    double analog0, analog1;
    uint8_t flags2;
    dnp3_outstation_server_counters_t counters;
} check_t;

static void read_and_stop(void *arg)
{
    check_t *c = arg;
    dnp3_db_point_t p;
    assert_int_equal(dnp3_db_read(c->f->db, DNP3_PT_ANALOG, 0, &p), 0);
    c->analog0 = p.value.analog;
    assert_int_equal(dnp3_db_read(c->f->db, DNP3_PT_ANALOG, 1, &p), 0);
    c->analog1 = p.value.analog;
    assert_int_equal(dnp3_db_read(c->f->db, DNP3_PT_ANALOG, 2, &p), 0);
    c->flags2 = p.flags;
    assert_int_equal(dnp3_outstation_server_counters(c->f->srv, &c->counters), 0);
    dnp3_runtime_stop(c->f->rt);
}

static void updates_applied_in_batches_on_the_loop(void **state)
{
    fixture_t *f = *state;
    assert_int_equal(dnp3_outstation_server_add_station(f->srv, 10, f->db), 0);
    dnp3_point_update_t ok[2] = {analog(0, 5.5), analog(1, 6.5)};
    dnp3_point_update_t bad[2] = {analog(2, 7.5), analog(99, 1.0)}; /* index 99: no such point */
    assert_int_equal(dnp3_outstation_server_update(f->srv, f->db, ok, 2), 0);
    assert_int_equal(dnp3_outstation_server_update(f->srv, f->db, bad, 2), 0);
    /* Nothing is applied before the loop runs: the updates were copied. */
    dnp3_db_point_t p;
    assert_int_equal(dnp3_db_read(f->db, DNP3_PT_ANALOG, 0, &p), 0);
    assert_true(p.value.analog == 0.0);
    check_t c = {.f = f};
    assert_int_equal(dnp3_runtime_post(f->rt, read_and_stop, &c), 0);
    assert_int_equal(dnp3_runtime_run(f->rt), 0);
    assert_true(c.analog0 == 5.5);
    assert_true(c.analog1 == 6.5);
    assert_int_equal(c.flags2 & DNP3_FLAG_ONLINE, 0); /* the bad batch left nothing behind */
    assert_int_equal(c.counters.update_batches, 1);
    assert_int_equal(c.counters.updates, 2);
    assert_int_equal(c.counters.updates_rejected, 1);
    dnp3_db_counters_t dc;
    assert_int_equal(dnp3_db_counters(f->db, &dc), 0);
    assert_int_equal(dc.batches, 1);
    assert_int_equal(dc.aborted, 1);
}

static void listen_needs_a_station_and_reports_the_port(void **state)
{
    fixture_t *f = *state;
    dnp3_tcp_server_config_t tc;
    dnp3_tcp_server_config_default(&tc);
    tc.address = "127.0.0.1";
    tc.port = 0;
    assert_int_equal(dnp3_outstation_server_listen(f->srv, &tc, NULL), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_outstation_server_add_station(f->srv, 10, f->db), 0);
    dnp3_listener_t *l = NULL;
    assert_int_equal(dnp3_outstation_server_listen(f->srv, &tc, &l), 0);
    dnp3_endpoint_t ep;
    assert_int_equal(dnp3_listener_endpoint(l, &ep), 0);
    assert_int_equal(ep.family, 4);
    assert_true(ep.port != 0);
    /* Stations cannot be added once listening started? They can until a
     * connection is open: nothing is open here. */
    assert_int_equal(dnp3_outstation_server_add_station(f->srv, 11, f->db2), 0);
    dnp3_runtime_stop(f->rt);
    assert_int_equal(dnp3_runtime_run(f->rt), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),
        cmocka_unit_test_setup_teardown(bad_server_config, setup, teardown),
        cmocka_unit_test_setup_teardown(stations, setup, teardown),
        cmocka_unit_test_setup_teardown(too_many_stations, setup, teardown),
        cmocka_unit_test_setup_teardown(associations, setup, teardown),
        cmocka_unit_test_setup_teardown(update_errors, setup, teardown),
        cmocka_unit_test_setup_teardown(updates_applied_in_batches_on_the_loop, setup, teardown),
        cmocka_unit_test_setup_teardown(listen_needs_a_station_and_reports_the_port, setup,
                                        teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
