/* vpiv: the state file (vpiv_save / vpiv_load).
 *
 * Format (version 1). All integers big-endian.
 *
 *   "VPIV"                     4 bytes, magic
 *   version                    u16, 1
 *   records                    each: type u8, length u32, value[length]
 *
 *   type  value
 *   01    PIN     value[8] (FF-padded as on the wire), max_tries u8, tries_left u8,
 *                 is_default u8 (0|1)                                           11 bytes
 *   02    PUK     same as PIN                                                   11 bytes
 *   03    MGM     alg u8 (03|08|0A|0C), touch u8, is_default u8 (0|1),
 *                 key[n] with n the algorithm's key size (24, 16, 24, 32)
 *   04    SERIAL  u32                                                            4 bytes
 *   10    SLOT    ref u8, alg u8, pin_policy u8 (1..3), touch_policy u8 (1..3), origin u8,
 *                 the private key: PKCS#8 PrivateKeyInfo DER (the rest of the value)
 *   20    OBJECT  tag u32 (0x5FC105, ...), content (1..VPIV_MAX_OBJECT bytes, the value of 53)
 *   FF    END     SHA-256 of every byte of the file before this record          32 bytes
 *
 * PIN, PUK, MGM and SERIAL appear exactly once; a SLOT at most once per key reference (empty
 * slots are not written); an OBJECT at most once per tag, at most VPIV_MAX_OBJECTS of them.
 * vpiv_save writes PIN, PUK, MGM, SERIAL, the OBJECTs, the SLOTs, END; any order loads.
 * END is the last record and the last bytes of the file: a truncated file never loads. The
 * checksum is verified before any record is parsed, so a damaged file never reaches the DER
 * decoder. Anything else (unknown record type, bad value, a key that d2i_AutoPrivateKey cannot
 * read, DER that does not fill its record, a key not of its declared algorithm - RSA size, EC
 * curve -, a file over 1 MiB, ...) makes the file corrupt too: vpiv_load answers false with
 * "state file corrupt: <reason>" and leaves the card untouched. A missing file is a new card:
 * vpiv_load keeps the card's (fresh) state and saves it, so the file exists afterwards.
 * The parsing itself is vpiv_state_parse (an image in memory; vpiv_load reads the file and
 * hands it over). Fuzzing builds also have vpiv_state_parse_unsealed, which skips only the
 * seal comparison so that fuzz_vpiv's mutated images reach the record parsers.
 *
 * The state holds secrets in clear (PIN, PUK, management key, private keys): it is a test
 * card. The file is created 0600.
 *
 * Saving is atomic: the whole file is written to "<path>.tmp.<pid>", fsync'd, renamed over
 * <path>, then the directory is fsync'd (best effort: once the rename is done the file holds
 * the new state, and the card must then keep it too). A write killed before the rename leaves
 * <path> intact plus a stray .tmp file, which loading ignores and the next save (same pid)
 * overwrites. */
#ifndef _POSIX_C_SOURCE
#define _POSIX_C_SOURCE 200809L /* fsync, O_DIRECTORY, strdup, getpid under -std=c11 */
#endif

#include <errno.h>
#include <fcntl.h>
#include <openssl/evp.h>
#include <openssl/x509.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "vpiv_internal.h"
#include "wipe.h"

/* Windows (CH_WINE_TESTS, the conformance tests cross-built for wine): binary mode instead of
 * O_CLOEXEC (no exec there; text mode would translate bytes), _commit for fsync, no directory
 * sync (a directory cannot be opened), and rename over an existing file through MoveFileEx
 * (msvcrt's rename refuses to replace). POSIX builds are unchanged. */
#ifdef _WIN32
#include <io.h>
#include <windows.h>
#define STATE_OPEN_FLAGS O_BINARY
#define fsync _commit
#else
#define STATE_OPEN_FLAGS O_CLOEXEC
#endif

#define STATE_VERSION 1u
#define STATE_MAX_FILE ((size_t)1024u * 1024u) /* size_t: it bounds sizes */

enum {
    REC_PIN = 0x01,
    REC_PUK = 0x02,
    REC_MGM = 0x03,
    REC_SERIAL = 0x04,
    REC_SLOT = 0x10,
    REC_OBJECT = 0x20,
    REC_END = 0xFF,
};

#define SECRET_LEN 8u
#define REC_HDR_LEN 5u
#define HASH_LEN 32u

