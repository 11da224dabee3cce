/* gen_unpad_seeds OUTDIR        writes the seeds of corpora/fuzz_unpad/
 * gen_unpad_seeds --check DIR   regenerates them in memory and compares them with DIR (same
 *                               names, same bytes, nothing else): ctest fuzz-seeds-fresh/fuzz_unpad
 *
 * Layout: the top of fuzz/fuzz_unpad.c. Every valid block is made by OpenSSL
 * (RSA_padding_add_PKCS1_type_2, RSA_padding_add_PKCS1_OAEP_mgf1, PKCS1_MGF1 for the blocks
 * built by hand), never by the code under test. The near misses are one defect away from a
 * valid block (PS of 7 bytes, block type 1, no separator, Y != 0, another label or hash, a
 * non-zero byte before OAEP's 01, k one byte too small). Deterministic: OpenSSL's random bytes
 * (PS and the OAEP seed) come from a fixed xorshift stream installed as the RAND_METHOD, so a
 * rerun writes the same files. */
#define _DEFAULT_SOURCE
#define OPENSSL_SUPPRESS_DEPRECATED /* RAND_set_rand_method, RSA_padding_add_*, PKCS1_MGF1 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/rsa.h>

#define MAX_SEED 2048
#define MAX_SEEDS 64

static uint64_t rng = UINT64_C(0x6A09E667F3BCC908);

static uint8_t next_byte(void)
{
    rng ^= rng << 13;
    rng ^= rng >> 7;
    rng ^= rng << 17;
    return (uint8_t)(rng >> 56);
}

static int det_bytes(unsigned char *buf, int num)
{
    for (int i = 0; i < num; i++)
        buf[i] = next_byte();
    return 1;
}

static int det_status(void) { return 1; }

static RAND_METHOD det_rand = {NULL, det_bytes, NULL, NULL, det_bytes, det_status};

static void fill(uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        p[i] = next_byte();
}

static void die(const char *what)
{
    fprintf(stderr, "gen_unpad_seeds: %s\n", what);
    exit(1);
}

/* ---- the seeds, kept in memory ----------------------------------------------------------- */

static struct seed {
    char name[64];
    uint8_t b[MAX_SEED];
    size_t n;
} seeds[MAX_SEEDS];
static size_t n_seeds;

static struct seed *new_seed(const char *name)
{
    struct seed *s;

    if (n_seeds == MAX_SEEDS)
        die("too many seeds");
    s = &seeds[n_seeds++];
    snprintf(s->name, sizeof s->name, "%s", name);
    s->n = 0;
    return s;
}

static void put(struct seed *s, const void *p, size_t n)
{
    if (n == 0)
        return; /* p may be NULL */
    if (s->n + n > MAX_SEED)
        die("seed too long");
    memcpy(s->b + s->n, p, n);
    s->n += n;
}

static void put_byte(struct seed *s, unsigned v)
{
    uint8_t b = (uint8_t)v;
    put(s, &b, 1);
}

/* ---- padding modes ----------------------------------------------------------------------- */

enum { PKCS1 = 0, OAEP_SHA1 = 1, OAEP_SHA256, OAEP_SHA384, OAEP_SHA512, HASH = 5 };

static const EVP_MD *mode_md(int mode)
{
    switch (mode) {
    case OAEP_SHA1:
        return EVP_sha1();
    case OAEP_SHA256:
        return EVP_sha256();
    case OAEP_SHA384:
        return EVP_sha384();
    default:
        return EVP_sha512();
    }
}

/* mode, label length, label, em */
static void pad_seed(const char *name, int mode, const uint8_t *label, size_t label_len,
                     const uint8_t *em, size_t k)
{
    struct seed *s = new_seed(name);
    put_byte(s, (unsigned)mode);
    put_byte(s, (unsigned)label_len);
    put(s, label, label_len);
    put(s, em, k);
}

static void type2(uint8_t *em, size_t k, size_t msg_len)
{
    uint8_t msg[512];
    fill(msg, msg_len);
    if (RSA_padding_add_PKCS1_type_2(em, (int)k, msg, (int)msg_len) != 1)
        die("RSA_padding_add_PKCS1_type_2");
}

