/* One log line formatted into a stack buffer and handed to a log callback:
 * the shared tail of the core's log helpers (mux, outstation). No I/O here;
 * the callback decides where the line goes. */
#ifndef DNP3_UTIL_LOGLINE_H
#define DNP3_UTIL_LOGLINE_H

#include <stdarg.h>

#include "dnp3/runtime.h" /* dnp3_log_fn, dnp3_log_level_t only */

/* The longest line a log callback receives (longer ones are truncated). */
#define DNP3I_LOG_LINE_MAX 256

/* Formats fmt/ap and calls sink(ctx, level, line). The caller has already
 * decided the level is wanted and sink is set. */
void dnp3i_log_vline(dnp3_log_fn sink, void *ctx, dnp3_log_level_t level, const char *fmt,
                     va_list ap);

#endif
