/* config_yaml: YAML documents walked with file:line errors (config_yaml.h). */
#include "config_yaml.h"

#include <errno.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3/runtime.h"
#include "opts.h"

static int load_with(cy_t *cy, const char *file, yaml_parser_t *p, char *err, size_t errlen)
{
    if (!yaml_parser_load(p, &cy->doc)) {
        snprintf(err, errlen, "%s:%zu: YAML syntax error: %s%s%s", file, (p->problem_mark.line + 1),
                 p->problem ? p->problem : "unknown error", p->context ? " " : "",
                 p->context ? p->context : "");
        yaml_parser_delete(p);
        return -1;
    }
    yaml_parser_delete(p);
    cy->loaded = true;
    if (!yaml_document_get_root_node(&cy->doc)) {
        snprintf(err, errlen, "%s:1: the file is empty (a configuration is a YAML mapping)", file);
        cy_free(cy);
        return -1;
    }
    return 0;
}

static void init(cy_t *cy, const char *file, char *err, size_t errlen)
{
    memset(cy, 0, sizeof *cy);
    cy->file = file;
    cy->err = err;
    cy->errlen = errlen;
}

int cy_load(cy_t *cy, const char *path, char *err, size_t errlen)
{
    init(cy, path, err, errlen);
    FILE *f = fopen(path, "rb");
    if (!f) {
        snprintf(err, errlen, "%s: cannot open the configuration: %s", path, strerror(errno));
        return -1;
    }
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_file(&p, f);
    int rc = load_with(cy, path, &p, err, errlen);
    fclose(f);
    return rc;
}

int cy_load_string(cy_t *cy, const char *file, const char *text, char *err, size_t errlen)
{
    init(cy, file, err, errlen);
    yaml_parser_t p;
    yaml_parser_initialize(&p);
    yaml_parser_set_input_string(&p, (const unsigned char *)text, strlen(text));
    return load_with(cy, file, &p, err, errlen);
}

void cy_free(cy_t *cy)
{
    if (cy->loaded)
        yaml_document_delete(&cy->doc);
    cy->loaded = false;
}

const yaml_node_t *cy_root(cy_t *cy)
{
    return yaml_document_get_root_node(&cy->doc);
}

/* out = s with control characters as \n, \t, \xHH (values from the file
 * may hold any), so that an error stays one printable line. */
static void escape_controls(char *out, size_t cap, const char *s)
{
    size_t n = 0;
    for (; *s && n + 5 < cap; s++) {
        unsigned char c = (unsigned char)*s;
        if (c == '\n' || c == '\t') {
            out[n++] = '\\';
            out[n++] = c == '\n' ? 'n' : 't';
        } else if (c < 0x20 || c == 0x7F) {
            n += (size_t)snprintf(out + n, cap - n, "\\x%02X", c);
        } else {
            out[n++] = (char)c;
        }
    }
    out[n] = '\0';
}

int cy_error(cy_t *cy, const yaml_node_t *node, const char *field, const char *fmt, ...)
{
    char msg[384], clean[384], where[CY_FIELD_MAX];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    escape_controls(clean, sizeof clean, msg);
    size_t line = node ? node->start_mark.line + 1 : 1;
    if (field && field[0]) {
        escape_controls(where, sizeof where, field);
        snprintf(cy->err, cy->errlen, "%s:%zu: %s: %s", cy->file, line, where, clean);
    } else {
        snprintf(cy->err, cy->errlen, "%s:%zu: %s", cy->file, line, clean);
    }
    return -1;
}

const char *cy_field(char *buf, const char *parent, const char *key)
{
    if (parent && parent[0])
        snprintf(buf, CY_FIELD_MAX, "%s.%s", parent, key);
    else
        snprintf(buf, CY_FIELD_MAX, "%s", key);
    return buf;
}

const char *cy_index(char *buf, const char *parent, size_t i)
{
    snprintf(buf, CY_FIELD_MAX, "%s[%zu]", parent, i);
    return buf;
}

static const char *kind(const yaml_node_t *n)
{
    switch (n->type) {
    case YAML_MAPPING_NODE:
        return "a mapping";
    case YAML_SEQUENCE_NODE:
        return "a list";
    case YAML_SCALAR_NODE:
        return "a value";
    default:
        return "nothing";
    }
}

int cy_expect_map(cy_t *cy, const yaml_node_t *n, const char *field)
{
    if (n->type == YAML_MAPPING_NODE)
        return 0;
    return cy_error(cy, n, field, "expected a mapping (key: value lines), found %s", kind(n));
}

