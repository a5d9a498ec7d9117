/*
 * ctl.h: tenuoctl's internal interfaces, grouped by file.
 *
 * Exit codes: 0 success (authorize: allow); 1 the request was refused
 * (authorize: deny, attenuate: invalid link, mint: refused by the
 * library, inspect: the input does not decode); 2 usage errors and
 * unreadable files.  Every message goes to stderr as "tenuoctl: ...".
 */
#ifndef CTL_H
#define CTL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "tn_cbor.h"
#include "tn_err.h"
#include "tn_warrant.h"

#define CTL_EXIT_OK	0
#define CTL_EXIT_DENY	1
#define CTL_EXIT_USAGE	2

#define CTL_MAX_INPUT	(1024u * 1024u)	/* text form of a stack or SRL */
#define CTL_MAX_ARGS	(64u * 1024u)	/* encoded PoP arguments */
#define CTL_JSON_DEPTH	32u		/* nesting of --args */
#define CTL_KEYFILE_MAX	128u

/* tenuoctl.c */
struct option;
void	ctl_usage_hint(const char *cmd);
int	ctl_getopt(int argc, char **argv, const char *shortopts,
	    const struct option *lo);
int	ctl_opt_done(const char *cmd, int c);

/* ctl_util.c */
void	ctl_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void	ctl_err_lib(const char *what, const struct tn_error *e);
int	ctl_parse_u64(const char *opt, const char *s, uint64_t min,
	    uint64_t max, uint64_t *out);
int	ctl_parse_key(const char *opt, const char *s, uint8_t out[TN_KEY_LEN]);
int	ctl_now(int64_t *out);
uint64_t ctl_now_ms(void);
int	ctl_random(void *p, size_t n);
int	ctl_uuidv7(uint64_t ms, uint8_t id[TN_ID_LEN]);
int	ctl_read_arg(const char *opt, const char *arg, size_t max,
	    uint8_t **out, size_t *outlen);
int	ctl_read_path(const char *opt, const char *path, size_t max,
	    uint8_t **out, size_t *outlen);
int	ctl_key_load(const char *path, uint8_t sk[64], uint8_t pk[TN_KEY_LEN]);
int	ctl_key_save(const char *path, const uint8_t seed[32]);
int	ctl_json_print(json_t *obj, size_t flags);
int	ctl_deny(int code, const char *reason);

/* ctl_input.c */
int	ctl_stack_load(const char *opt, const char *arg, struct tn_stack **out,
	    struct tn_error *err);

/* ctl_json.c */
int	ctl_json_put(struct tn_buf *b, const json_t *v, size_t depth);
json_t	*ctl_json_parse(const char *opt, const char *s);
int	ctl_args_encode(const char *opt, const char *json, struct tn_buf *b);
json_t	*ctl_cbor_json(const struct tn_cbor_item *it, size_t depth);
json_t	*ctl_hex_json(const uint8_t *p, size_t n);

/* ctl_tools.c: --tool / --constraint lists shared by mint and attenuate */
struct ctl_tools {
	const char	**names;	/* --tool values, in order */
	size_t		  n;
	const char	**cons;		/* --constraint values, in order */
	size_t		 *cons_tool;	/* the tool each one follows */
	size_t		  ncons;
	int		  allow_unknown;
	struct tn_buf	 *csets;	/* per tool, after ctl_tools_build() */
	size_t		  ncsets;
};

int	ctl_tools_init(struct ctl_tools *ts, int argc);
void	ctl_tools_free(struct ctl_tools *ts);
int	ctl_tools_add_tool(struct ctl_tools *ts, const char *name);
void	ctl_tools_add_constraint(struct ctl_tools *ts, const char *spec);
int	ctl_tools_build(struct ctl_tools *ts);
size_t	ctl_tools_ncons(const struct ctl_tools *ts, size_t i);

/* ctl_spec.c: one --constraint SPEC (whole is "ARG=SPEC", for messages) */
int	ctl_constraint_encode(const char *whole, const char *spec,
	    struct tn_buf *b);

/* ctl_cmd_*.c: the subcommands; argv[0] is the subcommand's name */
int	ctl_cmd_keygen(int argc, char **argv);
int	ctl_cmd_pubkey(int argc, char **argv);
int	ctl_cmd_mint(int argc, char **argv);
int	ctl_cmd_attenuate(int argc, char **argv);
int	ctl_cmd_inspect(int argc, char **argv);
int	ctl_cmd_pop(int argc, char **argv);
int	ctl_cmd_authorize(int argc, char **argv);
int	ctl_cmd_audit(int argc, char **argv);

#endif /* CTL_H */
