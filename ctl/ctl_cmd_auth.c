/*
 * ctl_cmd_auth.c: pop (sign a proof of possession) and authorize (decide
 * one tool call against a warrant or stack, as the sidecar would).
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "tn_chain.h"
#include "tn_codec.h"
#include "tn_pop.h"
#include "tn_srl.h"

enum {
	O_KEY = 256, O_WARRANT, O_STACK, O_TOOL, O_ARGS, O_AT, O_ROOT, O_POP,
	O_NOW, O_WINDOWS, O_SRL, O_SRL_KEY
};

/* --args as a decoded CBOR map: the buffer and the document over it. */
struct call_args {
	struct tn_buf		b;
	struct tn_cbor_doc	doc;
};

static int
args_load(struct call_args *ca, const char *json)
{
	struct tn_error err;

	tn_buf_init(&ca->b, CTL_MAX_ARGS);
	if (ctl_args_encode("--args", json, &ca->b) == -1)
		return -1;
	if (tn_cbor_decode(ca->b.p, ca->b.len, NULL, &ca->doc, &err) != TN_OK) {
		ctl_err_lib("--args", &err);
		return -1;
	}
	return 0;
}

static void
args_free(struct call_args *ca)
{
	tn_cbor_doc_free(&ca->doc);
	tn_buf_free(&ca->b);
}

/* ---------------------------------------------------------------- pop */

struct pop_opts {
	const char	*key, *warrant, *tool, *args;
	int64_t		 at;
	int		 have_at;
};

static int
pop_parse(struct pop_opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "key", required_argument, NULL, O_KEY },
		{ "warrant", required_argument, NULL, O_WARRANT },
		{ "tool", required_argument, NULL, O_TOOL },
		{ "args", required_argument, NULL, O_ARGS },
		{ "at", required_argument, NULL, O_AT },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	uint64_t v;
	int c;

	while ((c = ctl_getopt(argc, argv, ":h", lo)) != -1) {
		if (c == O_KEY)
			o->key = optarg;
		else if (c == O_WARRANT)
			o->warrant = optarg;
		else if (c == O_TOOL)
			o->tool = optarg;
		else if (c == O_ARGS)
			o->args = optarg;
		else if (c == O_AT && ctl_parse_u64("--at", optarg, 0,
		    INT64_MAX / 2, &v) == 0)
			o->at = (int64_t)v, o->have_at = 1;
		else
			return ctl_opt_done(argv[0], c == 'h' ? 'h' : '?');
	}
	if (optind != argc || o->key == NULL || o->warrant == NULL ||
	    o->tool == NULL || o->args == NULL) {
		ctl_err("pop: %s", optind != argc ? "unexpected argument" :
		    "--key, --warrant, --tool and --args are required");
		return ctl_opt_done(argv[0], '?');
	}
	return -1;
}

static int
pop_sign(const struct pop_opts *o, const uint8_t sk[64],
    const uint8_t pk[TN_KEY_LEN], const struct tn_warrant *leaf,
    const struct call_args *ca)
{
	uint8_t sig[TN_SIG_LEN];
	struct tn_error err;
	char *s = NULL;
	int rc = CTL_EXIT_USAGE;

	if (memcmp(pk, leaf->holder, TN_KEY_LEN) != 0)
		ctl_err("pop: warning: --key %s is not the warrant's holder; "
		    "the proof will not verify", o->key);
	tn_error_clear(&err);
	if (tn_pop_sign(sk, leaf->id, o->tool, strlen(o->tool),
	    &ca->doc.items[0], o->at, sig, &err) != TN_OK ||
	    tn_b64_encode(sig, sizeof(sig), TN_B64_STD | TN_B64_PAD, &s, NULL,
	    &err) != TN_OK)
		ctl_err_lib("pop", &err);
	else if (printf("%s\n", s) < 0 || fflush(stdout) == EOF)
		ctl_err("cannot write to stdout");
	else
		rc = CTL_EXIT_OK;
	free(s);
	return rc;
}

