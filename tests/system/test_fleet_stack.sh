#!/usr/bin/env bash
# The fleet view's CloudFormation template (packaging/cloudformation/): it
# passes cfn-lint, its dashboard body keeps the rules CloudWatch documents
# for dashboard bodies (tests/system/fleet_dashboard.py), every metric it
# reads is in the metric catalogue and in its default level (basic), and
# every one is either in `perfagent metrics --once` on this host (a
# burstable type named, TCP and disk traffic during the interval) or one
# --once cannot show, with the reason. Seconds, no AWS. cfn-lint is no Debian,
# Ubuntu or Fedora package (PyPI only): without it that part is skipped and
# said so, the rest still runs.
# lane: side
set -u
# shellcheck source=tests/system/lib.sh
. "$(dirname "$0")/lib.sh"

top=$(cd "$TESTS_DIR/../.." && pwd)
template=$top/packaging/cloudformation/perfagent-fleet.yaml
catalogue=$top/packaging/metrics-catalogue.md
names=$TESTS_DIR/fleet_metrics.py
tmp=$(mktemp -d /tmp/perfagent-fleet.XXXXXX)
trap 'rm -rf "$tmp"' EXIT

if command -v cfn-lint >/dev/null 2>&1; then
	cfn-lint "$template" >"$tmp/lint" 2>&1 || fail "cfn-lint $template: $(cat "$tmp/lint")"
	echo "ok: cfn-lint $(cfn-lint --version 2>&1 | awk '{print $NF}') passes $(basename "$template")"
else
	echo "SKIP: cfn-lint: not installed; it is not an apt or dnf package (PyPI: pip install cfn-lint)"
fi

# The dashboard body against CloudWatch's documented rules (JSON, grid,
# metric lines, ids, periods, statistics, alarm ARNs), then broken copies
# that must fail.
dashboard=$TESTS_DIR/fleet_dashboard.py
python3 "$dashboard" "$template" >"$tmp/widgets" 2>&1 || fail "the dashboard body: $(cat "$tmp/widgets")"
echo "ok: the dashboard body keeps the documented rules: $(wc -l <"$tmp/widgets") widgets on the 24-column grid"
for broken in 's/"width": 24/"width": 25/' 's/"visible": false}\],/"visible": false}]/' \
	's/samples \* /sampled * /' 's/"y": 24/"y": 20/' 's/"stat": "Minimum"/"stat": "Lowest"/'; do
	sed "$broken" "$template" >"$tmp/broken.yaml"
	cmp -s "$template" "$tmp/broken.yaml" && fail "the dashboard check's self-test changed nothing: sed '$broken'"
	python3 "$dashboard" "$tmp/broken.yaml" >/dev/null 2>&1 &&
		fail "the dashboard check passed a broken body (sed '$broken')"
done
echo "ok: the dashboard check fails a body that is not JSON, off the grid, overlapping, with an unknown id or statistic"

python3 "$names" template "$template" >"$tmp/template" || fail "cannot read the metrics of $template"
python3 "$names" catalogue "$catalogue" >"$tmp/catalogue" || fail "cannot read $catalogue"
[ "$(wc -l <"$tmp/template")" -ge 10 ] || fail "too few metrics found in the template: $(cat "$tmp/template")"
# The Auto Scaling group's own count of in-service instances, not perfagent's.
aws_metrics="GroupInServiceInstances"
ours=$(grep -vxF "$aws_metrics" "$tmp/template")
missing=$(comm -23 <(echo "$ours") "$tmp/catalogue" | tr '\n' ' ')
[ -z "$missing" ] || fail "the template reads metrics the catalogue does not list: $missing"
echo "ok: the $(echo "$ours" | wc -l) metrics the template reads are in metrics-catalogue.md"
# A default install sends the basic level: the dashboard must not read
# metrics only detailed sends.
python3 "$names" basic "$catalogue" >"$tmp/basic" || fail "cannot read the basic level of $catalogue"
detailed=$(comm -23 <(echo "$ours") "$tmp/basic" | tr '\n' ' ')
[ -z "$detailed" ] || fail "the template reads metrics the default level (basic) does not send: $detailed"
echo "ok: every metric the template reads is sent at the default level (basic)"

# What --once cannot show: the daemon's own metrics (tuning, delivery:
# `perfagent metrics --help`), the ENA driver's counters (no ENA here) and
# the EBS NVMe statistics pages' limits (the daemon reads them: no EBS here;
# test_nvme_stats checks them).
not_once="TuningKnobsDrifted BwInAllowanceExceeded BwOutAllowanceExceeded PpsAllowanceExceeded
ConntrackAllowanceExceeded VolumeLimitExceeded EbsInstanceLimitExceeded"
if [ "$(id -u)" -ne 0 ]; then
	echo "SKIP: metrics --once: the probes need root"
	exit 0
fi
: >"$tmp/empty.conf"
# Traffic for the interval: RTT samples, and direct writes and reads of
# the disk under $tmp for the block latencies.
python3 "$TESTS_DIR/tcp_bulk.py" 3 &
bulk=$!
(for _ in $(seq 20); do
	dd if=/dev/zero of="$tmp/disk" bs=64k count=16 oflag=direct,dsync 2>/dev/null
	dd if="$tmp/disk" of=/dev/null bs=64k iflag=direct 2>/dev/null
	sleep 0.1
done) &
io=$!
"$PERFAGENT" metrics --once --format emf --no-imds --instance-type t3.large \
	--config "$tmp/empty.conf" --state-dir "$tmp" >"$tmp/once.emf" 2>"$tmp/once.log" ||
	fail "metrics --once: $(cat "$tmp/once.log")"
wait "$bulk" "$io"
python3 "$names" emf "$tmp/once.emf" >"$tmp/once" || fail "metrics --once printed no EMF"
absent=$(comm -23 <(echo "$ours") "$tmp/once" | grep -vxF -f <(echo "$not_once" | tr ' ' '\n') | tr '\n' ' ')
[ -z "$absent" ] || fail "the template reads metrics metrics --once does not send: $absent"
echo "ok: the template's metrics are in metrics --once on this host, but for $(echo "$not_once" | wc -w) daemon, ENA or EBS ones"
