/*
 * intercept.h: what the sidecar does to the few RPCs it inspects
 * (ARCHITECTURE.md "What is intercepted").  proxy.c buffers one gRPC
 * message of an intercepted stream and hands it here with the stream's
 * grpc-encoding; this module decodes it, decides (authz.h), writes the
 * audit events and metrics, and says what to forward instead.  No sockets
 * and no event loop: proxy.c sends what it is told to send.
 *
 * Methods (ic_classify()):
 *   PollActivityTaskQueue          request read for namespace and task
 *                                  queue; response: the task is decided
 *   RespondWorkflowTaskCompleted   request read for the namespace (held
 *                                  and decided when
 *                                  block_local_activities = on: a
 *                                  local-activity marker, lamarker.h, for
 *                                  a type not in local_activity_allow, or
 *                                  one that cannot be read, refuses it
 *                                  PERMISSION_DENIED); response: every
 *                                  eager activity task is decided, denied
 *                                  ones leave the list
 *   StartWorkflowExecution,
 *   SignalWithStartWorkflowExecution
 *                                  held and decided when some policy has
 *                                  require_warrant_on_start = on
 *                                  (authz_decide_start()): no verifiable
 *                                  chain in the header refuses it
 *                                  PERMISSION_DENIED
 *   RespondActivityTask{Completed,Failed,Canceled},
 *   RecordActivityTaskHeartbeat    request: the task token must be one
 *                                  the sidecar issued (tasktoken.h); the
 *                                  original token is put back
 *   the *ById forms                no token to check: PERMISSION_DENIED
 *                                  unless allow_by_id = on
 *
 * Task-token binding follows the global `enforcement`: enforce wraps the
 * token of every delivered task and refuses answers with any other
 * token; audit-only wraps nothing, unwraps a wrapped token (tasks
 * delivered before a switch from enforce) and lets any other token
 * through with a would_deny audit event.
 *
 * Ownership: intercept_configure() keeps a reference to the config it is
 * given until the next call or intercept_shutdown().  Every buffer in an
 * ic_*_out is malloc'd and owned by the out struct: free it with the
 * matching *_free().
 */
#ifndef INTERCEPT_H
#define INTERCEPT_H

#include <stddef.h>
#include <stdint.h>

#include "grpc_frame.h"

struct config;

#define IC_REASON_MAX		256
#define IC_IDENTITY_MAX		300
#define IC_UPCALL_MAX		64	/* failures sent for one message */
#define IC_RETRY_MAX		6	/* attempts to fail a task upstream */
#define IC_RETRY_MIN_MS		200
#define IC_RETRY_MAX_MS		5000

enum ic_kind {
	IC_NONE = 0,		/* pass through */
	IC_POLL,		/* PollActivityTaskQueue */
	IC_WFT_COMPLETED,	/* RespondWorkflowTaskCompleted */
	IC_TOKEN,		/* Respond*, RecordActivityTaskHeartbeat */
	IC_BY_ID,		/* the *ById forms */
	IC_START,		/* StartWorkflowExecution, SignalWithStart... */
	IC_MULTI_OP		/* ExecuteMultiOperation (update-with-start) */
};

#define IC_M_EXECUTE_MULTI_OPERATION \
	TN_M_SERVICE "ExecuteMultiOperation"

enum ic_kind	ic_classify(const char *path);

/* The config decisions use from now on (reload: the new one). */
void	intercept_configure(struct config *cf);
void	intercept_shutdown(void);
/* Task tokens are wrapped on delivery (enforcement = enforce). */
int	intercept_binding(void);
/*
 * 1 when a request of this kind is decided before it goes upstream:
 * always for IC_TOKEN; IC_WFT_COMPLETED with block_local_activities on;
 * IC_START when a policy checks starts.  (Every inspected request is held
 * whole by the proxy, to enforce exactly one message per call; only these
 * are also decided on.)
 */
int	intercept_holds(enum ic_kind kind);

/* ------------------------------------------------------------ requests */

/*
 * The namespace (and, for a poll, the task queue name) of a poll or
 * RespondWorkflowTaskCompleted request; *ns and *tq are malloc'd (NULL
 * when absent).  0, or -1 when the message cannot be decoded.
 */
int	ic_request_scope(enum ic_kind kind, const struct gf_msg *m,
	    const char *grpc_encoding, size_t max, char **ns, char **tq);

enum ic_req_action {
	IC_REQ_FORWARD = 0,	/* the original bytes, unchanged */
	IC_REQ_REPLACE = 1,	/* out->framed instead */
	IC_REQ_DENY = 2		/* PERMISSION_DENIED with out->message */
};

