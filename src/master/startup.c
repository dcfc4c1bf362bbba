/* The start-up sequence after the link comes up: DISABLE_UNSOLICITED,
 * integrity poll, ENABLE_UNSOLICITED for the configured classes, each step
 * only when configured, in that order (the outstation's events are read by
 * the integrity poll before unsolicited reporting is turned back on). */
#include "master/master_internal.h"

void dnp3i_startup_begin(dnp3_master_assoc_t *a, dnp3_timestamp_t now)
{
    a->startup_done = false;
    if (a->cfg.startup_disable_unsolicited)
        dnp3i_auto_set(a, DNP3I_AUTO_DISABLE_UNSOL, now);
    if (a->cfg.startup_integrity_poll)
        dnp3i_auto_set(a, DNP3I_AUTO_INTEGRITY, now);
    if (a->cfg.unsolicited_classes &
        (DNP3_MASTER_CLASS_1 | DNP3_MASTER_CLASS_2 | DNP3_MASTER_CLASS_3))
        dnp3i_auto_set(a, DNP3I_AUTO_ENABLE_UNSOL, now);
    dnp3i_startup_check(a, now);
}

/* Start-up ends when its steps are done (or failed for good). */
void dnp3i_startup_check(dnp3_master_assoc_t *a, dnp3_timestamp_t now)
{
    if (a->startup_done || !a->link_up)
        return;
    if (a->autos[DNP3I_AUTO_DISABLE_UNSOL].pending || a->autos[DNP3I_AUTO_INTEGRITY].pending ||
        a->autos[DNP3I_AUTO_ENABLE_UNSOL].pending)
        return;
    a->startup_done = true;
    dnp3i_master_log(a, DNP3_LOG_INFO, "start-up sequence done");
    dnp3i_schedule_startup_done(a, now);
    if (a->health.state == DNP3_MASTER_CONNECTED)
        dnp3i_health_set(a, DNP3_MASTER_POLLING, DNP3_MASTER_REASON_NONE, 0);
}
