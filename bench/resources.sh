#!/usr/bin/env bash
# Resource report (issue 10): what the agent costs the host, next to the
# peers a user would otherwise run (bpftrace scripts, tuned), all in one run.
#
#   bench/resources.sh [--quick]      # as root, after make
#
# Needs bpftrace, tuned, fio, iperf3, perf (linux-perf), losetup,
# unshare, python3. Never tunes the host: every perfagent runs with
# mode = advise, imds = off, its own runtime and state directories; tuned runs
# in a private mount + network namespace with a private /etc/tuned, a profile
# of per-namespace net.* sysctls only and reapply_sysctl = 0.
#
# 1. Start-up to ready, RUNS times each (median, min, max):
#    perfagent: launch to READY=1 on $NOTIFY_SOCKET (sd_notify), imds = off,
#      a fresh state directory each run;
#    bpftrace: launch to "Attaching N probes...", and to the output of a
#      BEGIN probe (BEGIN runs once every probe is attached), per script;
#    tuned: launch (daemon mode, --no-dbus) to its log line "static tuning
#      from profile 'pa-bench' applied".
# 2. Then all of these run side by side for two windows, IDLE_SECONDS with
#    no workload and LOAD_SECONDS under fio + iperf3 + perf bench sched pipe
#    at once:
#    perfagent at interval 1 s and at 60 s, metrics on, to a loopback
#      listener that reads and discards (standing in for the CloudWatch
#      agent); and perfagent at 1 s with nothing listening (no CloudWatch
#      agent: its spool fills);
#    bpftrace, three processes per interval (1 s and 60 s): runqlat-like,
#      biolatency + bitesize-like, tcpretrans + tcprtt + tcpconnlat + reset
#      and drop counts (the scripts of bench/probes_overhead.sh, plus an
#      interval probe that prints and clears the maps, as the agent does);
#    tuned, daemon mode with Debian's tuned-main.conf defaults (dynamic
#      tuning on) but reapply_sysctl = 0.
#    For each process: VmRSS at the end of the window and VmHWM (peak since
#    start) from /proc/PID/status; CPU over the window from /proc/PID/stat
#    (utime + stime, 10 ms ticks) and, precise, from the threads'
#    schedstat (ns); the run time of the BPF programs it holds (run-time
#    statistics on during the windows through BPF_ENABLE_STATS, a reference
#    held by a helper process, so kernel.bpf_stats_enabled is never written
#    and others toggling it change nothing) and the kernel memory of its
#    maps and programs (memlock, not in VmRSS).
#    CPU from /proc/PID/stat does NOT include BPF program time: a program
#    runs in the context of the task that hit the tracepoint and is charged
#    to it.
#    Workload: fio 4 KiB random read/write, O_DIRECT, psync, one job, on a
#    loop device over a file in /dev/shm; iperf3 over loopback in a private
#    network namespace; perf bench sched pipe. Nothing is pinned.
#    Other people's work on the machine: before the idle window the script
#    waits (up to QUIET_WAIT s, default 120) for 10 s in which the host is
#    busy beyond the processes measured here by at most OTHERS_MAX_PCT %
#    (default 10) of one vCPU; if the idle window itself was busier than
#    that, it is run once more (not with --quick). Every window is reported
#    with that figure; the goal uses the quietest idle window.
#
# --quick: RUNS=3, 20 s windows; a smoke run (the 60 s interval figures then
# cover no full interval and mean nothing). Environment overrides: RUNS,
# IDLE_SECONDS, LOAD_SECONDS, SETTLE_SECONDS, OTHERS_MAX_PCT, QUIET_WAIT,
# PERFAGENT.
set -eu
cd "$(dirname "$0")/.."
top=$PWD

RUNS=${RUNS:-15}
IDLE_SECONDS=${IDLE_SECONDS:-300}
LOAD_SECONDS=${LOAD_SECONDS:-300}
SETTLE_SECONDS=${SETTLE_SECONDS:-10}
OTHERS_MAX_PCT=${OTHERS_MAX_PCT:-10}
QUIET_WAIT=${QUIET_WAIT:-120}
quick=0
if [ "${1:-}" = --quick ]; then
	quick=1
	RUNS=3 IDLE_SECONDS=20 LOAD_SECONDS=20 SETTLE_SECONDS=5 QUIET_WAIT=0
