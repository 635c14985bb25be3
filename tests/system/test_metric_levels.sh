#!/usr/bin/env bash
# Metric levels and their cost: `perfagent metrics --once --format emf` at
# basic sends only basic metrics, latencies as Values/Counts distributions the
# strict checker accepts (and the checker refuses broken ones); custom follows
# metrics_include/metrics_exclude; `perfagent metrics --cost [--json]` counts
# the documents' custom metrics (basic < detailed, custom as included, the
# default dimension sets' roll-up per instance type apart) at $0.30 each;
# config errors name file and line.
# lane: side
set -eu
. "$(dirname "$0")/lib.sh"
need_root

top=$(cd "$TESTS_DIR/../.." && pwd)
export PERFAGENT_PROFILE_DIR=${PERFAGENT_PROFILE_DIR:-$top/tuning-profiles}
tmp=$(mktemp -d /tmp/perfagent-levels.XXXXXX)
daemon_pid='' io_pid='' loop=''
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null && wait "$daemon_pid" 2>/dev/null
	[ -n "$io_pid" ] && kill "$io_pid" 2>/dev/null && wait "$io_pid" 2>/dev/null
	[ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
conf=$tmp/perfagent.conf
checker=$TESTS_DIR/emf_checker.py
# The basic list, as agent/emf/metric_level.c has it.
basic=$(sed -n '/^static const char \*const basic\[\] = {/,/^};/p' "$top/agent/emf/metric_level.c" |
	grep -o '"[A-Za-z]*"' | tr -d '"' | sort)
[ "$(wc -l <<<"$basic")" = 17 ] || fail "the basic list of metric_level.c: $basic"

# write_conf LINE...: never tuning, no IMDS.
write_conf() { printf 'mode = advise\nimds = off\n%s\n' "$@" >"$conf"; }
metrics() { "$PERFAGENT" metrics --config "$conf" --state-dir "$tmp/state" "$@"; }
# The metric names of EMF documents, one per line.
names() { python3 -c 'import json,sys
for l in open(sys.argv[1]):
    for d in json.loads(l)["_aws"]["CloudWatchMetrics"]:
        for m in d["Metrics"]: print(m["Name"])' "$1" | sort -u; }

# ---- the catalogue agrees with the code on the basic list ----
cat_basic=$(grep -E '^\| `[A-Za-z<>]+` \| [^|]+ \| basic' "$top/packaging/metrics-catalogue.md" |
	sed -E 's/^\| `([^`]+)`.*/\1/' | sed 's/<Op>Latency/ReadLatency\nWriteLatency/' | sort)
[ "$cat_basic" = "$basic" ] ||
	fail "catalogue basic rows against metric_level.c: $(diff <(echo "$cat_basic") <(echo "$basic"))"
pass "the catalogue marks the same 17 basic metrics as the code"

# ---- basic: only basic metrics, distributions valid ----
write_conf 'metrics_level = basic'
metrics --once --format emf >"$tmp/basic.emf"
python3 "$checker" check "$tmp/basic.emf" >/dev/null || fail "basic documents are not valid EMF"
for n in $(names "$tmp/basic.emf"); do
	grep -qx "$n" <<<"$basic" || fail "basic sent $n"
done
names "$tmp/basic.emf" | grep -qx PacketDrops || fail "basic without PacketDrops: $(names "$tmp/basic.emf")"
if names "$tmp/basic.emf" | grep -qx RunqLatency; then
	python3 - "$tmp/basic.emf" <<'PY' || fail "RunqLatency is not a distribution (above)"
import json, sys
for line in open(sys.argv[1]):
    d = json.loads(line)
    if "RunqLatency" in d:
        v = d["RunqLatency"]
        assert set(v) == {"Values", "Counts", "Max", "Min", "Count", "Sum"}, v
        assert 1 <= len(v["Values"]) == len(v["Counts"]) <= 100, v
        assert sum(v["Counts"]) == v["Count"], v
PY
else
	skip_part "RunqLatency as an EMF distribution" "the sched probe does not run here (no RunqLatency sent)"
fi
# A disk's latencies at basic: in a directive of the instance's sets alone.
python3 - "$tmp/basic.emf" <<'PY' || fail "basic disk latencies with device dimensions (above)"
import json, sys
n = 0
for line in open(sys.argv[1]):
    d = json.loads(line)
    for dd in d["_aws"]["CloudWatchMetrics"]:
        names = {m["Name"] for m in dd["Metrics"]}
        if names & {"ReadLatency", "WriteLatency"}:
            n += 1
            own = {k for s in dd["Dimensions"] for k in s} & {"Device", "VolumeId", "Interface"}
            assert not own, (dd["Dimensions"], line)
            assert names <= {"ReadLatency", "WriteLatency"}, names
print("%d directives with disk latencies, instance dimensions only" % n)
PY
pass "basic: $(names "$tmp/basic.emf" | wc -l) metric names, all basic, distributions as Values/Counts"

# ---- TcpListenOverflows needs no probe (the fleet view counts reporting
# instances by it) ----
write_conf 'metrics_level = basic' 'disable_probes = sched, block, tcp'
metrics --once --format emf >"$tmp/noprobes.emf" 2>/dev/null
names "$tmp/noprobes.emf" | grep -qx TcpListenOverflows ||
	fail "no TcpListenOverflows without probes: $(names "$tmp/noprobes.emf" | tr '\n' ' ')"
pass "basic without any probe still sends TcpListenOverflows (from /proc/net/netstat)"

# ---- a counter file that is not the kernel's: a warning says what is left out ----
bash "$TESTS_DIR/tune_tree.sh" "$tmp/tree" >/dev/null
mkdir -p "$tmp/tree/proc/net"
printf 'junk\n' >"$tmp/tree/proc/net/snmp"
mkfifo "$tmp/tree/proc/net/netstat"
write_conf 'metrics_level = detailed'
timeout 30 "$PERFAGENT" metrics --once --root "$tmp/tree" --config "$conf" --state-dir "$tmp/state" \
	>/dev/null 2>"$tmp/tree.err" || fail "metrics on a tree with bad counter files: $(cat "$tmp/tree.err")"
grep -q '/proc/net/snmp: no Tcp OutSegs counter; TcpOutSegs left out' "$tmp/tree.err" ||
	fail "no warning for a junk /proc/net/snmp: $(cat "$tmp/tree.err")"
grep -q '/proc/net/netstat: a FIFO or socket, not a file; TcpMemoryPressures, TcpListenOverflows left out' \
	"$tmp/tree.err" || fail "no warning for a FIFO /proc/net/netstat: $(cat "$tmp/tree.err")"
pass "counter files that are not the kernel's: a warning names the metrics left out"

# ---- the checker refuses broken distributions (it can fail) ----
doc() { # VALUE-JSON: a valid document around the metric X
	printf '{"_aws":{"Timestamp":%s,"LogGroupName":"/g","CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["D"]],"Metrics":[{"Name":"X"}]}]},"D":"d","PerfAgentRun":"0123456789abcdef","PerfAgentSeq":1,"X":%s}\n' \
		"$(date +%s000)" "$1"
}
doc '{"Values":[1,2],"Counts":[3,4],"Count":7,"Sum":11,"Min":1,"Max":2}' >"$tmp/good.emf"
python3 "$checker" check "$tmp/good.emf" >/dev/null || fail "the checker refuses a good distribution"
many=$(python3 -c 'print(list(range(101)))')
ones=$(python3 -c 'print([1] * 101)')
for bad in '{"Values":[1,2],"Counts":[3]}' '{"Values":[1,2],"Counts":[3,0]}' \
	"{\"Values\":$many,\"Counts\":$ones}" '{"Values":["1"],"Counts":[1]}' \
	'{"Values":[1],"Counts":[2],"Count":3}' '{"Values":[5],"Counts":[1],"Max":4}' \
	'{"Values":[1],"Counts":[1],"P99":1}' '{"Values":[1,1],"Counts":[1,1]}'; do
	doc "$bad" >"$tmp/bad.emf"
	! python3 "$checker" check "$tmp/bad.emf" >/dev/null 2>&1 || fail "the checker took $bad"
done
# A second directive is checked as the first (a disk's instance-wide latencies go in one).
two() { # SECOND-DIRECTIVE-JSON: a valid document with a second directive
	printf '{"_aws":{"Timestamp":%s,"LogGroupName":"/g","CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["D","V"]],"Metrics":[{"Name":"X"}]},%s]},"D":"d","V":"v","PerfAgentRun":"0123456789abcdef","PerfAgentSeq":1,"X":1,"Y":2}\n' \
		"$(date +%s000)" "$1"
}
two '{"Namespace":"N","Dimensions":[["D"]],"Metrics":[{"Name":"X"},{"Name":"Y"}]}' >"$tmp/good.emf"
python3 "$checker" check "$tmp/good.emf" >/dev/null || fail "the checker refuses a good second directive"
for bad in '{"Namespace":"N","Dimensions":[["W"]],"Metrics":[{"Name":"Y"}]}' \
	'{"Namespace":"N","Dimensions":[["D"]],"Metrics":[{"Name":"Z"}]}' \
	'{"Namespace":"N","Dimensions":[["D"]],"Metrics":[{"Name":"X","StorageResolution":1}]}' \
	'{"Namespace":"N","Dimensions":[["D"]],"Metrics":[]}'; do
	two "$bad" >"$tmp/bad.emf"
	! python3 "$checker" check "$tmp/bad.emf" >/dev/null 2>&1 || fail "the checker took a second directive $bad"
done
pass "the checker refuses unequal lengths, zero counts, 101 values, strings, wrong totals; a second directive with an unknown dimension or metric, another resolution, no metric"

# ---- custom: metrics_include less metrics_exclude ----
write_conf 'metrics_level = custom' 'metrics_include = StealPercent, CPU*, Runq*' \
	'metrics_exclude = CPUCredit*, RunqLatency*'
metrics --once --format emf >"$tmp/custom.emf"
python3 "$checker" check "$tmp/custom.emf" >/dev/null || fail "custom documents are not valid EMF"
got=$(names "$tmp/custom.emf" | tr '\n' ' ')
[ "$got" = "CPUUtilization RunqWaitPercent StealPercent " ] ||
	[ "$got" = "CPUUtilization StealPercent " ] || fail "custom sent: $got"
pass "custom: include and exclude globs ($got)"

# ---- lists without custom: ignored, with a warning ----
write_conf 'metrics_level = basic' 'metrics_include = CPUUtilization'
metrics --once --format emf >"$tmp/ignored.emf" 2>"$tmp/err"
grep -q "apply only with metrics_level = custom" "$tmp/err" || fail "no warning: $(cat "$tmp/err")"
names "$tmp/ignored.emf" | grep -qx PacketDrops && ! names "$tmp/ignored.emf" | grep -qx CPUUtilization ||
	fail "basic with an include list sent: $(names "$tmp/ignored.emf" | tr '\n' ' ')"
pass "metrics_include without custom: ignored, with a warning"

# ---- --cost ----
cost() { # LEVEL-LINES...: the cost JSON
	write_conf "$@"
	metrics --cost --json >"$tmp/cost.json" || fail "metrics --cost --json failed"
}
cost 'metrics_level = basic'
n_basic=$(json_get "$tmp/cost.json" 'j["custom_metrics"]')
# The default dimension sets: per instance and per instance type (no Auto
# Scaling group off EC2), so each metric has one shared roll-up.
[ "$(json_get "$tmp/cost.json" 'j["fleet_rollups"] == j["custom_metrics"]')" = True ] ||
	fail "roll-ups: $(cat "$tmp/cost.json")"
[ "$(json_get "$tmp/cost.json" 'abs(j["usd_per_month"] - 0.30 * j["custom_metrics"]) < 0.005')" = True ] ||
	fail "price: $(cat "$tmp/cost.json")"
[ "$(json_get "$tmp/cost.json" '"us-east-1" in j["price_basis"]')" = True ] || fail "price basis"
[ "$(json_get "$tmp/cost.json" 'j["metrics_level"]')" = basic ] || fail "level: $(cat "$tmp/cost.json")"
# This host's entities: the instance, its interfaces and block devices.
ifaces=$(find /sys/class/net -mindepth 1 -maxdepth 1 ! -name lo | wc -l)
disks=$(find /sys/block -mindepth 1 -maxdepth 1 | wc -l)
# 10 for the instance (12 on a burstable type) with the disks' two latencies, 1 per volume.
[ "$n_basic" -ge 3 ] && [ "$n_basic" -le $((12 + 4 * ifaces + disks)) ] ||
	fail "basic: $n_basic custom metrics with $ifaces interfaces, $disks disks"
cost 'metrics_level = basic' 'dimension_sets = InstanceId'
[ "$(json_get "$tmp/cost.json" 'j["fleet_rollups"]')" = 0 ] || fail "roll-ups with InstanceId alone: $(cat "$tmp/cost.json")"
cost 'metrics_level = detailed'
n_detailed=$(json_get "$tmp/cost.json" 'j["custom_metrics"]')
[ "$n_detailed" -gt "$n_basic" ] || fail "detailed $n_detailed <= basic $n_basic"
# The daemon's tuning and sink metrics count although `metrics` has none.
[ "$n_detailed" -ge 14 ] || fail "detailed: $n_detailed"
# Only what is reported counts: with no interface and no device reported,
# the cost has the dimension sets of the documents, the instance's alone.
cost 'metrics_level = detailed' 'interfaces = !*' 'devices = !*'
cost_sets=$(json_get "$tmp/cost.json" '" ".join(sorted(j["by_dimension_set"]))')
metrics --once --format emf >"$tmp/filtered.emf"
sent_sets=$(python3 -c 'import json, sys
print(" ".join(sorted({",".join(s) for l in open(sys.argv[1])
    for d in json.loads(l)["_aws"]["CloudWatchMetrics"] for s in d["Dimensions"]})))' "$tmp/filtered.emf")
[ "$cost_sets" = "$sent_sets" ] ||
	fail "--cost with interfaces = !* and devices = !* counts sets [$cost_sets], the documents have [$sent_sets]"
cost 'metrics_level = custom' 'metrics_include = StealPercent, SinkDocumentsSent'
[ "$(json_get "$tmp/cost.json" 'j["custom_metrics"]')" = 2 ] || fail "custom: $(cat "$tmp/cost.json")"
write_conf 'metrics_level = basic'
metrics --cost >"$tmp/cost.txt"
grep -Eq '^custom metrics of this host: +[0-9]+ \(metric names x dimension sets' "$tmp/cost.txt" ||
	fail "cost text: $(cat "$tmp/cost.txt")"
grep -q '\$0.30 per metric-month, the list price of the first tier' "$tmp/cost.txt" ||
	fail "cost text: $(cat "$tmp/cost.txt")"
grep -q 'us-east-1' "$tmp/cost.txt" || fail "cost text without the region"
rc=0
metrics --json >/dev/null 2>"$tmp/err" || rc=$?
[ "$rc" = 2 ] || fail "metrics --json without --cost: exit $rc"
pass "--cost: basic $n_basic, detailed $n_detailed custom metrics here, custom 2, as many roll-ups per instance type (none with InstanceId alone), \$0.30 each; only reported interfaces and devices count"

# ---- every name the agent sends is one metrics_include accepts ----
# At detailed, with a loop device doing every block operation during the
# interval (reads, writes, flushes, discards), so that each operation's
# names are among those checked; 30 names a run, under the 32 globs a list
# holds.
need_tools losetup blkdiscard
truncate -s 64M "$tmp/disk.img"
loop=$(losetup -f --show "$tmp/disk.img") || fail "losetup over $tmp/disk.img"
(
	while :; do
		dd if="$loop" of=/dev/null bs=4k count=64 iflag=direct status=none
		dd if=/dev/zero of="$loop" bs=4k count=16 oflag=direct conv=fsync status=none
		blkdiscard -o 0 -l 1M "$loop"
	done
) 2>/dev/null &
io_pid=$!
write_conf 'metrics_level = detailed' 'devices = loop*'
metrics --once --format emf --interval 2 >"$tmp/detailed.emf"
kill "$io_pid"
wait "$io_pid" 2>/dev/null || true
io_pid=
losetup -d "$loop"
loop=
n_sent=$(names "$tmp/detailed.emf" | wc -l)
for n in ReadQueueDepth WriteSize FlushOps FlushLatency DiscardBytes; do
	names "$tmp/detailed.emf" | grep -qx "$n" ||
		fail "detailed without $n with the loop device busy: $(names "$tmp/detailed.emf" | tr '\n' ' ')"
done
while read -r batch; do
	write_conf 'metrics_level = custom' "metrics_include = $batch"
	"$PERFAGENT" daemon --check-config --config "$conf" >/dev/null 2>"$tmp/err" ||
		fail "metrics_include refuses names the agent sends: $(cat "$tmp/err")"
done < <(names "$tmp/detailed.emf" | xargs -n 30 | sed 's/ /, /g')
pass "metrics_include accepts all $n_sent names sent here at detailed"

# ---- config errors: file and line, did you mean ----
printf 'mode = advise\nmetrics_level = full\nmetrics_include = TcpRetransmit\n' >"$conf"
rc=0
"$PERFAGENT" daemon --check-config --config "$conf" 2>"$tmp/err" || rc=$?
[ "$rc" = 4 ] || fail "bad metrics config: exit $rc"
grep -q "perfagent.conf:2: bad value 'full' for metrics_level: expected basic, detailed or custom" \
	"$tmp/err" || fail "metrics_level error: $(cat "$tmp/err")"
grep -q "perfagent.conf:3: .*did you mean 'TcpRetransmits'" "$tmp/err" ||
	fail "metrics_include error: $(cat "$tmp/err")"
pass "config errors with file:line, a misspelt metric with the closest name"

# ---- status says the level in force ----
write_conf 'metrics = off' 'interval = 1' 'metrics_level = custom' 'metrics_exclude = *P999'
"$PERFAGENT" daemon --config "$conf" --runtime-dir "$tmp/run" --state-dir "$tmp/state" \
	2>"$tmp/daemon.log" &
daemon_pid=$!
wait_for 10 test -S "$tmp/run/perfagent.sock" &&
	wait_for 5 "$PERFAGENT" status --runtime-dir "$tmp/run" >/dev/null ||
	fail "daemon did not start: $(cat "$tmp/daemon.log")"
"$PERFAGENT" status --json --runtime-dir "$tmp/run" >"$tmp/status.json"
[ "$(json_get "$tmp/status.json" 'j["collection"]["metrics_level"]')" = custom ] ||
	fail "status: $(json_get "$tmp/status.json" 'j["collection"]')"
"$PERFAGENT" status --runtime-dir "$tmp/run" | grep -Eq '^collection .*metrics_level custom$' ||
	fail "human status: $("$PERFAGENT" status --runtime-dir "$tmp/run" | grep collection)"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "daemon exited $? on SIGTERM"
daemon_pid=
pass "status shows metrics_level"
