/*
 * metrics.c: counters and their Prometheus text form (see metrics.h).
 */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "metrics.h"

struct metrics	metrics;

struct metrics_rpc {
	char		method[METRICS_METHOD_MAX];
	int		status;
	uint64_t	count;
};

static struct metrics_rpc	rpcs[METRICS_RPC_MAX];
static size_t			nrpcs;

struct metrics_decision {
	char		decision[METRICS_LABEL_MAX];
	char		code[METRICS_LABEL_MAX];
	uint64_t	count;
};

static struct metrics_decision	decisions[METRICS_DECISION_MAX];
static size_t			ndecisions;
static uint64_t			decision_overflow;

/* Upper bounds of the latency buckets, µs; the last one is +Inf. */
static const uint64_t	latency_le[METRICS_LATENCY_BUCKETS - 1] = {
	10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000, 100000
};
static uint64_t		latency_bucket[METRICS_LATENCY_BUCKETS];
static uint64_t		latency_sum_us;
static uint64_t		latency_count;

/* Keeps a method name printable and quote-free for the label. */
static void
metrics_method(char *dst, const char *p, size_t n)
{
	size_t	i;

	if (n >= METRICS_METHOD_MAX)
		n = METRICS_METHOD_MAX - 1;
	for (i = 0; i < n; i++)
		dst[i] = (p[i] > 0x20 && p[i] < 0x7f && p[i] != '"' &&
		    p[i] != '\\') ? p[i] : '_';
	dst[n] = '\0';
}

void
metrics_rpc(const char *path, size_t pathlen, int status)
{
	char	m[METRICS_METHOD_MAX];
	size_t	i;

	metrics_method(m, path, pathlen);
	for (i = 0; i < nrpcs; i++)
		if (rpcs[i].status == status && strcmp(rpcs[i].method, m) == 0) {
			rpcs[i].count++;
			return;
		}
	if (nrpcs == METRICS_RPC_MAX) {
		metrics.rpc_overflow++;
		return;
	}
	memcpy(rpcs[nrpcs].method, m, sizeof(m));
	rpcs[nrpcs].status = status;
	rpcs[nrpcs].count = 1;
	nrpcs++;
}

struct mbuf {
	char	*p;
	size_t	 len, cap;
	int	 failed;
};

static void	mb_printf(struct mbuf *, const char *, ...)
		    __attribute__((format(printf, 2, 3)));

static void
mb_printf(struct mbuf *b, const char *fmt, ...)
{
	va_list	 ap;
	int	 n;
	char	*np;

	if (b->failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p + b->len, b->cap - b->len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			b->failed = 1;
			return;
		}
		if ((size_t)n < b->cap - b->len) {
			b->len += (size_t)n;
			return;
		}
		if ((np = realloc(b->p, b->cap * 2 + (size_t)n)) == NULL) {
			b->failed = 1;
			return;
		}
		b->p = np;
		b->cap = b->cap * 2 + (size_t)n;
	}
}

static void
mb_counter(struct mbuf *b, const char *name, const char *type,
    const char *help, uint64_t v)
{
	mb_printf(b, "# HELP tenuo_sidecar_%s %s\n# TYPE tenuo_sidecar_%s "
	    "%s\ntenuo_sidecar_%s %llu\n", name, help, name, type, name,
	    (unsigned long long)v);
}

/* Copies s as a label: [A-Za-z0-9_] kept, anything else as '_'. */
static void
label_copy(char *dst, const char *s)
{
	size_t	i;

	for (i = 0; s[i] != '\0' && i < METRICS_LABEL_MAX - 1; i++)
		dst[i] = (char)(((s[i] >= 'a' && s[i] <= 'z') ||
		    (s[i] >= 'A' && s[i] <= 'Z') ||
		    (s[i] >= '0' && s[i] <= '9')) ? s[i] : '_');
	dst[i] = '\0';
}