elif [ -n "${1:-}" ]; then
	echo "usage: $0 [--quick]" >&2
	exit 2
fi

[ "$(id -u)" -eq 0 ] || { echo "run as root" >&2; exit 1; }
for t in bpftrace tuned fio iperf3 perf losetup unshare setsid timeout python3 ip; do
	command -v "$t" >/dev/null || { echo "missing: $t" >&2; exit 1; }
done
perf bench sched pipe -l 10 >/dev/null 2>&1 || { echo "perf bench does not run (linux-perf?)" >&2; exit 1; }
[ -x "${PERFAGENT:-build/perfagent}" ] || { echo "build first: make" >&2; exit 1; }
# shellcheck source=bench/lib.sh
. bench/lib.sh
tracefs_mount
[ -d /run/tuned ] || mkdir -p /run/tuned	# mount point only: a tmpfs goes over it

tmp=$(mktemp -d /var/tmp/perfagent-resources.XXXXXX)
shm=$(mktemp -d /dev/shm/perfagent-resources.XXXXXX)
# A copy: others may rebuild build/perfagent while this runs.
cp "${PERFAGENT:-build/perfagent}" "$tmp/perfagent"
pa=$tmp/perfagent
export PERFAGENT_PROFILE_DIR=$top/tuning-profiles
unset NOTIFY_SOCKET AWS_EMF_AGENT_ENDPOINT

pids=()       # label=pid of the measured processes
groups=()     # process groups to end (setsid'd loads, tuned)
bgpids=()     # other background processes of ours
loop='' sleep_pid=''
cleanup() {
	local p
	[ -z "$sleep_pid" ] || kill "$sleep_pid" 2>/dev/null || true
	for p in "${groups[@]}"; do kill -TERM -- "-$p" 2>/dev/null || true; done
	for p in "${pids[@]}"; do
		case $p in
		tuned=*) ;;
		*) kill -TERM "${p#*=}" 2>/dev/null || true ;;
		esac
	done
	sleep 1
	for p in "${pids[@]}"; do	# bpftrace 0.17 may miss a signal
		case $p in
		bt_*) kill -KILL "${p#*=}" 2>/dev/null || true ;;
		esac
	done
	for p in "${bgpids[@]}"; do kill -TERM "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	[ -z "$loop" ] || losetup -d "$loop"
	rm -rf "$tmp" "$shm"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# ---- helpers -------------------------------------------------------------

cat >"$tmp/res.py" <<'EOF'
"""resources.sh helper: start-up timing, /proc snapshots, the report."""
import json, os, signal, socket, statistics, subprocess, sys, tempfile, time

def startup_agent(n, pa, conf, tmp):
    for _ in range(n):
        d = tempfile.mkdtemp(dir=tmp)
        s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        s.bind(d + "/notify.sock")
        s.settimeout(20)
        env = dict(os.environ, NOTIFY_SOCKET=d + "/notify.sock")
        t0 = time.monotonic()
        p = subprocess.Popen([pa, "daemon", "--config", conf, "--runtime-dir", d + "/run",
                              "--state-dir", d + "/state"], env=env,
                             stdout=subprocess.DEVNULL, stderr=open(d + "/log", "w"))
        while b"READY=1" not in s.recv(4096):
            pass
        t1 = time.monotonic()
        p.terminate()
        if p.wait(20) != 0:
            sys.exit("perfagent exited %d: %s" % (p.returncode, open(d + "/log").read()))
        s.close()
        print("ready %.2f" % ((t1 - t0) * 1e3), flush=True)

def startup_bpftrace(n, script):
    for _ in range(n):
        t0 = time.monotonic()
        p = subprocess.Popen(["bpftrace", script], stdout=subprocess.PIPE,
                             stderr=subprocess.STDOUT, bufsize=0)
        ta = tr = None
        while tr is None:
            line = p.stdout.readline()
            if not line:
                sys.exit("bpftrace %s ended before ready" % script)
            if line.startswith(b"Attaching"):
                ta = time.monotonic()
            elif line.strip() == b"ready":
                tr = time.monotonic()
        # bpftrace 0.17 may lose a SIGINT sent just after BEGIN: repeat it.
        for _ in range(20):
            p.send_signal(signal.SIGINT)
            try:
                p.communicate(timeout=0.5)
                break
            except subprocess.TimeoutExpired:
                pass
        else:
            p.kill()
            p.communicate()
        print("attaching %.2f" % ((ta - t0) * 1e3), flush=True)
        print("ready %.2f" % ((tr - t0) * 1e3), flush=True)

