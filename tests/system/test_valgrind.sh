#!/usr/bin/env bash
# The daemon under Valgrind's memcheck, a whole start-collect-stop cycle: it
# starts (probes loaded, IMDS off, mode = advise: the host is never tuned),
# collects at a 1 s interval with the EMF sink delivering to a checker on
# loopback, answers status over the control socket, reloads, and stops on
# SIGTERM. Any memcheck error, or a definite or indirect leak, fails.
# Only libbpf's known bpf(2) false positives are suppressed
# (tests/valgrind/libbpf.supp). Exit 77 (skipped) only without valgrind,
# which make test-deps installs, or when not root.
# lane: side
set -eu
. "$(dirname "$0")/lib.sh"
need_root
need_tools valgrind

# Valgrind cannot run an ASan binary: under make sanitize (which sets
# PERFAGENT_SANITIZED and PERFAGENT_UNSANITIZED) the daemon is the plain
# build; the clients below stay $PERFAGENT.
vg_bin=$PERFAGENT
if [ "${PERFAGENT_SANITIZED:-}" = 1 ]; then
	vg_bin=${PERFAGENT_UNSANITIZED:-}
	[ -n "$vg_bin" ] || fail "PERFAGENT_SANITIZED=1 without PERFAGENT_UNSANITIZED"
fi
[ -x "$vg_bin" ] || fail "$vg_bin is missing: run make first"

export PERFAGENT_PROFILE_DIR=${PERFAGENT_PROFILE_DIR:-$(pwd)/tuning-profiles}
unset AWS_EMF_AGENT_ENDPOINT
supp=$TESTS_DIR/../valgrind/libbpf.supp
tmp=$(mktemp -d /tmp/perfagent-valgrind.XXXXXX)
run=$tmp/run
conf=$tmp/perfagent.conf
vglog=$tmp/valgrind.log
daemon_pid=
checker_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
	[ -n "$checker_pid" ] && kill "$checker_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

pa() { "$PERFAGENT" "$@" --runtime-dir "$run"; }
status_json() { pa status --json >"$tmp/status.json"; }
count_at_least() { status_json && [ "$(json_get "$tmp/status.json" "j['collection']['count'] >= $1")" = True ]; }

port=$(free_port)
start_checker emf

printf 'interval = 1\nimds = off\nmode = advise\nmetrics_level = detailed\nemf_endpoint = tcp://127.0.0.1:%s\n' "$port" >"$conf"
start=$(now_ms)
valgrind --error-exitcode=99 --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite,indirect --track-origins=yes --num-callers=40 \
	--suppressions="$supp" --log-file="$vglog" \
	"$vg_bin" daemon --config "$conf" --runtime-dir "$run" --state-dir "$tmp/state" \
	2>"$tmp/daemon.log" &
daemon_pid=$!
# Valgrind runs the daemon some 20-50 times slower: generous deadlines, the
# same checks.
wait_for 120 test -S "$run/perfagent.sock" ||
	fail "daemon did not start: $(cat "$tmp/daemon.log" "$vglog")"
wait_for 60 pa status >/dev/null 2>&1 || fail "no status: $(cat "$tmp/daemon.log")"
echo "ready under valgrind after $(($(now_ms) - start)) ms"

# A few intervals, then status over the control socket, human and JSON.
wait_for 60 count_at_least 4 || fail "collection: $(json_get "$tmp/status.json" 'j["collection"]')"
pa status >"$tmp/status.txt" || fail "status"
grep -Eq '^probes +sched +running' "$tmp/status.txt" || fail "status: $(cat "$tmp/status.txt")"
status_json
[ "$(json_get "$tmp/status.json" 'j["sink"]["state"]')" = connected ] ||
	fail "sink: $(json_get "$tmp/status.json" 'j["sink"]')"
[ "$(json_get "$tmp/status.json" 'j["sink"]["documents_sent"] >= 2')" = True ] ||
	fail "sink: $(json_get "$tmp/status.json" 'j["sink"]')"
pass "under valgrind: $(json_get "$tmp/status.json" 'j["collection"]["count"]') collections at 1 s, EMF delivered, status answered"

# A reload through the socket frees the old configuration and probe set.
printf 'interval = 1\nimds = off\nmode = advise\nmetrics_level = detailed\nemf_endpoint = tcp://127.0.0.1:%s\ndisable_probes = tcp\n' \
	"$port" >"$conf"
pa reload | grep -q "configuration reloaded" || fail "reload"
n=$(json_get "$tmp/status.json" 'j["collection"]["count"]')
wait_for 60 count_at_least $((n + 2)) || fail "no collection after reload"
[ "$(json_get "$tmp/status.json" '[p["state"] for p in j["probes"] if p["name"] == "tcp"]')" = "['disabled']" ] ||
	fail "tcp not disabled: $(json_get "$tmp/status.json" 'j["probes"]')"
pass "under valgrind: reload, collection goes on"

kill -TERM "$daemon_pid"
set +e
wait "$daemon_pid"
rc=$?
set -e
daemon_pid=
grep -q "stopped" "$tmp/daemon.log" || fail "no clean stop: $(cat "$tmp/daemon.log")"
[ "$rc" -ne 99 ] || fail "valgrind found errors:
$(cat "$vglog")"
[ "$rc" -eq 0 ] || fail "daemon exited $rc under valgrind: $(cat "$tmp/daemon.log" "$vglog")"
grep -q "ERROR SUMMARY: 0 errors" "$vglog" || fail "valgrind: $(cat "$vglog")"
grep -Eq "All heap blocks were freed|definitely lost: 0 bytes" "$vglog" ||
	fail "leaks: $(cat "$vglog")"
echo "valgrind: $(grep -o 'ERROR SUMMARY: .*' "$vglog"); $(grep -Eo 'in use at exit: [0-9,]+ bytes' "$vglog")"
pass "valgrind: no memcheck error, no definite or indirect leak in a start-collect-reload-stop cycle"
