#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# The block probe's read-latency quantiles against fio's (issue 23): a
# device of known latency, then the agent's ReadLatency distribution of it
# (the EMF documents the daemon sent) against the kernel's own times of the
# same reads (ftrace, issue to completion) and fio's completion-latency
# percentiles: p50, p90 and p99 within one histogram bucket of both
# (tests/system/block_quantiles.py says why one bucket, and when fio's
# figures hold time outside the block layer), and as many reads counted as
# fio made.
#
# The device: a loop device over a file of fuse_delay (a FUSE file system
# built here from tests/system/fuse_delay.c) whose every read sleeps a
# fixed time; direct_io, so every read reaches the server. Two files: one
# of 2500 us per read, and a mix of 70 % of the blocks at 2100 us and 30 %
# at 8200 us (a distribution of two modes). This kernel has no null_blk nor
# device-mapper, and blkio throttling was bursty. Shorter delays (200 us,
# 1 ms) do not fit one bucket on the shared 2-vCPU test VM: there a bucket
# is 8 to 64 us wide while fio's wake-up after the completion alone takes
# tens of microseconds (bench/README.md). fio and the server run at
# real-time priority, so that fio's wake-ups do not wait for a CPU behind
# other work (at normal priority, p99s were up to 1.5 ms apart).
#
# Each comparison is also made with the agent's values scaled by 1.25 and
# 0.8 (4 and 3 bucket widths at least), which must fail: the check can fail.
# A try whose quantiles disagree is made again, twice at most (below).
#
# The count: the kernel's block_rq_complete tracepoint, counted by ftrace
# (a tracefs instance of its own, no BPF), must fire once per fio read, and
# the agent count as many, or at most 2 fewer, never more: on the test VM
# about 1 event in 23000 of these devices reaches no BPF program at all,
# the agent's or bpftrace's alike: those that ran on top of a thread of the
# VM's init process (block_quantiles.py, bench/block_lost_events.sh).
# The same instance records block_rq_issue, for the kernel's times.
# Without tracefs the agent is held against fio's count and times alone.
# Root; needs FUSE in the kernel (else skipped, saying what is missing),
# fio, losetup, chrt, a C compiler and libfuse3's headers. About 15 s (up to 30 s with tries again).
set -eu
. "$(dirname "$0")/lib.sh"
need_root

