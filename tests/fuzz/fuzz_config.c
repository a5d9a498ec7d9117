/*
 * fuzz_config.c: libFuzzer target for the configuration parser
 * (daemon/config.c) through config_load_buffer(): lines, sections,
 * [policy] keys and the policy builder, durations, addresses, roots,
 * revocation lists and TLS file checks.
 *
 * Input: the configuration text.
 *
 * No real I/O beyond reading: the harness runs in FUZZ_SANDBOX (run.sh
 * makes build/fuzz/sandbox with a roots file and a revocation list the
 * seeds name), refuses inputs setting task_token_key_file (which would
 * be created) and refuses to start if the default key directory exists; name
 * lookups are numeric only (getaddrinfo below), so no DNS query leaves;
 * OpenSSL's default CA store is redirected to the sandbox.
 *
 * Oracles: every error message about the text reads "fuzz.conf:LINE:
 * ..." with LINE within the text (or "fuzz.conf: ..." for the whole);
 * the count of messages is the returned error count; a config that loads
 * has the defaults' invariants (listeners, audit log).
 * FUZZ_VERBOSE=1 prints each error.
 */
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/socket.h>
#include <dlfcn.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

int	LLVMFuzzerInitialize(int *argc, char ***argv);
int	LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Numeric hosts only: a fuzzed host name must not become a DNS query. */
int
getaddrinfo(const char *node, const char *service,
    const struct addrinfo *hints, struct addrinfo **res)
{
	static int (*real)(const char *, const char *,
	    const struct addrinfo *, struct addrinfo **);
	struct addrinfo h;

	if (real == NULL) {
		void *sym = dlsym(RTLD_NEXT, "getaddrinfo");

		if (sym == NULL)
			abort();
		memcpy(&real, &sym, sizeof(real));
	}
	memset(&h, 0, sizeof(h));
	if (hints != NULL)
		h = *hints;
	h.ai_flags |= AI_NUMERICHOST;
	return real(node, service, &h, res);
}

static int verbose;	/* FUZZ_VERBOSE: print each error */

struct sink {
	int	n;
	int	lines;
};

static void
on_err(void *arg, const char *msg)
{
	struct sink *s = arg;
	const char *p;
	char *end;
	long line;

	s->n++;
	if (verbose)
		fprintf(stderr, "config error: %s\n", msg);
	if (strncmp(msg, "fuzz.conf:", 10) != 0)
		return;		/* about a file the text names */
	p = msg + 10;
	if (*p == ' ')
		return;		/* about the whole text */
	line = strtol(p, &end, 10);
	if (end == p || *end != ':' || line < 1 || line > s->lines + 1)
		abort();
}

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	struct stat st;
	const char *dir = getenv("FUZZ_SANDBOX");

	(void)argc;
	(void)argv;
	if (stat(CONFIG_TASK_TOKEN_KEY_DIR, &st) == 0) {
		fprintf(stderr, "fuzz_config: %s exists; refusing to run (the "
		    "parser would create a key file in it)\n",
		    CONFIG_TASK_TOKEN_KEY_DIR);
		exit(1);
	}
	if (dir != NULL && chdir(dir) == -1) {
		perror(dir);
		exit(1);
	}
	/*
	 * upstream_tls = on without a CA file loads OpenSSL's default CA
	 * store: point it into the sandbox (70 ms a run otherwise).
	 */
	if (setenv("SSL_CERT_FILE", "fuzz-ca.pem", 1) == -1 ||
	    setenv("SSL_CERT_DIR", "fuzz-ca.d", 1) == -1)
		abort();
	log_init("fuzz_config", 0);
	verbose = getenv("FUZZ_VERBOSE") != NULL;
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct sink s = { 0, 0 };
	struct config_errsink sink = { on_err, &s };
	struct config *cf;
	int nerr;

	/* it would create the key file (previous keys are only read) */
	if (memmem(data, size, "task_token_key_file", 19) != NULL)
		return 0;
	for (size_t i = 0; i < size; i++)
		if (data[i] == '\n')
			s.lines++;
	nerr = config_load_buffer("fuzz.conf", (const char *)data, size,
	    &sink, &cf);
	if (nerr != s.n)
		abort();
	if (nerr == 0) {
		if (cf == NULL || cf->nlisten == 0 || cf->audit_log == NULL ||
		    cf->upstream == NULL)
			abort();
		config_unref(cf);
	} else if (cf != NULL)
		abort();
	return 0;
}
