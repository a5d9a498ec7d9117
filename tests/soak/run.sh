#!/bin/sh
# Soak: an enforcing tenuo-sidecar under mixed load (tests/soak/load.js:
# long polls with allowed and denied tasks, unary calls, reconnecting
# clients) for SOAK_SECONDS; every SOAK_SAMPLE seconds the sidecar's
# VmRSS, open fds and CPU go to a CSV; at the end tests/soak/RESULTS.md
# says what ran and the verdict.  Bounded (the load stops itself, the
# whole run is under timeout) and self-cleaning.  Not part of make test:
#
#   make soak SOAK_SECONDS=1800
#
# Verdict: PASS when
#   - the load ran without an RPC error and no task was lost (every task
#     the frontend handed out was completed, or failed by the sidecar
#     for a denial),
#   - RSS is flat: the least-squares slope of VmRSS over the last 10
#     minutes (the last half of the samples when the run is shorter than
#     20 minutes) is below SOAK_SLOPE_KB kB/min (default 64 kB/min, about
#     3.75 MiB an hour),
#   - the open fds with no client connected are no more after the load
#     than before it (a leak grows them),
#   - the sidecar is alive at the end and exits 0 on SIGTERM.
#
# Env: SIDECAR (binary), SOAK_SECONDS (1800), SOAK_SAMPLE (10),
# SOAK_SLOPE_KB (64), SOAK_OUT (folder for RESULTS.md and samples.csv,
# default this folder), NODE (node).
set -u

# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../lib.sh"
tn_bins SIDECAR
SRC=$(cd "$(dirname "$0")" && pwd)
SECS=${SOAK_SECONDS:-1800}
EVERY=${SOAK_SAMPLE:-10}
SLOPE=${SOAK_SLOPE_KB:-64}
OUT=${SOAK_OUT:-$SRC}
NODE=${NODE:-node}
tn_init soak
LDPID=""

command -v "$NODE" > /dev/null 2>&1 || { echo "soak: SKIP: node not found"; exit 2; }
mkdir -p "$OUT" "$T/sc"
CSV=$OUT/samples.csv

# The load (it starts the frontend and the sidecar, and stops them).
SIDECAR=$SIDECAR timeout $((SECS + 180)) "$NODE" "$SRC/load.js" "$SECS" \
    "$T/sc" > "$T/load.out" 2>&1 &
LDPID=$!
PIDS=$LDPID
i=0
while ! grep -q '^PID ' "$T/load.out" && [ $i -lt 300 ]; do
	if ! kill -0 "$LDPID" 2>/dev/null; then
		break
	fi
	sleep 0.1
	i=$((i + 1))
done
if ! grep -q '^PID ' "$T/load.out"; then
	cat "$T/load.out"
	wait "$LDPID"
	rc=$?
	LDPID=""
PIDS=""
	grep -q '^SKIP' "$T/load.out" && exit 2
	echo "soak: the load did not start (rc $rc)"
	exit 1
fi
SIDEPID=$(awk '/^PID / { print $2 }' "$T/load.out")
TCK=$(getconf CLK_TCK)
echo "soak: $SECS s, sidecar pid $SIDEPID, samples every $EVERY s -> $CSV"

# t_s,rss_kb,fds,threads,cpu_ticks,cpu_pct
echo "t_s,rss_kb,fds,threads,cpu_pct" > "$CSV"
start=$(date +%s)
prev_t=$start
prev_c=""
while kill -0 "$SIDEPID" 2>/dev/null && kill -0 "$LDPID" 2>/dev/null; do
	now=$(date +%s)
	rss=$(proc_kb "$SIDEPID" VmRSS)
	thr=$(proc_kb "$SIDEPID" Threads)
	fds=$(nfds "$SIDEPID")
	cpu=$(sed 's/.*) //' "/proc/$SIDEPID/stat" 2>/dev/null |
	    awk '{ print $12 + $13 }')
	[ -z "$rss" ] && break
	if [ -n "$prev_c" ] && [ "$now" -gt "$prev_t" ]; then
		pct=$(awk -v a="$prev_c" -v b="$cpu" -v dt=$((now - prev_t)) \
		    -v hz="$TCK" 'BEGIN { printf "%.1f", (b - a) * 100 / hz / dt }')
	else
		pct=""
	fi
	echo "$((now - start)),$rss,$fds,$thr,$pct" >> "$CSV"
	prev_t=$now
	prev_c=$cpu
	# Sleep EVERY seconds, waking early when the load ends.
	j=0
	while [ $j -lt $((EVERY * 10)) ] && kill -0 "$LDPID" 2>/dev/null; do
		sleep 0.1
		j=$((j + 1))
	done
done
wait "$LDPID"
lrc=$?
LDPID=""
PIDS=""
grep -v '^RESULT ' "$T/load.out" | sed 's/^/    /'
RESULT=$(sed -n 's/^RESULT //p' "$T/load.out")
[ -n "$RESULT" ] || RESULT='{"error":"no result from load.js"}'

python3 - "$CSV" "$OUT/RESULTS.md" "$SECS" "$SLOPE" "$lrc" "$SIDECAR" \
    "$RESULT" "$SRC" "$EVERY" <<'EOP'
