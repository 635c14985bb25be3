// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * CPU scheduling probe: counts context switches per CPU.
 *
 * Two programs with the same effect: tp_btf/sched_switch (BTF-enabled raw
 * tracepoint) and raw_tp/sched_switch, the fallback for kernels without BTF.
 * Userspace turns autoload off for the one it does not use, so only one is
 * ever loaded. The count lives in a one-slot per-CPU array that userspace
 * reads and sums once per interval; sched_switch runs with preemption off,
 * so a plain increment of this CPU's slot is safe.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "sched.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sched_counters);
} sched_counters SEC(".maps");

static __always_inline int count_switch(void)
{
	__u32 key = 0;
	struct sched_counters *c;

	c = bpf_map_lookup_elem(&sched_counters, &key);
	if (c)
		c->context_switches++;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_tp_btf)
{
	return count_switch();
}

SEC("raw_tp/sched_switch")
int BPF_PROG(sched_raw_tp)
{
	return count_switch();
}

char LICENSE[] SEC("license") = "GPL";
