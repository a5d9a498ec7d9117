/*
 * check_url.c: WHATWG URL parsing and the UrlSafe (18) / UrlPattern (9)
 * constraints (lib/tn_url.c) against deployed tenuo-core's behaviour.
 *
 * IDNA expectations are the url crate 2.5.8 / idna 1.1 results (tenuo-core
 * Cargo.lock), taken from: WPT url/resources/urltestdata.json ("WPT"),
 * the UTS #46 17.0 conformance file IdnaTestV2.txt shipped in rust-url's
 * idna/tests ("IdnaTestV2", read with the WHATWG flags: V2, V3, A4_*
 * ignored), and rust-url's idna/src/uts46.rs and punycode.rs ("uts46.rs")
 * where the url crate goes beyond both.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>

#include "tcons.h"
#include "testutil.h"
#include "tn_cbor.h"
#include "tn_constraint.h"
#include "tn_url.h"

/* ------------------------------------------------------------ helpers */

#define EXACT(v)	"[1,{\"value\":" v "}]"

#define SAFE	"[18,{}]"

static void
host_is(const char *url, enum tn_url_host_kind k, const char *host,
    const char *path)
{
	struct tn_url u;

	ck_assert_msg(tn_url_parse((const uint8_t *)url, strlen(url), &u) ==
	    TN_URL_OK, "parse %s", url);
	ck_assert_msg(u.host_kind == k, "%s: kind %d", url, u.host_kind);
	ck_assert_msg(u.host_len == strlen(host) && memcmp(u.host, host,
	    u.host_len) == 0, "%s: host %.*s", url, (int)u.host_len, u.host);
	if (path != NULL)
		ck_assert_msg(u.path_len == strlen(path) && memcmp(u.path,
		    path, u.path_len) == 0, "%s: path %.*s", url,
		    (int)u.path_len, u.path);
	tn_url_free(&u);
}

static void
parse_is(const char *url, enum tn_url_status st)
{
	struct tn_url u;

	ck_assert_msg(tn_url_parse((const uint8_t *)url, strlen(url), &u) ==
	    st, "parse status %s", url);
	tn_url_free(&u);
}

START_TEST(test_url_whatwg_hosts)
{
	host_is("http://2130706433/", TN_URL_HOST_IPV4, "127.0.0.1", "/");
	host_is("http://0177.0.0.1/", TN_URL_HOST_IPV4, "127.0.0.1", NULL);
	host_is("http://0x7f.1/", TN_URL_HOST_IPV4, "127.0.0.1", NULL);
	host_is("http://127.1/", TN_URL_HOST_IPV4, "127.0.0.1", NULL);
	host_is("http://010.0.0.1/", TN_URL_HOST_IPV4, "8.0.0.1", NULL);
	host_is("http://0x7f000001/", TN_URL_HOST_IPV4, "127.0.0.1", NULL);
	host_is("http://127.0.0.1./", TN_URL_HOST_IPV4, "127.0.0.1", NULL);
	host_is("http://%31%32%37.0.0.1/", TN_URL_HOST_IPV4, "127.0.0.1",
	    NULL);
	host_is("http://[::ffff:127.0.0.1]/", TN_URL_HOST_IPV6,
	    "[::ffff:7f00:1]", NULL);
	host_is("http://[0:0:0:0:0:0:0:1]:8080/x", TN_URL_HOST_IPV6, "[::1]",
	    "/x");
	host_is("http://[2001:db8:0:0:1:0:0:1]/", TN_URL_HOST_IPV6,
	    "[2001:db8::1:0:0:1]", NULL);
	host_is("http://good.com@evil.com/", TN_URL_HOST_DOMAIN, "evil.com",
	    NULL);
	host_is("http://a@b@EVIL.com:80/", TN_URL_HOST_DOMAIN, "evil.com",
	    NULL);
	host_is("HTTPS://Example.COM./a/../b/./c", TN_URL_HOST_DOMAIN,
	    "example.com.", "/b/c");
	host_is("https:///path", TN_URL_HOST_DOMAIN, "path", "/");
	host_is("http:\\\\evil.com\\x", TN_URL_HOST_DOMAIN, "evil.com", "/x");
	host_is(" \thttp://ex\nample.com/ ", TN_URL_HOST_DOMAIN,
	    "example.com", "/");
	host_is("http://a.com/%2e%2E/x y", TN_URL_HOST_DOMAIN, "a.com",
	    "/x%20y");
	host_is("gopher://Ex%41mple.com/", TN_URL_HOST_OPAQUE,
	    "Ex%41mple.com", NULL);
	host_is("file:///etc/passwd", TN_URL_HOST_EMPTY, "", "/etc/passwd");
	parse_is("http://", TN_URL_INVALID);
	parse_is("not-a-url", TN_URL_INVALID);
	parse_is("http://user@/", TN_URL_INVALID);
	parse_is("http://a.com:65536/", TN_URL_INVALID);
	parse_is("http://a.com:8x/", TN_URL_INVALID);
	parse_is("http://1.2.3.4.5/", TN_URL_INVALID);
	parse_is("http://256.0.0.1/", TN_URL_INVALID);
	parse_is("http://[::1/", TN_URL_INVALID);
	parse_is("http://[1:2:3:4:5:6:7:8:9]/", TN_URL_INVALID);
	parse_is("http://a%2fb.com/", TN_URL_INVALID);
	parse_is("http://a b.com/", TN_URL_INVALID);
	/* IDNA hosts: see test_url_idna_*. */
	host_is("http://xn--nxasmq6b.com/", TN_URL_HOST_DOMAIN,
	    "xn--nxasmq6b.com", NULL);
	host_is("http://b\xc3\xbc""cher.de/", TN_URL_HOST_DOMAIN,
	    "xn--bcher-kva.de", NULL);
	host_is("http://%C3%BC.de/", TN_URL_HOST_DOMAIN, "xn--tda.de", NULL);
}
END_TEST

