// SPDX-License-Identifier: GPL-2.0-only
/* The health of the host from the last interval's metrics (health.h). */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <json-c/json.h>

#include "daemon/health.h"
#include "core/jsonutil.h"

#define REASON_MAX 768
#define DROP_REASONS_SHOWN 3

/* One line being judged: its object, its verdict so far, its reasons. */
struct line {
	struct json_object *o;
	enum health_verdict v;
	char reason[REASON_MAX];
};

const char *health_verdict_name(enum health_verdict v)
{
	return v == HEALTH_PROBLEM ? "problem" : v == HEALTH_WATCH ? "watch" : "ok";
}

static void line_init(struct line *l, const char *area, const char *entity)
{
	l->o = json_object_new_object();
	l->v = HEALTH_OK;
	l->reason[0] = '\0';
	json_object_object_add(l->o, "area", json_object_new_string(area));
	if (entity)
		json_object_object_add(l->o, "entity", json_object_new_string(entity));
}

/* Raises the line's verdict to v and adds a reason ("; " between reasons). */
__attribute__((format(printf, 3, 4)))
static void judge(struct line *l, enum health_verdict v, const char *fmt, ...)
{
	size_t off = strlen(l->reason);
	va_list ap;

	if (v > l->v)
		l->v = v;
	if (off && off < sizeof(l->reason))
		off += snprintf(l->reason + off, sizeof(l->reason) - off, "; ");
	if (off >= sizeof(l->reason))
		return;
	va_start(ap, fmt);
	vsnprintf(l->reason + off, sizeof(l->reason) - off, fmt, ap);
	va_end(ap);
}

/* Copies metric name of e into the line as key; false when e has none. */
static bool figure(struct line *l, const struct metric_entity *e, const char *name,
		   const char *key, double *value)
{
	double v;

	if (!e || !metric_find(e, name, &v))
		return false;
	json_object_object_add(l->o, key, json_object_new_double(v));
	if (value)
		*value = v;
	return true;
}

/* The verdict of value against two thresholds (higher is worse). */
static enum health_verdict level(double value, double watch, double problem)
{
	return value >= problem ? HEALTH_PROBLEM : value >= watch ? HEALTH_WATCH : HEALTH_OK;
}

/* Closes a line: verdict and reason into its object, onto lines. */
static void line_done(struct line *l, struct json_object *lines)
{
	json_object_object_add(l->o, "verdict", json_object_new_string(health_verdict_name(l->v)));
	json_object_object_add(l->o, "reason", json_object_new_string(l->reason[0] ? l->reason :
								      "within thresholds"));
	json_object_array_add(lines, l->o);
}

static void runq_line(const struct metric_entity *inst, struct json_object *lines)
{
	struct line l;
	double p99 = 0, wait = 0;
	bool has_p99, has_wait;

	line_init(&l, "runqueue", NULL);
	figure(&l, inst, "RunqLatencyP50", "p50_us", NULL);
	has_p99 = figure(&l, inst, "RunqLatencyP99", "p99_us", &p99);
	figure(&l, inst, "RunqLatencyWorstCpuP99", "worst_cpu_p99_us", NULL);
	has_wait = figure(&l, inst, "RunqWaitPercent", "waited_pct", &wait);
	if (!has_p99 && !has_wait) {
		json_object_put(l.o);
		return;
	}
	if (has_p99 && level(p99, HEALTH_RUNQ_P99_WATCH_US, HEALTH_RUNQ_P99_PROBLEM_US))
		judge(&l, level(p99, HEALTH_RUNQ_P99_WATCH_US, HEALTH_RUNQ_P99_PROBLEM_US),
		      "1 in 100 runnable tasks waited %.1f ms or more for a CPU", p99 / 1000);
	if (has_wait && level(wait, HEALTH_RUNQ_WAIT_WATCH_PCT, HEALTH_RUNQ_WAIT_PROBLEM_PCT))
		judge(&l, level(wait, HEALTH_RUNQ_WAIT_WATCH_PCT, HEALTH_RUNQ_WAIT_PROBLEM_PCT),
		      "tasks waited for a CPU %.0f%% of the time: more work than CPUs", wait);
	line_done(&l, lines);
}

