#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# irqbalance's banned CPUs (issue 18) through the binary, with the shipped
# network overlay (rps = auto, banned_cpus = rps):
#   - on the fake tree (tune_tree.sh, plus a receive queue and an interrupt
#     for ens5): not applicable without irqbalance; with it, the drop-in
#     bans the RPS CPU, verify passes, a second apply keeps it, revert
#     leaves the tree as it was, an existing drop-in comes back byte for
#     byte, the administrator's environment file wins, an irqbalance older
#     than 1.8 gets the hex mask, no program is ever run for a tree (strace),
#     and systemd takes the drop-in as written (systemd-analyze verify); the
#     daemon bans the other CPU when the interrupt moves;
#   - on the host's root, in a mount namespace of its own (a tmpfs on /run
#     and /etc/systemd/system, a stand-in for systemctl that records its
#     arguments): daemon-reload then a queued try-restart after apply and
#     after revert; when systemctl fails the knob fails and the drop-in is
#     put back as it was;
#   - where irqbalance is installed: the real program reads the drop-in's
#     variable (its /proc/irq made read-only, so nothing on the host moves).
set -eu
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
need_root
need_tools python3 strace unshare findmnt systemd-analyze
[ -x "$PERFAGENT" ] || fail "$PERFAGENT is missing: run make first"
unset PERFAGENT_SYSROOT PERFAGENT_STATE_DIR STATE_DIRECTORY PERFAGENT_CONFIG
export PERFAGENT_PROFILE_DIR=$PWD/tuning-profiles

