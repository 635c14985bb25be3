#!/bin/bash
# Packer provisioner 2 of 3 (validate): checks the build instance after a
# reboot, before it is imaged. Fails the build (exit 1) on any failed check:
#
#   - perfagent is installed (at PERFAGENT_EXPECT_VERSION when set) and its
#     configuration is valid;
#   - perfagent.service is enabled (and preset so) and active, i.e. it came
#     up at boot;
#   - `perfagent detect` finds the instance type of the build instance, as
#     IMDSv2 reports it (read here with curl, independently of perfagent);
#   - the daemon's profile is the one `perfagent profiles explain TYPE`
#     gives for that type (or the one the configuration names), applied
#     without failure (advised with mode = advise);
#   - `perfagent verify`: the live values are the applied ones (mode apply).
#
# Run as root. Environment:
#   PERFAGENT_EXPECT_VERSION        the version the AMI is tagged with
#   PERFAGENT_EXPECT_INSTANCE_TYPE  the build instance's type; default: ask
#                                   IMDSv2 (never in a rehearsal)
#   PERFAGENT_REHEARSAL=1           a rehearsal outside EC2 (a chroot): no
#                                   IMDS at all, the expected type must be
#                                   given; says what it cannot check
set -uo pipefail

rehearsal=${PERFAGENT_REHEARSAL:-0}
expect_type=${PERFAGENT_EXPECT_INSTANCE_TYPE:-}
expect_version=${PERFAGENT_EXPECT_VERSION:-}
imds=http://169.254.169.254
unit=perfagent.service
preset=/etc/systemd/system-preset/80-perfagent.preset
passed=0
failed=0

ok() {
	passed=$((passed + 1))
	echo "validate: ok: $*"
}
bad() {
	failed=$((failed + 1))
	echo "validate: FAIL: $*" >&2
}
# check DESCRIPTION CMD...: ok when CMD succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}
note() { echo "validate: $*"; }
# json EXPR: EXPR over the JSON object j read from standard input.
json() {
	python3 -c 'import json, sys
j = json.load(sys.stdin)
v = eval(sys.argv[1])
print("" if v is None else v)' "$1"
}
finish() {
	echo "validate: $passed passed, $failed failed"
	[ "$failed" -eq 0 ] || exit 1
	exit 0
}

[ "$(id -u)" -eq 0 ] || {
	bad "run as root"
	finish
}
command -v python3 >/dev/null 2>&1 || {
	bad "python3 is needed to read perfagent's JSON output"
	finish
}

detect_args=()
if [ "$rehearsal" = 1 ]; then
	# Nothing below may reach a metadata service: perfagent is told twice.
	export AWS_EC2_METADATA_DISABLED=true
	detect_args=(--no-imds)
	note "REHEARSAL: not on EC2. Not checked here:"
	note "  - IMDS: the expected instance type is PERFAGENT_EXPECT_INSTANCE_TYPE, and perfagent detect runs with --no-imds"
	if [ ! -d /run/systemd/system ]; then
		note "  - systemd: it is not running (PID 1 is $(cat /proc/1/comm 2>/dev/null || echo unknown)); systemctl answers come from the rehearsal's stand-in, so the unit's sandbox, READY=1 and the boot order are not exercised"
	fi
	if [ -n "${PERFAGENT_SYSROOT:-}" ]; then
		note "  - the kernel: perfagent reads and tunes /proc and /sys under PERFAGENT_SYSROOT=$PERFAGENT_SYSROOT, a fake tree"
	fi
fi

# ---- the package and its configuration
if command -v perfagent >/dev/null 2>&1; then
	version=$(perfagent version 2>&1)
	ok "installed: $version"
	if [ -n "$expect_version" ]; then
		check "version is $expect_version, the AMI's perfagent_version tag" \
			test "$version" = "perfagent $expect_version"
	fi
else
	bad "perfagent is not installed"
	finish
fi
conf_out=$(perfagent daemon --check-config 2>&1)
rc=$?
check "perfagent daemon --check-config: $conf_out" test "$rc" -eq 0

