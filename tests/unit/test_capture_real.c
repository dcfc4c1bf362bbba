/* capture, on the shared real captures (../shared/captures or
 * $DNP3C_CAPTURES): every file reads cleanly and delivers exactly the bytes,
 * flows and retransmissions tshark counts. Exits 77 (skipped, with the
 * reason) when the captures are absent; the synthetic tests live in
 * test_capture.c and always run. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dirent.h>
#include <unistd.h>
#include <cmocka.h>

#include "capture.h"
#include "dnp3/types.h"

/* Expected payload bytes on port 20000 (TCP reassembled without
 * retransmissions, plus UDP payload), flows (directions that carry bytes or a
 * SYN: one that only acknowledges makes none) and retransmitted
 * segments, all counted independently with tshark 4.x:
 *   tshark -r F -Y 'tcp.port==20000 && !tcp.analysis.retransmission &&
 *                   !tcp.analysis.spurious_retransmission' -T fields -e tcp.len  (summed)
 *   tshark -r F -Y 'udp.port==20000' -T fields -e udp.length                    (summed - 8 each)
 *   tshark -r F -Y 'tcp.port==20000 || udp.port==20000' -T fields -e ip.src -e ipv6.src
 *          -e tcp.srcport -e udp.srcport -e ip.dst -e ipv6.dst -e tcp.dstport -e udp.dstport
 *          | sort -u | wc -l
 *   tshark -r F -Y 'tcp.analysis.retransmission || tcp.analysis.spurious_retransmission'
 * The ION7550 byte streams were also compared byte for byte with
 * `tshark -q -z follow,tcp,raw,N` (identical). */
static const struct {
    const char *file;
    uint64_t bytes;
    unsigned flows;
    uint64_t retrans_segments;
} REAL[] = {
    {"akekulip_ION7550.pcap", 123834, 4, 49},
    {"akekulip_SEL751.pcap", 43848, 4, 0},
    {"akekulip_multicrob_n128.pcapng", 4050, 2, 0},
    {"dumbled00r_DNP3_ENUMERATE.pcap", 1620, 162, 0},
    {"dumbled00r_REPLAY.pcap", 20186, 200, 0},
    {"dumbled00r_init_data.pcap", 150, 10, 0},
    {"dumbled00r_stop_app.pcap", 60, 4, 0},
    {"dumbled00r_warm_restart.pcap", 150, 10, 0},
    {"iti_assign_class.pcap", 38, 2, 0},
    {"iti_auth_control_challenge_response.pcap", 154, 2, 0},
    {"iti_cold_restart_and_response.pcap", 32, 2, 0},
    {"iti_dataset_exchange.pcap", 604, 2, 0},
    {"iti_direct_operate_analog_output.pcap", 25, 1, 0},
    {"iti_directoperate_and_response.pcap", 72, 2, 0},
    {"iti_disable_unsolcited_and_response.pcap", 41, 2, 0},
    {"iti_file_delete.pcap", 107, 2, 0},
    {"iti_file_read.pcap", 264, 2, 0},
    {"iti_immediate_freeze.pcap", 35, 2, 0},
    {"iti_lan_time_sync.pcap", 74, 2, 0},
    {"iti_operate_aggressive_mode.pcap", 108, 2, 0},
    {"iti_read_and_response.pcap", 354, 2, 0},
    {"iti_select_operate_and_responses.pcap", 144, 2, 0},
    {"iti_unsolcited_response_and_confirm.pcap", 32, 2, 0},
    {"iti_write_binary_output.pcap", 21, 1, 0},
    {"iti_write_iin_and_response.pcap", 38, 2, 0},
    {"opendnp3conf_6.1.2.pcap", 2975, 2, 0},
    {"opendnp3conf_6.6.2.3.pcap", 48, 2, 0},
    {"opendnp3conf_8.11.2.5.pcap", 1354, 8, 0},
    {"opendnp3conf_8.15.2.pcap", 554, 2, 0},
    {"opendnp3conf_8.16.2.2.4.pcap", 273, 2, 0},
    {"opendnp3conf_8.9.2.2.pcap", 7333, 2, 0},
    {"openics_DNP3-Malformed.pcap", 7252, 198, 0},
    {"suricata_dnp3-eve.pcap", 1748, 3, 0}, /* a 4th direction only acknowledges: no flow */
    {"suricata_dnp3-max-points.pcap", 11369, 40, 0},
    {"suricata_dnp3-too-long-reassembly-request.pcap", 18980, 2, 0},
    {"zeek_dnp3-flowbuffer-overflow-assert.pcap", 4812, 2, 0},
    {"zeek_dnp3.pcap", 3172, 18, 0},
    {"zeek_dnp3_del_measure.pcap", 38, 2, 0},
    {"zeek_dnp3_file_write.pcap", 1262, 2, 0},
    {"zeek_dnp3_link_only.pcap", 4409, 2, 0},
    {"zeek_dnp3_read.pcap", 162, 2, 0},
    {"zeek_dnp3_rec_time.pcap", 32, 2, 0},
    {"zeek_dnp3_udp_read.pcap", 4418, 2, 0},
    {"zeek_dnp3_udp_select_operate.pcap", 815, 2, 0},
};

