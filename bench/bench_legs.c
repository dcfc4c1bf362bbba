/* bench_legs: where a SELECT+OPERATE's time goes, the kernel's share and ours.
 *
 * bench_latency's outstation and master (SELECT+OPERATE, busy polling, the
 * same pinning) run with legs_preload.so loaded (LD_PRELOAD), which records
 * the start and end of every socket read and write of each process against
 * CLOCK_MONOTONIC, one clock for both. Merged, the two timelines split each
 * command into:
 *   - legs: a write's start to the peer's read end (the kernel's TCP path,
 *     the peer finding the bytes, its read), four per SELECT+OPERATE;
 *   - turnarounds: a read's end to the next write's start in one process,
 *     the stack's own work (outstation: request to response; master:
 *     SELECT's response to the OPERATE);
 * and the bare TCP round trip (bench_latency's spinning ping-pong, no
 * DNP3, no event loop) beside them: what any stack pays on this machine at
 * that moment. The wrappers cost about two clock reads per call, so the
 * traced command is a little slower than bench_latency's.
 *
 *     bench_legs [--commands N] [--runs R] [--busy-poll US] [--no-rt]
 *
 * The figures move with the machine (its loopback path doubles when the host
 * is busy); the turnarounds are what dnp3c itself costs. */
#define _GNU_SOURCE
#include <errno.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <unistd.h>

#include "bench_util.h"
#include "legs_event.h"

#define LEGS_MAX_RUNS 9
#define FC_SELECT     3u
#define FC_OPERATE    4u
#define FC_DIRECT_OP  5u
#define FC_RESPONSE   0x81u

enum { SIDE_MASTER, SIDE_OUTSTATION };

typedef struct {
    size_t commands;
    int runs;
    unsigned busy_poll_us;
    bool rt; /* SCHED_FIFO as bench_latency */
    char self_dir[PATH_MAX];
} opts_t;

/* One run's medians (us). */
typedef struct {
    double command, floor, leg_mo, leg_om, os_turn, m_turn, write_call, read_call;
} figures_t;

typedef struct {
    legs_event_t ev;
    int side;
} tagged_t;

/* ---- processes ---------------------------------------------------------------- */

/* argv pinned to cpu (as bench_latency: outstation 1, master 0), under
 * SCHED_FIFO 10 when asked and allowed; legs_out != NULL loads the tracer.
 * Its stdout goes to *out_fd when out_fd is given, else to /dev/null. */
static pid_t spawn(const opts_t *o, char *const argv[], int cpu, const char *legs_out, int *out_fd)
{
    int p[2] = {-1, -1};
    if (out_fd && pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        cpu_set_t set;
        CPU_ZERO(&set);
        CPU_SET(cpu % (int)sysconf(_SC_NPROCESSORS_ONLN), &set);
        (void)sched_setaffinity(0, sizeof set, &set);
        struct sched_param sp = {.sched_priority = 10};
        if (o->rt)
            (void)sched_setscheduler(0, SCHED_FIFO, &sp);
        if (legs_out) {
            char pre[PATH_MAX + 32];
            snprintf(pre, sizeof pre, "%s/legs_preload.so", o->self_dir);
            setenv("LD_PRELOAD", pre, 1);
            setenv("DNP3C_LEGS_OUT", legs_out, 1);
        }
        FILE *null = fopen("/dev/null", "w");
        if (null) {
            dup2(fileno(null), 2);
            dup2(out_fd ? p[1] : fileno(null), 1);
        }
        execv(argv[0], argv);
        _exit(127);
    }
    if (out_fd) {
        close(p[1]);
        *out_fd = p[0];
    }
    return pid;
}

/* The master's LATENCY line: its p50 (us), or -1. */
static double read_p50(int fd)
{
    char buf[4096];
    size_t n = 0;
    ssize_t r;
    while (n + 1 < sizeof buf && (r = read(fd, buf + n, sizeof buf - 1 - n)) > 0)
        n += (size_t)r;
    close(fd);
    buf[n] = '\0';
    const char *l = strstr(buf, "LATENCY ");
    size_t got = 0, failed = 1;
    double p50 = -1;
    if (!l || sscanf(l, "LATENCY n=%zu failed=%zu p50_us=%lf", &got, &failed, &p50) != 3 ||
        failed != 0)
        return -1;
    return p50;
}

