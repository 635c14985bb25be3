// SPDX-License-Identifier: GPL-2.0-only
/* From an identity to a tuned host: choose the profile, then plan and apply. */
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/jsonutil.h"
#include "core/log.h"
#include "net/ena.h"
#include "net/nic_cpus.h"
#include "tune/tuning.h"
#include "core/util.h"

void tuning_profile_dirs(const struct pa_paths *paths, struct profile_dirs *dirs)
{
	dirs->n = 0;
	dirs->dirs[dirs->n++] = paths->user_profile_dir;
	dirs->dirs[dirs->n++] = paths->profile_dir;
}

void tuning_ctx_init(struct tuning_ctx *t, const struct pa_paths *paths,
		     const struct tuning_opts *opts)
{
	memcpy(t->excludes, opts->excludes, sizeof(t->excludes));
	t->ctx = (struct tune_ctx){ .paths = paths, .exclude = t->excludes,
				    .pmqos = opts->pmqos };
}

/* The first profile directory holding match.conf: the user's can replace ours. */
static int find_match_file(const struct pa_paths *paths, char *buf, size_t size)
{
	struct profile_dirs dirs;

	tuning_profile_dirs(paths, &dirs);
	for (int i = 0; i < dirs.n; i++) {
		if (util_join(buf, size, "%s/%s", dirs.dirs[i], MATCH_FILE) == 0 &&
		    access(buf, R_OK) == 0)
			return 0;
	}
	return -ENOENT;
}

static int add_layer(struct tuning_choice *choice, const char *name, const char *why,
		     char *err, size_t errsz)
{
	for (int i = 0; i < choice->n_layers; i++)
		if (!strcmp(choice->layers[i], name))
			return 0;   /* the match rules added it already */
	if (choice->n_layers == PROFILE_MAX_LAYERS) {
		snprintf(err, errsz, "more than %d layers: %s cannot be added", PROFILE_MAX_LAYERS,
			 name);
		return -E2BIG;
	}
	snprintf(choice->layers[choice->n_layers], PROFILE_NAME_MAX, "%s", name);
	snprintf(choice->layer_why[choice->n_layers++], sizeof(choice->layer_why[0]), "%s", why);
	return 0;
}

static int add_overlays(struct tuning_choice *choice, const char *const *overlays, char *err,
			size_t errsz)
{
	int ret = 0;

	for (int i = 0; i < choice->match.n_overlays && !ret; i++)
		ret = add_layer(choice, choice->match.overlays[i].name,
				choice->match.overlays[i].reason, err, errsz);
	for (int i = 0; overlays && overlays[i] && !ret; i++)
		ret = add_layer(choice, overlays[i], "overlays = in the configuration", err, errsz);
	return ret;
}

/* -ENOENT, saying where match.conf was looked for and what to do. */
static int no_match_file(const struct pa_paths *paths, char *err, size_t errsz)
{
	snprintf(err, errsz, "no %s in %s or %s (%s); pass --profile-dir DIR or set "
		 "PERFAGENT_PROFILE_DIR=DIR to the shipped profiles (in a source tree: "
		 "--profile-dir tuning-profiles), set profile = NAME in the config, or "
		 "reinstall perfagent", MATCH_FILE, paths->user_profile_dir, paths->profile_dir,
		 paths->profile_dir_from ? paths->profile_dir_from : "the default");
	return -ENOENT;
}

static int choose_class(const struct pa_paths *paths, const char *forced, const struct itype *type,
			const struct match_host *host, struct tuning_choice *choice, char *err,
			size_t errsz)
{
	struct match_rules rules;
	struct lp_error lerr;
	int ret;

	if (forced && *forced) {
		snprintf(choice->profile, sizeof(choice->profile), "%s", forced);
		choice->forced = true;
		return 0;
	}
	if (find_match_file(paths, choice->match_file, sizeof(choice->match_file)))
		return no_match_file(paths, err, errsz);
	ret = match_load(choice->match_file, &rules, &lerr);
	if (ret) {
		lp_error_format(&lerr, err, errsz);
		return ret;
	}
	ret = match_find(&rules, type, host, &choice->match);
	match_free(&rules);
	if (ret) {
		snprintf(err, errsz, "%s", choice->match.reason);
		return ret;
	}
	snprintf(choice->profile, sizeof(choice->profile), "%s", choice->match.profile);
	choice->matched = true;
	return 0;
}

