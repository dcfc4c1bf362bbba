/* Scenario harness: drive one outstation session core with exact request
 * bytes at given times and check the exact bytes it answers.
 *
 *     scn_t t;
 *     scn_setup(&t, NULL, NULL);          // 10 points of every type
 *     send_hex(&t, "C0 01 3C 01 06");     // READ class 0, seq 0
 *     expect_hex(&t, "C0 81 90 00 ...");  // the response, byte for byte
 *     advance(&t, 5000);                  // time passes, timers run
 *     scn_teardown(&t);
 */
#ifndef DNP3_TEST_SCENARIO_H
#define DNP3_TEST_SCENARIO_H

#include "dnp3/outstation.h"

typedef struct scn {
    dnp3_db_t *db;
    dnp3_outstation_t *o;
    dnp3_outstation_config_t cfg;
    dnp3_timestamp_t now;
    uint16_t master, local;
    /* callbacks seen */
    uint8_t control_status; /* what the control callback answers */
    int controls;
    dnp3_control_t last_control;
    int restart_rc;
    uint32_t restart_delay;
    int restarts;
    int time_calls;
    dnp3_time_t time_utc;
    dnp3_timestamp_t time_at;
    int freezes;
    dnp3_freeze_t last_freeze;
    bool freeze_ok;
    int logs;
    char last_log[256];
} scn_t;

/* dbc/cfg NULL: 10 points of every type, class 1, defaults; the outstation
 * at 10, the master at 1, no unsolicited and no command events (set
 * cfg->unsolicited, cfg->command_event_class to test them).
 * The link is brought up at time 0. */
void scn_setup(scn_t *t, const dnp3_db_config_t *dbc, const dnp3_outstation_config_t *cfg);
void scn_teardown(scn_t *t);
/* Default configurations scn_setup uses, to modify before passing them. */
void scn_db_config(dnp3_db_config_t *dbc);
void scn_os_config(dnp3_outstation_config_t *cfg);

/* A request fragment from the master to the outstation (or to dst). */
void send_hex(scn_t *t, const char *hex);
void send_hex_to(scn_t *t, uint16_t dst, const char *hex);
void send_bytes(scn_t *t, uint16_t src, uint16_t dst, const uint8_t *data, size_t len);
/* The next fragment the outstation sends must be exactly hex. */
void expect_hex(scn_t *t, const char *hex);
/* Nothing to send now. */
void expect_none(scn_t *t);
/* Take the next fragment whatever it is (returns its length). */
size_t take(scn_t *t, uint8_t *buf, size_t cap);
/* Time passes by ms; every deadline reached on the way runs, in order. */
void advance(scn_t *t, uint64_t ms);
/* A counter read back. */
dnp3_outstation_counters_t counters(const scn_t *t);

#endif
