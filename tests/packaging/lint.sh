#!/usr/bin/env bash
# Lints the packages in PKGDIR: lintian on the Debian source and binary
# packages (the .changes in PKGDIR/debbuild), rpmlint on the RPMs and the
# spec. Both must report no error and no warning; the few accepted tags
# are overridden, each with its reason, in packaging/deb/debian/*lintian-
# overrides and packaging/rpm/perfagent.rpmlintrc.
# Usage: lint.sh PKGDIR   (run from the top of the source tree)
set -u
# shellcheck source=tests/packaging/lib.sh
. "$(dirname "$0")/lib.sh"

pkgdir=${1:?usage: lint.sh PKGDIR}
top=$(pwd)

changes=$(ls "$pkgdir"/debbuild/perfagent_*.changes 2>/dev/null | head -1)
if ! command -v lintian >/dev/null 2>&1; then
	bad "lintian not installed (packaging/build-deps.sh test installs it)"
elif [ -z "$changes" ]; then
	bad "no .changes in $pkgdir/debbuild"
else
	echo "== lintian $(lintian --version | awk '{print $2}') $(basename "$changes")"
	# Info tags are shown but do not fail. (--show-overrides would make an
	# overridden warning count for --fail-on, so overrides are listed apart.)
	out=$(lintian --display-info --fail-on error,warning "$changes" 2>&1)
	rc=$?
	printf '%s\n' "$out" | grep -v '^running with root privileges'
	lintian --display-info --show-overrides "$changes" 2>/dev/null | grep '^O: '
	if [ $rc -eq 0 ] && ! printf '%s\n' "$out" | grep -q '^[EW]: '; then
		ok "lintian: no errors, no warnings"
	else
		bad "lintian reported errors or warnings (exit $rc)"
	fi
fi

if ! command -v rpmlint >/dev/null 2>&1; then
	bad "rpmlint not installed (packaging/build-deps.sh test installs it)"
else
	set -- "$pkgdir"/perfagent-*.rpm
	if [ ! -e "$1" ]; then
		bad "no .rpm in $pkgdir"
	else
		echo "== rpmlint $*"
		out=$(rpmlint -c "$top/packaging/rpm/rpmlint.toml" -r "$top/packaging/rpm/perfagent.rpmlintrc" \
			"$@" "$top/packaging/rpm/perfagent.spec" 2>&1)
		rc=$?
		printf '%s\n' "$out"
		if [ $rc -eq 0 ] && printf '%s\n' "$out" | grep -q ' 0 errors, 0 warnings'; then
			ok "rpmlint: no errors, no warnings"
		else
			bad "rpmlint reported errors or warnings (exit $rc)"
		fi
	fi
fi

summary "package lint"
