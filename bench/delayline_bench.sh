#!/bin/bash
# Efficacy bench for TCP buffer tuning (issue 19) over bench/delayline.sh:
# the delay line's own ceiling, the delay it really adds, its loss, and one
# bulk TCP transfer over a 100 ms RTT path with small buffer maxima, then
# with the ones perfagent ships (tuning-profiles/general.conf). Run as root:
#
#   bench/delayline_bench.sh [SECONDS] [CONGESTION_CONTROL]
#
# SECONDS (default 20) is each transfer of the buffer case; the ceiling runs
# last CEIL_SECS (default 10). CONGESTION_CONTROL (default cubic, the
# kernel's default) is set on iperf3's sockets: a namespace other than the
# host's may only choose among net.ipv4.tcp_allowed_congestion_control.
# REPS (default 3) repeats the ceiling and buffer runs, alternating their
# variants. Needs iperf3, ping (iputils-ping), jq and ethtool. The host is
# not changed: every sysctl is set inside the bench's namespaces.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
if [ "${1:-}" != --phase ]; then
	export BENCH_SECS=${1:-20} BENCH_CC=${2:-cubic} REPS=${REPS:-3}
	export CEIL_SECS=${CEIL_SECS:-10}
fi
DELAY_MS=50

# Autotuning maxima, small (256 KiB) and large (general.conf's 16 MiB), set
# per namespace. net.core.rmem_max and wmem_max are not: inside a namespace
# they are the host's, read-only (only SO_RCVBUF/SO_SNDBUF are bounded by
# them, and iperf3 without -w sets neither).
SMALL_TCP_RMEM="4096 131072 262144" SMALL_TCP_WMEM="4096 16384 262144"
LARGE_TCP_RMEM="4096 131072 16777216" LARGE_TCP_WMEM="4096 16384 16777216"

nsa() { ip netns exec "$DL_NS_A" "$@"; }
nsb() { ip netns exec "$DL_NS_B" "$@"; }

# cpu_ticks PID: user + system clock ticks PID has used.
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat"; }

# The server is started with ip netns exec itself, not nsb, so that $! is
# iperf3 (ip execs it) and not a subshell that would leave it behind.
srv_pid=
start_server() {
	ip netns exec "$DL_NS_B" iperf3 -s >/dev/null &
	srv_pid=$!
	for _ in $(seq 50); do
		nsb ss -Hltn 'sport = :5201' | grep -q . && return 0
		sleep 0.1
	done
	echo "iperf3 server did not start" >&2
	exit 1
}
stop_server() {
	if [ -n "$srv_pid" ]; then
		kill "$srv_pid" 2>/dev/null || true
		for _ in $(seq 30); do
			kill -0 "$srv_pid" 2>/dev/null || break
			sleep 0.1
		done
		kill -KILL "$srv_pid" 2>/dev/null || true
		wait "$srv_pid" 2>/dev/null || true
	fi
	srv_pid=
}

# tx_dropped DEV: packets DEV in namespace a dropped on transmit. For the
# TUN device, those its ring (txqueuelen packets) had no room for: the
# delay line was not reading fast enough.
tx_dropped() { ip -n "$DL_NS_A" -s -j link show "$1" | jq '.[0].stats64.tx.dropped'; }

# transfer LABEL ADDR SECS: one iperf3 transfer from a to ADDR in b; prints
# receiver throughput, retransmits, mean RTT, largest cwnd, packets dropped
# on a's side of the path and, when the path is the delay line, the share
# of one CPU the line used. Its throughput in Mbit/s is appended to
# $tmp/LABEL.
transfer() {
	local label=$1 addr=$2 secs=$3 dev=veth0 t0 t1 d0 d1 line_cpu=
	[ "$addr" = "$DL_ADDR_B" ] && dev=dl0
	t0=$(cpu_ticks "$DL_PID") d0=$(tx_dropped $dev)
	nsa iperf3 -c "$addr" -t "$secs" -C "$BENCH_CC" -J >"$tmp/out.json"
	t1=$(cpu_ticks "$DL_PID") d1=$(tx_dropped $dev)
	if [ $dev = dl0 ]; then
		line_cpu=$(awk -v d=$((t1 - t0)) -v hz="$(getconf CLK_TCK)" -v s="$secs" \
			'BEGIN { printf "  line CPU %3.0f %%", 100 * d / hz / s }')
	fi
	jq -r --arg l "$label" '
		.end as $e | $e.streams[0].sender as $s |
		"\($l)\t\($e.sum_received.bits_per_second / 1e6)\t\($e.sum_sent.retransmits)\t\($s.mean_rtt / 1000)\t\($s.max_snd_cwnd / 1024)"' \
		"$tmp/out.json" |
		awk -F'\t' -v drops=$((d1 - d0)) -v dev=$dev -v extra="$line_cpu" '{
			printf "%-12s %8.1f Mbit/s  retrans %6d  mean RTT %7.2f ms  max cwnd %6.0f KiB  %s drops %5d%s\n",
			       $1, $2, $3, $4, $5, dev, drops, extra }'
	jq -r '.end.sum_received.bits_per_second / 1e6' "$tmp/out.json" >>"$tmp/$label"
}

# summary LABEL...: median, min and max of each label's throughputs.
summary() {
	local l
	for l in "$@"; do
		sort -n "$tmp/$l" | awk -v l="$l" '{ v[NR] = $1 } END {
			m = NR % 2 ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2
			printf "%-12s runs %d  median %8.1f Mbit/s  min %8.1f  max %8.1f\n", l, NR, m, v[1], v[NR] }'
	done
}

