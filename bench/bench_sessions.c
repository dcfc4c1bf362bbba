/* Sessions benchmark (issue 10, benchmark 3): one master process with N
 * associations (one TCP connection each) to N outstation associations
 * served by ONE outstation process on one port, told apart by link
 * address. Every association: 100 analog inputs in class 1, unsolicited
 * off, no events produced, class 1 polls every second (empty responses).
 *
 * The outstation process hosts 16 stations (link addresses 1000..1015, the
 * server's limit per port) with N/16 masters each: every association has
 * its own session and event buffer (100 events per class); the 16
 * databases are shared by the associations of their station and counted
 * in the baseline (they are reported apart).
 *
 * Figures, each process measured from outside through /proc:
 *   sessions.N.first_polls               s from the master's start until every
 *                                        association's first integrity poll is done
 *   sessions.N.rss_per_assoc_master      KB (1,000 bytes): RSS growth / N
 *   sessions.N.rss_per_assoc_outstation  KB
 *   sessions.N.cpu_per_poll_master       us of CPU per class poll, steady window
 *   sessions.N.cpu_per_poll_outstation   us
 * References: the opendnp3 3.1.1 figures of issue 10 (same machine kind).
 *
 * Usage: bench_sessions [N ...]   (default 1000 10000) */
#define _GNU_SOURCE
#include <dirent.h>
#include <errno.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include "bench_util.h"
#include "dnp3/database.h"
#include "dnp3/master.h"
#include "dnp3/master_client.h"
#include "dnp3/outstation.h"
#include "dnp3/outstation_server.h"
#include "dnp3/runtime.h"

#define STATIONS        16u
#define STATION_BASE    1000u
#define ANALOGS         100u
#define WINDOW_S        5.0
#define SETTLE_S        2.0
#define FIRST_TIMEOUT_S 60.0

/* Shared between the parent and both children (MAP_SHARED before fork). */
typedef struct shared {
    atomic_int os_ready;       /* outstation listening (port set), 1; failed, -1 */
    atomic_int port;           /* the outstation's port */
    atomic_long os_rss0;       /* bytes, before the associations */
    atomic_long m_rss0;        /* bytes, master before the associations */
    atomic_int m_failed;       /* master setup failed */
    atomic_long first_done;    /* associations whose first integrity poll is done */
    atomic_long polls;         /* class polls completed (master side) */
    atomic_long poll_failures; /* failed tasks */
    double m_start;            /* bench_now_s() at the master's start */
    double first_all;          /* bench_now_s() when first_done reached N (0 before) */
    double m_setup;            /* s from the start until every channel was created */
} shared_t;

static shared_t *sh;

/* ---- /proc --------------------------------------------------------------- */

static long rss_bytes(pid_t pid)
{
    char path[64];
    snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
    FILE *f = fopen(path, "r");
    long size = 0, res = 0;
    if (!f)
        return -1;
    if (fscanf(f, "%ld %ld", &size, &res) != 2)
        res = -1;
    fclose(f);
    return res < 0 ? -1 : res * sysconf(_SC_PAGESIZE);
}

/* CPU time of every thread of pid in ns (schedstat: ns on CPU). */
static double cpu_ns(pid_t pid)
{
    char path[96];
    snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
    DIR *d = opendir(path);
    double total = 0;
    if (!d)
        return -1;
    struct dirent *e;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char p2[320];
        snprintf(p2, sizeof p2, "/proc/%d/task/%s/schedstat", (int)pid, e->d_name);
        FILE *f = fopen(p2, "r");
        unsigned long long ns = 0;
        if (f) {
            if (fscanf(f, "%llu", &ns) == 1)
                total += (double)ns;
            fclose(f);
        }
    }
    closedir(d);
    return total;
}

static void raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
        rl.rlim_cur = rl.rlim_max;
        setrlimit(RLIMIT_NOFILE, &rl);
    }
}

static dnp3_runtime_t *new_runtime(void)
{
    dnp3_runtime_config_t rc;
    dnp3_runtime_config_default(&rc);
    rc.logger.level = DNP3_LOG_WARN;
    rc.stop_on_signals = true;
    char err[256] = "";
    dnp3_runtime_t *rt = dnp3_runtime_new(&rc, err, sizeof err);
    if (!rt)
        fprintf(stderr, "bench_sessions: runtime: %s\n", err);
    return rt;
}

