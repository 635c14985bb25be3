/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Layout shared by bpf/block.bpf.c and agent/probes/probe_block.c.
 *
 * Reads and writes, the operations that reach high rates, count in the
 * per-CPU array "block_cpu" (no state shared between CPUs on the hot path),
 * indexed by the request queue's id (a small integer the block layer gives
 * every queue, lowest free first) and the operation: two struct
 * block_stats per queue and CPU. Userspace sizes it before the load from a
 * memory budget (BLOCK_CPU_BUDGET over the possible CPUs, at most
 * BLOCK_CPU_SLOTS_MAX queues). Queues beyond it, and flushes, discards and
 * the rest, count in the hash "block_stats" from (device, operation),
 * shared by all CPUs (atomic adds). Userspace sums both per device and
 * operation. Nothing is deleted: counts are cumulative since the start.
 */
#ifndef PA_BPF_BLOCK_H
#define PA_BPF_BLOCK_H

#include "hist.h"

/* Bounds the hash: 64 devices with every operation. */
#define BLOCK_MAX_KEYS		320

/* Per-CPU slots: queues with ids below this count per CPU (reads, writes). */
#define BLOCK_CPU_SLOTS_MAX	64
#define BLOCK_CPU_OPS		2	/* BLOCK_OP_READ, BLOCK_OP_WRITE */
#define BLOCK_CPU_BUDGET	(16u << 20)	/* bytes, all CPUs together */

/* The request issue-time table (stamp.bpf.h): 256 KiB. */
#define BLOCK_SLOT_BITS		15
#define BLOCK_SLOTS		(1 << BLOCK_SLOT_BITS)

/* How a completion's latency was taken. */
enum block_method {
	BLOCK_BY_STAMP,		/* the request's own rq->io_start_time_ns */
	BLOCK_BY_TABLE,		/* block_rq_issue's stamp in the issue table */
	BLOCK_UNTIMED,		/* neither: counted, not timed */
	BLOCK_UNSAMPLED,	/* counted, left out by latency sampling */
	BLOCK_METHODS,
};

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

/*
 * The interval maxima of a block_stats' three histograms: hist.h's epoch
 * scheme with one tag for the three, so that a completion checks one tag
 * instead of three (12 to 22 ns less per I/O, bench/README.md). The program
 * leaves the histograms' own slots alone; userspace merges these into them
 * (probe_block.c). A value the completion did not have (no latency) is 0.
 */
struct block_max {
	__u64 epoch;
	__u64 size, latency, queued;
};

struct block_stats {
	/*
	 * Per-CPU slots: the device (kernel encoding) counted in this copy.
	 * A queue id taken over by another device restarts the copy at zero.
	 * 0 in the hash.
	 */
	__u64 dev;
	/* Completions by how their latency was taken (enum block_method). */
	__u64 method[BLOCK_METHODS];
	/*
	 * Per-CPU slots with latency sampling on: completions left before the
	 * next one is timed (block_sample_every in block.bpf.c). Unused in
	 * the hash, whose countdowns are in struct block_counters.
	 */
	__u64 countdown;
	/* The maxima of the histograms below, by epoch parity. */
	struct block_max max[2];
	/* Completions: count = I/Os, sum = bytes. */
	struct hist size;
	/* Nanoseconds from issue to the driver to completion. */
	struct hist latency;
	/*
	 * Nanoseconds from the request's creation in the block layer to its
	 * issue: time in the I/O scheduler's queue and waiting for a tag.
	 */
	struct hist queued;
};

/* The one-slot per-CPU array "block_counters". */
struct block_counters {
	__u64 no_room;		/* completions lost: block_stats full */
	__u64 countdown;	/* latency sampling of the hash's completions */
};

/*
 * Latency sampling (block_sample in perfagent.conf): the section of the
 * global block_sample_every, which the agent writes whole. 0 or 1: every
 * completion is timed; N > 1: about 1 in N, the gaps between timed
 * completions drawn uniformly from 1 .. 2N - 1 (mean N) per per-CPU slot.
 * Counts, bytes and sizes stay exact.
 */
#define BLOCK_SAMPLE_SECTION ".data.block_sample"
#define BLOCK_SAMPLE_MAX	65536

#endif
