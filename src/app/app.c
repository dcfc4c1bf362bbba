/* Application layer: function codes, IIN, command status, the application
 * header, qualifiers and which headers carry object data (IEEE 1815-2012
 * clause 4.2.2). */
#include "app/app_internal.h"

const char *dnp3_fc_name(uint8_t fc)
{
    static const char *const req[0x22] = {
        "CONFIRM",
        "READ",
        "WRITE",
        "SELECT",
        "OPERATE",
        "DIRECT_OPERATE",
        "DIRECT_OPERATE_NR",
        "IMMED_FREEZE",
        "IMMED_FREEZE_NR",
        "FREEZE_CLEAR",
        "FREEZE_CLEAR_NR",
        "FREEZE_AT_TIME",
        "FREEZE_AT_TIME_NR",
        "COLD_RESTART",
        "WARM_RESTART",
        "INITIALIZE_DATA",
        "INITIALIZE_APPL",
        "START_APPL",
        "STOP_APPL",
        "SAVE_CONFIG",
        "ENABLE_UNSOLICITED",
        "DISABLE_UNSOLICITED",
        "ASSIGN_CLASS",
        "DELAY_MEASURE",
        "RECORD_CURRENT_TIME",
        "OPEN_FILE",
        "CLOSE_FILE",
        "DELETE_FILE",
        "GET_FILE_INFO",
        "AUTHENTICATE_FILE",
        "ABORT_FILE",
        "ACTIVATE_CONFIG",
        "AUTHENTICATE_REQ",
        "AUTH_REQ_NO_ACK",
    };
    if (fc < 0x22)
        return req[fc];
    switch (fc) {
    case DNP3_FC_RESPONSE:
        return "RESPONSE";
    case DNP3_FC_UNSOLICITED_RESPONSE:
        return "UNSOLICITED_RESPONSE";
    case DNP3_FC_AUTH_RESPONSE:
        return "AUTHENTICATE_RESP";
    default:
        return NULL;
    }
}

bool dnp3_fc_is_response(uint8_t fc)
{
    return fc >= DNP3_FC_RESPONSE && fc <= DNP3_FC_AUTH_RESPONSE;
}

bool dnp3_fc_is_defined(uint8_t fc)
{
    return dnp3_fc_name(fc) != NULL;
}

const char *dnp3_iin_bit_name(unsigned bit)
{
    static const char *const names[16] = {
        "BROADCAST",         "CLASS_1_EVENTS",  "CLASS_2_EVENTS",
        "CLASS_3_EVENTS",    "NEED_TIME",       "LOCAL_CONTROL",
        "DEVICE_TROUBLE",    "DEVICE_RESTART",  "NO_FUNC_CODE_SUPPORT",
        "OBJECT_UNKNOWN",    "PARAMETER_ERROR", "EVENT_BUFFER_OVERFLOW",
        "ALREADY_EXECUTING", "CONFIG_CORRUPT",  "RESERVED_2_6",
        "RESERVED_2_7",
    };
    return bit < 16 ? names[bit] : NULL;
}

const char *dnp3_command_status_name(uint8_t status)
{
    static const char *const names[19] = {
        "SUCCESS",
        "TIMEOUT",
        "NO_SELECT",
        "FORMAT_ERROR",
        "NOT_SUPPORTED",
        "ALREADY_ACTIVE",
        "HARDWARE_ERROR",
        "LOCAL",
        "TOO_MANY_OPS",
        "NOT_AUTHORIZED",
        "AUTOMATION_INHIBIT",
        "PROCESSING_LIMITED",
        "OUT_OF_RANGE",
        "DOWNSTREAM_LOCAL",
        "ALREADY_COMPLETE",
        "BLOCKED",
        "CANCELLED",
        "BLOCKED_OTHER_MASTER",
        "DOWNSTREAM_FAIL",
    };
    status &= 0x7F; /* bit 7 is reserved (FACTS 7.3) */
    if (status < 19)
        return names[status];
    if (status == DNP3_CS_NON_PARTICIPATING)
        return "NON_PARTICIPATING";
    if (status == DNP3_CS_UNDEFINED)
        return "UNDEFINED";
    return NULL;
}

int dnp3_app_header_read(const uint8_t *frag, size_t len, dnp3_app_header_t *h)
{
    if (!frag || !h)
        return DNP3_E_INVALID_ARG;
    memset(h, 0, sizeof *h);
    if (len < 2)
        return DNP3_E_APP_SHORT;
    h->control = frag[0];
    h->func = frag[1];
    if (dnp3_fc_is_response(h->func)) {
        if (len < 4)
            return DNP3_E_APP_SHORT;
        h->has_iin = true;
        h->iin = (uint16_t)((frag[2] << 8) | frag[3]);
        return 4;
    }
    return 2;
}

