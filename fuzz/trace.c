/* trace: JSON lines for mdreplay show (trace.h). The file is opened once per process and
 * flushed after every event, so a trace survives the abort of an invariant failure or a
 * sanitizer report: it ends at the last event before the crash. */
#include "trace.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>

static FILE *trace_file;
static int trace_state; /* 0: not looked yet, 1: on, -1: off */

bool ch_trace_on(void)
{
    if (trace_state == 0) {
        const char *path = getenv(CH_TRACE_ENV);
        trace_file = path && *path ? fopen(path, "a") : NULL;
        trace_state = trace_file ? 1 : -1;
    }
    return trace_state > 0;
}

static void put_hex(const uint8_t *p, size_t n)
{
    for (size_t i = 0; i < n; i++)
        fprintf(trace_file, "%02X", p[i]);
}

/* A JSON string: printable ASCII as is, the rest escaped (the harness writes ASCII names). */
static void put_str(const char *s)
{
    fputc('"', trace_file);
    for (; s && *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            fprintf(trace_file, "\\%c", ch);
        else if (ch < 0x20 || ch >= 0x7F)
            fprintf(trace_file, "\\u%04X", ch);
        else
            fputc(ch, trace_file);
    }
    fputc('"', trace_file);
}

void ch_trace_exchange(const uint8_t *capdu, size_t capdu_len, const uint8_t *rapdu,
                       size_t rapdu_len, uint32_t rc)
{
    if (!ch_trace_on())
        return;
    fputs("{\"ev\":\"apdu\",\"c\":\"", trace_file);
    put_hex(capdu, capdu_len);
    fputs("\",\"r\":\"", trace_file);
    if (rc == 0)
        put_hex(rapdu, rapdu_len);
    fprintf(trace_file, "\",\"rc\":%lu}\n", (unsigned long)rc);
    fflush(trace_file);
}

void ch_trace_observe(void *arg, const uint8_t *capdu, size_t capdu_len, const uint8_t *rapdu,
                      size_t rapdu_len, uint32_t rc)
{
    (void)arg;
    ch_trace_exchange(capdu, capdu_len, rapdu, rapdu_len, rc);
}

void ch_trace_call(const char *name, const char *detail, uint32_t rc)
{
    if (!ch_trace_on())
        return;
    fputs("{\"ev\":\"call\",\"name\":", trace_file);
    put_str(name);
    fputs(",\"detail\":", trace_file);
    put_str(detail ? detail : "");
    fprintf(trace_file, ",\"rc\":%lu}\n", (unsigned long)rc);
    fflush(trace_file);
}

void ch_trace_note(const char *fmt, ...)
{
    char text[512];
    va_list ap;

    if (!ch_trace_on())
        return;
    va_start(ap, fmt);
    vsnprintf(text, sizeof text, fmt, ap);
    va_end(ap);
    fputs("{\"ev\":\"note\",\"text\":", trace_file);
    put_str(text);
    fputs("}\n", trace_file);
    fflush(trace_file);
}
