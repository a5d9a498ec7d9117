/*
 * intercept.c: decisions on intercepted messages (see intercept.h).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "tn_codec.h"
#include "tn_crypto.h"
#include "tn_temporal_methods.h"

#include "audit.h"
#include "authz.h"
#include "chaincache.h"
#include "config.h"
#include "dedup.h"
#include "intercept.h"
#include "log.h"
#include "metrics.h"
#include "tasktoken.h"

typedef Temporal__Api__Workflowservice__V1__RespondWorkflowTaskCompletedResponse
    ic_wftc_resp_t;

#define IC_DESC_POLL_REQ \
	temporal__api__workflowservice__v1__poll_activity_task_queue_request__descriptor
#define IC_DESC_WFTC_REQ \
	temporal__api__workflowservice__v1__respond_workflow_task_completed_request__descriptor
#define IC_DESC_TASK \
	temporal__api__workflowservice__v1__poll_activity_task_queue_response__descriptor
#define IC_DESC_WFTC_RESP \
	temporal__api__workflowservice__v1__respond_workflow_task_completed_response__descriptor

struct ic_state {
	struct config		*cf;
	struct chaincache	*cache;
	struct dedup		*dedup;
	size_t			 cache_size;
	size_t			 dedup_cap;
	int64_t			 dedup_ttl;
	struct tasktoken_keys	 keys;
	char			 identity[IC_IDENTITY_MAX];
};

static struct ic_state	ic;

/* ------------------------------------------------------------ setup */

enum ic_kind
ic_classify(const char *path)
{
	static const struct {
		const char	*path;
		enum ic_kind	 kind;
	} m[] = {
		{ TN_M_POLL_ACTIVITY_TASK_QUEUE, IC_POLL },
		{ TN_M_RESPOND_WORKFLOW_TASK_COMPLETED, IC_WFT_COMPLETED },
		{ TN_M_RESPOND_ACTIVITY_TASK_COMPLETED, IC_TOKEN },
		{ TN_M_RESPOND_ACTIVITY_TASK_FAILED, IC_TOKEN },
		{ TN_M_RESPOND_ACTIVITY_TASK_CANCELED, IC_TOKEN },
		{ TN_M_RECORD_ACTIVITY_TASK_HEARTBEAT, IC_TOKEN },
		{ TN_M_RESPOND_ACTIVITY_TASK_COMPLETED_BY_ID, IC_BY_ID },
		{ TN_M_RESPOND_ACTIVITY_TASK_FAILED_BY_ID, IC_BY_ID },
		{ TN_M_RESPOND_ACTIVITY_TASK_CANCELED_BY_ID, IC_BY_ID },
		{ TN_M_RECORD_ACTIVITY_TASK_HEARTBEAT_BY_ID, IC_BY_ID },
	};
	size_t	i;

	if (path == NULL)
		return IC_NONE;
	for (i = 0; i < sizeof(m) / sizeof(m[0]); i++)
		if (strcmp(path, m[i].path) == 0)
			return m[i].kind;
	return IC_NONE;
}

static void
ic_set_identity(void)
{
	char	host[256];

	if (gethostname(host, sizeof(host)) == -1)
		(void)snprintf(host, sizeof(host), "unknown");
	host[sizeof(host) - 1] = '\0';
	(void)snprintf(ic.identity, sizeof(ic.identity), "tenuo-sidecar@%s",
	    host);
}

/* (Re)creates the cache and the replay table when their sizes change. */
static void
ic_tables(const struct config *cf)
{
	if (ic.cache == NULL || ic.cache_size != cf->chain_cache_size) {
		chaincache_free(ic.cache);
		if ((ic.cache = chaincache_new(cf->chain_cache_size)) == NULL)
			fatalx("chaincache_new(%zu)", cf->chain_cache_size);
		ic.cache_size = cf->chain_cache_size;
	}
	if (ic.dedup == NULL || ic.dedup_cap != cf->dedup_capacity ||
	    ic.dedup_ttl != (int64_t)cf->dedup_ttl_ms) {
		dedup_free(ic.dedup);
		ic.dedup = dedup_new(cf->dedup_capacity,
		    (int64_t)cf->dedup_ttl_ms);
		if (ic.dedup == NULL)
			fatalx("dedup_new(%zu)", cf->dedup_capacity);
		ic.dedup_cap = cf->dedup_capacity;
		ic.dedup_ttl = (int64_t)cf->dedup_ttl_ms;
	}
}

