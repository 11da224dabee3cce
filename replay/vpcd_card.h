/*
 * vpcd_card: plug an emulated card into vsmartcard's vpcd reader driver.
 *
 * vpcd (the IFD handler loaded by pcscd) listens on a TCP port; the card program connects to it.
 * Every message in both directions is a 2-byte big-endian length followed by that many bytes.
 * A 1-byte message from vpcd is a control (power off, power on, reset, get ATR); the ATR is
 * answered as a normal message. Any other message is a command APDU, answered with a response
 * APDU message.
 *
 * The library holds no global state: everything lives on the caller's stack or in buffers that
 * ch_vpcd_serve allocates and frees itself.
 */
#ifndef CH_REPLAY_VPCD_CARD_H
#define CH_REPLAY_VPCD_CARD_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

/* Events passed to ch_vpcd_event_fn (the control byte vpcd sent). */
enum {
    CH_VPCD_EVENT_POWER_OFF = 0,
    CH_VPCD_EVENT_POWER_ON = 1,
    CH_VPCD_EVENT_RESET = 2
};

/* Largest payload of one message: the length prefix is 16 bits. */
#define CH_VPCD_MAX_MESSAGE 65535u
/* Size of the buffer handed to the APDU callback (rapdu_cap). An answer must still fit one
 * message, i.e. be at most CH_VPCD_MAX_MESSAGE bytes long. */
#define CH_VPCD_RAPDU_BUFFER 65538u
/* ATR length bounds accepted by ch_vpcd_serve (ISO/IEC 7816-3: TS + at most 32 bytes). */
#define CH_VPCD_ATR_MIN 2u
#define CH_VPCD_ATR_MAX 33u
/* Default vpcd port (0x8C7B), as in vsmartcard's own reader.conf. */
#define CH_VPCD_DEFAULT_PORT 35963u

/* Answer one command APDU. Write at most rapdu_cap bytes to rapdu and their number to
 * *rapdu_len (2..CH_VPCD_MAX_MESSAGE: at least SW1 SW2). Return 0 on success; any other value
 * makes ch_vpcd_serve drop the connection, which vpcd reports as a card removal. */
typedef int (*ch_vpcd_apdu_fn)(void *ctx, const uint8_t *capdu, size_t capdu_len,
                               uint8_t *rapdu, size_t rapdu_cap, size_t *rapdu_len);

/* Optional: told about power off / power on / reset (CH_VPCD_EVENT_*). */
typedef void (*ch_vpcd_event_fn)(void *ctx, int event);

/* Connect to vpcd at host:port and serve until vpcd closes the connection, an error happens,
 * *stop becomes non-zero (checked at least every 200 ms) or the APDU callback asks to drop the
 * connection.
 *
 * host: a numeric loopback address (127.0.0.0/8 or ::1) or "localhost"; anything else is
 *       refused. NULL means 127.0.0.1.
 * atr:  answered to every "get ATR" control, CH_VPCD_ATR_MIN..CH_VPCD_ATR_MAX bytes.
 * connect_timeout_ms: how long to keep retrying the connection while nobody listens (vpcd only
 *       listens once pcscd has loaded the driver). 0 = one attempt, negative = until *stop.
 * stop: may be NULL; typically set from a signal handler.
 *
 * Returns 0 on orderly end (EOF from vpcd, *stop, or a drop requested by the APDU callback),
 * a negative CH_VPCD_E* value on errors, after printing a one-line reason on stderr. */
int ch_vpcd_serve(const char *host, uint16_t port, const uint8_t *atr, size_t atr_len,
                  ch_vpcd_apdu_fn fn, ch_vpcd_event_fn ev, void *ctx, int connect_timeout_ms,
                  volatile int *stop);

/* Negative return values of ch_vpcd_serve. */
enum {
    CH_VPCD_EARG = -1,      /* bad argument (host not loopback, ATR length, NULL callback) */
    CH_VPCD_ECONNECT = -2,  /* could not connect before the timeout */
    CH_VPCD_EPROTO = -3,    /* malformed message from vpcd, or a bad answer from the callback */
    CH_VPCD_EIO = -4,       /* socket error, or EOF in the middle of a message */
    CH_VPCD_ENOMEM = -5     /* buffer allocation failed */
};

#ifdef __cplusplus
}
#endif

#endif /* CH_REPLAY_VPCD_CARD_H */