int
ctl_cmd_pop(int argc, char **argv)
{
	struct pop_opts o = { NULL, NULL, NULL, NULL, 0, 0 };
	struct call_args ca;
	struct tn_stack *st = NULL;
	struct tn_error err;
	uint8_t sk[64], pk[TN_KEY_LEN];
	int rc;

	memset(&ca, 0, sizeof(ca));
	memset(sk, 0, sizeof(sk));
	if ((rc = pop_parse(&o, argc, argv)) != -1)
		return rc;
	rc = CTL_EXIT_USAGE;
	if ((!o.have_at && ctl_now(&o.at) == -1) ||
	    ctl_key_load(o.key, sk, pk) == -1 || args_load(&ca, o.args) == -1)
		goto out;
	if ((rc = ctl_stack_load("--warrant", o.warrant, &st, &err)) < 0) {
		ctl_err_lib("--warrant", &err);
		rc = CTL_EXIT_DENY;
	}
	if (rc == 0)
		rc = pop_sign(&o, sk, pk, tn_stack_leaf(st), &ca);
out:
	explicit_bzero(sk, sizeof(sk));
	args_free(&ca);
	tn_stack_free(st);
	return rc;
}

/* ------------------------------------------------------------ authorize */

struct auth_opts {
	uint8_t		(*roots)[TN_KEY_LEN];
	size_t		  nroots;
	const char	 *warrant, *wopt, *tool, *args, *pop, *srl;
	int		  have_now, have_srl_key;
	int64_t		  now;
	uint64_t	  windows;
	uint8_t		  srl_key[TN_KEY_LEN];
};

static int
auth_opt(struct auth_opts *o, int c, const char *arg)
{
	uint64_t v;

	switch (c) {
	case O_ROOT:
		return ctl_parse_key("--trusted-root", arg,
		    o->roots[o->nroots++]);
	case O_WARRANT:
	case O_STACK:
		if (o->warrant != NULL) {
			ctl_err("authorize: give one --warrant or --stack");
			return -1;
		}
		o->wopt = c == O_WARRANT ? "--warrant" : "--stack";
		o->warrant = arg;
		return 0;
	case O_NOW:
		if (ctl_parse_u64("--now", arg, 0, INT64_MAX / 2, &v) == -1)
			return -1;
		o->now = (int64_t)v;
		o->have_now = 1;
		return 0;
	case O_WINDOWS:
		return ctl_parse_u64("--pop-max-windows", arg,
		    TN_POP_MIN_WINDOWS, TN_POP_MAX_WINDOWS, &o->windows);
	case O_SRL_KEY:
		o->have_srl_key = 1;
		return ctl_parse_key("--srl-key", arg, o->srl_key);
	}
	return -1;
}

static int
auth_parse(struct auth_opts *o, int argc, char **argv)
{
	static const struct option lo[] = {
		{ "trusted-root", required_argument, NULL, O_ROOT },
		{ "warrant", required_argument, NULL, O_WARRANT },
		{ "stack", required_argument, NULL, O_STACK },
		{ "tool", required_argument, NULL, O_TOOL },
		{ "args", required_argument, NULL, O_ARGS },
		{ "pop", required_argument, NULL, O_POP },
		{ "now", required_argument, NULL, O_NOW },
		{ "pop-max-windows", required_argument, NULL, O_WINDOWS },
		{ "srl", required_argument, NULL, O_SRL },
		{ "srl-key", required_argument, NULL, O_SRL_KEY },
		{ "help", no_argument, NULL, 'h' },
		{ NULL, 0, NULL, 0 }
	};
	int c;

	if ((o->roots = calloc((size_t)argc, sizeof(*o->roots))) == NULL)
		return ctl_opt_done(argv[0], '?');
	while ((c = ctl_getopt(argc, argv, ":h", lo)) != -1) {
		if (c == O_TOOL)
			o->tool = optarg;
		else if (c == O_ARGS)
			o->args = optarg;
		else if (c == O_POP)
			o->pop = optarg;
		else if (c == O_SRL)
			o->srl = optarg;
		else if (c == 'h' || c == '?' || auth_opt(o, c, optarg) == -1)
			return ctl_opt_done(argv[0], c == 'h' ? 'h' : '?');
	}
	if (optind != argc) {
		ctl_err("authorize: unexpected argument '%s'", argv[optind]);
		return ctl_opt_done(argv[0], '?');
	}
	if (o->nroots == 0 || o->warrant == NULL || o->tool == NULL ||
	    o->args == NULL) {
		ctl_err("authorize: --trusted-root, --warrant or --stack, "
		    "--tool and --args are required");
		return ctl_opt_done(argv[0], '?');
	}
	return -1;
}

