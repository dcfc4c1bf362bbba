/* config_yaml: the YAML layer the `dnp3` commands read their configuration
 * files with (libyaml's document API).
 *
 * Every error is ONE message, "FILE:LINE: FIELD: what is wrong", where
 * FIELD is the path of the value in the document ("outstations[0].address")
 * and LINE the line of the offending key or value. The first error stops
 * the load: the helpers return -1 once cy->err is written, and callers just
 * pass -1 up.
 *
 *     cy_t cy;
 *     if (cy_load(&cy, path, err, errlen) < 0) return -1;     // syntax errors
 *     const yaml_node_t *root = cy_root(&cy);
 *     static const char *const keys[] = {"listen", "points", NULL};
 *     if (cy_check_keys(&cy, root, "", keys) < 0) ...        // unknown key: lists keys
 *     const yaml_node_t *v = cy_get(&cy, root, "listen");    // NULL if absent
 *     if (v && cy_host_port(&cy, v, "listen", host, sizeof host, &port) < 0) ...
 *     cy_free(&cy);
 */
#ifndef DNP3_TOOL_CONFIG_YAML_H
#define DNP3_TOOL_CONFIG_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <yaml.h>

typedef struct cy {
    const char *file; /* as given to cy_load: messages start with it */
    yaml_document_t doc;
    bool loaded;
    char *err;
    size_t errlen;
} cy_t;

/* Field paths are built in buffers of this size. */
#define CY_FIELD_MAX 128

/* Reads and parses path (one document). An unreadable file, a syntax
 * error or an empty document is the one error. Returns 0 or -1. */
int cy_load(cy_t *cy, const char *path, char *err, size_t errlen);
/* Parses text (for tests; file names the messages). */
int cy_load_string(cy_t *cy, const char *file, const char *text, char *err, size_t errlen);
void cy_free(cy_t *cy);

const yaml_node_t *cy_root(cy_t *cy);

/* Writes "FILE:LINE: FIELD: message" (FIELD and its ": " left out when
 * field is "") at node's line; returns -1. */
#if defined(__GNUC__)
__attribute__((format(printf, 4, 5)))
#endif
int cy_error(cy_t *cy, const yaml_node_t *node, const char *field, const char *fmt, ...);

/* "parent.key" or "key" (parent ""), and "parent[i]", into buf. */
const char *cy_field(char *buf, const char *parent, const char *key);
const char *cy_index(char *buf, const char *parent, size_t i);

/* Node must be a mapping / sequence / scalar, else an error naming what
 * was expected. */
int cy_expect_map(cy_t *cy, const yaml_node_t *n, const char *field);
int cy_expect_seq(cy_t *cy, const yaml_node_t *n, const char *field);
int cy_expect_scalar(cy_t *cy, const yaml_node_t *n, const char *field);

/* Every key of the mapping must be in known (NULL-terminated) and appear
 * once; otherwise "unknown key 'x' (known keys: a, b, c)" or "key 'x'
 * given twice" at the key's line. */
int cy_check_keys(cy_t *cy, const yaml_node_t *map, const char *field, const char *const *known);

/* The value of key in a mapping, NULL if absent. */
const yaml_node_t *cy_get(cy_t *cy, const yaml_node_t *map, const char *key);
/* Items of a sequence. */
size_t cy_seq_len(const yaml_node_t *seq);
const yaml_node_t *cy_seq_item(cy_t *cy, const yaml_node_t *seq, size_t i);
/* The text of a scalar ("" for other nodes). */
const char *cy_text(const yaml_node_t *n);

/* Scalars, each checked and reported with its field. */
int cy_str(cy_t *cy, const yaml_node_t *n, const char *field, char *out, size_t cap);
int cy_bool(cy_t *cy, const yaml_node_t *n, const char *field, bool *out);
int cy_uint(cy_t *cy, const yaml_node_t *n, const char *field, uint64_t min, uint64_t max,
            uint64_t *out);
int cy_double(cy_t *cy, const yaml_node_t *n, const char *field, double min, double max,
              double *out);
/* One of names (NULL-terminated): *out = its index. */
int cy_enum(cy_t *cy, const yaml_node_t *n, const char *field, const char *const *names,
            unsigned *out);
/* A duration with a unit ("500ms", "10s", "1m", "1h"), at most max_ms. */
int cy_duration_ms(cy_t *cy, const yaml_node_t *n, const char *field, uint64_t max_ms,
                   uint64_t *out);
/* The optional key `key` of map as a duration (ms, at most max_ms) into *out;
 * *out is left alone when the key is absent. The field is named parent.key. */
int cy_opt_duration(cy_t *cy, const yaml_node_t *map, const char *parent, const char *key,
                    uint64_t max_ms, uint32_t *out);
/* A DNP3 link address 0..65519. */
int cy_link_address(cy_t *cy, const yaml_node_t *n, const char *field, uint16_t *out);
/* "HOST:PORT", "[IPv6]:PORT", or a host alone (*port keeps its value). */
int cy_host_port(cy_t *cy, const yaml_node_t *n, const char *field, char *host, size_t hostlen,
                 uint16_t *port);
/* A sequence of CIDR networks ("10.0.0.0/8", "::1"), each checked with
 * dnp3_network_read and copied into out[max][len]. */
int cy_cidr_list(cy_t *cy, const yaml_node_t *n, const char *field, char (*out)[64], size_t max,
                 size_t *count);

#endif
