#!/bin/bash
# A stand-in for systemd in the AMI rehearsal's chroot, installed there as
# /usr/local/sbin/systemctl (ahead of the real one in PATH). No systemd runs
# in a chroot, so the real systemctl can enable units but not start them;
# this starts perfagent.service the way its unit says, near enough:
#
#   - the unit's ExecStart, as root, with a clean environment plus the
#     rehearsal's (/etc/systemctl-shim.env: PERFAGENT_SYSROOT, the fake
#     /proc and /sys; AWS_EC2_METADATA_DISABLED=true), STATE_DIRECTORY and
#     RUNTIME_DIRECTORY made as StateDirectory= and RuntimeDirectory= would;
#   - in a private network namespace (unshare -n): the daemon can reach no
#     address at all, not even a metadata service;
#   - Type=notify: start returns once `perfagent status` answers (unless
#     --no-block), or fails with the daemon's log;
#   - stop: SIGTERM, wait for the exit, remove the runtime directory;
#   - reload: the unit's ExecReload, whose exit status is the reload's.
#
# Not emulated: the unit's sandboxing and capability bounding, READY=1 itself,
# Restart=, boot ordering. enable, disable, is-enabled and the rest go to the
# real systemctl, which handles them offline in a chroot.
set -u

unit=perfagent.service
shim=/run/systemctl-shim
pidfile=$shim/perfagent.pid
log=$shim/perfagent.log
env_file=/etc/systemctl-shim.env
real=
for c in /usr/bin/systemctl /bin/systemctl; do
	[ -x "$c" ] && real=$c && break
done

quiet=0 block=1 now=0 verb="" units=()
for a in "$@"; do
	case $a in
	-q | --quiet) quiet=1 ;;
	--no-block) block=0 ;;
	--now) now=1 ;;
	--system | --no-pager | --no-ask-password) ;;
	-*) ;;
	*) if [ -z "$verb" ]; then verb=$a; else units+=("$a"); fi ;;
	esac
done

say() { [ "$quiet" = 1 ] || echo "$*"; }

running() {
	local pid
	pid=$(cat "$pidfile" 2>/dev/null) || return 1
	[ -n "$pid" ] && kill -0 "$pid" 2>/dev/null
}

# unit_command KEY: the unit's last KEY= command line (ExecStart, ExecReload).
unit_command() {
	local unitfile
	for unitfile in /lib/systemd/system/$unit /usr/lib/systemd/system/$unit ""; do
		[ -e "$unitfile" ] && break
	done
	[ -n "$unitfile" ] || {
		echo "systemctl (rehearsal stand-in): Unit $unit not found." >&2
		return 5
	}
	sed -n "s/^$1=//p" "$unitfile" | tail -1
}

start() {
	running && return 0
	local exec pid
	exec=$(unit_command ExecStart) || return $?
	mkdir -p "$shim" /var/lib/perfagent
	install -d -m 0755 /run/perfagent
	local envs=()
	if [ -r "$env_file" ]; then
		mapfile -t envs < <(grep -E '^[A-Z_][A-Z0-9_]*=' "$env_file")
	fi
	echo "== $(date -u +%FT%TZ) start: $exec" >>"$log"
	# shellcheck disable=SC2086 # ExecStart is split into words, as systemd does
	setsid env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 "${envs[@]}" \
		STATE_DIRECTORY=/var/lib/perfagent RUNTIME_DIRECTORY=/run/perfagent \
		unshare -n $exec >>"$log" 2>&1 </dev/null &
	pid=$!
	echo "$pid" >"$pidfile"
	[ "$block" = 1 ] || return 0
	for _ in $(seq 300); do
		if ! kill -0 "$pid" 2>/dev/null; then
			echo "systemctl (rehearsal stand-in): $unit exited at start; its log:" >&2
			tail -20 "$log" >&2
			return 1
		fi
		perfagent status >/dev/null 2>&1 && return 0
		sleep 0.1
	done
	echo "systemctl (rehearsal stand-in): $unit did not answer within 30 s" >&2
	return 1
}

stop() {
	local pid
	if running; then
		pid=$(cat "$pidfile")
		kill -TERM "$pid"
		for _ in $(seq 100); do
			kill -0 "$pid" 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 "$pid" 2>/dev/null; then
			echo "systemctl (rehearsal stand-in): $unit did not stop; killed" >&2
			kill -KILL "$pid"
		fi
		echo "== $(date -u +%FT%TZ) stopped" >>"$log"
	fi
	rm -f "$pidfile"
	rm -rf /run/perfagent
}

ours() {
	[ "${#units[@]}" -eq 1 ] && { [ "${units[0]}" = "$unit" ] || [ "${units[0]}" = perfagent ]; }
}

case $verb in
start | stop | restart | reload | try-restart | reload-or-restart | is-active)
	ours || {
		echo "systemctl (rehearsal stand-in): only $unit can $verb here" >&2
		exit 1
	}
	;;
esac

case $verb in
start) start ;;
stop) stop ;;
restart | reload-or-restart)
	stop
	start
	;;
try-restart)
	if running; then
		stop
		start
	fi
	;;
reload)
	running || exit 1
	# The unit's ExecReload (perfagent reload): its exit status is the reload's.
	cmd=$(unit_command ExecReload) || exit $?
	# shellcheck disable=SC2086 # split into words, as systemd does
	env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 RUNTIME_DIRECTORY=/run/perfagent $cmd
	;;
is-active)
	if running; then
		say active
	else
		say inactive
		exit 3
	fi
	;;
daemon-reload) ;;
enable | disable)
	args=("$verb")
	[ "$quiet" = 1 ] && args+=(--quiet)
	"$real" "${args[@]}" "${units[@]}" || exit
	if [ "$now" = 1 ] && ours; then
		if [ "$verb" = enable ]; then start; else stop; fi
	fi
	;;
*) exec "$real" "$@" ;;
esac
