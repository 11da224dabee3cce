/* vpiv-vpcd killed with SIGKILL in the middle of PUT DATA never leaves a corrupt state file.
 *
 * The test plays vpcd (vsmartcard's reader driver): it listens on 127.0.0.1 (an ephemeral
 * port), starts the real daemon (`vpiv-vpcd --port P --state DIR/card.state`, its path in
 * argv[1] or $VPIV_VPCD), accepts its connection and speaks the vpcd protocol (2-byte
 * big-endian length + payload; 1-byte payloads are controls: 1 power on, 4 get ATR). Each
 * round: power on, ATR, SELECT, management key mutual authentication (3DES default key), then
 * PUT DATA 5FC105 again and again (command chaining, 255-byte blocks), every PUT a new
 * generation g with content "g as u32 big-endian, repeated" (3000 bytes for even g, 2900 for
 * odd g), until a deadline drawn from a fixed-seed PRNG (0..20000 us after the first PUT of
 * the round) passes: then SIGKILL, waitpid. The state file is then loaded in-process
 * (vpiv_new): it must load, and GET DATA 5FC105 must give exactly the last generation the
 * card acknowledged, or the one in flight when its last block had been sent - never absent
 * after a PUT was acknowledged, never a mix, never a truncation. Stray card.state.tmp.<pid>
 * files from killed saves stay in the directory: loading must ignore them. The next round
 * restarts the daemon on the same file. A last round ends cleanly (vpcd closes, exit 0).
 *
 * Nothing in the daemon is instrumented. Where the kill landed is inferred from outside and
 * counted: before the first block, mid-chain, with the last block outstanding (the daemon
 * parsing and saving), after the answer; and among those, "during a save": the killed
 * daemon's card.state.tmp.<pid> was left behind (killed between creating it and the rename),
 * or the file holds the in-flight generation the card never acknowledged (killed after the
 * rename, before the answer left). The counts are printed; the test only requires that no
 * state file is ever corrupt.
 *
 * Reproducible kill delays: seed 0x76706976 (override with $VPIV_KILL_SEED). */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* pselect, mkdtemp, kill, waitpid under -std=c11 */
#endif

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <openssl/evp.h>
#include <signal.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/select.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cursor.h"
#include "vpiv.h"
#include "vpiv_test_files.h"

#define ROUNDS 60
#define DEFAULT_SEED UINT64_C(0x76706976)
#define MAX_DELAY_US 20000
#define IO_TIMEOUT_US INT64_C(10000000) /* any exchange with a live daemon */
#define OBJ_TAG 0x5FC105u
#define LEN_EVEN 3000u /* content A: even generations */
#define LEN_ODD 2900u  /* content B: odd generations */
#define PUT_MAX (5u + 4u + LEN_EVEN)
#define BLOCK 255u
#define RX_CAP 4096u
#define OBJ_CAP 4096u
#define STATE_NAME "card.state"

static const char *g_daemon; /* argv[1] or $VPIV_VPCD */

static const uint8_t MGM_KEY[24] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4,
                                    5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8};
static const uint8_t SELECT[] = {0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00,
                                 0x03, 0x08, 0x00, 0x00, 0x10, 0x00};
static const uint8_t GET_5FC105[] = {0x00, 0xCB, 0x3F, 0xFF, 0x05, 0x5C,
                                     0x03, 0x5F, 0xC1, 0x05, 0x00};

/* ---- time, randomness ---- */

static int64_t now_us(void)
{
    struct timespec ts;
    if (clock_gettime(CLOCK_MONOTONIC, &ts) != 0)
        fail_msg("clock_gettime: %s", strerror(errno));
    return (int64_t)ts.tv_sec * 1000000 + (int64_t)(ts.tv_nsec / 1000);
}

/* xorshift64: shifts and xors only (no wrapping multiplication for UBSan to flag). */
static uint64_t rng_next(uint64_t *s)
{
    uint64_t x = *s;
    x ^= x << 13;
    x ^= x >> 7;
    x ^= x << 17;
    *s = x;
    return x;
}

/* ---- the object contents ---- */

static size_t obj_len(uint32_t gen)
{
    return (gen & 1u) ? LEN_ODD : LEN_EVEN;
}

