#!/usr/bin/env bash
# Plan + apply time: perfagent against tuned, side by side in the same run.
#
#   bench/tune_apply.sh [RUNS]        (root; tuned installed; build/perfagent built)
#
# Part 1, same knobs for both: six per-namespace net.* sysctls, applied for
# real inside a private network and mount namespace (unshare -n -m), so the
# host is never touched. Before every timed run the values are reset, so each
# run really writes. tuned runs one-shot (daemon = 0, no D-Bus, no socket,
# reapply_sysctl = 0) from a private /etc/tuned bind-mounted over the real one.
#
# Part 2: perfagent's largest shipped profile (network) planned (--dry-run)
# and applied on a fake /proc+/sys tree, restored before every run.
#
# Times are wall-clock per command, process start-up included: what boot pays.
set -eu
runs=${1:-20}
top=$(cd "$(dirname "$0")/.." && pwd)
perfagent=$top/build/perfagent
[ "$(id -u)" -eq 0 ] || { echo "needs root" >&2; exit 1; }
command -v tuned >/dev/null || { echo "needs tuned (apt-get install tuned)" >&2; exit 1; }
[ -x "$perfagent" ] || { echo "build first: make" >&2; exit 1; }

tmp=$(mktemp -d /tmp/perfagent-bench.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# The knobs, as "key value".
knobs='net.core.somaxconn 8192
net.ipv4.tcp_slow_start_after_idle 0
net.ipv4.tcp_max_syn_backlog 8192
net.ipv4.tcp_notsent_lowat 131072
net.ipv4.tcp_rmem 4096 131072 16777216
net.ipv4.tcp_wmem 4096 16384 16777216'

mkdir -p "$tmp/etc-tuned/pa-bench" "$tmp/profiles" "$tmp/state"
printf 'daemon = 0\ndynamic_tuning = 0\nreapply_sysctl = 0\nrecommend_command = 0\n' \
	>"$tmp/etc-tuned/tuned-main.conf"
{
	printf '[main]\nsummary=perfagent bench\n[sysctl]\n'
	echo "$knobs" | while read -r k v; do printf '%s="%s"\n' "$k" "$v"; done
} >"$tmp/etc-tuned/pa-bench/tuned.conf"
{
	printf '[profile]\nsummary = bench\n\n[sysctl]\n'
	echo "$knobs" | while read -r k v; do printf '# bench\n%s = %s\n' "$k" "$v"; done
} >"$tmp/profiles/bench.conf"
: >"$tmp/perfagent.conf"

cat >"$tmp/inside.sh" <<INNER
set -eu
mount --bind "$tmp/etc-tuned" /etc/tuned
mkdir -p /run/tuned
ms() { echo \$(( \$(date +%s%N) / 1000000 )); }
us() { echo \$(( \$(date +%s%N) / 1000 )); }
orig=\$(echo "$knobs" | while read -r k v; do echo "\$k \$(sysctl -n \$k | tr '\t' ' ')"; done)
reset() { echo "\$orig" | while read -r k v; do sysctl -q -w "\$k=\$v"; done; rm -f "$tmp/state/journal.json"; }
for i in \$(seq 1 $runs); do
	reset
	t0=\$(us); tuned --no-dbus --no-socket --profile pa-bench -l "$tmp/tuned.log" >/dev/null 2>&1; t1=\$(us)
	[ "\$(sysctl -n net.core.somaxconn)" = 8192 ] || { echo "tuned did not apply" >&2; exit 1; }
	echo "tuned \$((t1 - t0))"
	reset
	t0=\$(us); PERFAGENT_PROFILE_DIR="$tmp/profiles" "$perfagent" apply --profile bench \
		--config "$tmp/perfagent.conf" --state-dir "$tmp/state" --no-imds >/dev/null; t1=\$(us)
	[ "\$(sysctl -n net.core.somaxconn)" = 8192 ] || { echo "perfagent did not apply" >&2; exit 1; }
	echo "perfagent \$((t1 - t0))"
done
INNER
unshare -m -n bash "$tmp/inside.sh" >"$tmp/part1"

"$top/tests/system/tune_tree.sh" "$tmp/tree" >/dev/null
cp -a "$tmp/tree" "$tmp/tree.orig"
for i in $(seq 1 "$runs"); do
	rm -rf "$tmp/tree" "$tmp/state2"
	cp -a "$tmp/tree.orig" "$tmp/tree"
	t0=$(($(date +%s%N) / 1000))
	PERFAGENT_PROFILE_DIR=$top/tuning-profiles "$perfagent" apply --dry-run --root "$tmp/tree" \
		--config "$tmp/perfagent.conf" --state-dir "$tmp/state2" --no-imds >/dev/null
	t1=$(($(date +%s%N) / 1000))
	PERFAGENT_PROFILE_DIR=$top/tuning-profiles "$perfagent" apply --root "$tmp/tree" \
		--config "$tmp/perfagent.conf" --state-dir "$tmp/state2" --no-imds >/dev/null
	t2=$(($(date +%s%N) / 1000))
	echo "plan-network $((t1 - t0))"
	echo "apply-network $((t2 - t1))"
done >"$tmp/part2"

summary() { # NAME FILE: median, min, max in ms
	grep "^$1 " "$2" | awk '{print $2}' | sort -n | awk -v name="$1" '
		{ v[NR] = $1 }
		END { printf "%-14s runs %3d  median %7.2f ms  min %7.2f ms  max %7.2f ms\n",
			name, NR, v[int((NR + 1) / 2)] / 1000, v[1] / 1000, v[NR] / 1000 }'
}
echo "machine: $(uname -r), $(nproc) vCPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')"
echo "tuned: $(tuned --version 2>&1), perfagent: $("$perfagent" version)"
echo "six net.* sysctls in a private netns (wall time per command):"
summary tuned "$tmp/part1"
summary perfagent "$tmp/part1"
echo "largest shipped profile (network) on a fake tree:"
summary plan-network "$tmp/part2"
summary apply-network "$tmp/part2"
