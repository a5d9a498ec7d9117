#!/bin/sh
# The sidecar's network benchmarks (issue 6), printed as Markdown on
# stdout; progress on stderr.  127.0.0.1 only, random free ports, every
# step bounded, every process we start killed on exit.
#
#   1. pass-through: unary gRPC (205-byte message) with h2load at 1x1,
#      1x10, 10x10 connections x streams: direct to our backend, through
#      nghttpx, through tenuo-sidecar, interleaved in each round
#   3. scale: 10,000 idle long polls through the sidecar, RSS and CPU
#   4. large messages: 4 MiB echoed through (pass-through) and a 4 MiB
#      PollActivityTaskQueue task inspected, MB/s and VmHWM
#   5. profile: the sidecar under callgrind at a fixed load
#
# Env: SIDECAR BACKEND H2SERVE BENCH_AUTHZ (binaries); BENCH_SMOKE=1 runs
# each part minimally (checks it works, never asserts speed);
# BENCH_PARTS="1 5" runs only the parts named (default: 1 3 4 5);
# BENCH_ROUNDS overrides the pass-through rounds, BENCH_NPROF the
# profiled RPCs; BENCH_CGOUT=FILE keeps the callgrind output;
# SIDECAR_BASE=BIN adds a fourth configuration to part 1, "base": another
# sidecar binary (say, the one before a change) interleaved with the
# others in every round, so before and after share the machine's state.
set -u

: "${SIDECAR:?}" "${BACKEND:?}" "${H2SERVE:?}" "${BENCH_AUTHZ:?}"
SMOKE=${BENCH_SMOKE:-0}
# shellcheck source=tests/lib.sh
. "$(dirname "$0")/../../tests/lib.sh"
tn_init bench
WAIT_TENTHS=100
HZ=$(getconf CLK_TCK)

if [ "$SMOKE" = 1 ]; then
	ROUNDS=1; N11=200; N110=200; N1010=400
	NPOLL=200; PCONN=10; HOLD_MS=4000; IDLE_S=1
	NBIG=2; NPROF=100
else
	ROUNDS=${BENCH_ROUNDS:-9}; N11=15000; N110=30000; N1010=40000
	NPOLL=10000; PCONN=100; HOLD_MS=22000; IDLE_S=8
	NBIG=12; NPROF=${BENCH_NPROF:-2000}
fi
PARTS=" ${BENCH_PARTS:-1 3 4 5} "
part() { case $PARTS in *" $1 "*) return 0 ;; esac; return 1; }

log() { echo "bench-net: $*" >&2; }
die() { log "$*"; exit 1; }

# cpu PID: utime+stime clock ticks of PID and its children (nghttpx runs
# its worker in a child process), all threads included.
cpu() {
	kids=$(cat /proc/"$1"/task/*/children 2>/dev/null)
	t=0
	for p in "$1" $kids; do
		v=$(awk '{ print $14 + $15 }' /proc/"$p"/stat 2>/dev/null)
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

# status PID FIELD: kB from /proc/PID/status (VmRSS, VmHWM), children
# summed as cpu() does.
status_kb() {
	kids=$(cat /proc/"$1"/task/*/children 2>/dev/null)
	t=0
	for p in "$1" $kids; do
		v=$(proc_kb "$p" "$2")
		t=$((t + ${v:-0}))
	done
	echo "$t"
}

# start_be NAME CMD...: runs a server that prints "PORT n"; sets PORT_NAME
# and PID_NAME.
start_be() {
	name=$1
	shift
	start_named "$name" "$T/$name.out" "$@" || die "$name did not start"
}

