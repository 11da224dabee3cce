/*
 * vpcd-card: an emulated card driven by prefix rules, plugged into pcscd through vpcd.
 *
 *   vpcd-card [--port P] [--host 127.0.0.1] [--atr HEX] [--rule CAPDU_PREFIX=RAPDU]...
 *             [--default RAPDU] [--transcript FILE] [--pidfile FILE] [--connect-timeout MS]
 *             [--remove-after N] [--verbose]
 *
 * Exit status: 0 when vpcd closes the connection or on SIGTERM/SIGINT, 1 on run-time errors,
 * 2 on bad options.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include "hex.h"
#include "vpcd_card.h"

#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define PROG "vpcd-card"
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define DEFAULT_CONNECT_TIMEOUT_MS 10000

/* YubiKey 4 style ATR: T=1, historical bytes "Yubikey4", valid TCK. */
static const char default_atr_hex[] = "3BF81300008131FE15597562696B657934D4";

/* The only mutable global: written by the signal handler, read through ch_vpcd_serve's stop. */
static volatile sig_atomic_t g_stop;
_Static_assert(sizeof(sig_atomic_t) == sizeof(int), "ch_vpcd_serve's stop flag is an int");

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

struct bytes {
    uint8_t *p;
    size_t n;
};

struct rule {
    struct bytes prefix;
    struct bytes answer;
};

struct card {
    struct rule *rules;
    size_t nrules;
    struct bytes deflt;
    FILE *transcript;
    const char *transcript_path;
    int verbose;
    int failed;
    unsigned long remove_after; /* 0: never; else the card goes after answering this many */
    unsigned long answered;
};

/* Hex digits with optional spaces, tabs and colons between them. Allocates out->p (at least
 * one byte so that an empty result is still a valid pointer). Returns 0 or prints why not. */
static int parse_hex(const char *what, const char *s, struct bytes *out)
{
    size_t n = 0;
    size_t pos = 0;
    int rc;
    out->p = NULL;
    out->n = 0;
    /* Count first, without a limit: a bad character anywhere is reported before the length. */
    rc = ch_hex_decode(s, NULL, SIZE_MAX, &n, &pos);
    if (rc == CH_HEX_EDIGIT) {
        fprintf(stderr, PROG ": %s: '%c' at offset %zu is not a hex digit\n", what, s[pos], pos);
        return -1;
    }
    if (rc == CH_HEX_EODD) {
        fprintf(stderr, PROG ": %s: odd number of hex digits (%zu)\n", what, 2 * n + 1);
        return -1;
    }
    if (rc != CH_HEX_OK || n > CH_VPCD_MAX_MESSAGE) {
        fprintf(stderr, PROG ": %s: %zu bytes is longer than a vpcd message (%u)\n", what, n,
                CH_VPCD_MAX_MESSAGE);
        return -1;
    }
    out->p = malloc(n + 1);
    if (out->p == NULL) {
        fprintf(stderr, PROG ": %s: out of memory\n", what);
        return -1;
    }
    (void)ch_hex_decode(s, out->p, n, &out->n, NULL); /* cannot fail: checked above */
    return 0;
}

static int parse_answer(const char *what, const char *s, struct bytes *out)
{
    if (parse_hex(what, s, out) != 0) {
        return -1;
    }
    if (out->n < 2) {
        fprintf(stderr, PROG ": %s: an answer needs at least SW1 SW2 (got %zu bytes)\n", what,
                out->n);
        free(out->p);
        out->p = NULL;
        return -1;
    }
    return 0;
}

