/*
 * tn_temporal_methods.h: the gRPC method paths tenuo-sidecar intercepts,
 * with the request and response message each one carries (the types in
 * proto/, generated into $(B)/proto by protobuf-c).  Every other
 * WorkflowService method is passed through untouched.
 *
 * tests/proto/check-upstream.py checks each path below against the rpc
 * declarations in upstream's service.proto (name, request and response
 * types, unary) and against temporal-proto-facts.md.  Keep the format: one
 * TN_M_* macro per path, followed by a comment naming the request and the
 * response message.
 */
#ifndef TN_TEMPORAL_METHODS_H
#define TN_TEMPORAL_METHODS_H

#define TN_M_SERVICE	"/temporal.api.workflowservice.v1.WorkflowService/"

#define TN_M_POLL_ACTIVITY_TASK_QUEUE \
	TN_M_SERVICE "PollActivityTaskQueue"
	/* PollActivityTaskQueueRequest -> PollActivityTaskQueueResponse */
#define TN_M_RESPOND_WORKFLOW_TASK_COMPLETED \
	TN_M_SERVICE "RespondWorkflowTaskCompleted"
	/* RespondWorkflowTaskCompletedRequest -> RespondWorkflowTaskCompletedResponse */
#define TN_M_RESPOND_ACTIVITY_TASK_COMPLETED \
	TN_M_SERVICE "RespondActivityTaskCompleted"
	/* RespondActivityTaskCompletedRequest -> RespondActivityTaskCompletedResponse */
#define TN_M_RESPOND_ACTIVITY_TASK_FAILED \
	TN_M_SERVICE "RespondActivityTaskFailed"
	/* RespondActivityTaskFailedRequest -> RespondActivityTaskFailedResponse */
#define TN_M_RESPOND_ACTIVITY_TASK_CANCELED \
	TN_M_SERVICE "RespondActivityTaskCanceled"
	/* RespondActivityTaskCanceledRequest -> RespondActivityTaskCanceledResponse */
#define TN_M_RECORD_ACTIVITY_TASK_HEARTBEAT \
	TN_M_SERVICE "RecordActivityTaskHeartbeat"
	/* RecordActivityTaskHeartbeatRequest -> RecordActivityTaskHeartbeatResponse */
#define TN_M_RESPOND_ACTIVITY_TASK_COMPLETED_BY_ID \
	TN_M_SERVICE "RespondActivityTaskCompletedById"
	/* RespondActivityTaskCompletedByIdRequest -> RespondActivityTaskCompletedByIdResponse */
#define TN_M_RESPOND_ACTIVITY_TASK_FAILED_BY_ID \
	TN_M_SERVICE "RespondActivityTaskFailedById"
	/* RespondActivityTaskFailedByIdRequest -> RespondActivityTaskFailedByIdResponse */
#define TN_M_RESPOND_ACTIVITY_TASK_CANCELED_BY_ID \
	TN_M_SERVICE "RespondActivityTaskCanceledById"
	/* RespondActivityTaskCanceledByIdRequest -> RespondActivityTaskCanceledByIdResponse */
#define TN_M_RECORD_ACTIVITY_TASK_HEARTBEAT_BY_ID \
	TN_M_SERVICE "RecordActivityTaskHeartbeatById"
	/* RecordActivityTaskHeartbeatByIdRequest -> RecordActivityTaskHeartbeatByIdResponse */
#define TN_M_START_WORKFLOW_EXECUTION \
	TN_M_SERVICE "StartWorkflowExecution"
	/* StartWorkflowExecutionRequest -> StartWorkflowExecutionResponse */
#define TN_M_SIGNAL_WITH_START_WORKFLOW_EXECUTION \
	TN_M_SERVICE "SignalWithStartWorkflowExecution"
	/* SignalWithStartWorkflowExecutionRequest -> SignalWithStartWorkflowExecutionResponse */

#endif /* TN_TEMPORAL_METHODS_H */
