/* Streaming FT3 frame parser (IEEE 1815-2012 9.2.4).
 *
 * Shape: one scanner, scan(), works over any contiguous run of bytes - the
 * caller's input when a frame lies whole inside it (the fast path: CRCs are
 * checked and user data copied straight from the caller's bytes), or the
 * parser's own buffer when a frame straddles feeds. Every decision is taken
 * by dnp3i_link_frame_check() at fixed checkpoints (3 bytes, 10 bytes, whole
 * frame) and depends only on the bytes, so chunking cannot change the
 * events: the buffer path merely waits until the next checkpoint is filled.
 *
 * Resynchronisation (DISCARD policy): after a failed candidate at offset s
 * the scan resumes at s + 1, so a real frame hidden inside a false start or
 * inside the bytes of a bad frame is found. Those bytes may already sit in
 * buf (consumed by earlier feeds), which is why buf is rescanned before any
 * new input is taken. The failure opens a discarded run that absorbs every
 * byte up to the next 05 64, and the run is reported (one DISCARD event, one
 * counter increment) when that start is found or at finish: every byte ends
 * up in exactly one frame or one run, and they are reported in stream order.
 *
 * A block CRC failure drops the whole frame. The header CRC was good, so
 * LENGTH is trusted for where the frame would end, but a frame with a hole
 * is useless to the transport function above (it has no way to know which
 * bytes are missing), and 9.2.4.2 gives no partial delivery. Rescanning
 * starts at s + 1 all the same: a header CRC can pass by chance (1 in 65536)
 * on noise, and then the "frame" body may hold real frames. */
#include <string.h>

#include "dnp3/link.h"
#include "link/link_internal.h"

void dnp3i_link_parser_init(dnp3_link_parser_state_t *p, dnp3_link_policy_t policy)
{
    memset(p, 0, sizeof *p);
    p->policy = policy;
    p->run_reason = DNP3_OK;
}

void dnp3i_link_parser_reset(dnp3_link_parser_state_t *p)
{
    p->closed = false;
    p->pos = 0;
    p->run_off = 0;
    p->run_len = 0;
    p->run_reason = DNP3_OK;
    p->run_block = 0;
    p->have = 0;
    p->need = 0;
}

static void count_reason(dnp3_link_counters_t *s, int reason)
{
    switch (reason) {
    case DNP3_E_LINK_START:
        s->bad_start++;
        break;
    case DNP3_E_LINK_LENGTH:
        s->bad_length++;
        break;
    case DNP3_E_LINK_HEADER_CRC:
        s->header_crc++;
        break;
    case DNP3_E_LINK_BLOCK_CRC:
        s->block_crc++;
        break;
    case DNP3_E_TRUNCATED:
        s->truncated++;
        break;
    default:
        break;
    }
}

/* Adds len bytes at stream offset off to the pending run, opening one with
 * the given reason if none is pending. */
static void run_add(dnp3_link_parser_state_t *p, uint64_t off, uint64_t len, int reason,
                    unsigned block)
{
    if (p->run_len == 0) {
        p->run_off = off;
        p->run_reason = reason;
        p->run_block = block;
    }
    p->run_len += len;
}

static void run_emit(dnp3_link_parser_state_t *p, dnp3_link_event_t *ev)
{
    ev->kind = DNP3_LINK_EV_DISCARD;
    ev->reason = p->run_reason;
    ev->discarded = (size_t)p->run_len;
    ev->block = p->run_block;
    ev->offset = p->run_off;
    p->counters.discarded_bytes += p->run_len;
    count_reason(&p->counters, p->run_reason);
    p->run_len = 0;
    p->run_reason = DNP3_OK;
    p->run_block = 0;
}

/* Close policy: the framing error at b[at] ends the channel. The event
 * covers b[at..n); feed() extends it over the rest of its input. */
static size_t close_at(dnp3_link_parser_state_t *p, uint64_t base, size_t at, size_t n, int reason,
                       unsigned block, dnp3_link_event_t *ev)
{
    p->closed = true;
    ev->kind = DNP3_LINK_EV_CLOSED;
    ev->reason = reason;
    ev->block = block;
    ev->offset = base + at;
    ev->discarded = n - at;
    count_reason(&p->counters, reason);
    return n;
}

