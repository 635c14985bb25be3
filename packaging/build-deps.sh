#!/bin/sh
# Installs, when missing, what `make rpm`, `make deb` and `make package-test`
# need on top of packaging/install-deps.sh, through the distribution's
# package manager (apt-get or dnf). Usage: build-deps.sh rpm|deb|test
set -eu

what=${1:-}
here=$(cd "$(dirname "$0")" && pwd)

# rpm: rpmbuild. cmocka, which the package builds' unit tests need (%check,
# dh_auto_test), comes with install-deps.sh test.
deb_rpm="rpm"
deb_deb="debhelper dpkg-dev"
# lintian, rpmlint: lint. debootstrap (with wget): the install test's root.
# systemd: systemd-analyze verify. man-db: man page warnings. file, cpio:
# looking into the packages.
deb_test="$deb_rpm $deb_deb lintian rpmlint debootstrap wget systemd man-db file cpio"
rpm_rpm="rpm-build systemd-rpm-macros dnf-plugins-core"
rpm_test="$rpm_rpm rpmlint systemd man-db file cpio"

case "$what" in
rpm | deb | test) ;;
*)
	echo "usage: $0 rpm|deb|test" >&2
	exit 2
	;;
esac

as_root() {
	if [ "$(id -u)" -eq 0 ]; then
		"$@"
	elif command -v sudo >/dev/null 2>&1; then
		sudo "$@"
	else
		echo "error: installing packages needs root; run as root or install sudo" >&2
		exit 1
	fi
}

"$here/install-deps.sh" test

if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
	case "$what" in
	rpm) pkgs=$deb_rpm ;;
	deb) pkgs=$deb_deb ;;
	*) pkgs=$deb_test ;;
	esac
	missing=""
	for p in $pkgs; do
		if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed"; then
			missing="$missing $p"
		fi
	done
	if [ -n "$missing" ]; then
		echo "installing:$missing"
		as_root apt-get update -q
		# shellcheck disable=SC2086 # word splitting of the package list is intended
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing
	fi
elif command -v dnf >/dev/null 2>&1; then
	if [ "$what" = deb ]; then
		echo "error: building the .deb needs dpkg-buildpackage and debhelper (a Debian or Ubuntu host)" >&2
		exit 1
	fi
	if [ "$what" = test ]; then pkgs=$rpm_test; else pkgs=$rpm_rpm; fi
	missing=""
	for p in $pkgs; do
		rpm -q "$p" >/dev/null 2>&1 || missing="$missing $p"
	done
	if [ -n "$missing" ]; then
		echo "installing:$missing"
		# shellcheck disable=SC2086
		as_root dnf install -y $missing
	fi
	# Exactly what the spec declares.
	as_root dnf builddep -y "$here/rpm/perfagent.spec"
else
	echo "error: neither apt-get nor dnf found" >&2
	exit 1
fi
