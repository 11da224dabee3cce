/* report: what a replayed finding did, read from the child's exit status and its stderr.
 *
 * The classification and the stack hash are the ones scripts/campaign.sh uses to de-duplicate
 * findings (its stack_key / finding_hash), so a hash printed by `mdreplay run` is the hash in a
 * campaign's findings/unique/index.tsv. The rule, in full:
 *  - key: "invariant <file>:<line>" (file relative to the source root) when the text holds
 *    "invariant failed at FILE:LINE" (fuzz/fuzz_check.h); otherwise the first three frames of
 *    the FIRST stack ("#0 ..." starts a stack) that are not runtime (sanitizer, libFuzzer, AFL
 *    driver, libc, main: the same name and location patterns as campaign.sh), each
 *    "<function> <file>:<line>" with the column dropped and the root prefix removed, joined by
 *    "\n" (no trailing newline); empty when there is no such frame;
 *  - hash: the first 12 hex digits of SHA-1(key); with an empty key, of
 *    "nostack <first 12 hex digits of SHA-1(input)>".
 *  - headline: the first line matching "ERROR: ", "runtime error:", "invariant failed at",
 *    "ALARM:", "deadly signal", "out-of-memory" or "WARNING: .*Sanitizer", with "==PID== "
 *    and leading blanks removed, the root prefix removed everywhere, " at pc 0x.. bp 0x.. sp
 *    0x.." and " (pc 0x.. bp 0x.. sp 0x.. T..)" removed, cut to 160 bytes; or
 *    "(no sanitizer report: did not reproduce)".
 *
 * Kinds, in the order triage ranks them (most severe first): an out-of-bounds or
 * use-after-free WRITE (or a double/invalid free: the allocator's state is written), another
 * fatal signal with no access type, a READ, an invariant failure of the harness (a contract
 * broken: wrong result code, state changed on error, ...), a leak, undefined behaviour, a
 * timeout, out-of-memory. CLEAN: exit status 0 and none of the above in the text.
 *
 * What counts as what (the most severe wins when the text holds several):
 *  - WRITE: a sanitizer error followed by "WRITE of size" or "The signal is caused by a WRITE
 *    memory access"; ASan's double-free and bad-free (free of an address not malloc()-ed);
 *  - READ: the same with READ; MemorySanitizer's use-of-uninitialized-value (a value was read
 *    before it was written: ranked with the reads);
 *  - CRASH: any other sanitizer or libFuzzer error (SEGV with an UNKNOWN access,
 *    stack-overflow, allocation-size-too-big, ...); and, only when the text holds no report at
 *    all, an "ABRT" sanitizer error, libFuzzer's "deadly signal", a signaled exit (sanitizer
 *    "signal", bug_type "SIGSEGV", ...) or a non-zero exit status: an invariant failure or a
 *    UBSan error aborts by design, and that abort is not a second finding;
 *  - INVARIANT: "invariant failed at"; LEAK: "ERROR: LeakSanitizer"; UB: "runtime error:"
 *    (bug_type is UBSan's check name, e.g. "signed-integer-overflow", from the message);
 *    TIMEOUT: "ERROR: libFuzzer: timeout" or ex->timed_out; OOM: "out-of-memory" anywhere
 *    (libFuzzer's malloc and rss limits, ASan's "out of memory").
 * The text is read line by line; NUL bytes are dropped (as bash does when campaign.sh captures
 * the report) and only the first 8191 bytes of a line are looked at. Every field is cut to its
 * array and NUL-terminated; the hash is computed over the whole key even when key[] is cut. */
#ifndef CH_REPLAY_REPORT_H
#define CH_REPLAY_REPORT_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

typedef enum ch_rp_kind {
    CH_RP_WRITE = 0,
    CH_RP_CRASH,
    CH_RP_READ,
    CH_RP_INVARIANT,
    CH_RP_LEAK,
    CH_RP_UB,
    CH_RP_TIMEOUT,
    CH_RP_OOM,
    CH_RP_CLEAN,
    CH_RP_KINDS
} ch_rp_kind;

#define CH_RP_MAX_FRAMES 3u
#define CH_RP_HEADLINE_MAX 160u

typedef struct ch_rp_frame {
    char function[128]; /* as symbolized, truncated */
    char file[256];     /* relative to the root when under it; "" when unknown */
    unsigned line;      /* 0 when unknown */
} ch_rp_frame;

/* How the child ended, as the supervisor saw it. */
typedef struct ch_rp_exit {
    bool timed_out;     /* killed by the supervisor after its time limit */
    bool signaled;      /* WIFSIGNALED */
    int code;           /* exit status, or the signal number when signaled */
} ch_rp_exit;

typedef struct ch_rp_report {
    ch_rp_kind kind;
    char sanitizer[32];   /* "AddressSanitizer", "LeakSanitizer", "UndefinedBehaviorSanitizer",
                             "MemorySanitizer", "invariant", "libFuzzer", "signal" or "" */
    char bug_type[64];    /* e.g. "heap-buffer-overflow", "SEGV", "double-free",
                             "detected memory leaks", "signed-integer-overflow" when known */
    char headline[CH_RP_HEADLINE_MAX + 1];
    char key[CH_RP_MAX_FRAMES * (128 + 256 + 16) + 32];
    char hash[13];        /* 12 lower-case hex digits */
    ch_rp_frame frames[CH_RP_MAX_FRAMES]; /* the frames of the key (or the invariant's place) */
    size_t n_frames;
} ch_rp_report;

/* Classifies text[0..len) (the child's stderr; need not be NUL-terminated) with the exit
 * status. root is the source tree prefix to strip (with its trailing '/'; may be NULL or "").
 * input is the finding's bytes, hashed only when there is no stack. ex may be NULL (a clean
 * exit). Never fails. */
void ch_rp_classify(const char *text, size_t len, const ch_rp_exit *ex, const char *root,
                    const uint8_t *input, size_t input_len, ch_rp_report *out);

/* "write", "crash", "read", "invariant", "leak", "ub", "timeout", "oom", "clean"; "unknown"
 * for a value out of range. */
const char *ch_rp_kind_name(ch_rp_kind kind);
/* The kind from its name; false when unknown. */
bool ch_rp_kind_parse(const char *name, ch_rp_kind *kind);

#endif
