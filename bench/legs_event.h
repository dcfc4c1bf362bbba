/* legs_event.h: one record of legs_preload's timeline, read by bench_legs. */
#ifndef DNP3C_BENCH_LEGS_EVENT_H
#define DNP3C_BENCH_LEGS_EVENT_H

#include <stdint.h>

/* A call's start is its kind, its end kind + 1. */
enum { LEGS_READ = 0, LEGS_READ_END = 1, LEGS_WRITE = 2, LEGS_WRITE_END = 3 };

typedef struct legs_event {
    uint64_t t_ns; /* CLOCK_MONOTONIC */
    uint32_t len;  /* bytes moved */
    uint8_t kind;  /* LEGS_READ .. LEGS_WRITE_END */
    uint8_t fc;    /* the first frame's application function code, 0xFF: none */
    uint8_t pad[2];
} legs_event_t;

#endif
