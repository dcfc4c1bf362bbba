/* The pcap writer's conversation state, saved and restored by the runtime so
 * that one capture file holds many TCP streams at once, each with its own
 * endpoints and sequence numbers (the public writer follows one at a time). */
#ifndef DNP3I_PCAP_INTERNAL_H
#define DNP3I_PCAP_INTERNAL_H

#include "dnp3/pcap.h"

typedef struct dnp3i_pcap_conv {
    uint32_t ip[2]; /* [0] client, [1] server */
    uint16_t port[2];
    bool udp;
    bool started;
    uint32_t next_seq[2];
    uint32_t acked[2];
    uint16_t ip_id[2];
} dnp3i_pcap_conv_t;

/* Copy the current conversation out of / into the writer. */
void dnp3i_pcap_writer_get_conv(const dnp3_pcap_writer_t *w, dnp3i_pcap_conv_t *out);
void dnp3i_pcap_writer_set_conv(dnp3_pcap_writer_t *w, const dnp3i_pcap_conv_t *conv);
/* End the current TCP conversation with the FIN exchange at ts_us (when TCP
 * control is on and it started); it is then no longer "started", so
 * dnp3_pcap_writer_close does not repeat it. Returns 0 or DNP3_E_IO. */
int dnp3i_pcap_writer_fin(dnp3_pcap_writer_t *w, uint64_t ts_us);

#endif
