/* mdreplay card: a fuzz_apdu finding's CSP calls against a real card in a PC/SC reader, with
 * the production library (mdreplay-pcsc, pcsc_guard.h). Nothing that changes the card is sent
 * without --allow-writes; no PIN is sent but the user's own (--pin-file, --pin), and never the
 * finding's; management-key authentication, PIN change and unblock are skipped. The real
 * card's exchanges are printed, compared with the finding's answers, and with --transcript
 * written in transcript2seed.py's format (a new seed). */
#define _GNU_SOURCE
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "mdreplay.h"

/* --pin: handed to the child in a private temporary file, never on its command line. */
static bool pin_to_file(const char *pin, char *path)
{
    int fd = mkstemp(path);
    size_t n = strlen(pin);
    bool ok;

    if (fd < 0)
        return false;
    ok = fchmod(fd, 0600) == 0 && write(fd, pin, n) == (ssize_t)n;
    close(fd);
    if (!ok)
        unlink(path);
    return ok;
}

int mdr_cmd_card(int argc, char **argv)
{
    mdr_opts o;
    mdr_input in;
    mdr_result r;
    char exe[4200], pin_path[] = "/tmp/mdreplay-pin-XXXXXX", where[300];
    char *args[12];
    int n = 0, rc;
    bool pin_tmp = false;

    if (!mdr_parse_opts(argc, argv, "tTrfpxw", &o))
        return MDR_EXIT_USAGE;
    if (!o.reader) {
        fprintf(stderr, "mdreplay card: --reader NAME is required (pcsc_scan lists them)\n");
        return MDR_EXIT_USAGE;
    }
    if (o.pin && o.pin_file) {
        fprintf(stderr, "mdreplay card: --pin or --pin-file, not both\n");
        return MDR_EXIT_USAGE;
    }
    if ((rc = mdr_pcsc_prepare("card", &o, &in, exe, sizeof exe)) != 0)
        return rc;
    if (o.pin) {
        if (!pin_to_file(o.pin, pin_path)) {
            fprintf(stderr, "mdreplay card: cannot write a temporary PIN file\n");
            mdr_input_free(&in);
            return MDR_EXIT_ENV;
        }
        pin_tmp = true;
    }
    args[n++] = exe;
    args[n++] = (char *)in.path;
    args[n++] = "--reader";
    args[n++] = (char *)o.reader;
    if (o.allow_writes)
        args[n++] = "--allow-writes";
    if (o.pin || o.pin_file) {
        args[n++] = "--pin-file";
        args[n++] = o.pin ? pin_path : (char *)o.pin_file;
    }
    if (o.transcript) {
        args[n++] = "--transcript";
        args[n++] = (char *)o.transcript;
    }
    args[n] = NULL;
    if (!mdr_run_child(args, mdr_sanitizer_env(), &in, o.timeout, &r)) {
        if (pin_tmp)
            unlink(pin_path);
        mdr_input_free(&in);
        return MDR_EXIT_ENV;
    }
    if (pin_tmp)
        unlink(pin_path);
    snprintf(where, sizeof where, "on %s", o.reader);
    rc = mdr_pcsc_report(&in, where, &r);
    mdr_input_free(&in);
    return rc;
}
