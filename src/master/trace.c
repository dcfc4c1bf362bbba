/* Protocol trace: fragments sent and received, formatted at the
 * configured decode level (dnp3/format.h), one log line per text line. */
#include <string.h>

#include "master/master_internal.h"

void dnp3i_master_trace(dnp3_master_assoc_t *a, bool tx, const uint8_t *frag, size_t len)
{
    if (a->cfg.decode == DNP3_APP_DECODE_NOTHING || !a->cb.on_log ||
        a->cfg.log_level < DNP3_LOG_INFO)
        return;
    char text[2048];
    dnp3_format_buffer_t b;
    dnp3_format_buffer_init(&b, text, sizeof text);
    dnp3_format_sink_t sink = dnp3_format_buffer_sink(&b);
    dnp3_diag_t diag;
    if (dnp3_format_fragment(&sink, a->cfg.decode, frag, len, &diag) != 0)
        dnp3_format_error(&sink, &diag);
    for (char *line = text; *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        dnp3i_master_log(a, DNP3_LOG_INFO, "%s %s", tx ? "TX" : "RX", line);
        if (!end)
            break;
        line = end + 1;
    }
}
