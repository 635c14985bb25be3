#!/bin/sh
# Runs the whole test suite (unit tests, fuzz corpus replays, system tests)
# against the ASan + UBSan build in OUTDIR (`make sanitize` builds it there).
# Usage: tests/run-sanitized.sh OUTDIR PLAIN-PERFAGENT
# (PLAIN-PERFAGENT, the uninstrumented build, is what test_valgrind.sh runs
# under Valgrind, which cannot run an ASan binary.)
#
# Any sanitizer report fails the run: every error halts its process
# (abort_on_error: a test sees it die), and every report is also written to
# a log directory checked at the end, so that a report from a process whose
# exit status a test ignores (a daemon stopped with `|| true`, a command in
# a wait_for loop) still fails the run. LeakSanitizer checks every process
# that exits normally: the daemon's leaks count as it stops on SIGTERM.
set -u
cd "$(dirname "$0")/.." || exit 1
usage="usage: tests/run-sanitized.sh OUTDIR PLAIN-PERFAGENT"
out=${1:?$usage}
plain=${2:?$usage}
case $out in /*) ;; *) out=$(pwd)/$out ;; esac
case $plain in /*) ;; *) plain=$(pwd)/$plain ;; esac
for f in "$out/perfagent" "$plain"; do
	[ -x "$f" ] || {
		echo "error: no $f: run make sanitize" >&2
		exit 1
	}
done

# Outside the checkout, world-writable: test_daemon.sh runs the binary as
# uid 65534, which may not reach the checkout.
logs=$(mktemp -d /tmp/perfagent-sanitize.XXXXXX) || exit 1
chmod 1777 "$logs"
trap 'rm -rf "$logs"' EXIT

export ASAN_OPTIONS="halt_on_error=1:abort_on_error=1:detect_leaks=1:log_path=$logs/asan"
export UBSAN_OPTIONS="halt_on_error=1:abort_on_error=1:print_stacktrace=1:report_error_type=1:log_path=$logs/ubsan"
# Tests may allow for the slower binaries with this (never check less).
export PERFAGENT_SANITIZED=1
export PERFAGENT="$out/perfagent" PERFAGENT_UNSANITIZED="$plain"
export PERFAGENT_PROFILE_DIR="${PERFAGENT_PROFILE_DIR:-$(pwd)/tuning-profiles}"

start=$(date +%s)
failed=""

echo "==== unit tests (ASan + UBSan)"
# shellcheck disable=SC2046 # one argument per test binary (no blanks in their names)
tests/run-unit.sh $(find "$out/tests" -type f -name 'test_*' ! -name '*.d' | sort) || failed="$failed unit"

echo "==== fuzz corpus replays (ASan + UBSan)"
for r in "$out"/fuzz/replay_*; do
	case $r in *.d) continue ;; esac   # the compiler's dependency files
	t=${r##*/replay_}
	printf '%-16s ' "$t"
	"$r" "tests/fuzz/corpus/$t" || failed="$failed fuzz:$t"
done

echo "==== system tests (ASan + UBSan, PERFAGENT=$PERFAGENT)"
tests/run-system.sh || failed="$failed system"

reports=$(find "$logs" -type f | sort)
if [ -n "$reports" ]; then
	for f in $reports; do
		echo "==== sanitizer report $f"
		cat "$f"
	done
	failed="$failed reports:$(echo "$reports" | wc -l)"
fi

echo "sanitize: $(($(date +%s) - start)) s"
if [ -n "$failed" ]; then
	echo "sanitize: FAILED:$failed"
	exit 1
fi
echo "sanitize: every test passed with ASan + UBSan, no sanitizer report"
