/*
 * intercept.c: decisions on intercepted messages (see intercept.h).
 */
#include <stddef.h>
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
#include "lamarker.h"
#include "log.h"
#include "metrics.h"
#include "tasktoken.h"

typedef Temporal__Api__Workflowservice__V1__RespondWorkflowTaskCompletedResponse
    ic_wftc_resp_t;
typedef Temporal__Api__Workflowservice__V1__RespondWorkflowTaskCompletedRequest
    ic_wftc_req_t;
typedef Temporal__Api__Workflowservice__V1__StartWorkflowExecutionRequest
    ic_start_req_t;
typedef Temporal__Api__Workflowservice__V1__SignalWithStartWorkflowExecutionRequest
    ic_sws_req_t;

#define IC_DESC_POLL_REQ \
	temporal__api__workflowservice__v1__poll_activity_task_queue_request__descriptor
#define IC_DESC_WFTC_REQ \
	temporal__api__workflowservice__v1__respond_workflow_task_completed_request__descriptor
#define IC_DESC_TASK \
	temporal__api__workflowservice__v1__poll_activity_task_queue_response__descriptor
#define IC_DESC_WFTC_RESP \
	temporal__api__workflowservice__v1__respond_workflow_task_completed_response__descriptor
#define IC_DESC_START_REQ \
	temporal__api__workflowservice__v1__start_workflow_execution_request__descriptor
#define IC_DESC_SWS_REQ \
	temporal__api__workflowservice__v1__signal_with_start_workflow_execution_request__descriptor

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

#define IC_EDIT_MAX	2	/* fields a poll's bytes get edited in */

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
		{ TN_M_START_WORKFLOW_EXECUTION, IC_START },
		{ TN_M_SIGNAL_WITH_START_WORKFLOW_EXECUTION, IC_START },
		{ IC_M_EXECUTE_MULTI_OPERATION, IC_MULTI_OP },
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