int tuning_choose(const struct pa_paths *paths, const char *forced,
		  const char *const *overlays, const struct itype *type,
		  const struct match_host *host, struct tuning_choice *choice, char *err,
		  size_t errsz)
{
	int ret;

	memset(choice, 0, sizeof(*choice));
	ret = choose_class(paths, forced, type, host, choice, err, errsz);
	if (!ret)
		ret = add_layer(choice, choice->profile, tuning_choice_reason(choice), err, errsz);
	if (!ret)
		ret = add_overlays(choice, overlays, err, errsz);
	return ret;
}

/* Loads layer name and checks that it is (or is not) an overlay. */
static int check_layer(const struct profile_dirs *dirs, const char *key, const char *name,
		       bool overlay, char *err, size_t errsz)
{
	struct profile p;
	struct lp_error lerr;
	int ret;

	ret = profile_load(dirs, name, &p, &lerr);
	if (ret) {
		lp_error_format(&lerr, err, errsz);
		return ret;
	}
	if (p.overlay != overlay) {
		snprintf(err, errsz, "%s = %s: %s is %s; it goes in %s =", key, name, name,
			 overlay ? "a class profile" : "an overlay", overlay ? "profile" : "overlays");
		ret = -EINVAL;
	}
	profile_free(&p);
	return ret;
}

int tuning_check_layers(const struct pa_paths *paths, const struct tuning_opts *opts, char *err,
			size_t errsz)
{
	char match_file[PATH_MAX];
	struct profile_dirs dirs;
	struct match_rules rules;
	struct lp_error lerr;
	int ret = 0;

	tuning_profile_dirs(paths, &dirs);
	if (opts->profile && *opts->profile) {
		ret = check_layer(&dirs, "profile", opts->profile, false, err, errsz);
	} else if (find_match_file(paths, match_file, sizeof(match_file))) {
		ret = no_match_file(paths, err, errsz);
	} else {
		ret = match_load(match_file, &rules, &lerr);
		if (ret)
			lp_error_format(&lerr, err, errsz);
		else
			match_free(&rules);
	}
	for (int i = 0; !ret && opts->overlays[i]; i++)
		ret = check_layer(&dirs, "overlays", opts->overlays[i], true, err, errsz);
	return ret;
}

/* The most receive queues of one ENA interface: what "*queues" counts. */
static unsigned int ena_queues(const struct pa_paths *paths, const struct inventory *inv)
{
	unsigned int best = 0;

	for (int i = 0; i < inv->n_nics; i++) {
		unsigned int n;

		if (strcmp(inv->nics[i].driver, "ena"))
			continue;
		n = knob_rx_queues(paths, inv->nics[i].name);
		best = n > best ? n : best;
	}
	return best;
}

void tuning_host_facts(const struct pa_paths *paths, const struct identity *id,
		       struct machine_facts *facts)
{
	long page;

	memset(facts, 0, sizeof(*facts));
	facts->mem_bytes = id->inv.mem_bytes;
	facts->vcpus = id->inv.vcpus > 0 ? (unsigned int)id->inv.vcpus : 0;
	facts->queues = ena_queues(paths, &id->inv);
	for (int i = 0; i < id->inv.n_nics; i++)
		facts->interfaces += !strcmp(id->inv.nics[i].driver, "ena");
	/* The running kernel's (tcp_mem counts its pages), a fake tree or not. */
	page = sysconf(_SC_PAGESIZE);
	facts->page_size = page > 0 ? (unsigned int)page : 0;
}

void tuning_host_match(const struct pa_paths *paths, const struct identity *id,
		       struct match_host *host)
{
	size_t off = 0;

	memset(host, 0, sizeof(*host));
	for (int i = 0; i < id->inv.n_nics; i++) {
		const char *name = id->inv.nics[i].name;

		if (strcmp(id->inv.nics[i].driver, "ena") || !ena_express_on(paths, name))
			continue;
		host->ena_express = true;
		if (off < sizeof(host->ena_express_ifs))
			off += snprintf(host->ena_express_ifs + off, sizeof(host->ena_express_ifs) - off,
					"%s%s", off ? ", " : "", name);
	}
}

int tuning_compose(const struct pa_paths *paths, const struct tuning_choice *choice,
		   const struct machine_facts *facts, struct profile *p, char *err, size_t errsz)
{
	const char *layers[PROFILE_MAX_LAYERS];
	struct profile_dirs dirs;
	struct lp_error lerr;
	int ret;

	for (int i = 0; i < choice->n_layers; i++)
		layers[i] = choice->layers[i];
	tuning_profile_dirs(paths, &dirs);
	ret = profile_compose(&dirs, layers, choice->n_layers, facts, p, &lerr);
	if (ret)
		lp_error_format(&lerr, err, errsz);
	return ret;
}

