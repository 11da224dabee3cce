/* mdreplay-pcsc: a fuzz_apdu finding's CSP calls against a PC/SC reader, through the
 * production library (libpivmd.so: the module with its pcsc transport), with the fuzz target's
 * own executor and oracle (fuzz/fuzz_apdu.c without its fuzzing entry). Run by `mdreplay card`
 * (a real card: writes and secrets filtered) and `mdreplay emulate` (the finding's own answers
 * served by an emulated card behind pcscd: everything sent as the fuzzer sent it).
 *
 *   mdreplay-pcsc FINDING --reader NAME [--wait S] [--emulated] [--allow-writes]
 *                 [--pin-file F] [--mgm-key-file F] [--transcript F]
 *
 * Prints each call and its exchanges, then how the card's answers compare with the finding's.
 * Exit: 0 ran to the end, 3 unreadable finding, 4 pcscd or reader missing, 5 the card went
 * away; an invariant failure or a sanitizer report aborts (mdreplay classifies it). */
#define CH_FAP_NO_FUZZ_ENTRY
#include "fuzz_apdu.c"

#include "apdu_names.h"
#include "hex.h"
#include "mgm_answer.h"
#include "mgm_key.h"
#include "pcsc_guard.h"
#include "scard_names.h"
#include "wipe.h"

static mdr_pcsc pc;

typedef struct filter_ctx {
    const uint8_t *pin;
    size_t pin_len;
    unsigned skipped;
    uint8_t response[16]; /* the user's key's answer to the card's challenge, for the module */
} filter_ctx;

static unsigned pcsc_exchanges(void *ctx) { return (unsigned)((const mdr_pcsc *)ctx)->n; }

/* A code pcsc-lite's SCardTransmit returned during this run (the guard's refusals included). */
static bool pcsc_transport_code(void *ctx, DWORD rc)
{
    const mdr_pcsc *p = ctx;
    for (size_t i = 0; rc && i < p->n; i++)
        if (p->x[i].rc == rc)
            return true;
    return false;
}

static void print_result(void *ctx, const ch_fap_call *call, DWORD rc)
{
    (void)ctx;
    const char *name = ch_scard_name(rc);
    if (name)
        printf("  %s -> %s\n", ch_fap_op_name(call->op), name);
    else
        printf("  %s -> 0x%08X\n", ch_fap_op_name(call->op), rc);
    fflush(stdout);
}

static bool changes_card(ch_fap_op op)
{
    switch (op) {
    case CH_FAP_CREATE_CONTAINER:
    case CH_FAP_DELETE_CONTAINER:
    case CH_FAP_WRITE_FILE:
    case CH_FAP_CREATE_FILE:
    case CH_FAP_DELETE_FILE:
    case CH_FAP_SET_PROPERTY:
    case CH_FAP_SET_CONTAINER_PROPERTY:
        return true;
    default:
        return false;
    }
}

static bool skip(filter_ctx *f, const ch_fap_call *call, const char *why)
{
    f->skipped++;
    printf("  %s: skipped (%s)\n", ch_fap_op_name(call->op), why);
    fflush(stdout);
    return false;
}

/* Management-key authentication: with the user's key (--mgm-key-file), the finding's response
 * is replaced by the key's answer to the card's unanswered challenge, which the guard keeps
 * (pc.challenge: the one the module got, since both drop it on the same commands); without
 * one the finding's bytes go to the module, which refuses them before the card, or the guard
 * does. Without a key, skipped. */
static bool admin(filter_ctx *f, ch_fap_call *call)
{
    if (!pc.mgm.len)
        return skip(f, call, "needs the management key (--mgm-key-file)");
    if (call->data1 && pc.challenge_len &&
        ch_mgm_answer(pc.mgm.key, pc.mgm.len, pc.challenge, pc.challenge_len, f->response)) {
        call->data1 = f->response;
        call->data1_len = pc.challenge_len;
    }
    return true;
}

