/* opts: the option layer of the dnp3 sub-commands. Every value parser with
 * every message it can give, and the getopt_long loop as a command sees it
 * (abbreviations, --opt=value, --, operands anywhere, usage errors). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "opts.h"

static char msg[256];

/* ---- HOST[:PORT] ---------------------------------------------------------- */

static void host_ok(const char *s, const char *host, uint16_t port)
{
    char h[OPTS_HOST_MAX];
    uint16_t p = 20000;
    assert_int_equal(opts_host_port(s, h, sizeof h, &p, msg, sizeof msg), 0);
    assert_string_equal(h, host);
    assert_int_equal(p, port);
}

static void host_bad(const char *s, const char *want)
{
    char h[OPTS_HOST_MAX];
    uint16_t p = 20000;
    assert_int_equal(opts_host_port(s, h, sizeof h, &p, msg, sizeof msg), -1);
    assert_string_equal(msg, want);
    assert_int_equal(p, 20000); /* untouched on failure */
}

static void test_host_port(void **state)
{
    (void)state;
    host_ok("10.0.0.1", "10.0.0.1", 20000);
    host_ok("10.0.0.1:20001", "10.0.0.1", 20001);
    host_ok("outstation.local:1", "outstation.local", 1);
    host_ok("[::1]:20000", "::1", 20000);
    host_ok("[2001:db8::5]:65535", "2001:db8::5", 65535);
    host_ok("[::1]", "::1", 20000);
    host_ok("::1", "::1", 20000); /* bare IPv6: no port */
    host_ok("2001:db8::5", "2001:db8::5", 20000);
    host_bad("", "no host in '' (HOST[:PORT], [IPv6]:PORT)");
    host_bad(":20000", "no host in ':20000' (HOST[:PORT], [IPv6]:PORT)");
    host_bad("[]:20000", "no host in '[]:20000' (HOST[:PORT], [IPv6]:PORT)");
    host_bad("[::1", "missing ']' in '[::1' (IPv6: [ADDRESS]:PORT)");
    host_bad("[::1]x", "unexpected 'x' after ']' in '[::1]x'");
    host_bad("host:", "port must be a number 1..65535 (got '')");
    host_bad("host:0", "port must be a number 1..65535 (got '0')");
    host_bad("host:65536", "port must be a number 1..65535 (got '65536')");
    host_bad("host:+5", "port must be a number 1..65535 (got '+5')");
    host_bad("[::1]:x", "port must be a number 1..65535 (got 'x')");
    char longhost[300];
    memset(longhost, 'a', sizeof longhost - 1);
    longhost[sizeof longhost - 1] = '\0';
    host_bad(longhost, "host name too long in 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa...'");
    /* A host buffer too small for the name. */
    char tiny[4];
    uint16_t p = 1;
    assert_int_equal(opts_host_port("abcd", tiny, sizeof tiny, &p, msg, sizeof msg), -1);
}

/* ---- ports and link addresses ----------------------------------------------- */

static void test_port(void **state)
{
    (void)state;
    uint16_t p = 0;
    assert_int_equal(opts_port("1", &p, msg, sizeof msg), 0);
    assert_int_equal(p, 1);
    assert_int_equal(opts_port("65535", &p, msg, sizeof msg), 0);
    assert_int_equal(p, 65535);
    const char *bad[] = {"0", "65536", "", "x", "-1", "+1", " 1", "1 ", "20000x", "99999999999"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char want[128];
        snprintf(want, sizeof want, "port must be a number 1..65535 (got '%s')", bad[i]);
        assert_int_equal(opts_port(bad[i], &p, msg, sizeof msg), -1);
        assert_string_equal(msg, want);
    }
    assert_int_equal(p, 65535);
}

static void test_link_address(void **state)
{
    (void)state;
    uint16_t a = 7;
    assert_int_equal(opts_link_address("0", &a, msg, sizeof msg), 0);
    assert_int_equal(a, 0);
    assert_int_equal(opts_link_address("1024", &a, msg, sizeof msg), 0);
    assert_int_equal(a, 1024);
    assert_int_equal(opts_link_address("65519", &a, msg, sizeof msg), 0);
    assert_int_equal(a, 65519);
    assert_int_equal(opts_link_address("65520", &a, msg, sizeof msg), -1);
    assert_string_equal(msg, "link address 65520 is reserved (0xFFF0..0xFFFF are not station "
                             "addresses; use 0..65519)");
    assert_int_equal(opts_link_address("65535", &a, msg, sizeof msg), -1);
    assert_string_equal(msg, "link address 65535 is reserved (0xFFF0..0xFFFF are not station "
                             "addresses; use 0..65519)");
    const char *bad[] = {"65536", "", "-1", "0x10", "1e3", "+4"};
    for (size_t i = 0; i < sizeof bad / sizeof bad[0]; i++) {
        char want[128];
        snprintf(want, sizeof want, "link address must be a number 0..65519 (got '%s')", bad[i]);
        assert_int_equal(opts_link_address(bad[i], &a, msg, sizeof msg), -1);
        assert_string_equal(msg, want);
    }
    assert_int_equal(a, 65519);
}

