#!/bin/bash
# perfagent at launch: EC2 user-data for a launch template, on a stock Amazon
# Linux 2023 or Ubuntu 24.04 AMI. Installs perfagent, writes this launch
# template's settings as a conf.d drop-in, and leaves the agent running with
# its profile applied (or advised).
#
# cloud-init runs it once per instance, as root; its output also lands in
# /var/log/cloud-init-output.log. Idempotent: run it again (as root) and it
# changes only what differs. Every step is logged to
# /var/log/perfagent-user-data.log and to syslog (tag perfagent-user-data).
set -euo pipefail

# ---- settings for the instances of this launch template --------------------
# Where the package comes from:
#   repo                    "perfagent" from a dnf/apt repository the AMI knows
#   /path/to/file           a .rpm (Amazon Linux) or .deb (Ubuntu) on the instance
#   https://host/path/file  downloaded with curl, e.g. a presigned S3 URL
# "{arch}" in a path or URL becomes the package architecture (rpm: x86_64 or
# aarch64; deb: amd64 or arm64), so one launch template serves both.
PERFAGENT_PACKAGE=${PERFAGENT_PACKAGE:-repo}
# apply: tune at start; advise: plan and report only, never write.
PERFAGENT_MODE=${PERFAGENT_MODE:-apply}
# A profile name (perfagent profiles list), or empty to match the instance type.
PERFAGENT_PROFILE=${PERFAGENT_PROFILE:-}
# Knobs never to touch, e.g. "sysctl:net.core.somaxconn, block:*:scheduler".
PERFAGENT_EXCLUDE=${PERFAGENT_EXCLUDE:-}
# ------------------------------------------------------------------------------

dropin=/etc/perfagent/conf.d/50-launch-template.conf
log=/var/log/perfagent-user-data.log
# Which configuration the daemon was last (re)started with in this boot.
stamp=/run/perfagent-user-data.sha256
work=/run/perfagent-user-data
unit=perfagent.service

say() {
	local line
	line="$(date -u +%Y-%m-%dT%H:%M:%SZ) perfagent-user-data: $*"
	echo "$line"
	echo "$line" >>"$log"
	logger -t perfagent-user-data -- "$*" 2>/dev/null || true
}
die() {
	say "ERROR: $*"
	exit 1
}
# run CMD...: runs CMD, its output into the log too.
run() {
	say "+ $*"
	"$@" 2>&1 | tee -a "$log"
	return "${PIPESTATUS[0]}"
}

[ "$(id -u)" -eq 0 ] || die "run as root"
case $PERFAGENT_MODE in
apply | advise) ;;
*) die "PERFAGENT_MODE must be apply or advise, not '$PERFAGENT_MODE'" ;;
esac
if command -v dnf >/dev/null 2>&1; then
	fmt=rpm arch=$(uname -m)
elif command -v apt-get >/dev/null 2>&1; then
	fmt=deb arch=$(dpkg --print-architecture)
else
	die "neither dnf nor apt-get found: not Amazon Linux 2023 or Ubuntu"
fi
was_active=no
systemctl is-active --quiet "$unit" 2>/dev/null && was_active=yes

# ---- 1. the drop-in, before the package: Debian and Ubuntu start the
# service on install, and it should start with these settings.
mkdir -p "$(dirname "$dropin")" "$work"
{
	echo "# Written by the launch template's user-data (ami/user-data/user-data.sh)."
	echo "mode = $PERFAGENT_MODE"
	[ -z "$PERFAGENT_PROFILE" ] || echo "profile = $PERFAGENT_PROFILE"
	[ -z "$PERFAGENT_EXCLUDE" ] || echo "exclude = $PERFAGENT_EXCLUDE"
} >"$work/dropin"
if cmp -s "$work/dropin" "$dropin"; then
	say "$dropin unchanged"
else
	install -m 0644 "$work/dropin" "$dropin"
	say "wrote $dropin: $(grep -v '^#' "$dropin" | paste -sd ';' -)"
fi

