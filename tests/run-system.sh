#!/bin/bash
# Runs tests/system/test_*.sh in order. Exit 77 from a test means "skipped"
# (for example not root); it is reported, and CI (root) must not skip any.
# A test that runs but cannot run one of its parts here (a chroot whose / is
# not a mount point) prints "SKIP: PART: REASON"; those parts are counted and
# listed at the end, never as passed. A slow, exhaustive part prints
# "LONG: PART" and runs only under make test-long (PERFAGENT_TEST_LONG=1).
set -u
cd "$(dirname "$0")/.." || exit 1
passed=0 failed=0 skipped=0
parts=$(mktemp) long=$(mktemp) out=$(mktemp)
trap 'rm -f "$parts" "$long" "$out"' EXIT
for t in tests/system/test_*.sh; do
	echo "== $t"
	start=$SECONDS
	bash "$t" | tee "$out"
	rc=${PIPESTATUS[0]}
	echo "-- $t: $((SECONDS - start)) s"
	grep '^SKIP: ' "$out" | sed "s|^SKIP: |$t: |" >>"$parts"
	grep '^LONG: ' "$out" | sed "s|^LONG: |$t: |" >>"$long"
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
done
echo "system tests: $passed passed, $failed failed, $skipped skipped"
if [ -s "$parts" ]; then
	echo "parts skipped: $(wc -l <"$parts")"
	sed 's/^/  /' "$parts"
fi
if [ -s "$long" ]; then
	echo "parts left to make test-long: $(wc -l <"$long")"
	sed 's/^/  /' "$long"
fi
[ "$failed" -eq 0 ]
