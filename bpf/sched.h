/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Layout shared by bpf/sched.bpf.c and agent/probes/probe_sched.c: the value of
 * the one-slot per-CPU array map "sched_stats", and the key of the hash
 * map "oncpu" (on-CPU time by cgroup and process name). Each CPU's copy of
 * sched_stats describes that CPU; userspace sums them for the host.
 */
#ifndef PA_BPF_SCHED_H
#define PA_BPF_SCHED_H

#include "hist.h"

/*
 * Distinct (cgroup, process name) pairs the kernel keeps between two
 * drains (one per collection interval); time of pairs beyond it goes to
 * sched_stats.oncpu_other_ns.
 */
#define ONCPU_MAX_KEYS 2048
#define ONCPU_COMM_LEN 16

struct oncpu_key {
	__u64 cgroup_id;		/* cgroup v2 id (inode of its directory) */
	char comm[ONCPU_COMM_LEN];	/* the task's name when it left the CPU */
};

struct sched_stats {
	__u64 context_switches;	/* sched_switch events on this CPU */
	/*
	 * Run-queue latency in nanoseconds: from the moment a task became
	 * runnable (woken, created or preempted) to the moment it ran on this
	 * CPU; counted when it next leaves the CPU.
	 */
	struct hist runq_latency;
	/* On-CPU time not in "oncpu" because the map was full. */
	__u64 oncpu_other_ns;
};

#endif
