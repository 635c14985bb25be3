#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Builds a fake /proc and /sys tree for the tuning engine: fakeroot.sh's
# machine (an EBS and an instance-store NVMe disk, ens5 on ena) plus the
# sysctls, transparent hugepage and block queue files profiles set, the
# clocksource files, C-states (POLL, C1, C1E, C6 as on Skylake-SP) and a
# regular file standing in for /dev/cpu_dma_latency (PM QoS: 4 bytes, the
# s32 "no limit", 2000000000).
#
#   tune_tree.sh DIR [--many N]
#
#   --many N: N more sysctls, kernel.perfagent_test.k1 .. kN, holding their
#             number (for a long apply to interrupt)
set -eu

[ $# -ge 1 ] || { echo "usage: $0 DIR [--many N]" >&2; exit 2; }
root=$1
many=0
[ "${2:-}" = --many ] && many=${3:?}

# fakeroot.sh's machine, and its put FILE CONTENT.
# shellcheck source=tests/system/fakeroot.sh
. "$(dirname "$0")/fakeroot.sh" "$root" --dmi nitro --type c6in.large

put proc/sys/kernel/random/boot_id "6b9d2c31-8f0e-4a57-b0d4-3f1e2a9c7d10"
put proc/sys/net/core/somaxconn 4096
put proc/sys/net/core/netdev_max_backlog 1000
put proc/sys/net/ipv4/tcp_rmem "$(printf '4096\t131072\t6291456')"
put proc/sys/net/ipv4/tcp_wmem "$(printf '4096\t16384\t4194304')"
put proc/sys/net/ipv4/tcp_slow_start_after_idle 1
put proc/sys/net/ipv4/tcp_notsent_lowat 4294967295
put proc/sys/net/ipv4/conf/all/rp_filter 0
put proc/sys/net/ipv4/conf/ens5/rp_filter 0
put proc/sys/vm/swappiness 60
put sys/kernel/mm/transparent_hugepage/enabled "always [madvise] never"
put sys/kernel/mm/transparent_hugepage/defrag "always defer defer+madvise [madvise] never"
for dev in nvme0n1 nvme1n1 loop0; do
	put sys/block/$dev/queue/read_ahead_kb 128
	put sys/block/$dev/queue/scheduler "[none] mq-deadline kyber"
done
# NVMe times requests out (30 s by default); loop devices have no io_timeout.
for dev in nvme0n1 nvme1n1; do
	put sys/block/$dev/queue/io_timeout 30000
done
put sys/devices/system/clocksource/clocksource0/current_clocksource kvm-clock
put sys/devices/system/clocksource/clocksource0/available_clocksource "kvm-clock tsc hpet acpi_pm "
state=0
for c in "POLL 0" "C1 2" "C1E 10" "C6 133"; do
	put sys/devices/system/cpu/cpu0/cpuidle/state$state/name "${c% *}"
	put sys/devices/system/cpu/cpu0/cpuidle/state$state/latency "${c#* }"
	state=$((state + 1))
done
mkdir -p "$root/dev"
printf '\x00\x94\x35\x77' >"$root/dev/cpu_dma_latency"     # 2000000000, little-endian
for i in $(seq 1 "$many"); do
	put proc/sys/kernel/perfagent_test/k$i "$i"
done
