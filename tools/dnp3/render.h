/* render: print decode_session records as a readable tree (render_text.c)
 * or as JSON Lines (render_json.c), one record per call. Both decode the
 * application fragment themselves with the app layer's iterators, so the
 * two outputs always show the same thing. */
#ifndef DNP3_TOOL_RENDER_H
#define DNP3_TOOL_RENDER_H

#include <stdio.h>

#include "decode_session.h"
#include "dnp3/app.h"

/* Bits of a render_*_record() result. */
#define RENDER_DECODED 0x1u /* a valid link frame, or an application header (--app) */
#define RENDER_ERROR   0x2u /* something in the record could not be decoded */

unsigned render_text_record(FILE *out, const ds_record_t *rec);
unsigned render_json_record(FILE *out, const ds_record_t *rec);

/* Shared by both renderers (render_text.c). */

/* "2024-01-31T12:00:00.000Z" into buf (at least 32 bytes). */
void render_format_time(char *buf, size_t len, dnp3_time_t ms);

/* Transport/link/app error message for a record, "" when there is none;
 * written into buf. Returns true when there was an error. The app part needs
 * the result of walking the fragment, so it is passed in (0 for none). */
bool render_record_error(const ds_record_t *rec, int app_code, size_t app_offset, char *buf,
                         size_t len);

/* The shortest decimal that reads back as the same value: at binary32
 * precision for f32 objects (so 11.02 prints as 11.02, not 11.0200005),
 * binary64 otherwise. NaN/Infinity spelled out. */
void render_format_float(char *buf, size_t len, double v, bool single);

/* True when the point's value was carried as an IEEE-754 binary32. */
bool render_point_is_f32(const dnp3_point_t *pt);

/* Name of a link function, or "UNKNOWN". */
const char *render_link_func_name(const dnp3_link_header_t *h);

#endif
