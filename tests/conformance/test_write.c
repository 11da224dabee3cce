/* Conformance: the write side of the virtual file system through the function table against
 * vpiv (docs/entry-points.md "Writes", docs/card-mapping.md "Writes" and "Caching"):
 * CardWriteFile of certificates (plain, PIV gzip, the CSP's compressed format), cmapfile and
 * cardcf; CardCreateFile; CardDeleteFile; and freshness: every write raises cardcf's counters so
 * that a context holding the CSP cache of before the write reads the new content.
 *
 * What reached the card is read from vpiv's own objects; gzip is undone with zlib. */
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include <stdlib.h>
#include <string.h>

#include <openssl/rand.h>
#include <zlib.h>

#include "conf.h"
#include "conf_card.h"
#include "conf_keys.h"
#include "md_entry.h"

#define INVALID SCARD_E_INVALID_PARAMETER
#define REC 86u
#define TAG_9A 0x5FC105u
#define TAG_9D 0x5FC10Bu
#define TAG_MAP 0x5FFF10u
#define TAG_CARDCF 0x5FFF0Eu
#define OBJECT_LIMIT 3052u
#define PLAIN_MAX (OBJECT_LIMIT - 9u) /* 70 82 LL LL, 71 01 xx, FE 00 */

/* CardWriteFile of a heap copy of exactly n bytes (ASan sees any read past them). */
static DWORD write_file(conf *c, const char *dir, const char *name, const void *data, size_t n)
{
    uint8_t *copy = malloc(n ? n : 1);
    DWORD rc;
    assert_non_null(copy);
    if (n)
        memcpy(copy, data, n);
    rc = c->cd->pfnCardWriteFile(c->cd, (LPSTR)dir, (LPSTR)name, 0, copy, (DWORD)n);
    free(copy);
    return rc;
}

static void assert_file_is(conf *c, const char *dir, const char *name, const void *want,
                           size_t n)
{
    DWORD len;
    uint8_t *data = ck_read(c, dir, name, &len);
    assert_int_equal(len, n);
    assert_memory_equal(data, want, n);
    c->cd->pfnCspFree(data);
}

/* A write that must succeed with its one PUT DATA and cardcf's bump: both counters up by one
 * for a certificate, the containers counter alone for cmapfile. */
static void write_bumps(conf *c, const char *dir, const char *name, const void *data,
                        size_t n, bool files)
{
    unsigned cc0, cf0, cc1, cf1;
    ck_cardcf(c, &cc0, &cf0);
    ck_watch(c);
    assert_int_equal(write_file(c, dir, name, data, n), SCARD_S_SUCCESS);
    assert_int_equal(ck_sent(CK_INS_PUT_DATA), 2); /* the object, then cardcf */
    ck_cardcf(c, &cc1, &cf1);
    assert_int_equal(cc1, (cc0 + 1) & 0xFFFFu);
    assert_int_equal(cf1, files ? (cf0 + 1) & 0xFFFFu : cf0);
}

/* A refused write: the error, and nothing written to the card. */
static void write_refused(conf *c, const char *dir, const char *name, const void *data,
                          size_t n, DWORD want)
{
    unsigned long before = conf_apdus(c);
    ck_watch(c);
    assert_int_equal(write_file(c, dir, name, data, n), want);
    assert_int_equal(ck_sent(CK_INS_PUT_DATA), 0);
    print_message("  refused (%08X) after %lu APDUs (reads)\n", (unsigned)want,
                  conf_apdus(c) - before);
}

/* A fresh card, admin authenticated, key 0 of kind imported into container idx under spec. */
static void open_with_key(conf *c, BYTE idx, DWORD spec, const char *kind)
{
    conf_open(c, 7);
    ck_admin(c);
    assert_int_equal(ck_import(c, idx, spec, 0, ck_key(kind, 0)), SCARD_S_SUCCESS);
}

/* gzip (zlib's windowBits 31) undone. */
static size_t gunzip(const uint8_t *in, size_t n, uint8_t *out, size_t cap)
{
    z_stream s;
    size_t got;
    memset(&s, 0, sizeof s);
    assert_int_equal(inflateInit2(&s, 31), Z_OK);
    s.next_in = (Bytef *)in;
    s.avail_in = (uInt)n;
    s.next_out = out;
    s.avail_out = (uInt)cap;
    assert_int_equal(inflate(&s, Z_FINISH), Z_STREAM_END);
    assert_int_equal(s.avail_in, 0); /* nothing after the member */
    got = s.total_out;
    inflateEnd(&s);
    return got;
}

/* The CSP's compressed certificate: 01 00, the DER length (LE16), zlib. */
static size_t csp_compress(const uint8_t *der, size_t n, uint8_t *out, size_t cap)
{
    uLongf z = (uLongf)(cap - 4);
    out[0] = 0x01;
    out[1] = 0x00;
    out[2] = (uint8_t)n;
    out[3] = (uint8_t)(n >> 8);
    assert_int_equal(compress2(out + 4, &z, der, (uLong)n, 9), Z_OK);
    return 4 + (size_t)z;
}

/* Extension content that compresses well, like the text-heavy extensions real certificates
 * carry (policies, URLs). */
static void text(uint8_t *p, size_t n)
{
    static const char words[] = "https://pki.example.org/policy/cardhammer/conformance ";
    for (size_t i = 0; i < n; i++)
        p[i] = (uint8_t)words[i % (sizeof words - 1)];
}

