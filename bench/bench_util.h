/* Shared by the benchmark programs: a monotonic clock and a sink the
 * compiler cannot optimise away. Benchmarks are programs, never tests. */
#ifndef DNP3_BENCH_UTIL_H
#define DNP3_BENCH_UTIL_H

#include <stdint.h>
#include <time.h>

static inline double bench_now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec * 1e-9;
}

/* Results are added here so the measured work cannot be elided. */
static volatile uint64_t bench_sink;

#endif
