#!/usr/bin/env bash
# Tuning that follows the host (issue 18), for real, in a network namespace
# with a private mount namespace: the daemon, started first, tunes a veth
# created after it (channels, RPS), sets again what a "device reset" put
# back, does not fight an administrator, plans a burst of 20 veths once,
# drops the journal entries of deleted ones, tunes a loop device attached
# after start and forgets it when detached, counts uevents that are not
# the kernel's, stays responsive and bounded through a flood of uevents, and
# in advise mode writes nothing. Revert restores the survivors exactly.
set -eu
. "$(dirname "$0")/lib.sh"
need_root
need_tools unshare findmnt ip ethtool losetup python3 truncate

work=$(mktemp -d /tmp/perfagent-hotplug.XXXXXX)
chmod 0755 "$work"
irq_daemon=
cleanup() {
	if [ -n "$irq_daemon" ]; then kill "$irq_daemon" 2>/dev/null || true; fi
	# still attached after a failure: only a device backed by this test's file
	[ -f "$work/disk" ] && losetup -j "$work/disk" -n -O NAME | xargs -r losetup -d
	rm -rf "$work"
}
trap cleanup EXIT

# A loop device that is free now (size 0: no media, so nothing to tune at
# start), attached inside the test; block devices are not per namespace.
loopdev=$(losetup -f) || fail "no free loop device (losetup -f)"
loop=${loopdev#/dev/}
truncate -s 64M "$work/disk"

mkdir -p "$work/profiles"
cat >"$work/profiles/hptest.conf" <<EOF
[profile]
summary = hot-plug test
kind = class

[ethtool.veth]
drivers = veth
interfaces = hp*
# Test values: as many channels as the veth has, RPS spread.
channels = max
rps = auto

[block.loop]
devices = $loop
# Test values.
scheduler = mq-deadline
read_ahead_kb = 1024
EOF

host_ns=$(readlink /proc/self/ns/net)
rc=0
unshare -n -m --propagation unchanged bash -s -- "$PERFAGENT" "$work" "$loopdev" "$host_ns" \
	<<'EOF' || rc=$?
set -eu
perfagent=$1 work=$2 loopdev=$3 host_ns=$4
loop=${loopdev#/dev/}
. tests/system/lib.sh
FAIL_WHERE=netns
[ "$(readlink /proc/self/ns/net)" != "$host_ns" ] || fail "not in a new network namespace"
without_sysctl_conf "hot-plug in a network namespace" /sys
mount -t sysfs sysfs /sys       # /sys/class/net of this namespace
ip link set lo up

run=$work/run state=$work/state conf=$work/perfagent.conf
# ASan's quarantine would keep freed memory resident: RSS then says nothing.
[ "${PERFAGENT_SANITIZED:-}" = 1 ] && export ASAN_OPTIONS="${ASAN_OPTIONS:-}:quarantine_size_mb=0"
daemon_pid=
stop_daemon() {
	[ -n "$daemon_pid" ] || return 0
	kill -TERM "$daemon_pid"
	wait "$daemon_pid" || fail "daemon exited $? on SIGTERM: $(cat "$work/daemon.log")"
	daemon_pid=
}
trap 'stop_daemon 2>/dev/null; [ -n "$daemon_pid" ] && kill -9 "$daemon_pid"' EXIT
start_daemon() {
	printf 'interval = 1\nimds = off\nmetrics = off\nmode = %s\nprofile = hptest\n' "$1" >"$conf"
	"$perfagent" daemon --config "$conf" --root "" --runtime-dir "$run" --state-dir "$state" \
		2>>"$work/daemon.log" &
	daemon_pid=$!
	wait_for 10 test -S "$run/perfagent.sock" || fail "daemon did not start: $(cat "$work/daemon.log")"
	wait_for 10 "$perfagent" status --runtime-dir "$run" >/dev/null ||
		fail "no status: $(cat "$work/daemon.log")"
}
status() { "$perfagent" status --json --runtime-dir "$run" >"$work/status.json"; }
follow() { status && json_get "$work/status.json" "j['follow']['$1']"; }
rx() { ethtool -l "$1" | awk '/^Current/ {c=1} c && /^RX:/ {print $2}'; }
rps() { cat "/sys/class/net/$1/queues/rx-0/rps_cpus"; }
tuned() { [ "$(rx "$1")" = 2 ] && [ "$(rps "$1")" != 0 ]; }
journal_ids() { [ -f "$state/journal.json" ] && json_get "$state/journal.json" "' '.join(e['id'] for e in j['entries'])" || true; }

start_daemon apply
[ "$(follow watching)" = "links and disks" ] || fail "watching: $(follow watching)"

# ---- a veth created after start: its settings within a moment ----
t0=$(now_ms)
# One receive queue now, two at most (the peer's): channels 1 -> 2, and RPS
# while the vCPUs (2) outnumber the queues.
ip link add hp0 type veth peer name hp0p numrxqueues 2 numtxqueues 2
wait_for 10 tuned hp0 || fail "hp0 not tuned: rx $(rx hp0), rps $(rps hp0); $(cat "$work/daemon.log")"
took=$(($(now_ms) - t0))
journal_ids | grep -q 'ethtool:hp0:channels' || fail "journal: $(journal_ids)"
pass "a veth created after start got its channels and RPS in $took ms"

# ---- a reset: down, the driver's default back, up: set again ----
ip link set hp0p up
ip link set hp0 up
wait_for 10 eval '[ "$(cat /sys/class/net/hp0/operstate)" = up ]' || fail "hp0 not up"
sleep 1.5
ip link set hp0 down
ethtool -L hp0 rx 1 tx 1        # what the driver had before perfagent: its original
ip link set hp0 up
wait_for 10 eval '[ "$(rx hp0)" = 2 ]' || fail "channels not set again after the reset: $(rx hp0)"
wait_for 5 eval '[ "$(follow resets)" -ge 1 ]' || fail "no reset counted: $(cat "$work/status.json")"
grep -q "hp0: carrier back" "$work/daemon.log" || fail "reset not logged: $(cat "$work/daemon.log")"
pass "a reset that put the driver's default back: set again, logged and counted"

# ---- an administrator's value is not fought ----
ethtool -L hp0 rx 1 tx 1        # the same value as the reset's, but no reset
before=$(follow replans)
ip link add hq0 type veth peer name hq0p        # a change the profile has no settings for
wait_for 10 eval '[ "$(follow replans)" -gt "$before" ]' || fail "no re-plan after hq0"
[ "$(rx hp0)" = 1 ] || fail "the administrator's channels were overwritten: $(rx hp0)"
status
[ "$(json_get "$work/status.json" "j['profile']['counts']['overridden']")" -ge 1 ] ||
	fail "override not reported: $(json_get "$work/status.json" "j['profile']['counts']")"
pass "a value changed by an administrator stays, reported as overridden"

# ---- a burst of 20 veths: one plan ----
sleep 1.5
before=$(follow replans) bursts=$(follow bursts)
for i in $(seq 0 19); do echo "link add hpb$i type veth peer name hpc$i"; done >"$work/add.batch"
ip -batch "$work/add.batch"
wait_for 10 eval '[ "$(rps hpb19)" != 0 ]' || fail "hpb19 not tuned"
sleep 1.5
for i in $(seq 0 19); do [ "$(rps "hpb$i")" != 0 ] || fail "hpb$i not tuned"; done
[ "$(follow replans)" = $((before + 1)) ] || fail "20 veths: $(($(follow replans) - before)) plans, want 1"
[ "$(follow bursts)" = $((bursts + 1)) ] || fail "20 veths: $(($(follow bursts) - bursts)) bursts"
pass "a burst of 20 veths (40 interfaces): one plan"

# ---- deleted: their journal entries go, without an error ----
for i in $(seq 0 19); do echo "link del hpb$i"; done >"$work/del.batch"
ip -batch "$work/del.batch"
wait_for 10 sh -c "! grep -q hpb '$state/journal.json'" || fail "journal keeps hpb*: $(journal_ids)"
grep -qiE "warn|error" "$work/daemon.log" && fail "warnings: $(cat "$work/daemon.log")"
pass "20 veths deleted: their journal entries dropped, no warning"

# ---- a loop device attached after start; detached: forgotten ----
journal_ids | grep -q "block:$loop:" && fail "an unattached loop device was tuned"
losetup "$loopdev" "$work/disk"
wait_for 10 grep -q '\[mq-deadline\]' "/sys/block/$loop/queue/scheduler" ||
	fail "scheduler: $(cat "/sys/block/$loop/queue/scheduler")"
wait_for 5 eval '[ "$(cat "/sys/block/$loop/queue/read_ahead_kb")" = 1024 ]' || fail "read_ahead_kb"
journal_ids | grep -q "block:$loop:read_ahead_kb" || fail "journal: $(journal_ids)"
losetup -d "$loopdev"
wait_for 10 sh -c "! grep -q 'block:$loop:' '$state/journal.json'" ||
	fail "detached $loop stays in the journal: $(journal_ids)"
pass "$loop attached after start got its scheduler and read-ahead; detached, forgotten"

# ---- not the kernel's: counted and dropped; a flood: bounded and responsive ----
python3 - <<'PY'
import socket
s = socket.socket(socket.AF_NETLINK, socket.SOCK_DGRAM, 15)   # NETLINK_KOBJECT_UEVENT
s.bind((0, 0))
for _ in range(10):
    s.sendto(b"add@/devices/virtual/block/evil\0ACTION=add\0SUBSYSTEM=block\0DEVTYPE=disk\0DEVNAME=evil\0", (0, 1))
PY
wait_for 5 eval '[ "$(follow malformed)" -ge 10 ]' || fail "forged uevents not counted: $(follow malformed)"
pass "uevents not sent by the kernel: dropped and counted"
# The flood is an exhaustive case: make test-long (CI runs it).
if long_part "a flood of 2000 uevents: bounded and responsive (5 s)"; then
losetup "$loopdev" "$work/disk"
rss() { awk '/^VmRSS:/ {print $2}' "/proc/$daemon_pid/status"; }
sleep 1.5
rss0=$(rss) events0=$(follow events)
t0=$(now_ms)
for i in $(seq 1 2000); do echo change >"/sys/block/$loop/uevent"; done &
flood=$!
slowest=0
while kill -0 "$flood" 2>/dev/null; do
	s=$(now_ms)
	"$perfagent" status --runtime-dir "$run" >/dev/null || fail "status failed during the flood"
	d=$(($(now_ms) - s))
	[ "$d" -gt "$slowest" ] && slowest=$d
	sleep 0.2
done
wait "$flood"
flood_ms=$(($(now_ms) - t0))
sleep 1.5
got=$(($(follow events) - events0))
grow=$(($(rss) - rss0))
[ "$got" -ge 1000 ] || fail "flood: only $got of 2000 uevents seen"
[ "$grow" -lt 2048 ] || fail "flood: RSS grew $grow KiB"
losetup -d "$loopdev"
wait_for 10 sh -c "! grep -q 'block:$loop:' '$state/journal.json'" ||
	fail "detached $loop stays in the journal after the flood: $(journal_ids)"
pass "flood of 2000 uevents in $flood_ms ms: $got seen, status answered within $slowest ms, RSS +$grow KiB"
fi

# ---- advise: plans the new veth, writes nothing ----
stop_daemon
start_daemon advise
ip link add hp5 type veth peer name hp5p numrxqueues 2 numtxqueues 2
wait_for 10 sh -c "'$perfagent' status --json --runtime-dir '$run' | grep -q 'hp5'" ||
	fail "advise: hp5 not planned"
follow last >/dev/null
json_get "$work/status.json" "j['follow']['last']['done']" | grep -q "advise only" ||
	fail "advise: $(json_get "$work/status.json" "j['follow']['last']")"
[ "$(rx hp5)" = 1 ] && [ "$(rps hp5)" = 0 ] || fail "advise mode wrote hp5: rx $(rx hp5), rps $(rps hp5)"
stop_daemon
pass "advise: a new veth planned, nothing written"

# ---- revert: the survivors exactly ----
"$perfagent" revert --root "" --state-dir "$state" --config /dev/null >"$work/revert.out" ||
	fail "revert: $(cat "$work/revert.out")"
grep -qE "ethtool:hp0:channels +1 +1 +unchanged" "$work/revert.out" ||
	fail "revert: the administrator's channels: $(cat "$work/revert.out")"
[ "$(rx hp0)" = 1 ] && [ "$(rps hp0)" = 0 ] || fail "revert: hp0 rx $(rx hp0), rps $(rps hp0)"
[ "$(rx hp0p)" = 1 ] && [ "$(rps hp0p)" = 0 ] || fail "revert: hp0p rx $(rx hp0p), rps $(rps hp0p)"
[ ! -f "$state/journal.json" ] || fail "revert left a journal: $(journal_ids)"
pass "revert restored the survivors exactly (hp0, hp0p: channels 1, no RPS)"
EOF
[ "$rc" = 0 ] || [ "$rc" = 77 ] || fail "the network namespace part failed"
[ "$(readlink /proc/self/ns/net)" = "$host_ns" ] || fail "left in another namespace"
[ "$rc" = 77 ] || pass "hot-plug: links and disks followed in a network namespace"

# ---- interrupts that move: RPS derived again, an administrator's mask kept ----
# A fake tree: ens5 (ena) with one receive queue on 2 vCPUs, its interrupt
# on CPU 0; RPS goes to the other CPU and follows the interrupt.
root=$work/root
"$TESTS_DIR/tune_tree.sh" "$root"
put() { mkdir -p "$(dirname "$root/$1")" && printf '%s\n' "$2" >"$root/$1"; }
put sys/class/net/ens5/queues/rx-0/rps_cpus 0
put sys/class/net/ens5/device/numa_node -1
put sys/devices/system/cpu/cpu0/topology/thread_siblings_list 0
put sys/devices/system/cpu/cpu1/topology/thread_siblings_list 1
put proc/interrupts "            CPU0       CPU1
 40:        100          0   PCI-MSIX-0000:00:05.0   1-edge      ens5-Tx-Rx-0
NMI:          0          0   Non-maskable interrupts"
put proc/irq/40/smp_affinity_list 0
mkdir -p "$work/irq/profiles"
cat >"$work/irq/profiles/irqtest.conf" <<'PROFILE'
[profile]
summary = interrupt move test
kind = class

[ethtool.ena]
# Test value.
rps = auto
PROFILE
printf 'interval = 1\nimds = off\nmetrics = off\nmode = apply\nprofile = irqtest\n' \
	>"$work/irq/perfagent.conf"
rps_file=$root/sys/class/net/ens5/queues/rx-0/rps_cpus
"$PERFAGENT" daemon --config "$work/irq/perfagent.conf" --root "$root" --runtime-dir "$work/irq/run" \
	--state-dir "$work/irq/state" 2>"$work/irq/daemon.log" &
irq_daemon=$!
wait_for 10 eval '[ "$(cat "$rps_file")" = 2 ]' ||
	fail "RPS not on CPU 1 at start: $(cat "$rps_file"); $(cat "$work/irq/daemon.log")"
put proc/irq/40/smp_affinity_list 1
wait_for 10 eval '[ "$(cat "$rps_file")" = 1 ]' ||
	fail "RPS did not follow the interrupt to CPU 1: $(cat "$rps_file"); $(cat "$work/irq/daemon.log")"
grep -q "interrupt CPUs moved: ens5=0 -> ens5=1" "$work/irq/daemon.log" ||
	fail "move not logged: $(cat "$work/irq/daemon.log")"
echo 3 >"$rps_file"             # an administrator's mask
put proc/irq/40/smp_affinity_list 0
irq_moves() {
	"$PERFAGENT" status --json --runtime-dir "$work/irq/run" >"$work/irq/status.json" &&
		json_get "$work/irq/status.json" "j['follow']['irq_moves']"
}
wait_for 10 eval '[ "$(irq_moves)" = 2 ]' ||
	fail "irq moves: $(json_get "$work/irq/status.json" "j['follow']")"
[ "$(cat "$rps_file")" = 3 ] || fail "the administrator's RPS mask was overwritten: $(cat "$rps_file")"
kill -TERM "$irq_daemon"
wait "$irq_daemon" || fail "daemon exited $? on SIGTERM"
irq_daemon=
pass "an interrupt that moved: RPS derived again (CPU 1, then 0); an administrator's mask not fought"