static const char *captures_dir(void)
{
    const char *d = getenv("DNP3C_CAPTURES");
    return d && *d ? d : "../shared/captures";
}

static void test_real_captures(void **state)
{
    (void)state;
    const char *dir = captures_dir();
    unsigned checked = 0;
    for (size_t i = 0; i < sizeof REAL / sizeof REAL[0]; i++) {
        char path[4096];
        snprintf(path, sizeof path, "%s/%s", dir, REAL[i].file);
        if (access(path, R_OK) != 0) {
            printf("  %s: absent, not checked\n", REAL[i].file);
            continue;
        }
        char err[512];
        capture_t *c = capture_open(path, CAP_DEFAULT_PORT, err, sizeof err);
        if (!c)
            fail_msg("%s", err);
        cap_chunk_t ch;
        int rc;
        uint64_t bytes = 0, last_pkt = 0;
        while ((rc = capture_next(c, &ch)) > 0) {
            bytes += ch.len;
            assert_true(ch.packet_no >= 1);
            assert_false(ch.gap_before); /* none of these files misses a segment */
            /* In-order delivery: packet numbers never go back. */
            assert_true(ch.packet_no >= last_pkt);
            last_pkt = ch.packet_no;
        }
        cap_counters_t st;
        capture_get_counters(c, &st);
        if (rc != 0 || bytes != REAL[i].bytes || capture_flow_count(c) != REAL[i].flows ||
            st.retrans_segments != REAL[i].retrans_segments || st.malformed != 0)
            fail_msg("%s: rc %d, %llu bytes (want %llu), %u flows (want %u), %llu retransmitted "
                     "segments (want %llu), %llu malformed",
                     REAL[i].file, rc, (unsigned long long)bytes, (unsigned long long)REAL[i].bytes,
                     capture_flow_count(c), REAL[i].flows, (unsigned long long)st.retrans_segments,
                     (unsigned long long)REAL[i].retrans_segments,
                     (unsigned long long)st.malformed);
        assert_int_equal(st.bytes_delivered, bytes);
        capture_close(c);
        checked++;
    }
    /* Files added since the table was made: they must read to the end
     * without a read error and yield something on port 20000. */
    DIR *d = opendir(dir);
    assert_non_null(d);
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        size_t nl = strlen(e->d_name);
        bool is_cap = (nl > 5 && strcmp(e->d_name + nl - 5, ".pcap") == 0) ||
                      (nl > 7 && strcmp(e->d_name + nl - 7, ".pcapng") == 0);
        bool known = false;
        for (size_t i = 0; i < sizeof REAL / sizeof REAL[0]; i++)
            known = known || strcmp(REAL[i].file, e->d_name) == 0;
        if (!is_cap || known)
            continue;
        char path[4096], err[512];
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        capture_t *c = capture_open(path, CAP_DEFAULT_PORT, err, sizeof err);
        if (!c)
            fail_msg("%s", err);
        cap_chunk_t ch;
        int rc;
        uint64_t bytes = 0;
        while ((rc = capture_next(c, &ch)) > 0)
            bytes += ch.len;
        if (rc != 0 || bytes == 0)
            fail_msg("%s: rc %d (%s), %llu bytes", e->d_name, rc, capture_error(c),
                     (unsigned long long)bytes);
        printf("  %s: not in the table; %llu bytes, %u flows\n", e->d_name,
               (unsigned long long)bytes, capture_flow_count(c));
        capture_close(c);
        checked++;
    }
    closedir(d);
    printf("  %u real captures checked in %s\n", checked, dir);
}

int main(void)
{
    const char *dir = captures_dir();
    if (access(dir, R_OK) != 0) {
        printf("skipped: %s not found (set DNP3C_CAPTURES)\n", dir);
        return 77;
    }
    const struct CMUnitTest real[] = {cmocka_unit_test(test_real_captures)};
    return cmocka_run_group_tests_name("real_captures", real, NULL, NULL);
}
