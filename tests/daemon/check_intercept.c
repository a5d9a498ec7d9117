/*
 * check_intercept.c: decisions on intercepted messages (intercept.h)
 * without sockets: token requests unwrapped or refused, *ById refused,
 * poll responses denied (failure built, empty message for the worker),
 * allowed (headers stripped, token wrapped), or passed on unchanged.
 */
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "tn_temporal_methods.h"

#include "authz.h"
#include "config.h"
#include "grpc_frame.h"
#include "intercept.h"
#include "lamarker.h"
#include "metrics.h"
#include "tasktoken.h"

#define ROOT "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"
#define TOKEN "frontend-token-1"

typedef Temporal__Api__Workflowservice__V1__RespondActivityTaskCompletedRequest
    completed_t;
typedef Temporal__Api__Workflowservice__V1__RespondActivityTaskFailedRequest
    failed_t;

static char	dir[] = "/tmp/check-intercept-XXXXXX";

/* Loads a config (enforce unless audit) and makes it current. */
static struct config *
setup(const char *extra)
{
	char		 path[256], text[1024];
	FILE		*f;
	struct config	*cf;

	(void)snprintf(path, sizeof(path), "%s/ic.conf", dir);
	(void)snprintf(text, sizeof(text), "upstream = 127.0.0.1:7233\n"
	    "trusted_root = " ROOT "\ntask_token_key_file = %s/tt.key\n%s",
	    dir, extra);
	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	ck_assert_int_ge(fputs(text, f), 0);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, 0600), 0);
	ck_assert_int_eq(config_load(path, NULL, &cf), 0);
	intercept_configure(cf);
	config_unref(cf);	/* intercept keeps its own reference */
	return cf;
}

static void
msg_of(const ProtobufCMessage *m, struct gf_msg *out)
{
	ck_assert_int_eq(authz_pb_pack(m, &out->data, &out->len), 0);
	out->compressed = 0;
	out->base = NULL;	/* built by hand: data is the block */
}

/* A task with an x-tenuo-* header and one without a warrant. */
static void
task_msg(struct gf_msg *out)
{
	authz_task_t					t;
	Temporal__Api__Common__V1__ActivityType		at;
	Temporal__Api__Common__V1__Header		h;
	Temporal__Api__Common__V1__Header__FieldsEntry	e[2];
	Temporal__Api__Common__V1__Header__FieldsEntry	*ep[2] = { &e[0], &e[1] };
	Temporal__Api__Common__V1__Payload		p;

	temporal__api__workflowservice__v1__poll_activity_task_queue_response__init(
	    &t);
	temporal__api__common__v1__activity_type__init(&at);
	temporal__api__common__v1__header__init(&h);
	temporal__api__common__v1__header__fields_entry__init(&e[0]);
	temporal__api__common__v1__header__fields_entry__init(&e[1]);
	temporal__api__common__v1__payload__init(&p);

	t.task_token.data = (uint8_t *)(uintptr_t)TOKEN;
	t.task_token.len = strlen(TOKEN);
	t.workflow_namespace = (char *)(uintptr_t)"default";
	at.name = (char *)(uintptr_t)"greet";
	t.activity_type = &at;
	t.activity_id = (char *)(uintptr_t)"a1";
	p.data.data = (uint8_t *)(uintptr_t)"\"x\"";
	p.data.len = 3;
	e[0].key = (char *)(uintptr_t)"x-tenuo-arg-keys";
	e[0].value = &p;
	e[1].key = (char *)(uintptr_t)"x-trace";
	e[1].value = &p;
	h.n_fields = 2;
	h.fields = ep;
	t.header = &h;
	msg_of(&t.base, out);
}

static authz_task_t *
unpack_task(const uint8_t *framed, size_t n)
{
	ck_assert_uint_ge(n, GF_PREFIX_LEN);
	return (authz_task_t *)protobuf_c_message_unpack(
	    &temporal__api__workflowservice__v1__poll_activity_task_queue_response__descriptor,
	    NULL, n - GF_PREFIX_LEN, framed + GF_PREFIX_LEN);
}

/* bytes framed and read back through a gf_reader, as the proxy gets them */
static void
msg_read(const uint8_t *p, size_t n, struct gf_msg *out)
{
	struct gf_reader	 r;
	uint8_t			*f = malloc(GF_PREFIX_LEN + n);
	size_t			 off = 0, used, c;
	int			 rv = GF_NEED_MORE;

	ck_assert_ptr_nonnull(f);
	gf_prefix_encode(f, 0, (uint32_t)n);
	memcpy(f + GF_PREFIX_LEN, p, n);
	gf_reader_init(&r, 1 << 20);
	while (rv == GF_NEED_MORE && off < GF_PREFIX_LEN + n) {
		c = GF_PREFIX_LEN + n - off < 7000 ? GF_PREFIX_LEN + n - off :
		    7000;
		rv = gf_reader_feed(&r, f + off, c, &used, out);
		off += used;
	}
	ck_assert_int_eq(rv, GF_MSG);
	ck_assert_ptr_nonnull(out->base);
	ck_assert_mem_eq(out->base, f, GF_PREFIX_LEN + n);	/* framed */
	gf_reader_free(&r);
	free(f);
}

