#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Inputs the agent must not trust (issue 15):
# - files that are not regular files (a FIFO would block a reader forever):
#   a DMI file, a sysctl.d file and a knob under --root, the configuration.
#   Every command finishes within 10 s and says what it skipped.
# - symlinks under --root: looked up inside the tree, never outside it.
# - a state directory, journal or identity cache another user could have
#   written: a planted journal must never make root's revert write anything.
# - a runtime directory under a parent others can write, and a process that
#   is not root answering on the control socket.
# lane: side
set -eu
cd "$(dirname "$0")/../.."
. tests/system/lib.sh
need_root
[ -x "$PERFAGENT" ] || fail "$PERFAGENT is missing: run make first"
unset PERFAGENT_SYSROOT PERFAGENT_STATE_DIR STATE_DIRECTORY PERFAGENT_CONFIG

work=$(mktemp -d /tmp/test_untrusted.XXXXXX)
imp_pid=
cleanup() {
	[ -z "$imp_pid" ] || kill "$imp_pid" 2>/dev/null || true
	rm -rf "$work"
}
trap cleanup EXIT
pdir=$work/profiles
mkdir -p "$pdir"
printf '[profile]\nsummary = untrusted inputs\n\n[sysctl]\nnet.core.somaxconn = 5000\nvm.swappiness = 10\n' \
	>"$pdir/two.conf"

# bounded CMD...: CMD with a 10 s limit; a timeout (exit 124) fails the test.
bounded() {
	local rc=0
	timeout 10 "$@" || rc=$?
	[ "$rc" -ne 124 ] || fail "'$*' hung (killed after 10 s)"
	return "$rc"
}

# ---- FIFOs where files are read or written ----
root=$work/fifo/root
state=$work/fifo/state
tests/system/tune_tree.sh "$root" >/dev/null
rm -f "$root/sys/class/dmi/id/product_name"
mkfifo "$root/sys/class/dmi/id/product_name"
mkdir -p "$root/etc/sysctl.d"
mkfifo "$root/etc/sysctl.d/10-fifo.conf"
rm -f "$root/proc/sys/vm/swappiness"
mkfifo "$root/proc/sys/vm/swappiness"
tree_snapshot() { (cd "$1" && find . | LC_ALL=C sort | xargs -d '\n' ls -ld --time-style=+ | awk '{print $1, $NF}'); }
tree_snapshot "$root" >"$work/before"

out=$(bounded "$PERFAGENT" detect --root "$root" --state-dir "$state" --config /dev/null --no-imds 2>&1) ||
	fail "detect with a FIFO as product_name failed: $out"
pass "detect: a FIFO as a DMI file is not read (no hang)"

set +e
out=$(bounded "$PERFAGENT" apply --root "$root" --state-dir "$state" --config /dev/null \
	--profile two --profile-dir "$pdir" --no-imds 2>&1)
rc=$?
set -e
[ "$rc" -eq 0 ] || [ "$rc" -eq 1 ] || fail "apply with FIFOs exited $rc: $out"
grep -q 'sysctl configuration .*10-fifo.conf ignored: a FIFO or socket, not a file' <<<"$out" ||
	fail "apply did not say it ignored the FIFO in sysctl.d: $out"
grep -qE "cannot read /proc/sys/vm/swappiness: a FIFO or socket, not a file" <<<"$out" ||
	fail "apply did not skip or fail the FIFO knob: $out"
[ "$(cat "$root/proc/sys/net/core/somaxconn")" = 5000 ] || fail "the regular knob was not applied: $out"
pass "apply: a FIFO in sysctl.d is ignored with a warning, a FIFO knob is not written, the rest applies"

out=$(bounded "$PERFAGENT" revert --root "$root" --state-dir "$state" --config /dev/null 2>&1) ||
	fail "revert failed: $out"
[ "$(cat "$root/proc/sys/net/core/somaxconn")" = 4096 ] || fail "revert did not restore somaxconn"
tree_snapshot "$root" | diff "$work/before" - >&2 || fail "the FIFOs or the tree changed"
pass "revert: restored, the FIFOs untouched"