/* ---- shared checks ---- */

static size_t mgm_key_len(uint8_t alg)
{
    switch (alg) {
    case ALG_3DES:
        return 24;
    case ALG_AES128:
        return 16;
    case ALG_AES192:
        return 24;
    case ALG_AES256:
        return 32;
    default:
        return 0;
    }
}

/* Tags PUT DATA can store (the discovery object 7E is built in). */
static bool object_tag_ok(uint32_t tag)
{
    return tag == 0x7F61u || (tag >= 0x5FC101u && tag <= 0x5FC123u) ||
           (tag >= 0x5FFF00u && tag <= 0x5FFF15u);
}

static bool ec_group_is(const EVP_PKEY *key, const char *want)
{
    char name[64];
    size_t n = 0;
    if (!EVP_PKEY_is_a(key, "EC") ||
        EVP_PKEY_get_group_name(key, name, sizeof name, &n) != 1 || n >= sizeof name)
        return false;
    return strcmp(name, want) == 0;
}

/* The key is of the PIV algorithm alg. */
static bool key_matches_alg(const EVP_PKEY *key, uint8_t alg)
{
    switch (alg) {
    case ALG_RSA1024:
        return EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) == 1024;
    case ALG_RSA2048:
        return EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) == 2048;
    case ALG_RSA3072:
        return EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) == 3072;
    case ALG_RSA4096:
        return EVP_PKEY_is_a(key, "RSA") && EVP_PKEY_get_bits(key) == 4096;
    case ALG_ECCP256:
        return ec_group_is(key, "prime256v1");
    case ALG_ECCP384:
        return ec_group_is(key, "secp384r1");
    case 0xE0: /* Ed25519 (YubiKey 5.7) */
        return EVP_PKEY_is_a(key, "ED25519");
    case 0xE1: /* X25519 (YubiKey 5.7) */
        return EVP_PKEY_is_a(key, "X25519");
    default:
        return false;
    }
}

/* ---- writing ---- */

typedef struct {
    uint8_t *p;
    size_t len, cap;
    bool failed;
} wbuf;

static void wb_put(wbuf *b, const void *v, size_t n)
{
    if (b->failed || n == 0)
        return;
    if (n > b->cap - b->len) {
        size_t cap = b->cap ? b->cap : 4096;
        uint8_t *np;
        while (n > cap - b->len) {
            if (cap > STATE_MAX_FILE) {
                b->failed = true;
                return;
            }
            cap *= 2;
        }
        np = malloc(cap); /* not realloc: the old buffer holds secrets and is wiped */
        if (!np) {
            b->failed = true;
            return;
        }
        if (b->len)
            memcpy(np, b->p, b->len);
        ch_wipe(b->p, b->cap);
        free(b->p);
        b->p = np;
        b->cap = cap;
    }
    memcpy(b->p + b->len, v, n);
    b->len += n;
}

static void wb_u8(wbuf *b, uint8_t v) { wb_put(b, &v, 1); }

static void wb_u32(wbuf *b, uint32_t v)
{
    uint8_t x[4] = {(uint8_t)(v >> 24), (uint8_t)(v >> 16), (uint8_t)(v >> 8), (uint8_t)v};
    wb_put(b, x, sizeof x);
}

static void wb_rec(wbuf *b, uint8_t type, size_t len)
{
    if (len > STATE_MAX_FILE) {
        b->failed = true;
        return;
    }
    wb_u8(b, type);
    wb_u32(b, (uint32_t)len);
}

static void wb_secret(wbuf *b, uint8_t type, const vpiv_secret *s)
{
    wb_rec(b, type, SECRET_LEN + 3);
    wb_put(b, s->value, SECRET_LEN);
    wb_u8(b, s->max_tries);
    wb_u8(b, s->tries_left);
    wb_u8(b, s->is_default ? 1 : 0);
}

static void wb_slot(wbuf *b, const vpiv_slot *s)
{
    PKCS8_PRIV_KEY_INFO *p8 = EVP_PKEY2PKCS8(s->key);
    unsigned char *der = NULL;
    int n = p8 ? i2d_PKCS8_PRIV_KEY_INFO(p8, &der) : -1;

    PKCS8_PRIV_KEY_INFO_free(p8);
    if (n <= 0) {
        b->failed = true;
        return;
    }
    wb_rec(b, REC_SLOT, 5 + (size_t)n);
    wb_u8(b, s->ref);
    wb_u8(b, s->alg);
    wb_u8(b, s->pin_policy);
    wb_u8(b, s->touch_policy);
    wb_u8(b, s->origin);
    wb_put(b, der, (size_t)n);
    OPENSSL_clear_free(der, (size_t)n);
}

