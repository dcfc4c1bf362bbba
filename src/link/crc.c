/* CRC-16/DNP (IEEE 1815-2012 9.2.4.2). The tables live in crc_table.c, the
 * folding steps in crc_internal.h so the frame parser can inline them. */
#include "dnp3/link.h"
#include "link/crc_internal.h"

uint16_t dnp3_crc16(const uint8_t *data, size_t len)
{
    if (data == NULL)
        return dnp3i_crc_final(0);
    return dnp3i_crc_final(dnp3i_crc_update(0, data, len));
}
