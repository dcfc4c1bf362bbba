/* bench_latency: command round trips, master to outstation and back.
 *
 * Sequential CROB commands (DIRECT_OPERATE, and SELECT then OPERATE), each
 * issued when the previous one completed and timed in the master from the
 * call (dnp3_master_assoc_operate) to on_command_done with CLOCK_MONOTONIC.
 * Outstation and master are separate processes (this program run again with
 * --role), over loopback TCP, each pinned to its own core, alone and with
 * unsolicited traffic (analog events at a fixed rate, class 1, confirmed) on
 * the same association. Every case runs --runs times; the median of each
 * percentile is reported, and latency.max is the worst command of any run.
 *
 * The reference, opendnp3 3.1.2 built outside the repo ($DNP3C_INTEROP,
 * default /work/interop), runs the same cases in the same run:
 * bin/od_outstation and latency_master (a small opendnp3 master that issues
 * the commands back to back and prints the same percentiles). Without it the
 * issue's published figures are the reference, and the output says so.
 *
 * latency.do_instructions: instructions per DIRECT_OPERATE, master and
 * outstation processes together, from valgrind --tool=callgrind: two runs
 * with different command counts, the difference divided by the difference
 * in commands (start-up and shut-down cancel out).
 *
 *     bench_latency                 full run (10,000 commands, 3 runs)
 *     bench_latency --quick         2,000 commands, 1 run
 *     bench_latency --commands N --runs R --rate EV_PER_S --no-reference --no-callgrind --no-rt
 *
 * Both sides of both stacks run under SCHED_FIFO (priority 10) when the
 * process may (root, or CAP_SYS_NICE), so that the other jobs of a shared
 * machine do not preempt them: without it, on a loaded 2-core machine even a
 * bare epoll ping-pong has a p99 of milliseconds. --no-rt keeps the normal
 * policy; the output says which was used.
 *
 * DNP3C_BENCH_PCAP_DIR=dir: dnp3c's processes record their traffic in
 * dir/latency-<pid>.pcap (timestamps at the runtime's reads and writes),
 * and commands over 3 ms are listed on stderr with their completion time,
 * to tell which side held a slow command. */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "dnp3/master.h"
#include "dnp3/master_client.h"
#include "dnp3/outstation_server.h"
#include "dnp3/runtime.h"

#define LAT_ANALOGS      10u
#define LAT_CROB_LATCH   3u /* LATCH_ON (Annex A, group 12 op code) */
#define LAT_MAX_RUNS     9
#define LAT_CASES        4
#define LAT_GEN_TICK_NS  5000000L /* generator batches, as the reference's 5 ms tick */
#define LAT_GEN_MAX_POST 64u

static uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void pin_to_cpu(int cpu)
{
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    if (cpu < 0 || n < 2)
        return;
    cpu_set_t set;
    CPU_ZERO(&set);
    CPU_SET(cpu % (int)n, &set);
    if (sched_setaffinity(0, sizeof set, &set) != 0)
        perror("bench_latency: sched_setaffinity");
}

static dnp3_runtime_t *quiet_runtime(void)
{
    dnp3_runtime_config_t rc;
    dnp3_runtime_config_default(&rc);
    rc.logger.level = DNP3_LOG_ERROR;
    rc.stop_on_signals = true;
    /* Diagnosis of slow commands: each process records its traffic. */
    static char pcap[1100];
    const char *dir = getenv("DNP3C_BENCH_PCAP_DIR");
    if (dir && *dir) {
        snprintf(pcap, sizeof pcap, "%.1000s/latency-%d.pcap", dir, (int)getpid());
        rc.pcap_path = pcap;
    }
    char err[128];
    dnp3_runtime_t *rt = dnp3_runtime_new(&rc, err, sizeof err);
    if (!rt)
        fprintf(stderr, "bench_latency: runtime: %s\n", err);
    return rt;
}

/* ---- the outstation role ---------------------------------------------------- */

typedef struct gen {
    dnp3_runtime_t *rt;
    dnp3_outstation_server_t *srv;
    dnp3_db_t *db;
    double rate;
    atomic_int stop;
} gen_t;

static uint8_t os_control(void *ctx, const dnp3_control_t *c)
{
    (void)ctx;
    return c->index < LAT_ANALOGS ? DNP3_CS_SUCCESS : DNP3_CS_NOT_SUPPORTED;
}

/* Offers rate analog events per second in batches every 5 ms, each value
 * its sequence number, through the cross-thread update queue. */
