#!/bin/sh
# tests/demo.sh: what `make demo` runs, in two parts.
#
#   sh tests/demo.sh build/rel/tenuoctl [build/rel/tenuo-sidecar]
#
# Part 1, a narrated tour of tenuoctl: a control plane issues a warrant for
# read_file under /data to an agent; the agent narrows it to /data/reports
# for a worker; the worker proves possession of its key and calls the tool.
# The allowed call must come out "allow" and the call for /etc/passwd
# "deny".
#
# Part 2, the sidecar (tests/demo-sidecar.sh): a stand-in Temporal
# frontend, tenuo-sidecar enforcing warrants from tenuoctl, a real
# @temporalio/worker with file-reading activities; one read allowed, the
# read of /etc/passwd denied at the sidecar, then `tenuoctl audit`.  The
# sidecar defaults to tenuo-sidecar beside tenuoctl.
#
# Exits 0 only if both parts come out as expected.

set -u

T=${1:?usage: sh tests/demo.sh PATH/TO/tenuoctl [PATH/TO/tenuo-sidecar]}
case $T in /*) ;; *) T=$PWD/$T ;; esac
S=${2:-$(dirname "$T")/tenuo-sidecar}
case $S in /*) ;; *) S=$PWD/$S ;; esac
HERE=$(cd "$(dirname "$0")" && pwd)
D=$(mktemp -d "${TMPDIR:-/tmp}/tenuo-demo.XXXXXX") || exit 1
trap 'rm -rf "$D"' EXIT
trap 'exit 1' HUP INT TERM

say() { printf '\n== %s\n' "$*"; }
show() { printf '   $ %s\n' "$*"; }
die() { printf '\ndemo FAILED: %s\n' "$*"; exit 1; }

printf '######## Part 1: tenuoctl, warrants and decisions by hand\n'

say "1. Keys: one for the control plane, one for the agent, one for a worker"
show "tenuoctl keygen -o cp.key"
CP=$("$T" keygen -o "$D/cp.key") || die "keygen"
AGENT=$("$T" keygen -o "$D/agent.key") || die "keygen"
WORKER=$("$T" keygen -o "$D/worker.key") || die "keygen"
echo "   control plane: $CP"
echo "   agent:         $AGENT"
echo "   worker:        $WORKER"
echo "   (key files are mode $(stat -c %a "$D/cp.key"); the sidecar trusts only the control-plane public key)"

say "2. The control plane mints a warrant: read_file, path under /data, 1 hour"
show "tenuoctl mint --key cp.key --holder AGENT --tool read_file --constraint path=subpath:/data --ttl 3600"
ROOT=$("$T" mint --key "$D/cp.key" --holder "$AGENT" --tool read_file \
    --constraint path=subpath:/data --ttl 3600) || die "mint"
echo "   $ROOT" | cut -c1-76
echo "   ... (${#ROOT} characters of base64url)"

say "3. The agent attenuates it for the worker: only under /data/reports, 10 minutes"
show "tenuoctl attenuate --key agent.key --parent ROOT --holder WORKER --tool read_file --constraint path=subpath:/data/reports --ttl 600"
STACK=$("$T" attenuate --key "$D/agent.key" --parent "$ROOT" \
    --holder "$WORKER" --tool read_file \
    --constraint path=subpath:/data/reports --ttl 600) ||
    die "attenuate: $STACK"
echo "   a stack of two warrants, root first (${#STACK} characters)"

say "4. The worker signs a proof of possession for its call"
ARGS='{"path":"/data/reports/q3.pdf"}'
show "tenuoctl pop --key worker.key --warrant STACK --tool read_file --args '$ARGS'"
POP=$("$T" pop --key "$D/worker.key" --warrant "$STACK" --tool read_file \
    --args "$ARGS") || die "pop"
echo "   $POP"

say "5. The sidecar's decision for that call"
show "tenuoctl authorize --trusted-root CP --stack STACK --tool read_file --args '$ARGS' --pop SIG"
ALLOW=$("$T" authorize --trusted-root "$CP" --stack "$STACK" \
    --tool read_file --args "$ARGS" --pop "$POP")
ALLOW_RC=$?
echo "   $ALLOW   (exit $ALLOW_RC)"

say "6. The same worker asks for /etc/passwd"
BAD='{"path":"/etc/passwd"}'
BADPOP=$("$T" pop --key "$D/worker.key" --warrant "$STACK" --tool read_file \
    --args "$BAD") || die "pop"
show "tenuoctl authorize --trusted-root CP --stack STACK --tool read_file --args '$BAD' --pop SIG"
DENY=$("$T" authorize --trusted-root "$CP" --stack "$STACK" \
    --tool read_file --args "$BAD" --pop "$BADPOP")
DENY_RC=$?
echo "   $DENY   (exit $DENY_RC)"

say "7. What the stack says"
show "tenuoctl inspect STACK"
"$T" inspect "$STACK" | sed 's/^/   /' || die "inspect"

say "Result"
ok=1
case $ALLOW in
*'"decision":"allow"'*) [ "$ALLOW_RC" -eq 0 ] || ok=0 ;;
*) ok=0 ;;
esac
case $DENY in
*'"decision":"deny"'*'"code":"constraint_not_satisfied"'*)
	[ "$DENY_RC" -eq 1 ] || ok=0 ;;
*) ok=0 ;;
esac
[ "$ok" -eq 1 ] || die "expected allow for q3.pdf and constraint_not_satisfied for /etc/passwd"
echo "   /data/reports/q3.pdf: allowed; /etc/passwd: denied (constraint_not_satisfied)"
echo "   part 1 OK"

printf '\n######## Part 2: tenuo-sidecar in front of a real Temporal worker\n'
sh "$HERE/demo-sidecar.sh" "$T" "$S"
rc=$?
case $rc in
0)	printf '\n######## demo OK (tenuoctl tour and sidecar)\n' ;;
2)	die "the sidecar part cannot run here (see above; make e2e-deps, Node >= 20.3)" ;;
*)	die "the sidecar part did not come out as expected (exit $rc)" ;;
esac
