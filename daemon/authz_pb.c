/*
 * authz_pb.c: the protobuf side of enforcement: the string check
 * protobuf-c does not do, x-tenuo-* header stripping, packing, and the
 * RespondActivityTaskFailed requests.  See authz.h.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "authz.h"
#include "tn_cbor.h"

#define TENUO_PREFIX	"x-tenuo-"

/* ------------------------------------------------------- string check */

static int
rd_varint(const uint8_t *p, size_t n, size_t *off, uint64_t *v)
{
	uint64_t r = 0;

	for (unsigned shift = 0; shift < 64; shift += 7) {
		uint8_t b;

		if (*off >= n)
			return -1;
		b = p[(*off)++];
		r |= (uint64_t)(b & 0x7f) << shift;
		if ((b & 0x80) == 0) {
			*v = r;
			return 0;
		}
	}
	return -1;
}

static int
check_string(const uint8_t *p, size_t n)
{
	if (memchr(p, 0, n) != NULL)
		return -1;
	return tn_utf8_valid(p, n) ? 0 : -1;
}

static int pb_walk(const ProtobufCMessageDescriptor *d, const uint8_t *p,
    size_t n, unsigned depth, int *amb);

/* A length-delimited field: check it if desc knows it as string/message. */
static int
pb_field(const ProtobufCMessageDescriptor *d, uint32_t num, const uint8_t *p,
    size_t n, unsigned depth, int *amb)
{
	const ProtobufCFieldDescriptor *f;

	if (d == NULL)
		return 0;
	if ((f = protobuf_c_message_descriptor_get_field(d, num)) == NULL)
		return 0;
	if (f->type == PROTOBUF_C_TYPE_STRING)
		return check_string(p, n);
	if (f->type == PROTOBUF_C_TYPE_MESSAGE)
		return pb_walk(f->descriptor, p, n, depth + 1, amb);
	return 0;
}

/*
 * Notes a known field of d: a second occurrence of a field that is not
 * repeated, or a second member of a oneof, makes the bytes ambiguous
 * (decoders merge, replace or keep both differently).
 */
static void
pb_seen(const ProtobufCMessageDescriptor *d, uint32_t num, uint64_t *seen,
    int *oneofs, int *amb)
{
	const ProtobufCFieldDescriptor *f;
	size_t i;

	if (d == NULL ||
	    (f = protobuf_c_message_descriptor_get_field(d, num)) == NULL ||
	    f->label == PROTOBUF_C_LABEL_REPEATED)
		return;
	if ((f->flags & PROTOBUF_C_FIELD_FLAG_ONEOF) && (*oneofs)++ > 0)
		*amb = 1;
	i = (size_t)(f - d->fields);
	if (i >= 64) {
		*amb = 1;	/* not tracked: assume the worst */
		return;
	}
	if (*seen & (uint64_t)1 << i)
		*amb = 1;
	*seen |= (uint64_t)1 << i;
}

static int
pb_walk(const ProtobufCMessageDescriptor *d, const uint8_t *p, size_t n,
    unsigned depth, int *amb)
{
	size_t off = 0;
	uint64_t tag, v, seen = 0;
	int oneofs = 0;

	if (depth > AUTHZ_PB_MAX_DEPTH)
		return -1;
	while (off < n) {
		if (rd_varint(p, n, &off, &tag) != 0 || (tag >> 3) == 0 ||
		    (tag >> 3) > UINT32_MAX)
			return -1;
		pb_seen(d, (uint32_t)(tag >> 3), &seen, &oneofs, amb);
		switch (tag & 7) {
		case 0:
			if (rd_varint(p, n, &off, &v) != 0)
				return -1;
			break;
		case 1:
		case 5:
			v = (tag & 7) == 1 ? 8 : 4;
			if (n - off < v)
				return -1;
			off += (size_t)v;
			break;
		case 2:
			if (rd_varint(p, n, &off, &v) != 0 || v > n - off)
				return -1;
			if (pb_field(d, (uint32_t)(tag >> 3), p + off, (size_t)v,
			    depth, amb) != 0)
				return -1;
			off += (size_t)v;
			break;
		default:	/* groups (3, 4) and 6, 7 */
			return -1;
		}
	}
	return 0;
}

int
authz_pb_check(const ProtobufCMessageDescriptor *desc, const uint8_t *buf,
    size_t len, int *ambiguous)
{
	int amb = 0, rv;

	if (desc == NULL || (buf == NULL && len > 0))
		return -1;
	rv = pb_walk(desc, buf, len, 1, &amb);
	if (ambiguous != NULL)
		*ambiguous = amb;
	return rv;
}

