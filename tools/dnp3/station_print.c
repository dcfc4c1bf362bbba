/* station_print: measurements as text lines and as the JSON objects of the
 * master's --json output, and IIN bits by name. */
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dnp3/app.h"
#include "station.h"

uint64_t station_utc_ms(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

void station_iin_text(uint16_t iin, char *buf, size_t cap)
{
    size_t n = 0;
    buf[0] = '\0';
    for (unsigned bit = 0; bit < 16; bit++) {
        if (!(iin & DNP3_IIN_MASK(bit)))
            continue;
        const char *name = dnp3_iin_bit_name(bit);
        int w = snprintf(buf + n, cap - n, "%s%s", n ? " " : "", name ? name : "?");
        if (w < 0 || (size_t)w >= cap - n)
            return;
        n += (size_t)w;
    }
    if (n == 0)
        snprintf(buf, cap, "none");
}

/* The shortest text that reads back as the same value: a float variation's
 * value as a float (12.5, not 12.5000000001), integers without a point. */
static void number_text(const dnp3_measurement_t *m, char *buf, size_t cap)
{
    double v = m->value;
    if (!isfinite(v)) {
        snprintf(buf, cap, "%s", isnan(v) ? "NaN" : (v > 0 ? "Infinity" : "-Infinity"));
        return;
    }
    if (!m->is_float || (v == floor(v) && fabs(v) < 1e15)) {
        snprintf(buf, cap, "%.0f", v);
        return;
    }
    bool single = (double)(float)v == v;
    for (int prec = 1; prec <= 17; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        double back = strtod(buf, NULL);
        if (single ? (float)back == (float)v : back == v)
            return;
    }
}

static void hex_text(const uint8_t *p, size_t n, char *buf, size_t cap)
{
    size_t o = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && o + 3 <= cap; i++)
        o += (size_t)snprintf(buf + o, cap - o, "%02x", p[i]);
}

/* A JSON string body: quotes, backslashes and control characters escaped
 * (names come from configuration files). */
static void json_escape(const char *in, char *buf, size_t cap)
{
    size_t o = 0;
    for (; *in && o + 7 < cap; in++) {
        unsigned char c = (unsigned char)*in;
        if (c == '"' || c == '\\') {
            buf[o++] = '\\';
            buf[o++] = (char)c;
        } else if (c < 0x20) {
            o += (size_t)snprintf(buf + o, cap - o, "\\u%04x", c);
        } else {
            buf[o++] = (char)c;
        }
    }
    buf[o] = '\0';
}

static void print_json(FILE *out, const char *assoc_raw, uint64_t ts, const dnp3_measurement_t *m)
{
    char assoc[STATION_NAME_MAX * 2];
    json_escape(assoc_raw ? assoc_raw : "", assoc, sizeof assoc);
    char value[4200];
    if (m->type == DNP3_MEAS_OCTET_STRING) {
        char hex[4100];
        hex_text(m->bytes, m->len, hex, sizeof hex);
        snprintf(value, sizeof value, "\"%s\"", hex);
    } else {
        number_text(m, value, sizeof value);
        if (!isfinite(m->value))
            snprintf(value, sizeof value, "null");
    }
    char time[32];
    if (m->has_time)
        snprintf(time, sizeof time, "%llu", (unsigned long long)m->time);
    else
        snprintf(time, sizeof time, "null");
    fprintf(out,
            "{\"ts\": %llu, \"assoc\": \"%s\", \"type\": \"%s\", \"group\": %u, "
            "\"variation\": %u, \"index\": %lu, \"value\": %s, \"flags\": %u, \"time\": %s, "
            "\"event\": %s, \"unsol\": %s}\n",
            (unsigned long long)ts, assoc, dnp3_meas_type_name(m->type), m->group, m->variation,
            (unsigned long)m->index, value, m->flags, time, m->event ? "true" : "false",
            m->unsol ? "true" : "false");
}

static void utc_text(dnp3_time_t t, char *buf, size_t cap)
{
    time_t s = (time_t)(t / 1000u);
    struct tm tm;
    gmtime_r(&s, &tm);
    size_t n = strftime(buf, cap, "%Y-%m-%dT%H:%M:%S", &tm);
    snprintf(buf + n, cap - n, ".%03uZ", (unsigned)(t % 1000u));
}

static void print_text(FILE *out, const char *assoc, const dnp3_measurement_t *m)
{
    char value[4200];
    if (m->type == DNP3_MEAS_OCTET_STRING) {
        char hex[4100];
        hex_text(m->bytes, m->len, hex, sizeof hex);
        snprintf(value, sizeof value, "0x%s", hex);
    } else {
        number_text(m, value, sizeof value);
    }
    char time[40] = "-";
    if (m->has_time)
        utc_text(m->time, time, sizeof time);
    if (assoc)
        fprintf(out, "%-22s ", assoc);
    fprintf(out, "%-28s g%-3u v%-3u %6lu %14s  flags 0x%02x  %-24s %s%s%s\n",
            dnp3_meas_type_name(m->type), m->group, m->variation, (unsigned long)m->index, value,
            m->flags, time, m->event ? "event" : "static", m->unsol ? " unsol" : "",
            m->stale ? " stale" : "");
}

void station_print_measurement(FILE *out, bool json, const char *assoc, uint64_t ts,
                               const dnp3_measurement_t *m)
{
    if (json)
        print_json(out, assoc, ts, m);
    else
        print_text(out, assoc, m);
}
