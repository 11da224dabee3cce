/* sarif: a SARIF 2.1.0 log (OASIS, https://docs.oasis-open.org/sarif/sarif/v2.1.0/) of triaged
 * findings, for code-scanning tools (GitHub code scanning reads it).
 *
 * One run, tool.driver.name "mdreplay", one rule per kind (ch_rp_kind_name as ruleId, with a
 * short description and a default level: error for write/crash/read/invariant, warning for
 * leak/ub/timeout/oom), one result per unique stack hash: ruleId, level, message.text (the
 * headline and how many findings share the hash), locations[0] the first frame with a file
 * (artifactLocation.uri relative to the source root with uriBaseId "SRCROOT", region.startLine),
 * partialFingerprints {"stackHash/v1": hash}, and properties {target, finding (the kept file's
 * path), duplicates, sanitizer, bugType}. Results are written in the order given (entries whose
 * rp is NULL are skipped). A frame file outside the root (an absolute path) is written as a
 * file:// URI without uriBaseId; paths are percent-encoded. A CLEAN report (the finding did not
 * reproduce) has its rule "clean" with level "note". */
#ifndef CH_REPLAY_SARIF_H
#define CH_REPLAY_SARIF_H

#include <stddef.h>
#include <stdio.h>

#include "report.h"

typedef struct ch_sarif_result {
    const char *target;      /* fuzz target name */
    const char *finding;     /* path of the kept finding file */
    size_t duplicates;       /* findings with this hash, this one included */
    const ch_rp_report *rp;
} ch_sarif_result;

/* Writes the whole log; returns 0, or -1 when a write failed. */
int ch_sarif_write(FILE *f, const char *tool_version, const ch_sarif_result *results,
                   size_t n);

#endif
