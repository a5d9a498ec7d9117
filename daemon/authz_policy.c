/*
 * authz_policy.c: [policy NAME] sections -> struct authz_policy, and the
 * first-match selection.  See authz.h.
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "config.h"
#include "tn_codec.h"
#include "tn_pop.h"

struct pparse {
	const char			*path;
	const struct config_errsink	*sink;
	int				 errors;
};

static void
p_err(struct pparse *pp, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void
p_err(struct pparse *pp, int line, const char *fmt, ...)
{
	char msg[512], full[700];
	va_list ap;

	pp->errors++;
	if (pp->sink == NULL || pp->sink->fn == NULL)
		return;
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(full, sizeof(full), "%s:%d: %s", pp->path ? pp->path : "-",
	    line, msg);
	pp->sink->fn(pp->sink->arg, full);
}

void
authz_globals_default(struct authz_globals *g)
{
	memset(g, 0, sizeof(*g));
	g->require_warrant = 1;
	g->audit_only = 0;
	g->strip_tenuo_headers = 1;
	g->redact_args = 1;
	g->pop_max_windows = TN_POP_DEFAULT_WINDOWS;
	g->pop_clock = AUTHZ_POP_SCHEDULED;
	g->max_chain_depth = AUTHZ_MAX_CHAIN_DEPTH;
}

/* The library verifies PoP over 2..10 windows; clamp what config allows. */
static unsigned
clamp_windows(unsigned w)
{
	if (w < TN_POP_MIN_WINDOWS)
		return TN_POP_MIN_WINDOWS;
	if (w > TN_POP_MAX_WINDOWS)
		return TN_POP_MAX_WINDOWS;
	return w;
}

static void
inherit(struct authz_policy *p, const struct authz_globals *g)
{
	p->require_warrant = g->require_warrant;
	p->audit_only = g->audit_only;
	p->strip_tenuo_headers = g->strip_tenuo_headers;
	p->redact_args = g->redact_args;
	p->pop_max_windows = clamp_windows(g->pop_max_windows);
	p->pop_clock = g->pop_clock;
	p->max_chain_depth = g->max_chain_depth ? g->max_chain_depth :
	    AUTHZ_MAX_CHAIN_DEPTH;
}

static void
policy_free(struct authz_policy *p)
{
	free(p->name);
	free(p->ns);
	free(p->task_queue);
	tn_glob_free(&p->tq_glob);
	free(p->roots);
	for (size_t i = 0; i < p->ntool_map; i++) {
		free(p->tool_map[i].activity);
		free(p->tool_map[i].tool);
	}
	free(p->tool_map);
	memset(p, 0, sizeof(*p));
}

void
authz_policies_free(struct authz_policies *ps)
{
	if (ps == NULL)
		return;
	for (size_t i = 0; i < ps->n; i++)
		policy_free(&ps->p[i]);
	free(ps->p);
	policy_free(&ps->global);
	free(ps);
}

static int
onoff(struct pparse *pp, const struct config_kv *kv, int *out)
{
	if (strcmp(kv->value, "on") == 0)
		*out = 1;
	else if (strcmp(kv->value, "off") == 0)
		*out = 0;
	else {
		p_err(pp, kv->line, "%s: expected on or off, got \"%s\"",
		    kv->key, kv->value);
		return -1;
	}
	return 0;
}

static int
number(struct pparse *pp, const struct config_kv *kv, unsigned long min,
    unsigned long max, unsigned long *out)
{
	char *end;
	unsigned long v;

	if (kv->value[0] < '0' || kv->value[0] > '9')
		goto bad;
	v = strtoul(kv->value, &end, 10);
	if (*end != '\0' || v < min || v > max)
		goto bad;
	*out = v;
	return 0;
bad:
	p_err(pp, kv->line, "%s %s out of range (%lu-%lu)", kv->key,
	    kv->value, min, max);
	return -1;
}

static char *
xstrdup(struct pparse *pp, int line, const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		p_err(pp, line, "out of memory");
	return d;
}

/* Splits s on commas and blanks; calls fn for each non-empty word. */
static int
each_word(struct pparse *pp, const struct config_kv *kv, struct authz_policy *p,
    int (*fn)(struct pparse *, const struct config_kv *,
    struct authz_policy *, const char *, size_t))
{
	const char *s = kv->value;
	int rc = 0;

	while (*s != '\0') {
		size_t n;

		s += strspn(s, ", \t");
		n = strcspn(s, ", \t");
		if (n > 0 && fn(pp, kv, p, s, n) != 0)
			rc = -1;
		s += n;
	}
	return rc;
}

