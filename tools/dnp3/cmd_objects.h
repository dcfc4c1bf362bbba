/* cmd_objects: `dnp3 objects [GROUP[vVAR]]` - the object library as a table,
 * for an engineer asking "what is g32v7 and how big is it?". */
#ifndef DNP3_TOOL_CMD_OBJECTS_H
#define DNP3_TOOL_CMD_OBJECTS_H

#include <stdio.h>

/* argv[0] is "objects". Returns 0, 1 when nothing matches, 2 on a usage error. */
int cmd_objects(int argc, char **argv, FILE *in, FILE *out, FILE *err);

extern const char cmd_objects_summary[];

#endif
