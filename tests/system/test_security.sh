#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The security properties SECURITY.md claims, checked against a running
# daemon and the CLI: the control socket's permissions (created with
# control_socket_mode, changed on reload never through a symlink), what an
# unprivileged user may and may not ask, root's reserved connection slots,
# junk and slow clients, the tuning lock never following a symlink, and
# profile knob names that try to leave /proc/sys or /sys. Everything runs in
# a temporary directory and on a fake /proc and /sys tree; mode = advise.
# lane: side
set -eu
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
need_root

need_tools setpriv python3
[ -x "$PERFAGENT" ] || fail "$PERFAGENT is missing: run make first"
unset PERFAGENT_SYSROOT PERFAGENT_STATE_DIR STATE_DIRECTORY PERFAGENT_CONFIG \
	PERFAGENT_RUNTIME_DIR RUNTIME_DIRECTORY
# uid 65534 cannot reach a pyenv shim under /root: use the system's python.
PY=/usr/bin/python3
[ -x "$PY" ] || PY=$(command -v python3)

tmp=$(mktemp -d /tmp/perfagent-security.XXXXXX)
chmod 0755 "$tmp"
run=$tmp/run
conf=$tmp/perfagent.conf
log=$tmp/daemon.log
daemon_pid=
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
	wait 2>/dev/null
	[ -n "${KEEP:-}" ] || rm -rf "$tmp"
}
trap cleanup EXIT

cp "$PERFAGENT" "$tmp/perfagent"
chmod 0755 "$tmp/perfagent"
nobody() { setpriv --reuid=65534 --regid=65534 --clear-groups "$@"; }
pa() { "$PERFAGENT" "$@" --runtime-dir "$run"; }
sock=$run/perfagent.sock

# ctl AS LINE...: sends each LINE on one connection as AS (root or nobody),
# prints each reply line.
ctl() {
	local as=$1
	shift
	local cmd=("$PY" - "$sock" "$@")
	[ "$as" = nobody ] && cmd=(setpriv --reuid=65534 --regid=65534 --clear-groups "${cmd[@]}")
	"${cmd[@]}" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(8)
s.connect(sys.argv[1])
for line in sys.argv[2:]:
    try:
        s.sendall(line.encode("latin-1") + b"\n")
    except OSError:
        pass    # refused ("busy") and closed already: its reply is still there
    data = b""
    while not data.endswith(b"\n"):
        chunk = s.recv(65536)
        if not chunk:
            break
        data += chunk
    print(data.decode(errors="replace").strip())
EOF
}

# ---- a runtime directory others can write is refused ----
mkdir -p "$tmp/none"	# an empty host
for m in 1777 0775; do
	mkdir -m "$m" "$tmp/shared$m"
	set +e
	# timeout: a daemon that wrongly starts must fail the test, not hang it
	out=$(timeout 10 "$PERFAGENT" daemon --config /dev/null --runtime-dir "$tmp/shared$m" \
		--state-dir "$tmp/state" --root "$tmp/none" 2>&1)
	rc=$?
	set -e
	[ "$rc" -eq 1 ] || fail "daemon in a $m runtime dir exited $rc: $out"
	echo "$out" | grep -q "is writable by others" || fail "runtime dir $m: $out"
	[ ! -e "$tmp/shared$m/perfagent.sock" ] || fail "socket created in a $m directory"
done
pass "a runtime directory writable by others (1777, 0775) is refused before the socket exists"

# The daemon plans on a fake tree: nothing here reads or tunes the host's knobs.
tree=$tmp/tree
tests/system/tune_tree.sh "$tree" >/dev/null
printf 'interval = 1\nimds = off\nmode = advise\nmetrics = off\n' >"$conf"
"$PERFAGENT" daemon --config "$conf" --runtime-dir "$run" --state-dir "$tmp/state" \
	--root "$tree" --log-level debug 2>"$log" &
daemon_pid=$!
wait_for 10 pa status >/dev/null 2>&1 || fail "daemon did not answer; log: $(cat "$log")"

# ---- the socket file and its directory ----
[ "$(stat -c '%a %U' "$run")" = "755 root" ] || fail "runtime dir is $(stat -c '%a %U' "$run")"
[ "$(stat -c '%a %U %F' "$sock")" = "666 root socket" ] ||
	fail "socket is $(stat -c '%a %U %F' "$sock")"
