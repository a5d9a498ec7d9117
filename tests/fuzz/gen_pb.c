/*
 * gen_pb.c: writes seed inputs for fuzz_intercept (one file per message,
 * the selector byte first, see fuzz_intercept.c) into the directory given
 * as argv[1]: poll responses carrying a chain signed by the fuzz root
 * (Ed25519 seed 32 x 0x01) for holder seed 32 x 0x02 with a PoP valid
 * now, in every header form (single warrant, x-tenuo-warrant-chain,
 * x-tenuo-compressed), and without; RespondWorkflowTaskCompleted
 * responses with eager tasks; RespondWorkflowTaskCompleted requests with
 * local-activity markers (core and Go forms) and activity commands; poll
 * requests; token requests; start requests with and without a warrant.
 * Run by run.sh at seed time, so the timestamps are current.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "tn_args.h"
#include "tn_codec.h"
#include "tn_crypto.h"
#include "tn_pop.h"
#include "tn_warrant.h"

#include "temporal/api/workflowservice/v1/request_response.pb-c.h"

typedef Temporal__Api__Workflowservice__V1__PollActivityTaskQueueResponse task_t;
typedef Temporal__Api__Common__V1__Header__FieldsEntry entry_t;
typedef Temporal__Api__Common__V1__Payload payload_t;
typedef Temporal__Api__Common__V1__Payload__MetadataEntry meta_t;

static const char *outdir;
static int64_t now;
static uint8_t root_sk[64], root_pk[32], holder_sk[64], holder_pk[32];

static void
die(const char *what)
{
	fprintf(stderr, "gen_pb: %s\n", what);
	exit(1);
}

static void
put(const char *name, uint8_t sel, const ProtobufCMessage *m)
{
	char path[1024];
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *b = malloc(n + 1);
	FILE *f;

	if (b == NULL)
		die("malloc");
	b[0] = sel;
	protobuf_c_message_pack(m, b + 1);
	(void)snprintf(path, sizeof(path), "%s/%s", outdir, name);
	if ((f = fopen(path, "wb")) == NULL || fwrite(b, 1, n + 1, f) != n + 1 ||
	    fclose(f) != 0)
		die(path);
	free(b);
}

/* A header entry whose payload data is p[0..n). */
struct hdr {
	entry_t		e[8];
	entry_t		*ep[8];
	payload_t	p[8];
	size_t		n;
	Temporal__Api__Common__V1__Header h;
};

static void
hdr_init(struct hdr *h)
{
	memset(h, 0, sizeof(*h));
	temporal__api__common__v1__header__init(&h->h);
}

static void
hdr_add(struct hdr *h, const char *k, const void *v, size_t n)
{
	entry_t *e = &h->e[h->n];
	payload_t *p = &h->p[h->n];

	temporal__api__common__v1__header__fields_entry__init(e);
	temporal__api__common__v1__payload__init(p);
	e->key = (char *)(uintptr_t)k;
	p->data.data = (uint8_t *)(uintptr_t)v;
	p->data.len = n;
	e->value = p;
	h->ep[h->n] = e;
	h->n++;
	h->h.n_fields = h->n;
	h->h.fields = h->ep;
}

/* The minted warrant: tool read_file, path must match /data/ *. */
struct minted {
	uint8_t	*env;
	size_t	 len;
	uint8_t	 id[TN_ID_LEN];
};

static void
mint(struct minted *w, const char *tool)
{
	static const uint8_t pat[] = { 0x82, 0x02, 0xa1, 0x67, 'p', 'a', 't',
		't', 'e', 'r', 'n', 0x67, '/', 'd', 'a', 't', 'a', '/', '*' };
	struct tn_cset_entry ce = { "path", pat, sizeof(pat) };
	static int serial;
	struct tn_mint_tool t = { tool, NULL, 0 };
	struct tn_mint m;
	struct tn_buf cs;

	tn_buf_init(&cs, 4096);
	tn_cset_encode(&cs, &ce, 1, 0);
	t.cset = cs.p;
	t.cset_len = cs.len;
	memset(&m, 0, sizeof(m));
	m.type = TN_WARRANT_EXECUTION;
	memset(m.id, 0x50 + serial++, sizeof(m.id));
	memcpy(w->id, m.id, sizeof(w->id));
	memcpy(m.holder, holder_pk, sizeof(m.holder));
	m.issued_at = (uint64_t)now - 60;
	m.expires_at = (uint64_t)now + 30 * 86400;
	m.max_depth = 3;
	m.tools = &t;
	m.ntools = 1;
	if (tn_warrant_mint(&m, root_sk, &w->env, &w->len, NULL) != TN_OK)
		die("mint");
	tn_buf_free(&cs);
}

