// SPDX-License-Identifier: GPL-2.0 OR BSD-2-Clause
/*
 * TCP and network probe: retransmits by connection state, smoothed RTT,
 * connect latency, resets sent and received, and packet drops by the
 * kernel's drop reason. All into one per-CPU array slot; tracepoints run
 * with preemption off, so plain increments of this CPU's copy are safe.
 *
 * Connect latency keeps the SYN time in a direct-mapped table keyed by the
 * socket's address (stamp.bpf.h) rather than in socket storage, whose
 * allocation and free cost about 1.5 us per connect here against 0.1. It
 * ends at the socket's own clock (tp->tcp_mstamp, which the stack
 * refreshed as the SYN-ACK came in), so a connect takes one clock read;
 * why the start cannot: bench/README.md, "TCP programs: clock reads".
 *
 * The RTT is sampled where tcprtt samples it, at every segment received on
 * an established connection (tcp:tcp_probe), so distributions compare; its
 * cost per segment is in bench/README.md.
 *
 * Buffer limits (the evidence of the socket-buffer adaptive rules) are
 * counted only in the agent's own network namespace, whose sysctls the
 * agent can change: a send buffer at its maximum while the socket waits for
 * space (the kernel's TCP_CHRONO_SNDBUF_LIMITED, seen at each ACK by
 * tcp_probe, counted once per round trip of each socket), and a receive buffer at its maximum while the socket reads a
 * full window per round trip (at tcp_rcv_space_adjust, the kernel's own
 * autotuning measurement, once per RTT).
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

/* The agent's namespace and the core buffer ceilings (struct tcp_limits). */
struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct tcp_limits);
} tcp_limits SEC(".maps");

/* include/net/sock.h: set when the application chose the size. */
#define SOCK_SNDBUF_LOCK 1
#define SOCK_RCVBUF_LOCK 2

/* When each send-limited socket was last counted (its tcp_mstamp), 8 KiB. */
#define SNDBUF_SLOT_BITS 10
STAMP_TABLE(sndbuf_counted, SNDBUF_SLOT_BITS);

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

/* The limits when sk's namespace (its inode number) is the agent's; else NULL. */
static __always_inline const struct tcp_limits *agent_limits(__u64 netns_inum)
{
	__u32 key = 0;
	const struct tcp_limits *l = bpf_map_lookup_elem(&tcp_limits, &key);

	return l && l->netns_inum && l->netns_inum == netns_inum ? l : NULL;
}

/*
 * A buffer of buf bytes was the limit: count it when it sits at its ceiling,
 * the sysctl maximum of autotuning (sysctl_max) or, for a size the
 * application set (locked), twice the core maximum (setsockopt doubles it).
 */
static __always_inline int on_buffer_limit(bool send, __u64 netns_inum, int buf, bool locked,
					   int sysctl_max)
{
	const struct tcp_limits *l = agent_limits(netns_inum);
	struct tcp_stats *st;
	__s64 core_max;

	if (!l || !(st = this_cpu_stats()))
		return 0;
	core_max = 2 * (__s64)(send ? l->wmem_max : l->rmem_max);
	if (locked && buf >= core_max && send)
		st->sndbuf_at_core_max++;
	else if (locked && buf >= core_max)
		st->rcvbuf_at_core_max++;
	else if (!locked && buf >= sysctl_max && send)
		st->sndbuf_at_sysctl_max++;
	else if (!locked && buf >= sysctl_max)
		st->rcvbuf_at_sysctl_max++;
	return 0;
}

/*
 * Whether this call of tcp_rcv_space_adjust closes a measurement (at least
 * an RTT since the last) in which the application read about a full window
 * (3/4 of window_clamp, which autotuning keeps at the buffer's window):
 * the window, not the reader, was the limit. The kernel's own test, read at
 * the tracepoint, which is the function's first line.
 */
