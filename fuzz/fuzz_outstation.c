/* Fuzz the outstation session core: request fragments (raw, or built on a
 * few request templates so deep paths are reached), time advances, link up
 * and down, database updates and the master's confirms, all from the
 * fuzzer's bytes.
 *
 * Input: a stream of operations, each an opcode byte followed by the bytes
 * it reads (missing bytes are 0).
 *
 * Invariants checked after every operation:
 *  - nothing crashes, leaks or reads out of bounds (ASan/UBSan);
 *  - every fragment the outstation sends parses with our own application
 *    parser: a response or unsolicited response header, every object header
 *    and every point of it, and fits the configured fragment size;
 *  - a solicited response echoes the sequence it answers or the one after
 *    (further fragments), and an unsolicited one has UNS and CON set;
 *  - the deadline never lies in the past after on_timer ran at "now". */
#include <stdint.h>
#include <string.h>

#include "dnp3/app.h"
#include "dnp3/outstation.h"
#include "fuzz_check.h"
#include "fuzz_input.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define TX_MAX 249

typedef struct fz {
    dnp3_db_t *db;
    dnp3_outstation_t *o;
    dnp3_timestamp_t now;
    uint8_t last_seq, last_uns_seq;
    bool last_con;
} fz_t;

static uint8_t on_control(void *ctx, const dnp3_control_t *c)
{
    (void)ctx;
    return (uint8_t)(c->index % 3 == 2 ? DNP3_CS_HARDWARE_ERROR : DNP3_CS_SUCCESS);
}

static int on_restart(void *ctx, bool cold, uint32_t *delay)
{
    (void)ctx;
    *delay = cold ? 70000 : 1;
    return 0;
}

static bool on_freeze(void *ctx, const dnp3_freeze_t *f)
{
    (void)ctx;
    return f->interval_ms % 2 == 0;
}

static void check_fragment(const uint8_t *buf, size_t n)
{
    CHECK(n >= 4 && n <= TX_MAX);
    dnp3_app_header_t h;
    CHECK(dnp3_app_header_read(buf, n, &h) == 4);
    CHECK(h.func == DNP3_FC_RESPONSE || h.func == DNP3_FC_UNSOLICITED_RESPONSE);
    if (h.func == DNP3_FC_UNSOLICITED_RESPONSE)
        CHECK((h.control & (DNP3_AC_UNS | DNP3_AC_CON)) == (DNP3_AC_UNS | DNP3_AC_CON));
    CHECK((h.iin & (DNP3_IIN_RESERVED_2_6 | DNP3_IIN_RESERVED_2_7)) == 0);
    dnp3_obj_iter_t it;
    dnp3_obj_header_t oh;
    int rc;
    dnp3_obj_iter_init(&it, buf, n, &h);
    while ((rc = dnp3_obj_iter_next(&it, &oh)) > 0) {
        dnp3_point_iter_t pi;
        dnp3_point_t pt;
        int prc;
        dnp3_point_iter_init(&pi, &oh, &it);
        while ((prc = dnp3_point_iter_next(&pi, &pt)) > 0)
            ;
        CHECK(prc == 0);
    }
    CHECK(rc == 0);
}

static void drain(fz_t *f)
{
    uint8_t buf[TX_MAX + 16];
    for (int i = 0; i < 8; i++) {
        uint16_t dst;
        bool confirmed;
        size_t n = dnp3_outstation_take_fragment(f->o, f->now, buf, sizeof buf, &dst, &confirmed);
        if (!n)
            return;
        check_fragment(buf, n);
        if (buf[1] == DNP3_FC_UNSOLICITED_RESPONSE)
            f->last_uns_seq = buf[0] & 15;
        else
            f->last_seq = buf[0] & 15;
        f->last_con = (buf[0] & DNP3_AC_CON) != 0;
    }
}

/* Request templates: a header the fuzzer's bytes complete. */
static const uint8_t *const templates[] = {
    (const uint8_t *)"\x01\x3C\x02\x06\x3C\x03\x06\x3C\x04\x06\x3C\x01\x06",
    (const uint8_t *)"\x05\x0C\x01\x28\x01\x00",
    (const uint8_t *)"\x03\x0C\x01\x17\x01",
    (const uint8_t *)"\x04\x0C\x01\x17\x01",
    (const uint8_t *)"\x05\x29\x02\x17\x01",
    (const uint8_t *)"\x02\x32\x01\x07\x01",
    (const uint8_t *)"\x14\x3C\x02\x06\x3C\x03\x06\x3C\x04\x06",
    (const uint8_t *)"\x0B\x32\x02\x07\x01",
};
static const uint8_t template_len[] = {13, 6, 5, 5, 5, 5, 10, 5};

static void send_request(fz_t *f, input_t *in, bool templated)
{
    uint8_t frag[300];
    size_t n = 0;
    uint8_t sel = input_next(in);
    uint16_t dsts[] = {10, 10, 10, 0xFFFC, 0xFFFD, 0xFFFE, 0xFFFF, 11};
    uint16_t dst = dsts[sel & 7];
    uint16_t src = (sel & 0x80) ? 2 : 1;
    uint8_t len = input_next(in);
    frag[n++] = input_next(in);
    if (templated) {
        uint8_t t = input_next(in) % (sizeof templates / sizeof templates[0]);
        memcpy(frag + n, templates[t], template_len[t]);
        n += template_len[t];
    }
    while (len-- && n < sizeof frag)
        frag[n++] = input_next(in);
    dnp3_outstation_on_fragment(f->o, f->now, src, dst, frag, n);
}

