/*
 * config.c: parsing and checking tenuo-sidecar.conf (see config.h).
 */
#include <sys/types.h>
#include <sys/stat.h>
#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <openssl/rand.h>

#include "tn_codec.h"
#include "tn_srl.h"

#include "authz.h"
#include "chaincache.h"
#include "config.h"
#include "dedup.h"
#include "log.h"
#include "route.h"
#include "tasktoken.h"
#include "tls.h"

#define CONFIG_ERR_MAX		512
#define CONFIG_KEY_MAX		64
#define CONFIG_POLICY_NAME_MAX	64

struct cfparse {
	const char			*path;
	int				 line;
	int				 errors;
	const struct config_errsink	*sink;
	struct config			*cf;
	struct config_policy		*policy;	/* current section */
	int				 seen[64];	/* line a key was set */
};

static uint64_t	cf_generation;	/* bumped by every load: trust changes */

struct cfkey {
	const char	*name;
	int		 repeatable;
	void		(*set)(struct cfparse *, const char *);
};

static void	cf_listen(struct cfparse *, const char *);
static void	cf_upstream(struct cfparse *, const char *);
static void	cf_upstream_tls(struct cfparse *, const char *);
static void	cf_ca_file(struct cfparse *, const char *);
static void	cf_cert_file(struct cfparse *, const char *);
static void	cf_key_file(struct cfparse *, const char *);
static void	cf_server_name(struct cfparse *, const char *);
static void	cf_trusted_root(struct cfparse *, const char *);
static void	cf_trusted_roots_file(struct cfparse *, const char *);
static void	cf_revocation_list_file(struct cfparse *, const char *);
static void	cf_revocation_list_key(struct cfparse *, const char *);
static void	cf_enforcement(struct cfparse *, const char *);
static void	cf_require_warrant(struct cfparse *, const char *);
static void	cf_pop_max_windows(struct cfparse *, const char *);
static void	cf_audit_log(struct cfparse *, const char *);
static void	cf_admin_listen(struct cfparse *, const char *);
static void	cf_max_message_bytes(struct cfparse *, const char *);
static void	cf_shutdown_grace(struct cfparse *, const char *);
static void	cf_keepalive(struct cfparse *, const char *);
static void	cf_keepalive_timeout(struct cfparse *, const char *);
static void	cf_orphan_drain(struct cfparse *, const char *);
static void	cf_listen_cert(struct cfparse *, const char *);
static void	cf_listen_key(struct cfparse *, const char *);
static void	cf_listen_ca(struct cfparse *, const char *);
static void	cf_tls_timeout(struct cfparse *, const char *);
static void	cf_pop_clock(struct cfparse *, const char *);
static void	cf_strip_headers(struct cfparse *, const char *);
static void	cf_redact_args(struct cfparse *, const char *);
static void	cf_max_chain_depth(struct cfparse *, const char *);
static void	cf_tt_key_file(struct cfparse *, const char *);
static void	cf_tt_prev_key_file(struct cfparse *, const char *);
static void	cf_chain_cache_size(struct cfparse *, const char *);
static void	cf_dedup_capacity(struct cfparse *, const char *);
static void	cf_dedup_ttl(struct cfparse *, const char *);
static void	cf_allow_by_id(struct cfparse *, const char *);
static void	cf_block_local(struct cfparse *, const char *);
static void	cf_local_allow(struct cfparse *, const char *);
static void	cf_allow_service(struct cfparse *, const char *);

static const struct cfkey cfkeys[] = {
	{ "listen",			1, cf_listen },
	{ "upstream",			0, cf_upstream },
	{ "upstream_tls",		0, cf_upstream_tls },
	{ "upstream_ca_file",		0, cf_ca_file },
	{ "upstream_cert_file",		0, cf_cert_file },
	{ "upstream_key_file",		0, cf_key_file },
	{ "upstream_server_name",	0, cf_server_name },
	{ "trusted_root",		1, cf_trusted_root },
	{ "trusted_roots_file",		0, cf_trusted_roots_file },
	{ "revocation_list_file",	0, cf_revocation_list_file },
	{ "revocation_list_key",	0, cf_revocation_list_key },
	{ "enforcement",		0, cf_enforcement },
	{ "require_warrant",		0, cf_require_warrant },
	{ "pop_max_windows",		0, cf_pop_max_windows },
	{ "audit_log",			0, cf_audit_log },
	{ "admin_listen",		0, cf_admin_listen },
	{ "max_message_bytes",		0, cf_max_message_bytes },
	{ "shutdown_grace",		0, cf_shutdown_grace },
	{ "upstream_keepalive",		0, cf_keepalive },
	{ "upstream_keepalive_timeout",	0, cf_keepalive_timeout },
	{ "orphan_drain_timeout",	0, cf_orphan_drain },
	{ "listen_tls_cert_file",	0, cf_listen_cert },
	{ "listen_tls_key_file",	0, cf_listen_key },
	{ "listen_tls_client_ca_file",	0, cf_listen_ca },
	{ "tls_handshake_timeout",	0, cf_tls_timeout },
	{ "pop_clock",			0, cf_pop_clock },
	{ "strip_tenuo_headers",	0, cf_strip_headers },
	{ "redact_args",		0, cf_redact_args },
	{ "max_chain_depth",		0, cf_max_chain_depth },
	{ "task_token_key_file",	0, cf_tt_key_file },
	{ "task_token_previous_key_file", 0, cf_tt_prev_key_file },
	{ "chain_cache_size",		0, cf_chain_cache_size },
	{ "dedup_capacity",		0, cf_dedup_capacity },
	{ "dedup_ttl",			0, cf_dedup_ttl },
	{ "allow_by_id",		0, cf_allow_by_id },
	{ "block_local_activities",	0, cf_block_local },
	{ "local_activity_allow",	1, cf_local_allow },
	{ "allow_service",		1, cf_allow_service },
};
#define CFKEYS_N	(sizeof(cfkeys) / sizeof(cfkeys[0]))
_Static_assert(CFKEYS_N <= sizeof(((struct cfparse *)0)->seen) /
    sizeof(int), "cfparse.seen is too small for cfkeys");

static void	cf_err_at(struct cfparse *, const char *, int, const char *, ...)
		    __attribute__((format(printf, 4, 5)));
