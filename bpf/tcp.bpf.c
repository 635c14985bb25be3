// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * TCP and network probe: retransmits by connection state, smoothed RTT,
 * connect latency, resets sent and received, and packet drops by the
 * kernel's drop reason. All into one per-CPU array slot; tracepoints run
 * with preemption off, so plain increments of this CPU's copy are safe.
 *
 * Connect latency keeps the SYN time in a direct-mapped table keyed by the
 * socket's address (stamp.bpf.h) rather than in socket storage, whose
 * allocation and free cost about 1.5 us per connect here against 0.1.
 *
 * The RTT is sampled where tcprtt samples it, at every segment received on
 * an established connection (tcp:tcp_probe), so distributions compare; its
 * cost per segment is in bench/README.md.
 */
#include "vmlinux.h"
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include "hist.bpf.h"
#include "stamp.bpf.h"
#include "tcp.h"

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tcp_stats);
} tcp_stats SEC(".maps");

/* SYN times of connecting sockets, 128 KiB. */
STAMP_TABLE(syn_sent, TCP_SLOT_BITS);

static __always_inline struct tcp_stats *this_cpu_stats(void)
{
	__u32 key = 0;

	return bpf_map_lookup_elem(&tcp_stats, &key);
}

static __always_inline int on_retransmit(__u32 state)
{
	struct tcp_stats *st = this_cpu_stats();

	if (st)
		st->retransmits[state & (TCP_STATES - 1)]++;
	return 0;
}

static __always_inline int on_rtt(__u32 srtt_us_x8)
{
	struct tcp_stats *st = this_cpu_stats();

	if (st)
		hist_add(&st->srtt, srtt_us_x8 >> 3);	/* kept << 3 */
	return 0;
}

static __always_inline int on_drop(__u32 reason)
{
	struct tcp_stats *st = this_cpu_stats();

	if (reason > TCP_DROP_REASONS - 1)
		reason = TCP_DROP_REASONS - 1;
	if (st)
		st->drops[reason]++;
	return 0;
}

/* Adds one to a counter of this CPU's struct tcp_stats. */
#define TCP_COUNT(field)						\
	({								\
		struct tcp_stats *st_ = this_cpu_stats();		\
		if (st_)						\
			st_->field++;					\
		0;							\
	})

SEC("tp_btf/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit_skb_btf, const struct sock *sk)
{
	return on_retransmit(sk->__sk_common.skc_state);
}

SEC("raw_tp/tcp_retransmit_skb")
int BPF_PROG(tcp_retransmit_skb_raw, const struct sock *sk)
{
	return on_retransmit(BPF_CORE_READ(sk, __sk_common.skc_state));
}

SEC("tp_btf/tcp_retransmit_synack")
int BPF_PROG(tcp_retransmit_synack_btf)
{
	return TCP_COUNT(synack_retransmits);
}

SEC("raw_tp/tcp_retransmit_synack")
int BPF_PROG(tcp_retransmit_synack_raw)
{
	return TCP_COUNT(synack_retransmits);
}

/*
 * Per received segment, the hottest program here. The socket is a struct
 * sock to the verifier: bpf_skc_to_tcp_sock() types it as the tcp_sock it
 * is (15 ns here, against 40 for a bpf_probe_read_kernel; bpf_rdonly_cast
 * would be free but needs 6.2).
 */
SEC("tp_btf/tcp_probe")
int BPF_PROG(tcp_probe_btf, struct sock *sk)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock(sk);

	return tp ? on_rtt(tp->srtt_us) : 0;
}

SEC("raw_tp/tcp_probe")
int BPF_PROG(tcp_probe_raw, struct sock *sk)
{
	return on_rtt(BPF_CORE_READ((struct tcp_sock *)sk, srtt_us));
}

SEC("tp_btf/tcp_send_reset")
int BPF_PROG(tcp_send_reset_btf)
{
	return TCP_COUNT(resets_sent);
}

SEC("raw_tp/tcp_send_reset")
int BPF_PROG(tcp_send_reset_raw)
{
	return TCP_COUNT(resets_sent);
}

SEC("tp_btf/tcp_receive_reset")
int BPF_PROG(tcp_receive_reset_btf)
{
	return TCP_COUNT(resets_received);
}

SEC("raw_tp/tcp_receive_reset")
int BPF_PROG(tcp_receive_reset_raw)
{
	return TCP_COUNT(resets_received);
}

SEC("tp_btf/kfree_skb")
int BPF_PROG(kfree_skb_btf, struct sk_buff *skb, void *location,
	     enum skb_drop_reason reason)
{
	return on_drop(reason);
}

SEC("raw_tp/kfree_skb")
int BPF_PROG(kfree_skb_raw, struct sk_buff *skb, void *location,
	     enum skb_drop_reason reason)
{
	return on_drop(reason);
}

/* A TCP socket changed state: a connect starts or ends. */
static __always_inline int on_state(__u64 sk, int oldstate, int newstate)
{
	struct tcp_stats *st;
	__u64 now = bpf_ktime_get_ns(), ns;

	if (newstate == TCP_SYN_SENT) {
		stamp_put(&syn_sent, TCP_SLOT_BITS, sk, now);
		return 0;
	}
	if (oldstate != TCP_SYN_SENT ||
	    !stamp_take(&syn_sent, TCP_SLOT_BITS, sk, now, &ns))
		return 0;
	st = this_cpu_stats();
	if (st && newstate == TCP_ESTABLISHED)
		hist_add(&st->connect_latency, ns / 1000);
	else if (st && newstate == TCP_CLOSE)
		st->connects_failed++;
	return 0;
}

/* Fires for every state change: the common ones leave at the first test. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state_btf, struct sock *sk, int oldstate,
	     int newstate)
{
	if (newstate != TCP_SYN_SENT && oldstate != TCP_SYN_SENT)
		return 0;
	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	return on_state(stamp_addr(sk), oldstate, newstate);
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state_raw, struct sock *sk, int oldstate,
	     int newstate)
{
	if (newstate != TCP_SYN_SENT && oldstate != TCP_SYN_SENT)
		return 0;
	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	return on_state((__u64)sk, oldstate, newstate);
}

char LICENSE[] SEC("license") = "GPL";