/* cat of the parts (a protobuf message may come in pieces: they merge) */
static uint8_t *
cat3(const struct gf_msg *a, const uint8_t *b, size_t bn,
    const struct gf_msg *c, size_t *n)
{
	uint8_t	*o;

	*n = a->len + bn + c->len;
	ck_assert_ptr_nonnull(o = malloc(*n));
	if (a->len > 0)
		memcpy(o, a->data, a->len);
	memcpy(o + a->len, b, bn);
	if (c->len > 0)
		memcpy(o + a->len + bn, c->data, c->len);
	return o;
}

START_TEST(test_classify)
{
	ck_assert_int_eq(ic_classify(TN_M_POLL_ACTIVITY_TASK_QUEUE), IC_POLL);
	ck_assert_int_eq(ic_classify(TN_M_RESPOND_WORKFLOW_TASK_COMPLETED),
	    IC_WFT_COMPLETED);
	ck_assert_int_eq(ic_classify(TN_M_RECORD_ACTIVITY_TASK_HEARTBEAT),
	    IC_TOKEN);
	ck_assert_int_eq(ic_classify(TN_M_RESPOND_ACTIVITY_TASK_FAILED_BY_ID),
	    IC_BY_ID);
	ck_assert_int_eq(ic_classify(TN_M_SERVICE "GetSystemInfo"), IC_NONE);
	ck_assert_int_eq(ic_classify(NULL), IC_NONE);
}
END_TEST

/* A wrapped token comes back as the original, the rest byte for byte. */
START_TEST(test_token_unwrap)
{
	struct config		*cf = setup("");
	struct tasktoken_keys	 k;
	completed_t		 r;
	completed_t		*back;
	struct gf_msg		 m, gz, rd;
	struct ic_req_out	 out;
	uint8_t			*w, *plain;
	size_t			 wlen, plen;
	char			 why[128];

	temporal__api__workflowservice__v1__respond_activity_task_completed_request__init(
	    &r);
	tasktoken_keys_init(&k, cf->tt_cur, NULL);
	ck_assert_int_eq(tasktoken_wrap(&k, (const uint8_t *)TOKEN,
	    strlen(TOKEN), &w, &wlen), 0);
	r.task_token.data = w;
	r.task_token.len = wlen;
	r.identity = (char *)(uintptr_t)"worker@host";
	r.namespace_ = (char *)(uintptr_t)"default";
	msg_of(&r.base, &m);
	ic_token_request(IC_TOKEN, TN_M_RESPOND_ACTIVITY_TASK_COMPLETED, &m,
	    NULL, 1 << 20, "peer", &out);
	ck_assert_int_eq(out.action, IC_REQ_REPLACE);
	ck_assert_uint_eq(out.framed[0], 0);
	back = (completed_t *)protobuf_c_message_unpack(
	    &temporal__api__workflowservice__v1__respond_activity_task_completed_request__descriptor,
	    NULL, out.framed_len - 5, out.framed + 5);
	ck_assert_ptr_nonnull(back);
	ck_assert_uint_eq(back->task_token.len, strlen(TOKEN));
	ck_assert_mem_eq(back->task_token.data, TOKEN, strlen(TOKEN));
	ck_assert_str_eq(back->identity, "worker@host");
	ck_assert_str_eq(back->namespace_, "default");
	protobuf_c_message_free_unpacked(&back->base, NULL);
	ic_req_out_free(&out);
	/* read by a gf_reader: the token rewritten in the message's block */
	msg_read(m.data, m.len, &rd);
	ic_token_request(IC_TOKEN, TN_M_RESPOND_ACTIVITY_TASK_COMPLETED, &rd,
	    NULL, 1 << 20, "peer", &out);
	ck_assert_int_eq(out.action, IC_REQ_REPLACE);
	ck_assert_ptr_null(rd.base);		/* taken over */
	back = (completed_t *)protobuf_c_message_unpack(
	    &temporal__api__workflowservice__v1__respond_activity_task_completed_request__descriptor,
	    NULL, out.framed_len - 5, out.framed + 5);
	ck_assert_ptr_nonnull(back);
	ck_assert_uint_eq(back->task_token.len, strlen(TOKEN));
	ck_assert_mem_eq(back->task_token.data, TOKEN, strlen(TOKEN));
	ck_assert_str_eq(back->identity, "worker@host");
	ck_assert_str_eq(back->namespace_, "default");
	ck_assert_uint_eq(out.framed_len - 5, m.len - wlen + strlen(TOKEN) -
	    (wlen >= 128 ? 1 : 0));
	protobuf_c_message_free_unpacked(&back->base, NULL);
	ic_req_out_free(&out);
	gf_msg_free(&rd);
	/* gzip in, gzip out */
	ck_assert_int_eq(gf_msg_frame(m.data, m.len, "gzip", &gz.data, &gz.len,
	    why, sizeof(why)), 0);
	memmove(gz.data, gz.data + 5, gz.len - 5);
	gz.len -= 5;
	gz.compressed = 1;
	ic_token_request(IC_TOKEN, TN_M_RESPOND_ACTIVITY_TASK_COMPLETED, &gz,
	    "gzip", 1 << 20, "peer", &out);
	ck_assert_int_eq(out.action, IC_REQ_REPLACE);
	ck_assert_uint_eq(out.framed[0], 1);
	free(gz.data);
	gz.data = out.framed + 5;
	gz.len = out.framed_len - 5;
	ck_assert_int_eq(gf_msg_plain(&gz, "gzip", 1 << 20, &plain, &plen, why,
	    sizeof(why)), 0);
	ck_assert_ptr_nonnull(memmem(plain, plen, TOKEN, strlen(TOKEN)));
	ck_assert_ptr_null(memmem(plain, plen, w, wlen));
	free(plain);
	ic_req_out_free(&out);
	free(m.data);
	free(w);
	tasktoken_keys_wipe(&k);
	intercept_shutdown();
}
END_TEST

