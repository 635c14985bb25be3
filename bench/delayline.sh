#!/bin/bash
# Two network namespaces joined only through bench/delayline: a path with a
# real one-way delay, optional loss and rate limit, for benches on hosts
# without netem. Run as root from anywhere:
#
#   bench/delayline.sh [-d MS] [-l PERCENT] [-s SEED] [-r MBIT] [-q PACKETS] [COMMAND [ARG...]]
#
# Namespaces pa-dl-a and pa-dl-b each get a TUN device dl0 (MTU 1500),
# 10.200.0.1/24 in a and 10.200.0.2/24 in b, and nothing else but lo. The
# delay line forwards between the two TUN devices with the options given.
# With a COMMAND, it runs in the host's namespace with DL_NS_A, DL_NS_B,
# DL_ADDR_A, DL_ADDR_B and DL_PID (the delay line's pid: SIGUSR1 prints its
# counters) in its environment, and its exit status is the script's; without
# one, the line runs until Ctrl-C. Either way, on exit, processes left in
# the namespaces are ended, the delay line stopped (printing its counters)
# and the namespaces deleted, leaving the host as it was. build/delayline is built from bench/delayline.c when missing or
# older than its source; DELAYLINE=PROGRAM runs PROGRAM instead, as is (a
# wrapper running it under valgrind, say).
set -euo pipefail

NS_A=pa-dl-a NS_B=pa-dl-b
ADDR_A=10.200.0.1 ADDR_B=10.200.0.2
TUN=dl0 MTU=1500
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${DELAYLINE:-$root/build/delayline}

usage() {
	echo "usage: $0 [-d MS] [-l PERCENT] [-s SEED] [-r MBIT] [-q PACKETS] [COMMAND [ARG...]]" >&2
	exit 2
}

args=()
while getopts ":d:l:s:r:q:h" opt; do
	case $opt in
	d | l | s | r | q) args+=("-$opt" "$OPTARG") ;;
	h) usage ;;
	:) echo "$0: -$OPTARG needs a value" >&2; usage ;;
	*) echo "$0: unknown option -$OPTARG" >&2; usage ;;
	esac
done
shift $((OPTIND - 1))

[ "$(id -u)" = 0 ] || { echo "$0: run as root" >&2; exit 1; }
for ns in "$NS_A" "$NS_B"; do
	if [ -e "/run/netns/$ns" ]; then
		echo "$0: network namespace $ns exists (another run, or one killed" \
			"with -9?); remove it with: ip netns del $ns" >&2
		exit 1
	fi
done
if [ -n "${DELAYLINE:-}" ]; then
	[ -x "$bin" ] || { echo "$0: DELAYLINE=$bin is not executable" >&2; exit 1; }
elif [ ! -x "$bin" ] || [ "$root/bench/delayline.c" -nt "$bin" ]; then
	mkdir -p "$(dirname "$bin")"
	${CC:-cc} -std=c11 -O2 -Wall -Wextra -o "$bin" "$root/bench/delayline.c"
fi

# stop_leftovers: ends what COMMAND left running inside the namespaces (an
# iperf3 server, say), which would otherwise keep a deleted namespace alive:
# SIGTERM, then SIGKILL after 3 s. Done while the line still runs, so they
# can still say goodbye to their peers.
stop_leftovers() {
	local pids ns
	for _ in $(seq 30); do
		pids=
		for ns in "$NS_A" "$NS_B"; do
			[ -e "/run/netns/$ns" ] && pids="$pids $(ip netns pids "$ns")"
		done
		[ -z "${pids// /}" ] && return 0
		# shellcheck disable=SC2086 # one pid per word
		kill -TERM $pids 2>/dev/null || true
		sleep 0.1
	done
	# shellcheck disable=SC2086
	kill -KILL $pids 2>/dev/null || true
}

dl_pid=
cleanup() {
	local rc=$?
	trap - EXIT INT TERM
	stop_leftovers
	if [ -n "$dl_pid" ] && kill -0 "$dl_pid" 2>/dev/null; then
		kill -TERM "$dl_pid"
		wait "$dl_pid" || true
	fi
	ip netns del "$NS_A" 2>/dev/null || true
	ip netns del "$NS_B" 2>/dev/null || true
	exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

for side in a b; do
	if [ $side = a ]; then ns=$NS_A addr=$ADDR_A; else ns=$NS_B addr=$ADDR_B; fi
	ip netns add "$ns"
	ip -n "$ns" link set lo up
	# IPv4 only, so the counters count the bench's packets and little else.
	ip netns exec "$ns" sysctl -qw net.ipv6.conf.all.disable_ipv6=1 \
		net.ipv6.conf.default.disable_ipv6=1
	ip -n "$ns" tuntap add dev "$TUN" mode tun
	ip -n "$ns" link set "$TUN" mtu "$MTU" up
	ip -n "$ns" addr add "$addr/24" dev "$TUN"
done

"$bin" -a "$NS_A:$TUN" -b "$NS_B:$TUN" "${args[@]}" &
dl_pid=$!
# The TUN devices get their carrier when the delay line attaches.
for _ in $(seq 50); do
	kill -0 "$dl_pid" 2>/dev/null || { dl_pid=; echo "$0: the delay line failed" >&2; exit 1; }
	if ip -n "$NS_A" link show "$TUN" | grep -q LOWER_UP &&
		ip -n "$NS_B" link show "$TUN" | grep -q LOWER_UP; then
		break
	fi
	sleep 0.1
done

export DL_NS_A=$NS_A DL_NS_B=$NS_B DL_ADDR_A=$ADDR_A DL_ADDR_B=$ADDR_B DL_PID=$dl_pid
if [ $# -gt 0 ]; then
	"$@"
else
	echo "delay line up: $NS_A $ADDR_A <-> $NS_B $ADDR_B; Ctrl-C stops it" >&2
	wait "$dl_pid"
fi
