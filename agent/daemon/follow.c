// SPDX-License-Identifier: GPL-2.0-only
/* Tuning that follows the host: hot-plug bursts and moved interrupts (follow.h). */
#include <stdio.h>
#include <string.h>

#include "core/jsonutil.h"
#include "core/log.h"
#include "core/util.h"
#include "daemon/follow.h"
#include "identity/inventory.h"
#include "tune/tune.h"

static const char *what_words(enum hotplug_what w, enum hotplug_dev dev)
{
	switch (w) {
	case HOTPLUG_ADDED:
		return dev == HOTPLUG_NET ? "added" : "added or changed";
	case HOTPLUG_REMOVED:
		return "removed";
	case HOTPLUG_RENAMED:
		return "renamed";
	case HOTPLUG_UP_AGAIN:
		return "up again";
	}
	return "changed";
}

/* "veth3 added, eth1 renamed ens6, and more" */
static void describe(const struct hotplug_burst *b, char *buf, size_t size)
{
	size_t off = 0;

	buf[0] = '\0';
	for (int i = 0; i < b->n && off < size; i++) {
		const struct hotplug_event *ev = &b->ev[i];

		if (ev->what == HOTPLUG_RENAMED)
			off += (size_t)snprintf(buf + off, size - off, "%s%s renamed %s",
						off ? ", " : "", ev->old, ev->name);
		else
			off += (size_t)snprintf(buf + off, size - off, "%s%s %s", off ? ", " : "",
						ev->name, what_words(ev->what, ev->dev));
	}
	if (b->overflow && off < size)
		snprintf(buf + off, size - off, "%s", off ? ", and more" :
			 "more changes than could be listed");
}

/* A device gone or renamed: its journal entries go or follow (mode apply only). */
static void follow_journal(const struct follow_env *env, const struct hotplug_event *ev)
{
	const char *kind = ev->dev == HOTPLUG_NET ? "ethtool" : "block";
	bool renamed = ev->what == HOTPLUG_RENAMED;
	const char *name = renamed ? ev->old : ev->name;
	struct tuning_ctx t;
	char err[TUNE_MSG_MAX];
	int ret;

	if (!env->apply)
		return;     /* advise writes nothing, the journal included */
	tuning_ctx_init(&t, env->paths, env->opts);
	ret = tune_journal_follow(&t.ctx, kind, name, renamed ? ev->name : NULL, err,
				  sizeof(err));
	if (ret < 0)
		log_warn("%s %s: the tuning journal was not updated: %s", name,
			 what_words(ev->what, ev->dev), err);
	else if (ret > 0 && renamed)
		log_info("%s renamed %s: its %d journal entr%s follow it", name, ev->name, ret,
			 ret == 1 ? "y" : "ies");
	else if (ret > 0)
		log_info("%s removed: its %d journal entr%s dropped, nothing left to restore", name,
			 ret, ret == 1 ? "y" : "ies");
}

/* Plans (and in mode apply applies) the profile again; why says what changed. */
static void replan(struct follow *f, const struct follow_env *env,
		   const char *const *reset_devices, const char *why)
{
	const struct tune_counts *c = &env->tuning->plan.counts;
	char counts[256];
	bool acted;

	f->replans++;
	f->last_wall_ms = util_now_wall_ms();
	snprintf(f->last_events, sizeof(f->last_events), "%s", why);
	if (!tuning_rerun(env->tuning, env->paths, env->opts, env->id, env->apply,
			  reset_devices)) {
		snprintf(f->last_done, sizeof(f->last_done), "planning failed: %.230s",
			 env->tuning->error);
		return;
	}
	tune_format_counts(c, counts, sizeof(counts));
	snprintf(f->last_done, sizeof(f->last_done), "planned again%s: %s",
		 env->apply ? "" : " (advise only, nothing written)", counts);
	/* One line when something was or would be written; routine churn (a pod's veth
	 * the profile has no settings for) only at debug level. */
	acted = c->applied || c->failed || c->set;
	log_msg(acted ? LOG_LVL_INFO : LOG_LVL_DEBUG, "host changed (%s): %s", why, f->last_done);
}

/* Whether the plan has knobs on interface ifname (set, kept or overridden). */
static bool plan_tunes(const struct tune_plan *plan, const char *ifname)
{
	char dev[KNOB_ID_MAX];

	for (size_t i = 0; i < plan->n; i++)
		if (plan->items[i].knob.path[0] &&
		    knob_id_device(plan->items[i].knob.id, "ethtool", dev, sizeof(dev)) &&
		    !strcmp(dev, ifname))
			return true;
	return false;
}

