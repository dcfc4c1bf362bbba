/* dnp3c: formatting of what is sent and received, per layer, at a chosen
 * decode level, the way `dnp3 decode` shows it.
 *
 * Three pieces:
 *  - dnp3_decode_level_t: how much of each layer to show (link and
 *    transport: nothing / header / payload; application: nothing / header /
 *    object headers / object values), one value per layer.
 *  - dnp3_fragment_walk(): a zero-copy walk over an application fragment
 *    (IEEE 1815-2012 clause 4.2) that hands its header, object headers and
 *    points to a visitor and reports the first error with its offset. The
 *    text formatter below and the tool's renderers are visitors of it, so
 *    every output shows the same thing.
 *  - dnp3_format_link/_segment/_fragment(): text for one link frame
 *    (clause 9), transport segment (clause 8) or fragment, written to a
 *    caller-supplied sink.
 *
 * Nothing here allocates, reads a clock or keeps global state: text is
 * staged in a buffer on the stack and handed to the sink in pieces. */
#ifndef DNP3_FORMAT_H
#define DNP3_FORMAT_H

#include "dnp3/app.h"
#include "dnp3/freeformat.h"
#include "dnp3/link.h"
#include "dnp3/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- decode levels ----------------------------------------------------------- */
typedef enum dnp3_link_decode {
    DNP3_LINK_DECODE_NOTHING = 0,
    DNP3_LINK_DECODE_HEADER, /* one line: length, control bits, function, addresses */
    DNP3_LINK_DECODE_PAYLOAD /* and the user data (CRCs removed) as hex */
} dnp3_link_decode_t;

typedef enum dnp3_transport_decode {
    DNP3_TRANSPORT_DECODE_NOTHING = 0,
    DNP3_TRANSPORT_DECODE_HEADER, /* one line: FIR, FIN, sequence */
    DNP3_TRANSPORT_DECODE_PAYLOAD /* and the segment's payload as hex */
} dnp3_transport_decode_t;

typedef enum dnp3_app_decode {
    DNP3_APP_DECODE_NOTHING = 0,
    DNP3_APP_DECODE_HEADER,         /* one line: control, function, IIN */
    DNP3_APP_DECODE_OBJECT_HEADERS, /* and a line per object header */
    DNP3_APP_DECODE_OBJECT_VALUES   /* and a line per object (point) */
} dnp3_app_decode_t;

typedef struct dnp3_decode_level {
    dnp3_app_decode_t app;
    dnp3_transport_decode_t transport;
    dnp3_link_decode_t link;
} dnp3_decode_level_t;

/* The default: one line per application fragment (app HEADER), nothing of
 * the link and transport layers. It costs one line per message and says
 * what was exchanged; turn a layer up when something goes wrong there. */
DNP3_API void dnp3_decode_level_default(dnp3_decode_level_t *out);

/* ---- sinks ------------------------------------------------------------------ */
/* Where text goes. write() gets pieces of text (not NUL-terminated, never
 * empty); lines end in '\n'. A negative return drops the rest of that
 * call's text (the walk itself goes on: its result does not depend on the
 * sink). */
typedef struct dnp3_format_sink {
    int (*write)(void *ctx, const char *text, size_t len);
    void *ctx;
} dnp3_format_sink_t;

/* A sink into a caller's buffer, kept NUL-terminated. */
typedef struct dnp3_format_buffer {
    char *buf;
    size_t cap, len;
    bool truncated; /* text was cut at cap - 1 bytes */
} dnp3_format_buffer_t;

/* buf must hold at least 1 byte (cap > 0). */
DNP3_API void dnp3_format_buffer_init(dnp3_format_buffer_t *b, char *buf, size_t cap);
/* A sink writing into b; its write returns DNP3_E_NOSPACE once b is full. */
DNP3_API dnp3_format_sink_t dnp3_format_buffer_sink(dnp3_format_buffer_t *b);

/* ---- the fragment walker ------------------------------------------------------ */
/* One named field of a typed free-format object (g70, g120), in wire order. */
typedef enum dnp3_format_field_kind {
    DNP3_FORMAT_FIELD_UINT = 0, /* u */
    DNP3_FORMAT_FIELD_BOOL,     /* u (0/1) */
    DNP3_FORMAT_FIELD_PERMS,    /* u: permission bits (octal is the natural spelling) */
    DNP3_FORMAT_FIELD_TIME,     /* u: ms since 1970 (DNP3 time, 48 bits) */
    DNP3_FORMAT_FIELD_STRING,   /* data/len: text as sent (not known to be UTF-8 or terminated) */
    DNP3_FORMAT_FIELD_BYTES     /* data/len: binary */
} dnp3_format_field_kind_t;

typedef struct dnp3_format_field {
    const char *key;     /* "name", "mode", "csq", ... */
    uint8_t kind;        /* dnp3_format_field_kind_t */
    bool detail;         /* layout detail (string offsets): the text leaves it out */
    uint64_t u;          /* UINT, BOOL, PERMS, TIME */
    const char *name;    /* UINT with a name table: the value's name, or NULL */
    const uint8_t *data; /* STRING, BYTES (into the fragment) */
    size_t len;
} dnp3_format_field_t;

#define DNP3_FORMAT_MAX_FIELDS 16

/* A point as the walker hands it over: the decoded point and what a
 * renderer needs besides. */
