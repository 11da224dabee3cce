/*
 * vpiv-vpcd: the virtual PIV card (vpiv) behind a real pcscd, plugged in through vsmartcard's
 * vpcd reader driver (replay/vpcd_card.h). Any PC/SC client (yubico-piv-tool, OpenSC, the
 * minidriver through a CSP) then sees it as a card in the "Virtual PCD" reader.
 *
 *   vpiv-vpcd [--port P] [--host 127.0.0.1] [--state FILE] [--transcript FILE]
 *             [--deterministic SEED] [--connect-timeout MS] [--verbose]
 *
 * Power off / power on / reset from the reader clear the card's volatile state (vpiv_power).
 * Exit status: 0 when vpcd closes the connection or on SIGTERM/SIGINT, 1 on run-time errors
 * (state file unreadable or corrupt, transcript not writable, connection failed), 2 on bad
 * options.
 */
#define _POSIX_C_SOURCE 200809L
#define _DEFAULT_SOURCE

#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "vpcd_card.h"
#include "vpiv.h"

#define PROG "vpiv-vpcd"
#define EXIT_RUNTIME 1
#define EXIT_USAGE 2
#define DEFAULT_CONNECT_TIMEOUT_MS 10000

/* The only mutable global: written by the signal handler, read through ch_vpcd_serve's stop. */
static volatile sig_atomic_t g_stop;
_Static_assert(sizeof(sig_atomic_t) == sizeof(int), "ch_vpcd_serve's stop flag is an int");

static void on_signal(int sig)
{
    (void)sig;
    g_stop = 1;
}

typedef struct daemon_ctx {
    vpiv_card *card;
    FILE *transcript;
    const char *transcript_path;
    int verbose;
    int failed;
} daemon_ctx;

static int write_hex_line(FILE *f, char dir, const uint8_t *p, size_t n)
{
    if (fprintf(f, "%c ", dir) < 0)
        return -1;
    for (size_t i = 0; i < n; i++)
        if (fprintf(f, "%02X", (unsigned)p[i]) < 0)
            return -1;
    return fputc('\n', f) == EOF ? -1 : 0;
}

static int answer_apdu(void *vctx, const uint8_t *capdu, size_t capdu_len, uint8_t *rapdu,
                       size_t rapdu_cap, size_t *rapdu_len)
{
    daemon_ctx *c = vctx;
    size_t n;

    if (rapdu_cap < VPIV_MAX_RAPDU) { /* cannot happen with vpcd_card's buffer; be explicit */
        fprintf(stderr, PROG ": answer buffer of %zu bytes is below %u\n", rapdu_cap,
                VPIV_MAX_RAPDU);
        c->failed = 1;
        return -1;
    }
    n = vpiv_process(c->card, capdu, capdu_len, rapdu);
    if (n < 2 || n > VPIV_MAX_RAPDU) {
        fprintf(stderr, PROG ": vpiv answered %zu bytes (expected 2..%u)\n", n, VPIV_MAX_RAPDU);
        c->failed = 1;
        return -1;
    }
    *rapdu_len = n;
    if (c->verbose) {
        (void)write_hex_line(stderr, '>', capdu, capdu_len);
        (void)write_hex_line(stderr, '<', rapdu, n);
    }
    if (c->transcript) {
        if (write_hex_line(c->transcript, '>', capdu, capdu_len) != 0 ||
            write_hex_line(c->transcript, '<', rapdu, n) != 0 || fflush(c->transcript) != 0) {
            fprintf(stderr, PROG ": writing transcript %s: %s\n", c->transcript_path,
                    strerror(errno));
            c->failed = 1;
            return -1;
        }
    }
    return 0;
}

static void on_event(void *vctx, int event)
{
    daemon_ctx *c = vctx;
    int e;
    const char *what;

    switch (event) {
    case CH_VPCD_EVENT_POWER_OFF:
        e = VPIV_POWER_OFF;
        what = "power off";
        break;
    case CH_VPCD_EVENT_POWER_ON:
        e = VPIV_POWER_ON;
        what = "power on";
        break;
    case CH_VPCD_EVENT_RESET:
        e = VPIV_RESET;
        what = "reset";
        break;
    default: /* an unknown control: end the session all the same, as a card would on doubt */
        e = VPIV_RESET;
        what = "unknown event (treated as reset)";
        break;
    }
    vpiv_power(c->card, e);
    if (c->verbose)
        fprintf(stderr, PROG ": vpcd: %s\n", what);
}

static int parse_u64(const char *what, const char *s, uint64_t min, uint64_t max, uint64_t *out)
{
    char *end = NULL;
    uintmax_t v;
    if (s[0] < '0' || s[0] > '9') {
        fprintf(stderr, PROG ": %s \"%s\": not a number\n", what, s);
        return -1;
    }
    errno = 0;
    v = strtoumax(s, &end, 10);
    if (errno != 0 || end == s || *end != '\0' || v < min || v > max) {
        fprintf(stderr, PROG ": %s \"%s\": expected a number in %" PRIu64 "..%" PRIu64 "\n",
                what, s, min, max);
        return -1;
    }
    *out = (uint64_t)v;
    return 0;
}

