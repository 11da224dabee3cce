/* md-write: what a CSP writes to a card through the card module, through a real PC/SC reader.
 *
 *   md-write LIBPIVMD OUTDIR OP...
 *
 * dlopens LIBPIVMD (any preset's libpivmd.so), connects to the reader named in $CH_READER
 * (tests/fixtures/with-pcscd.sh exports it), CardAcquireContext with dwVersion 7, authenticates
 * the administrator with the default 3DES management key (CardGetChallenge, the response
 * computed here with OpenSSL, CardAuthenticateChallenge) and the user with the default PIN
 * 123456 (CardAuthenticateEx ROLE_USER), then runs the OPs in order in that one context:
 *   gen IDX SPEC           CardCreateContainerEx KEY_GEN, dwKeySize 0 (RSA-2048, or the curve's)
 *   import IDX SPEC BLOB   CardCreateContainerEx KEY_IMPORT of the PRIVATEKEYBLOB or
 *                          BCRYPT_ECCKEY_BLOB in file BLOB, dwKeySize 0
 *   info IDX               CardGetContainerInfo: its public key blobs, raw, to OUTDIR/pubNN.sig
 *                          and OUTDIR/pubNN.kx (NN two lower-case hex digits; as md-read)
 *   cert NAME DER          CardCreateFile + CardWriteFile of mscp/NAME (kscNN or kxcNN) with the
 *                          bytes of file DER
 *   sign IDX SPEC HASH OUT CardSignData of the hash in file HASH; RSA PKCS#1 v1.5 with the
 *                          DigestInfo of the hash of that length (SHA-1/256/384/512). The
 *                          signature as the module returns it to OUTDIR/OUT: RSA little-endian,
 *                          ECDSA r || s big-endian
 * IDX is a container index (decimal); SPEC one of keyx, sig, ecdsa256, ecdsa384, ecdh256,
 * ecdh384 (AT_KEYEXCHANGE, AT_SIGNATURE, AT_ECDSA_P256, ...). Every call's result is printed.
 * Everything the module hands over is freed with the CSP's free callback, the context with
 * CardDeleteContext, and the counting allocator must then hold nothing.
 *
 * Exit status: 0 ok; 1 a minidriver call failed (the call and its hex error are printed) or a
 * check failed; 2 usage, an unreadable input or OUTDIR not writable; 77 no reader ($CH_READER
 * unset, or no card). */
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "cardmod.h"
#include "md_session.h"


#define MD_WRITE_MAX_INPUT 65536u

static const char *outdir;

/* The default 3DES management key and PIN of a PIV card (YubiKey factory state, vpiv). */
static const uint8_t mgm_key[24] = {1, 2, 3, 4, 5, 6, 7, 8, 1, 2, 3, 4,
                                    5, 6, 7, 8, 1, 2, 3, 4, 5, 6, 7, 8};
static const char pin[] = "123456";

/* ---- files --------------------------------------------------------------------------------- */

/* The whole of file path (at most MD_WRITE_MAX_INPUT bytes) into a malloc'd buffer. */
static int get_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    size_t n;

    if (!f) {
        fprintf(stderr, "md-write: %s: %s\n", path, strerror(errno));
        return MD_EXIT_USAGE;
    }
    buf = malloc(MD_WRITE_MAX_INPUT + 1);
    n = buf ? fread(buf, 1, MD_WRITE_MAX_INPUT + 1, f) : 0;
    fclose(f);
    if (!buf || n == 0 || n > MD_WRITE_MAX_INPUT) {
        fprintf(stderr, "md-write: %s: empty, unreadable or over %u bytes\n", path,
                MD_WRITE_MAX_INPUT);
        free(buf);
        return MD_EXIT_USAGE;
    }
    *data = buf;
    *len = n;
    return 0;
}

/* ---- arguments ----------------------------------------------------------------------------- */

static bool parse_idx(const char *s, BYTE *idx)
{
    char *end;
    long v = strtol(s, &end, 10);
    if (*s == '\0' || *end != '\0' || v < 0 || v > 255)
        return false;
    *idx = (BYTE)v;
    return true;
}

static bool parse_spec(const char *s, DWORD *spec)
{
    static const struct {
        const char *name;
        DWORD spec;
    } specs[] = {{"keyx", AT_KEYEXCHANGE},     {"sig", AT_SIGNATURE},
                 {"ecdsa256", AT_ECDSA_P256},  {"ecdsa384", AT_ECDSA_P384},
                 {"ecdh256", AT_ECDHE_P256},   {"ecdh384", AT_ECDHE_P384}};
    for (size_t i = 0; i < sizeof specs / sizeof specs[0]; i++) {
        if (strcmp(s, specs[i].name) == 0) {
            *spec = specs[i].spec;
            return true;
        }
    }
    return false;
}

