#!/usr/bin/env bash
# The daemon and the tuning engine on a fake /proc+/sys tree: it applies
# before READY, shows the profile in status, does not fight an
# administrator, re-plans on SIGHUP, lets only root revert through the
# socket, writes nothing in advise mode, and reverts on stop when asked.
set -eu
. "$(dirname "$0")/lib.sh"
need_root

tmp=$(mktemp -d /tmp/perfagent-dtune.XXXXXX)
chmod 0755 "$tmp"
root=$tmp/root
run=$tmp/run
conf=$tmp/perfagent.conf
daemon_pid=
listener_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
	[ -n "$listener_pid" ] && kill "$listener_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

start_daemon() {
	: >"$tmp/notify.log"
	NOTIFY_SOCKET=$tmp/notify.sock "$PERFAGENT" daemon --config "$conf" --root "$root" \
		--runtime-dir "$run" --state-dir "$tmp/state" 2>>"$tmp/daemon.log" &
	daemon_pid=$!
	wait_for 10 grep -q "READY=1" "$tmp/notify.log" || fail "no READY=1: $(cat "$tmp/daemon.log")"
}

stop_daemon() {
	kill -TERM "$daemon_pid"
	wait "$daemon_pid" || fail "daemon exited $? on SIGTERM"
	daemon_pid=
}

status_json() { "$PERFAGENT" status --json --runtime-dir "$run" >"$tmp/status.json"; }
sysctl_file() { echo "$root/proc/sys/$(echo "$1" | tr . /)"; }

python3 "$TESTS_DIR/notify_listener.py" "$tmp/notify.sock" "$tmp/notify.log" >"$tmp/listener.out" &
listener_pid=$!
wait_for 5 grep -q listening "$tmp/listener.out" || fail "notify listener did not start"

"$TESTS_DIR/tune_tree.sh" "$root"
cp -a "$root" "$tmp/pristine"

# advise: the plan is in status, the tree is untouched.
printf 'interval = 60\nimds = off\nmode = advise\n' >"$conf"
start_daemon
status_json
[ "$(json_get "$tmp/status.json" 'j["profile"]["name"]')" = compute ] || fail "profile not compute"
[ "$(json_get "$tmp/status.json" '[l["name"] for l in j["profile"]["layers"]]')" = "['compute', 'network']" ] ||
	fail "layers: $(json_get "$tmp/status.json" 'j["profile"]["layers"]')"
[ "$(json_get "$tmp/status.json" 'j["profile"]["state"]')" = advised ] || fail "state not advised"
[ "$(json_get "$tmp/status.json" 'j["profile"]["counts"]["set"] > 0')" = True ] || fail "nothing to set"
stop_daemon
diff -r --no-dereference "$tmp/pristine" "$root" >/dev/null || fail "advise mode wrote to the tree"
[ ! -e "$tmp/state/journal.json" ] || fail "advise mode wrote a journal"
pass "advise: plan in status, nothing written"

# apply: done before READY, visible in status, journaled.
printf 'interval = 60\nimds = off\nmode = apply\n' >"$conf"
start_daemon
[ "$(cat "$(sysctl_file net.core.netdev_max_backlog)")" = 5000 ] || fail "netdev_max_backlog not applied before READY"
grep -q "STATUS=c6in.large, profile compute + network applied" "$tmp/notify.log" || fail "STATUS line: $(cat "$tmp/notify.log")"
status_json
[ "$(json_get "$tmp/status.json" 'j["profile"]["state"]')" = applied ] || fail "state not applied"
[ "$(json_get "$tmp/status.json" 'j["profile"]["rule"]')" = compute ] || fail "rule"
applied=$(json_get "$tmp/status.json" 'j["profile"]["counts"]["applied"]')
[ "$applied" -gt 0 ] || fail "nothing applied"
[ "$(json_get "$tmp/status.json" 'j["profile"]["verify"]["drifted"]')" = 0 ] || fail "drift right after apply"
[ -s "$tmp/state/journal.json" ] || fail "no journal"
"$PERFAGENT" status --runtime-dir "$run" | grep -Eq "^profile +compute \+ network \(applied, mode apply\)" ||
	fail "human status profile line"
pass "apply: $applied knobs applied before READY, status and journal agree"

# An administrator changes a knob: reported, and not fought on SIGHUP.
echo 3000 >"$(sysctl_file net.core.netdev_max_backlog)"
status_json
[ "$(json_get "$tmp/status.json" 'j["profile"]["verify"]["overridden"]')" = 1 ] ||
	fail "override not seen: $(json_get "$tmp/status.json" 'j["profile"]["verify"]')"
: >"$tmp/notify.log"
kill -HUP "$daemon_pid"
wait_for 5 grep -q "READY=1" "$tmp/notify.log" || fail "no READY after SIGHUP"
status_json
[ "$(json_get "$tmp/status.json" 'j["profile"]["counts"]["overridden"]')" = 1 ] || fail "re-plan missed the override"
[ "$(cat "$(sysctl_file net.core.netdev_max_backlog)")" = 3000 ] || fail "SIGHUP fought the administrator"
pass "administrator's value reported as overridden and kept across SIGHUP"

# Revert through the socket: root only.
# uid 65534 may not reach the checkout or pyenv's python: use copies it can read.
cp "$TESTS_DIR/ctl_client.py" "$tmp/ctl_client.py"
set +e
out=$(setpriv --reuid=65534 --regid=65534 --clear-groups /usr/bin/python3 "$tmp/ctl_client.py" \
	"$run/perfagent.sock" raw '{"cmd":"revert"}' 2>&1)
set -e
echo "$out" | grep -q '"code":"permission_denied"' || fail "revert as nobody: $out"
python3 "$TESTS_DIR/ctl_client.py" "$run/perfagent.sock" raw '{"cmd":"revert"}' |
	grep -q '"ok":true' || fail "revert as root failed"
cp "$(sysctl_file net.core.netdev_max_backlog)" "$tmp/admin_value"
cp "$tmp/pristine/proc/sys/net/core/netdev_max_backlog" "$(sysctl_file net.core.netdev_max_backlog)"
diff -r --no-dereference "$tmp/pristine" "$root" || fail "revert did not restore the tree byte for byte"
[ "$(cat "$tmp/admin_value")" = 3000 ] || fail "revert overwrote the administrator's value"
stop_daemon
pass "socket revert: refused for uid 65534; as root restores every byte, leaves the admin's value"

# revert_on_stop: the tree is back when the daemon stops.
printf 'interval = 60\nimds = off\nmode = apply\nrevert_on_stop = yes\n' >"$conf"
start_daemon
[ "$(cat "$(sysctl_file net.core.netdev_max_backlog)")" = 5000 ] || fail "not applied"
stop_daemon
diff -r --no-dereference "$tmp/pristine" "$root" || fail "revert_on_stop left changes"
pass "revert_on_stop = yes restores the tree on SIGTERM"

# Default: tuning outlives the daemon.
printf 'interval = 60\nimds = off\nmode = apply\n' >"$conf"
start_daemon
stop_daemon
[ "$(cat "$(sysctl_file net.core.netdev_max_backlog)")" = 5000 ] || fail "stop reverted without revert_on_stop"
"$PERFAGENT" verify --root "$root" --state-dir "$tmp/state" --config "$conf" >/dev/null ||
	fail "verify after the daemon stopped"
"$PERFAGENT" revert --root "$root" --state-dir "$tmp/state" --config "$conf" >/dev/null
diff -r --no-dereference "$tmp/pristine" "$root" || fail "CLI revert with the daemon stopped"
pass "tuning stays after stop; verify and revert work without the daemon"
