/* Unit tests for replay/apdu_names.c: the names `mdreplay show` prints for a transcript.
 *
 * The APDUs are the ones the module sends (src/piv: SELECT with the truncated AID, GET DATA
 * 5C tag, VERIFY with an FF-padded PIN, GENERAL AUTHENTICATE 7C { 82 00 81 .. }, chained PUT
 * DATA, GET RESPONSE, the YubiKey extensions) and the answers of reference/piv.md. Secrets in
 * them (PIN, PUK, management key, challenges) must never reach the text. The robustness loop
 * feeds random bytes in buffers of their exact size, so ASan sees any read or write past them. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include "apdu_names.h"

#define TEXT_CAP 512u

static char text[TEXT_CAP];

static const char *cmd(const uint8_t *p, size_t n)
{
    size_t r = ch_an_describe_command(p, n, text, sizeof text);
    assert_int_equal(r, strlen(text));
    return text;
}

static const char *ans(const uint8_t *p, size_t n)
{
    size_t r = ch_an_describe_answer(p, n, text, sizeof text);
    assert_int_equal(r, strlen(text));
    return text;
}

#define CMD(...)                                                                              \
    cmd((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))
#define ANS(...)                                                                              \
    ans((const uint8_t[]){__VA_ARGS__}, sizeof((const uint8_t[]){__VA_ARGS__}))

/* ---------------------------------------------------------------------------------------
 * Tables
 * ------------------------------------------------------------------------------------- */
static void test_command_names(void **state)
{
    (void)state;
    assert_string_equal(ch_an_command(0x00, 0xA4), "SELECT");
    assert_string_equal(ch_an_command(0x00, 0xCB), "GET DATA");
    assert_string_equal(ch_an_command(0x10, 0xDB), "PUT DATA"); /* chaining bit ignored */
    assert_string_equal(ch_an_command(0x00, 0x20), "VERIFY");
    assert_string_equal(ch_an_command(0x00, 0x24), "CHANGE REFERENCE DATA");
    assert_string_equal(ch_an_command(0x00, 0x2C), "RESET RETRY COUNTER");
    assert_string_equal(ch_an_command(0x10, 0x87), "GENERAL AUTHENTICATE");
    assert_string_equal(ch_an_command(0x00, 0x47), "GENERATE ASYMMETRIC KEY PAIR");
    assert_string_equal(ch_an_command(0x00, 0xC0), "GET RESPONSE");
    assert_string_equal(ch_an_command(0x00, 0xFD), "GET VERSION");
    assert_string_equal(ch_an_command(0x00, 0xF8), "GET SERIAL");
    assert_string_equal(ch_an_command(0x00, 0xF7), "GET METADATA");
    assert_string_equal(ch_an_command(0x00, 0xFF), "SET MANAGEMENT KEY");
    assert_string_equal(ch_an_command(0x00, 0xFE), "IMPORT ASYMMETRIC KEY");
    assert_string_equal(ch_an_command(0x00, 0xFA), "SET PIN RETRIES");
    assert_string_equal(ch_an_command(0x00, 0xFB), "RESET");
    assert_string_equal(ch_an_command(0x00, 0xF9), "ATTEST");
    assert_string_equal(ch_an_command(0x00, 0xF6), "MOVE KEY");
    assert_null(ch_an_command(0x00, 0x12));
    assert_null(ch_an_command(0x80, 0xCB)); /* proprietary class: not ISO's GET DATA */
    assert_null(ch_an_command(0xFF, 0xA4));
}