pass "socket $sock: 0666 root in a 0755 root directory (the default)"

reloads() { grep -c "configuration reloaded" "$log" || true; }
reload_conf() { # reload_conf CONTENT: writes the config and waits for SIGHUP's reload
	local before
	before=$(reloads)
	printf '%s\n' "$1" >"$conf"
	kill -HUP "$daemon_pid"
	wait_for 5 sh -c "[ \$(grep -c 'configuration reloaded' '$log') -gt $before ]" ||
		fail "no reload; log: $(tail -5 "$log")"
}

reload_conf "$(printf 'interval = 1\nimds = off\nmode = advise\nmetrics = off\ncontrol_socket_mode = 0600')"
[ "$(stat -c '%a' "$sock")" = 600 ] || fail "mode after reload: $(stat -c '%a' "$sock")"
set +e
out=$(nobody "$tmp/perfagent" status --runtime-dir "$run" 2>&1)
rc=$?
set -e
[ "$rc" -eq 5 ] || fail "status as nobody on a 0600 socket exited $rc, want 5: $out"
echo "$out" | grep -q "no permission" || fail "status as nobody said: $out"
pa status >/dev/null || fail "root lost its own 0600 socket"
pass "control_socket_mode = 0600 on reload: nobody cannot connect, root can"

# A reload must never chmod through a symlink put in the socket's place.
victim=$tmp/victim
: >"$victim"
chmod 0600 "$victim"
mv "$sock" "$sock.real"
ln -s "$victim" "$sock"
reload_conf "$(printf 'interval = 1\nimds = off\nmode = advise\nmetrics = off\ncontrol_socket_mode = 0666')"
[ "$(stat -c '%a' "$victim")" = 600 ] || fail "reload chmod'ed the symlink's target to $(stat -c '%a' "$victim")"
grep -q "cannot change its mode" "$log" || fail "refusal not logged"
rm "$sock"
mv "$sock.real" "$sock"
kill -HUP "$daemon_pid"
wait_for 5 sh -c "[ \$(stat -c %a '$sock') = 666 ]" || fail "mode not restored"
pass "reload changes the socket's mode, never a symlink's target"

# ---- what an unprivileged user may ask ----
for cmd in ping status histograms; do
	out=$(ctl nobody "{\"cmd\":\"$cmd\"}")
	echo "$out" | grep -q '^{"ok":true' || fail "nobody: $cmd refused: $out"
done
for cmd in reload apply revert; do
	out=$(ctl nobody "{\"cmd\":\"$cmd\"}")
	echo "$out" | grep -q '"code":"permission_denied"' || fail "nobody: $cmd not refused: $out"
done
# The CLI says the same, exit 5.
set +e
out=$(nobody "$tmp/perfagent" reload --runtime-dir "$run" 2>&1)
rc=$?
set -e
[ "$rc" -eq 5 ] || fail "perfagent reload as nobody exited $rc, want 5: $out"
pass "nobody: ping, status, histograms answered; reload, apply, revert permission_denied"

# ---- junk: each refused, the connection kept for the next request ----
replies=$(ctl nobody 'hello' '{"cmd":"ping"} trailing' '["cmd","ping"]' '{"cmd":7}' \
	"$(printf '{"cmd":"ping"\001}')" "$(printf '%0.s[' $(seq 1 2000))" \
	'{"cmd":"ping","cmd":"apply"}' '{"cmd":"ping"}')
printf '%s\n' "$replies" | head -n 7 | grep -vq '"ok":false' &&
	fail "junk answered ok: $replies"
printf '%s\n' "$replies" | sed -n 7p | grep -q 'permission_denied' ||
	fail "duplicate cmd key: the last one (apply) must be the one checked: $replies"
printf '%s\n' "$replies" | tail -n 1 | grep -q '^{"ok":true' || fail "ping after junk: $replies"
out=$("$PY" - "$sock" <<'EOF'
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.settimeout(5)
s.connect(sys.argv[1])
s.sendall(b'{"cmd":"ping"}\x00\n')
print(s.recv(4096).decode())
EOF
)
echo "$out" | grep -q '"code":"bad_request"' || fail "NUL byte not refused: $out"
pass "junk, nesting 2000 deep, a NUL byte: bad_request, connection kept"

