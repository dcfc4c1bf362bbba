/* Master association: configuration defaults, what _new refuses, names,
 * the session operations it hands the mux. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dnp3/master.h"

static void defaults(void **state)
{
    (void)state;
    dnp3_master_config_t c;
    memset(&c, 0xAA, sizeof c);
    dnp3_master_config_default(&c);
    assert_int_equal(c.master_address, 1);
    assert_int_equal(c.outstation_address, 10);
    assert_int_equal(c.response_timeout_ms, 5000);
    assert_int_equal(c.task_retry_ms, 5000);
    assert_int_equal(c.task_retry_max_ms, 60000);
    assert_int_equal(c.integrity_period_ms, 0);
    assert_int_equal(c.class_period_ms[0] | c.class_period_ms[1] | c.class_period_ms[2], 0);
    assert_null(c.range_scans);
    assert_true(c.startup_disable_unsolicited && c.startup_integrity_poll && !c.startup_link_reset);
    assert_int_equal(c.unsolicited_classes, 0);
    assert_true(c.clear_restart && c.integrity_on_overflow);
    assert_int_equal(c.event_poll_on_iin, 7);
    assert_int_equal(c.time_sync_on_need_time, DNP3_TIME_SYNC_NONE);
    assert_int_equal(c.comm_lost_mode, DNP3_COMM_LOST_FLAG);
    assert_int_equal(c.decode, DNP3_APP_DECODE_NOTHING);
    dnp3_master_config_default(NULL);
}

static int try_new(void (*tweak)(dnp3_master_config_t *))
{
    dnp3_master_config_t c;
    dnp3_master_config_default(&c);
    tweak(&c);
    dnp3_master_assoc_t *a = (dnp3_master_assoc_t *)&c; /* must be reset to NULL */
    int rc = dnp3_master_assoc_new(&c, NULL, NULL, &a);
    if (rc == 0)
        assert_non_null(a);
    else
        assert_null(a);
    dnp3_master_assoc_free(a);
    return rc;
}

static void same_address(dnp3_master_config_t *c)
{
    c->outstation_address = 1;
}
static void reserved_address(dnp3_master_config_t *c)
{
    c->outstation_address = 0xFFFC;
}
static void tiny_tx(dnp3_master_config_t *c)
{
    c->max_tx_fragment = 248;
}
static void no_timeout(dnp3_master_config_t *c)
{
    c->response_timeout_ms = 0;
}
static void scans_null(dnp3_master_config_t *c)
{
    c->n_range_scans = 1;
}
static void bad_mode(dnp3_master_config_t *c)
{
    c->comm_lost_mode = (dnp3_comm_lost_mode_t)9;
}
static void no_points(dnp3_master_config_t *c)
{
    c->comm_lost_max_points = 0;
}
static const dnp3_master_range_scan_t backwards = {30, 0, 9, 0, 1000};
static void bad_scan(dnp3_master_config_t *c)
{
    c->range_scans = &backwards;
    c->n_range_scans = 1;
}

static void new_refuses(void **state)
{
    (void)state;
    assert_int_equal(try_new(same_address), DNP3_E_INVALID_ARG);
    assert_int_equal(try_new(reserved_address), DNP3_E_INVALID_ARG);
    assert_int_equal(try_new(tiny_tx), DNP3_E_INVALID_ARG);
    assert_int_equal(try_new(no_timeout), DNP3_E_INVALID_ARG);
    assert_int_equal(try_new(scans_null), DNP3_E_INVALID_ARG);
    assert_int_equal(try_new(bad_mode), DNP3_E_INVALID_ARG);
    assert_int_equal(try_new(bad_scan), DNP3_E_INVALID_ARG);
    assert_int_equal(try_new(no_points), 0);
    dnp3_master_assoc_t *a;
    assert_int_equal(dnp3_master_assoc_new(NULL, NULL, NULL, &a), DNP3_E_INVALID_ARG);
    dnp3_master_assoc_free(NULL);
}