static void test_object_names(void **state)
{
    (void)state;
    assert_string_equal(ch_an_object(0x5FC102), "CHUID");
    assert_string_equal(ch_an_object(0x5FC107), "Card Capability Container");
    assert_string_equal(ch_an_object(0x5FC105), "X.509 Certificate for PIV Authentication");
    assert_string_equal(ch_an_object(0x5FC10A), "X.509 Certificate for Digital Signature");
    assert_string_equal(ch_an_object(0x5FC10B), "X.509 Certificate for Key Management");
    assert_string_equal(ch_an_object(0x5FC101), "X.509 Certificate for Card Authentication");
    assert_string_equal(ch_an_object(0x5FC106), "Security Object");
    assert_string_equal(ch_an_object(0x7E), "Discovery Object");
    assert_string_equal(ch_an_object(0x5FC10C), "Key History Object");
    assert_string_equal(ch_an_object(0x5FC10D), "Retired X.509 Certificate for Key Management 1");
    assert_string_equal(ch_an_object(0x5FC120),
                        "Retired X.509 Certificate for Key Management 20");
    assert_string_equal(ch_an_object(0x5FC109), "Printed Information");
    assert_string_equal(ch_an_object(0x5FC108), "Cardholder Facial Image");
    assert_string_equal(ch_an_object(0x5FC103), "Cardholder Fingerprints");
    assert_string_equal(ch_an_object(0x5FC121), "Cardholder Iris Images");
    assert_string_equal(ch_an_object(0x7F61), "Biometric Information Templates Group Template");
    assert_string_equal(ch_an_object(0x5FC122), "Secure Messaging Certificate Signer");
    assert_string_equal(ch_an_object(0x5FC123), "Pairing Code Reference Data Container");
    assert_string_equal(ch_an_object(0x5FFF00), "Yubico admin data");
    assert_string_equal(ch_an_object(0x5FFF01), "Yubico attestation certificate");
    assert_string_equal(ch_an_object(0x5FFF10), "Yubico MSCMAP");
    assert_string_equal(ch_an_object(0x5FFF11), "Yubico MSROOTS 1");
    assert_string_equal(ch_an_object(0x5FFF15), "Yubico MSROOTS 5");
    assert_string_equal(ch_an_object(0x5FFF0E), "cardhammer cardcf");
    assert_null(ch_an_object(0x5FC1FF));
    assert_null(ch_an_object(0x5FC124));
    assert_null(ch_an_object(0x5FFF16));
    assert_null(ch_an_object(0));
    assert_null(ch_an_object(0xFFFFFFFFu));

    /* Templates; a tag of several templates by context. */
    assert_string_equal(ch_an_object(0x53), "data object");
    assert_string_equal(ch_an_object(0x7C), "dynamic authentication template");
    assert_string_equal(ch_an_object(0x7F49), "public key");
    assert_string_equal(ch_an_object(0x70), "certificate");
    assert_string_equal(ch_an_object(0x71), "CertInfo");
    assert_string_equal(ch_an_object(0xFE), "error detection code");
    assert_string_equal(ch_an_object(0x80), "witness");
    assert_string_equal(ch_an_object(0x81), "challenge");
    assert_string_equal(ch_an_object(0x82), "response");
    assert_string_equal(ch_an_object(0x85), "exponentiation");
    assert_string_equal(ch_an_object(0x86), "EC point");
    assert_string_equal(ch_an_object(0xAA), "PIN policy");
    assert_string_equal(ch_an_object(0xAB), "touch policy");
    assert_string_equal(ch_an_object(0x99), "SM processing status");
    assert_string_equal(ch_an_object(0x01), "algorithm");
    assert_string_equal(ch_an_object(0x06), "retries");
    assert_string_equal(ch_an_tag_in(0x7F49, 0x81), "modulus");
    assert_string_equal(ch_an_tag_in(0x7F49, 0x82), "public exponent");
    assert_string_equal(ch_an_tag_in(0x7C, 0x81), "challenge");
    assert_string_equal(ch_an_tag_in(0xAC, 0x80), "algorithm");
    assert_string_equal(ch_an_tag_in(0x53, 0x34), "card UUID");
    assert_string_equal(ch_an_tag_in(0x61, 0x4F), "AID");
    assert_null(ch_an_tag_in(0, 0x81));   /* never at the top level */
    assert_null(ch_an_tag_in(0x7C, 0x86)); /* not in a dynamic authentication template */
}

static void test_key_and_alg_names(void **state)
{
    (void)state;
    assert_string_equal(ch_an_key_ref(0x80), "PIV PIN");
    assert_string_equal(ch_an_key_ref(0x81), "PUK");
    assert_string_equal(ch_an_key_ref(0x00), "global PIN");
    assert_string_equal(ch_an_key_ref(0x9B), "card management key");
    assert_string_equal(ch_an_key_ref(0x9A), "PIV Authentication");
    assert_string_equal(ch_an_key_ref(0x9C), "Digital Signature");
    assert_string_equal(ch_an_key_ref(0x9D), "Key Management");
    assert_string_equal(ch_an_key_ref(0x9E), "Card Authentication");
    assert_string_equal(ch_an_key_ref(0x82), "retired 1");
    assert_string_equal(ch_an_key_ref(0x95), "retired 20");
    assert_string_equal(ch_an_key_ref(0xF9), "attestation");
    assert_null(ch_an_key_ref(0x7F));
    assert_null(ch_an_key_ref(0xFF));

    assert_string_equal(ch_an_alg(0x03), "3DES");
    assert_string_equal(ch_an_alg(0x08), "AES-128");
    assert_string_equal(ch_an_alg(0x0A), "AES-192");
    assert_string_equal(ch_an_alg(0x0C), "AES-256");
    assert_string_equal(ch_an_alg(0x06), "RSA-1024");
    assert_string_equal(ch_an_alg(0x07), "RSA-2048");
    assert_string_equal(ch_an_alg(0x05), "RSA-3072");
    assert_string_equal(ch_an_alg(0x16), "RSA-4096");
    assert_string_equal(ch_an_alg(0x11), "ECC P-256");
    assert_string_equal(ch_an_alg(0x14), "ECC P-384");
    assert_string_equal(ch_an_alg(0xE0), "Ed25519");
    assert_string_equal(ch_an_alg(0xE1), "X25519");
    assert_null(ch_an_alg(0x00));
    assert_null(ch_an_alg(0xFF));
}

