#!/usr/bin/env bash
# Installs the .deb into a fresh Debian root made with debootstrap, then
# upgrades, removes and purges it, checking what stays and what goes; then
# the same with the .rpm (installed with the host's rpm --root into the
# same root, under a Fedora-like "disable *" preset policy). Both must
# enable the service at install, never start it, restart a running one on
# upgrade (try-restart) and stop it on removal.
#
# The root is a minimal system of the host's own release (minbase, plus
# systemd for systemd-analyze and procps for /bin/kill) from the mirror the
# host's apt uses, under /tmp; it is deleted at the end. Nothing of the host
# is bind-mounted: only a fresh procfs is mounted in it, and unmounted. The
# maintainer scripts are made to believe systemd runs (/run/systemd/system)
# and the root's systemctl is a recorder: it logs every call and starts or
# stops nothing; enable, disable and preset, which only edit links, it
# passes to the real systemctl, offline (--root=/: no manager runs here).
#
# Usage: chroot_test.sh DEB [RPM]   (as root; about 2-4 minutes, mostly debootstrap)
# Exit 77 when the Debian mirror cannot be reached or this is not a
# Debian/Ubuntu host. PERFAGENT_DEBIAN_MIRROR overrides the mirror.
set -u
# shellcheck source=tests/packaging/lib.sh
. "$(dirname "$0")/lib.sh"

deb=${1:?usage: chroot_test.sh DEB [RPM]}
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
rpmf=${2:-}
[ -z "$rpmf" ] || rpmf=$(cd "$(dirname "$rpmf")" && pwd)/$(basename "$rpmf")

skip() {
	echo "SKIPPED: $*"
	exit 77
}

[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, chroot)"
command -v debootstrap >/dev/null 2>&1 || skip "debootstrap not installed (packaging/build-deps.sh test installs it)"
[ -r /etc/os-release ] && . /etc/os-release
codename=${VERSION_CODENAME:-}
if [ -z "$codename" ] || ! command -v dpkg >/dev/null 2>&1; then
	skip "not a Debian or Ubuntu host"
fi

# The first apt source that serves the host's release: one-line .list
# entries ("deb URL SUITE ...") or deb822 .sources stanzas.
host_mirror() {
	local f
	for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
		[ -r "$f" ] || continue
		awk -v s="$codename" '$1 == "deb" { i = 2; if ($2 ~ /^\[/) { while ($i !~ /\]$/) i++; i++ }
			if ($(i + 1) == s) { print $i; exit } }' "$f"
	done
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk -v s="$codename" 'BEGIN { RS = ""; FS = "\n" }
			{ uri = ""; ok = 0
			  for (i = 1; i <= NF; i++) {
				if ($i ~ /^URIs:/) { split($i, a, " "); uri = a[2] }
				if ($i ~ /^Suites:/) { n = split($i, a, " "); for (j = 2; j <= n; j++) if (a[j] == s) ok = 1 }
			  }
			  if (ok && uri != "") { print uri; exit } }' "$f"
	done
}
mirror=${PERFAGENT_DEBIAN_MIRROR:-$(host_mirror | head -1)}
[ -n "$mirror" ] || skip "no apt source for $codename in /etc/apt; set PERFAGENT_DEBIAN_MIRROR"
mirror=${mirror%/}
if ! wget -q -T 15 -t 2 -O /dev/null "$mirror/dists/$codename/Release"; then
	skip "cannot reach the Debian mirror $mirror (fetching dists/$codename/Release failed); the install test needs it"
fi

root=$(mktemp -d /tmp/perfagent-chroot.XXXXXX)
log=$root.log
cleanup() {
	if mountpoint -q "$root/proc" 2>/dev/null; then umount "$root/proc" || umount -l "$root/proc"; fi
	# Never delete through a mount left behind.
	if ! grep -q " $root/" /proc/mounts; then rm -rf "$root"; fi
	rm -f "$log"
}
trap cleanup EXIT

# has TEXT REGEX: TEXT has a line matching REGEX.
has() {
	printf '%s\n' "$1" | grep -Eq "$2"
}

# status_is STATUS: dpkg's status of perfagent in the root.
status_is() {
	[ "$(chroot "$root" dpkg-query -W -f='${Status}' perfagent 2>/dev/null)" = "$1" ]
}

in_root() {
	chroot "$root" env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LC_ALL=C.UTF-8 \
		DEBIAN_FRONTEND=noninteractive "$@"
}

echo "== debootstrap --variant=minbase $codename from $mirror"
start=$SECONDS
if ! debootstrap --variant=minbase --include=systemd,procps "$codename" "$root" "$mirror" >"$log" 2>&1; then
	tail -20 "$log"
	if grep -Eq "Failed getting release file|Couldn't download|Temporary failure resolving|Connection timed out|Failed to fetch" "$log"; then
		skip "debootstrap could not download from $mirror"
	fi
	bad "debootstrap failed"
	summary "package install"
	exit 1
