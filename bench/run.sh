#!/bin/sh
# Runs every benchmark binary given on the command line and writes
# bench/RESULTS.md: the machine, the library versions, the method, and
# each benchmark's own table (medians of repeated rounds measured in one
# run, so the ratios compare like with like on a noisy shared machine).
set -eu

out=bench/RESULTS.md
tmp=$(mktemp)
trap 'rm -f "$tmp"' EXIT

{
	echo "# Benchmark results"
	echo
	echo "Written by \`make bench\` on $(date -u +%Y-%m-%dT%H:%M:%SZ)."
	echo
	echo "## Machine"
	echo
	echo "- CPU: $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -1) ($(nproc) cores)"
	echo "- Memory: $(awk '/MemTotal/ {printf "%.1f GiB", $2 / 1048576}' /proc/meminfo)"
	echo "- Kernel: $(uname -sr)"
	echo "- Compiler: $(${CC:-cc} --version | head -1)"
	echo "- libsodium $(pkg-config --modversion libsodium), OpenSSL $(pkg-config --modversion libcrypto), zlib $(pkg-config --modversion zlib)"
	echo
	echo "## Method"
	echo
	echo "Each benchmark runs every operation in rounds of a fixed number"
	echo "of iterations and reports the median round (7 rounds unless"
	echo "stated).  Ratios are computed from numbers taken in the same"
	echo "process and run, so they survive the noise of a shared machine;"
	echo "absolute times drift from run to run."
	echo
} > "$tmp"

for b in "$@"; do
	name=$(basename "$b")
	echo "bench: running $name" >&2
	{
		echo "## $name"
		echo
		"$b"
		echo
	} >> "$tmp"
done
mv "$tmp" "$out"
trap - EXIT
cat "$out"
