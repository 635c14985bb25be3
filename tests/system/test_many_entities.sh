#!/usr/bin/env bash
# The daemon with more entities than the metric set's first allocation (8):
# 24 veth interfaces in a private network namespace, a few intervals at 1 s.
# An entity pointer kept across the collectors that add entities used to
# write into freed memory there (a double free or a crash within seconds).
set -u
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
need_root

ns=perfagent-entities-$$
tmp=$(mktemp -d /tmp/perfagent-entities.XXXXXX)
pid=
cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null
	wait 2>/dev/null
	ip netns del "$ns" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$ns" || fail "cannot make a network namespace"
ip -n "$ns" link set lo up
for i in $(seq 12); do
	ip -n "$ns" link add "va$i" type veth peer name "vb$i" || fail "cannot make veth pairs"
	ip -n "$ns" link set "va$i" up
	ip -n "$ns" link set "vb$i" up
done
printf 'interval = 1\nimds = off\nmode = advise\nspool_persist = no\nemf_endpoint = tcp://127.0.0.1:9\n' >"$tmp/agent.conf"
ip netns exec "$ns" "$PERFAGENT" daemon --config "$tmp/agent.conf" --runtime-dir "$tmp/run" \
	--state-dir "$tmp/state" 2>"$tmp/agent.log" &
pid=$!
# Five intervals with the daemon alive throughout.
for _ in $(seq 40); do
	kill -0 "$pid" 2>/dev/null || fail "daemon died with 24 interfaces: $(tail -5 "$tmp/agent.log")"
	"$PERFAGENT" status --json --runtime-dir "$tmp/run" >"$tmp/status.json" 2>/dev/null &&
		[ "$(json_get "$tmp/status.json" 'j["collection"]["count"] >= 5')" = True ] && break
	sleep 0.5
done
[ "$(json_get "$tmp/status.json" 'j["collection"]["count"] >= 5')" = True ] ||
	fail "fewer than 5 intervals in 20 s: $(tail -5 "$tmp/agent.log")"
kill -TERM "$pid"
wait "$pid" || fail "daemon exited $? on SIGTERM: $(tail -5 "$tmp/agent.log")"
pid=
echo "ok: 24 interfaces, 5 intervals: the daemon stays up and stops cleanly"