fi
echo "root ready in $((SECONDS - start)) s"
ok "fresh $codename root made with debootstrap"

# The recorder (see the top). It is the root's only systemctl, so a service
# can never really start here; is-active says "inactive".
mv "$root/usr/bin/systemctl" "$root/usr/bin/systemctl.real"
cat >"$root/usr/bin/systemctl" <<'EOF'
#!/bin/sh
# perfagent package test: records every call, starts and stops nothing.
echo "$*" >>/systemctl-calls.log
for a; do
	case $a in
	start | stop | restart | try-restart | reload | reload-or-restart | try-reload-or-restart | daemon-reload) exit 0 ;;
	is-active | is-failed) exit 3 ;;
	esac
done
# The rest (enable, disable, preset, is-enabled...) edits or reads links: done
# offline (--root=/), as no manager answers here.
args=
for a; do [ "$a" = --now ] || args="$args $a"; done
# shellcheck disable=SC2086 # unit names and options, no blanks
exec /usr/bin/systemctl.real --root=/ $args
EOF
chmod 0755 "$root/usr/bin/systemctl"
mkdir -p "$root/run/systemd/system"
calls=$root/systemctl-calls.log
: >"$calls"
# calls_since N: the recorded calls after the first N lines.
calls_since() { tail -n +"$(($1 + 1))" "$calls"; }
# no_start_in TEXT: no call in TEXT starts or restarts perfagent outright.
no_start_in() { ! printf '%s\n' "$1" | grep -Eq '(^| )(start|restart|enable --now)( .*)? perfagent'; }
cp /etc/resolv.conf "$root/etc/resolv.conf"
mount -t proc proc "$root/proc"

# ---- install: apt resolves the declared dependencies from the mirror.
cp "$deb" "$root/tmp/"
n0=$(wc -l <"$calls")
in_root apt-get update -q >"$log" 2>&1 || { tail -20 "$log"; bad "apt-get update in the root"; }
if in_root apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")" >"$log" 2>&1; then
	ok "apt-get install $(basename "$deb") (dependencies from the mirror)"
else
	tail -30 "$log"
	bad "apt-get install $(basename "$deb")"
	summary "package install"
	exit 1
fi
grep -E "^(Setting up|Unpacking) perfagent" "$log"
check "dpkg: perfagent install ok installed" status_is "install ok installed"

out=$(in_root perfagent version 2>&1)
check "perfagent version: $out" has "$out" '^perfagent [0-9]'
check "perfagent --help: profiles from /usr/share/perfagent/profiles" \
	has "$(in_root perfagent --help 2>&1)" '\(default /usr/share/perfagent/profiles\)' 
out=$(in_root perfagent daemon --check-config 2>&1)
rc=$?
echo "$out"
check "perfagent daemon --check-config (the packaged config) exits 0" test "$rc" -eq 0
out=$(in_root perfagent profiles explain c6in.large 2>&1)
rc=$?
echo "$out"
check "perfagent profiles explain c6in.large exits 0" test "$rc" -eq 0
check "perfagent profiles explain c6in.large picks compute with the network overlay" has "$out" '^overlays +network:' 

unit=/lib/systemd/system/perfagent.service
out=$(in_root systemd-analyze verify --man=no "$unit" 2>&1)
rc=$?
[ -n "$out" ] && echo "$out"
check "systemd-analyze verify $unit exits 0" test "$rc" -eq 0
check "systemd-analyze verify $unit prints nothing" test -z "$out"
in_root systemd-analyze security --offline=true "$unit" 2>/dev/null | tail -1
check "man page installed" test -s "$root/usr/share/man/man8/perfagent.8.gz"
check "README installed" test -s "$root/usr/share/doc/perfagent/README.md.gz"
check "unit enabled (multi-user.target.wants)" \
	test -L "$root/etc/systemd/system/multi-user.target.wants/perfagent.service"
install_calls=$(calls_since "$n0" | grep perfagent)
echo "systemctl calls at install: ${install_calls:-none}"
check "install never starts the service (as the rpm)" no_start_in "$install_calls"
check "service not started in the root (no /run/perfagent)" test ! -e "$root/run/perfagent"
check "/usr/bin/perfagent is 0755 root:root" \
	test "$(stat -c '%a %U:%G' "$root/usr/bin/perfagent")" = "755 root:root"
check "/etc/perfagent/perfagent.conf is 0644 root:root" \
	test "$(stat -c '%a %U:%G' "$root/etc/perfagent/perfagent.conf")" = "644 root:root"