/* A certificate of key of exactly `size` DER bytes (the extension absorbs the difference). */
static void cert_of_size(const EVP_PKEY *k, size_t size, uint8_t **der, size_t *len)
{
    static uint8_t ext[16384];
    size_t first;
    text(ext, sizeof ext);
    ck_make_cert(k, "sized", ext, 2000, der, &first);
    free(*der);
    ck_make_cert(k, "sized", ext, 2000 + size - first, der, len);
    assert_int_equal(*len, size);
}

/* ======================================================================================
 * Certificates
 * ==================================================================================== */

static void test_write_small_certificate(void **state)
{
    EVP_PKEY *k = ck_key("rsa2048", 0);
    uint8_t *der, info;
    const uint8_t *stored;
    size_t der_len, stored_len;
    CARD_FILE_INFO fi = {CARD_FILE_INFO_CURRENT_VERSION, 0, InvalidAc};
    vpiv_card *card = conf_card_new(60);
    conf c;
    (void)state;

    conf_open_on(&c, card, 7);
    ck_admin(&c);
    assert_int_equal(ck_import(&c, 0, AT_KEYEXCHANGE, 0, k), SCARD_S_SUCCESS);
    ck_make_cert(k, "small", NULL, 0, &der, &der_len);
    /* The CSP creates the file first: nothing to send, it appears with its first write. */
    ck_watch(&c);
    assert_int_equal(c.cd->pfnCardCreateFile(c.cd, (LPSTR) "mscp", (LPSTR) "kxc00", 0,
                                             EveryoneReadUserWriteAc),
                     SCARD_S_SUCCESS);
    assert_int_equal(ck_sent(CK_INS_PUT_DATA), 0);
    assert_null(ck_object(card, TAG_9A));

    write_bumps(&c, "mscp", "kxc00", der, der_len, true);
    ck_cert_object(card, TAG_9A, &info, &stored, &stored_len);
    assert_int_equal(info, 0x00); /* plain */
    assert_int_equal(stored_len, der_len);
    assert_memory_equal(stored, der, der_len);
    assert_file_is(&c, "mscp", "kxc00", der, der_len);
    assert_int_equal(c.cd->pfnCardGetFileInfo(c.cd, (LPSTR) "mscp", (LPSTR) "kxc00", &fi),
                     SCARD_S_SUCCESS);
    assert_int_equal(fi.cbFileSize, der_len);
    ck_assert_container_key(&c, 0, k, AT_KEYEXCHANGE); /* now from the certificate */
    /* It exists now. */
    assert_int_equal(c.cd->pfnCardCreateFile(c.cd, (LPSTR) "mscp", (LPSTR) "kxc00", 0,
                                             EveryoneReadUserWriteAc),
                     ERROR_FILE_EXISTS);
    /* The other kind of file for this container does not exist. */
    write_refused(&c, "mscp", "ksc00", der, der_len, SCARD_E_FILE_NOT_FOUND);
    /* Rewriting is a write like any other. */
    write_bumps(&c, "mscp", "kxc00", der, der_len, true);
    conf_close(&c);

    /* Another context, no cache: the same bytes from the card. */
    conf_open_on(&c, card, 7);
    assert_file_is(&c, "mscp", "kxc00", der, der_len);
    conf_close(&c);
    free(der);
    vpiv_free(card);
}

/* A certificate that does not fit the object plain is stored gzip (CertInfo 01) and read
 * back byte for byte; the boundary is exactly PLAIN_MAX DER bytes. */
static void test_write_large_certificate(void **state)
{
    EVP_PKEY *k = ck_key("rsa2048", 0);
    uint8_t *der, info, out[8192];
    const uint8_t *stored;
    size_t der_len, stored_len;
    vpiv_card *card = conf_card_new(61);
    conf c;
    (void)state;

    conf_open_on(&c, card, 7);
    ck_admin(&c);
    assert_int_equal(ck_import(&c, 0, AT_KEYEXCHANGE, 0, k), SCARD_S_SUCCESS);

    cert_of_size(k, PLAIN_MAX, &der, &der_len);
    write_bumps(&c, "mscp", "kxc00", der, der_len, true);
    ck_cert_object(c.card, TAG_9A, &info, &stored, &stored_len);
    assert_int_equal(info, 0x00);
    assert_int_equal(ck_object(c.card, TAG_9A)->len, OBJECT_LIMIT);
    assert_file_is(&c, "mscp", "kxc00", der, der_len);
    free(der);

    cert_of_size(k, PLAIN_MAX + 1, &der, &der_len);
    write_bumps(&c, "mscp", "kxc00", der, der_len, true);
    ck_cert_object(c.card, TAG_9A, &info, &stored, &stored_len);
    assert_int_equal(info, 0x01); /* gzip */
    assert_int_equal(gunzip(stored, stored_len, out, sizeof out), der_len);
    assert_memory_equal(out, der, der_len);
    assert_file_is(&c, "mscp", "kxc00", der, der_len);
    free(der);

    cert_of_size(k, 6000, &der, &der_len);
    write_bumps(&c, "mscp", "kxc00", der, der_len, true);
    ck_cert_object(c.card, TAG_9A, &info, &stored, &stored_len);
    assert_int_equal(info, 0x01);
    assert_true(stored_len < PLAIN_MAX);
    assert_int_equal(gunzip(stored, stored_len, out, sizeof out), der_len);
    assert_memory_equal(out, der, der_len);
    assert_file_is(&c, "mscp", "kxc00", der, der_len);
    conf_close(&c);

    /* A new context reads it from the card (no cache) and undoes the gzip. */
    conf_open_on(&c, card, 7);
    assert_file_is(&c, "mscp", "kxc00", der, der_len);
    ck_assert_container_key(&c, 0, k, AT_KEYEXCHANGE);
    conf_close(&c);
    free(der);
    vpiv_free(card);
}