# ---- a slow client is dropped 5 s after its last reply, whatever it sends ----
start=$(now_ms)
nobody "$PY" - "$sock" <<'EOF' || fail "slow client not dropped"
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.connect(sys.argv[1])
s.settimeout(1)
for i in range(12):          # one byte a second, never a whole line
    try:
        s.sendall(b"{")
        if s.recv(1) == b"":
            sys.exit(0)
    except socket.timeout:
        pass
    except (BrokenPipeError, ConnectionResetError):
        sys.exit(0)
sys.exit(1)
EOF
took=$(($(now_ms) - start))
[ "$took" -lt 8000 ] || fail "slow client held on for $took ms"
pass "a client trickling bytes is dropped after $took ms"

# ---- root keeps its slots when unprivileged clients take all the others ----
nobody "$PY" - "$sock" >"$tmp/hold.out" <<'EOF' &
import socket, sys, time
held, busy = [], 0
for i in range(64):
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect(sys.argv[1])
    held.append(s)
time.sleep(0.5)
for s in held:
    s.setblocking(False)
    try:
        if b'"busy"' in s.recv(4096):
            busy += 1
    except BlockingIOError:
        pass
print("busy", busy, flush=True)
time.sleep(3)
EOF
hold_pid=$!
wait_for 5 grep -qs busy "$tmp/hold.out" || fail "holder did not connect"
grep -q "busy 8$" "$tmp/hold.out" || fail "nobody's 64 connections: $(cat "$tmp/hold.out"), want 8 refused"
out=$(ctl nobody '{"cmd":"ping"}')
echo "$out" | grep -q '"code":"busy"' || fail "a 57th unprivileged client was let in: $out"
out=$(ctl root '{"cmd":"ping"}')
echo "$out" | grep -q '^{"ok":true' || fail "root locked out by unprivileged clients: $out"
pa status >/dev/null || fail "perfagent status (root) locked out"
wait "$hold_pid"
pass "56 unprivileged clients at most: root still answered with all of them held"
kill -0 "$daemon_pid" || fail "daemon died"

# ---- the tuning lock never follows a symlink ----
state=$tmp/tune-state
mkdir -p "$state"
ln -s "$tmp/planted" "$state/tune.lock"
set +e
out=$("$PERFAGENT" revert --root "$tree" --state-dir "$state" --config "$conf" 2>&1)
rc=$?
set -e
[ ! -e "$tmp/planted" ] || fail "revert created the symlink's target $tmp/planted"
[ "$rc" -ne 0 ] || fail "revert went ahead through a symlinked lock: $out"
echo "$out" | grep -q "tune.lock" || fail "revert's message: $out"
pass "tune.lock as a symlink: refused, nothing created at its target"

# ---- profile knob names cannot leave /proc/sys or /sys ----
pdir=$tmp/profiles
mkdir -p "$pdir"
rm -f "$state/tune.lock"
evil() { # evil NAME SECTION KEY
	printf '[profile]\nsummary = escape\n\n[%s]\n%s = 1\n' "$2" "$3" >"$pdir/$1.conf"
}
evil up1 sysctl 'net/../../../../tmp/pwned'
evil up2 sysctl 'net..core'
evil up3 sysctl '/etc/passwd'
evil blk block '../../../../tmp/pwned'
evil vm vm '../../../../tmp/pwned'
evil nic ethtool '../../../../tmp/pwned'
for p in up1 up2 up3 blk vm nic; do
	set +e
	out=$("$PERFAGENT" apply --root "$tree" --state-dir "$state" --config "$conf" \
		--profile "$p" --profile-dir "$pdir" --no-imds 2>&1)
	rc=$?
	set -e
	[ "$rc" -ne 0 ] || fail "profile $p applied: $out"
	echo "$out" | grep -Eq "$p.conf:5: (bad sysctl name|unknown key)" || fail "profile $p: $out"
done
[ -z "$(find "$tmp" -name pwned)" ] || fail "a knob file was created outside the tree"
[ ! -e /tmp/pwned ] || fail "/tmp/pwned exists"
pass "profile keys with '..', empty parts or a leading '/' are refused when the profile is parsed"

kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "daemon exited $? on SIGTERM"
daemon_pid=
[ ! -e "$sock" ] || fail "socket left behind"
pass "daemon stopped, socket removed"
