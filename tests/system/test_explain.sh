#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# `perfagent profiles explain TYPE --json` over the 80 instance types of the
# size table (every family and generation the rules distinguish): the layers
# each gets (class profile, then capability overlays in order), and the
# values that scale with the machine, worked out here by hand from the
# type's published memory: the kernel memory reserve, the writeback
# thresholds in bytes, the receive-ring memory budget on the largest
# accelerated sizes; also what a later layer overrode, and a type outside
# the table (formulas left unapplied, and why). A few seconds.
# lane: side
set -eu
cd "$(dirname "$0")/../.."
. tests/system/lib.sh

[ -x "$PERFAGENT" ] || fail "$PERFAGENT is missing: run make first"
unset PERFAGENT_SYSROOT PERFAGENT_STATE_DIR STATE_DIRECTORY PERFAGENT_CONFIG
export PERFAGENT_PROFILE_DIR=$PWD/tuning-profiles

work=$(mktemp -d /tmp/test_explain.XXXXXX)
trap 'rm -rf "$work"' EXIT

# TYPE, then its layers: the class profile first, then the overlays in order.
cat >"$work/layers" <<'LAYERS'
a1.medium              general graviton
a1.metal               general graviton
c4.8xlarge             compute xen
c5.large               compute
c5n.18xlarge           compute network
c5n.large              compute network
c5n.metal              compute network
c6gn.16xlarge          compute network graviton
c6gn.medium            compute network graviton
c6i.32xlarge           compute
c6in.32xlarge          compute network
c7g.16xlarge           compute graviton
c7g.medium             compute graviton
c7gn.16xlarge          compute network graviton
c7gn.large             compute network graviton
c7i.48xlarge           compute
c8gn.48xlarge          compute network graviton
d3.8xlarge             storage instance-store hdd
d3en.12xlarge          storage network instance-store hdd
g4dn.metal             accelerated network instance-store
g5.48xlarge            accelerated network instance-store
g5.xlarge              accelerated network instance-store
h1.16xlarge            storage instance-store hdd xen
hpc6a.48xlarge         compute network latency
hpc6id.32xlarge        compute network latency
hpc7a.96xlarge         compute network latency
hpc7g.16xlarge         compute network graviton latency
i3.16xlarge            storage instance-store xen
i3.metal               storage instance-store
i3en.24xlarge          storage network instance-store
i3en.large             storage network instance-store
i4g.16xlarge           storage instance-store graviton
i4i.32xlarge           storage instance-store
i7ie.48xlarge          storage instance-store
im4gn.16xlarge         storage network instance-store graviton
inf2.48xlarge          accelerated network instance-store
inf2.xlarge            accelerated network instance-store
m4.16xlarge            general xen
m5.24xlarge            general
m5.large               general
m5n.24xlarge           general network
m5zn.12xlarge          general network
m5zn.large             general network
m6i.32xlarge           general
m6i.large              general
m6i.metal              general
m7g.16xlarge           general graviton
m7g.medium             general graviton
m7i-flex.large         general
mac1.metal             general
mac2.metal             general
p4d.24xlarge           accelerated network instance-store
p5.48xlarge            accelerated network instance-store
p5en.48xlarge          accelerated network instance-store
r4.16xlarge            memory xen
r5.24xlarge            memory
r5.large               memory
r6i.32xlarge           memory
r6idn.32xlarge         memory network
r6idn.large            memory network
r7g.16xlarge           memory graviton
r7iz.32xlarge          memory
t1.micro               burstable
t2.2xlarge             burstable
t2.micro               burstable
t3.2xlarge             burstable
t3.nano                burstable
t3a.large              burstable
t4g.2xlarge            burstable graviton
t4g.micro              burstable graviton
trn1.32xlarge          accelerated network instance-store
trn1n.32xlarge         accelerated network instance-store
u-6tb1.112xlarge       memory
u7in-16tb.224xlarge    memory network
x1e.32xlarge           memory xen
x2gd.16xlarge          memory graviton
x2iedn.32xlarge        memory network
x2iedn.xlarge          memory network
z1d.12xlarge           memory
z1d.large              memory
LAYERS

