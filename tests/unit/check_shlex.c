/*
 * check_shlex.c: the Shlex extension constraint (lib/tn_shlex.c), as deployed Rust Shlex::matches.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>

#include "tcons.h"
#include "testutil.h"
#include "tn_cbor.h"
#include "tn_constraint.h"
#include "tn_shlex.h"

/* ------------------------------------------------------------ helpers */

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
