#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Long suite: no EMF document is lost when the CloudWatch agent dies and
# comes back (issue 15, defect 7). The daemon collects every second; the
# agent (tests/system/emf_checker.py, which records every document it reads)
# is stopped with SIGTERM a random 0 to 80 ms after it received an
# interval's documents, as an agent restarted right after a write, and
# started again 0.5 to 3 s later, ITERATIONS times, with one CPU kept busy
# (the loss reported was more frequent under load). Every PerfAgentSeq from
# 1 to the last must then have been read by one of the agents.
#
#   tests/long/sink_agent_restarts.sh [ITERATIONS]   (default 200)
set -eu
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
need_root
[ -x "$PERFAGENT" ] || fail "$PERFAGENT is missing: run make first"

iterations=${1:-200}
work=$(mktemp -d /tmp/sink_agent_restarts.XXXXXX)
agent_pid=''
daemon_pid=''
burner=''
cleanup() {
	for p in $burner $daemon_pid $agent_pid; do kill "$p" 2>/dev/null || true; done
	rm -rf "$work"
}
trap cleanup EXIT
port=$(free_port)
printf 'interval = 1\nimds = off\nmode = advise\nspool_persist = no\nemf_endpoint = tcp://127.0.0.1:%s\n' \
	"$port" >"$work/conf"
docs() { cat "$work"/a*/docs.jsonl 2>/dev/null | wc -l; }
more_than() { [ "$(docs)" -gt "$1" ]; }
start_agent() {
	python3 tests/system/emf_checker.py serve --port "$port" --out "$work/a$1" >"$work/a$1.log" 2>&1 &
	agent_pid=$!
	wait_for 5 grep -q listening "$work/a$1.log" || fail "agent $1 did not start"
}
stop_agent() {
	kill -TERM "$agent_pid"
	wait "$agent_pid" || true
}

(while :; do :; done) &
burner=$!
start_agent 0
"$PERFAGENT" daemon --config "$work/conf" --runtime-dir "$work/run" --state-dir "$work/state" \
	--profile-dir "$PWD/tuning-profiles" 2>"$work/daemon.log" &
daemon_pid=$!
wait_for 10 more_than 0 || fail "no document arrived: $(tail "$work/daemon.log")"
for i in $(seq 1 "$iterations"); do
	n=$(docs)
	wait_for 5 more_than "$n" || true
	sleep "$(python3 -c 'import random; print(round(random.uniform(0, 0.08), 3))')"
	stop_agent
	sleep "$(python3 -c 'import random; print(round(random.uniform(0.5, 3), 2))')"
	start_agent "$i"
done
sleep 5
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "the daemon exited $? on SIGTERM"
daemon_pid=
stop_agent
result=$(python3 - "$work" <<'EOF'
import glob, json, sys
seen, docs = set(), 0
for f in glob.glob(sys.argv[1] + "/a*/docs.jsonl"):
    for line in open(f):
        seen.add(json.loads(line)["PerfAgentSeq"])
        docs += 1
missing = sorted(set(range(1, max(seen) + 1)) - seen)
print(f"{docs} {max(seen)} {len(missing)} {missing[:20]}")
EOF
)
read -r docs last n_missing missing <<<"$result"
[ "$n_missing" = 0 ] || fail "$n_missing of $last documents read by no agent: $missing"
pass "$iterations agent restarts: all $last documents read ($docs with duplicates)"
