/* dnp3c: the outstation session core (IEEE 1815-2012 clauses 4 and 5: the
 * outstation's side of the application layer).
 *
 * One dnp3_outstation_t is one association: this outstation's link address
 * and one master's link address, over a database (dnp3/database.h) that may
 * be shared by several associations; each association has its own event
 * buffer, created from the configuration and attached to the database.
 *
 * It is sans-IO: request fragments and the time come in
 * (dnp3_outstation_on_fragment, _on_timer, _on_link_event), response
 * fragments and a deadline come out (dnp3_outstation_take_fragment,
 * _next_deadline). It never reads a clock, does no I/O and takes no lock.
 * A connection's mux (dnp3/mux.h) drives it through the fragment-level
 * interface filled by dnp3_outstation_app_session(); tests call the same
 * functions directly.
 *
 *     dnp3_outstation_config_t cfg;
 *     dnp3_outstation_config_default(&cfg);     // address 10, master 1
 *     dnp3_outstation_callbacks_t cb = {0};
 *     cb.control = my_control;                   // decides every control
 *     dnp3_outstation_t *o;
 *     int rc = dnp3_outstation_new(&cfg, db, &cb, my_ctx, &o);
 *     dnp3_app_session_t s;
 *     dnp3_outstation_app_session(o, &s);        // hand s to the mux
 *
 * What it answers, with which objects and qualifiers, is one const table in
 * the code (src/outstation/conformance.c) that dispatch uses and that
 * docs/CONFORMANCE.md is checked against.
 *
 * Every request is validated whole before any of it is carried out (4.4:
 * an outstation answers an erroneous request with an IIN2 bit), so a
 * malformed request never half-executes.
 *
 * Threading: every function must be called from one thread at a time (the
 * runtime's loop thread); callbacks are called from inside these functions,
 * and must not call back into the same outstation. */
#ifndef DNP3_OUTSTATION_H
#define DNP3_OUTSTATION_H

#include "dnp3/app.h"
#include "dnp3/database.h"
#include "dnp3/format.h"
#include "dnp3/mux.h"
#include "dnp3/runtime.h" /* dnp3_log_level_t only: the core itself does no I/O */
#include "dnp3/types.h"

