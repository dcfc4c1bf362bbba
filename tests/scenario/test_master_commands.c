/* Commands: SELECT/OPERATE, DIRECT_OPERATE, DIRECT_OPERATE_NR for CROB
 * (g12v1) and analog outputs (g41v1-v4), several points per request; the
 * echo check, per-point statuses, IIN2 errors, the select timeout, and no
 * automatic retry after a timeout. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <cmocka.h>

#include "master_harness.h"

static mh_t h;

static int teardown(void **state)
{
    (void)state;
    mh_close(&h);
    return 0;
}

/* LATCH_ON, count 1, on 100 ms, off 200 ms, index 3 */
static const dnp3_command_point_t latch3 = {
    .group = 12, .variation = 1, .index = 3, .code = 0x03, .count = 1, .on_ms = 100, .off_ms = 200};
#define CROB3      "0C 01 17 01 03 03 01 64 00 00 00 C8 00 00 00"
#define CROB3_OK   CROB3 " 00"
#define CROB3_BAD  CROB3 " 04"
#define CROB3_LONG "0C 01 17 01 03 03 01 65 00 00 00 C8 00 00 00 00"

static int operate(dnp3_command_mode_t mode, const dnp3_command_point_t *p, size_t n)
{
    return dnp3_master_assoc_operate(h.a, h.now, mode, p, n);
}

static void select_then_operate(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(operate(DNP3_COMMAND_SELECT_OPERATE, &latch3, 1), 1);
    mh_expect_tx(&h, "C2 03 " CROB3_OK);
    mh_rx(&h, "C2 81 00 00 " CROB3_OK);
    mh_expect_events(&h, "");
    mh_expect_tx(&h, "C3 04 " CROB3_OK); /* the same objects, byte for byte */
    mh_rx(&h, "C3 81 00 00 " CROB3_OK);
    mh_expect_events(&h, "command 1 SUCCESS [SUCCESS]\n");
    mh_expect_no_tx(&h);
}

static void select_mismatch_no_operate(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(operate(DNP3_COMMAND_SELECT_OPERATE, &latch3, 1), 1);
    mh_expect_tx(&h, "C2 03 " CROB3_OK);
    mh_rx(&h, "C2 81 00 00 " CROB3_LONG); /* on time 101 ms echoed */
    mh_expect_events(&h, "command 1 SELECT_MISMATCH\n");
    mh_expect_no_tx(&h);
}

/* The echo must repeat the object headers too (index 4 for 3), and no
 * object may follow the request's. */
static void select_echo_other_index_or_longer(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(operate(DNP3_COMMAND_SELECT_OPERATE, &latch3, 1), 1);
    mh_expect_tx(&h, "C2 03 " CROB3_OK);
    mh_rx(&h, "C2 81 00 00 0C 01 17 01 04 03 01 64 00 00 00 C8 00 00 00 00");
    mh_expect_events(&h, "command 1 SELECT_MISMATCH\n");
    assert_int_equal(operate(DNP3_COMMAND_SELECT_OPERATE, &latch3, 1), 2);
    mh_expect_tx(&h, "C3 03 " CROB3_OK);
    mh_rx(&h, "C3 81 00 00 " CROB3_OK " 0C 01 17 01 04 03 01 64 00 00 00 C8 00 00 00 00");
    mh_expect_events(&h, "command 2 SELECT_MISMATCH\n");
    mh_expect_no_tx(&h);
}

static void select_refused(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(operate(DNP3_COMMAND_SELECT_OPERATE, &latch3, 1), 1);
    mh_expect_tx(&h, "C2 03 " CROB3_OK);
    mh_rx(&h, "C2 81 00 00 " CROB3_BAD);
    mh_expect_events(&h, "command 1 REFUSED [NOT_SUPPORTED]\n");
    mh_expect_no_tx(&h);
}

static void short_select_timeout(dnp3_master_config_t *cfg)
{
    cfg->select_timeout_ms = 2000;
}

/* A SELECT answered after the outstation's select timeout: operating now
 * would be refused (NO_SELECT) at best. */