static void obj_fill(uint32_t gen, uint8_t *p, size_t n)
{
    for (size_t i = 0; i + 4 <= n; i += 4) {
        p[i] = (uint8_t)(gen >> 24);
        p[i + 1] = (uint8_t)(gen >> 16);
        p[i + 2] = (uint8_t)(gen >> 8);
        p[i + 3] = (uint8_t)gen;
    }
}

/* The generation a content holds, or 0 when it is not exactly one complete generation. */
static uint32_t obj_gen(const uint8_t *p, size_t n)
{
    ch_cur c;
    uint32_t gen, w;
    ch_cur_init(&c, p, n);
    if (!ch_cur_u32be(&c, &gen) || gen == 0 || n != obj_len(gen))
        return 0;
    while (ch_cur_u32be(&c, &w))
        if (w != gen)
            return 0;
    return ch_cur_empty(&c) ? gen : 0;
}

/* ---- fixture ---- */

typedef struct {
    char dir[256];
    char path[300];
    int lfd;      /* listening socket (vpcd's side) */
    uint16_t port;
    pid_t pid;    /* the daemon, or 0 */
    int cfd;      /* its connection, or -1 */
    uint8_t rx[RX_CAP];
    size_t rx_len;
    uint64_t rng;
    bool keep;    /* keep dir (a corrupt state file to look at) */
} kctx;

static void set_cloexec(int fd)
{
    int fl = fcntl(fd, F_GETFD);
    assert_true(fl >= 0);
    assert_int_equal(fcntl(fd, F_SETFD, fl | FD_CLOEXEC), 0);
}

static int setup(void **state)
{
    kctx *k = calloc(1, sizeof *k);
    const char *tmp = getenv("TMPDIR");
    const char *seed = getenv("VPIV_KILL_SEED");
    struct sockaddr_in sin;
    socklen_t slen = sizeof sin;

    if (!k)
        return -1;
    k->cfd = -1;
    k->lfd = -1;
    k->rng = DEFAULT_SEED;
    if (seed && *seed) {
        char *end = NULL;
        unsigned long long v = strtoull(seed, &end, 0);
        if (end && *end == '\0' && v != 0)
            k->rng = (uint64_t)v;
    }
    snprintf(k->dir, sizeof k->dir, "%s/vpiv_kill_XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(k->dir)) {
        free(k);
        return -1;
    }
    snprintf(k->path, sizeof k->path, "%s/" STATE_NAME, k->dir);

    k->lfd = socket(AF_INET, SOCK_STREAM, 0);
    memset(&sin, 0, sizeof sin);
    sin.sin_family = AF_INET;
    sin.sin_port = 0;
    /* No htonl/ntohs: under -std=c11 + _POSIX_C_SOURCE, glibc's optimised versions of them see
     * no __BYTE_ORDER and turn into the identity. Bytes in network order instead. */
    if (k->lfd < 0 || inet_pton(AF_INET, "127.0.0.1", &sin.sin_addr) != 1 || bind(k->lfd, (struct sockaddr *)&sin, sizeof sin) != 0 ||
        listen(k->lfd, 4) != 0 || getsockname(k->lfd, (struct sockaddr *)&sin, &slen) != 0) {
        fprintf(stderr, "listen on 127.0.0.1: %s\n", strerror(errno));
        if (k->lfd >= 0)
            close(k->lfd);
        rmdir(k->dir);
        free(k);
        return -1;
    }
    set_cloexec(k->lfd);
    {
        uint8_t pb[2];
        memcpy(pb, &sin.sin_port, sizeof pb);
        k->port = (uint16_t)(pb[0] << 8 | pb[1]);
    }
    *state = k;
    return 0;
}

static void daemon_kill(kctx *k)
{
    if (k->pid > 0) {
        int st;
        (void)kill(k->pid, SIGKILL);
        while (waitpid(k->pid, &st, 0) < 0 && errno == EINTR)
            ;
        k->pid = 0;
    }
    if (k->cfd >= 0) {
        close(k->cfd);
        k->cfd = -1;
    }
    k->rx_len = 0;
}

static int teardown(void **state)
{
    kctx *k = *state;
    daemon_kill(k);
    if (k->lfd >= 0)
        close(k->lfd);
    if (k->keep) {
        fprintf(stderr, "vpiv_kill: state files kept in %s\n", k->dir);
    } else {
        vt_remove_dir(k->dir);
    }
    free(k);
    return 0;
}

/* ---- the vpcd side of the connection ---- */

