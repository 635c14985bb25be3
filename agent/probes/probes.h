/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * eBPF probes: the libbpf lifecycle (open, load, attach, read, destroy) of a
 * fixed table of probes: "sched", "block", "tcp". Each probe runs or not on
 * its own, from its own BPF object; one that cannot run records why, in
 * words an engineer can act on, and the caller carries on. Attachments are
 * bpf_links only, so a killed process leaves nothing attached.
 *
 * Within a probe every tracepoint program is chosen and attached on its
 * own: tp_btf when the kernel's BTF describes the tracepoint, else its
 * raw_tp twin. A tracepoint that cannot be attached costs only what it
 * gives, and the probe runs degraded, saying so in its reason; a probe
 * stops only when a tracepoint it cannot do without is missing:
 *
 *   sched  sched_switch (required: context switches, run-queue latency
 *          from the scheduler's own per-task accounting, and on-CPU time
 *          by cgroup and process name, see probes_set_cpushare())
 *   block  block_rq_complete (required: I/O count, bytes, sizes),
 *          block_rq_issue (latency and queue time)
 *   tcp    any one of tcp_retransmit_skb, tcp_retransmit_synack,
 *          tcp_probe (smoothed RTT), inet_sock_set_state (connect latency),
 *          tcp_send_reset, tcp_receive_reset, skb:kfree_skb (drops by
 *          reason)
 *
 * Metrics (probes_collect(); rates per second over the interval,
 * quantiles of the interval's samples; a quantile set is P50, P90, P99,
 * P999 and Max, added only when the interval has samples):
 *
 *   entity        metric                          unit          meaning
 *   instance      ContextSwitches                 Count/Second  sched_switch events
 *   instance      RunqLatency{P50..Max}           Microseconds  runnable (woken, new, preempted) to running, all
 *                                                               CPUs; counted when the task next leaves the CPU
 *   instance      RunqLatencyWorstCpuP99          Microseconds  highest per-CPU P99
 *   instance      TcpRetransmits                  Count/Second  segments retransmitted, every state, and SYN-ACKs
 *   instance      TcpRetransmitsEstablished       Count/Second  ... by established connections
 *   instance      TcpRetransmitsSynSent           Count/Second  ... SYNs of connects
 *   instance      TcpRetransmitsSynRecv           Count/Second  ... SYN-ACKs of listeners
 *   instance      TcpRetransmitsClosing           Count/Second  ... in every other state (FIN_WAIT1, LAST_ACK, ...)
 *   instance      TcpSrtt{P50..Max}               Microseconds  smoothed RTT at each received segment (as tcprtt)
 *   instance      TcpConnects                     Count/Second  active opens established
 *   instance      TcpConnectFailures              Count/Second  active opens that went SYN_SENT -> CLOSE
 *   instance      TcpConnectLatency{P50..Max}     Microseconds  SYN sent to established
 *   instance      TcpResetsSent                   Count/Second  RSTs sent
 *   instance      TcpResetsReceived               Count/Second  RSTs received on a socket
 *   instance      TcpRcvBufAtMax                  Count/Second  round trips in which a socket read a full window
 *                                                               with its receive buffer at tcp_rmem's maximum
 *   instance      TcpRcvBufAtCoreMax              Count/Second  ... with a SO_RCVBUF size clamped at rmem_max
 *   instance      TcpSndBufAtMax                  Count/Second  round trips in which a socket waited for send
 *                                                               buffer space at tcp_wmem's maximum
 *   instance      TcpSndBufAtCoreMax              Count/Second  ... with a SO_SNDBUF size clamped at wmem_max
 *   instance      PacketDrops                     Count/Second  skb:kfree_skb, every reason
 *   instance      PacketDrops<Reason>             Count/Second  the 10 most frequent reasons of the interval,
 *                                                               CamelCase of enum skb_drop_reason
 *                                                               (PacketDropsNoSocket, PacketDropsTcpCsum)
 *   block device  <Op>Ops                         Count/Second  completed I/Os; Op = Read, Write, Flush, Discard
 *                                                               (also secure erase, write zeroes), Other
 *   block device  <Op>Bytes                       Bytes/Second  (not Flush)
 *   block device  <Op>Latency{P50..Max}           Microseconds  issue to the driver -> completion
 *   block device  <Op>QueueTime{P50..Max}         Microseconds  request made in the block layer -> issue (I/O
 *                                                               scheduler queue, tag wait)
 *   block device  <Op>Size{P50..Max}              Bytes         I/O size (not Flush)
 *   block device  LatencySampledOneIn             None          with block_sample on: latency and queue
 *                                                               time timed for about 1 in N completions
 *
 * Block devices are whole disks named as in /sys/block ("nvme1n1"), with
 * the EBS volume id ("vol-0123...") when the device is an EBS volume. Ops
 * and Bytes are added for every operation the device has done since the
 * probe started (0 when idle), the rest only with samples.
 */