static bool serialize(const vpiv_card *card, wbuf *b)
{
    uint8_t hash[HASH_LEN];
    unsigned int hlen = 0;
    size_t klen = mgm_key_len(card->mgm_alg), i;

    if (!klen)
        return false;
    wb_put(b, "VPIV", 4);
    wb_u8(b, (uint8_t)(STATE_VERSION >> 8));
    wb_u8(b, (uint8_t)STATE_VERSION);
    wb_secret(b, REC_PIN, &card->pin);
    wb_secret(b, REC_PUK, &card->puk);
    wb_rec(b, REC_MGM, 3 + klen);
    wb_u8(b, card->mgm_alg);
    wb_u8(b, card->mgm_touch);
    wb_u8(b, card->mgm_default ? 1 : 0);
    wb_put(b, card->mgm_key, klen);
    wb_rec(b, REC_SERIAL, 4);
    wb_u32(b, card->serial);
    for (i = 0; i < card->n_objects; i++) {
        const vpiv_object *o = &card->objects[i];
        if (!o->len)
            continue;
        wb_rec(b, REC_OBJECT, 4 + o->len);
        wb_u32(b, o->tag);
        wb_put(b, o->data, o->len);
    }
    for (i = 0; i < VPIV_N_SLOTS; i++)
        if (card->slots[i].alg && card->slots[i].key)
            wb_slot(b, &card->slots[i]);
    if (b->failed || EVP_Digest(b->p, b->len, hash, &hlen, EVP_sha256(), NULL) != 1 ||
        hlen != HASH_LEN)
        return false;
    wb_rec(b, REC_END, HASH_LEN);
    wb_put(b, hash, HASH_LEN);
    return !b->failed;
}

static bool write_all(int fd, const uint8_t *p, size_t n)
{
    size_t off = 0;
    while (off < n) {
        ssize_t w = write(fd, p + off, n - off);
        if (w < 0) {
            if (errno == EINTR)
                continue;
            return false;
        }
        if (w == 0)
            return false;
        off += (size_t)w;
    }
    return true;
}

#ifdef _WIN32
static void sync_dir(const char *path)
{
    (void)path; /* MOVEFILE_WRITE_THROUGH made the rename durable */
}

static int replace_file(const char *from, const char *to)
{
    return MoveFileExA(from, to, MOVEFILE_REPLACE_EXISTING | MOVEFILE_WRITE_THROUGH) ? 0 : -1;
}
#else
/* fsync of the directory that holds path, so the rename itself is durable. */
static void sync_dir(const char *path)
{
    const char *slash = strrchr(path, '/');
    char *dir;
    int fd;

    if (!slash) {
        dir = strdup(".");
    } else if (slash == path) {
        dir = strdup("/");
    } else {
        size_t n = (size_t)(slash - path);
        dir = malloc(n + 1);
        if (dir) {
            memcpy(dir, path, n);
            dir[n] = '\0';
        }
    }
    if (!dir)
        return;
    fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    free(dir);
    if (fd < 0)
        return;
    (void)fsync(fd);
    (void)close(fd);
}

static int replace_file(const char *from, const char *to)
{
    return rename(from, to);
}
#endif

static bool write_atomic(const char *path, const uint8_t *p, size_t n)
{
    size_t cap = strlen(path) + 32;
    char *tmp = malloc(cap);
    int fd, rc;
    bool ok;

    if (!tmp)
        return false;
    rc = snprintf(tmp, cap, "%s.tmp.%ld", path, (long)getpid());
    if (rc < 0 || (size_t)rc >= cap) {
        free(tmp);
        return false;
    }
    fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | STATE_OPEN_FLAGS, 0600);
    if (fd < 0) {
        free(tmp);
        return false;
    }
    ok = write_all(fd, p, n) && fsync(fd) == 0;
    if (close(fd) != 0)
        ok = false;
    if (ok && replace_file(tmp, path) != 0)
        ok = false;
    if (!ok)
        (void)unlink(tmp);
    free(tmp);
    if (ok)
        sync_dir(path);
    return ok;
}