/* Scans b[0..n) (stream offset base) until one event. Returns the bytes
 * decided (consumed). With no event and a return < n, the bytes from the
 * return value on are a candidate frame needing *need bytes in total. With
 * eof, nothing is left undecided: a short candidate is truncated. */
static size_t scan(dnp3_link_parser_state_t *p, uint8_t *user, const uint8_t *b, size_t n,
                   uint64_t base, bool eof, dnp3_link_event_t *ev, size_t *need)
{
    const bool close = p->policy == DNP3_LINK_POLICY_CLOSE;
    size_t i = 0;
    *need = 0;
    while (i < n) {
        if (b[i] != DNP3_LINK_START1) {
            if (close)
                return close_at(p, base, i, n, DNP3_E_LINK_START, 0, ev);
            const uint8_t *q = memchr(b + i + 1, DNP3_LINK_START1, n - i - 1);
            size_t j = q != NULL ? (size_t)(q - b) : n;
            run_add(p, base + i, j - i, DNP3_E_LINK_START, 0);
            i = j;
            continue;
        }
        if (i + 1 == n) {
            if (!eof) {
                *need = 2;
                return i;
            }
            run_add(p, base + i, 1, DNP3_E_LINK_START, 0);
            i++;
            continue;
        }
        if (b[i + 1] != DNP3_LINK_START2) {
            if (close)
                return close_at(p, base, i, n, DNP3_E_LINK_START, 0, ev);
            run_add(p, base + i, 1, DNP3_E_LINK_START, 0);
            i++;
            continue;
        }
        /* 05 64 at b[i]: the pending run ends here. */
        if (p->run_len > 0) {
            run_emit(p, ev);
            return i;
        }
        link_check_info_t info;
        int reason;
        unsigned block = 0;
        switch (dnp3i_link_frame_check(b + i, n - i, user, &ev->frame, &info)) {
        case LINK_CHECK_FRAME:
            ev->kind = DNP3_LINK_EV_FRAME;
            ev->offset = base + i;
            p->counters.frames++;
            return i + info.size;
        case LINK_CHECK_NEED:
            if (!eof) {
                *need = info.need;
                return i;
            }
            reason = DNP3_E_TRUNCATED;
            break;
        default:
            reason = info.reason;
            block = info.block;
            break;
        }
        if (close)
            return close_at(p, base, i, n, reason, block, ev);
        /* Drop the start byte only and rescan from the next one. */
        run_add(p, base + i, 1, reason, block);
        i++;
    }
    if (eof && p->run_len > 0)
        run_emit(p, ev);
    return n;
}

static void clear_event(dnp3_link_event_t *ev)
{
    memset(ev, 0, sizeof *ev);
    ev->kind = DNP3_LINK_EV_NONE;
    ev->reason = DNP3_OK;
}

/* After a CLOSED event: everything else fed in this call goes too. */
static size_t close_rest(dnp3_link_parser_state_t *p, size_t used, size_t len,
                         dnp3_link_event_t *ev)
{
    size_t extra = len - used;
    ev->discarded += extra;
    p->counters.bytes_in += extra;
    p->counters.discarded_bytes += ev->discarded;
    p->pos = ev->offset + ev->discarded;
    p->have = 0;
    p->need = 0;
    return len;
}

