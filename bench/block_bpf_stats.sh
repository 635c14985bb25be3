#!/usr/bin/env bash
# The block probe's BPF cost per I/O by the kernel's own accounting
# (kernel.bpf_stats_enabled: run_time_ns / run_cnt of every program the
# tool holds), beside bpftrace's biolatency (bench/peers/block.bt, block
# tracepoints) and libbpf-tools' biolatency, all measured the same way:
# IOS O_DIRECT 4 KiB reads (dd) on a loop device over a file in /dev/shm.
#
#   bench/block_bpf_stats.sh [ROUNDS]     # as root; apt-get install bpftrace libbpf-tools
#
# Each round runs every tool (or group, below) once, in an order rotated
# each round, in two placements: unpinned (dd and the loop worker where
# the scheduler puts them: issue and completion may run on different
# CPUs) and pinned (dd on CPU 0 and the unbound workqueues' cpumask set to
# CPU 0, restored after). Prints ns per I/O (all the tool's programs' run
# time over IOS) as the median over rounds with min and max. PERFAGENT
# (build/perfagent) is "new", OLD_PERFAGENT (optional) "old"; TOOLS picks
# the tools. "new:N" (or "old:N") runs it with block_sample = N (latency
# sampling: N a number, auto or off), e.g. TOOLS="new new:8 new:64".
# "floor:empty", "floor:clock" and "floor:fields" are the floor under any
# block probe (bench/block_floor.bpf.c): a program on the same tracepoint
# that does nothing, that reads the clock once, that also reads the
# request's fields the probe reads; "floor:call" and "floor:call2" make
# one helper call of one and of two kernel calls deep, to split the clock
# read's cost.
#
# Tools joined by "+" (TOOLS="new+old", "floor:fields+new") run together,
# attached one after the other to the same tracepoints, and are measured
# on the same I/Os, free of the drift between rounds that hides a small
# difference between two builds run alone (bench/README.md: about 10 ns
# resolved over 6 pairs of rounds, where separate runs drift by 20). The
# order of attachment, which is the order the kernel calls the programs
# in, alternates between rounds (the first to run pays for the request's
# cache misses, 30 ns or so); the summary adds the difference over each
# pair of rounds, one in each order (median, min, max over the pairs: use
# an even number of rounds).
set -eu
cd "$(dirname "$0")/.."
# shellcheck source=bench/lib.sh
. bench/lib.sh
ROUNDS=${1:-5}
IOS=${IOS:-20000}
PERFAGENT=${PERFAGENT:-build/perfagent}
OLD_PERFAGENT=${OLD_PERFAGENT:-}
TOOLS=${TOOLS:-new ${OLD_PERFAGENT:+old} bpftrace libbpf-tools}
WQ_MASK=/sys/devices/virtual/workqueue/cpumask
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
tmp=$(mktemp -d /tmp/pa-blkstats.XXXXXX)
loop='' stats_was=$(sysctl -n kernel.bpf_stats_enabled)
wq_was=$(cat "$WQ_MASK")
tool_pids=()
# Stops the tools start_tool (below) started.
stop_tools() {
	local pid
	for pid in "${tool_pids[@]}"; do kill -INT "$pid" 2>/dev/null || true; done
	for pid in "${tool_pids[@]}"; do wait "$pid" 2>/dev/null || true; done
	tool_pids=()
	rm -rf "$tmp"/tool*
}
cleanup() {
	stop_tools
	[ -n "$loop" ] && losetup -d "$loop"
	echo "$wq_was" >"$WQ_MASK"
	sysctl -qw kernel.bpf_stats_enabled="$stats_was"
	rm -rf "$tmp" /dev/shm/pa-blkstats.img
}
trap cleanup EXIT
truncate -s 256M /dev/shm/pa-blkstats.img
loop=$(losetup -f --show /dev/shm/pa-blkstats.img)
dd if=/dev/zero of="$loop" bs=1M count=256 oflag=direct status=none
sysctl -qw kernel.bpf_stats_enabled=1
tracefs_mount
case $TOOLS in *floor:*)
	make -s build/vmlinux.h
	arch=$(uname -m | sed -e s/x86_64/x86/ -e s/aarch64/arm64/)
	clang -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_"$arch" -Ibuild -Ibpf \
		-c bench/block_floor.bpf.c -o "$tmp/block_floor.bpf.o"
	# shellcheck disable=SC2046 # the flags are words
	cc -O2 -Wall -Werror bench/bpf_hold.c $(pkg-config --libs libbpf) -o "$tmp/bpf_hold" ;;
esac
conf_base='interval = 10\nimds = off\nmode = advise\ndisable_probes = sched, tcp\n'

# run_time_ns and run_cnt summed over the programs of pid $1.
stats_of() {
	bpftool -j prog show | python3 -c '
import json, sys
ids = set(int(i) for i in sys.argv[1].split())
t = c = 0
for p in json.load(sys.stdin):
    if p["id"] in ids:
        t += p.get("run_time_ns", 0); c += p.get("run_cnt", 0)
print(t, c)' "$(prog_ids "$1")"
}