static bool save_to(const vpiv_card *card, const char *path)
{
    wbuf b = {NULL, 0, 0, false};
    bool ok = serialize(card, &b) && write_atomic(path, b.p, b.len);
    ch_wipe(b.p, b.cap);
    free(b.p);
    return ok;
}

bool vpiv_save(vpiv_card *card)
{
    if (!card->state_path)
        return true;
    return save_to(card, card->state_path);
}

/* ---- reading ---- */

#define CORRUPT(reason) ("state file corrupt: " reason)

static const char *parse_secret(ch_cur *v, vpiv_secret *s)
{
    uint8_t def;
    if (ch_cur_left(v) != SECRET_LEN + 3 || !ch_cur_bytes(v, s->value, SECRET_LEN) ||
        !ch_cur_u8(v, &s->max_tries) || !ch_cur_u8(v, &s->tries_left) || !ch_cur_u8(v, &def))
        return CORRUPT("bad PIN/PUK record");
    if (!vpiv_secret_shape_ok(s->value) || s->max_tries < 1 || s->max_tries > 15 ||
        s->tries_left > s->max_tries || def > 1)
        return CORRUPT("bad PIN/PUK record");
    s->is_default = def == 1;
    return NULL;
}

static const char *parse_mgm(ch_cur *v, vpiv_card *st)
{
    uint8_t alg, touch, def;
    size_t klen;
    if (!ch_cur_u8(v, &alg) || !ch_cur_u8(v, &touch) || !ch_cur_u8(v, &def))
        return CORRUPT("bad management key record");
    klen = mgm_key_len(alg);
    if (!klen || ch_cur_left(v) != klen || touch > 3 || def > 1)
        return CORRUPT("bad management key record");
    memset(st->mgm_key, 0, sizeof st->mgm_key);
    (void)ch_cur_bytes(v, st->mgm_key, klen);
    st->mgm_alg = alg;
    st->mgm_touch = touch;
    st->mgm_default = def == 1;
    return NULL;
}

static const char *parse_slot(ch_cur *v, vpiv_card *st)
{
    uint8_t ref, alg, pin_policy, touch_policy, origin;
    const uint8_t *der;
    const unsigned char *p;
    size_t n;
    ch_cur dv;
    vpiv_slot *s;
    EVP_PKEY *key;

    if (!ch_cur_u8(v, &ref) || !ch_cur_u8(v, &alg) || !ch_cur_u8(v, &pin_policy) ||
        !ch_cur_u8(v, &touch_policy) || !ch_cur_u8(v, &origin))
        return CORRUPT("bad key slot record");
    s = vpiv_slot_find(st, ref);
    if (!s)
        return CORRUPT("unknown key slot");
    if (s->alg || s->key)
        return CORRUPT("key slot stored twice");
    /* Policies as GENERATE / IMPORT leave them: 1..3, never 0 ("default") once a key is
     * there (vpiv_internal.h). 0 used to load, giving a slot that no command can make:
     * GET METADATA reported policy 0 and GENERAL AUTHENTICATE took it for PIN-once
     * (fuzz_vpiv, corpora/regressions/fuzz_vpiv/state-slot-*-policy-0-loaded). */
    if (alg == 0 || pin_policy < 1 || pin_policy > 3 || touch_policy < 1 || touch_policy > 3 ||
        origin < ORIGIN_GENERATED || origin > ORIGIN_IMPORTED)
        return CORRUPT("bad key slot record");
    n = ch_cur_left(v);
    if (n == 0 || n > 0x7FFFFFFFu)
        return CORRUPT("bad key slot record");
    ch_cur_rest(v, &dv);
    (void)ch_cur_take(&dv, n, &der);
    p = der;
    key = d2i_AutoPrivateKey(NULL, &p, (long)n);
    if (!key)
        return CORRUPT("unreadable private key");
    if (p != ch_cur_peek_ptr(&dv)) { /* the DER must fill the record */
        EVP_PKEY_free(key);
        return CORRUPT("unreadable private key");
    }
    if (!key_matches_alg(key, alg)) {
        EVP_PKEY_free(key);
        return CORRUPT("key does not match its algorithm");
    }
    s->alg = alg;
    s->pin_policy = pin_policy;
    s->touch_policy = touch_policy;
    s->origin = origin;
    s->key = key;
    return NULL;
}

