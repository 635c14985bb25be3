#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# EBS NVMe statistics through the daemon on a fake Nitro tree (--root): the
# EBS volume nvme0n1's statistics page is a file the feeder rewrites as its
# counters grow (nvme_feeder.py): no limit for 3 s, then the volume over its
# provisioned IOPS (and half the time over its throughput, the instance over
# its EBS IOPS 10% and throughput 25% of the time), then its counters
# restart at 7 s (attached again). The
# instance-store disk nvme1n1 holds a page of an unknown version. Checks:
# status (JSON and text) says "no limit", then "over its provisioned IOPS ...
# the volume is the limit", counts the restart, and says nvme1n1's page is
# not read and why (logged once, never fatal); the EMF documents the daemon
# sent carry VolumeIopsExceeded 0 before and near 100 during, Device and
# VolumeId dimensions, and no spike at the restart; VolumeLimitExceeded is
# the larger volume share and EbsInstanceLimitExceeded the larger instance
# share (25%, not 35%). A second daemon at metrics_level = basic on the
# same tree sends only basic metrics: VolumeLimitExceeded per volume,
# EbsInstanceLimitExceeded on the instance, disk latencies with the
# instance's dimensions only. About 9 s.
# lane: side
set -eu
. "$(dirname "$0")/lib.sh"
need_root
need_tools python3

tmp=$(mktemp -d /tmp/perfagent-nvme.XXXXXX)
root=$tmp/root run=$tmp/run state=$tmp/state conf=$tmp/perfagent.conf
daemon_pid='' checker_pid='' feeder_pid='' basic_pid='' basic_checker=''
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
	[ -n "$basic_pid" ] && kill "$basic_pid" 2>/dev/null
	[ -n "$basic_checker" ] && kill "$basic_checker" 2>/dev/null
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
# The basic daemon's checker, then the detailed one's (checker_pid, port).
port=$(free_port)
start_checker basic
basic_checker=$checker_pid
printf 'interval = 1\nmode = advise\nimds = off\nmetrics_level = basic\nemf_endpoint = tcp://127.0.0.1:%s\n' "$port" >"$tmp/basic.conf"
port=$(free_port)
start_checker emf
printf 'interval = 1\nmode = advise\nimds = off\nmetrics_level = detailed\nemf_endpoint = tcp://127.0.0.1:%s\n' "$port" >"$conf"

python3 "$TESTS_DIR/nvme_feeder.py" "$root/dev/nvme0n1" 3 7 0.5 0.1 0.25 &
feeder_pid=$!
t0=$(now_ms)
wait_for 5 test -s "$root/dev/nvme0n1" || fail "feeder did not start"
"$PERFAGENT" daemon --config "$conf" --root "$root" --runtime-dir "$run" --state-dir "$state" \
	2>>"$tmp/daemon.log" &
daemon_pid=$!
"$PERFAGENT" daemon --config "$tmp/basic.conf" --root "$root" --runtime-dir "$tmp/run2" \
	--state-dir "$tmp/state2" 2>>"$tmp/basic.log" &
basic_pid=$!
wait_for 10 test -S "$run/perfagent.sock" || fail "daemon did not start: $(cat "$tmp/daemon.log")"
wait_for 10 test -S "$tmp/run2/perfagent.sock" ||
	fail "basic daemon did not start: $(cat "$tmp/basic.log")"

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
kill -TERM "$daemon_pid" "$basic_pid"
wait "$daemon_pid" || fail "daemon exited $? on SIGTERM"
wait "$basic_pid" || fail "basic daemon exited $? on SIGTERM"
daemon_pid= basic_pid=
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
# The device's latency histogram as a distribution: as many reads as
# DeviceReadOps counted where the page's bins did (the feeder's bins add up).
dists = [d for d in vol if isinstance(d.get("DeviceReadLatency"), dict)]
if not dists or units.get("DeviceReadLatency") != "Microseconds":
    bad.append("no DeviceReadLatency distribution: %r" % [d.get("DeviceReadLatency") for d in vol])
for d in dists:
    dist = d["DeviceReadLatency"]
    if sum(dist["Counts"]) != dist["Count"] or dist["Values"] != sorted(dist["Values"]):
        bad.append("DeviceReadLatency %r" % dist)
print("\n".join(bad) or "shares %r, %d device latency distributions" % (shares, len(dists)))
sys.exit(1 if bad else 0)
PY
pass "EMF: VolumeIopsExceeded 0 then about 100 with Device and VolumeId, no spike at the restart"

# The limits' basic metrics against the detailed shares of the same interval.
python3 - "$tmp/emf/docs.jsonl" <<'PY' || fail "VolumeLimitExceeded, EbsInstanceLimitExceeded at detailed (above)"
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
vol = {d["_aws"]["Timestamp"]: d for d in docs if d.get("Device") == "nvme0n1"
       and "VolumeIopsExceeded" in d}
