// SPDX-License-Identifier: GPL-2.0-only
/* The CPU credit model of burstable instances (see credits.h). */
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cpu/credits.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/trust.h"
#include "core/util.h"

#include <json-c/json.h>

#define CREDITS_FILE "credits.json"

const char *credit_mode_name(enum credit_mode mode)
{
	switch (mode) {
	case CREDIT_MODE_STANDARD:
		return "standard";
	case CREDIT_MODE_UNLIMITED:
		return "unlimited";
	default:
		return "default";
	}
}

static bool is_t2(const struct credit_spec *spec)
{
	return strncmp(spec->type, "t2.", 3) == 0;
}

static double clamp(double v, double lo, double hi)
{
	return v < lo ? lo : v > hi ? hi : v;
}

void credits_start(struct credit_state *st, const struct credit_spec *spec,
		   enum credit_mode mode, double start_balance, const char *instance_id,
		   const char *boot_id, const struct cpu_times *now, uint64_t wall_ms)
{
	memset(st, 0, sizeof(*st));
	snprintf(st->instance_type, sizeof(st->instance_type), "%s", spec->type);
	snprintf(st->instance_id, sizeof(st->instance_id), "%s", instance_id);
	snprintf(st->boot_id, sizeof(st->boot_id), "%s", boot_id);
	/* AWS defaults: T2 launches in standard mode, T3, T3a and T4g in unlimited. */
	if (mode == CREDIT_MODE_DEFAULT)
		mode = is_t2(spec) ? CREDIT_MODE_STANDARD : CREDIT_MODE_UNLIMITED;
	st->mode = mode;
	st->configured_start = start_balance >= 0 ? start_balance : -1;
	/*
	 * A configured balance is the whole stock: CloudWatch's CPUCreditBalance,
	 * where it is read, already holds a T2's launch credits.
	 */
	if (mode == CREDIT_MODE_STANDARD && start_balance < 0)
		st->launch = spec->launch_credits;
	if (start_balance >= 0) {
		st->balance = clamp(start_balance, 0, spec->max_accrued);
		snprintf(st->note, sizeof(st->note), "started from the configured balance %.1f",
			 st->balance);
	} else {
		snprintf(st->note, sizeof(st->note), "started at launch: %.0f launch credits, "
			 "0 earned", st->launch);
	}
	st->last = *now;
	st->updated_wall_ms = wall_ms;
}

/* Spends credits: launch credits first, then the balance, then surplus. */
static void spend(struct credit_state *st, const struct credit_spec *spec, double earned,
		  double spent)
{
	double from_launch = spent < st->launch ? spent : st->launch;
	double adjusted;

	st->launch -= from_launch;
	spent -= from_launch;
	adjusted = st->balance - st->surplus + earned - spent;
	if (st->mode == CREDIT_MODE_STANDARD || adjusted >= 0) {
		st->balance = clamp(adjusted, 0, spec->max_accrued);
		st->surplus = 0;
		return;
	}
	/* Unlimited past the balance: surplus, charged beyond one maximum. */
	st->balance = 0;
	st->surplus = -adjusted;
	if (st->surplus > spec->max_accrued) {
		st->charged += st->surplus - spec->max_accrued;
		st->surplus = spec->max_accrued;
	}
}

static bool throttle_test(const struct credit_spec *spec, const struct cpu_times *d,
			  double interval_s)
{
	double demand = d->busy_s + d->steal_s;
	double baseline_s = spec->baseline_pct / 100.0 * spec->vcpus * interval_s;

	return demand > 0 && d->steal_s * 100.0 / demand >= CREDITS_THROTTLE_STEAL_PCT &&
	       demand > baseline_s;
}

