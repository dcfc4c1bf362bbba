/* src/app/names.c: flag bit names by point type, CROB control code parts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>

#include "dnp3/objects.h"

static void test_common_flags(void **state)
{
    (void)state;
    static const uint8_t groups[] = {1, 2, 3, 4, 10, 11, 20, 21, 22, 23, 30, 31, 32, 33, 40, 42};
    static const char *const common[5] = {"ONLINE", "RESTART", "COMM_LOST", "REMOTE_FORCED",
                                          "LOCAL_FORCED"};
    for (size_t g = 0; g < sizeof groups; g++)
        for (unsigned bit = 0; bit < 5; bit++)
            assert_string_equal(dnp3_flag_name(groups[g], bit), common[bit]);
    assert_null(dnp3_flag_name(1, 8));
}

static void test_type_specific_flags(void **state)
{
    (void)state;
    assert_string_equal(dnp3_flag_name(1, 5), "CHATTER_FILTER");
    assert_null(dnp3_flag_name(1, 6)); /* reserved for binary inputs */
    assert_string_equal(dnp3_flag_name(2, 7), "STATE");
    assert_string_equal(dnp3_flag_name(3, 6), "STATE_LOW");
    assert_string_equal(dnp3_flag_name(4, 7), "STATE_HIGH");
    assert_null(dnp3_flag_name(10, 5));
    assert_string_equal(dnp3_flag_name(11, 7), "STATE");
    assert_string_equal(dnp3_flag_name(20, 5), "ROLLOVER");
    assert_string_equal(dnp3_flag_name(23, 6), "DISCONTINUITY");
    assert_null(dnp3_flag_name(22, 7));
    assert_string_equal(dnp3_flag_name(30, 5), "OVER_RANGE");
    assert_string_equal(dnp3_flag_name(33, 6), "REFERENCE_ERR");
    assert_string_equal(dnp3_flag_name(42, 5), "OVER_RANGE");
    assert_string_equal(dnp3_flag_name(122, 6), "DISCONTINUITY");
}

static void test_crob_codes(void **state)
{
    (void)state;
    /* FACTS 7.1 common codes: 0x01 pulse on, 0x03 latch on, 0x04 latch off,
     * 0x41 close + pulse on, 0x81 trip + pulse on. */
    assert_string_equal(dnp3_crob_op_name(0x01), "PULSE_ON");
    assert_string_equal(dnp3_crob_op_name(0x03), "LATCH_ON");
    assert_string_equal(dnp3_crob_op_name(0x04), "LATCH_OFF");
    assert_string_equal(dnp3_crob_op_name(0x02), "PULSE_OFF");
    assert_string_equal(dnp3_crob_op_name(0x00), "NUL");
    assert_null(dnp3_crob_op_name(0x05));
    assert_string_equal(dnp3_crob_tcc_name(0x41), "CLOSE");
    assert_string_equal(dnp3_crob_tcc_name(0x81), "TRIP");
    assert_string_equal(dnp3_crob_tcc_name(0x01), "NUL");
    assert_null(dnp3_crob_tcc_name(0xC1));
    assert_string_equal(dnp3_crob_op_name(0xB1), "PULSE_ON"); /* trip, clear, queue bits ignored */
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_common_flags),
        cmocka_unit_test(test_type_specific_flags),
        cmocka_unit_test(test_crob_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