import csv, json, os, platform, subprocess, sys, time
csvp, md, secs, slope_max, lrc, sidecar, result, src, every = sys.argv[1:10]
secs, slope_max, lrc = int(secs), float(slope_max), int(lrc)
r = json.loads(result)
rows = [x for x in csv.DictReader(open(csvp)) if x["rss_kb"]]
t = [int(x["t_s"]) for x in rows]
rss = [int(x["rss_kb"]) for x in rows]
fds = [int(x["fds"]) for x in rows]
cpu = [float(x["cpu_pct"]) for x in rows if x["cpu_pct"]]
# The slope window: the last 10 minutes, or the last half of a shorter run.
win = 600 if secs >= 1200 else max(secs // 2, 1)
sel = [(a, b) for a, b in zip(t, rss) if t and a >= t[-1] - win]
def lsq(pts):
    n = len(pts)
    if n < 3:
        return None
    mx = sum(a for a, _ in pts) / n
    my = sum(b for _, b in pts) / n
    den = sum((a - mx) ** 2 for a, _ in pts)
    return None if den == 0 else sum((a - mx) * (b - my) for a, b in pts) / den * 60
slope = lsq(sel)
fd_before = r.get("fdIdleBefore")
fd_after = r.get("fdIdleAfter")
checks = [
    ("load ran, no RPC error", lrc == 0 and r.get("rpcErrors", 1) == 0 and "error" not in r),
    ("no task lost (every handed-out task completed or failed back)",
     r.get("unaccounted", 1) == 0 and r.get("handedOut", 0) > 0),
    ("denied tasks never reached a worker", r.get("deniedGot", 1) == 0),
    ("RSS flat: slope %s kB/min over the last %d s < %g kB/min" %
     ("n/a" if slope is None else "%.1f" % slope, win, slope_max),
     slope is not None and slope < slope_max),
    ("no fd leak: idle fds after the load <= before (%s, %s)" % (fd_before, fd_after),
     fd_before is not None and fd_after is not None and 0 <= fd_after <= fd_before),
    ("sidecar alive at the end, SIGTERM exits 0",
     r.get("sidecarAlive") is True and (r.get("sidecarExit") or {}).get("code") == 0),
]
verdict = "PASS" if all(ok for _, ok in checks) else "FAIL"
def cpuinfo():
    try:
        for l in open("/proc/cpuinfo"):
            if l.startswith("model name"):
                return l.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "?"
try:
    rev = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                         text=True, cwd=src).stdout.strip()
    if subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"],
                      capture_output=True, text=True, cwd=src).stdout.strip():
        rev += " + uncommitted changes"
except OSError:
    rev = "?"
mem = "?"
try:
    for l in open("/proc/meminfo"):
        if l.startswith("MemTotal"):
            mem = "%d MiB" % (int(l.split()[1]) // 1024)
except OSError:
    pass
L = []
L.append("# Soak results (tests/soak/run.sh)\n")
L.append("Written by `make soak SOAK_SECONDS=%d`; the samples are in `samples.csv` "
         "(t_s, rss_kb, fds, threads, cpu_pct every %s s).\n" % (secs, every))
L.append("| | |\n|---|---|")
L.append("| date (UTC) | %s |" % time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime()))
L.append("| machine | %s, %d CPUs, %s RAM, %s %s |" % (cpuinfo(), os.cpu_count() or 0, mem,
         platform.system(), platform.release()))
L.append("| sidecar | `%s` (commit %s) |" % (os.path.relpath(sidecar, os.path.dirname(os.path.dirname(src))), rev or "?"))
L.append("| duration | %d s (%d samples) |" % (secs, len(rows)))
L.append("| requests done | %s RPCs through the sidecar (%s long polls), %s reconnections |" %
         (r.get("rpcs"), r.get("polls"), r.get("reconnects")))
L.append("| tasks | %s handed out by the frontend: %s allowed and completed by the worker, "
         "%s denied and failed upstream by the sidecar, %s unaccounted |" %
         (r.get("handedOut"), r.get("okCompleted"), r.get("deniedFailed"), r.get("unaccounted")))
L.append("| RPC errors | %s %s |" % (r.get("rpcErrors"), json.dumps(r.get("errors", {}))
         if r.get("errors") else ""))
if rss:
    L.append("| VmRSS | first %d kB, last %d kB, max %d kB |" % (rss[0], rss[-1], max(rss)))
    L.append("| RSS slope | %s kB/min over the last %d s (threshold %g kB/min) |" %
             ("n/a" if slope is None else "%.1f" % slope, win, slope_max))
    L.append("| fds under load | first %d, last %d, max %d |" % (fds[0], fds[-1], max(fds)))
L.append("| fds idle | %s before the load, %s after |" % (fd_before, fd_after))
if cpu:
    L.append("| CPU | mean %.1f %%, max %.1f %% of one core |" % (sum(cpu) / len(cpu), max(cpu)))
L.append("| verdict | **%s** |\n" % verdict)
for name, ok in checks:
    L.append("- %s %s" % ("ok" if ok else "FAIL", name))
L.append("")
L.append("Load (tests/soak/load.js): %s" % "6 long pollers (4 on an allowed queue that "
         "complete their tasks, 2 on a `strict-*` queue whose tasks are denied for lack of "
         "a warrant), an allowed task every 100 ms and a denied one every 500 ms (production "
         "stops 8 s before the end), empty polls answered after 2 s, 3 loops of unary calls "
         "(GetSystemInfo, DescribeNamespace, a heartbeat with a foreign token: "
         "PERMISSION_DENIED), and a new client connection every second (3 calls and a "
         "0.5 s poll, then closed).  The audit log is rotated (SIGUSR1) past 32 MiB.")
open(md, "w").write("\n".join(L) + "\n")
print("\n".join(L[3:]))
sys.exit(0 if verdict == "PASS" else 1)
EOP
