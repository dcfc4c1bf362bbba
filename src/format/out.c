/* The output stage, the buffer sink and the small text pieces every layer
 * uses (hex, quoted text, floats, times). */
#include "format/format_internal.h"

#include <inttypes.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void dnp3_decode_level_default(dnp3_decode_level_t *out)
{
    if (!out)
        return;
    out->app = DNP3_APP_DECODE_HEADER;
    out->transport = DNP3_TRANSPORT_DECODE_NOTHING;
    out->link = DNP3_LINK_DECODE_NOTHING;
}

static int buffer_write(void *ctx, const char *text, size_t len)
{
    dnp3_format_buffer_t *b = ctx;
    size_t room = b->cap - 1 - b->len; /* cap > 0 and len < cap always */
    size_t n = len < room ? len : room;
    memcpy(b->buf + b->len, text, n);
    b->len += n;
    b->buf[b->len] = '\0';
    if (n < len) {
        b->truncated = true;
        return DNP3_E_NOSPACE;
    }
    return 0;
}

void dnp3_format_buffer_init(dnp3_format_buffer_t *b, char *buf, size_t cap)
{
    b->buf = buf;
    b->cap = cap;
    b->len = 0;
    b->truncated = false;
    if (buf && cap)
        buf[0] = '\0';
}

dnp3_format_sink_t dnp3_format_buffer_sink(dnp3_format_buffer_t *b)
{
    dnp3_format_sink_t s = {buffer_write, b};
    return s;
}

void dnp3i_out_init(dnp3i_out_t *o, const dnp3_format_sink_t *sink)
{
    o->sink = sink;
    o->failed = !sink || !sink->write;
    o->len = 0;
}

void dnp3i_out_flush(dnp3i_out_t *o)
{
    if (o->len && !o->failed && o->sink->write(o->sink->ctx, o->buf, o->len) < 0)
        o->failed = true;
    o->len = 0;
}

void dnp3i_out_write(dnp3i_out_t *o, const char *s, size_t n)
{
    while (n && !o->failed) {
        size_t room = sizeof o->buf - o->len;
        size_t k = n < room ? n : room;
        memcpy(o->buf + o->len, s, k);
        o->len += k;
        s += k;
        n -= k;
        if (o->len == sizeof o->buf)
            dnp3i_out_flush(o);
    }
}

void dnp3i_out_puts(dnp3i_out_t *o, const char *s)
{
    dnp3i_out_write(o, s, strlen(s));
}

void dnp3i_out_putc(dnp3i_out_t *o, char c)
{
    if (o->len == sizeof o->buf)
        dnp3i_out_flush(o);
    if (!o->failed)
        o->buf[o->len++] = c;
}

void dnp3i_out_printf(dnp3i_out_t *o, const char *fmt, ...)
{
    /* Every piece the formatter prints is a short line fragment (names are
     * bounded, strings go through dnp3i_out_printable), so 256 bytes hold
     * it; a longer one is cut rather than lost. */
    char tmp[256];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0)
        return;
    dnp3i_out_write(o, tmp, (size_t)n < sizeof tmp ? (size_t)n : sizeof tmp - 1);
}

void dnp3i_out_u64(dnp3i_out_t *o, uint64_t v)
{
    char d[20];
    size_t n = sizeof d;
    do {
        d[--n] = (char)('0' + v % 10u);
        v /= 10u;
    } while (v);
    dnp3i_out_write(o, d + n, sizeof d - n);
}

void dnp3i_out_i64(dnp3i_out_t *o, int64_t v)
{
    if (v < 0) {
        dnp3i_out_putc(o, '-');
        dnp3i_out_u64(o, (uint64_t)0 - (uint64_t)v);
    } else {
        dnp3i_out_u64(o, (uint64_t)v);
    }
}

void dnp3i_out_hex2(dnp3i_out_t *o, uint8_t v)
{
    static const char hex[] = "0123456789ABCDEF";
    char b[2] = {hex[v >> 4], hex[v & 0xF]};
    dnp3i_out_write(o, b, 2);
}

void dnp3i_out_bytes(dnp3i_out_t *o, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    size_t shown = n > 64 ? 64 : n;
    for (size_t i = 0; i < shown; i++) {
        char b[3] = {' ', hex[p[i] >> 4], hex[p[i] & 0xF]};
        dnp3i_out_write(o, i ? b : b + 1, i ? 3 : 2);
    }
    if (shown < n)
        dnp3i_out_printf(o, " ... (%zu bytes)", n);
}

void dnp3i_out_printable(dnp3i_out_t *o, const uint8_t *p, size_t n)
{
    static const char hex[] = "0123456789ABCDEF";
    dnp3i_out_putc(o, '"');
    for (size_t i = 0; i < n; i++) {
        if (p[i] >= 0x20 && p[i] < 0x7F && p[i] != '"' && p[i] != '\\') {
            dnp3i_out_putc(o, (char)p[i]);
        } else {
            char e[4] = {'\\', 'x', hex[p[i] >> 4], hex[p[i] & 0xF]};
            dnp3i_out_write(o, e, 4);
        }
    }
    dnp3i_out_putc(o, '"');
}

void dnp3_format_float(char *buf, size_t cap, double v, bool single)
{
    if (!buf || !cap)
        return;
    if (isnan(v)) {
        snprintf(buf, cap, "NaN");
        return;
    }
    if (isinf(v)) {
        snprintf(buf, cap, "%s", v > 0 ? "Infinity" : "-Infinity");
        return;
    }
    /* 9 (binary32) and 17 (binary64) significant digits always read back
     * as the same value; try fewer first. */
    int max = single ? 9 : 17;
    for (int prec = single ? 6 : 15; prec <= max; prec++) {
        snprintf(buf, cap, "%.*g", prec, v);
        double back = strtod(buf, NULL);
        if (single ? (float)back == (float)v : back == v)
            return;
    }
}

void dnp3_format_time(char *buf, size_t cap, dnp3_time_t ms)
{
    if (!buf || !cap)
        return;
    time_t secs = (time_t)(ms / 1000u);
    struct tm tm;
    if (!gmtime_r(&secs, &tm)) {
        snprintf(buf, cap, "%" PRIu64 "ms", (uint64_t)ms);
        return;
    }
    snprintf(buf, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%03uZ", tm.tm_year + 1900, tm.tm_mon + 1,
             tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (unsigned)(ms % 1000u));
}