#ifndef PA_PROBES_H
#define PA_PROBES_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct json_object;
struct probes;

enum probe_state {
	PROBE_NOT_RUNNING,	/* wanted, but could not load or attach */
	PROBE_RUNNING,
	PROBE_DISABLED,		/* switched off in the configuration */
};

enum probe_attach {
	PROBE_ATTACH_NONE,	/* not running */
	PROBE_ATTACH_TP_BTF,	/* BTF-enabled raw tracepoint, the default */
	PROBE_ATTACH_RAW_TP,	/* raw tracepoint, the fallback */
	PROBE_ATTACH_MIXED,	/* some programs on each */
};

struct probe_status {
	const char *name;
	enum probe_state state;
	enum probe_attach attach;
	/*
	 * Why the probe is not running; when it runs, what it lacks (a
	 * missing tracepoint) and why any program is on raw_tp. NULL when it
	 * runs complete on tp_btf.
	 */
	const char *reason;
};

/*
 * What probes_read() returns: one member per probe. Counters are cumulative
 * since the probe last started and summed over CPUs; they start again from
 * zero when a disabled probe is enabled again, so a consumer computing rates
 * takes a new baseline when valid was false in its previous read.
 */
struct probe_counters {
	struct {
		bool valid;		/* the probe runs and was read */
		uint64_t context_switches;
	} sched;
};

/*
 * A probe set with every probe not running yet. Routes libbpf's messages to
 * log_debug(). NULL when out of memory.
 */
struct probes *probes_new(void);
/* Detaches and unloads every running probe, then frees p. NULL is a no-op. */
void probes_free(struct probes *p);

/* True when name is a probe of the table (for config validation). */
bool probes_name_known(const char *name);
/* The probe names, comma-separated ("sched, block, tcp"), for messages. */
const char *probes_known_names(void);

/*
 * Makes the running set match the configuration: starts every probe that is
 * not in disabled (a NULL-terminated list of names; NULL means none) and not
 * running yet, trying tp_btf first and raw_tp second; stops every running
 * probe that is in disabled. Unknown names are ignored. Never fails: a probe
 * that cannot start is left "not running" with its reason, logged at warn
 * once per new reason. Can be called again on every configuration reload;
 * probes that failed before are retried.
 */
void probes_configure(struct probes *p, const char *const *disabled);

/*
 * Fills out with the counters of every running probe (see struct
 * probe_counters). Returns 0, or the negative errno of the first probe whose
 * maps could not be read (its valid flag stays false; others are filled).
 * Independent of probes_collect(): either, or both, may be used.
 */
int probes_read(struct probes *p, struct probe_counters *out);

struct cpushare;

/*
 * Where the sched probe puts the on-CPU time by cgroup and process name it
 * drains from the kernel at every probes_collect() (cpushare.h); NULL, the
 * default: the time is drained and dropped. share must outlive p or be
 * replaced first.
 */
void probes_set_cpushare(struct probes *p, struct cpushare *share);

