/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Layout shared by bpf/block.bpf.c and agent/probes/probe_block.c.
 *
 * "block_stats" is a hash from (device, operation) to struct block_stats,
 * shared by all CPUs (atomic adds): one per-CPU copy would cost
 * CPUs x devices x operations x 11 KiB of kernel memory (a 192-vCPU host
 * with 16 volumes: 170 MiB), where shared entries cost 11 KiB each, made on
 * a device's first I/O of that kind. Entries are never deleted, so counts
 * are cumulative since the probe started.
 */
#ifndef PA_BPF_BLOCK_H
#define PA_BPF_BLOCK_H

#include "hist.h"

/* Bounds the hash: 64 devices with every operation. */
#define BLOCK_MAX_KEYS		320

/* The request issue-time table (stamp.bpf.h): 256 KiB. */
#define BLOCK_SLOT_BITS		15
#define BLOCK_SLOTS		(1 << BLOCK_SLOT_BITS)

enum block_op {
	BLOCK_OP_READ,
	BLOCK_OP_WRITE,
	BLOCK_OP_FLUSH,
	BLOCK_OP_DISCARD,	/* also secure erase and write zeroes */
	BLOCK_OP_OTHER,		/* zone management, driver-private */
	BLOCK_OPS,
};

struct block_key {
	__u32 dev;		/* whole disk, kernel encoding: major << 20 | minor */
	__u32 op;		/* enum block_op */
};

struct block_stats {
	/* Completions: count = I/Os, sum = bytes. */
	struct hist size;
	/* Microseconds from issue to the driver to completion. */
	struct hist latency;
	/*
	 * Microseconds from the request's creation in the block layer to its
	 * issue: time in the I/O scheduler's queue and waiting for a tag.
	 */
	struct hist queued;
};

/* The one-slot per-CPU array "block_counters". */
struct block_counters {
	__u64 no_room;		/* completions lost: block_stats full */
};

#endif
