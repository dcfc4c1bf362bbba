/* dnp3c: the application layer (IEEE 1815-2012 clause 4): headers, function
 * codes, IIN, object headers and qualifiers, zero-copy parsing iterators and
 * a fragment writer.
 *
 * Nothing here allocates or keeps global state: iterators walk the caller's
 * fragment; the writer fills the caller's buffer. */
#ifndef DNP3_APP_H
#define DNP3_APP_H

#include "dnp3/objects.h"
#include "dnp3/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- application control byte (4.2.2.4) -------------------------------- */
#define DNP3_AC_FIR      0x80
#define DNP3_AC_FIN      0x40
#define DNP3_AC_CON      0x20
#define DNP3_AC_UNS      0x10
#define DNP3_AC_SEQ_MASK 0x0F

/* ---- function codes (4.2.2.5, Table 4-1) -------------------------------- */
enum dnp3_fc {
    DNP3_FC_CONFIRM = 0x00,
    DNP3_FC_READ = 0x01,
    DNP3_FC_WRITE = 0x02,
    DNP3_FC_SELECT = 0x03,
    DNP3_FC_OPERATE = 0x04,
    DNP3_FC_DIRECT_OPERATE = 0x05,
    DNP3_FC_DIRECT_OPERATE_NR = 0x06,
    DNP3_FC_IMMED_FREEZE = 0x07,
    DNP3_FC_IMMED_FREEZE_NR = 0x08,
    DNP3_FC_FREEZE_CLEAR = 0x09,
    DNP3_FC_FREEZE_CLEAR_NR = 0x0A,
    DNP3_FC_FREEZE_AT_TIME = 0x0B,
    DNP3_FC_FREEZE_AT_TIME_NR = 0x0C,
    DNP3_FC_COLD_RESTART = 0x0D,
    DNP3_FC_WARM_RESTART = 0x0E,
    DNP3_FC_INITIALIZE_DATA = 0x0F,
    DNP3_FC_INITIALIZE_APPL = 0x10,
    DNP3_FC_START_APPL = 0x11,
    DNP3_FC_STOP_APPL = 0x12,
    DNP3_FC_SAVE_CONFIG = 0x13,
    DNP3_FC_ENABLE_UNSOLICITED = 0x14,
    DNP3_FC_DISABLE_UNSOLICITED = 0x15,
    DNP3_FC_ASSIGN_CLASS = 0x16,
    DNP3_FC_DELAY_MEASURE = 0x17,
    DNP3_FC_RECORD_CURRENT_TIME = 0x18,
    DNP3_FC_OPEN_FILE = 0x19,
    DNP3_FC_CLOSE_FILE = 0x1A,
    DNP3_FC_DELETE_FILE = 0x1B,
    DNP3_FC_GET_FILE_INFO = 0x1C,
    DNP3_FC_AUTHENTICATE_FILE = 0x1D,
    DNP3_FC_ABORT_FILE = 0x1E,
    DNP3_FC_ACTIVATE_CONFIG = 0x1F,
    DNP3_FC_AUTH_REQUEST = 0x20,
    DNP3_FC_AUTH_REQUEST_NO_ACK = 0x21,
    DNP3_FC_RESPONSE = 0x81,
    DNP3_FC_UNSOLICITED_RESPONSE = 0x82,
    DNP3_FC_AUTH_RESPONSE = 0x83
};

/* Standard upper-snake name ("DIRECT_OPERATE"), NULL for an undefined code. */
DNP3_API const char *dnp3_fc_name(uint8_t fc);
/* True for 0x81, 0x82, 0x83 (headers with IIN). */
DNP3_API bool dnp3_fc_is_response(uint8_t fc);
/* True if the code is defined by IEEE 1815-2012 (the names above). */
DNP3_API bool dnp3_fc_is_defined(uint8_t fc);