/* ---- the outstation process ---------------------------------------------- */

static int add_stations(dnp3_outstation_server_t *srv, dnp3_db_t **dbs)
{
    for (unsigned s = 0; s < STATIONS; s++) {
        dnp3_db_config_t dc;
        dnp3_db_config_default(&dc);
        dc.count[DNP3_PT_ANALOG] = ANALOGS;
        dc.defaults[DNP3_PT_ANALOG].event_class = DNP3_CLASS_1;
        if (dnp3_db_new(&dc, &dbs[s]) != 0 ||
            dnp3_outstation_server_add_station(srv, (uint16_t)(STATION_BASE + s), dbs[s]) != 0)
            return -1;
    }
    return 0;
}

static int add_associations(dnp3_outstation_server_t *srv, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        dnp3_outstation_association_config_t ac;
        dnp3_outstation_association_config_default(&ac);
        ac.session.local_address = (uint16_t)(STATION_BASE + i % STATIONS);
        ac.session.master_address = (uint16_t)(1 + i / STATIONS);
        ac.session.unsolicited = false;
        ac.session.log_level = DNP3_LOG_WARN;
        /* events: the defaults, 100 per class */
        int rc = dnp3_outstation_server_add_association(srv, &ac, NULL);
        if (rc != 0) {
            fprintf(stderr, "bench_sessions: outstation association %zu: %s\n", i,
                    dnp3_strerror(rc));
            return -1;
        }
    }
    return 0;
}

static int run_outstation(size_t n)
{
    raise_nofile();
    dnp3_runtime_t *rt = new_runtime();
    dnp3_outstation_server_config_t sc;
    dnp3_outstation_server_config_default(&sc);
    sc.max_associations_per_connection = 1;
    dnp3_outstation_server_t *srv = rt ? dnp3_outstation_server_new(rt, &sc, NULL) : NULL;
    dnp3_db_t *dbs[STATIONS] = {0};
    if (!srv || add_stations(srv, dbs) != 0)
        goto fail;
    sh->os_rss0 = rss_bytes(getpid());
    if (add_associations(srv, n) != 0)
        goto fail;
    dnp3_tcp_server_config_t tc;
    dnp3_tcp_server_config_default(&tc);
    tc.address = "127.0.0.1";
    tc.port = 0;
    tc.max_connections = n + 16;
    tc.backlog = 4096;
    tc.keepalive.enabled = false;
    dnp3_listener_t *l;
    if (dnp3_outstation_server_listen(srv, &tc, &l) != 0)
        goto fail;
    dnp3_endpoint_t ep;
    dnp3_listener_endpoint(l, &ep);
    sh->port = ep.port;
    sh->os_ready = 1;
    dnp3_runtime_run(rt);
    dnp3_outstation_server_free(srv);
    dnp3_runtime_free(rt);
    for (unsigned s = 0; s < STATIONS; s++)
        dnp3_db_free(dbs[s]);
    return 0;
fail:
    sh->os_ready = -1;
    return 1;
}

/* ---- the master process ---------------------------------------------------- */

typedef struct massoc {
    dnp3_master_assoc_t *a;
    dnp3_master_channel_t *ch;
    size_t n;
    bool first_done;
} massoc_t;

static void on_task_done(void *ctx, const dnp3_task_result_t *r)
{
    massoc_t *m = ctx;
    if (r->result != DNP3_MASTER_SUCCESS) {
        /* DISABLE_UNSOLICITED at start-up is refused (IIN2.0) by an
         * outstation with unsolicited off: only polls count. */
        if (r->kind == DNP3_TASK_INTEGRITY || r->kind == DNP3_TASK_EVENT_POLL)
            sh->poll_failures++;
        return;
    }
    if (r->kind == DNP3_TASK_INTEGRITY && !m->first_done) {
        m->first_done = true;
        if ((size_t)++sh->first_done == m->n)
            sh->first_all = bench_now_s();
    } else if (r->kind == DNP3_TASK_EVENT_POLL) {
        sh->polls++;
    }
}

