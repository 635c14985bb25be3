#!/usr/bin/env bash
# Added cost per event of each perfagent probe, A/B in the same run, next to
# the equivalent bpftrace script run the same way; then the agent's own CPU.
#
#   bench/probes_overhead.sh [rounds]     # as root, after make
#   PROBES=tcp bench/probes_overhead.sh   # only those probes (default: sched block tcp)
#
# Needs perf (linux-perf), fio, bpftrace, clang, cc, unshare, taskset,
# losetup. For each probe, every round runs its workloads four ways, in
# turn: "off" (nothing attached), "floor" (empty BPF programs on the same
# tracepoints: what any program there costs on this machine), "perfagent"
# (the daemon with only that probe enabled, interval 10 s) and "bpftrace"
# (a script measuring the same things). Medians over the rounds (minimums
# beside them); added ns = (median - median off) / events per operation.
#
#   sched  perf bench sched pipe, both tasks on CPU 0: every round trip is
#          2 context switches; cost per context switch.
#   block  fio 4 KiB random direct reads, one job, on a loop device over a
#          file in /dev/shm; fio and (through the unbound workqueue
#          cpumask, restored after) the loop worker on CPU 0; per I/O.
#   tcp    on CPU 0, in a private network namespace: connect + accept +
#          close over loopback, and a 1-byte ping-pong on one TCP_NODELAY
#          connection; cost per TCP event (tracepoint hits per operation,
#          counted by bpftrace in a calibration run).
#
# Then the time each perfagent program spends in its own body
# (bpf_stats, enabled only for that pass and restored), the daemon's CPU
# with every probe on an idle host at interval 10 s for IDLE_SECONDS
# (default 120), and the CPU time of one probes_collect() +
# probes_histograms_json() of the three probes.
set -eu
cd "$(dirname "$0")/.."
. bench/lib.sh

ROUNDS=${1:-10}
IDLE_SECONDS=${IDLE_SECONDS:-120}
PERFAGENT=${PERFAGENT:-$PWD/build/perfagent}
BUILD=${BUILD:-$(dirname "$PERFAGENT")}
PIPE_LOOPS=${PIPE_LOOPS:-50000}
CONNS=${CONNS:-5000}
RR=${RR:-30000}
FIO_SECONDS=${FIO_SECONDS:-2}
WQ_MASK=/sys/devices/virtual/workqueue/cpumask
BPF_STATS=/proc/sys/kernel/bpf_stats_enabled

[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
for t in perf fio bpftrace clang unshare taskset cc python3 losetup bpftool; do
	command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 1; }
done
if [ ! -x "$PERFAGENT" ] || [ ! -r "$BUILD/vmlinux.h" ]; then
	echo "build first: $PERFAGENT or $BUILD/vmlinux.h missing" >&2
	exit 1
fi

tracefs_mount

tmp=$(mktemp -d /var/tmp/perfagent-bench.XXXXXX)
agent_pid='' bt_pid='' floor_pid='' loop='' wq_saved='' stats_saved=''
cleanup() {
	stop_all
	[ -z "$wq_saved" ] || echo "$wq_saved" >"$WQ_MASK"
	[ -z "$stats_saved" ] || echo "$stats_saved" >"$BPF_STATS"
	[ -z "$loop" ] || losetup -d "$loop"
	rm -rf "$tmp" /dev/shm/perfagent-bench.img
}
trap cleanup EXIT

# Workload helpers, compiled here so that the bench needs no build change.
cat >"$tmp/tcp_loop.c" <<'EOF'
/* tcp_loop conn|rr N: ns per connect+accept+close, or per 1-byte round
 * trip, over loopback in a new network namespace. */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <net/if.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

static struct sockaddr_in addr = { .sin_family = AF_INET };

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

