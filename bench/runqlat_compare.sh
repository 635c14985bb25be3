#!/usr/bin/env bash
# The sched probe's run-queue latency against runqlat's (issue 23), on the
# same waits at the same time.
#
#   bench/runqlat_compare.sh [SECONDS]   # as root, after make; apt-get install libbpf-tools bpftrace linux-perf
#
# For each load, two passes of SECONDS (default 10): `perfagent metrics
# --once --interval SECONDS` (sched probe only) beside libbpf-tools'
# `runqlat SECONDS 1` (its log2 histogram in microseconds), then beside a
# bpftrace script that times runqlat's own interval (sched_wakeup or
# sched_wakeup_new, or a preempted task's sched_switch, to the
# sched_switch that runs it) in nanoseconds, 250 ns buckets up to 64 us,
# for p50 and p90 finer than runqlat's powers of two. Loads:
#   pipe       perf bench sched pipe, unpinned: two tasks waking each other
#              on a mostly idle host (short waits, the issue's case);
#   pipe+spin  the same with a busy loop on each CPU (waits behind a
#              running task: a scheduler slice, milliseconds).
# Prints per load and pass, for the agent (its RunqLatency distribution,
# `--format emf`) and runqlat, the share of waits under 2, 4, 8, 16 us
# (both floor to whole microseconds), their p50 and p90 (runqlat: the
# power-of-two bin holding it), and the bpftrace p50/p90 in ns.
set -eu
cd "$(dirname "$0")/.."
SECONDS_RUN=${1:-10}
PERFAGENT=${PERFAGENT:-$PWD/build/perfagent}
RUNQLAT=${RUNQLAT:-$(command -v runqlat || echo /usr/sbin/runqlat)}
for t in "$RUNQLAT" bpftrace perf; do
	command -v "$t" >/dev/null || { echo "needs $t (apt-get install libbpf-tools bpftrace linux-perf)" >&2; exit 1; }
done
# shellcheck source=bench/lib.sh
. bench/lib.sh
tracefs_mount
tmp=$(mktemp -d /tmp/perfagent-runqlat.XXXXXX)
pids=()
cleanup() {
	for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT
printf 'imds = off\nmode = advise\ndisable_probes = block,tcp\n' >"$tmp/agent.conf"

cat >"$tmp/runqlat_ns.bt" <<'EOF'
tracepoint:sched:sched_wakeup, tracepoint:sched:sched_wakeup_new { @q[args->pid] = nsecs; }
tracepoint:sched:sched_switch {
	if (args->prev_state == 0 && args->prev_pid) { @q[args->prev_pid] = nsecs; }
	$t = @q[args->next_pid];
	if ($t && args->next_pid) {
		$d = nsecs - $t;
		if ($d < 64000) { @b[$d / 250] = count(); } else { @big = count(); }
	}
	delete(@q[args->next_pid]);
}
EOF

# load_start NAME: the load's processes, their pids in pids.
load_start() {
	perf bench sched pipe -l 100000000 >/dev/null 2>&1 &
	pids+=($!)
	if [ "$1" = pipe+spin ]; then
		for c in 0 1; do
			taskset -c $c python3 -c 'while True: pass' &
			pids+=($!)
		done
	fi
	sleep 1
}
load_stop() {
	# perf bench sched pipe forks its partner: that child too.
	for p in "${pids[@]}"; do pkill -P "$p" 2>/dev/null || true; kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	pids=()
}

agent() {
	"$PERFAGENT" metrics --once --format emf --interval "$SECONDS_RUN" --config "$tmp/agent.conf" \
		>"$tmp/agent.out"
}
# The agent's RunqLatency distribution (whole microseconds below 32 us, each
# its own value): the same shares and bins as runqlat's, and its p50, p90, p99.
agent_q() {
	python3 - "$tmp/agent.out" <<'EOF'
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    if "RunqLatency" in d:
        v = d["RunqLatency"]
        rows = sorted(zip(v["Values"], v["Counts"]))
n = sum(c for _, c in rows)
def under(x): return sum(c for val, c in rows if val < x) / n * 100
def q(p):
    acc = 0
    for val, c in rows:
        acc += c
        if acc >= p * n: return val
print(f"n {n}  <2us {under(2):.1f}%  <4us {under(4):.1f}%  <8us {under(8):.1f}%  <16us {under(16):.1f}%"
      f"  p50 {q(.5):g}  p90 {q(.9):g}  p99 {q(.99):g} us")
EOF
}

# runqlat's log2 table: share under 2, 4, 8, 16 us, and the bins of p50 and p90.
runqlat_summary() {
	python3 - "$tmp/runqlat.out" <<'EOF'
import re, sys
rows = [(int(a), int(b), int(c)) for a, b, c in
        re.findall(r"^\s*(\d+)\s*->\s*(\d+)\s*:\s*(\d+)", open(sys.argv[1]).read(), re.M)]
n = sum(c for _, _, c in rows)
def under(x): return sum(c for lo, hi, c in rows if hi < x) / n * 100
def qbin(q):
    acc = 0
    for lo, hi, c in rows:
        acc += c
        if acc >= q * n: return f"{lo}-{hi}"
print(f"n {n}  <2us {under(2):.1f}%  <4us {under(4):.1f}%  <8us {under(8):.1f}%  <16us {under(16):.1f}%"
      f"  p50 in {qbin(.5)} us  p90 in {qbin(.9)} us")
EOF
}

# The bpftrace buckets (@b[ns / 250], @big past 64 us): p50, p90 in ns
# (the lower edge of the 250 ns bucket).
bt_summary() {
	python3 - "$tmp/bt.out" <<'EOF'
import re, sys
text = open(sys.argv[1]).read()
rows = [(int(k) * 250, int(c)) for k, c in re.findall(r"^@b\[(\d+)\]: (\d+)", text, re.M)]
big = sum(int(c) for c in re.findall(r"^@big: (\d+)", text, re.M))
rows.sort()
n = sum(c for _, c in rows) + big
def q(p):
    acc = 0
    for lo, c in rows:
        acc += c
        if acc >= p * n: return str(lo)
    return ">=64000"
print(f"n {n}  p50 {q(.5)} ns  p90 {q(.9)} ns")
EOF
}

for load in pipe pipe+spin; do
	load_start "$load"
	"$RUNQLAT" "$SECONDS_RUN" 1 >"$tmp/runqlat.out" 2>&1 &
	sleep 0.5	# attached
	rq=$!
	agent
	wait "$rq" || true
	echo "$load  agent+runqlat:   agent $(agent_q)"
	echo "$load  agent+runqlat:   runqlat $(runqlat_summary)"
	timeout -s INT $((SECONDS_RUN + 1)) bpftrace "$tmp/runqlat_ns.bt" >"$tmp/bt.out" 2>/dev/null &
	bt=$!
	sleep 1	# attached
	agent
	wait "$bt" || true
	echo "$load  agent+bpftrace:  agent $(agent_q)"
	echo "$load  agent+bpftrace:  runqlat interval in ns $(bt_summary)"
	load_stop
done
