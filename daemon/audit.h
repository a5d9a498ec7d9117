/*
 * audit.h: the audit log, JSON Lines written with jansson.
 *
 * Events are serialized on the caller's thread and queued; a writer
 * thread writes each one with a single write(2) (so each is flushed as
 * it is written).  The queue is bounded (AUDIT_QUEUE_MAX lines): when it
 * is full the event is dropped and counted, and the writer reports the
 * count in an "audit_dropped" event once it catches up.  A line whose
 * write fails (ENOSPC, EIO) is dropped and counted the same way; the
 * failure is logged at most once per AUDIT_ERR_EVERY seconds, and the
 * drops are audited as soon as a write succeeds again (after SIGUSR1
 * reopens a working file, at once).  The data plane never waits for the
 * disk.
 *
 * Every event has "ts" (RFC 3339 UTC, milliseconds) and "event".
 */
#ifndef AUDIT_H
#define AUDIT_H

#include <stdint.h>

#define AUDIT_QUEUE_MAX	8192
#define AUDIT_LINE_MAX	(64 * 1024)
#define AUDIT_ERR_EVERY	10	/* seconds between write-error log lines */

/* Starts the writer on path ("-" is stdout).  0, or -1 with a log line. */
int		audit_start(const char *path);
/* Switches to a new path (reload); reopens it on the writer thread. */
void		audit_set_path(const char *path);
/* Reopens the current file (SIGUSR1, after log rotation). */
void		audit_reopen(void);
/* Writes what is queued and stops the writer. */
void		audit_stop(void);
/* Events dropped so far: queue full, or the write failed. */
uint64_t	audit_drops(void);

/* connection_opened/closed, upstream_*: peer and reason may be NULL. */
void		audit_event_conn(const char *event, const char *peer,
		    const char *upstream, const char *reason);
/* config_reloaded / config_reload_refused / started / stopping. */
void		audit_event_config(const char *event, const char *path,
		    const char *reason);

/*
 * One authorization decision (issue 4 fields).  Every pointer may be NULL
 * (field left out); numbers below 0 are left out.  args_names /
 * args_sha256 describe the canonical arguments; args_cbor_b64 is only
 * given when redact_args is off.
 */
struct audit_decision {
	const char	*event;		/* "activity_task", "task_response" */
	const char	*decision;	/* allow, deny, would_deny */
	const char	*code;
	const char	*reason;
	const char	*method;
	const char	*ns;
	const char	*task_queue;
	const char	*workflow_id;
	const char	*run_id;
	const char	*activity_id;
	const char	*activity_type;
	const char	*workflow_type;	/* workflow starts */
	const char	*tool;
	int64_t		 attempt;
	const char	*warrant_id;
	int64_t		 chain_depth;
	const char	*root;		/* hex */
	const char	*holder;	/* hex */
	const char	*args_names;
	const char	*args_sha256;	/* hex */
	const char	*args_cbor_b64;
	int64_t		 latency_us;
	const char	*peer;
	const char	*delivery;	/* what was done with the task */
};

void		audit_event_decision(const struct audit_decision *d);

/* Formats now as RFC 3339 UTC with milliseconds (buf >= 32 bytes). */
void		audit_timestamp(char *buf, size_t len);

#endif /* AUDIT_H */
