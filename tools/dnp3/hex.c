/* Hex text to bytes (see hex.h). */
#include "hex.h"

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

int hex_parse(const char *text, uint8_t *out, size_t cap, size_t *out_len, size_t *err_pos)
{
    if (out_len)
        *out_len = 0;
    if (!text || !out_len || (!out && cap > 0))
        return DNP3_E_INVALID_ARG;

    size_t n = 0, i = 0;
    while (text[i] != '\0') {
        if (is_separator(text[i])) {
            i++;
            continue;
        }
        /* A token: optional 0x, then hex digits up to a separator or the end. */
        size_t start = i;
        if (text[i] == '0' && (text[i + 1] == 'x' || text[i + 1] == 'X')) {
            i += 2;
            if (text[i] == '\0' || is_separator(text[i])) {
                if (err_pos)
                    *err_pos = start; /* bare "0x" */
                *out_len = n;
                return DNP3_E_FORMAT;
            }
        }
        while (text[i] != '\0' && !is_separator(text[i])) {
            int hi = hex_digit(text[i]);
            if (hi < 0) {
                if (err_pos)
                    *err_pos = i;
                *out_len = n;
                return DNP3_E_FORMAT;
            }
            if (text[i + 1] == '\0' || is_separator(text[i + 1])) {
                if (err_pos)
                    *err_pos = start; /* odd number of digits in the token */
                *out_len = n;
                return DNP3_E_FORMAT;
            }
            int lo = hex_digit(text[i + 1]);
            if (lo < 0) {
                if (err_pos)
                    *err_pos = i + 1;
                *out_len = n;
                return DNP3_E_FORMAT;
            }
            if (n == cap) {
                if (err_pos)
                    *err_pos = i;
                *out_len = n;
                return DNP3_E_NOSPACE;
            }
            out[n++] = (uint8_t)(hi << 4 | lo);
            i += 2;
        }
    }
    *out_len = n;
    return 0;
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
