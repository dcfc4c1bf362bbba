/* Names for the bits and codes inside objects: quality flags by point type
 * and the CROB control code. Tables only; the renderers and logs use them. */
#include "dnp3/objects.h"

/* Bits 5-7 by point type (FACTS 6; IEEE 1815-2012 Annex A flag tables). */
static const char *high_flag(uint8_t group, unsigned bit)
{
    switch (group) {
    case 1: /* binary input */
    case 2:
        return bit == 5 ? "CHATTER_FILTER" : bit == 7 ? "STATE" : NULL;
    case 3: /* double-bit input: the state lives in bits 7..6 */
    case 4:
        return bit == 5 ? "CHATTER_FILTER" : bit == 6 ? "STATE_LOW" : "STATE_HIGH";
    case 10: /* binary output status */
    case 11:
        return bit == 7 ? "STATE" : NULL;
    case 20: /* counters, frozen counters */
    case 21:
    case 22:
    case 23:
    case 121: /* security statistics use the counter flags */
    case 122:
        return bit == 5 ? "ROLLOVER" : bit == 6 ? "DISCONTINUITY" : NULL;
    case 30: /* analog inputs, frozen analogs */
    case 31:
    case 32:
    case 33:
    case 40: /* analog output status and events */
    case 42:
        return bit == 5 ? "OVER_RANGE" : bit == 6 ? "REFERENCE_ERR" : NULL;
    default:
        return NULL;
    }
}

const char *dnp3_flag_name(uint8_t group, unsigned bit)
{
    static const char *const common[5] = {"ONLINE", "RESTART", "COMM_LOST", "REMOTE_FORCED",
                                          "LOCAL_FORCED"};
    if (bit < 5)
        return common[bit];
    if (bit > 7)
        return NULL;
    return high_flag(group, bit);
}

const char *dnp3_crob_op_name(uint8_t code)
{
    static const char *const ops[5] = {"NUL", "PULSE_ON", "PULSE_OFF", "LATCH_ON", "LATCH_OFF"};
    uint8_t op = code & DNP3_CROB_OP_MASK;
    return op < 5 ? ops[op] : NULL;
}

const char *dnp3_crob_tcc_name(uint8_t code)
{
    static const char *const tcc[4] = {"NUL", "CLOSE", "TRIP", NULL};
    return tcc[(code & DNP3_CROB_TCC_MASK) >> 6];
}
