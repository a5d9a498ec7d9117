/*
 * h2raw.c: a raw HTTP/2 client on nghttp2 for the routing test
 * (run-route.sh).  It sends exactly the header fields and messages a case
 * asks for, so it can send what gRPC SDKs never would, and prints what
 * came back.  Everything is bounded by -t; 127.0.0.1 only.
 *
 *   h2raw -p PORT [-t MS] [-s PATH] [-D NAME]... [-H NAME=VALUE]...
 *         [-m N] [-T NAME=VALUE]
 *   h2raw -p PORT [-t MS] -1 BYTES
 *
 *   -s PATH  the fields of a gRPC call: :method POST, :scheme http,
 *            :path PATH, :authority 127.0.0.1, content-type
 *            application/grpc, te trailers
 *   -D NAME  leave that one of them out
 *   -H N=V   one more field: a pseudo-header goes after the -s pseudo-
 *            headers, any other field at the end (so both may repeat)
 *   -m N     N gRPC messages of 5 bytes ("hello"), default 1; 0: the
 *            HEADERS end the stream
 *   -T N=V   a request trailer (the stream ends with trailers)
 *   -1 B     no HTTP/2: write B to the socket (an HTTP/1.1 request),
 *            then print "closed" or the first bytes of the answer
 * Names, values and B take escapes: \r \n \0 \\ \xHH.
 *
 * Output: "hdr NAME: VALUE" per response field (headers and trailers),
 * then one of "status N", "rst CODE", "goaway CODE", "closed", "timeout".
 * Exit 0 when something was printed, 2 on usage errors.
 */
#include <sys/socket.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <nghttp2/nghttp2.h>

#define RAW_FIELDS_MAX	64
#define RAW_ARG_MAX	4096
#define RAW_MSGS_MAX	16

struct raw_field {
	char	name[RAW_ARG_MAX];
	size_t	nlen;
	char	value[RAW_ARG_MAX];
	size_t	vlen;
};

struct raw {
	int			 fd;
	nghttp2_session		*sess;
	int32_t			 id;
	int			 done;
	int			 status;	/* grpc-status, -1 none */
	uint32_t		 rst;
	int			 goaway;
	uint32_t		 goaway_code;
	uint8_t			 body[RAW_MSGS_MAX * 10];
	size_t			 blen, boff;
	nghttp2_nv		 trailer;
	int			 has_trailer;
};

static struct raw_field	fields[RAW_FIELDS_MAX];
static size_t		nfields;

/* Decodes escapes into out; its length, or -1. */
static long
raw_unescape(const char *in, char *out, size_t max)
{
	size_t		 o = 0;
	unsigned int	 x;

	for (; *in != '\0'; in++) {
		if (o == max)
			return -1;
		if (*in != '\\') {
			out[o++] = *in;
			continue;
		}
		in++;
		if (*in == 'r')
			out[o++] = '\r';
		else if (*in == 'n')
			out[o++] = '\n';
		else if (*in == '0')
			out[o++] = '\0';
		else if (*in == '\\')
			out[o++] = '\\';
		else if (*in == 'x' && sscanf(in + 1, "%2x", &x) == 1) {
			out[o++] = (char)x;
			in += 2;
		} else
			return -1;
	}
	return (long)o;
}

/* Splits "N=V" (the first '=' after the first byte) into f. */
static int
raw_field_parse(const char *arg, struct raw_field *f)
{
	const char	*eq;
	char		 n[RAW_ARG_MAX];
	long		 nl, vl;

	if (strlen(arg) < 2 || (eq = strchr(arg + 1, '=')) == NULL ||
	    (size_t)(eq - arg) >= sizeof(n))
		return -1;
	memcpy(n, arg, (size_t)(eq - arg));
	n[eq - arg] = '\0';
	if ((nl = raw_unescape(n, f->name, sizeof(f->name))) < 0 ||
	    (vl = raw_unescape(eq + 1, f->value, sizeof(f->value))) < 0)
		return -1;
	f->nlen = (size_t)nl;
	f->vlen = (size_t)vl;
	return 0;
}

