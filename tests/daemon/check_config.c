/*
 * check_config.c: Check suite for daemon/config.c.
 *
 * Each tests/daemon/conf/bad-*.conf lists the errors it must produce, in
 * order, as "# expect: FILE:LINE: message" comments; the suite loads a
 * copy of the folder (mode 0600, so the permission check passes) and
 * compares every message exactly.
 */
#include <sys/stat.h>
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <check.h>

#include "authz.h"
#include "config.h"
#include "tn_codec.h"
#include "tn_crypto.h"
#include "tn_srl.h"

#define CONF_SRC	"tests/daemon/conf"
#define ERRS_MAX	64

struct errs {
	char	*msg[ERRS_MAX];
	int	 n;
};

static char	workdir[256];
static char	origdir[1024];

static void
errs_add(void *arg, const char *msg)
{
	struct errs	*e = arg;

	if (e->n < ERRS_MAX)
		e->msg[e->n++] = strdup(msg);
}

static void
errs_free(struct errs *e)
{
	while (e->n > 0)
		free(e->msg[--e->n]);
}

static int
load(const char *path, struct errs *e, struct config **cf)
{
	struct config_errsink	sink = { errs_add, e };

	memset(e, 0, sizeof(*e));
	return config_load(path, &sink, cf);
}

static void
copy_file(const char *from, const char *to)
{
	FILE	*in, *out;
	char	 buf[4096];
	size_t	 n;

	ck_assert_ptr_nonnull(in = fopen(from, "r"));
	ck_assert_ptr_nonnull(out = fopen(to, "w"));
	while ((n = fread(buf, 1, sizeof(buf), in)) > 0)
		ck_assert_uint_eq(fwrite(buf, 1, n, out), n);
	(void)fclose(in);
	ck_assert_int_eq(fclose(out), 0);
	ck_assert_int_eq(chmod(to, 0600), 0);
}

/* Copies the conf folder to a private temp dir and enters it. */
static void
setup(void)
{
	DIR		*d;
	struct dirent	*de;
	char		 from[2048], to[2048];

	ck_assert_ptr_nonnull(getcwd(origdir, sizeof(origdir)));
	(void)snprintf(workdir, sizeof(workdir), "/tmp/check_config.XXXXXX");
	ck_assert_ptr_nonnull(mkdtemp(workdir));
	ck_assert_ptr_nonnull(d = opendir(CONF_SRC));
	while ((de = readdir(d)) != NULL) {
		if (de->d_name[0] == '.')
			continue;
		(void)snprintf(from, sizeof(from), "%s/%s", CONF_SRC,
		    de->d_name);
		(void)snprintf(to, sizeof(to), "%s/%s", workdir, de->d_name);
		copy_file(from, to);
	}
	(void)closedir(d);
	ck_assert_int_eq(chdir(workdir), 0);
}

static void
teardown(void)
{
	char	cmd[512];

	ck_assert_int_eq(chdir(origdir), 0);
	(void)snprintf(cmd, sizeof(cmd), "rm -rf '%s'", workdir);
	ck_assert_int_eq(system(cmd), 0);
}

static void
write_file(const char *path, const char *text, mode_t mode)
{
	FILE	*f;

	ck_assert_ptr_nonnull(f = fopen(path, "w"));
	(void)fputs(text, f);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, mode), 0);
}

#define ROOT "3b6a27bcceb6a42d62a3a8d02a6f0d73653215771de243a63ac048a18b59da29"

