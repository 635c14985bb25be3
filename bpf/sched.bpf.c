// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * CPU scheduling probe: context switches and run-queue latency per CPU,
 * from sched_switch alone.
 *
 * The scheduler already times every wait on the run queue for its own
 * accounting (CONFIG_SCHED_INFO, what /proc/<pid>/schedstat shows): at each
 * arrival on a CPU it adds the wait, from enqueue (wakeup, creation,
 * preemption) to now, to task->sched_info.run_delay and counts the arrival
 * in pcount. So when a task leaves the CPU, its last wait is the growth of
 * run_delay since it last left, and there was exactly one wait when pcount
 * grew by one. That previous run_delay is kept in the task's own storage.
 *
 * This is the same interval runqlat measures from sched_wakeup to
 * sched_switch, waits across a migration included, for one program run per
 * context switch and no clock read: no sched_wakeup hooks, no timestamps
 * stored per wakeup, no PID-keyed hash, nothing left behind when a task
 * exits. A wait is counted when the task next leaves the CPU (where it ran,
 * so where it waited last), and a task's first wait seen after the probe
 * starts is skipped unless it is the task's very first.
 *
 * At sched_switch the outgoing task is current, so the raw_tp twin gets it
 * typed from bpf_get_current_task_btf() and does the same.
 */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "hist.bpf.h"
#include "sched.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct sched_stats);
} sched_stats SEC(".maps");

/* The task's sched_info when it last left a CPU. */
struct runq_seen {
	__u64 run_delay;	/* ns */
	__u64 pcount;		/* arrivals */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct runq_seen);
} runq_seen SEC(".maps");

/* prev is leaving this CPU: count the switch and prev's last wait. */
static __always_inline int on_switch(struct task_struct *prev)
{
	struct sched_stats *st;
	struct runq_seen *seen;
	__u32 key = 0;
	__u64 delay, count;

	st = bpf_map_lookup_elem(&sched_stats, &key);
	if (!st)
		return 0;
	st->context_switches++;
	if (!prev || !prev->pid)	/* the idle task never waits */
		return 0;
	seen = bpf_task_storage_get(&runq_seen, prev, 0,
				    BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!seen)
		return 0;
	delay = prev->sched_info.run_delay;
	count = prev->sched_info.pcount;
	/* New storage has pcount 0: only a first-ever wait passes. */
	if (count == seen->pcount + 1)
		hist_add(&st->runq_latency, (delay - seen->run_delay) / 1000);
	seen->run_delay = delay;
	seen->pcount = count;
	return 0;
}

SEC("tp_btf/sched_switch")
int BPF_PROG(sched_switch_btf, bool preempt, struct task_struct *prev)
{
	return on_switch(prev);
}

SEC("raw_tp/sched_switch")
int BPF_PROG(sched_switch_raw)
{
	return on_switch(bpf_get_current_task_btf());
}

char LICENSE[] SEC("license") = "GPL";