START_TEST(test_url_safe_defaults_block_ssrf)
{
	ALLOW(SAFE, "https://api.example.com/data");		/* A.25.1 */
	DENY(SAFE, "http://169.254.169.254/");			/* A.25.1 */
	ALLOW(SAFE, "https://api.github.com/repos");
	ALLOW(SAFE, "http://example.com/path");
	ALLOW(SAFE, "https:///path");
	DENY(SAFE, "http://");
	DENY(SAFE, "not-a-url");
	DENY(SAFE, "http://localhost:8080/");
	DENY(SAFE, "http://127.0.0.1/");
	DENY(SAFE, "http://[::1]/");
	DENY(SAFE, "http://10.0.0.1/admin");
	DENY(SAFE, "http://172.16.0.1/");
	DENY(SAFE, "http://192.168.1.1/admin");
	DENY(SAFE, "http://metadata.google.internal/");
	DENY(SAFE, "http://100.100.100.200/");
	DENY(SAFE, "http://169.254.1.1/");
	DENY(SAFE, "file:///etc/passwd");
	DENY(SAFE, "gopher://evil.com/");
	DENY(SAFE, "ftp://example.com/");
	DENY(SAFE, "http://0.0.0.0/");
	DENY(SAFE, "http://224.0.0.1/");
	DENY(SAFE, "http://255.255.255.255/");
	DENY(SAFE, "http://[fc00::1]/");
	DENY(SAFE, "http://[fe80::1]/");
	/* Address encodings: the host is normalized first. */
	DENY(SAFE, "http://2130706433/");
	DENY(SAFE, "http://0x7f000001/");
	DENY(SAFE, "http://0177.0.0.1/");
	DENY(SAFE, "http://0x7f.1/");
	DENY(SAFE, "http://127.1/");
	DENY(SAFE, "http://012.0.0.1/");
	ALLOW(SAFE, "http://010.0.0.1/");	/* 8.0.0.1, public */
	ALLOW(SAFE, "http://8.0.0.1/");
	ALLOW(SAFE, "https://10example.com/");
	DENY(SAFE, "http://%31%32%37.0.0.1/");
	DENY(SAFE, "http://[::ffff:127.0.0.1]/");
	DENY(SAFE, "http://[::ffff:10.0.0.1]/");
	DENY(SAFE, "http://[::127.0.0.1]/");
	DENY(SAFE, "http://[0:0:0:0:0:0:127.0.0.1]/");
	DENY(SAFE, "http://[::10.0.0.1]/");
	DENY(SAFE, "http://[::169.254.169.254]/");
	/* userinfo is not the host */
	DENY(SAFE, "http://good.com@127.0.0.1/");
	ALLOW(SAFE, "http://127.0.0.1@good.com/");
	ALLOW(SAFE, "http://evil.com\\@127.0.0.1/x");	/* host evil.com */
	/* NUL bytes */
	ck_assert_int_eq(chk(SAFE, J("\"https://evil.com\\u0000.trusted.com/\"")),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	/*
	 * IDNA: the url crate accepts these Cyrillic look-alikes of
	 * apple.com (hosts xn--80ak6aa92e.com, xn--pple-43d.com); with no
	 * domain lists UrlSafe allows them as deployed does.
	 */
	ALLOW(SAFE, "http://xn--80ak6aa92e.com/");
	ALLOW(SAFE, "http://\xd0\xb0pple.com/");
	/* Non-strings. */
	ck_assert_int_eq(chk(SAFE, J("123")), TN_ERR_CONSTRAINT_NOT_SATISFIED);
}
END_TEST

START_TEST(test_url_safe_stricter_trailing_dot)
{
	DENY(SAFE, "http://localhost./");
	DENY(SAFE, "http://metadata.google.internal./");
	DENY("[18,{\"deny_domains\":[\"evil.com\"]}]", "http://evil.com./");
	DENY("[18,{\"block_internal_tlds\":true}]", "http://db.corp./");
	DENY("[18,{\"schemes\":[\"gopher\"]}]", "gopher://127.0.0.1./");
	DENY("[18,{\"schemes\":[\"gopher\"]}]", "gopher://2130706433/");
	DENY("[18,{\"schemes\":[\"gopher\"]}]", "gopher://0x7F000001/");
	DENY("[18,{\"schemes\":[\"gopher\"]}]", "gopher://%31%32%37.0.0.1/");
	DENY("[18,{\"schemes\":[\"gopher\"]}]", "gopher://010.0.0.1/");
	ALLOW("[18,{\"schemes\":[\"gopher\"]}]", "gopher://example.com/");
}
END_TEST

START_TEST(test_url_safe_fields)
{
	const char *allow = "[18,{\"allow_domains\":[\"api.github.com\","
	    "\"*.example.com\"]}]";
	const char *ports = "[18,{\"allow_ports\":[443,8443]}]";
	const char *deny = "[18,{\"deny_domains\":[\"evil.com\","
	    "\"*.malware.org\"]}]";

	ALLOW(allow, "https://api.github.com/repos");
	ALLOW(allow, "https://sub.example.com/path");
	ALLOW(allow, "https://example.com/");
	DENY(allow, "https://other.com/");
	DENY(allow, "https://example.com./");
	ALLOW(allow, "http://8.8.8.8/");	/* IPs skip allow_domains */
	ALLOW(ports, "https://example.com:443/");
	ALLOW(ports, "https://example.com/");
	ALLOW(ports, "https://example.com:8443/");
	DENY(ports, "http://example.com:80/");
	DENY(ports, "https://example.com:8080/");
	DENY(deny, "https://evil.com/payload");
	DENY(deny, "https://sub.malware.org/c2");
	ALLOW(deny, "https://example.com/");
	/* deny_domains runs for IPs too, and deny wins over allow. */
	DENY("[18,{\"deny_domains\":[\"169.254.169.254\"],"
	    "\"block_metadata\":false}]", "http://169.254.169.254/latest/");
	DENY("[18,{\"deny_domains\":[\"10.0.0.1\"],\"block_private\":false}]",
	    "http://10.0.0.1/admin");
	ALLOW("[18,{\"deny_domains\":[\"10.0.0.1\"],\"block_private\":false}]",
	    "http://10.0.0.2/admin");
	DENY("[18,{\"allow_domains\":[\"*.example.com\"],\"deny_domains\":"
	    "[\"evil.example.com\"]}]", "https://evil.example.com/");
	ALLOW("[18,{\"allow_domains\":[\"*.example.com\"],\"deny_domains\":"
	    "[\"evil.example.com\"]}]", "https://good.example.com/");
	/* Kelvin sign lower-cases to 'k' in the deployed Rust code. */
	DENY("[18,{\"deny_domains\":[\"\xe2\x84\xaa.com\"]}]", "http://k.com/");
	/* block_internal_tlds */
	ALLOW(SAFE, "http://db.corp/");
	DENY("[18,{\"block_internal_tlds\":true}]", "http://db.corp/");
	DENY("[18,{\"block_internal_tlds\":true}]", "http://svc/");
	DENY("[18,{\"block_internal_tlds\":true}]",
	    "http://kubernetes.default/");
	/* flags off */
	ALLOW("[18,{\"block_loopback\":false}]", "http://127.0.0.1/");
	ALLOW("[18,{\"block_private\":false}]", "http://10.1.2.3/");
	ALLOW("[18,{\"schemes\":[\"HTTPS\"]}]", "https://example.com/");
	DENY("[18,{\"schemes\":[\"https\"]}]", "http://example.com/");
}
END_TEST

START_TEST(test_url_safe_attenuation)
{
	ATT_OK(SAFE, SAFE);
	ATT_OK("[18,{\"allow_ports\":[443,8443]}]",
	    "[18,{\"allow_ports\":[443]}]");
	ATT_BAD("[18,{\"allow_ports\":[443]}]", SAFE);
	ATT_BAD("[18,{\"allow_ports\":[443]}]",
	    "[18,{\"allow_ports\":[443,80]}]");
	ATT_OK(SAFE, "[18,{\"schemes\":[\"https\"]}]");
	ATT_BAD("[18,{\"schemes\":[\"https\"]}]", SAFE);
	ATT_BAD(SAFE, "[18,{\"schemes\":[\"ftp\"]}]");
	ATT_OK("[18,{\"deny_domains\":[\"evil.com\"]}]",
	    "[18,{\"deny_domains\":[\"EVIL.com\",\"also-bad.com\"]}]");
	ATT_BAD("[18,{\"deny_domains\":[\"evil.com\"]}]", SAFE);
	ATT_BAD("[18,{\"deny_domains\":[\"evil.com\"]}]",
	    "[18,{\"deny_domains\":[\"other.com\"]}]");
	ATT_OK("[18,{\"allow_domains\":[\"*.example.com\"]}]",
	    "[18,{\"allow_domains\":[\"api.example.com\"]}]");
	ATT_BAD("[18,{\"allow_domains\":[\"api.example.com\"]}]",
	    "[18,{\"allow_domains\":[\"*.example.com\"]}]");
	ATT_BAD("[18,{\"allow_domains\":[\"api.example.com\"]}]", SAFE);
	ATT_OK(SAFE, "[18,{\"allow_domains\":[\"a.com\"]}]");
	ATT_BAD(SAFE, "[18,{\"block_private\":false}]");
	ATT_BAD(SAFE, "[18,{\"block_loopback\":false}]");
	ATT_BAD(SAFE, "[18,{\"block_metadata\":false}]");
	ATT_BAD(SAFE, "[18,{\"block_reserved\":false}]");
	ATT_OK(SAFE, "[18,{\"block_internal_tlds\":true}]");
	ATT_BAD("[18,{\"block_internal_tlds\":true}]", SAFE);
	ATT_OK("[18,{\"block_private\":false}]", SAFE);
	/* -> Exact */
	ATT_OK(SAFE, EXACT("\"https://example.com/x\""));
	ATT_BAD(SAFE, EXACT("\"http://127.0.0.1/\""));
	ATT_BAD(SAFE, EXACT("5"));
	ATT_BAD(SAFE, "[2,{\"pattern\":\"*\"}]");
	ATT_BAD(SAFE, "[16,null]");
}
END_TEST

#define UP(p)	"[9,\"" p "\"]"

START_TEST(test_url_pattern_match)
{
	struct tn_error e;

	ALLOW(UP("https://api.example.com/v1/*"),
	    "https://api.example.com/v1/users");			/* A.25.5 */
	DENY(UP("https://api.example.com/v1/*"), "https://evil.com/api");
	DENY(UP("https://api.example.com/v1/*"),
	    "https://api.example.com/v2/users");
	ALLOW(UP("https://example.com/*"), "https://example.com/");
	ALLOW(UP("https://example.com/*"), "https://example.com/users/123");
	DENY(UP("https://example.com/*"), "http://example.com/");
	DENY(UP("https://example.com/*"), "https://evil.com/");
	ALLOW(UP("https://*.example.com/*"), "https://api.example.com/");
	ALLOW(UP("https://*.example.com/*"), "https://example.com/v1");
	DENY(UP("https://*.example.com/*"), "https://api.evil.com/");
	DENY(UP("https://*.example.com/*"), "https://evilexample.com/");
	ALLOW(UP("*://api.example.com/*"), "http://api.example.com/v1");
	ALLOW(UP("*://api.example.com/*"), "https://api.example.com/v1");
	ALLOW(UP("https://api.example.com:8443/*"),
	    "https://api.example.com:8443/v1");
	DENY(UP("https://api.example.com:8443/*"),
	    "https://api.example.com:443/v1");
	DENY(UP("https://api.example.com:8443/*"),
	    "https://api.example.com/v1");
	ALLOW(UP("https://api.example.com/api/v1/*"),
	    "https://api.example.com/api/v1/");
	DENY(UP("https://api.example.com/api/v1/*"),
	    "https://api.example.com/other");
	/* The value is parsed like the pattern: traversal is resolved. */
	DENY(UP("https://api.example.com/v1/*"),
	    "https://api.example.com/v1/../admin");
	DENY(UP("https://api.example.com/v1/*"),
	    "https://api.example.com/v1/%2e%2e/admin");
	ALLOW(UP("https://api.example.com/v1/*"),
	    "https://user@api.example.com/v1/x?q=1#f");
	DENY(UP("https://api.example.com/v1/*"),
	    "https://api.example.com@evil.com/v1/x");
	/* "https://example.com/" means any path. */
	ALLOW(UP("https://example.com/"), "https://example.com/a/b");
	/* Bare wildcard host: deployed matches nothing (URLP-001). */
	DENY(UP("https://*/*"), "https://example.com/path");
	/* Not a URL: an error, so Not() does not flip it. */
	DENY(UP("https://a.example/*"), "not a url");
	DENY("[14,{\"constraint\":" UP("https://a.example/*") "}]",
	    "not a url");
	ck_assert_int_eq(chk(UP("https://a.example/*"), J("5")),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	/* Validation, as deployed decoding does. */
	INVALID(UP("not-a-url"));
	INVALID(UP("missing-scheme.com"));
	INVALID(UP("https://__tenuo_host_wildcard__.evil.com/*"));
	INVALID(UP("https://evil.com/__tenuo_path_wildcard__"));
	VALID(UP("*://example.com/api/*"));
	/* IDNA pattern (see test_url_pattern_idna). */
	VALID(UP("https://xn--nxasmq6b.com/*"));
	ALLOW(UP("https://xn--nxasmq6b.com/*"), "https://xn--nxasmq6b.com/x");
}
END_TEST

START_TEST(test_url_pattern_compile_fields)
{
	struct tn_urlpattern p;
	const char *s = "https://*.Example.com:8443/api/*";

	ck_assert_int_eq(tn_urlpattern_compile((const uint8_t *)s, strlen(s),
	    &p, NULL), TN_OK);
	ck_assert(p.scheme_len == 5 && memcmp(p.scheme, "https", 5) == 0);
	ck_assert(p.host_len == 13 && memcmp(p.host, "*.example.com", 13) ==
	    0);
	ck_assert(p.has_port && p.port == 8443);
	ck_assert(p.path_len == 6 && memcmp(p.path, "/api/*", 6) == 0);
	tn_urlpattern_free(&p);
	s = "https://example.com:443/";
	ck_assert_int_eq(tn_urlpattern_compile((const uint8_t *)s, strlen(s),
	    &p, NULL), TN_OK);
	ck_assert(!p.has_port && p.path == NULL);
	tn_urlpattern_free(&p);
}
END_TEST

START_TEST(test_url_pattern_attenuation)
{
	ATT_OK(UP("https://api.example.com/*"), UP("https://api.example.com/*"));
	ATT_OK(UP("https://api.example.com/*"),
	    UP("https://api.example.com/api/v1/*"));
	ATT_OK(UP("https://*.example.com/*"), UP("https://api.example.com/*"));
	ATT_OK(UP("https://*.example.com/*"),
	    UP("https://api.example.com/v1/*"));
	ATT_OK(UP("https://*.example.com/*"), UP("https://*.a.example.com/*"));
	ATT_OK(UP("*://api.example.com/*"), UP("https://api.example.com/*"));
	ATT_BAD(UP("https://api.example.com/*"), UP("http://api.example.com/*"));
	ATT_BAD(UP("https://api.example.com/*"), UP("*://api.example.com/*"));
	ATT_BAD(UP("https://api.example.com/*"), UP("https://*.example.com/*"));
	ATT_BAD(UP("https://api.example.com/api/v1/*"),
	    UP("https://api.example.com/*"));
	ATT_BAD(UP("https://a.com:8443/*"), UP("https://a.com/*"));
	ATT_BAD(UP("https://a.com:8443/*"), UP("https://a.com:9443/*"));
	ATT_OK(UP("https://a.com/*"), UP("https://a.com:9443/*"));
	ATT_BAD(UP("https://a.com/x/*"), UP("https://a.com/"));
	/* Stricter than deployed: an exact parent path stays exact. */
	ATT_BAD(UP("https://a.com/api"), UP("https://a.com/api/v1"));
	ATT_OK(UP("https://a.com/api"), UP("https://a.com/api"));
	/* -> Exact */
	ATT_OK(UP("https://api.example.com/*"),
	    EXACT("\"https://api.example.com/v1/users\""));
	ATT_BAD(UP("https://api.example.com/*"),
	    EXACT("\"https://other.example.com/v1\""));
	ATT_BAD(UP("https://api.example.com/*"), EXACT("\"not a url\""));
	ATT_BAD(UP("https://api.example.com/*"), EXACT("1"));
	ATT_BAD(UP("https://api.example.com/*"), "[16,null]");
	ATT_OK("[16,null]", UP("https://api.example.com/*"));
	ATT_BAD(UP("https://api.example.com/*"), "[18,{}]");
	ATT_BAD("[18,{}]", UP("https://api.example.com/*"));
}
END_TEST

START_TEST(test_url_adversarial_inputs)
{
	char *big = malloc(TN_URL_MAX_LEN + 64);
	struct tn_url u;

	ck_assert_ptr_nonnull(big);
	memcpy(big, "http://a.com/", 13);
	memset(big + 13, 'a', TN_URL_MAX_LEN + 10);
	big[TN_URL_MAX_LEN + 23] = '\0';
	ck_assert_int_eq(tn_url_parse((const uint8_t *)big, strlen(big), &u),
	    TN_URL_UNSUPPORTED);
	DENY(SAFE, big);
	memset(big + 13, '.', 2000);
	for (size_t i = 13; i + 3 < 2013; i += 3)
		memcpy(big + i, "../", 3);
	big[2013] = '\0';
	ck_assert_int_eq(tn_url_parse((const uint8_t *)big, strlen(big), &u),
	    TN_URL_OK);
	ck_assert(u.path_len == 1 && u.path[0] == '/');
	tn_url_free(&u);
	free(big);
	/* Invalid UTF-8 arrives as bytes: not a Tenuo value. */
	ck_assert_int_eq(tn_constraint_check(J(SAFE), J("\"x\""), NULL),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	{
		static const uint8_t bad[] = { 0x42, 0xff };
		struct tn_buf b;
		struct tn_cbor_doc d;
		uint8_t *p;
		size_t n;

		tn_buf_init(&b, 64);
		tn_cbor_put_bytes(&b, bad, 2);
		ck_assert_int_eq(tn_buf_take(&b, &p, &n), TN_OK);
		ck_assert_int_eq(tn_cbor_decode(p, n, NULL, &d, NULL), TN_OK);
		ck_assert_int_eq(tn_constraint_check(J(SAFE), d.items, NULL),
		    TN_ERR_CONSTRAINT_NOT_SATISFIED);
		tn_cbor_doc_free(&d);
		free(p);
	}
}
END_TEST

/* ------------------------------------------------------------ IDNA */

#define NOT(c)	"[14,{\"constraint\":" c "}]"

START_TEST(test_url_idna_hosts_to_ascii)
{
	/* WPT: "https://faß.ExAmPlE/" -> "https://xn--fa-hia.example/". */
	host_is("https://fa\xc3\x9f.ExAmPlE/", TN_URL_HOST_DOMAIN,
	    "xn--fa-hia.example", NULL);
	/* WPT: "http://ＧＯ.com" -> host "go.com" (fullwidth). */
	host_is("http://\xef\xbc\xa7\xef\xbc\xaf.com/", TN_URL_HOST_DOMAIN,
	    "go.com", NULL);
	host_is("https://\xef\xbd\x85\xef\xbd\x98\xef\xbd\x81\xef\xbd\x8d"
	    "\xef\xbd\x90\xef\xbd\x8c\xef\xbd\x85.com/", TN_URL_HOST_DOMAIN,
	    "example.com", "/");
	host_is("https://EXAMPLE.com", TN_URL_HOST_DOMAIN, "example.com", "/");
	/* WPT: "http://www.foo。bar.com" -> "www.foo.bar.com" (U+3002). */
	host_is("http://www.foo\xe3\x80\x82""bar.com/", TN_URL_HOST_DOMAIN,
	    "www.foo.bar.com", NULL);
	/* WPT: "http://你好你好" -> "xn--6qqa088eba". */
	host_is("http://\xe4\xbd\xa0\xe5\xa5\xbd\xe4\xbd\xa0\xe5\xa5\xbd/",
	    TN_URL_HOST_DOMAIN, "xn--6qqa088eba", NULL);
	/* bücher: U-label, A-label and upper-case A-label agree. */
	host_is("https://b\xc3\xbc""cher.example/", TN_URL_HOST_DOMAIN,
	    "xn--bcher-kva.example", NULL);
	host_is("https://B\xc3\x9c""CHER.example/", TN_URL_HOST_DOMAIN,
	    "xn--bcher-kva.example", NULL);
	host_is("https://xn--bcher-kva.example/", TN_URL_HOST_DOMAIN,
	    "xn--bcher-kva.example", NULL);
	host_is("https://XN--BCHER-KVA.example./", TN_URL_HOST_DOMAIN,
	    "xn--bcher-kva.example.", NULL);
	/* Percent-decoding comes first (WHATWG host parser step 4). */
	host_is("http://%65vil.com/", TN_URL_HOST_DOMAIN, "evil.com", NULL);
	host_is("http://%C3%BC.de/", TN_URL_HOST_DOMAIN, "xn--tda.de", NULL);
	/* WPT: "http://０Ｘｃ０．０２５０．０１" -> IPv4 192.168.0.1. */
	host_is("http://\xef\xbc\x90\xef\xbc\xb8\xef\xbd\x83\xef\xbc\x90"
	    "\xef\xbc\x8e\xef\xbc\x90\xef\xbc\x92\xef\xbc\x95\xef\xbc\x90"
	    "\xef\xbc\x8e\xef\xbc\x90\xef\xbc\x91/", TN_URL_HOST_IPV4,
	    "192.168.0.1", NULL);
	/* WPT: "http://%30%78%63%30%2e%30%32%35%30.01" -> 192.168.0.1. */
	host_is("http://%30%78%63%30%2e%30%32%35%30.01/", TN_URL_HOST_IPV4,
	    "192.168.0.1", NULL);
	/* UTS #46: U+00DF is a deviation, kept (non-transitional). */
	host_is("http://xn--zca.de/", TN_URL_HOST_DOMAIN, "xn--zca.de", NULL);
	/* UTS #46: U+00AD is ignored; U+FB01 maps to "fi". */
	host_is("http://a\xc2\xad""b.com/", TN_URL_HOST_DOMAIN, "ab.com", NULL);
	host_is("http://\xef\xac\x81.com/", TN_URL_HOST_DOMAIN, "fi.com",
	    NULL);
	/* IdnaTestV2 "8≮." -> "xn--8-ngo.": '<' + U+0338 composes (NFC). */
	host_is("http://8<\xcc\xb8./", TN_URL_HOST_DOMAIN, "xn--8-ngo.", NULL);
	/* UseSTD3ASCIIRules=false: '$' (fullwidth) is kept. */
	host_is("http://\xef\xbc\x84.com/", TN_URL_HOST_DOMAIN, "$.com", NULL);
	/* file: a host that maps to "localhost" becomes empty. */
	host_is("file://\xef\xbc\xac\xef\xbc\xaf\xef\xbc\xa3\xef\xbc\xa1"
	    "\xef\xbc\xac\xef\xbc\xa8\xef\xbc\xaf\xef\xbc\xb3\xef\xbc\xb4/x",
	    TN_URL_HOST_EMPTY, "", "/x");
	/* Non-special schemes keep opaque hosts (no IDNA). */
	host_is("gopher://b\xc3\xbc""cher.de/", TN_URL_HOST_OPAQUE,
	    "b%C3%BC""cher.de", NULL);
}
END_TEST

/* Inputs the url crate rejects, rejected for the same reason (exact). */
START_TEST(test_url_idna_invalid_as_url_crate)
{
	/* uts46.rs: an "xn--" label ending in '-' fails (UTS #46 15.1
	 * step 4.3: empty or all-ASCII decoded label); WPT "http://xn--/". */
	parse_is("http://xn--/", TN_URL_INVALID);
	parse_is("http://xn--abc-.com/", TN_URL_INVALID);
	parse_is("http://XN--ABC-.com/", TN_URL_INVALID);
	/* punycode.rs: a lone leading delimiter stays in the deltas, and
	 * '-' is no digit; '_' is no digit; overflow fails. */
	parse_is("http://xn---abc.com/", TN_URL_INVALID);
	parse_is("http://xn--a_b.com/", TN_URL_INVALID);
	parse_is("http://xn--99999999999.com/", TN_URL_INVALID);
	/* A forbidden code point among the basic code points. */
	parse_is("http://xn--a%25b-tda.com/", TN_URL_INVALID);
	/* Ill-formed UTF-8 after percent-decoding becomes U+FFFD. */
	parse_is("http://%FF.com/", TN_URL_INVALID);
	parse_is("http://%C3.com/", TN_URL_INVALID);
	/* WPT: "http://％４１.com" (fullwidth %) and its escaped form fail:
	 * '%' after mapping is a forbidden domain code point. */
	parse_is("http://\xef\xbc\x85\xef\xbc\x94\xef\xbc\x91.com/",
	    TN_URL_INVALID);
	parse_is("http://%ef%bc%85%ef%bc%94%ef%bc%91.com/", TN_URL_INVALID);
	/* WPT: "http://\u00AD/" fails: the host maps to nothing. */
	parse_is("http://\xc2\xad/", TN_URL_INVALID);
	/* A forbidden ASCII code point next to non-ASCII still fails. */
	parse_is("http://a^\xc3\xbc.com/", TN_URL_INVALID);
	/* UrlSafe says "not safe" (0) as deployed: Not() flips it. */
	DENY(SAFE, "http://xn--abc-.com/");
}
END_TEST

/*
 * Inputs the url crate accepts (or rejects) that libidn2 cannot decide
 * the same way: denied as errors, also under Not.
 */
START_TEST(test_url_idna_fail_closed)
{
	struct tn_url u;

	/* U+1E9E: url crate (UTS #46 17) -> "xn--zca.de"; libidn2 -> "ss". */
	parse_is("http://\xe1\xba\x9e.de/", TN_URL_UNSUPPORTED);
	/* U+2603: url crate -> "xn--n3h.net"; IDNA2008 DISALLOWED. */
	parse_is("http://\xe2\x98\x83.net/", TN_URL_UNSUPPORTED);
	parse_is("http://xn--n3h.net/", TN_URL_UNSUPPORTED);
	/* Bidi domain names (url crate: IdnaTestV2 B1-B6 rules). */
	parse_is("http://\xd7\x90.com/", TN_URL_UNSUPPORTED);
	parse_is("http://xn--4db.com/", TN_URL_UNSUPPORTED);
	/* ZWNJ after a virama (url crate accepts): joiners are denied. */
	parse_is("http://\xe0\xa4\x95\xe0\xa5\x8d\xe2\x80\x8c.com/",
	    TN_URL_UNSUPPORTED);
	/* CheckHyphens=false in the url crate; libidn2 checks them. */
	parse_is("http://b\xc3\xbc--x.de/", TN_URL_UNSUPPORTED);
	parse_is("http://-\xc3\xbc.de/", TN_URL_UNSUPPORTED);
	/* "xn--ab-1ca" decodes to "a<U+00A0>b", which UTS #46 maps: the url
	 * crate rejects it, libidn2 accepts it; denied. */
	parse_is("http://xn--ab-1ca.com/", TN_URL_UNSUPPORTED);
	/* VerifyDnsLength=false in the url crate; libidn2 caps at 63. */
	{
		char big[256] = "http://";

		for (int i = 0; i < 70; i++)
			strcat(big, "\xc3\xbc");
		strcat(big, ".de/");
		parse_is(big, TN_URL_UNSUPPORTED);
	}
	/* The reason is stated. */
	ck_assert_int_eq(tn_url_parse((const uint8_t *)"http://\xd7\x90.com/",
	    13, &u), TN_URL_UNSUPPORTED);
	ck_assert_ptr_nonnull(u.why);
	ck_assert_ptr_nonnull(strstr(u.why, "Bidi"));
	/* UrlSafe / UrlPattern deny with an error: Not() does not flip it. */
	DENY(SAFE, "http://\xe2\x98\x83.net/");
	DENY(NOT(SAFE), "http://\xe2\x98\x83.net/");
	DENY(NOT("[18,{\"deny_domains\":[\"evil.com\"]}]"),
	    "http://\xe1\xba\x9e.de/");
	DENY(UP("https://*/*"), "https://\xd7\x90.com/");
	DENY(NOT(UP("https://a.example/*")), "https://\xd7\x90.com/");
}
END_TEST

START_TEST(test_url_safe_idna_lists)
{
	const char *deny = "[18,{\"deny_domains\":[\"*.evil.com\"]}]";
	const char *allow = "[18,{\"allow_domains\":"
	    "[\"xn--bcher-kva.example\"]}]";

	/* Homograph spellings normalize to evil.com before deny_domains. */
	DENY(deny, "https://evil.com/");
	DENY(deny, "https://EVIL.com/");
	DENY(deny, "https://\xef\xbd\x85\xef\xbd\x96\xef\xbd\x89\xef\xbd\x8c"
	    ".com/");					/* ｅｖｉｌ.com */
	DENY(deny, "https://sub.\xef\xbc\xa5\xef\xbc\xb6\xef\xbc\xa9\xef\xbc"
	    "\xac.com/");				/* sub.ＥＶＩＬ.com */
	DENY(deny, "https://evil\xe3\x80\x82""com/");	/* evil。com */
	DENY(deny, "http://%65vil.com/");
	DENY(deny, "http://%45VIL.com/");
	DENY(deny, "https://ev\xc2\xadil.com/");	/* soft hyphen */
	DENY(deny, "https://x.evil\xef\xbc\x8e""com/");	/* fullwidth dot */
	ALLOW(deny, "https://notevil.com/");
	/* xn--80ak6aa92e.com is not evil.com: a different host. */
	ALLOW(deny, "https://xn--80ak6aa92e.com/");
	/* allow_domains sees the ASCII form of every spelling. */
	ALLOW(allow, "https://b\xc3\xbc""cher.example/");
	ALLOW(allow, "https://B\xc3\x9c""CHER.example/");
	ALLOW(allow, "https://xn--bcher-kva.example/");
	ALLOW(allow, "https://b%C3%BC""cher.example/");
	DENY(allow, "https://bucher.example/");
	/* Deployed compares a Unicode allow entry as written: no match. */
	DENY("[18,{\"allow_domains\":[\"b\xc3\xbc""cher.example\"]}]",
	    "https://b\xc3\xbc""cher.example/");
	/* Stricter: a Unicode deny entry also matches its ASCII form. */
	DENY("[18,{\"deny_domains\":[\"*.b\xc3\xbc""cher.example\"]}]",
	    "https://xn--bcher-kva.example/");
	DENY("[18,{\"deny_domains\":[\"B\xc3\x9c""CHER.example\"]}]",
	    "https://b\xc3\xbc""cher.example/");
	/* Name blocks see the ASCII form too. */
	DENY(SAFE, "http://\xef\xbd\x8c\xef\xbd\x8f\xef\xbd\x83\xef\xbd\x81"
	    "\xef\xbd\x8c\xef\xbd\x88\xef\xbd\x8f\xef\xbd\x93\xef\xbd\x94/");
	DENY(SAFE, "http://\xef\xbd\x8d\xef\xbd\x85\xef\xbd\x94\xef\xbd\x81"
	    "data.google.internal/");
	DENY(SAFE, "http://\xef\xbc\x91\xef\xbc\x92\xef\xbc\x97.0.0.1/");
	DENY("[18,{\"block_internal_tlds\":true}]",
	    "http://db.\xef\xbd\x83\xef\xbd\x8f\xef\xbd\x92\xef\xbd\x90/");
	ALLOW(SAFE, "https://b\xc3\xbc""cher.example/");
}
END_TEST

START_TEST(test_url_pattern_idna)
{
	struct tn_urlpattern p;
	struct tn_error e;
	const char *s = "https://*.b\xc3\xbc""cher.example/*";

	/* Deployed UrlPattern::new parses the pattern with the url crate:
	 * the host is kept in ASCII form. */
	ck_assert_int_eq(tn_urlpattern_compile((const uint8_t *)s, strlen(s),
	    &p, NULL), TN_OK);
	ck_assert(!p.unsupported);
	ck_assert(p.host_len == 23 && memcmp(p.host,
	    "*.xn--bcher-kva.example", 23) == 0);
	tn_urlpattern_free(&p);
	ALLOW(UP("https://*.b\xc3\xbc""cher.example/*"),
	    "https://api.xn--bcher-kva.example/x");
	ALLOW(UP("https://*.b\xc3\xbc""cher.example/*"),
	    "https://B\xc3\x9c""CHER.example/");
	ALLOW(UP("https://xn--bcher-kva.example/*"),
	    "https://b\xc3\xbc""cher.example/y");
	ALLOW(UP("https://\xef\xbd\x85xample.com/*"), "https://EXAMPLE.com/");
	DENY(UP("https://example.com/*"), "https://\xd0\xb5xample.com/");
	ALLOW(UP("https://example.com/*"),
	    "https://\xef\xbd\x85xample.com/");	/* fullwidth e */
	DENY(UP("https://*.b\xc3\xbc""cher.example/*"),
	    "https://bucher.example/");
	/* A pattern the url crate rejects is malformed, as deployed. */
	INVALID(UP("https://xn--abc-/*"));
	INVALID(UP("https://%FF.com/*"));
	/* A pattern host this verifier cannot process: valid, denies. */
	VALID(UP("https://\xe2\x98\x83.net/*"));
	DENY(UP("https://\xe2\x98\x83.net/*"), "https://xn--n3h.net/");
	/* Attenuation compares ASCII forms. */
	ATT_OK(UP("https://*.b\xc3\xbc""cher.example/*"),
	    UP("https://api.xn--bcher-kva.example/*"));
	ATT_OK(UP("https://xn--bcher-kva.example/*"),
	    UP("https://B\xc3\x9c""CHER.example/v1/*"));
	ATT_BAD(UP("https://b\xc3\xbc""cher.example/*"),
	    UP("https://bucher.example/*"));
	ATT_BAD(UP("https://\xe2\x98\x83.net/*"),
	    UP("https://\xe2\x98\x83.net/*"));
}
END_TEST

static Suite *
url_suite(void)
{
	Suite *s = suite_create("url");
	TCase *tc = tcase_create("url");

	tcase_add_checked_fixture(tc, NULL, pool_free);
	tcase_add_test(tc, test_url_whatwg_hosts);
	tcase_add_test(tc, test_url_safe_defaults_block_ssrf);
	tcase_add_test(tc, test_url_safe_stricter_trailing_dot);
	tcase_add_test(tc, test_url_safe_fields);
	tcase_add_test(tc, test_url_safe_attenuation);
	tcase_add_test(tc, test_url_pattern_match);
	tcase_add_test(tc, test_url_pattern_compile_fields);
	tcase_add_test(tc, test_url_pattern_attenuation);
	tcase_add_test(tc, test_url_adversarial_inputs);
	tcase_add_test(tc, test_url_idna_hosts_to_ascii);
	tcase_add_test(tc, test_url_idna_invalid_as_url_crate);
	tcase_add_test(tc, test_url_idna_fail_closed);
	tcase_add_test(tc, test_url_safe_idna_lists);
	tcase_add_test(tc, test_url_pattern_idna);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(url_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
