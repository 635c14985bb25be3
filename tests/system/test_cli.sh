#!/usr/bin/env bash
# The command line: help, version, usage errors and their exit codes.
# lane: side
set -eu
. "$(dirname "$0")/lib.sh"

expect_exit 0 "^perfagent [0-9]" "$PERFAGENT" version
expect_exit 0 "^perfagent [0-9]" "$PERFAGENT" --version
expect_exit 0 "Exit codes:" "$PERFAGENT" --help
expect_exit 2 "Usage: perfagent COMMAND" "$PERFAGENT"
expect_exit 0 "Usage: perfagent status" "$PERFAGENT" help status
expect_exit 0 "Usage: perfagent daemon" "$PERFAGENT" daemon --help
expect_exit 2 "unknown command 'frobnicate'" "$PERFAGENT" frobnicate
expect_exit 2 "unknown command 'nope'" "$PERFAGENT" help nope
expect_exit 2 "unknown or misplaced option '--json'" "$PERFAGENT" reload --json
expect_exit 2 "unknown or misplaced option '--bogus'" "$PERFAGENT" status --bogus
expect_exit 2 "unexpected argument '5' \(seconds go after --watch" "$PERFAGENT" status 5
expect_exit 2 "unexpected argument '3'" "$PERFAGENT" status --watch=5 3
expect_exit 2 "'0' is not a number of seconds after --watch" "$PERFAGENT" status --watch 0
# Output that cannot be written is an error, not a silent success.
expect_exit 1 "cannot write the output: No space left on device" sh -c "'$PERFAGENT' version >/dev/full"
expect_exit 1 "cannot write the output" sh -c "'$PERFAGENT' help status >/dev/full"
expect_exit 1 "cannot write the output: No space left on device" \
	timeout 10 sh -c "'$PERFAGENT' status --watch 1 --runtime-dir /nonexistent >/dev/full"
# An option's optional value before the command: "--watch 5 status".
expect_exit 2 "'0' is not a number of seconds after --watch" "$PERFAGENT" --watch 0 status
# a --root that is not a directory (a typo) is refused, not read as an empty host
expect_exit 2 "perfagent: --root /nonexistent/root: No such file or directory" "$PERFAGENT" detect --root /nonexistent/root
expect_exit 2 "perfagent: --root /nonexistent/env: No such file or directory .--root, or PERFAGENT_SYSROOT." \
	env PERFAGENT_SYSROOT=/nonexistent/env "$PERFAGENT" detect
# a malformed --overlays is a command-line error, before any config is read
expect_exit 2 "perfagent: --overlays: latency is named twice" "$PERFAGENT" apply --dry-run --overlays latency,latency
expect_exit 2 "perfagent: --overlays: '../x' is not an overlay name" "$PERFAGENT" profiles explain m5.large --overlays ../x
# an option of another command, with its value: named, not its value
expect_exit 2 "unknown or misplaced option '--profile-dir'" "$PERFAGENT" detect --profile-dir /tmp
expect_exit 2 "unexpected argument 'extra'" "$PERFAGENT" version extra
expect_exit 2 "bad --log-level 'loud'" "$PERFAGENT" daemon --check-config --log-level loud
expect_exit 2 "is not an instance type" "$PERFAGENT" detect --no-imds --instance-type C5.LARGE
expect_exit 4 "cannot read" "$PERFAGENT" daemon --check-config --config /nonexistent/perfagent.conf
expect_exit 4 "cannot read" env PERFAGENT_CONFIG=/nonexistent/perfagent.conf "$PERFAGENT" daemon --check-config
pass "help, version, usage errors (2) and a missing named config, by --config or PERFAGENT_CONFIG (4)"