/* ---- durations and sizes ---------------------------------------------------- */

static void test_duration(void **state)
{
    (void)state;
    uint64_t ms = 0;
    assert_int_equal(opts_duration_ms("500ms", &ms, msg, sizeof msg), 0);
    assert_int_equal(ms, 500);
    assert_int_equal(opts_duration_ms("10s", &ms, msg, sizeof msg), 0);
    assert_int_equal(ms, 10000);
    assert_int_equal(opts_duration_ms("1m", &ms, msg, sizeof msg), 0);
    assert_int_equal(ms, 60000);
    assert_int_equal(opts_duration_ms("1h", &ms, msg, sizeof msg), 0);
    assert_int_equal(ms, 3600000);
    assert_int_equal(opts_duration_ms("0s", &ms, msg, sizeof msg), 0);
    assert_int_equal(ms, 0);
    assert_int_equal(opts_duration_ms("720h", &ms, msg, sizeof msg), 0);
    assert_int_equal(ms, 720ull * 3600000);

    assert_int_equal(opts_duration_ms("10", &ms, msg, sizeof msg), -1);
    assert_string_equal(msg, "duration '10' needs a unit: ms, s, m or h (e.g. 10ms or 10s)");
    assert_int_equal(opts_duration_ms("10sec", &ms, msg, sizeof msg), -1);
    assert_string_equal(msg, "unknown unit 'sec' in duration '10sec' (use ms, s, m or h)");
    assert_int_equal(opts_duration_ms("1.5s", &ms, msg, sizeof msg), -1);
    assert_string_equal(msg, "unknown unit '.5s' in duration '1.5s' (use ms, s, m or h)");
    assert_int_equal(opts_duration_ms("s", &ms, msg, sizeof msg), -1);
    assert_string_equal(msg, "'s' is not a duration (examples: 500ms, 10s, 1m, 1h)");
    assert_int_equal(opts_duration_ms("-1s", &ms, msg, sizeof msg), -1);
    assert_string_equal(msg, "'-1s' is not a duration (examples: 500ms, 10s, 1m, 1h)");
    assert_int_equal(opts_duration_ms("", &ms, msg, sizeof msg), -1);
    assert_string_equal(msg, "'' is not a duration (examples: 500ms, 10s, 1m, 1h)");
    assert_int_equal(opts_duration_ms("721h", &ms, msg, sizeof msg), -1);
    assert_string_equal(msg, "duration '721h' is too long (at most 30 days)");
    assert_int_equal(opts_duration_ms("99999999999999999999ms", &ms, msg, sizeof msg), -1);
    assert_string_equal(
        msg, "'99999999999999999999ms' is not a duration (examples: 500ms, 10s, 1m, 1h)");
    assert_int_equal(ms, 720ull * 3600000);
}

static void test_size(void **state)
{
    (void)state;
    uint64_t b = 0;
    assert_int_equal(opts_size("1048576", &b, msg, sizeof msg), 0);
    assert_int_equal(b, 1048576);
    assert_int_equal(opts_size("512K", &b, msg, sizeof msg), 0);
    assert_int_equal(b, 512u * 1024);
    assert_int_equal(opts_size("64M", &b, msg, sizeof msg), 0);
    assert_int_equal(b, 64u << 20);
    assert_int_equal(opts_size("64MiB", &b, msg, sizeof msg), 0);
    assert_int_equal(b, 64u << 20);
    assert_int_equal(opts_size("1G", &b, msg, sizeof msg), 0);
    assert_int_equal(b, 1u << 30);
    assert_int_equal(opts_size("1024G", &b, msg, sizeof msg), 0);
    assert_int_equal(b, 1ull << 40);
    assert_int_equal(opts_size("1025G", &b, msg, sizeof msg), -1);
    assert_string_equal(msg, "size '1025G' is too large (at most 1024G)");
    assert_int_equal(opts_size("64X", &b, msg, sizeof msg), -1);
    assert_string_equal(msg, "unknown unit 'X' in size '64X' (use K, M or G)");
    assert_int_equal(opts_size("M", &b, msg, sizeof msg), -1);
    assert_string_equal(msg, "'M' is not a size (examples: 64M, 1G, 512K)");
    assert_int_equal(opts_size("-1M", &b, msg, sizeof msg), -1);
    assert_string_equal(msg, "'-1M' is not a size (examples: 64M, 1G, 512K)");
    assert_int_equal(b, 1ull << 40);
}

