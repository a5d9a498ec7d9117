/*
 * config.h: tenuo-sidecar's configuration file.
 *
 * Format: "key = value" lines, '#' starts a comment anywhere, blank lines
 * ignored, "[policy NAME]" opens a policy section (its keys are kept as
 * given for the enforcement layer).  Every error is reported as
 * "FILE:LINE: message" and parsing goes on, so one run reports them all.
 * The configuration file and every key file it names must not be
 * writable by group or others and must be owned by root or by us;
 * private keys must not be readable by group or others either.
 *
 * Revocation: revocation_list_file is read and verified by config_load()
 * (raw CBOR or base64 text) under revocation_list_key, or else under any
 * trusted root; a list that does not verify is an error at its line.
 * Refusing a list older than the running one is the reloader's job
 * (config_srl_rollback()).
 *
 * TLS: config_load() also builds the TLS contexts (down_tls for "listen
 * = tls:ADDR" lines, up_tls for upstream_tls = on), which reads and
 * checks every certificate, key and CA file, so a bad one is an error at
 * the line that names it, for -t and for a SIGHUP reload alike.
 *
 * Ownership: config_load() returns a config with one reference; take more
 * with config_ref() and drop them with config_unref() (frees at zero,
 * TLS contexts included).
 */
#ifndef CONFIG_H
#define CONFIG_H

#include <stddef.h>
#include <stdint.h>

#include "addr.h"

#define CONFIG_LINE_MAX		4096
#define CONFIG_LISTEN_MAX	16
#define CONFIG_ROOTS_MAX	256
#define CONFIG_POLICY_MAX	64
#define CONFIG_POLICY_KEYS_MAX	64
#define CONFIG_KEYFILE_MAX	(1024 * 1024)
#define CONFIG_LOCAL_ALLOW_MAX	256
#define CONFIG_ALLOW_SERVICE_MAX	32
#define CONFIG_TASK_TOKEN_KEY_DIR	"/var/lib/tenuo-sidecar"
#define CONFIG_TASK_TOKEN_KEY_FILE	CONFIG_TASK_TOKEN_KEY_DIR "/task-token.key"

enum config_enforcement {
	CONFIG_ENFORCE = 0,
	CONFIG_AUDIT_ONLY = 1
};

struct config_kv {
	char	*key;
	char	*value;
	int	 line;
};

struct config_policy {
	char			*name;
	int			 line;
	struct config_kv	*kv;
	size_t			 nkv;
};

/* "listen = [tls:]ADDR": text is ADDR as written, without "tls:". */
struct config_listen {
	char			*text;
	struct addr_list	 addrs;
	int			 tls;
	int			 line;
};

struct tls_ctx;
struct tn_srl;
struct authz_policies;

struct config {
	int			 refs;
	char			*path;
	struct config_listen	 listen[CONFIG_LISTEN_MAX];
	size_t			 nlisten;
	char			*upstream;
	struct addr_list	 upstream_addrs;
	int			 upstream_tls;
	char			*upstream_ca_file;
	char			*upstream_cert_file;
	char			*upstream_key_file;
	char			*upstream_server_name;	/* default: upstream host */
	char			*listen_tls_cert_file;
	char			*listen_tls_key_file;
	char			*listen_tls_client_ca_file;
	uint64_t		 tls_handshake_timeout_ms;
	struct tls_ctx		*down_tls;	/* NULL: no tls: listener */
	struct tls_ctx		*up_tls;	/* NULL: upstream_tls off */
	uint8_t			 (*roots)[32];
	size_t			 nroots;
	char			*trusted_roots_file;
	char			*revocation_list_file;
	int			 revocation_list_line;
	uint8_t			 revocation_list_key[32];
	int			 has_revocation_list_key;
	struct tn_srl		*srl;	/* verified list, NULL: none */
	enum config_enforcement	 enforcement;
	int			 require_warrant;
	unsigned		 pop_max_windows;
	char			*audit_log;	/* "-" is stdout */
	char			*admin_listen;	/* NULL: no admin listener */
	struct addr_list	 admin_addrs;
	uint64_t		 max_message_bytes;
	uint64_t		 shutdown_grace_ms;
	uint64_t		 keepalive_ms;	/* 0: no keepalive PINGs */
	uint64_t		 keepalive_timeout_ms;
	uint64_t		 orphan_drain_ms;	/* after the worker
							   disconnects */
	struct config_policy	*policies;
	size_t			 npolicies;
	/* enforcement (authz.h, intercept.h) */
	int			 pop_clock;	/* enum authz_pop_clock */
	int			 strip_tenuo_headers;
	int			 redact_args;
	uint32_t		 max_chain_depth;
	size_t			 chain_cache_size;
	size_t			 dedup_capacity;
	uint64_t		 dedup_ttl_ms;
	int			 allow_by_id;		/* off */
	int			 block_local_activities;	/* off */
	char			**local_allow;
	size_t			 nlocal_allow;
	char			**allow_service;	/* route.h */
	size_t			 nallow_service;
	struct authz_policies	*authz;	/* built from policies + globals */
	uint64_t		 generation;	/* trust generation, per load */
	char			*task_token_key_file;	/* NULL: ephemeral */
	char			*task_token_previous_key_file;
	uint8_t			 tt_cur[32];
	uint8_t			 tt_prev[32];
	int			 tt_has_prev;
	int			 tt_ephemeral;	/* no key file: random key */
};

/* Receives each formatted "FILE:LINE: message" (no newline). */
struct config_errsink {
	void	(*fn)(void *arg, const char *msg);
	void	*arg;
};

/*
 * Loads and checks path and the trust material it names.  Errors go to
 * sink (NULL: log_warnx).  Returns the number of errors; on 0 *out holds
 * the new config, otherwise *out is NULL.
 */
int		 config_load(const char *path, const struct config_errsink *sink,
		    struct config **out);
/*
 * As config_load(), with the text from buf[0..len) instead of a file
 * (errors read "NAME:LINE: message"; the permission check of the config
 * file itself is skipped).  Files the text names are read and checked as
 * by config_load().  For tests and fuzzing.
 */
int		 config_load_buffer(const char *name, const char *buf,
		    size_t len, const struct config_errsink *sink,
		    struct config **out);
struct config	*config_ref(struct config *);
void		 config_unref(struct config *);

/*
 * 1 if next's revocation list is older than cur's (a rollback to refuse),
 * else 0.  Either may lack a list.
 */
int		 config_srl_rollback(const struct config *cur,
		    const struct config *next);

/* Parses "30s", "500ms", "2m", "1h" or plain seconds; -1 on error. */
int		 config_parse_duration(const char *s, uint64_t *ms);

#endif /* CONFIG_H */
