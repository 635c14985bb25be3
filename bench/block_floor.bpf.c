// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * The floor under the block probe's cost (bench/block_bpf_stats.sh, tools
 * floor:*): programs on block_rq_complete, attached the same way as
 * bpf/block.bpf.c's (tp_btf), each doing a little more of its work. What
 * bpf_stats charges floor_empty, any program pays: the call into it and the
 * accounting's own clock reads around the call; floor_clock adds the one
 * clock read; floor_fields the request's fields the probe reads. Two more
 * split the clock read: floor_call makes one helper call that does almost
 * nothing (one call and one return in the kernel), floor_call2 one whose
 * helper calls one more function (two calls and two returns, a few
 * arithmetic steps): on a kernel that thunks its returns and indirect
 * calls, as this VM's, they show what the clock read's calls cost apart
 * from the TSC read. Not part of the agent.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>

/* Compared with, never true, so the reads are kept but nothing is written. */
const volatile __u64 never = 1;
__u64 hits;

SEC("tp_btf/block_rq_complete")
int BPF_PROG(floor_empty)
{
	return 0;
}

SEC("tp_btf/block_rq_complete")
int BPF_PROG(floor_clock)
{
	if (bpf_ktime_get_ns() == never)
		hits++;
	return 0;
}

/* bpf_get_numa_node_id: a helper the verifier does not inline. */
SEC("tp_btf/block_rq_complete")
int BPF_PROG(floor_call)
{
	if (bpf_get_numa_node_id() == never)
		hits++;
	return 0;
}

/* bpf_get_prandom_u32: its helper calls prandom_u32_state(). */
SEC("tp_btf/block_rq_complete")
int BPF_PROG(floor_call2)
{
	if (bpf_get_prandom_u32() == never)
		hits++;
	return 0;
}

/* The fields block.bpf.c's block_rq_complete_btf reads, and the clock. */
SEC("tp_btf/block_rq_complete")
int BPF_PROG(floor_fields, struct request *rq)
{
	struct request_queue *q = rq->q;
	struct gendisk *disk = q->disk;
	__u64 sum = rq->start_time_ns + rq->io_start_time_ns + q->id + rq->cmd_flags;

	if (disk)
		sum += disk->major + disk->first_minor;
	if (bpf_ktime_get_ns() + sum == never)
		hits++;
	return 0;
}

char LICENSE[] SEC("license") = "GPL";
