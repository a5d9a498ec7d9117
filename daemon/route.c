/*
 * route.c: the fail-closed request classifier (route.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "route.h"
#include "tn_temporal_methods.h"

/*
 * Names with their lengths, so that matching a field costs a length
 * compare for most names (this runs on every request).
 */
struct rt_str {
	const char	*s;
	size_t		 len;
};

#define RT_S(lit)	{ (lit), sizeof(lit) - 1 }
#define RT_M(m)	{ (m) + sizeof(TN_M_SERVICE) - 1, \
	sizeof(m) - sizeof(TN_M_SERVICE) }

/* The WorkflowService methods intercept.c inspects (by name). */
static const struct rt_str rt_inspected[] = {
	RT_M(TN_M_POLL_ACTIVITY_TASK_QUEUE),
	RT_M(TN_M_RESPOND_WORKFLOW_TASK_COMPLETED),
	RT_M(TN_M_RESPOND_ACTIVITY_TASK_COMPLETED),
	RT_M(TN_M_RESPOND_ACTIVITY_TASK_FAILED),
	RT_M(TN_M_RESPOND_ACTIVITY_TASK_CANCELED),
	RT_M(TN_M_RECORD_ACTIVITY_TASK_HEARTBEAT),
	RT_M(TN_M_RESPOND_ACTIVITY_TASK_COMPLETED_BY_ID),
	RT_M(TN_M_RESPOND_ACTIVITY_TASK_FAILED_BY_ID),
	RT_M(TN_M_RESPOND_ACTIVITY_TASK_CANCELED_BY_ID),
	RT_M(TN_M_RECORD_ACTIVITY_TASK_HEARTBEAT_BY_ID),
	RT_M(TN_M_START_WORKFLOW_EXECUTION),
	RT_M(TN_M_SIGNAL_WITH_START_WORKFLOW_EXECUTION)
};

/* Fields a gRPC request carries at most once (at most 32 of them). */
enum {
	RT_SG_CT, RT_SG_TE, RT_SG_ENC, RT_SG_TIMEOUT, RT_SG_AENC, RT_SG_MTYPE,
	RT_SG_UA, RT_SG_HOST, RT_SG_CLEN, RT_SG_AUTH, RT_SG_NS, RT_SG_N
};
static const struct rt_str rt_single[RT_SG_N] = {
	RT_S("content-type"), RT_S("te"), RT_S("grpc-encoding"),
	RT_S("grpc-timeout"), RT_S("grpc-accept-encoding"),
	RT_S("grpc-message-type"), RT_S("user-agent"), RT_S("host"),
	RT_S("content-length"), RT_S("authorization"),
	RT_S("temporal-namespace")
};

enum { RT_P_METHOD, RT_P_SCHEME, RT_P_PATH, RT_P_AUTHORITY, RT_P_N };
static const struct rt_str rt_pseudo[RT_P_N] = {
	RT_S(":method"), RT_S(":scheme"), RT_S(":path"), RT_S(":authority")
};

#define RT_N(a)	(sizeof(a) / sizeof((a)[0]))

static enum route_verdict
rt_no(enum route_verdict v, char *why, size_t whylen, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static enum route_verdict
rt_no(enum route_verdict v, char *why, size_t whylen, const char *fmt, ...)
{
	va_list	ap;

	if (why != NULL && whylen > 0) {
		va_start(ap, fmt);
		(void)vsnprintf(why, whylen, fmt, ap);
		va_end(ap);
	}
	return v;
}

static int
rt_eq(const uint8_t *p, size_t len, const char *s)
{
	return strlen(s) == len && memcmp(p, s, len) == 0;
}

static int
rt_eqs(const uint8_t *p, size_t len, const struct rt_str *s)
{
	return s->len == len && memcmp(p, s->s, len) == 0;
}

static int
rt_caseeq(const uint8_t *p, size_t len, const char *s)
{
	return strlen(s) == len && strncasecmp((const char *)p, s, len) == 0;
}

static int
rt_ident(const uint8_t *p, size_t len, int dots)
{
	size_t	i;
	int	first = 1;

	if (len == 0)
		return 0;
	for (i = 0; i < len; i++) {
		uint8_t	c = p[i];

		if (dots && c == '.') {
			if (first || i + 1 == len)
				return 0;
			first = 1;
			continue;
		}
		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		    c == '_' || (!first && c >= '0' && c <= '9')))
			return 0;
		first = 0;
	}
	return 1;
}

int
route_service_ok(const char *name)
{
	size_t	len = strlen(name);

	return len > 0 && len <= ROUTE_SERVICE_MAX &&
	    rt_ident((const uint8_t *)name, len, 1);
}

/* 1: allowed as is; -1: a case variant of an allowed one; 0: other. */
static int
rt_service(const uint8_t *p, size_t len, const struct route_allow *allow)
{
	size_t	i;
	int	ci = 0;

	if (rt_eq(p, len, ROUTE_WS) || rt_eq(p, len, ROUTE_HEALTH))
		return 1;
	ci = rt_caseeq(p, len, ROUTE_WS) || rt_caseeq(p, len, ROUTE_HEALTH);
	for (i = 0; allow != NULL && i < allow->n; i++) {
		if (rt_eq(p, len, allow->names[i]))
			return 1;
		ci |= rt_caseeq(p, len, allow->names[i]);
	}
	return ci ? -1 : 0;
}

