/* What the card (md_props.c) and container (md_cprops.c) properties share. Internal to md. */
#ifndef CH_MD_PROPS_H
#define CH_MD_PROPS_H

#include <stdbool.h>
#include <stddef.h>

#include "cardmod.h"

/* Longest property name compared, terminator included (the longest defined,
 * "Supports Windows x.509 Enrollment", is 34 units). */
#define CH_MD_PROP_NAME_MAX 64u

/* name (CSP-supplied, read at most CH_MD_PROP_NAME_MAX units) is exactly want. */
bool ch_md_prop_is(LPCWSTR name, LPCWSTR want);

/* A property value of n bytes out: cbData < n -> *pdwDataLen = n, ERROR_INSUFFICIENT_BUFFER,
 * pbData untouched; else the bytes copied (pbData may be unaligned) and *pdwDataLen = n. */
DWORD ch_md_prop_put(PBYTE pbData, DWORD cbData, PDWORD pdwDataLen, const void *v, size_t n);

/* The dwVersion the caller set in a versioned structure at pbData (at least 4 bytes, may be
 * unaligned): above current -> ERROR_REVISION_MISMATCH; 0 means 1 (cardmod.md). */
DWORD ch_md_prop_version(const BYTE *pbData, DWORD current, DWORD *version);

#endif