static void select_answered_too_late(void **state)
{
    (void)state;
    mh_open(&h, short_select_timeout);
    mh_startup(&h);
    assert_int_equal(operate(DNP3_COMMAND_SELECT_OPERATE, &latch3, 1), 1);
    mh_expect_tx(&h, "C2 03 " CROB3_OK);
    mh_advance(&h, 2001);
    mh_rx(&h, "C2 81 00 00 " CROB3_OK);
    mh_expect_events(&h, "command 1 TIMEOUT\n");
    mh_expect_no_tx(&h);
}

static void operate_echo_mismatch(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(operate(DNP3_COMMAND_SELECT_OPERATE, &latch3, 1), 1);
    mh_expect_tx(&h, "C2 03 " CROB3_OK);
    mh_rx(&h, "C2 81 00 00 " CROB3_OK);
    mh_expect_tx(&h, "C3 04 " CROB3_OK);
    mh_rx(&h, "C3 81 00 00");
    mh_expect_events(&h, "command 1 RESPONSE_ERROR\n");
}

/* A control is never retried after a timeout: the outstation may have
 * carried it out and lost only the answer. */
static void timeout_not_retried(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(operate(DNP3_COMMAND_DIRECT, &latch3, 1), 1);
    mh_expect_tx(&h, "C2 05 " CROB3_OK);
    mh_advance(&h, 4999);
    mh_expect_events(&h, "");
    mh_advance(&h, 1);
    mh_expect_events(&h, "state failed response_timeout\ncommand 1 TIMEOUT\n");
    mh_expect_no_tx(&h);
    mh_advance(&h, 120000);
    mh_expect_no_tx(&h);
    mh_expect_events(&h, "");
}

static void direct_no_ack_reports_sent(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(operate(DNP3_COMMAND_DIRECT_NO_ACK, &latch3, 1), 1);
    mh_expect_tx(&h, "C2 06 " CROB3_OK);
    mh_expect_events(&h, "command 1 SENT\n");
    mh_expect_no_tx(&h);
}

/* CROBs whose index (or count) is above 255 take 2-byte counts and index
 * prefixes (qualifier 0x28), above 65,535 4-byte ones (0x39). */
static void crob_index_widths(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    const dnp3_command_point_t two[] = {
        {.group = 12, .variation = 1, .index = 300, .code = 0x41, .count = 1, .on_ms = 1000},
        {.group = 12, .variation = 1, .index = 5, .code = 0x81, .count = 2, .off_ms = 500},
    };
    assert_int_equal(operate(DNP3_COMMAND_DIRECT_NO_ACK, two, 2), 1);
    mh_expect_tx(&h, "C2 06 0C 01 28 02 00"
                     " 2C 01 41 01 E8 03 00 00 00 00 00 00 00"
                     " 05 00 81 02 00 00 00 00 F4 01 00 00 00");
    mh_expect_events(&h, "command 1 SENT\n");
    dnp3_command_point_t far = latch3;
    far.index = 70000;
    assert_int_equal(operate(DNP3_COMMAND_DIRECT_NO_ACK, &far, 1), 2);
    mh_expect_tx(&h, "C3 06 0C 01 39 01 00 00 00 70 11 01 00 03 01 64 00 00 00 C8 00 00 00 00");
    mh_expect_events(&h, "command 2 SENT\n");
    mh_expect_no_tx(&h);
}

/* Analog outputs of every variation and two CROBs in one DIRECT_OPERATE:
 * one header per run of the same group and variation. */
static void several_points_per_request(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    const dnp3_command_point_t pts[] = {
        {.group = 41, .variation = 1, .index = 0, .value = 100},
        {.group = 41, .variation = 2, .index = 1, .value = -5},
        {.group = 41, .variation = 3, .index = 2, .value = 12.5},
        {.group = 41, .variation = 4, .index = 3, .value = 0.1},
        {.group = 12, .variation = 1, .index = 1, .code = 0x41, .count = 1, .on_ms = 1000},
        {.group = 12, .variation = 1, .index = 2, .code = 0x81, .count = 1, .on_ms = 1000},
    };
#define AO_OBJS                                                                                    \
    "29 01 17 01 00 64 00 00 00 00 "                                                               \
    "29 02 17 01 01 FB FF 00 "                                                                     \
    "29 03 17 01 02 00 00 48 41 00 "                                                               \
    "29 04 17 01 03 9A 99 99 99 99 99 B9 3F 00 "
#define CROBS "0C 01 17 02 01 41 01 E8 03 00 00 00 00 00 00 00 02 81 01 E8 03 00 00 00 00 00 00 "
    assert_int_equal(operate(DNP3_COMMAND_DIRECT, pts, 6), 1);
    mh_expect_tx(&h, "C2 05 " AO_OBJS CROBS "00");
    /* the second CROB refused: LOCAL */
    mh_rx(&h, "C2 81 00 00 " AO_OBJS CROBS "07");
    mh_expect_events(&h, "command 1 REFUSED [SUCCESS,SUCCESS,SUCCESS,SUCCESS,SUCCESS,LOCAL]\n");
}

