/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CPU utilisation and steal every interval, and on burstable instances the
 * CPU credit estimate (credits.h): balance, earn and burn, time to
 * exhaustion, throttling. Persisted in the state directory.
 */
#ifndef PA_CPUWATCH_H
#define PA_CPUWATCH_H

#include <stdbool.h>
#include <stdint.h>

#include <json-c/json.h>

#include "cpu/credits.h"
#include "identity/identity.h"
#include "core/metrics.h"
#include "core/paths.h"

struct cpuwatch {
	const struct credit_spec *spec;     /* NULL: not a burstable type */
	struct credit_state credits;
	struct credit_step step;            /* the last interval */
	bool have_step;
	struct cpu_times prev;              /* for types without credits */
	bool have_prev;
	uint64_t prev_wall_ms;
	bool persist;                       /* save the estimate (the daemon only) */
	char error[160];                    /* why /proc/stat cannot be read */
	char credits_note[256];             /* a burstable type without an estimate: why */
	uint64_t psi_some_us;               /* /proc/pressure/cpu "some" total at prev */
	bool have_psi;                      /* psi_some_us was read */
	double runq_wait_pct;               /* the last interval's share of time tasks waited */
	bool have_wait;
};

/* What the watch takes from the configuration. */
struct cpuwatch_opts {
	enum credit_mode credit_mode;       /* burstable types only */
	double credit_start_balance;        /* < 0: launch credits or the saved estimate */
};

/*
 * Starts watching: loads the saved credit estimate or starts one. Only with
 * persist does it save the estimate back (`perfagent metrics` must not
 * write over the daemon's).
 */
void cpuwatch_start(struct cpuwatch *w, const struct pa_paths *paths,
		    const struct identity *id, const struct cpuwatch_opts *opts, bool persist);

/* One interval: reads /proc/stat, advances and saves the model. */
void cpuwatch_sample(struct cpuwatch *w, const struct pa_paths *paths);

/* The last interval's metrics (README's metric catalogue), onto inst. */
void cpuwatch_add_metrics(const struct cpuwatch *w, struct metric_entity *inst);

/* Saves the credit estimate (at stop; sampling saves it too). */
void cpuwatch_save(const struct cpuwatch *w, const struct pa_paths *paths);

/* The "cpu" member of status (README, "JSON output"). */
struct json_object *cpuwatch_status_json(const struct cpuwatch *w);

#endif
