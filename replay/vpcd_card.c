/*
 * vpcd_card: plug an emulated card into vsmartcard's vpcd reader driver (see vpcd_card.h).
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include "vpcd_card.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define LOG_PREFIX "vpcd_card: "
#define POLL_SLICE_MS 200  /* how often a blocked read looks at *stop */
#define RETRY_MS 100       /* pause between connection attempts */
#define HDR_LEN 2u
#define LOOPBACK_TEXT "127.0.0.0/8, ::1"

/* Control bytes vpcd sends as 1-byte messages. */
enum { VPCD_CTRL_OFF = 0, VPCD_CTRL_ON = 1, VPCD_CTRL_RESET = 2, VPCD_CTRL_ATR = 4 };

/* Outcome of a bounded read or write. */
enum io_result { IO_OK = 0, IO_EOF = 1, IO_STOP = 2, IO_ERR = -1 };

struct endpoint {
    struct sockaddr_storage addr;
    socklen_t len;
    char text[INET6_ADDRSTRLEN + 8]; /* "host" or "[host]" for messages */
};

static int stop_requested(volatile int *stop)
{
    return stop != NULL && *stop != 0;
}

static int64_t monotonic_ms(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0) {
        return 0;
    }
    return (int64_t)ts.tv_sec * 1000 + (int64_t)(ts.tv_nsec / 1000000);
}

static void sleep_ms(int64_t ms)
{
    struct timespec ts;
    if (ms <= 0) {
        return;
    }
    ts.tv_sec = (time_t)(ms / 1000);
    ts.tv_nsec = (long)(ms % 1000) * 1000000L;
    /* An interrupting signal just shortens the pause; the caller re-checks *stop. */
    (void)nanosleep(&ts, NULL);
}

/* Numeric loopback addresses only (and the name "localhost", mapped to 127.0.0.1): no name
 * service look-up, nothing that could reach another machine. */
static int resolve_loopback(const char *host, uint16_t port, struct endpoint *ep)
{
    const char *h = host;
    memset(ep, 0, sizeof(*ep));
    if (h == NULL || strcmp(h, "localhost") == 0) {
        h = "127.0.0.1";
    }
    if (strlen(h) >= INET6_ADDRSTRLEN) {
        fprintf(stderr, LOG_PREFIX "host \"%.64s...\" is not a numeric loopback address\n", h);
        return CH_VPCD_EARG;
    }
    {
        struct sockaddr_in sin;
        memset(&sin, 0, sizeof(sin));
        if (inet_pton(AF_INET, h, &sin.sin_addr) == 1) {
            if ((ntohl(sin.sin_addr.s_addr) >> 24) != 127u) {
                fprintf(stderr, LOG_PREFIX "refusing host %s: only loopback (%s) is allowed\n",
                        h, LOOPBACK_TEXT);
                return CH_VPCD_EARG;
            }
            sin.sin_family = AF_INET;
            sin.sin_port = htons(port);
            memcpy(&ep->addr, &sin, sizeof(sin));
            ep->len = (socklen_t)sizeof(sin);
            snprintf(ep->text, sizeof(ep->text), "%s", h);
            return 0;
        }
    }
    {
        struct sockaddr_in6 sin6;
        memset(&sin6, 0, sizeof(sin6));
        if (inet_pton(AF_INET6, h, &sin6.sin6_addr) == 1) {
            if (!IN6_IS_ADDR_LOOPBACK(&sin6.sin6_addr)) {
                fprintf(stderr, LOG_PREFIX "refusing host %s: only loopback (%s) is allowed\n",
                        h, LOOPBACK_TEXT);
                return CH_VPCD_EARG;
            }
            sin6.sin6_family = AF_INET6;
            sin6.sin6_port = htons(port);
            memcpy(&ep->addr, &sin6, sizeof(sin6));
            ep->len = (socklen_t)sizeof(sin6);
            snprintf(ep->text, sizeof(ep->text), "[%s]", h);
            return 0;
        }
    }
    fprintf(stderr, LOG_PREFIX "host \"%s\" is not a numeric loopback address (%s, or localhost)\n",
            h, LOOPBACK_TEXT);
    return CH_VPCD_EARG;
}

