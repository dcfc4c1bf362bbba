/* operate_args: CROB code names and analog output values for `dnp3 operate`. */
#include "operate_args.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int operate_code(const char *name)
{
    static const struct {
        const char *name;
        int code;
    } codes[] = {
        {"pulse-on", 0x01},  {"pulse-off", 0x02}, {"latch-on", 0x03},
        {"latch-off", 0x04}, {"close", 0x41},     {"trip", 0x81},
    };
    for (size_t i = 0; i < sizeof codes / sizeof codes[0]; i++) {
        if (strcmp(name, codes[i].name) == 0)
            return codes[i].code;
    }
    return -1;
}

static bool read_number(const char *text, double *v)
{
    if (!*text || strchr(" \t\n", *text))
        return false;
    char *end;
    errno = 0;
    *v = strtod(text, &end);
    return *end == '\0' && errno == 0 && isfinite(*v);
}

static bool fits(double v, int variation)
{
    switch (variation) {
    case 1:
        return v == floor(v) && v >= -2147483648.0 && v <= 2147483647.0;
    case 2:
        return v == floor(v) && v >= -32768.0 && v <= 32767.0;
    case 3:
        return fabs(v) <= 3.4028234663852886e38;
    default:
        return true;
    }
}

int operate_analog(const char *text, int variation, dnp3_command_point_t *pt, char *msg,
                   size_t msglen)
{
    double v;
    if (!read_number(text, &v)) {
        snprintf(msg, msglen, "--analog: '%s' is not a number", text);
        return -1;
    }
    if (variation < 0 || variation > 4) {
        snprintf(msg, msglen, "--variation: %d is not 1..4", variation);
        return -1;
    }
    if (variation == 0)
        variation = fits(v, 1) ? 1 : 3;
    if (!fits(v, variation)) {
        snprintf(msg, msglen, "--analog: %s does not fit g41v%d (%s)", text, variation,
                 variation == 1   ? "a whole number in int32"
                 : variation == 2 ? "a whole number in int16"
                                  : "a float32");
        return -1;
    }
    pt->group = 41;
    pt->variation = (uint8_t)variation;
    pt->value = v;
    return 0;
}
