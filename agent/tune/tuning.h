/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * From an identity to a tuned host: which profile (config, or the match
 * file), then the engine (tune.h). Shared by the CLI and the daemon.
 */
#ifndef PA_TUNING_H
#define PA_TUNING_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "identity/identity.h"
#include "tune/match.h"
#include "core/paths.h"
#include "tune/peers.h"
#include "tune/profile.h"
#include "tune/profile_compose.h"
#include "tune/tune.h"

#define TUNING_MAX_EXCLUDES 32
#define TUNING_MAX_OVERLAYS 4           /* the administrator's workload overlays */

/* What tuning takes from the configuration (config_tuning_opts() fills it). */
struct tuning_opts {
	const char *profile;        /* "": match by instance type */
	/* Workload overlays stacked last, NULL-terminated. */
	const char *overlays[TUNING_MAX_OVERLAYS + 1];
	const char *mode;           /* "apply" or "advise", as status shows it */
	/* Knob id globs never touched, NULL-terminated. */
	const char *excludes[TUNING_MAX_EXCLUDES + 1];
	/* The daemon's PM QoS holder (tune.h: held knobs); NULL elsewhere. */
	struct pmqos *pmqos;
};

/* The user's profiles/ next to the config first, then the shipped ones. */
void tuning_profile_dirs(const struct pa_paths *paths, struct profile_dirs *dirs);

/* Which layers, and why each (profile_compose.h). */
struct tuning_choice {
	char profile[PROFILE_NAME_MAX];         /* the class profile: layers[0] */
	bool forced;                /* profile = in the config, or --profile */
	bool matched;               /* match holds the rule that chose it */
	struct match_result match;
	char match_file[PATH_MAX];
	int n_layers;
	char layers[PROFILE_MAX_LAYERS][PROFILE_NAME_MAX];
	char layer_why[PROFILE_MAX_LAYERS][1024];
};

/*
 * Picks the layers: the class profile, forced (when not NULL or "") or by
 * matching the instance type (NULL type: unknown or not EC2) on the host
 * (NULL: explaining a type, no host), with the capability overlays the
 * match rules add (none when forced: then the configuration says the whole
 * stack); then the workload overlays (NULL-terminated, may be NULL).
 * Returns 0, or a negative errno with err (no match file, a broken one, no
 * rule matched, too many layers).
 */
int tuning_choose(const struct pa_paths *paths, const char *forced,
		  const char *const *overlays, const struct itype *type,
		  const struct match_host *host, struct tuning_choice *choice, char *err,
		  size_t errsz);

/*
 * What a configuration names exists and is of its kind, before any host is
 * known: the profile = (a class profile), each overlay (an overlay), and,
 * without a profile =, match.conf (it parses). 0, or -errno with a sentence
 * in err (file:line for a file that does not parse).
 */
int tuning_check_layers(const struct pa_paths *paths, const struct tuning_opts *opts, char *err,
			size_t errsz);

/* What the match rules ask of this host: ENA Express on its ENA interfaces. */
void tuning_host_match(const struct pa_paths *paths, const struct identity *id,
		       struct match_host *host);

/*
 * What the machine is, for values relative to it: memory and vCPUs from
 * the inventory, NIC queues from the host's ENA interfaces.
 */
void tuning_host_facts(const struct pa_paths *paths, const struct identity *id,
		       struct machine_facts *facts);

/*
 * Composes the chosen layers for facts (profile_compose()); 0, or a negative
 * errno with err.
 */
int tuning_compose(const struct pa_paths *paths, const struct tuning_choice *choice,
		   const struct machine_facts *facts, struct profile *p, char *err,
		   size_t errsz);

/* The layers, class profile first: [{name, kind, why}]. */
struct json_object *tuning_layers_json(const struct tuning_choice *c);

/* One line saying why this profile: "forced by config" or the match reason. */
const char *tuning_choice_reason(const struct tuning_choice *choice);

#define TUNING_IRQ_CPUS_MAX 512
#define TUNING_IRQ_IFS_MAX 64     /* interfaces in the fingerprint (a p5.48xlarge has 32) */

