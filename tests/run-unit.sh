#!/bin/sh
# Runs each cmocka test binary given as an argument; fails if any fails.
set -u
failed=0
for t in "$@"; do
	echo "== $t"
	if ! "$t"; then
		echo "FAILED: $t"
		failed=$((failed + 1))
	fi
done
if [ "$failed" -ne 0 ]; then
	echo "unit tests: $failed binaries failed"
	exit 1
fi
echo "unit tests: all $# binaries passed"
