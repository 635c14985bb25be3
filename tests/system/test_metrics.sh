#!/usr/bin/env bash
# Metrics out: `perfagent metrics --once`, then the real daemon at a 1 s
# interval against a strict EMF checker on loopback (emf_checker.py), with
# the faults an agent can have: down at start, restarted mid-run (with data
# it never read), accepting and never reading, closing every connection;
# a daemon restart with the spool persisted; UDP; the endpoint from the
# environment; metrics = off. The host is never tuned (mode = advise).
# lane: side
set -eu
. "$(dirname "$0")/lib.sh"
need_root

export PERFAGENT_PROFILE_DIR=${PERFAGENT_PROFILE_DIR:-$(pwd)/tuning-profiles}
unset AWS_EMF_AGENT_ENDPOINT
tmp=$(mktemp -d /tmp/perfagent-metrics.XXXXXX)
run=$tmp/run
state=$tmp/state
conf=$tmp/perfagent.conf
checker=$TESTS_DIR/emf_checker.py
daemon_pid=
checker_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
	[ -n "$checker_pid" ] && kill -CONT "$checker_pid" 2>/dev/null &&
		kill "$checker_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

port=$(free_port)

# write_conf [EXTRA-LINE]...: interval 1, never tuning, no IMDS, the checker's port.
write_conf() {
	{
		printf 'interval = 1\nmode = advise\nimds = off\nmetrics_level = detailed\n'
		printf 'emf_endpoint = tcp://127.0.0.1:%s\n' "$port"
		printf '%s\n' "$@"
	} >"$conf"
}

# A prefix for the daemon's command line (see the agent that never reads).
daemon_env=()
start_daemon() {
	"${daemon_env[@]}" "$PERFAGENT" daemon --config "$conf" --runtime-dir "$run" --state-dir "$state" \
		2>>"$tmp/daemon.log" &
	daemon_pid=$!
	wait_for 10 test -S "$run/perfagent.sock" || fail "daemon did not start: $(cat "$tmp/daemon.log")"
	wait_for 5 "$PERFAGENT" status --runtime-dir "$run" >/dev/null ||
		fail "daemon does not answer: $(cat "$tmp/daemon.log")"
}

stop_daemon() {
	kill -TERM "$daemon_pid"
	wait "$daemon_pid" || fail "daemon exited $? on SIGTERM"
	daemon_pid=
}

status_json() { "$PERFAGENT" status --json --runtime-dir "$run" >"$tmp/status.json"; }
sink() { json_get "$tmp/status.json" "j['sink']$1"; }
# The sink has nothing left: every document was taken.
drained() { status_json && [ "$(sink '["queued"]')" = 0 ]; }

report() { # DIR...: the checker's summary of those directories, in order
	(cd "$tmp" && python3 "$checker" report "$@") >"$tmp/report.json"
}
rep() { json_get "$tmp/report.json" "$1"; }
# every_run_whole: each run in order, no gap, nothing invalid.
every_run_whole() {
	[ "$(rep 'j["errors"]')" = 0 ] || fail "invalid documents: $(rep 'j["error_samples"]')"
	[ "$(rep 'all(r["n_missing"] == 0 and r["out_of_order"] == 0 and r["first"] == 1 for r in j["runs"])')" = True ] ||
		fail "lost or out of order: $(rep 'j["runs"]')"
	[ "$(rep 'j["runs_in_order"]')" = True ] || fail "runs interleaved: $(rep 'j["runs"]')"
}

# ---- perfagent metrics --once: no daemon ----
write_conf 'emf_namespace = PerfAgentTest' 'emf_log_group = /perfagent/test'
"$PERFAGENT" metrics --once --format emf --config "$conf" --state-dir "$state" >"$tmp/once.emf"
python3 "$checker" check "$tmp/once.emf" >/dev/null || fail "metrics --once output is not valid EMF"
grep -q '"Namespace":"PerfAgentTest"' "$tmp/once.emf" || fail "namespace not from the config"
grep -q '"LogGroupName":"/perfagent/test"' "$tmp/once.emf" || fail "log group not from the config"
grep -q '"ContextSwitches":' "$tmp/once.emf" || fail "no context switches: $(cat "$tmp/once.emf")"
"$PERFAGENT" metrics --once --interval 1 --config "$conf" --state-dir "$state" >"$tmp/once.txt"
grep -Eq '^instance +ContextSwitches +[0-9.]+ +Count/Second$' "$tmp/once.txt" ||
	fail "metrics table: $(cat "$tmp/once.txt")"
