#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Revert after chains of interrupted applies that switch profiles, on a fake
# /proc and /sys tree (issue 15, defect 1). strace kills each apply with
# SIGKILL on entering a chosen system call, found in a traced reference run
# of the same apply on the same state:
#
# 1. P1 dies at its last journal rename (knob written, entry still pending
#    with P1's value), P2 dies at its knob's open for writing (entry now
#    pending with P2's value, knob still P1's): revert must restore the
#    original, not call P1's value "changed by an administrator".
# 2. P1 dies the same way, then the knob holds a value no apply recorded (as
#    when the kernel stores a write differently): verify and revert say they
#    cannot tell who wrote it, touch nothing, keep the original in the
#    journal and exit non-zero; once the knob holds P1's value again, revert
#    restores it.
#
# The temporary journal a kill at the rename leaves is removed by the next
# apply or revert (under the lock) and at the daemon's start.
#
# Knobs are killed at their open, never their write: the open's O_TRUNC
# empties a fake tree's regular file, which /proc and /sys ignore.
# lane: side
set -eu
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
need_root

need_tools strace python3
[ -x "$PERFAGENT" ] || fail "$PERFAGENT is missing: run make first"
unset PERFAGENT_SYSROOT PERFAGENT_STATE_DIR STATE_DIRECTORY PERFAGENT_CONFIG

work=$(mktemp -d /tmp/test_crash_chains.XXXXXX)
trap 'rm -rf "$work"' EXIT
pdir=$work/profiles
root=$work/chain/root
state=$work/chain/state
knob=$root/proc/sys/net/core/somaxconn
mkdir -p "$pdir"
for p in p1:5000 p2:6000; do
	printf '[profile]\nsummary = chain test\n\n[sysctl]\nnet.core.somaxconn = %s\n' \
		"${p#*:}" >"$pdir/${p%%:*}.conf"
done

pa() { "$PERFAGENT" "$1" --root "$root" --state-dir "$state" --config /dev/null "${@:2}"; }
apply_cmd() { echo "$PERFAGENT" apply --root "$root" --state-dir "$state" --config /dev/null \
	--profile "$1" --profile-dir "$pdir" --no-imds; }
entry() { json_get "$state/journal.json" "[(e['state'], e['desired'], e.get('unconfirmed')) \
for e in j['entries'] if e['id'] == 'sysctl:net.core.somaxconn'][0]"; }

# nth_call SYSCALL REGEX CMD...: in a reference run of CMD on a copy of the
# chain's state (put back afterwards), the number N of the SYSCALL whose
# trace line is the last to match REGEX.
nth_call() {
	local sc=$1 re=$2 n
	shift 2
	cp -a "$work/chain" "$work/saved"
	traced -o "$work/ref" -e trace="$sc" -e signal=none "$@" >/dev/null 2>&1 || true
	rm -rf "$work/chain" && mv "$work/saved" "$work/chain"
	n=$(grep -E "^[0-9]+ +$sc\(" "$work/ref" | grep -nE -- "$re" | tail -n 1 | cut -d: -f1)
	[ -n "$n" ] || fail "no $sc matching '$re' in a reference run of $*"
	echo "$n"
}

# killed_p1: P1 applied, killed before it records the outcome.
killed_p1() {
	local n
	# shellcheck disable=SC2046 # apply_cmd's words are the command
	n=$(nth_call rename 'journal\.json"' $(apply_cmd p1))
	# shellcheck disable=SC2046
	killed_at rename "$n" $(apply_cmd p1)
	[ "$(cat "$knob")" = 5000 ] || fail "P1 killed at its last rename: knob $(cat "$knob"), want 5000"
	[ "$(entry)" = "('pending', '5000', [])" ] || fail "P1 killed: journal entry $(entry)"
	compgen -G "$state/journal.json.tmp.*" >/dev/null ||
		fail "P1 killed at its rename left no temporary journal (the kill came elsewhere)"
}

new_chain() {
	rm -rf "$work/chain"
	tests/system/tune_tree.sh "$root" >/dev/null
	tree_snapshot "$root" >"$work/before"
}

# ---- 1. two interrupted applies of different profiles ----
new_chain
killed_p1
# shellcheck disable=SC2046
n=$(nth_call openat 'somaxconn", O_WRONLY' $(apply_cmd p2))
# shellcheck disable=SC2046
killed_at openat "$n" $(apply_cmd p2)
[ "$(cat "$knob")" = 5000 ] || fail "P2 killed at its knob's open: knob $(cat "$knob"), want 5000"
[ "$(entry)" = "('pending', '6000', ['5000'])" ] ||
	fail "P2 killed: journal entry $(entry), want pending 6000 with 5000 unconfirmed"
expect_exit 6 'not-applied' pa verify
expect_exit 0 'revert: 1 restored, [0-9]+ unchanged, 0 left alone \(changed by someone else\), 0 left alone \(writer unknown\), 0 failed' pa revert
same_tree "$root" "$work/before" "revert after P1 and P2 were killed"
[ ! -e "$state/journal.json" ] || fail "revert left the journal"
! compgen -G "$state/*.tmp.*" >/dev/null || fail "stale temporary files stay: $(ls "$state")"
pass "P1 killed before recording, P2 killed before writing: revert restores the original"

# ---- 2. a value nobody recorded ----
new_chain
killed_p1
echo 5120 >"$knob"
expect_exit 6 'drifted, 0 of them overridden, 1 of unknown writer' pa verify
also_out() { printf '%s\n' "$LAST_OUT" | grep -qE -- "$1" || fail "output lacks '$1': $LAST_OUT"; }
expect_exit 6 '"status": "unknown-writer"' pa verify --json
also_out 'cannot tell who wrote 5120: an apply was interrupted before it recorded what the knob took \(perfagent may have written 5000\); apply or revert will not touch it'
# shellcheck disable=SC2046
expect_exit 0 '"reason": "cannot tell who wrote 5120: .*; not touched"' $(apply_cmd p2) --dry-run --json
expect_exit 1 '1 left alone \(writer unknown\), 0 failed' pa revert
expect_exit 1 '"detail": "cannot tell who wrote 5120: .*; left alone and kept in the journal; write the original back by hand if the value is perfagent.s"' pa revert --json
[ "$(cat "$knob")" = 5120 ] || fail "revert overwrote a value it cannot attribute"
[ "$(entry)" = "('pending', '5000', [])" ] || fail "revert dropped the entry: $(entry)"
echo 5000 >"$knob"
expect_exit 0 'revert: 1 restored' pa revert
same_tree "$root" "$work/before" "revert once the knob holds P1's value again"
pass "a value no apply recorded: verify and revert say they cannot tell who wrote it, keep the original, touch nothing"
