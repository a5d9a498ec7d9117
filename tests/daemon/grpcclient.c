/*
 * grpcclient.c: the conformance client for the sidecar's integration
 * test, on grpc core's C API (an HTTP/2 and gRPC stack independent of
 * nghttp2).  Talks to tests/daemon/h2backend.c through the sidecar.
 *
 *   grpcclient TARGET all                  conformance suite
 *   grpcclient TARGET inflight-unavailable a Sleep call must end
 *                                          UNAVAILABLE (upstream killed)
 *   grpcclient TARGET expect-unavailable [TEXT]
 *                                          a Unary call must fail
 *                                          UNAVAILABLE from the sidecar,
 *                                          its message naming TEXT
 *   grpcclient TARGET expect-refused       a Unary call must fail
 *                                          UNAVAILABLE without reaching
 *                                          the sidecar's proxy (a
 *                                          refused TLS handshake)
 *   grpcclient TARGET auth                 authorization metadata must
 *                                          reach the backend unchanged
 *   grpcclient TARGET wait-ok SECS         Unary until OK (recovery)
 *   grpcclient TARGET delay MS             a Delay call must succeed
 *   grpcclient TARGET goaway               the backend sends GOAWAY while
 *                                          calls are in flight and others
 *                                          race it: every call succeeds,
 *                                          the ones after it on a new
 *                                          upstream connection (x-conn)
 *   grpcclient TARGET longpoll PID NCONN NCALLS HOLD_MS MAX_KB
 *                                          NCALLS Delay calls of HOLD_MS
 *                                          (70 s deadlines, like long
 *                                          polls) over NCONN connections
 *                                          of their own: all must answer
 *                                          right, the sidecar (PID) must
 *                                          not grow by MAX_KB or more, nor
 *                                          burn CPU while they wait
 *   grpcclient TARGET load SECS NCONN CONC CONC calls kept in flight over
 *                                          NCONN connections for SECS:
 *                                          every one must succeed
 *   grpcclient TARGET slow-reader PID MB   a Flood of MB MiB that we do
 *                                          not read for 3 s: the backend
 *                                          must stall and the sidecar
 *                                          (PID) must not grow by more
 *                                          than CL_GROWTH_MAX; then all
 *                                          MB messages must arrive
 *
 * TLS: with $GRPCCLIENT_CA set (a PEM file of roots) the channel speaks
 * TLS (grpc_ssl_credentials_create), with the client certificate and key
 * in $GRPCCLIENT_CERT and $GRPCCLIENT_KEY when set, and the name in
 * $GRPCCLIENT_NAME checked instead of the target's host when set.
 *
 * Prints "ok - NAME" or "FAIL - NAME: why" per check and a summary line;
 * exits 1 if anything failed.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <grpc/byte_buffer.h>
#include <grpc/byte_buffer_reader.h>
#include <grpc/compression.h>
#include <grpc/grpc.h>
#include <grpc/grpc_security.h>
#include <grpc/slice.h>
#include <grpc/support/alloc.h>
#include <grpc/support/time.h>

#define CL_CONCURRENT	300
#define CL_LARGE	(64u * 1024u * 1024u)
#define CL_GROWTH_MAX_KB	(48L * 1024L)
#define CL_GOAWAY_HELD	20	/* in flight when the GOAWAY comes */
#define CL_GOAWAY_RACE	50	/* sent right behind it */
#define CL_LONGPOLL_DEADLINE_MS	70000	/* a long poll's grpc-timeout */
#define CL_CPU_MAX_PCT	10	/* sidecar CPU while streams wait */

struct call {
	grpc_call		*c;
	grpc_metadata_array	 imd, tmd;
	grpc_byte_buffer	*resp;
	grpc_status_code	 status;
	grpc_slice		 details;
	int			 done;
};

static grpc_channel		*ch, *ch_gzip;
static const char		*target;
static grpc_completion_queue	*cq;
static int			 npass, nfail;

static void	check(int, const char *, const char *, ...)
		    __attribute__((format(printf, 3, 4)));

static void
check(int ok, const char *name, const char *fmt, ...)
{
	va_list	ap;

	if (ok) {
		(void)printf("ok - %s\n", name);
		npass++;
		return;
	}
	(void)printf("FAIL - %s: ", name);
	va_start(ap, fmt);
	(void)vprintf(fmt, ap);
	va_end(ap);
	(void)printf("\n");
	nfail++;
}

static gpr_timespec
in_ms(long ms)
{
	return gpr_time_add(gpr_now(GPR_CLOCK_MONOTONIC),
	    gpr_time_from_millis(ms, GPR_TIMESPAN));
}

