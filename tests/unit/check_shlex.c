/*
 * check_shlex.c: the Shlex extension constraint (lib/tn_shlex.c), as deployed Rust Shlex::matches.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "testutil.h"
#include "tn_cbor.h"
#include "tn_constraint.h"
#include "tn_shlex.h"

/* ------------------------------------------------------------ helpers */

#define POOL_MAX 64
static struct {
	uint8_t			*buf;
	struct tn_cbor_doc	 doc;
} pool[POOL_MAX];
static size_t npool;

static void
pool_free(void)
{
	for (size_t i = 0; i < npool; i++) {
		tn_cbor_doc_free(&pool[i].doc);
		free(pool[i].buf);
	}
	npool = 0;
}

/* JSON text -> decoded CBOR item, freed by the fixture. */
static const struct tn_cbor_item *
J(const char *text)
{
	static const struct tn_cbor_limits lim = { 1u << 24, 256, 1u << 20 };
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_ALLOW_NUL, &je);
	struct tn_buf b;
	struct tn_error e;
	size_t n;

	ck_assert_msg(j != NULL, "bad test JSON: %s: %s", text, je.text);
	if (npool == POOL_MAX)
		pool_free();
	tn_buf_init(&b, 1u << 24);
	ck_assert_int_eq(tu_json_to_cbor(j, &b), 0);
	json_decref(j);
	ck_assert_int_eq(tn_buf_take(&b, &pool[npool].buf, &n), TN_OK);
	ck_assert_msg(tn_cbor_decode(pool[npool].buf, n, &lim,
	    &pool[npool].doc, &e) == TN_OK, "decode: %s", e.reason);
	return &pool[npool++].doc.items[0];
}

static const struct tn_cbor_item *
T(const char *s)
{
	json_t *j = json_string(s);
	char *txt;
	const struct tn_cbor_item *it;

	ck_assert_ptr_nonnull(j);
	txt = json_dumps(j, JSON_ENCODE_ANY);
	it = J(txt);
	free(txt);
	json_decref(j);
	return it;
}

static int
chk(const char *c, const struct tn_cbor_item *v)
{
	struct tn_error e;

	return tn_constraint_check(J(c), v, &e);
}

static int
att(const char *p, const char *c)
{
	struct tn_error e;

	return tn_constraint_attenuates(J(p), J(c), &e);
}

#define ALLOW(c, s)	ck_assert_msg(chk((c), T(s)) == TN_OK, \
			    "expected allow: %s on %s", (c), (s))
#define DENY(c, s)	ck_assert_msg(chk((c), T(s)) == \
			    TN_ERR_CONSTRAINT_NOT_SATISFIED, \
			    "expected deny: %s on %s", (c), (s))
#define ATT_OK(p, c)	ck_assert_msg(att((p), (c)) == TN_OK, \
			    "expected valid attenuation: %s -> %s", (p), (c))
#define ATT_BAD(p, c)	ck_assert_msg(att((p), (c)) == \
			    TN_ERR_ATTENUATION_INVALID, \
			    "expected invalid attenuation: %s -> %s", (p), (c))
#define VALID(c)	ck_assert_msg(tn_constraint_validate(J(c), &e) == \
			    TN_OK, "expected valid: %s (%s)", (c), e.reason)
#define INVALID(c)	ck_assert_msg(tn_constraint_validate(J(c), &e) == \
			    TN_ERR_MALFORMED, "expected malformed: %s", (c))
#define EXACT(v)	"[1,{\"value\":" v "}]"

#define SH(l)	"[128,{\"allow\":[" l "]}]"

