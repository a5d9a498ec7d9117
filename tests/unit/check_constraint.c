/*
 * check_constraint.c: constraints (lib/tn_constraint.c), globs
 * (lib/tn_glob.c) and the --constraint spec parser (ctl/tn_spec.c).
 * Runs from the project root: vectors come from ../shared/vectors/.
 */
#include <check.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tn_cbor.h"
#include "tn_constraint.h"
#include "tn_glob.h"
/* The spec parser lives with tenuoctl; test it here. */
#include "../../ctl/tn_spec.c"

#define VECTORS	"../shared/vectors/tenuo-spec-vectors.json"

/* ------------------------------------------------------------ doc pool */

#define POOL_MAX 256
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

static const struct tn_cbor_limits deep_limits = { 1u << 24, 256, 1u << 20 };

/* Takes ownership of buf; returns the decoded root. */
static const struct tn_cbor_item *
pool_add(uint8_t *buf, size_t len)
{
	struct tn_error e;
	int rc;

	ck_assert_uint_lt(npool, POOL_MAX);
	pool[npool].buf = buf;
	rc = tn_cbor_decode(buf, len, &deep_limits, &pool[npool].doc, &e);
	ck_assert_msg(rc == TN_OK, "decode: %s", e.reason);
	return &pool[npool++].doc.items[0];
}

static const struct tn_cbor_item *
buf_done(struct tn_buf *b)
{
	uint8_t *p;
	size_t n;

	ck_assert_int_eq(tn_buf_take(b, &p, &n), TN_OK);
	return pool_add(p, n);
}

/* JSON text -> decoded CBOR item (ints stay ints, reals are floats). */
static const struct tn_cbor_item *
J(const char *text)
{
	json_error_t je;
	json_t *j = json_loads(text, JSON_DECODE_ANY | JSON_REJECT_DUPLICATES,
	    &je);
	struct tn_buf b;
	struct tn_error e;

	ck_assert_msg(j != NULL, "bad test JSON: %s: %s", text, je.text);
	tn_buf_init(&b, 1u << 24);
	ck_assert_int_eq(tn_spec_json_to_cbor(&b, j, &e), TN_OK);
	json_decref(j);
	return buf_done(&b);
}

/* A constraint from a --constraint spec. */
static const struct tn_cbor_item *
S(const char *spec)
{
	struct tn_buf b;
	struct tn_error e;

	tn_buf_init(&b, 1u << 24);
	ck_assert_msg(tn_spec_constraint(&b, spec, &e) == TN_OK, "spec %s: %s",
	    spec, e.reason);
	return buf_done(&b);
}

static const struct tn_cbor_item *
bytes_item(const void *p, size_t n)
{
	struct tn_buf b;

	tn_buf_init(&b, 1u << 20);
	tn_cbor_put_bytes(&b, p, n);
	return buf_done(&b);
}

static const struct tn_cbor_item *
text_item(const void *p, size_t n)
{
	struct tn_buf b;

	tn_buf_init(&b, 1u << 24);
	tn_cbor_put_text(&b, p, n);
	return buf_done(&b);
}

static int
chk(const char *c, const char *v)
{
	struct tn_error e;

	return tn_constraint_check(J(c), J(v), &e);
}

static int
att(const char *p, const char *c)
{
	struct tn_error e;

	return tn_constraint_attenuates(J(p), J(c), &e);
}

#define ALLOW(c, v)	ck_assert_msg(chk((c), (v)) == TN_OK, \
			    "expected allow: %s on %s", (c), (v))
#define DENY(c, v)	ck_assert_msg(chk((c), (v)) == \
			    TN_ERR_CONSTRAINT_NOT_SATISFIED, \
			    "expected deny: %s on %s", (c), (v))
#define ATT_OK(p, c)	ck_assert_msg(att((p), (c)) == TN_OK, \
			    "expected valid attenuation: %s -> %s", (p), (c))
#define ATT_BAD(p, c)	ck_assert_msg(att((p), (c)) == \
			    TN_ERR_ATTENUATION_INVALID, \
			    "expected invalid attenuation: %s -> %s", (p), (c))
#define VALID(c)	ck_assert_msg(tn_constraint_validate(J(c), &e) == \
			    TN_OK, "expected valid: %s (%s)", (c), e.reason)
#define INVALID(c)	ck_assert_msg(tn_constraint_validate(J(c), &e) == \
			    TN_ERR_MALFORMED, "expected malformed: %s", (c))

#define PAT(p)		"[2,{\"pattern\":\"" p "\"}]"
#define EXACT(v)	"[1,{\"value\":" v "}]"
#define ONEOF(v)	"[4,{\"values\":[" v "]}]"
#define RANGE(lo, hi, li, hi_) "[3,{\"min\":" lo ",\"max\":" hi \
			",\"min_inclusive\":" li ",\"max_inclusive\":" hi_ "}]"
#define SUBPATH(r, cs, ae) "[17,{\"root\":\"" r "\",\"case_sensitive\":" cs \
			",\"allow_equal\":" ae "}]"
#define WILD		"[16,null]"

/* ------------------------------------------------------------ validation */

START_TEST(test_constraint_validate_deployed_shapes)
{
	struct tn_error e;

	VALID(WILD);
	VALID(EXACT("\"/data/q3.pdf\""));
	VALID(EXACT("{\"b\":1,\"a\":[1,2.5,null,true]}"));
	VALID(PAT("/data/*"));
	VALID(PAT("[unclosed"));	/* deployed compiles lazily */
	VALID(RANGE("0.0", "100.0", "true", "true"));
	VALID(RANGE("null", "null", "false", "true"));
	VALID("[3,{\"max\":5.5,\"min_inclusive\":true,\"max_inclusive\":false}]");
	VALID(ONEOF("\"a\",1,1.5,null"));
	VALID(SUBPATH("/data", "true", "false"));
	VALID("[17,{\"root\":\"/data\"}]");	/* flags default to true */
	VALID("[17,{\"root\":\"/data\",\"future\":1}]"); /* ignored field */
	VALID("[7,{\"excluded\":[\"x\"]}]");
	VALID("[8,\"10.0.0.0/8\"]");
	VALID("[8,\"2001:db8::/32\"]");
	VALID("[8,\"10.0.0.0/255.0.0.0\"]");
	VALID("[8,\"10.1.2.3\"]");
	VALID("[9,\"https://api.example.com/*\"]");
	VALID("[10,{\"required\":[\"a\"]}]");
	VALID("[11,{\"allowed\":[]}]");
	VALID("[12,{\"constraints\":[[16,null],[2,{\"pattern\":\"a*\"}]]}]");
	VALID("[13,{\"constraints\":[]}]");
	VALID("[14,{\"constraint\":[16,null]}]");
	VALID("[5,{\"pattern\":\"^a+$\"}]");
	VALID("[15,{\"expression\":\"x > 1\"}]");
	VALID("[15,{\"expression\":\"x > 1\",\"parent_expression\":\"x>0\"}]");
	VALID("[18,{\"schemes\":[\"https\"],\"allow_domains\":null,"
	    "\"deny_domains\":null,\"allow_ports\":[443],\"block_private\":true,"
	    "\"block_loopback\":true,\"block_metadata\":true,"
	    "\"block_reserved\":true,\"block_internal_tlds\":false}]");
	VALID("[128,{\"allow\":[\"ls\"]}]");
	/* Unknown ids: payload absent, bytes, or an array of bytes. */
	VALID("[99]");
	VALID("[99,[1,2,255]]");
	VALID("[6,[]]");
	VALID("[0,[7]]");
	ck_assert_int_eq(tn_constraint_validate(J("[200,[1]]"), &e), TN_OK);
	{
		struct tn_buf b;

		tn_buf_init(&b, 64);
		tn_cbor_put_array(&b, 2);
		tn_cbor_put_uint(&b, 77);
		tn_cbor_put_bytes(&b, (const uint8_t *)"\x01\x02", 2);
		ck_assert_int_eq(tn_constraint_validate(buf_done(&b), &e),
		    TN_OK);
	}
}
END_TEST

