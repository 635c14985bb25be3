// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * Block I/O probe: per device and operation, I/O count, bytes and size
 * distribution, latency from issue to completion, and time queued before
 * issue, all taken at completion with one clock read.
 *
 * The block layer stamps requests itself: rq->io_start_time_ns at issue on
 * queues that keep statistics (writeback throttling turns that on for most
 * disks), rq->start_time_ns at creation when the queue keeps I/O
 * statistics or has a scheduler (the default). Where the issue stamp is
 * there, block_rq_complete alone gives latency (now - issue) and queue
 * time (issue - creation). Where it is not (the kernel lacks the field, or
 * the queue keeps no statistics), block_rq_issue stamps the request in a
 * direct-mapped table (stamp.bpf.h) as before; userspace attaches it only
 * once such a device has completed I/O. Each completion counts how it was
 * timed (enum block_method), per device.
 *
 * Reads and writes count in per-CPU copies indexed by the queue's id
 * (block.h); the rest in a shared hash.
 *
 * Latency sampling (off by default; block.h): with block_sample_every at
 * N > 1, a per-CPU countdown (in the slot, or in block_counters for the
 * hash) lets about 1 in N completions take the clock read and the latency
 * and queue-time histogram updates; the others add to the count, bytes
 * and size only, as BLOCK_UNSAMPLED. The countdown restarts at a random gap
 * of 1 .. 2N - 1 completions (bpf_get_prandom_u32, on timed completions
 * only): a fixed 1 in N would time the same place of any workload whose
 * I/O pattern repeats every N (two streams alternating on one queue, a log
 * write every Nth I/O) and never the others.
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

/* Userspace sets max_entries (queues x BLOCK_CPU_OPS) before the load. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, BLOCK_CPU_SLOTS_MAX * BLOCK_CPU_OPS);
	__type(key, __u32);
	__type(value, struct block_stats);
} block_cpu SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct block_counters);
} block_counters SEC(".maps");

STAMP_TABLE(rq_issued, BLOCK_SLOT_BITS);

/* Tests clear it to time as if the kernel kept no issue stamps. */
const volatile bool use_rq_stamps = true;

/* Time 1 in this many completions (0 or 1: all); the agent writes it. */
__u32 block_sample_every SEC(BLOCK_SAMPLE_SECTION);

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

/* The shared hash's entry of (dev, op), made on first use. */
static __always_inline struct block_stats *shared_of(__u32 dev, __u32 op)
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

/*
 * This CPU's copy for a read or write on queue qid, restarted at zero when
 * the queue id now belongs to another device; NULL when there is none
 * (another operation, or a queue id beyond the array).
 */