# Every command listed in --help has its own help, and every option a
# command's help lists is one it accepts. Nothing runs: an option taking a
# value is given none, and a flag is followed by an unknown option.
for cmd in $("$PERFAGENT" --help | awk '/^Commands:/{on=1;next} on&&/^  [a-z]/{print $1} on&&/^$/{exit}'); do
	"$PERFAGENT" help "$cmd" >/dev/null || fail "help $cmd"
	"$PERFAGENT" help "$cmd" | grep -E '^  --[a-z-]+' | grep -v -- '--help' >"${TMPDIR:-/tmp}/opts.$$" || true
	while read -r opt value _; do
		if [ -n "$value" ] && [ "${value#[A-Z]}" != "$value" ]; then
			expect_exit 2 "option '$opt' needs a value" "$PERFAGENT" "$cmd" "$opt"
		else
			expect_exit 2 "unknown or misplaced option '--bogus'" "$PERFAGENT" "$cmd" "$opt" --bogus
		fi
	done <"${TMPDIR:-/tmp}/opts.$$"
	rm -f "${TMPDIR:-/tmp}/opts.$$"
done
pass "each command's help lists only options it accepts"

# ---- conventions (issue 20): options before or after the command, -V, did-you-mean
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
expect_exit 0 "^perfagent [0-9]" "$PERFAGENT" -V
expect_exit 0 "^perfagent [0-9]" "$PERFAGENT" status -V
expect_exit 0 '"libbpf": "[0-9]+\.[0-9]+"' "$PERFAGENT" version --json
expect_exit 0 '"version": "[0-9]' "$PERFAGENT" --json version
expect_exit 0 '"json_c": ' "$PERFAGENT" --version --json
# The same command line with the options before and after the command word.
printf 'instance_type = t3.micro\nimds = off\n' >"$tmp/t3.conf"
after=$("$PERFAGENT" detect --json --config "$tmp/t3.conf" --state-dir "$tmp/s" | grep -v detect)
before=$("$PERFAGENT" --json --config "$tmp/t3.conf" --state-dir "$tmp/s" detect | grep -v detect)
[ -n "$after" ] && [ "$before" = "$after" ] || fail "options before the command differ: $before / $after"
expect_exit 3 "not running" "$PERFAGENT" --json --runtime-dir "$tmp/none" status
expect_exit 3 "not running" "$PERFAGENT" --runtime-dir="$tmp/none" status --json
expect_exit 2 "no command given" "$PERFAGENT" --json
expect_exit 2 "unknown command 'stauts'; did you mean 'status'\?" "$PERFAGENT" stauts
expect_exit 2 "did you mean 'verify'\?" "$PERFAGENT" help verfy
expect_exit 2 "unknown or misplaced option '--jsno'; did you mean '--json'\?" "$PERFAGENT" status --jsno
pass "options before or after the command, -V, version --json, did-you-mean for commands and options"

# An instance type from the config off EC2 is shown as such.
expect_exit 0 "Instance type +t3.micro \(from the config; not an EC2 instance\)" \
	"$PERFAGENT" detect --config "$tmp/t3.conf" --state-dir "$tmp/s"
expect_exit 0 "Instance type +c5.large \(from --instance-type; not an EC2 instance\)" \
	"$PERFAGENT" detect --config "$tmp/t3.conf" --state-dir "$tmp/s" --instance-type c5.large
expect_exit 0 '"note": "t3.micro \(from the config; not an EC2 instance\)' \
	"$PERFAGENT" detect --json --config "$tmp/t3.conf" --state-dir "$tmp/s"
pass "an instance type from the config off EC2: 'from the config; not an EC2 instance'"

# ---- configuration: every error in one run, with file:line and did-you-mean; booleans
cat >"$tmp/bad.conf" <<'CONF'
intervall = 5
mode = yolo
metrics = off
log_levle = debug
CONF
mkdir -p "$tmp/conf.d"
printf 'imds_endpont = http://127.0.0.1:1\n' >"$tmp/conf.d/50-x.conf"
cp "$tmp/bad.conf" "$tmp/perfagent.conf"
expect_exit 4 "invalid configuration, 4 errors:" "$PERFAGENT" daemon --check-config --config "$tmp/perfagent.conf"
out=$LAST_OUT
for want in "perfagent.conf:1: unknown key 'intervall': did you mean 'interval'\?" \
	"perfagent.conf:2: bad value 'yolo' for mode: expected apply or advise" \
	"perfagent.conf:4: unknown key 'log_levle': did you mean 'log_level'\?" \
	"conf.d/50-x.conf:1: unknown key 'imds_endpont': did you mean 'imds_endpoint'\?"; do
	printf '%s\n' "$out" | grep -qE "^  .*$want" || fail "check-config lacks '$want':
