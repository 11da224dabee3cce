/* scard_names: the SCARD_* name of a result code, for transcripts and JSON. */
#ifndef CH_REPLAY_SCARD_NAMES_H
#define CH_REPLAY_SCARD_NAMES_H

#include <stdint.h>

/* "SCARD_E_INVALID_PARAMETER", ...; NULL for a code scarderr.h does not define. */
const char *ch_scard_name(uint32_t rc);

#endif
