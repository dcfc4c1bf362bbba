/* check_frames(out, n): what a channel or mux writes must be whole, valid
 * link frames, end to end: our own parser (discarding policy) sees only
 * frames, nothing left over and no byte discarded. */
#ifndef DNP3_FUZZ_FRAMES_H
#define DNP3_FUZZ_FRAMES_H

#include <stddef.h>
#include <stdint.h>

#include "dnp3/link.h"
#include "fuzz_check.h"

static inline void check_frames(const uint8_t *out, size_t n)
{
    dnp3_link_parser_t p;
    dnp3_link_event_t ev;
    dnp3_link_parser_init(&p, DNP3_LINK_POLICY_DISCARD);
    size_t pos = 0;
    while (pos < n) {
        pos += dnp3_link_parser_feed(&p, out + pos, n - pos, &ev);
        CHECK(ev.kind == DNP3_LINK_EV_NONE || ev.kind == DNP3_LINK_EV_FRAME);
    }
    CHECK(dnp3_link_parser_finish(&p, &ev) == 0);
    CHECK(p.st.counters.discarded_bytes == 0);
}

#endif