START_TEST(test_config_good_full)
{
	struct config	*cf;
	struct errs	 e;

	ck_assert_int_eq(load("good-full.conf", &e, &cf), 0);
	ck_assert_int_eq(e.n, 0);
	ck_assert_uint_eq(cf->nlisten, 2);
	ck_assert_str_eq(cf->listen[1].text, "unix:/tmp/tenuo-sidecar-test.sock");
	ck_assert_int_eq(cf->listen[1].addrs.is_unix, 1);
	ck_assert_str_eq(cf->upstream, "localhost:7233");
	ck_assert_uint_eq(cf->nroots, 3);
	ck_assert_uint_eq(cf->roots[0][0], 0x3b);
	ck_assert_uint_eq(cf->roots[2][0], 0xd7);
	ck_assert_int_eq(cf->enforcement, CONFIG_AUDIT_ONLY);
	ck_assert_int_eq(cf->require_warrant, 1);
	ck_assert_uint_eq(cf->pop_max_windows, 5);
	ck_assert_str_eq(cf->audit_log, "-");
	ck_assert_str_eq(cf->admin_listen, "127.0.0.1:9233");
	ck_assert_uint_eq(cf->max_message_bytes, 134217728);
	ck_assert_uint_eq(cf->shutdown_grace_ms, 30000);
	ck_assert_uint_eq(cf->keepalive_ms, 30000);
	ck_assert_uint_eq(cf->orphan_drain_ms, 2500);
	ck_assert_uint_eq(cf->npolicies, 1);
	ck_assert_str_eq(cf->policies[0].name, "payments");
	ck_assert_uint_eq(cf->policies[0].nkv, 3);
	ck_assert_str_eq(cf->policies[0].kv[1].value,
	    "charge:charge_card, refund:refund_card");
	/* enforcement keys */
	ck_assert_int_eq(cf->pop_clock, AUTHZ_POP_NOW);
	ck_assert_int_eq(cf->strip_tenuo_headers, 0);
	ck_assert_int_eq(cf->redact_args, 0);
	ck_assert_uint_eq(cf->max_chain_depth, 12);
	ck_assert_ptr_null(cf->task_token_previous_key_file);
	ck_assert_uint_eq(cf->chain_cache_size, 100);
	ck_assert_uint_eq(cf->dedup_capacity, 200);
	ck_assert_uint_eq(cf->dedup_ttl_ms, 300000);
	ck_assert_int_eq(cf->allow_by_id, 1);
	ck_assert_int_eq(cf->block_local_activities, 1);
	ck_assert_uint_eq(cf->nlocal_allow, 3);
	ck_assert_str_eq(cf->local_allow[2], "fetch");
	ck_assert_ptr_nonnull(cf->authz);
	ck_assert_uint_eq(cf->authz->n, 1);
	ck_assert_uint_eq(cf->authz->p[0].pop_max_windows, 3);
	ck_assert_int_eq(cf->authz->p[0].audit_only, 1);
	ck_assert_str_eq(authz_policy_tool(&cf->authz->p[0], "refund"),
	    "refund_card");
	config_unref(cf);
}
END_TEST

START_TEST(test_config_good_defaults)
{
	struct config	*cf;
	struct errs	 e;

	ck_assert_int_eq(load("good-minimal.conf", &e, &cf), 0);
	ck_assert_uint_eq(cf->nlisten, 1);
	ck_assert_str_eq(cf->listen[0].text, "127.0.0.1:7233");
	ck_assert_int_eq(cf->upstream_tls, 0);
	ck_assert_int_eq(cf->enforcement, CONFIG_ENFORCE);
	ck_assert_ptr_null(cf->admin_listen);
	ck_assert_uint_eq(cf->max_message_bytes, 134217728);
	ck_assert_uint_eq(cf->shutdown_grace_ms, 30000);
	ck_assert_uint_eq(cf->orphan_drain_ms, 10000);
	ck_assert_int_eq(cf->pop_clock, AUTHZ_POP_SCHEDULED);
	ck_assert_int_eq(cf->strip_tenuo_headers, 1);
	ck_assert_int_eq(cf->redact_args, 1);
	ck_assert_uint_eq(cf->max_chain_depth, 10);
	ck_assert_uint_eq(cf->chain_cache_size, 4096);
	ck_assert_uint_eq(cf->dedup_capacity, 10000);
	ck_assert_uint_eq(cf->dedup_ttl_ms, 120000);
	ck_assert_int_eq(cf->allow_by_id, 0);
	ck_assert_int_eq(cf->block_local_activities, 0);
	ck_assert_ptr_nonnull(cf->authz);
	ck_assert_uint_eq(cf->authz->n, 0);
	/* references: the last unref frees */
	ck_assert_ptr_eq(config_ref(cf), cf);
	config_unref(cf);
	config_unref(cf);
}
END_TEST