static int add_rule(struct card *c, const char *arg)
{
    const char *eq = strchr(arg, '=');
    struct rule r;
    struct rule *grown;
    char *prefix_text;
    size_t plen;
    if (eq == NULL) {
        fprintf(stderr, PROG ": --rule \"%s\": expected CAPDU_PREFIX_HEX=RAPDU_HEX\n", arg);
        return -1;
    }
    plen = (size_t)(eq - arg);
    prefix_text = malloc(plen + 1);
    if (prefix_text == NULL) {
        fprintf(stderr, PROG ": out of memory\n");
        return -1;
    }
    memcpy(prefix_text, arg, plen);
    prefix_text[plen] = '\0';
    if (parse_hex("--rule prefix", prefix_text, &r.prefix) != 0) {
        free(prefix_text);
        return -1;
    }
    free(prefix_text);
    if (parse_answer("--rule answer", eq + 1, &r.answer) != 0) {
        free(r.prefix.p);
        return -1;
    }
    grown = realloc(c->rules, (c->nrules + 1) * sizeof(*grown));
    if (grown == NULL) {
        fprintf(stderr, PROG ": out of memory\n");
        free(r.prefix.p);
        free(r.answer.p);
        return -1;
    }
    c->rules = grown;
    c->rules[c->nrules++] = r;
    return 0;
}

static void free_card(struct card *c)
{
    size_t i;
    for (i = 0; i < c->nrules; i++) {
        free(c->rules[i].prefix.p);
        free(c->rules[i].answer.p);
    }
    free(c->rules);
    free(c->deflt.p);
    c->rules = NULL;
    c->nrules = 0;
    c->deflt.p = NULL;
}

static int write_hex_line(FILE *f, char dir, const uint8_t *p, size_t n)
{
    if (fprintf(f, "%c ", dir) < 0 || ch_hex_fprint(f, p, n) != 0) {
        return -1;
    }
    return fputc('\n', f) == EOF ? -1 : 0;
}

static int answer_apdu(void *ctx, const uint8_t *capdu, size_t capdu_len, uint8_t *rapdu,
                       size_t rapdu_cap, size_t *rapdu_len)
{
    struct card *c = ctx;
    const struct bytes *ans = &c->deflt;
    size_t i;
    if (c->remove_after && c->answered >= c->remove_after) {
        if (c->verbose)
            fprintf(stderr, PROG ": removed after %lu commands\n", c->answered);
        return -1; /* dropping the connection is a removal to vpcd */
    }
    c->answered++;
    for (i = 0; i < c->nrules; i++) {
        const struct bytes *pre = &c->rules[i].prefix;
        if (pre->n <= capdu_len && memcmp(pre->p, capdu, pre->n) == 0) {
            ans = &c->rules[i].answer;
            break;
        }
    }
    if (ans->n > rapdu_cap) {
        fprintf(stderr, PROG ": answer of %zu bytes does not fit %zu\n", ans->n, rapdu_cap);
        c->failed = 1;
        return -1;
    }
    memcpy(rapdu, ans->p, ans->n);
    *rapdu_len = ans->n;
    if (c->verbose) {
        (void)write_hex_line(stderr, '>', capdu, capdu_len);
        (void)write_hex_line(stderr, '<', rapdu, *rapdu_len);
    }
    if (c->transcript != NULL) {
        if (write_hex_line(c->transcript, '>', capdu, capdu_len) != 0 ||
            write_hex_line(c->transcript, '<', rapdu, *rapdu_len) != 0 ||
            fflush(c->transcript) != 0) {
            fprintf(stderr, PROG ": writing transcript %s: %s\n", c->transcript_path,
                    strerror(errno));
            c->failed = 1;
            return -1;
        }
    }
    return 0;
}

static void on_event(void *ctx, int event)
{
    const struct card *c = ctx;
    if (c->verbose) {
        fprintf(stderr, PROG ": vpcd: %s\n",
                event == CH_VPCD_EVENT_POWER_OFF  ? "power off"
                : event == CH_VPCD_EVENT_POWER_ON ? "power on"
                : event == CH_VPCD_EVENT_RESET    ? "reset"
                                                  : "unknown event");
    }
}