void credits_advance(struct credit_state *st, const struct credit_spec *spec,
		     const struct cpu_times *now, double interval_s, struct credit_step *out)
{
	struct cpu_times d = procstat_delta(&st->last, now);
	double total = d.busy_s + d.idle_s + d.steal_s;
	double stock, drain;

	memset(out, 0, sizeof(*out));
	out->interval_s = interval_s;
	out->earned = spec->earn_per_hour * interval_s / 3600.0;
	out->spent = d.busy_s / 60.0;
	out->cpu_pct = interval_s > 0 ? d.busy_s * 100.0 / (spec->vcpus * interval_s) : 0;
	out->steal_pct = total > 0 ? d.steal_s * 100.0 / total : 0;
	out->burn_ratio = out->earned > 0 ? out->spent / out->earned : 0;
	spend(st, spec, out->earned, out->spent);

	stock = st->balance + st->launch;
	drain = interval_s > 0 ? (out->spent - out->earned) / interval_s : 0;
	out->exhaustion_s = drain > 0 ? stock / drain : -1;

	/* Steal only means "held at baseline" in standard mode. */
	if (st->mode == CREDIT_MODE_STANDARD && throttle_test(spec, &d, interval_s))
		st->throttle_s += interval_s;
	else
		st->throttle_s = 0;
	out->throttled = st->throttle_s >= CREDITS_THROTTLE_MIN_S;
	st->last = *now;
}

void credits_set_mode(struct credit_state *st, enum credit_mode mode)
{
	if (mode == CREDIT_MODE_DEFAULT || mode == st->mode)
		return;
	if (mode == CREDIT_MODE_UNLIMITED) {
		st->launch = 0;
	} else {
		st->charged += st->surplus;
		st->surplus = 0;
	}
	st->mode = mode;
	st->throttle_s = 0;
}

static int state_path(const struct pa_paths *paths, char *buf, size_t size)
{
	return util_join(buf, size, "%s/%s", paths->state_dir, CREDITS_FILE);
}

int credits_save(const struct pa_paths *paths, const struct credit_state *st)
{
	struct json_object *o = json_object_new_object();
	char path[PATH_MAX];
	const char *text;
	int ret;

	json_object_object_add(o, "instance_type", json_object_new_string(st->instance_type));
	json_object_object_add(o, "instance_id", json_object_new_string(st->instance_id));
	json_object_object_add(o, "boot_id", json_object_new_string(st->boot_id));
	json_object_object_add(o, "mode", json_object_new_string(credit_mode_name(st->mode)));
	json_object_object_add(o, "balance", json_object_new_double(st->balance));
	json_object_object_add(o, "launch", json_object_new_double(st->launch));
	json_object_object_add(o, "surplus", json_object_new_double(st->surplus));
	json_object_object_add(o, "charged", json_object_new_double(st->charged));
	json_object_object_add(o, "throttle_s", json_object_new_double(st->throttle_s));
	json_object_object_add(o, "configured_start", json_object_new_double(st->configured_start));
	json_object_object_add(o, "busy_s", json_object_new_double(st->last.busy_s));
	json_object_object_add(o, "idle_s", json_object_new_double(st->last.idle_s));
	json_object_object_add(o, "steal_s", json_object_new_double(st->last.steal_s));
	json_object_object_add(o, "updated_ms", json_object_new_int64(st->updated_wall_ms));
	text = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	ret = state_path(paths, path, sizeof(path));
	if (!ret)
		ret = util_write_atomic(path, text, strlen(text), 0644);
	json_object_put(o);
	return ret;
}

/* A finite, non-negative number member, or -1 when absent or bad. */
static double get_num(struct json_object *o, const char *key)
{
	struct json_object *v;
	double d;

	if (!json_object_object_get_ex(o, key, &v) ||
	    !(json_object_is_type(v, json_type_double) || json_object_is_type(v, json_type_int)))
		return -1;
	d = json_object_get_double(v);
	return isfinite(d) && d >= 0 ? d : -1;
}

