/* RSA padding for the card module (RFC 8017): EMSA-PKCS1-v1_5 encoding for signatures, and
 * the constant-time decoders of RSAES-PKCS1-v1_5 and RSAES-OAEP for decryption.
 *
 * The decoders follow OpenSSL's rsa_pk1.c and rsa_oaep.c: every byte of the block is read once
 * in a fixed order, each check folds into the mask `good` (all ones or zero) instead of
 * returning, the separator is found with masked selects, and the message is moved to the start
 * of out by a shift of log2(k) masked passes whose access pattern is the same for every shift
 * amount. The loops and memory accesses depend on k, cap and (OAEP) the label length only; the
 * one data-dependent outcome is the return value with *m_len at the very end. One error for
 * every bad block (Bleichenbacher 1998, Manger 2001; "Marvin", 2023).
 *
 * The mask helpers below avoid negation and subtraction that could wrap (the sanitizer build
 * traps on unsigned wrap-around): a 0/1 bit becomes a mask by multiplying with SIZE_MAX, and
 * comparisons add half the range first. They need their operands below 2^(w-1); k is bounded
 * far below that (CT_K_MAX) and every index is at most k. */
#include "md_pad.h"

#include <string.h>

#include "wipe.h"

/* ---- hashes and DigestInfo prefixes (RFC 8017 section 9.2, note 1) -------------------- */

static const uint8_t PREFIX_MD5[] = {0x30, 0x20, 0x30, 0x0c, 0x06, 0x08, 0x2a, 0x86, 0x48,
                                     0x86, 0xf7, 0x0d, 0x02, 0x05, 0x05, 0x00, 0x04, 0x10};
static const uint8_t PREFIX_SHA1[] = {0x30, 0x21, 0x30, 0x09, 0x06, 0x05, 0x2b, 0x0e,
                                      0x03, 0x02, 0x1a, 0x05, 0x00, 0x04, 0x14};
static const uint8_t PREFIX_SHA256[] = {0x30, 0x31, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                        0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                        0x01, 0x05, 0x00, 0x04, 0x20};
static const uint8_t PREFIX_SHA384[] = {0x30, 0x41, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                        0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                        0x02, 0x05, 0x00, 0x04, 0x30};
static const uint8_t PREFIX_SHA512[] = {0x30, 0x51, 0x30, 0x0d, 0x06, 0x09, 0x60,
                                        0x86, 0x48, 0x01, 0x65, 0x03, 0x04, 0x02,
                                        0x03, 0x05, 0x00, 0x04, 0x40};
/* CALG_SSL3_SHAMD5 signs the 36 raw bytes MD5 || SHA-1 (TLS 1.0/1.1 CertificateVerify) with no
 * DigestInfo. A real (empty) array rather than NULL, so prefix is always a valid pointer. */
static const uint8_t PREFIX_NONE[1] = {0};

#define NAME_MAX_UNITS 8u /* longest known name is 6 units + terminator */

static const struct pad_hash_entry {
    ALG_ID calg;
    LPCWSTR name; /* BCrypt algorithm name, NULL when BCrypt has none */
    ch_pad_hash h;
} HASHES[] = {
    {CALG_MD5, (LPCWSTR)u"MD5", {CH_HASH_NONE, 16, PREFIX_MD5, sizeof PREFIX_MD5}},
    {CALG_SHA1, (LPCWSTR)u"SHA1", {CH_HASH_SHA1, 20, PREFIX_SHA1, sizeof PREFIX_SHA1}},
    {CALG_SHA_256, (LPCWSTR)u"SHA256", {CH_HASH_SHA256, 32, PREFIX_SHA256, sizeof PREFIX_SHA256}},
    {CALG_SHA_384, (LPCWSTR)u"SHA384", {CH_HASH_SHA384, 48, PREFIX_SHA384, sizeof PREFIX_SHA384}},
    {CALG_SHA_512, (LPCWSTR)u"SHA512", {CH_HASH_SHA512, 64, PREFIX_SHA512, sizeof PREFIX_SHA512}},
    {CALG_SSL3_SHAMD5, NULL, {CH_HASH_NONE, 36, PREFIX_NONE, 0}},
};