/* 1 when m differs only in case from an inspected method. */
static int
rt_case_variant(const uint8_t *m, size_t len)
{
	size_t	i;

	for (i = 0; i < RT_N(rt_inspected); i++)
		if (rt_inspected[i].len == len &&
		    strncasecmp((const char *)m, rt_inspected[i].s, len) == 0 &&
		    !rt_eqs(m, len, &rt_inspected[i]))
			return 1;
	return 0;
}

enum route_verdict
route_path(const uint8_t *path, size_t len, const struct route_allow *allow,
    char *why, size_t whylen)
{
	const uint8_t	*slash;
	size_t		 slen, mlen;
	int		 svc;

	if (len == 0 || len > ROUTE_PATH_MAX || path[0] != '/')
		return rt_no(ROUTE_INVALID, why, whylen, "malformed :path");
	if ((slash = memchr(path + 1, '/', len - 1)) == NULL)
		return rt_no(ROUTE_INVALID, why, whylen, "malformed :path "
		    "(no method)");
	slen = (size_t)(slash - path) - 1;
	mlen = len - slen - 2;
	if (!rt_ident(path + 1, slen, 1) || !rt_ident(slash + 1, mlen, 0))
		return rt_no(ROUTE_INVALID, why, whylen, "non-canonical :path");
	if ((svc = rt_service(path + 1, slen, allow)) == 0)
		return rt_no(ROUTE_UNIMPLEMENTED, why, whylen, "service not "
		    "passed by tenuo-sidecar");
	if (svc < 0)
		return rt_no(ROUTE_INVALID, why, whylen, "non-canonical "
		    "service name (case)");
	if (rt_eq(path + 1, slen, ROUTE_WS) && rt_case_variant(slash + 1,
	    mlen))
		return rt_no(ROUTE_INVALID, why, whylen, "non-canonical "
		    "method name (case)");
	return ROUTE_PASS;
}

/*
 * Byte classes for the field checks below: RT_TCHAR a lower-case token
 * character (RFC 9110 tchar without A-Z), RT_CTL a control character
 * (but tab) or DEL, which no value may carry.
 */
#define RT_TCHAR	1
#define RT_CTL		2
static const uint8_t rt_class[256] = {
	2, 2, 2, 2, 2, 2, 2, 2, 2, 0, 2, 2, 2, 2, 2, 2,
	2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2,
	0, 1, 0, 1, 1, 1, 1, 1, 0, 0, 1, 1, 0, 1, 1, 0,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1,
	1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 0, 1, 2,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
	0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
};

/* Field name a lower-case token, value without control characters. */
static int
rt_field_ok(const nghttp2_nv *nv)
{
	size_t	i;
	uint8_t	ctl = 0;

	if (nv->namelen == 0)
		return 0;
	for (i = nv->name[0] == ':' ? 1 : 0; i < nv->namelen; i++)
		if (!(rt_class[nv->name[i]] & RT_TCHAR))
			return 0;
	for (i = 0; i < nv->valuelen; i++)
		ctl |= rt_class[nv->value[i]];
	return !(ctl & RT_CTL);
}

/* Index in rt_pseudo, or -1. */
static int
rt_pseudo_idx(const nghttp2_nv *nv)
{
	int	i;

	for (i = 0; i < RT_P_N; i++)
		if (rt_eqs(nv->name, nv->namelen, &rt_pseudo[i]))
			return i;
	return -1;
}

/*
 * Index in rt_single, or -1: candidates by length first (this runs on
 * every request field; no single-value name starts with ':').
 */
static int
rt_single_idx(const nghttp2_nv *nv)
{
	int	k, k2 = -1;

	switch (nv->namelen) {
	case 2:		k = RT_SG_TE; break;
	case 4:		k = RT_SG_HOST; break;
	case 10:	k = RT_SG_UA; break;
	case 12:	k = RT_SG_CT; k2 = RT_SG_TIMEOUT; break;
	case 13:	k = RT_SG_ENC; k2 = RT_SG_AUTH; break;
	case 14:	k = RT_SG_CLEN; break;
	case 17:	k = RT_SG_MTYPE; break;
	case 18:	k = RT_SG_NS; break;
	case 20:	k = RT_SG_AENC; break;
	default:	return -1;
	}
	if (rt_eqs(nv->name, nv->namelen, &rt_single[k]))
		return k;
	if (k2 >= 0 && rt_eqs(nv->name, nv->namelen, &rt_single[k2]))
		return k2;
	return -1;
}

/*
 * The first index whose single-value field appears again later, or n:
 * one pass, remembering where each such field was first seen (first[k]
 * is n for a field not seen).
 */
