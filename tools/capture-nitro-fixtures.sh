#!/usr/bin/env bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Captures real data for perfagent's fixtures on a Nitro EC2 instance (run
# as root; it changes nothing): for each EBS or instance-store NVMe device,
# the statistics log page 0xD0 twice, SECONDS apart (default 5), as the raw
# 4096 bytes perfagent parses (agent/storage/nvme_page.h), with the device's
# model, serial and namespace id; for each ENA interface, `ethtool -S`
# (twice), `ethtool -i`, `ethtool -g` and `ethtool -c`, what the ENA health
# and ENA Express checks read (the driver's version and parameters, the
# device's large_llq_header, each tx queue's byte_queue_limits/limit_min,
# the MTU and the Express sysctls); /proc/net/softnet_stat; the instance type
# and kernel. Writes DIR/ (default ./nitro-capture-TYPE-DATE)
# and DIR.tar.gz.
#
#   tools/capture-nitro-fixtures.sh [DIR] [SECONDS]
#
# The pages are read with nvme-cli (`nvme get-log --log-id=0xd0
# --log-len=4096 --raw-binary`) when it is installed, else with python3 and
# the same NVMe admin ioctl perfagent sends (NVME_IOCTL_ADMIN_CMD, Get Log
# Page, NUMDL 1023, nsid from sysfs). A page of a new version or a device
# that refuses is recorded with the error: both are what new fixtures are
# for. Volume ids and serials identify your resources: look the directory
# over before you share it.
set -u
[ "$(id -u)" = 0 ] || { echo "run as root (the NVMe admin command needs CAP_SYS_ADMIN)" >&2; exit 1; }
itype=$(cat /sys/class/dmi/id/product_name 2>/dev/null || echo unknown)
out=${1:-./nitro-capture-$itype-$(date +%Y%m%d-%H%M%S)}
gap=${2:-5}
mkdir -p "$out" || exit 1

read_page() { # read_page DEV NSID FILE
	if command -v nvme >/dev/null; then
		nvme get-log "/dev/$1" --namespace-id="$2" --log-id=0xd0 --log-len=4096 \
			--raw-binary >"$3" 2>"$3.err" && return 0
	fi
	python3 - "/dev/$1" "$2" "$3" 2>>"$3.err" <<'PY'
import ctypes, fcntl, struct, sys
buf = ctypes.create_string_buffer(4096)
# struct nvme_passthru_cmd (linux/nvme_ioctl.h), 72 bytes
cmd = struct.pack("<BBHIIIQQIIIIIIIIII", 0x02, 0, 0, int(sys.argv[2]), 0, 0, 0,
                  ctypes.addressof(buf), 0, 4096, 0xD0 | (1023 << 16), 0, 0, 0, 0, 0,
                  2000, 0)
NVME_IOCTL_ADMIN_CMD = 0xC0484E41
with open(sys.argv[1], "rb") as dev:
    status = fcntl.ioctl(dev, NVME_IOCTL_ADMIN_CMD, bytearray(cmd))
if status:
    sys.exit("NVMe status 0x%x" % status)
open(sys.argv[3], "wb").write(buf.raw)
PY
}

{
	echo "instance_type $itype"
	echo "kernel $(uname -r)"
	echo "date $(date -u +%FT%TZ)"
} >"$out/host.txt"
cp /proc/net/softnet_stat "$out/softnet_stat.0" 2>/dev/null

for round in 0 1; do
	for d in /sys/block/nvme*n*; do
		[ -e "$d" ] || continue
		dev=${d##*/}
		model=$(tr -s ' ' <"$d/device/model" 2>/dev/null | sed 's/ *$//')
		case $model in
		"Amazon Elastic Block Store"|"Amazon EC2 NVMe Instance Storage") ;;
		*) continue ;;
		esac
		if [ "$round" = 0 ]; then
			{
				echo "model $model"
				echo "serial $(sed 's/ *$//' "$d/device/serial" 2>/dev/null)"
				echo "nsid $(cat "$d/nsid" 2>/dev/null || echo 1)"
			} >"$out/$dev.txt"
		fi
		read_page "$dev" "$(cat "$d/nsid" 2>/dev/null || echo 1)" "$out/$dev.page.$round" ||
			echo "$dev: page not read: $(cat "$out/$dev.page.$round.err")" >&2
		[ -s "$out/$dev.page.$round.err" ] || rm -f "$out/$dev.page.$round.err"
	done
	for n in /sys/class/net/*; do
		ifn=${n##*/}
		[ "$(basename "$(readlink "$n/device/driver" 2>/dev/null)")" = ena ] || continue
		ethtool -S "$ifn" >"$out/$ifn.ethtool-S.$round" 2>&1
		if [ "$round" = 0 ]; then
			for o in -i -g -c -l; do ethtool "$o" "$ifn" >"$out/$ifn.ethtool$o" 2>&1; done
			# what agent/net/ena_health.c and ena_express.c read, "path: value" lines
			for f in "$n/mtu" "$n/device/large_llq_header" \
				"$n"/queues/tx-*/byte_queue_limits/limit_min; do
				[ -r "$f" ] && echo "$f: $(cat "$f")"
			done >"$out/$ifn.sysfs" 2>/dev/null
		fi
	done
	[ "$round" = 0 ] && sleep "$gap"
done
cp /proc/net/softnet_stat "$out/softnet_stat.1" 2>/dev/null
for f in /sys/module/ena/version /sys/module/ena/parameters/* \
	/sys/module/tcp_cubic/parameters/hystart_detect \
	/proc/sys/net/ipv4/tcp_limit_output_bytes /proc/sys/net/ipv4/tcp_autocorking \
	/proc/sys/net/ipv4/tcp_rmem /proc/sys/net/ipv4/tcp_wmem \
	/proc/sys/net/ipv4/tcp_congestion_control /proc/sys/net/core/[rw]mem_default \
	/proc/sys/net/core/[rw]mem_max; do
	[ -r "$f" ] && echo "$f: $(cat "$f")"
done >"$out/ena-driver-and-sysctls.txt" 2>/dev/null
tar -czf "$out.tar.gz" -C "$(dirname "$out")" "$(basename "$out")" &&
	echo "captured into $out and $out.tar.gz ($(find "$out" -type f | wc -l) files)"
