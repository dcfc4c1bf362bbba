/* The event buffer alone, as the outstation drives it in bench_e2e's
 * unsolicited runs: 1,000 analog inputs in class 1, a buffer of 10,000
 * events, and per round a batch of updates (dnp3_db_begin .. commit), the
 * confirm of the previous response, then a response of 291 events (the
 * g32v1 events a 2048-octet fragment holds) selected in steps as
 * dnp3i_os_write_class_events does, read with dnp3_event_buffer_selected
 * and written.
 *
 * Two cases with the same responses: `room`, 291 events per round (the
 * buffer never fills), and `full`, 582 per round (offered twice what is
 * served: the buffer is full and every event arriving discards the oldest,
 * often one of the response in flight). Run under callgrind for counts
 * that do not move with the machine's load:
 *   valgrind --tool=callgrind build/bench_evbuf room 2000
 *   valgrind --tool=callgrind build/bench_evbuf full 2000
 *   valgrind --tool=callgrind build/bench_evbuf full 2000 200000  (32-bit links)
 * and compare the inclusive cost of dnp3_db_commit per offered event.
 * Without arguments it runs both (200,000 rounds each) and prints
 *   BENCH evbuf.room_ns_per_event <ns> ns
 *   BENCH evbuf.full_ns_per_event <ns> ns
 * (elapsed time per offered event, all work of a round included). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bench_util.h"

#include "dnp3/database.h"

#define POINTS    1000u
#define CAPACITY  10000u /* default; a third argument sets another */
#define PER_RESP  291u
#define STEP_DIV  16u
#define FRAG_ROOM 2048u

typedef struct rig {
    dnp3_db_t *db;
    dnp3_event_buffer_t *eb;
    uint64_t next_value;
    uint8_t seq;
    uint64_t sink;
} rig_t;

static uint32_t capacity = CAPACITY;

static int rig_new(rig_t *r)
{
    memset(r, 0, sizeof *r);
    dnp3_db_config_t dc;
    dnp3_db_config_default(&dc);
    dc.count[DNP3_PT_ANALOG] = POINTS;
    dc.defaults[DNP3_PT_ANALOG].event_class = DNP3_CLASS_1;
    dc.batch_capacity = 4096;
    dnp3_event_buffer_config_t bc;
    dnp3_event_buffer_config_default(&bc);
    bc.class_capacity[0] = capacity;
    if (dnp3_db_new(&dc, &r->db) != 0 || dnp3_event_buffer_new(r->db, &bc, &r->eb) != 0)
        return -1;
    return 0;
}

static void offer(rig_t *r, uint32_t n)
{
    dnp3_db_begin(r->db);
    for (uint32_t i = 0; i < n; i++) {
        uint64_t v = ++r->next_value;
        dnp3_db_update_analog(r->db, (uint32_t)((v - 1) % POINTS), (double)v, 0x01, v);
    }
    dnp3_db_commit(r->db);
}

/* Select in steps of a sixteenth of the room left, as the outstation does;
 * read every selected event; write PER_RESP of them. */
static void respond(rig_t *r)
{
    uint32_t room = FRAG_ROOM, pos = 0;
    while (room >= 7 && pos < PER_RESP) {
        uint32_t step = room / STEP_DIV;
        if (dnp3_event_buffer_select(r->eb, DNP3_CLASS_MASK_ALL, DNP3_TYPE_MASK_ALL,
                                     step ? step : 1) <= 0)
            break;
        uint32_t end = dnp3_event_buffer_selected_count(r->eb);
        for (; pos < end && pos < PER_RESP; pos++) {
            dnp3_event_t ev;
            if (dnp3_event_buffer_selected(r->eb, pos, &ev) == 0)
                r->sink += ev.seq;
            room = room > 7 ? room - 7 : 0;
        }
    }
    dnp3_event_buffer_write(r->eb, pos, r->seq, true);
}

static void round_once(rig_t *r, uint32_t per_round)
{
    offer(r, per_round);
    dnp3_event_buffer_confirm(r->eb, r->seq, true);
    r->seq = (uint8_t)((r->seq + 1) & 15u);
    respond(r);
}

static double run(const char *mode, unsigned rounds, uint64_t *offered)
{
    rig_t r;
    if (rig_new(&r) != 0) {
        fprintf(stderr, "bench_evbuf: setup failed\n");
        exit(1);
    }
    uint32_t per_round = strcmp(mode, "full") == 0 ? 2 * PER_RESP : PER_RESP;
    if (per_round != PER_RESP) {
        for (uint32_t i = 0; i < capacity / 256; i++)
            offer(&r, 256); /* start full */
    }
    double t0 = bench_now_s();
    for (unsigned i = 0; i < rounds; i++)
        round_once(&r, per_round);
    double t = bench_now_s() - t0;
    dnp3_event_buffer_counters_t c;
    dnp3_event_buffer_counters(r.eb, &c);
    printf("%-4s rounds %u offered %llu confirmed %llu discarded %llu held %llu\n", mode, rounds,
           (unsigned long long)c.added[0][DNP3_PT_ANALOG],
           (unsigned long long)c.confirmed[0][DNP3_PT_ANALOG],
           (unsigned long long)c.discarded[0][DNP3_PT_ANALOG],
           (unsigned long long)c.held[0][DNP3_PT_ANALOG]);
    *offered = (uint64_t)rounds * per_round;
    dnp3_event_buffer_free(r.eb);
    dnp3_db_free(r.db);
    return t;
}

int main(int argc, char **argv)
{
    if (argc >= 2) {
        unsigned rounds = argc >= 3 ? (unsigned)strtoul(argv[2], NULL, 10) : 2000u;
        if (argc >= 4)
            capacity = (uint32_t)strtoul(argv[3], NULL, 10);
        uint64_t n;
        run(argv[1], rounds, &n);
        return 0;
    }
    const char *modes[2] = {"room", "full"};
    for (int m = 0; m < 2; m++) {
        uint64_t n;
        double t = run(modes[m], 200000u, &n);
        printf("BENCH evbuf.%s_ns_per_event %.1f ns\n", modes[m], t * 1e9 / (double)n);
    }
    return 0;
}
