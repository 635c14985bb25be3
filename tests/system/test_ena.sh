#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# [ethtool] knobs on real devices through the kernel's ethtool interface,
# inside a new network namespace (with a private mount namespace and its own
# /sys, so /sys/class/net shows that namespace): a veth pair whose channels a
# profile with drivers = veth sets, verify passes, an administrator's change
# is reported and not fought, revert restores the original; an RPS mask on
# a one-queue veth when the host has more vCPUs; ring and coalescing values
# skipped as not supported by veth; an interface deleted after apply; the
# shipped network profile's ENA values matching no interface; the daemon's
# adaptive ring rule choosing its interfaces by driver and name and saying
# per interface why it does not step (veth has no ring parameters, and this
# machine no ENA NIC: the steps themselves are tested on fake trees in
# tests/unit/daemon/test_adaptive.c); the ENA Express MTU and BQL items and
# the softnet counts read from this kernel's own files (a veth's, through a
# fake tree whose ENA interface links to them). The host's interfaces and
# their NIC settings are compared before and after.
set -eu
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
need_root

need_tools unshare findmnt ip ethtool python3
[ -x "$PERFAGENT" ] || fail "$PERFAGENT is missing: run make first"
unset PERFAGENT_SYSROOT PERFAGENT_STATE_DIR STATE_DIRECTORY PERFAGENT_CONFIG

work=$(mktemp -d /tmp/test_ena.XXXXXX)
trap 'rm -rf "$work"' EXIT
pdir=$work/profiles
mkdir -p "$pdir"

cat >"$pdir/veth.conf" <<'EOF'
[profile]
summary = system test: veth stands in for ENA

[ethtool]
drivers = veth
interfaces = pa_va
channels = 2
rx_ring = max
adaptive_rx = on

[ethtool.rps]
drivers = veth
interfaces = pa_vb
rps = auto
EOF

# What the host has: its interfaces and what ethtool reports of each.
host_nics() {
	ip -o link show | awk -F': ' '{print $2}' | sed 's/@.*//' | sort
	for dev in /sys/class/net/*; do
		for opt in -l -g -c; do ethtool "$opt" "${dev##*/}" 2>&1 || true; done
	done
}
host_ns=$(readlink /proc/self/ns/net)
host_nics >"$work/host-before"

rc=0
unshare -n -m --propagation unchanged bash -s -- "$PERFAGENT" "$work/state" "$pdir" "$host_ns" \
	"$(pwd)/tuning-profiles" <<'EOF' || rc=$?
set -eu
perfagent=$1 state=$2 pdir=$3 host_ns=$4 shipped=$5
# fail() and the other helpers as outside (the working directory is still
# the top of the tree); FAIL_WHERE prefixes this part's failures "FAIL (netns)".
. tests/system/lib.sh
FAIL_WHERE=netns
[ "$(readlink /proc/self/ns/net)" != "$host_ns" ] || fail "not in a new network namespace"
without_sysctl_conf "ENA and NIC settings on veth in a network namespace" /sys
mount -t sysfs sysfs /sys       # /sys/class/net of this namespace

ip link add pa_va numtxqueues 4 numrxqueues 4 type veth peer name pa_vb \
	numtxqueues 1 numrxqueues 1
[ -d /sys/class/net/pa_va ] || fail "sysfs does not show the namespace's interfaces"