/* Tokens the sidecar never issued, two tokens, *ById: refused. */
START_TEST(test_token_refused)
{
	completed_t		 r;
	struct gf_msg		 m;
	struct ic_req_out	 out;
	uint8_t			 two[64];

	(void)setup("");
	temporal__api__workflowservice__v1__respond_activity_task_completed_request__init(
	    &r);
	r.task_token.data = (uint8_t *)(uintptr_t)TOKEN;
	r.task_token.len = strlen(TOKEN);
	msg_of(&r.base, &m);
	ic_token_request(IC_TOKEN, TN_M_RESPOND_ACTIVITY_TASK_COMPLETED, &m,
	    NULL, 1 << 20, "peer", &out);
	ck_assert_int_eq(out.action, IC_REQ_DENY);
	ck_assert_ptr_nonnull(strstr(out.message, "not issued"));
	/* field 1 twice */
	ck_assert_uint_lt(2 * m.len, sizeof(two));
	memcpy(two, m.data, m.len);
	memcpy(two + m.len, m.data, m.len);
	free(m.data);
	m.data = two;
	m.len *= 2;
	ic_token_request(IC_TOKEN, TN_M_RESPOND_ACTIVITY_TASK_COMPLETED, &m,
	    NULL, 1 << 20, "peer", &out);
	ck_assert_int_eq(out.action, IC_REQ_DENY);
	ic_token_request(IC_TOKEN, TN_M_RESPOND_ACTIVITY_TASK_COMPLETED, NULL,
	    NULL, 1 << 20, "peer", &out);
	ck_assert_int_eq(out.action, IC_REQ_DENY);
	ic_token_request(IC_BY_ID, TN_M_RESPOND_ACTIVITY_TASK_COMPLETED_BY_ID,
	    NULL, NULL, 0, "peer", &out);
	ck_assert_int_eq(out.action, IC_REQ_DENY);
	intercept_shutdown();
	(void)setup("allow_by_id = on\n");
	ic_token_request(IC_BY_ID, TN_M_RESPOND_ACTIVITY_TASK_COMPLETED_BY_ID,
	    NULL, NULL, 0, "peer", &out);
	ck_assert_int_eq(out.action, IC_REQ_FORWARD);
	intercept_shutdown();
	/* audit-only: an unknown token goes through unchanged */
	(void)setup("enforcement = audit-only\n");
	m.len /= 2;
	ic_token_request(IC_TOKEN, TN_M_RESPOND_ACTIVITY_TASK_COMPLETED, &m,
	    NULL, 1 << 20, "peer", &out);
	ck_assert_int_eq(out.action, IC_REQ_FORWARD);
	intercept_shutdown();
}
END_TEST

/* No warrant, require_warrant on: failed upstream, empty for the worker. */
START_TEST(test_poll_denied)
{
	struct gf_msg		 m;
	struct ic_resp_out	 out;
	failed_t		*f;

	(void)setup("require_warrant = on\n");
	task_msg(&m);
	ic_response(IC_POLL, &m, NULL, 1 << 20, "default", "q", "peer", &out);
	ck_assert_int_eq(out.action, IC_RESP_REPLACE);
	ck_assert_uint_eq(out.framed_len, GF_PREFIX_LEN);	/* empty */
	ck_assert_uint_eq(out.ndeny, 1);
	ck_assert_uint_eq(out.nundelivered, 0);
	f = (failed_t *)protobuf_c_message_unpack(
	    &temporal__api__workflowservice__v1__respond_activity_task_failed_request__descriptor,
	    NULL, out.deny[0].len, out.deny[0].body);
	ck_assert_ptr_nonnull(f);
	ck_assert_mem_eq(f->task_token.data, TOKEN, strlen(TOKEN));
	ck_assert_str_eq(f->namespace_, "default");
	ck_assert_str_eq(f->failure->application_failure_info->type,
	    "CONSTRAINT_VIOLATED");
	ck_assert_int_eq(f->failure->application_failure_info->non_retryable,
	    1);
	protobuf_c_message_free_unpacked(&f->base, NULL);
	ic_resp_out_free(&out);
	free(m.data);
	intercept_shutdown();
}
END_TEST

/*
 * An allowed task carries the failure sent should the worker be gone
 * before delivery (its stream reset, or its connection closed): the
 * frontend's own token, our identity, retryable.  Sending it is counted.
 */
