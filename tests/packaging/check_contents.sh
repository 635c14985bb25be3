#!/usr/bin/env bash
# Lists the .deb and the binary .rpm in PKGDIR and checks what they carry:
# every expected file with its mode and owner and nothing else, the
# conffile/%config(noreplace), the dependencies (libcurl is opened with
# dlopen(), so it must be declared by hand), the systemd scriptlets, the
# BPF programs inside the binary, the compiled-in paths and a default
# configuration that documents every key the binary knows.
# Usage: check_contents.sh PKGDIR   (run from the top of the source tree)
set -u
# shellcheck source=tests/packaging/lib.sh
. "$(dirname "$0")/lib.sh"

pkgdir=${1:?usage: check_contents.sh PKGDIR}
# The packaged binaries must show their compiled-in defaults (make system
# sets PERFAGENT_PROFILE_DIR for the source tree).
unset PERFAGENT_CONFIG PERFAGENT_SYSROOT PERFAGENT_STATE_DIR PERFAGENT_RUNTIME_DIR PERFAGENT_PROFILE_DIR
top=$(pwd)
tmp=$(mktemp -d /tmp/perfagent-contents.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

deb="" rpmf="" srpm=""
for f in "$pkgdir"/perfagent_*_*.deb; do [ -e "$f" ] && deb=$f; done
for f in "$pkgdir"/perfagent-[0-9]*.rpm; do
	case "$f" in
	*.src.rpm) srpm=$f ;;
	*) [ -e "$f" ] && rpmf=$f ;;
	esac
done