/* The daemon's view of its last tuning run, for status. */
struct tuning_state {
	bool ran;
	bool applied;               /* apply ran (mode apply); false: advise only */
	uint64_t at_wall_ms;
	struct tuning_choice choice;
	char summary[256];          /* the profile's summary */
	struct tune_plan plan;
	struct peers peers;         /* other tuning agents, as of this run */
	char error[1024];           /* why choosing, loading or applying failed */
	char irq_cpus[TUNING_IRQ_CPUS_MAX]; /* what the plan's RPS masks were derived from */
	struct machine_facts facts;     /* the host the profile was composed for */
	size_t n_rules;                 /* the composed profile's adaptive rules */
	struct adapt_rule *rules;
	/* Its [ethtool] rx_ring values (with their sections' interfaces, drivers
	 * and rx_ring_budget): the budget of the adaptive rules on rx_ring. */
	size_t n_rings;
	struct profile_value *rings;
};

/*
 * "eth0=0-1;eth1=2": the CPUs that take the interrupts of each interface
 * plan has RPS knobs for, as read now ("" when none has).
 */
void tuning_irq_cpus(const struct tune_plan *plan, const struct pa_paths *paths, char *buf,
		     size_t size);

/*
 * Looks for other tuning agents (peers.h), then chooses, loads, plans and
 * (when apply) applies. Never fails: an error is kept in st->error and
 * logged, as is each peer that sets knobs the plan sets. The previous plan
 * is freed first.
 */
void tuning_run(struct tuning_state *st, const struct pa_paths *paths,
		const struct tuning_opts *opts, const struct identity *id, bool apply);

/*
 * The same for a host that changed under the daemon (hot-plug, moved
 * interrupts): logs only the knobs that failed, for the caller to say what
 * happened in one line. reset_devices (NULL-terminated, may be NULL): the
 * interfaces a device reset returned to driver defaults (tune_ctx). False
 * when it failed (st->error, logged).
 */
bool tuning_rerun(struct tuning_state *st, const struct pa_paths *paths,
		  const struct tuning_opts *opts, const struct identity *id, bool apply,
		  const char *const *reset_devices);

void tuning_state_free(struct tuning_state *st);

/*
 * The "profile" member of status: name, why, mode, plan counts, a live
 * verify of the journal (drift and overrides as of now), and "peers" (see
 * tuning_peers_json()).
 */
struct json_object *tuning_state_json(const struct tuning_state *st,
				      const struct pa_paths *paths, const struct tuning_opts *opts);

/* What perfagent claims on the host, to compare with other tuning agents. */
struct tuning_claims {
	const struct tune_plan *plan;       /* NULL: no plan */
	const struct adapt_rule *rules;     /* the adaptive rules that may step knobs */
	size_t n_rules;
	const char *const *excludes;        /* exclude = globs, NULL-terminated; or NULL */
};

/*
 * The "peers" array: per peer its name, running, evidence, profile, note,
 * knobs (how many perfagent can name), shared_knobs and perfagent_does
 * (what perfagent does about them; null when nothing is shared);
 * writes: mode apply (false: advise, nothing is written). shared_knobs are
 * the knobs the plan sets, keeps, or set and saw overridden, and the
 * sysctls adaptive rules step (rules that run, knobs not excluded), that
 * the peer sets too: id, perfagent's value (a rule's own knob: "steps it up
 * to CAP") and action ("adaptive" for a rule's own), "adaptive_rule" (the
 * rule that steps it, when one does), the peer's value or null when it
 * computes it, and where the peer sets it.
 */
struct json_object *tuning_peers_json(const struct peers *peers,
				      const struct tuning_claims *claims, bool writes);

/* The tune_ctx for paths and the exclude list of opts. */
struct tuning_ctx {
	struct tune_ctx ctx;
	const char *excludes[TUNING_MAX_EXCLUDES + 1];
};
void tuning_ctx_init(struct tuning_ctx *t, const struct pa_paths *paths,
		     const struct tuning_opts *opts);

#endif
