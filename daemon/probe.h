/*
 * probe.h: is the upstream usable?  The answer behind /readyz.
 *
 * The data plane reports every upstream connection attempt (probe_note):
 * ready after a connection got all the way to HTTP/2 (TLS verified when
 * upstream_tls = on), not ready after one failed.  With 1:1 mapping
 * there may be no upstream connection at all (no worker connected), so
 * while none is open a probe every PROBE_INTERVAL_S does what a real
 * connection does: TCP connect, the TLS handshake with the configured
 * CA, client certificate and server name (when upstream_tls = on), then
 * the HTTP/2 preface, and counts as ready only when the frontend answers
 * with its SETTINGS.  So a wrong CA, a name mismatch, a refused client
 * certificate or a server that does not speak HTTP/2 all read "not
 * ready", not just a closed port.
 *
 * Single-threaded (the event loop).  No ownership to hand over.
 */
#ifndef PROBE_H
#define PROBE_H

#include <ev.h>

#include "config.h"

#define PROBE_INTERVAL_S	2.0	/* also the probe's time limit */
#define PROBE_WHY_MAX		256

/* getcf returns the running configuration (NULL: none yet). */
void	probe_start(struct ev_loop *, struct config *(*getcf)(void));
void	probe_stop(void);

/* A connection's outcome: ok 1, or 0 with why (logged on a change). */
void	probe_note(int ok, const char *why);

/* 1 when the last outcome was good. */
int	probe_ok(void);

/* Why not ready ("" when ready). */
const char	*probe_why(void);

#endif /* PROBE_H */