/* A whole file as a NUL-terminated string; exits if unreadable. */
static char *
slurp(const char *path)
{
	FILE	*f;
	char	*buf;
	long	 n;

	if ((f = fopen(path, "r")) == NULL || fseek(f, 0, SEEK_END) != 0 ||
	    (n = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0 ||
	    (buf = calloc(1, (size_t)n + 1)) == NULL ||
	    fread(buf, 1, (size_t)n, f) != (size_t)n) {
		(void)fprintf(stderr, "grpcclient: cannot read %s\n", path);
		exit(2);
	}
	(void)fclose(f);
	return buf;
}

static grpc_channel_credentials *
credentials(void)
{
	grpc_ssl_pem_key_cert_pair	 pair;
	grpc_channel_credentials	*cr;
	const char			*ca = getenv("GRPCCLIENT_CA");
	const char			*cert = getenv("GRPCCLIENT_CERT");
	const char			*key = getenv("GRPCCLIENT_KEY");
	char				*root, *c = NULL, *k = NULL;

	if (ca == NULL)
		return grpc_insecure_credentials_create();
	root = slurp(ca);
	if (cert != NULL && key != NULL) {
		pair.cert_chain = c = slurp(cert);
		pair.private_key = k = slurp(key);
	}
	cr = grpc_ssl_credentials_create(root, c != NULL ? &pair : NULL,
	    NULL, NULL);
	free(root);
	free(c);
	free(k);
	return cr;
}

/* own: a connection of its own (no subchannel shared with others). */
static grpc_channel *
channel(int gzip, int own)
{
	grpc_channel_credentials	*cr = credentials();
	const char			*name = getenv("GRPCCLIENT_NAME");
	grpc_arg			 a[5];
	grpc_channel_args		 args;
	grpc_channel			*c;

	a[0].type = GRPC_ARG_INTEGER;
	a[0].key = (char *)(uintptr_t)GRPC_ARG_MAX_RECEIVE_MESSAGE_LENGTH;
	a[0].value.integer = -1;
	a[1].type = GRPC_ARG_INTEGER;
	a[1].key = (char *)(uintptr_t)GRPC_ARG_ENABLE_RETRIES;
	a[1].value.integer = 0;
	a[2].type = GRPC_ARG_INTEGER;
	a[2].key = (char *)(uintptr_t)GRPC_COMPRESSION_CHANNEL_DEFAULT_ALGORITHM;
	a[2].value.integer = GRPC_COMPRESS_GZIP;
	args.num_args = gzip ? 3 : 2;	/* a[2]: gzip */
	if (own) {
		a[args.num_args].type = GRPC_ARG_INTEGER;
		a[args.num_args].key =
		    (char *)(uintptr_t)GRPC_ARG_USE_LOCAL_SUBCHANNEL_POOL;
		a[args.num_args++].value.integer = 1;
	}
	if (name != NULL) {
		a[args.num_args].type = GRPC_ARG_STRING;
		a[args.num_args].key =
		    (char *)(uintptr_t)GRPC_SSL_TARGET_NAME_OVERRIDE_ARG;
		a[args.num_args++].value.string = (char *)(uintptr_t)name;
	}
	args.args = a;
	c = grpc_channel_create(target, cr, &args);
	grpc_channel_credentials_release(cr);
	return c;
}

static grpc_metadata
md(const char *k, const void *v, size_t vl)
{
	grpc_metadata	m;

	memset(&m, 0, sizeof(m));
	m.key = grpc_slice_from_copied_string(k);
	m.value = grpc_slice_from_copied_buffer(v, vl);
	return m;
}

/* Starts one call as a single batch; its completion means "done". */
static struct call *
call_start(grpc_channel *c, const char *method, grpc_metadata *m, size_t nm,
    const void *msg, size_t len, long deadline_ms)
{
	struct call	*k = calloc(1, sizeof(*k));
	grpc_op		 ops[6];
	grpc_slice	 meth = grpc_slice_from_copied_string(method);
	grpc_slice	 body;
	grpc_byte_buffer *req;
	size_t		 n = 0;

	k->c = grpc_channel_create_call(c, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
	    meth, NULL, in_ms(deadline_ms), NULL);
	grpc_slice_unref(meth);
	grpc_metadata_array_init(&k->imd);
	grpc_metadata_array_init(&k->tmd);
	body = grpc_slice_from_copied_buffer(msg, len);
	req = grpc_raw_byte_buffer_create(&body, 1);
	grpc_slice_unref(body);
	memset(ops, 0, sizeof(ops));
	ops[n].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[n].data.send_initial_metadata.count = nm;
	ops[n++].data.send_initial_metadata.metadata = m;
	ops[n].op = GRPC_OP_SEND_MESSAGE;
	ops[n++].data.send_message.send_message = req;
	ops[n++].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[n].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[n++].data.recv_initial_metadata.recv_initial_metadata = &k->imd;
	ops[n].op = GRPC_OP_RECV_MESSAGE;
	ops[n++].data.recv_message.recv_message = &k->resp;
	ops[n].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[n].data.recv_status_on_client.trailing_metadata = &k->tmd;
	ops[n].data.recv_status_on_client.status = &k->status;
	ops[n++].data.recv_status_on_client.status_details = &k->details;
	if (grpc_call_start_batch(k->c, ops, n, k, NULL) != GRPC_CALL_OK) {
		(void)fprintf(stderr, "grpc_call_start_batch failed\n");
		exit(1);
	}
	grpc_byte_buffer_destroy(req);
	return k;
}

/* Waits for any call; returns it, or NULL on timeout. */
static struct call *
call_next(long timeout_ms)
{
	grpc_event	ev;

	ev = grpc_completion_queue_next(cq, in_ms(timeout_ms), NULL);
	if (ev.type != GRPC_OP_COMPLETE)
		return NULL;
	((struct call *)ev.tag)->done = 1;
	return ev.tag;
}

static int
call_wait(struct call *k, long timeout_ms)
{
	while (!k->done)
		if (call_next(timeout_ms) == NULL)
			return -1;
	return 0;
}

static void
call_free(struct call *k)
{
	grpc_metadata_array_destroy(&k->imd);
	grpc_metadata_array_destroy(&k->tmd);
	if (k->resp != NULL)
		grpc_byte_buffer_destroy(k->resp);
	grpc_slice_unref(k->details);
	grpc_call_unref(k->c);
	free(k);
}

/* The response message as a malloc'd buffer (NULL if none). */
static uint8_t *
call_body(struct call *k, size_t *len)
{
	grpc_byte_buffer_reader	 r;
	grpc_slice		 s;
	uint8_t			*out;

	*len = 0;
	if (k->resp == NULL || !grpc_byte_buffer_reader_init(&r, k->resp))
		return NULL;
	s = grpc_byte_buffer_reader_readall(&r);
	grpc_byte_buffer_reader_destroy(&r);
	*len = GRPC_SLICE_LENGTH(s);
	out = malloc(*len + 1);
	memcpy(out, GRPC_SLICE_START_PTR(s), *len);
	out[*len] = 0;
	grpc_slice_unref(s);
	return out;
}

static int
md_eq(const grpc_metadata_array *a, const char *k, const void *v, size_t vl)
{
	size_t	i;

	for (i = 0; i < a->count; i++)
		if (grpc_slice_str_cmp(a->metadata[i].key, k) == 0)
			return GRPC_SLICE_LENGTH(a->metadata[i].value) == vl &&
			    memcmp(GRPC_SLICE_START_PTR(a->metadata[i].value),
			    v, vl) == 0;
	return 0;
}

static int
md_prefix(const grpc_metadata_array *a, const char *k, const char *pfx)
{
	size_t	i, n = strlen(pfx);

	for (i = 0; i < a->count; i++)
		if (grpc_slice_str_cmp(a->metadata[i].key, k) == 0)
			return GRPC_SLICE_LENGTH(a->metadata[i].value) >= n &&
			    memcmp(GRPC_SLICE_START_PTR(a->metadata[i].value),
			    pfx, n) == 0;
	return 0;
}

static int
details_has(struct call *k, const char *needle)
{
	char	*d = grpc_slice_to_c_string(k->details);
	int	 r = strstr(d, needle) != NULL;

	gpr_free(d);
	return r;
}

/* Like details_has, for any of the '|'-separated alternatives in needles. */
static int
details_has_any(struct call *k, const char *needles)
{
	char	 buf[256], *save = NULL, *tok;
	int	 r = 0;

	if (*needles == '\0')
		return 1;
	(void)snprintf(buf, sizeof(buf), "%s", needles);
	for (tok = strtok_r(buf, "|", &save); tok != NULL && !r;
	    tok = strtok_r(NULL, "|", &save))
		r = details_has(k, tok);
	return r;
}

static void
md_free(grpc_metadata *m, size_t n)
{
	while (n-- > 0) {
		grpc_slice_unref(m[n].key);
		grpc_slice_unref(m[n].value);
	}
}

/* ------------------------------------------------------------- tests */

static void
t_metadata(void)
{
	static const uint8_t	bin[] = { 0, 1, 2, 0xff, 0x80 };
	static const uint8_t	tbin[] = { 0, 1, 2, 0xff };
	grpc_metadata		m[2];
	struct call		*k;
	uint8_t			*b;
	size_t			 len;

	m[0] = md("x-ascii", "hello world", 11);
	m[1] = md("x-data-bin", bin, sizeof(bin));
	k = call_start(ch, "/test.Echo/Unary", m, 2, "ping", 4, 10000);
	(void)call_wait(k, 10000);
	b = call_body(k, &len);
	check(k->status == GRPC_STATUS_OK, "unary status OK", "status %d",
	    k->status);
	check(b != NULL && len == 4 && memcmp(b, "ping", 4) == 0,
	    "unary message echoed", "got %zu bytes", len);
	check(md_eq(&k->imd, "x-ascii", "hello world", 11),
	    "ascii metadata unchanged", "x-ascii missing or changed");
	check(md_eq(&k->imd, "x-data-bin", bin, sizeof(bin)),
	    "binary metadata unchanged", "x-data-bin missing or changed");
	check(md_prefix(&k->imd, "x-seen-user-agent", "grpc-c/"),
	    "user-agent not rewritten", "backend saw another user-agent");
	check(md_eq(&k->tmd, "x-trailer-bin", tbin, sizeof(tbin)),
	    "trailing binary metadata", "x-trailer-bin missing or changed");
	free(b);
	call_free(k);
	md_free(m, 2);
}

static void
t_deadline(void)
{
	struct call	*k;
	gpr_timespec	 t0 = gpr_now(GPR_CLOCK_MONOTONIC), el;

	k = call_start(ch, "/test.Echo/Sleep", NULL, 0, "z", 1, 300);
	(void)call_wait(k, 10000);
	el = gpr_time_sub(gpr_now(GPR_CLOCK_MONOTONIC), t0);
	check(k->status == GRPC_STATUS_DEADLINE_EXCEEDED,
	    "deadline exceeded", "status %d", k->status);
	check(gpr_time_to_millis(el) < 3000, "deadline honoured in time",
	    "took %lld ms", (long long)gpr_time_to_millis(el));
	call_free(k);
	k = call_start(ch, "/test.Echo/Unary", NULL, 0, "t", 1, 5000);
	(void)call_wait(k, 10000);
	check(k->status == GRPC_STATUS_OK &&
	    md_prefix(&k->imd, "x-seen-grpc-timeout", ""),
	    "grpc-timeout reaches the backend", "status %d", k->status);
	call_free(k);
}

static void
t_trailers_only(void)
{
	static const uint8_t	det[] = { 0x08, 0x03, 0x12, 0x09, 'b', 'a',
	    'd', ' ', 'i', 'n', 'p', 'u', 't' };
	struct call		*k;

	k = call_start(ch, "/test.Echo/Fail", NULL, 0, "x", 1, 10000);
	(void)call_wait(k, 10000);
	check(k->status == GRPC_STATUS_INVALID_ARGUMENT,
	    "trailers-only status", "status %d", k->status);
	check(details_has(k, "bad input"), "grpc-message percent-decoded",
	    "details differ");
	check(md_eq(&k->tmd, "grpc-status-details-bin", det, sizeof(det)),
	    "grpc-status-details-bin unchanged", "missing or changed");
	call_free(k);
	k = call_start(ch, "/test.Echo/Nope", NULL, 0, "x", 1, 10000);
	(void)call_wait(k, 10000);
	check(k->status == GRPC_STATUS_UNIMPLEMENTED, "unknown method status",
	    "status %d", k->status);
	call_free(k);
}

static void
t_large(void)
{
	uint8_t		*msg = malloc(CL_LARGE), *b;
	struct call	*k;
	size_t		 i, len;

	for (i = 0; i < CL_LARGE; i++)
		msg[i] = (uint8_t)(i * 7 + (i >> 13));
	k = call_start(ch, "/test.Echo/Unary", NULL, 0, msg, CL_LARGE, 120000);
	(void)call_wait(k, 120000);
	b = call_body(k, &len);
	check(k->status == GRPC_STATUS_OK && b != NULL && len == CL_LARGE &&
	    memcmp(b, msg, CL_LARGE) == 0, "64 MiB message round trip",
	    "status %d, %zu bytes", k->status, len);
	free(b);
	free(msg);
	call_free(k);
}

static long
stats_cancelled(void)
{
	struct call	*k;
	uint8_t		*b;
	size_t		 len;
	long		 n = -1;

	k = call_start(ch, "/test.Echo/Stats", NULL, 0, "", 0, 5000);
	(void)call_wait(k, 5000);
	b = call_body(k, &len);
	if (b != NULL && strncmp((char *)b, "cancelled=", 10) == 0)
		n = strtol((char *)b + 10, NULL, 10);
	free(b);
	call_free(k);
	return n;
}

static void
t_cancel(void)
{
	struct call	*k;
	long		 before = stats_cancelled(), after = before;
	int		 i;

	k = call_start(ch, "/test.Echo/Sleep", NULL, 0, "z", 1, 10000);
	(void)call_next(300);
	(void)grpc_call_cancel(k->c, NULL);
	(void)call_wait(k, 5000);
	check(k->status == GRPC_STATUS_CANCELLED, "cancel status",
	    "status %d", k->status);
	call_free(k);
	for (i = 0; i < 30 && after <= before; i++) {
		after = stats_cancelled();
		if (after <= before)
			(void)call_next(100);
	}
	check(before >= 0 && after > before,
	    "cancellation reaches the backend (RST_STREAM)",
	    "backend cancelled count %ld -> %ld", before, after);
}

static void
t_concurrent(void)
{
	struct call	*k[CL_CONCURRENT], *d;
	char		 msg[32];
	uint8_t		*b;
	size_t		 len;
	int		 i, ok = 0, done = 0;

	for (i = 0; i < CL_CONCURRENT; i++) {
		(void)snprintf(msg, sizeof(msg), "msg-%d", i);
		k[i] = call_start(ch, "/test.Echo/Unary", NULL, 0, msg,
		    strlen(msg), 30000);
	}
	while (done < CL_CONCURRENT && (d = call_next(30000)) != NULL)
		done++;
	for (i = 0; i < CL_CONCURRENT; i++) {
		(void)snprintf(msg, sizeof(msg), "msg-%d", i);
		b = call_body(k[i], &len);
		if (k[i]->done && k[i]->status == GRPC_STATUS_OK &&
		    b != NULL && len == strlen(msg) &&
		    memcmp(b, msg, len) == 0)
			ok++;
		free(b);
		call_free(k[i]);
	}
	check(ok == CL_CONCURRENT, "300 concurrent streams",
	    "%d of %d correct", ok, CL_CONCURRENT);
}

static void
t_gzip(void)
{
	char		 msg[10000];
	uint8_t		*b;
	size_t		 len;
	struct call	*k;

	memset(msg, 'a', sizeof(msg));
	k = call_start(ch_gzip, "/test.Echo/Unary", NULL, 0, msg, sizeof(msg),
	    10000);
	(void)call_wait(k, 10000);
	b = call_body(k, &len);
	check(k->status == GRPC_STATUS_OK && b != NULL && len == sizeof(msg)
	    && memcmp(b, msg, len) == 0, "gzip message round trip",
	    "status %d, %zu bytes", k->status, len);
	check(md_eq(&k->imd, "x-seen-grpc-encoding", "gzip", 4),
	    "grpc-encoding gzip reaches the backend", "not seen");
	free(b);
	call_free(k);
}

/* -------------------------------------------------------------- modes */

static void
m_unavailable(const char *method, const char *name, const char *needle)
{
	struct call	*k;
	char		*d;

	k = call_start(ch, method, NULL, 0, "u", 1, 15000);
	(void)call_wait(k, 20000);
	d = grpc_slice_to_c_string(k->details);
	(void)printf("    (status %d: %s)\n", k->status, d);
	check(k->status == GRPC_STATUS_UNAVAILABLE && details_has(k,
	    "upstream") && details_has_any(k, needle), name,
	    "status %d, message \"%s\", expected \"%s\" in it", k->status, d,
	    needle);
	gpr_free(d);
	call_free(k);
}

/* The call must fail at the transport (no message from the sidecar). */
static void
m_refused(void)
{
	struct call	*k;
	char		*d;

	k = call_start(ch, "/test.Echo/Unary", NULL, 0, "r", 1, 10000);
	(void)call_wait(k, 15000);
	d = grpc_slice_to_c_string(k->details);
	(void)printf("    (status %d: %s)\n", k->status, d);
	check(k->status == GRPC_STATUS_UNAVAILABLE && !details_has(k,
	    "tenuo-sidecar"), "the connection is refused",
	    "status %d, message \"%s\"", k->status, d);
	gpr_free(d);
	call_free(k);
}

static void
m_auth(void)
{
	static const char	 tok[] = "Bearer eyJhbGciOiJFZERTQSJ9.e30.c2ln";
	grpc_metadata		 m = md("authorization", tok, strlen(tok));
	struct call		*k;

	k = call_start(ch, "/test.Echo/Unary", &m, 1, "a", 1, 10000);
	(void)call_wait(k, 10000);
	check(k->status == GRPC_STATUS_OK, "call with an API key succeeds",
	    "status %d", k->status);
	check(md_eq(&k->imd, "x-seen-authorization", tok, strlen(tok)),
	    "authorization reaches the backend unchanged",
	    "missing or changed");
	call_free(k);
	md_free(&m, 1);
}

static void
m_wait_ok(long secs)
{
	struct call	*k;
	gpr_timespec	 end = in_ms(secs * 1000);
	int		 st = -1;

	while (gpr_time_cmp(gpr_now(GPR_CLOCK_MONOTONIC), end) < 0) {
		k = call_start(ch, "/test.Echo/Unary", NULL, 0, "r", 1, 2000);
		(void)call_wait(k, 5000);
		st = (int)k->status;
		call_free(k);
		if (st == GRPC_STATUS_OK)
			break;
		(void)call_next(200);
	}
	check(st == GRPC_STATUS_OK, "recovers after the upstream returns",
	    "last status %d", st);
}

static void
m_delay(const char *ms)
{
	grpc_metadata	 m = md("x-delay-ms", ms, strlen(ms));
	struct call	*k;

	k = call_start(ch, "/test.Echo/Delay", &m, 1, "d", 1, 30000);
	(void)call_wait(k, 30000);
	check(k->status == GRPC_STATUS_OK, "in-flight call completes",
	    "status %d", k->status);
	call_free(k);
	md_free(&m, 1);
}

static long
rss_kb(const char *pid)
{
	char	path[64], line[256];
	FILE	*f;
	long	 kb = -1;

	(void)snprintf(path, sizeof(path), "/proc/%s/status", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	while (fgets(line, sizeof(line), f) != NULL)
		if (strncmp(line, "VmRSS:", 6) == 0)
			kb = strtol(line + 6, NULL, 10);
	(void)fclose(f);
	return kb;
}

/* Waits ms, marking the calls that finish meanwhile as done. */
static void
cl_sleep(long ms)
{
	gpr_timespec	end = in_ms(ms);
	grpc_event	ev;

	while (gpr_time_cmp(gpr_now(GPR_CLOCK_MONOTONIC), end) < 0) {
		ev = grpc_completion_queue_next(cq, end, NULL);
		if (ev.type == GRPC_OP_COMPLETE)
			((struct call *)ev.tag)->done = 1;
	}
}

/* Waits until every call in k[0..n) is done or timeout_ms pass. */
static void
calls_wait(struct call **k, long n, long timeout_ms)
{
	gpr_timespec	end = in_ms(timeout_ms);
	grpc_event	ev;
	long		i;

	for (i = 0; i < n; i++)
		while (!k[i]->done && gpr_time_cmp(gpr_now(GPR_CLOCK_MONOTONIC),
		    end) < 0) {
			ev = grpc_completion_queue_next(cq, end, NULL);
			if (ev.type == GRPC_OP_COMPLETE)
				((struct call *)ev.tag)->done = 1;
		}
}

/* A metadata value as a NUL-terminated string ("" when absent). */
static void
md_str(const grpc_metadata_array *a, const char *k, char *out, size_t len)
{
	size_t	i, n;

	out[0] = '\0';
	for (i = 0; i < a->count; i++) {
		if (grpc_slice_str_cmp(a->metadata[i].key, k) != 0)
			continue;
		n = GRPC_SLICE_LENGTH(a->metadata[i].value);
		if (n >= len)
			n = len - 1;
		memcpy(out, GRPC_SLICE_START_PTR(a->metadata[i].value), n);
		out[n] = '\0';
		return;
	}
}

/* The call succeeded and echoed "<tag>-<i>"; its x-conn into conn. */
static int
call_echo_ok(struct call *k, const char *tag, long i, char *conn,
    size_t clen)
{
	char	 msg[48];
	uint8_t	*b;
	size_t	 len;
	int	 ok;

	(void)snprintf(msg, sizeof(msg), "%s-%ld", tag, i);
	b = call_body(k, &len);
	ok = k->done && k->status == GRPC_STATUS_OK && b != NULL &&
	    len == strlen(msg) && memcmp(b, msg, len) == 0;
	free(b);
	if (conn != NULL)
		md_str(&k->imd, "x-conn", conn, clen);
	return ok;
}

static struct call *
call_tagged(grpc_channel *c, const char *method, grpc_metadata *m,
    size_t nm, const char *tag, long i, long deadline_ms)
{
	char	msg[48];

	(void)snprintf(msg, sizeof(msg), "%s-%ld", tag, i);
	return call_start(c, method, m, nm, msg, strlen(msg), deadline_ms);
}

static void
call_print(struct call *k, const char *tag, long i)
{
	char	*d = grpc_slice_to_c_string(k->details);

	(void)printf("    (%s-%ld: %s, status %d: %s)\n", tag, i, k->done ?
	    "done" : "not done", k->status, d);
	gpr_free(d);
}

/* Counts the calls that echoed right, and those on connection conn. */
static void
calls_check(struct call **k, long n, const char *tag, const char *conn,
    long *ok, long *same)
{
	char	c[16];
	long	i;

	*ok = *same = 0;
	for (i = 0; i < n; i++) {
		if (call_echo_ok(k[i], tag, i, c, sizeof(c)))
			(*ok)++;
		else if (n - i <= 3 || *ok == i)	/* a few, for the log */
			call_print(k[i], tag, i);
		if (conn != NULL && strcmp(c, conn) == 0)
			(*same)++;
		call_free(k[i]);
	}
}

static void
m_goaway(void)
{
	grpc_metadata	 m = md("x-delay-ms", "1000", 4);
	struct call	*held[CL_GOAWAY_HELD], *race[CL_GOAWAY_RACE];
	struct call	*after[CL_GOAWAY_RACE], *g;
	char		 c0[16], cg[16];
	long		 i, ok, same;

	for (i = 0; i < CL_GOAWAY_HELD; i++)
		held[i] = call_tagged(ch, "/test.Echo/Delay", &m, 1, "held", i,
		    20000);
	cl_sleep(300);
	g = call_tagged(ch, "/test.Echo/Goaway", NULL, 0, "g", 0, 10000);
	for (i = 0; i < CL_GOAWAY_RACE; i++)
		race[i] = call_tagged(ch, "/test.Echo/Unary", NULL, 0, "race",
		    i, 10000);
	calls_wait(&g, 1, 10000);
	check(call_echo_ok(g, "g", 0, cg, sizeof(cg)), "the call that "
	    "brings the GOAWAY succeeds", "status %d", g->status);
	call_free(g);
	for (i = 0; i < CL_GOAWAY_RACE; i++)
		after[i] = call_tagged(ch, "/test.Echo/Unary", NULL, 0, "after",
		    i, 10000);
	calls_wait(held, CL_GOAWAY_HELD, 20000);
	calls_wait(race, CL_GOAWAY_RACE, 20000);
	calls_wait(after, CL_GOAWAY_RACE, 20000);
	(void)snprintf(c0, sizeof(c0), "%s", cg);
	calls_check(held, CL_GOAWAY_HELD, "held", c0, &ok, &same);
	check(ok == CL_GOAWAY_HELD && same == CL_GOAWAY_HELD,
	    "in-flight streams finish on the connection that sent GOAWAY",
	    "%ld of %d OK, %ld on upstream connection %s", ok, CL_GOAWAY_HELD,
	    same, c0);
	calls_check(race, CL_GOAWAY_RACE, "race", NULL, &ok, &same);
	check(ok == CL_GOAWAY_RACE, "calls racing the GOAWAY all succeed",
	    "%ld of %d OK", ok, CL_GOAWAY_RACE);
	calls_check(after, CL_GOAWAY_RACE, "after", c0, &ok, &same);
	check(ok == CL_GOAWAY_RACE && same == 0, "calls after the GOAWAY "
	    "succeed on a fresh upstream connection", "%ld of %d OK, %ld on "
	    "the old connection %s", ok, CL_GOAWAY_RACE, same, c0);
	md_free(&m, 1);
}

/* utime + stime of a process, in clock ticks (-1: unknown). */
static long
cpu_ticks(const char *pid)
{
	char		 path[64], buf[1024], *p;
	FILE		*f;
	size_t		 n;
	unsigned long	 ut, st;

	(void)snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	if ((f = fopen(path, "r")) == NULL)
		return -1;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	(void)fclose(f);
	buf[n] = '\0';
	if ((p = strrchr(buf, ')')) == NULL || sscanf(p + 2, "%*c %*d %*d "
	    "%*d %*d %*d %*u %*u %*u %*u %*u %lu %lu", &ut, &st) != 2)
		return -1;
	return (long)(ut + st);
}

static void
m_longpoll(const char *pid, long nconn, long ncalls, long hold_ms,
    long max_kb)
{
	grpc_channel	**chs = calloc((size_t)nconn, sizeof(*chs));
	struct call	**k = calloc((size_t)ncalls, sizeof(*k));
	char		  hold[24];
	grpc_metadata	  m;
	long		  i, ok, same, rss0, rss1, rss2, cpu1, cpu2, quiet;
	long		  tck = sysconf(_SC_CLK_TCK);

	(void)snprintf(hold, sizeof(hold), "%ld", hold_ms);
	m = md("x-delay-ms", hold, strlen(hold));
	for (i = 0; i < nconn; i++)
		chs[i] = channel(0, 1);
	rss0 = rss_kb(pid);
	for (i = 0; i < ncalls; i++)
		k[i] = call_tagged(chs[i % nconn], "/test.Echo/Delay", &m, 1,
		    "poll", i, CL_LONGPOLL_DEADLINE_MS);
	cl_sleep(3000);			/* every stream open by now */
	rss1 = rss_kb(pid);
	cpu1 = cpu_ticks(pid);
	quiet = hold_ms - 6000;
	cl_sleep(quiet);
	rss2 = rss_kb(pid);
	cpu2 = cpu_ticks(pid);
	if (rss1 < rss2)
		rss1 = rss2;
	(void)printf("    (%ld streams over %ld connections: sidecar VmRSS "
	    "%ld kB -> %ld kB, %ld bytes a stream; CPU %ld ms in the %ld ms "
	    "they waited)\n", ncalls, nconn, rss0, rss1, ncalls > 0 ?
	    (rss1 - rss0) * 1024 / ncalls : 0, (cpu2 - cpu1) * 1000 / tck,
	    quiet);
	check(rss0 > 0 && rss1 - rss0 < max_kb, "sidecar memory for the "
	    "long polls stays under the bound", "VmRSS grew %ld kB (bound "
	    "%ld kB)", rss1 - rss0, max_kb);
	check(cpu1 >= 0 && (cpu2 - cpu1) * 1000 / tck * 100 < quiet *
	    CL_CPU_MAX_PCT, "the sidecar is idle while the streams wait (no "
	    "busy loop)", "%ld ms CPU in %ld ms", (cpu2 - cpu1) * 1000 / tck,
	    quiet);
	calls_wait(k, ncalls, hold_ms + 30000);
	calls_check(k, ncalls, "poll", NULL, &ok, &same);
	check(ok == ncalls, "every long poll answers right", "%ld of %ld OK",
	    ok, ncalls);
	for (i = 0; i < nconn; i++)
		grpc_channel_destroy(chs[i]);
	free(chs);
	free(k);
	md_free(&m, 1);
}

/* Starts call number i of the load, on one of the channels. */
static struct call *
load_start(grpc_channel **chs, long nconn, long i)
{
	char		 ms[16];
	grpc_metadata	 m;
	struct call	*k;

	(void)snprintf(ms, sizeof(ms), "%ld", 50 + (i * 37) % 250);
	m = md("x-delay-ms", ms, strlen(ms));
	k = call_tagged(chs[i % nconn], "/test.Echo/Delay", &m, 1, "load", i,
	    20000);
	md_free(&m, 1);
	return k;
}

static void
m_load(long secs, long nconn, long conc)
{
	grpc_channel	**chs = calloc((size_t)nconn, sizeof(*chs));
	struct call	**k = calloc((size_t)conc, sizeof(*k));
	long		 *ids = calloc((size_t)conc, sizeof(*ids));
	gpr_timespec	  end = in_ms(secs * 1000);
	grpc_event	  ev;
	long		  i, next = 0, total = 0, bad = 0, open = 0;

	for (i = 0; i < nconn; i++)
		chs[i] = channel(0, 1);
	for (i = 0; i < conc; i++, open++) {
		ids[i] = next;
		k[i] = load_start(chs, nconn, next++);
	}
	while (open > 0) {
		ev = grpc_completion_queue_next(cq, in_ms(30000), NULL);
		if (ev.type != GRPC_OP_COMPLETE)
			break;
		for (i = 0; i < conc && k[i] != ev.tag; i++)
			;
		k[i]->done = 1;
		total++;
		if (!call_echo_ok(k[i], "load", ids[i], NULL, 0))
			bad++;
		call_free(k[i]);
		open--;
		if (gpr_time_cmp(gpr_now(GPR_CLOCK_MONOTONIC), end) < 0) {
			ids[i] = next;
			k[i] = load_start(chs, nconn, next++);
			open++;
		}
	}
	(void)printf("    (%ld calls, %ld failed, %ld never answered)\n",
	    total, bad, open);
	check(total > 0 && bad == 0 && open == 0, "every call under load "
	    "succeeds", "%ld of %ld failed, %ld unanswered", bad, total, open);
	for (i = 0; i < nconn; i++)
		grpc_channel_destroy(chs[i]);
	free(chs);
	free(k);	free(ids);
}

static long
stats_sent(void)
{
	struct call	*k;
	uint8_t		*b;
	char		*p;
	size_t		 len;
	long		 n = -1;

	k = call_start(ch, "/test.Echo/Stats", NULL, 0, "", 0, 5000);
	(void)call_wait(k, 5000);
	b = call_body(k, &len);
	if (b != NULL && (p = strstr((char *)b, "sent=")) != NULL)
		n = strtol(p + 5, NULL, 10);
	free(b);
	call_free(k);
	return n;
}

static int
op_wait(grpc_call *c, grpc_op *ops, size_t n, void *tag, long ms)
{
	grpc_event	ev;

	if (grpc_call_start_batch(c, ops, n, tag, NULL) != GRPC_CALL_OK)
		return -1;
	ev = grpc_completion_queue_next(cq, in_ms(ms), NULL);
	return ev.type == GRPC_OP_COMPLETE && ev.tag == tag && ev.success ?
	    0 : -1;
}

static void
m_slow_reader(const char *pid, const char *mb)
{
	grpc_metadata		 m = md("x-flood-mb", mb, strlen(mb));
	grpc_metadata_array	 imd, tmd;
	grpc_byte_buffer	*req, *resp = NULL;
	grpc_status_code	 st = GRPC_STATUS_UNKNOWN;
	grpc_slice		 body = grpc_empty_slice(), det, meth;
	grpc_call		*c;
	grpc_op			 ops[4];
	long			 want = strtol(mb, NULL, 10), got = 0, bad = 0;
	long			 rss0, rss1, sent0, sent1, total;
	int			 tag;

	total = want * (1024L * 1024L + 5);
	grpc_metadata_array_init(&imd);
	grpc_metadata_array_init(&tmd);
	rss0 = rss_kb(pid);
	meth = grpc_slice_from_static_string("/test.Echo/Flood");
	c = grpc_channel_create_call(ch, NULL, GRPC_PROPAGATE_DEFAULTS, cq,
	    meth, NULL, in_ms(120000), NULL);
	req = grpc_raw_byte_buffer_create(&body, 1);
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_SEND_INITIAL_METADATA;
	ops[0].data.send_initial_metadata.count = 1;
	ops[0].data.send_initial_metadata.metadata = &m;
	ops[1].op = GRPC_OP_SEND_MESSAGE;
	ops[1].data.send_message.send_message = req;
	ops[2].op = GRPC_OP_SEND_CLOSE_FROM_CLIENT;
	ops[3].op = GRPC_OP_RECV_INITIAL_METADATA;
	ops[3].data.recv_initial_metadata.recv_initial_metadata = &imd;
	check(op_wait(c, ops, 4, &tag, 10000) == 0, "flood call started",
	    "no response headers");
	grpc_byte_buffer_destroy(req);
	(void)grpc_completion_queue_next(cq, in_ms(1500), NULL);
	sent0 = stats_sent();
	(void)grpc_completion_queue_next(cq, in_ms(1500), NULL);
	sent1 = stats_sent();
	rss1 = rss_kb(pid);
	check(sent1 >= 0 && sent1 < total && sent1 - sent0 < 1024 * 1024,
	    "a slow reader stalls the backend (backpressure)",
	    "backend sent %ld then %ld of %ld bytes", sent0, sent1, total);
	check(rss0 > 0 && rss1 - rss0 < CL_GROWTH_MAX_KB,
	    "sidecar memory stays bounded while the reader stalls",
	    "VmRSS %ld kB -> %ld kB", rss0, rss1);
	(void)printf("    (backend sent %ld of %ld bytes; sidecar VmRSS %ld "
	    "-> %ld kB)\n", sent1, total, rss0, rss1);
	for (;;) {
		memset(ops, 0, sizeof(ops));
		ops[0].op = GRPC_OP_RECV_MESSAGE;
		ops[0].data.recv_message.recv_message = &resp;
		if (op_wait(c, ops, 1, &tag, 30000) == -1 || resp == NULL)
			break;
		if (grpc_byte_buffer_length(resp) != 1024 * 1024)
			bad++;
		got++;
		grpc_byte_buffer_destroy(resp);
		resp = NULL;
	}
	memset(ops, 0, sizeof(ops));
	ops[0].op = GRPC_OP_RECV_STATUS_ON_CLIENT;
	ops[0].data.recv_status_on_client.trailing_metadata = &tmd;
	ops[0].data.recv_status_on_client.status = &st;
	ops[0].data.recv_status_on_client.status_details = &det;
	(void)op_wait(c, ops, 1, &tag, 30000);
	check(st == GRPC_STATUS_OK && got == want && bad == 0,
	    "every flooded message arrives once the reader reads",
	    "status %d, %ld of %ld messages, %ld bad", st, got, want, bad);
	grpc_slice_unref(det);
	grpc_metadata_array_destroy(&imd);
	grpc_metadata_array_destroy(&tmd);
	grpc_call_unref(c);
	md_free(&m, 1);
}

int
main(int argc, char *argv[])
{
	const char	*mode;

	if (argc < 3) {
		(void)fprintf(stderr, "usage: grpcclient target mode [arg]\n");
		return 2;
	}
	mode = argv[2];
	grpc_init();
	cq = grpc_completion_queue_create_for_next(NULL);
	target = argv[1];
	ch = channel(0, 0);
	ch_gzip = channel(1, 0);
	if (strcmp(mode, "all") == 0) {
		t_metadata();
		t_deadline();
		t_trailers_only();
		t_gzip();
		t_cancel();
		t_concurrent();
		t_large();
	} else if (strcmp(mode, "inflight-unavailable") == 0)
		m_unavailable("/test.Echo/Sleep", "in-flight stream gets "
		    "UNAVAILABLE", argc > 3 ? argv[3] : "");
	else if (strcmp(mode, "expect-unavailable") == 0)
		m_unavailable("/test.Echo/Unary", "new stream gets UNAVAILABLE",
		    argc > 3 ? argv[3] : "");
	else if (strcmp(mode, "expect-refused") == 0)
		m_refused();
	else if (strcmp(mode, "auth") == 0)
		m_auth();
	else if (strcmp(mode, "wait-ok") == 0 && argc > 3)
		m_wait_ok(strtol(argv[3], NULL, 10));
	else if (strcmp(mode, "delay") == 0 && argc > 3)
		m_delay(argv[3]);
	else if (strcmp(mode, "goaway") == 0)
		m_goaway();
	else if (strcmp(mode, "longpoll") == 0 && argc > 7)
		m_longpoll(argv[3], strtol(argv[4], NULL, 10),
		    strtol(argv[5], NULL, 10), strtol(argv[6], NULL, 10),
		    strtol(argv[7], NULL, 10));
	else if (strcmp(mode, "load") == 0 && argc > 5)
		m_load(strtol(argv[3], NULL, 10), strtol(argv[4], NULL, 10),
		    strtol(argv[5], NULL, 10));
	else if (strcmp(mode, "slow-reader") == 0 && argc > 4)
		m_slow_reader(argv[3], argv[4]);
	else {
		(void)fprintf(stderr, "grpcclient: unknown mode %s\n", mode);
		return 2;
	}
	grpc_channel_destroy(ch);
	grpc_channel_destroy(ch_gzip);
	grpc_completion_queue_shutdown(cq);
	while (grpc_completion_queue_next(cq, in_ms(1000), NULL).type !=
	    GRPC_QUEUE_SHUTDOWN)
		;
	grpc_completion_queue_destroy(cq);
	grpc_shutdown();
	(void)printf("grpcclient %s: %d passed, %d failed\n", mode, npass,
	    nfail);
	return nfail > 0;
}
