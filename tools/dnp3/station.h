/* station: what the commands that talk to an outstation share (probe, poll,
 * operate, timesync, restart, attributes, master): the target operand and
 * its addresses, the exit statuses of the issue, one master association
 * on a runtime connection that ends the command on a connect failure, and
 * the lines printed for connects, disconnects, retries and IIN changes. */
#ifndef DNP3_TOOL_STATION_H
#define DNP3_TOOL_STATION_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

#include "dnp3/master.h"
#include "dnp3/master_client.h"
#include "dnp3/runtime.h"
#include "opts.h"

/* Exit statuses of every command that talks to an outstation. */
#define STATION_EXIT_OK          0
#define STATION_EXIT_REFUSED     1 /* the outstation answered but refused */
#define STATION_EXIT_USAGE       2 /* usage or configuration error */
#define STATION_EXIT_CONN_REFUSE 3 /* TCP connection refused */
#define STATION_EXIT_CONN_TIME   4 /* TCP connect timed out */
#define STATION_EXIT_UNREACHABLE 5 /* host unreachable (or not resolved) */
#define STATION_EXIT_NO_ANSWER   6 /* connected, no DNP3 answer in time */

#define STATION_DEFAULT_PORT 20000

/* --verbose / -v of the one-shot commands: the connection and the
 * association's log (connects, disconnects, IIN changes) on stderr. */
#define STATION_OPT_VERBOSE  (OPTS_OWN + 64)
#define STATION_VERBOSE_HELP "  -v, --verbose     log connects, disconnects and IIN changes\n"
#define STATION_NAME_MAX     (OPTS_HOST_MAX + 16)

/* The outstation a command talks to. */
typedef struct station_target {
    char host[OPTS_HOST_MAX];
    uint16_t port;
    uint16_t address;            /* the outstation's (--address, default 10) */
    uint16_t master;             /* ours (--master, default 1) */
    char name[STATION_NAME_MAX]; /* "host:port/10" */
} station_target_t;

/* Fill t from the operands argv[first..argc) (exactly one HOST[:PORT]) and
 * o's --address/--master. Writes the usage error and returns -1 on a bad
 * or missing operand. */
int station_target_read(const opts_t *o, int argc, char **argv, station_target_t *t);

/* The exit status for a connect failure code from the runtime. */
int station_connect_exit(int code);

/* A one-line explanation of a connect failure for the target. */
void station_connect_message(FILE *err, const char *cmd, const station_target_t *t, int code);

/* One association over one connection, run until station_finish(). */
typedef struct station {
    const char *cmd;
    FILE *out, *err;
    station_target_t target;
    bool json;
    bool quiet;                /* no connect / IIN lines (one-shot commands print only failures) */
    bool keep_trying;          /* long-running: connect failures are retried, not fatal */
    bool discard_measurements; /* --quiet: measurements are not printed */
    size_t n_total;            /* associations in the process (for the socket limit message) */
    dnp3_runtime_t *rt;
    dnp3_master_channel_t *ch;
    dnp3_master_assoc_t *a;
    int exit_code;
    bool finished;
    bool had_data; /* a measurement received: a later restart leaves a gap */
    /* A channel shared by several associations logs as "channel NAME", not
     * as its first association (NULL: the target's name). */
    const char *channel_name;
    /* Command hooks (optional), called with ctx. */
    void *ctx;
    void (*on_task_done)(struct station *st, const dnp3_task_result_t *r);
    void (*on_command_done)(struct station *st, const dnp3_command_result_t *r);
    void (*on_object)(struct station *st, const dnp3_master_rx_info_t *info,
                      const dnp3_point_t *pt);
    void (*on_measurement)(struct station *st, const dnp3_measurement_t *m);
    void (*on_activity)(struct station *st); /* a response or unsolicited fragment was handled */
    /* The measurements could not be written (err: the errno, 0 if
     * unknown); called once per output stream. NULL: nothing then (a
     * one-shot command's exit reports it, opts_finish_output). */
    void (*on_output_failed)(struct station *st, int err);
} station_t;

