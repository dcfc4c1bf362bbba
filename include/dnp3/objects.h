/* dnp3c: the DNP3 object library (IEEE 1815-2012 clause 11 / Annex A) and
 * typed points.
 *
 * Every group/variation the codec knows is one line of src/app/objects.def;
 * dnp3_obj_lookup() finds a line in O(1), dnp3_obj_table() walks them all.
 * A dnp3_point_t is one decoded (or to-be-encoded) object: a plain value
 * struct; byte-string values point into the caller's fragment (zero-copy). */
#ifndef DNP3_OBJECTS_H
#define DNP3_OBJECTS_H

#include "dnp3/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* How the size of one object is known. */
typedef enum dnp3_size_kind {
    DNP3_SK_NONE = 0,         /* carries no data: variation 0, g60 class data, g0v254 */
    DNP3_SK_FIXED = 1,        /* `size` bytes per object */
    DNP3_SK_PACKED1 = 2,      /* 1 bit per point, point 0 in bit 0 (g1v1, g10v1, g12v3, g80v1) */
    DNP3_SK_PACKED2 = 3,      /* 2 bits per point, point 0 in bits 1..0 (g3v1) */
    DNP3_SK_BY_VARIATION = 4, /* size = variation, 1..255 (g110-g113) */
    DNP3_SK_FREE_FORMAT = 5,  /* length from a size prefix, usually qualifier 0x5B (g70, g120) */
    DNP3_SK_ATTRIBUTE = 6     /* g0 device attribute: type u8, length u8, value[length] */
} dnp3_size_kind_t;

/* What a decoded point holds (selects the member of dnp3_point_t.v). */
typedef enum dnp3_value_type {
    DNP3_VT_NONE = 0,           /* no value (unknown object: v.bytes holds raw bytes if sized) */
    DNP3_VT_BINARY,             /* v.binary (g1, g2, g10, g11, g12v3) */
    DNP3_VT_DOUBLE_BIT,         /* v.double_bit 0..3 (g3, g4) */
    DNP3_VT_COUNTER,            /* v.counter (g20-g23) */
    DNP3_VT_ANALOG_INT,         /* v.analog_i (g30-g33 and g40/g42 integer variations) */
    DNP3_VT_ANALOG_FLOAT,       /* v.analog_f (g30-g33 and g40/g42 float variations) */
    DNP3_VT_DEADBAND_INT,       /* v.counter (g34v1, g34v2) */
    DNP3_VT_DEADBAND_FLOAT,     /* v.analog_f (g34v3) */
    DNP3_VT_CROB,               /* v.crob + status (g12v1, g12v2) */
    DNP3_VT_AO_INT,             /* v.analog_i + status (g41v1, g41v2) */
    DNP3_VT_AO_FLOAT,           /* v.analog_f + status (g41v3, g41v4) */
    DNP3_VT_BO_CMD_EVENT,       /* v.binary (commanded state) + status (g13) */
    DNP3_VT_AO_CMD_EVENT_INT,   /* v.analog_i + status (g43 v1-v4) */
    DNP3_VT_AO_CMD_EVENT_FLOAT, /* v.analog_f + status (g43 v5-v8) */
    DNP3_VT_TIME,               /* time only (g50v1, g50v3) */
    DNP3_VT_TIME_INTERVAL,      /* time + v.interval (g50v2: ms, units 0; g50v4: count + units) */
    DNP3_VT_DELAY,              /* v.delay.ms (g52v1 seconds are converted to ms) */
    DNP3_VT_CTO,                /* time (g51v1 synchronised, g51v2 unsynchronised) */
    DNP3_VT_OCTETS,             /* v.bytes (g110-g113) */
    DNP3_VT_ATTRIBUTE,          /* v.bytes with attr_type (g0) */
    DNP3_VT_FREE_FORMAT,        /* v.bytes: the whole object (g70, g91, g120) */
    DNP3_VT_SEC_STAT,           /* v.sec_stat + flags (g121, g122) */
    DNP3_VT_BCD,                /* v.bytes: 2, 4 or 8 bytes of packed BCD (g101) */
    DNP3_VT_UINT8,              /* v.counter 0..255 (g102v1) */
    DNP3_VT_IIN_BIT,            /* v.binary; index = IIN bit number (g80v1) */
    DNP3_VT_COUNT_              /* number of value types (not a type) */
} dnp3_value_type_t;

typedef struct dnp3_obj_info {
    uint8_t group, variation;
    uint8_t size_kind;      /* dnp3_size_kind_t */
    uint16_t size;          /* bytes per object for DNP3_SK_FIXED, else 0 */
    uint8_t value_type;     /* dnp3_value_type_t */
    uint8_t pre, val, post; /* wire layout codes, private to the library */
    const char *name;       /* e.g. "Binary Input Event - With Absolute Time" */
} dnp3_obj_info_t;

/* The table line for group/variation, or NULL when the codec does not know
 * it. g110-g113 answer for every variation 0..255 (the variation is the
 * length). g0 answers for every variation 1..255: those the table does not
 * name share one line outside the table (variation 0, "Not named by the
 * standard"; the header's variation is the attribute). O(1). */
DNP3_API const dnp3_obj_info_t *dnp3_obj_lookup(uint8_t group, uint8_t variation);

/* Every line of the table (g110-g113 appear once each with variation 0 as
 * the representative of all their variations); returns the number of lines. */
DNP3_API size_t dnp3_obj_table(const dnp3_obj_info_t **out);

