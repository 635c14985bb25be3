#!/usr/bin/env bash
# perfagent status under a real load: direct reads and writes on a loop
# device, a bulk TCP transfer and more busy tasks than CPUs. The daemon runs
# in a network namespace of its own, so its TCP figures (retransmits over
# the segments sent, /proc/net/snmp) are that namespace's. Checked:
#  - the health window is marked partial at start, full afterwards;
#  - the run-queue, disk and TCP lines carry figures, and these are the
#    histograms' own for the same interval (status --histograms);
#  - segments dropped at random by nftables turn the TCP line into a problem,
#    listed first, in text and JSON;
#  - advise mode lists the knobs it would set, with current and proposed
#    value and layer, and says nothing was written;
#  - status --json's health member keeps its shape, units in key names;
#  - status --watch exits 0 on SIGINT and on a closed pipe;
#  - long lines fold to COLUMNS or the terminal's width, piped ones stay whole.
# Root; needs losetup, nft, unshare, nsenter, dd, python3.
set -eu
. "$(dirname "$0")/lib.sh"
need_root
need_tools losetup nft unshare nsenter dd python3 timeout

INTERVAL=2
tmp=$(mktemp -d /tmp/perfagent-health.XXXXXX)
run=$tmp/run
loop=
ns_pid=
daemon_pid=
loads=()
cleanup() {
	for p in "${loads[@]}"; do kill "$p" 2>/dev/null; done
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
	[ -n "$ns_pid" ] && kill "$ns_pid" 2>/dev/null
	wait 2>/dev/null
	[ -n "$loop" ] && losetup -d "$loop" 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

pa() { "$PERFAGENT" "$@" --runtime-dir "$run"; }

# The namespace is held by a sleeping process and entered with nsenter:
# `ip netns` would change /'s mount propagation, which fails in a chroot.
unshare -n sleep infinity &
ns_pid=$!
in_ns() { nsenter -t "$ns_pid" -n -- "$@"; }
# shellcheck disable=SC2016 # the inner shell's $1
wait_for 5 sh -c '[ "$(readlink "/proc/$1/ns/net")" != "$(readlink /proc/self/ns/net)" ]' sh "$ns_pid" ||
	fail "no network namespace of its own"
in_ns ip link set lo up

# Advise mode on an m5.large from the config: a plan, nothing written. Loop
# devices are not disks by default (devices =): the test disk is one.
printf 'interval = %s\nimds = off\nmode = advise\nmetrics = off\ninstance_type = m5.large\ndevices = loop*\n' \
	"$INTERVAL" >"$tmp/perfagent.conf"
# nsenter itself, not through in_ns: $! must be the daemon's pid.
nsenter -t "$ns_pid" -n -- "$PERFAGENT" daemon --config "$tmp/perfagent.conf" --runtime-dir "$run" \
	--state-dir "$tmp/state" 2>>"$tmp/daemon.log" &
daemon_pid=$!
wait_for 20 grep -q 'ready: control socket' "$tmp/daemon.log" ||
	fail "daemon did not start: $(cat "$tmp/daemon.log")"

# Partial at start: the figures cover the interval the agent started in.
pa status --json >"$tmp/first.json"
json_get "$tmp/first.json" 'j["health"]["window"]["partial"] is True and "less than one full interval" in j["health"]["window"]["note"]' |
	grep -q True || fail "first window not marked partial: $(json_get "$tmp/first.json" 'j["health"]["window"]')"
pa status | grep -Eq '^health .*PARTIAL|partial' || fail "status text does not say partial: $(pa status)"
pass "the first window is marked partial, in JSON and text"

# Advise mode: the changes apply would make, knob by knob; none written.
pa status --json >"$tmp/advise.json"
json_get "$tmp/advise.json" '"\n".join(" ".join((c["id"], c["current"], c["desired"], c["layer"])) for c in j["profile"]["changes"] if c["action"] == "set")' >"$tmp/plan"
grep -q "sysctl:vm.swappiness" "$tmp/plan" || fail "advise: no planned change listed: $(cat "$tmp/plan")"
json_get "$tmp/advise.json" 'all(c["current"] is not None and c["desired"] and c["layer"] and c["result"] is None for c in j["profile"]["changes"] if c["action"] == "set")' |
	grep -q True || fail "advise: a planned change without current, proposed value or layer, or with a result"
swappiness_now=$(cat /proc/sys/vm/swappiness)
out=$(pa status)
echo "$out" | grep -Eq '^sysctl:vm.swappiness +'"$swappiness_now"' +10 +general' ||
	fail "advise: the table does not list vm.swappiness $swappiness_now -> 10 (general): $out"
echo "$out" | grep -q 'to set (not written)' || fail "advise: counts do not say 'not written': $out"
echo "$out" | grep -Eq '(^| )[0-9]+ set[,)]' && fail "advise: 'set' describes values not written: $out"
[ "$(cat /proc/sys/vm/swappiness)" = "$swappiness_now" ] || fail "advise mode wrote vm.swappiness"
pass "advise mode lists $(wc -l <"$tmp/plan") planned changes with current, proposed value and layer; nothing written"

# The load: a loop device read and written with direct I/O, a bulk
# transfer in the namespace, and four busy tasks on two CPUs.
truncate -s 64M "$tmp/disk.img"
loop=$(losetup --find --show "$tmp/disk.img")
dev=${loop#/dev/}
(while :; do dd if=/dev/zero of="$loop" bs=4k count=2000 oflag=direct status=none; done) &
loads+=($!)
(while :; do dd if="$loop" of=/dev/null bs=16k count=1000 iflag=direct status=none; done) &
loads+=($!)
for _ in 1 2 3 4; do
	(while :; do :; done) &
	loads+=($!)
done
# Until cleanup stops it (a slow run must not outlast it); nsenter itself,
# so that $! is the sender's pid.
nsenter -t "$ns_pid" -n -- python3 "$TESTS_DIR/tcp_bulk.py" 600 &
loads+=($!)

# One interval's health and histograms: status, histograms, status again,
# kept when no collection came between them.
same_interval() {
	local c1 c2
	pa status --json >"$tmp/status.json" &&
		pa status --json --histograms >"$tmp/hist.json" &&
		pa status --json >"$tmp/status2.json" || return 1
	c1=$(json_get "$tmp/status.json" 'j["collection"]["count"]')
	c2=$(json_get "$tmp/status2.json" 'j["collection"]["count"]')
	[ "$c1" = "$c2" ]
}
count_now() { pa status --json | python3 -c 'import json,sys; print(json.load(sys.stdin)["collection"]["count"])'; }
start=$(count_now)
# Two full intervals under load, then one read inside a single interval.
wait_for 30 eval '[ "$(count_now)" -ge $((start + 2)) ]' || fail "collection stopped"
wait_for 20 same_interval || fail "no status and histograms from one interval"

# Figures against the histograms of the same interval.
python3 - "$tmp/status.json" "$tmp/hist.json" "$dev" <<'EOF' || fail "status figures do not match the histograms"
import json, sys
status, hists, dev = json.load(open(sys.argv[1])), json.load(open(sys.argv[2])), sys.argv[3]
health = status["health"]
assert not health["window"]["partial"], health["window"]
lines = {(l["area"], l.get("entity")): l for l in health["lines"]}
def hist(probe, name, entity):
    return next(h for h in hists["histograms"]
                if h["probe"] == probe and h["name"] == name and h["entity"] == entity)
def close(a, b, what, tol=0.01):
    assert abs(a - b) <= tol * max(abs(b), 1), f"{what}: status {a}, histograms {b}"
    print(f"ok: {what}: {a:g} (histograms {b:g})")

rq = lines[("runqueue", None)]
h = hist("sched", "runq_latency", "host")
assert h["count"] > 0 and rq["p99_us"] > 0, rq
close(rq["p99_us"], h["p99"] / 1000, "run-queue p99 us")	# nanosecond histograms
close(rq["p50_us"], h["p50"] / 1000, "run-queue p50 us")
assert 0 < rq["waited_pct"] <= 100, rq

disk = lines[("disk", dev)]
for op in ("read", "write"):
    lat, queued = hist("block", "latency", f"{dev} {op}"), hist("block", "queued", f"{dev} {op}")
    secs = lat["seconds"]
    assert lat["count"] > 0, lat
    close(disk[f"{op}_iops"], lat["count"] / secs, f"{dev} {op} IOPS")
    close(disk[f"{op}_p99_us"], lat["p99"] / 1000, f"{dev} {op} p99 us")
    close(disk[f"{op}_p50_us"], lat["p50"] / 1000, f"{dev} {op} p50 us")
    assert disk[f"{op}_p50_us"] <= disk[f"{op}_p99_us"], disk
    close(disk[f"{op}_queue_depth"], (lat["sum"] + queued["sum"]) / secs / 1e9,
          f"{dev} {op} queue depth")
assert disk["write_bytes_per_s"] > 0 and disk["read_bytes_per_s"] > 0, disk

tcp = lines[("tcp", None)]
h = hist("tcp", "srtt", "host")
close(tcp["rtt_p99_us"], h["p99"], "tcp rtt p99 us")
assert tcp["segments_out_per_s"] > 1000, tcp
EOF
pass "run-queue, disk and TCP lines carry the same interval's histogram figures"

# The shape of the health member: a window, a verdict, lines with an area,
# a verdict and a reason; every number's key names its unit, or is a count.
python3 - "$tmp/status.json" <<'EOF' || fail "health JSON shape"
import json, sys
h = json.load(open(sys.argv[1]))["health"]
verdicts = {"ok", "watch", "problem"}
w = h["window"]
assert isinstance(w["interval_s"], (int, float)) and isinstance(w["span_s"], (int, float))
assert isinstance(w["partial"], bool) and isinstance(w["end_at"], str)
assert h["verdict"] in verdicts
units = ("_us", "_pct", "_per_s", "_s", "_packets", "_iops")
counts = {"changes_planned", "knobs_applied", "knobs_drifted", "knobs_failed",
          "credits_balance", "read_queue_depth", "write_queue_depth"}
order = {"problem": 0, "watch": 1, "ok": 2}
assert [order[l["verdict"]] for l in h["lines"]] == sorted(order[l["verdict"]] for l in h["lines"]), \
    "problems first"
for l in h["lines"]:
    assert l["area"] in {"runqueue", "disk", "tcp", "ena", "cpu", "tuning"}, l
    assert l["verdict"] in verdicts and isinstance(l["reason"], str) and l["reason"], l
    for k, v in l.items():
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            continue
        assert k.endswith(units) or k in counts, f"{l['area']}: {k} has no unit in its name"
print("ok: health JSON shape")
EOF
pass "status --json health: window, verdicts, problems first, units in key names"

# A forced problem: a fifth of the segments dropped at random on the
# namespace's loopback. Retransmits over 5% of the segments sent are a problem.
in_ns nft -f - <<'EOF'
table inet pa_health {
	chain in {
		type filter hook input priority 0;
		meta l4proto tcp numgen random mod 100 < 20 drop
	}
}
EOF
tcp_verdict() { pa status --json | python3 -c '
import json, sys
print(next(l["verdict"] for l in json.load(sys.stdin)["health"]["lines"] if l["area"] == "tcp"))'; }
wait_for 20 eval '[ "$(tcp_verdict)" = problem ]' ||
	fail "tcp not a problem behind 20% drops: $(pa status --json | python3 -c 'import json,sys; print([l for l in json.load(sys.stdin)["health"]["lines"] if l["area"] == "tcp"])')"
out=$(pa status)
echo "$out" | sed -n '/^health/,/^profile/p' >"$tmp/health.txt"
# Problems first: the tcp line among the leading problem lines (the busy
# tasks may make the run queue and the CPU problems too).
awk '/^  [a-z]/ { if ($1 != "problem") exit; print }' "$tmp/health.txt" |
	grep -Eq '^ +problem +tcp, retransmits [0-9.]+/s \([0-9.]+% of segments\)' ||
	fail "the tcp problem is not among the first health lines: $(cat "$tmp/health.txt")"
grep -q 'why: .*retransmit' "$tmp/health.txt" || fail "no reason for the tcp problem: $(cat "$tmp/health.txt")"
grep -Eq '^health +problem' "$tmp/health.txt" || fail "overall verdict not problem: $(cat "$tmp/health.txt")"
pass "20% drops: $(grep -E '^ +problem +tcp' "$tmp/health.txt" | sed 's/^ *//')"
in_ns nft delete table inet pa_health

# --watch: refreshed screens, exit 0 on SIGINT and on a closed pipe.
set +e
timeout --preserve-status -s INT 5 "$PERFAGENT" status --watch 1 --runtime-dir "$run" >"$tmp/watch.out"
rc=$?
set -e
[ "$rc" = 0 ] || fail "status --watch exited $rc on SIGINT"
[ "$(grep -c '^perfagent ' "$tmp/watch.out")" -ge 2 ] || fail "status --watch: fewer than 2 screens in 5 s"
set +e
timeout 15 "$PERFAGENT" status --watch 1 --runtime-dir "$run" | head -n 2 >/dev/null
rc=${PIPESTATUS[0]}
set -e
[ "$rc" = 0 ] || fail "status --watch exited $rc on a closed pipe (124: it did not notice)"
pass "status --watch: $(grep -c '^perfagent ' "$tmp/watch.out") screens in 5 s, exit 0 on SIGINT and on a closed pipe"

# On a terminal 12 rows high every screen fits (the status is taller): the
# header stays on the first row, the last says how many lines were left out.
python3 - "$PERFAGENT" "$run" <<'EOF' || fail "status --watch on a 12-row terminal"
import fcntl, os, pty, select, signal, struct, sys, termios, time
perfagent, run = sys.argv[1:3]
rows = 12
pid, fd = pty.fork()
if pid == 0:
    fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", rows, 80, 0, 0))
    os.execv(perfagent, [perfagent, "status", "--watch", "1", "--runtime-dir", run])
out, end = b"", time.time() + 3.5
while time.time() < end:
    if select.select([fd], [], [], 0.1)[0]:
        out += os.read(fd, 65536)
os.kill(pid, signal.SIGINT)
try:
    while True:
        chunk = os.read(fd, 65536)
        if not chunk:
            break
        out += chunk
except OSError:
    pass    # the pty closed: the child is gone
_, status = os.waitpid(pid, 0)
assert os.waitstatus_to_exitcode(status) == 0, status
screens = out.decode().split("\x1b[H\x1b[2J")[1:]
assert len(screens) >= 2, out[-500:]
for s in screens:
    lines = s.replace("\r\n", "\n").split("\n")
    assert lines[0].startswith("Every 1s: perfagent status"), lines[:2]
    assert len(lines) - 1 <= rows - 1, f"{len(lines) - 1} lines on {rows} rows: {lines}"
    assert "more line" in lines[-2] and "perfagent status" in lines[-2], lines[-3:]
print(f"ok: {len(screens)} screens of at most {rows - 1} lines, the last: {lines[-2]!r}")
EOF
pass "status --watch on a 12-row terminal: every screen fits, the header in view, the cut said"

# Long lines folded to a width at word boundaries, their rows under the
# text column: to COLUMNS, else to the terminal's width; piped with no
# COLUMNS, lines are left whole. Figures move between calls (uptime, rates):
# the words are compared with their numbers blanked.
python3 - "$PERFAGENT" "$run" <<'EOF' || fail "status folded to a width"
import fcntl, os, pty, re, struct, subprocess, sys, termios
perfagent, run = sys.argv[1:3]
cmd = [perfagent, "status", "--runtime-dir", run]
env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}

def words(text):
    return re.sub(r"[0-9][0-9.:TZ-]*", "N", " ".join(text.split()))

def on_pty(cols):
    pid, fd = pty.fork()
    if pid == 0:
        fcntl.ioctl(1, termios.TIOCSWINSZ, struct.pack("HHHH", 50, cols, 0, 0))
        os.execve(perfagent, cmd, env)
    out = b""
    try:
        while chunk := os.read(fd, 65536):
            out += chunk
    except OSError:
        pass    # the pty closed: the child is gone
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0, status
    return out.decode().replace("\r\n", "\n")

def check_rows(text, cols, how):
    for row in text.splitlines():
        # Past the width only with one word (a path, an address) after the text column.
        assert len(row) <= cols or " " not in row[13:].strip(), f"{how}: {len(row)} columns: {row!r}"

whole = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True).stdout
longest = max(len(row) for row in whole.splitlines())
assert longest > 80, f"no line over 80 columns to fold (longest {longest}): the check would prove nothing"
folded = subprocess.run(cmd, env=dict(env, COLUMNS="80"), capture_output=True, text=True,
                        check=True).stdout
check_rows(folded, 80, "COLUMNS=80")
assert len(folded.splitlines()) > len(whole.splitlines()), "COLUMNS=80 folded nothing"
assert words(folded) == words(whole), f"the words changed:\n{folded}\n{whole}"
term = on_pty(60)
check_rows(term, 60, "a 60-column terminal")
assert words(term) == words(whole), f"the words changed on the terminal:\n{term}"
print(f"ok: lines up to {longest} columns; {len(whole.splitlines())} lines, "
      f"{len(folded.splitlines())} rows at 80, {len(term.splitlines())} at 60")
EOF
pass "status folds its long lines to COLUMNS and to the terminal's width, the words unchanged; piped, lines whole"

# --watch --json: one document per line, nothing else, for a program to read.
timeout --preserve-status -s INT 4 "$PERFAGENT" status --watch 1 --json --runtime-dir "$run" \
	>"$tmp/watch.json" || fail "status --watch --json exited $?"
python3 - "$tmp/watch.json" <<'EOF' || fail "status --watch --json: not one JSON document per line"
import json, sys
lines = open(sys.argv[1]).read().splitlines()
assert len(lines) >= 2, lines
for line in lines:
    assert "health" in json.loads(line)
EOF
pass "status --watch --json: $(wc -l <"$tmp/watch.json") documents, one per line"

kill -TERM "$daemon_pid"
wait "$daemon_pid" || fail "daemon exit status $?"
daemon_pid=

# --watch outlives the daemon (a restart): says so on the screen, asks again.
set +e
timeout --preserve-status -s INT 4 "$PERFAGENT" status --watch 1 --runtime-dir "$run" \
	>"$tmp/watch.gone" 2>&1
rc=$?
set -e
[ "$rc" = 0 ] || fail "status --watch with no daemon exited $rc: $(cat "$tmp/watch.gone")"
[ "$(grep -c 'the perfagent daemon is not running' "$tmp/watch.gone")" -ge 2 ] ||
	fail "status --watch with no daemon did not keep asking: $(cat "$tmp/watch.gone")"
pass "status --watch with no daemon: says so every round and keeps asking"