static void usage(FILE *f)
{
    fprintf(f,
            "usage: " PROG " [options]\n"
            "The virtual PIV card (vpiv) in a reader of pcscd's vpcd driver (vsmartcard).\n"
            "  --port P            vpcd TCP port (default: $VPCD_PORT if set, else %u)\n"
            "  --host ADDR         loopback address of vpcd (default 127.0.0.1; loopback only)\n"
            "  --state FILE        persistent card: load FILE if it exists, save every change\n"
            "                      to it (default: a fresh card in memory)\n"
            "  --transcript FILE   append '> CAPDU' and '< RAPDU' hex lines per exchange\n"
            "  --deterministic N   reproducible randomness (keys, challenges) from seed N;\n"
            "                      for tests and fuzz seeds only, never for real keys\n"
            "  --connect-timeout MS  keep retrying the connection this long (default %d)\n"
            "  --verbose           log power events and exchanges on stderr\n"
            "  --help              this text\n"
            "Exits 0 when vpcd closes the connection or on SIGTERM/SIGINT, 1 on errors,\n"
            "2 on bad options.\n",
            CH_VPCD_DEFAULT_PORT, DEFAULT_CONNECT_TIMEOUT_MS);
}

enum { OPT_PORT = 256, OPT_HOST, OPT_STATE, OPT_TRANSCRIPT, OPT_DETERMINISTIC,
       OPT_CONNECT_TIMEOUT, OPT_VERBOSE, OPT_HELP };

int main(int argc, char **argv)
{
    static const struct option longopts[] = {
        {"port", required_argument, NULL, OPT_PORT},
        {"host", required_argument, NULL, OPT_HOST},
        {"state", required_argument, NULL, OPT_STATE},
        {"transcript", required_argument, NULL, OPT_TRANSCRIPT},
        {"deterministic", required_argument, NULL, OPT_DETERMINISTIC},
        {"connect-timeout", required_argument, NULL, OPT_CONNECT_TIMEOUT},
        {"verbose", no_argument, NULL, OPT_VERBOSE},
        {"help", no_argument, NULL, OPT_HELP},
        {NULL, 0, NULL, 0},
    };
    daemon_ctx ctx;
    const char *host = "127.0.0.1";
    const char *state = NULL;
    const char *env_port = getenv("VPCD_PORT");
    const char *why = NULL;
    uint64_t port = CH_VPCD_DEFAULT_PORT;
    uint64_t timeout_ms = DEFAULT_CONNECT_TIMEOUT_MS;
    uint64_t seed = 0;
    int have_port = 0, have_seed = 0;
    int status = EXIT_USAGE;
    int opt, rc;
    const uint8_t *atr;
    size_t atr_len;
    struct sigaction sa;

    memset(&ctx, 0, sizeof ctx);
    opterr = 0;
    while ((opt = getopt_long(argc, argv, "", longopts, NULL)) != -1) {
        switch (opt) {
        case OPT_PORT:
            if (parse_u64("--port", optarg, 1, 65535, &port) != 0)
                goto out;
            have_port = 1;
            break;
        case OPT_HOST:
            host = optarg;
            break;
        case OPT_STATE:
            if (optarg[0] == '\0') {
                fprintf(stderr, PROG ": --state needs a file name\n");
                goto out;
            }
            state = optarg;
            break;
        case OPT_TRANSCRIPT:
            ctx.transcript_path = optarg;
            break;
        case OPT_DETERMINISTIC:
            if (parse_u64("--deterministic", optarg, 0, UINT64_MAX, &seed) != 0)
                goto out;
            have_seed = 1;
            break;
        case OPT_CONNECT_TIMEOUT:
            if (parse_u64("--connect-timeout", optarg, 0, 86400000u, &timeout_ms) != 0)
                goto out;
            break;
        case OPT_VERBOSE:
            ctx.verbose = 1;
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
    if (!have_port && env_port && env_port[0] != '\0' &&
        parse_u64("VPCD_PORT", env_port, 1, 65535, &port) != 0)
        goto out;

    status = EXIT_RUNTIME;
    ctx.card = vpiv_new(state, &why);
    if (!ctx.card) {
        fprintf(stderr, PROG ": %s: %s\n", state ? state : "in-memory card",
                why ? why : "cannot create the card");
        goto out;
    }
    if (have_seed)
        vpiv_set_deterministic(ctx.card, seed);
    if (ctx.transcript_path) {
        ctx.transcript = fopen(ctx.transcript_path, "a");
        if (!ctx.transcript) {
            fprintf(stderr, PROG ": --transcript %s: %s\n", ctx.transcript_path,
                    strerror(errno));
            goto out;
        }
    }

    memset(&sa, 0, sizeof sa);
    sa.sa_handler = on_signal;
    sigemptyset(&sa.sa_mask);
    sa.sa_flags = 0; /* no SA_RESTART: let blocking calls see EINTR and re-check the flag */
    if (sigaction(SIGTERM, &sa, NULL) != 0 || sigaction(SIGINT, &sa, NULL) != 0) {
        fprintf(stderr, PROG ": sigaction: %s\n", strerror(errno));
        goto out;
    }
    sa.sa_handler = SIG_IGN;
    (void)sigaction(SIGPIPE, &sa, NULL);

    atr = vpiv_atr(&atr_len);
    rc = ch_vpcd_serve(host, (uint16_t)port, atr, atr_len, answer_apdu, on_event, &ctx,
                       (int)timeout_ms, (volatile int *)&g_stop);
    if (rc == CH_VPCD_EARG)
        status = EXIT_USAGE; /* e.g. a host that is not loopback */
    else
        status = (rc == 0 && !ctx.failed) ? 0 : EXIT_RUNTIME;

out:
    if (ctx.transcript && fclose(ctx.transcript) != 0 && status == 0) {
        fprintf(stderr, PROG ": closing transcript %s: %s\n", ctx.transcript_path,
                strerror(errno));
        status = EXIT_RUNTIME;
    }
    vpiv_free(ctx.card);
    return status;
}
