/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Is a block device a whole disk backed by a device (EBS and instance-store
 * NVMe, xvd, sd)? The default of which block devices perfagent reports: not
 * partitions (their I/O is the disk's), nor loop, ram, zram, device-mapper
 * or md devices (no device behind them; their I/O also counts on the disks
 * beneath, or on no disk at all).
 */
#ifndef PA_REALDISK_H
#define PA_REALDISK_H

#include <stdbool.h>
#include <stddef.h>

#include "core/paths.h"

/* True for a whole, real disk; else false with the reason in why. */
bool realdisk_is_whole_and_real(const struct pa_paths *paths, const char *name, char *why,
				size_t whysz);

#endif
