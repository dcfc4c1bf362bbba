/* Fuzz the mux as a connection drives it: bytes in at any chunking, time,
 * output taken, fake sessions that send (confirmed or not, to their peer or
 * a broadcast address), attach / detach, on-demand attach, reconnects.
 *
 * Input: byte 0 picks the configuration (bit 0 outstation, bit 1 DISCARD
 * policy, bit 2 keep-alive 1 s, bit 3 attach on demand, bits 4..5 sessions
 * attached at the start, bit 6 smallest tx fragment, bit 7 self address
 * off). Then operations, one byte each (op = low 3 bits, arg = high 5) and
 * maybe an argument byte:
 *   0..2  feed the next L bytes (L = next byte + 1)
 *   3     advance time by arg * 100 ms and run the timers
 *   4     take output into a buffer of arg * 16 + 16 bytes
 *   5     session arg % 4 queues a fragment of next byte + 1 bytes, to a
 *         broadcast address when arg & 4, confirmed when arg & 8
 *   6     the connection closes and a new one opens
 *   7     session arg % 4 is detached, or attached when it is not
 *
 * Every input runs twice: the channels with fragment buffers of their own,
 * then each mux's channel with a pool (dnp3_fragment_pool_t) of six: a
 * partial fragment per session, the fragment being sent, a frame split
 * between reads. Never short (B, fed byte by byte, holds a frame buffer
 * where A does not); tests/unit/test_mux_pool.c covers running out.
 *
 * Two muxes run in lockstep, A fed each chunk whole and B one byte at a
 * time; invariants:
 *  - the sessions of A and B see the same calls, and A and B return the
 *    same codes and write the same output;
 *  - every output byte belongs to a valid frame, never past cap;
 *  - a session gets only fragments for its pair (or a broadcast / self
 *    address from its remote), no bigger than rx_fragment_max;
 *  - TX_DONE / TX_FAILED only to a session with a fragment in flight, and
 *    at most one fragment in flight on a mux; LINK_UP and LINK_DOWN
 *    alternate;
 *  - a negative return leaves the mux closed until the next connection. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3/link.h"
#include "dnp3/mux.h"
#include "fuzz_check.h"
#include "fuzz_frames.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define N_SESS 4

typedef struct side side_t;

typedef struct sess {
    side_t *side;
    unsigned idx;
    dnp3_app_session_t as;
    bool attached;
    bool up;
    bool in_flight;
    size_t pending; /* length of the queued fragment, 0: none */
    uint16_t pending_dst;
    bool pending_confirmed;
    uint8_t counter;
} sess_t;

struct side {
    dnp3_mux_t *mux;
    dnp3_fragment_pool_t *pool; /* or NULL */
    sess_t s[N_SESS];
    uint64_t digest;
    size_t rx_max;
    bool on_demand;
};

static const uint16_t locals[N_SESS] = {10, 11, 10, 11};
static const uint16_t remotes[N_SESS] = {1, 1, 2, 2};

static uint64_t mix(uint64_t h, uint64_t v)
{
    h ^= v + 0x9E3779B97F4A7C15ull + (h << 6) + (h >> 2);
    return h * 0xFF51AFD7ED558CCDull;
}

static void note(sess_t *s, uint64_t what)
{
    s->side->digest = mix(s->side->digest, ((uint64_t)s->idx << 32) | what);
}

static void on_fragment(void *p, dnp3_timestamp_t now, uint16_t src, uint16_t dst, const uint8_t *d,
                        size_t len)
{
    (void)now;
    sess_t *s = p;
    CHECK(s->attached);
    CHECK(src == s->as.remote);
    CHECK(dst == s->as.local || dnp3_link_addr_is_broadcast(dst) || dst == DNP3_ADDR_SELF);
    CHECK(len <= s->side->rx_max && (len == 0 || d != NULL));
    note(s, 1);
    note(s, ((uint64_t)src << 16) | dst);
    for (size_t i = 0; i < len; i++)
        note(s, d[i]);
}