struct ic_req_out {
	enum ic_req_action	 action;
	uint8_t			*framed;	/* prefix + message */
	size_t			 framed_len;
	char			 message[IC_REASON_MAX];
};

/*
 * A request of kind IC_TOKEN (m may be NULL for IC_BY_ID, which is
 * decided on its path alone).  Writes the audit event for a refusal.
 * The unwrapped token is written into m's own block when m came from
 * gf_reader_feed() and is neither compressed nor on a gzip stream:
 * out->framed takes that block over and m is emptied (as ic_response()).
 */
void	ic_token_request(enum ic_kind kind, const char *path,
	    struct gf_msg *m, const char *grpc_encoding, size_t max,
	    const char *peer, struct ic_req_out *out);
void	ic_req_out_free(struct ic_req_out *out);

/*
 * ExecuteMultiOperation can start a workflow (update-with-start) inside a
 * message the start check does not read, so while any policy sets
 * require_warrant_on_start it is refused (PERMISSION_DENIED, audited;
 * would_deny and forwarded under audit-only).  Otherwise out->action is
 * IC_REQ_FORWARD.
 */
void	ic_multi_op_request(const char *path, const char *peer,
	    struct ic_req_out *out);

/*
 * A held RespondWorkflowTaskCompleted request (m NULL: it could not be
 * read whole).  *ns gets its namespace (malloc'd, NULL when unknown).
 * Writes an audit event per local-activity marker.  Under enforcement =
 * audit-only a refusal is audited would_deny and the request forwarded.
 */
void	ic_wftc_request(const struct gf_msg *m, const char *grpc_encoding,
	    size_t max, const char *peer, struct ic_req_out *out, char **ns);

/* A held start request (IC_START; m NULL: unreadable).  Writes the audit
 * event when its policy checks starts. */
void	ic_start_request(const char *path, const struct gf_msg *m,
	    const char *grpc_encoding, size_t max, const char *peer,
	    struct ic_req_out *out);

/* ----------------------------------------------------------- responses */

enum ic_resp_action {
	IC_RESP_FORWARD = 0,	/* the original bytes, unchanged */
	IC_RESP_REPLACE = 1	/* out->framed instead (maybe an empty
				   message: a denied poll) */
};

/* A RespondActivityTaskFailedRequest to send upstream for one task. */
struct ic_upcall {
	uint8_t		*body;		/* plain message bytes */
	size_t		 len;
	char		*what;		/* "workflow W run R activity A (T)" */
};

struct ic_resp_out {
	enum ic_resp_action	 action;
	uint8_t			*framed;
	size_t			 framed_len;
	/* denials, failed upstream (non-retryable) */
	struct ic_upcall	 deny[IC_UPCALL_MAX];
	size_t			 ndeny;
	/* tasks delivered by this message: their retryable failure, should
	   the worker's stream end before the bytes leave */
	struct ic_upcall	 undelivered[IC_UPCALL_MAX];
	size_t			 nundelivered;
};

/*
 * One response message of a poll (IC_POLL) or RespondWorkflowTaskCompleted
 * (IC_WFT_COMPLETED).  ns and tq come from the request (may be NULL).
 * A message that cannot be decoded is never delivered: the worker gets an
 * empty message of the right type and a "task_lost" audit event says why.
 *
 * An uncompressed poll on a stream without gzip is decided on its known
 * fields alone (unknown ones, e.g. a large heartbeat_details, are not
 * copied) and its token and header fields are rewritten on the wire
 * bytes; everything else stays as received.  When m came from
 * gf_reader_feed() (m->base set) that edit happens in m's own block,
 * which out->framed then takes over: m is emptied (gf_msg_free() on it
 * stays right).  So an inspected message needs no second copy.
 */
void	ic_response(enum ic_kind kind, struct gf_msg *m,
	    const char *grpc_encoding, size_t max, const char *ns,
	    const char *tq, const char *peer, struct ic_resp_out *out);
void	ic_resp_out_free(struct ic_resp_out *out);
void	ic_upcall_free(struct ic_upcall *u);

/* "tenuo-sidecar@<host>", the identity of the failures we send. */
const char	*ic_identity(void);

/* A failure sent upstream did not get through (after every retry). */
void	ic_audit_lost(const char *what, const char *ns, const char *peer,
	    const char *why);

/*
 * A task the worker's stream (or connection) was gone for before
 * delivery: its retryable failure is on its way upstream.
 */
void	ic_audit_undelivered(const char *what, const char *ns,
	    const char *peer, const char *why);

#endif /* INTERCEPT_H */