/* Base64 PoP for tool over {"path": path} at now. */
static char *
pop(const struct minted *w, const char *tool, const char *json)
{
	static const uint8_t enc[] = "json/plain";
	struct tn_args_payload pl = { enc, 10, (const uint8_t *)json,
		strlen(json) };
	struct tn_args a;
	uint8_t sig[TN_SIG_LEN];
	char *b64;
	size_t n;

	if (tn_args_normalize(&pl, 1, (const uint8_t *)"path", 4, NULL, &a,
	    NULL) != TN_OK)
		die("args");
	if (tn_pop_sign(holder_sk, w->id, tool, strlen(tool), &a.doc.items[0],
	    now, sig, NULL) != TN_OK)
		die("pop");
	tn_args_free(&a);
	if (tn_b64_encode(sig, sizeof(sig), TN_B64_STD | TN_B64_PAD, &b64, &n,
	    NULL) != TN_OK)
		die("b64");
	return b64;
}

/* Everything a task points to. */
struct tk {
	task_t					t;
	Temporal__Api__Common__V1__ActivityType	at;
	Temporal__Api__Common__V1__WorkflowExecution we;
	Google__Protobuf__Timestamp		ts;
	Temporal__Api__Common__V1__Payloads	in;
	payload_t				arg, *argp;
	meta_t					meta, *metap;
	struct hdr				h;
	struct minted				w;
	char					*pop;
	uint8_t					*extra;	/* freed */
	char					*extra2;
};

enum form { F_WARRANT, F_CHAIN, F_GZIP, F_NONE, F_BADPOP };

static void
task(struct tk *k, const char *type, const char *tool, const char *json,
    enum form form)
{
	size_t n = 0;

	memset(k, 0, sizeof(*k));
	temporal__api__workflowservice__v1__poll_activity_task_queue_response__init(
	    &k->t);
	temporal__api__common__v1__activity_type__init(&k->at);
	temporal__api__common__v1__workflow_execution__init(&k->we);
	google__protobuf__timestamp__init(&k->ts);
	temporal__api__common__v1__payloads__init(&k->in);
	temporal__api__common__v1__payload__init(&k->arg);
	temporal__api__common__v1__payload__metadata_entry__init(&k->meta);
	k->t.task_token.data = (uint8_t *)(uintptr_t)"frontend-token-1";
	k->t.task_token.len = 16;
	k->t.workflow_namespace = (char *)(uintptr_t)"default";
	k->at.name = (char *)(uintptr_t)type;
	k->t.activity_type = &k->at;
	k->t.activity_id = (char *)(uintptr_t)"1";
	k->we.workflow_id = (char *)(uintptr_t)"wf-1";
	k->we.run_id = (char *)(uintptr_t)"run-1";
	k->t.workflow_execution = &k->we;
	k->ts.seconds = now;
	k->t.scheduled_time = &k->ts;
	k->t.attempt = 1;
	k->meta.key = (char *)(uintptr_t)"encoding";
	k->meta.value.data = (uint8_t *)(uintptr_t)"json/plain";
	k->meta.value.len = 10;
	k->metap = &k->meta;
	k->arg.n_metadata = 1;
	k->arg.metadata = &k->metap;
	k->arg.data.data = (uint8_t *)(uintptr_t)json;
	k->arg.data.len = strlen(json);
	k->argp = &k->arg;
	k->in.n_payloads = 1;
	k->in.payloads = &k->argp;
	k->t.input = &k->in;
	hdr_init(&k->h);
	k->t.header = &k->h.h;
	hdr_add(&k->h, "x-trace", "t", 1);
	if (form == F_NONE)
		return;
	mint(&k->w, tool);
	k->pop = pop(&k->w, tool, form == F_BADPOP ? "\"/etc/x\"" : json);
	hdr_add(&k->h, "x-tenuo-pop", k->pop, strlen(k->pop));
	hdr_add(&k->h, "x-tenuo-arg-keys", "path", 4);
	if (form == F_GZIP) {
		if (tn_gzip_deflate(k->w.env, k->w.len, 9, &k->extra, &n,
		    NULL) != TN_OK)
			die("gzip");
		hdr_add(&k->h, "x-tenuo-warrant", k->extra, n);
		hdr_add(&k->h, "x-tenuo-compressed", "1", 1);
		return;
	}
	hdr_add(&k->h, "x-tenuo-warrant", k->w.env, k->w.len);
	if (form == F_CHAIN) {
		struct tn_warrant *w;
		struct tn_stack st = { &w, 1 };

		if (tn_warrant_decode(k->w.env, k->w.len, &w, NULL) != TN_OK ||
		    tn_stack_encode(&st, &k->extra, &n, NULL) != TN_OK ||
		    tn_b64_encode(k->extra, n, TN_B64_STD | TN_B64_PAD,
		    &k->extra2, &n, NULL) != TN_OK)
			die("chain");
		tn_warrant_free(w);
		hdr_add(&k->h, "x-tenuo-warrant-chain", k->extra2, n);
	}
}