static __always_inline bool read_full_window(__u32 rtt_us_x8, __u64 mstamp, __u64 since,
					     __u32 copied, __u32 window_clamp)
{
	if (!rtt_us_x8 || mstamp - since < (rtt_us_x8 >> 3))
		return false;
	return (__u64)copied * 4 >= (__u64)window_clamp * 3;
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
/*
 * A send-limited socket (tp_btf): counted once per round trip when its
 * buffer is at a ceiling. An autotuned buffer below tcp_wmem's maximum
 * leaves after three loads: autotuning can still grow it.
 */
static __always_inline void send_limited_btf(struct sock *sk, struct tcp_sock *tp)
{
	struct net *net = sk->__sk_common.skc_net.net;
	bool locked = BPF_CORE_READ_BITFIELD(sk, sk_userlocks) & SOCK_SNDBUF_LOCK;
	int max = net->ipv4.sysctl_tcp_wmem[2];

	if (!locked && sk->sk_sndbuf < max)
		return;
	if (stamp_every(&sndbuf_counted, SNDBUF_SLOT_BITS, stamp_addr(sk), tp->tcp_mstamp,
			tp->srtt_us >> 3))
		on_buffer_limit(true, net->ns.inum, sk->sk_sndbuf, locked, max);
}

SEC("tp_btf/tcp_probe")
int BPF_PROG(tcp_probe_btf, struct sock *sk)
{
	struct tcp_sock *tp = bpf_skc_to_tcp_sock(sk);

	if (!tp)
		return 0;
	/* A byte load and a compare per segment; the rest only while limited. */
	if (BPF_CORE_READ_BITFIELD(tp, chrono_type) == TCP_CHRONO_SNDBUF_LIMITED)
		send_limited_btf(sk, tp);
	return on_rtt(tp->srtt_us);
}

SEC("raw_tp/tcp_probe")
int BPF_PROG(tcp_probe_raw, struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;

	if (BPF_CORE_READ_BITFIELD_PROBED(tp, chrono_type) == TCP_CHRONO_SNDBUF_LIMITED &&
	    stamp_every(&sndbuf_counted, SNDBUF_SLOT_BITS, (__u64)sk, BPF_CORE_READ(tp, tcp_mstamp),
			BPF_CORE_READ(tp, srtt_us) >> 3))
		on_buffer_limit(true, BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum),
				BPF_CORE_READ(sk, sk_sndbuf),
				BPF_CORE_READ_BITFIELD_PROBED(sk, sk_userlocks) & SOCK_SNDBUF_LOCK,
				BPF_CORE_READ(sk, __sk_common.skc_net.net, ipv4.sysctl_tcp_wmem[2]));
	return on_rtt(BPF_CORE_READ(tp, srtt_us));
}

/*
 * At every read of a socket: most leave at the first test (an autotuned
 * buffer below tcp_rmem's maximum, three loads), the rest once per RTT.
 */
SEC("tp_btf/tcp_rcv_space_adjust")
int BPF_PROG(tcp_rcv_space_adjust_btf, struct sock *sk)
{
	struct net *net = sk->__sk_common.skc_net.net;
	bool locked = BPF_CORE_READ_BITFIELD(sk, sk_userlocks) & SOCK_RCVBUF_LOCK;
	int max = net->ipv4.sysctl_tcp_rmem[2];
	struct tcp_sock *tp;

	if (!locked && sk->sk_rcvbuf < max)
		return 0;
	tp = bpf_skc_to_tcp_sock(sk);
	if (!tp || !read_full_window(tp->rcv_rtt_est.rtt_us, tp->tcp_mstamp,
				     tp->rcvq_space.time,
				     tp->copied_seq - tp->rcvq_space.seq, tp->window_clamp))
		return 0;
	return on_buffer_limit(false, net->ns.inum, sk->sk_rcvbuf, locked, max);
}