#ifdef __cplusplus
extern "C" {
#endif

/* ---- configuration --------------------------------------------------------- */

/* Retries without limit (unsolicited_retries). */
#define DNP3_OUTSTATION_RETRIES_UNLIMITED UINT32_MAX

/* Longest device attribute string kept (g0 VSTR, Annex A group 0); longer
 * ones are refused by dnp3_outstation_new. */
#define DNP3_OUTSTATION_ATTR_MAX 64

typedef struct dnp3_outstation_config {
    /* Link addresses of the association (clause 9.2.5.3 / 9.2.5.4). */
    uint16_t local_address;  /* default 10 */
    uint16_t master_address; /* default 1 */
    /* Answer requests to the self address 0xFFFC (default true) and carry
     * out broadcast requests to 0xFFFD-0xFFFF (default true). */
    bool self_address;
    bool broadcast;

    /* Largest request accepted and largest response fragment written (bytes
     * including the application header; 4.2.2.1: 2048 unless agreed). A
     * larger request is counted, logged and answered with IIN2.2. */
    uint32_t max_rx_fragment; /* default 2048 */
    uint32_t max_tx_fragment; /* default 2048, at least 249 */

    /* The association's event buffer (dnp3/database.h). */
    dnp3_event_buffer_config_t events;

    /* Application confirm wait for a solicited response that asked for one
     * (CON: events or a fragment before the last, 4.2.2.4.3). On timeout the
     * response is abandoned and its events return to the buffer. */
    uint32_t confirm_timeout_ms; /* default 5000 */

    /* SELECT ... OPERATE: the OPERATE must come within this time (4.4.3). */
    uint32_t select_timeout_ms; /* default 5000 */
    /* Controls (g12v1 or g41 objects) one request may carry; the ones beyond
     * the limit answer TOO_MANY_OPS and none of the request is carried out. */
    uint16_t max_controls_per_request; /* default 16 */

    /* IIN1.4 NEED_TIME: raised at start-up when need_time_at_start, cleared
     * by a time WRITE (g50v1, or g50v3 after RECORD_CURRENT_TIME), raised
     * again need_time_period_ms after the last write (0: never again). */
    bool need_time_at_start;      /* default true */
    uint32_t need_time_period_ms; /* default 600000 (10 minutes) */

    /* COLD/WARM_RESTART answer the delay as g52v1 (seconds) instead of
     * g52v2 (milliseconds). Default false. */
    bool restart_delay_seconds;

    /* Command events (Annex A groups 13 and 43): one for each control the
     * application decided in OPERATE, DIRECT_OPERATE or DIRECT_OPERATE_NR,
     * with the commanded state or value and the status it answered, in
     * this class (DNP3_CLASS_NONE: none; default DNP3_CLASS_3). Variations
     * with time: g13v2, and for g41v1..v4 the g43 variation of the same
     * value type with time (v3, v4, v7, v8); the time is that of the last
     * time WRITE plus the time elapsed since (0 before any). They are
     * events of the database (dnp3_db_record_command_event): they take
     * their place in the one sequence of events, go to the event buffer of
     * every association of the database (each master sees what the
     * outstation carried out, whoever asked), and are reported in
     * sequence-of-events order with the other events, confirmed, returned
     * and discarded on overflow (IIN2.3, counted) like them.
     * command_event_capacity (default 32; 0: none of its own) is the
     * per-kind capacity (events.type_capacity) of g13 and of g43 in this
     * association's buffer where events.type_capacity leaves them 0. */
    uint8_t command_event_class;
    uint32_t command_event_capacity;

    /* Unsolicited responses (4.6). When enabled the outstation sends the
     * null unsolicited response (IIN1.7) once a link is up, and event data
     * only for the classes the master enabled with ENABLE_UNSOLICITED (or
     * unsolicited_classes_at_start, a class mask, default 0). Events are
     * held up to unsolicited_hold_ms after the first one, or until
     * unsolicited_hold_count are waiting, then sent in one response that
     * asks for a confirm; without a confirm within
     * unsolicited_confirm_timeout_ms it is sent again (same sequence number,
     * 4.6.2), up to unsolicited_retries times (DNP3_OUTSTATION_RETRIES_UNLIMITED:
     * forever), then the events return to the buffer and a new attempt
     * starts after unsolicited_retry_delay_ms. A READ that arrives while a
     * response with events waits for its confirm is answered after the
     * confirm, or at the confirm timeout (no retry then: those events go
     * back to the buffer and the READ reports them), so that the two never
     * report the same events out of order: keep
     * unsolicited_confirm_timeout_ms below the masters' response timeout
     * (5 s by default in dnp3c's master and in opendnp3's), or a master
     * whose confirm was lost times its READ out first. Other requests
     * (controls, time sync) are answered at once. */
    bool unsolicited;                        /* default true */
    uint8_t unsolicited_classes_at_start;    /* DNP3_CLASS_MASK_*, default 0 */
    uint32_t unsolicited_hold_ms;            /* default 1000 */
    uint32_t unsolicited_hold_count;         /* default 10 */
    uint32_t unsolicited_confirm_timeout_ms; /* default 5000 */
    uint32_t unsolicited_retries;            /* default DNP3_OUTSTATION_RETRIES_UNLIMITED */
    uint32_t unsolicited_retry_delay_ms;     /* default 60000 */

    /* Device attributes read through g0 (Annex A group 0, set 0); copied at
     * creation, NULL = empty. Attributes of the points per type and the
     * maximum sizes come from the database and this configuration. */
    const char *device_name;      /* v246 user-assigned ID, default "dnp3c" */
    const char *vendor_name;      /* v252, default "dnp3c" */
    const char *product_name;     /* v250 product name and model, default "dnp3c outstation" */
    const char *software_version; /* v242, default the library version */
    const char *hardware_version; /* v243, default "" */
    const char *location;         /* v245, default "" */
    const char *serial_number;    /* v248, default "" */

    /* Messages above this level are not even formatted (the log callback
     * may filter further). Default DNP3_LOG_INFO. */
    dnp3_log_level_t log_level;
    /* Protocol trace: each fragment received and sent is logged at INFO,
     * formatted at this level (dnp3/format.h: header line, object headers,
     * values), each line prefixed "rx from <master>: " or "tx to <master>: ".
     * Default DNP3_APP_DECODE_NOTHING. */
    dnp3_app_decode_t decode;
} dnp3_outstation_config_t;

/* Fill cfg with the defaults above (events: dnp3_event_buffer_config_default). */
DNP3_API void dnp3_outstation_config_default(dnp3_outstation_config_t *cfg);

/* ---- callbacks ---------------------------------------------------------------- */

/* How a control reached the outstation. */
typedef enum dnp3_control_mode {
    DNP3_CONTROL_SELECT = 0, /* SELECT: check it could be carried out, do not act */
    DNP3_CONTROL_OPERATE,    /* OPERATE of a matching SELECT: act */
    DNP3_CONTROL_DIRECT,     /* DIRECT_OPERATE: act */
    DNP3_CONTROL_DIRECT_NR   /* DIRECT_OPERATE_NR: act, no response */
} dnp3_control_mode_t;

/* One control object of a request. */
typedef struct dnp3_control {
    dnp3_control_mode_t mode;
    uint8_t group, variation; /* 12/1 (CROB) or 41/1..4 (analog output block) */
    uint32_t index;           /* point index: a binary or analog output status index */
    union {
        struct {
            uint8_t code; /* control code: op in bits 0-3, queue, clear, trip/close (Annex A g12) */
            uint8_t count; /* times to repeat */
            uint32_t on_ms, off_ms;
        } crob;
        int32_t analog_int;  /* g41v1, g41v2 */
        double analog_float; /* g41v3, g41v4 (v3 is single precision on the wire) */
    } v;
} dnp3_control_t;

/* What kind of freeze a request asked for (4.4.7 - 4.4.10). */
typedef struct dnp3_freeze {
    uint8_t func;         /* DNP3_FC_IMMED_FREEZE(_NR), FREEZE_CLEAR(_NR), FREEZE_AT_TIME(_NR) */
    uint32_t start, stop; /* counter indices (inclusive) */
    bool at_time;         /* FREEZE_AT_TIME: time and interval are set */
    dnp3_time_t time;     /* g50v2 time of the first freeze (UTC ms) */
    uint32_t interval_ms;
} dnp3_freeze_t;

typedef struct dnp3_outstation_callbacks {
    /* Decide one control (every mode; SELECT only checks). Returns the
     * command status (enum dnp3_command_status: DNP3_CS_SUCCESS to accept).
     * Not called for points that do not exist (NOT_SUPPORTED), in local
     * mode (LOCAL), or beyond max_controls_per_request (TOO_MANY_OPS).
     * NULL: every control answers NOT_SUPPORTED. */
    uint8_t (*control)(void *ctx, const dnp3_control_t *c);
    /* COLD_RESTART (cold true) or WARM_RESTART: return 0 and set *delay_ms
     * to the time until the outstation is available again (the application
     * then restarts after the response is sent), or a negative value to
     * refuse (the request then answers IIN2.0). NULL: refused. */
    int (*restart)(void *ctx, bool cold, uint32_t *delay_ms);
    /* The master set the time: utc_ms was the UTC time at monotonic time
     * `at` (the caller's clock; for the LAN procedure, 5.2.2, the time of the
     * RECORD_CURRENT_TIME request). Return false to refuse (IIN2.2). NULL:
     * accepted and only NEED_TIME is cleared. */
    bool (*time_written)(void *ctx, dnp3_time_t utc_ms, dnp3_timestamp_t at);
    /* A freeze request. The core applies immediate freezes to the database
     * itself (dnp3_db_freeze); FREEZE_AT_TIME with a time in the future is
     * the application's to schedule: return false if it cannot (IIN2.2).
     * NULL: immediate freezes are applied, FREEZE_AT_TIME answers IIN2.0. */
    bool (*freeze)(void *ctx, const dnp3_freeze_t *f);
    /* ASSIGN_CLASS moved points start..stop of a type to a class (already
     * applied to the database). Optional (notification). */
    void (*class_assigned)(void *ctx, dnp3_point_type_t type, uint32_t start, uint32_t stop,
                           uint8_t event_class);
    /* Diagnostics and protocol traces: malformed or too large requests,
     * broadcasts, unsolicited retries, confirm timeouts, overflow, one line
     * per request and response at DEBUG. Optional. */
    void (*log)(void *ctx, dnp3_log_level_t level, const char *msg);
} dnp3_outstation_callbacks_t;

/* ---- life cycle ------------------------------------------------------------------ */

typedef struct dnp3_outstation dnp3_outstation_t;

/* Create an association over db (which must outlive it). cfg and cb are
 * copied (cb may be NULL: no callbacks); ctx is passed to every callback.
 * Creates and attaches the association's event buffer. IIN1.7
 * DEVICE_RESTART is set until the master clears it.
 * Errors: DNP3_E_INVALID_ARG (NULL cfg/db/out, max_tx_fragment below 249,
 * max_rx_fragment below 2, a class above 3, an attribute longer than
 * DNP3_OUTSTATION_ATTR_MAX, an invalid event buffer config),
 * DNP3_E_STATE (a batch is open on db), DNP3_E_NOMEM. */
DNP3_API int dnp3_outstation_new(const dnp3_outstation_config_t *cfg, dnp3_db_t *db,
                                 const dnp3_outstation_callbacks_t *cb, void *ctx,
                                 dnp3_outstation_t **out);
/* The bytes dnp3_outstation_new allocated for o: the session record, the
 * seven attribute strings (their lengths + 1 each), one buffer (the larger
 * of max_tx_fragment and max_rx_fragment: a non-READ request's response,
 * kept for a repeat, or a READ's index lists) and its event buffer
 * (dnp3_event_buffer_memory); not the allocator's own overhead. No copy of
 * the request is kept (a repeated request, 4.4.1, is recognised by its
 * length and a 64-bit hash), and a READ's response and an unsolicited
 * response are written by take_fragment into the caller's buffer (a retry
 * is written again from the same events: the same bytes, 4.6.2). 0 for
 * NULL. */
DNP3_API size_t dnp3_outstation_memory(const dnp3_outstation_t *o);
/* Detach the event buffer and free everything. NULL is ignored. */
DNP3_API void dnp3_outstation_free(dnp3_outstation_t *o);

/* Fill *out with the fragment-level interface for a mux (dnp3/mux.h):
 * ops = the functions below, local/remote = the configured addresses.
 * Errors: DNP3_E_INVALID_ARG (NULL). */
DNP3_API int dnp3_outstation_app_session(dnp3_outstation_t *o, dnp3_app_session_t *out);

/* ---- the sans-IO interface (what the mux calls; tests call it directly) ---- */

/* A fragment from src to dst (the local address, 0xFFFC, or a broadcast
 * address); fragments for other addresses or from another master are
 * counted and ignored. Never fails: errors in the request are answered in
 * the response's IIN2 and counted. */
DNP3_API void dnp3_outstation_on_fragment(dnp3_outstation_t *o, dnp3_timestamp_t now, uint16_t src,
                                          uint16_t dst, const uint8_t *data, size_t len);
/* The next fragment to send (a response, the next fragment of a
 * multi-fragment response once the previous one is confirmed, or an
 * unsolicited response), written into buf; returns its length, 0 for
 * nothing. *dst receives the master address; *confirmed is set false
 * (application confirms, not link confirms). A READ's response is
 * written here, fragment by fragment, from the plan made when the request
 * came (so it reports the data as of this call), and so is an unsolicited
 * response (its events selected now), in at most min(cap,
 * max_tx_fragment) bytes. A cap too small for the fragment (for a READ's
 * or a first unsolicited one: below 249 and below max_tx_fragment; for an
 * unsolicited retry: below its first length) returns 0 and keeps it. */
DNP3_API size_t dnp3_outstation_take_fragment(dnp3_outstation_t *o, dnp3_timestamp_t now,
                                              uint8_t *buf, size_t cap, uint16_t *dst,
                                              bool *confirmed);
/* Whether take_fragment has something now. */
DNP3_API bool dnp3_outstation_want_send(const dnp3_outstation_t *o);
/* The next time dnp3_outstation_on_timer must run (confirm, select,
 * unsolicited hold and retry, NEED_TIME timers); DNP3_TIMESTAMP_NEVER if
 * none. After the application changed the database, the caller asks again:
 * new events may start the unsolicited hold timer (the deadline is then
 * "now", 0). */
DNP3_API dnp3_timestamp_t dnp3_outstation_next_deadline(const dnp3_outstation_t *o);
DNP3_API void dnp3_outstation_on_timer(dnp3_outstation_t *o, dnp3_timestamp_t now);
/* Link up (start: null unsolicited response), down (written events return
 * to the buffer, pending responses and selects are dropped), and transmit
 * results. */
DNP3_API void dnp3_outstation_on_link_event(dnp3_outstation_t *o, dnp3_timestamp_t now,
                                            dnp3_link_state_event_t ev);

/* ---- the application's controls ------------------------------------------------ */

/* IIN bits the application owns: DNP3_IIN_LOCAL_CONTROL (IIN1.5),
 * DNP3_IIN_DEVICE_TROUBLE (IIN1.6), DNP3_IIN_ALREADY_EXECUTING (IIN2.4),
 * DNP3_IIN_CONFIG_CORRUPT (IIN2.5). Sets (on) or clears the bits of mask in
 * every response from now on. Errors: DNP3_E_INVALID_ARG (NULL, or a bit
 * the application does not own in mask). */
DNP3_API int dnp3_outstation_set_iin(dnp3_outstation_t *o, uint16_t mask, bool on);
/* Local mode: every control answers LOCAL (7) without reaching the
 * callback, and IIN1.5 is reported. Errors: DNP3_E_INVALID_ARG (NULL). */
DNP3_API int dnp3_outstation_set_local(dnp3_outstation_t *o, bool local);
/* The IIN the next response would carry (IIN1 << 8 | IIN2) without the
 * per-request error bits. 0 for NULL. */
DNP3_API uint16_t dnp3_outstation_iin(const dnp3_outstation_t *o);
/* The association's event buffer (its counters: dnp3_event_buffer_counters). */
DNP3_API const dnp3_event_buffer_t *dnp3_outstation_event_buffer(const dnp3_outstation_t *o);

/* ---- counters --------------------------------------------------------------------- */

typedef struct dnp3_outstation_counters {
    /* Requests received, by function code (incl. CONFIRM 0), for the codes
     * IEEE 1815-2012 defines (0x00-0x21, 0x81-0x83); every other code is
     * counted in requests_other and its entry here stays 0. */
    uint64_t requests[256];
    uint64_t requests_other;
    uint64_t responses;           /* solicited response fragments sent (a repeat counts) */
    uint64_t repeats;             /* repeated requests answered with the previous response */
    uint64_t unsolicited_sent;    /* unsolicited fragments sent (a retry counts) */
    uint64_t unsolicited_retried; /* of those, retries */
    /* Retries that could not be the same bytes (IEEE 1815-2012 4.6.2): the
     * events of the unconfirmed response changed before the retry (some
     * were discarded by event buffer overflow, which IIN2.3 and the event
     * buffer's counters report), so what was left went out as a new
     * response with the next sequence number. Counted once per such retry,
     * which is also counted in unsolicited_retried. */
    uint64_t unsolicited_retries_replaced;
    uint64_t unsolicited_confirmed;
    uint64_t confirms_timed_out;  /* solicited and unsolicited confirm timeouts */
    uint64_t confirms_unexpected; /* confirms matching nothing we wait for */
    /* Controls answered, by command status, for the statuses 1815-2012
     * defines (0-18, 126, 127: Annex A, group 12); others are counted in
     * controls_other and their entries stay 0. */
    uint64_t controls[128];
    uint64_t controls_other;
    uint64_t malformed;                /* requests that failed to parse */
    uint64_t too_large;                /* requests above max_rx_fragment */
    uint64_t errors_iin;               /* responses carrying IIN2.0-2.2 */
    uint64_t broadcasts;               /* broadcast requests carried out */
    uint64_t wrong_address;            /* fragments from another master, ignored */
    uint64_t events_sent;              /* events written into responses (a resend counts) */
    uint64_t events_confirmed;         /* events removed by a confirm */
    uint64_t command_events;           /* g13/g43 events made by this association's controls */
    uint64_t command_events_discarded; /* g13/g43 events lost to overflow in its buffer */
    uint64_t select_timeouts;          /* OPERATEs that came after the select timeout */
    uint64_t link_up, link_down;
} dnp3_outstation_counters_t;

/* Copy the counters. Errors: DNP3_E_INVALID_ARG (NULL). */
DNP3_API int dnp3_outstation_counters(const dnp3_outstation_t *o, dnp3_outstation_counters_t *out);

#ifdef __cplusplus
}
#endif
#endif
