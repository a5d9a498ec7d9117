/*
 * authz.h: the enforcement engine for activity tasks.  Given one decoded
 * activity task (PollActivityTaskQueueResponse, which is also the element
 * type of RespondWorkflowTaskCompletedResponse.activity_tasks, so eager
 * tasks go through the same call), the policies, the trust material and
 * the time, decides allow / deny / would_deny as deployed Tenuo's activity
 * interceptor would, and says everything the audit event needs.  Also the
 * protobuf helpers the proxy needs around a decision: header stripping,
 * the RespondActivityTaskFailed requests, the string check protobuf-c
 * does not do.
 *
 * No sockets, no event loop, no threads, no logging.  The only clock read
 * is CLOCK_MONOTONIC for latency_us; every decision uses the `now_ms`
 * passed in.
 *
 * Files: authz.c (decision), authz_policy.c ([policy NAME] sections),
 * authz_pb.c (protobuf helpers).
 *
 * How a task is decided (ARCHITECTURE.md "How a task is authorized",
 * tenuo-temporal-integration.md §2, §3d, §4):
 *   0. the task must have passed authz_pb_strings_check() (wire_ok);
 *   1. policy: the first [policy] whose namespace and task_queue match,
 *      else the global settings; tool = tool_map[activity type] or the
 *      activity type;
 *   2. headers: Header.fields entries whose key starts with "x-tenuo-";
 *      values are Payload.data as Tenuo writes them (metadata ignored, as
 *      Tenuo's reader ignores it): x-tenuo-warrant raw CBOR of one
 *      SignedWarrant, gzip when x-tenuo-compressed is exactly "1" (64 KiB
 *      before and after inflation); x-tenuo-warrant-chain base64 (either
 *      alphabet, padding optional) of a WarrantStack whose leaf must be
 *      byte-identical to the warrant; x-tenuo-pop standard base64 of 64
 *      bytes; x-tenuo-arg-keys; x-tenuo-approvals JSON list of standard
 *      base64 SignedApprovals (read only when the leaf has approval gates);
 *   3. no warrant: deny CONSTRAINT_VIOLATED when require_warrant is on,
 *      else allow unauthenticated (code "no_warrant");
 *   4. the stack is looked up in the chain cache by BLAKE2b-256 of the
 *      warrant, compressed and chain headers as received (a hit skips
 *      base64, gunzip, decoding and the leaf match: all functions of those
 *      bytes), else decoded (signatures verified) and stored once
 *      tn_authorize() has verified the chain; header warrant depth >
 *      max_chain_depth (10) denies CHAIN_INVALID;
 *   5. PoP arguments: tn_args_normalize() over input.payloads and
 *      x-tenuo-arg-keys; a payload the rules cannot reproduce (codec,
 *      external storage, binary/null, ...) denies with a reason saying so;
 *   6. tn_authorize(): chain to the policy's roots (or the global ones),
 *      revocation, expiry at now, tool, PoP in windows around the task's
 *      scheduled_time (pop_clock = scheduled, the default) or now,
 *      constraints, approvals;
 *   7. allowed first attempts (attempt <= 1) go through dedup; a replay
 *      denies POP_VERIFICATION_FAILED;
 *   8. enforcement = audit-only turns deny into would_deny (delivered).
 */
#ifndef AUTHZ_H
#define AUTHZ_H

#include <stddef.h>
#include <stdint.h>

#include <protobuf-c/protobuf-c.h>

#include "temporal/api/workflowservice/v1/request_response.pb-c.h"
#include "tn_glob.h"

struct chaincache;
struct dedup;
struct tn_srl;
struct config_policy;
struct config_errsink;

#define AUTHZ_KEY_LEN		32
#define AUTHZ_WARRANT_MAX	(64u * 1024u)	/* before and after gunzip */
#define AUTHZ_MAX_CHAIN_DEPTH	10u	/* Tenuo's max_chain_depth default */
#define AUTHZ_MAX_APPROVALS	64u
#define AUTHZ_REASON_MAX	256
#define AUTHZ_MESSAGE_MAX	1024
#define AUTHZ_ARG_NAMES_MAX	1024
#define AUTHZ_PB_MAX_DEPTH	32u
#define AUTHZ_TOOL_MAP_MAX	256u
#define AUTHZ_POLICY_ROOTS_MAX	64u

/* ------------------------------------------------------------ policies */

enum authz_pop_clock {
	AUTHZ_POP_SCHEDULED = 0,	/* windows around task.scheduled_time */
	AUTHZ_POP_NOW = 1		/* windows around now */
};

struct authz_tool_map {
	char	*activity;
	char	*tool;
};