# Starts tool $1 in the background, in a directory of its own, waits until
# it holds programs and adds its pid to tool_pids.
start_tool() {
	local dir=$tmp/tool${#tool_pids[@]} pid
	mkdir -p "$dir"
	case $1 in
	new | old | new:* | old:*)
		local bin=$PERFAGENT
		[ "${1%%:*}" = old ] && bin=$OLD_PERFAGENT
		# shellcheck disable=SC2059 # the base is a format of its own
		printf "$conf_base" >"$dir/agent.conf"
		case $1 in *:*) echo "block_sample = ${1#*:}" >>"$dir/agent.conf" ;; esac
		"$bin" daemon --config "$dir/agent.conf" --runtime-dir "$dir/run" \
			--state-dir "$dir/state" 2>>"$tmp/agent.log" &
		pid=$!
		for _ in $(seq 100); do
			"$bin" status --json --runtime-dir "$dir/run" 2>/dev/null |
				grep -q '"state": *"running"' && break
			sleep 0.1
		done ;;
	bpftrace)
		bpftrace bench/peers/block.bt >"$dir/bt.out" 2>&1 &
		pid=$!
		for _ in $(seq 100); do grep -q '^Attaching' "$dir/bt.out" && break; sleep 0.1; done ;;
	floor:*)
		"$tmp/bpf_hold" "$tmp/block_floor.bpf.o" "floor_${1#floor:}" >"$dir/floor.out" &
		pid=$!
		for _ in $(seq 100); do grep -q '^attached' "$dir/floor.out" && break; sleep 0.1; done ;;
	libbpf-tools)
		biolatency 3600 >"$dir/bl.out" 2>&1 &
		pid=$!
		sleep 1 ;;
	*)
		echo "unknown tool $1" >&2
		exit 1 ;;
	esac
	tool_pids+=("$pid")
	sleep 0.5
	[ -n "$(prog_ids "$pid")" ] || {
		echo "$1 holds no BPF program; its output:" >&2
		tail -3 "$dir"/*.out "$tmp/agent.log" 2>/dev/null >&2
		exit 1
	}
}

# One measurement of the tools running now: one line per tool, ns per I/O
# and programs run per I/O, in the order of tool_pids.
measure() {
	local placement=$1 pid before=()
	for pid in "${tool_pids[@]}"; do before+=("$(stats_of "$pid")"); done
	if [ "$placement" = pinned ]; then
		taskset -c 0 dd if="$loop" of=/dev/null bs=4k count="$IOS" iflag=direct status=none
	else
		dd if="$loop" of=/dev/null bs=4k count="$IOS" iflag=direct status=none
	fi
	for i in "${!tool_pids[@]}"; do
		# shellcheck disable=SC2046,SC2086 # two numbers each
		python3 -c 'import sys
t0, c0, t1, c1 = map(int, sys.argv[1:5]); n = int(sys.argv[5])
print("%.1f %.2f" % ((t1 - t0) / n, (c1 - c0) / n))' ${before[$i]} $(stats_of "${tool_pids[$i]}") "$IOS"
	done
}

read -ra tools <<<"$TOOLS"
for r in $(seq "$ROUNDS"); do
	for placement in unpinned pinned; do
		if [ "$placement" = pinned ]; then echo 1 >"$WQ_MASK"; else echo "$wq_was" >"$WQ_MASK"; fi
		for i in "${!tools[@]}"; do
			spec=${tools[$(((i + r) % ${#tools[@]}))]}
			IFS=+ read -ra members <<<"$spec"
			# Tools run together: attached in an order that alternates by round.
			order=("${!members[@]}")
			[ $((r % 2)) = 0 ] && mapfile -t order < <(printf '%s\n' "${order[@]}" | tac)
			for m in "${order[@]}"; do start_tool "${members[$m]}"; done
			k=0
			measure "$placement" | while read -r ns runs; do
				m=${order[$k]}
				echo "$r $placement $spec $m ${members[$m]} $ns $runs"
				k=$((k + 1))
			done >>"$tmp/results"
			stop_tools
		done
	done
	echo "round $r of $ROUNDS" >&2
done
echo "$wq_was" >"$WQ_MASK"
python3 - "$tmp/results" <<'PY'
import statistics, sys
rows, rounds = {}, {}
for line in open(sys.argv[1]):
    r, placement, spec, m, tool, ns, runs = line.split()
    name = tool if spec == tool else "%s (%s of %s)" % (tool, int(m) + 1, spec)
    rows.setdefault((placement, name), []).append((float(ns), float(runs)))
    rounds.setdefault((placement, spec, r), {})[int(m)] = float(ns)
w = max(len(name) for _, name in rows)
print("%-9s %-*s %8s %8s %8s  %s" % ("placement", w, "tool", "median", "min", "max", "programs run per I/O"))
for (placement, name), v in sorted(rows.items()):
    ns = [x[0] for x in v]
    print("%-9s %-*s %8.1f %8.1f %8.1f  %.2f" % (placement, w, name, statistics.median(ns),
          min(ns), max(ns), statistics.median(x[1] for x in v)))
# A pair of rounds runs tools together in both orders: the mean of its two
# differences cancels what running first costs.
pairs = {}
for (placement, spec, r), by_tool in rounds.items():
    pairs.setdefault((placement, spec, (int(r) + 1) // 2), []).append(by_tool)
diffs = {}
for (placement, spec, _), both in pairs.items():
    members = spec.split("+")
    if len(members) < 2 or len(both) < 2:
        continue
    for m in range(1, len(members)):
        diffs.setdefault((placement, "%s - %s (%s)" % (members[0], members[m], spec)), []).append(
            statistics.mean(b[0] - b[m] for b in both))
if diffs:
    print("\ndifference of tools run together, ns per I/O, over pairs of rounds")
    w = max(len(name) for _, name in diffs)
    print("%-9s %-*s %8s %8s %8s" % ("placement", w, "difference", "median", "min", "max"))
    for (placement, name), d in sorted(diffs.items()):
        print("%-9s %-*s %8.1f %8.1f %8.1f" % (placement, w, name, statistics.median(d), min(d), max(d)))
PY