static void
task_free(struct tk *k)
{
	free(k->w.env);
	free(k->pop);
	free(k->extra);
	free(k->extra2);
}

static void
responses(void)
{
	static const char *const names[] = { "warrant", "chain", "gzip",
		"none", "badpop" };
	Temporal__Api__Workflowservice__V1__RespondWorkflowTaskCompletedResponse r;
	task_t *tp[2];
	struct tk k[2];
	char name[64];

	for (enum form f = F_WARRANT; f <= F_BADPOP; f++) {
		task(&k[0], "read_file", "read_file", "\"/data/x\"", f);
		(void)snprintf(name, sizeof(name), "poll-%s", names[f]);
		put(name, 0x00, &k[0].t.base);
		(void)snprintf(name, sizeof(name), "poll-%s-gz", names[f]);
		put(name, 0x08, &k[0].t.base);
		(void)snprintf(name, sizeof(name), "poll-%s-audit", names[f]);
		put(name, 0x10, &k[0].t.base);
		task_free(&k[0]);
		/* the guarded queue maps activity greet to read_file */
		task(&k[0], "greet", "read_file", "\"/data/y\"", f);
		(void)snprintf(name, sizeof(name), "poll-guarded-%s",
		    names[f]);
		put(name, 0x20, &k[0].t.base);
		task_free(&k[0]);
	}
	temporal__api__workflowservice__v1__respond_workflow_task_completed_response__init(
	    &r);
	task(&k[0], "read_file", "read_file", "\"/data/x\"", F_WARRANT);
	task(&k[1], "read_file", "read_file", "\"/data/x\"", F_BADPOP);
	tp[0] = &k[0].t;
	tp[1] = &k[1].t;
	r.n_activity_tasks = 2;
	r.activity_tasks = tp;
	put("wftc-resp-2", 0x01, &r.base);
	put("wftc-resp-2-gz", 0x09, &r.base);
	r.n_activity_tasks = 0;
	put("wftc-resp-0", 0x01, &r.base);
	task_free(&k[0]);
	task_free(&k[1]);
}

/* sdk-core's and the Go SDK's local-activity marker data. */
#define CORE_DATA(type) "{\"seq\":1,\"attempt\":1,\"activity_id\":\"1\"," \
	"\"activity_type\":\"" type "\",\"complete_time\":{\"seconds\":" \
	"1767225600,\"nanos\":5000},\"backoff\":null," \
	"\"original_schedule_time\":{\"seconds\":1767225600,\"nanos\":0}}"