static int
raw_add(const char *name, const char *value)
{
	struct raw_field	*f;

	if (nfields == RAW_FIELDS_MAX)
		return -1;
	f = &fields[nfields++];
	f->nlen = strlen(name);
	f->vlen = strlen(value);
	if (f->nlen >= sizeof(f->name) || f->vlen >= sizeof(f->value))
		return -1;
	memcpy(f->name, name, f->nlen);
	memcpy(f->value, value, f->vlen);
	return 0;
}

static void
raw_print(const char *what, const uint8_t *p, size_t len)
{
	size_t	i;

	(void)printf("%s", what);
	for (i = 0; i < len; i++)
		if (p[i] >= 0x20 && p[i] < 0x7f)
			(void)putchar(p[i]);
		else
			(void)printf("\\x%02x", p[i]);
}

static ssize_t
raw_send(nghttp2_session *sess, const uint8_t *data, size_t len, int flags,
    void *ud)
{
	struct raw	*r = ud;
	ssize_t		 n;

	(void)sess;
	(void)flags;
	n = send(r->fd, data, len, MSG_NOSIGNAL);
	if (n < 0)
		return errno == EAGAIN ? NGHTTP2_ERR_WOULDBLOCK :
		    NGHTTP2_ERR_CALLBACK_FAILURE;
	return n;
}

static int
raw_header(nghttp2_session *sess, const nghttp2_frame *f,
    const uint8_t *name, size_t nl, const uint8_t *value, size_t vl,
    uint8_t flags, void *ud)
{
	struct raw	*r = ud;
	char		 v[16];

	(void)sess;
	(void)f;
	(void)flags;
	raw_print("hdr ", name, nl);
	raw_print(": ", value, vl);
	(void)putchar('\n');
	if (nl == 11 && memcmp(name, "grpc-status", 11) == 0 &&
	    vl < sizeof(v)) {
		memcpy(v, value, vl);
		v[vl] = '\0';
		r->status = atoi(v);
	}
	return 0;
}

static int
raw_frame(nghttp2_session *sess, const nghttp2_frame *f, void *ud)
{
	struct raw	*r = ud;

	(void)sess;
	if (f->hd.type == NGHTTP2_GOAWAY) {
		r->goaway = 1;
		r->goaway_code = f->goaway.error_code;
		r->done = 1;
	}
	return 0;
}

static int
raw_close(nghttp2_session *sess, int32_t id, uint32_t code, void *ud)
{
	struct raw	*r = ud;

	(void)sess;
	if (id == r->id) {
		r->rst = code;
		r->done = 1;
	}
	return 0;
}

/* The request body: the messages, then trailers or END_STREAM. */
static ssize_t
raw_read(nghttp2_session *sess, int32_t id, uint8_t *buf, size_t len,
    uint32_t *flags, nghttp2_data_source *src, void *ud)
{
	struct raw	*r = ud;
	size_t		 n = r->blen - r->boff;

	(void)src;
	if (n > len)
		n = len;
	memcpy(buf, r->body + r->boff, n);
	r->boff += n;
	if (r->boff == r->blen) {
		*flags |= NGHTTP2_DATA_FLAG_EOF;
		if (r->has_trailer) {
			*flags |= NGHTTP2_DATA_FLAG_NO_END_STREAM;
			if (nghttp2_submit_trailer(sess, id, &r->trailer, 1)
			    != 0)
				return NGHTTP2_ERR_CALLBACK_FAILURE;
		}
	}
	return (ssize_t)n;
}

static int
raw_connect(const char *port)
{
	struct sockaddr_in	sin;
	int			fd;

	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((uint16_t)strtol(port, NULL, 10));
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if ((fd = socket(AF_INET, SOCK_STREAM, 0)) == -1)
		return -1;
	if (connect(fd, (struct sockaddr *)&sin, sizeof(sin)) == -1) {
		(void)close(fd);
		return -1;
	}
	return fd;
}

static long
raw_ms_left(const struct timespec *end)
{
	struct timespec	now;

	(void)clock_gettime(CLOCK_MONOTONIC, &now);
	return (end->tv_sec - now.tv_sec) * 1000 +
	    (end->tv_nsec - now.tv_nsec) / 1000000;
}

