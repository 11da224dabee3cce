/* Writes the seed corpus of fuzz_session (corpora/fuzz_session/): one CSP session per file,
 * named for what it exercises, through the shared encoder (fuzz/finding_session.h), so a
 * seed means what the decoder says. The ctest fuzz-seeds-fresh/fuzz_session regenerates them
 * and compares byte for byte.
 *     gen_session_seeds corpora/fuzz_session
 * The personalised card every seed but "empty-card-*" starts from (fuzz_session.c,
 * personalise): container 0 (9A) RSA-2048 with a certificate, 1 (9C) P-256 with a gzipped
 * certificate, 2 (9D) RSA-1024, 5 (83) P-384 (map records, no certificates), 9E a P-256 key
 * no record names; PIN 123456, PUK 12345678, the default 3DES management key. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "finding_session.h"

typedef struct sstep {
    uint8_t op, a, b;
    const uint8_t *data;
    uint16_t len;
} sstep;

typedef struct seed {
    const char *name;
    uint8_t version_sel, flags, alloc_fail_at;
    uint16_t fault_at;
    uint8_t fault;
    sstep steps[CH_FS_MAX_STEPS];
} seed;

/* Step shorthands (selectors: finding_session.c). */
#define END {0xFF, 0, 0, NULL, 0}
#define AUTH {CH_FS_AUTH_PIN, 0, 0, NULL, 0}        /* CardAuthenticatePin, the card's PIN */
#define AUTH_EX {CH_FS_AUTH_PIN, 1, 0, NULL, 0}     /* CardAuthenticateEx(ROLE_USER) */
#define AUTH_WRONG {CH_FS_AUTH_PIN, 0, 1, NULL, 0}
#define ADMIN {CH_FS_ADMIN, 0, 0, NULL, 0}          /* challenge, right 3DES response */
#define ADMIN_EX {CH_FS_ADMIN, 3, 0, NULL, 0}
#define ADMIN_WRONG {CH_FS_ADMIN, 0, 1, NULL, 0}
#define DEAUTH_USER {CH_FS_DEAUTH, 0, 0, NULL, 0}
#define DEAUTH_ADMIN {CH_FS_DEAUTH, 1, 0, NULL, 0}
#define DEAUTH_ALL {CH_FS_DEAUTH, 2, 3, NULL, 0}    /* CardDeauthenticateEx(PIN_SET_ALL_ROLES) */
#define KEYGEN(c, b) {CH_FS_KEYGEN, c, b, NULL, 0}  /* b & 3: ECDSA256 ECDH256 ECDSA384 ECDH384 */
#define IMPORT(c, b) {CH_FS_IMPORT, c, b, NULL, 0}  /* b & 7: the key, 8 signature keyspec */
#define DELETE(c) {CH_FS_DELETE_CONTAINER, c, 0, NULL, 0}
#define CERT(c, b) {CH_FS_WRITE_CERT, c, b, NULL, 0} /* 0 the slot's key, 3 large (gzip) */
#define CMAP(c, b) {CH_FS_WRITE_CMAP, c, b, NULL, 0} /* 1 rewrite, 2 default, 3 drop, 4 empty */
#define CARDCF(b) {CH_FS_WRITE_CARDCF, 0, b, NULL, 0}
#define DELFILE(c, b) {CH_FS_DELETE_FILE, c, b, NULL, 0}
#define CREATEFILE(c) {CH_FS_CREATE_FILE, c, 0, NULL, 0}
#define READ(c, b) {CH_FS_READ_FILE, c, b, NULL, 0} /* 0 cardid 1 cardcf 2 cardapps 3 cmapfile
                                                        4 certificate 5 other name */
#define ENUM(b) {CH_FS_ENUM_INFO, 0, b, NULL, 0}
#define INFO(c) {CH_FS_CONTAINER_INFO, c, 0, NULL, 0}
#define SIGN(c, b) {CH_FS_SIGN, c, b, NULL, 0}      /* b & 7 hash, 8 signature keyspec */
#define DECRYPT(c, b) {CH_FS_DECRYPT, c, b, NULL, 0} /* 0 PKCS1 1 raw 2 OAEP-256 3 OAEP-1 4 bad */
#define ECDH(c, b) {CH_FS_ECDH, c, b, NULL, 0}      /* 1 P-384 peer, 2 SHA-384, 4 keep */
#define RESET {CH_FS_POWER, 0, 0, NULL, 0}
#define REMOVE {CH_FS_POWER, 1, 0, NULL, 0}
#define REACQUIRE {CH_FS_REACQUIRE, 0, 0, NULL, 0}
#define AUTH_STATE {CH_FS_AUTH_STATE, 0, 0, NULL, 0}
#define NOTHING {CH_FS_NOTHING, 0, 0, NULL, 0}

