/*
 * check_chaincache.c: the verified-chain cache: hit, miss, expiry,
 * generation bump, LRU eviction at capacity, replacement, clear.
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "chaincache.h"
#include "tn_crypto.h"
#include "tn_warrant.h"

static struct tn_stack *
stk(void)
{
	struct tn_stack *st = calloc(1, sizeof(*st));

	ck_assert_ptr_nonnull(st);
	return st;
}

static void
key(uint8_t k[CHAINCACHE_KEY_LEN], unsigned v)
{
	memset(k, 0, CHAINCACHE_KEY_LEN);
	memcpy(k, &v, sizeof(v));
}

static void
setup(void)
{
	ck_assert_int_eq(tn_crypto_init(), 0);
}

START_TEST(test_chaincache_hit_miss)
{
	struct chaincache *c = chaincache_new(4);
	struct chaincache_stats s;
	struct tn_stack *st = stk();
	uint8_t k[32], k2[32];

	key(k, 1);
	key(k2, 2);
	ck_assert_ptr_null(chaincache_get(c, k, 1, 100));
	ck_assert_int_eq(chaincache_put(c, k, st, 1, 100, 200), 0);
	ck_assert_ptr_eq(chaincache_get(c, k, 1, 150), st);
	ck_assert_ptr_null(chaincache_get(c, k2, 1, 150));
	chaincache_get_stats(c, &s);
	ck_assert_uint_eq(s.hits, 1);
	ck_assert_uint_eq(s.misses, 2);
	ck_assert_uint_eq(s.entries, 1);
	chaincache_free(c);
}
END_TEST

START_TEST(test_chaincache_expiry)
{
	struct chaincache *c = chaincache_new(4);
	struct chaincache_stats s;
	uint8_t k[32];

	key(k, 1);
	ck_assert_int_eq(chaincache_put(c, k, stk(), 1, 100, 200), 0);
	ck_assert_ptr_nonnull(chaincache_get(c, k, 1, 199));
	ck_assert_ptr_null(chaincache_get(c, k, 1, 200));
	ck_assert_ptr_null(chaincache_get(c, k, 1, 150));	/* gone */
	/* Already expired: refused and freed. */
	ck_assert_int_eq(chaincache_put(c, k, stk(), 1, 300, 300), -1);
	ck_assert_int_eq(chaincache_put(c, k, NULL, 1, 300, 400), -1);
	chaincache_get_stats(c, &s);
	ck_assert_uint_eq(s.expired, 1);
	ck_assert_uint_eq(s.entries, 0);
	chaincache_free(c);
}
END_TEST

START_TEST(test_chaincache_generation_bump)
{
	struct chaincache *c = chaincache_new(4);
	struct chaincache_stats s;
	uint8_t k[32];

	key(k, 1);
	ck_assert_int_eq(chaincache_put(c, k, stk(), 7, 100, 1000), 0);
	ck_assert_ptr_nonnull(chaincache_get(c, k, 7, 101));
	/* The trust store changed: generation 8 misses and drops it. */
	ck_assert_ptr_null(chaincache_get(c, k, 8, 102));
	ck_assert_ptr_null(chaincache_get(c, k, 7, 103));
	chaincache_get_stats(c, &s);
	ck_assert_uint_eq(s.stale, 1);
	ck_assert_uint_eq(s.entries, 0);
	chaincache_free(c);
}
END_TEST

START_TEST(test_chaincache_lru_eviction)
{
	struct chaincache *c = chaincache_new(3);
	struct chaincache_stats s;
	uint8_t k[5][32];

	for (unsigned i = 0; i < 5; i++)
		key(k[i], i);
	for (unsigned i = 0; i < 3; i++)
		ck_assert_int_eq(chaincache_put(c, k[i], stk(), 1, 0, 100), 0);
	/* Touch 0: 1 is now the least recently used. */
	ck_assert_ptr_nonnull(chaincache_get(c, k[0], 1, 1));
	ck_assert_int_eq(chaincache_put(c, k[3], stk(), 1, 0, 100), 0);
	ck_assert_ptr_null(chaincache_get(c, k[1], 1, 1));
	ck_assert_ptr_nonnull(chaincache_get(c, k[0], 1, 1));
	ck_assert_ptr_nonnull(chaincache_get(c, k[2], 1, 1));
	ck_assert_ptr_nonnull(chaincache_get(c, k[3], 1, 1));
	ck_assert_int_eq(chaincache_put(c, k[4], stk(), 1, 0, 100), 0);
	ck_assert_ptr_null(chaincache_get(c, k[0], 1, 1));
	chaincache_get_stats(c, &s);
	ck_assert_uint_eq(s.evicted, 2);
	ck_assert_uint_eq(s.entries, 3);
	chaincache_free(c);
}
END_TEST

START_TEST(test_chaincache_replace_and_clear)
{
	struct chaincache *c = chaincache_new(2);
	struct tn_stack *a = stk(), *b = stk();
	struct chaincache_stats s;
	uint8_t k[32];

	key(k, 9);
	ck_assert_int_eq(chaincache_put(c, k, a, 1, 0, 100), 0);
	ck_assert_int_eq(chaincache_put(c, k, b, 1, 0, 100), 0);
	ck_assert_ptr_eq(chaincache_get(c, k, 1, 1), b);
	chaincache_get_stats(c, &s);
	ck_assert_uint_eq(s.entries, 1);
	chaincache_clear(c);
	ck_assert_ptr_null(chaincache_get(c, k, 1, 1));
	ck_assert_int_eq(chaincache_put(c, k, stk(), 1, 0, 100), 0);
	chaincache_free(c);
	chaincache_free(NULL);
}
END_TEST

START_TEST(test_chaincache_limits)
{
	ck_assert_ptr_null(chaincache_new(0));
	ck_assert_ptr_null(chaincache_new(CHAINCACHE_MAX_CAPACITY + 1));
}
END_TEST

/* Many keys through a small cache: the table stays consistent. */
START_TEST(test_chaincache_churn)
{
	struct chaincache *c = chaincache_new(64);
	struct chaincache_stats s;
	uint8_t k[32];

	for (unsigned i = 0; i < 5000; i++) {
		key(k, i);
		tn_sha256(k, sizeof(k), k);
		ck_assert_int_eq(chaincache_put(c, k, stk(), 1, 0, 100), 0);
		ck_assert_ptr_nonnull(chaincache_get(c, k, 1, 1));
	}
	chaincache_get_stats(c, &s);
	ck_assert_uint_eq(s.entries, 64);
	ck_assert_uint_eq(s.evicted, 5000 - 64);
	chaincache_free(c);
}
END_TEST

static Suite *
chaincache_suite(void)
{
	Suite *s = suite_create("chaincache");
	TCase *t = tcase_create("valid");

	tcase_add_checked_fixture(t, setup, NULL);
	tcase_add_test(t, test_chaincache_hit_miss);
	tcase_add_test(t, test_chaincache_expiry);
	tcase_add_test(t, test_chaincache_generation_bump);
	tcase_add_test(t, test_chaincache_lru_eviction);
	tcase_add_test(t, test_chaincache_replace_and_clear);
	tcase_add_test(t, test_chaincache_limits);
	tcase_add_test(t, test_chaincache_churn);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(chaincache_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