/* The number of arguments OP takes, or -1 for an unknown OP. */
static int op_args(const char *op)
{
    if (!strcmp(op, "gen"))
        return 2;
    if (!strcmp(op, "import"))
        return 3;
    if (!strcmp(op, "info"))
        return 1;
    if (!strcmp(op, "cert"))
        return 2;
    if (!strcmp(op, "sign"))
        return 4;
    return -1;
}

/* Every OP well formed (names, numbers, counts) before the card is touched. */
static bool check_ops(int n, char **a)
{
    BYTE idx;
    DWORD spec;

    for (int i = 0; i < n;) {
        int k = op_args(a[i]);
        if (k < 0 || i + k >= n) {
            fprintf(stderr, "md-write: '%s': unknown operation or missing arguments\n", a[i]);
            return false;
        }
        if (strcmp(a[i], "cert") != 0 && !parse_idx(a[i + 1], &idx)) {
            fprintf(stderr, "md-write: %s: '%s' is not a container index\n", a[i], a[i + 1]);
            return false;
        }
        if ((!strcmp(a[i], "gen") || !strcmp(a[i], "import") || !strcmp(a[i], "sign")) &&
            !parse_spec(a[i + 2], &spec)) {
            fprintf(stderr, "md-write: %s: '%s' is not a keyspec\n", a[i], a[i + 2]);
            return false;
        }
        i += k + 1;
    }
    return true;
}

/* ---- authentication ------------------------------------------------------------------------ */

static int admin_login(PCARD_DATA cd)
{
    PBYTE challenge = NULL;
    DWORD n = 0, rc;
    uint8_t resp[8];
    int len = 0, fin = 0;
    EVP_CIPHER_CTX *x;
    bool ok;

    rc = cd->pfnCardGetChallenge(cd, &challenge, &n);
    if (rc != SCARD_S_SUCCESS)
        return md_failed("CardGetChallenge", "", rc);
    if (!challenge || n != sizeof resp) {
        fprintf(stderr, "md-write: CardGetChallenge gave %u bytes, want 8 (3DES)\n", n);
        cd->pfnCspFree(challenge);
        return MD_EXIT_MD;
    }
    x = EVP_CIPHER_CTX_new();
    ok = x && EVP_EncryptInit_ex(x, EVP_des_ede3_ecb(), NULL, mgm_key, NULL) == 1 &&
         EVP_CIPHER_CTX_set_padding(x, 0) == 1 &&
         EVP_EncryptUpdate(x, resp, &len, challenge, (int)n) == 1 &&
         EVP_EncryptFinal_ex(x, resp + len, &fin) == 1 && len + fin == (int)sizeof resp;
    EVP_CIPHER_CTX_free(x);
    cd->pfnCspFree(challenge);
    if (!ok) {
        fprintf(stderr, "md-write: 3DES with OpenSSL failed\n");
        return MD_EXIT_MD;
    }
    rc = cd->pfnCardAuthenticateChallenge(cd, resp, sizeof resp, NULL);
    if (rc != SCARD_S_SUCCESS)
        return md_failed("CardAuthenticateChallenge", "default 3DES key", rc);
    printf("admin: authenticated (default 3DES management key)\n");
    return 0;
}

static int user_login(PCARD_DATA cd)
{
    DWORD attempts = 0;
    DWORD rc = cd->pfnCardAuthenticateEx(cd, ROLE_USER, 0, (PBYTE)pin, (DWORD)strlen(pin), NULL,
                                         NULL, &attempts);
    if (rc != SCARD_S_SUCCESS)
        return md_failed("CardAuthenticateEx", "ROLE_USER", rc);
    printf("user: authenticated (PIN)\n");
    return 0;
}

/* ---- operations ---------------------------------------------------------------------------- */

static int op_create(PCARD_DATA cd, DWORD flags, char **a)
{
    BYTE idx = 0;
    DWORD spec = 0, rc;
    uint8_t *blob = NULL;
    size_t len = 0;
    int ret;

    (void)parse_idx(a[0], &idx);
    (void)parse_spec(a[1], &spec);
    if (flags == CARD_CREATE_CONTAINER_KEY_IMPORT && (ret = get_file(a[2], &blob, &len)) != 0)
        return ret;
    rc = cd->pfnCardCreateContainerEx(cd, idx, flags, spec, 0, blob, ROLE_USER);
    if (blob) {
        OPENSSL_cleanse(blob, len); /* a private key */
        free(blob);
    }
    if (rc != SCARD_S_SUCCESS)
        return md_failed("CardCreateContainerEx", a[0], rc);
    printf("container %u: %s %s\n", (unsigned)idx,
           flags == CARD_CREATE_CONTAINER_KEY_GEN ? "generated" : "imported", a[1]);
    return 0;
}

static int op_info(PCARD_DATA cd, char **a)
{
    BYTE idx = 0;

    (void)parse_idx(a[0], &idx);
    return md_save_container_keys(cd, idx, outdir);
}

