/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * Adaptive rules: a knob changed only where the host's own counters show the
 * need, in steps, within bounds, and taken back when it did not help. A rule
 * is a section of a profile, [adapt.NAME]:
 *
 *   [adapt.accept-queue]
 *   knob = net.core.somaxconn             a sysctl key
 *   when = TcpListenOverflows > 0 over 2  a metric's rate (per second, as the
 *                                         metrics carry it) above a threshold
 *                                         for N intervals in a row
 *   step = double                         double, +N (add) or *F (F > 1, such
 *                                         as *1.5)
 *   floor = 4096                          the smallest value a step leaves
 *   cap = 65535                           the largest; a number or a value
 *                                         relative to the machine (1%mem in
 *                                         pages, 64*vcpus: formula.h)
 *   cooldown = 300                        seconds between two steps (default
 *                                         300)
 *   guard = TcpSrttP99, RunqLatencyP99    metrics that must not get worse
 *   judge = evidence                      what decides whether a step stays:
 *                                         evidence (default) or guards (below)
 *   fields = 3                            which field of a multi-field value
 *                                         to step (tcp_rmem's maximum is 3;
 *                                         default: all)
 *
 * A rule may also step an interface's receive ring, each interface on its
 * own evidence, with its own state:
 *
 *   knob = ethtool.rx_ring                the [ethtool] setting rx_ring
 *   drivers = ena                         the interfaces' drivers (default ena)
 *   interfaces = eth*, ens*               their names (globs; default all)
 *   when = RxOverruns > 0 over 2          a per-interface metric: that
 *                                         interface's own counter
 *   step = double                         ring sizes are powers of two
 *
 * Its steps stay powers of two, never above the device's maximum (ethtool
 * -g) nor the ring memory budget of the profile's [ethtool] rx_ring_budget.
 *
 * The metric names are those of packaging/metrics-catalogue.md that
 * adapt_metric_known() lists: the instance's, and per-interface or
 * per-device ones summed over their entities (percentiles: the largest).
 * Bad rules are file:line errors: an unknown key or metric, a step that does
 * not grow (double, +0, *1), a cap below the floor, a cap missing.
 */
#ifndef PA_ADAPT_RULE_H
#define PA_ADAPT_RULE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/lineparse.h"
#include "tune/formula.h"

#define ADAPT_NAME_MAX 64
#define ADAPT_KEY_MAX 128
#define ADAPT_METRIC_MAX 48
#define ADAPT_MAX_GUARDS 4
#define ADAPT_MAX_RULES 32
#define ADAPT_BOUND_MAX 96
#define ADAPT_COOLDOWN_DEFAULT_S 300
#define ADAPT_COMMENT_MAX LP_MAX_COMMENT  /* as a profile value's comment */
#define ADAPT_RESOLVED_MAX 256

enum adapt_step_kind {
	ADAPT_STEP_DOUBLE,
	ADAPT_STEP_ADD,
	ADAPT_STEP_MUL,
};

/* What a rule steps. */
enum adapt_target {
	ADAPT_TARGET_SYSCTL,            /* a sysctl key, host-wide */
	ADAPT_TARGET_RX_RING,           /* each interface's receive ring, on its own */
};

#define ADAPT_RX_RING_KNOB "ethtool.rx_ring"
#define ADAPT_IFS_MAX 128
#define ADAPT_DRIVERS_MAX 64

/* A floor or cap as resolved for a machine (profile_resolve()), for explain. */
struct adapt_bound_for {
	bool known;                     /* value holds: a number as written, or resolved */
	uint64_t value;
	char why[ADAPT_RESOLVED_MAX];   /* relative to the machine: how it resolved, or why
					 * not; "" for a number as written */
};

struct adapt_rule {
	char name[ADAPT_NAME_MAX];
	char origin[160];               /* "file.conf:12", the section's line */
	char knob[ADAPT_KEY_MAX];       /* sysctl key, or ADAPT_RX_RING_KNOB */
	enum adapt_target target;
	char interfaces[ADAPT_IFS_MAX]; /* rx ring: interface globs; "" every one */
	char drivers[ADAPT_DRIVERS_MAX];/* rx ring: driver names; "" ena */
	char metric[ADAPT_METRIC_MAX];  /* when = METRIC > RATE over N */
	double threshold;
	unsigned int over;
	enum adapt_step_kind step;
	double step_by;                 /* +N: N; *F: F */
	char floor[ADAPT_BOUND_MAX];    /* as written: a number or a formula */
	char cap[ADAPT_BOUND_MAX];
	unsigned int cooldown_s;
	bool judge_by_guards;           /* judge = guards: a step stands unless a guard worsens */
	unsigned int field;             /* 1-based; 0: every field */
	int n_guards;
	char guards[ADAPT_MAX_GUARDS][ADAPT_METRIC_MAX];
	/* For people (perfagent profiles explain), filled in by profile.c and
	 * profile_compose.c: the comment block above the section (its reason and
	 * source), and each bound once composed for a machine. */
	char comment[ADAPT_COMMENT_MAX];
	struct adapt_bound_for floor_for, cap_for;
	bool unresolved;                /* a bound needs a fact unknown here: the rule is off */
	/*
	 * "" or why the rule is off in this composed profile: its knob's value
	 * is exact or only lowers (= V, <V), so every re-plan would put V back
	 * over the rule's step, and the two would fight.
	 */
	char conflict[512];
};

/*
 * judge = evidence (the default) keeps a step only if the evidence then fell
 * by ADAPT_MIN_FALL and no guard got worse; judge = guards keeps it unless a
 * guard got worse. The second is for evidence that persists until the value
 * suffices: a buffer maximum doubled but still short keeps its sockets at
 * the (new) maximum every round trip, though they move twice the data.
 * Such a rule needs a guard.
 */

/* Whether a metric can be evidence or a guard (the agent collects it). */
bool adapt_metric_known(const char *name);
/* Whether it is a metric of each network interface (RxOverruns, RxDrops). */
bool adapt_metric_per_interface(const char *name);

/* A rule named name with its defaults; then adapt_rule_set() per key. */
void adapt_rule_init(struct adapt_rule *r, const char *name, const char *origin);

/* One key = value of the section; 0, or -EINVAL with err (no file or line). */
int adapt_rule_set(struct adapt_rule *r, const char *key, const char *value, char *err,
		   size_t errsz);

/*
 * At the end of the section: what must be there (knob, when, step, cap) and
 * what must hold on any machine (a cap below the floor, where both are
 * numbers). 0, or -EINVAL with err.
 */
int adapt_rule_check(const struct adapt_rule *r, char *err, size_t errsz);

/*
 * A bound for machine m: a number as written, or a formula resolved (floor
 * 0 when unset). 0, or a negative errno with err (a fact m lacks).
 */
int adapt_bound(const char *text, const struct machine_facts *m, uint64_t *out, char *err,
		size_t errsz);

/* "double", "+4096", "*1.5" */
void adapt_step_text(const struct adapt_rule *r, char *buf, size_t size);

/*
 * One line for people: "net.core.somaxconn: when TcpListenOverflows > 0/s
 * over 2 intervals, step double within 4096..65535, cooldown 300 s, guards
 * RunqLatencyP99".
 */
void adapt_rule_text(const struct adapt_rule *r, char *buf, size_t size);

#endif