/* Card mode: what the finding may do to a real card (docs/replay.md "card"). */
static bool card_filter(void *ctx, ch_fap_call *call)
{
    filter_ctx *f = ctx;

    if (pc.card_gone)
        return skip(f, call, "the card went away");
    if (pc.emulated)
        return true;
    if (changes_card(call->op) && !pc.allow_writes)
        return skip(f, call, "changes the card: give --allow-writes");
    switch (call->op) {
    case CH_FAP_CHANGE_AUTHENTICATOR:
    case CH_FAP_CHANGE_AUTHENTICATOR_EX:
    case CH_FAP_UNBLOCK_PIN:
        return skip(f, call, "would send the finding's PIN or PUK");
    case CH_FAP_AUTHENTICATE_CHALLENGE:
        return admin(f, call);
    case CH_FAP_AUTHENTICATE_EX:
    case CH_FAP_AUTHENTICATE_PIN:
        if (call->op == CH_FAP_AUTHENTICATE_EX && call->pin_id == ROLE_ADMIN)
            return admin(f, call);
        if (!f->pin)
            return skip(f, call, "no PIN given (--pin-file)");
        if (call->data1) { /* the user's PIN instead of the finding's */
            call->data1 = f->pin;
            call->data1_len = f->pin_len;
        }
        return true;
    default:
        return true;
    }
}

/* At most 32 bytes of an answer, then its length. */
static void short_hex(const uint8_t *p, size_t n)
{
    ch_hex_fprint(stdout, p, n > 32 ? 32 : n);
    if (n > 32)
        printf(".. (%zu bytes)", n);
}

/* The card's answers against the finding's script, exchange by exchange. */
static void compare(const ch_finding_apdu *f)
{
    ch_cur s = f->script;
    unsigned same = 0, differ = 0;

    printf("card answers against the finding's (%zu exchanges):\n", pc.n);
    for (size_t i = 0; i < pc.n; i++) {
        const mdr_xchg *x = &pc.x[i];
        uint16_t len;
        const uint8_t *want = NULL;
        size_t wlen = 0;
        bool event = false, have = ch_cur_u16be(&s, &len);

        if (have && len >= CH_SCRIPT_EVENT_BASE) {
            event = true;
        } else if (have) {
            wlen = len > ch_cur_left(&s) ? ch_cur_left(&s) : len;
            (void)ch_cur_take(&s, wlen, &want);
        }
        if (!x->blocked && x->rc == 0 && have && !event && wlen == x->r_len &&
            (!wlen || memcmp(want, x->r, wlen) == 0)) {
            same++;
            continue;
        }
        differ++;
        printf("  %3zu  card:    ", i + 1);
        if (x->blocked)
            printf("(not sent)");
        else if (x->rc)
            printf("(transport 0x%08X)", x->rc);
        else
            short_hex(x->r, x->r_len);
        printf("\n       finding: ");
        if (!have)
            printf("(script exhausted: the card was gone)");
        else if (event)
            printf("(transport event %u)", len & 0xFFu);
        else
            short_hex(want, wlen);
        putchar('\n');
    }
    printf("  %u the same, %u different\n", same, differ);
}

static bool read_pin(const char *path, filter_ctx *f, uint8_t *buf, size_t cap)
{
    FILE *fp = fopen(path, "rb");
    size_t n;
    if (!fp) {
        fprintf(stderr, "mdreplay: %s: cannot read the PIN file\n", path);
        return false;
    }
    n = fread(buf, 1, cap, fp);
    fclose(fp);
    while (n && (buf[n - 1] == '\n' || buf[n - 1] == '\r'))
        n--;
    if (!mdr_pcsc_set_pin(&pc, buf, n)) {
        fprintf(stderr, "mdreplay: %s: a PIN is 1..8 bytes\n", path);
        return false;
    }
    f->pin = buf;
    f->pin_len = n;
    return true;
}

