/*
 * check_route.c: the fail-closed request classifier (route.h): canonical
 * paths pass, every other spelling is refused with the right status;
 * pseudo-headers, content-type, duplicates, field syntax; the
 * allow_service list; x-tenuo-* names; printable copies.
 */
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "route.h"

#define WS	"/" ROUTE_WS "/"
#define NV(n, v) { (uint8_t *)(uintptr_t)(n), (uint8_t *)(uintptr_t)(v), \
	sizeof(n) - 1, \
	sizeof(v) - 1, NGHTTP2_NV_FLAG_NONE }

static char n1[] = "test.Echo";
static char n2[] = "temporal.api.operatorservice.v1.OperatorService";
static char *extra_names[] = { n1, n2 };
static const struct route_allow extra = { extra_names, 2 };

static enum route_verdict
path(const char *p, const struct route_allow *a)
{
	char	why[ROUTE_WHY_MAX];

	return route_path((const uint8_t *)p, strlen(p), a, why, sizeof(why));
}

START_TEST(test_route_canonical_passes)
{
	ck_assert_int_eq(path(WS "PollActivityTaskQueue", NULL), ROUTE_PASS);
	ck_assert_int_eq(path(WS "RespondActivityTaskCompleted", NULL),
	    ROUTE_PASS);
	ck_assert_int_eq(path(WS "GetSystemInfo", NULL), ROUTE_PASS);
	/* unknown methods go on: the frontend answers UNIMPLEMENTED */
	ck_assert_int_eq(path(WS "NoSuchMethod2", NULL), ROUTE_PASS);
	ck_assert_int_eq(path("/grpc.health.v1.Health/Check", NULL),
	    ROUTE_PASS);
	ck_assert_int_eq(path("/test.Echo/Unary", &extra), ROUTE_PASS);
}
END_TEST

START_TEST(test_route_spellings_refused)
{
	static const char *const bad[] = {
		"//" ROUTE_WS "/PollActivityTaskQueue",
		"/" ROUTE_WS "//PollActivityTaskQueue",
		WS "PollActivityTaskQueue/",
		WS "./PollActivityTaskQueue",
		WS "../" ROUTE_WS "/PollActivityTaskQueue",
		"/x/../" ROUTE_WS "/PollActivityTaskQueue",
		WS "PollActivityTaskQueue?x=1",
		WS "PollActivityTaskQueue#f",
		WS "Poll%41ctivityTaskQueue",
		"/temporal.api.workflowservice.v1.WorkflowService%2FPoll",
		WS "PollActivityTaskQueue;x",
		WS "PollActivity TaskQueue",
		WS "pollactivitytaskqueue",
		WS "POLLACTIVITYTASKQUEUE",
		WS "RespondActivityTaskCompletedbyid",
		WS "startWorkflowExecution",
		"/temporal.api.workflowservice.v1.workflowservice/"
		    "PollActivityTaskQueue",
		"/TEMPORAL.API.WORKFLOWSERVICE.V1.WORKFLOWSERVICE/X",
		"/temporal.api..workflowservice.v1.WorkflowService/X",
		"/.temporal.api.workflowservice.v1.WorkflowService/X",
		WS,
		"/",
		"",
		"*",
		"http://h/" ROUTE_WS "/PollActivityTaskQueue",
		WS "1Poll",
		"/test.echo/Unary",
	};
	size_t	i;

	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		ck_assert_msg(path(bad[i], &extra) == ROUTE_INVALID,
		    "%s: not INVALID_ARGUMENT", bad[i]);
}
END_TEST

START_TEST(test_route_nul_and_length)
{
	char	why[ROUTE_WHY_MAX], big[ROUTE_PATH_MAX + 2];
	static const uint8_t nul[] = "/test.Echo/Un\0ary";
	size_t	n;

	ck_assert_int_eq(route_path(nul, sizeof(nul) - 1, &extra, why,
	    sizeof(why)), ROUTE_INVALID);
	/* at the cap: passes; one over: refused */
	n = strlen(WS);
	memcpy(big, WS, n);
	memset(big + n, 'A', ROUTE_PATH_MAX - n);
	big[ROUTE_PATH_MAX] = '\0';
	ck_assert_int_eq(path(big, NULL), ROUTE_PASS);
	big[ROUTE_PATH_MAX] = 'A';
	big[ROUTE_PATH_MAX + 1] = '\0';
	ck_assert_int_eq(path(big, NULL), ROUTE_INVALID);
}
END_TEST