START_TEST(test_poll_undelivered_failure)
{
	struct gf_msg		 m;
	struct ic_resp_out	 out;
	failed_t		*f;

	(void)setup("require_warrant = off\n");
	metrics_reset();
	task_msg(&m);
	ic_response(IC_POLL, &m, NULL, 1 << 20, "default", "q", "peer", &out);
	ck_assert_uint_eq(out.ndeny, 0);
	ck_assert_uint_eq(out.nundelivered, 1);
	ck_assert_ptr_nonnull(strstr(out.undelivered[0].what, "activity a1"));
	f = (failed_t *)protobuf_c_message_unpack(
	    &temporal__api__workflowservice__v1__respond_activity_task_failed_request__descriptor,
	    NULL, out.undelivered[0].len, out.undelivered[0].body);
	ck_assert_ptr_nonnull(f);
	ck_assert_mem_eq(f->task_token.data, TOKEN, strlen(TOKEN));
	ck_assert_uint_eq(f->task_token.len, strlen(TOKEN));
	ck_assert_str_eq(f->namespace_, "default");
	ck_assert_str_eq(f->identity, ic_identity());
	ck_assert_int_eq(strncmp(f->identity, "tenuo-sidecar@", 14), 0);
	ck_assert_ptr_nonnull(f->failure);
	ck_assert_ptr_nonnull(f->failure->application_failure_info);
	ck_assert_int_eq(f->failure->application_failure_info->non_retryable,
	    0);
	protobuf_c_message_free_unpacked(&f->base, NULL);
	ic_audit_undelivered(out.undelivered[0].what, "default", "peer",
	    "the worker's connection closed before the task was delivered");
	ck_assert_uint_eq(metrics.tasks_failed_undelivered, 1);
	ck_assert_uint_eq(metrics.tasks_lost, 0);
	ic_audit_lost(out.undelivered[0].what, "default", "peer",
	    "orphan_drain_timeout (10 ms) ran out");
	ck_assert_uint_eq(metrics.tasks_lost, 1);
	ic_resp_out_free(&out);
	free(m.data);
	intercept_shutdown();
}
END_TEST

/* Allowed: x-tenuo-* gone, other headers kept, token wrapped. */
START_TEST(test_poll_allowed)
{
	struct config		*cf;
	struct tasktoken_keys	 k;
	struct gf_msg		 m, empty = { NULL, 0, 0, NULL };
	struct ic_resp_out	 out;
	authz_task_t		*t;
	const uint8_t		*tok;
	size_t			 toklen;

	cf = setup("require_warrant = off\n");
	tasktoken_keys_init(&k, cf->tt_cur, NULL);
	task_msg(&m);
	ic_response(IC_POLL, &m, "gzip", 1 << 20, "default", "q", "peer", &out);
	ck_assert_int_eq(out.action, IC_RESP_REPLACE);
	ck_assert_uint_eq(out.ndeny, 0);
	ck_assert_uint_eq(out.nundelivered, 1);
	ck_assert_uint_eq(out.framed[0], 1);	/* gzip, as the stream */
	ic_resp_out_free(&out);
	ic_response(IC_POLL, &m, NULL, 1 << 20, "default", "q", "peer", &out);
	ck_assert_ptr_nonnull(t = unpack_task(out.framed, out.framed_len));
	ck_assert_uint_eq(t->header->n_fields, 1);
	ck_assert_str_eq(t->header->fields[0]->key, "x-trace");
	ck_assert_int_eq(tasktoken_unwrap(&k, t->task_token.data,
	    t->task_token.len, &tok, &toklen, NULL), 0);
	ck_assert_mem_eq(tok, TOKEN, strlen(TOKEN));
	protobuf_c_message_free_unpacked(&t->base, NULL);
	ic_resp_out_free(&out);
	/* an empty poll passes unchanged */
	ic_response(IC_POLL, &empty, NULL, 1 << 20, "default", "q", "peer",
	    &out);
	ck_assert_int_eq(out.action, IC_RESP_FORWARD);
	ic_resp_out_free(&out);
	/* undecodable: never delivered */
	m.data[0] = 0xff;
	ic_response(IC_POLL, &m, NULL, 1 << 20, "default", "q", "peer", &out);
	ck_assert_int_eq(out.action, IC_RESP_REPLACE);
	ck_assert_uint_eq(out.framed_len, GF_PREFIX_LEN);
	ic_resp_out_free(&out);
	free(m.data);
	tasktoken_keys_wipe(&k);
	intercept_shutdown();
}
END_TEST

/* The allowed task's token and header checked in the bytes sent. */
static void
check_edited(const struct tasktoken_keys *k, const struct ic_resp_out *out,
    const uint8_t *unk, size_t unklen)
{
	authz_task_t	*t;
	const uint8_t	*tok;
	size_t		 toklen;

	ck_assert_int_eq(out->action, IC_RESP_REPLACE);
	ck_assert_uint_eq(out->framed[0], 0);
	ck_assert_uint_eq((size_t)out->framed[1] << 24 |
	    (size_t)out->framed[2] << 16 | (size_t)out->framed[3] << 8 |
	    out->framed[4], out->framed_len - GF_PREFIX_LEN);
	ck_assert_ptr_nonnull(t = unpack_task(out->framed, out->framed_len));
	ck_assert_uint_eq(t->header->n_fields, 1);
	ck_assert_str_eq(t->header->fields[0]->key, "x-trace");
	ck_assert_str_eq(t->activity_id, "a1");
	ck_assert_str_eq(t->activity_type->name, "greet");
	ck_assert_int_eq(tasktoken_unwrap(k, t->task_token.data,
	    t->task_token.len, &tok, &toklen, NULL), 0);
	ck_assert_uint_eq(toklen, strlen(TOKEN));
	ck_assert_mem_eq(tok, TOKEN, strlen(TOKEN));
	/* the unknown field went through byte for byte */
	ck_assert_ptr_nonnull(memmem(out->framed, out->framed_len, unk,
	    unklen));
	protobuf_c_message_free_unpacked(&t->base, NULL);
}

/*
 * A poll read by a gf_reader is edited in its own block: the token and
 * header fields rewritten wherever they are, a large unknown field
 * (heartbeat_details is not in our subset) kept without being decoded.
 * Fields repeated (merged by protobuf) go the re-encoding way.
 */
