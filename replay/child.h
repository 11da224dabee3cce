/* child: run a program to the end (or its time limit) and keep what it printed, so mdreplay
 * survives the crash it is reproducing and can classify it (report.h). */
#ifndef CH_REPLAY_CHILD_H
#define CH_REPLAY_CHILD_H

#include <stddef.h>

#include "report.h"

#define CH_CHILD_MAX_OUTPUT (4u << 20) /* bytes of output kept; the rest is dropped */

typedef struct ch_child_out {
    char *text;      /* stdout and stderr interleaved as written, NUL-terminated (malloc'd) */
    size_t len;
    ch_rp_exit ex;
} ch_child_out;

/* Runs argv[0] (a path) with argv, the current environment plus env (NULL-terminated
 * "NAME=value" strings, may be NULL), stdin from /dev/null, in a process group of its own that
 * is killed after timeout_s seconds (0: no limit). Returns 0, or -1 when the program could not
 * be started (errno set; nothing in *out to free). */
int ch_child_run(char *const argv[], char *const env[], unsigned timeout_s, ch_child_out *out);
void ch_child_out_free(ch_child_out *out);

#endif
