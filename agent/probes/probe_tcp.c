// SPDX-License-Identifier: GPL-2.0-only
/*
 * tcp probe (bpf/tcp.bpf.c): retransmits by state, smoothed RTT, connect
 * latency, resets, drops by reason. The per-CPU array is read and summed
 * once per interval.
 *
 * Listen overflows are not here: no tracepoint sees them (a SYN refused for
 * a full accept queue is consumed, not dropped, on 6.x; the drop reason
 * TCP_LISTEN_OVERFLOW still shows in the drops when a kernel uses it), so
 * TcpListenOverflows comes from the kernel's counter, net/netstat.c, with
 * or without this probe.
 *
 * Drop reason names come from the running kernel's BTF (enum
 * skb_drop_reason), since their numbers change between kernels.
 *
 * Buffer limits are counted in the agent's network namespace only (its
 * inode number goes to the map tcp_limits at start, with the core buffer
 * ceilings, which are global and re-read each interval).
 */
#include <ctype.h>
#include <errno.h>
#include <sys/stat.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <bpf/btf.h>
#include <bpf/libbpf.h>

#include "core/log.h"
#include "probes/probe_priv.h"
#include "core/util.h"

#include "bpf/tcp.h"
#include "tcp.skel.h"

#define DROP_PREFIX "SKB_DROP_REASON_"
#define DROP_OTHER (TCP_DROP_REASONS - 1)
#define TOP_DROPS 10

static const struct probe_part tcp_parts[] = {
	{ "tcp_retransmit_skb", "retransmits", false },
	{ "tcp_retransmit_synack", "SYN-ACK retransmits", false },
	{ "tcp_probe", "smoothed RTT", false },
	{ "inet_sock_set_state", "connect latency", false },
	{ "tcp_send_reset", "resets sent", false },
	{ "tcp_receive_reset", "resets received", false },
	{ "kfree_skb", "drops by reason", false },
	{ "tcp_rcv_space_adjust", "receive buffer limits", false },
};

/* include/net/tcp_states.h: stable, part of what ss and /proc show. */
static const char *const tcp_state_names[TCP_STATES] = {
	[1] = "ESTABLISHED", [2] = "SYN_SENT", [3] = "SYN_RECV",
	[4] = "FIN_WAIT1", [5] = "FIN_WAIT2", [6] = "TIME_WAIT",
	[7] = "CLOSE", [8] = "CLOSE_WAIT", [9] = "LAST_ACK",
	[10] = "LISTEN", [11] = "CLOSING", [12] = "NEW_SYN_RECV",
	[13] = "BOUND_INACTIVE",
};

struct tcp_state {
	struct bpf_map *stats;
	struct bpf_map *limits;		/* struct tcp_limits */
	struct tcp_limits limits_set;	/* as last written */
	int ncpus;
	struct tcp_stats *percpu;	/* as read */
	struct tcp_stats now, prev;	/* summed: last read, last collect */
	struct tcp_stats interval;	/* now - prev */
	char *const *drop_names;	/* kernel_drop_names */
};

static void tcp_fini(struct probe *pr)
{
	struct tcp_state *st = pr->state;

	if (!st)
		return;
	free(st->percpu);
	free(st);
}

/*
 * The running kernel's names of enum skb_drop_reason ("NO_SOCKET"), by
 * value; NULL: unknown. Read from its BTF before the probe loads.
 */
static char *kernel_drop_names[TCP_DROP_REASONS];

/* Names the reasons of enum skb_drop_reason that fit the table. */
static void tcp_kernel_types(const struct btf *btf)
{
	char **names = kernel_drop_names;
	const struct btf_type *t;
	const struct btf_enum *m;
	int id;

	for (int i = 0; i < TCP_DROP_REASONS; i++) {
		free(names[i]);
		names[i] = NULL;
	}
	id = btf ? btf__find_by_name_kind(btf, "skb_drop_reason", BTF_KIND_ENUM) : -1;
	if (id <= 0) {
		log_info("probe tcp: no enum skb_drop_reason in the kernel's BTF; "
			 "drops are reported by number");
		return;
	}
	t = btf__type_by_id(btf, id);
	m = btf_enum(t);
	for (int i = 0; i < btf_vlen(t); i++, m++) {
		const char *name = btf__name_by_offset(btf, m->name_off);

		if (!name || m->val < 0 || m->val >= DROP_OTHER ||
		    names[m->val] || strcmp(name, DROP_PREFIX "MAX") == 0)
			continue;
		if (strncmp(name, DROP_PREFIX, strlen(DROP_PREFIX)) == 0)
			name += strlen(DROP_PREFIX);
		else if (strncmp(name, "SKB_", 4) == 0)
			name += 4;
		names[m->val] = strdup(name);
	}
	names[DROP_OTHER] = strdup("OTHER_SUBSYSTEM");
}