/* ---- internal indications (4.2.2.7.2), IIN1 in the high byte ---------- */
#define DNP3_IIN_BROADCAST             0x0100
#define DNP3_IIN_CLASS_1_EVENTS        0x0200
#define DNP3_IIN_CLASS_2_EVENTS        0x0400
#define DNP3_IIN_CLASS_3_EVENTS        0x0800
#define DNP3_IIN_NEED_TIME             0x1000
#define DNP3_IIN_LOCAL_CONTROL         0x2000
#define DNP3_IIN_DEVICE_TROUBLE        0x4000
#define DNP3_IIN_DEVICE_RESTART        0x8000
#define DNP3_IIN_NO_FUNC_CODE_SUPPORT  0x0001
#define DNP3_IIN_OBJECT_UNKNOWN        0x0002
#define DNP3_IIN_PARAMETER_ERROR       0x0004
#define DNP3_IIN_EVENT_BUFFER_OVERFLOW 0x0008
#define DNP3_IIN_ALREADY_EXECUTING     0x0010
#define DNP3_IIN_CONFIG_CORRUPT        0x0020
#define DNP3_IIN_RESERVED_2_6          0x0040 /* must be 0 */
#define DNP3_IIN_RESERVED_2_7          0x0080 /* must be 0 */

/* `bit` numbers IIN bits the way g80v1 indexes them: 0..7 = IIN1.0..IIN1.7,
 * 8..15 = IIN2.0..IIN2.7. DNP3_IIN_MASK(bit) gives the uint16 mask above. */
#define DNP3_IIN_MASK(bit) ((uint16_t)((bit) < 8 ? (0x100u << (bit)) : (1u << ((bit)-8))))
/* "DEVICE_RESTART", "RESERVED_2_6", ...; NULL if bit > 15. */
DNP3_API const char *dnp3_iin_bit_name(unsigned bit);

/* ---- command status of CROB / analog output blocks (IEEE 1815-2012 Annex A, group 12 status
 * codes) -------- */
enum dnp3_command_status {
    DNP3_CS_SUCCESS = 0,
    DNP3_CS_TIMEOUT = 1,
    DNP3_CS_NO_SELECT = 2,
    DNP3_CS_FORMAT_ERROR = 3,
    DNP3_CS_NOT_SUPPORTED = 4,
    DNP3_CS_ALREADY_ACTIVE = 5,
    DNP3_CS_HARDWARE_ERROR = 6,
    DNP3_CS_LOCAL = 7,
    DNP3_CS_TOO_MANY_OPS = 8,
    DNP3_CS_NOT_AUTHORIZED = 9,
    DNP3_CS_AUTOMATION_INHIBIT = 10,
    DNP3_CS_PROCESSING_LIMITED = 11,
    DNP3_CS_OUT_OF_RANGE = 12,
    DNP3_CS_DOWNSTREAM_LOCAL = 13,
    DNP3_CS_ALREADY_COMPLETE = 14,
    DNP3_CS_BLOCKED = 15,
    DNP3_CS_CANCELLED = 16,
    DNP3_CS_BLOCKED_OTHER_MASTER = 17,
    DNP3_CS_DOWNSTREAM_FAIL = 18,
    DNP3_CS_NON_PARTICIPATING = 126,
    DNP3_CS_UNDEFINED = 127
};
/* "SUCCESS", ...; NULL for reserved codes. Bit 7 is ignored (reserved). */
DNP3_API const char *dnp3_command_status_name(uint8_t status);

/* ---- application header (4.2.2) --------------------------------------- */
typedef struct dnp3_app_header {
    uint8_t control; /* DNP3_AC_* bits and sequence */
    uint8_t func;    /* enum dnp3_fc (may be undefined: check dnp3_fc_is_defined) */
    bool has_iin;    /* responses (0x81-0x83) */
    uint16_t iin;    /* IIN1 << 8 | IIN2 */
} dnp3_app_header_t;

/* Parse the 2-byte request / 4-byte response header. Returns the header size
 * or DNP3_E_APP_SHORT (fragment shorter than its header; also for len < 2).
 * An undefined function code still parses (the caller decides). */
DNP3_API int dnp3_app_header_read(const uint8_t *frag, size_t len, dnp3_app_header_t *h);