/* One operation's figures of a disk ("read", "Read"); true when it did any I/O. */
static bool disk_op(struct line *l, const struct metric_entity *e, const char *op,
		    const char *Op)
{
	char name[METRIC_NAME_MAX], key[48];
	double ops = 0, p50 = 0, p99 = 0;
	static const struct { const char *metric, *key; } f[] = {
		{ "LatencyP50", "p50_us" }, { "LatencyP99", "p99_us" },
		{ "QueueTimeP99", "queue_p99_us" }, { "Ops", "iops" }, { "Bytes", "bytes_per_s" },
		{ "QueueDepth", "queue_depth" },
	};

	for (size_t i = 0; i < sizeof(f) / sizeof(f[0]); i++) {
		double v;

		snprintf(name, sizeof(name), "%s%s", Op, f[i].metric);
		snprintf(key, sizeof(key), "%s_%s", op, f[i].key);
		if (!figure(l, e, name, key, &v))
			continue;
		if (i == 0)
			p50 = v;
		else if (i == 1)
			p99 = v;
		else if (i == 3)
			ops = v;
	}
	if (p50 >= HEALTH_DISK_P50_PROBLEM_US)
		judge(l, HEALTH_PROBLEM, "half the %ss took %.1f ms or more: the volume is at its "
		      "IOPS or throughput limit, or the queue is too deep", op, p50 / 1000);
	else if (level(p99, HEALTH_DISK_P99_WATCH_US, HEALTH_DISK_P99_PROBLEM_US))
		judge(l, level(p99, HEALTH_DISK_P99_WATCH_US, HEALTH_DISK_P99_PROBLEM_US),
		      "1 in 100 %ss took %.1f ms or more", op, p99 / 1000);
	return ops > 0;
}

static void disk_lines(const struct metric_set *set, struct json_object *lines)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct metric_entity *e = &set->entities[i];
		struct line l;
		bool busy;

		if (e->kind != ENTITY_BLOCK_DEVICE)
			continue;
		line_init(&l, "disk", e->name);
		if (e->volume_id[0])
			json_object_object_add(l.o, "volume_id", json_object_new_string(e->volume_id));
		busy = disk_op(&l, e, "read", "Read");
		busy |= disk_op(&l, e, "write", "Write");
		/* An idle disk says nothing worth a line. */
		if (!busy) {
			json_object_put(l.o);
			continue;
		}
		line_done(&l, lines);
	}
}

/* The drop reasons of the interval, largest first, as {"reason", "per_s"}. */
static void drop_reasons(struct line *l, const struct metric_entity *inst)
{
	const struct metric *top[DROP_REASONS_SHOWN] = { 0 };
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < inst->n; i++) {
		const struct metric *m = &inst->metrics[i];

		if (strncmp(m->name, "PacketDrops", 11) || !m->name[11] || m->value <= 0)
			continue;
		for (size_t k = 0; k < DROP_REASONS_SHOWN; k++) {
			if (top[k] && top[k]->value >= m->value)
				continue;
			memmove(&top[k + 1], &top[k], (DROP_REASONS_SHOWN - k - 1) * sizeof(top[0]));
			top[k] = m;
			break;
		}
	}
	for (size_t k = 0; k < DROP_REASONS_SHOWN && top[k]; k++) {
		struct json_object *r = json_object_new_object();

		json_object_object_add(r, "reason", json_object_new_string(top[k]->name + 11));
		json_object_object_add(r, "per_s", json_object_new_double(top[k]->value));
		json_object_array_add(a, r);
	}
	json_object_object_add(l->o, "top_drop_reasons", a);
}

static void tcp_retransmits(struct line *l, const struct metric_entity *inst)
{
	double retrans = 0, out = 0, pct;

	if (!figure(l, inst, "TcpRetransmits", "retransmits_per_s", &retrans))
		return;
	if (!figure(l, inst, "TcpOutSegs", "segments_out_per_s", &out) || out <= 0 ||
	    retrans < HEALTH_TCP_RETRANS_MIN_PER_S)
		return;
	pct = retrans * 100 / out;
	json_object_object_add(l->o, "retransmit_pct", json_object_new_double(pct));
	if (level(pct, HEALTH_TCP_RETRANS_WATCH_PCT, HEALTH_TCP_RETRANS_PROBLEM_PCT))
		judge(l, level(pct, HEALTH_TCP_RETRANS_WATCH_PCT, HEALTH_TCP_RETRANS_PROBLEM_PCT),
		      "%.1f%% of segments sent were retransmits: packets are lost on the way", pct);
}

