/*
 * pb-roundtrip.c: decodes one message of the Temporal subset from stdin
 * with protobuf-c and writes it back re-encoded to stdout, so run.sh can
 * check (with protoc and upstream's full .proto files) that nothing is
 * lost: every field the subset leaves out must come back as an unknown
 * field.
 *
 *   pb-roundtrip <full message name> < in.bin > out.bin
 *
 * Exit status: 0 on success, 1 if the input does not decode, 2 on usage
 * or I/O errors.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "temporal/api/workflowservice/v1/request_response.pb-c.h"

#define RT_MAX_INPUT	(16u * 1024u * 1024u)

static const ProtobufCMessageDescriptor *const rt_types[] = {
	&temporal__api__workflowservice__v1__poll_activity_task_queue_request__descriptor,
	&temporal__api__workflowservice__v1__poll_activity_task_queue_response__descriptor,
	&temporal__api__workflowservice__v1__respond_workflow_task_completed_request__descriptor,
	&temporal__api__workflowservice__v1__respond_workflow_task_completed_response__descriptor,
	&temporal__api__workflowservice__v1__respond_activity_task_completed_request__descriptor,
	&temporal__api__workflowservice__v1__respond_activity_task_failed_request__descriptor,
	&temporal__api__workflowservice__v1__respond_activity_task_failed_response__descriptor,
	&temporal__api__workflowservice__v1__respond_activity_task_canceled_request__descriptor,
	&temporal__api__workflowservice__v1__record_activity_task_heartbeat_request__descriptor,
	&temporal__api__workflowservice__v1__respond_activity_task_completed_by_id_request__descriptor,
	&temporal__api__workflowservice__v1__respond_activity_task_failed_by_id_request__descriptor,
	&temporal__api__workflowservice__v1__respond_activity_task_canceled_by_id_request__descriptor,
	&temporal__api__workflowservice__v1__record_activity_task_heartbeat_by_id_request__descriptor,
	&temporal__api__workflowservice__v1__start_workflow_execution_request__descriptor,
	&temporal__api__workflowservice__v1__signal_with_start_workflow_execution_request__descriptor,
};

int
main(int argc, char **argv)
{
	const ProtobufCMessageDescriptor *d = NULL;
	ProtobufCMessage *m;
	uint8_t *in, *out;
	size_t n = 0, len;

	if (argc != 2) {
		fprintf(stderr, "usage: pb-roundtrip <message name>\n");
		return 2;
	}
	for (size_t i = 0; i < sizeof(rt_types) / sizeof(rt_types[0]); i++)
		if (strcmp(rt_types[i]->name, argv[1]) == 0)
			d = rt_types[i];
	if (d == NULL) {
		fprintf(stderr, "pb-roundtrip: unknown message %s\n", argv[1]);
		return 2;
	}
	if ((in = malloc(RT_MAX_INPUT)) == NULL)
		return 2;
	while (n < RT_MAX_INPUT) {
		size_t r = fread(in + n, 1, RT_MAX_INPUT - n, stdin);

		if (r == 0)
			break;
		n += r;
	}
	if (ferror(stdin) || n == RT_MAX_INPUT) {
		fprintf(stderr, "pb-roundtrip: cannot read input\n");
		free(in);
		return 2;
	}
	if ((m = protobuf_c_message_unpack(d, NULL, n, in)) == NULL) {
		fprintf(stderr, "pb-roundtrip: %s does not decode\n", d->name);
		free(in);
		return 1;
	}
	len = protobuf_c_message_get_packed_size(m);
	if ((out = malloc(len ? len : 1)) == NULL ||
	    protobuf_c_message_pack(m, out) != len ||
	    fwrite(out, 1, len, stdout) != len || fflush(stdout) != 0) {
		fprintf(stderr, "pb-roundtrip: cannot write output\n");
		free(out);
		protobuf_c_message_free_unpacked(m, NULL);
		free(in);
		return 2;
	}
	free(out);
	protobuf_c_message_free_unpacked(m, NULL);
	free(in);
	return 0;
}