/* One [policy NAME] section, or the global fallback (name ""). */
struct authz_policy {
	char			*name;
	int			 line;
	char			*ns;		/* NULL: any namespace */
	char			*task_queue;	/* glob text; NULL: any */
	struct tn_glob		 tq_glob;
	int			 require_warrant;
	int			 require_warrant_on_start;	/* off */
	int			 audit_only;
	int			 strip_tenuo_headers;
	int			 redact_args;
	unsigned		 pop_max_windows;	/* 2..10 */
	enum authz_pop_clock	 pop_clock;
	uint32_t		 max_chain_depth;
	uint8_t			(*roots)[AUTHZ_KEY_LEN];	/* NULL: global */
	size_t			 nroots;
	struct authz_tool_map	*tool_map;
	size_t			 ntool_map;
};

/* The global settings a policy inherits (from struct config and the
 * keys the lead adds to it; see authz_globals_default()). */
struct authz_globals {
	int			 require_warrant;	/* on */
	int			 audit_only;		/* off (enforce) */
	int			 strip_tenuo_headers;	/* on */
	int			 redact_args;		/* on */
	unsigned		 pop_max_windows;	/* 5 */
	enum authz_pop_clock	 pop_clock;		/* scheduled */
	uint32_t		 max_chain_depth;	/* 10 */
};

struct authz_policies {
	struct authz_policy	 global;
	struct authz_policy	*p;
	size_t			 n;
};

void	authz_globals_default(struct authz_globals *g);

/*
 * Builds the policies from the [policy NAME] sections config.c kept as
 * key/value lists, in file order.  Keys: namespace, task_queue (glob),
 * require_warrant (on|off), require_warrant_on_start (on|off, default
 * off: authz_decide_start()), enforcement (enforce|audit-only),
 * strip_tenuo_headers (on|off), redact_args (on|off), pop_max_windows
 * (2-10), pop_clock (scheduled|now), max_chain_depth (1-64), trusted_root
 * (64 hex digits, several separated by commas or blanks), tool_map
 * ("activity:tool" pairs separated by commas or blanks).  Unset keys take
 * the global value.  Every error goes to sink as "PATH:LINE: message"
 * (sink NULL: dropped).  Returns the number of errors; on 0 *out holds the
 * policies (free with authz_policies_free()), otherwise *out is NULL.
 */
int	authz_policies_build(const char *path, const struct config_policy *pol,
	    size_t npol, const struct authz_globals *g,
	    const struct config_errsink *sink, struct authz_policies **out);
void	authz_policies_free(struct authz_policies *p);

/* The first policy matching (ns, task_queue), else &p->global. */
const struct authz_policy *authz_policy_select(const struct authz_policies *p,
	    const char *ns, const char *task_queue);

/* 1 when some policy has require_warrant_on_start on (starts are then
 * held and decided). */
int	authz_policies_start_checked(const struct authz_policies *p);

/* tool_map[activity] or activity itself; borrowed. */
const char *authz_policy_tool(const struct authz_policy *pol,
	    const char *activity);

/* ------------------------------------------------------------ decisions */

/* Trust material; borrowed for the duration of a call. */
struct authz_trust {
	const uint8_t		(*roots)[AUTHZ_KEY_LEN];
	size_t			  nroots;
	const struct tn_srl	 *srl;		/* NULL: nothing revoked */
	uint64_t		  generation;	/* bump on every reload */
};

struct authz_ctx {
	const struct authz_policies	*policies;
	const struct authz_trust	*trust;
	struct chaincache		*cache;	/* NULL: no cache */
	struct dedup			*dedup;	/* NULL: no replay check */
};

/* The generated type's name, shortened (it is already a typedef). */
typedef Temporal__Api__Workflowservice__V1__PollActivityTaskQueueResponse
    authz_task_t;

struct authz_input {
	const authz_task_t	*task;
	const char		*ns;	/* the poll's namespace; NULL: task's */
	const char		*task_queue;	/* the poll's; NULL: "" */
	int64_t			 now_ms;	/* Unix time, milliseconds */
	int			 wire_ok;	/* authz_pb_strings_check() == 0 */
};

enum authz_decision {
	AUTHZ_ALLOW = 0,
	AUTHZ_DENY = 1,
	AUTHZ_WOULD_DENY = 2	/* audit-only: deliver, log the denial */
};