/* Every bad-*.conf: exactly its "# expect:" lines, in order. */
START_TEST(test_config_bad_files)
{
	DIR		*d;
	struct dirent	*de;
	struct config	*cf;
	struct errs	 e;
	FILE		*f;
	char		 line[1024], *exp[ERRS_MAX];
	int		 nexp, i, nfiles = 0;

	ck_assert_ptr_nonnull(d = opendir("."));
	while ((de = readdir(d)) != NULL) {
		if (strncmp(de->d_name, "bad-", 4) != 0 ||
		    strstr(de->d_name, ".conf") == NULL)
			continue;
		nfiles++;
		nexp = 0;
		ck_assert_ptr_nonnull(f = fopen(de->d_name, "r"));
		while (fgets(line, sizeof(line), f) != NULL && nexp < ERRS_MAX)
			if (strncmp(line, "# expect: ", 10) == 0) {
				line[strcspn(line, "\n")] = '\0';
				exp[nexp++] = strdup(line + 10);
			}
		(void)fclose(f);
		ck_assert_msg(nexp > 0, "%s has no expect lines", de->d_name);
		ck_assert_int_eq(load(de->d_name, &e, &cf), e.n);
		ck_assert_ptr_null(cf);
		for (i = 0; i < nexp || i < e.n; i++)
			ck_assert_msg(i < nexp && i < e.n &&
			    strcmp(exp[i], e.msg[i]) == 0,
			    "%s: error %d: expected \"%s\", got \"%s\"",
			    de->d_name, i + 1, i < nexp ? exp[i] : "(none)",
			    i < e.n ? e.msg[i] : "(none)");
		while (nexp > 0)
			free(exp[--nexp]);
		errs_free(&e);
	}
	(void)closedir(d);
	ck_assert_int_ge(nfiles, 7);
}
END_TEST

START_TEST(test_config_writable_config_refused)
{
	struct config	*cf;
	struct errs	 e;

	write_file("open.conf", "upstream = 127.0.0.1:1\ntrusted_root = "
	    ROOT "\n", 0666);
	ck_assert_int_eq(load("open.conf", &e, &cf), 1);
	ck_assert_str_eq(e.msg[0], "open.conf: config file open.conf: "
	    "writable by group or others (mode 0666); run chmod go-w");
	errs_free(&e);
	ck_assert_int_eq(chmod("open.conf", 0640), 0);
	ck_assert_int_eq(load("open.conf", &e, &cf), 0);
	config_unref(cf);
}
END_TEST

START_TEST(test_config_writable_keyfile_refused)
{
	struct config	*cf;
	struct errs	 e;

	write_file("k.txt", ROOT "\n", 0620);
	write_file("k.conf", "upstream = 127.0.0.1:1\n"
	    "trusted_roots_file = k.txt\n", 0600);
	ck_assert_int_eq(load("k.conf", &e, &cf), 1);
	ck_assert_str_eq(e.msg[0], "k.conf:2: trusted_roots_file k.txt: "
	    "writable by group or others (mode 0620); run chmod go-w");
	errs_free(&e);
	ck_assert_int_eq(chmod("k.txt", 0644), 0);
	ck_assert_int_eq(load("k.conf", &e, &cf), 0);
	ck_assert_uint_eq(cf->nroots, 1);
	config_unref(cf);
}
END_TEST

