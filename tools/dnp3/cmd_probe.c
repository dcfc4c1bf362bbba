/* cmd_probe: the connectivity test before configuring DNP3. Connect, send
 * REQUEST_LINK_STATUS to the address (IEEE 1815-2012 9.2.6.4), and report
 * exactly one of: connection refused, connect timed out, host unreachable,
 * connected but no DNP3 link answer (then the self address 0xFFFC is asked,
 * 9.2.4.1.4, and a device answering there is named: "the device is address
 * 11, not 10"), or the link answered: then an empty READ gets the
 * outstation's IIN, and the round-trip times are printed. */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cmd_station.h"
#include "dnp3/app.h"
#include "dnp3/channel.h"
#include "dnp3/link.h"
#include "station.h"

const char cmd_probe_summary[] = "connectivity test: TCP, DNP3 link status, IIN, round trip";

enum { OPT_TIMEOUT = OPTS_OWN };

typedef enum { PH_CONNECT, PH_LINK, PH_SELF, PH_READ, PH_DONE } phase_t;

typedef struct probe {
    station_target_t t;
    FILE *out, *err;
    bool json;
    dnp3_log_level_t log_level; /* runtime log (-v: INFO) */
    dnp3_runtime_t *rt;
    dnp3_channel_t *ch;
    phase_t phase;
    uint32_t timeout_ms;
    dnp3_timestamp_t deadline;
    double t_connect, t_sent; /* monotonic ms (fractional) */
    double connect_ms, link_ms;
    uint8_t raw[DNP3_LINK_HEADER_SIZE];
    size_t raw_len;
    /* Application fragments waiting for the channel (one is sent at a
     * time): an unsolicited confirm first, then the empty READ. */
    uint8_t confirm[2];
    bool confirm_pending, read_pending;
    bool sent_this_round; /* one fragment per write: tshark 4.0 misreads an empty READ
                             sharing a TCP segment with another fragment */
    uint16_t foreign_src, foreign_dst;
    bool foreign;
    int exit_code;
} probe_t;

static double mono_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec * 1000.0 + (double)ts.tv_nsec / 1e6;
}

static void usage(FILE *f)
{
    fputs("usage: dnp3 probe HOST[:PORT] [options]\n"
          "\n"
          "Connect (port 20000 by default), send the DNP3 link layer's REQUEST_LINK_STATUS\n"
          "to the outstation's address and report what happened: connection refused,\n"
          "connect timed out, host unreachable, connected but no DNP3 answer (the self\n"
          "address 0xFFFC is then asked, and a device answering there is named), or the\n"
          "link answered, with the outstation's IIN (from an empty READ) and the round\n"
          "trip times.\n"
          "\n"
          "options:\n"
          "  --address N       the outstation's link address (default 10)\n"
          "  --master N        our link address (default 1)\n"
          "  --timeout DUR     connect timeout and the wait for each answer (default "
          "2s)\n" STATION_VERBOSE_HELP "  --json            the result as one JSON object\n"
          "  --pcap FILE       write the session's traffic to a capture\n"
          "  --help            show this text\n"
          "\n"
          "exit status: 0 link answered, 2 usage, 3 connection refused, 4 connect timed\n"
          "out, 5 host unreachable, 6 connected but no DNP3 answer from that address\n",
          f);
}

static void finish(probe_t *p, int code)
{
    if (p->phase == PH_DONE)
        return;
    p->phase = PH_DONE;
    p->exit_code = code;
    dnp3_runtime_stop(p->rt);
}

static void json_result(probe_t *p, const char *result, const char *extra)
{
    if (!p->json)
        return;
    fprintf(p->out, "{\"endpoint\": \"%s:%u\", \"address\": %u, \"result\": \"%s\"%s}\n", p->t.host,
            p->t.port, p->t.address, result, extra ? extra : "");
}

static void send_link_status(probe_t *p, uint16_t dst, dnp3_timestamp_t now)
{
    uint8_t control = dnp3_link_control(true, true, false, false, DNP3_LINK_REQUEST_LINK_STATUS);
    int n = dnp3_link_frame_write(p->raw, sizeof p->raw, control, dst, p->t.master, NULL, 0);
    p->raw_len = n > 0 ? (size_t)n : 0;
    p->t_sent = mono_ms();
    p->deadline = now + p->timeout_ms;
}

