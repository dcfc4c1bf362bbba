/* cmd_decode: `dnp3 decode` - decode DNP3 frames from hex text, a raw byte
 * file or a capture, as a readable tree or JSON Lines (docs/decode.md). */
#ifndef DNP3_TOOL_CMD_DECODE_H
#define DNP3_TOOL_CMD_DECODE_H

#include <stdio.h>

/* Exit statuses of `dnp3 decode`. */
#define DECODE_EXIT_OK 0 /* everything decoded */
#define DECODE_EXIT_NOTHING                                                                        \
    1                       /* nothing decoded, the input could not be read or the output          \
                               could not be written */
#define DECODE_EXIT_USAGE 2 /* usage error: unknown option, missing argument, bad hex */
#define DECODE_EXIT_ERRORS                                                                         \
    3 /* some frames had errors, or input was lost (unreadable packets,                            \
         flows dropped at the memory limit: named on the error stream) */

/* argv[0] is "decode". Output goes to out, diagnostics to err, hex text
 * (when read from standard input) comes from in. Returns the exit status. */
int cmd_decode(int argc, char **argv, FILE *in, FILE *out, FILE *err);

/* One line of usage for `dnp3 help`. */
extern const char cmd_decode_summary[];

#endif
