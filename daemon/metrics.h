/*
 * metrics.h: process-wide counters for /metrics (Prometheus text).
 *
 * Single-threaded: only the event loop thread updates them, except
 * audit drops, which the audit module reports through audit_drops().
 */
#ifndef METRICS_H
#define METRICS_H

#include <stddef.h>
#include <stdint.h>

#define METRICS_RPC_MAX		256	/* distinct (method, status) pairs */
#define METRICS_DECISION_MAX	64	/* distinct (decision, code) pairs */
#define METRICS_LABEL_MAX	48	/* longest decision or code label */
#define METRICS_LATENCY_BUCKETS	12	/* authorization latency, µs */
#define METRICS_METHOD_MAX	128

struct metrics {
	uint64_t	conns_total;
	uint64_t	conns_active;
	uint64_t	streams_total;
	uint64_t	streams_active;
	uint64_t	bytes_to_upstream;
	uint64_t	bytes_to_downstream;
	uint64_t	upstream_connects;
	uint64_t	upstream_connect_failures;
	uint64_t	upstream_failures;
	uint64_t	upstream_connected;	/* gauge */
	uint64_t	upstream_goaways;
	uint64_t	upstream_pings;
	uint64_t	streams_replayed;
	uint64_t	upstream_tls_failures;
	uint64_t	downstream_tls_failures;
	uint64_t	unavailable_sent;
	uint64_t	route_refused;	/* route.h */
	uint64_t	rst_from_downstream;
	uint64_t	rst_from_upstream;
	uint64_t	reloads;
	uint64_t	reload_failures;
	uint64_t	rpc_overflow;
	/* worker connections closed with work left upstream (proxy.c) */
	uint64_t	conns_orphaned;
	uint64_t	orphans_active;		/* gauge */
	uint64_t	tasks_failed_undelivered;
	uint64_t	tasks_lost;
};

extern struct metrics	metrics;

/* Counts one finished RPC by :path and grpc-status (-1: none seen). */
void	metrics_rpc(const char *path, size_t pathlen, int grpc_status);

/*
 * Counts one authorization decision ("allow", "deny", "would_deny") with
 * its code ("" for allow) and observes its latency in the histogram.
 * Labels are truncated to METRICS_LABEL_MAX - 1 bytes and restricted to
 * [A-Za-z0-9_]; pairs beyond METRICS_DECISION_MAX count as overflow.
 */
void	metrics_decision(const char *decision, const char *code,
	    uint64_t latency_us);

/* Forgets every counter and histogram (tests). */
void	metrics_reset(void);

/*
 * Formats every metric as Prometheus text into a malloc'd string (caller
 * frees).  audit_drops is passed in by the caller.  NULL on no memory.
 */
char	*metrics_format(uint64_t audit_drops, int ready);

#endif /* METRICS_H */
