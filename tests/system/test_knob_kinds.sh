#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The knob kinds of issue 18 through the binary, on the fake tree
# (tune_tree.sh): the EBS I/O timeout (the EBS volume only, restored byte
# for byte), the clocksource (only where the kernel offers tsc), and the
# PM QoS CPU latency of the latency overlay, held by the daemon: status says
# so, a one-shot apply says only the daemon holds it, a reload without the
# overlay, a revert through the socket and a stop release it, advise holds
# nothing. Then the daemon holds this host's real /dev/cpu_dma_latency for a
# moment, through a tree that links to it, and the host's value is back
# after it stops.
set -eu
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
need_root
need_tools python3 od
[ -x "$PERFAGENT" ] || fail "$PERFAGENT is missing: run make first"
unset PERFAGENT_SYSROOT PERFAGENT_STATE_DIR STATE_DIRECTORY PERFAGENT_CONFIG

tmp=$(mktemp -d /tmp/test_knob_kinds.XXXXXX)
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

root= state=
conf=$tmp/perfagent.conf
run=$tmp/run

new_tree() { # new_tree NAME
	root=$tmp/$1/root
	state=$tmp/$1/state
	tests/system/tune_tree.sh "$root" >/dev/null
}
pa() { # pa COMMAND [ARG]...: perfagent on $root with $state
	local cmd=$1
	shift
	"$PERFAGENT" "$cmd" --root "$root" --state-dir "$state" --config "$conf" "$@"
}
apply() { pa apply --no-imds "$@"; }
# The PM QoS value a device (file) holds: its 4 bytes as an s32.
latency() { od -An -td4 "$1" | tr -d ' '; }

# ---- EBS I/O timeout: the EBS volume only ----
new_tree ebs
cp -a "$root" "$tmp/ebs/pristine"
: >"$conf"
out=$(apply --profile base) || fail "apply base: $out"
echo "$out" | grep -qE '^block:nvme0n1:io_timeout +30000 +4294967295 +applied' || fail "plan: $out"
echo "$out" | grep -q 'nvme1n1:io_timeout' && fail "instance store planned: $out"
[ "$(cat "$root/sys/block/nvme0n1/queue/io_timeout")" = 4294967295 ] || fail "EBS volume not set"
[ "$(cat "$root/sys/block/nvme1n1/queue/io_timeout")" = 30000 ] || fail "instance store changed"
out=$(pa verify) || fail "verify: $out"
out=$(apply --profile base) || fail "apply again: $out"
echo "$out" | grep -qE '^block:nvme0n1:io_timeout +4294967295 +4294967295 +keep' || fail "again: $out"
# The kernel reads its longest timeout back lower (HZ=250): still kept.
echo 4294967288 >"$root/sys/block/nvme0n1/queue/io_timeout"
out=$(pa verify) || fail "verify of the kernel's read-back: $out"
echo 4294967295 >"$root/sys/block/nvme0n1/queue/io_timeout"
out=$(pa revert) || fail "revert: $out"
diff -r --no-dereference "$tmp/ebs/pristine" "$root" || fail "revert did not restore the tree"
pass "io_timeout: the EBS volume set to 4294967295, instance store untouched; the kernel's read-back kept; restored byte for byte"

# ---- clocksource: only where the kernel offers tsc ----
new_tree clock
cp -a "$root" "$tmp/clock/pristine"
out=$(apply --profile base --overlays xen) || fail "apply xen: $out"
[ "$(cat "$root/sys/devices/system/clocksource/clocksource0/current_clocksource")" = tsc ] ||
	fail "clocksource not tsc: $out"
out=$(pa verify) || fail "verify: $out"
out=$(pa revert) || fail "revert: $out"
diff -r --no-dereference "$tmp/clock/pristine" "$root" || fail "revert did not restore the tree"
echo "kvm-clock hpet acpi_pm " >"$root/sys/devices/system/clocksource/clocksource0/available_clocksource"
out=$(apply --profile base --overlays xen) || fail "apply xen without tsc: $out"
echo "$out" | grep -q 'not applicable: this kernel does not offer tsc (available_clocksource: kvm-clock hpet acpi_pm)' ||
	fail "no reason: $out"
