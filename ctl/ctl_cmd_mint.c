/*
 * ctl_cmd_mint.c: mint a root warrant.
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ctl.h"
#include "ctl_mint.h"
#include "tn_codec.h"
#include "tn_crypto.h"

enum {
	O_KEY = 256, O_HOLDER, O_TOOL, O_CONSTRAINT, O_ALLOW_UNKNOWN, O_TTL,
	O_MAX_DEPTH, O_ISSUED_AT, O_TYPE, O_PARENT
};

static const struct option mint_lo[] = {
	{ "key", required_argument, NULL, O_KEY },
	{ "holder", required_argument, NULL, O_HOLDER },
	{ "tool", required_argument, NULL, O_TOOL },
	{ "constraint", required_argument, NULL, O_CONSTRAINT },
	{ "allow-unknown", no_argument, NULL, O_ALLOW_UNKNOWN },
	{ "ttl", required_argument, NULL, O_TTL },
	{ "max-depth", required_argument, NULL, O_MAX_DEPTH },
	{ "issued-at", required_argument, NULL, O_ISSUED_AT },
	{ "type", required_argument, NULL, O_TYPE },
	{ "parent", required_argument, NULL, O_PARENT },
	{ "help", no_argument, NULL, 'h' },
	{ NULL, 0, NULL, 0 }
};

static int
parse_type(const char *s, enum tn_warrant_type *t)
{
	if (strcmp(s, "execution") == 0)
		*t = TN_WARRANT_EXECUTION;
	else if (strcmp(s, "issuer") == 0)
		*t = TN_WARRANT_ISSUER;
	else {
		ctl_err("--type: expected execution or issuer, got '%s'", s);
		return -1;
	}
	return 0;
}

static int
mint_opt(struct ctl_mint_opts *o, int c, const char *arg)
{
	uint64_t v;

	switch (c) {
	case O_KEY:
		o->key = arg;
		return 0;
	case O_HOLDER:
		o->have_holder = 1;
		return ctl_parse_key("--holder", arg, o->holder);
	case O_TOOL:
		return ctl_tools_add_tool(&o->tools, arg);
	case O_CONSTRAINT:
		ctl_tools_add_constraint(&o->tools, arg);
		return 0;
	case O_ALLOW_UNKNOWN:
		o->tools.allow_unknown = 1;
		return 0;
	case O_TTL:
		return ctl_parse_u64("--ttl", arg, 1, TN_MAX_TTL_SECS, &o->ttl);
	case O_MAX_DEPTH:
		if (ctl_parse_u64("--max-depth", arg, 0, TN_MAX_CHAIN_DEPTH,
		    &v) == -1)
			return -1;
		o->max_depth = (uint32_t)v;
		return 0;
	case O_ISSUED_AT:
		o->have_issued_at = 1;
		return ctl_parse_u64("--issued-at", arg, 0, INT64_MAX / 2,
		    &o->issued_at);
	case O_TYPE:
		o->have_type = 1;
		return parse_type(arg, &o->type);
	case O_PARENT:
		o->parent = arg;
		return 0;
	}
	return -1;
}

/*
 * Parses the options of mint (parent == 0) or attenuate (parent == 1).
 * Returns -1 to go on, or the exit code.
 */
int
ctl_mint_parse(struct ctl_mint_opts *o, int argc, char **argv, int parent)
{
	int c;

	memset(o, 0, sizeof(*o));
	o->max_depth = TN_MAX_CHAIN_DEPTH;
	if (ctl_tools_init(&o->tools, argc) == -1)
		return CTL_EXIT_USAGE;
	while ((c = ctl_getopt(argc, argv, ":h", mint_lo)) != -1) {
		if (c == 'h' || c == '?' ||
		    (!parent && (c == O_PARENT)) ||
		    (parent && c == O_MAX_DEPTH) ||
		    mint_opt(o, c, optarg) == -1)
			break;
	}
	if (c == -1 && optind != argc) {
		ctl_err("%s: unexpected argument '%s'", argv[0], argv[optind]);
		c = '?';
	} else if (c == O_PARENT) {
		ctl_err("mint: --parent is an attenuate option");
		c = '?';
	} else if (c == O_MAX_DEPTH) {
		ctl_err("attenuate: --max-depth cannot be set: the child keeps "
		    "the parent's max_depth");
		c = '?';
	}
	if (c != -1)
		return ctl_opt_done(argv[0], c == 'h' ? 'h' : '?');
	return -1;
}

/* Checks what every mint needs; fills key, time and id.  0 or -1. */
int
ctl_mint_prepare(struct ctl_mint_opts *o, const char *cmd)
{
	int64_t now;

	if (o->key == NULL || !o->have_holder || o->ttl == 0) {
		ctl_err("%s: --key, --holder and --ttl are required", cmd);
		return -1;
	}
	if (ctl_now(&now) == -1 || ctl_key_load(o->key, o->sk, o->pk) == -1)
		return -1;
	if (!o->have_issued_at)
		o->issued_at = (uint64_t)now;
	return ctl_uuidv7(o->have_issued_at ? o->issued_at * 1000u :
	    ctl_now_ms(), o->id);
}

