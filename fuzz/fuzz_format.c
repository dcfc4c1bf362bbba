/* Fuzz the formatter (dnp3/format.h) at every decode level.
 *
 * Input: byte 0 = the link control byte for dnp3_format_link, bytes 1..2 =
 * the size of a small output buffer; the rest is both an application
 * fragment and a transport segment (and the link frame's user data).
 *
 * Invariants:
 *  - the result of a fragment is the same at OBJECT_VALUES and through a
 *    bare dnp3_fragment_walk with every callback; at NOTHING and HEADER it
 *    is the same, and is 0 or the header's own error (short, undefined
 *    function);
 *  - the text at a lower level is the text at the level above without the
 *    lines that level adds (HEADER = the first line; OBJECT_HEADERS = the
 *    OBJECT_VALUES text without its point lines, "    [");
 *  - every line ends in '\n'; nothing is written at level NOTHING;
 *  - a small buffer holds a NUL-terminated prefix of the full text, and
 *    says it was cut exactly when the text did not fit.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3/format.h"
#include "fuzz_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define BIG (1u << 20)

static char big[4][BIG];

static size_t text_at(char *buf, const dnp3_decode_level_t *lv, int what, const uint8_t *p,
                      size_t n, const dnp3_link_header_t *h, int *rc, bool *cut, size_t cap)
{
    dnp3_format_buffer_t b;
    dnp3_format_buffer_init(&b, buf, cap);
    dnp3_format_sink_t s = dnp3_format_buffer_sink(&b);
    if (what == 0)
        *rc = dnp3_format_fragment(&s, lv->app, p, n, NULL);
    else if (what == 1)
        *rc = dnp3_format_segment(&s, lv->transport, p, n);
    else
        *rc = dnp3_format_link(&s, lv->link, h, p, n > 250 ? 250 : n);
    CHECK(b.len < cap && buf[b.len] == '\0' && strlen(buf) == b.len);
    *cut = b.truncated;
    return b.len;
}

/* text without the lines that begin with prefix */
static size_t strip_lines(const char *in, const char *prefix, char *out)
{
    size_t k = 0, pl = strlen(prefix);
    while (*in) {
        const char *nl = strchr(in, '\n');
        CHECK(nl != NULL); /* every line ends in '\n' */
        size_t len = (size_t)(nl - in) + 1;
        if (strncmp(in, prefix, pl) != 0) {
            memcpy(out + k, in, len);
            k += len;
        }
        in += len;
    }
    out[k] = '\0';
    return k;
}

static void check_fragment(const uint8_t *p, size_t n, size_t small_cap)
{
    dnp3_decode_level_t lv;
    memset(&lv, 0, sizeof lv);
    int rc[4];
    bool cut;
    size_t len[4];
    for (int a = 0; a < 4; a++) {
        lv.app = (dnp3_app_decode_t)a;
        len[a] = text_at(big[a], &lv, 0, p, n, NULL, &rc[a], &cut, BIG);
        CHECK(!cut);
    }
    CHECK(len[0] == 0);
    CHECK(rc[0] == rc[1]);
    CHECK(rc[1] == 0 || rc[1] == DNP3_E_APP_SHORT || rc[1] == DNP3_E_APP_FUNCTION);
    dnp3_walk_visitor_t none;
    memset(&none, 0, sizeof none);
    CHECK(dnp3_fragment_walk(p, n, &none, NULL) == rc[2]);
    /* HEADER is the first line of OBJECT_HEADERS. */
    CHECK(strncmp(big[1], big[2], len[1]) == 0);
    CHECK(len[1] == len[2] || (len[1] > 0 && big[2][len[1] - 1] == '\n'));
    /* OBJECT_HEADERS is OBJECT_VALUES without its point lines. */
    size_t k = strip_lines(big[3], "    [", big[0]);
    CHECK(k == len[2] && memcmp(big[0], big[2], k) == 0);
    /* A small buffer: a prefix, cut exactly when it did not fit. */
    char small[512];
    int src;
    lv.app = DNP3_APP_DECODE_OBJECT_VALUES;
    size_t sl = text_at(small, &lv, 0, p, n, NULL, &src, &cut, small_cap);
    CHECK(src == rc[3]);
    CHECK(cut == (len[3] >= small_cap));
    CHECK(sl == (cut ? small_cap - 1 : len[3]) && memcmp(small, big[3], sl) == 0);
}

static void check_lower_layers(uint8_t control, const uint8_t *p, size_t n)
{
    dnp3_decode_level_t lv;
    memset(&lv, 0, sizeof lv);
    dnp3_link_header_t h = {(uint8_t)(5 + (n > 250 ? 250 : n)), control, 10, 1};
    int rc[3];
    bool cut;
    size_t len[3];
    for (int l = 0; l < 3; l++) {
        lv.link = (dnp3_link_decode_t)l;
        len[l] = text_at(big[l], &lv, 2, p, n, &h, &rc[l], &cut, BIG);
        CHECK(rc[l] == rc[0] && (rc[l] == 0 || rc[l] == DNP3_E_LINK_FUNCTION));
    }
    CHECK(len[0] == 0 && len[1] > 0 && strncmp(big[1], big[2], len[1]) == 0);
    for (int t = 0; t < 3; t++) {
        lv.transport = (dnp3_transport_decode_t)t;
        len[t] = text_at(big[t], &lv, 1, p, n, NULL, &rc[t], &cut, BIG);
        CHECK(rc[t] == (n ? 0 : DNP3_E_TP_EMPTY));
    }
    CHECK(len[0] == 0 && strncmp(big[1], big[2], len[1]) == 0);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 3)
        return 0;
    uint8_t control = data[0];
    size_t small_cap = 1 + ((size_t)data[1] | (size_t)data[2] << 8) % 511;
    const uint8_t *p = data + 3;
    size_t n = size - 3;
    if (n > 4096)
        n = 4096;
    check_fragment(p, n, small_cap);
    check_lower_layers(control, p, n);
    return 0;
}