# start_sidecar NAME UPSTREAM_PORT [EXTRA_CONF_FILE]: sets SP_NAME,
# AP_NAME, PID_NAME.
start_sidecar() {
	name=$1
	sp=$(freeport)
	ap=$(freeport)
	mkdir -p "$T/$name"
	{
		sc_conf "$T/$name" "$sp" "$2"
		echo "admin_listen = 127.0.0.1:$ap"
		if [ -n "${3:-}" ]; then cat "$3"; else
			echo "require_warrant = off"; fi
	} > "$T/$name/sc.conf"
	chmod 600 "$T/$name/sc.conf"
	${WRAP:-} "${SC_BIN:-$SIDECAR}" -c "$T/$name/sc.conf" \
	    2> "$T/$name/sc.err" &
	pid=$!
	PIDS="$PIDS $pid"
	wait_for "$T/$name/sc.err" "forwarding to" 600 ||
	    { cat "$T/$name/sc.err" >&2; die "sidecar $name did not start"; }
	eval "SP_$name=$sp AP_$name=$ap PID_$name=$pid"
}

start_nghttpx() {
	NXP=$(freeport)
	nghttpx --conf=/dev/null --frontend="127.0.0.1,$NXP;no-tls" \
	    --backend="127.0.0.1,$1;;proto=h2" --workers=1 \
	    --errorlog-file="$T/nghttpx.err" --pid-file="$T/nghttpx.pid" \
	    --frontend-http2-max-concurrent-streams=1000 &
	PID_nx=$!
	PIDS="$PIDS $PID_nx"
	i=0
	while ! python3 -c "import socket; socket.create_connection(('127.0.0.1',$NXP),1)" \
	    2>/dev/null; do
		i=$((i + 1))
		[ $i -lt 50 ] || die "nghttpx did not start"
		sleep 0.1
	done
}

# metric PORT NAME (in place of tests/lib.sh's)
metric() { metric_at "$1" "$2"; }

# h2run OUT PORT PATH BODY N C M [extra h2load args...]: one h2load run;
# writes OUT.txt (h2load output) and OUT.log (per-request log).
h2run() {
	out=$1 port=$2 path=$3 body=$4 n=$5 c=$6 m=$7
	shift 7
	rm -f "$out.log"
	timeout 120 h2load -n "$n" -c "$c" -m "$m" -d "$body" \
	    -H 'content-type: application/grpc' -H 'te: trailers' \
	    --log-file="$out.log" "$@" "http://127.0.0.1:$port$path" \
	    > "$out.txt" 2>&1
}

# ok_count OUT: requests that succeeded
ok_count() {
	awk '/^requests:/ { for (i = 1; i <= NF; i++) if ($(i+1) ~ /^succeeded/) print $i }' "$1.txt"
}

# ----------------------------------------------------------- the setup
python3 -c "import sys; sys.stdout.buffer.write(b'\0\0\0\0\xcd' + b'a' * 205)" \
    > "$T/body205"
start_be be "$BACKEND" -p 0
start_nghttpx "$PORT_be"
start_sidecar sc "$PORT_be"
CFGS="direct nghttpx sidecar"
if [ -n "${SIDECAR_BASE:-}" ]; then
	SC_BIN=$SIDECAR_BASE start_sidecar base "$PORT_be"
	CFGS="$CFGS base"
fi

echo "Tools: $(h2load --version | head -1), $(nghttpx --version | head -1),"
echo "$($SIDECAR -V 2>&1 | head -1), backend tests/daemon/h2backend (nghttp2"
echo "$(pkg-config --modversion libnghttp2), libev)."
echo

