# shellcheck shell=bash
# Shared helpers for the system tests: sourced, never run.

PERFAGENT=${PERFAGENT:-$(pwd)/build/perfagent}
TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)

# fail MESSAGE: the one failure helper of the shell tests: "FAIL: MESSAGE" on
# stderr, exit 1. A part of a test run in a child shell sources this file as
# well and names itself in FAIL_WHERE: the network namespace parts of
# test_tune.sh, test_faults.sh and test_ena.sh (unshare ... bash -s with a
# quoted heredoc) set FAIL_WHERE=netns, so theirs read "FAIL (netns): ...".
FAIL_WHERE=
fail() {
	echo "FAIL${FAIL_WHERE:+ ($FAIL_WHERE)}: $*" >&2
	exit 1
}

# traced STRACE-ARG... CMD...: CMD under strace -f -qq. LeakSanitizer cannot
# run under ptrace: it is off for traced runs of a sanitizer build (make
# sanitize); nothing else changes.
traced() { ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0 strace -f -qq "$@"; }

# killed_at SYSCALL N CMD...: runs CMD (output discarded), killed with
# SIGKILL by strace on entering its Nth SYSCALL, so calls 1..N-1 happened and
# N did not; fails unless CMD died so.
killed_at() {
	local sc=$1 n=$2 rc
	shift 2
	# In a command substitution, so that bash's "Killed" goes to /dev/null.
	rc=$({
		traced -o /dev/null -e trace="$sc" -e inject="$sc":signal=KILL:when="$n" \
			"$@" >/dev/null 2>&1
		echo $?
	} 2>/dev/null)
	[ "$rc" -eq 137 ] || fail "'$*' killed at $sc #$n exited $rc, want 137 (SIGKILL)"
}

pass() {
	echo "ok: $*"
}

need_root() {
	[ "$(id -u)" -eq 0 ] || {
		echo "skip: needs root"
		exit 77
	}
}

# json_get FILE EXPR: prints a Python expression over the parsed JSON "j".
json_get() {
	python3 -c 'import json,sys; j=json.load(open(sys.argv[1])); print(eval(sys.argv[2]))' "$1" "$2"
}

# wait_for SECONDS CMD...: retries CMD every 0.1 s until it succeeds.
wait_for() {
	local deadline=$((SECONDS + $1))
	shift
	until "$@"; do
		[ "$SECONDS" -lt "$deadline" ] || return 1
		sleep 0.1
	done
}

# now_ms: monotonic-enough wall clock in milliseconds, for durations.
now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# expect_exit RC PATTERN CMD...: CMD exits RC and its output (stdout and
# stderr) matches the extended regex PATTERN; the output is kept in LAST_OUT.
expect_exit() {
	local want=$1 pattern=$2 rc
	shift 2
	set +e
	LAST_OUT=$("$@" 2>&1)
	rc=$?
	set -e
	[ "$rc" -eq "$want" ] || fail "'$*' exited $rc, want $want:
$LAST_OUT"
	printf '%s\n' "$LAST_OUT" | grep -qE -- "$pattern" || fail "'$*' output lacks '$pattern':
$LAST_OUT"
}

# bpf_link_ids PID: the ids of the BPF links PID holds open (its fds).
bpf_link_ids() {
	grep -h '^link_id:' /proc/"$1"/fdinfo/* 2>/dev/null | awk '{print $2}' | sort -n
}

# bpf_links_alive ID...: prints those of the link ids the kernel still has.
# Other processes' links do not count, so the check holds on a busy host.
bpf_links_alive() {
	local id
	for id in "$@"; do
		bpftool link show id "$id" >/dev/null 2>&1 && printf '%s ' "$id"
	done
	return 0
}

# tree_snapshot ROOT: every file of a fake /proc and /sys tree with its
# sha256; choice files (the kernel shows "a [b] c" but takes back "b") with
# the chosen word instead.
tree_snapshot() {
	(cd "$1" && find . -type f | LC_ALL=C sort | while read -r f; do
		case $f in
		*/transparent_hugepage/* | */queue/scheduler)
			printf 'choice %s %s\n' "$(sed -e 's/.*\[\(.*\)\].*/\1/' "$f")" "$f" ;;
		*) printf '%s %s\n' "$(sha256sum <"$f" | cut -d' ' -f1)" "$f" ;;
		esac
	done)
}

# same_tree ROOT SNAPSHOT WHAT: fails, showing the difference, unless the
# tree under ROOT is as tree_snapshot saw it in SNAPSHOT.
same_tree() {
	local now
	now=$(mktemp)
	tree_snapshot "$1" >"$now"
	if ! diff -u "$2" "$now" >&2; then
		rm -f "$now"
		fail "$3: the tree differs"
	fi
	rm -f "$now"
}

# free_port: a TCP port on 127.0.0.1 that nobody listens on (when asked).
free_port() {
	python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# start_checker NAME [MODE]: emf_checker.py serving on 127.0.0.1:$port as a
# CloudWatch agent that behaves as MODE says (default read; see its --mode),
# recording into $tmp/NAME; its pid in checker_pid. stop_checker stops it,
# even when it was sent SIGSTOP.
# shellcheck disable=SC2154 # port and tmp are the calling test's
start_checker() {
	python3 "$TESTS_DIR/emf_checker.py" serve --port "$port" --out "$tmp/$1" \
		--mode "${2:-read}" >"$tmp/$1.out" 2>&1 &
	checker_pid=$!
	wait_for 5 grep -qs listening "$tmp/$1.out" || fail "checker $1: $(cat "$tmp/$1.out")"
}

stop_checker() {
	kill -CONT "$checker_pid" 2>/dev/null || true
	kill -TERM "$checker_pid"
	wait "$checker_pid" || true
	checker_pid=
}