static bool finish(pid_t pid, bool terminate)
{
    int st = 0;
    if (terminate)
        kill(pid, SIGTERM);
    while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
    }
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

/* One pair: server role then client role; the client's p50, or -1. */
static double run_pair(const opts_t *o, const char *srole, const char *crole, const char *mode,
                       const char *dir)
{
    char exe[PATH_MAX + 32], port[8], n[24], busy[16], os_out[PATH_MAX + 8], m_out[PATH_MAX + 8];
    snprintf(exe, sizeof exe, "%s/bench_latency", o->self_dir);
    snprintf(port, sizeof port, "%u", bench_free_port());
    snprintf(n, sizeof n, "%zu", o->commands);
    snprintf(busy, sizeof busy, "%u", o->busy_poll_us);
    const bool traced = mode != NULL && dir != NULL;
    snprintf(os_out, sizeof os_out, "%s/outstation", traced ? dir : ".");
    snprintf(m_out, sizeof m_out, "%s/master", traced ? dir : ".");
    char *sv[] = {exe, "--role", (char *)srole, "--port",      port, "--commands",
                  n,   "--rate", "0",           "--busy-poll", busy, traced ? NULL : "--spin",
                  NULL};
    char *cv[] = {exe,
                  "--role",
                  (char *)crole,
                  "--port",
                  port,
                  "--commands",
                  n,
                  "--busy-poll",
                  busy,
                  "--idle-ms",
                  "200",
                  traced ? "--mode" : "--spin",
                  (char *)(traced ? mode : NULL),
                  NULL};
    pid_t s = spawn(o, sv, 1, traced ? os_out : NULL, NULL);
    if (s < 0)
        return -1;
    if (traced)
        usleep(300000); /* the outstation listening before the master's first connect */
    int fd = -1;
    pid_t c = spawn(o, cv, 0, traced ? m_out : NULL, &fd);
    double p50 = c < 0 ? -1 : read_p50(fd);
    bool ok = c >= 0 && finish(c, false);
    finish(s, traced); /* the ping-pong server ends by itself */
    return ok ? p50 : -1;
}

/* ---- the timelines ------------------------------------------------------------ */

static size_t load(const char *path, int side, tagged_t **all, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return 0;
    long bytes = fseek(f, 0, SEEK_END) == 0 ? ftell(f) : -1;
    size_t count = bytes > 0 ? (size_t)bytes / sizeof(legs_event_t) : 0, got = 0;
    tagged_t *grown = count ? realloc(*all, (*n + count) * sizeof **all) : NULL;
    if (grown && fseek(f, 0, SEEK_SET) == 0) {
        *all = grown;
        legs_event_t e;
        while (got < count && fread(&e, sizeof e, 1, f) == 1)
            (*all)[(*n)++] = (tagged_t){e, side}, got++;
    }
    fclose(f);
    return got;
}

static int by_time(const void *a, const void *b)
{
    const tagged_t *x = a, *y = b;
    return x->ev.t_ns < y->ev.t_ns ? -1 : x->ev.t_ns > y->ev.t_ns;
}

