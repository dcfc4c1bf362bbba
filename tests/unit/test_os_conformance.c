/* docs/CONFORMANCE.md is the outstation's conformance table (the one
 * dispatch checks every request header against) rendered as Markdown: this
 * test renders the table and compares it with the document, and checks
 * that dispatch answers each row's qualifiers and refuses the others.
 * DNP3C_REGEN=1 rewrites the document from the table. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "outstation/outstation_internal.h"

static const uint8_t quals[] = {0x00, 0x01, 0x06, 0x07, 0x08, 0x17, 0x28};

static size_t render(char *out, size_t cap)
{
    const dnp3i_conf_row_t *rows;
    size_t n = dnp3i_os_conf_table(&rows), o = 0;
    o += (size_t)snprintf(out + o, cap - o,
                          "| Function | Group | Variations | Qualifiers | Objects |\n"
                          "|---|---|---|---|---|\n");
    for (size_t i = 0; i < n && o < cap; i++) {
        const dnp3i_conf_row_t *r = &rows[i];
        char q[64] = "";
        size_t qo = 0;
        for (size_t k = 0; k < sizeof quals; k++)
            if (r->quals & (1u << k))
                qo += (size_t)snprintf(q + qo, sizeof q - qo, "%s0x%02X", qo ? " " : "", quals[k]);
        if (!r->quals)
            o += (size_t)snprintf(out + o, cap - o, "| %s (0x%02X) | - | - | - | %s |\n",
                                  dnp3_fc_name(r->func), r->func, r->note);
        else if (r->vmin == r->vmax)
            o += (size_t)snprintf(out + o, cap - o, "| %s (0x%02X) | %u | %u | %s | %s |\n",
                                  dnp3_fc_name(r->func), r->func, r->group, r->vmin, q, r->note);
        else
            o += (size_t)snprintf(out + o, cap - o, "| %s (0x%02X) | %u | %u-%u | %s | %s |\n",
                                  dnp3_fc_name(r->func), r->func, r->group, r->vmin, r->vmax, q,
                                  r->note);
    }
    return o;
}

static char *doc_path(void)
{
    static char path[1024];
    const char *f = __FILE__;
    const char *cut = strstr(f, "tests/unit/");
    size_t root = cut ? (size_t)(cut - f) : 0;
    snprintf(path, sizeof path, "%.*sdocs/CONFORMANCE.md", (int)root, f);
    return path;
}

#define BEGIN_MARK "<!-- table: generated from src/outstation/os_conform.c -->\n"
#define END_MARK   "<!-- end of table -->\n"

static void test_doc_matches_table(void **state)
{
    (void)state;
    static char table[32768], doc[65536];
    render(table, sizeof table);
    FILE *f = fopen(doc_path(), "rb");
    assert_non_null(f);
    size_t n = fread(doc, 1, sizeof doc - 1, f);
    fclose(f);
    doc[n] = 0;
    char *b = strstr(doc, BEGIN_MARK);
    char *e = strstr(doc, END_MARK);
    assert_non_null(b);
    assert_non_null(e);
    b += strlen(BEGIN_MARK);
    if (getenv("DNP3C_REGEN")) {
        f = fopen(doc_path(), "wb");
        assert_non_null(f);
        fwrite(doc, 1, (size_t)(b - doc), f);
        fputs(table, f);
        fputs(e, f);
        fclose(f);
        return;
    }
    if ((size_t)(e - b) != strlen(table) || memcmp(b, table, strlen(table)) != 0) {
        print_error("docs/CONFORMANCE.md differs from the table; the table renders as:\n%s", table);
        fail();
    }
}

/* Dispatch uses the table: each row's qualifiers pass, the others are a
 * parameter error, and a function's unknown group is OBJECT_UNKNOWN. */
static void test_dispatch_uses_table(void **state)
{
    (void)state;
    const dnp3i_conf_row_t *rows;
    size_t n = dnp3i_os_conf_table(&rows);
    for (size_t i = 0; i < n; i++) {
        const dnp3i_conf_row_t *r = &rows[i];
        assert_true(dnp3i_os_func_supported(r->func));
        if (!r->quals)
            continue;
        dnp3_obj_header_t h = {.group = r->group, .variation = r->vmax};
        if (r->group == 0)
            h.variation = 252;
        for (size_t k = 0; k < sizeof quals; k++) {
            h.qualifier = quals[k];
            uint16_t want = (r->quals & (1u << k)) ? 0 : DNP3_IIN_PARAMETER_ERROR;
            /* another row of the same function and group may allow it */
            bool other = false;
            for (size_t j = 0; j < n; j++)
                if (j != i && rows[j].func == r->func && rows[j].group == r->group &&
                    h.variation >= rows[j].vmin && h.variation <= rows[j].vmax &&
                    (rows[j].quals & (1u << k)))
                    other = true;
            if (!other)
                assert_int_equal(dnp3i_os_conform(r->func, &h), want);
        }
        h.group = 99; /* no such object */
        h.qualifier = 0x06;
        assert_int_equal(dnp3i_os_conform(r->func, &h), DNP3_IIN_OBJECT_UNKNOWN);
    }
    assert_false(dnp3i_os_func_supported(DNP3_FC_OPEN_FILE));
    assert_true(dnp3i_os_func_supported(DNP3_FC_CONFIRM));
}

/* The lookup finds a function's rows by binary search: the table must be
 * in ascending function order. */
static void test_table_sorted_by_function(void **state)
{
    (void)state;
    const dnp3i_conf_row_t *rows;
    size_t n = dnp3i_os_conf_table(&rows);
    for (size_t i = 1; i < n; i++)
        assert_true(rows[i - 1].func <= rows[i].func);
    for (unsigned f = 0; f < 256; f++) { /* supported iff it has a row (or is CONFIRM) */
        bool has = f == DNP3_FC_CONFIRM;
        for (size_t i = 0; i < n; i++)
            has = has || rows[i].func == f;
        assert_int_equal(dnp3i_os_func_supported((uint8_t)f), has);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_table_sorted_by_function),
        cmocka_unit_test(test_doc_matches_table),
        cmocka_unit_test(test_dispatch_uses_table),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
