#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Long suite: revert is exact after any chain of interrupted applies and
# reverts (issue 15). Each iteration: apply P1, apply P2 (other values, some
# "only raise"), revert, each killed by strace (SIGKILL) on entering a random
# openat or rename, or left to finish when the number drawn is past its last
# one; then a full apply of P1, which verify must pass (whatever the chain
# left, restored knobs included, is settled), and a full revert. The knobs
# must then be exactly as they were, with no journal left.
#
# fake (the default): a fresh fake /proc and /sys tree with 20 sysctls each
# iteration, compared byte for byte. Kills land at an open, never mid-write:
# the open's O_TRUNC would empty a fake tree's file, which /proc ignores.
# netns: the real /proc/sys of a network namespace of its own (unshare -n),
# 11 per-namespace net.ipv4 sysctls; the host's values are never touched.
#
#   tests/long/crash_chains_random.sh [ITERATIONS] [SEED] [fake|netns]
#   (defaults 1000, random, fake)
set -eu
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
need_root
command -v strace >/dev/null || fail "strace is needed (apt-get install strace)"
[ -x "$PERFAGENT" ] || fail "$PERFAGENT is missing: run make first"
unset PERFAGENT_SYSROOT PERFAGENT_STATE_DIR STATE_DIRECTORY PERFAGENT_CONFIG

iterations=${1:-1000}
seed=${2:-$$}
target=${3:-fake}
case $target in
fake) ;;
netns)
	if [ -z "${CHAINS_IN_NETNS:-}" ]; then
		CHAINS_IN_NETNS=1 exec unshare --net bash "$0" "$iterations" "$seed" netns
	fi ;;
*) fail "unknown target $target: fake or netns" ;;
esac
RANDOM=$seed
work=$(mktemp -d /tmp/crash_chains_random.XXXXXX)
trap 'rm -rf "$work"' EXIT
pdir=$work/profiles
mkdir -p "$pdir"
if [ "$target" = fake ]; then
	N=20
	knobs=()
	for i in $(seq 1 "$N"); do knobs+=("kernel.perfagent_test.k$i"); done
else
	knobs=(net.ipv4.tcp_keepalive_time net.ipv4.tcp_keepalive_intvl net.ipv4.tcp_keepalive_probes
		net.ipv4.tcp_fin_timeout net.ipv4.tcp_syn_retries net.ipv4.tcp_synack_retries
		net.ipv4.tcp_retries1 net.ipv4.tcp_retries2 net.ipv4.tcp_orphan_retries
		net.ipv4.ip_default_ttl net.ipv4.tcp_reordering)
	N=${#knobs[@]}
fi
# Values every one of those knobs accepts: P1 21..40, P2 41..60.
{
	printf '[profile]\nsummary = chain P1\n\n[sysctl]\n'
	for i in $(seq 1 "$N"); do echo "${knobs[i - 1]} = $((20 + i))"; done
} >"$pdir/p1.conf"
{
	printf '[profile]\nsummary = chain P2\n\n[sysctl]\n'
	for i in $(seq 1 "$N"); do
		if [ $((i % 3)) = 0 ]; then echo "${knobs[i - 1]} = >$((40 + i))"
		else echo "${knobs[i - 1]} = $((40 + i))"; fi
	done
} >"$pdir/p2.conf"

root=$work/root
state=$work/state
if [ "$target" = fake ]; then
	tests/system/tune_tree.sh "$work/pristine" --many "$N" >/dev/null
	tree_snapshot "$work/pristine" >"$work/before"
	root_args=(--root "$root")
else
	# The namespace's own values, which every iteration must leave as found.
	for k in "${knobs[@]}"; do echo "$k $(cat "/proc/sys/${k//.//}")"; done >"$work/before"
	root_args=()
fi
# reset_target: the knobs as they were before the first iteration, no state.
reset_target() {
	rm -rf "$root" "$state"
	if [ "$target" = fake ]; then
		cp -a "$work/pristine" "$root"
	else
		while read -r k v; do echo "$v" >"/proc/sys/${k//.//}"; done <"$work/before"
	fi
}
# same_target WHAT: fails, showing the difference, unless the knobs are as before.
same_target() {
	if [ "$target" = fake ]; then
		same_tree "$root" "$work/before" "$1"
		return
	fi
	for k in "${knobs[@]}"; do echo "$k $(cat "/proc/sys/${k//.//}")"; done >"$work/now"
	diff -u "$work/before" "$work/now" >&2 || fail "$1: the sysctls differ"
}
step_argv() { # step_argv OP [PROFILE]: sets argv to the command line of one step
	case $1 in
	apply) argv=("$PERFAGENT" apply "${root_args[@]}" --state-dir "$state" --config /dev/null
		--profile "$2" --profile-dir "$pdir" --no-imds) ;;
	revert | verify)
		argv=("$PERFAGENT" "$1" "${root_args[@]}" --state-dir "$state" --config /dev/null) ;;
	esac
}
# step OP [PROFILE]: one step, to the end.
step() {
	local out
	step_argv "$@"
	out=$("${argv[@]}" 2>&1) ||
		fail "iteration $it: the full $1 failed after $(tr '\n' ',' <"$work/chain"): $out"
}
# calls OP [PROFILE]: how many openat and rename calls the step makes, in a
# reference run on the pristine tree (apply P1) or after a full apply of P1.
calls() {
	reset_target
	if [ "$*" != "apply p1" ]; then
		step_argv apply p1
		"${argv[@]}" >/dev/null 2>&1 || fail "reference apply failed"
	fi
	step_argv "$@"
	traced -o "$work/ref" -e trace=openat,rename -e signal=none "${argv[@]}" >/dev/null 2>&1 || true
	echo "$(grep -c ' openat(' "$work/ref") $(grep -c ' rename(' "$work/ref")"
}
declare -A opens renames
for s in "apply p1" "apply p2" "revert"; do
	# shellcheck disable=SC2086 # two words: the step
	read -r "opens[$s]" "renames[$s]" <<<"$(calls $s)"
done

# maybe_killed OP [PROFILE]: the step, killed on entering a random openat or
# rename among those a full run makes, a few more (a run the kill misses).
maybe_killed() {
	local sc n rc
	if [ $((RANDOM % 3)) != 0 ]; then
		sc=openat n=$((1 + RANDOM % (${opens[$*]} + 3)))
	else
		sc=rename n=$((1 + RANDOM % (${renames[$*]} + 1)))
	fi
	step_argv "$@"
	rc=$({
		traced -o /dev/null -e trace="$sc" -e inject="$sc":signal=KILL:when="$n" \
			"${argv[@]}" >/dev/null 2>&1
		echo $?
	} 2>/dev/null)
	case $rc in 0 | 1 | 137) ;; *) fail "iteration $it: $* killed at $sc #$n exited $rc" ;; esac
	echo "$* $sc#$n:$rc" >>"$work/chain"
}

kills=0
t0=$SECONDS
for it in $(seq 1 "$iterations"); do
	rm -f "$work/chain"
	reset_target
	maybe_killed apply p1
	maybe_killed apply p2
	maybe_killed revert
	kills=$((kills + $(grep -c ':137$' "$work/chain" || true)))
	step apply p1
	step verify     # what the chain left is settled: nothing drifted
	step revert
	same_target "iteration $it (seed $seed) after $(tr '\n' ',' <"$work/chain")"
	[ ! -e "$state/journal.json" ] || fail "iteration $it: the journal stays: $(cat "$state/journal.json")"
done
pass "$iterations chains on the $target target (seed $seed, $kills kills): revert exact every time ($((SECONDS - t0)) s)"