int dnp3_qualifier_check(uint8_t q)
{
    /* The range codes each prefix code may be paired with (bit r: range r):
     * bit 7 of q is reserved (4.2.2.7.3), prefix 7 and ranges 0xA, 0xC-0xF
     * are reserved, "all objects" (6) has nothing to prefix, and
     * free-format objects (0xB) are sized by their size prefix (4-6). */
    static const uint16_t ranges[8] = {0x03FF, 0x03BF, 0x03BF, 0x03BF, 0x0BBF, 0x0BBF, 0x0BBF, 0};
    if (q & 0x80 || !((ranges[DNP3_QUAL_PREFIX(q)] >> DNP3_QUAL_RANGE(q)) & 1u))
        return DNP3_E_APP_QUALIFIER;
    return DNP3_OK;
}

int dnp3_qualifier_range_size(uint8_t q)
{
    static const int8_t sizes[16] = {2, 4, 8, 1, 2, 4, 0, 1, 2, 4, -1, 1, -1, -1, -1, -1};
    if (dnp3_qualifier_check(q) != DNP3_OK)
        return -1;
    return sizes[DNP3_QUAL_RANGE(q)];
}

int dnp3_qualifier_prefix_size(uint8_t q)
{
    static const int8_t sizes[8] = {0, 1, 2, 4, 1, 2, 4, -1};
    if (dnp3_qualifier_check(q) != DNP3_OK)
        return -1;
    return sizes[DNP3_QUAL_PREFIX(q)];
}

/* Functions whose objects carry values (4.2.2.5): responses and WRITE,
 * SELECT, OPERATE, DIRECT_OPERATE(_NR), the file requests 0x19-0x1E,
 * ACTIVATE_CONFIG, the two AUTH requests, and FREEZE_AT_TIME(_NR) for its g50
 * time object. */
static bool fc_carries_values(uint8_t func, uint8_t group)
{
    if (dnp3_fc_is_response(func))
        return true;
    switch (func) {
    case DNP3_FC_WRITE:
    case DNP3_FC_SELECT:
    case DNP3_FC_OPERATE:
    case DNP3_FC_DIRECT_OPERATE:
    case DNP3_FC_DIRECT_OPERATE_NR:
    case DNP3_FC_OPEN_FILE:
    case DNP3_FC_CLOSE_FILE:
    case DNP3_FC_DELETE_FILE:
    case DNP3_FC_GET_FILE_INFO:
    case DNP3_FC_AUTHENTICATE_FILE:
    case DNP3_FC_ABORT_FILE:
    case DNP3_FC_ACTIVATE_CONFIG:
    case DNP3_FC_AUTH_REQUEST:
    case DNP3_FC_AUTH_REQUEST_NO_ACK:
        return true;
    case DNP3_FC_FREEZE_AT_TIME:
    case DNP3_FC_FREEZE_AT_TIME_NR:
        return group == 50;
    default:
        return false;
    }
}

bool dnp3_app_var0_allowed(uint8_t func, uint8_t group)
{
    return !fc_carries_values(func, group);
}

/* Which headers carry objects (4.2.2.7 and the function code descriptions
 * of 4.2.2.5), checked against the shared captures:
 *  - never with qualifier 0x06, variation 0, g60 class objects, g0v254, or
 *    any line of the table whose size kind is NONE;
 *  - always when the qualifier has a size prefix: those objects describe
 *    their own length (READ g70v5 0x5B in file transfer, g90 in START_APPL);
 *  - g120 always (an aggressive-mode g120v3 / g120v9 rides on any request);
 *  - responses and WRITE, SELECT, OPERATE, DIRECT_OPERATE(_NR), the file
 *    requests 0x19-0x1E, ACTIVATE_CONFIG and the two AUTH requests;
 *  - FREEZE_AT_TIME(_NR) only for its g50 time object;
 *  - nothing else (READ, CONFIRM, freezes, restarts, class assignment,
 *    (en|dis)able unsolicited, delay measure, record time, ...). */
bool dnp3_app_obj_has_data(uint8_t func, uint8_t group, uint8_t variation, uint8_t qualifier)
{
    if (DNP3_QUAL_RANGE(qualifier) == DNP3_RANGE_ALL || variation == 0)
        return false;
    return dnp3i_app_obj_has_data(func, group, variation, qualifier,
                                  dnp3_obj_lookup(group, variation));
}

bool dnp3i_app_obj_has_data(uint8_t func, uint8_t group, uint8_t variation, uint8_t qualifier,
                            const dnp3_obj_info_t *info)
{
    uint8_t prefix = DNP3_QUAL_PREFIX(qualifier);
    if (DNP3_QUAL_RANGE(qualifier) == DNP3_RANGE_ALL || variation == 0)
        return false;
    if (info && info->size_kind == DNP3_SK_NONE)
        return false;
    if (prefix >= DNP3_PREFIX_SIZE8 && prefix <= DNP3_PREFIX_SIZE32)
        return true;
    if (group == 120)
        return true;
    return fc_carries_values(func, group);
}
