/* Hex text to bytes (see hex.h): one character-at-a-time parser, used whole
 * (hex_parse) and in chunks (hex_stream_*). */
#include "hex.h"

#include <string.h>

enum {
    ST_SEP = 0, /* between tokens */
    ST_ZERO,    /* a token began with '0': a digit, or the start of "0x" */
    ST_PREFIX,  /* just after "0x": a digit must follow */
    ST_EVEN,    /* inside a token, expecting a high nibble */
    ST_ODD      /* inside a token, expecting a low nibble */
};

static int hex_digit(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    if (c >= 'A' && c <= 'F')
        return c - 'A' + 10;
    return -1;
}

static int is_separator(char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == ':' || c == ',' || c == '-';
}

void hex_stream_init(hex_stream_t *h)
{
    memset(h, 0, sizeof *h);
    h->line = h->col = 1;
}

static int error_here(hex_stream_t *h, char c)
{
    h->err_pos = h->pos;
    h->err_line = h->line;
    h->err_col = h->col;
    h->err_char = c;
    return DNP3_E_FORMAT;
}

static int error_at_token(hex_stream_t *h)
{
    h->err_pos = h->tok_pos;
    h->err_line = h->tok_line;
    h->err_col = h->tok_col;
    h->err_char = h->tok_char;
    return DNP3_E_FORMAT;
}

/* A token that ends here must be complete. */
static int end_token(hex_stream_t *h)
{
    int st = h->state;
    h->state = ST_SEP;
    return st == ST_ZERO || st == ST_PREFIX || st == ST_ODD ? error_at_token(h) : 0;
}

/* One digit of a pair; emits the byte on the low nibble. */
static int digit(hex_stream_t *h, int v, uint8_t *out, size_t cap, size_t *n)
{
    if (h->state != ST_ODD) {
        h->hi = (uint8_t)v;
        h->hi_pos = h->pos;
        h->state = ST_ODD;
        return 0;
    }
    if (*n == cap) {
        h->err_pos = h->hi_pos;
        return DNP3_E_NOSPACE;
    }
    out[(*n)++] = (uint8_t)(h->hi << 4 | v);
    h->state = ST_EVEN;
    return 0;
}

static int step(hex_stream_t *h, char c, uint8_t *out, size_t cap, size_t *n)
{
    if (is_separator(c))
        return h->state == ST_SEP ? 0 : end_token(h);
    if (h->state == ST_SEP) {
        h->tok_pos = h->pos;
        h->tok_line = h->line;
        h->tok_col = h->col;
        h->tok_char = c;
        if (c == '0') {
            h->state = ST_ZERO;
            h->hi_pos = h->pos;
            return 0;
        }
        h->state = ST_EVEN;
    } else if (h->state == ST_ZERO) {
        if (c == 'x' || c == 'X') {
            h->state = ST_PREFIX;
            return 0;
        }
        h->hi = 0;
        h->state = ST_ODD;
    }
    int v = hex_digit(c);
    if (v < 0)
        return error_here(h, c);
    return digit(h, v, out, cap, n);
}

int hex_stream_feed(hex_stream_t *h, const char *text, size_t len, uint8_t *out, size_t cap,
                    size_t *out_len)
{
    size_t n = 0;
    int rc = 0;
    for (size_t i = 0; i < len && rc == 0; i++) {
        rc = step(h, text[i], out, cap, &n);
        if (rc != 0)
            break;
        h->pos++;
        if (text[i] == '\n') {
            h->line++;
            h->col = 1;
        } else {
            h->col++;
        }
    }
    *out_len = n;
    return rc;
}

int hex_stream_finish(hex_stream_t *h)
{
    return h->state == ST_SEP ? 0 : end_token(h);
}

int hex_parse(const char *text, uint8_t *out, size_t cap, size_t *out_len, size_t *err_pos)
{
    if (out_len)
        *out_len = 0;
    if (!text || !out_len || (!out && cap > 0))
        return DNP3_E_INVALID_ARG;
    hex_stream_t h;
    hex_stream_init(&h);
    int rc = hex_stream_feed(&h, text, strlen(text), out, cap, out_len);
    if (rc == 0)
        rc = hex_stream_finish(&h);
    if (rc != 0 && err_pos)
        *err_pos = (size_t)h.err_pos;
    return rc;
}

int hex_append_args(int argc, char *const argv[], uint8_t *out, size_t cap, size_t *out_len,
                    int *err_arg, size_t *err_pos)
{
    if (!out_len || argc < 0 || (argc > 0 && !argv) || *out_len > cap)
        return DNP3_E_INVALID_ARG;
    for (int a = 0; a < argc; a++) {
        size_t got = 0;
        int rc = hex_parse(argv[a], out ? out + *out_len : NULL, cap - *out_len, &got, err_pos);
        *out_len += got;
        if (rc != 0) {
            if (err_arg)
                *err_arg = a;
            return rc;
        }
    }
    return 0;
}
