/*
 * listen.c: listening sockets (see listen.h).
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "addr.h"
#include "listen.h"
#include "log.h"

#define LISTEN_BACKLOG		512
#define LISTEN_ACCEPTS_MAX	64	/* per readiness event */

struct lst {
	LIST_ENTRY(lst)	 entry;
	enum listen_kind kind;
	char		*text;
	int		 is_unix;
	char		 path[108];
	size_t		 n;
	int		 fd[ADDR_MAX];
	ev_io		 w[ADDR_MAX];
	int		 keep;		/* marked during a sync */
	int		 tls;		/* accept TLS */
};

static LIST_HEAD(, lst)	 lsts = LIST_HEAD_INITIALIZER(lsts);
static struct ev_loop	*lloop;
static listen_accept_fn	 lacc;

void
listen_init(struct ev_loop *loop, listen_accept_fn fn)
{
	lloop = loop;
	lacc = fn;
}

static void
listen_accept(struct ev_loop *loop, ev_io *w, int revents)
{
	struct lst		*l = w->data;
	struct sockaddr_storage	 ss;
	socklen_t		 len;
	char			 peer[ADDR_STR_MAX];
	int			 fd, i;

	(void)revents;
	for (i = 0; i < LISTEN_ACCEPTS_MAX; i++) {
		len = sizeof(ss);
		fd = accept4(w->fd, (struct sockaddr *)&ss, &len,
		    SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (fd == -1) {
			if (errno != EAGAIN && errno != EINTR &&
			    errno != ECONNABORTED)
				log_warn("accept on %s", l->text);
			return;
		}
		if (ss.ss_family == AF_UNIX)
			(void)snprintf(peer, sizeof(peer), "%s", l->text);
		else
			addr_format((struct sockaddr *)&ss, len, peer,
			    sizeof(peer));
		lacc(loop, l->kind, fd, peer, l->tls);
	}
}

static void
listen_free(struct lst *l)
{
	size_t	i;

	for (i = 0; i < l->n; i++) {
		ev_io_stop(lloop, &l->w[i]);
		(void)close(l->fd[i]);
	}
	if (l->is_unix)
		(void)unlink(l->path);
	free(l->text);
	free(l);
}

static int
listen_socket(const struct addr *a, const char *text)
{
	const struct sockaddr_un	*sun;
	struct stat			 st;
	int				 fd, one = 1;

	if (a->ss.ss_family == AF_UNIX) {
		sun = (const struct sockaddr_un *)(const void *)&a->ss;
		if (lstat(sun->sun_path, &st) == 0 && S_ISSOCK(st.st_mode))
			(void)unlink(sun->sun_path);
	}
	fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (fd == -1) {
		log_warn("listen %s: socket", text);
		return -1;
	}
	if (a->ss.ss_family != AF_UNIX)
		(void)setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one,
		    sizeof(one));
	if (a->ss.ss_family == AF_INET6)
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one,
		    sizeof(one));
	if (bind(fd, (const struct sockaddr *)&a->ss, a->len) == -1 ||
	    listen(fd, LISTEN_BACKLOG) == -1) {
		log_warn("listen %s", text);
		(void)close(fd);
		return -1;
	}
	return fd;
}

static struct lst *
listen_open(enum listen_kind kind, const struct config_listen *cl)
{
	struct lst	*l;
	size_t		 i;
	int		 fd;

	if ((l = calloc(1, sizeof(*l))) == NULL ||
	    (l->text = strdup(cl->text)) == NULL)
		fatal("calloc");
	l->kind = kind;
	l->tls = cl->tls;
	l->is_unix = cl->addrs.is_unix;
	for (i = 0; i < cl->addrs.n; i++) {
		if ((fd = listen_socket(&cl->addrs.a[i], cl->text)) == -1) {
			listen_free(l);
			return NULL;
		}
		if (l->is_unix)
			(void)snprintf(l->path, sizeof(l->path), "%s",
			    ((const struct sockaddr_un *)(const void *)
			    &cl->addrs.a[i].ss)->sun_path);
		l->fd[l->n] = fd;
		ev_io_init(&l->w[l->n], listen_accept, fd, EV_READ);
		l->w[l->n].data = l;
		l->n++;
	}
	return l;
}

static struct lst *
listen_find(enum listen_kind kind, const char *text)
{
	struct lst	*l;

	LIST_FOREACH(l, &lsts, entry)
		if (l->kind == kind && strcmp(l->text, text) == 0)
			return l;
	return NULL;
}

/* Kept listeners take the TLS flag of the new config. */
static void
listen_set_tls(enum listen_kind kind, const struct config_listen *cl,
    size_t n)
{
	struct lst	*l;
	size_t		 i;

	for (i = 0; i < n; i++) {
		if ((l = listen_find(kind, cl[i].text)) == NULL ||
		    l->tls == cl[i].tls)
			continue;
		l->tls = cl[i].tls;
		log_info("listener %s now speaks %s", l->text, l->tls ?
		    "TLS" : "h2c");
	}
}

int
listen_sync(enum listen_kind kind, const struct config_listen *cl, size_t n)
{
	LIST_HEAD(, lst)	 fresh = LIST_HEAD_INITIALIZER(fresh);
	struct lst		*l, *next;
	size_t			 i, j;

	LIST_FOREACH(l, &lsts, entry)
		l->keep = 0;
	for (i = 0; i < n; i++) {
		if ((l = listen_find(kind, cl[i].text)) != NULL) {
			l->keep = 1;
			continue;
		}
		if ((l = listen_open(kind, &cl[i])) == NULL)
			goto fail;
		LIST_INSERT_HEAD(&fresh, l, entry);
	}
	for (l = LIST_FIRST(&lsts); l != NULL; l = next) {
		next = LIST_NEXT(l, entry);
		if (l->kind == kind && !l->keep) {
			log_info("no longer listening on %s", l->text);
			LIST_REMOVE(l, entry);
			listen_free(l);
		}
	}
	listen_set_tls(kind, cl, n);
	while ((l = LIST_FIRST(&fresh)) != NULL) {
		LIST_REMOVE(l, entry);
		for (j = 0; j < l->n; j++)
			ev_io_start(lloop, &l->w[j]);
		log_info("listening on %s%s", l->text,
		    kind == LISTEN_ADMIN ? " (admin)" : l->tls ? " (TLS)" :
		    " (h2c)");
		LIST_INSERT_HEAD(&lsts, l, entry);
	}
	return 0;
fail:
	while ((l = LIST_FIRST(&fresh)) != NULL) {
		LIST_REMOVE(l, entry);
		listen_free(l);
	}
	return -1;
}

void
listen_close_all(void)
{
	struct lst	*l;

	while ((l = LIST_FIRST(&lsts)) != NULL) {
		LIST_REMOVE(l, entry);
		listen_free(l);
	}
}
