#!/usr/bin/env bash
# The daemon's probes against known workloads, read straight from the BPF
# maps the daemon owns (bpftool), so the kernel side is checked end to end
# whatever reads the maps in userspace: N direct writes on a loop device are
# N completions, N connects in a network namespace are N connect-latency
# samples (one whose first SYN is dropped lasts the SYN's retransmission
# timeout), segments dropped by an nftables rule in a namespace are
# retransmits, sleeps are run-queue waits (kept in nanoseconds). Through the daemon's histograms:
# an interval's write size max is the size written in it. Then disable_probes on reload,
# and nothing left attached after stop. Root; needs losetup, nft, bpftool.
set -eu
. "$(dirname "$0")/lib.sh"
need_root

N_IO=300
N_CONN=40
tmp=$(mktemp -d /tmp/perfagent-probes.XXXXXX)
ns_pid=
run=$tmp/run
conf=$tmp/perfagent.conf
loop=
daemon_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
	[ -n "$ns_pid" ] && kill "$ns_pid" 2>/dev/null
	wait 2>/dev/null
	[ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

need_tools losetup nft bpftool ip unshare nsenter python3

pa() { "$PERFAGENT" "$@" --runtime-dir "$run"; }

printf 'interval = 1\nimds = off\nmode = advise\n' >"$conf"
"$PERFAGENT" daemon --config "$conf" --runtime-dir "$run" --state-dir "$tmp/state" \
	2>"$tmp/daemon.log" &
daemon_pid=$!
wait_for 10 test -S "$run/perfagent.sock" || fail "daemon did not start: $(cat "$tmp/daemon.log")"
wait_for 5 pa status --json >"$tmp/status.json" 2>/dev/null || fail "no status"

# Every probe loads and attaches, every program on tp_btf.
for p in sched block tcp; do
	got=$(json_get "$tmp/status.json" "[(x['state'], x['attach'], x['reason'], \
		sorted(set(g['attach'] for g in x['programs'])), \
		all(type(g.get('missed')) is int for g in x['programs'])) \
		for x in j['probes'] if x['name'] == '$p']")
	[ "$got" = "[('running', 'tp_btf', None, ['tp_btf'], True)]" ] || fail "probe $p: $got"
done
pass "sched, block and tcp run, every program on tp_btf, each with its missed runs"

# Block: N direct 4 KiB writes on a new loop device are N write completions.
truncate -s 64M "$tmp/disk"
loop=$(losetup -f --show "$tmp/disk")
dev=$(block_dev_num "$loop")
w0=$(block_writes "$dev" size)
t0=$(block_writes "$dev" latency)
m0=$(probe_missed "$run" block block_rq_complete)
dd if=/dev/zero of="$loop" bs=4k count=$N_IO oflag=direct status=none
w1=$(block_writes "$dev" size)
t1=$(block_writes "$dev" latency)
missed=$(($(probe_missed "$run" block block_rq_complete) - m0))
echo "$loop: $((w1 - w0)) writes, $((t1 - t0)) timed, for $N_IO direct writes;" \
	"$missed nested completion runs skipped by the kernel meanwhile"
counted_all $N_IO $((w1 - w0)) $missed || fail "block counted $((w1 - w0)) writes, want $N_IO"
counted_all $N_IO $((t1 - t0)) $missed || fail "block timed $((t1 - t0)) writes, want $N_IO"
pass "$N_IO direct writes on $loop counted and timed, none lost but what the kernel says it skipped"

# Status names how each device's latency is taken: the loop device keeps
# statistics, so from its requests' own stamps, with block_rq_issue idle.
wait_for 5 sh -c "\"\$1\" status --runtime-dir \"\$2\" | grep -q 'latency of ${loop#/dev/}: request stamps'" \
	sh "$PERFAGENT" "$run" || fail "status: no latency method for $loop: $(pa status)"
pa status --json >"$tmp/status.json"
got=$(json_get "$tmp/status.json" "[(g['tracepoint'], g['idle']) for x in j['probes'] if x['name'] == 'block' for g in x['programs']]")
case "$got" in
*"('block_rq_issue', 'idle: requests carry their own issue stamps')"*) ;;
*) fail "block_rq_issue not idle: $got" ;;
esac
pass "status: ${loop#/dev/} timed by request stamps, block_rq_issue idle"

# Block: an interval's max is its largest I/O, not a bucket's edge nor the
# max since the start. 64 KiB writes, then, intervals later, writes of
# 16896 bytes (33 sectors, inside the bucket [16384, 17407]): an interval
# with those alone must say max 16896 (the bucket estimate said 17407).
dd if=/dev/zero of="$loop" bs=64k count=4 oflag=direct status=none
sleep 2.5	# two 1 s intervals: the 64 KiB writes are collected
# Writes until an interval shows (10 s at most: slow under make sanitize).
for _ in $(seq 100); do
	dd if=/dev/zero of="$loop" bs=16896 count=5 oflag=direct status=none
	sleep 0.1