/* -1: write bytes, print what comes back. */
static int
raw_http1(int fd, const char *bytes, long ms)
{
	char		 buf[RAW_ARG_MAX];
	uint8_t		 in[256];
	struct pollfd	 pfd;
	long		 n;
	ssize_t		 got;

	if ((n = raw_unescape(bytes, buf, sizeof(buf))) < 0)
		return 2;
	if (send(fd, buf, (size_t)n, MSG_NOSIGNAL) != n) {
		(void)printf("closed\n");
		return 0;
	}
	pfd.fd = fd;
	pfd.events = POLLIN;
	if (poll(&pfd, 1, (int)ms) <= 0) {
		(void)printf("timeout\n");
		return 0;
	}
	if ((got = recv(fd, in, sizeof(in), 0)) <= 0) {
		(void)printf("closed\n");
		return 0;
	}
	raw_print("answer ", in, (size_t)got);
	(void)printf("\n");
	/* an HTTP/2 server answers with SETTINGS, then closes */
	while (poll(&pfd, 1, (int)ms) > 0 && (got = recv(fd, in, sizeof(in),
	    0)) > 0)
		;
	(void)printf(got == 0 ? "closed\n" : "timeout\n");
	return 0;
}

static nghttp2_session *
raw_session(struct raw *r)
{
	nghttp2_session_callbacks	*cb;
	nghttp2_session			*s;

	if (nghttp2_session_callbacks_new(&cb) != 0)
		return NULL;
	nghttp2_session_callbacks_set_send_callback(cb, raw_send);
	nghttp2_session_callbacks_set_on_header_callback(cb, raw_header);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cb, raw_frame);
	nghttp2_session_callbacks_set_on_stream_close_callback(cb,
	    raw_close);
	if (nghttp2_session_client_new(&s, cb, r) != 0)
		s = NULL;
	nghttp2_session_callbacks_del(cb);
	return s;
}

static void
raw_messages(struct raw *r, long n)
{
	long	i;

	for (i = 0; i < n && i < RAW_MSGS_MAX; i++) {
		memcpy(r->body + r->blen, "\0\0\0\0\5hello", 10);
		r->blen += 10;
	}
}

static int
raw_submit(struct raw *r, long nmsg)
{
	nghttp2_nv		 nv[RAW_FIELDS_MAX];
	nghttp2_data_provider	 dp;
	size_t			 i;

	for (i = 0; i < nfields; i++) {
		nv[i].name = (uint8_t *)fields[i].name;
		nv[i].namelen = fields[i].nlen;
		nv[i].value = (uint8_t *)fields[i].value;
		nv[i].valuelen = fields[i].vlen;
		nv[i].flags = NGHTTP2_NV_FLAG_NO_COPY_NAME |
		    NGHTTP2_NV_FLAG_NO_COPY_VALUE;	/* sent as given */
	}
	raw_messages(r, nmsg);
	dp.source.ptr = r;
	dp.read_callback = raw_read;
	r->id = nghttp2_submit_request(r->sess, NULL, nv, nfields,
	    nmsg > 0 || r->has_trailer ? &dp : NULL, r);
	return r->id < 0 ? -1 : 0;
}

static int
raw_loop(struct raw *r, long ms)
{
	struct timespec	end;
	struct pollfd	pfd;
	uint8_t		buf[16384];
	ssize_t		n;
	long		left;

	(void)clock_gettime(CLOCK_MONOTONIC, &end);
	end.tv_sec += ms / 1000;
	end.tv_nsec += (ms % 1000) * 1000000;
	if (end.tv_nsec >= 1000000000) {
		end.tv_sec++;
		end.tv_nsec -= 1000000000;
	}
	while (!r->done) {
		if (nghttp2_session_send(r->sess) != 0)
			return -1;
		if ((left = raw_ms_left(&end)) <= 0)
			return 1;
		pfd.fd = r->fd;
		pfd.events = POLLIN;
		if (poll(&pfd, 1, (int)left) <= 0)
			continue;
		if ((n = recv(r->fd, buf, sizeof(buf), 0)) <= 0)
			return -1;
		if (nghttp2_session_mem_recv(r->sess, buf, (size_t)n) < 0)
			return -1;
	}
	return 0;
}

