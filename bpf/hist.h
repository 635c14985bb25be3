/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Log-linear histogram shared by the BPF programs and agent/probes/hist.c.
 *
 * Values 0..31 have a bucket each. Above that, every power of two
 * [2^h, 2^(h+1)) is cut into 16 equal sub-buckets, so a bucket is at most
 * 1/16 of its lower bound wide (6.25 %). Bucket b < 16 holds the value b;
 * bucket b >= 16 holds [(16 + b % 16) << (h - 4), ... + (1 << (h - 4)) - 1]
 * with h = b / 16 + 3. Values at or above 2^HIST_MAX_BITS (71 minutes in
 * microseconds, 4 GiB in bytes) count in the top bucket; maxima stay exact.
 *
 * The count is the sum of the buckets. __u64 fields only, so the kernel's
 * per-CPU value size equals sizeof() and per-CPU copies merge field by field.
 *
 * Maxima per collection interval: userspace numbers the intervals (the
 * epoch, hist_epoch in hist.bpf.h) and advances the number just before it
 * reads the maps. A value goes to slot[epoch & 1]; a slot tagged with an
 * older epoch is restarted by the value. So once the epoch moved from E to
 * E + 1, slot[E & 1] tagged E is the maximum of interval E, and stays put
 * while interval E + 1 writes the other slot. Why not simpler: a bucket's
 * upper edge is up to 6 % off, and a maximum kept since the start says
 * nothing of an interval once a larger value was seen. Values completing
 * while the maps are read: agent/probes/hist.c, interval_max().
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

/* The section of hist_epoch in every BPF object, and so its map's name. */
#define HIST_EPOCH_SECTION ".data.hist_epoch"

struct hist_max {
	__u64 epoch;			/* the interval value belongs to */
	__u64 value;			/* its largest value */
};

struct hist {
	__u64 sum;			/* of the values, before clamping */
	/*
	 * The largest value of the span a histogram made by userspace covers
	 * (an interval's, from hist_delta()); the programs leave it alone.
	 */
	__u64 max;
	struct hist_max slot[2];	/* the programs' maxima, by epoch parity */
	__u64 buckets[HIST_BUCKETS];
};

#endif