#define V7 0
#define V6 1
#define V5 2
#define V4 3
#define LOST 0x00
#define RESET_CARD 0x01
#define REMOVED 0x02
#define REPEAT CH_FS_FAULT_REPEAT

/* A cmapfile the CSP writes: container 0 valid and default (RSA-2048 key exchange), 1 valid
 * (P-256 signature), 2 not valid. */
static const uint8_t csp_cmapfile[3 * 86] = {
    '{', 0, 'c', 0, 's', 0, 'p', 0, '-', 0, '0', 0, '}', 0, [80] = 3, [84] = 0x00, [85] = 0x08,
    [86] = '{', [88] = 'c', [90] = 's', [92] = 'p', [94] = '-', [96] = '1', [98] = '}',
    [166] = 1, [168] = 0x00, [169] = 0x01,
};
/* A cardcf the CSP writes (its counters are replaced by the card's plus one). */
static const uint8_t csp_cardcf[8] = {0x00, 0x01, 0, 0, 0, 0, 0xCA, 0xFE};
/* Not a key blob. */
static const uint8_t junk_blob[24] = {0x07, 0x02, 0x00, 0x00, 0x00, 0xA4, 0x00, 0x00,
                                      'R',  'S',  'A',  '2',  0x00, 0x04, 0x00, 0x00};