n=0
while read -r type _; do
	"$PERFAGENT" profiles explain "$type" --json --config /dev/null >"$work/$type.json" ||
		fail "explain $type failed"
	n=$((n + 1))
done <"$work/layers"
[ "$n" -ge 60 ] || fail "only $n types"

python3 - "$work" <<'PY' || fail "explain output differs (above)"
import json, sys
work = sys.argv[1]
bad = []

def check(cond, what):
    if not cond:
        bad.append(what)

def explain(t):
    return json.load(open(f"{work}/{t}.json"))

def value(j, section, key):
    vs = [v for v in j["composed"]["values"] if v["section"] == section and v["key"] == key]
    return vs[0] if vs else None

GiB = 1 << 30
for line in open(f"{work}/layers"):
    t, *want = line.split()
    j = explain(t)
    got = [l["name"] for l in j["layers"]]
    check(got == want, f"{t}: layers {got}, want {want}")
    check(j["composed"]["layers"] == want, f"{t}: composed layers {j['composed']['layers']}")
    mem = j["machine"]["mem_bytes"]
    check(mem and j["machine"]["vcpus"], f"{t}: no machine facts: {j['machine']}")
    # network overlay: 1% of RAM, at most 1 GiB, in KiB, only raised
    v = value(j, "sysctl", "vm.min_free_kbytes")
    if "network" in want:
        check(v and v["applicable"] and v["op"] == "raise" and
              v["value"] == str(min(mem // 100, GiB) // 1024),
              f"{t}: min_free_kbytes {v and v['value']} for {mem} bytes")
        check(v is not None and v["layer"] == "network", f"{t}: min_free_kbytes layer")
    else:
        check(v is None, f"{t}: min_free_kbytes without the network overlay")
    # network overlay: irqbalance kept off the RPS CPUs (a drop-in; derived on the host)
    v = value(j, "irqbalance", "banned_cpus")
    if "network" in want:
        check(v is not None and (v["value"], v["layer"], v["kind"], v["path"]) ==
              ("rps", "network", "irqbalance",
               "/run/systemd/system/irqbalance.service.d/50-perfagent.conf") and
              "ENA_Linux_Best_Practices.rst" in v["comment"], f"{t}: banned_cpus {v}")
    else:
        check(v is None, f"{t}: banned_cpus without the network overlay")
    # storage: writeback in bytes, 1% (64 MiB..1 GiB) and 4% (256 MiB..4 GiB)
    if want[0] == "storage":
        bg, hard = value(j, "vm", "dirty_background_bytes"), value(j, "vm", "dirty_bytes")
        check(bg["value"] == str(max(64 << 20, min(mem // 100, GiB))), f"{t}: {bg['value']}")
        check(hard["value"] == str(max(256 << 20, min(mem * 4 // 100, 4 * GiB))),
              f"{t}: {hard['value']}")
        check(value(j, "sysctl", "vm.dirty_background_ratio") is None, f"{t}: a ratio is set")

# The ring memory budget on the largest accelerated sizes: 1% of RAM, at most
# 4 GiB, over network cards x 32 queues x 4 KiB pages.
for t, cards, entries in (("p5.48xlarge", 32, 1024), ("p5en.48xlarge", 16, 2048),
                          ("p4d.24xlarge", 4, 8192), ("trn1.32xlarge", 8, 4096),
                          ("trn1n.32xlarge", 16, 2048)):
    j = explain(t)
    ring, budget = value(j, "ethtool", "rx_ring"), value(j, "ethtool", "rx_ring_budget")
    check(budget["value"] == str(min(j["machine"]["mem_bytes"] // 100, 4 * GiB)),
          f"{t}: budget {budget['value']}")
    check(j["machine"]["ena_interfaces"] == cards, f"{t}: {j['machine']}")
    check(f"allow {entries} entries per ring" in (ring["resolved"] or ""),
          f"{t}: ring {ring['resolved']}")

# A later layer wins and says what it replaced: hpc7g's latency over network.
j = explain("hpc7g.16xlarge")
v = value(j, "ethtool", "adaptive_rx")
check(v["value"] == "off" and v["layer"] == "latency", f"hpc7g adaptive_rx {v}")
check([(o["layer"], o["value"]) for o in v["overridden"]] == [("network", "on")],
      f"hpc7g adaptive_rx overridden {v['overridden']}")
v = value(j, "ethtool", "rps")
check(v["value"] == "off" and [o["layer"] for o in v["overridden"]] == ["network", "graviton"],
      f"hpc7g rps {v}")
# Memory plus network on an n type: the memory class's values stay.
j = explain("r6idn.32xlarge")
check(value(j, "sysctl", "vm.swappiness")["value"] == "1", "r6idn swappiness")
check(value(j, "sysctl", "kernel.numa_balancing")["layer"] == "memory", "r6idn numa")
check(value(j, "ethtool", "rx_ring")["layer"] == "network", "r6idn ring")
# Xen: the TSC clocksource; t2 and Nitro types not.
check(value(explain("c4.8xlarge"), "vm", "clocksource")["value"] == "tsc", "c4 clocksource")
check(value(explain("t2.micro"), "vm", "clocksource") is None, "t2 clocksource")
check(value(explain("i3.metal"), "vm", "clocksource") is None, "i3.metal clocksource")
# HDD: mq-deadline for the disks, over instance-store's none.
j = explain("d3en.12xlarge")
check(value(j, "block.hdd-store", "scheduler")["value"] == "mq-deadline", "d3en scheduler")
check(value(j, "block.rotational", "read_ahead_kb")["value"] == "4096", "d3en read-ahead")
# The EBS I/O timeout comes from base: every class has it, burstable and Xen included.
for t in ("m5.large", "c5n.18xlarge", "t3.nano", "t2.micro", "c4.8xlarge", "i3.16xlarge"):
    v = value(explain(t), "block.ebs", "io_timeout")
    check(v is not None and (v["value"], v["device_kind"], v["devices"], v["profile"]) ==
          ("4294967295", "ebs", "nvme*", "base"), f"{t}: io_timeout {v}")
# PM QoS: the latency overlay holds state1 (hpc, and Graviton's hpc7g, where
# the host says it is not applicable); nothing else does.
for t in ("hpc6a.48xlarge", "hpc7g.16xlarge"):
    v = value(explain(t), "pmqos", "cpu_dma_latency")
    check(v is not None and (v["value"], v["layer"], v["path"]) ==
          ("state1", "latency", "/dev/cpu_dma_latency") and
          "Processor state control" in v["comment"], f"{t}: cpu_dma_latency {v}")
for t in ("m5.large", "c5n.18xlarge", "t3.nano"):
    check(value(explain(t), "pmqos", "cpu_dma_latency") is None, f"{t}: cpu_dma_latency")
# Graviton: no RPS, over the network overlay's auto.
v = value(explain("c7gn.16xlarge"), "ethtool", "rps")
check(v["value"] == "off" and v["layer"] == "graviton", f"c7gn rps {v}")
# Adaptive rules: each with its source; tcp_mem's cap, 12% of RAM in 4 KiB
# pages, resolved for the type (m5.large: 8 GiB -> 251658 pages).
for t in ("m5.large", "r6i.32xlarge", "t3.nano"):
    j = explain(t)
    rules = {r["name"]: r for r in j["composed"]["adaptive_rules"]}
    check(len(rules) >= 5, f"{t}: rules {sorted(rules)}")
    for r in rules.values():
        check("Source:" in r["comment"], f"{t}: [adapt.{r['name']}] has no source: {r['comment']!r}")
        check(r["applicable"] and r["floor_value"] is not None and r["cap_value"] is not None,
              f"{t}: [adapt.{r['name']}] bounds {r}")
    r = rules["tcp-mem"]
    mem = j["machine"]["mem_bytes"]
    want = mem * 12 // 100 // 4096
    check((r["cap"], r["cap_value"]) == ("12%mem in pages", want), f"{t}: tcp-mem cap {r}")
    check(f"= {want} pages" in (r["cap_resolved"] or ""), f"{t}: tcp-mem {r['cap_resolved']}")
    check("ip-sysctl.rst (tcp_mem)" in r["comment"], f"{t}: tcp-mem comment {r['comment']!r}")
    q = rules["accept-queue"]
    check((q["floor_value"], q["cap_value"], q["cap_resolved"]) == (4096, 65535, None),
          f"{t}: accept-queue bounds {q}")
    # a squeeze ends on either budget: both are raised
    knobs = {r["knob"] for r in rules.values() if r["metric"] == "SoftnetTimeSqueezes"}
    check(knobs == {"net.core.netdev_budget", "net.core.netdev_budget_usecs"},
          f"{t}: time squeezes raise {sorted(knobs)}")
check(explain("m5.large")["machine"]["mem_bytes"] == 8 * GiB and
      [r["cap_value"] for r in explain("m5.large")["composed"]["adaptive_rules"]
       if r["name"] == "tcp-mem"] == [251658], "m5.large: tcp-mem cap is not 251658 pages")
for b in bad:
    print("FAIL:", b)
sys.exit(1 if bad else 0)
PY
pass "profiles explain: layers of $n instance types; memory reserve, writeback bytes and ring budgets sized to each; overrides named; the EBS I/O timeout on every class, PM QoS only with the latency overlay, irqbalance's banned CPUs only with the network overlay; adaptive rules with their sources and resolved caps"

# The text: a rule's resolved cap and its source comment, under the rule.
"$PERFAGENT" profiles explain m5.large --config /dev/null >"$work/m5.txt"
grep -A3 '^\[adapt.tcp-mem\]' "$work/m5.txt" >"$work/tcp-mem.txt" || fail "m5.large: no [adapt.tcp-mem]"
# (explain TYPE has no host: the pages are assumed 4 KiB, and it says so)
grep -qx "      cap = 12%mem in pages: 12% of 8 GiB RAM = 983.04 MiB = 251658 pages of 4 KiB (assumed: the host's kernel decides)" "$work/tcp-mem.txt" ||
	fail "m5.large: tcp-mem's cap not resolved: $(cat "$work/tcp-mem.txt")"
grep -q '^      # TCP memory pressure: ' "$work/tcp-mem.txt" ||
	fail "m5.large: tcp-mem's comment missing: $(cat "$work/tcp-mem.txt")"
grep -A8 '^\[adapt.tcp-mem\]' "$work/m5.txt" | grep -q 'Source: kernel' ||
	fail "m5.large: tcp-mem's source missing"
pass "profiles explain m5.large (text): tcp_mem's cap 12%mem in pages = 251658 pages, and the rule's source"

# A type the size table does not hold: formulas are shown, not applied, and why.
"$PERFAGENT" profiles explain c6in.large --json --config /dev/null >"$work/c6in.json"
[ "$(json_get "$work/c6in.json" '[v["applicable"] for v in j["composed"]["values"] if v["key"] == "vm.min_free_kbytes"]')" = "[False]" ] ||
	fail "c6in.large: min_free_kbytes applicable"
json_get "$work/c6in.json" '[v["resolved"] for v in j["composed"]["values"] if v["key"] == "vm.min_free_kbytes"][0]' |
	grep -q "^resolved on the host ('1%mem' needs the size of the memory, which is unknown here)" ||
	fail "c6in.large: no reason, or one that says it is not applied on the host"
"$PERFAGENT" profiles explain c6in.large --config /dev/null | grep -q "^machine  *unknown: c6in.large is not in perfagent's size table" ||
	fail "c6in.large: the text does not say the machine is unknown"
[ "$(json_get "$work/c6in.json" '[(r["cap_value"], r["applicable"]) for r in j["composed"]["adaptive_rules"] if r["name"] == "tcp-mem"]')" = "[(None, False)]" ] ||
	fail "c6in.large: tcp-mem's cap resolved without the memory size"
json_get "$work/c6in.json" '[r["cap_resolved"] for r in j["composed"]["adaptive_rules"] if r["name"] == "tcp-mem"][0]' |
	grep -q "^resolved on the host ('12%mem' needs the size of the memory, which is unknown here)" ||
	fail "c6in.large: tcp-mem does not say why its cap is unknown, or says the rule does not run"
pass "a type outside the size table: formulas shown, resolved on the host, and why (a rule's cap too)"

# Overlays from the command line stack last; a class profile is refused as one.
"$PERFAGENT" profiles explain m5.large --overlays database,mongodb8 --json --config /dev/null >"$work/db.json"
[ "$(json_get "$work/db.json" '[l["name"] for l in j["layers"]]')" = "['general', 'database', 'mongodb8']" ] ||
	fail "layers with --overlays: $(json_get "$work/db.json" 'j["layers"]')"
[ "$(json_get "$work/db.json" '[(v["value"], [o["layer"] for o in v["overridden"]]) for v in j["composed"]["values"] if v["key"] == "transparent_hugepage"]')" = "[('always', ['general', 'database'])]" ] ||
	fail "THP with database, mongodb8"
out=$("$PERFAGENT" profiles explain m5.large --overlays memory --config /dev/null 2>&1) &&
	fail "a class profile was taken as an overlay: $out"
printf '%s\n' "$out" | grep -q "memory is a class profile, not an overlay" || fail "message: $out"
out=$("$PERFAGENT" profiles explain m5.large --overlays 'bad name!' --config /dev/null 2>&1) &&
	fail "a bad overlay name was taken: $out"
printf '%s\n' "$out" | grep -q "is not an overlay name" || fail "message: $out"
pass "--overlays: stacked last, in order; a class profile or a bad name is refused with a reason"

# Without a type: this host, as apply sees it (here a fake tree: 4 GiB, 2 vCPUs).
"$TESTS_DIR/fakeroot.sh" "$work/root" --dmi nitro --type c6in.large >/dev/null
"$PERFAGENT" profiles explain --root "$work/root" --state-dir "$work/state" --no-imds \
	--config /dev/null --json >"$work/host.json" || fail "explain this host"
[ "$(json_get "$work/host.json" '(j["instance_type"], [l["name"] for l in j["layers"]], j["machine"]["mem_bytes"], j["machine"]["vcpus"], j["machine"]["from"])')" = \
	"('c6in.large', ['compute', 'network'], 4294967296, 2, 'this host')" ] ||
	fail "this host: $(json_get "$work/host.json" 'j["machine"]')"
# 1% of 4 GiB, in KiB
[ "$(json_get "$work/host.json" '[v["value"] for v in j["composed"]["values"] if v["key"] == "vm.min_free_kbytes"]')" = "['41943']" ] ||
	fail "this host: min_free_kbytes"
pass "profiles explain without a type: this host's layers and values (4 GiB, 2 vCPUs: min_free_kbytes 41943)"

# Types whose NIC is not ENA (T2's Xen netfront, C4's Intel 82599 VF): no
# ENA interface in the machine line, none in the JSON.
"$PERFAGENT" profiles explain t2.micro --config /dev/null >"$work/t2.txt"
grep -q '^machine .*no ENA interface: its NIC is the Xen netfront)$' "$work/t2.txt" ||
	fail "t2.micro: $(grep '^machine' "$work/t2.txt")"
"$PERFAGENT" profiles explain c4.8xlarge --config /dev/null --json >"$work/c4.json"
[ "$(json_get "$work/c4.json" 'j["machine"]["ena_interfaces"]')" = None ] ||
	fail "c4.8xlarge: $(json_get "$work/c4.json" 'j["machine"]')"
pass "profiles explain: t2 and c4 have no ENA interface (Xen netfront, Intel 82599 VF)"
