/*
 * check_tasktoken.c: MAC-wrapped task tokens: round trip, forgery and
 * tampering, key rotation, key files.
 */
#include <sys/stat.h>

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "tasktoken.h"

static const uint8_t TOK[] = "\x0a\x24temporal-task-token-bytes\x00\x01\x02";

static void
keys(struct tasktoken_keys *k, uint8_t cur, int prev)
{
	uint8_t a[32], b[32];

	memset(a, cur, sizeof(a));
	memset(b, (uint8_t)(cur + 100), sizeof(b));
	tasktoken_keys_init(k, a, prev ? b : NULL);
}

START_TEST(test_tasktoken_round_trip)
{
	struct tasktoken_keys k;
	uint8_t *w;
	size_t wn, tn;
	const uint8_t *t;
	int prev = -1;

	keys(&k, 1, 0);
	ck_assert_int_eq(tasktoken_wrap(&k, TOK, sizeof(TOK), &w, &wn), 0);
	ck_assert_uint_eq(wn, sizeof(TOK) + TASKTOKEN_OVERHEAD);
	ck_assert_uint_eq(w[0], TASKTOKEN_VERSION);
	ck_assert_mem_eq(w + TASKTOKEN_OVERHEAD, TOK, sizeof(TOK));
	ck_assert_int_eq(tasktoken_unwrap(&k, w, wn, &t, &tn, &prev), 0);
	ck_assert_uint_eq(tn, sizeof(TOK));
	ck_assert_mem_eq(t, TOK, tn);
	ck_assert_int_eq(prev, 0);
	free(w);
	tasktoken_keys_wipe(&k);
}
END_TEST

START_TEST(test_tasktoken_forgery_refused)
{
	struct tasktoken_keys k, other;
	uint8_t *w, *f;
	size_t wn, tn, fn;
	const uint8_t *t;

	keys(&k, 1, 0);
	keys(&other, 2, 0);
	/* The raw Temporal token, never wrapped by us. */
	ck_assert_int_eq(tasktoken_unwrap(&k, TOK, sizeof(TOK), &t, &tn, NULL),
	    -1);
	ck_assert_ptr_null(t);
	/* Wrapped by another sidecar's key. */
	ck_assert_int_eq(tasktoken_wrap(&other, TOK, sizeof(TOK), &f, &fn), 0);
	ck_assert_int_eq(tasktoken_unwrap(&k, f, fn, &t, &tn, NULL), -1);
	free(f);
	/* Every single-bit flip, anywhere, is refused. */
	ck_assert_int_eq(tasktoken_wrap(&k, TOK, sizeof(TOK), &w, &wn), 0);
	for (size_t i = 0; i < wn; i++)
		for (int b = 0; b < 8; b++) {
			w[i] ^= (uint8_t)(1u << b);
			ck_assert_int_eq(tasktoken_unwrap(&k, w, wn, &t, &tn,
			    NULL), -1);
			w[i] ^= (uint8_t)(1u << b);
		}
	/* Truncated or extended. */
	for (size_t n = 0; n < wn; n++)
		ck_assert_int_eq(tasktoken_unwrap(&k, w, n, &t, &tn, NULL), -1);
	ck_assert_int_eq(tasktoken_unwrap(&k, w, wn, &t, &tn, NULL), 0);
	free(w);
	/* Nothing to wrap, or too much. */
	ck_assert_int_eq(tasktoken_wrap(&k, TOK, 0, &w, &wn), -1);
	ck_assert_int_eq(tasktoken_wrap(&k, TOK, TASKTOKEN_MAX_TOKEN + 1, &w,
	    &wn), -1);
	ck_assert_ptr_null(w);
}
END_TEST

