// SPDX-License-Identifier: GPL-2.0-only
/* Is a block device a whole disk backed by a device (sysfs only, so fake trees work). */
#include <stdio.h>

#include "storage/realdisk.h"

bool realdisk_is_whole_and_real(const struct pa_paths *paths, const char *name, char *why,
				size_t whysz)
{
	const char *reason = NULL;

	/* /sys/block lists whole disks only; partitions are under their disk. */
	if (!paths_sys_exists(paths, "/sys/block/%s", name))
		reason = "not a whole disk (a partition, or gone)";
	else if (!paths_sys_exists(paths, "/sys/block/%s/device", name))
		reason = "virtual: no device (loop, ram, zram, device-mapper, md)";
	if (reason && whysz)
		snprintf(why, whysz, "%s", reason);
	return !reason;
}
