/* report: classify a replayed finding from its exit status and stderr (see report.h).
 *
 * The key and headline rules are a line-by-line transcription of the awk programs of
 * scripts/campaign.sh (stack_key, report_first_line, run by mawk, which counts bytes): every
 * regular expression there has a matcher here with the same leftmost-longest result. The text
 * is read through the bounded cursor, one line at a time, into a fixed buffer; NUL bytes are
 * dropped as bash drops them when campaign.sh captures the report with $(...). */
#include "report.h"

#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>

#include "cursor.h"
#include "sha.h"

/* Longer lines are cut: only the first LINE_CAP - 1 bytes of a line are seen (campaign.sh's
 * awk sees all of it; sanitizer lines are far shorter). */
#define LINE_CAP 8192u
#define NO_REPORT "(no sanitizer report: did not reproduce)"

static const char *const KIND_NAMES[CH_RP_KINDS] = {
    "write", "crash", "read", "invariant", "leak", "ub", "timeout", "oom", "clean",
};

const char *ch_rp_kind_name(ch_rp_kind kind)
{
    if ((unsigned)kind >= (unsigned)CH_RP_KINDS) {
        return "unknown";
    }
    return KIND_NAMES[kind];
}

bool ch_rp_kind_parse(const char *name, ch_rp_kind *kind)
{
    unsigned i;
    if (name == NULL) {
        return false;
    }
    for (i = 0; i < (unsigned)CH_RP_KINDS; i++) {
        if (strcmp(name, KIND_NAMES[i]) == 0) {
            if (kind != NULL) {
                *kind = (ch_rp_kind)i;
            }
            return true;
        }
    }
    return false;
}

/* ------------------------------------------------------------------ small string helpers */

/* dst[0..cap) = s[0..n), cut to cap - 1 bytes, always NUL-terminated. */
static void copy_cut(char *dst, size_t cap, const char *s, size_t n)
{
    if (n >= cap) {
        n = cap - 1;
    }
    memcpy(dst, s, n);
    dst[n] = '\0';
}

/* Appends s[0..n) to dst (a string in dst[0..cap)), cut to fit. */
static void append_cut(char *dst, size_t cap, const char *s, size_t n)
{
    size_t used = strlen(dst);
    if (used + 1 >= cap) {
        return;
    }
    copy_cut(dst + used, cap - used, s, n);
}

static bool starts_with(const char *s, const char *prefix)
{
    return strncmp(s, prefix, strlen(prefix)) == 0;
}

static bool is_digit(char c)
{
    return c >= '0' && c <= '9';
}

static bool is_lower_hex(char c)
{
    return is_digit(c) || (c >= 'a' && c <= 'f');
}

