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
};

#endif
