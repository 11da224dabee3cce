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
    if (!strcmp(argv[1], "card") || !strcmp(argv[1], "emulate")) {
        fprintf(stderr, "mdreplay: %s: not implemented yet (docs/replay.md)\n", argv[1]);
        return MDR_EXIT_USAGE;
    }
    fprintf(stderr, "mdreplay: unknown command '%s' (mdreplay --help)\n", argv[1]);
    return MDR_EXIT_USAGE;
}