/* Too big even compressed, or too big to take: WRITE_TOO_MANY, the old certificate stays. */
static void test_write_too_large_certificate(void **state)
{
    EVP_PKEY *k = ck_key("rsa2048", 0);
    static uint8_t noise[4000], huge[16385];
    uint8_t *der, *old;
    size_t der_len, old_len;
    conf c;
    (void)state;

    open_with_key(&c, 0, AT_KEYEXCHANGE, "rsa2048");
    ck_make_cert(k, "old", NULL, 0, &old, &old_len);
    write_bumps(&c, "mscp", "kxc00", old, old_len, true);
    assert_int_equal(RAND_bytes(noise, sizeof noise), 1);
    ck_make_cert(k, "incompressible", noise, sizeof noise, &der, &der_len);
    write_refused(&c, "mscp", "kxc00", der, der_len, SCARD_E_WRITE_TOO_MANY);
    memset(huge, 0x30, sizeof huge);
    CONF_NO_APDU(&c, SCARD_E_WRITE_TOO_MANY, write_file(&c, "mscp", "kxc00", huge, sizeof huge));
    assert_file_is(&c, "mscp", "kxc00", old, old_len);
    free(der);
    free(old);
    conf_close(&c);
}

/* The CSP's own compressed format (01 00 len zlib) is stored as what it is: DER. */
static void test_write_csp_compressed(void **state)
{
    EVP_PKEY *k = ck_key("p256", 0);
    uint8_t *der, z[8192], info, out[8192];
    const uint8_t *stored;
    size_t der_len, z_len, stored_len;
    conf c;
    (void)state;

    open_with_key(&c, 2, AT_ECDHE_P256, "p256");
    ck_make_cert(k, "compressed by the CSP", NULL, 0, &der, &der_len);
    z_len = csp_compress(der, der_len, z, sizeof z);
    write_bumps(&c, "mscp", "kxc02", z, z_len, true);
    ck_cert_object(c.card, TAG_9D, &info, &stored, &stored_len);
    assert_int_equal(info, 0x00);
    assert_int_equal(stored_len, der_len);
    assert_memory_equal(stored, der, der_len);
    assert_file_is(&c, "mscp", "kxc02", der, der_len);
    free(der);

    /* Large: decompressed, then PIV's gzip. */
    {
        static uint8_t ext[5000];
        text(ext, sizeof ext);
        ck_make_cert(k, "large, compressed by the CSP", ext, sizeof ext, &der, &der_len);
    }
    z_len = csp_compress(der, der_len, z, sizeof z);
    write_bumps(&c, "mscp", "kxc02", z, z_len, true);
    ck_cert_object(c.card, TAG_9D, &info, &stored, &stored_len);
    assert_int_equal(info, 0x01);
    assert_int_equal(gunzip(stored, stored_len, out, sizeof out), der_len);
    assert_memory_equal(out, der, der_len);
    assert_file_is(&c, "mscp", "kxc02", der, der_len);
    free(der);
    conf_close(&c);
}

/* What is not a certificate is refused (INVALID_PARAMETER) and nothing is written. */
static void test_write_garbage(void **state)
{
    EVP_PKEY *k = ck_key("rsa2048", 0);
    static const uint8_t junk[] = "this is not a certificate at all";
    uint8_t *der, buf[4096];
    size_t der_len;
    conf c;
    (void)state;

    open_with_key(&c, 0, AT_KEYEXCHANGE, "rsa2048");
    ck_make_cert(k, "truncated", NULL, 0, &der, &der_len);
    write_refused(&c, "mscp", "kxc00", junk, sizeof junk, INVALID);
    write_refused(&c, "mscp", "kxc00", der, der_len - 1, INVALID);
    memcpy(buf, der, der_len);
    buf[der_len] = 0;
    write_refused(&c, "mscp", "kxc00", buf, der_len + 1, INVALID); /* trailing byte */
    memcpy(buf, der, der_len);
    buf[0] = 0x31; /* a SET */
    write_refused(&c, "mscp", "kxc00", buf, der_len, INVALID);
    CONF_NO_APDU(&c, INVALID, write_file(&c, "mscp", "kxc00", der, 0));
    CONF_NO_APDU(&c, INVALID, c.cd->pfnCardWriteFile(c.cd, (LPSTR) "mscp", (LPSTR) "kxc00", 0,
                                                     NULL, 10));
    CONF_NO_APDU(&c, INVALID, c.cd->pfnCardWriteFile(c.cd, (LPSTR) "mscp", (LPSTR) "kxc00", 1,
                                                     der, (DWORD)der_len));
    assert_null(ck_object(c.card, TAG_9A));
    ck_read_fails(&c, "mscp", "kxc00", SCARD_E_FILE_NOT_FOUND);
    free(der);
    conf_close(&c);
}

/* The CSP's compressed format with a stream that does not inflate (or inflates to another
 * length) is the CSP's bad parameter, like any other content that is not a certificate. */
static void test_write_bad_csp_compressed(void **state)
{
    EVP_PKEY *k = ck_key("rsa2048", 0);
    uint8_t *der, z[4096];
    size_t der_len, z_len;
    static const uint8_t broken[] = {0x01, 0x00, 0x10, 0x00, 0x78, 0x9C, 0xFF, 0xFF, 0xFF};
    conf c;
    (void)state;

    open_with_key(&c, 0, AT_KEYEXCHANGE, "rsa2048");
    ck_make_cert(k, "length", NULL, 0, &der, &der_len);
    z_len = csp_compress(der, der_len, z, sizeof z);
    z[2] = (uint8_t)(z[2] + 1); /* announced length one more than the DER */
    write_refused(&c, "mscp", "kxc00", z, z_len, INVALID);
    write_refused(&c, "mscp", "kxc00", broken, sizeof broken, INVALID);
    assert_null(ck_object(c.card, TAG_9A));
    free(der);
    conf_close(&c);
}