void
intercept_configure(struct config *cf)
{
	if (ic.identity[0] == '\0') {
		if (tn_crypto_init() != 0)
			fatalx("libsodium initialisation failed");
		ic_set_identity();
	}
	ic_tables(cf);
	tasktoken_keys_init(&ic.keys, cf->tt_cur, cf->tt_has_prev ?
	    cf->tt_prev : NULL);
	if (cf->tt_ephemeral)
		log_warnx("no task_token_key_file and no %s: task tokens are "
		    "bound with a key that dies with the process",
		    CONFIG_TASK_TOKEN_KEY_DIR);
	config_ref(cf);
	config_unref(ic.cf);
	ic.cf = cf;
}

void
intercept_shutdown(void)
{
	chaincache_free(ic.cache);
	dedup_free(ic.dedup);
	tasktoken_keys_wipe(&ic.keys);
	config_unref(ic.cf);
	memset(&ic, 0, sizeof(ic));
}

int
intercept_binding(void)
{
	return ic.cf != NULL && ic.cf->enforcement == CONFIG_ENFORCE;
}

const char *
ic_identity(void)
{
	return ic.identity;
}

static int64_t
ic_now_ms(void)
{
	struct timespec	ts;

	(void)clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static char *
ic_strdup(const char *s)
{
	char	*d;

	if (s == NULL)
		return NULL;
	if ((d = strdup(s)) == NULL)
		fatal("strdup");
	return d;
}

static void
ic_hex(const uint8_t *p, size_t n, char *out)
{
	static const char	digits[] = "0123456789abcdef";
	size_t			i;

	for (i = 0; i < n; i++) {
		out[2 * i] = digits[p[i] >> 4];
		out[2 * i + 1] = digits[p[i] & 15];
	}
	out[2 * n] = '\0';
}

/* ------------------------------------------------------------ audit */

static void
ic_audit_result(const struct authz_result *r, const char *method,
    const char *peer, const char *delivery)
{
	struct audit_decision	d;
	char			root[65], holder[65], sha[65];
	char			*b64 = NULL;

	memset(&d, 0, sizeof(d));
	d.event = "activity_task";
	d.decision = authz_decision_name(r->decision);
	d.code = authz_code_name(r->code);
	d.reason = r->reason[0] != '\0' ? r->reason : NULL;
	d.method = method;
	d.ns = r->ns;
	d.task_queue = r->task_queue;
	d.workflow_id = r->workflow_id;
	d.run_id = r->run_id;
	d.activity_id = r->activity_id;
	d.activity_type = r->activity_type;
	d.tool = r->tool;
	d.attempt = r->attempt;
	d.warrant_id = r->warrant_id;
	d.chain_depth = r->has_chain ? (int64_t)r->chain_depth : -1;
	if (r->has_chain) {
		ic_hex(r->root, sizeof(r->root), root);
		ic_hex(r->holder, sizeof(r->holder), holder);
		d.root = root;
		d.holder = holder;
	}
	if (r->has_args) {
		ic_hex(r->args_sha256, sizeof(r->args_sha256), sha);
		d.args_names = r->arg_names;
		d.args_sha256 = sha;
		if (!r->redact_args && r->args_cbor != NULL &&
		    tn_b64_encode(r->args_cbor, r->args_cbor_len,
		    TN_B64_STD | TN_B64_PAD, &b64, NULL, NULL) == 0)
			d.args_cbor_b64 = b64;
	}
	d.latency_us = (int64_t)r->latency_us;
	d.peer = peer;
	d.delivery = delivery;
	audit_event_decision(&d);
	free(b64);
	metrics_decision(d.decision, r->decision == AUTHZ_ALLOW ? "" : d.code,
	    r->latency_us);
}

/* A refused (or, audit-only, noted) answer to a task. */
static void
ic_audit_response(const char *path, const char *decision, const char *code,
    const char *reason, const char *ns, const char *peer)
{
	struct audit_decision	d;

	memset(&d, 0, sizeof(d));
	d.event = "task_response";
	d.decision = decision;
	d.code = code;
	d.reason = reason;
	d.method = path;
	d.ns = ns;
	d.attempt = d.chain_depth = d.latency_us = -1;
	d.peer = peer;
	audit_event_decision(&d);
	metrics_decision(decision, code, 0);
}

void
ic_audit_lost(const char *what, const char *ns, const char *peer,
    const char *why)
{
	struct audit_decision	d;

	memset(&d, 0, sizeof(d));
	d.event = "task_lost";
	d.reason = why;
	d.ns = ns;
	d.activity_type = what;
	d.attempt = d.chain_depth = d.latency_us = -1;
	d.peer = peer;
	audit_event_decision(&d);
	log_warnx("%s: task lost: %s: %s", peer != NULL ? peer : "-",
	    what != NULL ? what : "?", why);
}

/* ------------------------------------------------------- plain bytes */

/* The message's plain bytes (inflated); 0 or -1 with why. */
static int
ic_plain(const struct gf_msg *m, const char *enc, size_t max, uint8_t **p,
    size_t *n, char *why, size_t whylen)
{
	*p = NULL;
	*n = 0;
	if (m->len == 0)
		return 0;
	return gf_msg_plain(m, enc, max, p, n, why, whylen);
}

int
ic_request_scope(enum ic_kind kind, const struct gf_msg *m,
    const char *enc, size_t max, char **ns, char **tq)
{
	const ProtobufCMessageDescriptor	*desc;
	ProtobufCMessage			*msg;
	uint8_t					*p;
	size_t					 n;
	char					 why[IC_REASON_MAX];

	*ns = *tq = NULL;
	desc = kind == IC_POLL ? &IC_DESC_POLL_REQ : &IC_DESC_WFTC_REQ;
	if (ic_plain(m, enc, max, &p, &n, why, sizeof(why)) == -1)
		return -1;
	if (authz_pb_strings_check(desc, p, n) == -1 ||
	    (msg = protobuf_c_message_unpack(desc, NULL, n, p)) == NULL) {
		free(p);
		return -1;
	}
	free(p);
	if (kind == IC_POLL) {
		Temporal__Api__Workflowservice__V1__PollActivityTaskQueueRequest
		    *r = (void *)msg;

		*ns = ic_strdup(r->namespace_);
		if (r->task_queue != NULL)
			*tq = ic_strdup(r->task_queue->name);
	} else {
		Temporal__Api__Workflowservice__V1__RespondWorkflowTaskCompletedRequest
		    *r = (void *)msg;

		*ns = ic_strdup(r->namespace_);
	}
	protobuf_c_message_free_unpacked(msg, NULL);
	return 0;
}

/* --------------------------------------------------- token requests */

/* Reads a varint at p[*off..n); 0 or -1. */
static int
ic_varint(const uint8_t *p, size_t n, size_t *off, uint64_t *v)
{
	unsigned	shift;

	*v = 0;
	for (shift = 0; shift < 64 && *off < n; shift += 7) {
		*v |= (uint64_t)(p[*off] & 0x7f) << shift;
		if ((p[(*off)++] & 0x80) == 0)
			return 0;
	}
	return -1;
}

static size_t
ic_varint_put(uint8_t *out, uint64_t v)
{
	size_t	n = 0;

	while (v >= 0x80) {
		out[n++] = (uint8_t)(v | 0x80);
		v >>= 7;
	}
	out[n++] = (uint8_t)v;
	return n;
}

/*
 * Finds the single top-level field 1 (length-delimited: task_token) of
 * p[0..n): *start..*end is the whole field (key, length, value) and
 * *val and *vlen its value.  -1 when absent, repeated or malformed.
 */
static int
ic_find_token(const uint8_t *p, size_t n, size_t *start, size_t *end,
    const uint8_t **val, size_t *vlen)
{
	size_t		off = 0, at, found = 0;
	uint64_t	key, len;

	while (off < n) {
		at = off;
		if (ic_varint(p, n, &off, &key) == -1)
			return -1;
		switch (key & 7) {
		case 0:
			if (ic_varint(p, n, &off, &len) == -1)
				return -1;
			break;
		case 1:
		case 5:
			if ((key & 7) == 1 ? n - off < 8 : n - off < 4)
				return -1;
			off += (key & 7) == 1 ? 8 : 4;
			break;
		case 2:
			if (ic_varint(p, n, &off, &len) == -1 || len > n - off)
				return -1;
			if (key >> 3 == 1) {
				if (found++)
					return -1;
				*start = at;
				*val = p + off;
				*vlen = (size_t)len;
				*end = off + (size_t)len;
			}
			off += (size_t)len;
			break;
		default:
			return -1;
		}
		if (key >> 3 == 0 || (key >> 3 == 1 && (key & 7) != 2))
			return -1;
	}
	return found == 1 ? 0 : -1;
}

/* p with its token field replaced by one holding tok; framed. */
static int
ic_replace_token(const uint8_t *p, size_t n, size_t start, size_t end,
    const uint8_t *tok, size_t toklen, const char *enc, uint8_t **framed,
    size_t *flen)
{
	uint8_t	*q, hdr[11];
	size_t	 h, qn;
	char	 why[IC_REASON_MAX];
	int	 rv;

	hdr[0] = 0x0a;		/* field 1, length-delimited */
	h = 1 + ic_varint_put(hdr + 1, toklen);
	qn = start + h + toklen + (n - end);
	if ((q = malloc(qn > 0 ? qn : 1)) == NULL)
		return -1;
	memcpy(q, p, start);
	memcpy(q + start, hdr, h);
	memcpy(q + start + h, tok, toklen);
	memcpy(q + start + h + toklen, p + end, n - end);
	rv = gf_msg_frame(q, qn, enc, framed, flen, why, sizeof(why));
	free(q);
	return rv;
}

static void
ic_deny_req(struct ic_req_out *out, const char *path, const char *code,
    const char *msg, const char *peer)
{
	out->action = IC_REQ_DENY;
	(void)snprintf(out->message, sizeof(out->message), "tenuo-sidecar: "
	    "%s", msg);
	ic_audit_response(path, "deny", code, msg, NULL, peer);
}

void
ic_token_request(enum ic_kind kind, const char *path, const struct gf_msg *m,
    const char *enc, size_t max, const char *peer, struct ic_req_out *out)
{
	const uint8_t	*wtok, *tok;
	uint8_t		*p = NULL;
	size_t		 n, start, end, wlen, toklen;
	char		 why[IC_REASON_MAX];

	memset(out, 0, sizeof(*out));
	if (kind == IC_BY_ID) {
		if (ic.cf != NULL && ic.cf->allow_by_id)
			return;
		ic_deny_req(out, path, "by_id_refused", "answers by workflow "
		    "and activity id are not accepted (allow_by_id = off)",
		    peer);
		return;
	}
	if (m == NULL || ic_plain(m, enc, max, &p, &n, why, sizeof(why)) ==
	    -1 || ic_find_token(p, n, &start, &end, &wtok, &wlen) == -1) {
		ic_deny_req(out, path, "request_malformed", "the request "
		    "cannot be read (one task_token expected)", peer);
		free(p);
		return;
	}
	if (tasktoken_unwrap(&ic.keys, wtok, wlen, &tok, &toklen, NULL) ==
	    -1) {
		if (intercept_binding())
			ic_deny_req(out, path, "token_unknown", "task token "
			    "not issued by this sidecar", peer);
		else
			ic_audit_response(path, "would_deny", "token_unknown",
			    "task token not issued by this sidecar", NULL,
			    peer);
		free(p);
		return;
	}
	if (ic_replace_token(p, n, start, end, tok, toklen, enc, &out->framed,
	    &out->framed_len) == -1)
		ic_deny_req(out, path, "internal", "cannot re-encode the "
		    "request", peer);
	else
		out->action = IC_REQ_REPLACE;
	free(p);
}

void
ic_req_out_free(struct ic_req_out *out)
{
	free(out->framed);
	out->framed = NULL;
}

/* --------------------------------------------------------- responses */

static char *
ic_describe(const authz_task_t *t)
{
	char	buf[512];

	(void)snprintf(buf, sizeof(buf), "workflow %s run %s activity %s "
	    "(%s)", t->workflow_execution != NULL ?
	    t->workflow_execution->workflow_id : "?",
	    t->workflow_execution != NULL ? t->workflow_execution->run_id :
	    "?", t->activity_id, t->activity_type != NULL ?
	    t->activity_type->name : "?");
	return ic_strdup(buf);
}

void
ic_upcall_free(struct ic_upcall *u)
{
	free(u->body);
	free(u->what);
	memset(u, 0, sizeof(*u));
}

void
ic_resp_out_free(struct ic_resp_out *out)
{
	size_t	i;

	for (i = 0; i < out->ndeny; i++)
		ic_upcall_free(&out->deny[i]);
	for (i = 0; i < out->nundelivered; i++)
		ic_upcall_free(&out->undelivered[i]);
	free(out->framed);
	memset(out, 0, sizeof(*out));
}

/* The response every intercepted kind has for "nothing": no bytes. */
static void
ic_resp_empty(struct ic_resp_out *out)
{
	free(out->framed);
	out->action = IC_RESP_REPLACE;
	if ((out->framed = calloc(1, GF_PREFIX_LEN)) == NULL)
		fatal("calloc");
	out->framed_len = GF_PREFIX_LEN;
}

static void
ic_lost(const char *why, const char *ns, const char *peer)
{
	ic_audit_lost("undecodable task message", ns, peer, why);
}

struct ic_task_ctx {
	const char	*method;
	const char	*ns;
	const char	*tq;
	const char	*peer;
	int		 wire_ok;
	int64_t		 now_ms;
	int		 changed;	/* the message must be re-encoded */
};

/*
 * Decides one task; a denial's failure goes to out->deny.  Returns 1 when
 * the task is to be delivered (then stripped and its token wrapped), 0
 * when it is not.
 */
static int
ic_task(struct ic_task_ctx *c, authz_task_t *t, struct ic_resp_out *out)
{
	struct authz_trust	trust;
	struct authz_ctx	ctx;
	struct authz_input	in;
	struct authz_result	r;
	struct ic_upcall	*u;
	uint8_t			*w;
	size_t			 wlen;
	const char		*delivery = "delivered";
	int			 deliver = 1;

	memset(&trust, 0, sizeof(trust));
	trust.roots = (const uint8_t (*)[AUTHZ_KEY_LEN])ic.cf->roots;
	trust.nroots = ic.cf->nroots;
	trust.srl = ic.cf->srl;
	trust.generation = ic.cf->generation;
	ctx.policies = ic.cf->authz;
	ctx.trust = &trust;
	ctx.cache = ic.cache;
	ctx.dedup = ic.dedup;
	in.task = t;
	in.ns = c->ns;
	in.task_queue = c->tq;
	in.now_ms = c->now_ms;
	in.wire_ok = c->wire_ok;
	authz_decide(&ctx, &in, &r);
	if (r.decision == AUTHZ_DENY) {
		deliver = 0;
		delivery = "failed_upstream";
		c->changed = 1;
		if (out->ndeny == IC_UPCALL_MAX) {
			delivery = "lost";
		} else {
			u = &out->deny[out->ndeny];
			if (authz_build_denial(t, &r, c->ns, ic.identity,
			    &u->body, &u->len) == -1)
				fatal("authz_build_denial");
			u->what = ic_describe(t);
			out->ndeny++;
		}
	}
	ic_audit_result(&r, c->method, c->peer, delivery);
	if (deliver && r.strip_tenuo_headers &&
	    authz_strip_tenuo_headers(t) > 0)
		c->changed = 1;
	authz_result_free(&r);
	if (!deliver)
		return 0;
	if (out->nundelivered < IC_UPCALL_MAX) {
		u = &out->undelivered[out->nundelivered];
		if (authz_build_undelivered(t, c->ns, ic.identity, "the "
		    "worker's stream ended before the task was delivered",
		    &u->body, &u->len) == -1)
			fatal("authz_build_undelivered");
		u->what = ic_describe(t);
		out->nundelivered++;
	}
	if (!intercept_binding())
		return 1;
	if (tasktoken_wrap(&ic.keys, t->task_token.data, t->task_token.len,
	    &w, &wlen) == -1)
		fatalx("tasktoken_wrap: token of %zu bytes",
		    t->task_token.len);
	free(t->task_token.data);	/* default allocator: unpack(NULL) */
	t->task_token.data = w;
	t->task_token.len = wlen;
	c->changed = 1;
	return 1;
}

/* Packs and frames m into out (replacing what is there). */
static void
ic_resp_pack(const ProtobufCMessage *m, const char *enc,
    struct ic_resp_out *out, const char *ns, const char *peer)
{
	uint8_t	*p;
	size_t	 n;
	char	 why[IC_REASON_MAX];

	if (authz_pb_pack(m, &p, &n) == -1)
		fatal("authz_pb_pack");
	free(out->framed);
	out->framed = NULL;
	if (gf_msg_frame(p, n, enc, &out->framed, &out->framed_len, why,
	    sizeof(why)) == -1) {
		ic_lost(why, ns, peer);
		ic_resp_empty(out);
	} else
		out->action = IC_RESP_REPLACE;
	free(p);
}

static void
ic_poll_response(struct ic_task_ctx *c, const uint8_t *p, size_t n,
    const char *enc, struct ic_resp_out *out)
{
	authz_task_t	*t;

	t = (authz_task_t *)protobuf_c_message_unpack(&IC_DESC_TASK, NULL, n,
	    p);
	if (t == NULL) {
		ic_lost("the task does not decode", c->ns, c->peer);
		ic_resp_empty(out);
		return;
	}
	if (t->task_token.len == 0) {	/* an empty poll: nothing to do */
		protobuf_c_message_free_unpacked(&t->base, NULL);
		return;
	}
	if (ic_task(c, t, out) == 0)
		ic_resp_empty(out);
	else if (c->changed)
		ic_resp_pack(&t->base, enc, out, c->ns, c->peer);
	protobuf_c_message_free_unpacked(&t->base, NULL);
}

static void
ic_wftc_response(struct ic_task_ctx *c, const uint8_t *p, size_t n,
    const char *enc, struct ic_resp_out *out)
{
	ic_wftc_resp_t	*r;
	size_t		 i, kept = 0;

	r = (ic_wftc_resp_t *)protobuf_c_message_unpack(&IC_DESC_WFTC_RESP,
	    NULL, n, p);
	if (r == NULL) {
		ic_lost("the workflow task response does not decode", c->ns,
		    c->peer);
		ic_resp_empty(out);
		return;
	}
	for (i = 0; i < r->n_activity_tasks; i++) {
		if (ic_task(c, r->activity_tasks[i], out))
			r->activity_tasks[kept++] = r->activity_tasks[i];
		else
			protobuf_c_message_free_unpacked(
			    &r->activity_tasks[i]->base, NULL);
	}
	r->n_activity_tasks = kept;
	if (c->changed)
		ic_resp_pack(&r->base, enc, out, c->ns, c->peer);
	protobuf_c_message_free_unpacked(&r->base, NULL);
}

void
ic_response(enum ic_kind kind, const struct gf_msg *m, const char *enc,
    size_t max, const char *ns, const char *tq, const char *peer,
    struct ic_resp_out *out)
{
	struct ic_task_ctx	 c;
	const ProtobufCMessageDescriptor *desc;
	uint8_t			*p;
	size_t			 n;
	char			 why[IC_REASON_MAX];

	memset(out, 0, sizeof(*out));
	if (ic.cf == NULL) {
		ic_lost("no configuration", ns, peer);
		ic_resp_empty(out);
		return;
	}
	if (ic_plain(m, enc, max, &p, &n, why, sizeof(why)) == -1) {
		ic_lost(why, ns, peer);
		ic_resp_empty(out);
		return;
	}
	desc = kind == IC_POLL ? &IC_DESC_TASK : &IC_DESC_WFTC_RESP;
	memset(&c, 0, sizeof(c));
	c.method = kind == IC_POLL ? "PollActivityTaskQueue" :
	    "RespondWorkflowTaskCompleted";
	c.ns = ns;
	c.tq = tq;
	c.peer = peer;
	c.now_ms = ic_now_ms();
	c.wire_ok = authz_pb_strings_check(desc, p, n) == 0;
	if (kind == IC_POLL)
		ic_poll_response(&c, p, n, enc, out);
	else
		ic_wftc_response(&c, p, n, enc, out);
	free(p);
}
