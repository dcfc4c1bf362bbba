/* dnp3_log_syslog: each level goes to syslog(3) at its priority (ERROR ->
 * LOG_ERR, WARN -> LOG_WARNING, INFO -> LOG_INFO, DEBUG -> LOG_DEBUG; a
 * level out of range -> LOG_DEBUG) with the message as it is, never as a
 * format (a '%' in a peer's name stays a '%'). This program defines
 * syslog() itself: the library's call lands here, not in a daemon. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>
#include <cmocka.h>

#include "dnp3/runtime.h"

static int got_priority = -1;
static char got_line[256];
static int calls;

static void record(int priority, const char *fmt, va_list ap)
{
    got_priority = priority;
    vsnprintf(got_line, sizeof got_line, fmt, ap);
    calls++;
}

void syslog(int priority, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    record(priority, fmt, ap);
    va_end(ap);
}

/* What a fortified build calls instead (_FORTIFY_SOURCE). */
void __syslog_chk(int priority, int flag, const char *fmt, ...);
void __syslog_chk(int priority, int flag, const char *fmt, ...)
{
    (void)flag;
    va_list ap;
    va_start(ap, fmt);
    record(priority, fmt, ap);
    va_end(ap);
}

static void expect(dnp3_log_level_t level, const char *msg, int priority, const char *line)
{
    int before = calls;
    dnp3_log_syslog(NULL, level, msg);
    assert_int_equal(calls, before + 1);
    assert_int_equal(got_priority, priority);
    assert_string_equal(got_line, line);
}

static void levels_map_to_priorities(void **state)
{
    (void)state;
    expect(DNP3_LOG_ERROR, "conn 3: closed", LOG_ERR, "conn 3: closed");
    expect(DNP3_LOG_WARN, "frame for address 11 from 1", LOG_WARNING,
           "frame for address 11 from 1");
    expect(DNP3_LOG_INFO, "listening", LOG_INFO, "listening");
    expect(DNP3_LOG_DEBUG, "tx 05 64", LOG_DEBUG, "tx 05 64");
    expect((dnp3_log_level_t)7, "odd level", LOG_DEBUG, "odd level");
}

static void message_is_not_a_format(void **state)
{
    (void)state;
    expect(DNP3_LOG_WARN, "station %s%n 100%", LOG_WARNING, "station %s%n 100%");
    expect(DNP3_LOG_INFO, NULL, LOG_INFO, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(levels_map_to_priorities),
        cmocka_unit_test(message_is_not_a_format),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
