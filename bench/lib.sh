# shellcheck shell=bash
# Shared by the bench scripts: sourced, never run. The caller sets tmp (its
# temporary directory) and PIPE_LOOPS for the functions that use them.
# shellcheck disable=SC2154,SC2034 # tmp is set, agent_pid read, by the caller

# tracefs_mount: tracefs at /sys/kernel/tracing, mounted if it is not (a
# fresh machine may lack it): bpftrace's tracepoint probes and the ftrace
# instances need it.
tracefs_mount() {
	[ -d /sys/kernel/tracing/events ] || mount -t tracefs nodev /sys/kernel/tracing
}

# agent_start BINARY: the daemon with $tmp/agent.conf, fresh runtime and
# state directories in $tmp, log in $tmp/agent.log, waited for until a
# probe runs; its pid in agent_pid.
agent_start() {
	rm -rf "$tmp/run" "$tmp/state"
	mkdir -p "$tmp/run" "$tmp/state"
	"$1" daemon --config "$tmp/agent.conf" --runtime-dir "$tmp/run" \
		--state-dir "$tmp/state" 2>>"$tmp/agent.log" &
	agent_pid=$!
	for _ in $(seq 100); do
		"$1" status --json --runtime-dir "$tmp/run" 2>/dev/null |
			grep -Eq '"state": *"running"' && return 0
		sleep 0.1
	done
	echo "agent did not start: $(tail -3 "$tmp/agent.log")" >&2
	exit 1
}

# pipe_ns_per_op: perf bench sched pipe, $PIPE_LOOPS round trips with both
# tasks on CPU 0 (2 context switches each): ns per round trip.
pipe_ns_per_op() {
	taskset -c 0 perf bench sched pipe -l "$PIPE_LOOPS" 2>/dev/null |
		awk '/usecs\/op/ { printf "%.1f\n", $1 * 1000 }'
}

# prog_ids PID: the ids of the BPF programs PID holds, space-separated.
prog_ids() {
	cat "/proc/$1"/fdinfo/* 2>/dev/null | awk '/^prog_id:/ { print $2 }' | sort -u | tr '\n' ' '
}

# print_body_costs IDS [LABEL]: ns per run of each of those programs, from
# the kernel's BPF run-time statistics (the caller turns them on).
print_body_costs() {
	bpftool -j prog show | python3 -c '
import json, sys
ids = set(int(i) for i in sys.argv[1].split())
prefix = "%-12s " % sys.argv[2] if sys.argv[2] else "  "
for p in json.load(sys.stdin):
    if p["id"] in ids and p.get("run_cnt"):
        print("%s%-24s %9d runs %7.1f ns per run" % (prefix, p["name"], p["run_cnt"],
                                                     p["run_time_ns"] / p["run_cnt"]))' "$1" "${2:-}"
}
