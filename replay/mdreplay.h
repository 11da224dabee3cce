/* mdreplay: the parts of the command-line tool (docs/replay.md) and what they share. */
#ifndef CH_REPLAY_MDREPLAY_H
#define CH_REPLAY_MDREPLAY_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "report.h"

/* Exit codes (docs/replay.md "Exit status"). A finding's result is 10 + its ch_rp_kind, so
 * that a script can tell a write from a leak without parsing the output. */
enum {
    MDR_EXIT_CLEAN = 0,       /* ran to the end, nothing found (show: printed) */
    MDR_EXIT_USAGE = 2,       /* bad command line, unknown subcommand or target */
    MDR_EXIT_INPUT = 3,       /* unreadable finding, or truncated where that matters */
    MDR_EXIT_ENV = 4,         /* the build, reader, pcscd or tool needed is not there */
    MDR_EXIT_CARD = 5,        /* the card went away or failed mid-run */
    MDR_EXIT_FOUND = 10       /* + ch_rp_kind: the finding reproduced as that kind */
};

/* The fuzz targets mdreplay knows (they are the targets of fuzz/CMakeLists.txt). */
typedef struct mdr_target {
    const char *name;
    size_t header;     /* bytes of the fixed header: a shorter input is truncated */
    bool trace;        /* the target writes fuzz/trace.h events (show pairs C- and R-APDUs) */
    const char *what;  /* one line */
} mdr_target;

const mdr_target *mdr_target_find(const char *name);
const mdr_target *mdr_targets(size_t *n);
/* The target a path names through one of its directories (campaigns/X/fuzz_apdu/findings/f,
 * corpora/regressions/fuzz_apdu/f), or NULL. */
const mdr_target *mdr_target_from_path(const char *path);

/* A finding file read whole. */
typedef struct mdr_input {
    const char *path;
    uint8_t *data;
    size_t len;
} mdr_input;

/* Reads path; on failure prints "mdreplay: PATH: reason" and returns false. */
bool mdr_read_input(const char *path, mdr_input *in);
void mdr_input_free(mdr_input *in);

/* Where the fuzz target binaries are: --build DIR, else $MDREPLAY_BUILD, else the build tree
 * mdreplay was built in. Sets *dir (static storage). */
typedef struct mdr_build {
    char dir[4096];
    char sanitizers[128];   /* CH_SANITIZERS of its CMakeCache.txt ("" when none) */
} mdr_build;

bool mdr_build_locate(const char *opt_dir, mdr_build *b);
/* The target's executable in the build; false (and a one-line error) when it is missing. */
bool mdr_target_binary(const mdr_build *b, const mdr_target *t, char *out, size_t cap);

/* One replay of a finding in a child process: the target's binary on the file. With
 * trace_path, the child writes its fuzz/trace.h events there. */
typedef struct mdr_result {
    ch_rp_report rp;
    char *output;       /* what the child printed (malloc'd) */
    size_t output_len;
    ch_rp_exit ex;
} mdr_result;

bool mdr_replay(const mdr_build *b, const mdr_target *t, const mdr_input *in,
                const char *trace_path, unsigned timeout_s, mdr_result *res);
void mdr_result_free(mdr_result *res);
/* Runs argv (env as child.h) and classifies its end like mdr_replay. */
bool mdr_run_child(char *const argv[], char *const env[], const mdr_input *in,
                   unsigned timeout_s, mdr_result *res);
/* The sanitizer options a campaign uses, NULL-terminated "NAME=value" strings. */
char *const *mdr_sanitizer_env(void);

/* The source root with a trailing '/', to strip from reports (CH_SOURCE_ROOT at build). */
const char *mdr_source_root(void);

int mdr_cmd_show(int argc, char **argv);
int mdr_cmd_run(int argc, char **argv);
int mdr_cmd_triage(int argc, char **argv);
int mdr_cmd_card(int argc, char **argv);
int mdr_cmd_emulate(int argc, char **argv);

/* A program installed next to mdreplay (mdreplay-pcsc), into out; false after a one-line
 * error when it is not there. */
bool mdr_sibling(const char *name, char *out, size_t cap);
/* The exit status for a child's end: its kind (10 + kind, 0 clean), or, when it exited with
 * 3, 4 or 5 itself (mdreplay-pcsc's own errors), that status. */
int mdr_exit_for(const mdr_result *r);

#define MDR_DEFAULT_TIMEOUT 60u



/* ---- command-line options shared by the subcommands ---- */
typedef struct mdr_opts {
    const char *pos;      /* the one positional argument (FINDING or DIR) */
    const char *target;   /* --target */
    const char *build;    /* --build */
    const char *out;      /* --out */
    unsigned timeout;     /* --timeout (seconds), MDR_DEFAULT_TIMEOUT by default */
    bool json, quiet;     /* --json, --quiet */
    const char *reader;   /* --reader (card: the exact name; emulate: a part of it) */
    const char *pin_file; /* --pin-file */
    const char *pin;      /* --pin */
    const char *mgm_key;  /* --mgm-key (hex) */
    const char *mgm_key_file; /* --mgm-key-file */
    const char *transcript; /* --transcript */
    unsigned port;        /* --port (emulate), CH_VPCD_DEFAULT_PORT by default */
    bool allow_writes;    /* --allow-writes */
} mdr_opts;

/* Parses argv[1..argc) (argv[0] is the subcommand). allowed lists the options the subcommand
 * takes by letter (t target, b build, o out, T timeout, j json, q quiet, r reader, f pin-file,
 * p pin, k mgm-key, K mgm-key-file, x transcript, P port, w allow-writes). Prints a one-line
 * error and returns false on anything else. */
bool mdr_parse_opts(int argc, char **argv, const char *allowed, mdr_opts *o);
/* --target, else the target the path names; NULL after a one-line error. */
const mdr_target *mdr_resolve_target(const char *opt, const char *path);

/* card and emulate: the finding of o (its target from --target, else its path, else
 * fuzz_apdu: the one target whose calls run through PC/SC), read whole into *in, and the path
 * of mdreplay-pcsc into exe. A fuzz_apdu finding that ends before its header or inside a
 * call's data is refused: on a reader the missing bytes cannot be read as zeros as the fuzzer
 * read them. Returns 0, or the exit status after a one-line error (nothing to free then). */
int mdr_pcsc_prepare(const char *cmd, const mdr_opts *o, mdr_input *in, char *exe,
                     size_t cap);
/* card and emulate: prints what mdreplay-pcsc printed and the summary line
 * "fuzz_apdu FINDING WHERE: KIND HASH" (and the headline), frees r, returns the exit status. */
int mdr_pcsc_report(const mdr_input *in, const char *where, mdr_result *r);

#endif