static void
raw_result(const struct raw *r, int rv)
{
	if (rv == 1)
		(void)printf("timeout\n");
	else if (r->goaway)
		(void)printf("goaway %u\n", r->goaway_code);
	else if (rv < 0)
		(void)printf("closed\n");
	else if (r->status >= 0)
		(void)printf("status %d\n", r->status);
	else
		(void)printf("rst %u\n", r->rst);
}

/* The -s fields, less the -D ones, with the -H pseudo-headers after
 * them; the -H regular fields at the end. */
static int
raw_fields(const char *path, char **drop, size_t ndrop,
    struct raw_field *extra, size_t nextra)
{
	static const char *const std[][2] = { { ":method", "POST" },
	    { ":scheme", "http" }, { ":path", NULL },
	    { ":authority", "127.0.0.1" },
	    { "content-type", "application/grpc" }, { "te", "trailers" } };
	size_t	i, j;
	int	pass;

	for (pass = 0; pass < 2; pass++) {
		for (i = 0; path != NULL && i < 6; i++) {
			if ((std[i][0][0] == ':') != (pass == 0))
				continue;
			for (j = 0; j < ndrop && strcmp(drop[j], std[i][0]);
			    j++)
				;
			if (j == ndrop && raw_add(std[i][0], std[i][1] ?
			    std[i][1] : path) == -1)
				return -1;
		}
		for (i = 0; i < nextra; i++) {
			if ((extra[i].name[0] == ':') != (pass == 0))
				continue;
			if (nfields == RAW_FIELDS_MAX)
				return -1;
			fields[nfields++] = extra[i];
		}
	}
	return 0;
}

int
main(int argc, char *argv[])
{
	static struct raw_field	 extra[RAW_FIELDS_MAX];
	static struct raw	 r;
	struct raw_field	 tr;
	char			*drop[RAW_FIELDS_MAX];
	const char		*port = NULL, *path = NULL, *h1 = NULL;
	size_t			 nextra = 0, ndrop = 0;
	long			 ms = 5000, nmsg = 1;
	int			 ch, rv;

	while ((ch = getopt(argc, argv, "1:D:H:m:p:s:T:t:")) != -1) {
		if (ch == '1')
			h1 = optarg;
		else if (ch == 'D' && ndrop < RAW_FIELDS_MAX)
			drop[ndrop++] = optarg;
		else if (ch == 'H' && nextra < RAW_FIELDS_MAX &&
		    raw_field_parse(optarg, &extra[nextra]) == 0)
			nextra++;
		else if (ch == 'm')
			nmsg = strtol(optarg, NULL, 10);
		else if (ch == 'p')
			port = optarg;
		else if (ch == 's')
			path = optarg;
		else if (ch == 'T' && raw_field_parse(optarg, &tr) == 0) {
			r.trailer.name = (uint8_t *)tr.name;
			r.trailer.namelen = tr.nlen;
			r.trailer.value = (uint8_t *)tr.value;
			r.trailer.valuelen = tr.vlen;
			r.has_trailer = 1;
		} else if (ch == 't')
			ms = strtol(optarg, NULL, 10);
		else
			return 2;
	}
	if (port == NULL || ms <= 0 || ms > 60000 || nmsg < 0 ||
	    nmsg > RAW_MSGS_MAX) {
		(void)fprintf(stderr, "usage: h2raw -p port [-t ms] [-s path] "
		    "[-D name] [-H n=v] [-m n] [-T n=v] | -1 bytes\n");
		return 2;
	}
	if ((r.fd = raw_connect(port)) == -1) {
		perror("h2raw: connect");
		return 1;
	}
	if (h1 != NULL)
		return raw_http1(r.fd, h1, ms);
	r.status = -1;
	if (raw_fields(path, drop, ndrop, extra, nextra) == -1 ||
	    (r.sess = raw_session(&r)) == NULL ||
	    nghttp2_submit_settings(r.sess, NGHTTP2_FLAG_NONE, NULL, 0) != 0 ||
	    raw_submit(&r, nmsg) == -1) {
		(void)fprintf(stderr, "h2raw: cannot set up the request\n");
		return 1;
	}
	rv = raw_loop(&r, ms);
	raw_result(&r, rv);
	nghttp2_session_del(r.sess);
	(void)close(r.fd);
	return 0;
}