static void oaep(int mode, uint8_t *em, size_t k, const uint8_t *label, size_t label_len,
                 size_t msg_len)
{
    uint8_t msg[512];
    fill(msg, msg_len);
    if (RSA_padding_add_PKCS1_OAEP_mgf1(em, (int)k, msg, (int)msg_len, label, (int)label_len,
                                        mode_md(mode), mode_md(mode)) != 1)
        die("RSA_padding_add_PKCS1_OAEP_mgf1");
}

/* EM for a hand-made DB: random seed, masked with OpenSSL's MGF1 (RFC 8017 7.1.1 step 2). */
static void oaep_from_db(int mode, const uint8_t *db, uint8_t *em, size_t k)
{
    const EVP_MD *md = mode_md(mode);
    size_t h = (size_t)EVP_MD_get_size(md), dblen = k - h - 1, i;
    uint8_t mask[512];

    em[0] = 0;
    fill(em + 1, h);
    if (PKCS1_MGF1(mask, (long)dblen, em + 1, (long)h, md) != 0)
        die("PKCS1_MGF1");
    for (i = 0; i < dblen; i++)
        em[1 + h + i] = (uint8_t)(db[i] ^ mask[i]);
    if (PKCS1_MGF1(mask, (long)h, em + 1 + h, (long)dblen, md) != 0)
        die("PKCS1_MGF1");
    for (i = 0; i < h; i++)
        em[1 + i] ^= mask[i];
}

static void pkcs1_seeds(void)
{
    static const uint8_t abc[] = "abc";
    uint8_t em[512];
    size_t i;

    type2(em, 11, 0);
    pad_seed("pkcs1-k11-empty", PKCS1, NULL, 0, em, 11);
    type2(em, 128, 16);
    pad_seed("pkcs1-k128-msg16", PKCS1, NULL, 0, em, 128);
    type2(em, 256, 48);
    em[256 - 48] = 0x03; /* a TLS premaster secret: client version 3.3 */
    em[256 - 47] = 0x03;
    pad_seed("pkcs1-k256-premaster48", PKCS1, NULL, 0, em, 256);
    type2(em, 256, 245);
    pad_seed("pkcs1-k256-max245", PKCS1, NULL, 0, em, 256);
    type2(em, 512, 32);
    pad_seed("pkcs1-k512-msg32", PKCS1, NULL, 0, em, 512);
    type2(em, 64, 10);
    pad_seed("pkcs1-k64-label-ignored", PKCS1, abc, 3, em, 64);

    /* near misses */
    type2(em, 64, 0);
    for (i = 2; i < 9; i++)
        em[i] = (uint8_t)(em[i] | 1u);
    em[9] = 0x00; /* PS of 7 bytes: one short */
    pad_seed("near-miss-pkcs1-ps7", PKCS1, NULL, 0, em, 64);
    if (RSA_padding_add_PKCS1_type_1(em, 64, abc, 3) != 1)
        die("RSA_padding_add_PKCS1_type_1");
    pad_seed("near-miss-pkcs1-block-type1", PKCS1, NULL, 0, em, 64);
    type2(em, 64, 20);
    em[64 - 21] = 0x01; /* the separator is gone */
    pad_seed("near-miss-pkcs1-no-separator", PKCS1, NULL, 0, em, 64);
    type2(em, 64, 20);
    em[0] = 0x01;
    pad_seed("near-miss-pkcs1-first-byte-01", PKCS1, NULL, 0, em, 64);
}

