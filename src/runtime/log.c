/* Logging: the default stderr logger, and refusals summarised per source per
 * interval so that a flood of connection attempts cannot flood the log. */
#define _DEFAULT_SOURCE
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "runtime/runtime_internal.h"

const char *dnp3_log_level_name(dnp3_log_level_t level)
{
    switch (level) {
    case DNP3_LOG_ERROR:
        return "ERROR";
    case DNP3_LOG_WARN:
        return "WARN";
    case DNP3_LOG_INFO:
        return "INFO";
    case DNP3_LOG_DEBUG:
        return "DEBUG";
    }
    return "?";
}

const char *dnp3_disconnect_reason_name(dnp3_disconnect_reason_t r)
{
    switch (r) {
    case DNP3_DISCONNECT_PEER_CLOSED:
        return "peer closed";
    case DNP3_DISCONNECT_RESET:
        return "connection error";
    case DNP3_DISCONNECT_SESSION:
        return "closed by session";
    case DNP3_DISCONNECT_LOCAL:
        return "closed by application";
    case DNP3_DISCONNECT_STOP:
        return "runtime stopping";
    case DNP3_DISCONNECT_REASON_COUNT:
        break;
    }
    return "?";
}

const char *dnp3_refuse_reason_name(dnp3_refuse_reason_t r)
{
    switch (r) {
    case DNP3_REFUSE_LIMIT:
        return "connection limit reached";
    case DNP3_REFUSE_ALLOW_LIST:
        return "source not in allow-list";
    case DNP3_REFUSE_SESSION:
        return "refused by session";
    case DNP3_REFUSE_ERROR:
        return "socket error";
    case DNP3_REFUSE_NO_FILES:
        return "open file limit reached";
    case DNP3_REFUSE_REASON_COUNT:
        break;
    }
    return "?";
}

void dnp3_log_syslog(void *ctx, dnp3_log_level_t level, const char *msg)
{
    (void)ctx;
    static const int priority[] = {LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG};
    int p = (unsigned)level <= DNP3_LOG_DEBUG ? priority[level] : LOG_DEBUG;
    syslog(p, "%s", msg ? msg : "");
}

bool dnp3i_log_enabled(const dnp3_runtime_t *rt, dnp3_log_level_t level)
{
    return level <= rt->logger.level;
}

static void log_stderr(dnp3_log_level_t level, const char *msg)
{
    struct timespec ts;
    struct tm tm;
    clock_gettime(CLOCK_REALTIME, &ts);
    gmtime_r(&ts.tv_sec, &tm);
    char when[32];
    strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%S", &tm);
    fprintf(stderr, "%s.%03ldZ %-5s %s\n", when, ts.tv_nsec / 1000000L, dnp3_log_level_name(level),
            msg);
}

void dnp3i_vlog(dnp3_runtime_t *rt, dnp3_log_level_t level, const char *fmt, va_list ap)
{
    if (!dnp3i_log_enabled(rt, level))
        return;
    char msg[1024];
    vsnprintf(msg, sizeof msg, fmt, ap);
    if (rt->logger.log)
        rt->logger.log(rt->logger.ctx, level, msg);
    else
        log_stderr(level, msg);
}

void dnp3i_log(dnp3_runtime_t *rt, dnp3_log_level_t level, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    dnp3i_vlog(rt, level, fmt, ap);
    va_end(ap);
}

static bool same_source(const dnp3_endpoint_t *a, const dnp3_endpoint_t *b)
{
    size_t n = a->family == 4 ? 4 : 16;
    return a->family == b->family && memcmp(a->addr, b->addr, n) == 0;
}

/* The slot following this source in the current interval, or a free one
 * (marked used, with *fresh set), or NULL when every slot is taken. */
static dnp3i_refusal_t *refusal_slot(dnp3_runtime_t *rt, const dnp3_endpoint_t *src, bool *fresh)
{
    dnp3i_refusal_t *free_slot = NULL;
    for (size_t i = 0; i < DNP3I_REFUSAL_SLOTS; i++) {
        dnp3i_refusal_t *s = &rt->refusals[i];
        if (s->used && same_source(&s->source, src)) {
            *fresh = false;
            return s;
        }
        if (!s->used && !free_slot)
            free_slot = s;
    }
    if (free_slot) {
        memset(free_slot, 0, sizeof *free_slot);
        free_slot->used = true;
        free_slot->source = *src;
        *fresh = true;
    }
    return free_slot;
}