/* Prints der as base64url without padding; returns the exit code. */
int
ctl_print_b64url(const uint8_t *der, size_t len)
{
	struct tn_error err;
	char *s;
	int rc = CTL_EXIT_USAGE;

	if (tn_b64_encode(der, len, TN_B64_URL, &s, NULL, &err) != TN_OK)
		ctl_err_lib("base64", &err);
	else if (printf("%s\n", s) < 0 || fflush(stdout) == EOF)
		ctl_err("cannot write to stdout");
	else
		rc = CTL_EXIT_OK;
	free(s);
	return rc;
}

static int
mint_root(struct ctl_mint_opts *o)
{
	struct tn_mint_tool *mt;
	struct tn_mint m;

	memset(&m, 0, sizeof(m));
	m.type = o->have_type ? o->type : TN_WARRANT_EXECUTION;
	memcpy(m.id, o->id, TN_ID_LEN);
	memcpy(m.holder, o->holder, TN_KEY_LEN);
	m.issued_at = o->issued_at;
	m.expires_at = o->issued_at + o->ttl;
	m.max_depth = o->max_depth;
	if ((mt = calloc(o->tools.n + 1, sizeof(*mt))) == NULL) {
		ctl_err("out of memory");
		return CTL_EXIT_USAGE;
	}
	if (m.type == TN_WARRANT_ISSUER) {
		m.issuable_tools = o->tools.names;
		m.nissuable = o->tools.n;
		if (o->tools.ncons > 0 || o->tools.allow_unknown) {
			m.constraint_bounds = o->tools.csets[0].p;
			m.constraint_bounds_len = o->tools.csets[0].len;
		}
	} else {
		for (size_t i = 0; i < o->tools.n; i++) {
			mt[i].name = o->tools.names[i];
			mt[i].cset = o->tools.csets[i].p;
			mt[i].cset_len = o->tools.csets[i].len;
		}
		m.tools = mt;
		m.ntools = o->tools.n;
	}
	return ctl_mint_finish(o, &m, mt);
}

/* Mints m, prints it; frees mt.  Returns the exit code. */
int
ctl_mint_finish(struct ctl_mint_opts *o, const struct tn_mint *m,
    struct tn_mint_tool *mt)
{
	struct tn_error err;
	uint8_t *env = NULL;
	size_t len;
	int rc;

	tn_error_clear(&err);
	if (tn_warrant_mint(m, o->sk, &env, &len, &err) != TN_OK) {
		ctl_err_lib("mint", &err);
		rc = CTL_EXIT_DENY;
	} else
		rc = ctl_print_b64url(env, len);
	free(env);
	free(mt);
	return rc;
}

/*
 * An issuer's --constraint options all bound one set: build it as the
 * set of a single pseudo-tool.
 */
int
ctl_mint_issuer_bounds(struct ctl_mint_opts *o)
{
	struct ctl_tools bs;
	int rc;

	if (ctl_tools_init(&bs, (int)o->tools.ncons + 1) == -1)
		return -1;
	bs.allow_unknown = o->tools.allow_unknown;
	rc = ctl_tools_add_tool(&bs, "constraint_bounds");
	for (size_t i = 0; i < o->tools.ncons; i++)
		ctl_tools_add_constraint(&bs, o->tools.cons[i]);
	if (rc == 0)
		rc = ctl_tools_build(&bs);
	if (rc == 0) {
		struct tn_buf t = o->tools.csets[0];

		o->tools.csets[0] = bs.csets[0];
		bs.csets[0] = t;
	}
	ctl_tools_free(&bs);
	return rc;
}

int
ctl_cmd_mint(int argc, char **argv)
{
	struct ctl_mint_opts o;
	int rc;

	if ((rc = ctl_mint_parse(&o, argc, argv, 0)) != -1)
		goto out;
	rc = CTL_EXIT_USAGE;
	if (o.tools.n == 0) {
		ctl_err("mint: at least one --tool is required");
		ctl_usage_hint(argv[0]);
		goto out;
	}
	if (o.have_type && o.type == TN_WARRANT_ISSUER) {
		if (ctl_mint_issuer_bounds(&o) == -1)
			goto out;
	} else if (ctl_tools_build(&o.tools) == -1)
		goto out;
	if (ctl_mint_prepare(&o, argv[0]) == -1)
		goto out;
	rc = mint_root(&o);
out:
	explicit_bzero(o.sk, sizeof(o.sk));
	ctl_tools_free(&o.tools);
	return rc;
}