static const seed seeds[] = {
    {"logon-sign-decrypt", V7, 0, 0, 0, 0,
     {READ(0, 0), READ(0, 3), READ(0, 4), INFO(0), AUTH, SIGN(0, 0), DECRYPT(2, 0),
      DECRYPT(0, 2), AUTH, SIGN(1, 8), AUTH_STATE, END}},
    {"import-rsa2048-sign", V7, 0, 0, 0, 0,
     {ADMIN, IMPORT(6, 1), AUTH, SIGN(6, 0), DECRYPT(6, 0), CERT(6, 0), READ(6, 4), INFO(6),
      END}},
    {"import-keys-every-kind", V7, 0, 0, 0, 0,
     {ADMIN, IMPORT(8, 0), IMPORT(9, 8 | 2), IMPORT(10, 3), IMPORT(11, 8 | 16 | 4),
      IMPORT(12, 5), IMPORT(13, 7), IMPORT(24, 2), READ(0, 3), END}},
    {"keygen-p256-write-cert", V7, 0, 0, 0, 0,
     {ADMIN, KEYGEN(7, 0), CERT(7, 0), READ(7, 4), ENUM(1), AUTH, SIGN(7, 8), END}},
    {"keygen-p384-ecdh-derive", V7, 0, 0, 0, 0,
     {ADMIN, KEYGEN(8, 3), AUTH, ECDH(8, 1 | 2), ECDH(5, 1), ECDH(2, 0), ECDH(8, 0), END}},
    {"delete-container", V7, 0, 0, 0, 0,
     {ADMIN, DELETE(0), READ(0, 3), INFO(0), DELETE(5), DELETE(3), ENUM(1), READ(0, 4), END}},
    {"write-delete-cert", V7, 0, 0, 0, 0,
     {ADMIN, DELFILE(0, 0), READ(0, 4), CREATEFILE(0), CERT(0, 0), READ(0, 4), CERT(1, 3),
      READ(1, 4), DELFILE(1, 1), DELFILE(0, 2), END}},
    {"cmapfile-rewrite-default-drop", V7, 0, 0, 0, 0,
     {ADMIN, CMAP(0, 1), CMAP(2, 2), READ(0, 3), CMAP(2, 3), READ(0, 3), INFO(2),
      CMAP(0, 4), READ(0, 3), END}},
    {"cmapfile-and-cardcf-from-the-csp", V7, 0, 0, 0, 0,
     {ADMIN, {CH_FS_WRITE_CMAP, 0, 0, csp_cmapfile, sizeof csp_cmapfile}, READ(0, 3),
      {CH_FS_WRITE_CARDCF, 0, 1, csp_cardcf, sizeof csp_cardcf}, READ(0, 1), CARDCF(0),
      CARDCF(2), CARDCF(3), END}},
    {"reset-mid-session", V7, 0, 0, 0, 0,
     {AUTH, ADMIN, RESET, SIGN(0, 0), AUTH_STATE, AUTH, SIGN(0, 0), KEYGEN(4, 0), ADMIN,
      KEYGEN(4, 0), END}},
    {"removed-and-reinserted", V6, 0, 0, 0, 0,
     {AUTH_EX, REMOVE, READ(0, 0), READ(0, 4), AUTH_EX, DECRYPT(2, 0), AUTH_STATE, END}},
    {"removed-card-at-apdu-3", V7, 0, 0, 3, REMOVED,
     {AUTH, READ(0, 3), SIGN(0, 0), AUTH, SIGN(0, 0), AUTH_STATE, END}},
    {"reset-card-at-apdu-2", V7, 0, 0, 2, RESET_CARD,
     {AUTH, ADMIN, ADMIN, KEYGEN(6, 1), AUTH_STATE, END}},
    {"comm-lost-from-apdu-4", V7, 0, 0, 4, LOST | REPEAT,
     {AUTH, READ(0, 3), SIGN(0, 0), REACQUIRE, AUTH, END}},
    {"comm-lost-after-keygen", V7, 0, 0, 18, LOST,
     {ADMIN, KEYGEN(9, 0), INFO(9), READ(0, 3), KEYGEN(9, 0), READ(0, 3), END}},
    {"alloc-fail-in-import", V7, 0, 3, 0, 0,
     {ADMIN, IMPORT(9, 0), IMPORT(9, 0), READ(0, 3), END}},
    {"alloc-fail-in-read", V7, 0, 1, 0, 0,
     {READ(0, 3), READ(0, 4), READ(1, 4), INFO(1), END}},
    {"change-pin", V7, 0, 0, 0, 0,
     {AUTH, {CH_FS_CHANGE_PIN, 0, 0, NULL, 0}, DEAUTH_USER, AUTH, AUTH_STATE,
      {CH_FS_CHANGE_PIN, 2, 4 << 2, NULL, 0}, {CH_FS_CHANGE_PIN, 1, 1 << 2, NULL, 0}, AUTH,
      END}},
    {"wrong-pin-blocks", V7, 0, 0, 0, 0,
     {AUTH_WRONG, AUTH_WRONG, AUTH_WRONG, AUTH, {CH_FS_AUTH_PIN, 0, 4, NULL, 0},
      {CH_FS_CHANGE_PIN, 3, 0, NULL, 0}, {CH_FS_AUTH_PIN, 0, 3, NULL, 0}, SIGN(0, 0), END}},
    {"reacquire-warm-cache", V7, 0, 0, 0, 0,
     {READ(0, 3), READ(0, 4), READ(1, 4), INFO(5), REACQUIRE, READ(0, 3), INFO(0), INFO(1),
      INFO(5), END}},
    {"no-cache-reacquire", V5, CH_FS_F_NO_CACHE, 0, 0, 0,
     {READ(0, 3), READ(1, 4), REACQUIRE, READ(0, 3), INFO(1), AUTH, ECDH(5, 1), END}},
    {"deauth-admin-then-write", V6, 0, 0, 0, 0,
     {ADMIN_EX, AUTH_EX, DEAUTH_ADMIN, AUTH_STATE, CARDCF(0), ADMIN_WRONG, CARDCF(0),
      ADMIN_EX, CARDCF(0), DEAUTH_ALL, AUTH_STATE, END}},
    {"v4-session", V4, 0, 0, 0, 0,
     {AUTH, SIGN(0, 0), DECRYPT(2, 1), ECDH(5, 1), ADMIN, DEAUTH_USER, DEAUTH_ADMIN, END}},
    {"empty-card-personalise", V7, CH_FS_F_EMPTY_CARD, 0, 0, 0,
     {READ(0, 3), ADMIN, KEYGEN(0, 0), IMPORT(2, 0), CERT(0, 0), CERT(2, 0), CMAP(2, 2),
      READ(0, 3), ENUM(1), {CH_FS_IMPORT, 3, 6, junk_blob, sizeof junk_blob}, END}},
};

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: %s OUTDIR\n", argv[0]);
        return 2;
    }
    for (size_t i = 0; i < sizeof seeds / sizeof seeds[0]; i++) {
        const seed *s = &seeds[i];
        ch_finding_session f;
        char path[4096];
        uint8_t *out;
        size_t len = 0;
        FILE *fp;

        memset(&f, 0, sizeof f);
        f.version_sel = s->version_sel;
        f.flags = s->flags;
        f.alloc_fail_at = s->alloc_fail_at;
        f.fault_at = s->fault_at;
        f.fault_sel = s->fault;
        while (f.n_steps < CH_FS_MAX_STEPS && s->steps[f.n_steps].op != 0xFF) {
            const sstep *st = &s->steps[f.n_steps];
            ch_fs_record *r = &f.steps[f.n_steps++];
            r->op = st->op;
            r->a = st->a;
            r->b = st->b;
            r->data = st->data;
            r->len = st->len;
            r->data_got = st->len;
        }
        out = ch_finding_session_encode(&f, &len);
        if (!out || snprintf(path, sizeof path, "%s/%s", argv[1], s->name) >= (int)sizeof path) {
            fprintf(stderr, "%s: cannot encode\n", s->name);
            return 1;
        }
        fp = fopen(path, "wb");
        if (!fp || fwrite(out, 1, len, fp) != len || fclose(fp) != 0) {
            fprintf(stderr, "%s: cannot write\n", path);
            return 1;
        }
        free(out);
    }
    return 0;
}