/* Why: one per situation; authz_code_name() / authz_code_wire_type(). */
enum authz_code {
	AUTHZ_C_OK = 0,			/* "allowed" */
	AUTHZ_C_NO_WARRANT_ALLOWED,	/* "no_warrant": require_warrant off */
	AUTHZ_C_NO_WARRANT,		/* CONSTRAINT_VIOLATED */
	AUTHZ_C_WARRANT_MALFORMED,	/* CHAIN_INVALID */
	AUTHZ_C_CHAIN_MALFORMED,	/* CHAIN_INVALID */
	AUTHZ_C_CHAIN_LEAF_MISMATCH,	/* CHAIN_INVALID */
	AUTHZ_C_DEPTH_LIMIT,		/* CHAIN_INVALID */
	AUTHZ_C_NOT_YET_VALID,		/* CHAIN_INVALID */
	AUTHZ_C_POP_MALFORMED,		/* POP_VERIFICATION_FAILED */
	AUTHZ_C_REPLAY,			/* POP_VERIFICATION_FAILED */
	AUTHZ_C_POP_MISSING,		/* CONSTRAINT_VIOLATED */
	AUTHZ_C_POP_FAILED,		/* CONSTRAINT_VIOLATED */
	AUTHZ_C_UNTRUSTED_ROOT,		/* CONSTRAINT_VIOLATED */
	AUTHZ_C_CHAIN_BROKEN,		/* CONSTRAINT_VIOLATED */
	AUTHZ_C_ARGS,			/* CONSTRAINT_VIOLATED */
	AUTHZ_C_TASK_MALFORMED,		/* CONSTRAINT_VIOLATED */
	AUTHZ_C_INTERNAL,		/* CONSTRAINT_VIOLATED, retryable */
	AUTHZ_C_EXPIRED,		/* WARRANT_EXPIRED */
	AUTHZ_C_TOOL,			/* constraint_violation */
	AUTHZ_C_CONSTRAINT,		/* constraint_violation */
	AUTHZ_C_REVOKED,		/* revoked */
	AUTHZ_C_APPROVAL_REQUIRED,	/* approval_required */
	AUTHZ_C_APPROVALS_INSUFFICIENT,	/* insufficient_approvals */
	AUTHZ_C_APPROVAL_INVALID,	/* invalid_approval */
	AUTHZ_C_COUNT
};

const char	*authz_code_name(enum authz_code c);
/* Tenuo's ApplicationError.type for the code; NULL for the allow codes. */
const char	*authz_code_wire_type(enum authz_code c);
const char	*authz_decision_name(enum authz_decision d);

/*
 * Everything an audit event and the denial need.  String pointers borrow
 * from the task or the policies (valid while both live); the arrays are
 * copies.  args_cbor is owned: free with authz_result_free().
 */
struct authz_result {
	enum authz_decision	 decision;
	enum authz_code		 code;
	const char		*wire_type;	/* NULL when allowed */
	int			 tn_code;	/* libtenuo code, 0 if none */
	int			 retryable;	/* internal failure: fail retryable */
	char			 reason[AUTHZ_REASON_MAX];
	char			 message[AUTHZ_MESSAGE_MAX];
	const struct authz_policy *policy;
	int			 strip_tenuo_headers;
	int			 redact_args;
	/* the task */
	const char		*ns;
	const char		*task_queue;
	const char		*workflow_id;
	const char		*run_id;
	const char		*activity_id;
	const char		*activity_type;
	const char		*workflow_type;	/* starts only, else NULL */
	const char		*tool;
	int32_t			 attempt;
	int64_t			 scheduled_s;	/* 0: not in the task */
	/* the warrant: "none", "<malformed>" or "tnu_wrt_<hex>" */
	char			 warrant_id[48];
	int			 has_chain;	/* chain verified: fields below */
	uint32_t		 chain_depth;	/* leaf depth */
	size_t			 chain_len;
	uint8_t			 root[AUTHZ_KEY_LEN];
	uint8_t			 holder[AUTHZ_KEY_LEN];
	int			 cache_hit;
	int64_t			 pop_anchor_s;
	/* the arguments (when they could be built) */
	int			 has_args;
	size_t			 nargs;
	char			 arg_names[AUTHZ_ARG_NAMES_MAX];  /* "a,b" */
	int			 arg_names_truncated;
	uint8_t			 args_sha256[32];	/* of args_cbor */
	uint8_t			*args_cbor;	/* owned canonical CBOR map */
	size_t			 args_cbor_len;
	uint64_t		 latency_us;
};

/*
 * Decides one task.  Always fills *out (a decision is always made; any
 * failure denies).  Free out with authz_result_free().
 */
void	authz_decide(const struct authz_ctx *ctx, const struct authz_input *in,
	    struct authz_result *out);
void	authz_result_free(struct authz_result *r);

