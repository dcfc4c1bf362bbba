/* The outstation's internal indications (IEEE 1815-2012 4.2.2.7.2): changes
 * reported, and the master's reactions queued as automatic tasks. */
#include <stdio.h>

#include "master/master_internal.h"

bool dnp3i_iin2_error(uint16_t iin)
{
    return (iin & (DNP3_IIN_NO_FUNC_CODE_SUPPORT | DNP3_IIN_OBJECT_UNKNOWN |
                   DNP3_IIN_PARAMETER_ERROR)) != 0;
}

/* "DEVICE_RESTART NEED_TIME" for the set bits of mask (truncated to cap). */
static void bit_names(uint16_t mask, char *out, size_t cap)
{
    size_t n = 0;
    out[0] = '\0';
    for (unsigned bit = 0; bit < 16; bit++) {
        if (!(mask & DNP3_IIN_MASK(bit)))
            continue;
        int w = snprintf(out + n, cap - n, "%s%s", n ? " " : "", dnp3_iin_bit_name(bit));
        if (w < 0 || (size_t)w >= cap - n)
            return;
        n += (size_t)w;
    }
}

void dnp3i_iin_update(dnp3_master_assoc_t *a, uint16_t iin)
{
    /* The first IIN after link up is compared with 0: all clear. */
    uint16_t old = a->have_iin ? a->iin : 0;
    a->iin = iin;
    a->have_iin = true;
    if (iin == old)
        return;
    char set[160], cleared[160];
    bit_names((uint16_t)(iin & ~old), set, sizeof set);
    bit_names((uint16_t)(old & ~iin), cleared, sizeof cleared);
    dnp3i_master_log(a, DNP3_LOG_INFO, "IIN %04X -> %04X%s%s%s%s", (unsigned)old, (unsigned)iin,
                     set[0] ? " set: " : "", set, cleared[0] ? " cleared: " : "", cleared);
    if (a->cb.on_iin)
        a->cb.on_iin(a->ctx, old, iin);
}

void dnp3i_iin_react(dnp3_master_assoc_t *a, dnp3_timestamp_t now, uint16_t iin)
{
    const dnp3_master_config_t *c = &a->cfg;
    /* A restarted outstation is back to its configured unsolicited
     * classes: poll again until this master enables them anew. */
    if (iin & DNP3_IIN_DEVICE_RESTART)
        a->unsol_enabled = 0;
    if ((iin & DNP3_IIN_DEVICE_RESTART) && c->clear_restart) {
        /* One integrity poll per restart: while the clearing write is
         * pending (or waiting to be retried), the bit is not news. */
        const bool known = a->autos[DNP3I_AUTO_CLEAR_RESTART].pending;
        dnp3i_auto_set(a, DNP3I_AUTO_CLEAR_RESTART, now);
        if (!known)
            dnp3i_auto_set(a, DNP3I_AUTO_INTEGRITY, now);
    }
    if ((iin & DNP3_IIN_NEED_TIME) && c->time_sync_on_need_time != DNP3_TIME_SYNC_NONE)
        dnp3i_auto_set(a, DNP3I_AUTO_TIME_SYNC, now);
    if ((iin & DNP3_IIN_EVENT_BUFFER_OVERFLOW) && c->integrity_on_overflow)
        dnp3i_auto_set(a, DNP3I_AUTO_INTEGRITY, now);
    /* IIN1.1..1.3 are bits 9..11: class 1..3. Classes reported
     * unsolicited are not read: their events are on their way, and a READ
     * would only delay the requests queued behind it (commands). */
    uint8_t classes =
        (uint8_t)((iin >> 9) & 0x07) & c->event_poll_on_iin & (uint8_t)~a->unsol_enabled;
    if (classes) {
        a->event_classes |= classes;
        dnp3i_auto_set(a, DNP3I_AUTO_EVENT_POLL, now);
    }
}