static void test_status_words(void **state)
{
    /* Every status word the brief and src/apdu/sw.c name has a meaning here. */
    static const uint16_t named[] = {
        0x9000, 0x6100, 0x61FF, 0x6200, 0x6281, 0x6282, 0x6283, 0x6300, 0x63C0, 0x63CF,
        0x6581, 0x6700, 0x6882, 0x6883, 0x6884, 0x6982, 0x6983, 0x6984, 0x6985, 0x6986,
        0x6A80, 0x6A81, 0x6A82, 0x6A84, 0x6A86, 0x6A88, 0x6B00, 0x6C00, 0x6D00, 0x6E00,
        0x6F00,
    };
    char b[64];

    (void)state;
    for (size_t i = 0; i < sizeof named / sizeof named[0]; i++)
        assert_int_not_equal(strncmp(ch_an_sw(named[i], b, sizeof b), "SW ", 3), 0);

    assert_string_equal(ch_an_sw(0x9000, b, sizeof b), "success");
    assert_string_equal(ch_an_sw(0x6110, b, sizeof b), "more data: 16 bytes");
    assert_string_equal(ch_an_sw(0x6100, b, sizeof b), "more data: 256 bytes");
    assert_string_equal(ch_an_sw(0x63C2, b, sizeof b), "verification failed, 2 tries left");
    assert_string_equal(ch_an_sw(0x63C1, b, sizeof b), "verification failed, 1 try left");
    assert_string_equal(ch_an_sw(0x63C0, b, sizeof b), "verification failed, 0 tries left");
    assert_string_equal(ch_an_sw(0x6C20, b, sizeof b), "wrong length, use Le 32");
    assert_string_equal(ch_an_sw(0x6C00, b, sizeof b), "wrong length, use Le 256");
    assert_string_equal(ch_an_sw(0x6982, b, sizeof b), "security status not satisfied");
    assert_string_equal(ch_an_sw(0x6983, b, sizeof b), "authentication method blocked");
    assert_string_equal(ch_an_sw(0x6A82, b, sizeof b), "file or application not found");
    assert_string_equal(ch_an_sw(0x6D00, b, sizeof b), "instruction not supported");
    assert_string_equal(ch_an_sw(0x6A8F, b, sizeof b), "wrong parameters P1-P2"); /* group */
    assert_string_equal(ch_an_sw(0x1234, b, sizeof b), "SW 1234");
    assert_string_equal(ch_an_sw(0x6B01, b, sizeof b), "SW 6B01");
    assert_string_equal(ch_an_sw(0x9001, b, sizeof b), "SW 9001");
}

/* ---------------------------------------------------------------------------------------
 * Commands
 * ------------------------------------------------------------------------------------- */
static void test_select(void **state)
{
    (void)state;
    /* ch_piv_select: the right-truncated AID, Le 256. */
    assert_string_equal(CMD(0x00, 0xA4, 0x04, 0x00, 0x09, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00,
                            0x00, 0x10, 0x00, 0x00),
                        "SELECT A00000030800001000 (PIV application), Le 256");
    /* The full AID, no Le. */
    assert_string_equal(CMD(0x00, 0xA4, 0x04, 0x00, 0x0B, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x00,
                            0x00, 0x10, 0x00, 0x01, 0x00),
                        "SELECT A000000308000010000100 (PIV application)");
    /* Another application (Yubico's management AID) is shown, not named. */
    assert_string_equal(CMD(0x00, 0xA4, 0x04, 0x00, 0x08, 0xA0, 0x00, 0x00, 0x05, 0x27, 0x47,
                            0x11, 0x17),
                        "SELECT A000000527471117");
    /* A NIST AID that is not PIV's prefix. */
    assert_string_equal(CMD(0x00, 0xA4, 0x04, 0x00, 0x06, 0xA0, 0x00, 0x00, 0x03, 0x08, 0x01),
                        "SELECT A00000030801");
    /* Select by file id: P1 P2 shown. */
    assert_string_equal(CMD(0x00, 0xA4, 0x00, 0x0C, 0x02, 0x3F, 0x00),
                        "SELECT P1 00 P2 0C 3F00");
    assert_string_equal(CMD(0x00, 0xA4, 0x04, 0x00, 0x00), "SELECT (no data), Le 256");
    /* A long AID is cut at 16 bytes. */
    assert_string_equal(CMD(0x00, 0xA4, 0x04, 0x00, 0x11, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
                            0x07, 0x08, 0x09, 0x0A, 0x0B, 0x0C, 0x0D, 0x0E, 0x0F, 0x10, 0x11),
                        "SELECT 0102030405060708090A0B0C0D0E0F10... (17 bytes)");
}

static void test_get_data(void **state)
{
    (void)state;
    /* ch_piv_get_data: 00 CB 3F FF 05 5C 03 <tag> 00. */
    assert_string_equal(CMD(0x00, 0xCB, 0x3F, 0xFF, 0x05, 0x5C, 0x03, 0x5F, 0xC1, 0x02, 0x00),
                        "GET DATA 5FC102 (CHUID), Le 256");
    assert_string_equal(CMD(0x00, 0xCB, 0x3F, 0xFF, 0x05, 0x5C, 0x03, 0x5F, 0xC1, 0x05, 0x00),
                        "GET DATA 5FC105 (X.509 Certificate for PIV Authentication), Le 256");
    assert_string_equal(CMD(0x00, 0xCB, 0x3F, 0xFF, 0x05, 0x5C, 0x03, 0x5F, 0xFF, 0x0E, 0x00),
                        "GET DATA 5FFF0E (cardhammer cardcf), Le 256");
    assert_string_equal(CMD(0x00, 0xCB, 0x3F, 0xFF, 0x03, 0x5C, 0x01, 0x7E, 0x00),
                        "GET DATA 7E (Discovery Object), Le 256");
    assert_string_equal(CMD(0x00, 0xCB, 0x3F, 0xFF, 0x05, 0x5C, 0x03, 0x5F, 0xC1, 0xFF, 0x00),
                        "GET DATA 5FC1FF, Le 256");
    /* Extended length (not sent by the module, but a transcript may hold one). */
    assert_string_equal(CMD(0x00, 0xCB, 0x3F, 0xFF, 0x00, 0x00, 0x05, 0x5C, 0x03, 0x5F, 0xC1,
                            0x05, 0x00, 0x00),
                        "GET DATA (extended) 5FC105 (X.509 Certificate for PIV Authentication),"
                        " Le 65536");
    assert_string_equal(CMD(0x00, 0xC0, 0x00, 0x00, 0x00, 0x00, 0x00),
                        "GET RESPONSE (extended), Le 65536");
    /* No 5C: length only. */
    assert_string_equal(CMD(0x00, 0xCB, 0x3F, 0xFF, 0x02, 0x41, 0x42, 0x00),
                        "GET DATA: 2 bytes, no 5C tag list, Le 256");
}

