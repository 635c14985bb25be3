#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# Fleet dimensions and device filters (issue 21), on fake /sys trees with
# the IMDS mock:
#  - the default filter reports the ENA NIC that is up, not lo, a veth, a
#    bridge, a docker bridge, a NIC that is down; `interfaces =` patterns
#    add and remove (perfagent metrics --once, EMF);
#  - a metadata service slow at boot (each answer held 0.4 s) on a Xen tree,
#    where the instance id and type come from IMDS only: the daemon's first
#    document already carries the final dimensions (the id, the group name
#    from the tag, sent as it is), and every document the same sets;
#  - a restart with IMDS gone on a Nitro tree keeps the group from the
#    cached identity: the group's series goes on.
set -eu
. "$(dirname "$0")/lib.sh"
need_root
need_tools python3

export PERFAGENT_PROFILE_DIR=${PERFAGENT_PROFILE_DIR:-$(pwd)/tuning-profiles}
unset AWS_EMF_AGENT_ENDPOINT AWS_EC2_METADATA_DISABLED AWS_EC2_METADATA_SERVICE_ENDPOINT
tmp=$(mktemp -d /tmp/perfagent-fleet.XXXXXX)
run=$tmp/run conf=$tmp/perfagent.conf
daemon_pid='' checker_pid='' mock_pid=''
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
	[ -n "$checker_pid" ] && kill "$checker_pid" 2>/dev/null
	[ -n "$mock_pid" ] && kill "$mock_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
ASG='web fleet/ß-1'     # blanks, '/' and UTF-8: sent as they are

# start_mock [mock options]: the IMDS mock; its port in imds_port.
start_mock() {
	python3 "$TESTS_DIR/imds_mock.py" --port 0 "$@" >"$tmp/mock.out" 2>"$tmp/mock.log" &
	mock_pid=$!
	wait_for 5 grep -q '^PORT ' "$tmp/mock.out" || fail "imds_mock did not start"
	imds_port=$(awk '/^PORT /{print $2; exit}' "$tmp/mock.out")
}
stop_mock() { kill "$mock_pid"; wait "$mock_pid" 2>/dev/null || true; mock_pid=; }

# stats NIC: zeroed counters, so the interface has metrics.
stats() {
	local d=$root/sys/class/net/$1/statistics
	mkdir -p "$d"
	for c in rx_packets tx_packets rx_bytes tx_bytes rx_dropped tx_dropped; do echo 0 >"$d/$c"; done
}

# values FILE KEY: the sorted distinct values of KEY over the documents of FILE.
values() {
	python3 -c 'import json, sys
print(" ".join(sorted({json.loads(l).get(sys.argv[2], "-") for l in open(sys.argv[1]) if l.strip()} - {"-"})))' "$1" "$2"
}

# ---- the default interface filter, and patterns ----
root=$tmp/nitro
"$TESTS_DIR/fakeroot.sh" "$root" --dmi nitro --type m6i.large >/dev/null
# fakeroot: lo, ens5 (ENA, up), veth0 (no device, down). Add a bridge, a
# docker bridge (both up, no device), a veth that is up, an ENA NIC that is down.
for n in br0 docker0 veth1; do
	mkdir -p "$root/sys/class/net/$n"
	printf 'up\n' >"$root/sys/class/net/$n/operstate"
done
mkdir -p "$root/sys/class/net/br0/bridge" "$root/sys/class/net/ens6/device"
printf 'down\n' >"$root/sys/class/net/ens6/operstate"
ln -sfn ../../../../bus/pci/drivers/ena "$root/sys/class/net/ens6/device/driver"
for n in lo ens5 ens6 veth0 veth1 br0 docker0; do stats "$n"; done

once() { # once OUT [config lines]: one interval of EMF from `perfagent metrics`
	local out=$1
	shift
	# detailed: the interface and disk metrics of every level, whatever the fake tree counts
	printf 'mode = advise\nimds = off\nmetrics_level = detailed\n' >"$conf"
	printf '%s\n' "$@" >>"$conf"
	"$PERFAGENT" metrics --once --format emf --interval 1 --config "$conf" --root "$root" \
		--state-dir "$tmp/state-once" >"$out" 2>"$out.err" || fail "metrics --once: $(cat "$out.err")"
	python3 "$TESTS_DIR/emf_checker.py" check "$out" >/dev/null || fail "$out is not valid EMF"
}
once "$tmp/default.emf"
[ "$(values "$tmp/default.emf" Interface)" = ens5 ] ||
	fail "default filter reports interfaces '$(values "$tmp/default.emf" Interface)', want ens5 alone"