struct metric_set;

/*
 * Reads every running probe's maps once and adds the metrics of the
 * interval since the previous call (or since the probe started) to set:
 * the table at the top of this file. Rates use the time measured between
 * calls, not set->interval_s. Returns 0 or the negative errno of the first
 * probe that could not be read or added (the others still add theirs).
 */
int probes_collect(struct probes *p, struct metric_set *set);

/*
 * A new JSON object with the histograms of the last interval that
 * probes_collect() closed, for each running probe; for a probe not yet
 * collected, those since it started ("span" says which, "seconds" how long):
 *
 *   {"histograms": [hist_json() objects, see hist.h: sched runq_latency
 *                   for "host" and each "cpu N" with samples; block
 *                   latency, queued, size for each "<device> <op>"; tcp
 *                   srtt and connect_latency for "host"],
 *    "counters": [{"probe", "name", "title", "entity", "span", "seconds",
 *                  "count"}: tcp retransmits by state and drops by reason,
 *                 non-zero ones]}
 *
 * hist_print_json() prints it. NULL when out of memory; the caller owns it.
 */
struct json_object *probes_histograms_json(struct probes *p);

/* Number of probes in the table, and the status of the i-th (i < count). */
size_t probes_count(void);
const struct probe_status *probes_status(const struct probes *p, size_t i);

/* "running", "not running", "disabled". */
const char *probe_state_name(enum probe_state state);
/* "tp_btf", "raw_tp", "tp_btf+raw_tp", or NULL for PROBE_ATTACH_NONE. */
const char *probe_attach_name(enum probe_attach attach);

/*
 * A new json-c array, one object per probe:
 * {"name":"sched","state":"running"|"not running"|"disabled",
 *  "attach":"tp_btf"|"raw_tp"|"tp_btf+raw_tp"|null,"reason":string|null,
 *  "programs":[{"tracepoint":"sched_switch","attach":"tp_btf"|"raw_tp"|null,
 *               "missing":string|null}, ...]}.
 * programs is empty when the probe does not run.
 * The caller owns the reference; NULL when out of memory.
 */
struct json_object *probes_status_json(const struct probes *p);

/*
 * For tests: from the probe's next start, attach the program(s) of its
 * tracepoint to target instead (a name that does not exist simulates a
 * kernel without that tracepoint). 0, or -ENOENT when probe or tracepoint
 * is not in the table.
 */
int probes_retarget(struct probes *p, const char *probe, const char *tracepoint,
		    const char *target);

/*
 * For tests of the fallback: from the probe's next start, use raw_tp
 * programs only (as on a kernel whose BTF lacks every tracepoint), or
 * again tp_btf first. 0, or -ENOENT for an unknown probe.
 */
int probes_only_raw_tp(struct probes *p, const char *probe, bool only);

/*
 * The block probe's latency sampling, block_sample in perfagent.conf:
 * PROBES_SAMPLE_OFF (every completion timed, the default),
 * PROBES_SAMPLE_AUTO (N chosen at every collection from the busiest CPU's
 * completion rate, agent/probes/block_sample.h), or a fixed N from 2 to
 * 65536: about 1 in N completions is timed (latency, queue time); counts,
 * bytes and sizes stay exact. Takes effect at the probe's start and then
 * at each collection, so that an interval is sampled at one rate, which
 * the metric LatencySampledOneIn states (sent with sampling on).
 */
#define PROBES_SAMPLE_OFF	0
#define PROBES_SAMPLE_AUTO	(-1)

/* "off", "auto" or N (2..65536) into *out: 0, or -EINVAL. */
int probes_block_sample_parse(const char *s, int *out);
void probes_set_block_sample(struct probes *p, int sample);

/*
 * For tests of the block probe's issue table: from the probe's next start,
 * its completion program ignores the requests' own issue stamps (as on a
 * queue that keeps no statistics).
 */
void probes_block_ignore_stamps(bool ignore);

#endif
