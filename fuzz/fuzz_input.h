/* The fuzzer's bytes read one at a time by a target's operation stream:
 * past the end every read gives 0, so any input is a complete program. */
#ifndef DNP3_FUZZ_INPUT_H
#define DNP3_FUZZ_INPUT_H

#include <stddef.h>
#include <stdint.h>

typedef struct input {
    const uint8_t *p;
    size_t left;
} input_t;

static inline uint8_t input_next(input_t *in)
{
    if (!in->left)
        return 0;
    in->left--;
    return *in->p++;
}

#endif