void
metrics_decision(const char *decision, const char *code, uint64_t latency_us)
{
	char	d[METRICS_LABEL_MAX], k[METRICS_LABEL_MAX];
	size_t	i, b;

	label_copy(d, decision);
	label_copy(k, code);
	for (b = 0; b < METRICS_LATENCY_BUCKETS - 1; b++)
		if (latency_us <= latency_le[b])
			break;
	latency_bucket[b]++;
	latency_sum_us += latency_us;
	latency_count++;
	for (i = 0; i < ndecisions; i++)
		if (strcmp(decisions[i].decision, d) == 0 &&
		    strcmp(decisions[i].code, k) == 0) {
			decisions[i].count++;
			return;
		}
	if (ndecisions == METRICS_DECISION_MAX) {
		decision_overflow++;
		return;
	}
	memcpy(decisions[ndecisions].decision, d, sizeof(d));
	memcpy(decisions[ndecisions].code, k, sizeof(k));
	decisions[ndecisions++].count = 1;
}

void
metrics_reset(void)
{
	memset(&metrics, 0, sizeof(metrics));
	nrpcs = 0;
	ndecisions = 0;
	decision_overflow = 0;
	memset(latency_bucket, 0, sizeof(latency_bucket));
	latency_sum_us = 0;
	latency_count = 0;
}

static void
mb_decisions(struct mbuf *b)
{
	uint64_t	cum = 0;
	size_t		i;

	mb_printf(b, "# HELP tenuo_sidecar_decisions_total Authorization "
	    "decisions by decision and code\n# TYPE tenuo_sidecar_decisions_total "
	    "counter\n");
	for (i = 0; i < ndecisions; i++)
		mb_printf(b, "tenuo_sidecar_decisions_total{decision=\"%s\","
		    "code=\"%s\"} %llu\n", decisions[i].decision,
		    decisions[i].code, (unsigned long long)decisions[i].count);
	mb_counter(b, "decision_label_overflow_total", "counter",
	    "Decisions not counted by code (too many distinct labels)",
	    decision_overflow);
	mb_printf(b, "# HELP tenuo_sidecar_authorization_latency_us Time to "
	    "decide one task, microseconds\n# TYPE "
	    "tenuo_sidecar_authorization_latency_us histogram\n");
	for (i = 0; i < METRICS_LATENCY_BUCKETS - 1; i++) {
		cum += latency_bucket[i];
		mb_printf(b, "tenuo_sidecar_authorization_latency_us_bucket"
		    "{le=\"%llu\"} %llu\n", (unsigned long long)latency_le[i],
		    (unsigned long long)cum);
	}
	cum += latency_bucket[METRICS_LATENCY_BUCKETS - 1];
	mb_printf(b, "tenuo_sidecar_authorization_latency_us_bucket"
	    "{le=\"+Inf\"} %llu\ntenuo_sidecar_authorization_latency_us_sum "
	    "%llu\ntenuo_sidecar_authorization_latency_us_count %llu\n",
	    (unsigned long long)cum, (unsigned long long)latency_sum_us,
	    (unsigned long long)latency_count);
}

