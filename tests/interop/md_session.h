/* The CSP side shared by md-read and md-write: one card module session through a real PC/SC
 * reader, and the few outputs both write. */
#ifndef CH_MD_SESSION_H
#define CH_MD_SESSION_H

#include <stddef.h>

#include "cardmod.h"

#define MD_EXIT_MD 1        /* a minidriver call or a check failed */
#define MD_EXIT_USAGE 2     /* usage, an unreadable input, OUTDIR not writable */
#define MD_EXIT_NO_READER 77

/* The program's name, the prefix of every message ("md-read"). Set by main. */
extern const char *md_prog;

/* Prints "<prog>: call(what) failed: 0x..." and returns MD_EXIT_MD. */
int md_failed(const char *call, const char *what, DWORD rc);

/* Writes len bytes to dir/name: 0, or MD_EXIT_USAGE with the reason printed. */
int md_put_file(const char *dir, const char *name, const void *data, size_t len);

/* CardGetContainerInfo of idx: its public key blobs, raw, to dir/pubNN.sig and dir/pubNN.kx
 * (NN two lower-case hex digits), each only when present. An exit status. */
int md_save_container_keys(PCARD_DATA cd, BYTE idx, const char *dir);

/* dlopens lib, connects to the reader named in $CH_READER, CardAcquireContext with dwVersion
 * 7, runs fn, CardDeleteContext; then the counting allocator must hold nothing. Prints
 * "<prog>: ok" on success. An exit status (fn's when it fails). */
int md_session_run(const char *lib, int (*fn)(PCARD_DATA cd, void *arg), void *arg);

#endif
