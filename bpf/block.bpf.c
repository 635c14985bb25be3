// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Block I/O probe: per device and operation, I/O count, bytes and size
 * distribution, latency from issue to completion, and time queued before
 * issue. Two tracepoints: block_rq_issue stamps the request in a
 * direct-mapped table (stamp.bpf.h: a request has no local storage, and a
 * hash keyed by its address would cost a bucket lock, an allocation and a
 * delete per I/O), block_rq_complete does the rest with one hash lookup.
 *
 * The time queued needs no third tracepoint: the block layer stamps each
 * request when it makes it (rq->start_time_ns, set whenever the queue keeps
 * I/O statistics or has a scheduler, the default), so at completion the
 * queue time is issue time minus that. Requests without it (iostats off
 * and no scheduler) have no queue-time sample.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "block.h"
#include "hist.bpf.h"
#include "stamp.bpf.h"

#define REQ_OP_MASK	0xff
#define MINOR_BITS	20

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__uint(max_entries, BLOCK_MAX_KEYS);
	__type(key, struct block_key);
	__type(value, struct block_stats);
} block_stats SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct block_counters);
} block_counters SEC(".maps");

STAMP_TABLE(rq_issued, BLOCK_SLOT_BITS);

/*
 * Initial value of new block_stats entries (too big for the stack): zero,
 * never written. In .bss rather than .rodata, so the object stays small.
 */
struct block_stats block_zero;

static __always_inline __u32 block_op(__u32 cmd_flags)
{
	switch (cmd_flags & REQ_OP_MASK) {
	case REQ_OP_READ:
		return BLOCK_OP_READ;
	case REQ_OP_WRITE:
		return BLOCK_OP_WRITE;
	case REQ_OP_FLUSH:
		return BLOCK_OP_FLUSH;
	case REQ_OP_DISCARD:
	case REQ_OP_SECURE_ERASE:
	case REQ_OP_WRITE_ZEROES:
		return BLOCK_OP_DISCARD;
	}
	return BLOCK_OP_OTHER;
}

static __always_inline struct block_stats *stats_of(__u32 dev, __u32 op)
{
	struct block_key key = { .dev = dev, .op = op };
	struct block_stats *st;
	struct block_counters *c;
	__u32 zero = 0;

	st = bpf_map_lookup_elem(&block_stats, &key);
	if (st)
		return st;
	bpf_map_update_elem(&block_stats, &key, &block_zero, BPF_NOEXIST);
	st = bpf_map_lookup_elem(&block_stats, &key);
	if (!st) {
		c = bpf_map_lookup_elem(&block_counters, &zero);
		if (c)
			c->no_room++;
	}
	return st;
}

static __always_inline int on_issue(__u64 rq)
{
	stamp_put(&rq_issued, BLOCK_SLOT_BITS, rq, bpf_ktime_get_ns());
	return 0;
}

/* What block_rq_complete needs of the request. */
struct rq_info {
	__u64 addr;
	__u64 created;		/* rq->start_time_ns, 0 if not kept */
	__u32 dev;
	__u32 cmd_flags;
	__u32 bytes;		/* completed now */
};

static __always_inline int on_complete(const struct rq_info *rq)
{
	struct block_stats *st = stats_of(rq->dev, block_op(rq->cmd_flags));
	__u64 now, ns, issued;

	if (!st)
		return 0;
	hist_add_shared(&st->size, rq->bytes);
	now = bpf_ktime_get_ns();
	if (!stamp_take(&rq_issued, BLOCK_SLOT_BITS, rq->addr, now, &ns))
		return 0;	/* not issued while we ran, or slot taken */
	hist_add_shared(&st->latency, ns / 1000);
	issued = now - ns;
	if (rq->created && rq->created <= issued)
		hist_add_shared(&st->queued, (issued - rq->created) / 1000);
	return 0;
}

/* tp_btf: the request is a typed pointer, read directly. */

SEC("tp_btf/block_rq_issue")
int BPF_PROG(block_rq_issue_btf, struct request *rq)
{
	return on_issue(stamp_addr(rq));
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(block_rq_complete_btf, struct request *rq, blk_status_t error,
	     unsigned int nr_bytes)
{
	struct gendisk *disk = rq->q->disk;
	struct rq_info info = {
		.addr = stamp_addr(rq),
		.created = rq->start_time_ns,
		.dev = disk ? (__u32)disk->major << MINOR_BITS | disk->first_minor : 0,
		.cmd_flags = rq->cmd_flags,
		.bytes = nr_bytes,
	};

	return on_complete(&info);
}

/* raw_tp: the same through bpf_probe_read_kernel (CO-RE). */

SEC("raw_tp/block_rq_issue")
int BPF_PROG(block_rq_issue_raw, struct request *rq)
{
	return on_issue((__u64)rq);
}

SEC("raw_tp/block_rq_complete")
int BPF_PROG(block_rq_complete_raw, struct request *rq, blk_status_t error,
	     unsigned int nr_bytes)
{
	struct gendisk *disk = BPF_CORE_READ(rq, q, disk);
	struct rq_info info = {
		.addr = (__u64)rq,
		.created = BPF_CORE_READ(rq, start_time_ns),
		.cmd_flags = BPF_CORE_READ(rq, cmd_flags),
		.bytes = nr_bytes,
	};

	if (disk)
		info.dev = (__u32)BPF_CORE_READ(disk, major) << MINOR_BITS |
			   BPF_CORE_READ(disk, first_minor);
	return on_complete(&info);
}

char LICENSE[] SEC("license") = "GPL";