START_TEST(test_poll_edited_in_place)
{
	struct config		*cf;
	struct tasktoken_keys	 k;
	struct gf_msg		 whole, notok, tokonly, hdr2, m;
	struct ic_resp_out	 out;
	authz_task_t		 t, *tt;
	Temporal__Api__Common__V1__Header		h;
	Temporal__Api__Common__V1__Header__FieldsEntry	e, *ep = &e;
	Temporal__Api__Common__V1__Payload		p;
	uint8_t			*unk, *w;
	size_t			 unklen = 200000 + 4, wn, i;

	cf = setup("require_warrant = off\n");
	tasktoken_keys_init(&k, cf->tt_cur, NULL);
	ck_assert_ptr_nonnull(unk = malloc(unklen));
	unk[0] = 9 << 3 | 2;		/* heartbeat_details, 200000 bytes */
	unk[1] = 0xc0;
	unk[2] = 0x9a;
	unk[3] = 0x0c;
	for (i = 4; i < unklen; i++)
		unk[i] = (uint8_t)(i * 7 + 1);
	task_msg(&whole);
	/* token first, the unknown field in the middle */
	w = cat3(&whole, unk, unklen, &(struct gf_msg){ NULL, 0, 0, NULL },
	    &wn);
	msg_read(w, wn, &m);
	free(w);
	ic_response(IC_POLL, &m, NULL, 1 << 20, "default", "q", "peer", &out);
	ck_assert_ptr_null(m.base);	/* taken over: no copy */
	ck_assert_uint_eq(m.len, 0);
	check_edited(&k, &out, unk, unklen);
	ic_resp_out_free(&out);
	gf_msg_free(&m);
	/* the token last, after the unknown field: it grows, the header
	   before it shrinks */
	tt = (authz_task_t *)protobuf_c_message_unpack(
	    &temporal__api__workflowservice__v1__poll_activity_task_queue_response__descriptor,
	    NULL, whole.len, whole.data);
	ck_assert_ptr_nonnull(tt);
	free(tt->task_token.data);
	tt->task_token.data = NULL;
	tt->task_token.len = 0;
	msg_of(&tt->base, &notok);
	protobuf_c_message_free_unpacked(&tt->base, NULL);
	temporal__api__workflowservice__v1__poll_activity_task_queue_response__init(
	    &t);
	t.task_token.data = (uint8_t *)(uintptr_t)TOKEN;
	t.task_token.len = strlen(TOKEN);
	msg_of(&t.base, &tokonly);
	w = cat3(&notok, unk, unklen, &tokonly, &wn);
	msg_read(w, wn, &m);
	free(w);
	ic_response(IC_POLL, &m, NULL, 1 << 20, "default", "q", "peer", &out);
	ck_assert_ptr_null(m.base);
	check_edited(&k, &out, unk, unklen);
	ic_resp_out_free(&out);
	gf_msg_free(&m);
	/* a second header field (protobuf merges them): re-encoded */
	temporal__api__workflowservice__v1__poll_activity_task_queue_response__init(
	    &t);
	temporal__api__common__v1__header__init(&h);
	temporal__api__common__v1__header__fields_entry__init(&e);
	temporal__api__common__v1__payload__init(&p);
	p.data.data = (uint8_t *)(uintptr_t)"AAAA";
	p.data.len = 4;
	e.key = (char *)(uintptr_t)"x-tenuo-pop";
	e.value = &p;
	h.n_fields = 1;
	h.fields = &ep;
	t.header = &h;
	msg_of(&t.base, &hdr2);
	w = cat3(&whole, unk, unklen, &hdr2, &wn);
	msg_read(w, wn, &m);
	free(w);
	ic_response(IC_POLL, &m, NULL, 1 << 20, "default", "q", "peer", &out);
	ck_assert_ptr_nonnull(m.base);	/* not edited in place */
	check_edited(&k, &out, unk, unklen);
	ic_resp_out_free(&out);
	gf_msg_free(&m);
	/* activity_id twice (decoders differ on which one counts): the
	   worker gets the re-encoded message, with the one decided on */
	w = cat3(&whole, (const uint8_t *)"\x32\x02zz", 4,
	    &(struct gf_msg){ NULL, 0, 0, NULL }, &wn);
	msg_read(w, wn, &m);
	free(w);
	ic_response(IC_POLL, &m, NULL, 1 << 20, "default", "q", "peer", &out);
	ck_assert_ptr_nonnull(m.base);
	ck_assert_int_eq(out.action, IC_RESP_REPLACE);
	ck_assert_ptr_null(memmem(out.framed, out.framed_len, "\x32\x02" "a1",
	    4));
	ck_assert_ptr_nonnull(memmem(out.framed, out.framed_len, "\x32\x02zz",
	    4));
	ic_resp_out_free(&out);
	gf_msg_free(&m);
	gf_msg_free(&hdr2);
	gf_msg_free(&notok);
	gf_msg_free(&tokonly);
	gf_msg_free(&whole);
	tasktoken_keys_wipe(&k);
	free(unk);
	intercept_shutdown();
}
END_TEST

/* audit-only, nothing to strip: the message passes as it came. */
START_TEST(test_poll_audit_only)
{
	struct gf_msg		 m;
	struct ic_resp_out	 out;

	(void)setup("enforcement = audit-only\nstrip_tenuo_headers = off\n");
	task_msg(&m);
	ic_response(IC_POLL, &m, NULL, 1 << 20, "default", "q", "peer", &out);
	ck_assert_int_eq(out.action, IC_RESP_FORWARD);
	ck_assert_uint_eq(out.ndeny, 0);
	ic_resp_out_free(&out);
	free(m.data);
	intercept_shutdown();
}
END_TEST

