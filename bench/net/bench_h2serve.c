/*
 * bench_h2serve.c: an h2c gRPC server for the large-message benchmark,
 * on nghttp2 + libev.  Every request, whatever its path, is read to its
 * end and discarded, then answered with one fixed response: the file's
 * bytes (already gRPC-framed) as DATA, then trailers grpc-status 0.
 *
 *   bench_h2serve -f FILE -p PORT        (PORT 0: pick one, print "PORT n")
 *
 * 127.0.0.1 only.  Used by bench/net/run-net.sh to serve a 4 MiB
 * PollActivityTaskQueueResponse that the sidecar inspects.
 */
#include <sys/socket.h>
#include <sys/stat.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <ev.h>
#include <nghttp2/nghttp2.h>

#define HS_OUT_MAX	(256u * 1024u)

struct hs_stream {
	size_t	off;
};

struct hs_conn {
	int		 fd;
	ev_io		 rd, wr;
	nghttp2_session	*sess;
	const uint8_t	*pend;		/* from nghttp2_session_mem_send */
	size_t		 pendlen;
};

static uint8_t		*body;
static size_t		 bodylen;
static struct ev_loop	*loop;

static nghttp2_nv
hs_nv(const char *n, const char *v)
{
	nghttp2_nv nv;

	nv.name = (uint8_t *)(uintptr_t)n;
	nv.namelen = strlen(n);
	nv.value = (uint8_t *)(uintptr_t)v;
	nv.valuelen = strlen(v);
	nv.flags = NGHTTP2_NV_FLAG_NONE;
	return nv;
}

static ssize_t
hs_read_body(nghttp2_session *sess, int32_t id, uint8_t *buf, size_t len,
    uint32_t *flags, nghttp2_data_source *src, void *ud)
{
	struct hs_stream *s = src->ptr;
	size_t n = bodylen - s->off;
	nghttp2_nv tr[1];

	(void)ud;
	if (n > len)
		n = len;
	memcpy(buf, body + s->off, n);
	s->off += n;
	if (s->off == bodylen) {
		*flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
		tr[0] = hs_nv("grpc-status", "0");
		if (nghttp2_submit_trailer(sess, id, tr, 1) != 0)
			return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	return (ssize_t)n;
}

static int
hs_on_begin_headers(nghttp2_session *sess, const nghttp2_frame *f, void *ud)
{
	struct hs_stream *s;

	(void)ud;
	if (f->hd.type != NGHTTP2_HEADERS ||
	    f->headers.cat != NGHTTP2_HCAT_REQUEST)
		return 0;
	if ((s = calloc(1, sizeof(*s))) == NULL)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	return nghttp2_session_set_stream_user_data(sess, f->hd.stream_id, s);
}

static int
hs_on_frame_recv(nghttp2_session *sess, const nghttp2_frame *f, void *ud)
{
	struct hs_stream *s;
	nghttp2_nv hd[2];
	nghttp2_data_provider prd;

	(void)ud;
	if ((f->hd.type != NGHTTP2_HEADERS && f->hd.type != NGHTTP2_DATA) ||
	    (f->hd.flags & NGHTTP2_FLAG_END_STREAM) == 0)
		return 0;
	s = nghttp2_session_get_stream_user_data(sess, f->hd.stream_id);
	if (s == NULL)
		return 0;
	hd[0] = hs_nv(":status", "200");
	hd[1] = hs_nv("content-type", "application/grpc");
	prd.source.ptr = s;
	prd.read_callback = hs_read_body;
	if (nghttp2_submit_response(sess, f->hd.stream_id, hd, 2, &prd) != 0)
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	return 0;
}

static int
hs_on_close(nghttp2_session *sess, int32_t id, uint32_t code, void *ud)
{
	(void)code;
	(void)ud;
	free(nghttp2_session_get_stream_user_data(sess, id));
	(void)nghttp2_session_set_stream_user_data(sess, id, NULL);
	return 0;
}

static void
hs_close(struct hs_conn *c)
{
	ev_io_stop(loop, &c->rd);
	ev_io_stop(loop, &c->wr);
	nghttp2_session_del(c->sess);
	(void)close(c->fd);
	free(c);
}

/* Writes what nghttp2 has; 0, or -1 when the connection is done. */
static int
hs_flush(struct hs_conn *c)
{
	for (;;) {
		if (c->pendlen == 0) {
			ssize_t n = nghttp2_session_mem_send(c->sess, &c->pend);

			if (n < 0)
				return -1;
			c->pendlen = (size_t)n;
			if (n == 0)
				break;
		}
		ssize_t w = write(c->fd, c->pend, c->pendlen);

		if (w < 0) {
			if (errno == EAGAIN || errno == EINTR) {
				ev_io_start(loop, &c->wr);
				return 0;
			}
			return -1;
		}
		c->pend += w;
		c->pendlen -= (size_t)w;
	}
	ev_io_stop(loop, &c->wr);
	if (!nghttp2_session_want_read(c->sess) &&
	    !nghttp2_session_want_write(c->sess))
		return -1;
	return 0;
}

static void
hs_on_write(struct ev_loop *l, ev_io *w, int ev)
{
	struct hs_conn *c = w->data;

	(void)l;
	(void)ev;
	if (hs_flush(c) != 0)
		hs_close(c);
}

static void
hs_on_read(struct ev_loop *l, ev_io *w, int ev)
{
	struct hs_conn *c = w->data;
	uint8_t buf[65536];
	ssize_t n;

	(void)l;
	(void)ev;
	n = read(c->fd, buf, sizeof(buf));
	if (n < 0 && (errno == EAGAIN || errno == EINTR))
		return;
	if (n <= 0 || nghttp2_session_mem_recv(c->sess, buf, (size_t)n) < 0 ||
	    hs_flush(c) != 0)
		hs_close(c);
}

static void
hs_on_accept(struct ev_loop *l, ev_io *w, int ev)
{
	nghttp2_session_callbacks *cb;
	nghttp2_settings_entry iv = {
		NGHTTP2_SETTINGS_MAX_CONCURRENT_STREAMS, 1000 };
	struct hs_conn *c;
	int fd, one = 1;

	(void)ev;
	if ((fd = accept4(w->fd, NULL, NULL, SOCK_NONBLOCK)) == -1)
		return;
	(void)setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if ((c = calloc(1, sizeof(*c))) == NULL) {
		(void)close(fd);
		return;
	}
	c->fd = fd;
	if (nghttp2_session_callbacks_new(&cb) != 0)
		exit(1);
	nghttp2_session_callbacks_set_on_begin_headers_callback(cb,
	    hs_on_begin_headers);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb,
	    hs_on_frame_recv);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb, hs_on_close);
	if (nghttp2_session_server_new(&c->sess, cb, c) != 0)
		exit(1);
	nghttp2_session_callbacks_del(cb);
	(void)nghttp2_submit_settings(c->sess, NGHTTP2_FLAG_NONE, &iv, 1);
	(void)nghttp2_session_set_local_window_size(c->sess, NGHTTP2_FLAG_NONE,
	    0, 16 * 1024 * 1024);
	ev_io_init(&c->rd, hs_on_read, fd, EV_READ);
	ev_io_init(&c->wr, hs_on_write, fd, EV_WRITE);
	c->rd.data = c->wr.data = c;
	ev_io_start(l, &c->rd);
	if (hs_flush(c) != 0)
		hs_close(c);
}