/* A certificate whose key cannot be the container's: refused, nothing written. */
static void test_write_certificate_of_other_type(void **state)
{
    EVP_PKEY *rsa = ck_key("rsa2048", 0), *ec = ck_key("p256", 0);
    uint8_t *rsa_der, *ec_der;
    size_t rsa_len, ec_len;
    conf c;
    (void)state;

    ck_make_cert(rsa, "rsa", NULL, 0, &rsa_der, &rsa_len);
    ck_make_cert(ec, "ec", NULL, 0, &ec_der, &ec_len);
    open_with_key(&c, 0, AT_KEYEXCHANGE, "rsa2048");
    write_bumps(&c, "mscp", "kxc00", rsa_der, rsa_len, true);
    /* The container is RSA (its certificate says so): a P-256 certificate does not fit. */
    write_refused(&c, "mscp", "kxc00", ec_der, ec_len, INVALID);
    write_refused(&c, "mscp", "ksc00", ec_der, ec_len, INVALID);
    assert_file_is(&c, "mscp", "kxc00", rsa_der, rsa_len);

    /* A signature container takes ksc, not kxc. */
    assert_int_equal(ck_import(&c, 4, AT_SIGNATURE, 0, rsa), SCARD_S_SUCCESS);
    write_refused(&c, "mscp", "kxc04", rsa_der, rsa_len, SCARD_E_FILE_NOT_FOUND);
    write_bumps(&c, "mscp", "ksc04", rsa_der, rsa_len, true);
    assert_file_is(&c, "mscp", "ksc04", rsa_der, rsa_len);
    free(rsa_der);
    free(ec_der);
    conf_close(&c);
}

/* The usual enrolment: CardCreateContainer, then the certificate. Before the certificate the
 * container's key type is known from the card (the container-map record, GET METADATA): a
 * certificate of another type is refused under either file name. */
static void test_write_certificate_of_other_type_before_first(void **state)
{
    EVP_PKEY *ec = ck_key("p256", 0);
    uint8_t *ec_der;
    size_t ec_len;
    conf c;
    (void)state;

    ck_make_cert(ec, "ec", NULL, 0, &ec_der, &ec_len);
    open_with_key(&c, 0, AT_KEYEXCHANGE, "rsa2048");
    write_refused(&c, "mscp", "kxc00", ec_der, ec_len, INVALID);
    write_refused(&c, "mscp", "ksc00", ec_der, ec_len, INVALID);
    assert_null(ck_object(c.card, TAG_9A));
    ck_assert_container_key(&c, 0, ck_key("rsa2048", 0), AT_KEYEXCHANGE);
    free(ec_der);
    conf_close(&c);
}

/* Writes need the management key (docs/entry-points.md): with the PIN only, the card's 6982
 * is SCARD_W_SECURITY_VIOLATION and nothing changed. */
static void test_write_needs_admin(void **state)
{
    EVP_PKEY *k = ck_key("rsa2048", 0);
    vpiv_card *card = conf_card_new(62);
    uint8_t *der, *cmap, cf[6] = {0, 0, 9, 0, 9, 0};
    size_t der_len;
    DWORD cmap_len;
    conf c;
    (void)state;

    conf_open_on(&c, card, 7);
    ck_admin(&c);
    assert_int_equal(ck_import(&c, 0, AT_KEYEXCHANGE, 0, k), SCARD_S_SUCCESS);
    conf_close(&c);
    conf_open_on(&c, card, 7);
    ck_pin(&c);
    ck_make_cert(k, "no admin", NULL, 0, &der, &der_len);
    cmap = ck_read(&c, "mscp", "cmapfile", &cmap_len);
    assert_int_equal(write_file(&c, "mscp", "kxc00", der, der_len),
                     SCARD_W_SECURITY_VIOLATION);
    assert_int_equal(write_file(&c, "mscp", "cmapfile", cmap, cmap_len),
                     SCARD_W_SECURITY_VIOLATION);
    assert_int_equal(write_file(&c, NULL, "cardcf", cf, sizeof cf), SCARD_W_SECURITY_VIOLATION);
    assert_null(ck_object(card, TAG_9A));
    ck_read_fails(&c, "mscp", "kxc00", SCARD_E_FILE_NOT_FOUND);
    assert_file_is(&c, "mscp", "cmapfile", cmap, cmap_len);
    c.cd->pfnCspFree(cmap);
    free(der);
    conf_close(&c);
    vpiv_free(card);
}

/* ======================================================================================
 * cmapfile
 * ==================================================================================== */

static void set_guid(uint8_t *rec, const char *guid)
{
    memset(rec, 0, 80);
    for (size_t i = 0; guid[i]; i++)
        rec[2 * i] = (uint8_t)guid[i];
}