#define N_HASHES (sizeof HASHES / sizeof HASHES[0])

int ch_pad_hash_by_calg(ALG_ID calg, ch_pad_hash *h)
{
    size_t i;

    if (h == NULL)
        return -1;
    for (i = 0; i < N_HASHES; i++) {
        if (HASHES[i].calg == calg) {
            *h = HASHES[i].h;
            return 0;
        }
    }
    return -1;
}

int ch_pad_hash_by_name(LPCWSTR name, ch_pad_hash *h)
{
    size_t n = 0, i, j;

    if (name == NULL || h == NULL)
        return -1;
    /* Reads name[0..7] at most: a name without a terminator in its first 8 units is longer
     * than every known one, and the CSP's buffer may end right there. */
    while (n < NAME_MAX_UNITS && name[n] != 0)
        n++;
    if (n == NAME_MAX_UNITS)
        return -1;
    for (i = 0; i < N_HASHES; i++) {
        LPCWSTR known = HASHES[i].name;
        if (known == NULL)
            continue;
        for (j = 0; j < n && known[j] == name[j]; j++)
            ;
        if (j == n && known[n] == 0) {
            *h = HASHES[i].h;
            return 0;
        }
    }
    return -1;
}

/* ---- EMSA-PKCS1-v1_5 ------------------------------------------------------------------- */

DWORD ch_pad_pkcs1_sign(const uint8_t *prefix, size_t prefix_len, const uint8_t *data,
                        size_t data_len, uint8_t *out, size_t k)
{
    size_t t;

    if (out == NULL || k < 11 || prefix_len > k - 11 || data_len > k - 11 - prefix_len ||
        (prefix == NULL && prefix_len > 0) || (data == NULL && data_len > 0))
        return SCARD_E_INVALID_PARAMETER;
    t = prefix_len + data_len;
    out[0] = 0x00;
    out[1] = 0x01;
    memset(out + 2, 0xFF, k - 3 - t); /* at least 8 bytes: t <= k - 11 */
    out[k - t - 1] = 0x00;
    if (prefix_len > 0)
        memcpy(out + k - t, prefix, prefix_len);
    if (data_len > 0)
        memcpy(out + k - data_len, data, data_len);
    return SCARD_S_SUCCESS;
}

/* ---- constant-time helpers ------------------------------------------------------------- */

#define CT_TOP (sizeof(size_t) * 8u - 1u)
#define CT_HALF ((size_t)1 << CT_TOP)
#define CT_K_MAX (SIZE_MAX >> 2) /* k, and so every index, stays far below CT_HALF */

/* Hides a value from the optimiser, so that it cannot prove a mask to be 0 or ~0 and turn a
 * select back into a branch (OpenSSL's value_barrier). */
static size_t ct_barrier(size_t x)
{
#if defined(__GNUC__) || defined(__clang__)
    __asm__("" : "+r"(x));
    return x;
#else
    volatile size_t v = x;
    return v;
#endif
}

/* bit 0/1 -> mask 0/~0, by a product: nothing wraps. */
static size_t ct_mask(size_t bit) { return ct_barrier(bit) * SIZE_MAX; }

/* x < CT_HALF: x + (CT_HALF - 1) reaches the top bit exactly when x != 0. */
static size_t ct_eq_mask(size_t a, size_t b)
{
    return ct_mask((((a ^ b) + (CT_HALF - 1u)) >> CT_TOP) ^ 1u);
}

/* a, b < CT_HALF: a + CT_HALF - b keeps the top bit exactly when a >= b. */
static size_t ct_ge_mask(size_t a, size_t b) { return ct_mask((a + CT_HALF - b) >> CT_TOP); }

