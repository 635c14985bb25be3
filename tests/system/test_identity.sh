#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
# `perfagent detect` against a local IMDSv2 mock (tests/system/imds_mock.py)
# and fake /sys trees: IMDS success, every fault mode (each must finish in
# under 4 s, exit 0 and say why), the identity cache, DMI on Nitro with a
# failing IMDS, and AWS_EC2_METADATA_DISABLED.
# lane: side
set -eu
. "$(dirname "$0")/lib.sh"
need_root
need_tools python3
[ -x "$PERFAGENT" ] || fail "$PERFAGENT is missing: run make first"

tmp=$(mktemp -d /tmp/perfagent-identity.XXXXXX)
mock_pid=
port=
stop_mock() {
	if [ -n "$mock_pid" ]; then
		kill "$mock_pid" 2>/dev/null || true
		wait "$mock_pid" 2>/dev/null || true
		mock_pid=
	fi
}
cleanup() {
	stop_mock
	rm -rf "$tmp"
}
trap cleanup EXIT

# The host's own settings must not leak in.
unset AWS_EC2_METADATA_DISABLED AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE
conf=$tmp/perfagent.conf
: >"$conf"
plain=$tmp/plain
nitro=$tmp/nitro
"$TESTS_DIR/fakeroot.sh" "$plain" --dmi none
"$TESTS_DIR/fakeroot.sh" "$nitro" --dmi nitro --type c6in.large --id i-0aaaaaaaaaaaaaaaa

# start_mock MODE [mock options]: sets port.
start_mock() {
	local mode=$1
	shift
	: >"$tmp/mock.out"
	python3 "$TESTS_DIR/imds_mock.py" --port 0 --mode "$mode" "$@" \
		>"$tmp/mock.out" 2>"$tmp/mock-$mode.log" &
	mock_pid=$!
	wait_for 5 grep -q '^PORT ' "$tmp/mock.out" || fail "imds_mock ($mode) did not start"
	port=$(awk '/^PORT /{print $2; exit}' "$tmp/mock.out")
}

# detect ROOT STATE_DIR OUT [extra args]: runs detect --json, sets rc and elapsed.
detect() {
	local root=$1 state=$2 out=$3 t0
	shift 3
	t0=$(now_ms)
	set +e
	AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$port \
		"$PERFAGENT" detect --json --config "$conf" --state-dir "$state" \
		--root "$root" "$@" >"$out" 2>"$out.err"
	rc=$?
	set -e
	elapsed=$(($(now_ms) - t0))
}

jget() { json_get "$1" "$2"; }

expect() { # expect FILE EXPR WANT
	local got
	got=$(jget "$1" "$2") || fail "cannot read $2 from $1: $(cat "$1" "$1.err")"
	[ "$got" = "$3" ] || fail "$2 is '$got', want '$3' ($(cat "$1"))"
}

# --- IMDS answers: the type comes from IMDS; a proxy in the environment is not used.
start_mock ok --instance-type m7g.xlarge --instance-id i-0123456789abcdef0 --region eu-west-1
http_proxy=http://127.0.0.1:9 detect "$plain" "$tmp/state-ok" "$tmp/ok.json"
[ "$rc" -eq 0 ] || fail "detect exited $rc: $(cat "$tmp/ok.json.err")"
expect "$tmp/ok.json" 'j["is_ec2"]' True
expect "$tmp/ok.json" 'j["source"]' imds
expect "$tmp/ok.json" 'j["instance_type"]' m7g.xlarge
expect "$tmp/ok.json" 'j["instance_id"]' i-0123456789abcdef0
expect "$tmp/ok.json" 'j["region"]' eu-west-1
expect "$tmp/ok.json" 'j["availability_zone"]' eu-west-1a
expect "$tmp/ok.json" 'j["imds"]' ok
expect "$tmp/ok.json" 'j["type"]["family"]' m7g
expect "$tmp/ok.json" 'j["type"]["processor_name"]' "AWS Graviton"
expect "$tmp/ok.json" 'j["vcpus"]' 2
expect "$tmp/ok.json" '[b["kind"] for b in j["block_devices"]]' "['ebs', 'instance-store']"
[ -s "$tmp/state-ok/identity.json" ] || fail "no identity cache written after an IMDS detection"
grep -q '"PUT /latest/api/token' "$tmp/mock-ok.log" || fail "no token PUT in the mock log"
pass "IMDS ok: m7g.xlarge from IMDS in ${elapsed} ms, cache written"

set +e
AWS_EC2_METADATA_SERVICE_ENDPOINT=http://127.0.0.1:$port "$PERFAGENT" detect --config "$conf" \
	--state-dir "$tmp/state-ok" --root "$plain" >"$tmp/ok.txt" 2>&1
rc=$?
set -e
[ "$rc" -eq 0 ] || fail "human detect exited $rc"
grep -Eq '^Instance type +m7g\.xlarge \(from imds\)' "$tmp/ok.txt" ||
	fail "human summary: $(cat "$tmp/ok.txt")"
grep -q 'vol-0123456789abcdef0' "$tmp/ok.txt" || fail "no EBS volume in: $(cat "$tmp/ok.txt")"
pass "human summary names the type, its source and the EBS volume"

