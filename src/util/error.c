#include "dnp3/types.h"

const char *dnp3_strerror(int code)
{
    switch (code) {
#define DNP3_X_TEXT(name, value, text)                                                             \
    case (value):                                                                                  \
        return (text);
        DNP3_ERROR_TABLE(DNP3_X_TEXT)
#undef DNP3_X_TEXT
    default:
        return code < 0 ? "unknown error" : "success";
    }
}

const char *dnp3_error_name(int code)
{
    switch (code) {
#define DNP3_X_NAME(name, value, text)                                                             \
    case (value):                                                                                  \
        return #name;
        DNP3_ERROR_TABLE(DNP3_X_NAME)
#undef DNP3_X_NAME
    default:
        return "DNP3_E_UNKNOWN";
    }
}
