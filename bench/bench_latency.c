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
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "bench_util.h"
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

static dnp3_runtime_t *quiet_runtime(uint32_t busy_poll_us)
{
    dnp3_runtime_config_t rc;
    dnp3_runtime_config_default(&rc);
    rc.logger.level = DNP3_LOG_ERROR;
    rc.stop_on_signals = true;
    rc.busy_poll_us = busy_poll_us;
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

/* Under SCHED_FIFO the generator shares the loop's core at the loop's
 * priority: a busy-polling loop would never let it run. One above, it
 * preempts the loop for its few microseconds every 5 ms. */
static void gen_priority_above_loop(void)
{
    int policy = 0;
    struct sched_param sp;
    if (pthread_getschedparam(pthread_self(), &policy, &sp) == 0 && policy == SCHED_FIFO) {
        sp.sched_priority++;
        pthread_setschedparam(pthread_self(), SCHED_FIFO, &sp);
    }
}

/* Offers rate analog events per second in batches every 5 ms, each value
 * its sequence number, through the cross-thread update queue. */
static void *gen_main(void *arg)
{
    gen_t *g = arg;
    gen_priority_above_loop();
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

static int run_outstation(uint16_t port, double rate, uint32_t busy_poll_us)
{
    dnp3_runtime_t *rt = quiet_runtime(busy_poll_us);
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
    uint32_t idle_ms; /* n == 0: stay connected and idle this long, then stop */
    pthread_t idle_thread;
    bool idle_started;
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

/* The idle case: the connection up, nothing to do for idle_ms, then stop. */
static void *idle_main(void *arg)
{
    mrun_t *m = arg;
    struct timespec ts = {.tv_sec = m->idle_ms / 1000, .tv_nsec = (m->idle_ms % 1000) * 1000000L};
    nanosleep(&ts, NULL);
    dnp3_runtime_stop(m->rt);
    return NULL;
}

static void start_commands(void *arg)
{
    mrun_t *m = arg;
    if (m->n > 0)
        issue_next(m);
    else
        m->idle_started = pthread_create(&m->idle_thread, NULL, idle_main, m) == 0;
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
    dnp3_runtime_post(m->rt, start_commands, m);
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

static int run_master(uint16_t port, dnp3_command_mode_t mode, size_t n, bool unsol, bool report,
                      uint32_t busy_poll_us, uint32_t idle_ms)
{
    mrun_t m;
    memset(&m, 0, sizeof m);
    m.mode = mode;
    m.unsol = unsol;
    m.n = n;
    m.idle_ms = idle_ms;
    m.note_slow = getenv("DNP3C_BENCH_PCAP_DIR") != NULL;
    m.lat_ns = calloc(n ? n : 1, sizeof *m.lat_ns);
    m.rt = quiet_runtime(busy_poll_us);
    if (!m.lat_ns || !m.rt)
        return 1;
    int rc = m_setup(&m, port);
    if (rc != 0) {
        fprintf(stderr, "bench_latency: master: %s\n", dnp3_strerror(rc));
        return 1;
    }
    dnp3_runtime_run(m.rt);
    if (m.idle_started)
        pthread_join(m.idle_thread, NULL);
    dnp3_runtime_free(m.rt);
    dnp3_master_channel_free(m.ch);
    dnp3_master_assoc_free(m.a);
    if (n == 0) {
        free(m.lat_ns);
        printf("IDLE ok=%d\n", m.idle_started);
        return m.idle_started ? 0 : 1;
    }
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
 * back), with nothing but send and receive: what any stack's round trip
 * costs on this machine at least. Blocking receive (the kernel wakes the
 * sleeping side), or spinning (non-blocking receive in a loop: no wake-up,
 * what busy polling can approach). */
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

static ssize_t pp_recv(int fd, uint8_t *buf, size_t cap, bool spin)
{
    for (;;) {
        ssize_t r = recv(fd, buf, cap, spin ? MSG_DONTWAIT : 0);
        if (r >= 0 || (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR))
            return r;
    }
}

static int run_pingpong(uint16_t port, bool server, size_t n, bool spin)
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
        if (pp_recv(fd, buf, sizeof buf, spin) <= 0)
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

/* Who runs a case: dnp3c with busy polling on both sides (the figures),
 * dnp3c as configured by default (sleeping loops), the reference. For the
 * floor: the spinning ping-pong, the blocking one. */
enum { WHO_BUSY = 0, WHO_BLOCK = 1, WHO_REF = 2, WHO_COUNT = 3 };
static const char *const WHO_NAME[WHO_COUNT] = {"dnp3c", "dnp3c-blk", "opendnp3"};

typedef struct res {
    double p50, p99, max;
    double cpu_s; /* CPU time of both processes (user + system), start-up included */
    bool ok;
} res_t;

typedef struct opts {
    size_t commands;
    int runs;
    double rate;
    bool reference, callgrind;
    int rt_prio;           /* SCHED_FIFO priority of both sides of both stacks; 0: normal */
    uint32_t busy_poll_us; /* dnp3c's busy-poll window in the WHO_BUSY cases */
    uint32_t idle_ms;      /* the idle case's length; 0: no idle case */
    char self[1024];
    char interop[1024];
    char latency_master[1100]; /* found by find_reference */
} opts_t;

/* The cases, then the floor (a bare ping-pong) and an idle connection
 * (dnp3c only: the CPU busy polling costs when there is nothing to do). */
#define LAT_FLOOR LAT_CASES
#define LAT_IDLE  (LAT_CASES + 1)
static const char *const CASE_NAME[LAT_CASES + 2] = {"do",     "sbo",   "do_bg",
                                                     "sbo_bg", "floor", "idle"};

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

static double cpu_of(const struct rusage *ru)
{
    return (double)ru->ru_utime.tv_sec + (double)ru->ru_utime.tv_usec * 1e-6 +
           (double)ru->ru_stime.tv_sec + (double)ru->ru_stime.tv_usec * 1e-6;
}

/* SIGTERM, wait (5 s, then SIGKILL); the child's CPU time in *cpu_s. */
static void stop_child(pid_t pid, double *cpu_s)
{
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 500; i++) { /* 5 s to stop, then killed */
        if (wait4(pid, NULL, WNOHANG, &ru) == pid) {
            *cpu_s += cpu_of(&ru);
            return;
        }
        usleep(10000);
    }
    kill(pid, SIGKILL);
    wait4(pid, NULL, 0, &ru);
    *cpu_s += cpu_of(&ru);
}

typedef struct pair_args {
    char *os[24];
    char *m[24];
    char port[16], n[24], rate[32], busy[16], idle[16];
    char od_master[1100], od_outstation[1100];
} pair_args_t;

static void push(char **argv, size_t *i, char *const *add, size_t n)
{
    for (size_t k = 0; k < n; k++)
        argv[(*i)++] = add[k];
}

static void fill_args(const opts_t *o, int who, int c, size_t n, uint16_t port, char *prefix[],
                      pair_args_t *pa)
{
    bool bg = c == 2 || c == 3, sbo = c == 1 || c == 3;
    snprintf(pa->port, sizeof pa->port, "%u", port);
    snprintf(pa->n, sizeof pa->n, "%zu", c == LAT_IDLE ? (size_t)0 : n);
    snprintf(pa->rate, sizeof pa->rate, "%.0f", bg ? o->rate : 0.0);
    snprintf(pa->busy, sizeof pa->busy, "%u", who == WHO_BUSY ? o->busy_poll_us : 0u);
    snprintf(pa->idle, sizeof pa->idle, "%u", o->idle_ms);
    snprintf(pa->od_master, sizeof pa->od_master, "%s", o->latency_master);
    snprintf(pa->od_outstation, sizeof pa->od_outstation, "%s/bin/od_outstation", o->interop);
    char *self = (char *)o->self;
    size_t i = 0, j = 0;
    for (size_t k = 0; prefix && prefix[k]; k++)
        pa->os[i++] = pa->m[j++] = prefix[k];
    char *mode[] = {"--mode", sbo ? "sbo" : "do"};
    if (c == LAT_FLOOR) {
        char *os[] = {self, "--role", "pp-server", "--port", pa->port, "--commands", pa->n};
        char *m[] = {self, "--role", "pp-client", "--port", pa->port, "--commands", pa->n};
        push(pa->os, &i, os, 7);
        push(pa->m, &j, m, 7);
        if (who == WHO_BUSY)
            pa->os[i++] = pa->m[j++] = "--spin";
    } else if (who == WHO_REF) {
        char *os[] = {pa->od_outstation, "--port",     pa->port, "--points", "10",
                      "--quiet",         "--duration", "600"};
        push(pa->os, &i, os, 8);
        if (bg) {
            char *unsol[] = {"--unsol", "--events-per-sec", pa->rate};
            push(pa->os, &i, unsol, 3);
        }
        char *m[] = {pa->od_master, "127.0.0.1", pa->port, mode[0], mode[1], "--commands", pa->n};
        push(pa->m, &j, m, 7);
    } else {
        char *os[] = {self,     "--role", "outstation",  "--port", pa->port,
                      "--rate", pa->rate, "--busy-poll", pa->busy};
        char *m[] = {self,         "--role", "master",      "--port", pa->port,    mode[0], mode[1],
                     "--commands", pa->n,    "--busy-poll", pa->busy, "--idle-ms", pa->idle};
        push(pa->os, &i, os, 9);
        push(pa->m, &j, m, 13);
    }
    if (bg)
        pa->m[j++] = "--unsol";
    if (prefix) /* under callgrind: no sorting of the results, it would be counted */
        pa->m[j++] = "--no-report";
    pa->os[i] = pa->m[j] = NULL;
}

/* One case once: outstation on cpu 1, master on cpu 0. The master's output
 * (stdout, or stderr under valgrind: capture) is returned in out; the CPU
 * time of both processes in *cpu_s. */
static bool run_pair(const opts_t *o, int who, int c, size_t n, char *prefix[], char *out,
                     size_t cap, char *os_out, size_t os_cap, double *cpu_s)
{
    uint16_t port = bench_free_port();
    pair_args_t pa;
    fill_args(o, who, c, n, port, prefix, &pa);
    int capture = prefix ? 2 : 1, ofd = -1, mfd = -1;
    int prio = prefix ? 0 : o->rt_prio;
    *cpu_s = 0;
    pid_t os = spawn(pa.os, 1, prio, os_out ? capture : 0, &ofd);
    if (os < 0)
        return false;
    pid_t m = spawn(pa.m, 0, prio, capture, &mfd);
    if (m < 0) {
        stop_child(os, cpu_s);
        return false;
    }
    /* Generous: a minute to start, 5 ms a command (valgrind included). */
    const int budget_ms =
        60000 + (int)(n > 100000 ? 500000 : n * 5) + (c == LAT_IDLE ? (int)o->idle_ms : 0);
    if (!read_all(mfd, out, cap, budget_ms)) {
        fprintf(stderr, "bench_latency: %s %s: no result in %d ms, stopped\n", WHO_NAME[who],
                CASE_NAME[c], budget_ms);
        kill(m, SIGKILL);
    }
    int st = 0;
    struct rusage ru;
    memset(&ru, 0, sizeof ru);
    wait4(m, &st, 0, &ru);
    *cpu_s += cpu_of(&ru);
    stop_child(os, cpu_s);
    if (os_out)
        read_all(ofd, os_out, os_cap, 10000);
    return WIFEXITED(st) && WEXITSTATUS(st) == 0;
}

static res_t measure(const opts_t *o, int who, int c)
{
    char out[4096];
    res_t r = {0, 0, 0, 0, false};
    bool ok = run_pair(o, who, c, o->commands, NULL, out, sizeof out, NULL, 0, &r.cpu_s);
    if (c == LAT_IDLE) {
        r.ok = ok && strstr(out, "IDLE ok=1") != NULL;
        if (!r.ok)
            fprintf(stderr, "bench_latency: %s idle failed\n", WHO_NAME[who]);
        return r;
    }
    const char *l = strstr(out, "LATENCY ");
    size_t n = 0, failed = 0;
    if (l && sscanf(l, "LATENCY n=%zu failed=%zu p50_us=%lf p99_us=%lf max_us=%lf", &n, &failed,
                    &r.p50, &r.p99, &r.max) == 5)
        r.ok = ok && n == o->commands && failed == 0;
    if (!r.ok)
        fprintf(stderr, "bench_latency: %s %s failed: %s\n", WHO_NAME[who], CASE_NAME[c],
                l ? l : "(no result)");
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

/* Instructions of both processes for n DIRECT_OPERATEs under callgrind
 * (dnp3c: the default configuration, sleeping loops; a busy-polling loop
 * would count its polls). */
static double callgrind_total(const opts_t *o, int who, size_t n)
{
    char *prefix[] = {"/usr/bin/valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
                      NULL};
    static char mout[16384], oout[16384];
    double cpu;
    if (!run_pair(o, who, 0, n, prefix, mout, sizeof mout, oout, sizeof oout, &cpu))
        return -1;
    double a = collected(mout), b = collected(oout);
    return a < 0 || b < 0 ? -1 : a + b;
}

static double instructions_per_do(const opts_t *o, int who)
{
    const size_t n1 = 200, n2 = 1200;
    double i1 = callgrind_total(o, who, n1), i2 = callgrind_total(o, who, n2);
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

static void bench_line(const char *name, double ours, const char *unit, double ref)
{
    if (ref > 0 && ours > 0)
        printf("BENCH %s %.1f %s reference=%.1f ratio=%.2f\n", name, ours, unit, ref, ref / ours);
    else
        printf("BENCH %s %.1f %s\n", name, ours, unit);
}

typedef struct summary {
    double p[WHO_COUNT][LAT_CASES][2]; /* [who][case][p50|p99] */
    double max[WHO_COUNT];
    double floor[2][2];       /* [spinning|blocking][p50|p99] of the bare ping-pong */
    double cpu[2][LAT_CASES]; /* [busy|blocking][case]: CPU us per command, both processes */
    double idle_cpu[2];       /* [busy|blocking]: CPU ms per second idle, both processes */
    bool have_ref;
} summary_t;

static double ref_of(const summary_t *s, int c, int q)
{
    return s->have_ref ? s->p[WHO_REF][c][q] : PUBLISHED[c][q];
}

static void report_table(const opts_t *o, const summary_t *s)
{
    const char *src = s->have_ref ? "opendnp3 3.1.2, same run" : "issue figures (opendnp3 3.1.1)";
    printf("\ncommand latency, %zu commands x %d runs, median per percentile (us); dnp3c with "
           "busy polling (%u us) on both sides, and as configured by default (sleeping loops, "
           "\"blocking\"); reference: %s (no busy polling: it has none)\n",
           o->commands, o->runs, o->busy_poll_us, src);
    printf("%-8s %8s %8s %8s %8s %9s %9s %8s %8s %9s %9s\n", "case", "p50", "p99", "blk p50",
           "blk p99", "ref p50", "ref p99", "ratio50", "ratio99", "cpu/cmd", "blk cpu");
    for (int c = 0; c < LAT_CASES; c++) {
        const double *b = s->p[WHO_BUSY][c], *k = s->p[WHO_BLOCK][c];
        double r50 = ref_of(s, c, 0), r99 = ref_of(s, c, 1);
        printf("%-8s %8.1f %8.1f %8.1f %8.1f %9.1f %9.1f %8.2f %8.2f %9.1f %9.1f\n", CASE_NAME[c],
               b[0], b[1], k[0], k[1], r50, r99, r50 > 0 ? r50 / b[0] : 0, r99 > 0 ? r99 / b[1] : 0,
               s->cpu[0][c], s->cpu[1][c]);
    }
    printf("%-8s %8.1f %8.1f %8.1f %8.1f   (bare TCP ping-pong, 33/35 bytes, same pinning: "
           "spinning receive, blocking receive)\n",
           "floor", s->floor[0][0], s->floor[0][1], s->floor[1][0], s->floor[1][1]);
    printf("cpu/cmd: CPU time (us) of both processes per command, start-up included\n");
    if (o->idle_ms)
        printf("idle: %.1f ms of CPU per second (both processes, connected, nothing to do, "
               "start-up included) with busy polling, %.1f without\n",
               s->idle_cpu[0], s->idle_cpu[1]);
    printf("worst single command: %.1f us (blocking %.1f us, reference %.1f us)\n",
           s->max[WHO_BUSY], s->max[WHO_BLOCK], s->have_ref ? s->max[WHO_REF] : 4e6);
    for (int c = 0; c < LAT_CASES; c++) {
        double t50 = TARGET_P50[c], t99 = TARGET_P99[c], p50 = s->p[WHO_BUSY][c][0];
        double p99 = s->p[WHO_BUSY][c][1];
        printf("target %-7s p50 %s p99 %.1f <= %.0f: %s\n", CASE_NAME[c],
               t50 > 0 ? (p50 <= t50 ? "met" : "MISSED") : "-", p99, t99,
               p99 <= t99 ? "met" : "MISSED");
    }
    printf("target max <= 10000 us: %s\n", s->max[WHO_BUSY] <= 10000 ? "met" : "MISSED");
}

static void report(const opts_t *o, const summary_t *s, double instr, double ref_instr)
{
    report_table(o, s);
    char name[64];
    for (int who = WHO_BUSY; who <= WHO_BLOCK; who++)
        for (int c = 0; c < LAT_CASES; c++)
            for (int q = 0; q < 2; q++) {
                snprintf(name, sizeof name, "latency.%s_p%s%s%s", c % 2 ? "sbo" : "do",
                         q ? "99" : "50", c >= 2 ? "_bg" : "", who ? "_blocking" : "");
                bench_line(name, s->p[who][c][q], "us", ref_of(s, c, q));
            }
    bench_line("latency.max", s->max[WHO_BUSY], "us", s->have_ref ? s->max[WHO_REF] : 4e6);
    bench_line("latency.max_blocking", s->max[WHO_BLOCK], "us",
               s->have_ref ? s->max[WHO_REF] : 4e6);
    bench_line("latency.floor_p50", s->floor[1][0], "us", 0);
    bench_line("latency.floor_p99", s->floor[1][1], "us", 0);
    bench_line("latency.floor_spin_p50", s->floor[0][0], "us", 0);
    bench_line("latency.floor_spin_p99", s->floor[0][1], "us", 0);
    bench_line("latency.do_cpu", s->cpu[0][0], "us", 0);
    bench_line("latency.do_cpu_blocking", s->cpu[1][0], "us", 0);
    if (o->idle_ms) {
        bench_line("latency.idle_cpu", s->idle_cpu[0], "ms/s", 0);
        bench_line("latency.idle_cpu_blocking", s->idle_cpu[1], "ms/s", 0);
    }
    if (instr > 0 && ref_instr > 0)
        printf("BENCH latency.do_instructions %.0f instructions reference=%.0f ratio=%.2f\n", instr,
               ref_instr, ref_instr / instr);
    else if (instr > 0)
        printf("BENCH latency.do_instructions %.0f instructions\n", instr);
    printf("(do_instructions: master + outstation processes, callgrind, per DIRECT_OPERATE, "
           "dnp3c as configured by default: no busy polling)\n");
}

typedef struct samples {
    double v[WHO_COUNT][LAT_CASES][3][LAT_MAX_RUNS]; /* p50, p99, cpu per command */
    int got[WHO_COUNT][LAT_CASES];
    double fl[2][2][LAT_MAX_RUNS], idle[2][LAT_MAX_RUNS];
    int nfl[2], nidle[2];
} samples_t;

/* The floors and the idle case of one run. */
static void run_floors(const opts_t *o, int run, samples_t *sm)
{
    for (int who = WHO_BUSY; who <= WHO_BLOCK; who++) {
        res_t f = measure(o, who, LAT_FLOOR);
        fprintf(stderr, "run %d floor  %-9s p50 %8.1f p99 %8.1f max %9.1f us\n", run + 1,
                who ? "blocking" : "spinning", f.p50, f.p99, f.max);
        if (f.ok) {
            sm->fl[who][0][sm->nfl[who]] = f.p50;
            sm->fl[who][1][sm->nfl[who]++] = f.p99;
        }
        if (!o->idle_ms)
            continue;
        res_t r = measure(o, who, LAT_IDLE);
        double ms_per_s = r.cpu_s * 1e3 / ((double)o->idle_ms / 1e3);
        fprintf(stderr, "run %d idle   %-9s %.1f ms CPU per s\n", run + 1, WHO_NAME[who], ms_per_s);
        if (r.ok)
            sm->idle[who][sm->nidle[who]++] = ms_per_s;
    }
}

/* Returns the number of failed runs of ours. */
static int run_all(const opts_t *o, summary_t *s)
{
    int failures = 0;
    static samples_t sm;
    memset(&sm, 0, sizeof sm);
    for (int run = 0; run < o->runs; run++) {
        run_floors(o, run, &sm);
        for (int c = 0; c < LAT_CASES; c++) {
            for (int who = 0; who < (s->have_ref ? WHO_COUNT : WHO_REF); who++) {
                res_t r = measure(o, who, c);
                double cpu = r.cpu_s * 1e6 / (double)o->commands;
                fprintf(stderr, "run %d %-6s %-9s p50 %8.1f p99 %8.1f max %9.1f us cpu %6.1f us\n",
                        run + 1, CASE_NAME[c], WHO_NAME[who], r.p50, r.p99, r.max, cpu);
                /* A failed command (the reference's 5 s response timeout) is
                 * the worst command of the run: it counts for the max. */
                if (r.max > s->max[who])
                    s->max[who] = r.max;
                if (!r.ok) {
                    failures += who != WHO_REF;
                    continue;
                }
                int k = sm.got[who][c]++;
                sm.v[who][c][0][k] = r.p50;
                sm.v[who][c][1][k] = r.p99;
                sm.v[who][c][2][k] = cpu;
            }
        }
    }
    for (int who = 0; who < WHO_COUNT; who++)
        for (int c = 0; c < LAT_CASES; c++) {
            for (int q = 0; q < 2; q++)
                s->p[who][c][q] = median3(sm.v[who][c][q], sm.got[who][c]);
            if (who < WHO_REF)
                s->cpu[who][c] = median3(sm.v[who][c][2], sm.got[who][c]);
        }
    for (int w = 0; w < 2; w++) {
        s->floor[w][0] = median3(sm.fl[w][0], sm.nfl[w]);
        s->floor[w][1] = median3(sm.fl[w][1], sm.nfl[w]);
        s->idle_cpu[w] = median3(sm.idle[w], sm.nidle[w]);
    }
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
    bool unsol = false, report = true, spin = false;
    uint32_t busy = 0, idle_ms = 0;
    dnp3_command_mode_t mode = DNP3_COMMAND_DIRECT;
    for (int i = 1; i < argc; i++) {
        const char *a = argv[i], *v = i + 1 < argc ? argv[i + 1] : "";
        if (!strcmp(a, "--unsol"))
            unsol = true;
        else if (!strcmp(a, "--spin"))
            spin = true;
        else if (!strcmp(a, "--busy-poll") && ++i)
            busy = (uint32_t)atol(v);
        else if (!strcmp(a, "--idle-ms") && ++i)
            idle_ms = (uint32_t)atol(v);
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
        return run_outstation(port, rate, busy);
    if (role && !strncmp(role, "pp-", 3))
        return run_pingpong(port, !strcmp(role, "pp-server"), n, spin);
    return run_master(port, mode, n, unsol, report, busy, idle_ms);
}

static int read_opts(int argc, char **argv, opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->commands = 10000;
    o->runs = 3;
    o->rate = 10000;
    o->reference = o->callgrind = true;
    o->rt_prio = 10;
    o->busy_poll_us = 1000;
    o->idle_ms = 2000;
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
        else if (!strcmp(a, "--busy-poll") && ++i)
            o->busy_poll_us = (uint32_t)atol(v);
        else if (!strcmp(a, "--idle-ms") && ++i)
            o->idle_ms = (uint32_t)atol(v);
        else {
            fprintf(stderr,
                    "usage: bench_latency [--quick] [--commands N] [--runs R] [--rate EV/S] "
                    "[--busy-poll US] [--idle-ms MS] [--no-reference] [--no-callgrind] "
                    "[--no-rt]\n");
            return -1;
        }
    }
    if (o->commands < 100 || o->runs < 1 || o->runs > LAT_MAX_RUNS || o->busy_poll_us == 0 ||
        o->busy_poll_us > 1000000u)
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
        instr = instructions_per_do(&o, WHO_BLOCK);
        if (s.have_ref)
            ref_instr = instructions_per_do(&o, WHO_REF);
    }
    report(&o, &s, instr, ref_instr);
    return failures ? 1 : 0;
}
