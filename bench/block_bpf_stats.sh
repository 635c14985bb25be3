#!/usr/bin/env bash
# The block probe's BPF cost per I/O by the kernel's own accounting
# (kernel.bpf_stats_enabled: run_time_ns / run_cnt of every program the
# tool holds), beside bpftrace's biolatency (bench/peers/block.bt, block
# tracepoints) and libbpf-tools' biolatency, all measured the same way:
# IOS O_DIRECT 4 KiB reads (dd) on a loop device over a file in /dev/shm.
#
#   bench/block_bpf_stats.sh [ROUNDS]     # as root; apt-get install bpftrace libbpf-tools
#
# Each round runs every tool once, in an order rotated each round, in two
# placements: unpinned (dd and the loop worker where the scheduler puts
# them: issue and completion may run on different CPUs) and pinned (dd on
# CPU 0 and the unbound workqueues' cpumask set to CPU 0, restored after).
# Prints ns per I/O (all the tool's programs' run time over IOS) as the
# median over rounds with min and max. PERFAGENT (build/perfagent) is "new",
# OLD_PERFAGENT (optional) "old"; TOOLS picks the tools. "new:N" (or
# "old:N") runs it with block_sample = N (latency sampling: N a number,
# auto or off), e.g. TOOLS="new new:8 new:64". "floor:empty", "floor:clock"
# and "floor:fields" are the floor under any block probe
# (bench/block_floor.bpf.c): a program on the same tracepoint that does
# nothing, that reads the clock once, that also reads the request's fields
# the probe reads.
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${1:-5}
IOS=${IOS:-20000}
PERFAGENT=${PERFAGENT:-build/perfagent}
OLD_PERFAGENT=${OLD_PERFAGENT:-}
TOOLS=${TOOLS:-new ${OLD_PERFAGENT:+old} bpftrace libbpf-tools}
WQ_MASK=/sys/devices/virtual/workqueue/cpumask
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
tmp=$(mktemp -d /tmp/pa-blkstats.XXXXXX)
loop='' tool_pid='' stats_was=$(sysctl -n kernel.bpf_stats_enabled)
wq_was=$(cat "$WQ_MASK")
cleanup() {
	[ -n "$tool_pid" ] && kill -INT "$tool_pid" 2>/dev/null && wait "$tool_pid" 2>/dev/null
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
case " $TOOLS " in *" floor:"*)
	make -s build/vmlinux.h
	arch=$(uname -m | sed -e s/x86_64/x86/ -e s/aarch64/arm64/)
	clang -g -O2 -Wall -Werror -target bpf -D__TARGET_ARCH_"$arch" -Ibuild -Ibpf \
		-c bench/block_floor.bpf.c -o "$tmp/block_floor.bpf.o"
	# shellcheck disable=SC2046 # the flags are words
	cc -O2 -Wall -Werror bench/bpf_hold.c $(pkg-config --libs libbpf) -o "$tmp/bpf_hold" ;;
esac
conf_base='interval = 10\nimds = off\nmode = advise\ndisable_probes = sched, tcp\n'

prog_ids() {
	cat "/proc/$1"/fdinfo/* 2>/dev/null | awk '/^prog_id:/ { print $2 }' | sort -u | tr '\n' ' '
}

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

# Starts tool $1 in the background and waits until it holds programs.
start_tool() {
	case $1 in
	new | old | new:* | old:*)
		local bin=$PERFAGENT
		[ "${1%%:*}" = old ] && bin=$OLD_PERFAGENT
		# shellcheck disable=SC2059 # the base is a format of its own
		printf "$conf_base" >"$tmp/agent.conf"
		case $1 in *:*) echo "block_sample = ${1#*:}" >>"$tmp/agent.conf" ;; esac
		rm -rf "$tmp/run" "$tmp/state"
		"$bin" daemon --config "$tmp/agent.conf" --runtime-dir "$tmp/run" \
			--state-dir "$tmp/state" 2>>"$tmp/agent.log" &
		tool_pid=$!
		for _ in $(seq 100); do
			"$bin" status --json --runtime-dir "$tmp/run" 2>/dev/null |
				grep -q '"state": *"running"' && break
			sleep 0.1
		done ;;
	bpftrace)
		bpftrace bench/peers/block.bt >"$tmp/bt.out" 2>&1 &
		tool_pid=$!
		for _ in $(seq 100); do grep -q '^Attaching' "$tmp/bt.out" && break; sleep 0.1; done ;;
	floor:*)
		"$tmp/bpf_hold" "$tmp/block_floor.bpf.o" "floor_${1#floor:}" >"$tmp/floor.out" &
		tool_pid=$!
		for _ in $(seq 100); do grep -q '^attached' "$tmp/floor.out" && break; sleep 0.1; done ;;
	libbpf-tools)
		biolatency 3600 >"$tmp/bl.out" 2>&1 &
		tool_pid=$!
		sleep 1 ;;
	esac
	sleep 0.5
	[ -n "$(prog_ids "$tool_pid")" ] || { echo "$1 holds no BPF program" >&2; exit 1; }
}

stop_tool() {
	kill -INT "$tool_pid" 2>/dev/null || true
	wait "$tool_pid" 2>/dev/null || true
	tool_pid=''
}

# One measurement: prints ns per I/O and programs run per I/O.
measure() {
	local placement=$1 before after
	before=$(stats_of "$tool_pid")
	if [ "$placement" = pinned ]; then
		taskset -c 0 dd if="$loop" of=/dev/null bs=4k count="$IOS" iflag=direct status=none
	else
		dd if="$loop" of=/dev/null bs=4k count="$IOS" iflag=direct status=none
	fi
	after=$(stats_of "$tool_pid")
	python3 -c 'import sys
t0, c0, t1, c1 = map(int, sys.argv[1:5]); n = int(sys.argv[5])
print("%.1f %.2f" % ((t1 - t0) / n, (c1 - c0) / n))' $before $after "$IOS"
}

read -ra tools <<<"$TOOLS"
for r in $(seq "$ROUNDS"); do
	for placement in unpinned pinned; do
		if [ "$placement" = pinned ]; then echo 1 >"$WQ_MASK"; else echo "$wq_was" >"$WQ_MASK"; fi
		for i in "${!tools[@]}"; do
			t=${tools[$(((i + r) % ${#tools[@]}))]}
			start_tool "$t"
			echo "$placement $t $(measure "$placement")" >>"$tmp/results"
			stop_tool
		done
	done
	echo "round $r of $ROUNDS" >&2
done
echo "$wq_was" >"$WQ_MASK"
python3 - "$tmp/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    placement, tool, ns, runs = line.split()
    rows.setdefault((placement, tool), []).append((float(ns), float(runs)))
print("%-9s %-13s %8s %8s %8s  %s" % ("placement", "tool", "median", "min", "max", "programs run per I/O"))
for (placement, tool), v in sorted(rows.items()):
    ns = [x[0] for x in v]
    print("%-9s %-13s %8.1f %8.1f %8.1f  %.2f" % (placement, tool, statistics.median(ns),
          min(ns), max(ns), statistics.median(x[1] for x in v)))
PY
