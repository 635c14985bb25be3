#!/usr/bin/env bash
# What on-CPU attribution (by cgroup and process name, issue 7) adds to the
# sched probe's cost per context switch: the daemon with only the sched
# probe, built without attribution (BASE) and with it (this tree), against
# nothing attached, in the same run, the order rotated every round.
#
#   git worktree add /tmp/base 7cfd994 && make -C /tmp/base   # before attribution
#   BASE=/tmp/base/build/perfagent bench/sched_attribution.sh [rounds]   # as root, after make
#
# Workload: perf bench sched pipe, both tasks on CPU 0 (2 context switches
# per round trip). Then each build's sched_switch program body cost from
# bpf_stats (enabled for that pass only, restored after).
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh

ROUNDS=${1:-10}
PERFAGENT=${PERFAGENT:-$PWD/build/perfagent}
BASE=${BASE:?set BASE to a perfagent built before attribution (see the top of this file)}
PIPE_LOOPS=${PIPE_LOOPS:-50000}
BPF_STATS=/proc/sys/kernel/bpf_stats_enabled

command -v perf >/dev/null || { echo "needs perf (apt-get install linux-perf)" >&2; exit 1; }
tmp=$(mktemp -d /tmp/perfagent-schedattr.XXXXXX)
agent_pid=
stats_before=$(cat "$BPF_STATS")
cleanup() {
	[ -z "$agent_pid" ] || kill "$agent_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	echo "$stats_before" >"$BPF_STATS"
	rm -rf "$tmp"
}
trap cleanup EXIT

printf 'interval = 10\nimds = off\nmode = advise\nmetrics = off\ndisable_probes = block,tcp\n' \
	>"$tmp/agent.conf"

stop_agent() {
	[ -z "$agent_pid" ] && return 0
	kill "$agent_pid"
	wait "$agent_pid" 2>/dev/null || true
	agent_pid=
}

echo "machine: $(uname -r), $(nproc) vCPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg)"
order=(off base attribution)
for r in $(seq "$ROUNDS"); do
	for i in 0 1 2; do
		cfg=${order[$(((i + r) % 3))]}
		case $cfg in
		base) agent_start "$BASE" ;;
		attribution) agent_start "$PERFAGENT" ;;
		esac
		echo "$cfg $(pipe_ns_per_op)" >>"$tmp/results"
		stop_agent
	done
done
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
python3 - "$tmp/results" "$ROUNDS" <<'PY'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    cfg, ns = line.split()
    runs.setdefault(cfg, []).append(float(ns))
off = statistics.median(runs["off"])
print("rounds %s; ns per pipe round trip (2 context switches)" % sys.argv[2])
for cfg in ("off", "base", "attribution"):
    med = statistics.median(runs[cfg])
    added = "" if cfg == "off" else "  %+7.1f ns per context switch" % ((med - off) / 2)
    print("%-12s median %8.1f  min %8.1f%s" % (cfg, med, min(runs[cfg]), added))
PY

# Program body cost, from bpf_stats (includes its own two clock reads).
for cfg in base attribution; do
	if [ "$cfg" = base ]; then agent_start "$BASE"; else agent_start "$PERFAGENT"; fi
	ids=$(prog_ids "$agent_pid")
	echo 1 >"$BPF_STATS"
	pipe_ns_per_op >/dev/null
	print_body_costs "$ids" "$cfg"
	echo 0 >"$BPF_STATS"
	stop_agent
done