pa() { "$perfagent" "$1" --root "" --state-dir "$state" --config /dev/null "${@:2}"; }
apply() { pa apply --profile "$1" --profile-dir "${dir:-$pdir}" --no-imds "${@:2}"; }
rx_channels() { ethtool -l pa_va | awk '/^Current/ {c=1} c && /^RX:/ {print $2}'; }
has() { printf '%s\n' "$out" | grep -qE -- "$1" || fail "$2 lacks '$1':
$out"; }

online=$(cat /sys/devices/system/cpu/online)
vcpus=$(python3 -c '
import sys
n = 0
for part in sys.argv[1].split(","):
    lo, _, hi = part.partition("-")
    n += int(hi or lo) - int(lo) + 1
print(n)' "$online")

# ---- plan ----
[ "$(rx_channels)" = 4 ] || fail "veth did not start with 4 rx channels"
out=$(apply veth --dry-run) || fail "dry run: $out"
has 'ethtool:pa_va:channels +4 +2 +set' "dry run"
has 'ethtool:pa_va:rx_ring .*skip +not supported by the driver' "dry run"
has 'ethtool:pa_va:adaptive_rx .*skip +not supported by the driver' "dry run"
if [ "$vcpus" -gt 1 ]; then
	mask=$(python3 -c 'import sys; print("%x" % ((1 << int(sys.argv[1])) - 1))' "$vcpus")
	[ "$vcpus" -le 32 ] || mask='[0-9a-f,]+'
	has "ethtool:pa_vb:rps:rx-0 +0 +$mask +set" "dry run"
	knobs=2
else
	has 'ethtool:pa_vb:rps .*skip' "dry run"
	knobs=1
fi
[ "$(rx_channels)" = 4 ] || fail "a dry run changed the channels"

# ---- apply, verify, apply again ----
out=$(apply veth) || fail "apply: $out"
has "$knobs applied, 0 failed, 0 kept" "apply"
[ "$(rx_channels)" = 2 ] || fail "channels not applied: $(ethtool -l pa_va)"
if [ "$knobs" = 2 ]; then
	got=$(python3 -c 'import sys; print("%x" % int(sys.argv[1].replace(",", ""), 16))' \
		"$(cat /sys/class/net/pa_vb/queues/rx-0/rps_cpus)")
	[ "$got" = "$mask" ] || fail "rps_cpus is $got, want $mask"
fi
python3 - "$state/journal.json" <<'PY' || fail "journal: $(cat "$state/journal.json")"
import json, sys
e = {x["id"]: x for x in json.load(open(sys.argv[1]))["entries"]}
c = e["ethtool:pa_va:channels"]
assert c["original"] == "4" and c["applied"] == "2" and c["state"] == "applied", c
assert c["path"] == "/sys/class/net/pa_va", c
PY
out=$(pa verify) || fail "verify: $out"
has "verify passed: $knobs knobs" "verify"
out=$(apply veth) || fail "apply again: $out"
has "0 applied, 0 failed, $knobs kept" "apply again"

# ---- an administrator's change: reported, not fought ----
ethtool -L pa_va rx 3 tx 3
out=$(pa verify) && fail "verify passed after an override: $out"
has 'ethtool:pa_va:channels +2 +3 +overridden' "verify"
out=$(apply veth) || fail "apply: $out"
has 'changed by an administrator after perfagent set it \(2 -> 3\); not fought' "apply"
[ "$(rx_channels)" = 3 ] || fail "apply fought the administrator"
ethtool -L pa_va rx 2 tx 2

# ---- revert ----
out=$(pa revert) || fail "revert: $out"
has "revert: $knobs restored, 0 unchanged" "revert"
[ "$(rx_channels)" = 4 ] || fail "channels not restored: $(ethtool -l pa_va)"
ethtool -l pa_va | awk '/^Current/ {c=1} c && /^TX:/ {print $2}' | grep -qx 4 ||
	fail "tx channels not restored"
got=$(python3 -c 'import sys; print(int(sys.argv[1].replace(",", ""), 16))' \
	"$(cat /sys/class/net/pa_vb/queues/rx-0/rps_cpus)")
[ "$got" = 0 ] || fail "rps_cpus not restored"
[ ! -e "$state/journal.json" ] || fail "the journal is left after a full revert"

# ---- the interface goes away after apply ----
out=$(apply veth) || fail "apply: $out"
ip link del pa_va
out=$(pa verify) && fail "verify passed without the interface: $out"
has 'ethtool:pa_va:channels .*missing' "verify"
out=$(pa revert) || fail "revert: $out"
has 'missing now; nothing to restore' "revert"

# ---- the shipped network overlay: its ENA values match no interface here ----
out=$(dir=$shipped apply base --overlays network --dry-run) || fail "network overlay: $out"
has 'ethtool:\*:rx_ring +- +>4096 +skip' "network"
has 'ethtool:\*:adaptive_rx +- +on +skip' "network"
has 'ethtool:\*:rps +- +auto +skip' "network"
has 'ethtool:\*:rfs +- +32768 +skip' "network"
[ "$(printf '%s\n' "$out" | grep -c 'no interface matches interfaces = \*, drivers = ena')" = 4 ] ||
	fail "network: the ENA values are not all skipped as matching nothing: $out"

# ---- the daemon's adaptive ring rule: one entry per interface it covers ----
cat >"$pdir/vring.conf" <<'P'
[profile]
summary = system test: an adaptive ring rule on veth

[ethtool]
drivers = veth
interfaces = pa_v*
rx_ring = >256
rx_ring_budget = 64M

# Test rule: the veths named pa_v*, one interval of drops.
[adapt.vring]
knob = ethtool.rx_ring
drivers = veth
interfaces = pa_v*
when = RxDrops > 0 over 1
step = double
cap = 4096
cooldown = 1
P
ip link add pa_vc type veth peer name pa_vd
ip link add pa_xe type veth peer name pa_xf     # not pa_v*: never the rule's
conf=$pdir/../vring-daemon.conf run=$pdir/../run
printf 'interval = 1\nimds = off\nmetrics = off\nmode = apply\nprofile = vring\n' >"$conf"
"$perfagent" daemon --config "$conf" --root "" --runtime-dir "$run" --state-dir "$state" \
	2>"$pdir/../daemon.log" &
daemon_pid=$!
trap 'kill "$daemon_pid" 2>/dev/null; wait' EXIT
st() { "$perfagent" status --json --runtime-dir "$run" >"$pdir/../s.json" 2>/dev/null &&
	json_get "$pdir/../s.json" "sorted(a.get('interface', '') for a in j['adaptive'])"; }
wait_for 10 eval '[ "$(st)" = "['"'"'pa_vc'"'"', '"'"'pa_vd'"'"']" ]' ||
	fail "status does not list the rule on pa_vc and pa_vd: $(st); $(cat "$pdir/../daemon.log")"
for nic in pa_vc pa_vd; do
	got=$(json_get "$pdir/../s.json" "[(a['state'], a['why']) for a in j['adaptive'] if a['interface'] == '$nic'][0]")
	[ "$got" = "('off', '$nic: its rx ring cannot be read here (ethtool -g)')" ] ||
		fail "status of the rule on $nic: $got"
done
out=$("$perfagent" status --runtime-dir "$run") || fail "status: $out"
has 'vring \(off\): pa_vc: its rx ring cannot be read here \(ethtool -g\)' "status"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "daemon exited $? on SIGTERM"
trap - EXIT
[ ! -e "$state/adaptive.log" ] || fail "a change was logged: $(cat "$state/adaptive.log")"

# ---- ENA Express items and softnet on the kernel's own files ----
# A fake tree (--root) whose ENA interface ens5 reads a veth's mtu and queues
# and the namespace's softnet_stat and tcp_limit_output_bytes, mounted over
# the tree's files (bind mounts: a symlink out of the tree would be looked
# up inside it, as chroot would): the items are read from what this kernel
# writes. Nothing is written to the host: the MTU and BQL changes are this
# namespace's veth's.
froot=$pdir/../froot run=$pdir/../run2 conf=$pdir/../ena-daemon.conf
tests/system/fakeroot.sh "$froot" --dmi nitro --type m6i.large >/dev/null
ip link add pa_vx type veth peer name pa_vy
rm -rf "$froot/sys/class/net/ens5/queues"
mkdir -p "$froot/sys/class/net/ens5/queues" "$froot/proc/net" "$froot/proc/sys/net/ipv4"
touch "$froot/proc/net/softnet_stat" "$froot/proc/sys/net/ipv4/tcp_limit_output_bytes"
if ! why=$(private_mounts "$froot"); then
	# the last part of this namespace: what ran before stands
	skip_part "ENA Express items and softnet on the kernel's files" "$why"
	exit 0
fi
mount --bind /sys/class/net/pa_vx/mtu "$froot/sys/class/net/ens5/mtu"
mount --bind /sys/class/net/pa_vx/queues "$froot/sys/class/net/ens5/queues"
mount --bind /proc/net/softnet_stat "$froot/proc/net/softnet_stat"
mount --bind /proc/sys/net/ipv4/tcp_limit_output_bytes "$froot/proc/sys/net/ipv4/tcp_limit_output_bytes"
printf 'interval = 1\nimds = off\nmetrics = off\nmode = advise\n' >"$conf"
"$perfagent" daemon --config "$conf" --root "$froot" --runtime-dir "$run" \
	--state-dir "$state.ena" 2>"$pdir/../ena-daemon.log" &
daemon_pid=$!
trap 'kill "$daemon_pid" 2>/dev/null; wait' EXIT
sj=$pdir/../ena.json
# item NAME FIELD: the ENA Express item NAME of ens5 in a fresh status.
ena_status() { "$perfagent" status --json --runtime-dir "$run" >"$sj" 2>/dev/null; }
item() {
	json_get "$sj" "[c for c in [n for n in j['ena']['interfaces'] if n['interface'] == 'ens5'][0]['ena_express']['checks'] if c['check'] == '$1'][0]['$2']"
}
wait_for 10 ena_status || fail "no status from the daemon on the fake tree: $(cat "$pdir/../ena-daemon.log")"
[ "$(item mtu value)" = 1500 ] && [ "$(item mtu ok)" = True ] || fail "mtu item at 1500: $(item mtu value) $(item mtu ok)"
ip link set pa_vx mtu 9001
ena_status
[ "$(item mtu value)" = 9001 ] && [ "$(item mtu ok)" = False ] || fail "mtu item at 9001: $(item mtu value) $(item mtu ok)"
out=$("$perfagent" status --runtime-dir "$run") || fail "status: $out"
# A fake tree has no ENA statistics: whether ENA Express is on is not known,
# so the text gives the counts (the items: --json, above; tests/unit/net/test_ena.c
# prints them where it is on).
has 'ENA Express: not ready \(whether it is on for this ENI is not known\): 1 required, [0-9]+ recommended settings? to change.*\(status --json lists them\)' "status"
[ "$(item tcp_limit_output_bytes value)" = "$(cat /proc/sys/net/ipv4/tcp_limit_output_bytes)" ] ||
	fail "tcp_limit_output_bytes item: $(item tcp_limit_output_bytes value)"
bql=/sys/class/net/pa_vx/queues/tx-0/byte_queue_limits/limit_min
if [ -e "$bql" ]; then
	echo 0 >"$bql"
	ena_status
	[ "$(item bql ok)" = False ] || fail "bql with limit_min 0: $(item bql value)"
	echo max >"$bql"
	ena_status
	[ "$(item bql ok)" = True ] || fail "bql with limit_min max: $(item bql value)"
else
	# kernels since 6.x hide byte_queue_limits on devices without BQL, veth's included
	[ "$(item bql ok)" = None ] || fail "bql without byte_queue_limits: $(item bql value)"
fi
# softnet: this kernel's format, every online CPU, the CPU numbers where it prints them
wait_for 10 eval '[ "$(ena_status && json_get "$sj" "j[\"ena\"][\"softnet\"][\"intervals\"]")" -ge 1 ]' ||
	fail "no softnet interval: $(cat "$sj")"
cols=$(awk '{print NF; exit}' /proc/net/softnet_stat)
[ "$(json_get "$sj" "j['ena']['softnet']['cpus']")" = "$(wc -l </proc/net/softnet_stat)" ] ||
	fail "softnet cpus: $(json_get "$sj" "j['ena']['softnet']")"
[ "$(json_get "$sj" "j['ena']['softnet']['cpu_numbers']")" = "$([ "$cols" -ge 13 ] && echo True || echo False)" ] ||
	fail "softnet CPU numbers with $cols columns: $(json_get "$sj" "j['ena']['softnet']")"
out=$("$perfagent" status --runtime-dir "$run") || fail "status: $out"
has '^softnet +(no drops or time squeezes on [0-9]+ CPUs|[0-9,]+ packets? dropped|the receive softirq)' "status"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "daemon on the fake tree exited $? on SIGTERM"
trap - EXIT
EOF
[ "$rc" = 0 ] || [ "$rc" = 77 ] || fail "the network namespace part failed"

host_nics >"$work/host-after"
diff -u "$work/host-before" "$work/host-after" || fail "the host's NIC settings changed"
[ "$(readlink /proc/self/ns/net)" = "$host_ns" ] || fail "left in another namespace"
[ "$rc" = 77 ] && exit 77   # the whole test is that part: skipped, and said why
pass "veth in a netns: channels and RPS applied, verified, not fought, restored; unsupported values skipped; the ring rule per interface in status; ENA Express MTU and BQL items and softnet on the kernel's files; host untouched"
