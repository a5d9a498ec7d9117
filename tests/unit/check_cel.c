/*
 * check_cel.c: the budgeted CEL subset (lib/tn_cel.c) against deployed
 * tenuo-core's cel.rs unit tests, cel_stdlib.rs and constraints.rs.
 */
#include <check.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tcons.h"
#include "testutil.h"
#include "tn_cbor.h"
#include "tn_cel.h"
#include "tn_constraint.h"

/* ------------------------------------------------------------ helpers */

#define EXACT(v)	"[1,{\"value\":" v "}]"

/* 2024-01-01T00:00:00Z */
#define NOW	1704067200

static int
cel(const char *expr, const char *value_json)
{
	struct tn_error e;
	json_t *j = json_string(expr);
	char *ex = json_dumps(j, JSON_ENCODE_ANY), c[8192];
	struct tn_constraint_ctx ctx = { 1, NOW };
	int rc;

	snprintf(c, sizeof(c), "[15,{\"expression\":%s}]", ex);
	free(ex);
	json_decref(j);
	rc = tn_constraint_check_ctx(J(c), J(value_json), &ctx, &e);
	if (rc == TN_OK)
		return 1;
	ck_assert_int_eq(rc, TN_ERR_CONSTRAINT_NOT_SATISFIED);
	return strstr(e.reason, "Cel constraint not satisfied") != NULL ? 0 :
	    -1;
}

#define CTRUE(x, v)	ck_assert_msg(cel((x), (v)) == 1, "want true: %s", (x))
#define CFALSE(x, v)	ck_assert_msg(cel((x), (v)) == 0, "want false: %s", (x))
#define CERR(x, v)	ck_assert_msg(cel((x), (v)) == -1, "want error: %s", (x))

START_TEST(test_cel_deployed_unit_cases)
{
	const char *obj = "{\"amount\":5000,\"currency\":\"USD\"}";

	CTRUE("value < 10000", "5000");
	CFALSE("value > 10000", "5000");
	CTRUE("value.startsWith('staging')", "\"staging-web\"");
	CFALSE("value.startsWith('prod')", "\"staging-web\"");
	CTRUE("value > 5000 && value < 10000", "7500");
	CTRUE("value < 1000 || value > 5000", "7500");
	CTRUE("'admin' in value", "[\"admin\",\"user\"]");
	CFALSE("'superuser' in value", "[\"admin\",\"user\"]");
	CTRUE("amount < 10000", obj);
	CTRUE("currency == 'USD'", obj);
	CTRUE("amount < 10000 && currency == 'USD'", obj);
	CTRUE("amount < 10000 || (amount < 100000 && approver != '')",
	    "{\"amount\":75000,\"approver\":\"cfo@company.com\"}");
	CTRUE("value == 42", "42");
	CERR("this is not valid CEL !!!", "42");
	CERR("value + 1", "42");		/* must return bool */
	CERR("value", "{\"value\":1}");	/* objects bind fields only */
	CTRUE("value", "{\"value\":true}");
}
END_TEST

START_TEST(test_cel_stdlib)
{
	CTRUE("time_now(null).startsWith('20')", "1");
	CTRUE("time_now(null) == '2024-01-01T00:00:00+00:00'", "1");
	CTRUE("time_is_expired('2000-01-01T00:00:00Z')", "1");
	CFALSE("time_is_expired('2099-01-01T00:00:00Z')", "1");
	CTRUE("time_since('2000-01-01T00:00:00Z') > 0", "1");
	CTRUE("time_since('2023-12-31T23:00:00Z') == 3600", "1");
	CTRUE("time_since('2024-01-01T01:00:00+01:00') == 0", "1");
	CTRUE("time_since(5) == 0", "1");
	CFALSE("time_is_expired(5)", "1");
	CTRUE("!time_is_expired(value)", "\"2024-06-01T00:00:00.5Z\"");
	CERR("time_is_expired('garbage')", "1");	/* stricter */
	CTRUE("net_in_cidr('192.168.1.5', '192.168.1.0/24')", "1");
	CFALSE("net_in_cidr('10.0.0.5', '192.168.1.0/24')", "1");
	CTRUE("net_in_cidr('2001:db8::1', '2001:db8::/32')", "1");
	CFALSE("net_in_cidr('bad', '10.0.0.0/8')", "1");
	CTRUE("net_in_cidr(value, '10.0.0.0/8')", "\"10.1.2.3\"");
	CTRUE("net_is_private('192.168.1.1')", "1");
	CTRUE("net_is_private('10.0.0.1')", "1");
	CFALSE("net_is_private('8.8.8.8')", "1");
	CTRUE("net_is_private('fd00::1')", "1");
	CFALSE("net_is_private(1)", "1");
	/* No clock from the caller: time functions are an error. */
	{
		struct tn_error e;

		ck_assert_int_eq(tn_constraint_check(J("[15,{\"expression\":"
		    "\"time_is_expired('2000-01-01T00:00:00Z')\"}]"), J("1"),
		    &e), TN_ERR_CONSTRAINT_NOT_SATISFIED);
		ck_assert_ptr_nonnull(strstr(e.reason, "current time"));
	}
}
END_TEST

