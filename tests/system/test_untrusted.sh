#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Inputs the agent must not trust (issue 15): files that are not regular
# files (a FIFO would block a reader forever) as a DMI file and a
# sysctl.d file under --root, and as a knob the tuning writes. Every command
# must finish within 10 s, say what it skipped, and leave the tree as it was.
set -eu
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
need_root
[ -x "$PERFAGENT" ] || fail "$PERFAGENT is missing: run make first"
unset PERFAGENT_SYSROOT PERFAGENT_STATE_DIR STATE_DIRECTORY PERFAGENT_CONFIG

work=$(mktemp -d /tmp/test_untrusted.XXXXXX)
trap 'rm -rf "$work"' EXIT
pdir=$work/profiles
mkdir -p "$pdir"
printf '[profile]\nsummary = untrusted inputs\n\n[sysctl]\nnet.core.somaxconn = 5000\nvm.swappiness = 10\n' \
	>"$pdir/two.conf"

# bounded CMD...: CMD with a 10 s limit; a timeout (exit 124) fails the test.
bounded() {
	local rc=0
	timeout 10 "$@" || rc=$?
	[ "$rc" -ne 124 ] || fail "'$*' hung (killed after 10 s)"
	return "$rc"
}

# ---- FIFOs where files are read or written ----
root=$work/fifo/root
state=$work/fifo/state
tests/system/tune_tree.sh "$root" >/dev/null
rm -f "$root/sys/class/dmi/id/product_name"
mkfifo "$root/sys/class/dmi/id/product_name"
mkdir -p "$root/etc/sysctl.d"
mkfifo "$root/etc/sysctl.d/10-fifo.conf"
rm -f "$root/proc/sys/vm/swappiness"
mkfifo "$root/proc/sys/vm/swappiness"
tree_snapshot() { (cd "$1" && find . | LC_ALL=C sort | xargs -d '\n' ls -ld --time-style=+ | awk '{print $1, $NF}'); }
tree_snapshot "$root" >"$work/before"

out=$(bounded "$PERFAGENT" detect --root "$root" --state-dir "$state" --config /dev/null --no-imds 2>&1) ||
	fail "detect with a FIFO as product_name failed: $out"
pass "detect: a FIFO as a DMI file is not read (no hang)"

set +e
out=$(bounded "$PERFAGENT" apply --root "$root" --state-dir "$state" --config /dev/null \
	--profile two --profile-dir "$pdir" --no-imds 2>&1)
rc=$?
set -e
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "apply with FIFOs exited $rc: $out"
grep -q 'sysctl configuration .*10-fifo.conf ignored: a FIFO or socket, not a file' <<<"$out" ||
	fail "apply did not say it ignored the FIFO in sysctl.d: $out"
grep -qE "cannot read /proc/sys/vm/swappiness: a FIFO or socket, not a file" <<<"$out" ||
	fail "apply did not skip or fail the FIFO knob: $out"
[ "$(cat "$root/proc/sys/net/core/somaxconn")" = 5000 ] || fail "the regular knob was not applied: $out"
pass "apply: a FIFO in sysctl.d is ignored with a warning, a FIFO knob is not written, the rest applies"

out=$(bounded "$PERFAGENT" revert --root "$root" --state-dir "$state" --config /dev/null 2>&1) ||
	fail "revert failed: $out"
[ "$(cat "$root/proc/sys/net/core/somaxconn")" = 4096 ] || fail "revert did not restore somaxconn"
tree_snapshot "$root" | diff "$work/before" - >&2 || fail "the FIFOs or the tree changed"
pass "revert: restored, the FIFOs untouched"

mkfifo "$work/fifo.conf"
set +e
out=$(bounded "$PERFAGENT" daemon --check-config --config "$work/fifo.conf" 2>&1)
rc=$?
set -e
if [ "$rc" -ne 4 ] || ! grep -q 'cannot read: a FIFO or socket, not a file' <<<"$out"; then
	fail "--check-config with a FIFO as the config: exit $rc: $out"
fi
pass "a FIFO as the configuration: exit 4, said in words"
