/*
 * probe.c: upstream readiness (see probe.h).
 *
 * One probe at a time: connect, [TLS handshake,] send the HTTP/2 client
 * preface with an empty SETTINGS frame, read the first frame header and
 * want a SETTINGS frame on stream 0.  A probe that has not finished by
 * the next tick counts as a failure.
 */
#include <sys/types.h>
#include <sys/socket.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "metrics.h"
#include "probe.h"
#include "tls.h"

/* Client preface (RFC 9113 section 3.4) and an empty SETTINGS frame. */
static const char	probe_preface[] =
	"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\4\0\0\0\0\0";
#define PROBE_PREFACE_LEN	(sizeof(probe_preface) - 1)
#define PROBE_FRAME_HDR		9
#define PROBE_SETTINGS		4

enum probe_step {
	PROBE_IDLE,
	PROBE_CONNECT,
	PROBE_TLS,
	PROBE_SEND,
	PROBE_RECV
};

static struct {
	struct ev_loop		*loop;
	struct config		*(*getcf)(void);
	ev_timer		 tick;
	ev_io			 io;
	int			 fd;
	enum probe_step		 step;
	struct tls_conn		*tls;
	size_t			 sent, got;
	uint8_t			 hdr[PROBE_FRAME_HDR];
	int			 ok;
	char			 why[PROBE_WHY_MAX];
} probe = { .fd = -1 };

void
probe_note(int ok, const char *why)
{
	if (ok) {
		if (!probe.ok && probe.loop != NULL)
			log_info("upstream ready");
		probe.ok = 1;
		probe.why[0] = '\0';
		return;
	}
	if (probe.ok || strcmp(probe.why, why) != 0)
		log_info("upstream not ready: %s", why);
	probe.ok = 0;
	(void)snprintf(probe.why, sizeof(probe.why), "%s", why);
}

int
probe_ok(void)
{
	return probe.ok;
}

const char *
probe_why(void)
{
	return probe.why;
}

static void
probe_close(void)
{
	if (probe.fd == -1)
		return;
	ev_io_stop(probe.loop, &probe.io);
	tls_conn_free(probe.tls);
	probe.tls = NULL;
	(void)close(probe.fd);
	probe.fd = -1;
	probe.step = PROBE_IDLE;
}

static void
probe_done(int ok, const char *why)
{
	probe_close();
	probe_note(ok, why);
}

/* Waits for the socket to be readable (rd) or writable. */
static void
probe_wait(int rd)
{
	ev_io_stop(probe.loop, &probe.io);
	ev_io_set(&probe.io, probe.fd, rd ? EV_READ : EV_WRITE);
	ev_io_start(probe.loop, &probe.io);
}

