#!/bin/sh
# shellcheck disable=SC2086 # package lists are split into words on purpose
# Installs, when missing, what `make ami-validate` and `make ami-test` need,
# through apt-get (a Debian or Ubuntu host, like packaging/build-deps.sh):
#   packer (Debian's 1.6.6: fmt, validate), cloud-init (cloud-init schema;
#   python3-yaml comes with it), shellcheck; and for the bake rehearsal
#   debootstrap and wget (the fresh root), util-linux (unshare).
# `make deb`, which the rehearsal runs, installs its own build tools.
# Usage: test-deps.sh
set -eu

pkgs="packer cloud-init shellcheck debootstrap wget util-linux"

here=$(cd "$(dirname "$0")" && pwd)
# shellcheck source=packaging/pkg-lib.sh
. "$here/../packaging/pkg-lib.sh"

if [ "$(pkg_manager)" != apt ]; then
	echo "error: the AMI tests need a Debian or Ubuntu host (apt-get); install by hand: $pkgs" >&2
	exit 1
fi
missing=$(pkg_missing $pkgs)
pkg_install $pkgs
case " $missing " in
*" cloud-init "*)
	# Only `cloud-init schema` is wanted here: never let cloud-init
	# configure this machine at its next boot.
	as_root touch /etc/cloud/cloud-init.disabled
	echo "cloud-init installed for its schema check; disabled on this host (/etc/cloud/cloud-init.disabled)"
	;;
esac
