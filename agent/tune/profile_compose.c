// SPDX-License-Identifier: GPL-2.0-only
/* Class profile + overlays -> one profile for a machine (profile_compose.h). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/array.h"
#include "net/ethtool.h"
#include "tune/profile_compose.h"

#define COMPOSE_MAX_VALUES 4096
#define MAX_FIELDS 8

static int compose_fail(struct lp_error *err, const char *file, const char *fmt, const char *a,
			const char *b)
{
	memset(err, 0, sizeof(*err));
	snprintf(err->file, sizeof(err->file), "%s", file);
	snprintf(err->msg, sizeof(err->msg), fmt, a, b);
	return -EINVAL;
}

/*
 * A formula (static values and adaptive rules' bounds alike) for facts: 0
 * with the number and how it came about in text; or a negative errno with
 * why not in text: no facts (`profiles show`), a fact they lack, an overflow.
 */
static int resolve_formula(const char *formula, const struct machine_facts *facts,
			   uint64_t *num, char *text, size_t size)
{
	char err[256];
	struct formula f;
	int ret;

	if (!facts) {
		snprintf(text, size, "relative to the machine: resolved on the host, or by "
			 "perfagent profiles explain TYPE");
		return -ENODATA;
	}
	ret = formula_parse(formula, &f, err, sizeof(err));
	if (!ret)
		ret = formula_resolve(&f, facts, num, text, size, err, sizeof(err));
	if (ret == -ENODATA && facts->off_host)
		snprintf(text, size, "resolved on the host (%.200s)", err);
	else if (ret)
		snprintf(text, size, "%s", err);
	return ret;
}

/* What an unresolved formula means: nothing, where only a host has the facts. */
static const char *unresolved_prefix(const struct machine_facts *facts, const char *on_host)
{
	return facts && !facts->off_host ? on_host : "";
}

static void resolve_value(struct profile_value *v, const struct machine_facts *facts)
{
	char why[256], err[256];
	uint64_t num;

	v->unresolved = true;
	snprintf(v->value, sizeof(v->value), "%s", v->formula);
	if (resolve_formula(v->formula, facts, &num, why, sizeof(why))) {
		snprintf(v->resolved, sizeof(v->resolved), "%s%.240s",
			 unresolved_prefix(facts, "not applied: "), why);
		return;
	}
	snprintf(v->value, sizeof(v->value), "%" PRIu64, num);
	if (profile_value_check(v->kind, v->key, v->op, v->value, err, sizeof(err))) {
		snprintf(v->resolved, sizeof(v->resolved), "%.120s; not applied: %.120s", why, err);
		snprintf(v->value, sizeof(v->value), "%s", v->formula);
		return;
	}
	snprintf(v->resolved, sizeof(v->resolved), "%s", why);
	v->unresolved = false;
}

/* A rule's floor or cap: a number as written, or a formula resolved as values are. */
static void resolve_bound(struct adapt_rule *r, const char *bound,
			  const struct machine_facts *facts, struct adapt_bound_for *out)
{
	char why[256];

	memset(out, 0, sizeof(*out));
	if (!formula_is_relative(bound)) {
		out->value = strtoull(bound, NULL, 10);
		out->known = true;
		return;
	}
	if (resolve_formula(bound, facts, &out->value, why, sizeof(why))) {
		r->unresolved = true;
		snprintf(out->why, sizeof(out->why), "%s%.200s",
			 unresolved_prefix(facts, "the rule does not run: "), why);
		return;
	}
	snprintf(out->why, sizeof(out->why), "%s", why);
	out->known = true;
}

/* Says so when this machine's cap is below the floor: the cap wins (adapt.c). */
static void note_cap_below_floor(struct adapt_rule *r)
{
	struct adapt_bound_for *cap = &r->cap_for;
	size_t len = strlen(cap->why);

	if (!r->floor_for.known || !cap->known || cap->value >= r->floor_for.value)
		return;
	snprintf(cap->why + len, sizeof(cap->why) - len,
		 "%sbelow the floor (%" PRIu64 ") on this machine: the cap wins, no step goes "
		 "above %" PRIu64, len ? "; " : "", r->floor_for.value, cap->value);
}

