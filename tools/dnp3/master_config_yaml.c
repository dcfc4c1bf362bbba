/* master_config_yaml: `dnp3 master --config FILE.yaml` (placeholder until
 * the YAML layer, config_yaml.h, is merged). */
#include <stdio.h>

#include "master_config.h"

int master_conf_load(const char *path, master_conf_t *mc, char *msg, size_t msglen)
{
    (void)mc;
    snprintf(msg, msglen, "%s: configuration files are not supported by this build", path);
    return -1;
}