/* The PIN's digits, in ASCII or in hex, are not in the text. */
static void assert_no_secret(const char *t, const char *ascii, const char *hex)
{
    assert_null(strstr(t, ascii));
    assert_null(strstr(t, hex));
}

static void test_pin_commands(void **state)
{
    (void)state;
    /* ch_piv_verify: PIN 123456 padded with FF to 8 bytes. */
    const char *t = CMD(0x00, 0x20, 0x00, 0x80, 0x08, '1', '2', '3', '4', '5', '6', 0xFF, 0xFF);
    assert_string_equal(t, "VERIFY key 80 (PIV PIN): 8 bytes");
    assert_no_secret(t, "123456", "313233");
    assert_string_equal(CMD(0x00, 0x20, 0x00, 0x80), "VERIFY key 80 (PIV PIN): status query");
    assert_string_equal(CMD(0x00, 0x20, 0xFF, 0x80),
                        "VERIFY key 80 (PIV PIN): reset verified state");
    assert_string_equal(CMD(0x00, 0x20, 0x00, 0x00, 0x08, '9', '8', '7', '6', '5', '4', '3', '2'),
                        "VERIFY key 00 (global PIN): 8 bytes");
    /* CHANGE REFERENCE DATA for the PUK: old 12345678 || new 87654321. */
    t = CMD(0x00, 0x24, 0x00, 0x81, 0x10, '1', '2', '3', '4', '5', '6', '7', '8', '8', '7', '6',
            '5', '4', '3', '2', '1');
    assert_string_equal(t, "CHANGE REFERENCE DATA key 81 (PUK): 16 bytes");
    assert_no_secret(t, "1234", "3132");
    t = CMD(0x00, 0x2C, 0x00, 0x80, 0x10, '1', '2', '3', '4', '5', '6', '7', '8', '6', '5', '4',
            '3', '2', '1', 0xFF, 0xFF);
    assert_string_equal(t, "RESET RETRY COUNTER key 80 (PIV PIN): 16 bytes");
    assert_no_secret(t, "654321", "3635");
    /* A VERIFY whose Lc does not match: described as malformed, still no digits. */
    t = CMD(0x00, 0x20, 0x00, 0x80, 0x08, '1', '2', '3');
    assert_string_equal(t, "VERIFY P1 00 P2 80: malformed length fields, 4 bytes after the header");
    assert_no_secret(t, "123", "3132");
}

static void test_general_authenticate(void **state)
{
    uint8_t apdu[5 + 255], answer_block[5 + 11 + 1];
    const char *t;

    (void)state;
    /* ECDSA P-256 with 9C: 7C { 82 00, 81 20 <hash> }, Le 256. */
    t = CMD(0x00, 0x87, 0x11, 0x9C, 0x26, 0x7C, 0x24, 0x82, 0x00, 0x81, 0x20, 0xDE, 0xAD, 0xBE,
            0xEF, 0xDE, 0xAD, 0xBE, 0xEF, 0xDE, 0xAD, 0xBE, 0xEF, 0xDE, 0xAD, 0xBE, 0xEF, 0xDE,
            0xAD, 0xBE, 0xEF, 0xDE, 0xAD, 0xBE, 0xEF, 0xDE, 0xAD, 0xBE, 0xEF, 0xDE, 0xAD, 0xBE,
            0xEF, 0x00);
    assert_string_equal(t, "GENERAL AUTHENTICATE alg 11 (ECC P-256) key 9C (Digital Signature): "
                           "7C { 82 (response) 0 bytes, 81 (challenge) 32 bytes }, Le 256");
    assert_null(strstr(t, "DEAD"));
    /* ECDH P-256 with 9D: 7C { 82 00, 85 41 04 .. }. */
    memset(apdu, 0x04, sizeof apdu);
    memcpy(apdu, (const uint8_t[]){0x00, 0x87, 0x11, 0x9D, 0x47, 0x7C, 0x45, 0x82, 0x00, 0x85,
                                   0x41},
           11);
    assert_string_equal(cmd(apdu, 5 + 0x47),
                        "GENERAL AUTHENTICATE alg 11 (ECC P-256) key 9D (Key Management): "
                        "7C { 82 (response) 0 bytes, 85 (exponentiation) 65 bytes }");
    /* Management key challenge (ch_piv_mgm_challenge) and response. */
    assert_string_equal(CMD(0x00, 0x87, 0x03, 0x9B, 0x04, 0x7C, 0x02, 0x81, 0x00, 0x00),
                        "GENERAL AUTHENTICATE alg 03 (3DES) key 9B (card management key): "
                        "7C { 81 (challenge) 0 bytes }, Le 256");
    t = CMD(0x00, 0x87, 0x0C, 0x9B, 0x14, 0x7C, 0x12, 0x82, 0x10, 0x11, 0x22, 0x33, 0x44, 0x55,
            0x66, 0x77, 0x88, 0x99, 0xAA, 0xBB, 0xCC, 0xDD, 0xEE, 0xFF, 0x00);
    assert_string_equal(t, "GENERAL AUTHENTICATE alg 0C (AES-256) key 9B (card management key): "
                           "7C { 82 (response) 16 bytes }");
    assert_null(strstr(t, "1122"));
    /* RSA-2048 with 9A, chained by the exchange: first block of 255 bytes, then 11 more. */
    memset(apdu, 0x5A, sizeof apdu);
    memcpy(apdu, (const uint8_t[]){0x10, 0x87, 0x07, 0x9A, 0xFF, 0x7C, 0x82, 0x01, 0x06, 0x82,
                                   0x00, 0x81, 0x82, 0x01, 0x00},
           15);
    assert_string_equal(cmd(apdu, sizeof apdu),
                        "GENERAL AUTHENTICATE (chained) alg 07 (RSA-2048) key 9A (PIV "
                        "Authentication): 7C { 82 (response) 0 bytes, 81 (challenge) 256 bytes, "
                        "245 here ... }, 7C of 262 bytes");
    memset(answer_block, 0x5A, sizeof answer_block);
    memcpy(answer_block, (const uint8_t[]){0x00, 0x87, 0x07, 0x9A, 0x0B}, 5);
    answer_block[sizeof answer_block - 1] = 0x00;
    assert_string_equal(cmd(answer_block, sizeof answer_block),
                        "GENERAL AUTHENTICATE alg 07 (RSA-2048) key 9A (PIV Authentication): "
                        "chained block, 11 bytes, Le 256");
    /* Unknown algorithm and key reference: neutral spelling. */
    assert_string_equal(CMD(0x00, 0x87, 0x42, 0x43, 0x02, 0x7C, 0x00),
                        "GENERAL AUTHENTICATE alg 42 key 43: 7C { empty }");
}