void follow_burst(struct follow *f, const struct follow_env *env,
		  const struct hotplug_burst *burst)
{
	const char *reset[HOTPLUG_MAX_EVENTS + 1];
	char why[sizeof(f->last_events)];
	int n = 0;

	for (int i = 0; i < burst->n; i++) {
		const struct hotplug_event *ev = &burst->ev[i];
		struct hotplug_event gone = *ev;

		if (ev->what == HOTPLUG_REMOVED || ev->what == HOTPLUG_RENAMED)
			follow_journal(env, ev);
		if (ev->dev == HOTPLUG_BLOCK && ev->what == HOTPLUG_ADDED &&
		    knob_block_without_media(env->paths, ev->name)) {
			gone.what = HOTPLUG_REMOVED;
			follow_journal(env, &gone);
		}
		if (ev->what == HOTPLUG_UP_AGAIN && ev->dev == HOTPLUG_NET)
			reset[n++] = ev->name;
	}
	reset[n] = NULL;
	describe(burst, why, sizeof(why));
	/* New interfaces and disks change the machine's facts (queues, ring budgets). */
	inventory_read(env->paths, &env->id->inv);
	replan(f, env, n ? reset : NULL, why);
	/* A reset counts, and is logged once, on an interface the profile tunes. */
	for (int i = 0; i < n; i++) {
		if (!plan_tunes(&env->tuning->plan, reset[i]))
			continue;
		f->resets++;
		log_info("%s: carrier back (a device reset, or down and up): its settings were "
			 "checked and what the driver restored was set again", reset[i]);
	}
}

void follow_interval(struct follow *f, const struct follow_env *env)
{
	char now[TUNING_IRQ_CPUS_MAX], why[sizeof(f->last_events)];

	if (!env->tuning->ran || env->tuning->error[0])
		return;
	tuning_irq_cpus(&env->tuning->plan, env->paths, now, sizeof(now));
	if (!strcmp(now, env->tuning->irq_cpus))
		return;
	f->irq_moves++;
	snprintf(why, sizeof(why), "interrupt CPUs moved: %.100s -> %.100s",
		 env->tuning->irq_cpus[0] ? env->tuning->irq_cpus : "none", now[0] ? now : "none");
	replan(f, env, NULL, why);
}

void follow_add_metrics(struct follow *f, struct metric_entity *inst)
{
	metric_add(inst, "DeviceResets", UNIT_COUNT, (double)(f->resets - f->resets_reported));
	metric_add(inst, "TuningReplans", UNIT_COUNT, (double)(f->replans - f->replans_reported));
	f->resets_reported = f->resets;
	f->replans_reported = f->replans;
}

static struct json_object *u64_json(uint64_t v)
{
	return json_object_new_int64((int64_t)v);
}

struct json_object *follow_json(const struct follow *f, const struct hotplug *h,
				const char *watch_error)
{
	struct json_object *o = json_object_new_object();
	struct json_object *last = NULL;

	json_object_object_add(o, "watching", h ? json_object_new_string(hotplug_watching(h)) :
			       NULL);
	json_object_object_add(o, "error", json_str_or_null(watch_error));
	if (f->last_wall_ms) {
		last = json_object_new_object();
		json_object_object_add(last, "at", json_time_or_null(f->last_wall_ms));
		json_object_object_add(last, "events", json_object_new_string(f->last_events));
		json_object_object_add(last, "done", json_object_new_string(f->last_done));
	}
	json_object_object_add(o, "last", last);
	json_object_object_add(o, "replans", u64_json(f->replans));
	json_object_object_add(o, "resets", u64_json(f->resets));
	json_object_object_add(o, "irq_moves", u64_json(f->irq_moves));
	if (h) {
		const struct hotplug_stats *s = hotplug_stats(h);

		json_object_object_add(o, "events", u64_json(s->events));
		json_object_object_add(o, "bursts", u64_json(s->bursts));
		json_object_object_add(o, "ignored", u64_json(s->ignored));
		json_object_object_add(o, "malformed", u64_json(s->malformed));
		json_object_object_add(o, "lost", u64_json(s->lost));
	}
	return o;
}
