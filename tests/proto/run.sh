#!/bin/sh
# test-proto: the Temporal proto subset.
#   1. the Check suite (CHECK_PROTO): decoding, building a denial,
#      unknown fields kept byte for byte, truncated input;
#   2. upstream's .proto files from @temporalio/core-bridge (fetched once
#      into build/upstream): every field of the subset, the intercepted
#      method paths and temporal-proto-facts.md compared with them
#      (check-upstream.py), and the checker shown to catch a wrong field;
#   3. each fixture encoded by protoc with the full upstream schema,
#      round-tripped through the subset (PB_ROUNDTRIP), decoded again by
#      protoc with the full schema: the two texts must be identical (no
#      field lost, none changed), and the bytes too where the fixture says
#      so.
# Run from the project root.  Exits non-zero on the first failing part.
set -eu

: "${CHECK_PROTO:?}" "${PB_ROUNDTRIP:?}"
protoc=${PROTOC_C:-protoc-c}
here=tests/proto
facts=../shared/reference/temporal-proto-facts.md
fail=0

echo "proto: Check suite"
if ! "$CHECK_PROTO"; then
	echo "proto: Check suite FAILED" >&2
	fail=1
fi

up=$(sh $here/fetch-upstream.sh)
wkt=$here/wkt
if ! python3 $here/check-upstream.py --ours proto --upstream "$up" \
    --extra-include "$wkt" --methods proto/tn_temporal_methods.h \
    --facts "$facts" --protoc "$protoc"; then
	echo "proto: subset does NOT match upstream" >&2
	fail=1
fi

# The checker must notice a wrong number, a wrong type and a wrong label.
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for mut in 's/int32 attempt = 13;/int32 attempt = 23;/' \
    's/int32 attempt = 13;/int64 attempt = 13;/' \
    's/temporal.api.common.v1.Header header = 7;/temporal.api.common.v1.Payloads header = 7;/' \
    's/  string activity_id = 6;/  repeated string activity_id = 6;/'; do
	rm -rf "$tmp/p"
	cp -r proto "$tmp/p"
	f=$tmp/p/temporal/api/workflowservice/v1/request_response.proto
	sed -i "$mut" "$f"
	cmp -s "$f" proto/temporal/api/workflowservice/v1/request_response.proto \
	    && continue
	if python3 $here/check-upstream.py --ours "$tmp/p" --upstream "$up" \
	    --extra-include "$wkt" --protoc "$protoc" 2>"$tmp/err"; then
		echo "proto: checker missed the mutation $mut" >&2
		fail=1
	elif ! grep -q 'PollActivityTaskQueueResponse' "$tmp/err"; then
		echo "proto: checker failed oddly for $mut:" >&2
		cat "$tmp/err" >&2
		fail=1
	fi
done

n=0
for fx in $here/fixtures/*.txtpb; do
	type=$(sed -n 's/^# type: //p' "$fx")
	exact=$(sed -n 's/^# byte-exact: //p' "$fx")
	name=$(basename "$fx" .txtpb)
	schema="-I$up -I$wkt $up/temporal/api/workflowservice/v1/request_response.proto"
	# shellcheck disable=SC2086
	$protoc $schema --encode="$type" < "$fx" > "$tmp/$name.in"
	if ! "$PB_ROUNDTRIP" "$type" < "$tmp/$name.in" > "$tmp/$name.out"; then
		echo "proto: $name does not round-trip" >&2
		fail=1
		continue
	fi
	# shellcheck disable=SC2086
	$protoc $schema --decode="$type" < "$tmp/$name.in" > "$tmp/$name.in.txt"
	# shellcheck disable=SC2086
	$protoc $schema --decode="$type" < "$tmp/$name.out" > "$tmp/$name.out.txt"
	if ! diff -u "$tmp/$name.in.txt" "$tmp/$name.out.txt" >&2; then
		echo "proto: $name lost or changed fields in a round trip" >&2
		fail=1
		continue
	fi
	if cmp -s "$tmp/$name.in" "$tmp/$name.out"; then
		how="byte-exact"
	else
		how="field-exact (unknown fields moved after known ones)"
		if [ "$exact" = yes ]; then
			echo "proto: $name is not byte-exact" >&2
			fail=1
		fi
	fi
	echo "proto: $name: $(wc -c < "$tmp/$name.in") bytes, $how"
	n=$((n + 1))
done
echo "proto: $n fixtures round-tripped"
[ $fail -eq 0 ] || { echo "proto: FAILED" >&2; exit 1; }
echo "proto: all passed"
