/* CHECK(c) for fuzz targets: an invariant that must hold on every input.
 * abort() rather than assert(), which NDEBUG (RelWithDebInfo) compiles out,
 * so the replay tests check the same invariants as the fuzzers. */
#ifndef DNP3_FUZZ_CHECK_H
#define DNP3_FUZZ_CHECK_H

#include <stdio.h>
#include <stdlib.h>

#define CHECK(c)                                                                                   \
    do {                                                                                           \
        if (!(c)) {                                                                                \
            fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #c);              \
            abort();                                                                               \
        }                                                                                          \
    } while (0)

#endif
