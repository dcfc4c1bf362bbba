/* master_config: association settings of `dnp3 master` and what they
 * become in the library's configurations. */
#include "master_config.h"

#include <stdlib.h>
#include <string.h>

void master_conf_init(master_conf_t *mc)
{
    memset(mc, 0, sizeof *mc);
}

void master_conf_free(master_conf_t *mc)
{
    free(mc->assocs);
    memset(mc, 0, sizeof *mc);
}

void master_assoc_conf_default(master_assoc_conf_t *ac)
{
    memset(ac, 0, sizeof *ac);
    ac->target.port = STATION_DEFAULT_PORT;
    ac->target.address = 10;
    ac->target.master = 1;
    ac->response_timeout_ms = 5000;
    ac->connect_timeout_ms = 5000;
    ac->integrity_period_ms = 60000;
    ac->backoff_min_ms = 1000;
    ac->backoff_max_ms = 60000;
    ac->link_keepalive_ms = 60000;
    ac->reassembly_timeout_ms = 10000;
    ac->task_retry_min_ms = 5000;
    ac->task_retry_max_ms = 60000;
    ac->comm_lost = DNP3_COMM_LOST_FLAG;
}

int master_conf_add(master_conf_t *mc, const master_assoc_conf_t *ac)
{
    if (mc->n_assocs == mc->cap) {
        size_t cap = mc->cap ? mc->cap * 2 : 8;
        master_assoc_conf_t *p = realloc(mc->assocs, cap * sizeof *p);
        if (!p)
            return -1;
        mc->assocs = p;
        mc->cap = cap;
    }
    mc->assocs[mc->n_assocs++] = *ac;
    return 0;
}

void master_conf_to_master(const master_assoc_conf_t *ac, dnp3_master_config_t *cfg)
{
    dnp3_master_config_default(cfg);
    cfg->master_address = ac->target.master;
    cfg->outstation_address = ac->target.address;
    cfg->response_timeout_ms = ac->response_timeout_ms;
    cfg->integrity_period_ms = ac->integrity_period_ms;
    cfg->task_retry_ms = ac->task_retry_min_ms;
    cfg->task_retry_max_ms = ac->task_retry_max_ms;
    for (int i = 0; i < 3; i++)
        cfg->class_period_ms[i] = ac->class_period_ms[i];
    cfg->range_scans = ac->n_range_scans ? ac->range_scans : NULL;
    cfg->n_range_scans = ac->n_range_scans;
    cfg->unsolicited_classes = ac->unsol_classes;
    cfg->comm_lost_mode = ac->comm_lost;
    cfg->startup_link_reset = ac->link_reset;
    cfg->time_sync_on_need_time = ac->time_sync;
}

void master_conf_to_run(const master_assoc_conf_t *ac, station_run_opts_t *r)
{
    r->response_timeout_ms = ac->response_timeout_ms;
    r->connect_timeout_ms = ac->connect_timeout_ms;
    r->backoff_min_ms = ac->backoff_min_ms;
    r->backoff_max_ms = ac->backoff_max_ms;
    r->link_keepalive_ms = ac->link_keepalive_ms;
    r->reassembly_timeout_ms = ac->reassembly_timeout_ms;
}

size_t master_conf_endpoints(const master_assoc_conf_t *ac,
                             dnp3_tcp_endpoint_t eps[DNP3_RUNTIME_ENDPOINT_MAX])
{
    if (ac->n_endpoints == 0) {
        eps[0].host = ac->target.host;
        eps[0].port = ac->target.port;
        return 1;
    }
    for (size_t i = 0; i < ac->n_endpoints; i++) {
        eps[i].host = ac->hosts[i];
        eps[i].port = ac->ports[i];
    }
    return ac->n_endpoints;
}

void master_conf_pool(const master_conf_t *mc, dnp3_master_pool_config_t *pc)
{
    dnp3_master_pool_config_default(pc);
    dnp3_master_config_t one;
    dnp3_master_config_default(&one);
    uint64_t slots = mc->pool_slots;
    if (slots == 0) {
        /* A master commands a few of its outstations at a time: sharing
         * beats a private pool each once there are more than a few. */
        const uint64_t n = mc->n_assocs ? mc->n_assocs : 1;
        const uint64_t own = n * one.max_queued_tasks;
        slots = n * MASTER_POOL_SLOTS_PER_ASSOC;
        if (slots < MASTER_POOL_SLOTS_MIN)
            slots = MASTER_POOL_SLOTS_MIN;
        if (slots > own)
            slots = own;
        if (slots > MASTER_POOL_SLOTS_MAX)
            slots = MASTER_POOL_SLOTS_MAX;
    }
    uint64_t bytes = mc->pool_bytes ? mc->pool_bytes : slots * MASTER_POOL_BYTES_PER_SLOT;
    pc->max_tasks = (uint32_t)slots;
    pc->max_bytes = (size_t)(bytes > MASTER_POOL_BYTES_MAX ? MASTER_POOL_BYTES_MAX : bytes);
    pc->max_tx_fragment = one.max_tx_fragment;
}