tmp=$(mktemp -d /tmp/test_irqbalance.XXXXXX)
chmod 0755 "$tmp"
daemon_pid=
listener_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
	[ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

DROPIN=run/systemd/system/irqbalance.service.d/50-perfagent.conf
root='' state=''
conf=$tmp/perfagent.conf
: >"$conf"

# Debian 12's unit and environment file, as irqbalance 1.9.2 ships them.
unit_text() { # unit_text EXECSTART
	printf '[Unit]\nDescription=irqbalance daemon\nConditionVirtualization=!container\n\n'
	printf '[Service]\nEnvironmentFile=-/usr/lib/irqbalance/defaults.env\n'
	# shellcheck disable=SC2016 # systemd expands $IRQBALANCE_ARGS, not the shell
	printf 'EnvironmentFile=-/etc/default/irqbalance\nExecStart=%s --foreground $IRQBALANCE_ARGS\n' "$1"
	printf 'ReadOnlyPaths=/\nReadWritePaths=/proc/irq\n\n[Install]\nWantedBy=multi-user.target\n'
}
env_text() { printf '# IRQBALANCE_BANNED_CPULIST\n#IRQBALANCE_BANNED_CPULIST=\n#IRQBALANCE_ARGS=\n'; }

new_tree() { # new_tree NAME: the tree, with ens5's queue and its interrupt on CPU 0
	root=$tmp/$1/root
	state=$tmp/$1/state
	tests/system/tune_tree.sh "$root" >/dev/null
	mkdir -p "$root/sys/class/net/ens5/queues/rx-0" "$root/proc/irq/27"
	echo 0 >"$root/sys/class/net/ens5/queues/rx-0/rps_cpus"
	echo 0 >"$root/sys/class/net/ens5/queues/rx-0/rps_flow_cnt"
	printf '           CPU0       CPU1\n 27:   100   0   PCI-MSIX-0000:00:05.0   1-edge      ens5-Tx-Rx-0\n' \
		>"$root/proc/interrupts"
	echo 0 >"$root/proc/irq/27/smp_affinity_list"
}
install_irqbalance() { # install_irqbalance [old]: unit, environment file, program, systemd
	mkdir -p "$root/lib/systemd/system" "$root/etc/default" "$root/usr/sbin" "$root/run/systemd/system"
	unit_text /usr/sbin/irqbalance >"$root/lib/systemd/system/irqbalance.service"
	env_text >"$root/etc/default/irqbalance"
	if [ "${1:-}" = old ]; then
		printf 'ELF getenv IRQBALANCE_BANNED_CPUS' >"$root/usr/sbin/irqbalance"
	else
		printf 'ELF getenv IRQBALANCE_BANNED_CPUS IRQBALANCE_BANNED_CPULIST' >"$root/usr/sbin/irqbalance"
	fi
}
pa() { # pa COMMAND [ARG]...: perfagent on $root with $state
	local cmd=$1
	shift
	"$PERFAGENT" "$cmd" --root "$root" --state-dir "$state" --config "$conf" "$@"
}
apply() { pa apply --no-imds --profile base --overlays network "$@"; }
flat() { tr -s ' \n' ' '; }
knob_line() { grep -E '^irqbalance:banned_cpus'; }

# ---- not installed ----
new_tree none
out=$(apply --dry-run) || fail "dry run: $out"
echo "$out" | flat | grep -q 'irqbalance:banned_cpus - rps skip not applicable: irqbalance is not installed (no irqbalance.service unit)' ||
	fail "without irqbalance: $out"
pass "irqbalance: not installed, not applicable, and the plan says so"

# ---- the drop-in: applied, verified, kept, reverted ----
new_tree tree
install_irqbalance
cp -a "$root" "$tmp/tree/pristine"
traced -e trace=execve -o "$tmp/exec.log" "$PERFAGENT" apply --root "$root" --state-dir "$state" \
	--config "$conf" --no-imds --profile base --overlays network >"$tmp/out" ||
	fail "apply: $(cat "$tmp/out")"
knob_line <"$tmp/out" | grep -qE '^irqbalance:banned_cpus +none +1 +applied' || fail "apply: $(cat "$tmp/out")"
grep -qE '^ethtool:ens5:rps:rx-0 +0 +2 +applied' "$tmp/out" || fail "rps: $(cat "$tmp/out")"
[ "$(grep -c execve "$tmp/exec.log")" = 1 ] || fail "a program ran for a tree: $(cat "$tmp/exec.log")"
grep -qx 'Environment=IRQBALANCE_BANNED_CPULIST=1' "$root/$DROPIN" || fail "drop-in: $(cat "$root/$DROPIN")"
json_get "$state/journal.json" '[(e["original"], e["path"]) for e in j["entries"] if e["id"] == "irqbalance:banned_cpus"]' |
	grep -qF "[('none', '/$DROPIN')]" || fail "journal: $(cat "$state/journal.json")"
# systemd takes it as written: no unknown key, no bad line
mkdir -p "$tmp/sa/irqbalance.service.d"
unit_text /bin/true >"$tmp/sa/irqbalance.service"
cp "$root/$DROPIN" "$tmp/sa/irqbalance.service.d/"
out=$(systemd-analyze verify --man=no "$tmp/sa/irqbalance.service" 2>&1) || fail "systemd-analyze: $out"
[ -z "$out" ] || fail "systemd-analyze verify says: $out"
out=$(pa verify) || fail "verify: $out"
echo "$out" | grep -qE '^irqbalance:banned_cpus +1 +1 +ok' || fail "verify: $out"
out=$(apply) || fail "apply again: $out"
echo "$out" | knob_line | grep -qE ' 1 +1 +keep +already set' || fail "apply again: $out"
traced -e trace=execve -o "$tmp/exec.log" "$PERFAGENT" revert --root "$root" --state-dir "$state" \
	--config "$conf" >"$tmp/out" || fail "revert: $(cat "$tmp/out")"
[ "$(grep -c execve "$tmp/exec.log")" = 1 ] || fail "revert ran a program for a tree"
[ ! -e "$root/run/systemd/system/irqbalance.service.d" ] || fail "revert left the drop-in directory"
# (rps_cpus reads back in the kernel's canonical form: "0", no newline)
diff -r --no-dereference --exclude=rps_cpus "$tmp/tree/pristine" "$root" || fail "revert did not restore the tree"
pass "irqbalance: the network overlay bans the RPS CPU (1) in the drop-in, which systemd-analyze takes; journaled (original none), verified, kept, reverted to the tree as it was; no program run for a tree"

# ---- an existing drop-in comes back byte for byte ----
mkdir -p "$root/run/systemd/system/irqbalance.service.d"
printf '# an older one\n[Service]\n\tEnvironment="IRQBALANCE_BANNED_CPULIST=0"  \nNice=2' >"$root/$DROPIN"
cp "$root/$DROPIN" "$tmp/mine.conf"
out=$(apply) || fail "apply over a drop-in: $out"
echo "$out" | knob_line | grep -qE ' 0 +1 +applied' || fail "apply over a drop-in: $out"
out=$(pa revert) || fail "revert: $out"
cmp "$root/$DROPIN" "$tmp/mine.conf" || fail "the drop-in is not restored byte for byte"
rm -r "$root/run/systemd/system/irqbalance.service.d"
pass "irqbalance: a drop-in that was there is restored byte for byte"

# ---- the administrator's environment file wins ----
echo 'IRQBALANCE_BANNED_CPULIST=0' >>"$root/etc/default/irqbalance"
out=$(apply) || fail "apply with the admin's list: $out"
echo "$out" | flat | grep -q 'not applicable: /etc/default/irqbalance:4 sets IRQBALANCE_BANNED_CPULIST=0 (the administrator.s setting: not overridden)' ||
	fail "the admin's list: $out"
[ ! -e "$root/$DROPIN" ] || fail "a drop-in was written over the admin's list"
env_text >"$root/etc/default/irqbalance"
pass "irqbalance: the administrator's IRQBALANCE_BANNED_CPULIST is not overridden, and the plan names its file and line"

# ---- an irqbalance older than 1.8: the hex mask ----
new_tree old
install_irqbalance old
out=$(apply) || fail "apply, old irqbalance: $out"
grep -qx 'Environment=IRQBALANCE_BANNED_CPUS=2' "$root/$DROPIN" || fail "old: $(cat "$root/$DROPIN")"
out=$(pa verify) || fail "verify, old irqbalance: $out"
out=$(pa revert) || fail "revert, old irqbalance: $out"
pass "irqbalance: one older than 1.8 (no IRQBALANCE_BANNED_CPULIST in its program) gets IRQBALANCE_BANNED_CPUS=2"

# ---- the daemon: the interrupt moves, the banned CPU follows ----
new_tree daemon
install_irqbalance
run=$tmp/run
python3 "$TESTS_DIR/notify_listener.py" "$tmp/notify.sock" "$tmp/notify.log" >"$tmp/listener.out" &
listener_pid=$!
wait_for 5 grep -q listening "$tmp/listener.out" || fail "notify listener did not start"
printf 'interval = 1\nimds = off\nmode = apply\nprofile = base\noverlays = network\n' >"$conf"
NOTIFY_SOCKET=$tmp/notify.sock "$PERFAGENT" daemon --config "$conf" --root "$root" \
	--runtime-dir "$run" --state-dir "$state" 2>>"$tmp/daemon.log" &
daemon_pid=$!
wait_for 10 grep -q "READY=1" "$tmp/notify.log" || fail "no READY=1: $(cat "$tmp/daemon.log")"
grep -qx 'Environment=IRQBALANCE_BANNED_CPULIST=1' "$root/$DROPIN" || fail "daemon: no drop-in"
echo 1 >"$root/proc/irq/27/smp_affinity_list"
wait_for 10 grep -qx 'Environment=IRQBALANCE_BANNED_CPULIST=0' "$root/$DROPIN" ||
	fail "the banned CPU did not follow the interrupt: $(cat "$root/$DROPIN"); $(tail -5 "$tmp/daemon.log")"
[ "$(cat "$root/sys/class/net/ens5/queues/rx-0/rps_cpus")" = 1 ] || fail "RPS did not follow"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "daemon exited $? on SIGTERM"
daemon_pid=
out=$(pa revert) || fail "revert after the daemon: $out"
[ ! -e "$root/$DROPIN" ] || fail "revert after the daemon left the drop-in"
pass "irqbalance: the daemon bans CPU 1, then CPU 0 once the interrupt moves to CPU 1 (RPS with it); revert removes the drop-in"

# ---- the host's root, in a mount namespace: systemctl ----
why=$(mount_ns_probe /run /etc/systemd/system /usr/bin/systemctl) || {
	skip_part "irqbalance on the host's root (mount namespace)" "$why"
	exit 0
}
if [ ! -d /etc/systemd/system ] || [ ! -x /usr/bin/systemctl ]; then
	skip_part "irqbalance on the host's root (mount namespace)" "no /etc/systemd/system or /usr/bin/systemctl to stand in for"
	exit 0
fi
mkdir -p "$tmp/host/prof"
printf '[profile]\nsummary = irqbalance only\n[irqbalance]\nbanned_cpus = 1\n' >"$tmp/host/prof/only.conf"
# Records its arguments; fails when they hold the words in the file "fail".
cat >"$tmp/host/systemctl" <<EOF
#!/bin/sh
echo "\$*" >>"$tmp/host/systemctl.log"
if [ -e "$tmp/host/fail" ]; then
	case "\$*" in
	*"\$(cat "$tmp/host/fail")"*)
		echo "Failed to connect to bus: No such file or directory" >&2
		exit 1 ;;
	esac
