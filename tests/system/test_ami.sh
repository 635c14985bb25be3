#!/usr/bin/env bash
# The AMI recipe and the launch-template user-data (ami/).
#
# Always (from `make system` and `make ami-validate`; seconds, no root
# needed): shellcheck on every script of ami/ and its tests, and on the
# cloud-config's runcmd; `packer fmt -check` on ami/; `packer validate
# -syntax-only` on ami/perfagent.pkr.hcl, and a full `packer validate` of it
# for x86_64 and arm64 without the lines Debian's Packer 1.6.6 does not know
# (metadata_options, imds_support: they stay syntax-checked); what the
# recipe must hold (IMDSv2 required, encrypted root, timestamped AMI name,
# version tags, the three provisioners in order, the manifest); `cloud-init
# schema` on the cloud-config example, every top-level key a known one, and
# its drop-in valid for perfagent. A tool that is missing is reported and
# its checks left to `make ami-validate`, which installs it.
#
# With PERFAGENT_AMI_TEST=full (`make ami-test`; a few minutes, root, the
# Debian mirror): also builds the .deb (`make deb`) and runs the bake
# rehearsal (tests/ami/rehearse.sh). Exit 77 when, all else passing, the
# rehearsal was skipped (mirror unreachable, not root, not Debian/Ubuntu).
# lane: side
set -u
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"
# shellcheck source=tests/packaging/lib.sh
. "$(dirname "$0")/../packaging/lib.sh"

top=$(cd "$TESTS_DIR/../.." && pwd)
ami=$top/ami
recipe=$ami/perfagent.pkr.hcl
plugins=$ami/plugins.pkr.hcl
cloud_config=$ami/user-data/cloud-config.yaml
tmp=$(mktemp -d /tmp/perfagent-ami-test.XXXXXX)
skipped=0
trap 'rm -rf "$tmp"' EXIT
# A Python with PyYAML (python3-yaml comes with cloud-init); cloud-init's own
# modules live with the system Python.
py=""
for p in /usr/bin/python3 python3; do
	if "$p" -c 'import yaml' 2>/dev/null; then
		py=$p
		break
	fi
done
# Packer: no call home, and (as root) no network at all; its configuration
# directory is the test's own (none is written in HOME).
export CHECKPOINT_DISABLE=1 AWS_EC2_METADATA_DISABLED=true PACKER_CONFIG_DIR=$tmp/packer.d
nonet=()
[ "$(id -u)" -eq 0 ] && unshare -n true 2>/dev/null && nonet=(unshare -n)

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

# section TEXT FROM TO: the lines of TEXT from one matching FROM to the next
# matching TO (sed addresses).
section() {
	printf '%s\n' "$1" | sed -n "/$2/,/$3/p"
}

# ---- the files
for f in "$recipe" "$plugins" "$ami/scripts/install.sh" "$ami/scripts/validate.sh" \
	"$ami/scripts/cleanup.sh" "$ami/user-data/user-data.sh" "$cloud_config"; do
	check "ami/: ${f#"$top"/} present" test -s "$f"