static int dial(void)
{
	int one = 1, c = socket(AF_INET, SOCK_STREAM, 0);

	if (connect(c, (struct sockaddr *)&addr, sizeof(addr)))
		exit(1);
	setsockopt(c, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	return c;
}

int main(int argc, char **argv)
{
	struct ifreq ifr = { .ifr_flags = IFF_UP | IFF_RUNNING };
	int n = atoi(argv[2]), l, s, one = 1;
	double t0;
	char b = 'x';

	if (unshare(CLONE_NEWNET))
		return 1;
	strcpy(ifr.ifr_name, "lo");
	s = socket(AF_INET, SOCK_DGRAM, 0);
	if (ioctl(s, SIOCSIFFLAGS, &ifr))
		return 1;
	addr.sin_port = htons(7100);
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	l = socket(AF_INET, SOCK_STREAM, 0);
	setsockopt(l, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(l, (struct sockaddr *)&addr, sizeof(addr)) || listen(l, 1024))
		return 1;
	if (strcmp(argv[1], "conn") == 0) {
		t0 = now_ns();
		for (int i = 0; i < n; i++) {
			int c = dial(), a = accept(l, NULL, NULL);

			close(c);
			close(a);
		}
		printf("%.1f\n", (now_ns() - t0) / n);
		return 0;
	}
	if (fork() == 0) {
		int c = dial();

		for (int i = 0; i < n; i++)
			if (read(c, &b, 1) != 1 || write(c, &b, 1) != 1)
				_exit(1);
		_exit(0);
	}
	s = accept(l, NULL, NULL);
	setsockopt(s, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	t0 = now_ns();
	for (int i = 0; i < n; i++)
		if (write(s, &b, 1) != 1 || read(s, &b, 1) != 1)
			return 1;
	printf("%.1f\n", (now_ns() - t0) / n);
	wait(NULL);
	return 0;
}
EOF
cc -O2 -o "$tmp/tcp_loop" "$tmp/tcp_loop.c"

# The floor: an empty program (one store) on each tracepoint a probe uses,
# loaded and attached by bench/bpf_hold.c.
# shellcheck disable=SC2046 # pkg-config's flags are meant to split
cc -O2 -o "$tmp/loader" bench/bpf_hold.c $(pkg-config --libs libbpf)
floor_obj() {
	local name=$1 i=0
	shift
	{
		printf '#include "vmlinux.h"\n#include <bpf/bpf_helpers.h>\n'
		printf '__u64 hits;\n'
		for tp in "$@"; do
			printf 'SEC("tp_btf/%s") int empty_%d(void *ctx) { hits++; return 0; }\n' \
				"$tp" $((i += 1))
		done
		printf 'char LICENSE[] SEC("license") = "GPL";\n'
	} >"$tmp/floor_$name.bpf.c"
	clang -g -O2 -target bpf -I"$BUILD" -c "$tmp/floor_$name.bpf.c" -o "$tmp/floor_$name.bpf.o"
}
floor_obj sched sched_switch
floor_obj block block_rq_issue block_rq_complete
floor_obj tcp tcp_retransmit_skb tcp_retransmit_synack tcp_probe inet_sock_set_state \
	tcp_send_reset tcp_receive_reset kfree_skb tcp_rcv_space_adjust

# The bpftrace equivalents (bench/peers/): runqlat.bt; biolatency and
# bitesize on tracepoints (no kprobes on this kernel); tcpretrans + tcprtt +
# tcpconnlat + reset and drop counts on tracepoints.
for p in sched block tcp; do cp "bench/peers/$p.bt" "$tmp/$p.bt"; done
# Counts every tracepoint hit of the tcp probe, for events per operation.
cat >"$tmp/tcp_count.bt" <<'EOF'
tracepoint:tcp:tcp_retransmit_skb, tracepoint:tcp:tcp_retransmit_synack,
tracepoint:tcp:tcp_probe, tracepoint:sock:inet_sock_set_state,
tracepoint:tcp:tcp_send_reset, tracepoint:tcp:tcp_receive_reset,
tracepoint:skb:kfree_skb, tracepoint:tcp:tcp_rcv_space_adjust { @events = count(); }
EOF

PROBES=${PROBES:-sched block tcp}
wanted() { [[ " $PROBES " == *" $1 "* ]]; }

start_agent() {
	local keep=$1 off=""
	for p in sched block tcp; do
		[ "$p" = "$keep" ] || [ "$keep" = all ] || off="$off${off:+,}$p"
	done
	{
		echo "interval = 10"
		echo "imds = off"
		echo "mode = advise"
		[ -z "$off" ] || echo "disable_probes = $off"
	} >"$tmp/agent.conf"
	agent_start "$PERFAGENT"
}

start_bg() {	# start_bg VAR READY-PATTERN CMD...: runs CMD, waits for PATTERN
	local var=$1 pattern=$2 pid
	shift 2
	"$@" >"$tmp/bg.out" 2>&1 &
	pid=$!
	printf -v "$var" '%s' "$pid"
	for _ in $(seq 200); do
		grep -q "$pattern" "$tmp/bg.out" && { sleep 0.3; return 0; }
		sleep 0.05
	done
	echo "$* did not start: $(cat "$tmp/bg.out")" >&2
	exit 1
}

stop_all() {
	local pid
	for pid in "$agent_pid" "$floor_pid"; do
		[ -z "$pid" ] || { kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; }
	done
	[ -z "$bt_pid" ] || { kill -INT "$bt_pid" 2>/dev/null || true; wait "$bt_pid" 2>/dev/null || true; }
	agent_pid='' floor_pid='' bt_pid=''
}

# Workloads: each prints one number, ns per operation.
run_sched() { pipe_ns_per_op; }

run_block() {
	taskset -c 0 fio --name=randread --filename="$loop" --direct=1 --rw=randread \
		--bs=4k --ioengine=psync --numjobs=1 --time_based \
		--runtime="$FIO_SECONDS" --output-format=json 2>/dev/null |
		python3 -c 'import json,sys; print("%.1f" % (1e9 / json.load(sys.stdin)["jobs"][0]["read"]["iops"]))'
}

run_tcp_conn() {
	taskset -c 0 "$tmp/tcp_loop" conn "$CONNS"
}

run_tcp_rr() {
	taskset -c 0 "$tmp/tcp_loop" rr "$RR"
}

# bench PROBE WORKLOAD...: ROUNDS rounds of off, floor, perfagent, bpftrace,
# the order rotated every round so that none always runs first.
bench() {
	local probe=$1 w cfg order=(off floor perfagent bpftrace)
	shift
	for r in $(seq "$ROUNDS"); do
		for i in 0 1 2 3; do
			cfg=${order[$(((i + r) % 4))]}
			case $cfg in
			floor) start_bg floor_pid attached "$tmp/loader" "$tmp/floor_$probe.bpf.o" ;;
			perfagent) start_agent "$probe" ;;
			bpftrace) start_bg bt_pid "^Attaching" bpftrace "$tmp/$probe.bt" ;;
			esac
			for w in "$@"; do
				echo "$w $cfg $r $("run_$w")" >>"$tmp/results"
			done
			stop_all
		done
		echo "  $probe: round $r of $ROUNDS" >&2
	done
}