/* ---- analog output blocks (g41v1-v4): the exact request, its echo ---------- */

/* One g41 point of each variation, the value bytes it takes. */
static const struct {
    uint8_t variation;
    double value;
    const char *value_hex;
} AO[] = {
    {1, 100000, "A0 86 01 00"},
    {2, -1234, "2E FB"},
    {3, 0.5, "00 00 00 3F"},
    {4, -2.25, "00 00 00 00 00 00 02 C0"},
};

/* The object header and object of AO[v] at `index`: 1-byte count and index
 * (0x17) up to 255, 2-byte ones (0x28) above; status `status`. */
static void ao_objects(size_t v, uint32_t index, const char *status, char *out, size_t cap)
{
    if (index <= 0xFF)
        snprintf(out, cap, "29 %02X 17 01 %02X %s %s", AO[v].variation, (unsigned)index,
                 AO[v].value_hex, status);
    else
        snprintf(out, cap, "29 %02X 28 01 00 %02X %02X %s %s", AO[v].variation,
                 (unsigned)(index & 0xFF), (unsigned)(index >> 8), AO[v].value_hex, status);
}

/* Request `seq` (application control C0 | seq) with function fc and the
 * objects, as hex. */
static void request(unsigned seq, uint8_t fc, const char *objs, char *out, size_t cap)
{
    snprintf(out, cap, "%02X %02X %s", 0xC0 | (seq & 0x0F), fc, objs);
}

/* Every variation at index 5 and 258, by DIRECT_OPERATE and by SELECT then
 * OPERATE: the request's bytes exact, the echo accepted. */
static void analog_outputs_every_variation_and_width(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    static const uint32_t indices[] = {5, 258};
    unsigned seq = 2, id = 1;
    char objs[128], echo[128], tx[160], rx[160];
    for (size_t v = 0; v < sizeof AO / sizeof AO[0]; v++) {
        for (size_t k = 0; k < 2; k++) {
            const dnp3_command_point_t p = {.group = 41,
                                            .variation = AO[v].variation,
                                            .index = indices[k],
                                            .value = AO[v].value};
            ao_objects(v, indices[k], "00", objs, sizeof objs);
            ao_objects(v, indices[k], "00", echo, sizeof echo);

            assert_int_equal(operate(DNP3_COMMAND_DIRECT, &p, 1), (int)id);
            request(seq, 0x05, objs, tx, sizeof tx);
            mh_expect_tx(&h, tx);
            snprintf(rx, sizeof rx, "%02X 81 00 00 %s", 0xC0 | (seq++ & 0x0F), echo);
            mh_rx(&h, rx);
            snprintf(rx, sizeof rx, "command %u SUCCESS [SUCCESS]\n", id++);
            mh_expect_events(&h, rx);

            assert_int_equal(operate(DNP3_COMMAND_SELECT_OPERATE, &p, 1), (int)id);
            request(seq, 0x03, objs, tx, sizeof tx);
            mh_expect_tx(&h, tx);
            snprintf(rx, sizeof rx, "%02X 81 00 00 %s", 0xC0 | (seq++ & 0x0F), echo);
            mh_rx(&h, rx);
            mh_expect_events(&h, "");
            request(seq, 0x04, objs, tx, sizeof tx); /* the same objects */
            mh_expect_tx(&h, tx);
            snprintf(rx, sizeof rx, "%02X 81 00 00 %s", 0xC0 | (seq++ & 0x0F), echo);
            mh_rx(&h, rx);
            snprintf(rx, sizeof rx, "command %u SUCCESS [SUCCESS]\n", id++);
            mh_expect_events(&h, rx);
        }
    }
    mh_expect_no_tx(&h);
}