static int add_master(dnp3_runtime_t *rt, dnp3_master_pool_t *pool, massoc_t *m, size_t i, size_t n,
                      uint16_t port)
{
    dnp3_master_config_t mc;
    dnp3_master_config_default(&mc);
    mc.master_address = (uint16_t)(1 + i / STATIONS);
    mc.outstation_address = (uint16_t)(STATION_BASE + i % STATIONS);
    mc.class_period_ms[0] = 1000;
    mc.response_timeout_ms = 30000;
    mc.log_level = DNP3_LOG_WARN;
    /* Comm-lost reports remember every point seen: sized to the
     * outstation's 100 points, as dnp3/master.h says to. */
    mc.comm_lost_max_points = ANALOGS;
    /* The associations' queued tasks (none here: scheduled polls take no
     * slot) and request scratch: one pool for the process. */
    mc.pool = pool;
    dnp3_master_callbacks_t cb = {.on_task_done = on_task_done};
    m->n = n;
    if (dnp3_master_assoc_new(&mc, &cb, m, &m->a) != 0)
        return -1;
    dnp3_tcp_endpoint_t ep = {"127.0.0.1", port};
    dnp3_master_channel_config_t cc;
    dnp3_master_channel_config_default(&cc);
    cc.endpoints = &ep;
    cc.endpoint_count = 1;
    cc.connect_timeout_ms = 30000;
    cc.tcp_keepalive.enabled = false;
    cc.logger.level = DNP3_LOG_WARN;
    if (dnp3_master_channel_new(rt, &cc, &m->ch) != 0)
        return -1;
    return dnp3_master_channel_add(m->ch, m->a);
}

static int run_master(size_t n, uint16_t port)
{
    sh->m_start = bench_now_s();
    raise_nofile();
    dnp3_runtime_t *rt = new_runtime();
    massoc_t *ms = calloc(n, sizeof *ms);
    if (!rt || !ms)
        goto fail;
    sh->m_rss0 = rss_bytes(getpid());
    /* Created after the baseline: counted in the associations' share. */
    dnp3_master_pool_config_t pc;
    dnp3_master_pool_config_default(&pc);
    dnp3_master_pool_t *pool = NULL;
    if (dnp3_master_pool_new(&pc, &pool) != 0)
        goto fail;
    for (size_t i = 0; i < n; i++) {
        if (add_master(rt, pool, &ms[i], i, n, port) != 0) {
            fprintf(stderr, "bench_sessions: master association %zu failed\n", i);
            goto fail;
        }
    }
    sh->m_setup = bench_now_s() - sh->m_start;
    dnp3_runtime_run(rt);
    dnp3_runtime_free(rt);
    for (size_t i = 0; i < n; i++) {
        dnp3_master_channel_free(ms[i].ch);
        dnp3_master_assoc_free(ms[i].a);
    }
    dnp3_master_pool_free(pool);
    free(ms);
    return 0;
fail:
    sh->m_failed = 1;
    return 1;
}

/* ---- the parent ------------------------------------------------------------- */

static void bench_line(const char *name, double v, const char *unit, double ref, bool lower)
{
    double ratio = v > 0 ? (lower ? ref / v : v / ref) : 0;
    printf("BENCH %s %.3f %s reference=%.3g ratio=%.2f\n", name, v, unit, ref, ratio);
}