START_TEST(test_config_limits)
{
	struct config	*cf;
	struct errs	 e;
	char		 text[8192], *p;
	int		 i;

	/* CONFIG_LISTEN_MAX listen lines are fine, one more is not */
	p = text;
	p += sprintf(p, "upstream = 127.0.0.1:1\ntrusted_root = " ROOT "\n");
	for (i = 0; i < CONFIG_LISTEN_MAX; i++)
		p += sprintf(p, "listen = 127.0.0.1:%d\n", 20000 + i);
	write_file("l.conf", text, 0600);
	ck_assert_int_eq(load("l.conf", &e, &cf), 0);
	config_unref(cf);
	(void)sprintf(p, "listen = 127.0.0.1:30000\n");
	write_file("l.conf", text, 0600);
	ck_assert_int_eq(load("l.conf", &e, &cf), 1);
	ck_assert_str_eq(e.msg[0], "l.conf:19: listen: too many listen "
	    "addresses (max 16)");
	errs_free(&e);
	/* a CONFIG_LINE_MAX-byte line is read, a longer one is refused */
	p = text;
	p += sprintf(p, "upstream = 127.0.0.1:1\ntrusted_root = " ROOT "\n#");
	memset(p, 'x', CONFIG_LINE_MAX - 2);
	p += CONFIG_LINE_MAX - 2;
	(void)sprintf(p, "\n");
	write_file("long.conf", text, 0600);
	ck_assert_int_eq(load("long.conf", &e, &cf), 0);
	config_unref(cf);
	(void)sprintf(p, "x\nbogus = 1\n");
	write_file("long.conf", text, 0600);
	ck_assert_int_eq(load("long.conf", &e, &cf), 2);
	ck_assert_str_eq(e.msg[0], "long.conf:3: line too long (max 4096 "
	    "bytes)");
	ck_assert_str_eq(e.msg[1], "long.conf:4: unknown key \"bogus\"");
	errs_free(&e);
}
END_TEST

START_TEST(test_config_duration)
{
	uint64_t	ms;

	ck_assert_int_eq(config_parse_duration("30s", &ms), 0);
	ck_assert_uint_eq(ms, 30000);
	ck_assert_int_eq(config_parse_duration("250ms", &ms), 0);
	ck_assert_uint_eq(ms, 250);
	ck_assert_int_eq(config_parse_duration("2m", &ms), 0);
	ck_assert_uint_eq(ms, 120000);
	ck_assert_int_eq(config_parse_duration("1h", &ms), 0);
	ck_assert_uint_eq(ms, 3600000);
	ck_assert_int_eq(config_parse_duration("7", &ms), 0);
	ck_assert_uint_eq(ms, 7000);
	ck_assert_int_eq(config_parse_duration("", &ms), -1);
	ck_assert_int_eq(config_parse_duration("-1s", &ms), -1);
	ck_assert_int_eq(config_parse_duration("5d", &ms), -1);
	ck_assert_int_eq(config_parse_duration("99999999999999999999s", &ms),
	    -1);
}
END_TEST

START_TEST(test_config_missing_file)
{
	struct config	*cf;
	struct errs	 e;

	ck_assert_int_eq(load("nope.conf", &e, &cf), 1);
	ck_assert_str_eq(e.msg[0], "nope.conf: No such file or directory");
	ck_assert_ptr_null(cf);
	errs_free(&e);
}
END_TEST

/* allow_service (route.h): good names kept, bad ones FILE:LINE errors. */
START_TEST(test_config_allow_service)
{
	struct config	*cf;
	struct errs	 e;

	write_file("svc.conf", "upstream = 127.0.0.1:7233\n"
	    "require_warrant = off\n"
	    "allow_service = test.Echo\n"
	    "allow_service = temporal.api.operatorservice.v1.OperatorService\n",
	    0600);
	ck_assert_int_eq(load("svc.conf", &e, &cf), 0);
	ck_assert_uint_eq(cf->nallow_service, 2);
	ck_assert_str_eq(cf->allow_service[0], "test.Echo");
	config_unref(cf);
	errs_free(&e);
	write_file("svc.conf", "upstream = 127.0.0.1:7233\n"
	    "require_warrant = off\n"
	    "allow_service = a/b\n"
	    "allow_service = test..Echo\n"
	    "allow_service = test.Echo\n"
	    "allow_service = test.Echo\n"
	    "allow_service =\n", 0600);
	ck_assert_int_eq(load("svc.conf", &e, &cf), 4);
	ck_assert_ptr_null(cf);
	ck_assert_str_eq(e.msg[0], "svc.conf:3: allow_service: \"a/b\" is "
	    "not a service name (package.Service, at most 128 bytes)");
	ck_assert_ptr_nonnull(strstr(e.msg[1], "svc.conf:4: allow_service"));
	ck_assert_str_eq(e.msg[2], "svc.conf:6: allow_service: test.Echo "
	    "given twice");
	ck_assert_ptr_nonnull(strstr(e.msg[3], "svc.conf:7:"));
	errs_free(&e);
}
END_TEST