static void session_ops(void **state)
{
    (void)state;
    dnp3_master_config_t c;
    dnp3_master_config_default(&c);
    c.master_address = 100;
    c.outstation_address = 1024;
    dnp3_master_assoc_t *a;
    assert_int_equal(dnp3_master_assoc_new(&c, NULL, NULL, &a), 0);
    dnp3_app_session_t s;
    assert_int_equal(dnp3_master_assoc_app_session(a, &s), 0);
    assert_ptr_equal(s.s, a);
    assert_int_equal(s.local, 100);
    assert_int_equal(s.remote, 1024);
    assert_non_null(s.ops->on_fragment);
    assert_non_null(s.ops->take_fragment);
    assert_non_null(s.ops->want_send);
    assert_non_null(s.ops->next_deadline);
    assert_non_null(s.ops->on_timer);
    assert_non_null(s.ops->on_link_event);
    /* through the ops: link up, then DISABLE_UNSOLICITED to 1024 */
    s.ops->on_link_event(s.s, 5, DNP3_LINK_UP);
    assert_true(s.ops->want_send(s.s));
    uint8_t buf[2048];
    uint16_t dst = 0;
    bool confirmed = true;
    /* a buffer below max_tx_fragment: the request waits */
    assert_int_equal(s.ops->take_fragment(s.s, 5, buf, 100, &dst, &confirmed), 0);
    assert_true(s.ops->want_send(s.s));
    assert_int_equal(s.ops->take_fragment(s.s, 5, buf, sizeof buf, &dst, &confirmed), 11);
    assert_int_equal(dst, 1024);
    assert_false(confirmed);
    assert_int_equal(s.ops->next_deadline(s.s), 5005);
    assert_int_equal(dnp3_master_assoc_health(a).state, DNP3_MASTER_CONNECTED);
    assert_int_equal(dnp3_master_assoc_app_session(a, NULL), DNP3_E_INVALID_ARG);
    dnp3_master_counters_t k;
    assert_int_equal(dnp3_master_assoc_counters(a, &k), 0);
    assert_int_equal(k.requests_sent, 1);
    assert_int_equal(dnp3_master_assoc_counters(a, NULL), DNP3_E_INVALID_ARG);
    dnp3_master_assoc_free(a);
}

static void names(void **state)
{
    (void)state;
    assert_string_equal(dnp3_meas_type_name(DNP3_MEAS_BINARY_INPUT), "binary_input");
    assert_string_equal(dnp3_meas_type_name(DNP3_MEAS_ANALOG_OUTPUT_COMMAND_EVENT),
                        "analog_output_command_event");
    assert_string_equal(dnp3_meas_type_name(DNP3_MEAS_OCTET_STRING), "octet_string");
    assert_null(dnp3_meas_type_name(DNP3_MEAS_COUNT_));
    assert_string_equal(dnp3_master_result_name(DNP3_MASTER_SELECT_MISMATCH), "SELECT_MISMATCH");
    assert_string_equal(dnp3_master_result_name(DNP3_MASTER_CANCELLED), "CANCELLED");
    assert_null(dnp3_master_result_name((dnp3_master_result_t)99));
    assert_string_equal(dnp3_task_kind_name(DNP3_TASK_REQUEST), "request");
    assert_null(dnp3_task_kind_name(DNP3_TASK_KIND_COUNT_));
    assert_string_equal(dnp3_master_state_name(DNP3_MASTER_FAILED), "failed");
    assert_string_equal(dnp3_master_reason_name(DNP3_MASTER_REASON_BAD_RESPONSE), "bad_response");
    assert_null(dnp3_master_state_name((dnp3_master_state_t)5));
}

/* Memory per association (issue 10 wants thousands of them): the
 * comm-lost table costs 12 bytes a point (a cell) and nothing else, the
 * default table is 256 cells, and the whole default association stays
 * under 14.5 KB. */
static size_t memory_with(uint32_t comm_lost_points)
{
    dnp3_master_config_t c;
    dnp3_master_config_default(&c);
    c.comm_lost_max_points = comm_lost_points;
    dnp3_master_assoc_t *a = NULL;
    assert_int_equal(dnp3_master_assoc_new(&c, NULL, NULL, &a), 0);
    size_t n = dnp3_master_assoc_memory(a);
    dnp3_master_assoc_free(a);
    return n;
}

static void memory_per_association(void **state)
{
    (void)state;
    dnp3_master_config_t c;
    dnp3_master_config_default(&c);
    assert_int_equal(c.comm_lost_max_points, 256);
    const size_t none = memory_with(0);
    assert_int_equal(memory_with(1) - none, 12);
    assert_int_equal(memory_with(256) - none, 256 * 12);
    assert_int_equal(memory_with(10000) - none, 10000 * 12);
    /* the rest: its own pool (object bytes 4096 + scratch 2048 + 16 task
     * slots) + command statuses + the association itself */
    assert_true(none > 4096 + 2048 && none < 8500);
    assert_true(memory_with(256) < 14500);
    /* without comm-lost reports (the one-shot tools) no table at all */
    c.comm_lost_mode = DNP3_COMM_LOST_NONE;
    dnp3_master_assoc_t *a = NULL;
    assert_int_equal(dnp3_master_assoc_new(&c, NULL, NULL, &a), 0);
    assert_int_equal(dnp3_master_assoc_memory(a), none);
    dnp3_master_assoc_free(a);
    assert_int_equal(dnp3_master_assoc_memory(NULL), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),    cmocka_unit_test(new_refuses),
        cmocka_unit_test(session_ops), cmocka_unit_test(memory_per_association),
        cmocka_unit_test(names),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
