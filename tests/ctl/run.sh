#!/bin/sh
# tests/ctl/run.sh: tenuoctl's command-line contract, end to end.
#
# Run from the project root: TENUOCTL=build/rel/tenuoctl sh tests/ctl/run.sh
# Prints one line per test and a final "N passed, M failed"; exits 1 if
# any test failed.  Every check looks at the exact exit status and at the
# JSON fields (parsed by tests/ctl/check.py), so each test can fail.

set -u

T=${TENUOCTL:?set TENUOCTL to the tenuoctl binary}
case $T in /*) ;; *) T=$PWD/$T ;; esac
CHECK="python3 tests/ctl/check.py"
W=$(mktemp -d "${TMPDIR:-/tmp}/tenuoctl-test.XXXXXX") || exit 2
trap 'rm -rf "$W"' EXIT
trap 'exit 2' HUP INT TERM

PASS=0
FAIL=0

SEED1=0101010101010101010101010101010101010101010101010101010101010101
SEED2=0202020202020202020202020202020202020202020202020202020202020202
SEED3=0303030303030303030303030303030303030303030303030303030303030303
CP=8a88e3dd7409f195fd52db2d3cba5d72ca6709bf1d94121bf3748801b40f6f5c
ORCH=8139770ea87d175f56a35466c34c7ecccb8d8a91b4ee37a25df60f5b8fc9b394
WORKER=ed4928c628d1c2c6eae90338905995612959273a5c63f93636c14614ac8737d1
T0=1704067200		# A.1 issued_at
TNOW=1704067300		# inside A.1's validity

pass() { PASS=$((PASS + 1)); echo "ok   $1"; }
fail() {
	FAIL=$((FAIL + 1)); echo "FAIL $1: $2"
	sed 's/^/     stdout: /' "$W/out" 2>/dev/null | head -5
	sed 's/^/     stderr: /' "$W/err" 2>/dev/null | head -5
}

# run CMD...: stdout to $W/out, stderr to $W/err, status in $RC.
run() { "$@" >"$W/out" 2>"$W/err"; RC=$?; }

# expect_rc NAME RC CMD...
expect_rc() {
	n=$1 want=$2; shift 2
	run "$@"
	if [ "$RC" -eq "$want" ]; then pass "$n"
	else fail "$n" "exit $RC, expected $want"; fi
}

# expect_out NAME REGEX CMD...: exit 0 and stdout matches the ERE REGEX.
expect_out() {
	n=$1 re=$2; shift 2
	run "$@"
	if [ "$RC" -ne 0 ]; then fail "$n" "exit $RC, expected 0"
	elif ! grep -Eq -- "$re" "$W/out"; then fail "$n" "stdout !~ $re"
	else pass "$n"; fi
}

# expect_deny NAME CODE CMD...: exit 1 and {"decision":"deny","code":CODE}.
expect_deny() {
	n=$1 code=$2; shift 2
	run "$@"
	if [ "$RC" -ne 1 ]; then fail "$n" "exit $RC, expected 1"
	elif ! $CHECK deny "$W/out" "$code" 2>"$W/why"; then
		fail "$n" "$(cat "$W/why")"
	else pass "$n"; fi
}

# expect_allow NAME DEPTH CMD...: exit 0 and an allow at chain_depth DEPTH.
expect_allow() {
	n=$1 depth=$2; shift 2
	run "$@"
	if [ "$RC" -ne 0 ]; then fail "$n" "exit $RC, expected 0"
	elif ! $CHECK allow "$W/out" "$depth" 2>"$W/why"; then
		fail "$n" "$(cat "$W/why")"
	else pass "$n"; fi
}

# expect_usage NAME TEXT CMD...: exit 2, stderr contains TEXT, no stdout.
expect_usage() {
	n=$1 text=$2; shift 2
	run "$@"
	if [ "$RC" -ne 2 ]; then fail "$n" "exit $RC, expected 2"
	elif ! grep -qF -- "$text" "$W/err"; then
		fail "$n" "stderr lacks '$text'"
	elif [ -s "$W/out" ]; then fail "$n" "unexpected stdout"
	else pass "$n"; fi
}

# check_py NAME ARGS...: a check.py assertion as a test.
check_py() {
	n=$1; shift
	if $CHECK "$@" 2>"$W/why"; then pass "$n"
	else fail "$n" "$(cat "$W/why")"; fi
}

# must CMD...: a setup step; its output is in $OUT.  Aborts on failure.
must() {
	if ! OUT=$("$@" 2>"$W/err"); then
		echo "FAIL setup: $*"; cat "$W/err"
		echo "$PASS passed, $((FAIL + 1)) failed"
		exit 1
	fi
}

# ------------------------------------------------------------ basics
expect_out "version -V" '^tenuoctl [0-9]+\.[0-9]+' "$T" -V
expect_out "--version" '^tenuoctl [0-9]' "$T" --version
expect_out "--help exits 0" '^usage: tenuoctl' "$T" --help
if grep -q 'authorize --trusted-root' "$W/out" && grep -q -- '--srl-key' "$W/out"
then pass "--help lists authorize and --srl-key"
else fail "--help lists authorize and --srl-key" "missing"; fi
expect_usage "no arguments" "usage:" "$T"
expect_usage "unknown command" "unknown command 'frobnicate'" "$T" frobnicate

# ------------------------------------------------------------ keys
expect_out "keygen --seed 01..01 prints the A.1 control-plane key" \
    "^$CP\$" "$T" keygen --seed $SEED1
must "$T" keygen --seed $SEED1 -o "$W/cp.key"
must "$T" keygen --seed $SEED2 -o "$W/orch.key"
must "$T" keygen --seed $SEED3 -o "$W/worker.key"
mode=$(stat -c %a "$W/cp.key")
if [ "$mode" = 600 ]; then pass "key file mode is 0600"
else fail "key file mode is 0600" "mode $mode"; fi
if [ "$(cat "$W/cp.key")" = "$SEED1" ] && [ "$(wc -c <"$W/cp.key")" -eq 65 ]
then pass "key file holds the seed in hex and a newline"
else fail "key file holds the seed in hex and a newline" "$(cat "$W/cp.key")"; fi
expect_out "pubkey KEYFILE" "^$ORCH\$" "$T" pubkey "$W/orch.key"
expect_usage "keygen refuses to overwrite" "refusing to overwrite" \
    "$T" keygen --seed $SEED3 -o "$W/cp.key"
[ "$(cat "$W/cp.key")" = "$SEED1" ] && pass "existing key file untouched" ||
    fail "existing key file untouched" "changed"
expect_out "keygen random seed" '^[0-9a-f]{64}$' "$T" keygen -o "$W/rand.key"
[ "$(cat "$W/out")" != "$CP" ] && [ -s "$W/rand.key" ] &&
    [ "$("$T" pubkey "$W/rand.key")" = "$(cat "$W/out")" ] &&
    pass "random key is fresh and matches its file" ||
    fail "random key is fresh and matches its file" "$(cat "$W/out")"
expect_usage "keygen --seed too short" "--seed: expected 64 hex digits" \
    "$T" keygen --seed 0101
cp "$W/orch.key" "$W/open.key"; chmod 644 "$W/open.key"
expect_usage "key readable by others refused" "group/other access" \
    "$T" pubkey "$W/open.key"
printf 'not-hex\n' >"$W/bad.key"; chmod 600 "$W/bad.key"
expect_usage "malformed key file refused" "expected 64 hex digits" \
    "$T" pubkey "$W/bad.key"
expect_usage "missing key file" "No such file" "$T" pubkey "$W/nope.key"

# ------------------------------------------------------------ A.1
must $CHECK vec A.1 0 envelope_b64url; A1=$OUT
must "$T" mint --key "$W/cp.key" --holder $ORCH --tool read_file \
    --constraint path=wildcard --ttl 3600 --max-depth 3 --issued-at $T0
MINE=$OUT
check_py "re-minted A.1 equals the published payload but for the id" \
    remint "$A1" "$MINE"
run "$T" inspect "$MINE"; cp "$W/out" "$W/mine.json"
expect_out "inspect A.1" '"chain_length": 1' "$T" inspect "$A1"
cp "$W/out" "$W/a1.json"
check_py "inspect: re-minted A.1 matches the published A.1" \
    inspect_eq "$W/mine.json" "$W/a1.json"
check_py "inspect A.1 fields" inspect "$W/a1.json" \
    "d['chain_length'] == 1 and (lambda w: w['id'] == 'tnu_wrt_019471f8000070008000000000000001' and w['type'] == 'execution' and w['depth'] == 0 and w['max_depth'] == 3 and w['issued_at'] == 1704067200 and w['expires_at'] == 1704070800 and w['holder'] == '$ORCH' and w['issuer'] == '$CP' and w['parent_hash'] is None and w['tools'] == {'read_file': {'constraints': {'path': [16, None]}, 'allow_unknown': False}} and w['payload_sha256'] == 'c64159990b1054e747e921d1b8c3e8d0e2906cd7282ff27a6d3effeea6dbfa8d')(d['warrants'][0])"
check_py "re-minted id carries the issued_at timestamp" inspect \
    "$W/mine.json" "d['warrants'][0]['id'].startswith('tnu_wrt_018cc251f400')"

ARGS='{"path":"/data/report.pdf"}'
must "$T" pop --key "$W/orch.key" --warrant "$A1" --tool read_file \
    --args "$ARGS" --at $TNOW
POP=$OUT
echo "$POP" | grep -Eq '^[A-Za-z0-9+/]{86}==$' && pass "pop is padded standard base64" ||
    fail "pop is padded standard base64" "$POP"
AUTH="--trusted-root $CP --now $TNOW"
expect_allow "A.1 authorize allow" 0 "$T" authorize $AUTH \
    --warrant "$A1" --tool read_file --args "$ARGS" --pop "$POP"
$CHECK allow "$W/out" 0 tnu_wrt_019471f8000070008000000000000001 2>"$W/why" &&
    pass "A.1 allow names the warrant id" ||
    fail "A.1 allow names the warrant id" "$(cat "$W/why")"
expect_deny "A.1 wrong tool" tool_not_allowed "$T" authorize $AUTH \
    --warrant "$A1" --tool write_file --args "$ARGS" --pop "$POP"
expect_deny "A.1 no --pop" pop_failed "$T" authorize $AUTH \
    --warrant "$A1" --tool read_file --args "$ARGS"
expect_deny "A.1 PoP for other args" pop_failed "$T" authorize $AUTH \
    --warrant "$A1" --tool read_file --args '{"path":"/data/other"}' \
    --pop "$POP"
must "$T" pop --key "$W/worker.key" --warrant "$A1" --tool read_file \
    --args "$ARGS" --at $TNOW
expect_deny "A.1 PoP by a non-holder" pop_failed "$T" authorize $AUTH \
    --warrant "$A1" --tool read_file --args "$ARGS" --pop "$OUT"
expect_deny "A.1 --pop not base64" pop_failed "$T" authorize $AUTH \
    --warrant "$A1" --tool read_file --args "$ARGS" --pop 'not*base64'
expect_deny "A.1 expired at expires_at" warrant_expired "$T" authorize \
    --trusted-root $CP --now 1704070800 --warrant "$A1" --tool read_file \
    --args "$ARGS" --pop "$POP"
expect_deny "A.1 not yet valid" warrant_not_yet_valid "$T" authorize \
    --trusted-root $CP --now 1704067000 --warrant "$A1" --tool read_file \
    --args "$ARGS" --pop "$POP"
expect_deny "A.1 untrusted root" chain_not_anchored "$T" authorize \
    --trusted-root $ORCH --now $TNOW --warrant "$A1" --tool read_file \
    --args "$ARGS" --pop "$POP"
expect_allow "A.1 second trusted root" 0 "$T" authorize --trusted-root $ORCH \
    --trusted-root $CP --now $TNOW --warrant "$A1" --tool read_file \
    --args "$ARGS" --pop "$POP"
expect_deny "A.1 extra argument (closed world)" constraint_not_satisfied \
    "$T" authorize $AUTH --warrant "$A1" --tool read_file \
    --args '{"path":"/x","mode":"w"}' --pop "$("$T" pop --key "$W/orch.key" \
    --warrant "$A1" --tool read_file --args '{"path":"/x","mode":"w"}' \
    --at $TNOW)"

# PoP windows: signed 90 s earlier is 3 windows away.
must "$T" pop --key "$W/orch.key" --warrant "$A1" --tool read_file \
    --args "$ARGS" --at $((TNOW - 90))
OLDPOP=$OUT
expect_deny "PoP 3 windows old, default 5 windows" pop_failed "$T" authorize \
    $AUTH --warrant "$A1" --tool read_file --args "$ARGS" --pop "$OLDPOP"
expect_allow "PoP 3 windows old, --pop-max-windows 10" 0 "$T" authorize \
    $AUTH --pop-max-windows 10 --warrant "$A1" --tool read_file \
    --args "$ARGS" --pop "$OLDPOP"

# ------------------------------------------------------------ malformed
expect_deny "malformed warrant" malformed "$T" authorize $AUTH \
    --warrant 'gwFYk6oAAQ' --tool read_file --args "$ARGS" --pop "$POP"
expect_deny "garbage warrant text" malformed "$T" authorize $AUTH \
    --warrant 'this is not a warrant' --tool read_file --args "$ARGS" \
    --pop "$POP"
must $CHECK flip "$A1" 5
expect_deny "flipped signature bit" signature_invalid "$T" authorize $AUTH \
    --warrant "$OUT" --tool read_file --args "$ARGS" --pop "$POP"
expect_rc "inspect malformed exits 1" 1 "$T" inspect 'gwFYk6oAAQ'
grep -q 'malformed' "$W/err" && pass "inspect malformed says why" ||
    fail "inspect malformed says why" "stderr"

# ------------------------------------------------------------ encodings
must $CHECK std "$A1"; A1STD=$OUT
expect_allow "standard base64 input" 0 "$T" authorize $AUTH \
    --warrant "$A1STD" --tool read_file --args "$ARGS" --pop "$POP"
$CHECK pem "$A1" >"$W/a1.pem"
expect_allow "PEM file input" 0 "$T" authorize $AUTH \
    --warrant "$W/a1.pem" --tool read_file --args "$ARGS" --pop "$POP"
printf '  %s\n\n' "$A1" >"$W/a1.b64"
expect_allow "base64 file with blanks" 0 "$T" authorize $AUTH \
    --warrant "$W/a1.b64" --tool read_file --args "$ARGS" --pop "$POP"
$CHECK raw "$A1" >"$W/a1.cbor"
expect_allow "raw CBOR file input" 0 "$T" authorize $AUTH \
    --warrant "$W/a1.cbor" --tool read_file --args "$ARGS" --pop "$POP"
run "$T" authorize $AUTH --warrant - --tool read_file --args "$ARGS" \
    --pop "$POP" <"$W/a1.pem"
[ "$RC" -eq 0 ] && $CHECK allow "$W/out" 0 2>/dev/null &&
    pass "PEM on stdin (-)" || fail "PEM on stdin (-)" "exit $RC"
run "$T" inspect - <"$W/a1.b64"
[ "$RC" -eq 0 ] && $CHECK inspect_eq "$W/out" "$W/a1.json" 2>/dev/null &&
    pass "inspect - reads stdin" || fail "inspect - reads stdin" "exit $RC"
expect_usage "--warrant is a directory" "is a directory" "$T" authorize \
    $AUTH --warrant "$W" --tool read_file --args "$ARGS" --pop "$POP"

# ------------------------------------------------------------ SRL (A.22)
must $CHECK vec A.22 0 envelope_b64url; R22=$OUT
must $CHECK vec A.22 1 envelope_b64url; C22=$OUT
$CHECK pem "$R22" "$C22" >"$W/a22.pem"
$CHECK srl A.22.b >"$W/a22.srl"
A22ARGS='{"path":"/data/q3.pdf"}'
must "$T" pop --key "$W/worker.key" --warrant "$W/a22.pem" --tool read_file \
    --args "$A22ARGS" --at $TNOW
P22=$OUT
expect_allow "A.22 stack from two PEM blocks" 1 "$T" authorize $AUTH \
    --stack "$W/a22.pem" --tool read_file --args "$A22ARGS" --pop "$P22"
expect_deny "A.22 child revoked by the A.22.b SRL" revoked "$T" authorize \
    $AUTH --srl "$W/a22.srl" --stack "$W/a22.pem" --tool read_file \
    --args "$A22ARGS" --pop "$P22"
base64 <"$W/a22.srl" >"$W/a22.srl.b64"
expect_deny "SRL in base64" revoked "$T" authorize $AUTH \
    --srl "$W/a22.srl.b64" --stack "$W/a22.pem" --tool read_file \
    --args "$A22ARGS" --pop "$P22"
expect_allow "SRL does not revoke A.1" 0 "$T" authorize $AUTH \
    --srl "$W/a22.srl" --warrant "$A1" --tool read_file --args "$ARGS" \
    --pop "$POP"
expect_usage "SRL under the wrong --srl-key" "--srl" "$T" authorize $AUTH \
    --srl-key $ORCH --srl "$W/a22.srl" --warrant "$A1" --tool read_file \
    --args "$ARGS" --pop "$POP"
expect_deny "SRL with explicit --srl-key" revoked "$T" authorize \
    --trusted-root $ORCH --trusted-root $CP --srl-key $CP --now $TNOW \
    --srl "$W/a22.srl" --stack "$W/a22.pem" --tool read_file \
    --args "$A22ARGS" --pop "$P22"
expect_usage "missing SRL file" "No such file" "$T" authorize $AUTH \
    --srl "$W/nope.srl" --warrant "$A1" --tool read_file --args "$ARGS"

# ------------------------------------------------------------ live mint
must "$T" mint --key "$W/cp.key" --holder $ORCH --tool read_file \
    --constraint path=subpath:/data --ttl 600
LIVE=$OUT
LARGS='{"path":"/data/reports/q3.pdf"}'
must "$T" pop --key "$W/orch.key" --warrant "$LIVE" --tool read_file \
    --args "$LARGS"
expect_allow "mint -> pop -> authorize (clock)" 0 "$T" authorize \
    --trusted-root $CP --warrant "$LIVE" --tool read_file --args "$LARGS" \
    --pop "$OUT"
BAD='{"path":"/etc/passwd"}'
must "$T" pop --key "$W/orch.key" --warrant "$LIVE" --tool read_file \
    --args "$BAD"
expect_deny "constraint violation" constraint_not_satisfied "$T" authorize \
    --trusted-root $CP --warrant "$LIVE" --tool read_file --args "$BAD" \
    --pop "$OUT"
run "$T" inspect "$LIVE"
check_py "default max_depth is 64" inspect "$W/out" \
    "d['warrants'][0]['max_depth'] == 64 and d['warrants'][0]['expires_at'] - d['warrants'][0]['issued_at'] == 600"

# Typed arguments: integers stay integers, floats stay floats.
must "$T" mint --key "$W/cp.key" --holder $ORCH --tool api \
    --constraint 'n=json:[1,{"value":1}]' --ttl 600 --issued-at $T0
TYPED=$OUT
for a in '{"n":1}:allow' '{"n":1.0}:deny' '{"n":"1"}:deny'; do
	args=${a%:*} want=${a##*:}
	must "$T" pop --key "$W/orch.key" --warrant "$TYPED" --tool api \
	    --args "$args" --at $TNOW
	if [ "$want" = allow ]; then
		expect_allow "exact 1 with $args" 0 "$T" authorize $AUTH \
		    --warrant "$TYPED" --tool api --args "$args" --pop "$OUT"
	else
		expect_deny "exact 1 with $args" constraint_not_satisfied \
		    "$T" authorize $AUTH --warrant "$TYPED" --tool api \
		    --args "$args" --pop "$OUT"
	fi
done
NESTED='{"n":1,"x":{"b":[1,2.5,null,true],"a":"s"}}'
must "$T" mint --key "$W/cp.key" --holder $ORCH --tool api \
    --constraint 'n=json:[1,{"value":1}]' --allow-unknown --ttl 600 \
    --issued-at $T0
AU=$OUT
must "$T" pop --key "$W/orch.key" --warrant "$AU" --tool api \
    --args "$NESTED" --at $TNOW
expect_allow "allow_unknown admits extra nested arguments" 0 "$T" authorize \
    $AUTH --warrant "$AU" --tool api --args "$NESTED" --pop "$OUT"

# oneof and range specs.
must "$T" mint --key "$W/cp.key" --holder $ORCH --tool deploy \
    --constraint env=oneof:staging,prod --constraint n=range:0..10 \
    --ttl 600 --issued-at $T0
DEP=$OUT
for a in '{"env":"prod","n":5}:allow' '{"env":"dev","n":5}:deny' \
    '{"env":"prod","n":11}:deny' '{"env":"staging","n":10.0}:allow'; do
	args=${a%:*} want=${a##*:}
	must "$T" pop --key "$W/orch.key" --warrant "$DEP" --tool deploy \
	    --args "$args" --at $TNOW
	if [ "$want" = allow ]; then
		expect_allow "oneof/range with $args" 0 "$T" authorize $AUTH \
		    --warrant "$DEP" --tool deploy --args "$args" --pop "$OUT"
	else
		expect_deny "oneof/range with $args" constraint_not_satisfied \
		    "$T" authorize $AUTH --warrant "$DEP" --tool deploy \
		    --args "$args" --pop "$OUT"
	fi
done

# ------------------------------------------------------------ attenuate
must "$T" attenuate --key "$W/orch.key" --parent "$A1" --holder $WORKER \
    --tool read_file --constraint 'path=pattern:/data/*' --ttl 600 \
    --issued-at $((T0 + 50))
STACK=$OUT
must "$T" pop --key "$W/worker.key" --warrant "$STACK" --tool read_file \
    --args "$ARGS" --at $TNOW
SPOP=$OUT
expect_allow "attenuated stack allows" 1 "$T" authorize $AUTH \
    --stack "$STACK" --tool read_file --args "$ARGS" --pop "$SPOP"
must "$T" pop --key "$W/worker.key" --warrant "$STACK" --tool read_file \
    --args '{"path":"/etc/passwd"}' --at $TNOW
expect_deny "attenuated stack narrows" constraint_not_satisfied "$T" \
    authorize $AUTH --stack "$STACK" --tool read_file \
    --args '{"path":"/etc/passwd"}' --pop "$OUT"
expect_deny "root holder's PoP on the stack" pop_failed "$T" authorize \
    $AUTH --stack "$STACK" --tool read_file --args "$ARGS" --pop "$POP"
run "$T" inspect "$STACK"; cp "$W/out" "$W/stack.json"
check_py "inspect stack: link fields" inspect "$W/stack.json" \
    "d['chain_length'] == 2 and (lambda r, c: c['depth'] == 1 and c['max_depth'] == 3 and c['parent_hash'] == r['payload_sha256'] and c['issuer'] == '$ORCH' and c['holder'] == '$WORKER' and c['issued_at'] == $((T0 + 50)) and c['expires_at'] == $((T0 + 650)) and c['tools'] == {'read_file': {'constraints': {'path': [2, {'pattern': '/data/*'}]}, 'allow_unknown': False}})(*d['warrants'])"

must "$T" attenuate --key "$W/orch.key" --parent "$A1" --holder $WORKER \
    --ttl 86400 --issued-at $((T0 + 50))
run "$T" inspect "$OUT"; cp "$W/out" "$W/copy.json"
check_py "attenuate without --tool copies tools, clamps expiry" inspect \
    "$W/copy.json" "d['warrants'][1]['tools'] == d['warrants'][0]['tools'] and d['warrants'][1]['expires_at'] == 1704070800"
must "$T" attenuate --key "$W/orch.key" --parent "$A1" --holder $WORKER \
    --tool read_file --ttl 60 --issued-at $((T0 + 50))
run "$T" inspect "$OUT"
check_py "attenuate --tool alone keeps the parent's constraints" inspect \
    "$W/out" "d['warrants'][1]['tools'] == d['warrants'][0]['tools']"

expect_deny "attenuate widening" attenuation_invalid "$T" attenuate \
    --key "$W/worker.key" --parent "$STACK" --holder $ORCH --tool read_file \
    --constraint path=wildcard --ttl 60 --issued-at $((T0 + 60))
expect_deny "attenuate to a tool the parent lacks" attenuation_invalid \
    "$T" attenuate --key "$W/worker.key" --parent "$STACK" --holder $ORCH \
    --tool write_file --ttl 60 --issued-at $((T0 + 60))
expect_usage "attenuate with the wrong key" "only the holder can attenuate" \
    "$T" attenuate --key "$W/cp.key" --parent "$STACK" --holder $ORCH \
    --ttl 60
must "$T" mint --key "$W/cp.key" --holder $ORCH --tool read_file \
    --ttl 600 --max-depth 0
expect_deny "attenuate a terminal warrant" depth_exceeded "$T" attenuate \
    --key "$W/orch.key" --parent "$OUT" --holder $WORKER --ttl 60

# Three levels, the middle one from a PEM chain on stdin.
$CHECK pemchain "$STACK" >"$W/stack.pem"
run "$T" attenuate --key "$W/worker.key" --parent - --holder $ORCH \
    --tool read_file --constraint 'path=pattern:/data/reports/*' --ttl 60 \
    --issued-at $((T0 + 70)) <"$W/stack.pem"
if [ "$RC" -eq 0 ] && grep -Eq '^[A-Za-z0-9_-]{400,}$' "$W/out"
then pass "attenuate a PEM chain from stdin"
else fail "attenuate a PEM chain from stdin" "exit $RC"; fi
S3=$(cat "$W/out")
must "$T" pop --key "$W/orch.key" --warrant "$S3" --tool read_file \
    --args '{"path":"/data/reports/q3.pdf"}' --at $TNOW
expect_allow "three-level stack allows" 2 "$T" authorize $AUTH --stack "$S3" \
    --tool read_file --args '{"path":"/data/reports/q3.pdf"}' --pop "$OUT"

# The child inherits what it may not drop: extensions (A.7), approvers
# (A.18), clearance (A.17).
for v in A.7:extensions A.18:required_approvers A.18:min_approvals \
    A.17:clearance; do
	vid=${v%:*} field=${v#*:}
	must $CHECK vec "$vid" 0 envelope_b64url
	must "$T" attenuate --key "$W/orch.key" --parent "$OUT" \
	    --holder $WORKER --ttl 60 --issued-at $TNOW
	run "$T" inspect "$OUT"
	check_py "attenuate $vid keeps $field" inspect "$W/out" \
	    "d['warrants'][1]['$field'] == d['warrants'][0]['$field'] and d['warrants'][0]['$field'] not in (None, {})"
done

# Issuer warrants: --tool becomes issuable_tools.
must "$T" mint --key "$W/cp.key" --holder $ORCH --type issuer \
    --tool read_file --tool send_email --ttl 600 --issued-at $T0
ISS=$OUT
run "$T" inspect "$ISS"
check_py "mint --type issuer" inspect "$W/out" \
    "(lambda w: w['type'] == 'issuer' and w['issuable_tools'] == ['read_file', 'send_email'] and w['tools'] == {})(d['warrants'][0])"
must "$T" attenuate --key "$W/orch.key" --parent "$ISS" --holder $WORKER \
    --type execution --tool read_file --constraint 'path=pattern:/data/*' \
    --ttl 600 --issued-at $((T0 + 10))
ISX=$OUT
must "$T" pop --key "$W/worker.key" --warrant "$ISX" --tool read_file \
    --args "$ARGS" --at $TNOW
expect_allow "issuer -> execution stack allows" 1 "$T" authorize $AUTH \
    --stack "$ISX" --tool read_file --args "$ARGS" --pop "$OUT"
expect_deny "issuer warrant cannot execute" tool_not_allowed "$T" authorize \
    $AUTH --warrant "$ISS" --tool read_file --args "$ARGS" --pop "$POP"

# ------------------------------------------------------------ usage errors
M="mint --key $W/cp.key --holder $ORCH --tool t"
expect_usage "--ttl abc" "--ttl: expected a positive integer, got 'abc'" \
    "$T" $M --ttl abc
expect_usage "--ttl 0" "--ttl: 0 out of range" "$T" $M --ttl 0
expect_usage "--ttl above 90 days" "out of range" "$T" $M --ttl 7776001
expect_usage "--max-depth 65" "--max-depth: 65 out of range" "$T" $M \
    --ttl 60 --max-depth 65
expect_usage "mint without --ttl" "--ttl are required" "$T" $M
expect_usage "mint without --tool" "at least one --tool" "$T" mint \
    --key "$W/cp.key" --holder $ORCH --ttl 60
expect_usage "--holder not hex" "--holder: expected a public key" "$T" \
    mint --key "$W/cp.key" --holder xyz --tool t --ttl 60
expect_usage "--type bogus" "--type: expected execution or issuer" "$T" \
    $M --ttl 60 --type bogus
expect_usage "--constraint without =" "expected ARG=SPEC" "$T" $M --ttl 60 \
    --constraint path
expect_usage "--constraint unknown spec" "path=nonsense" "$T" $M --ttl 60 \
    --constraint path=nonsense
expect_usage "--constraint repeated" "constrained twice" "$T" $M --ttl 60 \
    --constraint path=wildcard --constraint path=wildcard
expect_usage "unknown option" "unknown option '--bogus'" "$T" $M --ttl 60 \
    --bogus
expect_usage "option without value" "needs a value" "$T" $M --ttl
expect_usage "mint with the open key" "group/other access" "$T" mint \
    --key "$W/open.key" --holder $ORCH --tool t --ttl 60
A="authorize --trusted-root $CP --warrant $A1 --tool read_file"
expect_usage "--args not JSON" "--args: invalid JSON" "$T" $A --args '{'
expect_usage "--args not an object" "expected a JSON object" "$T" $A \
    --args '[1]'
expect_usage "--args duplicate key" "--args: invalid JSON" "$T" $A \
    --args '{"a":1,"a":2}'
expect_usage "authorize without --args" "are required" "$T" $A
expect_usage "authorize without --trusted-root" "are required" "$T" \
    authorize --warrant "$A1" --tool read_file --args '{}'
expect_usage "bad --trusted-root" "--trusted-root: expected a public key" \
    "$T" authorize --trusted-root 1234 --warrant "$A1" --tool t --args '{}'
expect_usage "--warrant and --stack" "give one --warrant or --stack" "$T" \
    $A --args '{}' --stack "$A1"
expect_usage "--pop-max-windows 11" "--pop-max-windows: 11 out of range" \
    "$T" $A --args '{}' --pop-max-windows 11
expect_usage "--pop-max-windows 1" "--pop-max-windows: 1 out of range" \
    "$T" $A --args '{}' --pop-max-windows 1
expect_usage "--now -5" "--now: expected a non-negative integer" "$T" $A \
    --args '{}' --now -5
expect_usage "pop without --args" "are required" "$T" pop \
    --key "$W/orch.key" --warrant "$A1" --tool read_file
expect_usage "inspect without argument" "expected exactly one" "$T" inspect
expect_usage "attenuate --max-depth" "child keeps the parent's max_depth" \
    "$T" attenuate --key "$W/orch.key" --parent "$A1" --holder $WORKER \
    --ttl 60 --max-depth 2
expect_usage "mint --parent" "--parent is an attenuate option" "$T" $M \
    --ttl 60 --parent "$A1"
expect_usage "several tools, constraint first" "must follow the --tool" \
    "$T" mint --key "$W/cp.key" --holder $ORCH --constraint p=wildcard \
    --tool a --tool b --ttl 60
expect_usage "attenuate without --parent" "--parent is required" "$T" \
    attenuate --key "$W/orch.key" --holder $WORKER --ttl 60

# ---------------------------------------------------------------- audit
AL=$W/audit.log
cat >"$AL" <<'EOF2'
{"ts":"2026-11-28T01:00:00.000Z","event":"started","path":"/etc/tenuo-sidecar.conf"}
{"ts":"2026-11-28T01:00:01.250Z","event":"decision","decision":"allow","tool":"read_file","warrant_id":"tnu_wrt_01","workflow_id":"wf-1","attempt":1}
{"ts":"2026-11-28T01:00:02.000Z","event":"decision","decision":"deny","code":"constraint_not_satisfied","reason":"argument 'path': Subpath constraint not satisfied","tool":"read_file"}
not json
{"ts":"2026-11-28T01:00:03.000Z","event":"decision","decision":"deny","code":"pop_failed","tool":"send_email"}
EOF2
run "$T" audit "$AL"
if [ "$RC" -eq 0 ] && [ "$(wc -l <"$W/out")" -eq 4 ] &&
    grep -q '^2026-11-28T01:00:02.000Z deny  *read_file code=constraint_not_satisfied: argument' "$W/out" &&
    grep -q "audit.log:4: not a JSON object" "$W/err"; then
	pass "audit: readable lines, bad line reported with file:line"
else fail "audit: readable lines" "unexpected output"; fi
run "$T" audit --decision deny --tool read_file --json "$AL"
if [ "$RC" -eq 0 ] && [ "$(wc -l <"$W/out")" -eq 1 ] &&
    grep -q '"code":"constraint_not_satisfied"' "$W/out"; then
	pass "audit: --decision and --tool filter, --json keeps the line"
else fail "audit: filters" "expected exactly the read_file denial"; fi
run "$T" audit --decision deny --json "$AL"
if [ "$RC" -eq 0 ] && [ "$(wc -l <"$W/out")" -eq 2 ]; then
	pass "audit: --decision deny keeps both denials"
else fail "audit: --decision deny" "expected 2 lines"; fi
run "$T" audit --since 1h --json "$AL"
if [ "$RC" -eq 0 ] && [ ! -s "$W/out" ]; then
	pass "audit: --since drops old events"
else fail "audit: --since" "old events printed"; fi
expect_usage "audit --since 1x" "--since: expected a duration" "$T" audit \
    --since 1x "$AL"
expect_usage "audit --decision maybe" "--decision: expected allow" "$T" \
    audit --decision maybe "$AL"
expect_rc "audit missing file" 2 "$T" audit "$W/nope.log"
# -f follows appends, then the file rotated away and recreated.
: >"$W/f.log"
"$T" audit -f --json "$W/f.log" >"$W/follow.out" 2>"$W/follow.err" &
FP=$!
sleep 0.3
echo '{"ts":"2026-11-28T01:00:00.000Z","event":"one"}' >>"$W/f.log"
sleep 0.5
mv "$W/f.log" "$W/f.log.1"
echo '{"ts":"2026-11-28T01:00:00.000Z","event":"two"}' >>"$W/f.log.1"
echo '{"ts":"2026-11-28T01:00:00.000Z","event":"three"}' >"$W/f.log"
i=0
while [ $i -lt 30 ] && [ "$(grep -c event "$W/follow.out")" -lt 3 ]; do
	sleep 0.1; i=$((i + 1))
done
kill -INT $FP 2>/dev/null; wait $FP; FRC=$?
if [ "$(grep -c '"event"' "$W/follow.out")" -eq 3 ] &&
    grep -q '"three"' "$W/follow.out" && [ "$FRC" -eq 0 ]; then
	pass "audit -f: follows appends and rotation, exits 0 on SIGINT"
else
	FAIL=$((FAIL + 1)); echo "FAIL audit -f: got $(cat "$W/follow.out") rc=$FRC"
fi

echo "$PASS passed, $FAIL failed"
[ "$FAIL" -eq 0 ]