int cy_expect_seq(cy_t *cy, const yaml_node_t *n, const char *field)
{
    if (n->type == YAML_SEQUENCE_NODE)
        return 0;
    return cy_error(cy, n, field, "expected a list (- item lines or [a, b]), found %s", kind(n));
}

int cy_expect_scalar(cy_t *cy, const yaml_node_t *n, const char *field)
{
    if (n->type == YAML_SCALAR_NODE)
        return 0;
    return cy_error(cy, n, field, "expected a single value, found %s", kind(n));
}

const char *cy_text(const yaml_node_t *n)
{
    return n && n->type == YAML_SCALAR_NODE ? (const char *)n->data.scalar.value : "";
}

static void list_keys(char *buf, size_t cap, const char *const *known)
{
    size_t used = 0;
    buf[0] = '\0';
    for (size_t i = 0; known[i] && used < cap; i++) {
        int w = snprintf(buf + used, cap - used, "%s%s", i ? ", " : "", known[i]);
        if (w < 0)
            break;
        used += (size_t)w;
    }
}

int cy_check_keys(cy_t *cy, const yaml_node_t *map, const char *field, const char *const *known)
{
    if (cy_expect_map(cy, map, field) < 0)
        return -1;
    const yaml_node_pair_t *pairs = map->data.mapping.pairs.start;
    size_t n = (size_t)(map->data.mapping.pairs.top - pairs);
    for (size_t i = 0; i < n; i++) {
        const yaml_node_t *k = yaml_document_get_node(&cy->doc, pairs[i].key);
        if (cy_expect_scalar(cy, k, field) < 0)
            return -1;
        const char *name = cy_text(k);
        bool ok = false;
        for (size_t j = 0; known[j] && !ok; j++)
            ok = strcmp(known[j], name) == 0;
        if (!ok) {
            char keys[512];
            list_keys(keys, sizeof keys, known);
            return cy_error(cy, k, field, "unknown key '%s' (known keys: %s)", name, keys);
        }
        for (size_t j = 0; j < i; j++) {
            const yaml_node_t *k2 = yaml_document_get_node(&cy->doc, pairs[j].key);
            if (strcmp(cy_text(k2), name) == 0)
                return cy_error(cy, k, field, "key '%s' given twice", name);
        }
    }
    return 0;
}

const yaml_node_t *cy_get(cy_t *cy, const yaml_node_t *map, const char *key)
{
    if (!map || map->type != YAML_MAPPING_NODE)
        return NULL;
    for (const yaml_node_pair_t *p = map->data.mapping.pairs.start; p < map->data.mapping.pairs.top;
         p++) {
        const yaml_node_t *k = yaml_document_get_node(&cy->doc, p->key);
        if (strcmp(cy_text(k), key) == 0)
            return yaml_document_get_node(&cy->doc, p->value);
    }
    return NULL;
}

size_t cy_seq_len(const yaml_node_t *seq)
{
    if (!seq || seq->type != YAML_SEQUENCE_NODE)
        return 0;
    return (size_t)(seq->data.sequence.items.top - seq->data.sequence.items.start);
}

const yaml_node_t *cy_seq_item(cy_t *cy, const yaml_node_t *seq, size_t i)
{
    return yaml_document_get_node(&cy->doc, seq->data.sequence.items.start[i]);
}

int cy_str(cy_t *cy, const yaml_node_t *n, const char *field, char *out, size_t cap)
{
    if (cy_expect_scalar(cy, n, field) < 0)
        return -1;
    const char *s = cy_text(n);
    if (strlen(s) >= cap)
        return cy_error(cy, n, field, "too long (at most %zu characters)", cap - 1);
    memcpy(out, s, strlen(s) + 1);
    return 0;
}

int cy_bool(cy_t *cy, const yaml_node_t *n, const char *field, bool *out)
{
    if (cy_expect_scalar(cy, n, field) < 0)
        return -1;
    static const char *const yes[] = {"true", "yes", "on", NULL};
    static const char *const no[] = {"false", "no", "off", NULL};
    const char *s = cy_text(n);
    for (size_t i = 0; yes[i]; i++) {
        if (strcmp(s, yes[i]) == 0) {
            *out = true;
            return 0;
        }
        if (strcmp(s, no[i]) == 0) {
            *out = false;
            return 0;
        }
    }
    return cy_error(cy, n, field, "'%s' is not true or false", s);
}

