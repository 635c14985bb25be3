// SPDX-License-Identifier: GPL-2.0-only
/* CPU utilisation, steal and the CPU credit estimate, every interval. */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/cpuwatch.h"
#include "cpu/pressure.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/util.h"
#include "identity/inventory.h"

static void start_credits(struct cpuwatch *w, const struct pa_paths *paths,
			  const struct identity *id, const struct cpuwatch_opts *opts,
			  const struct cpu_times *now)
{
	uint64_t wall = util_now_wall_ms();
	char boot_id[INVENTORY_BOOT_ID_MAX] = "";
	struct credit_boot boot = {
		.instance_id = id->instance_id,
		.boot_id = boot_id,
		.wall_ms = wall,
		.now = *now,
	};

	inventory_boot_id(paths, boot_id, sizeof(boot_id));
	boot.boot_wall_ms = inventory_boot_wall_ms(paths, wall);
	/*
	 * The saved estimate goes on, unless credit_start_balance was set to a new
	 * value since (someone read the real balance in CloudWatch).
	 */
	if (credits_load(paths, &w->credits, w->spec, &boot) != 0 ||
	    (opts->credit_start_balance >= 0 &&
	     opts->credit_start_balance != w->credits.configured_start))
		credits_start(&w->credits, w->spec, opts->credit_mode, opts->credit_start_balance,
			      id->instance_id, boot_id, now, wall);
	credits_set_mode(&w->credits, opts->credit_mode);
	log_info("CPU credits of %s (%s mode): estimate %s, %.1f credits", w->spec->type,
		 credit_mode_name(w->credits.mode), w->credits.note,
		 w->credits.balance + w->credits.launch);
}

void cpuwatch_start(struct cpuwatch *w, const struct pa_paths *paths,
		    const struct identity *id, const struct cpuwatch_opts *opts, bool persist)
{
	struct cpu_times now;
	int ret;

	memset(w, 0, sizeof(*w));
	w->persist = persist;
	w->spec = id->instance_type[0] ? credits_spec_for(id->instance_type) : NULL;
	/* T1 earns credits too, but AWS publishes no earn rate for it (only its
	 * 15 launch credits: EC2 burstable docs), so there is nothing to model. */
	if (!w->spec && id->type_parsed && !strcmp(id->type.class_, "t"))
		snprintf(w->credits_note, sizeof(w->credits_note), "no CPU credit estimate for "
			 "%s: AWS publishes no credit earn rate for it, only its launch credits",
			 id->instance_type);
	ret = procstat_read(paths, &now);
	if (ret) {
		snprintf(w->error, sizeof(w->error), "cannot read /proc/stat: %s", strerror(-ret));
		log_warn("CPU watch: %s", w->error);
		w->spec = NULL;
		return;
	}
	w->prev = now;
	w->have_prev = true;
	w->prev_wall_ms = util_now_wall_ms();
	w->have_psi = pressure_cpu_some_us(paths, &w->psi_some_us) == 0;
	if (w->spec)
		start_credits(w, paths, id, opts, &now);
}

static void add_credit_metrics(const struct cpuwatch *w, struct metric_entity *inst)
{
	const struct credit_step *s = &w->step;

	metric_add(inst, "CPUCreditBalanceEstimate", UNIT_COUNT,
		   w->credits.balance + w->credits.launch);
	metric_add(inst, "CPUCreditsEarned", UNIT_COUNT, s->earned);
	metric_add(inst, "CPUCreditsSpent", UNIT_COUNT, s->spent);
	metric_add(inst, "CPUCreditBurnRatio", UNIT_NONE, s->burn_ratio);
	/* Not draining: no exhaustion time (EMF has no "infinite"). */
	if (s->exhaustion_s >= 0)
		metric_add(inst, "CPUCreditExhaustionSeconds", UNIT_SECONDS, s->exhaustion_s);
	if (w->credits.mode == CREDIT_MODE_UNLIMITED)
		metric_add(inst, "CPUSurplusCreditsEstimate", UNIT_COUNT,
			   w->credits.surplus + w->credits.charged);
	metric_add(inst, "CPUThrottled", UNIT_NONE, s->throttled ? 1 : 0);
}

/* The share of the interval in which a runnable task waited for a CPU (PSI "some"). */
static void sample_pressure(struct cpuwatch *w, const struct pa_paths *paths, double interval_s)
{
	uint64_t now_us;
	bool had = w->have_psi;

	w->have_psi = pressure_cpu_some_us(paths, &now_us) == 0;
	w->have_wait = had && w->have_psi && interval_s > 0 && now_us >= w->psi_some_us;
	if (w->have_wait) {
		w->runq_wait_pct = (now_us - w->psi_some_us) / (interval_s * 1e4);
		if (w->runq_wait_pct > 100)
			w->runq_wait_pct = 100;
	}
	if (w->have_psi)
		w->psi_some_us = now_us;
}

