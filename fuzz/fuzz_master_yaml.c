/* Fuzz the `dnp3 master` YAML configuration loader
 * (master_conf_load_string, tools/dnp3/master_config*.c) with arbitrary
 * text.
 *
 * Checked: the load returns 0 or -1; a refusal is one clean
 * "fuzz.yaml:LINE: ..." line (fuzz_yaml.h); an accepted file has at least
 * one association, each within its tables (endpoints, range scans), and
 * each becomes a master association configuration that
 * dnp3_master_assoc_new takes or refuses with an error code, never anything
 * worse; nothing leaks. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3/master.h"
#include "fuzz_check.h"
#include "fuzz_yaml.h"
#include "master_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_accepted(const master_conf_t *mc)
{
    CHECK(mc->n_assocs >= 1 && mc->n_assocs <= mc->cap);
    for (size_t i = 0; i < mc->n_assocs; i++) {
        const master_assoc_conf_t *ac = &mc->assocs[i];
        CHECK(ac->n_endpoints <= DNP3_RUNTIME_ENDPOINT_MAX);
        CHECK(ac->n_range_scans <= MASTER_RANGE_SCAN_MAX);
        dnp3_tcp_endpoint_t eps[DNP3_RUNTIME_ENDPOINT_MAX];
        size_t n = master_conf_endpoints(ac, eps);
        CHECK(n >= 1 && n <= DNP3_RUNTIME_ENDPOINT_MAX);
        dnp3_master_config_t cfg;
        master_conf_to_master(ac, &cfg);
        dnp3_master_callbacks_t cb;
        memset(&cb, 0, sizeof cb);
        dnp3_master_assoc_t *a = NULL;
        int rc = dnp3_master_assoc_new(&cfg, &cb, NULL, &a);
        CHECK(rc == 0 ? a != NULL : rc < 0);
        if (a)
            dnp3_master_assoc_free(a);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_yaml_text(data, size);
    if (!text)
        return 0;
    master_conf_t mc;
    master_conf_init(&mc);
    char err[512] = "";
    int rc = master_conf_load_string(FUZZ_YAML_FILE, text, &mc, err, sizeof err);
    CHECK(rc == 0 || rc == -1);
    if (rc == 0)
        check_accepted(&mc);
    else
        fuzz_yaml_check_error(err);
    master_conf_free(&mc);
    free(text);
    return 0;
}