static void stop_child(pid_t pid)
{
    if (pid <= 0)
        return;
    kill(pid, SIGTERM);
    for (int i = 0; i < 100; i++) {
        if (waitpid(pid, NULL, WNOHANG) == pid)
            return;
        usleep(50000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, NULL, 0);
}

static bool wait_until(bool (*cond)(size_t), size_t n, double timeout_s)
{
    double end = bench_now_s() + timeout_s;
    while (bench_now_s() < end) {
        if (cond(n))
            return true;
        usleep(2000);
    }
    return cond(n);
}

static bool os_up(size_t n)
{
    (void)n;
    return sh->os_ready != 0;
}

static bool all_first(size_t n)
{
    return (size_t)sh->first_done >= n || sh->m_failed;
}

typedef struct sample {
    double t, cpu_m, cpu_o;
    long polls;
} sample_t;

static sample_t take_sample(pid_t m, pid_t o)
{
    sample_t s = {bench_now_s(), cpu_ns(m), cpu_ns(o), sh->polls};
    return s;
}

static int run_one(size_t n)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_max != RLIM_INFINITY &&
        rl.rlim_max < n + 64) {
        printf("N=%zu: skipped: the hard open file limit (%llu) is below the %zu sockets each "
               "process needs\n",
               n, (unsigned long long)rl.rlim_max, n + 64);
        return 0;
    }
    memset(sh, 0, sizeof *sh);
    fflush(stdout);
    pid_t o = fork();
    if (o == 0)
        _exit(run_outstation(n));
    pid_t m = -1;
    int status = 1;
    if (!wait_until(os_up, n, 60) || sh->os_ready < 0) {
        fprintf(stderr, "bench_sessions: the outstation did not start\n");
        goto out;
    }
    double os_setup_cpu = cpu_ns(o) / 1e9; /* its stations and associations */
    m = fork();
    if (m == 0)
        _exit(run_master(n, (uint16_t)sh->port));
    if (!wait_until(all_first, n, FIRST_TIMEOUT_S) || sh->m_failed) {
        fprintf(stderr, "bench_sessions: N=%zu: %ld of %zu first integrity polls done\n", n,
                (long)sh->first_done, n);
        goto out;
    }
    double first = sh->first_all - sh->m_start;
    /* CPU to get there: connects, accepts, start-up and first polls. */
    double start_m = cpu_ns(m) / 1e9, start_o = cpu_ns(o) / 1e9 - os_setup_cpu;
    usleep((useconds_t)(SETTLE_S * 1e6));
    long rss_m = rss_bytes(m), rss_o = rss_bytes(o);
    sample_t a = take_sample(m, o);
    usleep((useconds_t)(WINDOW_S * 1e6));
    sample_t b = take_sample(m, o);
    long polls = b.polls - a.polls;
    if (polls <= 0 || sh->poll_failures) {
        fprintf(stderr, "bench_sessions: N=%zu: %ld polls, %ld failed tasks\n", n, polls,
                (long)sh->poll_failures);
        goto out;
    }
    double kb_m = (double)(rss_m - sh->m_rss0) / (double)n / 1000.0;
    double kb_o = (double)(rss_o - sh->os_rss0) / (double)n / 1000.0;
    double us_m = (b.cpu_m - a.cpu_m) / 1000.0 / (double)polls;
    double us_o = (b.cpu_o - a.cpu_o) / 1000.0 / (double)polls;
    printf("N=%zu: channels created in %.2f s, first polls done at %.2f s using %.2f s CPU "
           "(master) + %.2f s (outstation)\n",
           n, sh->m_setup, first, start_m, start_o);
    printf("N=%zu: first polls %.2f s; RSS master %.1f MB (+%.1f), outstation %.1f MB (+%.1f); "
           "%ld class polls in %.1f s (%.0f/s)\n",
           n, first, rss_m / 1e6, (rss_m - sh->m_rss0) / 1e6, rss_o / 1e6,
           (rss_o - sh->os_rss0) / 1e6, polls, b.t - a.t, polls / (b.t - a.t));
    char name[96];
    snprintf(name, sizeof name, "sessions.%zu.first_polls", n);
    /* opendnp3: 9-17.6 s for 10,000 (channel creation dominates); scaled
     * linearly for other N. */
    bench_line(name, first, "s", 9.0 * (double)n / 10000.0, true);
    snprintf(name, sizeof name, "sessions.%zu.rss_per_assoc_master", n);
    bench_line(name, kb_m, "KB", 12.5, true);
    snprintf(name, sizeof name, "sessions.%zu.rss_per_assoc_outstation", n);
    bench_line(name, kb_o, "KB", 126, true);
    snprintf(name, sizeof name, "sessions.%zu.cpu_per_poll_master", n);
    bench_line(name, us_m, "us", 50, true);
    snprintf(name, sizeof name, "sessions.%zu.cpu_per_poll_outstation", n);
    bench_line(name, us_o, "us", 35, true);
    status = 0;
out:
    stop_child(m);
    stop_child(o);
    return status;
}

int main(int argc, char **argv)
{
    sh = mmap(NULL, sizeof *sh, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (sh == MAP_FAILED)
        return 1;
    size_t sizes[8] = {1000, 10000};
    size_t count = 2;
    if (argc > 1) {
        count = 0;
        for (int i = 1; i < argc && count < 8; i++)
            sizes[count++] = strtoul(argv[i], NULL, 10);
    }
    printf("sessions: one master process, N associations (one TCP connection each), one "
           "outstation process (%u stations x N/%u masters, one port); 100 analogs in class 1, "
           "class 1 polls every 1 s; CPU over %.0f s\n",
           STATIONS, STATIONS, WINDOW_S);
    int status = 0;
    for (size_t i = 0; i < count; i++)
        status |= run_one(sizes[i]);
    return status;
}
