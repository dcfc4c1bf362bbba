/* dnp3c: common types and error codes.
 *
 * Every fallible function returns an int: 0 (DNP3_OK) or a non-negative
 * count on success, a negative DNP3_E_* code on failure. dnp3_strerror()
 * turns any code into a one-line message. */
#ifndef DNP3_TYPES_H
#define DNP3_TYPES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Marks the public API: the shared library is built with hidden visibility,
 * so only what carries DNP3_API is exported (internal helpers stay private
 * even though they are not static). */
#if defined(__GNUC__) || defined(__clang__)
#define DNP3_API __attribute__((visibility("default")))
#else
#define DNP3_API
#endif

/* One table gives the enum and the messages (src/util/error.c), so a code
 * can never exist without its text. Codes are grouped by layer; numbers are
 * part of the ABI and are never reused. Retired (returned by nothing):
 * -41 (CTO), -60..-64 (captures: the tool's own now). */
#define DNP3_ERROR_TABLE(X)                                                                        \
    X(DNP3_OK, 0, "success")                                                                       \
    X(DNP3_E_INVALID_ARG, -1, "invalid argument")                                                  \
    X(DNP3_E_NOSPACE, -2, "output buffer too small")                                               \
    X(DNP3_E_TRUNCATED, -3, "input ends before the structure is complete")                         \
    X(DNP3_E_UNSUPPORTED, -4, "not supported")                                                     \
    X(DNP3_E_IO, -5, "input/output error")                                                         \
    X(DNP3_E_FORMAT, -6, "malformed input")                                                        \
    X(DNP3_E_NOMEM, -7, "out of memory")                                                           \
    X(DNP3_E_STATE, -8, "call not valid in the object's current state")                            \
    X(DNP3_E_CAPACITY, -9, "capacity above the supported maximum")                                 \
    /* link layer (IEEE 1815-2012 clause 9) */                                                     \
    X(DNP3_E_LINK_START, -10, "link: bytes before a 0x05 0x64 start sequence")                     \
    X(DNP3_E_LINK_LENGTH, -11, "link: LENGTH field below 5")                                       \
    X(DNP3_E_LINK_HEADER_CRC, -12, "link: header CRC mismatch")                                    \
    X(DNP3_E_LINK_BLOCK_CRC, -13, "link: user data block CRC mismatch")                            \
    X(DNP3_E_LINK_CLOSED, -14, "link: channel closed after a framing error (close policy)")        \
    X(DNP3_E_LINK_USER_DATA, -15, "link: user data longer than 250 bytes")                         \
    X(DNP3_E_LINK_FUNCTION, -16, "link: undefined function code")                                  \
    X(DNP3_E_LINK_KEEPALIVE, -17, "link: keep-alive unanswered (peer silent or gone)")             \
    X(DNP3_E_LINK_SILENT, -18, "link: no valid frame from the peer in time after connecting")      \
    X(DNP3_E_LINK_STALLED, -19, "link: partial frame left incomplete for too long")                \
    /* transport function (clause 8) */                                                            \
    X(DNP3_E_TP_EMPTY, -20, "transport: segment has no header byte")                               \
    X(DNP3_E_TP_NO_FIR, -21, "transport: non-FIR segment with no fragment in progress")            \
    X(DNP3_E_TP_SEQUENCE, -22, "transport: segment out of sequence")                               \
    X(DNP3_E_TP_OVERFLOW, -23, "transport: fragment exceeds the maximum fragment size")            \
    X(DNP3_E_TP_ADDRESS, -24, "transport: segment from another address than the fragment")         \
    X(DNP3_E_TP_FIR_RESTART, -25, "transport: FIR segment discarded an unfinished fragment")       \
    X(DNP3_E_TP_DUPLICATE, -26, "transport: repeated segment (same sequence number) discarded")    \
    X(DNP3_E_TP_POOL_EMPTY, -27, "transport: no fragment buffer free in the pool")                 \
    X(DNP3_E_TP_TIMEOUT, -28, "transport: fragment not completed within the reassembly timeout")   \
    /* application layer (clause 4) */                                                             \
    X(DNP3_E_APP_SHORT, -30, "app: fragment shorter than its header")                              \
    X(DNP3_E_APP_FUNCTION, -31, "app: unknown function code")                                      \
    X(DNP3_E_APP_QUALIFIER, -32, "app: reserved or invalid qualifier code")                        \
    X(DNP3_E_APP_RANGE, -33, "app: range stop below start (or a g0 start unlike its stop)")        \
    X(DNP3_E_APP_OBJECT_UNKNOWN, -34, "app: unknown object group/variation")                       \
    X(DNP3_E_APP_OBJECT_DATA, -35, "app: object data runs past the end of the fragment")           \
    X(DNP3_E_APP_HEADER_TRUNCATED, -36, "app: object header runs past the end of the fragment")    \
    X(DNP3_E_APP_QUALIFIER_OBJECT, -37, "app: qualifier not valid for this object")                \
    X(DNP3_E_APP_COUNT, -38, "app: object count is zero or too large")                             \
    X(DNP3_E_APP_ATTRIBUTE, -39, "app: malformed device attribute")                                \
    X(DNP3_E_APP_FREE_FORMAT, -40, "app: malformed free-format object")                            \
    X(DNP3_E_APP_VALUE, -42, "app: value does not fit the object variation")                       \
    X(DNP3_E_APP_STATE, -43, "app: writer call out of order")                                      \
    X(DNP3_E_APP_VARIATION, -44, "app: variation 0 (any) where the objects must carry values")     \
    /* runtime (network I/O, src/runtime) */                                                       \
    X(DNP3_E_CONN_REFUSED, -70, "connection refused (nothing listening on that port)")             \
    X(DNP3_E_CONN_TIMEOUT, -71, "connect timed out (no answer: host down or packets dropped)")     \
    X(DNP3_E_HOST_UNREACHABLE, -72, "host or network unreachable")                                 \
    X(DNP3_E_RESOLVE, -73, "host name could not be resolved")                                      \
    X(DNP3_E_ADDR_IN_USE, -74, "address already in use")                                           \
    X(DNP3_E_PERMISSION, -75, "permission denied (a port below 1024 needs privileges)")            \
    X(DNP3_E_ADDRESS, -76, "bad network address")                                                  \
    X(DNP3_E_CONN_RESET, -77, "connection reset by peer")                                          \
    X(DNP3_E_QUEUE_FULL, -78, "queue full")                                                        \
    X(DNP3_E_STOPPED, -79, "runtime stopped")                                                      \
    X(DNP3_E_NO_FILES, -80, "no file descriptor left (open file limit, RLIMIT_NOFILE, reached)")   \
    X(DNP3_E_POOL_EXHAUSTED, -81, "shared pool exhausted (its configured total is in use)")

