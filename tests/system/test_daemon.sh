#!/usr/bin/env bash
# The daemon's life cycle: start, readiness, status, collection, reload
# (good and bad), permissions, hostile control clients, stop; a socket
# deleted under a running daemon.
# lane: side
set -eu
. "$(dirname "$0")/lib.sh"
need_root

tmp=$(mktemp -d /tmp/perfagent-daemon.XXXXXX)
chmod 0755 "$tmp"
run=$tmp/run
conf=$tmp/perfagent.conf
notify_log=$tmp/notify.log
daemon_pid=
old_pid=
listener_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
	[ -n "$old_pid" ] && kill "$old_pid" 2>/dev/null
	[ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

pa() { "$PERFAGENT" "$@" --runtime-dir "$run"; }
status_json() { pa status --json >"$tmp/status.json"; }

# advise: this test must never tune the host (test_daemon_tuning.sh applies on a fake tree).
printf 'interval = 1\nimds = off\nmode = advise\n' >"$conf"

# --check-config: good, then bad with file and line.
"$PERFAGENT" daemon --check-config --config "$conf" | grep -q "configuration OK" ||
	fail "check-config refused a good file"
printf 'interval = 1\nmode = sideways\n' >"$tmp/bad.conf"
set +e
out=$("$PERFAGENT" daemon --check-config --config "$tmp/bad.conf" 2>&1)
rc=$?
set -e
[ "$rc" -eq 4 ] || fail "check-config of a bad file exited $rc, want 4"
echo "$out" | grep -q "bad.conf:2: bad value 'sideways' for mode: expected apply or advise" ||
	fail "check-config message: $out"
pass "check-config names file, line and accepted values"

# A daemon with a bad config does not start.
set +e
"$PERFAGENT" daemon --config "$tmp/bad.conf" --runtime-dir "$run" --state-dir "$tmp/state" 2>/dev/null
rc=$?
set -e
[ "$rc" -eq 4 ] || fail "daemon with a bad config exited $rc, want 4"
pass "daemon refuses to start on a bad config (exit 4)"

# status without a daemon.
set +e
out=$(pa status 2>&1)
rc=$?
set -e
[ "$rc" -eq 3 ] || fail "status without daemon exited $rc, want 3"
echo "$out" | grep -q "not running" || fail "status without daemon said: $out"
pass "status without a daemon exits 3 and says so"

# Start under a fake systemd notify socket.
python3 "$TESTS_DIR/notify_listener.py" "$tmp/notify.sock" "$notify_log" >"$tmp/listener.out" &
listener_pid=$!
wait_for 5 grep -q listening "$tmp/listener.out" || fail "notify listener did not start"
start=$(now_ms)
# WatchdogSec=0.4s, as systemd would pass it: a keep-alive every 200 ms.
NOTIFY_SOCKET=$tmp/notify.sock WATCHDOG_USEC=400000 "$PERFAGENT" daemon --config "$conf" \
	--runtime-dir "$run" --state-dir "$tmp/state" 2>"$tmp/daemon.log" &
daemon_pid=$!
wait_for 10 grep -q "READY=1" "$notify_log" || fail "no READY=1; log: $(cat "$tmp/daemon.log")"
echo "ready after $(($(now_ms) - start)) ms"
grep -q "STATUS=.*probes running" "$notify_log" || fail "no STATUS= line: $(cat "$notify_log")"
pass "daemon sends READY=1 and STATUS="

# The watchdog keep-alive comes from the event loop: it stops while the
# daemon is stopped (SIGSTOP, as a wedged loop) and resumes after SIGCONT.
pets() { grep -c '^WATCHDOG=1$' "$notify_log" || true; }
# A function, so wait_for counts again on each try ("$(pets)" in its
# arguments would be counted once, before the first).
pets_above() { [ "$(pets)" -gt "$1" ]; }
n0=$(pets)
sleep 1.2
n1=$(pets)
[ $((n1 - n0)) -ge 4 ] || fail "$((n1 - n0)) WATCHDOG=1 in 1.2 s with WATCHDOG_USEC=400000, want >= 4"
kill -STOP "$daemon_pid"
sleep 0.3
n2=$(pets)
sleep 1.2
n3=$(pets)
kill -CONT "$daemon_pid"
[ "$n3" = "$n2" ] || fail "$((n3 - n2)) WATCHDOG=1 while the daemon was stopped"
wait_for 3 pets_above "$n3" || fail "no WATCHDOG=1 after SIGCONT"
pass "watchdog: $((n1 - n0)) keep-alives in 1.2 s, none while stopped, again after SIGCONT"

# Human status: compact, with the probe and the honest placeholders.
pa status >"$tmp/status.txt"
cat "$tmp/status.txt"
grep -Eq '^probes +sched +running +tp_btf' "$tmp/status.txt" || fail "probe line missing"
grep -Eq "^profile +base \(advised, mode advise\)" "$tmp/status.txt" || fail "profile line"
grep -q "^sink .*unavailable" "$tmp/status.txt" || fail "sink line"
grep -q "^instance .*not an EC2 instance" "$tmp/status.txt" || fail "instance line"
pass "status prints the summary"

# JSON status and real collection.
sleep 2.5
status_json
[ "$(json_get "$tmp/status.json" 'j["agent"]["version"]')" = "$("$PERFAGENT" version | cut -d' ' -f2)" ] ||
	fail "version mismatch"
[ "$(json_get "$tmp/status.json" 'j["probes"][0]["state"]')" = running ] || fail "probe state"
[ "$(json_get "$tmp/status.json" 'j["identity"]["is_ec2"]')" = False ] || fail "is_ec2"
[ "$(json_get "$tmp/status.json" 'j["collection"]["count"] >= 3')" = True ] ||
	fail "collection count: $(json_get "$tmp/status.json" 'j["collection"]')"
[ "$(json_get "$tmp/status.json" 'j["collection"]["context_switches_per_s"] > 0')" = True ] ||
	fail "no context switches counted"
pass "collection runs every second and counts context switches"

# SIGHUP reload: new interval, probe disabled.
printf 'interval = 2\nimds = off\nmode = advise\ndisable_probes = sched\n' >"$conf"
kill -HUP "$daemon_pid"
wait_for 5 grep -q "RELOADING=1" "$notify_log" || fail "no RELOADING=1"
sleep 0.3
status_json
[ "$(json_get "$tmp/status.json" 'j["collection"]["interval_s"]')" = 2 ] || fail "interval not reloaded"
[ "$(json_get "$tmp/status.json" 'j["probes"][0]["state"]')" = disabled ] || fail "probe not disabled"
pass "SIGHUP reloads: interval 2, sched disabled"

# A bad config on reload is refused and changes nothing.
# reload_refused CONFIG MESSAGE: reload exits 4 saying MESSAGE; interval stays 2.
reload_refused() {
	local out rc=0
	printf '%b' "$1" >"$conf"
	out=$(pa reload 2>&1) || rc=$?
	[ "$rc" -eq 4 ] || fail "reload of '$1' exited $rc, want 4 ($out)"
	echo "$out" | grep -q "$2" || fail "reload message: $out"
	status_json
	[ "$(json_get "$tmp/status.json" 'j["collection"]["interval_s"]')" = 2 ] ||
		fail "the refused reload of '$1' changed interval"
}
reload_refused 'interval = 5\nmode = later\n' "perfagent.conf:2: bad value 'later' for mode"
[ "$(json_get "$tmp/status.json" 'j["agent"]["last_reload"]["ok"]')" = False ] || fail "last_reload.ok"
pa status | grep -q "last reload FAILED" || fail "human status hides the failed reload"
# A profile that does not exist is the configuration's error too.
reload_refused 'interval = 5\nprofile = nothere\n' "no profile named 'nothere'"
# Every error reaches the command (systemctl reload logs what it prints), the last too.
reload_refused 'bogus_one = 1\nbogus_two = 2\nbogus_three = 3\nmode = later\n' \
	"perfagent.conf:4: bad value 'later' for mode"
pass "bad reload (a bad value, a missing profile, four errors) refused, running config kept, all said, status says so"

# Only root may change the daemon; anyone may read status. uid 65534 may not
# reach the checkout, so it runs a copy of the binary.
cp "$PERFAGENT" "$tmp/perfagent"
printf 'interval = 1\nimds = off\nmode = advise\n' >"$conf"
set +e
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/perfagent" reload --runtime-dir "$run" 2>&1)
rc=$?
set -e
[ "$rc" -eq 5 ] || fail "reload as nobody exited $rc, want 5 ($out)"
echo "$out" | grep -q "needs root; you are uid 65534" || fail "reload as nobody said: $out"
setpriv --reuid=65534 --regid=65534 --clear-groups "$tmp/perfagent" status --runtime-dir "$run" >/dev/null ||
	fail "status as nobody failed"
pa reload | grep -q "configuration reloaded" || fail "reload as root"
pass "mutating requests need root (SO_PEERCRED); status is open"

# Hostile clients: idle connections are dropped, status still answers.
python3 "$TESTS_DIR/ctl_client.py" "$run/perfagent.sock" idle 20 >"$tmp/idle.out" &
idle_pid=$!
wait_for 5 grep -q connected "$tmp/idle.out" || fail "idle clients did not connect"
start=$(now_ms)
pa status >/dev/null || fail "status blocked by idle clients"
echo "status answered in $(($(now_ms) - start)) ms with 20 idle clients connected"
wait "$idle_pid"
grep -q "closed 20" "$tmp/idle.out" || fail "idle clients not dropped: $(cat "$tmp/idle.out")"
python3 "$TESTS_DIR/ctl_client.py" "$run/perfagent.sock" oversize | grep -q '"code":"bad_request"' ||
	fail "oversized request not refused"
python3 "$TESTS_DIR/ctl_client.py" "$run/perfagent.sock" junk | grep -q '"code":"bad_request"' ||
	fail "junk request not refused"
python3 "$TESTS_DIR/ctl_client.py" "$run/perfagent.sock" raw '{"cmd":"format-disk"}' |
	grep -q '"code":"unknown_command"' || fail "unknown command not refused"
python3 "$TESTS_DIR/ctl_client.py" "$run/perfagent.sock" raw '{"cmd":"ping"}' |
	grep -q '"ok":true' || fail "ping"
kill -0 "$daemon_pid" || fail "daemon died under hostile clients"
pass "idle, oversized, junk and unknown requests handled; daemon alive"

# A second daemon on the same socket refuses to start.
set +e
out=$("$PERFAGENT" daemon --config "$conf" --runtime-dir "$run" --state-dir "$tmp/state" 2>&1)
rc=$?
set -e
[ "$rc" -eq 1 ] || fail "second daemon exited $rc, want 1"
echo "$out" | grep -q "already answering" || fail "second daemon said: $out"
pa status >/dev/null || fail "first daemon lost its socket"
pass "a second daemon refuses to take the socket"

# SIGTERM: clean exit, socket removed, nothing left attached.
# The links the daemon holds must all be gone once it has stopped.
links=$(bpf_link_ids "$daemon_pid")
[ -n "$links" ] || fail "the daemon holds no BPF link"
kill -TERM "$daemon_pid"
start=$(now_ms)
set +e
wait "$daemon_pid"
rc=$?
set -e
daemon_pid=
[ "$rc" -eq 0 ] || fail "daemon exited $rc on SIGTERM"
echo "stopped in $(($(now_ms) - start)) ms"
[ ! -e "$run/perfagent.sock" ] || fail "socket left behind"
grep -q "STOPPING=1" "$notify_log" || fail "no STOPPING=1"
# shellcheck disable=SC2086 # one argument per id
left=$(bpf_links_alive $links)
[ -z "$left" ] || fail "BPF links left after stop: $left"
pass "SIGTERM stops cleanly, socket removed, no BPF links left"

# A socket file deleted under a running daemon (its runtime directory wiped):
# a daemon started since binds its own there, and the first, stopped, leaves
# that one in place; each removes only its own.
printf 'interval = 1\nimds = off\nmode = advise\nmetrics = off\ndisable_probes = sched, block, tcp\n' \
	>"$tmp/quiet.conf"
start_quiet() {
	"$PERFAGENT" daemon --config "$tmp/quiet.conf" --runtime-dir "$run" \
		--state-dir "$tmp/state-$1" 2>"$tmp/daemon-$1.log" &
}
start_quiet old
old_pid=$!
wait_for 10 test -S "$run/perfagent.sock" || fail "daemon did not start: $(cat "$tmp/daemon-old.log")"
rm "$run/perfagent.sock"
start_quiet new
daemon_pid=$!
wait_for 10 test -S "$run/perfagent.sock" || fail "daemon did not start: $(cat "$tmp/daemon-new.log")"
kill -TERM "$old_pid"
wait "$old_pid" || fail "the first daemon exited $? on SIGTERM"
old_pid=
[ -S "$run/perfagent.sock" ] || fail "the stopped daemon removed its successor's socket"
pa status >/dev/null || fail "the running daemon no longer answers"
kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "the second daemon exited $? on SIGTERM"
daemon_pid=
[ ! -e "$run/perfagent.sock" ] || fail "socket left behind by its own daemon"
pass "a daemon stopped after its socket was deleted leaves its successor's alone"
