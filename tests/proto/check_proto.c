/*
 * check_proto.c: the Temporal proto subset as compiled by protobuf-c:
 * decoding what the sidecar reads, building the denial it sends, and the
 * property the sidecar relies on when it edits a message and re-encodes
 * it: every field the subset does not know comes back unchanged.
 * (run.sh adds the comparison with upstream's .proto files.)
 */
#include <stdlib.h>
#include <string.h>

#include <check.h>

#include "temporal/api/workflowservice/v1/request_response.pb-c.h"
#include "tn_temporal_methods.h"

/* A tiny protobuf writer for hand-made inputs. */
struct wbuf {
	uint8_t	p[4096];
	size_t	n;
};

static void
w_varint(struct wbuf *w, uint64_t v)
{
	while (v >= 0x80) {
		w->p[w->n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	w->p[w->n++] = (uint8_t)v;
}

static void
w_tag(struct wbuf *w, uint32_t field, uint32_t wt)
{
	w_varint(w, ((uint64_t)field << 3) | wt);
}

static void
w_bytes(struct wbuf *w, uint32_t field, const void *p, size_t n)
{
	w_tag(w, field, 2);
	w_varint(w, n);
	memcpy(w->p + w->n, p, n);
	w->n += n;
}

static void
w_str(struct wbuf *w, uint32_t field, const char *s)
{
	w_bytes(w, field, s, strlen(s));
}

static void
w_sub(struct wbuf *w, uint32_t field, const struct wbuf *sub)
{
	w_bytes(w, field, sub->p, sub->n);
}

static void
w_uint(struct wbuf *w, uint32_t field, uint64_t v)
{
	w_tag(w, field, 0);
	w_varint(w, v);
}

static void
w_fixed(struct wbuf *w, uint32_t field, uint64_t v, int width)
{
	w_tag(w, field, width == 8 ? 1 : 5);
	for (int i = 0; i < width; i++)
		w->p[w->n++] = (uint8_t)(v >> (8 * i));
}

/* Payload{metadata{encoding: enc}, data} with unknown field 15 appended. */
static void
mk_payload(struct wbuf *w, const char *enc, const char *data, int unknown)
{
	struct wbuf e = { .n = 0 };

	w->n = 0;
	w_str(&e, 1, "encoding");
	w_str(&e, 2, enc);
	w_sub(w, 1, &e);
	w_str(w, 2, data);
	if (unknown)
		w_uint(w, 15, 7);
}

/*
 * A PollActivityTaskQueueResponse with known fields in field order and,
 * after them, unknown fields of every wire type (and one inside a header
 * payload), as protoc would write a newer upstream message.
 */
static void
mk_poll_response(struct wbuf *w, int with_unknown)
{
	struct wbuf s = { .n = 0 }, t = { .n = 0 }, ent = { .n = 0 },
	    pl = { .n = 0 };

	w->n = 0;
	w_str(w, 1, "token-1");
	w_str(w, 2, "default");
	w_str(&s, 1, "FileWorkflow");
	w_sub(w, 3, &s);
	s.n = 0;
	w_str(&s, 1, "wf-1");
	w_str(&s, 2, "run-1");
	w_sub(w, 4, &s);
	s.n = 0;
	w_str(&s, 1, "read_file");
	w_sub(w, 5, &s);
	w_str(w, 6, "act-1");
	/* header: two entries */
	s.n = 0;
	w_str(&ent, 1, "x-tenuo-arg-keys");
	pl.n = 0;
	w_str(&pl, 2, "path");
	w_sub(&ent, 2, &pl);
	w_sub(&s, 1, &ent);
	ent.n = 0;
	w_str(&ent, 1, "x-other");
	mk_payload(&pl, "json/plain", "1", with_unknown);
	w_sub(&ent, 2, &pl);
	w_sub(&s, 1, &ent);
	w_sub(w, 7, &s);
	/* input: one payload */
	s.n = 0;
	mk_payload(&pl, "json/plain", "\"/data/a\"", 0);
	w_sub(&s, 1, &pl);
	w_sub(w, 8, &s);
	/* scheduled_time */
	t.n = 0;
	w_uint(&t, 1, 1767225600);
	w_uint(&t, 2, 123456789);
	w_sub(w, 10, &t);
	w_uint(w, 13, 2);
	w_str(w, 20, "arun");
	if (with_unknown) {
		struct wbuf pg = { .n = 0 };

		w_str(&pg, 1, "group");
		w_sub(w, 22, &pg);		/* poller_groups_info */
		w_uint(w, 30, 1u << 20);	/* future varint */
		w_fixed(w, 31, 0x0102030405060708u, 8);
		w_fixed(w, 32, 0xdeadbeefu, 4);
		w_str(w, 1000, "far future field");
	}
}

static Temporal__Api__Workflowservice__V1__PollActivityTaskQueueResponse *
unpack_poll(const struct wbuf *w)
{
	return temporal__api__workflowservice__v1__poll_activity_task_queue_response__unpack(
	    NULL, w->n, w->p);
}

static size_t
pack(const ProtobufCMessage *m, uint8_t **out)
{
	size_t n = protobuf_c_message_get_packed_size(m);

	*out = malloc(n ? n : 1);
	ck_assert_ptr_nonnull(*out);
	ck_assert_uint_eq(protobuf_c_message_pack(m, *out), n);
	return n;
}

START_TEST(test_proto_poll_response_fields)
{
	struct wbuf w;
	Temporal__Api__Workflowservice__V1__PollActivityTaskQueueResponse *m;
	Temporal__Api__Common__V1__Payload *p;

	mk_poll_response(&w, 1);
	m = unpack_poll(&w);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->task_token.len, 7);
	ck_assert_mem_eq(m->task_token.data, "token-1", 7);
	ck_assert_str_eq(m->workflow_namespace, "default");
	ck_assert_str_eq(m->workflow_type->name, "FileWorkflow");
	ck_assert_str_eq(m->workflow_execution->workflow_id, "wf-1");
	ck_assert_str_eq(m->workflow_execution->run_id, "run-1");
	ck_assert_str_eq(m->activity_type->name, "read_file");
	ck_assert_str_eq(m->activity_id, "act-1");
	ck_assert_uint_eq(m->header->n_fields, 2);
	ck_assert_str_eq(m->header->fields[0]->key, "x-tenuo-arg-keys");
	ck_assert_mem_eq(m->header->fields[0]->value->data.data, "path", 4);
	ck_assert_uint_eq(m->header->fields[0]->value->n_metadata, 0);
	ck_assert_uint_eq(m->input->n_payloads, 1);
	p = m->input->payloads[0];
	ck_assert_uint_eq(p->n_metadata, 1);
	ck_assert_str_eq(p->metadata[0]->key, "encoding");
	ck_assert_mem_eq(p->metadata[0]->value.data, "json/plain", 10);
	ck_assert_uint_eq(p->data.len, 9);
	ck_assert_ptr_nonnull(m->scheduled_time);
	ck_assert_int_eq(m->scheduled_time->seconds, 1767225600);
	ck_assert_int_eq(m->scheduled_time->nanos, 123456789);
	ck_assert_ptr_null(m->started_time);
	ck_assert_int_eq(m->attempt, 2);
	ck_assert_str_eq(m->activity_run_id, "arun");
	/* 5 unknown fields at the top, 1 inside the second header payload */
	ck_assert_uint_eq(m->base.n_unknown_fields, 5);
	ck_assert_uint_eq(m->base.unknown_fields[0].tag, 22);
	ck_assert_uint_eq(m->base.unknown_fields[4].tag, 1000);
	ck_assert_uint_eq(m->header->fields[1]->value->base.n_unknown_fields, 1);
	temporal__api__workflowservice__v1__poll_activity_task_queue_response__free_unpacked(
	    m, NULL);
}
END_TEST

/* Unknown fields (every wire type, nested too) come back byte for byte. */
START_TEST(test_proto_unknown_fields_byte_exact)
{
	struct wbuf w;
	Temporal__Api__Workflowservice__V1__PollActivityTaskQueueResponse *m;
	uint8_t *out;
	size_t n;

	mk_poll_response(&w, 1);
	m = unpack_poll(&w);
	ck_assert_ptr_nonnull(m);
	n = pack(&m->base, &out);
	ck_assert_uint_eq(n, w.n);
	ck_assert_mem_eq(out, w.p, n);
	free(out);
	temporal__api__workflowservice__v1__poll_activity_task_queue_response__free_unpacked(
	    m, NULL);
}
END_TEST

/*
 * What the sidecar does on allow: drop the x-tenuo-* header entries and
 * re-encode.  The result equals the message built without them, unknown
 * fields included.
 */
START_TEST(test_proto_unknown_fields_survive_edit)
{
	struct wbuf w, want;
	Temporal__Api__Workflowservice__V1__PollActivityTaskQueueResponse *m;
	Temporal__Api__Common__V1__Header__FieldsEntry *e;
	uint8_t *out, *wp;
	size_t n;

	mk_poll_response(&w, 1);
	m = unpack_poll(&w);
	ck_assert_ptr_nonnull(m);
	/* remove entry 0 (x-tenuo-arg-keys), keep entry 1 */
	e = m->header->fields[0];
	m->header->fields[0] = m->header->fields[1];
	m->header->fields[1] = e;
	m->header->n_fields = 1;
	n = pack(&m->base, &out);
	m->header->n_fields = 2;	/* so free_unpacked frees both */
	/* expected: the same message with only the x-other entry */
	{
		struct wbuf ent = { .n = 0 }, pl, hdr = { .n = 0 };
		size_t at, hlen;
		uint8_t *p;

		/* rebuild: prefix up to the header, new header, rest */
		mk_poll_response(&want, 1);
		/* locate field 7 (tag 0x3a) after field 6 "act-1" */
		p = memmem(want.p, want.n, "act-1", 5);
		ck_assert_ptr_nonnull(p);
		at = (size_t)(p - want.p) + 5;
		ck_assert_uint_eq(want.p[at], 0x3a);
		hlen = want.p[at + 1];
		ck_assert_uint_lt(hlen, 0x80);
		w_str(&ent, 1, "x-other");
		mk_payload(&pl, "json/plain", "1", 1);
		w_sub(&ent, 2, &pl);
		w_sub(&hdr, 1, &ent);
		wp = malloc(want.n);
		ck_assert_ptr_nonnull(wp);
		memcpy(wp, want.p, at);
		wp[at] = 0x3a;
		wp[at + 1] = (uint8_t)hdr.n;
		memcpy(wp + at + 2, hdr.p, hdr.n);
		memcpy(wp + at + 2 + hdr.n, want.p + at + 2 + hlen,
		    want.n - at - 2 - hlen);
		ck_assert_uint_eq(n, want.n - hlen + hdr.n);
		ck_assert_mem_eq(out, wp, n);
		free(wp);
	}
	free(out);
	temporal__api__workflowservice__v1__poll_activity_task_queue_response__free_unpacked(
	    m, NULL);
}
END_TEST

/*
 * Unknown fields between known ones: protobuf-c writes known fields first,
 * then the unknown ones in their original order.  Field-exact: the same
 * (number, wire type, bytes) records, stably sorted by number.
 */
struct rec {
	uint32_t	 num;
	const uint8_t	*p;
	size_t		 n;
};

static size_t
records(const uint8_t *p, size_t n, struct rec *r, size_t max)
{
	size_t i = 0, k = 0;

	while (i < n) {
		uint64_t key = 0, len = 0;
		unsigned sh = 0;
		size_t start = i;

		do {
			key |= (uint64_t)(p[i] & 0x7f) << sh;
			sh += 7;
		} while (p[i++] & 0x80);
		switch (key & 7) {
		case 0:
			while (p[i++] & 0x80)
				;
			break;
		case 1:
			i += 8;
			break;
		case 2:
			sh = 0;
			do {
				len |= (uint64_t)(p[i] & 0x7f) << sh;
				sh += 7;
			} while (p[i++] & 0x80);
			i += (size_t)len;
			break;
		case 5:
			i += 4;
			break;
		default:
			ck_abort_msg("wire type");
		}
		ck_assert_uint_lt(k, max);
		r[k].num = (uint32_t)(key >> 3);
		r[k].p = p + start;
		r[k].n = i - start;
		k++;
	}
	ck_assert_uint_eq(i, n);
	return k;
}

static void
sort_records(struct rec *r, size_t n)
{
	for (size_t i = 1; i < n; i++)		/* stable insertion sort */
		for (size_t j = i; j > 0 && r[j - 1].num > r[j].num; j--) {
			struct rec t = r[j];

			r[j] = r[j - 1];
			r[j - 1] = t;
		}
}

START_TEST(test_proto_unknown_fields_interleaved)
{
	struct wbuf w = { .n = 0 }, s = { .n = 0 }, pl;
	Temporal__Api__Workflowservice__V1__RespondActivityTaskFailedRequest *m;
	struct rec a[32], b[32];
	uint8_t *out;
	size_t n, na, nb;

	w_str(&w, 1, "tok");
	w_str(&s, 1, "denied");
	w_sub(&w, 2, &s);
	w_str(&w, 3, "tenuo-sidecar@h");
	w_str(&w, 4, "default");
	mk_payload(&pl, "json/plain", "1", 1);
	s.n = 0;
	w_sub(&s, 1, &pl);
	w_sub(&w, 5, &s);
	w_str(&w, 6, "worker version (deprecated, unknown here)");
	w_str(&w, 8, "deployment options (unknown here)");
	w_str(&w, 9, "resource");
	w_str(&w, 4, "default-again");	/* a repeated scalar: last wins */
	m = temporal__api__workflowservice__v1__respond_activity_task_failed_request__unpack(
	    NULL, w.n, w.p);
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(m->namespace_, "default-again");
	ck_assert_uint_eq(m->base.n_unknown_fields, 3);
	n = pack(&m->base, &out);
	/* the second namespace replaced the first: drop it from the input */
	na = records(w.p, w.n, a, 32);
	nb = records(out, n, b, 32);
	ck_assert_uint_eq(na, 9);
	ck_assert_uint_eq(nb, 8);
	memmove(&a[3], &a[4], (na - 4) * sizeof(a[0]));
	na--;
	sort_records(a, na);
	sort_records(b, nb);
	for (size_t i = 0; i < na; i++) {
		ck_assert_uint_eq(a[i].num, b[i].num);
		ck_assert_uint_eq(a[i].n, b[i].n);
		ck_assert_mem_eq(a[i].p, b[i].p, a[i].n);
	}
	free(out);
	temporal__api__workflowservice__v1__respond_activity_task_failed_request__free_unpacked(
	    m, NULL);
}
END_TEST

/* The denial sent upstream, field numbers checked against hand encoding. */
START_TEST(test_proto_denial_encoding)
{
	/* Generated __INIT macros cast away const: use the _init functions. */
	Temporal__Api__Workflowservice__V1__RespondActivityTaskFailedRequest req;
	Temporal__Api__Failure__V1__Failure f;
	Temporal__Api__Failure__V1__ApplicationFailureInfo ai;
	char type[] = "constraint_violation";
	char msg[] = "Activity 'read_file' denied: x (warrant: tnu_wrt_0)";
	char src[] = "tenuo-sidecar", id[] = "tenuo-sidecar@host";
	char ns[] = "default";
	uint8_t tok[] = { 't', 'o', 'k' };
	struct wbuf want = { .n = 0 }, fw = { .n = 0 }, aw = { .n = 0 };
	uint8_t *out;
	size_t n;

	temporal__api__workflowservice__v1__respond_activity_task_failed_request__init(
	    &req);
	temporal__api__failure__v1__failure__init(&f);
	temporal__api__failure__v1__application_failure_info__init(&ai);
	ai.type = type;
	ai.non_retryable = 1;
	f.message = msg;
	f.source = src;
	f.failure_info_case =
	    TEMPORAL__API__FAILURE__V1__FAILURE__FAILURE_INFO_APPLICATION_FAILURE_INFO;
	f.application_failure_info = &ai;
	req.task_token.data = tok;
	req.task_token.len = sizeof(tok);
	req.failure = &f;
	req.identity = id;
	req.namespace_ = ns;
	n = pack(&req.base, &out);

	w_str(&aw, 1, "constraint_violation");
	w_uint(&aw, 2, 1);
	w_str(&fw, 1, "Activity 'read_file' denied: x (warrant: tnu_wrt_0)");
	w_str(&fw, 2, "tenuo-sidecar");
	w_sub(&fw, 5, &aw);
	w_str(&want, 1, "tok");
	w_sub(&want, 2, &fw);
	w_str(&want, 3, "tenuo-sidecar@host");
	w_str(&want, 4, "default");
	ck_assert_uint_eq(n, want.n);
	ck_assert_mem_eq(out, want.p, n);
	free(out);
}
END_TEST

/* Eager tasks: field 2 of RespondWorkflowTaskCompletedResponse. */
START_TEST(test_proto_eager_activity_tasks)
{
	struct wbuf w = { .n = 0 }, t, wft = { .n = 0 };
	Temporal__Api__Workflowservice__V1__RespondWorkflowTaskCompletedResponse *m;
	uint8_t *out;
	size_t n;

	w_str(&wft, 1, "next workflow task, unknown to the subset");
	w_sub(&w, 1, &wft);
	mk_poll_response(&t, 1);
	w_sub(&w, 2, &t);
	mk_poll_response(&t, 0);
	w_sub(&w, 2, &t);
	w_uint(&w, 3, 12);
	m = temporal__api__workflowservice__v1__respond_workflow_task_completed_response__unpack(
	    NULL, w.n, w.p);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(m->n_activity_tasks, 2);
	ck_assert_str_eq(m->activity_tasks[0]->activity_type->name,
	    "read_file");
	ck_assert_uint_eq(m->activity_tasks[0]->base.n_unknown_fields, 5);
	ck_assert_uint_eq(m->activity_tasks[1]->base.n_unknown_fields, 0);
	ck_assert_int_eq(m->reset_history_event_id, 12);
	ck_assert_uint_eq(m->base.n_unknown_fields, 1);
	n = pack(&m->base, &out);
	/* known fields first (2, 2, 3), then the unknown field 1 */
	ck_assert_uint_eq(n, w.n);
	ck_assert_mem_eq(out + n - (wft.n + 2), w.p, wft.n + 2);
	free(out);
	temporal__api__workflowservice__v1__respond_workflow_task_completed_response__free_unpacked(
	    m, NULL);
}
END_TEST

/* Every truncation of a valid message is refused or decodes cleanly. */
START_TEST(test_proto_truncated)
{
	struct wbuf w;
	size_t refused = 0;

	mk_poll_response(&w, 1);
	for (size_t cut = 0; cut < w.n; cut++) {
		Temporal__Api__Workflowservice__V1__PollActivityTaskQueueResponse *m;

		m = temporal__api__workflowservice__v1__poll_activity_task_queue_response__unpack(
		    NULL, cut, w.p);
		if (m == NULL)
			refused++;
		else
			temporal__api__workflowservice__v1__poll_activity_task_queue_response__free_unpacked(
			    m, NULL);
	}
	ck_assert_uint_gt(refused, w.n / 2);
}
END_TEST

/* A length that overruns the buffer, and a bad wire type. */
START_TEST(test_proto_malformed)
{
	static const uint8_t overrun[] = { 0x0a, 0x10, 'a', 'b' };
	static const uint8_t badwt[] = { 0x0f, 0x00 };

	ck_assert_ptr_null(
	    temporal__api__workflowservice__v1__poll_activity_task_queue_response__unpack(
	    NULL, sizeof(overrun), overrun));
	ck_assert_ptr_null(
	    temporal__api__workflowservice__v1__poll_activity_task_queue_response__unpack(
	    NULL, sizeof(badwt), badwt));
}
END_TEST

/*
 * What protobuf-c 1.4 does NOT check, so callers must: a proto3 string
 * field is accepted with invalid UTF-8, and an embedded NUL silently
 * shortens the C string (the worker would see the whole value).  Anything
 * the sidecar decides on (activity type, ids) has to be checked against the
 * wire length by the caller.
 */
START_TEST(test_proto_string_fields_unchecked)
{
	static const uint8_t badutf8[] = { 0x12, 0x02, 0xc3, 0x28 };
	static const uint8_t nul[] = { 0x2a, 0x0b, 0x0a, 0x09,
	    'r', 'e', 'a', 'd', 0x00, 'e', 'v', 'i', 'l' };
	Temporal__Api__Workflowservice__V1__PollActivityTaskQueueResponse *m;

	m = temporal__api__workflowservice__v1__poll_activity_task_queue_response__unpack(
	    NULL, sizeof(badutf8), badutf8);
	ck_assert_ptr_nonnull(m);
	ck_assert_uint_eq(strlen(m->workflow_namespace), 2);
	temporal__api__workflowservice__v1__poll_activity_task_queue_response__free_unpacked(
	    m, NULL);
	m = temporal__api__workflowservice__v1__poll_activity_task_queue_response__unpack(
	    NULL, sizeof(nul), nul);
	ck_assert_ptr_nonnull(m);
	ck_assert_str_eq(m->activity_type->name, "read");
	temporal__api__workflowservice__v1__poll_activity_task_queue_response__free_unpacked(
	    m, NULL);
}
END_TEST

START_TEST(test_proto_method_paths)
{
	ck_assert_str_eq(TN_M_POLL_ACTIVITY_TASK_QUEUE,
	    "/temporal.api.workflowservice.v1.WorkflowService/"
	    "PollActivityTaskQueue");
	ck_assert_str_eq(TN_M_RESPOND_WORKFLOW_TASK_COMPLETED,
	    "/temporal.api.workflowservice.v1.WorkflowService/"
	    "RespondWorkflowTaskCompleted");
	ck_assert_str_eq(TN_M_RECORD_ACTIVITY_TASK_HEARTBEAT_BY_ID,
	    "/temporal.api.workflowservice.v1.WorkflowService/"
	    "RecordActivityTaskHeartbeatById");
}
END_TEST

static Suite *
proto_suite(void)
{
	Suite *s = suite_create("proto");
	TCase *tc = tcase_create("valid");
	TCase *tu = tcase_create("unknown");
	TCase *tm = tcase_create("malformed");

	tcase_add_test(tc, test_proto_poll_response_fields);
	tcase_add_test(tc, test_proto_denial_encoding);
	tcase_add_test(tc, test_proto_eager_activity_tasks);
	tcase_add_test(tc, test_proto_method_paths);
	tcase_add_test(tu, test_proto_unknown_fields_byte_exact);
	tcase_add_test(tu, test_proto_unknown_fields_survive_edit);
	tcase_add_test(tu, test_proto_unknown_fields_interleaved);
	tcase_add_test(tm, test_proto_truncated);
	tcase_add_test(tm, test_proto_malformed);
	tcase_add_test(tm, test_proto_string_fields_unchecked);
	suite_add_tcase(s, tc);
	suite_add_tcase(s, tu);
	suite_add_tcase(s, tm);
	return s;
}

int
main(void)
{
	SRunner *sr = srunner_create(proto_suite());
	int failed;

	srunner_run_all(sr, CK_NORMAL);
	failed = srunner_ntests_failed(sr);
	srunner_free(sr);
	return failed == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