void cpuwatch_sample(struct cpuwatch *w, const struct pa_paths *paths)
{
	uint64_t wall = util_now_wall_ms();
	double interval_s = (wall - w->prev_wall_ms) / 1000.0;
	struct cpu_times now, d;
	int ret;

	if (!w->have_prev)
		return;
	ret = procstat_read(paths, &now);
	if (ret) {
		snprintf(w->error, sizeof(w->error), "cannot read /proc/stat: %s", strerror(-ret));
		return;
	}
	w->error[0] = '\0';
	if (w->spec) {
		credits_advance(&w->credits, w->spec, &now, interval_s, &w->step);
		w->credits.updated_wall_ms = wall;
		cpuwatch_save(w, paths);
	} else {
		d = procstat_delta(&w->prev, &now);
		w->step = (struct credit_step){ .interval_s = interval_s };
		if (d.busy_s + d.idle_s + d.steal_s > 0) {
			w->step.steal_pct = d.steal_s * 100 / (d.busy_s + d.idle_s + d.steal_s);
			w->step.cpu_pct = d.busy_s * 100 / (d.busy_s + d.idle_s + d.steal_s);
		}
	}
	sample_pressure(w, paths, interval_s);
	w->have_step = true;
	w->prev = now;
	w->prev_wall_ms = wall;
}

void cpuwatch_add_metrics(const struct cpuwatch *w, struct metric_entity *inst)
{
	if (!w->have_step)
		return;
	metric_add(inst, "CPUUtilization", UNIT_PERCENT, w->step.cpu_pct);
	metric_add(inst, "StealPercent", UNIT_PERCENT, w->step.steal_pct);
	if (w->have_wait)
		metric_add(inst, "RunqWaitPercent", UNIT_PERCENT, w->runq_wait_pct);
	if (w->spec)
		add_credit_metrics(w, inst);
}

void cpuwatch_save(const struct cpuwatch *w, const struct pa_paths *paths)
{
	int ret;

	if (!w->spec || !w->persist)
		return;
	ret = credits_save(paths, &w->credits);
	if (ret)
		log_warn("cannot save the CPU credit estimate in %s: %s", paths->state_dir,
			 strerror(-ret));
}

/* The verdict in words an engineer acts on. */
static void credit_verdict(const struct cpuwatch *w, char *buf, size_t size)
{
	const struct credit_step *s = &w->step;
	double stock = w->credits.balance + w->credits.launch;

	if (s->throttled)
		snprintf(buf, size, "throttled: the instance is held at its %.0f%% baseline "
			 "(steal %.0f%%); credits are exhausted. Use unlimited mode or a larger "
			 "or non-burstable type", w->spec->baseline_pct, s->steal_pct);
	else if (w->credits.mode == CREDIT_MODE_UNLIMITED && w->credits.surplus > 0)
		snprintf(buf, size, "spending surplus credits: about %.0f credits beyond the "
			 "balance would be billed if this continues", w->credits.surplus +
			 w->credits.charged);
	else if (s->exhaustion_s >= 0)
		snprintf(buf, size, "burning %.1fx the baseline: credits run out in about %.0f "
			 "min at this rate", s->burn_ratio, s->exhaustion_s / 60);
	else
		snprintf(buf, size, "at or under the baseline: %.0f credits, %s",
			 stock, stock >= w->spec->max_accrued ? "the maximum" : "rising");
}

static struct json_object *credits_json(const struct cpuwatch *w)
{
	struct json_object *o = json_object_new_object();
	char verdict[256];

	credit_verdict(w, verdict, sizeof(verdict));
	json_object_object_add(o, "mode", json_object_new_string(
		credit_mode_name(w->credits.mode)));
	json_object_object_add(o, "balance_estimate", json_object_new_double(
		w->credits.balance + w->credits.launch));
	json_object_object_add(o, "launch_credits", json_object_new_double(w->credits.launch));
	json_object_object_add(o, "max_accrued", json_object_new_double(w->spec->max_accrued));
	json_object_object_add(o, "baseline_pct", json_object_new_double(w->spec->baseline_pct));
	json_object_object_add(o, "earn_per_hour", json_object_new_double(
		w->spec->earn_per_hour));
	json_object_object_add(o, "burn_ratio", json_object_new_double(w->step.burn_ratio));
	json_object_object_add(o, "exhaustion_s", w->step.exhaustion_s >= 0 ?
			       json_object_new_double(w->step.exhaustion_s) : NULL);
	json_object_object_add(o, "surplus_estimate", json_object_new_double(
		w->credits.surplus + w->credits.charged));
	json_object_object_add(o, "throttled", json_object_new_boolean(w->step.throttled));
	json_object_object_add(o, "verdict", json_object_new_string(verdict));
	json_object_object_add(o, "estimate_note", json_str_or_null(w->credits.note));
	return o;
}

struct json_object *cpuwatch_status_json(const struct cpuwatch *w)
{
	struct json_object *o = json_object_new_object();

	json_object_object_add(o, "utilization_pct", w->have_step ?
			       json_object_new_double(w->step.cpu_pct) : NULL);
	json_object_object_add(o, "steal_pct", w->have_step ?
			       json_object_new_double(w->step.steal_pct) : NULL);
	json_object_object_add(o, "error", json_str_or_null(w->error));
	json_object_object_add(o, "credits", w->spec && w->have_step ? credits_json(w) : NULL);
	json_object_object_add(o, "credits_note", json_str_or_null(w->credits_note));
	return o;
}