char *
metrics_format(uint64_t audit_drops, int ready)
{
	struct mbuf	b;
	size_t		i;

	b.cap = 4096;
	b.len = 0;
	b.failed = 0;
	if ((b.p = malloc(b.cap)) == NULL)
		return NULL;
	b.p[0] = '\0';
	mb_counter(&b, "ready", "gauge", "1 when ready to serve", (uint64_t)ready);
	mb_counter(&b, "connections_total", "counter",
	    "Downstream connections accepted", metrics.conns_total);
	mb_counter(&b, "connections", "gauge", "Open downstream connections",
	    metrics.conns_active);
	mb_counter(&b, "streams_total", "counter", "Streams proxied",
	    metrics.streams_total);
	mb_counter(&b, "streams", "gauge", "Open streams",
	    metrics.streams_active);
	mb_counter(&b, "bytes_to_upstream_total", "counter",
	    "DATA bytes sent upstream", metrics.bytes_to_upstream);
	mb_counter(&b, "bytes_to_downstream_total", "counter",
	    "DATA bytes sent downstream", metrics.bytes_to_downstream);
	mb_counter(&b, "upstream_connects_total", "counter",
	    "Upstream connections established", metrics.upstream_connects);
	mb_counter(&b, "upstream_connect_failures_total", "counter",
	    "Upstream connection attempts that failed",
	    metrics.upstream_connect_failures);
	mb_counter(&b, "upstream_failures_total", "counter",
	    "Upstream connections lost", metrics.upstream_failures);
	mb_counter(&b, "upstream_connected", "gauge",
	    "Upstream connections open", metrics.upstream_connected);
	mb_counter(&b, "upstream_goaways_total", "counter",
	    "GOAWAY frames from the frontend", metrics.upstream_goaways);
	mb_counter(&b, "upstream_pings_total", "counter",
	    "Keepalive PINGs sent upstream", metrics.upstream_pings);
	mb_counter(&b, "streams_replayed_total", "counter",
	    "Streams refused unseen by a frontend going away and sent again",
	    metrics.streams_replayed);
	mb_counter(&b, "upstream_tls_failures_total", "counter",
	    "Upstream TLS handshakes that failed or timed out",
	    metrics.upstream_tls_failures);
	mb_counter(&b, "downstream_tls_failures_total", "counter",
	    "Worker TLS handshakes that failed or timed out",
	    metrics.downstream_tls_failures);
	mb_counter(&b, "unavailable_total", "counter",
	    "Streams answered UNAVAILABLE by the sidecar",
	    metrics.unavailable_sent);
	mb_counter(&b, "requests_refused_total", "counter",
	    "Requests refused unforwarded: not a canonical gRPC request of "
	    "a passed service", metrics.route_refused);
	mb_counter(&b, "rst_from_downstream_total", "counter",
	    "Streams reset by the worker", metrics.rst_from_downstream);
	mb_counter(&b, "rst_from_upstream_total", "counter",
	    "Streams reset by the frontend", metrics.rst_from_upstream);
	mb_counter(&b, "reloads_total", "counter", "Successful reloads",
	    metrics.reloads);
	mb_counter(&b, "reload_failures_total", "counter",
	    "Reloads refused", metrics.reload_failures);
	mb_counter(&b, "audit_drops_total", "counter",
	    "Audit events dropped (queue full, or the write failed)",
	    audit_drops);
	mb_counter(&b, "rpc_label_overflow_total", "counter",
	    "RPCs not counted by method (too many distinct labels)",
	    metrics.rpc_overflow);
	mb_counter(&b, "connections_orphaned_total", "counter",
	    "Worker connections closed while their upstream connection still "
	    "had work (tasks arriving, failures to send)",
	    metrics.conns_orphaned);
	mb_counter(&b, "connections_orphaned", "gauge",
	    "Upstream connections finishing the work of a closed worker "
	    "connection", metrics.orphans_active);
	mb_counter(&b, "tasks_failed_undelivered_total", "counter",
	    "Activity tasks failed upstream as retryable because the worker's "
	    "stream or connection was gone before delivery",
	    metrics.tasks_failed_undelivered);
	mb_counter(&b, "tasks_lost_total", "counter",
	    "Activity tasks (or response messages) audited task_lost",
	    metrics.tasks_lost);
	mb_decisions(&b);
	mb_printf(&b, "# HELP tenuo_sidecar_rpcs_total RPCs by method and "
	    "grpc-status\n# TYPE tenuo_sidecar_rpcs_total counter\n");
	for (i = 0; i < nrpcs; i++)
		mb_printf(&b, "tenuo_sidecar_rpcs_total{method=\"%s\","
		    "grpc_status=\"%d\"} %llu\n", rpcs[i].method,
		    rpcs[i].status, (unsigned long long)rpcs[i].count);
	if (b.failed) {
		free(b.p);
		return NULL;
	}
	return b.p;
}