START_TEST(test_tasktoken_key_rotation)
{
	struct tasktoken_keys old, rotated, dropped;
	uint8_t *w, *w2, oldkey[32], newkey[32];
	size_t wn, wn2, tn;
	const uint8_t *t;
	int prev = -1;

	memset(oldkey, 1, 32);
	memset(newkey, 2, 32);
	tasktoken_keys_init(&old, oldkey, NULL);
	tasktoken_keys_init(&rotated, newkey, oldkey);
	tasktoken_keys_init(&dropped, newkey, NULL);
	ck_assert_int_eq(tasktoken_wrap(&old, TOK, sizeof(TOK), &w, &wn), 0);
	/* After rotation: old tokens still unwrap, under the previous key. */
	ck_assert_int_eq(tasktoken_unwrap(&rotated, w, wn, &t, &tn, &prev), 0);
	ck_assert_int_eq(prev, 1);
	/* New tokens use the new key. */
	ck_assert_int_eq(tasktoken_wrap(&rotated, TOK, sizeof(TOK), &w2, &wn2),
	    0);
	ck_assert_int_eq(tasktoken_unwrap(&dropped, w2, wn2, &t, &tn, &prev),
	    0);
	ck_assert_int_eq(prev, 0);
	ck_assert_int_eq(tasktoken_unwrap(&old, w2, wn2, &t, &tn, NULL), -1);
	/* Once the previous key is dropped, old tokens are refused. */
	ck_assert_int_eq(tasktoken_unwrap(&dropped, w, wn, &t, &tn, NULL), -1);
	free(w);
	free(w2);
}
END_TEST

static char dir[64];

static void
mkdir_tmp(void)
{
	snprintf(dir, sizeof(dir), "/tmp/check_tasktoken.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(dir));
}

static void
rm_tmp(void)
{
	char p[128];

	snprintf(p, sizeof(p), "%s/key", dir);
	(void)unlink(p);
	(void)rmdir(dir);
}

static void
write_file(const char *p, const void *b, size_t n, mode_t mode)
{
	int fd = open(p, O_WRONLY | O_CREAT | O_TRUNC, mode);

	ck_assert_int_ge(fd, 0);
	ck_assert_int_eq(write(fd, b, n), (ssize_t)n);
	ck_assert_int_eq(fchmod(fd, mode), 0);
	close(fd);
}

START_TEST(test_tasktoken_key_file)
{
	char p[128], err[256];
	uint8_t k1[32], k2[32];
	struct stat sb;
	int created = -1;

	mkdir_tmp();
	snprintf(p, sizeof(p), "%s/key", dir);
	/* Missing without create: an error. */
	ck_assert_int_eq(tasktoken_key_file_load(p, 0, k1, &created, err,
	    sizeof(err)), -1);
	/* Created 0600 with 32 random bytes; read back the same. */
	ck_assert_int_eq(tasktoken_key_file_load(p, 1, k1, &created, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(created, 1);
	ck_assert_int_eq(stat(p, &sb), 0);
	ck_assert_uint_eq(sb.st_mode & 0777, 0600);
	ck_assert_int_eq(sb.st_size, 32);
	ck_assert_int_eq(tasktoken_key_file_load(p, 1, k2, &created, err,
	    sizeof(err)), 0);
	ck_assert_int_eq(created, 0);
	ck_assert_mem_eq(k1, k2, 32);
	/* Readable by others: refused. */
	ck_assert_int_eq(chmod(p, 0644), 0);
	ck_assert_int_eq(tasktoken_key_file_load(p, 1, k2, NULL, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "group or others"));
	/* Hex form. */
	write_file(p, "0101010101010101010101010101010101010101010101010101010101010101\n",
	    65, 0600);
	ck_assert_int_eq(tasktoken_key_file_load(p, 0, k2, NULL, err,
	    sizeof(err)), 0);
	memset(k1, 1, 32);
	ck_assert_mem_eq(k1, k2, 32);
	/* Wrong length. */
	write_file(p, "short", 5, 0600);
	ck_assert_int_eq(tasktoken_key_file_load(p, 0, k2, NULL, err,
	    sizeof(err)), -1);
	ck_assert_ptr_nonnull(strstr(err, "32 random bytes"));
	rm_tmp();
}
END_TEST

static Suite *
tasktoken_suite(void)
{
	Suite *s = suite_create("tasktoken");
	TCase *t = tcase_create("valid");

	tcase_add_test(t, test_tasktoken_round_trip);
	tcase_add_test(t, test_tasktoken_forgery_refused);
	tcase_add_test(t, test_tasktoken_key_rotation);
	tcase_add_test(t, test_tasktoken_key_file);
	suite_add_tcase(s, t);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(tasktoken_suite());
	int nf;

	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nf == 0 ? 0 : 1;
}
