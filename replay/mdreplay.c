/* mdreplay: reproduce fuzz findings (docs/replay.md). This file: the command line. */
#include <stdio.h>
#include <string.h>

#include "mdreplay.h"

static void usage(FILE *f)
{
    size_t n;
    const mdr_target *t = mdr_targets(&n);

    fputs("usage: mdreplay COMMAND [OPTIONS] ...\n"
          "  show FINDING [--target T] [--json] [--build DIR]\n"
          "        the finding decoded: the CSP calls, the card answers, and (targets that\n"
          "        trace) the C-APDU / R-APDU transcript with names, from running it once\n"
          "  run FINDING [--target T] [--json] [--quiet] [--build DIR] [--timeout S]\n"
          "        re-run it in the sanitizer build; report crash / leak / invariant / clean\n"
          "        with the sanitizer report and a stack hash\n"
          "  triage DIR [--target T] [--out DIR] [--build DIR] [--timeout S]\n"
          "        run every finding of DIR (a findings directory, or a campaign directory),\n"
          "        group them by stack hash, rank by kind, write triage.md and triage.sarif\n"
          "  card FINDING --reader NAME [--allow-writes] [--pin-file F | --pin PIN]\n"
          "       [--mgm-key-file F | --mgm-key HEX] [--transcript F] [--timeout S]\n"
          "        a fuzz_apdu finding's calls on a real card through pcsc-lite with the\n"
          "        production library: no write without --allow-writes, no PIN and no\n"
          "        management-key response but from what you gave;\n"
          "        prints the card's exchanges and where its answers differ from the finding's\n"
          "  emulate FINDING [--port P] [--reader PART] [--timeout S]\n"
          "        the finding's answers served by an emulated card on vpcd's port P behind a\n"
          "        running pcscd, the calls made by the production library through pcsc-lite\n"
          "  help  this text\n"
          "The target defaults to the one a directory of the finding's path names\n"
          "(campaigns/X/fuzz_apdu/findings/crash-..., corpora/regressions/fuzz_apdu/...).\n"
          "The build defaults to $MDREPLAY_BUILD, else the tree mdreplay was built in.\n"
          "Exit status: 0 clean, 2 usage, 3 unreadable or truncated finding, 4 build or\n"
          "tool missing, 5 card gone, 10 + kind when a finding reproduced (10 write,\n"
          "11 crash, 12 read, 13 invariant, 14 leak, 15 ub, 16 timeout, 17 oom);\n"
          "triage: 0 when nothing reproduced, else 10 + the most severe kind.\n"
          "Targets:\n",
          f);
    for (size_t i = 0; i < n; i++)
        fprintf(f, "  %-20s %s\n", t[i].name, t[i].what);
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr);
        return MDR_EXIT_USAGE;
    }
    if (!strcmp(argv[1], "help") || !strcmp(argv[1], "--help") || !strcmp(argv[1], "-h")) {
        usage(stdout);
        return MDR_EXIT_CLEAN;
    }
    if (!strcmp(argv[1], "show"))
        return mdr_cmd_show(argc - 1, argv + 1);
    if (!strcmp(argv[1], "run"))
        return mdr_cmd_run(argc - 1, argv + 1);
    if (!strcmp(argv[1], "triage"))
        return mdr_cmd_triage(argc - 1, argv + 1);
    if (!strcmp(argv[1], "card"))
        return mdr_cmd_card(argc - 1, argv + 1);
    if (!strcmp(argv[1], "emulate"))
        return mdr_cmd_emulate(argc - 1, argv + 1);
    fprintf(stderr, "mdreplay: unknown command '%s' (mdreplay --help)\n", argv[1]);
    return MDR_EXIT_USAGE;
}