/* Waits until fd is readable (true) or the deadline (monotonic us) has passed (false). */
static bool wait_readable(int fd, int64_t deadline)
{
    for (;;) {
        int64_t left = deadline - now_us();
        fd_set rs;
        struct timespec ts;
        int r;
        if (left < 0)
            left = 0;
        FD_ZERO(&rs);
        FD_SET(fd, &rs);
        ts.tv_sec = (time_t)(left / 1000000);
        ts.tv_nsec = (long)(left % 1000000) * 1000L;
        r = pselect(fd + 1, &rs, NULL, NULL, &ts, NULL);
        if (r > 0)
            return true;
        if (r == 0)
            return false;
        if (errno != EINTR)
            fail_msg("pselect: %s", strerror(errno));
    }
}

static void send_frame(kctx *k, const uint8_t *p, size_t n)
{
    uint8_t buf[2 + 300];
    size_t off = 0;
    assert_true(n >= 1 && n <= sizeof buf - 2);
    buf[0] = (uint8_t)(n >> 8);
    buf[1] = (uint8_t)n;
    memcpy(buf + 2, p, n);
    while (off < n + 2) {
        ssize_t w = send(k->cfd, buf + off, n + 2 - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR)
            continue;
        if (w <= 0)
            fail_msg("sending to vpiv-vpcd: %s", w < 0 ? strerror(errno) : "nothing sent");
        off += (size_t)w;
    }
}

/* A complete frame at the head of rx: its payload goes to out, and it leaves rx. */
static bool take_frame(kctx *k, uint8_t *out, size_t cap, size_t *n)
{
    ch_cur c;
    uint16_t len;
    const uint8_t *p;
    ch_cur_init(&c, k->rx, k->rx_len);
    if (!ch_cur_u16be(&c, &len) || !ch_cur_take(&c, len, &p))
        return false;
    if (len > cap)
        fail_msg("a %u-byte message from vpiv-vpcd (at most %zu expected)", len, cap);
    memcpy(out, p, len);
    *n = len;
    memmove(k->rx, k->rx + 2 + len, k->rx_len - 2 - len);
    k->rx_len -= 2 + (size_t)len;
    return true;
}

enum { IO_OK, IO_DEADLINE, IO_EOF };

static int recv_frame(kctx *k, uint8_t *out, size_t cap, size_t *n, int64_t deadline)
{
    for (;;) {
        ssize_t r;
        if (take_frame(k, out, cap, n))
            return IO_OK;
        if (!wait_readable(k->cfd, deadline))
            return IO_DEADLINE;
        if (k->rx_len >= sizeof k->rx)
            fail_msg("vpiv-vpcd sent more than %zu bytes without completing a message",
                     sizeof k->rx);
        r = recv(k->cfd, k->rx + k->rx_len, sizeof k->rx - k->rx_len, 0);
        if (r < 0 && errno == EINTR)
            continue;
        if (r == 0 || (r < 0 && errno == ECONNRESET))
            return IO_EOF;
        if (r < 0)
            fail_msg("receiving from vpiv-vpcd: %s", strerror(errno));
        k->rx_len += (size_t)r;
    }
}

/* One APDU to the live daemon; the response's data to data (cap bytes), the SW returned. */
static uint16_t dxfer(void *ctx, const uint8_t *apdu, size_t n, uint8_t *data, size_t cap,
                      size_t *dlen)
{
    kctx *k = ctx;
    uint8_t r[VPIV_MAX_RAPDU];
    size_t rn = 0;
    int io;
    send_frame(k, apdu, n);
    io = recv_frame(k, r, sizeof r, &rn, now_us() + IO_TIMEOUT_US);
    if (io != IO_OK)
        fail_msg("vpiv-vpcd: %s", io == IO_EOF ? "connection closed" : "no answer in 10 s");
    assert_true(rn >= 2 && rn - 2 <= cap);
    memcpy(data, r, rn - 2);
    *dlen = rn - 2;
    return (uint16_t)(r[rn - 2] << 8 | r[rn - 1]);
}

/* One APDU to an in-process card. */
static uint16_t cxfer(void *ctx, const uint8_t *apdu, size_t n, uint8_t *data, size_t cap,
                      size_t *dlen)
{
    uint8_t r[VPIV_MAX_RAPDU];
    size_t rn = vpiv_process(ctx, apdu, n, r);
    assert_true(rn >= 2 && rn <= VPIV_MAX_RAPDU && rn - 2 <= cap);
    memcpy(data, r, rn - 2);
    *dlen = rn - 2;
    return (uint16_t)(r[rn - 2] << 8 | r[rn - 1]);
}