static void update(fz_t *f, input_t *in)
{
    uint8_t t = input_next(in) % DNP3_PT_COUNT_;
    uint32_t idx = input_next(in) % 5; /* 4 points: index 4 is refused */
    uint8_t v = input_next(in);
    uint8_t flags = input_next(in);
    dnp3_time_t time = f->now * 7;
    switch ((dnp3_point_type_t)t) {
    case DNP3_PT_BINARY:
        dnp3_db_update_binary(f->db, idx, v & 1, flags, time);
        break;
    case DNP3_PT_DOUBLE_BIT:
        dnp3_db_update_double_bit(f->db, idx, v & 3, flags, time);
        break;
    case DNP3_PT_BINARY_OUTPUT:
        dnp3_db_update_binary_output(f->db, idx, v & 1, flags, time);
        break;
    case DNP3_PT_COUNTER:
        dnp3_db_update_counter(f->db, idx, (uint32_t)v * 0x01010101u, flags, time);
        break;
    case DNP3_PT_FROZEN_COUNTER:
        dnp3_db_update_frozen_counter(f->db, idx, v, flags, time);
        break;
    case DNP3_PT_ANALOG:
        dnp3_db_update_analog(f->db, idx, (double)(int8_t)v * 1e6, flags, time);
        break;
    case DNP3_PT_ANALOG_OUTPUT:
        dnp3_db_update_analog_output(f->db, idx, (double)(int8_t)v / 3.0, flags, time);
        break;
    default: {
        uint8_t s[8] = {v, 1, 2, 3, 4, 5, 6, 7};
        dnp3_db_update_octet_string(f->db, idx, s, (size_t)(v % 8) + 1, flags, time);
        break;
    }
    }
}

static void step(fz_t *f, input_t *in, uint8_t op)
{
    switch (op % 9) {
    case 0:
        send_request(f, in, false);
        break;
    case 1:
        send_request(f, in, true);
        break;
    case 2: {
        uint16_t ms = (uint16_t)(input_next(in) | input_next(in) << 8);
        f->now += ms;
        break;
    }
    case 3:
        dnp3_outstation_on_link_event(f->o, f->now,
                                      input_next(in) & 1 ? DNP3_LINK_UP : DNP3_LINK_DOWN);
        break;
    case 4: { /* confirm what was sent last (or not quite) */
        uint8_t b = input_next(in);
        uint8_t c[2] = {(uint8_t)(0xC0 | ((b & 1) ? f->last_seq : (b >> 4))), 0x00};
        if (b & 2)
            c[0] = (uint8_t)(0xD0 | f->last_uns_seq);
        dnp3_outstation_on_fragment(f->o, f->now, 1, 10, c, 2);
        break;
    }
    case 5:
        update(f, in);
        break;
    case 6: {
        uint8_t b = input_next(in);
        dnp3_outstation_set_local(f->o, b & 1);
        dnp3_outstation_set_iin(f->o, DNP3_IIN_DEVICE_TROUBLE, b & 2);
        break;
    }
    case 7: {
        uint8_t b = input_next(in);
        dnp3_db_freeze(f->db, b & 3, 3, b & 4, f->now);
        break;
    }
    default:
        drain(f);
        break;
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    input_t in = {data, size};
    fz_t f;
    memset(&f, 0, sizeof f);
    dnp3_db_config_t dc;
    dnp3_db_config_default(&dc);
    for (int t = 0; t < DNP3_PT_COUNT_; t++)
        dc.count[t] = 4;
    dc.defaults[DNP3_PT_BINARY].event_variation = 3; /* relative time: CTO */
    dc.defaults[DNP3_PT_ANALOG].static_variation = 2;
    if (dnp3_db_new(&dc, &f.db) < 0)
        return 0;
    dnp3_outstation_config_t cfg;
    dnp3_outstation_config_default(&cfg);
    cfg.max_tx_fragment = TX_MAX;
    cfg.events.class_capacity[0] = 6;
    cfg.unsolicited_hold_count = 2;
    cfg.unsolicited_retries = 2;
    cfg.max_controls_per_request = 3;
    dnp3_outstation_callbacks_t cb = {
        .control = on_control, .restart = on_restart, .freeze = on_freeze};
    if (dnp3_outstation_new(&cfg, f.db, &cb, NULL, &f.o) < 0) {
        dnp3_db_free(f.db);
        return 0;
    }
    dnp3_outstation_on_link_event(f.o, f.now, DNP3_LINK_UP);
    while (in.left) {
        step(&f, &in, input_next(&in));
        dnp3_outstation_on_timer(f.o, f.now);
        dnp3_timestamp_t d = dnp3_outstation_next_deadline(f.o);
        CHECK(d == DNP3_TIMESTAMP_NEVER || d > f.now || d == 0 || dnp3_outstation_want_send(f.o));
        drain(&f);
    }
    dnp3_outstation_free(f.o);
    dnp3_db_free(f.db);
    return 0;
}