N_IO=1000
tmp=$(mktemp -d /tmp/perfagent-bq.XXXXXX)
mnt=$tmp/mnt run=$tmp/run conf=$tmp/perfagent.conf
daemon_pid='' checker_pid='' fuse_pid=''
loops=()
cleanup() {
	[ -z "$daemon_pid" ] || kill "$daemon_pid" 2>/dev/null || true
	[ -z "$checker_pid" ] || kill "$checker_pid" 2>/dev/null || true
	[ ! -d "${trace_dir:-}" ] || { trace_off; rmdir "$trace_dir"; } 2>/dev/null || true
	# Loop devices before the server: they hold its files open.
	for l in "${loops[@]}"; do losetup -d "$l" 2>/dev/null || true; done
	if [ -n "$fuse_pid" ]; then
		umount "$mnt" 2>/dev/null || umount -l "$mnt" 2>/dev/null || true
		kill "$fuse_pid" 2>/dev/null || true	# gone with the mount, as a rule
	fi
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

# FUSE in the kernel: without it the test cannot run here at all.
missing=
grep -qw fuse /proc/filesystems || missing="the fuse file system (not in /proc/filesystems: CONFIG_FUSE_FS, or modprobe fuse)"
[ -n "$missing" ] || [ -c /dev/fuse ] || missing="/dev/fuse (mknod /dev/fuse c 10 229)"
if [ -n "$missing" ]; then
	echo "skip: FUSE is missing: $missing"
	exit 77
fi
need_tools losetup fio chrt cc pkg-config python3
pkg-config --exists fuse3 ||
	fail "libfuse3's headers are missing: install the package libfuse3-dev (dnf: fuse3-devel) (make test-deps installs every tool the tests use)"

# shellcheck disable=SC2046 # pkg-config's flags, one word each
cc -O2 -Wall -Wextra -Werror -Wno-unused-parameter $(pkg-config --cflags fuse3) \
	"$TESTS_DIR/fuse_delay.c" $(pkg-config --libs fuse3) -o "$tmp/fuse_delay" ||
	fail "cannot build fuse_delay"
mkdir "$mnt"
chrt -f 20 "$tmp/fuse_delay" "$mnt" 16 steady=2500 mix=2100x70,8200x30 >"$tmp/fuse.log" 2>&1 &
fuse_pid=$!
wait_for 5 test -e "$mnt/mix" || fail "fuse_delay did not mount: $(cat "$tmp/fuse.log")"

# Attached read-only before the daemon starts, so that the reads of the
# attach (the partition scan) are not counted with fio's.
declare -A dev_of
for f in steady mix; do
	l=$(losetup -r -f --show "$mnt/$f") || fail "losetup over $mnt/$f"
	loops+=("$l")
	dev_of[$f]=$l
done

port=$(free_port)
start_checker emf
printf 'interval = 1\nmode = advise\nimds = off\ndevices = loop*\nemf_endpoint = tcp://127.0.0.1:%s\n' \
	"$port" >"$conf"
"$PERFAGENT" daemon --config "$conf" --runtime-dir "$run" --state-dir "$tmp/state" \
	2>"$tmp/daemon.log" &
daemon_pid=$!
wait_for 10 test -S "$run/perfagent.sock" || fail "daemon did not start: $(cat "$tmp/daemon.log")"
# The probe is counting once the first document came.
wait_for 10 test -s "$tmp/emf/docs.jsonl" || fail "no document from the daemon: $(cat "$tmp/daemon.log")"
"$PERFAGENT" status --json --runtime-dir "$run" >"$tmp/status.json"
[ "$(json_get "$tmp/status.json" "[x['state'] for x in j['probes'] if x['name'] == 'block']")" = "['running']" ] ||
	fail "block probe not running: $(cat "$tmp/status.json")"

# The device's block_rq_issue and block_rq_complete events, recorded by
# ftrace in an instance of this test's own (the host's other tracing
# untouched).
tracefs=/sys/kernel/tracing
[ -d "$tracefs/instances" ] || mount -t tracefs nodev "$tracefs" 2>/dev/null || true
trace_dir=$tracefs/instances/perfagent-bq-$$
events=(block_rq_issue block_rq_complete)
have_trace=false
if [ -d "$tracefs/events/block/block_rq_complete" ] && [ -d "$tracefs/events/block/block_rq_issue" ]; then
	have_trace=true
else
	echo "note: no tracefs with block_rq_issue and block_rq_complete (/sys/kernel/tracing): the agent is checked against fio's count and times alone"
fi

# trace_start DEV: records DEV's issues and completions from now on.
trace_start() {
	local mm e
	mm=$(cat "/sys/block/${1#/dev/}/dev")
	mkdir "$trace_dir"
	echo 4096 >"$trace_dir/buffer_size_kb"
	for e in "${events[@]}"; do
		echo "dev == $(((${mm%:*} << 20) | ${mm#*:}))" >"$trace_dir/events/block/$e/filter"
		echo 1 >"$trace_dir/events/block/$e/enable"
	done
}

# trace_off: both events off.
trace_off() {
	local e
	for e in "${events[@]}"; do echo 0 >"$trace_dir/events/block/$e/enable"; done
}

# traced_now: how many completions were counted so far.
traced_now() {
	grep -c ' block_rq_complete:' "$trace_dir/trace" || true
}

# trace_stop COUNT TRACE: the count into COUNT, the trace into TRACE, and
# the instance removed; fails when its buffer overran (a count that would
# be short).
trace_stop() {
	local overrun
	trace_off
	traced_now >"$1"
	cat "$trace_dir/trace" >"$2"
	overrun=$(awk '/^overrun:/ { s += $2 } END { print s + 0 }' "$trace_dir"/per_cpu/cpu*/stats)
	rmdir "$trace_dir"
	[ "$overrun" = 0 ] || fail "the trace buffer overran ($overrun events lost): the count is not known"
}

# measure FILE TRY: fio on FILE's device, N_IO random 4 KiB direct reads
# one at a time; the documents of those intervals in $tmp/win-FILE-TRY.
measure() {
	local f=$1 try=$2 n0 n1 want
	n0=$(wc -l <"$tmp/emf/docs.jsonl")
	! $have_trace || trace_start "${dev_of[$f]}"
	chrt -f 10 fio --name="$f" --filename="${dev_of[$f]}" --direct=1 --rw=randread --bs=4k \
		--ioengine=psync --iodepth=1 --size=16m --number_ios=$N_IO \
		--output-format=json --percentile_list=50:90:99 >"$tmp/fio-$f-$try.json" 2>"$tmp/fio.err" ||
		fail "fio on ${dev_of[$f]}: $(cat "$tmp/fio.err")"
	# Until the documents since n0 count as many reads as the tracepoint
	# fired for (else as fio made; a busy host can delay a collection past
	# a fixed wait), 10 s at most; then one interval more, so that reads
	# counted twice would show too.
	if $have_trace; then
		want=$(traced_now)
	else
		want=$(json_get "$tmp/fio-$f-$try.json" "j['jobs'][0]['read']['total_ios']")
	fi
	wait_for 10 counted "$f" "$want" "$n0" || true
	sleep 1.5
	n1=$(wc -l <"$tmp/emf/docs.jsonl")
	if $have_trace; then
		trace_stop "$tmp/traced-$f-$try" "$tmp/trace-$f-$try"
	else
		: >"$tmp/traced-$f-$try"
	fi
	sed -n "$((n0 + 1)),${n1}p" "$tmp/emf/docs.jsonl" >"$tmp/win-$f-$try"
}

# counted FILE WANT N0: whether the documents after line N0 count at least
# WANT reads on FILE's device.
counted() {
	python3 - "$tmp/emf/docs.jsonl" "${dev_of[$1]#/dev/}" "$2" "$3" <<'EOF'
import json, sys
docs, dev, want, n0 = sys.argv[1:]
n = 0
for i, line in enumerate(open(docs)):
    if i < int(n0) or not line.endswith("\n"):
        continue
    d = json.loads(line)
    if d.get("Device") == dev and "ReadLatency" in d:
        n += d["ReadLatency"]["Count"]
sys.exit(0 if n >= int(want) else 1)
EOF
}

# compare FILE TRY MIN_P50 TRACED [--scale S]: block_quantiles.py on one
# try; TRACED (the tracepoint's count) empty: no trace.
compare() {
	local f=$1 try=$2 min=$3 traced=$4
	shift 4
	python3 "$TESTS_DIR/block_quantiles.py" "$tmp/win-$f-$try" "$tmp/fio-$f-$try.json" \
		"${dev_of[$f]#/dev/}" "$min" ${traced:+--traced "$traced" --trace "$tmp/trace-$f-$try"} "$@"
}

# Up to 3 tries per file: fio's time holds its own wake-up, which a busy
# host can delay by hundreds of microseconds now and then (the agent's
# p99 was 2 buckets below fio's in 1 of 10 runs here). A count that
# differs, or a median below the device's delay, fails at once. When only
# fio's time outside the block layer keeps it from the agent in all 3
# (block_quantiles.py exits 3: the agent within one bucket of the kernel's
# own times, fio more than one bucket over them; a CI host stolen from
# held fio's p50 900 us over a 2500 us device), the kernel's times judge,
# and the pass says so.
for f in steady mix; do
	min=2500
	[ "$f" != mix ] || min=2100
	dev=${dev_of[$f]#/dev/}
	for try in 1 2 3; do
		measure "$f" "$try"
		traced=$(cat "$tmp/traced-$f-$try")
		rc=0
		compare "$f" "$try" $min "$traced" >"$tmp/cmp.out" || rc=$?
		cat "$tmp/cmp.out"
		[ "$rc" -ne 2 ] || fail "$f ($dev): the agent's read latency is wrong (above)"
		# On a try that agrees, scaled values must not (on one that does
		# not, fio's tail can sit where a scaled p99 lands).
		for s in 1.25 0.8; do
			[ "$rc" = 0 ] || [ "$rc" = 3 ] || break
			compare "$f" "$try" $min "$traced" --scale $s >"$tmp/scaled.out" || true
			[ "$(grep -c 'more than one bucket apart' "$tmp/scaled.out")" = 3 ] || {
				cat "$tmp/scaled.out"
				fail "$f: the agent's values scaled by $s still agree with fio: the check cannot fail"
			}
		done
		# An agent that counted one more than the tracepoint fired, or 3
		# fewer, must fail too.
		agent=$(awk '/reads timed by the agent/ { print $2 }' "$tmp/cmp.out")
		for off in -1 3; do
			[ -n "$traced" ] || break
			rc_off=0
			compare "$f" "$try" $min $((agent + off)) >"$tmp/off.out" || rc_off=$?
			grep -q 'FAIL: the agent counted' "$tmp/off.out" && [ "$rc_off" = 2 ] || {
				cat "$tmp/off.out"
				fail "$f: the agent's count against a tracepoint count of $((agent + off)) still passes: the check cannot fail"
			}
		done
		[ "$rc" -ne 0 ] || break
		[ "$rc" = 3 ] || [ "$try" -lt 3 ] ||
			fail "$f ($dev): the agent's read latency disagrees in 3 tries (above)"
		[ "$try" -lt 3 ] || break
		echo "$f: try $try disagrees; again"
	done
	counts="$N_IO reads counted as fio's"
	[ -z "$traced" ] || counts="fio's $N_IO reads: block_rq_complete fired $traced times (ftrace), the agent counted $agent (one more, or 3 fewer, fails)"
	within="the kernel's times (ftrace) and fio's"
	[ -n "$traced" ] || within="fio's"
	[ "$rc" = 0 ] || within="the kernel's times (ftrace); fio's held time outside the block layer in 3 tries (a busy host)"
	pass "$f ($dev): $counts; p50 p90 p99 within one bucket of $within (try $try; scaled by 1.25 or 0.8: 3 buckets or more apart)"
done
kill "$daemon_pid"
wait "$daemon_pid" || true
daemon_pid=