static void *gen_main(void *arg)
{
    gen_t *g = arg;
    dnp3_point_update_t up[LAT_GEN_MAX_POST];
    uint64_t t0 = now_ns(), made = 0;
    struct timespec next;
    clock_gettime(CLOCK_MONOTONIC, &next);
    while (!atomic_load(&g->stop)) {
        uint64_t due = (uint64_t)((double)(now_ns() - t0) * 1e-9 * g->rate);
        while (made < due) {
            size_t n = 0;
            for (; n < LAT_GEN_MAX_POST && made + n < due; n++) {
                memset(&up[n], 0, sizeof up[n]);
                up[n].type = DNP3_PT_ANALOG;
                up[n].index = (uint32_t)((made + n) % LAT_ANALOGS);
                up[n].flags = 0x01;
                up[n].value.analog = (double)(made + n + 1);
            }
            if (dnp3_outstation_server_update(g->srv, g->db, up, n) != 0)
                break; /* queue full or stopped: try on the next tick */
            made += n;
        }
        next.tv_nsec += LAT_GEN_TICK_NS;
        if (next.tv_nsec >= 1000000000L) {
            next.tv_nsec -= 1000000000L;
            next.tv_sec++;
        }
        clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &next, NULL);
    }
    return NULL;
}

static int os_setup(dnp3_runtime_t *rt, uint16_t port, dnp3_db_t **db,
                    dnp3_outstation_server_t **srv)
{
    dnp3_db_config_t dc;
    dnp3_db_config_default(&dc);
    dc.count[DNP3_PT_ANALOG] = LAT_ANALOGS;
    dc.count[DNP3_PT_BINARY_OUTPUT] = LAT_ANALOGS;
    int rc = dnp3_db_new(&dc, db);
    if (rc != 0)
        return rc;
    dnp3_outstation_server_config_t sc;
    dnp3_outstation_server_config_default(&sc);
    *srv = dnp3_outstation_server_new(rt, &sc, &rc);
    if (!*srv)
        return rc;
    if ((rc = dnp3_outstation_server_add_station(*srv, 10, *db)) != 0)
        return rc;
    dnp3_outstation_association_config_t ac;
    dnp3_outstation_association_config_default(&ac);
    ac.session.events.class_capacity[0] = 10000;
    ac.session.command_event_class = DNP3_CLASS_NONE;
    ac.session.need_time_at_start = false;
    ac.session.unsolicited_hold_ms = 0; /* as the reference: send as soon as events exist */
    ac.session.unsolicited_hold_count = 1;
    ac.callbacks.control = os_control;
    if ((rc = dnp3_outstation_server_add_association(*srv, &ac, NULL)) != 0)
        return rc;
    dnp3_tcp_server_config_t tc;
    dnp3_tcp_server_config_default(&tc);
    tc.address = "127.0.0.1";
    tc.port = port;
    return dnp3_outstation_server_listen(*srv, &tc, NULL);
}

static int run_outstation(uint16_t port, double rate)
{
    dnp3_runtime_t *rt = quiet_runtime();
    if (!rt)
        return 1;
    dnp3_db_t *db = NULL;
    dnp3_outstation_server_t *srv = NULL;
    int rc = os_setup(rt, port, &db, &srv);
    if (rc != 0) {
        fprintf(stderr, "bench_latency: outstation on port %u: %s\n", port, dnp3_strerror(rc));
        return 1;
    }
    gen_t g = {.rt = rt, .srv = srv, .db = db, .rate = rate};
    atomic_init(&g.stop, 0);
    pthread_t th;
    bool gen = rate > 0 && pthread_create(&th, NULL, gen_main, &g) == 0;
    dnp3_runtime_run(rt);
    atomic_store(&g.stop, 1);
    if (gen)
        pthread_join(th, NULL);
    dnp3_runtime_free(rt);
    dnp3_outstation_server_free(srv);
    dnp3_db_free(db);
    return 0;
}

/* ---- the master role ---------------------------------------------------------- */

typedef struct mrun {
    dnp3_runtime_t *rt;
    dnp3_master_channel_t *ch;
    dnp3_master_assoc_t *a;
    dnp3_command_mode_t mode;
    bool unsol;
    bool started;
    bool note_slow; /* diagnosis (DNP3C_BENCH_PCAP_DIR): list slow commands */
    size_t n, done, failed;
    uint64_t t0;
    uint64_t *lat_ns;
} mrun_t;

static void issue_next(void *arg)
{
    mrun_t *m = arg;
    dnp3_command_point_t pt;
    memset(&pt, 0, sizeof pt);
    pt.group = 12;
    pt.variation = 1;
    pt.code = LAT_CROB_LATCH;
    pt.count = 1;
    pt.on_ms = 100;
    pt.off_ms = 100;
    m->t0 = now_ns();
    int rc = dnp3_master_assoc_operate(m->a, dnp3_runtime_now(m->rt), m->mode, &pt, 1);
    if (rc < 0) {
        fprintf(stderr, "bench_latency: operate: %s\n", dnp3_strerror(rc));
        m->failed = m->n;
        dnp3_runtime_stop(m->rt);
        return;
    }
    dnp3_master_channel_wake(m->ch);
}