/* ---- the getopt_long loop --------------------------------------------------------- */

enum { O_APP = OPTS_OWN, O_FILE, O_PORT };
static const struct option own[] = {
    {"app", no_argument, NULL, O_APP},
    {"file", required_argument, NULL, O_FILE},
    {"port", required_argument, NULL, O_PORT},
    {"portable", no_argument, NULL, O_PORT + 1},
    {NULL, 0, NULL, 0},
};

typedef struct parsed {
    int rc; /* 0 or -1 */
    opts_t o;
    const char *file, *port;
    bool app;
    char err[512];
    char *operands[8];
    int noperands;
} parsed_t;

/* Parses a space-separated command line as `dnp3 decode` would. */
static parsed_t *parse(const char *line)
{
    static char buf[512];
    static char *argv[32];
    parsed_t *p = calloc(1, sizeof *p);
    assert_non_null(p);
    snprintf(buf, sizeof buf, "decode %s", line);
    int argc = 0;
    for (char *t = strtok(buf, " "); t && argc < 31; t = strtok(NULL, " "))
        argv[argc++] = t;
    argv[argc] = NULL;
    FILE *err = fmemopen(p->err, sizeof p->err - 1, "w");
    assert_non_null(err);
    opts_begin(&p->o, "decode", OPTS_JSON | OPTS_PCAP, own, "", argc, argv, err);
    const char *v;
    int id;
    while ((id = opts_next(&p->o, &v)) > 0) {
        if (id == O_APP)
            p->app = true;
        else if (id == O_FILE && opts_once(&p->o, &p->file, v, "--file") < 0)
            break;
        else if (id == O_PORT)
            p->port = v;
    }
    p->rc = id > 0 ? -1 : id;
    for (int i = p->o.first_operand; id == 0 && i < argc; i++)
        p->operands[p->noperands++] = argv[i];
    fclose(err);
    return p;
}

static void test_loop(void **state)
{
    (void)state;
    parsed_t *p = parse("--json --pcap x.pcap --port=20001");
    assert_int_equal(p->rc, 0);
    assert_true(p->o.json);
    assert_string_equal(p->o.pcap, "x.pcap");
    assert_string_equal(p->port, "20001");
    assert_int_equal(p->noperands, 0);
    assert_string_equal(p->err, "");
    free(p);

    /* Abbreviations, operands before and after options, "-" is an operand. */
    p = parse("05 --ap 64 --fi=f.bin - --js");
    assert_int_equal(p->rc, 0);
    assert_true(p->app);
    assert_true(p->o.json);
    assert_string_equal(p->file, "f.bin");
    assert_int_equal(p->noperands, 3);
    assert_string_equal(p->operands[0], "05");
    assert_string_equal(p->operands[1], "64");
    assert_string_equal(p->operands[2], "-");
    free(p);

    /* After "--" everything is an operand. */
    p = parse("--app -- --json");
    assert_int_equal(p->rc, 0);
    assert_false(p->o.json);
    assert_int_equal(p->noperands, 1);
    assert_string_equal(p->operands[0], "--json");
    free(p);

    p = parse("-h");
    assert_int_equal(p->rc, 0);
    assert_true(p->o.help);
    free(p);
    p = parse("--help");
    assert_true(p->o.help);
    free(p);
}