static size_t take_fragment(void *p, dnp3_timestamp_t now, uint8_t *buf, size_t cap, uint16_t *dst,
                            bool *confirmed)
{
    (void)now;
    sess_t *s = p;
    CHECK(s->attached && s->up && !s->in_flight);
    if (s->pending == 0)
        return 0;
    size_t len = s->pending <= cap ? s->pending : cap;
    for (size_t i = 0; i < len; i++)
        buf[i] = (uint8_t)(s->counter + i);
    s->counter++;
    *dst = s->pending_dst;
    *confirmed = s->pending_confirmed;
    s->pending = 0;
    s->in_flight = true;
    for (unsigned i = 0; i < N_SESS; i++)
        CHECK(&s->side->s[i] == s || !s->side->s[i].in_flight);
    note(s, 2);
    return len;
}

static bool want_send(void *p)
{
    return ((sess_t *)p)->pending > 0;
}

static dnp3_timestamp_t next_deadline(void *p)
{
    (void)p;
    return DNP3_TIMESTAMP_NEVER;
}

static void on_timer(void *p, dnp3_timestamp_t now)
{
    (void)p;
    (void)now;
}

static void on_link_event(void *p, dnp3_timestamp_t now, dnp3_link_state_event_t ev)
{
    (void)now;
    sess_t *s = p;
    CHECK(s->attached);
    switch (ev) {
    case DNP3_LINK_UP:
        CHECK(!s->up);
        s->up = true;
        break;
    case DNP3_LINK_DOWN:
        CHECK(s->up);
        s->up = false;
        s->in_flight = false;
        break;
    case DNP3_LINK_TX_DONE:
    case DNP3_LINK_TX_FAILED:
        CHECK(s->in_flight);
        s->in_flight = false;
        break;
    }
    note(s, 3 + (uint64_t)ev);
}

static const dnp3_app_session_ops_t ops = {
    .on_fragment = on_fragment,
    .take_fragment = take_fragment,
    .want_send = want_send,
    .next_deadline = next_deadline,
    .on_timer = on_timer,
    .on_link_event = on_link_event,
};

static void attach(side_t *sd, unsigned i)
{
    sess_t *s = &sd->s[i];
    s->attached = true;
    s->up = false;
    s->in_flight = false;
    int rc = dnp3_mux_attach(sd->mux, &s->as);
    CHECK(rc == 0);
}

static void detach(side_t *sd, unsigned i)
{
    CHECK(dnp3_mux_detach(sd->mux, locals[i], remotes[i]) == 0);
    sd->s[i].attached = false; /* told nothing more, LINK_DOWN included */
    sd->s[i].up = false;
    sd->s[i].in_flight = false;
}

static int unclaimed(void *user, dnp3_mux_t *mux, dnp3_timestamp_t now, uint16_t src, uint16_t dst)
{
    (void)now;
    side_t *sd = user;
    CHECK(sd->mux == mux);
    if (!sd->on_demand)
        return 0;
    uint16_t local = dst == 11 ? 11 : 10;
    for (unsigned i = 0; i < N_SESS; i++) {
        if (locals[i] == local && remotes[i] == src && !sd->s[i].attached)
            attach(sd, i);
    }
    return 0;
}

/* The protocol trace's lines: whole, NUL-terminated, never empty. */
static void trace_log(void *ctx, dnp3_log_level_t level, const char *msg)
{
    (void)ctx;
    (void)level;
    CHECK(msg != NULL && strlen(msg) > 0);
}