/* ---- qualifiers (4.2.2.7.3 / 4.2.2.7.4) -------------------------------- */
#define DNP3_QUAL_PREFIX(q)      ((uint8_t)(((q) >> 4) & 0x07))
#define DNP3_QUAL_RANGE(q)       ((uint8_t)((q)&0x0F))
#define DNP3_QUAL(prefix, range) ((uint8_t)(((prefix) << 4) | (range)))

enum dnp3_prefix_code {
    DNP3_PREFIX_NONE = 0,
    DNP3_PREFIX_INDEX8 = 1,
    DNP3_PREFIX_INDEX16 = 2,
    DNP3_PREFIX_INDEX32 = 3,
    DNP3_PREFIX_SIZE8 = 4,
    DNP3_PREFIX_SIZE16 = 5,
    DNP3_PREFIX_SIZE32 = 6
};
enum dnp3_range_code {
    DNP3_RANGE_START_STOP8 = 0x0,
    DNP3_RANGE_START_STOP16 = 0x1,
    DNP3_RANGE_START_STOP32 = 0x2,
    DNP3_RANGE_ADDRESS8 = 0x3,
    DNP3_RANGE_ADDRESS16 = 0x4,
    DNP3_RANGE_ADDRESS32 = 0x5,
    DNP3_RANGE_ALL = 0x6,
    DNP3_RANGE_COUNT8 = 0x7,
    DNP3_RANGE_COUNT16 = 0x8,
    DNP3_RANGE_COUNT32 = 0x9,
    DNP3_RANGE_FREE_FORMAT = 0xB
};

/* Validate a qualifier: DNP3_OK, or DNP3_E_APP_QUALIFIER for bit 7 set,
 * prefix 7, range 0xA/0xC-0xF, range 0x6 with a prefix, or range 0xB
 * without a size prefix (4-6). */
DNP3_API int dnp3_qualifier_check(uint8_t qualifier);
/* Bytes of the range field (0, 1, 2, 4 or 8); -1 for an invalid qualifier. */
DNP3_API int dnp3_qualifier_range_size(uint8_t qualifier);
/* Bytes of each object prefix (0, 1, 2 or 4); -1 for an invalid qualifier. */
DNP3_API int dnp3_qualifier_prefix_size(uint8_t qualifier);

/* Whether the objects of a header carry data in a fragment with this
 * function code (see app.c for the rules and why): responses and
 * WRITE/SELECT/OPERATE/DIRECT_OPERATE(_NR)/file/activate/auth requests do;
 * READ, freeze, class, restart and the other requests carry headers only,
 * except g50 in FREEZE_AT_TIME(_NR), g120 anywhere (aggressive mode), and
 * any header whose qualifier has a size prefix (self-describing, e.g. READ
 * g70v5 with 0x5B). Qualifier 0x06, variation 0, g60 and g0v254 never do. */
DNP3_API bool dnp3_app_obj_has_data(uint8_t func, uint8_t group, uint8_t variation,
                                    uint8_t qualifier);

/* Whether variation 0 ("any variation") may name objects of `group` in a
 * fragment with this function code. It names points without values, so it
 * is legal only where the objects carry none (READ, the freezes,
 * ASSIGN_CLASS, ...: IEEE 1815-2012 4.2.2.7 and Annex A); in a response,
 * WRITE, SELECT, OPERATE, DIRECT_OPERATE(_NR), the file, ACTIVATE_CONFIG and
 * AUTH requests, and for g50 in FREEZE_AT_TIME(_NR), the reader and the
 * writer refuse it with DNP3_E_APP_VARIATION. */
DNP3_API bool dnp3_app_var0_allowed(uint8_t func, uint8_t group);

/* ---- object headers and their iterator --------------------------------- */
typedef struct dnp3_obj_header {
    uint8_t group, variation, qualifier;
    uint8_t prefix_code, range_code;
    bool has_range; /* start/stop valid (range codes 0x0-0x5; address: start = stop) */
    uint32_t start, stop;
    uint32_t count;                   /* number of objects (0 for qualifier 0x06) */
    const struct dnp3_obj_info *info; /* NULL if unknown */
    bool has_data;                    /* objects follow (dnp3_app_obj_has_data) */
    const uint8_t *data;              /* the objects incl. prefixes */
    size_t data_len;
    size_t offset;         /* of the header within the fragment */
    bool partial;          /* set when next() failed: fields up to the failure are valid */
    bool has_cto;          /* a g51 CTO precedes this header in the fragment */
    uint8_t cto_variation; /* 1 synchronised, 2 unsynchronised */
    dnp3_time_t cto;       /* the CTO in force for this header's relative times */
} dnp3_obj_header_t;

