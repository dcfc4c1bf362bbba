/* Time synchronisation, LAN and non-LAN procedures.
 *   LAN: RECORD_CURRENT_TIME; the outstation notes its time when it gets
 *   the request; we note our UTC time when we send it; then WRITE g50v3
 *   (time at last recorded time) with ours.
 *   Non-LAN: DELAY_MEASURE; the answer's g52 gives the outstation's
 *   turnaround; one-way delay = (round trip - turnaround) / 2; then WRITE
 *   g50v1 with our UTC time at sending plus that delay. */
#include <string.h>

#include "master/master_internal.h"

static void write_time(dnp3_app_writer_t *w, uint8_t variation, dnp3_time_t t)
{
    dnp3_point_t p;
    memset(&p, 0, sizeof p);
    p.type = DNP3_VT_TIME;
    p.time = t & DNP3_TIME_MAX;
    dnp3_app_write_header(w, 50, variation, DNP3_QUAL(DNP3_PREFIX_NONE, DNP3_RANGE_COUNT8), 1, 0);
    dnp3_app_write_point(w, &p);
}

int dnp3i_timesync_write(dnp3_master_assoc_t *a, dnp3_timestamp_t now, dnp3_app_writer_t *w,
                         uint8_t control)
{
    dnp3i_cur_t *c = &a->cur;
    const bool lan = c->t.mode == DNP3_TIME_SYNC_LAN;
    dnp3_time_t utc;
    if (!dnp3i_master_utc(a, now, &utc))
        return DNP3_E_STATE; /* no clock: the task fails with NO_CLOCK */
    if (c->step == 0) {
        c->utc_sent = utc;
        return dnp3_app_write_request(w, control,
                                      lan ? DNP3_FC_RECORD_CURRENT_TIME : DNP3_FC_DELAY_MEASURE);
    }
    dnp3_app_write_request(w, control, DNP3_FC_WRITE);
    if (lan)
        write_time(w, 3, c->utc_sent);
    else
        write_time(w, 1, utc + c->delay_ms);
    return w->error;
}

void dnp3i_timesync_response(dnp3_master_assoc_t *a, dnp3_timestamp_t now, const uint8_t *frag,
                             size_t len, const dnp3_app_header_t *h)
{
    dnp3i_cur_t *c = &a->cur;
    if (!dnp3i_single_response_ok(a, now, h))
        return;
    if (c->step == 1) {
        dnp3i_finish(a, now, DNP3_MASTER_SUCCESS);
        return;
    }
    if (c->t.mode == DNP3_TIME_SYNC_NON_LAN) {
        uint32_t turnaround = dnp3i_measure_delay(frag, len, h);
        if (turnaround == UINT32_MAX) {
            dnp3i_finish(a, now, DNP3_MASTER_RESPONSE_ERROR);
            return;
        }
        uint64_t rtt = now - c->sent_at;
        uint64_t one_way = rtt > turnaround ? (rtt - turnaround) / 2 : 0;
        c->delay_ms = one_way > UINT32_MAX ? UINT32_MAX : (uint32_t)one_way;
    }
    c->step = 1;
    c->need_send = true;
    c->sent = false;
    c->got_fir = false;
}
