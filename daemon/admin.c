/*
 * admin.c: /healthz, /readyz and /metrics over HTTP/1.x (see admin.h).
 */
#include <sys/types.h>
#include <sys/queue.h>
#include <sys/socket.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "admin.h"
#include "audit.h"
#include "log.h"
#include "metrics.h"

struct adm {
	LIST_ENTRY(adm)	 entry;
	int		 fd;
	ev_io		 rd;
	ev_timer	 to;
	char		 req[ADMIN_REQ_MAX + 1];
	size_t		 len;
};

static LIST_HEAD(, adm)	adms = LIST_HEAD_INITIALIZER(adms);
static unsigned		nadms;
static admin_ready_fn	ready_fn;

void
admin_init(admin_ready_fn fn)
{
	ready_fn = fn;
}

static void
admin_free(struct ev_loop *loop, struct adm *a)
{
	ev_io_stop(loop, &a->rd);
	ev_timer_stop(loop, &a->to);
	(void)close(a->fd);
	LIST_REMOVE(a, entry);
	nadms--;
	free(a);
}

/* Best effort: a short blocking-free send; admin answers are small. */
static void
admin_send(int fd, int code, const char *reason, const char *ctype,
    const char *body)
{
	char	head[256];
	size_t	blen = strlen(body);
	int	n;

	n = snprintf(head, sizeof(head), "HTTP/1.1 %d %s\r\nContent-Type: "
	    "%s\r\nContent-Length: %zu\r\nConnection: close\r\n\r\n", code,
	    reason, ctype, blen);
	if (n < 0 || (size_t)n >= sizeof(head))
		return;
	(void)send(fd, head, (size_t)n, MSG_NOSIGNAL);
	(void)send(fd, body, blen, MSG_NOSIGNAL);
}

static void
admin_answer(struct adm *a)
{
	char	*sp, *path, *m;
	int	 ready = ready_fn != NULL ? ready_fn() : 0;

	if (strncmp(a->req, "GET ", 4) != 0) {
		admin_send(a->fd, 405, "Method Not Allowed", "text/plain",
		    "GET only\n");
		return;
	}
	path = a->req + 4;
	if ((sp = strchr(path, ' ')) != NULL)
		*sp = '\0';
	if (strcmp(path, "/healthz") == 0)
		admin_send(a->fd, 200, "OK", "text/plain", "ok\n");
	else if (strcmp(path, "/readyz") == 0)
		admin_send(a->fd, ready ? 200 : 503, ready ? "OK" :
		    "Service Unavailable", "text/plain", ready ? "ready\n" :
		    "not ready\n");
	else if (strcmp(path, "/metrics") == 0) {
		if ((m = metrics_format(audit_drops(), ready)) == NULL) {
			admin_send(a->fd, 500, "Internal Server Error",
			    "text/plain", "no memory\n");
			return;
		}
		admin_send(a->fd, 200, "OK",
		    "text/plain; version=0.0.4", m);
		free(m);
	} else
		admin_send(a->fd, 404, "Not Found", "text/plain",
		    "not found\n");
}

static void
admin_read(struct ev_loop *loop, ev_io *w, int revents)
{
	struct adm	*a = w->data;
	ssize_t		 n;

	(void)revents;
	n = recv(a->fd, a->req + a->len, ADMIN_REQ_MAX - a->len, 0);
	if (n == -1 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0) {
		admin_free(loop, a);
		return;
	}
	a->len += (size_t)n;
	a->req[a->len] = '\0';
	if (strstr(a->req, "\r\n\r\n") == NULL &&
	    strstr(a->req, "\n\n") == NULL) {
		if (a->len < ADMIN_REQ_MAX)
			return;
		admin_send(a->fd, 431, "Request Header Fields Too Large",
		    "text/plain", "too large\n");
	} else
		admin_answer(a);
	admin_free(loop, a);
}

static void
admin_timeout(struct ev_loop *loop, ev_timer *w, int revents)
{
	(void)revents;
	admin_free(loop, w->data);
}

void
admin_accept(struct ev_loop *loop, int fd)
{
	struct adm	*a;

	if (nadms >= ADMIN_CONNS_MAX || (a = calloc(1, sizeof(*a))) == NULL) {
		(void)close(fd);
		return;
	}
	a->fd = fd;
	ev_io_init(&a->rd, admin_read, fd, EV_READ);
	ev_timer_init(&a->to, admin_timeout, ADMIN_TIMEOUT_S, 0.);
	a->rd.data = a->to.data = a;
	LIST_INSERT_HEAD(&adms, a, entry);
	nadms++;
	ev_io_start(loop, &a->rd);
	ev_timer_start(loop, &a->to);
}

void
admin_close_all(struct ev_loop *loop)
{
	while (!LIST_EMPTY(&adms))
		admin_free(loop, LIST_FIRST(&adms));
}
