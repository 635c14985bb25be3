/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * The daemon's side of the adaptive rules (tune/adapt_rule.h, tune/adapt.h):
 * each interval, every rule of the active profile gets the interval's
 * metrics and its knob's live value; a step or a take-back is carried out
 * by the tuning engine as a one-value plan, so the journal records the
 * original once, an administrator's sysctl.d value, exclude = and a value
 * someone changed are honoured as for static values, and revert undoes
 * adaptive changes exactly. mode = advise says what it would do, writes
 * nothing.
 *
 * Host-wide, at most ADAPTIVE_MAX_PER_HOUR changes (steps and take-backs)
 * in any hour: a design bound, not a measured one, of one change per five
 * minutes on average (the shipped rules' shortest cooldown), so that a
 * misjudging rule churns at most a dozen values an hour (bpftune's lesson:
 * bpftune #36, #93, #188 kept stepping past sane values). Each change is
 * logged once, in one line, and appended with its evidence to
 * STATE_DIR/adaptive.log (JSON lines: when, the boot and its monotonic
 * second, rule, knob, action, before, after, why), which is moved to
 * adaptive.log.1 past 1 MiB. A daemon started again in the same boot counts
 * the log's changes of the last hour toward the limit.
 * A rule keeps its state across re-plans while its definition is unchanged.
 *
 * A rule on ethtool.rx_ring runs on each interface it covers (its
 * interfaces = and drivers =) on its own: that interface's evidence (its
 * entity of the metric set), its live ring and maximum (ethtool.h's ops, so
 * a test can serve them), its own state (cooldown, checking, take-back), and
 * a one-value [ethtool] plan for that interface alone. Its cap is the
 * smallest of the rule's cap, the device's maximum and what the ring memory
 * budget of the profile's rx_ring covering the interface allows
 * (knob_ring_budget_entries(): how the planner cuts rx_ring); an interface
 * no budget covers is not stepped. Interfaces that are gone are forgotten.
 */
#ifndef PA_ADAPTIVE_H
#define PA_ADAPTIVE_H

#include <net/if.h>
#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "core/metrics.h"
#include "core/paths.h"
#include "daemon/adaptive_log.h"
#include "identity/inventory.h"
#include "tune/adapt.h"
#include "tune/tuning.h"

#define ADAPTIVE_MAX_PER_HOUR 12

/* A ring rule on one interface. */
struct adaptive_if {
	char name[IF_NAMESIZE];
	struct adapt_state state;
	bool off;                       /* not stepped here: state.why says why */
	bool seen;                      /* internal: found this interval */
};

struct adaptive_rule {
	struct adapt_rule rule;
	struct adapt_state state;       /* a sysctl rule's */
	uint64_t floor, cap;
	/*
	 * "" or why the rule is off until the next re-plan: its bounds cannot
	 * be known here, or its knob is excluded by the configuration or set
	 * in the administrator's sysctl.d (said once, not at every cooldown).
	 */
	char off_why[256];
	size_t n_ifs, cap_ifs;          /* a ring rule's interfaces, each with its state */
	struct adaptive_if *ifs;
	char idle[192];                 /* a ring rule on no interface: why */
};

struct adaptive {
	uint64_t synced_at;             /* the tuning run (at_wall_ms) the rules come from */
	size_t n;
	struct adaptive_rule *rules;
	uint64_t changes_at[ADAPTIVE_MAX_PER_HOUR];     /* monotonic s of the last changes */
	unsigned int next_change;
	bool history_read;              /* changes_at seeded from adaptive.log */
	char boot_id[INVENTORY_BOOT_ID_MAX];    /* "" when unreadable */
	uint64_t steps, taken_back;                     /* since start */
	uint64_t steps_reported, taken_back_reported;
};

struct adaptive_env {
	const struct pa_paths *paths;
	const struct tuning_opts *opts;
	const struct tuning_state *tuning;
	bool apply;                     /* mode apply; false: advise */
	const char *listen_drops;       /* the interval's drops by port (listeners.h); may be NULL */
};

/*
 * One interval: the rules of the latest tuning run (a rule whose definition
 * did not change keeps its state), evidence from set, decisions, changes
 * through the engine.
 */
void adaptive_interval(struct adaptive *a, const struct adaptive_env *env,
		       const struct metric_set *set);
/* AdaptiveSteps, AdaptiveTakeBacks over the interval (catalogue). */
void adaptive_add_metrics(struct adaptive *a, struct metric_entity *inst);
/*
 * The "adaptive" member of status: per rule its definition and state; a ring
 * rule has one entry per interface, with "interface".
 */
struct json_object *adaptive_json(const struct adaptive *a);
void adaptive_free(struct adaptive *a);

#endif
