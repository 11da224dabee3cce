/* The card's file names (docs/card-mapping.md "Files"): what a CSP's directory and file name
 * strings resolve to. Shared by the read side (md_files.c) and the write side (md_write.c). */
#ifndef CH_MD_NAMES_H
#define CH_MD_NAMES_H

#include <stdbool.h>

#include "cardmod.h"

typedef enum {
    CH_F_NONE, CH_F_CARDID, CH_F_CARDCF, CH_F_CARDAPPS, CH_F_CMAPFILE, CH_F_CERT
} ch_md_file_kind;

typedef struct ch_md_file_ref {
    ch_md_file_kind kind;
    BYTE idx;       /* CH_F_CERT: container index */
    bool signature; /* CH_F_CERT: ksc (true) or kxc */
} ch_md_file_ref;

/* Resolves dir/file (NULL or "" dir is the root). SCARD_E_INVALID_PARAMETER for a malformed
 * name (NULL file, empty, longer than 8 characters), SCARD_E_DIR_NOT_FOUND or
 * SCARD_E_FILE_NOT_FOUND for a name that is well formed but not on this card. No string is
 * read past its terminator or past 9 characters. */
DWORD ch_md_resolve(LPCSTR dir, LPCSTR file, ch_md_file_ref *r);

/* Whether dir names a directory of this card: NULL/"" (root) or "mscp". Same errors. */
DWORD ch_md_resolve_dir(LPCSTR dir);

#endif
