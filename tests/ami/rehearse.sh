#!/usr/bin/env bash
# The AMI bake rehearsal: runs ami/scripts (install, validate, cleanup) and
# the launch-template user-data (ami/user-data) on the .deb in fresh Debian
# roots made with debootstrap, as Packer and cloud-init would on an
# instance, and checks what they promise.
#
#   1. bake: install.sh (as Packer runs it: uploaded package, sudo env VARS
#      bash script); install.sh again (idempotent); a reboot; validate.sh
#      with PERFAGENT_REHEARSAL=1, and refused with a wrong instance type,
#      a wrong version or no expected type; cleanup.sh, twice; then the
#      image: what cleanup.sh removes is gone, the service enabled but
#      stopped, the configuration kept; then the first boot of a new
#      instance of another type: fresh identity, its own profile applied.
#   2. user-data.sh in a fresh root: installs, applies the launch template's
#      profile; a second run changes nothing; a third with mode = advise
#      reverts the tuning and advises.
#   3. cloud-config.yaml's steps in a fresh root, in cloud-init's final-stage
#      order: the package (the .deb: the rehearsal has no repository), the
#      package's own start (as Debian's postinst under systemd), the deferred
#      drop-in, runcmd; runcmd again; an edited drop-in.
#
# What a chroot cannot have is replaced, and validate.sh says so: systemd by
# tests/ami/systemctl-shim.sh (the unit's ExecStart, in a private network
# namespace), the kernel's /proc and /sys by a fake tree (PERFAGENT_SYSROOT;
# tests/system/tune_tree.sh and fakeroot.sh), IMDS by nothing at all
# (AWS_EC2_METADATA_DISABLED=true, --no-imds, and every step after the
# package installs runs in a new network namespace). Only apt reaches out, to
# the Debian mirror.
#
# Usage: rehearse.sh DEB   (as root; 2-4 minutes, mostly debootstrap)
# Exit 77 when the Debian mirror cannot be reached or this is not a
# Debian/Ubuntu host. PERFAGENT_DEBIAN_MIRROR overrides the mirror.
set -u
# shellcheck source=tests/packaging/lib.sh
. "$(dirname "$0")/../packaging/lib.sh"
# shellcheck source=tests/ami/lib.sh
. "$(dirname "$0")/lib.sh"

deb=${1:?usage: rehearse.sh DEB}
deb=$(cd "$(dirname "$deb")" && pwd)/$(basename "$deb")
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3

[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, chroot, unshare)"
command -v debootstrap >/dev/null 2>&1 || skip "debootstrap not installed (ami/test-deps.sh installs it)"
[ -r /etc/os-release ] && . /etc/os-release
codename=${VERSION_CODENAME:-}
if [ -z "$codename" ] || ! command -v dpkg >/dev/null 2>&1; then
	skip "not a Debian or Ubuntu host"
fi
mirror=${PERFAGENT_DEBIAN_MIRROR:-$(debian_mirror "$codename")}
[ -n "$mirror" ] || skip "no apt source for $codename on this host; set PERFAGENT_DEBIAN_MIRROR"
mirror=${mirror%/}
if ! wget -q -T 15 -t 2 -O /dev/null "$mirror/dists/$codename/Release"; then
	skip "cannot reach the Debian mirror $mirror (fetching dists/$codename/Release failed); the rehearsal needs it"
fi

version=$(dpkg-deb -f "$deb" Version)
upstream=${version%-*}
base=$(mktemp -d /tmp/perfagent-ami.XXXXXX)
roots=()
cleanup() {
	local r
	for r in "${roots[@]}"; do release_root "$r"; done
	if ! grep -q " $base/" /proc/mounts; then rm -rf "$base"; fi
}
trap cleanup EXIT

# has TEXT REGEX: TEXT has a line matching REGEX.
has() {
	printf '%s\n' "$1" | grep -Eq -- "$2"
}

# all_in TEXT REGEX...: TEXT has a line matching each REGEX.
all_in() {
	local text=$1 r
	shift
	for r in "$@"; do has "$text" "$r" || return 1; done
}

# all_lines FILE LINE...: FILE has each LINE, whole.
all_lines() {
	local f=$1 l
	shift
	for l in "$@"; do grep -qxF -- "$l" "$f" || return 1; done
}

# out_has REGEX...: the last step's output has a line matching each REGEX.
out_has() {
	local r
	for r in "$@"; do has "$OUT" "$r" || return 1; done
}