pass "metrics --once prints valid EMF (configured namespace and log group) and a table"

# ---- perfagent metrics streaming: how it ends ----
# A reader that leaves (head) and Ctrl-C are its ends: exit 0. A full disk
# is an error: exit 1, said, at once (not a loop writing nothing for ever).
# The three at once (each loads its probes): their exit codes through files.
( set +e
"$PERFAGENT" metrics --interval 1 --config "$conf" --state-dir "$state" 2>"$tmp/head.err" |
	head -c 10 >/dev/null
echo "${PIPESTATUS[0]}" >"$tmp/head.rc" ) &
p1=$!
( set +e
timeout --preserve-status -s INT -k 10 3.5 "$PERFAGENT" metrics --interval 1 --config "$conf" \
	--state-dir "$state" >"$tmp/int.txt" 2>"$tmp/int.err"
echo $? >"$tmp/int.rc" ) &
p2=$!
( set +e
timeout -k 5 20 "$PERFAGENT" metrics --interval 1 --config "$conf" --state-dir "$state" \
	>/dev/full 2>"$tmp/full.err"
echo $? >"$tmp/full.rc" ) &
wait "$p1" "$p2" $!
rc=$(cat "$tmp/head.rc") rc_int=$(cat "$tmp/int.rc") rc_full=$(cat "$tmp/full.rc")
[ "$rc" = 0 ] || fail "metrics | head: exit $rc (141: killed by SIGPIPE): $(cat "$tmp/head.err")"
[ "$rc_int" = 0 ] || fail "metrics stopped with SIGINT: exit $rc_int: $(cat "$tmp/int.err")"
grep -Eq '^instance +ContextSwitches' "$tmp/int.txt" || fail "nothing printed before SIGINT: $(cat "$tmp/int.txt")"
[ "$rc_full" = 1 ] || fail "metrics >/dev/full: exit $rc_full (124: still writing after 20 s)"
grep -q "perfagent metrics: cannot write the output: No space left on device" "$tmp/full.err" ||
	fail "metrics >/dev/full: $(cat "$tmp/full.err")"
pass "metrics streaming: a closed pipe and Ctrl-C end it with 0, a full disk with 1 and a message"

# ---- healthy, then the agent restarted with data it never read ----
start_checker c1
start_daemon
sleep 3.5
status_json
[ "$(sink '["state"]')" = connected ] || fail "sink state: $(sink '')"
[ "$(sink '["documents_sent"] >= 3')" = True ] || fail "sink sent: $(sink '')"
[ "$(sink '["delivery"]')" = "read by the agent (sock_diag)" ] || fail "delivery: $(sink '["delivery"]')"
"$PERFAGENT" status --runtime-dir "$run" | grep -Eq '^sink +connected: tcp://127.0.0.1:[0-9]+, [0-9]+ sent' ||
	fail "human status: $("$PERFAGENT" status --runtime-dir "$run")"
report c1
every_run_whole
[ "$(rep 'j["resolutions"]')" = "[1]" ] || fail "resolutions at 1 s: $(rep 'j["resolutions"]')"
[ "$(rep 'j["log_groups"]')" = "['/perfagent/test']" ] || fail "log groups: $(rep 'j["log_groups"]')"
# The instance's document, plus one per interface and block device: the
# default sets but the group's (imds = off: no group), each with the device's own.
[ "$(rep '{"InstanceId", "InstanceType"} <= set(j["dimension_sets"]) <= {s + o for s in ("InstanceId", "InstanceType") for o in ("", ",Interface", ",Device", ",VolumeId")}')" = True ] ||
	fail "dimensions: $(rep 'j["dimension_sets"]')"
for m in ContextSwitches TuningKnobsApplied TuningKnobsSkipped TuningKnobsFailed \
	SinkDocumentsSent SinkBytesSent SinkDocumentsQueued SinkDocumentsDropped SinkReconnects \
	SinkLastAcceptedAge; do
	[ "$(rep "'$m' in j['metrics']")" = True ] || fail "metric $m missing: $(rep 'j["metrics"]')"