static size_t
rt_first_dup(const nghttp2_nv *nv, size_t n, size_t first[RT_SG_N])
{
	size_t		i, dup = n;
	int		k;

	for (k = 0; k < RT_SG_N; k++)
		first[k] = n;
	for (i = 0; i < n; i++) {
		if ((k = rt_single_idx(&nv[i])) < 0)
			continue;
		if (first[k] == n)
			first[k] = i;
		else if (first[k] < dup)
			dup = first[k];
	}
	return dup;
}

/* Pseudo-headers: each of :method, :scheme, :path once, first. */
static enum route_verdict
rt_pseudos(const nghttp2_nv *nv, size_t n, const nghttp2_nv **seen,
    char *why, size_t whylen)
{
	size_t	i;
	int	k, regular = 0;

	for (i = 0; i < n; i++) {
		if (!rt_field_ok(&nv[i]))
			return rt_no(ROUTE_INVALID, why, whylen, "invalid "
			    "header field");
		if (nv[i].name[0] != ':') {
			regular = 1;
			continue;
		}
		if (regular || (k = rt_pseudo_idx(&nv[i])) < 0 ||
		    seen[k] != NULL)
			return rt_no(ROUTE_INVALID, why, whylen, "unexpected "
			    "or duplicate pseudo-header");
		seen[k] = &nv[i];
	}
	if (seen[RT_P_METHOD] == NULL || seen[RT_P_SCHEME] == NULL ||
	    seen[RT_P_PATH] == NULL)
		return rt_no(ROUTE_INVALID, why, whylen, "missing "
		    "pseudo-header");
	if (!rt_eq(seen[RT_P_METHOD]->value, seen[RT_P_METHOD]->valuelen,
	    "POST"))
		return rt_no(ROUTE_INVALID, why, whylen, ":method not POST");
	if (!rt_eq(seen[RT_P_SCHEME]->value, seen[RT_P_SCHEME]->valuelen,
	    "http") && !rt_eq(seen[RT_P_SCHEME]->value,
	    seen[RT_P_SCHEME]->valuelen, "https"))
		return rt_no(ROUTE_INVALID, why, whylen, "bad :scheme");
	return ROUTE_PASS;
}

/*
 * Regular fields: no duplicate single-value field, te, content-type.
 * In field order, the first of "a field seen again later" and "te not
 * trailers" decides; te and content-type are single-value fields, so
 * without a duplicate each is at first[] (or absent).
 */
static enum route_verdict
rt_regular(const nghttp2_nv *nv, size_t n, char *why, size_t whylen)
{
	const nghttp2_nv	*ct;
	size_t			 first[RT_SG_N], dup, te;

	dup = rt_first_dup(nv, n, first);
	te = first[RT_SG_TE];
	if (te < dup && !rt_eq(nv[te].value, nv[te].valuelen, "trailers"))
		return rt_no(ROUTE_INVALID, why, whylen, "te not trailers");
	if (dup < n)
		return rt_no(ROUTE_INVALID, why, whylen, "duplicate %.*s",
		    (int)nv[dup].namelen, nv[dup].name);
	ct = first[RT_SG_CT] < n ? &nv[first[RT_SG_CT]] : NULL;
	if (ct == NULL || (!rt_eq(ct->value, ct->valuelen,
	    "application/grpc") && !rt_eq(ct->value, ct->valuelen,
	    "application/grpc+proto")))
		return rt_no(ROUTE_INVALID, why, whylen, "content-type not "
		    "application/grpc");
	return ROUTE_PASS;
}

enum route_verdict
route_request(const nghttp2_nv *nv, size_t n,
    const struct route_allow *allow, char *why, size_t whylen)
{
	const nghttp2_nv	*seen[RT_P_N] = { NULL };
	enum route_verdict	 v;

	if ((v = rt_pseudos(nv, n, seen, why, whylen)) != ROUTE_PASS)
		return v;
	if ((v = route_path(seen[RT_P_PATH]->value, seen[RT_P_PATH]->valuelen,
	    allow, why, whylen)) != ROUTE_PASS)
		return v;
	return rt_regular(nv, n, why, whylen);
}

int
route_is_tenuo_md(const uint8_t *name, size_t len)
{
	/* The first byte first: this runs on every request field. */
	return len >= 8 && (name[0] | 0x20) == 'x' &&
	    strncasecmp((const char *)name, "x-tenuo-", 8) == 0;
}

void
route_printable(const uint8_t *in, size_t len, char *out, size_t outlen)
{
	size_t	i, o = 0;

	if (outlen == 0)
		return;
	for (i = 0; i < len && o + 5 < outlen; i++) {
		if (in[i] >= 0x20 && in[i] < 0x7f && in[i] != '\\' &&
		    in[i] != '"')
			out[o++] = (char)in[i];
		else
			o += (size_t)snprintf(out + o, outlen - o, "\\x%02x",
			    in[i]);
	}
	if (i < len && o + 3 < outlen) {
		memcpy(out + o, "...", 3);
		o += 3;
	}
	out[o] = '\0';
}
