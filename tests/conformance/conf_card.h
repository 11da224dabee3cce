/* Conformance tests: putting keys, certificates and objects on a vpiv card through raw APDUs,
 * the way personalisation tools (yubico-piv-tool, ykman) do, before the module looks at it.
 * Include <cmocka.h> first (failed steps fail the calling test). */
#ifndef CH_CONF_CARD_H
#define CH_CONF_CARD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <openssl/evp.h>

#include "vpiv.h"

/* A vpiv card with the application selected and the management key authenticated. */
vpiv_card *conf_card_new(uint64_t seed);

/* A host key ("rsa1024", "rsa2048", "rsa3072", "rsa4096", "p256", "p384") imported into slot.
 * The caller frees it. */
EVP_PKEY *conf_card_import(vpiv_card *card, uint8_t slot, const char *kind);

/* A self-signed certificate of key (DER, malloc'd: the caller frees *der). */
void conf_make_cert(EVP_PKEY *key, const char *cn, uint8_t **der, size_t *len);

/* PUT DATA of an object's content (53 wrapping done here). */
void conf_card_put(vpiv_card *card, uint32_t tag, const uint8_t *content, size_t len);

/* The certificate object of slot: 70 <der or gzip(der)> 71 <00|01> FE 00. */
void conf_card_put_cert(vpiv_card *card, uint8_t slot, const uint8_t *der, size_t len, bool gzip);

/* Key + self-signed certificate in slot; the DER certificate is returned (caller frees). */
EVP_PKEY *conf_card_key_and_cert(vpiv_card *card, uint8_t slot, const char *kind, bool gzip,
                                 uint8_t **der, size_t *der_len);

#endif
