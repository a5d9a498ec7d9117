/*
 * check_dedup.c: first-attempt replay detection: first sighting, replay
 * inside the TTL, expiry, key separation, capacity eviction.
 */
#include <stdio.h>
#include <string.h>

#include <check.h>

#include "dedup.h"
#include "tn_crypto.h"

static void
setup(void)
{
	ck_assert_int_eq(tn_crypto_init(), 0);
}

static void
k_of(uint8_t k[DEDUP_KEY_LEN], const char *wf, const char *act)
{
	static const uint8_t args[] = { 0xa1, 0x61, 'p', 0x61, 'x' };

	dedup_key(k, "00112233445566778899aabbccddeeff", "read_file", args,
	    sizeof(args), wf, "run-1", act);
}

START_TEST(test_dedup_replay_within_ttl)
{
	struct dedup *d = dedup_new(DEDUP_DEFAULT_CAPACITY,
	    DEDUP_DEFAULT_TTL_MS);
	uint8_t k[32];
	int64_t age = -1;

	k_of(k, "wf-1", "1");
	ck_assert_int_eq(dedup_check(d, k, 1000000, &age), 0);
	ck_assert_int_eq(dedup_check(d, k, 1000000 + 2500, &age), 1);
	ck_assert_int_eq(age, 2500);
	/* A replay does not refresh: still gone 120 s after the first. */
	ck_assert_int_eq(dedup_check(d, k, 1000000 + 119999, &age), 1);
	ck_assert_int_eq(dedup_check(d, k, 1000000 + 120000, &age), 0);
	ck_assert_int_eq(dedup_check(d, k, 1000000 + 120001, &age), 1);
	dedup_free(d);
}
END_TEST

START_TEST(test_dedup_key_fields)
{
	uint8_t a[32], b[32], c[32], e[32];
	static const uint8_t args2[] = { 0xa1, 0x61, 'p', 0x61, 'y' };

	k_of(a, "wf-1", "1");
	k_of(b, "wf-2", "1");
	k_of(c, "wf-1", "2");
	ck_assert_mem_ne(a, b, 32);
	ck_assert_mem_ne(a, c, 32);
	dedup_key(e, "00112233445566778899aabbccddeeff", "read_file", args2,
	    sizeof(args2), "wf-1", "run-1", "1");
	ck_assert_mem_ne(a, e, 32);
	/* Field boundaries are unambiguous. */
	dedup_key(b, "ab", "c", NULL, 0, "", "", "");
	dedup_key(c, "a", "bc", NULL, 0, "", "", "");
	ck_assert_mem_ne(b, c, 32);
	k_of(b, "wf-1", "1");
	ck_assert_mem_eq(a, b, 32);
}
END_TEST

START_TEST(test_dedup_capacity_eviction)
{
	struct dedup *d = dedup_new(4, DEDUP_DEFAULT_TTL_MS);
	struct dedup_stats s;
	uint8_t k[6][32];
	char act[16];

	for (int i = 0; i < 6; i++) {
		snprintf(act, sizeof(act), "%d", i);
		k_of(k[i], "wf", act);
		ck_assert_int_eq(dedup_check(d, k[i], 1000 + i, NULL), 0);
	}
	dedup_get_stats(d, &s);
	ck_assert_uint_eq(s.entries, 4);
	ck_assert_uint_eq(s.evicted, 2);
	/* The two oldest were evicted; the newest are still replays. */
	ck_assert_int_eq(dedup_check(d, k[5], 2000, NULL), 1);
	ck_assert_int_eq(dedup_check(d, k[2], 2000, NULL), 1);
	ck_assert_int_eq(dedup_check(d, k[0], 2000, NULL), 0);
	dedup_free(d);
}
END_TEST

START_TEST(test_dedup_expired_purged)
{
	struct dedup *d = dedup_new(100, 1000);
	struct dedup_stats s;
	uint8_t k[32];
	char act[16];

	for (int i = 0; i < 50; i++) {
		snprintf(act, sizeof(act), "%d", i);
		k_of(k, "wf", act);
		ck_assert_int_eq(dedup_check(d, k, i, NULL), 0);
	}
	/* Long after: each call drops some expired keys. */
	for (int i = 0; i < 10; i++) {
		snprintf(act, sizeof(act), "n%d", i);
		k_of(k, "wf", act);
		ck_assert_int_eq(dedup_check(d, k, 100000, NULL), 0);
	}
	dedup_get_stats(d, &s);
	ck_assert_uint_eq(s.entries, 10);
	ck_assert_uint_eq(s.expired, 50);
	dedup_free(d);
}
END_TEST

START_TEST(test_dedup_limits)
{
	ck_assert_ptr_null(dedup_new(0, 1000));
	ck_assert_ptr_null(dedup_new(10, 0));
	ck_assert_ptr_null(dedup_new(DEDUP_MAX_CAPACITY + 1, 1000));
	dedup_free(NULL);
}
END_TEST

static Suite *
dedup_suite(void)
{
	Suite *s = suite_create("dedup");
	TCase *t = tcase_create("valid");

	tcase_add_checked_fixture(t, setup, NULL);
	tcase_add_test(t, test_dedup_replay_within_ttl);
	tcase_add_test(t, test_dedup_key_fields);
	tcase_add_test(t, test_dedup_capacity_eviction);
	tcase_add_test(t, test_dedup_expired_purged);
	tcase_add_test(t, test_dedup_limits);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(dedup_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
