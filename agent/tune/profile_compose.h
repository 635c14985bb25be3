/* SPDX-License-Identifier: GPL-2.0-only */
/*
 * A host's tuning as layers: one class profile (general, compute, memory,
 * storage, accelerated, burstable, base), then overlays stacked on it in
 * order: the capability overlays the match rules add (match.h), then the
 * workload overlays the administrator names (overlays = in perfagent.conf).
 *
 * How layers combine, knob by knob:
 *   - a later layer's value replaces an earlier one's (and the earlier one
 *     is remembered, for `perfagent profiles explain`);
 *   - except when both say "only raise" (">") with numbers: the larger is
 *     kept, field by field; both "only lower" ("<"): the smaller is kept.
 * Values relative to the machine (formula.h) are resolved for the machine
 * first, so these comparisons are between numbers.
 */
#ifndef PA_PROFILE_COMPOSE_H
#define PA_PROFILE_COMPOSE_H

#include "tune/formula.h"
#include "tune/profile.h"

/*
 * Loads layers[0] (a class profile) and layers[1..n) (overlays), each with
 * its includes, resolves their formulas against facts (NULL: left
 * unresolved, as for `profiles show`), and merges them into out, whose name
 * is the class profile's. Returns 0, or a negative errno with err: a layer
 * that does not load, an overlay first or a class profile later, a layer
 * named twice, more than PROFILE_MAX_LAYERS.
 */
int profile_compose(const struct profile_dirs *dirs, const char *const *layers, int n,
		    const struct machine_facts *facts, struct profile *out, struct lp_error *err);

/*
 * Resolves p's formulas against facts (see profile_value.unresolved), and its
 * adaptive rules' floors and caps for people (adapt_rule.floor_resolved; the
 * daemon works its bounds out itself, adapt_bound()).
 */
void profile_resolve(struct profile *p, const struct machine_facts *facts);

/* "memory + network, latency": n layers (class profile first) as one line. */
void profile_layers_text(const char layers[][PROFILE_NAME_MAX], int n, char *buf, size_t size);

#endif
