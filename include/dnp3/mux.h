/* dnp3c: the application multiplexer — one connection's channel shared by
 * the application-layer sessions that speak over it.
 *
 * A connection (TCP, later TLS, UDP or serial) carries one byte stream and
 * so one channel (dnp3/channel.h: link + transport). Over it speak one or
 * more application sessions, each identified by a pair of link addresses:
 *   - an outstation association: (outstation address, master address);
 *     a data concentrator hosts several outstations on one connection,
 *     and an outstation may serve several masters (one association each);
 *   - a master association: (master address, outstation address); a
 *     multi-drop master polls several outstations over one connection.
 * The mux routes each received fragment to the session whose pair it
 * names, hands the sessions' fragments to the channel one at a time (round
 * robin, so one busy session cannot starve the others), and reports what
 * no session claimed (frames for a foreign address: the "TCP connects but
 * no data" diagnosis, with both addresses). It is sans-IO like everything
 * under it: bytes and time in, bytes and deadlines out; it implements the
 * runtime's session operations (dnp3/runtime.h) through
 * dnp3_mux_session_ops(), so a runtime connection drives it directly.
 *
 * Sessions plug in through dnp3_app_session_ops_t, the fragment-level
 * interface that the outstation (dnp3/outstation.h) and the master
 * (dnp3/master.h) implement. */
#ifndef DNP3_MUX_H
#define DNP3_MUX_H

#include "dnp3/channel.h"
#include "dnp3/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- the fragment-level session interface ------------------------------ */

/* What the mux tells a session about the connection under it. */
typedef enum dnp3_link_state_event {
    DNP3_LINK_UP,      /* a connection now carries this session */
    DNP3_LINK_DOWN,    /* the connection is gone (closed, reset, keep-alive failed) */
    DNP3_LINK_TX_DONE, /* the fragment last taken from this session is all sent */
    DNP3_LINK_TX_FAILED /* it could not be sent (link-layer confirm failed) */
} dnp3_link_state_event_t;

typedef struct dnp3_app_session_ops {
    /* A fragment from src for dst (this session's local address, the self
     * address 0xFFFC, or a broadcast address 0xFFFD..0xFFFF). data is valid
     * during the call only. */
    void (*on_fragment)(void *s, dnp3_timestamp_t now, uint16_t src, uint16_t dst,
                        const uint8_t *data, size_t len);
    /* The next fragment to send, if any: written into buf (cap is at least
     * the mux's tx fragment size); returns its length, 0 when there is
     * nothing to send now. *dst receives its destination. *confirmed asks
     * for link-layer confirmed user data (rare on TCP; false by default). */
    size_t (*take_fragment)(void *s, dnp3_timestamp_t now, uint8_t *buf, size_t cap,
                            uint16_t *dst, bool *confirmed);
    /* Optional: whether take_fragment has something (NULL: always ask). */
    bool (*want_send)(void *s);
    /* The next time on_timer must run; DNP3_TIMESTAMP_NEVER for none. */
    dnp3_timestamp_t (*next_deadline)(void *s);
    void (*on_timer)(void *s, dnp3_timestamp_t now);
    /* Connection up/down and transmit results (see dnp3_link_state_event_t). */
    void (*on_link_event)(void *s, dnp3_timestamp_t now, dnp3_link_state_event_t ev);
} dnp3_app_session_ops_t;

typedef struct dnp3_app_session {
    const dnp3_app_session_ops_t *ops;
    void *s;
    uint16_t local;  /* our link address in this pair */
    uint16_t remote; /* the peer's link address */
} dnp3_app_session_t;

#ifdef __cplusplus
}
#endif
#endif
