/* Names for the codes inside free-format objects: file status, mode and
 * type (g70), and the Secure Authentication enumerations (g120; DNP3-FACTS
 * 10). NULL for a code the standard leaves undefined or obsolete. */
#include "dnp3/freeformat.h"

#include <stddef.h>

const char *dnp3_ff_kind_name(uint8_t group, uint8_t variation)
{
    static const char *const g70[9] = {NULL,
                                       NULL,
                                       "file_auth",
                                       "file_command",
                                       "file_command_status",
                                       "file_transport",
                                       "file_transport_status",
                                       "file_descriptor",
                                       "file_spec"};
    static const char *const g120[16] = {NULL,
                                         "sa_challenge",
                                         "sa_reply",
                                         "sa_aggressive_mode",
                                         "sa_key_status_request",
                                         "sa_key_status",
                                         "sa_key_change",
                                         "sa_error",
                                         "sa_user_certificate",
                                         "sa_mac",
                                         "sa_user_status_change",
                                         "sa_update_key_change_request",
                                         "sa_update_key_change_reply",
                                         "sa_update_key_change",
                                         "sa_update_key_change_signature",
                                         "sa_update_key_change_confirmation"};
    if (group == 70 && variation < 9)
        return g70[variation];
    if (group == 120 && variation < 16)
        return g120[variation];
    return NULL;
}

const char *dnp3_file_status_name(uint8_t status)
{
    static const char *const low[10] = {
        "SUCCESS",       "PERMISSION_DENIED", "INVALID_MODE",     "NOT_FOUND", "FILE_LOCKED",
        "TOO_MANY_OPEN", "INVALID_HANDLE",    "WRITE_BLOCK_SIZE", "COMM_LOST", "CANNOT_ABORT"};
    static const char *const high[5] = {"NOT_OPENED", "HANDLE_EXPIRED", "BUFFER_OVERRUN", "FATAL",
                                        "BLOCK_SEQUENCE"};
    if (status < 10)
        return low[status];
    if (status >= 16 && status <= 20)
        return high[status - 16];
    if (status == 255)
        return "UNDEFINED";
    return NULL;
}

const char *dnp3_file_mode_name(uint16_t mode)
{
    static const char *const n[4] = {"NULL", "READ", "WRITE", "APPEND"};
    return mode < 4 ? n[mode] : NULL;
}

const char *dnp3_file_type_name(uint16_t type)
{
    return type == 0 ? "DIRECTORY" : type == 1 ? "FILE" : NULL;
}

const char *dnp3_sa_mac_algo_name(uint8_t algo)
{
    /* 1 is known only to Wireshark (FACTS 10, 11); the standard lists it. */
    static const char *const n[7] = {"NONE",
                                     "HMAC_SHA1_TRUNC4",
                                     "HMAC_SHA1_TRUNC10",
                                     "HMAC_SHA256_TRUNC8",
                                     "HMAC_SHA256_TRUNC16",
                                     "HMAC_SHA1_TRUNC8",
                                     "AES_GMAC"};
    return algo < 7 ? n[algo] : NULL;
}

size_t dnp3_sa_mac_len(uint8_t algo)
{
    static const uint8_t n[7] = {0, 4, 10, 8, 16, 8, 12};
    return algo < 7 ? n[algo] : 0;
}

const char *dnp3_sa_key_status_name(uint8_t status)
{
    static const char *const n[5] = {NULL, "OK", "NOT_INIT", "COMM_FAIL", "AUTH_FAIL"};
    return status < 5 ? n[status] : NULL;
}

const char *dnp3_sa_error_name(uint8_t code)
{
    static const char *const n[13] = {NULL,
                                      "AUTHENTICATION_FAILED",
                                      "UNEXPECTED_RESPONSE",
                                      "NO_RESPONSE",
                                      "AGGRESSIVE_MODE_UNSUPPORTED",
                                      "MAC_ALGO_UNSUPPORTED",
                                      "KEY_WRAP_UNSUPPORTED",
                                      "AUTHORIZATION_FAILED",
                                      "UPDATE_KEY_METHOD_NOT_PERMITTED",
                                      "INVALID_SIGNATURE",
                                      "INVALID_CERTIFICATION_DATA",
                                      "UNKNOWN_USER",
                                      "MAX_SESSION_KEY_STATUS_REQUESTS_EXCEEDED"};
    return code < 13 ? n[code] : NULL;
}

const char *dnp3_sa_key_wrap_name(uint8_t algo)
{
    return algo == 1 ? "AES_128" : algo == 2 ? "AES_256" : NULL;
}

const char *dnp3_sa_key_change_method_name(uint8_t m)
{
    /* 1, 2 and 64-66 are obsolete (Wireshark marks them so): unnamed. */
    switch (m) {
    case 3:
        return "AES_128_SHA1_HMAC";
    case 4:
        return "AES_256_SHA256_HMAC";
    case 5:
        return "AES_256_AES_GMAC";
    case 67:
        return "RSA_1024_DSA_SHA1_HMAC_SHA1";
    case 68:
        return "RSA_2048_DSA_SHA256_HMAC_SHA256";
    case 69:
        return "RSA_3072_DSA_SHA256_HMAC_SHA256";
    case 70:
        return "RSA_2048_DSA_SHA256_AES_GMAC";
    case 71:
        return "RSA_3072_DSA_SHA256_AES_GMAC";
    default:
        return NULL;
    }
}

const char *dnp3_sa_challenge_reason_name(uint8_t r)
{
    return r == 1 ? "CRITICAL" : NULL;
}

const char *dnp3_sa_user_role_name(uint16_t role)
{
    static const char *const n[7] = {"VIEWER",          "OPERATOR",       "ENGINEER",
                                     "INSTALLER",       "SECURITY_ADMIN", "SECURITY_AUDITOR",
                                     "RBAC_MAINTENANCE"};
    if (role < 7)
        return n[role];
    return role == 32768 ? "SINGLE_USER" : NULL;
}

const char *dnp3_sa_user_operation_name(uint8_t op)
{
    static const char *const n[4] = {NULL, "ADD", "DELETE", "CHANGE"};
    return op < 4 ? n[op] : NULL;
}

const char *dnp3_sa_cert_type_name(uint8_t type)
{
    return type == 1 ? "ID_CERTIFICATE" : type == 2 ? "ATTRIBUTE_CERTIFICATE" : NULL;
}
