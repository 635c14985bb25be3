#!/usr/bin/env bash
# CPU credits on a burstable type, from a synthetic /proc/stat fed through the
# root prefix: the estimate, burn ratio, exhaustion forecast and metrics, and
# the estimate carried across a daemon restart.
# lane: side
set -eu
. "$(dirname "$0")/lib.sh"
need_root

tmp=$(mktemp -d /tmp/perfagent-credits.XXXXXX)
root=$tmp/root
run=$tmp/run
daemon_pid=
feeder_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
	[ -n "$feeder_pid" ] && kill "$feeder_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

"$TESTS_DIR/fakeroot.sh" "$root" --dmi nitro --type t3.micro >/dev/null
mkdir -p "$root/proc/sys/kernel/random"
echo "0f6f2e0c-1111-4222-8333-944455556666" >"$root/proc/sys/kernel/random/boot_id"
echo "1000.00 1900.00" >"$root/proc/uptime"
# Both vCPUs fully busy: 10 times the 10% baseline of a t3.micro.
python3 "$TESTS_DIR/procstat_feeder.py" "$root/proc/stat" 2 1.0 0.0 &
feeder_pid=$!
wait_for 5 test -s "$root/proc/stat" || fail "feeder did not start"

printf 'interval = 1\nimds = off\nmode = advise\nmetrics = off\ncredit_mode = standard\ncredit_start_balance = 100\n' \
	>"$tmp/perfagent.conf"
start_daemon() {
	"$PERFAGENT" daemon --config "$tmp/perfagent.conf" --root "$root" --runtime-dir "$run" \
		--state-dir "$tmp/state" 2>>"$tmp/daemon.log" &
	daemon_pid=$!
	wait_for 10 test -S "$run/perfagent.sock" || fail "daemon did not start: $(cat "$tmp/daemon.log")"
}
status_json() { "$PERFAGENT" status --json --runtime-dir "$run" >"$tmp/status.json"; }

start_daemon
sleep 3.5
status_json
c='j["cpu"]["credits"]'
[ "$(json_get "$tmp/status.json" "$c[\"mode\"]")" = standard ] || fail "mode"
# 2 vCPUs at 100% spend 2 credits a minute and earn 0.2: a burn ratio of 10.
# The feeder writes every 50 ms, so one 1 s interval may see 5% less or more.
json_get "$tmp/status.json" "abs($c[\"burn_ratio\"] - 10) < 0.8" | grep -q True ||
	fail "burn ratio: $(json_get "$tmp/status.json" "$c")"
json_get "$tmp/status.json" "abs(j['cpu']['utilization_pct'] - 100) < 8" | grep -q True ||
	fail "utilization: $(json_get "$tmp/status.json" 'j["cpu"]')"
# About 3.5 s in: 100 - 3.5 x (2/60 - 12/3600) = 99.9 credits, draining 0.03/s.
json_get "$tmp/status.json" "99.8 < $c[\"balance_estimate\"] < 99.99" | grep -q True ||
	fail "balance: $(json_get "$tmp/status.json" "$c")"
json_get "$tmp/status.json" "3000 < $c[\"exhaustion_s\"] < 3700" | grep -q True ||
	fail "exhaustion: $(json_get "$tmp/status.json" "$c")"
"$PERFAGENT" status --runtime-dir "$run" | grep -Eq "^credits +standard mode: about 99\.[89] of 288 \(estimate\); burning (9|10)\..x the baseline" ||
	fail "human status: $("$PERFAGENT" status --runtime-dir "$run")"
pass "t3.micro at 100%: burn ratio 10, balance and exhaustion as computed by hand"

# A restart keeps the estimate, accounting the CPU time in between.
balance=$(json_get "$tmp/status.json" "$c[\"balance_estimate\"]")
kill -TERM "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=
[ -s "$tmp/state/credits.json" ] || fail "estimate not saved"
sleep 2
start_daemon
sleep 1.5
status_json
json_get "$tmp/status.json" "$c[\"estimate_note\"]" | grep -q "daemon restart" ||
	fail "note: $(json_get "$tmp/status.json" "$c")"
json_get "$tmp/status.json" "$c[\"balance_estimate\"] < $balance - 0.05" | grep -q True ||
	fail "the time the daemon was down was not accounted: $balance -> $(json_get "$tmp/status.json" "$c[\"balance_estimate\"]")"
pass "restart: the estimate continues and counts the CPU time while the daemon was down"

# Metrics of one interval, without a daemon.
"$PERFAGENT" metrics --once --config "$tmp/perfagent.conf" --root "$root" \
	--state-dir "$tmp/state" >"$tmp/metrics.txt" 2>/dev/null
for m in CPUCreditBalanceEstimate CPUCreditsSpent CPUCreditBurnRatio CPUCreditExhaustionSeconds StealPercent CPUThrottled; do
	grep -q "$m" "$tmp/metrics.txt" || fail "metrics lack $m: $(cat "$tmp/metrics.txt")"
done
pass "metrics --once carries the credit metrics"

# t1.micro is burstable, but AWS publishes no earn rate for it: no estimate,
# and status says so instead of showing nothing.
kill -TERM "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=
printf 'interval = 1\nimds = off\nmode = advise\nmetrics = off\ninstance_type = t1.micro\n' \
	>"$tmp/perfagent.conf"
start_daemon
sleep 1.5
status_json
[ "$(json_get "$tmp/status.json" 'j["cpu"]["credits"]')" = None ] ||
	fail "t1.micro has a credit estimate: $(json_get "$tmp/status.json" 'j["cpu"]')"
json_get "$tmp/status.json" 'j["cpu"]["credits_note"]' | grep -q "no CPU credit estimate for t1.micro" ||
	fail "t1.micro note: $(json_get "$tmp/status.json" 'j["cpu"]')"
"$PERFAGENT" status --runtime-dir "$run" | grep -Eq "^credits +no CPU credit estimate for t1.micro: AWS publishes no credit earn rate" ||
	fail "human status: $("$PERFAGENT" status --runtime-dir "$run")"
pass "t1.micro: no credit estimate, and status says why"