static void tcp_line(const struct metric_entity *inst, struct json_object *lines)
{
	struct line l;
	double connect = 0, overflows = 0;

	/* Neither the tcp probe nor the kernel's counters: no line. */
	if (!metric_find(inst, "TcpRetransmits", &connect) &&
	    !metric_find(inst, "TcpListenOverflows", &connect))
		return;
	line_init(&l, "tcp", NULL);
	tcp_retransmits(&l, inst);
	figure(&l, inst, "TcpSrttP50", "rtt_p50_us", NULL);
	figure(&l, inst, "TcpSrttP99", "rtt_p99_us", NULL);
	if (figure(&l, inst, "TcpConnectLatencyP99", "connect_p99_us", &connect) &&
	    level(connect, HEALTH_TCP_CONNECT_P99_WATCH_US, HEALTH_TCP_CONNECT_P99_PROBLEM_US))
		judge(&l, level(connect, HEALTH_TCP_CONNECT_P99_WATCH_US,
				HEALTH_TCP_CONNECT_P99_PROBLEM_US),
		      "1 in 100 connects took %.1f s or more: SYNs or SYN-ACKs were lost",
		      connect / 1e6);
	figure(&l, inst, "TcpResetsSent", "resets_sent_per_s", NULL);
	figure(&l, inst, "TcpResetsReceived", "resets_received_per_s", NULL);
	if (figure(&l, inst, "TcpListenOverflows", "listen_overflows_per_s", &overflows) &&
	    overflows > 0)
		judge(&l, HEALTH_PROBLEM, "listeners refused %.1f connections/s with a full accept "
		      "queue: the application accepts too slowly or its backlog is too small",
		      overflows);
	figure(&l, inst, "PacketDrops", "drops_per_s", NULL);
	drop_reasons(&l, inst);
	line_done(&l, lines);
}

/* The ENA allowance counters and what each means, in words an engineer acts on. */
struct counter_words {
	const char *metric, *key, *words;
	enum health_verdict v;
};

static const struct counter_words allowances[] = {
	{ "BwInAllowanceExceeded", "bw_in_allowance_exceeded_packets", "inbound bandwidth "
	  "allowance exceeded: the instance received more than its type allows; consider a "
	  "larger or network-optimized type", HEALTH_PROBLEM },
	{ "BwOutAllowanceExceeded", "bw_out_allowance_exceeded_packets", "bandwidth allowance "
	  "exceeded: the instance sent more than its type allows; consider a larger or "
	  "network-optimized type", HEALTH_PROBLEM },
	{ "PpsAllowanceExceeded", "pps_allowance_exceeded_packets", "packets-per-second "
	  "allowance exceeded: many small packets; consider larger writes, or a larger type",
	  HEALTH_PROBLEM },
	{ "ConntrackAllowanceExceeded", "conntrack_allowance_exceeded_packets", "connection "
	  "tracking allowance exceeded: too many tracked connections; consider a larger type "
	  "or untracked security group rules", HEALTH_PROBLEM },
	{ "LinklocalAllowanceExceeded", "linklocal_allowance_exceeded_packets", "link-local "
	  "allowance exceeded: too many DNS, IMDS or time requests; cache DNS locally",
	  HEALTH_WATCH },
};

/* ENA device events (net/ena_health.h): each is a reset or on the way to one. */
static const struct counter_words device_events[] = {
	{ "ResetFailures", "reset_failures", "a device reset failed: the interface may stay "
	  "down; see dmesg, reload the driver or stop and start the instance", HEALTH_PROBLEM },
	{ "DriverResets", "driver_resets", "the driver reset the device (traffic stopped for a "
	  "moment); ethtool -S counts the reasons, dmesg logs them", HEALTH_PROBLEM },
	{ "TxTimeouts", "tx_timeouts", "transmit timeouts: the driver reset the device; see "
	  "dmesg and keep the driver current", HEALTH_PROBLEM },
	{ "KeepAliveTimeouts", "keepalive_timeouts", "the device missed its keep-alive and was "
	  "reset; see dmesg", HEALTH_PROBLEM },
	{ "TxMissedCompletions", "tx_missed_completions", "the device reported sent packets "
	  "late: busy CPUs or a device in trouble", HEALTH_WATCH },
};

static void judge_counters(struct line *l, const struct metric_entity *e,
			   const struct counter_words *t, size_t n, const char *unit)
{
	for (size_t k = 0; k < n; k++) {
		double v;

		if (figure(l, e, t[k].metric, t[k].key, &v) && v > 0)
			judge(l, t[k].v, "%s (%.0f%s)", t[k].words, v, unit);
	}
}