# ---- upgrade: the admin's configuration and the state stay. The next
# version is this package repacked as -99 with a changed default config, so
# dpkg has to choose between the admin's copy and the new default.
conf=$root/etc/perfagent/perfagent.conf
sed -i 's/^#interval = 60$/interval = 30/' "$conf"
grep -qx 'interval = 30' "$conf" || bad "could not edit the config for the upgrade test"
printf 'log_level = debug\n' >"$root/etc/perfagent/conf.d/10-local.conf"
mkdir -p "$root/var/lib/perfagent"
printf '{"test":"journal kept across upgrades"}\n' >"$root/var/lib/perfagent/journal.json"
printf '{"test":"identity kept across upgrades"}\n' >"$root/var/lib/perfagent/identity.json"
cp "$conf" "$root.conf.before"
cp "$root/var/lib/perfagent/journal.json" "$root.journal.before"

rebuild=$(mktemp -d /tmp/perfagent-upgrade.XXXXXX)
dpkg-deb -R "$deb" "$rebuild/pkg"
old_version=$(sed -n 's/^Version: //p' "$rebuild/pkg/DEBIAN/control")
new_version=${old_version%-*}-99
sed -i "s/^Version: .*/Version: $new_version/" "$rebuild/pkg/DEBIAN/control"
printf '\n# (a default added by the next version)\n' >>"$rebuild/pkg/etc/perfagent/perfagent.conf"
(cd "$rebuild/pkg" && find . -type f ! -path './DEBIAN/*' -printf '%P\0' | xargs -0 md5sum >DEBIAN/md5sums)
dpkg-deb --root-owner-group -b "$rebuild/pkg" "$root/tmp/perfagent_upgrade.deb" >/dev/null
rm -rf "$rebuild"
# As unattended upgrades do: keep the admin's changed config, without asking.
n0=$(wc -l <"$calls")
if in_root apt-get install -y -q --no-install-recommends \
	-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
	/tmp/perfagent_upgrade.deb >"$log" 2>&1; then
	ok "upgrade $old_version -> $new_version"
else
	tail -30 "$log"
	bad "upgrade to $new_version"
fi
check "upgrade: version is $new_version" \
	test "$(chroot "$root" dpkg-query -W -f='${Version}' perfagent)" = "$new_version"
check "upgrade kept the admin's perfagent.conf" cmp -s "$root.conf.before" "$conf"
check "upgrade left the new default beside it (perfagent.conf.dpkg-dist)" \
	test -e "$root/etc/perfagent/perfagent.conf.dpkg-dist"
check "upgrade kept conf.d/10-local.conf" grep -qx 'log_level = debug' "$root/etc/perfagent/conf.d/10-local.conf"
check "upgrade kept /var/lib/perfagent/journal.json" cmp -s "$root.journal.before" "$root/var/lib/perfagent/journal.json"
check "upgrade kept /var/lib/perfagent/identity.json" test -s "$root/var/lib/perfagent/identity.json"
check "check-config still passes with the admin's settings" in_root perfagent daemon --check-config
check "unit still enabled after the upgrade" \
	test -L "$root/etc/systemd/system/multi-user.target.wants/perfagent.service"
upgrade_calls=$(calls_since "$n0" | grep perfagent)
echo "systemctl calls at upgrade: ${upgrade_calls:-none}"
check "upgrade: try-restart (a running service restarts, a stopped one stays stopped)" \
	has "$upgrade_calls" 'try-restart perfagent.service'
check "upgrade never starts a stopped service" no_start_in "$upgrade_calls"
rm -f "$root.conf.before" "$root.journal.before"

# ---- remove: the program goes; configuration and state stay.
n0=$(wc -l <"$calls")
if in_root apt-get remove -y -q perfagent >"$log" 2>&1; then ok "apt-get remove perfagent"; else
	tail -20 "$log"
	bad "apt-get remove perfagent"
fi
check "remove: dpkg status deinstall ok config-files" status_is "deinstall ok config-files"
for f in /usr/bin/perfagent $unit /usr/share/perfagent/profiles/base.conf /usr/share/man/man8/perfagent.8.gz; do
	check "remove: $f gone" test ! -e "$root$f"
done
check "remove: /etc/perfagent/perfagent.conf stays" test -s "$conf"
check "remove: /etc/perfagent/conf.d/10-local.conf stays" test -s "$root/etc/perfagent/conf.d/10-local.conf"
check "remove: /var/lib/perfagent/journal.json stays" test -s "$root/var/lib/perfagent/journal.json"
check "remove: the service is stopped" has "$(calls_since "$n0")" '^stop perfagent.service'

# ---- purge: the package's configuration and all state go; a drop-in the
# admin wrote is the admin's and stays.
if in_root apt-get purge -y -q perfagent >"$log" 2>&1; then ok "apt-get purge perfagent"; else
	tail -20 "$log"
	bad "apt-get purge perfagent"