static int op_cert(PCARD_DATA cd, char **a)
{
    char dir[] = "mscp", file[16];
    uint8_t *der = NULL;
    size_t len = 0;
    DWORD rc;
    int ret;

    if (strlen(a[0]) >= sizeof file) {
        fprintf(stderr, "md-write: cert: file name '%s' too long\n", a[0]);
        return MD_EXIT_USAGE;
    }
    snprintf(file, sizeof file, "%s", a[0]);
    if ((ret = get_file(a[1], &der, &len)) != 0)
        return ret;
    /* As the Base CSP does: create the file, then write it. */
    rc = cd->pfnCardCreateFile(cd, dir, file, 0, EveryoneReadUserWriteAc);
    if (rc != SCARD_S_SUCCESS && rc != ERROR_FILE_EXISTS)
        ret = md_failed("CardCreateFile", a[0], rc);
    if (ret == 0 &&
        (rc = cd->pfnCardWriteFile(cd, dir, file, 0, der, (DWORD)len)) != SCARD_S_SUCCESS)
        ret = md_failed("CardWriteFile", a[0], rc);
    if (ret == 0)
        printf("mscp/%s: %zu bytes written\n", file, len);
    free(der);
    return ret;
}

static ALG_ID hash_alg(size_t len)
{
    switch (len) {
    case 20: return CALG_SHA1;
    case 32: return CALG_SHA_256;
    case 48: return CALG_SHA_384;
    case 64: return CALG_SHA_512;
    default: return 0;
    }
}

static int op_sign(PCARD_DATA cd, char **a)
{
    CARD_SIGNING_INFO si;
    uint8_t *hash = NULL;
    size_t len = 0;
    BYTE idx = 0;
    DWORD spec = 0, rc;
    int ret;

    (void)parse_idx(a[0], &idx);
    (void)parse_spec(a[1], &spec);
    if ((ret = get_file(a[2], &hash, &len)) != 0)
        return ret;
    if (!hash_alg(len)) {
        fprintf(stderr, "md-write: sign: %s is %zu bytes, not a SHA-1/2 hash\n", a[2], len);
        free(hash);
        return MD_EXIT_USAGE;
    }
    memset(&si, 0, sizeof si);
    si.dwVersion = CARD_SIGNING_INFO_CURRENT_VERSION;
    si.bContainerIndex = idx;
    si.dwKeySpec = spec;
    si.aiHashAlg = hash_alg(len);
    si.pbData = hash;
    si.cbData = (DWORD)len;
    rc = cd->pfnCardSignData(cd, &si);
    if (rc != SCARD_S_SUCCESS) {
        ret = md_failed("CardSignData", a[0], rc);
    } else if (!si.pbSignedData || !si.cbSignedData) {
        fprintf(stderr, "md-write: CardSignData(%s): no signature\n", a[0]);
        ret = MD_EXIT_MD;
    } else {
        ret = md_put_file(outdir, a[3], si.pbSignedData, si.cbSignedData);
        if (ret == 0)
            printf("container %u: %u-byte signature to %s\n", (unsigned)idx, si.cbSignedData,
                   a[3]);
    }
    cd->pfnCspFree(si.pbSignedData);
    free(hash);
    return ret;
}

static int run_ops(PCARD_DATA cd, int n, char **a)
{
    int ret = admin_login(cd);

    if (ret == 0)
        ret = user_login(cd);
    for (int i = 0; ret == 0 && i < n; i += op_args(a[i]) + 1) {
        if (!strcmp(a[i], "gen"))
            ret = op_create(cd, CARD_CREATE_CONTAINER_KEY_GEN, a + i + 1);
        else if (!strcmp(a[i], "import"))
            ret = op_create(cd, CARD_CREATE_CONTAINER_KEY_IMPORT, a + i + 1);
        else if (!strcmp(a[i], "info"))
            ret = op_info(cd, a + i + 1);
        else if (!strcmp(a[i], "cert"))
            ret = op_cert(cd, a + i + 1);
        else
            ret = op_sign(cd, a + i + 1);
    }
    return ret;
}

typedef struct ops {
    int n;
    char **a;
} ops;

static int run_ops_fn(PCARD_DATA cd, void *arg)
{
    const ops *o = arg;
    return run_ops(cd, o->n, o->a);
}

int main(int argc, char **argv)
{
    ops o;

    md_prog = "md-write";
    if (argc < 4 || !check_ops(argc - 3, argv + 3)) {
        fprintf(stderr, "usage: md-write LIBPIVMD OUTDIR OP... (reader: $CH_READER)\n"
                        "  gen IDX SPEC | import IDX SPEC BLOB | info IDX | cert NAME DER |\n"
                        "  sign IDX SPEC HASH OUT; SPEC: keyx sig ecdsa256 ecdsa384 ecdh256 "
                        "ecdh384\n");
        return MD_EXIT_USAGE;
    }
    outdir = argv[2];
    o.n = argc - 3;
    o.a = argv + 3;
    return md_session_run(argv[1], run_ops_fn, &o);
}
