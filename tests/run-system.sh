#!/bin/sh
# Runs tests/system/test_*.sh in order. Exit 77 from a test means "skipped"
# (for example not root); it is reported, and CI (root) must not skip any.
set -u
cd "$(dirname "$0")/.." || exit 1
passed=0 failed=0 skipped=0
for t in tests/system/test_*.sh; do
	echo "== $t"
	bash "$t"
	rc=$?
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
[ "$failed" -eq 0 ]