int main(int argc, char **argv)
{
    const char *finding = NULL, *reader = NULL, *pin_file = NULL, *transcript = NULL;
    const char *mgm_file = NULL;
    unsigned wait_s = 0;
    static uint8_t data[1u << 20];
    uint8_t pin[16];
    filter_ctx fc = {0};
    ch_finding_apdu f;
    size_t len;
    FILE *fp;

    for (int i = 1; i < argc; i++) {
        bool more = i + 1 < argc;
        if (!strcmp(argv[i], "--reader") && more)
            reader = argv[++i];
        else if (!strcmp(argv[i], "--wait") && more)
            wait_s = (unsigned)strtoul(argv[++i], NULL, 10);
        else if (!strcmp(argv[i], "--pin-file") && more)
            pin_file = argv[++i];
        else if (!strcmp(argv[i], "--mgm-key-file") && more)
            mgm_file = argv[++i];
        else if (!strcmp(argv[i], "--transcript") && more)
            transcript = argv[++i];
        else if (!strcmp(argv[i], "--emulated"))
            pc.emulated = true;
        else if (!strcmp(argv[i], "--allow-writes"))
            pc.allow_writes = true;
        else if (argv[i][0] != '-' && !finding)
            finding = argv[i];
        else {
            fprintf(stderr, "mdreplay-pcsc: bad argument '%s'\n", argv[i]);
            return 2;
        }
    }
    if (!finding || !reader) {
        fprintf(stderr, "usage: mdreplay-pcsc FINDING --reader NAME [--wait S] [--emulated] "
                        "[--allow-writes] [--pin-file F] [--mgm-key-file F] [--transcript F]\n");
        return 2;
    }
    fp = fopen(finding, "rb");
    if (!fp) {
        fprintf(stderr, "mdreplay: %s: cannot read\n", finding);
        return 3;
    }
    len = fread(data, 1, sizeof data, fp);
    fclose(fp);
    if (pin_file && !read_pin(pin_file, &fc, pin, sizeof pin))
        return 3;
    if (mgm_file && !mdr_mgm_read(mgm_file, &pc.mgm)) {
        ch_wipe(pin, sizeof pin);
        return 3;
    }
    ch_finding_apdu_decode(data, len, &f);
    if (transcript && !(pc.transcript = fopen(transcript, "w"))) {
        fprintf(stderr, "mdreplay: %s: cannot write the transcript\n", transcript);
        return 4;
    }
    if (!mdr_pcsc_open(&pc, reader, wait_s))
        return 4;
    pc.log = stdout;
    printf("reader %s, %s%s\n", pc.reader, pc.emulated ? "emulated card" : "card",
           pc.emulated ? "" : pc.allow_writes ? ", writes allowed" : ", no writes");
    mdr_pcsc_activate(&pc);
    ch_fap_execute(&f, &(ch_fap_env){.hctx = pc.hctx,
                                     .hcard = pc.hcard,
                                     .exchanges = pcsc_exchanges,
                                     .ex_ctx = &pc,
                                     .result = print_result,
                                     .filter = card_filter,
                                     .filter_ctx = &fc,
                                     .transport_code = pcsc_transport_code});
    mdr_pcsc_activate(NULL);
    compare(&f);
    printf("%u calls skipped, %u commands not sent\n", fc.skipped, pc.blocked);
    if (pc.transcript)
        fclose(pc.transcript);
    ch_wipe(pin, sizeof pin);
    ch_wipe(&fc, sizeof fc);
    mdr_mgm_wipe(&pc.mgm);
    {
        bool gone = pc.card_gone && !pc.emulated; /* an emulated removal is the finding's */
        mdr_pcsc_close(&pc);
        if (gone) {
            fprintf(stderr, "mdreplay: the card was removed or reset during the run\n");
            return 5;
        }
    }
    return 0;
}