# ------------------------------------------------------ 1. pass-through
if part 1; then
log "pass-through: $ROUNDS rounds"
: > "$T/pt.tsv"
r=1
while [ $r -le "$ROUNDS" ]; do
	for shape in 1x1 1x10 10x10; do
		c=${shape%x*}
		m=${shape#*x}
		case $shape in
		1x1) n=$N11 ;; 1x10) n=$N110 ;; *) n=$N1010 ;;
		esac
		for cfg in $CFGS; do
			case $cfg in
			direct) port=$PORT_be pid="" ;;
			nghttpx) port=$NXP pid=$PID_nx ;;
			sidecar) port=$SP_sc pid=$PID_sc ;;
			base) port=$SP_base pid=$PID_base ;;
			esac
			c0=0
			[ -n "$pid" ] && c0=$(cpu "$pid")
			h2run "$T/run" "$port" /test.Echo/Unary "$T/body205" \
			    "$n" "$c" "$m"
			c1=0
			[ -n "$pid" ] && c1=$(cpu "$pid")
			okn=$(ok_count "$T/run")
			[ "${okn:-0}" = "$n" ] || {
				cat "$T/run.txt" >&2
				die "$cfg $shape: $okn of $n succeeded"
			}
			rps=$(awk '/^finished in/ { print $4 }' "$T/run.txt")
			lat=$(sort -n -k3,3 "$T/run.log" | awk '
			    { v[NR] = $3 }
			    END { print v[int(NR * 0.50 + 0.5)], v[int(NR * 0.99 + 0.5)] }')
			cpu_us=$(awk -v d=$((c1 - c0)) -v hz="$HZ" -v n="$n" \
			    'BEGIN { printf "%.2f", d * 1e6 / hz / n }')
			printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$r" "$shape" "$cfg" \
			    "$rps" "$lat" "$cpu_us" | tr ' ' '\t' >> "$T/pt.tsv"
		done
	done
	r=$((r + 1))
done

# Medians per shape and configuration; ratios per round, then their median.
python3 - "$T/pt.tsv" "$ROUNDS" <<'EOP'
import sys, statistics as st
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n") if l]
d = {}
for r, shape, cfg, rps, p50, p99, cpu in rows:
    d[(int(r), shape, cfg)] = (float(rps), float(p50), float(p99), float(cpu))
rounds = sorted({k[0] for k in d})
shapes = ["1x1", "1x10", "10x10"]
cfgs = [c for c in ["direct", "nghttpx", "sidecar", "base"]
        if any(k[2] == c for k in d)]
med = lambda xs: st.median(xs) if xs else float("nan")
print("## Pass-through (issue 6, 1)\n")
print("Unary gRPC `/test.Echo/Unary`, a 205-byte message each way "
      "(`content-type: application/grpc`, `te: trailers`), h2load "
      "connections x streams; the configurations interleaved in "
      "each of %d rounds; medians over rounds.  Latency from h2load's "
      "per-request log; proxy CPU from /proc/PID/stat utime+stime "
      "(every thread, and nghttpx's worker process) over the run, "
      "divided by requests.  h2load, backend and proxy share the 2 "
      "cores.\n" % len(rounds))
print("| shape | config | req/s | p50 µs | p99 µs | proxy CPU µs/RPC |")
print("|---|---|---:|---:|---:|---:|")
for s in shapes:
    for c in cfgs:
        v = [d[(r, s, c)] for r in rounds]
        cpu = "—" if c == "direct" else "%.1f" % med([x[3] for x in v])
        print("| %s | %s | %.0f | %.0f | %.0f | %s |" % (s, c,
            med([x[0] for x in v]), med([x[1] for x in v]),
            med([x[2] for x in v]), cpu))
print("\nRatios, each taken within a round, median over rounds "
      "(added p50 = proxy p50 − direct p50 in the same round):\n")
print("| shape | sidecar/nghttpx CPU per RPC | added p50 nghttpx µs | "
      "added p50 sidecar µs | sidecar/nghttpx req/s |")
print("|---|---:|---:|---:|---:|")
cpu_ok = lat_ok = True
for s in shapes:
    cr = med([d[(r, s, "sidecar")][3] / d[(r, s, "nghttpx")][3]
              for r in rounds if d[(r, s, "nghttpx")][3] > 0])
    an = med([d[(r, s, "nghttpx")][1] - d[(r, s, "direct")][1] for r in rounds])
    asc = med([d[(r, s, "sidecar")][1] - d[(r, s, "direct")][1] for r in rounds])
    rr = med([d[(r, s, "sidecar")][0] / d[(r, s, "nghttpx")][0] for r in rounds])
    cpu_ok &= cr <= 0.8  # nan (no CPU ticks seen) compares false
    lat_ok &= asc <= an
    print("| %s | %.2f | %.0f | %.0f | %.2f |" % (s, cr, an, asc, rr))
if "base" in cfgs:
    print("\nThe same for `base` (SIDECAR_BASE, another sidecar binary), "
          "and this sidecar against it, per round:\n")
    print("| shape | base/nghttpx CPU per RPC | added p50 base µs | "
          "sidecar/base CPU per RPC |")
    print("|---|---:|---:|---:|")
    for s in shapes:
        br = med([d[(r, s, "base")][3] / d[(r, s, "nghttpx")][3]
                  for r in rounds if d[(r, s, "nghttpx")][3] > 0])
        ab = med([d[(r, s, "base")][1] - d[(r, s, "direct")][1]
                  for r in rounds])
        sb = med([d[(r, s, "sidecar")][3] / d[(r, s, "base")][3]
                  for r in rounds if d[(r, s, "base")][3] > 0])
        print("| %s | %.2f | %.0f | %.2f |" % (s, br, ab, sb))
print("\n- Target: sidecar CPU per RPC ≤ 0.8 × nghttpx's — %s" %
      ("**met** at every shape" if cpu_ok else "**not met** (see the ratios)"))
print("- Target: added p50 latency ≤ nghttpx's — %s\n" %
      ("**met** at every shape" if lat_ok else "**not met** (see above)"))
EOP
fi

# ------------------------------------------------------------ 3. scale
if part 3; then
log "scale: $NPOLL long polls"
start_sidecar scale "$PORT_be"
rss0=$(status_kb "$PID_scale" VmRSS)
h2run "$T/poll" "$SP_scale" /test.Echo/Delay "$T/body205" "$NPOLL" \
    "$PCONN" $((NPOLL / PCONN)) -H "x-delay-ms: $HOLD_MS" &
HPID=$!
i=0
open=0
while [ $i -lt 150 ]; do
	sleep 0.1
	open=$(metric "$AP_scale" streams)
	[ "$open" -ge "$NPOLL" ] && break
	i=$((i + 1))
done
ramp_ms=$((i * 100))
sleep 1
rss1=$(status_kb "$PID_scale" VmRSS)
c0=$(cpu "$PID_scale")
sleep "$IDLE_S"
c1=$(cpu "$PID_scale")
rss2=$(status_kb "$PID_scale" VmRSS)
hwm=$(status_kb "$PID_scale" VmHWM)
open2=$(metric "$AP_scale" streams)
wait "$HPID"
okn=$(ok_count "$T/poll")
python3 - "$NPOLL" "$PCONN" "$HOLD_MS" "$rss0" "$rss1" "$rss2" "$hwm" \
    "$((c1 - c0))" "$HZ" "$IDLE_S" "$open" "$open2" "${okn:-0}" \
    "$ramp_ms" <<'EOP'
import sys
(n, conn, hold, rss0, rss1, rss2, hwm, dt, hz, idle, open1, open2, ok,
 ramp) = [float(x) for x in sys.argv[1:]]
rss = max(rss1, rss2)
cpu = dt / hz / idle * 100
print("## Scale: idle long polls (issue 6, 3)\n")
print("%d `/test.Echo/Delay` calls held %d s by the backend, over %d h2load "
      "connections (%d streams each), through one sidecar started for this "
      "part; RSS and CPU (/proc) sampled once every stream was open (%d "
      "seen open by the admin endpoint after %.1f s, %d still open at the "
      "end of the idle window), CPU over %d s of idleness.  %d of %d calls "
      "then completed.\n" % (n, hold / 1000, conn, n / conn, open1,
      ramp / 1000, open2, idle, ok, n))
print("| sidecar | value |\n|---|---:|")
print("| VmRSS before | %.1f MiB |" % (rss0 / 1024))
print("| VmRSS with %d polls open | %.1f MiB |" % (n, rss / 1024))
print("| per poll | %.2f kB |" % ((rss - rss0) / n))
print("| VmHWM | %.1f MiB |" % (hwm / 1024))
print("| CPU while idle | %.2f %% of a core (%d ticks in %d s) |" %
      (cpu, dt, idle))
met = rss <= 64 * 1024 and cpu < 1.0 and open1 >= n and ok == n
print("\n- Target: RSS ≤ 64 MiB and idle CPU near zero (< 1 %% of a core) "
      "with %d polls — %s\n" % (n, "**met**" if met else "**not met**"))
EOP
kill "$PID_scale"
fi

# --------------------------------------------------- 4. large messages
if part 4; then
log "large messages"
python3 -c "import sys; n = 4 << 20; sys.stdout.buffer.write(bytes([0]) + n.to_bytes(4, 'big') + b'b' * n)" \
    > "$T/body4m"
"$BENCH_AUTHZ" mktask "$T" $((4 << 20)) > /dev/null || die "mktask"
start_be big "$H2SERVE" -f "$T/task.resp" -p 0
{
	echo "trusted_root = $(cat "$T/root.hex")"
	echo "require_warrant = on"
	echo "max_message_bytes = 16777216"
} > "$T/enf.conf"
start_sidecar lpass "$PORT_be"
start_sidecar linsp "$PORT_big" "$T/enf.conf"
POLLPATH=/temporal.api.workflowservice.v1.WorkflowService/PollActivityTaskQueue
: > "$T/big.tsv"
# big NAME PORT PATH BODY PID
big() {
	h0=$([ -n "$5" ] && status_kb "$5" VmHWM || echo 0)
	h2run "$T/big" "$2" "$3" "$4" "$NBIG" 1 1
	okn=$(ok_count "$T/big")
	[ "${okn:-0}" = "$NBIG" ] || { cat "$T/big.txt" >&2; die "$1: $okn of $NBIG"; }
	secs=$(awk '/^finished in/ { v = $3; sub(/,$/, "", v);
	    if (v ~ /ms$/) { sub(/ms$/, "", v); v /= 1000 } else sub(/s$/, "", v);
	    print v }' "$T/big.txt")
	h1=$([ -n "$5" ] && status_kb "$5" VmHWM || echo 0)
	printf '%s\t%s\t%s\t%s\n' "$1" "$secs" "$h0" "$h1" >> "$T/big.tsv"
}
big "pass: direct" "$PORT_be" /test.Echo/Unary "$T/body4m" ""
big "pass: nghttpx" "$NXP" /test.Echo/Unary "$T/body4m" "$PID_nx"
big "pass: sidecar" "$SP_lpass" /test.Echo/Unary "$T/body4m" "$PID_lpass"
big "inspected: direct" "$PORT_big" "$POLLPATH" "$T/poll.req" ""
big "inspected: sidecar" "$SP_linsp" "$POLLPATH" "$T/poll.req" "$PID_linsp"
allowed=$(grep -c '"decision":"allow"' "$T/linsp/audit.log" 2>/dev/null)
python3 - "$T/big.tsv" "$NBIG" "${allowed:-0}" <<'EOP'
import sys
rows = [l.split("\t") for l in open(sys.argv[1]).read().split("\n") if l]
n = int(sys.argv[2])
mib = 4.0
print("## Large messages (issue 6, 4)\n")
print("One stream at a time (h2load -c 1 -m 1), %d calls each.  Pass: "
      "`/test.Echo/Unary` echoes a 4 MiB message (4 MiB up, 4 MiB down).  "
      "Inspected: PollActivityTaskQueue answered with a 4 MiB task "
      "(a depth-1 chain, gzip warrant, two arguments, 4 MiB of heartbeat "
      "details) that the sidecar decodes (its known fields), authorizes, "
      "and edits in place (token wrapped, x-tenuo-* headers stripped); "
      "%s of %d decisions were `allow` in the audit log.  MiB/s counts "
      "one 4 MiB message per call (each way for the echo).  VmHWM growth is "
      "the proxy's peak RSS during its calls above its peak before them "
      "(each sidecar fresh; nghttpx already warm from part 1).\n" %
      (n, sys.argv[3], n))
print("| case | s per call | MiB/s | VmHWM before | VmHWM after | growth "
      "/ message size |")
print("|---|---:|---:|---:|---:|---:|")
for name, secs, h0, h1 in rows:
    s = float(secs) / n
    h0, h1 = int(h0), int(h1)
    if h1 == 0:
        print("| %s | %.3f | %.0f | — | — | — |" % (name, s, mib / s))
    else:
        print("| %s | %.3f | %.0f | %.1f MiB | %.1f MiB | %.2f |" % (name, s,
            mib / s, h0 / 1024, h1 / 1024, (h1 - h0) / 1024 / mib))
ins = [r for r in rows if r[0] == "inspected: sidecar"][0]
g = (int(ins[3]) - int(ins[2])) / 1024 / mib
print("\n- Target: at most one copy of a message in flight — inspected: "
      "peak RSS grew by %.2f × the message: %s\n" % (g,
      "**met**" if g <= 1.25 else "**not met** (more than one copy: see "
      "the profile notes in bench/README.md)"))
EOP
kill "$PID_lpass" "$PID_linsp"
fi

# ---------------------------------------------------------- 5. profile
if part 5 && command -v valgrind > /dev/null &&
    command -v callgrind_control > /dev/null; then
	log "profile: callgrind, $NPROF RPCs at 1x10"
	WRAP="valgrind --tool=callgrind --callgrind-out-file=$T/cg.%p" \
	    start_sidecar prof "$PORT_be"
	h2run "$T/prof" "$SP_prof" /test.Echo/Unary "$T/body205" "$NPROF" 1 10
	kill "$PID_prof"
	wait "$PID_prof" 2>/dev/null
	f=$(ls -S "$T"/cg.* 2>/dev/null | head -1)
	if [ -n "$f" ]; then
		[ -n "${BENCH_CGOUT:-}" ] && cp "$f" "$BENCH_CGOUT"
		callgrind_annotate "$f" 2>/dev/null > "$T/cg.txt"
		callgrind_annotate --inclusive=yes "$f" 2>/dev/null > "$T/cgi.txt"
		tot=$(awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1; exit }' "$T/cg.txt")
		echo "## Profile (issue 6, 5)"
		echo
		echo "The sidecar under \`valgrind --tool=callgrind\` (instruction"
		echo "counts: repeatable whatever the machine does) from start to"
		echo "SIGTERM, $NPROF pass-through RPCs at 1x10 in between (start"
		echo "and stop included, a few % at this count):"
		echo "$tot instructions, $(awk -v t="${tot:-0}" -v n="$NPROF" 'BEGIN { printf "%.0f", t / n }') per RPC."
		echo
		echo "Top functions by own instructions:"
		echo
		echo '```'
		awk '/file:function/ { p = 1; next } p && /^-/ { next }
		    p && /^$/ { exit } p { print }' "$T/cg.txt" |
		    head -25 | cut -c1-120
		echo '```'
		echo
		echo "Top by inclusive instructions:"
		echo
		echo '```'
		awk '/file:function/ { p = 1; next } p && /^-/ { next }
		    p && /^$/ { exit } p { print }' "$T/cgi.txt" |
		    head -30 | cut -c1-120
		echo '```'
		echo
	else
		log "profile: no callgrind output"
	fi
fi
log "done"
