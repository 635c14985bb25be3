#!/bin/sh
# shellcheck disable=SC2086 # package lists are split into words on purpose
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

# shellcheck source=packaging/pkg-lib.sh
. "$here/pkg-lib.sh"

"$here/install-deps.sh" test

case $(pkg_manager) in
apt)
	case "$what" in
	rpm) pkg_install $deb_rpm ;;
	deb) pkg_install $deb_deb ;;
	*) pkg_install $deb_test ;;
	esac
	;;
dnf)
	if [ "$what" = deb ]; then
		echo "error: building the .deb needs dpkg-buildpackage and debhelper (a Debian or Ubuntu host)" >&2
		exit 1
	fi
	if [ "$what" = test ]; then pkg_install $rpm_test; else pkg_install $rpm_rpm; fi
	# Exactly what the spec declares.
	as_root dnf builddep -y "$here/rpm/perfagent.spec"
	;;
*)
	echo "error: neither apt-get nor dnf found" >&2
	exit 1
	;;
esac