/* Runtime options the station commands share. */
typedef struct station_run_opts {
    const char *pcap;
    uint32_t response_timeout_ms;            /* default 5000 */
    uint32_t connect_timeout_ms;             /* default 5000 */
    dnp3_log_level_t log_level;              /* runtime's own log lines; default ERROR */
    uint32_t backoff_min_ms, backoff_max_ms; /* reconnect waits; 0: the defaults */
    uint32_t link_keepalive_ms;              /* 0: none (one-shot commands) */
    uint32_t reassembly_timeout_ms;          /* default 10000; 0: never */
    bool own_signals;                        /* the command watches SIGINT/SIGTERM itself */
    size_t channel_associations;             /* multi-drop: associations on the channel (0: 1) */
    const char *channel_name;                /* multi-drop: the channel's name (its log prefix) */
    uint32_t busy_poll_us;                   /* the runtime's busy-poll window (0: off) */
} station_run_opts_t;

void station_run_opts_default(station_run_opts_t *r);

/* Create the runtime, the channel and the association (mcfg's addresses
 * and response timeout are set from the target and r). Returns 0, or an
 * exit status after writing the error. */
int station_open(station_t *st, const station_run_opts_t *r, dnp3_master_config_t *mcfg);

/* The runtime alone (SIGINT/SIGTERM stop it), NULL after writing the
 * error. */
dnp3_runtime_t *station_runtime_new(const char *cmd, FILE *err, const station_run_opts_t *r);

/* The association and its channel on st->rt (several stations may share a
 * runtime): endpoints eps[0..n) (NULL: the target's host and port). Returns
 * 0 or an exit status after writing the error. */
int station_attach(station_t *st, const station_run_opts_t *r, dnp3_master_config_t *mcfg,
                   const dnp3_tcp_endpoint_t *eps, size_t n_eps);

/* The association on st->rt, added to another station's channel
 * (multi-drop; st->ch stays NULL: the owner frees the channel). */
int station_attach_shared(station_t *st, const station_run_opts_t *r, dnp3_master_config_t *mcfg,
                          dnp3_master_channel_t *ch);

/* The association on st->rt, registered with a listener for outstations
 * that dial in (no channel of its own). */
int station_attach_listener(station_t *st, const station_run_opts_t *r, dnp3_master_config_t *mcfg,
                            dnp3_master_listener_t *l);

/* Free the association and the channel (after the runtime was freed). */
void station_release(station_t *st);

/* Run until station_finish() (or a signal); returns st->exit_code. Frees
 * everything. */
int station_run(station_t *st);

/* Free everything without running (after a failed station_open too);
 * returns st->exit_code. */
int station_close(station_t *st);

/* An association that does only what the command asks: no start-up
 * sequence, no IIN reactions, no comm-lost re-reports, no retries. */
void station_oneshot_config(dnp3_master_config_t *mc);

/* --timeout DURATION (the response timeout): 0, or -1 after the usage
 * error. */
int station_timeout_opt(const opts_t *o, const char *arg, uint32_t *ms);

/* End the command with status code (the first call wins). */
void station_finish(station_t *st, int code);
/* After a TIMEOUT result: "; nothing at all came back on this connection
 * (...): check that ..." into buf when the connection received not one
 * byte (dnp3_master_assoc_silence_hint), else "". Returns buf. */
const char *station_silence_hint(const station_t *st, char *buf, size_t cap);

/* Print one measurement as a text line (assoc NULL: without it) or a JSON
 * object (the master's --json format), ts = wall-clock ms at receipt. */
void station_print_measurement(FILE *out, bool json, const char *assoc, uint64_t ts,
                               const dnp3_measurement_t *m);

/* Wall-clock milliseconds since 1970 UTC. */
uint64_t station_utc_ms(void);

/* Names of the set IIN bits, space separated ("DEVICE_RESTART NEED_TIME"),
 * or "none". */
void station_iin_text(uint16_t iin, char *buf, size_t cap);

#endif
