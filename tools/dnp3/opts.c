/* opts: shared option table over getopt_long, value parsers, output checks
 * (see opts.h). */
#include "opts.h"

#include <errno.h>
#include <stdarg.h>
#include <string.h>

/* Ids of the shared options (below OPTS_OWN, above any short option). */
enum { ID_HELP = 0x80, ID_JSON, ID_PCAP, ID_CONFIG, ID_ADDRESS, ID_MASTER, ID_BUSY_POLL };

static void add(opts_t *o, size_t *n, const char *name, int has_arg, int val)
{
    if (*n < OPTS_MAX_LONG)
        o->table[(*n)++] = (struct option){name, has_arg, NULL, val};
}

void opts_begin(opts_t *o, const char *cmd, unsigned shared, const struct option *own,
                const char *own_short, int argc, char **argv, FILE *err)
{
    memset(o, 0, sizeof *o);
    o->cmd = cmd;
    o->err = err;
    o->argc = argc;
    o->argv = argv;
    size_t n = 0;
    add(o, &n, "help", no_argument, ID_HELP);
    if (shared & OPTS_JSON)
        add(o, &n, "json", no_argument, ID_JSON);
    if (shared & OPTS_PCAP)
        add(o, &n, "pcap", required_argument, ID_PCAP);
    if (shared & OPTS_CONFIG)
        add(o, &n, "config", required_argument, ID_CONFIG);
    if (shared & OPTS_ADDRESS)
        add(o, &n, "address", required_argument, ID_ADDRESS);
    if (shared & OPTS_MASTER)
        add(o, &n, "master", required_argument, ID_MASTER);
    if (shared & OPTS_BUSY_POLL)
        add(o, &n, "busy-poll", required_argument, ID_BUSY_POLL);
    for (; own && own->name; own++)
        add(o, &n, own->name, own->has_arg, own->val);
    /* ':' first: a missing value is reported as ':' rather than '?'. */
    snprintf(o->shortopts, sizeof o->shortopts, ":h%s", own_short ? own_short : "");
    o->first_operand = argc;
    /* getopt keeps its position in globals; 0 makes glibc start afresh (a
     * command may be run more than once in one process: the tests). */
    optind = 0;
    opterr = 0;
}

int opts_usage_error(const opts_t *o, const char *fmt, ...)
{
    fprintf(o->err, "dnp3 %s: ", o->cmd);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(o->err, fmt, ap);
    va_end(ap);
    fputc('\n', o->err);
    return OPTS_EXIT_USAGE;
}

int opts_once(const opts_t *o, const char **slot, const char *value, const char *option)
{
    if (*slot) {
        opts_usage_error(o, "%s given twice ('%s' and '%s')", option, *slot, value);
        return -1;
    }
    *slot = value;
    return 0;
}

/* The option as the user wrote it, for messages ("--pcap", "-x"). */
static const char *spelled(const opts_t *o, char *buf, size_t len)
{
    const char *a = optind > 0 && optind <= o->argc ? o->argv[optind - 1] : "";
    if (optopt > 0 && optopt < 0x80 && !(a[0] == '-' && a[1] == '-')) {
        snprintf(buf, len, "-%c", optopt);
        return buf;
    }
    size_t k = strcspn(a, "=");
    snprintf(buf, len, "%.*s", (int)k, a);
    return buf;
}

/* --address / --master: once, and a valid link address. */
static int address_opt(opts_t *o, const char *name, const char *v, bool *have, uint16_t *out)
{
    char msg[160];
    if (*have) {
        opts_usage_error(o, "--%s given twice", name);
        return -1;
    }
    if (opts_link_address(v, out, msg, sizeof msg) < 0) {
        opts_usage_error(o, "--%s: %s", name, msg);
        return -1;
    }
    *have = true;
    return 0;
}

static bool digits(const char *s, uint64_t max, uint64_t *out, const char **end);

/* --busy-poll US: once, 0..1000000 (the runtime's limit). */
static int busy_poll_opt(opts_t *o, const char *v)
{
    if (o->have_busy_poll) {
        opts_usage_error(o, "--busy-poll given twice");
        return -1;
    }
    uint64_t us = 0;
    const char *end = v;
    if (!digits(v, 1000000u, &us, &end) || *end != '\0') {
        opts_usage_error(o, "--busy-poll: '%s' is not a number of microseconds 0..1000000", v);
        return -1;
    }
    o->busy_poll_us = (uint32_t)us;
    o->have_busy_poll = true;
    return 0;
}