typedef struct dnp3_walk_point {
    const dnp3_point_t *pt;
    bool single; /* the value was carried as an IEEE-754 binary32 (show at that precision) */
    /* DNP3_VT_FREE_FORMAT only: kind is the layout's short name
     * ("file_command", "sa_challenge") and fields its n_fields fields when
     * the body was read by its layout; kind NULL otherwise (no layout, or a
     * malformed body: the walk reports DNP3_E_APP_FREE_FORMAT). */
    const char *kind;
    const dnp3_format_field_t *fields;
    size_t n_fields;
} dnp3_walk_point_t;

/* Callbacks; any may be NULL. With point NULL the points are not visited
 * (nor checked beyond what dnp3_obj_iter_next checks). */
typedef struct dnp3_walk_visitor {
    void *ctx;
    /* The application header; len is the fragment's length. */
    void (*header)(void *ctx, const dnp3_app_header_t *h, size_t len);
    /* An object header; also the one that failed (oh->partial: fields up to
     * the failure are valid), when at least its group, variation and
     * qualifier were present. */
    void (*object)(void *ctx, const dnp3_obj_header_t *oh);
    void (*point)(void *ctx, const dnp3_obj_header_t *oh, const dnp3_walk_point_t *p);
    /* After the points of each header object() was called for. */
    void (*object_end)(void *ctx, const dnp3_obj_header_t *oh);
    /* The bytes after the header of a fragment with an undefined function
     * code, uninterpreted (only when there are some). */
    void (*opaque)(void *ctx, const uint8_t *data, size_t len);
} dnp3_walk_visitor_t;

/* Walk apdu[0..len): header, then each object header and its points, in
 * order. Returns 0 when everything decoded, else the first error (diag, if
 * not NULL, gets its code and offset into the fragment; {0, 0} on success):
 * DNP3_E_APP_SHORT (offset 0, no callback is made), DNP3_E_APP_FUNCTION
 * (an undefined function code, offset 1: the objects are not interpreted),
 * DNP3_E_APP_OBJECT_UNKNOWN for a header-only object of an unknown group,
 * any error of dnp3_obj_iter_next and dnp3_point_iter_next, and
 * DNP3_E_APP_FREE_FORMAT for a free-format body that contradicts its layout
 * (offset of the bad field). The walk goes on after an error wherever the
 * iterators can, so a visitor sees everything that was readable. */
DNP3_API int dnp3_fragment_walk(const uint8_t *apdu, size_t len, const dnp3_walk_visitor_t *v,
                                dnp3_diag_t *diag);

/* ---- text ---------------------------------------------------------------------- */
/* Each writes whole lines to sink at its level (nothing at level NOTHING)
 * and returns 0, or the first error of what it was given, whatever the
 * level (the text still shows what was readable). No "Error:" line is
 * written: dnp3_format_error() writes one, so a caller can join errors of
 * several layers. Lines, in the layout of `dnp3 decode`:
 *   Link: len=26 DIR=0 PRM=1 FCV=0 FCB=0 func=4 UNCONFIRMED_USER_DATA dst=1 src=10
 *   User data: C0 C1 81 ...                             (link PAYLOAD)
 *   Transport: FIR FIN seq=22
 *   Transport data: C1 81 ...                           (transport PAYLOAD)
 *   Application: FIR FIN seq=1 func=129 RESPONSE  IIN=0x8000 [DEVICE_RESTART]
 *     g30v3 Analog Input - 32-bit without flag  qualifier=0x00 start=1 stop=7 (7 points)
 *       [1] value=123                                   (OBJECT_VALUES)
 * Hex dumps stop after 64 bytes with "... (N bytes)". */

/* A link frame: its header and user data (CRCs removed, user_len <= 250).
 * Errors: DNP3_E_LINK_FUNCTION (a function code 9.2.4.1.3 does not define
 * for the frame's PRM: named UNKNOWN), DNP3_E_INVALID_ARG (h NULL: nothing
 * is written). */
DNP3_API int dnp3_format_link(const dnp3_format_sink_t *sink, dnp3_link_decode_t level,
                              const dnp3_link_header_t *h, const uint8_t *user, size_t user_len);

/* A transport segment: header octet then payload. Errors: DNP3_E_TP_EMPTY
 * (seg NULL or len 0: nothing is written). */
DNP3_API int dnp3_format_segment(const dnp3_format_sink_t *sink, dnp3_transport_decode_t level,
                                 const uint8_t *seg, size_t len);

/* An application fragment; errors and diag as dnp3_fragment_walk(). At
 * level HEADER only the header is read; at OBJECT_HEADERS the points are
 * not checked. */
DNP3_API int dnp3_format_fragment(const dnp3_format_sink_t *sink, dnp3_app_decode_t level,
                                  const uint8_t *apdu, size_t len, dnp3_diag_t *diag);

/* "Error: <message> at offset <n>" and a newline (no offset for link and
 * transport codes, which have none). Nothing for code 0. */
DNP3_API void dnp3_format_error(const dnp3_format_sink_t *sink, const dnp3_diag_t *diag);

/* ---- pieces the renderers share ------------------------------------------------ */
/* The shortest decimal that reads back as the same value: at binary32
 * precision when single (11.02 prints as 11.02, not 11.0200005), binary64
 * otherwise; "NaN", "Infinity", "-Infinity". buf should hold 32 bytes. */
DNP3_API void dnp3_format_float(char *buf, size_t cap, double v, bool single);

/* "2024-01-31T12:00:00.000Z" (UTC); buf should hold 32 bytes. */
DNP3_API void dnp3_format_time(char *buf, size_t cap, dnp3_time_t ms);

/* Name of a link function for its PRM, or "UNKNOWN". */
DNP3_API const char *dnp3_format_link_func_name(const dnp3_link_header_t *h);

#ifdef __cplusplus
}
#endif
#endif