const char *tuning_choice_reason(const struct tuning_choice *choice)
{
	if (choice->forced)
		return "set by profile = in the configuration";
	return choice->matched ? choice->match.reason : "";
}

static void log_outcome(const struct tuning_state *st)
{
	char counts[256], layers[PROFILE_MAX_LAYERS * (PROFILE_NAME_MAX + 2)];

	tune_format_counts(&st->plan.counts, counts, sizeof(counts));
	profile_layers_text(st->choice.layers, st->choice.n_layers, layers, sizeof(layers));
	log_info("profile %s (%s): %s%s", layers, tuning_choice_reason(&st->choice),
		 st->applied ? "" : "advise only, nothing written: ", counts);
	for (size_t i = 0; i < st->plan.n; i++) {
		const struct tune_item *it = &st->plan.items[i];

		if (it->result == TUNE_RES_FAILED)
			log_warn("%s: not applied: %s", it->knob.id, it->error);
	}
}

/* Whether the plan claims a knob: sets or keeps it, or set it and saw it changed since. */
static bool item_claimed(const struct tune_item *it)
{
	return it->action != TUNE_SKIP || it->skip == TUNE_SKIP_OVERRIDDEN ||
	       it->skip == TUNE_SKIP_UNKNOWN_WRITER;
}

/* The peer's knob for a plan item both claim, or NULL. */
static const struct peer_knob *shared_knob(const struct peer *peer, const struct tune_item *it)
{
	return item_claimed(it) ? peer_knob_for(peer, it->knob.id) : NULL;
}

static struct json_object *shared_array(const struct peer *peer,
					const struct tuning_claims *claims);

/* The claims of a tuning run: its plan (when it planned) and the rules it composed. */
static struct tuning_claims claims_of(const struct tuning_state *st,
				      const struct tuning_opts *opts)
{
	bool planned = st->ran && !st->error[0];

	return (struct tuning_claims){ .plan = planned ? &st->plan : NULL,
		.rules = planned ? st->rules : NULL, .n_rules = planned ? st->n_rules : 0,
		.excludes = opts->excludes };
}

/* One warning per peer that sets knobs perfagent sets or steps too. */
static void log_peers(const struct tuning_state *st, const struct tuning_opts *opts)
{
	struct tuning_claims claims = claims_of(st, opts);

	for (size_t i = 0; i < st->peers.n; i++) {
		const struct peer *peer = &st->peers.v[i];
		struct json_object *shared = shared_array(peer, &claims);
		size_t n = json_object_array_length(shared), off = 0;
		char ids[512] = "";

		for (size_t k = 0; k < n && off < sizeof(ids); k++)
			off += (size_t)snprintf(ids + off, sizeof(ids) - off, "%s%s", k ? ", " : "",
						json_at_str(json_object_array_get_idx(shared, k),
							    "id", "?"));
		if (n)
			log_warn("%s (%s) also sets %zu knob%s of profile %s: %s; see perfagent status",
				 peer->name, peer->running ? "running" : "installed, not running",
				 n, n == 1 ? "" : "s", st->plan.profile, ids);
		json_object_put(shared);
	}
}

void tuning_irq_cpus(const struct tune_plan *plan, const struct pa_paths *paths, char *buf,
		     size_t size)
{
	char names[TUNING_IRQ_IFS_MAX][KNOB_ID_MAX], cpus[256];
	const char *ifnames[TUNING_IRQ_IFS_MAX];
	struct cpu_mask *masks;
	size_t n = 0, off = 0;

	buf[0] = '\0';
	/* The interfaces with RPS knobs, each once (a plan lists an interface's queues together). */
	for (size_t i = 0; i < plan->n && n < TUNING_IRQ_IFS_MAX; i++) {
		const struct tune_item *it = &plan->items[i];

		if (!strstr(it->knob.id, ":rps:") || !it->knob.path[0] ||
		    !knob_id_device(it->knob.id, "ethtool", names[n], sizeof(names[n])) ||
		    (n && !strcmp(names[n], names[n - 1])))
			continue;
		ifnames[n] = names[n];
		n++;
	}
	if (!n || !(masks = calloc(n, sizeof(*masks))))
		return;
	nic_irq_cpus_many(paths, ifnames, n, masks);
	for (size_t i = 0; i < n && off < size; i++) {
		if (cpu_mask_format_list(&masks[i], cpus, sizeof(cpus)))
			strcpy(cpus, "many");
		off += (size_t)snprintf(buf + off, size - off, "%s%s=%s", off ? ";" : "",
					ifnames[i], cpus);
	}
	free(masks);
}