# calibrate NAME SCRIPT OPS CMD...: tracepoint hits per operation of CMD.
calibrate() {
	local name=$1 script=$2 ops=$3 events
	shift 3
	start_bg bt_pid "^Attaching" bpftrace "$script"
	"$@" >/dev/null
	stop_all
	events=$(awk -F': ' '/^@/ { s += $2 } END { print s + 0 }' "$tmp/bg.out")
	echo "$name events_per_op 0 $(python3 -c "print($events / $ops)")" >>"$tmp/results"
}

# body_cost PROBE WORKLOAD: ns per run of each of the daemon's programs.
body_cost() {
	local ids
	start_agent "$1"
	ids=$(prog_ids "$agent_pid")
	echo 1 >"$BPF_STATS"
	"run_$2" >/dev/null
	print_body_costs "$ids"
	echo 0 >"$BPF_STATS"
	stop_all
}

echo "machine: $(uname -r), $(nproc) vCPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "clocksource: $(cat /sys/devices/system/clocksource/clocksource0/current_clocksource)"
echo "mitigations: spectre_v2: $(cat /sys/devices/system/cpu/vulnerabilities/spectre_v2)"
echo "             spec_rstack_overflow: $(cat /sys/devices/system/cpu/vulnerabilities/spec_rstack_overflow 2>/dev/null)"
echo "$("$PERFAGENT" version 2>/dev/null | head -1), $(bpftrace --version), $(perf --version), $(fio --version)"
echo "rounds: $ROUNDS; pipe loops $PIPE_LOOPS, fio ${FIO_SECONDS}s, connects $CONNS, round trips $RR"
: >"$tmp/results"

# Context switches per pipe round trip, measured (2 when pinned).
c0=$(awk '/^ctxt/ { print $2 }' /proc/stat)
run_sched >/dev/null
c1=$(awk '/^ctxt/ { print $2 }' /proc/stat)
echo "sched events_per_op 0 $(python3 -c "print(($c1 - $c0) / $PIPE_LOOPS)")" >>"$tmp/results"
wanted sched && bench sched sched

truncate -s 1G /dev/shm/perfagent-bench.img
loop=$(losetup -f --show /dev/shm/perfagent-bench.img)
dd if=/dev/zero of="$loop" bs=1M count=1024 oflag=direct status=none
wq_saved=$(cat "$WQ_MASK")
echo 1 >"$WQ_MASK"
echo "block events_per_op 0 1" >>"$tmp/results"
wanted block && bench block block
echo "$wq_saved" >"$WQ_MASK"
wq_saved=''

if wanted tcp; then
	calibrate tcp_conn "$tmp/tcp_count.bt" "$CONNS" run_tcp_conn
	calibrate tcp_rr "$tmp/tcp_count.bt" "$RR" run_tcp_rr
	bench tcp tcp_conn tcp_rr
fi

python3 - "$tmp/results" <<'EOF'
import statistics, sys
runs, per_op = {}, {}
for line in open(sys.argv[1]):
    w, cfg, r, v = line.split()
    if cfg == "events_per_op":
        per_op[w] = float(v)
    else:
        runs.setdefault((w, cfg), {})[int(r)] = float(v)