typedef enum dnp3_error {
#define DNP3_X_ENUM(name, value, text) name = (value),
    DNP3_ERROR_TABLE(DNP3_X_ENUM)
#undef DNP3_X_ENUM
} dnp3_error_t;

/* Message for any DNP3_E_* code (or DNP3_OK); never NULL, never allocates. */
DNP3_API const char *dnp3_strerror(int code);

/* Symbolic name of a code ("DNP3_E_LINK_HEADER_CRC"); "DNP3_E_UNKNOWN" if none. */
DNP3_API const char *dnp3_error_name(int code);

/* A parse diagnostic: what went wrong and where (byte offset into the input
 * the parser was given). */
typedef struct dnp3_diag {
    int code;      /* DNP3_E_* */
    size_t offset; /* byte offset of the offending field */
} dnp3_diag_t;

/* DNP3 absolute time: milliseconds since 1970-01-01T00:00:00Z in 48 bits
 * (IEEE 1815-2012 11.9.4 DNP3TIME). Held in a uint64_t. */
typedef uint64_t dnp3_time_t;
#define DNP3_TIME_MAX ((dnp3_time_t)0xFFFFFFFFFFFFull)

/* Session time: a monotonic clock in milliseconds, from any origin the
 * caller picks (CLOCK_MONOTONIC in the runtime, a counter in tests). The
 * core never reads a clock: every session call that depends on time takes
 * "now" as a dnp3_timestamp_t, and reports its next deadline in the same
 * unit, DNP3_TIMESTAMP_NEVER when nothing is pending (as ngtcp2's expiry). */
typedef uint64_t dnp3_timestamp_t;
#define DNP3_TIMESTAMP_NEVER UINT64_MAX

/* Earlier of two deadlines (NEVER is later than every time). */
static inline dnp3_timestamp_t dnp3_timestamp_min(dnp3_timestamp_t a, dnp3_timestamp_t b)
{
    return a < b ? a : b;
}

#ifdef __cplusplus
}
#endif
#endif