/* The composed rx_ring values, for the adaptive ring rules' budget; 0 or -ENOMEM. */
static bool is_rx_ring(const struct profile_value *v)
{
	return v->kind == KNOB_ETHTOOL && !strcmp(v->key, "rx_ring");
}

static int keep_rings(struct tuning_state *st, const struct profile *p)
{
	size_t n = 0;

	for (size_t i = 0; i < p->n_values; i++)
		n += is_rx_ring(&p->values[i]);
	if (!n)
		return 0;
	st->rings = calloc(n, sizeof(*st->rings));
	if (!st->rings) {
		snprintf(st->error, sizeof(st->error), "out of memory");
		return -ENOMEM;
	}
	for (size_t i = 0; i < p->n_values; i++)
		if (is_rx_ring(&p->values[i]))
			st->rings[st->n_rings++] = p->values[i];
	return 0;
}

/* Chooses, composes, plans and (apply) applies; false with st->error set. */
static bool run(struct tuning_state *st, const struct pa_paths *paths,
		const struct tuning_opts *opts, const struct identity *id, bool apply,
		const char *const *reset_devices)
{
	struct machine_facts facts;
	struct match_host host;
	struct tuning_ctx t;
	struct profile p = { 0 };
	bool ok = false;

	tuning_state_free(st);
	st->ran = true;
	st->at_wall_ms = util_now_wall_ms();
	if (peers_detect(paths, &st->peers))
		log_warn("tuning: out of memory while looking for other tuning agents");
	tuning_host_match(paths, id, &host);
	if (tuning_choose(paths, opts->profile, opts->overlays, id->type_parsed ? &id->type : NULL,
			  &host, &st->choice, st->error, sizeof(st->error)))
		goto out;
	tuning_host_facts(paths, id, &facts);
	if (tuning_compose(paths, &st->choice, &facts, &p, st->error, sizeof(st->error)))
		goto out;
	snprintf(st->summary, sizeof(st->summary), "%s", p.summary);
	st->facts = facts;
	if (p.n_rules) {
		st->rules = malloc(p.n_rules * sizeof(*st->rules));
		if (!st->rules) {
			snprintf(st->error, sizeof(st->error), "out of memory");
			goto out;
		}
		memcpy(st->rules, p.rules, p.n_rules * sizeof(*st->rules));
		st->n_rules = p.n_rules;
	}
	if (keep_rings(st, &p))
		goto out;
	tuning_ctx_init(&t, paths, opts);
	t.ctx.reset_devices = reset_devices;
	if (tune_plan(&t.ctx, &p, &st->plan)) {
		snprintf(st->error, sizeof(st->error), "%s", st->plan.error);
		goto out;
	}
	tuning_irq_cpus(&st->plan, paths, st->irq_cpus, sizeof(st->irq_cpus));
	if (apply && tune_apply(&t.ctx, &st->plan)) {
		snprintf(st->error, sizeof(st->error), "%s", st->plan.error);
		goto out;
	}
	st->applied = apply;
	ok = true;
out:
	profile_free(&p);
	if (!ok)
		log_error("tuning: %s", st->error);
	return ok;
}

void tuning_run(struct tuning_state *st, const struct pa_paths *paths,
		const struct tuning_opts *opts, const struct identity *id, bool apply)
{
	if (!run(st, paths, opts, id, apply, NULL))
		return;
	log_outcome(st);
	log_peers(st, opts);
}

bool tuning_rerun(struct tuning_state *st, const struct pa_paths *paths,
		  const struct tuning_opts *opts, const struct identity *id, bool apply,
		  const char *const *reset_devices)
{
	if (!run(st, paths, opts, id, apply, reset_devices))
		return false;
	for (size_t i = 0; i < st->plan.n; i++) {
		const struct tune_item *it = &st->plan.items[i];

		if (it->result == TUNE_RES_FAILED)
			log_warn("%s: not applied: %s", it->knob.id, it->error);
	}
	return true;
}

void tuning_state_free(struct tuning_state *st)
{
	tune_plan_free(&st->plan);
	peers_free(&st->peers);
	free(st->rules);
	free(st->rings);
	memset(st, 0, sizeof(*st));
}

struct json_object *tuning_layers_json(const struct tuning_choice *c)
{
	struct json_object *a = json_object_new_array();

