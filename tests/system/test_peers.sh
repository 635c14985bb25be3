#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Other tuning agents on a fake tree: a running tuned whose profile includes
# another, then bpftune; `perfagent apply --dry-run` and the daemon's status
# (text and JSON) name the knobs both set, exclude = takes a knob out, a FIFO
# as tuned.conf is a note and not a hang, and a host without them shows
# nothing. A few seconds.
# lane: side
set -eu
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
need_root

[ -x "$PERFAGENT" ] || fail "$PERFAGENT is missing: run make first"
unset PERFAGENT_SYSROOT PERFAGENT_STATE_DIR STATE_DIRECTORY PERFAGENT_CONFIG

work=$(mktemp -d /tmp/test_peers.XXXXXX)
chmod 0755 "$work"
root=$work/root
conf=$work/perfagent.conf
daemon_pid=
cleanup() {
	[ -z "$daemon_pid" ] || kill "$daemon_pid" 2>/dev/null || true
	wait 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT

put() { # put FILE CONTENT: CONTENT and a newline in $root/FILE, parents created
	mkdir -p "$(dirname "$root/$1")"
	printf '%s\n' "$2" >"$root/$1"
}

dry_run() { # dry_run [ARG]...: plans the general profile on $root, writes nothing
	timeout 20 "$PERFAGENT" apply --dry-run --root "$root" --state-dir "$work/state" \
		--config "$conf" --profile general --no-imds "$@"
}

tests/system/tune_tree.sh "$root" >/dev/null
: >"$conf"

# ---- nothing but perfagent ----
out=$(dry_run)
! grep -q "other tuner" <<<"$out" || fail "a peer on a host without one:
$out"
pass "no other tuner: nothing said"

# ---- tuned running, its profile including the shipped one ----
put run/tuned/tuned.pid 4242
put proc/4242/comm tuned
put etc/tuned/active_profile mine
put usr/lib/tuned/throughput-performance/tuned.conf "[main]
summary=Broadly applicable tuning
[cpu]
governor=performance
[vm]
transparent_hugepages=always
[sysctl]
vm.swappiness=10
net.ipv4.tcp_rmem=\${f:exec:echo:4096 87380 16777216}"
put etc/tuned/mine/tuned.conf "[main]
include=throughput-performance
[sysctl]
vm.swappiness=30"

out=$(dry_run)
line=$(grep "^other tuner" <<<"$out") || fail "no other tuner line:
$out"
for want in "tuned running \(/run/tuned/tuned.pid: pid 4242\), profile mine; both set: " \
	"sysctl:vm.swappiness \(perfagent 10, tuned 30\)" \
	"sysctl:net.ipv4.tcp_rmem \(perfagent 4096 131072 16777216, tuned sets it at run time\)" \
	"vm:transparent_hugepage \(perfagent madvise, tuned always\)"; do
	grep -qE -- "$want" <<<"$line" || fail "the tuned line lacks '$want':
$line"
done
grep -q "list them in exclude = in perfagent.conf, or take them out of tuned's profile" <<<"$out" ||
	fail "no word on what perfagent does:
$out"
pass "apply --dry-run: $line"

dry_run --json >"$work/plan.json"
[ "$(json_get "$work/plan.json" '[k["id"] for k in j["peers"][0]["shared_knobs"]]')" = \
	"['sysctl:vm.swappiness', 'sysctl:net.ipv4.tcp_rmem', 'vm:transparent_hugepage']" ] ||
	fail "shared knobs in JSON: $(json_get "$work/plan.json" 'j["peers"]')"
[ "$(json_get "$work/plan.json" 'j["peers"][0]["shared_knobs"][0]["peer_source"]')" = \
	/etc/tuned/mine/tuned.conf:4 ] || fail "peer_source: $(json_get "$work/plan.json" 'j["peers"]')"
pass "apply --json: peers[0].shared_knobs"

# exclude = leaves the knob to tuned: perfagent no longer claims it.
printf 'exclude = sysctl:vm.swappiness\n' >"$conf"
out=$(dry_run)
! grep "^other tuner" <<<"$out" | grep -q vm.swappiness || fail "an excluded knob still shared:
$out"
: >"$conf"
pass "exclude = takes a knob out of the shared ones"

# ---- and bpftune; the daemon's status says the same ----
put proc/4343/comm bpftune
printf 'interval = 60\nimds = off\nmode = advise\n' >"$conf"
PERFAGENT_PROFILE_DIR=${PERFAGENT_PROFILE_DIR:-$(pwd)/tuning-profiles} "$PERFAGENT" daemon \
	--config "$conf" --root "$root" --runtime-dir "$work/run" --state-dir "$work/state" \
	2>"$work/daemon.log" &
daemon_pid=$!
wait_for 10 "$PERFAGENT" status --runtime-dir "$work/run" >/dev/null 2>&1 ||
	fail "the daemon did not answer: $(cat "$work/daemon.log")"
"$PERFAGENT" status --runtime-dir "$work/run" >"$work/status.txt"
"$PERFAGENT" status --json --runtime-dir "$work/run" >"$work/status.json"
grep -qE "^other tuner +tuned running .*sysctl:vm.swappiness \(perfagent 10, tuned 30\)" \
	"$work/status.txt" || fail "status lacks the tuned line: $(cat "$work/status.txt")"
grep -qE "^other tuner +bpftune running \(/proc/4343/comm: bpftune\); both set: .*sysctl:net.ipv4.tcp_rmem" \
	"$work/status.txt" || fail "status lacks the bpftune line: $(cat "$work/status.txt")"
grep -q "mode advise: perfagent writes none of them" "$work/status.txt" ||
	fail "status does not say advise writes nothing: $(cat "$work/status.txt")"
[ "$(json_get "$work/status.json" '[p["name"] for p in j["profile"]["peers"] if p["running"]]')" = \
	"['tuned', 'bpftune']" ] || fail "status --json peers: $(json_get "$work/status.json" 'j["profile"]["peers"]')"
grep -q "tuned (running) also sets" "$work/daemon.log" || fail "no warning in the log: $(cat "$work/daemon.log")"
# The knobs adaptive rules step are claimed too: bpftune tunes the same ones.
grep -qE "^other tuner +bpftune .*sysctl:net.core.netdev_budget_usecs \(perfagent's rule softnet-time steps it up to 10000, bpftune sets it at run time\)" \
	"$work/status.txt" || fail "status does not name the rule's knob: $(cat "$work/status.txt")"
grep -qE "^other tuner +bpftune .*sysctl:net.ipv4.tcp_rmem \(perfagent 4096 131072 16777216, bpftune sets it at run time; rule tcp-rmem steps it\)" \
	"$work/status.txt" || fail "status does not say a rule steps tcp_rmem: $(cat "$work/status.txt")"
[ "$(json_get "$work/status.json" '[(k["perfagent_action"], k["adaptive_rule"]) for p in j["profile"]["peers"] if p["name"] == "bpftune" for k in p["shared_knobs"] if k["id"] == "sysctl:net.core.netdev_budget"]')" = \
	"[('adaptive', 'softnet-budget')]" ] || fail "status --json: netdev_budget $(json_get "$work/status.json" 'j["profile"]["peers"]')"
grep -q "bpftune (running) also sets .*sysctl:net.core.netdev_budget_usecs" "$work/daemon.log" ||
	fail "the log's warning lacks the rule's knob: $(grep bpftune "$work/daemon.log")"
# exclude = takes a rule's knob out as it does a profile value's
printf 'interval = 60\nimds = off\nmode = advise\nexclude = sysctl:net.core.netdev_budget*\n' >"$conf"
"$PERFAGENT" reload --runtime-dir "$work/run" >/dev/null || fail "reload failed"
"$PERFAGENT" status --runtime-dir "$work/run" >"$work/status.txt"
! grep -q "netdev_budget" "$work/status.txt" || fail "an excluded rule knob is still shared: $(grep '^other tuner' "$work/status.txt")"
grep -qE "^other tuner +bpftune .*sysctl:net.ipv4.tcp_mem \(perfagent's rule tcp-mem steps it up to [0-9]+ \(12%mem in pages\)" \
	"$work/status.txt" || fail "the rule's cap is not resolved: $(grep '^other tuner' "$work/status.txt")"
kill "$daemon_pid"
wait "$daemon_pid" || fail "the daemon exited $? on SIGTERM"
daemon_pid=
: >"$conf"
pass "status and status --json: $(grep -c '^other tuner' "$work/status.txt") other tuners, the knobs both set, those adaptive rules step included"

# ---- a FIFO as tuned.conf: a note, no hang ----
mkdir -p "$root/etc/tuned/stuck"
mkfifo "$root/etc/tuned/stuck/tuned.conf"
put etc/tuned/active_profile stuck
out=$(dry_run) || fail "apply --dry-run failed or hung with a FIFO as tuned.conf:
$out"
grep -q "tuned: cannot read /etc/tuned/stuck/tuned.conf: a FIFO or socket, not a file" <<<"$out" ||
	fail "no note on the FIFO:
$out"
pass "a FIFO as tuned.conf: noted, not read"
