/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Layout shared by bpf/tcp.bpf.c and agent/probes/probe_tcp.c: the value of the
 * one-slot per-CPU array map "tcp_stats". Userspace sums the CPUs.
 */
#ifndef PA_BPF_TCP_H
#define PA_BPF_TCP_H

#include "hist.h"

#define TCP_STATES		16	/* TCP_ESTABLISHED = 1 ... TCP_MAX_STATES */
#define TCP_SLOT_BITS		14	/* connects in flight: see stamp.bpf.h */
/*
 * Drops by enum skb_drop_reason (about 120 core reasons on 6.18). Reasons
 * of other subsystems (upper 16 bits set) and any beyond the table count
 * in the last slot.
 */
#define TCP_DROP_REASONS	256

struct tcp_stats {
	__u64 retransmits[TCP_STATES];	/* by the socket's state */
	__u64 synack_retransmits;	/* by listeners, for a request */
	__u64 resets_sent;
	__u64 resets_received;
	__u64 connects_failed;		/* SYN_SENT -> CLOSE */
	struct hist srtt;		/* us, per received segment */
	struct hist connect_latency;	/* us, SYN_SENT -> ESTABLISHED */
	__u64 drops[TCP_DROP_REASONS];	/* skb:kfree_skb by reason */
	/*
	 * Sockets whose buffer was the limit, in the agent's network namespace
	 * (the adaptive rules' evidence). Receive: round trips (the kernel's
	 * autotuning measurements) in which a socket read a full window while its
	 * buffer sat at its maximum. Send: round trips in which an ACK arrived
	 * while a socket waited for buffer space with its buffer at its
	 * maximum. "sysctl" is the autotuned maximum (tcp_rmem[2],
	 * tcp_wmem[2]); "core" the ceiling of a size the application set with
	 * SO_RCVBUF/SO_SNDBUF (rmem_max, wmem_max).
	 */
	__u64 rcvbuf_at_sysctl_max;
	__u64 sndbuf_at_sysctl_max;
	__u64 rcvbuf_at_core_max;
	__u64 sndbuf_at_core_max;
};

/*
 * Key 0 of the array map "tcp_limits", written by the agent: which network
 * namespace is its own, and the core ceilings (global sysctls, so not
 * readable from a socket).
 */
struct tcp_limits {
	__u64 netns_inum;		/* 0: none yet, nothing is counted */
	__u32 rmem_max;			/* net.core.rmem_max, bytes */
	__u32 wmem_max;			/* net.core.wmem_max */
};

#endif