static size_t ct_select(size_t mask, size_t a, size_t b) { return (mask & a) | (~mask & b); }

static uint8_t ct_select8(size_t mask, uint8_t a, uint8_t b)
{
    return (uint8_t)((mask & a) | (~mask & b));
}

/* out[0..tlen) holds M at offset `shift` (0 <= shift <= tlen): move it to offset 0, then keep
 * out[i] for i < mlen when good and zero everything else, including out[tlen..cap). Each pass
 * s moves by s or by 0 with the same reads and writes (OpenSSL's rsa_pk1.c loop); a shift bit
 * at or above tlen can only be set when shift == tlen, and then mlen == 0. */
static void ct_shift_out(uint8_t *out, size_t tlen, size_t cap, size_t shift, size_t mlen,
                         size_t good)
{
    size_t s, i, m;

    for (s = 1; s < tlen; s <<= 1) {
        m = ~ct_eq_mask(shift & s, 0);
        for (i = 0; i < tlen - s; i++)
            out[i] = ct_select8(m, out[i + s], out[i]);
    }
    for (i = 0; i < tlen; i++)
        out[i] = ct_select8(good & ~ct_ge_mask(i, mlen), out[i], 0);
    if (cap > tlen)
        ch_wipe(out + tlen, cap - tlen);
}

/* The bad-parameter exit (k, cap, pointers: public facts, so an early return leaks nothing). */
static int refuse(uint8_t *out, size_t cap)
{
    ch_wipe(out, cap); /* no-op for NULL */
    return -1;
}

/* ---- RSAES-PKCS1-v1_5 decoding --------------------------------------------------------- */

int ch_pad_pkcs1_decrypt(const uint8_t *em, size_t k, uint8_t *out, size_t cap,
                         size_t *m_len)
{
    size_t good, found = 0, zero_index = 0, z, tlen, mlen, i;

    if (m_len == NULL)
        return refuse(out, cap);
    *m_len = 0;
    if (em == NULL || out == NULL || k < 11 || k > CT_K_MAX || cap < k - 11)
        return refuse(out, cap);
    tlen = k - 11; /* longest message: 00 02, 8 bytes of PS, 00 */

    good = ct_eq_mask(em[0], 0) & ct_eq_mask(em[1], 2);
    /* the first 00 after 00 02 ends PS, so PS is non-zero by construction */
    for (i = 2; i < k; i++) {
        z = ct_eq_mask(em[i], 0);
        zero_index = ct_select(~found & z, i, zero_index);
        found |= z;
    }
    good &= found & ct_ge_mask(zero_index, 10); /* PS = em[2..zero_index): 8 bytes or more */
    zero_index = ct_select(good, zero_index, 10);
    mlen = k - 1 - zero_index; /* 0..tlen */

    memcpy(out, em + 11, tlen); /* M sits (zero_index - 10) bytes in */
    ct_shift_out(out, tlen, cap, zero_index - 10, mlen, good);
    *m_len = mlen & good;
    return (int)(good & 1u) - 1;
}

/* ---- MGF1 and RSAES-OAEP decoding ------------------------------------------------------ */

/* T = Hash(seed || C) for the 32-bit big-endian counter C; t holds ch_hash_len(hash) bytes. */
static void mgf1_block(ch_hash_alg hash, const uint8_t *seed, size_t seed_len, size_t counter,
                       uint8_t *t)
{
    ch_hash_ctx c;
    uint8_t cb[4];

    /* counter < 2^32 for every mask shorter than 2^32 hash lengths (RFC 8017 B.2.1 step 1);
     * the masks here are at most k bytes */
    cb[0] = (uint8_t)(counter >> 24);
    cb[1] = (uint8_t)(counter >> 16);
    cb[2] = (uint8_t)(counter >> 8);
    cb[3] = (uint8_t)counter;
    (void)ch_hash_init(&c, hash);
    ch_hash_update(&c, seed, seed_len);
    ch_hash_update(&c, cb, sizeof cb);
    ch_hash_final(&c, t); /* wipes c */
}