/* A command slower than this is logged (stderr) with its number and the
 * wall-clock time it completed, to find it in the captures. */
#define LAT_SLOW_NS 3000000u

static void note_slow(size_t k, uint64_t ns)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    fprintf(stderr, "bench_latency: command %zu took %.1f us, done at %lld.%06ld (UTC s)\n", k,
            (double)ns / 1e3, (long long)ts.tv_sec, ts.tv_nsec / 1000);
}

static void m_command_done(void *ctx, const dnp3_command_result_t *r)
{
    mrun_t *m = ctx;
    m->lat_ns[m->done++] = now_ns() - m->t0;
    if (m->note_slow && m->lat_ns[m->done - 1] > LAT_SLOW_NS)
        note_slow(m->done, m->lat_ns[m->done - 1]);
    if (r->result != DNP3_MASTER_SUCCESS)
        m->failed++;
    if (m->done < m->n)
        dnp3_runtime_post(m->rt, issue_next, m);
    else
        dnp3_runtime_stop(m->rt);
}

/* Commands start once the start-up sequence is over: the integrity poll,
 * and with unsolicited traffic the ENABLE_UNSOLICITED. */
static void m_task_done(void *ctx, const dnp3_task_result_t *r)
{
    mrun_t *m = ctx;
    dnp3_task_kind_t last = m->unsol ? DNP3_TASK_ENABLE_UNSOL : DNP3_TASK_INTEGRITY;
    if (m->started || r->kind != last || r->result != DNP3_MASTER_SUCCESS)
        return;
    m->started = true;
    dnp3_runtime_post(m->rt, issue_next, m);
}

static int cmp_u64(const void *a, const void *b)
{
    uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
    return x < y ? -1 : x > y;
}

static int m_setup(mrun_t *m, uint16_t port)
{
    dnp3_master_config_t mc;
    dnp3_master_config_default(&mc);
    mc.unsolicited_classes =
        m->unsol ? DNP3_MASTER_CLASS_1 | DNP3_MASTER_CLASS_2 | DNP3_MASTER_CLASS_3 : 0;
    mc.comm_lost_mode = DNP3_COMM_LOST_NONE;
    dnp3_master_callbacks_t cb;
    memset(&cb, 0, sizeof cb);
    cb.on_command_done = m_command_done;
    cb.on_task_done = m_task_done;
    int rc = dnp3_master_assoc_new(&mc, &cb, m, &m->a);
    if (rc != 0)
        return rc;
    dnp3_tcp_endpoint_t ep = {"127.0.0.1", port};
    dnp3_master_channel_config_t cc;
    dnp3_master_channel_config_default(&cc);
    cc.endpoints = &ep;
    cc.endpoint_count = 1;
    cc.backoff_min_ms = 50;
    cc.backoff_max_ms = 500;
    cc.logger.level = DNP3_LOG_ERROR;
    rc = dnp3_master_channel_new(m->rt, &cc, &m->ch);
    return rc != 0 ? rc : dnp3_master_channel_add(m->ch, m->a);
}

static int run_master(uint16_t port, dnp3_command_mode_t mode, size_t n, bool unsol, bool report)
{
    mrun_t m;
    memset(&m, 0, sizeof m);
    m.mode = mode;
    m.unsol = unsol;
    m.n = n;
    m.note_slow = getenv("DNP3C_BENCH_PCAP_DIR") != NULL;
    m.lat_ns = calloc(n, sizeof *m.lat_ns);
    m.rt = quiet_runtime();
    if (!m.lat_ns || !m.rt)
        return 1;
    int rc = m_setup(&m, port);
    if (rc != 0) {
        fprintf(stderr, "bench_latency: master: %s\n", dnp3_strerror(rc));
        return 1;
    }
    dnp3_runtime_run(m.rt);
    dnp3_runtime_free(m.rt);
    dnp3_master_channel_free(m.ch);
    dnp3_master_assoc_free(m.a);
    size_t c = m.done;
    if (c > 0 && report) {
        qsort(m.lat_ns, c, sizeof *m.lat_ns, cmp_u64);
        printf("LATENCY n=%zu failed=%zu p50_us=%.1f p99_us=%.1f max_us=%.1f\n", c, m.failed,
               (double)m.lat_ns[c / 2] / 1e3, (double)m.lat_ns[(c * 99) / 100] / 1e3,
               (double)m.lat_ns[c - 1] / 1e3);
    }
    free(m.lat_ns);
    return (c == n && m.failed == 0) ? 0 : 1;
}

