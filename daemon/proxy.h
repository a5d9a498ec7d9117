/*
 * proxy.h: the data plane.  One downstream HTTP/2 connection (a worker)
 * is paired with one upstream HTTP/2 connection (the frontend): 1:1
 * connection mapping, each downstream stream becomes one upstream stream.
 *
 * Why 1:1 and not a shared pool: a Temporal worker multiplexes all its
 * RPCs on one or a few connections, so 1:1 costs the frontend few extra
 * connections, while it keeps each worker's flow control, SETTINGS,
 * GOAWAY and failures isolated from every other worker's (a slow worker
 * can only stall its own upstream connection), keeps per-connection
 * identity (mTLS, API keys) to one client, and needs no stream-ID
 * translation across clients.  An upstream GOAWAY is not passed on: the
 * streams the frontend accepted finish on the old connection while the
 * pair opens a fresh one for new streams (and resends the ones it
 * refused unseen), so the worker sees nothing (proxy.c).
 *
 * TLS (tls.h) on either side sits between the socket and nghttp2:
 * writes (frames gathered from nghttp2_session_mem_send into one buffer
 * per connection) and reads go through it, and a failed or timed-out
 * upstream handshake is an upstream failure like a refused connect
 * (streams end UNAVAILABLE naming the TLS problem, then backoff).
 *
 * Worker disconnect: when the worker's connection closes, the pair's
 * upstream connection stays (an "orphan", without the worker) only while
 * it has work: PollActivityTaskQueue responses already arriving are read,
 * decided and failed upstream as retryable instead of delivered, and
 * RespondActivityTaskFailed calls the sidecar still has to make finish
 * with their retries; long polls still waiting and pass-through calls
 * are cancelled (RST_STREAM CANCEL).  orphan_drain_timeout bounds it in
 * time and PX_MAX_ORPHANS in number; what is left then is audited
 * task_lost with why.
 *
 * Ownership: px_pair_new() takes the accepted fd; pairs free themselves
 * when both sides are done.  The pair holds a config reference.
 */
#ifndef PROXY_H
#define PROXY_H

#include <ev.h>

#include "config.h"

#define PX_MAX_CONNS		4096	/* downstream connections */
#define PX_MAX_STREAMS		4096	/* concurrent streams per connection */
#define PX_STREAM_WINDOW	(256 * 1024)
#define PX_CONN_WINDOW		(8 * 1024 * 1024)
#define PX_HDR_MAX_N		256	/* header fields per block */
#define PX_HDR_MAX_BYTES	(64 * 1024)
#define PX_BACKOFF_MIN_MS	100
#define PX_BACKOFF_MAX_MS	5000
#define PX_CONNECT_TIMEOUT_MS	5000
#define PX_REPLAY_MAX		(16 * 1024)	/* request bytes kept for a
						   resend after GOAWAY */
#define PX_DRAIN_NOTICE_S	1.0	/* shutdown notice to final GOAWAY */
#define PX_MAX_ORPHANS		PX_MAX_CONNS	/* closed worker connections
						   whose upstream still has
						   work (orphan_drain_timeout) */

/*
 * Takes fd (accepted, nonblocking); peer is a printable address.  tls:
 * the worker speaks TLS (cf->down_tls): the upstream connection waits
 * for its handshake, which must finish within tls_handshake_timeout.
 */
void	px_pair_new(struct ev_loop *, int fd, const char *peer, int tls,
	    struct config *);

/*
 * Graceful shutdown: GOAWAY to every worker (a notice, then the final one
 * PX_DRAIN_NOTICE_S later); in-flight streams go on.
 */
void	px_drain_all(void);

/* Closes every connection now (end of shutdown_grace). */
void	px_close_all(void);

/*
 * Open downstream connections, plus the upstream connections still
 * finishing the work of a closed one (shutdown waits for both).
 */
unsigned	px_pair_count(void);

#endif /* PROXY_H */