int cy_uint(cy_t *cy, const yaml_node_t *n, const char *field, uint64_t min, uint64_t max,
            uint64_t *out)
{
    if (cy_expect_scalar(cy, n, field) < 0)
        return -1;
    const char *s = cy_text(n);
    char *end = NULL;
    errno = 0;
    unsigned long long v = s[0] >= '0' && s[0] <= '9' ? strtoull(s, &end, 10) : 0;
    if (!end || *end != '\0' || errno)
        return cy_error(cy, n, field, "'%s' is not a whole number", s);
    if (v < min || v > max)
        return cy_error(cy, n, field, "%s is out of range (%llu..%llu)", s, (unsigned long long)min,
                        (unsigned long long)max);
    *out = v;
    return 0;
}

int cy_double(cy_t *cy, const yaml_node_t *n, const char *field, double min, double max,
              double *out)
{
    if (cy_expect_scalar(cy, n, field) < 0)
        return -1;
    const char *s = cy_text(n);
    char *end = NULL;
    errno = 0;
    double v = strtod(s, &end);
    if (end == s || *end != '\0' || errno || isnan(v))
        return cy_error(cy, n, field, "'%s' is not a number", s);
    if (v < min || v > max)
        return cy_error(cy, n, field, "%s is out of range (%g..%g)", s, min, max);
    *out = v;
    return 0;
}

int cy_enum(cy_t *cy, const yaml_node_t *n, const char *field, const char *const *names,
            unsigned *out)
{
    if (cy_expect_scalar(cy, n, field) < 0)
        return -1;
    const char *s = cy_text(n);
    for (unsigned i = 0; names[i]; i++) {
        if (strcmp(names[i], s) == 0) {
            *out = i;
            return 0;
        }
    }
    char list[256];
    list_keys(list, sizeof list, names);
    return cy_error(cy, n, field, "'%s' is not one of: %s", s, list);
}

int cy_duration_ms(cy_t *cy, const yaml_node_t *n, const char *field, uint64_t max_ms,
                   uint64_t *out)
{
    if (cy_expect_scalar(cy, n, field) < 0)
        return -1;
    char msg[256];
    uint64_t v;
    if (opts_duration_ms(cy_text(n), &v, msg, sizeof msg) < 0)
        return cy_error(cy, n, field, "%s", msg);
    if (v > max_ms)
        return cy_error(cy, n, field, "'%s' is too long (at most %llu ms)", cy_text(n),
                        (unsigned long long)max_ms);
    *out = v;
    return 0;
}

int cy_opt_duration(cy_t *cy, const yaml_node_t *map, const char *parent, const char *key,
                    uint64_t max_ms, uint32_t *out)
{
    const yaml_node_t *v = cy_get(cy, map, key);
    if (!v)
        return 0;
    char f[CY_FIELD_MAX];
    uint64_t ms;
    if (cy_duration_ms(cy, v, cy_field(f, parent, key), max_ms, &ms) < 0)
        return -1;
    *out = (uint32_t)ms;
    return 0;
}

int cy_link_address(cy_t *cy, const yaml_node_t *n, const char *field, uint16_t *out)
{
    if (cy_expect_scalar(cy, n, field) < 0)
        return -1;
    char msg[256];
    if (opts_link_address(cy_text(n), out, msg, sizeof msg) < 0)
        return cy_error(cy, n, field, "%s", msg);
    return 0;
}

int cy_host_port(cy_t *cy, const yaml_node_t *n, const char *field, char *host, size_t hostlen,
                 uint16_t *port)
{
    if (cy_expect_scalar(cy, n, field) < 0)
        return -1;
    char msg[256];
    if (opts_host_port(cy_text(n), host, hostlen, port, msg, sizeof msg) < 0)
        return cy_error(cy, n, field, "%s", msg);
    return 0;
}

int cy_cidr_list(cy_t *cy, const yaml_node_t *n, const char *field, char (*out)[64], size_t max,
                 size_t *count)
{
    char f[CY_FIELD_MAX];
    if (cy_expect_seq(cy, n, field) < 0)
        return -1;
    size_t len = cy_seq_len(n);
    if (len > max)
        return cy_error(cy, n, field, "%zu networks (at most %zu)", len, max);
    for (size_t i = 0; i < len; i++) {
        const yaml_node_t *it = cy_seq_item(cy, n, i);
        cy_index(f, field, i);
        if (cy_str(cy, it, f, out[i], 64) < 0)
            return -1;
        dnp3_network_t net;
        if (dnp3_network_read(out[i], &net) < 0)
            return cy_error(cy, it, f,
                            "'%s' is not a network (CIDR: 10.0.0.0/8, 192.168.1.7, 2001:db8::/32)",
                            out[i]);
    }
    *count = len;
    return 0;
}
