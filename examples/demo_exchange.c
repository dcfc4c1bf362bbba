/* demo_exchange: encodes a short master/outstation conversation with the
 * public codec API and writes it to a pcap, the way the wire would carry it.
 *
 *   example_demo_exchange OUT.pcap
 *
 * The conversation: the outstation's null unsolicited response after a
 * restart and the master's confirm, clearing the restart IIN, an integrity
 * poll answered with binary/counter/analog values, a class 1 event poll
 * answered with time-stamped events (needs a confirm), select-before-operate
 * of a CROB, and a time write. Every step goes through the app writer and a
 * channel per station (transport segmentation and link framing), exactly as
 * a session would.
 * `make demo` decodes the capture with `dnp3 decode` (and tshark, if
 * installed) so the two can be compared. */
#include <stdio.h>
#include <string.h>

#include "dnp3/channel.h"
#include "dnp3/codec.h"
#include "dnp3/pcap.h"

#define MASTER_ADDR     1
#define OUTSTATION_ADDR 1024
#define BASE_TIME_MS    1795766400000ull /* 2026-11-27 08:00:00 UTC */

typedef struct demo {
    dnp3_pcap_writer_t *pcap;
    uint64_t ts_us;
    dnp3_channel_t *master, *outstation; /* each station's link and transport */
    uint8_t app_seq_master, unsol_seq;
} demo_t;

/* Hands one fragment to the sending station's channel and records each
 * frame it puts out as one packet. */
static int send_fragment(demo_t *d, bool from_master, const uint8_t *apdu, size_t len)
{
    dnp3_channel_t *ch = from_master ? d->master : d->outstation;
    uint16_t src = from_master ? MASTER_ADDR : OUTSTATION_ADDR;
    uint16_t dst = from_master ? OUTSTATION_ADDR : MASTER_ADDR;
    int rc = dnp3_channel_send(ch, 0, src, dst, apdu, len, false);
    if (rc < 0)
        return rc;
    uint8_t out[4 * DNP3_LINK_MAX_FRAME];
    size_t n;
    while ((n = dnp3_channel_take_output(ch, 0, out, sizeof out)) > 0) {
        /* take_output writes whole frames: LENGTH tells where each ends. */
        for (size_t at = 0; at < n;) {
            size_t flen = dnp3_link_frame_size((size_t)out[at + 2] - DNP3_LINK_MIN_LENGTH);
            d->ts_us += 1500;
            rc = dnp3_pcap_writer_packet(d->pcap, from_master, d->ts_us, out + at, flen);
            if (rc < 0)
                return rc;
            at += flen;
        }
    }
    dnp3_channel_event_t ev;
    do /* TX_DONE */
        dnp3_channel_on_timer(ch, 0, &ev);
    while (ev.kind != DNP3_CHANNEL_EV_NONE);
    return 0;
}

static dnp3_channel_t *station(bool master)
{
    dnp3_channel_config_t cfg;
    dnp3_channel_config_default(&cfg);
    cfg.role = master ? DNP3_CHANNEL_ROLE_MASTER : DNP3_CHANNEL_ROLE_OUTSTATION;
    cfg.local[0] = master ? MASTER_ADDR : OUTSTATION_ADDR;
    return dnp3_channel_new(&cfg, NULL);
}

static int finish_and_send(demo_t *d, dnp3_app_writer_t *w, bool from_master, const char *what)
{
    int len = dnp3_app_writer_finish(w);
    if (len < 0) {
        fprintf(stderr, "demo: encoding %s: %s\n", what, dnp3_strerror(len));
        return len;
    }
    printf("  %-10s -> %-10s %-44s %4d bytes\n", from_master ? "master" : "outstation",
           from_master ? "outstation" : "master", what, len);
    int rc = send_fragment(d, from_master, w->buf, (size_t)len);
    if (rc < 0)
        fprintf(stderr, "demo: framing %s: %s\n", what, dnp3_strerror(rc));
    return rc;
}

static uint8_t next_master_seq(demo_t *d)
{
    uint8_t s = d->app_seq_master;
    d->app_seq_master = (uint8_t)((s + 1) & DNP3_AC_SEQ_MASK);
    return s;
}

static int request(demo_t *d, dnp3_app_writer_t *w, uint8_t *buf, size_t cap, uint8_t func,
                   uint8_t *seq_out)
{
    uint8_t seq = next_master_seq(d);
    *seq_out = seq;
    dnp3_app_writer_init(w, buf, cap);
    return dnp3_app_write_request(w, DNP3_AC_FIR | DNP3_AC_FIN | seq, func);
}

static int confirm(demo_t *d, uint8_t seq, bool unsolicited)
{
    uint8_t buf[2];
    dnp3_app_writer_t w;
    dnp3_app_writer_init(&w, buf, sizeof buf);
    uint8_t ctl = DNP3_AC_FIR | DNP3_AC_FIN | (unsolicited ? DNP3_AC_UNS : 0) | seq;
    dnp3_app_write_request(&w, ctl, DNP3_FC_CONFIRM);
    return finish_and_send(d, &w, true, unsolicited ? "CONFIRM (unsolicited)" : "CONFIRM");
}

