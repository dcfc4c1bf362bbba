/* Transport internals for the channel (src/channel). */
#ifndef DNP3_TRANSPORT_INTERNAL_H
#define DNP3_TRANSPORT_INTERNAL_H

#include "dnp3/transport.h"

/* dnp3_tp_reassembler_feed() for a segment with FIR and FIN both set
 * (tpdu[0]), without copying: on completion res->fragment points at
 * tpdu + 1, so it stays valid as long as tpdu does, and the reassembler's
 * buffer is not needed at all (a MONITOR channel keeps none for a station
 * that never sends multi-segment fragments). Same rules and counters as
 * feed (a FIR restart is reported the same way); the payload is checked
 * against max rather than r->cap, since it never lands in the buffer. */
int dnp3i_tp_reassembler_feed_single(dnp3_tp_reassembler_t *r, uint16_t src, uint16_t dst,
                                     const uint8_t *tpdu, size_t len, size_t max,
                                     dnp3_tp_result_t *res);

#endif