def startup_tuned(n, inside, log):
    for _ in range(n):
        if os.path.exists(log):
            os.unlink(log)
        t0 = time.monotonic()
        p = subprocess.Popen(["setsid", "unshare", "-m", "-n", "bash", inside, log],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        tr = None
        while tr is None:
            if p.poll() is not None:
                sys.exit("tuned ended before ready")
            try:
                if "static tuning from profile" in open(log).read():
                    tr = time.monotonic()
            except FileNotFoundError:
                pass
            if tr is None:
                time.sleep(0.002)
            if time.monotonic() - t0 > 60:
                sys.exit("tuned not ready after 60 s")
        p.terminate()
        p.wait(60)
        print("ready %.2f" % ((tr - t0) * 1e3), flush=True)

def hold_stats():
    """Turns on BPF run-time statistics for as long as this process lives
    (BPF_ENABLE_STATS: a reference of its own, so others setting or
    restoring kernel.bpf_stats_enabled meanwhile change nothing here)."""
    import ctypes, platform
    nr = {"x86_64": 321, "aarch64": 280}[platform.machine()]
    libc = ctypes.CDLL(None, use_errno=True)
    parent = os.getppid()
    libc.prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG: never outlive the script
    if os.getppid() != parent:
        sys.exit("resources.sh is gone")
    attr = ctypes.create_string_buffer(8)  # enable_stats.type = BPF_STATS_RUN_TIME (0)
    if libc.syscall(nr, 32, attr, 4) < 0:  # BPF_ENABLE_STATS
        sys.exit("BPF_ENABLE_STATS: %s" % os.strerror(ctypes.get_errno()))
    print("enabled", flush=True)
    signal.pause()

def read_fdinfo(pid):
    """Ids and memlock bytes of the BPF programs and maps the process holds."""
    progs, maps = {}, {}
    base = "/proc/%s/fdinfo" % pid
    for fd in os.listdir(base):
        try:
            kv = dict(l.split(":", 1) for l in open(base + "/" + fd) if ":" in l)
        except OSError:
            continue
        kv = {k.strip(): v.strip() for k, v in kv.items()}
        if "prog_jited" in kv:  # a program (a link's fdinfo names its prog_id too)
            progs[kv["prog_id"]] = [int(kv.get("memlock", 0)), int(kv.get("run_time_ns", 0)),
                                    int(kv.get("run_cnt", 0))]
        elif "map_id" in kv:
            maps[kv["map_id"]] = int(kv.get("memlock", 0))
    return progs, maps

def snap(out, labels):
    d = {"t": time.monotonic(), "wall": time.strftime("%H:%M:%S"),
         "loadavg": open("/proc/loadavg").read().split()[:3],
         "cpu": [int(x) for x in open("/proc/stat").readline().split()[1:]],
         "procs": {}, "tracked": {}}
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            s = open("/proc/%s/stat" % pid).read()
        except OSError:
            continue
        f = s[s.rindex(")") + 2:].split()
        d["procs"][pid] = [s[s.index("(") + 1:s.rindex(")")], int(f[11]) + int(f[12])]
    for lp in labels:
        label, pid = lp.split("=")
        st = dict(l.split(":", 1) for l in open("/proc/%s/status" % pid))
        ns = 0
        for t in os.listdir("/proc/%s/task" % pid):
            try:
                ns += int(open("/proc/%s/task/%s/schedstat" % (pid, t)).read().split()[0])
            except OSError:
                pass
        progs, maps = read_fdinfo(pid)
        d["tracked"][label] = {"pid": pid, "rss": int(st["VmRSS"].split()[0]),
                               "hwm": int(st["VmHWM"].split()[0]),
                               "ticks": d["procs"][pid][1], "ns": ns,
                               "progs": progs, "maps": maps}
    json.dump(d, open(out, "w"))

NAMES = {"agent_1s": ("perfagent", 1), "agent_60s": ("perfagent", 60),
         "agent_1s_nosink": ("perfagent, no listen.", 1),
         "bt_sched_1s": ("bpftrace runqlat", 1), "bt_block_1s": ("bpftrace biolat+size", 1),
         "bt_tcp_1s": ("bpftrace tcp", 1), "bt_sched_60s": ("bpftrace runqlat", 60),
         "bt_block_60s": ("bpftrace biolat+size", 60), "bt_tcp_60s": ("bpftrace tcp", 60),
         "tuned": ("tuned daemon", None)}
ORDER = list(NAMES) + ["bt_all_1s", "bt_all_60s"]

def window(a, b, ours):
    dt = b["t"] - a["t"]
    rows = {}
    for label, tb in b["tracked"].items():
        ta = a["tracked"][label]
        bpf_ns = bpf_cnt = 0
        for i, (_, ns, cnt) in tb["progs"].items():
            if i in ta["progs"]:
                bpf_ns += ns - ta["progs"][i][1]
                bpf_cnt += cnt - ta["progs"][i][2]
        rows[label] = {"rss": tb["rss"] / 1024, "hwm": tb["hwm"] / 1024,
                       "rss0": ta["rss"] / 1024,
                       "tick_ms": (tb["ticks"] - ta["ticks"]) * 10.0,
                       "ns_ms": (tb["ns"] - ta["ns"]) / 1e6, "bpf_ms": bpf_ns / 1e6,
                       "bpf_cnt": bpf_cnt,
                       "kmem": (sum(v[0] for v in tb["progs"].values()) + sum(tb["maps"].values())) / 1024}
    for iv in ("1s", "60s"):
        parts = [rows[k] for k in rows if k.startswith("bt_") and k.endswith("_" + iv)]
        if parts:
            rows["bt_all_" + iv] = {k: sum(p[k] for p in parts) for k in parts[0]}
    busy = [y - x for x, y in zip(a["cpu"], b["cpu"])]
    total = sum(busy[:8])
    idle = busy[3] + busy[4]
    others, ours_ticks = [], 0
    for pid, (comm, t) in b["procs"].items():
        if pid not in a["procs"]:
            continue
        d = t - a["procs"][pid][1]
        if pid in ours:
            ours_ticks += d
        elif d > 0:
            others.append((d, comm, pid))
    others.sort(reverse=True)
    busy_pct = (total - idle) / total * 100 * os.cpu_count()
    # ticks of 10 ms per second = % of one vCPU. Processes that started or
    # ended within the window are not in both snapshots: what the host was
    # busy with beyond our own processes counts them too.
    return {"dt": dt, "rows": rows, "busy_pct": busy_pct,
            "others_pct": max(0.0, busy_pct - ours_ticks / dt),
            "top": others[:5], "load": (a["loadavg"], b["loadavg"]), "wall": (a["wall"], b["wall"])}

def report(args):
    tmp = args[0]
    ours = set(l.strip().split("=")[1] for l in open(tmp + "/pids.all"))
    windows = []
    for spec in args[1:]:
        name, path = spec.split("=")
        windows.append((name, window(json.load(open(path + "-a.json")),
                                     json.load(open(path + "-b.json")), ours)))
    print("%-22s %3s %6s %6s %6s %9s %9s %8s %8s %8s %6s %6s" % (
        "process", "int", "VmRSS", "+RSS", "VmHWM", "CPU stat", "CPU exact", "1 vCPU",
        "per int", "BPF time", "BPF", "BPF"))
    print("%-22s %3s %6s %6s %6s %9s %9s %8s %8s %8s %6s %6s" % (
        "", "s", "MiB", "KiB", "MiB", "ms", "ms", "%", "ms", "% vCPU", "ns/run", "KiB"))
    res = {}
    for name, w in windows:
        print()
        print("%s: %.0f s, %s-%s; loadavg %s -> %s; host busy %.1f %% of one vCPU (of %d %%), "
              "%.1f %% beyond the processes measured here" % (
                  name, w["dt"], w["wall"][0], w["wall"][1], "/".join(w["load"][0]),
                  "/".join(w["load"][1]), w["busy_pct"], 100 * os.cpu_count(), w["others_pct"]))
        print("  busiest others alive all window: " + ", ".join("%s[%s] %.2f%%" % (c, p, d / w["dt"])
                                            for d, c, p in w["top"]))
        for label in ORDER:
            r = w["rows"].get(label)
            if r is None:
                continue
            if label.startswith("bt_all"):
                desc, iv = "bpftrace, all 3", int(label.split("_")[2][:-1])
            else:
                desc, iv = NAMES[label]
            per = "%8.3f" % (r["ns_ms"] / (w["dt"] / iv)) if iv else "%8s" % "-"
            nsrun = "%6.0f" % (r["bpf_ms"] * 1e6 / r["bpf_cnt"]) if r["bpf_cnt"] else "%6s" % "-"
            print("%-22s %3s %6.1f %6.0f %6.1f %9.0f %9.1f %8.4f %s %8.4f %s %6.0f" % (
                desc, iv or "-", r["rss"], (r["rss"] - r["rss0"]) * 1024, r["hwm"], r["tick_ms"],
                r["ns_ms"], r["ns_ms"] / w["dt"] / 10, per, r["bpf_ms"] / w["dt"] / 10, nsrun,
                r["kmem"]))
        res[name] = w
    return res, windows

def goals(args):
    tmp = args[0]
    res, windows = report(args[1:])
    ready = sorted(float(l.split()[1]) for l in open(tmp + "/startup.agent")
                   if l.startswith("ready"))
    med = statistics.median(ready)
    idle = [w for n, w in windows if n.startswith("idle")]
    best = min(idle, key=lambda w: w["others_pct"])
    ag = ("agent_1s", "agent_60s")
    hwm = max(max(w["rows"][k]["hwm"] for k in ag) for _, w in windows)
    rss = max(max(w["rows"][k]["rss"] for k in ag) for _, w in windows)
    cpu = best["rows"]["agent_60s"]["ns_ms"] / best["dt"] / 10
    print()
    print("Goals (issue 10), 16 MB = 15.26 MiB; agent at 1 s and 60 s with its metrics taken:")
    print("  RSS under 16 MB, steady (VmRSS, largest at a window's end): %.1f MiB: %s" % (
        rss, "met" if rss * 1.048576 < 16 else "NOT met"))
    print("  RSS under 16 MB, peak (VmHWM, since start): %.1f MiB: %s" % (
        hwm, "met" if hwm * 1.048576 < 16 else "NOT met"))
    print("  under 0.1 %% of one vCPU at 60 s on an idle host (window %s): %.4f %%: %s" % (
        best["wall"][0], cpu, "met" if cpu < 0.1 else "NOT met"))
    print("  ready under 1 s without IMDS delays: median %.1f ms: %s" % (
        med, "met" if med < 1000 else "NOT met"))

def startup_summary(path, what, name):
    v = sorted(float(l.split()[1]) for l in open(path) if l.startswith(what + " "))
    print("%-42s runs %3d  median %7.1f ms  min %7.1f  max %7.1f" % (
        name, len(v), statistics.median(v), v[0], v[-1]))

cmd, args = sys.argv[1], sys.argv[2:]
if cmd == "startup-agent":
    startup_agent(int(args[0]), args[1], args[2], args[3])
elif cmd == "startup-bpftrace":
    startup_bpftrace(int(args[0]), args[1])
elif cmd == "startup-tuned":
    startup_tuned(int(args[0]), args[1], args[2])
elif cmd == "hold-stats":
    hold_stats()
elif cmd == "snap":
    snap(args[0], args[1:])
elif cmd == "summary":
    startup_summary(args[0], args[1], args[2])
elif cmd == "others":
    w = window(json.load(open(args[1] + "-a.json")), json.load(open(args[1] + "-b.json")),
               set(l.strip().split("=")[1] for l in open(args[0] + "/pids.all")))
    print("%.0f" % w["others_pct"])
elif cmd == "report":
    goals(args)
EOF
res() { python3 "$tmp/res.py" "$@"; }

# A loopback EMF listener that takes everything and discards it (the part
# of the CloudWatch agent the daemon talks to).
cat >"$tmp/discard.py" <<'EOF'
import selectors, socket, sys
srv = socket.socket()
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(16)
open(sys.argv[1], "w").write("%d\n" % srv.getsockname()[1])
sel = selectors.DefaultSelector()
sel.register(srv, selectors.EVENT_READ)
while True:
    for key, _ in sel.select():
        if key.fileobj is srv:
            c, _ = srv.accept()
            sel.register(c, selectors.EVENT_READ)
        elif not key.fileobj.recv(65536):
            sel.unregister(key.fileobj)
            key.fileobj.close()
EOF
python3 "$tmp/discard.py" "$tmp/emf.port" &
bgpids+=($!)
echo "emf_listener=$!" >>"$tmp/pids.all"
for _ in $(seq 50); do [ -s "$tmp/emf.port" ] && break; sleep 0.1; done
emf_port=$(cat "$tmp/emf.port")
# A port nobody listens on: the "no CloudWatch agent" case.
dead_port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')

agent_conf() {	# agent_conf FILE INTERVAL PORT
	printf 'interval = %s\nmode = advise\nimds = off\nmetrics = on\nemf_endpoint = tcp://127.0.0.1:%s\n' \
		"$2" "$3" >"$1"
}
agent_conf "$tmp/agent_1s.conf" 1 "$emf_port"
agent_conf "$tmp/agent_60s.conf" 60 "$emf_port"
agent_conf "$tmp/agent_1s_nosink.conf" 1 "$dead_port"

# The bpftrace equivalents (bench/probes_overhead.sh's scripts), with BEGIN
# marking "every probe attached" and an interval probe that prints and
# clears the maps, as the agent reports every interval.
bt_script() {	# bt_script NAME INTERVAL
	local maps
	case $1 in
	sched) maps='@usecs @switches' ;;
	block) maps='@usecs @bytes' ;;
	tcp) maps='@retrans @synack @srtt_us @connect_us @rst_sent @rst_recv @drops' ;;
	esac
	{
		printf '%s\n' 'BEGIN { printf("ready\n"); }'
		cat "bench/peers/$1.bt"
		printf 'interval:s:%s {' "$2"
		for m in $maps; do printf ' print(%s); clear(%s);' "$m" "$m"; done
		echo ' }'
	} >"$tmp/$1_$2.bt"
}
for s in sched block tcp; do
	bt_script "$s" 1
	bt_script "$s" 60
