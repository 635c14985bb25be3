#!/bin/sh
# Builds the binary and source RPMs from packaging/rpm/perfagent.spec and a
# tarball of the tree, in OUTDIR/rpmbuild; copies the .rpm files to OUTDIR.
# Usage: build-rpm.sh VERSION OUTDIR
set -eu

version=${1:?usage: build-rpm.sh VERSION OUTDIR}
outdir=${2:?usage: build-rpm.sh VERSION OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)
spec=$here/rpm/perfagent.spec

command -v rpmbuild >/dev/null 2>&1 || {
	echo "error: rpmbuild not found (Debian: apt-get install rpm; dnf: dnf install rpm-build)" >&2
	exit 1
}
spec_version=$(sed -n 's/^Version:[[:space:]]*//p' "$spec")
if [ "$spec_version" != "$version" ]; then
	echo "error: $spec says Version $spec_version but the Makefile's VERSION is $version;" \
		"bump the spec (and its %changelog)" >&2
	exit 1
fi

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
top=$outdir/rpmbuild
rm -rf "$top" "$outdir"/perfagent-*.rpm
mkdir -p "$top/SOURCES" "$top/SPECS" "$top/BUILD" "$top/RPMS" "$top/SRPMS"
"$here/build-tarball.sh" "$version" "$top/SOURCES" >/dev/null
cp "$spec" "$top/SPECS/"

set -- --define "_topdir $top"
# Debian: rpm's database does not know dpkg's packages, so BuildRequires
# cannot be checked (packaging/install-deps.sh installs their Debian
# equivalents), and rpm lacks systemd-rpm-macros and has broken
# post-install scripts: macros.debian-host stands in and fixes them.
if ! rpm -q rpm >/dev/null 2>&1; then
	set -- "$@" --nodeps --load "$here/rpm/macros.debian-host"
fi

rpmbuild "$@" -ba "$top/SPECS/perfagent.spec"

find "$top/RPMS" "$top/SRPMS" -name '*.rpm' -exec cp {} "$outdir/" \;
ls -1 "$outdir"/*.rpm