static const char *parse_object(ch_cur *v, vpiv_card *st)
{
    uint32_t tag;
    size_t n, i;
    uint8_t *data;

    if (!ch_cur_u32be(v, &tag) || !object_tag_ok(tag))
        return CORRUPT("bad object record");
    n = ch_cur_left(v);
    if (n == 0 || n > VPIV_MAX_OBJECT)
        return CORRUPT("bad object record");
    for (i = 0; i < st->n_objects; i++)
        if (st->objects[i].tag == tag)
            return CORRUPT("object stored twice");
    if (st->n_objects >= VPIV_MAX_OBJECTS)
        return CORRUPT("too many objects");
    data = malloc(n);
    if (!data)
        return "out of memory";
    (void)ch_cur_bytes(v, data, n);
    st->objects[st->n_objects].tag = tag;
    st->objects[st->n_objects].len = n;
    st->objects[st->n_objects].data = data;
    st->n_objects++;
    return NULL;
}

/* Parses the whole file into st (a fresh card); NULL on success, else the reason.
 * check_seal is false only through vpiv_state_parse_unsealed (fuzzing builds). */
static const char *parse(const uint8_t *buf, size_t n, vpiv_card *st, bool check_seal)
{
    ch_cur c, body;
    uint8_t magic[4], type, want[HASH_LEN], got[HASH_LEN];
    uint16_t version;
    uint32_t len;
    unsigned int hlen = 0;
    unsigned seen = 0; /* bit per record type that must appear once */

    ch_cur_init(&c, buf, n);
    if (!ch_cur_bytes(&c, magic, sizeof magic) || memcmp(magic, "VPIV", 4) != 0)
        return CORRUPT("bad magic (not a vpiv state file)");
    if (!ch_cur_u16be(&c, &version))
        return CORRUPT("truncated");
    if (version != STATE_VERSION)
        return CORRUPT("unsupported format version");
    if (ch_cur_left(&c) < REC_HDR_LEN + HASH_LEN)
        return CORRUPT("truncated");

    /* The end record first: the records before it are only read once they check out. */
    (void)ch_cur_sub(&c, ch_cur_left(&c) - REC_HDR_LEN - HASH_LEN, &body);
    if (!ch_cur_u8(&c, &type) || type != REC_END || !ch_cur_u32be(&c, &len) ||
        len != HASH_LEN || !ch_cur_bytes(&c, want, HASH_LEN))
        return CORRUPT("no end record at the end (truncated?)");
    if (check_seal) {
        if (EVP_Digest(buf, n - REC_HDR_LEN - HASH_LEN, got, &hlen, EVP_sha256(), NULL) != 1 ||
            hlen != HASH_LEN)
            return "cannot check the state file (SHA-256 unavailable)";
        if (memcmp(want, got, HASH_LEN) != 0)
            return CORRUPT("checksum mismatch");
    }

    while (!ch_cur_empty(&body)) {
        ch_cur v;
        const char *err = NULL;
        unsigned bit = 0;

        if (!ch_cur_u8(&body, &type) || !ch_cur_u32be(&body, &len) ||
            !ch_cur_sub(&body, len, &v))
            return CORRUPT("a record runs past the end record");
        switch (type) {
        case REC_PIN:
            bit = 1;
            err = parse_secret(&v, &st->pin);
            break;
        case REC_PUK:
            bit = 2;
            err = parse_secret(&v, &st->puk);
            break;
        case REC_MGM:
            bit = 4;
            err = parse_mgm(&v, st);
            break;
        case REC_SERIAL:
            bit = 8;
            if (!ch_cur_u32be(&v, &st->serial) || !ch_cur_empty(&v))
                err = CORRUPT("bad serial record");
            break;
        case REC_SLOT:
            err = parse_slot(&v, st);
            break;
        case REC_OBJECT:
            err = parse_object(&v, st);
            break;
        case REC_END:
            return CORRUPT("end record before the end");
        default:
            return CORRUPT("unknown record type");
        }
        if (err)
            return err;
        if (bit) {
            if (seen & bit)
                return CORRUPT("record stored twice");
            seen |= bit;
        }
    }
    if (seen != 15)
        return CORRUPT("a PIN, PUK, management key or serial record is missing");
    return NULL;
}