# exits_with RC REGEX...: the last step exited RC, its output matching each REGEX.
exits_with() {
	[ "$RC" -eq "$1" ] || return 1
	shift
	out_has "$@"
}

# pkg_status ROOT: dpkg's status and version of perfagent in ROOT.
pkg_status() {
	chroot "$1" dpkg-query -W -f="\${Status} \${Version}" perfagent 2>/dev/null
}

# step NAME CMD...: runs CMD, shows its output indented, keeps it in OUT
# and its exit status in RC.
step() {
	local name=$1
	shift
	echo "-- $name"
	OUT=$("$@" 2>&1)
	RC=$?
	printf '%s\n' "$OUT" | sed 's/^/   | /'
	echo "   (exit $RC)"
}

# The host's own knobs, to show the rehearsal never tuned the host.
host_knobs() {
	cat /proc/sys/net/core/somaxconn /proc/sys/net/core/netdev_max_backlog \
		/proc/sys/vm/swappiness /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null
}
host_before=$(host_knobs)

echo "== debootstrap --variant=minbase $codename from $mirror"
start=$SECONDS
if ! make_pristine "$base/pristine" "$codename" "$mirror"; then
	bad "debootstrap failed"
	summary "ami rehearsal"
	exit 1
fi
echo "root ready in $((SECONDS - start)) s"
ok "fresh $codename root made with debootstrap"

# ==== 1. the bake ============================================================
echo "== 1. bake: ami/scripts/install.sh, reboot, validate.sh, cleanup.sh"
root=$base/bake
roots+=("$root")
prepare_root "$base/pristine" "$root"
fake_host "$root" m7i.large i-0b4ce00000000000a
check "no systemd runs in the root (/run/systemd/system absent)" test ! -d "$root/run/systemd/system"

# What an EC2 build instance carries and cleanup.sh must remove.
plant() {
	mkdir -p "$(dirname "$root/$1")"
	printf '%s\n' "${2:-planted by the AMI rehearsal}" >"$root/$1"
}
for k in ssh_host_ed25519_key ssh_host_rsa_key; do
	plant "etc/ssh/$k"
	plant "etc/ssh/$k.pub"
done
plant etc/ssh/ssh_host_ed25519_key-cert.pub
plant etc/ssh/sshd_config "# kept"
plant root/.ssh/authorized_keys "ssh-ed25519 AAAA packer_build_key"
plant home/ec2-user/.ssh/authorized_keys "ssh-ed25519 AAAA packer_build_key"
plant root/.bash_history "history"
plant home/ec2-user/.bash_history "history"
plant var/lib/cloud/instances/i-0b4ce00000000000a/user-data.txt "#cloud-config"
plant var/lib/cloud/instances/i-0b4ce00000000000a/sem/config_ssh "done"
ln -sfn /var/lib/cloud/instances/i-0b4ce00000000000a "$root/var/lib/cloud/instance"
plant var/lib/cloud/data/instance-id i-0b4ce00000000000a
plant var/lib/cloud/sem/config_scripts_per_once.once "done"
plant var/lib/cloud/seed/nocloud/meta-data "# kept: configuration"
plant var/log/cloud-init.log "cloud-init ran"
plant var/log/cloud-init-output.log "cloud-init said"
machine_id=$(cat "$root/etc/machine-id")
plant "var/log/journal/$machine_id/system.journal" "journal"
plant var/log/syslog "live log"
plant var/log/syslog.1 "rotated"
plant var/log/apt/history.log.1.gz "rotated"
plant var/log/messages.old "rotated"
plant var/lib/systemd/random-seed "seed"
plant var/lib/dbus/machine-id "$machine_id"
check "the root has a machine id before the bake ($machine_id)" test -n "$machine_id"