void dnp3i_log_refusal(dnp3_runtime_t *rt, const char *local, const dnp3_endpoint_t *peer,
                       dnp3_refuse_reason_t reason, const char *why)
{
    rt->counters.refused[reason]++;
    bool fresh = false;
    dnp3i_refusal_t *slot = refusal_slot(rt, peer, &fresh);
    if (!fresh) {
        /* Already logged this interval (or no slot left): count it for the
         * summary instead. */
        if (slot)
            slot->suppressed[reason]++;
        else
            rt->refused_other[reason]++;
        rt->counters.log_suppressed++;
        return;
    }
    char src[DNP3_ENDPOINT_TEXT_MAX];
    dnp3_endpoint_format(peer, src, sizeof src);
    dnp3i_log(rt, DNP3_LOG_WARN, "tcp %s: refused connection from %s: %s%s%s", local, src,
              dnp3_refuse_reason_name(reason), why && *why ? ": " : "", why ? why : "");
}

/* "limit 12, allow-list 3" for the non-zero counts. */
static void format_counts(const uint64_t counts[DNP3_REFUSE_REASON_COUNT], char *buf, size_t cap,
                          uint64_t *total)
{
    static const char *const short_names[DNP3_REFUSE_REASON_COUNT] = {
        "limit", "allow-list", "session", "error", "no-files"};
    size_t used = 0;
    *total = 0;
    buf[0] = '\0';
    for (int r = 0; r < DNP3_REFUSE_REASON_COUNT; r++) {
        if (!counts[r])
            continue;
        *total += counts[r];
        int n = snprintf(buf + used, cap - used, "%s%s %llu", used ? ", " : "", short_names[r],
                         (unsigned long long)counts[r]);
        if (n > 0 && (size_t)n < cap - used)
            used += (size_t)n;
    }
}

void dnp3i_log_refusal_summary(dnp3_runtime_t *rt, bool final)
{
    char counts[128];
    uint64_t total;
    /* The last summary, at the stop, covers a part of an interval only. */
    char when[48];
    if (final)
        snprintf(when, sizeof when, "since the last summary");
    else
        snprintf(when, sizeof when, "in the last %.1fs", rt->cfg.refusal_log_interval_ms / 1000.0);
    for (size_t i = 0; i < DNP3I_REFUSAL_SLOTS; i++) {
        dnp3i_refusal_t *s = &rt->refusals[i];
        if (!s->used)
            continue;
        format_counts(s->suppressed, counts, sizeof counts, &total);
        if (total) {
            char src[DNP3_ENDPOINT_TEXT_MAX];
            dnp3_endpoint_t host = s->source;
            host.port = 0;
            dnp3_endpoint_format(&host, src, sizeof src);
            /* Drop the ":0" of the port-less endpoint. */
            char *colon = strrchr(src, ':');
            if (colon)
                *colon = '\0';
            dnp3i_log(rt, DNP3_LOG_WARN, "tcp: refused %llu more connections from %s %s (%s)",
                      (unsigned long long)total, src, when, counts);
        }
        s->used = false;
    }
    format_counts(rt->refused_other, counts, sizeof counts, &total);
    if (total)
        dnp3i_log(rt, DNP3_LOG_WARN, "tcp: refused %llu connections from other sources %s (%s)",
                  (unsigned long long)total, when, counts);
    memset(rt->refused_other, 0, sizeof rt->refused_other);
}

void dnp3i_log_refusal_total(dnp3_runtime_t *rt)
{
    char counts[128];
    uint64_t total;
    format_counts(rt->counters.refused, counts, sizeof counts, &total);
    if (total)
        dnp3i_log(rt, DNP3_LOG_WARN,
                  "tcp: refused %llu connections since the start (%s); %llu accepted",
                  (unsigned long long)total, counts, (unsigned long long)rt->counters.accepted);
}