/* ------------------------------------------- local-activity markers */

typedef Temporal__Api__Command__V1__RecordMarkerCommandAttributes marker_t;

struct mk {
	marker_t						a;
	Temporal__Api__Command__V1__RecordMarkerCommandAttributes__DetailsEntry	e;
	Temporal__Api__Command__V1__RecordMarkerCommandAttributes__DetailsEntry	*ep;
	Temporal__Api__Common__V1__Payloads			ps;
	Temporal__Api__Common__V1__Payload			p;
	Temporal__Api__Common__V1__Payload			*pp;
	Temporal__Api__Common__V1__Payload__MetadataEntry	m;
	Temporal__Api__Common__V1__Payload__MetadataEntry	*mp;
};

/* A marker named name whose details["data"] is json (encoding enc). */
static void
mk_init(struct mk *k, const char *name, const char *enc, const char *json)
{
	temporal__api__command__v1__record_marker_command_attributes__init(
	    &k->a);
	temporal__api__command__v1__record_marker_command_attributes__details_entry__init(
	    &k->e);
	temporal__api__common__v1__payloads__init(&k->ps);
	temporal__api__common__v1__payload__init(&k->p);
	temporal__api__common__v1__payload__metadata_entry__init(&k->m);
	k->m.key = (char *)(uintptr_t)"encoding";
	k->m.value.data = (uint8_t *)(uintptr_t)enc;
	k->m.value.len = strlen(enc);
	k->mp = &k->m;
	k->p.n_metadata = 1;
	k->p.metadata = &k->mp;
	k->p.data.data = (uint8_t *)(uintptr_t)json;
	k->p.data.len = strlen(json);
	k->pp = &k->p;
	k->ps.n_payloads = 1;
	k->ps.payloads = &k->pp;
	k->e.key = (char *)(uintptr_t)LAM_DATA_KEY;
	k->e.value = &k->ps;
	k->ep = &k->e;
	k->a.marker_name = (char *)(uintptr_t)name;
	k->a.n_details = 1;
	k->a.details = &k->ep;
}

/* sdk-core's LocalActivityMarkerData as serde_json writes it. */
#define CORE_DATA(type) "{\"seq\":1,\"attempt\":1,\"activity_id\":\"1\"," \
	"\"activity_type\":\"" type "\",\"complete_time\":{\"seconds\":" \
	"1767225600,\"nanos\":5000},\"backoff\":null," \
	"\"original_schedule_time\":{\"seconds\":1767225600,\"nanos\":0}}"
/* The Go SDK's localActivityMarkerData through the JSON converter. */
#define GO_DATA(type) "{\"ActivityID\":\"1\",\"ActivityType\":\"" type \
	"\",\"ReplayTime\":\"2026-01-01T00:00:00Z\",\"Attempt\":1," \
	"\"Backoff\":0}"

START_TEST(test_lamarker_formats)
{
	struct mk	k;
	char		type[LAM_TYPE_MAX], why[LAM_WHY_MAX];

	mk_init(&k, LAM_NAME_CORE, "json/plain", CORE_DATA("read_file"));
	ck_assert_int_eq(lam_marker_type(&k.a, type, sizeof(type), why,
	    sizeof(why)), LAM_FOUND);
	ck_assert_str_eq(type, "read_file");
	mk_init(&k, LAM_NAME_GO, "json/plain", GO_DATA("ReadFile"));
	ck_assert_int_eq(lam_marker_type(&k.a, type, sizeof(type), why,
	    sizeof(why)), LAM_FOUND);
	ck_assert_str_eq(type, "ReadFile");
	/* other markers pass */
	mk_init(&k, "core_patch", "json/plain", "{\"id\":\"p\"}");
	ck_assert_int_eq(lam_marker_type(&k.a, type, sizeof(type), why,
	    sizeof(why)), LAM_OTHER);
	ck_assert_int_eq(lam_marker_type(NULL, type, sizeof(type), why,
	    sizeof(why)), LAM_OTHER);
	/* the Go key in a core marker, and the reverse: unreadable */
	mk_init(&k, LAM_NAME_CORE, "json/plain", GO_DATA("read_file"));
	ck_assert_int_eq(lam_marker_type(&k.a, type, sizeof(type), why,
	    sizeof(why)), LAM_UNREADABLE);
	mk_init(&k, LAM_NAME_GO, "json/plain", CORE_DATA("read_file"));
	ck_assert_int_eq(lam_marker_type(&k.a, type, sizeof(type), why,
	    sizeof(why)), LAM_UNREADABLE);
	/* a codec's encoding, JSON that is not, a repeated key, NUL */
	mk_init(&k, LAM_NAME_CORE, "binary/encrypted", CORE_DATA("x"));
	ck_assert_int_eq(lam_marker_type(&k.a, type, sizeof(type), why,
	    sizeof(why)), LAM_UNREADABLE);
	ck_assert_ptr_nonnull(strstr(why, "json/plain"));
	mk_init(&k, LAM_NAME_CORE, "json/plain", "{\"activity_type\":");
	ck_assert_int_eq(lam_marker_type(&k.a, type, sizeof(type), why,
	    sizeof(why)), LAM_UNREADABLE);
	mk_init(&k, LAM_NAME_CORE, "json/plain", "{\"activity_type\":\"a\","
	    "\"activity_type\":\"b\"}");
	ck_assert_int_eq(lam_marker_type(&k.a, type, sizeof(type), why,
	    sizeof(why)), LAM_UNREADABLE);
	mk_init(&k, LAM_NAME_CORE, "json/plain", "{\"activity_type\":"
	    "\"a\\u0000b\"}");
	ck_assert_int_eq(lam_marker_type(&k.a, type, sizeof(type), why,
	    sizeof(why)), LAM_UNREADABLE);
	mk_init(&k, LAM_NAME_CORE, "json/plain", "[\"read_file\"]");
	ck_assert_int_eq(lam_marker_type(&k.a, type, sizeof(type), why,
	    sizeof(why)), LAM_UNREADABLE);
	/* no data entry */
	mk_init(&k, LAM_NAME_CORE, "json/plain", CORE_DATA("x"));
	k.e.key = (char *)(uintptr_t)"result";
	ck_assert_int_eq(lam_marker_type(&k.a, type, sizeof(type), why,
	    sizeof(why)), LAM_UNREADABLE);
}
END_TEST

