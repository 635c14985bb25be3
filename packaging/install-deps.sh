#!/bin/sh
# Installs what perfagent needs through the distribution's package manager,
# only when something is missing. Usage: install-deps.sh make|build|test|setup
# (make: make alone, which a bare machine lacks and the README's commands need;
# setup: debootstrap, for make setup-test's bare root).
set -eu

what=${1:-build}

deb_build="make gcc clang llvm bpftool libbpf-dev libelf-dev zlib1g-dev libcurl4-openssl-dev libjson-c-dev pkg-config"
# nftables: the probe tests drop TCP segments in a private network namespace.
# strace: test_tune.sh slows an apply down to kill it midway. valgrind:
# test_valgrind.sh. ethtool: test_ena.sh reads the veth channels it set.
# systemd and man-db: test_packages.sh runs systemd-analyze verify, which
# also looks up the unit's man page. make sanitize links gcc's ASan and
# UBSan runtimes statically: Debian's gcc brings them (libgcc-12-dev),
# Fedora's do not. cfn-lint (test_fleet_stack.sh) is on PyPI only, in
# neither apt nor dnf: not installed here; the test says so and skips it.
# fio, fuse3 and libfuse3's headers: check_block_quantiles.sh builds a FUSE
# file system of known read latency and compares fio's percentiles with the
# agent's. gdb: tests/run-system.sh prints the backtrace of a perfagent
# process in a test that hangs.
deb_test="$deb_build libcmocka-dev python3 iproute2 procps util-linux nftables strace valgrind ethtool systemd man-db fio fuse3 libfuse3-dev gdb"
rpm_build="make gcc clang llvm bpftool libbpf-devel elfutils-libelf-devel zlib-devel libcurl-devel json-c-devel pkgconf-pkg-config"
rpm_test="$rpm_build libcmocka-devel python3 iproute procps-ng util-linux nftables strace valgrind ethtool systemd man-db libasan-static libubsan-static fio fuse3 fuse3-devel gdb"

case "$what" in
make | build | test | setup) ;;
*)
	echo "usage: $0 make|build|test|setup" >&2
	exit 2
	;;
esac

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=packaging/pkg-lib.sh
. "$here/pkg-lib.sh"

case $(pkg_manager) in
dnf) build=$rpm_build test=$rpm_test ;;
*) build=$deb_build test=$deb_test ;;	# apt, or neither: pkg_install says so
esac
# shellcheck disable=SC2086 # word splitting of the package lists is intended
case $what in
make) pkg_install make ;;
setup) pkg_install debootstrap ;;
test) pkg_install $test ;;
*) pkg_install $build ;;
esac