size_t dnp3i_link_parser_feed(dnp3_link_parser_state_t *p, uint8_t *user, uint8_t *buf,
                              const uint8_t *data, size_t len, dnp3_link_event_t *ev)
{
    clear_event(ev);
    if (data == NULL)
        len = 0;
    if (p->closed) {
        if (len == 0)
            return 0;
        ev->kind = DNP3_LINK_EV_CLOSED;
        ev->reason = DNP3_E_LINK_CLOSED;
        ev->discarded = len;
        ev->offset = p->pos;
        p->pos += len;
        p->counters.bytes_in += len;
        p->counters.discarded_bytes += len;
        return len;
    }

    size_t used = 0;
    size_t need;
    /* Bytes held from earlier feeds come first: top the candidate up to its
     * next checkpoint, then judge it (and rescan what follows it). */
    while (p->have > 0) {
        if (p->need > p->have) {
            size_t take = p->need - p->have;
            if (take > len - used)
                take = len - used;
            if (take == 0)
                return used; /* input exhausted (data may be NULL) */
            memcpy(buf + p->have, data + used, take);
            p->have += take;
            used += take;
            p->counters.bytes_in += take;
            if (p->have < p->need)
                return used; /* input exhausted */
        }
        size_t u = scan(p, user, buf, p->have, p->pos, false, ev, &need);
        if (ev->kind == DNP3_LINK_EV_CLOSED)
            return close_rest(p, used, len, ev);
        p->have -= u;
        memmove(buf, buf + u, p->have);
        p->pos += u;
        p->need = need;
        if (ev->kind != DNP3_LINK_EV_NONE)
            return used;
    }

    if (used == len)
        return used;
    /* Fast path: scan the caller's bytes in place. */
    size_t u = scan(p, user, data + used, len - used, p->pos, false, ev, &need);
    p->counters.bytes_in += u;
    p->pos += u;
    used += u;
    if (ev->kind == DNP3_LINK_EV_CLOSED)
        return close_rest(p, used, len, ev);
    if (ev->kind == DNP3_LINK_EV_NONE && used < len) {
        /* A candidate runs past the input: hold it (it is shorter than the
         * need, which is at most DNP3_LINK_MAX_FRAME). */
        size_t rest = len - used;
        memcpy(buf, data + used, rest);
        p->have = rest;
        p->need = need;
        p->counters.bytes_in += rest;
        used = len;
    }
    return used;
}

int dnp3i_link_parser_flush_run(dnp3_link_parser_state_t *p, dnp3_link_event_t *ev)
{
    clear_event(ev);
    /* A pending run only ever covers consumed bytes (held bytes start at a
     * 05 the run stops before), so emitting it keeps the stream covered
     * exactly once. */
    if (p->closed || p->run_len == 0)
        return 0;
    run_emit(p, ev);
    return 1;
}

int dnp3i_link_parser_finish(dnp3_link_parser_state_t *p, uint8_t *user, uint8_t *buf,
                             dnp3_link_event_t *ev)
{
    clear_event(ev);
    if (p->closed)
        return 0;
    if (p->policy == DNP3_LINK_POLICY_CLOSE) {
        /* CLOSE never resynchronises: what is held is one partial frame
         * (errors close at once, so no run can be pending). */
        if (p->have == 0)
            return 0;
        /* A lone 05 is no start yet: garbage, as under DISCARD. */
        run_add(p, p->pos, p->have, p->have < 2 ? DNP3_E_LINK_START : DNP3_E_TRUNCATED, 0);
        run_emit(p, ev);
        p->pos += p->have;
        p->have = 0;
        p->need = 0;
        return 1;
    }
    size_t need;
    size_t u = scan(p, user, buf, p->have, p->pos, true, ev, &need);
    p->have -= u;
    memmove(buf, buf + u, p->have);
    p->pos += u;
    p->need = 0;
    return ev->kind != DNP3_LINK_EV_NONE;
}

/* ---- the public parser: its state and its own buffers ---------------------- */

void dnp3_link_parser_init(dnp3_link_parser_t *p, dnp3_link_policy_t policy)
{
    memset(p, 0, sizeof *p);
    dnp3i_link_parser_init(&p->st, policy);
}

void dnp3_link_parser_reset(dnp3_link_parser_t *p)
{
    dnp3i_link_parser_reset(&p->st);
}

bool dnp3_link_parser_closed(const dnp3_link_parser_t *p)
{
    return p->st.closed;
}

size_t dnp3_link_parser_feed(dnp3_link_parser_t *p, const uint8_t *data, size_t len,
                             dnp3_link_event_t *ev)
{
    return dnp3i_link_parser_feed(&p->st, p->user, p->buf, data, len, ev);
}

int dnp3_link_parser_flush_run(dnp3_link_parser_t *p, dnp3_link_event_t *ev)
{
    return dnp3i_link_parser_flush_run(&p->st, ev);
}

int dnp3_link_parser_finish(dnp3_link_parser_t *p, dnp3_link_event_t *ev)
{
    return dnp3i_link_parser_finish(&p->st, p->user, p->buf, ev);
}
