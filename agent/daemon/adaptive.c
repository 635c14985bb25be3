// SPDX-License-Identifier: GPL-2.0-only
/* The daemon's side of the adaptive rules (adaptive.h). */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/array.h"
#include "core/jsonutil.h"
#include "core/log.h"
#include "core/util.h"
#include "daemon/adaptive.h"
#include "net/ethtool.h"
#include "tune/knob.h"
#include "tune/tune.h"


static void free_rules(struct adaptive_rule *rules, size_t n)
{
	for (size_t i = 0; i < n; i++)
		free(rules[i].ifs);
	free(rules);
}

void adaptive_free(struct adaptive *a)
{
	free_rules(a->rules, a->n);
	a->rules = NULL;
	a->n = 0;
}

static struct adaptive_rule *find_rule(struct adaptive *a, const char *name)
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
		struct adaptive_rule *old = find_rule(a, tuning->rules[i].name);
		char err[200];

		r->rule = tuning->rules[i];
		/* Same definition: the state goes on (a cooldown survives a reload). */
		if (old && !memcmp(&old->rule, &r->rule, sizeof(r->rule))) {
			r->state = old->state;
			r->ifs = old->ifs;      /* the interfaces' states move over */
			r->n_ifs = old->n_ifs;
			r->cap_ifs = old->cap_ifs;
			old->ifs = NULL;
			old->n_ifs = old->cap_ifs = 0;
		} else {
			adapt_state_init(&r->state);
		}
		if (r->rule.conflict[0]) {
			snprintf(r->off_why, sizeof(r->off_why), "%.250s", r->rule.conflict);
			log_warn("adaptive %s: %s", r->rule.name, r->off_why);
		} else if (adapt_bound(r->rule.floor, &tuning->facts, &r->floor, err,
				       sizeof(err)) ||
			   adapt_bound(r->rule.cap, &tuning->facts, &r->cap, err, sizeof(err))) {
			snprintf(r->off_why, sizeof(r->off_why), "bounds unknown here: %s", err);
		}
	}
	free_rules(a->rules, a->n);
	a->rules = next;
	a->n = n;
	a->synced_at = tuning->at_wall_ms;
}

/* A metric of e as a rule reads it: a count per interval becomes a rate per second. */
static bool metric_rate(const struct metric_set *set, const struct metric_entity *e,
			const char *name, double *out)
{
	for (size_t i = 0; i < e->n; i++) {
		const struct metric *m = &e->metrics[i];

		if (strcmp(m->name, name))
			continue;
		*out = m->value;
		if (m->unit == UNIT_COUNT && set->interval_s)
			*out /= set->interval_s;
		return true;
	}
	return false;
}

/* A metric of the interface ifname alone. */
static bool metric_of_if(const struct metric_set *set, const char *ifname, const char *name,
			 double *out)
{
	for (size_t i = 0; i < set->n; i++) {
		const struct metric_entity *e = &set->entities[i];

		if (e->kind == ENTITY_INTERFACE && !strcmp(e->name, ifname))
			return metric_rate(set, e, name, out);
	}
	return false;
}