unit = {"sched": "context switch", "block": "I/O", "tcp_conn": "TCP event",
        "tcp_rr": "TCP event"}
def quartiles(v):
    q = statistics.quantiles(v, n=4) if len(v) > 1 else [v[0]] * 3
    return q[0], q[1], q[2]
print()
print("Per operation: median [quartiles] over the rounds. Added per event: the")
print("median [quartiles] of each round's difference with that round's 'off' run,")
print("divided by the events per operation.")
print()
print("%-9s %-10s %24s %28s" % ("workload", "config", "ns per operation", "added ns per event"))
for w in ["sched", "block", "tcp_conn", "tcp_rr"]:
    if (w, "off") not in runs:
        continue
    off = runs[(w, "off")]
    ev = per_op.get(w, 1)
    for cfg in ["off", "floor", "perfagent", "bpftrace"]:
        v = runs[(w, cfg)]
        lo, med, hi = quartiles(list(v.values()))
        line = "%-9s %-10s %8.0f [%6.0f, %6.0f]" % (w, cfg, med, lo, hi)
        if cfg != "off":
            d = [(v[r] - off[r]) / ev for r in v if r in off]
            dlo, dmed, dhi = quartiles(d)
            line += "   %+8.1f [%+7.1f, %+7.1f]" % (dmed, dlo, dhi)
        print(line)
    print("%-9s %.2f events per operation; per event = per %s" % ("", ev, unit[w]))
EOF

# What each program's body costs (bpf_stats: JIT-ed body only, dispatch
# excluded, plus bpf_stats' own two clock reads).
stats_saved=$(cat "$BPF_STATS")
echo
echo "program bodies (bpf_stats run_time_ns / run_cnt):"
wanted sched && body_cost sched sched
wanted block && FIO_SECONDS=1 body_cost block block
wanted tcp && body_cost tcp tcp_rr
echo "$stats_saved" >"$BPF_STATS"
stats_saved=''

# The agent's own CPU on an idle host: every probe, interval 10 s, in ns
# of CPU time from schedstat (all its threads).
cpu_ns() {
	cat "/proc/$agent_pid"/task/*/schedstat | awk '{ s += $1 } END { print s }'
}
start_agent all
sleep 5
t0=$(cpu_ns)
sleep "$IDLE_SECONDS"
t1=$(cpu_ns)
stop_all
echo
echo "daemon, all probes, interval 10 s, idle ${IDLE_SECONDS}s: $(python3 -c \
	"print('%.4f %% of one vCPU (%.1f ms of CPU)' % (($t1 - $t0) / 1e7 / $IDLE_SECONDS, ($t1 - $t0) / 1e6))")"

# One collection of the three probes, as the daemon does every interval.
cat >"$tmp/collect.c" <<'EOF'
#include <stdio.h>
#include <time.h>
#include <unistd.h>
#include <json-c/json.h>
#include "core/log.h"
#include "core/metrics.h"
#include "probes/probes.h"

static double cpu_us(void)
{
	struct timespec t;

	clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t);
	return t.tv_sec * 1e6 + t.tv_nsec / 1e3;
}

int main(void)
{
	struct probes *p = probes_new();
	struct metric_set set;
	double t0, t1 = 0, t2 = 0;
	size_t metrics = 0;
	int n = 200;

	log_init(LOG_LVL_ERROR, 0);
	probes_configure(p, NULL);
	for (int i = 0; i < n; i++) {
		struct json_object *h;

		usleep(10000);
		metric_set_init(&set, 0, 10);
		t0 = cpu_us();
		probes_collect(p, &set);
		t1 += cpu_us() - t0;
		t0 = cpu_us();
		h = probes_histograms_json(p);
		json_object_put(h);
		t2 += cpu_us() - t0;
		metrics = 0;
		for (size_t e = 0; e < set.n; e++)
			metrics += set.entities[e].n;
		metric_set_free(&set);
	}
	printf("probes_collect: %.0f us CPU per call (%zu metrics), %.4f %% of one vCPU "
	       "at a 10 s interval; probes_histograms_json: %.0f us per call\n",
	       t1 / n, metrics, t1 / n / 1e7 * 100, t2 / n);
	probes_free(p);
	return 0;
}
EOF
objs=()
while IFS= read -r o; do
	[ "${o##*/}" = main.o ] || objs+=("$o")
done < <(find "$BUILD/agent" -name '*.o' | sort)
# shellcheck disable=SC2046 # pkg-config's flags are meant to split
cc -O2 -D_GNU_SOURCE -I"$BUILD" -Iagent -I. -o "$tmp/collect" "$tmp/collect.c" "${objs[@]}" \
	$(pkg-config --libs libbpf libelf zlib json-c) -ldl
"$tmp/collect"
