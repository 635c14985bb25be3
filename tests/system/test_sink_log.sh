#!/usr/bin/env bash
# With no CloudWatch agent listening, the log says once that metrics are
# spooled and how to turn them off, not a warning per retry or interval; when
# an agent comes, it says once that documents flow again. About 10 s.
# lane: side
set -eu
. "$(dirname "$0")/lib.sh"
need_tools python3

tmp=$(mktemp -d)
daemon_pid=
agent_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# A free loopback port, closed: connects are refused until the agent below listens.
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cat >"$tmp/perfagent.conf" <<CONF
interval = 1
mode = advise
imds = off
instance_type = m5.large
disable_probes = sched, block, tcp
metrics_level = detailed
emf_endpoint = tcp://127.0.0.1:$port
spool_persist = no
CONF
"$PERFAGENT" daemon --config "$tmp/perfagent.conf" --runtime-dir "$tmp/run" --state-dir "$tmp/state" \
	2>"$tmp/daemon.log" &
daemon_pid=$!
wait_for 10 "$PERFAGENT" status --runtime-dir "$tmp/run" >/dev/null 2>&1 || fail "no status: $(cat "$tmp/daemon.log")"
# Several intervals and retries (250 ms doubling: 6 or more connects in 6 s).
sleep 6
warns=$(grep -c 'warn: EMF sink' "$tmp/daemon.log" || true)
[ "$warns" = 1 ] || fail "want one EMF sink warning over 6 intervals, got $warns:
$(cat "$tmp/daemon.log")"
grep -q 'warn: EMF sink: cannot connect to tcp://127.0.0.1:'"$port"'.*no CloudWatch agent takes metrics there.*set metrics = off in perfagent.conf' \
	"$tmp/daemon.log" || fail "the warning does not say what happens and how to stop it: $(cat "$tmp/daemon.log")"
tries=$("$PERFAGENT" status --json --runtime-dir "$tmp/run" | python3 -c 'import json,sys; print(json.load(sys.stdin)["sink"]["state"])')
[ "$tries" = unavailable ] || fail "sink state $tries, want unavailable"
pass "no agent: one warning in 6 s of retries, saying how to turn metrics off"

# An agent that reads everything: the next retry (8 s at most) connects and the log says so once.
python3 -c '
import socket, sys
s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
s.bind(("127.0.0.1", int(sys.argv[1]))); s.listen(4)
while True:
    c, _ = s.accept()
    while c.recv(65536): pass
' "$port" &
agent_pid=$!
wait_for 12 grep -q 'info: EMF sink: the agent at tcp://127.0.0.1:'"$port"' takes documents again after' "$tmp/daemon.log" ||
	fail "no recovery line: $(cat "$tmp/daemon.log")"
[ "$(grep -c 'takes documents again' "$tmp/daemon.log")" = 1 ] || fail "recovery said more than once"
[ "$(grep -c 'warn: EMF sink' "$tmp/daemon.log")" = 1 ] || fail "more warnings after recovery: $(cat "$tmp/daemon.log")"
pass "agent back: said once, with how long it was away"
