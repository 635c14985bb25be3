#!/bin/bash
# Runs tests/system/test_*.sh in order. Exit 77 from a test means "skipped"
# (for example not root); it is reported, and CI (root) must not skip any.
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
lanes=${PERFAGENT_TEST_LANES:-1}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0 failed=0 skipped=0

# run_one TEST OUT: runs TEST, its output into OUT (and on stdout with
# "tee"), its exit status and time into OUT.rc and OUT.time.
run_one() {
	local t=$1 out=$2 tee=${3:-} start=$SECONDS rc
	if [ -n "$tee" ]; then
		bash "$t" | tee "$out"
		rc=${PIPESTATUS[0]}
	else
		bash "$t" >"$out" 2>&1
		rc=$?
	fi
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
for t in tests/system/test_*.sh; do
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