/* The composed static value of a rule's knob, or NULL. */
static const struct profile_value *rule_static_value(const struct profile *p,
						     const struct adapt_rule *r)
{
	bool ring = r->target == ADAPT_TARGET_RX_RING;

	for (size_t i = 0; i < p->n_values; i++) {
		const struct profile_value *v = &p->values[i];

		if (ring ? v->kind == KNOB_ETHTOOL && !strcmp(v->key, "rx_ring") :
			   v->kind == KNOB_SYSCTL && !strcmp(v->key, r->knob))
			return v;
	}
	return NULL;
}

/*
 * A rule whose knob the profile sets exactly or only lowers: a re-plan keeps
 * a stepped value only where the static value only raises (">V"), so the
 * rule would step and every reload or hot-plug put V back. Off, and said.
 */
static void note_value_conflict(const struct profile *p, struct adapt_rule *r)
{
	const struct profile_value *v = rule_static_value(p, r);

	r->conflict[0] = '\0';
	if (!v || v->op == VALUE_RAISE)
		return;
	snprintf(r->conflict, sizeof(r->conflict), "off: the profile sets %s %s %.40s (%.80s), "
		 "which every re-plan would put back over the rule's steps; write >%.40s for "
		 "the rule to step it", r->knob, v->op == VALUE_EXACT ? "=" : "to <", v->value,
		 v->origin, v->value);
}

void profile_resolve(struct profile *p, const struct machine_facts *facts)
{
	for (size_t i = 0; i < p->n_values; i++)
		if (p->values[i].formula[0])
			resolve_value(&p->values[i], facts);
	for (size_t i = 0; i < p->n_rules; i++) {
		struct adapt_rule *r = &p->rules[i];

		r->unresolved = false;
		resolve_bound(r, r->floor, facts, &r->floor_for);
		resolve_bound(r, r->cap, facts, &r->cap_for);
		note_cap_below_floor(r);
	}
}

/* "4096 131072 16777216" -> fields; false unless all are integers. */
static int parse_fields(const char *s, long long *f)
{
	int n = 0;

	while (*s) {
		char *end;

		if (n == MAX_FIELDS)
			return -1;
		errno = 0;
		f[n++] = strtoll(s, &end, 10);
		if (end == s || errno)
			return -1;
		s = end;
		while (*s == ' ')
			s++;
	}
	return n;
}

/*
 * Both ">" (or both "<") with numbers: the larger (smaller) field by field,
 * into winner; false when the values do not combine so.
 */
static bool merge_bound(const struct profile_value *a, const struct profile_value *b,
			char *out, size_t size)
{
	long long fa[MAX_FIELDS], fb[MAX_FIELDS];
	int na, nb;
	size_t off = 0;

	if (a->op != b->op || a->op == VALUE_EXACT || a->unresolved || b->unresolved)
		return false;
	na = parse_fields(a->value, fa);
	nb = parse_fields(b->value, fb);
	if (na <= 0 || na != nb)
		return false;
	out[0] = '\0';
	for (int i = 0; i < na && off < size; i++) {
		long long v = a->op == VALUE_RAISE ? (fa[i] > fb[i] ? fa[i] : fb[i])
						   : (fa[i] < fb[i] ? fa[i] : fb[i]);

		off += snprintf(out + off, size - off, "%s%lld", i ? " " : "", v);
	}
	return off < size;
}

static const char *base_name(const char *path)
{
	const char *slash = strrchr(path, '/');

	return slash ? slash + 1 : path;
}

static void remember(struct profile_value *v, const struct profile_value *old)
{
	struct profile_overridden *o;

	if (v->n_overridden++ >= PROFILE_MAX_OVERRIDDEN)
		return;
	o = &v->overridden[v->n_overridden - 1];
	snprintf(o->layer, sizeof(o->layer), "%s", old->layer);
	o->op = old->op;
	snprintf(o->value, sizeof(o->value), "%s", old->value);
	snprintf(o->origin, sizeof(o->origin), "%.255s", base_name(old->origin));
}

