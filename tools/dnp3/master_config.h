/* master_config: the associations `dnp3 master` runs - from its command
 * line (one) or a YAML file (several; examples/master.yaml documents every
 * field). */
#ifndef DNP3_TOOL_MASTER_CONFIG_H
#define DNP3_TOOL_MASTER_CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "dnp3/master.h"
#include "dnp3/runtime.h"
#include "station.h"

/* Range scans one association of the file may list. */
#define MASTER_RANGE_SCAN_MAX 16

typedef struct master_assoc_conf {
    station_target_t target; /* name, first endpoint, addresses */
    /* Multi-drop: associations with the same channel name share one
     * connection (the first one's endpoints and connection settings); ""
     * = a connection of its own. */
    char channel[64];
    /* Endpoints tried in order (primary, backups); 0: target's host:port. */
    char hosts[DNP3_RUNTIME_ENDPOINT_MAX][OPTS_HOST_MAX];
    uint16_t ports[DNP3_RUNTIME_ENDPOINT_MAX];
    size_t n_endpoints;
    uint32_t response_timeout_ms;    /* default 5000 */
    uint32_t connect_timeout_ms;     /* default 5000 */
    uint32_t integrity_period_ms;    /* default 60000 */
    uint32_t class_period_ms[3];     /* class 1, 2, 3 polls; default 0 (none) */
    uint8_t unsol_classes;           /* DNP3_MASTER_CLASS_1..3 to ENABLE_UNSOLICITED; default 0 */
    uint32_t task_retry_min_ms;      /* first retry of a failed poll; default 5000 */
    uint32_t task_retry_max_ms;      /* the retry delay doubles up to this; default 60000 */
    dnp3_comm_lost_mode_t comm_lost; /* default DNP3_COMM_LOST_FLAG */
    bool link_reset;                 /* RESET_LINK_STATES at connect; default false */
    dnp3_master_range_scan_t range_scans[MASTER_RANGE_SCAN_MAX];
    size_t n_range_scans;
    uint32_t backoff_min_ms;         /* default 1000 */
    uint32_t backoff_max_ms;         /* default 60000 */
    uint32_t link_keepalive_ms;      /* default 60000 */
    uint32_t reassembly_timeout_ms;  /* default 10000; 0: never */
    dnp3_time_sync_mode_t time_sync; /* on NEED_TIME; default NONE */
} master_assoc_conf_t;

/* The pool of queued tasks (commands) every association of the process
 * shares (dnp3_master_pool_t): by default sized from the number of
 * associations (master_conf_pool). */
#define MASTER_POOL_SLOTS_PER_ASSOC 4   /* commands in flight per association, on average */
#define MASTER_POOL_SLOTS_MIN       64  /* room for a burst on a few of them */
#define MASTER_POOL_BYTES_PER_SLOT  256 /* object bytes: a CROB takes 16 to 20 */
#define MASTER_POOL_SLOTS_MAX       0x7FFFFFFFu
#define MASTER_POOL_BYTES_MAX       0xFFFFFFFFu

typedef struct master_conf {
    master_assoc_conf_t *assocs;
    size_t n_assocs, cap;
    uint32_t pool_slots; /* task slots of the shared pool; 0: from the associations */
    uint64_t pool_bytes; /* its object bytes; 0: MASTER_POOL_BYTES_PER_SLOT per slot */
} master_conf_t;

void master_conf_init(master_conf_t *mc);
void master_conf_free(master_conf_t *mc);
void master_assoc_conf_default(master_assoc_conf_t *ac);
/* Append a copy; 0 or -1 (out of memory). */
int master_conf_add(master_conf_t *mc, const master_assoc_conf_t *ac);

/* The association's and the runtime connection's settings (cfg->range_scans
 * points into ac: keep ac until dnp3_master_assoc_new has copied them). */
void master_conf_to_master(const master_assoc_conf_t *ac, dnp3_master_config_t *cfg);
void master_conf_to_run(const master_assoc_conf_t *ac, station_run_opts_t *r);

/* The shared pool's configuration: pool_slots (default: 4 per association,
 * at least 64, and never more than the 16 per association (each one's own
 * max_queued_tasks) that private pools would hold), pool_bytes (default
 * 256 per slot), and a scratch as large as the associations' largest
 * max_tx_fragment. */
void master_conf_pool(const master_conf_t *mc, dnp3_master_pool_config_t *pc);

/* The endpoints as the runtime wants them; returns the count (>= 1). */
size_t master_conf_endpoints(const master_assoc_conf_t *ac,
                             dnp3_tcp_endpoint_t eps[DNP3_RUNTIME_ENDPOINT_MAX]);

/* Load a YAML file (master_config_yaml.c). Returns 0, or -1 with one line
 * in msg: "FILE:LINE: FIELD: what is wrong". */
int master_conf_load(const char *path, master_conf_t *mc, char *msg, size_t msglen);
/* The same from text (tests); file names the messages. */
int master_conf_load_string(const char *file, const char *text, master_conf_t *mc, char *msg,
                            size_t msglen);

#endif