inst = [d for d in docs if "InstanceId" in d and "Device" not in d and "Interface" not in d]
bad = []
for d in vol.values():
    want = max(d["VolumeIopsExceeded"], d["VolumeThroughputExceeded"])
    if abs(d.get("VolumeLimitExceeded", -1) - want) > 1e-9:
        bad.append("VolumeLimitExceeded %r, shares %r %r" % (d.get("VolumeLimitExceeded"),
                   d["VolumeIopsExceeded"], d["VolumeThroughputExceeded"]))
got = []
for d in inst:
    v = vol.get(d["_aws"]["Timestamp"])
    if v is None:
        if "EbsInstanceLimitExceeded" in d:
            bad.append("EbsInstanceLimitExceeded %r without a volume interval" % d)
        continue
    want = max(v["InstanceIopsExceeded"], v["InstanceThroughputExceeded"])
    if abs(d.get("EbsInstanceLimitExceeded", -1) - want) > 1e-9:
        bad.append("EbsInstanceLimitExceeded %r, instance shares %r %r" % (
            d.get("EbsInstanceLimitExceeded"), v["InstanceIopsExceeded"],
            v["InstanceThroughputExceeded"]))
    got.append(d.get("EbsInstanceLimitExceeded"))
if not any(x is not None and 20 <= x <= 30 for x in got):
    bad.append("EbsInstanceLimitExceeded never about 25: %r" % got)
if "EbsInstanceLimitExceeded" in min(inst, key=lambda d: d["PerfAgentSeq"]):
    bad.append("EbsInstanceLimitExceeded in the first interval (a baseline)")
print("\n".join(bad) or "instance shares %r" % got)
sys.exit(1 if bad else 0)
PY
pass "EMF detailed: VolumeLimitExceeded the larger volume share, EbsInstanceLimitExceeded the larger instance share, none from a baseline"

kill -TERM "$basic_checker"
wait "$basic_checker" || true
basic_checker=
[ ! -s "$tmp/basic/errors.log" ] || fail "refused basic documents: $(cat "$tmp/basic/errors.log")"
basic=$(sed -n '/^static const char \*const basic\[\] = {/,/^};/p' "$TESTS_DIR/../../agent/emf/metric_level.c" |
	grep -o '"[A-Za-z]*"' | tr -d '"')
python3 - "$tmp/basic/docs.jsonl" $basic <<'PY' || fail "EMF at basic (above)"
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1])]
basic = set(sys.argv[2:])
bad = []
vol, inst, lat, vol_wide = [], [], 0, 0
for d in docs:
    for dd in d["_aws"]["CloudWatchMetrics"]:
        names = {m["Name"] for m in dd["Metrics"]}
        own = {k for s in dd["Dimensions"] for k in s} & {"Device", "VolumeId", "Interface"}
        if names - basic:
            bad.append("not basic: %r" % sorted(names - basic))
        # Per volume, [InstanceId, VolumeId] alone (a volume is one
        # instance's: no roll-up by its id), and with the instance's sets.
        if "VolumeLimitExceeded" in names and own:
            if d.get("Device") != "nvme0n1" or dd["Dimensions"] != [["InstanceId", "VolumeId"]]:
                bad.append("VolumeLimitExceeded dimensions %r of %r" % (dd["Dimensions"], d.get("Device")))
            vol.append(d["VolumeLimitExceeded"])
        elif "VolumeLimitExceeded" in names:
            if dd["Dimensions"][0] != ["InstanceId"]:
                bad.append("instance-wide VolumeLimitExceeded dimensions %r" % dd["Dimensions"])
            vol_wide += 1
        if "EbsInstanceLimitExceeded" in names:
            if own or dd["Dimensions"][0] != ["InstanceId"]:
                bad.append("EbsInstanceLimitExceeded dimensions %r" % dd["Dimensions"])
            inst.append(d["EbsInstanceLimitExceeded"])
        if names & {"ReadLatency", "WriteLatency"}:
            lat += 1
            if own:
                bad.append("disk latency with %r" % dd["Dimensions"])
if vol_wide != len(vol):
    bad.append("VolumeLimitExceeded per volume %d times, instance-wide %d" % (len(vol), vol_wide))
if not any(v == 0 for v in vol) or not any(v >= 90 for v in vol) or max(vol) > 100:
    bad.append("VolumeLimitExceeded %r: want 0, then about 100" % vol)
if not any(v == 0 for v in inst) or not any(20 <= v <= 30 for v in inst) or max(inst) > 30:
    bad.append("EbsInstanceLimitExceeded %r: want 0, then about 25" % inst)
print("\n".join(bad) or "VolumeLimitExceeded %r\nEbsInstanceLimitExceeded %r\n"
      "%d directives with disk latencies%s" % (vol, inst, lat, "" if lat else
      " (note: the block probe saw no I/O of the fake tree's disks; the unit tests "
      "and test_metric_levels check their dimensions)"))
sys.exit(1 if bad else 0)
PY
pass "EMF basic: basic names only, VolumeLimitExceeded per volume without roll-ups and instance-wide (0 then 100), EbsInstanceLimitExceeded on the instance (0 then 25), disk latencies without the disk's dimension"
