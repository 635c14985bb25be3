# shellcheck shell=bash
# Shared helpers for the system tests: sourced, never run.

PERFAGENT=${PERFAGENT:-$(pwd)/build/perfagent}

# The distribution's tools first, as the test dependencies install them: a
# version manager's shim ahead of them in PATH costs every start (pyenv's
# python3 took 300 ms here against 40 ms, and the tests start Python often).
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
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

# need_tools TOOL...: fails, naming the package to install, at the first
# TOOL missing (make test-deps, packaging/install-deps.sh test, installs
# every one of them).
need_tools() {
	local t pkg
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 && continue
		case $t in
		losetup) pkg="mount (dnf: util-linux)" ;;
		nft) pkg=nftables ;;
		ip) pkg="iproute2 (dnf: iproute)" ;;
		unshare | nsenter | setpriv | findmnt | chrt) pkg=util-linux ;;
		cc) pkg=gcc ;;
		pkg-config) pkg="pkg-config (dnf: pkgconf-pkg-config)" ;;
		systemd-analyze) pkg=systemd ;;
		man) pkg=man-db ;;
		pgrep) pkg="procps (dnf: procps-ng)" ;;
		*) pkg=$t ;;
		esac
		fail "$t is missing: install the package $pkg (make test-deps installs every tool the tests use)"
	done
}

# mount_ns_probe PATH...: whether a mount namespace of one's own can keep
# mounts over each PATH to itself (private_mounts, tried in a throwaway
# namespace); prints why not.
mount_ns_probe() {
	# shellcheck disable=SC2016 # the inner shell's $0 and $@
	unshare -m --propagation unchanged bash -c '. "$0"; private_mounts "$@"' "$TESTS_DIR/lib.sh" "$@"
}

# own_mounts WHAT PATH...: for the network-namespace parts (unshare -n -m
# --propagation unchanged bash -s): private_mounts for each PATH, or else
# "SKIP: WHAT: why" and exit 77, which the caller reports as skipped.
own_mounts() {
	local what=$1 why
	shift
	why=$(private_mounts "$@") && return 0
	skip_part "$what" "$why"
	exit 77
}

