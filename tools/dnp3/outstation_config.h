/* outstation_config: what `dnp3 outstation` runs, from quick flags or a
 * YAML file (examples/outstation.yaml documents every field).
 *
 *     osc_config_t *c = calloc(1, sizeof *c);
 *     osc_default(c);
 *     if (osc_load(c, "site.yaml", err, sizeof err) < 0) ... err: "site.yaml:12: field: why"
 *     ... osc_free(c); free(c);
 */
#ifndef DNP3_TOOL_OUTSTATION_CONFIG_H
#define DNP3_TOOL_OUTSTATION_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "dnp3/database.h"
#include "dnp3/format.h"
#include "dnp3/outstation.h"
#include "dnp3/outstation_server.h"
#include "dnp3/runtime.h"

#define OSC_MAX_STATIONS DNP3_OUTSTATION_SERVER_MAX_STATIONS
#define OSC_MAX_ASSOCS   8u /* per station */
#define OSC_ATTR_MAX     DNP3_OUTSTATION_ATTR_MAX
#define OSC_HOST_MAX     256u

typedef struct osc_assoc {
    dnp3_outstation_config_t session; /* device strings point into the station */
    char allow[DNP3_OUTSTATION_ALLOW_MAX][64];
    size_t allow_count;
} osc_assoc_t;

typedef struct osc_station {
    uint16_t address;
    /* Its own listening port (stations with the same one share it); else
     * the top-level listen address (and connect). */
    bool own_listen;
    char listen_host[OSC_HOST_MAX];
    uint16_t listen_port;
    dnp3_db_config_t db; /* db.points[t] = points[t] when a point has its own settings */
    dnp3_point_config_t *points[DNP3_PT_COUNT_];
    char name[OSC_ATTR_MAX + 1], vendor[OSC_ATTR_MAX + 1], product[OSC_ATTR_MAX + 1];
    char hardware[OSC_ATTR_MAX + 1], location[OSC_ATTR_MAX + 1], serial[OSC_ATTR_MAX + 1];
    osc_assoc_t assocs[OSC_MAX_ASSOCS];
    size_t assoc_count;
} osc_station_t;

typedef struct osc_config {
    /* listen (a TCP server) and/or connect (dual end point). */
    bool listen;
    char listen_host[OSC_HOST_MAX];
    uint16_t listen_port;
    size_t max_connections;
    char allow[DNP3_RUNTIME_ALLOW_MAX][64]; /* the port's allow-list */
    size_t allow_count;
    dnp3_keepalive_t tcp_keepalive;
    dnp3_outstation_server_config_t server; /* link settings, replace policy */

    bool connect;
    char connect_host[OSC_HOST_MAX];
    uint16_t connect_port;
    uint16_t connect_master;
    uint32_t backoff_min_ms, backoff_max_ms, connect_timeout_ms;

    dnp3_log_level_t log_level;
    dnp3_app_decode_t decode; /* protocol trace of every association (dnp3/format.h) */
    bool syslog;
    bool simulate;
    uint32_t simulate_period_ms;
    uint32_t busy_poll_us; /* --busy-poll: the runtime's busy-poll window (0: off) */

    /* --generate (os_generate.c): a known event sequence for tests. Step k
     * (1..generate_count) sets counter 0 to generate_base + k and binary
     * input 0 to k odd, with strictly increasing times. 0 steps: off. */
    uint32_t generate_count;
    uint32_t generate_rate;     /* steps per second; 0: no pause */
    uint32_t generate_base;     /* default 0 */
    uint32_t generate_burst;    /* the first steps given at once (no pause) */
    uint32_t generate_delay_ms; /* before the first step */

    /* COLD/WARM_RESTART: refused (IIN2.0, default), or accepted with
     * restart_delay_ms in the g52 answer, after which the tool stops
     * cleanly and exits OS_EXIT_RESTART for its supervisor to start it
     * again (examples/dnp3-outstation.service does). */
    bool restart_exit;
    uint32_t restart_delay_ms; /* default 10 s */

    osc_station_t stations[OSC_MAX_STATIONS];
    size_t station_count;
} osc_config_t;

/* --decode SPEC: an application level (none, header, objects, values), or
 * a comma list of LAYER=LEVEL: link=/transport= none|header|payload,
 * app= an application level ("link=header,transport=header,app=values").
 * Returns 0, or -1 with one line in why. */
int osc_decode_text(osc_config_t *c, const char *spec, char *why, size_t cap);

/* Listen on 0.0.0.0:20000, 4 connections, no stations, INFO to stderr,
 * simulate off (period 1 s). */
void osc_default(osc_config_t *c);

/* The quick-flag shape: one station at address with `points` points of
 * every type (class 1, analogs and counters class 2, the rest default)
 * and one association with master. Replaces any stations. */
void osc_quick(osc_config_t *c, uint16_t address, uint16_t master, uint32_t points);

/* Load a YAML file over the defaults. 0, or -1 with one message in err
 * ("FILE:LINE: FIELD: what is wrong"). */
int osc_load(osc_config_t *c, const char *path, char *err, size_t errlen);
/* The same from text (tests); file names the messages. */
int osc_load_string(osc_config_t *c, const char *file, const char *text, char *err, size_t errlen);

/* Frees the per-point arrays (the struct itself is the caller's). */
void osc_free(osc_config_t *c);

/* "binary", "double_bit", "binary_output", "counter", "frozen_counter",
 * "analog", "analog_output", "octet_string". */
extern const char *const osc_type_names[DNP3_PT_COUNT_ + 1];

#endif
