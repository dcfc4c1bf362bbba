/* Application header, function codes, IIN and command status names. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dnp3/app.h"

static void test_request_header(void **state)
{
    (void)state;
    static const uint8_t f[] = {0xC3, 0x01, 0x3C, 0x02, 0x06};
    dnp3_app_header_t h;
    assert_int_equal(dnp3_app_header_read(f, sizeof f, &h), 2);
    assert_int_equal(h.control, 0xC3);
    assert_int_equal(h.control & DNP3_AC_SEQ_MASK, 3);
    assert_true(h.control & DNP3_AC_FIR);
    assert_true(h.control & DNP3_AC_FIN);
    assert_false(h.control & DNP3_AC_CON);
    assert_int_equal(h.func, DNP3_FC_READ);
    assert_false(h.has_iin);
    /* a bare CONFIRM is a complete 2-byte fragment */
    static const uint8_t c[] = {0xD5, 0x00};
    assert_int_equal(dnp3_app_header_read(c, sizeof c, &h), 2);
    assert_true(h.control & DNP3_AC_UNS);
}

static void test_response_header(void **state)
{
    (void)state;
    static const uint8_t f[] = {0xE1, 0x82, 0x90, 0x04};
    dnp3_app_header_t h;
    assert_int_equal(dnp3_app_header_read(f, sizeof f, &h), 4);
    assert_true(h.has_iin);
    assert_int_equal(h.iin,
                     DNP3_IIN_DEVICE_RESTART | DNP3_IIN_NEED_TIME | DNP3_IIN_PARAMETER_ERROR);
    assert_int_equal(h.func, DNP3_FC_UNSOLICITED_RESPONSE);
    static const uint8_t a[] = {0xC0, 0x83, 0x00, 0x00};
    assert_int_equal(dnp3_app_header_read(a, sizeof a, &h), 4);
}

static void test_short_header(void **state)
{
    (void)state;
    static const uint8_t f[] = {0xC0, 0x81, 0x00, 0x00};
    dnp3_app_header_t h;
    for (size_t n = 0; n < 4; n++)
        assert_int_equal(dnp3_app_header_read(f, n, &h), DNP3_E_APP_SHORT);
    assert_int_equal(dnp3_app_header_read(NULL, 4, &h), DNP3_E_INVALID_ARG);
}

/* An undefined function code still parses; its objects are left opaque. */
static void test_unknown_function(void **state)
{
    (void)state;
    static const uint8_t f[] = {0xC0, 0x70, 0x01, 0x02, 0x03};
    dnp3_app_header_t h;
    assert_int_equal(dnp3_app_header_read(f, sizeof f, &h), 2);
    assert_false(dnp3_fc_is_defined(0x70));
    dnp3_obj_iter_t it;
    dnp3_obj_header_t oh;
    dnp3_obj_iter_init(&it, f, sizeof f, &h);
    assert_int_equal(dnp3_obj_iter_next(&it, &oh), 0);
    assert_true(it.opaque);
    assert_int_equal(it.pos, 2);
}