START_TEST(test_shlex_allowed_program)
{
	ALLOW(SH("\"npm\",\"docker\""), "npm install express");
	ALLOW(SH("\"npm\",\"docker\""), "docker run alpine");
	DENY(SH("\"npm\",\"docker\""), "rm -rf /");
	ALLOW(SH("\"npm\",\"/usr/bin/git\""), "/usr/bin/git status");
	ALLOW(SH("\"npm\""), "/usr/local/bin/npm install");	/* basename */
	DENY(SH("\"npm\",\"/usr/bin/git\""), "git status");
	DENY(SH("\"npm\""), "../npm install");
	DENY(SH("\"npm\""), "/usr/../bin/npm install");
	ALLOW(SH("\"caf\xc3\xa9\""), "caf\xc3\xa9 --help");
	DENY(SH("\"caf\xc3\xa9\""), "evil --help");
	ALLOW(SH("\"npm\""), "npm   install   express");
	ALLOW(SH("\"npm\""), "npm\tinstall\texpress");
	ALLOW(SH("\"npm\""), "  npm install");
	ALLOW(SH("\"npm\""), "npm\xe3\x80\x80install");	/* U+3000 splits */
	ALLOW(SH("\"ls\""), "ls foo\\ bar");
	ALLOW(SH("\"ls\""), "ls ~/Documents");
	ALLOW(SH("\"echo\""), "echo hello #world");
	ALLOW(SH("\"echo\""), "echo hello!");
	ALLOW(SH("\"npm\""), "npm install -- --save");
	DENY(SH(""), "npm install");
	DENY(SH("\"NPM\""), "npm");		/* literal, case-sensitive */
	DENY(SH("\"np*\""), "npm");		/* no globs */
}
END_TEST

START_TEST(test_shlex_metacharacters_denied)
{
	static const char *const bad[] = {
		"npm install; rm -rf /", "npm install | cat",
		"npm install && echo pwned", "npm install $(whoami)",
		"npm install `whoami`", "npm > /etc/passwd",
		"npm < /etc/shadow", "npm\n rm -rf /", "npm\revil",
		"npm\x0bx", "npm\x0cx", "npm\x07x", "npm\x08x", "npm\x7fx",
		"npm (x)", "ls \"foo; bar\"", "ls 'foo|bar'",
		"echo \"$(date)\"", "npm & x",
		"npm\x1b[31m",		/* stricter: other C0 controls */
		"", "   ", "\t\t",
	};

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		DENY(SH("\"npm\",\"ls\",\"echo\""), bad[i]);
	ck_assert_int_eq(chk(SH("\"npm\""), J("42")),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_int_eq(chk(SH("\"npm\""), J("null")),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_int_eq(chk(SH("\"npm\""), J("\"npm\\u0000evil\"")),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
}
END_TEST

START_TEST(test_shlex_attenuation)
{
	struct tn_error e;

	ATT_OK(SH("\"npm\",\"docker\",\"git\""), SH("\"npm\""));
	ATT_OK(SH("\"npm\",\"docker\",\"git\""),
	    SH("\"npm\",\"docker\",\"git\""));
	ATT_OK(SH("\"npm\""), SH(""));
	ATT_BAD(SH("\"npm\""), SH("\"npm\",\"rm\""));
	ATT_OK(SH("\"npm\",\"docker\""), EXACT("\"npm install express\""));
	ATT_BAD(SH("\"npm\",\"docker\""), EXACT("\"rm -rf /\""));
	ATT_BAD(SH("\"npm\""), EXACT("\"npm; rm -rf /\""));
	ATT_BAD(SH("\"npm\""), EXACT("1"));
	ATT_BAD(SH("\"npm\""), "[16,null]");
	ATT_BAD(SH("\"npm\""), "[2,{\"pattern\":\"npm *\"}]");
	VALID(SH("\"npm\""));
	INVALID("[128,{\"allow\":[1]}]");
	INVALID("[128,{}]");
}
END_TEST

START_TEST(test_shlex_huge_allow_list)
{
	size_t n = 5000, o = 0;
	char *json = malloc(n * 16 + 64);

	ck_assert_ptr_nonnull(json);
	o += (size_t)sprintf(json, "[128,{\"allow\":[");
	for (size_t i = 0; i < n; i++)
		o += (size_t)sprintf(json + o, "%s\"bin%zu\"", i ? "," : "", i);
	sprintf(json + o, "]}]");
	ck_assert_int_eq(chk(json, T("bin4999 --x")), TN_OK);
	ck_assert_int_eq(chk(json, T("bin5000 --x")),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	free(json);
}
END_TEST

static Suite *
shlex_suite(void)
{
	Suite *s = suite_create("shlex");
	TCase *tc = tcase_create("shlex");

	tcase_add_checked_fixture(tc, NULL, pool_free);
	tcase_add_test(tc, test_shlex_allowed_program);
	tcase_add_test(tc, test_shlex_metacharacters_denied);
	tcase_add_test(tc, test_shlex_attenuation);
	tcase_add_test(tc, test_shlex_huge_allow_list);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(shlex_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
