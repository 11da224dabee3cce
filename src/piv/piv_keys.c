/* Key pairs in the PIV slots: algorithm ids, GENERATE ASYMMETRIC KEY PAIR (SP 800-73-4 Part 2,
 * 3.3.2) and YubiKey IMPORT ASYMMETRIC KEY.
 *
 *   00 47 00 slot  AC { 80 01 alg [AA 01 pin] [AB 01 touch] }  -> 7F 49 { 81 n 82 e | 86 pt }
 *   00 FE alg slot 01 p 02 q 03 dp 04 dq 05 qinv | 06 d, [AA 01 pin] [AB 01 touch] -> 9000
 *
 * Parameter checks (algorithm, slot, policy, lengths) come before anything is sent. The import
 * command holds the private key: it is built in one stack buffer that is wiped on every path
 * (the exchange wipes its own copies). The GENERATE answer is a public key, read strictly:
 * a card that states a key other than the one asked for is not believed. */
#include <string.h>

#include "cursor.h"
#include "piv.h"
#include "piv_internal.h"
#include "scarderr.h"
#include "wipe.h"

#define INS_GENERATE 0x47u
#define INS_IMPORT 0xFEu
#define TAG_PIN_POLICY 0xAAu
#define TAG_TOUCH_POLICY 0xABu
#define POLICY_MAX 0x03u /* PIN: never/once/always; touch: never/always/cached */
#define EC_FIELD_MAX 48u /* P-384 */

/* An RSA-4096 answer is 7F 49 82 02 09 { 81 82 02 00 <512> 82 03 <e> } = 525 bytes; the
 * rest is room to see an over-long answer as malformed rather than as a short buffer. */
#define GENERATE_ANSWER_MAX 1024u

/* Five RSA-4096 components (01 82 01 00 <256>) and both policies (AA 01 x AB 01 y). */
#define IMPORT_MAX (5u * (4u + CH_PIV_RSA_MAX_BYTES / 2u) + 6u)

static const struct {
    uint8_t alg;
    ch_piv_key_type type;
    size_t bits;
} key_algs[] = {
    {CH_PIV_ALG_RSA1024, CH_PIV_KEY_RSA, 1024}, {CH_PIV_ALG_RSA2048, CH_PIV_KEY_RSA, 2048},
    {CH_PIV_ALG_RSA3072, CH_PIV_KEY_RSA, 3072}, {CH_PIV_ALG_RSA4096, CH_PIV_KEY_RSA, 4096},
    {CH_PIV_ALG_ECCP256, CH_PIV_KEY_P256, 256}, {CH_PIV_ALG_ECCP384, CH_PIV_KEY_P384, 384},
};

uint8_t ch_piv_key_alg(ch_piv_key_type type, size_t bits)
{
    for (size_t i = 0; i < sizeof key_algs / sizeof key_algs[0]; i++)
        if (key_algs[i].type == type && key_algs[i].bits == bits)
            return key_algs[i].alg;
    return 0;
}

bool ch_piv_alg_key(uint8_t alg, ch_piv_key_type *type, size_t *bits)
{
    for (size_t i = 0; i < sizeof key_algs / sizeof key_algs[0]; i++) {
        if (key_algs[i].alg == alg) {
            *type = key_algs[i].type;
            *bits = key_algs[i].bits;
            return true;
        }
    }
    return false;
}

/* A slot that holds a key pair the module uses: 9A, 9C, 9D, 9E, retired 82..95. */
static bool key_slot(uint8_t slot) { return ch_piv_cert_tag(slot) != 0; }

static bool policies_ok(uint8_t pin_policy, uint8_t touch_policy)
{
    return pin_policy <= POLICY_MAX && touch_policy <= POLICY_MAX;
}

/* Appends [AA 01 pin] [AB 01 touch]: a DEFAULT policy sends no tag (the slot's default). */
static size_t put_policies(uint8_t *b, uint8_t pin_policy, uint8_t touch_policy)
{
    size_t n = 0;
    if (pin_policy != CH_PIV_POLICY_DEFAULT)
        b[n++] = TAG_PIN_POLICY, b[n++] = 0x01, b[n++] = pin_policy;
    if (touch_policy != CH_PIV_POLICY_DEFAULT)
        b[n++] = TAG_TOUCH_POLICY, b[n++] = 0x01, b[n++] = touch_policy;
    return n;
}

/* A non-key algorithm is the caller's mistake (SCARD_E_INVALID_PARAMETER), not the card's. */
uint32_t ch_piv_parse_generated(const uint8_t *data, size_t len, uint8_t alg,
                                ch_piv_pubkey *pub)
{
    ch_piv_key_type type;
    ch_piv_pubkey pk;
    size_t bits;
    uint32_t tag;
    ch_cur c, v;

    if (!ch_piv_alg_key(alg, &type, &bits) || !pub)
        return SCARD_E_INVALID_PARAMETER;
    ch_cur_init(&c, data, len);
    if (!ch_cur_tlv(&c, &tag, &v) || tag != 0x7F49u || !ch_cur_empty(&c))
        return SCARD_E_UNEXPECTED;
    memset(&pk, 0, sizeof pk);
    if (!ch_piv_pubkey_tlvs(&v, alg, &pk))
        return SCARD_E_UNEXPECTED;
    *pub = pk;
    return SCARD_S_SUCCESS;
}

