/* pcsc_guard: connection and the interposed SCardTransmit (pcsc_guard.h). */
#define _GNU_SOURCE
#include "pcsc_guard.h"

#include <dlfcn.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <winscard.h>

#include "apdu_names.h"
#include "hex.h"
#include "mgm_answer.h"
#include "wipe.h"

static mdr_pcsc *active;

void mdr_pcsc_activate(mdr_pcsc *p) { active = p; }

bool mdr_pcsc_set_pin(mdr_pcsc *p, const uint8_t *pin, size_t len)
{
    if (len < 1 || len > sizeof p->pin)
        return false;
    memset(p->pin, 0xFF, sizeof p->pin);
    memcpy(p->pin, pin, len);
    p->have_pin = true;
    return true;
}

/* The first reader whose name contains want and holds a card, into out. */
static bool find_reader(SCARDCONTEXT ctx, const char *want, bool exact, char *out, size_t cap)
{
    char *list = NULL;
    DWORD len = SCARD_AUTOALLOCATE;
    bool found = false;

    if (SCardListReaders(ctx, NULL, (LPSTR)&list, &len) != SCARD_S_SUCCESS || !list)
        return false;
    for (char *r = list; *r && !found; r += strlen(r) + 1) {
        SCARD_READERSTATE st = {.szReader = r, .dwCurrentState = SCARD_STATE_UNAWARE};
        if (exact ? strcmp(r, want) != 0 : strstr(r, want) == NULL)
            continue;
        if (SCardGetStatusChange(ctx, 0, &st, 1) == SCARD_S_SUCCESS &&
            (st.dwEventState & SCARD_STATE_PRESENT) && !(st.dwEventState & SCARD_STATE_MUTE)) {
            snprintf(out, cap, "%s", r);
            found = true;
        }
    }
    SCardFreeMemory(ctx, list);
    return found;
}

bool mdr_pcsc_open(mdr_pcsc *p, const char *reader, unsigned wait_s)
{
    SCARDCONTEXT ctx;
    SCARDHANDLE card;
    DWORD proto = 0, state = 0, rlen = 0, alen = sizeof p->atr;
    LONG rv = SCardEstablishContext(SCARD_SCOPE_SYSTEM, NULL, NULL, &ctx);
    time_t until = time(NULL) + (time_t)wait_s;

    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "mdreplay: pcscd is not reachable: %s\n", pcsc_stringify_error(rv));
        return false;
    }
    while (!find_reader(ctx, reader, wait_s == 0, p->reader, sizeof p->reader)) {
        if (time(NULL) >= until) {
            fprintf(stderr, "mdreplay: reader '%s' not found or holds no card\n", reader);
            SCardReleaseContext(ctx);
            return false;
        }
        struct timespec ts = {0, 200 * 1000 * 1000};
        nanosleep(&ts, NULL);
    }
    rv = SCardConnect(ctx, p->reader, SCARD_SHARE_SHARED, SCARD_PROTOCOL_T0 | SCARD_PROTOCOL_T1,
                      &card, &proto);
    if (rv != SCARD_S_SUCCESS) {
        fprintf(stderr, "mdreplay: %s: %s\n", p->reader, pcsc_stringify_error(rv));
        SCardReleaseContext(ctx);
        return false;
    }
    if (SCardStatus(card, NULL, &rlen, &state, &proto, p->atr, &alen) == SCARD_S_SUCCESS)
        p->atr_len = alen;
    p->hctx = (uintptr_t)ctx;
    p->hcard = (uintptr_t)card;
    return true;
}

void mdr_pcsc_close(mdr_pcsc *p)
{
    if (p->hcard)
        SCardDisconnect((SCARDHANDLE)p->hcard, SCARD_LEAVE_CARD);
    if (p->hctx)
        SCardReleaseContext((SCARDCONTEXT)p->hctx);
    for (size_t i = 0; i < p->n; i++) { /* the commands hold the user's PIN and responses */
        ch_wipe(p->x[i].c, p->x[i].c_len);
        free(p->x[i].c);
        free(p->x[i].r);
    }
    free(p->x);
    p->x = NULL;
    p->n = p->cap = 0;
    p->hctx = p->hcard = 0;
}

/* Commands that change what the card holds (PIV and YubiKey): never without --allow-writes. */
static bool writes(uint8_t ins)
{
    static const uint8_t w[] = {0xDB /* PUT DATA */, 0x47 /* GENERATE */, 0xFE /* IMPORT */,
                                0xFF /* SET MGM KEY */, 0x24 /* CHANGE REFERENCE */,
                                0x2C /* RESET RETRY */, 0xFA /* SET PIN RETRIES */,
                                0xFB /* RESET */, 0xF6 /* MOVE / DELETE KEY */};
    return memchr(w, ins, sizeof w) != NULL;
}

