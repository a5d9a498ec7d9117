/*
 * route.h: which requests the sidecar forwards at all (issue 8).  The
 * sidecar decides what to inspect by the request's :path (intercept.h),
 * so any spelling the frontend could route differently from the way the
 * sidecar classified it is a bypass.  This module fails closed: a request
 * is forwarded only when its headers are exactly what a gRPC client
 * sends for a canonical path of a passed service; everything else is
 * refused before a byte goes upstream.
 *
 * Forwarded (route_request() returns ROUTE_PASS):
 *   - :method POST, :scheme http or https, :path, at most one
 *     :authority, no other pseudo-header, each exactly once;
 *   - :path exactly "/SERVICE/METHOD": SERVICE one of ROUTE_WS,
 *     ROUTE_HEALTH or a configured allow_service name (byte for byte),
 *     METHOD an identifier [A-Za-z_][A-Za-z0-9_]*, at most
 *     ROUTE_PATH_MAX bytes in all: no '%', '?', '#', '.', empty or
 *     extra segment, trailing '/';
 *   - under ROUTE_WS, a method that differs only in case from an
 *     inspected one (intercept.h) is refused; other unknown methods go
 *     on (the frontend answers UNIMPLEMENTED);
 *   - content-type exactly "application/grpc" or
 *     "application/grpc+proto", once;
 *   - no second copy of a single-value field (rt_single in route.c), te
 *     only "trailers", field names lower-case tokens, values without
 *     control characters (CR, LF, NUL...).
 * Refused: ROUTE_INVALID (grpc-status 3, INVALID_ARGUMENT) for a
 * malformed request or a case variant of a passed name,
 * ROUTE_UNIMPLEMENTED (12) for a well-formed path of a service that is
 * not passed.  why says which rule (plain ASCII, no '%').
 *
 * x-tenuo-* gRPC metadata is never read (Tenuo material comes only from
 * the Temporal `header` inside the message): route_is_tenuo_md() names
 * the fields proxy.c drops and audits.
 *
 * Pure: no I/O, no globals, no allocation.
 */
#ifndef ROUTE_H
#define ROUTE_H

#include <stddef.h>
#include <stdint.h>

#include <nghttp2/nghttp2.h>

#define ROUTE_PATH_MAX		256
#define ROUTE_SERVICE_MAX	128	/* allow_service names */
#define ROUTE_WHY_MAX		160
#define ROUTE_WS	"temporal.api.workflowservice.v1.WorkflowService"
#define ROUTE_HEALTH	"grpc.health.v1.Health"

enum route_verdict {
	ROUTE_PASS = 0,
	ROUTE_INVALID = 3,		/* grpc-status INVALID_ARGUMENT */
	ROUTE_UNIMPLEMENTED = 12	/* grpc-status UNIMPLEMENTED */
};

/* The services passed besides ROUTE_WS and ROUTE_HEALTH (config). */
struct route_allow {
	char *const	*names;
	size_t		 n;
};

/* The whole request header block, in the order received; allow may be
 * NULL. */
enum route_verdict	route_request(const nghttp2_nv *nv, size_t n,
			    const struct route_allow *allow, char *why,
			    size_t whylen);
/* :path alone. */
enum route_verdict	route_path(const uint8_t *path, size_t len,
			    const struct route_allow *allow, char *why,
			    size_t whylen);
/* 1 when name is a valid allow_service value (a dotted identifier). */
int			route_service_ok(const char *name);
/* 1 for an x-tenuo-* field name (any case). */
int			route_is_tenuo_md(const uint8_t *name, size_t len);
/* A printable, capped copy of untrusted bytes for logs ("\xHH"). */
void			route_printable(const uint8_t *in, size_t len,
			    char *out, size_t outlen);

#endif /* ROUTE_H */