/* Fills st from the file; -ENOENT when absent, for another instance, or bad. */
static int read_saved(const struct pa_paths *paths, struct credit_state *st,
		      const struct credit_spec *spec, const char *instance_id)
{
	char path[PATH_MAX], mode[16], why[512], *text = NULL;
	struct json_object *o;
	ssize_t len;
	int ret = -ENOENT;

	if (state_path(paths, path, sizeof(path)))
		return -ENOENT;
	len = trust_read_file(path, 64 * 1024, &text, why, sizeof(why));
	if (len == -EPERM)
		log_warn("CPU credits: saved estimate ignored: %s", why);
	if (len < 0)
		return -ENOENT;
	o = json_tokener_parse(text);
	free(text);
	memset(st, 0, sizeof(*st));
	if (!o || json_get_clean_string(o, "instance_type", st->instance_type,
					 sizeof(st->instance_type)) ||
	    json_get_clean_string(o, "instance_id", st->instance_id, sizeof(st->instance_id)) ||
	    json_get_clean_string(o, "boot_id", st->boot_id, sizeof(st->boot_id)) ||
	    json_get_clean_string(o, "mode", mode, sizeof(mode)))
		goto out;
	if (strcmp(st->instance_type, spec->type) || strcmp(st->instance_id, instance_id))
		goto out;
	st->mode = strcmp(mode, "standard") == 0 ? CREDIT_MODE_STANDARD : CREDIT_MODE_UNLIMITED;
	st->balance = get_num(o, "balance");
	st->launch = get_num(o, "launch");
	st->surplus = get_num(o, "surplus");
	st->charged = get_num(o, "charged");
	st->throttle_s = get_num(o, "throttle_s");
	/* get_num() gives -1 for a negative value, which means "none" here too. */
	st->configured_start = get_num(o, "configured_start");
	st->last.busy_s = get_num(o, "busy_s");
	st->last.idle_s = get_num(o, "idle_s");
	st->last.steal_s = get_num(o, "steal_s");
	st->updated_wall_ms = (uint64_t)(get_num(o, "updated_ms"));
	if (st->balance < 0 || st->launch < 0 || st->surplus < 0 || st->charged < 0 ||
	    st->throttle_s < 0 || st->last.busy_s < 0 || st->last.idle_s < 0 ||
	    st->last.steal_s < 0 || st->balance > spec->max_accrued)
		goto out;
	ret = 0;
out:
	json_object_put(o);
	return ret;
}

/*
 * A new boot: a reboot keeps every credit (the instance kept running and
 * earning); a stop/start loses T2 credits (launch credits are granted
 * again), keeps T3/T3a/T4g credits for 7 days, and charges any surplus.
 * From inside, the two look alike: a short downtime is taken as a reboot.
 */
static void carry_over_boot(struct credit_state *st, const struct credit_spec *spec,
			    const struct credit_boot *boot)
{
	double down_s = boot->boot_wall_ms > st->updated_wall_ms ?
			(boot->boot_wall_ms - st->updated_wall_ms) / 1000.0 : 0;
	bool reboot = down_s <= CREDITS_T2_REBOOT_MAX_S;

	if (reboot) {
		st->balance = clamp(st->balance + spec->earn_per_hour * down_s / 3600.0, 0,
				    spec->max_accrued);
		snprintf(st->note, sizeof(st->note), "kept across a reboot (%.0f s down)", down_s);
	} else if (is_t2(spec) || down_s > CREDITS_KEEP_AFTER_STOP_S) {
		st->balance = 0;
		st->launch = st->mode == CREDIT_MODE_STANDARD ? spec->launch_credits : 0;
		snprintf(st->note, sizeof(st->note), "reset: %.0f s down counts as a stop, and %s",
			 down_s, is_t2(spec) ? "T2 credits do not survive a stop" :
			 "credits last 7 days after a stop");
	} else {
		snprintf(st->note, sizeof(st->note), "kept across a stop/start (%.0f s down)",
			 down_s);
	}
	if (!reboot) {
		st->charged += st->surplus;
		st->surplus = 0;
	}
	st->throttle_s = 0;
	snprintf(st->boot_id, sizeof(st->boot_id), "%s", boot->boot_id);
	/* /proc/stat restarted from zero at boot. */
	memset(&st->last, 0, sizeof(st->last));
	st->updated_wall_ms = boot->boot_wall_ms;
}

int credits_load(const struct pa_paths *paths, struct credit_state *st,
		 const struct credit_spec *spec, const struct credit_boot *boot)
{
	struct credit_state saved;
	struct credit_step step;
	double gap_s;

	if (read_saved(paths, &saved, spec, boot->instance_id))
		return -ENOENT;
	if (strcmp(saved.boot_id, boot->boot_id) != 0)
		carry_over_boot(&saved, spec, boot);
	else
		snprintf(saved.note, sizeof(saved.note), "kept across a daemon restart");
	/* The CPU time between the save (or boot) and now is known exactly. */
	gap_s = boot->wall_ms > saved.updated_wall_ms ?
		(boot->wall_ms - saved.updated_wall_ms) / 1000.0 : 0;
	credits_advance(&saved, spec, &boot->now, gap_s, &step);
	saved.updated_wall_ms = boot->wall_ms;
	saved.restored = true;
	*st = saved;
	return 0;
}
