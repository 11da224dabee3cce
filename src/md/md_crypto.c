/* Helpers of the private-key entry points. */
#include "md_crypto.h"

void ch_md_reverse(uint8_t *out, const uint8_t *in, size_t n)
{
    for (size_t i = 0; i < n / 2u; i++) {
        uint8_t a = in[i], b = in[n - 1u - i];
        out[i] = b;
        out[n - 1u - i] = a;
    }
    if (n % 2u)
        out[n / 2u] = in[n / 2u];
}

size_t ch_md_ec_field(ch_piv_key_type type)
{
    return type == CH_PIV_KEY_P256 ? 32u : type == CH_PIV_KEY_P384 ? 48u : 0u;
}

DWORD ch_md_private_key(PCARD_DATA cd, ch_md_ctx *ctx, BYTE idx, ch_md_cmap_entry *e,
                        ch_piv_pubkey *pub, uint8_t *alg)
{
    DWORD rc = ch_md_container_key(cd, ctx, idx, e, pub);

    if (rc != SCARD_S_SUCCESS)
        return rc;
    *alg = ch_piv_key_alg(pub->type, pub->bits);
    return *alg ? SCARD_S_SUCCESS : SCARD_E_UNSUPPORTED_FEATURE;
}
