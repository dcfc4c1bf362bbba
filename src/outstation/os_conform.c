/* The conformance table: which objects and qualifiers each request function
 * accepts (IEEE 1815-2012 clause 4.4 per function, Annex A per object).
 * dnp3i_os_conform() is the one check every request header passes before
 * anything is carried out; docs/CONFORMANCE.md is checked against this
 * table by tests/unit/test_os_conformance.c. */
#include "outstation/outstation_internal.h"

#define Q_RANGE (DNP3I_Q_00 | DNP3I_Q_01)
#define Q_STAT  (DNP3I_Q_00 | DNP3I_Q_01 | DNP3I_Q_06 | DNP3I_Q_17 | DNP3I_Q_28)
#define Q_EVT   (DNP3I_Q_06 | DNP3I_Q_07 | DNP3I_Q_08)
#define Q_IDX   (DNP3I_Q_17 | DNP3I_Q_28)
#define Q_CTL   (DNP3I_Q_00 | DNP3I_Q_01 | DNP3I_Q_17 | DNP3I_Q_28)

/* Variations 0..vmax of a row, except those a `skip` list names, are
 * accepted; rows with the same func and group are alternatives. The rows
 * are in ascending function order (a function's rows are found by binary
 * search; tests/unit/test_os_conformance.c checks the order). */