# Switched off by the SDKs' variable: no request at all.
requests=$(grep -c '"' "$tmp/mock-ok.log" || true)
AWS_EC2_METADATA_DISABLED=true detect "$plain" "$tmp/state-off" "$tmp/off.json"
[ "$rc" -eq 0 ] || fail "detect exited $rc"
expect "$tmp/off.json" 'j["is_ec2"]' False
expect "$tmp/off.json" '"AWS_EC2_METADATA_DISABLED" in j["imds"]' True
[ "$(grep -c '"' "$tmp/mock-ok.log" || true)" = "$requests" ] ||
	fail "IMDS was queried with AWS_EC2_METADATA_DISABLED=true"
pass "AWS_EC2_METADATA_DISABLED=true: IMDS not queried"
stop_mock

# --- Fault modes: exit 0 within 4 s, not EC2, the reason in "imds".
check_fault() { # check_fault MODE WORDS
	local mode=$1 words=$2 out=$tmp/$1.json
	start_mock "$mode"
	detect "$plain" "$tmp/state-$mode" "$out"
	stop_mock
	[ "$rc" -eq 0 ] || fail "$mode: detect exited $rc: $(cat "$out.err")"
	[ "$elapsed" -lt 4000 ] || fail "$mode: detect took $elapsed ms"
	expect "$out" 'j["is_ec2"]' False
	expect "$out" 'j["source"]' none
	expect "$out" "'$words' in j['imds']" True
	expect "$out" '"generic profile" in j["note"]' True
	[ ! -e "$tmp/state-$mode/identity.json" ] || fail "$mode: an identity was cached"
	pass "$mode: not EC2 after $elapsed ms; imds: $(jget "$out" 'j["imds"]')"
}

check_fault hang "did not answer"
check_fault slow "did not answer"
check_fault 401 "401"
check_fault 403 "403"
check_fault 404 "404"
check_fault 500 "500"
check_fault garbage "not valid JSON"
check_fault oversize "larger than 64 KiB"

# --- The cache: a good run primes it, a later run without IMDS uses it.
start_mock ok --instance-type r6id.2xlarge --instance-id i-0fedcba9876543210
detect "$plain" "$tmp/state-cache" "$tmp/prime.json"
stop_mock
expect "$tmp/prime.json" 'j["source"]' imds
start_mock hang
detect "$plain" "$tmp/state-cache" "$tmp/cached.json"
stop_mock
[ "$rc" -eq 0 ] || fail "cache: detect exited $rc"
[ "$elapsed" -lt 4000 ] || fail "cache: detect took $elapsed ms"
expect "$tmp/cached.json" 'j["source"]' cache
expect "$tmp/cached.json" 'j["is_ec2"]' True
expect "$tmp/cached.json" 'j["instance_type"]' r6id.2xlarge
expect "$tmp/cached.json" 'j["instance_id"]' i-0fedcba9876543210
expect "$tmp/cached.json" 'j["cached_at"] is not None' True
expect "$tmp/cached.json" '"did not answer" in j["imds"]' True
pass "IMDS hangs: r6id.2xlarge from the cache in $elapsed ms"

# A corrupt cache is reported and ignored.
echo '{"version":1,"instance_type":' >"$tmp/state-cache/identity.json"
start_mock 403
detect "$plain" "$tmp/state-cache" "$tmp/corrupt.json"
stop_mock
[ "$rc" -eq 0 ] || fail "corrupt cache: detect exited $rc"
expect "$tmp/corrupt.json" 'j["source"]' none
expect "$tmp/corrupt.json" '"corrupt" in j["note"]' True
pass "a corrupt cache is ignored with a note"

# --- Nitro DMI: the type comes from DMI; a failing IMDS only loses the region.
start_mock 403
detect "$nitro" "$tmp/state-nitro" "$tmp/nitro.json"
stop_mock
[ "$rc" -eq 0 ] || fail "nitro: detect exited $rc"
expect "$tmp/nitro.json" 'j["is_ec2"]' True
expect "$tmp/nitro.json" 'j["source"]' dmi
expect "$tmp/nitro.json" 'j["hypervisor"]' nitro
expect "$tmp/nitro.json" 'j["instance_type"]' c6in.large
expect "$tmp/nitro.json" 'j["instance_id"]' i-0aaaaaaaaaaaaaaaa
expect "$tmp/nitro.json" 'j["region"]' None
expect "$tmp/nitro.json" '"403" in j["imds"]' True
pass "Nitro DMI: c6in.large from DMI, IMDS 403 recorded"

# --- An override wins and outside EC2 does not wait for IMDS.
start_mock hang
detect "$plain" "$tmp/state-override" "$tmp/override.json" --instance-type m5.large
stop_mock
[ "$rc" -eq 0 ] || fail "override: detect exited $rc"
[ "$elapsed" -lt 1000 ] || fail "override: detect took $elapsed ms"
expect "$tmp/override.json" 'j["source"]' override
expect "$tmp/override.json" 'j["instance_type"]' m5.large
pass "override: m5.large in $elapsed ms without IMDS"