static int connect_retrying(const struct endpoint *ep, uint16_t port, int timeout_ms,
                            volatile int *stop, int *out_fd)
{
    const int64_t start = monotonic_ms();
    for (;;) {
        int err;
        int fd = socket(ep->addr.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            fprintf(stderr, LOG_PREFIX "socket: %s\n", strerror(errno));
            return CH_VPCD_ECONNECT;
        }
        if (connect(fd, (const struct sockaddr *)&ep->addr, ep->len) == 0) {
            int one = 1;
            /* Small request/answer messages: do not let Nagle delay them. Not fatal. */
            (void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, (socklen_t)sizeof(one));
            *out_fd = fd;
            return IO_OK;
        }
        err = errno;
        (void)close(fd);
        if (err != ECONNREFUSED && err != EINTR && err != ETIMEDOUT && err != ECONNRESET &&
            err != EAGAIN && err != ENETUNREACH && err != EADDRNOTAVAIL) {
            fprintf(stderr, LOG_PREFIX "connect to %s:%u: %s\n", ep->text, (unsigned)port,
                    strerror(err));
            return CH_VPCD_ECONNECT;
        }
        if (stop_requested(stop)) {
            return IO_STOP;
        }
        {
            const int64_t waited = monotonic_ms() - start;
            int64_t pause = RETRY_MS;
            if (timeout_ms >= 0) {
                if (waited >= (int64_t)timeout_ms) {
                    fprintf(stderr,
                            LOG_PREFIX "could not connect to vpcd at %s:%u within %d ms (%s); "
                                       "is pcscd running with the vpcd driver on that port?\n",
                            ep->text, (unsigned)port, timeout_ms, strerror(err));
                    return CH_VPCD_ECONNECT;
                }
                if ((int64_t)timeout_ms - waited < pause) {
                    pause = (int64_t)timeout_ms - waited;
                }
            }
            sleep_ms(pause);
        }
    }
}

/* Read exactly n bytes. IO_EOF when the peer closed first (*got says how many arrived). */
static int read_full(int fd, uint8_t *buf, size_t n, volatile int *stop, size_t *got)
{
    size_t off = 0;
    *got = 0;
    while (off < n) {
        struct pollfd pfd;
        ssize_t k;
        int r;
        if (stop_requested(stop)) {
            *got = off;
            return IO_STOP;
        }
        pfd.fd = fd;
        pfd.events = POLLIN;
        pfd.revents = 0;
        r = poll(&pfd, 1, POLL_SLICE_MS);
        if (r < 0) {
            if (errno == EINTR) {
                continue;
            }
            fprintf(stderr, LOG_PREFIX "poll: %s\n", strerror(errno));
            *got = off;
            return IO_ERR;
        }
        if (r == 0) {
            continue;
        }
        k = recv(fd, buf + off, n - off, 0);
        if (k < 0) {
            if (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK) {
                continue;
            }
            fprintf(stderr, LOG_PREFIX "receive from vpcd: %s\n", strerror(errno));
            *got = off;
            return IO_ERR;
        }
        if (k == 0) {
            *got = off;
            return IO_EOF;
        }
        off += (size_t)k;
#ifdef TCP_QUICKACK
        {
            /* vpcd writes the length prefix and the payload with separate sends; with Nagle on
             * its side and delayed ACKs on ours every exchange would stall ~40 ms. QUICKACK is
             * not sticky on Linux, so re-arm it after each read. Not fatal. */
            int one = 1;
            (void)setsockopt(fd, IPPROTO_TCP, TCP_QUICKACK, &one, (socklen_t)sizeof(one));
        }
#endif
    }
    *got = off;
    return IO_OK;
}

static int write_full(int fd, const uint8_t *buf, size_t n)
{
    size_t off = 0;
    while (off < n) {
        ssize_t k = send(fd, buf + off, n - off, MSG_NOSIGNAL);
        if (k < 0) {
            if (errno == EINTR) {
                continue;
            }
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                struct pollfd pfd;
                pfd.fd = fd;
                pfd.events = POLLOUT;
                pfd.revents = 0;
                (void)poll(&pfd, 1, POLL_SLICE_MS);
                continue;
            }
            fprintf(stderr, LOG_PREFIX "send to vpcd: %s\n", strerror(errno));
            return IO_ERR;
        }
        off += (size_t)k;
    }
    return IO_OK;
}

/* frame[0..1] receives the length prefix; the payload is already at frame + HDR_LEN. */
static int send_frame(int fd, uint8_t *frame, size_t payload_len)
{
    if (payload_len == 0 || payload_len > CH_VPCD_MAX_MESSAGE) {
        fprintf(stderr, LOG_PREFIX "refusing to send a %zu-byte message (must be 1..%u)\n",
                payload_len, CH_VPCD_MAX_MESSAGE);
        return CH_VPCD_EPROTO;
    }
    frame[0] = (uint8_t)(payload_len >> 8);
    frame[1] = (uint8_t)(payload_len & 0xffu);
    return write_full(fd, frame, HDR_LEN + payload_len) == IO_OK ? 0 : CH_VPCD_EIO;
}

struct session {
    int fd;
    const uint8_t *atr;
    size_t atr_len;
    ch_vpcd_apdu_fn fn;
    ch_vpcd_event_fn ev;
    void *ctx;
    volatile int *stop;
    uint8_t *rx;     /* CH_VPCD_MAX_MESSAGE bytes */
    uint8_t *tx;     /* HDR_LEN + CH_VPCD_RAPDU_BUFFER bytes */
};

static int handle_control(struct session *s, uint8_t code)
{
    switch (code) {
    case VPCD_CTRL_OFF:
    case VPCD_CTRL_ON:
    case VPCD_CTRL_RESET:
        if (s->ev != NULL) {
            s->ev(s->ctx, (int)code);
        }
        return 0;
    case VPCD_CTRL_ATR:
        memcpy(s->tx + HDR_LEN, s->atr, s->atr_len);
        return send_frame(s->fd, s->tx, s->atr_len);
    default:
        fprintf(stderr, LOG_PREFIX "unknown control byte 0x%02X from vpcd\n", (unsigned)code);
        return CH_VPCD_EPROTO;
    }
}