done
pass "daemon at 1 s: valid EMF, in order, high resolution, self-metrics, status connected"

# The agent hangs (its socket fills, unread), then dies: nothing it never read is lost.
kill -STOP "$checker_pid"
sleep 2.5
status_json
[ "$(sink '["in_flight"] >= 2')" = True ] || fail "nothing in flight while the agent hangs: $(sink '')"
stop_checker
sleep 1.5
status_json
[ "$(sink '["state"]')" = unavailable ] || fail "sink state with the agent gone: $(sink '')"
start_checker c2
wait_for 15 drained || fail "not drained after the agent came back: $(sink '')"
report c1 c2
every_run_whole
[ "$(sink '["dropped"]')" = 0 ] || fail "dropped: $(sink '')"
[ "$(sink '["reconnects"] >= 1')" = True ] || fail "reconnects: $(sink '')"
pass "agent hung then restarted: what it never read came again, in order, no gap ($(rep 'j["runs"][0]["unique"]') documents, $(rep 'j["runs"][0]["duplicates"]') duplicates)"

# The daemon restarts while the agent is down: the spool waits in the state directory.
stop_checker
sleep 2.5
stop_daemon
[ -s "$state/emf-spool.jsonl.gz" ] || fail "no spool file at stop"
grep -q "saved for the next start" "$tmp/daemon.log" || fail "spool save not logged"
# Kept compressed. Its older half is made into the previous version's
# uncompressed file: that loads too, first, and the run stays whole.
python3 - "$state/emf-spool.jsonl.gz" "$state/emf-spool.jsonl" <<'PY' || fail "spool file is not gzip"
import gzip, sys
lines = gzip.open(sys.argv[1]).read().splitlines(True)
half = len(lines) // 2
open(sys.argv[2], "wb").write(b"".join(lines[:half]))
gzip.open(sys.argv[1], "wb").write(b"".join(lines[half:]))
PY
legacy=$(wc -l <"$state/emf-spool.jsonl")
start_daemon
[ ! -e "$state/emf-spool.jsonl.gz" ] || fail "spool file still there after loading it"
[ ! -e "$state/emf-spool.jsonl" ] || fail "old spool file still there after loading it"
grep -q "emf-spool.jsonl: $legacy documents from the previous run go first (uncompressed file" \
	"$tmp/daemon.log" || fail "old spool file not loaded: $(grep 'EMF spool' "$tmp/daemon.log")"