/* An analog SELECT echoed with another value is a mismatch; one echoed with
 * a status is refused with it. */
static void analog_output_echo_checked(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    const dnp3_command_point_t half = {.group = 41, .variation = 3, .index = 2, .value = 0.5};
    assert_int_equal(operate(DNP3_COMMAND_SELECT_OPERATE, &half, 1), 1);
    mh_expect_tx(&h, "C2 03 29 03 17 01 02 00 00 00 3F 00");
    mh_rx(&h, "C2 81 00 00 29 03 17 01 02 00 00 80 3F 00"); /* 1.0 */
    mh_expect_events(&h, "command 1 SELECT_MISMATCH\n");
    assert_int_equal(operate(DNP3_COMMAND_SELECT_OPERATE, &half, 1), 2);
    mh_expect_tx(&h, "C3 03 29 03 17 01 02 00 00 00 3F 00");
    mh_rx(&h, "C3 81 00 00 29 03 17 01 02 00 00 00 3F 04");
    mh_expect_events(&h, "command 2 REFUSED [NOT_SUPPORTED]\n");
    mh_expect_no_tx(&h);
}

/* Runs of 2-byte indices between a 1-byte CROB run: each run its own
 * header and qualifier; one status per point, in order. */
static void mixed_runs_and_widths(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    const dnp3_command_point_t pts[] = {
        {.group = 41, .variation = 2, .index = 300, .value = -1234},
        {.group = 41, .variation = 2, .index = 2, .value = 7},
        {.group = 12, .variation = 1, .index = 7, .code = 0x03, .count = 1, .on_ms = 100},
        {.group = 41, .variation = 4, .index = 1000, .value = -2.25},
    };
#define MIXED                                                                                      \
    "29 02 28 02 00 2C 01 2E FB 00 02 00 07 00 00 "                                                \
    "0C 01 17 01 07 03 01 64 00 00 00 00 00 00 00 00 "                                             \
    "29 04 28 01 00 E8 03 00 00 00 00 00 00 02 C0"
    assert_int_equal(operate(DNP3_COMMAND_SELECT_OPERATE, pts, 4), 1);
    mh_expect_tx(&h, "C2 03 " MIXED " 00");
    mh_rx(&h, "C2 81 00 00 " MIXED " 00");
    mh_expect_tx(&h, "C3 04 " MIXED " 00");
    mh_rx(&h, "C3 81 00 00 " MIXED " 06"); /* the last: HARDWARE_ERROR */
    mh_expect_events(&h, "command 1 REFUSED [SUCCESS,SUCCESS,SUCCESS,HARDWARE_ERROR]\n");
    mh_expect_no_tx(&h);
}

static void smallest_fragment(dnp3_master_config_t *cfg)
{
    cfg->max_tx_fragment = 249;
}

/* A command whose objects do not fit max_tx_fragment is refused whole with
 * DNP3_E_NOSPACE, nothing queued; one byte less of objects fits. 22 g41v4
 * points at 2-byte indices: 5 + 22 * 11 = 247 bytes after the 2-byte
 * application header; 23 points take 258. */
static void command_beyond_fragment_refused(void **state)
{
    (void)state;
    mh_open(&h, smallest_fragment);
    mh_startup(&h);
    dnp3_command_point_t pts[23];
    for (uint32_t i = 0; i < 23; i++)
        pts[i] = (dnp3_command_point_t){.group = 41, .variation = 4, .index = 256 + i};
    assert_int_equal(operate(DNP3_COMMAND_DIRECT, pts, 23), DNP3_E_NOSPACE);
    mh_expect_no_tx(&h);
    mh_expect_events(&h, "");
    assert_int_equal(operate(DNP3_COMMAND_DIRECT_NO_ACK, pts, 22), 1);
    char tx[1024];
    size_t at = (size_t)snprintf(tx, sizeof tx, "C2 06 29 04 28 16 00");
    for (unsigned i = 0; i < 22; i++) /* index 256 + i, value 0.0, status 0 */
        at += (size_t)snprintf(tx + at, sizeof tx - at, " %02X 01 00 00 00 00 00 00 00 00 00", i);
    mh_expect_tx(&h, tx);
    mh_expect_events(&h, "command 1 SENT\n");
}

