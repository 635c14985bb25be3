#!/usr/bin/env bash
# Packaging.
#
# Always (from `make system`; seconds): `make install` into scratch trees
# (files, modes, the unit's paths, a changed config kept); the unit's
# required settings and hardening and `systemd-analyze verify`; the man page
# covers every command and option `perfagent --help` lists; the package
# versions agree; the shipped config's keys are valid; the daemon loads its
# probe with only the unit's capabilities, and on a kernel without BTF it
# still runs and says why. Exit 77 when not root.
#
# With PERFAGENT_PACKAGE_TEST=full (`make package-test`; a few minutes, needs
# the Debian mirror): also builds the RPM and the .deb with `make rpm deb`
# from a clean tree, checks their contents (tests/packaging/check_contents.sh),
# lints them (lint.sh) and installs, upgrades, removes and purges the .deb in
# a fresh debootstrap root (chroot_test.sh). Exit 77 when, all else passing,
# that install test was skipped (mirror unreachable), or on a host without
# dpkg-buildpackage.
set -u
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/packaging/lib.sh
. "$(dirname "$0")/../packaging/lib.sh"
need_root

top=$(cd "$TESTS_DIR/../.." && pwd)
# The daemons below read the profiles of the tree (make system sets this too).
export PERFAGENT_PROFILE_DIR=${PERFAGENT_PROFILE_DIR:-$top/tuning-profiles}
man=$top/packaging/perfagent.8
tmp=$(mktemp -d /tmp/perfagent-packages.XXXXXX)
chmod 0755 "$tmp"
daemon_pid=
skipped=0
cleanup() {
	[ -n "$daemon_pid" ] && kill "$daemon_pid" 2>/dev/null
	wait 2>/dev/null
	rm -rf "$tmp"
}
trap cleanup EXIT

# ---- make install
# Build first with the tree's own settings, so that install (which depends on
# the binary) never rebuilds it with the scratch PREFIX compiled in.
make -s --no-print-directory -C "$top" all >"$tmp/make.log" 2>&1 || {
	cat "$tmp/make.log"
	fail "make all"
}
inst=$tmp/inst
if make -s --no-print-directory -C "$top" install PREFIX="$inst/usr" SYSCONFDIR="$inst/etc" \
	UNITDIR="$inst/usr/lib/systemd/system" >"$tmp/install.log" 2>&1; then
	ok "make install PREFIX=... SYSCONFDIR=... UNITDIR=..."
else
	cat "$tmp/install.log"
	bad "make install"
fi
mode_is() { [ "$(stat -c %a "$1" 2>/dev/null)" = "$2" ]; }
check "install: bin/perfagent 0755" mode_is "$inst/usr/bin/perfagent" 755
check "install: etc/perfagent/conf.d/" test -d "$inst/etc/perfagent/conf.d"
check "install: perfagent.conf 0644, the shipped default" \
	sh -c "[ \"\$(stat -c %a '$inst/etc/perfagent/perfagent.conf')\" = 644 ] && cmp -s '$top/packaging/perfagent.conf' '$inst/etc/perfagent/perfagent.conf'"