static void test_write_cmapfile(void **state)
{
    static const char *g0 = "{AAAAAAAA-1111-2222-3333-444444444444}";
    static const char *g5 = "{55555555-5555-5555-5555-555555555555}";
    vpiv_card *card = conf_card_new(63);
    uint8_t *cmap, file[6 * REC];
    DWORD len;
    conf c;
    (void)state;

    conf_open_on(&c, card, 7);
    ck_admin(&c);
    assert_int_equal(ck_import(&c, 0, AT_KEYEXCHANGE, 0, ck_key("rsa2048", 0)),
                     SCARD_S_SUCCESS);
    assert_int_equal(ck_import(&c, 2, AT_ECDHE_P256, 0, ck_key("p256", 0)), SCARD_S_SUCCESS);
    cmap = ck_read(&c, "mscp", "cmapfile", &len);
    assert_int_equal(len, 3 * REC);
    assert_int_equal(cmap[80], CONTAINER_MAP_VALID_CONTAINER | CONTAINER_MAP_DEFAULT_CONTAINER);
    assert_int_equal(cmap[2 * REC + 80], CONTAINER_MAP_VALID_CONTAINER);

    /* A new name for container 0, the default moved to container 2. */
    memcpy(file, cmap, len);
    c.cd->pfnCspFree(cmap);
    set_guid(file, g0);
    file[80] = CONTAINER_MAP_VALID_CONTAINER;
    file[2 * REC + 80] = CONTAINER_MAP_VALID_CONTAINER | CONTAINER_MAP_DEFAULT_CONTAINER;
    write_bumps(&c, "mscp", "cmapfile", file, 3 * REC, false);
    assert_file_is(&c, "mscp", "cmapfile", file, 3 * REC);
    conf_close(&c);
    /* It is on the card, not in a cache: a new context without one reads the same. */
    conf_open_on(&c, card, 7);
    assert_file_is(&c, "mscp", "cmapfile", file, 3 * REC);
    ck_assert_container_key(&c, 0, ck_key("rsa2048", 0), AT_KEYEXCHANGE);
    ck_admin(&c);

    /* The CSP names a container before it creates it: the key arrives under that name. */
    memset(file + 3 * REC, 0, 3 * REC);
    set_guid(file + 5 * REC, g5);
    file[5 * REC + 80] = CONTAINER_MAP_VALID_CONTAINER;
    file[5 * REC + 85] = 0x08; /* 2048 bits, key exchange */
    write_bumps(&c, "mscp", "cmapfile", file, 6 * REC, false);
    assert_int_equal(ck_import(&c, 5, AT_KEYEXCHANGE, 0, ck_key("rsa2048", 1)),
                     SCARD_S_SUCCESS);
    cmap = ck_read(&c, "mscp", "cmapfile", &len);
    assert_int_equal(len, 6 * REC);
    assert_memory_equal(cmap + 5 * REC, file + 5 * REC, 86);
    assert_memory_equal(cmap, file, 3 * REC);
    c.cd->pfnCspFree(cmap);

    /* The CSP drops a record (as it does after CardDeleteContainer): gone from the map. */
    memset(file + 2 * REC, 0, REC);
    write_bumps(&c, "mscp", "cmapfile", file, 6 * REC, false);
    cmap = ck_read(&c, "mscp", "cmapfile", &len);
    assert_int_equal(len, 6 * REC);
    for (size_t b = 0; b < REC; b++)
        assert_int_equal(cmap[2 * REC + b], 0);
    /* ... and the default with it: exactly one valid record carries it again. */
    assert_true((cmap[80] & CONTAINER_MAP_DEFAULT_CONTAINER) !=
                (cmap[5 * REC + 80] & CONTAINER_MAP_DEFAULT_CONTAINER));
    c.cd->pfnCspFree(cmap);
    conf_close(&c);
    vpiv_free(card);
}

static void test_write_cmapfile_errors(void **state)
{
    static uint8_t file[25 * REC], before_obj[4096];
    vpiv_card *card = conf_card_new(64);
    const vpiv_object *o;
    uint8_t *cmap;
    size_t before_len;
    DWORD len;
    conf c;
    (void)state;

    conf_open_on(&c, card, 7);
    ck_admin(&c);
    assert_int_equal(ck_import(&c, 0, AT_KEYEXCHANGE, 0, ck_key("rsa2048", 0)),
                     SCARD_S_SUCCESS);
    assert_int_equal(ck_import(&c, 1, AT_SIGNATURE, 0, ck_key("rsa2048", 1)), SCARD_S_SUCCESS);
    cmap = ck_read(&c, "mscp", "cmapfile", &len);
    assert_int_equal(len, 2 * REC);
    o = ck_object(card, TAG_MAP);
    assert_non_null(o);
    memcpy(before_obj, o->data, o->len);
    before_len = o->len;

    memcpy(file, cmap, len);
    write_refused(&c, "mscp", "cmapfile", file, 2 * REC - 1, INVALID); /* a partial record */
    write_refused(&c, "mscp", "cmapfile", file, 2 * REC + 1, INVALID);
    file[REC + 80] |= CONTAINER_MAP_DEFAULT_CONTAINER; /* two defaults */
    write_refused(&c, "mscp", "cmapfile", file, 2 * REC, INVALID);
    memcpy(file, cmap, len);
    file[REC + 80] = CONTAINER_MAP_DEFAULT_CONTAINER; /* a default that is not valid */
    file[80] = CONTAINER_MAP_VALID_CONTAINER;
    write_refused(&c, "mscp", "cmapfile", file, 2 * REC, INVALID);
    memcpy(file, cmap, len);
    memset(file + REC, 0, 80); /* a valid record without a name */
    write_refused(&c, "mscp", "cmapfile", file, 2 * REC, INVALID);
    memcpy(file, cmap, len);
    for (size_t i = 0; i < 40; i++)
        file[REC + 2 * i] = 'x'; /* a name without a terminator */
    write_refused(&c, "mscp", "cmapfile", file, 2 * REC, INVALID);
    memcpy(file, cmap, len);
    file[82] = 0x00, file[83] = 0x08; /* both sizes */
    write_refused(&c, "mscp", "cmapfile", file, 2 * REC, INVALID);
    memcpy(file, cmap, len);
    memset(file + 2 * REC, 0, 23 * REC);
    memcpy(file + 24 * REC, file, REC); /* a valid record past index 23 */
    file[24 * REC + 80] = CONTAINER_MAP_VALID_CONTAINER;
    write_refused(&c, "mscp", "cmapfile", file, 25 * REC, SCARD_E_WRITE_TOO_MANY);

    o = ck_object(card, TAG_MAP);
    assert_non_null(o);
    assert_int_equal(o->len, before_len);
    assert_memory_equal(o->data, before_obj, before_len);
    assert_file_is(&c, "mscp", "cmapfile", cmap, len);
    /* 25 records of which the last is empty: fine. */
    memset(file, 0, sizeof file);
    memcpy(file, cmap, len);
    write_bumps(&c, "mscp", "cmapfile", file, 25 * REC, false);
    assert_file_is(&c, "mscp", "cmapfile", cmap, len);
    c.cd->pfnCspFree(cmap);
    conf_close(&c);
    vpiv_free(card);
}

