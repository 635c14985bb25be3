# shellcheck shell=bash
# Shared by tests/system/test_packages.sh and tests/packaging/*.sh: sourced.
# Counts checks so each script can end with "N passed, N failed".

PKG_PASSED=${PKG_PASSED:-0}
PKG_FAILED=${PKG_FAILED:-0}

ok() {
	PKG_PASSED=$((PKG_PASSED + 1))
	echo "ok: $*"
}

bad() {
	PKG_FAILED=$((PKG_FAILED + 1))
	echo "FAIL: $*" >&2
}

# check DESCRIPTION CMD...: ok when CMD succeeds.
check() {
	local what=$1
	shift
	if "$@"; then ok "$what"; else bad "$what"; fi
}

# perm_of LISTING PATH: the mode column of PATH in a `dpkg-deb -c` or
# `rpm -qlv` listing (paths without a leading "./").
perm_of() {
	awk -v p="$2" '{ n = $NF; if ($(NF-1) == "->") n = $(NF-2); sub(/^\.\//, "", n); sub(/^\//, "", n); sub(/\/$/, "", n); if (n == p) { print $1; exit } }' "$1"
}

# owner_of LISTING PATH: "root/root" (dpkg) or "root root" joined with "/" (rpm).
owner_of() {
	awk -v p="$2" '{ n = $NF; if ($(NF-1) == "->") n = $(NF-2); sub(/^\.\//, "", n); sub(/^\//, "", n); sub(/\/$/, "", n); if (n == p) { if ($2 ~ /\//) print $2; else print $3 "/" $4; exit } }' "$1"
}

# expect_mode LISTING PATH MODE [OWNER]: PATH is listed with MODE, owned by root.
expect_mode() {
	local m o
	m=$(perm_of "$1" "$2")
	o=$(owner_of "$1" "$2")
	if [ -z "$m" ]; then
		bad "$(basename "$1"): $2 missing"
	elif [ "$m" != "$3" ] || [ "$o" != "${4:-root/root}" ]; then
		bad "$(basename "$1"): $2 is $m $o, want $3 ${4:-root/root}"
	else
		ok "$(basename "$1"): $2 $m $o"
	fi
}

# summary NAME: the closing line; exit status 1 when a check failed.
summary() {
	echo "$1: $PKG_PASSED passed, $PKG_FAILED failed"
	[ "$PKG_FAILED" -eq 0 ]
}

# run_part NAME CMD...: runs a sub-test from the top of the tree ($top),
# its output also in $tmp/NAME.log, and adds the counts of its closing line
# ("...: N passed, M failed"). Its exit 77 sets skipped=1.
# shellcheck disable=SC2154 # $top and $tmp are the calling script's
run_part() {
	local name=$1 rc line n
	shift
	(cd "$top" && "$@") 2>&1 | tee "$tmp/$name.log"
	rc=${PIPESTATUS[0]}
	line=$(grep -E '^[a-z ]+: [0-9]+ passed, [0-9]+ failed$' "$tmp/$name.log" | tail -1)
	n=$(echo "$line" | sed -n 's/.*: \([0-9]*\) passed.*/\1/p')
	PKG_PASSED=$((PKG_PASSED + ${n:-0}))
	n=$(echo "$line" | sed -n 's/.* \([0-9]*\) failed$/\1/p')
	PKG_FAILED=$((PKG_FAILED + ${n:-0}))
	if [ "$rc" -eq 77 ]; then
		skipped=1
	elif [ "$rc" -ne 0 ] && [ -z "$line" ]; then
		bad "$name exited $rc"
	fi
}

# finish NAME: the closing line; returns 1 when a check failed, 77 when a
# part was skipped, else 0 (a test script's last command, so its status).
finish() {
	if [ "${skipped:-0}" -eq 1 ]; then
		echo "$1: $PKG_PASSED passed, $PKG_FAILED failed, 1 skipped"
		[ "$PKG_FAILED" -eq 0 ] || return 1
		return 77
	fi
	summary "$1"
}

# documented_keys CONF: the keys a config file documents ("key =" or
# "#key =" at the start of a line).
documented_keys() {
	sed -n 's/^[#;]\{0,1\}[[:space:]]*\([a-z_][a-z0-9_]*\)[[:space:]]*=.*/\1/p' "$1" | sort -u
}

# known_keys PERFAGENT: the keys the binary accepts, from its own error
# message for an unknown key ("... known keys: a, b, c").
known_keys() {
	local tmp out
	tmp=$(mktemp)
	printf 'perfagent_test_no_such_key = 1\n' >"$tmp"
	out=$("$1" daemon --check-config --config "$tmp" 2>&1)
	rm -f "$tmp"
	printf '%s\n' "$out" | sed -n 's/.*known keys: //p' | tr ',' '\n' | tr -d ' ' | sed '/^$/d' | sort -u
}

# bpf_objects BINARY: how many BPF ELF objects (e_machine EM_BPF, 247) the
# binary embeds; each skeleton carries one.
bpf_objects() {
	python3 - "$1" <<'PY'
import sys
data = open(sys.argv[1], "rb").read()
n, i = 0, data.find(b"\x7fELF", 1)
while i != -1:
    if data[i + 5] == 1 and data[i + 18:i + 20] == b"\xf7\x00":
        n += 1
    i = data.find(b"\x7fELF", i + 1)
print(n)
PY
}
