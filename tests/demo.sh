#!/bin/sh
# tests/demo.sh: a narrated tour of tenuoctl for an operator.
#
#   sh tests/demo.sh build/rel/tenuoctl        (what `make demo` runs)
#
# A control plane issues a warrant for read_file under /data to an agent;
# the agent narrows it to /data/reports for a worker; the worker proves
# possession of its key and calls the tool.  The allowed call must come
# out "allow" and the call for /etc/passwd "deny": the script exits 0 only
# if both do.

set -u

T=${1:?usage: sh tests/demo.sh PATH/TO/tenuoctl}
case $T in /*) ;; *) T=$PWD/$T ;; esac
D=$(mktemp -d "${TMPDIR:-/tmp}/tenuo-demo.XXXXXX") || exit 1
trap 'rm -rf "$D"' EXIT
trap 'exit 1' HUP INT TERM

say() { printf '\n== %s\n' "$*"; }
show() { printf '   $ %s\n' "$*"; }
die() { printf '\ndemo FAILED: %s\n' "$*"; exit 1; }

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
echo "   demo OK"