/* A core sysctl in bytes (net.core.rmem_max); 0 if unreadable. */
static __u32 core_sysctl(const char *name)
{
	char path[96], *text;
	unsigned long v = 0;

	snprintf(path, sizeof(path), "/proc/sys/net/core/%s", name);
	if (util_read_file(path, 64, &text) < 0)
		return 0;
	v = strtoul(text, NULL, 10);
	free(text);
	return v > UINT32_MAX ? UINT32_MAX : (__u32)v;
}

/*
 * Tells the programs the agent's namespace and the core ceilings, when they
 * changed. An unreadable ceiling counts nothing as at it (UINT32_MAX).
 */
static void tcp_set_limits(struct tcp_state *st)
{
	struct tcp_limits l = { 0 };
	struct stat ns;
	__u32 key = 0;

	if (!stat("/proc/self/ns/net", &ns))
		l.netns_inum = ns.st_ino;
	l.rmem_max = core_sysctl("rmem_max");
	l.wmem_max = core_sysctl("wmem_max");
	if (!l.rmem_max)
		l.rmem_max = UINT32_MAX;
	if (!l.wmem_max)
		l.wmem_max = UINT32_MAX;
	if (!memcmp(&l, &st->limits_set, sizeof(l)))
		return;
	if (bpf_map__update_elem(st->limits, &key, sizeof(key), &l, sizeof(l), BPF_ANY))
		log_warn("probe tcp: cannot set the buffer limits: %s", strerror(errno));
	else
		st->limits_set = l;
}

static int tcp_init(struct probe *pr)
{
	struct tcp_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -ENOMEM;
	pr->state = st;
	st->ncpus = libbpf_num_possible_cpus();
	st->stats = probe_map(pr, "tcp_stats");
	st->limits = probe_map(pr, "tcp_limits");
	if (st->ncpus <= 0 || !st->stats || !st->limits)
		return st->ncpus < 0 ? st->ncpus : -ENOENT;
	tcp_set_limits(st);
	st->percpu = calloc(st->ncpus, sizeof(*st->percpu));
	if (!st->percpu)
		return -ENOMEM;
	st->drop_names = kernel_drop_names;
	return 0;
}

/* Counters add; each histogram merges. */
static void tcp_merge(struct tcp_stats *d, const struct tcp_stats *s)
{
	for (int i = 0; i < TCP_STATES; i++)
		d->retransmits[i] += s->retransmits[i];
	d->synack_retransmits += s->synack_retransmits;
	d->resets_sent += s->resets_sent;
	d->resets_received += s->resets_received;
	d->connects_failed += s->connects_failed;
	hist_merge(&d->srtt, &s->srtt);
	hist_merge(&d->connect_latency, &s->connect_latency);
	for (int i = 0; i < TCP_DROP_REASONS; i++)
		d->drops[i] += s->drops[i];
	d->rcvbuf_at_sysctl_max += s->rcvbuf_at_sysctl_max;
	d->sndbuf_at_sysctl_max += s->sndbuf_at_sysctl_max;
	d->rcvbuf_at_core_max += s->rcvbuf_at_core_max;
	d->sndbuf_at_core_max += s->sndbuf_at_core_max;
}

static uint64_t sub0(uint64_t a, uint64_t b)
{
	return a > b ? a - b : 0;
}

static void tcp_delta(struct tcp_stats *out, const struct tcp_stats *now,
		      const struct tcp_stats *prev, uint64_t epoch)
{
	for (int i = 0; i < TCP_STATES; i++)
		out->retransmits[i] = sub0(now->retransmits[i], prev->retransmits[i]);
	out->synack_retransmits = sub0(now->synack_retransmits,
				       prev->synack_retransmits);
	out->resets_sent = sub0(now->resets_sent, prev->resets_sent);
	out->resets_received = sub0(now->resets_received, prev->resets_received);
	out->connects_failed = sub0(now->connects_failed, prev->connects_failed);
	hist_delta(&out->srtt, &now->srtt, &prev->srtt, epoch);
	hist_delta(&out->connect_latency, &now->connect_latency,
		   &prev->connect_latency, epoch);
	for (int i = 0; i < TCP_DROP_REASONS; i++)
		out->drops[i] = sub0(now->drops[i], prev->drops[i]);
	out->rcvbuf_at_sysctl_max = sub0(now->rcvbuf_at_sysctl_max, prev->rcvbuf_at_sysctl_max);
	out->sndbuf_at_sysctl_max = sub0(now->sndbuf_at_sysctl_max, prev->sndbuf_at_sysctl_max);
	out->rcvbuf_at_core_max = sub0(now->rcvbuf_at_core_max, prev->rcvbuf_at_core_max);
	out->sndbuf_at_core_max = sub0(now->sndbuf_at_core_max, prev->sndbuf_at_core_max);
}

