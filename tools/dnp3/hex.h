/* Hex text to bytes, for `dnp3 decode HEX...` and hex on standard input.
 *
 * Accepted: pairs of hex digits (either case), grouped into tokens of any
 * even number of digits ("05 64", "0564", "05:64", "05-64", "05,64"),
 * tokens separated by any run of spaces, tabs, CR/LF, colons, commas or
 * dashes, and an optional 0x / 0X at the start of a token ("0x0564").
 * Rejected with DNP3_E_FORMAT: any other character, a token with an odd
 * number of digits, a bare "0x". */
#ifndef DNP3_TOOL_HEX_H
#define DNP3_TOOL_HEX_H

#include <stddef.h>
#include <stdint.h>

#include "dnp3/types.h"

/* Parse text (NUL-terminated) into out[0..cap). On success returns 0 and
 * sets *out_len. On error returns
 *   DNP3_E_FORMAT  *err_pos = offset of the offending character (the
 *                  non-hex character, or the first character of a token
 *                  with an odd digit count or of a bare "0x");
 *   DNP3_E_NOSPACE *err_pos = offset of the first digit pair that did not
 *                  fit; *out_len = the bytes that did;
 *   DNP3_E_INVALID_ARG for NULL text / out_len, or NULL out with cap > 0.
 * out_len is always set; err_pos may be NULL and is left alone on success. */
int hex_parse(const char *text, uint8_t *out, size_t cap, size_t *out_len, size_t *err_pos);

/* Parse argv[0..argc) as if joined by spaces, appending to out[*out_len..cap)
 * (set *out_len = 0 first for a fresh buffer); a token never spans two
 * arguments. Returns 0 or the hex_parse error, with *err_arg = index of the
 * failing argument and *err_pos = offset inside it (either may be NULL).
 * *out_len counts every byte written, including those of arguments parsed
 * before a failure. */
int hex_append_args(int argc, char *const argv[], uint8_t *out, size_t cap, size_t *out_len,
                    int *err_arg, size_t *err_pos);

/* Streaming form of the same grammar, for hex text of any length read in
 * chunks (a token may span two chunks). Positions, lines and columns count
 * from the start of the whole text. */
typedef struct hex_stream {
    int state;
    uint8_t hi;         /* high nibble of the pair in progress */
    uint64_t pos;       /* 0-based offset of the next character */
    uint64_t line, col; /* 1-based line and column of the next character */
    uint64_t tok_pos;   /* start of the token in progress */
    uint64_t tok_line, tok_col;
    char tok_char;   /* its first character */
    uint64_t hi_pos; /* offset of the pair in progress */
    /* After an error: where, and the character there. */
    uint64_t err_pos, err_line, err_col;
    char err_char;
} hex_stream_t;

void hex_stream_init(hex_stream_t *h);

/* Parses text[0..len) (a NUL byte is an ordinary bad character), appending
 * bytes to out[0..cap) and setting *out_len to how many. cap >= len / 2 + 1
 * always suffices. Returns 0, DNP3_E_FORMAT (err_* set; the bytes before it
 * are in out) or DNP3_E_NOSPACE (the pair at err_pos did not fit). */
int hex_stream_feed(hex_stream_t *h, const char *text, size_t len, uint8_t *out, size_t cap,
                    size_t *out_len);

/* End of the text: 0, or DNP3_E_FORMAT for a token left with an odd number of
 * digits or a bare "0x" (err_* at the token's start). */
int hex_stream_finish(hex_stream_t *h);

#endif