	for (int i = 0; i < c->n_layers; i++) {
		struct json_object *o = json_object_new_object();

		json_object_object_add(o, "name", json_object_new_string(c->layers[i]));
		json_object_object_add(o, "kind", json_object_new_string(i ? "overlay" : "class"));
		json_object_object_add(o, "why", json_object_new_string(c->layer_why[i]));
		json_object_array_add(a, o);
	}
	return a;
}

static const char *state_name(const struct tuning_state *st)
{
	if (!st->ran)
		return "not run";
	if (st->error[0])
		return "error";
	return st->applied ? "applied" : "advised";
}

/* Knobs perfagent changed in this boot (not those it found right), from a verify. */
static int knobs_set(const struct tune_report *verify)
{
	int n = 0;

	for (size_t i = 0; i < verify->n; i++)
		n += verify->items[i].changed;
	return n;
}

/* Live drift: what verify would say right now. */
static struct json_object *verify_json(const struct pa_paths *paths,
				       const struct tuning_opts *opts)
{
	struct tune_report rep = { 0 };
	struct json_object *o = NULL;
	struct tuning_ctx t;

	tuning_ctx_init(&t, paths, opts);
	if (tune_verify(&t.ctx, &rep) == 0) {
		o = tune_counts_json(&rep.counts);
		json_object_object_add(o, "journal", json_object_new_boolean(rep.have_journal));
		json_object_object_add(o, "knobs_set", json_object_new_int(knobs_set(&rep)));
	}
	tune_report_free(&rep);
	return o;
}

struct json_object *tuning_state_json(const struct tuning_state *st,
				      const struct pa_paths *paths, const struct tuning_opts *opts)
{
	struct json_object *o = json_object_new_object();
	struct tuning_claims claims;

	json_object_object_add(o, "state", json_object_new_string(state_name(st)));
	json_object_object_add(o, "name", json_str_or_null(st->choice.profile));
	json_object_object_add(o, "layers", tuning_layers_json(&st->choice));
	json_object_object_add(o, "summary", json_str_or_null(st->summary));
	json_object_object_add(o, "reason", json_str_or_null(tuning_choice_reason(&st->choice)));
	json_object_object_add(o, "rule", json_str_or_null(st->choice.match.rule));
	json_object_object_add(o, "mode", json_object_new_string(opts->mode));
	json_object_object_add(o, "at", json_time_or_null(st->at_wall_ms));
	json_object_object_add(o, "error", json_str_or_null(st->error));
	json_object_object_add(o, "irq_cpus", json_str_or_null(st->irq_cpus));
	json_object_object_add(o, "counts", st->ran && !st->error[0] ?
			       tune_counts_json(&st->plan.counts) : NULL);
	/* Advise: what apply would write, knob by knob. */
	json_object_object_add(o, "changes", st->ran && !st->error[0] && !st->applied ?
			       tune_plan_changes_json(&st->plan) : NULL);
	json_object_object_add(o, "verify", verify_json(paths, opts));
	claims = claims_of(st, opts);
	json_object_object_add(o, "peers", tuning_peers_json(&st->peers, &claims,
							     !strcmp(opts->mode, "apply")));
	return o;
}

static struct json_object *shared_json(const struct tune_item *it, const struct peer_knob *k)
{
	struct json_object *o = json_object_new_object();
	char wanted[KNOB_VALUE_MAX + 2];

	/* What perfagent leaves there; an overridden knob has no desired value. */
	snprintf(wanted, sizeof(wanted), "%s%s", tune_op_prefix(it->op), it->wanted);
	json_object_object_add(o, "id", json_object_new_string(it->knob.id));
	json_object_object_add(o, "perfagent", json_object_new_string(it->desired[0] ?
									 it->desired : wanted));
	json_object_object_add(o, "perfagent_action", json_object_new_string(
		it->action == TUNE_SKIP ? tune_skip_name(it->skip) : tune_action_name(it->action)));
	json_object_object_add(o, "peer", k->computed ? NULL : json_object_new_string(k->value));
	json_object_object_add(o, "peer_source", json_object_new_string(k->source));
	return o;
}

/* What perfagent does about knobs it shares with peer, true to tune.c's rules. */
static struct json_object *does_json(const struct peer *peer, bool writes)
{
	char text[640];
	const char *also = strcmp(peer->name, "tuned") ? "" : ", or take them out of tuned's profile";

