/* Private pieces of the formatter (src/format): an output stage that
 * batches text for the sink, and the text helpers the layers share. */
#ifndef DNP3_FORMAT_INTERNAL_H
#define DNP3_FORMAT_INTERNAL_H

#include "dnp3/format.h"

/* Text is gathered here and handed to the sink when the stage fills or the
 * formatter returns: one sink call per few lines instead of one per piece. */
typedef struct dnp3i_out {
    const dnp3_format_sink_t *sink;
    bool failed; /* the sink refused: drop the rest */
    size_t len;
    char buf[512];
} dnp3i_out_t;

void dnp3i_out_init(dnp3i_out_t *o, const dnp3_format_sink_t *sink);
void dnp3i_out_flush(dnp3i_out_t *o);
void dnp3i_out_write(dnp3i_out_t *o, const char *s, size_t n);
void dnp3i_out_puts(dnp3i_out_t *o, const char *s);
void dnp3i_out_putc(dnp3i_out_t *o, char c);
void dnp3i_out_printf(dnp3i_out_t *o, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Decimal and two-digit upper-case hex without printf: the per-point
 * pieces, where printf's set-up would cost more than the text. */
void dnp3i_out_u64(dnp3i_out_t *o, uint64_t v);
void dnp3i_out_i64(dnp3i_out_t *o, int64_t v);
void dnp3i_out_hex2(dnp3i_out_t *o, uint8_t v);

/* "05 64 ..." cut after 64 bytes with " ... (N bytes)". */
void dnp3i_out_bytes(dnp3i_out_t *o, const uint8_t *p, size_t n);
/* "\"text\"" with bytes outside printable ASCII (and '"', '\\') as \xNN. */
void dnp3i_out_printable(dnp3i_out_t *o, const uint8_t *p, size_t n);

/* The application text: header line, then object headers and points as
 * `level` asks. Returns the walk's result. */
int dnp3i_format_app(dnp3i_out_t *o, dnp3_app_decode_t level, const uint8_t *apdu, size_t len,
                     dnp3_diag_t *diag);

/* Fields of a decoded free-format object for display (src/format/ff_fields.c):
 * fills out[0..cap) and returns how many there are (never more than
 * DNP3_FORMAT_MAX_FIELDS; 0 for an object without a layout). */
size_t dnp3i_ff_fields(const dnp3_ff_t *ff, dnp3_format_field_t *out, size_t cap);
/* Short name of a layout ("file_command", "sa_challenge"), NULL if
 * dnp3_ff_read() has none for group/variation. */
const char *dnp3i_ff_kind_name(uint8_t group, uint8_t variation);

#endif
