/* operate_args: the command line of `dnp3 operate` turned into one command
 * point and a mode (kept apart from the I/O so it is unit tested). */
#ifndef DNP3_TOOL_OPERATE_ARGS_H
#define DNP3_TOOL_OPERATE_ARGS_H

#include <stdbool.h>
#include <stddef.h>

#include "dnp3/master.h"

/* The control code of a CROB code name: latch-on 0x03, latch-off 0x04,
 * pulse-on 0x01, pulse-off 0x02, trip 0x81 and close 0x41 (the trip-close
 * code with PULSE_ON, Annex A group 12). Returns -1 for another name. */
int operate_code(const char *name);

/* An analog output value and its variation: variation 0 picks g41v1 for a
 * whole number that fits an int32, g41v3 otherwise. Returns 0 and fills
 * *pt (group, variation, value), or -1 with the reason in msg (not a
 * number, variation out of 1..4, a fraction for v1/v2, out of range). */
int operate_analog(const char *text, int variation, dnp3_command_point_t *pt, char *msg,
                   size_t msglen);

#endif