typedef uint16_t (*xfer_fn)(void *ctx, const uint8_t *apdu, size_t n, uint8_t *data,
                            size_t cap, size_t *dlen);

/* GET DATA 5FC105 (answers followed through 61xx): SW; on 9000 the content of 53. */
static uint16_t get_object(xfer_fn xfer, void *ctx, uint8_t *content, size_t cap,
                           size_t *len)
{
    static uint8_t resp[OBJ_CAP];
    uint8_t chunk[VPIV_MAX_RAPDU];
    size_t got = 0, n = 0;
    uint16_t sw = xfer(ctx, GET_5FC105, sizeof GET_5FC105, chunk, sizeof chunk, &n);
    for (;;) {
        if (n > sizeof resp - got)
            fail_msg("GET DATA 5FC105 answers more than %zu bytes", sizeof resp);
        memcpy(resp + got, chunk, n);
        got += n;
        if ((sw & 0xFF00u) != 0x6100u)
            break;
        {
            uint8_t gr[5] = {0x00, 0xC0, 0x00, 0x00, (uint8_t)(sw & 0xFFu)};
            sw = xfer(ctx, gr, sizeof gr, chunk, sizeof chunk, &n);
        }
    }
    *len = 0;
    if (sw == 0x9000) {
        ch_cur c, v;
        uint32_t tag;
        ch_cur_init(&c, resp, got);
        if (!ch_cur_tlv(&c, &tag, &v) || tag != 0x53u || !ch_cur_empty(&c))
            fail_msg("GET DATA 5FC105: %zu bytes that are not one 53 TLV", got);
        *len = ch_cur_left(&v);
        assert_true(*len <= cap && ch_cur_bytes(&v, content, *len));
    } else {
        assert_int_equal(got, 0);
    }
    return sw;
}

/* ---- the daemon ---- */

static bool tmp_exists(const kctx *k, pid_t pid)
{
    char p[340];
    struct stat st;
    snprintf(p, sizeof p, "%s.tmp.%ld", k->path, (long)pid);
    return stat(p, &st) == 0;
}