fi
check "purge: dpkg no longer has perfagent" sh -c "! chroot '$root' dpkg-query -W perfagent >/dev/null 2>&1 || [ \"\$(chroot '$root' dpkg-query -W -f='\${Status}' perfagent)\" = 'unknown ok not-installed' ]"
check "purge: /etc/perfagent/perfagent.conf gone" test ! -e "$conf"
check "purge: perfagent.conf.dpkg-dist gone" test ! -e "$conf.dpkg-dist"
check "purge: /var/lib/perfagent gone" test ! -e "$root/var/lib/perfagent"
check "purge: unit no longer enabled" \
	test ! -e "$root/etc/systemd/system/multi-user.target.wants/perfagent.service" -a \
	! -L "$root/etc/systemd/system/multi-user.target.wants/perfagent.service"
check "purge: no deb-systemd-helper state left" \
	sh -c "! find '$root/var/lib/systemd/deb-systemd-helper-enabled' -name '*perfagent*' 2>/dev/null | grep -q ."
check "purge: the admin's conf.d/10-local.conf stays" test -s "$root/etc/perfagent/conf.d/10-local.conf"
check "purge: nothing else of perfagent left in /usr, /lib, /var, /run" \
	sh -c "! find '$root/usr' '$root/lib/systemd' '$root/var' '$root/run' -name '*perfagent*' \
		! -path '*/var/lib/dpkg/*' ! -path '*/var/cache/apt/*' ! -path '*/var/log/*' ! -path '$root/tmp/*' 2>/dev/null | grep -q ."

# ---- the .rpm, in the same root (the .deb purged): the same behaviour.
# Under "disable *" (Fedora and Amazon Linux 2023 end their presets so) only
# the package's own 80-perfagent.preset can enable it.
if [ -n "$rpmf" ]; then
	echo "== rpm --root: $(basename "$rpmf")"
	printf 'disable *\n' >"$root/usr/lib/systemd/system-preset/99-default-disable.preset"
	wants=$root/etc/systemd/system/multi-user.target.wants/perfagent.service
	n0=$(wc -l <"$calls")
	rpm --root "$root" --initdb
	# --nodeps: the libraries are Debian's, which rpm cannot see.
	if rpm --root "$root" -i --nodeps "$rpmf" >"$log" 2>&1; then ok "rpm -i $(basename "$rpmf")"; else
		cat "$log"
		bad "rpm -i $(basename "$rpmf")"
	fi
	install_calls=$(calls_since "$n0" | grep perfagent)
	echo "systemctl calls at install: ${install_calls:-none}"
	check "rpm install: enabled by its preset despite 'disable *' (as the .deb)" test -L "$wants"
	check "rpm install never starts the service (as the .deb)" no_start_in "$install_calls"
	check "rpm install: perfagent version runs" in_root perfagent version
	# The preset is what enables it: without it, "disable *" wins.
	mv "$root/usr/lib/systemd/system-preset/80-perfagent.preset" "$root.preset"
	in_root systemctl.real preset perfagent.service >/dev/null 2>&1
	check "rpm: without 80-perfagent.preset the policy disables it (the check above can fail)" test ! -e "$wants"
	mv "$root.preset" "$root/usr/lib/systemd/system-preset/80-perfagent.preset"
	in_root systemctl.real preset perfagent.service >/dev/null 2>&1

	n0=$(wc -l <"$calls")
	if rpm --root "$root" -U --replacepkgs --nodeps "$rpmf" >"$log" 2>&1; then ok "rpm -U (reinstall as an upgrade)"; else
		cat "$log"
		bad "rpm -U"
	fi
	upgrade_calls=$(calls_since "$n0" | grep perfagent)
	echo "systemctl calls at upgrade: ${upgrade_calls:-none}"
	check "rpm upgrade: try-restart (as the .deb)" has "$upgrade_calls" 'try-restart perfagent.service'
	check "rpm upgrade never starts a stopped service" no_start_in "$upgrade_calls"
	check "rpm upgrade: still enabled" test -L "$wants"

	n0=$(wc -l <"$calls")
	if rpm --root "$root" -e perfagent >"$log" 2>&1; then ok "rpm -e perfagent"; else
		cat "$log"
		bad "rpm -e perfagent"
	fi
	check "rpm erase: the service is stopped and disabled" has "$(calls_since "$n0")" 'disable --now perfagent.service'
	check "rpm erase: unit no longer enabled" test ! -e "$wants" -a ! -L "$wants"
	check "rpm erase: /usr/bin/perfagent gone" test ! -e "$root/usr/bin/perfagent"
fi

summary "package install"