static void test_put_data(void **state)
{
    uint8_t apdu[5 + 255];
    const char *t;

    (void)state;
    /* A 1200-byte certificate object: first block 10 DB 3F FF FF 5C 03 5F C1 05 53 82 04 B0. */
    memset(apdu, 0x30, sizeof apdu);
    memcpy(apdu, (const uint8_t[]){0x10, 0xDB, 0x3F, 0xFF, 0xFF, 0x5C, 0x03, 0x5F, 0xC1, 0x05,
                                   0x53, 0x82, 0x04, 0xB0},
           14);
    assert_string_equal(cmd(apdu, sizeof apdu),
                        "PUT DATA (chained) 5FC105 (X.509 Certificate for PIV Authentication): "
                        "1200 bytes, 246 in this block");
    /* A middle block and the last block. */
    memset(apdu, 0x30, sizeof apdu);
    memcpy(apdu, (const uint8_t[]){0x10, 0xDB, 0x3F, 0xFF, 0xFF}, 5);
    assert_string_equal(cmd(apdu, sizeof apdu), "PUT DATA (chained): chained block, 255 bytes");
    apdu[0] = 0x00, apdu[4] = 0x10;
    assert_string_equal(cmd(apdu, 5 + 0x10), "PUT DATA: chained block, 16 bytes");
    /* The cardcf object in one block: 5C 03 5F FF 0E 53 08 C0 06 <cardcf>. */
    t = CMD(0x00, 0xDB, 0x3F, 0xFF, 0x0F, 0x5C, 0x03, 0x5F, 0xFF, 0x0E, 0x53, 0x08, 0xC0, 0x06,
            0x00, 0x00, 0xAB, 0xCD, 0xEF, 0x12);
    assert_string_equal(t, "PUT DATA 5FFF0E (cardhammer cardcf): 8 bytes");
    assert_null(strstr(t, "ABCD"));
    /* Discovery object: the object itself, no 5C. */
    assert_string_equal(CMD(0x00, 0xDB, 0x3F, 0xFF, 0x04, 0x7E, 0x02, 0x4F, 0x00),
                        "PUT DATA 7E (Discovery Object): 2 bytes");
    assert_string_equal(CMD(0x00, 0xDB, 0x3F, 0xFF, 0x05, 0x5C, 0x03, 0x5F, 0xC1, 0x02),
                        "PUT DATA 5FC102 (CHUID): 0 bytes after the tag list, no 53");
}

