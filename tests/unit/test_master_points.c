/* The master's comm-lost table (src/master/points.c): 12-byte cells; every
 * value comes back bit for bit in the re-report when communication is
 * lost: i32, u32, 32-bit floats in one cell, 64-bit floats that no 32-bit
 * float equals in two; a point whose value grows to two cells or shrinks
 * to one keeps its place; the table's size counts cells, and a point
 * with no room left is counted in untracked_points and not re-reported. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "dnp3/master.h"

typedef struct seen {
    dnp3_measurement_t m[16];
    size_t n;
} seen_t;

static seen_t got;

static void on_measurement(void *ctx, const dnp3_measurement_t *m)
{
    (void)ctx;
    if (m->stale && got.n < 16)
        got.m[got.n++] = *m;
}

static dnp3_master_assoc_t *open_assoc(uint32_t points)
{
    dnp3_master_config_t c;
    dnp3_master_config_default(&c);
    c.startup_disable_unsolicited = false;
    c.comm_lost_max_points = points;
    dnp3_master_callbacks_t cb = {.on_measurement = on_measurement};
    dnp3_master_assoc_t *a = NULL;
    assert_int_equal(dnp3_master_assoc_new(&c, &cb, NULL, &a), 0);
    memset(&got, 0, sizeof got);
    dnp3_master_assoc_on_link_event(a, 0, DNP3_LINK_UP);
    return a;
}

/* The next request (a READ), answered with these objects. */
static void answer(dnp3_master_assoc_t *a, const uint8_t *objects, size_t len)
{
    uint8_t req[2048], rsp[512];
    size_t n = dnp3_master_assoc_take_fragment(a, 0, req, sizeof req, NULL, NULL);
    assert_true(n >= 2);
    assert_int_equal(req[1], DNP3_FC_READ);
    rsp[0] = (uint8_t)(0xC0 | (req[0] & 0x0F));
    rsp[1] = 0x81;
    rsp[2] = rsp[3] = 0;
    assert_true(len + 4 <= sizeof rsp);
    memcpy(rsp + 4, objects, len);
    dnp3_master_assoc_on_fragment(a, 0, 10, 1, rsp, len + 4);
}

static void poll(dnp3_master_assoc_t *a, const uint8_t *objects, size_t len)
{
    assert_true(dnp3_master_assoc_integrity_poll(a, 0) > 0);
    answer(a, objects, len);
}

static void expect(size_t i, uint8_t group, uint8_t variation, uint32_t index, double value,
                   bool is_float)
{
    assert_true(i < got.n);
    const dnp3_measurement_t *m = &got.m[i];
    assert_int_equal(m->group, group);
    assert_int_equal(m->variation, variation);
    assert_int_equal(m->index, index);
    assert_memory_equal(&m->value, &value, sizeof value); /* bit for bit */
    assert_int_equal(m->is_float, is_float);
    assert_int_equal(m->flags, DNP3_FLAG_COMM_LOST); /* ONLINE cleared */
}

static uint64_t untracked(const dnp3_master_assoc_t *a)
{
    dnp3_master_counters_t c;
    assert_int_equal(dnp3_master_assoc_counters(a, &c), 0);
    return c.untracked_points;
}

/* g30v6 0, 1 = 0.1 (two cells), 2.0 (one); g20v1 2 = 4294967295; g30v1 3 = -2;
 * g30v5 4 = 2.5f */
static const uint8_t first[] = {
    0x1E, 0x06, 0x00, 0x00, 0x01,                               /* g30v6 0-1 */
    0x01, 0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xB9, 0x3F,       /* 0.1 */
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40,       /* 2.0 */
    0x14, 0x01, 0x00, 0x02, 0x02, 0x01, 0xFF, 0xFF, 0xFF, 0xFF, /* g20v1 2 */
    0x1E, 0x01, 0x00, 0x03, 0x03, 0x01, 0xFE, 0xFF, 0xFF, 0xFF, /* g30v1 3 = -2 */
    0x1E, 0x05, 0x00, 0x04, 0x04, 0x01, 0x00, 0x00, 0x20, 0x40, /* g30v5 4 = 2.5 */
};

/* g30v6 0 = 2.0 (one cell now), 1 = 0.3 (two now) */
static const uint8_t swapped[] = {
    0x1E, 0x06, 0x00, 0x00, 0x01,                         /* g30v6 0-1 */
    0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, /* 2.0 */
    0x01, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0xD3, 0x3F, /* 0.3 */
};

static void values_exact(void **state)
{
    (void)state;
    dnp3_master_assoc_t *a = open_assoc(8);
    answer(a, first, sizeof first); /* the start-up integrity poll */
    poll(a, swapped, sizeof swapped);
    dnp3_master_assoc_on_link_event(a, 1, DNP3_LINK_DOWN);
    assert_int_equal(got.n, 5);
    /* sorted by type (counter before analog input), then index */
    expect(0, 20, 1, 2, 4294967295.0, false);
    expect(1, 30, 6, 0, 2.0, true);
    expect(2, 30, 6, 1, 0.3, true);
    expect(3, 30, 1, 3, -2.0, false);
    expect(4, 30, 5, 4, 2.5, true);
    assert_int_equal(untracked(a), 0);
    dnp3_master_assoc_free(a);
}

static const uint8_t wide0_int2[] = {
    0x1E, 0x06, 0x00, 0x00, 0x00, 0x01, 0x9A, 0x99, 0x99, 0x99, 0x99, 0x99, 0xB9, 0x3F, /* 0.1 */
    0x1E, 0x01, 0x00, 0x02, 0x02, 0x01, 0x07, 0x00, 0x00, 0x00, /* g30v1 2 = 7 */
};
static const uint8_t wide1[] = {
    0x1E, 0x06, 0x00, 0x01, 0x01, 0x01, 0x33, 0x33, 0x33, 0x33, 0x33, 0x33, 0xD3, 0x3F, /* 0.3 */
};
static const uint8_t narrow0[] = {
    0x1E, 0x06, 0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x40, /* 2.0 */
};
static const uint8_t narrow1[] = {
    0x1E, 0x06, 0x00, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xF8, 0x3F, /* 1.5 */
};

/* Three cells. */
static void cells_counted(void **state)
{
    (void)state;
    dnp3_master_assoc_t *a = open_assoc(3);
    answer(a, wide0_int2, sizeof wide0_int2); /* 0: two cells, 2: one: full */
    poll(a, wide1, sizeof wide1);             /* 1 needs two: no room */
    assert_int_equal(untracked(a), 1);
    poll(a, narrow0, sizeof narrow0); /* 0 needs one now: a cell free */
    poll(a, wide1, sizeof wide1);     /* 1 still needs two */
    assert_int_equal(untracked(a), 2);
    poll(a, narrow1, sizeof narrow1); /* one cell: it fits */
    assert_int_equal(untracked(a), 2);
    poll(a, wide0_int2, sizeof wide0_int2); /* 0 needs two again: no room, forgotten */
    assert_int_equal(untracked(a), 3);
    dnp3_master_assoc_on_link_event(a, 1, DNP3_LINK_DOWN);
    assert_int_equal(got.n, 2);
    expect(0, 30, 6, 1, 1.5, true);
    expect(1, 30, 1, 2, 7.0, false);
    dnp3_master_assoc_free(a);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(values_exact),
        cmocka_unit_test(cells_counted),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
