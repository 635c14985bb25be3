#!/usr/bin/env bash
# The agent's memory with no CloudWatch agent listening, once its spool is
# full: the worst case of RSS. The daemon runs at a 1 s interval inside a
# private network namespace holding N veth interfaces (one EMF document
# each per interval, so the spool fills in minutes, not hours), metrics
# pointed at a port nobody listens on, mode = advise.
#
#   bench/spool_memory.sh [BOUND] [interfaces]   # as root, after make
#
# BOUND: a number of documents (spool_max_documents), or bytes with K or M
# (spool_max_bytes, the compressed memory); full is when the spool first
# drops. EXTRA_CONF: more configuration lines (e.g. "disable_probes = sched").
set -eu
cd "$(dirname "$0")/.."

MAX=${1:-6000}
IFACES=${2:-60}
PERFAGENT=${PERFAGENT:-$PWD/build/perfagent}
ns=perfagent-spool-$$
tmp=$(mktemp -d /tmp/perfagent-spool.XXXXXX)
pid=
cleanup() {
	[ -z "$pid" ] || kill "$pid" 2>/dev/null || true
	wait 2>/dev/null || true
	ip netns del "$ns" 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

ip netns add "$ns"
ip -n "$ns" link set lo up
# veth pairs: this kernel may have no dummy driver.
for i in $(seq $((IFACES / 2))); do
	ip -n "$ns" link add "va$i" type veth peer name "vb$i"
	ip -n "$ns" link set "va$i" up
	ip -n "$ns" link set "vb$i" up
done
case $MAX in
*[KM]) key=spool_max_bytes ;;
*) key=spool_max_documents ;;
esac
printf 'interval = 1\nimds = off\nmode = advise\nspool_persist = no\n%s = %s\nemf_endpoint = tcp://127.0.0.1:9\n' \
	"$key" "$MAX" >"$tmp/agent.conf"
printf '%s\n' "${EXTRA_CONF:-}" >>"$tmp/agent.conf"
ip netns exec "$ns" "$PERFAGENT" daemon --config "$tmp/agent.conf" --runtime-dir "$tmp/run" \
	--state-dir "$tmp/state" 2>"$tmp/agent.log" &
pid=$!
sink() {
	"$PERFAGENT" status --json --runtime-dir "$tmp/run" 2>/dev/null |
		python3 -c 'import json,sys; print(json.load(sys.stdin)["sink"]'"$1"')' 2>/dev/null || echo 0
}
queued() { sink '["queued"]'; }
rss() { awk '/^VmRSS/ {print $2}' "/proc/$pid/status"; }
echo "machine: $(uname -r), $(nproc) vCPUs; $("$PERFAGENT" version | head -1)"
echo "$key $MAX, $IFACES veth interfaces + lo, interval 1 s, no listener"
start=$SECONDS
sleep 3
echo "start: queued $(queued), VmRSS $(rss) kB"
while [ "$(sink '["dropped"]')" = 0 ]; do
	sleep 5
	[ $((SECONDS - start)) -lt 1800 ] || { echo "spool not full after 30 min" >&2; exit 1; }
done
full=$(rss)
echo "full after $((SECONDS - start)) s: queued $(queued), spool $(sink '["spool"]["memory_bytes"]') bytes" \
	"(documents $(sink '["spool"]["document_bytes"]') bytes), VmRSS $full kB"
sleep 30
echo "30 s later: queued $(queued), VmRSS $(rss) kB; VmHWM $(awk '/^VmHWM/ {print $2}' "/proc/$pid/status") kB"
