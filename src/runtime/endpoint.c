/* Addresses: endpoints, CIDR networks for allow-lists, and libuv error codes
 * mapped to the distinct DNP3_E_* codes a user must tell apart. */
#define _DEFAULT_SOURCE
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "runtime/runtime_internal.h"

static const uint8_t V4_MAPPED[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF};

int dnp3_endpoint_format(const dnp3_endpoint_t *ep, char *buf, size_t cap)
{
    if (!ep || !buf)
        return DNP3_E_INVALID_ARG;
    char host[INET6_ADDRSTRLEN];
    int n;
    if (ep->family == 4) {
        inet_ntop(AF_INET, ep->addr, host, sizeof host);
        n = snprintf(buf, cap, "%s:%u", host, (unsigned)ep->port);
    } else if (ep->family == 6) {
        inet_ntop(AF_INET6, ep->addr, host, sizeof host);
        n = snprintf(buf, cap, "[%s]:%u", host, (unsigned)ep->port);
    } else {
        n = snprintf(buf, cap, "?:%u", (unsigned)ep->port);
    }
    if (n < 0 || (size_t)n >= cap)
        return DNP3_E_NOSPACE;
    return n;
}

int dnp3i_endpoint_from_sockaddr(const struct sockaddr *sa, dnp3_endpoint_t *out)
{
    memset(out, 0, sizeof *out);
    if (sa->sa_family == AF_INET) {
        const struct sockaddr_in *in = (const struct sockaddr_in *)(const void *)sa;
        out->family = 4;
        memcpy(out->addr, &in->sin_addr, 4);
        out->port = ntohs(in->sin_port);
        return 0;
    }
    if (sa->sa_family == AF_INET6) {
        const struct sockaddr_in6 *in6 = (const struct sockaddr_in6 *)(const void *)sa;
        const uint8_t *a = (const uint8_t *)&in6->sin6_addr;
        out->port = ntohs(in6->sin6_port);
        if (memcmp(a, V4_MAPPED, sizeof V4_MAPPED) == 0) {
            out->family = 4;
            memcpy(out->addr, a + 12, 4);
        } else {
            out->family = 6;
            memcpy(out->addr, a, 16);
        }
        return 0;
    }
    return DNP3_E_ADDRESS;
}

int dnp3i_sockaddr_from_text(const char *host, uint16_t port, struct sockaddr_storage *out)
{
    memset(out, 0, sizeof *out);
    if (!host)
        return DNP3_E_ADDRESS;
    struct sockaddr_in *in = (struct sockaddr_in *)(void *)out;
    struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)(void *)out;
    if (inet_pton(AF_INET, host, &in->sin_addr) == 1) {
        in->sin_family = AF_INET;
        in->sin_port = htons(port);
        return 0;
    }
    /* "[::1]" as well as "::1". */
    char buf[INET6_ADDRSTRLEN + 2];
    size_t n = strlen(host);
    if (n >= 2 && host[0] == '[' && host[n - 1] == ']' && n - 2 < sizeof buf) {
        memcpy(buf, host + 1, n - 2);
        buf[n - 2] = '\0';
        host = buf;
    }
    if (inet_pton(AF_INET6, host, &in6->sin6_addr) == 1) {
        in6->sin6_family = AF_INET6;
        in6->sin6_port = htons(port);
        return 0;
    }
    return DNP3_E_ADDRESS;
}

int dnp3_network_read(const char *text, dnp3_network_t *out)
{
    if (!text || !out)
        return DNP3_E_INVALID_ARG;
    memset(out, 0, sizeof *out);
    char host[INET6_ADDRSTRLEN + 2];
    const char *slash = strchr(text, '/');
    size_t hlen = slash ? (size_t)(slash - text) : strlen(text);
    if (hlen == 0 || hlen >= sizeof host)
        return DNP3_E_ADDRESS;
    memcpy(host, text, hlen);
    host[hlen] = '\0';
    struct sockaddr_storage ss;
    dnp3_endpoint_t ep;
    if (dnp3i_sockaddr_from_text(host, 1, &ss) ||
        dnp3i_endpoint_from_sockaddr((const struct sockaddr *)&ss, &ep))
        return DNP3_E_ADDRESS;
    unsigned max = ep.family == 4 ? 32u : 128u;
    unsigned prefix = max;
    if (slash) {
        char *end = NULL;
        const char *digits = slash + 1;
        if (*digits < '0' || *digits > '9')
            return DNP3_E_ADDRESS;
        unsigned long v = strtoul(digits, &end, 10);
        if (*end != '\0' || v > max)
            return DNP3_E_ADDRESS;
        prefix = (unsigned)v;
    }
    out->family = ep.family;
    memcpy(out->addr, ep.addr, sizeof out->addr);
    out->prefix = (uint8_t)prefix;
    return 0;
}

bool dnp3_network_contains(const dnp3_network_t *net, const dnp3_endpoint_t *ep)
{
    if (!net || !ep || net->family != ep->family)
        return false;
    unsigned full = net->prefix / 8u, rest = net->prefix % 8u;
    if (memcmp(net->addr, ep->addr, full) != 0)
        return false;
    if (rest == 0)
        return true;
    uint8_t mask = (uint8_t)(0xFFu << (8u - rest));
    return (net->addr[full] & mask) == (ep->addr[full] & mask);
}

int dnp3i_error_from_uv(int uv_code)
{
    switch (uv_code) {
    case 0:
        return 0;
    case UV_ECONNREFUSED:
        return DNP3_E_CONN_REFUSED;
    case UV_ETIMEDOUT:
        return DNP3_E_CONN_TIMEOUT;
    case UV_EHOSTUNREACH:
    case UV_ENETUNREACH:
    case UV_EHOSTDOWN:
    case UV_ENETDOWN:
        return DNP3_E_HOST_UNREACHABLE;
    case UV_EAI_NONAME:
    case UV_EAI_AGAIN:
    case UV_EAI_FAIL:
    case UV_EAI_NODATA:
    case UV_EAI_ADDRFAMILY:
        return DNP3_E_RESOLVE;
    case UV_EADDRINUSE:
        return DNP3_E_ADDR_IN_USE;
    case UV_EACCES:
    case UV_EPERM:
        return DNP3_E_PERMISSION;
    case UV_EADDRNOTAVAIL:
    case UV_EAFNOSUPPORT:
    case UV_EINVAL:
        return DNP3_E_ADDRESS;
    case UV_ECONNRESET:
    case UV_EPIPE:
    case UV_ECONNABORTED:
        return DNP3_E_CONN_RESET;
    case UV_ENOMEM:
    case UV_ENOBUFS:
        return DNP3_E_NOMEM;
    case UV_EMFILE:
    case UV_ENFILE:
        return DNP3_E_NO_FILES;
    default:
        return DNP3_E_IO;
    }
}
