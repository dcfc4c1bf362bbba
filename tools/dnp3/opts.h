/* opts: the command-line layer every `dnp3` sub-command parses its options
 * with.
 *
 * One getopt_long loop (so `--opt=value`, `--`, abbreviations of long
 * options and options anywhere among the arguments come for free) over a
 * table made of the options every command shares (--help, --json, --pcap,
 * --config, chosen per command with OPTS_*) and the command's own. Usage
 * errors are one line on the error stream, "dnp3 CMD: what is wrong", and
 * exit status OPTS_EXIT_USAGE.
 *
 * The value parsers (host and port, link address, port, duration, size) take
 * a whole argument and never accept a sign, a space or trailing text; on
 * failure they write the one-line reason (without the "dnp3 CMD: " prefix)
 * into msg and return -1.
 *
 *     opts_t o;
 *     opts_begin(&o, "decode", OPTS_JSON | OPTS_PCAP, own, "", argc, argv, err);
 *     int id;
 *     const char *arg;
 *     while ((id = opts_next(&o, &arg)) > 0) { switch (id) { ... } }
 *     if (id < 0) return OPTS_EXIT_USAGE;          // message already written
 *     if (o.help) { usage(out); return 0; }
 *     for (int i = o.first_operand; i < argc; i++) ...   // operands
 */
#ifndef DNP3_TOOL_OPTS_H
#define DNP3_TOOL_OPTS_H

#include <getopt.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#define OPTS_EXIT_USAGE 2

/* Shared options a command accepts (--help / -h always). */
#define OPTS_JSON    0x1u  /* --json */
#define OPTS_PCAP    0x2u  /* --pcap FILE */
#define OPTS_CONFIG  0x4u  /* --config FILE */
#define OPTS_ADDRESS 0x8u  /* --address N: our link address (0..65519) */
#define OPTS_MASTER  0x10u /* --master N: the master's link address (0..65519) */
/* --busy-poll US: the runtime's busy-poll window (dnp3_runtime_config_t.
 * busy_poll_us), 0..1000000 microseconds. */
#define OPTS_BUSY_POLL 0x20u

/* Ids of a command's own options start here (struct option.val). */
#define OPTS_OWN 0x100

#define OPTS_MAX_LONG 32
#define OPTS_HOST_MAX 256

typedef struct opts {
    const char *cmd; /* "decode": messages say "dnp3 decode: ..." */
    FILE *err;
    int argc;
    char **argv;
    struct option table[OPTS_MAX_LONG + 1];
    char shortopts[64];
    /* Results of the shared options. */
    bool help;
    bool json;
    const char *pcap;
    const char *config;
    bool have_address, have_master;
    uint16_t address; /* --address, when have_address */
    uint16_t master;  /* --master, when have_master */
    bool have_busy_poll;
    uint32_t busy_poll_us; /* --busy-poll (0 when not given) */
    int first_operand;     /* argv index of the first operand, valid after opts_next() returned 0 */
} opts_t;

/* Builds the table: the shared options in `shared` plus own[] (terminated by
 * a zeroed entry; ids >= OPTS_OWN, at most OPTS_MAX_LONG in all) and their
 * short forms in own_short (getopt syntax, "" for none). */
void opts_begin(opts_t *o, const char *cmd, unsigned shared, const struct option *own,
                const char *own_short, int argc, char **argv, FILE *err);

/* Next option of the command's own: returns its id (arg = its value or NULL),
 * 0 at the end (operands are argv[first_operand..argc)), or -1 after writing
 * a usage error (unknown or ambiguous option, missing or unexpected value, a
 * shared option given twice, a bad link address). Shared options are stored
 * in o. */
int opts_next(opts_t *o, const char **arg);

/* Writes "dnp3 CMD: <message>\n" to the error stream; returns OPTS_EXIT_USAGE. */
#if defined(__GNUC__)
__attribute__((format(printf, 2, 3)))
#endif
int opts_usage_error(const opts_t *o, const char *fmt, ...);

/* An option that may be given once: stores value in *slot, or writes
 * "OPTION given twice" and returns -1. */
int opts_once(const opts_t *o, const char **slot, const char *value, const char *option);

/* ---- value parsers: 0 on success, -1 with the reason in msg ---------------- */

/* "HOST", "HOST:PORT", "[IPv6]" or "[IPv6]:PORT" (an unbracketed address with
 * two or more colons is an IPv6 address without a port). *port is left at its
 * value (the caller's default) when none is given. */
int opts_host_port(const char *s, char *host, size_t hostlen, uint16_t *port, char *msg,
                   size_t msglen);

/* A TCP/UDP port, 1..65535. */
int opts_port(const char *s, uint16_t *port, char *msg, size_t msglen);

/* A DNP3 link address an outstation or master may have: 0..65519 (the
 * standard reserves 0xFFF0..0xFFFF, 0xFFFF being the broadcast address). */
int opts_link_address(const char *s, uint16_t *addr, char *msg, size_t msglen);

/* A plain decimal number (digits only: no sign, no space) of at most max.
 * Returns 0, or -1 for anything else. */
int opts_uint(const char *s, uint64_t max, uint64_t *out);

/* A duration with a unit: "500ms", "10s", "1m", "1h" (at most 30 days), in ms. */
int opts_duration_ms(const char *s, uint64_t *ms, char *msg, size_t msglen);

/* A size in bytes: "1048576", "512K", "64M", "1G" (binary multiples; "KiB",
 * "MiB", "GiB" too), at most 1 TiB. */
int opts_size(const char *s, uint64_t *bytes, char *msg, size_t msglen);

/* ---- output ------------------------------------------------------------------- */

/* Flushes out and checks it for a write error. Returns status unchanged when
 * everything was written; otherwise 1, after writing "dnp3 CMD: cannot write
 * output: REASON" to err, except for a closed pipe (EPIPE: the reader has
 * gone, nothing to say). known_errno: the errno of a write error the caller
 * already saw (0 if none), since stdio does not keep it. */
int opts_finish_output(const char *cmd, FILE *out, FILE *err, int status, int known_errno);

/* True once out can no longer be written to (write error or closed pipe):
 * a command stops producing output. */
bool opts_output_failed(FILE *out);

#endif