static dnp3_point_t point(dnp3_value_type_t type, uint32_t index, uint8_t flags)
{
    dnp3_point_t p;
    memset(&p, 0, sizeof p);
    p.type = type;
    p.index = index;
    p.has_flags = true;
    p.flags = flags;
    return p;
}

static int null_unsolicited(demo_t *d)
{
    uint8_t buf[4];
    dnp3_app_writer_t w;
    dnp3_app_writer_init(&w, buf, sizeof buf);
    uint8_t seq = d->unsol_seq++;
    dnp3_app_write_response(&w, DNP3_AC_FIR | DNP3_AC_FIN | DNP3_AC_CON | DNP3_AC_UNS | seq,
                            DNP3_FC_UNSOLICITED_RESPONSE,
                            DNP3_IIN_DEVICE_RESTART | DNP3_IIN_NEED_TIME);
    if (finish_and_send(d, &w, false, "UNSOLICITED_RESPONSE (null, after restart)") < 0)
        return -1;
    return confirm(d, seq, true);
}

static int clear_restart(demo_t *d)
{
    uint8_t buf[32], seq;
    dnp3_app_writer_t w;
    request(d, &w, buf, sizeof buf, DNP3_FC_WRITE, &seq);
    dnp3_app_write_range(&w, 80, 1, 7, 7);
    dnp3_point_t iin = point(DNP3_VT_IIN_BIT, 7, 0);
    iin.has_flags = false;
    iin.v.binary = false;
    dnp3_app_write_point(&w, &iin);
    if (finish_and_send(d, &w, true, "WRITE g80v1 (clear DEVICE_RESTART)") < 0)
        return -1;
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, DNP3_AC_FIR | DNP3_AC_FIN | seq, DNP3_FC_RESPONSE,
                            DNP3_IIN_NEED_TIME);
    return finish_and_send(d, &w, false, "RESPONSE");
}

static int integrity_poll(demo_t *d)
{
    uint8_t buf[DNP3_FRAGMENT_SIZE_DEFAULT], seq;
    dnp3_app_writer_t w;
    request(d, &w, buf, sizeof buf, DNP3_FC_READ, &seq);
    for (uint8_t v = 2; v <= 4; v++)
        dnp3_app_write_header(&w, 60, v, 0x06, 0, 0);
    dnp3_app_write_header(&w, 60, 1, 0x06, 0, 0);
    if (finish_and_send(d, &w, true, "READ class 1,2,3,0 (integrity poll)") < 0)
        return -1;

    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, DNP3_AC_FIR | DNP3_AC_FIN | seq, DNP3_FC_RESPONSE,
                            DNP3_IIN_NEED_TIME);
    dnp3_app_write_range(&w, 1, 2, 0, 7); /* breaker and alarm states */
    for (uint32_t i = 0; i < 8; i++) {
        dnp3_point_t p = point(DNP3_VT_BINARY, i, 0x01);
        p.v.binary = (i % 3) == 0;
        if (p.v.binary)
            p.flags |= 0x80;
        dnp3_app_write_point(&w, &p);
    }
    dnp3_app_write_range(&w, 20, 1, 0, 3); /* energy counters */
    for (uint32_t i = 0; i < 4; i++) {
        dnp3_point_t p = point(DNP3_VT_COUNTER, i, 0x01);
        p.v.counter = 1000u * (i + 1) + 17u;
        dnp3_app_write_point(&w, &p);
    }
    dnp3_app_write_range(&w, 30, 5, 0, 5); /* feeder currents, voltages, MW */
    static const double analogs[] = {412.5, 398.25, 405.0, 11.02, 10.98, 7.6};
    for (uint32_t i = 0; i < 6; i++) {
        dnp3_point_t p = point(DNP3_VT_ANALOG_FLOAT, i, 0x01);
        p.v.analog_f = analogs[i];
        dnp3_app_write_point(&w, &p);
    }
    return finish_and_send(d, &w, false, "RESPONSE g1v2 g20v1 g30v5");
}