# sysctl_conf_paths: the sysctl.d directories and /etc/sysctl.conf that set
# something here (a line that is not a comment), which the namespace parts
# hide to start clean. Debian's sysctl.conf, all comments, needs no hiding.
sysctl_conf_paths() {
	local p
	for p in /etc/sysctl.d /run/sysctl.d /usr/local/lib/sysctl.d /usr/lib/sysctl.d /lib/sysctl.d \
		/etc/sysctl.conf; do
		if [ -d "$p" ]; then
			cat "$p"/*.conf 2>/dev/null | grep -Eq '^[[:space:]]*[^#;[:space:]]' && echo "$p"
		elif [ -f "$p" ]; then
			grep -Eq '^[[:space:]]*[^#;[:space:]]' "$p" && echo "$p"
		fi
	done
	return 0
}

# without_sysctl_conf WHAT [PATH...]: for the network-namespace parts, so
# that the agent starts from the kernel's defaults: makes private the PATHs
# the caller will mount over and every sysctl_conf_paths entry (or says
# "SKIP: WHAT" and exits 77, as own_mounts), then hides those entries: an
# empty tmpfs over each directory, /dev/null over each file. Directories in
# SYSCTL_CONF_ALWAYS (space-separated) are hidden even when they set nothing.
without_sysctl_conf() {
	local what=$1 p hidden
	shift
	mapfile -t hidden < <(
		for p in ${SYSCTL_CONF_ALWAYS:-}; do echo "$p"; done
		# shellcheck disable=SC2086 # a space-separated list
		sysctl_conf_paths | grep -vxF -f <(printf "%s\n" ${SYSCTL_CONF_ALWAYS:-/nonexistent})
	)
	own_mounts "$what" "$@" "${hidden[@]}"
	for p in "${hidden[@]}"; do
		if [ -d "$p" ]; then mount -t tmpfs tmpfs "$p"; else mount --bind /dev/null "$p"; fi
	done
}

# long_part WHAT: whether to run a slow, exhaustive part of a test. Yes
# under make test-long (PERFAGENT_TEST_LONG=1); otherwise says
# "LONG: WHAT", which tests/run-system.sh lists as left to make test-long.
long_part() {
	[ "${PERFAGENT_TEST_LONG:-}" = 1 ] && return 0
	echo "LONG: $1"
	return 1
}

# skip_part WHAT REASON: a part of a test that cannot run here, said as
# "SKIP: WHAT: REASON" (tests/run-system.sh counts these lines as skipped
# parts, never as passed).
skip_part() {
	echo "SKIP: $1: $2"
}

# private_mounts PATH...: run first in a mount namespace of one's own
# (unshare -m --propagation unchanged), before mounting over each PATH (which
# must exist): makes sure those mounts stay in that namespace. Where / is a
# mount point (a host, a container) that is `mount --make-rprivate /`. In a
# chroot, whose / is not a mount point, that fails; then each mount a PATH
# lies on (/proc, /sys, /tmp...) is made private instead. A PATH on the
# chroot's own file system, under no mount of its own, cannot be: a mount
# there would reach the host's mount table. Then prints why and returns 1.
private_mounts() {
	local p m
	mount --make-rprivate / 2>/dev/null && return 0
	for p in "$@"; do
		m=$(findmnt -n -o TARGET -T "$p" 2>/dev/null) || m=
		if [ -z "$m" ] || [ "$m" = / ]; then
			echo "/ is not a mount point (a chroot) and $p is on the root's own file system: a mount over it would reach the host's mount table"
			return 1
		fi
		mount --make-rprivate "$m" || {
			echo "cannot make $m (holding $p) a private mount"
			return 1
		}
	done
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

# map_eval NAME EXPR: python expression over the map NAME of the calling
# test's daemon ($daemon_pid), dumped by bpftool with its BTF: "entries" is
# the list of {"key", "value"} (hash) or {"key", "values": [{"cpu",
# "value"}]} (per-CPU); helpers: count(hist), percpu(entries, fn) sums
# fn(value) over CPUs.
# shellcheck disable=SC2154 # daemon_pid is the calling test's
map_eval() {
	python3 - "$daemon_pid" "$1" "$2" <<'EOF'
import json, os, subprocess, sys
pid, name, expr = sys.argv[1:]
ids = set()
for fd in os.listdir(f"/proc/{pid}/fdinfo"):
    try:
        text = open(f"/proc/{pid}/fdinfo/{fd}").read()
    except OSError:
        continue
    ids.update(int(l.split()[1]) for l in text.splitlines() if l.startswith("map_id:"))
def bpftool(*args):
    return json.loads(subprocess.check_output(["bpftool", "-j", *args]))
mid = [i for i in ids if bpftool("map", "show", "id", str(i))["name"] == name]
if not mid:
    print("absent")
    sys.exit(0)
entries = [e["formatted"] for e in bpftool("map", "dump", "id", str(mid[0]))]
count = lambda h: sum(h["buckets"])
percpu = lambda fn: sum(fn(v["value"]) for e in entries for v in e["values"])
print(eval(expr))
EOF
}

# block_dev_num DEVICE: the block device's number as the kernel encodes it
# in the block probe's maps (major << 20 | minor).
block_dev_num() {
	local majmin
	majmin=$(stat -c '%t %T' "$1")
	printf '%d' $(((0x${majmin% *} << 20) | 0x${majmin#* }))
}

# block_writes DEV HIST: the daemon's write completions of device DEV
# (block_dev_num) in the block probe's histogram HIST: size (every write)
# or latency (the timed ones). Writes count in the per-CPU slots
# (block_cpu: key = queue id * 2 + 1, each CPU's copy names its device)
# or, past them, in the shared hash; both are summed.
block_writes() {
	echo $(($(map_eval block_stats "sum(count(e['value']['$2']) for e in entries \
		if e['key']['dev'] == $1 and e['key']['op'] == 1)") + \
		$(map_eval block_cpu "sum(count(v['value']['$2']) for e in entries \
		for v in e['values'] if e['key'] % 2 == 1 and v['value']['dev'] == $1)")))
}

# probe_missed RUNDIR PROBE TRACEPOINT: the runs of that probe's program the
# kernel skipped because it was already running on the CPU (status's
# "missed"): events it did not count. 0 when the kernel does not say.
probe_missed() {
	"$PERFAGENT" status --json --runtime-dir "$1" | python3 -c 'import json, sys
j = json.load(sys.stdin)
print(sum(g.get("missed", 0) for x in j["probes"] if x["name"] == sys.argv[1]
          for g in x["programs"] if g["tracepoint"] == sys.argv[2]))' "$2" "$3"
}

# counted_all WANT GOT MISSED: GOT events are the WANT made, or fewer by no
# more than the MISSED runs (probe_missed's growth meanwhile, any device's)
# the kernel skipped: those it says it dropped, nothing else.
counted_all() {
	[ "$2" -le "$1" ] && [ $(($1 - $2)) -le "${3:-0}" ]
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
# the chosen word instead. One line per file, in a few processes whatever
# the tree's size (a fork per file made it most of the kill tests' time).
tree_snapshot() {
	local f c
	(cd "$1" &&
		find . -type f ! -path '*/transparent_hugepage/*' ! -path '*/queue/scheduler' -print0 |
		LC_ALL=C sort -z | xargs -0 -r sha256sum &&
		find . -type f \( -path '*/transparent_hugepage/*' -o -path '*/queue/scheduler' \) -print0 |
		LC_ALL=C sort -z | while IFS= read -r -d '' f; do
			c=
			IFS= read -r c <"$f" || true
			[[ $c =~ \[([^]]*)\] ]] && c=${BASH_REMATCH[1]}
			printf 'choice %s %s\n' "$c" "$f"
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
