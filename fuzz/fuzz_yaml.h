/* Shared by the YAML configuration loader targets: the fuzzer's bytes as
 * the text of a configuration file, and the check that a refusal is one
 * clean "FILE:LINE: ..." message.
 *
 * The loaders read files through libyaml; the targets use its string input
 * (cy_load_string), so the text ends at the first NUL byte: a NUL in a file
 * is refused by libyaml's reader as a control character before any of our
 * code sees it. */
#ifndef DNP3_FUZZ_YAML_H
#define DNP3_FUZZ_YAML_H

#include <stddef.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz_check.h"

#define FUZZ_YAML_FILE "fuzz.yaml"

/* A NUL-terminated heap copy of the input (exact size, so ASan sees any
 * read past it), or NULL when out of memory. */
static inline char *fuzz_yaml_text(const uint8_t *data, size_t size)
{
    char *text = malloc(size + 1);
    if (text) {
        memcpy(text, data, size);
        text[size] = '\0';
    }
    return text;
}

/* err must read "fuzz.yaml:LINE: what", LINE a positive decimal, "what"
 * not empty, and the whole message one printable line (no control
 * characters: values from the file are escaped). */
static inline void fuzz_yaml_check_error(const char *err)
{
    for (const char *c = err; *c; c++)
        if ((unsigned char)*c < 0x20 || *c == 0x7F) {
            fprintf(stderr, "not one printable line: %s\n", err);
            CHECK(0);
        }
    size_t n = strlen(FUZZ_YAML_FILE);
    CHECK(strncmp(err, FUZZ_YAML_FILE ":", n + 1) == 0);
    const char *p = err + n + 1;
    CHECK(*p >= '1' && *p <= '9');
    while (*p >= '0' && *p <= '9')
        p++;
    CHECK(p[0] == ':' && p[1] == ' ' && p[2] != '\0');
}

#endif