static void daemon_start(kctx *k)
{
    char port[16];
    char *argv[10];
    int64_t deadline = now_us() + IO_TIMEOUT_US;
    pid_t pid;

    assert_non_null(g_daemon);
    snprintf(port, sizeof port, "%u", (unsigned)k->port);
    argv[0] = (char *)g_daemon;
    argv[1] = (char *)"--port";
    argv[2] = port;
    argv[3] = (char *)"--state";
    argv[4] = k->path;
    argv[5] = (char *)"--connect-timeout";
    argv[6] = (char *)"10000";
    argv[7] = NULL;
    pid = fork();
    if (pid < 0)
        fail_msg("fork: %s", strerror(errno));
    if (pid == 0) {
        execv(g_daemon, argv);
        _exit(127);
    }
    k->pid = pid;
    k->rx_len = 0;
    /* Accept its connection; a daemon that exits first (e.g. refusing a corrupt state file,
     * status 1) fails the test. */
    for (;;) {
        int st;
        pid_t w = waitpid(pid, &st, WNOHANG);
        if (w == pid) {
            k->pid = 0;
            fail_msg("vpiv-vpcd exited before connecting (%s %d)",
                     WIFEXITED(st) ? "status" : "signal",
                     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        }
        if (now_us() > deadline)
            fail_msg("vpiv-vpcd did not connect in 10 s");
        if (wait_readable(k->lfd, now_us() + 50000))
            break;
    }
    k->cfd = accept(k->lfd, NULL, NULL);
    if (k->cfd < 0)
        fail_msg("accept: %s", strerror(errno));
    set_cloexec(k->cfd);
    /* The daemon has loaded the state before connecting and saves nothing until a PUT: a
     * card.state.tmp.<its pid> now is a stale one of an earlier daemon with the same pid.
     * Removed, so that after the kill a tmp file of that name is this daemon's. */
    if (tmp_exists(k, pid)) {
        char p[340];
        snprintf(p, sizeof p, "%s.tmp.%ld", k->path, (long)pid);
        assert_int_equal(unlink(p), 0);
    }
}

/* SIGKILL and reap; a daemon that had died on its own (a crash, a sanitizer report) fails. */
static void daemon_sigkill(kctx *k)
{
    int st = 0;
    pid_t w;
    assert_true(k->pid > 0);
    assert_int_equal(kill(k->pid, SIGKILL), 0);
    while ((w = waitpid(k->pid, &st, 0)) < 0 && errno == EINTR)
        ;
    assert_int_equal(w, k->pid);
    k->pid = 0;
    if (!WIFSIGNALED(st) || WTERMSIG(st) != SIGKILL)
        fail_msg("vpiv-vpcd ended by itself before the kill (%s %d)",
                 WIFEXITED(st) ? "status" : "signal",
                 WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
}

/* 3DES-ECB of one 8-byte block with the default management key. */
static void des3(bool enc, const uint8_t in[8], uint8_t out[8])
{
    EVP_CIPHER_CTX *ctx = EVP_CIPHER_CTX_new();
    int n = 0, fin = 0;
    assert_non_null(ctx);
    assert_int_equal(EVP_CipherInit_ex2(ctx, EVP_des_ede3_ecb(), MGM_KEY, NULL, enc ? 1 : 0,
                                        NULL),
                     1);
    assert_int_equal(EVP_CIPHER_CTX_set_padding(ctx, 0), 1);
    assert_int_equal(EVP_CipherUpdate(ctx, out, &n, in, 8), 1);
    assert_int_equal(EVP_CipherFinal_ex(ctx, out + n, &fin), 1);
    EVP_CIPHER_CTX_free(ctx);
    assert_int_equal(n + fin, 8);
}

/* 7C { tag 08 v[8] } as the only content of data: v. */
static void dynauth_field(const uint8_t *data, size_t n, uint32_t want, uint8_t v[8])
{
    ch_cur c, t, f;
    uint32_t tag;
    ch_cur_init(&c, data, n);
    if (!ch_cur_tlv(&c, &tag, &t) || tag != 0x7Cu || !ch_cur_empty(&c) ||
        !ch_cur_tlv(&t, &tag, &f) || tag != want || !ch_cur_empty(&t) ||
        ch_cur_left(&f) != 8 || !ch_cur_bytes(&f, v, 8))
        fail_msg("GENERAL AUTHENTICATE: unexpected answer (%zu bytes)", n);
}

/* Power on, ATR, SELECT, mutual authentication with the management key. */
static void session_open(kctx *k)
{
    static const uint8_t power_on = 1, get_atr = 4;
    static const uint8_t step1[] = {0x00, 0x87, 0x03, 0x9B, 0x04, 0x7C, 0x02, 0x80, 0x00};
    uint8_t atr[64], data[VPIV_MAX_RAPDU], w[8], enc_w[8], chal[8], want[8], got[8];
    uint8_t step2[5 + 22];
    size_t n = 0, atr_len = 0, i;
    const uint8_t *my_atr = vpiv_atr(&atr_len);

    send_frame(k, &power_on, 1);
    send_frame(k, &get_atr, 1);
    if (recv_frame(k, atr, sizeof atr, &n, now_us() + IO_TIMEOUT_US) != IO_OK)
        fail_msg("vpiv-vpcd: no ATR");
    assert_int_equal(n, atr_len);
    assert_memory_equal(atr, my_atr, n);

    assert_int_equal(dxfer(k, SELECT, sizeof SELECT, data, sizeof data, &n), 0x9000);

    assert_int_equal(dxfer(k, step1, sizeof step1, data, sizeof data, &n), 0x9000);
    dynauth_field(data, n, 0x80, enc_w);
    des3(false, enc_w, w);
    for (i = 0; i < sizeof chal; i++)
        chal[i] = (uint8_t)rng_next(&k->rng);
    n = 0;
    step2[n++] = 0x00;
    step2[n++] = 0x87;
    step2[n++] = 0x03;
    step2[n++] = 0x9B;
    step2[n++] = 0x16;
    step2[n++] = 0x7C;
    step2[n++] = 0x14;
    step2[n++] = 0x80;
    step2[n++] = 0x08;
    memcpy(step2 + n, w, 8);
    n += 8;
    step2[n++] = 0x81;
    step2[n++] = 0x08;
    memcpy(step2 + n, chal, 8);
    n += 8;
    assert_int_equal(n, sizeof step2);
    assert_int_equal(dxfer(k, step2, sizeof step2, data, sizeof data, &n), 0x9000);
    dynauth_field(data, n, 0x82, got);
    des3(true, chal, want);
    assert_memory_equal(got, want, 8);
}

/* ---- PUT DATA with a kill deadline ---- */

typedef enum {
    PUT_ACKED,        /* answered 9000, daemon alive */
    PUT_KILLED_ACKED, /* answered 9000 just before the kill (read after it) */
    PUT_KILLED,       /* killed: see put_result.block / .waiting */
} put_outcome;

typedef struct {
    put_outcome outcome;
    size_t block;    /* PUT_KILLED: the block sent last (waiting) or about to be sent */
    size_t nblocks;
    bool waiting;    /* PUT_KILLED: block had been sent, its answer not seen */
    int64_t at_us;   /* PUT_KILLED*: when the kill was sent, from the round's start */
} put_result;

static uint16_t block_sw(const uint8_t *r, size_t n, uint32_t gen, size_t block)
{
    if (n != 2)
        fail_msg("PUT DATA gen %" PRIu32 " block %zu: %zu-byte answer", gen, block, n);
    return (uint16_t)(r[0] << 8 | r[1]);
}

/* PUT DATA 5FC105 with generation gen's content; SIGKILL once now_us() passes deadline. */
static put_result put_until(kctx *k, uint32_t gen, int64_t t0, int64_t deadline)
{
    static uint8_t cmd[PUT_MAX];
    uint8_t apdu[5 + BLOCK], r[VPIV_MAX_RAPDU];
    size_t len = obj_len(gen), total = 0, off = 0, rn = 0;
    put_result res;

    memset(&res, 0, sizeof res);
    cmd[total++] = 0x5C;
    cmd[total++] = 0x03;
    cmd[total++] = (uint8_t)(OBJ_TAG >> 16);
    cmd[total++] = (uint8_t)(OBJ_TAG >> 8);
    cmd[total++] = (uint8_t)OBJ_TAG;
    cmd[total++] = 0x53;
    cmd[total++] = 0x82;
    cmd[total++] = (uint8_t)(len >> 8);
    cmd[total++] = (uint8_t)len;
    assert_true(len <= sizeof cmd - total);
    obj_fill(gen, cmd + total, len);
    total += len;
    res.nblocks = (total + BLOCK - 1) / BLOCK;

    for (res.block = 0; res.block < res.nblocks; res.block++, off += BLOCK) {
        size_t blk = total - off > BLOCK ? BLOCK : total - off;
        bool last = res.block + 1 == res.nblocks;
        int io;
        uint16_t sw;

        if (now_us() >= deadline) {
            res.at_us = now_us() - t0;
            daemon_sigkill(k);
            res.outcome = PUT_KILLED;
            res.waiting = false;
            return res;
        }
        apdu[0] = last ? 0x00 : 0x10;
        apdu[1] = 0xDB;
        apdu[2] = 0x3F;
        apdu[3] = 0xFF;
        apdu[4] = (uint8_t)blk;
        memcpy(apdu + 5, cmd + off, blk);
        send_frame(k, apdu, 5 + blk);
        io = recv_frame(k, r, sizeof r, &rn, deadline);
        if (io == IO_EOF)
            fail_msg("vpiv-vpcd closed the connection during PUT DATA");
        if (io == IO_DEADLINE) {
            res.at_us = now_us() - t0;
            daemon_sigkill(k);
            /* The answer may have left before the kill: then it is still in the socket. */
            io = recv_frame(k, r, sizeof r, &rn, now_us() + IO_TIMEOUT_US);
            if (io == IO_DEADLINE)
                fail_msg("no EOF from a killed vpiv-vpcd in 10 s");
            if (io == IO_EOF) {
                res.outcome = PUT_KILLED;
                res.waiting = true;
                return res;
            }
            sw = block_sw(r, rn, gen, res.block);
            if (sw != 0x9000)
                fail_msg("PUT DATA gen %" PRIu32 " block %zu: SW %04X", gen, res.block, sw);
            res.outcome = last ? PUT_KILLED_ACKED : PUT_KILLED;
            res.block += 1; /* killed before the next block went out */
            res.waiting = false;
            return res;
        }
        sw = block_sw(r, rn, gen, res.block);
        if (sw != 0x9000)
            fail_msg("PUT DATA gen %" PRIu32 " block %zu: SW %04X", gen, res.block, sw);
    }
    res.outcome = PUT_ACKED;
    return res;
}

/* ---- the state file, loaded in-process ---- */

/* Loads the state file; GET DATA 5FC105 must give `durable` (0: absent) or, when non-zero,
 * `inflight`. Returns the generation found. */
static uint32_t check_state(kctx *k, int round, uint32_t durable, uint32_t inflight)
{
    static uint8_t content[OBJ_CAP];
    const char *why = NULL;
    struct stat st;
    vpiv_card *card;
    uint8_t data[VPIV_MAX_RAPDU];
    size_t n = 0, len = 0;
    uint16_t sw;
    uint32_t gen = 0;

    if (stat(k->path, &st) != 0 || !S_ISREG(st.st_mode)) {
        k->keep = true;
        fail_msg("round %d: no state file %s: %s", round, k->path, strerror(errno));
    }
    card = vpiv_new(k->path, &why);
    if (!card) {
        k->keep = true;
        fail_msg("round %d: the state file does not load: %s", round, why ? why : "?");
    }
    assert_int_equal(cxfer(card, SELECT, sizeof SELECT, data, sizeof data, &n), 0x9000);
    sw = get_object(cxfer, card, content, sizeof content, &len);
    vpiv_free(card);
    if (sw == 0x9000) {
        gen = obj_gen(content, len);
        if (gen == 0) {
            k->keep = true;
            fail_msg("round %d: 5FC105 holds %zu bytes that are no complete generation "
                     "(acknowledged %" PRIu32 ", in flight %" PRIu32 ")",
                     round, len, durable, inflight);
        }
    } else if (sw != 0x6A82) {
        fail_msg("round %d: GET DATA 5FC105 on the loaded card: SW %04X", round, sw);
    }
    if (gen != durable && (inflight == 0 || gen != inflight)) {
        k->keep = true;
        fail_msg("round %d: 5FC105 holds generation %" PRIu32 " (0: absent), expected %" PRIu32
                 " (acknowledged) or %" PRIu32 " (in flight)",
                 round, gen, durable, inflight);
    }
    return gen;
}

static int count_tmp(const kctx *k)
{
    DIR *d = opendir(k->dir);
    struct dirent *e;
    int n = 0;
    assert_non_null(d);
    while ((e = readdir(d)) != NULL)
        if (strncmp(e->d_name, STATE_NAME ".tmp.", sizeof STATE_NAME ".tmp." - 1) == 0)
            n++;
    closedir(d);
    return n;
}

/* ---- the test ---- */

typedef struct {
    int before_put;    /* deadline passed before the first block of a PUT went out */
    int mid_chain;     /* with a non-final block outstanding or about to be sent */
    int final_block;   /* with the final block outstanding: parsing, saving */
    int after_answer;  /* the final 9000 had left the daemon */
    int tmp_left;      /* the killed daemon's card.state.tmp.<pid> left behind */
    int unacked_saved; /* the file holds the unacknowledged in-flight generation */
    int during_save;   /* tmp_left or unacked_saved */
    int old_kept;      /* final block outstanding, file holds the acknowledged one, no tmp */
    unsigned long puts_acked;
} kill_stats;

static void test_kill_during_put_data(void **state)
{
    kctx *k = *state;
    kill_stats s;
    uint32_t durable = 0, next_gen = 1;
    int64_t t_start = now_us();
    int round;

    memset(&s, 0, sizeof s);
    print_message("vpiv_kill: daemon %s, port %u, state %s, seed 0x%" PRIx64 "\n", g_daemon,
                  (unsigned)k->port, k->path, k->rng);

    for (round = 1; round <= ROUNDS; round++) {
        int64_t delay = (int64_t)(rng_next(&k->rng) % (MAX_DELAY_US + 1)), t0, deadline;
        uint32_t gen = 0, inflight = 0, loaded;
        unsigned acked_here = 0;
        pid_t pid;
        put_result pr;
        const char *where;
        bool tmp;

        daemon_start(k);
        pid = k->pid;
        session_open(k);
        t0 = now_us();
        deadline = t0 + delay;
        for (;;) {
            gen = next_gen++;
            pr = put_until(k, gen, t0, deadline);
            if (pr.outcome != PUT_ACKED)
                break;
            durable = gen;
            acked_here++;
            s.puts_acked++;
        }
        close(k->cfd);
        k->cfd = -1;
        k->rx_len = 0;

        if (pr.outcome == PUT_KILLED_ACKED) {
            durable = gen;
            acked_here++;
            s.puts_acked++;
            s.after_answer++;
            where = "after the answer";
        } else if (pr.block == 0 && !pr.waiting) {
            s.before_put++;
            where = "before the PUT";
        } else if (pr.waiting && pr.block + 1 == pr.nblocks) {
            inflight = gen; /* the whole object reached the card */
            s.final_block++;
            where = "final block out";
        } else {
            s.mid_chain++;
            where = "mid-chain";
        }
        tmp = tmp_exists(k, pid);
        loaded = check_state(k, round, durable, inflight);
        if (tmp)
            s.tmp_left++;
        if (loaded != durable)
            s.unacked_saved++;
        if (tmp || loaded != durable)
            s.during_save++;
        else if (inflight != 0)
            s.old_kept++;
        print_message("round %2d: kill at %5" PRId64 " us (drawn %5" PRId64 "), %2u PUTs acked, "
                      "%-16s block %2zu/%zu: file holds gen %4" PRIu32 " (acked %4" PRIu32
                      ")%s%s\n",
                      round, pr.at_us, delay, acked_here, where,
                      pr.outcome == PUT_KILLED_ACKED ? pr.nblocks : pr.block + 1, pr.nblocks,
                      loaded, durable, tmp ? ", tmp left" : "",
                      loaded != durable ? ", new state saved unacknowledged" : "");
        durable = loaded;
    }

    /* A last, clean session: one more PUT, read back through the daemon, then vpcd closes
     * the connection and the daemon exits 0 (under ASan: with a leak check). */
    {
        static uint8_t content[OBJ_CAP];
        uint8_t data[VPIV_MAX_RAPDU];
        size_t n = 0, len = 0;
        put_result pr;
        uint32_t gen = next_gen++;
        int64_t t0, give_up;
        int st = 0;
        pid_t w;

        daemon_start(k);
        session_open(k);
        t0 = now_us();
        pr = put_until(k, gen, t0, t0 + IO_TIMEOUT_US);
        assert_int_equal(pr.outcome, PUT_ACKED);
        assert_int_equal(dxfer(k, SELECT, sizeof SELECT, data, sizeof data, &n), 0x9000);
        assert_int_equal(get_object(dxfer, k, content, sizeof content, &len), 0x9000);
        assert_int_equal(obj_gen(content, len), gen);
        close(k->cfd);
        k->cfd = -1;
        give_up = now_us() + IO_TIMEOUT_US;
        while ((w = waitpid(k->pid, &st, WNOHANG)) == 0 && now_us() < give_up) {
            struct timespec ts = {0, 10000000L};
            nanosleep(&ts, NULL);
        }
        assert_int_equal(w, k->pid);
        k->pid = 0;
        if (!WIFEXITED(st) || WEXITSTATUS(st) != 0)
            fail_msg("vpiv-vpcd did not exit 0 when vpcd closed (%s %d)",
                     WIFEXITED(st) ? "status" : "signal",
                     WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
        assert_int_equal(check_state(k, ROUNDS + 1, gen, 0), gen);
    }

    print_message("vpiv_kill: %d kills, %d during a save (%d with the tmp file left, %d with the "
                  "new state saved but unacknowledged), 0 corrupt; kill points: %d before a PUT, "
                  "%d mid-chain, %d with the final block out (%d of those kept the old state "
                  "without a tmp file), %d after the answer; %lu PUTs acknowledged; %d stray "
                  "tmp files at the end; %.1f s\n",
                  ROUNDS, s.during_save, s.tmp_left, s.unacked_saved, s.before_put, s.mid_chain,
                  s.final_block, s.old_kept, s.after_answer, s.puts_acked, count_tmp(k),
                  (double)(now_us() - t_start) / 1e6);
}

int main(int argc, char **argv)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(test_kill_during_put_data, setup, teardown),
    };
    g_daemon = argc > 1 ? argv[1] : getenv("VPIV_VPCD");
    if (!g_daemon || !*g_daemon) {
        fprintf(stderr, "usage: %s PATH-TO-vpiv-vpcd (or set VPIV_VPCD)\n", argv[0]);
        return 2;
    }
    return cmocka_run_group_tests(tests, NULL, NULL);
}
