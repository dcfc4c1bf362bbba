/* cmd_objects: lists the object library straight from the codec's table
 * (src/app/objects.def), so it can never disagree with what decode does. */
#include "cmd_objects.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3/objects.h"
#include "opts.h"

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

/* A decimal number 0..255: digits only (no sign, no space). */
static bool number(const char *s, const char **end, int *out)
{
    int v = 0;
    const char *p = s;
    while (*p >= '0' && *p <= '9' && p - s < 3)
        v = v * 10 + (*p++ - '0');
    *end = p;
    *out = v;
    return p != s && v <= 255;
}

/* "30", "g30", "g30v5", "30v5", "30/5". Returns false on anything else. */
static bool parse_selector(const char *s, int *group, int *variation)
{
    const char *end;
    if (*s == 'g' || *s == 'G')
        s++;
    if (!number(s, &end, group))
        return false;
    *variation = -1;
    if (*end == '\0')
        return true;
    if (*end != 'v' && *end != 'V' && *end != '/')
        return false;
    return number(end + 1, &end, variation) && *end == '\0';
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

static unsigned list(FILE *out, int group, int variation)
{
    const dnp3_obj_info_t *table;
    size_t n = dnp3_obj_table(&table);
    unsigned shown = 0;
    for (size_t i = 0; i < n && !opts_output_failed(out); i++) {
        const dnp3_obj_info_t *o = &table[i];
        if (group >= 0 && o->group != group)
            continue;
        /* One variation asked for: the lookup also resolves g110-g113, whose
         * single table line stands for every variation. */
        if (variation >= 0 && o != dnp3_obj_lookup((uint8_t)group, (uint8_t)variation))
            continue;
        print_line(out, o, variation, shown++ == 0);
    }
    return shown;
}

int cmd_objects(int argc, char **argv, FILE *in, FILE *out, FILE *err)
{
    (void)in;
    opts_t o;
    opts_begin(&o, "objects", 0, NULL, "", argc, argv, err);
    const char *v;
    int id;
    while ((id = opts_next(&o, &v)) > 0)
        ;
    if (id < 0)
        return OPTS_EXIT_USAGE;
    if (o.help) {
        usage(out);
        return opts_finish_output("objects", out, err, 0, 0);
    }
    int group = -1, variation = -1;
    if (argc - o.first_operand > 1)
        return opts_usage_error(&o, "give at most one group or object (examples: 30, g30v5)");
    const char *sel = o.first_operand < argc ? argv[o.first_operand] : NULL;
    if (sel && !parse_selector(sel, &group, &variation))
        return opts_usage_error(&o, "'%s' is not a group or object (examples: 30, g30, g30v5)",
                                sel);
    unsigned shown = list(out, group, variation);
    int write_errno = opts_output_failed(out) ? errno : 0;
    if (shown == 0) {
        fprintf(err, "dnp3 objects: no object matches '%s'\n", sel);
        return 1;
    }
    return opts_finish_output("objects", out, err, 0, write_errno);
}