# As Packer does: the package uploaded to /tmp/perfagent-bake/, each script
# uploaded and run as root with its environment.
mkdir -p "$root/tmp/packer" "$root/tmp/perfagent-bake"
cp "$AMI_TOP"/ami/scripts/*.sh "$root/tmp/packer/"
cp "$deb" "$root/tmp/perfagent-bake/"
image_conf='exclude = sysctl:vm.swappiness'
image_b64=$(printf '%s' "$image_conf" | base64 -w0)

step "install.sh" in_root "$root" env PERFAGENT_IMAGE_CONF_B64="$image_b64" bash /tmp/packer/install.sh
check "install.sh exits 0" test "$RC" -eq 0
check "install.sh: dpkg has perfagent $version" test "$(pkg_status "$root")" = "install ok installed $version"
check "install.sh: the image drop-in conf.d/10-image.conf holds the image_conf settings" \
	grep -qx "$image_conf" "$root/etc/perfagent/conf.d/10-image.conf"
check "install.sh: preset file enables perfagent.service" \
	grep -qx "enable perfagent.service" "$root/etc/systemd/system-preset/80-perfagent.preset"
check "install.sh: perfagent.service enabled (multi-user.target.wants)" \
	test -L "$root/etc/systemd/system/multi-user.target.wants/perfagent.service"
check "install.sh: the service was started" running_in "$root"
check "install.sh: the image's exclude is honoured (vm.swappiness of the fake host still 60)" \
	test "$(cat "$root$FAKE_HOST/proc/sys/vm/swappiness")" = 60
step "install.sh again" in_root "$root" env PERFAGENT_IMAGE_CONF_B64="$image_b64" bash /tmp/packer/install.sh
check "install.sh is idempotent: a second run exits 0" test "$RC" -eq 0

echo "-- reboot (the stand-in stops the service, empties /run, new boot id, starts what is enabled)"
pid_before=$(daemon_pid "$root")
reboot_root "$root"
pid_after=$(daemon_pid "$root")
check "after the reboot the enabled service runs again (pid $pid_before -> $pid_after)" \
	test -n "$pid_after" -a "$pid_after" != "$pid_before"

rehearsal_env=(env PERFAGENT_REHEARSAL=1 PERFAGENT_EXPECT_INSTANCE_TYPE=m7i.large PERFAGENT_EXPECT_VERSION="$upstream")
step "validate.sh (PERFAGENT_REHEARSAL=1, expecting m7i.large, $upstream)" \
	offline "$root" "${rehearsal_env[@]}" bash /tmp/packer/validate.sh
check "validate.sh exits 0" test "$RC" -eq 0
check "validate.sh: its last line is 'validate: N passed, 0 failed'" \
	has "$(printf '%s\n' "$OUT" | tail -1)" '^validate: [1-9][0-9]* passed, 0 failed$'
check "validate.sh says what a rehearsal does not check (IMDS, systemd, the kernel)" \
	out_has 'REHEARSAL' '  - IMDS:' '  - systemd:' '  - the kernel:'
check "validate.sh checked the general profile of m7i.large, applied, and verify" \
	out_has "ok: the daemon's profile is general" 'ok: the profile is applied' 'ok: perfagent verify'
step "validate.sh expecting c6in.large (not this instance)" \
	offline "$root" env PERFAGENT_REHEARSAL=1 PERFAGENT_EXPECT_INSTANCE_TYPE=c6in.large bash /tmp/packer/validate.sh
check "validate.sh fails on another instance type" \
	exits_with 1 'FAIL: perfagent detect: instance type c6in.large'
step "validate.sh expecting version 0.0.0" \
	offline "$root" env PERFAGENT_REHEARSAL=1 PERFAGENT_EXPECT_INSTANCE_TYPE=m7i.large PERFAGENT_EXPECT_VERSION=0.0.0 bash /tmp/packer/validate.sh
check "validate.sh fails on another version" exits_with 1 'FAIL: version is 0\.0\.0'
step "validate.sh in a rehearsal without an expected type" \
	offline "$root" env PERFAGENT_REHEARSAL=1 bash /tmp/packer/validate.sh
check "validate.sh refuses a rehearsal without PERFAGENT_EXPECT_INSTANCE_TYPE (it never asks IMDS)" \
	exits_with 1 'needs PERFAGENT_EXPECT_INSTANCE_TYPE'

state=$root/var/lib/perfagent
check "before cleanup: the daemon left state (identity.json, journal.json)" \
	test -s "$state/identity.json" -a -s "$state/journal.json"
step "cleanup.sh" offline "$root" bash /tmp/packer/cleanup.sh
check "cleanup.sh exits 0" test "$RC" -eq 0
check "cleanup.sh stopped the daemon first (and the state it saved at stop went too)" \
	has "$OUT" '^cleanup: stopped perfagent.service$'
step "cleanup.sh again" offline "$root" bash /tmp/packer/cleanup.sh
check "cleanup.sh is idempotent: a second run exits 0" test "$RC" -eq 0

echo "-- the image as cleanup.sh leaves it"
check "image: perfagent.service still enabled" \
	test -L "$root/etc/systemd/system/multi-user.target.wants/perfagent.service"
check "image: the preset file stays" test -s "$root/etc/systemd/system-preset/80-perfagent.preset"
check "image: perfagent not running, no control socket" \
	test ! -e "$root/run/perfagent/perfagent.sock" -a ! -s "$root/run/systemctl-shim/perfagent.pid"
check "image: /var/lib/perfagent empty (no identity, journal, credits, spool, lock)" \
	test -z "$(ls -A "$state" 2>/dev/null)"
dpkg-deb --fsys-tarfile "$deb" | tar -xO ./etc/perfagent/perfagent.conf >"$base/packaged.conf"
check "image: /etc/perfagent/perfagent.conf is the packaged one" \
	cmp -s "$base/packaged.conf" "$root/etc/perfagent/perfagent.conf"
check "image: the image drop-in conf.d/10-image.conf stays" grep -qx "$image_conf" "$root/etc/perfagent/conf.d/10-image.conf"
check "image: /etc/machine-id exists and is empty" test -e "$root/etc/machine-id" -a ! -s "$root/etc/machine-id"
check "image: /var/lib/dbus/machine-id gone" test ! -e "$root/var/lib/dbus/machine-id"
check "image: no SSH host key (private, public, certificate)" \
	test -z "$(find "$root/etc/ssh" -name 'ssh_host_*' 2>/dev/null)"
check "image: sshd_config kept" test -s "$root/etc/ssh/sshd_config"
check "image: no authorized_keys (root, ec2-user)" \
	test ! -e "$root/root/.ssh/authorized_keys" -a ! -e "$root/home/ec2-user/.ssh/authorized_keys"
check "image: /var/lib/cloud holds only seed/" test "$(ls -A "$root/var/lib/cloud")" = seed
check "image: cloud-init's seed kept" test -s "$root/var/lib/cloud/seed/nocloud/meta-data"
check "image: no cloud-init logs" \
	test ! -e "$root/var/log/cloud-init.log" -a ! -e "$root/var/log/cloud-init-output.log"
check "image: no journal directory under /var/log/journal" \
	test -z "$(find "$root/var/log/journal" -mindepth 1 -maxdepth 1 -type d 2>/dev/null)"
check "image: no rotated logs (*.1, *.gz, *.old)" \
	test -z "$(find "$root/var/log" -type f \( -name '*.[0-9]' -o -name '*.gz' -o -name '*.old' \))"
nonempty=$(find "$root/var/log" -type f -size +0 | sed "s|^$root||")
check "image: every log under /var/log is empty${nonempty:+ (not: $(printf '%s' "$nonempty" | tr '\n' ' '))}" test -z "$nonempty"
check "image: live logs kept, emptied (syslog, dpkg.log)" \
	test -e "$root/var/log/syslog" -a -e "$root/var/log/dpkg.log"
check "image: no systemd random seed" test ! -e "$root/var/lib/systemd/random-seed"
check "image: no shell history" test ! -e "$root/root/.bash_history" -a ! -e "$root/home/ec2-user/.bash_history"
check "image: the uploaded package is gone (/tmp/perfagent-bake)" test ! -e "$root/tmp/perfagent-bake"
check "image: no package in apt's cache" test -z "$(find "$root/var/cache/apt/archives" -name '*.deb')"
check "image: perfagent still installed" test "$(pkg_status "$root")" = "install ok installed $version"

echo "-- first boot of a new instance from the image: a c6in.large"
rm -rf "$root/tmp/packer"
fake_host "$root" c6in.large i-0f1e57b007000000b
find "$root/run" -mindepth 1 -maxdepth 1 ! -name systemctl-shim -exec rm -rf {} +
in_root "$root" systemctl start perfagent.service
check "new instance: the service starts (enabled in the image)" running_in "$root"
check "new instance: perfagent sees c6in.large i-0f1e57b007000000b" \
	test "$(status_json "$root" 'j["identity"]["instance_type"] + " " + j["identity"]["instance_id"]')" = "c6in.large i-0f1e57b007000000b"
check "new instance: its own layers, compute + network, applied" \
	test "$(status_json "$root" '" + ".join(l["name"] for l in j["profile"]["layers"]) + " " + j["profile"]["state"]')" = "compute + network applied"
step "new instance: perfagent verify" offline "$root" perfagent verify
check "new instance: perfagent verify passes (a journal of this boot only)" test "$RC" -eq 0
check "new instance: identity.json is the new instance's" grep -q i-0f1e57b007000000b "$state/identity.json"
in_root "$root" systemctl stop perfagent.service

# ==== 2. the bash user-data ==================================================
echo "== 2. ami/user-data/user-data.sh on a fresh root (an r7i.large)"
root=$base/userdata
roots+=("$root")
prepare_root "$base/pristine" "$root"
fake_host "$root" r7i.large i-0d47ada7a0000000c
cp -a "$root$FAKE_HOST" "$base/userdata-boot"
arch=$(chroot "$root" dpkg --print-architecture)
cp "$deb" "$root/tmp/perfagent_$arch.deb"
cp "$AMI_TOP/ami/user-data/user-data.sh" "$root/tmp/user-data.sh"
log=$root/var/log/perfagent-user-data.log
dropin=$root/etc/perfagent/conf.d/50-launch-template.conf

step "user-data.sh (PERFAGENT_PACKAGE=/tmp/perfagent_{arch}.deb, PERFAGENT_PROFILE=compute)" \
	in_root "$root" env PERFAGENT_PACKAGE='/tmp/perfagent_{arch}.deb' PERFAGENT_PROFILE=compute bash /tmp/user-data.sh
check "user-data.sh exits 0" test "$RC" -eq 0
check "user-data.sh: {arch} became $arch" out_has "installing perfagent .* from /tmp/perfagent_$arch\.deb"
check "user-data.sh: the package is installed" test "$(pkg_status "$root")" = "install ok installed $version"
check "user-data.sh: the drop-in says mode = apply, profile = compute" \
	all_lines "$dropin" 'mode = apply' 'profile = compute'
check "user-data.sh: the agent runs" running_in "$root"
check "user-data.sh: profile compute applied on the r7i.large" \
	test "$(status_json "$root" 'j["identity"]["instance_type"] + " " + j["profile"]["name"] + " " + j["profile"]["state"]')" = "r7i.large compute applied"
check "user-data.sh: it verified" has "$OUT" 'perfagent-user-data: \+ perfagent verify'
check "user-data.sh: it logged to /var/log/perfagent-user-data.log" grep -q 'perfagent-user-data: done' "$log"
pid1=$(daemon_pid "$root")
step "user-data.sh again, same settings (offline)" \
	offline "$root" env PERFAGENT_PACKAGE='/tmp/perfagent_{arch}.deb' PERFAGENT_PROFILE=compute bash /tmp/user-data.sh
check "user-data.sh again exits 0" test "$RC" -eq 0
check "user-data.sh again: nothing changed (drop-in, package, service)" \
	out_has '50-launch-template\.conf unchanged' 'already installed' 'already running with this configuration'
check "user-data.sh again: the same daemon ($pid1)" test "$(daemon_pid "$root")" = "$pid1"
step "user-data.sh with PERFAGENT_MODE=advise (offline)" \
	offline "$root" env PERFAGENT_PACKAGE='/tmp/perfagent_{arch}.deb' PERFAGENT_MODE=advise bash /tmp/user-data.sh
check "user-data.sh advise exits 0" test "$RC" -eq 0
check "user-data.sh advise: stop, revert, start" has "$OUT" 'older configuration: stop, revert, start'
check "user-data.sh advise: profile memory (r7i's match) advised" \
	test "$(status_json "$root" 'j["profile"]["name"] + " " + j["profile"]["state"]')" = "memory advised"
check "user-data.sh advise: the fake host's knobs are back at their boot values" \
	diff -r --no-dereference "$base/userdata-boot" "$root$FAKE_HOST"
step "user-data.sh with PERFAGENT_MODE=bogus" offline "$root" env PERFAGENT_MODE=bogus bash /tmp/user-data.sh
check "user-data.sh refuses a bad mode" exits_with 1 'must be apply or advise'
in_root "$root" systemctl stop perfagent.service

# ==== 3. the cloud-config's steps ============================================
echo "== 3. ami/user-data/cloud-config.yaml's steps on a fresh root (a c6in.large)"
root=$base/cloudcfg
roots+=("$root")
prepare_root "$base/pristine" "$root"
fake_host "$root" c6in.large i-0c10dc0f90000000d
cp -a "$root$FAKE_HOST" "$base/cloudcfg-boot"
log=$root/var/log/perfagent-user-data.log
# The parts of the cloud-config, as cloud-init reads them.
"$py" - "$AMI_TOP/ami/user-data/cloud-config.yaml" "$base/cc" <<'PY' || bad "cannot read the cloud-config"
import os, sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
out = sys.argv[2]
os.makedirs(out, exist_ok=True)
open(os.path.join(out, "packages"), "w").write("\n".join(cfg["packages"]) + "\n")
deferred = [f for f in cfg["write_files"] if f.get("defer")]
assert len(deferred) == 1, deferred
f = deferred[0]
open(os.path.join(out, "path"), "w").write(f["path"])
open(os.path.join(out, "permissions"), "w").write(f.get("permissions", "0644"))
open(os.path.join(out, "content"), "w").write(f["content"])
# cloud-init's runcmd script: a shell script, one item per line (strings as
# they are, lists quoted).
import shlex
lines = ["#!/bin/sh"]
for item in cfg["runcmd"]:
    lines.append(item if isinstance(item, str) else " ".join(shlex.quote(str(a)) for a in item))
open(os.path.join(out, "runcmd"), "w").write("\n".join(lines) + "\n")
PY
cc_path=$(cat "$base/cc/path")
check "cloud-config: packages is perfagent" test "$(cat "$base/cc/packages")" = perfagent
echo "-- packages: the built .deb stands in for the repository's perfagent"
cp "$deb" "$root/tmp/"
in_root "$root" apt-get update -q >/dev/null 2>&1
step "apt-get install perfagent" in_root "$root" apt-get install -y -q --no-install-recommends "/tmp/$(basename "$deb")"
check "cloud-config: the package installs" test "$RC" -eq 0
step "the package's start (Debian's postinst does it under systemd), before the drop-in" \
	in_root "$root" systemctl start perfagent.service
check "cloud-config: the service ran with the packaged defaults first" \
	test "$(status_json "$root" '" + ".join(l["name"] for l in j["profile"]["layers"]) + " " + j["profile"]["state"]')" = "compute + network applied"
# write_deferred CONTENT: the deferred write_files entry, as cloud-init writes it.
write_deferred() {
	mkdir -p "$(dirname "$root$cc_path")"
	printf '%s' "$1" >"$root$cc_path"
	chmod "$(cat "$base/cc/permissions")" "$root$cc_path"
	chown 0:0 "$root$cc_path"
}
echo "-- write_files (defer: true): $cc_path"
write_deferred "$(cat "$base/cc/content")"
mkdir -p "$root/var/lib/cloud/instance/scripts"
install -m 0700 "$base/cc/runcmd" "$root/var/lib/cloud/instance/scripts/runcmd"
step "runcmd (offline)" offline "$root" sh /var/lib/cloud/instance/scripts/runcmd
check "cloud-config runcmd exits 0" test "$RC" -eq 0
check "cloud-config runcmd: restarted the agent started before the drop-in (stop, revert, start)" \
	has "$OUT" 'older configuration: stop, revert, start'
check "cloud-config runcmd: the agent runs with the drop-in (in config_files), compute + network applied" \
	test "$(status_json "$root" '("'"$cc_path"'" in j["agent"]["config_files"]) and " + ".join(l["name"] for l in j["profile"]["layers"]) + " " + j["profile"]["state"]')" = "compute + network applied"
check "cloud-config runcmd: it verified and logged to /var/log/perfagent-user-data.log" \
	all_in "$(cat "$log")" '\+ perfagent verify' 'perfagent-user-data: done'
pid1=$(daemon_pid "$root")
step "runcmd again (offline)" offline "$root" sh /var/lib/cloud/instance/scripts/runcmd
check "cloud-config runcmd again: exit 0, nothing to do" exits_with 0 'already running with this configuration'
check "cloud-config runcmd again: the same daemon ($pid1)" test "$(daemon_pid "$root")" = "$pid1"
echo "-- the drop-in edited to mode = advise, written again"
write_deferred "$(sed 's/^mode = apply$/mode = advise/' "$base/cc/content")"
step "runcmd (offline)" offline "$root" sh /var/lib/cloud/instance/scripts/runcmd
check "cloud-config runcmd, mode = advise: exit 0, stop, revert, start" \
	exits_with 0 'older configuration: stop, revert, start'
check "cloud-config runcmd, mode = advise: compute + network advised" \
	test "$(status_json "$root" '" + ".join(l["name"] for l in j["profile"]["layers"]) + " " + j["profile"]["state"]')" = "compute + network advised"
check "cloud-config runcmd, mode = advise: the fake host's knobs are back at their boot values" \
	diff -r --no-dereference "$base/cloudcfg-boot" "$root$FAKE_HOST"
in_root "$root" systemctl stop perfagent.service

check "the host's own knobs are untouched (somaxconn, netdev_max_backlog, swappiness, THP)" \
	test "$(host_knobs)" = "$host_before"
summary "ami rehearsal"
