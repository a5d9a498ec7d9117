/*
 * check_regex.c: Regex constraints (lib/tn_regex.c): the deployed Rust regex dialect on PCRE2.
 */
#include <check.h>
#include <jansson.h>
#include <stdlib.h>
#include <string.h>
#include <stdio.h>

#include "tcons.h"
#include "testutil.h"
#include "tn_cbor.h"
#include "tn_constraint.h"
#include "tn_regex.h"

/* ------------------------------------------------------------ helpers */

#define EXACT(v)	"[1,{\"value\":" v "}]"

#define RX(p)	"[5,{\"pattern\":\"" p "\"}]"

START_TEST(test_regex_search_semantics)
{
	ALLOW(RX("^prod-[a-z]+$"), "prod-web");
	ALLOW(RX("^prod-[a-z]+$"), "prod-api");
	DENY(RX("^prod-[a-z]+$"), "prod-123");
	DENY(RX("^prod-[a-z]+$"), "staging-web");
	/* is_match searches: unanchored patterns match anywhere. */
	ALLOW(RX("prod"), "my-prod-db");
	ALLOW(RX(""), "anything");
	/* $ is the end of text, not before a final newline. */
	DENY(RX("^a$"), "a\n");
	ALLOW(RX("(?m)^b$"), "a\nb\n");
	/* . does not match \n unless (?s). */
	DENY(RX("^a.b$"), "a\nb");
	ALLOW(RX("(?s)^a.b$"), "a\nb");
	/* Unicode classes, as Rust's regex defaults. */
	ALLOW(RX("^\\\\d+$"), "\xd9\xa1\xd9\xa2");	/* Arabic-Indic digits */
	ALLOW(RX("^\\\\w+$"), "caf\xc3\xa9");
	ALLOW(RX("\\\\bword\\\\b"), "a word here");
	DENY(RX("\\\\bword\\\\b"), "swordfish");
	DENY(RX("\\\\bcaf\\\\b"), "caf\xc3\xa9");	/* é is a word char */
	ALLOW(RX("^[[:alpha:]]+$"), "abc");
	DENY(RX("^[[:alpha:]]+$"), "\xc3\xa9");	/* POSIX classes are ASCII */
	ALLOW(RX("(?i)^HELLO$"), "hello");
	ALLOW(RX("^\\\\x{41}\\\\u0042\\\\U00000043$"), "ABC");
	ALLOW(RX("^\\\\p{Greek}+$"), "\xce\xb1\xce\xb2");
	/* a** is nested repetition in Rust, not possessive. */
	ALLOW(RX("^a*+b$"), "aaab");
	ALLOW(RX("^(?:ab)*?c$"), "ababc");
	ALLOW(RX("^(?P<x>a)(?<y>b)$"), "ab");
	/* Non-strings never match. */
	ck_assert_int_eq(chk(RX(".*"), J("5")), TN_ERR_CONSTRAINT_NOT_SATISFIED);
}
END_TEST

START_TEST(test_regex_rejects_non_rust_syntax)
{
	struct tn_error e;

	INVALID(RX("(a)\\\\1"));		/* backreference */
	INVALID(RX("a(?=b)"));			/* lookahead */
	INVALID(RX("a(?!b)"));
	INVALID(RX("(?<=a)b"));			/* lookbehind */
	INVALID(RX("(?<!a)b"));
	INVALID(RX("(?>a+)b"));			/* atomic */
	INVALID(RX("\\\\C"));
	VALID(RX("(?R)a"));			/* Rust CRLF flag */
	DENY(RX("(?R)a"), "a");			/* not supported: deny */
	INVALID(RX("(a)(?1)"));
	INVALID(RX("(?(1)a|b)"));		/* conditional */
	INVALID(RX("(?C1)a"));			/* callout */
	INVALID(RX("(*FAIL)"));			/* verbs */
	INVALID(RX("(*UTF)a"));
	INVALID(RX("\\\\K"));
	INVALID(RX("\\\\G"));
	INVALID(RX("\\\\Z"));
	INVALID(RX("\\\\Qa\\\\E"));
	INVALID(RX("(?#comment)"));
	INVALID(RX("*a"));
	INVALID(RX("a{"));
	INVALID(RX("a{2,1}"));
	INVALID(RX("(a"));
	INVALID(RX("a)"));
	INVALID(RX("[a"));
	INVALID(RX("(?P<1a>x)"));
	INVALID(RX("(?P<n>x)(?P<n>y)"));
	INVALID(RX("(?ii)a"));
	INVALID(RX("\\\\x{D800}"));
	VALID(RX("^[a-z0-9._%+-]+@[a-z0-9.-]+\\\\.[a-z]{2,}$"));
	VALID(RX("(?x) a"));		/* valid Rust; denies here */
	DENY(RX("(?x) a"), "a");
	DENY(RX("[a&&b]"), "a");	/* set operations: denies */
	DENY(RX("\\\\b{start}a"), "a");
	/* A malformed regex attenuates nothing, not even to itself. */
	ATT_BAD(RX("(a)\\\\1"), RX("(a)\\\\1"));
}
END_TEST

START_TEST(test_regex_redos_bounded)
{
	static const char *const pats[] = {
		RX("^(a+)+$"), RX("^(a|a)*$"), RX("^(a|aa)+$"),
		RX("^(.*a){20}$"), RX("(\\\\w+\\\\s?)*$"),
	};
	size_t n = 60000;
	char *s = malloc(n + 2);
	const struct tn_cbor_item *v;

	ck_assert_ptr_nonnull(s);
	memset(s, 'a', n);
	s[n] = '!';
	s[n + 1] = '\0';
	v = T(s);
	/*
	 * A backtracking matcher needs ~2^60000 steps for these; the DFA
	 * matcher is linear.  The bound is the test case's timeout (60 s,
	 * thousands of times what a linear match of 60 kB takes even under
	 * valgrind), not a clock reading: these machines are shared.
	 */
	for (size_t i = 0; i < sizeof(pats) / sizeof(pats[0]); i++) {
		struct tn_error e;
		int rc = tn_constraint_check(J(pats[i]), v, &e);

		ck_assert_msg(rc == TN_ERR_CONSTRAINT_NOT_SATISFIED,
		    "%s: must deny", pats[i]);
	}
	free(s);
}
END_TEST

START_TEST(test_regex_attenuation)
{
	ATT_OK(RX("^a+$"), RX("^a+$"));
	ATT_BAD(RX("^a+$"), RX("^a+b$"));
	ATT_BAD(RX("^a+$"), RX("^aa$"));	/* subset undecidable: equal only */
	ATT_OK(RX("^prod-[a-z]+$"), EXACT("\"prod-web\""));
	ATT_BAD(RX("^prod-[a-z]+$"), EXACT("\"staging\""));
	ATT_BAD(RX("^1$"), EXACT("1"));
	ATT_BAD(RX("a"), "[2,{\"pattern\":\"a\"}]");
	ATT_BAD(RX("a"), "[16,null]");
	ATT_OK("[16,null]", RX("a"));
}
END_TEST

static Suite *
regex_suite(void)
{
	Suite *s = suite_create("regex");
	TCase *tc = tcase_create("regex");

	tcase_add_checked_fixture(tc, NULL, pool_free);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_regex_search_semantics);
	tcase_add_test(tc, test_regex_rejects_non_rust_syntax);
	tcase_add_test(tc, test_regex_redos_bounded);
	tcase_add_test(tc, test_regex_attenuation);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(regex_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
