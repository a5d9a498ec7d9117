#!/bin/sh
# Fetches Temporal's upstream .proto files, as vendored by sdk-core in the
# npm package @temporalio/core-bridge, into build/upstream (once; later
# runs reuse the cache).  The version and the tarball's SHA-256 are pinned:
# a different tarball is refused.  Prints the api_upstream directory.
#
#   sh tests/proto/fetch-upstream.sh      (from the project root)
set -eu

pkg=@temporalio/core-bridge
version=1.24.0
sha256=5f58de2e98bdc4711be3cbb06cc08bc39cb274cbbac41d02f0352bfe1630a8f7
tgz=temporalio-core-bridge-$version.tgz
sub=package/sdk-core/crates/protos/protos/api_upstream

cache=build/upstream
dir=$cache/core-bridge-$version
if [ -f "$dir/.ok" ]; then
	echo "$dir/$sub"
	exit 0
fi

mkdir -p "$cache"
if [ ! -f "$cache/$tgz" ]; then
	if ! command -v npm >/dev/null 2>&1; then
		echo "fetch-upstream: npm not found (needed once to fetch" \
		    "$pkg@$version)" >&2
		exit 1
	fi
	echo "fetch-upstream: npm pack $pkg@$version" >&2
	if ! (cd "$cache" && npm pack "$pkg@$version" --silent \
	    >/dev/null); then
		echo "fetch-upstream: npm pack $pkg@$version failed" \
		    "(is the npm registry reachable?)" >&2
		rm -f "$cache/$tgz"
		exit 1
	fi
fi
got=$(sha256sum "$cache/$tgz" | cut -d' ' -f1)
if [ "$got" != "$sha256" ]; then
	echo "fetch-upstream: $cache/$tgz has SHA-256 $got, expected" \
	    "$sha256 (pinned for $pkg@$version)" >&2
	rm -f "$cache/$tgz"
	exit 1
fi
rm -rf "$dir"
mkdir -p "$dir"
tar -xzf "$cache/$tgz" -C "$dir" "$sub"
touch "$dir/.ok"
echo "$dir/$sub"
