#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The README's set-up on a bare machine (issue 16). A Debian minbase root made
# with debootstrap holds nothing but the source tree in /src: no make, no
# git, no compiler. In it, as root, the README's run command (read from the
# first ```sh block of README.md, not copied here) runs until the agent
# answers `perfagent status`; then the agent is stopped with SIGINT, as
# Ctrl-C would, and must exit 0.
#
# The root has the host's network (apt downloads) and /proc, /sys and /dev,
# mounted in a private mount namespace. Its /etc/perfagent/perfagent.conf
# says mode = advise, so the host this runs on is never tuned; nothing else
# differs from the README's default run.
#
# debootstrap's root is cached in $PERFAGENT_TEST_CACHE (default
# /var/cache/perfagent-tests) and reused while younger than 7 days; so are the
# packages apt downloads. The first run takes about 6 minutes, later ones
# about 4 (installing the build packages and building).
#
# Exit 77 (skipped) without root, debootstrap or the Debian mirror.
#
#   tests/setup/readme_setup.sh
set -u
cd "$(dirname "$0")/../.." || exit 1
top=$PWD

skip() {
	echo "SKIPPED: $*"
	exit 77
}
fail() {
	echo "FAIL: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, chroot, mounts)"
command -v debootstrap >/dev/null 2>&1 || skip "debootstrap is not installed (apt-get install debootstrap)"
command -v unshare >/dev/null 2>&1 || skip "unshare is not installed (util-linux)"
[ -r /etc/os-release ] && . /etc/os-release
codename=${VERSION_CODENAME:-}
if ! command -v dpkg >/dev/null 2>&1 || [ -z "$codename" ]; then
	skip "not a Debian or Ubuntu host"
fi
mirror=${PERFAGENT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
mirror=${mirror%/}
[ "${ID:-}" = debian ] || codename=bookworm   # an Ubuntu host builds a Debian 12 root

# The README's run command: the first line of its first ```sh block.
command=$(awk '/^```sh$/ { on = 1; next } on { print; exit }' README.md)
command=${command%%#*}
command=${command%"${command##*[! ]}"}   # without the trailing blanks
case $command in
*"make run"*) ;;
*) fail "the README's first command is not the run command: '$command'" ;;
esac
echo "README's run command: $command"

cache=${PERFAGENT_TEST_CACHE:-/var/cache/perfagent-tests}
pristine=$cache/$codename-minbase
mkdir -p "$cache/apt-archives/partial"
if [ ! -f "$pristine/.complete" ] || [ -n "$(find "$pristine/.complete" -mtime +7)" ]; then
	echo "== debootstrap --variant=minbase $codename from $mirror into $pristine"
	rm -rf "$pristine"
	log=$cache/debootstrap.log
	if ! debootstrap --variant=minbase "$codename" "$pristine" "$mirror" >"$log" 2>&1; then
		tail -5 "$log"
		if grep -Eq "Failed getting release file|Couldn't download|Temporary failure resolving|Connection timed out|Failed to fetch" "$log"; then
			skip "debootstrap could not download from $mirror"
		fi
		fail "debootstrap failed (log: $log)"
	fi
	touch "$pristine/.complete"
fi
for tool in make git gcc cc clang; do
	[ ! -e "$pristine/usr/bin/$tool" ] || fail "the bare root already has $tool"
done

root=$(mktemp -d /tmp/perfagent-bare.XXXXXX)
runner=''
cleanup() {
	[ -z "$runner" ] || kill -KILL -- "-$runner" 2>/dev/null
	# The mounts live in the runner's private mount namespace and go with it;
	# never delete through one left behind.
	if ! grep -q " $root/" /proc/mounts; then rm -rf "$root"; fi
	rm -f "$root.log" "$root.status"
}
trap cleanup EXIT
cp -a "$pristine/." "$root/"
mkdir -p "$root/src" "$root/etc/perfagent"
tar -C "$top" --exclude=./build --exclude=./.git -cf - . | tar -C "$root/src" -xf -
cp /etc/resolv.conf "$root/etc/resolv.conf"
printf '# readme_setup.sh: never tune the host the test runs on\nmode = advise\n' \
	>"$root/etc/perfagent/perfagent.conf"

# The root's command runs as a new session and process group (setsid, here
# never forking: the background child is not a group leader), in a private
# mount namespace with /proc, /sys, /dev and the apt cache mounted.
# shellcheck disable=SC2016 # $1 and $2 are the inner shell's
inner='root=$1 cache=$2 command=$3
mount -t proc proc "$root/proc" &&
mount --rbind /sys "$root/sys" &&
mount --rbind /dev "$root/dev" &&
mount --bind "$cache/apt-archives" "$root/var/cache/apt/archives" &&
exec chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
	HOME=/root LC_ALL=C.UTF-8 TERM=dumb sh -c "cd /src && $command"'

log=$root.log
start=$SECONDS
setsid unshare -m --propagation private sh -c "$inner" sh "$root" "$cache" "$command" >"$log" 2>&1 &
runner=$!
# status is asked with the same binary, from the root, in the host's mount
# namespace (chroot alone: /run/perfagent is the root's own directory).
status_ok() { chroot "$root" /src/build/perfagent status >"$root.status" 2>&1; }
answered=''
while kill -0 "$runner" 2>/dev/null && [ $((SECONDS - start)) -lt 1500 ]; do
	if [ -x "$root/src/build/perfagent" ] && status_ok; then
		answered=1
		break
	fi
	sleep 2
done
if [ -z "$answered" ]; then
	tail -30 "$log"
	fail "the agent did not answer status within $((SECONDS - start)) s of '$command'"
fi
echo "the agent answered status $((SECONDS - start)) s after '$command' began:"
sed 's/^/  | /' "$root.status" | head -8
kill -INT -- "-$runner"
for _ in $(seq 100); do kill -0 "$runner" 2>/dev/null || break; sleep 0.1; done
if kill -0 "$runner" 2>/dev/null; then
	fail "the agent did not stop within 10 s of SIGINT"
fi
wait "$runner"
rc=$?
runner=''
# make reports the interrupted recipe; the agent's own exit is in its log.
grep -q "stopped" "$log" || { tail -20 "$log"; fail "the agent did not log that it stopped (make exited $rc)"; }
echo "ok: a bare $codename root with only the source tree: '$command' installed, built and ran the agent; status answered; Ctrl-C stopped it"
