/* The outstation database: private layout shared by database*.c and the
 * event buffers (which read the point count and octet size, and are linked
 * into the database's fan-out list). */
#ifndef DNP3I_DATABASE_INTERNAL_H
#define DNP3I_DATABASE_INTERNAL_H

#include "dnp3/database.h"

/* A stored value: which member is live follows the point type. Octet
 * strings keep their bytes in separate stores (the octets member is not
 * used in storage), so the public union serves as is. */
typedef dnp3_point_value_t dnp3i_value_t;

typedef struct dnp3i_point {
    dnp3_point_config_t cfg;
    dnp3i_value_t value;    /* current value (as of the last commit) */
    dnp3i_value_t reported; /* value of the last event (deadband reference) */
    dnp3_time_t time;
    uint8_t flags;
    uint8_t octet_len; /* octet strings: bytes held in the database's octet store */
} dnp3i_point_t;

/* One recorded batch step: an update of one point, or a freeze. */
enum { DNP3I_OP_FREEZE = DNP3_PT_COUNT_ };

typedef struct dnp3i_op {
    uint8_t kind; /* dnp3_point_type_t, or DNP3I_OP_FREEZE */
    uint8_t flags;
    bool clear; /* freeze-and-clear */
    uint8_t octet_len;
    uint32_t index;
    uint32_t stop;      /* freeze: last index */
    uint32_t octet_off; /* octet bytes in the batch's octet store */
    dnp3_time_t time;
    dnp3i_value_t value;
} dnp3i_op_t;

struct dnp3_db {
    uint32_t count[DNP3_PT_COUNT_];
    uint32_t base[DNP3_PT_COUNT_]; /* point slot of index 0 of each type */
    uint32_t total_points;
    dnp3_point_config_t defaults[DNP3_PT_COUNT_];
    dnp3i_point_t *points[DNP3_PT_COUNT_];
    uint16_t octet_size;
    uint8_t *octets; /* count[OCTET_STRING] * octet_size */

    uint64_t next_seq;            /* global sequence-of-events number of the next event */
    dnp3_event_buffer_t *buffers; /* attached buffers (intrusive list, no allocation) */

    bool in_batch;
    uint32_t batch_cap, batch_len;
    dnp3i_op_t *batch;
    uint8_t *batch_octets; /* batch_cap * octet_size when there are octet points */
    uint32_t batch_octet_used;

    dnp3_db_counters_t counters;
};

/* A count as an int return value (counts above INT_MAX are clipped). */
static inline int dnp3i_clip_int(uint64_t n)
{
    return n > (uint64_t)INT32_MAX ? INT32_MAX : (int)n;
}

/* Validate one point's settings for its type (0 or DNP3_E_INVALID_ARG). */
int dnp3i_db_check_point_config(dnp3_point_type_t type, const dnp3_point_config_t *cfg);

/* Command kinds (DNP3_EV_*_COMMAND): is v an allowed event variation, and
 * the default one (used for variation 0). */
bool dnp3i_db_command_variation_ok(dnp3_point_type_t kind, uint8_t v);
uint8_t dnp3i_db_command_default_variation(dnp3_point_type_t kind);

/* Apply one op (no batch logic); returns the number of events made. */
uint64_t dnp3i_db_apply(dnp3_db_t *db, const dnp3i_op_t *op, const uint8_t *octets);

/* Hand one event to a buffer (event_buffer.c). point_slot identifies the
 * point across types (db->base[type] + index), for most-recent mode. */
void dnp3i_event_buffer_offer(dnp3_event_buffer_t *b, const dnp3_event_t *ev, uint32_t point_slot,
                              dnp3_event_mode_t mode);
/* The database is going away: the buffer forgets it (dnp3_db_free). */
void dnp3i_event_buffer_detach(dnp3_event_buffer_t *b);
/* The next buffer in the database's fan-out list. */
dnp3_event_buffer_t *dnp3i_event_buffer_next(const dnp3_event_buffer_t *b);

#endif