done &
writer_pid=$!
# Writes max of the last interval's write sizes when they hold 16896s only.
size_max() {
	pa status --histograms --json >"$tmp/hists.json" 2>/dev/null || return 1
	json_get "$tmp/hists.json" "next((h['max'] for h in j['histograms'] \
		if h['entity'] == '${loop#/dev/} write' and h['name'] == 'size' and h['count'] \
		and all(b[0] <= 16896 <= b[1] for b in h['buckets'])), '')" >"$tmp/size_max"
	[ -n "$(cat "$tmp/size_max")" ]
}
wait_for 10 size_max || fail "no interval with 16896-byte writes alone: $(cat "$tmp/hists.json")"
kill "$writer_pid" 2>/dev/null || true
wait "$writer_pid" 2>/dev/null || true
got=$(cat "$tmp/size_max")
echo "write size max of an interval of 16896-byte writes, after 64 KiB ones: $got"
[ "$got" = 16896 ] || fail "interval write size max $got, want 16896"
pass "an interval's max is its largest value, not a bucket edge nor the max since start"

# TCP: N connects in a private namespace are N connect-latency samples. The
# namespace is held by a sleeping process and entered with nsenter: `ip netns`
# would change /'s mount propagation, which fails in a chroot.
unshare -n sleep infinity &
ns_pid=$!
in_ns() { nsenter -t "$ns_pid" -n -- "$@"; }
# shellcheck disable=SC2016 # the inner shell's $1
wait_for 5 sh -c '[ "$(readlink "/proc/$1/ns/net")" != "$(readlink /proc/self/ns/net)" ]' sh "$ns_pid" ||
	fail "no network namespace of its own"
in_ns ip link set lo up
connects="percpu(lambda v: count(v['connect_latency']))"
c0=$(map_eval tcp_stats "$connects")
in_ns python3 "$TESTS_DIR/tcp_connects.py" 7000 "$N_CONN"
c1=$(map_eval tcp_stats "$connects")
echo "connect-latency samples: $((c1 - c0)) for $N_CONN connects"
# Exact on a quiet host; connects elsewhere on the host may add a few.
if [ $((c1 - c0)) -lt $N_CONN ] || [ $((c1 - c0)) -gt $((N_CONN + 10)) ]; then
	fail "tcp counted $((c1 - c0)) connects, want $N_CONN"
fi
pass "$N_CONN connects in a namespace give as many connect-latency samples"

# TCP: a connect whose first SYN is dropped takes the retransmission
# timeout (1 s): its latency runs from the first SYN to the SYN-ACK taken
# in, not from the SYN that got through (the RTT the kernel keeps, from the
# timestamp option, said 1000 us here).
lat_sum="percpu(lambda v: v['connect_latency']['sum'])"
l0=$(map_eval tcp_stats "$lat_sum")
c0=$(map_eval tcp_stats "$connects")
in_ns nft -f - <<'EOF'
table inet pa_syn {
	chain out {
		type filter hook output priority 0;
		tcp dport 7002 tcp flags == syn drop
	}
}
EOF
in_ns python3 - <<'EOF'
import socket, subprocess, threading, time
l = socket.socket()
l.bind(("127.0.0.1", 7002))
l.listen()
def lift():
    time.sleep(0.3)
    subprocess.run(["nft", "delete table inet pa_syn"], check=True)
threading.Thread(target=lift).start()
c = socket.create_connection(("127.0.0.1", 7002), timeout=5)
EOF
l1=$(map_eval tcp_stats "$lat_sum")
c1=$(map_eval tcp_stats "$connects")
echo "connect with its first SYN dropped: $((c1 - c0)) sample, $((l1 - l0)) us"
# Connects elsewhere on the host may add a few samples of their own.
if [ $((c1 - c0)) -lt 1 ] || [ $((l1 - l0)) -lt 1000000 ] || [ $((l1 - l0)) -gt 3000000 ]; then
	fail "connect after a dropped SYN: $((c1 - c0)) samples, $((l1 - l0)) us, want 1 s to 3 s"
fi
pass "a connect after a dropped SYN counts from the first SYN: $((l1 - l0)) us"

# TCP: segments sent, then dropped on input by nftables, are retransmitted.
# The rule comes once connected: the handshake must get through. (Dropped on
# output, segments fail to send and are tried again without a retransmit.)
in_ns nft -f - <<'EOF'
table inet pa_test {
	chain in {
		type filter hook input priority 0;
	}
}
EOF
established="percpu(lambda v: v['retransmits'][1])"
r0=$(map_eval tcp_stats "$established")
in_ns python3 - <<'EOF'
import socket, subprocess, time
l = socket.socket()
l.bind(("127.0.0.1", 7001))
l.listen()
c = socket.create_connection(("127.0.0.1", 7001))
a, _ = l.accept()
subprocess.run(["nft", "add rule inet pa_test in tcp dport 7001 drop"], check=True)
c.send(b"x" * 1000)
time.sleep(2)  # RTO 200 ms, doubling: about 3 retransmits
EOF
r1=$(map_eval tcp_stats "$established")
echo "retransmits in ESTABLISHED: $((r1 - r0))"
[ $((r1 - r0)) -gt 0 ] || fail "no retransmit counted behind an nftables drop rule"
pass "retransmits behind an nftables drop rule counted, with their state"