static void oaep_seeds(void)
{
    static const uint8_t card[] = "card module";
    uint8_t em[512], db[512], label[255];
    unsigned lh_len;
    size_t h, k;

    fill(label, sizeof label);
    oaep(OAEP_SHA1, em, 128, NULL, 0, 16);
    pad_seed("oaep-sha1-k128-msg16", OAEP_SHA1, NULL, 0, em, 128);
    oaep(OAEP_SHA1, em, 42, NULL, 0, 0);
    pad_seed("oaep-sha1-k42-smallest", OAEP_SHA1, NULL, 0, em, 42);
    oaep(OAEP_SHA256, em, 256, card, 11, 32);
    pad_seed("oaep-sha256-k256-label-msg32", OAEP_SHA256, card, 11, em, 256);
    oaep(OAEP_SHA256, em, 66, NULL, 0, 0);
    pad_seed("oaep-sha256-k66-smallest", OAEP_SHA256, NULL, 0, em, 66);
    oaep(OAEP_SHA384, em, 384, NULL, 0, 384 - 2 * 48 - 2);
    pad_seed("oaep-sha384-k384-max", OAEP_SHA384, NULL, 0, em, 384);
    oaep(OAEP_SHA384, em, 512, label, sizeof label, 7);
    pad_seed("oaep-sha384-k512-label255", OAEP_SHA384, label, sizeof label, em, 512);
    oaep(OAEP_SHA512, em, 130, NULL, 0, 0);
    pad_seed("oaep-sha512-k130-smallest", OAEP_SHA512, NULL, 0, em, 130);
    oaep(OAEP_SHA512, em, 512, card, 4, 64);
    pad_seed("oaep-sha512-k512-msg64", OAEP_SHA512, card, 4, em, 512);

    /* near misses */
    oaep(OAEP_SHA256, em, 128, card, 4, 16);
    pad_seed("near-miss-oaep-sha256-other-label", OAEP_SHA256, (const uint8_t *)"cars", 4, em,
             128);
    oaep(OAEP_SHA256, em, 128, NULL, 0, 16);
    pad_seed("near-miss-oaep-sha256-block-as-sha384", OAEP_SHA384, NULL, 0, em, 128);
    oaep(OAEP_SHA1, em, 128, NULL, 0, 16);
    em[0] = 0x01;
    pad_seed("near-miss-oaep-sha1-y-nonzero", OAEP_SHA1, NULL, 0, em, 128);
    oaep(OAEP_SHA512, em, 130, NULL, 0, 0);
    pad_seed("near-miss-oaep-sha512-k129", OAEP_SHA512, NULL, 0, em, 129);

    /* by hand: DB = lHash || PS || 01 || M, then broken */
    k = 128;
    h = 32;
    if (EVP_Digest(NULL, 0, db, &lh_len, EVP_sha256(), NULL) != 1 || lh_len != h)
        die("EVP_Digest");
    memset(db + h, 0, k - h - 1 - h);
    oaep_from_db(OAEP_SHA256, db, em, k); /* all PS, no 01 */
    pad_seed("near-miss-oaep-sha256-no-separator", OAEP_SHA256, NULL, 0, em, k);
    db[h + 2] = 0x02;
    db[h + 5] = 0x01;
    oaep_from_db(OAEP_SHA256, db, em, k); /* 02 in PS before the 01 */
    pad_seed("near-miss-oaep-sha256-nonzero-ps", OAEP_SHA256, NULL, 0, em, k);
    db[h + 2] = 0x00;
    oaep_from_db(OAEP_SHA256, db, em, k); /* the same, repaired: valid */
    pad_seed("oaep-sha256-k128-handmade", OAEP_SHA256, NULL, 0, em, k);
    db[h - 1] ^= 0x01;
    oaep_from_db(OAEP_SHA256, db, em, k); /* last lHash byte wrong */
    pad_seed("near-miss-oaep-sha256-lhash-last-byte", OAEP_SHA256, NULL, 0, em, k);
}

/* ---- hash mode ----------------------------------------------------------------------------- */

static void hash_seed(const char *name, unsigned alg, int hmac, unsigned split,
                      const uint8_t *key, size_t key_len, const void *msg, size_t n)
{
    struct seed *s = new_seed(name);
    put_byte(s, HASH);
    put_byte(s, alg | (hmac ? 4u : 0u));
    put_byte(s, split & 0xFFu);
    put_byte(s, split >> 8);
    put_byte(s, (unsigned)key_len);
    put(s, key, key_len);
    put(s, msg, n);
}