/*
 * Reads and sums the map; interval since prev, which becomes now when
 * advance is set (a collect: the programs' interval is closed just before
 * the read).
 */
static int tcp_fetch(struct probe *pr, bool advance)
{
	struct tcp_state *st = pr->state;
	uint64_t epoch = advance ? probe_epoch_next(pr) : pr->epoch;
	int err;

	err = probe_read_percpu(st->stats, st->percpu, sizeof(*st->percpu),
				st->ncpus);
	if (err)
		return err;
	memset(&st->now, 0, sizeof(st->now));
	for (int cpu = 0; cpu < st->ncpus; cpu++)
		tcp_merge(&st->now, &st->percpu[cpu]);
	tcp_delta(&st->interval, &st->now, &st->prev, epoch);
	if (advance)
		st->prev = st->now;
	return 0;
}

static uint64_t retransmits_total(const struct tcp_stats *s)
{
	uint64_t n = s->synack_retransmits;

	for (int i = 0; i < TCP_STATES; i++)
		n += s->retransmits[i];
	return n;
}

static int add_rate(struct metric_entity *e, const char *name, uint64_t n,
		    double seconds)
{
	return metric_add(e, name, UNIT_COUNT_PER_SECOND, probe_rate(n, seconds));
}

/* "NO_SOCKET" -> "PacketDropsNoSocket". */
static void drop_metric_name(const char *reason, char *buf, size_t size)
{
	size_t len = snprintf(buf, size, "PacketDrops");
	bool up = true;

	for (; *reason && len + 1 < size; reason++) {
		if (*reason == '_') {
			up = true;
			continue;
		}
		buf[len++] = up ? toupper((unsigned char)*reason) :
				  tolower((unsigned char)*reason);
		up = false;
	}
	buf[len] = '\0';
}

/* PacketDrops, then the TOP_DROPS most frequent reasons of the interval. */
static int drop_metrics(const struct tcp_state *st, struct metric_entity *e,
			double seconds)
{
	const __u64 *d = st->interval.drops;
	bool used[TCP_DROP_REASONS] = { false };
	char name[METRIC_NAME_MAX], num[24];
	uint64_t total = 0;
	int err;

	for (int i = 0; i < TCP_DROP_REASONS; i++)
		total += d[i];
	err = add_rate(e, "PacketDrops", total, seconds);
	for (int k = 0; k < TOP_DROPS && !err; k++) {
		int best = -1;

		for (int i = 0; i < TCP_DROP_REASONS; i++) {
			if (d[i] && !used[i] && (best < 0 || d[i] > d[best]))
				best = i;
		}
		if (best < 0)
			break;
		used[best] = true;
		snprintf(num, sizeof(num), "REASON_%d", best);
		drop_metric_name(st->drop_names[best] ? st->drop_names[best] : num,
				 name, sizeof(name));
		err = add_rate(e, name, d[best], seconds);
	}
	return err;
}

static bool part_on(const struct probe *pr, const char *tracepoint)
{
	return probe_part_attach(pr, tracepoint) != PROBE_ATTACH_NONE;
}

static int retransmit_metrics(const struct tcp_stats *s, struct metric_entity *e,
			      double seconds)
{
	uint64_t total = retransmits_total(s), est = s->retransmits[1];
	uint64_t syn = s->retransmits[2];
	uint64_t synrecv = s->synack_retransmits + s->retransmits[3];
	int err;

	err = add_rate(e, "TcpRetransmits", total, seconds);
	if (!err)
		err = add_rate(e, "TcpRetransmitsEstablished", est, seconds);
	if (!err)
		err = add_rate(e, "TcpRetransmitsSynSent", syn, seconds);
	if (!err)
		err = add_rate(e, "TcpRetransmitsSynRecv", synrecv, seconds);
	if (!err)
		err = add_rate(e, "TcpRetransmitsClosing",
			       total - est - syn - synrecv, seconds);
	return err;
}

/* The evidence of the socket-buffer adaptive rules (bpf/tcp.h). */
static int buffer_metrics(const struct probe *pr, const struct tcp_stats *s,
			  struct metric_entity *e, double seconds)
{
	int err = 0;

	if (part_on(pr, "tcp_rcv_space_adjust")) {
		err = add_rate(e, "TcpRcvBufAtMax", s->rcvbuf_at_sysctl_max, seconds);
		if (!err)
			err = add_rate(e, "TcpRcvBufAtCoreMax", s->rcvbuf_at_core_max, seconds);
	}
	if (!err && part_on(pr, "tcp_probe")) {
		err = add_rate(e, "TcpSndBufAtMax", s->sndbuf_at_sysctl_max, seconds);
		if (!err)
			err = add_rate(e, "TcpSndBufAtCoreMax", s->sndbuf_at_core_max, seconds);
	}
	return err;
}

