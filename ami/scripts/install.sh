#!/bin/bash
# Packer provisioner 1 of 3 (install): installs the perfagent package on the
# build instance, bakes the image's own settings and enables the service.
#
# Run as root (Packer: sudo env VARS bash install.sh). Environment:
#   PERFAGENT_PACKAGE          the .rpm or .deb to install; default: the one
#                              package for this system (*.rpm with dnf, *.deb
#                              with apt) in PERFAGENT_PACKAGE_DIR
#   PERFAGENT_PACKAGE_DIR      default /tmp/perfagent-bake (Packer uploads there)
#   PERFAGENT_IMAGE_CONF_B64   base64 of settings for every instance of the
#                              image, written to conf.d/10-image.conf; empty:
#                              the packaged defaults
#
# Idempotent: a second run reinstalls nothing new and restarts the service.
# Next: validate.sh (after a reboot), then cleanup.sh.
set -euo pipefail

pkg_dir=${PERFAGENT_PACKAGE_DIR:-/tmp/perfagent-bake}
pkg=${PERFAGENT_PACKAGE:-}
image_conf_b64=${PERFAGENT_IMAGE_CONF_B64:-}
image_conf=/etc/perfagent/conf.d/10-image.conf
preset=/etc/systemd/system-preset/80-perfagent.preset

say() { echo "install: $*"; }
die() {
	echo "install: error: $*" >&2
	exit 1
}

[ "$(id -u)" -eq 0 ] || die "run as root (Packer's execute_command uses sudo)"

# At first boot cloud-init (and on Ubuntu apt's daily jobs) may still hold
# the package manager's lock: wait for cloud-init, and below let apt wait.
if command -v cloud-init >/dev/null 2>&1; then
	say "waiting for cloud-init to finish"
	cloud-init status --wait >/dev/null || say "cloud-init status --wait exited $? (going on)"
fi

if command -v dnf >/dev/null 2>&1; then
	fmt=rpm
elif command -v apt-get >/dev/null 2>&1; then
	fmt=deb
else
	die "neither dnf nor apt-get found: not Amazon Linux 2023 or Ubuntu"
fi

if [ -z "$pkg" ]; then
	shopt -s nullglob
	found=("$pkg_dir"/*."$fmt")
	shopt -u nullglob
	[ "${#found[@]}" -eq 1 ] ||
		die "want exactly one .$fmt in $pkg_dir, found ${#found[@]}; set PERFAGENT_PACKAGE"
	pkg=${found[0]}
fi
[ -f "$pkg" ] || die "no such package file: $pkg"
pkg=$(cd "$(dirname "$pkg")" && pwd)/$(basename "$pkg")

# The image's settings go in before the package. The packages enable the
# service without starting it, but a reinstall over a running one restarts
# it, and it must then start with them.
if [ -n "$image_conf_b64" ]; then
	install -d -m 0755 /etc/perfagent/conf.d
	{
		echo "# Baked into the image by ami/scripts/install.sh (Packer variable image_conf)."
		echo "# Launch templates override it with a later drop-in, such as 50-launch-template.conf."
		printf '%s' "$image_conf_b64" | base64 -d
		echo
	} >"$image_conf.tmp"
	chmod 0644 "$image_conf.tmp"
	mv -f "$image_conf.tmp" "$image_conf"
	say "wrote $image_conf:"
	sed -n 's/^\([^#].*\)/    \1/p' "$image_conf"
fi

say "installing $pkg"
case $fmt in
rpm)
	dnf install -y "$pkg"
	installed=$(rpm -q perfagent)
	;;
deb)
	apt-get -o DPkg::Lock::Timeout=300 update -q
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 \
		install -y -q --no-install-recommends "$pkg"
	installed="perfagent $(dpkg-query -W -f='${Version} ${Architecture}' perfagent)"
	;;
esac
say "installed $installed ($(perfagent version))"

perfagent daemon --check-config || die "the configuration is invalid (see above)"

# Enabled in the image whatever the distribution's preset policy says. The
# packages ship /usr/lib/systemd/system-preset/80-perfagent.preset; this
# copy in /etc is the image's own choice, which a vendor preset cannot
# override (the first boot of an instance, with an empty /etc/machine-id,
# applies the presets).
install -d -m 0755 "$(dirname "$preset")"
printf '# perfagent: started at boot on every instance of this image.\nenable perfagent.service\n' >"$preset"
systemctl enable perfagent.service
# Type=notify: this returns once the daemon is ready, its profile applied.
systemctl restart perfagent.service
say "perfagent.service is $(systemctl is-enabled perfagent.service) and $(systemctl is-active perfagent.service)"
