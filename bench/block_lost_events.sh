#!/usr/bin/env bash
# Which block completions reach no BPF program, and where they ran.
#
#   bench/block_lost_events.sh [ROUNDS]   # as root, after make; needs fio, bpftrace,
#                                         # bpftool, a C compiler and libfuse3-dev
#
# The device of check_block_quantiles.sh: a loop device over a file of
# tests/system/fuse_delay.c whose every read takes 2500 us. Each round,
# 4096 random 4 KiB direct reads one at a time (fio, SCHED_FIFO as in that
# test), and the kernel's block_rq_complete counted for the device three
# ways:
#   ftrace    a tracefs instance of its own: no BPF, the reference;
#   agent     the daemon's tp_btf program, from its BPF maps (bpftool), not
#             through its collection: what the program counted;
#   bpftrace  a tracepoint program (perf event), per sector.
# Also the agent program's runs the kernel skipped (recursion_misses).
# For every completion ftrace has and bpftrace lacks (bpftrace keeps the
# sector, so the event is known), the ftrace line: the task that was
# current, its CPU and context flags. When the agent is short, the round's
# completions by current task are listed too.
set -eu
cd "$(dirname "$0")/.."
ROUNDS=${1:-20}
PERFAGENT=${PERFAGENT:-build/perfagent}
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
for t in fio bpftrace bpftool cc pkg-config losetup chrt; do
	command -v "$t" >/dev/null || { echo "needs $t" >&2; exit 1; }
done
tmp=$(mktemp -d /tmp/perfagent-lost.XXXXXX)
tracefs=/sys/kernel/tracing
inst=$tracefs/instances/$(basename "$tmp")
loop='' fuse_pid='' agent_pid=''
cleanup() {
	set +e
	[ -n "$agent_pid" ] && kill "$agent_pid" 2>/dev/null
	[ -d "$inst" ] && echo 0 >"$inst/tracing_on" && rmdir "$inst"
	[ -n "$loop" ] && losetup -d "$loop"
	[ -n "$fuse_pid" ] && umount "$tmp/mnt" 2>/dev/null
	[ -n "$fuse_pid" ] && kill "$fuse_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT
# shellcheck source=bench/lib.sh
. bench/lib.sh

tracefs_mount
# shellcheck disable=SC2046 # pkg-config's flags are words
cc -O2 $(pkg-config --cflags fuse3) tests/system/fuse_delay.c \
	$(pkg-config --libs fuse3) -o "$tmp/fuse_delay"
mkdir "$tmp/mnt"
chrt -f 20 "$tmp/fuse_delay" "$tmp/mnt" 16 steady=2500 >"$tmp/fuse.log" 2>&1 &
fuse_pid=$!
for _ in $(seq 50); do [ -e "$tmp/mnt/steady" ] && break; sleep 0.1; done
loop=$(losetup -r -f --show "$tmp/mnt/steady")
read -r major minor <<<"$(tr ':' ' ' <"/sys/block/${loop#/dev/}/dev")"
dev=$((major << 20 | minor))

printf 'interval = 1\nimds = off\nmode = advise\nmetrics = off\n' >"$tmp/agent.conf"
agent_start "$PERFAGENT"

mkdir "$inst"
echo 65536 >"$inst/buffer_size_kb"
echo "dev == $dev" >"$inst/events/block/block_rq_complete/filter"
echo 1 >"$inst/events/block/block_rq_complete/enable"
cat >"$tmp/count.bt" <<EOF
tracepoint:block:block_rq_complete /args->dev == $dev/ { @[args->sector] = count(); }
EOF

# agent_counts: completions of the device in the agent's maps (all
# operations, per-CPU copies and the shared hash) and the skipped runs of
# its block_rq_complete program.
agent_counts() {
	python3 - "$agent_pid" "$dev" <<'PY'
import json, os, subprocess, sys
pid, dev = sys.argv[1], int(sys.argv[2])
def bpftool(*args):
    return json.loads(subprocess.check_output(["bpftool", "-j", *args]))
ids = {}
for fd in os.listdir(f"/proc/{pid}/fdinfo"):
    for line in open(f"/proc/{pid}/fdinfo/{fd}"):
        key, _, value = line.partition(":")
        if key in ("map_id", "prog_id"):
            ids.setdefault(key, set()).add(int(value))
maps = {bpftool("map", "show", "id", str(i))["name"]: i for i in ids["map_id"]}
completions = lambda stats: sum(stats["size"]["buckets"])
n = 0
# Per-CPU copies name their device in the value, the hash in its key.
for e in bpftool("map", "dump", "id", str(maps["block_cpu"])):
    n += sum(completions(v["value"]) for v in e["formatted"]["values"]
             if v["value"]["dev"] == dev)
for e in bpftool("map", "dump", "id", str(maps["block_stats"])):
    if e["formatted"]["key"]["dev"] == dev:
        n += completions(e["formatted"]["value"])
missed = sum(p.get("recursion_misses", 0) for p in bpftool("prog", "show")
             if p["id"] in ids["prog_id"] and p.get("name") == "block_rq_complete_btf")
print(n, missed)
PY
}

# lost: ftrace's lines of the round's completions bpftrace did not count.
lost() {
	python3 - "$tmp/bt.out" "$tmp/trace" <<'PY'
import collections, re, sys
bt = collections.Counter()
for line in open(sys.argv[1]):
    m = re.match(r"@\[(\d+)\]: (\d+)", line)
    if m:
        bt[int(m.group(1))] += int(m.group(2))
for line in open(sys.argv[2]):
    m = re.search(r"block_rq_complete: \S+ \S+ \(\) (\d+) \+", line)
    if m and bt[int(m.group(1))] > 0:
        bt[int(m.group(1))] -= 1
    elif m:
        print("  lost:", line.strip())
PY
}

printf '%-6s %8s %8s %8s %8s\n' round ftrace agent bpftrace missed
for r in $(seq "$ROUNDS"); do
	echo >"$inst/trace"
	bpftrace "$tmp/count.bt" >"$tmp/bt.out" 2>&1 &
	bt_pid=$!
	for _ in $(seq 100); do grep -q Attaching "$tmp/bt.out" && break; sleep 0.1; done
	sleep 0.5
	read -r a0 m0 <<<"$(agent_counts)"
	echo 1 >"$inst/tracing_on"
	chrt -f 10 fio --name=lost --filename="$loop" --direct=1 --rw=randread --bs=4k \
		--ioengine=psync --iodepth=1 --size=16m --output=/dev/null
	echo 0 >"$inst/tracing_on"
	read -r a1 m1 <<<"$(agent_counts)"
	kill -INT "$bt_pid"
	wait "$bt_pid" || true
	grep -v '^#' "$inst/trace" >"$tmp/trace"
	n_ft=$(grep -c block_rq_complete "$tmp/trace" || true)
	n_bt=$(awk -F': ' '/^@\[/ { s += $2 } END { print s + 0 }' "$tmp/bt.out")
	printf '%-6s %8s %8s %8s %8s\n' "$r" "$n_ft" $((a1 - a0)) "$n_bt" $((m1 - m0))
	[ "$n_bt" = "$n_ft" ] || lost
	if [ $((a1 - a0)) != "$n_ft" ]; then
		echo "  the round's completions by current task:"
		awk '{ sub(/-[0-9]+$/, "", $1); print $1 }' "$tmp/trace" | sort | uniq -c |
			sort -rn | sed 's/^/  /'
	fi
done