/* Byte size of one object of a variation when it is computable from the
 * table alone (FIXED, BY_VARIATION); 0 otherwise. */
DNP3_API size_t dnp3_obj_fixed_size(const dnp3_obj_info_t *info);

DNP3_API const char *dnp3_value_type_name(dnp3_value_type_t vt);

/* A decoded point, or a point to encode. Only the fields that the object's
 * layout carries are meaningful; has_* say which were present. */
typedef struct dnp3_point {
    uint32_t index; /* from the index prefix, else range start + i. g0: the attribute set */
    dnp3_value_type_t type;
    uint8_t group, variation; /* copied from the header on decode; ignored on encode */
    bool has_flags;
    uint8_t flags; /* raw quality byte incl. the state bits (binary bit 7, double-bit 7..6) */
    bool has_time;
    dnp3_time_t time; /* absolute ms since 1970; relative-time objects resolved on the CTO */
    bool has_rel;
    uint16_t rel_ms; /* g2v3/g4v3 offset as sent */
    bool has_status;
    uint8_t status; /* command status (g12, g41, g43, g13 low 7 bits) */
    union {
        bool binary;
        uint8_t double_bit;
        uint32_t counter;
        int32_t analog_i;
        double analog_f;
        struct {
            uint8_t code, count;
            uint32_t on_ms, off_ms;
        } crob;
        struct {
            uint32_t ms;
        } delay;
        struct {
            uint32_t interval; /* g50v2: ms; g50v4: count of units */
            uint8_t units;     /* g50v4 only (Annex A, group 50) */
        } interval;
        struct {
            uint16_t assoc;
            uint32_t count;
        } sec_stat;
        struct {
            const uint8_t *data; /* into the fragment (decode) or the caller's bytes (encode) */
            size_t len;
            uint8_t attr_type; /* g0 only: DNP3_ATTR_* (254/255: len is the real length) */
        } bytes;
    } v;
} dnp3_point_t;

/* g0 attribute data types (IEEE 1815-2012 Annex A, group 0). */
#define DNP3_ATTR_VSTR   1
#define DNP3_ATTR_UINT   2
#define DNP3_ATTR_INT    3
#define DNP3_ATTR_FLT    4
#define DNP3_ATTR_OSTR   5
#define DNP3_ATTR_BSTR   6
#define DNP3_ATTR_TIME   7
#define DNP3_ATTR_UNCD   8
#define DNP3_ATTR_LIST   254 /* (variation u8, properties u8) pairs */
#define DNP3_ATTR_EXLIST 255 /* same; wire length = real length - 256 */

/* Name of an attribute data type ("VSTR", ...), NULL if undefined. */
DNP3_API const char *dnp3_attr_type_name(uint8_t type);

/* A g0 attribute value in printable form. */
typedef struct dnp3_attr_value {
    uint8_t type; /* DNP3_ATTR_* */
    union {
        uint32_t u;    /* UINT */
        int32_t i;     /* INT */
        double f;      /* FLT */
        dnp3_time_t t; /* TIME */
    } n;
    const uint8_t *data; /* VSTR/OSTR/BSTR/UNCD/LIST bytes */
    size_t len;
} dnp3_attr_value_t;

/* Interpret a DNP3_VT_ATTRIBUTE point's bytes by its type. Errors:
 * DNP3_E_INVALID_ARG (not an attribute point), DNP3_E_APP_ATTRIBUTE (length
 * not valid for the type, e.g. UINT of 3 bytes, TIME not 6, odd LIST). */
DNP3_API int dnp3_attr_read(const dnp3_point_t *pt, dnp3_attr_value_t *out);

/* ---- quality flags (IEEE 1815-2012 Annex A, per group) --------------------- */
#define DNP3_FLAG_ONLINE        0x01
#define DNP3_FLAG_RESTART       0x02
#define DNP3_FLAG_COMM_LOST     0x04
#define DNP3_FLAG_REMOTE_FORCED 0x08
#define DNP3_FLAG_LOCAL_FORCED  0x10
/* Analog inputs and outputs (g30-g33, g40, g42): the value exceeds the
 * variation's range (the writer sets it when it clamps a float). */
#define DNP3_FLAG_ANALOG_OVER_RANGE 0x20

/* Name of flag bit 0..7 as it means for objects of `group`: bits 0-4 are the
 * same everywhere; bits 5-7 depend on the point type ("CHATTER_FILTER",
 * "ROLLOVER", "OVER_RANGE", "DISCONTINUITY", "REFERENCE_ERR", "STATE",
 * "STATE_LOW"/"STATE_HIGH" for double-bit). NULL for a reserved bit. */
DNP3_API const char *dnp3_flag_name(uint8_t group, unsigned bit);

/* ---- CROB control code (g12v1; IEEE 1815-2012 Annex A, group 12) -------------------------------
 */
#define DNP3_CROB_OP_MASK  0x0F
#define DNP3_CROB_QUEUE    0x10
#define DNP3_CROB_CLEAR    0x20
#define DNP3_CROB_TCC_MASK 0xC0

/* "NUL", "PULSE_ON", "PULSE_OFF", "LATCH_ON", "LATCH_OFF"; NULL if undefined. */
DNP3_API const char *dnp3_crob_op_name(uint8_t code);
/* Trip-close code: "NUL", "CLOSE", "TRIP"; NULL for the reserved value 3. */
DNP3_API const char *dnp3_crob_tcc_name(uint8_t code);

#ifdef __cplusplus
}
#endif
#endif
