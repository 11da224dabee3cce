/* The card's file names (docs/card-mapping.md "Files"). */
#include <string.h>

#include "md_fs.h"
#include "md_names.h"

#define NAME_MAX_CHARS 8u /* the CSP's names are at most 8 ANSI characters */

/* s equals want (one of our names, at most NAME_MAX_CHARS). s is read no further than want's
 * terminator, and never past its own: the first byte that differs stops the loop. */
static bool name_is(LPCSTR s, const char *want)
{
    size_t n = strlen(want);
    for (size_t i = 0; i <= n; i++)
        if (s[i] != want[i])
            return false;
    return true;
}

static bool name_ok(LPCSTR s)
{
    for (size_t i = 0; i <= NAME_MAX_CHARS; i++)
        if (!s[i])
            return i > 0;
    return false;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9')
        return c - '0';
    if (c >= 'a' && c <= 'f')
        return c - 'a' + 10;
    return -1; /* the CSP writes lower case */
}

/* Resolves dir/file. Returns INVALID_PARAMETER for a malformed name, DIR_NOT_FOUND or
 * FILE_NOT_FOUND for a name that is well formed but not on this card. */
DWORD ch_md_resolve(LPCSTR dir, LPCSTR file, ch_md_file_ref *r)
{
    memset(r, 0, sizeof *r);
    if (dir && !dir[0])
        dir = NULL; /* "" is the root, like NULL */
    if (!file || !name_ok(file) || (dir && !name_ok(dir)))
        return SCARD_E_INVALID_PARAMETER;
    if (!dir) {
        if (name_is(file, "cardid"))
            r->kind = CH_F_CARDID;
        else if (name_is(file, "cardcf"))
            r->kind = CH_F_CARDCF;
        else if (name_is(file, "cardapps"))
            r->kind = CH_F_CARDAPPS;
        else
            return SCARD_E_FILE_NOT_FOUND;
        return SCARD_S_SUCCESS;
    }
    if (!name_is(dir, "mscp"))
        return SCARD_E_DIR_NOT_FOUND;
    if (name_is(file, "cmapfile")) {
        r->kind = CH_F_CMAPFILE;
        return SCARD_S_SUCCESS;
    }
    /* kscNN / kxcNN: NN the container index in two lower-case hex digits. */
    if (file[0] == 'k' && (file[1] == 's' || file[1] == 'x') && file[2] == 'c' && file[3] &&
        file[4] && !file[5]) {
        int hi = hexval(file[3]), lo = hexval(file[4]);
        if (hi >= 0 && lo >= 0 && hi * 16 + lo < (int)CH_MD_MAX_CONTAINERS) {
            r->kind = CH_F_CERT;
            r->idx = (BYTE)(hi * 16 + lo);
            r->signature = file[1] == 's';
            return SCARD_S_SUCCESS;
        }
    }
    return SCARD_E_FILE_NOT_FOUND;
}

DWORD ch_md_resolve_dir(LPCSTR dir)
{
    if (!dir || !dir[0])
        return SCARD_S_SUCCESS;
    if (!name_ok(dir))
        return SCARD_E_INVALID_PARAMETER;
    return name_is(dir, "mscp") ? SCARD_S_SUCCESS : SCARD_E_DIR_NOT_FOUND;
}