/* A RespondWorkflowTaskCompletedRequest with one marker command. */
static void
wftc_msg(struct mk *k, struct gf_msg *out)
{
	Temporal__Api__Workflowservice__V1__RespondWorkflowTaskCompletedRequest r;
	Temporal__Api__Command__V1__Command	c, *cp = &c;

	temporal__api__workflowservice__v1__respond_workflow_task_completed_request__init(
	    &r);
	temporal__api__command__v1__command__init(&c);
	c.command_type =
	    TEMPORAL__API__ENUMS__V1__COMMAND_TYPE__COMMAND_TYPE_RECORD_MARKER;
	c.attributes_case =
	    TEMPORAL__API__COMMAND__V1__COMMAND__ATTRIBUTES_RECORD_MARKER_COMMAND_ATTRIBUTES;
	c.record_marker_command_attributes = &k->a;
	r.task_token.data = (uint8_t *)(uintptr_t)"wft";
	r.task_token.len = 3;
	r.namespace_ = (char *)(uintptr_t)"default";
	r.n_commands = 1;
	r.commands = &cp;
	msg_of(&r.base, out);
}

static enum ic_req_action
wftc_action(const char *name, const char *enc, const char *json)
{
	struct mk		 k;
	struct gf_msg		 m;
	struct ic_req_out	 out;
	char			*ns = NULL;
	enum ic_req_action	 a;

	mk_init(&k, name, enc, json);
	wftc_msg(&k, &m);
	ic_wftc_request(&m, NULL, 1 << 20, "peer", &out, &ns);
	ck_assert_str_eq(ns, "default");
	a = out.action;
	if (a == IC_REQ_DENY)
		ck_assert_ptr_nonnull(strstr(out.message, "tenuo-sidecar"));
	ic_req_out_free(&out);
	free(ns);
	free(m.data);
	return a;
}

START_TEST(test_local_activity_blocked)
{
	struct ic_req_out	 out;
	char			*ns = NULL;

	(void)setup("block_local_activities = off\n");
	ck_assert_int_eq(intercept_holds(IC_WFT_COMPLETED), 0);
	ck_assert_int_eq(intercept_holds(IC_TOKEN), 1);
	intercept_shutdown();
	(void)setup("block_local_activities = on\n"
	    "local_activity_allow = format_text, Lookup\n");
	ck_assert_int_eq(intercept_holds(IC_WFT_COMPLETED), 1);
	ck_assert_int_eq(wftc_action(LAM_NAME_CORE, "json/plain",
	    CORE_DATA("read_file")), IC_REQ_DENY);
	ck_assert_int_eq(wftc_action(LAM_NAME_CORE, "json/plain",
	    CORE_DATA("format_text")), IC_REQ_FORWARD);
	ck_assert_int_eq(wftc_action(LAM_NAME_GO, "json/plain",
	    GO_DATA("ReadFile")), IC_REQ_DENY);
	ck_assert_int_eq(wftc_action(LAM_NAME_GO, "json/plain",
	    GO_DATA("Lookup")), IC_REQ_FORWARD);
	ck_assert_int_eq(wftc_action(LAM_NAME_CORE, "binary/encrypted",
	    CORE_DATA("format_text")), IC_REQ_DENY);	/* fail closed */
	ck_assert_int_eq(wftc_action("core_patch", "json/plain", "{}"),
	    IC_REQ_FORWARD);
	/* unreadable request */
	ic_wftc_request(NULL, NULL, 1 << 20, "peer", &out, &ns);
	ck_assert_int_eq(out.action, IC_REQ_DENY);
	ck_assert_ptr_null(ns);
	ic_req_out_free(&out);
	intercept_shutdown();
	/* audit-only: noted, forwarded */
	(void)setup("enforcement = audit-only\nblock_local_activities = on\n");
	ck_assert_int_eq(wftc_action(LAM_NAME_CORE, "json/plain",
	    CORE_DATA("read_file")), IC_REQ_FORWARD);
	intercept_shutdown();
}
END_TEST

/* ------------------------------------------------------ workflow starts */