static void hash_seeds(void)
{
    static const char m448[] = "abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq";
    static const char m896[] = "abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmn"
                               "hijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu";
    static const char hi[] = "what do ya want for nothing?";
    static const char big[] = "Test Using Larger Than Block-Size Key - Hash Key First";
    uint8_t aa[131], buf[300];

    memset(aa, 0xAA, sizeof aa);
    fill(buf, sizeof buf);
    hash_seed("hash-sha1-abc", 0, 0, 1, NULL, 0, "abc", 3);
    hash_seed("hash-sha256-448bit", 1, 0, 56, NULL, 0, m448, strlen(m448));
    hash_seed("hash-sha384-896bit", 2, 0, 111, NULL, 0, m896, strlen(m896));
    hash_seed("hash-sha512-empty", 3, 0, 0, NULL, 0, "", 0);
    hash_seed("hash-sha256-119-split55", 1, 0, 55, NULL, 0, buf, 119);
    hash_seed("hash-sha512-300-split128", 3, 0, 128, NULL, 0, buf, 300);
    hash_seed("hmac-sha256-rfc4231-2", 1, 1, 10, (const uint8_t *)"Jefe", 4, hi, strlen(hi));
    hash_seed("hmac-sha1-rfc2202-6-key80", 0, 1, 7, aa, 80, big, strlen(big));
    hash_seed("hmac-sha512-rfc4231-6-key131", 3, 1, 0, aa, 131, big, strlen(big));
    hash_seed("hmac-sha384-empty-key", 2, 1, 200, NULL, 0, buf, 200);
    hash_seed("hmac-sha256-key64-block", 1, 1, 3, buf, 64, buf + 64, 64);
}

/* ---- output -------------------------------------------------------------------------------- */

static int write_all(const char *dir)
{
    char path[4096];
    for (size_t i = 0; i < n_seeds; i++) {
        FILE *f;
        if (snprintf(path, sizeof path, "%s/%s", dir, seeds[i].name) >= (int)sizeof path)
            die("path too long");
        f = fopen(path, "wb");
        if (!f || fwrite(seeds[i].b, 1, seeds[i].n, f) != seeds[i].n || fclose(f) != 0) {
            fprintf(stderr, "cannot write %s\n", path);
            return 1;
        }
    }
    printf("%zu seeds written to %s\n", n_seeds, dir);
    return 0;
}

static int check_all(const char *dir)
{
    char path[4096];
    uint8_t got[MAX_SEED + 1];
    struct dirent *e;
    size_t files = 0, n;
    int bad = 0;
    DIR *d;

    for (size_t i = 0; i < n_seeds; i++) {
        FILE *f;
        if (snprintf(path, sizeof path, "%s/%s", dir, seeds[i].name) >= (int)sizeof path)
            die("path too long");
        f = fopen(path, "rb");
        n = f ? fread(got, 1, sizeof got, f) : 0;
        if (f)
            fclose(f);
        if (!f || n != seeds[i].n || memcmp(got, seeds[i].b, n) != 0) {
            fprintf(stderr, "stale or missing: %s\n", path);
            bad = 1;
        }
    }
    d = opendir(dir);
    if (!d)
        return 1;
    while ((e = readdir(d)) != NULL)
        if (e->d_name[0] != '.')
            files++;
    closedir(d);
    if (files != n_seeds) {
        fprintf(stderr, "%s holds %zu files, the generator makes %zu\n", dir, files, n_seeds);
        bad = 1;
    }
    if (bad)
        fprintf(stderr, "regenerate: gen_unpad_seeds corpora/fuzz_unpad\n");
    else
        printf("%zu seeds of %s regenerated byte for byte\n", n_seeds, dir);
    return bad;
}

int main(int argc, char **argv)
{
    int check = argc == 3 && strcmp(argv[1], "--check") == 0;

    if (argc != 2 && !check) {
        fprintf(stderr, "usage: gen_unpad_seeds OUTDIR | gen_unpad_seeds --check DIR\n");
        return 2;
    }
    if (RAND_set_rand_method(&det_rand) != 1)
        die("RAND_set_rand_method");
    pkcs1_seeds();
    oaep_seeds();
    hash_seeds();
    return check ? check_all(argv[2]) : write_all(argv[1]);
}
