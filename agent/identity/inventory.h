/* SPDX-License-Identifier: GPL-2.0-only */
/* What the host has: vCPUs, memory, network interfaces, block devices. */
#ifndef PA_INVENTORY_H
#define PA_INVENTORY_H

#include <stdbool.h>
#include <stdint.h>
#include <net/if.h>

#include "core/paths.h"

#define INV_MAX_NICS 32
#define INV_MAX_BLOCKDEVS 64

struct inv_nic {
	char name[IF_NAMESIZE];
	char driver[32];        /* "ena", "veth", "" when virtual without driver */
	char mac[18];
	unsigned int mtu;
	char operstate[16];
};

struct inv_blockdev {
	char name[32];          /* "nvme0n1" */
	char model[64];
	char serial[64];
	char ebs_volume_id[32]; /* "vol-0123..." when an EBS NVMe volume */
	char kind[24];          /* "ebs", "instance-store", "other" */
	uint64_t size_bytes;
	bool rotational;
};

struct inventory {
	int vcpus;
	uint64_t mem_bytes;
	int n_nics;
	struct inv_nic nics[INV_MAX_NICS];
	int n_blockdevs;
	struct inv_blockdev blockdevs[INV_MAX_BLOCKDEVS];
};

/* Reads everything under the sysroot. Missing pieces are left zero/empty. */
void inventory_read(const struct pa_paths *paths, struct inventory *inv);

/* One block device of /sys/block under the sysroot: model, serial, kind, EBS volume id. */
void inventory_read_blockdev(const struct pa_paths *paths, const char *name,
			     struct inv_blockdev *bd);

/* sysroot + /proc/sys/kernel/random/boot_id: this boot's id, which the
 * tuning journal and the credit model tie their state to; 0 or -errno
 * (-ENODATA: the file is empty). */
#define INVENTORY_BOOT_ID_MAX 64
int inventory_boot_id(const struct pa_paths *paths, char *buf, size_t size);

/* When this boot started (wall ms), from sysroot + /proc/uptime; 0 when unknown. */
uint64_t inventory_boot_wall_ms(const struct pa_paths *paths, uint64_t now_ms);

/* "vol0abc..." (NVMe serial of an EBS volume) -> "vol-0abc..."; 0 or -EINVAL. */
int inventory_ebs_volume_id(const char *serial, char *buf, size_t size);

#endif