/* Throwaway certificates from mkcerts.sh in ./pki (never committed). */
static void
mkcerts(void)
{
	char	cmd[2048];

	(void)snprintf(cmd, sizeof(cmd), "sh '%s/tests/daemon/mkcerts.sh' pki",
	    origdir);
	ck_assert_int_eq(system(cmd), 0);
}

#define TLS_CONF_HEAD \
	"listen = tls:127.0.0.1:7234\n" \
	"listen = unix:/tmp/tenuo-sidecar-tls-test.sock\n" \
	"listen_tls_cert_file = pki/server.pem\n" \
	"listen_tls_key_file = pki/server.key\n" \
	"listen_tls_client_ca_file = pki/ca.pem\n" \
	"upstream_tls = on\n" \
	"upstream_cert_file = pki/client.pem\n" \
	"upstream_key_file = pki/client.key\n" \
	"require_warrant = off\n"

START_TEST(test_config_tls_good)
{
	struct config	*cf;
	struct errs	 e;

	mkcerts();
	write_file("t.conf", TLS_CONF_HEAD "upstream = 127.0.0.1:7233\n"
	    "upstream_ca_file = pki/ca.pem\n", 0600);
	ck_assert_int_eq(load("t.conf", &e, &cf), 0);
	ck_assert_int_eq(cf->listen[0].tls, 1);
	ck_assert_str_eq(cf->listen[0].text, "127.0.0.1:7234");
	ck_assert_int_eq(cf->listen[1].tls, 0);
	ck_assert_ptr_nonnull(cf->down_tls);
	ck_assert_ptr_nonnull(cf->up_tls);
	ck_assert_str_eq(cf->upstream_server_name, "127.0.0.1");
	ck_assert_uint_eq(cf->tls_handshake_timeout_ms, 10000);
	config_unref(cf);
	/* the default server name is the upstream host; system CAs */
	write_file("t.conf", TLS_CONF_HEAD "upstream = localhost:7233\n"
	    "tls_handshake_timeout = 3s\n", 0600);
	ck_assert_int_eq(load("t.conf", &e, &cf), 0);
	ck_assert_str_eq(cf->upstream_server_name, "localhost");
	ck_assert_uint_eq(cf->tls_handshake_timeout_ms, 3000);
	config_unref(cf);
	write_file("t.conf", TLS_CONF_HEAD "upstream = [::1]:7233\n", 0600);
	ck_assert_int_eq(load("t.conf", &e, &cf), 0);
	ck_assert_str_eq(cf->upstream_server_name, "::1");
	config_unref(cf);
}
END_TEST

/* task_token_key_file: created 0600 when missing, reused after; a
 * reload bumps the trust generation; a bad file is an error at its line. */
START_TEST(test_config_task_token_key)
{
	struct config	*a, *b;
	struct errs	 e;
	struct stat	 st;
	char		 cwd[512], text[1400];

	ck_assert_ptr_nonnull(getcwd(cwd, sizeof(cwd)));
	(void)unlink("tt.key");
	(void)snprintf(text, sizeof(text), "upstream = 127.0.0.1:7233\n"
	    "require_warrant = off\ntask_token_key_file = %s/tt.key\n", cwd);
	write_file("t.conf", text, 0600);
	ck_assert_int_eq(load("t.conf", &e, &a), 0);
	ck_assert_int_eq(stat("tt.key", &st), 0);
	ck_assert_uint_eq(st.st_mode & 0777, 0600);
	ck_assert_int_eq(st.st_size, 32);
	ck_assert_int_eq(a->tt_ephemeral, 0);
	ck_assert_int_eq(load("t.conf", &e, &b), 0);
	ck_assert_mem_eq(a->tt_cur, b->tt_cur, 32);
	ck_assert_uint_gt(b->generation, a->generation);
	config_unref(a);
	config_unref(b);
	ck_assert_int_eq(chmod("tt.key", 0644), 0);
	ck_assert_int_eq(load("t.conf", &e, &a), 1);
	ck_assert_ptr_null(a);
	ck_assert_msg(strncmp(e.msg[0], "t.conf:3: task_token_key_file ",
	    30) == 0, "%s", e.msg[0]);
	errs_free(&e);
	(void)unlink("tt.key");
	(void)snprintf(text, sizeof(text), "upstream = 127.0.0.1:7233\n"
	    "require_warrant = off\n"
	    "task_token_previous_key_file = %s/none.key\n", cwd);
	write_file("t.conf", text, 0600);
	ck_assert_int_eq(load("t.conf", &e, &a), 1);
	ck_assert_msg(strncmp(e.msg[0], "t.conf:3: "
	    "task_token_previous_key_file ", 39) == 0, "%s", e.msg[0]);
	errs_free(&e);
}
END_TEST

