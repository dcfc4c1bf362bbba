/* Scenario harness for the master association (sans-IO): requests taken
 * as hex, responses fed as hex, time advanced by hand, and every callback
 * recorded as one text line, so a test reads like the exchange it checks:
 *
 *     mh_link_up(&h);
 *     mh_expect_tx(&h, "C0 15 3C 02 06 3C 03 06 3C 04 06");
 *     mh_rx(&h, "C0 81 00 00");
 *     mh_advance(&h, 5000);
 *     mh_expect_events(&h, "task disable_unsol SUCCESS\n");
 *
 * Addresses: master 1, outstation 10. UTC = MH_UTC0 + now. */
#ifndef MASTER_HARNESS_H
#define MASTER_HARNESS_H

#include <stddef.h>
#include <stdint.h>

#include "dnp3/master.h"

#define MH_UTC0 1700000000000ull

typedef struct mh {
    dnp3_master_assoc_t *a;
    dnp3_timestamp_t now;
    char events[16384]; /* callback lines since the last mh_expect_events */
    size_t events_len;
    int last_id;
    bool log_fragments; /* also record fragment begin/end lines */
    bool requeue;       /* on_task_done queues an integrity poll again on LINK_DOWN */
    bool record_logs;   /* also record on_log lines ("log INFO text") */
    bool no_clock;      /* utc_now returns no time: the callback is left NULL */
} mh_t;

/* Create with the defaults, changed by tweak (may be NULL). */
void mh_open(mh_t *h, void (*tweak)(dnp3_master_config_t *cfg));
/* Like mh_open with an extra flag: utc_now NULL (no clock). */
void mh_open_no_clock(mh_t *h, void (*tweak)(dnp3_master_config_t *cfg));
void mh_close(mh_t *h);

void mh_link_up(mh_t *h);
/* Link up and the default start-up (DISABLE_UNSOLICITED seq 0, integrity
 * seq 1) answered with empty responses; events cleared. Next request: seq 2. */
void mh_startup(mh_t *h);
void mh_link_down(mh_t *h);
/* The next fragment the association sends must be these bytes. */
void mh_expect_tx(mh_t *h, const char *hex);
/* Nothing to send now. */
void mh_expect_no_tx(mh_t *h);
/* A fragment from the outstation (10 -> 1). */
void mh_rx(mh_t *h, const char *hex);
/* now += ms, then on_timer. */
void mh_advance(mh_t *h, uint64_t ms);
/* The callback lines since the last call must be exactly `lines`. */
void mh_expect_events(mh_t *h, const char *lines);
/* Forget the lines recorded so far. */
void mh_clear_events(mh_t *h);

/* Bytes of hex text (spaces allowed); returns the count. */
size_t mh_hex(const char *hex, uint8_t *out, size_t cap);

#endif