done
for f in "$ami"/scripts/*.sh "$ami/user-data/user-data.sh"; do
	check "${f#"$top"/}: bash -n" bash -n "$f"
done

# The cloud-config's runcmd, as cloud-init writes it: a sh script.
[ -n "$py" ] || echo "SKIP: the cloud-config's checks: no Python with PyYAML here (python3-yaml comes with cloud-init; make ami-validate installs it)"
[ -z "$py" ] || "$py" - "$cloud_config" "$tmp" <<'PY' 2>"$tmp/yaml.err"
import os, shlex, sys, yaml
cfg = yaml.safe_load(open(sys.argv[1]))
lines = ["#!/bin/sh"]
for item in cfg.get("runcmd", []):
    lines.append(item if isinstance(item, str) else " ".join(shlex.quote(str(a)) for a in item))
open(os.path.join(sys.argv[2], "runcmd.sh"), "w").write("\n".join(lines) + "\n")
PY
if [ -n "$py" ]; then
	check "cloud-config.yaml: YAML that PyYAML reads" test -s "$tmp/runcmd.sh"
	[ -s "$tmp/yaml.err" ] && cat "$tmp/yaml.err"
fi

# ---- shellcheck: every script
scripts=("$ami"/scripts/*.sh "$ami/user-data/user-data.sh" "$ami/test-deps.sh"
	"$TESTS_DIR/test_ami.sh" "$top"/tests/ami/*.sh)
if command -v shellcheck >/dev/null 2>&1; then
	for f in "${scripts[@]}"; do
		out=$(cd "$top" && shellcheck -x "${f#"$top"/}" 2>&1)
		[ -n "$out" ] && echo "$out"
		check "shellcheck ${f#"$top"/}" test -z "$out"
	done
	if [ -s "$tmp/runcmd.sh" ]; then
		out=$(shellcheck -s sh "$tmp/runcmd.sh" 2>&1)
		[ -n "$out" ] && echo "$out"
		check "shellcheck -s sh: cloud-config.yaml's runcmd" test -z "$out"
	fi
else
	echo "SKIP: shellcheck of the AMI scripts: shellcheck is not installed (ami/test-deps.sh installs it)"
fi

# ---- the recipe: what it must hold (read as text; Packer checks the syntax)
# block_of FILE TYPE NAME: the lines of `TYPE "..." "NAME" {` up to its "}".
block_of() {
	awk -v t="$2" -v n="$3" '$1 == t && $3 == "\"" n "\"" && /\{$/ { on = 1 } on { print } on && /^\}/ { exit }' "$1"
}
for s in al2023 ubuntu2404; do
	b=$(block_of "$recipe" source "$s")
	check "recipe: source amazon-ebs.$s" has "$b" '^source "amazon-ebs"'
	check "recipe: $s: IMDSv2 required on the build instance (metadata_options http_tokens = \"required\")" \
		has "$(section "$b" 'metadata_options {' '}')" 'http_tokens += "required"'
	check "recipe: $s: the AMI defaults to IMDSv2 (imds_support = \"v2.0\")" has "$b" '^  imds_support += "v2\.0"$'
	check "recipe: $s: encrypted root volume (launch_block_device_mappings encrypted = true)" \
		has "$(section "$b" 'launch_block_device_mappings {' '}')" 'encrypted += true'
	check "recipe: $s: encrypted AMI (encrypt_boot = true)" has "$b" '^  encrypt_boot += true$'
	check "recipe: $s: AMI name with the version, arch and a timestamp" \
		has "$b" '^  ami_name += ".*\$\{var\.perfagent_version\}.*\$\{var\.arch\}.*\$\{local\.timestamp\}"$'
	check "recipe: $s: AMI and snapshot tags carry the perfagent version (local.tags)" \
		all_in "$b" '^  tags += merge\(local\.tags' '^  snapshot_tags += merge\(local\.tags'
	check "recipe: $s: base AMI by source_ami_filter, most recent" \
		has "$(section "$b" 'source_ami_filter {' '^  }')" 'most_recent += true'
	check "recipe: $s: the temporary security group admits only the builder (its public IP, or builder_cidrs)" \
		all_in "$b" '^  temporary_security_group_source_public_ip += length\(var\.builder_cidrs\) == 0$' \
		'^  temporary_security_group_source_cidrs += length\(var\.builder_cidrs\) > 0 \? var\.builder_cidrs : null$'
	check "recipe: $s: ena_support and sriov_support set explicitly" \
		all_in "$b" '^  ena_support += true$' '^  sriov_support += true$'
	check "recipe: $s: the AMI is deprecated (deprecate_at = local.deprecation_time)" \
		has "$b" '^  deprecate_at += local\.deprecation_time$'
done
check "recipe: nothing open to 0.0.0.0/0" test -z "$(grep -n '0\.0\.0\.0/0"' "$recipe")"
check "recipe: builder_cidrs defaults to none (the public IP alone)" \
	has "$(section "$(cat "$recipe")" '^variable "builder_cidrs"' '^}')" 'default += \[\]'
check "recipe: deprecate_at is ami_lifetime after the build, in UTC" \
	grep -Eq "^  deprecation_time += formatdate\(\"YYYY-MM-DD'T'hh:mm:ss'Z'\", timeadd\(local\.build_time, var\.ami_lifetime\)\)$" "$recipe"
check "recipe: local.tags has perfagent_version = var.perfagent_version" \
	has "$(section "$(cat "$recipe")" '^  tags = {' '^  }')" 'perfagent_version += var\.perfagent_version'
check "recipe: local.timestamp from timestamp(), once (local.build_time)" \
	all_in "$(cat "$recipe")" '^  build_time += timestamp\(\)$' '^  timestamp += formatdate\(".*", local\.build_time\)$'
build=$(sed -n '/^build {/,/^}/p' "$recipe")
order=$(printf '%s\n' "$build" | sed -n 's|.*scripts/\([a-z]*\.sh\)".*|\1|p' | tr '\n' ' ')
check "recipe: provisioners install.sh, validate.sh, cleanup.sh in that order (have: $order)" \
	test "$order" = "install.sh validate.sh cleanup.sh "
check "recipe: a reboot before validate.sh (the service must come up at boot)" \
	all_in "$build" 'systemctl reboot' 'expect_disconnect += true'
check "recipe: validate.sh gets the version (PERFAGENT_EXPECT_VERSION) and asks IMDS for the type" \
	all_in "$build" '"PERFAGENT_EXPECT_VERSION=\$\{var\.perfagent_version\}"'
check "recipe: no PERFAGENT_EXPECT_INSTANCE_TYPE given to validate.sh" \
	test -z "$(printf '%s\n' "$build" | grep '"PERFAGENT_EXPECT_INSTANCE_TYPE=')"
check "recipe: a manifest post-processor" has "$build" '^  post-processor "manifest" \{$'
check "recipe: no packer {} block (Packer 1.6.6 cannot read required_plugins): it is in plugins.pkr.hcl" \
	test -z "$(grep '^packer {' "$recipe")"
check "plugins.pkr.hcl: the amazon plugin's version has an upper bound (< 2.0.0)" \
	has "$(section "$(cat "$plugins")" 'required_plugins {' '^  }')" 'version += ">= [0-9.]+, < 2\.0\.0"'
check "plugins.pkr.hcl: required_plugins amazon from github.com/hashicorp/amazon" \
	has "$(section "$(cat "$plugins")" 'required_plugins {' '^  }')" 'source += "github\.com/hashicorp/amazon"'

# ---- Packer 1.6.6
if command -v packer >/dev/null 2>&1; then
	echo "packer: $(packer version 2>&1 | head -1)"
	out=$(cd "$ami" && packer fmt -check -diff . 2>&1)
	rc=$?
	[ -n "$out" ] && echo "$out"
	check "packer fmt -check ami/ (exit $rc)" test "$rc" -eq 0
	out=$(cd "$ami" && "${nonet[@]}" packer validate -syntax-only perfagent.pkr.hcl 2>&1)
	rc=$?
	echo "$out"
	check "packer validate -syntax-only ami/perfagent.pkr.hcl" test "$rc" -eq 0
	# A full validate, of a copy without what 1.6.6 does not know; its
	# scripts are the real ones (path.root), its packages empty files.
	mkdir -p "$tmp/packer"
	ln -s "$ami/scripts" "$tmp/packer/scripts"
	plugin_only='imds_support|temporary_security_group_source_public_ip|deprecate_at'
	awk -v only="^  ($plugin_only) *=" '/^  metadata_options \{/ { skip = 1 } skip { if ($0 ~ /^  \}/) skip = 0; next }
		$0 ~ only { next } { print }' "$recipe" >"$tmp/packer/perfagent.pkr.hcl"
	removed=$(diff "$recipe" "$tmp/packer/perfagent.pkr.hcl" | grep -c '^<')
	kept_out=$(diff "$recipe" "$tmp/packer/perfagent.pkr.hcl" | grep '^<' |
		grep -Ev "metadata_options \{|http_endpoint|http_tokens|http_put_response_hop_limit|^<   \}$|^<   ($plugin_only) ")
	check "full validate: only what packer-plugin-amazon alone knows left out ($plugin_only, metadata_options: $removed lines)" \
		test "$removed" -eq 16 -a -z "$kept_out"
	: >"$tmp/packer/perfagent.rpm"
	: >"$tmp/packer/perfagent.deb"
	for a in x86_64 arm64; do
		out=$(cd "$tmp/packer" && "${nonet[@]}" packer validate -var perfagent_version=0.0.0 -var arch=$a \
			-var rpm_package=perfagent.rpm -var deb_package=perfagent.deb -var 'image_conf=mode = advise' \
			perfagent.pkr.hcl 2>&1)
		rc=$?
		[ "$rc" -eq 0 ] || echo "$out"
		check "packer validate (1.6.6, full) arch=$a: both sources, every provisioner and the manifest" test "$rc" -eq 0
	done
	out=$(cd "$tmp/packer" && "${nonet[@]}" packer validate -var perfagent_version=0.0.0 -var arch=sparc \
		-var rpm_package=perfagent.rpm -var deb_package=perfagent.deb perfagent.pkr.hcl 2>&1)
	check "packer validate refuses arch=sparc" has "$out" 'must be x86_64 or arm64'
	out=$(cd "$tmp/packer" && "${nonet[@]}" packer validate -var arch=x86_64 \
		-var rpm_package=perfagent.rpm -var deb_package=perfagent.deb perfagent.pkr.hcl 2>&1)
	check "packer validate refuses a build without perfagent_version" has "$out" 'perfagent_version'
	out=$(cd "$tmp/packer" && "${nonet[@]}" packer validate -var perfagent_version=0.0.0 \
		-var rpm_package=perfagent.rpm perfagent.pkr.hcl 2>&1)
	check "packer validate refuses a build with no .deb for ubuntu2404" has "$out" 'Source must be specified'
else
	echo "SKIP: packer fmt and validate: packer is not installed (ami/test-deps.sh installs it)"
fi

# ---- the cloud-config
if command -v cloud-init >/dev/null 2>&1 && [ -n "$py" ]; then
	out=$(cloud-init schema --config-file "$cloud_config" 2>&1)
	rc=$?
	echo "$out"
	check "cloud-init schema --config-file ami/user-data/cloud-config.yaml" test "$rc" -eq 0
	# cloud-init 22.4's schema lets an unknown top-level key through.
	unknown=$("$py" - "$cloud_config" <<'PY' 2>&1
import sys, yaml
from cloudinit.config.schema import get_schema
known = set()
for name, d in get_schema().get("$defs", {}).items():
    if name.startswith("cc_"):
        known |= set(d.get("properties", {}))
print(" ".join(sorted(k for k in yaml.safe_load(open(sys.argv[1])) if k not in known)))
PY
	)
	check "cloud-config: every top-level key is a cloud-init module's${unknown:+ (unknown: $unknown)}" test -z "$unknown"
else
	echo "SKIP: cloud-init schema: cloud-init (with PyYAML) is not installed (ami/test-deps.sh installs it)"
fi
[ -n "$py" ] && facts=$("$py" - "$cloud_config" "$tmp" <<'PY' 2>&1
import os, sys, yaml
text = open(sys.argv[1]).read()
cfg = yaml.safe_load(text)
print("first_line", text.splitlines()[0])
print("packages", " ".join(cfg.get("packages", [])))
for f in cfg.get("write_files", []):
    if f["path"].startswith("/etc/perfagent/conf.d/"):
        print("dropin", f["path"], f.get("permissions"), f.get("owner"), f.get("defer"))
        os.makedirs(os.path.join(sys.argv[2], "conf", "conf.d"), exist_ok=True)
        open(os.path.join(sys.argv[2], "conf", "conf.d", os.path.basename(f["path"])), "w").write(f["content"])
PY
)
if [ -n "$py" ]; then
	check "cloud-config: starts with #cloud-config" has "$facts" '^first_line #cloud-config$'
	check "cloud-config: packages: perfagent" has "$facts" '^packages perfagent$'
	check "cloud-config: one drop-in in /etc/perfagent/conf.d/*.conf, 0644 root:root, defer: true" \
		test "$(printf '%s\n' "$facts" | grep -cE '^dropin /etc/perfagent/conf\.d/[0-9]+-[a-z-]+\.conf 0644 root:root True$')" -eq 1
	if [ -x "$PERFAGENT" ]; then
		cp "$top/packaging/perfagent.conf" "$tmp/conf/perfagent.conf"
		out=$("$PERFAGENT" daemon --check-config --config "$tmp/conf/perfagent.conf" 2>&1)
		rc=$?
		echo "$out"
		check "cloud-config: its drop-in is a valid perfagent configuration" test "$rc" -eq 0
	else
		echo "SKIP: the drop-in's check-config: $PERFAGENT is not built (make)"
	fi
fi

# ---- the rehearsal
if [ "${PERFAGENT_AMI_TEST:-}" = full ]; then
	if [ "$(id -u)" -ne 0 ]; then
		echo "SKIPPED: the bake rehearsal needs root (debootstrap, chroot)"
		skipped=1
	elif ! command -v dpkg-buildpackage >/dev/null 2>&1 && ! command -v apt-get >/dev/null 2>&1; then
		echo "SKIPPED: the bake rehearsal builds the .deb and runs it in a Debian root: it needs a Debian or Ubuntu host"
		skipped=1
	else
		echo "== make deb (from a tarball of the tree)"
		pkg=$tmp/packages
		start=$SECONDS
		if make --no-print-directory -C "$top" deb PKGDIR="$pkg" >"$tmp/build.log" 2>&1; then
			ok "make deb in $((SECONDS - start)) s"
			deb=$(find "$pkg" -maxdepth 1 -name 'perfagent_*_*.deb' | head -1)
			run_part rehearsal bash tests/ami/rehearse.sh "$deb"
		else
			tail -60 "$tmp/build.log"
			bad "make deb"
		fi
	fi
fi

finish ami