static void link_answered(probe_t *p, uint16_t src, dnp3_timestamp_t now)
{
    if (p->phase == PH_LINK && src == p->t.address) {
        p->link_ms = mono_ms() - p->t_sent;
        if (!p->json)
            fprintf(p->out, "%s: link status answered by address %u in %.2f ms\n", p->t.name, src,
                    p->link_ms);
        p->deadline = now + p->timeout_ms;
        p->phase = PH_READ;
        p->read_pending = true;
    } else if (p->phase == PH_SELF) {
        fprintf(p->err,
                "dnp3 probe: %s: no DNP3 answer from address %u; a device answered at the self "
                "address: the device is address %u, not %u\n",
                p->t.name, p->t.address, src, p->t.address);
        char extra[64];
        snprintf(extra, sizeof extra, ", \"device_address\": %u", src);
        json_result(p, "wrong_address", extra);
        finish(p, STATION_EXIT_NO_ANSWER);
    }
}

/* An outstation may hold back its answers until its unsolicited response
 * is confirmed (4.6.3): confirm it as a master does. */
static void confirm_unsolicited(probe_t *p, const uint8_t *data, size_t len)
{
    dnp3_app_header_t h;
    if (dnp3_app_header_read(data, len, &h) < 0 || h.func != DNP3_FC_UNSOLICITED_RESPONSE ||
        !(h.control & DNP3_AC_CON))
        return;
    p->confirm[0] =
        (uint8_t)(DNP3_AC_FIR | DNP3_AC_FIN | DNP3_AC_UNS | (h.control & DNP3_AC_SEQ_MASK));
    p->confirm[1] = DNP3_FC_CONFIRM;
    p->confirm_pending = true;
}

/* Hand the channel the next waiting fragment, if it can take one. */
static void send_pending(probe_t *p, dnp3_timestamp_t now)
{
    static const uint8_t read_nothing[] = {0xC0, DNP3_FC_READ}; /* FIR FIN, seq 0 */
    if (!dnp3_channel_can_send(p->ch) || p->sent_this_round)
        return;
    p->sent_this_round = p->confirm_pending || p->read_pending;
    if (p->confirm_pending) {
        p->confirm_pending = false;
        dnp3_channel_send(p->ch, now, p->t.master, p->t.address, p->confirm, 2, false);
    } else if (p->read_pending) {
        p->read_pending = false;
        p->t_sent = mono_ms();
        dnp3_channel_send(p->ch, now, p->t.master, p->t.address, read_nothing, sizeof read_nothing,
                          false);
    }
}

static void got_response(probe_t *p, const uint8_t *data, size_t len)
{
    dnp3_app_header_t h;
    if (p->phase != PH_READ || dnp3_app_header_read(data, len, &h) < 0 || !h.has_iin ||
        h.func != DNP3_FC_RESPONSE)
        return;
    double read_ms = mono_ms() - p->t_sent;
    char iin[200];
    station_iin_text(h.iin, iin, sizeof iin);
    if (p->json) {
        char extra[400];
        snprintf(extra, sizeof extra,
                 ", \"connect_ms\": %.3f, \"link_ms\": %.3f, \"read_ms\": %.3f, \"iin\": %u, "
                 "\"iin_bits\": \"%s\"",
                 p->connect_ms, p->link_ms, read_ms, h.iin, iin);
        json_result(p, "ok", extra);
    } else {
        fprintf(p->out, "%s: IIN %04x (%s); empty READ answered in %.2f ms\n", p->t.name, h.iin,
                iin, read_ms);
    }
    finish(p, STATION_EXIT_OK);
}

static void on_event(probe_t *p, const dnp3_channel_event_t *ev, dnp3_timestamp_t now)
{
    switch (ev->kind) {
    case DNP3_CHANNEL_EV_FRAME:
        if (!dnp3_link_hdr_prm(&ev->frame.hdr) && !dnp3_link_hdr_dir(&ev->frame.hdr) &&
            dnp3_link_hdr_func(&ev->frame.hdr) == DNP3_LINK_LINK_STATUS &&
            ev->frame.hdr.dst == p->t.master)
            link_answered(p, ev->frame.hdr.src, now);
        break;
    case DNP3_CHANNEL_EV_FOREIGN:
        p->foreign = true;
        p->foreign_src = ev->src;
        p->foreign_dst = ev->dst;
        break;
    case DNP3_CHANNEL_EV_FRAGMENT:
        if (ev->src == p->t.address) {
            confirm_unsolicited(p, ev->data, ev->len);
            got_response(p, ev->data, ev->len);
        }
        break;
    case DNP3_CHANNEL_EV_CLOSED:
        fprintf(p->err, "dnp3 probe: %s: the peer does not speak DNP3 (%s)\n", p->t.name,
                dnp3_strerror(ev->reason));
        json_result(p, "not_dnp3", NULL);
        finish(p, STATION_EXIT_NO_ANSWER);
        break;
    default:
        break;
    }
}

