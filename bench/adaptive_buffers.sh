#!/usr/bin/env bash
# Efficacy of the socket-buffer rules (issue 19) through the agent, over a
# path with real delay: bench/delayline.sh's TUN delay line, 50 ms each way
# (100 ms RTT). One bulk TCP transfer (iperf3, cubic) from namespace a to b
# with a small autotuning maximum on one side:
#
#   bench/adaptive_buffers.sh receive  # tcp_rmem max 256 KiB in b (the receiver);
#                                      # the agent runs in b
#   bench/adaptive_buffers.sh send     # tcp_wmem max 256 KiB in a (the sender);
#                                      # the agent runs in a
#
# It prints the throughput of a transfer before the agent starts, then of
# each 10 s of a long transfer while the agent runs (with the knob's value at
# the end of each window), then of a transfer after, and the agent's
# adaptive.log; last, revert must restore the small maximum exactly. The
# rules are the shipped ones, extracted from tuning-profiles/base.conf, with
# one change so that a run takes minutes: cooldown COOLDOWN (default 20 s,
# shipped 300 s). The agent's interval is 2 s. Root, after make; needs
# iperf3 and jq. The host is untouched: everything runs in the namespaces.
set -euo pipefail

here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
PERFAGENT=${PERFAGENT:-$root/build/perfagent}
COOLDOWN=${COOLDOWN:-20}
RUN_SECS=${RUN_SECS:-120}
SMALL=262144 LARGE=67108864

nsa() { ip netns exec "$DL_NS_A" "$@"; }
nsb() { ip netns exec "$DL_NS_B" "$@"; }

# rules FILE: the shipped [adapt.tcp-rmem] and [adapt.tcp-wmem] sections
# with the bench's cooldown.
rules() {
	{
		printf '[profile]\nsummary = socket-buffer rules bench\nkind = class\n\n'
		awk '/^\[/ { keep = ($0 == "[adapt.tcp-rmem]" || $0 == "[adapt.tcp-wmem]") }
		     keep && !/^#/' "$root/tuning-profiles/base.conf" |
			sed "s/^cooldown = .*/cooldown = $COOLDOWN/"
	} >"$1"
}

# transfer SECS [INTERVAL]: iperf3 from a to b; prints one line per interval
# (with the knob's value at its end) or, without INTERVAL, the receiver's
# throughput of the whole run.
transfer() {
	local secs=$1 every=${2:-}
	if [ -z "$every" ]; then
		nsa iperf3 -c "$DL_ADDR_B" -t "$secs" -J |
			jq -r '"\(.end.sum_received.bits_per_second / 1e6 | floor) Mbit/s, retransmits \(.end.sum_sent.retransmits)"'
		return
	fi
	(
		for t in $(seq "$every" "$every" "$secs"); do
			sleep "$every"
			printf '%s %s\n' "$t" "$(ip netns exec "$agent_ns" cat "$knob_path" | awk '{ print $3 }')"
		done
	) >"$tmp/knob" &
	local sampler=$!
	nsa iperf3 -c "$DL_ADDR_B" -t "$secs" -i "$every" -J >"$tmp/run.json"
	wait "$sampler" || true
	jq -r '.intervals[] | .sum | "\(.end | floor) \(.bits_per_second / 1e6 | floor)"' "$tmp/run.json" |
		join - "$tmp/knob" |
		awk '{ printf "  %4d s  %6d Mbit/s  %s max %d KiB\n", $1, $2, knob, $3 / 1024 }' knob="$knob"
}

phase() {
	local side=$1 agent_pid
	tmp=$(mktemp -d /tmp/perfagent-buffers.XXXXXX)
	chmod 0755 "$tmp"
	trap 'kill "${srv:-}" "${agent_pid:-}" 2>/dev/null || true; rm -rf "$tmp"' EXIT
	if [ "$side" = receive ]; then
		agent_ns=$DL_NS_B knob=tcp_rmem
		nsb sysctl -qw net.ipv4.tcp_rmem="4096 131072 $SMALL"
		nsa sysctl -qw net.ipv4.tcp_wmem="4096 16384 $LARGE"
	else
		agent_ns=$DL_NS_A knob=tcp_wmem
		nsa sysctl -qw net.ipv4.tcp_wmem="4096 16384 $SMALL"
		nsb sysctl -qw net.ipv4.tcp_rmem="4096 131072 $LARGE"
	fi
	knob_path=/proc/sys/net/ipv4/$knob
	original=$(ip netns exec "$agent_ns" cat "$knob_path")
	mkdir -p "$tmp/profiles"
	rules "$tmp/profiles/bench.conf"
	printf 'interval = 2\nimds = off\nmetrics = off\nmode = apply\nprofile = bench\n' >"$tmp/conf"
	ip netns exec "$DL_NS_B" iperf3 -s >/dev/null &
	srv=$!
	sleep 1

	echo "== $side side: $knob max $((SMALL / 1024)) KiB where the agent runs, 100 ms RTT"
	echo "before the agent (20 s): $(transfer 20)"
	PERFAGENT_PROFILE_DIR=$tmp/profiles ip netns exec "$agent_ns" "$PERFAGENT" daemon \
		--config "$tmp/conf" --root "" --runtime-dir "$tmp/run" --state-dir "$tmp/state" \
		2>"$tmp/agent.log" &
	agent_pid=$!
	echo "with the agent (${RUN_SECS} s; rules of base.conf, cooldown ${COOLDOWN} s):"
	transfer "$RUN_SECS" 10
	kill "$agent_pid"
	wait "$agent_pid" || true
	agent_pid=
	echo "after, the agent stopped, its values in place (20 s): $(transfer 20)"
	echo "adaptive.log:"
	sed 's/^/  /' "$tmp/state/adaptive.log" 2>/dev/null || echo "  (none)"
	PERFAGENT_PROFILE_DIR=$tmp/profiles ip netns exec "$agent_ns" "$PERFAGENT" revert --root "" \
		--state-dir "$tmp/state" --config /dev/null >/dev/null
	if [ "$(ip netns exec "$agent_ns" cat "$knob_path")" = "$original" ]; then
		echo "revert: $knob back to $(echo "$original" | tr '\t' ' ')"
	else
		echo "revert: $knob is $(ip netns exec "$agent_ns" cat "$knob_path"), not $original" >&2
		exit 1
	fi
}

if [ "${1:-}" = --phase ]; then
	phase "$2"
	exit 0
fi
side=${1:-receive}
case $side in receive | send) ;; *) echo "usage: $0 receive|send" >&2; exit 2 ;; esac
[ "$(id -u)" = 0 ] || { echo "$0: run as root" >&2; exit 1; }
for tool in iperf3 jq; do
	command -v "$tool" >/dev/null || { echo "$0: $tool is missing" >&2; exit 1; }
done
echo "machine: $(uname -r), $(nproc) vCPUs; $(iperf3 --version | head -1); $(date -u +%Y-%m-%d)"
exec "$here/delayline.sh" -d 50 "$0" --phase "$side"
