/* Outstation API: defaults, creation errors, the mux interface, traces. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <string.h>

#include <cmocka.h>

#include "scenario.h"

static void test_defaults(void **state)
{
    (void)state;
    dnp3_outstation_config_t c;
    dnp3_outstation_config_default(&c);
    assert_int_equal(c.local_address, 10);
    assert_int_equal(c.master_address, 1);
    assert_true(c.self_address);
    assert_true(c.broadcast);
    assert_int_equal(c.max_rx_fragment, 2048);
    assert_int_equal(c.max_tx_fragment, 2048);
    assert_int_equal(c.confirm_timeout_ms, 5000);
    assert_int_equal(c.select_timeout_ms, 5000);
    assert_int_equal(c.max_controls_per_request, 16);
    assert_true(c.need_time_at_start);
    assert_true(c.unsolicited);
    assert_int_equal(c.unsolicited_classes_at_start, 0);
    assert_int_equal(c.unsolicited_retries, DNP3_OUTSTATION_RETRIES_UNLIMITED);
    assert_int_equal(c.log_level, DNP3_LOG_INFO);
    assert_int_equal(c.decode, DNP3_APP_DECODE_NOTHING);
}

static void test_new_errors(void **state)
{
    (void)state;
    dnp3_db_config_t dc;
    dnp3_db_t *db;
    dnp3_outstation_t *o = NULL;
    dnp3_outstation_config_t c;
    scn_db_config(&dc);
    assert_int_equal(dnp3_db_new(&dc, &db), 0);
    dnp3_outstation_config_default(&c);
    assert_int_equal(dnp3_outstation_new(NULL, db, NULL, NULL, &o), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_outstation_new(&c, NULL, NULL, NULL, &o), DNP3_E_INVALID_ARG);
    c.max_tx_fragment = 248;
    assert_int_equal(dnp3_outstation_new(&c, db, NULL, NULL, &o), DNP3_E_INVALID_ARG);
    dnp3_outstation_config_default(&c);
    char longname[DNP3_OUTSTATION_ATTR_MAX + 2];
    memset(longname, 'a', sizeof longname - 1);
    longname[sizeof longname - 1] = 0;
    c.device_name = longname;
    assert_int_equal(dnp3_outstation_new(&c, db, NULL, NULL, &o), DNP3_E_INVALID_ARG);
    c.device_name = NULL; /* empty */
    assert_int_equal(dnp3_outstation_new(&c, db, NULL, NULL, &o), 0);
    assert_int_equal(dnp3_outstation_app_session(o, NULL), DNP3_E_INVALID_ARG);
    assert_int_equal(dnp3_outstation_counters(o, NULL), DNP3_E_INVALID_ARG);
    dnp3_outstation_free(o);
    dnp3_outstation_free(NULL);
    dnp3_db_free(db);
}

/* Without callbacks: controls NOT_SUPPORTED, restarts IIN2.0. */
static void test_no_callbacks(void **state)
{
    (void)state;
    dnp3_db_config_t dc;
    dnp3_db_t *db;
    dnp3_outstation_t *o;
    dnp3_outstation_config_t c;
    scn_db_config(&dc);
    assert_int_equal(dnp3_db_new(&dc, &db), 0);
    scn_os_config(&c);
    assert_int_equal(dnp3_outstation_new(&c, db, NULL, NULL, &o), 0);
    const uint8_t req[] = {0xC1, 0x0D};
    dnp3_outstation_on_fragment(o, 0, 1, 10, req, sizeof req);
    uint8_t buf[64];
    uint16_t dst;
    bool cf;
    assert_int_equal(dnp3_outstation_take_fragment(o, 0, buf, sizeof buf, &dst, &cf), 4);
    assert_memory_equal(buf, "\xC1\x81\x90\x01", 4);
    dnp3_outstation_free(o);
    dnp3_db_free(db);
}

/* The mux drives the same core through dnp3_app_session_t. */
static void test_app_session(void **state)
{
    (void)state;
    scn_t t;
    scn_setup(&t, NULL, NULL);
    dnp3_app_session_t s;
    assert_int_equal(dnp3_outstation_app_session(t.o, &s), 0);
    assert_int_equal(s.local, 10);
    assert_int_equal(s.remote, 1);
    const uint8_t req[] = {0xC3, 0x18};
    s.ops->on_fragment(s.s, 0, 1, 10, req, sizeof req);
    assert_true(s.ops->want_send(s.s));
    uint8_t buf[64];
    uint16_t dst = 0;
    bool cf = true;
    assert_int_equal(s.ops->take_fragment(s.s, 0, buf, 3, &dst, &cf), 0); /* too small: kept */
    assert_int_equal(s.ops->take_fragment(s.s, 0, buf, sizeof buf, &dst, &cf), 4);
    assert_memory_equal(buf, "\xC3\x81\x90\x00", 4);
    assert_int_equal(dst, 1);
    assert_false(cf);
    assert_false(s.ops->want_send(s.s));
    assert_int_equal(s.ops->next_deadline(s.s), DNP3_TIMESTAMP_NEVER);
    s.ops->on_timer(s.s, 10);
    s.ops->on_link_event(s.s, 10, DNP3_LINK_DOWN);
    assert_int_equal(counters(&t).link_down, 1);
    assert_int_equal(counters(&t).responses, 1);
    assert_int_equal(counters(&t).requests[DNP3_FC_RECORD_CURRENT_TIME], 1);
    scn_teardown(&t);
}

static void test_trace(void **state)
{
    (void)state;
    scn_t t;
    dnp3_outstation_config_t c;
    scn_os_config(&c);
    c.decode = DNP3_APP_DECODE_HEADER;
    scn_setup(&t, NULL, &c);
    send_hex(&t, "C3 18");
    assert_string_equal(t.last_log,
                        "rx from 1: Application: FIR FIN seq=3 func=24 RECORD_CURRENT_TIME");
    expect_hex(&t, "C3 81 90 00");
    assert_string_equal(t.last_log, "tx to 1: Application: FIR FIN seq=3 func=129 RESPONSE  "
                                    "IIN=0x9000 [NEED_TIME] [DEVICE_RESTART]");
    assert_int_equal(t.logs, 2);
    scn_teardown(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_defaults),     cmocka_unit_test(test_new_errors),
        cmocka_unit_test(test_no_callbacks), cmocka_unit_test(test_app_session),
        cmocka_unit_test(test_trace),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
