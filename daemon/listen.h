/*
 * listen.h: listening sockets (TCP and unix:/path) on the event loop.
 *
 * A listen set is keyed by the address text from the config, so a reload
 * keeps the sockets whose text did not change and opens or closes only
 * the difference.  Whether a data listener speaks TLS ("listen =
 * tls:ADDR") is a property of the open socket that a reload may flip
 * without closing it; connections already accepted keep what they had.  Unix socket paths are unlinked before bind (if a
 * socket is there) and after close.
 *
 * Ownership: listen_sync() owns the listeners it opens; listen_close_all()
 * closes them.
 */
#ifndef LISTEN_H
#define LISTEN_H

#include <ev.h>

#include "config.h"

enum listen_kind {
	LISTEN_DATA,
	LISTEN_ADMIN
};

/*
 * Called for each accepted connection (fd is nonblocking, close-on-exec);
 * tls is the listener's current TLS flag.
 */
typedef void	(*listen_accept_fn)(struct ev_loop *, enum listen_kind, int fd,
		    const char *peer, int tls);

void	listen_init(struct ev_loop *, listen_accept_fn);

/*
 * Makes the open set of kind equal to texts[0..n) (addrs[i] resolved).
 * New sockets are opened first; on any failure they are closed again,
 * the old set is untouched and -1 is returned.  On success, listeners no
 * longer named are closed.
 */
int	listen_sync(enum listen_kind, const struct config_listen *, size_t n);

/* Stops accepting: closes every listener of every kind. */
void	listen_close_all(void);

#endif /* LISTEN_H */
