#!/bin/bash
# Packer provisioner 3 of 3 (clean up for imaging): the last step before the
# build instance is stopped and imaged. Every instance of the AMI must start
# as a new machine, and perfagent as on a new install:
#
#   - perfagent.service stopped (it stays enabled), then its state removed:
#     /var/lib/perfagent/* (identity.json, the build instance's cached
#     identity; journal.json, the tuning journal; credits.json;
#     emf-spool.jsonl.gz (emf-spool.jsonl before 0.2), the metrics spool the daemon saves when it stops; the
#     lock). Stopping first matters: the daemon writes some of them at stop.
#     The configuration (/etc/perfagent) is the image's and stays;
#   - /etc/machine-id emptied (systemd makes a new one at first boot),
#     /var/lib/dbus/machine-id removed unless a symlink to it;
#   - SSH host keys, and the authorized_keys of root and of every user (the
#     build's temporary key): cloud-init installs the launch key pair;
#   - cloud-init's state and logs (all of /var/lib/cloud but seed/), so it
#     runs again, per instance, on the new instance;
#   - logs: the systemd journal, rotated logs removed, the others truncated;
#   - the systemd random seed, shell history, package caches, the uploaded
#     package (/tmp/perfagent-bake).
#
# Run as root; idempotent. What it removes is printed.
set -euo pipefail

unit=perfagent.service
state=/var/lib/perfagent

say() { echo "cleanup: $*"; }
die() {
	echo "cleanup: error: $*" >&2
	exit 1
}
# remove PATH...: removes each PATH that exists, saying so.
remove() {
	local p
	for p in "$@"; do
		if [ -e "$p" ] || [ -L "$p" ]; then
			rm -rf -- "$p"
			say "removed $p"
		fi
	done
}

[ "$(id -u)" -eq 0 ] || die "run as root (Packer's execute_command uses sudo)"
shopt -s nullglob dotglob

# ---- perfagent: stop, then forget this instance
if systemctl is-active --quiet "$unit"; then
	systemctl stop "$unit"
	say "stopped $unit"
fi
systemctl is-active --quiet "$unit" && die "$unit is still running"
say "$unit is $(systemctl is-enabled "$unit" 2>&1) (kept) and stopped"
remove "$state"/*

# ---- machine identity
if [ -s /etc/machine-id ]; then
	: >/etc/machine-id
	say "emptied /etc/machine-id"
fi
[ -L /var/lib/dbus/machine-id ] || remove /var/lib/dbus/machine-id
remove /var/lib/systemd/random-seed

# ---- SSH
remove /etc/ssh/ssh_host_*key /etc/ssh/ssh_host_*key.pub /etc/ssh/ssh_host_*key-cert.pub
remove /root/.ssh/authorized_keys /home/*/.ssh/authorized_keys

# ---- cloud-init: state and logs; seed/ is configuration, not state
if command -v cloud-init >/dev/null 2>&1; then
	cloud-init clean --logs
	say "cloud-init clean --logs"
fi
if [ -d /var/lib/cloud ]; then
	for p in /var/lib/cloud/*; do
		[ "$(basename "$p")" = seed ] || remove "$p"
	done
fi
remove /var/log/cloud-init.log /var/log/cloud-init-output.log

# ---- logs
if [ -d /run/systemd/system ] && command -v journalctl >/dev/null 2>&1; then
	journalctl --rotate >/dev/null 2>&1 || true
	journalctl --vacuum-time=1s >/dev/null 2>&1 || true
fi
# The journal's files live in a directory named after the machine id.
remove /var/log/journal/*/
# Rotated logs go; live ones are emptied in place, keeping owner and mode.
remove /var/log/*.[0-9] /var/log/*.gz /var/log/*.old /var/log/*/*.[0-9] /var/log/*/*.gz /var/log/*/*.old
truncated=0
while IFS= read -r -d '' f; do
	: >"$f"
	truncated=$((truncated + 1))
done < <(find /var/log -type f -size +0 -print0)
say "truncated $truncated log files under /var/log"

# ---- the build's leftovers
remove /root/.bash_history /home/*/.bash_history /root/.lesshst /root/.viminfo
remove /tmp/perfagent-bake
if command -v dnf >/dev/null 2>&1; then
	dnf clean all >/dev/null
	say "dnf clean all"
fi
if command -v apt-get >/dev/null 2>&1; then
	apt-get clean
	say "apt-get clean"
fi
sync
say "done: the image is ready to capture"