$out"
done
# The daemon refuses to start with the same list, one error a log line.
expect_exit 4 "invalid configuration: .*perfagent.conf:4: unknown key 'log_levle'" \
	"$PERFAGENT" daemon --config "$tmp/perfagent.conf" --runtime-dir "$tmp/run" --state-dir "$tmp/s"
[ "$(printf '%s\n' "$LAST_OUT" | grep -c 'invalid configuration: ')" = 4 ] ||
	fail "daemon: want 4 error lines: $LAST_OUT"
rm -r "$tmp/conf.d"
for v in on off yes no true false 1 0 ON No; do
	printf 'metrics = %s\nrevert_on_stop = %s\nimds = %s\nspool_persist = %s\n' "$v" "$v" "$v" "$v" >"$tmp/perfagent.conf"
	"$PERFAGENT" daemon --check-config --config "$tmp/perfagent.conf" >/dev/null ||
		fail "boolean '$v' refused"
done
printf 'metrics = maybe\n' >"$tmp/perfagent.conf"
expect_exit 4 "expected on/off, yes/no, true/false or 1/0" "$PERFAGENT" daemon --check-config --config "$tmp/perfagent.conf"
pass "config: every error in one run with file:line and did-you-mean; booleans on/off yes/no true/false 1/0"

# ---- profiles: the active one marked; an empty list says where it looked and what to pass
expect_exit 0 '^\* burstable +class' "$PERFAGENT" profiles list --config "$tmp/t3.conf" --state-dir "$tmp/s"
printf '%s\n' "$LAST_OUT" | grep -q '^\* active on this host, t3.micro (from the config; not an EC2 instance): burstable' ||
	fail "profiles list: no active line: $LAST_OUT"
expect_exit 1 "no profiles found" "$PERFAGENT" profiles list --config "$tmp/t3.conf" --profile-dir "$tmp/none"
printf '%s\n' "$LAST_OUT" | grep -q "$tmp/none (does not exist; --profile-dir)" &&
	printf '%s\n' "$LAST_OUT" | grep -q 'Pass --profile-dir DIR or set PERFAGENT_PROFILE_DIR=DIR' ||
	fail "profiles list, none found: $LAST_OUT"
expect_exit 1 "pass --profile-dir DIR or set PERFAGENT_PROFILE_DIR=DIR" \
	"$PERFAGENT" profiles explain t3.micro --config "$tmp/t3.conf" --profile-dir "$tmp/none"
# A binary in a source tree's build directory finds tuning-profiles/ by itself.
top=$(cd "$TESTS_DIR/../.." && pwd)
shipped=$("$PERFAGENT" --help | sed -n 's/.*--profile-dir DIR .*(default \(.*\))$/\1/p')
if [ -d "$top/tuning-profiles" ] && [ -e "$top/build" ] && [ ! -e "$shipped/match.conf" ]; then
	mkdir -p "$top/build/clitest.$$"
	cp "$PERFAGENT" "$top/build/clitest.$$/perfagent"
	env -u PERFAGENT_PROFILE_DIR "$top/build/clitest.$$/perfagent" profiles list --config "$tmp/t3.conf" \
		--state-dir "$tmp/s" >"$tmp/list.out" 2>&1 || true
	rm -rf "$top/build/clitest.$$"
	grep -q "$top/tuning-profiles/base.conf" "$tmp/list.out" || fail "source tree profiles not found: $(cat "$tmp/list.out")"
fi
pass "profiles list marks the active profile, explains an empty list, finds tuning-profiles/ in a source tree"