# ---- symlinks in a --root tree never lead outside it ----
# An image root holds absolute links (meant for itself, not for the host
# building it), a copied tree may hold anything. Looked up as chroot would
# (core/paths.c): an absolute target starts again at the root, ".." stops
# there. The files outside stand for the host's; the tree holds its own
# copies at the same paths, which are the ones apply and revert may touch.
root=$work/links/root
state=$work/links/state
outside=$work/links/host
tests/system/tune_tree.sh "$root" >/dev/null
mkdir -p "$outside" "$root$outside"
echo 4096 >"$outside/somaxconn"
echo 60 >"$outside/swappiness"
echo 4096 >"$root$outside/somaxconn"
echo 60 >"$root$outside/swappiness"
ln -sf "$outside/somaxconn" "$root/proc/sys/net/core/somaxconn"
ln -sf "../../../../../../../../../..$outside/swappiness" "$root/proc/sys/vm/swappiness"
out=$(bounded "$PERFAGENT" apply --root "$root" --state-dir "$state" --config /dev/null \
	--profile two --profile-dir "$pdir" --no-imds 2>&1) || fail "apply through links failed: $out"
[ "$(cat "$outside/somaxconn")" = 4096 ] || fail "apply wrote the host's file through an absolute link: $out"
[ "$(cat "$outside/swappiness")" = 60 ] || fail "apply wrote the host's file through a relative link: $out"
[ "$(cat "$root$outside/somaxconn")" = 5000 ] || fail "the absolute link's target in the tree was not applied: $out"
[ "$(cat "$root$outside/swappiness")" = 10 ] || fail "the relative link's target in the tree was not applied: $out"
out=$(bounded "$PERFAGENT" revert --root "$root" --state-dir "$state" --config /dev/null 2>&1) ||
	fail "revert through links failed: $out"
[ "$(cat "$root$outside/somaxconn")-$(cat "$root$outside/swappiness")" = 4096-60 ] ||
	fail "revert did not restore the tree's files: $out"
[ "$(cat "$outside/somaxconn")-$(cat "$outside/swappiness")" = 4096-60 ] || fail "revert wrote the host's files"
pass "apply and revert under --root: absolute and escaping links resolve inside the tree, the host's files untouched"

mkfifo "$work/fifo.conf"
set +e
out=$(bounded "$PERFAGENT" daemon --check-config --config "$work/fifo.conf" 2>&1)
rc=$?
set -e
if [ "$rc" -ne 4 ] || ! grep -q 'cannot read: a FIFO or socket, not a file' <<<"$out"; then
	fail "--check-config with a FIFO as the config: exit $rc: $out"
fi
pass "a FIFO as the configuration: exit 4, said in words"

# ---- the state directory and what is read from it ----
root=$work/state/root
tests/system/tune_tree.sh "$root" >/dev/null
core=$root/proc/sys/kernel/core_pattern
echo core >"$core"
boot=$(cat "$root/proc/sys/kernel/random/boot_id")
revert_in() { "$PERFAGENT" revert --root "$root" --state-dir "$1" --config /dev/null; }
# plant_journal DIR: a journal as perfagent writes it, saying that
# core_pattern's original was a pipe to a program of the planter's.
plant_journal() {
	cat >"$1/journal.json" <<EOF
{"version": 2, "boot_id": "$boot", "sysroot": "$root", "profile": "x", "entries": [
 {"id": "sysctl:kernel.core_pattern", "path": "/proc/sys/kernel/core_pattern", "op": "exact",
  "original": "|/tmp/evil %p", "desired": "core", "applied": "core", "unconfirmed": [],
  "state": "applied", "error": null}]}
EOF
}
core_untouched() { [ "$(cat "$core")" = core ] || fail "revert wrote the planted value: $(cat "$core")"; }

state=$work/state/state
mkdir -p "$state"
chmod 0777 "$state"
plant_journal "$state"
chown 65534:65534 "$state/journal.json"
expect_exit 1 "directory $state is writable by others \(uid 0, mode 0777\): perfagent trusts only" \
	revert_in "$state"
core_untouched
expect_exit 1 "directory $state is writable by others" "$PERFAGENT" apply --root "$root" \
	--state-dir "$state" --config /dev/null --profile two --profile-dir "$pdir" --no-imds
[ "$(cat "$root/proc/sys/net/core/somaxconn")" = 4096 ] || fail "apply tuned with an untrusted state directory"
pass "a state directory others can write: revert and apply refuse, nothing written"