static int parse_ulong(const char *what, const char *s, unsigned long min, unsigned long max,
                       unsigned long *out)
{
    char *end = NULL;
    unsigned long v;
    if (s[0] < '0' || s[0] > '9') {
        fprintf(stderr, PROG ": %s \"%s\": not a number\n", what, s);
        return -1;
    }
    errno = 0;
    v = strtoul(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
        fprintf(stderr, PROG ": %s \"%s\": expected a number in %lu..%lu\n", what, s, min, max);
        return -1;
    }
    *out = v;
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: " PROG " [options]\n"
            "Emulated card for pcscd's vpcd driver (vsmartcard), answering by prefix rules.\n"
            "  --port P            vpcd TCP port (default: $VPCD_PORT if set, else %u)\n"
            "  --host ADDR         loopback address of vpcd (default 127.0.0.1)\n"
            "  --atr HEX           ATR (default %s)\n"
            "  --rule PREFIX=RAPDU answer RAPDU to commands starting with PREFIX (repeatable,\n"
            "                      first match wins; hex, spaces and colons allowed)\n"
            "  --default RAPDU     answer when no rule matches (default 6D00)\n"
            "  --transcript FILE   append '> CAPDU' and '< RAPDU' lines per exchange\n"
            "  --pidfile FILE      write our pid there (removed on exit)\n"
            "  --connect-timeout MS  keep retrying the connection this long (default %d)\n"
            "  --remove-after N    answer N commands, then leave (the card is removed)\n"
            "  --verbose           log power events and exchanges on stderr\n"
            "  --help              this text\n"
            "Exits 0 when vpcd closes the connection or on SIGTERM/SIGINT, 1 on errors,\n"
            "2 on bad options.\n",
            CH_VPCD_DEFAULT_PORT, default_atr_hex, DEFAULT_CONNECT_TIMEOUT_MS);
}

static int write_pidfile(const char *path)
{
    FILE *f = fopen(path, "w");
    if (f == NULL) {
        fprintf(stderr, PROG ": --pidfile %s: %s\n", path, strerror(errno));
        return -1;
    }
    if (fprintf(f, "%ld\n", (long)getpid()) < 0 || fclose(f) != 0) {
        fprintf(stderr, PROG ": --pidfile %s: write failed\n", path);
        return -1;
    }
    return 0;
}

