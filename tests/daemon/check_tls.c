/*
 * check_tls.c: Check suite for daemon/tls.c: which socket events a TLS
 * connection waits on (tls_events()), the rule that keeps the proxy's
 * watchers from spinning, and pbuf_peek()/pbuf_drop() that keep a sent
 * request for a resend.
 */
#include <sys/socket.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "pbuf.h"
#include "tls.h"

struct pair {
	struct tls_ctx	*ctx;
	struct tls_conn	*c;
	int		 fd[2];
};

/* A client connection on one end of a socket pair nobody answers. */
static void
pair_open(struct pair *p)
{
	char	why[TLS_WHY_MAX];

	ck_assert_int_eq(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0,
	    p->fd), 0);
	p->ctx = tls_ctx_new(TLS_CLIENT, why, sizeof(why));
	ck_assert_ptr_nonnull(p->ctx);
	ck_assert_int_eq(tls_ctx_set_server_name(p->ctx, "localhost", why,
	    sizeof(why)), 0);
	p->c = tls_conn_new(p->ctx, p->fd[0], why, sizeof(why));
	ck_assert_ptr_nonnull(p->c);
}

static void
pair_close(struct pair *p)
{
	tls_conn_free(p->c);
	tls_ctx_free(p->ctx);
	(void)close(p->fd[0]);
	(void)close(p->fd[1]);
}

START_TEST(test_tls_events_idle)
{
	struct pair	p;

	pair_open(&p);
	ck_assert_int_eq(tls_events(p.c, 0), TLS_EV_READ);
	ck_assert_int_eq(tls_events(p.c, 1), TLS_EV_READ | TLS_EV_WRITE);
	pair_close(&p);
}
END_TEST

/*
 * A write before the handshake is done sends the ClientHello and then
 * needs the server's answer: it waits on a read.  Its watcher must not
 * ask for writability (the socket is writable all along: the old code
 * spun on it) even though the application still has bytes to write.
 */
START_TEST(test_tls_write_waiting_on_read)
{
	struct pair	p;
	char		why[TLS_WHY_MAX];
	uint8_t		hello[1024];

	pair_open(&p);
	ck_assert_int_eq(tls_write(p.c, "data", 4, why, sizeof(why)),
	    TLS_WANT_READ);
	ck_assert_int_eq(tls_events(p.c, 1), TLS_EV_READ);
	ck_assert_int_eq(tls_events(p.c, 0), TLS_EV_READ);
	/* the ClientHello did go out */
	ck_assert_int_gt(read(p.fd[1], hello, sizeof(hello)), 0);
	/* a read that also waits on a read changes nothing */
	ck_assert_int_eq(tls_read(p.c, hello, sizeof(hello), why,
	    sizeof(why)), TLS_WANT_READ);
	ck_assert_int_eq(tls_events(p.c, 1), TLS_EV_READ);
	pair_close(&p);
}
END_TEST

/* The peer hangs up mid-handshake: an error, and no event asked twice. */
START_TEST(test_tls_write_peer_gone)
{
	struct pair	p;
	char		why[TLS_WHY_MAX];

	pair_open(&p);
	ck_assert_int_eq(tls_write(p.c, "data", 4, why, sizeof(why)),
	    TLS_WANT_READ);
	(void)close(p.fd[1]);
	p.fd[1] = -1;
	ck_assert_int_eq(tls_write(p.c, "data", 4, why, sizeof(why)), TLS_ERR);
	ck_assert_int_eq(tls_events(p.c, 1), TLS_EV_READ | TLS_EV_WRITE);
	tls_conn_free(p.c);
	tls_ctx_free(p.ctx);
	(void)close(p.fd[0]);
}
END_TEST

START_TEST(test_pbuf_peek_keeps_bytes)
{
	struct pbuf	b;
	uint8_t		out[16];

	pbuf_init(&b, 64);
	ck_assert_int_eq(pbuf_append(&b, (const uint8_t *)"abcdef", 6), 0);
	ck_assert_uint_eq(pbuf_peek(&b, 0, out, 4), 4);
	ck_assert_mem_eq(out, "abcd", 4);
	ck_assert_uint_eq(pbuf_peek(&b, 4, out, 16), 2);
	ck_assert_mem_eq(out, "ef", 2);
	ck_assert_uint_eq(pbuf_peek(&b, 6, out, 16), 0);
	ck_assert_uint_eq(b.len, 6);		/* all still queued */
	pbuf_drop(&b, 4);
	ck_assert_uint_eq(pbuf_take(&b, out, 16), 2);
	ck_assert_mem_eq(out, "ef", 2);
	pbuf_drop(&b, 10);			/* more than there is */
	ck_assert_uint_eq(b.len, 0);
	pbuf_free(&b);
}
END_TEST

static Suite *
tls_suite(void)
{
	Suite	*s = suite_create("tls");
	TCase	*tc = tcase_create("valid");

	tcase_add_test(tc, test_tls_events_idle);
	tcase_add_test(tc, test_tls_write_waiting_on_read);
	tcase_add_test(tc, test_pbuf_peek_keeps_bytes);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_test(tc, test_tls_write_peer_gone);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(tls_suite());
	int	 nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
