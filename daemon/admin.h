/*
 * admin.h: the admin HTTP listener: /healthz, /readyz, /metrics.
 *
 * HTTP/1.x, one request per connection, GET only, request head capped at
 * ADMIN_REQ_MAX bytes and ADMIN_TIMEOUT_S seconds.  Each connection is
 * owned by this module and freed when answered or timed out.
 */
#ifndef ADMIN_H
#define ADMIN_H

#include <ev.h>

#define ADMIN_REQ_MAX		4096
#define ADMIN_TIMEOUT_S		5.0
#define ADMIN_CONNS_MAX		64

/* Answers "ready" for /readyz: 1 when the daemon can serve. */
typedef int	(*admin_ready_fn)(void);

void	admin_init(admin_ready_fn);
void	admin_accept(struct ev_loop *, int fd);
void	admin_close_all(struct ev_loop *);

#endif /* ADMIN_H */