static void test_other_commands(void **state)
{
    const char *t;

    (void)state;
    assert_string_equal(CMD(0x00, 0xC0, 0x00, 0x00, 0x00), "GET RESPONSE, Le 256");
    assert_string_equal(CMD(0x00, 0xC0, 0x00, 0x00, 0x10), "GET RESPONSE, Le 16");
    assert_string_equal(CMD(0x00, 0xF8, 0x00, 0x00, 0x00), "GET SERIAL, Le 256");
    assert_string_equal(CMD(0x00, 0xFD, 0x00, 0x00), "GET VERSION");
    assert_string_equal(CMD(0x00, 0xF7, 0x00, 0x9B, 0x00),
                        "GET METADATA key 9B (card management key), Le 256");
    assert_string_equal(CMD(0x00, 0x47, 0x00, 0x9A, 0x0B, 0xAC, 0x09, 0x80, 0x01, 0x11, 0xAA,
                            0x01, 0x02, 0xAB, 0x01, 0x01, 0x00),
                        "GENERATE ASYMMETRIC KEY PAIR key 9A (PIV Authentication): alg 11 (ECC "
                        "P-256), PIN policy 02 (once), touch policy 01 (never), Le 256");
    /* SET MANAGEMENT KEY with touch: the key is not shown. */
    t = CMD(0x00, 0xFF, 0xFF, 0xFE, 0x1B, 0x03, 0x9B, 0x18, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06,
            0x07, 0x08, 0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0x07, 0x08, 0x01, 0x02, 0x03, 0x04,
            0x05, 0x06, 0x07, 0x08);
    assert_string_equal(t, "SET MANAGEMENT KEY: alg 03 (3DES) key 9B (card management key), "
                           "24 bytes, touch required");
    assert_null(strstr(t, "0102"));
    t = CMD(0x00, 0xFE, 0x11, 0x9A, 0x22, 0x06, 0x20, 0xC0, 0xFF, 0xEE, 0xC0, 0xFF, 0xEE, 0xC0,
            0xFF, 0xEE, 0xC0, 0xFF, 0xEE, 0xC0, 0xFF, 0xEE, 0xC0, 0xFF, 0xEE, 0xC0, 0xFF, 0xEE,
            0xC0, 0xFF, 0xEE, 0xC0, 0xFF, 0xEE, 0xC0, 0xFF, 0xEE, 0xC0, 0xFF);
    assert_string_equal(t, "IMPORT ASYMMETRIC KEY alg 11 (ECC P-256) key 9A (PIV "
                           "Authentication): 34 bytes");
    assert_null(strstr(t, "C0FF"));
    assert_string_equal(CMD(0x00, 0xFA, 0x05, 0x03), "SET PIN RETRIES: PIN 5 tries, PUK 3 tries");
    assert_string_equal(CMD(0x00, 0xFB, 0x00, 0x00), "RESET");
    assert_string_equal(CMD(0x00, 0xF9, 0x9A, 0x00, 0x00),
                        "ATTEST key 9A (PIV Authentication), Le 256");
    assert_string_equal(CMD(0x00, 0xF6, 0x82, 0x9A),
                        "MOVE KEY key 9A (PIV Authentication) to 82 (retired 1)");
    assert_string_equal(CMD(0x00, 0xF6, 0xFF, 0x9A),
                        "MOVE KEY delete key 9A (PIV Authentication)");
    /* Unknown INS and class: header bytes and the data's length only. */
    assert_string_equal(CMD(0x00, 0x12, 0x34, 0x56, 0x03, 0xAA, 0xBB, 0xCC, 0x00),
                        "INS 0x12 P1 34 P2 56: 3 bytes, Le 256");
    assert_string_equal(CMD(0x80, 0xCB, 0x3F, 0xFF), "INS 0xCB (CLA 80) P1 3F P2 FF");
    assert_string_equal(CMD(0xF2, 0xCB, 0x3F, 0xFF), "INS 0xCB (CLA F2) P1 3F P2 FF");
    assert_string_equal(CMD(0x1C, 0xCB, 0x3F, 0xFF), "GET DATA (chained) (CLA 1C) (no data)");
    assert_string_equal(CMD(0x0C, 0xCB, 0x3F, 0xFF, 0x00), "GET DATA (CLA 0C) (no data), Le 256");
}

static void test_malformed_commands(void **state)
{
    (void)state;
    assert_string_equal(cmd(NULL, 0), "short APDU: 0 bytes");
    assert_string_equal(CMD(0x00), "short APDU: 1 byte");
    assert_string_equal(CMD(0x00, 0xA4, 0x04), "short APDU: 3 bytes");
    assert_string_equal(CMD(0x00, 0xCB, 0x3F, 0xFF, 0x00, 0x01),
                        "GET DATA P1 3F P2 FF: malformed length fields, 2 bytes after the header");
    assert_string_equal(CMD(0x00, 0xCB, 0x3F, 0xFF, 0x05, 0x5C),
                        "GET DATA P1 3F P2 FF: malformed length fields, 2 bytes after the header");
    /* 5C whose length runs past the data. */
    assert_string_equal(CMD(0x00, 0xCB, 0x3F, 0xFF, 0x03, 0x5C, 0x05, 0x5F),
                        "GET DATA: 3 bytes, no 5C tag list");
    /* GENERATE without AC. */
    assert_string_equal(CMD(0x00, 0x47, 0x00, 0x9A, 0x03, 0x80, 0x01, 0x11),
                        "GENERATE ASYMMETRIC KEY PAIR key 9A (PIV Authentication): 3 bytes, no "
                        "AC template");
}

/* ---------------------------------------------------------------------------------------
 * Answers
 * ------------------------------------------------------------------------------------- */