for d in $(values "$tmp/default.emf" Device); do
	case $d in loop* | *p[0-9]* | dm-* | zram* | ram*) fail "device $d reported by default" ;; esac
done
once "$tmp/veth.emf" 'interfaces = veth* !ens5'
[ "$(values "$tmp/veth.emf" Interface)" = "veth0 veth1" ] ||
	fail "interfaces = veth* !ens5 reports '$(values "$tmp/veth.emf" Interface)'"
once "$tmp/only.emf" 'interfaces = ens6 !*'
[ "$(values "$tmp/only.emf" Interface)" = ens6 ] ||
	fail "interfaces = ens6 !* reports '$(values "$tmp/only.emf" Interface)'"
pass "interfaces: by default the ENA NIC that is up alone (not lo, veth, bridges, a NIC down); patterns add and take out, the first match deciding"

# ---- a slow metadata service at boot: the first document waits for it ----
root=$tmp/xen
"$TESTS_DIR/fakeroot.sh" "$root" --dmi xen >/dev/null
start_mock --delay 0.4 --asg "$ASG" --instance-id i-0fedcba9876543210 --instance-type c7g.xlarge
port=$(free_port)
start_checker emf
printf 'interval = 1\nmode = advise\nimds_endpoint = http://127.0.0.1:%s\nemf_endpoint = tcp://127.0.0.1:%s\n' \
	"$imds_port" "$port" >"$conf"
"$PERFAGENT" daemon --config "$conf" --root "$root" --runtime-dir "$run" --state-dir "$tmp/state-xen" \
	2>>"$tmp/daemon.log" &
daemon_pid=$!
wait_for 10 test -S "$run/perfagent.sock" || fail "daemon did not start: $(cat "$tmp/daemon.log")"
ndocs() { cat "$tmp/emf/docs.jsonl" 2>/dev/null | wc -l; }
wait_for 10 eval '[ "$(ndocs)" -ge 6 ]' ||
	fail "no documents: $(cat "$tmp/daemon.log")"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "daemon exited $? on SIGTERM"
daemon_pid=
stop_checker
python3 - "$tmp/emf/docs.jsonl" "$ASG" <<'PY' || fail "dimensions of the slow-IMDS run (above)"
import json, sys
docs = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
inst = [d for d in docs if "Interface" not in d and "Device" not in d and "VolumeId" not in d]
first = min(docs, key=lambda d: d["PerfAgentSeq"])
bad = []
if first["PerfAgentSeq"] != 1:
    bad.append("documents start at %r" % first["PerfAgentSeq"])
want = {"InstanceId": "i-0fedcba9876543210", "InstanceType": "c7g.xlarge",
        "AutoScalingGroupName": sys.argv[2], "ImageId": "ami-0123456789abcdef0"}
sets = [["InstanceId"], ["AutoScalingGroupName"], ["InstanceType"]]
for d in [first] + inst:
    got = {k: d.get(k) for k in want}
    if got != want:
        bad.append("document %d: %r" % (d["PerfAgentSeq"], got))
    for dr in d["_aws"]["CloudWatchMetrics"]:
        own = [k for k in ("Interface", "VolumeId", "Device") if k in d][:1]
        if dr["Dimensions"] != [s + own for s in sets] and not (own == ["Device"] and "VolumeId" in d):
            bad.append("document %d: sets %r" % (d["PerfAgentSeq"], dr["Dimensions"]))
if len(inst) < 2:
    bad.append("only %d instance documents" % len(inst))
print("\n".join(bad[:10]))
sys.exit(1 if bad else 0)
PY
pass "IMDS slow at boot (0.4 s an answer): the first document carries the id, type, image and group ($ASG), every document the same sets"
stop_mock

# ---- a restart with IMDS gone: the group comes from the cached identity ----
root=$tmp/nitro
start_mock --asg "$ASG"
once "$tmp/run1.emf" "imds = on" "imds_endpoint = http://127.0.0.1:$imds_port"
stop_mock
dead=$(free_port)
once "$tmp/run2.emf" "imds = on" "imds_endpoint = http://127.0.0.1:$dead"
for f in run1 run2; do
	[ "$(values "$tmp/$f.emf" AutoScalingGroupName)" = "$ASG" ] ||
		fail "$f: group '$(values "$tmp/$f.emf" AutoScalingGroupName)', want '$ASG'"
	grep -q '"Dimensions":\[\["InstanceId"\],\["AutoScalingGroupName"\],\["InstanceType"\]\]' "$tmp/$f.emf" ||
		fail "$f: sets: $(head -c 600 "$tmp/$f.emf")"
done
pass "restart with IMDS unreachable on Nitro: the group from the cache of this instance, the same sets"
