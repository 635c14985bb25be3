/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Layout shared by bpf/sched.bpf.c and agent/probes.c: the value of the
 * one-slot per-CPU array map "sched_counters". __u64 fields only, so that the
 * kernel's per-CPU value size (rounded up to 8 bytes) equals sizeof().
 */
#ifndef PA_BPF_SCHED_H
#define PA_BPF_SCHED_H

#ifndef __VMLINUX_H__
#include <linux/types.h>
#endif

struct sched_counters {
	__u64 context_switches;	/* sched_switch events on this CPU */
};

#endif