chmod 0755 "$state"
expect_exit 1 "journal.json is owned by another user \(uid 65534" revert_in "$state"
chown 0:0 "$state/journal.json"
chmod 0666 "$state/journal.json"
expect_exit 1 "journal.json is writable by others" revert_in "$state"
mv "$state/journal.json" "$work/elsewhere.json"
chmod 0644 "$work/elsewhere.json"
ln -s "$work/elsewhere.json" "$state/journal.json"
expect_exit 1 "journal.json is a symbolic link" revert_in "$state"
core_untouched
pass "a journal owned by another user, writable by others, or a symlink: revert refuses"

mkdir -p "$work/pub/state"
chmod 0777 "$work/pub"
plant_journal "$work/pub/state"
expect_exit 1 "its parent $work/pub is writable by others" revert_in "$work/pub/state"
core_untouched
pass "a state directory under a parent others can write (not sticky): refused"

# The identity cache: an untrusted one is ignored, and detect says so.
ids=$work/ids
mkdir -p "$ids"
"$PERFAGENT" detect --root "$root" --state-dir "$ids" --config /dev/null --no-imds >/dev/null
[ -s "$ids/identity.json" ] || fail "detect wrote no identity cache"
chown 65534 "$ids/identity.json"
rm -f "$root/sys/class/dmi/id/product_name"
expect_exit 0 'ignored the identity cache: .*identity.json is owned by another user' \
	"$PERFAGENT" detect --root "$root" --state-dir "$ids" --config /dev/null --no-imds
pass "an identity cache owned by another user is ignored, in words"

# ---- the runtime directory and who answers on the socket ----
mkdir -p "$work/pub2"
chmod 0777 "$work/pub2"
expect_exit 1 "runtime directory $work/pub2/run: its parent $work/pub2 is writable by others" \
	timeout 10 "$PERFAGENT" daemon --config /dev/null --runtime-dir "$work/pub2/run" \
	--state-dir "$work/dstate"
[ ! -e "$work/pub2/run/perfagent.sock" ] || fail "a socket was made under an untrusted parent"
pass "a runtime directory under a parent others can write: the daemon refuses to start"

# fake_daemon DIR RESULT_FILE [SETPRIV-ARG]...: a process listening on
# DIR/perfagent.sock that answers every request with {"ok": true, "result":
# RESULT}, as the user the setpriv arguments say (root without any). The
# system python: a user-local one (pyenv under /root) is not for others.
# setpriv execs, so that $! is the listener itself.
fake_daemon() {
	local dir=$1 result=$2
	shift 2
	setpriv "$@" /usr/bin/python3 -c '
import socket, sys
reply = b"{\"ok\": true, \"result\": " + open(sys.argv[2], "rb").read().replace(b"\n", b" ") + b"}\n"
s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
s.bind(sys.argv[1] + "/perfagent.sock")
s.listen(4)
print("ready", flush=True)
while True:
    c, _ = s.accept()
    try:
        c.recv(4096)
        c.sendall(reply)
    except OSError:
        pass  # the client hung up first, as it should
    c.close()
' "$dir" "$result" >"$dir.out" 2>&1 &
	imp_pid=$!
	wait_for 5 grep -q ready "$dir.out" || fail "the listener on $dir did not start: $(cat "$dir.out")"
}
stop_fake_daemon() {
	kill "$imp_pid" 2>/dev/null || true
	wait "$imp_pid" 2>/dev/null || true
	imp_pid=''
}

chmod 0711 "$work"  # nobody must reach its directory
mkdir -p "$work/imp"
chown 65534 "$work/imp"
echo '{"reloaded": true}' >"$work/reloaded.json"
chmod 0644 "$work/reloaded.json"
fake_daemon "$work/imp" "$work/reloaded.json" --reuid=65534 --regid=65534 --clear-groups
expect_exit 3 "runs as uid 65534, not root: it is not the perfagent daemon" \
	"$PERFAGENT" reload --runtime-dir "$work/imp"
expect_exit 3 "not the perfagent daemon" "$PERFAGENT" status --runtime-dir "$work/imp"
stop_fake_daemon
pass "a process that is not root answering on the socket: reload and status refuse to trust it"

# A reply of an unexpected shape (a daemon of another version) from a
# process that is root: status prints what it can, never aborts.
mkdir -p "$work/odd"
fake_daemon "$work/odd" tests/fuzz/corpus/status/wrong-types.json
expect_exit 0 'the daemon is version \?, this command [0-9.]+: what follows may be incomplete' \
	"$PERFAGENT" status --runtime-dir "$work/odd"
stop_fake_daemon
pass "status on a reply of unexpected shape: printed, version mismatch said in words"