static const dnp3i_conf_row_t rows[] = {
    {DNP3_FC_READ, 0, 209, 255, DNP3I_Q_00 | DNP3I_Q_01 | DNP3I_Q_06, "device attributes"},
    {DNP3_FC_READ, 1, 0, 2, Q_STAT, "binary input"},
    {DNP3_FC_READ, 2, 0, 3, Q_EVT, "binary input event"},
    {DNP3_FC_READ, 3, 0, 2, Q_STAT, "double-bit input"},
    {DNP3_FC_READ, 4, 0, 3, Q_EVT, "double-bit input event"},
    {DNP3_FC_READ, 10, 0, 2, Q_STAT, "binary output status"},
    {DNP3_FC_READ, 11, 0, 2, Q_EVT, "binary output event"},
    {DNP3_FC_READ, 13, 0, 2, Q_EVT, "binary output command event"},
    {DNP3_FC_READ, 20, 0, 6, Q_STAT, "counter (v0, v1, v2, v5, v6)"},
    {DNP3_FC_READ, 21, 0, 10, Q_STAT, "frozen counter (v0, v1, v2, v5, v6, v9, v10)"},
    {DNP3_FC_READ, 22, 0, 6, Q_EVT, "counter event (v0, v1, v2, v5, v6)"},
    {DNP3_FC_READ, 23, 0, 6, Q_EVT, "frozen counter event (v0, v1, v2, v5, v6)"},
    {DNP3_FC_READ, 30, 0, 6, Q_STAT, "analog input"},
    {DNP3_FC_READ, 32, 0, 8, Q_EVT, "analog input event"},
    {DNP3_FC_READ, 34, 0, 3, Q_STAT, "analog input deadband"},
    {DNP3_FC_READ, 40, 0, 4, Q_STAT, "analog output status"},
    {DNP3_FC_READ, 42, 0, 8, Q_EVT, "analog output event"},
    {DNP3_FC_READ, 43, 0, 8, Q_EVT, "analog output command event"},
    {DNP3_FC_READ, 50, 1, 1, DNP3I_Q_06 | DNP3I_Q_07, "time and date (count 1)"},
    {DNP3_FC_READ, 60, 1, 1, DNP3I_Q_06, "class 0 data"},
    {DNP3_FC_READ, 60, 2, 4, Q_EVT, "class 1, 2, 3 data"},
    {DNP3_FC_READ, 80, 1, 1, Q_RANGE | DNP3I_Q_06, "internal indications"},
    {DNP3_FC_READ, 110, 0, 255, Q_STAT, "octet string"},
    {DNP3_FC_READ, 111, 0, 255, Q_EVT, "octet string event"},
    {DNP3_FC_WRITE, 34, 1, 3, Q_RANGE | Q_IDX, "analog input deadband"},
    {DNP3_FC_WRITE, 50, 1, 1, DNP3I_Q_07, "time and date (count 1)"},
    {DNP3_FC_WRITE, 50, 3, 3, DNP3I_Q_07, "time at last recorded time (count 1)"},
    {DNP3_FC_WRITE, 80, 1, 1, Q_RANGE, "internal indications (index 7 = 0 only)"},
    {DNP3_FC_SELECT, 12, 1, 1, Q_CTL, "CROB"},
    {DNP3_FC_SELECT, 41, 1, 4, Q_CTL, "analog output block"},
    {DNP3_FC_OPERATE, 12, 1, 1, Q_CTL, "CROB"},
    {DNP3_FC_OPERATE, 41, 1, 4, Q_CTL, "analog output block"},
    {DNP3_FC_DIRECT_OPERATE, 12, 1, 1, Q_CTL, "CROB"},
    {DNP3_FC_DIRECT_OPERATE, 41, 1, 4, Q_CTL, "analog output block"},
    {DNP3_FC_DIRECT_OPERATE_NR, 12, 1, 1, Q_CTL, "CROB"},
    {DNP3_FC_DIRECT_OPERATE_NR, 41, 1, 4, Q_CTL, "analog output block"},
    {DNP3_FC_IMMED_FREEZE, 20, 0, 0, Q_RANGE | DNP3I_Q_06, "counters"},
    {DNP3_FC_IMMED_FREEZE_NR, 20, 0, 0, Q_RANGE | DNP3I_Q_06, "counters"},
    {DNP3_FC_FREEZE_CLEAR, 20, 0, 0, Q_RANGE | DNP3I_Q_06, "counters"},
    {DNP3_FC_FREEZE_CLEAR_NR, 20, 0, 0, Q_RANGE | DNP3I_Q_06, "counters"},
    {DNP3_FC_FREEZE_AT_TIME, 50, 2, 2, DNP3I_Q_07, "time and interval (first header)"},
    {DNP3_FC_FREEZE_AT_TIME, 20, 0, 0, Q_RANGE | DNP3I_Q_06, "counters"},
    {DNP3_FC_FREEZE_AT_TIME_NR, 50, 2, 2, DNP3I_Q_07, "time and interval (first header)"},
    {DNP3_FC_FREEZE_AT_TIME_NR, 20, 0, 0, Q_RANGE | DNP3I_Q_06, "counters"},
    {DNP3_FC_COLD_RESTART, 0, 0, 0, 0, "no objects; answers g52v2 (or g52v1)"},
    {DNP3_FC_WARM_RESTART, 0, 0, 0, 0, "no objects; answers g52v2 (or g52v1)"},
    {DNP3_FC_ENABLE_UNSOLICITED, 60, 2, 4, DNP3I_Q_06, "classes 1, 2, 3"},
    {DNP3_FC_DISABLE_UNSOLICITED, 60, 2, 4, DNP3I_Q_06, "classes 1, 2, 3"},
    {DNP3_FC_ASSIGN_CLASS, 60, 1, 4, DNP3I_Q_06, "the class (first header)"},
    {DNP3_FC_ASSIGN_CLASS, 1, 0, 0, Q_RANGE | DNP3I_Q_06, "binary inputs"},
    {DNP3_FC_ASSIGN_CLASS, 3, 0, 0, Q_RANGE | DNP3I_Q_06, "double-bit inputs"},
    {DNP3_FC_ASSIGN_CLASS, 10, 0, 0, Q_RANGE | DNP3I_Q_06, "binary output status"},
    {DNP3_FC_ASSIGN_CLASS, 20, 0, 0, Q_RANGE | DNP3I_Q_06, "counters"},
    {DNP3_FC_ASSIGN_CLASS, 21, 0, 0, Q_RANGE | DNP3I_Q_06, "frozen counters"},
    {DNP3_FC_ASSIGN_CLASS, 30, 0, 0, Q_RANGE | DNP3I_Q_06, "analog inputs"},
    {DNP3_FC_ASSIGN_CLASS, 40, 0, 0, Q_RANGE | DNP3I_Q_06, "analog output status"},
    {DNP3_FC_ASSIGN_CLASS, 110, 0, 0, Q_RANGE | DNP3I_Q_06, "octet strings"},
    {DNP3_FC_DELAY_MEASURE, 0, 0, 0, 0, "no objects; answers g52v2"},
    {DNP3_FC_RECORD_CURRENT_TIME, 0, 0, 0, 0, "no objects; null response"},
};

size_t dnp3i_os_conf_table(const dnp3i_conf_row_t **out)
{
    *out = rows;
    return sizeof rows / sizeof rows[0];
}

/* Variations of a group that the database and the writer do not have even
 * though they lie inside a row's range (obsolete delta counters, g0
 * attributes this outstation does not keep). */