/* A metric over the interval: summed over entities (rates), the largest for percentiles. */
static bool metric_total(const struct metric_set *set, const char *name, double *out)
{
	bool found = false, pct = strstr(name, "P99") || strstr(name, "P50");

	*out = 0;
	for (size_t i = 0; i < set->n; i++) {
		double v;

		if (!metric_rate(set, &set->entities[i], name, &v))
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
 * The [ethtool] selection of a ring rule: its interfaces and drivers, as a
 * section's (ena when it names none, as [ethtool] sections).
 */
static void ring_selection(const struct adapt_rule *r, const char *ifname,
			   struct profile_value *v)
{
	v->kind = KNOB_ETHTOOL;
	snprintf(v->section, sizeof(v->section), "ethtool");
	snprintf(v->key, sizeof(v->key), "rx_ring");
	snprintf(v->devices, sizeof(v->devices), "%s",
		 ifname ? ifname : r->interfaces[0] ? r->interfaces : "*");
	snprintf(v->drivers, sizeof(v->drivers), "%s", r->drivers[0] ? r->drivers : "ena");
}

/*
 * Writes value through the engine: a plan of this one value (the sysctl, or
 * the receive ring of ifname alone), applied. 0 when written (or already
 * there), else -1 with why (the plan's reason) and, for a skip, its kind.
 */
static int engine_write(const struct adaptive_env *env, const struct adapt_rule *r,
			const char *ifname, const char *value, enum tune_skip *skip, char *why,
			size_t size)
{
	struct profile one = { 0 };
	struct profile_value v = { .kind = KNOB_SYSCTL, .op = VALUE_EXACT };
	struct tune_plan plan;
	struct tuning_ctx t;
	const struct tune_item *it;
	int ret = -1;

	*skip = TUNE_SKIP_NONE;
	snprintf(one.name, sizeof(one.name), "%s", env->tuning->plan.profile);
	snprintf(v.section, sizeof(v.section), "sysctl");
	snprintf(v.key, sizeof(v.key), "%s", r->knob);
	if (ifname)
		ring_selection(r, ifname, &v);
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
	plan.partial = true;    /* the rest of the journal is the profile's */
	it = plan.n ? &plan.items[0] : NULL;
	if (!it)
		snprintf(why, size, "nothing to plan");
	else if (it->action == TUNE_KEEP)
		ret = 0;
	else if (it->action == TUNE_SKIP) {
		*skip = it->skip;
		snprintf(why, size, "%s", it->reason);
	}
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

/*
 * Once per daemon: the changes of this boot's last hour from adaptive.log,
 * so that a restarted daemon (a crash, the watchdog, an upgrade) goes on
 * counting the hourly limit where the last one stopped.
 */
static void read_history(struct adaptive *a, const struct adaptive_env *env, uint64_t now)
{
	uint64_t times[ADAPTIVE_MAX_PER_HOUR];
	size_t n;

	a->history_read = true;
	if (inventory_boot_id(env->paths, a->boot_id, sizeof(a->boot_id)))
		return;                 /* unknown: nothing logged can be matched to this boot */
	n = adaptive_log_recent(env->paths, a->boot_id, now > 3600 ? now - 3600 : 0, times,
				ADAPTIVE_MAX_PER_HOUR);
	for (size_t i = 0; i < n; i++)
		note_change(a, times[i]);
	if (n)
		log_info("adaptive: %zu change%s of the last hour in %s/%s count toward the "
			 "limit of %d an hour", n, n == 1 ? "" : "s", env->paths->state_dir,
			 ADAPTIVE_LOG, ADAPTIVE_MAX_PER_HOUR);
}

/* Appends one JSON line with the change and its evidence to STATE_DIR/adaptive.log. */
static void log_evidence(const struct adaptive *a, const struct adaptive_env *env,
			 const struct adaptive_rule *r, const struct adapt_state *s,
			 const char *ifname, const char *action, uint64_t now)
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
	/* For the hourly limit after a restart (read_history): this boot's clock. */
	if (a->boot_id[0])
		json_object_object_add(o, "boot_id", json_object_new_string(a->boot_id));
	json_object_object_add(o, "mono_s", json_object_new_int64((int64_t)now));
	json_object_object_add(o, "rule", json_object_new_string(r->rule.name));
	json_object_object_add(o, "knob", json_object_new_string(r->rule.knob));
	if (ifname)
		json_object_object_add(o, "interface", json_object_new_string(ifname));
	json_object_object_add(o, "action", json_object_new_string(action));
	json_object_object_add(o, "before", json_object_new_string(s->before));
	json_object_object_add(o, "after", json_object_new_string(
		!strcmp(action, "step") ? s->after : s->before));
	json_object_object_add(o, "why", json_object_new_string(s->why));
	/* Listen overflows name their listeners (sock_diag's drops by port). */
	if (!strncmp(r->rule.metric, "TcpListen", 9) && env->listen_drops && env->listen_drops[0])
		json_object_object_add(o, "ports", json_object_new_string(env->listen_drops));
	line = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
	fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0644);
	if (fd < 0 || dprintf(fd, "%s\n", line) < 0)
		log_warn("adaptive: cannot append to %s: %s", path, strerror(errno));
	if (fd >= 0)
		close(fd);
out:
	json_object_put(o);
}

/* A metric for a rule: of ifname alone where it is an interface's, else the host's. */
static bool rule_metric(const struct metric_set *set, const char *ifname, const char *name,
			double *out)
{
	if (ifname && adapt_metric_per_interface(name))
		return metric_of_if(set, ifname, name, out);
	return metric_total(set, name, out);
}

static void fill_input(const struct adaptive_rule *r, const struct metric_set *set,
		       const char *ifname, const char *current, uint64_t now, bool may,
		       struct adapt_input *in)
{
	memset(in, 0, sizeof(*in));
	in->now_s = now;
	in->have_trigger = rule_metric(set, ifname, r->rule.metric, &in->trigger);
	for (int g = 0; g < r->rule.n_guards; g++)
		in->have_guard[g] = rule_metric(set, ifname, r->rule.guards[g], &in->guard[g]);
	in->current = current;
	in->floor = r->floor;
	in->cap = r->cap;
	in->may_change = may;
}

/*
 * Carries out act for rule r in state s (of the interface ifname, or NULL):
 * writes (mode apply) or says what it would do.
 */
static void carry_out(struct adaptive *a, const struct adaptive_env *env,
		      struct adaptive_rule *r, struct adapt_state *s, const char *ifname,
		      const struct adapt_action *act, uint64_t now)
{
	bool step = act->verdict == ADAPT_STEP;
	char why[TUNE_REASON_MAX], text[ADAPT_WHY_MAX + 64];
	enum tune_skip skip;
	/* why begins with the interface already: "eth0: stepped from ..." */
	const char *what = s->why + (s->subject[0] ? strlen(s->subject) + 2 : 0);

	if (!env->apply) {
		snprintf(text, sizeof(text), "mode advise, nothing written: would have %.250s", what);
		adapt_refused(&r->rule, s, now, text);
		log_info("adaptive %s: %s", r->rule.name, s->why);
		return;
	}
	if (engine_write(env, &r->rule, ifname, act->value, &skip, why, sizeof(why))) {
		snprintf(text, sizeof(text), "%.60s %s to %.60s not made: %.170s", r->rule.knob,
			 step ? "step" : "take-back", act->value, why);
		adapt_refused(&r->rule, s, now, text);
		log_warn("adaptive %s: %s", r->rule.name, s->why);
		/* Not the rule's to change until a re-plan: off, said once. */
		if (!ifname && (skip == TUNE_SKIP_EXCLUDED || skip == TUNE_SKIP_SYSCTLD))
			snprintf(r->off_why, sizeof(r->off_why), "%.250s", text);
		return;
	}
	note_change(a, now);
	if (step)
		a->steps++;
	else
		a->taken_back++;
	log_info("adaptive %s: %s %s", r->rule.name, r->rule.knob, s->why);
	log_evidence(a, env, r, s, ifname, step ? "step" : "take_back", now);
}

/* ---- rules on an interface's receive ring ---- */

static int if_filter(const struct dirent *d)
{
	return d->d_name[0] != '.' && strcmp(d->d_name, "lo") && strlen(d->d_name) < IF_NAMESIZE;
}

static struct adaptive_if *if_get(struct adaptive_rule *r, const char *name)
{
	struct adaptive_if *x;

	for (size_t i = 0; i < r->n_ifs; i++)
		if (!strcmp(r->ifs[i].name, name))
			return &r->ifs[i];
	x = array_grow(r->ifs, &r->cap_ifs, r->n_ifs + 1, sizeof(*x), 4);
	if (!x)
		return NULL;
	r->ifs = x;
	x = &r->ifs[r->n_ifs++];
	memset(x, 0, sizeof(*x));
	snprintf(x->name, sizeof(x->name), "%.*s", IF_NAMESIZE - 1, name);
	adapt_state_init(&x->state);
	snprintf(x->state.subject, sizeof(x->state.subject), "%s", x->name);
	snprintf(x->state.why, sizeof(x->state.why), "%s: quiet", x->name);
	return x;
}

static void forget_unseen(struct adaptive_rule *r)
{
	size_t k = 0;

	for (size_t i = 0; i < r->n_ifs; i++)
		if (r->ifs[i].seen)
			r->ifs[k++] = r->ifs[i];
	r->n_ifs = k;
}

/*
 * The most entries the ring of ifname may get: the rule's cap, the device's
 * maximum, and the ring memory budget of the profile's rx_ring that covers
 * ifname (the planner's cut). 0 with *cap, what sets it in why; or -1 with
 * why the ring is not stepped.
 */
static int ring_cap(const struct adaptive_env *env, const struct adaptive_rule *r,
		    const char *ifname, const struct ethtool_rings *rings, uint64_t *cap,
		    char *why, size_t size)
{
	const struct profile_value *pv = NULL;
	char human[FORMULA_HUMAN_MAX];
	unsigned int queues;
	uint32_t budget;
	long page;

	for (size_t i = 0; i < env->tuning->n_rings && !pv; i++)
		if (env->tuning->rings[i].ring_budget &&
		    knob_ethtool_covers(env->paths, &env->tuning->rings[i], ifname))
			pv = &env->tuning->rings[i];
	if (!pv) {
		snprintf(why, size, "%s: not stepped: no [ethtool] rx_ring_budget of the profile "
			 "covers it, and a ring grows only within a memory budget", ifname);
		return -1;
	}
	budget = knob_ring_budget_entries(env->paths, pv, &queues, &page);
	if (!budget) {
		snprintf(why, size, "%s: not stepped: no receive queues in sysfs to work the ring "
			 "memory budget out with", ifname);
		return -1;
	}
	*cap = r->cap;
	snprintf(why, size, "the rule's cap");
	if (rings->rx_max && rings->rx_max < *cap) {
		*cap = rings->rx_max;
		snprintf(why, size, "the device's maximum (ethtool -g)");
	}
	if (budget < *cap) {
		*cap = budget;
		formula_human_bytes(pv->ring_budget, human, sizeof(human));
		snprintf(why, size, "the ring memory budget of %s (%u receive queues of %ld-byte "
			 "pages, %.60s)", human, queues, page, pv->origin);
	}
	return 0;
}

/* One interval of a ring rule on one interface. */
static void ring_if_interval(struct adaptive *a, const struct adaptive_env *env,
			     struct adaptive_rule *r, struct adaptive_if *x,
			     const struct metric_set *set, uint64_t now)
{
	struct ethtool_rings rings;
	struct adapt_action act;
	struct adapt_input in;
	char current[16], cap_why[192];
	uint64_t cap;

	x->off = true;
	if (strpbrk(x->name, "*?[],")) {
		snprintf(x->state.why, sizeof(x->state.why), "%s: not stepped: its name reads as a "
			 "glob", x->name);
		return;
	}
	if (!ethtool_io_usable(env->paths) || ethtool_io()->get_rings(x->name, &rings)) {
		snprintf(x->state.why, sizeof(x->state.why), "%s: its rx ring cannot be read here "
			 "(ethtool -g)", x->name);
		return;
	}
	if (ring_cap(env, r, x->name, &rings, &cap, cap_why, sizeof(cap_why))) {
		snprintf(x->state.why, sizeof(x->state.why), "%s", cap_why);
		return;
	}
	x->off = false;
	snprintf(current, sizeof(current), "%u", rings.rx);
	fill_input(r, set, x->name, current, now, may_change(a, now), &in);
	in.cap = cap;
	in.cap_why = cap_why;
	adapt_decide(&r->rule, &x->state, &in, &act);
	if (act.verdict != ADAPT_NONE)
		carry_out(a, env, r, &x->state, x->name, &act, now);
}

/* One interval of a ring rule: each interface it covers, on its own. */
static void ring_rule_interval(struct adaptive *a, const struct adaptive_env *env,
			       struct adaptive_rule *r, const struct metric_set *set,
			       uint64_t now)
{
	struct profile_value sel = { 0 };
	struct dirent **list;
	int n = knob_scan_dir(env->paths, "/sys/class/net", &list, if_filter);

	ring_selection(&r->rule, NULL, &sel);
	for (size_t i = 0; i < r->n_ifs; i++)
		r->ifs[i].seen = false;
	for (int i = 0; i < n; i++) {
		struct adaptive_if *x;

		if (!knob_ethtool_covers(env->paths, &sel, list[i]->d_name))
			continue;
		x = if_get(r, list[i]->d_name);
		if (!x) {
			log_error("adaptive %s: out of memory", r->rule.name);
			break;
		}
		x->seen = true;
		ring_if_interval(a, env, r, x, set, now);
	}
	knob_free_scan(list, n);
	forget_unseen(r);
	snprintf(r->idle, sizeof(r->idle), "no interface matches interfaces = %.60s, drivers = "
		 "%.60s", sel.devices, sel.drivers);
}

void adaptive_interval(struct adaptive *a, const struct adaptive_env *env,
		       const struct metric_set *set)
{
	uint64_t now = util_now_mono_ms() / 1000;

	if (!a->history_read)
		read_history(a, env, now);
	if (a->synced_at != env->tuning->at_wall_ms)
		adaptive_sync(a, env->tuning);
	for (size_t i = 0; i < a->n; i++) {
		struct adaptive_rule *r = &a->rules[i];
		char current[ADAPT_VALUE_MAX];
		struct adapt_action act;
		struct adapt_input in;

		if (r->off_why[0])
			continue;
		if (r->rule.target == ADAPT_TARGET_RX_RING) {
			ring_rule_interval(a, env, r, set, now);
			continue;
		}
		if (read_sysctl(env->paths, r->rule.knob, current, sizeof(current))) {
			snprintf(r->state.why, sizeof(r->state.why), "%s cannot be read here",
				 r->rule.knob);
			continue;
		}
		fill_input(r, set, NULL, current, now, may_change(a, now), &in);
		adapt_decide(&r->rule, &r->state, &in, &act);
		if (act.verdict != ADAPT_NONE)
			carry_out(a, env, r, &r->state, NULL, &act, now);
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

/* One entry of status: rule r in state s (of the interface ifname, or NULL). */
static struct json_object *rule_json(const struct adaptive_rule *r, const struct adapt_state *s,
				     const char *ifname, bool off, const char *why)
{
	struct json_object *o = json_object_new_object();
	char text[512];

	adapt_rule_text(&r->rule, text, sizeof(text));
	json_object_object_add(o, "name", json_object_new_string(r->rule.name));
	json_object_object_add(o, "rule", json_object_new_string(text));
	json_object_object_add(o, "origin", json_object_new_string(r->rule.origin));
	if (ifname)
		json_object_object_add(o, "interface", json_object_new_string(ifname));
	json_object_object_add(o, "state", json_object_new_string(
		r->off_why[0] || off ? "off" : adapt_phase_name(s->phase)));
	json_object_object_add(o, "why", json_object_new_string(
		r->off_why[0] ? r->off_why : why ? why : s->why));
	json_object_object_add(o, "steps", json_object_new_int((int)s->steps));
	json_object_object_add(o, "taken_back", json_object_new_int((int)s->taken_back));
	return o;
}

struct json_object *adaptive_json(const struct adaptive *a)
{
	struct json_object *arr = json_object_new_array();

	for (size_t i = 0; i < a->n; i++) {
		const struct adaptive_rule *r = &a->rules[i];

		if (r->rule.target != ADAPT_TARGET_RX_RING || r->off_why[0]) {
			json_object_array_add(arr, rule_json(r, &r->state, NULL, false, NULL));
			continue;
		}
		/* A ring rule: one entry per interface, or one saying it has none. */
		for (size_t k = 0; k < r->n_ifs; k++)
			json_object_array_add(arr, rule_json(r, &r->ifs[k].state, r->ifs[k].name,
							     r->ifs[k].off, NULL));
		if (!r->n_ifs)
			json_object_array_add(arr, rule_json(r, &r->state, NULL, false,
							     r->idle[0] ? r->idle : NULL));
	}
	return arr;
}