int
intercept_holds(enum ic_kind kind)
{
	switch (kind) {
	case IC_TOKEN:
		return 1;
	case IC_WFT_COMPLETED:
		return ic.cf != NULL && ic.cf->block_local_activities;
	case IC_START:
		return ic.cf != NULL &&
		    authz_policies_start_checked(ic.cf->authz);
	default:
		return 0;
	}
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
ic_audit_result(const struct authz_result *r, const char *event,
    const char *method, const char *peer, const char *delivery)
{
	struct audit_decision	d;
	char			root[65], holder[65], sha[65];
	char			*b64 = NULL;

	memset(&d, 0, sizeof(d));
	d.event = event;
	d.workflow_type = r->workflow_type;
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

/* One task event (task_lost, task_undelivered) into the audit log. */
static void
ic_audit_task(const char *event, const char *what, const char *ns,
    const char *peer, const char *why, const char *delivery)
{
	struct audit_decision	d;

	memset(&d, 0, sizeof(d));
	d.event = event;
	d.reason = why;
	d.ns = ns;
	d.activity_type = what;
	d.attempt = d.chain_depth = d.latency_us = -1;
	d.peer = peer;
	d.delivery = delivery;
	audit_event_decision(&d);
}

void
ic_audit_lost(const char *what, const char *ns, const char *peer,
    const char *why)
{
	ic_audit_task("task_lost", what, ns, peer, why, NULL);
	metrics.tasks_lost++;
	log_warnx("%s: task lost: %s: %s", peer != NULL ? peer : "-",
	    what != NULL ? what : "?", why);
}

void
ic_audit_undelivered(const char *what, const char *ns, const char *peer,
    const char *why)
{
	ic_audit_task("task_undelivered", what, ns, peer, why,
	    "failed upstream (retryable)");
	metrics.tasks_failed_undelivered++;
	log_info("%s: %s: %s; failing it upstream (retryable)",
	    peer != NULL ? peer : "-", what != NULL ? what : "?", why);
}

/* ------------------------------------------------------- plain bytes */

/*
 * The message's plain bytes: m's own when uncompressed (borrowed), else
 * inflated into *owned (caller frees); 0 or -1 with why.
 */
static int
ic_plain(const struct gf_msg *m, const char *enc, size_t max,
    const uint8_t **p, size_t *n, uint8_t **owned, char *why, size_t whylen)
{
	*p = NULL;
	*n = 0;
	*owned = NULL;
	if (m->len == 0)
		return 0;
	return gf_msg_view(m, enc, max, p, n, owned, why, whylen);
}

/* m decoded as desc, its strings checked; 0 or -1. */
static int
ic_unpack(const ProtobufCMessageDescriptor *desc, const struct gf_msg *m,
    const char *enc, size_t max, ProtobufCMessage **out)
{
	const uint8_t	*p;
	uint8_t		*owned;
	size_t		 n;
	char		 why[IC_REASON_MAX];

	*out = NULL;
	if (m == NULL || ic_plain(m, enc, max, &p, &n, &owned, why,
	    sizeof(why)) == -1)
		return -1;
	if (authz_pb_strings_check(desc, p, n) == 0)
		*out = protobuf_c_message_unpack(desc, NULL, n, p);
	free(owned);
	return *out != NULL ? 0 : -1;
}

int
ic_request_scope(enum ic_kind kind, const struct gf_msg *m,
    const char *enc, size_t max, char **ns, char **tq)
{
	ProtobufCMessage	*msg;

	*ns = *tq = NULL;
	if (ic_unpack(kind == IC_POLL ? &IC_DESC_POLL_REQ : &IC_DESC_WFTC_REQ,
	    m, enc, max, &msg) == -1)
		return -1;
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

/* The stream's messages go out as they are (no gzip to apply). */
static int
ic_identity_enc(const char *enc)
{
	return enc == NULL || strcmp(enc, "gzip") != 0;
}

/* ------------------------------------------- editing on the wire */

/* One top-level field: p[start..end) whole (key, length, value). */
struct ic_field {
	size_t		start, end;
	uint64_t	num;
};

/*
 * The next top-level field of p[0..n) from *off: 1, 0 at the end, -1 when
 * malformed or a group (protobuf-c refuses those too).
 */
static int
ic_field_next(const uint8_t *p, size_t n, size_t *off, struct ic_field *f)
{
	uint64_t	key, len;

	if (*off >= n)
		return 0;
	f->start = *off;
	if (ic_varint(p, n, off, &key) == -1 || key >> 3 == 0)
		return -1;
	f->num = key >> 3;
	switch (key & 7) {
	case 0:
		if (ic_varint(p, n, off, &len) == -1)
			return -1;
		break;
	case 1:
	case 5:
		len = (key & 7) == 1 ? 8 : 4;
		if (n - *off < len)
			return -1;
		*off += (size_t)len;
		break;
	case 2:
		if (ic_varint(p, n, off, &len) == -1 || len > n - *off)
			return -1;
		*off += (size_t)len;
		break;
	default:
		return -1;
	}
	f->end = *off;
	return 1;
}

/*
 * What the poll's bytes look like at the top level: the one task_token
 * (1) and header (7) fields (counted: a repeated one is merged by
 * protobuf, so it is not edited in place), and the bytes of the fields
 * the decision reads (the known ones; unknown fields such as
 * heartbeat_details are not copied into the decoded task).
 */
struct ic_wire {
	struct ic_field	 tok, hdr;
	size_t		 ntok, nhdr;
	uint8_t		*known;		/* NULL: every field is known */
	size_t		 knownlen;
};

static int
ic_wire_scan(const uint8_t *p, size_t n, struct ic_wire *w)
{
	struct ic_field	f;
	size_t		off = 0, unknown = 0;
	int		rv;

	memset(w, 0, sizeof(*w));
	while ((rv = ic_field_next(p, n, &off, &f)) == 1) {
		if (f.num == 1 && w->ntok++ == 0)
			w->tok = f;
		if (f.num == 7 && w->nhdr++ == 0)
			w->hdr = f;
		if (f.num > UINT32_MAX ||
		    protobuf_c_message_descriptor_get_field(&IC_DESC_TASK,
		    (unsigned)f.num) == NULL)
			unknown += f.end - f.start;
	}
	if (rv == -1)
		return -1;
	if (unknown == 0)
		return 0;
	if ((w->known = malloc(n - unknown + 1)) == NULL)
		fatal("malloc");
	off = 0;
	while (ic_field_next(p, n, &off, &f) == 1)
		if (f.num <= UINT32_MAX &&
		    protobuf_c_message_descriptor_get_field(&IC_DESC_TASK,
		    (unsigned)f.num) != NULL) {
			memcpy(w->known + w->knownlen, p + f.start,
			    f.end - f.start);
			w->knownlen += f.end - f.start;
		}
	return 0;
}

/* Replace p[start..end) of the message with rep[0..replen). */
struct ic_edit {
	size_t		 start, end;
	uint8_t		*rep;		/* owned */
	size_t		 replen;
};

/* A length-delimited field: key, length, and the value packed from m. */
static void
ic_edit_field(struct ic_edit *e, const struct ic_field *f, unsigned num,
    const uint8_t *val, size_t vlen)
{
	uint8_t	hdr[16];
	size_t	h;

	h = ic_varint_put(hdr, (uint64_t)num << 3 | 2);
	h += ic_varint_put(hdr + h, vlen);
	e->start = f->start;
	e->end = f->end;
	e->replen = h + vlen;
	if ((e->rep = malloc(e->replen)) == NULL)
		fatal("malloc");
	memcpy(e->rep, hdr, h);
	if (vlen > 0)
		memcpy(e->rep + h, val, vlen);
}

/*
 * Moves the unchanged stretches of msg[0..len) to where they go once the
 * edits (sorted, disjoint) are applied, then writes the edits: in place,
 * msg having room for the new length.  A stretch moving left is moved
 * before those after it, one moving right after them, so none is
 * overwritten before it has moved.
 */
static void
ic_splice_in_place(uint8_t *msg, size_t len, const struct ic_edit *e,
    size_t ne)
{
	size_t		 src[IC_EDIT_MAX + 1], end[IC_EDIT_MAX + 1];
	ptrdiff_t	 shift[IC_EDIT_MAX + 1], d = 0;
	size_t		 i;

	for (i = 0; i <= ne; i++) {
		src[i] = i == 0 ? 0 : e[i - 1].end;
		end[i] = i == ne ? len : e[i].start;
		shift[i] = d;
		if (i < ne)
			d += (ptrdiff_t)e[i].replen -
			    (ptrdiff_t)(e[i].end - e[i].start);
	}
	for (i = 0; i <= ne; i++)
		if (shift[i] <= 0 && end[i] > src[i])
			memmove(msg + (ptrdiff_t)src[i] + shift[i],
			    msg + src[i], end[i] - src[i]);
	for (i = ne + 1; i-- > 0;)
		if (shift[i] > 0 && end[i] > src[i])
			memmove(msg + (ptrdiff_t)src[i] + shift[i],
			    msg + src[i], end[i] - src[i]);
	for (i = 0; i < ne; i++)
		memcpy(msg + (ptrdiff_t)e[i].start + shift[i], e[i].rep,
		    e[i].replen);
}

/*
 * The message m with the edits applied, framed (uncompressed) in *out.
 * A message from gf_reader_feed() is edited in its own block (grown when
 * the edits grow it), which *out takes over: m is emptied.  Otherwise
 * the result is a new block.  0, or -1 when too long to frame.
 */
static int
ic_splice(struct gf_msg *m, struct ic_edit *e, size_t ne, uint8_t **out,
    size_t *outlen)
{
	struct ic_edit	 t;
	uint8_t		*blk;
	size_t		 i, nlen = m->len;

	if (ne == 2 && e[1].start < e[0].start) {
		t = e[0];
		e[0] = e[1];
		e[1] = t;
	}
	for (i = 0; i < ne; i++)
		nlen = nlen - (e[i].end - e[i].start) + e[i].replen;
	if (nlen > UINT32_MAX)
		return -1;
	if (m->base != NULL) {
		blk = m->base;
		if (nlen > m->len &&
		    (blk = realloc(blk, GF_PREFIX_LEN + nlen)) == NULL)
			fatal("realloc");
		ic_splice_in_place(blk + GF_PREFIX_LEN, m->len, e, ne);
		memset(m, 0, sizeof(*m));
	} else {
		/* room for the old bytes too: they move in place */
		if ((blk = malloc(GF_PREFIX_LEN + (nlen > m->len ? nlen :
		    m->len))) == NULL)
			fatal("malloc");
		if (m->len > 0)
			memcpy(blk + GF_PREFIX_LEN, m->data, m->len);
		ic_splice_in_place(blk + GF_PREFIX_LEN, m->len, e, ne);
	}
	gf_prefix_encode(blk, 0, (uint32_t)nlen);
	*out = blk;
	*outlen = GF_PREFIX_LEN + nlen;
	return 0;
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
ic_multi_op_request(const char *path, const char *peer,
    struct ic_req_out *out)
{
	static const char msg[] = "ExecuteMultiOperation may start a "
	    "workflow the start check cannot read (a policy sets "
	    "require_warrant_on_start)";

	memset(out, 0, sizeof(*out));
	if (ic.cf == NULL || !authz_policies_start_checked(ic.cf->authz))
		return;
	if (intercept_binding())
		ic_deny_req(out, path, "multi_operation_refused", msg, peer);
	else
		ic_audit_response(path, "would_deny",
		    "multi_operation_refused", msg, NULL, peer);
}

/*
 * The request with the original token: edited in m's own block when the
 * stream has no gzip and the message was not compressed (ic_splice()),
 * else re-framed from a copy.  0 or -1.
 */
static int
ic_token_put(struct gf_msg *m, const uint8_t *p, size_t n, size_t start,
    size_t end, const uint8_t *tok, size_t toklen, const char *enc,
    int inflated, struct ic_req_out *out)
{
	struct ic_field	f;
	struct ic_edit	e;
	int		rv;

	if (inflated || !ic_identity_enc(enc))
		return ic_replace_token(p, n, start, end, tok, toklen, enc,
		    &out->framed, &out->framed_len);
	f.start = start;
	f.end = end;
	f.num = 1;
	ic_edit_field(&e, &f, 1, tok, toklen);	/* tok may point into m */
	rv = ic_splice(m, &e, 1, &out->framed, &out->framed_len);
	free(e.rep);
	return rv;
}

void
ic_token_request(enum ic_kind kind, const char *path, struct gf_msg *m,
    const char *enc, size_t max, const char *peer, struct ic_req_out *out)
{
	const uint8_t	*wtok, *tok, *p = NULL;
	uint8_t		*owned = NULL;
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
	if (m == NULL || ic_plain(m, enc, max, &p, &n, &owned, why,
	    sizeof(why)) == -1 || ic_find_token(p, n, &start, &end, &wtok,
	    &wlen) == -1) {
		ic_deny_req(out, path, "request_malformed", "the request "
		    "cannot be read (one task_token expected)", peer);
		free(owned);
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
		free(owned);
		return;
	}
	if (ic_token_put(m, p, n, start, end, tok, toklen, enc, owned != NULL,
	    out) == -1)
		ic_deny_req(out, path, "internal", "cannot re-encode the "
		    "request", peer);
	else
		out->action = IC_REQ_REPLACE;
	free(owned);
}

void
ic_req_out_free(struct ic_req_out *out)
{
	free(out->framed);
	out->framed = NULL;
}

/* ------------------------------------------- workflow-side requests */

/*
 * A refusal of a workflow-side request: PERMISSION_DENIED under
 * enforcement = enforce, else a would_deny audit event and the request
 * goes on.
 */
static void
ic_refuse(struct ic_req_out *out, const struct audit_decision *ad,
    const char *msg)
{
	struct audit_decision	d = *ad;
	int			enforce = intercept_binding();

	d.decision = enforce ? "deny" : "would_deny";
	audit_event_decision(&d);
	metrics_decision(d.decision, d.code, 0);
	if (!enforce)
		return;
	out->action = IC_REQ_DENY;
	(void)snprintf(out->message, sizeof(out->message), "tenuo-sidecar: "
	    "%s", msg);
}

static void
ic_la_event(struct audit_decision *d, const char *code, const char *reason,
    const char *type, const char *ns, const char *peer)
{
	memset(d, 0, sizeof(*d));
	d->event = "local_activity";
	d->code = code;
	d->reason = reason;
	d->method = TN_M_RESPOND_WORKFLOW_TASK_COMPLETED;
	d->ns = ns;
	d->activity_type = type;
	d->attempt = d->chain_depth = d->latency_us = -1;
	d->peer = peer;
}

static int
ic_local_allowed(const char *type)
{
	size_t	i;

	for (i = 0; i < ic.cf->nlocal_allow; i++)
		if (strcmp(ic.cf->local_allow[i], type) == 0)
			return 1;
	return 0;
}

/* One command of a workflow task completion. */
static void
ic_marker(const Temporal__Api__Command__V1__Command *c, const char *ns,
    const char *peer, struct ic_req_out *out)
{
	struct audit_decision	d;
	char			type[LAM_TYPE_MAX], why[LAM_WHY_MAX];
	char			msg[IC_REASON_MAX];
	enum lam_result		rv;

	if (c == NULL || c->attributes_case !=
	    TEMPORAL__API__COMMAND__V1__COMMAND__ATTRIBUTES_RECORD_MARKER_COMMAND_ATTRIBUTES)
		return;
	rv = lam_marker_type(c->record_marker_command_attributes, type,
	    sizeof(type), why, sizeof(why));
	if (rv == LAM_OTHER)
		return;
	if (rv == LAM_UNREADABLE) {
		(void)snprintf(msg, sizeof(msg), "local-activity marker "
		    "cannot be read: %s (block_local_activities = on)", why);
		ic_la_event(&d, "local_activity_unreadable", msg, NULL, ns,
		    peer);
		ic_refuse(out, &d, msg);
		return;
	}
	if (ic_local_allowed(type)) {
		ic_la_event(&d, "local_activity_allowed", NULL, type, ns, peer);
		d.decision = "allow";
		audit_event_decision(&d);
		metrics_decision("allow", "", 0);
		return;
	}
	(void)snprintf(msg, sizeof(msg), "Activity '%.160s' cannot be used "
	    "as local activity (not in local_activity_allow)", type);
	ic_la_event(&d, "local_activity_blocked", msg, type, ns, peer);
	ic_refuse(out, &d, msg);
}

void
ic_wftc_request(const struct gf_msg *m, const char *enc, size_t max,
    const char *peer, struct ic_req_out *out, char **ns)
{
	struct audit_decision	 d;
	ProtobufCMessage	*msg;
	ic_wftc_req_t		*r;
	size_t			 i;

	memset(out, 0, sizeof(*out));
	*ns = NULL;
	if (ic.cf == NULL || ic_unpack(&IC_DESC_WFTC_REQ, m, enc, max, &msg) ==
	    -1) {
		ic_la_event(&d, "request_malformed", "the workflow task "
		    "completion cannot be read", NULL, NULL, peer);
		ic_refuse(out, &d, d.reason);
		return;
	}
	r = (ic_wftc_req_t *)msg;
	*ns = ic_strdup(r->namespace_);
	for (i = 0; i < r->n_commands && out->action != IC_REQ_DENY; i++)
		ic_marker(r->commands[i], *ns, peer, out);
	protobuf_c_message_free_unpacked(msg, NULL);
}

/* The fields of either start request. */
static struct authz_start_input
ic_start_fields(const ProtobufCMessage *msg)
{
	struct authz_start_input	in;

	memset(&in, 0, sizeof(in));
	if (msg->descriptor == &IC_DESC_START_REQ) {
		const ic_start_req_t	*r = (const void *)msg;

		in.ns = r->namespace_;
		in.workflow_id = r->workflow_id;
		in.workflow_type = r->workflow_type ? r->workflow_type->name :
		    NULL;
		in.task_queue = r->task_queue ? r->task_queue->name : NULL;
		in.header = r->header;
	} else {
		const ic_sws_req_t	*r = (const void *)msg;

		in.ns = r->namespace_;
		in.workflow_id = r->workflow_id;
		in.workflow_type = r->workflow_type ? r->workflow_type->name :
		    NULL;
		in.task_queue = r->task_queue ? r->task_queue->name : NULL;
		in.header = r->header;
	}
	return in;
}

static void
ic_start_decide(const char *path, const ProtobufCMessage *msg,
    const char *peer, struct ic_req_out *out)
{
	struct authz_start_input	 in = ic_start_fields(msg);
	struct authz_trust		 trust;
	struct authz_ctx		 ctx;
	struct authz_result		 r;

	if (!authz_policy_select(ic.cf->authz, in.ns, in.task_queue)->
	    require_warrant_on_start)
		return;
	memset(&trust, 0, sizeof(trust));
	trust.roots = (const uint8_t (*)[AUTHZ_KEY_LEN])ic.cf->roots;
	trust.nroots = ic.cf->nroots;
	trust.srl = ic.cf->srl;
	trust.generation = ic.cf->generation;
	ctx.policies = ic.cf->authz;
	ctx.trust = &trust;
	ctx.cache = ic.cache;
	ctx.dedup = NULL;
	in.now_ms = ic_now_ms();
	in.wire_ok = 1;		/* ic_unpack() checked the strings */
	authz_decide_start(&ctx, &in, &r);
	ic_audit_result(&r, "workflow_start", path, peer,
	    r.decision == AUTHZ_DENY ? "refused" : "forwarded");
	if (r.decision == AUTHZ_DENY) {
		out->action = IC_REQ_DENY;
		(void)snprintf(out->message, sizeof(out->message),
		    "tenuo-sidecar: %.*s", IC_REASON_MAX - 16, r.message);
	}
	authz_result_free(&r);
}

void
ic_start_request(const char *path, const struct gf_msg *m, const char *enc,
    size_t max, const char *peer, struct ic_req_out *out)
{
	ProtobufCMessage	*msg;
	struct audit_decision	 d;

	memset(out, 0, sizeof(*out));
	if (ic.cf == NULL || ic_unpack(strcmp(path,
	    TN_M_START_WORKFLOW_EXECUTION) == 0 ? &IC_DESC_START_REQ :
	    &IC_DESC_SWS_REQ, m, enc, max, &msg) == -1) {
		memset(&d, 0, sizeof(d));
		d.event = "workflow_start";
		d.code = "request_malformed";
		d.reason = "the start request cannot be read";
		d.method = path;
		d.attempt = d.chain_depth = d.latency_us = -1;
		d.peer = peer;
		ic_refuse(out, &d, d.reason);
		return;
	}
	ic_start_decide(path, msg, peer, out);
	protobuf_c_message_free_unpacked(msg, NULL);
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
	int		 hdr_changed;	/* x-tenuo-* headers were stripped */
	int		 tok_changed;	/* the task token was wrapped */
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
	ic_audit_result(&r, "activity_task", c->method, c->peer, delivery);
	if (deliver && r.strip_tenuo_headers &&
	    authz_strip_tenuo_headers(t) > 0)
		c->changed = c->hdr_changed = 1;
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
	c->changed = c->tok_changed = 1;
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

/*
 * The decided task's changes written into the wire bytes of m (its token
 * field, its header field) instead of re-encoding the whole message:
 * everything else, unknown fields included, stays byte for byte where it
 * was.  -1 when the bytes are not one token and (if changed) one header
 * field: the caller re-encodes.
 */
static int
ic_poll_edit(struct ic_task_ctx *c, authz_task_t *t, const struct ic_wire *w,
    struct gf_msg *m, struct ic_resp_out *out)
{
	struct ic_edit	 e[IC_EDIT_MAX];
	uint8_t		*hb = NULL;
	size_t		 ne = 0, hn = 0, i;
	int		 rv;

	if ((c->tok_changed && w->ntok != 1) ||
	    (c->hdr_changed && w->nhdr != 1))
		return -1;	/* not after ic_poll_wire()'s checks */
	if (c->tok_changed)
		ic_edit_field(&e[ne++], &w->tok, 1, t->task_token.data,
		    t->task_token.len);
	if (c->hdr_changed) {
		if (t->header != NULL && authz_pb_pack(&t->header->base, &hb,
		    &hn) == -1)
			fatal("authz_pb_pack");
		ic_edit_field(&e[ne++], &w->hdr, 7, hb, hn);
		free(hb);
	}
	free(out->framed);
	out->framed = NULL;
	rv = ic_splice(m, e, ne, &out->framed, &out->framed_len);
	for (i = 0; i < ne; i++)
		free(e[i].rep);
	if (rv == -1)
		return -1;
	out->action = IC_RESP_REPLACE;
	return 0;
}

/*
 * An uncompressed poll on a stream without gzip: decided on its known
 * fields, edited on the wire.  -1 when the bytes do not scan (the caller
 * goes the general way, which decides what to do with them).
 */
static int
ic_poll_wire(struct ic_task_ctx *c, struct gf_msg *m, struct ic_resp_out *out)
{
	struct ic_wire	 w;
	authz_task_t	*t;
	const uint8_t	*kp;
	size_t		 kn;

	if (ic_wire_scan(m->data, m->len, &w) == -1)
		return -1;
	if (w.ntok > 1 || w.nhdr > 1) {	/* merged fields: re-encode */
		free(w.known);
		return -1;
	}
	kp = w.known != NULL ? w.known : m->data;
	kn = w.known != NULL ? w.knownlen : m->len;
	t = (authz_task_t *)protobuf_c_message_unpack(&IC_DESC_TASK, NULL, kn,
	    kp);
	free(w.known);
	if (t == NULL)
		return -1;
	if (t->task_token.len == 0) {	/* an empty poll: nothing to do */
		protobuf_c_message_free_unpacked(&t->base, NULL);
		return 0;
	}
	if (ic_task(c, t, out) == 0)
		ic_resp_empty(out);
	else if (c->changed && ic_poll_edit(c, t, &w, m, out) == -1) {
		ic_lost("the edited task cannot be framed", c->ns, c->peer);
		ic_resp_empty(out);
	}
	protobuf_c_message_free_unpacked(&t->base, NULL);
	return 0;
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
ic_response(enum ic_kind kind, struct gf_msg *m, const char *enc,
    size_t max, const char *ns, const char *tq, const char *peer,
    struct ic_resp_out *out)
{
	struct ic_task_ctx	 c;
	const ProtobufCMessageDescriptor *desc;
	const uint8_t		*p;
	uint8_t			*owned;
	size_t			 n;
	char			 why[IC_REASON_MAX];
	int			 amb = 1;

	memset(out, 0, sizeof(*out));
	if (ic.cf == NULL) {
		ic_lost("no configuration", ns, peer);
		ic_resp_empty(out);
		return;
	}
	if (ic_plain(m, enc, max, &p, &n, &owned, why, sizeof(why)) == -1) {
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
	c.wire_ok = authz_pb_check(desc, p, n, &amb) == 0;
	if (kind == IC_POLL && owned == NULL && n > 0 && !amb &&
	    ic_identity_enc(enc) && ic_poll_wire(&c, m, out) == 0)
		return;
	if (kind == IC_POLL)
		ic_poll_response(&c, p, n, enc, out);
	else
		ic_wftc_response(&c, p, n, enc, out);
	free(owned);
}