static void	cf_err(struct cfparse *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
cf_emit(struct cfparse *cp, const char *msg)
{
	cp->errors++;
	if (cp->sink != NULL && cp->sink->fn != NULL)
		cp->sink->fn(cp->sink->arg, msg);
	else
		log_warnx("%s", msg);
}

static void
cf_err_at(struct cfparse *cp, const char *path, int line, const char *fmt,
    ...)
{
	char	msg[CONFIG_ERR_MAX], full[CONFIG_ERR_MAX + 256];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (line > 0)
		(void)snprintf(full, sizeof(full), "%s:%d: %s", path, line,
		    msg);
	else
		(void)snprintf(full, sizeof(full), "%s: %s", path, msg);
	cf_emit(cp, full);
}

static void
cf_err(struct cfparse *cp, const char *fmt, ...)
{
	char	msg[CONFIG_ERR_MAX];
	va_list	ap;

	va_start(ap, fmt);
	(void)vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cf_err_at(cp, cp->path, cp->line, "%s", msg);
}

static char *
cf_strdup(const char *s)
{
	char	*d;

	if ((d = strdup(s)) == NULL)
		fatal("strdup");
	return d;
}

/* Replaces *dst with a copy of s. */
static void
cf_setstr(char **dst, const char *s)
{
	free(*dst);
	*dst = cf_strdup(s);
}

/*
 * Checks that a file we read secrets or trust from is a regular file that
 * group and others cannot write (nor read, if secret), owned by root or
 * by us.  Reports against the config line that named it.
 */
static int
cf_check_file(struct cfparse *cp, const char *key, const char *path,
    int secret)
{
	struct stat	st;

	if (stat(path, &st) == -1) {
		cf_err(cp, "%s %s: %s", key, path, strerror(errno));
		return -1;
	}
	if (!S_ISREG(st.st_mode)) {
		cf_err(cp, "%s %s: not a regular file", key, path);
		return -1;
	}
	if (st.st_mode & (S_IWGRP | S_IWOTH)) {
		cf_err(cp, "%s %s: writable by group or others (mode %04o); "
		    "run chmod go-w", key, path, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	if (secret && (st.st_mode & (S_IRGRP | S_IROTH))) {
		cf_err(cp, "%s %s: readable by group or others (mode %04o); "
		    "run chmod go-rw", key, path,
		    (unsigned)(st.st_mode & 07777));
		return -1;
	}
	if (st.st_uid != 0 && st.st_uid != geteuid()) {
		cf_err(cp, "%s %s: owned by uid %u, neither root nor us",
		    key, path, (unsigned)st.st_uid);
		return -1;
	}
	return 0;
}

static int
cf_onoff(struct cfparse *cp, const char *key, const char *v, int *out)
{
	if (strcmp(v, "on") == 0)
		*out = 1;
	else if (strcmp(v, "off") == 0)
		*out = 0;
	else {
		cf_err(cp, "%s: expected on or off, got \"%s\"", key, v);
		return -1;
	}
	return 0;
}

static int
cf_number(struct cfparse *cp, const char *key, const char *v, uint64_t min,
    uint64_t max, uint64_t *out)
{
	char			*end;
	unsigned long long	 n;

	errno = 0;
	if (!isdigit((unsigned char)v[0]) ||
	    ((n = strtoull(v, &end, 10)), errno != 0) || *end != '\0') {
		cf_err(cp, "%s: \"%s\" is not a number", key, v);
		return -1;
	}
	if (n < min || n > max) {
		cf_err(cp, "%s %s out of range (%llu-%llu)", key, v,
		    (unsigned long long)min, (unsigned long long)max);
		return -1;
	}
	*out = n;
	return 0;
}

int
config_parse_duration(const char *s, uint64_t *ms)
{
	char			*end;
	unsigned long long	 n;
	uint64_t		 mult;

	if (!isdigit((unsigned char)s[0]))
		return -1;
	errno = 0;
	n = strtoull(s, &end, 10);
	if (errno != 0 || n > 100000000ULL)
		return -1;
	if (strcmp(end, "ms") == 0)
		mult = 1;
	else if (*end == '\0' || strcmp(end, "s") == 0)
		mult = 1000;
	else if (strcmp(end, "m") == 0)
		mult = 60 * 1000;
	else if (strcmp(end, "h") == 0)
		mult = 3600 * 1000;
	else
		return -1;
	*ms = (uint64_t)n * mult;
	return 0;
}

static int
cf_duration(struct cfparse *cp, const char *key, const char *v,
    uint64_t min_ms, uint64_t max_ms, uint64_t *out)
{
	uint64_t	ms;

	if (config_parse_duration(v, &ms) == -1) {
		cf_err(cp, "%s: bad duration \"%s\" (like 30s, 500ms, 2m)",
		    key, v);
		return -1;
	}
	if (ms < min_ms || ms > max_ms) {
		cf_err(cp, "%s %s out of range (%llums-%llums)", key, v,
		    (unsigned long long)min_ms, (unsigned long long)max_ms);
		return -1;
	}
	*out = ms;
	return 0;
}

/* ---------------------------------------------------------------- keys */

static void
cf_listen(struct cfparse *cp, const char *v)
{
	struct config_listen	*l;
	char			 err[256];
	size_t			 i;
	int			 tls = 0;

	if (strncmp(v, "tls:", 4) == 0) {
		tls = 1;
		v += 4;
	}
	if (cp->cf->nlisten == CONFIG_LISTEN_MAX) {
		cf_err(cp, "listen: too many listen addresses (max %d)",
		    CONFIG_LISTEN_MAX);
		return;
	}
	for (i = 0; i < cp->cf->nlisten; i++)
		if (strcmp(cp->cf->listen[i].text, v) == 0) {
			cf_err(cp, "listen %s: given twice", v);
			return;
		}
	l = &cp->cf->listen[cp->cf->nlisten];
	if (addr_parse(v, 1, &l->addrs, err, sizeof(err)) == -1) {
		cf_err(cp, "listen: %s", err);
		return;
	}
	l->text = cf_strdup(v);
	l->tls = tls;
	l->line = cp->line;
	cp->cf->nlisten++;
}

static void
cf_upstream(struct cfparse *cp, const char *v)
{
	char	err[256];

	if (addr_parse(v, 0, &cp->cf->upstream_addrs, err, sizeof(err)) == -1) {
		cf_err(cp, "upstream: %s", err);
		return;
	}
	cf_setstr(&cp->cf->upstream, v);
}

static void
cf_upstream_tls(struct cfparse *cp, const char *v)
{
	(void)cf_onoff(cp, "upstream_tls", v, &cp->cf->upstream_tls);
}

static void
cf_ca_file(struct cfparse *cp, const char *v)
{
	if (cf_check_file(cp, "upstream_ca_file", v, 0) == 0)
		cf_setstr(&cp->cf->upstream_ca_file, v);
}

static void
cf_cert_file(struct cfparse *cp, const char *v)
{
	if (cf_check_file(cp, "upstream_cert_file", v, 0) == 0)
		cf_setstr(&cp->cf->upstream_cert_file, v);
}

static void
cf_key_file(struct cfparse *cp, const char *v)
{
	if (cf_check_file(cp, "upstream_key_file", v, 1) == 0)
		cf_setstr(&cp->cf->upstream_key_file, v);
}

static void
cf_server_name(struct cfparse *cp, const char *v)
{
	cf_setstr(&cp->cf->upstream_server_name, v);
}

/* Decodes one 64-hex-digit key; reports errors at path:line. */
static void
cf_add_root(struct cfparse *cp, const char *path, int line, const char *v)
{
	struct tn_error	  e;
	uint8_t		  key[32];
	uint8_t		(*nr)[32];
	size_t		  len = 0, n = strlen(v);

	if (n != 64) {
		cf_err_at(cp, path, line, "trusted_root: expected 64 hex "
		    "digits (an Ed25519 public key), got %zu characters", n);
		return;
	}
	if (tn_hex_decode(v, n, key, sizeof(key), &len, &e) != TN_OK ||
	    len != sizeof(key)) {
		cf_err_at(cp, path, line, "trusted_root: not a hex string");
		return;
	}
	if (cp->cf->nroots == CONFIG_ROOTS_MAX) {
		cf_err_at(cp, path, line, "trusted_root: too many trusted "
		    "roots (max %d)", CONFIG_ROOTS_MAX);
		return;
	}
	nr = reallocarray(cp->cf->roots, cp->cf->nroots + 1, sizeof(*nr));
	if (nr == NULL)
		fatal("reallocarray");
	cp->cf->roots = nr;
	memcpy(nr[cp->cf->nroots++], key, sizeof(key));
}

static void
cf_trusted_root(struct cfparse *cp, const char *v)
{
	cf_add_root(cp, cp->path, cp->line, v);
}

static char	*cf_trim(char *);

static void
cf_trusted_roots_file(struct cfparse *cp, const char *v)
{
	FILE	*f;
	char	 buf[CONFIG_LINE_MAX + 2], *s, *hash;
	int	 line = 0;

	if (cf_check_file(cp, "trusted_roots_file", v, 0) == -1)
		return;
	if ((f = fopen(v, "r")) == NULL) {
		cf_err(cp, "trusted_roots_file %s: %s", v, strerror(errno));
		return;
	}
	cf_setstr(&cp->cf->trusted_roots_file, v);
	while (fgets(buf, sizeof(buf), f) != NULL) {
		line++;
		if ((hash = strchr(buf, '#')) != NULL)
			*hash = '\0';
		s = cf_trim(buf);
		if (*s != '\0')
			cf_add_root(cp, v, line, s);
	}
	(void)fclose(f);
}

static void
cf_revocation_list_file(struct cfparse *cp, const char *v)
{
	if (cf_check_file(cp, "revocation_list_file", v, 0) == 0) {
		cf_setstr(&cp->cf->revocation_list_file, v);
		cp->cf->revocation_list_line = cp->line;
	}
}

static void
cf_revocation_list_key(struct cfparse *cp, const char *v)
{
	size_t	len = 0, n = strlen(v);

	if (n != 64 || tn_hex_decode(v, n, cp->cf->revocation_list_key,
	    sizeof(cp->cf->revocation_list_key), &len, NULL) != TN_OK ||
	    len != 32) {
		cf_err(cp, "revocation_list_key: expected 64 hex digits (the "
		    "control plane's Ed25519 public key)");
		return;
	}
	cp->cf->has_revocation_list_key = 1;
}

/* Reads the whole list file (at most TN_MAX_SRL_BYTES); NULL on error. */
static uint8_t *
cf_read_srl(struct cfparse *cp, const char *path, size_t *len)
{
	FILE	*f;
	uint8_t	*buf;
	size_t	 n;
	int	 line = cp->cf->revocation_list_line;

	if ((f = fopen(path, "rb")) == NULL) {
		cf_err_at(cp, cp->path, line, "revocation_list_file %s: %s",
		    path, strerror(errno));
		return NULL;
	}
	if ((buf = malloc(TN_MAX_SRL_BYTES + 1)) == NULL)
		fatal("malloc");
	n = fread(buf, 1, TN_MAX_SRL_BYTES + 1, f);
	(void)fclose(f);
	if (n > TN_MAX_SRL_BYTES) {
		cf_err_at(cp, cp->path, line, "revocation_list_file %s: larger "
		    "than %u bytes", path, TN_MAX_SRL_BYTES);
		free(buf);
		return NULL;
	}
	*len = n;
	return buf;
}

/* Base64 text (any alphabet, whitespace allowed) is decoded in place. */
static int
cf_srl_unarmor(uint8_t **buf, size_t *len)
{
	uint8_t	*raw;
	size_t	 rawlen;

	for (size_t i = 0; i < *len; i++) {
		uint8_t c = (*buf)[i];

		if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') ||
		    (c >= '0' && c <= '9') || c == '+' || c == '/' ||
		    c == '-' || c == '_' || c == '=' || c == ' ' ||
		    c == '\t' || c == '\r' || c == '\n'))
			return 0;	/* binary: raw CBOR */
	}
	if (tn_b64_decode((const char *)*buf, *len, TN_B64_ANY |
	    TN_B64_SKIP_WS, TN_MAX_SRL_BYTES, &raw, &rawlen, NULL) != TN_OK)
		return -1;
	free(*buf);
	*buf = raw;
	*len = rawlen;
	return 0;
}

/*
 * Verifies the list under revocation_list_key, or under each trusted root
 * in turn: a revocation list comes from the control plane, whose key is a
 * trust anchor.
 */
static void
cf_finish_srl(struct cfparse *cp)
{
	struct config	*cf = cp->cf;
	struct tn_error	 e;
	const uint8_t	(*keys)[32];
	size_t		 nkeys, len = 0;
	uint8_t		*buf;
	int		 line = cf->revocation_list_line;

	if (cf->revocation_list_file == NULL)
		return;
	keys = cf->has_revocation_list_key ?
	    (const uint8_t (*)[32])&cf->revocation_list_key :
	    (const uint8_t (*)[32])cf->roots;
	nkeys = cf->has_revocation_list_key ? 1 : cf->nroots;
	if (nkeys == 0) {
		cf_err_at(cp, cp->path, line, "revocation_list_file needs "
		    "revocation_list_key or a trusted_root to verify it");
		return;
	}
	if ((buf = cf_read_srl(cp, cf->revocation_list_file, &len)) == NULL)
		return;
	if (cf_srl_unarmor(&buf, &len) != 0) {
		cf_err_at(cp, cp->path, line, "revocation_list_file %s: "
		    "neither CBOR nor valid base64", cf->revocation_list_file);
		free(buf);
		return;
	}
	tn_error_clear(&e);
	for (size_t i = 0; i < nkeys && cf->srl == NULL; i++)
		if (tn_srl_decode(buf, len, keys[i], 0, &cf->srl, &e) != TN_OK)
			cf->srl = NULL;
	if (cf->srl == NULL)
		cf_err_at(cp, cp->path, line, "revocation_list_file %s: %s%s",
		    cf->revocation_list_file, e.reason, nkeys > 1 ?
		    " (under every trusted_root)" : "");
	free(buf);
}

int
config_srl_rollback(const struct config *cur, const struct config *next)
{
	return cur->srl != NULL && next->srl != NULL &&
	    next->srl->version < cur->srl->version;
}

static void
cf_enforcement(struct cfparse *cp, const char *v)
{
	if (strcmp(v, "enforce") == 0)
		cp->cf->enforcement = CONFIG_ENFORCE;
	else if (strcmp(v, "audit-only") == 0)
		cp->cf->enforcement = CONFIG_AUDIT_ONLY;
	else
		cf_err(cp, "enforcement: expected enforce or audit-only, "
		    "got \"%s\"", v);
}

static void
cf_require_warrant(struct cfparse *cp, const char *v)
{
	(void)cf_onoff(cp, "require_warrant", v, &cp->cf->require_warrant);
}

static void
cf_pop_max_windows(struct cfparse *cp, const char *v)
{
	uint64_t	n;

	if (cf_number(cp, "pop_max_windows", v, 2, 10, &n) == 0)
		cp->cf->pop_max_windows = (unsigned)n;
}

static void
cf_audit_log(struct cfparse *cp, const char *v)
{
	if (strcmp(v, "-") != 0 && v[0] != '/') {
		cf_err(cp, "audit_log: expected an absolute path or -, got "
		    "\"%s\"", v);
		return;
	}
	cf_setstr(&cp->cf->audit_log, v);
}

static void
cf_admin_listen(struct cfparse *cp, const char *v)
{
	char	err[256];

	if (strcmp(v, "off") == 0) {
		free(cp->cf->admin_listen);
		cp->cf->admin_listen = NULL;
		return;
	}
	if (addr_parse(v, 1, &cp->cf->admin_addrs, err, sizeof(err)) == -1) {
		cf_err(cp, "admin_listen: %s", err);
		return;
	}
	cf_setstr(&cp->cf->admin_listen, v);
}

static void
cf_max_message_bytes(struct cfparse *cp, const char *v)
{
	(void)cf_number(cp, "max_message_bytes", v, 1024, UINT32_MAX,
	    &cp->cf->max_message_bytes);
}

static void
cf_shutdown_grace(struct cfparse *cp, const char *v)
{
	(void)cf_duration(cp, "shutdown_grace", v, 0, 3600 * 1000,
	    &cp->cf->shutdown_grace_ms);
}

static void
cf_keepalive(struct cfparse *cp, const char *v)
{
	uint64_t	ms;

	if (cf_duration(cp, "upstream_keepalive", v, 0, 3600 * 1000,
	    &ms) == -1)
		return;
	if (ms != 0 && ms < 1000) {
		cf_err(cp, "upstream_keepalive %s out of range (0 or "
		    "1s-1h)", v);
		return;
	}
	cp->cf->keepalive_ms = ms;
}

static void
cf_keepalive_timeout(struct cfparse *cp, const char *v)
{
	(void)cf_duration(cp, "upstream_keepalive_timeout", v, 1000,
	    600 * 1000, &cp->cf->keepalive_timeout_ms);
}

static void
cf_orphan_drain(struct cfparse *cp, const char *v)
{
	(void)cf_duration(cp, "orphan_drain_timeout", v, 0, 600 * 1000,
	    &cp->cf->orphan_drain_ms);
}

static void
cf_listen_cert(struct cfparse *cp, const char *v)
{
	if (cf_check_file(cp, "listen_tls_cert_file", v, 0) == 0)
		cf_setstr(&cp->cf->listen_tls_cert_file, v);
}

static void
cf_listen_key(struct cfparse *cp, const char *v)
{
	if (cf_check_file(cp, "listen_tls_key_file", v, 1) == 0)
		cf_setstr(&cp->cf->listen_tls_key_file, v);
}

static void
cf_listen_ca(struct cfparse *cp, const char *v)
{
	if (cf_check_file(cp, "listen_tls_client_ca_file", v, 0) == 0)
		cf_setstr(&cp->cf->listen_tls_client_ca_file, v);
}

static void
cf_tls_timeout(struct cfparse *cp, const char *v)
{
	(void)cf_duration(cp, "tls_handshake_timeout", v, 1000, 300 * 1000,
	    &cp->cf->tls_handshake_timeout_ms);
}

static void
cf_pop_clock(struct cfparse *cp, const char *v)
{
	if (strcmp(v, "scheduled") == 0)
		cp->cf->pop_clock = AUTHZ_POP_SCHEDULED;
	else if (strcmp(v, "now") == 0)
		cp->cf->pop_clock = AUTHZ_POP_NOW;
	else
		cf_err(cp, "pop_clock: expected scheduled or now, got \"%s\"",
		    v);
}

static void
cf_strip_headers(struct cfparse *cp, const char *v)
{
	(void)cf_onoff(cp, "strip_tenuo_headers", v,
	    &cp->cf->strip_tenuo_headers);
}

static void
cf_redact_args(struct cfparse *cp, const char *v)
{
	(void)cf_onoff(cp, "redact_args", v, &cp->cf->redact_args);
}

static void
cf_max_chain_depth(struct cfparse *cp, const char *v)
{
	uint64_t	n;

	if (cf_number(cp, "max_chain_depth", v, 1, 64, &n) == 0)
		cp->cf->max_chain_depth = (uint32_t)n;
}

static void
cf_tt_key_file(struct cfparse *cp, const char *v)
{
	if (v[0] != '/') {
		cf_err(cp, "task_token_key_file: \"%s\" is not an absolute "
		    "path", v);
		return;
	}
	cf_setstr(&cp->cf->task_token_key_file, v);
}

static void
cf_tt_prev_key_file(struct cfparse *cp, const char *v)
{
	if (strcmp(v, "none") == 0)
		return;
	if (v[0] != '/') {
		cf_err(cp, "task_token_previous_key_file: \"%s\" is not an "
		    "absolute path", v);
		return;
	}
	cf_setstr(&cp->cf->task_token_previous_key_file, v);
}

static void
cf_chain_cache_size(struct cfparse *cp, const char *v)
{
	uint64_t	n;

	if (cf_number(cp, "chain_cache_size", v, 1, CHAINCACHE_MAX_CAPACITY,
	    &n) == 0)
		cp->cf->chain_cache_size = (size_t)n;
}

static void
cf_dedup_capacity(struct cfparse *cp, const char *v)
{
	uint64_t	n;

	if (cf_number(cp, "dedup_capacity", v, 1, DEDUP_MAX_CAPACITY, &n) == 0)
		cp->cf->dedup_capacity = (size_t)n;
}

static void
cf_dedup_ttl(struct cfparse *cp, const char *v)
{
	(void)cf_duration(cp, "dedup_ttl", v, 1000, 24 * 3600 * 1000,
	    &cp->cf->dedup_ttl_ms);
}

static void
cf_allow_by_id(struct cfparse *cp, const char *v)
{
	(void)cf_onoff(cp, "allow_by_id", v, &cp->cf->allow_by_id);
}

static void
cf_block_local(struct cfparse *cp, const char *v)
{
	(void)cf_onoff(cp, "block_local_activities", v,
	    &cp->cf->block_local_activities);
}

/* Activity type names separated by commas or blanks; repeatable. */
static void
cf_local_allow(struct cfparse *cp, const char *v)
{
	struct config	*cf = cp->cf;
	char		*copy, *tok, *save = NULL;
	char		**n;

	copy = cf_strdup(v);
	for (tok = strtok_r(copy, ", \t", &save); tok != NULL;
	    tok = strtok_r(NULL, ", \t", &save)) {
		if (cf->nlocal_allow == CONFIG_LOCAL_ALLOW_MAX) {
			cf_err(cp, "local_activity_allow: too many names (max "
			    "%d)", CONFIG_LOCAL_ALLOW_MAX);
			break;
		}
		n = reallocarray(cf->local_allow, cf->nlocal_allow + 1,
		    sizeof(*n));
		if (n == NULL)
			fatal("reallocarray");
		cf->local_allow = n;
		n[cf->nlocal_allow++] = cf_strdup(tok);
	}
	free(copy);
}

/*
 * One more gRPC service to forward (route.h): a dotted identifier, not
 * one passed already, repeatable.
 */
static void
cf_allow_service(struct cfparse *cp, const char *v)
{
	struct config	*cf = cp->cf;
	char		**n;
	size_t		 i;

	if (!route_service_ok(v)) {
		cf_err(cp, "allow_service: \"%.64s\" is not a service name "
		    "(package.Service, at most %d bytes)", v,
		    ROUTE_SERVICE_MAX);
		return;
	}
	for (i = 0; i < cf->nallow_service; i++)
		if (strcmp(cf->allow_service[i], v) == 0) {
			cf_err(cp, "allow_service: %s given twice", v);
			return;
		}
	if (cf->nallow_service == CONFIG_ALLOW_SERVICE_MAX) {
		cf_err(cp, "allow_service: too many services (max %d)",
		    CONFIG_ALLOW_SERVICE_MAX);
		return;
	}
	n = reallocarray(cf->allow_service, cf->nallow_service + 1,
	    sizeof(*n));
	if (n == NULL)
		fatal("reallocarray");
	cf->allow_service = n;
	n[cf->nallow_service++] = cf_strdup(v);
}

/* ------------------------------------------------------------- parsing */

static char *
cf_trim(char *s)
{
	char	*e;

	while (*s == ' ' || *s == '\t')
		s++;
	e = s + strlen(s);
	while (e > s && (e[-1] == ' ' || e[-1] == '\t' || e[-1] == '\n' ||
	    e[-1] == '\r'))
		*--e = '\0';
	return s;
}

static int
cf_name_ok(const char *s, size_t max, int dash)
{
	size_t	n = 0;

	for (; *s != '\0'; s++, n++) {
		if (islower((unsigned char)*s) || isdigit((unsigned char)*s) ||
		    *s == '_')
			continue;
		if (dash && (isupper((unsigned char)*s) || *s == '-' ||
		    *s == '.'))
			continue;
		return 0;
	}
	return n > 0 && n <= max;
}

static void
cf_section(struct cfparse *cp, char *s)
{
	struct config		*cf = cp->cf;
	struct config_policy	*np;
	char			*name;
	size_t			 n = strlen(s), i;

	if (n < 2 || s[n - 1] != ']') {
		cf_err(cp, "bad section header, expected [policy NAME]");
		return;
	}
	s[n - 1] = '\0';
	s = cf_trim(s + 1);
	if (strncmp(s, "policy", 6) != 0 || (s[6] != ' ' && s[6] != '\t')) {
		cf_err(cp, "unknown section [%s], expected [policy NAME]", s);
		return;
	}
	name = cf_trim(s + 6);
	if (!cf_name_ok(name, CONFIG_POLICY_NAME_MAX, 1)) {
		cf_err(cp, "bad policy name \"%s\" (letters, digits, _ - .; "
		    "at most %d)", name, CONFIG_POLICY_NAME_MAX);
		return;
	}
	for (i = 0; i < cf->npolicies; i++)
		if (strcmp(cf->policies[i].name, name) == 0) {
			cf_err(cp, "policy %s already defined on line %d",
			    name, cf->policies[i].line);
			return;
		}
	if (cf->npolicies == CONFIG_POLICY_MAX) {
		cf_err(cp, "too many policies (max %d)", CONFIG_POLICY_MAX);
		return;
	}
	np = reallocarray(cf->policies, cf->npolicies + 1, sizeof(*np));
	if (np == NULL)
		fatal("reallocarray");
	cf->policies = np;
	cp->policy = &np[cf->npolicies++];
	memset(cp->policy, 0, sizeof(*cp->policy));
	cp->policy->name = cf_strdup(name);
	cp->policy->line = cp->line;
}

static void
cf_policy_kv(struct cfparse *cp, const char *key, const char *value)
{
	struct config_policy	*p = cp->policy;
	struct config_kv	*nkv;
	size_t			 i;

	for (i = 0; i < p->nkv; i++)
		if (strcmp(p->kv[i].key, key) == 0) {
			cf_err(cp, "duplicate key \"%s\" in policy %s (first "
			    "set on line %d)", key, p->name, p->kv[i].line);
			return;
		}
	if (p->nkv == CONFIG_POLICY_KEYS_MAX) {
		cf_err(cp, "too many keys in policy %s (max %d)", p->name,
		    CONFIG_POLICY_KEYS_MAX);
		return;
	}
	nkv = reallocarray(p->kv, p->nkv + 1, sizeof(*nkv));
	if (nkv == NULL)
		fatal("reallocarray");
	p->kv = nkv;
	nkv[p->nkv].key = cf_strdup(key);
	nkv[p->nkv].value = cf_strdup(value);
	nkv[p->nkv].line = cp->line;
	p->nkv++;
}

static void
cf_global_kv(struct cfparse *cp, const char *key, const char *value)
{
	size_t	i;

	for (i = 0; i < CFKEYS_N; i++)
		if (strcmp(cfkeys[i].name, key) == 0)
			break;
	if (i == CFKEYS_N) {
		cf_err(cp, "unknown key \"%s\"", key);
		return;
	}
	if (!cfkeys[i].repeatable && cp->seen[i] != 0) {
		cf_err(cp, "duplicate key \"%s\" (first set on line %d)", key,
		    cp->seen[i]);
		return;
	}
	cp->seen[i] = cp->line;
	cfkeys[i].set(cp, value);
}

static void
cf_line(struct cfparse *cp, char *s)
{
	char	*eq, *key, *value, *hash;

	if ((hash = strchr(s, '#')) != NULL)
		*hash = '\0';
	s = cf_trim(s);
	if (*s == '\0')
		return;
	if (*s == '[') {
		cf_section(cp, s);
		return;
	}
	if ((eq = strchr(s, '=')) == NULL) {
		cf_err(cp, "syntax error, expected key = value");
		return;
	}
	*eq = '\0';
	key = cf_trim(s);
	value = cf_trim(eq + 1);
	if (!cf_name_ok(key, CONFIG_KEY_MAX, 0)) {
		cf_err(cp, "bad key \"%s\"", key);
		return;
	}
	if (*value == '\0') {
		cf_err(cp, "missing value for key \"%s\"", key);
		return;
	}
	if (cp->policy != NULL)
		cf_policy_kv(cp, key, value);
	else
		cf_global_kv(cp, key, value);
}

/*
 * Reads one line into buf (NUL-terminated, the newline kept) as fgets()
 * would, but counts the bytes it reads, so a NUL byte cannot hide the
 * length of a line.  *len is the line's length (above size - 1 when it
 * did not fit: the rest is read and dropped), *nul whether it holds a NUL
 * byte.  0, or -1 at the end of the file.
 */
static int
cf_getline(FILE *f, char *buf, size_t size, size_t *len, int *nul)
{
	size_t	n = 0;
	int	c = EOF;

	*nul = 0;
	while ((c = getc(f)) != EOF) {
		if (n < size - 1)
			buf[n] = (char)c;
		n++;
		if (c == '\0')
			*nul = 1;
		if (c == '\n')
			break;
	}
	buf[n < size - 1 ? n : size - 1] = '\0';
	*len = n;
	return n == 0 && c == EOF ? -1 : 0;
}

/* Reads lines; a line longer than CONFIG_LINE_MAX or with NUL is an error. */
static void
cf_read(struct cfparse *cp, FILE *f)
{
	char	buf[CONFIG_LINE_MAX + 1];
	size_t	n;
	int	nul;

	while (cf_getline(f, buf, sizeof(buf), &n, &nul) == 0) {
		cp->line++;
		if (n > CONFIG_LINE_MAX)
			cf_err(cp, "line too long (max %d bytes)",
			    CONFIG_LINE_MAX);
		else if (nul)
			cf_err(cp, "NUL byte in line");
		else
			cf_line(cp, buf);
	}
}

static void
cf_defaults(struct config *cf)
{
	cf->refs = 1;
	cf->enforcement = CONFIG_ENFORCE;
	cf->require_warrant = 1;
	cf->pop_max_windows = 5;
	cf->max_message_bytes = 134217728;
	cf->shutdown_grace_ms = 30 * 1000;
	cf->keepalive_ms = 30 * 1000;
	cf->keepalive_timeout_ms = 20 * 1000;
	cf->orphan_drain_ms = 10 * 1000;
	cf->tls_handshake_timeout_ms = 10 * 1000;
	cf->pop_clock = AUTHZ_POP_SCHEDULED;
	cf->strip_tenuo_headers = 1;
	cf->redact_args = 1;
	cf->max_chain_depth = AUTHZ_MAX_CHAIN_DEPTH;
	cf->chain_cache_size = CHAINCACHE_DEFAULT_CAPACITY;
	cf->dedup_capacity = DEDUP_DEFAULT_CAPACITY;
	cf->dedup_ttl_ms = DEDUP_DEFAULT_TTL_MS;
}

/* The line key was set on, 0 if not set. */
static int
cf_seen(const struct cfparse *cp, const char *key)
{
	size_t	i;

	for (i = 0; i < CFKEYS_N; i++)
		if (strcmp(cfkeys[i].name, key) == 0)
			return cp->seen[i];
	return 0;
}

/* Loads cert and key into t; errors at the line of the file at fault. */
static void
cf_tls_pair(struct cfparse *cp, struct tls_ctx *t, const char *certkey,
    const char *cert, const char *keykey, const char *key)
{
	char	cwhy[TLS_WHY_MAX], kwhy[TLS_WHY_MAX];

	if (tls_ctx_load_pair(t, cert, key, cwhy, kwhy, sizeof(cwhy)) == 0)
		return;
	if (cwhy[0] != '\0')
		cf_err_at(cp, cp->path, cf_seen(cp, certkey), "%s %s: %s",
		    certkey, cert, cwhy);
	if (kwhy[0] != '\0')
		cf_err_at(cp, cp->path, cf_seen(cp, keykey), "%s %s: %s",
		    keykey, key, kwhy);
}

static void
cf_tls_ca(struct cfparse *cp, struct tls_ctx *t, const char *cakey,
    const char *ca)
{
	char	why[TLS_WHY_MAX];

	if (tls_ctx_load_ca(t, ca, why, sizeof(why)) == 0)
		return;
	if (ca != NULL)
		cf_err_at(cp, cp->path, cf_seen(cp, cakey), "%s %s: %s",
		    cakey, ca, why);
	else
		cf_err_at(cp, cp->path, cf_seen(cp, "upstream_tls"),
		    "upstream_tls: %s", why);
}

static struct tls_ctx *
cf_tls_ctx(struct cfparse *cp, enum tls_role role, const char *key)
{
	struct tls_ctx	*t;
	char		 why[TLS_WHY_MAX];

	if ((t = tls_ctx_new(role, why, sizeof(why))) == NULL)
		cf_err_at(cp, cp->path, cf_seen(cp, key), "%s: %s", key, why);
	return t;
}

/* Downstream TLS: keys and "listen = tls:" lines must agree. */
static void
cf_finish_tls_down(struct cfparse *cp)
{
	struct config	*cf = cp->cf;
	size_t		 i;
	int		 ntls = 0;
	int		 cert = cf_seen(cp, "listen_tls_cert_file");
	int		 key = cf_seen(cp, "listen_tls_key_file");
	int		 ca = cf_seen(cp, "listen_tls_client_ca_file");

	for (i = 0; i < cf->nlisten; i++) {
		if (!cf->listen[i].tls)
			continue;
		ntls++;
		if (!cert || !key)
			cf_err_at(cp, cp->path, cf->listen[i].line, "listen "
			    "tls:%s needs listen_tls_cert_file and "
			    "listen_tls_key_file", cf->listen[i].text);
	}
	if (ntls == 0 && (cert || key || ca))
		cf_err_at(cp, cp->path, cert ? cert : key ? key : ca,
		    "listen_tls_cert_file, listen_tls_key_file and "
		    "listen_tls_client_ca_file need a listen = tls:ADDR line");
	else if (ntls > 0 && cert && key && cf->listen_tls_cert_file !=
	    NULL && cf->listen_tls_key_file != NULL &&
	    (cf->down_tls = cf_tls_ctx(cp, TLS_SERVER,
	    "listen_tls_cert_file")) != NULL) {
		cf_tls_pair(cp, cf->down_tls, "listen_tls_cert_file",
		    cf->listen_tls_cert_file, "listen_tls_key_file",
		    cf->listen_tls_key_file);
		if (cf->listen_tls_client_ca_file != NULL)
			cf_tls_ca(cp, cf->down_tls, "listen_tls_client_ca_file",
			    cf->listen_tls_client_ca_file);
	}
}

/* The host part of "host:port" or "[v6]:port" (no brackets). */
static void
cf_upstream_host(const char *up, char *host, size_t len)
{
	const char	*end;
	size_t		 n;

	if (up[0] == '[' && (end = strchr(up, ']')) != NULL)
		up++;
	else if ((end = strrchr(up, ':')) == NULL)
		end = up + strlen(up);
	n = (size_t)(end - up);
	if (n >= len)
		n = len - 1;
	memcpy(host, up, n);
	host[n] = '\0';
}

static void
cf_tls_up_name(struct cfparse *cp, struct tls_ctx *t)
{
	struct config	*cf = cp->cf;
	char		 host[ADDR_STR_MAX], why[TLS_WHY_MAX];
	int		 line = cf_seen(cp, "upstream_server_name");

	if (cf->upstream_server_name == NULL) {
		if (cf->upstream_addrs.is_unix) {
			cf_err_at(cp, cp->path, cf_seen(cp, "upstream_tls"),
			    "upstream_tls = on with a unix: upstream needs "
			    "upstream_server_name");
			return;
		}
		cf_upstream_host(cf->upstream, host, sizeof(host));
		cf->upstream_server_name = cf_strdup(host);
		line = cf_seen(cp, "upstream");
	}
	if (tls_ctx_set_server_name(t, cf->upstream_server_name, why,
	    sizeof(why)) == -1)
		cf_err_at(cp, cp->path, line, "upstream_server_name: %s", why);
}

/* Upstream TLS: the context, or why the keys cannot be used. */
static void
cf_finish_tls_up(struct cfparse *cp)
{
	struct config	*cf = cp->cf;
	int		 cert = cf_seen(cp, "upstream_cert_file");
	int		 key = cf_seen(cp, "upstream_key_file");
	int		 ca = cf_seen(cp, "upstream_ca_file");
	int		 name = cf_seen(cp, "upstream_server_name");

	if (!cf->upstream_tls) {
		if (cert || key || ca || name)
			cf_err_at(cp, cp->path, ca ? ca : cert ? cert : key ?
			    key : name, "upstream_ca_file, upstream_cert_file, "
			    "upstream_key_file and upstream_server_name need "
			    "upstream_tls = on");
		return;
	}
	if (!cert != !key) {
		cf_err_at(cp, cp->path, cert ? cert : key, "upstream_cert_file "
		    "and upstream_key_file go together");
		return;
	}
	if (cf->upstream == NULL || (cf->up_tls = cf_tls_ctx(cp, TLS_CLIENT,
	    "upstream_tls")) == NULL)
		return;
	if (cf->upstream_cert_file != NULL && cf->upstream_key_file != NULL)
		cf_tls_pair(cp, cf->up_tls, "upstream_cert_file",
		    cf->upstream_cert_file, "upstream_key_file",
		    cf->upstream_key_file);
	if (cf->upstream_ca_file != NULL || !ca)
		cf_tls_ca(cp, cf->up_tls, "upstream_ca_file",
		    cf->upstream_ca_file);
	cf_tls_up_name(cp, cf->up_tls);
}

static void
cf_policy_err(void *arg, const char *msg)
{
	struct cfparse	*cp = arg;

	cf_emit(cp, msg);
}

/* [policy NAME] sections into cf->policies; their errors are ours. */
static void
cf_finish_policies(struct cfparse *cp)
{
	struct config		*cf = cp->cf;
	struct authz_globals	 g;
	struct config_errsink	 sink = { cf_policy_err, cp };

	authz_globals_default(&g);
	g.require_warrant = cf->require_warrant;
	g.audit_only = cf->enforcement == CONFIG_AUDIT_ONLY;
	g.strip_tenuo_headers = cf->strip_tenuo_headers;
	g.redact_args = cf->redact_args;
	g.pop_max_windows = cf->pop_max_windows;
	g.pop_clock = cf->pop_clock;
	g.max_chain_depth = cf->max_chain_depth;
	/* each error is counted by cf_emit() through the sink */
	(void)authz_policies_build(cp->path, cf->policies, cf->npolicies, &g,
	    &sink, &cf->authz);
}

/*
 * The task-token keys.  An explicit task_token_key_file is created (0600)
 * when missing and any failure is an error at its line.  The default
 * path is used the same way when its directory exists; otherwise the
 * process runs on an ephemeral key (the same for every reload), so
 * answers to tasks delivered before a restart are refused.
 */
static void
cf_finish_keys(struct cfparse *cp)
{
	static uint8_t	 ephemeral[TASKTOKEN_KEY_LEN];
	static int	 have_ephemeral;
	struct config	*cf = cp->cf;
	char		 why[256];
	int		 created = 0, line = cf_seen(cp, "task_token_key_file");
	struct stat	 st;

	if (cf->task_token_key_file == NULL &&
	    stat(CONFIG_TASK_TOKEN_KEY_DIR, &st) == 0)
		cf->task_token_key_file = cf_strdup(CONFIG_TASK_TOKEN_KEY_FILE);
	if (cf->task_token_key_file == NULL) {
		if (!have_ephemeral && RAND_bytes(ephemeral,
		    sizeof(ephemeral)) != 1)
			fatalx("RAND_bytes");
		have_ephemeral = 1;
		memcpy(cf->tt_cur, ephemeral, sizeof(cf->tt_cur));
		cf->tt_ephemeral = 1;
	} else if (tasktoken_key_file_load(cf->task_token_key_file, 1,
	    cf->tt_cur, &created, why, sizeof(why)) == -1)
		cf_err_at(cp, cp->path, line, "task_token_key_file %s: %s",
		    cf->task_token_key_file, why);
	else if (created)
		log_info("created task-token key %s", cf->task_token_key_file);
	if (cf->task_token_previous_key_file == NULL)
		return;
	if (tasktoken_key_file_load(cf->task_token_previous_key_file, 0,
	    cf->tt_prev, &created, why, sizeof(why)) == -1) {
		cf_err_at(cp, cp->path, cf_seen(cp,
		    "task_token_previous_key_file"),
		    "task_token_previous_key_file %s: %s",
		    cf->task_token_previous_key_file, why);
		return;
	}
	cf->tt_has_prev = 1;
}

/* Checks between keys once the whole file is read. */
static void
cf_finish(struct cfparse *cp)
{
	struct config	*cf = cp->cf;
	char		 err[256];

	if (cf->nlisten == 0) {
		cf->listen[0].text = cf_strdup("127.0.0.1:7233");
		if (addr_parse(cf->listen[0].text, 1, &cf->listen[0].addrs,
		    err, sizeof(err)) == -1)
			cf_err(cp, "listen default: %s", err);
		cf->nlisten = 1;
	}
	if (cf->upstream == NULL && cp->seen[1] == 0)
		cf_err(cp, "missing required key \"upstream\"");
	cf_finish_tls_down(cp);
	cf_finish_tls_up(cp);
	cf_finish_srl(cp);
	if (cf->require_warrant && cf->nroots == 0 && cp->errors == 0)
		cf_err(cp, "require_warrant = on needs a trusted_root or "
		    "trusted_roots_file");
	if (cf->audit_log == NULL)
		cf->audit_log = cf_strdup("-");
	cf_finish_policies(cp);
	cf_finish_keys(cp);
	cf->generation = ++cf_generation;
}

/* Parses f (NULL: no text) as path; the rest of config_load(). */
static int
cf_load(struct cfparse *cp, const char *path, FILE *f, int check_file,
    struct config **out)
{
	if ((cp->cf = calloc(1, sizeof(*cp->cf))) == NULL)
		fatal("calloc");
	cf_defaults(cp->cf);
	cp->cf->path = cf_strdup(path);
	if (check_file && cf_check_file(cp, "config file", path, 0) == -1) {
		/* reported without a line: it is about the whole file */
	}
	if (f != NULL)
		cf_read(cp, f);
	cf_finish(cp);
	if (cp->errors > 0) {
		config_unref(cp->cf);
		return cp->errors;
	}
	*out = cp->cf;
	return 0;
}

int
config_load(const char *path, const struct config_errsink *sink,
    struct config **out)
{
	struct cfparse	 cp;
	FILE		*f;
	int		 rc;

	*out = NULL;
	memset(&cp, 0, sizeof(cp));
	cp.path = path;
	cp.sink = sink;
	if ((f = fopen(path, "r")) == NULL) {
		cf_err_at(&cp, path, 0, "%s", strerror(errno));
		return cp.errors;
	}
	rc = cf_load(&cp, path, f, 1, out);
	(void)fclose(f);
	return rc;
}

int
config_load_buffer(const char *name, const char *buf, size_t len,
    const struct config_errsink *sink, struct config **out)
{
	struct cfparse	 cp;
	FILE		*f = NULL;
	int		 rc;

	*out = NULL;
	memset(&cp, 0, sizeof(cp));
	cp.path = name;
	cp.sink = sink;
	if (len > 0 && (f = fmemopen((void *)(uintptr_t)buf, len, "r")) ==
	    NULL) {
		cf_err_at(&cp, name, 0, "%s", strerror(errno));
		return cp.errors;
	}
	rc = cf_load(&cp, name, f, 0, out);
	if (f != NULL)
		(void)fclose(f);
	return rc;
}

struct config *
config_ref(struct config *cf)
{
	cf->refs++;
	return cf;
}

static void
cf_free_policies(struct config *cf)
{
	size_t	i, j;

	for (i = 0; i < cf->npolicies; i++) {
		for (j = 0; j < cf->policies[i].nkv; j++) {
			free(cf->policies[i].kv[j].key);
			free(cf->policies[i].kv[j].value);
		}
		free(cf->policies[i].kv);
		free(cf->policies[i].name);
	}
	free(cf->policies);
}

void
config_unref(struct config *cf)
{
	size_t	i;

	if (cf == NULL || --cf->refs > 0)
		return;
	for (i = 0; i < cf->nlisten; i++)
		free(cf->listen[i].text);
	free(cf->path);
	free(cf->upstream);
	free(cf->upstream_ca_file);
	free(cf->upstream_cert_file);
	free(cf->upstream_key_file);
	free(cf->upstream_server_name);
	free(cf->listen_tls_cert_file);
	free(cf->listen_tls_key_file);
	free(cf->listen_tls_client_ca_file);
	tls_ctx_free(cf->down_tls);
	tls_ctx_free(cf->up_tls);
	tn_srl_free(cf->srl);
	free(cf->roots);
	free(cf->trusted_roots_file);
	free(cf->revocation_list_file);
	free(cf->audit_log);
	free(cf->admin_listen);
	cf_free_policies(cf);
	authz_policies_free(cf->authz);
	free(cf->task_token_key_file);
	free(cf->task_token_previous_key_file);
	for (i = 0; i < cf->nlocal_allow; i++)
		free(cf->local_allow[i]);
	free(cf->local_allow);
	for (i = 0; i < cf->nallow_service; i++)
		free(cf->allow_service[i]);
	free(cf->allow_service);
	explicit_bzero(cf->tt_cur, sizeof(cf->tt_cur));
	explicit_bzero(cf->tt_prev, sizeof(cf->tt_prev));
	free(cf);
}