static const char *op_text(enum value_op op)
{
	return op == VALUE_RAISE ? ">" : op == VALUE_LOWER ? "<" : "";
}

/* layer's value v over the composed one at *cur. */
static void merge_value(struct profile_value *cur, const struct profile_value *v)
{
	struct profile_value old = *cur;
	char merged[PROFILE_VALUE_MAX];

	if (merge_bound(&old, v, merged, sizeof(merged))) {
		bool theirs = strcmp(merged, v->value) == 0;

		*cur = theirs ? *v : old;
		memcpy(cur->overridden, old.overridden, sizeof(cur->overridden));
		cur->n_overridden = old.n_overridden;
		remember(cur, theirs ? &old : v);
		snprintf(cur->value, sizeof(cur->value), "%s", merged);
		snprintf(cur->merge, sizeof(cur->merge),
			 "both layers only %s: kept the %s, field by field (%s%.40s from %.32s, "
			 "%s%.40s from %.32s)", old.op == VALUE_RAISE ? "raise" : "lower",
			 old.op == VALUE_RAISE ? "larger" : "smaller", op_text(old.op), old.value,
			 old.layer, op_text(v->op), v->value, v->layer);
		return;
	}
	*cur = *v;
	memcpy(cur->overridden, old.overridden, sizeof(cur->overridden));
	cur->n_overridden = old.n_overridden;
	remember(cur, &old);
}

static int merge_layer(struct profile *out, const struct profile *layer)
{
	for (size_t i = 0; i < layer->n_values; i++) {
		struct profile_value v = layer->values[i];
		struct profile_value *cur = NULL, *grown;

		snprintf(v.layer, sizeof(v.layer), "%s", layer->name);
		for (size_t j = 0; j < out->n_values && !cur; j++)
			if (!strcmp(out->values[j].section, v.section) &&
			    !strcmp(out->values[j].key, v.key))
				cur = &out->values[j];
		if (cur) {
			merge_value(cur, &v);
			continue;
		}
		if (out->n_values == COMPOSE_MAX_VALUES)
			return -E2BIG;
		grown = array_grow(out->values, &out->cap_values, out->n_values + 1,
				   sizeof(*grown), 32);
		if (!grown)
			return -ENOMEM;
		out->values = grown;
		out->values[out->n_values++] = v;
	}
	/* Adaptive rules: a later layer's rule of the same name replaces the earlier one. */
	for (size_t i = 0; i < layer->n_rules; i++) {
		int ret = profile_add_rule(out, &layer->rules[i]);

		if (ret)
			return ret;
	}
	return 0;
}

/* What the budget allows per ring on this machine: "at most N entries ...". */
static void ring_budget_words(struct profile_value *ring, const struct profile_value *budget,
			      const struct machine_facts *facts)
{
	unsigned int queues = facts ? facts->interfaces * facts->queues : 0;
	unsigned int page = formula_page_bytes(facts);
	char human[FORMULA_HUMAN_MAX];
	uint32_t cap;

	formula_human_bytes(ring->ring_budget, human, sizeof(human));
	if (!queues) {
		snprintf(ring->resolved, sizeof(ring->resolved), "cut on the host to fit the ring "
			 "memory budget of %s (rx_ring_budget, %.80s)", human, budget->origin);
		return;
	}
	/* One page per ring entry (ENA README, "Dynamic RX Buffers"); 4 KiB
	 * where no host is known (the host's kernel decides on it). */
	cap = ethtool_ring_budget_cap(ring->ring_budget, queues, page);
	snprintf(ring->resolved, sizeof(ring->resolved), "within the ring memory budget of %s: "
		 "%u interface%s x %u queues x %u KiB pages%s allow %u entries per ring%s", human,
		 facts->interfaces, facts->interfaces == 1 ? "" : "s", facts->queues, page / 1024,
		 facts->page_size ? "" : " (assumed)", cap < 64 ? 64 : cap,
		 cap < 64 ? " (the smallest ring)" : "");
}