static bool variation_gap(uint8_t group, uint8_t v)
{
    switch (group) {
    case 0:
        return !(v == 209 || (v >= 220 && v <= 224) || (v >= 228 && v <= 229) ||
                 (v >= 232 && v <= 233) || (v >= 235 && v <= 236) || (v >= 238 && v <= 243) ||
                 (v >= 245 && v <= 248) || v == 250 || v == 252 || v == 254);
    case 20:
    case 22:
    case 23:
        return v == 3 || v == 4;
    case 21:
        return v == 3 || v == 4 || v == 7 || v == 8;
    default:
        return false;
    }
}

static uint16_t qual_bit(uint8_t q)
{
    switch (q) {
    case 0x00:
        return DNP3I_Q_00;
    case 0x01:
        return DNP3I_Q_01;
    case 0x06:
        return DNP3I_Q_06;
    case 0x07:
        return DNP3I_Q_07;
    case 0x08:
        return DNP3I_Q_08;
    case 0x17:
        return DNP3I_Q_17;
    case 0x28:
        return DNP3I_Q_28;
    default:
        return 0;
    }
}

/* The first row of func (or of the next function up): rows[lo..] from
 * there on while rows[i].func == func are the function's. */
static size_t first_row(uint8_t func)
{
    size_t lo = 0, hi = sizeof rows / sizeof rows[0];
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (rows[mid].func < func)
            lo = mid + 1;
        else
            hi = mid;
    }
    return lo;
}
/* The functions with rows in the table, and CONFIRM, as a bit set (the
 * test checks it against the table for every function code). */
#define FN(f) (1u << (f))
static const uint32_t supported =
    FN(DNP3_FC_CONFIRM) | FN(DNP3_FC_READ) | FN(DNP3_FC_WRITE) | FN(DNP3_FC_SELECT) |
    FN(DNP3_FC_OPERATE) | FN(DNP3_FC_DIRECT_OPERATE) | FN(DNP3_FC_DIRECT_OPERATE_NR) |
    FN(DNP3_FC_IMMED_FREEZE) | FN(DNP3_FC_IMMED_FREEZE_NR) | FN(DNP3_FC_FREEZE_CLEAR) |
    FN(DNP3_FC_FREEZE_CLEAR_NR) | FN(DNP3_FC_FREEZE_AT_TIME) | FN(DNP3_FC_FREEZE_AT_TIME_NR) |
    FN(DNP3_FC_COLD_RESTART) | FN(DNP3_FC_WARM_RESTART) | FN(DNP3_FC_ENABLE_UNSOLICITED) |
    FN(DNP3_FC_DISABLE_UNSOLICITED) | FN(DNP3_FC_ASSIGN_CLASS) | FN(DNP3_FC_DELAY_MEASURE) |
    FN(DNP3_FC_RECORD_CURRENT_TIME);
#undef FN
bool dnp3i_os_func_supported(uint8_t func)
{
    return func < 32 && (supported >> func) & 1u;
}
uint16_t dnp3i_os_conform(uint8_t func, const dnp3_obj_header_t *h)
{
    bool known = false;
    for (size_t i = first_row(func); i < sizeof rows / sizeof rows[0] && rows[i].func == func;
         i++) {
        const dnp3i_conf_row_t *r = &rows[i];
        if (r->group != h->group || r->quals == 0)
            continue;
        if (h->variation < r->vmin || h->variation > r->vmax ||
            variation_gap(h->group, h->variation))
            continue;
        known = true;
        if (qual_bit(h->qualifier) & r->quals)
            return 0;
    }
    /* A known object with a qualifier it does not take is a parameter
     * error; an object this function does not take is unknown (4.2.2.7.2). */
    return known ? DNP3_IIN_PARAMETER_ERROR : DNP3_IIN_OBJECT_UNKNOWN;
}
dnp3_point_type_t dnp3i_os_static_type(uint8_t group)
{
    for (int t = 0; t < DNP3_PT_COUNT_; t++)
        if (dnp3_point_type_static_group((dnp3_point_type_t)t) == group)
            return (dnp3_point_type_t)t;
    return DNP3_PT_COUNT_;
}

dnp3_point_type_t dnp3i_os_event_type(uint8_t group)
{
    for (int t = 0; t < DNP3_EV_TYPE_COUNT_; t++)
        if (dnp3_point_type_event_group((dnp3_point_type_t)t) == group)
            return (dnp3_point_type_t)t;
    return DNP3_EV_TYPE_COUNT_;
}
