/* legs_preload: a timeline of one process's socket reads and writes, for
 * bench_legs. Loaded with LD_PRELOAD into bench_latency's outstation and
 * master; it wraps read, recv, write, writev and send, and records the
 * CLOCK_MONOTONIC time at the start and the end of each call that moved
 * more than 8 bytes (an eventfd's 8-byte wake-ups are not traffic), with
 * the DNP3 function code of what was moved. CLOCK_MONOTONIC is one clock
 * for every process of the machine, so the two timelines merge into one.
 *
 * DNP3C_LEGS_OUT=file: where the timeline goes, written at exit (binary
 * legs_event_t records). Without it the wrappers only pass calls through.
 * Nothing here is part of libdnp3c: a measuring instrument for the bench. */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#include "legs_event.h"

#define LEGS_MAX_EVENTS (1u << 21) /* 2 x 2 events per frame: 500,000 frames */

typedef ssize_t (*read_fn)(int, void *, size_t);
typedef ssize_t (*write_fn)(int, const void *, size_t);
typedef ssize_t (*writev_fn)(int, const struct iovec *, int);
typedef ssize_t (*recv_fn)(int, void *, size_t, int);
typedef ssize_t (*send_fn)(int, const void *, size_t, int);

static struct {
    read_fn read;
    write_fn write;
    writev_fn writev;
    recv_fn recv;
    send_fn send;
    legs_event_t *ev;
    size_t n;
    const char *out;
} g;

static uint64_t legs_now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (uint64_t)t.tv_sec * 1000000000u + (uint64_t)t.tv_nsec;
}

/* The application function code of a buffer that starts with a link frame
 * (0x05 0x64, 10-byte header, transport octet, application control). */
static uint8_t legs_fc(const void *p, size_t len)
{
    const uint8_t *b = p;
    return (len >= 13 && b[0] == 0x05 && b[1] == 0x64) ? b[12] : 0xFF;
}

static void legs_record(uint8_t kind, uint64_t start, uint64_t end, uint8_t fc, size_t len)
{
    if (!g.ev || len <= 8 || g.n + 2 > LEGS_MAX_EVENTS)
        return;
    uint32_t l = len > UINT32_MAX ? UINT32_MAX : (uint32_t)len;
    g.ev[g.n++] = (legs_event_t){start, l, kind, fc, {0, 0}};
    g.ev[g.n++] = (legs_event_t){end, l, (uint8_t)(kind + 1), fc, {0, 0}};
}

__attribute__((constructor)) static void legs_init(void)
{
    g.read = (read_fn)dlsym(RTLD_NEXT, "read");
    g.write = (write_fn)dlsym(RTLD_NEXT, "write");
    g.writev = (writev_fn)dlsym(RTLD_NEXT, "writev");
    g.recv = (recv_fn)dlsym(RTLD_NEXT, "recv");
    g.send = (send_fn)dlsym(RTLD_NEXT, "send");
    g.out = getenv("DNP3C_LEGS_OUT");
    if (g.out)
        g.ev = calloc(LEGS_MAX_EVENTS, sizeof *g.ev);
}

__attribute__((destructor)) static void legs_fini(void)
{
    legs_event_t *ev = g.ev;
    g.ev = NULL; /* fwrite's own write is not traffic */
    if (!ev)
        return;
    FILE *f = fopen(g.out, "wb");
    if (!f || fwrite(ev, sizeof *ev, g.n, f) != g.n || fclose(f) != 0)
        fprintf(stderr, "legs_preload: cannot write %s\n", g.out);
    free(ev);
}

ssize_t read(int fd, void *buf, size_t len)
{
    uint64_t t0 = legs_now();
    ssize_t r = g.read(fd, buf, len);
    if (r > 0)
        legs_record(LEGS_READ, t0, legs_now(), legs_fc(buf, (size_t)r), (size_t)r);
    return r;
}

ssize_t recv(int fd, void *buf, size_t len, int flags)
{
    uint64_t t0 = legs_now();
    ssize_t r = g.recv(fd, buf, len, flags);
    if (r > 0)
        legs_record(LEGS_READ, t0, legs_now(), legs_fc(buf, (size_t)r), (size_t)r);
    return r;
}

ssize_t write(int fd, const void *buf, size_t len)
{
    uint64_t t0 = legs_now();
    ssize_t r = g.write(fd, buf, len);
    legs_record(LEGS_WRITE, t0, legs_now(), legs_fc(buf, len), len);
    return r;
}

ssize_t send(int fd, const void *buf, size_t len, int flags)
{
    uint64_t t0 = legs_now();
    ssize_t r = g.send(fd, buf, len, flags);
    legs_record(LEGS_WRITE, t0, legs_now(), legs_fc(buf, len), len);
    return r;
}

ssize_t writev(int fd, const struct iovec *iov, int n)
{
    uint64_t t0 = legs_now();
    ssize_t r = g.writev(fd, iov, n);
    size_t len = 0;
    for (int i = 0; i < n; i++)
        len += iov[i].iov_len;
    uint8_t fc = n > 0 ? legs_fc(iov[0].iov_base, iov[0].iov_len) : 0xFF;
    legs_record(LEGS_WRITE, t0, legs_now(), fc, len);
    return r;
}