/* Returns 1 when the callback asked to drop the connection, 0 after an answer, < 0 on error. */
static int handle_apdu(struct session *s, size_t capdu_len)
{
    size_t rlen = 0;
    int rc = s->fn(s->ctx, s->rx, capdu_len, s->tx + HDR_LEN, CH_VPCD_RAPDU_BUFFER, &rlen);
    if (rc != 0) {
        return 1;
    }
    if (rlen < 2 || rlen > CH_VPCD_RAPDU_BUFFER || rlen > CH_VPCD_MAX_MESSAGE) {
        fprintf(stderr, LOG_PREFIX "APDU callback answered %zu bytes (must be 2..%u)\n", rlen,
                CH_VPCD_MAX_MESSAGE);
        return CH_VPCD_EPROTO;
    }
    return send_frame(s->fd, s->tx, rlen);
}

static int serve_loop(struct session *s)
{
    for (;;) {
        uint8_t hdr[HDR_LEN];
        size_t got = 0;
        size_t len;
        int r = read_full(s->fd, hdr, sizeof(hdr), s->stop, &got);
        if (r == IO_STOP) {
            return 0;
        }
        if (r == IO_EOF) {
            if (got == 0) {
                return 0; /* vpcd closed between messages: orderly */
            }
            fprintf(stderr, LOG_PREFIX "vpcd closed the connection inside a length prefix\n");
            return CH_VPCD_EIO;
        }
        if (r != IO_OK) {
            return CH_VPCD_EIO;
        }
        len = ((size_t)hdr[0] << 8) | (size_t)hdr[1];
        if (len == 0) {
            fprintf(stderr, LOG_PREFIX "zero-length message from vpcd\n");
            return CH_VPCD_EPROTO;
        }
        if (len > CH_VPCD_MAX_MESSAGE) { /* cannot happen with 16 bits; kept as the contract */
            fprintf(stderr, LOG_PREFIX "%zu-byte message from vpcd is too long\n", len);
            return CH_VPCD_EPROTO;
        }
        r = read_full(s->fd, s->rx, len, s->stop, &got);
        if (r == IO_STOP) {
            return 0;
        }
        if (r == IO_EOF) {
            fprintf(stderr,
                    LOG_PREFIX "vpcd closed the connection after %zu of %zu message bytes\n", got,
                    len);
            return CH_VPCD_EIO;
        }
        if (r != IO_OK) {
            return CH_VPCD_EIO;
        }
        if (len == 1) {
            r = handle_control(s, s->rx[0]);
        } else {
            r = handle_apdu(s, len);
            if (r == 1) {
                return 0; /* card removed on the callback's request */
            }
        }
        if (r != 0) {
            return r;
        }
    }
}

int ch_vpcd_serve(const char *host, uint16_t port, const uint8_t *atr, size_t atr_len,
                  ch_vpcd_apdu_fn fn, ch_vpcd_event_fn ev, void *ctx, int connect_timeout_ms,
                  volatile int *stop)
{
    struct endpoint ep;
    struct session s;
    int fd = -1;
    int rc;

    if (fn == NULL) {
        fprintf(stderr, LOG_PREFIX "no APDU callback\n");
        return CH_VPCD_EARG;
    }
    if (atr == NULL || atr_len < CH_VPCD_ATR_MIN || atr_len > CH_VPCD_ATR_MAX) {
        fprintf(stderr, LOG_PREFIX "ATR must be %u..%u bytes (got %zu)\n", CH_VPCD_ATR_MIN,
                CH_VPCD_ATR_MAX, atr == NULL ? (size_t)0 : atr_len);
        return CH_VPCD_EARG;
    }
    if (port == 0) {
        fprintf(stderr, LOG_PREFIX "port 0 is not a vpcd port\n");
        return CH_VPCD_EARG;
    }
    rc = resolve_loopback(host, port, &ep);
    if (rc != 0) {
        return rc;
    }

    memset(&s, 0, sizeof(s));
    s.rx = malloc(CH_VPCD_MAX_MESSAGE);
    s.tx = malloc(HDR_LEN + CH_VPCD_RAPDU_BUFFER);
    if (s.rx == NULL || s.tx == NULL) {
        fprintf(stderr, LOG_PREFIX "out of memory for message buffers\n");
        free(s.rx);
        free(s.tx);
        return CH_VPCD_ENOMEM;
    }

    rc = connect_retrying(&ep, port, connect_timeout_ms, stop, &fd);
    if (rc == IO_OK) {
        s.fd = fd;
        s.atr = atr;
        s.atr_len = atr_len;
        s.fn = fn;
        s.ev = ev;
        s.ctx = ctx;
        s.stop = stop;
        rc = serve_loop(&s);
        (void)close(fd);
    } else if (rc == IO_STOP) {
        rc = 0;
    }

    free(s.rx);
    free(s.tx);
    return rc;
}
