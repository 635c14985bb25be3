#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# EBS NVMe statistics through the daemon on a fake Nitro tree (--root): the
# EBS volume nvme0n1's statistics page is a file the feeder rewrites as its
# counters grow (nvme_feeder.py): no limit for 3 s, then the volume over its
# provisioned IOPS, then its counters restart at 7 s (attached again). The
# instance-store disk nvme1n1 holds a page of an unknown version. Checks:
# status (JSON and text) says "no limit", then "over its provisioned IOPS ...
# the volume is the limit", counts the restart, and says nvme1n1's page is
# not read and why (logged once, never fatal); the EMF documents the daemon
# sent carry VolumeIopsExceeded 0 before and near 100 during, Device and
# VolumeId dimensions, and no spike at the restart. About 9 s.
# lane: side
set -eu
. "$(dirname "$0")/lib.sh"
need_root
need_tools python3

tmp=$(mktemp -d /tmp/perfagent-nvme.XXXXXX)
root=$tmp/root run=$tmp/run state=$tmp/state conf=$tmp/perfagent.conf
daemon_pid='' checker_pid='' feeder_pid=''
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
	[ -n "$feeder_pid" ] && kill "$feeder_pid" 2>/dev/null
	[ -n "$checker_pid" ] && kill "$checker_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

"$TESTS_DIR/fakeroot.sh" "$root" --dmi nitro --type m6i.large >/dev/null
mkdir -p "$root/dev"
python3 -c 'import sys; sys.path.insert(0, sys.argv[1]); import mkpage
open(sys.argv[2], "wb").write(mkpage.page(magic=mkpage.STORE_MAGIC, version=7, read_ops=1))' \
	"$TESTS_DIR/../fixtures/nvme" "$root/dev/nvme1n1"
port=$(free_port)
start_checker emf
printf 'interval = 1\nmode = advise\nimds = off\nmetrics_level = detailed\nemf_endpoint = tcp://127.0.0.1:%s\n' "$port" >"$conf"

python3 "$TESTS_DIR/nvme_feeder.py" "$root/dev/nvme0n1" 3 7 &
feeder_pid=$!
t0=$(now_ms)
wait_for 5 test -s "$root/dev/nvme0n1" || fail "feeder did not start"
"$PERFAGENT" daemon --config "$conf" --root "$root" --runtime-dir "$run" --state-dir "$state" \
	2>>"$tmp/daemon.log" &
daemon_pid=$!
wait_for 10 test -S "$run/perfagent.sock" || fail "daemon did not start: $(cat "$tmp/daemon.log")"

# until MS: sleeps until MS after the feeder started.
sleep_until() { while [ $(($(now_ms) - t0)) -lt "$1" ]; do sleep 0.05; done; }
status() {
	"$PERFAGENT" status --json --runtime-dir "$run" >"$tmp/status.json"
	"$PERFAGENT" status --runtime-dir "$run" >"$tmp/status.txt"
}
vol() { json_get "$tmp/status.json" "[v for v in j['storage']['volumes'] if v['device'] == '$1'][0]$2"; }

sleep_until 2700
status
[ "$(vol nvme0n1 "['id']")" = vol-0123456789abcdef0 ] || fail "volume id: $(vol nvme0n1 '')"
[ "$(vol nvme0n1 "['limit']")" = none ] || fail "limit before any: $(vol nvme0n1 '')"
grep -Eq '^ebs nvme0n1  vol-0123456789abcdef0: no limit reached in the last [0-9]+ s$' \
	"$tmp/status.txt" || fail "status text before any limit:
$(cat "$tmp/status.txt")"
grep -Eq 'reads [0-9]+, p50 512 us at the device \(last interval\)' "$tmp/status.txt" ||
	fail "device latency line: $(cat "$tmp/status.txt")"
[ "$(vol nvme1n1 "['state']")" = unavailable ] || fail "nvme1n1: $(vol nvme1n1 '')"
grep -q '^store nvme1n1 AWS1234567890ABCDEF: statistics not available: statistics page version 7 is newer than this perfagent reads' \
	"$tmp/status.txt" || fail "nvme1n1 text: $(cat "$tmp/status.txt")"
pass "no limit: status says so, with the device latency; the unknown page version is said, not fatal"

sleep_until 6500
status
[ "$(vol nvme0n1 "['limit']")" = volume_iops ] || fail "limit while over: $(vol nvme0n1 '')"
json_get "$tmp/status.json" "[v for v in j['storage']['volumes'] if v['device'] == 'nvme0n1'][0]['exceeded_pct']['volume_iops'] > 30" |
	grep -q True || fail "share: $(vol nvme0n1 '')"
grep -Eq '^ebs nvme0n1  vol-0123456789abcdef0: over its provisioned IOPS [0-9]+% of the last [0-9]+ s: the volume is the limit; consider more IOPS or gp3 throughput$' \
	"$tmp/status.txt" || fail "status text over the limit:
$(cat "$tmp/status.txt")"
pass "over its provisioned IOPS: the volume is named as the limit"

sleep_until 8800
status
[ "$(vol nvme0n1 "['resets']")" -ge 1 ] || fail "restart not counted: $(vol nvme0n1 '')"
kill -0 "$daemon_pid" || fail "daemon died: $(cat "$tmp/daemon.log")"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "daemon exited $? on SIGTERM"
daemon_pid=
[ "$(grep -c 'NVMe statistics of nvme1n1' "$tmp/daemon.log")" = 1 ] ||
	fail "nvme1n1's error should be logged once: $(cat "$tmp/daemon.log")"
pass "the restart is counted; nvme1n1's error logged once"

stop_checker
[ ! -s "$tmp/emf/errors.log" ] || fail "refused documents: $(cat "$tmp/emf/errors.log")"
python3 - "$tmp/emf/docs.jsonl" <<'PY' || fail "EMF documents (above)"
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
vol = [d for d in docs if d.get("Device") == "nvme0n1" and "VolumeIopsExceeded" in d]
bad = []
if not vol:
    bad.append("no nvme0n1 document with VolumeIopsExceeded")
for d in vol:
    if d.get("VolumeId") != "vol-0123456789abcdef0":
        bad.append("VolumeId %r" % d.get("VolumeId"))
    if not 0 <= d["VolumeIopsExceeded"] <= 100:
        bad.append("share %r" % d["VolumeIopsExceeded"])
    if not 0 <= d["DeviceReadOps"] <= 3000:     # 1000/s: a restart must not spike
        bad.append("DeviceReadOps %r" % d["DeviceReadOps"])
shares = [d["VolumeIopsExceeded"] for d in vol]
if not any(s == 0 for s in shares) or not any(s >= 90 for s in shares):
    bad.append("shares do not cross the threshold: %r" % shares)
if any("VolumeIopsExceeded" in d for d in docs if d.get("Device") == "nvme1n1"):
    bad.append("metrics for the unread nvme1n1")
units = {m["Name"]: m.get("Unit") for d in vol for dd in d["_aws"]["CloudWatchMetrics"]
         for m in dd["Metrics"]}
if units.get("VolumeIopsExceeded") != "Percent" or units.get("DeviceReadLatencyP50") != "Microseconds":
    bad.append("units %r" % units)
print("\n".join(bad) or "shares %r" % shares)
sys.exit(1 if bad else 0)
PY
pass "EMF: VolumeIopsExceeded 0 then about 100 with Device and VolumeId, no spike at the restart"
