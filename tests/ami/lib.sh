# shellcheck shell=bash
# Shared by tests/ami/rehearse.sh: sourced. The counting helpers (ok, bad,
# check, summary) come from tests/packaging/lib.sh; these make and enter the
# debootstrap roots the AMI rehearsal runs the provisioning and user-data
# scripts in. A root is used the way tests/packaging/chroot_test.sh uses its
# own: nothing of the host bind-mounted, only a fresh procfs, a policy-rc.d
# that refuses to start services.

AMI_TESTS_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
AMI_TOP=$(cd "$AMI_TESTS_DIR/../.." && pwd)
# Inside every root: the fake /proc and /sys perfagent reads and tunes.
FAKE_HOST=/rehearsal/host

skip() {
	echo "SKIPPED: $*"
	exit 77
}

# debian_mirror CODENAME: the first apt source of the host that serves
# CODENAME, as apt itself lists it.
debian_mirror() {
	# shellcheck disable=SC2016 # $(FIELD) is apt's format syntax, not the shell's
	apt-get indextargets --format '$(CODENAME) $(REPO_URI)' 'Created-By: Packages' 2>/dev/null |
		awk -v c="$1" '$1 == c { print $2; exit }'
}

# make_pristine DIR CODENAME MIRROR: a minimal root (minbase; systemd for
# systemctl, procps for the unit's /bin/kill, python3 for validate.sh's JSON
# reading, as on Amazon Linux 2023 and Ubuntu). Exit 77 when the mirror
# cannot be downloaded from.
make_pristine() {
	local dir=$1 codename=$2 mirror=$3 log
	log=$(mktemp /tmp/perfagent-debootstrap.XXXXXX)
	if ! debootstrap --variant=minbase --include=systemd,procps,python3 \
		"$codename" "$dir" "$mirror" >"$log" 2>&1; then
		tail -20 "$log"
		if grep -Eq "Failed getting release file|Couldn't download|Temporary failure resolving|Connection timed out|Failed to fetch" "$log"; then
			rm -f "$log"
			skip "debootstrap could not download from $mirror"
		fi
		rm -f "$log"
		return 1
	fi
	rm -f "$log"
}

# prepare_root PRISTINE ROOT: a fresh copy of PRISTINE at ROOT with the
# rehearsal's stand-ins: policy-rc.d, the host's resolv.conf (apt), a procfs,
# the systemctl stand-in (tests/ami/systemctl-shim.sh) and its environment.
prepare_root() {
	local pristine=$1 root=$2
	cp -a "$pristine" "$root"
	printf '#!/bin/sh\n# AMI rehearsal: invoke-rc.d never starts a service here.\nexit 101\n' \
		>"$root/usr/sbin/policy-rc.d"
	chmod 0755 "$root/usr/sbin/policy-rc.d"
	cp /etc/resolv.conf "$root/etc/resolv.conf"
	mount -t proc proc "$root/proc"
	install -m 0755 "$AMI_TESTS_DIR/systemctl-shim.sh" "$root/usr/local/sbin/systemctl"
	printf '%s\n' "PERFAGENT_SYSROOT=$FAKE_HOST" AWS_EC2_METADATA_DISABLED=true \
		>"$root/etc/systemctl-shim.env"
}

# fake_host ROOT TYPE ID: (re)makes the fake /proc and /sys in ROOT, as a
# boot finds them: a Nitro instance of TYPE with instance id ID, the tuning
# engine's knobs at their boot values (tests/system/tune_tree.sh and
# fakeroot.sh), a boot id of its own.
fake_host() {
	local root=$1 type=$2 id=$3 dir=$1$FAKE_HOST
	rm -rf "$dir"
	mkdir -p "$dir"
	bash "$AMI_TOP/tests/system/tune_tree.sh" "$dir" >/dev/null
	bash "$AMI_TOP/tests/system/fakeroot.sh" "$dir" --dmi nitro --type "$type" --id "$id" >/dev/null
	cat /proc/sys/kernel/random/uuid >"$dir/proc/sys/kernel/random/boot_id"
	echo "$type $id" >"$root/rehearsal/instance"
}

# in_root ROOT CMD...: CMD in ROOT with a clean environment: the fake host
# for perfagent, no metadata service.
in_root() {
	local root=$1
	shift
	chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive HOME=/root \
		PERFAGENT_SYSROOT=$FAKE_HOST AWS_EC2_METADATA_DISABLED=true "$@"
}

# offline ROOT CMD...: in_root in a new network namespace: no address at all
# can be reached (the steps after the package install need none).
offline() {
	local root=$1
	shift
	unshare -n chroot "$root" env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
		LC_ALL=C.UTF-8 DEBIAN_FRONTEND=noninteractive HOME=/root \
		PERFAGENT_SYSROOT=$FAKE_HOST AWS_EC2_METADATA_DISABLED=true "$@"
}

# reboot_root ROOT: what a reboot does to the rehearsal's machine: the
# service stops, /run empties, the knobs are back at their boot values with a
# new boot id; then perfagent.service starts if it is enabled in
# multi-user.target, as systemd would.
reboot_root() {
	local root=$1 type id
	in_root "$root" systemctl stop perfagent.service
	find "$root/run" -mindepth 1 -maxdepth 1 ! -name systemctl-shim -exec rm -rf {} +
	read -r type id <"$root/rehearsal/instance"
	fake_host "$root" "$type" "$id"
	if [ -L "$root/etc/systemd/system/multi-user.target.wants/perfagent.service" ]; then
		in_root "$root" systemctl start perfagent.service
	fi
}

# daemon_pid ROOT: the pid of the stand-in's perfagent daemon, if running.
daemon_pid() {
	local pid
	pid=$(cat "$1/run/systemctl-shim/perfagent.pid" 2>/dev/null) || return 1
	kill -0 "$pid" 2>/dev/null && echo "$pid"
}

# running_in ROOT: the stand-in's perfagent daemon runs in ROOT.
running_in() {
	daemon_pid "$1" >/dev/null
}

# release_root ROOT: stops its daemon, unmounts its procfs, deletes it
# (never through a mount left behind).
release_root() {
	local root=$1 pid
	[ -d "$root" ] || return 0
	if pid=$(daemon_pid "$root"); then
		kill -TERM "$pid" 2>/dev/null
		sleep 0.5
		kill -KILL "$pid" 2>/dev/null
	fi
	if mountpoint -q "$root/proc" 2>/dev/null; then umount "$root/proc" || umount -l "$root/proc"; fi
	if ! grep -q " $root/" /proc/mounts; then rm -rf "$root"; fi
}

# status_json ROOT EXPR: EXPR over `perfagent status --json` (j) in ROOT.
status_json() {
	offline "$1" perfagent status --json 2>/dev/null |
		python3 -c 'import json, sys; j = json.load(sys.stdin); print(eval(sys.argv[1]))' "$2" 2>/dev/null
}
