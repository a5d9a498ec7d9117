/*
 * ctl_tools.c: the --tool / --constraint / --allow-unknown lists of mint
 * and attenuate, turned into one encoded constraint set per tool.
 *
 * A --constraint belongs to the --tool before it.  With a single --tool
 * every --constraint belongs to it, wherever it appears; with several, a
 * --constraint before the first --tool is a usage error.  --allow-unknown
 * applies to every tool.
 */
#include <stdlib.h>
#include <string.h>

#include "ctl.h"

#define CTL_NO_TOOL	SIZE_MAX

int
ctl_tools_init(struct ctl_tools *ts, int argc)
{
	size_t n = argc > 0 ? (size_t)argc : 1;

	memset(ts, 0, sizeof(*ts));
	ts->names = calloc(n, sizeof(*ts->names));
	ts->cons = calloc(n, sizeof(*ts->cons));
	ts->cons_tool = calloc(n, sizeof(*ts->cons_tool));
	ts->csets = calloc(n, sizeof(*ts->csets));
	ts->ncsets = n;
	for (size_t i = 0; ts->csets != NULL && i < n; i++)
		tn_buf_init(&ts->csets[i], TN_MAX_WARRANT_BYTES);
	if (ts->names == NULL || ts->cons == NULL || ts->cons_tool == NULL ||
	    ts->csets == NULL) {
		ctl_err("out of memory");
		return -1;
	}
	return 0;
}

void
ctl_tools_free(struct ctl_tools *ts)
{
	for (size_t i = 0; ts->csets != NULL && i < ts->ncsets; i++)
		tn_buf_free(&ts->csets[i]);
	free(ts->csets);
	free(ts->names);
	free(ts->cons);
	free(ts->cons_tool);
	memset(ts, 0, sizeof(*ts));
}

int
ctl_tools_add_tool(struct ctl_tools *ts, const char *name)
{
	if (name[0] == '\0') {
		ctl_err("--tool: the tool name is empty");
		return -1;
	}
	for (size_t i = 0; i < ts->n; i++)
		if (strcmp(ts->names[i], name) == 0) {
			ctl_err("--tool: '%s' given twice", name);
			return -1;
		}
	ts->names[ts->n++] = name;
	return 0;
}

void
ctl_tools_add_constraint(struct ctl_tools *ts, const char *spec)
{
	ts->cons_tool[ts->ncons] = ts->n > 0 ? ts->n - 1 : CTL_NO_TOOL;
	ts->cons[ts->ncons++] = spec;
}

/* Splits "ARG=SPEC" into a malloc'd argument name and the spec. */
static char *
split_spec(const char *s, const char **spec)
{
	const char *eq = strchr(s, '=');
	char *arg;

	if (eq == NULL || eq == s) {
		ctl_err("--constraint: expected ARG=SPEC, got '%s'", s);
		return NULL;
	}
	if ((arg = strndup(s, (size_t)(eq - s))) == NULL)
		ctl_err("out of memory");
	*spec = eq + 1;
	return arg;
}

struct cons_set {
	struct tn_cset_entry	*e;
	struct tn_buf		*bufs;
	size_t			 n;
};

static void
cons_set_free(struct cons_set *cs)
{
	for (size_t i = 0; i < cs->n; i++) {
		free((char *)(uintptr_t)cs->e[i].arg);
		tn_buf_free(&cs->bufs[i]);
	}
	free(cs->e);
	free(cs->bufs);
}

static int
cons_add(struct cons_set *cs, const char *tool, const char *s)
{
	struct tn_buf *b = &cs->bufs[cs->n];
	const char *spec;
	char *arg;

	if ((arg = split_spec(s, &spec)) == NULL)
		return -1;
	for (size_t i = 0; i < cs->n; i++)
		if (strcmp(cs->e[i].arg, arg) == 0) {
			ctl_err("--constraint: argument '%s' of tool '%s' is "
			    "constrained twice", arg, tool);
			free(arg);
			return -1;
		}
	tn_buf_init(b, TN_MAX_WARRANT_BYTES);
	cs->e[cs->n].arg = arg;
	cs->n++;
	if (ctl_constraint_encode(s, spec, b) == -1)
		return -1;
	cs->e[cs->n - 1].constraint = b->p;
	cs->e[cs->n - 1].len = b->len;
	return 0;
}

/* Encodes the constraint set of tool i into ts->csets[i]. */
static int
build_one(struct ctl_tools *ts, size_t i)
{
	struct cons_set cs = { NULL, NULL, 0 };
	int rc = -1;

	cs.e = calloc(ts->ncons + 1, sizeof(*cs.e));
	cs.bufs = calloc(ts->ncons + 1, sizeof(*cs.bufs));
	if (cs.e == NULL || cs.bufs == NULL) {
		ctl_err("out of memory");
		goto out;
	}
	for (size_t j = 0; j < ts->ncons; j++)
		if ((ts->cons_tool[j] == i || ts->n == 1) &&
		    cons_add(&cs, ts->names[i], ts->cons[j]) == -1)
			goto out;
	tn_cset_encode(&ts->csets[i], cs.e, cs.n, ts->allow_unknown);
	if (tn_buf_status(&ts->csets[i]) != TN_OK)
		ctl_err("tool '%s': constraint set too large", ts->names[i]);
	else
		rc = 0;
out:
	cons_set_free(&cs);
	return rc;
}

int
ctl_tools_build(struct ctl_tools *ts)
{
	if (ts->n > 1 && ts->ncons > 0 && ts->cons_tool[0] == CTL_NO_TOOL) {
		ctl_err("--constraint %s: with several --tool options each "
		    "--constraint must follow the --tool it applies to",
		    ts->cons[0]);
		return -1;
	}
	if (ts->n == 0 && ts->ncons > 0) {
		ctl_err("--constraint %s: no --tool to apply it to",
		    ts->cons[0]);
		return -1;
	}
	for (size_t i = 0; i < ts->n; i++)
		if (build_one(ts, i) == -1)
			return -1;
	return 0;
}

/* How many --constraint options apply to tool i. */
size_t
ctl_tools_ncons(const struct ctl_tools *ts, size_t i)
{
	size_t k = 0;

	for (size_t j = 0; j < ts->ncons; j++)
		if (ts->cons_tool[j] == i || ts->n == 1)
			k++;
	return k;
}