static void
start_msg(const char *path, const char *queue, struct gf_msg *out)
{
	Temporal__Api__Workflowservice__V1__StartWorkflowExecutionRequest	s;
	Temporal__Api__Workflowservice__V1__SignalWithStartWorkflowExecutionRequest w;
	Temporal__Api__Taskqueue__V1__TaskQueue	tq;

	temporal__api__taskqueue__v1__task_queue__init(&tq);
	tq.name = (char *)(uintptr_t)queue;
	if (strcmp(path, TN_M_START_WORKFLOW_EXECUTION) == 0) {
		temporal__api__workflowservice__v1__start_workflow_execution_request__init(
		    &s);
		s.namespace_ = (char *)(uintptr_t)"default";
		s.workflow_id = (char *)(uintptr_t)"wf-1";
		s.task_queue = &tq;
		msg_of(&s.base, out);
		return;
	}
	temporal__api__workflowservice__v1__signal_with_start_workflow_execution_request__init(
	    &w);
	w.namespace_ = (char *)(uintptr_t)"default";
	w.workflow_id = (char *)(uintptr_t)"wf-2";
	w.signal_name = (char *)(uintptr_t)"go";
	w.task_queue = &tq;
	msg_of(&w.base, out);
}

static enum ic_req_action
start_action(const char *path, const char *queue)
{
	struct gf_msg		m;
	struct ic_req_out	out;
	enum ic_req_action	a;

	start_msg(path, queue, &m);
	ic_start_request(path, &m, NULL, 1 << 20, "peer", &out);
	a = out.action;
	ic_req_out_free(&out);
	free(m.data);
	return a;
}

START_TEST(test_start_without_warrant)
{
	struct ic_req_out	out;

	ck_assert_int_eq(ic_classify(TN_M_START_WORKFLOW_EXECUTION), IC_START);
	ck_assert_int_eq(ic_classify(TN_M_SIGNAL_WITH_START_WORKFLOW_EXECUTION),
	    IC_START);
	(void)setup("");
	ck_assert_int_eq(intercept_holds(IC_START), 0);
	intercept_shutdown();
	(void)setup("[policy protected]\ntask_queue = protected-*\n"
	    "require_warrant_on_start = on\n");
	ck_assert_int_eq(intercept_holds(IC_START), 1);
	ck_assert_int_eq(start_action(TN_M_START_WORKFLOW_EXECUTION,
	    "protected-a"), IC_REQ_DENY);
	ck_assert_int_eq(start_action(TN_M_SIGNAL_WITH_START_WORKFLOW_EXECUTION,
	    "protected-a"), IC_REQ_DENY);
	ck_assert_int_eq(start_action(TN_M_START_WORKFLOW_EXECUTION,
	    "open-queue"), IC_REQ_FORWARD);
	ic_start_request(TN_M_START_WORKFLOW_EXECUTION, NULL, NULL, 1 << 20,
	    "peer", &out);
	ck_assert_int_eq(out.action, IC_REQ_DENY);
	ic_req_out_free(&out);
	intercept_shutdown();
	(void)setup("[policy protected]\ntask_queue = protected-*\n"
	    "require_warrant_on_start = on\nenforcement = audit-only\n");
	ck_assert_int_eq(start_action(TN_M_START_WORKFLOW_EXECUTION,
	    "protected-a"), IC_REQ_FORWARD);
	intercept_shutdown();
}
END_TEST

/* Update-with-start cannot slip past a start check it cannot read. */
START_TEST(test_multi_operation_refused_when_starts_checked)
{
	struct ic_req_out	out;

	ck_assert_int_eq(ic_classify(IC_M_EXECUTE_MULTI_OPERATION),
	    IC_MULTI_OP);
	(void)setup("");
	ic_multi_op_request(IC_M_EXECUTE_MULTI_OPERATION, "peer", &out);
	ck_assert_int_eq(out.action, IC_REQ_FORWARD);
	intercept_shutdown();
	(void)setup("[policy protected]\ntask_queue = protected-*\n"
	    "require_warrant_on_start = on\n");
	ic_multi_op_request(IC_M_EXECUTE_MULTI_OPERATION, "peer", &out);
	ck_assert_int_eq(out.action, IC_REQ_DENY);
	ck_assert_ptr_nonnull(strstr(out.message, "ExecuteMultiOperation"));
	ic_req_out_free(&out);
	intercept_shutdown();
	/* Global audit-only: the message is not decoded, so no policy. */
	(void)setup("enforcement = audit-only\n[policy protected]\n"
	    "task_queue = protected-*\nrequire_warrant_on_start = on\n");
	ic_multi_op_request(IC_M_EXECUTE_MULTI_OPERATION, "peer", &out);
	ck_assert_int_eq(out.action, IC_REQ_FORWARD);
	intercept_shutdown();
}
END_TEST

static Suite *
intercept_suite(void)
{
	Suite	*s = suite_create("intercept");
	TCase	*tc = tcase_create("decisions");

	tcase_add_test(tc, test_classify);
	tcase_add_test(tc, test_token_unwrap);
	tcase_add_test(tc, test_token_refused);
	tcase_add_test(tc, test_poll_denied);
	tcase_add_test(tc, test_poll_allowed);
	tcase_add_test(tc, test_poll_undelivered_failure);
	tcase_add_test(tc, test_poll_audit_only);
	tcase_add_test(tc, test_poll_edited_in_place);
	tcase_add_test(tc, test_lamarker_formats);
	tcase_add_test(tc, test_local_activity_blocked);
	tcase_add_test(tc, test_start_without_warrant);
	tcase_add_test(tc, test_multi_operation_refused_when_starts_checked);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr;
	int	 nf;
	char	 cmd[128];

	if (mkdtemp(dir) == NULL)
		return 1;
	sr = srunner_create(intercept_suite());
	srunner_run_all(sr, CK_NORMAL);
	nf = srunner_ntests_failed(sr);
	srunner_free(sr);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		nf++;
	return nf == 0 ? 0 : 1;
}