# ping_stats NS ADDR COUNT INTERVAL: the loss and rtt lines of ping -q.
ping_stats() {
	ip netns exec "$1" ping -q -c "$3" -i "$4" "$2" | grep -E 'packet loss|^rtt' | sed 's/^/  /'
}

# set_buffers small|large: the autotuning maxima in both namespaces.
set_buffers() {
	local rmem wmem ns
	if [ "$1" = small ]; then
		rmem=$SMALL_TCP_RMEM wmem=$SMALL_TCP_WMEM
	else
		rmem=$LARGE_TCP_RMEM wmem=$LARGE_TCP_WMEM
	fi
	for ns in "$DL_NS_A" "$DL_NS_B"; do
		ip netns exec "$ns" sysctl -qw net.ipv4.tcp_rmem="$rmem" net.ipv4.tcp_wmem="$wmem"
	done
}

phase_ceiling() {
	# A veth pair between the same two namespaces: the path without the line.
	ip -n "$DL_NS_A" link add veth0 type veth peer name veth0 netns "$DL_NS_B"
	ip -n "$DL_NS_A" addr add 10.201.0.1/24 dev veth0
	ip -n "$DL_NS_B" addr add 10.201.0.2/24 dev veth0
	ip -n "$DL_NS_A" link set veth0 mtu 1500 up
	ip -n "$DL_NS_B" link set veth0 mtu 1500 up

	echo "== ping, 0 ms delay: delay line vs veth (200 pings, 20 ms apart)"
	echo "delay line"; ping_stats "$DL_NS_A" "$DL_ADDR_B" 200 0.02
	echo "veth"; ping_stats "$DL_NS_A" 10.201.0.2 200 0.02

	echo "== ceiling, 0 ms delay, ${CEIL_SECS} s per run, $BENCH_CC, buffers as the namespaces inherit them"
	echo "   (tcp_rmem $(nsa sysctl -n net.ipv4.tcp_rmem | tr '\t' ' '), tcp_wmem $(nsa sysctl -n net.ipv4.tcp_wmem | tr '\t' ' '))"
	start_server
	for rep in $(seq "$REPS"); do
		if [ $((rep % 2)) = 1 ]; then order="line veth"; else order="veth line"; fi
		for v in $order; do
			if [ "$v" = line ]; then
				transfer line "$DL_ADDR_B" "$CEIL_SECS"
			else
				transfer veth 10.201.0.2 "$CEIL_SECS"
			fi
		done
	done
	# veth hands 64 KiB GSO segments over; the TUN line moves one MTU-sized
	# packet per read and write. Without offloads veth is closer to that.
	for ns in "$DL_NS_A" "$DL_NS_B"; do
		ip netns exec "$ns" ethtool -K veth0 tso off gso off gro off >/dev/null 2>&1
	done
	for _ in $(seq "$REPS"); do
		transfer veth-no-gso 10.201.0.2 "$CEIL_SECS"
	done
	stop_server
	summary line veth veth-no-gso
	kill -USR1 "$DL_PID"; sleep 0.1
}

phase_delay() {
	echo "== ping, ${DELAY_MS} ms each way (300 pings, 200 ms apart)"
	ping_stats "$DL_NS_A" "$DL_ADDR_B" 300 0.2
}

phase_loss() {
	echo "== ping, ${DELAY_MS} ms each way, 1 % loss each way (1000 pings, 10 ms apart; expected loss 1.99 %)"
	ping_stats "$DL_NS_A" "$DL_ADDR_B" 1000 0.01 || true
}

phase_buffers() {
	echo "== bulk transfer a -> b, ${DELAY_MS} ms each way, ${BENCH_SECS} s per run, $BENCH_CC"
	echo "   small: tcp_rmem $SMALL_TCP_RMEM, tcp_wmem $SMALL_TCP_WMEM"
	echo "   large: tcp_rmem $LARGE_TCP_RMEM, tcp_wmem $LARGE_TCP_WMEM"
	echo "   (rmem_max $(nsa sysctl -n net.core.rmem_max), wmem_max $(nsa sysctl -n net.core.wmem_max): the host's, read-only here)"
	start_server
	for _ in $(seq "$REPS"); do
		for size in small large; do
			set_buffers "$size"
			transfer "$size" "$DL_ADDR_B" "$BENCH_SECS"
			kill -USR1 "$DL_PID"; sleep 0.1
		done
	done
	stop_server
	summary small large
}

if [ "${1:-}" = --phase ]; then
	tmp=$(mktemp -d)
	trap 'stop_server; rm -rf "$tmp"' EXIT
	"phase_$2"
	exit 0
fi

[ "$(id -u)" = 0 ] || { echo "$0: run as root" >&2; exit 1; }
for tool in iperf3 ping jq ethtool; do
	command -v "$tool" >/dev/null || { echo "$0: $tool is missing" >&2; exit 1; }
done
echo "machine: $(uname -r), $(nproc) vCPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
echo "$(iperf3 --version | head -1), $(date -u +%Y-%m-%d)"
"$here/delayline.sh" -d 0 "$0" --phase ceiling
"$here/delayline.sh" -d "$DELAY_MS" "$0" --phase delay
"$here/delayline.sh" -d "$DELAY_MS" -l 1 "$0" --phase loss
"$here/delayline.sh" -d "$DELAY_MS" "$0" --phase buffers
