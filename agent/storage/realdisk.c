// SPDX-License-Identifier: GPL-2.0-only
/* Is a block device a whole disk backed by a device (sysfs only, so fake trees work). */
#include <stdio.h>
#include <unistd.h>

#include "storage/realdisk.h"
#include "core/util.h"

/* sysroot + /sys/block/NAME[/leaf] exists. */
static bool block_has(const struct pa_paths *paths, const char *name, const char *leaf)
{
	char rel[PATH_MAX], path[PATH_MAX];

	return !util_join(rel, sizeof(rel), "/sys/block/%s%s", name, leaf) &&
	       !paths_sys(paths, path, sizeof(path), rel) && access(path, F_OK) == 0;
}

bool realdisk_is_whole_and_real(const struct pa_paths *paths, const char *name, char *why,
				size_t whysz)
{
	const char *reason = NULL;

	/* /sys/block lists whole disks only; partitions are under their disk. */
	if (!block_has(paths, name, ""))
		reason = "not a whole disk (a partition, or gone)";
	else if (!block_has(paths, name, "/device"))
		reason = "virtual: no device (loop, ram, zram, device-mapper, md)";
	if (reason && whysz)
		snprintf(why, whysz, "%s", reason);
	return !reason;
}
