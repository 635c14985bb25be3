/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Layout shared by bpf/sched.bpf.c and agent/probe_sched.c: the value of
 * the one-slot per-CPU array map "sched_stats". Each CPU's copy describes
 * that CPU; userspace sums them for the host.
 */
#ifndef PA_BPF_SCHED_H
#define PA_BPF_SCHED_H

#include "hist.h"

struct sched_stats {
	__u64 context_switches;	/* sched_switch events on this CPU */
	/*
	 * Run-queue latency in microseconds: from the moment a task became
	 * runnable (woken, created or preempted) to the moment it ran on this
	 * CPU; counted when it next leaves the CPU.
	 */
	struct hist runq_latency;
};

#endif
