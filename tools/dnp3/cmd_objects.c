/* cmd_objects: lists the object library straight from the codec's table
 * (src/app/objects.def), so it can never disagree with what decode does. */
#include "cmd_objects.h"

#include <stdlib.h>
#include <string.h>

#include "dnp3/objects.h"

const char cmd_objects_summary[] = "list the object library (group, variation, size, name)";

static void usage(FILE *f)
{
    fputs("usage: dnp3 objects [GROUP | gGROUPvVAR]\n"
          "\n"
          "List the DNP3 objects dnp3c decodes and encodes: group, variation, size on\n"
          "the wire and name. With an argument, only that group (30, g30) or object\n"
          "(g30v5, 30/5).\n",
          f);
}

/* "30", "g30", "g30v5", "30v5", "30/5". Returns false on anything else. */
static bool parse_selector(const char *s, int *group, int *variation)
{
    char *end;
    if (*s == 'g' || *s == 'G')
        s++;
    long g = strtol(s, &end, 10);
    if (end == s || g < 0 || g > 255)
        return false;
    *group = (int)g;
    *variation = -1;
    if (*end == '\0')
        return true;
    if (*end != 'v' && *end != 'V' && *end != '/')
        return false;
    s = end + 1;
    long v = strtol(s, &end, 10);
    if (end == s || *end != '\0' || v < 0 || v > 255)
        return false;
    *variation = (int)v;
    return true;
}

/* variation < 0: the table line itself; else one concrete variation (for
 * g110-g113 the size is the variation). */
static const char *size_text(const dnp3_obj_info_t *o, int variation, char *buf, size_t len)
{
    switch (o->size_kind) {
    case DNP3_SK_FIXED:
        snprintf(buf, len, "%u", o->size);
        return buf;
    case DNP3_SK_BY_VARIATION:
        if (variation > 0) {
            snprintf(buf, len, "%d", variation);
            return buf;
        }
        return "= variation";
    case DNP3_SK_PACKED1:
        return "1 bit";
    case DNP3_SK_PACKED2:
        return "2 bits";
    case DNP3_SK_FREE_FORMAT:
        return "free (0x5B)";
    case DNP3_SK_ATTRIBUTE:
        return "type,len,value";
    default:
        return "-";
    }
}

static void print_line(FILE *out, const dnp3_obj_info_t *o, int variation, bool first)
{
    char id[16], buf[16];
    if (first)
        fprintf(out, "%-9s %-15s %-16s %s\n", "object", "size (bytes)", "value", "name");
    snprintf(id, sizeof id, "g%uv%d", o->group, variation >= 0 ? variation : o->variation);
    fprintf(out, "%-9s %-15s %-16s %s\n", id, size_text(o, variation, buf, sizeof buf),
            dnp3_value_type_name((dnp3_value_type_t)o->value_type), o->name);
}

int cmd_objects(int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
    (void)in;
    int group = -1, variation = -1;
    if (argc > 2 || (argc == 2 && (strcmp(argv[1], "--help") == 0 || strcmp(argv[1], "-h") == 0))) {
        usage(argc == 2 ? out : err);
        return argc == 2 ? 0 : 2;
    }
    if (argc == 2 && !parse_selector(argv[1], &group, &variation)) {
        fprintf(err, "dnp3 objects: '%s' is not a group or object (examples: 30, g30, g30v5)\n",
                argv[1]);
        return 2;
    }
    const dnp3_obj_info_t *table;
    size_t n = dnp3_obj_table(&table);
    unsigned shown = 0;
    for (size_t i = 0; i < n; i++) {
        const dnp3_obj_info_t *o = &table[i];
        if (group >= 0 && o->group != group)
            continue;
        /* One variation asked for: the lookup also resolves g110-g113, whose
         * single table line stands for every variation. */
        if (variation >= 0 && o != dnp3_obj_lookup((uint8_t)group, (uint8_t)variation))
            continue;
        print_line(out, o, variation, shown++ == 0);
    }
    if (shown == 0) {
        fprintf(err, "dnp3 objects: no object matches '%s'\n", argv[1]);
        return 1;
    }
    return 0;
}