SEC("raw_tp/tcp_rcv_space_adjust")
int BPF_PROG(tcp_rcv_space_adjust_raw, struct sock *sk)
{
	struct tcp_sock *tp = (struct tcp_sock *)sk;

	if (!read_full_window(BPF_CORE_READ(tp, rcv_rtt_est.rtt_us), BPF_CORE_READ(tp, tcp_mstamp),
			      BPF_CORE_READ(tp, rcvq_space.time),
			      BPF_CORE_READ(tp, copied_seq) - BPF_CORE_READ(tp, rcvq_space.seq),
			      BPF_CORE_READ(tp, window_clamp)))
		return 0;
	return on_buffer_limit(false, BPF_CORE_READ(sk, __sk_common.skc_net.net, ns.inum),
			       BPF_CORE_READ(sk, sk_rcvbuf),
			       BPF_CORE_READ_BITFIELD_PROBED(sk, sk_userlocks) & SOCK_RCVBUF_LOCK,
			       BPF_CORE_READ(sk, __sk_common.skc_net.net, ipv4.sysctl_tcp_rmem[2]));
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

/* A later time than any stamp_take() would give: end before the start. */
#define STAMP_BEFORE (1ULL << (STAMP_TS_BITS - 1))

/*
 * A TCP socket changed state: a connect starts or ends. The start is the
 * one clock read; an established connect ends at synack_us (the socket's
 * tcp_mstamp in microseconds, which tcp_rcv_state_process refreshes as it
 * takes the SYN-ACK in, about 1 us before the state changes; 0 when not
 * known: the clock then), a failed one needs no time. tcp_mstamp counts
 * tcp_clock_ns(), ktime_get_ns() since 4.20, the clock of
 * bpf_ktime_get_ns() (every kernel with BTF is newer). A socket clock
 * older than the start (not refreshed on some path) falls back on the clock.
 */
static __always_inline int on_state(__u64 sk, int oldstate, int newstate, __u64 synack_us)
{
	struct tcp_stats *st;
	__u64 end = synack_us * 1000, ns;

	if (newstate == TCP_SYN_SENT) {
		stamp_put(&syn_sent, TCP_SLOT_BITS, sk, bpf_ktime_get_ns());
		return 0;
	}
	if (oldstate != TCP_SYN_SENT)
		return 0;
	if (newstate == TCP_ESTABLISHED && !end)
		end = bpf_ktime_get_ns();
	if (!stamp_take(&syn_sent, TCP_SLOT_BITS, sk, end, &ns))
		return 0;
	st = this_cpu_stats();
	if (newstate == TCP_ESTABLISHED && ns >= STAMP_BEFORE)
		ns = (bpf_ktime_get_ns() - end + ns) & STAMP_TS_MASK;
	if (st && newstate == TCP_ESTABLISHED)
		hist_add(&st->connect_latency, ns / 1000);
	else if (st && newstate == TCP_CLOSE)
		st->connects_failed++;
	return 0;
}

/* Whether this kernel's tcp_sock has the socket clock (4.13 and later). */
#define HAS_TCP_MSTAMP bpf_core_field_exists(((struct tcp_sock *)0)->tcp_mstamp)

/* Fires for every state change: the common ones leave at the first test. */
SEC("tp_btf/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state_btf, struct sock *sk, int oldstate,
	     int newstate)
{
	if (newstate != TCP_SYN_SENT && oldstate != TCP_SYN_SENT)
		return 0;
	struct tcp_sock *tp;
	__u64 synack_us = 0;

	if (sk->sk_protocol != IPPROTO_TCP)
		return 0;
	if (oldstate == TCP_SYN_SENT && newstate == TCP_ESTABLISHED && HAS_TCP_MSTAMP) {
		tp = bpf_skc_to_tcp_sock(sk);
		if (tp)
			synack_us = tp->tcp_mstamp;
	}
	return on_state(stamp_addr(sk), oldstate, newstate, synack_us);
}

SEC("raw_tp/inet_sock_set_state")
int BPF_PROG(inet_sock_set_state_raw, struct sock *sk, int oldstate,
	     int newstate)
{
	if (newstate != TCP_SYN_SENT && oldstate != TCP_SYN_SENT)
		return 0;
	__u64 synack_us = 0;

	if (BPF_CORE_READ(sk, sk_protocol) != IPPROTO_TCP)
		return 0;
	if (oldstate == TCP_SYN_SENT && newstate == TCP_ESTABLISHED && HAS_TCP_MSTAMP)
		synack_us = BPF_CORE_READ((struct tcp_sock *)sk, tcp_mstamp);
	return on_state((__u64)sk, oldstate, newstate, synack_us);
}

char LICENSE[] SEC("license") = "GPL";