/* ======================================================================================
 * cardcf, the files that cannot be written, CardCreateFile, CardDeleteFile
 * ==================================================================================== */

static void test_write_cardcf(void **state)
{
    static const uint8_t cf6[6] = {0x00, 0x07, 0x34, 0x12, 0x78, 0x56};
    uint8_t cf10[10] = {0x01, 0x02, 0x03, 0x04, 0x05, 0x06, 0xA7, 0xA8, 0xA9, 0xAA}, cf64[65];
    const vpiv_object *o;
    conf c;
    (void)state;

    conf_open(&c, 7);
    ck_admin(&c);
    ck_watch(&c);
    assert_int_equal(write_file(&c, NULL, "cardcf", cf6, 6), SCARD_S_SUCCESS);
    assert_int_equal(ck_sent(CK_INS_PUT_DATA), 1); /* stored as it comes: no bump */
    assert_file_is(&c, NULL, "cardcf", cf6, 6);
    assert_file_is(&c, "", "cardcf", cf6, 6);
    o = ck_object(c.card, TAG_CARDCF);
    assert_non_null(o);
    assert_int_equal(o->len, 8);
    assert_int_equal(o->data[0], 0xC0);
    assert_int_equal(o->data[1], 6);
    assert_memory_equal(o->data + 2, cf6, 6);
    assert_int_equal(write_file(&c, NULL, "cardcf", cf10, 10), SCARD_S_SUCCESS);
    assert_file_is(&c, NULL, "cardcf", cf10, 10);
    /* A module bump keeps what the CSP stored past the header. */
    assert_int_equal(ck_import(&c, 0, AT_ECDSA_P256, 0, ck_key("p256", 0)), SCARD_S_SUCCESS);
    cf10[2]++;
    cf10[4]++;
    assert_file_is(&c, NULL, "cardcf", cf10, 10);
    memset(cf64, 0x11, sizeof cf64);
    assert_int_equal(write_file(&c, NULL, "cardcf", cf64, 64), SCARD_S_SUCCESS);
    assert_file_is(&c, NULL, "cardcf", cf64, 64);
    CONF_NO_APDU(&c, INVALID, write_file(&c, NULL, "cardcf", cf6, 5));
    CONF_NO_APDU(&c, INVALID, write_file(&c, NULL, "cardcf", cf6, 0));
    CONF_NO_APDU(&c, SCARD_E_WRITE_TOO_MANY, write_file(&c, NULL, "cardcf", cf64, 65));
    assert_file_is(&c, NULL, "cardcf", cf64, 64);
    /* The counters wrap. */
    cf64[2] = cf64[3] = 0xFF;
    assert_int_equal(write_file(&c, NULL, "cardcf", cf64, 6), SCARD_S_SUCCESS);
    assert_int_equal(ck_import(&c, 0, AT_ECDSA_P256, 0, ck_key("p256", 1)), SCARD_S_SUCCESS);
    {
        unsigned cc, cf;
        ck_cardcf(&c, &cc, &cf);
        assert_int_equal(cc, 0);
        assert_int_equal(cf, 0x1112);
    }
    conf_close(&c);
}