static void iin2_error(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(operate(DNP3_COMMAND_DIRECT, &latch3, 1), 1);
    mh_expect_tx(&h, "C2 05 " CROB3_OK);
    mh_rx(&h, "C2 81 00 02"); /* OBJECT_UNKNOWN */
    mh_expect_events(&h, "iin 0000 -> 0002\ncommand 1 IIN2_ERROR\n");
}

static void commands_ahead_of_polls(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    mh_startup(&h);
    assert_int_equal(dnp3_master_assoc_integrity_poll(h.a, h.now), 1);
    assert_int_equal(dnp3_master_assoc_range_scan(h.a, h.now, 30, 0, 0, 9), 2);
    assert_int_equal(operate(DNP3_COMMAND_DIRECT, &latch3, 1), 3);
    mh_expect_tx(&h, "C2 05 " CROB3_OK);
    mh_rx(&h, "C2 81 00 00 " CROB3_OK);
    mh_expect_tx(&h, "C3 01 3C 02 06 3C 03 06 3C 04 06 3C 01 06");
    mh_rx(&h, "C3 81 00 00");
    mh_expect_tx(&h, "C4 01 1E 00 00 00 09");
    mh_rx(&h, "C4 81 00 00");
    mh_expect_events(&h, "command 3 SUCCESS [SUCCESS]\n"
                         "task integrity 1 SUCCESS\n"
                         "task range_scan 2 SUCCESS\n");
}

static void bad_commands_refused_at_once(void **state)
{
    (void)state;
    mh_open(&h, NULL);
    dnp3_command_point_t p = {.group = 41, .variation = 2, .value = 40000};
    assert_int_equal(operate(DNP3_COMMAND_DIRECT, &p, 1), DNP3_E_APP_VALUE);
    p.variation = 1;
    p.value = 1.5;
    assert_int_equal(operate(DNP3_COMMAND_DIRECT, &p, 1), DNP3_E_APP_VALUE);
    p.variation = 3;
    p.value = 1e300;
    assert_int_equal(operate(DNP3_COMMAND_DIRECT, &p, 1), DNP3_E_APP_VALUE);
    p.group = 13;
    assert_int_equal(operate(DNP3_COMMAND_DIRECT, &p, 1), DNP3_E_INVALID_ARG);
    assert_int_equal(operate(DNP3_COMMAND_DIRECT, &latch3, 0), DNP3_E_INVALID_ARG);
    assert_int_equal(operate((dnp3_command_mode_t)7, &latch3, 1), DNP3_E_INVALID_ARG);
    dnp3_command_point_t many[33];
    for (int i = 0; i < 33; i++)
        many[i] = latch3;
    assert_int_equal(operate(DNP3_COMMAND_DIRECT, many, 33), DNP3_E_INVALID_ARG);
    for (int i = 0; i < 16; i++)
        assert_int_equal(operate(DNP3_COMMAND_DIRECT, &latch3, 1), i + 1);
    assert_int_equal(operate(DNP3_COMMAND_DIRECT, &latch3, 1), DNP3_E_QUEUE_FULL);
    mh_expect_events(&h, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_teardown(select_then_operate, teardown),
        cmocka_unit_test_teardown(select_mismatch_no_operate, teardown),
        cmocka_unit_test_teardown(select_echo_other_index_or_longer, teardown),
        cmocka_unit_test_teardown(select_refused, teardown),
        cmocka_unit_test_teardown(select_answered_too_late, teardown),
        cmocka_unit_test_teardown(operate_echo_mismatch, teardown),
        cmocka_unit_test_teardown(timeout_not_retried, teardown),
        cmocka_unit_test_teardown(direct_no_ack_reports_sent, teardown),
        cmocka_unit_test_teardown(crob_index_widths, teardown),
        cmocka_unit_test_teardown(several_points_per_request, teardown),
        cmocka_unit_test_teardown(analog_outputs_every_variation_and_width, teardown),
        cmocka_unit_test_teardown(analog_output_echo_checked, teardown),
        cmocka_unit_test_teardown(mixed_runs_and_widths, teardown),
        cmocka_unit_test_teardown(command_beyond_fragment_refused, teardown),
        cmocka_unit_test_teardown(iin2_error, teardown),
        cmocka_unit_test_teardown(commands_ahead_of_polls, teardown),
        cmocka_unit_test_teardown(bad_commands_refused_at_once, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
