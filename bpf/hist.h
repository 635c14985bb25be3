/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Log-linear histogram shared by the BPF programs and agent/probes/hist.c.
 *
 * Values 0..31 have a bucket each. Above that, every power of two
 * [2^h, 2^(h+1)) is cut into 16 equal sub-buckets, so a bucket is at most
 * 1/16 of its lower bound wide (6.25 %). Bucket b < 16 holds the value b;
 * bucket b >= 16 holds [(16 + b % 16) << (h - 4), ... + (1 << (h - 4)) - 1]
 * with h = b / 16 + 3. Values at or above 2^HIST_MAX_BITS (71 minutes in
 * microseconds, 4 GiB in bytes) count in the top bucket; max stays exact.
 *
 * The count is the sum of the buckets. __u64 fields only, so the kernel's
 * per-CPU value size equals sizeof() and per-CPU copies merge field by field.
 */
#ifndef PA_BPF_HIST_H
#define PA_BPF_HIST_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

#define HIST_SUB_BITS	4
#define HIST_SUBS	(1 << HIST_SUB_BITS)
#define HIST_MAX_BITS	32
#define HIST_BUCKETS	((HIST_MAX_BITS - HIST_SUB_BITS + 1) * HIST_SUBS)

struct hist {
	__u64 sum;			/* of the values, before clamping */
	__u64 max;			/* largest value since the map was made */
	__u64 buckets[HIST_BUCKETS];
};

#endif