# ---- reload: the daemon's error code decides the exit status ----
# A stand-in daemon (root, as the client checks) answers one reload with an
# error: only "invalid_config" is a rejected configuration (4); a daemon too
# busy to answer, or failing otherwise, is 1.
fake=$tmp/fake-run
mkdir -m 0700 "$fake"
for answer in busy:1 failed:1 invalid_config:4; do
	code=${answer%:*}
	rm -f "$fake/perfagent.sock"
	python3 - "$fake/perfagent.sock" "$code" <<'PY' &
import json, socket, sys
path, code = sys.argv[1:3]
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(path)
s.listen(1)
s.settimeout(10)
c, _ = s.accept()
c.recv(4096)
c.sendall((json.dumps({"ok": False, "error": {"code": code, "message": "stand-in " + code}}) + "\n").encode())
c.close()
PY
	wait_for 5 test -S "$fake/perfagent.sock" || fail "the stand-in daemon did not listen"
	expect_exit "${answer#*:}" "perfagent reload: stand-in $code" "$PERFAGENT" reload --runtime-dir "$fake"
	wait $! || fail "the stand-in daemon for $code failed"
done
pass "reload exits 4 for invalid_config only; busy and failed are 1"

# A wedged daemon: its loop never accepts (the queue full), or accepts and
# never answers. The client gives up within its 5 s, says which and exits 3
# (not running or not answering); a signal in the wait (status --watch's
# Ctrl-C) does not make it wait for ever.
rm -f "$fake/perfagent.sock"
rm -f "$tmp/queue-full"
python3 - "$fake/perfagent.sock" "$tmp/queue-full" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(0)
# Backlog 0 holds one connection: this one fills the queue.
held = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
held.connect(sys.argv[1])
open(sys.argv[2], "w").close()
time.sleep(30)
PY
wedged=$!
wait_for 5 test -e "$tmp/queue-full" || fail "the stand-in daemon did not fill its queue"
expect_exit 3 "did not take the connection" timeout 20 "$PERFAGENT" status --runtime-dir "$fake"
kill "$wedged"
wait "$wedged" 2>/dev/null || true
rm -f "$fake/perfagent.sock"
python3 - "$fake/perfagent.sock" <<'PY' &
import socket, sys, time
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1])
s.listen(8)
conns = []
while True:
    conns.append(s.accept()[0])
PY
wedged=$!
wait_for 5 test -S "$fake/perfagent.sock" || fail "the stand-in daemon did not listen"
# Ctrl-C at 2 s, while the client waits for the answer: it still waits only
# until its deadline (5 s), then stops. (The outer timeout catches a hang.)
start=$(date +%s) rc=0
timeout -s KILL 20 timeout --preserve-status -s INT 2 \
	"$PERFAGENT" status --watch 1 --runtime-dir "$fake" >"$tmp/mute.out" 2>&1 || rc=$?
took=$(($(date +%s) - start))
[ "$rc" = 0 ] || fail "status --watch on a mute daemon exited $rc after $took s (137: it hung): $(cat "$tmp/mute.out")"
grep -q "did not answer within 5000 ms" "$tmp/mute.out" ||
	fail "status --watch on a mute daemon did not say it did not answer: $(cat "$tmp/mute.out")"
kill "$wedged"
wait "$wedged" 2>/dev/null || true
pass "a wedged daemon: status says it did not take the connection or did not answer; --watch stopped $took s after its start, Ctrl-C at 2 s"

# --check-config also loads the profiles the configuration names
printf 'profile = nothere\n' >"$tmp/check.conf"
expect_exit 4 "no profile named 'nothere'" "$PERFAGENT" daemon --check-config --config "$tmp/check.conf"
printf 'profile = latency\n' >"$tmp/check.conf"
expect_exit 4 "latency is an overlay; it goes in overlays =" "$PERFAGENT" daemon --check-config --config "$tmp/check.conf"
printf 'overlays = compute\n' >"$tmp/check.conf"
expect_exit 4 "compute is a class profile; it goes in profile =" "$PERFAGENT" daemon --check-config --config "$tmp/check.conf"
pass "--check-config loads the profiles it names: a missing one, an overlay as profile, a class profile as overlay (4)"
