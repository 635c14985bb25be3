#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Long suite: no EMF document is lost when the CloudWatch agent dies and
# comes back (issue 15, defect 7). The daemon collects every second; the
# agent (tests/system/emf_checker.py, which records every byte it reads
# before it parses anything, and whose SIGTERM handler only sets a flag) is
# stopped with SIGTERM and started again 0.5 to 3 s later, ITERATIONS times,
# with one CPU kept busy (the loss reported was more frequent under load).
# Odd rounds stop a prompt agent a random 0 to 80 ms after it received an
# interval's documents, as an agent restarted right after a write; even
# rounds stop an agent that reads only every 500 ms at a random moment of
# the interval, so that some stops find documents not read yet. Every
# PerfAgentSeq from 1 to the last must then be in the bytes one of the
# agents read. Each stop is either an end of file to the daemon (the agent closed with
# nothing unread: the path defect 7 suspected) or a reset (bytes unread);
# the agent logs which, and both must be exercised.
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
	[ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
port=$(free_port)
printf 'interval = 1\nimds = off\nmode = advise\nspool_persist = no\nmetrics_level = detailed\nemf_endpoint = tcp://127.0.0.1:%s\n' \
	"$port" >"$work/conf"
docs() { cat "$work"/a*/docs.jsonl 2>/dev/null | wc -l; }
more_than() { [ "$(docs)" -gt "$1" ]; }
start_agent() {
	python3 tests/system/emf_checker.py serve --port "$port" --out "$work/a$1" \
		--read-every "$([ $(($1 % 2)) = 1 ] && echo 0.5 || echo 0)" >"$work/a$1.log" 2>&1 &
	agent_pid=$!
	wait_for 5 grep -qs listening "$work/a$1.log" || fail "agent $1 did not start"
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
	n=$(docs)   # agent i-1 is stopped: prompt when i is odd, slow when even
	wait_for 5 more_than "$n" || true
	sleep "$(python3 -c "import random; print(round(random.uniform(0, $([ $((i % 2)) = 1 ] && echo 0.08 || echo 1)), 3))")"
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
for f in glob.glob(sys.argv[1] + "/a*/raw/*"):
    for line in open(f, "rb").read().split(b"\n")[:-1]:
        seen.add(json.loads(line)["PerfAgentSeq"])
        docs += 1
missing = sorted(set(range(1, max(seen) + 1)) - seen)
print(f"{docs} {max(seen)} {len(missing)} {','.join(map(str, missing[:20])) or '-'}")
EOF
)
read -r docs last n_missing missing <<<"$result"
eofs=$(cat "$work"/a*/events.log | grep -c ' unread 0$' || true)
resets=$(cat "$work"/a*/events.log | grep -c ' unread [1-9]' || true)
[ "$n_missing" = 0 ] || fail "$n_missing of $last documents read by no agent: $missing"
if [ "$eofs" = 0 ] || [ "$resets" = 0 ]; then
	fail "the agent's stops ended $eofs connections by end of file and $resets by a reset: both paths must be exercised"
fi
pass "$iterations agent restarts ($eofs ended by end of file, $resets by a reset): all $last documents read ($docs with duplicates)"
