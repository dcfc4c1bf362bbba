/* Link layer internals shared by frame.c and parser.c. */
#ifndef DNP3_LINK_INTERNAL_H
#define DNP3_LINK_INTERNAL_H

#include "dnp3/link.h"

typedef enum link_check {
    LINK_CHECK_NEED,  /* not enough bytes to judge: info->need is the total wanted */
    LINK_CHECK_FRAME, /* a valid frame of info->size bytes; *frame filled */
    LINK_CHECK_FAIL   /* framing error info->reason (info->block for a block CRC) */
} link_check_t;

typedef struct link_check_info {
    size_t need;     /* LINK_CHECK_NEED: bytes from b[0] needed for the next decision */
    size_t size;     /* LINK_CHECK_FRAME: frame size on the wire */
    int reason;      /* LINK_CHECK_FAIL: DNP3_E_LINK_LENGTH / _HEADER_CRC / _BLOCK_CRC */
    unsigned block;  /* LINK_CHECK_FAIL with _BLOCK_CRC: 0-based block index */
    size_t field_at; /* LINK_CHECK_FAIL: offset of the offending field from b[0] */
} link_check_info_t;

/* Judges the candidate frame at b[0..avail), which must start with 05 64
 * (avail >= 2). The decision depends only on the bytes, never on how many
 * beyond the next checkpoint are available: the checkpoints are 3 bytes
 * (LENGTH), 10 (header CRC) and the whole frame (every block CRC, first
 * failing block wins). On FRAME the user data (CRCs removed) is copied to
 * user[] and frame->user points there. user[] may be overwritten on FAIL. */
link_check_t dnp3i_link_frame_check(const uint8_t *b, size_t avail, uint8_t *user,
                                    dnp3_link_frame_t *frame, link_check_info_t *info);

/* The parser (dnp3/link.h) over a state and buffers the caller places:
 * user (DNP3_LINK_MAX_USER_DATA bytes) receives each frame's user data,
 * buf (DNP3_LINK_MAX_FRAME) holds a frame straddling feeds. The public
 * functions are these over the dnp3_link_parser_t's own buffers. */
void dnp3i_link_parser_init(dnp3_link_parser_state_t *p, dnp3_link_policy_t policy);
void dnp3i_link_parser_reset(dnp3_link_parser_state_t *p);
size_t dnp3i_link_parser_feed(dnp3_link_parser_state_t *p, uint8_t *user, uint8_t *buf,
                              const uint8_t *data, size_t len, dnp3_link_event_t *ev);
int dnp3i_link_parser_flush_run(dnp3_link_parser_state_t *p, dnp3_link_event_t *ev);
int dnp3i_link_parser_finish(dnp3_link_parser_state_t *p, uint8_t *user, uint8_t *buf,
                             dnp3_link_event_t *ev);

#endif