static dnp3_mux_config_t config(uint8_t b, side_t *sd)
{
    dnp3_mux_config_t cfg;
    dnp3_mux_config_default(&cfg);
    cfg.channel.role = (b & 1) ? DNP3_CHANNEL_ROLE_OUTSTATION : DNP3_CHANNEL_ROLE_MASTER;
    cfg.channel.policy = (b & 2) ? DNP3_LINK_POLICY_DISCARD : DNP3_LINK_POLICY_CLOSE;
    cfg.channel.keepalive_ms = (b & 4) ? 1000 : 0;
    /* With the keep-alive, the slow and idle peer guard too. */
    cfg.first_frame_timeout_ms = (b & 4) ? 2000 : 0;
    cfg.partial_frame_timeout_ms = (b & 4) ? 700 : 0;
    cfg.channel.tx_fragment_max = (b & 64) ? DNP3_CHANNEL_FRAGMENT_MIN : 600;
    cfg.channel.rx_fragment_max = 600;
    cfg.channel.accept_self = (b & 128) == 0;
    cfg.channel.local[0] = 10;
    cfg.channel.confirm_timeout_ms = 300;
    cfg.channel.confirm_retries = 1;
    cfg.max_sessions = N_SESS;
    cfg.on_unclaimed = unclaimed;
    cfg.user = sd;
    if (b & 4) { /* with the keep-alive: the link and transport trace, every level */
        cfg.logger.log = trace_log;
        cfg.logger.level = DNP3_LOG_DEBUG;
        cfg.decode_link = DNP3_LINK_DECODE_PAYLOAD;
        cfg.decode_transport = DNP3_TRANSPORT_DECODE_PAYLOAD;
    }
    return cfg;
}

static void side_init(side_t *sd, uint8_t b, bool pooled)
{
    memset(sd, 0, sizeof *sd);
    dnp3_mux_config_t cfg = config(b, sd);
    if (pooled) {
        sd->pool = dnp3_fragment_pool_new(6, 600, NULL);
        CHECK(sd->pool != NULL);
        cfg.channel.pool = sd->pool;
    }
    sd->mux = dnp3_mux_new(&cfg, NULL);
    CHECK(sd->mux != NULL);
    sd->rx_max = cfg.channel.rx_fragment_max;
    sd->on_demand = (b & 8) != 0;
    for (unsigned i = 0; i < N_SESS; i++) {
        sess_t *s = &sd->s[i];
        s->side = sd;
        s->idx = i;
        s->as = (dnp3_app_session_t){.ops = &ops, .s = s, .local = locals[i], .remote = remotes[i]};
    }
    unsigned n = (b >> 4) & 3u;
    for (unsigned i = 0; i < n; i++)
        attach(sd, i);
    dnp3_mux_on_open(sd->mux, 0);
}

/* A negative code closes the connection; the runtime then opens another. */
static void after(side_t *sd, int rc, uint64_t now)
{
    if (rc >= 0) {
        CHECK(!dnp3_mux_closed(sd->mux));
        return;
    }
    CHECK(dnp3_mux_closed(sd->mux));
    for (unsigned i = 0; i < N_SESS; i++)
        CHECK(!sd->s[i].up && !sd->s[i].in_flight);
    CHECK(dnp3_mux_on_bytes(sd->mux, now, NULL, 0) == DNP3_E_STATE);
    dnp3_mux_on_close(sd->mux, now);
    dnp3_mux_on_open(sd->mux, now);
}

static int feed(side_t *sd, uint64_t now, const uint8_t *d, size_t len, size_t chunk)
{
    for (size_t pos = 0; pos < len; pos += chunk) {
        size_t take = len - pos < chunk ? len - pos : chunk;
        int rc = dnp3_mux_on_bytes(sd->mux, now, d + pos, take);
        CHECK(rc == 0 || rc == DNP3_E_LINK_CLOSED || rc == DNP3_E_LINK_KEEPALIVE);
        if (rc < 0)
            return rc;
    }
    return 0;
}

static void take(side_t *a, side_t *b, uint64_t now, size_t cap)
{
    uint8_t oa[528 + 8], ob[528 + 8];
    memset(oa, 0xA5, sizeof oa);
    int na = dnp3_mux_take_output(a->mux, now, oa, cap);
    int nb = dnp3_mux_take_output(b->mux, now, ob, cap);
    CHECK(na == nb && (na < 0 || (size_t)na <= cap));
    if (na > 0) {
        CHECK(memcmp(oa, ob, (size_t)na) == 0);
        check_frames(oa, (size_t)na);
    }
    CHECK(oa[cap] == 0xA5);
    after(a, na, now);
    after(b, nb, now);
}