# ---- the service (just after a boot it may still be starting)
for _ in $(seq 60); do
	[ "$(systemctl is-active "$unit" 2>&1)" = activating ] || break
	sleep 1
done
check "$unit is enabled" test "$(systemctl is-enabled "$unit" 2>&1)" = enabled
check "$preset enables it" grep -qx "enable $unit" "$preset"
check "$unit is active" test "$(systemctl is-active "$unit" 2>&1)" = active

# ---- the instance type
if [ -z "$expect_type" ]; then
	if [ "$rehearsal" = 1 ]; then
		bad "a rehearsal needs PERFAGENT_EXPECT_INSTANCE_TYPE (it never asks IMDS)"
		finish
	fi
	# IMDSv2 only: a session token, then the instance type.
	if ! token=$(curl -sS -f -m 5 -X PUT "$imds/latest/api/token" \
		-H 'X-aws-ec2-metadata-token-ttl-seconds: 60' 2>&1); then
		bad "cannot get an IMDSv2 token: $token"
		finish
	fi
	if ! expect_type=$(curl -sS -f -m 5 -H "X-aws-ec2-metadata-token: $token" \
		"$imds/latest/meta-data/instance-type" 2>&1); then
		bad "cannot read the instance type from IMDSv2: $expect_type"
		finish
	fi
	note "IMDSv2 says this build instance is a $expect_type"
else
	note "expected instance type (PERFAGENT_EXPECT_INSTANCE_TYPE): $expect_type"
fi

perfagent detect "${detect_args[@]}"
detected=$(perfagent detect --json "${detect_args[@]}")
check "perfagent detect: EC2" test "$(echo "$detected" | json 'j["is_ec2"]')" = True
check "perfagent detect: instance type $expect_type (found $(echo "$detected" | json 'j["instance_type"]') from $(echo "$detected" | json 'j["source"]'))" \
	test "$(echo "$detected" | json 'j["instance_type"]')" = "$expect_type"

# ---- the profile: the configuration's, else the match rules'
# configured: the last "profile =" of the files check-config read, in order.
configured=""
for f in $(echo "$conf_out" | sed -n 's/^configuration OK: //p'); do
	v=$(sed -n 's/^[[:space:]]*profile[[:space:]]*=[[:space:]]*\([^[:space:]#]*\).*/\1=/p' "$f" | tail -1)
	[ -n "$v" ] && configured=${v%=}
done
matched=$(perfagent profiles --json explain "$expect_type" | json 'j["profile"]')
if [ -n "$configured" ]; then
	want_profile=$configured
	note "the configuration names profile $configured (the match rules would give $matched)"
else
	want_profile=$matched
	note "the match rules give $expect_type the profile $matched"
fi
check "a profile to expect" test -n "$want_profile"

# ---- what the daemon did
if status=$(perfagent status --json 2>&1); then
	perfagent status
	mode=$(echo "$status" | json 'j["agent"]["mode"]')
	check "the daemon sees $expect_type" \
		test "$(echo "$status" | json 'j["identity"]["instance_type"]')" = "$expect_type"
	check "the daemon's profile is $want_profile" \
		test "$(echo "$status" | json 'j["profile"]["name"]')" = "$want_profile"
	case $mode in
	apply) want_state=applied ;;
	*) want_state=advised ;;
	esac
	check "the profile is $want_state (mode $mode)" \
		test "$(echo "$status" | json 'j["profile"]["state"]')" = "$want_state"
	check "no knob failed ($(echo "$status" | json 'j["profile"]["counts"]'))" \
		test "$(echo "$status" | json 'j["profile"]["counts"]["failed"]')" = 0
	if [ "$mode" = apply ]; then
		perfagent verify
		rc=$?
		check "perfagent verify: the live values are the applied ones (exit $rc)" test "$rc" -eq 0
	else
		note "mode $mode: nothing is applied, so perfagent verify is skipped"
	fi
	not_running=$(echo "$status" | json '", ".join(p["name"] + " (" + str(p["reason"]) + ")" for p in j["probes"] if p["state"] != "running")')
	[ -z "$not_running" ] || note "probes not running (not a failure): $not_running"
else
	bad "perfagent status: $status"
fi

finish