# ---- 2. the package
installed_version() {
	if [ "$fmt" = rpm ]; then
		rpm -q --qf '%{VERSION}-%{RELEASE}' perfagent 2>/dev/null || true
	else
		{ dpkg-query -W -f='${db:Status-Abbrev} ${Version}' perfagent 2>/dev/null || true; } | sed -n 's/^ii *//p'
	fi
}
apt_get() {
	DEBIAN_FRONTEND=noninteractive apt-get -o DPkg::Lock::Timeout=300 -q -y "$@"
}
have=$(installed_version)
src=${PERFAGENT_PACKAGE//\{arch\}/$arch}
case $src in
repo)
	if [ -n "$have" ]; then
		say "perfagent $have already installed"
	elif [ "$fmt" = rpm ]; then
		run dnf install -y perfagent || die "dnf install perfagent failed"
	else
		run apt_get update || die "apt-get update failed"
		run apt_get install --no-install-recommends perfagent || die "apt-get install perfagent failed"
	fi
	;;
*)
	if [[ $src == https://* ]]; then
		file=$work/perfagent.$fmt
		say "downloading $src"
		curl -fsS --retry 5 --retry-connrefused -o "$file" "$src" || die "cannot download $src"
	else
		file=$src
	fi
	[ -f "$file" ] || die "no such package file: $file"
	if [ "$fmt" = rpm ]; then
		want=$(rpm -qp --qf '%{VERSION}-%{RELEASE}' "$file")
	else
		want=$(dpkg-deb -f "$file" Version)
	fi
	if [ "$have" = "$want" ]; then
		say "perfagent $have already installed"
	else
		say "installing perfagent $want from $src${have:+ (replacing $have)}"
		file=$(cd "$(dirname "$file")" && pwd)/$(basename "$file")
		if [ "$fmt" = rpm ]; then
			run dnf install -y "$file" || die "dnf install $file failed"
		else
			run apt_get update || die "apt-get update failed"
			run apt_get install --no-install-recommends "$file" || die "apt-get install $file failed"
		fi
	fi
	;;
esac
command -v perfagent >/dev/null 2>&1 || die "perfagent is not installed"
run perfagent daemon --check-config || die "the configuration is invalid"

# ---- 3. the service, running with this configuration
sum=$(cat /etc/perfagent/perfagent.conf /etc/perfagent/conf.d/*.conf 2>/dev/null | sha256sum | cut -d' ' -f1)
run systemctl enable "$unit"
if systemctl is-active --quiet "$unit" && [ "$(cat "$stamp" 2>/dev/null)" = "$sum" ]; then
	say "$unit already running with this configuration"
elif systemctl is-active --quiet "$unit" && { [ "$was_active" = yes ] || [ -e "$stamp" ]; }; then
	# Running with an older configuration: undo its tuning, so that knobs
	# the new settings leave alone go back to their boot values.
	say "$unit runs with an older configuration: stop, revert, start"
	run systemctl stop "$unit"
	run perfagent revert || die "perfagent revert failed"
	run systemctl start --no-block "$unit"
else
	# Not running, or started by the package install just now, after the
	# drop-in was written (Debian, Ubuntu).
	run systemctl start --no-block "$unit"
fi
# --no-block: a service started from cloud-init must not wait on boot
# ordering; wait for the daemon's answer instead.
for _ in $(seq 60); do
	perfagent status >/dev/null 2>&1 && break
	sleep 1
done
echo "$sum" >"$stamp"
run perfagent status || die "perfagent status: the daemon did not answer within 60 s"
case $(perfagent status --json) in
*'"state": "applied"'* | *'"state": "advised"'*) ;;
*) die "no profile applied or advised (see perfagent status above)" ;;
esac
if [ "$PERFAGENT_MODE" = apply ]; then
	run perfagent verify || die "perfagent verify found drift"
fi
say "done: perfagent $PERFAGENT_MODE${PERFAGENT_PROFILE:+, profile $PERFAGENT_PROFILE}"