/* ---- the machine's floor: a bare TCP ping-pong --------------------------------- */

/* The same exchange as a DIRECT_OPERATE on the wire (33 bytes out, 35
 * back), with nothing but blocking send and receive: what any stack's
 * round trip costs on this machine at least. */
static int pp_connect(uint16_t port, bool server)
{
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    a.sin_port = htons(port);
    int one = 1, fd = socket(AF_INET, SOCK_STREAM, 0);
    if (fd < 0)
        return -1;
    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
    if (server) {
        int c = -1;
        if (bind(fd, (struct sockaddr *)&a, sizeof a) == 0 && listen(fd, 1) == 0)
            c = accept(fd, NULL, NULL);
        close(fd);
        fd = c;
    } else {
        for (int i = 0; i < 200 && connect(fd, (struct sockaddr *)&a, sizeof a) != 0; i++) {
            close(fd);
            usleep(10000);
            fd = socket(AF_INET, SOCK_STREAM, 0);
        }
    }
    if (fd >= 0)
        setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
    return fd;
}

static int run_pingpong(uint16_t port, bool server, size_t n)
{
    int fd = pp_connect(port, server);
    if (fd < 0)
        return 1;
    uint8_t buf[64] = {0};
    uint64_t *lat = calloc(n, sizeof *lat);
    size_t done = 0;
    for (; lat && done < n; done++) {
        uint64_t t0 = now_ns();
        if (!server && send(fd, buf, 33, 0) != 33)
            break;
        if (recv(fd, buf, sizeof buf, 0) <= 0)
            break;
        if (server && send(fd, buf, 35, 0) != 35)
            break;
        lat[done] = now_ns() - t0;
    }
    close(fd);
    if (!server && done > 0) {
        qsort(lat, done, sizeof *lat, cmp_u64);
        printf("LATENCY n=%zu failed=0 p50_us=%.1f p99_us=%.1f max_us=%.1f\n", done,
               (double)lat[done / 2] / 1e3, (double)lat[(done * 99) / 100] / 1e3,
               (double)lat[done - 1] / 1e3);
    }
    free(lat);
    return done == n ? 0 : 1;
}

/* ---- the driver: processes, cases, runs --------------------------------------- */

typedef struct res {
    double p50, p99, max;
    bool ok;
} res_t;

typedef struct opts {
    size_t commands;
    int runs;
    double rate;
    bool reference, callgrind;
    int rt_prio; /* SCHED_FIFO priority of both sides of both stacks; 0: normal */
    char self[1024];
    char interop[1024];
    char latency_master[1100]; /* found by find_reference */
} opts_t;

/* The cases, then the floor (a bare ping-pong, ours only). */
#define LAT_FLOOR LAT_CASES
static const char *const CASE_NAME[LAT_CASES + 1] = {"do", "sbo", "do_bg", "sbo_bg", "floor"};

static uint16_t free_port(void)
{
    int s = socket(AF_INET, SOCK_STREAM, 0);
    struct sockaddr_in a;
    memset(&a, 0, sizeof a);
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    uint16_t port = 0;
    if (s >= 0 && bind(s, (struct sockaddr *)&a, sizeof a) == 0 &&
        getsockname(s, (struct sockaddr *)&a, &len) == 0)
        port = ntohs(a.sin_port);
    if (s >= 0)
        close(s);
    return port;
}

/* Start argv pinned to cpu, under SCHED_FIFO at prio (0: the normal
 * policy); its stdout (capture 1) or stderr (capture 2) goes to *fd, the
 * rest to /dev/null. */