static const char *long_name(const opts_t *o, int val)
{
    for (const struct option *t = o->table; t->name; t++) {
        if (t->val == val)
            return t->name;
    }
    return "?";
}

int opts_next(opts_t *o, const char **arg)
{
    char buf[128];
    *arg = NULL;
    for (;;) {
        int idx = -1;
        int c = getopt_long(o->argc, o->argv, o->shortopts, o->table, &idx);
        if (c == -1) {
            o->first_operand = optind;
            return 0;
        }
        switch (c) {
        case 'h':
        case ID_HELP:
            o->help = true;
            continue;
        case ID_JSON:
            o->json = true;
            continue;
        case ID_PCAP:
            if (opts_once(o, &o->pcap, optarg, "--pcap") < 0)
                return -1;
            continue;
        case ID_CONFIG:
            if (opts_once(o, &o->config, optarg, "--config") < 0)
                return -1;
            continue;
        case ID_ADDRESS:
            if (address_opt(o, "address", optarg, &o->have_address, &o->address) < 0)
                return -1;
            continue;
        case ID_MASTER:
            if (address_opt(o, "master", optarg, &o->have_master, &o->master) < 0)
                return -1;
            continue;
        case ID_BUSY_POLL:
            if (busy_poll_opt(o, optarg) < 0)
                return -1;
            continue;
        case ':':
            if (optopt >= ID_HELP)
                opts_usage_error(o, "--%s needs a value", long_name(o, optopt));
            else
                opts_usage_error(o, "%s needs a value", spelled(o, buf, sizeof buf));
            return -1;
        case '?': {
            const char *a = spelled(o, buf, sizeof buf);
            const char *w = o->argv[optind - 1];
            if (optopt != 0 && w[0] == '-' && w[1] == '-' && strchr(w, '=') != NULL)
                opts_usage_error(o, "%s takes no value (see dnp3 %s --help)", a, o->cmd);
            else
                opts_usage_error(o, "unknown or ambiguous option '%s' (see dnp3 %s --help)", a,
                                 o->cmd);
            return -1;
        }
        default:
            *arg = optarg;
            return c;
        }
    }
}

/* ---- value parsers ---------------------------------------------------------- */

#if defined(__GNUC__)
__attribute__((format(printf, 3, 4)))
#endif
static int
fail(char *msg, size_t len, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, len, fmt, ap);
    va_end(ap);
    return -1;
}

/* Decimal digits only (no sign, no space), value <= max. Consumes the
 * leading digits of s; *end is where they stop. */
static bool digits(const char *s, uint64_t max, uint64_t *out, const char **end)
{
    uint64_t v = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9') {
        unsigned d = (unsigned)(*p - '0');
        if (v > (max - d) / 10)
            return false;
        v = v * 10 + d;
        p++;
    }
    *end = p;
    *out = v;
    return p != s;
}

int opts_uint(const char *s, uint64_t max, uint64_t *out)
{
    uint64_t v;
    const char *end;
    if (!digits(s, max, &v, &end) || *end)
        return -1;
    *out = v;
    return 0;
}

int opts_port(const char *s, uint16_t *port, char *msg, size_t msglen)
{
    uint64_t v;
    const char *end;
    if (!digits(s, 65535, &v, &end) || *end || v == 0)
        return fail(msg, msglen, "port must be a number 1..65535 (got '%s')", s);
    *port = (uint16_t)v;
    return 0;
}

int opts_link_address(const char *s, uint16_t *addr, char *msg, size_t msglen)
{
    uint64_t v;
    const char *end;
    if (!digits(s, 65535, &v, &end) || *end)
        return fail(msg, msglen, "link address must be a number 0..65519 (got '%s')", s);
    if (v > 65519)
        return fail(msg, msglen,
                    "link address %s is reserved (0xFFF0..0xFFFF are not station addresses; "
                    "use 0..65519)",
                    s);
    *addr = (uint16_t)v;
    return 0;
}