done

# tuned: daemon mode, Debian's tuned-main.conf defaults except
# reapply_sysctl = 0 (it would rewrite the host's global sysctls from
# /etc/sysctl.d); a profile of per-namespace sysctls (bench/tune_apply.sh's);
# private /etc/tuned and /run/tuned in a private mount + network namespace.
mkdir -p "$tmp/etc-tuned/pa-bench"
printf '%s\n' 'daemon = 1' 'dynamic_tuning = 1' 'sleep_interval = 1' 'update_interval = 10' \
	'recommend_command = 1' 'reapply_sysctl = 0' 'default_instance_priority = 0' \
	'udev_buffer_size = 1MB' 'log_file_count = 2' 'log_file_max_size = 1MB' \
	>"$tmp/etc-tuned/tuned-main.conf"
cat >"$tmp/etc-tuned/pa-bench/tuned.conf" <<'EOF'
[main]
summary=perfagent bench: per-namespace net.* sysctls only
[sysctl]
net.core.somaxconn=8192
net.ipv4.tcp_slow_start_after_idle=0
net.ipv4.tcp_max_syn_backlog=8192
net.ipv4.tcp_notsent_lowat=131072
net.ipv4.tcp_rmem="4096 131072 16777216"
net.ipv4.tcp_wmem="4096 16384 16777216"
EOF
cat >"$tmp/tuned-inside.sh" <<EOF
set -eu
mount --bind "$tmp/etc-tuned" /etc/tuned
mount -t tmpfs tmpfs /run/tuned
exec tuned --no-dbus -l "\$1" --profile pa-bench
EOF

