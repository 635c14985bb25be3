#!/usr/bin/env bash
# Efficacy of the accept-queue rule (issue 19), on this kernel, in a network
# namespace: a client sends a burst of 1000 connects every second, a server
# accepts up to 1500 a second. On average it keeps up, but each burst needs
# a queue of about 1000: with somaxconn 128 (the default before 5.4) the
# accept queue overflows and those connects wait for a SYN retransmission.
# The daemon's rule doubles somaxconn on that evidence. Per 5 s window it
# prints ListenOverflows, connects sent, connects not established within
# 0.9 s, and somaxconn. The daemon starts 10 s in.
#
#   bench/adaptive_accept.sh relisten   # the server calls listen() again every
#                                       # second, as servers that follow the
#                                       # sysctl do: the step helps, it settles
#   bench/adaptive_accept.sh fixed      # the server never re-listens: the step
#                                       # cannot help it; once stepped, its
#                                       # queue is below somaxconn, no longer
#                                       # evidence, and the rule settles
#
# As root, after make. The host is untouched: all of it is in the namespace.
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
mode=${1:-relisten}
case $mode in relisten | fixed) ;; *) echo "usage: $0 relisten|fixed" >&2; exit 2 ;; esac
PERFAGENT=${PERFAGENT:-$PWD/build/perfagent}
SECONDS_RUN=${SECONDS_RUN:-90}
tmp=$(mktemp -d /tmp/perfagent-adapt-bench.XXXXXX)
chmod 0755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
mkdir -p "$tmp/profiles"
# The shipped rule (tuning-profiles/base.conf) with a 10 s cooldown, so that
# a run takes a minute and a half, not half an hour.
cat >"$tmp/profiles/bench.conf" <<'EOF'
[profile]
summary = accept-queue bench
kind = class

[adapt.accept-queue]
knob = net.core.somaxconn
when = TcpListenDropsAtSomaxconn > 0 over 2
step = double
floor = 128
cap = 65535
cooldown = 10
guard = RunqLatencyP99
judge = guards
EOF

unshare -n bash -s -- "$PERFAGENT" "$tmp" "$mode" "$SECONDS_RUN" <<'EOF'
set -eu
perfagent=$1 tmp=$2 mode=$3 run_s=$4
ip link set lo up
echo 128 >/proc/sys/net/core/somaxconn
printf 'interval = 1\nimds = off\nmetrics = off\nmode = apply\nprofile = bench\n' >"$tmp/conf"
# The daemon starts 10 s into the run: the first two windows are "before".
(sleep 10 && exec "$perfagent" daemon --config "$tmp/conf" --root "" --runtime-dir "$tmp/run" \
	--state-dir "$tmp/state" 2>"$tmp/daemon.log") &
daemon=$!
python3 - "$mode" "$run_s" <<'PY'
import select, socket, sys, threading, time
mode, run_s = sys.argv[1], int(sys.argv[2])
srv = socket.socket(); srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0)); srv.listen(65535)
port = srv.getsockname()[1]
stop = time.time() + run_s
counts = {"accepted": 0, "late": 0, "sent": 0}

def server():
    last = time.time()
    srv.settimeout(0.01)
    while time.time() < stop:
        t = time.time()
        for _ in range(150):            # at most 1500 accepts a second
            try:
                c, _ = srv.accept(); c.close(); counts["accepted"] += 1
            except OSError:
                break
        if mode == "relisten" and t - last >= 1:
            srv.listen(65535)           # takes the current somaxconn
            last = t
        time.sleep(max(0, 0.1 - (time.time() - t)))

def client():
    while time.time() < stop:
        t = time.time()
        socks = []
        for _ in range(1000):           # a burst of 1000 connects each second
            c = socket.socket(); c.setblocking(False)
            try:
                c.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            socks.append(c)
        counts["sent"] += len(socks)
        time.sleep(max(0, 0.9 - (time.time() - t)))
        _, done, _ = select.select([], socks, [], 0)
        counts["late"] += len(socks) - len(done)    # not connected within 0.9 s
        for c in socks:
            c.close()
        time.sleep(max(0, 1 - (time.time() - t)))

def overflows():
    lines = open("/proc/net/netstat").read().split("\n")
    for names, values in zip(lines[0::2], lines[1::2]):
        if names.startswith("TcpExt:"):
            return int(dict(zip(names.split(), values.split()))["ListenOverflows"])

threading.Thread(target=server, daemon=True).start()
threading.Thread(target=client, daemon=True).start()
print("window  overflows/s  connects/s  not connected in 0.9 s  somaxconn")
prev, prev_c, t0 = overflows(), dict(counts), time.time()
while time.time() < stop:
    time.sleep(5)
    o, c = overflows(), dict(counts)
    print("%4d s  %11.1f  %10.0f  %22d  %s" % (time.time() - t0, (o - prev) / 5,
          (c["sent"] - prev_c["sent"]) / 5, c["late"] - prev_c["late"],
          open("/proc/sys/net/core/somaxconn").read().strip()))
    prev, prev_c = o, c
PY
kill "$daemon"; wait "$daemon" || true
echo "-- the daemon's adaptive log lines:"
grep "adaptive" "$tmp/daemon.log" || echo "(none)"
EOF