static int
add_root(struct pparse *pp, const struct config_kv *kv, struct authz_policy *p,
    const char *w, size_t n)
{
	uint8_t (*nr)[AUTHZ_KEY_LEN];
	size_t got = 0;

	if (p->nroots == AUTHZ_POLICY_ROOTS_MAX) {
		p_err(pp, kv->line, "trusted_root: too many keys (max %u)",
		    AUTHZ_POLICY_ROOTS_MAX);
		return -1;
	}
	nr = realloc(p->roots, (p->nroots + 1) * sizeof(*nr));
	if (nr == NULL) {
		p_err(pp, kv->line, "out of memory");
		return -1;
	}
	p->roots = nr;
	if (n != 2 * AUTHZ_KEY_LEN || tn_hex_decode(w, n, nr[p->nroots],
	    AUTHZ_KEY_LEN, &got, NULL) != TN_OK || got != AUTHZ_KEY_LEN) {
		p_err(pp, kv->line, "trusted_root: expected 64 hex digits, got "
		    "\"%.*s\"", (int)(n > 80 ? 80 : n), w);
		return -1;
	}
	p->nroots++;
	return 0;
}

static int
add_map(struct pparse *pp, const struct config_kv *kv, struct authz_policy *p,
    const char *w, size_t n)
{
	const char *colon = memchr(w, ':', n);
	struct authz_tool_map *nm;
	size_t alen;

	if (colon == NULL || colon == w || colon == w + n - 1) {
		p_err(pp, kv->line, "tool_map: expected activity:tool, got "
		    "\"%.*s\"", (int)(n > 80 ? 80 : n), w);
		return -1;
	}
	if (p->ntool_map == AUTHZ_TOOL_MAP_MAX) {
		p_err(pp, kv->line, "tool_map: too many entries (max %u)",
		    AUTHZ_TOOL_MAP_MAX);
		return -1;
	}
	nm = realloc(p->tool_map, (p->ntool_map + 1) * sizeof(*nm));
	if (nm == NULL) {
		p_err(pp, kv->line, "out of memory");
		return -1;
	}
	p->tool_map = nm;
	alen = (size_t)(colon - w);
	nm[p->ntool_map].activity = strndup(w, alen);
	nm[p->ntool_map].tool = strndup(colon + 1, n - alen - 1);
	p->ntool_map++;
	if (nm[p->ntool_map - 1].activity == NULL ||
	    nm[p->ntool_map - 1].tool == NULL) {
		p_err(pp, kv->line, "out of memory");
		return -1;
	}
	return 0;
}

static int
set_task_queue(struct pparse *pp, const struct config_kv *kv,
    struct authz_policy *p)
{
	struct tn_error err;

	if (tn_glob_compile((const uint8_t *)kv->value, strlen(kv->value),
	    &p->tq_glob, &err) != TN_OK) {
		p_err(pp, kv->line, "task_queue: bad glob \"%s\": %s",
		    kv->value, err.reason);
		return -1;
	}
	p->task_queue = xstrdup(pp, kv->line, kv->value);
	return p->task_queue ? 0 : -1;
}

static int
set_enforcement(struct pparse *pp, const struct config_kv *kv,
    struct authz_policy *p)
{
	if (strcmp(kv->value, "enforce") == 0)
		p->audit_only = 0;
	else if (strcmp(kv->value, "audit-only") == 0)
		p->audit_only = 1;
	else {
		p_err(pp, kv->line, "enforcement: expected enforce or "
		    "audit-only, got \"%s\"", kv->value);
		return -1;
	}
	return 0;
}

static int
set_pop_clock(struct pparse *pp, const struct config_kv *kv,
    struct authz_policy *p)
{
	if (strcmp(kv->value, "scheduled") == 0)
		p->pop_clock = AUTHZ_POP_SCHEDULED;
	else if (strcmp(kv->value, "now") == 0)
		p->pop_clock = AUTHZ_POP_NOW;
	else {
		p_err(pp, kv->line, "pop_clock: expected scheduled or now, got "
		    "\"%s\"", kv->value);
		return -1;
	}
	return 0;
}