START_TEST(test_route_services)
{
	ck_assert_int_eq(path("/test.Echo/Unary", NULL), ROUTE_UNIMPLEMENTED);
	ck_assert_int_eq(path("/temporal.api.operatorservice.v1."
	    "OperatorService/ListClusters", NULL), ROUTE_UNIMPLEMENTED);
	ck_assert_int_eq(path("/temporal.api.operatorservice.v1."
	    "OperatorService/ListClusters", &extra), ROUTE_PASS);
	ck_assert_int_eq(path("/grpc.reflection.v1alpha.ServerReflection/"
	    "ServerReflectionInfo", NULL), ROUTE_UNIMPLEMENTED);
	ck_assert_int_eq(path("/grpc.health.v1.health/Check", NULL),
	    ROUTE_INVALID);
	ck_assert_int_eq(route_service_ok("test.Echo"), 1);
	ck_assert_int_eq(route_service_ok("a"), 1);
	ck_assert_int_eq(route_service_ok(""), 0);
	ck_assert_int_eq(route_service_ok("a/b"), 0);
	ck_assert_int_eq(route_service_ok("a..b"), 0);
	ck_assert_int_eq(route_service_ok(".a"), 0);
	ck_assert_int_eq(route_service_ok("a."), 0);
	ck_assert_int_eq(route_service_ok("a%2e"), 0);
	ck_assert_int_eq(route_service_ok("1a"), 0);
}
END_TEST

static enum route_verdict
req(const nghttp2_nv *nv, size_t n)
{
	char	why[ROUTE_WHY_MAX];

	return route_request(nv, n, &extra, why, sizeof(why));
}

#define STD4 NV(":method", "POST"), NV(":scheme", "http"), \
	NV(":path", WS "PollActivityTaskQueue"), NV(":authority", "h")
#define N(a)	(sizeof(a) / sizeof((a)[0]))

START_TEST(test_route_request_good)
{
	const nghttp2_nv good[] = { STD4, NV("content-type",
	    "application/grpc"), NV("te", "trailers"), NV("grpc-timeout",
	    "70000000u"), NV("x-a-bin", "AAEC"), NV("x-a-bin", "AAED") };
	const nghttp2_nv proto[] = { NV(":method", "POST"),
	    NV(":scheme", "https"), NV(":path", WS "X"),
	    NV("content-type", "application/grpc+proto") };

	ck_assert_int_eq(req(good, N(good)), ROUTE_PASS);
	ck_assert_int_eq(req(proto, N(proto)), ROUTE_PASS);
}
END_TEST

START_TEST(test_route_request_content_type)
{
	static const char *const ct[] = { "application/json",
	    "text/plain", "application/grpc-web", "application/grpc-web+proto",
	    "application/grpc+json", "Application/grpc", "application/grpc ",
	    "application/grpc;charset=utf-8", "" };
	nghttp2_nv	nv[] = { STD4, NV("content-type", "application/grpc") };
	size_t		i;

	for (i = 0; i < N(ct); i++) {
		nv[4].value = (uint8_t *)(uintptr_t)ct[i];
		nv[4].valuelen = strlen(ct[i]);
		ck_assert_msg(req(nv, N(nv)) == ROUTE_INVALID, "%s", ct[i]);
	}
	ck_assert_int_eq(req(nv, 4), ROUTE_INVALID);	/* none */
}
END_TEST

START_TEST(test_route_request_pseudo)
{
	const nghttp2_nv dup_path[] = { STD4, NV(":path", WS "X"),
	    NV("content-type", "application/grpc") };
	const nghttp2_nv dup_auth[] = { STD4, NV(":authority", "i"),
	    NV("content-type", "application/grpc") };
	const nghttp2_nv extra_p[] = { STD4, NV(":protocol", "websocket"),
	    NV("content-type", "application/grpc") };
	const nghttp2_nv no_method[] = { NV(":scheme", "http"),
	    NV(":path", WS "X"), NV("content-type", "application/grpc") };
	const nghttp2_nv no_path[] = { NV(":method", "POST"),
	    NV(":scheme", "http"), NV("content-type", "application/grpc") };
	const nghttp2_nv get[] = { NV(":method", "GET"),
	    NV(":scheme", "http"), NV(":path", WS "X"),
	    NV("content-type", "application/grpc") };
	const nghttp2_nv late[] = { NV(":method", "POST"),
	    NV(":scheme", "http"), NV("content-type", "application/grpc"),
	    NV(":path", WS "X") };
	const nghttp2_nv scheme[] = { NV(":method", "POST"),
	    NV(":scheme", "ftp"), NV(":path", WS "X"),
	    NV("content-type", "application/grpc") };

	ck_assert_int_eq(req(dup_path, N(dup_path)), ROUTE_INVALID);
	ck_assert_int_eq(req(dup_auth, N(dup_auth)), ROUTE_INVALID);
	ck_assert_int_eq(req(extra_p, N(extra_p)), ROUTE_INVALID);
	ck_assert_int_eq(req(no_method, N(no_method)), ROUTE_INVALID);
	ck_assert_int_eq(req(no_path, N(no_path)), ROUTE_INVALID);
	ck_assert_int_eq(req(get, N(get)), ROUTE_INVALID);
	ck_assert_int_eq(req(late, N(late)), ROUTE_INVALID);
	ck_assert_int_eq(req(scheme, N(scheme)), ROUTE_INVALID);
}
END_TEST