want=$(cd "$top/tuning-profiles" && ls -1 ./*.conf | sed 's|^\./||')
have=$(cd "$inst/usr/share/perfagent/profiles" 2>/dev/null && ls -1 ./*.conf | sed 's|^\./||')
check "install: every tuning profile in share/perfagent/profiles" test "$want" = "$have"
for p in $have; do
	mode_is "$inst/usr/share/perfagent/profiles/$p" 644 || bad "install: profiles/$p is not 0644"
done
unit=$inst/usr/lib/systemd/system/perfagent.service
check "install: unit 0644 in UNITDIR" mode_is "$unit" 644
check "install: unit runs BINDIR/perfagent daemon" grep -qx "ExecStart=$inst/usr/bin/perfagent daemon" "$unit"
check "install: no @placeholder@ left in the unit" sh -c "! grep -q '@[A-Z]*@' '$unit'"
check "install: man page 0644 in MANDIR/man8" mode_is "$inst/usr/share/man/man8/perfagent.8" 644
check "install: README 0644 in DOCDIR" mode_is "$inst/usr/share/doc/perfagent/README.md" 644
printf '\nlog_level = debug\n' >>"$inst/etc/perfagent/perfagent.conf"
cp "$inst/etc/perfagent/perfagent.conf" "$tmp/edited.conf"
make -s --no-print-directory -C "$top" install PREFIX="$inst/usr" SYSCONFDIR="$inst/etc" \
	UNITDIR="$inst/usr/lib/systemd/system" >"$tmp/install.log" 2>&1
check "install again: the changed perfagent.conf is kept" cmp -s "$tmp/edited.conf" "$inst/etc/perfagent/perfagent.conf"
dest=$tmp/dest
make -s --no-print-directory -C "$top" install DESTDIR="$dest" PREFIX=/usr UNITDIR=/lib/systemd/system \
	MANDIR=/usr/share/man DOCDIR=/usr/share/doc/perfagent >"$tmp/install.log" 2>&1
check "install DESTDIR=...: the unit under DESTDIR runs /usr/bin/perfagent" \
	grep -qx "ExecStart=/usr/bin/perfagent daemon" "$dest/lib/systemd/system/perfagent.service"
check "install DESTDIR=...: nothing outside DESTDIR's usr/, etc/, lib/" \
	sh -c "[ \"\$(ls '$dest' | tr '\n' ' ')\" = 'etc lib usr ' ]"

# ---- the unit
# value_of KEY: the unit's values for KEY, one per line.
value_of() { sed -n "s/^$1=//p" "$unit"; }
unit_has() { grep -qx "$1" "$unit"; }
check "unit: Type=notify" unit_has "Type=notify"
check "unit: ExecReload runs perfagent reload (its exit status carries a rejected configuration)" \
	unit_has "ExecReload=$inst/usr/bin/perfagent reload"
check "unit: WatchdogSec set (the daemon sends WATCHDOG=1 from its loop)" unit_has 'WatchdogSec=60s'
check "unit: Restart=on-failure" unit_has "Restart=on-failure"
check "unit: restart limit (StartLimitIntervalSec, StartLimitBurst in [Unit])" \
	sh -c "sed -n '/^\[Unit\]/,/^\[Service\]/p' '$unit' | grep -q '^StartLimitIntervalSec=[1-9]' &&
		sed -n '/^\[Unit\]/,/^\[Service\]/p' '$unit' | grep -q '^StartLimitBurst=[1-9]'"
check "unit: no restart loop on a bad config (RestartPreventExitStatus has 4)" \
	sh -c "sed -n 's/^RestartPreventExitStatus=//p' '$unit' | grep -qw 4"
check "unit: RuntimeDirectory=perfagent, mode 0755 (socket mode 0666 by default)" \
	sh -c "grep -qx 'RuntimeDirectory=perfagent' '$unit' && grep -qx 'RuntimeDirectoryMode=0755' '$unit'"
check "unit: StateDirectory=perfagent" unit_has "StateDirectory=perfagent"
check "unit: no ConfigurationDirectory= (it would bind /etc/perfagent read-write)" \
	sh -c "! grep -q '^ConfigurationDirectory=' '$unit'"
check "unit: DeviceAllow=/dev/cpu_dma_latency rw (the latency overlay's PM QoS)" \
	unit_has "DeviceAllow=/dev/cpu_dma_latency rw"
check "unit: NoNewPrivileges=yes" unit_has "NoNewPrivileges=yes"
check "unit: ProtectSystem=strict" unit_has "ProtectSystem=strict"
check "unit: ProtectHome=yes" unit_has "ProtectHome=yes"
check "unit: PrivateTmp=yes" unit_has "PrivateTmp=yes"
check "unit: no ProtectKernelTunables (it makes /proc/sys read-only)" \
	sh -c "! grep -q '^ProtectKernelTunables=' '$unit'"
families=$(value_of RestrictAddressFamilies | tr ' ' '\n' | sort | tr '\n' ' ')
check "unit: RestrictAddressFamilies is AF_INET AF_INET6 AF_NETLINK AF_UNIX (have: $families)" \
	test "$families" = "AF_INET AF_INET6 AF_NETLINK AF_UNIX "
check "unit: ordered after systemd-sysctl.service" \
	sh -c "sed -n 's/^After=//p' '$unit' | tr ' ' '\n' | grep -qx systemd-sysctl.service"
check "unit: WantedBy=multi-user.target" unit_has "WantedBy=multi-user.target"
# One capability per CapabilityBoundingSet= line, each under a comment that
# starts with its name and gives the reason.
caps=$(value_of CapabilityBoundingSet)
check "unit: capabilities named ($(echo $caps))" test -n "$caps"
check "unit: no AmbientCapabilities (root needs none)" sh -c "! grep -q '^AmbientCapabilities=' '$unit'"
bad_lines=$(awk '/^CapabilityBoundingSet=/ {
		v = substr($0, 23); if (v !~ /^CAP_[A-Z_]+$/) { print NR ": " $0; next }
		if (prev !~ "^# " v ": ..") print NR ": no \"# " v ": reason\" comment above"
	} { if ($0 ~ /^# CAP_/) prev = $0; else if ($0 !~ /^#/) prev = "" }' "$unit")
check "unit: each capability on its own line, under a '# CAP_X: reason' comment" test -z "$bad_lines"
[ -n "$bad_lines" ] && echo "$bad_lines" >&2
# verify also runs `man` for the unit's Documentation= page.
need_tools systemd-analyze man
out=$(MANPATH=$inst/usr/share/man systemd-analyze verify "$unit" 2>&1)
rc=$?
[ -n "$out" ] && echo "$out"
check "systemd-analyze verify: exit 0, no complaint" sh -c "[ $rc -eq 0 ] && [ -z \"\$1\" ]" sh "$out"
systemd-analyze security --offline=true "$unit" 2>/dev/null | tail -1

# ---- man page
commands=$("$PERFAGENT" --help | sed -n '/^Commands:/,/^$/p' | awk 'NR > 1 && NF { print $1 }')
check "perfagent --help lists commands ($(echo $commands))" test -n "$commands"
for c in $commands; do
	grep -Eq "^\.BI? \"?$c( |\"|$)" "$man" || bad "man page: command '$c' (from perfagent --help) not described"
done
options=$( ("$PERFAGENT" --help; for c in $commands; do "$PERFAGENT" help "$c"; done) 2>/dev/null |
	grep -oE '(^|[ [])--[a-z][a-z-]*' | sed 's/^[ []//' | sort -u)
missing=""
# The tag lines (.B, .BI, .BR) of the OPTIONS section, hyphens unescaped.
sed -n '/^\.SH OPTIONS/,/^\.SH [^O]/p' "$man" | grep '^\.B' | sed 's/\\-/-/g' >"$tmp/man-options.txt"
for o in $options; do
	grep -qE -- "(^| |\")$o( |\"|,|$)" "$tmp/man-options.txt" || missing="$missing $o"
done
check "man page OPTIONS describe every option of perfagent --help and help COMMAND${missing:+ (missing:$missing)}" \
	test -z "$missing"
warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -E UTF-8 -l -Tutf8 -Z "$man" 2>&1 >/dev/null)
[ -n "$warnings" ] && echo "$warnings"
check "man page: no groff warnings" test -z "$warnings"

# ---- versions
version=$(sed -n 's/^VERSION := //p' "$top/Makefile")
check "binary version is the Makefile's $version" test "$("$PERFAGENT" version)" = "perfagent $version"
check "spec Version is $version" grep -qx "Version: *$version" "$top/packaging/rpm/perfagent.spec"
check "spec %changelog starts at $version" \
	sh -c "sed -n '/^%changelog/{n;p;q}' '$top/packaging/rpm/perfagent.spec' | grep -q -- '- $version-'"
check "debian/changelog starts at $version" \
	sh -c "head -1 '$top/packaging/deb/debian/changelog' | grep -q '^perfagent ($version-'"
check "man page is for $version" grep -q "^\.TH PERFAGENT 8 .*\"perfagent $version\"" "$man"
# The .TH date: an ISO date that parses, not in the future, and current: no
# more than 31 days before the last commit that changed the page.
th_date=$(sed -n 's/^\.TH PERFAGENT 8 "\([^"]*\)".*/\1/p' "$man")
check "man page date '$th_date' is YYYY-MM-DD and parses" \
	sh -c 'echo "$1" | grep -qE "^[0-9]{4}-[0-9]{2}-[0-9]{2}$" && date -d "$1" +%s >/dev/null' sh "$th_date"
th_s=$(date -d "$th_date" +%s 2>/dev/null || echo 0)
check "man page date $th_date is not in the future" test "$th_s" -le "$(date +%s)"
if last=$(git -C "$top" log -1 --format=%ct -- packaging/perfagent.8 2>/dev/null) && [ -n "$last" ]; then
	check "man page date $th_date is current (within 31 days of its last change)" \
		test "$th_s" -ge $((last - 31 * 86400))
fi

# ---- the default configuration
known=$(known_keys "$PERFAGENT")
documented=$(documented_keys "$top/packaging/perfagent.conf")
check "the binary lists its known config keys" test -n "$known"
unknown=$(comm -13 <(echo "$known") <(echo "$documented") | tr '\n' ' ')
check "packaging/perfagent.conf documents only keys the binary knows${unknown:+ (unknown: $unknown)}" test -z "$unknown"
undocumented=$(comm -23 <(echo "$known") <(echo "$documented") | tr '\n' ' ')
# Completeness is checked on the packages (make package-test).
[ -n "$undocumented" ] && echo "note: packaging/perfagent.conf does not document yet: $undocumented"
sed 's/^#\([a-z_][a-z0-9_]* *=\)/\1/' "$top/packaging/perfagent.conf" >"$tmp/all-on.conf"
check "packaging/perfagent.conf with every documented default enabled is valid" \
	"$PERFAGENT" daemon --check-config --config "$tmp/all-on.conf"

# ---- the unit's capabilities are enough; no BTF is not fatal
setpriv_caps="-all"
for c in $caps; do
	c=${c#CAP_}
	setpriv_caps="$setpriv_caps,+$(echo "$c" | tr 'A-Z' 'a-z')"
done
printf 'interval = 1\nimds = off\nmode = advise\n' >"$tmp/daemon.conf"
# run_daemon NAME [WRAPPER...]: starts the daemon under WRAPPER with the
# unit's capabilities only; waits until status answers.
run_daemon() {
	local name=$1
	shift
	mkdir -p "$tmp/$name"
	"$@" setpriv --bounding-set "$setpriv_caps" --inh-caps -all --no-new-privs \
		"$PERFAGENT" daemon --config "$tmp/daemon.conf" --runtime-dir "$tmp/$name/run" \
		--state-dir "$tmp/$name/state" 2>"$tmp/$name/daemon.log" &
	daemon_pid=$!
	if ! wait_for 10 "$PERFAGENT" status --runtime-dir "$tmp/$name/run" >/dev/null 2>&1; then
		cat "$tmp/$name/daemon.log"
		bad "$name: daemon did not answer status"
		return 1
	fi
	"$PERFAGENT" status --json --runtime-dir "$tmp/$name/run" >"$tmp/$name/status.json"
}
stop_daemon() {
	kill "$daemon_pid" 2>/dev/null
	wait "$daemon_pid" 2>/dev/null
	daemon_pid=
}
# probes RUN EXPR: EXPR over the probe list p of the RUN's status.
probes() { json_get "$tmp/$1/status.json" "$2"; }

if run_daemon caps; then
	bnd=$(awk '/^CapBnd:/ { print $2 }' "/proc/$daemon_pid/status" 2>/dev/null)
	want_bnd=$(python3 -c 'import sys
n = {"CAP_SYS_ADMIN": 21, "CAP_PERFMON": 38, "CAP_BPF": 39, "CAP_NET_ADMIN": 12, "CAP_SYS_RESOURCE": 24}
print("%016x" % sum(1 << n[c] for c in sys.argv[1:]))' $caps)
	check "daemon ran with the unit's bounding set only (CapBnd $bnd)" test "$bnd" = "$want_bnd"
	echo "probes: $(probes caps "', '.join(p['name'] + ' ' + p['state'] for p in j['probes'])")"
	check "with only the unit's capabilities every probe runs" \
		test "$(probes caps "[p['name'] for p in j['probes'] if p['state'] != 'running']")" = "[]"
	stop_daemon
fi
# Net sysctls, written as root without CAP_NET_ADMIN or CAP_DAC_OVERRIDE (in
# a private network namespace).
check "a net.* sysctl is writable with only the unit's capabilities" \
	unshare -n setpriv --bounding-set "$setpriv_caps" --inh-caps -all sh -c \
	'echo 1000 >/proc/sys/net/core/somaxconn && [ "$(cat /proc/sys/net/core/somaxconn)" = 1000 ]'
if [ -e /sys/kernel/btf/vmlinux ]; then
	# The kernel's BTF hidden by a tmpfs, in a private mount namespace (/ is
	# made private, or /sys alone where / is not a mount point: a chroot).
	if run_daemon nobtf unshare -m --propagation unchanged sh -c '{ mount --make-rprivate / 2>/dev/null ||
		mount --make-rprivate /sys; } && mount -t tmpfs none /sys/kernel/btf && exec "$@"' sh; then
		probes nobtf "'\\n'.join(p['name'] + ': ' + p['state'] + ': ' + str(p['reason']) for p in j['probes'])"
		check "without kernel BTF every probe that is not on tp_btf says why" \
			test "$(probes nobtf "[p['name'] for p in j['probes'] if p['attach'] != 'tp_btf' and not p['reason']]")" = "[]"
		check "without kernel BTF the reasons name it" \
			test "$(probes nobtf "any('BTF' in (p['reason'] or '') for p in j['probes'])")" = True
		stop_daemon
	fi
else
	echo "note: this kernel has no BTF; the daemon tests above already ran without it"
fi

# ---- the packages
if [ "${PERFAGENT_PACKAGE_TEST:-}" = full ] && ! command -v dpkg-buildpackage >/dev/null 2>&1; then
	echo "SKIPPED: the package tests build the .deb too and install it with debootstrap:" \
		"they need a Debian or Ubuntu host (here: make rpm builds the RPM alone)"
	skipped=1
elif [ "${PERFAGENT_PACKAGE_TEST:-}" = full ]; then
	pkg=$tmp/packages
	echo "== make rpm deb (from a tarball of the tree)"
	start=$SECONDS
	if make --no-print-directory -C "$top" rpm deb PKGDIR="$pkg" >"$tmp/build.log" 2>&1; then
		ok "make rpm deb in $((SECONDS - start)) s"
		ls -l "$pkg"
		tar -tzf "$pkg"/debbuild/perfagent_*.orig.tar.gz >"$tmp/tarball.list"
		check "the source tarball holds no build output" sh -c "! grep -Eq '^[^/]+/(build|debian)/' '$tmp/tarball.list'"
		check "the source tarball holds the tree (Makefile, agent/, bpf/, packaging/)" \
			sh -c "grep -q '^[^/]*/Makefile$' '$tmp/tarball.list' && grep -q '/agent/main.c$' '$tmp/tarball.list' &&
				grep -q '/bpf/' '$tmp/tarball.list' && grep -q '/packaging/rpm/perfagent.spec$' '$tmp/tarball.list'"
		check "building left no debian/ in the source tree" test ! -e "$top/debian"
		run_part contents bash tests/packaging/check_contents.sh "$pkg"
		run_part lint bash tests/packaging/lint.sh "$pkg"
		rpmf=
		for f in "$pkg"/perfagent-[0-9]*.rpm; do case $f in *.src.rpm) ;; *) rpmf=$f ;; esac; done
		run_part install bash tests/packaging/chroot_test.sh "$(ls "$pkg"/perfagent_*_*.deb | head -1)" "$rpmf"
	else
		tail -60 "$tmp/build.log"
		bad "make rpm deb"
	fi
fi

finish packages
