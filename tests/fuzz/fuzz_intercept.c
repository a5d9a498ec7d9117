/*
 * fuzz_intercept.c: libFuzzer target for the intercepted protobuf
 * messages (daemon/intercept.c, authz.c, authz_pb.c, lamarker.c and the
 * generated proto/ code): what the sidecar decodes from workers and from
 * the frontend, decides on and writes back.
 *
 * Input: byte 0 bits 0-2 pick the message:
 *   0  PollActivityTaskQueueResponse        ic_response(IC_POLL)
 *   1  RespondWorkflowTaskCompletedResponse ic_response(IC_WFT_COMPLETED)
 *   2  RespondWorkflowTaskCompletedRequest  ic_wftc_request (markers)
 *   3  PollActivityTaskQueueRequest         ic_request_scope(IC_POLL)
 *   4  RespondWorkflowTaskCompletedRequest  ic_request_scope
 *   5  RespondActivityTaskCompletedRequest  ic_token_request (tokens)
 *   6  StartWorkflowExecutionRequest        ic_start_request
 *   7  SignalWithStartWorkflowExecution...  ic_start_request
 * bit 3: the message arrives gzip-compressed (the harness compresses it,
 * grpc-encoding gzip); bit 4: the audit-only config instead of enforce;
 * bit 5: the request's task queue is "guarded" (a policy with
 * require_warrant_on_start and a tool_map); the rest is the message.
 *
 * The configs trust the root key the seed generator (gen_pb.c) signs with
 * (Ed25519 seed of 32 bytes 0x01), so generated poll responses carry
 * chains and PoPs that verify and the fuzzer starts from allowed tasks.
 * No sockets: audit events are dropped (the writer is not started); the
 * task-token key file is FUZZ_SANDBOX/tt.key (default build/fuzz/sandbox,
 * created on first use).  FUZZ_VERBOSE=1 prints each decision.
 *
 * Oracles: what is to be forwarded instead is one well-formed gRPC
 * message that decodes as the method's type; every failure sent upstream
 * decodes as a RespondActivityTaskFailedRequest.
 */
#include <sys/stat.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tn_codec.h"
#include "tn_crypto.h"
#include "tn_temporal_methods.h"
#include "tn_warrant.h"

#include "authz.h"
#include "config.h"
#include "grpc_frame.h"
#include "intercept.h"
#include "log.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

#define MAXMSG	(1u << 20)

#define WS(m)	temporal__api__workflowservice__v1__##m##__descriptor
#define D_POLL_RESP	WS(poll_activity_task_queue_response)
#define D_WFTC_REQ	WS(respond_workflow_task_completed_request)
#define D_WFTC_RESP	WS(respond_workflow_task_completed_response)
#define D_FAILED_REQ	WS(respond_activity_task_failed_request)
#define D_COMPLETED_REQ	WS(respond_activity_task_completed_request)
#define D_START_REQ	WS(start_workflow_execution_request)
#define D_SWS_REQ	WS(signal_with_start_workflow_execution_request)

static struct config *cfs[2];
static int verbose;	/* FUZZ_VERBOSE: what was decided */

static const char conf_fmt[] =
    "upstream = 127.0.0.1:7233\n"
    "trusted_root = %s\n"
    "block_local_activities = on\n"
    "local_activity_allow = greet\n"
    "task_token_key_file = %s/tt.key\n"
    "%s"
    "[policy guarded]\n"
    "task_queue = guarded\n"
    "require_warrant_on_start = on\n"
    "tool_map = greet:read_file\n";

static void
check(int ok)
{
	if (!ok)
		abort();
}

static struct config *
load(const char *hex, const char *dir, const char *extra)
{
	char text[2048];
	struct config *cf;
	int n;

	n = snprintf(text, sizeof(text), conf_fmt, hex, dir, extra);
	check(n > 0 && (size_t)n < sizeof(text));
	if (config_load_buffer("fuzz.conf", text, (size_t)n, NULL, &cf) != 0)
		abort();
	return cf;
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	uint8_t seed[32], sk[64], pk[32];
	char hex[65];
	struct stat st;
	const char *dir = getenv("FUZZ_SANDBOX");
	char *abs;

	(void)argc;
	(void)argv;
	if (stat(CONFIG_TASK_TOKEN_KEY_DIR, &st) == 0) {
		fprintf(stderr, "fuzz_intercept: %s exists; refusing to run "
		    "(the config would create a key file in it)\n",
		    CONFIG_TASK_TOKEN_KEY_DIR);
		exit(1);
	}
	/* the task-token key lives (is created once) in the sandbox */
	if (dir == NULL)
		dir = "build/fuzz/sandbox";
	if (mkdir(dir, 0700) == -1 && errno != EEXIST) {
		perror(dir);
		exit(1);
	}
	if ((abs = realpath(dir, NULL)) == NULL) {
		perror(dir);
		exit(1);
	}
	log_init("fuzz_intercept", 0);
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	memset(seed, 1, sizeof(seed));
	if (tn_crypto_init() != 0 ||
	    tn_ed25519_keypair_from_seed(seed, pk, sk) != 0)
		abort();
	tn_hex_encode(pk, sizeof(pk), hex);
	cfs[0] = load(hex, abs, "");
	cfs[1] = load(hex, abs, "enforcement = audit-only\nallow_by_id = on\n"
	    "pop_clock = now\nstrip_tenuo_headers = off\nredact_args = off\n");
	free(abs);
	return 0;
}