static __always_inline struct block_stats *percpu_of(__u32 qid, __u32 dev, __u32 op)
{
	__u32 slot = qid * BLOCK_CPU_OPS + op;
	struct block_stats *st;

	if (op >= BLOCK_CPU_OPS)
		return NULL;
	st = bpf_map_lookup_elem(&block_cpu, &slot);
	if (st && st->dev != dev) {
		bpf_probe_read_kernel(st, sizeof(*st), &block_zero);
		st->dev = dev;
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
	const void *rq;		/* for the issue table, only where needed */
	__u64 created;		/* rq->start_time_ns, 0 if not kept */
	__u64 issued;		/* rq->io_start_time_ns, 0 if not kept */
	__u32 qid;		/* rq->q->id */
	__u32 dev;
	__u32 cmd_flags;
	__u32 bytes;		/* completed now */
};

/*
 * When the request was issued: its own stamp, else the issue table's (an
 * empty table while block_rq_issue is not attached). 0: not known.
 */
static __always_inline __u64 issue_time(const struct rq_info *rq, __u64 now,
					__u32 *method)
{
	__u64 ns;

	if (rq->issued && rq->issued <= now) {
		*method = BLOCK_BY_STAMP;
		return rq->issued;
	}
	/* The address costs a map lookup: only on the fallback path. */
	if (stamp_take(&rq_issued, BLOCK_SLOT_BITS, stamp_addr(rq->rq), now, &ns)) {
		*method = BLOCK_BY_TABLE;
		return now - ns;
	}
	*method = BLOCK_UNTIMED;
	return 0;
}

/*
 * The interval's maxima (struct block_max): one tag check for the three.
 * In the shared hash two CPUs racing can lose the larger value, never keep
 * another interval's (a restart writes the tag, then all three values).
 */
static __always_inline void put_max(struct block_stats *st, __u64 size, __u64 latency,
				    __u64 queued)
{
	__u64 epoch = hist_epoch;
	struct block_max *m = &st->max[epoch & 1];

	if (m->epoch != epoch) {
		m->epoch = epoch;
		m->size = size;
		m->latency = latency;
		m->queued = queued;
		return;
	}
	if (size > m->size)
		m->size = size;
	if (latency > m->latency)
		m->latency = latency;
	if (queued > m->queued)
		m->queued = queued;
}

/* Adds one completion to st: plain adds on a per-CPU copy, else atomic. */
static __always_inline void account(struct block_stats *st, bool percpu,
				    const struct rq_info *rq, __u64 now,
				    __u64 issued, __u32 method)
{
	__u64 latency = 0, queued = 0;
	bool timed = issued, has_queue = issued && rq->created && rq->created <= issued;

	/* A bound the verifier sees on the register used (as HIST_INDEX). */
	asm volatile("" : "+r"(method));
	if (method >= BLOCK_METHODS)
		method = BLOCK_UNTIMED;
	if (timed)
		latency = now - issued;
	if (has_queue)
		queued = issued - rq->created;
	if (percpu) {
		st->method[method]++;
		hist_count_value(&st->size, rq->bytes);
		if (timed)
			hist_count_value(&st->latency, latency);
		if (has_queue)
			hist_count_value(&st->queued, queued);
	} else {
		__sync_fetch_and_add(&st->method[method], 1);
		hist_count_value_shared(&st->size, rq->bytes);
		if (timed)
			hist_count_value_shared(&st->latency, latency);
		if (has_queue)
			hist_count_value_shared(&st->queued, queued);
	}
	put_max(st, rq->bytes, latency, queued);
}

/*
 * Whether this completion is timed: always with sampling off, else when
 * this CPU's countdown for st runs out (then drawn again). A countdown
 * left longer than the present rate allows (N was lowered) restarts.
 */
static __always_inline bool sampled(struct block_stats *st, bool percpu)
{
	__u32 every = block_sample_every, zero = 0;
	struct block_counters *c;
	__u64 *left = &st->countdown;

	if (every <= 1)
		return true;
	if (!percpu) {
		c = bpf_map_lookup_elem(&block_counters, &zero);
		if (!c)
			return true;
		left = &c->countdown;
	}
	if (*left > 1 && *left < 2 * every) {
		(*left)--;
		return false;
	}
	*left = 1 + bpf_get_prandom_u32() % (2 * every - 1);
	return true;
}

static __always_inline int on_complete(const struct rq_info *rq)
{
	__u32 op = block_op(rq->cmd_flags), method;
	struct block_stats *st = percpu_of(rq->qid, rq->dev, op);
	bool percpu = st;
	__u64 now, issued;

	if (!st)
		st = shared_of(rq->dev, op);
	if (!st)
		return 0;
	if (!sampled(st, percpu)) {
		account(st, percpu, rq, 0, 0, BLOCK_UNSAMPLED);
		return 0;
	}
	now = bpf_ktime_get_ns();
	issued = issue_time(rq, now, &method);
	account(st, percpu, rq, now, issued, method);
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
	struct request_queue *q = rq->q;
	struct gendisk *disk = q->disk;
	struct rq_info info = {
		.rq = rq,
		.created = rq->start_time_ns,
		.qid = q->id,
		.dev = disk ? (__u32)disk->major << MINOR_BITS | disk->first_minor : 0,
		.cmd_flags = rq->cmd_flags,
		.bytes = nr_bytes,
	};

	if (use_rq_stamps && bpf_core_field_exists(rq->io_start_time_ns))
		info.issued = rq->io_start_time_ns;
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
		.rq = rq,
		.created = BPF_CORE_READ(rq, start_time_ns),
		.qid = BPF_CORE_READ(rq, q, id),
		.cmd_flags = BPF_CORE_READ(rq, cmd_flags),
		.bytes = nr_bytes,
	};

	if (use_rq_stamps && bpf_core_field_exists(rq->io_start_time_ns))
		info.issued = BPF_CORE_READ(rq, io_start_time_ns);
	if (disk)
		info.dev = (__u32)BPF_CORE_READ(disk, major) << MINOR_BITS |
			   BPF_CORE_READ(disk, first_minor);
	return on_complete(&info);
}

char LICENSE[] SEC("license") = "GPL";