	if (writes)
		snprintf(text, sizeof(text), "perfagent sets these when it applies, over what %s set "
			 "before; a value %s (or anyone) changes after that is reported as overridden "
			 "and left alone; to leave them to %s, list them in exclude = in "
			 "perfagent.conf%s", peer->name, peer->name, peer->name, also);
	else
		snprintf(text, sizeof(text), "mode advise: perfagent writes none of them; in mode "
			 "apply it would write them over what %s set before, and leave alone what %s "
			 "changes after that; to leave them to %s, list them in exclude = in "
			 "perfagent.conf%s", peer->name, peer->name, peer->name, also);
	return json_object_new_string(text);
}

/* The entry of shared with knob id, or NULL. */
static struct json_object *shared_entry(struct json_object *shared, const char *id)
{
	for (size_t i = 0; i < json_object_array_length(shared); i++) {
		struct json_object *o = json_object_array_get_idx(shared, i);

		if (!strcmp(json_at_str(o, "id", ""), id))
			return o;
	}
	return NULL;
}

/*
 * Adds the sysctls claims' adaptive rules step (rules that run, on knobs
 * not excluded) that peer sets too: to the plan's entry of the knob, or as
 * an entry of their own.
 */
static void add_rule_knobs(struct json_object *shared, const struct peer *peer,
			   const struct tuning_claims *claims)
{
	for (size_t i = 0; i < claims->n_rules; i++) {
		const struct adapt_rule *r = &claims->rules[i];
		const struct peer_knob *k;
		struct json_object *o;
		char id[KNOB_ID_MAX], steps[2 * ADAPT_BOUND_MAX + 64];

		if (r->target != ADAPT_TARGET_SYSCTL || r->conflict[0] || r->unresolved ||
		    util_join(id, sizeof(id), "sysctl:%s", r->knob) || tune_excluded_by(claims->excludes, id) ||
		    !(k = peer_knob_for(peer, id)))
			continue;
		o = shared_entry(shared, id);
		if (!o) {
			if (r->cap_for.known && r->cap_for.why[0])    /* a formula, resolved */
				snprintf(steps, sizeof(steps), "steps it up to %llu (%s)",
					 (unsigned long long)r->cap_for.value, r->cap);
			else
				snprintf(steps, sizeof(steps), "steps it up to %s", r->cap);
			o = json_object_new_object();
			json_object_object_add(o, "id", json_object_new_string(id));
			json_object_object_add(o, "perfagent", json_object_new_string(steps));
			json_object_object_add(o, "perfagent_action", json_object_new_string("adaptive"));
			json_object_object_add(o, "peer", k->computed ? NULL :
					       json_object_new_string(k->value));
			json_object_object_add(o, "peer_source", json_object_new_string(k->source));
			json_object_array_add(shared, o);
		}
		json_object_object_add(o, "adaptive_rule", json_object_new_string(r->name));
	}
}

static struct json_object *shared_array(const struct peer *peer,
					const struct tuning_claims *claims)
{
	struct json_object *shared = json_object_new_array();

	for (size_t i = 0; claims->plan && i < claims->plan->n; i++) {
		const struct tune_item *it = &claims->plan->items[i];
		const struct peer_knob *k = shared_knob(peer, it);

		if (k)
			json_object_array_add(shared, shared_json(it, k));
	}
	add_rule_knobs(shared, peer, claims);
	return shared;
}

static struct json_object *peer_json(const struct peer *peer, const struct tuning_claims *claims,
				     bool writes)
{
	struct json_object *o = json_object_new_object();
	struct json_object *shared = shared_array(peer, claims);

	json_object_object_add(o, "name", json_object_new_string(peer->name));
	json_object_object_add(o, "running", json_object_new_boolean(peer->running));
	json_object_object_add(o, "evidence", json_str_or_null(peer->evidence));
	json_object_object_add(o, "profile", json_str_or_null(peer->profile));
	json_object_object_add(o, "note", json_str_or_null(peer->note));
	json_object_object_add(o, "knobs", json_object_new_int64((int64_t)peer->n_knobs));
	json_object_object_add(o, "perfagent_does", json_object_array_length(shared) ?
			       does_json(peer, writes) : NULL);
	json_object_object_add(o, "shared_knobs", shared);
	return o;
}

struct json_object *tuning_peers_json(const struct peers *peers,
				      const struct tuning_claims *claims, bool writes)
{
	struct json_object *a = json_object_new_array();

	for (size_t i = 0; i < peers->n; i++)
		json_object_array_add(a, peer_json(&peers->v[i], claims, writes));
	return a;
}