/* ---- runtime session ----------------------------------------------------------- */

static void s_open(void *ctx, dnp3_conn_t *conn, const dnp3_conn_info_t *info, dnp3_timestamp_t now)
{
    (void)conn;
    (void)info;
    probe_t *p = ctx;
    p->connect_ms = mono_ms() - p->t_connect;
    dnp3_channel_reset(p->ch);
    if (!p->json)
        fprintf(p->out, "%s:%u: TCP connected in %.2f ms\n", p->t.host, p->t.port, p->connect_ms);
    p->phase = PH_LINK;
    send_link_status(p, p->t.address, now);
}

static int s_bytes(void *ctx, dnp3_timestamp_t now, const uint8_t *data, size_t len)
{
    probe_t *p = ctx;
    p->sent_this_round = false;
    dnp3_channel_event_t ev;
    for (;;) {
        size_t n = dnp3_channel_on_bytes(p->ch, now, data, len, &ev);
        data += n;
        len -= n;
        if (ev.kind == DNP3_CHANNEL_EV_NONE)
            break;
        on_event(p, &ev, now);
    }
    return 0;
}

static int s_take(void *ctx, dnp3_timestamp_t now, uint8_t *buf, size_t cap)
{
    probe_t *p = ctx;
    send_pending(p, now);
    if (p->raw_len && cap >= p->raw_len) {
        memcpy(buf, p->raw, p->raw_len);
        size_t n = p->raw_len;
        p->raw_len = 0;
        return (int)n;
    }
    return (int)dnp3_channel_take_output(p->ch, now, buf, cap);
}

static dnp3_timestamp_t s_deadline(void *ctx)
{
    const probe_t *p = ctx;
    dnp3_timestamp_t d = dnp3_channel_next_deadline(p->ch);
    if ((p->confirm_pending || p->read_pending) && dnp3_channel_can_send(p->ch))
        return 0; /* waiting output: take_output soon */
    if (p->phase >= PH_LINK && p->phase <= PH_READ && p->deadline < d)
        d = p->deadline;
    return d;
}

static void no_answer(probe_t *p)
{
    const char *extra = "";
    char buf[160];
    if (p->foreign) {
        snprintf(buf, sizeof buf, " (it sent frames from address %u to address %u)", p->foreign_src,
                 p->foreign_dst);
        extra = buf;
    }
    fprintf(p->err,
            "dnp3 probe: %s: TCP connected, but no DNP3 link answer from address %u nor at the "
            "self address in %lu ms%s\n",
            p->t.name, p->t.address, (unsigned long)p->timeout_ms, extra);
    json_result(p, "no_answer", NULL);
    finish(p, STATION_EXIT_NO_ANSWER);
}

static int s_timer(void *ctx, dnp3_timestamp_t now)
{
    probe_t *p = ctx;
    p->sent_this_round = false;
    dnp3_channel_event_t ev;
    do {
        dnp3_channel_on_timer(p->ch, now, &ev);
        if (ev.kind != DNP3_CHANNEL_EV_NONE)
            on_event(p, &ev, now);
    } while (ev.kind != DNP3_CHANNEL_EV_NONE);
    if (now < p->deadline)
        return 0;
    if (p->phase == PH_LINK) {
        if (!p->json)
            fprintf(p->out, "%s: no link answer in %lu ms; asking the self address 0xFFFC\n",
                    p->t.name, (unsigned long)p->timeout_ms);
        p->phase = PH_SELF;
        send_link_status(p, DNP3_ADDR_SELF, now);
    } else if (p->phase == PH_SELF) {
        no_answer(p);
    } else if (p->phase == PH_READ) {
        fprintf(p->err, "dnp3 probe: %s: the link answered, but the empty READ did not in %lu ms\n",
                p->t.name, (unsigned long)p->timeout_ms);
        json_result(p, "no_read_answer", NULL);
        finish(p, STATION_EXIT_NO_ANSWER);
    }
    return 0;
}

static void s_close(void *ctx, dnp3_disconnect_reason_t reason)
{
    probe_t *p = ctx;
    if (p->phase == PH_DONE || reason == DNP3_DISCONNECT_STOP)
        return;
    fprintf(p->err,
            "dnp3 probe: %s: TCP connected, then the peer closed the connection (%s) "
            "without a DNP3 answer\n",
            p->t.name, dnp3_disconnect_reason_name(reason));
    json_result(p, "closed", NULL);
    finish(p, STATION_EXIT_NO_ANSWER);
}

