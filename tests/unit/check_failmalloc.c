/*
 * check_failmalloc.c: every allocation libtenuo makes may fail.  Each
 * scenario runs once to count its allocations, then once per allocation
 * with that one failing: the call must return an error (never TN_OK with
 * missing output, never a crash), and nothing may leak (ASan/valgrind).
 *
 * Linked with -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc so the
 * library's calls land in the wrappers below.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "testutil.h"
#include "tn_chain.h"
#include "tn_crypto.h"
#include "tn_pop.h"

void	*__real_malloc(size_t);
void	*__real_calloc(size_t, size_t);
void	*__real_realloc(void *, size_t);
void	*__wrap_malloc(size_t);
void	*__wrap_calloc(size_t, size_t);
void	*__wrap_realloc(void *, size_t);

static long fm_count;		/* allocations seen while armed */
static long fm_fail_at = -1;	/* which one fails (-1: none) */
static int fm_armed;

static int
fm_should_fail(void)
{
	if (!fm_armed)
		return 0;
	return fm_count++ == fm_fail_at;
}

void *
__wrap_malloc(size_t n)
{
	return fm_should_fail() ? NULL : __real_malloc(n);
}

void *
__wrap_calloc(size_t a, size_t b)
{
	return fm_should_fail() ? NULL : __real_calloc(a, b);
}

void *
__wrap_realloc(void *p, size_t n)
{
	return fm_should_fail() ? NULL : __real_realloc(p, n);
}

static json_t *V;
static uint8_t *stack_raw;
static size_t stack_len;
static uint8_t cp[32], worker2_sk[64];

static void
setup(void)
{
	json_t *rec;
	uint8_t seed[32], sk[64];

	ck_assert_int_eq(tn_crypto_init(), 0);
	V = tu_load_json(TU_VECTORS);
	rec = tu_vector(V, "A.8");
	stack_raw = tu_unhex(tu_str(json_object_get(rec, "stack"), "hex"),
	    &stack_len);
	ck_assert_int_eq(tu_role_seed(V, "Control Plane", seed), 0);
	tu_sk_from_seed(seed, sk, cp);
	ck_assert_int_eq(tu_role_seed(V, "Worker2", seed), 0);
	tu_sk_from_seed(seed, worker2_sk, NULL);
}

static void
teardown(void)
{
	free(stack_raw);
	json_decref(V);
}

/* One full authorization of the A.8 chain: decode, verify, PoP, policy. */
static int
scenario(void)
{
	static const uint8_t args[] = { 0xa1, 0x64, 'p', 'a', 't', 'h', 0x74,
		'/', 'd', 'a', 't', 'a', '/', 'r', 'e', 'p', 'o', 'r', 't', 's',
		'/', 'q', '3', '.', 'p', 'd', 'f' };
	struct tn_stack *st = NULL;
	struct tn_cbor_doc d;
	struct tn_verify_opts o;
	struct tn_error err;
	uint8_t sig[64];
	struct tn_call call = { "read_file", 9, NULL, sig, NULL, 0 };
	int rc;

	if ((rc = tn_cbor_decode(args, sizeof(args), NULL, &d, &err)) != 0)
		return rc;
	call.args = &d.items[0];
	if ((rc = tn_stack_decode(stack_raw, stack_len, &st, &err)) != 0)
		goto out;
	rc = tn_pop_sign(worker2_sk, tn_stack_leaf(st)->id, "read_file", 9,
	    call.args, 1704067300, sig, &err);
	if (rc != 0)
		goto out;
	tn_verify_opts_init(&o);
	o.roots = (const uint8_t (*)[TN_KEY_LEN])cp;
	o.nroots = 1;
	o.now = 1704067300;
	rc = tn_authorize(st, &call, &o, NULL, &err);
out:
	tn_stack_free(st);
	tn_cbor_doc_free(&d);
	return rc;
}

/*
 * Runs fn with allocation number fail_at failing (-1: none); *count gets
 * the allocations made.  Check itself allocates (it is linked statically
 * and so wrapped too), so nothing asserts while armed.
 */
static int
run_armed(int (*fn)(void), long fail_at, long *count)
{
	int rc;

	fm_count = 0;
	fm_fail_at = fail_at;
	fm_armed = 1;
	rc = fn();
	fm_armed = 0;
	*count = fm_count;
	return rc;
}

START_TEST(test_failmalloc_authorize)
{
	long total, n;

	ck_assert_int_eq(run_armed(scenario, -1, &total), TN_OK);
	ck_assert_int_gt(total, 5);
	for (long i = 0; i < total; i++) {
		int rc = run_armed(scenario, i, &n);

		ck_assert_msg(rc == TN_ERR_NOMEM || rc == TN_ERR_MALFORMED,
		    "allocation %ld of %ld failing gave %d", i, total, rc);
	}
}
END_TEST

/* Minting and encoding under failure. */
static int
mint_scenario(void)
{
	static const uint8_t cset[] = { 0xa1, 0x6b, 'c', 'o', 'n', 's', 't',
		'r', 'a', 'i', 'n', 't', 's', 0xa0 };
	struct tn_mint_tool tool = { "t", cset, sizeof(cset) };
	struct tn_mint m;
	uint8_t *out = NULL;
	size_t n;
	int rc;

	memset(&m, 0, sizeof(m));
	m.type = TN_WARRANT_EXECUTION;
	m.issued_at = 1;
	m.expires_at = 100;
	m.max_depth = 3;
	m.tools = &tool;
	m.ntools = 1;
	rc = tn_warrant_mint(&m, worker2_sk, &out, &n, NULL);
	free(out);
	return rc;
}

START_TEST(test_failmalloc_mint)
{
	long total, n;

	ck_assert_int_eq(run_armed(mint_scenario, -1, &total), TN_OK);
	ck_assert_int_gt(total, 2);
	for (long i = 0; i < total; i++)
		ck_assert_int_ne(run_armed(mint_scenario, i, &n), TN_OK);
}
END_TEST

static Suite *
failmalloc_suite(void)
{
	Suite *s = suite_create("failmalloc");
	TCase *t = tcase_create("failmalloc");

	tcase_add_checked_fixture(t, setup, teardown);
	tcase_set_timeout(t, 120);
	tcase_add_test(t, test_failmalloc_authorize);
	tcase_add_test(t, test_failmalloc_mint);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(failmalloc_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