/*
 * A StartWorkflowExecution or SignalWithStartWorkflowExecution whose
 * policy has require_warrant_on_start on, like Tenuo's AuthorizedWorkflow
 * fail-fast but with the chain verified: the request header must carry
 * x-tenuo-warrant (gzip per x-tenuo-compressed) and, optionally,
 * x-tenuo-warrant-chain whose leaf is that warrant, read as for a task
 * (steps 2 and 4 above); the chain must verify to the policy's (or the
 * global) trusted roots, with revocation and expiry at now.  No tool, no
 * arguments, no PoP: a start names no tool and Tenuo signs no PoP for it.
 * The result's message reads "Workflow start denied: <reason> (warrant:
 * <id>)"; activity fields are "", attempt -1.  audit-only policies give
 * would_deny.  Free out with authz_result_free().
 */
struct authz_start_input {
	const char	*ns;
	const char	*task_queue;
	const char	*workflow_id;
	const char	*workflow_type;
	const Temporal__Api__Common__V1__Header *header;	/* may be NULL */
	int64_t		 now_ms;
	int		 wire_ok;	/* authz_pb_strings_check() == 0 */
};

void	authz_decide_start(const struct authz_ctx *ctx,
	    const struct authz_start_input *in, struct authz_result *out);

/* ------------------------------------------------------ protobuf helpers */

/*
 * protobuf-c 1.4 does not check proto3 strings: an embedded NUL silently
 * shortens the C string and invalid UTF-8 passes.  Walks buf[0..len) as a
 * message of type desc and checks every string field it knows (nested
 * messages and map entries included, AUTHZ_PB_MAX_DEPTH deep): no NUL,
 * valid UTF-8.  Unknown fields are skipped; groups are refused.  Run it on
 * the bytes of the whole PollActivityTaskQueueResponse or
 * RespondWorkflowTaskCompletedResponse before trusting the decoded
 * strings.  Returns 0 or -1.
 */
int	authz_pb_strings_check(const ProtobufCMessageDescriptor *desc,
	    const uint8_t *buf, size_t len);

/*
 * The same check; also sets *ambiguous (may be NULL) to 1 when some
 * message in buf (known fields, at any depth) holds a field that is not
 * repeated more than once, or two members of a oneof.  Decoders disagree
 * on such bytes (protobuf-c merges a repeated sub-message, protobufjs
 * keeps the last), so they are only forwarded after a re-encode, which
 * makes what the worker reads what was decided.
 */
int	authz_pb_check(const ProtobufCMessageDescriptor *desc,
	    const uint8_t *buf, size_t len, int *ambiguous);

/*
 * Removes every Header.fields entry whose key starts with "x-tenuo-" from
 * the task in place (the entries are freed with the task's default
 * allocator, so the task must come from *_unpack(NULL, ...)).  Unknown
 * fields everywhere are kept and written back by authz_pb_pack().
 * Returns the number of entries removed.
 */
size_t	authz_strip_tenuo_headers(authz_task_t *task);

/* Packs m into a malloc'd buffer (caller frees).  0, or -1 (no memory). */
int	authz_pb_pack(const ProtobufCMessage *m, uint8_t **out, size_t *outlen);

/*
 * RespondActivityTaskFailedRequest bytes: task_token (the original,
 * unwrapped one), namespace, identity ("tenuo-sidecar@<host>"), and
 * Failure{message, source "tenuo-sidecar", application_failure_info{type,
 * non_retryable}}.  Strings must be NUL-terminated; message is cut at
 * AUTHZ_MESSAGE_MAX.  0, or -1 (no memory); *out malloc'd.
 */
int	authz_build_failure(const uint8_t *token, size_t toklen, const char *ns,
	    const char *identity, const char *message, const char *type,
	    int non_retryable, uint8_t **out, size_t *outlen);

/* The denial of r for task: its message and wire type, non-retryable
 * (retryable only for internal failures). */
int	authz_build_denial(const authz_task_t *task, const struct authz_result *r,
	    const char *ns, const char *identity, uint8_t **out,
	    size_t *outlen);

#define AUTHZ_UNDELIVERED_TYPE	"TENUO_SIDECAR_UNDELIVERED"

/*
 * The retryable failure for a task taken from the frontend whose worker
 * stream was gone before delivery: type AUTHZ_UNDELIVERED_TYPE,
 * non_retryable false, so Temporal schedules the next attempt per the
 * retry policy now instead of after the start-to-close timeout.
 */
int	authz_build_undelivered(const authz_task_t *task, const char *ns,
	    const char *identity, const char *why, uint8_t **out,
	    size_t *outlen);

#endif /* AUTHZ_H */