static void s_connect_failed(void *ctx, const char *endpoint, int code)
{
    (void)endpoint;
    probe_t *p = ctx;
    station_connect_message(p->err, "probe", &p->t, code);
    json_result(p,
                code == DNP3_E_CONN_REFUSED   ? "refused"
                : code == DNP3_E_CONN_TIMEOUT ? "timeout"
                                              : "unreachable",
                NULL);
    finish(p, station_connect_exit(code));
}

static void s_connecting(void *ctx, const char *endpoint)
{
    (void)endpoint;
    probe_t *p = ctx;
    p->t_connect = mono_ms();
}

static const dnp3_session_ops_t probe_ops = {
    .on_open = s_open,
    .on_bytes = s_bytes,
    .take_output = s_take,
    .next_deadline = s_deadline,
    .on_timer = s_timer,
    .on_close = s_close,
    .on_connect_failed = s_connect_failed,
    .on_connecting = s_connecting,
};

static int start(probe_t *p, const char *pcap)
{
    dnp3_channel_config_t cc;
    dnp3_channel_config_default(&cc);
    cc.role = DNP3_CHANNEL_ROLE_MASTER;
    cc.local[0] = p->t.master;
    cc.n_local = 1;
    cc.report_frames = true;
    cc.max_peers = 2;
    p->ch = dnp3_channel_new(&cc, NULL);
    dnp3_runtime_config_t rc;
    dnp3_runtime_config_default(&rc);
    rc.logger.level = p->log_level;
    rc.pcap_path = pcap;
    rc.stop_on_signals = true;
    char err[256] = "";
    p->rt = p->ch ? dnp3_runtime_new(&rc, err, sizeof err) : NULL;
    if (!p->rt) {
        fprintf(p->err, "dnp3 probe: %s\n", err[0] ? err : "out of memory");
        return STATION_EXIT_USAGE;
    }
    dnp3_tcp_endpoint_t ep = {.host = p->t.host, .port = p->t.port};
    dnp3_tcp_client_config_t tc;
    dnp3_tcp_client_config_default(&tc);
    tc.endpoints = &ep;
    tc.endpoint_count = 1;
    tc.connect_timeout_ms = p->timeout_ms;
    tc.backoff_min_ms = tc.backoff_max_ms = 3600000u;
    tc.session.ops = &probe_ops;
    tc.session.ctx = p;
    int rc2 = dnp3_runtime_add_tcp_client(p->rt, &tc, NULL);
    if (rc2 < 0) {
        fprintf(p->err, "dnp3 probe: %s\n", dnp3_strerror(rc2));
        return STATION_EXIT_USAGE;
    }
    return 0;
}

int cmd_probe(int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
    (void)in;
    static const struct option own[] = {{"timeout", required_argument, NULL, OPT_TIMEOUT},
                                        {"verbose", no_argument, NULL, STATION_OPT_VERBOSE},
                                        {0, 0, 0, 0}};
    opts_t o;
    opts_begin(&o, "probe", OPTS_JSON | OPTS_PCAP | OPTS_ADDRESS | OPTS_MASTER, own, "v", argc,
               argv, err);
    probe_t p = {.out = out, .err = err, .timeout_ms = 2000, .log_level = DNP3_LOG_ERROR};
    int id;
    const char *arg;
    while ((id = opts_next(&o, &arg)) > 0) {
        if (id == OPT_TIMEOUT && station_timeout_opt(&o, arg, &p.timeout_ms) < 0)
            return OPTS_EXIT_USAGE;
        if (id == STATION_OPT_VERBOSE || id == 'v')
            p.log_level = DNP3_LOG_INFO;
    }
    if (id < 0)
        return OPTS_EXIT_USAGE;
    if (o.help) {
        usage(out);
        return opts_finish_output("probe", out, err, 0, 0);
    }
    if (station_target_read(&o, argc, argv, &p.t) < 0)
        return OPTS_EXIT_USAGE;
    p.json = o.json;
    int rc = start(&p, o.pcap);
    if (rc == 0)
        dnp3_runtime_run(p.rt);
    dnp3_runtime_free(p.rt);
    dnp3_channel_free(p.ch);
    return opts_finish_output("probe", out, err, rc ? rc : p.exit_code, 0);
}