fi
exit 0
EOF
chmod 0755 "$tmp/host/systemctl"
unit_text /usr/sbin/irqbalance >"$tmp/host/irqbalance.service"
rc=0
unshare -m --propagation unchanged bash -s -- "$PERFAGENT" "$tmp/host" <<'EOF' || rc=$?
set -eu
perfagent=$1 dir=$2
. tests/system/lib.sh
FAIL_WHERE=mountns
own_mounts "irqbalance on the host's root (mount namespace)" /run /etc/systemd/system /usr/bin/systemctl
mount -t tmpfs tmpfs /run
mkdir -p /run/systemd/system
mount -t tmpfs tmpfs /etc/systemd/system
cp "$dir/irqbalance.service" /etc/systemd/system/
mount --bind "$dir/systemctl" /usr/bin/systemctl
dropin=/run/systemd/system/irqbalance.service.d/50-perfagent.conf
log=$dir/systemctl.log
pa() { "$perfagent" "$1" --root "" --state-dir "$dir/state" --config /dev/null "${@:2}"; }
apply() { pa apply --no-imds --profile only --profile-dir "$dir/prof"; }
want=1
[ -z "$(cat /sys/devices/system/cpu/isolated 2>/dev/null)" ] || want=
calls() { [ -e "$log" ] && wc -l <"$log" || echo 0; }