static void ena_lines(const struct metric_set *set, struct json_object *lines)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct metric_entity *e = &set->entities[i];
		struct line l;

		if (e->kind != ENTITY_INTERFACE)
			continue;
		line_init(&l, "ena", e->name);
		judge_counters(&l, e, allowances, sizeof(allowances) / sizeof(allowances[0]),
			       " packets in the interval");
		judge_counters(&l, e, device_events,
			       sizeof(device_events) / sizeof(device_events[0]), " in the interval");
		/* Only interfaces whose counters moved get a line. */
		if (l.v == HEALTH_OK) {
			json_object_put(l.o);
			continue;
		}
		line_done(&l, lines);
	}
}

static void credits(struct line *l, const struct metric_entity *inst)
{
	double throttled = 0, left = 0;

	figure(l, inst, "CPUCreditBalanceEstimate", "credits_balance", NULL);
	if (figure(l, inst, "CPUThrottled", "credits_throttled", &throttled) && throttled > 0)
		judge(l, HEALTH_PROBLEM, "the CPU credits ran out: the instance is held at its "
		      "baseline; consider unlimited mode or a larger type");
	else if (figure(l, inst, "CPUCreditExhaustionSeconds", "credits_left_s", &left) &&
		 left < HEALTH_CREDITS_WATCH_S)
		judge(l, HEALTH_WATCH, "the CPU credits run out in about %.0f min at this rate",
		      left / 60);
}

static void cpu_line(const struct metric_entity *inst, struct json_object *lines)
{
	struct line l;
	double busy = 0, steal = 0;

	if (!metric_find(inst, "CPUUtilization", &busy))
		return;
	line_init(&l, "cpu", NULL);
	figure(&l, inst, "CPUUtilization", "busy_pct", &busy);
	figure(&l, inst, "StealPercent", "steal_pct", &steal);
	if (level(busy, HEALTH_CPU_BUSY_WATCH_PCT, HEALTH_CPU_BUSY_PROBLEM_PCT))
		judge(&l, level(busy, HEALTH_CPU_BUSY_WATCH_PCT, HEALTH_CPU_BUSY_PROBLEM_PCT),
		      "the CPUs were %.0f%% busy", busy);
	if (level(steal, HEALTH_STEAL_WATCH_PCT, HEALTH_STEAL_PROBLEM_PCT))
		judge(&l, level(steal, HEALTH_STEAL_WATCH_PCT, HEALTH_STEAL_PROBLEM_PCT),
		      "the hypervisor took %.1f%% of the CPU time (steal)", steal);
	credits(&l, inst);
	line_done(&l, lines);
}

static void tuning_line(const struct metric_entity *inst, const struct health_tuning *t,
			struct json_object *lines)
{
	struct line l;
	double failed = 0, drifted = 0;

	line_init(&l, "tuning", NULL);
	json_object_object_add(l.o, "mode", json_object_new_string(t->advise ? "advise" :
								    "apply"));
	if (t->error && t->error[0]) {
		judge(&l, HEALTH_PROBLEM, "tuning failed: %s; %s", t->error, t->journal ?
		      "the knobs applied earlier in this boot stay as they are (perfagent verify "
		      "lists them, perfagent revert undoes them)" : "nothing is tuned");
		line_done(&l, lines);
		return;
	}
	if (!t->ran) {
		json_object_put(l.o);
		return;
	}
	json_object_object_add(l.o, t->advise ? "changes_planned" : "knobs_applied",
			       json_object_new_int64(t->changes));
	if (t->advise && t->changes)
		judge(&l, HEALTH_WATCH, "mode advise: %llu change%s planned, none written "
		      "(status lists them)", (unsigned long long)t->changes,
		      t->changes == 1 ? "" : "s");
	if (figure(&l, inst, "TuningKnobsFailed", "knobs_failed", &failed) && failed > 0)
		judge(&l, HEALTH_PROBLEM, "%.0f knob%s could not be written", failed,
		      failed == 1 ? "" : "s");
	if (figure(&l, inst, "TuningKnobsDrifted", "knobs_drifted", &drifted) && drifted > 0)
		judge(&l, HEALTH_WATCH, "%.0f knob%s no longer at the applied value (perfagent "
		      "verify)", drifted, drifted == 1 ? "" : "s");
	line_done(&l, lines);
}

/* What each probe measures for health, and the area it leaves unjudged. */
static const struct {
	const char *probe, *measures;
} probe_areas[] = {
	{ "sched", "run-queue latency" },
	{ "block", "disk latency and queue time" },
	{ "tcp", "TCP round-trip time and connect latency" },
};