#define GO_DATA(type) "{\"ActivityID\":\"1\",\"ActivityType\":\"" type \
	"\",\"ReplayTime\":\"2026-01-01T00:00:00Z\",\"Attempt\":1," \
	"\"Backoff\":0}"

struct mk {
	Temporal__Api__Command__V1__RecordMarkerCommandAttributes a;
	Temporal__Api__Command__V1__RecordMarkerCommandAttributes__DetailsEntry e,
	    *ep;
	Temporal__Api__Common__V1__Payloads ps;
	payload_t p, *pp;
	meta_t m, *mp;
	Temporal__Api__Command__V1__Command c;
};

static void
marker(struct mk *k, const char *name, const char *json)
{
	temporal__api__command__v1__record_marker_command_attributes__init(
	    &k->a);
	temporal__api__command__v1__record_marker_command_attributes__details_entry__init(
	    &k->e);
	temporal__api__common__v1__payloads__init(&k->ps);
	temporal__api__common__v1__payload__init(&k->p);
	temporal__api__common__v1__payload__metadata_entry__init(&k->m);
	temporal__api__command__v1__command__init(&k->c);
	k->m.key = (char *)(uintptr_t)"encoding";
	k->m.value.data = (uint8_t *)(uintptr_t)"json/plain";
	k->m.value.len = 10;
	k->mp = &k->m;
	k->p.n_metadata = 1;
	k->p.metadata = &k->mp;
	k->p.data.data = (uint8_t *)(uintptr_t)json;
	k->p.data.len = strlen(json);
	k->pp = &k->p;
	k->ps.n_payloads = 1;
	k->ps.payloads = &k->pp;
	k->e.key = (char *)(uintptr_t)"data";
	k->e.value = &k->ps;
	k->ep = &k->e;
	k->a.marker_name = (char *)(uintptr_t)name;
	k->a.n_details = 1;
	k->a.details = &k->ep;
	k->c.command_type =
	    TEMPORAL__API__ENUMS__V1__COMMAND_TYPE__COMMAND_TYPE_RECORD_MARKER;
	k->c.attributes_case =
	    TEMPORAL__API__COMMAND__V1__COMMAND__ATTRIBUTES_RECORD_MARKER_COMMAND_ATTRIBUTES;
	k->c.record_marker_command_attributes = &k->a;
}