enum { OPT_PORT = 256, OPT_HOST, OPT_ATR, OPT_RULE, OPT_DEFAULT, OPT_TRANSCRIPT, OPT_PIDFILE,
       OPT_CONNECT_TIMEOUT, OPT_VERBOSE, OPT_HELP, OPT_REMOVE_AFTER };

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"port", required_argument, NULL, OPT_PORT},
        {"host", required_argument, NULL, OPT_HOST},
        {"atr", required_argument, NULL, OPT_ATR},
        {"rule", required_argument, NULL, OPT_RULE},
        {"default", required_argument, NULL, OPT_DEFAULT},
        {"transcript", required_argument, NULL, OPT_TRANSCRIPT},
        {"pidfile", required_argument, NULL, OPT_PIDFILE},
        {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {"remove-after", required_argument, NULL, OPT_REMOVE_AFTER},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    struct card card;
    struct bytes atr = {NULL, 0};
    const char *host = "127.0.0.1";
    const char *pidfile = NULL;
    const char *env_port = getenv("VPCD_PORT");
    unsigned long port = CH_VPCD_DEFAULT_PORT;
    unsigned long timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    int have_port = 0;
    int pid_written = 0;
    int status = EXIT_USAGE;
    int opt;
    int rc;
    struct sigaction sa;

    memset(&card, 0, sizeof(card));
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_PORT:
            if (parse_ulong("--port", optarg, 1, 65535, &port) != 0) {
                goto out;
            }
            have_port = 1;
            break;
        case OPT_HOST:
            host = optarg;
            break;
        case OPT_ATR:
            free(atr.p);
            if (parse_hex("--atr", optarg, &atr) != 0) {
                goto out;
            }
            break;
        case OPT_RULE:
            if (add_rule(&card, optarg) != 0) {
                goto out;
            }
            break;
        case OPT_DEFAULT:
            free(card.deflt.p);
            card.deflt.p = NULL;
            if (parse_answer("--default", optarg, &card.deflt) != 0) {
                goto out;
            }
            break;
        case OPT_TRANSCRIPT:
            card.transcript_path = optarg;
            break;
        case OPT_PIDFILE:
            pidfile = optarg;
            break;
        case OPT_CONNECT_TIMEOUT:
            if (parse_ulong("--connect-timeout", optarg, 0, 86400000ul, &timeout_ms) != 0) {
                goto out;
            }
            break;
        case OPT_REMOVE_AFTER:
            if (parse_ulong("--remove-after", optarg, 1, 1000000ul, &card.remove_after) != 0) {
                goto out;
            }
            break;
        case OPT_VERBOSE:
            card.verbose = 1;
            break;
        case OPT_HELP:
            usage(stdout);
            status = 0;
            goto out;
        default:
            fprintf(stderr, PROG ": %s %s (see --help)\n",
                    optopt != 0 ? "missing value for option" : "unknown option",
                    optind > 0 && optind <= argc ? argv[optind - 1] : "?");
            goto out;
        }
    }
    if (optind < argc) {
        fprintf(stderr, PROG ": unexpected argument \"%s\" (see --help)\n", argv[optind]);
        goto out;
    }
    if (!have_port && env_port != NULL && env_port[0] != '\0') {
        if (parse_ulong("VPCD_PORT", env_port, 1, 65535, &port) != 0) {
            goto out;
        }
    }
    if (atr.p == NULL && parse_hex("default ATR", default_atr_hex, &atr) != 0) {
        goto out;
    }
    if (atr.n < CH_VPCD_ATR_MIN || atr.n > CH_VPCD_ATR_MAX ||
        (atr.p[0] != 0x3B && atr.p[0] != 0x3F)) {
        fprintf(stderr, PROG ": --atr: an ATR is %u..%u bytes starting with 3B or 3F\n",
                CH_VPCD_ATR_MIN, CH_VPCD_ATR_MAX);
        goto out;
    }
    if (card.deflt.p == NULL && parse_answer("default answer", "6D00", &card.deflt) != 0) {
        goto out;
    }

    status = EXIT_RUNTIME;
    if (card.transcript_path != NULL) {
        card.transcript = fopen(card.transcript_path, "a");
        if (card.transcript == NULL) {
            fprintf(stderr, PROG ": --transcript %s: %s\n", card.transcript_path, strerror(errno));
            goto out;
        }
    }

    memset(&sa, 0, sizeof(sa));
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: let blocking calls see EINTR and re-check the flag */
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0) {
        fprintf(stderr, PROG ": sigaction: %s\n", strerror(errno));
        goto out;
    }
    sa.sa_handler = SIG_IGN;
    (void)sigaction(SIGPIPE, &sa, NULL);

    if (pidfile != NULL) {
        if (write_pidfile(pidfile) != 0) {
            goto out;
        }
        pid_written = 1;
    }

    rc = ch_vpcd_serve(host, (uint16_t)port, atr.p, atr.n, answer_apdu, on_event, &card,
                       (int)timeout_ms, (volatile int *)&g_stop);
    if (rc == CH_VPCD_EARG) {
        status = EXIT_USAGE; /* e.g. a host that is not loopback */
    } else {
        status = (rc == 0 && !card.failed) ? 0 : EXIT_RUNTIME;
    }

out:
    if (pid_written) {
        (void)unlink(pidfile);
    }
    if (card.transcript != NULL && fclose(card.transcript) != 0 && status == 0) {
        fprintf(stderr, PROG ": closing transcript %s: %s\n", card.transcript_path,
                strerror(errno));
        status = EXIT_RUNTIME;
    }
    free(atr.p);
    free_card(&card);
    return status;
}