/* A 7C template holding a response (82) to the management key's challenge. */
static bool admin_response(const uint8_t *c, size_t len)
{
    /* 00 87 alg 9B Lc 7C L ... : look for tag 82 among the template's first-level tags. */
    size_t i = 7;
    if (len < 7 || c[3] != 0x9B || c[5] != 0x7C)
        return false;
    while (i + 1 < len) {
        size_t l = c[i + 1];
        if (c[i] == 0x82)
            return true;
        if (l > 0x80) /* long forms: not the small template of a management-key response */
            return true;
        i += 2 + l;
    }
    return false;
}

/* Whether c is exactly 00 87 alg 9B Lc 7C L 82 n RESPONSE (no Le, nothing else in the
 * template) and RESPONSE is the user's key's answer to the challenge the card gave last. */
static bool users_response(const mdr_pcsc *p, const uint8_t *c, size_t len)
{
    uint8_t want[16];
    size_t n = p->challenge_len;
    bool ok;

    if (!p->mgm.len || !n || len != 9 + n || c[4] != 4 + n || c[6] != 2 + n || c[7] != 0x82 ||
        c[8] != n || !ch_mgm_answer(p->mgm.key, p->mgm.len, p->challenge, n, want))
        return false;
    ok = ch_ct_memeq(c + 9, want, n) == 1;
    ch_wipe(want, sizeof want);
    return ok;
}

bool mdr_guard_allows(const mdr_pcsc *p, const uint8_t *c, size_t len, const char **why)
{
    *why = NULL;
    if (p->emulated || len < 4)
        return true;
    if (!p->allow_writes && writes(c[1])) {
        *why = "changes the card (give --allow-writes)";
        return false;
    }
    if (c[1] == 0x20 && len > 5) { /* VERIFY carrying a PIN */
        if (!p->have_pin || len != 5 + 8 || c[4] != 8 || memcmp(c + 5, p->pin, 8) != 0) {
            *why = "presents a PIN the user did not give (--pin-file)";
            return false;
        }
    }
    if (c[1] == 0x87 && admin_response(c, len) && !users_response(p, c, len)) {
        *why = p->mgm.len ? "presents a management-key response that is not --mgm-key's answer "
                            "to the card's challenge"
                          : "presents a management-key response (give --mgm-key-file)";
        return false;
    }
    if (c[1] == 0x24 || c[1] == 0x2C) { /* carry PIN/PUK from the finding even when allowed */
        *why = "carries a PIN or PUK from the finding";
        return false;
    }
    return true;
}

void mdr_guard_saw(mdr_pcsc *p, const uint8_t *c, size_t cl, const uint8_t *r, size_t rl)
{
    size_t n;

    if (cl < 4 || !(c[1] == 0xA4 || (c[1] == 0x87 && c[3] == 0x9B)))
        return;
    ch_wipe(p->challenge, sizeof p->challenge);
    p->challenge_len = 0;
    /* 7C L 81 n CHALLENGE 90 00, n one block (8: 3DES, 16: AES) */
    if (c[1] != 0x87 || rl < 6 || r[0] != 0x7C || r[2] != 0x81 || r[rl - 2] != 0x90 ||
        r[rl - 1] != 0x00)
        return;
    n = r[3];
    if ((n != 8 && n != 16) || r[1] != 2 + n || rl != 6 + n)
        return;
    memcpy(p->challenge, r + 4, n);
    p->challenge_len = n;
}

static void record(mdr_pcsc *p, const uint8_t *c, size_t cl, const uint8_t *r, size_t rl,
                   uint32_t rc, bool blocked)
{
    mdr_xchg *x;
    if (p->n == p->cap) {
        size_t cap = p->cap ? p->cap * 2 : 32;
        mdr_xchg *t = realloc(p->x, cap * sizeof *t);
        if (!t)
            return;
        p->x = t;
        p->cap = cap;
    }
    x = &p->x[p->n++];
    memset(x, 0, sizeof *x);
    x->c = malloc(cl ? cl : 1);
    x->r = malloc(rl ? rl : 1);
    if (x->c && cl)
        memcpy(x->c, c, cl);
    if (x->r && rl)
        memcpy(x->r, r, rl);
    x->c_len = x->c ? cl : 0;
    x->r_len = x->r ? rl : 0;
    x->rc = rc;
    x->blocked = blocked;
}