static void
requests(void)
{
	Temporal__Api__Workflowservice__V1__RespondWorkflowTaskCompletedRequest r;
	Temporal__Api__Workflowservice__V1__PollActivityTaskQueueRequest pr;
	Temporal__Api__Workflowservice__V1__RespondActivityTaskCompletedRequest cr;
	Temporal__Api__Workflowservice__V1__StartWorkflowExecutionRequest sr;
	Temporal__Api__Workflowservice__V1__SignalWithStartWorkflowExecutionRequest swr;
	Temporal__Api__Command__V1__ScheduleActivityTaskCommandAttributes sa;
	Temporal__Api__Command__V1__Command sc, *cp[5];
	Temporal__Api__Taskqueue__V1__TaskQueue tq;
	Temporal__Api__Common__V1__WorkflowType wt;
	Temporal__Api__Common__V1__ActivityType at;
	struct mk m[4];
	struct tk k;

	marker(&m[0], "core_local_activity", CORE_DATA("greet"));
	marker(&m[1], "core_local_activity", CORE_DATA("delete_all"));
	marker(&m[2], "LocalActivity", GO_DATA("greet"));
	marker(&m[3], "core_patch", "{\"id\":\"p\"}");
	temporal__api__command__v1__schedule_activity_task_command_attributes__init(
	    &sa);
	temporal__api__command__v1__command__init(&sc);
	temporal__api__common__v1__activity_type__init(&at);
	temporal__api__taskqueue__v1__task_queue__init(&tq);
	at.name = (char *)(uintptr_t)"read_file";
	tq.name = (char *)(uintptr_t)"guarded";
	sa.activity_id = (char *)(uintptr_t)"1";
	sa.activity_type = &at;
	sa.task_queue = &tq;
	sa.request_eager_execution = 1;
	sc.command_type =
	    TEMPORAL__API__ENUMS__V1__COMMAND_TYPE__COMMAND_TYPE_SCHEDULE_ACTIVITY_TASK;
	sc.attributes_case =
	    TEMPORAL__API__COMMAND__V1__COMMAND__ATTRIBUTES_SCHEDULE_ACTIVITY_TASK_COMMAND_ATTRIBUTES;
	sc.schedule_activity_task_command_attributes = &sa;
	for (int i = 0; i < 4; i++)
		cp[i] = &m[i].c;
	cp[4] = &sc;
	temporal__api__workflowservice__v1__respond_workflow_task_completed_request__init(
	    &r);
	r.task_token.data = (uint8_t *)(uintptr_t)"wft";
	r.task_token.len = 3;
	r.namespace_ = (char *)(uintptr_t)"default";
	r.commands = cp;
	r.n_commands = 5;
	put("wftc-req-all", 0x02, &r.base);
	put("wftc-req-all-gz", 0x0a, &r.base);
	put("wftc-req-all-audit", 0x12, &r.base);
	put("wftc-scope", 0x04, &r.base);
	r.commands = &cp[0];
	r.n_commands = 1;
	put("wftc-req-core-allowed", 0x02, &r.base);
	r.commands = &cp[2];
	put("wftc-req-go-allowed", 0x02, &r.base);
	r.commands = &cp[1];
	put("wftc-req-core-denied", 0x02, &r.base);

	temporal__api__workflowservice__v1__poll_activity_task_queue_request__init(
	    &pr);
	pr.namespace_ = (char *)(uintptr_t)"default";
	pr.task_queue = &tq;
	pr.identity = (char *)(uintptr_t)"worker@host";
	put("poll-req", 0x03, &pr.base);
	put("poll-req-gz", 0x0b, &pr.base);

	temporal__api__workflowservice__v1__respond_activity_task_completed_request__init(
	    &cr);
	cr.task_token.data = (uint8_t *)(uintptr_t)"frontend-token-1";
	cr.task_token.len = 16;
	cr.namespace_ = (char *)(uintptr_t)"default";
	put("token-req", 0x05, &cr.base);
	put("token-req-audit", 0x15, &cr.base);

	task(&k, "read_file", "start_workflow", "\"/data/x\"", F_WARRANT);
	temporal__api__workflowservice__v1__start_workflow_execution_request__init(
	    &sr);
	temporal__api__common__v1__workflow_type__init(&wt);
	wt.name = (char *)(uintptr_t)"Flow";
	sr.namespace_ = (char *)(uintptr_t)"default";
	sr.workflow_id = (char *)(uintptr_t)"wf-1";
	sr.workflow_type = &wt;
	sr.task_queue = &tq;
	put("start-none", 0x26, &sr.base);
	sr.header = &k.h.h;
	put("start-warrant", 0x26, &sr.base);
	put("start-warrant-gz", 0x2e, &sr.base);
	temporal__api__workflowservice__v1__signal_with_start_workflow_execution_request__init(
	    &swr);
	swr.namespace_ = (char *)(uintptr_t)"default";
	swr.workflow_id = (char *)(uintptr_t)"wf-1";
	swr.workflow_type = &wt;
	swr.task_queue = &tq;
	swr.signal_name = (char *)(uintptr_t)"go";
	swr.header = &k.h.h;
	put("sws-warrant", 0x27, &swr.base);
	task_free(&k);
}

int
main(int argc, char **argv)
{
	uint8_t seed[32];

	if (argc != 2) {
		fprintf(stderr, "usage: gen_pb DIR\n");
		return 2;
	}
	outdir = argv[1];
	now = (int64_t)time(NULL);
	if (tn_crypto_init() != 0)
		die("tn_crypto_init");
	memset(seed, 1, sizeof(seed));
	if (tn_ed25519_keypair_from_seed(seed, root_pk, root_sk) != 0)
		die("root key");
	memset(seed, 2, sizeof(seed));
	if (tn_ed25519_keypair_from_seed(seed, holder_pk, holder_sk) != 0)
		die("holder key");
	responses();
	requests();
	return 0;
}