uint32_t ch_piv_generate(ch_apdu_ctx *ctx, uint8_t slot, uint8_t alg, uint8_t pin_policy,
                         uint8_t touch_policy, ch_piv_pubkey *pub)
{
    uint8_t cmd[2 + 3 + 6], resp[GENERATE_ANSWER_MAX];
    ch_capdu c = {0x00, INS_GENERATE, 0x00, slot, cmd, 0, 256};
    ch_piv_key_type type;
    size_t bits, n = 0, rn = 0;
    uint16_t sw = 0;
    uint32_t rc;

    if (!ch_piv_alg_key(alg, &type, &bits) || !key_slot(slot) ||
        !policies_ok(pin_policy, touch_policy) || !pub)
        return SCARD_E_INVALID_PARAMETER;
    cmd[n++] = 0xAC;
    cmd[n++] = 0; /* the template's length, known below */
    cmd[n++] = 0x80, cmd[n++] = 0x01, cmd[n++] = alg;
    n += put_policies(cmd + n, pin_policy, touch_policy);
    cmd[1] = (uint8_t)(n - 2);
    c.data_len = n;
    rc = ch_apdu_transmit(ctx, &c, resp, sizeof resp, &rn, &sw);
    if (rc == SCARD_E_INSUFFICIENT_BUFFER) /* no public key is this long */
        return SCARD_E_UNEXPECTED;
    if (rc != SCARD_S_SUCCESS)
        return rc;
    /* The card has replaced the slot's key by now, whatever the answer looks like. */
    return ch_piv_parse_generated(resp, rn, alg, pub);
}

/* Appends tag, BER length and n bytes; b has room (IMPORT_MAX). */
static size_t put_component(uint8_t *b, uint8_t tag, const uint8_t *v, size_t n)
{
    size_t i = 0;
    b[i++] = tag;
    i += ch_piv_ber_len(n, b + i);
    memcpy(b + i, v, n);
    return i + n;
}

/* Sends the assembled IMPORT command; the caller wipes it. The card answers nothing but a
 * status word. */
static uint32_t send_import(ch_apdu_ctx *ctx, uint8_t slot, uint8_t alg, const uint8_t *cmd,
                            size_t n)
{
    uint8_t resp[16];
    ch_capdu c = {0x00, INS_IMPORT, alg, slot, cmd, n, 0};
    size_t rn = 0;
    uint16_t sw = 0;
    uint32_t rc = ch_apdu_transmit(ctx, &c, resp, sizeof resp, &rn, &sw);

    ch_wipe(resp, sizeof resp);
    if (rc == SCARD_E_INSUFFICIENT_BUFFER || (rc == SCARD_S_SUCCESS && rn != 0))
        return SCARD_E_UNEXPECTED;
    return rc;
}

uint32_t ch_piv_import_rsa(ch_apdu_ctx *ctx, uint8_t slot, uint8_t alg, const uint8_t *p,
                           const uint8_t *q, const uint8_t *dp, const uint8_t *dq,
                           const uint8_t *qinv, size_t half, uint8_t pin_policy,
                           uint8_t touch_policy)
{
    uint8_t cmd[IMPORT_MAX];
    const uint8_t *comp[5] = {p, q, dp, dq, qinv};
    ch_piv_key_type type;
    size_t bits, n = 0;
    uint32_t rc;

    if (!ch_piv_alg_key(alg, &type, &bits) || type != CH_PIV_KEY_RSA || half != bits / 16 ||
        !key_slot(slot) || !policies_ok(pin_policy, touch_policy))
        return SCARD_E_INVALID_PARAMETER;
    for (size_t i = 0; i < 5; i++)
        if (!comp[i])
            return SCARD_E_INVALID_PARAMETER;
    for (size_t i = 0; i < 5; i++)
        n += put_component(cmd + n, (uint8_t)(i + 1), comp[i], half);
    n += put_policies(cmd + n, pin_policy, touch_policy);
    rc = send_import(ctx, slot, alg, cmd, n);
    ch_wipe(cmd, sizeof cmd); /* the only path past the checks: nothing was copied before */
    return rc;
}

uint32_t ch_piv_import_ec(ch_apdu_ctx *ctx, uint8_t slot, uint8_t alg, const uint8_t *scalar,
                          size_t field, uint8_t pin_policy, uint8_t touch_policy)
{
    uint8_t cmd[2 + EC_FIELD_MAX + 6];
    ch_piv_key_type type;
    size_t bits, n;
    uint32_t rc;

    if (!ch_piv_alg_key(alg, &type, &bits) || type == CH_PIV_KEY_RSA || field != bits / 8 ||
        !scalar || !key_slot(slot) || !policies_ok(pin_policy, touch_policy))
        return SCARD_E_INVALID_PARAMETER;
    n = put_component(cmd, 0x06, scalar, field);
    n += put_policies(cmd + n, pin_policy, touch_policy);
    rc = send_import(ctx, slot, alg, cmd, n);
    ch_wipe(cmd, sizeof cmd);
    return rc;
}