static int by_value(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

static double median_of(double *v, size_t n)
{
    if (n == 0)
        return -1;
    qsort(v, n, sizeof *v, by_value);
    return v[n / 2];
}

/* Durations from a start event to the next matching end event; a later
 * start replaces an unmatched one. */
typedef struct {
    double *v;
    size_t n;
    uint64_t pending; /* 0: none */
} span_t;

static void span_start(span_t *s, uint64_t t)
{
    s->pending = t;
}

static void span_end(span_t *s, uint64_t t)
{
    if (s->pending && t >= s->pending)
        s->v[s->n++] = (double)(t - s->pending) / 1e3;
    s->pending = 0;
}

static bool is_request(uint8_t fc)
{
    return fc == FC_SELECT || fc == FC_OPERATE || fc == FC_DIRECT_OP;
}

/* The medians of one traced run's legs and turnarounds. */
static void analyse(const tagged_t *ev, size_t n, figures_t *f)
{
    span_t sp[6];
    for (int i = 0; i < 6; i++)
        sp[i] = (span_t){calloc(n + 1, sizeof(double)), 0, 0};
    span_t *mo = &sp[0], *om = &sp[1], *os_turn = &sp[2], *m_turn = &sp[3], *wr = &sp[4],
           *rd = &sp[5];
    uint64_t m_read_end = 0;
    for (size_t i = 0; i < n && sp[5].v; i++) {
        const legs_event_t *e = &ev[i].ev;
        const bool m = ev[i].side == SIDE_MASTER;
        switch (e->kind) {
        case LEGS_WRITE:
            if (m && is_request(e->fc))
                span_start(mo, e->t_ns);
            if (!m && e->fc == FC_RESPONSE) {
                span_end(os_turn, e->t_ns);
                span_start(om, e->t_ns);
            }
            if (m && e->fc == FC_OPERATE && m_read_end)
                m_turn->v[m_turn->n++] = (double)(e->t_ns - m_read_end) / 1e3;
            span_start(wr, e->t_ns);
            break;
        case LEGS_WRITE_END:
            span_end(wr, e->t_ns);
            break;
        case LEGS_READ:
            span_start(rd, e->t_ns);
            break;
        case LEGS_READ_END:
            span_end(rd, e->t_ns);
            if (m) {
                span_end(om, e->t_ns);
                m_read_end = e->t_ns;
            } else if (is_request(e->fc)) {
                span_end(mo, e->t_ns);
                span_start(os_turn, e->t_ns);
            }
            break;
        }
    }
    f->leg_mo = median_of(mo->v, mo->n);
    f->leg_om = median_of(om->v, om->n);
    f->os_turn = median_of(os_turn->v, os_turn->n);
    f->m_turn = median_of(m_turn->v, m_turn->n);
    f->write_call = median_of(wr->v, wr->n);
    f->read_call = median_of(rd->v, rd->n);
    for (int i = 0; i < 6; i++)
        free(sp[i].v);
}

static bool traced_run(const opts_t *o, figures_t *f)
{
    char dir[] = "/tmp/dnp3c-legs-XXXXXX", path[64];
    if (!mkdtemp(dir))
        return false;
    f->command = run_pair(o, "outstation", "master", "sbo", dir);
    tagged_t *all = NULL;
    size_t n = 0;
    snprintf(path, sizeof path, "%s/master", dir);
    size_t nm = load(path, SIDE_MASTER, &all, &n);
    unlink(path);
    snprintf(path, sizeof path, "%s/outstation", dir);
    size_t no = load(path, SIDE_OUTSTATION, &all, &n);
    unlink(path);
    rmdir(dir);
    bool ok = f->command > 0 && nm > 0 && no > 0;
    if (ok) {
        qsort(all, n, sizeof *all, by_time);
        analyse(all, n, f);
    } else {
        fprintf(stderr, "bench_legs: traced run failed (command p50 %.1f, %zu + %zu events)\n",
                f->command, nm, no);
    }
    free(all);
    return ok;
}

/* ---- report ------------------------------------------------------------------- */

#define NFIG 8
static double *field(figures_t *f, int k)
{
    double *p[NFIG] = {&f->command, &f->floor,  &f->leg_mo,     &f->leg_om,
                       &f->os_turn, &f->m_turn, &f->write_call, &f->read_call};
    return p[k];
}

static void report(const opts_t *o, figures_t *runs, int nr)
{
    figures_t med;
    for (int k = 0; k < NFIG; k++) {
        double v[LEGS_MAX_RUNS];
        for (int r = 0; r < nr; r++)
            v[r] = *field(&runs[r], k);
        *field(&med, k) = median_of(v, (size_t)nr);
    }
    const double leg = (med.leg_mo + med.leg_om) / 2, legs4 = 2 * (med.leg_mo + med.leg_om);
    printf("SELECT+OPERATE traced (%zu commands, %d run(s), median; busy polling %u us): p50 us\n",
           o->commands, nr, o->busy_poll_us);
    printf("  %-58s %7.1f\n", "command, call to completion (traced)", med.command);
    printf("  %-58s %7.1f  x2 = %.1f\n", "bare TCP round trip (spinning ping-pong, no DNP3)",
           med.floor, 2 * med.floor);
    printf("  %-58s %7.1f  x4 = %.1f (%.0f%%)\n", "leg: a write's start to the peer's read end",
           leg, legs4, 100 * legs4 / med.command);
    printf("  %-58s %7.1f\n", "  master to outstation", med.leg_mo);
    printf("  %-58s %7.1f\n", "  outstation to master", med.leg_om);
    printf("  %-58s %7.1f\n", "  of a leg: the write call (the kernel delivers inside it)",
           med.write_call);
    printf("  %-58s %7.1f\n", "  of a leg: the read call", med.read_call);
    printf("  %-58s %7.1f  x2 = %.1f\n", "outstation: request read to response write", med.os_turn,
           2 * med.os_turn);
    printf("  %-58s %7.1f\n", "master: SELECT response read to OPERATE write", med.m_turn);
    printf("  %-58s %7.1f\n", "command above two bare round trips", med.command - 2 * med.floor);
    printf("BENCH legs.sbo_p50 %.1f us\n", med.command);
    printf("BENCH legs.floor_spin_p50 %.1f us\n", med.floor);
    printf("BENCH legs.leg_p50 %.2f us\n", leg);
    printf("BENCH legs.write_call_p50 %.2f us\n", med.write_call);
    printf("BENCH legs.read_call_p50 %.2f us\n", med.read_call);
    printf("BENCH legs.outstation_turnaround_p50 %.2f us\n", med.os_turn);
    printf("BENCH legs.master_turnaround_p50 %.2f us\n", med.m_turn);
    printf("BENCH legs.above_floor_p50 %.1f us\n", med.command - 2 * med.floor);
}

static bool read_opts(int argc, char **argv, opts_t *o)
{
    o->commands = 10000;
    o->runs = 3;
    o->busy_poll_us = 1000;
    o->rt = geteuid() == 0;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--commands") && v && ++i)
            o->commands = (size_t)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--runs") && v && ++i)
            o->runs = atoi(v);
        else if (!strcmp(a, "--busy-poll") && v && ++i)
            o->busy_poll_us = (unsigned)strtoul(v, NULL, 10);
        else if (!strcmp(a, "--no-rt"))
            o->rt = false;
        else {
            fprintf(stderr, "usage: bench_legs [--commands N] [--runs R] [--busy-poll US] "
                            "[--no-rt]\n");
            return false;
        }
    }
    if (o->commands < 100 || o->commands > 400000 || o->runs < 1 || o->runs > LEGS_MAX_RUNS ||
        o->busy_poll_us == 0) {
        fprintf(stderr, "bench_legs: --commands 100..400000, --runs 1..%d, --busy-poll > 0\n",
                LEGS_MAX_RUNS);
        return false;
    }
    ssize_t l = readlink("/proc/self/exe", o->self_dir, sizeof o->self_dir - 1);
    if (l <= 0)
        return false;
    o->self_dir[l] = '\0';
    char *slash = strrchr(o->self_dir, '/');
    if (slash)
        *slash = '\0';
    return true;
}

int main(int argc, char **argv)
{
    opts_t o;
    if (!read_opts(argc, argv, &o))
        return 2;
    char pre[PATH_MAX + 32];
    snprintf(pre, sizeof pre, "%s/legs_preload.so", o.self_dir);
    if (access(pre, R_OK) != 0) {
        fprintf(stderr, "bench_legs: %s not found (build the legs_preload target)\n", pre);
        return 1;
    }
    figures_t runs[LEGS_MAX_RUNS];
    int nr = 0;
    for (int r = 0; r < o.runs; r++) {
        figures_t f;
        memset(&f, 0, sizeof f);
        f.floor = run_pair(&o, "pp-server", "pp-client", NULL, NULL);
        if (f.floor > 0 && traced_run(&o, &f))
            runs[nr++] = f;
    }
    if (nr == 0) {
        fprintf(stderr, "bench_legs: no run completed\n");
        return 1;
    }
    report(&o, runs, nr);
    return nr == o.runs ? 0 : 1;
}