# One BPF object per skeleton the agent includes (test-only programs aside).
nbpf=$(grep -rho --include="*.c" '^#include "[a-z0-9_]*\.skel\.h"' "$top"/agent | sort -u | wc -l)
profiles=$(cd "$top/tuning-profiles" && ls -1 ./*.conf | sed 's|^\./||')

# expected_files UNITDIR README CHANGELOG-DOCS...: regular files and
# symlinks a package must hold, one per line, without leading "/".
expected_files() {
	local unitdir=$1
	shift
	echo usr/bin/perfagent
	echo etc/perfagent/perfagent.conf
	echo "$unitdir/perfagent.service"
	echo "$unitdir-preset/80-perfagent.preset"
	# perfagent.conf points to these.
	echo usr/share/perfagent/metrics-catalogue.md
	echo usr/share/perfagent/cloudwatch-agent.json
	echo usr/share/perfagent/cloudwatch-agent-udp.json
	echo usr/share/man/man8/perfagent.8.gz
	for p in $profiles; do echo "usr/share/perfagent/profiles/$p"; done
	for f in "$@"; do echo "$f"; done
}

# check_cwagent_config DIR: the CloudWatch agent configurations are there,
# each a loopback-only EMF listener on the port perfagent sends to (TCP, the
# default endpoint, and UDP), and every path the shipped perfagent.conf
# names for them exists in the package.
check_cwagent_config() {
	local root=$1 dir=$1/usr/share/perfagent f
	for f in cloudwatch-agent.json=tcp cloudwatch-agent-udp.json=udp; do
		check "${f%=*}: EMF listener on ${f#*=}://127.0.0.1:25888 only" python3 -c '
import json, sys
conf = json.load(open(sys.argv[1]))
emf = conf["logs"]["metrics_collected"]["emf"]
sys.exit(list(conf) != ["logs"] or list(conf["logs"]) != ["metrics_collected"] or
         emf != {"service_address": sys.argv[2] + "://127.0.0.1:25888"})' "$dir/${f%=*}" "${f#*=}"
	done
	local named
	named=$(grep -o '/usr/share/[a-z/.-]*cloudwatch-agent[a-z-]*\.json' "$root/etc/perfagent/perfagent.conf" | sort -u | tr '\n' ' ')
	# shellcheck disable=SC2086,SC2016 # one path per word; $1 is sh -c's
	check "perfagent.conf names both, each shipped (${named:-none})" \
		sh -c 'root=$1; shift; [ $# = 2 ] || exit 1; for p; do test -s "$root$p" || exit 1; done' \
		sh "$root" $named
}

# check_binary DIR: the extracted binary and unit.
check_binary() {
	local root=$1 unit=$2 bin=$1/usr/bin/perfagent
	check "binary runs: $("$bin" version 2>&1)" "$bin" version
	check "the binary embeds the $nbpf BPF objects of the skeletons agent/ includes" \
		test "$(bpf_objects "$bin")" = "$nbpf"
	check "compiled-in profile directory is /usr/share/perfagent/profiles" \
		sh -c "'$bin' --help | grep -q '(default /usr/share/perfagent/profiles)'"
	check "compiled-in config is /etc/perfagent/perfagent.conf" \
		sh -c "'$bin' --help | grep -q '(default /etc/perfagent/perfagent.conf)'"
	check "binary is stripped" sh -c "file -L '$bin' | grep -q ', stripped'"
	check "binary does not link libcurl (dlopen at run time)" \
		sh -c "! readelf -d '$bin' | grep -q 'NEEDED.*libcurl'"
	check "unit runs /usr/bin/perfagent daemon" grep -qx 'ExecStart=/usr/bin/perfagent daemon' "$root/$unit"
	check "shipped profiles resolve: profiles explain c6in.large picks compute with the network overlay" \
		sh -c "'$bin' profiles --profile-dir '$root/usr/share/perfagent/profiles' \
			--config '$root/etc/perfagent/perfagent.conf' explain c6in.large | grep -Eq '^overlays +network:'"
	# (--check-config loads the profiles the config names: the package's)
	check "shipped config is valid" "$bin" daemon --check-config --config "$root/etc/perfagent/perfagent.conf" \
		--profile-dir "$root/usr/share/perfagent/profiles"
	check_cwagent_config "$root"
	# Every key the binary accepts is documented in the shipped file, and the
	# file with every documented default switched on is still valid.
	local missing
	missing=$(comm -23 <(known_keys "$bin") <(documented_keys "$root/etc/perfagent/perfagent.conf") | tr '\n' ' ')
	if [ -z "$(known_keys "$bin")" ]; then
		bad "cannot read the known keys from '$bin daemon --check-config' (message changed?)"
	elif [ -n "$missing" ]; then
		bad "shipped perfagent.conf does not document: $missing(packaging/perfagent.conf)"
	else
		ok "shipped perfagent.conf documents every key the binary knows"
	fi
	sed 's/^#\([a-z_][a-z0-9_]* *=\)/\1/' "$root/etc/perfagent/perfagent.conf" >"$tmp/all-on.conf"
	check "shipped perfagent.conf with every documented default enabled is valid" \
		"$bin" daemon --check-config --config "$tmp/all-on.conf" \
		--profile-dir "$root/usr/share/perfagent/profiles"
}

# ---- .deb
if [ -z "$deb" ]; then
	bad "no .deb in $pkgdir"
else
	echo "== $(basename "$deb")"
	dpkg-deb -c "$deb" >"$tmp/deb.list"
	cat "$tmp/deb.list"
	expected_files lib/systemd/system usr/share/doc/perfagent/copyright \
		usr/share/doc/perfagent/changelog.Debian.gz usr/share/doc/perfagent/README.md.gz \
		usr/share/lintian/overrides/perfagent | sort >"$tmp/deb.want"
	awk '$1 !~ /^d/ { n = $6; sub(/^\.\//, "", n); print n }' "$tmp/deb.list" | sort >"$tmp/deb.have"
	if diff -u "$tmp/deb.want" "$tmp/deb.have" >"$tmp/deb.diff"; then
		ok "deb holds exactly the expected files"
	else
		bad "deb files differ from the expected list (- missing, + unexpected):"
		cat "$tmp/deb.diff" >&2
	fi
	expect_mode "$tmp/deb.list" usr/bin/perfagent -rwxr-xr-x
	expect_mode "$tmp/deb.list" etc/perfagent drwxr-xr-x
	expect_mode "$tmp/deb.list" etc/perfagent/conf.d drwxr-xr-x
	expect_mode "$tmp/deb.list" etc/perfagent/perfagent.conf -rw-r--r--
	expect_mode "$tmp/deb.list" lib/systemd/system/perfagent.service -rw-r--r--
	expect_mode "$tmp/deb.list" usr/share/man/man8/perfagent.8.gz -rw-r--r--
	expect_mode "$tmp/deb.list" usr/share/doc/perfagent/README.md.gz -rw-r--r--
	for p in $profiles; do
		expect_mode "$tmp/deb.list" "usr/share/perfagent/profiles/$p" -rw-r--r--
	done
	check "deb: nothing setuid, setgid or world-writable" \
		sh -c "! awk '{print \$1}' '$tmp/deb.list' | grep -Eq '^.{3}[sS]|^.{6}[sS]|^.{8}w'"
	check "deb: every file owned by root/root" sh -c "! awk '{print \$2}' '$tmp/deb.list' | grep -vqx root/root"

	check "deb: conffiles is /etc/perfagent/perfagent.conf" \
		sh -c "[ \"\$(dpkg-deb -I '$deb' conffiles)\" = /etc/perfagent/perfagent.conf ]"
	depends=$(dpkg-deb -f "$deb" Depends)
	echo "Depends: $depends"
	check "deb: Depends on libcurl (dlopen)" sh -c "echo '$depends' | grep -q 'libcurl4 | libcurl3-gnutls'"
	check "deb: Depends on libbpf and json-c (shlibs)" sh -c "echo '$depends' | grep -q libbpf1 && echo '$depends' | grep -q libjson-c"
	check "deb: no dependency on a kernel or on BTF" sh -c "! echo '$depends' | grep -Eq 'linux-image|dwarves'"
	dpkg-deb -I "$deb" postinst >"$tmp/postinst" 2>/dev/null
	dpkg-deb -I "$deb" prerm >"$tmp/prerm" 2>/dev/null
	dpkg-deb -I "$deb" postrm >"$tmp/postrm" 2>/dev/null
	check "deb postinst: enables the unit" grep -q "deb-systemd-helper enable 'perfagent.service'" "$tmp/postinst"
	check "deb postinst: never starts it, try-restart on upgrade (as the rpm)" \
		sh -c "grep -q \"deb-systemd-invoke try-restart 'perfagent.service'\" '$tmp/postinst' && ! grep -Eq 'deb-systemd-invoke (start|restart|\\\$_dh_action)' '$tmp/postinst'"
	check "deb prerm: stops the service on removal, not on upgrade" \
		sh -c "grep -B2 \"deb-systemd-invoke stop 'perfagent.service'\" '$tmp/prerm' | grep -q '\"\$1\" = \"remove\"'"
	check "deb postrm: purge removes /var/lib/perfagent" \
		sh -c "grep -A2 '\"\$1\" = \"purge\"' '$tmp/postrm' | grep -q 'rm -rf /var/lib/perfagent'"
	check "deb postrm: purge forgets the unit's enablement" grep -q "deb-systemd-helper purge 'perfagent.service'" "$tmp/postrm"
	check "deb maintainer scripts never probe the kernel (install works without BTF)" \
		sh -c "! cat '$tmp/postinst' '$tmp/prerm' '$tmp/postrm' | grep -Eq 'btf|uname|modprobe|bpftool'"

	mkdir -p "$tmp/deb"
	dpkg-deb -x "$deb" "$tmp/deb"
	check_binary "$tmp/deb" lib/systemd/system/perfagent.service
fi

# ---- .rpm
if [ -z "$rpmf" ]; then
	bad "no binary .rpm in $pkgdir"
else
	echo "== $(basename "$rpmf")"
	rpm -qlvp "$rpmf" >"$tmp/rpm.list"
	cat "$tmp/rpm.list"
	expected_files usr/lib/systemd/system usr/share/doc/perfagent/README.md | sort >"$tmp/rpm.want"
	# rpmbuild adds /usr/lib/.build-id links; they are not ours to check.
	awk '$1 !~ /^d/ { n = $9; sub(/^\//, "", n); print n }' "$tmp/rpm.list" |
		grep -v '^usr/lib/\.build-id/' | sort >"$tmp/rpm.have"
	if diff -u "$tmp/rpm.want" "$tmp/rpm.have" >"$tmp/rpm.diff"; then
		ok "rpm holds exactly the expected files"
	else
		bad "rpm files differ from the expected list (- missing, + unexpected):"
		cat "$tmp/rpm.diff" >&2
	fi
	expect_mode "$tmp/rpm.list" usr/bin/perfagent -rwxr-xr-x
	expect_mode "$tmp/rpm.list" etc/perfagent drwxr-xr-x
	expect_mode "$tmp/rpm.list" etc/perfagent/conf.d drwxr-xr-x
	expect_mode "$tmp/rpm.list" etc/perfagent/perfagent.conf -rw-r--r--
	expect_mode "$tmp/rpm.list" usr/lib/systemd/system/perfagent.service -rw-r--r--
	expect_mode "$tmp/rpm.list" usr/share/man/man8/perfagent.8.gz -rw-r--r--
	expect_mode "$tmp/rpm.list" var/lib/perfagent drwxr-xr-x
	for p in $profiles; do
		expect_mode "$tmp/rpm.list" "usr/share/perfagent/profiles/$p" -rw-r--r--
	done
	check "rpm: /etc/perfagent/perfagent.conf is %config(noreplace)" \
		sh -c "rpm -qp --qf '[%{FILENAMES} %{FILEFLAGS:fflags}\n]' '$rpmf' | grep -qx '/etc/perfagent/perfagent.conf cn'"
	check "rpm: README.md is %doc" \
		sh -c "rpm -qdp '$rpmf' | grep -qx /usr/share/doc/perfagent/README.md"
	rpm -qp --requires "$rpmf" >"$tmp/requires"
	check "rpm: Requires libcurl.so.4 (dlopen)" grep -q '^libcurl.so.4()(64bit)' "$tmp/requires"
	check "rpm: Requires libbpf and json-c (generated)" sh -c "grep -q '^libbpf.so.1' '$tmp/requires' && grep -q '^libjson-c.so' '$tmp/requires'"
	rpm -qp --scripts "$rpmf" >"$tmp/scripts"
	check "rpm %post: preset on first install (80-perfagent.preset enables it)" grep -q 'systemctl.* preset perfagent.service' "$tmp/scripts"
	check "rpm scriptlets never start the service" sh -c "! grep -Eq 'systemctl[^|;]* (start|restart|enable --now)' '$tmp/scripts'"
	check "rpm %preun: disable --now on erase" grep -q 'systemctl.*disable --now perfagent.service' "$tmp/scripts"
	check "rpm %postun: try-restart on upgrade" grep -q 'systemctl.*try-restart perfagent.service' "$tmp/scripts"
	mkdir -p "$tmp/rpm"
	(cd "$tmp/rpm" && rpm2cpio "$rpmf" | cpio -idm --quiet)
	check_binary "$tmp/rpm" usr/lib/systemd/system/perfagent.service
fi

if [ -z "$srpm" ]; then
	bad "no source .rpm in $pkgdir"
else
	check "source rpm holds the spec and the tarball" \
		sh -c "rpm -qlp '$srpm' | sort | tr '\n' ' ' | grep -q 'perfagent-[0-9.]*.tar.gz perfagent.spec'"
fi

summary "package contents"