void ch_pad_mgf1_xor(ch_hash_alg hash, const uint8_t *seed, size_t seed_len, uint8_t *out,
                     size_t out_len)
{
    uint8_t t[CH_HASH_MAX_LEN];
    size_t hlen = ch_hash_len(hash), done, n, i, counter;

    if (hlen == 0 || out == NULL)
        return;
    for (done = 0, counter = 0; done < out_len; done += n, counter++) {
        mgf1_block(hash, seed, seed_len, counter, t);
        n = out_len - done < hlen ? out_len - done : hlen;
        for (i = 0; i < n; i++)
            out[done + i] ^= t[i];
    }
    ch_wipe(t, sizeof t);
}

/* EM = 00 || maskedSeed (hLen) || maskedDB (k - hLen - 1); DB = lHash || PS (00..) || 01 || M.
 * DB is unmasked one hash block at a time and never stored whole: lHash is compared on the
 * fly, the 01 separator is found with masked selects, and DB[hLen+1..) goes straight to out
 * (exactly k - 2hLen - 2 bytes, the least cap allowed), where the shift moves M to the start. */
int ch_pad_oaep_decrypt(ch_hash_alg hash, const uint8_t *label, size_t label_len,
                        const uint8_t *em, size_t k, uint8_t *out, size_t cap, size_t *m_len)
{
    uint8_t lhash[CH_HASH_MAX_LEN], seed[CH_HASH_MAX_LEN], t[CH_HASH_MAX_LEN], b;
    size_t hlen = ch_hash_len(hash), dblen, tlen, good, diff = 0, found = 0, one_index, is0,
           is1, mlen, pos;
    const uint8_t *mdb;

    if (m_len == NULL)
        return refuse(out, cap);
    *m_len = 0;
    if (hlen == 0 || em == NULL || out == NULL || (label == NULL && label_len > 0) ||
        k > CT_K_MAX || k < 2 * hlen + 2 || cap < k - 2 * hlen - 2)
        return refuse(out, cap);
    dblen = k - hlen - 1;
    tlen = dblen - hlen - 1; /* longest message: PS empty */
    mdb = em + 1 + hlen;
    (void)ch_hash(hash, label, label_len, lhash);

    good = ct_eq_mask(em[0], 0);
    memcpy(seed, em + 1, hlen);
    ch_pad_mgf1_xor(hash, mdb, dblen, seed, hlen); /* seed = maskedSeed ^ MGF1(maskedDB) */

    one_index = hlen; /* where 01 sits when PS is empty: keeps the arithmetic below in range */
    for (pos = 0; pos < dblen; pos++) {
        if (pos % hlen == 0) /* next block of MGF1(seed): depends on the position only */
            mgf1_block(hash, seed, hlen, pos / hlen, t);
        b = (uint8_t)(mdb[pos] ^ t[pos % hlen]);
        if (pos < hlen) {
            diff |= (size_t)(b ^ lhash[pos]);
            continue;
        }
        is1 = ct_eq_mask(b, 1);
        is0 = ct_eq_mask(b, 0);
        one_index = ct_select(~found & is1, pos, one_index);
        found |= is1;
        good &= found | is0; /* before the 01, only 00 */
        if (pos > hlen)
            out[pos - hlen - 1] = b;
    }
    good &= ct_eq_mask(diff, 0) & found;
    mlen = dblen - 1 - one_index; /* one_index in hLen..dblen-1: 0..tlen */

    ct_shift_out(out, tlen, cap, one_index - hlen, mlen, good);
    ch_wipe(seed, sizeof seed);
    ch_wipe(t, sizeof t);
    *m_len = mlen & good;
    return (int)(good & 1u) - 1;
}