static int tcp_collect(struct probe *pr, struct metric_set *set, double seconds)
{
	struct tcp_state *st = pr->state;
	const struct tcp_stats *s = &st->interval;
	struct metric_entity *e;
	int err;

	err = tcp_fetch(pr, true);
	if (err)
		return err;
	e = metric_set_entity(set, ENTITY_INSTANCE, "");
	if (!e)
		return -ENOMEM;
	if (part_on(pr, "tcp_retransmit_skb"))
		err = retransmit_metrics(s, e, seconds);
	if (!err && part_on(pr, "tcp_probe"))
		err = probe_add_quantiles(e, "TcpSrtt", &s->srtt, UNIT_MICROSECONDS);
	if (!err && part_on(pr, "inet_sock_set_state")) {
		err = add_rate(e, "TcpConnects", hist_count(&s->connect_latency),
			       seconds);
		if (!err)
			err = add_rate(e, "TcpConnectFailures", s->connects_failed,
				       seconds);
		if (!err)
			err = probe_add_quantiles(e, "TcpConnectLatency",
						  &s->connect_latency,
						  UNIT_MICROSECONDS);
	}
	if (!err && part_on(pr, "tcp_send_reset"))
		err = add_rate(e, "TcpResetsSent", s->resets_sent, seconds);
	if (!err && part_on(pr, "tcp_receive_reset"))
		err = add_rate(e, "TcpResetsReceived", s->resets_received, seconds);
	if (!err && part_on(pr, "kfree_skb"))
		err = drop_metrics(st, e, seconds);
	if (!err)
		err = buffer_metrics(pr, s, e, seconds);
	tcp_set_limits(st);	/* an adaptive step may have raised a ceiling */
	return err;
}

static int tcp_counters(const struct tcp_state *st, const struct hist_meta *base,
			struct json_object *counters)
{
	const struct tcp_stats *s = &st->interval;
	char num[24];
	int err = 0;

	for (int i = 0; i < TCP_STATES && !err; i++) {
		if (s->retransmits[i])
			err = probe_json_counter(counters, base, "retransmits",
						 "retransmits by state",
						 tcp_state_names[i] ? tcp_state_names[i] : "?",
						 s->retransmits[i]);
	}
	if (!err && s->synack_retransmits)
		err = probe_json_counter(counters, base, "retransmits",
					 "retransmits by state", "SYN_RECV (SYN-ACK)",
					 s->synack_retransmits);
	for (int i = 0; i < TCP_DROP_REASONS && !err; i++) {
		if (!s->drops[i])
			continue;
		snprintf(num, sizeof(num), "REASON_%d", i);
		err = probe_json_counter(counters, base, "drops", "drops by reason",
					 st->drop_names[i] ? st->drop_names[i] : num,
					 s->drops[i]);
	}
	const struct { const char *label; __u64 n; } limits[] = {
		{ "receive, at tcp_rmem max", s->rcvbuf_at_sysctl_max },
		{ "receive, at rmem_max (SO_RCVBUF)", s->rcvbuf_at_core_max },
		{ "send, at tcp_wmem max", s->sndbuf_at_sysctl_max },
		{ "send, at wmem_max (SO_SNDBUF)", s->sndbuf_at_core_max },
	};
	for (size_t i = 0; i < ARRAY_SIZE(limits) && !err; i++) {
		if (limits[i].n)
			err = probe_json_counter(counters, base, "buffer_limits",
						 "socket buffers at their maximum",
						 limits[i].label, limits[i].n);
	}
	return err;
}

static int tcp_histograms(struct probe *pr, const struct hist_meta *base,
			  struct json_object *hists, struct json_object *counters)
{
	struct tcp_state *st = pr->state;
	int err = 0;

	if (!pr->collected_ms)
		err = tcp_fetch(pr, false);
	if (!err && part_on(pr, "tcp_probe"))
		err = probe_json_hist(hists, base, "srtt", "smoothed RTT", "host",
				      "usecs", &st->interval.srtt);
	if (!err && part_on(pr, "inet_sock_set_state"))
		err = probe_json_hist(hists, base, "connect_latency",
				      "connect latency", "host", "usecs",
				      &st->interval.connect_latency);
	if (!err)
		err = tcp_counters(st, base, counters);
	return err;
}

const struct probe_ops probe_tcp_ops = {
	.name = "tcp",
	.parts = tcp_parts,
	.n_parts = ARRAY_SIZE(tcp_parts),
	.elf_bytes = tcp_bpf__elf_bytes,
	.kernel_types = tcp_kernel_types,
	.init = tcp_init,
	.fini = tcp_fini,
	.collect = tcp_collect,
	.histograms = tcp_histograms,
};