static void test_answers(void **state)
{
    const char *t;
    uint8_t many[2 * 10 + 2];

    (void)state;
    assert_string_equal(ANS(0x90, 0x00), "9000 (success)");
    assert_string_equal(ANS(0x6A, 0x82), "6A82 (file or application not found)");
    assert_string_equal(ANS(0x63, 0xC2), "63C2 (verification failed, 2 tries left)");
    assert_string_equal(ANS(0x6C, 0x10), "6C10 (wrong length, use Le 16)");
    assert_string_equal(ANS(0x12, 0x34), "1234");
    /* A certificate object: 53 { 70 <cert> 71 01 00 FE 00 }. */
    assert_string_equal(ANS(0x53, 0x0A, 0x70, 0x03, 0x30, 0x01, 0x00, 0x71, 0x01, 0x00, 0xFE,
                            0x00, 0x90, 0x00),
                        "9000 (success), 12 bytes: 53 (data object) 10 bytes { 70 (certificate) "
                        "3 bytes, 71 (CertInfo) 1 byte, FE (error detection code) 0 bytes }");
    /* The cardcf object. */
    assert_string_equal(ANS(0x53, 0x08, 0xC0, 0x06, 0x00, 0x00, 0x01, 0x00, 0x02, 0x00, 0x90,
                            0x00),
                        "9000 (success), 10 bytes: 53 (data object) 8 bytes { C0 (cardcf) "
                        "6 bytes }");
    /* A signature: 7C { 82 <8 bytes> }; the bytes are not shown. */
    t = ANS(0x7C, 0x0A, 0x82, 0x08, 0xCA, 0xFE, 0xBA, 0xBE, 0xCA, 0xFE, 0xBA, 0xBE, 0x90, 0x00);
    assert_string_equal(t, "9000 (success), 12 bytes: 7C (dynamic authentication template) "
                           "10 bytes { 82 (response) 8 bytes }");
    assert_null(strstr(t, "CAFE"));
    /* GENERATE's EC answer: 7F49 { 86 <point> }. */
    assert_string_equal(ANS(0x7F, 0x49, 0x03, 0x86, 0x01, 0x04, 0x90, 0x00),
                        "9000 (success), 6 bytes: 7F49 (public key) 3 bytes { 86 (EC point) "
                        "1 byte }");
    /* GET METADATA of the PIN: 01 FF, 05 01, 06 03 03. */
    assert_string_equal(ANS(0x01, 0x01, 0xFF, 0x05, 0x01, 0x01, 0x06, 0x02, 0x03, 0x03, 0x90,
                            0x00),
                        "9000 (success), 10 bytes: 01 (algorithm) 1 byte, 05 (default value) "
                        "1 byte, 06 (retries) 2 bytes");
    /* Part of a long answer: 61xx, the 53 goes on in the next GET RESPONSE. */
    assert_string_equal(ANS(0x53, 0x82, 0x04, 0xB0, 0x70, 0x82, 0x04, 0xA0, 0x30, 0x82, 0x04,
                            0x9C, 0x61, 0xFF),
                        "61FF (more data: 255 bytes), 12 bytes: 53 (data object) 1200 bytes, "
                        "8 here");
    /* GET VERSION's 3 bytes are not BER-TLV in a complete answer. */
    assert_string_equal(ANS(0x05, 0x07, 0x01, 0x90, 0x00),
                        "9000 (success), 3 bytes: (not BER-TLV)");
    assert_string_equal(ANS(0x53, 0x00, 0xFF, 0x90, 0x00),
                        "9000 (success), 3 bytes: 53 (data object) 0 bytes, then 1 byte not "
                        "BER-TLV");
    /* 53 whose content is not TLV. */
    assert_string_equal(ANS(0x53, 0x02, 0x1F, 0x90, 0x90, 0x00),
                        "9000 (success), 4 bytes: 53 (data object) 2 bytes { (not BER-TLV) }");
    /* More than 8 TLVs: the rest is "...". */
    for (size_t i = 0; i < 10; i++)
        many[2 * i] = 0x01, many[2 * i + 1] = 0x00;
    many[20] = 0x90, many[21] = 0x00;
    assert_string_equal(ans(many, sizeof many),
                        "9000 (success), 20 bytes: 01 (algorithm) 0 bytes, 01 (algorithm) 0 "
                        "bytes, 01 (algorithm) 0 bytes, 01 (algorithm) 0 bytes, 01 (algorithm) "
                        "0 bytes, 01 (algorithm) 0 bytes, 01 (algorithm) 0 bytes, 01 (algorithm) "
                        "0 bytes, ...");
    assert_string_equal(ans(NULL, 0), "short answer: 0 bytes");
    assert_string_equal(ANS(0x90), "short answer: 1 byte");
}

/* ---------------------------------------------------------------------------------------
 * Bounds: cap 1 and 8, nothing written past cap, always terminated, strlen returned
 * ------------------------------------------------------------------------------------- */
#define GUARD 0xA5

static void check_bounds(const char *full, size_t (*fn)(const uint8_t *, size_t, char *, size_t),
                         const uint8_t *in, size_t n)
{
    static const size_t caps[] = {1, 2, 8, 9, 20};
    char b[64];

    for (size_t i = 0; i < sizeof caps / sizeof caps[0]; i++) {
        size_t cap = caps[i], want = strlen(full) < cap - 1 ? strlen(full) : cap - 1;
        memset(b, GUARD, sizeof b);
        assert_int_equal(fn(in, n, b, cap), want);
        assert_int_equal(strlen(b), want);
        assert_memory_equal(b, full, want);
        for (size_t j = cap; j < sizeof b; j++)
            assert_int_equal((unsigned char)b[j], GUARD);
    }
    /* cap 0 (and a NULL buffer) write nothing and return 0. */
    memset(b, GUARD, sizeof b);
    assert_int_equal(fn(in, n, b, 0), 0);
    assert_int_equal((unsigned char)b[0], GUARD);
    assert_int_equal(fn(in, n, NULL, 16), 0);
}