typedef struct dnp3_obj_iter {
    const uint8_t *frag;
    size_t len;
    size_t pos; /* next header offset */
    uint8_t func;
    bool opaque;  /* undefined function code: object bytes not interpreted */
    bool stopped; /* an error or the end was reached */
    bool has_cto;
    uint8_t cto_variation;
    dnp3_time_t cto;  /* most recent g51 seen in this fragment */
    dnp3_diag_t diag; /* last error: code + offset into the fragment */
} dnp3_obj_iter_t;

/* Iterate the object headers after the application header `h` (as parsed
 * from frag by dnp3_app_header_read). */
DNP3_API void dnp3_obj_iter_init(dnp3_obj_iter_t *it, const uint8_t *frag, size_t len,
                                 const dnp3_app_header_t *h);
/* 1: *out holds the next header (its objects validated for length: point
 * iteration of a returned header cannot run past the data). 0: end (also
 * at once for an undefined function code: it->opaque is set and the bytes
 * from it->pos on are uninterpreted). <0: error; it->diag has the code and
 * offset; *out holds what was parsed with partial = true; the iterator stays
 * stopped. Errors: DNP3_E_APP_HEADER_TRUNCATED, DNP3_E_APP_QUALIFIER,
 * DNP3_E_APP_RANGE, DNP3_E_APP_COUNT, DNP3_E_APP_OBJECT_UNKNOWN (data of an
 * unknown size), DNP3_E_APP_OBJECT_DATA, DNP3_E_APP_QUALIFIER_OBJECT,
 * DNP3_E_APP_ATTRIBUTE, DNP3_E_APP_FREE_FORMAT, DNP3_E_APP_VARIATION
 * (variation 0 where dnp3_app_var0_allowed says no; offset of the header),
 * DNP3_E_APP_RANGE also for a g0 range whose start and stop differ (both are
 * the attribute set, Annex A group 0). */
DNP3_API int dnp3_obj_iter_next(dnp3_obj_iter_t *it, dnp3_obj_header_t *out);

/* ---- points of one header ------------------------------------------------ */
typedef struct dnp3_point_iter {
    const dnp3_obj_header_t *h;
    size_t pos; /* within h->data */
    uint32_t i; /* objects produced */
    int ps;     /* prefix size, checked once at init; -1 for an invalid qualifier */
    bool has_cto;
    dnp3_time_t cto;
    dnp3_diag_t diag; /* offset is into the fragment */
} dnp3_point_iter_t;

/* ctx (may be NULL) supplies the CTO when h itself has none (h->has_cto is
 * filled by dnp3_obj_iter_next, so ctx is only needed for headers built by
 * hand). The header must outlive the iterator. */
DNP3_API void dnp3_point_iter_init(dnp3_point_iter_t *pi, const dnp3_obj_header_t *h,
                                   const dnp3_obj_iter_t *ctx);
/* 1: *pt filled; 0: no more (immediately for headers without data); <0 error
 * (pi->diag). g0: index = attribute set (range start or prefix), the variation
 * (the attribute) is pt->variation, v.bytes = value with attr_type. Packed
 * bits with an index prefix: one byte per point, value in its low bits.
 * Relative time without a CTO: has_rel true, has_time false. */
DNP3_API int dnp3_point_iter_next(dnp3_point_iter_t *pi, dnp3_point_t *pt);