static void
hs_load(const char *path)
{
	struct stat st;
	int fd = open(path, O_RDONLY);

	if (fd == -1 || fstat(fd, &st) == -1 || st.st_size <= 0 ||
	    (body = malloc((size_t)st.st_size)) == NULL ||
	    read(fd, body, (size_t)st.st_size) != st.st_size) {
		perror(path);
		exit(1);
	}
	bodylen = (size_t)st.st_size;
	(void)close(fd);
}

int
main(int argc, char *argv[])
{
	struct sockaddr_in sin;
	socklen_t sl = sizeof(sin);
	const char *file = NULL, *port = NULL;
	ev_io lw;
	int ch, fd, one = 1;

	while ((ch = getopt(argc, argv, "f:p:")) != -1) {
		if (ch == 'f')
			file = optarg;
		else if (ch == 'p')
			port = optarg;
		else
			return 2;
	}
	if (file == NULL || port == NULL) {
		(void)fprintf(stderr, "usage: bench_h2serve -f file -p port\n");
		return 2;
	}
	hs_load(file);
	(void)signal(SIGPIPE, SIG_IGN);
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)strtoul(port, NULL, 10));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0)) == -1 ||
	    setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one)) ||
	    bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1 ||
	    listen(fd, 512) == -1 ||
	    getsockname(fd, (struct sockaddr *)&sin, &sl) == -1) {
		perror("bench_h2serve: listen");
		return 1;
	}
	(void)printf("PORT %u\n", ntohs(sin.sin_port));
	(void)fflush(stdout);
	loop = EV_DEFAULT;
	ev_io_init(&lw, hs_on_accept, fd, EV_READ);
	ev_io_start(loop, &lw);
	ev_run(loop, 0);
	free(body);
	return 0;
}