/* Reads and verifies --srl: raw CBOR or base64.  0 or -1 (reported). */
static int
srl_load(const struct auth_opts *o, struct tn_srl **srl)
{
	struct tn_error err;
	uint8_t *buf, *der = NULL;
	size_t len, n;
	int rc = -1;

	if (ctl_read_path("--srl", o->srl, TN_MAX_SRL_BYTES * 2, &buf,
	    &len) == -1)
		return -1;
	tn_error_clear(&err);
	if (len > 0 && buf[0] >= 0xa0 && buf[0] <= 0xbf)	/* a CBOR map */
		rc = tn_srl_decode(buf, len, o->have_srl_key ? o->srl_key :
		    o->roots[0], 0, srl, &err);
	else if ((rc = tn_b64_decode((const char *)buf, len,
	    TN_B64_ANY | TN_B64_SKIP_WS, TN_MAX_SRL_BYTES, &der, &n,
	    &err)) == TN_OK)
		rc = tn_srl_decode(der, n, o->have_srl_key ? o->srl_key :
		    o->roots[0], 0, srl, &err);
	if (rc != TN_OK) {
		ctl_err("--srl: %s: %s: %s", o->srl, tn_err_name(rc),
		    err.reason);
		rc = -1;
	}
	free(der);
	free(buf);
	return rc;
}

/* --pop: base64 (either alphabet) of 64 bytes, else a failed PoP. */
static int
pop_decode(const char *s, uint8_t sig[TN_SIG_LEN], struct tn_error *err)
{
	uint8_t *p = NULL;
	size_t n = 0;
	int rc;

	if (s == NULL)
		return tn_fail(err, TN_ERR_POP_FAILED,
		    "no proof of possession given (--pop)");
	rc = tn_b64_decode(s, strlen(s), TN_B64_ANY, TN_SIG_LEN, &p, &n, NULL);
	if (rc == TN_OK && n == TN_SIG_LEN)
		memcpy(sig, p, TN_SIG_LEN);
	else
		rc = tn_fail(err, TN_ERR_POP_FAILED,
		    "--pop is not the base64 of a 64-byte signature");
	free(p);
	return rc;
}

static int
print_allow(const struct tn_chain_result *res)
{
	char id[TN_WARRANT_ID_STR_LEN];

	tn_warrant_id_str(res->leaf_id, id);
	if (ctl_json_print(json_pack("{s:s, s:s, s:I}", "decision", "allow",
	    "warrant_id", id, "chain_depth", (json_int_t)res->leaf_depth),
	    JSON_COMPACT) == -1)
		return CTL_EXIT_USAGE;
	return CTL_EXIT_OK;
}

/* Decides the call.  Returns the exit code. */
static int
auth_decide(const struct auth_opts *o, const struct tn_srl *srl,
    const struct call_args *ca)
{
	struct tn_verify_opts vo;
	struct tn_chain_result res;
	struct tn_call call;
	struct tn_stack *st = NULL;
	struct tn_error err;
	uint8_t sig[TN_SIG_LEN];
	int rc;

	tn_verify_opts_init(&vo);
	vo.roots = (const uint8_t (*)[TN_KEY_LEN])o->roots;
	vo.nroots = o->nroots;
	vo.now = o->now;
	vo.pop_max_windows = (unsigned)o->windows;
	vo.srl = srl;
	memset(&call, 0, sizeof(call));
	call.tool = o->tool;
	call.toollen = strlen(o->tool);
	call.args = &ca->doc.items[0];
	memset(&res, 0, sizeof(res));
	if ((rc = ctl_stack_load(o->wopt, o->warrant, &st, &err)) > 0)
		return rc;
	if (rc == TN_OK && (rc = pop_decode(o->pop, sig, &err)) == TN_OK) {
		call.pop = sig;
		rc = tn_authorize(st, &call, &vo, &res, &err);
	}
	tn_stack_free(st);
	return rc == TN_OK ? print_allow(&res) : ctl_deny(rc, err.reason);
}

int
ctl_cmd_authorize(int argc, char **argv)
{
	struct auth_opts o;
	struct call_args ca;
	struct tn_srl *srl = NULL;
	int rc;

	memset(&o, 0, sizeof(o));
	memset(&ca, 0, sizeof(ca));
	o.windows = TN_POP_DEFAULT_WINDOWS;
	if ((rc = auth_parse(&o, argc, argv)) != -1)
		goto out;
	rc = CTL_EXIT_USAGE;
	if ((!o.have_now && ctl_now(&o.now) == -1) ||
	    (o.srl != NULL && srl_load(&o, &srl) == -1) ||
	    args_load(&ca, o.args) == -1)
		goto out;
	rc = auth_decide(&o, srl, &ca);
out:
	tn_srl_free(srl);
	args_free(&ca);
	free(o.roots);
	return rc;
}
