/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Is this host healthy, and if not, why: the last interval's metric set
 * judged area by area (run queue, each busy disk, TCP, each ENA interface
 * whose allowance counters moved, CPU, tuning) against the thresholds
 * below, each with a verdict (ok, watch, problem) and the reasons in
 * words. The "health" member of status (README, "Health"). Pure: built
 * from its arguments only, so tests feed it a metric set of their own.
 *
 * Thresholds (README "Health" gives each one's source):
 */
#ifndef PA_HEALTH_H
#define PA_HEALTH_H

#include <stdbool.h>
#include <stdint.h>

#include "core/metrics.h"
#include "probes/probes.h"

struct json_object;

/* Run-queue latency p99 (us) and the share of time tasks waited (PSI cpu some, %). */
#define HEALTH_RUNQ_P99_WATCH_US	1000.0
#define HEALTH_RUNQ_P99_PROBLEM_US	10000.0
#define HEALTH_RUNQ_WAIT_WATCH_PCT	10.0
#define HEALTH_RUNQ_WAIT_PROBLEM_PCT	50.0
/* Block I/O latency (us): p99 watch and problem, p50 problem. */
#define HEALTH_DISK_P99_WATCH_US	10000.0
#define HEALTH_DISK_P99_PROBLEM_US	50000.0
#define HEALTH_DISK_P50_PROBLEM_US	10000.0
/* TCP: retransmitted share of segments sent (%), over at least this many per second. */
#define HEALTH_TCP_RETRANS_WATCH_PCT	1.0
#define HEALTH_TCP_RETRANS_PROBLEM_PCT	5.0
#define HEALTH_TCP_RETRANS_MIN_PER_S	1.0
/* TCP connect latency p99 (us): a lost SYN costs the 1 s initial RTO, two lost 3 s. */
#define HEALTH_TCP_CONNECT_P99_WATCH_US	  1000000.0
#define HEALTH_TCP_CONNECT_P99_PROBLEM_US 3000000.0
/* CPU busy and steal (%). */
#define HEALTH_CPU_BUSY_WATCH_PCT	80.0
#define HEALTH_CPU_BUSY_PROBLEM_PCT	95.0
#define HEALTH_STEAL_WATCH_PCT		2.0
#define HEALTH_STEAL_PROBLEM_PCT	10.0
/* Burstable credits: watch when they run out within this time (s). */
#define HEALTH_CREDITS_WATCH_S		3600.0

enum health_verdict {
	HEALTH_OK,
	HEALTH_WATCH,
	HEALTH_PROBLEM,
};

/* "ok", "watch", "problem". */
const char *health_verdict_name(enum health_verdict v);

/* What the figures cover. */
struct health_window {
	double span_s;			/* measured length of the interval; 0: none yet */
	unsigned int interval_s;	/* the configured interval */
	uint64_t at_wall_ms;		/* end of the interval */
	bool first;			/* the interval the agent started in */
};

/* The tuning's state, from the daemon's tuning_state. */
struct health_tuning {
	bool ran;			/* a profile was planned */
	bool advise;			/* mode advise: nothing written */
	const char *error;		/* why tuning could not run; NULL or "" */
	bool journal;			/* knobs applied in this boot remain (read with error) */
	uint64_t changes;		/* advise: knobs the plan would set; apply: knobs
					 * perfagent changed in this boot (the journal's) */
};

/*
 * A new object {"window": {...}, "verdict": worst, "lines": [...],
 * "not_judged": [...]}; lines sorted problems first, then watch, then ok,
 * each with "area", "verdict", "reason" and its figures with units in their
 * names. set NULL: no interval collected yet (window.partial true, no lines
 * but tuning and probes; the verdict "unknown" unless one of those is not
 * ok). probes (n_probes of them, may be NULL): a probe that should
 * run and does not is a "watch" line of area "probe" (what it measures goes
 * unjudged, and health must not read "ok" for it); one disabled in the
 * configuration is named in not_judged, in words. NULL when out of memory.
 */
struct json_object *health_json(const struct metric_set *set, const struct health_window *w,
				const struct health_tuning *t, const struct probe_status *probes,
				size_t n_probes);

#endif