START_TEST(test_route_request_fields)
{
	static const char *const single[] = { "content-type", "te",
	    "grpc-encoding", "grpc-timeout", "user-agent", "host",
	    "authorization", "temporal-namespace" };
	nghttp2_nv	nv[] = { STD4, NV("content-type", "application/grpc"),
	    NV("te", "trailers"), NV("x", "1"), NV("x", "1") };
	size_t		i;

	for (i = 0; i < N(single); i++) {
		nv[6].name = nv[7].name = (uint8_t *)(uintptr_t)single[i];
		nv[6].namelen = nv[7].namelen = strlen(single[i]);
		nv[6].value = nv[7].value = (uint8_t *)(uintptr_t)
		    (i < 2 ? (i == 0 ? "application/grpc" : "trailers") : "v");
		nv[6].valuelen = nv[7].valuelen = strlen((char *)nv[6].value);
		ck_assert_msg(req(nv, N(nv)) == ROUTE_INVALID, "dup %s",
		    single[i]);
	}
	nv[6] = (nghttp2_nv)NV("x-ok", "a\rb");
	nv[7] = (nghttp2_nv)NV("x-ok", "1");
	ck_assert_int_eq(req(nv, N(nv)), ROUTE_INVALID);
	nv[6] = (nghttp2_nv)NV("x-ok", "a\nb");
	ck_assert_int_eq(req(nv, N(nv)), ROUTE_INVALID);
	nv[6] = (nghttp2_nv)NV("x-ok", "a\0b");
	ck_assert_int_eq(req(nv, N(nv)), ROUTE_INVALID);
	nv[6] = (nghttp2_nv)NV("X-Ok", "1");
	ck_assert_int_eq(req(nv, N(nv)), ROUTE_INVALID);
	nv[6] = (nghttp2_nv)NV("x ok", "1");
	ck_assert_int_eq(req(nv, N(nv)), ROUTE_INVALID);
	nv[6] = (nghttp2_nv)NV("", "1");
	ck_assert_int_eq(req(nv, N(nv)), ROUTE_INVALID);
	nv[6] = (nghttp2_nv)NV("x-ok", "a\tb");
	ck_assert_int_eq(req(nv, N(nv)), ROUTE_PASS);
	nv[5] = (nghttp2_nv)NV("te", "gzip");
	ck_assert_int_eq(req(nv, N(nv)), ROUTE_INVALID);
}
END_TEST

START_TEST(test_route_tenuo_and_printable)
{
	char	out[16];

	ck_assert_int_eq(route_is_tenuo_md((const uint8_t *)"x-tenuo-warrant",
	    15), 1);
	ck_assert_int_eq(route_is_tenuo_md((const uint8_t *)"X-Tenuo-Pop", 11),
	    1);
	ck_assert_int_eq(route_is_tenuo_md((const uint8_t *)"x-tenuo", 7), 0);
	ck_assert_int_eq(route_is_tenuo_md((const uint8_t *)"x-tenu-o-a", 10),
	    0);
	route_printable((const uint8_t *)"a\r\"b", 4, out, sizeof(out));
	ck_assert_str_eq(out, "a\\x0d\\x22b");
	route_printable((const uint8_t *)"0123456789abcdefghij", 20, out,
	    sizeof(out));
	ck_assert_uint_lt(strlen(out), sizeof(out));
	ck_assert_str_eq(out + strlen(out) - 3, "...");
}
END_TEST

static Suite *
route_suite(void)
{
	Suite *s = suite_create("route");
	TCase *t = tcase_create("route");

	tcase_add_test(t, test_route_canonical_passes);
	tcase_add_test(t, test_route_spellings_refused);
	tcase_add_test(t, test_route_nul_and_length);
	tcase_add_test(t, test_route_services);
	tcase_add_test(t, test_route_request_good);
	tcase_add_test(t, test_route_request_content_type);
	tcase_add_test(t, test_route_request_pseudo);
	tcase_add_test(t, test_route_request_fields);
	tcase_add_test(t, test_route_tenuo_and_printable);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(route_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