status_json
[ "$(sink "[\"spool\"][\"loaded_at_start\"] > $legacy")" = True ] || fail "spool not loaded: $(sink '')"
start_checker c3
wait_for 15 drained || fail "not drained after restart: $(sink '')"
stop_daemon
sleep 0.3
stop_checker
report c1 c2 c3
every_run_whole
[ "$(rep 'len(j["runs"])')" = 2 ] || fail "runs: $(rep 'j["runs"]')"
pass "daemon restart with the agent down: the old run's tail arrived first, whole"

# ---- the agent is down at start, then comes up ----
rm -rf "$state"
write_conf 'spool_persist = no'
start_daemon
sleep 3
status_json
[ "$(sink '["state"]')" = unavailable ] || fail "sink state without agent: $(sink '')"
[ "$(sink '["queued"] >= 3 and j["sink"]["documents_sent"] == 0')" = True ] || fail "not spooled: $(sink '')"
"$PERFAGENT" status --runtime-dir "$run" | grep -q '^sink .*unavailable: .*Connection refused; next try in' ||
	fail "human status: $("$PERFAGENT" status --runtime-dir "$run" | grep sink)"
start_checker c4
wait_for 15 drained || fail "not drained: $(sink '')"
stop_daemon
sleep 0.3
stop_checker
report c4
every_run_whole
[ "$(rep 'j["runs"][0]["duplicates"]')" = 0 ] || fail "duplicates: $(rep 'j["runs"]')"
pass "agent down at start: spooled, then all delivered in order once it came up"

# ---- an agent that accepts and never reads ----
write_conf 'spool_max_documents = 3' 'spool_persist = no'
start_checker c5 noread
# Under ASan (make sanitize) freed memory sits in a quarantine of up to 256 MB
# to catch use after free, so RSS would grow with every allocation, bounded
# or not: this daemon, whose RSS is measured, runs without it (same bound).
[ "${PERFAGENT_SANITIZED:-}" = 1 ] && daemon_env=(env "ASAN_OPTIONS=${ASAN_OPTIONS:-}:quarantine_size_mb=0")
start_daemon
daemon_env=()
sleep 3
rss1=$(awk '/VmRSS/ {print $2}' "/proc/$daemon_pid/status")
sleep 4
rss2=$(awk '/VmRSS/ {print $2}' "/proc/$daemon_pid/status")
status_json
[ "$(json_get "$tmp/status.json" 'j["collection"]["count"] >= 7')" = True ] ||
	fail "collection stalled: $(json_get "$tmp/status.json" 'j["collection"]')"
[ "$(sink '["queued"] <= 3 and j["sink"]["dropped"] >= 2')" = True ] || fail "bound: $(sink '')"
[ $((rss2 - rss1)) -lt 1024 ] || fail "memory grew from $rss1 to $rss2 kB"
echo "RSS $rss1 kB, then $rss2 kB; $(sink '["dropped"]') dropped"
# When it dies, what it held unread is sent again; only the dropped are missing.
stop_checker
start_checker c6
wait_for 15 drained || fail "not drained: $(sink '')"
# The final count: documents are dropped until the stuck agent is gone.
status_json
dropped=$(sink '["dropped"]')
stop_daemon
sleep 0.3
stop_checker
report c5 c6
[ "$(rep 'j["errors"]')" = 0 ] || fail "invalid documents: $(rep 'j["error_samples"]')"
# Nothing is lost without being counted: every missing document was counted
# as dropped. A dropped one may still arrive: given up on while it sat in the
# stuck agent's receive buffer, which the agent read as it shut down.
[ "$(rep "1 <= j['runs'][0]['n_missing'] <= $dropped")" = True ] ||
	fail "missing $(rep 'j["runs"][0]["n_missing"]') but $dropped counted as dropped"
[ "$(rep 'j["runs"][0]["out_of_order"]')" = 0 ] || fail "out of order: $(rep 'j["runs"]')"
pass "agent that never reads: interval kept, memory flat, every missing document counted as dropped"

# ---- an agent that closes every connection at once ----
write_conf 'spool_persist = no'
start_checker c7 close
start_daemon
sleep 6
status_json
[ "$(json_get "$tmp/status.json" 'j["collection"]["count"] >= 6')" = True ] || fail "collection stalled"
reconnects=$(sink '["reconnects"]')
[ "$reconnects" -ge 1 ] && [ "$reconnects" -le 12 ] || fail "reconnects (backoff): $(sink '')"
stop_checker
start_checker c8
wait_for 20 drained || fail "not drained: $(sink '')"
stop_daemon
sleep 0.3
stop_checker
report c7 c8
every_run_whole
pass "agent closing every connection: backoff ($reconnects reconnects in 6 s), then everything delivered"

# ---- UDP, the endpoint from AWS_EMF_AGENT_ENDPOINT, and the config winning over it ----
printf 'interval = 1\nmode = advise\nimds = off\n' >"$conf"
start_checker c9
export AWS_EMF_AGENT_ENDPOINT=udp://127.0.0.1:$port
start_daemon
sleep 2.5
status_json
[ "$(sink '["endpoint_from"]')" = AWS_EMF_AGENT_ENDPOINT ] || fail "endpoint_from: $(sink '')"
[ "$(sink '["endpoint"]')" = "udp://127.0.0.1:$port" ] || fail "endpoint: $(sink '')"
stop_daemon
sleep 0.3
report c9
every_run_whole
[ "$(rep 'j["documents"] >= 2')" = True ] || fail "no datagrams: $(rep 'j')"
write_conf
export AWS_EMF_AGENT_ENDPOINT=udp://127.0.0.1:9
start_daemon
status_json
[ "$(sink '["endpoint_from"]')" = config ] || fail "config did not win: $(sink '')"
stop_daemon
unset AWS_EMF_AGENT_ENDPOINT
stop_checker
pass "udp (one document per datagram) from AWS_EMF_AGENT_ENDPOINT; the config wins over it"

# ---- metrics = off ----
write_conf 'metrics = off'
start_daemon
status_json
[ "$(sink '["state"]')" = off ] || fail "metrics = off: $(sink '')"
stop_daemon
pass "metrics = off: no sink, status says so"
