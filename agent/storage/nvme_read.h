/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Reading one device's Amazon statistics log page (nvme_page.h) into a
 * buffer. Two sources, chosen by the sysroot as the ethtool statistics are
 * (net/ethtool.h: a fake tree never steers perfagent into the host's
 * devices):
 *
 *   - on the host (sysroot ""): the namespace's block device /dev/NAME,
 *     which must be the block device whose numbers /sys/block/NAME/dev
 *     gives, opened read-only, and the NVMe admin passthrough ioctl
 *     (NVME_IOCTL_ADMIN_CMD, linux/nvme_ioctl.h) with Get Log Page (opcode
 *     0x02) for page 0xD0, NUMDL = 4096 / 4 - 1, on the namespace id of
 *     /sys/block/NAME/nsid (1 when absent, as AWS's ebsnvme uses). The
 *     kernel lets only CAP_SYS_ADMIN send this command. AWS documents the
 *     statistics for reads at most once a second; the daemon reads once an
 *     interval (1 s or more), with a 2 s command timeout;
 *   - on a fake tree (--root DIR, tests): the regular file DIR/dev/NAME
 *     holds the page's bytes as the device would return them. Anything
 *     but a regular file (a FIFO, a directory, a device) is refused, so a
 *     test tree cannot block the daemon.
 */
#ifndef PA_NVME_READ_H
#define PA_NVME_READ_H

#include <stddef.h>

#include "core/paths.h"

#define NVME_CMD_TIMEOUT_MS 2000

/*
 * Reads the page of block device dev ("nvme1n1") into buf (size bytes, at
 * least NVME_STATS_PAGE_SIZE for the device), its length in *len. 0, or a
 * negative errno with a sentence in err that says what failed and what to
 * do: -ENOENT no device node, -ENOTBLK not the right block device, -EACCES
 * or -EPERM no permission, -ENOTTY the driver takes no NVMe admin command,
 * -EREMOTEIO the device refused the command (an NVMe status: a device or
 * firmware without these statistics), -EBADF for a fake-tree
 * entry that is not a regular file.
 */
int nvme_read_page(const struct pa_paths *paths, const char *dev, void *buf, size_t size,
		   size_t *len, char *err, size_t errsz);

#endif
