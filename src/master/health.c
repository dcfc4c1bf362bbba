/* Association health: one callback per state change; comm-lost reports
 * when the link goes down or the outstation stops answering. */
#include "master/master_internal.h"

void dnp3i_health_set(dnp3_master_assoc_t *a, dnp3_master_state_t s, dnp3_master_reason_t r,
                      int error)
{
    if (a->health.state == s && a->health.reason == r && a->health.error == error)
        return;
    a->health.state = s;
    a->health.reason = r;
    a->health.error = error;
    dnp3i_master_log(a, s == DNP3_MASTER_FAILED ? DNP3_LOG_WARN : DNP3_LOG_INFO, "state %s%s%s",
                     dnp3_master_state_name(s), r ? ": " : "", r ? dnp3_master_reason_name(r) : "");
    if (a->cb.on_state)
        a->cb.on_state(a->ctx, &a->health);
    if (s == DNP3_MASTER_FAILED &&
        (r == DNP3_MASTER_REASON_LINK_DOWN || r == DNP3_MASTER_REASON_RESPONSE_TIMEOUT))
        dnp3i_seen_report_lost(a);
}

/* A usable response arrived: back from FAILED (timeout, bad response). */
void dnp3i_health_good(dnp3_master_assoc_t *a)
{
    a->comm_lost_reported = false;
    if (a->health.state != DNP3_MASTER_FAILED || !a->link_up)
        return;
    dnp3i_health_set(a, a->startup_done ? DNP3_MASTER_POLLING : DNP3_MASTER_CONNECTED,
                     DNP3_MASTER_REASON_NONE, 0);
}

void dnp3_master_assoc_on_connecting(dnp3_master_assoc_t *a, dnp3_timestamp_t now)
{
    if (!a)
        return;
    a->now = now;
    dnp3i_health_set(a, DNP3_MASTER_CONNECTING, DNP3_MASTER_REASON_NONE, 0);
}

void dnp3_master_assoc_on_connect_failed(dnp3_master_assoc_t *a, dnp3_timestamp_t now, int error)
{
    if (!a)
        return;
    a->now = now;
    dnp3i_health_set(a, DNP3_MASTER_FAILED, DNP3_MASTER_REASON_CONNECT_FAILED, error);
}
