/* mdreplay card: a fuzz_apdu finding's CSP calls against a real card in a PC/SC reader, with
 * the production library (mdreplay-pcsc, pcsc_guard.h). Nothing that changes the card is sent
 * without --allow-writes; no PIN is sent but the user's own (--pin-file, --pin), and never the
 * finding's; management-key authentication answers the card with the user's key
 * (--mgm-key-file, --mgm-key) or is skipped; PIN change and unblock are skipped. The real
 * card's exchanges are printed, compared with the finding's answers, and with --transcript
 * written in transcript2seed.py's format (a new seed). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mdreplay.h"

/* --pin, --mgm-key: handed to the child in a private temporary file, never on its command
 * line (where any local process could read it). */
static bool secret_to_file(const char *secret, char *path)
{
    int fd = mkstemp(path);
    size_t n = strlen(secret);
    bool ok;

    if (fd < 0)
        return false;
    ok = fchmod(fd, 0600) == 0 && write(fd, secret, n) == (ssize_t)n;
    close(fd);
    if (!ok)
        unlink(path);
    return ok;
}

/* One secret the user gave, inline (handed over in a temporary file) or as a file. */
typedef struct secret {
    const char *inline_value, *file, *what;
    char tmp[32];
    bool have_tmp;
} secret;

static void secret_drop(secret *s)
{
    if (s->have_tmp)
        unlink(s->tmp);
    s->have_tmp = false;
}

/* The path to hand the child (NULL: none given), or false after a one-line error. */
static bool secret_path(secret *s, const char **path)
{
    *path = s->file;
    if (!s->inline_value)
        return true;
    snprintf(s->tmp, sizeof s->tmp, "/tmp/mdreplay-%s-XXXXXX", s->what);
    if (!secret_to_file(s->inline_value, s->tmp)) {
        fprintf(stderr, "mdreplay card: cannot write a temporary %s file\n", s->what);
        return false;
    }
    s->have_tmp = true;
    *path = s->tmp;
    return true;
}

int mdr_cmd_card(int argc, char **argv)
{
    mdr_opts o;
    mdr_input in;
    mdr_result r;
    char exe[4200], where[300];
    char *args[14];
    const char *pin_path = NULL, *mgm_path = NULL;
    int n = 0, rc;
    secret pin = {0}, mgm = {0};

    if (!mdr_parse_opts(argc, argv, "tTrfpkKxw", &o))
        return MDR_EXIT_USAGE;
    if (!o.reader) {
        fprintf(stderr, "mdreplay card: --reader NAME is required (pcsc_scan lists them)\n");
        return MDR_EXIT_USAGE;
    }
    if (o.pin && o.pin_file) {
        fprintf(stderr, "mdreplay card: --pin or --pin-file, not both\n");
        return MDR_EXIT_USAGE;
    }
    if (o.mgm_key && o.mgm_key_file) {
        fprintf(stderr, "mdreplay card: --mgm-key or --mgm-key-file, not both\n");
        return MDR_EXIT_USAGE;
    }
    if ((rc = mdr_pcsc_prepare("card", &o, &in, exe, sizeof exe)) != 0)
        return rc;
    pin = (secret){.inline_value = o.pin, .file = o.pin_file, .what = "pin"};
    mgm = (secret){.inline_value = o.mgm_key, .file = o.mgm_key_file, .what = "mgm"};
    if (!secret_path(&pin, &pin_path) || !secret_path(&mgm, &mgm_path)) {
        secret_drop(&pin);
        mdr_input_free(&in);
        return MDR_EXIT_ENV;
    }
    args[n++] = exe;
    args[n++] = (char *)in.path;
    args[n++] = "--reader";
    args[n++] = (char *)o.reader;
    if (o.allow_writes)
        args[n++] = "--allow-writes";
    if (pin_path) {
        args[n++] = "--pin-file";
        args[n++] = (char *)pin_path;
    }
    if (mgm_path) {
        args[n++] = "--mgm-key-file";
        args[n++] = (char *)mgm_path;
    }
    if (o.transcript) {
        args[n++] = "--transcript";
        args[n++] = (char *)o.transcript;
    }
    args[n] = NULL;
    if (!mdr_run_child(args, mdr_sanitizer_env(), &in, o.timeout, &r)) {
        secret_drop(&pin);
        secret_drop(&mgm);
        mdr_input_free(&in);
        return MDR_EXIT_ENV;
    }
    secret_drop(&pin);
    secret_drop(&mgm);
    snprintf(where, sizeof where, "on %s", o.reader);
    rc = mdr_pcsc_report(&in, where, &r);
    mdr_input_free(&in);
    return rc;
}