/* Connect done: TLS next, or straight to HTTP/2.  -1: finished. */
static int
probe_connected(void)
{
	struct config	*cf = probe.getcf();
	char		 why[TLS_WHY_MAX], msg[PROBE_WHY_MAX];
	int		 err = 0;
	socklen_t	 len = sizeof(err);

	if (getsockopt(probe.fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1)
		err = errno;
	if (err != 0) {
		(void)snprintf(msg, sizeof(msg), "connect: %s", strerror(err));
		probe_done(0, msg);
		return -1;
	}
	if (cf == NULL || cf->up_tls == NULL) {
		probe.step = PROBE_SEND;
		return 0;
	}
	if ((probe.tls = tls_conn_new(cf->up_tls, probe.fd, why,
	    sizeof(why))) == NULL) {
		(void)snprintf(msg, sizeof(msg), "TLS: %s", why);
		probe_done(0, msg);
		return -1;
	}
	probe.step = PROBE_TLS;
	return 0;
}

/* Maps an I/O result: -2 wait (done here), -1 failed (done), else n. */
static ssize_t
probe_io_result(ssize_t n, int err, const char *tw)
{
	char	msg[PROBE_WHY_MAX];

	if (n == TLS_WANT_READ || n == TLS_WANT_WRITE) {
		probe_wait(n == TLS_WANT_READ);
		return -2;
	}
	if (n == -1 && probe.tls == NULL && (err == EAGAIN || err == EINTR)) {
		probe_wait(probe.step == PROBE_RECV);
		return -2;
	}
	if (n > 0)
		return n;
	if (n == 0)
		(void)snprintf(msg, sizeof(msg), "HTTP/2: connection closed "
		    "before SETTINGS");
	else
		(void)snprintf(msg, sizeof(msg), "%s%s", probe.tls != NULL ?
		    "TLS: " : "", probe.tls != NULL ? tw : strerror(err));
	probe_done(0, msg);
	return -1;
}

/* One step of TLS or HTTP/2; 1 when the probe should go on at once. */
static int
probe_step(void)
{
	char	tw[TLS_WHY_MAX] = "";
	ssize_t	n;

	errno = 0;
	if (probe.step == PROBE_TLS) {
		n = tls_handshake(probe.tls, tw, sizeof(tw));
		if (n == 0) {
			probe.step = PROBE_SEND;
			return 1;
		}
		return probe_io_result(n == TLS_ERR ? -1 : n, 0, tw) >= 0;
	}
	if (probe.step == PROBE_SEND) {
		n = probe.tls != NULL ? tls_write(probe.tls, probe_preface +
		    probe.sent, PROBE_PREFACE_LEN - probe.sent, tw,
		    sizeof(tw)) : send(probe.fd, probe_preface + probe.sent,
		    PROBE_PREFACE_LEN - probe.sent, MSG_NOSIGNAL);
		if ((n = probe_io_result(n, errno, tw)) < 0)
			return 0;
		if ((probe.sent += (size_t)n) == PROBE_PREFACE_LEN)
			probe.step = PROBE_RECV;
		return 1;
	}
	n = probe.tls != NULL ? tls_read(probe.tls, probe.hdr + probe.got,
	    PROBE_FRAME_HDR - probe.got, tw, sizeof(tw)) : recv(probe.fd,
	    probe.hdr + probe.got, PROBE_FRAME_HDR - probe.got, 0);
	if ((n = probe_io_result(n, errno, tw)) < 0)
		return 0;
	if ((probe.got += (size_t)n) < PROBE_FRAME_HDR)
		return 1;
	if (probe.hdr[3] != PROBE_SETTINGS || (probe.hdr[5] & 0x7f) != 0 ||
	    probe.hdr[6] != 0 || probe.hdr[7] != 0 || probe.hdr[8] != 0)
		probe_done(0, "HTTP/2: the first frame is not SETTINGS");
	else
		probe_done(1, NULL);
	return 0;
}

static void
probe_event(struct ev_loop *loop, ev_io *w, int revents)
{
	(void)loop;
	(void)w;
	(void)revents;
	if (probe.step == PROBE_CONNECT && probe_connected() == -1)
		return;
	while (probe.step != PROBE_IDLE && probe_step())
		;
}

static void
probe_tick(struct ev_loop *loop, ev_timer *w, int revents)
{
	const struct addr	*a;
	struct config		*cf = probe.getcf();
	char			 msg[PROBE_WHY_MAX];

	(void)w;
	(void)revents;
	if (probe.fd != -1)
		probe_done(0, "no answer within the probe interval");
	if (metrics.upstream_connected > 0 || cf == NULL ||
	    cf->upstream_addrs.n == 0)
		return;
	a = &cf->upstream_addrs.a[0];
	probe.fd = socket(a->ss.ss_family, SOCK_STREAM | SOCK_NONBLOCK |
	    SOCK_CLOEXEC, 0);
	if (probe.fd == -1)
		return;
	probe.step = PROBE_CONNECT;
	probe.sent = probe.got = 0;
	if (connect(probe.fd, (const struct sockaddr *)&a->ss, a->len) == -1 &&
	    errno != EINPROGRESS) {
		(void)snprintf(msg, sizeof(msg), "connect: %s", strerror(errno));
		probe_done(0, msg);
		return;
	}
	ev_io_init(&probe.io, probe_event, probe.fd, EV_WRITE);
	ev_io_start(loop, &probe.io);
}

void
probe_start(struct ev_loop *loop, struct config *(*getcf)(void))
{
	probe.loop = loop;
	probe.getcf = getcf;
	ev_timer_init(&probe.tick, probe_tick, 0., PROBE_INTERVAL_S);
	ev_timer_again(loop, &probe.tick);
	probe_tick(loop, &probe.tick, 0);
}

void
probe_stop(void)
{
	if (probe.loop == NULL)
		return;
	ev_timer_stop(probe.loop, &probe.tick);
	probe_close();
}
