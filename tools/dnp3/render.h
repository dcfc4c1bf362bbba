/* render: print decode_session records as a readable tree (render_text.c)
 * or as JSON Lines (render_json.c), one record per call. Both are visitors
 * of the library's fragment walker (dnp3_fragment_walk, dnp3/format.h), the
 * tree through the library's own text formatter, so the two outputs and a
 * session's log always show the same thing. */
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

/* Link/transport/app error message for a record, "" when there is none;
 * written into buf. Returns true when there was an error. link_code is the
 * link formatter's result (DNP3_E_LINK_FUNCTION or 0); the app part needs
 * the result of walking the fragment, so it is passed in (code 0 for none). */
bool render_record_error(const ds_record_t *rec, int link_code, const dnp3_diag_t *app, char *buf,
                         size_t len);

#endif