/* ---- writer ---------------------------------------------------------------
 * Fills the caller's buffer with one fragment: the application header, then
 * object headers, each followed by its objects.
 *
 * Filling a fragment (event and integrity responses): open a header with
 * dnp3_app_write_open_header(), write points until one returns
 * DNP3_E_NOSPACE (the fragment is full) or DNP3_E_APP_COUNT (the header's
 * count or stop field can say no more: open another header), then close it
 * (the next header, dnp3_app_write_close_header() or
 * dnp3_app_writer_finish()): its count or stop is patched to the objects
 * written, and an open header that received none is removed. The points
 * left over go into the next fragment. dnp3_app_writer_mark() and
 * dnp3_app_writer_rollback() take back any sequence of calls, e.g. a group of
 * objects that must travel together (a g51 CTO and its events).
 *
 * Errors: DNP3_E_NOSPACE, and DNP3_E_APP_COUNT from a point written to a full
 * open header, are not sticky: the call changed nothing and the writer goes
 * on. Every other error is a misuse or a value that the variation cannot
 * carry; it is sticky: every later call returns it, so a caller may check
 * only dnp3_app_writer_finish() (dnp3_app_writer_rollback() to a mark taken
 * before it clears it). */
typedef struct dnp3_app_writer {
    uint8_t *buf;
    size_t cap, len;
    int error; /* first sticky error */
    uint8_t func;
    bool started; /* app header written */
    bool in_header;
    bool open;         /* the header's count/stop is patched when it closes */
    bool takes_points; /* the header expects dnp3_app_write_point calls */
    uint8_t group, variation, qualifier;
    uint8_t kind; /* how the objects are written (private to writer.c) */
    uint8_t ps;   /* object prefix size */
    const dnp3_obj_info_t *info;
    bool has_data;
    size_t obj_size;   /* bytes of one fixed-size object */
    size_t header_at;  /* offset of the current object header */
    uint32_t start;    /* first index for range qualifiers */
    uint32_t expected; /* objects announced by the header (open: the most it can say) */
    uint32_t written;  /* objects written so far */
    size_t packed_at;  /* offset of packed-bit data */
    bool has_cto;      /* a g51 was written: g2v3/g4v3 may give absolute times */
    dnp3_time_t cto;
} dnp3_app_writer_t;

/* A saved writer state (dnp3_app_writer_mark / _rollback). */
typedef struct dnp3_app_writer_mark {
    dnp3_app_writer_t at;
} dnp3_app_writer_mark_t;

DNP3_API void dnp3_app_writer_init(dnp3_app_writer_t *w, uint8_t *buf, size_t cap);
/* First call: the 2-byte request header. Errors: DNP3_E_APP_STATE (not the
 * first call, or a response code), DNP3_E_NOSPACE. */
DNP3_API int dnp3_app_write_request(dnp3_app_writer_t *w, uint8_t control, uint8_t func);
/* First call: the 4-byte response header (func 0x81/0x82/0x83). Errors as
 * dnp3_app_write_request. */
DNP3_API int dnp3_app_write_response(dnp3_app_writer_t *w, uint8_t control, uint8_t func,
                                     uint16_t iin);
/* Object header: range codes 0-2 a = start, b = stop; 3-5 a = address;
 * 7-9 and 0xB a = count; 0x06 neither. Closes the previous header (which must
 * have got all the objects it announced: DNP3_E_APP_COUNT). Errors also:
 * DNP3_E_APP_QUALIFIER, DNP3_E_APP_RANGE (stop below start, or a g0 range
 * whose start and stop differ: both are the attribute set, Annex A group 0),
 * DNP3_E_APP_VALUE (a or b too big for the field), DNP3_E_APP_OBJECT_UNKNOWN
 * (objects of an unknown size), DNP3_E_APP_VARIATION (variation 0 where
 * objects carry values, see dnp3_app_var0_allowed), DNP3_E_NOSPACE,
 * DNP3_E_APP_STATE. */
DNP3_API int dnp3_app_write_header(dnp3_app_writer_t *w, uint8_t group, uint8_t variation,
                                   uint8_t qualifier, uint32_t a, uint32_t b);
/* An open header, for filling a fragment: range codes 0-2 (start given, stop
 * patched at close), counts 7-9 and 0xB with any prefix (count patched at
 * close; e.g. 0x07, 0x17, 0x28, 0x5B). Points may be written until the field
 * can say no more (range 0x00: up to stop 255; count 0x17: 255 objects), then
 * write_point returns DNP3_E_APP_COUNT without changing anything. Errors as
 * dnp3_app_write_header; DNP3_E_APP_QUALIFIER also for the address and "all"
 * range codes 3-6; DNP3_E_APP_STATE also for a header that takes no objects
 * (a READ range, say: nothing could ever be counted). */
