#!/bin/bash
# Runs tests/system/test_*.sh in order (or the tests named as arguments).
# Exit 77 from a test means "skipped" (for example not root); it is
# reported, and CI (root) must not skip any.
# A test that runs but cannot run one of its parts here (a chroot whose / is
# not a mount point) prints "SKIP: PART: REASON"; those parts are counted and
# listed at the end, never as passed. A slow, exhaustive part prints
# "LONG: PART" and runs only under make test-long (PERFAGENT_TEST_LONG=1).
#
# Two lanes (PERFAGENT_TEST_LANES=2, make test's default on 2 CPUs or more):
# a test whose header says "# lane: side" runs in a second lane beside the
# others. Those tests mostly wait for the daemon's intervals, create no
# device, veth or network namespace (the uevents and entities other tests
# count), run no daemon in apply mode (which a new device makes plan again)
# and measure no CPU shares, so the two lanes cannot disturb each other; their output is printed whole once each ends. With one lane (make
# sanitize, or PERFAGENT_TEST_LANES=1) every test runs in turn.
set -u
cd "$(dirname "$0")/.." || exit 1
# wait -n -p (below) came with bash 5.1 (Debian 12, Ubuntu 24.04 and Amazon
# Linux 2023 have 5.2).
if [ "${BASH_VERSINFO[0]}" -lt 5 ] || { [ "${BASH_VERSINFO[0]}" -eq 5 ] && [ "${BASH_VERSINFO[1]}" -lt 1 ]; }; then
	echo "error: tests/run-system.sh needs bash 5.1 or later; this is $BASH_VERSION" >&2
	exit 1
fi
lanes=${PERFAGENT_TEST_LANES:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0 skipped=0

# A test that runs longer than this is stopped and fails: a hang costs one
# test, not the whole CI run's time limit. The slowest test takes about a
# minute under ASan (test_faults.sh), so 10 minutes is a hang, not a slow host.
limit=${PERFAGENT_TEST_LIMIT_S:-600}

# hang_report PGID: what every process of a stopped test was doing: its state
# and kernel wait channel, the kernel stack, and for perfagent processes the
# user-space stack (gdb, where installed).
hang_report() {
	local pgid=$1 p
	ps -o pid,ppid,stat,wchan:32,etimes,args -g "$pgid"
	for p in $(pgrep -g "$pgid"); do
		echo "-- $p: $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
		sed 's/^/   kernel: /' "/proc/$p/stack" 2>/dev/null
		case $(cat "/proc/$p/comm" 2>/dev/null) in
		perfagent) command -v gdb >/dev/null &&
			timeout 60 gdb -p "$p" -batch -ex 'thread apply all bt' 2>&1 |
			grep -E '^(#|Thread)' | sed 's/^/   /' ;;
		esac
	done
}

# run_one TEST OUT: runs TEST, its output into OUT (and on stdout with
# "tee"), its exit status and time into OUT.rc and OUT.time. The test runs
# in a session of its own, so that one past the limit is stopped with every
# process it started (a daemon, a load), after its processes are described.
run_one() {
	local t=$1 out=$2 tee=${3:-} start=$SECONDS rc pid timer ended follow=
	# Appending: the report below and the test's cleanup both add to the end.
	: >"$out"
	setsid bash "$t" >>"$out" 2>&1 </dev/null &
	pid=$!
	if [ -n "$tee" ]; then
		tail -n +1 -f -s 0.2 --pid="$pid" "$out" &
		follow=$!
	fi
	sleep "$limit" &
	timer=$!
	wait -n -p ended "$pid" "$timer"
	rc=$?
	if [ "$ended" = "$timer" ]; then
		{
			echo "FAIL: $t still running after $limit s (PERFAGENT_TEST_LIMIT_S); its processes:"
			hang_report "$pid"
		} >>"$out" 2>&1
		# The test's shell first, so that its cleanup runs; then the rest.
		kill -TERM "$pid" 2>/dev/null
		for _ in $(seq 20); do kill -0 "$pid" 2>/dev/null && sleep 1; done
		kill -TERM -- "-$pid" 2>/dev/null
		sleep 5
		kill -KILL -- "-$pid" 2>/dev/null
		wait "$pid"
		rc=$?
	else
		kill "$timer"
		wait "$timer" 2>/dev/null
	fi
	[ -n "$follow" ] && wait "$follow"
	echo "$rc" >"$out.rc"
	echo $((SECONDS - start)) >"$out.time"
}

# account TEST OUT: the result line, the counts, the SKIP and LONG parts.
account() {
	local t=$1 out=$2 rc
	rc=$(cat "$out.rc")
	echo "-- $t: $(cat "$out.time") s"
	grep '^SKIP: ' "$out" | sed "s|^SKIP: |$t: |" >>"$work/parts"
	grep '^LONG: ' "$out" | sed "s|^LONG: |$t: |" >>"$work/long"
	case $rc in
	0) passed=$((passed + 1)) ;;
	77)
		echo "SKIPPED: $t"
		skipped=$((skipped + 1))
		;;
	*)
		echo "FAILED ($rc): $t"
		failed=$((failed + 1))
		;;
	esac
}

main=() side=()
[ $# -gt 0 ] || set -- tests/system/test_*.sh
for t in "$@"; do
	if [ "$lanes" -ge 2 ] && grep -qx '# lane: side' "$t"; then
		side+=("$t")
	else
		main+=("$t")
	fi
done

: >"$work/parts"
: >"$work/long"
side_pid=
if [ ${#side[@]} -gt 0 ]; then
	echo "== side lane, beside the others: ${side[*]}"
	(for t in "${side[@]}"; do run_one "$t" "$work/$(basename "$t").out"; done) &
	side_pid=$!
fi


for t in "${main[@]}"; do
	echo "== $t"
	run_one "$t" "$work/main.out" tee
	account "$t" "$work/main.out"
done
if [ -n "$side_pid" ]; then
	wait "$side_pid"
	for t in "${side[@]}"; do
		echo "== $t (side lane)"
		cat "$work/$(basename "$t").out"
		account "$t" "$work/$(basename "$t").out"
	done
fi

echo "system tests: $passed passed, $failed failed, $skipped skipped"
if [ -s "$work/parts" ]; then
	echo "parts skipped: $(wc -l <"$work/parts")"
	sed 's/^/  /' "$work/parts"
fi
if [ -s "$work/long" ]; then
	echo "parts left to make test-long: $(wc -l <"$work/long")"
	sed 's/^/  /' "$work/long"
fi
[ "$failed" -eq 0 ]