static void test_function_names(void **state)
{
    (void)state;
    static const char *const want[0x22] = {
        "CONFIRM",
        "READ",
        "WRITE",
        "SELECT",
        "OPERATE",
        "DIRECT_OPERATE",
        "DIRECT_OPERATE_NR",
        "IMMED_FREEZE",
        "IMMED_FREEZE_NR",
        "FREEZE_CLEAR",
        "FREEZE_CLEAR_NR",
        "FREEZE_AT_TIME",
        "FREEZE_AT_TIME_NR",
        "COLD_RESTART",
        "WARM_RESTART",
        "INITIALIZE_DATA",
        "INITIALIZE_APPL",
        "START_APPL",
        "STOP_APPL",
        "SAVE_CONFIG",
        "ENABLE_UNSOLICITED",
        "DISABLE_UNSOLICITED",
        "ASSIGN_CLASS",
        "DELAY_MEASURE",
        "RECORD_CURRENT_TIME",
        "OPEN_FILE",
        "CLOSE_FILE",
        "DELETE_FILE",
        "GET_FILE_INFO",
        "AUTHENTICATE_FILE",
        "ABORT_FILE",
        "ACTIVATE_CONFIG",
        "AUTHENTICATE_REQ",
        "AUTH_REQ_NO_ACK",
    };
    for (unsigned fc = 0; fc < 0x22; fc++) {
        assert_string_equal(dnp3_fc_name((uint8_t)fc), want[fc]);
        assert_false(dnp3_fc_is_response((uint8_t)fc));
    }
    assert_string_equal(dnp3_fc_name(0x81), "RESPONSE");
    assert_string_equal(dnp3_fc_name(0x82), "UNSOLICITED_RESPONSE");
    assert_string_equal(dnp3_fc_name(0x83), "AUTHENTICATE_RESP");
    unsigned defined = 0;
    for (unsigned fc = 0; fc < 256; fc++)
        defined += dnp3_fc_name((uint8_t)fc) != NULL;
    assert_int_equal(defined, 0x22 + 3);
    assert_true(dnp3_fc_is_response(0x81) && dnp3_fc_is_response(0x83));
    assert_false(dnp3_fc_is_response(0x80) || dnp3_fc_is_response(0x84));
    assert_int_equal(DNP3_FC_ACTIVATE_CONFIG, 0x1F);
    assert_int_equal(DNP3_FC_AUTH_REQUEST_NO_ACK, 0x21);
}

static void test_iin_bits(void **state)
{
    (void)state;
    assert_string_equal(dnp3_iin_bit_name(0), "BROADCAST");
    assert_string_equal(dnp3_iin_bit_name(7), "DEVICE_RESTART");
    assert_string_equal(dnp3_iin_bit_name(8), "NO_FUNC_CODE_SUPPORT");
    assert_string_equal(dnp3_iin_bit_name(13), "CONFIG_CORRUPT");
    assert_string_equal(dnp3_iin_bit_name(14), "RESERVED_2_6");
    assert_null(dnp3_iin_bit_name(16));
    assert_int_equal(DNP3_IIN_MASK(0), DNP3_IIN_BROADCAST);
    assert_int_equal(DNP3_IIN_MASK(7), DNP3_IIN_DEVICE_RESTART);
    assert_int_equal(DNP3_IIN_MASK(8), DNP3_IIN_NO_FUNC_CODE_SUPPORT);
    assert_int_equal(DNP3_IIN_MASK(13), DNP3_IIN_CONFIG_CORRUPT);
    uint16_t all = 0;
    for (unsigned b = 0; b < 16; b++)
        all |= DNP3_IIN_MASK(b);
    assert_int_equal(all, 0xFFFF);
}

static void test_command_status(void **state)
{
    (void)state;
    assert_string_equal(dnp3_command_status_name(0), "SUCCESS");
    assert_string_equal(dnp3_command_status_name(4), "NOT_SUPPORTED");
    assert_string_equal(dnp3_command_status_name(18), "DOWNSTREAM_FAIL");
    assert_string_equal(dnp3_command_status_name(126), "NON_PARTICIPATING");
    assert_string_equal(dnp3_command_status_name(127), "UNDEFINED");
    assert_string_equal(dnp3_command_status_name(0x84), "NOT_SUPPORTED"); /* bit 7 reserved */
    for (unsigned s = 19; s < 126; s++)
        assert_null(dnp3_command_status_name((uint8_t)s));
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_request_header), cmocka_unit_test(test_response_header),
        cmocka_unit_test(test_short_header),   cmocka_unit_test(test_unknown_function),
        cmocka_unit_test(test_function_names), cmocka_unit_test(test_iin_bits),
        cmocka_unit_test(test_command_status),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
