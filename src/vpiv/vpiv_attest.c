/* ATTEST (YubiKey F9) 00 F9 slot 00: a DER X.509 certificate for the public key of a key the
 * card generated, signed by the attestation key in slot F9.
 *
 * When F9 is empty the card generates a P-256 attestation key on first use and persists it
 * (a YubiKey ships with one). Its public key is readable with GET METADATA F9; there is no
 * attestation CA certificate object (5F FF 01): the issuer name is fixed.
 * Certificate: v3, random serial (vpiv_random: reproducible on a deterministic card), issuer
 * "CN=Yubico PIV Attestation", subject "CN=YubiKey PIV Attestation <slot>", fixed validity,
 * YubiKey extensions 1.3.6.1.4.1.41482.3.7 (serial) and .3.8 (PIN / touch policy). The
 * signature itself is randomised for ECDSA attestation keys (OpenSSL 3.0 has no RFC 6979). */
#include <openssl/asn1.h>
#include <openssl/bn.h>
#include <openssl/evp.h>
#include <openssl/objects.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdio.h>
#include <string.h>

#include "vpiv_crypto.h"
#include "vpiv_internal.h"

#define OID_YK_SERIAL "1.3.6.1.4.1.41482.3.7"
#define OID_YK_POLICY "1.3.6.1.4.1.41482.3.8"

/* Makes sure F9 holds an attestation key: generates and persists a P-256 one if empty. */
static uint16_t attestation_key(vpiv_card *card, vpiv_slot **f9)
{
    vpiv_slot *s = vpiv_slot_find(card, VPIV_SLOT_ATTESTATION);
    vpiv_slot old;

    if (!s)
        return SW_NO_DIAGNOSIS;
    *f9 = s;
    if (s->key)
        return SW_OK;
    old = *s;
    if ((s->key = vpiv_keygen(card, ALG_ECCP256)) == NULL) {
        *s = old;
        return SW_NO_DIAGNOSIS;
    }
    s->alg = ALG_ECCP256;
    s->pin_policy = PIN_POLICY_NEVER;
    s->touch_policy = TOUCH_POLICY_NEVER;
    s->origin = ORIGIN_GENERATED;
    if (!vpiv_save(card)) {
        EVP_PKEY_free(s->key);
        *s = old;
        return SW_MEMORY_FAILURE;
    }
    return SW_OK;
}

static bool add_ext(X509 *x, const char *oid, const uint8_t *v, size_t vlen)
{
    ASN1_OBJECT *obj = OBJ_txt2obj(oid, 1);
    ASN1_OCTET_STRING *os = ASN1_OCTET_STRING_new();
    X509_EXTENSION *ext = NULL;
    bool ok = obj && os && ASN1_OCTET_STRING_set(os, v, (int)vlen) == 1 &&
              (ext = X509_EXTENSION_create_by_OBJ(NULL, obj, 0, os)) != NULL &&
              X509_add_ext(x, ext, -1) == 1;
    X509_EXTENSION_free(ext);
    ASN1_OCTET_STRING_free(os);
    ASN1_OBJECT_free(obj);
    return ok;
}

static bool set_cn(X509_NAME *name, const char *cn)
{
    return X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, (const unsigned char *)cn, -1,
                                      -1, 0) == 1;
}

static bool set_serial(vpiv_card *card, X509 *x)
{
    uint8_t buf[16];
    BIGNUM *bn;
    ASN1_INTEGER *ai = NULL;
    bool ok;

    vpiv_random(card, buf, sizeof buf);
    buf[0] = (uint8_t)((buf[0] & 0x7Fu) | 0x40u); /* positive, 16 bytes, never zero */
    bn = BN_bin2bn(buf, sizeof buf, NULL);
    ok = bn && (ai = BN_to_ASN1_INTEGER(bn, NULL)) != NULL && X509_set_serialNumber(x, ai) == 1;
    ASN1_INTEGER_free(ai);
    BN_free(bn);
    return ok;
}

static bool set_validity(X509 *x)
{
    ASN1_TIME *nb = ASN1_TIME_new(), *na = ASN1_TIME_new();
    bool ok = nb && na && ASN1_TIME_set_string_X509(nb, "20160314000000Z") == 1 &&
              ASN1_TIME_set_string_X509(na, "99991231235959Z") == 1 &&
              X509_set1_notBefore(x, nb) == 1 && X509_set1_notAfter(x, na) == 1;
    ASN1_TIME_free(nb);
    ASN1_TIME_free(na);
    return ok;
}

/* The serial number extension carries a DER INTEGER, the policy one two raw bytes. */
static bool yubikey_exts(const vpiv_card *card, const vpiv_slot *slot, X509 *x)
{
    ASN1_INTEGER *serial = ASN1_INTEGER_new();
    uint8_t der[16], *p = der;
    const uint8_t policy[2] = {slot->pin_policy, slot->touch_policy};
    int n = -1;
    bool ok;

    if (serial && ASN1_INTEGER_set_uint64(serial, card->serial) == 1 &&
        i2d_ASN1_INTEGER(serial, NULL) <= (int)sizeof der)
        n = i2d_ASN1_INTEGER(serial, &p);
    ok = n > 0 && add_ext(x, OID_YK_SERIAL, der, (size_t)n) &&
         add_ext(x, OID_YK_POLICY, policy, sizeof policy);
    ASN1_INTEGER_free(serial);
    return ok;
}

uint16_t vpiv_cmd_attest(vpiv_card *card, const vpiv_cmd *cmd, uint8_t *out, size_t *out_len)
{
    vpiv_slot *slot = vpiv_slot_find(card, cmd->p1), *f9 = NULL;
    X509 *x = NULL;
    char cn[64];
    uint16_t sw;
    int der_len;
    uint8_t *p = out;

    if (cmd->p2 != 0x00 || !slot || slot->ref == VPIV_SLOT_ATTESTATION)
        return SW_INCORRECT_P1P2;
    if (!slot->key)
        return SW_REF_NOT_FOUND;
    if (slot->origin != ORIGIN_GENERATED)
        return SW_INCORRECT_DATA; /* imported keys cannot be attested */
    if ((sw = attestation_key(card, &f9)) != SW_OK)
        return sw;

    (void)snprintf(cn, sizeof cn, "YubiKey PIV Attestation %02x", (unsigned)slot->ref);
    sw = SW_NO_DIAGNOSIS;
    if ((x = X509_new()) == NULL || X509_set_version(x, X509_VERSION_3) != 1 ||
        !set_serial(card, x) || !set_cn(X509_get_issuer_name(x), "Yubico PIV Attestation") ||
        !set_cn(X509_get_subject_name(x), cn) || !set_validity(x) ||
        X509_set_pubkey(x, slot->key) != 1 || !yubikey_exts(card, slot, x) ||
        X509_sign(x, f9->key, EVP_sha256()) <= 0)
        goto out;
    der_len = i2d_X509(x, NULL);
    if (der_len <= 0 || (size_t)der_len > VPIV_MAX_RESPONSE || i2d_X509(x, &p) != der_len)
        goto out;
    *out_len = (size_t)der_len;
    sw = SW_OK;
out:
    X509_free(x);
    return sw;
}