static void test_names_that_cannot_be_written(void **state)
{
    static const uint8_t data[16] = {1, 2, 3};
    conf c;
    (void)state;

    conf_open(&c, 7);
    ck_admin(&c);
#define W(dir, name, n) write_file(&c, dir, name, data, n)
#define CF(dir, name, size, ac) c.cd->pfnCardCreateFile(c.cd, (LPSTR)dir, (LPSTR)name, size, ac)
#define DF(dir, name, flags) c.cd->pfnCardDeleteFile(c.cd, (LPSTR)dir, (LPSTR)name, flags)
    CONF_NO_APDU(&c, SCARD_W_SECURITY_VIOLATION, W(NULL, "cardid", 16));
    CONF_NO_APDU(&c, SCARD_W_SECURITY_VIOLATION, W(NULL, "cardapps", 8));
    CONF_NO_APDU(&c, SCARD_E_FILE_NOT_FOUND, W("mscp", "msroots", 16));
    CONF_NO_APDU(&c, SCARD_E_FILE_NOT_FOUND, W("mscp", "kxc18", 16));
    CONF_NO_APDU(&c, SCARD_E_FILE_NOT_FOUND, W(NULL, "kxc00", 16));
    CONF_NO_APDU(&c, SCARD_E_DIR_NOT_FOUND, W("other", "kxc00", 16));
    CONF_NO_APDU(&c, INVALID, W("mscp", NULL, 16));
    CONF_NO_APDU(&c, INVALID, W("mscp", "", 16));
    CONF_NO_APDU(&c, INVALID, W("mscp", "cmapfile1", 16));
    CONF_NO_APDU(&c, INVALID, CardWriteFile(NULL, (LPSTR) "mscp", (LPSTR) "kxc00", 0,
                                            (PBYTE)data, 16));

    CONF_NO_APDU(&c, ERROR_FILE_EXISTS, CF(NULL, "cardid", 0, EveryoneReadAdminWriteAc));
    CONF_NO_APDU(&c, ERROR_FILE_EXISTS, CF(NULL, "cardcf", 6, EveryoneReadUserWriteAc));
    CONF_NO_APDU(&c, ERROR_FILE_EXISTS, CF(NULL, "cardapps", 8, EveryoneReadAdminWriteAc));
    CONF_NO_APDU(&c, ERROR_FILE_EXISTS, CF("mscp", "cmapfile", 0, EveryoneReadUserWriteAc));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE, CF("mscp", "msroots", 0,
                                                     EveryoneReadUserWriteAc));
    CONF_NO_APDU(&c, SCARD_E_UNSUPPORTED_FEATURE, CF(NULL, "myfile", 0, UserReadWriteAc));
    CONF_NO_APDU(&c, SCARD_E_DIR_NOT_FOUND, CF("other", "kxc00", 0, EveryoneReadUserWriteAc));
    CONF_NO_APDU(&c, INVALID, CF("mscp", "kxc00", 0, InvalidAc));
    CONF_NO_APDU(&c, INVALID, CF("mscp", "kxc00", 0, 7));
    CONF_NO_APDU(&c, INVALID, CF("mscp", NULL, 0, EveryoneReadUserWriteAc));
    CONF_NO_APDU(&c, SCARD_E_WRITE_TOO_MANY, CF("mscp", "kxc00", 16385,
                                                EveryoneReadUserWriteAc));
    CONF_NO_APDU(&c, INVALID, CardCreateFile(NULL, (LPSTR) "mscp", (LPSTR) "kxc00", 0,
                                             EveryoneReadUserWriteAc));

    CONF_NO_APDU(&c, SCARD_W_SECURITY_VIOLATION, DF(NULL, "cardid", 0));
    CONF_NO_APDU(&c, SCARD_W_SECURITY_VIOLATION, DF(NULL, "cardcf", 0));
    CONF_NO_APDU(&c, SCARD_W_SECURITY_VIOLATION, DF(NULL, "cardapps", 0));
    CONF_NO_APDU(&c, SCARD_W_SECURITY_VIOLATION, DF("mscp", "cmapfile", 0));
    CONF_NO_APDU(&c, SCARD_E_FILE_NOT_FOUND, DF("mscp", "msroots", 0));
    CONF_NO_APDU(&c, SCARD_E_DIR_NOT_FOUND, DF("x", "kxc00", 0));
    CONF_NO_APDU(&c, INVALID, DF("mscp", "kxc00", 1));
    CONF_NO_APDU(&c, INVALID, CardDeleteFile(NULL, (LPSTR) "mscp", (LPSTR) "kxc00", 0));
#undef W
#undef CF
#undef DF
    assert_int_equal(c.card->n_objects, 0);
    conf_close(&c);
}

static void test_delete_certificate(void **state)
{
    EVP_PKEY *k = ck_key("rsa2048", 0);
    uint8_t *der;
    size_t der_len;
    unsigned cc0, cf0, cc1, cf1;
    conf c;
    (void)state;

    open_with_key(&c, 0, AT_KEYEXCHANGE, "rsa2048");
    ck_make_cert(k, "deleted", NULL, 0, &der, &der_len);
    write_bumps(&c, "mscp", "kxc00", der, der_len, true);
    ck_cardcf(&c, &cc0, &cf0);
    CONF_NO_APDU(&c, INVALID, c.cd->pfnCardDeleteFile(c.cd, (LPSTR) "mscp", (LPSTR) "kxc00", 1));
    ck_watch(&c);
    assert_int_equal(c.cd->pfnCardDeleteFile(c.cd, (LPSTR) "mscp", (LPSTR) "ksc00", 0),
                     SCARD_E_FILE_NOT_FOUND);
    assert_int_equal(ck_sent(CK_INS_PUT_DATA), 0);
    assert_int_equal(c.cd->pfnCardDeleteFile(c.cd, (LPSTR) "mscp", (LPSTR) "kxc00", 0),
                     SCARD_S_SUCCESS);
    /* The container map (keeping the container), the certificate object, cardcf. */
    assert_int_equal(ck_sent(CK_INS_PUT_DATA), 3);
    ck_cardcf(&c, &cc1, &cf1);
    assert_int_equal(cc1, cc0 + 1);
    assert_int_equal(cf1, cf0 + 1);
    assert_null(ck_object(c.card, TAG_9A));
    ck_read_fails(&c, "mscp", "kxc00", SCARD_E_FILE_NOT_FOUND);
    /* The key stays, and so does its container. */
    ck_assert_container_key(&c, 0, k, AT_KEYEXCHANGE);
    ck_pin(&c);
    assert_true(ck_signs_as(&c, 0, AT_KEYEXCHANGE, k, "still here"));
    ck_watch(&c);
    assert_int_equal(c.cd->pfnCardDeleteFile(c.cd, (LPSTR) "mscp", (LPSTR) "kxc00", 0),
                     SCARD_E_FILE_NOT_FOUND);
    assert_int_equal(c.cd->pfnCardDeleteFile(c.cd, (LPSTR) "mscp", (LPSTR) "kxc07", 0),
                     SCARD_E_FILE_NOT_FOUND);
    assert_int_equal(ck_sent(CK_INS_PUT_DATA), 0);
    free(der);
    conf_close(&c);
}