int opts_host_port(const char *s, char *host, size_t hostlen, uint16_t *port, char *msg,
                   size_t msglen)
{
    const char *h = s, *p = NULL;
    size_t hl;
    if (s[0] == '[') {
        const char *close = strchr(s, ']');
        if (!close)
            return fail(msg, msglen, "missing ']' in '%s' (IPv6: [ADDRESS]:PORT)", s);
        h = s + 1;
        hl = (size_t)(close - h);
        if (close[1] == ':')
            p = close + 2;
        else if (close[1] != '\0')
            return fail(msg, msglen, "unexpected '%s' after ']' in '%s'", close + 1, s);
    } else {
        const char *colon = strchr(s, ':');
        if (colon && strchr(colon + 1, ':')) {
            hl = strlen(s); /* a bare IPv6 address: no port */
        } else {
            hl = colon ? (size_t)(colon - s) : strlen(s);
            p = colon ? colon + 1 : NULL;
        }
    }
    if (hl == 0)
        return fail(msg, msglen, "no host in '%s' (HOST[:PORT], [IPv6]:PORT)", s);
    if (hl >= hostlen || hl >= OPTS_HOST_MAX)
        return fail(msg, msglen, "host name too long in '%.40s...'", s);
    uint16_t pv = *port;
    if (p && opts_port(p, &pv, msg, msglen) < 0)
        return -1;
    memcpy(host, h, hl);
    host[hl] = '\0';
    *port = pv;
    return 0;
}

int opts_duration_ms(const char *s, uint64_t *ms, char *msg, size_t msglen)
{
    static const struct {
        const char *unit;
        uint64_t ms;
    } units[] = {{"ms", 1}, {"s", 1000}, {"m", 60000}, {"h", 3600000}};
    const uint64_t max = 30ull * 24 * 3600000; /* 30 days */
    uint64_t v;
    const char *end;
    if (!digits(s, UINT64_MAX / 10, &v, &end))
        return fail(msg, msglen, "'%s' is not a duration (examples: 500ms, 10s, 1m, 1h)", s);
    if (*end == '\0')
        return fail(msg, msglen, "duration '%s' needs a unit: ms, s, m or h (e.g. %sms or %ss)", s,
                    s, s);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].unit) == 0) {
            if (v > max / units[i].ms)
                return fail(msg, msglen, "duration '%s' is too long (at most 30 days)", s);
            *ms = v * units[i].ms;
            return 0;
        }
    }
    return fail(msg, msglen, "unknown unit '%s' in duration '%s' (use ms, s, m or h)", end, s);
}

int opts_size(const char *s, uint64_t *bytes, char *msg, size_t msglen)
{
    static const struct {
        const char *unit;
        unsigned shift;
    } units[] = {{"", 0}, {"K", 10}, {"KiB", 10}, {"M", 20}, {"MiB", 20}, {"G", 30}, {"GiB", 30}};
    const uint64_t max = 1ull << 40;
    uint64_t v;
    const char *end;
    if (!digits(s, UINT64_MAX / 10, &v, &end))
        return fail(msg, msglen, "'%s' is not a size (examples: 64M, 1G, 512K)", s);
    for (size_t i = 0; i < sizeof units / sizeof units[0]; i++) {
        if (strcmp(end, units[i].unit) == 0) {
            if (v > (max >> units[i].shift))
                return fail(msg, msglen, "size '%s' is too large (at most 1024G)", s);
            *bytes = v << units[i].shift;
            return 0;
        }
    }
    return fail(msg, msglen, "unknown unit '%s' in size '%s' (use K, M or G)", end, s);
}

/* ---- output ----------------------------------------------------------------- */

bool opts_output_failed(FILE *out)
{
    return ferror(out) != 0;
}

int opts_finish_output(const char *cmd, FILE *out, FILE *err, int status, int known_errno)
{
    int e = known_errno;
    bool failed = ferror(out) != 0;
    errno = 0;
    if (fflush(out) != 0) {
        failed = true;
        if (e == 0)
            e = errno;
    }
    if (!failed)
        return status;
    if (e != EPIPE)
        fprintf(err, "dnp3 %s: cannot write output: %s\n", cmd, e ? strerror(e) : "write error");
    return 1;
}
