/* dnp3: the dnp3c command. `dnp3 <sub-command> [args]`; each sub-command
 * lives in cmd_<name>.c and returns the process exit status. Usage errors
 * exit 2. */
#include <stdio.h>
#include <string.h>

#include "cmd_decode.h"
#include "cmd_objects.h"
#include "cmd_outstation.h"
#include "cmd_station.h"
#include "opts.h"

#ifndef DNP3C_VERSION
#define DNP3C_VERSION "0.1.0"
#endif

typedef struct command {
    const char *name;
    int (*run)(int argc, char **argv, FILE *in, FILE *out, FILE *err);
    const char *summary;
} command_t;

static const command_t commands[] = {
    {"decode", cmd_decode, cmd_decode_summary},
    {"objects", cmd_objects, cmd_objects_summary},
    {"outstation", cmd_outstation, cmd_outstation_summary},
    {"probe", cmd_probe, cmd_probe_summary},
    {"poll", cmd_poll, cmd_poll_summary},
    {"operate", cmd_operate, cmd_operate_summary},
    {"timesync", cmd_timesync, cmd_timesync_summary},
    {"restart", cmd_restart, cmd_restart_summary},
    {"attributes", cmd_attributes, cmd_attributes_summary},
    {"master", cmd_master, cmd_master_summary},
};

static void help(FILE *f)
{
    fputs("usage: dnp3 <command> [options]\n"
          "\n"
          "DNP3 (IEEE 1815-2012) tools.\n"
          "\n"
          "commands:\n",
          f);
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++)
        fprintf(f, "  %-10s %s\n", commands[i].name, commands[i].summary);
    fputs("  help       show this text (dnp3 help <command> for a command's options)\n"
          "\n"
          "options:\n"
          "  --version  print the version\n"
          "  --help     show this text\n",
          f);
}

static const command_t *find(const char *name)
{
    for (size_t i = 0; i < sizeof commands / sizeof commands[0]; i++) {
        if (strcmp(commands[i].name, name) == 0)
            return &commands[i];
    }
    return NULL;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        help(stderr);
        return 2;
    }
    const char *sub = argv[1];
    if (strcmp(sub, "--version") == 0 || strcmp(sub, "version") == 0) {
        printf("dnp3 (dnp3c) %s\n", DNP3C_VERSION);
        return opts_finish_output("version", stdout, stderr, 0, 0);
    }
    if (strcmp(sub, "help") == 0 || strcmp(sub, "--help") == 0 || strcmp(sub, "-h") == 0) {
        if (argc > 2) {
            const command_t *c = find(argv[2]);
            if (!c) {
                fprintf(stderr, "dnp3: unknown command '%s'\n", argv[2]);
                return 2;
            }
            char *hargv[] = {argv[2], "--help", NULL};
            return c->run(2, hargv, stdin, stdout, stderr);
        }
        help(stdout);
        return opts_finish_output("help", stdout, stderr, 0, 0);
    }
    const command_t *c = find(sub);
    if (!c) {
        fprintf(stderr, "dnp3: unknown command '%s' (try 'dnp3 help')\n", sub);
        return 2;
    }
    return c->run(argc - 1, argv + 1, stdin, stdout, stderr);
}