START_TEST(test_constraint_validate_rejects_malformed)
{
	struct tn_error e;

	INVALID("16");
	INVALID("[]");
	INVALID("[16]");
	INVALID("[16,null,1]");
	INVALID("[\"16\",null]");
	INVALID("[-1,null]");
	INVALID("[256,null]");
	INVALID("[16,{}]");
	INVALID("[1,\"inline\"]");		/* D1: Exact is {value: v} */
	INVALID("[1,{}]");
	INVALID("[1,{\"other\":1}]");
	INVALID("[2,{\"pattern\":5}]");
	INVALID("[2,\"/data/*\"]");
	INVALID("[3,{\"min\":0,\"max\":10.0,\"min_inclusive\":true,"
	    "\"max_inclusive\":true}]");	/* integer bound: ciborium */
	INVALID("[3,{\"min\":0.0,\"max\":10.0}]");	/* D6: flags required */
	INVALID("[3,{\"min\":0.0,\"max\":10.0,\"min_inclusive\":1,"
	    "\"max_inclusive\":true}]");
	INVALID("[4,{\"values\":\"a\"}]");
	INVALID("[4,{}]");
	INVALID("[16,0]");
	INVALID("[17,{\"root\":1}]");
	INVALID("[17,{\"case_sensitive\":true}]");
	INVALID("[17,{\"root\":\"/a\",\"allow_equal\":\"yes\"}]");
	INVALID("[8,\"10.0.0.0/33\"]");
	INVALID("[8,\"10.0.0.0/8/8\"]");
	INVALID("[8,\"010.0.0.0/8\"]");
	INVALID("[8,\"10.0.0.0/255.0.255.0\"]");
	INVALID("[8,\"not-an-ip\"]");
	INVALID("[8,{\"network\":\"10.0.0.0/8\"}]");	/* D2: inlined */
	INVALID("[12,{\"constraints\":[[16]]}]");
	INVALID("[14,{}]");
	INVALID("[99,{\"opaque\":1}]");	/* deployed: bytes only */
	INVALID("[99,\"text\"]");
	INVALID("[99,[256]]");
	INVALID("[128,{\"allow\":[1]}]");
	{
		/* Map with a non-text key; Exact value not a Tenuo value. */
		struct tn_buf b;

		tn_buf_init(&b, 64);
		tn_cbor_put_array(&b, 2);
		tn_cbor_put_uint(&b, 1);
		tn_cbor_put_map(&b, 1);
		tn_cbor_put_uint(&b, 0);
		tn_cbor_put_cstr(&b, "x");
		ck_assert_int_eq(tn_constraint_validate(buf_done(&b), &e),
		    TN_ERR_MALFORMED);
		tn_buf_init(&b, 64);
		tn_cbor_put_array(&b, 2);
		tn_cbor_put_uint(&b, 1);
		tn_cbor_put_map(&b, 1);
		tn_cbor_put_cstr(&b, "value");
		tn_cbor_put_bytes(&b, (const uint8_t *)"\xff\xfe", 2);
		ck_assert_int_eq(tn_constraint_validate(buf_done(&b), &e),
		    TN_ERR_MALFORMED);
		tn_buf_init(&b, 64);
		tn_cbor_put_array(&b, 2);
		tn_cbor_put_uint(&b, 4);
		tn_cbor_put_map(&b, 1);
		tn_cbor_put_cstr(&b, "values");
		tn_cbor_put_array(&b, 1);
		tn_buf_put(&b, "\x3b\xff\xff\xff\xff\xff\xff\xff\xff", 9);
		ck_assert_int_eq(tn_constraint_validate(buf_done(&b), &e),
		    TN_ERR_MALFORMED);
	}
}
END_TEST

static const struct tn_cbor_item *
nested(const char *head, const char *tail, int n, const char *leaf)
{
	size_t cap = (strlen(head) + strlen(tail)) * (size_t)n +
	    strlen(leaf) + 1;
	char *s = malloc(cap);
	const struct tn_cbor_item *it;

	ck_assert_ptr_nonnull(s);
	s[0] = '\0';
	for (int i = 0; i < n; i++)
		strcat(s, head);
	strcat(s, leaf);
	for (int i = 0; i < n; i++)
		strcat(s, tail);
	it = J(s);
	free(s);
	return it;
}

