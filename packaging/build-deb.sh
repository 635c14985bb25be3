#!/bin/sh
# Builds the Debian source and binary packages from a tarball of the tree:
# unpacks it in OUTDIR/debbuild, copies packaging/deb/debian to debian/
# there and runs dpkg-buildpackage; copies the .deb and the source package
# (.dsc, .orig.tar.gz, .debian.tar.xz) to OUTDIR. The .changes file, for
# lintian, stays in OUTDIR/debbuild.
# Usage: build-deb.sh VERSION OUTDIR
set -eu

version=${1:?usage: build-deb.sh VERSION OUTDIR}
outdir=${2:?usage: build-deb.sh VERSION OUTDIR}
here=$(cd "$(dirname "$0")" && pwd)

command -v dpkg-buildpackage >/dev/null 2>&1 || {
	echo "error: dpkg-buildpackage not found (apt-get install dpkg-dev debhelper)" >&2
	exit 1
}
deb_version=$(dpkg-parsechangelog -l "$here/deb/debian/changelog" -S Version)
if [ "${deb_version%-*}" != "$version" ]; then
	echo "error: packaging/deb/debian/changelog is at $deb_version but the Makefile's" \
		"VERSION is $version; add a changelog entry (dch -v $version-1)" >&2
	exit 1
fi

mkdir -p "$outdir"
outdir=$(cd "$outdir" && pwd)
work=$outdir/debbuild
rm -rf "$work" "$outdir"/perfagent_*
mkdir -p "$work"
tarball=$("$here/build-tarball.sh" "$version" "$work")
mv "$tarball" "$work/perfagent_$version.orig.tar.gz"
tar -xzf "$work/perfagent_$version.orig.tar.gz" -C "$work"
src=$work/perfagent-$version
# dpkg-source wants a real debian/ directory, not a symlink.
cp -a "$src/packaging/deb/debian" "$src/debian"

cd "$src"
if ! dpkg-checkbuilddeps 2>"$work/builddeps.txt"; then
	cat "$work/builddeps.txt" >&2
	if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
		# Exactly what debian/control declares.
		DEBIAN_FRONTEND=noninteractive apt-get build-dep -y -q --no-install-recommends "$src"
	else
		echo "error: install the missing build dependencies (apt-get build-dep $src)" >&2
		exit 1
	fi
fi
# Source and binary, unsigned.
dpkg-buildpackage -us -uc

cd "$work"
cp perfagent_"$version"-*.dsc perfagent_"$version"-*.debian.tar.* \
	perfagent_"$version".orig.tar.gz perfagent_*.deb "$outdir/"
ls -1 "$outdir"/perfagent_*
