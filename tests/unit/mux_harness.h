/* Test harness for the mux tests: fake sessions that record every call the
 * mux makes into one shared text log ("A frag 1>10 C0 01 3C 02 06"), queue
 * fragments to send and keep a deadline; a logger that keeps the mux's log
 * lines; frame builders. Header-only (static inline), as channel_harness.h. */
#ifndef DNP3_TEST_MUX_HARNESS_H
#define DNP3_TEST_MUX_HARNESS_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "dnp3/link.h"
#include "dnp3/mux.h"
#include "dnp3test.h"

#define MH_LOG    16384
#define MH_QUEUE  8
#define MH_FRAG   2048
#define MH_STREAM 16384

typedef struct mh_text {
    char s[MH_LOG];
    size_t n;
} mh_text_t;

static inline void mh_printf(mh_text_t *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int w = vsnprintf(t->s + t->n, sizeof t->s - t->n, fmt, ap);
    va_end(ap);
    assert_true(w >= 0 && (size_t)w < sizeof t->s - t->n);
    t->n += (size_t)w;
}

/* A fake application session. */
typedef struct fake {
    char name;
    mh_text_t *log;
    dnp3_app_session_t as;
    struct {
        uint8_t b[MH_FRAG];
        size_t len;
        uint16_t dst;
        bool confirmed;
    } q[MH_QUEUE];
    size_t q_head, q_n;
    bool use_want; /* offer want_send (else NULL: always asked) */
    dnp3_timestamp_t deadline;
    size_t asked; /* take_fragment calls */
} fake_t;

static inline void fake_on_fragment(void *s, dnp3_timestamp_t now, uint16_t src, uint16_t dst,
                                    const uint8_t *data, size_t len)
{
    (void)now;
    fake_t *f = s;
    mh_printf(f->log, "%c frag %u>%u", f->name, src, dst);
    for (size_t i = 0; i < len; i++)
        mh_printf(f->log, " %02X", data[i]);
    mh_printf(f->log, "\n");
}

static inline size_t fake_take(void *s, dnp3_timestamp_t now, uint8_t *buf, size_t cap,
                               uint16_t *dst, bool *confirmed)
{
    (void)now;
    fake_t *f = s;
    f->asked++;
    assert_int_equal(*dst, f->as.remote); /* the mux's default */
    assert_false(*confirmed);
    if (f->q_n == 0)
        return 0;
    size_t i = f->q_head;
    f->q_head = (f->q_head + 1) % MH_QUEUE;
    f->q_n--;
    assert_true(f->q[i].len <= cap);
    memcpy(buf, f->q[i].b, f->q[i].len);
    *dst = f->q[i].dst;
    *confirmed = f->q[i].confirmed;
    mh_printf(f->log, "%c sent %zu\n", f->name, f->q[i].len);
    return f->q[i].len;
}

static inline bool fake_want(void *s)
{
    return ((fake_t *)s)->q_n > 0;
}

static inline dnp3_timestamp_t fake_deadline(void *s)
{
    return ((fake_t *)s)->deadline;
}

static inline void fake_timer(void *s, dnp3_timestamp_t now)
{
    fake_t *f = s;
    mh_printf(f->log, "%c timer %llu\n", f->name, (unsigned long long)now);
    f->deadline = DNP3_TIMESTAMP_NEVER;
}

static inline void fake_link(void *s, dnp3_timestamp_t now, dnp3_link_state_event_t ev)
{
    (void)now;
    fake_t *f = s;
    static const char *const names[] = {"up", "down", "tx_done", "tx_failed"};
    mh_printf(f->log, "%c %s\n", f->name, names[ev]);
}

static const dnp3_app_session_ops_t fake_ops_plain = {
    .on_fragment = fake_on_fragment,
    .take_fragment = fake_take,
    .next_deadline = fake_deadline,
    .on_timer = fake_timer,
    .on_link_event = fake_link,
};

static const dnp3_app_session_ops_t fake_ops_want = {
    .on_fragment = fake_on_fragment,
    .take_fragment = fake_take,
    .want_send = fake_want,
    .next_deadline = fake_deadline,
    .on_timer = fake_timer,
    .on_link_event = fake_link,
};

static inline void fake_init(fake_t *f, char name, mh_text_t *log, uint16_t local, uint16_t remote)
{
    memset(f, 0, sizeof *f);
    f->name = name;
    f->log = log;
    f->deadline = DNP3_TIMESTAMP_NEVER;
    f->as = (dnp3_app_session_t){.ops = &fake_ops_want, .s = f, .local = local, .remote = remote};
}

/* Queues a fragment of len bytes (0x40 + name, then a counter) for dst. */
static inline void fake_queue(fake_t *f, size_t len, uint16_t dst, bool confirmed)
{
    assert_true(f->q_n < MH_QUEUE && len <= MH_FRAG);
    size_t i = (f->q_head + f->q_n) % MH_QUEUE;
    for (size_t k = 0; k < len; k++)
        f->q[i].b[k] = k == 0 ? (uint8_t)f->name : (uint8_t)k;
    f->q[i].len = len;
    f->q[i].dst = dst;
    f->q[i].confirmed = confirmed;
    f->q_n++;
}