static void log_exchange(const mdr_pcsc *p, const uint8_t *c, size_t cl, const uint8_t *r,
                         size_t rl, LONG rv, const char *why)
{
    char d[512];
    if (p->transcript && !why && rv == SCARD_S_SUCCESS) {
        /* The user's PIN stays off the disk: a VERIFY's PIN is written as zeros, with a note
         * (transcript2seed.py skips '#' lines; a seed keeps the card's answers only). */
        uint8_t verify[13];
        const uint8_t *written = c;
        if (cl == sizeof verify && c[1] == 0x20 && c[4] == 8) {
            memcpy(verify, c, 5);
            memset(verify + 5, 0, 8);
            written = verify;
            fputs("# the PIN of this VERIFY is redacted (written as zeros)\n", p->transcript);
        }
        fputs("> ", p->transcript);
        ch_hex_fprint(p->transcript, written, cl);
        fputs("\n< ", p->transcript);
        ch_hex_fprint(p->transcript, r, rl);
        fputc('\n', p->transcript);
        fflush(p->transcript);
    }
    if (!p->log)
        return;
    ch_an_describe_command(c, cl, d, sizeof d);
    fprintf(p->log, "      > %s\n", d);
    if (why)
        fprintf(p->log, "      < (not sent: %s)\n", why);
    else if (rv != SCARD_S_SUCCESS)
        fprintf(p->log, "      < (%s)\n", pcsc_stringify_error(rv));
    else
        ch_an_describe_answer(r, rl, d, sizeof d), fprintf(p->log, "      < %s\n", d);
}

/* Whether a failed exchange means the card left: the code says so, or the reader does (a
 * card pulled mid-exchange comes back as SCARD_E_NOT_TRANSACTED from some drivers, vpcd's
 * among them; SCardStatus then reports the removal). */
static bool gone(SCARDHANDLE card, LONG rv)
{
    DWORD state = 0, proto = 0, rlen = 0, alen = 0;
    LONG st;

    if (rv == SCARD_W_REMOVED_CARD || rv == SCARD_E_NO_SMARTCARD || rv == SCARD_W_RESET_CARD)
        return true;
    /* pcscd notices a removal at its next poll of the reader: ask for up to a second. */
    for (int i = 0; i < 5; i++) {
        struct timespec ts = {0, 200 * 1000 * 1000};
        rlen = 0, alen = 0;
        st = SCardStatus(card, NULL, &rlen, &state, &proto, NULL, &alen);
        if (st == SCARD_W_REMOVED_CARD || st == SCARD_E_NO_SMARTCARD ||
            st == SCARD_W_RESET_CARD || (st == SCARD_S_SUCCESS && !(state & SCARD_PRESENT)))
            return true;
        nanosleep(&ts, NULL);
    }
    return false;
}

/* The interposer: same prototype as pcsc-lite's. */
LONG SCardTransmit(SCARDHANDLE hCard, const SCARD_IO_REQUEST *pioSendPci, LPCBYTE pbSendBuffer,
                   DWORD cbSendLength, SCARD_IO_REQUEST *pioRecvPci, LPBYTE pbRecvBuffer,
                   LPDWORD pcbRecvLength)
{
    typedef LONG (*fn)(SCARDHANDLE, const SCARD_IO_REQUEST *, LPCBYTE, DWORD,
                       SCARD_IO_REQUEST *, LPBYTE, LPDWORD);
    static fn real;
    const char *why = NULL;
    LONG rv;

    if (!real)
        real = (fn)dlsym(RTLD_NEXT, "SCardTransmit");
    if (!real)
        return SCARD_F_INTERNAL_ERROR;
    if (active && !mdr_guard_allows(active, pbSendBuffer, cbSendLength, &why)) {
        active->blocked++;
        record(active, pbSendBuffer, cbSendLength, NULL, 0, (uint32_t)SCARD_W_SECURITY_VIOLATION,
               true);
        log_exchange(active, pbSendBuffer, cbSendLength, NULL, 0, SCARD_W_SECURITY_VIOLATION,
                     why);
        return SCARD_W_SECURITY_VIOLATION;
    }
    rv = real(hCard, pioSendPci, pbSendBuffer, cbSendLength, pioRecvPci, pbRecvBuffer,
              pcbRecvLength);
    if (active) {
        size_t rl = rv == SCARD_S_SUCCESS ? (size_t)*pcbRecvLength : 0;
        record(active, pbSendBuffer, cbSendLength, pbRecvBuffer, rl, (uint32_t)rv, false);
        log_exchange(active, pbSendBuffer, cbSendLength, pbRecvBuffer, rl, rv, NULL);
        if (rv == SCARD_S_SUCCESS)
            mdr_guard_saw(active, pbSendBuffer, cbSendLength, pbRecvBuffer, rl);
        if (rv != SCARD_S_SUCCESS && !active->card_gone)
            active->card_gone = gone(hCard, rv);
    }
    return rv;
}
