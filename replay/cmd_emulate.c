/* mdreplay emulate: the finding's card answers served by an emulated card plugged into
 * vsmartcard's vpcd (the vpcd protocol on loopback, vpcd_card.h) behind a real pcscd, and the
 * finding's CSP calls made through pcsc-lite by the production library of the build
 * (mdreplay-pcsc --emulated): a crash found in-process reproduces through the stack users run.
 *
 * The answers are the script's, in order, one per command, whatever the command. A transport
 * event of the script (communication lost, reset, removal) and the end of the script drop the
 * card's connection: vpcd reports a removal. pcscd needs a working answer (2 bytes or more):
 * an answer of 0 or 1 byte also drops the card, with a note. */
#define _GNU_SOURCE
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <unistd.h>

#include "cursor.h"
#include "finding.h"
#include "mdreplay.h"
#include "vpcd_card.h"

typedef struct server {
    ch_cur script;
    unsigned served;
    int powered_fd; /* written once when pcscd powers the card: it has seen this insertion */
} server;

static volatile int stop_serving;

static void on_term(int sig)
{
    (void)sig;
    stop_serving = 1;
}

static int answer(void *ctx, const uint8_t *capdu, size_t capdu_len, uint8_t *rapdu,
                  size_t rapdu_cap, size_t *rapdu_len)
{
    server *s = ctx;
    uint16_t len;
    const uint8_t *p;

    (void)capdu, (void)capdu_len;
    if (!ch_cur_u16be(&s->script, &len)) {
        fprintf(stderr, "mdreplay emulate: script exhausted after %u answers: card removed\n",
                s->served);
        return -1;
    }
    if (len >= 0xFF00u) {
        fprintf(stderr, "mdreplay emulate: answer %u is transport event %u: card removed\n",
                s->served + 1, len & 0xFFu);
        return -1;
    }
    if (len > ch_cur_left(&s->script))
        len = (uint16_t)ch_cur_left(&s->script);
    (void)ch_cur_take(&s->script, len, &p);
    if (len < 2 || len > rapdu_cap) {
        fprintf(stderr, "mdreplay emulate: answer %u has %u bytes, which vpcd cannot carry: "
                        "card removed\n", s->served + 1, len);
        return -1;
    }
    memcpy(rapdu, p, len);
    *rapdu_len = len;
    s->served++;
    return 0;
}

static void on_event(void *ctx, int event)
{
    server *s = ctx;
    if (event == CH_VPCD_EVENT_POWER_ON && s->powered_fd >= 0) {
        (void)!write(s->powered_fd, "P", 1);
        close(s->powered_fd);
        s->powered_fd = -1;
    }
}

/* The emulated card's process: serves until pcscd's vpcd closes, the script ends, or TERM. */
static void serve(const ch_finding_apdu *f, unsigned port, int powered_fd)
{
    static const uint8_t atr[] = {0x3B, 0xFD, 0x13, 0x00, 0x00, 0x81, 0x31, 0xFE, 0x15, 0x80,
                                  0x73, 0xC0, 0x21, 0xC0, 0x57, 0x59, 0x75, 0x62, 0x69, 0x4B,
                                  0x65, 0x79, 0x40};
    server s = {.script = f->script, .powered_fd = powered_fd};
    struct sigaction sa = {.sa_handler = on_term};

    sigaction(SIGTERM, &sa, NULL);
    (void)ch_vpcd_serve("127.0.0.1", (uint16_t)port, atr, sizeof atr, answer, on_event, &s,
                        10000, &stop_serving);
    _exit(0);
}

static void stop_card(pid_t card)
{
    kill(card, SIGTERM);
    waitpid(card, NULL, 0);
}

/* Plugs the emulated card in and waits until pcscd has powered it: only then does pcscd know
 * this card (a card pulled and plugged between two of pcscd's polls would be taken for the
 * one before, unpowered). Tries again after a pause that lets pcscd see the slot empty.
 * Returns the card's pid, or -1 after a one-line error. */
static pid_t plug(const ch_finding_apdu *f, unsigned port)
{
    for (int attempt = 0; attempt < 3; attempt++) {
        int fds[2];
        pid_t card;
        char c;
        struct pollfd p;

        if (pipe(fds) != 0)
            return -1;
        fflush(stdout);
        card = fork();
        if (card < 0) {
            close(fds[0]);
            close(fds[1]);
            return -1;
        }
        if (card == 0) {
            close(fds[0]);
            serve(f, port, fds[1]);
        }
        close(fds[1]);
        p = (struct pollfd){.fd = fds[0], .events = POLLIN};
        if (poll(&p, 1, attempt ? 12000 : 5000) == 1 && read(fds[0], &c, 1) == 1) {
            close(fds[0]);
            return card;
        }
        close(fds[0]);
        stop_card(card);
        if (p.revents & POLLHUP) /* the card process ended: nobody listens on the port */
            break;
        sleep(2);
    }
    fprintf(stderr, "mdreplay emulate: no pcscd powered the card on vpcd port %u (is pcscd "
                    "running with the vpcd driver on that port?)\n", port);
    return -1;
}

int mdr_cmd_emulate(int argc, char **argv)
{
    mdr_opts o;
    mdr_input in;
    mdr_result r;
    ch_finding_apdu f;
    char exe[4200], wait[] = "20", where[64];
    char *args[8];
    pid_t card;
    int rc, n = 0;

    if (!mdr_parse_opts(argc, argv, "tbTrP", &o))
        return MDR_EXIT_USAGE;
    if ((rc = mdr_pcsc_prepare("emulate", &o, &in, exe, sizeof exe)) != 0)
        return rc;
    ch_finding_apdu_decode(in.data, in.len, &f);
    card = plug(&f, o.port);
    if (card < 0) {
        mdr_input_free(&in);
        return MDR_EXIT_ENV;
    }
    args[n++] = exe;
    args[n++] = (char *)in.path;
    args[n++] = "--reader";
    args[n++] = (char *)(o.reader ? o.reader : "Virtual PCD");
    args[n++] = "--wait";
    args[n++] = wait;
    args[n++] = "--emulated";
    args[n] = NULL;
    if (!mdr_run_child(args, mdr_sanitizer_env(), &in, o.timeout, &r)) {
        stop_card(card);
        mdr_input_free(&in);
        return MDR_EXIT_ENV;
    }
    stop_card(card);
    snprintf(where, sizeof where, "through pcscd (emulated card, port %u)", o.port);
    rc = mdr_pcsc_report(&in, where, &r);
    mdr_input_free(&in);
    return rc;
}