static pid_t spawn(char *const argv[], int cpu, int prio, int capture, int *fd)
{
    int p[2] = {-1, -1};
    if (capture && pipe(p) != 0)
        return -1;
    pid_t pid = fork();
    if (pid == 0) {
        pin_to_cpu(cpu);
        struct sched_param sp = {.sched_priority = prio};
        if (prio > 0 && sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
            _exit(126);
        int null = open("/dev/null", O_WRONLY);
        dup2(capture == 1 ? p[1] : null, 1);
        dup2(capture == 2 ? p[1] : null, 2);
        execv(argv[0], argv);
        _exit(127);
    }
    if (capture) {
        close(p[1]);
        *fd = p[0];
    }
    return pid;
}

/* Read fd to its end (or cap) into buf, NUL-terminated; false when
 * timeout_ms passed first (a peer that never came up). */
static bool read_all(int fd, char *buf, size_t cap, int timeout_ms)
{
    size_t n = 0;
    bool ok = true;
    uint64_t end = now_ns() + (uint64_t)timeout_ms * 1000000u;
    while (n + 1 < cap) {
        uint64_t t = now_ns();
        struct pollfd pfd = {.fd = fd, .events = POLLIN};
        if (t >= end || poll(&pfd, 1, (int)((end - t) / 1000000u) + 1) == 0) {
            ok = false;
            break;
        }
        ssize_t r = read(fd, buf + n, cap - 1 - n);
        if (r < 0 && errno == EINTR)
            continue;
        if (r <= 0)
            break;
        n += (size_t)r;
    }
    buf[n] = 0;
    close(fd);
    return ok;
}

static void stop_child(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 500; i++) { /* 5 s to stop, then killed */
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        usleep(10000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

typedef struct pair_args {
    char *os[16];
    char *m[16];
    char port[16], n[24], rate[32];
    char od_master[1100], od_outstation[1100];
} pair_args_t;

static void fill_args(const opts_t *o, bool ref, int c, size_t n, uint16_t port, char *prefix[],
                      pair_args_t *pa)
{
    bool bg = c >= 2 && c != LAT_FLOOR, sbo = c % 2 == 1;
    snprintf(pa->port, sizeof pa->port, "%u", port);
    snprintf(pa->n, sizeof pa->n, "%zu", n);
    snprintf(pa->rate, sizeof pa->rate, "%.0f", bg ? o->rate : 0.0);
    snprintf(pa->od_master, sizeof pa->od_master, "%s", o->latency_master);
    snprintf(pa->od_outstation, sizeof pa->od_outstation, "%s/bin/od_outstation", o->interop);
    char **bufs = (char *[]){pa->port, pa->n, pa->rate, pa->od_master};
    char *odo = pa->od_outstation;
    size_t i = 0, j = 0;
    for (size_t k = 0; prefix && prefix[k]; k++)
        pa->os[i++] = pa->m[j++] = prefix[k];
    char *const *mode = (char *[]){"--mode", sbo ? "sbo" : "do"};
    if (c == LAT_FLOOR) {
        char *os[] = {(char *)o->self, "--role",     "pp-server", "--port",
                      bufs[0],         "--commands", bufs[1]};
        char *m[] = {(char *)o->self, "--role",     "pp-client", "--port",
                     bufs[0],         "--commands", bufs[1]};
        for (size_t k = 0; k < 7; k++) {
            pa->os[i++] = os[k];
            pa->m[j++] = m[k];
        }
    } else if (ref) {
        char *os[] = {odo, "--port", bufs[0], "--points", "10", "--quiet", "--duration", "600"};
        for (size_t k = 0; k < 8; k++)
            pa->os[i++] = os[k];
        if (bg) {
            pa->os[i++] = "--unsol";
            pa->os[i++] = "--events-per-sec";
            pa->os[i++] = bufs[2];
        }
        char *m[] = {bufs[3], "127.0.0.1", bufs[0], mode[0], mode[1], "--commands", bufs[1]};
        for (size_t k = 0; k < 7; k++)
            pa->m[j++] = m[k];
    } else {
        char *os[] = {(char *)o->self, "--role", "outstation", "--port",
                      bufs[0],         "--rate", bufs[2]};
        for (size_t k = 0; k < 7; k++)
            pa->os[i++] = os[k];
        char *m[] = {(char *)o->self, "--role", "master",     "--port", bufs[0],
                     mode[0],         mode[1],  "--commands", bufs[1]};
        for (size_t k = 0; k < 9; k++)
            pa->m[j++] = m[k];
    }
    if (bg)
        pa->m[j++] = "--unsol";
    if (prefix) /* under callgrind: no sorting of the results, it would be counted */
        pa->m[j++] = "--no-report";
    pa->os[i] = pa->m[j] = NULL;
}

/* One case once: outstation on cpu 1, master on cpu 0. The master's output
 * (stdout, or stderr under valgrind: capture) is returned in out. */
static bool run_pair(const opts_t *o, bool ref, int c, size_t n, char *prefix[], char *out,
                     size_t cap, char *os_out, size_t os_cap)
{
    uint16_t port = free_port();
    pair_args_t pa;
    fill_args(o, ref, c, n, port, prefix, &pa);
    int capture = prefix ? 2 : 1, ofd = -1, mfd = -1;
    int prio = prefix ? 0 : o->rt_prio;
    pid_t os = spawn(pa.os, 1, prio, os_out ? capture : 0, &ofd);
    if (os < 0)
        return false;
    pid_t m = spawn(pa.m, 0, prio, capture, &mfd);
    if (m < 0) {
        stop_child(os);
        return false;
    }
    /* Generous: a minute to start, 5 ms a command (valgrind included). */
    const int budget_ms = 60000 + (int)(n > 100000 ? 500000 : n * 5);
    if (!read_all(mfd, out, cap, budget_ms)) {
        fprintf(stderr, "bench_latency: %s %s: no result in %d ms, stopped\n",
                ref ? "reference" : "dnp3c", CASE_NAME[c], budget_ms);
        kill(m, SIGKILL);
    }
    int st = 0;
    waitpid(m, &st, 0);
    stop_child(os);
    if (os_out)
        read_all(ofd, os_out, os_cap, 10000);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static res_t measure(const opts_t *o, bool ref, int c)
{
    char out[4096];
    res_t r = {0, 0, 0, false};
    bool ok = run_pair(o, ref, c, o->commands, NULL, out, sizeof out, NULL, 0);
    const char *l = strstr(out, "LATENCY ");
    size_t n = 0, failed = 0;
    if (l && sscanf(l, "LATENCY n=%zu failed=%zu p50_us=%lf p99_us=%lf max_us=%lf", &n, &failed,
                    &r.p50, &r.p99, &r.max) == 5)
        r.ok = ok && n == o->commands && failed == 0;
    if (!r.ok)
        fprintf(stderr, "bench_latency: %s %s failed: %s\n", ref ? "reference" : "dnp3c",
                CASE_NAME[c], l ? l : "(no result)");
    return r;
}

static double median3(double *v, int n)
{
    for (int i = 1; i < n; i++)
        for (int k = i; k > 0 && v[k - 1] > v[k]; k--) {
            double t = v[k];
            v[k] = v[k - 1];
            v[k - 1] = t;
        }
    return n ? v[n / 2] : 0;
}

static double collected(const char *text)
{
    const char *p = strstr(text, "Collected :");
    return p ? strtod(p + strlen("Collected :"), NULL) : -1;
}

/* Instructions of both processes for n DIRECT_OPERATEs under callgrind. */
static double callgrind_total(const opts_t *o, bool ref, size_t n)
{
    char *prefix[] = {"/usr/bin/valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                      NULL};
    static char mout[16384], oout[16384];
    if (!run_pair(o, ref, 0, n, prefix, mout, sizeof mout, oout, sizeof oout))
        return -1;
    double a = collected(mout), b = collected(oout);
    return a < 0 || b < 0 ? -1 : a + b;
}

static double instructions_per_do(const opts_t *o, bool ref)
{
    const size_t n1 = 200, n2 = 1200;
    double i1 = callgrind_total(o, ref, n1), i2 = callgrind_total(o, ref, n2);
    if (i1 < 0 || i2 < 0 || i2 <= i1)
        return -1;
    return (i2 - i1) / (double)(n2 - n1);
}

/* ---- report ---------------------------------------------------------------------- */

/* The issue's figures for opendnp3 3.1.1 (quiet machine, lower end of the
 * published ranges), used when the reference cannot run here. */
static const double PUBLISHED[LAT_CASES][2] = {{38, 111}, {55, 156}, {0, 169}, {0, 248}};
static const double TARGET_P50[LAT_CASES] = {25, 30, 0, 0};
static const double TARGET_P99[LAT_CASES] = {55, 80, 85, 125};

static void bench_line(const char *name, double ours, double ref)
{
    if (ref > 0 && ours > 0)
        printf("BENCH %s %.1f us reference=%.1f ratio=%.2f\n", name, ours, ref, ref / ours);
    else
        printf("BENCH %s %.1f us\n", name, ours);
}

typedef struct summary {
    double p[2][LAT_CASES][2]; /* [ours|ref][case][p50|p99] */
    double max[2];
    double floor[2]; /* p50, p99 of the bare ping-pong */
    bool have_ref;
} summary_t;

static void report(const opts_t *o, const summary_t *s, double instr, double ref_instr)
{
    const char *src = s->have_ref ? "opendnp3 3.1.2, same run" : "issue figures (opendnp3 3.1.1)";
    printf("\ncommand latency, %zu commands x %d runs, median per percentile (us); reference: %s\n",
           o->commands, o->runs, src);
    printf("%-8s %10s %10s %12s %12s %8s %8s\n", "case", "p50", "p99", "ref p50", "ref p99",
           "ratio50", "ratio99");
    for (int c = 0; c < LAT_CASES; c++) {
        double r50 = s->have_ref ? s->p[1][c][0] : PUBLISHED[c][0];
        double r99 = s->have_ref ? s->p[1][c][1] : PUBLISHED[c][1];
        printf("%-8s %10.1f %10.1f %12.1f %12.1f %8.2f %8.2f\n", CASE_NAME[c], s->p[0][c][0],
               s->p[0][c][1], r50, r99, r50 > 0 ? r50 / s->p[0][c][0] : 0,
               r99 > 0 ? r99 / s->p[0][c][1] : 0);
    }
    printf("%-8s %10.1f %10.1f   (bare TCP ping-pong, 33/35 bytes, same pinning: the machine's "
           "floor for one round trip)\n",
           "floor", s->floor[0], s->floor[1]);
    printf("worst single command: %.1f us (reference %.1f us)\n", s->max[0],
           s->have_ref ? s->max[1] : 4e6);
    for (int c = 0; c < LAT_CASES; c++) {
        double t50 = TARGET_P50[c], t99 = TARGET_P99[c];
        printf("target %-7s p50 %s p99 %.1f <= %.0f: %s\n", CASE_NAME[c],
               t50 > 0 ? (s->p[0][c][0] <= t50 ? "met" : "MISSED") : "-", s->p[0][c][1], t99,
               s->p[0][c][1] <= t99 ? "met" : "MISSED");
    }
    printf("target max <= 10000 us: %s\n", s->max[0] <= 10000 ? "met" : "MISSED");
    char name[64];
    for (int c = 0; c < LAT_CASES; c++) {
        for (int q = 0; q < 2; q++) {
            bool bg = c >= 2;
            snprintf(name, sizeof name, "latency.%s_p%s%s", c % 2 ? "sbo" : "do", q ? "99" : "50",
                     bg ? "_bg" : "");
            bench_line(name, s->p[0][c][q], s->have_ref ? s->p[1][c][q] : PUBLISHED[c][q]);
        }
    }
    bench_line("latency.max", s->max[0], s->have_ref ? s->max[1] : 4e6);
    if (instr > 0 && ref_instr > 0)
        printf("BENCH latency.do_instructions %.0f instructions reference=%.0f ratio=%.2f\n", instr,
               ref_instr, ref_instr / instr);
    else if (instr > 0)
        printf("BENCH latency.do_instructions %.0f instructions\n", instr);
    printf("(do_instructions: master + outstation processes, callgrind, per DIRECT_OPERATE)\n");
}

/* Returns the number of failed runs of ours. */
static int run_all(const opts_t *o, summary_t *s)
{
    int failures = 0;
    double v[2][LAT_CASES][2][LAT_MAX_RUNS], fl[2][LAT_MAX_RUNS];
    int got[2][LAT_CASES] = {{0}}, nfl = 0;
    for (int run = 0; run < o->runs; run++) {
        res_t f = measure(o, false, LAT_FLOOR);
        fprintf(stderr, "run %d floor  p50 %8.1f p99 %8.1f max %9.1f us\n", run + 1, f.p50, f.p99,
                f.max);
        if (f.ok) {
            fl[0][nfl] = f.p50;
            fl[1][nfl++] = f.p99;
        }
        for (int c = 0; c < LAT_CASES; c++) {
            for (int ref = 0; ref < (s->have_ref ? 2 : 1); ref++) {
                res_t r = measure(o, ref, c);
                fprintf(stderr, "run %d %-6s %-8s p50 %8.1f p99 %8.1f max %9.1f us\n", run + 1,
                        CASE_NAME[c], ref ? "opendnp3" : "dnp3c", r.p50, r.p99, r.max);
                /* A failed command (the reference's 5 s response timeout) is
                 * the worst command of the run: it counts for the max. */
                if (r.max > s->max[ref])
                    s->max[ref] = r.max;
                if (!r.ok) {
                    failures += !ref;
                    continue;
                }
                int k = got[ref][c]++;
                v[ref][c][0][k] = r.p50;
                v[ref][c][1][k] = r.p99;
            }
        }
    }
    for (int ref = 0; ref < 2; ref++)
        for (int c = 0; c < LAT_CASES; c++)
            for (int q = 0; q < 2; q++)
                s->p[ref][c][q] = median3(v[ref][c][q], got[ref][c]);
    s->floor[0] = median3(fl[0], nfl);
    s->floor[1] = median3(fl[1], nfl);
    return failures;
}

/* The reference's programs: bin/od_outstation, and latency_master in bin/
 * or where the interop build leaves it (build/peers/: its build script
 * copies only the od_* programs to bin/). */
static bool find_reference(opts_t *o)
{
    char p[1100];
    snprintf(p, sizeof p, "%s/bin/od_outstation", o->interop);
    if (access(p, X_OK) != 0)
        return false;
    const char *const where[] = {"bin", "build/peers"};
    for (size_t i = 0; i < 2; i++) {
        snprintf(o->latency_master, sizeof o->latency_master, "%s/%s/latency_master", o->interop,
                 where[i]);
        if (access(o->latency_master, X_OK) == 0)
            return true;
    }
    return false;
}

static int role_main(int argc, char **argv)
{
    const char *role = NULL;
    uint16_t port = 0;
    double rate = 0;
    size_t n = 1000;
    bool unsol = false, report = true;
    dnp3_command_mode_t mode = DNP3_COMMAND_DIRECT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(a, "--unsol"))
            unsol = true;
        else if (!strcmp(a, "--no-report"))
            report = false;
        else if (!strcmp(a, "--role") && ++i)
            role = v;
        else if (!strcmp(a, "--port") && ++i)
            port = (uint16_t)atoi(v);
        else if (!strcmp(a, "--rate") && ++i)
            rate = atof(v);
        else if (!strcmp(a, "--commands") && ++i)
            n = (size_t)atol(v);
        else if (!strcmp(a, "--mode") && ++i)
            mode = !strcmp(v, "sbo") ? DNP3_COMMAND_SELECT_OPERATE : DNP3_COMMAND_DIRECT;
    }
    if (role && !strcmp(role, "outstation"))
        return run_outstation(port, rate);
    if (role && !strncmp(role, "pp-", 3))
        return run_pingpong(port, !strcmp(role, "pp-server"), n);
    return run_master(port, mode, n, unsol, report);
}

static int read_opts(int argc, char **argv, opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->commands = 10000;
    o->runs = 3;
    o->rate = 10000;
    o->reference = o->callgrind = true;
    o->rt_prio = 10;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "0";
        if (!strcmp(a, "--quick")) {
            o->commands = 2000;
            o->runs = 1;
        } else if (!strcmp(a, "--commands") && ++i)
            o->commands = (size_t)atol(v);
        else if (!strcmp(a, "--runs") && ++i)
            o->runs = atoi(v);
        else if (!strcmp(a, "--rate") && ++i)
            o->rate = atof(v);
        else if (!strcmp(a, "--no-reference"))
            o->reference = false;
        else if (!strcmp(a, "--no-callgrind"))
            o->callgrind = false;
        else if (!strcmp(a, "--no-rt"))
            o->rt_prio = 0;
        else {
            fprintf(stderr,
                    "usage: bench_latency [--quick] [--commands N] [--runs R] [--rate EV/S] "
                    "[--no-reference] [--no-callgrind] [--no-rt]\n");
            return -1;
        }
    }
    if (o->commands < 100 || o->runs < 1 || o->runs > LAT_MAX_RUNS)
        return -1;
    ssize_t l = readlink("/proc/self/exe", o->self, sizeof o->self - 1);
    if (l <= 0)
        return -1;
    o->self[l] = 0;
    const char *env = getenv("DNP3C_INTEROP");
    snprintf(o->interop, sizeof o->interop, "%s", env && *env ? env : "/work/interop");
    return 0;
}

/* Whether this process may use SCHED_FIFO at prio (tried, then undone). */
static int rt_permitted(int prio)
{
    struct sched_param sp = {.sched_priority = prio}, normal = {.sched_priority = 0};
    if (prio <= 0 || sched_setscheduler(0, SCHED_FIFO, &sp) != 0)
        return 0;
    sched_setscheduler(0, SCHED_OTHER, &normal);
    return prio;
}

int main(int argc, char **argv)
{
    if (argc > 2 && !strcmp(argv[1], "--role"))
        return role_main(argc, argv);
    opts_t o;
    if (read_opts(argc, argv, &o) != 0)
        return 2;
    signal(SIGPIPE, SIG_IGN);
    summary_t s;
    memset(&s, 0, sizeof s);
    s.have_ref = o.reference && find_reference(&o);
    if (!s.have_ref)
        printf("reference: %s; using the issue's published figures (opendnp3 3.1.1)\n",
               o.reference ? "opendnp3 not found (DNP3C_INTEROP: bin/od_outstation and "
                             "latency_master, see docs/PERFORMANCE.md)"
                           : "--no-reference");
    o.rt_prio = rt_permitted(o.rt_prio);
    printf("scheduling: %s\n", o.rt_prio
                                   ? "SCHED_FIFO priority 10 for both processes of both stacks "
                                     "(other jobs on the machine cannot preempt them)"
                                   : "normal (--no-rt, or SCHED_FIFO not permitted)");
    int failures = run_all(&o, &s);
    double instr = -1, ref_instr = -1;
    if (o.callgrind && access("/usr/bin/valgrind", X_OK) == 0) {
        instr = instructions_per_do(&o, false);
        if (s.have_ref)
            ref_instr = instructions_per_do(&o, true);
    }
    report(&o, &s, instr, ref_instr);
    return failures ? 1 : 0;
}