static int check_layer(const struct profile *p, int i, const char *const *layers,
		       struct lp_error *err)
{
	for (int j = 0; j < i; j++)
		if (!strcmp(layers[j], layers[i]))
			return compose_fail(err, p->file, "%s is named twice among the layers%s",
					    layers[i], "");
	if (i == 0 && p->overlay)
		return compose_fail(err, p->file, "%s is an overlay, not a class profile: set "
				    "profile = to a class (general, compute, memory, storage, ...) and "
				    "overlays = %s (perfagent profiles list shows which is which)",
				    p->name, p->name);
	if (i > 0 && !p->overlay)
		return compose_fail(err, p->file, "%s is a class profile, not an overlay: name it "
				    "in profile = %s, or make it kind = overlay", p->name, p->name);
	return 0;
}

/*
 * An [ethtool] section's rx_ring_budget bounds its rx_ring: the backend cuts
 * the ring on the host (knob_ethtool.c); explain says what it allows here.
 */
static void attach_ring_budgets(struct profile *p, const struct machine_facts *facts)
{
	for (size_t i = 0; i < p->n_values; i++) {
		struct profile_value *ring = &p->values[i];
		const struct profile_value *budget = NULL;

		if (ring->kind != KNOB_ETHTOOL || strcmp(ring->key, "rx_ring"))
			continue;
		for (size_t j = 0; j < p->n_values && !budget; j++)
			if (!strcmp(p->values[j].section, ring->section) &&
			    !strcmp(p->values[j].key, "rx_ring_budget") && !p->values[j].unresolved)
				budget = &p->values[j];
		if (!budget)
			continue;
		ring->ring_budget = strtoull(budget->value, NULL, 10);
		ring_budget_words(ring, budget, facts);
	}
}

int profile_compose(const struct profile_dirs *dirs, const char *const *layers, int n,
		    const struct machine_facts *facts, struct profile *out, struct lp_error *err)
{
	int ret = 0;

	memset(out, 0, sizeof(*out));
	if (n < 1 || n > PROFILE_MAX_LAYERS)
		return compose_fail(err, "overlays", "%s: a class profile and at most %s overlays",
				    n < 1 ? "no layer" : "too many layers", "7");
	for (int i = 0; i < n && !ret; i++) {
		struct profile p;

		ret = profile_load(dirs, layers[i], &p, err);
		if (ret)
			break;
		ret = check_layer(&p, i, layers, err);
		if (!ret) {
			profile_resolve(&p, facts);
			ret = merge_layer(out, &p);
			if (ret)
				compose_fail(err, p.file, "%s: %s", p.name,
					     ret == -ENOMEM ? "out of memory" : "too many values");
		}
		if (!ret && i == 0) {
			snprintf(out->name, sizeof(out->name), "%s", p.name);
			snprintf(out->summary, sizeof(out->summary), "%s", p.summary);
			snprintf(out->file, sizeof(out->file), "%s", p.file);
			out->depth = p.depth;
			memcpy(out->chain, p.chain, sizeof(out->chain));
		}
		if (!ret)
			snprintf(out->layers[out->n_layers++], PROFILE_NAME_MAX, "%s", p.name);
		profile_free(&p);
	}
	if (ret) {
		profile_free(out);
		return ret;
	}
	attach_ring_budgets(out, facts);
	/* Against the values of every layer: a rule and its knob's value may come from two. */
	for (size_t i = 0; i < out->n_rules; i++)
		note_value_conflict(out, &out->rules[i]);
	return 0;
}

void profile_layers_text(const char layers[][PROFILE_NAME_MAX], int n, char *buf, size_t size)
{
	size_t off = snprintf(buf, size, "%s", n ? layers[0] : "none");

	for (int i = 1; i < n && off < size; i++)
		off += snprintf(buf + off, size - off, "%s%s", i == 1 ? " + " : ", ", layers[i]);
}