# ---- the machine ---------------------------------------------------------

echo "date: $(date -u '+%Y-%m-%d %H:%M:%S UTC')"
echo "machine: $(uname -r), $(nproc) vCPUs, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //'), $(awk '/MemTotal/ { printf "%.1f GiB", $2 / 1048576 }' /proc/meminfo)"
echo "$("$pa" version | head -1) (commit $(git rev-parse --short HEAD 2>/dev/null || echo ?), $(git status --porcelain 2>/dev/null | grep -c . || true) files changed in the tree), $(bpftrace --version), $(tuned --version 2>&1), $(perf --version), $(fio --version), $(iperf3 --version | head -1 | cut -d' ' -f1-2)"
echo "mode: $([ "$quick" = 1 ] && echo quick || echo full); start-up runs $RUNS; windows: idle ${IDLE_SECONDS}s, load ${LOAD_SECONDS}s"
echo "before: $(uptime)"
echo "busiest processes before (ps, CPU since their start):"
ps -eo pid,pcpu,etime,comm --sort=-pcpu | sed -n 2,6p | sed 's/^/  /'

# ---- 1. start-up to ready ------------------------------------------------

echo
echo "start-up to ready ($RUNS runs each):"
res startup-agent "$RUNS" "$pa" "$tmp/agent_60s.conf" "$tmp" >"$tmp/startup.agent"
res summary "$tmp/startup.agent" ready "perfagent: READY=1"
for s in sched block tcp; do
	res startup-bpftrace "$RUNS" "$tmp/${s}_60.bt" >"$tmp/startup.bt_$s"
	res summary "$tmp/startup.bt_$s" attaching "bpftrace $s: 'Attaching N probes'"
	res summary "$tmp/startup.bt_$s" ready "bpftrace $s: probes attached (BEGIN)"
