/* The wire layout codes of the object table (src/app/objects.def). */
#ifndef DNP3_APP_LAYOUT_H
#define DNP3_APP_LAYOUT_H

/* Field layout of one object, in wire order: pre, value, post
 * (dnp3_obj_info_t.pre/.val/.post). The codec is driven by these; they are
 * private to the library (a renderer asks dnp3_fragment_walk() instead). */
typedef enum dnp3_field_pre {
    DNP3_PRE_NONE = 0,
    DNP3_PRE_FLAGS,  /* quality byte */
    DNP3_PRE_STATUS, /* command status byte first (g43) */
    DNP3_PRE_CMD     /* g13: bit 7 commanded state, bits 6..0 command status */
} dnp3_field_pre_t;

typedef enum dnp3_field_val {
    DNP3_VAL_NONE = 0,
    DNP3_VAL_U16,
    DNP3_VAL_U32,
    DNP3_VAL_I16,
    DNP3_VAL_I32,
    DNP3_VAL_F32,
    DNP3_VAL_F64,
    DNP3_VAL_U8,
    DNP3_VAL_CROB,        /* code u8, count u8, on u32, off u32 (status is the post field) */
    DNP3_VAL_TIME48,      /* absolute time into point.time */
    DNP3_VAL_TIME_U32,    /* time48 + interval u32 ms (g50v2) */
    DNP3_VAL_TIME_U32_U8, /* time48 + interval count u32 + units u8 (g50v4) */
    DNP3_VAL_DELAY_S,     /* u16 seconds (g52v1) */
    DNP3_VAL_DELAY_MS,    /* u16 milliseconds (g52v2) */
    DNP3_VAL_SEC_STAT,    /* assoc u16, count u32 */
    DNP3_VAL_BYTES,       /* opaque bytes of the object's size */
    DNP3_VAL_PACKED1,
    DNP3_VAL_PACKED2,
    DNP3_VAL_FREE, /* free-format body */
    DNP3_VAL_ATTR  /* g0 type, length, value */
} dnp3_field_val_t;

typedef enum dnp3_field_post {
    DNP3_POST_NONE = 0,
    DNP3_POST_STATUS, /* command status byte last (g12v1, g41) */
    DNP3_POST_TIME48, /* absolute time */
    DNP3_POST_REL16   /* u16 ms relative to the preceding g51 CTO */
} dnp3_field_post_t;

#endif