static int event_poll(demo_t *d)
{
    uint8_t buf[DNP3_FRAGMENT_SIZE_DEFAULT], seq;
    dnp3_app_writer_t w;
    request(d, &w, buf, sizeof buf, DNP3_FC_READ, &seq);
    dnp3_app_write_header(&w, 60, 2, 0x06, 0, 0);
    if (finish_and_send(d, &w, true, "READ class 1 (event poll)") < 0)
        return -1;

    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, DNP3_AC_FIR | DNP3_AC_FIN | DNP3_AC_CON | seq, DNP3_FC_RESPONSE,
                            DNP3_IIN_NEED_TIME);
    dnp3_app_write_indexed(&w, 2, 2, 2, 3); /* breaker 0 trips, alarm 3 raises */
    for (uint32_t k = 0; k < 2; k++) {
        dnp3_point_t p = point(DNP3_VT_BINARY, k == 0 ? 0 : 3, k == 0 ? 0x01 : 0x81);
        p.v.binary = k != 0;
        p.has_time = true;
        p.time = BASE_TIME_MS + 250 + 40 * k;
        dnp3_app_write_point(&w, &p);
    }
    dnp3_app_write_indexed(&w, 32, 3, 1, 0); /* current step on feeder 0 */
    dnp3_point_t a = point(DNP3_VT_ANALOG_INT, 0, 0x01);
    a.v.analog_i = 611;
    a.has_time = true;
    a.time = BASE_TIME_MS + 251;
    dnp3_app_write_point(&w, &a);
    if (finish_and_send(d, &w, false, "RESPONSE g2v2 g32v3 events (CON)") < 0)
        return -1;
    return confirm(d, seq, false);
}

static int crob_fragment(demo_t *d, uint8_t func, const char *what)
{
    uint8_t buf[64], seq;
    dnp3_app_writer_t w;
    request(d, &w, buf, sizeof buf, func, &seq);
    dnp3_point_t c;
    memset(&c, 0, sizeof c);
    c.type = DNP3_VT_CROB;
    c.index = 0;
    c.v.crob.code = 0x81; /* TRIP, PULSE_ON */
    c.v.crob.count = 1;
    c.v.crob.on_ms = 100;
    c.v.crob.off_ms = 0;
    c.has_status = true;
    c.status = DNP3_CS_SUCCESS;
    dnp3_app_write_indexed(&w, 12, 1, 1, 0);
    dnp3_app_write_point(&w, &c);
    if (finish_and_send(d, &w, true, what) < 0)
        return -1;
    /* The outstation echoes the objects with the status filled in. */
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, DNP3_AC_FIR | DNP3_AC_FIN | seq, DNP3_FC_RESPONSE,
                            DNP3_IIN_NEED_TIME);
    dnp3_app_write_indexed(&w, 12, 1, 1, 0);
    dnp3_app_write_point(&w, &c);
    return finish_and_send(d, &w, false, "RESPONSE g12v1 status SUCCESS");
}

static int time_write(demo_t *d)
{
    uint8_t buf[32], seq;
    dnp3_app_writer_t w;
    request(d, &w, buf, sizeof buf, DNP3_FC_WRITE, &seq);
    dnp3_app_write_header(&w, 50, 1, 0x07, 1, 0);
    dnp3_point_t t;
    memset(&t, 0, sizeof t);
    t.type = DNP3_VT_TIME;
    t.has_time = true;
    t.time = BASE_TIME_MS + 1000;
    dnp3_app_write_point(&w, &t);
    if (finish_and_send(d, &w, true, "WRITE g50v1 (set time)") < 0)
        return -1;
    dnp3_app_writer_init(&w, buf, sizeof buf);
    dnp3_app_write_response(&w, DNP3_AC_FIR | DNP3_AC_FIN | seq, DNP3_FC_RESPONSE, 0);
    return finish_and_send(d, &w, false, "RESPONSE (NEED_TIME cleared)");
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUT.pcap\n", argv[0]);
        return 2;
    }
    char err[256];
    demo_t d;
    memset(&d, 0, sizeof d);
    d.ts_us = BASE_TIME_MS * 1000u;
    d.master = station(true);
    d.outstation = station(false);
    if (!d.master || !d.outstation) {
        fprintf(stderr, "demo: out of memory\n");
        return 1;
    }
    d.pcap = dnp3_pcap_writer_open(argv[1], err, sizeof err);
    if (!d.pcap) {
        fprintf(stderr, "demo: %s\n", err);
        dnp3_channel_free(d.master);
        dnp3_channel_free(d.outstation);
        return 1;
    }
    /* 127.0.0.1:49152 (master) -> 127.0.0.1:20000 (outstation) */
    dnp3_pcap_writer_set_endpoints(d.pcap, 0x7F000001u, 49152, 0x7F000001u, 20000, false);

    printf("Encoding a master (%u) / outstation (%u) exchange into %s\n", MASTER_ADDR,
           OUTSTATION_ADDR, argv[1]);
    int rc = 0;
    if (null_unsolicited(&d) < 0 || clear_restart(&d) < 0 || integrity_poll(&d) < 0 ||
        event_poll(&d) < 0 || crob_fragment(&d, DNP3_FC_SELECT, "SELECT g12v1 CROB trip") < 0 ||
        crob_fragment(&d, DNP3_FC_OPERATE, "OPERATE g12v1 CROB trip") < 0 || time_write(&d) < 0)
        rc = 1;
    if (dnp3_pcap_writer_close(d.pcap) < 0)
        rc = 1;
    dnp3_channel_free(d.master);
    dnp3_channel_free(d.outstation);
    return rc;
}