static const char *probe_measures(const char *probe)
{
	for (size_t i = 0; i < sizeof(probe_areas) / sizeof(probe_areas[0]); i++)
		if (!strcmp(probe_areas[i].probe, probe))
			return probe_areas[i].measures;
	return "what it measures";
}

/*
 * Probes that do not run: health cannot say "ok" for what they measure. One
 * that failed is a watch line; one switched off in the configuration, the
 * operator's choice, is only named in not_judged.
 */
static void probe_lines(const struct probe_status *probes, size_t n, struct json_object *lines,
			struct json_object *not_judged)
{
	char text[REASON_MAX];

	for (size_t i = 0; probes && i < n; i++) {
		const struct probe_status *p = &probes[i];
		struct line l;

		if (p->state == PROBE_RUNNING)
			continue;
		if (p->state == PROBE_DISABLED) {
			snprintf(text, sizeof(text), "%s (the %s probe is disabled in the "
				 "configuration)", probe_measures(p->name), p->name);
			json_object_array_add(not_judged, json_object_new_string(text));
			continue;
		}
		line_init(&l, "probe", p->name);
		judge(&l, HEALTH_WATCH, "%s: not measured, the %s probe does not run (%.500s)",
		      probe_measures(p->name), p->name, p->reason ? p->reason : "no reason given");
		line_done(&l, lines);
	}
}

static int verdict_rank(struct json_object *line)
{
	const char *v = json_at_str(line, "verdict", "ok");

	return !strcmp(v, "problem") ? 0 : !strcmp(v, "watch") ? 1 : 2;
}

/* lines in a new array, problems first, then watch, then ok, each in its order. */
static struct json_object *sorted_lines(struct json_object *lines)
{
	struct json_object *out = json_object_new_array();
	size_t n = json_object_array_length(lines);

	for (int rank = 0; rank <= 2; rank++)
		for (size_t i = 0; i < n; i++)
			if (verdict_rank(json_object_array_get_idx(lines, i)) == rank)
				json_object_array_add(out, json_object_get(
					json_object_array_get_idx(lines, i)));
	json_object_put(lines);
	return out;
}

static struct json_object *window_json(const struct health_window *w, bool have_set)
{
	struct json_object *o = json_object_new_object();
	/* Under 90% of an interval, or the interval the agent started in. */
	bool partial = !have_set || w->first || w->span_s < w->interval_s * 0.9;

	json_object_object_add(o, "interval_s", json_object_new_int(w->interval_s));
	json_object_object_add(o, "span_s", json_object_new_double(have_set ? w->span_s : 0));
	json_object_object_add(o, "end_at", json_time_or_null(have_set ? w->at_wall_ms : 0));
	json_object_object_add(o, "partial", json_object_new_boolean(partial));
	if (partial)
		json_object_object_add(o, "note", json_object_new_string(!have_set ?
			"no interval collected yet: the first ends one interval after the agent "
			"started" : "the figures cover less than one full interval since the "
			"agent started: the next collection has a full one"));
	return o;
}

struct json_object *health_json(const struct metric_set *set, const struct health_window *w,
				const struct health_tuning *t, const struct probe_status *probes,
				size_t n_probes)
{
	struct json_object *h = json_object_new_object(), *lines = json_object_new_array();
	struct json_object *not_judged = json_object_new_array();
	static const struct metric_entity none = { .kind = ENTITY_INSTANCE };
	const struct metric_entity *inst = &none;
	int worst = 2;

	for (size_t i = 0; set && i < set->n; i++)
		if (set->entities[i].kind == ENTITY_INSTANCE)
			inst = &set->entities[i];
	if (set) {
		runq_line(inst, lines);
		disk_lines(set, lines);
		tcp_line(inst, lines);
		ena_lines(set, lines);
		cpu_line(inst, lines);
	}
	tuning_line(inst, t, lines);
	probe_lines(probes, n_probes, lines, not_judged);
	lines = sorted_lines(lines);
	if (json_object_array_length(lines))
		worst = verdict_rank(json_object_array_get_idx(lines, 0));
	json_object_object_add(h, "window", window_json(w, set != NULL));
	/* Nothing measured yet is not "ok": only what is already wrong is said. */
	json_object_object_add(h, "verdict", json_object_new_string(
		worst == 0 ? "problem" : worst == 1 ? "watch" : set ? "ok" : "unknown"));
	json_object_object_add(h, "lines", lines);
	json_object_object_add(h, "not_judged", not_judged);
	return h;
}
