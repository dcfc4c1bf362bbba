/* cmd_station: the commands that talk to an outstation (station.h):
 * `dnp3 probe`, `poll`, `operate`, `timesync`, `restart`, `attributes` and
 * the long-running `master`. Each takes argv[0] = its name and returns the
 * exit status (station.h: STATION_EXIT_*). */
#ifndef DNP3_TOOL_CMD_STATION_H
#define DNP3_TOOL_CMD_STATION_H

#include <stdio.h>

int cmd_probe(int argc, char **argv, FILE *in, FILE *out, FILE *err);
int cmd_poll(int argc, char **argv, FILE *in, FILE *out, FILE *err);
int cmd_operate(int argc, char **argv, FILE *in, FILE *out, FILE *err);
int cmd_timesync(int argc, char **argv, FILE *in, FILE *out, FILE *err);
int cmd_restart(int argc, char **argv, FILE *in, FILE *out, FILE *err);
int cmd_attributes(int argc, char **argv, FILE *in, FILE *out, FILE *err);
int cmd_master(int argc, char **argv, FILE *in, FILE *out, FILE *err);

extern const char cmd_probe_summary[];
extern const char cmd_poll_summary[];
extern const char cmd_operate_summary[];
extern const char cmd_timesync_summary[];
extern const char cmd_restart_summary[];
extern const char cmd_attributes_summary[];
extern const char cmd_master_summary[];

#endif