[ "$(cat "$root/sys/devices/system/clocksource/clocksource0/current_clocksource")" = kvm-clock ] ||
	fail "written though not offered"
pass "clocksource: tsc set and restored where offered; skipped with the reason where not"

# ---- PM QoS: held by the daemon ----
python3 "$TESTS_DIR/notify_listener.py" "$tmp/notify.sock" "$tmp/notify.log" >"$tmp/listener.out" &
listener_pid=$!
wait_for 5 grep -q listening "$tmp/listener.out" || fail "notify listener did not start"

start_daemon() {
	: >"$tmp/notify.log"
	NOTIFY_SOCKET=$tmp/notify.sock "$PERFAGENT" daemon --config "$conf" --root "$root" \
		--runtime-dir "$run" --state-dir "$state" 2>>"$tmp/daemon.log" &
	daemon_pid=$!
	wait_for 10 grep -q "READY=1" "$tmp/notify.log" || fail "no READY=1: $(cat "$tmp/daemon.log")"
}
stop_daemon() {
	kill -TERM "$daemon_pid"
	wait "$daemon_pid" || fail "daemon exited $? on SIGTERM"
	daemon_pid=
}
reload() {
	: >"$tmp/notify.log"
	kill -HUP "$daemon_pid"
	wait_for 5 grep -q "READY=1" "$tmp/notify.log" || fail "no READY after SIGHUP"
}
status_json() { "$PERFAGENT" status --json --runtime-dir "$run" >"$tmp/status.json"; }
held() { json_get "$tmp/status.json" '(j["pmqos"]["held"], j["pmqos"]["latency_us"], j["pmqos"]["in_force_us"])'; }
# Whether the daemon has the device open.
holds_open() { ls -l "/proc/$daemon_pid/fd" 2>/dev/null | grep -q -- "-> $1\$"; }

new_tree pmqos
dev=$root/dev/cpu_dma_latency
printf 'interval = 60\nimds = off\nmode = advise\noverlays = latency\n' >"$conf"
start_daemon
status_json
[ "$(held)" = "(False, None, 2000000000)" ] || fail "advise holds: $(held)"
holds_open "$dev" && fail "advise opened the device"
stop_daemon
pass "pmqos: advise holds nothing"

printf 'interval = 60\nimds = off\nmode = apply\noverlays = latency\n' >"$conf"
start_daemon
status_json
[ "$(held)" = "(True, 2, 2)" ] || fail "not held: $(held); $(cat "$tmp/daemon.log")"
[ "$(latency "$dev")" = 2 ] || fail "the device holds $(latency "$dev")"
holds_open "$dev" || fail "the daemon does not hold $dev open"
"$PERFAGENT" status --runtime-dir "$run" | grep -qE "^pm qos +CPU latency held at 2 us on /dev/cpu_dma_latency since " ||
	fail "human status: $("$PERFAGENT" status --runtime-dir "$run")"
# The plan through the socket: kept, held by the daemon, state1 resolved.
out=$(python3 "$TESTS_DIR/ctl_client.py" "$run/perfagent.sock" raw '{"cmd":"apply"}')
python3 - "$out" <<'PY' || fail "the daemon's plan: $out"
import json, sys
items = [i for i in json.loads(sys.argv[1])["result"]["knobs"] if i["id"] == "pmqos:cpu_dma_latency"]
i = items[0]
assert (i["action"], i["current"], i["desired"]) == ("keep", "2", "2"), i
assert i["reason"].startswith("held by the daemon; state1 = C1's exit latency on this host (2 us)"), i
PY
# A one-shot apply has no holder: it says so and leaves the daemon's alone.
out=$(apply --dry-run) || fail "dry run: $out"
echo "$out" | grep -qE '^pmqos:cpu_dma_latency +2 +2 +skip' || fail "dry run: $out"
echo "$out" | tr -s ' \n' ' ' | grep -q 'held only by the daemon while it runs (mode = apply)' ||
	fail "dry run reason: $out"
