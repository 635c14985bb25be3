#!/usr/bin/env bash
# The tcp probe's BPF cost per connect by the kernel's own accounting
# (kernel.bpf_stats_enabled: run_time_ns of every program the agent holds
# over CONNS loopback connects + accepts + closes in a private network
# namespace), with the connect-latency median the agent measured, for two
# builds side by side: PERFAGENT (build/perfagent) "new", OLD_PERFAGENT
# "old", started fresh per measurement, in an order rotated each round.
#
#   OLD_PERFAGENT=/path/to/old/perfagent bench/tcp_connect_bpf_stats.sh [ROUNDS]   # as root
#
# Prints per build the median over rounds, with min and max, of ns of BPF
# time per connect (all the tcp probe's programs: inet_sock_set_state runs
# about 10 times per connect, tcp_probe and others a few) and of
# inet_sock_set_state's ns per run, and of the agent's connect latency
# (mean in microseconds, from the kernel's histogram, and the samples,
# which must equal CONNS).
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh
ROUNDS=${1:-5}
CONNS=${CONNS:-3000}
PERFAGENT=${PERFAGENT:-build/perfagent}
OLD_PERFAGENT=${OLD_PERFAGENT:?set OLD_PERFAGENT to the build to compare with}
[ "$(id -u)" = 0 ] || { echo "needs root" >&2; exit 1; }
tmp=$(mktemp -d /tmp/pa-tcpstats.XXXXXX)
agent_pid='' ns_pid='' stats_was=$(sysctl -n kernel.bpf_stats_enabled)
cleanup() {
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null && wait "$agent_pid" 2>/dev/null
	[ -n "$ns_pid" ] && kill "$ns_pid" 2>/dev/null
	sysctl -qw kernel.bpf_stats_enabled="$stats_was"
	rm -rf "$tmp"
}
trap cleanup EXIT
sysctl -qw kernel.bpf_stats_enabled=1
printf 'interval = 3600\nimds = off\nmode = advise\nmetrics = off\ndisable_probes = sched, block\n' \
	>"$tmp/agent.conf"
unshare -n sleep infinity &
ns_pid=$!
sleep 0.2
nsenter -t "$ns_pid" -n ip link set lo up

# The agent's programs and map by bpftool: "total_ns set_state_ns
# set_state_runs connects latency_sum_us", cumulative.
stats() {
	python3 - "$agent_pid" <<'PY'
import json, os, subprocess, sys
pid = sys.argv[1]
progs, maps = set(), set()
for fd in os.listdir(f"/proc/{pid}/fdinfo"):
    try:
        text = open(f"/proc/{pid}/fdinfo/{fd}").read()
    except OSError:
        continue
    for l in text.splitlines():
        if l.startswith("prog_id:"):
            progs.add(int(l.split()[1]))
        elif l.startswith("map_id:"):
            maps.add(int(l.split()[1]))
bpftool = lambda *a: json.loads(subprocess.check_output(["bpftool", "-j", *a]))
t = s = n = 0
for p in bpftool("prog", "show"):
    if p["id"] in progs:
        t += p.get("run_time_ns", 0)
        if p["name"].startswith("inet_sock_set_s"):
            s += p.get("run_time_ns", 0); n += p.get("run_cnt", 0)
mid = next(i for i in maps if bpftool("map", "show", "id", str(i))["name"] == "tcp_stats")
cpus = [v["value"]["connect_latency"] for e in bpftool("map", "dump", "id", str(mid))
        for v in e["formatted"]["values"]]
print(t, s, n, sum(sum(h["buckets"]) for h in cpus), sum(h["sum"] for h in cpus))
PY
}

measure() {
	local before after
	before=$(stats)
	nsenter -t "$ns_pid" -n python3 tests/system/tcp_connects.py 7000 "$CONNS"
	after=$(stats)
	# shellcheck disable=SC2086 # before and after split into their numbers
	python3 -c 'import sys
t0, s0, n0, c0, l0, t1, s1, n1, c1, l1 = map(int, sys.argv[1:11]); c = int(sys.argv[11])
print("%.1f %.1f %.3f %d" % ((t1 - t0) / c, (s1 - s0) / max(n1 - n0, 1),
                             (l1 - l0) / max(c1 - c0, 1), c1 - c0))' \
		$before $after "$CONNS"
}

tools=(new old)
for r in $(seq "$ROUNDS"); do
	for i in 0 1; do
		t=${tools[$(((i + r) % 2))]}
		bin=$PERFAGENT
		[ "$t" = old ] && bin=$OLD_PERFAGENT
		agent_start "$bin"
		echo "$t $(measure)" >>"$tmp/results"
		kill "$agent_pid"
		wait "$agent_pid" || true
		agent_pid=
	done
	echo "round $r of $ROUNDS" >&2
done
python3 - "$tmp/results" <<'PY'
import statistics, sys
rows = {}
for line in open(sys.argv[1]):
    tool, *v = line.split()
    rows.setdefault(tool, []).append([float(x) for x in v])
print("%-4s %-25s %-25s %s" % ("tool", "ns per connect", "set_state ns per run",
                               "connect latency: mean us, samples"))
print("%-4s %-25s %-25s %s" % ("", "  median     min     max", "  median     min     max",
                               "(medians)"))
for tool, v in sorted(rows.items()):
    col = lambda k: "%7.1f %7.1f %7.1f" % (statistics.median(x[k] for x in v),
                                          min(x[k] for x in v), max(x[k] for x in v))
    med = lambda k: statistics.median(x[k] for x in v)
    print("%-4s %-25s %-25s %.3f %d" % (tool, col(0), col(1), med(2), med(3)))
PY
