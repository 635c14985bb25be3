#!/bin/sh
# Installs, when missing, what `make ami-validate` and `make ami-test` need,
# through apt-get (a Debian or Ubuntu host, like packaging/build-deps.sh):
#   packer (Debian's 1.6.6: fmt, validate), cloud-init (cloud-init schema;
#   python3-yaml comes with it), shellcheck; and for the bake rehearsal
#   debootstrap and wget (the fresh root), util-linux (unshare).
# `make deb`, which the rehearsal runs, installs its own build tools.
# Usage: test-deps.sh
set -eu

pkgs="packer cloud-init shellcheck debootstrap wget util-linux"

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

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
	echo "error: the AMI tests need a Debian or Ubuntu host (apt-get); install by hand: $pkgs" >&2
	exit 1
fi
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
	case " $missing " in
	*" cloud-init "*)
		# Only `cloud-init schema` is wanted here: never let cloud-init
		# configure this machine at its next boot.
		as_root touch /etc/cloud/cloud-init.disabled
		echo "cloud-init installed for its schema check; disabled on this host (/etc/cloud/cloud-init.disabled)"
		;;
	esac
fi
