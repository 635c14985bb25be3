#!/usr/bin/env bash
# The block probe's latency sampling (block_sample) against a known
# workload: with block_sample = 8, N direct 4 KiB writes on a loop device of
# this test's own are still N write completions in the daemon's BPF maps
# (counts and bytes exact but for runs the kernel says it skipped), while
# about 1 in 8 of them is timed (latency samples within a bound that 1 in 1
# or 1 in 16 would break); status, the histograms and the EMF documents say
# "sampled 1 in 8". A reload to block_sample = off times every write again.
# Root; needs losetup, bpftool.
set -eu
. "$(dirname "$0")/lib.sh"
need_root
need_tools losetup bpftool python3

N_IO=4000
EVERY=8
tmp=$(mktemp -d /tmp/perfagent-blksample.XXXXXX)
run=$tmp/run
loop=
daemon_pid=
checker_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
	[ -n "$checker_pid" ] && kill "$checker_pid" 2>/dev/null
	wait 2>/dev/null
	[ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

pa() { "$PERFAGENT" "$@" --runtime-dir "$run"; }

truncate -s 64M "$tmp/disk"
loop=$(losetup -f --show "$tmp/disk")
name=${loop#/dev/}
dev=$(block_dev_num "$loop")

port=$(free_port)
start_checker emf
conf=$tmp/perfagent.conf
printf 'interval = 1\nimds = off\nmode = advise\nspool_persist = no\ndisable_probes = sched, tcp
metrics_level = detailed\ndevices = %s\nemf_endpoint = tcp://127.0.0.1:%s\nblock_sample = %s\n' \
	"$name" "$port" "$EVERY" >"$conf"
"$PERFAGENT" daemon --config "$conf" --runtime-dir "$run" --state-dir "$tmp/state" \
	2>"$tmp/daemon.log" &
daemon_pid=$!
wait_for 10 test -S "$run/perfagent.sock" || fail "daemon did not start: $(cat "$tmp/daemon.log")"

# Write completions and timed ones of this device, from the daemon's maps.
counts() { echo "$(block_writes "$dev" size) $(block_writes "$dev" latency)"; }

# Sampling is set from the start: wait for the first collection to pass.
wait_for 5 sh -c "\"\$1\" status --json --runtime-dir \"\$2\" | grep -q '\"sampled_one_in\": *$EVERY'" \
	sh "$PERFAGENT" "$run" || fail "status never said 1 in $EVERY: $(pa status --json)"
read -r w0 t0 <<<"$(counts)"
m0=$(probe_missed "$run" block block_rq_complete)
dd if=/dev/zero of="$loop" bs=4k count=$N_IO oflag=direct status=none
read -r w1 t1 <<<"$(counts)"
writes=$((w1 - w0)) timed=$((t1 - t0))
missed=$(($(probe_missed "$run" block block_rq_complete) - m0))
echo "$name: $writes writes, $timed timed, for $N_IO direct writes sampled 1 in $EVERY;" \
	"$missed nested completion runs skipped by the kernel meanwhile"
counted_all $N_IO "$writes" $missed || fail "block counted $writes writes with sampling, want $N_IO"
# Gaps drawn from 1 .. 2N - 1: 500 expected, standard deviation about 12.
lo=$((N_IO * 3 / (4 * EVERY))) hi=$((N_IO * 5 / (4 * EVERY)))
if [ "$timed" -lt $lo ] || [ "$timed" -gt $hi ]; then
	fail "timed $timed of $N_IO writes, want $lo..$hi (1 in $EVERY)"
fi
pass "$N_IO writes counted (none lost but what the kernel says it skipped), $timed timed (1 in $EVERY: $lo..$hi)"

# Status says it, per device and for the probe.
pa status >"$tmp/status.txt"
grep -q "latency of $name: request stamps, sampled 1 in $EVERY" "$tmp/status.txt" ||
	fail "status text: $(grep -A3 probes "$tmp/status.txt")"
pa status --json >"$tmp/status.json"
got=$(json_get "$tmp/status.json" "[(x['latency_sampling'], x['sampled_one_in'], \
	[(d['sampled_one_in'], d['unsampled'] > 0) for d in x['devices'] if d['device'] == '$name']) \
	for x in j['probes'] if x['name'] == 'block']")
[ "$got" = "[('fixed', $EVERY, [($EVERY, True)])]" ] || fail "status json: $got"
pass "status: $name latency sampled 1 in $EVERY"

# The histograms of an interval with writes say so in their title. The
# last interval is what status shows: writes until one interval holds some.
want="['I/O latency, sampled 1 in $EVERY', 'I/O queue time, sampled 1 in $EVERY']"
for try in 1 2 3 4 5 6 7 8 9 10; do
	dd if=/dev/zero of="$loop" bs=4k count=1000 oflag=direct status=none
	sleep 1.2
	pa status --histograms --json >"$tmp/hists.json"
	got=$(json_get "$tmp/hists.json" "sorted(set(h['title'] for h in j['histograms'] \
		if h['entity'] == '$name write' and h['name'] in ('latency', 'queued')))")
	[ "$got" = "[]" ] || break
done
[ "$got" = "$want" ] || fail "histogram titles after $try tries: $got"
pass "histograms of an interval with writes: $got"

# EMF: every document of the device states the rate; its write latency
# distributions hold the timed writes only, its WriteOps all of them.
sleep 1.5
python3 - "$tmp/emf/docs.jsonl" "$name" "$EVERY" <<'PY' || fail "EMF documents do not state the sampling"
import json, sys
path, name, every = sys.argv[1], sys.argv[2], int(sys.argv[3])
docs = [d for d in map(json.loads, open(path)) if d.get("Device") == name]
rates = set(d.get("LatencySampledOneIn") for d in docs)
with_lat = [d for d in docs if isinstance(d.get("WriteLatency"), dict)]
ops = sum(d.get("WriteOps", 0) for d in with_lat)
timed = sum(d["WriteLatency"]["Count"] for d in with_lat)
print(f"{len(docs)} documents of {name}, LatencySampledOneIn {rates}; "
      f"{len(with_lat)} with WriteLatency: {timed} timed")
assert docs and rates == {every}, rates
assert with_lat and timed > 0, "no write latency distribution"
PY
pass "EMF documents of $name carry LatencySampledOneIn $EVERY"

# Off again on reload: from the next interval on, every write is timed.
sed -i 's/^block_sample = .*/block_sample = off/' "$conf"
kill -HUP "$daemon_pid"
wait_for 5 sh -c "\"\$1\" status --json --runtime-dir \"\$2\" | grep -q '\"latency_sampling\": *\"off\"'" \
	sh "$PERFAGENT" "$run" || fail "reload: sampling not off"
wait_for 5 sh -c "\"\$1\" status --json --runtime-dir \"\$2\" | grep -q '\"sampled_one_in\": *1,'" \
	sh "$PERFAGENT" "$run" || fail "reload: still sampled: $(pa status --json)"
read -r w0 t0 <<<"$(counts)"
m0=$(probe_missed "$run" block block_rq_complete)
dd if=/dev/zero of="$loop" bs=4k count=300 oflag=direct status=none
read -r w1 t1 <<<"$(counts)"
missed=$(($(probe_missed "$run" block block_rq_complete) - m0))
if ! counted_all 300 $((w1 - w0)) $missed || ! counted_all 300 $((t1 - t0)) $missed; then
	fail "after block_sample = off: $((w1 - w0)) writes, $((t1 - t0)) timed, want 300 and 300"
fi
pass "block_sample = off on reload: 300 writes, all timed"
