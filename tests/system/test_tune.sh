#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# perfagent apply / verify / revert end to end: the full cycle on a fake
# /proc and /sys tree (restored byte for byte), sysctl.d conflicts, an
# administrator's override, exclude, kill -9 in the middle of an apply and the
# recovery from it, and the same cycle for real on per-namespace net.*
# sysctls inside a new network namespace (never the host's: checked before
# and after).
set -eu
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
need_root

need_tools strace unshare findmnt python3
[ -x "$PERFAGENT" ] || fail "$PERFAGENT is missing: run make first"
unset PERFAGENT_SYSROOT PERFAGENT_STATE_DIR STATE_DIRECTORY PERFAGENT_CONFIG

work=$(mktemp -d /tmp/test_tune.XXXXXX)
bg_pid=
cleanup() {
	[ -z "$bg_pid" ] || kill -9 "$bg_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

pdir=$work/profiles
conf=$work/perfagent.conf
mkdir -p "$pdir"
: >"$conf"
root= state=

profile() { # profile NAME < BODY: a profile file with BODY after its header
	{ printf '[profile]\nsummary = system test\n\n'; cat; } >"$pdir/$1.conf"
}
overlay() { # overlay NAME < BODY: an overlay file with BODY after its header
	{ printf '[profile]\nsummary = system test\nkind = overlay\n\n'; cat; } >"$pdir/$1.conf"
}

pa() { # pa COMMAND [ARG]...: perfagent on $root with $state
	local cmd=$1
	shift
	"$PERFAGENT" "$cmd" --root "$root" --state-dir "$state" --config "$conf" "$@"
}

apply() { # apply PROFILE [ARG]...
	pa apply --profile "$1" --profile-dir "$pdir" --no-imds "${@:2}"
}

also() { # also PATTERN: the last expect's output matches PATTERN too
	printf '%s\n' "$LAST_OUT" | grep -qE -- "$1" || fail "output lacks '$1':
$LAST_OUT"
}

new_tree() { # new_tree NAME [--many N]
	root=$work/$1/root
	state=$work/$1/state
	tests/system/tune_tree.sh "$root" "${@:2}" >/dev/null
}

journal_states() { # prints "state count" lines of the journal
	python3 -c 'import json,sys,collections
j=json.load(open(sys.argv[1]))
for s,n in sorted(collections.Counter(e["state"] for e in j["entries"]).items()): print(s,n)' \
		"$state/journal.json"
}

# ---- apply -> verify -> revert on a fake tree ----

profile cycle <<'EOF'
[sysctl]
net.core.somaxconn = >8192
net.core.netdev_max_backlog = >5000
net.ipv4.tcp_rmem = >4096 131072 16777216
net.ipv4.tcp_slow_start_after_idle = 0
vm.swappiness = <10
net.core.busy_poll = 50

[vm]
transparent_hugepage = never

[block.ebs]
devices = nvme*
kind = ebs
read_ahead_kb = >256

[block.store]
devices = nvme*
kind = instance-store
scheduler = mq-deadline
EOF

new_tree cycle
tree_snapshot "$root" >"$work/before"
expect_exit 0 'sysctl:net.core.somaxconn +4096 +8192 +set' apply cycle --dry-run
also 'sysctl:net.core.busy_poll .* skip'
also 'missing on this kernel'
[ ! -e "$state/journal.json" ] || fail "--dry-run wrote a journal"
same_tree "$root" "$work/before" "--dry-run"
expect_exit 0 'profile cycle: 8 applied, 0 failed, 0 kept, 1 skipped' apply cycle
[ "$(cat "$root/proc/sys/net/core/somaxconn")" = 8192 ] || fail "somaxconn not applied"
[ "$(cat "$root/proc/sys/net/ipv4/tcp_rmem")" = "4096 131072 16777216" ] || fail "tcp_rmem"
[ "$(cat "$root/sys/kernel/mm/transparent_hugepage/enabled")" = never ] || fail "THP"
[ "$(cat "$root/sys/block/nvme0n1/queue/read_ahead_kb")" = 256 ] || fail "EBS read_ahead_kb"
[ "$(cat "$root/sys/block/nvme1n1/queue/read_ahead_kb")" = 128 ] || fail "instance store touched"
[ "$(cat "$root/sys/block/nvme1n1/queue/scheduler")" = mq-deadline ] || fail "scheduler"
grep -q '\[none\]' "$root/sys/block/loop0/queue/scheduler" || fail "loop0 touched"
expect_exit 0 'verify passed: 8 knobs as applied' pa verify
pass "fake tree: --dry-run writes nothing, apply sets 8 knobs, verify passes"

sum=$(sha256sum <"$state/journal.json")
expect_exit 0 '0 applied, 0 failed, 8 kept, 1 skipped' apply cycle
[ "$sum" = "$(sha256sum <"$state/journal.json")" ] || fail "a second apply rewrote the journal"
pass "fake tree: a second apply changes nothing"

expect_exit 0 'revert: 8 restored, 0 unchanged' pa revert
same_tree "$root" "$work/before" "revert"
[ ! -e "$state/journal.json" ] || fail "revert left the journal"
# Nothing applied in this boot is a state, not drift: exit 0 and the state said.
expect_exit 0 'verify: nothing applied: no journal in .*: the host has its own settings' pa verify
expect_exit 0 '"ok": true' pa verify --json
expect_exit 0 'nothing to revert' pa revert
pass "fake tree: revert restores every file byte for byte"

# ---- layers and values relative to the machine (4 GiB, 2 vCPUs) ----

profile relclass <<'EOF'
[sysctl]
net.core.somaxconn = >4096*vcpus max 65535
net.core.netdev_max_backlog = >2000
EOF
overlay relover <<'EOF'
[sysctl]
net.core.netdev_max_backlog = >0.1%mem in KiB
net.ipv4.tcp_slow_start_after_idle = 0
EOF
new_tree relative
tree_snapshot "$root" >"$work/before"
# 4096 x 2 vCPUs; the larger of >2000 and 0.1% of 4 GiB in KiB (4194)
expect_exit 0 '3 applied, 0 failed, 0 kept' apply relclass --overlays relover
also '^profile relclass \+ relover: set by profile = in the configuration'
[ "$(cat "$root/proc/sys/net/core/somaxconn")" = 8192 ] || fail "somaxconn: 4096 x 2 vCPUs"
[ "$(cat "$root/proc/sys/net/core/netdev_max_backlog")" = 4194 ] || fail "netdev_max_backlog: 0.1% of 4 GiB in KiB"
expect_exit 0 'verify passed: 3 knobs as applied' pa verify
expect_exit 0 '0 applied, 0 failed, 3 kept' apply relclass --overlays relover
expect_exit 0 'revert: 3 restored' pa revert
same_tree "$root" "$work/before" "revert of a composed profile"
pass "layers with relative values on the fake tree: resolved for 4 GiB and 2 vCPUs, verified, reverted byte for byte"

# ---- sysctl.d: what the administrator's files set is not touched ----

profile sysctld <<'EOF'
[sysctl]
net.core.somaxconn = >8192
net.ipv4.conf.ens5.rp_filter = 1
vm.swappiness = <10
EOF

new_tree sysctld
mkdir -p "$root/etc/sysctl.d" "$root/usr/lib/sysctl.d"
printf '# ours\n\nnet.core.somaxconn = 1024\n' >"$root/etc/sysctl.d/99-admin.conf"
printf 'net.ipv4.conf.*.rp_filter = 2\n' >"$root/usr/lib/sysctl.d/60-vendor.conf"
printf 'vm.swappiness = 30\n' >"$root/usr/lib/sysctl.d/50-tweaks.conf"
printf '# the vendor default, switched off\n' >"$root/etc/sysctl.d/50-tweaks.conf"
tree_snapshot "$root" >"$work/before"
expect_exit 0 'set by /etc/sysctl.d/99-admin.conf:3 \(= 1024\); not overridden' apply sysctld --dry-run
also "over the distribution's default in /usr/lib/sysctl.d/60-vendor.conf:1 \\(= 2\\)"
expect_exit 0 '2 applied, 0 failed, 0 kept, 1 skipped' apply sysctld
[ "$(cat "$root/proc/sys/net/core/somaxconn")" = 4096 ] || fail "somaxconn was fought over"
[ "$(cat "$root/proc/sys/vm/swappiness")" = 10 ] || fail "the shadowed vendor file counted"
[ "$(cat "$root/proc/sys/net/ipv4/conf/ens5/rp_filter")" = 1 ] || fail "the distribution's glob was not overridden"
expect_exit 0 'revert: 2 restored' pa revert
same_tree "$root" "$work/before" "sysctl.d revert"
pass "sysctl.d: the administrator's keys are skipped, a distribution's default (/usr/lib) is overridden and said so, a shadowed file does not count"

# ---- an administrator changes a value after apply ----

new_tree override
tree_snapshot "$root" >"$work/before"
expect_exit 0 '8 applied' apply cycle
echo 1000 >"$root/proc/sys/net/core/somaxconn"
expect_exit 6 'sysctl:net.core.somaxconn +8192 +1000 +overridden' pa verify
also 'changed after perfagent set it \(8192 -> 1000\)'
expect_exit 0 'changed by an administrator after perfagent set it \(8192 -> 1000\); not fought' \
	apply cycle --dry-run
expect_exit 0 '0 applied, 0 failed, 7 kept, 2 skipped \(0 excluded, 1 overridden\)' apply cycle
[ "$(cat "$root/proc/sys/net/core/somaxconn")" = 1000 ] || fail "apply fought the admin"
expect_exit 0 'revert: 7 restored, 0 unchanged, 1 left alone' pa revert
also 'sysctl:net.core.somaxconn .* overridden'
[ "$(cat "$root/proc/sys/net/core/somaxconn")" = 1000 ] || fail "revert undid the admin's value"
echo 4096 >"$root/proc/sys/net/core/somaxconn"
same_tree "$root" "$work/before" "revert after override"
pass "override: verify fails naming the knob, apply and revert leave it alone"

# ---- exclude = in the config ----

new_tree exclude
printf 'exclude = block:*:scheduler, sysctl:vm.*\n' >"$conf"
expect_exit 0 'excluded by config \(exclude = block:\*:scheduler\)' apply cycle
also '6 applied, 0 failed, 0 kept, 3 skipped \(2 excluded'
grep -q '\[none\]' "$root/sys/block/nvme1n1/queue/scheduler" || fail "excluded knob written"
[ "$(cat "$root/proc/sys/vm/swappiness")" = 60 ] || fail "excluded knob written"
: >"$conf"
pass "exclude: knobs matching the config's globs are skipped"

# ---- kill -9 in the middle of an apply ----

N=300
{
	echo '[sysctl]'
	for i in $(seq 1 $N); do echo "kernel.perfagent_test.k$i = 1000000"; done
} | profile many

changed() { grep -lx 1000000 "$root"/proc/sys/kernel/perfagent_test/* 2>/dev/null | wc -l; }
some_changed() { [ "$(changed)" -ge 5 ]; }

# Every openat(2) waits 30 ms under strace, before it runs: the plan and
# the apply are slow (9 s each), not changed; the revert below waits 5 s for
# the lock, well within it. The delay is on entering open, and only openat
# is stopped at (--seccomp-bpf): a kill then lands before a knob's file is
# opened or after it was written, never in between, where a fake tree's
# regular file (unlike /proc/sys) has been emptied by O_TRUNC.
# Under make sanitize, LeakSanitizer cannot work in a traced process (it
# stops the world with ptrace): no leak check for this apply, which is
# killed with -9 before it could exit and be checked anyway.
# at_openat PID: PID is stopped at the entry of openat (its number on this machine).
at_openat() {
	local nr
	case $(uname -m) in
	x86_64) nr=257 ;;
	aarch64) nr=56 ;;
	*) return 0 ;;  # no number known: kill as before
	esac
	[ "$(cut -d' ' -f1 "/proc/$1/syscall" 2>/dev/null)" = "$nr" ]
}

slow_apply_then_kill() {
	ASAN_OPTIONS="${ASAN_OPTIONS:-}:detect_leaks=0" \
		strace -f --seccomp-bpf -o /dev/null -e trace=openat -e inject=openat:delay_enter=30000 \
		"$PERFAGENT" apply --root "$root" --state-dir "$state" --config "$conf" \
		--profile many --profile-dir "$pdir" --no-imds >/dev/null 2>&1 &
	bg_pid=$!
	wait_for 30 test -e "$state/journal.json" || fail "the slow apply wrote no journal"
	wait_for 30 some_changed || fail "the slow apply writes nothing"
	# meanwhile, a revert waits for the lock (5 s), then gives up
	expect_exit 1 'another perfagent apply or revert holds .*tune.lock' pa revert
	# Killed while it waits at an openat's entry: never between an open that
	# truncated a fake file and its write (that window is short, not empty).
	pa_pid=$(pgrep -P "$bg_pid" -x perfagent)
	wait_for 10 at_openat "$pa_pid" || fail "the slow apply never stopped at openat"
	kill -9 "$pa_pid"
	wait "$bg_pid" 2>/dev/null || true
	bg_pid=
	n=$(changed)
	[ "$n" -ge 5 ] && [ "$n" -lt $N ] || fail "killed after $n of $N knobs: not in the middle"
	[ "$(journal_states)" = "pending $N" ] || fail "journal after kill -9: $(journal_states)"
}

new_tree kill --many $N
tree_snapshot "$root" >"$work/before"
# In the long suite with its twin below (15 s; test_crash_chains.sh and
# test_faults.sh kill applies at chosen steps in make test).
if long_part "kill -9 mid-apply of 300 knobs, then revert restores them (15 s)"; then
	slow_apply_then_kill
	expect_exit 6 'not-applied' pa verify
	expect_exit 0 "revert: [0-9]+ restored, [0-9]+ unchanged, 0 left alone" pa revert
	same_tree "$root" "$work/before" "revert after kill -9"
	pass "kill -9 mid-apply ($n of $N written): journal all pending, revert restores byte for byte"
fi

# (test_faults.sh kills an apply at each of its steps and completes it.)
if long_part "kill -9 mid-apply of 300 knobs, then an apply completes it (40 s)"; then
	slow_apply_then_kill
	expect_exit 0 "$((N - n)) applied, 0 failed, $n kept" apply many
	expect_exit 0 "verify passed: $N knobs" pa verify
	expect_exit 0 "revert: $N restored" pa revert
	same_tree "$root" "$work/before" "apply, then revert after kill -9"
	pass "kill -9 mid-apply: the next apply completes it, revert restores byte for byte"
fi

# ---- real per-namespace sysctls in a new network namespace ----

profile netns <<'EOF'
[sysctl]
net.core.somaxconn = >8192
net.ipv4.tcp_notsent_lowat = 131072
net.ipv4.tcp_slow_start_after_idle = 0
net.ipv4.tcp_rmem = 4096 87380 6291457
net.ipv4.tcp_max_syn_backlog = >8192
net.core.perfagent_test_missing = 1
EOF
{ cat "$pdir/netns.conf"; echo 'net.ipv4.tcp_fastopen = banana'; } >"$pdir/refused.conf"
# Sized to this host: its vCPUs and memory, through a class profile and an overlay.
profile netrel <<'EOF'
[sysctl]
net.core.somaxconn = >4096*vcpus max 65535
EOF
overlay netrelover <<'EOF'
[sysctl]
net.ipv4.tcp_max_syn_backlog = >0.001%mem max 262144
EOF
vcpus=$(grep -c ^processor /proc/cpuinfo)
mem=$(($(awk '/^MemTotal:/ { print $2 }' /proc/meminfo) * 1024))
want_somaxconn=$((4096 * vcpus > 65535 ? 65535 : 4096 * vcpus))
want_syn=$((mem / 100000 > 262144 ? 262144 : mem / 100000))

NET=(net/core/somaxconn net/ipv4/tcp_notsent_lowat net/ipv4/tcp_slow_start_after_idle
	net/ipv4/tcp_rmem net/ipv4/tcp_max_syn_backlog net/ipv4/tcp_fastopen)
host_values() { (cd /proc/sys && for k in "${NET[@]}"; do printf '%s=%s\n' "$k" "$(cat "$k")"; done); }
host_ns=$(readlink /proc/self/ns/net)
host_values >"$work/host-before"

# Inside: a new network namespace and a private mount namespace in which
# empty sysctl.d directories hide the host's (and one admin file is added).
rc=0
unshare -n -m --propagation unchanged bash -s -- "$PERFAGENT" "$work/netns" "$pdir" "$host_ns" \
	"$want_somaxconn" "$want_syn" "${NET[@]}" <<'EOF' || rc=$?
set -eu
perfagent=$1 state=$2 pdir=$3 host_ns=$4 want_somaxconn=$5 want_syn=$6
shift 6
# fail() and the other helpers as outside (the working directory is still
# the top of the tree); FAIL_WHERE prefixes this part's failures "FAIL (netns)".
. tests/system/lib.sh
FAIL_WHERE=netns
[ "$(readlink /proc/self/ns/net)" != "$host_ns" ] || fail "not in a new network namespace"
[ -d /etc/sysctl.d ] || fail "no /etc/sysctl.d to hide"
# /etc/sysctl.d always: an administrator's file is added there.
SYSCTL_CONF_ALWAYS=/etc/sysctl.d without_sysctl_conf "real net.* sysctls in a network namespace"
echo 'net.ipv4.tcp_max_syn_backlog = 512' >/etc/sysctl.d/99-admin.conf

mkdir -p "$state/orig"
for k in "$@"; do cp "/proc/sys/$k" "$state/orig/${k//\//.}"; done
# byte for byte; through a pipe, as cmp trusts procfs' size of 0 otherwise
same() {
	for k in "$@"; do
		cat "/proc/sys/$k" | cmp -s - "$state/orig/${k//\//.}" || fail "$k: $(cat "/proc/sys/$k")"
	done
}
pa() { "$perfagent" "$1" --root "" --state-dir "$state" --config /dev/null "${@:2}"; }
apply() { pa apply --profile "$1" --profile-dir "$pdir" --no-imds; }

out=$(apply netns) || fail "apply: $out"
echo "$out" | grep -q '4 applied, 0 failed, 0 kept, 2 skipped' || fail "apply: $out"
echo "$out" | grep -q 'set by /etc/sysctl.d/99-admin.conf:1 (= 512)' || fail "sysctl.d: $out"
echo "$out" | grep -q 'missing on this kernel' || fail "missing: $out"
[ "$(cat /proc/sys/net/ipv4/tcp_notsent_lowat)" = 131072 ] || fail "tcp_notsent_lowat"
[ "$(cat /proc/sys/net/ipv4/tcp_rmem)" = "$(printf '4096\t87380\t6291457')" ] || fail "tcp_rmem"
out=$(pa verify) || fail "verify: $out"
out=$(apply netns) || fail "apply again: $out"
echo "$out" | grep -q '0 applied, 0 failed, 4 kept' || fail "apply again: $out"

echo 1000 >/proc/sys/net/core/somaxconn
out=$(pa verify) && fail "verify passed after an override: $out"
echo "$out" | grep -qE 'sysctl:net.core.somaxconn +8192 +1000 +overridden' || fail "verify: $out"
out=$(pa revert) || fail "revert: $out"
echo "$out" | grep -q '3 restored, 0 unchanged, 1 left alone' || fail "revert: $out"
[ "$(cat /proc/sys/net/core/somaxconn)" = 1000 ] || fail "revert undid the override"
cp "$state/orig/net.core.somaxconn" /proc/sys/net/core/somaxconn
same "$@"

# the kernel refuses one value: the others are applied all the same
out=$(apply refused) && fail "apply with a refused value succeeded: $out"
echo "$out" | grep -q '4 applied, 1 failed' || fail "apply: $out"
echo "$out" | grep -qE "sysctl:net.ipv4.tcp_fastopen .*FAILED" || fail "apply: $out"
echo "$out" | grep -q 'Invalid argument' || fail "apply: $out"
out=$(pa revert) || fail "revert: $out"
echo "$out" | grep -q '4 restored, 1 unchanged' || fail "revert: $out"
same "$@"

# layers sized to this host: the values worked out outside from its vCPUs and memory
out=$(pa apply --profile netrel --overlays netrelover --profile-dir "$pdir" --no-imds) ||
	fail "apply netrel: $out"
[ "$(cat /proc/sys/net/core/somaxconn)" = "$want_somaxconn" ] ||
	fail "somaxconn $(cat /proc/sys/net/core/somaxconn), want $want_somaxconn"
echo "$out" | grep -q 'set by /etc/sysctl.d/99-admin.conf:1 (= 512)' ||
	fail "the admin's tcp_max_syn_backlog: $out"
out=$(pa verify) || fail "verify netrel: $out"
out=$(pa revert) || fail "revert netrel: $out"
same "$@"
rm /etc/sysctl.d/99-admin.conf
out=$(pa apply --profile netrel --overlays netrelover --profile-dir "$pdir" --no-imds) ||
	fail "apply netrel: $out"
[ "$(cat /proc/sys/net/ipv4/tcp_max_syn_backlog)" = "$want_syn" ] ||
	fail "tcp_max_syn_backlog $(cat /proc/sys/net/ipv4/tcp_max_syn_backlog), want $want_syn (0.001% of memory)"
out=$(pa revert) || fail "revert netrel: $out"
same "$@"
EOF
[ "$rc" = 0 ] || [ "$rc" = 77 ] || fail "the network namespace part failed"
host_values >"$work/host-after"
diff -u "$work/host-before" "$work/host-after" || fail "the host's sysctls changed"
[ "$(readlink /proc/self/ns/net)" = "$host_ns" ] || fail "left in another namespace"
[ "$rc" = 77 ] ||   # skipped, and said why
	pass "netns: real net.* sysctls applied, verified, overridden and restored byte for byte, also sized to this host through layers; host untouched"
