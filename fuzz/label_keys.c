/* label_keys: key material from text labels (label_keys.h). */
#include "label_keys.h"

#include <openssl/ec.h>
#include <openssl/obj_mac.h>
#include <string.h>

#include "fuzz_check.h"

void fz_label_digest(const EVP_MD *md, const char *label, uint32_t ctr, uint8_t *out)
{
    unsigned n = 0;
    uint8_t c[4] = {(uint8_t)(ctr >> 24), (uint8_t)(ctr >> 16), (uint8_t)(ctr >> 8),
                    (uint8_t)ctr};
    EVP_MD_CTX *x = EVP_MD_CTX_new();
    CH_CHECK(x && EVP_DigestInit_ex(x, md, NULL) == 1 &&
                 EVP_DigestUpdate(x, label, strlen(label)) == 1 &&
                 EVP_DigestUpdate(x, c, 4) == 1 && EVP_DigestFinal_ex(x, out, &n) == 1,
             "digest");
    EVP_MD_CTX_free(x);
}

BIGNUM *fz_label_prime(const char *label, int nbits, BN_CTX *ctx)
{
    uint8_t buf[128];
    BIGNUM *p = BN_new();
    CH_CHECK(p && nbits > 0 && nbits % 256 == 0 && nbits / 8 <= (int)sizeof buf, "prime size");
    for (uint32_t i = 0; i < (uint32_t)nbits / 256u; i++)
        fz_label_digest(EVP_sha256(), label, i, buf + 32 * i);
    CH_CHECK(BN_bin2bn(buf, nbits / 8, p) && BN_set_bit(p, nbits - 1) &&
                 BN_set_bit(p, nbits - 2) && BN_set_bit(p, 0),
             "prime start");
    for (;;) {
        BN_ULONG r = BN_mod_word(p, 65537);
        CH_CHECK(r != (BN_ULONG)-1, "mod");
        if (r != 1 && BN_check_prime(p, ctx, NULL) == 1)
            break;
        CH_CHECK(BN_add_word(p, 2), "add");
    }
    return p;
}

void fz_label_ec(int nid, const char *label, uint8_t *x, uint8_t *y, uint8_t *dd)
{
    EC_GROUP *g = EC_GROUP_new_by_curve_name(nid);
    BN_CTX *ctx = BN_CTX_new();
    BIGNUM *d = BN_new(), *n1 = BN_new(), *bx = BN_new(), *by = BN_new();
    EC_POINT *pt = g ? EC_POINT_new(g) : NULL;
    int f = nid == NID_secp384r1 ? 48 : 32;
    uint8_t h[64];

    CH_CHECK(nid == NID_secp384r1 || nid == NID_X9_62_prime256v1, "curve %d", nid);
    CH_CHECK(g && ctx && d && n1 && bx && by && pt, "out of memory");
    fz_label_digest(EVP_sha512(), label, 0, h);
    CH_CHECK(BN_bin2bn(h, 64, d) && BN_sub(n1, EC_GROUP_get0_order(g), BN_value_one()) &&
                 BN_mod(d, d, n1, ctx) && BN_add_word(d, 1) &&
                 EC_POINT_mul(g, pt, d, NULL, NULL, ctx) &&
                 EC_POINT_get_affine_coordinates(g, pt, bx, by, ctx) &&
                 BN_bn2binpad(bx, x, f) == f && BN_bn2binpad(by, y, f) == f &&
                 (!dd || BN_bn2binpad(d, dd, f) == f),
             "EC key %s", label);
    EC_POINT_free(pt);
    BN_clear_free(d), BN_free(n1), BN_free(bx), BN_free(by);
    BN_CTX_free(ctx);
    EC_GROUP_free(g);
}