DNP3_API int dnp3_app_write_open_header(dnp3_app_writer_t *w, uint8_t group, uint8_t variation,
                                        uint8_t qualifier, uint32_t start);
/* Close the current header (patching an open one; removing an open one that
 * holds no object). Nothing to do when no header is open. Errors:
 * DNP3_E_APP_COUNT (an announced header short of objects). */
DNP3_API int dnp3_app_write_close_header(dnp3_app_writer_t *w);
/* Range header with the narrowest no-prefix qualifier (0x00, 0x01, 0x02). */
DNP3_API int dnp3_app_write_range(dnp3_app_writer_t *w, uint8_t group, uint8_t variation,
                                  uint32_t start, uint32_t stop);
/* Count header with index prefixes: 0x17 when count and max_index fit a
 * byte, else 0x28 when they fit 16 bits, else 0x39. */
DNP3_API int dnp3_app_write_indexed(dnp3_app_writer_t *w, uint8_t group, uint8_t variation,
                                    uint32_t count, uint32_t max_index);
/* One object of the current header: its prefix (index = pt->index, size =
 * the object size) then the object. Packed-bit objects accumulate bits.
 * Without an index prefix the index is implied (start + objects so far) and
 * pt->index is not read. pt->type must match the variation's value type.
 * Single-precision fields (IEEE 754 binary32, Annex A): NaN and +-Inf are
 * written as they are; a finite double beyond +-FLT_MAX is clamped to
 * +-FLT_MAX with DNP3_FLAG_ANALOG_OVER_RANGE set for a measurement (g30v5,
 * g31v7, g32v5/v7, g33v5/v7, g40v3, g42v5/v7: objects with a flags byte,
 * as a device reports a reading beyond its range) and refused with
 * DNP3_E_APP_VALUE for a command (g41v3), a command event (g43v5/v7) or a
 * deadband (g34v3), whose value must not silently change.
 * Errors: DNP3_E_APP_STATE (no header, or the header carries no data),
 * DNP3_E_APP_COUNT (more objects than announced; not sticky for an open
 * header), DNP3_E_APP_VALUE (value/index does not fit), DNP3_E_INVALID_ARG,
 * DNP3_E_APP_QUALIFIER_OBJECT, DNP3_E_NOSPACE. */
DNP3_API int dnp3_app_write_point(dnp3_app_writer_t *w, const dnp3_point_t *pt);
/* A whole free-format header: group/variation, qualifier 0x5B, count 1, u16
 * size, then obj. Errors: DNP3_E_APP_VALUE (len > 65535), DNP3_E_APP_STATE,
 * DNP3_E_APP_COUNT (previous header short), DNP3_E_NOSPACE. */
DNP3_API int dnp3_app_write_free_format(dnp3_app_writer_t *w, uint8_t group, uint8_t variation,
                                        const uint8_t *obj, size_t len);
/* Save the writer's state (O(1): a copy of the struct). */
DNP3_API void dnp3_app_writer_mark(const dnp3_app_writer_t *w, dnp3_app_writer_mark_t *m);
/* Return to a mark: the fragment's bytes [0, len) are again exactly those at
 * the mark (a count patched, a header removed or bits packed since are
 * undone), and so is every other part of the state, sticky errors included.
 * A mark is valid until the writer is re-initialised or rolled back to an
 * earlier mark. Errors: DNP3_E_INVALID_ARG (a mark of another buffer). */
DNP3_API int dnp3_app_writer_rollback(dnp3_app_writer_t *w, const dnp3_app_writer_mark_t *m);
/* Close the last header; total length or the first sticky error
 * (DNP3_E_APP_STATE before the application header). */
DNP3_API int dnp3_app_writer_finish(dnp3_app_writer_t *w);
DNP3_API size_t dnp3_app_writer_len(const dnp3_app_writer_t *w);

#ifdef __cplusplus
}
#endif
#endif
