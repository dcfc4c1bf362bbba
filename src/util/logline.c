#include "util/logline.h"

#include <stdio.h>

void dnp3i_log_vline(dnp3_log_fn sink, void *ctx, dnp3_log_level_t level, const char *fmt,
                     va_list ap)
{
    char line[DNP3I_LOG_LINE_MAX];
    vsnprintf(line, sizeof line, fmt, ap);
    sink(ctx, level, line);
}