static void queue(side_t *sd, unsigned arg, size_t len)
{
    sess_t *s = &sd->s[arg % N_SESS];
    s->pending = len;
    s->pending_dst = (arg & 4) ? DNP3_ADDR_BROADCAST_NO_CONFIRM : s->as.remote;
    s->pending_confirmed = (arg & 8) != 0;
}

static void toggle(side_t *sd, unsigned i)
{
    if (sd->s[i].attached)
        detach(sd, i);
    else
        attach(sd, i);
}

static void run(const uint8_t *data, size_t size, bool pooled)
{
    static side_t a, b; /* the fuzzer's own state, reset per input */
    side_init(&a, data[0], pooled);
    side_init(&b, data[0], pooled);
    uint64_t now = 0;
    size_t pos = 1;
    while (pos < size) {
        unsigned op = data[pos] & 7u, arg = data[pos] >> 3;
        pos++;
        if (op <= 2) {
            if (pos >= size)
                break;
            size_t len = (size_t)data[pos++] + 1;
            if (len > size - pos)
                len = size - pos;
            int ra = feed(&a, now, data + pos, len, len ? len : 1);
            int rb = feed(&b, now, data + pos, len, 1);
            CHECK(ra == rb);
            after(&a, ra, now);
            after(&b, rb, now);
            pos += len;
        } else if (op == 3) {
            now += (uint64_t)arg * 100;
            int ra = dnp3_mux_on_timer(a.mux, now), rb = dnp3_mux_on_timer(b.mux, now);
            CHECK(ra == rb);
            after(&a, ra, now);
            after(&b, rb, now);
        } else if (op == 4) {
            take(&a, &b, now, (size_t)arg * 16 + 16);
        } else if (op == 5) {
            if (pos >= size)
                break;
            size_t len = (size_t)data[pos++] + 1;
            queue(&a, arg, len);
            queue(&b, arg, len);
        } else if (op == 6) {
            dnp3_mux_on_close(a.mux, now);
            dnp3_mux_on_close(b.mux, now);
            dnp3_mux_on_open(a.mux, now);
            dnp3_mux_on_open(b.mux, now);
        } else {
            toggle(&a, arg % N_SESS);
            toggle(&b, arg % N_SESS);
        }
        CHECK(a.digest == b.digest);
        CHECK(dnp3_mux_next_deadline(a.mux) == dnp3_mux_next_deadline(b.mux));
        CHECK(dnp3_mux_want_write(a.mux) == dnp3_mux_want_write(b.mux));
    }
    dnp3_mux_counters_t ca, cb;
    dnp3_mux_counters(a.mux, &ca);
    dnp3_mux_counters(b.mux, &cb);
    CHECK(ca.fragments_in == cb.fragments_in && ca.foreign == cb.foreign &&
          ca.unclaimed == cb.unclaimed && ca.fragments_out == cb.fragments_out);
    CHECK(ca.fragments_in + ca.unclaimed <= ca.channel.fragments_rx);
    CHECK(ca.foreign == ca.channel.foreign);
    dnp3_mux_free(a.mux);
    dnp3_mux_free(b.mux);
    dnp3_fragment_pool_counters_t pa, pb;
    dnp3_fragment_pool_counters(a.pool, &pa);
    dnp3_fragment_pool_counters(b.pool, &pb);
    CHECK(pa.in_use == 0 && pb.in_use == 0); /* every buffer back */
    CHECK(pa.exhausted == 0 && pb.exhausted == 0);
    dnp3_fragment_pool_free(a.pool);
    dnp3_fragment_pool_free(b.pool);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1)
        return 0;
    run(data, size, false);
    run(data, size, true);
    return 0;
}
