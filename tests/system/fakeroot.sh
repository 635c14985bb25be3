#!/bin/bash
# SPDX-License-Identifier: GPL-2.0-only
#
# Builds a fake /sys and /proc tree for `perfagent --root DIR`, so tests see
# a chosen machine instead of the host.
#
#   fakeroot.sh DIR [--dmi nitro|xen|qemu|none] [--type TYPE] [--id ID]
#
#   nitro: DMI vendor "Amazon EC2", product_name TYPE, board_asset_tag ID
#   xen:   /sys/hypervisor/uuid starting with "ec2", no useful DMI
#   qemu:  DMI vendor "QEMU" (not EC2)
#   none:  no DMI and no hypervisor uuid (a container, say)   [default]
#
# Sourced (tune_tree.sh), it builds the same tree and leaves put() defined.
#
# Always present: 2 online vCPUs, 4 GiB of memory, lo + ens5 (ena, a PCI
# device) + veth0 (virtual), an EBS NVMe volume, an instance-store NVMe disk
# and a loop device.
set -eu

usage() {
	echo "usage: $0 DIR [--dmi nitro|xen|qemu|none] [--type TYPE] [--id ID]" >&2
	exit 2
}

[ $# -ge 1 ] || usage
root=$1
shift
dmi=none
itype=c6in.large
iid=i-0123456789abcdef0
while [ $# -gt 0 ]; do
	case $1 in
	--dmi) dmi=${2:?}; shift 2 ;;
	--type) itype=${2:?}; shift 2 ;;
	--id) iid=${2:?}; shift 2 ;;
	*) usage ;;
	esac
done

# put FILE CONTENT: writes CONTENT and a newline, creating parents (no
# fork unless a directory is new: trees of hundreds of files stay quick).
put() {
	local f=$root/$1
	[ -d "${f%/*}" ] || mkdir -p "${f%/*}"
	printf '%s\n' "$2" >"$f"
}

cpu_mem() {
	put sys/devices/system/cpu/online "0-1"
	put proc/meminfo "MemTotal:        4194304 kB
MemFree:         1048576 kB
MemAvailable:    2097152 kB"
}

nic() { # nic NAME MAC MTU STATE [DRIVER]
	local d=sys/class/net/$1
	put "$d/address" "$2"
	put "$d/mtu" "$3"
	put "$d/operstate" "$4"
	if [ -n "${5:-}" ]; then
		mkdir -p "$root/sys/bus/pci/drivers/$5" "$root/sys/module/$5" "$root/$d/device"
		ln -sfn "../../../../bus/pci/drivers/$5" "$root/$d/device/driver"
		ln -sfn "../../../module/$5" "$root/sys/bus/pci/drivers/$5/module"
	fi
}

nics() {
	nic lo 00:00:00:00:00:00 65536 unknown
	nic ens5 02:1a:2b:3c:4d:5e 9001 up ena
	nic veth0 aa:bb:cc:dd:ee:ff 1500 down
}

disk() { # disk NAME MODEL SERIAL SECTORS
	local d=sys/block/$1
	put "$d/size" "$4"
	put "$d/queue/rotational" 0
	if [ -n "$2" ]; then
		# NVMe pads model and serial with blanks; keep that.
		put "$d/device/model" "$2                    "
		put "$d/device/serial" "$3    "
	fi
}

disks() {
	disk nvme0n1 "Amazon Elastic Block Store" vol0123456789abcdef0 16777216
	disk nvme1n1 "Amazon EC2 NVMe Instance Storage" AWS1234567890ABCDEF 917504000
	disk loop0 "" "" 1024
}

dmi_tree() {
	local d=sys/class/dmi/id
	case $dmi in
	nitro)
		put $d/sys_vendor "Amazon EC2"
		put $d/board_vendor "Amazon EC2"
		put $d/bios_vendor "Amazon EC2"
		put $d/product_name "$itype"
		put $d/board_asset_tag "$iid"
		;;
	xen)
		put $d/sys_vendor "Xen"
		put $d/product_name "HVM domU"
		put sys/hypervisor/uuid "ec2e1916-9099-7caf-fd21-012345678901"
		;;
	qemu)
		put $d/sys_vendor "QEMU"
		put $d/board_vendor "QEMU"
		put $d/product_name "Standard PC (Q35 + ICH9, 2009)"
		;;
	none) ;;
	*) usage ;;
	esac
}

mkdir -p "$root"
cpu_mem
nics
disks
dmi_tree