START_TEST(test_config_tls_bad_keys)
{
	struct config	*cf;
	struct errs	 e;

	mkcerts();
	ck_assert_int_eq(chmod("pki/client.key", 0644), 0);
	write_file("t.conf", TLS_CONF_HEAD "upstream = 127.0.0.1:7233\n"
	    "listen_tls_key_file = pki/other.key\n", 0600);
	ck_assert_int_eq(load("t.conf", &e, &cf), 2);
	ck_assert_ptr_null(cf);
	ck_assert_str_eq(e.msg[0], "t.conf:8: upstream_key_file "
	    "pki/client.key: readable by group or others (mode 0644); run "
	    "chmod go-rw");
	ck_assert_str_eq(e.msg[1], "t.conf:11: duplicate key "
	    "\"listen_tls_key_file\" (first set on line 4)");
	errs_free(&e);
	ck_assert_int_eq(chmod("pki/client.key", 0600), 0);
	write_file("t.conf", "listen = tls:127.0.0.1:7234\n"
	    "listen_tls_cert_file = pki/server.pem\n"
	    "listen_tls_key_file = pki/other.key\n"
	    "upstream = 127.0.0.1:7233\nupstream_tls = on\n"
	    "upstream_cert_file = pki/client.pem\n"
	    "upstream_key_file = pki/server.key\n"
	    "upstream_ca_file = pki/client.key\n"
	    "require_warrant = off\n", 0600);
	ck_assert_int_eq(load("t.conf", &e, &cf), 3);
	ck_assert_str_eq(e.msg[0], "t.conf:3: listen_tls_key_file "
	    "pki/other.key: private key does not match the certificate in "
	    "pki/server.pem");
	ck_assert_str_eq(e.msg[1], "t.conf:7: upstream_key_file "
	    "pki/server.key: private key does not match the certificate in "
	    "pki/client.pem");
	ck_assert_str_eq(e.msg[2], "t.conf:8: upstream_ca_file "
	    "pki/client.key: cannot load CA certificates (PEM): no "
	    "certificate or crl found");
	errs_free(&e);
}
END_TEST

/* Writes a signed revocation list (version v, one id) signed by seed. */
static void
write_srl(const char *path, uint8_t seed_byte, uint64_t v, int as_b64,
    char pkhex[65])
{
	uint8_t seed[32], pk[32], sk[64], id[1][TN_ID_LEN] = { { 0x42 } };
	uint8_t *raw;
	size_t n;
	char *b64;
	FILE *f;

	ck_assert_int_eq(tn_crypto_init(), 0);
	memset(seed, seed_byte, sizeof(seed));
	ck_assert_int_eq(tn_ed25519_keypair_from_seed(seed, pk, sk), 0);
	tn_hex_encode(pk, 32, pkhex);
	ck_assert_int_eq(tn_srl_encode((const uint8_t (*)[TN_ID_LEN])id, 1, v,
	    1704067200, sk, &raw, &n, NULL), TN_OK);
	ck_assert_ptr_nonnull(f = fopen(path, "wb"));
	if (as_b64) {
		ck_assert_int_eq(tn_b64_encode(raw, n, TN_B64_STD | TN_B64_PAD,
		    &b64, &n, NULL), TN_OK);
		ck_assert_int_eq(fprintf(f, "%s\n", b64), (int)n + 1);
		free(b64);
	} else
		ck_assert_uint_eq(fwrite(raw, 1, n, f), n);
	ck_assert_int_eq(fclose(f), 0);
	ck_assert_int_eq(chmod(path, 0600), 0);
	free(raw);
}

