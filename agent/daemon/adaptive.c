// SPDX-License-Identifier: GPL-2.0-only
/* The daemon's side of the adaptive rules (adaptive.h). */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/jsonutil.h"
#include "core/log.h"
#include "core/util.h"
#include "daemon/adaptive.h"
#include "tune/knob.h"
#include "tune/tune.h"

#define ADAPTIVE_LOG_MAX (1024 * 1024)

void adaptive_free(struct adaptive *a)
{
	free(a->rules);
	a->rules = NULL;
	a->n = 0;
}

static const struct adaptive_rule *find_rule(const struct adaptive *a, const char *name)
{
	for (size_t i = 0; i < a->n; i++)
		if (!strcmp(a->rules[i].rule.name, name))
			return &a->rules[i];
	return NULL;
}

static void adaptive_sync(struct adaptive *a, const struct tuning_state *tuning)
{
	struct adaptive_rule *next = NULL;
	size_t n = tuning->ran && !tuning->error[0] ? tuning->n_rules : 0;

	if (n && !(next = calloc(n, sizeof(*next)))) {
		log_error("adaptive rules: out of memory; none runs");
		n = 0;
	}
	for (size_t i = 0; i < n; i++) {
		struct adaptive_rule *r = &next[i];
		const struct adaptive_rule *old = find_rule(a, tuning->rules[i].name);
		char err[200];

		r->rule = tuning->rules[i];
		/* Same definition: the state goes on (a cooldown survives a reload). */
		if (old && !memcmp(&old->rule, &r->rule, sizeof(r->rule)))
			r->state = old->state;
		else
			adapt_state_init(&r->state);
		if (adapt_bound(r->rule.floor, &tuning->facts, &r->floor, err, sizeof(err)) ||
		    adapt_bound(r->rule.cap, &tuning->facts, &r->cap, err, sizeof(err)))
			snprintf(r->bound_error, sizeof(r->bound_error), "bounds unknown here: %s",
				 err);
	}
	free(a->rules);
	a->rules = next;
	a->n = n;
	a->synced_at = tuning->at_wall_ms;
}

/* A metric over the interval: summed over entities (rates), the largest for percentiles. */
static bool metric_total(const struct metric_set *set, const char *name, double *out)
{
	bool found = false, pct = strstr(name, "P99") || strstr(name, "P50");

	*out = 0;
	for (size_t i = 0; i < set->n; i++) {
		double v;

		if (!metric_find(&set->entities[i], name, &v))
			continue;
		*out = !found ? v : pct ? (v > *out ? v : *out) : *out + v;
		found = true;
	}
	return found;
}

static int read_sysctl(const struct pa_paths *paths, const char *key, char *buf, size_t size)
{
	struct knob k = { .kind = KNOB_SYSCTL };
	struct knob_value v;
	int ret;

	if (snprintf(k.id, sizeof(k.id), "sysctl:%s", key) >= (int)sizeof(k.id) ||
	    knob_sysctl_path(key, k.path, sizeof(k.path)))
		return -EINVAL;
	ret = knob_read(paths, &k, &v);
	if (!ret && strlen(v.norm) >= size)
		ret = -E2BIG;   /* longer than any value a rule steps */
	if (!ret)
		memcpy(buf, v.norm, strlen(v.norm) + 1);
	knob_value_free(&v);
	return ret;
}

/*
 * Writes value through the engine: a plan of this one value, applied.
 * 0 when written (or already there), else -1 with why (the plan's reason).
 */
static int engine_write(const struct adaptive_env *env, const struct adapt_rule *r,
			const char *value, char *why, size_t size)
{
	struct profile one = { 0 };
	struct profile_value v = { .kind = KNOB_SYSCTL, .op = VALUE_EXACT };
	struct tune_plan plan;
	struct tuning_ctx t;
	const struct tune_item *it;
	int ret = -1;

	snprintf(one.name, sizeof(one.name), "%s", env->tuning->plan.profile);
	snprintf(v.section, sizeof(v.section), "sysctl");
	snprintf(v.key, sizeof(v.key), "%s", r->knob);
	snprintf(v.value, sizeof(v.value), "%s", value);
	snprintf(v.origin, sizeof(v.origin), "%s", r->origin);
	snprintf(v.layer, sizeof(v.layer), "adapt.%.50s", r->name);
	one.values = &v;
	one.n_values = 1;
	tuning_ctx_init(&t, env->paths, env->opts);
	if (tune_plan(&t.ctx, &one, &plan)) {
		snprintf(why, size, "%.300s", plan.error);
		return -1;
	}
	it = plan.n ? &plan.items[0] : NULL;
	if (!it)
		snprintf(why, size, "nothing to plan");
	else if (it->action == TUNE_KEEP)
		ret = 0;
	else if (it->action == TUNE_SKIP)
		snprintf(why, size, "%s", it->reason);
	else if (tune_apply(&t.ctx, &plan))
		snprintf(why, size, "%.300s", plan.error);
	else if (it->result != TUNE_RES_APPLIED)
		snprintf(why, size, "%s", it->error);
	else
		ret = 0;
	tune_plan_free(&plan);
	return ret;
}

static bool may_change(const struct adaptive *a, uint64_t now)
{
	/* The oldest of the last ADAPTIVE_MAX_PER_HOUR changes is over an hour old. */
	uint64_t oldest = a->changes_at[a->next_change];

	return !oldest || now >= oldest + 3600;
}

static void note_change(struct adaptive *a, uint64_t now)
{
	a->changes_at[a->next_change] = now ? now : 1;
	a->next_change = (a->next_change + 1) % ADAPTIVE_MAX_PER_HOUR;
}