START_TEST(test_constraint_validate_depth_limit)
{
	struct tn_error e;
	const char *nh = "[14,{\"constraint\":", *nt = "}]";
	const char *ah = "[12,{\"constraints\":[", *at = "]}]";

	ck_assert_int_eq(tn_constraint_validate(nested(nh, nt, 32, WILD), &e),
	    TN_OK);
	ck_assert_int_eq(tn_constraint_validate(nested(nh, nt, 33, WILD), &e),
	    TN_ERR_MALFORMED);
	ck_assert_ptr_nonnull(strstr(e.reason, "nesting"));
	ck_assert_int_eq(tn_constraint_validate(nested(ah, at, 32, ""), &e),
	    TN_OK);
	ck_assert_int_eq(tn_constraint_validate(nested(ah, at, 33, ""), &e),
	    TN_ERR_MALFORMED);
	/* Depth 32 still evaluates: Not^32 (even) of Wildcard allows. */
	ck_assert_int_eq(tn_constraint_check(nested(nh, nt, 32, WILD),
	    J("1"), &e), TN_OK);
	ck_assert_int_eq(tn_constraint_check(nested(nh, nt, 31, WILD),
	    J("1"), &e), TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_int_eq(tn_constraint_check(nested(nh, nt, 33, WILD),
	    J("1"), &e), TN_ERR_CONSTRAINT_NOT_SATISFIED);
}
END_TEST

START_TEST(test_constraint_set_validate_shapes)
{
	struct tn_error e;

	ck_assert_int_eq(tn_constraint_set_validate(J("{\"constraints\":{}}"),
	    &e), TN_OK);
	ck_assert_int_eq(tn_constraint_set_validate(J("{\"constraints\":"
	    "{\"path\":[16,null]},\"allow_unknown\":true}"), &e), TN_OK);
	ck_assert_int_eq(tn_constraint_set_validate(J("{\"constraints\":"
	    "{},\"allow_unknown\":false}"), &e), TN_OK);
	ck_assert_int_eq(tn_constraint_set_validate(J("{}"), &e),
	    TN_ERR_MALFORMED);
	ck_assert_int_eq(tn_constraint_set_validate(J("{\"constraints\":[]}"),
	    &e), TN_ERR_MALFORMED);
	ck_assert_int_eq(tn_constraint_set_validate(J("{\"constraints\":{},"
	    "\"allow_unknown\":1}"), &e), TN_ERR_MALFORMED);
	ck_assert_int_eq(tn_constraint_set_validate(J("{\"constraints\":"
	    "{\"secret_arg\":[1,{}]}}"), &e), TN_ERR_MALFORMED);
	ck_assert_ptr_nonnull(strstr(e.reason, "'secret_arg'"));
	ck_assert_ptr_nonnull(strstr(e.reason, "Exact"));
}
END_TEST

/* ------------------------------------------------------------ evaluation */

START_TEST(test_constraint_wildcard_allows_anything)
{
	ALLOW(WILD, "\"x\"");
	ALLOW(WILD, "1");
	ALLOW(WILD, "null");
	ALLOW(WILD, "[1,[2]]");
	ALLOW(WILD, "{\"a\":{}}");
	ALLOW(WILD, "-1.5");
}
END_TEST

START_TEST(test_constraint_exact_typed_equality)
{
	ALLOW(EXACT("\"100\""), "\"100\"");
	DENY(EXACT("\"100\""), "100");		/* D15 */
	DENY(EXACT("100"), "\"100\"");
	ALLOW(EXACT("1"), "1");
	DENY(EXACT("1"), "1.0");
	DENY(EXACT("1.0"), "1");
	ALLOW(EXACT("0.5"), "0.5");
	ALLOW(EXACT("-3"), "-3");
	DENY(EXACT("true"), "1");
	ALLOW(EXACT("null"), "null");
	DENY(EXACT("null"), "\"\"");
	ALLOW(EXACT("[1,\"a\"]"), "[1,\"a\"]");
	DENY(EXACT("[1,\"a\"]"), "[\"a\",1]");
	/* Objects are maps: key order does not matter (BTreeMap). */
	ALLOW(EXACT("{\"a\":1,\"b\":2}"), "{\"b\":2,\"a\":1}");
	DENY(EXACT("{\"a\":1,\"b\":2}"), "{\"a\":1}");
	DENY(EXACT("\"abc\""), "\"abcd\"");
}
END_TEST

START_TEST(test_constraint_exact_bytes_and_invalid_values)
{
	struct tn_error e;
	const struct tn_cbor_item *c = J(EXACT("\"abc\""));

	/* A UTF-8 byte string reads as a string, as deployed. */
	ck_assert_int_eq(tn_constraint_check(c, bytes_item("abc", 3), &e),
	    TN_OK);
	/* Not UTF-8: not a value; denied even under Wildcard. */
	ck_assert_int_eq(tn_constraint_check(c, bytes_item("\xff", 1), &e),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_int_eq(tn_constraint_check(J(WILD), bytes_item("a\xc0", 2),
	    &e), TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_ptr_nonnull(strstr(e.reason, "not a Tenuo value"));
	/* The decoder refuses invalid UTF-8 in text outright. */
	{
		struct tn_cbor_doc d;
		static const uint8_t bad[] = { 0x62, 0xc3, 0x28 };

		ck_assert_int_eq(tn_cbor_decode(bad, sizeof(bad), NULL, &d,
		    &e), TN_ERR_MALFORMED);
	}
}
END_TEST

START_TEST(test_constraint_pattern_glob_semantics)
{
	ALLOW(PAT("/data/*"), "\"/data/x\"");
	ALLOW(PAT("/data/*"), "\"/data/a/b/c\"");	/* '*' crosses '/' */
	ALLOW(PAT("/data/*"), "\"/data/\"");
	DENY(PAT("/data/*"), "\"/data\"");
	DENY(PAT("/data/*"), "\"/DATA/x\"");		/* case-sensitive */
	ALLOW(PAT("a?c"), "\"abc\"");
	ALLOW(PAT("a?c"), "\"a/c\"");
	ALLOW(PAT("a?c"), "\"a\u00e9c\"");		/* one character */
	DENY(PAT("a?c"), "\"ac\"");
	ALLOW(PAT("[abc]x"), "\"bx\"");
	DENY(PAT("[abc]x"), "\"dx\"");
	ALLOW(PAT("[a-c]"), "\"b\"");
	DENY(PAT("[a-c]"), "\"d\"");
	ALLOW(PAT("[!a]"), "\"b\"");
	DENY(PAT("[!a]"), "\"a\"");
	/* '^' is no negation in the deployed glob: a literal member. */
	ALLOW(PAT("[^a]"), "\"a\"");
	ALLOW(PAT("[^a]"), "\"^\"");
	DENY(PAT("[^a]"), "\"b\"");
	ALLOW(PAT("[]]"), "\"]\"");
	ALLOW(PAT("[!]]"), "\"a\"");
	DENY(PAT("[!]]"), "\"]\"");
	ALLOW(PAT("[a-]"), "\"-\"");
	ALLOW(PAT("[*]"), "\"*\"");
	DENY(PAT("[*]"), "\"x\"");
	ALLOW(PAT("a\\\\*"), "\"a\\\\bc\"");		/* backslash literal */
	DENY(PAT("a\\\\*"), "\"a*\"");
	ALLOW(PAT(""), "\"\"");
	DENY(PAT(""), "\"x\"");
	ALLOW(PAT("*"), "\"\"");
	/* "**" as a path component. */
	ALLOW(PAT("/data/**"), "\"/data/x/y\"");
	ALLOW(PAT("a/**/b"), "\"a/b\"");
	ALLOW(PAT("a/**/b"), "\"a/x/y/b\"");
	DENY(PAT("a/**/b"), "\"a/xb\"");
	ALLOW(PAT("**/x"), "\"x\"");
	/* Invalid globs deny; non-strings deny. */
	DENY(PAT("[abc"), "\"[abc\"");
	DENY(PAT("a***"), "\"a\"");
	DENY(PAT("a**"), "\"a\"");
	DENY(PAT("**a"), "\"a\"");
	DENY(PAT("[!]"), "\"x\"");
	DENY(PAT("*"), "1");
	DENY(PAT("*"), "null");
}
END_TEST

/*
 * A direct port of the deployed recursive matcher (glob 0.3
 * Pattern::matches_from, default options), exponential in the worst case:
 * the reference for a differential test on small inputs.
 */
enum ref_res { R_MATCH, R_SUB, R_ENTIRE };

static enum ref_res
ref_from(const struct tn_glob *g, const uint32_t *s, size_t n, size_t pos,
    size_t ti)
{
	for (; ti < g->ntoks; ti++) {
		const struct tn_glob_tok *t = &g->toks[ti];

		if (t->kind == TN_GLOB_SEQ || t->kind == TN_GLOB_REC) {
			enum ref_res r = ref_from(g, s, n, pos, ti + 1);

			if (r != R_SUB)
				return r;
			while (pos < n) {
				uint32_t c = s[pos++];

				if (t->kind == TN_GLOB_REC && c != '/')
					continue;
				r = ref_from(g, s, n, pos, ti + 1);
				if (r != R_SUB)
					return r;
			}
			continue;	/* the deployed loop falls through */
		}
		if (pos >= n)
			return R_ENTIRE;
		{
			uint32_t c = s[pos++];
			int ok = 0;

			switch (t->kind) {
			case TN_GLOB_ANY:
				ok = 1;
				break;
			case TN_GLOB_CHAR:
				ok = c == t->c;
				break;
			default: {
				const uint32_t *m = g->cps + t->set_off;
				size_t k = 0;

				while (k < t->set_n && !ok) {
					if (k + 3 <= t->set_n && m[k + 1] == '-') {
						ok = m[k] <= c && c <= m[k + 2];
						k += 3;
					} else
						ok = m[k++] == c;
				}
				if (t->kind == TN_GLOB_NOT_IN)
					ok = !ok;
			}
			}
			if (!ok)
				return R_SUB;
		}
	}
	return pos >= n ? R_MATCH : R_SUB;
}

START_TEST(test_constraint_glob_matches_deployed_recursion)
{
	static const char *const atoms[] = { "a", "b", "/", "*", "?", "**/",
	    "[ab]", "[!a]", "/**" };
	static const char alpha[] = "ab/";
	unsigned seed = 12345;
	size_t checked = 0;

	for (int iter = 0; iter < 20000; iter++) {
		char pat[64] = "", in[16];
		uint32_t cps[16];
		size_t plen, n;
		struct tn_glob g;
		int got;

		seed = seed * 1103515245u + 12345u;
		plen = (seed >> 16) % 6;
		for (size_t k = 0; k < plen; k++) {
			seed = seed * 1103515245u + 12345u;
			strcat(pat, atoms[(seed >> 16) % 9]);
		}
		seed = seed * 1103515245u + 12345u;
		n = (seed >> 16) % 9;
		for (size_t k = 0; k < n; k++) {
			seed = seed * 1103515245u + 12345u;
			in[k] = alpha[(seed >> 16) % 3];
			cps[k] = (uint8_t)in[k];
		}
		if (tn_glob_compile((const uint8_t *)pat, strlen(pat), &g,
		    NULL) != TN_OK)
			continue;
		got = tn_glob_match(&g, (const uint8_t *)in, n);
		ck_assert_msg(got == (ref_from(&g, cps, n, 0, 0) == R_MATCH),
		    "glob '%s' on '%.*s': nfa %d", pat, (int)n, in, got);
		tn_glob_free(&g);
		checked++;
	}
	ck_assert_uint_gt(checked, 5000);
}
END_TEST

START_TEST(test_constraint_pattern_pathological_is_fast)
{
	size_t n = 200000;
	char *s = malloc(n);
	struct tn_error e;
	clock_t t0 = clock();

	ck_assert_ptr_nonnull(s);
	memset(s, 'a', n);
	ck_assert_int_eq(tn_constraint_check(J(PAT("*a*a*a*a*a*b")),
	    text_item(s, n), &e), TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_int_eq(tn_constraint_check(J(PAT("*a*a*a*a*a*a")),
	    text_item(s, n), &e), TN_OK);
	memset(s, '/', n);
	ck_assert_int_eq(tn_constraint_check(J(PAT("**/**/*/**/*?b")),
	    text_item(s, n), &e), TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_msg((double)(clock() - t0) / CLOCKS_PER_SEC < 2.0,
	    "glob matching too slow");
	free(s);
}
END_TEST

START_TEST(test_constraint_oneof_allow_deny)
{
	ALLOW(ONEOF("\"staging\",\"production\""), "\"staging\"");
	DENY(ONEOF("\"staging\",\"production\""), "\"development\"");
	DENY(ONEOF("\"1\""), "1");
	ALLOW(ONEOF("1,\"1\""), "1");
	DENY(ONEOF(""), "\"x\"");
	DENY(ONEOF("1"), "1.0");
}
END_TEST

START_TEST(test_constraint_oneof_huge_list)
{
	struct tn_buf b;
	struct tn_error e;
	const struct tn_cbor_item *c;
	char v[32];
	clock_t t0 = clock();

	tn_buf_init(&b, 1u << 24);
	tn_cbor_put_array(&b, 2);
	tn_cbor_put_uint(&b, 4);
	tn_cbor_put_map(&b, 1);
	tn_cbor_put_cstr(&b, "values");
	tn_cbor_put_array(&b, 100000);
	for (int i = 0; i < 100000; i++) {
		snprintf(v, sizeof(v), "v%d", i);
		tn_cbor_put_cstr(&b, v);
	}
	c = buf_done(&b);
	ck_assert_int_eq(tn_constraint_check(c, J("\"v99999\""), &e), TN_OK);
	ck_assert_int_eq(tn_constraint_check(c, J("\"v100000\""), &e),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_int_eq(tn_constraint_attenuates(c, J(EXACT("\"v5\"")), &e),
	    TN_OK);
	ck_assert_int_eq(tn_constraint_attenuates(c, c, &e), TN_OK);
	ck_assert_msg((double)(clock() - t0) / CLOCKS_PER_SEC < 30.0,
	    "huge OneOf too slow");
}
END_TEST

START_TEST(test_constraint_range_bounds_and_types)
{
	const char *r = RANGE("0.0", "100.0", "true", "true");
	const char *x = RANGE("0.0", "100.0", "false", "false");
	struct tn_error e;

	ALLOW(r, "50.0");		/* A.19.1 */
	DENY(r, "150.0");
	ALLOW(r, "50");			/* integers compare as f64 */
	ALLOW(r, "0");
	ALLOW(r, "100");
	DENY(r, "-1");
	ALLOW(x, "0.5");
	DENY(x, "0.0");
	DENY(x, "100.0");
	ALLOW(x, "99.99");
	DENY(r, "\"50\"");		/* typed */
	DENY(r, "null");
	DENY(r, "true");
	DENY(r, "[50]");
	ALLOW(RANGE("null", "10.0", "true", "true"), "-1e300");
	ALLOW(RANGE("1.5", "null", "true", "true"), "9007199254740993");
	DENY(RANGE("1.5", "null", "true", "true"), "1");
	/* Non-finite arguments never satisfy a Range. */
	{
		struct tn_buf b;

		tn_buf_init(&b, 16);
		tn_cbor_put_float(&b, NAN);
		ck_assert_int_eq(tn_constraint_check(J(RANGE("null", "null",
		    "true", "true")), buf_done(&b), &e),
		    TN_ERR_CONSTRAINT_NOT_SATISFIED);
		tn_buf_init(&b, 16);
		tn_cbor_put_float(&b, INFINITY);
		ck_assert_int_eq(tn_constraint_check(J(RANGE("0.0", "null",
		    "true", "true")), buf_done(&b), &e),
		    TN_ERR_CONSTRAINT_NOT_SATISFIED);
		/* A NaN bound admits nothing. */
		tn_buf_init(&b, 128);
		tn_cbor_put_array(&b, 2);
		tn_cbor_put_uint(&b, 3);
		tn_cbor_put_map(&b, 4);
		tn_cbor_put_cstr(&b, "min");
		tn_cbor_put_float(&b, NAN);
		tn_cbor_put_cstr(&b, "max");
		tn_cbor_put_null(&b);
		tn_cbor_put_cstr(&b, "min_inclusive");
		tn_cbor_put_bool(&b, 1);
		tn_cbor_put_cstr(&b, "max_inclusive");
		tn_cbor_put_bool(&b, 1);
		ck_assert_int_eq(tn_constraint_check(buf_done(&b), J("1.0"),
		    &e), TN_ERR_CONSTRAINT_NOT_SATISFIED);
	}
	/* u64 above INT64_MAX reads as a float, as deployed. */
	{
		struct tn_buf b;

		tn_buf_init(&b, 16);
		tn_cbor_put_uint(&b, UINT64_MAX);
		ck_assert_int_eq(tn_constraint_check(J(RANGE("1e19", "null",
		    "true", "true")), buf_done(&b), &e), TN_OK);
		tn_buf_init(&b, 16);
		tn_cbor_put_uint(&b, UINT64_MAX);
		ck_assert_int_eq(tn_constraint_check(J(EXACT(
		    "1.8446744073709552e19")), buf_done(&b), &e), TN_OK);
	}
}
END_TEST

START_TEST(test_constraint_subpath_containment)
{
	const char *s = SUBPATH("/data", "true", "true");
	const char *strict = SUBPATH("/data", "true", "false");
	const char *ci = SUBPATH("/data", "false", "true");

	ALLOW(s, "\"/data/file.txt\"");
	ALLOW(s, "\"/data/sub/dir/f\"");
	ALLOW(s, "\"/data\"");
	ALLOW(s, "\"/data/\"");
	ALLOW(s, "\"/data/x/\"");
	ALLOW(s, "\"/data//x\"");
	ALLOW(s, "\"/data/./x\"");
	ALLOW(s, "\"/data/x/../y\"");
	DENY(strict, "\"/data\"");
	DENY(strict, "\"/data/\"");
	ALLOW(strict, "\"/data/x\"");
	/* Traversal attempts. */
	DENY(s, "\"/data/../etc/passwd\"");
	DENY(s, "\"/data/./../x\"");
	DENY(s, "\"/data/x/../../etc\"");
	DENY(s, "\"/data/../../../../data2\"");
	DENY(s, "\"/data2/x\"");
	DENY(s, "\"/datax\"");
	DENY(s, "\"/etc/passwd\"");
	DENY(s, "\"/data\\\\..\\\\etc\"");		/* '\' separates too */
	ALLOW(s, "\"/data//x/..\"");		/* == /data, allow_equal */
	DENY(strict, "\"/data//x/..\"");
	DENY(s, "\"data/x\"");			/* relative */
	DENY(s, "\"./data/x\"");
	DENY(s, "\"\"");
	DENY(s, "\"/DATA/x\"");			/* case-sensitive */
	ALLOW(ci, "\"/DATA/x\"");
	ALLOW(ci, "\"/Data/X/\u00c9\"");
	DENY(ci, "\"/D\u00c5TA/x\"");
	DENY(SUBPATH("/D\u00c5TA", "false", "true"), "\"/d\u00e5ta/x\"");
	DENY(s, "1");
	DENY(s, "null");
	/* Root "/" holds every absolute path. */
	ALLOW(SUBPATH("/", "true", "false"), "\"/etc\"");
	ALLOW(SUBPATH("/", "true", "true"), "\"/\"");
	/* Windows drive paths as deployed normalizes them. */
	ALLOW(SUBPATH("C:/data", "true", "true"), "\"C:/data/x\"");
	DENY(SUBPATH("C:/data", "true", "true"), "\"C:/data/../x\"");
	/* A.25.2 */
	ALLOW(SUBPATH("/home/agent/workspace", "true", "true"),
	    "\"/home/agent/workspace/file.txt\"");
	DENY(SUBPATH("/home/agent/workspace", "true", "true"),
	    "\"/home/agent/workspace/../../../etc/passwd\"");
}
END_TEST

START_TEST(test_constraint_subpath_nul_byte)
{
	struct tn_error e;
	const struct tn_cbor_item *c = J(SUBPATH("/data", "true", "true"));

	ck_assert_int_eq(tn_constraint_check(c, text_item("/data/x\0y", 9),
	    &e), TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_int_eq(tn_constraint_check(c, text_item("/data/x", 7), &e),
	    TN_OK);
	ck_assert_int_eq(tn_constraint_check(c, bytes_item("/data/x", 7), &e),
	    TN_OK);
}
END_TEST

START_TEST(test_constraint_subpath_normalize)
{
	static const struct {
		const char *in, *out;
	} cases[] = {
		{ "/", "/" }, { "/a/b", "/a/b" }, { "/a/b/", "/a/b" },
		{ "//a//b", "/a/b" }, { "/a/./b/.", "/a/b" },
		{ "/a/../b", "/b" }, { "/../..", "/" }, { "/a/b/../..", "/" },
		{ "/a\\b", "/a/b" }, { "C:\\a\\..\\b", "C:\\b" },
		{ "C:/x/", "C:/x" }, { "C:x", "C:/x" }, { "a/../../b", "b" },
		{ "/.../x", "/.../x" }, { "/..a/x", "/..a/x" },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t out[64];
		size_t n = tn_subpath_normalize((const uint8_t *)cases[i].in,
		    strlen(cases[i].in), out);

		ck_assert_msg(n == strlen(cases[i].out) &&
		    memcmp(out, cases[i].out, n) == 0, "normalize %s: %.*s",
		    cases[i].in, (int)n, out);
	}
}
END_TEST

START_TEST(test_constraint_unknown_types_deny)
{
	static const struct {
		const char *c, *name;
	} cases[] = {
		{ "[6,[]]", "Unknown (6)" },
		{ "[99]", "Unknown (99)" },
		{ "[13,{\"constraints\":[[99]]}]", "Unknown (99)" },
	};
	struct tn_error e;

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		ck_assert_int_eq(tn_constraint_check(J(cases[i].c), J("\"x\""),
		    &e), TN_ERR_CONSTRAINT_NOT_SATISFIED);
		ck_assert_msg(strstr(e.reason, cases[i].name) != NULL &&
		    strstr(e.reason, "not supported") != NULL, "%s: %s",
		    cases[i].c, e.reason);
	}
	/* Every known type is evaluated now. */
	for (uint64_t t = 1; t <= 255; t++)
		ck_assert_int_eq(tn_constraint_type_supported(t),
		    (t <= 18 && t != 6) || t == 128);
	/* Not over an erroring constraint never flips to allow. */
	DENY("[14,{\"constraint\":[14,{\"constraint\":[99]}]}]", "\"x\"");
	DENY("[14,{\"constraint\":[9,\"https://a.example/*\"]}]",
	    "\"not a url\"");
	/* Any stops at the first error, as deployed. */
	DENY("[13,{\"constraints\":[[99],[16,null]]}]", "\"x\"");
	ALLOW("[13,{\"constraints\":[[16,null],[99]]}]", "\"x\"");
}
END_TEST

START_TEST(test_constraint_reasons_hide_values)
{
	struct tn_error e;

	ck_assert_int_eq(tn_constraint_check(J(EXACT("\"hunter2\"")),
	    J("\"SECRETVALUE\""), &e), TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_ptr_null(strstr(e.reason, "SECRETVALUE"));
	ck_assert_ptr_null(strstr(e.reason, "hunter2"));
	ck_assert_ptr_nonnull(strstr(e.reason, "Exact"));
	ck_assert_int_eq(tn_constraint_set_check(J("{\"constraints\":"
	    "{\"password\":" PAT("a*") "}}"), J("{\"password\":\"SECRET\"}"),
	    &e), TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_ptr_null(strstr(e.reason, "SECRET"));
	ck_assert_ptr_nonnull(strstr(e.reason, "'password'"));
	ck_assert_ptr_nonnull(strstr(e.reason, "Pattern"));
	ck_assert_int_eq(tn_constraint_attenuates(J(EXACT("\"hunter2\"")),
	    J(EXACT("\"SECRET\"")), &e), TN_ERR_ATTENUATION_INVALID);
	ck_assert_ptr_null(strstr(e.reason, "SECRET"));
	ck_assert_ptr_null(strstr(e.reason, "hunter2"));
}
END_TEST

/* ------------------------------------------------------------ sets */

START_TEST(test_constraint_set_closed_world)
{
	struct tn_error e;
	const struct tn_cbor_item *s = J("{\"constraints\":{\"path\":"
	    PAT("/data/*") ",\"mode\":" WILD "}}");
	const struct tn_cbor_item *open = J("{\"constraints\":{\"path\":"
	    PAT("/data/*") "},\"allow_unknown\":true}");

	ck_assert_int_eq(tn_constraint_set_check(s, J("{\"path\":\"/data/x\","
	    "\"mode\":\"r\"}"), &e), TN_OK);
	ck_assert_int_eq(tn_constraint_set_check(s, J("{\"path\":\"/etc/x\","
	    "\"mode\":\"r\"}"), &e), TN_ERR_CONSTRAINT_NOT_SATISFIED);
	/* Undeclared argument: denied in closed world. */
	ck_assert_int_eq(tn_constraint_set_check(s, J("{\"path\":\"/data/x\","
	    "\"mode\":\"r\",\"extra\":1}"), &e),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_ptr_nonnull(strstr(e.reason, "'extra'"));
	/* Declared but missing: denied, even under Wildcard. */
	ck_assert_int_eq(tn_constraint_set_check(s, J("{\"path\":"
	    "\"/data/x\"}"), &e), TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_ptr_nonnull(strstr(e.reason, "'mode'"));
	ck_assert_ptr_nonnull(strstr(e.reason, "missing"));
	/* allow_unknown lets extras through, still checks the rest. */
	ck_assert_int_eq(tn_constraint_set_check(open, J("{\"path\":"
	    "\"/data/x\",\"extra\":1}"), &e), TN_OK);
	ck_assert_int_eq(tn_constraint_set_check(open, J("{\"path\":"
	    "\"/etc\",\"extra\":1}"), &e), TN_ERR_CONSTRAINT_NOT_SATISFIED);
	/* Empty set: open world. */
	ck_assert_int_eq(tn_constraint_set_check(J("{\"constraints\":{}}"),
	    J("{\"anything\":[1,2]}"), &e), TN_OK);
	ck_assert_int_eq(tn_constraint_set_check(J("{\"constraints\":{}}"),
	    J("{}"), &e), TN_OK);
	/* Arguments must be a map with text names. */
	ck_assert_int_eq(tn_constraint_set_check(s, J("[1]"), &e),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ck_assert_int_eq(tn_constraint_set_check(J("{\"constraints\":{\"a\":"
	    WILD "}}"), J("{\"a\":1,\"b\":2}"), &e),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	/* A malformed set denies. */
	ck_assert_int_eq(tn_constraint_set_check(J("{\"constraints\":{\"a\":"
	    "[1,{}]}}"), J("{\"a\":1}"), &e), TN_ERR_CONSTRAINT_NOT_SATISFIED);
}
END_TEST

/* ------------------------------------------------------------ attenuation */

START_TEST(test_constraint_attenuation_wildcard)
{
	ATT_OK(WILD, WILD);
	ATT_OK(WILD, PAT("/data/*"));
	ATT_OK(WILD, EXACT("1"));
	ATT_OK(WILD, "[5,{\"pattern\":\"x\"}]");
	ATT_OK(WILD, "[99]");		/* deployed: Wildcard -> anything */
	ATT_BAD(PAT("*"), WILD);
	ATT_BAD(EXACT("1"), WILD);
	ATT_BAD(ONEOF("1"), WILD);
	ATT_BAD(RANGE("null", "null", "true", "true"), WILD);
	ATT_BAD(SUBPATH("/", "true", "true"), WILD);
}
END_TEST

START_TEST(test_constraint_attenuation_exact)
{
	ATT_OK(EXACT("\"a\""), EXACT("\"a\""));
	ATT_BAD(EXACT("\"a\""), EXACT("\"b\""));
	ATT_BAD(EXACT("1"), EXACT("1.0"));
	ATT_BAD(EXACT("\"1\""), EXACT("1"));
	ATT_BAD(EXACT("\"a\""), PAT("a"));
	ATT_BAD(EXACT("\"a\""), ONEOF("\"a\""));
}
END_TEST

START_TEST(test_constraint_attenuation_pattern_rules)
{
	/* The normative table, with D14 ("*" is an empty prefix). */
	ATT_OK(PAT("*"), PAT("*"));
	ATT_OK(PAT("*"), PAT("staging-*"));
	ATT_OK(PAT("*"), EXACT("\"v\""));
	ATT_OK(PAT("*"), PAT("v"));
	ATT_BAD(PAT("*"), PAT("*-suffix"));
	ATT_OK(PAT("prefix-*"), PAT("prefix-more-*"));
	ATT_OK(PAT("prefix-*"), PAT("prefix-exact"));
	ATT_BAD(PAT("prefix-*"), PAT("other-*"));
	ATT_BAD(PAT("prefix-*"), PAT("pre*"));
	ATT_BAD(PAT("prefix-*"), PAT("*"));
	ATT_OK(PAT("*-suffix"), PAT("*-more-suffix"));
	ATT_OK(PAT("*-suffix"), PAT("exact-suffix"));
	ATT_BAD(PAT("*-suffix"), PAT("*"));
	ATT_BAD(PAT("*-suffix"), PAT("suffix-*"));
	ATT_OK(PAT("prefix-*-suffix"), PAT("prefix-*-suffix"));
	ATT_BAD(PAT("prefix-*-suffix"), PAT("prefix-a-suffix"));
	ATT_BAD(PAT("prefix-*-suffix"), PAT("prefix-a*-suffix"));
	ATT_OK(PAT("*mid*"), PAT("*mid*"));
	ATT_BAD(PAT("*mid*"), PAT("*mid-more*"));
	ATT_BAD(PAT("*-prod-*"), PAT("db-prod-*"));
	ATT_BAD(PAT("/data/*/file.txt"), PAT("/data/reports/file.txt"));
	ATT_OK(PAT("exact"), PAT("exact"));
	ATT_BAD(PAT("exact"), PAT("exact*"));
	ATT_BAD(PAT("exact"), PAT("other"));
	ATT_BAD(PAT("**"), PAT("a"));
	/* A.3 chain and A.11. */
	ATT_OK(PAT("/data/*"), PAT("/data/reports/*"));
	ATT_OK(PAT("/data/reports/*"), EXACT("\"/data/reports/q3.pdf\""));
	ATT_BAD(PAT("/data/reports/*"), PAT("/data/*"));
	/* Stricter than deployed: tokens must line up, globs must compile. */
	ATT_BAD(PAT("*]"), PAT("*[a]"));	/* deployed says valid */
	ATT_OK(PAT("*]"), PAT("*x]"));
	ATT_OK(PAT("[ab]*"), PAT("[ab]c*"));
	ATT_BAD(PAT("a[*"), PAT("a[b*"));	/* invalid parent glob */
	ATT_BAD(PAT("/data/*"), PAT("/data/[*"));
	ATT_OK(PAT("a[*"), PAT("a[*"));		/* identical copy */
	/* Pattern -> Exact by matching. */
	ATT_OK(PAT("/data/*"), EXACT("\"/data/x/y\""));
	ATT_BAD(PAT("/data/*"), EXACT("\"/etc/x\""));
	ATT_BAD(PAT("*"), EXACT("1"));
	ATT_OK(PAT("a?c"), EXACT("\"abc\""));
	ATT_BAD(PAT("[abc"), EXACT("\"[abc\""));
}
END_TEST

START_TEST(test_constraint_attenuation_oneof)
{
	ATT_OK(ONEOF("\"a\",\"b\",\"c\""), ONEOF("\"a\",\"c\""));
	ATT_OK(ONEOF("\"a\""), ONEOF(""));
	ATT_BAD(ONEOF("\"a\",\"b\""), ONEOF("\"a\",\"d\""));
	ATT_BAD(ONEOF("\"1\""), ONEOF("1"));
	ATT_OK(ONEOF("\"a\",\"b\""), EXACT("\"b\""));
	ATT_BAD(ONEOF("\"a\",\"b\""), EXACT("\"z\""));
	ATT_BAD(ONEOF("\"a\""), "[7,{\"excluded\":[\"b\"]}]");
	ATT_BAD(ONEOF("\"a\""), PAT("a"));
}
END_TEST

START_TEST(test_constraint_attenuation_range)
{
	/* The inclusivity table. */
	ATT_OK(RANGE("0.0", "100.0", "true", "true"),
	    RANGE("10.0", "90.0", "true", "true"));
	ATT_OK(RANGE("0.0", "100.0", "false", "false"),
	    RANGE("1.0", "99.0", "true", "true"));
	ATT_OK(RANGE("0.0", "100.0", "false", "false"),
	    RANGE("0.0", "50.0", "false", "false"));
	ATT_BAD(RANGE("0.0", "100.0", "false", "false"),
	    RANGE("0.0", "50.0", "true", "true"));
	ATT_OK(RANGE("0.0", "null", "true", "true"),
	    RANGE("10.0", "100.0", "true", "true"));
	ATT_OK(RANGE("0.0", "100.0", "true", "true"),
	    RANGE("0.0", "100.0", "false", "false"));
	ATT_BAD(RANGE("0.0", "100.0", "true", "false"),
	    RANGE("0.0", "100.0", "true", "true"));
	ATT_BAD(RANGE("0.0", "100.0", "true", "true"),
	    RANGE("-1.0", "100.0", "true", "true"));
	ATT_BAD(RANGE("0.0", "100.0", "true", "true"),
	    RANGE("0.0", "100.5", "true", "true"));
	ATT_BAD(RANGE("0.0", "100.0", "true", "true"),
	    RANGE("null", "100.0", "true", "true"));
	ATT_BAD(RANGE("0.0", "100.0", "true", "true"),
	    RANGE("0.0", "null", "true", "true"));
	ATT_OK(RANGE("null", "null", "true", "true"),
	    RANGE("null", "5.0", "true", "true"));
	/* Range -> Exact (numeric). */
	ATT_OK(RANGE("0.0", "100.0", "true", "true"), EXACT("50"));
	ATT_OK(RANGE("0.0", "100.0", "true", "true"), EXACT("100.0"));
	ATT_BAD(RANGE("0.0", "100.0", "true", "false"), EXACT("100.0"));
	ATT_BAD(RANGE("0.0", "100.0", "false", "true"), EXACT("0"));
	ATT_BAD(RANGE("0.0", "100.0", "true", "true"), EXACT("101"));
	ATT_BAD(RANGE("0.0", "100.0", "true", "true"), EXACT("\"50\""));
	ATT_BAD(RANGE("0.0", "100.0", "true", "true"), ONEOF("50"));
	{
		/* A NaN bound never attenuates (deployed: ignored). */
		struct tn_buf b;
		struct tn_error e;

		tn_buf_init(&b, 128);
		tn_cbor_put_array(&b, 2);
		tn_cbor_put_uint(&b, 3);
		tn_cbor_put_map(&b, 4);
		tn_cbor_put_cstr(&b, "min");
		tn_cbor_put_float(&b, NAN);
		tn_cbor_put_cstr(&b, "max");
		tn_cbor_put_null(&b);
		tn_cbor_put_cstr(&b, "min_inclusive");
		tn_cbor_put_bool(&b, 1);
		tn_cbor_put_cstr(&b, "max_inclusive");
		tn_cbor_put_bool(&b, 1);
		ck_assert_int_eq(tn_constraint_attenuates(buf_done(&b),
		    J(RANGE("5.0", "null", "true", "true")), &e),
		    TN_ERR_ATTENUATION_INVALID);
	}
}
END_TEST

START_TEST(test_constraint_attenuation_subpath)
{
	const char *p = SUBPATH("/data", "true", "true");

	ATT_OK(p, p);
	ATT_OK(p, SUBPATH("/data/reports", "true", "true"));
	ATT_OK(p, SUBPATH("/data/reports", "true", "false"));
	ATT_BAD(p, SUBPATH("/etc", "true", "true"));
	ATT_BAD(p, SUBPATH("/data/../etc", "true", "true"));
	ATT_BAD(p, SUBPATH("/datax", "true", "true"));
	ATT_BAD(p, SUBPATH("/data/x", "false", "true"));
	ATT_OK(SUBPATH("/data", "false", "true"),
	    SUBPATH("/data", "true", "true"));
	ATT_OK(SUBPATH("/data", "false", "true"),
	    SUBPATH("/DATA/x", "true", "true"));
	ATT_BAD(SUBPATH("/data", "true", "false"),
	    SUBPATH("/data/x", "true", "true"));
	/* Deployed quirk: an identical allow_equal=false copy fails. */
	ATT_BAD(SUBPATH("/data", "true", "false"),
	    SUBPATH("/data", "true", "false"));
	ATT_OK(SUBPATH("/data", "true", "false"),
	    SUBPATH("/data/x", "true", "false"));
	/* Subpath -> Exact */
	ATT_OK(p, EXACT("\"/data/x.txt\""));
	ATT_BAD(p, EXACT("\"/data/../etc/passwd\""));
	ATT_BAD(p, EXACT("1"));
	ATT_BAD(p, PAT("/data/*"));
}
END_TEST

START_TEST(test_constraint_attenuation_cross_type_invalid)
{
	static const char *const all[] = {
		EXACT("\"/data/x\""), PAT("/data/*"), ONEOF("\"/data/x\""),
		RANGE("0.0", "1.0", "true", "true"),
		SUBPATH("/data", "true", "true"),
		"[7,{\"excluded\":[\"a\"]}]", "[8,\"10.0.0.0/8\"]",
		"[10,{\"required\":[\"a\"]}]", "[11,{\"allowed\":[\"a\"]}]",
		"[12,{\"constraints\":[]}]", "[13,{\"constraints\":[]}]",
		"[14,{\"constraint\":[16,null]}]",
	};
	size_t n = sizeof(all) / sizeof(all[0]);

	/* Same-type and X -> Exact pairs are tested elsewhere. */
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < n; j++)
			if (i != j && j != 0)
				ATT_BAD(all[i], all[j]);
	ATT_BAD(EXACT("\"a\""), "[7,{\"excluded\":[\"b\"]}]");
	ATT_BAD("[7,{\"excluded\":[\"b\"]}]", EXACT("\"a\""));
}
END_TEST

START_TEST(test_constraint_attenuation_unknown_never)
{
	ATT_BAD("[99,[1]]", "[99,[1]]");		/* D16 */
	ATT_BAD("[99]", WILD);
	ATT_BAD("[6,[]]", "[6,[]]");
	ATT_BAD(PAT("*"), "[99]");
	/* Known types now attenuate by their rules. */
	ATT_OK("[5,{\"pattern\":\"a\"}]", "[5,{\"pattern\":\"a\"}]");
	ATT_OK("[5,{\"pattern\":\"a\"}]", EXACT("\"a\""));
	ATT_OK("[15,{\"expression\":\"x\"}]", "[15,{\"expression\":\"x\"}]");
	ATT_OK("[128,{\"allow\":[]}]", "[128,{\"allow\":[]}]");
	ATT_BAD("[5,{\"pattern\":\"a\"}]", "[99]");
}
END_TEST

START_TEST(test_constraint_set_attenuation_rules)
{
	struct tn_error e;
#define SET_ATT(p, c)	tn_constraint_set_attenuates(J(p), J(c), &e)
	const char *p = "{\"constraints\":{\"path\":" PAT("/data/*") "}}";

	ck_assert_int_eq(SET_ATT(p, "{\"constraints\":{\"path\":"
	    PAT("/data/r/*") "}}"), TN_OK);
	ck_assert_int_eq(SET_ATT(p, "{\"constraints\":{\"path\":"
	    PAT("/*") "}}"), TN_ERR_ATTENUATION_INVALID);
	ck_assert_ptr_nonnull(strstr(e.reason, "'path'"));
	/* Child drops a constrained argument. */
	ck_assert_int_eq(SET_ATT(p, "{\"constraints\":{}}"),
	    TN_ERR_ATTENUATION_INVALID);
	/* Child adds an argument to a non-empty parent (keyset identity). */
	ck_assert_int_eq(SET_ATT(p, "{\"constraints\":{\"path\":"
	    PAT("/data/*") ",\"mode\":" WILD "}}"), TN_ERR_ATTENUATION_INVALID);
	ck_assert_ptr_nonnull(strstr(e.reason, "'mode'"));
	ck_assert_int_eq(SET_ATT("{\"constraints\":{\"path\":" WILD "},"
	    "\"allow_unknown\":true}", "{\"constraints\":{\"path\":" WILD
	    ",\"mode\":" WILD "},\"allow_unknown\":true}"),
	    TN_ERR_ATTENUATION_INVALID);
	/* An empty (open) parent may gain any keys. */
	ck_assert_int_eq(SET_ATT("{\"constraints\":{}}", p), TN_OK);
	/* allow_unknown: never enabled by the child, may be dropped. */
	ck_assert_int_eq(SET_ATT(p, "{\"constraints\":{\"path\":"
	    PAT("/data/*") "},\"allow_unknown\":true}"),
	    TN_ERR_ATTENUATION_INVALID);
	ck_assert_int_eq(SET_ATT("{\"constraints\":{},\"allow_unknown\":"
	    "false}", "{\"constraints\":{},\"allow_unknown\":true}"),
	    TN_ERR_ATTENUATION_INVALID);
	ck_assert_int_eq(SET_ATT("{\"constraints\":{\"path\":" PAT("/data/*")
	    "},\"allow_unknown\":true}", p), TN_OK);
	ck_assert_int_eq(SET_ATT("{\"constraints\":{\"path\":" PAT("/data/*")
	    "},\"allow_unknown\":true}", "{\"constraints\":{\"path\":"
	    PAT("/data/*") "},\"allow_unknown\":true}"), TN_OK);
	ck_assert_int_eq(SET_ATT("{\"constraints\":{}}", "{}"),
	    TN_ERR_ATTENUATION_INVALID);
#undef SET_ATT
}
END_TEST

/* ------------------------------------------------------------ extensions */

START_TEST(test_constraint_notoneof)
{
	const char *n = "[7,{\"excluded\":[\"prod\",\"secure\"]}]";
	struct tn_error e;

	ALLOW(n, "\"staging\"");
	DENY(n, "\"prod\"");
	ALLOW(n, "1");
	/* A UTF-8 byte string is the same string: still excluded. */
	ck_assert_int_eq(tn_constraint_check(J(n), bytes_item("prod", 4), &e),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
	ATT_OK(n, "[7,{\"excluded\":[\"prod\",\"secure\",\"x\"]}]");
	ATT_BAD(n, "[7,{\"excluded\":[\"prod\"]}]");
	ATT_OK(WILD, n);
	ATT_BAD(n, EXACT("\"staging\""));
}
END_TEST

START_TEST(test_constraint_contains_subset)
{
	const char *c = "[10,{\"required\":[\"approved\",\"reviewed\"]}]";
	const char *s = "[11,{\"allowed\":[\"read\",\"write\",\"delete\"]}]";

	ALLOW(c, "[\"approved\",\"reviewed\",\"urgent\"]");	/* A.25.3 */
	DENY(c, "[\"approved\",\"urgent\"]");
	DENY(c, "\"approved\"");
	ALLOW(s, "[\"read\",\"write\"]");			/* A.25.4 */
	DENY(s, "[\"read\",\"admin\"]");
	ALLOW(s, "[]");
	DENY(s, "\"read\"");
	ATT_OK(c, "[10,{\"required\":[\"approved\",\"reviewed\",\"x\"]}]");
	ATT_BAD(c, "[10,{\"required\":[\"approved\"]}]");
	ATT_OK(s, "[11,{\"allowed\":[\"read\"]}]");
	ATT_BAD(s, "[11,{\"allowed\":[\"read\",\"admin\"]}]");
}
END_TEST

START_TEST(test_constraint_all_any_not)
{
	const char *all = "[12,{\"constraints\":[" RANGE("0.0", "10000.0",
	    "true", "true") "]}]";
	const char *any = "[13,{\"constraints\":[" PAT("/public/*") ","
	    PAT("/shared/*") "]}]";
	const char *not = "[14,{\"constraint\":" PAT("/secret/*") "}]";

	ALLOW(all, "500.0");					/* A.25.6 */
	DENY(all, "20000.0");
	ALLOW("[12,{\"constraints\":[]}]", "1");
	ALLOW(any, "\"/public/readme.txt\"");			/* A.25.7 */
	ALLOW(any, "\"/shared/data.json\"");
	DENY(any, "\"/private/secret.txt\"");
	DENY("[13,{\"constraints\":[]}]", "1");
	ALLOW(not, "\"/public/readme.txt\"");			/* A.25.8 */
	DENY(not, "\"/secret/keys.txt\"");
	/* All: child keeps every parent clause (narrowed), may add. */
	ATT_OK(all, "[12,{\"constraints\":[" RANGE("0.0", "100.0", "true",
	    "true") "," EXACT("5") "]}]");
	ATT_OK(all, "[12,{\"constraints\":[" EXACT("5") "]}]");
	ATT_BAD(all, "[12,{\"constraints\":[" EXACT("20000") "]}]");
	ATT_BAD(all, "[12,{\"constraints\":[" PAT("*") "]}]");
	ATT_BAD(all, "[12,{\"constraints\":[]}]");
	/* Any: every child branch covered (D13). */
	ATT_OK(any, any);
	ATT_OK(any, "[13,{\"constraints\":[" PAT("/public/docs/*") "]}]");
	ATT_BAD(any, "[13,{\"constraints\":[" PAT("/private/*") "]}]");
	ATT_OK(any, "[13,{\"constraints\":[]}]");
	/* Not: child inner at least as permissive (D13). */
	ATT_OK(not, not);
	ATT_OK("[14,{\"constraint\":" EXACT("\"admin\"") "}]",
	    "[14,{\"constraint\":" ONEOF("\"admin\",\"root\"") "}]");
	ATT_BAD("[14,{\"constraint\":" ONEOF("\"admin\",\"root\"") "}]",
	    "[14,{\"constraint\":" EXACT("\"admin\"") "}]");
	ATT_OK(not, "[14,{\"constraint\":" PAT("/*") "}]");
	ATT_BAD(not, "[14,{\"constraint\":" PAT("/secret/a/*") "}]");
	ATT_OK(not, "[14,{\"constraint\":" WILD "}]");
	ATT_BAD(not, PAT("/x"));
	/* Stricter than deployed: errors in the parent are respected. */
	ATT_BAD("[13,{\"constraints\":[[8,\"10.0.0.0/8\"]," PAT("x*") "]}]",
	    "[13,{\"constraints\":[" PAT("x*") "]}]");
	ATT_OK("[13,{\"constraints\":[" PAT("x*") ",[8,\"10.0.0.0/8\"]]}]",
	    "[13,{\"constraints\":[" PAT("x*") "]}]");
	ATT_OK("[13,{\"constraints\":[[8,\"10.0.0.0/8\"],[8,\"::/0\"]]}]",
	    "[13,{\"constraints\":[[8,\"10.1.0.0/16\"]]}]");
	ATT_OK("[14,{\"constraint\":[8,\"10.0.0.0/16\"]}]",
	    "[14,{\"constraint\":[8,\"10.0.0.0/8\"]}]");
	ATT_BAD("[14,{\"constraint\":[12,{\"constraints\":[[8,\"10.0.0.0/8\"],"
	    PAT("x*") "]}]}]", "[14,{\"constraint\":[12,{\"constraints\":["
	    PAT("x*") "]}]}]");
}
END_TEST

START_TEST(test_constraint_cidr)
{
	const char *c = "[8,\"10.0.0.0/8\"]";
	const char *v6 = "[8,\"2001:db8::/32\"]";

	ALLOW(c, "\"10.1.2.3\"");				/* A.19.3 */
	DENY(c, "\"192.168.1.1\"");
	DENY(c, "\"not-an-ip\"");
	DENY(c, "\"10.1.2.3/32\"");
	DENY(c, "\"::ffff:10.1.2.3\"");
	DENY(c, "1");
	ALLOW(v6, "\"2001:db8::1\"");
	DENY(v6, "\"2001:db9::1\"");
	DENY(v6, "\"10.1.2.3\"");
	ALLOW("[8,\"10.1.2.3\"]", "\"10.1.2.3\"");
	DENY("[8,\"10.1.2.3\"]", "\"10.1.2.4\"");
	ALLOW("[8,\"10.9.9.9/8\"]", "\"10.0.0.1\"");	/* host bits */
	ALLOW("[8,\"10.0.0.0/255.255.0.0\"]", "\"10.0.9.9\"");
	DENY("[8,\"10.0.0.0/255.255.0.0\"]", "\"10.1.0.0\"");
	ALLOW("[8,\"0.0.0.0/0\"]", "\"1.2.3.4\"");
	/* Not over Cidr: a non-address is an error and stays denied. */
	DENY("[14,{\"constraint\":[8,\"10.0.0.0/8\"]}]", "\"garbage\"");
	ALLOW("[14,{\"constraint\":[8,\"10.0.0.0/8\"]}]", "\"11.0.0.1\"");
	ATT_OK(c, "[8,\"10.1.0.0/16\"]");
	ATT_OK(c, c);
	ATT_BAD(c, "[8,\"0.0.0.0/0\"]");
	ATT_BAD(c, "[8,\"11.0.0.0/8\"]");
	ATT_BAD(c, "[8,\"::/0\"]");
	ATT_OK(c, EXACT("\"10.2.3.4\""));
	ATT_BAD(c, EXACT("\"11.2.3.4\""));
	ATT_BAD(c, EXACT("\"host\""));
	ATT_OK(v6, "[8,\"2001:db8:1::/48\"]");
}
END_TEST

/* ------------------------------------------------------------ spec parser */

static void
spec_is(const char *spec, const char *json)
{
	const struct tn_cbor_item *a = S(spec), *b = J(json);

	ck_assert_msg(a->len == b->len && memcmp(pool[npool - 2].buf + a->off,
	    pool[npool - 1].buf + b->off, a->len) == 0, "spec %s != %s", spec,
	    json);
}

START_TEST(test_constraint_spec_parser)
{
	struct tn_buf b;
	struct tn_error e;
	static const char *const bad[] = {
		"", "nope", "exact", "range:1", "range:a..b", "range:nan..1",
		"range:1..inf", "range: 1..2", "subpath:data", "oneof:",
		"json:", "json:[2,", "json:[1,\"inline\"]",
		"json:[2,{\"pattern\":\"a\",\"pattern\":\"b\"}]",
		"json:[3,{\"min\":0,\"max\":1.0,\"min_inclusive\":true,"
		    "\"max_inclusive\":true}]",
	};

	spec_is("wildcard", "[16,null]");
	spec_is("exact:/data/q3.pdf", "[1,{\"value\":\"/data/q3.pdf\"}]");
	spec_is("exact:", "[1,{\"value\":\"\"}]");
	spec_is("pattern:/data/*", PAT("/data/*"));
	spec_is("subpath:/data/../srv//x/", SUBPATH("/srv/x", "true", "true"));
	spec_is("oneof:a,b", ONEOF("\"a\",\"b\""));
	spec_is("oneof:a,,b", ONEOF("\"a\",\"\",\"b\""));
	spec_is("range:0..100", RANGE("0.0", "100.0", "true", "true"));
	spec_is("range:..5.5", RANGE("null", "5.5", "true", "true"));
	spec_is("range:-1..", RANGE("-1.0", "null", "true", "true"));
	spec_is("json:[2,{\"pattern\":\"/data/*\"}]", PAT("/data/*"));
	spec_is("json:[1,{\"value\":100}]", EXACT("100"));
	spec_is("json:[1,{\"value\":1.0}]", EXACT("1.0"));
	spec_is("json:[99,[1,2]]", "[99,[1,2]]");
	/* Bytes: A.19.1's Range is f9 0000 / f9 5640 (shortest floats). */
	tn_buf_init(&b, 256);
	ck_assert_int_eq(tn_spec_constraint(&b, "range:0..100", &e), TN_OK);
	ck_assert_uint_eq(b.len, 47);
	ck_assert_mem_eq(b.p, "\x82\x03\xa4\x63min\xf9\x00\x00\x63max\xf9\x56"
	    "\x40", 16);
	tn_buf_free(&b);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		tn_buf_init(&b, 256);
		tn_cbor_put_uint(&b, 7);
		ck_assert_msg(tn_spec_constraint(&b, bad[i], &e) ==
		    TN_ERR_INVALID_ARG, "spec accepted: %s", bad[i]);
		ck_assert_uint_eq(b.len, 1);	/* b untouched */
		tn_buf_free(&b);
	}
}
END_TEST

START_TEST(test_constraint_nested_new_types)
{
	char *c = malloc(200000), *v;
	size_t o = 0;
	struct tn_error e;

	ck_assert_ptr_nonnull(c);
	/* 32 composites deep around UrlSafe, Regex, Shlex, Cel: valid. */
	for (int i = 0; i < 31; i++)
		o += (size_t)sprintf(c + o, i % 3 == 0 ?
		    "[14,{\"constraint\":" : i % 3 == 1 ?
		    "[12,{\"constraints\":[" : "[13,{\"constraints\":[");
	o += (size_t)sprintf(c + o, "[12,{\"constraints\":[[18,{}],"
	    "[5,{\"pattern\":\"^https://\"}],[9,\"https://*.example.com/*\"],"
	    "[15,{\"expression\":\"value.size() > 3\"}]]}]");
	for (int i = 30; i >= 0; i--)
		o += (size_t)sprintf(c + o, i % 3 == 0 ? "}]" : "]}]");
	c[o] = '\0';
	ck_assert_int_eq(tn_constraint_validate(J(c), &e), TN_OK);
	/* 11 Nots: odd, so the inner match is inverted. */
	DENY(c, "\"https://api.example.com/x\"");
	ALLOW(c, "\"http://127.0.0.1/\"");	/* inner false, inverted */
	ATT_OK(c, c);
	/* One more level is malformed. */
	v = malloc(o + 64);
	ck_assert_ptr_nonnull(v);
	sprintf(v, "[14,{\"constraint\":%s}]", c);
	ck_assert_int_eq(tn_constraint_validate(J(v), &e), TN_ERR_MALFORMED);
	free(v);
	/* Any over a huge list of Regex / Shlex branches. */
	o = (size_t)sprintf(c, "[13,{\"constraints\":[");
	for (int i = 0; i < 2000; i++)
		o += (size_t)sprintf(c + o, "%s[128,{\"allow\":[\"b%d\"]}]",
		    i ? "," : "", i);
	o += (size_t)sprintf(c + o, ",[5,{\"pattern\":\"^z+$\"}]]}]");
	ALLOW(c, "\"zzz\"");
	ALLOW(c, "\"b1999 -x\"");
	DENY(c, "\"b2000\"");
	free(c);
}
END_TEST

/* ------------------------------------------------------------ vectors */

static json_t *vectors;

static json_t *
vector(const char *id)
{
	json_t *v;
	size_t i;

	if (vectors == NULL) {
		json_error_t je;

		vectors = json_load_file(VECTORS, 0, &je);
		ck_assert_msg(vectors != NULL, "%s: %s", VECTORS, je.text);
	}
	json_array_foreach(json_object_get(vectors, "vectors"), i, v)
		if (strcmp(json_string_value(json_object_get(v, "id")), id) == 0)
			return v;
	ck_abort_msg("vector %s not found", id);
	return NULL;
}

static const struct tn_cbor_item *
hex_doc(const char *hex)
{
	size_t n = strlen(hex) / 2;
	uint8_t *p = malloc(n + 1);

	ck_assert_ptr_nonnull(p);
	for (size_t i = 0; i < n; i++) {
		unsigned x;

		ck_assert_int_eq(sscanf(hex + 2 * i, "%2x", &x), 1);
		p[i] = (uint8_t)x;
	}
	return pool_add(p, n);
}

/* The constraint set of the only tool in warrant w of a vector. */
static const struct tn_cbor_item *
vector_cset(json_t *w, const char **tool)
{
	const struct tn_cbor_item *pl = hex_doc(json_string_value(
	    json_object_get(w, "payload_hex")));
	const struct tn_cbor_item *tools = tn_cbor_map_get_uint(pl, 3);

	ck_assert_ptr_nonnull(tools);
	ck_assert_int_eq(tools->type, TN_CBOR_MAP);
	ck_assert_uint_eq(tools->count, 1);
	if (tool != NULL)
		*tool = "";
	return tools + 2;
}

/*
 * "count = 50.0", "`url = \"...\"` (note)", "amount = 500.0, currency =
 * \"USD\"": name = JSON pairs -> a CBOR args map.
 */
static const struct tn_cbor_item *
vector_args(const char *text)
{
	char buf[512], json[1024];
	char *p = buf, *end;
	size_t o = 0;
	int first = 1;

	snprintf(buf, sizeof(buf), "%s", text);
	if (*p == '`') {
		p++;
		if ((end = strchr(p, '`')) != NULL)
			*end = '\0';
	}
	o += (size_t)snprintf(json + o, sizeof(json) - o, "{");
	while (*p != '\0') {
		char *eq = strstr(p, " = "), *v, *q;
		int depth = 0, quoted = 0;

		ck_assert_ptr_nonnull(eq);
		*eq = '\0';
		v = eq + 3;
		for (q = v; *q != '\0'; q++) {
			if (*q == '"' && (q == v || q[-1] != '\\'))
				quoted = !quoted;
			else if (!quoted && *q == '[')
				depth++;
			else if (!quoted && *q == ']')
				depth--;
			else if (!quoted && depth == 0 && *q == ',')
				break;
		}
		o += (size_t)snprintf(json + o, sizeof(json) - o,
		    "%s\"%s\":%.*s", first ? "" : ",", p, (int)(q - v), v);
		first = 0;
		p = *q == ',' ? q + 2 : q;
	}
	snprintf(json + o, sizeof(json) - o, "}");
	return J(json);
}

START_TEST(test_constraint_vectors_a19_a25)
{
	static const struct {
		const char *id;
		int supported;
	} ids[] = {
		{ "A.19.1", 1 }, { "A.19.2", 1 }, { "A.19.3", 1 },
		{ "A.25.1", 1 }, { "A.25.2", 1 }, { "A.25.3", 1 },
		{ "A.25.4", 1 }, { "A.25.5", 1 }, { "A.25.6", 1 },
		{ "A.25.7", 1 }, { "A.25.8", 1 },
	};
	struct tn_error e;
	size_t checked = 0;

	for (size_t i = 0; i < sizeof(ids) / sizeof(ids[0]); i++) {
		json_t *vec = vector(ids[i].id), *in;
		json_t *w = json_array_get(json_object_get(vec, "warrants"), 0);
		const struct tn_cbor_item *cset = vector_cset(w, NULL);
		size_t k;

		ck_assert_int_eq(tn_constraint_set_validate(cset, &e), TN_OK);
		json_array_foreach(json_object_get(vec, "inputs"), k, in) {
			const char *name = json_string_value(
			    json_object_get(in, "name"));
			const struct tn_cbor_item *args = vector_args(
			    json_string_value(json_object_get(in, "value")));
			int rc = tn_constraint_set_check(cset, args, &e);
			int want_ok = ids[i].supported &&
			    strncmp(name, "Valid", 5) == 0;

			ck_assert_msg(rc == (want_ok ? TN_OK :
			    TN_ERR_CONSTRAINT_NOT_SATISFIED), "%s %s: %s",
			    ids[i].id, name, e.reason);
			if (!ids[i].supported)
				ck_assert_ptr_nonnull(strstr(e.reason,
				    "not supported"));
			checked++;
		}
	}
	ck_assert_uint_eq(checked, 23);
}
END_TEST

START_TEST(test_constraint_vectors_chains)
{
	struct tn_error e;
	json_t *a1 = json_object_get(vector("A.1"), "warrants");
	json_t *a3 = json_object_get(vector("A.3"), "warrants");
	json_t *a11 = json_object_get(vector("A.11"), "warrants");
	const struct tn_cbor_item *l0, *l1, *l2, *p, *c;

	ck_assert_int_eq(tn_constraint_set_validate(vector_cset(
	    json_array_get(a1, 0), NULL), &e), TN_OK);
	l0 = vector_cset(json_array_get(a3, 0), NULL);
	l1 = vector_cset(json_array_get(a3, 1), NULL);
	l2 = vector_cset(json_array_get(a3, 2), NULL);
	ck_assert_int_eq(tn_constraint_set_attenuates(l0, l1, &e), TN_OK);
	ck_assert_int_eq(tn_constraint_set_attenuates(l1, l2, &e), TN_OK);
	ck_assert_int_eq(tn_constraint_set_attenuates(l0, l2, &e), TN_OK);
	ck_assert_int_eq(tn_constraint_set_attenuates(l2, l1, &e),
	    TN_ERR_ATTENUATION_INVALID);
	p = vector_cset(json_array_get(a11, 0), NULL);
	c = vector_cset(json_array_get(a11, 1), NULL);
	ck_assert_int_eq(tn_constraint_set_attenuates(p, c, &e),
	    TN_ERR_ATTENUATION_INVALID);
	ck_assert_int_eq(tn_constraint_set_check(l2, J("{\"path\":"
	    "\"/data/reports/q3.pdf\"}"), &e), TN_OK);
	ck_assert_int_eq(tn_constraint_set_check(l2, J("{\"path\":"
	    "\"/data/reports/q4.pdf\"}"), &e),
	    TN_ERR_CONSTRAINT_NOT_SATISFIED);
}
END_TEST

/* ------------------------------------------------------------ main */

static Suite *
constraint_suite(void)
{
	Suite *s = suite_create("constraint");
	TCase *tc;

	tc = tcase_create("validate");
	tcase_add_checked_fixture(tc, NULL, pool_free);
	tcase_add_test(tc, test_constraint_validate_deployed_shapes);
	tcase_add_test(tc, test_constraint_validate_rejects_malformed);
	tcase_add_test(tc, test_constraint_validate_depth_limit);
	tcase_add_test(tc, test_constraint_set_validate_shapes);
	suite_add_tcase(s, tc);

	tc = tcase_create("evaluate");
	tcase_add_checked_fixture(tc, NULL, pool_free);
	tcase_set_timeout(tc, 60);
	tcase_add_test(tc, test_constraint_wildcard_allows_anything);
	tcase_add_test(tc, test_constraint_exact_typed_equality);
	tcase_add_test(tc, test_constraint_exact_bytes_and_invalid_values);
	tcase_add_test(tc, test_constraint_pattern_glob_semantics);
	tcase_add_test(tc, test_constraint_glob_matches_deployed_recursion);
	tcase_add_test(tc, test_constraint_pattern_pathological_is_fast);
	tcase_add_test(tc, test_constraint_oneof_allow_deny);
	tcase_add_test(tc, test_constraint_oneof_huge_list);
	tcase_add_test(tc, test_constraint_range_bounds_and_types);
	tcase_add_test(tc, test_constraint_subpath_containment);
	tcase_add_test(tc, test_constraint_subpath_nul_byte);
	tcase_add_test(tc, test_constraint_subpath_normalize);
	tcase_add_test(tc, test_constraint_unknown_types_deny);
	tcase_add_test(tc, test_constraint_reasons_hide_values);
	tcase_add_test(tc, test_constraint_set_closed_world);
	suite_add_tcase(s, tc);

	tc = tcase_create("attenuate");
	tcase_add_checked_fixture(tc, NULL, pool_free);
	tcase_add_test(tc, test_constraint_attenuation_wildcard);
	tcase_add_test(tc, test_constraint_attenuation_exact);
	tcase_add_test(tc, test_constraint_attenuation_pattern_rules);
	tcase_add_test(tc, test_constraint_attenuation_oneof);
	tcase_add_test(tc, test_constraint_attenuation_range);
	tcase_add_test(tc, test_constraint_attenuation_subpath);
	tcase_add_test(tc, test_constraint_attenuation_cross_type_invalid);
	tcase_add_test(tc, test_constraint_attenuation_unknown_never);
	tcase_add_test(tc, test_constraint_set_attenuation_rules);
	suite_add_tcase(s, tc);

	tc = tcase_create("extensions");
	tcase_add_checked_fixture(tc, NULL, pool_free);
	tcase_add_test(tc, test_constraint_notoneof);
	tcase_add_test(tc, test_constraint_contains_subset);
	tcase_add_test(tc, test_constraint_all_any_not);
	tcase_add_test(tc, test_constraint_cidr);
	tcase_add_test(tc, test_constraint_nested_new_types);
	suite_add_tcase(s, tc);

	tc = tcase_create("spec");
	tcase_add_checked_fixture(tc, NULL, pool_free);
	tcase_add_test(tc, test_constraint_spec_parser);
	suite_add_tcase(s, tc);

	tc = tcase_create("vectors");
	tcase_add_checked_fixture(tc, NULL, pool_free);
	tcase_add_test(tc, test_constraint_vectors_a19_a25);
	tcase_add_test(tc, test_constraint_vectors_chains);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(constraint_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	if (vectors != NULL)
		json_decref(vectors);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
