#!/usr/bin/env bash
# The command line: help, version, usage errors and their exit codes.
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
expect_exit 2 "unexpected argument 'extra'" "$PERFAGENT" version extra
expect_exit 2 "bad --log-level 'loud'" "$PERFAGENT" daemon --check-config --log-level loud
expect_exit 2 "is not an instance type" "$PERFAGENT" detect --no-imds --instance-type C5.LARGE
expect_exit 4 "cannot read" "$PERFAGENT" daemon --check-config --config /nonexistent/perfagent.conf
pass "help, version, usage errors (2) and a missing named config (4)"

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