START_TEST(test_cel_operators_and_subset)
{
	CTRUE("size(value) == 3", "\"abc\"");
	CTRUE("value.size() == 2", "[1,2]");
	CTRUE("size('h\xc3\xa9') == 2", "1");
	CTRUE("value.endsWith('.pdf') && value.contains('q3')",
	    "\"/data/q3.pdf\"");
	CTRUE("value.matches('^[a-z]+$')", "\"abc\"");
	CFALSE("value.matches('^[a-z]+$')", "\"ab1\"");
	CERR("value.matches('(a)\\\\1')", "\"aa\"");
	CTRUE("has(value.a) && !has(value.b)",
	    "{\"value\":{\"a\":1}}");
	CTRUE("x.y[1] == 'b'", "{\"x\":{\"y\":[\"a\",\"b\"]}}");
	CTRUE("m['k'] == 1", "{\"m\":{\"k\":1}}");
	CTRUE("{'a': 1}['a'] == 1 && [1, 2] + [3] == [1, 2, 3]", "1");
	CTRUE("'a' + 'b' == 'ab'", "1");
	CTRUE("7 / 2 == 3 && 7 % 2 == 1 && -7 / 2 == -3", "1");
	CTRUE("1u + 2u == 3u", "1");
	CTRUE("1.5 * 2.0 == 3.0", "1");
	CTRUE("value ? true : false", "true");
	CTRUE("null == null && 'a' != 1", "1");
	CTRUE("'b' > 'a' && true > false", "1");
	CTRUE("0x10 == 16", "1");
	CTRUE("'\\x41\\u00e9' == 'A\xc3\xa9'", "1");
	CTRUE("\"dq\" == 'dq'", "1");
	/* Errors (deny, also under Not). */
	CERR("1 / 0 == 0", "1");
	CERR("9223372036854775807 + 1 > 0", "1");
	CERR("1 == 1.0", "1");		/* cross-type numbers */
	CERR("value < 1", "1.5");
	CERR("'a' in 'abc'", "1");
	CERR("[1][5] == 1", "1");
	CERR("m['x'] == 1", "{\"m\":{\"k\":1}}");
	CERR("missing == 1", "1");
	CERR("value.all(x, x > 0)", "[1]");
	CERR("int('1') == 1", "1");
	CERR("b'abc' == b'abc'", "1");
	CERR("r'a' == 'a'", "1");
	CERR("1 || true", "1");
	CERR("!1", "1");
	CERR("false && (1 / 0 == 0)", "1");	/* both sides evaluated */
	{
		struct tn_error e;

		ck_assert_int_eq(tn_constraint_check(J("[14,{\"constraint\":"
		    "[15,{\"expression\":\"1 / 0 == 0\"}]}]"), J("1"), &e),
		    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	}
}
END_TEST

START_TEST(test_cel_budgets)
{
	char *x = malloc(TN_CEL_MAX_EXPR * 2 + 64);
	size_t o = 0;

	ck_assert_ptr_nonnull(x);
	/* Deep nesting: refused by the depth limit. */
	for (size_t i = 0; i < 200; i++)
		x[o++] = '(';
	x[o++] = '1';
	for (size_t i = 0; i < 200; i++)
		x[o++] = ')';
	memcpy(x + o, " == 1", 6);
	CERR(x, "1");
	/* Too long. */
	memset(x, ' ', TN_CEL_MAX_EXPR + 10);
	memcpy(x + TN_CEL_MAX_EXPR + 10, "true", 5);
	CERR(x, "1");
	/* Memory: doubling a string overflows the arena. */
	o = 0;
	o += (size_t)sprintf(x, "size(value");
	for (int i = 0; i < 30; i++)
		o += (size_t)sprintf(x + o, " + value");
	sprintf(x + o, ") > 0");
	CTRUE(x, "\"abc\"");
	free(x);
	{
		/* Many nodes over a big list: the step budget holds. */
		size_t n = 20000, k = 0;
		char *json = malloc(n * 8 + 16);

		ck_assert_ptr_nonnull(json);
		k += (size_t)sprintf(json, "[");
		for (size_t i = 0; i < n; i++)
			k += (size_t)sprintf(json + k, "%s%zu", i ? "," : "",
			    i);
		sprintf(json + k, "]");
		CTRUE("19999 in value", json);
		CTRUE("value == value && value == value", json);
		CERR("value == value && value == value && value == value && "
		    "value == value && value == value && value == value",
		    json);
		free(json);
	}
}
END_TEST

#define CEL(x)	"[15,{\"expression\":\"" x "\"}]"

START_TEST(test_cel_attenuation)
{
	ATT_OK(CEL("amount < 10000"), CEL("amount < 10000"));
	ATT_OK(CEL("amount < 10000"), CEL("amount<10000"));
	ATT_OK(CEL("amount < 10000"), CEL("(amount < 10000) && (amount > 0)"));
	ATT_OK(CEL("amount < 10000"),
	    CEL("( amount < 10000 ) && ( amount > 0 )"));
	ATT_OK(CEL("amount < 10000"),
	    CEL("(amount < 10000) && (amount > 0 && currency == 'USD')"));
	ATT_OK(CEL("amount < 10000"),
	    CEL("(amount < 10000) && (currency == 'USD' || currency == 'EUR')"));
	ATT_OK(CEL("amount < 10000"), "[15,{\"expression\":\"(amount < 10000) "
	    "&& (amount > 0)\",\"parent_expression\":\"amount < 10000\"}]");
	ATT_BAD(CEL("amount < 10000"),
	    CEL("(amount < 10000) && true || amount < 1000000"));
	ATT_BAD(CEL("amount < 10000"), CEL("(amount < 10000) && amount > 0"));
	ATT_BAD(CEL("amount < 10000"), CEL("amount < 5000"));
	ATT_BAD(CEL("amount < 10000"), CEL("(amount < 10000) || (true)"));
	/* Stricter: whitespace inside string literals is significant. */
	ATT_BAD(CEL("a == 'x y'"), CEL("a == 'xy'"));
	ATT_BAD(CEL("a == 'x y'"), CEL("(a == 'xy') && (true)"));
	/* Stricter: parentheses in literals cannot re-associate. */
	ATT_BAD(CEL("x"), CEL("(x) && ('(') || true || (')')"));
	/* Stricter: an unparseable parent only attenuates to itself. */
	ATT_BAD(CEL("false) || (true"), CEL("(false) || (true) && (x)"));
	ATT_OK(CEL("false) || (true"), CEL("false) || (true"));
	ATT_BAD(CEL("x"), EXACT("1"));
	ATT_BAD(CEL("x"), "[16,null]");
	ATT_OK("[16,null]", CEL("x"));
}
END_TEST

static Suite *
cel_suite(void)
{
	Suite *s = suite_create("cel");
	TCase *tc = tcase_create("cel");

	tcase_add_checked_fixture(tc, NULL, pool_free);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_cel_deployed_unit_cases);
	tcase_add_test(tc, test_cel_stdlib);
	tcase_add_test(tc, test_cel_operators_and_subset);
	tcase_add_test(tc, test_cel_budgets);
	tcase_add_test(tc, test_cel_attenuation);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(cel_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