# TCP: socket buffers at their maximum, the buffer rules' evidence, count in
# the agent's own namespace only. A bulk transfer on the namespace's loopback
# with 128 KiB / 64 KiB maxima: the daemon (host namespace) counts nothing,
# `metrics` run inside the namespace counts both sides.
buffers="percpu(lambda v: v['rcvbuf_at_sysctl_max'] + v['sndbuf_at_sysctl_max'])"
in_ns sysctl -qw net.ipv4.tcp_rmem="4096 65536 131072" net.ipv4.tcp_wmem="4096 16384 65536"
b0=$(map_eval tcp_stats "$buffers")
in_ns "$PERFAGENT" metrics --once --interval 3 --config /dev/null >"$tmp/ns_metrics" \
	2>"$tmp/ns_metrics.err" &
metrics_pid=$!
sleep 1
in_ns python3 "$TESTS_DIR/tcp_bulk.py" 1.5
wait "$metrics_pid" || fail "metrics in the namespace: $(cat "$tmp/ns_metrics.err")"
b1=$(map_eval tcp_stats "$buffers")
[ "$b1" = "$b0" ] || fail "the host's daemon counted $((b1 - b0)) buffer limits of another namespace"
rate() { awk -v m="$1" '$2 == m { print $3 }' "$tmp/ns_metrics"; }
echo "in the namespace: TcpRcvBufAtMax $(rate TcpRcvBufAtMax)/s, TcpSndBufAtMax $(rate TcpSndBufAtMax)/s"
awk -v r="$(rate TcpRcvBufAtMax)" -v s="$(rate TcpSndBufAtMax)" 'BEGIN { exit !(r > 0 && s > 0) }' ||
	fail "buffer limits not counted in their namespace: $(grep BufAt "$tmp/ns_metrics")"
pass "buffers at their maximum counted in the agent's namespace, not in another"

# Sched: every sleep ends with a wakeup and a wait to run.
waits="percpu(lambda v: count(v['runq_latency']))"
s0=$(map_eval sched_stats "$waits")
python3 -c 'import time
for _ in range(200): time.sleep(0.002)'
s1=$(map_eval sched_stats "$waits")
echo "run-queue waits: $((s1 - s0)) during 200 sleeps"
[ $((s1 - s0)) -ge 200 ] || fail "only $((s1 - s0)) run-queue waits for 200 sleeps"
pass "sleep/wake shows in run-queue latency"

# Sched keeps nanoseconds: some wait of the last interval falls in a bucket
# that holds no whole microsecond (waits floored to microseconds never do).
wait_for 5 sh -c "\"\$1\" status --histograms --json --runtime-dir \"\$2\" >\"\$3\"" \
	sh "$PERFAGENT" "$run" "$tmp/hists.json" || fail "status --histograms failed"
got=$(json_get "$tmp/hists.json" "[(h['unit'], any(b[2] and b[0] // 1000 == b[1] // 1000 and b[0] % 1000 \
	for b in h['buckets'])) for h in j['histograms'] if h['name'] == 'runq_latency' and h['entity'] == 'host']")
[ "$got" = "[('nsecs', True)]" ] || fail "run-queue waits not kept in nanoseconds: $got"
pass "run-queue waits kept in nanoseconds"

# disable_probes on reload: tcp stops, its maps go, the others stay.
printf 'disable_probes = tcp\n' >>"$conf"
kill -HUP "$daemon_pid"
wait_for 5 sh -c "'$PERFAGENT' status --json --runtime-dir '$run' | grep -q '\"disabled in config\"'" ||
	fail "tcp not disabled after reload"
pa status --json >"$tmp/status.json"
got=$(json_get "$tmp/status.json" "sorted((x['name'], x['state']) for x in j['probes'])")
[ "$got" = "[('block', 'running'), ('sched', 'running'), ('tcp', 'disabled')]" ] ||
	fail "after reload: $got"
[ "$(map_eval tcp_stats 1)" = absent ] || fail "tcp maps still held after disable"
pass "disable_probes = tcp stops that probe only"

# The links the daemon holds must all be gone once it has stopped.
links=$(bpf_link_ids "$daemon_pid")
[ -n "$links" ] || fail "the daemon holds no BPF link"
kill "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=
# shellcheck disable=SC2086 # one argument per id
left=$(bpf_links_alive $links)
[ -z "$left" ] || fail "BPF links left after stop: $left"
pass "stopped: no BPF link left"
