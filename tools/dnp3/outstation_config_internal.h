/* Shared by outstation_config.c (top level, network) and
 * outstation_config_station.c (stations, points, associations). */
#ifndef DNP3_TOOL_OUTSTATION_CONFIG_INTERNAL_H
#define DNP3_TOOL_OUTSTATION_CONFIG_INTERNAL_H

#include "config_yaml.h"
#include "outstation_config.h"

/* The `outstations:` list. */
int osc_read_stations(cy_t *cy, const yaml_node_t *list, osc_config_t *c);
/* Fill a station with its defaults (address 10, no points, no associations). */
void osc_station_default(osc_station_t *st);
/* An association's defaults for station st and master. */
void osc_assoc_default(const osc_station_t *st, osc_assoc_t *a, uint16_t master);

/* "HOST:PORT" ("...:0" = any free port, logged when bound). */
int osc_read_listen(cy_t *cy, const yaml_node_t *v, const char *field, char *host, size_t hostlen,
                    uint16_t *port);

int osc_opt_uint(cy_t *cy, const yaml_node_t *map, const char *parent, const char *key,
                 uint64_t min, uint64_t max, uint64_t *out);
int osc_opt_bool(cy_t *cy, const yaml_node_t *map, const char *parent, const char *key, bool *out);

#endif
