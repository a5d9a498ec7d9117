/*
 * tenuoctl: mint, attenuate, inspect and authorize Tenuo warrants.
 */
#include <getopt.h>
#include <stdio.h>
#include <string.h>

#include "ctl.h"
#include "tn_crypto.h"

#define TENUOCTL_VERSION	"0.1.0"

struct ctl_cmd {
	const char	*name;
	int		(*fn)(int, char **);
	const char	*usage;
};

static const struct ctl_cmd cmds[] = {
	{ "keygen", ctl_cmd_keygen,
	  "keygen [--seed HEX64] [-o KEYFILE]" },
	{ "pubkey", ctl_cmd_pubkey,
	  "pubkey KEYFILE" },
	{ "mint", ctl_cmd_mint,
	  "mint --key KEYFILE --holder PUBHEX --tool NAME\n"
	  "\t    [--constraint ARG=SPEC]... [--allow-unknown] --ttl SECONDS\n"
	  "\t    [--max-depth N] [--issued-at UNIX] [--type execution|issuer]" },
	{ "attenuate", ctl_cmd_attenuate,
	  "attenuate --key HOLDER_KEYFILE --parent WARRANT|STACK\n"
	  "\t    --holder PUBHEX [--tool NAME [--constraint ARG=SPEC]...]\n"
	  "\t    [--allow-unknown] --ttl SECONDS [--issued-at UNIX]\n"
	  "\t    [--type execution|issuer]" },
	{ "inspect", ctl_cmd_inspect,
	  "inspect WARRANT|STACK|-" },
	{ "pop", ctl_cmd_pop,
	  "pop --key HOLDER_KEYFILE --warrant WARRANT|STACK --tool NAME\n"
	  "\t    --args JSON [--at UNIX]" },
	{ "authorize", ctl_cmd_authorize,
	  "authorize --trusted-root PUBHEX [--trusted-root PUBHEX]...\n"
	  "\t    (--warrant W | --stack S) --tool NAME --args JSON\n"
	  "\t    [--pop B64] [--now UNIX] [--pop-max-windows N]\n"
	  "\t    [--srl FILE [--srl-key PUBHEX]]" },
	{ "audit", ctl_cmd_audit,
	  "audit [-f|--follow] [--decision allow|deny|would_deny]\n"
	  "\t    [--tool NAME] [--since DURATION] [--json] FILE" },
};

#define NCMDS	(sizeof(cmds) / sizeof(cmds[0]))

static const char details[] =
"\n"
"keygen prints the public key in hex; -o writes the 32-byte seed in hex\n"
"to a new file of mode 0600 (an existing file is never overwritten).\n"
"mint and attenuate print the envelope or the stack (root first) in\n"
"base64url without padding; pop prints the signature in standard base64.\n"
"authorize prints one JSON object: {\"decision\":\"allow\",...} (exit 0) or\n"
"{\"decision\":\"deny\",\"code\":...,\"reason\":...} (exit 1).\n"
"\n"
"WARRANT and STACK: base64url, standard base64 or PEM (several TENUO\n"
"WARRANT blocks form a stack, root first), inline, in a file (also raw\n"
"CBOR), or - for stdin.  --srl FILE: a signed revocation list, raw CBOR\n"
"or base64.  Key files hold 64 hex digits and must not be accessible by\n"
"group or others.  --args is a JSON object of the call's arguments.\n"
"\n"
"SPEC: wildcard, exact:V, pattern:GLOB, subpath:/root, oneof:a,b,\n"
"range:MIN..MAX, json:<wire JSON of [type, value]>.  A --constraint\n"
"applies to the --tool before it (with one --tool, to that tool).\n"
"mint --type issuer makes the --tool names issuable_tools and the\n"
"--constraint set its constraint_bounds.\n"
"attenuate: without --tool the child keeps the parent's tools; with\n"
"--tool and no --constraint it keeps the parent's constraints for it.\n"
"\n"
"Defaults: --now, --at and --issued-at: the current time;\n"
"--max-depth 64; --pop-max-windows 5 (2-10); --srl-key: the first\n"
"--trusted-root (the key the SRL must be signed by).\n"
"\n"
"Exit status: 0 success or allow; 1 deny, refused attenuation or a\n"
"warrant that does not decode; 2 usage error or unreadable file.\n";

static void
usage(FILE *fp)
{
	fprintf(fp, "usage: tenuoctl [-h | --help] [-V | --version]\n");
	for (size_t i = 0; i < NCMDS; i++)
		fprintf(fp, "       tenuoctl %s\n", cmds[i].usage);
	fputs(details, fp);
}

/* Prints one command's synopsis after a usage error. */
void
ctl_usage_hint(const char *cmd)
{
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(cmds[i].name, cmd) == 0)
			fprintf(stderr, "usage: tenuoctl %s\n", cmds[i].usage);
	fprintf(stderr, "(tenuoctl --help for details)\n");
}

/*
 * getopt_long() with tenuoctl's messages.  Returns the option, -1 at the
 * end, 'h' for -h/--help, or '?' after reporting an error.
 */
int
ctl_getopt(int argc, char **argv, const char *shortopts,
    const struct option *lo)
{
	int c;

	opterr = 0;
	c = getopt_long(argc, argv, shortopts, lo, NULL);
	if (c == '?' && optopt != 0 && optopt < 256)
		ctl_err("%s: unknown option -%c", argv[0], optopt);
	else if (c == '?')
		ctl_err("%s: unknown option '%s'", argv[0], argv[optind - 1]);
	else if (c == ':')
		ctl_err("%s: option '%s' needs a value", argv[0],
		    argv[optind - 1]);
	return c == ':' ? '?' : c;
}

/* Common end of option parsing: -h prints usage, errors exit 2. */
int
ctl_opt_done(const char *cmd, int c)
{
	if (c == 'h') {
		for (size_t i = 0; i < NCMDS; i++)
			if (strcmp(cmds[i].name, cmd) == 0)
				printf("usage: tenuoctl %s\n", cmds[i].usage);
		return CTL_EXIT_OK;
	}
	ctl_usage_hint(cmd);
	return CTL_EXIT_USAGE;
}

int
main(int argc, char **argv)
{
	if (argc < 2) {
		usage(stderr);
		return CTL_EXIT_USAGE;
	}
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return CTL_EXIT_OK;
	}
	if (strcmp(argv[1], "-V") == 0 || strcmp(argv[1], "--version") == 0) {
		printf("tenuoctl %s\n", TENUOCTL_VERSION);
		return CTL_EXIT_OK;
	}
	if (tn_crypto_init() != TN_OK) {
		ctl_err("cannot initialise libsodium");
		return CTL_EXIT_USAGE;
	}
	for (size_t i = 0; i < NCMDS; i++)
		if (strcmp(argv[1], cmds[i].name) == 0)
			return cmds[i].fn(argc - 1, argv + 1);
	ctl_err("unknown command '%s'", argv[1]);
	usage(stderr);
	return CTL_EXIT_USAGE;
}