static void test_loop_errors(void **state)
{
    (void)state;
    static const struct {
        const char *line, *err;
    } cases[] = {
        {"--bogus",
         "dnp3 decode: unknown or ambiguous option '--bogus' (see dnp3 decode --help)\n"},
        {"-x", "dnp3 decode: unknown or ambiguous option '-x' (see dnp3 decode --help)\n"},
        {"--por 1", "dnp3 decode: unknown or ambiguous option '--por' (see dnp3 decode --help)\n"},
        {"--pcap", "dnp3 decode: --pcap needs a value\n"},
        {"--file", "dnp3 decode: --file needs a value\n"},
        {"--json=yes", "dnp3 decode: --json takes no value (see dnp3 decode --help)\n"},
        {"--pcap a --pcap b", "dnp3 decode: --pcap given twice ('a' and 'b')\n"},
        {"--file a --file=b", "dnp3 decode: --file given twice ('a' and 'b')\n"},
        /* --config is not one of decode's shared options. */
        {"--config c.yaml",
         "dnp3 decode: unknown or ambiguous option '--config' (see dnp3 decode --help)\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        parsed_t *p = parse(cases[i].line);
        assert_int_equal(p->rc, -1);
        assert_string_equal(p->err, cases[i].err);
        free(p);
    }
}

/* The options the coming commands share: --config, --address, --master. */
static void test_shared_station_options(void **state)
{
    (void)state;
    static const struct {
        const char *args;
        int rc;
        const char *err;
    } cases[] = {
        {"--address 10 --master=1 --config c.yaml 127.0.0.1:20000", 0, ""},
        {"--address 65520", -1,
         "dnp3 outstation: --address: link address 65520 is reserved (0xFFF0..0xFFFF are not "
         "station addresses; use 0..65519)\n"},
        {"--master x", -1,
         "dnp3 outstation: --master: link address must be a number 0..65519 (got 'x')\n"},
        {"--address 1 --address 2", -1, "dnp3 outstation: --address given twice\n"},
        {"--config a --config b", -1, "dnp3 outstation: --config given twice ('a' and 'b')\n"},
        {"--address", -1, "dnp3 outstation: --address needs a value\n"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        char line[128], err[256] = "";
        char *argv[16];
        int argc = 0;
        snprintf(line, sizeof line, "outstation %s", cases[i].args);
        for (char *t = strtok(line, " "); t; t = strtok(NULL, " "))
            argv[argc++] = t;
        argv[argc] = NULL;
        FILE *e = fmemopen(err, sizeof err - 1, "w");
        opts_t o;
        opts_begin(&o, "outstation", OPTS_CONFIG | OPTS_ADDRESS | OPTS_MASTER | OPTS_JSON, NULL, "",
                   argc, argv, e);
        const char *v;
        int id;
        while ((id = opts_next(&o, &v)) > 0)
            ;
        fclose(e);
        assert_int_equal(id, cases[i].rc);
        assert_string_equal(err, cases[i].err);
        if (i == 0) {
            assert_true(o.have_address && o.have_master);
            assert_int_equal(o.address, 10);
            assert_int_equal(o.master, 1);
            assert_string_equal(o.config, "c.yaml");
            assert_int_equal(argc - o.first_operand, 1);
            char host[OPTS_HOST_MAX];
            uint16_t port = 20000;
            assert_int_equal(
                opts_host_port(argv[o.first_operand], host, sizeof host, &port, msg, sizeof msg),
                0);
            assert_string_equal(host, "127.0.0.1");
        }
    }
}

static void test_usage_error_line(void **state)
{
    (void)state;
    char buf[128] = "";
    FILE *err = fmemopen(buf, sizeof buf - 1, "w");
    opts_t o;
    char *argv[] = {"objects", NULL};
    opts_begin(&o, "objects", OPTS_CONFIG, NULL, "", 1, argv, err);
    assert_int_equal(opts_usage_error(&o, "'%s' is wrong", "x"), OPTS_EXIT_USAGE);
    fclose(err);
    assert_string_equal(buf, "dnp3 objects: 'x' is wrong\n");
}

/* ---- output checks ------------------------------------------------------------------- */

static void test_finish_output(void **state)
{
    (void)state;
    char ebuf[256] = "";
    FILE *err = fmemopen(ebuf, sizeof ebuf - 1, "w");
    setvbuf(err, NULL, _IONBF, 0);
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        fputs("some output\n", full);
        assert_int_equal(opts_finish_output("help", full, err, 0, 0), 1);
        assert_string_equal(ebuf, "dnp3 help: cannot write output: No space left on device\n");
        fclose(full);
    }
    /* A closed pipe: non-zero, and nothing said. */
    memset(ebuf, 0, sizeof ebuf);
    rewind(err);
    FILE *ok = fopen("/dev/null", "w");
    assert_non_null(ok);
    fputs("x", ok);
    assert_int_equal(opts_finish_output("decode", ok, err, 3, 0), 3);
    assert_false(opts_output_failed(ok));
    fclose(ok);
    int fds[2];
    assert_int_equal(pipe(fds), 0);
    close(fds[0]);
    FILE *w = fdopen(fds[1], "w");
    signal(SIGPIPE, SIG_IGN);
    fputs("x", w);
    assert_int_equal(opts_finish_output("decode", w, err, 0, 0), 1);
    assert_string_equal(ebuf, "");
    fclose(w);
    fclose(err);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_host_port),     cmocka_unit_test(test_port),
        cmocka_unit_test(test_link_address),  cmocka_unit_test(test_duration),
        cmocka_unit_test(test_size),          cmocka_unit_test(test_loop),
        cmocka_unit_test(test_loop_errors),   cmocka_unit_test(test_usage_error_line),
        cmocka_unit_test(test_finish_output), cmocka_unit_test(test_shared_station_options),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