/* Reads the whole file; *missing when it does not exist. NULL buffer: see *why. */
static uint8_t *read_file(const char *path, size_t *n, bool *missing, const char **why)
{
    int fd = open(path, O_RDONLY | STATE_OPEN_FLAGS);
    struct stat sb;
    uint8_t *buf;
    size_t off = 0, size;

    *missing = false;
    if (fd < 0) {
        *missing = errno == ENOENT;
        *why = "cannot read state file";
        return NULL;
    }
    if (fstat(fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
        (void)close(fd);
        *why = "cannot read state file";
        return NULL;
    }
    if (sb.st_size < 0 || (uint64_t)sb.st_size > STATE_MAX_FILE) {
        (void)close(fd);
        *why = CORRUPT("too large");
        return NULL;
    }
    size = (size_t)sb.st_size;
    buf = malloc(size ? size : 1);
    if (!buf) {
        (void)close(fd);
        *why = "out of memory";
        return NULL;
    }
    while (off < size) {
        ssize_t r = read(fd, buf + off, size - off);
        if (r < 0 && errno == EINTR)
            continue;
        if (r < 0) {
            (void)close(fd);
            ch_wipe(buf, size);
            free(buf);
            *why = "cannot read state file";
            return NULL;
        }
        if (r == 0)
            break; /* shrank under us: parse what is there (it will not check out) */
        off += (size_t)r;
    }
    (void)close(fd);
    *n = off;
    return buf;
}

/* Moves the persistent state of st into card (whose keys and objects are freed). */
static void adopt(vpiv_card *card, vpiv_card *st)
{
    size_t i;
    for (i = 0; i < VPIV_N_SLOTS; i++)
        EVP_PKEY_free(card->slots[i].key);
    for (i = 0; i < card->n_objects; i++) {
        ch_wipe(card->objects[i].data, card->objects[i].len);
        free(card->objects[i].data);
    }
    card->pin = st->pin;
    card->puk = st->puk;
    card->mgm_alg = st->mgm_alg;
    memcpy(card->mgm_key, st->mgm_key, sizeof card->mgm_key);
    card->mgm_touch = st->mgm_touch;
    card->mgm_default = st->mgm_default;
    card->serial = st->serial;
    memcpy(card->slots, st->slots, sizeof card->slots);
    memcpy(card->objects, st->objects, sizeof card->objects);
    card->n_objects = st->n_objects;
    for (i = 0; i < VPIV_N_SLOTS; i++)
        st->slots[i].key = NULL;
    memset(st->objects, 0, sizeof st->objects);
    st->n_objects = 0;
}

/* A file image into card: parsed into a fresh card first, adopted only if all of it checks
 * out, so a corrupt image leaves card untouched. */
static bool parse_into(vpiv_card *card, const uint8_t *p, size_t n, bool check_seal,
                       const char **why)
{
    const char *err;
    vpiv_card *st = vpiv_new(NULL, NULL);

    if (!st) {
        err = "out of memory";
    } else if (n > STATE_MAX_FILE) { /* what read_file refuses, whoever brings the image */
        err = CORRUPT("too large");
    } else {
        err = parse(p, n, st, check_seal);
        if (!err)
            adopt(card, st);
    }
    vpiv_free(st);
    if (err && why)
        *why = err;
    return err == NULL;
}

bool vpiv_state_parse(vpiv_card *card, const uint8_t *p, size_t n, const char **why)
{
    return parse_into(card, p, n, true, why);
}

#ifdef FUZZING_BUILD_MODE_UNSAFE_FOR_PRODUCTION
bool vpiv_state_parse_unsealed(vpiv_card *card, const uint8_t *p, size_t n, const char **why)
{
    return parse_into(card, p, n, false, why);
}
#endif

bool vpiv_load(vpiv_card *card, const char *path, const char **why)
{
    const char *err = NULL;
    bool missing, ok;
    size_t n = 0;
    uint8_t *buf = read_file(path, &n, &missing, &err);

    if (!buf) {
        if (missing) { /* a new card: keep the fresh state and create its file */
            if (save_to(card, path))
                return true;
            err = "cannot write state file";
        }
        if (why)
            *why = err;
        return false;
    }
    ok = vpiv_state_parse(card, buf, n, why);
    ch_wipe(buf, n);
    free(buf);
    return ok;
}
