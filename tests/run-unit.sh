#!/bin/sh
# Runs each cmocka test binary given as an argument; fails if any fails.
# A test that skips (a capability absent here: it prints why) is counted
# as skipped, never as passed, and listed at the end. A binary still
# running after 5 minutes (each takes seconds, under ASan too) is stopped
# and fails: a hang costs one test, not CI's time limit.
set -u
failed=0
skipped=0
out=$(mktemp)
trap 'rm -f "$out"' EXIT
for t in "$@"; do
	echo "== $t"
	rc=0
	timeout -k 10 300 "$t" >"$out" 2>&1 || rc=$?
	if [ "$rc" != 0 ]; then
		cat "$out"
		[ "$rc" = 124 ] && echo "FAIL: $t still running after 300 s: stopped"
		echo "FAILED: $t"
		failed=$((failed + 1))
		continue
	fi
	cat "$out"
	# cmocka names each skipped test (twice): "[  SKIPPED ] test_name".
	grep -E '^\[  SKIPPED \] [A-Za-z0-9_]+$' "$out" | sort -u | sed 's/.* //' >"$out.skip"
	n=$(wc -l <"$out.skip")
	if [ "$n" -gt 0 ]; then
		skipped=$((skipped + n))
		sed "s|^|SKIP: $t: |" "$out.skip"
	fi
	rm -f "$out.skip"
done
if [ "$failed" -ne 0 ]; then
	echo "unit tests: $failed binaries failed"
	exit 1
fi
if [ "$skipped" -ne 0 ]; then
	echo "unit tests: all $# binaries passed, $skipped tests skipped (listed above, each saying why)"
else
	echo "unit tests: all $# binaries passed"
fi
