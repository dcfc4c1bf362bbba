/* src/util/error.c: every code in DNP3_ERROR_TABLE has its own message and
 * name, codes are unique and negative (but DNP3_OK), and unknown codes
 * still give a usable string. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include <cmocka.h>

#include "dnp3/types.h"

static const int codes[] = {
#define X_CODE(name, value, text) (value),
    DNP3_ERROR_TABLE(X_CODE)
#undef X_CODE
};
#define NCODES (sizeof codes / sizeof codes[0])

static void test_every_code_has_text_and_name(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCODES; i++) {
        const char *msg = dnp3_strerror(codes[i]);
        const char *name = dnp3_error_name(codes[i]);
        assert_non_null(msg);
        assert_true(strlen(msg) > 3);
        assert_string_not_equal(msg, "unknown error");
        assert_true(strncmp(name, "DNP3_", 5) == 0);
        assert_string_not_equal(name, "DNP3_E_UNKNOWN");
        if (codes[i] != DNP3_OK)
            assert_true(codes[i] < 0);
    }
}

static void test_codes_and_texts_unique(void **state)
{
    (void)state;
    for (size_t i = 0; i < NCODES; i++)
        for (size_t j = i + 1; j < NCODES; j++) {
            assert_int_not_equal(codes[i], codes[j]);
            assert_string_not_equal(dnp3_strerror(codes[i]), dnp3_strerror(codes[j]));
        }
}

static void test_known_values(void **state)
{
    (void)state;
    assert_string_equal(dnp3_strerror(DNP3_OK), "success");
    assert_string_equal(dnp3_error_name(DNP3_E_LINK_HEADER_CRC), "DNP3_E_LINK_HEADER_CRC");
    assert_string_equal(dnp3_strerror(DNP3_E_LINK_HEADER_CRC), "link: header CRC mismatch");
    assert_int_equal(DNP3_E_LINK_HEADER_CRC, -12); /* part of the ABI */
}

static void test_unknown_codes(void **state)
{
    (void)state;
    assert_string_equal(dnp3_strerror(-9999), "unknown error");
    assert_string_equal(dnp3_strerror(42), "success"); /* counts are not errors */
    assert_string_equal(dnp3_error_name(-9999), "DNP3_E_UNKNOWN");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_every_code_has_text_and_name),
        cmocka_unit_test(test_codes_and_texts_unique),
        cmocka_unit_test(test_known_values),
        cmocka_unit_test(test_unknown_codes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
