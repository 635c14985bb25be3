#!/usr/bin/env bash
# Soak (issue 15): the daemon for a long run under churn, to show that
# nothing it holds grows once it has warmed up.
#
#   bench/soak.sh [MINUTES]      # as root, after make; default 60
#
# The daemon collects every second (mode = advise, imds = off, its own
# runtime and state directories: the host is never tuned) and ships to a
# stand-in CloudWatch agent (tests/system/emf_checker.py) that flaps: up
# 25 s, then stopped with SIGTERM, away 5 s. Every 10 s the daemon is told
# to reload (`perfagent reload`: the configuration is read again). Once a minute it records, from
# /proc/PID: VmRSS, VmHWM, open file descriptors, of them BPF programs, maps
# and links (fdinfo), and threads; and from the stand-ins' logs the
# documents read. Growth is the last minute against minute WARMUP (5).
set -eu
cd "$(dirname "$0")/.."
[ "$(id -u)" = 0 ] || { echo "run as root" >&2; exit 1; }
PERFAGENT=${PERFAGENT:-$PWD/build/perfagent}
[ -x "$PERFAGENT" ] || { echo "$PERFAGENT is missing: run make first" >&2; exit 1; }
minutes=${1:-60}
WARMUP=${WARMUP:-5}
tmp=$(mktemp -d /tmp/perfagent-soak.XXXXXX)
agent_pid='' daemon_pid='' cw_pid=''
cleanup() {
	for p in $cw_pid $agent_pid $daemon_pid; do kill "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	rm -rf "$tmp"
}
trap cleanup EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
printf 'interval = 1\nimds = off\nmode = advise\nemf_endpoint = tcp://127.0.0.1:%s\n' "$port" >"$tmp/conf"

# The flapping stand-in, in the background: agent n writes to $tmp/cwN.
(
	n=0
	trap 'kill "$pid" 2>/dev/null; exit 0' TERM
	while :; do
		python3 tests/system/emf_checker.py serve --port "$port" --out "$tmp/cw$n" \
			>/dev/null 2>&1 &
		pid=$!
		sleep 25
		kill -TERM "$pid"
		wait "$pid" || true
		n=$((n + 1))
		sleep 5
	done
) &
cw_pid=$!

"$PERFAGENT" daemon --config "$tmp/conf" --runtime-dir "$tmp/run" --state-dir "$tmp/state" \
	--profile-dir "$PWD/tuning-profiles" 2>"$tmp/daemon.log" &
daemon_pid=$!
for _ in $(seq 100); do
	"$PERFAGENT" status --runtime-dir "$tmp/run" >/dev/null 2>&1 && break
	sleep 0.1
done

# fd_kinds PID: "progs maps links" among the fds PID holds.
fd_kinds() {
	local progs=0 maps=0 links=0 t
	for f in /proc/"$1"/fd/*; do
		t=$(readlink "$f" 2>/dev/null) || continue
		case $t in
		*bpf-prog*) progs=$((progs + 1)) ;;
		*bpf-map*) maps=$((maps + 1)) ;;
		*bpf_link* | *bpf-link*) links=$((links + 1)) ;;
		esac
	done
	echo "$progs $maps $links"
}
kib() { awk -v k="$2:" '$1 == k { print $2 }' "/proc/$1/status"; }

reloads=0 failed_reloads=0
printf '%-6s %9s %9s %5s %6s %5s %6s %8s %8s %9s %9s\n' minute rss_kib hwm_kib fds progs maps links threads docs \
	anon_kib file_kib \
	| tee "$tmp/table"
for m in $(seq 1 "$minutes"); do
	for _ in 1 2 3 4 5 6; do
		sleep 10
		kill -0 "$daemon_pid" 2>/dev/null || { echo "the daemon died: $(tail -5 "$tmp/daemon.log")" >&2; exit 1; }
		if "$PERFAGENT" reload --runtime-dir "$tmp/run" >/dev/null 2>&1; then
			reloads=$((reloads + 1))
		else
			failed_reloads=$((failed_reloads + 1))
		fi
	done
	docs=$(cat "$tmp"/cw*/docs.jsonl 2>/dev/null | wc -l)
	read -r progs maps links <<<"$(fd_kinds "$daemon_pid")"
	printf '%-6s %9s %9s %5s %6s %5s %6s %8s %8s %9s %9s\n' "$m" "$(kib "$daemon_pid" VmRSS)" \
		"$(kib "$daemon_pid" VmHWM)" "$(find /proc/"$daemon_pid"/fd -mindepth 1 | wc -l)" \
		"$progs" "$maps" "$links" "$(kib "$daemon_pid" Threads)" "$docs" \
		"$(kib "$daemon_pid" RssAnon)" "$(kib "$daemon_pid" RssFile)" | tee -a "$tmp/table"
done
kill -TERM "$daemon_pid"
wait "$daemon_pid" || { echo "the daemon exited $? on SIGTERM" >&2; exit 1; }
daemon_pid=''
echo "reloads: $reloads answered, $failed_reloads refused or unanswered"
echo "stand-in agents: $(find "$tmp" -maxdepth 1 -name "cw*" | wc -l), connections they closed: $(cat "$tmp"/cw*/events.log | grep -c 'stop ')"
awk -v w="$WARMUP" 'NR == 1 { next }
	$1 == w { for (i = 2; i <= 11; i++) base[i] = $i }
	{ for (i = 2; i <= 11; i++) last[i] = $i; lastm = $1 }
	END {
		if (!(2 in base)) { print "shorter than the warm-up: no growth figure"; exit }
		printf "growth from minute %d to minute %d: rss %+d KiB (anonymous %+d, file-backed %+d), hwm %+d KiB, fds %+d, progs %+d, maps %+d, links %+d, threads %+d\n",
			w, lastm, last[2] - base[2], last[10] - base[10], last[11] - base[11],
			last[3] - base[3], last[4] - base[4], last[5] - base[5],
			last[6] - base[6], last[7] - base[7], last[8] - base[8]
	}' "$tmp/table"