/* The mux's log lines, one per line. */
static inline void mh_logger(void *ctx, dnp3_log_level_t level, const char *msg)
{
    mh_printf(ctx, "%s %s\n", dnp3_log_level_name(level), msg);
}

/* A mux configuration for an outstation channel at link address 10, its log
 * lines (at the default level unless the caller changes it) into *log. */
static inline void mh_outstation_config(dnp3_mux_config_t *cfg, mh_text_t *log)
{
    dnp3_mux_config_default(cfg);
    cfg->channel.role = DNP3_CHANNEL_ROLE_OUTSTATION;
    cfg->channel.local[0] = 10;
    cfg->logger.log = mh_logger;
    cfg->logger.ctx = log;
}

/* ---- one mux, one session ---------------------------------------------------- */

/* A mux with one fake session, 'A' (outstation 10 <- master 1): allocate
 * with mh_single_alloc, configure (mh_outstation_config(&cfg, &fx->log) and
 * changes), then mh_single_open. */
typedef struct mh_single {
    mh_text_t calls;
    mh_text_t log;
    dnp3_mux_t *mux;
    fake_t a;
} mh_single_t;

static inline mh_single_t *mh_single_alloc(void)
{
    mh_single_t *fx = calloc(1, sizeof *fx);
    assert_non_null(fx);
    return fx;
}

/* Creates the mux from cfg, attaches 'A' and opens the connection at `at`. */
static inline void mh_single_open(mh_single_t *fx, const dnp3_mux_config_t *cfg,
                                  dnp3_timestamp_t at)
{
    int err = 1;
    fx->mux = dnp3_mux_new(cfg, &err);
    assert_non_null(fx->mux);
    assert_int_equal(err, DNP3_OK);
    fake_init(&fx->a, 'A', &fx->calls, 10, 1);
    assert_int_equal(dnp3_mux_attach(fx->mux, &fx->a.as), 0);
    dnp3_mux_on_open(fx->mux, at);
}

static inline void mh_single_free(mh_single_t *fx)
{
    dnp3_mux_free(fx->mux);
    free(fx);
}

/* ---- streams ---------------------------------------------------------------- */

typedef struct mh_stream {
    uint8_t b[MH_STREAM];
    size_t n;
} mh_stream_t;

static inline void mh_frame(mh_stream_t *s, uint8_t control, uint16_t dst, uint16_t src,
                            const uint8_t *user, size_t len)
{
    int w = dnp3_link_frame_write(s->b + s->n, sizeof s->b - s->n, control, dst, src, user, len);
    assert_true(w > 0);
    s->n += (size_t)w;
}

static inline size_t mh_hex(const char *h, uint8_t *out, size_t cap)
{
    return dnp3t_hex(h, out, cap);
}

/* One single-segment fragment (transport header FIR|FIN, sequence seq),
 * unconfirmed user data, DIR as a master sends it when from_master. */
static inline void mh_fragment(mh_stream_t *s, bool from_master, uint16_t dst, uint16_t src,
                               uint8_t seq, const char *apdu_hex)
{
    uint8_t user[DNP3_LINK_MAX_USER_DATA];
    user[0] = (uint8_t)(0xC0 | (seq & 0x3F));
    size_t n = 1 + mh_hex(apdu_hex, user + 1, sizeof user - 1);
    mh_frame(s, dnp3_link_control(from_master, true, false, false, DNP3_LINK_UNCONFIRMED_USER_DATA),
             dst, src, user, n);
}

/* A link-layer frame without user data (ACK, LINK_STATUS, requests). */
static inline void mh_link(mh_stream_t *s, bool from_master, bool prm, uint8_t func, uint16_t dst,
                           uint16_t src)
{
    mh_frame(s, dnp3_link_control(from_master, prm, false, false, func), dst, src, NULL, 0);
}

/* Feeds the stream in chunks of k bytes (0: whole); every call must
 * return 0 (rc_out, when given, receives the first non-zero instead). */
static inline int mh_feed(dnp3_mux_t *mux, dnp3_timestamp_t now, const mh_stream_t *s, size_t k)
{
    size_t step = k == 0 ? (s->n ? s->n : 1) : k;
    for (size_t off = 0; off < s->n; off += step) {
        size_t len = s->n - off < step ? s->n - off : step;
        int rc = dnp3_mux_on_bytes(mux, now, s->b + off, len);
        if (rc != 0)
            return rc;
    }
    return 0;
}

static inline void mh_expect(const mh_text_t *t, const char *expected)
{
    if (strcmp(t->s, expected) != 0) {
        print_error("log was:\n%s\nexpected:\n%s\n", t->s, expected);
        fail();
    }
}

#endif