done
res startup-tuned "$RUNS" "$tmp/tuned-inside.sh" "$tmp/tuned-startup.log" >"$tmp/startup.tuned"
res summary "$tmp/startup.tuned" ready "tuned: profile applied"

# ---- 2. side by side: idle, then under load ------------------------------

for c in agent_1s agent_60s agent_1s_nosink; do
	mkdir -p "$tmp/$c"
	"$pa" daemon --config "$tmp/$c.conf" --runtime-dir "$tmp/$c/run" \
		--state-dir "$tmp/$c/state" 2>"$tmp/$c.log" &
	pids+=("$c=$!")
done
for s in sched block tcp; do
	for iv in 1 60; do
		bpftrace "$tmp/${s}_$iv.bt" >"$tmp/bt_${s}_$iv.out" 2>&1 &
		pids+=("bt_${s}_${iv}s=$!")
	done
done
setsid unshare -m -n bash "$tmp/tuned-inside.sh" "$tmp/tuned.log" >/dev/null 2>&1 &
groups+=($!)
pids+=("tuned=$!")
printf '%s\n' "${pids[@]}" >>"$tmp/pids.all"

ready() {	# every measured process up
	local c
	for c in agent_1s agent_60s agent_1s_nosink; do
		"$pa" status --json --runtime-dir "$tmp/$c/run" 2>/dev/null |
			grep -Eq '"state": *"running"' || return 1
	done
	for s in sched block tcp; do
		for iv in 1 60; do grep -q '^ready' "$tmp/bt_${s}_$iv.out" || return 1; done
	done
	grep -qs "static tuning from profile" "$tmp/tuned.log"
}
for _ in $(seq 600); do ready && break; sleep 0.1; done
ready || { echo "not everything started:"; tail -n 3 "$tmp"/*.log "$tmp"/bt_*.out; exit 1; }

# BPF run-time statistics from here to the end of the load window.
python3 "$tmp/res.py" hold-stats >"$tmp/stats.out" &	# not through res(): $! must be python
stats_pid=$!
bgpids+=("$stats_pid")
for _ in $(seq 50); do grep -qs enabled "$tmp/stats.out" && break; sleep 0.1; done
grep -qs enabled "$tmp/stats.out" || { echo "cannot enable BPF statistics" >&2; exit 1; }
sleep "$SETTLE_SECONDS"

measure() {	# measure NAME SECONDS
	res snap "$tmp/snap-$1-a.json" "${pids[@]}"
	sleep "$2" &	# waited for, so that a signal ends the script at once
	sleep_pid=$!
	wait "$sleep_pid"
	sleep_pid=''
	res snap "$tmp/snap-$1-b.json" "${pids[@]}"
	# What the agent with nothing listening holds, for RSS per document.
	nosink=$(printf '%s\n' "${pids[@]}" | sed -n 's/^agent_1s_nosink=//p')
	echo "$1: $("$pa" status --json --runtime-dir "$tmp/agent_1s_nosink/run" |
		python3 -c 'import json, sys; print(json.load(sys.stdin)["sink"]["queued"])') documents spooled, $(grep VmRSS "/proc/$nosink/status" | tr -s '\t ' ' ')" >>"$tmp/spooled"
	for p in "${pids[@]}"; do
		kill -0 "${p#*=}" 2>/dev/null || { echo "${p%=*} died during $1" >&2; exit 1; }
	done
}

# Other people's work on this machine: wait (up to QUIET_WAIT s) for 10 s in
# which the host does little beyond the processes measured here.
waited=0
while [ "$waited" -lt "$QUIET_WAIT" ]; do
	measure quiet 10
	others=$(res others "$tmp" "$tmp/snap-quiet")
	[ "$others" -gt "$OTHERS_MAX_PCT" ] || break
	waited=$((waited + 10))
done
[ "$waited" -eq 0 ] || echo "waited ${waited}s for a quieter host before the idle window"
windows=(idle="$tmp/snap-idle")
measure idle "$IDLE_SECONDS"
others=$(res others "$tmp" "$tmp/snap-idle")
if [ "$others" -gt "$OTHERS_MAX_PCT" ] && [ "$quick" = 0 ]; then
	echo
	echo "idle window: the host was ${others} % of one vCPU busy beyond the processes measured; measuring it again"
	measure idle2 "$IDLE_SECONDS"
	windows+=(idle2="$tmp/snap-idle2")
fi

# The workload, every part in its own process group, ended after the window.
size=256M
truncate -s "$size" "$shm/disk.img"
loop=$(losetup -f --show "$shm/disk.img")
lim=$((LOAD_SECONDS + 60))
setsid timeout "$lim" fio --name=resources --filename="$loop" --direct=1 --rw=randrw \
	--bs=4k --ioengine=psync --numjobs=1 --time_based --runtime="$lim" \
	--output=/dev/null >/dev/null 2>&1 &
groups+=($!)
setsid timeout "$lim" perf bench sched pipe -l 2000000000 >/dev/null 2>&1 &
groups+=($!)
setsid timeout "$lim" unshare -n bash -c "ip link set lo up && { iperf3 -s -1 >/dev/null & sleep 0.5; iperf3 -c 127.0.0.1 -t $lim >/dev/null; }" \
	>/dev/null 2>&1 &
groups+=($!)
sleep 5
measure load "$LOAD_SECONDS"
windows+=(load="$tmp/snap-load")
for g in "${groups[@]:1}"; do kill -TERM -- "-$g" 2>/dev/null || true; done
kill "$stats_pid"

echo
echo "Side by side; CPU over the window: 'stat' = utime+stime of /proc/PID/stat"
echo "(10 ms ticks), 'exact' = the threads' schedstat run time; '1 vCPU %' and"
echo "'per int' (CPU ms per collection interval) from 'exact'. None of them"
echo "includes the BPF programs' run time: that is charged to the tasks that hit"
echo "the tracepoints; 'BPF time' is the programs' own run time (bpf_stats, which"
echo "adds its own two clock reads per run). 'BPF kmem': memlock of the maps and"
echo "programs the process holds, kernel memory not counted in VmRSS."
echo "Load: fio 4 KiB randrw O_DIRECT on a loop device over /dev/shm, iperf3 over"
echo "loopback in a private netns, perf bench sched pipe, all at once, unpinned."
echo
res report "$tmp" "$tmp" "${windows[@]}"
echo
echo "perfagent at 1 s with no listener (no CloudWatch agent), end of each window:"
grep -v '^quiet' "$tmp/spooled" | sed 's/^/  /'
echo
echo "after: $(uptime)"
for c in agent_1s agent_60s agent_1s_nosink; do
	grep -E 'warn|error' "$tmp/$c.log" | sort | uniq -c | sort -rn | head -3 | sed "s/^/  $c log: /"
done
