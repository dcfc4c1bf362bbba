/* The runtime's session operations (dnp3/runtime.h) over a mux, so a
 * runtime connection drives it directly: ctx is the dnp3_mux_t. */
#include "mux_internal.h"

static void ops_open(void *ctx, dnp3_conn_t *conn, const dnp3_conn_info_t *info,
                     dnp3_timestamp_t now)
{
    dnp3_mux_t *mux = ctx;
    mux->conn = conn;
    dnp3_mux_on_open(mux, now);
    if (mux->cfg.on_conn_open)
        mux->cfg.on_conn_open(mux->cfg.user, mux, conn, info);
}

static int ops_bytes(void *ctx, dnp3_timestamp_t now, const uint8_t *data, size_t len)
{
    return dnp3_mux_on_bytes(ctx, now, data, len);
}

static int ops_take(void *ctx, dnp3_timestamp_t now, uint8_t *buf, size_t cap)
{
    return dnp3_mux_take_output(ctx, now, buf, cap);
}

static bool ops_want(void *ctx)
{
    return dnp3_mux_want_write(ctx);
}

static dnp3_timestamp_t ops_deadline(void *ctx)
{
    return dnp3_mux_next_deadline(ctx);
}

static int ops_timer(void *ctx, dnp3_timestamp_t now)
{
    return dnp3_mux_on_timer(ctx, now);
}

/* The close hook comes last: the owner may free the mux in it. */
static void ops_close(void *ctx, dnp3_disconnect_reason_t reason)
{
    dnp3_mux_t *mux = ctx;
    dnp3_mux_on_close(mux, mux->now);
    mux->conn = NULL;
    if (mux->cfg.on_conn_close)
        mux->cfg.on_conn_close(mux->cfg.user, mux, reason);
}

static const dnp3_session_ops_t mux_ops = {
    .on_open = ops_open,
    .on_bytes = ops_bytes,
    .take_output = ops_take,
    .want_write = ops_want,
    .next_deadline = ops_deadline,
    .on_timer = ops_timer,
    .on_close = ops_close,
};

const dnp3_session_ops_t *dnp3_mux_session_ops(void)
{
    return &mux_ops;
}