out=$(apply) || fail "apply: $out"
echo "$out" | grep -qE '^irqbalance:banned_cpus +none +[0-9,-]+ +applied' || fail "apply: $out"
[ -z "$want" ] || grep -qx "Environment=IRQBALANCE_BANNED_CPULIST=$want" "$dropin" || fail "drop-in: $(cat "$dropin")"
[ "$(cat "$log")" = "--no-ask-password daemon-reload
--no-ask-password --no-block try-restart irqbalance.service" ] || fail "systemctl calls: $(cat "$log")"
out=$(pa verify) || fail "verify: $out"
[ "$(calls)" = 2 ] || fail "verify ran systemctl"
out=$(pa revert) || fail "revert: $out"
[ ! -e "$dropin" ] || fail "revert left the drop-in"
[ "$(calls)" = 4 ] || fail "revert's systemctl calls: $(cat "$log")"
tail -2 "$log" | head -1 | grep -qx -- '--no-ask-password daemon-reload' || fail "revert: $(cat "$log")"

# systemctl fails: the knob fails, and the drop-in is as it was (absent)
echo daemon-reload >"$dir/fail"
: >"$log"
rc=0
out=$(apply 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "apply with a failing systemctl exited $rc: $out"
echo "$out" | grep -qE '^irqbalance:banned_cpus +none +[0-9,-]+ +FAILED' || fail "not failed: $out"
echo "$out" | grep -q 'systemctl --no-ask-password daemon-reload exited with status 1: Failed to connect to bus' ||
	fail "no reason: $out"
echo "$out" | tr -s ' \n' ' ' | grep -q "50-perfagent.conf (then systemctl daemon-reload, try-restart irqbalance.service)" ||
	fail "what failed: $out"
[ ! -e "$dropin" ] || fail "the drop-in stayed though systemctl failed: $(cat "$dropin")"
# (the reload again, for the drop-in put back; no restart)
[ "$(cat "$log")" = "--no-ask-password daemon-reload
--no-ask-password daemon-reload" ] || fail "systemctl calls after the failure: $(cat "$log")"
# the restart refused: put back, and systemd told so with a reload
echo try-restart >"$dir/fail"
: >"$log"
rc=0
out=$(apply 2>&1) || rc=$?
[ "$rc" = 1 ] || fail "apply with a failing try-restart exited $rc: $out"
[ ! -e "$dropin" ] || fail "the drop-in stayed though try-restart failed"
[ "$(cat "$log")" = "--no-ask-password daemon-reload
--no-ask-password --no-block try-restart irqbalance.service
--no-ask-password daemon-reload" ] || fail "systemctl calls after try-restart failed: $(cat "$log")"
rc=0
out=$(pa verify) || rc=$?
[ "$rc" = 6 ] || fail "verify after the failure exited $rc: $out"
rm "$dir/fail"
out=$(pa revert) || fail "revert after the failure: $out"
[ ! -e "$dir/state/journal.json" ] || fail "journal left: $(cat "$dir/state/journal.json")"
EOF
[ "$rc" = 77 ] && exit 0
[ "$rc" = 0 ] || fail "the mount-namespace part failed"
pass "irqbalance on the host's root: systemctl daemon-reload, then --no-block try-restart irqbalance.service, after apply and after revert; when either fails the knob fails, says why, and the drop-in is put back (and systemd reloaded)"

# ---- the real irqbalance reads the drop-in's variable ----
if ! command -v irqbalance >/dev/null 2>&1; then
	skip_part "the real irqbalance reading the drop-in" "irqbalance is not installed"
	exit 0
fi
var=$(sed -n 's/^Environment=//p' "$tmp/sa/irqbalance.service.d/50-perfagent.conf")
rc=0
unshare -m --propagation unchanged bash -s -- "$(command -v irqbalance)" "$var" "$tmp/irqb.out" <<'EOF' || rc=$?
set -eu
program=$1 var=$2 out=$3
. tests/system/lib.sh
FAIL_WHERE=irqbalance
own_mounts "the real irqbalance reading the drop-in" /proc/irq
mount --bind /proc/irq /proc/irq
mount -o remount,bind,ro /proc/irq
f=$(ls /proc/irq/*/smp_affinity_list | head -1)
(cat "$f" >"$f") 2>/dev/null && fail "/proc/irq is still writable"
env "$var" timeout 30 "$program" --oneshot --debug >"$out" 2>&1 || true
EOF
[ "$rc" = 77 ] && exit 0
[ "$rc" = 0 ] || fail "the irqbalance part failed"
grep -q '^Banned CPUs: 0*2$' "$tmp/irqb.out" || fail "irqbalance did not ban CPU 1: $(head -5 "$tmp/irqb.out")"
pass "irqbalance: the real program bans CPU 1 from the drop-in's $var (its /proc/irq read-only: nothing moved)"
