/*
 * lamarker.h: the activity type a local-activity marker names.
 *
 * A workflow worker reports a local activity it ran as a RecordMarker
 * command in RespondWorkflowTaskCompleted (the activity never goes
 * through the frontend's task queues, so the sidecar never sees a task
 * for it).  The formats read here, from the SDK sources:
 *
 *   sdk-core (TypeScript, Python, .NET, Ruby): marker_name
 *     "core_local_activity" (crates/protos/src/protos/constants.rs
 *     LOCAL_ACTIVITY_MARKER_NAME); details["data"].payloads[0] is
 *     LocalActivityMarkerData as serde_json with metadata encoding
 *     "json/plain" (build_local_activity_marker_details(), as_json_payload()
 *     in crates/protos/src/protos/mod.rs): {"seq":1,"attempt":1,
 *     "activity_id":"1","activity_type":"T","complete_time":{"seconds":..,
 *     "nanos":..},"backoff":null,"original_schedule_time":{...}}.
 *   Go SDK: marker_name "LocalActivity" (internal_command_state_machine.go
 *     localActivityMarkerName); details["data"] is the data converter's
 *     encoding of localActivityMarkerData (internal_event_handlers.go),
 *     with the default converter json/plain {"ActivityID":"1",
 *     "ActivityType":"T","ReplayTime":"...","Attempt":1,"Backoff":0}.
 *
 * Anything else under those two marker names (no "data", another
 * encoding such as a codec's, JSON without the key, a repeated key) is
 * "unreadable": the caller refuses it (fail closed).  No I/O.
 */
#ifndef LAMARKER_H
#define LAMARKER_H

#include <stddef.h>

#include "temporal/api/command/v1/message.pb-c.h"

#define LAM_NAME_CORE		"core_local_activity"
#define LAM_NAME_GO		"LocalActivity"
#define LAM_DATA_KEY		"data"
#define LAM_DATA_MAX		(64u * 1024u)	/* marker data JSON bytes */
#define LAM_TYPE_MAX		256		/* activity type, with NUL */
#define LAM_WHY_MAX		128

enum lam_result {
	LAM_UNREADABLE = -1,	/* a local-activity marker we cannot read */
	LAM_OTHER = 0,		/* not a local-activity marker */
	LAM_FOUND = 1		/* type[] holds the activity type */
};

/*
 * The activity type of the local-activity marker a, into type[typelen]
 * (NUL-terminated, no NUL inside).  On LAM_UNREADABLE why[] says why.
 * a may be NULL (LAM_OTHER).
 */
enum lam_result	lam_marker_type(
	    const Temporal__Api__Command__V1__RecordMarkerCommandAttributes *a,
	    char *type, size_t typelen, char *why, size_t whylen);

#endif /* LAMARKER_H */