/* Appends one JSON line with the change and its evidence to STATE_DIR/adaptive.log. */
static void log_evidence(const struct adaptive_env *env, const struct adaptive_rule *r,
			 const char *action)
{
	char path[PATH_MAX], old[PATH_MAX + 2];
	struct json_object *o = json_object_new_object();
	const char *line;
	struct stat st;
	int fd;

	if (util_join(path, sizeof(path), "%s/%s", env->paths->state_dir, ADAPTIVE_LOG))
		goto out;
	if (!stat(path, &st) && st.st_size > ADAPTIVE_LOG_MAX &&
	    !util_join(old, sizeof(old), "%s.1", path))
		rename(path, old);
	json_object_object_add(o, "at", json_time_or_null(util_now_wall_ms()));
	json_object_object_add(o, "rule", json_object_new_string(r->rule.name));
	json_object_object_add(o, "knob", json_object_new_string(r->rule.knob));
	json_object_object_add(o, "action", json_object_new_string(action));
	json_object_object_add(o, "before", json_object_new_string(r->state.before));
	json_object_object_add(o, "after", json_object_new_string(
		!strcmp(action, "step") ? r->state.after : r->state.before));
	json_object_object_add(o, "why", json_object_new_string(r->state.why));
	line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || dprintf(fd, "%s\n", line) < 0)
		log_warn("adaptive: cannot append to %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
out:
	json_object_put(o);
}

static void fill_input(const struct adaptive_rule *r, const struct metric_set *set,
		       const char *current, uint64_t now, bool may, struct adapt_input *in)
{
	memset(in, 0, sizeof(*in));
	in->now_s = now;
	in->have_trigger = metric_total(set, r->rule.metric, &in->trigger);
	for (int g = 0; g < r->rule.n_guards; g++)
		in->have_guard[g] = metric_total(set, r->rule.guards[g], &in->guard[g]);
	in->current = current;
	in->floor = r->floor;
	in->cap = r->cap;
	in->may_change = may;
}

/* Carries out act for rule r: writes (mode apply) or says what it would do. */
static void carry_out(struct adaptive *a, const struct adaptive_env *env,
		      struct adaptive_rule *r, const struct adapt_action *act, uint64_t now)
{
	bool step = act->verdict == ADAPT_STEP;
	char why[TUNE_REASON_MAX], text[ADAPT_WHY_MAX + 64];

	if (!env->apply) {
		snprintf(text, sizeof(text), "mode advise, nothing written: would have %.250s",
			 r->state.why);
		adapt_refused(&r->rule, &r->state, now, text);
		log_info("adaptive %s: %s", r->rule.name, r->state.why);
		return;
	}
	if (engine_write(env, &r->rule, act->value, why, sizeof(why))) {
		snprintf(text, sizeof(text), "%.60s %s to %.60s not made: %.170s", r->rule.knob,
			 step ? "step" : "take-back", act->value, why);
		adapt_refused(&r->rule, &r->state, now, text);
		log_warn("adaptive %s: %s", r->rule.name, r->state.why);
		return;
	}
	note_change(a, now);
	if (step)
		a->steps++;
	else
		a->taken_back++;
	log_info("adaptive %s: %s %s", r->rule.name, r->rule.knob, r->state.why);
	log_evidence(env, r, step ? "step" : "take_back");
}

void adaptive_interval(struct adaptive *a, const struct adaptive_env *env,
		       const struct metric_set *set)
{
	uint64_t now = util_now_mono_ms() / 1000;

	if (a->synced_at != env->tuning->at_wall_ms)
		adaptive_sync(a, env->tuning);
	for (size_t i = 0; i < a->n; i++) {
		struct adaptive_rule *r = &a->rules[i];
		char current[ADAPT_VALUE_MAX];
		struct adapt_action act;
		struct adapt_input in;

		if (r->bound_error[0])
			continue;
		if (read_sysctl(env->paths, r->rule.knob, current, sizeof(current))) {
			snprintf(r->state.why, sizeof(r->state.why), "%s cannot be read here",
				 r->rule.knob);
			continue;
		}
		fill_input(r, set, current, now, may_change(a, now), &in);
		adapt_decide(&r->rule, &r->state, &in, &act);
		if (act.verdict != ADAPT_NONE)
			carry_out(a, env, r, &act, now);
	}
}

void adaptive_add_metrics(struct adaptive *a, struct metric_entity *inst)
{
	if (!a->n)
		return;
	metric_add(inst, "AdaptiveSteps", UNIT_COUNT, (double)(a->steps - a->steps_reported));
	metric_add(inst, "AdaptiveTakeBacks", UNIT_COUNT,
		   (double)(a->taken_back - a->taken_back_reported));
	a->steps_reported = a->steps;
	a->taken_back_reported = a->taken_back;
}

struct json_object *adaptive_json(const struct adaptive *a)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < a->n; i++) {
		const struct adaptive_rule *r = &a->rules[i];
		struct json_object *o = json_object_new_object();
		char text[512];

		adapt_rule_text(&r->rule, text, sizeof(text));
		json_object_object_add(o, "name", json_object_new_string(r->rule.name));
		json_object_object_add(o, "rule", json_object_new_string(text));
		json_object_object_add(o, "origin", json_object_new_string(r->rule.origin));
		json_object_object_add(o, "state", json_object_new_string(
			r->bound_error[0] ? "off" : adapt_phase_name(r->state.phase)));
		json_object_object_add(o, "why", json_object_new_string(
			r->bound_error[0] ? r->bound_error : r->state.why));
		json_object_object_add(o, "steps", json_object_new_int((int)r->state.steps));
		json_object_object_add(o, "taken_back", json_object_new_int((int)r->state.taken_back));
		json_object_array_add(arr, o);
	}
	return arr;
}
