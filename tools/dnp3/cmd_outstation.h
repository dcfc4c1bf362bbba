/* cmd_outstation: `dnp3 outstation` - a DNP3 outstation (RTU) on TCP port
 * 20000, from quick flags or a YAML configuration. */
#ifndef DNP3_TOOL_CMD_OUTSTATION_H
#define DNP3_TOOL_CMD_OUTSTATION_H

#include <stdio.h>

/* argv[0] is "outstation". Returns the exit status (0 after SIGINT/SIGTERM;
 * 1 failure, 2 bad usage or configuration, 3 port in use, 4 permission
 * denied, 5 bad address). */
int cmd_outstation(int argc, char **argv, FILE *in, FILE *out, FILE *err);

extern const char cmd_outstation_summary[];

#endif
