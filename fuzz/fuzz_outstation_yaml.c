/* Fuzz the `dnp3 outstation` YAML configuration loader (osc_load_string,
 * tools/dnp3/outstation_config*.c) with arbitrary text: every key, list and
 * scalar the fuzzer invents, over the defaults.
 *
 * Checked: the load returns 0 or -1; a refusal is one clean
 * "fuzz.yaml:LINE: ..." line (fuzz_yaml.h); an accepted configuration stays
 * within its tables (stations, associations, allow-lists) and each
 * station's database configuration is either taken or refused by
 * dnp3_db_new, never anything worse; nothing leaks (osc_free frees all). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "dnp3/database.h"
#include "fuzz_check.h"
#include "fuzz_yaml.h"
#include "outstation_config.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static void check_accepted(const osc_config_t *c)
{
    CHECK(c->station_count <= OSC_MAX_STATIONS);
    CHECK(c->allow_count <= DNP3_RUNTIME_ALLOW_MAX);
    for (size_t s = 0; s < c->station_count; s++) {
        const osc_station_t *st = &c->stations[s];
        CHECK(st->assoc_count <= OSC_MAX_ASSOCS);
        for (size_t a = 0; a < st->assoc_count; a++)
            CHECK(st->assocs[a].allow_count <= DNP3_OUTSTATION_ALLOW_MAX);
        dnp3_db_t *db = NULL;
        int rc = dnp3_db_new(&st->db, &db);
        CHECK(rc == 0 ? db != NULL : rc < 0);
        dnp3_db_free(db);
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    char *text = fuzz_yaml_text(data, size);
    osc_config_t *c = calloc(1, sizeof *c);
    if (!text || !c) {
        free(text);
        free(c);
        return 0;
    }
    osc_default(c);
    char err[512] = "";
    int rc = osc_load_string(c, FUZZ_YAML_FILE, text, err, sizeof err);
    CHECK(rc == 0 || rc == -1);
    if (rc == 0)
        check_accepted(c);
    else
        fuzz_yaml_check_error(err);
    osc_free(c);
    free(c);
    free(text);
    return 0;
}
