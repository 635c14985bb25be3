# shellcheck shell=sh
# Sourced by the *-deps.sh scripts: installs what is missing through the
# distribution's package manager (apt-get or dnf), as root or with sudo.

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

# pkg_manager: prints apt or dnf, or nothing when neither is there.
pkg_manager() {
	if command -v dpkg-query >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
		echo apt
	elif command -v dnf >/dev/null 2>&1; then
		echo dnf
	fi
}

# pkg_missing PKG...: prints the packages that are not installed (all of
# them without a package manager to ask).
pkg_missing() {
	manager=$(pkg_manager)
	for p in "$@"; do
		case $manager in
		apt) dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" ||
			printf ' %s' "$p" ;;
		dnf) rpm -q "$p" >/dev/null 2>&1 || printf ' %s' "$p" ;;
		*) printf ' %s' "$p" ;;
		esac
	done
}

# pkg_install PKG...: installs those of PKG that are missing; prints what.
pkg_install() {
	missing=$(pkg_missing "$@")
	[ -n "$missing" ] || return 0
	manager=$(pkg_manager)
	if [ -z "$manager" ]; then
		echo "error: neither apt-get nor dnf found; install by hand (Debian's names):$missing" >&2
		exit 1
	fi
	echo "installing:$missing"
	if [ "$manager" = apt ]; then
		as_root apt-get update -q
		# shellcheck disable=SC2086 # word splitting of the package list is intended
		as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q \
			--no-install-recommends $missing
	else
		# shellcheck disable=SC2086
		as_root dnf install -y $missing
	fi
}