static void
write_srl_conf(const char *path, const char *root, const char *extra)
{
	char text[1024];

	(void)snprintf(text, sizeof(text), "upstream = 127.0.0.1:7233\n"
	    "trusted_root = %s\nrevocation_list_file = srl.bin\n%s", root,
	    extra);
	write_file(path, text, 0600);
}

START_TEST(test_config_srl_verified)
{
	struct config *cf, *older;
	struct errs e;
	char cp[65], other[65];
	uint8_t id[TN_ID_LEN] = { 0x42 };

	write_srl("srl.bin", 1, 5, 0, cp);
	write_srl_conf("srl.conf", cp, "");
	ck_assert_int_eq(load("srl.conf", &e, &cf), 0);
	ck_assert_ptr_nonnull(cf->srl);
	ck_assert_uint_eq(cf->srl->version, 5);
	ck_assert(tn_srl_is_revoked(cf->srl, id));
	/* The same list as base64 text. */
	write_srl("srl.bin", 1, 4, 1, cp);
	ck_assert_int_eq(load("srl.conf", &e, &older), 0);
	ck_assert_uint_eq(older->srl->version, 4);
	/* Reloading to the older list is a rollback; forward is fine. */
	ck_assert_int_eq(config_srl_rollback(cf, older), 1);
	ck_assert_int_eq(config_srl_rollback(older, cf), 0);
	config_unref(older);
	config_unref(cf);
	/* Signed by another key than the trusted root: refused at its line. */
	write_srl("srl.bin", 2, 6, 0, other);
	ck_assert_int_eq(load("srl.conf", &e, &cf), 1);
	ck_assert_ptr_null(cf);
	ck_assert_msg(strncmp(e.msg[0], "srl.conf:3: revocation_list_file "
	    "srl.bin: ", 33) == 0, "%s", e.msg[0]);
	errs_free(&e);
	/* revocation_list_key names the control plane explicitly. */
	{
		char extra[128];

		(void)snprintf(extra, sizeof(extra),
		    "revocation_list_key = %s\n", other);
		write_srl_conf("srl.conf", cp, extra);
	}
	ck_assert_int_eq(load("srl.conf", &e, &cf), 0);
	ck_assert_uint_eq(cf->srl->version, 6);
	config_unref(cf);
	/* Garbage. */
	write_file("srl.bin", "\x01\x02\x03not a list", 0600);
	ck_assert_int_eq(load("srl.conf", &e, &cf), 1);
	ck_assert_ptr_nonnull(strstr(e.msg[0], "srl.conf:3: "));
	errs_free(&e);
	write_file("srl.conf", "upstream = 127.0.0.1:7233\n"
	    "revocation_list_file = srl.bin\n", 0600);
	ck_assert_int_eq(load("srl.conf", &e, &cf), 1);
	ck_assert_ptr_nonnull(strstr(e.msg[0], "needs revocation_list_key"));
	errs_free(&e);
}
END_TEST

static Suite *
config_suite(void)
{
	Suite	*s = suite_create("config");
	TCase	*tc;

	tc = tcase_create("valid");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config_good_full);
	tcase_add_test(tc, test_config_good_defaults);
	tcase_add_test(tc, test_config_task_token_key);
	tcase_add_test(tc, test_config_duration);
	tcase_add_test(tc, test_config_srl_verified);
	suite_add_tcase(s, tc);
	tc = tcase_create("malformed");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config_bad_files);
	tcase_add_test(tc, test_config_missing_file);
	tcase_add_test(tc, test_config_writable_config_refused);
	tcase_add_test(tc, test_config_writable_keyfile_refused);
	suite_add_tcase(s, tc);
	tc = tcase_create("limits");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config_limits);
	suite_add_tcase(s, tc);
	tc = tcase_create("tls");
	tcase_add_checked_fixture(tc, setup, teardown);
	tcase_add_test(tc, test_config_allow_service);
	tcase_add_test(tc, test_config_tls_good);
	tcase_add_test(tc, test_config_tls_bad_keys);
	suite_add_tcase(s, tc);
	return s;
}

int
main(void)
{
	SRunner	*sr = srunner_create(config_suite());
	int	 nfail;

	srunner_run_all(sr, CK_NORMAL);
	nfail = srunner_ntests_failed(sr);
	srunner_free(sr);
	return nfail == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
}