static bool is_ascii_alpha(char c)
{
    return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static size_t span_digits(const char *s)
{
    size_t n = 0;
    while (is_digit(s[n])) {
        n++;
    }
    return n;
}

/* Decimal digits s[0..n) (n > 0) as unsigned, saturating at UINT_MAX. */
static unsigned parse_line_number(const char *s, size_t n)
{
    unsigned v = 0;
    size_t i;
    for (i = 0; i < n; i++) {
        unsigned d = (unsigned)(s[i] - '0');
        if (v > (UINT_MAX - d) / 10u) {
            return UINT_MAX;
        }
        v = v * 10u + d;
    }
    return v;
}

/* The length of s with the root prefix removed (awk's rel()): returns the offset to start at. */
static size_t rel_offset(const char *s, const char *root)
{
    size_t rl = root != NULL ? strlen(root) : 0;
    if (rl > 0 && strncmp(s, root, rl) == 0) {
        return rl;
    }
    return 0;
}

/* ------------------------------------------------------------------ lines */

/* Next line of the text (without its '\n', NUL bytes dropped, cut to LINE_CAP - 1 bytes) into
 * buf; false when the text is exhausted. */
static bool next_line(ch_cur *c, char *buf)
{
    size_t n = 0;
    uint8_t b;
    if (ch_cur_empty(c)) {
        return false;
    }
    while (ch_cur_u8(c, &b) && b != '\n') {
        if (b != 0 && n + 1 < LINE_CAP) {
            buf[n++] = (char)b;
        }
    }
    buf[n] = '\0';
    return true;
}

/* ------------------------------------------------------------------ stack_key */

/* awk: /^[ \t]*#[0-9]+ .* in [A-Za-z_]/ */
static bool is_frame_line(const char *s)
{
    size_t i = strspn(s, " \t");
    size_t d;
    const char *p;
    if (s[i] != '#') {
        return false;
    }
    i++;
    d = span_digits(s + i);
    if (d == 0 || s[i + d] != ' ') {
        return false;
    }
    for (p = strstr(s + i + d + 1, " in "); p != NULL; p = strstr(p + 1, " in ")) {
        if (is_ascii_alpha(p[4]) || p[4] == '_') {
            return true;
        }
    }
    return false;
}

/* The name part of campaign.sh's runtime(): libFuzzer, AFL's driver, sanitizers, libc. */
static bool runtime_name(const char *name)
{
    static const char *const PREFIXES[] = {
        "__asan", "__ubsan", "__sanitizer", "__lsan", "__interceptor", "___interceptor",
        "__libc", "__GI_", "__pthread_kill", "pthread_kill", "fuzzer::", "operator ",
        "LLVMFuzzerRunDriver", "ExecuteFilesOnyByOne",
    };
    static const char *const EXACT[] = {
        "_start", "abort", "raise", "gsignal", "malloc", "calloc", "realloc", "free", "main",
    };
    size_t i;
    for (i = 0; i < sizeof PREFIXES / sizeof PREFIXES[0]; i++) {
        if (starts_with(name, PREFIXES[i])) {
            return true;
        }
    }
    for (i = 0; i < sizeof EXACT / sizeof EXACT[0]; i++) {
        if (strcmp(name, EXACT[i]) == 0) {
            return true;
        }
    }
    return false;
}

/* awk: loc ~ /\/Fuzzer[A-Za-z]*\.cpp/ */
static bool has_fuzzer_cpp(const char *loc)
{
    const char *p;
    for (p = strstr(loc, "/Fuzzer"); p != NULL; p = strstr(p + 1, "/Fuzzer")) {
        const char *q = p + 7;
        while (is_ascii_alpha(*q)) {
            q++;
        }
        if (starts_with(q, ".cpp")) {
            return true;
        }
    }
    return false;
}

/* The location part of campaign.sh's runtime(). */
static bool runtime_loc(const char *loc)
{
    static const char *const PARTS[] = {
        "compiler-rt", "aflpp_driver", "libc.so", "libc-", "ld-linux", "libstdc++", "/sysdeps/",
        "csu/", "libclang_rt", "libFuzzer",
    };
    static const char *const DIRS[] = {
        "nptl/", "signal/", "stdlib/", "string/", "malloc/", "libio/", "posix/", "elf/",
    };
    size_t i;
    for (i = 0; i < sizeof PARTS / sizeof PARTS[0]; i++) {
        if (strstr(loc, PARTS[i]) != NULL) {
            return true;
        }
    }
    for (i = 0; i < sizeof DIRS / sizeof DIRS[0]; i++) {
        if (starts_with(loc, DIRS[i])) {
            return true;
        }
    }
    return has_fuzzer_cpp(loc);
}

/* awk: sub(/ \(BuildId: [^)]*\)$/, "", rest) on rest[0..*n). */
static void cut_build_id(const char *rest, size_t *n)
{
    size_t len = *n;
    size_t from = 0;
    size_t i;
    const char *p;
    if (len == 0 || rest[len - 1] != ')') {
        return;
    }
    /* The match may hold no ')' but its last: it starts after any earlier ')'. */
    for (i = 0; i + 1 < len; i++) {
        if (rest[i] == ')') {
            from = i + 1;
        }
    }
    for (p = strstr(rest + from, " (BuildId: "); p != NULL; p = strstr(p + 1, " (BuildId: ")) {
        size_t at = (size_t)(p - rest);
        if (at + 11 <= len - 1) {
            *n = at;
            return;
        }
    }
}

/* Length of loc without a trailing ":COLUMN" when it ends in ":LINE:COLUMN". */
static size_t drop_column(const char *loc, size_t n)
{
    size_t i = n;
    size_t col;
    while (i > 0 && is_digit(loc[i - 1])) {
        i--;
    }
    if (i == n || i == 0 || loc[i - 1] != ':') {
        return n;
    }
    col = i - 1;
    i = col;
    while (i > 0 && is_digit(loc[i - 1])) {
        i--;
    }
    if (i == col || i == 0 || loc[i - 1] != ':') {
        return n;
    }
    return col;
}

/* A location "FILE:LINE" (or just FILE) into a frame. */
static void set_frame_place(ch_rp_frame *fr, const char *loc, size_t n)
{
    size_t i = n;
    while (i > 0 && is_digit(loc[i - 1])) {
        i--;
    }
    if (i < n && i > 0 && loc[i - 1] == ':') {
        copy_cut(fr->file, sizeof fr->file, loc, i - 1);
        fr->line = parse_line_number(loc + i, n - i);
    } else {
        copy_cut(fr->file, sizeof fr->file, loc, n);
        fr->line = 0;
    }
}

typedef struct key_state {
    unsigned stacks;        /* "#0" lines seen */
    size_t taken;           /* frames in the key */
    ch_hash_ctx frames_sha; /* SHA-1 of the frames' key, complete even when key[] is cut */
    char key[sizeof(((ch_rp_report *)0)->key)];
    ch_rp_frame frames[CH_RP_MAX_FRAMES];
    bool inv;               /* an invariant line was found: it is the key */
    ch_hash_ctx inv_sha;
    char inv_key[sizeof(((ch_rp_report *)0)->key)];
    ch_rp_frame inv_frame;
} key_state;

static void key_frame_line(key_state *ks, const char *s, const char *root)
{
    const char *first = s + strspn(s, " \t");
    const char *rest, *space;
    size_t rest_len, name_len, loc_len, loc_off, off;
    char loc[LINE_CAP];
    char name[LINE_CAP];
    ch_rp_frame *fr;

    /* $1 is "#N": a new stack starts at "#0". */
    if (first[1] == '0' && first[2] == ' ' && ks->stacks < 2) {
        ks->stacks++; /* only "first stack or not" matters: no count to overflow */
    }
    if (ks->stacks != 1 || ks->taken >= CH_RP_MAX_FRAMES) {
        return;
    }
    rest = strstr(s, " in ") + 4;
    rest_len = strlen(rest);
    cut_build_id(rest, &rest_len);
    space = memchr(rest, ' ', rest_len);
    name_len = space != NULL ? (size_t)(space - rest) : rest_len;
    loc_off = 0;
    for (off = rest_len; off > 0; off--) {
        if (rest[off - 1] == ' ') {
            loc_off = off;
            break;
        }
    }
    memcpy(name, rest, name_len);
    name[name_len] = '\0';
    loc_len = rest_len - loc_off;
    memcpy(loc, rest + loc_off, loc_len);
    loc[loc_len] = '\0';
    if (runtime_name(name) || runtime_loc(loc)) {
        return;
    }
    if (loc[0] == '(') {
        loc_len = 0;
        loc[0] = '\0';
    }
    loc_len = drop_column(loc, loc_len);
    loc[loc_len] = '\0';
    off = rel_offset(loc, root);

    if (ks->taken > 0) {
        ch_hash_update(&ks->frames_sha, "\n", 1);
        append_cut(ks->key, sizeof ks->key, "\n", 1);
    }
    ch_hash_update(&ks->frames_sha, name, name_len);
    ch_hash_update(&ks->frames_sha, " ", 1);
    ch_hash_update(&ks->frames_sha, loc + off, loc_len - off);
    append_cut(ks->key, sizeof ks->key, name, name_len);
    append_cut(ks->key, sizeof ks->key, " ", 1);
    append_cut(ks->key, sizeof ks->key, loc + off, loc_len - off);

    fr = &ks->frames[ks->taken];
    copy_cut(fr->function, sizeof fr->function, name, name_len);
    set_frame_place(fr, loc + off, loc_len - off);
    ks->taken++;
}

/* awk: s = $0; sub(/.*invariant failed at /, "", s); match(s, /^[^ :]+:[0-9]+/) */
static void key_invariant_line(key_state *ks, const char *s, const char *root)
{
    static const char MARK[] = "invariant failed at ";
    const char *p = strstr(s, MARK), *next;
    size_t file_len, digits, off, len;
    if (p == NULL) {
        return;
    }
    while ((next = strstr(p + 1, MARK)) != NULL) {
        p = next;
    }
    p += sizeof MARK - 1;
    file_len = strcspn(p, " :");
    if (file_len == 0 || p[file_len] != ':') {
        return;
    }
    digits = span_digits(p + file_len + 1);
    if (digits == 0) {
        return;
    }
    len = file_len + 1 + digits;
    off = rel_offset(p, root);
    if (off > len) {
        off = 0; /* the root is longer than the match: awk's rel() sees only the match */
    }
    if (off > file_len) {
        off = 0; /* cannot happen with a root ending in '/'; keeps the lengths below sound */
    }
    ks->inv = true;
    ch_hash_init(&ks->inv_sha, CH_HASH_SHA1);
    ch_hash_update(&ks->inv_sha, "invariant ", 10);
    ch_hash_update(&ks->inv_sha, p + off, len - off);
    copy_cut(ks->inv_key, sizeof ks->inv_key, "invariant ", 10);
    append_cut(ks->inv_key, sizeof ks->inv_key, p + off, len - off);
    memset(&ks->inv_frame, 0, sizeof ks->inv_frame);
    copy_cut(ks->inv_frame.file, sizeof ks->inv_frame.file, p + off, file_len - off);
    ks->inv_frame.line = parse_line_number(p + file_len + 1, digits);
}

/* ------------------------------------------------------------------ report_first_line */

static bool is_headline(const char *s)
{
    static const char *const MARKS[] = {
        "ERROR: ", "runtime error:", "invariant failed at", "ALARM:", "deadly signal",
        "out-of-memory",
    };
    const char *w;
    size_t i;
    for (i = 0; i < sizeof MARKS / sizeof MARKS[0]; i++) {
        if (strstr(s, MARKS[i]) != NULL) {
            return true;
        }
    }
    w = strstr(s, "WARNING: ");
    return w != NULL && strstr(w + 9, "Sanitizer") != NULL;
}

/* Length of "0x" followed by lower-case hex digits at s (longest), or 0. */
static size_t match_hex(const char *s)
{
    size_t n = 2;
    if (s[0] != '0' || s[1] != 'x' || !is_lower_hex(s[2])) {
        return 0;
    }
    while (is_lower_hex(s[n])) {
        n++;
    }
    return n;
}

/* Matches " at pc 0x.. bp 0x.. sp 0x.." (paren = false) or " (pc 0x.. bp 0x.. sp 0x.. T..)"
 * (paren = true) at s; returns its length or 0. */
static size_t match_pc_bp_sp(const char *s, bool paren)
{
    static const char *const WORDS[2][3] = {
        {" at pc ", " bp ", " sp "},
        {" (pc ", " bp ", " sp "},
    };
    size_t n = 0, h, i;
    for (i = 0; i < 3; i++) {
        const char *w = WORDS[paren ? 1 : 0][i];
        if (!starts_with(s + n, w)) {
            return 0;
        }
        n += strlen(w);
        h = match_hex(s + n);
        if (h == 0) {
            return 0;
        }
        n += h;
    }
    if (!paren) {
        return n;
    }
    if (s[n] != ' ' || s[n + 1] != 'T') {
        return 0;
    }
    h = span_digits(s + n + 2);
    if (h == 0 || s[n + 2 + h] != ')') {
        return 0;
    }
    return n + 2 + h + 1;
}

static void remove_first_pc(char *s, bool paren)
{
    char *p;
    for (p = strchr(s, ' '); p != NULL; p = strchr(p + 1, ' ')) {
        size_t m = match_pc_bp_sp(p, paren);
        if (m > 0) {
            memmove(p, p + m, strlen(p + m) + 1);
            return;
        }
    }
}

/* The headline from one matching line (modified in place). */
static void make_headline(char *s, const char *root, char *out, size_t cap)
{
    size_t rl = root != NULL ? strlen(root) : 0;
    char *p = s;
    char *hit;
    if (p[0] == '=' && p[1] == '=') {
        size_t d = span_digits(p + 2);
        if (d > 0 && p[2 + d] == '=' && p[3 + d] == '=') {
            p += 4 + d;
            if (*p == ' ') {
                p++;
            }
        }
    }
    p += strspn(p, " \t");
    while (rl > 0 && (hit = strstr(p, root)) != NULL) {
        memmove(hit, hit + rl, strlen(hit + rl) + 1);
    }
    remove_first_pc(p, false);
    remove_first_pc(p, true);
    copy_cut(out, cap, p, strlen(p) > CH_RP_HEADLINE_MAX ? CH_RP_HEADLINE_MAX : strlen(p));
}

/* ------------------------------------------------------------------ kinds */

typedef struct evidence {
    bool any;
    ch_rp_kind kind;
    char sanitizer[32];
    char bug_type[64];
} evidence;

typedef struct kind_state {
    evidence strong;  /* the most severe report found */
    evidence weak;    /* an abort or deadly signal: the consequence of a report when one exists */
    evidence pending; /* a sanitizer error whose access type may follow (WRITE/READ of size) */
} kind_state;

static void set_ev(evidence *e, ch_rp_kind kind, const char *san, const char *bug, size_t bug_n)
{
    e->any = true;
    e->kind = kind;
    copy_cut(e->sanitizer, sizeof e->sanitizer, san, strlen(san));
    copy_cut(e->bug_type, sizeof e->bug_type, bug, bug_n);
}

/* Keeps the more severe one; the first found wins a tie. */
static void consider(evidence *best, const evidence *e)
{
    if (e->any && (!best->any || e->kind < best->kind)) {
        *best = *e;
    }
}

static void strong(kind_state *ks, ch_rp_kind kind, const char *san, const char *bug)
{
    evidence e;
    set_ev(&e, kind, san, bug, strlen(bug));
    consider(&ks->strong, &e);
}

static void flush_pending(kind_state *ks)
{
    consider(&ks->strong, &ks->pending);
    ks->pending.any = false;
}

/* UBSan's check name from the text after "runtime error: ". */
static const char *ub_type(const char *msg)
{
    static const struct {
        const char *text, *type;
    } TABLE[] = {
        {"unsigned integer overflow", "unsigned-integer-overflow"},
        {"signed integer overflow", "signed-integer-overflow"},
        {"negation of", "signed-integer-overflow"},
        {"division by zero", "integer-divide-by-zero"},
        {"division of", "signed-integer-overflow"},
        {"shift exponent", "shift"},
        {"left shift of", "shift"},
        {"out of bounds for type", "bounds"},
        {"misaligned address", "alignment"},
        {"null pointer passed as argument", "nonnull-attribute"},
        {"null pointer returned from function", "returns-nonnull-attribute"},
        {"null pointer", "null"},
        {"implicit conversion", "implicit-conversion"},
        {"valid value for type 'bool'", "bool"},
        {"valid value for type '_Bool'", "bool"},
        {"valid value for type", "enum"},
        {"unreachable program point", "unreachable"},
        {"end of a value-returning function", "return"},
        {"variable length array bound", "vla-bound"},
        {"outside the range of representable values", "float-cast-overflow"},
        {"through pointer to incorrect function type", "function"},
        {"passing zero to", "builtin"},
        {"offset", "pointer-overflow"},
        {"pointer index expression", "pointer-overflow"},
    };
    size_t i;
    for (i = 0; i < sizeof TABLE / sizeof TABLE[0]; i++) {
        if (strstr(msg, TABLE[i].text) != NULL) {
            return TABLE[i].type;
        }
    }
    return "undefined-behavior";
}

/* "ERROR: <Name>Sanitizer: <what>" */
static void kind_sanitizer_error(kind_state *ks, const char *san, const char *what)
{
    size_t n;
    flush_pending(ks);
    if (strcmp(san, "LeakSanitizer") == 0) {
        n = strcspn(what, ":(");
        while (n > 0 && what[n - 1] == ' ') {
            n--;
        }
        set_ev(&ks->pending, CH_RP_LEAK, san, what, n);
        flush_pending(ks);
    } else if (starts_with(what, "attempting double-free")) {
        strong(ks, CH_RP_WRITE, san, "double-free");
    } else if (starts_with(what, "attempting free on address which was not malloc()-ed")) {
        strong(ks, CH_RP_WRITE, san, "bad-free");
    } else if (starts_with(what, "out of memory") || starts_with(what, "out-of-memory") ||
               starts_with(what, "rss-limit-exceeded")) {
        strong(ks, CH_RP_OOM, san, "out-of-memory");
    } else if (starts_with(what, "requested allocation size")) {
        strong(ks, CH_RP_CRASH, san, "allocation-size-too-big");
    } else {
        n = strcspn(what, " :");
        if (starts_with(what, "ABRT ")) {
            if (!ks->weak.any) {
                set_ev(&ks->weak, CH_RP_CRASH, san, what, n);
            }
            return;
        }
        /* CRASH unless an access line ("WRITE of size", "The signal is caused by a READ
         * memory access") follows before the next error. */
        set_ev(&ks->pending, CH_RP_CRASH, san, what, n);
    }
}

static void kind_libfuzzer_error(kind_state *ks, const char *what)
{
    flush_pending(ks);
    if (starts_with(what, "timeout")) {
        strong(ks, CH_RP_TIMEOUT, "libFuzzer", "timeout");
    } else if (starts_with(what, "out-of-memory")) {
        strong(ks, CH_RP_OOM, "libFuzzer", "out-of-memory");
    } else if (starts_with(what, "deadly signal")) {
        if (!ks->weak.any) {
            set_ev(&ks->weak, CH_RP_CRASH, "libFuzzer", "deadly signal", 13);
        }
    } else {
        size_t n = strcspn(what, "(:");
        evidence e;
        while (n > 0 && what[n - 1] == ' ') {
            n--;
        }
        set_ev(&e, CH_RP_CRASH, "libFuzzer", what, n);
        consider(&ks->strong, &e);
    }
}

static void kind_line(kind_state *ks, const char *s)
{
    const char *p = strstr(s, "ERROR: ");
    const char *body;

    if (p != NULL) {
        const char *name = p + 7;
        size_t n = strcspn(name, ": ");
        if (name[n] == ':' && name[n + 1] == ' ') {
            char san[32];
            copy_cut(san, sizeof san, name, n);
            if (strcmp(san, "libFuzzer") == 0) {
                kind_libfuzzer_error(ks, name + n + 2);
            } else if (n > 9 && strcmp(san + strlen(san) - 9, "Sanitizer") == 0) {
                kind_sanitizer_error(ks, san, name + n + 2);
            }
        }
    }
    p = strstr(s, "WARNING: MemorySanitizer: ");
    if (p != NULL) {
        const char *what = p + 26;
        flush_pending(ks);
        /* An uninitialised value was read (and used): ranked with the reads. */
        if (starts_with(what, "use-of-uninitialized-value")) {
            strong(ks, CH_RP_READ, "MemorySanitizer", "use-of-uninitialized-value");
        } else {
            evidence e;
            set_ev(&e, CH_RP_CRASH, "MemorySanitizer", what, strcspn(what, " :"));
            consider(&ks->strong, &e);
        }
    }
    body = s + strspn(s, " \t");
    if (body[0] == '=' && body[1] == '=') {
        const char *q = strstr(body + 2, "==");
        if (q != NULL) {
            body = q + 2;
        }
    }
    if (ks->pending.any) {
        if (starts_with(body, "WRITE of size ") ||
            strstr(body, "The signal is caused by a WRITE memory access") != NULL) {
            ks->pending.kind = CH_RP_WRITE;
            flush_pending(ks);
        } else if (starts_with(body, "READ of size ") ||
                   strstr(body, "The signal is caused by a READ memory access") != NULL) {
            ks->pending.kind = CH_RP_READ;
            flush_pending(ks);
        }
    }
    p = strstr(s, "runtime error: ");
    if (p != NULL) {
        strong(ks, CH_RP_UB, "UndefinedBehaviorSanitizer", ub_type(p + 15));
    } else if (strstr(s, "runtime error:") != NULL) {
        strong(ks, CH_RP_UB, "UndefinedBehaviorSanitizer", "undefined-behavior");
    }
    if (strstr(s, "invariant failed at") != NULL) {
        strong(ks, CH_RP_INVARIANT, "invariant", "invariant failed");
    }
    if (strstr(s, "out-of-memory") != NULL) {
        strong(ks, CH_RP_OOM, strstr(s, "libFuzzer") != NULL ? "libFuzzer" : "",
               "out-of-memory");
    }
}

static const char *signal_name(int sig)
{
    switch (sig) {
    case SIGSEGV: return "SIGSEGV";
    case SIGABRT: return "SIGABRT";
    case SIGBUS: return "SIGBUS";
    case SIGFPE: return "SIGFPE";
    case SIGILL: return "SIGILL";
    case SIGKILL: return "SIGKILL";
    case SIGTERM: return "SIGTERM";
    case SIGTRAP: return "SIGTRAP";
    default: return NULL;
    }
}

/* ------------------------------------------------------------------ classify */

static void hex12(const uint8_t *digest, char *out)
{
    static const char HEX[] = "0123456789abcdef";
    size_t i;
    for (i = 0; i < 6; i++) {
        out[2 * i] = HEX[digest[i] >> 4];
        out[2 * i + 1] = HEX[digest[i] & 0x0f];
    }
    out[12] = '\0';
}

static void decide_kind(kind_state *ks, const ch_rp_exit *ex, ch_rp_report *out)
{
    evidence e = {0};
    flush_pending(ks);
    if (ex->timed_out) {
        strong(ks, CH_RP_TIMEOUT, "", "timeout");
    }
    if (ks->strong.any) {
        e = ks->strong;
    } else if (ks->weak.any) {
        e = ks->weak;
    } else if (ex->signaled) {
        const char *name = signal_name(ex->code);
        char buf[24];
        if (name == NULL) {
            snprintf(buf, sizeof buf, "signal %d", ex->code);
            name = buf;
        }
        set_ev(&e, CH_RP_CRASH, "signal", name, strlen(name));
    } else {
        set_ev(&e, ex->code == 0 ? CH_RP_CLEAN : CH_RP_CRASH, "", "", 0);
    }
    out->kind = e.kind;
    copy_cut(out->sanitizer, sizeof out->sanitizer, e.sanitizer, strlen(e.sanitizer));
    copy_cut(out->bug_type, sizeof out->bug_type, e.bug_type, strlen(e.bug_type));
}

void ch_rp_classify(const char *text, size_t len, const ch_rp_exit *ex, const char *root,
                    const uint8_t *input, size_t input_len, ch_rp_report *out)
{
    static const ch_rp_exit CLEAN_EXIT = {false, false, 0};
    key_state ks;
    kind_state kinds;
    char line[LINE_CAP];
    uint8_t digest[CH_HASH_MAX_LEN];
    bool have_headline = false;
    ch_cur c;

    memset(out, 0, sizeof *out);
    memset(&ks, 0, sizeof ks);
    memset(&kinds, 0, sizeof kinds);
    if (ex == NULL) {
        ex = &CLEAN_EXIT;
    }
    if (root != NULL && root[0] == '\0') {
        root = NULL;
    }
    ch_hash_init(&ks.frames_sha, CH_HASH_SHA1);
    ch_cur_init(&c, text, text != NULL ? len : 0);
    while (next_line(&c, line)) {
        kind_line(&kinds, line);
        if (!ks.inv && strstr(line, "invariant failed at ") != NULL) {
            key_invariant_line(&ks, line, root);
        }
        if (is_frame_line(line)) {
            key_frame_line(&ks, line, root);
        }
        if (!have_headline && is_headline(line)) {
            make_headline(line, root, out->headline, sizeof out->headline);
            have_headline = true;
        }
    }
    if (!have_headline) {
        copy_cut(out->headline, sizeof out->headline, NO_REPORT, sizeof NO_REPORT - 1);
    }
    decide_kind(&kinds, ex, out);

    if (ks.inv) {
        ch_hash_final(&ks.inv_sha, digest);
        copy_cut(out->key, sizeof out->key, ks.inv_key, strlen(ks.inv_key));
        out->frames[0] = ks.inv_frame;
        out->n_frames = 1;
    } else if (ks.taken > 0) {
        ch_hash_final(&ks.frames_sha, digest);
        copy_cut(out->key, sizeof out->key, ks.key, strlen(ks.key));
        memcpy(out->frames, ks.frames, sizeof out->frames);
        out->n_frames = ks.taken;
    } else {
        /* "nostack <12 hex digits of SHA-1(input)>" */
        char nostack[8 + 13] = "nostack ";
        ch_hash(CH_HASH_SHA1, input_len > 0 ? input : NULL, input != NULL ? input_len : 0,
                digest);
        hex12(digest, nostack + 8);
        ch_hash(CH_HASH_SHA1, nostack, 8 + 12, digest);
    }
    hex12(digest, out->hash);
}
