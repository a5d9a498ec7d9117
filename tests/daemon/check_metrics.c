/*
 * check_metrics.c: Check suite for daemon/metrics.c: decision counters by
 * (decision, code), the latency histogram's cumulative buckets, label
 * sanitizing and the bounded label table.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "metrics.h"

static int
has_line(const char *text, const char *line)
{
	size_t n = strlen(line);
	const char *p = text;

	while ((p = strstr(p, line)) != NULL) {
		if ((p == text || p[-1] == '\n') && p[n] == '\n')
			return 1;
		p += n;
	}
	return 0;
}

START_TEST(test_metrics_decisions_by_code)
{
	char *t;

	metrics_reset();
	metrics_decision("allow", "", 40);
	metrics_decision("allow", "", 60);
	metrics_decision("deny", "constraint_not_satisfied", 120);
	metrics_decision("would_deny", "pop_failed", 20000);
	metrics_decision("deny", "bad\"label}\n", 5);
	ck_assert_ptr_nonnull(t = metrics_format(3, 1));
	ck_assert_msg(has_line(t, "tenuo_sidecar_decisions_total{decision="
	    "\"allow\",code=\"\"} 2"), "%s", t);
	ck_assert(has_line(t, "tenuo_sidecar_decisions_total{decision="
	    "\"deny\",code=\"constraint_not_satisfied\"} 1"));
	ck_assert(has_line(t, "tenuo_sidecar_decisions_total{decision="
	    "\"would_deny\",code=\"pop_failed\"} 1"));
	/* Quotes, braces and newlines never reach the exposition format. */
	ck_assert(has_line(t, "tenuo_sidecar_decisions_total{decision="
	    "\"deny\",code=\"bad_label__\"} 1"));
	ck_assert(has_line(t, "tenuo_sidecar_audit_drops_total 3"));
	free(t);
}
END_TEST

/* Worker disconnects: tasks failed back as undelivered, orphans, losses. */
START_TEST(test_metrics_orphan_counters)
{
	char *t;

	metrics_reset();
	metrics.conns_orphaned = 2;
	metrics.orphans_active = 1;
	metrics.tasks_failed_undelivered = 3;
	metrics.tasks_lost = 4;
	ck_assert_ptr_nonnull(t = metrics_format(0, 1));
	ck_assert_msg(has_line(t, "tenuo_sidecar_connections_orphaned_total 2"),
	    "%s", t);
	ck_assert(has_line(t, "tenuo_sidecar_connections_orphaned 1"));
	ck_assert(has_line(t, "tenuo_sidecar_tasks_failed_undelivered_total 3"));
	ck_assert(has_line(t, "tenuo_sidecar_tasks_lost_total 4"));
	free(t);
}
END_TEST

START_TEST(test_metrics_latency_histogram_cumulative)
{
	char *t;

	metrics_reset();
	metrics_decision("allow", "", 10);	/* le 10 */
	metrics_decision("allow", "", 11);	/* le 25 */
	metrics_decision("allow", "", 999);	/* le 1000 */
	metrics_decision("allow", "", 1000000);	/* +Inf */
	ck_assert_ptr_nonnull(t = metrics_format(0, 1));
	ck_assert(has_line(t, "tenuo_sidecar_authorization_latency_us_bucket"
	    "{le=\"10\"} 1"));
	ck_assert(has_line(t, "tenuo_sidecar_authorization_latency_us_bucket"
	    "{le=\"25\"} 2"));
	ck_assert(has_line(t, "tenuo_sidecar_authorization_latency_us_bucket"
	    "{le=\"500\"} 2"));
	ck_assert(has_line(t, "tenuo_sidecar_authorization_latency_us_bucket"
	    "{le=\"1000\"} 3"));
	ck_assert(has_line(t, "tenuo_sidecar_authorization_latency_us_bucket"
	    "{le=\"100000\"} 3"));
	ck_assert(has_line(t, "tenuo_sidecar_authorization_latency_us_bucket"
	    "{le=\"+Inf\"} 4"));
	ck_assert(has_line(t, "tenuo_sidecar_authorization_latency_us_count 4"));
	ck_assert(has_line(t, "tenuo_sidecar_authorization_latency_us_sum "
	    "1001020"));
	free(t);
}
END_TEST

START_TEST(test_metrics_label_table_bounded)
{
	char code[32], *t;

	metrics_reset();
	for (int i = 0; i < METRICS_DECISION_MAX + 5; i++) {
		(void)snprintf(code, sizeof(code), "code%d", i);
		metrics_decision("deny", code, 1);
	}
	metrics_decision("deny", "code0", 1);
	ck_assert_ptr_nonnull(t = metrics_format(0, 0));
	ck_assert(has_line(t, "tenuo_sidecar_decision_label_overflow_total 5"));
	ck_assert(has_line(t, "tenuo_sidecar_decisions_total{decision="
	    "\"deny\",code=\"code0\"} 2"));
	ck_assert(!has_line(t, "tenuo_sidecar_decisions_total{decision="
	    "\"deny\",code=\"code64\"} 1"));
	free(t);
}
END_TEST

int
main(void)
{
	Suite *s = suite_create("metrics");
	TCase *tc = tcase_create("decisions");
	SRunner *sr;
	int nfail;

	tcase_add_test(tc, test_metrics_decisions_by_code);
	tcase_add_test(tc, test_metrics_orphan_counters);
	tcase_add_test(tc, test_metrics_latency_histogram_cumulative);
	tcase_add_test(tc, test_metrics_label_table_bounded);
	suite_add_tcase(s, tc);
	sr = srunner_create(s);
	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
