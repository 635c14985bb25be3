/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * CPU credits of burstable instances (t2, t3, t3a, t4g), estimated from
 * inside: the real balance lives only in CloudWatch, so this is a model.
 *
 *   1 credit = 1 vCPU at 100% for 1 minute
 *   earned   = earn/h x seconds / 3600
 *   spent    = busy vCPU-seconds (from /proc/stat) / 60
 *
 * standard:  T2 launch credits are spent first; then the balance, which
 *            never exceeds the maximum accrued and never drops below 0.
 * unlimited: past the balance, surplus credits are spent; later earnings
 *            pay them back; surplus beyond the maximum is charged.
 *
 * Throttling: a standard instance out of credits is held at its baseline by
 * the hypervisor, which shows as steal time. It is "throttled" when, for at
 * least CREDITS_THROTTLE_MIN_S in a row, steal is at least
 * CREDITS_THROTTLE_STEAL_PCT of the demand (busy + steal) and the demand is
 * above the baseline.
 */
#ifndef PA_CREDITS_H
#define PA_CREDITS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "core/paths.h"
#include "cpu/credit_mode.h"
#include "cpu/procstat.h"

#define CREDITS_THROTTLE_STEAL_PCT 10.0
#define CREDITS_THROTTLE_MIN_S 180.0
/* A T2 downtime longer than this is taken as a stop/start (credits lost). */
#define CREDITS_T2_REBOOT_MAX_S 300.0
/* T3, T3a and T4g keep their credits for 7 days after a stop. */
#define CREDITS_KEEP_AFTER_STOP_S (7 * 86400.0)

struct credit_spec {
	const char *type;
	int vcpus;
	double earn_per_hour;
	double max_accrued;
	double baseline_pct;    /* per vCPU */
	double launch_credits;  /* T2 standard only */
};

/* The spec of a burstable type, or NULL for any other type. */
const struct credit_spec *credits_spec_for(const char *instance_type);
size_t credits_table_size(void);
const struct credit_spec *credits_table_entry(size_t i);

/* The model's state; persisted in STATE_DIR/credits.json. */
struct credit_state {
	char instance_type[64];
	char instance_id[32];
	char boot_id[64];
	enum credit_mode mode;          /* resolved: standard or unlimited */
	double balance;                 /* earned credits, 0..max_accrued */
	double launch;                  /* T2 launch credits left */
	double surplus;                 /* unlimited: surplus credits spent and not paid back */
	double charged;                 /* unlimited: surplus credits beyond the maximum */
	double throttle_s;              /* seconds in a row meeting the throttling test */
	double configured_start;        /* credit_start_balance it started from; < 0: none */
	struct cpu_times last;          /* /proc/stat at the last step (this boot) */
	uint64_t updated_wall_ms;
	bool restored;                  /* loaded from disk */
	char note[160];                 /* how the estimate started */
};

/* One interval's outcome. */
struct credit_step {
	double interval_s;
	double cpu_pct;                 /* busy / (vCPUs x interval) */
	double steal_pct;               /* steal / (busy + idle + steal) */
	double earned, spent;
	double burn_ratio;              /* spent / earned: 1.0 is the baseline */
	double exhaustion_s;            /* at this rate; < 0: not draining */
	bool throttled;
};

/*
 * Starts a fresh estimate: mode resolved from the family default when
 * CREDIT_MODE_DEFAULT, T2 standard launch credits, and start_balance when
 * it is >= 0 (clamped to the maximum) else 0.
 */
void credits_start(struct credit_state *st, const struct credit_spec *spec,
		   enum credit_mode mode, double start_balance, const char *instance_id,
		   const char *boot_id, const struct cpu_times *now, uint64_t wall_ms);

/*
 * Advances the model by the CPU time between st->last and now, over
 * interval_s of wall time. The caller sets st->updated_wall_ms.
 */
void credits_advance(struct credit_state *st, const struct credit_spec *spec,
		     const struct cpu_times *now, double interval_s, struct credit_step *out);

/*
 * Loads the saved estimate for this instance. Keeps it across a daemon
 * restart (same boot: CPU time since the save is accounted exactly), keeps
 * the balance across a reboot or stop/start where the rules keep credits,
 * and starts afresh where they are lost. Returns 0 when a saved estimate was
 * used, -ENOENT (nothing usable; st is untouched) or another negative errno.
 */
struct credit_boot {
	const char *instance_id;
	const char *boot_id;
	uint64_t boot_wall_ms;          /* when this boot started (wall clock) */
	uint64_t wall_ms;               /* now */
	struct cpu_times now;
};
int credits_load(const struct pa_paths *paths, struct credit_state *st,
		 const struct credit_spec *spec, const struct credit_boot *boot);
int credits_save(const struct pa_paths *paths, const struct credit_state *st);

/*
 * Follows a mode change (AWS rules): to unlimited drops T2 launch credits;
 * to standard charges the surplus. CREDIT_MODE_DEFAULT changes nothing.
 */
void credits_set_mode(struct credit_state *st, enum credit_mode mode);

const char *credit_mode_name(enum credit_mode mode);

#endif
