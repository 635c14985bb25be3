// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * CPU scheduling probe: context switches and run-queue latency per CPU,
 * and on-CPU time by cgroup and process name, from sched_switch alone.
 *
 * The scheduler already times every wait on the run queue for its own
 * accounting (CONFIG_SCHED_INFO, what /proc/<pid>/schedstat shows): at each
 * arrival on a CPU it adds the wait, from enqueue (wakeup, creation,
 * preemption) to now, to task->sched_info.run_delay and counts the arrival
 * in pcount. So when a task leaves the CPU, its last wait is the growth of
 * run_delay since it last left, and there was exactly one wait when pcount
 * grew by one. That previous run_delay is kept in the task's own storage.
 *
 * These are the waits runqlat measures from sched_wakeup to sched_switch,
 * waits across a migration included, for one program run per context
 * switch and no clock read: no sched_wakeup hooks, no timestamps stored per
 * wakeup, no PID-keyed hash, nothing left behind when a task exits. They
 * are timed, in nanoseconds, on the run-queue clock, not runqlat's: a
 * wakeup that preempts the running task makes the scheduler skip the clock
 * update of the switch that follows (rq_clock_skip_update() in
 * wakeup_preempt()), so that wait reads 0 ns where runqlat sees the
 * switch's 2 to 3 us (bench/README.md, bench/runqlat_compare.sh). A wait
 * is counted when the task next leaves the CPU (where it ran, so where it
 * waited last), and a task's first wait seen after the probe starts is
 * skipped unless it is the task's very first.
 *
 * The same program attributes on-CPU time: the slice the outgoing task
 * just ran is the growth of its se.sum_exec_runtime (the scheduler's own
 * total of its run time, brought up to date before the switch) since it
 * last left a CPU. Slices add up in the task's storage until they reach
 * ONCPU_BATCH_NS or the task exits, then go to a hash keyed by its cgroup
 * and name: most switches end short slices, and the hash update costs
 * about 40 ns where the sum costs nothing (bench/sched_attribution.sh). A
 * batch goes to the cgroup and name the task has when it is added, so a
 * task that moves or execs may have up to 1 ms counted under the new one.
 * Userspace drains the hash every interval, so it holds only the pairs
 * that ran in one interval; past ONCPU_MAX_KEYS of them, time goes to an
 * "other" counter. For a task first seen since the probe started, only its
 * current slice counts (from se.prev_sum_exec_runtime, kept by the fair
 * class); for a new task that is all its run time.
 *
 * At sched_switch the outgoing task is current, so the raw_tp twin gets it
 * typed from bpf_get_current_task_btf() and does the same. Its cgroup id
 * and name are read from the task directly: the bpf_get_current_*()
 * helpers cost about 20 and 40 ns more here.
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

/* The task's scheduler accounting when it last left a CPU. */
struct task_seen {
	__u64 run_delay;	/* ns */
	__u64 pcount;		/* arrivals */
	__u64 exec_ns;		/* se.sum_exec_runtime; 0: not seen yet */
	__u64 pending_ns;	/* run time not yet added to "oncpu" */
};

struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct task_seen);
} task_seen SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_HASH);
	__uint(max_entries, ONCPU_MAX_KEYS);
	__type(key, struct oncpu_key);
	__type(value, __u64);
} oncpu SEC(".maps");

/* A task's run time goes to "oncpu" once it adds up to this, or at exit. */
#define ONCPU_BATCH_NS 1000000
#define PF_EXITING 0x00000004	/* include/linux/sched.h */

/* Policies of the fair class, which keeps se.prev_sum_exec_runtime. */
static __always_inline bool fair_policy(unsigned int policy)
{
	return policy == 0 /* NORMAL */ || policy == 3 /* BATCH */ ||
	       policy == 5 /* IDLE */;
}

/* The slice prev ran since it last left a CPU, in ns. */
static __always_inline __u64 slice_ns(struct task_struct *prev,
				      const struct task_seen *seen)
{
	__u64 exec = prev->se.sum_exec_runtime;

	if (seen->exec_ns)
		return exec > seen->exec_ns ? exec - seen->exec_ns : 0;
	if (!fair_policy(prev->policy))
		return 0;
	return exec > prev->se.prev_sum_exec_runtime ?
	       exec - prev->se.prev_sum_exec_runtime : 0;
}

/* Adds ns to prev's (cgroup, name), or to "other" when the hash is full. */
static __always_inline void oncpu_add(struct sched_stats *st,
				      struct task_struct *prev, __u64 ns)
{
	struct oncpu_key key = {};
	__u64 *total;

	if (!ns)
		return;
	key.cgroup_id = prev->cgroups->dfl_cgrp->kn->id;
	for (int i = 0; i < ONCPU_COMM_LEN; i++)
		key.comm[i] = prev->comm[i];
	total = bpf_map_lookup_elem(&oncpu, &key);
	if (!total) {
		if (!bpf_map_update_elem(&oncpu, &key, &ns, BPF_NOEXIST))
			return;
		/* Full, or another CPU added the key just now. */
		total = bpf_map_lookup_elem(&oncpu, &key);
		if (!total) {
			st->oncpu_other_ns += ns;
			return;
		}
	}
	__sync_fetch_and_add(total, ns);
}

/*
 * prev is leaving this CPU: count the switch, prev's last wait and the
 * slice it ran.
 */
static __always_inline int on_switch(struct task_struct *prev)
{
	struct sched_stats *st;
	struct task_seen *seen;
	__u32 key = 0;
	__u64 delay, count, pending;

	st = bpf_map_lookup_elem(&sched_stats, &key);
	if (!st)
		return 0;
	st->context_switches++;
	if (!prev || !prev->pid)	/* the idle task: no wait, no work */
		return 0;
	seen = bpf_task_storage_get(&task_seen, prev, 0,
				    BPF_LOCAL_STORAGE_GET_F_CREATE);
	if (!seen)
		return 0;
	delay = prev->sched_info.run_delay;
	count = prev->sched_info.pcount;
	/* New storage has pcount 0: only a first-ever wait passes. */
	if (count == seen->pcount + 1)
		hist_add(&st->runq_latency, delay - seen->run_delay);
	seen->run_delay = delay;
	seen->pcount = count;
	pending = seen->pending_ns + slice_ns(prev, seen);
	seen->exec_ns = prev->se.sum_exec_runtime;
	/* Short slices are added up here first: the hash costs more. */
	if (pending >= ONCPU_BATCH_NS || (prev->flags & PF_EXITING)) {
		oncpu_add(st, prev, pending);
		pending = 0;
	}
	seen->pending_ns = pending;
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