int
authz_pb_strings_check(const ProtobufCMessageDescriptor *desc,
    const uint8_t *buf, size_t len)
{
	return authz_pb_check(desc, buf, len, NULL);
}

/* ------------------------------------------------------ strip and pack */

size_t
authz_strip_tenuo_headers(authz_task_t *task)
{
	Temporal__Api__Common__V1__Header *h = task->header;
	size_t kept = 0, removed = 0;

	if (h == NULL)
		return 0;
	for (size_t i = 0; i < h->n_fields; i++) {
		Temporal__Api__Common__V1__Header__FieldsEntry *e = h->fields[i];

		if (e != NULL && e->key != NULL && strncmp(e->key, TENUO_PREFIX,
		    sizeof(TENUO_PREFIX) - 1) == 0) {
			protobuf_c_message_free_unpacked(&e->base, NULL);
			removed++;
			continue;
		}
		h->fields[kept++] = e;
	}
	h->n_fields = kept;
	return removed;
}

int
authz_pb_pack(const ProtobufCMessage *m, uint8_t **out, size_t *outlen)
{
	size_t n = protobuf_c_message_get_packed_size(m);
	uint8_t *p = malloc(n > 0 ? n : 1);

	*out = NULL;
	*outlen = 0;
	if (p == NULL)
		return -1;
	if (protobuf_c_message_pack(m, p) != n) {
		free(p);
		return -1;
	}
	*out = p;
	*outlen = n;
	return 0;
}

/* ------------------------------------------------------------ failures */

int
authz_build_failure(const uint8_t *token, size_t toklen, const char *ns,
    const char *identity, const char *message, const char *type,
    int non_retryable, uint8_t **out, size_t *outlen)
{
	Temporal__Api__Workflowservice__V1__RespondActivityTaskFailedRequest req;
	Temporal__Api__Failure__V1__Failure f;
	Temporal__Api__Failure__V1__ApplicationFailureInfo info;
	char msg[AUTHZ_MESSAGE_MAX];

	temporal__api__workflowservice__v1__respond_activity_task_failed_request__init(
	    &req);
	temporal__api__failure__v1__failure__init(&f);
	temporal__api__failure__v1__application_failure_info__init(&info);
	snprintf(msg, sizeof(msg), "%s", message ? message : "");
	info.type = (char *)(uintptr_t)(type ? type : "");
	info.non_retryable = non_retryable ? 1 : 0;
	f.message = msg;
	f.source = (char *)(uintptr_t)"tenuo-sidecar";
	f.failure_info_case =
	    TEMPORAL__API__FAILURE__V1__FAILURE__FAILURE_INFO_APPLICATION_FAILURE_INFO;
	f.application_failure_info = &info;
	req.task_token.data = (uint8_t *)(uintptr_t)token;
	req.task_token.len = token ? toklen : 0;
	req.failure = &f;
	req.identity = (char *)(uintptr_t)(identity ? identity : "");
	req.namespace_ = (char *)(uintptr_t)(ns ? ns : "");
	return authz_pb_pack(&req.base, out, outlen);
}

static const char *
task_ns(const authz_task_t *task, const char *ns)
{
	if (ns != NULL)
		return ns;
	return task->workflow_namespace ? task->workflow_namespace : "";
}

int
authz_build_denial(const authz_task_t *task, const struct authz_result *r,
    const char *ns, const char *identity, uint8_t **out, size_t *outlen)
{
	return authz_build_failure(task->task_token.data, task->task_token.len,
	    task_ns(task, ns), identity, r->message,
	    r->wire_type ? r->wire_type : "CONSTRAINT_VIOLATED",
	    !r->retryable, out, outlen);
}

int
authz_build_undelivered(const authz_task_t *task, const char *ns,
    const char *identity, const char *why, uint8_t **out, size_t *outlen)
{
	char msg[AUTHZ_MESSAGE_MAX];

	snprintf(msg, sizeof(msg), "Activity task not delivered by "
	    "tenuo-sidecar: %s; retrying", why ? why : "worker gone");
	return authz_build_failure(task->task_token.data, task->task_token.len,
	    task_ns(task, ns), identity, msg, AUTHZ_UNDELIVERED_TYPE, 0, out,
	    outlen);
}