static void test_bounds(void **state)
{
    static const uint8_t get_data[] = {0x00, 0xCB, 0x3F, 0xFF, 0x05, 0x5C,
                                       0x03, 0x5F, 0xC1, 0x05, 0x00};
    static const uint8_t answer[] = {0x53, 0x04, 0x71, 0x01, 0x00, 0xFE, 0x90, 0x00};
    char full[TEXT_CAP], b[16];

    (void)state;
    strcpy(full, cmd(get_data, sizeof get_data));
    check_bounds(full, ch_an_describe_command, get_data, sizeof get_data);
    assert_int_equal(ch_an_describe_command(get_data, sizeof get_data, b, 8), 7);
    assert_string_equal(b, "GET DAT");
    assert_int_equal(ch_an_describe_command(get_data, sizeof get_data, b, 1), 0);
    assert_string_equal(b, "");
    strcpy(full, ans(answer, sizeof answer));
    check_bounds(full, ch_an_describe_answer, answer, sizeof answer);
    strcpy(full, cmd(NULL, 0));
    check_bounds(full, ch_an_describe_command, NULL, 0);

    memset(b, GUARD, sizeof b);
    assert_ptr_equal(ch_an_sw(0x6983, b, 8), b);
    assert_string_equal(b, "authent");
    assert_int_equal((unsigned char)b[8], GUARD);
    assert_string_equal(ch_an_sw(0x63C2, b, 1), "");
    assert_string_equal(ch_an_sw(0x1234, b, 4), "SW ");
}

/* ---------------------------------------------------------------------------------------
 * Robustness: random bytes (fixed seed), in buffers of their exact size
 * ------------------------------------------------------------------------------------- */
static uint32_t rng_state = 0x12345678u;

static uint32_t rng(void)
{
    uint32_t x = rng_state;
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    rng_state = x;
    return x;
}

/* Random bytes, sometimes shaped like what the describers look into (a known INS, a Lc that
 * fits, 5C / 7C / 53 / AC starts), so the parsers get past the first check. */
static void fill(uint8_t *p, size_t n)
{
    static const uint8_t ins[] = {0xA4, 0xCB, 0xDB, 0x20, 0x24, 0x2C, 0x87, 0x47, 0xC0,
                                  0xFD, 0xF8, 0xF7, 0xFF, 0xFE, 0xFA, 0xFB, 0xF9, 0xF6};
    static const uint8_t starts[] = {0x5C, 0x7C, 0x53, 0xAC, 0x7E, 0x7F, 0x61, 0x81, 0x82};
    uint32_t shape = rng() % 4;

    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)(rng() & 0xFFu);
    if (shape == 0 || n < 6)
        return;
    p[0] = (uint8_t)(rng() & 0x10u);
    p[1] = ins[rng() % sizeof ins];
    if (shape >= 2 && n - 5 <= 255)
        p[4] = (uint8_t)(n - 5 - (shape == 3 && n > 6 ? 1 : 0));
    p[5] = starts[rng() % sizeof starts];
    if (shape == 3 && n > 7) /* an answer shape too: a TLV at the start */
        p[0] = starts[rng() % sizeof starts];
}

static void test_random_bytes(void **state)
{
    (void)state;
    for (unsigned iter = 0; iter < 30000; iter++) {
        size_t n = rng() % 300, cap = 1 + rng() % 200;
        uint8_t *in = malloc(n ? n : 1);
        char *out = malloc(cap);
        size_t r;

        assert_non_null(in);
        assert_non_null(out);
        fill(in, n);
        r = ch_an_describe_command(n ? in : NULL, n, out, cap);
        assert_true(r < cap);
        assert_int_equal(r, strlen(out));
        r = ch_an_describe_answer(n ? in : NULL, n, out, cap);
        assert_true(r < cap);
        assert_int_equal(r, strlen(out));
        if (n >= 2) {
            uint16_t sw = (uint16_t)((unsigned)in[0] << 8 | in[1]);
            assert_ptr_equal(ch_an_sw(sw, out, cap), out);
            assert_true(strlen(out) < cap);
        }
        if (n >= 4) {
            uint32_t tag = (uint32_t)in[0] << 24 | (uint32_t)in[1] << 16 |
                           (uint32_t)in[2] << 8 | in[3];
            (void)ch_an_object(tag);
            (void)ch_an_object(tag >> 8);
            (void)ch_an_tag_in(tag >> 16, in[3]);
            (void)ch_an_key_ref(in[0]);
            (void)ch_an_alg(in[1]);
            (void)ch_an_command(in[2], in[3]);
        }
        free(in);
        free(out);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_command_names),
        cmocka_unit_test(test_object_names),
        cmocka_unit_test(test_key_and_alg_names),
        cmocka_unit_test(test_status_words),
        cmocka_unit_test(test_select),
        cmocka_unit_test(test_get_data),
        cmocka_unit_test(test_pin_commands),
        cmocka_unit_test(test_general_authenticate),
        cmocka_unit_test(test_put_data),
        cmocka_unit_test(test_other_commands),
        cmocka_unit_test(test_malformed_commands),
        cmocka_unit_test(test_answers),
        cmocka_unit_test(test_bounds),
        cmocka_unit_test(test_random_bytes),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