out=$(apply --json) || fail "apply: $out"
[ "$(printf '%s' "$out" | python3 -c 'import json,sys; print([i["skip"] for i in json.load(sys.stdin)["knobs"] if i["id"].startswith("pmqos")])')" = "['daemon-only']" ] ||
	fail "apply --json: $out"
holds_open "$dev" || fail "a one-shot apply took the daemon's hold"
pass "pmqos: held by the daemon (status, plan kept); a one-shot apply says only the daemon holds it"

# A reload without the overlay lets go; with it again, held again.
printf 'interval = 60\nimds = off\nmode = apply\n' >"$conf"
reload
status_json
[ "$(held)" = "(False, None, 2000000000)" ] || fail "still held after the overlay went: $(held)"
holds_open "$dev" && fail "the device is still open"
printf 'interval = 60\nimds = off\nmode = apply\noverlays = latency\n' >"$conf"
reload
status_json
[ "$(held)" = "(True, 2, 2)" ] || fail "not held again: $(held)"
# The CLI's revert cannot release it, and says a limit is in force.
out=$(pa revert) || fail "CLI revert: $out"
echo "$out" | tr -s ' \n' ' ' | grep -q 'a CPU latency limit of 2 us is in force (PM QoS, /dev/cpu_dma_latency)' ||
	fail "CLI revert note: $out"
holds_open "$dev" || fail "the CLI's revert closed the daemon's device?"
# The daemon's revert releases it.
out=$(python3 "$TESTS_DIR/ctl_client.py" "$run/perfagent.sock" raw '{"cmd":"revert"}')
echo "$out" | grep -q '"id": *"pmqos:cpu_dma_latency"' || fail "socket revert: $out"
status_json
[ "$(held)" = "(False, None, 2000000000)" ] || fail "held after revert: $(held)"
reload
status_json
[ "$(held)" = "(True, 2, 2)" ] || fail "not held after reload: $(held)"
stop_daemon
[ "$(latency "$dev")" = 2000000000 ] || fail "stop left $(latency "$dev")"
grep -q '"pmqos:' "$state/journal.json" 2>/dev/null && fail "the hold was journaled"
pass "pmqos: released by a reload without the overlay, by revert through the socket and at stop; never journaled"

# ---- PM QoS on this host's real device, for a moment ----
if [ ! -c /dev/cpu_dma_latency ]; then
	skip_part "the daemon holding the real /dev/cpu_dma_latency" "no such device here"
	exit 0
fi
new_tree real
# The device itself in the tree (a node with its numbers): a symlink out of
# the tree would be looked up inside it (--root is a root, as chroot's).
rm -f "$root/dev/cpu_dma_latency"
if ! mknod "$root/dev/cpu_dma_latency" c "$((0x$(stat -c %t /dev/cpu_dma_latency)))" \
	"$((0x$(stat -c %T /dev/cpu_dma_latency)))" 2>"$tmp/mknod.err"; then
	skip_part "the daemon holding the real /dev/cpu_dma_latency" \
		"cannot make its device node in the tree: $(cat "$tmp/mknod.err")"
	exit 0
fi
before=$(latency /dev/cpu_dma_latency)
start_daemon
status_json
now=$(latency /dev/cpu_dma_latency)
[ "$(json_get "$tmp/status.json" 'j["pmqos"]["held"]')" = True ] || fail "real device not held: $(held)"
[ "$now" -le 2 ] || fail "the kernel reports $now us in force while 2 is held"
stop_daemon
after=$(latency /dev/cpu_dma_latency)
[ "$after" = "$before" ] || fail "after the daemon stopped: $after us in force, $before before"
pass "pmqos: the daemon held this host's /dev/cpu_dma_latency ($before -> $now us in force) and the kernel dropped it at stop ($after)"