static int
set_key(struct pparse *pp, const struct config_kv *kv, struct authz_policy *p)
{
	unsigned long v;

	if (strcmp(kv->key, "namespace") == 0)
		return (p->ns = xstrdup(pp, kv->line, kv->value)) ? 0 : -1;
	if (strcmp(kv->key, "task_queue") == 0)
		return set_task_queue(pp, kv, p);
	if (strcmp(kv->key, "require_warrant") == 0)
		return onoff(pp, kv, &p->require_warrant);
	if (strcmp(kv->key, "require_warrant_on_start") == 0)
		return onoff(pp, kv, &p->require_warrant_on_start);
	if (strcmp(kv->key, "strip_tenuo_headers") == 0)
		return onoff(pp, kv, &p->strip_tenuo_headers);
	if (strcmp(kv->key, "redact_args") == 0)
		return onoff(pp, kv, &p->redact_args);
	if (strcmp(kv->key, "enforcement") == 0)
		return set_enforcement(pp, kv, p);
	if (strcmp(kv->key, "pop_clock") == 0)
		return set_pop_clock(pp, kv, p);
	if (strcmp(kv->key, "pop_max_windows") == 0) {
		if (number(pp, kv, TN_POP_MIN_WINDOWS, TN_POP_MAX_WINDOWS,
		    &v) != 0)
			return -1;
		p->pop_max_windows = (unsigned)v;
		return 0;
	}
	if (strcmp(kv->key, "max_chain_depth") == 0) {
		if (number(pp, kv, 1, 64, &v) != 0)
			return -1;
		p->max_chain_depth = (uint32_t)v;
		return 0;
	}
	if (strcmp(kv->key, "trusted_root") == 0) {
		if (each_word(pp, kv, p, add_root) != 0)
			return -1;
		if (p->nroots == 0) {
			p_err(pp, kv->line, "trusted_root: no key given");
			return -1;
		}
		return 0;
	}
	if (strcmp(kv->key, "tool_map") == 0)
		return each_word(pp, kv, p, add_map);
	p_err(pp, kv->line, "unknown key \"%s\" in a policy section (namespace, "
	    "task_queue, require_warrant, require_warrant_on_start, "
	    "enforcement, strip_tenuo_headers, redact_args, pop_max_windows, pop_clock, max_chain_depth, "
	    "trusted_root, tool_map)", kv->key);
	return -1;
}

static void
build_one(struct pparse *pp, const struct config_policy *cp,
    const struct authz_globals *g, struct authz_policy *p)
{
	inherit(p, g);
	p->name = xstrdup(pp, cp->line, cp->name ? cp->name : "");
	p->line = cp->line;
	for (size_t i = 0; i < cp->nkv; i++)
		(void)set_key(pp, &cp->kv[i], p);
}

int
authz_policies_build(const char *path, const struct config_policy *pol,
    size_t npol, const struct authz_globals *g,
    const struct config_errsink *sink, struct authz_policies **out)
{
	struct pparse pp = { path, sink, 0 };
	struct authz_policies *ps;

	*out = NULL;
	if ((ps = calloc(1, sizeof(*ps))) == NULL)
		return 1;
	inherit(&ps->global, g);
	ps->global.name = xstrdup(&pp, 0, "");
	if (npol > 0 && (ps->p = calloc(npol, sizeof(*ps->p))) == NULL)
		p_err(&pp, 0, "out of memory");
	for (size_t i = 0; ps->p != NULL && i < npol; i++) {
		build_one(&pp, &pol[i], g, &ps->p[i]);
		ps->n++;
	}
	if (pp.errors != 0) {
		authz_policies_free(ps);
		return pp.errors;
	}
	*out = ps;
	return 0;
}

static int
policy_matches(const struct authz_policy *p, const char *ns, const char *tq)
{
	if (p->ns != NULL && strcmp(p->ns, ns) != 0)
		return 0;
	if (p->task_queue != NULL && tn_glob_match(&p->tq_glob,
	    (const uint8_t *)tq, strlen(tq)) != 1)
		return 0;
	return 1;
}

const struct authz_policy *
authz_policy_select(const struct authz_policies *ps, const char *ns,
    const char *tq)
{
	for (size_t i = 0; i < ps->n; i++)
		if (policy_matches(&ps->p[i], ns ? ns : "", tq ? tq : ""))
			return &ps->p[i];
	return &ps->global;
}

int
authz_policies_start_checked(const struct authz_policies *ps)
{
	if (ps == NULL)
		return 0;
	for (size_t i = 0; i < ps->n; i++)
		if (ps->p[i].require_warrant_on_start)
			return 1;
	return ps->global.require_warrant_on_start;
}

const char *
authz_policy_tool(const struct authz_policy *pol, const char *activity)
{
	for (size_t i = 0; i < pol->ntool_map; i++)
		if (strcmp(pol->tool_map[i].activity, activity) == 0)
			return pol->tool_map[i].tool;
	return activity;
}
