/* os_app: what `dnp3 outstation` runs, built from an osc_config_t: the
 * runtime, the databases, the server and its associations, the control
 * and log callbacks, the counters printed on SIGUSR1, and the simulation
 * thread. cmd_outstation.c only parses options and maps errors to exit
 * statuses. */
#ifndef DNP3_TOOL_OS_APP_H
#define DNP3_TOOL_OS_APP_H

#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>

#include "outstation_config.h"

/* Exit statuses of `dnp3 outstation` (documented in its --help). */
#define OS_EXIT_OK         0
#define OS_EXIT_FAILURE    1 /* anything else (out of memory, capture file, I/O) */
#define OS_EXIT_CONFIG     2 /* bad command line or configuration */
#define OS_EXIT_IN_USE     3 /* the listening port is already in use */
#define OS_EXIT_PERMISSION 4 /* permission denied (a port below 1024 without privileges) */
#define OS_EXIT_ADDRESS    5 /* a bad address (not numeric, not on this host) */
#define OS_EXIT_RESTART    6 /* a master asked for a restart (restart.mode: exit) */

typedef struct os_app os_app_t;

/* Per association: what the callbacks need. */
typedef struct os_assoc_ctx {
    os_app_t *app;
    size_t station; /* index in cfg->stations */
    uint16_t local, master;
    dnp3_outstation_t *o; /* its session (local mode) */
} os_assoc_ctx_t;

/* The stations that share one listening address (and one server): the
 * top-level `listen` (and `connect`) group, and one per station `listen`. */
typedef struct os_group {
    dnp3_outstation_server_t *srv;
    const char *host;
    uint16_t port;
    bool listen; /* it listens (the shared group: only when `listen` is not off) */
    bool shared; /* the top-level group: connect goes here too */
    size_t stations;
} os_group_t;

struct os_app {
    const osc_config_t *cfg;
    const char *pcap;
    FILE *out; /* counters */
    dnp3_runtime_t *rt;
    os_group_t groups[OSC_MAX_STATIONS];
    size_t group_count;
    size_t group_of[OSC_MAX_STATIONS]; /* station -> its group */
    dnp3_db_t *dbs[OSC_MAX_STATIONS];
    os_assoc_ctx_t ctx[OSC_MAX_STATIONS * OSC_MAX_ASSOCS];
    size_t ctx_count;
    bool quiet;  /* the tool says it itself: the runtime's lines are dropped */
    bool syslog; /* --syslog and the syslog socket was there at start */
    dnp3_log_level_t level;
    bool restarting; /* a restart was accepted: stopping, then OS_EXIT_RESTART */
    bool local;      /* local mode (SIGUSR2 toggles): controls answer LOCAL */
    /* simulation */
    pthread_t sim_thread;
    bool sim_started;
    atomic_bool sim_stop;
    uint64_t sim_step;
    /* generator (os_generate.c) */
    pthread_t gen_thread;
    bool gen_started;
    atomic_bool gen_stop;
    atomic_uint_fast64_t gen_step; /* steps queued so far */
};

/* Build everything and start listening / connecting. On failure writes
 * ONE line "dnp3 outstation: ..." to err and returns an OS_EXIT_* status
 * (> 0); 0 when ready to run. */
int os_app_start(os_app_t *app, const osc_config_t *cfg, const char *pcap, FILE *out, FILE *err);
/* Run until SIGINT/SIGTERM; returns the exit status. */
int os_app_run(os_app_t *app);
/* Free everything (after start, whether it failed or not). */
void os_app_free(os_app_t *app);

/* The server hosting station s. */
dnp3_outstation_server_t *os_app_server(const os_app_t *app, size_t s);

/* Print every counter (runtime, server, each association) to f. */
void os_app_print_counters(os_app_t *app, FILE *f);

/* Simulation (os_simulate.c): a thread that moves values every period. */
int os_simulate_start(os_app_t *app);
void os_simulate_stop(os_app_t *app);
/* The generator (os_generate.c): a thread that applies the known sequence
 * of cfg->generate_*; a line "generator: ..." in the counters. */
int os_generate_start(os_app_t *app);
void os_generate_stop(os_app_t *app);
void os_generate_print(os_app_t *app, FILE *f);
/* A control carried out drives the points (binary output status, and with
 * simulate the matching binary input). Called on the loop thread. */
void os_simulate_control(os_app_t *app, size_t station, const dnp3_control_t *c);

#endif