/* A container a personalisation tool made (key and certificate, no container-map record):
 * deleting its certificate leaves the key on the card, and the CSP still needs to see (and be
 * able to delete) that container. */
static void test_delete_certificate_of_tool_container(void **state)
{
    vpiv_card *card = conf_card_new(65);
    uint8_t *der;
    size_t der_len;
    EVP_PKEY *k = conf_card_key_and_cert(card, 0x9D, "p256", false, &der, &der_len);
    conf c;
    (void)state;

    conf_open_on(&c, card, 7);
    ck_admin(&c);
    assert_file_is(&c, "mscp", "kxc02", der, der_len);
    assert_int_equal(c.cd->pfnCardDeleteFile(c.cd, (LPSTR) "mscp", (LPSTR) "kxc02", 0),
                     SCARD_S_SUCCESS);
    ck_read_fails(&c, "mscp", "kxc02", SCARD_E_FILE_NOT_FOUND);
    ck_assert_container_key(&c, 2, k, AT_ECDHE_P256);
    EVP_PKEY_free(k);
    free(der);
    conf_close(&c);
    vpiv_free(card);
}

/* ======================================================================================
 * Freshness: a context holding the CSP cache of before a write sees what was written
 * ==================================================================================== */

static void test_write_freshness(void **state)
{
    EVP_PKEY *k = ck_key("rsa2048", 0);
    vpiv_card *card = conf_card_new(66);
    uint8_t *der_a, *der_b, *der_c, *cmap_a, *cmap_b; /* cmap_b: the cmapfile, edited */
    size_t a_len, b_len, c_len;
    DWORD cmap_len;
    ch_host_cache *old_cache;
    unsigned long before;
    conf c;
    (void)state;

    ck_make_cert(k, "certificate A", NULL, 0, &der_a, &a_len);
    ck_make_cert(k, "certificate B", NULL, 0, &der_b, &b_len);
    ck_make_cert(k, "certificate C", NULL, 0, &der_c, &c_len);

    /* Context 1 writes A and caches the files (as every read does). */
    conf_open_on(&c, card, 7);
    ck_admin(&c);
    assert_int_equal(ck_import(&c, 0, AT_KEYEXCHANGE, 0, k), SCARD_S_SUCCESS);
    write_bumps(&c, "mscp", "kxc00", der_a, a_len, true);
    assert_file_is(&c, "mscp", "kxc00", der_a, a_len);
    cmap_a = ck_read(&c, "mscp", "cmapfile", &cmap_len);
    cmap_b = malloc(cmap_len);
    assert_non_null(cmap_b);
    memcpy(cmap_b, cmap_a, cmap_len);
    c.cd->pfnCspFree(cmap_a);
    /* ... and sees its own next write (its own cache held A). */
    write_bumps(&c, "mscp", "kxc00", der_b, b_len, true);
    assert_file_is(&c, "mscp", "kxc00", der_b, b_len);
    assert_file_is(&c, "mscp", "kxc00", der_b, b_len); /* now cached */
    old_cache = conf_take_cache(&c);
    conf_close(&c);

    /* Context 2 (another process: its own cache) writes C and a new cmapfile. */
    conf_open_on(&c, card, 7);
    ck_admin(&c);
    write_bumps(&c, "mscp", "kxc00", der_c, c_len, true);
    set_guid(cmap_b, "{CCCCCCCC-0000-0000-0000-000000000000}");
    write_bumps(&c, "mscp", "cmapfile", cmap_b, cmap_len, false);
    conf_close(&c);

    /* Context 3 has context 1's cache: it must read C and the new map, not B and the old. */
    conf_open_on(&c, card, 7);
    conf_give_cache(&c, old_cache);
    before = conf_apdus(&c);
    assert_file_is(&c, "mscp", "kxc00", der_c, c_len);
    assert_true(conf_apdus(&c) - before > 3); /* more than CHUID, serial, cardcf */
    assert_file_is(&c, "mscp", "cmapfile", cmap_b, cmap_len);
    /* Now cached again: reading costs cardcf alone. */
    before = conf_apdus(&c);
    assert_file_is(&c, "mscp", "kxc00", der_c, c_len);
    assert_int_equal(conf_apdus(&c) - before, 1);
    conf_close(&c);

    free(cmap_b);
    free(der_a);
    free(der_b);
    free(der_c);
    vpiv_free(card);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_write_small_certificate),
        cmocka_unit_test(test_write_large_certificate),
        cmocka_unit_test(test_write_too_large_certificate),
        cmocka_unit_test(test_write_csp_compressed),
        cmocka_unit_test(test_write_garbage),
        cmocka_unit_test(test_write_bad_csp_compressed),
        cmocka_unit_test(test_write_certificate_of_other_type),
        cmocka_unit_test(test_write_certificate_of_other_type_before_first),
        cmocka_unit_test(test_write_needs_admin),
        cmocka_unit_test(test_write_cmapfile),
        cmocka_unit_test(test_write_cmapfile_errors),
        cmocka_unit_test(test_write_cardcf),
        cmocka_unit_test(test_names_that_cannot_be_written),
        cmocka_unit_test(test_delete_certificate),
        cmocka_unit_test(test_delete_certificate_of_tool_container),
        cmocka_unit_test(test_write_freshness),
    };
    return cmocka_run_group_tests(tests, NULL, ck_keys_free);
}