/* framed is one whole gRPC message decoding as desc. */
static void
check_framed(const uint8_t *framed, size_t n, const char *enc,
    const ProtobufCMessageDescriptor *desc)
{
	struct gf_reader rd;
	struct gf_msg m;
	ProtobufCMessage *pm;
	uint8_t *p;
	size_t used, pn;
	char why[256];

	gf_reader_init(&rd, GF_DEFAULT_MAX);
	check(gf_reader_feed(&rd, framed, n, &used, &m) == GF_MSG);
	check(used == n);
	check(gf_msg_plain(&m, enc, GF_DEFAULT_MAX, &p, &pn, why,
	    sizeof(why)) == 0);
	pm = protobuf_c_message_unpack(desc, NULL, pn, p);
	check(pm != NULL);
	protobuf_c_message_free_unpacked(pm, NULL);
	free(p);
	gf_msg_free(&m);
	gf_reader_free(&rd);
}

static void
check_upcalls(const struct ic_upcall *u, size_t n)
{
	check(n <= IC_UPCALL_MAX);
	for (size_t i = 0; i < n; i++) {
		ProtobufCMessage *pm = protobuf_c_message_unpack(
		    &D_FAILED_REQ, NULL, u[i].len, u[i].body);

		check(pm != NULL && u[i].what != NULL);
		protobuf_c_message_free_unpacked(pm, NULL);
	}
}

static void
response(enum ic_kind kind, struct gf_msg *m, const char *enc,
    const char *tq)
{
	struct ic_resp_out out;

	ic_response(kind, m, enc, MAXMSG, "default", tq, "fuzz", &out);
	if (verbose)
		fprintf(stderr, "response: action %d, %zu denied, %zu "
		    "delivered\n", out.action, out.ndeny, out.nundelivered);
	if (out.action == IC_RESP_REPLACE)
		check_framed(out.framed, out.framed_len, enc, kind == IC_POLL ?
		    &D_POLL_RESP : &D_WFTC_RESP);
	check_upcalls(out.deny, out.ndeny);
	check_upcalls(out.undelivered, out.nundelivered);
	ic_resp_out_free(&out);
}

static void
request_out(struct ic_req_out *out, const char *enc,
    const ProtobufCMessageDescriptor *desc)
{
	if (verbose)
		fprintf(stderr, "request: action %d %s\n", out->action,
		    out->message);
	if (out->action == IC_REQ_REPLACE)
		check_framed(out->framed, out->framed_len, enc, desc);
	else
		check(out->framed == NULL);
	check(memchr(out->message, '\0', sizeof(out->message)) != NULL);
	ic_req_out_free(out);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct gf_msg m = { NULL, 0, 0, NULL };
	struct ic_req_out ro;
	const char *enc = NULL, *tq;
	char *ns = NULL, *q = NULL;
	uint8_t sel;

	if (size < 1)
		return 0;
	sel = data[0];
	data++;
	size--;
	if (sel & 8) {
		if (tn_gzip_deflate(data, size, 1, &m.data, &m.len, NULL) !=
		    TN_OK)
			return 0;
		m.compressed = 1;
		enc = "gzip";
	} else if (size > 0) {
		/* framed in its block like gf_reader_feed()'s, so the
		 * in-place edits run as they do in the proxy */
		if ((m.base = malloc(GF_PREFIX_LEN + size)) == NULL)
			return 0;
		gf_prefix_encode(m.base, 0, (uint32_t)size);
		m.data = m.base + GF_PREFIX_LEN;
		memcpy(m.data, data, size);
		m.len = size;
	}
	tq = (sel & 0x20) ? "guarded" : "default";
	intercept_configure(cfs[sel >> 4 & 1]);
	switch (sel & 7) {
	case 0:
		response(IC_POLL, &m, enc, tq);
		break;
	case 1:
		response(IC_WFT_COMPLETED, &m, enc, tq);
		break;
	case 2:
		ic_wftc_request(&m, enc, MAXMSG, "fuzz", &ro, &ns);
		request_out(&ro, enc, &D_WFTC_REQ);
		break;
	case 3:
		(void)ic_request_scope(IC_POLL, &m, enc, MAXMSG, &ns, &q);
		break;
	case 4:
		(void)ic_request_scope(IC_WFT_COMPLETED, &m, enc, MAXMSG, &ns,
		    &q);
		break;
	case 5:
		ic_token_request(IC_TOKEN, TN_M_RESPOND_ACTIVITY_TASK_COMPLETED,
		    &m, enc, MAXMSG, "fuzz", &ro);
		request_out(&ro, enc, &D_COMPLETED_REQ);
		break;
	case 6:
		ic_start_request(TN_M_START_WORKFLOW_EXECUTION, &m, enc,
		    MAXMSG, "fuzz", &ro);
		request_out(&ro, enc, &D_START_REQ);
		break;
	default:
		ic_start_request(TN_M_SIGNAL_WITH_START_WORKFLOW_EXECUTION, &m,
		    enc, MAXMSG, "fuzz", &ro);
		request_out(&ro, enc, &D_SWS_REQ);
		break;
	}
	free(ns);
	free(q);
	gf_msg_free(&m);
	return 0;
}
